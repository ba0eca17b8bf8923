# Stress (issue 15): checked readers of shared plain and lz4hc files in a
# small memory cgroup, against drop_caches, an icache churn over 100k paths
# and a member of the domain that is mounted and unmounted in a loop.
# Every read checks every byte it got (tests/vm/helpers/stress.c).
# Duration: kernel command line erofs_stress_secs=N, else STRESS_SECS on
# the host (host.sh writes it to /suite/data/secs), else 120 s.
. /suite/lib.sh
plan 26

SECS=$(sed -n 's/.*erofs_stress_secs=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$SECS" ] || SECS=$(cat /suite/data/secs 2>/dev/null || echo 120)
READERS_MAX=16M		# readers' memory.max: well below the 26 MiB of M
# stat churn's memory.high, far below its 100k inodes: reclaims their
# inodes and dentries inside the group.  Not memory.max: with a memory.max
# of 8M the churn was OOM-killed in the group with 7.7 MB of reclaimable
# slab (see Documentation/testing.md), which fails the run on its own.
CHURN_HIGH=8M
NREADERS=8		# readers of the four stable mounts
NVOL=2			# readers of the cycling mount
# (the readers run at nice 5, which leaves the stat churn CPU for its 100k paths)
NCHURN=2		# stat churn walkers
# Floors (low: a debug kernel under TCG is several times slower)
FLOOR_OPS=$((SECS / 6))		# checked reads per mode
FLOOR_CYCLES=$((SECS / 24))	# mount/umount cycles
FLOOR_DROPS=$((SECS / 12))	# drop_caches writes
FLOOR_STATS=102501		# as many lstat calls as the stat tree has paths
COVER=100/100			# ... and every subtree walked whole
# On the debug kernel (KASAN, lockdep) under TCG a cold lstat costs about
# 100 times more: 15008 lstat calls in 120 s on a loaded host, not one
# pass over the tree.  The churn is still there (its cgroup reclaims);
# only its floor is lower, and the coverage is reported, not judged.
if [ "$VM_KERNEL" = debug ]; then
	FLOOR_STATS=$((SECS * 50))
	COVER=
fi
L=/suite/data/files.list
D=domain_id=stress
CG=/sys/fs/cgroup

val() { awk -F= -v k="$2" '$1 == k { print $2 }' "$1"; }
atleast() {	# atleast DESC GOT FLOOR
	if [ -n "$2" ] && [ "$2" -ge "$3" ]; then
		pass "$1 ($2 >= $3)"
	else
		fail "$1"
		diag "got '$2', want at least $3"
	fi
}
cg_ev() { awk -v k=$2 '$1 == k { print $2 }' $CG/$1/memory.events; }
note() { diag "$*"; echo "erofs-stress: $*" >/dev/kmsg; }

mount_all() {
	mount_image block p.img /mnt/pb $D && mount_image file p.img /mnt/pf $D &&
		mount_image block z.img /mnt/zb $D && mount_image file z.img /mnt/zf $D &&
		mount_image block s.img /mnt/s $D
}
cgroups() {
	mkdir -p $CG && mount -t cgroup2 none $CG &&
		echo +memory >$CG/cgroup.subtree_control &&
		mkdir -p $CG/readers $CG/churn &&
		echo $READERS_MAX >$CG/readers/memory.max &&
		echo $CHURN_HIGH >$CG/churn/memory.high
}
umount_all() {
	for m in $(awk '$3 == "erofs" { print $2 }' /proc/mounts | sort -r); do
		emount -u "$m" || return 1
	done
}

note "duration $SECS s"
check "modprobe erofs" modprobe erofs
check "mount p.img and z.img, block and file, and s.img in one domain" mount_all
is "the stat tree has 102501 paths" "$(find /mnt/s | wc -l)" 102501
check "every byte of M through the 4 stable mounts" stress verify -l $L /mnt/pb /mnt/pf /mnt/zb /mnt/zf
check "cgroup2: readers (memory.max $READERS_MAX), churn (memory.high $CHURN_HIGH)" cgroups

# the cycling member: c.img and cp.img, each block and file, in turn
srcs="$(readlink -f /disk/c.img) /ram/images/cp.img /ram/images/c.img $(readlink -f /disk/cp.img)"
mkdir -p /mnt/c
sync
echo 3 >/proc/sys/vm/drop_caches
sh -c "echo \$\$ >$CG/readers/cgroup.procs && exec timeout -s KILL $((SECS + 180)) \
	stress readers -t $SECS -l $L -N 5 -n $NREADERS -v /mnt/c -V $NVOL \
	/mnt/pb /mnt/pf /mnt/zb /mnt/zf" >/tmp/readers.out 2>/tmp/readers.err &
rp=$!
timeout -s KILL $((SECS + 120)) stress cycle -t $SECS -l $L -m /mnt/c -o $D $srcs \
	>/tmp/cycle.out 2>/tmp/cycle.err &
cyp=$!
timeout -s KILL $((SECS + 120)) stress drop -t $SECS -i 200 >/tmp/drop.out 2>&1 &
dp=$!
sh -c "echo \$\$ >$CG/churn/cgroup.procs && exec timeout -s KILL $((SECS + 120)) \
	stress churn -t $SECS -n $NCHURN -r 4 /mnt/s" >/tmp/churn.out 2>/tmp/churn.err &
chp=$!
wait $rp; rrc=$?
wait $cyp; crc=$?
wait $dp; drc=$?
wait $chp; chrc=$?
for f in readers cycle drop churn; do
	echo "== $f"
	cat /tmp/$f.out
	if [ -s /tmp/$f.err ]; then
		head -n 40 /tmp/$f.err
		diag "$f said: $(head -n 10 /tmp/$f.err)"
	fi
done
r=/tmp/readers.out

is "readers exited cleanly" $rrc 0
is "readers: no wrong byte" "$(val $r mismatches)" 0
is "readers: no unexpected error" "$(val $r errors)" 0
is "readers: no hang, every process exited" "$(val $r hangs)/$(val $r bad_exits)" 0/0
for m in read mmap splice fadvise; do
	atleast "readers: checked $m operations" "$(val $r $m)" $FLOOR_OPS
done
atleast "readers of the cycling mount got through" "$(val $r volatile_ops)" 1
pgsteal=$(awk '$1 == "pgsteal" { print $2 }' $CG/readers/memory.stat)
atleast "the readers' cgroup reclaimed pages" "$pgsteal" 1
is "mount cycle: every byte right, no error" $crc 0
atleast "mount cycles" "$(val /tmp/cycle.out cycles)" $FLOOR_CYCLES
is "drop_caches loop exited cleanly" $drc 0
atleast "drop_caches writes" "$(val /tmp/drop.out drops)" $FLOOR_DROPS
is "stat churn: every byte right, no error" $chrc 0
atleast "stat churn: lstat calls" "$(val /tmp/churn.out stats)" $FLOOR_STATS
if [ -n "$COVER" ]; then
	is "stat churn: every subtree walked whole" "$(val /tmp/churn.out covered)" $COVER
else
	pass "stat churn: $(val /tmp/churn.out covered) subtrees walked whole (not judged on the debug kernel)"
fi
check "every byte of M through the 4 stable mounts, after" stress verify -l $L /mnt/pb /mnt/pf /mnt/zb /mnt/zf

note "figures: $SECS s; reads read=$(val $r read) mmap=$(val $r mmap)" \
	"splice=$(val $r splice) fadvise=$(val $r fadvise)" \
	"(of the cycling mount: $(val $r volatile_ops), vanished $(val $r vanished));" \
	"bytes checked $(val $r bytes); mismatches $(val $r mismatches)," \
	"errors $(val $r errors), hangs $(val $r hangs);" \
	"mount cycles $(val /tmp/cycle.out cycles) (lazy $(val /tmp/cycle.out lazy))" \
	"bytes $(val /tmp/cycle.out bytes); drops $(val /tmp/drop.out drops);" \
	"stat passes $(val /tmp/churn.out passes) lstat $(val /tmp/churn.out stats)" \
	"covered $(val /tmp/churn.out covered)" \
	"tiny reads $(val /tmp/churn.out tiny_reads); readers' cgroup pgsteal $pgsteal" \
	"refaults $(awk '$1 == "workingset_refault_file" { print $2 }' $CG/readers/memory.stat)" \
	"peak $(cat $CG/readers/memory.peak) max events $(cg_ev readers max);" \
	"churn cgroup peak $(cat $CG/churn/memory.peak) high events $(cg_ev churn high)"

check "unmount everything" umount_all
# unused shared inodes stay cached with their pages until reclaimed
echo 3 >/proc/sys/vm/drop_caches
is "no shared or member inode left after drop_caches" "$(cat /sys/fs/erofs/ishare/shared_inodes)/$(cat /sys/fs/erofs/ishare/member_inodes)" 0/0
check "modprobe -r erofs" modprobe -r erofs
