# sendfile/splice read through the shared cache; O_DIRECT is served by the
# opener's own inode on block-device mounts and is EINVAL on file-backed
# mounts (as without sharing: the file-backed read path has no direct I/O).
. /suite/lib.sh
. /suite/data/ish.sh
plan 16

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	mount_image $mode a.img /mnt/a domain_id=d1
	mount_image $mode b.img /mnt/b domain_id=d1
	is "$mode: sendfile through B" "$(hash_of ishtool sendfile /mnt/b/shared/big2)" "$(want B shared/big2)"
	is "$mode: ... filled the shared cache A sees" "$(res /mnt/a/shared/big2)" 257/257
	ishtool fadvise /mnt/a/shared/big2 dontneed
	is "$mode: splice through A" "$(hash_of ishtool splice /mnt/a/shared/big2)" "$(want A shared/big2)"
	is "$mode: ... filled the shared cache B sees" "$(res /mnt/b/shared/big2)" 257/257
	is "$mode: sendfile of a tail-inline file" "$(hash_of ishtool sendfile /mnt/a/shared/t10000)" "$(want A shared/t10000)"
	case $mode in
	block)
		is "block: O_DIRECT read through B" "$(hash_of ishtool dread /mnt/b/shared/big1)" "$(want B shared/big1)"
		is "block: O_DIRECT bypassed the shared cache" "$(res /mnt/a/shared/big1)" 0/1024
		;;
	file)
		is "file: O_DIRECT open is EINVAL" "$(rc ishtool dread /mnt/b/shared/big1)" 22
		is "file: nothing was cached by it" "$(res /mnt/a/shared/big1)" 0/1024
		;;
	esac
	umount_all
done
check "rmmod erofs" rmmod erofs
