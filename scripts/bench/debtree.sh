#!/usr/bin/env bash
# Unpack Debian packages into a tree the way a container image holds them:
# merged /usr, with the top-level directory symlinks kept.
#
# usage: scripts/bench/debtree.sh [--cache DIR] [--skeleton] TREE PKG[=VERSION|@SUITE]...
#   --cache DIR   where downloaded .debs are kept (default: TREE/../debs)
#   --skeleton    first create the merged-usr links (bin, sbin, lib, lib64
#                 -> usr/...) in TREE, as debootstrap and Debian's images do
#   PKG@SUITE     the version of PKG in exactly SUITE (bookworm,
#                 bookworm-security, ...), found with `apt-cache madison`
#
# `dpkg-deb -x` would replace TREE's `lib -> usr/lib` link by a directory
# when a package ships ./lib/...; then /lib64/ld-linux-x86-64.so.2 (a link
# into /lib/x86_64-linux-gnu) dangles and no program starts.  Here each
# package's data tar goes through GNU tar --keep-directory-symlink, so
# ./lib/x86_64-linux-gnu/libc.so.6 lands in usr/lib/x86_64-linux-gnu/ (what
# dpkg itself does on a merged-usr system).  Prints one "PKG VERSION" line
# per package unpacked.
set -euo pipefail

usage() { sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cache="" skeleton=0
while (($#)); do
	case "$1" in
	--cache) cache=${2:?}; shift 2 ;;
	--skeleton) skeleton=1; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# >= 1)) || usage
tree=$1
shift
die() { echo "debtree: $*" >&2; exit 1; }
mkdir -p "$tree"
tree=$(cd "$tree" && pwd)
cache=${cache:-$tree/../debs}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

if ((skeleton)); then
	mkdir -p "$tree/usr/bin" "$tree/usr/sbin" "$tree/usr/lib" "$tree/usr/lib64"
	for d in bin sbin lib lib64; do
		[[ -L $tree/$d || ! -e $tree/$d ]] || die "$tree/$d exists and is not a link"
		ln -sfn "usr/$d" "$tree/$d"
	done
fi

# Version of PKG in exactly SUITE.
suite_ver() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' -v s="$2/" '
		{ gsub(/ /, "", $2); n = split($3, a, " "); if (n >= 2 && index(a[2], s) == 1) { print $2; exit } }'
}
# The cached .deb of PKG VERSION, downloaded once.
deb_of() {
	local f
	f=$(compgen -G "$cache/${1}_${2//:/%3a}_*.deb" | head -n1 || true)
	if [[ -z $f ]]; then
		(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$1=$2" >/dev/null 2>&1) ||
			return 1
		f=$(compgen -G "$cache/${1}_${2//:/%3a}_*.deb" | head -n1 || true)
	fi
	[[ -n $f ]] && echo "$f"
}

for spec in "$@"; do
	case "$spec" in
	*@*) p=${spec%@*}; v=$(suite_ver "$p" "${spec#*@}")
	     [[ -n $v ]] || die "$p has no version in ${spec#*@}" ;;
	*=*) p=${spec%%=*}; v=${spec#*=} ;;
	*) p=$spec; v=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	   [[ -n $v && $v != "(none)" ]] || die "$p: no candidate version" ;;
	esac
	f=$(deb_of "$p" "$v") || die "cannot download $p=$v"
	dpkg-deb --fsys-tarfile "$f" | tar -x --keep-directory-symlink -C "$tree" ||
		die "unpacking $f failed"
	echo "$p $v"
done
