#!/usr/bin/env bash
# Image builder and verifier benchmark (BENCHMARKS.md sections 3 and 4).
#
# usage: scripts/bench/mkfs.sh [--build DIR] [--tree DIR] [--runs N]
#   --build DIR  build directory holding utils/mkfs.erofs++ (default: build)
#   --tree DIR   source tree to use (default: a >= 200 MB copy of system
#                folders made on tmpfs under /dev/shm)
#   --runs N     hyperfine runs per command (default: 10)
#
# Side by side in one hyperfine run, output on tmpfs: mkfs.erofs++ against
# Debian's mkfs.erofs 1.5, uncompressed and -zlz4hc, each plain and with
# fingerprints (the peer has no fingerprint option, so those rows compare
# against its build without them).
# Prints time and image-size ratios (targets: time <= 0.8, size <= 1.0),
# then --fsck --verify-fingerprints throughput against sha256sum over the
# same bytes (target >= 3x).
set -euo pipefail

usage() { sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

build=build
tree=""
runs=10
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--tree) tree=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done

mkfspp=$build/utils/mkfs.erofs++
inspect=$build/utils/inspect.erofs++
for t in "$mkfspp" "$inspect"; do
	[[ -x $t ]] || { echo "mkfs.sh: $t not built (run 'make utils')" >&2; exit 1; }
done
for t in mkfs.erofs hyperfine sha256sum; do
	command -v "$t" >/dev/null || { echo "mkfs.sh: $t not installed (run 'make deps')" >&2; exit 1; }
done

work=$(mktemp -d /dev/shm/erofs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_tree() {
	local dst=$1 src
	mkdir -p "$dst"
	for src in /usr/lib/python3* /usr/share/perl /usr/include /usr/share/perl5 /usr/lib/x86_64-linux-gnu/perl*; do
		[[ -d $src ]] || continue
		cp -a "$src" "$dst/$(echo "$src" | tr / _)"
		(( $(du -sm "$dst" | cut -f1) >= 200 )) && return 0
	done
	echo "mkfs.sh: only $(du -sm "$dst" | cut -f1) MB of system folders found; need 200" >&2
	return 1
}

if [[ -z $tree ]]; then
	tree=$work/tree
	make_tree "$tree"
fi
files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "tree: $tree, $files files, $((bytes / 1048576)) MiB of file data, $(nproc) CPUs"

common=(-T 0 -U 11111111-2222-3333-4444-555555555555)
out=$work/out
mkdir -p "$out"

# hyperfine CSV: command,mean,stddev,median,user,system,min,max
mean_of() { awk -F, -v n="$2" 'NR == n + 1 {print $2}' "$1"; }

compare() {  # compare NAME "PEER_ARGS" OURS_ARGS...
	local name=$1 peer=$2; shift 2
	local csv=$work/${name//[^a-z0-9]/_}.csv
	hyperfine --style none --warmup 2 --runs "$runs" --export-csv "$csv" \
		--prepare "rm -f $out/ours.img $out/peer.img" \
		-n "mkfs.erofs++ $name" "$mkfspp --quiet ${common[*]} $* $out/ours.img $tree" \
		-n "mkfs.erofs 1.5 $peer" "mkfs.erofs --quiet ${common[*]} $peer $out/peer.img $tree" >/dev/null
	"$mkfspp" --quiet "${common[@]}" "$@" "$out/ours.img" "$tree"
	# shellcheck disable=SC2086
	mkfs.erofs --quiet "${common[@]}" $peer "$out/peer.img" "$tree" >/dev/null
	local to tp so sp
	to=$(mean_of "$csv" 1); tp=$(mean_of "$csv" 2)
	so=$(stat -c %s "$out/ours.img"); sp=$(stat -c %s "$out/peer.img")
	awk -v n="$name" -v to="$to" -v tp="$tp" -v so="$so" -v sp="$sp" 'BEGIN {
		printf "%-20s %9.3f s %9.3f s %7.2fx %12d %12d %7.3fx\n", n, to, tp, to / tp, so, sp, so / sp }'
}

echo
printf "%-20s %11s %11s %8s %12s %12s %8s\n" row ours peer time ours-bytes peer-bytes size
fp=--ishare_key=trusted.erofs.fingerprint
compare plain ""
compare fingerprints "" "$fp"
compare -zlz4hc -zlz4hc -zlz4hc
compare "-zlz4hc fingerprints" -zlz4hc -zlz4hc "$fp"
echo "targets: time <= 0.80x, size <= 1.000x"

# Verification throughput over the same bytes.
"$mkfspp" --quiet "${common[@]}" --ishare_key=trusted.erofs.fingerprint "$out/fp.img" "$tree"
vcsv=$work/verify.csv
hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$vcsv" \
	-n verify "$inspect --fsck --verify-fingerprints $out/fp.img" \
	-n sha256sum "find $tree -type f -print0 | xargs -0 sha256sum" >/dev/null
tv=$(mean_of "$vcsv" 1); ts=$(mean_of "$vcsv" 2)
echo
awk -v b="$bytes" -v tv="$tv" -v ts="$ts" 'BEGIN {
	printf "verify-fingerprints: %.0f MB/s   sha256sum: %.0f MB/s   ratio %.2fx (target >= 3x)\n",
		b / tv / 1e6, b / ts / 1e6, ts / tv }'
