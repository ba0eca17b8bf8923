# A file that is looked up but never read allocates nothing for sharing:
# inode fill keeps only its key's hash, and the key is made when the file
# joins.  Every file of a 3000-file image is stat()ed (ls -lR) by a task in
# a fresh memory cgroup, with the image mounted without a domain and then
# with one.  A key would be a GFP_KERNEL_ACCOUNT kmalloc, charged as
# unreclaimable slab (inodes and dentries are reclaimable slab); the
# sharing mount may be charged at most 16 bytes a file more.  (The module
# that made the key at inode fill was charged 404664 bytes here, against 0
# unshared: 135 bytes a file.)
. /suite/lib.sh
. /suite/data/ish.sh
plan 8

cg=/sys/fs/cgroup
mkdir -p $cg
mount -t cgroup2 none $cg 2>/dev/null
echo +memory >$cg/cgroup.subtree_control
in_cg() { sh -c 'echo $$ >'"$cg/$1"'/cgroup.procs && shift && exec "$@"' sh "$@"; }
# stat_in CGROUP DIR: the unreclaimable slab a new cgroup is charged for
# lstat() of everything under DIR
stat_in() {
	mkdir $cg/$1 &&
		in_cg "$1" ls -lR "$2" >/dev/null &&
		sleep 3 &&	# memcg statistics are flushed every 2 s
		awk '$1 == "slab_unreclaimable" { print $2 }' $cg/$1/memory.stat
}

check "modprobe erofs" modprobe erofs
drop
check "mount rand.img without a domain" mount_image block rand.img /mnt/r
off=$(stat_in L0 /mnt/r)
is "its 3000 files are there" "$(find /mnt/r -type f | wc -l)" 3000
umount_all
drop
check "mount it again in a domain" mount_image block rand.img /mnt/r domain_id=lk
on=$(stat_in L1 /mnt/r)
diag "unreclaimable slab charged for the lookups: $off bytes unshared, $on bytes sharing"
check "lookups allocate nothing for sharing (< 16 bytes a file more)" \
	test "$((on - off))" -lt $((3000 * 16))
is "... and make no shared inode" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
cat /mnt/r/* >/dev/null
is "reading them joins them" "$(sysc shared_inodes) $(sysc member_inodes)" "3000 3000"
umount_all
drop
check "rmmod erofs" rmmod erofs
