# Mount options and on-disk checks: domain_id/inode_share rules, dax,
# remount, secrecy of domain_id, images without the feature bit, sb byte
# 105 out of range, the sharing bdi's readahead.
. /suite/lib.sh
. /suite/data/ish.sh
plan 27

check "modprobe erofs" modprobe erofs
is "counters start at zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages) $(sysc bytes_saved)" "0 0 0 0"
for mode in block file; do
	is "$mode: inode_share without domain_id is EINVAL" \
		"$(rc mount_image $mode a.img /mnt/a inode_share)" 22
	is "$mode: domain_id with dax=always is EINVAL" \
		"$(rc mount_image $mode a.img /mnt/a domain_id=s3cr3tdom,dax=always)" 22
	is "$mode: empty domain_id is EINVAL" \
		"$(rc mount_image $mode a.img /mnt/a domain_id=)" 22
	is "$mode: ishare prefix id out of range is EFSCORRUPTED" \
		"$(rc mount_image $mode badid.img /mnt/a domain_id=d)" 117
done
check "dmesg names the bad prefix id" sh -c 'dmesg | grep -q "ishare xattr prefix id 3 out of range"'

# the shared files' readahead follows the largest sharing device's
disk=/sys/block/$(basename "$(readlink -f /disk/a.img)")/queue/read_ahead_kb
echo 512 >"$disk"
check "mount with inode_share,domain_id" mount_image block a.img /mnt/a inode_share,domain_id=s3cr3tdom
is "the sharing bdi took the device's 512 KiB readahead" "$(cat /sys/class/bdi/erofs_ishare-*/read_ahead_kb)" 512
echo 128 >"$disk"
check "/proc/mounts shows inode_share" grep -q "/mnt/a erofs .*inode_share" /proc/mounts
check "/proc/mounts never shows the domain" sh -c '! grep -q s3cr3t /proc/mounts'
check "remount cannot change the domain" sh -c '! mount -o remount,ro,domain_id=other /mnt/a'
check "remount keeping the domain works" mount -o remount,ro,domain_id=s3cr3tdom /mnt/a
check "remount without sharing options keeps sharing" sh -c 'mount -o remount,ro /mnt/a && grep -q "/mnt/a erofs .*inode_share" /proc/mounts'
cat /mnt/a/shared/small >/dev/null
is "a file joined its shared inode" "$(sysc member_inodes)" 1

check "mount an image without the feature bit, with domain_id" mount_image file plain.img /mnt/p domain_id=s3cr3tdom
check "it says it is not shared" sh -c 'dmesg | grep -q "no fingerprint xattrs: page cache not shared"'
check "no inode_share shown for it" sh -c '! grep -q "/mnt/p erofs .*inode_share" /proc/mounts'
check "remount cannot turn sharing on" sh -c '! mount -o remount,ro,domain_id=x /mnt/p'
cat /mnt/p/shared/* >/dev/null
is "its files did not join" "$(sysc member_inodes)" 1
check "sysfs names never show the domain" sh -c '! ls /sys/fs/erofs /sys/class/bdi | grep -q s3cr3t'
check "the kernel log never shows the domain" sh -c '! dmesg | grep -q s3cr3t'
umount_all
check "rmmod erofs" rmmod erofs
