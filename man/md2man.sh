#!/usr/bin/env bash
# Convert the constrained Markdown of Documentation/*.md into a man page,
# so the documentation and the man pages come from one source.
#
# usage: man/md2man.sh Documentation/TOOL.md > man/TOOL.1
#        man/md2man.sh --all     regenerate every man/*.1 from Documentation
#
# Supported: "# name(1) -- summary", "## SECTION", "### `option`" (one
# tagged paragraph per option), paragraphs, and `inline code` (bold).
set -euo pipefail

usage() { sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

convert() {
	awk '
	function inline(s) {
		gsub(/\\/, "\\e", s)
		gsub(/-/, "\\-", s)
		while (match(s, /`[^`]*`/))
			s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR" substr(s, RSTART + RLENGTH)
		if (s ~ /^[.'"'"']/)
			s = "\\&" s
		return s
	}
	NR == 1 && /^# / {
		split(substr($0, 3), p, / -- /)
		name = p[1]; sub(/\(1\)$/, "", name)
		printf ".TH %s 1 \"\" \"erofs-ishare\" \"User Commands\"\n", toupper(name)
		printf ".SH NAME\n%s \\- %s\n", inline(name), inline(p[2])
		next
	}
	/^## / { printf ".SH %s\n", substr($0, 4); para = 0; need_pp = 0; next }
	/^### / { printf ".TP\n%s\n", inline(substr($0, 5)); para = 1; need_pp = 0; next }
	/^$/ { if (!para) need_pp = 1; para = 0; next }
	{
		if (need_pp) { print ".PP"; need_pp = 0 }
		if (para == 2) print ".br"
		print inline($0)
		if (para) para = 2
	}
	' "$1"
}

case "${1:-}" in
"") usage ;;
--all)
	root=$(cd "$(dirname "$0")/.." && pwd)
	for md in "$root"/Documentation/mkfs.erofs++.md "$root"/Documentation/inspect.erofs++.md; do
		convert "$md" >"$root/man/$(basename "$md" .md).1"
	done
	;;
*) convert "$1" ;;
esac
