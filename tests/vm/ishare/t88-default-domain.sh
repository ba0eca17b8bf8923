# The host-wide default domain (erofs.ishare_default_domain, issue 13): a
# runtime that mounts layers with only "ro", directly or through loop
# devices, gets sharing; an explicit domain_id wins; the value is root's
# secret; a change affects later mounts only.
. /suite/lib.sh
. /suite/data/ish.sh
plan 28

P=/sys/module/erofs/parameters/ishare_default_domain
check "modprobe erofs" modprobe erofs
umount_all
drop
check "unload erofs (shared inodes may still be cached)" rmmod erofs
check "load it with a default domain" modprobe erofs ishare_default_domain=hostwide-secret
is "the parameter is mode 0600" "$(stat -c %a $P)" 600
is "a user cannot read it" "$(rc ishtool readas 65534 $P)" 13
is "root can" "$(cat $P)" hostwide-secret

check "layer a: block device, ro only" mount_image block a.img /mnt/a ro
modprobe loop
dev=$(losetup -f)
check "layer b: a loop device over the image file" losetup -r "$dev" /ram/images/b.img
mkdir -p /mnt/b
check "... mounted with ro only" emount -t erofs -o ro "$dev" /mnt/b
is "both share" "$(grep -c ' erofs .*inode_share' /proc/mounts)" 2
check "dmesg: sharing on in the default domain" \
	sh -c 'dmesg | grep -q "page-cache sharing on (default domain)"'
cat /mnt/a/shared/big1 >/dev/null
is "a file read through a is resident through b" "$(res /mnt/b/shared/big1)" 1024/1024
is "b reads its own bytes" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
is "b's own file" "$(hash_of cat /mnt/b/onlyB)" "$(want B onlyB)"
check "an explicit domain_id mounts" mount_image file a.img /mnt/x domain_id=other
is "... and does not share with the default domain" "$(res /mnt/x/shared/big1)" 0/1024
is "the same device again without domain_id (default) mounts" \
	"$(rc mount_image block a.img /mnt/a2 ro)" 0

# a change affects later mounts only
echo newdomain >$P
is "the default changed" "$(cat $P)" newdomain
check "a mount after the change" mount_image file b.img /mnt/n ro
is "... is in the new domain" "$(res /mnt/n/shared/big1)" 0/1024
cat /mnt/a/shared/big2 >/dev/null
is "earlier mounts keep their domain" "$(res /mnt/b/shared/big2)" 257/257
echo >$P
is "cleared" "$(cat $P)" ""
check "a mount with no default" mount_image file b.img /mnt/z ro
check "... does not share" sh -c '! grep " /mnt/z " /proc/mounts | grep -q inode_share'
check "no domain in /proc/mounts or the kernel log" \
	sh -c '! grep -q -e hostwide -e newdomain /proc/mounts && ! dmesg | grep -q -e hostwide -e newdomain'

umount_all
losetup -d "$dev"
drop
check "unload erofs" rmmod erofs
check "load it again without options" modprobe erofs
is "the default is empty" "$(cat $P)" ""
