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

# Fingerprints: the stock kernel lists trusted.erofs.fingerprint like any
# xattr.  Expected values come from sha256sum, independently of mkfs.
"$mkfs" --quiet --ishare_key=trusted.erofs.fingerprint "$out/images/fp.img" "$tree"
fp=$out/zoo-fp
cp -a "$tree" "$fp"
find "$fp" -type f -size +0 -print0 | while IFS= read -r -d '' f; do
	setfattr -h -n trusted.erofs.fingerprint \
		-v "0x$(printf 'sha256:' | od -An -tx1 | tr -d ' \n')$(sha256sum "$f" | cut -c1-64)" "$f"
done
"$lib/expect.sh" "$fp" "$out/data/zoo-fp"
