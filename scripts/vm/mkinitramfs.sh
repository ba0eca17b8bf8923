#!/usr/bin/env bash
# Build the base initramfs shared by every VM test suite: busybox, our
# erofs.ko with all its module dependencies (plus Debian's stock erofs.ko at
# /stock/erofs.ko), virtio_blk, static guest helpers, /init and the TAP
# runner.  Suites append their own cpio archive (tests, images) on top.
#
# With --kdir (the debug kernel's build tree, scripts/vm/debug-kernel.sh)
# the archive is for that kernel instead: everything but erofs is built in,
# so it holds only our DIR/kmod-debug/erofs.ko and, at /stock/erofs.ko, the
# stock erofs.ko of that same tree.
#
# usage: scripts/vm/mkinitramfs.sh --build DIR [--kdir KTREE] OUTPUT.cpio
set -euo pipefail

usage() { echo "usage: $0 --build DIR [--kdir KTREE] OUTPUT.cpio" >&2; exit 2; }
build="" out="" kdir=""
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--kdir) kdir=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) [[ -z $out ]] || usage; out=$1; shift ;;
	esac
done
[[ -n $build && -n $out ]] || usage

top=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -n $kdir ]]; then
	kver=$(cat "$kdir/include/config/kernel.release")
	ko=$build/kmod-debug/erofs.ko
	make="scripts/vm/debug-kernel.sh"
else
	kver=$("$top/scripts/kver.sh")
	ko=$build/kmod/erofs.ko
	make="make kmod"
fi
mods=/lib/modules/$kver
[[ -f $ko ]] || { echo "mkinitramfs: $ko missing (run '$make')" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# --- busybox ----------------------------------------------------------------
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,ram,mnt,suite,stock,etc}
ln -s bin "$stage/sbin"
mkdir -p "$stage/usr"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
cp /bin/busybox "$stage/bin/busybox"
for applet in $(/bin/busybox --list); do
	[[ $applet == busybox || -e $stage/bin/$applet ]] || ln -s busybox "$stage/bin/$applet"
done

# --- kernel modules -----------------------------------------------------------
mkdir -p "$stage/lib/modules/$kver/updates"
cp "$ko" "$stage/lib/modules/$kver/updates/erofs.ko"
if [[ -n $kdir ]]; then
	cp "$kdir/fs/erofs/erofs.ko" "$stage/stock/erofs.ko"
	# modules.builtin lets busybox modprobe succeed for built-in drivers.
	cp "$kdir"/modules.{builtin,builtin.modinfo} "$stage/lib/modules/$kver/"
	echo updates/erofs.ko >"$stage/lib/modules/$kver/modules.order"
else
	# Copy each module with its dependency closure, as modprobe would resolve it
	# on the real system, decompressed so busybox modprobe can load it.
	want=(virtio_blk loop overlay crc32c_generic crc32c-intel libcrc32c)
	mapfile -t paths < <(modprobe -a -S "$kver" --show-depends "${want[@]}" erofs |
		awk '$1 == "insmod" { print $2 }' | sort -u)
	for p in "${paths[@]}"; do
		rel=${p#"$mods"/}
		[[ $rel == kernel/fs/erofs/* ]] && continue	# ours replaces it
		dst=$stage/lib/modules/$kver/${rel%.xz}
		mkdir -p "$(dirname "$dst")"
		case "$p" in
		*.xz) xz -dc "$p" >"$dst" ;;
		*) cp "$p" "$dst" ;;
		esac
	done
	xz -dc "$mods/kernel/fs/erofs/erofs.ko.xz" >"$stage/stock/erofs.ko"
	cp "$mods"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/" 2>/dev/null || true
fi
depmod -b "$stage" "$kver"

# --- helpers and harness scripts ---------------------------------------------
for src in "$top"/tests/vm/helpers/*.c; do
	gcc -O2 -Wall -Wextra -Werror -static -o "$stage/bin/$(basename "$src" .c)" "$src"
done
install -m 0755 "$top/tests/vm/guest/init" "$stage/init"
install -m 0755 "$top/tests/vm/guest/runner.sh" "$stage/suite/runner.sh"
install -m 0644 "$top/tests/vm/guest/lib.sh" "$stage/suite/lib.sh"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --quiet -o -0 -H newc --owner=0:0) >"$out.tmp"
mv "$out.tmp" "$out"
