#!/usr/bin/env bash
# Demo image: Perl's standard library from this machine (/usr/share/perl).
# usage: host.sh OUTDIR   (env: TOP)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
src=$(readlink -f "$(ls -d /usr/share/perl/5.* | head -n1)")
mkfs.erofs --quiet -T0 "$out/images/demo.img" "$src"
du -sb "$src" | cut -f1 >"$out/data/src-bytes"
find "$src" -type f | wc -l >"$out/data/src-files"
