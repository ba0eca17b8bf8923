#!/usr/bin/env bash
# Build the tiny abba module against the guest kernel's build tree.
# usage: host.sh OUTDIR   (env: KBUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/mod"
cp "$src/abba.c" "$out/mod/"
echo 'obj-m := abba.o' >"$out/mod/Kbuild"
make -s -C "${KBUILD:?}" M="$out/mod" modules
cp "$out/mod/abba.ko" "$out/data/"
