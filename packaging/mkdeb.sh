#!/usr/bin/env bash
# Build the Debian packages erofs-ishare-dkms and erofs-ishare-tools.
#
# usage: packaging/mkdeb.sh [OUTDIR]
#   OUTDIR   where the .deb files land (default: build/deb)
#
# The version comes from `git describe`: tag vX.Y gives X.Y, N commits after
# it X.Y+gitN.gHASH; with no tag 0.0+gitN.gHASH (N = commits in HEAD), plus
# ".dirty" for uncommitted changes.  The work tree (tracked and untracked,
# not ignored, files) is copied to OUTDIR/src/, packaging/debian becomes its
# debian/ with a generated changelog, and dpkg-buildpackage builds the
# binary packages there (JOBS=n parallel jobs, default 2).
set -euo pipefail

usage() { echo "usage: $0 [OUTDIR]" >&2; exit 2; }
(($# <= 1)) || usage
[[ ${1:-} != -* ]] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "mkdeb: $*" >&2; exit 1; }
command -v dpkg-buildpackage >/dev/null || die "dpkg-dev is not installed (run 'make deps')"

cd "$top"
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=.dirty
hash=$(git rev-parse --short HEAD)
if desc=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	tag=${desc%-*-g*}
	n=${desc%-g*}; n=${n##*-}
	version=${tag#v}
	((n == 0)) || version+="+git$n.g$hash"
else
	version="0.0+git$(git rev-list --count HEAD).g$hash"
fi
version+=$dirty
rev=$(git describe --always --dirty)

src=$out/src/erofs-ishare-$version
rm -rf "$out/src"
mkdir -p "$src"
git ls-files -z -co --exclude-standard |
	while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$src"
rm -rf "$src/debian"
cp -a packaging/debian "$src/debian"
echo "$rev" >"$src/debian/ishare-revision"
maint=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
cat >"$src/debian/changelog" <<EOC
erofs-ishare ($version) bookworm; urgency=medium

  * Built from git revision $rev.

 -- $maint  $(date -R)
EOC

echo "  DEB     erofs-ishare $version"
(cd "$src" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed; see $out/build.log"; }
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$out/src"/*.deb "$out/src"/*.changes "$out/src"/*.buildinfo "$out/"
for d in "$out"/*.deb; do
	echo "  DEB     $d ($(stat -c %s "$d") bytes)"
done
