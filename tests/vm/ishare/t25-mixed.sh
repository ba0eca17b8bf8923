# Mixed members: a block-device mount and a file-backed mount of one domain
# share one page cache.  Behaviour that holds: each miss is filled by the
# filling member's own read method (iomap for the block-device member, the
# file-backed path for the other), so both directions share.
. /suite/lib.sh
. /suite/data/ish.sh
plan 10

check "modprobe erofs" modprobe erofs
drop
check "mount A from its block device" mount_image block a.img /mnt/a domain_id=m
check "mount B file-backed" mount_image file b.img /mnt/b domain_id=m
cat /mnt/a/shared/big1 >/dev/null
is "filled through the block-device member, resident through B" "$(res /mnt/b/shared/big1)" 1024/1024
cat /mnt/b/shared/big2 >/dev/null
is "filled through the file-backed member, resident through A" "$(res /mnt/a/shared/big2)" 257/257
is "A's tail-inline file after B filled it" "$(hash_of cat /mnt/a/shared/t10000)" "$(want A shared/t10000)"
hashes_match "A contents" /mnt/a A
hashes_match "B contents" /mnt/b B
diag "mixed block-device and file-backed members share; each miss uses the filler's own read method"
umount_all
is "no members left" "$(sysc member_inodes)" 0
check "rmmod erofs" rmmod erofs
