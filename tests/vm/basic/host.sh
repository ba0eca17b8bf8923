#!/usr/bin/env bash
# Images of the file zoo made by Debian's mkfs.erofs (erofs-utils 1.5):
# uncompressed and LZ4HC.  Expected manifests are computed from the tree.
# usage: host.sh OUTDIR   (env: TOP)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
tree=$out/zoo
"$TOP/tests/vm/lib/zoo.sh" "$tree"
mkfs.erofs --quiet "$out/images/plain.img" "$tree"
mkfs.erofs --quiet -zlz4hc "$out/images/lz4hc.img" "$tree"
"$TOP/tests/vm/lib/expect.sh" "$tree" "$out/data/zoo"
