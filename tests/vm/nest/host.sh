#!/usr/bin/env bash
# nest: an erofs image stored as a file in an erofs mount, mounted
# file-backed.  outer.img (block device) holds inner.img (tree A) and a
# copy of A's big file, so a sharing inner mount can share with its outer.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkfs=$BUILD/utils/mkfs.erofs++
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/A/d" "$t/O" "$out/images" "$out/data"
head -c 4M /dev/urandom >"$t/A/big"
for i in 1 2 3; do head -c 100k /dev/urandom >"$t/A/d/f$i"; done
(cd "$t/A" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$out/data/A.sha256"
key=--ishare_key=trusted.erofs.fingerprint
"$mkfs" --quiet "$key" "$t/O/inner.img" "$t/A"
"$mkfs" --quiet -zlz4hc "$key" "$t/O/innerz.img" "$t/A"
cp "$t/A/big" "$t/O/big"
"$mkfs" --quiet "$key" "$out/images/outer.img" "$t/O"
