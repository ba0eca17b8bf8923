#!/usr/bin/env bash
# Layer-conversion benchmark: gzip layer tarballs on standard input, turned
# into EROFS by mkfs.erofs++ and by erofs-utils 1.9.3 side by side (same
# block size, same worker count), and the old way of Debian 1.5 users.
#
# usage: scripts/bench/convert.sh [--build DIR] [--peer PREFIX] [--workers N] [--runs N] [--layers "NAME:PATH,PATH ..."]
#   --build DIR      build directory (default: build); tarballs are cached in
#                    DIR/bench/convert-cache/, images made in DIR/bench/convert/
#   --peer PREFIX    erofs-utils 1.9.3 install prefix (default: $EROFS_PEER_PREFIX
#                    or /opt/erofs-utils-1.9.3); skipped with a message if absent
#   --workers N      worker threads for both tools (default: 2)
#   --runs N         runs per command; the median time is reported (default: 1)
#   --layers "..."   layers to make from this machine's Debian-installed trees
#                    (default: "usr-bin:usr/bin,usr/sbin,usr/libexec,usr/include
#                    usr-share:usr/share")
#
# For each layer: --tar=f uncompressed and -zlz4hc, ours with and without
# fingerprints (--xattr-inode-digest) against theirs without; --tar=i
# (ours with fingerprints, the index only); and the old way: `tar -x` then
# Debian's /usr/bin/mkfs.erofs (1.5, 4 KiB blocks: it has no -b) on the tree.  Wall time, CPU
# time (user + system) and peak RSS from /usr/bin/time -v, image size from
# stat.  Prints a Markdown table.
set -euo pipefail

usage() { sed -n '6,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
peer=${EROFS_PEER_PREFIX:-/opt/erofs-utils-1.9.3}
workers=2 runs=1
layers="usr-bin:usr/bin,usr/sbin,usr/libexec,usr/include usr-share:usr/share"
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--peer) peer=${2:?}; shift 2 ;;
	--workers) workers=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--layers) layers=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done
[[ $workers =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || usage
say() { echo "convert: $*" >&2; }
die() { say "$*"; exit 1; }

build=$(mkdir -p "$build" && cd "$build" && pwd)
ours=$build/utils/mkfs.erofs++
[[ -x $ours ]] || die "$ours not built (run 'make utils')"
theirs=$peer/bin/mkfs.erofs
if [[ ! -x $theirs ]]; then
	say "erofs-utils peer not found: no executable $theirs (set EROFS_PEER_PREFIX or --peer); nothing to compare, skipped"
	exit 0
fi
old=/usr/bin/mkfs.erofs
[[ -x $old ]] || say "no $old (Debian's erofs-utils): the old way is left out"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not installed (package time)"

cache=$build/bench/convert-cache
work=$build/bench/convert
mkdir -p "$cache"
rm -rf "$work"
mkdir -p "$work"

# --- layer tarballs ----------------------------------------------------------------
names=()
for spec in $layers; do
	name=${spec%%:*}
	IFS=, read -r -a paths <<<"${spec#*:}"
	names+=("$name")
	if [[ ! -s $cache/$name.tar.gz ]]; then
		say "making $cache/$name.tar.gz from /${paths[*]}"
		tar -C / --numeric-owner --xattrs --xattrs-include='*' -cf - "${paths[@]}" 2>/dev/null |
			gzip -6 >"$cache/$name.tar.gz.tmp" || true
		# tar exits 1 when a file changed while read; an empty result is not ok
		[[ -s $cache/$name.tar.gz.tmp ]] || die "tar of ${paths[*]} failed"
		mv "$cache/$name.tar.gz.tmp" "$cache/$name.tar.gz"
	fi
done

# --- one measured command ----------------------------------------------------------
# measure KEY IMAGE CMD...: run CMD (a shell line) RUNS times; record
# "KEY seconds maxrss_kb cpu_seconds image_bytes" (the run of median wall
# time) in results.
results=$work/results
: >"$results"
measure() {
	local key=$1 img=$2 cmd=$3 i tv s k c line
	: >"$work/runs"
	for ((i = 0; i < runs; i++)); do
		rm -f "$img"
		tv=$work/time.out
		if ! /usr/bin/time -v -o "$tv" bash -c "$cmd" >"$work/cmd.log" 2>&1; then
			cat "$work/cmd.log" >&2
			die "$key failed: $cmd"
		fi
		s=$(awk -F': ' '/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); t = 0; for (j = 1; j <= n; j++) t = t * 60 + p[j]; print t }' "$tv")
		k=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
		c=$(awk -F': ' '/(User|System) time \(seconds\)/ { t += $2 } END { print t }' "$tv")
		echo "$s $k $c" >>"$work/runs"
	done
	line=$(sort -n "$work/runs" | sed -n "$(((runs + 1) / 2))p")
	echo "$key $line $(stat -c %s "$img")" >>"$results"
	read -r s k c <<<"$line"
	say "$key: $s s, $c s CPU, $k KiB peak, $(stat -c %s "$img") bytes"
	rm -f "$img"
}

common="--quiet -b4096 --workers=$workers"
fp=--xattr-inode-digest=trusted.erofs.fingerprint
for name in "${names[@]}"; do
	gz=$cache/$name.tar.gz
	img=$work/$name.erofs
	say "$name: $(stat -c %s "$gz") bytes gzip, $(gzip -dc "$gz" | wc -c) bytes tar"
	for z in none lz4hc; do
		zo=""
		[[ $z == none ]] || zo=-z$z
		measure "$name f $z theirs" "$img" "'$theirs' --tar=f --ungzip $common $zo '$img' <'$gz'"
		measure "$name f $z ours" "$img" "'$ours' --tar=f $common $zo '$img' <'$gz'"
		measure "$name f $z ours+fp" "$img" "'$ours' --tar=f $common $zo $fp '$img' <'$gz'"
	done
	measure "$name i none theirs" "$img" "'$theirs' --tar=i --ungzip $common '$img' <'$gz'"
	measure "$name i none ours" "$img" "'$ours' --tar=i $common '$img' <'$gz'"
	measure "$name i none ours+fp" "$img" "'$ours' --tar=i $common $fp '$img' <'$gz'"
	if [[ -x $old ]]; then
		for z in none lz4hc; do
			zo=""
			[[ $z == none ]] || zo=-z$z
			measure "$name old $z 1.5" "$img" "rm -rf '$work/tree' && mkdir '$work/tree' &&
				gzip -dc '$gz' | tar -x --numeric-owner -C '$work/tree' &&
				'$old' $zo '$img' '$work/tree' >/dev/null && rm -rf '$work/tree'"
		done
	fi
done

# --- the table ---------------------------------------------------------------------
python3 - "$results" "$workers" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    layer, mode, z, who, t, rss, cpu, size = line.split()
    rows[(layer, mode, z, who)] = (float(t), int(rss), float(cpu), int(size))
layers = list(dict.fromkeys(k[0] for k in rows))
def r(a, b):
    return f"{a / b:.2f}" if b else "-"
print(f"workers: {sys.argv[2]}; ratios are ours / theirs (lower is better); "
      "CPU = user + system seconds\n")
print("| layer | mode | who | wall s | CPU s | peak RSS MiB | image MiB "
      "| wall ratio | CPU ratio | RSS ratio | size ratio |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for layer in layers:
    for mode, z in (("f", "none"), ("f", "lz4hc"), ("i", "none"), ("old", "none"), ("old", "lz4hc")):
        for (l, m, zz, who), (t, rss, cpu, size) in rows.items():
            if (l, m, zz) != (layer, mode, z):
                continue
            ref = rows.get((layer, mode, z, "theirs"))
            if mode == "old":
                # the old way, against ours+fp with the same compression
                o = rows.get((layer, "f", z, "ours+fp"))
                ratios = [r(o[0], t), r(o[2], cpu), r(o[1], rss), r(o[3], size)] if o else ["-"] * 4
                who = "Debian 1.5 (ratios: ours+fp / this)"
            elif who == "theirs" or ref is None:
                ratios = ["-"] * 4
            else:
                ratios = [r(t, ref[0]), r(cpu, ref[2]), r(rss, ref[1]), r(size, ref[3])]
            label = "uncompressed" if z == "none" else z
            how = "tar -x, then mkfs" if m == "old" else f"--tar={m}"
            print(f"| {layer} | {how} {label} | {who} | {t:.1f} | {cpu:.1f} | {rss / 1024:.0f} | "
                  f"{size / 1048576:.1f} | " + " | ".join(ratios) + " |")
EOF
