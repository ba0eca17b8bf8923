#!/usr/bin/env bash
# Build the tiny WARN module against the guest kernel's build tree.
# usage: host.sh OUTDIR   (env: KBUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/warnmod"
cp "$src/warn_test.c" "$out/warnmod/"
echo 'obj-m := warn_test.o' >"$out/warnmod/Kbuild"
make -s -C "${KBUILD:?}" M="$out/warnmod" modules
cp "$out/warnmod/warn_test.ko" "$out/data/"
