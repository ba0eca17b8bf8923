# mmap through both mounts: exact bytes, the user's path in /proc/self/maps,
# MAP_PRIVATE copy-on-write that never reaches the shared cache.
. /suite/lib.sh
. /suite/data/ish.sh
plan 17

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount A and B" mount_pair $mode a.img /mnt/a b.img /mnt/b domain_id=d1
	is "$mode: mmap through B" "$(hash_of ishtool mapcat /mnt/b/shared/big1)" "$(want B shared/big1)"
	is "$mode: mmap through A" "$(hash_of ishtool mapcat /mnt/a/shared/big1)" "$(want A shared/big1)"
	is "$mode: mmap of a tail-inline file" "$(hash_of ishtool mapcat /mnt/a/shared/t10000)" "$(want A shared/t10000)"
	is "$mode: /proc/self/maps shows the user's path" "$(ishtool maps /mnt/b/shared/big2)" /mnt/b/shared/big2
	is "$mode: MAP_PRIVATE copy-on-write" "$(hash_of ishtool private /mnt/a/shared/big2)" "$(want A shared/big2)"
	is "$mode: shared cache untouched by the private writes" "$(hash_of cat /mnt/b/shared/big2)" "$(want B shared/big2)"
	umount_all
done
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
