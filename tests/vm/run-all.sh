#!/usr/bin/env bash
# Run VM test suites (every directory under tests/vm/ with t*.sh scripts),
# each in its own freshly booted guest, and print one summary.
#
# usage: tests/vm/run-all.sh [--build DIR] [SUITE...]
#
# A suite whose suite.conf sets EXPECT_FAIL is a harness self-test: it
# passes only when its run fails AND the judge's output matches the
# EXPECT_FAIL regular expression (so it failed for the intended reason).
set -euo pipefail

usage() { echo "usage: $0 [--build DIR] [SUITE...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build
names=()
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
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

passed=0 failed=0 failures=()
for n in "${names[@]}"; do
	dir=$here/$n
	[[ -d $dir ]] || { echo "vm: no suite $n" >&2; exit 2; }
	EXPECT_FAIL=""
	# shellcheck source=/dev/null
	[[ -f $dir/suite.conf ]] && EXPECT_FAIL=$(source "$dir/suite.conf"; echo "${EXPECT_FAIL:-}")
	echo "=== $n"
	set +e
	output=$("$top/scripts/vm/run.sh" --build "$build" "$dir" 2>&1)
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
echo "vm: $passed passed, $failed failed"
((failed == 0))
