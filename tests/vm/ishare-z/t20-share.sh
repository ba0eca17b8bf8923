# Sharing between two compressed images of one domain: residency through
# the other mount, contents, counters, and Cached rising by the unique
# content only.
. /suite/lib.sh
. /suite/data/ish.sh
plan 27

# pages: big1 1024, big2 257, t10000 3, small 1, rnd 64 (shared);
# onlyA, onlyB 256
shared_pages=1349
unique_kb=$(((shared_pages + 512) * 4))

# cached_rise MODE OPTS: Cached growth (kB) when every file of A and B is read
cached_rise() {
	{ umount_all; drop; } >/dev/null 2>&1
	c0=$(awk '/^Cached:/ { print $2 }' /proc/meminfo)
	mount_pair $1 za.img /mnt/a zb.img /mnt/b "$2" >&2
	cat $(find /mnt/a /mnt/b -type f) >/dev/null
	c1=$(awk '/^Cached:/ { print $2 }' /proc/meminfo)
	echo $((c1 - c0))
}

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount A and B" mount_pair $mode za.img /mnt/a zb.img /mnt/b domain_id=d1
	is "$mode: B's big1 not resident before any read" "$(res /mnt/b/shared/big1)" 0/1024
	cat /mnt/a/shared/big1 >/dev/null
	is "$mode: reading big1 through A makes it resident through B" "$(res /mnt/b/shared/big1)" 1024/1024
	is "$mode: ... and B reads its bytes" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
	hashes_match "$mode: A contents" /mnt/a A
	hashes_match "$mode: B contents" /mnt/b B
	is "$mode: shared inodes (5 common + 2 own)" "$(sysc shared_inodes)" 7
	is "$mode: member inodes (5 common x 2 + 2 own)" "$(sysc member_inodes)" 12
	is "$mode: pages in shared mappings" "$(sysc cached_pages)" $((shared_pages + 512))
	is "$mode: bytes saved = second opener's share" "$(sysc bytes_saved)" $((shared_pages * 4096))

	# no managed cache of compressed data: Cached is the decompressed bytes
	d=$(cached_rise $mode domain_id=d1,cache_strategy=disabled)
	diag "$mode: cache_strategy=disabled: Cached rose by $d kB; unique content $unique_kb kB, sum $(((2 * shared_pages + 512) * 4)) kB"
	ok=$([ $((d * 100)) -ge $((unique_kb * 98)) ] && [ $((d * 100)) -le $((unique_kb * 102)) ] && echo yes)
	is "$mode: Cached rises by the unique content (within 2%)" "$ok" yes
	# default strategy: plus some compressed pages in the managed caches
	d=$(cached_rise $mode domain_id=d1)
	u=$(cached_rise $mode ro)
	diag "$mode: default cache strategy: Cached rose by $d kB shared, $u kB unshared"
	is "$mode: sharing saves at least 3/4 of the shared content" \
		"$([ $((u - d)) -ge $((shared_pages * 3)) ] && echo yes)" yes
	umount_all
done
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages)" "0 0 0"
check "rmmod erofs" rmmod erofs
