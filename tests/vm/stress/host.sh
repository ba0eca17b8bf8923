#!/usr/bin/env bash
# Images for the stress suite (issue 15).  File bytes come from the
# generator in tests/vm/helpers/stress.c (built here for the host), keyed by
# (file id, offset), so the guest recomputes what every read must return.
#   p.img   the file set M, uncompressed, fingerprinted
#   z.img   M, lz4hc (4 KiB pclusters)
#   c.img   M, lz4hc with 16 KiB pclusters  } the domain members that the
#   cp.img  M, uncompressed (a second copy) } guest mounts and unmounts in a loop
#   s.img   the stat tree: 102400 empty or tiny files in 100 directories
# data/files.list ("FID SIZE PATH" per file of M) and data/secs (STRESS_SECS,
# default 120: seconds of stress in the guest).
# usage: host.sh OUTDIR   (env: TOP, BUILD; STRESS_SECS, STRESS_CORRUPT)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
mkfs=$BUILD/utils/mkfs.erofs++
[[ -x $mkfs ]] || { echo "host.sh: $mkfs missing (make utils)" >&2; exit 1; }
gen=$out/stressgen
gcc -O2 -Wall -Wextra -Werror -o "$gen" "$TOP/tests/vm/helpers/stress.c"

t=$out/trees
rm -rf "$t"
mkdir -p "$t/M/big" "$t/M/mid" "$t/M/small" "$t/S"
list=$out/data/files.list
: >"$list"
fid=0
add() {	# add DIR SIZE...
	local d=$1 s
	shift
	for s in "$@"; do
		fid=$((fid + 1))
		"$gen" gen "$t/M/$d/f$fid" $fid "$s"
		echo "$fid $s $d/f$fid" >>"$list"
	done
}
# Multi-MiB files (about 22 MiB), so the readers' cgroup must reclaim the
# shared cache; medium ones; small ones around page and block boundaries.
add big $((8 << 20)) $(((6 << 20) + 1)) $(((5 << 20) + 4095)) $(((3 << 20) + 12345))
add mid $((1 << 20)) $(((1 << 20) + 1)) $(((768 << 10) + 100)) $(((512 << 10) - 1)) \
	300000 $(((128 << 10) + 7))
add small 1 100 4095 4096 4097 8191 10000 12288 20000 32768 40000 65535 65536 65537 \
	100000 200000

"$gen" gentree "$t/S" 100 1024

mk() { "$mkfs" --quiet -T 0 -U clear --ishare_key=trusted.erofs.fingerprint "$@"; }
mk "$out/images/p.img" "$t/M"
mk "$out/images/cp.img" "$t/M"
mk -zlz4hc "$out/images/z.img" "$t/M"
mk -zlz4hc -C16384 "$out/images/c.img" "$t/M"
mk "$out/images/s.img" "$t/S"
# the compressed images must hold their files compressed
for i in z c; do
	(($(stat -c %s "$out/images/$i.img") * 2 < $(stat -c %s "$out/images/p.img"))) ||
		{ echo "host.sh: $i.img is not compressed" >&2; exit 1; }
done
# STRESS_CORRUPT=1: flip one byte of big/f1's data in cp.img, a member of
# the domain, to see the suite fail ("WRONG BYTE" from readers of every
# mount: the domain shares that member's bytes, see the threat model)
if [[ ${STRESS_CORRUPT:-0} == 1 ]]; then
	"$gen" gen "$out/head" 1 65536
	python3 - "$out/images/cp.img" "$out/head" <<'PY'
import sys
img, head = sys.argv[1], open(sys.argv[2], "rb").read()
data = bytearray(open(img, "rb").read())
pos = data.find(head)
assert pos >= 0, "big/f1 not found in cp.img"
data[pos + 5000] ^= 0xff
open(img, "wb").write(data)
print("cp.img: flipped the byte at", pos + 5000)
PY
	rm -f "$out/head"
fi
echo "${STRESS_SECS:-120}" >"$out/data/secs"
rm -rf "$t"
ls -l "$out/images"
