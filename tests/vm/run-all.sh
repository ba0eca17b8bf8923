#!/usr/bin/env bash
# Run VM test suites (every directory under tests/vm/ with t*.sh scripts),
# each in its own freshly booted guest, and print one summary.
#
# usage: tests/vm/run-all.sh [--build DIR] [--kernel production|debug|both]
#                            [--jobs N] [--quick] [SUITE...]
#
# A suite whose suite.conf sets EXPECT_FAIL is a harness self-test: it
# passes only when its run fails AND the judge's output matches the
# EXPECT_FAIL regular expression (so it failed for the intended reason).
#
# --kernel debug runs the suites on the debug kernel (scripts/vm/debug-kernel.sh).
# Only suites whose suite.conf sets DEBUG_KERNEL=1 (run on both kernels) or
# DEBUG_ONLY=1 (run on the debug kernel alone) take part; the others are
# skipped, also when named.  On the production kernel DEBUG_ONLY suites are
# skipped.  --kernel both runs each suite on every kernel it takes part in.
#
# --jobs N boots up to N guests at once (default 1).  Each suite's output
# is printed whole when it ends.  Each kernel's suites are queued longest
# first (by suite.conf's TIMEOUT); production and debug runs alternate in the
# queue, so while the debug kernel is still being built (the first debug
# run waits for it) the other guests run production suites.
#
# --quick runs the debug-kernel suites in their quick profile (VM_QUICK=1,
# see scripts/vm/run.sh: suite.conf's QUICK_SKIP and QUICK); production
# runs are never shortened.
set -euo pipefail

usage() {
	echo "usage: $0 [--build DIR] [--kernel production|debug|both] [--jobs N] [--quick] [SUITE...]" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build kernels=(production) njobs=1 quick=0
names=()
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--kernel)
		case "${2:-}" in
		production|debug) kernels=("$2") ;;
		both) kernels=(production debug) ;;
		*) usage ;;
		esac
		shift 2 ;;
	--jobs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; njobs=$2; shift 2 ;;
	--quick) quick=1; shift ;;
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
mkdir -p "$build"
build=$(cd "$build" && pwd)

# suite_conf NAME KERNEL: "DEBUG_KERNEL DEBUG_ONLY" flags, then EXPECT_FAIL
suite_conf() {
	local dir=$here/$1
	[[ -f $dir/suite.conf ]] || { echo "00"; echo; echo 300; return; }
	(
		# shellcheck disable=SC2034 # read by suite.conf
		QUICK=0
		# shellcheck disable=SC2034
		[[ $2 == debug ]] && QUICK=$quick
		# shellcheck source=/dev/null
		source "$dir/suite.conf"
		echo "${DEBUG_KERNEL:-0}${DEBUG_ONLY:-0}"
		echo "${EXPECT_FAIL:-}"
		echo "${TIMEOUT:-300}"
	)
}

# The queue: one list per kernel, then interleaved.
declare -A expect=()
skipped=0
lists=()
for k in "${kernels[@]}"; do
	list=()
	for n in "${names[@]}"; do
		[[ -d $here/$n ]] || { echo "vm: no suite $n" >&2; exit 2; }
		conf=$(suite_conf "$n" "$k")
		opt=$(sed -n 1p <<<"$conf")
		if [[ $k == debug && $opt != 1? && $opt != ?1 ]] ||
			[[ $k == production && $opt == ?1 ]]; then
			echo "=== $n: skipped on the $k kernel (suite.conf: DEBUG_KERNEL/DEBUG_ONLY)"
			skipped=$((skipped + 1))
			continue
		fi
		expect[$k/$n]=$(sed -n 2p <<<"$conf")
		list+=("$(sed -n 3p <<<"$conf") $k/$n")
	done
	# longest first, by TIMEOUT (a fair guess), so that the last runs are short
	lists+=("$(printf '%s\n' "${list[@]}" | sort -s -k1,1nr | cut -d' ' -f2 | tr '\n' ' ')")
done
queue=()
read -r -a q0 <<<"${lists[0]:-}"
read -r -a q1 <<<"${lists[1]:-}"
for ((i = 0; i < ${#q0[@]} || i < ${#q1[@]}; i++)); do
	((i < ${#q0[@]})) && queue+=("${q0[i]}")
	((i < ${#q1[@]})) && queue+=("${q1[i]}")
done

outdir=$build/vm-runs
rm -rf "$outdir"
mkdir -p "$outdir"

# start JOB: one suite run in the background, its output in a file
declare -A running=()
start() {
	local k=${1%%/*} n=${1#*/}
	(
		if [[ $k == debug ]]; then
			echo "=== $n (debug kernel)"
		else
			echo "=== $n"
		fi
		VM_QUICK=$quick "$top/scripts/vm/run.sh" --build "$build" --kernel "$k" \
			"$here/$n" 2>&1
	) >"$outdir/${k}.$n.out" &
	running[$!]=$1
}

passed=0 failed=0 failures=()
# finish JOB RC: print its output, count it
finish() {
	local k=${1%%/*} n=${1#*/} rc=$2 output label
	output=$(cat "$outdir/${k}.$n.out")
	echo "$output"
	label=$n
	[[ $k == debug && ${#kernels[@]} -gt 1 ]] && label="$n (debug)"
	if [[ -n ${expect[$1]} ]]; then
		if ((rc != 0)) && grep -Eq -- "${expect[$1]}" <<<"$output"; then
			echo "vm: $n: failed as expected (harness self-test ok)"
			passed=$((passed + 1))
		else
			echo "vm: $n: harness self-test did not fail as expected: /${expect[$1]}/"
			failed=$((failed + 1))
			failures+=("$label")
		fi
	elif ((rc == 0)); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$label")
	fi
}

next=0
while ((next < ${#queue[@]} || ${#running[@]} > 0)); do
	while ((next < ${#queue[@]} && ${#running[@]} < njobs)); do
		start "${queue[next]}"
		next=$((next + 1))
	done
	set +e
	wait -n -p done_pid "${!running[@]}"
	rc=$?
	set -e
	job=${running[$done_pid]}
	unset "running[$done_pid]"
	finish "$job" "$rc"
done

echo "==="
((failed == 0)) || echo "vm: failed suites: ${failures[*]}"
k=${kernels[*]}
echo "vm: $passed passed, $failed failed, $skipped skipped (${k/ / and } kernel$( ((${#kernels[@]} > 1)) && echo s))"
((failed == 0))
