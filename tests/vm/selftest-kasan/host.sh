#!/usr/bin/env bash
# Build the tiny kasan_oob module against the guest kernel's build tree.
# usage: host.sh OUTDIR   (env: KBUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/mod"
cp "$src/kasan_oob.c" "$out/mod/"
echo 'obj-m := kasan_oob.o' >"$out/mod/Kbuild"
make -s -C "${KBUILD:?}" M="$out/mod" modules
cp "$out/mod/kasan_oob.ko" "$out/data/"
