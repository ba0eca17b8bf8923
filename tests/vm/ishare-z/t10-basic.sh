# Compressed images: the files really are compressed, they read back
# exactly unshared (the native z_erofs entry points, now wrappers) and
# shared, they join, and O_DIRECT stays EINVAL as without sharing.
. /suite/lib.sh
. /suite/data/ish.sh
others=
for i in zsb zl zd zc z5 zc5; do
	if [ -e /disk/$i.img ]; then
		others="$others $i"
	else
		diag "no $i.img: this mkfs.erofs++ cannot make it"
	fi
done
plan $((30 + 2 * $(echo $others | wc -w)))

# compressed FILE [PERCENT]: its blocks (i_blocks) take less than PERCENT
# (80) of its size
compressed() {
	[ $(($(stat -c %b "$1") * 512 * 100)) -lt $(($(stat -c %s "$1") * ${2:-80})) ]
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
# the other compressed images of tree B: compressed, exact, unshared
for i in $others; do
	mount_image block $i.img /mnt/c
	# 512-byte pclusters compress text less well
	check "$i: big1 is stored compressed (< 95%)" compressed /mnt/c/shared/big1 95
	hashes_match "$i: contents, unshared" /mnt/c B
	umount_all
done
check "no oops, no erofs error in the log" sh -c '! dmesg | grep -E "erofs.*(error|corrupt)|Oops|BUG"'
check "rmmod erofs" rmmod erofs
