# mmap of compressed shared files through both mounts: exact bytes, the
# user's path in /proc/self/maps, MAP_PRIVATE copy-on-write that never
# reaches the shared cache, and page-wise faults (->read_folio with
# z_erofs readmore) from both mounts at once.
. /suite/lib.sh
. /suite/data/ish.sh
plan 23

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount A and B" mount_pair $mode za.img /mnt/a zb.img /mnt/b domain_id=d1
	is "$mode: mmap through B" "$(hash_of ishtool mapcat /mnt/b/shared/big1)" "$(want B shared/big1)"
	is "$mode: mmap through A" "$(hash_of ishtool mapcat /mnt/a/shared/big1)" "$(want A shared/big1)"
	is "$mode: mmap of a small file" "$(hash_of ishtool mapcat /mnt/a/shared/t10000)" "$(want A shared/t10000)"
	is "$mode: /proc/self/maps shows the user's path" "$(ishtool maps /mnt/b/shared/big2)" /mnt/b/shared/big2
	is "$mode: MAP_PRIVATE copy-on-write" "$(hash_of ishtool private /mnt/a/shared/big2)" "$(want A shared/big2)"
	is "$mode: shared cache untouched by the private writes" "$(hash_of cat /mnt/b/shared/big2)" "$(want B shared/big2)"
	ishtool fadvise /mnt/a/shared/big1 dontneed
	ishtool randmap /mnt/a/shared/big1 7 >/tmp/rm.a &
	ishtool randmap /mnt/b/shared/big1 5 >/tmp/rm.b
	wait
	is "$mode: page-wise faults through A, concurrently with B" "$(sha256sum </tmp/rm.a | cut -d' ' -f1)" "$(want A shared/big1)"
	is "$mode: page-wise faults through B, concurrently with A" "$(sha256sum </tmp/rm.b | cut -d' ' -f1)" "$(want B shared/big1)"
	is "$mode: all of big1 resident through both" "$(res /mnt/a/shared/big1) $(res /mnt/b/shared/big1)" "1024/1024 1024/1024"
	umount_all
done
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
