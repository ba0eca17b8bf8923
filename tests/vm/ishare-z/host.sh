#!/usr/bin/env bash
# Images for the ishare-z suite: compressed images with fingerprints made by
# mkfs.erofs++ -z (lz4hc; zstd, lzma, deflate when the tool has them), uncompressed ones of
# the same trees for mixed domains, and forged fingerprints from
# tests/vm/lib/mkishare.py for the isolation cases.
# usage: host.sh OUTDIR   (env: TOP, BUILD; MKFS overrides the mkfs binary)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
mkfs=${MKFS:-$BUILD/utils/mkfs.erofs++}
mk=$TOP/tests/vm/lib/mkishare.py
key=trusted.erofs.fingerprint
t=$out/trees
rm -rf "$t"
mkdir -p "$t/A/shared" "$t/B/shared" "$t/iso" "$t/amb1" "$t/amb2"

[[ -x $mkfs ]] || { echo "host.sh: $mkfs missing (make utils)" >&2; exit 1; }
"$mkfs" --help 2>&1 | grep -q -- '-z' ||
	{ echo "host.sh: $mkfs has no -z (compression)" >&2; exit 1; }

# txt PATH SIZE SEED: SIZE bytes of compressible text (random words and
# numbers, ~2-3x with lz4hc), the same for the same SEED
txt() {
	python3 - "$@" <<'PY'
import random, sys
path, size, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = random.Random(seed)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9)))
         for _ in range(100)]
out = bytearray()
while len(out) < size:
    line = " ".join(r.choice(words) for _ in range(r.randint(3, 12)))
    out += (line + " %d\n" % r.randint(0, 999)).encode()
open(path, "wb").write(out[:size])
PY
}
rnd() { head -c "$2" /dev/urandom >"$1"; }

# A and B share shared/*, and each has a file of its own.  rnd is
# incompressible: mkfs may store it raw inside the compressed layout.
txt "$t/A/shared/big1" $((4 << 20)) big1
txt "$t/A/shared/big2" $(((1 << 20) + 123)) big2
txt "$t/A/shared/t10000" 10000 t10000
txt "$t/A/shared/small" 100 small
rnd "$t/A/shared/rnd" $((256 << 10))
cp -a "$t/A/shared/." "$t/B/shared/"
txt "$t/A/onlyA" $((1 << 20)) onlyA
txt "$t/B/onlyB" $((1 << 20)) onlyB

mkz() { "$mkfs" --quiet -T 0 -U clear --ishare_key=$key "$@"; }
mkz -zlz4hc "$out/images/za.img" "$t/A"
mkz -zlz4hc "$out/images/zb.img" "$t/B"
mkz "$out/images/pb.img" "$t/B"
# zstd, when this mkfs has it (the guest checks for the image)
if mkz -zzstd "$out/images/zsb.img" "$t/B" 2>"$out/zstd.log"; then
	echo "zstd image made"
else
	echo "no zstd: $(head -n1 "$out/zstd.log")"
	rm -f "$out/images/zsb.img"
fi

# LZMA and DEFLATE, when this mkfs has them
for a in lzma:zl deflate:zd; do
	if mkz -z${a%:*} "$out/images/${a#*:}.img" "$t/B" 2>"$out/${a%:*}.log"; then
		echo "${a%:*} image made"
	else
		echo "no ${a%:*}: $(head -n1 "$out/${a%:*}.log")"
		rm -f "$out/images/${a#*:}.img"
	fi
done

# big pclusters (64 KiB) and ztailpacking: in-place I/O over several
# shared folios, readmore over larger ranges, inline (metadata) pclusters
if mkz -zlz4hc -C65536 -E ztailpacking "$out/images/zc.img" "$t/B" 2>"$out/zc.log"; then
	echo "big-pcluster image made"
else
	echo "no big pclusters/ztailpacking: $(head -n1 "$out/zc.log")"
	rm -f "$out/images/zc.img"
fi

# 512-byte blocks (sub-page; z_erofs calls it experimental): iomap keeps
# per-block state on every folio of such a mapping (t27)
mkz -b 512 -zlz4hc "$out/images/z5.img" "$t/B"
mkz -b 512 -zlz4hc -C 16384 "$out/images/zc5.img" "$t/B"
mkz -b 512 "$out/images/p5.img" "$t/B"

# Truncated copies (the last 256 KiB of data gone): fills through them
# fail with EIO and leave folios not uptodate in the shared mapping, which
# a member with another read method must then fill (t35).
for i in pb zb; do
	cp "$out/images/$i.img" "$out/images/${i%b}t.img"
	truncate -s -262144 "$out/images/${i%b}t.img"
done

# Same fingerprint as A's shared/big2, one byte longer (uncompressed).
txt "$t/iso/big2" $(((1 << 20) + 124)) iso
python3 "$mk" "$out/images/iso.img" "$t/iso" --fp "big2=of:$t/A/shared/big2"

# Key ambiguity: (V + "x", domain "y") against (V, domain "xy"); the
# second one is a compressed file with its true fingerprint V.
txt "$t/amb1/f" 65536 amb1
txt "$t/amb2/f" 65536 amb2
v=$(sha256sum "$t/amb2/f" | cut -d' ' -f1)
vhex=$(printf 'sha256:' | od -An -tx1 | tr -d ' \n')$v
python3 "$mk" "$out/images/amb1.img" "$t/amb1" --fp "f=hex:${vhex}78"
mkz -zlz4hc "$out/images/amb2.img" "$t/amb2"

# Dedupe: A plus copies of big1 and big2 in one image; the copies share
# the originals' blocks (pclusters) on disk
mkdir -p "$t/D"
cp -a "$t/A/." "$t/D/"
cp "$t/A/shared/big1" "$t/D/copy1"
cp "$t/A/shared/big2" "$t/D/copy2"
mkz -zlz4hc "$out/images/zdup.img" "$t/D"
mkz -zlz4hc -E^dedupe "$out/zdup-off.img" "$t/D"
(($(stat -c %s "$out/images/zdup.img") < $(stat -c %s "$out/zdup-off.img"))) ||
	{ echo "host.sh: zdup.img is not deduplicated" >&2; exit 1; }

# Fragment layouts (mkfs.erofs++ -Efragments, -Eall-fragments): tails, or
# whole files, of B in the packed inode
mkz -zlz4hc -Efragments,dedupe "$out/images/zfrag.img" "$t/B"
mkz -zlz4hc -Eall-fragments "$out/images/zallf.img" "$t/B"
for i in zfrag zallf; do
	"$BUILD/utils/inspect.erofs++" "$out/images/$i.img" | grep -q '^packed nid: *[1-9]' ||
		{ echo "host.sh: $i.img has no packed inode" >&2; exit 1; }
done

for d in A B D iso amb1 amb2; do
	(cd "$t/$d" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
		>"$out/data/$d.sha256"
done
cp "$TOP/tests/vm/ishare/ish.sh" "$TOP/tests/vm/ishare/cases.sh" "$out/data/"
ls -l "$out/images"
