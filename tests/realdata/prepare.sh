#!/bin/bash
# Real data nobody here wrote: the data tarballs of a few dozen Debian
# packages (dpkg-deb --fsys-tarfile) and the debootstrap minbase rootfs
# layer, as plain tar files in OUT_DIR/tars for the "[.realdata]" Catch2
# test (tests/unit/test_realdata.cpp).
#
# .debs come from /var/cache/apt/archives when there, else from
# OUT_DIR/debs, else `apt-get download` into OUT_DIR/debs (network; no dpkg
# lock).  The rootfs layer is /var/cache/erofs-ishare/pkg/bookworm-minbase.tar.zst
# (made by tests/pkg/chroot-install.sh); without it that part is skipped.
# One derived tar adds what dpkg tarballs never carry: iputils-ping's data
# with the security.capability its postinst sets (setcap cap_net_raw+ep),
# re-tarred by GNU tar in PAX format, as a container layer built from it has.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
mkdir -p "$1"
out=$(realpath "$1")
debs=$out/debs
tars=$out/tars
mkdir -p "$debs" "$tars"

# Varied content: the C library, big interpreters, setuid programs (passwd,
# sudo, mount, login), hard links (perl-base, git, e2fsprogs), many small
# files (libssl-doc, vim-runtime, manpages, tzdata), fonts, certificates.
packages=(
	apt bash busybox ca-certificates coreutils dpkg e2fsprogs findutils
	fonts-dejavu-core git gzip iproute2 iputils-ping libc6 libcap2-bin
	libmagic-mgc libssl-doc libstdc++6 login manpages mount openssl passwd
	perl-base procps python3.11-minimal sudo tzdata util-linux vim-runtime
	zlib1g
)

# The newest .deb of package $1 (amd64 or all) in directory $2, or nothing.
newest_deb() {
	local f
	f=$(find "$2" -maxdepth 1 -type f \( -name "${1}_*_amd64.deb" -o -name "${1}_*_all.deb" \) \
		2>/dev/null | sort -V | tail -n 1)
	echo "$f"
}

missing=0
for p in "${packages[@]}"; do
	deb=$(newest_deb "$p" "$debs")
	[[ -n $deb ]] || deb=$(newest_deb "$p" /var/cache/apt/archives)
	if [[ -z $deb ]]; then
		if ! (cd "$debs" && apt-get download -q "$p" >/dev/null 2>"$debs/.apt-$p.log"); then
			echo "# $p: apt-get download failed: $(tail -n 1 "$debs/.apt-$p.log")" >&2
			missing=$((missing + 1))
			continue
		fi
		deb=$(newest_deb "$p" "$debs")
	fi
	if [[ ! -s $tars/deb-$p.tar || $deb -nt $tars/deb-$p.tar ]]; then
		dpkg-deb --fsys-tarfile "$deb" >"$tars/deb-$p.tar.tmp"
		mv "$tars/deb-$p.tar.tmp" "$tars/deb-$p.tar"
	fi
done

# iputils-ping as installed: ping with security.capability.
if [[ -s $tars/deb-iputils-ping.tar && ! -s $tars/caps-iputils-ping.tar ]]; then
	tmp=$(mktemp -d "$out/.caps.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" --same-owner --numeric-owner -xpf "$tars/deb-iputils-ping.tar"
	setcap cap_net_raw+ep "$tmp/bin/ping"
	tar -C "$tmp" --xattrs --xattrs-include='*' --numeric-owner -H pax \
		-cf "$tars/caps-iputils-ping.tar.tmp" .
	mv "$tars/caps-iputils-ping.tar.tmp" "$tars/caps-iputils-ping.tar"
fi

rootfs=${EROFS_MINBASE_TAR:-/var/cache/erofs-ishare/pkg/bookworm-minbase.tar.zst}
if [[ -f $rootfs ]]; then
	if [[ ! -s $tars/rootfs-minbase.tar || $rootfs -nt $tars/rootfs-minbase.tar ]]; then
		zstd -dcq "$rootfs" >"$tars/rootfs-minbase.tar.tmp"
		mv "$tars/rootfs-minbase.tar.tmp" "$tars/rootfs-minbase.tar"
	fi
	# the compressed stream too: mkfs reads zstd directly
	ln -sf "$rootfs" "$tars/rootfs-minbase.tar.zst.src"
else
	echo "# SKIP rootfs layer: $rootfs not found (make it with tests/pkg/chroot-install.sh)" >&2
	rm -f "$tars/rootfs-minbase.tar" "$tars/rootfs-minbase.tar.zst.src"
fi

n=$(find "$tars" -maxdepth 1 -name '*.tar' | wc -l)
echo "# $n tar files in $tars ($missing packages missing)"
exit 0
