#!/usr/bin/env bash
# Page-cache benchmark (BENCHMARKS.md sections 1 and 2) on real Debian pairs.
#
# usage: scripts/bench/pagecache.sh [--build DIR] [--apps "APP..."] [--kinds "KIND..."] [--passes N] [--cost-passes N] [--no-update]
#   --build DIR        build directory (default: build); caches under DIR/bench/
#   --apps "APP..."    apps to pair (default: "python3.11 nginx openssl")
#   --kinds "KIND..."  image kinds: plain (uncompressed), lz4hc (default: both)
#   --passes N         passes per sharing mode for each pair (default: 5)
#   --cost-passes N    rounds of the read-path cost per kind (default: 31)
#   --no-update        do not run `apt-get update` first
#
# Host side: debootstrap a minbase bookworm rootfs once (cached in
# DIR/bench/cache/), then for each app build two container-like trees: the
# base + the app's dependency closure, with the app's own packages (every
# binary of its source package) at version A (bookworm point release) or B
# (bookworm-security), found at run time with `apt-cache madison`.  Both are
# slimmed like Debian's slim images and built with mkfs.erofs++ and
# fingerprints, uncompressed ("plain") and with -zlz4hc ("lz4hc").  The
# guest (scripts/bench/pagecache/, run by scripts/vm/run.sh on virtio
# disks) measures Cached for every file read with and without a shared
# domain_id, and times the read paths.
set -euo pipefail

usage() { sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
apps="python3.11 nginx openssl"
kinds="plain lz4hc"
passes=5 cost_passes=31 update=1
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--apps) apps=${2:?}; shift 2 ;;
	--kinds) kinds=${2:?}; shift 2 ;;
	--passes) passes=${2:?}; shift 2 ;;
	--cost-passes) cost_passes=${2:?}; shift 2 ;;
	--no-update) update=0; shift ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done
[[ $passes =~ ^[1-9][0-9]*$ && $cost_passes =~ ^[1-9][0-9]*$ ]] || usage
for k in $kinds; do [[ $k == plain || $k == lz4hc ]] || usage; done
[[ -n ${kinds// /} ]] || usage
build=$(mkdir -p "$build" && cd "$build" && pwd)

say() { echo "pagecache: $*" >&2; }
die() { say "$*"; exit 1; }

mkfspp=$build/utils/mkfs.erofs++
inspect=$build/utils/inspect.erofs++
for t in "$mkfspp" "$inspect"; do
	[[ -x $t ]] || die "$t not built (run 'make utils')"
done
[[ -f $build/kmod/erofs.ko ]] || die "$build/kmod/erofs.ko not built (run 'make kmod')"
for t in debootstrap apt-get apt-cache dpkg-deb qemu-system-x86_64 sha256sum; do
	command -v "$t" >/dev/null || die "$t not installed (run 'make deps')"
done

cache=$build/bench/cache		# kept between runs: base rootfs, .debs
work=$build/bench/pagecache		# remade every run: trees, images, data
mkdir -p "$cache/debs"
rm -rf "$work"
mkdir -p "$work/trees" "$work/images" "$work/data"
t_start=$(date +%s)

# --- the mirror and the base rootfs ------------------------------------------------
# The first URI of the deb822 stanza (or one-line entry) that has plain bookworm.
mirror() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [[ -r $f ]]; then
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uri = ""; ok = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, u, " "); uri = u[2] }
				if ($i ~ /^Suites:/ && (" " $i " ") ~ / bookworm /) ok = 1
			}
			if (ok && uri != "") { print uri; exit }
		}' "$f"
	fi
	awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}

# Remove what Debian's slim images leave out (dpkg path-exclude there):
# documentation except copyright files, man and info pages, locales, plus
# apt's caches and lists and debootstrap's logs.
slim() {
	local r=$1
	find "$r/usr/share/doc" -mindepth 1 \( -type d -o -name copyright \) -prune -o -print0 2>/dev/null |
		xargs -0 -r rm -f
	find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
	rm -rf "$r"/usr/share/{man,info,groff,lintian,linda}/* "$r"/usr/share/locale/* \
		"$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin \
		"$r"/var/lib/apt/lists/* "$r"/var/cache/debconf/*-old \
		"$r"/var/log/bootstrap.log "$r"/var/log/dpkg.log "$r"/var/log/apt/*
}

base=$cache/minbase-bookworm
if [[ ! -f $base/.complete ]]; then
	m=$(mirror | head -n1)
	[[ -n $m ]] || die "no bookworm mirror in /etc/apt/sources.list.d/debian.sources"
	(($(id -u) == 0)) || die "debootstrap needs root"
	say "debootstrap --variant=minbase bookworm from $m (cached in $base)"
	rm -rf "$base" "$base.tmp"
	# its mounts (/proc, /sys in the target) stay in a private namespace
	unshare --mount --propagation private --fork -- \
		debootstrap --variant=minbase bookworm "$base.tmp" "$m" >"$cache/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $cache/debootstrap.log"
	slim "$base.tmp"
	touch "$base.tmp/.complete"
	mv "$base.tmp" "$base"
fi

if ((update && $(id -u) == 0)); then
	say "apt-get update (the versions are discovered at run time)"
	apt-get update -qq || die "apt-get update failed"
fi

# --- package versions and the dependency closure ---------------------------------
# Version of PKG in exactly SUITE (bookworm, bookworm-security, ...).
suite_ver() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' -v s="$2/" '
		{ gsub(/ /, "", $2); n = split($3, a, " "); if (n >= 2 && index(a[2], s) == 1) { print $2; exit } }'
}
source_of() {	# PKG VER
	apt-cache show --no-all-versions "$1=$2" 2>/dev/null |
		awk -v p="$1" '/^Source:/ { print $2; found = 1; exit } END { if (!found) print p }'
}
# What apt would install on the base for PKG: "name version" lines.
closure() {
	apt-get -s -o Dir::State::status="$base/var/lib/dpkg/status" \
		-o APT::Install-Recommends=0 install "$1" 2>&1 |
		awk '$1 == "Inst" { v = ($3 ~ /^\[/) ? $4 : $3; sub(/^\(/, "", v); print $2, v }'
}
deb_of() {	# PKG VER -> cached .deb path (downloaded once)
	local f
	f=$(compgen -G "$cache/debs/${1}_${2//:/%3a}_*.deb" | head -n1 || true)
	if [[ -z $f ]]; then
		(cd "$cache/debs/" && apt-get download -q -o APT::Sandbox::User=root "$1=$2" >/dev/null 2>&1) ||
			return 1
		f=$(compgen -G "$cache/debs/${1}_${2//:/%3a}_*.deb" | head -n1 || true)
	fi
	[[ -n $f ]] && echo "$f"
}

# Unpack a .deb into a tree and register it in the tree's dpkg database (as
# an image built by apt would: status stanza, .list and .md5sums).  Not
# `dpkg-deb -x`: it replaces the base's merged-usr `lib -> usr/lib` link by
# a directory, and no program starts in the tree (see debtree.sh).
install_deb() {
	local deb=$1 r=$2 pkg ma name
	dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$r"
	pkg=$(dpkg-deb -f "$deb" Package)
	ma=$(dpkg-deb -f "$deb" Multi-Arch || true)
	name=$pkg
	[[ $ma == same ]] && name=$pkg:$(dpkg-deb -f "$deb" Architecture)
	awk -v p="$pkg" 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ ("^Package: " p "\n") ' \
		"$r/var/lib/dpkg/status" >"$r/var/lib/dpkg/status.new"
	dpkg-deb -f "$deb" | awk '{ print } /^Package:/ { print "Status: install ok installed" }' \
		>>"$r/var/lib/dpkg/status.new"
	echo >>"$r/var/lib/dpkg/status.new"
	mv "$r/var/lib/dpkg/status.new" "$r/var/lib/dpkg/status"
	dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||; s|^$|/.|' \
		>"$r/var/lib/dpkg/info/$name.list"
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./md5sums >"$r/var/lib/dpkg/info/$name.md5sums" 2>/dev/null ||
		rm -f "$r/var/lib/dpkg/info/$name.md5sums"
}

# Per-tree facts the ceiling script does not give: non-empty regular
# inodes (members expected to join) and their bytes (hard links once, as
# the page cache and the image see them), distinct non-empty contents over
# both trees (shared inodes expected), and empty files (never shared).
tree_facts() {	# A B
	local d tmp
	tmp=$(mktemp -d)
	for d in A:"$1" B:"$2"; do
		(cd "${d#*:}" && find . -type f -printf '%p\n' | LC_ALL=C sort >"$tmp/names"
			tr '\n' '\0' <"$tmp/names" | xargs -0 -r sha256sum | cut -c1-64 >"$tmp/sums"
			tr '\n' '\0' <"$tmp/names" | xargs -0 -r stat -c '%s %i' >"$tmp/stats"
			paste -d' ' "$tmp/sums" "$tmp/stats" | sed "s/^/${d%%:*} /")
	done | awk '
		$3 > 0 && !ino[$1 " " $4]++ { members++; ibytes[$1] += $3 }
		$3 > 0 && !seen[$2]++ { distinct++ }
		$3 == 0 { empty[$1]++ }
		END {
			printf "members %d\ndistinct %d\nempty_a %d\nempty_b %d\n", members, distinct, empty["A"], empty["B"]
			printf "inode_bytes_a %d\ninode_bytes_b %d\n", ibytes["A"], ibytes["B"]
		}'
	rm -rf "$tmp"
}

: >"$work/data/pairs"
n=0
declare -A first_of	# kind -> image A of its first pair
for app in $apps; do
	va=$(suite_ver "$app" bookworm)
	vb=$(suite_ver "$app" bookworm-security)
	if [[ -z $va || -z $vb || $va == "$vb" ]]; then
		say "$app: skipped, no bookworm vs bookworm-security version pair (bookworm '${va:-none}', security '${vb:-none}')"
		continue
	fi
	src=$(source_of "$app" "$vb")
	mapfile -t inst < <(closure "$app=$vb")
	if ((${#inst[@]} == 0)); then
		say "$app: skipped, apt cannot resolve $app=$vb on the base"
		continue
	fi
	# Every binary of the app's source package is pinned to A or B; the
	# rest of the closure is the same in both trees.
	debs_a=() debs_b=() ok=1 apppkgs=()
	for line in "${inst[@]}"; do
		read -r p v <<<"$line"
		if [[ $(source_of "$p" "$v") == "$src" ]]; then
			pa=$(suite_ver "$p" bookworm) pb=$(suite_ver "$p" bookworm-security)
			if [[ -z $pa || -z $pb ]]; then
				say "$app: skipped, $p has no version in both suites"
				ok=0
				break
			fi
			if ! fa=$(deb_of "$p" "$pa") || ! fb=$(deb_of "$p" "$pb"); then
				say "$app: skipped, cannot download $p=$pa / $pb"
				ok=0
				break
			fi
			debs_a+=("$fa") debs_b+=("$fb") apppkgs+=("$p")
		else
			f=$(deb_of "$p" "$v") || { say "$app: skipped, cannot download $p=$v"; ok=0; break; }
			debs_a+=("$f") debs_b+=("$f")
		fi
	done
	((ok)) || continue
	say "$app: A $va, B $vb ($src: ${apppkgs[*]}); closure ${#inst[@]} packages"
	for s in a b; do
		r=$work/trees/$app.$s
		cp -a "$base" "$r"
		rm -f "$r/.complete"
		if [[ $s == a ]]; then
			for f in "${debs_a[@]}"; do install_deb "$f" "$r"; done
		else
			for f in "${debs_b[@]}"; do install_deb "$f" "$r"; done
		fi
		slim "$r"
		# runnable as a container root: the loader's link resolves
		[[ -e $r/lib64/ld-linux-x86-64.so.2 && -L $r/lib ]] ||
			die "$app.$s: /lib64/ld-linux-x86-64.so.2 dangles in $r"
	done
	facts=$work/data/$app.tree-facts
	{
		echo "app $app"
		echo "src $src"
		echo "ver_a $va"
		echo "ver_b $vb"
		"$top/scripts/demo/ceiling.sh" "$work/trees/$app.a" "$work/trees/$app.b"
		tree_facts "$work/trees/$app.a" "$work/trees/$app.b"
	} >"$facts"
	# One pair of images per kind; the page cache holds the same
	# decompressed pages for both kinds, so the ceilings are the same.
	for kind in $kinds; do
		n=$((n + 1))
		name=$app
		opt=()
		[[ $kind == plain ]] || { name=$app-$kind; opt=(-z"$kind"); }
		for s in a b; do
			"$mkfspp" --quiet "${opt[@]}" --ishare_key=trusted.erofs.fingerprint \
				"$work/images/$n$s-$name.img" "$work/trees/$app.$s"
		done
		{
			cat "$facts"
			echo "kind $kind"
			"$inspect" --overlap "$work/images/${n}a-$name.img" "$work/images/${n}b-$name.img" --json |
				tr -d '\n' | sed 's/^/overlap_json /'
			echo
			echo "img_a_bytes $(stat -c %s "$work/images/${n}a-$name.img")"
			echo "img_b_bytes $(stat -c %s "$work/images/${n}b-$name.img")"
		} >"$work/data/$name.facts"
		echo "$name ${n}a-$name.img ${n}b-$name.img" >>"$work/data/pairs"
		[[ -n ${first_of[$kind]:-} ]] || first_of[$kind]=${n}a-$name.img
	done
done
((n)) || die "no app had a version pair; nothing to measure"
# the guest attaches at most 16 disks: two per pair, one twin per kind
((2 * n + $(wc -w <<<"$kinds") <= 16)) || die "too many pairs ($n) for 16 disks"
echo "$passes" >"$work/data/passes"
echo "$cost_passes" >"$work/data/cost-passes"
# The read-path cost runs, for each kind, on image A of the kind's first
# pair, attached twice (a hard link under a second name) so that it can be
# mounted with and without domain_id at the same time.
: >"$work/data/cost-image"
for kind in $kinds; do
	first=${first_of[$kind]:-}
	[[ -n $first ]] || continue
	ln "$work/images/$first" "$work/images/zz-twin-$first"
	echo "$kind $first zz-twin-$first" >>"$work/data/cost-image"
done
say "host side done in $(($(date +%s) - t_start)) s; booting the guest"

# --- the guest ---------------------------------------------------------------------
set +e
BENCH_DIR=$work "$top/scripts/vm/run.sh" --build "$build" "$top/scripts/bench/pagecache" \
	>"$work/vm.log" 2>&1
rc=$?
set -e
tap=$build/vm/pagecache/tap.log
if ((rc)); then
	cat "$work/vm.log" >&2
	die "the guest run failed (logs in $build/vm/pagecache)"
fi
cp "$tap" "$work/tap.log"
python3 "$top/scripts/bench/pagecache-report.py" "$work/data" "$work/tap.log" | tee "$work/report.txt"
say "done in $(($(date +%s) - t_start)) s"
