# mmap of compressed shared files through both mounts: exact bytes, the
# user's path in /proc/self/maps, MAP_PRIVATE copy-on-write that never
# reaches the shared cache, and page-wise faults (->read_folio with
# z_erofs readmore) from both mounts at once.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 23

# page_faults MODE: 3 checks, with A and B mounted
page_faults() {
	ishtool fadvise /mnt/a/shared/big1 dontneed
	ishtool randmap /mnt/a/shared/big1 7 >/tmp/rm.a &
	ishtool randmap /mnt/b/shared/big1 5 >/tmp/rm.b
	wait
	is "$1: page-wise faults through A, concurrently with B" "$(sha256sum </tmp/rm.a | cut -d' ' -f1)" "$(want A shared/big1)"
	is "$1: page-wise faults through B, concurrently with A" "$(sha256sum </tmp/rm.b | cut -d' ' -f1)" "$(want B shared/big1)"
	is "$1: all of big1 resident through both" "$(res /mnt/a/shared/big1) $(res /mnt/b/shared/big1)" "1024/1024 1024/1024"
}

check "modprobe erofs" modprobe erofs
mmap_cases za.img zb.img page_faults
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
