# Hardening (issue 11): a device mounted again with another domain, root-only
# counters, a hostile size under an honest fingerprint, IOCB_NOWAIT reads,
# shared page cache under a slab-only shrink and after unmount, and who a
# memory cgroup charges for shared pages.
. /suite/lib.sh
. /suite/data/ish.sh
plan 33

check "modprobe erofs" modprobe erofs

# --- one device, one domain --------------------------------------------------
check "block: mount a.img in domain d1" mount_image block a.img /mnt/a domain_id=d1
is "block: the same device with another domain is EBUSY" \
	"$(rc mount_image block a.img /mnt/a2 domain_id=d2)" 16
is "block: ... and without a domain too" "$(rc mount_image block a.img /mnt/a2)" 16
check "dmesg says why" sh -c 'dmesg | grep -q "already mounted with a different domain_id"'
check "block: the same device in the same domain mounts" mount_image block a.img /mnt/a2 domain_id=d1
is "block: ... and reads the same files" "$(hash_of cat /mnt/a2/shared/big2)" "$(want A shared/big2)"
check "file: the image file in domain d2" mount_image file a.img /mnt/f2 domain_id=d2
check "file: the image file in domain d1" mount_image file a.img /mnt/f1 domain_id=d1
cat /mnt/a/shared/big1 >/dev/null
is "file: d1's copy sees d1's cache" "$(res /mnt/f1/shared/big1)" 1024/1024
is "file: d2's copy does not" "$(res /mnt/f2/shared/big1)" 0/1024
umount_all
drop

# --- counters are root's ------------------------------------------------------
modes=$(for f in shared_inodes member_inodes cached_pages bytes_saved; do
	stat -c %a /sys/fs/erofs/ishare/$f; done | sort -u)
is "sysfs counters are mode 0400" "$modes" 400
is "a user cannot read them" "$(rc ishtool readas 65534 /sys/fs/erofs/ishare/bytes_saved)" 13

# --- a hostile size does not keep honest files from sharing -------------------
# iso.img's big2 claims A's big2 fingerprint with one more byte, and joins first
check "mount the hostile image first" mount_image block iso.img /mnt/i domain_id=d
cat /mnt/i/big2 >/dev/null
check "then the honest pair" mount_pair block a.img /mnt/a b.img /mnt/b domain_id=d
cat /mnt/a/shared/big2 >/dev/null
is "honest big2 shares between A and B" "$(res /mnt/b/shared/big2)" 257/257
is "honest big2's bytes" "$(hash_of cat /mnt/b/shared/big2)" "$(want B shared/big2)"
is "the hostile file's own bytes" "$(hash_of cat /mnt/i/big2)" "$(want iso big2)"
is "two shared inodes, two honest members and one hostile" \
	"$(sysc shared_inodes) $(sysc member_inodes)" "2 3"
umount_all
drop

# --- IOCB_NOWAIT never blocks in a join ---------------------------------------
mount_pair block a.img /mnt/a b.img /mnt/b domain_id=d
is "RWF_NOWAIT: EAGAIN before the file joined, data after" \
	"$(ishtool nowait /mnt/b/shared/t10000 /mnt/a/shared/t10000)" "EAGAIN 4096"

# --- slab-only shrink and unmount keep shared pages ---------------------------
drop
mount_image file a.img /mnt/u
cat /mnt/a/shared/big1 /mnt/u/shared/big1 >/dev/null
echo 2 >/proc/sys/vm/drop_caches
is "slab shrink: the members were evicted" "$(sysc member_inodes)" 0
su=$(res /mnt/u/shared/big1)
sh=$(res /mnt/b/shared/big1)
diag "slab-only shrink: resident shared $sh, unshared $su"
is "slab shrink: an unshared file keeps its pages" "$su" 1024/1024
is "slab shrink: shared pages stay resident like it" "$sh" 1024/1024
umount_all
is "after unmount the shared inodes stay cached" "$(sysc member_inodes) $(sysc shared_inodes)" "0 1"
check "... with their pages" test "$(sysc cached_pages)" -ge 1024
mount_image block b.img /mnt/b domain_id=d
is "a later member finds them" "$(res /mnt/b/shared/big1)" 1024/1024
umount_all
drop
is "drop_caches reclaims them" "$(sysc shared_inodes) $(sysc cached_pages)" "0 0"

# --- memory cgroups: the first reader is charged ------------------------------
cg=/sys/fs/cgroup
mkdir -p $cg
mount -t cgroup2 none $cg 2>/dev/null
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/A $cg/B
mount_pair file a.img /mnt/a b.img /mnt/b domain_id=d
in_cg() { sh -c 'echo $$ >'"$cg/$1"'/cgroup.procs && shift && exec "$@"' sh "$@"; }
a0=$(cat $cg/A/memory.current)
in_cg A cat /mnt/a/shared/big1 >/dev/null
a1=$(cat $cg/A/memory.current)
b0=$(cat $cg/B/memory.current)
hb=$(in_cg B sha256sum /mnt/b/shared/big1 | cut -d' ' -f1)
b1=$(cat $cg/B/memory.current)
diag "memcg: A grew by $((a1 - a0)) bytes, B by $((b1 - b0)) bytes for a 4 MiB file"
check "A, the first reader, is charged the 4 MiB" test $((a1 - a0)) -ge $((4 << 20))
check "B, reading it second, is not (< 512 KiB)" test $((b1 - b0)) -lt $((512 << 10))
is "B read the right bytes" "$hb" "$(want B shared/big1)"
echo $((3 << 20)) >$cg/A/memory.max
in_cg A cat /mnt/a/shared/big1 /mnt/a/shared/big2 /mnt/a/onlyA >/dev/null
check "A stays under its 3 MiB memory.max by reclaiming" test "$(cat $cg/A/memory.current)" -le $((3 << 20))
is "... and B still reads the right bytes" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
umount_all
drop
check "rmmod erofs" rmmod erofs
