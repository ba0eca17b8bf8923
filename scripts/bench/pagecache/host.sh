#!/usr/bin/env bash
# Hands the images and data made by scripts/bench/pagecache.sh to the VM run.
# usage: host.sh OUTDIR   (env: BENCH_DIR, set by pagecache.sh)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
[[ -n ${BENCH_DIR:-} ]] || { echo "host.sh: run through scripts/bench/pagecache.sh" >&2; exit 1; }
ln "$BENCH_DIR"/images/*.img "$out/images/" 2>/dev/null || cp "$BENCH_DIR"/images/*.img "$out/images/"
cp "$BENCH_DIR"/data/* "$out/data/"
cp "$TOP/scripts/bench/pagecache/bench.sh" "$out/data/"
