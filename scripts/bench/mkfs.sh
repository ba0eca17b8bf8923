#!/usr/bin/env bash
# Image builder and verifier benchmark against erofs-utils 1.9.3 (issue 14).
#
# usage: scripts/bench/mkfs.sh [--build DIR] [--peer PREFIX] [--tree DIR] [--runs N] [--workers N] [--no-disk]
#   --build DIR    build directory holding utils/mkfs.erofs++ (default: build)
#   --peer PREFIX  erofs-utils 1.9.3 prefix (default: $EROFS_PEER_PREFIX, else
#                  /opt/erofs-utils-1.9.3, else built from ../shared/peers/ into
#                  DIR/bench/erofs-utils-1.9.3 by its build script)
#   --tree DIR     source tree (default: a >= 400 MB copy of system folders on tmpfs)
#   --runs N       paired runs per row; medians are reported (default: 5)
#   --workers N    worker threads, the same for both tools (default: 2)
#   --no-disk      leave out the rows with the image on disk
#
# Each row runs both tools alternately (the order flips every pass), output on
# tmpfs: plain, fingerprints (--xattr-inode-digest on both sides), -zlz4hc,
# -zlz4hc with fingerprints, -zzstd; then the plain and -zlz4hc rows with the
# image on disk under DIR/bench/mkfs, and the time each tool spends in
# fsync/fdatasync (one more run under strace, not timed); then
# `inspect.erofs++ --fsck --verify-fingerprints` against
# `fsck.erofs --xattr-inode-digest` on the same image.  Wall time, CPU time
# (user + system) and peak RSS from /usr/bin/time, image size from stat;
# prints a Markdown table of medians and ratios ours / theirs.
# Targets: time <= 0.7x (verify <= 0.5x), peak memory <= 1.0x.
set -euo pipefail

usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
peer=${EROFS_PEER_PREFIX:-}
tree=""
runs=5 workers=2 disk=1
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--peer) peer=${2:?}; shift 2 ;;
	--tree) tree=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--workers) workers=${2:?}; shift 2 ;;
	--no-disk) disk=0; shift ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done
[[ $workers =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || usage
say() { echo "mkfs.sh: $*" >&2; }
die() { say "$*"; exit 1; }

build=$(mkdir -p "$build" && cd "$build" && pwd)
mkfspp=$build/utils/mkfs.erofs++
inspect=$build/utils/inspect.erofs++
for t in "$mkfspp" "$inspect"; do
	[[ -x $t ]] || die "$t not built (run 'make utils')"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not installed (package time)"
command -v strace >/dev/null || say "no strace: the fdatasync column is left empty"

# --- the peer ----------------------------------------------------------------------
if [[ -z $peer ]]; then
	peer=/opt/erofs-utils-1.9.3
	if [[ ! -x $peer/bin/mkfs.erofs ]]; then
		peer=$build/bench/erofs-utils-1.9.3
		script=$top/../shared/peers/build-erofs-utils.sh
		if [[ ! -x $peer/bin/mkfs.erofs ]]; then
			[[ -f $script ]] || die "no erofs-utils 1.9.3: neither /opt/erofs-utils-1.9.3 nor $script"
			say "building erofs-utils 1.9.3 into $peer (about two minutes)"
			bash "$script" "$peer" >&2
		fi
	fi
fi
theirs=$peer/bin/mkfs.erofs
theirs_fsck=$peer/bin/fsck.erofs
[[ -x $theirs && -x $theirs_fsck ]] || die "no $theirs or $theirs_fsck"
"$theirs" --version 2>&1 | grep -q 1.9.3 || die "$theirs is not erofs-utils 1.9.3"

work=$(mktemp -d /dev/shm/erofs-bench.XXXXXX)
dwork=$build/bench/mkfs
trap 'rm -rf "$work" "$dwork"' EXIT
mkdir -p "$dwork"

make_tree() {
	local dst=$1 src
	mkdir -p "$dst"
	for src in /usr/lib/python3* /usr/share/perl /usr/include /usr/share/perl5 /usr/share/vim \
		/usr/share/cmake-* /usr/share/i18n /usr/share/icons /usr/share/locale /usr/lib/x86_64-linux-gnu/perl*; do
		[[ -d $src ]] || continue
		cp -a "$src" "$dst/$(echo "$src" | tr / _)"
		(( $(du -sm "$dst" | cut -f1) >= 400 )) && return 0
	done
	say "only $(du -sm "$dst" | cut -f1) MB of system folders found; need 400"
	return 1
}
if [[ -z $tree ]]; then
	tree=$work/tree
	make_tree "$tree"
fi
files=$(find "$tree" -type f | wc -l)
entries=$(find "$tree" | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
say "tree: $tree, $entries entries, $files files, $((bytes / 1048576)) MiB of file data; $(nproc) CPUs, $workers workers, $runs paired runs"

common="-T 0 -U 11111111-2222-3333-4444-555555555555 --workers=$workers --quiet"
fp=--xattr-inode-digest=trusted.erofs.fingerprint
results=$work/results
: >"$results"

# run1 OUT CMD: one timed run; appends "wall cpu rss_kb" to OUT.
run1() {
	local out=$1 cmd=$2 tv=$work/time.out
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tv" bash -c "$cmd" >"$work/cmd.log" 2>&1; then
		cat "$work/cmd.log" >&2
		die "failed: $cmd"
	fi
	awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$tv" >>"$out"
}

# sync_time CMD: seconds CMD spends in fsync/fdatasync, from one extra run
# under strace (not a timed run: tracing slows the tools down, unequally).
sync_time() {
	local st=$work/strace.out
	command -v strace >/dev/null || { echo -; return; }
	strace -f --seccomp-bpf -qq -o "$st" -T -e trace=fsync,fdatasync bash -c "$1" >/dev/null 2>&1 ||
		{ say "failed under strace: $1"; echo -; return; }
	{ grep -o '<[0-9.]*>' "$st" || true; } | tr -d '<>' | awk '{s += $1} END {printf "%.3f", s}'
}

median() {  # median FILE COLUMN
	sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'
}

# compare ROW OURS_CMD THEIRS_CMD OURS_IMG THEIRS_IMG
compare() {
	local row=$1 oc=$2 tc=$3 oi=$4 ti=$5 i
	: >"$work/o" ; : >"$work/t"
	for ((i = 0; i < runs; i++)); do
		rm -f "$oi" "$ti"
		if ((i % 2)); then run1 "$work/t" "$tc"; run1 "$work/o" "$oc"
		else run1 "$work/o" "$oc"; run1 "$work/t" "$tc"; fi
	done
	local so=- st=- yo=- yt=-
	[[ -f $oi ]] && so=$(stat -c %s "$oi")
	[[ -f $ti ]] && st=$(stat -c %s "$ti")
	if [[ $oi == "$dwork"/* ]]; then
		rm -f "$oi" "$ti"
		yo=$(sync_time "$oc")
		yt=$(sync_time "$tc")
	fi
	echo "$row|$(median "$work/o" 1) $(median "$work/o" 2) $(median "$work/o" 3) $yo $so|$(median "$work/t" 1) $(median "$work/t" 2) $(median "$work/t" 3) $yt $st" >>"$results"
	say "$row: ours $(median "$work/o" 1) s, theirs $(median "$work/t" 1) s"
}

row() {  # row NAME DIR "OUR OPTIONS" "THEIR OPTIONS"
	local name=$1 dir=$2 oo=$3 to=$4
	compare "$name" "$mkfspp $common $oo $dir/ours.img $tree" "$theirs $common $to $dir/theirs.img $tree" \
		"$dir/ours.img" "$dir/theirs.img"
}

row "plain" "$work" "" ""
row "fingerprints" "$work" "$fp" "$fp"
row "-zlz4hc" "$work" "-zlz4hc" "-zlz4hc"
row "-zlz4hc fingerprints" "$work" "-zlz4hc $fp" "-zlz4hc $fp"
row "-zzstd" "$work" "-zzstd" "-zzstd"
if ((disk)); then
	row "plain, on disk" "$dwork" "" ""
	row "-zlz4hc, on disk" "$dwork" "-zlz4hc" "-zlz4hc"
fi
rm -f "$dwork"/*.img

# The verifier, both on the same image (made by mkfs.erofs++ with fingerprints).
"$mkfspp" $common $fp "$work/fp.img" "$tree"
compare "verify fingerprints" "$inspect --fsck --verify-fingerprints --workers=$workers $work/fp.img" \
	"$theirs_fsck --xattr-inode-digest $work/fp.img" "$work/none" "$work/none"

python3 - "$results" <<'EOF'
import sys
print("| row | ours s | theirs s | time | ours CPU s | theirs CPU s | CPU | ours RSS MiB | theirs RSS MiB "
      "| RSS | sync s ours/theirs | ours bytes | theirs bytes | size |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
for line in open(sys.argv[1]):
    row, o, t = line.rstrip("\n").split("|")
    ow, oc, orss, osync, osz = o.split()
    tw, tc, trss, tsync, tsz = t.split()
    r = lambda a, b: f"{float(a) / float(b):.2f}" if float(b) else "-"
    sync = "-" if osync == "-" else f"{osync} / {tsync}"
    size = r(osz, tsz) if osz != "-" and tsz != "-" else "-"
    print(f"| {row} | {float(ow):.2f} | {float(tw):.2f} | {r(ow, tw)} | {float(oc):.2f} | {float(tc):.2f} | "
          f"{r(oc, tc)} | {int(orss) / 1024:.0f} | {int(trss) / 1024:.0f} | {r(orss, trss)} | {sync} | "
          f"{osz} | {tsz} | {size} |")
EOF
echo
echo "targets: time <= 0.70x (verify <= 0.50x), peak RSS <= 1.00x; medians of $runs paired runs, $workers workers"
