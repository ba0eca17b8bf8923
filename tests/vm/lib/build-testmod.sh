#!/usr/bin/env bash
# Build one tiny test module (a harness self-test's deliberately broken
# module) against the guest kernel's build tree, into OUTDIR/data/.
# usage: tests/vm/lib/build-testmod.sh OUTDIR SOURCE.c   (env: KBUILD)
set -euo pipefail
out=${1:?usage: build-testmod.sh OUTDIR SOURCE.c} src=${2:?usage: build-testmod.sh OUTDIR SOURCE.c}
name=$(basename "$src" .c)
mkdir -p "$out/mod-$name"
cp "$src" "$out/mod-$name/"
echo "obj-m := $name.o" >"$out/mod-$name/Kbuild"
make -s -C "${KBUILD:?}" M="$out/mod-$name" modules
cp "$out/mod-$name/$name.ko" "$out/data/"
