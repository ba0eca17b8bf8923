#!/usr/bin/env bash
# Build (or reuse) the debug kernel for the VM tests, then our erofs.ko
# against it, and print the two paths as the last two lines: the kernel
# image first, the module second.
#
# usage: scripts/vm/debug-kernel.sh [--build DIR] [--kernel-only]
#   --build DIR    build folder of the worktree (default ./build); the module
#                  lands in DIR/kmod-debug/erofs.ko
#   --kernel-only  build or reuse the kernel only; print the image path and
#                  the kernel build tree (for kmod/build.sh --kdir)
#
# The kernel is Debian's linux-source-6.12 (the same source as the production
# kernel), configured as `make tinyconfig` plus scripts/vm/debug-kernel.config,
# built once into a cache outside the work tree:
#
#   $EROFS_DEBUG_KERNEL_CACHE (default /var/cache/erofs-ishare/debug-kernel,
#   or ~/.cache/erofs-ishare/debug-kernel when that is not writable)
#     /<linux-source version>-<sha256 of the fragment, 12 digits>/
#        src/       the extracted source
#        obj/       the build tree (O=), kbuild dir for external modules
#        bzImage    the kernel image      release    its `uname -r`
#        build.log  the kernel build's output
#
# A change of the source package or of the fragment gives a new directory,
# hence a new build; nothing else triggers one.  JOBS (default: nproc) sets
# the kernel build's parallelism.  DEBUG_KERNEL_REUSE_ONLY=1: never build,
# fail when there is nothing to reuse.
set -euo pipefail

usage() { echo "usage: $0 [--build DIR] [--kernel-only]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build kernel_only=0
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--kernel-only) kernel_only=1; shift ;;
	*) usage ;;
	esac
done

die() { echo "debug-kernel: $*" >&2; exit 1; }

tarball=/usr/src/linux-source-6.12.tar.xz
fragment=$top/scripts/vm/debug-kernel.config
[[ -r $tarball ]] || die "$tarball not found (run 'make deps')"
srcpkg=$(dpkg-query -W -f='${Version}' linux-source-6.12)
cfgsha=$(sha256sum "$fragment" | cut -c1-12)

cache=${EROFS_DEBUG_KERNEL_CACHE:-}
if [[ -z $cache ]]; then
	cache=/var/cache/erofs-ishare/debug-kernel
	if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/erofs-ishare/debug-kernel
	fi
fi
mkdir -p "$cache"
key=$cache/$srcpkg-$cfgsha

# One build at a time per cache; a second caller waits, then reuses it.
exec 9>"$cache/.lock"
flock 9

if [[ ! -f $key/.done && ${DEBUG_KERNEL_REUSE_ONLY:-0} == 1 ]]; then
	# tests/check.sh builds it once in the background; when that build
	# failed, the suites waiting for it must not each start another.
	die "no debug kernel in $key and DEBUG_KERNEL_REUSE_ONLY=1 (its build failed?)"
fi
if [[ ! -f $key/.done ]]; then
	rm -rf "$key"
	mkdir -p "$key/src" "$key/obj"
	start=$(date +%s)
	echo "  EXTRACT $(basename "$tarball") ($srcpkg)" >&2
	tar -xJf "$tarball" -C "$key/src" --strip-components=1

	# The production kernel's release starts with the same upstream version.
	srcver=$(make -s -C "$key/src" kernelversion)
	kver=$("$top/scripts/kver.sh")
	[[ $kver == "$srcver"+* || $kver == "$srcver"-* ]] ||
		die "linux-source is $srcver but the production kernel is $kver"

	echo "  CONFIG  tinyconfig + $(basename "$fragment") ($cfgsha)" >&2
	log=$key/build.log
	{
		make -C "$key/src" O="$key/obj" tinyconfig
		"$key/src/scripts/kconfig/merge_config.sh" -m -O "$key/obj" \
			"$key/obj/.config" "$fragment"
		make -C "$key/src" O="$key/obj" olddefconfig
	} >"$log" 2>&1 || die "configuration failed, see $log"
	# Every line of the fragment must have survived: a dropped option means
	# a missing dependency, i.e. a kernel that is not the one we asked for.
	bad=0
	while read -r line; do
		grep -qxF -- "$line" "$key/obj/.config" && continue
		echo "debug-kernel: $(basename "$fragment"): '$line' did not survive olddefconfig" >&2
		bad=1
	done < <(grep -E '^(CONFIG_|# CONFIG_[A-Z0-9_]+ is not set)' "$fragment")
	((bad == 0)) || die "fix the fragment (missing dependencies?)"

	echo "  BUILD   bzImage modules (-j${JOBS:-$(nproc)}, log: $log)" >&2
	make -C "$key/src" O="$key/obj" -j"${JOBS:-$(nproc)}" bzImage modules \
		>>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "kernel build failed, see $log"; }
	cp "$key/obj/arch/x86/boot/bzImage" "$key/bzImage"
	cp "$key/obj/include/config/kernel.release" "$key/release"
	echo "$(($(date +%s) - start)) s cold build (extract, configure, bzImage, modules)" \
		>"$key/build-time"
	touch "$key/.done"
	echo "  KERNEL  $key/bzImage ($(cat "$key/release"), $(cat "$key/build-time"))" >&2
fi
if ((kernel_only)); then
	echo "$key/bzImage"
	echo "$key/obj"
	exit 0
fi
# Still under the lock: VM suites run in parallel (run-all.sh --jobs) may
# ask for the module at once, and they share BUILD/kmod-debug.
"$top/kmod/build.sh" --kdir "$key/obj" "$build/kmod-debug" >&2
flock -u 9
echo "$key/bzImage"
echo "$(cd "$build/kmod-debug" && pwd)/erofs.ko"
