#!/usr/bin/env bash
# The main job, end to end: boot the Debian 6.12 kernel in QEMU with our
# erofs.ko, mount an image, read it, and print what happened.
#
# usage: scripts/demo.sh [--build DIR]     (run through `make demo`)
set -euo pipefail
usage() { echo "usage: $0 [--build DIR]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
case "${1:-}" in
"") ;;
--build) build=${2:?}; [[ $# -eq 2 ]] || usage ;;
*) usage ;;
esac

echo "demo: booting $(ls /boot/vmlinuz-"$("$top/scripts/kver.sh")") under QEMU (TCG)..."
set +e
"$top/scripts/vm/run.sh" --build "$build" "$top/scripts/demo" >"$build/demo.log" 2>&1
rc=$?
set -e
sed -n 's/^    # demo: /  /p' "$build/vm/demo/tap.log"
if ((rc)); then
	cat "$build/demo.log" >&2
	echo "demo: FAILED (logs in $build/vm/demo)" >&2
	exit 1
fi
tail -n 1 "$build/demo.log"
