#!/usr/bin/env bash
# Make the demo's image pair from files on this machine: tree A is a copy
# of SRC; tree B is its "next minor version", in which a deterministic
# selection of files covering about PERCENT of the bytes changed.
#
# usage: scripts/demo/mkpair.sh [-p PERCENT] SRC A B
set -euo pipefail

usage() { echo "usage: $0 [-p PERCENT] SRC A B" >&2; exit 2; }
pct=30
while getopts p: o; do
	case $o in
	p) pct=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
(($# == 3)) || usage
src=$1 a=$2 b=$3
[[ -d $src ]] || { echo "mkpair: $src is not a directory" >&2; exit 1; }
[[ ! -e $a && ! -e $b ]] || { echo "mkpair: $a or $b exists" >&2; exit 1; }

cp -a "$(readlink -f "$src")" "$a"
cp -a "$a" "$b"

# Visit regular files in an order that is fixed but unrelated to their
# names (sha256 of the path), and change whole files until PERCENT of the
# bytes are covered.  A changed file gets a new first line, so its content
# (and fingerprint) differs entirely from A's.
total=$(cd "$b" && find . -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
goal=$((total * pct / 100))
(cd "$b" && find . -type f -printf '%s %p\n') |
	while read -r size path; do
		printf '%s %s %s\n' "$(printf '%s' "$path" | sha256sum | cut -c1-16)" "$size" "$path"
	done | LC_ALL=C sort |
	awk -v goal="$goal" '{ if (done >= goal) exit; done += $2; print substr($0, index($0, $3)) }' |
	while IFS= read -r path; do
		f=$b/$path
		{ printf '# next minor version\n'; cat "$f"; } >"$f.new"
		touch -r "$f" "$f.new"
		chmod --reference="$f" "$f.new"
		mv "$f.new" "$f"
	done
