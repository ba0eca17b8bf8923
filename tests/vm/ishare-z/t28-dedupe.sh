# An image whose identical files share their blocks (mkfs.erofs++ dedupe:
# D = A plus copy1 = big1 and copy2 = big2): unshared, two inodes use one
# pcluster set, also faulting it page by page at once; shared, the copies
# and the originals are members of one shared inode, with another image's
# members too.
. /suite/lib.sh
. /suite/data/ish.sh
plan 16

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount D unshared" mount_image $mode zdup.img /mnt/d
	hashes_match "$mode: unshared D contents" /mnt/d D
	ishtool randmap /mnt/d/copy1 3 >/tmp/d.1 &
	ishtool randmap /mnt/d/shared/big1 5 >/tmp/d.2
	wait
	is "$mode: page-wise faults of two inodes on one pcluster set" \
		"$(sha256sum </tmp/d.1 | cut -d' ' -f1) $(sha256sum </tmp/d.2 | cut -d' ' -f1)" \
		"$(want A shared/big1) $(want A shared/big1)"
	umount_all

	drop
	mount_image $mode zdup.img /mnt/d domain_id=dd
	mount_image $mode zb.img /mnt/b domain_id=dd
	cat /mnt/d/copy2 >/dev/null
	is "$mode: copy2 read: the original is resident" "$(res /mnt/d/shared/big2)" 257/257
	is "$mode: ... and so is B's big2" "$(res /mnt/b/shared/big2)" 257/257
	is "$mode: shared D contents" "$(hash_of cat /mnt/d/copy1) $(hash_of cat /mnt/d/shared/big2)" \
		"$(want A shared/big1) $(want A shared/big2)"
	hashes_match "$mode: all of D, shared" /mnt/d D
	umount_all
done
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
