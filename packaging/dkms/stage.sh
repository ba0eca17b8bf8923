#!/usr/bin/env bash
# Lay out the DKMS source folder of erofs-ishare (what the package installs
# as /usr/src/erofs-ishare-VERSION, less dkms.conf which dh_dkms adds).
#
# usage: packaging/dkms/stage.sh OUTDIR REVISION
#   REVISION   our revision for the module's version string (git describe)
#
# base/ is fs/erofs (and its trace-event header) extracted from Debian's
# /usr/src/linux-source-6.12.tar.xz on the machine that builds the package,
# so the package does not need linux-source on the target.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 OUTDIR REVISION" >&2; exit 2; }
out=$1 rev=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
[[ -r $tarball ]] || { echo "stage: $tarball not found (install linux-source-6.12)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)

rm -rf "$out"
mkdir -p "$out/base" "$out/patches" "$out/ishare"
tar -xJf "$tarball" -C "$out/base" --strip-components=1 \
	linux-source-6.12/fs/erofs \
	linux-source-6.12/include/trace/events/erofs.h
echo "$srcver" >"$out/base/SOURCE_VERSION"
cp "$top"/kmod/patches/*.patch "$out/patches/"
cp "$top"/kmod/src/* "$out/ishare/"
# Same form as kmod/build.sh writes: Debian source version, our revision.
echo "#define EROFS_ISHARE_VERSION \"$srcver-ishare-$rev\"" >"$out/ishare_version.h"
install -m 0755 "$top/packaging/dkms/dkms-build.sh" "$out/dkms-build.sh"
