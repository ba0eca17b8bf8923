#!/usr/bin/env bash
# Run every benchmark (`make bench`): the page-cache benchmark, the
# image-builder benchmark when this branch has it, then the layer-conversion
# benchmark (which skips itself without erofs-utils 1.9.3).
#
# usage: scripts/bench/run.sh [--build DIR]
set -euo pipefail
usage() { echo "usage: $0 [--build DIR]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
case "${1:-}" in
"") ;;
--build) build=${2:?}; [[ $# -eq 2 ]] || usage ;;
*) usage ;;
esac

rc=0
echo "== page cache (scripts/bench/pagecache.sh)"
"$here/pagecache.sh" --build "$build" || rc=1
echo
if [[ -x $here/mkfs.sh ]]; then
	echo "== image builder (scripts/bench/mkfs.sh)"
	"$here/mkfs.sh" --build "$build" || rc=1
else
	echo "== image builder: scripts/bench/mkfs.sh not in this branch, skipped"
fi
echo
echo "== layer conversion (scripts/bench/convert.sh)"
"$here/convert.sh" --build "$build" || rc=1
exit $rc
