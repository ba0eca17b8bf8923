#!/usr/bin/env bash
# `make check`: every test that needs no network beyond Debian's registry.
#
# usage: tests/check.sh [--build DIR]
#   env: JOBS (build parallelism, default nproc), SANITIZE (1: also the
#        ASan/UBSan unit run), VM_TESTS (suites, default all), VM_JOBS
#        (guests at once, default 2)
#
# 1. The debug kernel (KASAN, lockdep; scripts/vm/debug-kernel.sh) and our
#    erofs.ko for it start building in the background: about 25 CPU-minutes
#    on a fresh machine, nothing when cached.
# 2. Meanwhile: unit tests, the same under ASan/UBSan, 60 s per fuzz
#    target, our erofs.ko for the production kernel.
# 3. The VM suites, VM_JOBS guests at once: all of them on Debian's
#    production kernel, and the debug-kernel suites (ishare, ishare-z,
#    stress, hostile, nest, the KASAN and lockdep self-tests) in their quick
#    profile (tests/vm/run-all.sh --quick).  `make check-debug` runs those
#    in full.
set -euo pipefail

usage() { echo "usage: $0 [--build DIR]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=build
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
cd "$top"
mkdir -p "$build"
build=$(cd "$build" && pwd)

dklog=$build/debug-kernel.log
# Its own process group, so that stopping this script stops the kernel's make.
setsid env JOBS="${JOBS:-$(nproc)}" scripts/vm/debug-kernel.sh --build "$build" \
	>"$dklog" 2>&1 </dev/null &
dk=$!
trap 'kill -- -$dk 2>/dev/null || true' EXIT
echo "check: building the debug kernel in the background (log: $dklog)"

make_() { make --no-print-directory BUILD="$build" "$@"; }
make_ check-unit
if [[ ${SANITIZE:-1} == 1 ]]; then
	make_ check-unit-san
fi
make_ check-fuzz
make_ kmod
echo "check: unit, sanitizer and fuzz runs done at ${SECONDS} s"

# If the kernel build is still running, the first debug-kernel suite waits
# for it (a lock in debug-kernel.sh) while the other guests run production
# suites; if it failed, the debug-kernel suites fail at once.
dk_failed() { tail -n 30 "$dklog"; echo "check: the debug kernel build failed (log: $dklog)" >&2; exit 1; }
dk_done=0
if ! kill -0 "$dk" 2>/dev/null; then
	wait "$dk" || dk_failed
	dk_done=1
fi
vm_rc=0
# shellcheck disable=SC2086 # VM_TESTS is a list of suite names
DEBUG_KERNEL_REUSE_ONLY=1 tests/vm/run-all.sh --build "$build" --kernel both \
	--jobs "${VM_JOBS:-2}" --quick ${VM_TESTS:-} || vm_rc=$?
if ((!dk_done)); then
	wait "$dk" || dk_failed
fi
trap - EXIT
dkt=$(grep -o '[0-9]* s cold build' "$dklog" || echo "debug kernel reused")
echo "check: done at ${SECONDS} s ($dkt)"
exit "$vm_rc"
