#!/usr/bin/env bash
# Images for the layers suite: two versions of a container image made from
# Debian packages, as gzip layer tarballs: a base (libc) shared by both, a
# libs layer and an app layer at the bookworm or bookworm-security
# versions of openssl and jq (some files change, some do not), and a small
# config layer with whiteouts.  Converted with containerd's command lines
# by mkfs.erofs++ invoked as `mkfs.erofs`.
#
# usage: host.sh OUTDIR   (env: TOP, BUILD; needs apt-get download, or the
#                          packages already in BUILD/vm/layers-debs)
#
# layer            command line (tar on stdin)                    guest mount
# 1-base-f.img     --tar=f, fingerprints                          block
# 2-libs1-i.img    --tar=i, raw tar appended                      file
# 3-app1-lz4.img   --tar=f -zlz4 -C 65536                         block
# 4-cfg1-dir.img   directory form (an overlayfs upperdir)         file
# 5-base-f.img     --tar=f, the same base tarball                 file
# 6-libs2-i.img    --tar=i, raw tar appended                      file
# 7-app2-f.img     --tar=f                                        block
# 8-cfg2-f.img     --tar=f --aufs                                 block
# Container 1 = 4 over 3 over 2 over 1, container 2 = 8 over 7 over 6 over 5.
# Block size is part of the sharing key (Documentation/ishare.rst), so
# index-mode layers (512-byte blocks) share with index-mode layers.
set -euo pipefail
export LC_ALL=C
trap 'echo "layers/host: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
out=${1:?usage: host.sh OUTDIR}
say() { echo "layers/host: $*" >&2; }
die() { say "$*"; exit 1; }
t=$out/trees
l=$out/layers
rm -rf "$t" "$l"
mkdir -p "$t" "$l" "$out/bin"
debs=$BUILD/vm/layers-debs
debtree=$TOP/scripts/bench/debtree.sh

# mkfs.erofs++ under the name a runtime calls.
ln -sf "$BUILD/utils/mkfs.erofs++" "$out/bin/mkfs.erofs"
export PATH=$out/bin:$PATH
[[ $(command -v mkfs.erofs) == "$out/bin/mkfs.erofs" ]] || die "mkfs.erofs is not ours"
mkfs.erofs --help 2>&1 | grep -q -- '--tar=' || die "mkfs.erofs --help does not mention --tar="

# --- trees ----------------------------------------------------------------------
base_pkgs=(gcc-12-base@bookworm libgcc-s1@bookworm libc6@bookworm base-files@bookworm)
libs1_pkgs=(libssl3@bookworm libonig5@bookworm libjq1@bookworm)
libs2_pkgs=(libssl3@bookworm-security libonig5@bookworm libjq1@bookworm-security)
app1_pkgs=(openssl@bookworm jq@bookworm)
app2_pkgs=(openssl@bookworm-security jq@bookworm-security)
"$debtree" --cache "$debs" --skeleton "$t/base" "${base_pkgs[@]}" >"$out/data/base.pkgs"
mkdir -p "$t/base/etc/opq"
echo "hidden by an opaque directory" >"$t/base/etc/opq/hidden"
echo "base" >"$t/base/etc/opq/kept-in-lower"
# A layer holds what its packages add; the merged-usr links are the base's.
for d in libs1 libs2 app1 app2; do
	eval "pkgs=(\"\${${d}_pkgs[@]}\")"
	"$debtree" --cache "$debs" --skeleton "$t/$d" "${pkgs[@]}" >"$out/data/$d.pkgs"
	rm "$t/$d"/{bin,sbin,lib,lib64}
	find "$t/$d" -depth -type d -empty -delete
	say "$d: $(tr '\n' ' ' <"$out/data/$d.pkgs")"
done

# Config layers.  cfg1 as a committed overlayfs upperdir (whiteout = char
# device 0:0, opaque = trusted.overlay.opaque), cfg2 as a layer tarball
# (.wh. names, converted with --aufs).
mkdir -p "$t/cfg1/etc/opq" "$t/cfg2/etc/opq"
echo "app.conf of version 1" >"$t/cfg1/etc/app.conf"
echo "app.conf of version 2" >"$t/cfg2/etc/app.conf"
echo "new in 1" >"$t/cfg1/etc/opq/new"
echo "new in 2" >"$t/cfg2/etc/opq/new"
mknod "$t/cfg1/etc/issue.net" c 0 0
setfattr -n trusted.overlay.opaque -v y "$t/cfg1/etc/opq"
: >"$t/cfg2/etc/.wh.issue.net"
: >"$t/cfg2/etc/opq/.wh..wh..opq"

# --- layer tarballs -------------------------------------------------------------
# A layer tar as an image builder writes it: ./ first, names sorted.
mktar() { tar -C "$1" --sort=name --numeric-owner -cf - . ; }
mktar "$t/base" | gzip -n -9 >"$l/base.tar.gz"
for d in libs1 libs2 app1 app2 cfg2; do mktar "$t/$d" | gzip -n -9 >"$l/$d.tar.gz"; done
say "layer tarballs: $(du -cb "$l"/*.gz | tail -n1 | cut -f1) bytes gzip"

# --- conversion: containerd's command lines -------------------------------------
fp=(--xattr-inode-digest=trusted.erofs.fingerprint)
user=(-T0 --mkfs-time --sort=none "${fp[@]}")
img=$out/images
# index mode reads the (decompressed) tar that containerd then appends
index() {	# LAYER IMAGE UUID
	gzip -dc "$l/$1.tar.gz" | mkfs.erofs --tar=i --aufs --quiet -b4096 "${user[@]}" -U "$3" "$2"
	gzip -dc "$l/$1.tar.gz" >>"$2"
}
mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 "${user[@]}" \
	-U 11111111-1111-4111-8111-111111111111 "$img/1-base-f.img" <"$l/base.tar.gz"
index libs1 "$img/2-libs1-i.img" 22222222-2222-4222-8222-222222222222
mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 -zlz4 -C 65536 "${user[@]}" \
	-U 33333333-3333-4333-8333-333333333333 "$img/3-app1-lz4.img" <"$l/app1.tar.gz"
mkfs.erofs --quiet -Enoinline_data "${fp[@]}" "$img/4-cfg1-dir.img" "$t/cfg1"
mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 "${user[@]}" \
	-U 55555555-5555-4555-8555-555555555555 "$img/5-base-f.img" <"$l/base.tar.gz"
index libs2 "$img/6-libs2-i.img" 66666666-6666-4666-8666-666666666666
mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 "${user[@]}" \
	-U 77777777-7777-4777-8777-777777777777 "$img/7-app2-f.img" <"$l/app2.tar.gz"
mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 "${user[@]}" \
	-U 88888888-8888-4888-8888-888888888888 "$img/8-cfg2-f.img" <"$l/cfg2.tar.gz"
inspect=$BUILD/utils/inspect.erofs++
for f in "$img"/*.img; do
	"$inspect" --fsck --verify-fingerprints "$f" >/dev/null ||
		die "inspect.erofs++ --fsck rejects $(basename "$f")"
done
ls -l "$img" >&2

# --- expected contents ----------------------------------------------------------
# The container roots as a runtime shows them: base, app, config applied.
for v in 1 2; do
	r=$t/root$v
	cp -a "$t/base" "$r"
	tar -C "$r" --keep-directory-symlink -xzf "$l/libs$v.tar.gz"
	tar -C "$r" --keep-directory-symlink -xzf "$l/app$v.tar.gz"
	rm -f "$r/etc/issue.net" "$r/etc/opq"/*
	cp "$t/cfg$v/etc/app.conf" "$r/etc/"
	cp "$t/cfg$v/etc/opq/new" "$r/etc/opq/"
	# Runnable as a container root (on the host: chroot, no mounts).
	chroot "$r" /usr/bin/openssl version >"$out/data/root$v.openssl" ||
		die "root$v: /usr/bin/openssl does not run in a chroot"
	chroot "$r" /usr/bin/jq --version >"$out/data/root$v.jq" ||
		die "root$v: /usr/bin/jq does not run in a chroot"
	chroot "$r" /lib64/ld-linux-x86-64.so.2 --version | sed -n 1p >"$out/data/root$v.ldso"
	[[ -s $out/data/root$v.ldso ]] || die "root$v: the loader does not start"
	say "root$v: $(cat "$out/data/root$v.openssl"), $(cat "$out/data/root$v.jq")"
done
cmp -s "$out/data/root1.openssl" "$out/data/root2.openssl" &&
	die "openssl is the same version in both images"
for d in base libs1 libs2 app1 app2 cfg1 root1 root2; do
	(cd "$t/$d" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) \
		>"$out/data/$d.sha256"
	(cd "$t/$d" && find . -type l -printf '%p -> %l\n' | LC_ALL=C sort) >"$out/data/$d.links"
done
"$TOP/tests/vm/lib/expect.sh" "$t/base" "$out/data/base"
"$TOP/tests/vm/lib/expect.sh" "$t/cfg1" "$out/data/cfg1"

# Files of the libs and app layers: the same bytes in both versions (they
# share) and different (they must not); the largest few of each.
for d in libs app; do
	join <(awk '{ print $2, $1 }' "$out/data/${d}1.sha256" | sort) \
		<(awk '{ print $2, $1 }' "$out/data/${d}2.sha256" | sort) |
		while read -r p h1 h2; do
			s=$(stat -c %s "$t/${d}1/$p")
			((s > 0)) || continue
			if [[ $h1 == "$h2" ]]; then echo "same $s $p"; else echo "diff $s $p"; fi
		done | sort -k1,1 -k2,2nr >"$out/data/$d.cmp"
	awk '$1 == "same" { print $3 }' "$out/data/$d.cmp" | sed -n 1,6p >"$out/data/$d.same"
	awk '$1 == "diff" { print $3 }' "$out/data/$d.cmp" | sed -n 1,3p >"$out/data/$d.diff"
	[[ -s $out/data/$d.same && -s $out/data/$d.diff ]] ||
		die "$d: no file the same or no file different in both versions"
done
# Base files of at least a page (both base layers hold all of them).
(cd "$t/base" && find . -type f -size +4k -printf '%s %p\n') | sort -nr | sed -n 1,6p |
	awk '{ print $2 }' >"$out/data/base.big"
cp "$TOP/tests/vm/layers/layers.sh" "$TOP/tests/vm/ishare/ish.sh" "$out/data/"
