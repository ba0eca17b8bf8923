#!/usr/bin/env bash
# Inputs of the hostile-image suite (issue 15): five honest fingerprinted
# images of one deterministic tree (tree.py) -- plain 4 KiB and 1 KiB blocks,
# lz4hc with compact indexes at 4 KiB and 1 KiB, lz4hc with full indexes,
# 16 KiB pclusters and inline tails -- attached as disks and copied to
# /suite/data/bases/N.img; a plain copy of the tree as the honest reference;
# and the hostile images as patches against the bases, made by
# tests/vm/lib/mutate.py from seed HOSTILE_SEED (1), HOSTILE_COUNT (600)
# of them, or only image HOSTILE_ONLY of that seed (a reproducer).
# Guest settings (/suite/data/hostile.conf): HOSTILE_LOOP_EVERY (8: every
# 8th image through a loop device, 0 none), HOSTILE_COLD_EVERY (1: cold
# honest pass after every mounted image; more for a slow debug kernel).
# OUTDIR/hostile.manifest says what each image changes.
# usage: host.sh OUTDIR
#        (env: TOP, BUILD; HOSTILE_SEED, HOSTILE_COUNT, HOSTILE_ONLY,
#         HOSTILE_LOOP_EVERY, HOSTILE_COLD_EVERY)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
seed=${HOSTILE_SEED:-1}
count=${HOSTILE_COUNT:-600}
mkfs=$BUILD/utils/mkfs.erofs++
t=$out/trees
rm -rf "$t"
mkdir -p "$t" "$out/data/bases"
python3 "$TOP/tests/vm/hostile/tree.py" "$t/src"

# Base N is image hN-*.img; the order is the guest's /mnt/hN.
# SOURCE_DATE_EPOCH (not -T) keeps the older mtimes of some files: those
# get extended inodes.
export SOURCE_DATE_EPOCH=1000000
common=(--quiet -U 00000000-0000-4000-8000-000000000015 --ishare_key=trusted.erofs.fingerprint --xattr-prefix=user.hostile.)
mk() { "$mkfs" "${common[@]}" "${@:2}" "$out/images/$1" "$t/src"; }
mk h0-p4.img
mk h1-z4.img -zlz4hc
mk h2-zf.img -zlz4hc -C16384 -Elegacy-compress,ztailpacking
mk h3-p1.img -b 1024
mk h4-z1.img -b 1024 -zlz4hc
args=()
n=0
for img in "$out"/images/h*.img; do
	cp "$img" "$out/data/bases/$n.img"
	name=$(basename "$img" .img)
	args+=("${name#h?-}=$img")
	n=$((n + 1))
done

cp -a "$t/src" "$out/data/tree"
only=()
[[ -n ${HOSTILE_ONLY:-} ]] && only=(--only "$HOSTILE_ONLY")
python3 "$TOP/tests/vm/lib/mutate.py" --seed "$seed" --count "$count" "${only[@]}" \
	--manifest "$out/hostile.manifest" --patches "$out/data/hostile.patches" "${args[@]}"
echo "$seed" >"$out/data/seed"
printf 'LOOP_EVERY=%d\nCOLD_EVERY=%d\n' "${HOSTILE_LOOP_EVERY:-8}" \
	"${HOSTILE_COLD_EVERY:-1}" >"$out/data/hostile.conf"
echo "hostile: seed $seed, $(wc -l <"$out/data/hostile.patches") images, $(du -sk "$out/data" | cut -f1) KiB of data"
