# fadvise through one mount acts on the shared cache of compressed files
# that the other mount sees.
. /suite/lib.sh
. /suite/data/ish.sh
plan 14

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	mount_image $mode za.img /mnt/a domain_id=d1
	mount_image $mode zb.img /mnt/b domain_id=d1
	cat /mnt/a/shared/big1 >/dev/null
	is "$mode: read through A" "$(res /mnt/a/shared/big1)" 1024/1024
	check "$mode: fadvise DONTNEED through B" ishtool fadvise /mnt/b/shared/big1 dontneed
	is "$mode: A sees the pages gone" "$(res /mnt/a/shared/big1)" 0/1024
	check "$mode: fadvise WILLNEED through B" ishtool fadvise /mnt/b/shared/big1 willneed
	sleep 2
	n=$(res /mnt/a/shared/big1)
	diag "$mode: after WILLNEED through B, A sees $n"
	is "$mode: WILLNEED populated what A sees" "$([ "${n%/*}" -gt 0 ] && echo yes)" yes
	is "$mode: bytes" "$(hash_of cat /mnt/a/shared/big1)" "$(want A shared/big1)"
	umount_all
done
check "rmmod erofs" rmmod erofs
