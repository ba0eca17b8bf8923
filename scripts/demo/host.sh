#!/usr/bin/env bash
# Demo images: tree A from files on this machine (Perl's standard library)
# and its "next minor version" B with ~30% of the bytes changed, both made
# by mkfs.erofs++ with fingerprints.  The exact ceiling goes to the guest.
# usage: host.sh OUTDIR   (env: TOP, BUILD)
set -euo pipefail
out=${1:?usage: host.sh OUTDIR}
demo=$TOP/scripts/demo
src=$(readlink -f "$(ls -d /usr/share/perl/5.* | head -n1)")
"$demo/mkpair.sh" -p 30 "$src" "$out/a" "$out/b"
for t in a b; do
	"$BUILD/utils/mkfs.erofs++" --quiet -T 0 -U clear \
		--ishare_key=trusted.erofs.fingerprint "$out/images/$t.img" "$out/$t"
done
"$demo/ceiling.sh" "$out/a" "$out/b" >"$out/data/ceiling"
