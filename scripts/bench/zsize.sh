#!/usr/bin/env bash
# Image sizes of mkfs.erofs++ against erofs-utils 1.9.3's mkfs.erofs on the
# same tree and options: -zlz4hc and -zzstd, plain, -Efragments, -Ededupe,
# both, and -Eall-fragments,dedupe.  Prints one table row per option set:
# options, peer bytes, our bytes, ours/peer.
#
# usage: scripts/bench/zsize.sh [--build DIR] [--workers N] TREE SCRATCH
#   --build DIR   our build folder (default ./build)
#   --workers N   both sides (default 2)
#   SCRATCH       where the two images are written (tmpfs advised)
# env: EROFS_PEER_PREFIX (default /opt/erofs-utils-1.9.3)
set -euo pipefail
usage() { sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=build
workers=2
while [[ $# -gt 0 ]]; do
	case $1 in
	--build) build=${2:?}; shift 2 ;;
	--workers) workers=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[[ $# -eq 2 ]] || usage
tree=$1
scratch=$2
ours=$build/utils/mkfs.erofs++
peer=${EROFS_PEER_PREFIX:-/opt/erofs-utils-1.9.3}/bin/mkfs.erofs
[[ -x $ours ]] || { echo "zsize.sh: $ours missing (build the tools)" >&2; exit 1; }
[[ -x $peer ]] || { echo "zsize.sh: $peer missing (set EROFS_PEER_PREFIX)" >&2; exit 1; }
mkdir -p "$scratch"
echo "| options | erofs-utils 1.9.3 bytes | ours bytes | ours/peer |"
echo "|---|---|---|---|"
for z in lz4hc zstd; do
	for e in "" -Efragments -Ededupe -Efragments,dedupe -Eall-fragments,dedupe; do
		# shellcheck disable=SC2086
		"$peer" -z$z $e --workers="$workers" -T0 "$scratch/peer.img" "$tree" >/dev/null 2>&1
		# shellcheck disable=SC2086
		"$ours" --quiet -z$z $e --workers="$workers" -T0 "$scratch/ours.img" "$tree"
		p=$(stat -c %s "$scratch/peer.img")
		o=$(stat -c %s "$scratch/ours.img")
		# shellcheck disable=SC2016
		printf '| `-z%s %s` | %d | %d | %.3f |\n' "$z" "$e" "$p" "$o" "$(echo "$o / $p" | bc -l)"
	done
done
rm -f "$scratch/peer.img" "$scratch/ours.img"
