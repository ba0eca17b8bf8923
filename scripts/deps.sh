#!/usr/bin/env bash
# Install every Debian package the project needs, and check that the kernel
# image, headers and source packages all carry one version.
#
# usage: scripts/deps.sh [--check]
#   --check   only report what is missing; install nothing (exit 1 if any)
#
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

usage() { echo "usage: $0 [--check]" >&2; exit 2; }
check_only=0
case "${1:-}" in
	"") ;;
	--check) check_only=1 ;;
	*) usage ;;
esac

# One package per line; keep sorted within groups.
packages=(
	# kernel to test against, its build tree and its sources (fs/erofs)
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	# VM harness
	qemu-system-x86 busybox-static cpio kmod xz-utils
	# kmod build and style checks
	make gcc patch sparse perl
	# debug kernel for the VM tests (scripts/vm/debug-kernel.sh)
	bc bison flex libelf-dev
	# userspace tools and tests
	cmake g++ pkg-config catch2 libgcrypt20-dev libxxhash-dev liblz4-dev libzstd-dev
	liblzma-dev libdeflate-dev zlib1g-dev
	libisal-dev
	libc6-dev
	# fuzzing (make fuzz): clang with libFuzzer
	clang-14 libclang-rt-14-dev
	# reference tools used by tests and benchmarks
	erofs-utils attr hyperfine libarchive-tools strace time
	# real Debian image pairs for the page-cache benchmark
	debootstrap
	# crafts hostile test images (tests/vm/lib/mkishare.py)
	python3
	# Debian packages (make deb) and their chroot test (make check-pkg)
	debhelper dh-dkms dpkg-dev lintian zstd
)

missing=()
for p in "${packages[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ "$st" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
	if ((check_only)); then
		echo "deps: missing packages: ${missing[*]}" >&2
		exit 1
	fi
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
		sudo="sudo"
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# An old or empty package list makes apt-get miss packages: refresh first.
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The three kernel packages are meta packages; their versions must agree,
# otherwise the module we build from the source would not match the headers.
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
vi=$(ver linux-image-6.12-amd64)
vh=$(ver linux-headers-6.12-amd64)
vs=$(ver linux-source-6.12)
if [[ "$vi" != "$vh" || "$vh" != "$vs" ]]; then
	echo "deps: kernel package versions differ: image $vi, headers $vh, source $vs" >&2
	echo "deps: run 'apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12' to align them" >&2
	exit 1
fi
