# Fingerprints wherever the format lets a writer put them: an xattr body
# that runs into the next metadata block, after another xattr, values of
# 64, 65 and 128 bytes (128 is the longest that shares), 129 and 3000
# bytes (not shared, with a warning).  The kernel reads the plain ones
# while it has the inode's block and asks erofs_getxattr() for the rest;
# either way equal fingerprints share and contents stay exact.
. /suite/lib.sh
. /suite/data/ish.sh
plan 28

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount both layouts in one domain" mount_pair $mode fpr1.img /mnt/x fpr2.img /mnt/y domain_id=d
	cat /mnt/x/* >/dev/null
	for f in cross lead v64 v65 v128; do
		is "$mode: $f shares" "$(res /mnt/y/$f)" 5/5
	done
	for f in v129 v3k; do
		is "$mode: $f (over 128 bytes) does not share" "$(res /mnt/y/$f)" 0/5
	done
	is "$mode: shared inodes" "$(sysc shared_inodes)" 5
	is "$mode: member inodes" "$(sysc member_inodes)" 10
	hashes_match "$mode: contents, special layout" /mnt/x fpr
	hashes_match "$mode: contents, plain layout" /mnt/y fpr
	check "$mode: the kernel log names the cap" sh -c 'dmesg | grep -q "fingerprint longer than 128 bytes, not shared"'
	umount_all
done
check "rmmod erofs" rmmod erofs
