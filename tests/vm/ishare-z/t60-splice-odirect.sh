# sendfile/splice of compressed shared files read through the shared
# cache; O_DIRECT on a compressed file is EINVAL at open, as without
# sharing (z_erofs has no direct I/O), and caches nothing.
. /suite/lib.sh
. /suite/data/ish.sh
plan 16

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	mount_image $mode za.img /mnt/a domain_id=d1
	mount_image $mode zb.img /mnt/b domain_id=d1
	is "$mode: sendfile through B" "$(hash_of ishtool sendfile /mnt/b/shared/big2)" "$(want B shared/big2)"
	is "$mode: ... filled the shared cache A sees" "$(res /mnt/a/shared/big2)" 257/257
	ishtool fadvise /mnt/a/shared/big2 dontneed
	is "$mode: splice through A" "$(hash_of ishtool splice /mnt/a/shared/big2)" "$(want A shared/big2)"
	is "$mode: ... filled the shared cache B sees" "$(res /mnt/b/shared/big2)" 257/257
	is "$mode: sendfile of a small file" "$(hash_of ishtool sendfile /mnt/a/shared/t10000)" "$(want A shared/t10000)"
	is "$mode: O_DIRECT open is EINVAL" "$(rc ishtool dread /mnt/b/shared/big1)" 22
	is "$mode: nothing was cached by it" "$(res /mnt/a/shared/big1)" 0/1024
	umount_all
done
check "rmmod erofs" rmmod erofs
