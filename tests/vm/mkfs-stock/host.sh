#!/usr/bin/env bash
# Images of the file zoo made by our mkfs.erofs++ in several option sets,
# for the stock Debian erofs.ko to read back.
# usage: host.sh OUTDIR   (env: TOP, BUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
mkfs=$BUILD/utils/mkfs.erofs++
lib=$TOP/tests/vm/lib
tree=$out/zoo
"$lib/zoo.sh" "$tree"

# Per-file mtimes kept (extended inodes where needed).
"$mkfs" --quiet "$out/images/default.img" "$tree"
"$lib/expect.sh" "$tree" "$out/data/zoo"
# Fixed time, sub-page blocks, every xattr shared, reproducible identity.
"$mkfs" --quiet -T 1700000000 -U clear "$out/images/fixed.img" "$tree"
"$mkfs" --quiet -b 1024 "$out/images/b1024.img" "$tree"
"$mkfs" --quiet -b 512 -x 1 "$out/images/b512-shared.img" "$tree"
"$lib/expect.sh" -M "$tree" "$out/data/zoo-M"

# --tar=i (512-byte blocks: inodes cross blocks inside their 4 KiB page,
# tails may start the block after their inode; chunk indexes into device
# 1): the zoo as a PAX tar, the raw tar appended as containerd does.
# Expected: what `tar -x` makes of the same archive (the socket is left
# out by tar).
tar --xattrs --xattrs-include='*' --sparse -H pax -cf "$out/zoo.tar" -C "$tree" . 2>/dev/null
mkdir "$out/zoo-tar"
tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$out/zoo.tar" -C "$out/zoo-tar"
"$mkfs" --quiet --tar=i "$out/images/tar-i.img" "$out/zoo.tar"
cat "$out/zoo.tar" >>"$out/images/tar-i.img"
"$lib/expect.sh" "$out/zoo-tar" "$out/data/zoo-tar"

# Fingerprints: the stock kernel lists trusted.erofs.fingerprint like any
# xattr.  Expected values come from sha256sum, independently of mkfs.
# with_fps SRC DST: a copy of SRC with the fingerprint xattr every
# non-empty regular file should get
with_fps() {
	cp -a "$1" "$2"
	find "$2" -type f -size +0 -print0 | while IFS= read -r -d '' f; do
		setfattr -h -n trusted.erofs.fingerprint \
			-v "0x$(printf 'sha256:' | od -An -tx1 | tr -d ' \n')$(sha256sum "$f" | cut -c1-64)" "$f"
	done
}
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/fp.img" "$tree"
with_fps "$tree" "$out/zoo-fp"
"$lib/expect.sh" "$out/zoo-fp" "$out/data/zoo-fp"

# Every compressed variant the stock 6.12 module reads: LZ4 with 4 KiB
# pclusters, LZ4HC with big pclusters and ztailpacking, full (legacy)
# indexes, zstd, MicroLZMA, DEFLATE, and 1 KiB blocks.
: >"$out/data/zimgs"
for spec in "zlz4:-zlz4" "zlz4hc-big:-zlz4hc -C65536 -Eztailpacking" \
	"zlegacy:-zlz4hc,level=12 -Elegacy-compress" "zzstd:-zzstd -C16384" \
	"zlzma:-zlzma -C16384" "zdeflate:-zdeflate" "zb1024:-b 1024 -zlz4hc -C4096" \
	"zfrag-lz4hc:-zlz4hc -Efragments" "zfrag-zstd:-zzstd -C16384 -Efragments" \
	"zallfrag-lz4hc:-zlz4hc -Eall-fragments" "zallfrag-zstd:-zzstd -Eall-fragments" \
	"zfrag-lzma:-zlzma -C16384 -Efragments,dedupe" \
	"zfrag-legacy:-zlz4hc -C65536 -Elegacy-compress,fragments"; do
	# shellcheck disable=SC2086
	"$mkfs" --quiet ${spec#*:} "$out/images/${spec%%:*}.img" "$tree"
	echo "${spec%%:*}.img" >>"$out/data/zimgs"
done

# Identical compressed files share their blocks (dedupe, on with
# fingerprints): the zoo plus three copies of compressible files.
dup=$out/zoo-dup
cp -a "$tree" "$dup"
mkdir "$dup/dups"
cp "$tree/sizes/f1048577" "$dup/dups/a"
cp "$tree/sizes/f1048577" "$dup/dups/b"
cp "$tree/sizes/zeros-300000" "$dup/dups/zeros"
# -Ededupe: files that repeat another file's pclusters (plain random
# blocks, then compressed text) and end differently point at them.
cat "$tree/sizes/f1048577" >"$dup/dups/a-plus"
echo "a different end" >>"$dup/dups/a-plus"
for i in 1 2 3 4 5 6; do cat "$TOP/README.md" "$TOP/Documentation/testing.md"; done >"$dup/dups/text"
{ cat "$dup/dups/text"; echo "another end"; } >"$dup/dups/text-plus"
"$mkfs" --quiet -zlz4hc --ishare_key=trusted.erofs.fingerprint "$out/images/zdedupe.img" "$dup"
"$mkfs" --quiet -zlz4hc -E^dedupe --ishare_key=trusted.erofs.fingerprint "$out/zdedupe-off.img" "$dup"
(($(stat -c %s "$out/images/zdedupe.img") < $(stat -c %s "$out/zdedupe-off.img"))) ||
	{ echo "host.sh: the deduplicated image is not smaller" >&2; exit 1; }
# Extent dedupe, fragments and both, each with the stock module's
# algorithms that matter most (LZ4HC, zstd); dupimgs lists them.
: >"$out/data/dupimgs"
for spec in "zxdedupe-lz4hc:-zlz4hc -Ededupe" "zxdedupe-zstd:-zzstd -C16384 -Ededupe" \
	"zfragdedupe-lz4hc:-zlz4hc -Efragments,dedupe" "zfragdedupe-zstd:-zzstd -Efragments,dedupe" \
	"zallfragdedupe-lz4hc:-zlz4hc -C16384 -Eall-fragments,dedupe"; do
	# shellcheck disable=SC2086
	"$mkfs" --quiet ${spec#*:} --ishare_key=trusted.erofs.fingerprint "$out/images/${spec%%:*}.img" "$dup"
	echo "${spec%%:*}.img" >>"$out/data/dupimgs"
done
(($(stat -c %s "$out/images/zxdedupe-lz4hc.img") < $(stat -c %s "$out/images/zdedupe.img"))) ||
	{ echo "host.sh: -Ededupe did not make the image smaller" >&2; exit 1; }
with_fps "$dup" "$out/zoo-dup-fp"
"$lib/expect.sh" "$out/zoo-dup-fp" "$out/data/zoo-dup-fp"

# The guest compares xattrs with tests/vm/helpers/manifest (busybox has no
# getfattr).  Prove here that manifest reports exactly what
# `getfattr -d -m - -e hex` reports for the same tree.
(cd "$tree" && getfattr -R -h -d -m - -e hex . 2>/dev/null) | awk '
	/^# file: / { f = substr($0, 9); sub(/^\.\//, "", f); next }
	/=0x/ { n = index($0, "="); x[f] = x[f] " x:" substr($0, 1, n) substr($0, n + 3) }
	END { for (f in x) print f x[f] }' | LC_ALL=C sort >"$out/getfattr.txt"
awk '{ s = ""; for (i = 2; i <= NF; i++) if ($i ~ /^x:/) s = s " " $i; if (s != "") print $1 s }' \
	"$out/data/zoo.manifest" | LC_ALL=C sort >"$out/manifest-xattrs.txt"
diff -u "$out/getfattr.txt" "$out/manifest-xattrs.txt" ||
	{ echo "host.sh: manifest and getfattr disagree on xattrs" >&2; exit 1; }
[[ -s $out/getfattr.txt ]] || { echo "host.sh: no xattrs seen" >&2; exit 1; }

# A sparse file larger than 4 GiB (extended inode, 64-bit size), with data
# at the start, across the 4 GiB boundary and at the end; the rest holes.
big=$out/big
mkdir -p "$big"
f=$big/sparse-5g
head -c 1048576 /dev/urandom >"$f"
head -c 8192 /dev/urandom | dd of="$f" bs=4096 seek=$(((4 << 30) / 4096 - 1)) conv=notrunc status=none
head -c 100 /dev/urandom | dd of="$f" bs=1 seek=$((5 << 30)) conv=notrunc status=none
"$mkfs" --quiet -T 1700000000 --ishare_key=trusted.erofs.fingerprint "$out/images/big.img" "$big"
# Expected slices: "skip_blocks count_blocks(4K) sha256"
slice() { dd if="$f" bs=4096 skip="$1" count="$2" status=none | sha256sum | cut -c1-64; }
{
	echo "0 256 $(slice 0 256)"
	echo "$(((4 << 30) / 4096 - 1)) 2 $(slice $(((4 << 30) / 4096 - 1)) 2)"
	echo "$(((2 << 30) / 4096)) 256 $(slice $(((2 << 30) / 4096)) 256)"
	echo "$(((5 << 30) / 4096)) 1 $(slice $(((5 << 30) / 4096)) 1)"
} >"$out/data/big.slices"
stat -c %s "$f" >"$out/data/big.size"
sha256sum "$f" | cut -c1-64 >"$out/data/big.sha256"
