#!/usr/bin/env bash
# Images for the ishare suite.  The sharing pair A/B comes from our
# mkfs.erofs++ --ishare_key; tests/vm/lib/mkishare.py writes what a real
# mkfs refuses to (forged, empty or oversized fingerprints, a prefix id out
# of range, fingerprints without the feature bit) and a second copy of B,
# so images of both writers are shown to share.
# usage: host.sh OUTDIR   (env: TOP, BUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
mk=$TOP/tests/vm/lib/mkishare.py
t=$out/trees
rm -rf "$t"
mkdir -p "$t/A/shared" "$t/B/shared" "$t/iso" "$t/amb1" "$t/amb2" "$t/bad" "$t/fpr"
rnd() { head -c "$2" /dev/urandom >"$1"; }

# A and B share shared/*, and each has a file of its own.
rnd "$t/A/shared/big1" $((4 << 20))
rnd "$t/A/shared/big2" $(((1 << 20) + 123))
rnd "$t/A/shared/t10000" 10000
rnd "$t/A/shared/small" 100
cp -a "$t/A/shared/." "$t/B/shared/"
rnd "$t/A/onlyA" $((1 << 20))
rnd "$t/B/onlyB" $((1 << 20))
mkfs=$BUILD/utils/mkfs.erofs++
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/a.img" "$t/A"
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/b.img" "$t/B"
python3 "$mk" "$out/images/pyb.img" "$t/B"
python3 "$mk" "$out/images/plain.img" "$t/B" --no-ishare
python3 "$mk" "$out/images/noname.img" "$t/B" --files-name trusted.erofs.other
python3 "$mk" "$out/images/badid.img" "$t/B" --prefix-id 3

# Same fingerprint as A's shared/big2, one byte longer.
rnd "$t/iso/big2" $(((1 << 20) + 124))
python3 "$mk" "$out/images/iso.img" "$t/iso" --fp "big2=of:$t/A/shared/big2"

# Key ambiguity: (V + "x", domain "y") against (V, domain "xy").
rnd "$t/amb1/f" 65536
rnd "$t/amb2/f" 65536
v=$(sha256sum "$t/amb2/f" | cut -d' ' -f1)
vhex=$(printf 'sha256:' | od -An -tx1 | tr -d ' \n')$v
python3 "$mk" "$out/images/amb1.img" "$t/amb1" --fp "f=hex:${vhex}78"
python3 "$mk" "$out/images/amb2.img" "$t/amb2" --fp "f=hex:${vhex}"

# Bad fingerprints: empty, longer than a block, none, an entry running
# past the xattr body; one good file.
rnd "$t/bad/empty" 8192
rnd "$t/bad/big" 8192
rnd "$t/bad/nofp" 8192
rnd "$t/bad/overrun" 8192
rnd "$t/bad/good" 8192
python3 "$mk" "$out/images/bad.img" "$t/bad" --fp empty=empty --fp big=big \
	--fp nofp=none --fp overrun=overrun
# The same files with good fingerprints.
python3 "$mk" "$out/images/bad2.img" "$t/bad"

# Fingerprints in each place a writer may put them (t35): a body running
# into the next block, after another xattr, 64, 65, 128, 129 and
# 3000-byte values (more than 128 bytes never share); then the same
# values in the plain layout.
for f in cross lead v64 v65 v128 v129 v3k; do rnd "$t/fpr/$f" 20000; done
fps=(--fp v64=len:64 --fp v65=len:65 --fp v128=len:128 --fp v129=len:129
	--fp v3k=len:3000)
python3 "$mk" "$out/images/fpr1.img" "$t/fpr" --cross cross --lead lead "${fps[@]}"
python3 "$mk" "$out/images/fpr2.img" "$t/fpr" "${fps[@]}"

# Hash flooding (t86): 3000 files whose keys in domain "coll" all collide
# under seed-0 xxh32, and 3000 files with random fingerprints.
co=$TOP/tests/vm/lib/xxh32coll.py
python3 "$co" "$t/coll" "$t/coll.fps" 3000 100 coll >"$out/data/coll.txt"
python3 "$co" "$t/rand" "$t/rand.fps" 3000 100 coll --random >>"$out/data/coll.txt"
python3 "$mk" "$out/images/coll.img" "$t/coll" --inline --fp-list "$t/coll.fps"
python3 "$mk" "$out/images/rand.img" "$t/rand" --inline --fp-list "$t/rand.fps"

# Kernel users that go by the inode (t87): images of two "containers"
# (plain and lz4hc) holding a program to put a uprobe on and an erofs image
# (of tree A) to use through a loop device and as a file-backed image.
mkdir -p "$t/U"
gcc -O2 -static -no-pie -o "$t/U/tick" "$TOP/tests/vm/lib/tick.c"
addr=$((16#$(readelf -sW "$t/U/tick" | awk '$8 == "tick" { print $2 }')))
while read -r typ off va _ fsz _; do	# the file offset of tick()
	if [[ $typ == LOAD ]] && ((addr >= va && addr < va + fsz)); then
		printf '0x%x\n' $((addr - va + off)) >"$out/data/tick.off"
	fi
done < <(readelf -lW "$t/U/tick")
[[ -s $out/data/tick.off ]] || { echo "host.sh: no file offset for tick()" >&2; exit 1; }
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$t/U/inner.img" "$t/A"
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/ua.img" "$t/U"
"$mkfs" --quiet -zlz4hc --ishare_key=trusted.erofs.fingerprint "$out/images/ub.img" "$t/U"

# Expected content hashes, one "HASH  ./path" per file of each tree.
# Executables: a static busybox in an uncompressed and an lz4hc image
bb=$(command -v busybox)
mkdir -p "$t/X" "$t/Y"
cp "$bb" "$t/X/busybox"
cp "$bb" "$t/Y/busybox"
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/xa.img" "$t/X"
"$mkfs" --quiet -zlz4hc --ishare_key=trusted.erofs.fingerprint "$out/images/xb.img" "$t/Y"

for d in A B U X iso amb1 amb2 bad fpr coll rand; do
	(cd "$t/$d" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
		>"$out/data/$d.sha256"
done
cp "$TOP/tests/vm/ishare/ish.sh" "$TOP/tests/vm/ishare/cases.sh" "$out/data/"
