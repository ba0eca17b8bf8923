#!/usr/bin/env bash
# Page-cache saving ceiling of two trees when every file of both is read.
#
# usage: scripts/demo/ceiling.sh A B
#
# Prints "key value" lines:
#   files_a files_b bytes_a bytes_b  regular files and their bytes
#   shared_bytes   bytes of B's distinct contents that also occur in A
#   ceiling_pct    shared_bytes / (bytes_a + bytes_b) * 100 (BENCHMARKS.md §1)
#   pages_unshared 4 KiB pages cached when nothing is shared (one cache per
#                  inode, hard links counted once)
#   pages_shared   pages cached when every distinct non-empty content is
#                  cached once
set -euo pipefail
(($# == 2)) || { echo "usage: $0 A B" >&2; exit 2; }

list() {	# "tree sha256 size inode" per regular file (names without newlines)
	(cd "$2" && find . -type f -printf '%p\n' | LC_ALL=C sort >"$tmp/names"
		tr '\n' '\0' <"$tmp/names" | xargs -0 -r sha256sum | cut -c1-64 >"$tmp/sums"
		tr '\n' '\0' <"$tmp/names" | xargs -0 -r stat -c '%s %i' >"$tmp/stats"
		paste -d' ' "$tmp/sums" "$tmp/stats" | sed "s/^/$1 /")
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ list A "$1"; list B "$2"; } | awk '
	function pages(n) { return int((n + 4095) / 4096) }
	{
		files[$1]++; bytes[$1] += $3
		if (!seen_ino[$1 " " $4]++) unshared += pages($3)
		if ($1 == "A") in_a[$2] = 1; else { in_b[$2] = $3 }
		if (!seen[$2]++) shared += pages($3)
	}
	END {
		for (h in in_b) if (h in in_a) common += in_b[h]
		printf "files_a %d\nfiles_b %d\nbytes_a %d\nbytes_b %d\n", files["A"], files["B"], bytes["A"], bytes["B"]
		printf "shared_bytes %d\nceiling_pct %.1f\n", common, 100 * common / (bytes["A"] + bytes["B"])
		printf "pages_unshared %d\npages_shared %d\n", unshared, shared
	}'
