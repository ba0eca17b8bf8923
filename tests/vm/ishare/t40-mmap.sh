# mmap through both mounts: exact bytes, the user's path in /proc/self/maps,
# MAP_PRIVATE copy-on-write that never reaches the shared cache.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 17

check "modprobe erofs" modprobe erofs
mmap_cases a.img b.img
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
