# Compressed images: the files really are compressed, they read back
# exactly unshared (the native z_erofs entry points, now wrappers) and
# shared, they join, and O_DIRECT stays EINVAL as without sharing.
. /suite/lib.sh
. /suite/data/ish.sh
zc=0
[ -e /disk/zc.img ] && zc=2
plan $((30 + zc))

# compressed FILE: its blocks (i_blocks) are under 80% of its size
compressed() {
	[ $(($(stat -c %b "$1") * 512 * 10)) -lt $(($(stat -c %s "$1") * 8)) ]
}

check "modprobe erofs" modprobe erofs
is "counters start at zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages) $(sysc bytes_saved)" "0 0 0 0"
for mode in block file; do
	drop
	check "$mode: mount A unshared" mount_image $mode za.img /mnt/a
	check "$mode: big1 is compressed" compressed /mnt/a/shared/big1
	check "$mode: big2 is compressed" compressed /mnt/a/shared/big2
	check "$mode: onlyA is compressed" compressed /mnt/a/onlyA
	hashes_match "$mode: unshared A contents" /mnt/a A
	is "$mode: unshared files did not join" "$(sysc member_inodes)" 0
	is "$mode: unshared O_DIRECT open is EINVAL" "$(rc ishtool dread /mnt/a/shared/big1)" 22
	umount_all

	drop
	check "$mode: mount A and B shared" mount_pair $mode za.img /mnt/a zb.img /mnt/b domain_id=z
	cat /mnt/a/shared/big1 /mnt/b/shared/big1 >/dev/null
	is "$mode: compressed files joined" "$(sysc member_inodes)" 2
	hashes_match "$mode: shared A contents" /mnt/a A
	hashes_match "$mode: shared B contents" /mnt/b B
	is "$mode: all files joined (5 common x 2 + 2 own)" "$(sysc member_inodes)" 12
	is "$mode: shared O_DIRECT open is EINVAL" "$(rc ishtool dread /mnt/b/shared/big1)" 22
	umount_all
done
if [ -e /disk/zc.img ]; then
	for mode in block file; do
		mount_image $mode zc.img /mnt/c
		hashes_match "$mode: big pclusters + ztailpacking, unshared" /mnt/c B
		umount_all
	done
else
	diag "no big-pcluster image: mkfs.erofs++ has no -C/-E ztailpacking"
fi
check "no oops, no erofs error in the log" sh -c '! dmesg | grep -E "erofs.*(error|corrupt)|Oops|BUG"'
check "rmmod erofs" rmmod erofs
