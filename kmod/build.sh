#!/usr/bin/env bash
# Build our erofs.ko out of tree from Debian's linux-source-6.12.
#
# usage: kmod/build.sh [--sparse] [--checkpatch] [--kdir DIR] [OUTDIR]
#   OUTDIR        build folder (default: build/kmod, with --kdir build/kmod-debug)
#   --sparse      run sparse over every object (make C=2)
#   --checkpatch  run the extracted checkpatch.pl over our own files
#   --kdir DIR    build against the kernel build tree DIR instead of the
#                 installed headers (the debug kernel of scripts/vm/debug-kernel.sh,
#                 built from the same linux-source-6.12)
#
# Steps, each skipped when its inputs did not change:
#  1. extract fs/erofs and scripts/checkpatch.pl (+ its data files) from
#     /usr/src/linux-source-6.12.tar.xz into OUTDIR/pristine;
#  2. copy pristine fs/erofs into OUTDIR/tree, apply kmod/patches/*.patch in
#     order, copy kmod/src/* in;
#  3. run kbuild against /lib/modules/<kver>/build (the installed 6.12
#     headers, not the running kernel), or against --kdir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage="usage: $0 [--sparse] [--checkpatch] [--kdir DIR] [OUTDIR]"
sparse=0 checkpatch=0 out="" kdir=""
while (($#)); do
	case "$1" in
	--sparse) sparse=1 ;;
	--checkpatch) checkpatch=1 ;;
	--kdir) kdir=${2:?$usage}; shift ;;
	-h|--help) echo "$usage"; exit 0 ;;
	-*) echo "$usage" >&2; exit 2 ;;
	*) out=$1 ;;
	esac
	shift
done
if [[ -n $kdir ]]; then
	out=${out:-$top/build/kmod-debug}
else
	out=${out:-$top/build/kmod}
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "kmod: $*" >&2; exit 1; }

tarball=/usr/src/linux-source-6.12.tar.xz
[[ -r $tarball ]] || die "$tarball not found (run 'make deps')"
if [[ -n $kdir ]]; then
	kbuild=$(cd "$kdir" && pwd)
	[[ -f $kbuild/include/config/kernel.release && -f $kbuild/Module.symvers ]] ||
		die "$kdir is not a built kernel tree (no kernel.release or Module.symvers)"
	kver=$(cat "$kbuild/include/config/kernel.release")
	# An O= build tree links to its source; a tree built in place is its own.
	ksrc=$kbuild
	[[ -d $kbuild/source ]] && ksrc=$(cd "$kbuild/source" && pwd)
else
	kver=$("$top/scripts/kver.sh") || exit 1
	kbuild=/lib/modules/$kver/build
fi

# --- 1. extract -------------------------------------------------------------
pristine=$out/pristine
tar_id="$(stat -c '%s %Y' "$tarball") $(dpkg-query -W -f='${Version}' linux-source-6.12)"
if [[ ! -f $pristine/.stamp || "$(cat "$pristine/.stamp")" != "$tar_id" ]]; then
	echo "  EXTRACT fs/erofs from $(basename "$tarball")"
	rm -rf "$pristine"
	mkdir -p "$pristine"
	tar -xJf "$tarball" -C "$pristine" --strip-components=1 \
		linux-source-6.12/Makefile \
		linux-source-6.12/fs/erofs \
		linux-source-6.12/include/trace/events/erofs.h \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	echo "$tar_id" >"$pristine/.stamp"
fi

# The source and the headers (or the --kdir tree) must describe the same
# kernel.
srcver=$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
	END{print v "." p "." s}' "$pristine/Makefile")
[[ $kver == "$srcver"+* || $kver == "$srcver"-* ]] ||
	die "linux-source is $srcver but the kernel tree is $kver; install matching versions"
# Trace events come from the kernel tree: they must be the ones we build.
if [[ -n $kdir ]]; then
	cmp -s "$pristine/include/trace/events/erofs.h" "$ksrc/include/trace/events/erofs.h" ||
		die "include/trace/events/erofs.h differs between linux-source and $kdir"
else
	cmp -s "$pristine/include/trace/events/erofs.h" "$kbuild/include/trace/events/erofs.h" 2>/dev/null ||
		cmp -s "$pristine/include/trace/events/erofs.h" \
			"/usr/src/linux-headers-${kver%-amd64}-common/include/trace/events/erofs.h" ||
		die "include/trace/events/erofs.h differs between linux-source and the headers"
fi

# With EROFS_FS_ONDEMAND, erofs hands domain_id= to fscache (it names a
# cache domain there); our patches give it to page-cache sharing only.
config=$kbuild/.config
[[ -r $config ]] || die "$config not found: cannot check the kernel config"
! grep -q '^CONFIG_EROFS_FS_ONDEMAND=y' "$config" ||
	die "the kernel has CONFIG_EROFS_FS_ONDEMAND=y: domain_id= would go to fscache, not to page-cache sharing; this module does not support that config"

# --- 2. patch ---------------------------------------------------------------
tree=$out/tree
shopt -s nullglob
patches=("$top"/kmod/patches/*.patch)
ours=("$top"/kmod/src/*)
shopt -u nullglob
patch_id="$tar_id $(cat /dev/null "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [[ ! -f $tree/.stamp || "$(cat "$tree/.stamp")" != "$patch_id" ]]; then
	rm -rf "$tree"
	mkdir -p "$tree/fs"
	cp -a "$pristine/fs/erofs" "$tree/fs/erofs"
	for p in "${patches[@]}"; do
		echo "  PATCH   $(basename "$p")"
		if ! patch -d "$tree" -p1 --forward --batch --no-backup-if-mismatch \
			-s <"$p" >"$out/patch.log" 2>&1; then
			rm -rf "$tree"
			die "patch $(basename "$p") does not apply to linux-source $srcver: $(head -n1 "$out/patch.log")"
		fi
	done
	echo "$patch_id" >"$tree/.stamp"
fi
# Our own files: copy only what changed, so kbuild stays incremental.
for f in "${ours[@]}"; do
	dst=$tree/fs/erofs/$(basename "$f")
	cmp -s "$f" "$dst" || cp "$f" "$dst"
done

# Version string shown by modinfo: Debian's source version plus our git
# revision.  Rewritten only when it changes.
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
verstr="$(dpkg-query -W -f='${Version}' linux-source-6.12)-ishare-$rev"
vh=$tree/fs/erofs/ishare_version.h
new="#define EROFS_ISHARE_VERSION \"$verstr\""
[[ -f $vh && "$(cat "$vh")" == "$new" ]] || echo "$new" >"$vh"

# --- 3. build ---------------------------------------------------------------
kargs=(-C "$kbuild" M="$tree/fs/erofs")
((sparse)) && kargs+=(C=2)
make -s "${kargs[@]}" -j"$(nproc)" modules
cp "$tree/fs/erofs/erofs.ko" "$out/erofs.ko"
echo "  MODULE  $out/erofs.ko ($verstr)"

if ((checkpatch)) && ((${#ours[@]})); then
	perl "$pristine/scripts/checkpatch.pl" --no-tree --terse -f \
		$(printf '%s\n' "${ours[@]}" | grep -E '\.[ch]$') || exit 1
fi
# The patches, checked as patches: inside a git work tree checkpatch takes
# a tracked file name for a source file, so run it from outside the tree.
if ((checkpatch)) && ((${#patches[@]})); then
	(cd / && perl "$pristine/scripts/checkpatch.pl" --no-tree --terse \
		"${patches[@]}") || exit 1
fi
