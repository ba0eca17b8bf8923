# Sharing between two images of one domain: residency through the other
# mount, contents, counters, and Cached rising by the unique content only.
. /suite/lib.sh
. /suite/data/ish.sh
plan 29

# pages: big1 1024, big2 257, t10000 3, small 1 (shared); onlyA, onlyB 256
shared_pages=1285
unique_kb=$(((shared_pages + 512) * 4))

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount A" mount_image $mode a.img /mnt/a domain_id=d1
	check "$mode: mount B" mount_image $mode b.img /mnt/b domain_id=d1
	is "$mode: B's big1 not resident before any read" "$(res /mnt/b/shared/big1)" 0/1024
	cat /mnt/a/shared/big1 >/dev/null
	is "$mode: reading big1 through A makes it resident through B" "$(res /mnt/b/shared/big1)" 1024/1024
	hashes_match "$mode: A contents" /mnt/a A
	hashes_match "$mode: B contents" /mnt/b B
	is "$mode: shared inodes (4 common + 2 own)" "$(sysc shared_inodes)" 6
	is "$mode: member inodes (4 common x 2 + 2 own)" "$(sysc member_inodes)" 10
	is "$mode: pages in shared mappings" "$(sysc cached_pages)" $((shared_pages + 512))
	is "$mode: bytes saved = second opener's share" "$(sysc bytes_saved)" $((shared_pages * 4096))
	umount_all
	drop
	c0=$(awk '/^Cached:/ { print $2 }' /proc/meminfo)
	mount_image $mode a.img /mnt/a domain_id=d1
	mount_image $mode b.img /mnt/b domain_id=d1
	cat $(find /mnt/a /mnt/b -type f) >/dev/null
	c1=$(awk '/^Cached:/ { print $2 }' /proc/meminfo)
	d=$((c1 - c0))
	diag "$mode: Cached rose by $d kB; unique content $unique_kb kB, sum $(((2 * shared_pages + 512) * 4)) kB"
	ok=$([ $((d * 100)) -ge $((unique_kb * 98)) ] && [ $((d * 100)) -le $((unique_kb * 102)) ] && echo yes)
	is "$mode: Cached rises by the unique content (within 2%)" "$ok" yes
	umount_all
done
# On-disk compatibility: an image from our independent Python writer shares
# with the mkfs.erofs++ image of the same content.
drop
check "mount A (mkfs.erofs++)" mount_image block a.img /mnt/a domain_id=x
check "mount B (mkishare.py)" mount_image block pyb.img /mnt/b domain_id=x
cat /mnt/a/shared/big2 >/dev/null
is "B's big2 resident after reading A's" "$(res /mnt/b/shared/big2)" 257/257
hashes_match "B (mkishare.py) contents" /mnt/b B
umount_all
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages)" "0 0 0"
check "rmmod erofs" rmmod erofs
