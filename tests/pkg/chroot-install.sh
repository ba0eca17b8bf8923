#!/usr/bin/env bash
# Install our Debian packages in a clean Debian 12 chroot and check what
# DKMS does with them: build, install in updates/ where it takes precedence
# over the stock erofs.ko, sign with a MOK key, rebuild for a newer 6.12
# kernel, refuse another series, and give the stock module back on removal.
#
# usage: tests/pkg/chroot-install.sh [--build DIR] [--keep]
#   --build DIR  build folder (default: build); reads DIR/deb/*.deb (make deb),
#                writes DIR/pkg/: logs, the chroot, and erofs.ko as DKMS built
#                it for the host's 6.12 release (for tests/pkg/vm-dkms.sh)
#                (env: OLD_KVER, an older 6.12 release to start from;
#                OTHER_HEADERS, headers of an unsupported series)
#   --keep       leave the chroot in DIR/pkg/root
#
# Needs root and the network (the apt mirror of this machine's
# /etc/apt/sources.list.d/debian.sources).  The minbase rootfs is made once
# by debootstrap and cached in /var/cache/erofs-ishare/pkg/, with the .debs
# apt downloads.  Every mount
# (debootstrap's, /proc for the chroot) happens in a private mount namespace
# and disappears with it.  Prints TAP.
set -euo pipefail

usage() { sed -n '7,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build keep=0
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	*) usage ;;
	esac
done
build=$(mkdir -p "$build" && cd "$build" && pwd)
die() { echo "Bail out! $*"; exit 1; }
(($(id -u) == 0)) || die "needs root (debootstrap, chroot)"
shopt -s nullglob
debs=("$build"/deb/erofs-ishare-dkms_*.deb "$build"/deb/erofs-ishare-tools_*.deb)
shopt -u nullglob
((${#debs[@]} == 2)) || die "no packages in $build/deb (run 'make deb')"

cache=/var/cache/erofs-ishare/pkg
tarball=$cache/bookworm-minbase.tar.zst
out=$build/pkg
root=$out/root
log=$out/chroot.log
hostkver=$("$top/scripts/kver.sh")		# e.g. 6.12.117+deb12-amd64
oldkver=${OLD_KVER:-6.12.115+deb12-amd64}	# an older 6.12 to start from
otherhdr=${OTHER_HEADERS:-linux-headers-amd64}	# Debian 12's 6.1: unsupported

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local d=$1; shift; if "$@" >>"$log" 2>&1; then ok "$d"; else nok "$d"; fi; }
is() { if [[ $2 == "$3" ]]; then ok "$1"; else nok "$1"; echo "# got '$2', want '$3'"; fi; }
# Run a command in the chroot, /proc mounted in a private namespace.
in_root() {
	unshare --mount --propagation private --fork -- chroot "$root" /bin/sh -c \
		'mount -t proc proc /proc && exec "$@"' sh "$@"
}
# Same, output to the log (with a header) as well.
run() { echo "+ $*" >>"$log"; in_root "$@" >>"$log" 2>&1; }

mirror=$(awk 'BEGIN { RS = ""; FS = "\n" }
	{ for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, " "); print u[2]; exit } }' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ -n $mirror ]] || die "no mirror in /etc/apt/sources.list.d/debian.sources"

# --- the clean chroot ---------------------------------------------------------
mkdir -p "$cache/archives"
if [[ ! -f $tarball ]]; then
	echo "# debootstrap --variant=minbase bookworm $mirror (cached in $tarball)"
	rm -rf "$cache/root.tmp"
	unshare --mount --propagation private --fork -- debootstrap --variant=minbase \
		bookworm "$cache/root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $cache/debootstrap.log"
	rm -rf "$cache"/root.tmp/var/cache/apt/archives/*.deb "$cache"/root.tmp/var/lib/apt/lists/*
	tar -C "$cache/root.tmp" --numeric-owner -cf - . | zstd -q -T2 -o "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
	rm -rf "$cache/root.tmp"
fi
rm -rf "$out"
mkdir -p "$root"
: >"$log"
zstd -dc "$tarball" | tar -C "$root" --numeric-owner -xf -
cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
rm -f "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/debs"
cp "${debs[@]}" "$root/debs/"
export DEBIAN_FRONTEND=noninteractive
# The headers pull in the kernel image; its initramfs is of no use here.
export INITRD=No
echo "TAP version 13"

# apt-get install, taking the .debs this machine already has (apt's cache,
# or ours from earlier runs), and keeping what it downloaded for next time.
apt_install() {
	local f d
	in_root apt-get install -y --no-install-recommends --print-uris "$@" 2>>"$log" |
		awk -F"'" '/^'"'"'/ { print $2 }' | while read -r f; do
		f=$(basename "$f")
		for d in /var/cache/apt/archives "$cache/archives"; do
			if [[ -f $d/$f ]]; then
				cp "$d/$f" "$root/var/cache/apt/archives/"
				break
			fi
		done
	done
	run apt-get install -y --no-install-recommends "$@" || return 1
	cp -n "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null || true
}

check "apt-get update in the chroot" run apt-get update
check "install headers $oldkver and dkms" apt_install "linux-headers-$oldkver" dkms openssl
ver=$(dpkg-deb -f "$root"/debs/erofs-ishare-dkms_*.deb Version)
dkver=${ver}
stock=/lib/modules/$oldkver/kernel/fs/erofs/erofs.ko.xz
stock_sum=$(sha256sum "$root$stock" | cut -d' ' -f1)

# --- 1. install on the older 6.12 ------------------------------------------------------
check "install erofs-ishare-dkms and -tools" apt_install "/debs/${debs[0]##*/}" "/debs/${debs[1]##*/}"
status=$(in_root dkms status 2>&1)
echo "$status" | sed 's/^/# dkms status: /'
check "dkms status: installed for $oldkver" grep -q "^erofs-ishare/$dkver, $oldkver, x86_64: installed" <<<"$status"
# Debian's DKMS (3.0.10) leaves the stock module in kernel/ (it archives
# originals to original_module/ only on other distributions): depmod's
# preference for updates/ is what makes ours the one modprobe loads.
if [[ -f $root$stock ]]; then
	is "stock erofs.ko left in kernel/fs/erofs, unchanged" "$(sha256sum "$root$stock" | cut -d' ' -f1)" "$stock_sum"
else
	nok "stock erofs.ko left in kernel/fs/erofs, unchanged"
fi
modpath=$(in_root modinfo -k "$oldkver" -n erofs 2>>"$log" || true)
echo "# modinfo -n erofs: $modpath"
check "modprobe resolves erofs to updates/dkms" grep -q "^/lib/modules/$oldkver/updates/dkms/erofs.ko" <<<"$modpath"
mver=$(in_root modinfo -k "$oldkver" -F version erofs 2>>"$log" || true)
echo "# version: $mver"
check "module version is ours" grep -q -- "-ishare-" <<<"$mver"
key=0
[[ -f $root/var/lib/dkms/mok.key && -f $root/var/lib/dkms/mok.pub ]] && key=1
signer=$(in_root modinfo -k "$oldkver" -F signer erofs 2>>"$log" || true)
echo "# MOK key present: $key; signer: ${signer:-none}"
check "tools installed, mkfs.erofs++ --help" run mkfs.erofs++ --help
check "inspect.erofs++ and both man pages" test -x "$root/usr/bin/inspect.erofs++" -a \
	-f "$root/usr/share/man/man1/mkfs.erofs++.1.gz" -a -f "$root/usr/share/man/man1/inspect.erofs++.1.gz"

# --- 2. signing: with a MOK key, the built module carries a signature ------------------
if ((key == 0)); then
	check "make a MOK key pair" in_root sh -c 'openssl req -new -x509 -nodes -days 36500 \
		-subj "/CN=DKMS module signing key/" -newkey rsa:2048 -outform DER \
		-keyout /var/lib/dkms/mok.key -out /var/lib/dkms/mok.pub'
	check "rebuild and reinstall with the key" run dkms install --force -m erofs-ishare -v "$dkver" -k "$oldkver"
	signer=$(in_root modinfo -k "$oldkver" -F signer erofs 2>>"$log" || true)
fi
cn=$(in_root openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -subject 2>>"$log" |
	sed 's/.*CN *= *//')
echo "# signer: $signer; key: $cn"
is "module signed by the MOK key" "$signer" "$cn"

# --- 3. a newer 6.12 kernel: autoinstall builds for it ---------------------------------
check "install linux-headers-6.12-amd64 ($hostkver)" apt_install linux-headers-6.12-amd64
status=$(in_root dkms status 2>&1)
echo "$status" | sed 's/^/# dkms status: /'
check "dkms status: installed for $hostkver" grep -q "^erofs-ishare/$dkver, $hostkver, x86_64: installed" <<<"$status"
check "still installed for $oldkver" grep -q "^erofs-ishare/$dkver, $oldkver, x86_64: installed" <<<"$status"
ko=$(ls "$root/lib/modules/$hostkver/updates/dkms/"erofs.ko* 2>/dev/null | head -n1 || true)
check "module in /lib/modules/$hostkver/updates/dkms" test -n "$ko"
if [[ -n $ko ]]; then
	case "$ko" in
	*.xz) xz -dc "$ko" >"$out/erofs.ko" ;;
	*.zst) zstd -qdc "$ko" >"$out/erofs.ko" ;;
	*) cp "$ko" "$out/erofs.ko" ;;
	esac
	echo "# copied $ko -> $out/erofs.ko ($(modinfo -F version "$out/erofs.ko"))"
	is "its vermagic is $hostkver" "$(modinfo -F vermagic "$out/erofs.ko" | cut -d' ' -f1)" "$hostkver"
fi

# --- 4. another series (Debian 12's 6.1) is refused at build time -------------------
# Debian 12's DKMS 3.0.10 counts a BUILD_EXCLUSIVE refusal during
# autoinstall as a failure; dkms.conf leaves AUTOINSTALL unset while DKMS
# autoinstalls for a kernel it refuses, so another series' headers install
# cleanly.
check "install $otherhdr: the package manager succeeds" apt_install "$otherhdr"
is "dpkg left nothing unconfigured" "$(in_root dpkg --audit 2>&1)" ""
otherkver=$(in_root dpkg-query -W -f='${Depends}' "$otherhdr" | sed 's/ .*//; s/^linux-headers-//')
status=$(in_root dkms status 2>&1)
check "nothing built for $otherkver" bash -c '! grep -q ", $1, " <<<"$2"' sh "$otherkver" "$status"
set +e
msg=$(in_root dkms build -m erofs-ishare -v "$dkver" -k "$otherkver" 2>&1)
rc=$?
set -e
echo "$msg" | sed 's/^/# dkms build -k '"$otherkver"': /'
echo "# exit status $rc"
check "dkms build for $otherkver fails" test "$rc" -ne 0
check "and names BUILD_EXCLUSIVE" grep -q BUILD_EXCLUSIVE <<<"$msg"

# --- 5. removal puts the stock module back ----------------------------------------------
check "purge erofs-ishare-dkms" run apt-get purge -y erofs-ishare-dkms
status=$(in_root dkms status 2>&1)
is "dkms status empty" "$status" ""
check "no erofs.ko left in updates/dkms" bash -c '! ls "$1"/lib/modules/*/updates/dkms/erofs.ko* 2>/dev/null' sh "$root"
if [[ -f $root$stock ]]; then
	is "stock erofs.ko in place, same bytes" "$(sha256sum "$root$stock" | cut -d' ' -f1)" "$stock_sum"
else
	nok "stock erofs.ko in place, same bytes"
fi
hoststock=/lib/modules/$hostkver/kernel/fs/erofs/erofs.ko.xz
check "stock erofs.ko of $hostkver in place" test -f "$root$hoststock"
modpath=$(in_root modinfo -k "$hostkver" -n erofs 2>>"$log" || true)
is "$hostkver: modprobe resolves erofs to the stock module" "$modpath" "$hoststock"
modpath=$(in_root modinfo -k "$oldkver" -n erofs 2>>"$log" || true)
is "modprobe resolves erofs to the stock module" "$modpath" "$stock"

echo "1..$n"
((keep)) || rm -rf "$root"
echo "# $((n - failed)) passed, $failed failed; log in $log"
((failed == 0))
