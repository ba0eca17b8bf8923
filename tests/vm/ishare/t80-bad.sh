# Bad input: empty and oversized fingerprints, files without one, an xattr
# entry claiming more bytes than its inode's xattr body has, and an image
# whose fingerprint name no file carries.  None of them shares, all read
# back exactly, no oops.  (Prefix id out of range: t10-options.)
. /suite/lib.sh
. /suite/data/ish.sh
plan 24

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	check "$mode: mount bad fingerprints and good ones" mount_pair $mode bad.img /mnt/x bad2.img /mnt/y domain_id=d
	cat /mnt/x/* >/dev/null
	is "$mode: empty fingerprint does not share" "$(res /mnt/y/empty)" 0/2
	is "$mode: oversized fingerprint does not share" "$(res /mnt/y/big)" 0/2
	is "$mode: no fingerprint does not share" "$(res /mnt/y/nofp)" 0/2
	is "$mode: overrunning fingerprint entry does not share" "$(res /mnt/y/overrun)" 0/2
	is "$mode: a good fingerprint still shares" "$(res /mnt/y/good)" 2/2
	hashes_match "$mode: bad fingerprints read back exactly" /mnt/x bad
	umount_all
	check "$mode: warned about the empty one" sh -c 'dmesg | grep -q "empty fingerprint, not shared"'
	check "$mode: warned about the oversized one" sh -c 'dmesg | grep -q "fingerprint longer than 128 bytes, not shared"'
	check "$mode: warned about the corrupt one" sh -c 'dmesg | grep -q "cannot read fingerprint (-117), not shared"'

	drop
	mount_image $mode b.img /mnt/b domain_id=d
	mount_image $mode noname.img /mnt/n domain_id=d
	hashes_match "$mode: image whose fingerprint name no file carries reads exactly" /mnt/n B
	umount_all
done
check "rmmod erofs" rmmod erofs
