# Demo: mount images A and B without and with a shared domain_id, read
# every file of both, and compare the page cache each way.
# Lines passed to say() reach the host's terminal.
. /suite/lib.sh
plan 8
say() { diag "demo: $*"; }
kib() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
val() { awk -v k="$1" '$1 == k { print $2 }' /suite/data/ceiling; }
ctr() { cat "/sys/fs/erofs/ishare/$1"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# measure OPTS: mount both, walk the trees (directory blocks), then read
# every file; print "file_data_kib directories_kib buffers_kib" (KiB of
# page cache each step added; Buffers = metadata read through the bdev)
measure() {
	mount_image block a.img /mnt/a $1 && mount_image block b.img /mnt/b $1 || return 1
	sync
	echo 3 >/proc/sys/vm/drop_caches
	c0=$(kib Cached) b0=$(kib Buffers)
	find /mnt/a /mnt/b -type f >/tmp/files
	c1=$(kib Cached)
	xargs cat </tmp/files >/dev/null
	echo "$(($(kib Cached) - c1)) $((c1 - c0)) $(($(kib Buffers) - b0))"
}

check "modprobe erofs" modprobe erofs
say "module: erofs $(cat /sys/module/erofs/version)"

set -- $(measure "")
check "unshared: mounted and read" test $# -eq 3
unshared=$1 dirs_u=$2 meta_u=$3
check "unshared: no shared inodes" test "$(ctr shared_inodes)" -eq 0
emount -u /mnt/a; emount -u /mnt/b
echo 3 >/proc/sys/vm/drop_caches

set -- $(measure domain_id=demo)
check "shared: mounted with domain_id and read" test $# -eq 3
shared=$1 dirs_s=$2 meta_s=$3
members=$(ctr member_inodes) sinodes=$(ctr shared_inodes)
pages=$(ctr cached_pages) saved=$(ctr bytes_saved)
check "shared: every non-empty file joined" test "$members" -gt 0
grep -q domain_id /proc/mounts && fail "domain_id hidden from /proc/mounts" ||
	pass "domain_id hidden from /proc/mounts"
emount -u /mnt/a; emount -u /mnt/b
check "rmmod erofs" rmmod erofs

ceiling=$(val ceiling_pct)
saving=$(awk -v s="$shared" -v u="$unshared" 'BEGIN { printf "%.1f", 100 * (1 - s / u) }')
pshared=$(val pages_shared) punshared=$(val pages_unshared)
expect=$(awk -v s="$pshared" -v u="$punshared" 'BEGIN { printf "%.1f", 100 * (1 - s / u) }')
eff=$(awk -v m="$saving" -v c="$ceiling" 'BEGIN { printf "%.3f", m / c }')
check "measured saving within 2% of the page-exact expectation" \
	awk -v m="$saving" -v c="$expect" 'BEGIN { exit !(m >= c - 2 && m <= c + 2) }'

say ""
say "images: A $(val files_a) files $(mib $(($(val bytes_a) / 1024))) MiB, B $(val files_b) files $(mib $(($(val bytes_b) / 1024))) MiB"
say ""
say "                          unshared     shared"
say "  file data (MiB)       $(printf '%10s %10s' "$(mib $unshared)" "$(mib $shared)")"
say "  directories (MiB)     $(printf '%10s %10s' "$(mib $dirs_u)" "$(mib $dirs_s)")"
say "  metadata, bdev (MiB)  $(printf '%10s %10s' "$(mib $meta_u)" "$(mib $meta_s)")"
say ""
say "  saving:   $saving %   of file-data page cache (page-exact expectation: $expect %)"
say "  ceiling:  $ceiling %   (shared bytes / all bytes, BENCHMARKS.md)"
say "  efficiency: $eff measured / ceiling (target >= 0.98); $(awk -v m="$saving" -v c="$expect" 'BEGIN { printf "%.3f", m / c }') measured / page-exact"
say ""
say "  /sys/fs/erofs/ishare: shared_inodes=$sinodes member_inodes=$members cached_pages=$pages bytes_saved=$saved"
