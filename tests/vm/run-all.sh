#!/usr/bin/env bash
# Run VM test suites (every directory under tests/vm/ with t*.sh scripts),
# each in its own freshly booted guest, and print one summary.
#
# usage: tests/vm/run-all.sh [--build DIR] [--kernel production|debug] [SUITE...]
#
# A suite whose suite.conf sets EXPECT_FAIL is a harness self-test: it
# passes only when its run fails AND the judge's output matches the
# EXPECT_FAIL regular expression (so it failed for the intended reason).
#
# --kernel debug runs the suites on the debug kernel (scripts/vm/debug-kernel.sh).
# Only suites whose suite.conf sets DEBUG_KERNEL=1 (run on both kernels) or
# DEBUG_ONLY=1 (run on the debug kernel alone) take part; the others are
# skipped, also when named.  On the production kernel DEBUG_ONLY suites are
# skipped.
set -euo pipefail

usage() { echo "usage: $0 [--build DIR] [--kernel production|debug] [SUITE...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build vmkernel=production
names=()
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--kernel)
		case "${2:-}" in production|debug) vmkernel=$2 ;; *) usage ;; esac
		shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) names+=("$1"); shift ;;
	esac
done
if ((${#names[@]} == 0)); then
	for d in "$here"/*/; do
		compgen -G "$d/t*.sh" >/dev/null && names+=("$(basename "$d")")
	done
fi

passed=0 failed=0 skipped=0 failures=()
for n in "${names[@]}"; do
	dir=$here/$n
	[[ -d $dir ]] || { echo "vm: no suite $n" >&2; exit 2; }
	EXPECT_FAIL="" conf=""
	# shellcheck source=/dev/null
	[[ -f $dir/suite.conf ]] && conf=$(source "$dir/suite.conf"
		echo "${DEBUG_KERNEL:-0}${DEBUG_ONLY:-0}"; echo "${EXPECT_FAIL:-}")
	opt=$(sed -n 1p <<<"$conf")
	EXPECT_FAIL=$(sed -n 2p <<<"$conf")
	if [[ $vmkernel == debug && $opt != 1? && $opt != ?1 ]] ||
		[[ $vmkernel == production && $opt == ?1 ]]; then
		echo "=== $n: skipped on the $vmkernel kernel (suite.conf: DEBUG_KERNEL/DEBUG_ONLY)"
		skipped=$((skipped + 1))
		continue
	fi
	if [[ $vmkernel == debug ]]; then echo "=== $n (debug kernel)"; else echo "=== $n"; fi
	set +e
	output=$("$top/scripts/vm/run.sh" --build "$build" --kernel "$vmkernel" "$dir" 2>&1)
	rc=$?
	set -e
	echo "$output"
	if [[ -n $EXPECT_FAIL ]]; then
		if ((rc != 0)) && grep -Eq -- "$EXPECT_FAIL" <<<"$output"; then
			echo "vm: $n: failed as expected (harness self-test ok)"
			passed=$((passed + 1))
		else
			echo "vm: $n: harness self-test did not fail as expected: /$EXPECT_FAIL/"
			failed=$((failed + 1))
			failures+=("$n")
		fi
	elif ((rc == 0)); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$n")
	fi
done

echo "==="
((failed == 0)) || echo "vm: failed suites: ${failures[*]}"
echo "vm: $passed passed, $failed failed, $skipped skipped (${vmkernel} kernel)"
((failed == 0))
