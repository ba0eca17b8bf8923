#!/usr/bin/env bash
# Build erofs-ishare's erofs.ko for one kernel; run by DKMS (MAKE[0] in
# dkms.conf) in its copy of /usr/src/erofs-ishare-VERSION.
#
# usage: dkms-build.sh KERNELVER KERNEL_SOURCE_DIR
#
# The folder holds base/ (fs/erofs of Debian's linux-source-6.12, extracted
# when the package was built; base/SOURCE_VERSION names it), patches/ (our
# hooks, applied in name order), ishare/ (our files, kmod/src) and ishare_version.h.  The
# result is tree/fs/erofs/erofs.ko.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 KERNELVER KERNEL_SOURCE_DIR" >&2; exit 2; }
kver=$1 ksrc=$2
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "erofs-ishare: $*" >&2; exit 1; }

[[ -f $ksrc/Makefile ]] || die "no kernel build tree at $ksrc (install linux-headers-$kver)"
# Our module replaces a loadable erofs; a kernel without it (or with it
# built in) cannot take ours.
grep -qx 'CONFIG_EROFS_FS=m' "$ksrc/.config" 2>/dev/null ||
	die "kernel $kver does not build erofs as a module (CONFIG_EROFS_FS=m): refusing"

base=$(cat "$here/base/SOURCE_VERSION")
echo "erofs-ishare: fs/erofs of linux-source-6.12 $base, for kernel $kver"
# The trace events come from the kernel's headers; say so when they differ
# from the ones the base was written with (a compile error follows if an
# event's prototype changed).
ktrace=$ksrc/include/trace/events/erofs.h
[[ -f $ktrace ]] || ktrace=$(ls /usr/src/linux-headers-"${kver%-*}"-common/include/trace/events/erofs.h 2>/dev/null || true)
if [[ -n $ktrace ]] && ! cmp -s "$here/base/include/trace/events/erofs.h" "$ktrace"; then
	echo "erofs-ishare: note: include/trace/events/erofs.h of $kver differs from linux-source $base"
fi

tree=$here/tree
rm -rf "$tree"
mkdir -p "$tree/fs"
cp -a "$here/base/fs/erofs" "$tree/fs/erofs"
for p in "$here"/patches/*.patch; do
	echo "  PATCH   $(basename "$p")"
	patch -d "$tree" -p1 --forward --batch --no-backup-if-mismatch -s <"$p" ||
		die "patch $(basename "$p") does not apply"
done
cp "$here"/ishare/* "$here/ishare_version.h" "$tree/fs/erofs/"

jobs=$(nproc 2>/dev/null || echo 1)
make -C "$ksrc" M="$tree/fs/erofs" -j"$jobs" modules
