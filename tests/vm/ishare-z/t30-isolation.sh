# Isolation with compressed members: no sharing across domains, without a
# domain, with one side unshared, for an equal fingerprint of another size,
# and for the key ambiguity pair.  Contents stay correct.
. /suite/lib.sh
. /suite/data/ish.sh
plan 31

# pair MODE DESC OPTS_A OPTS_B: read big1 through A, B must not see it
pair() {
	drop
	mount_image $1 za.img /mnt/a "$3" && mount_image $1 zb.img /mnt/b "$4" ||
		diag "mount failed"
	cat /mnt/a/shared/big1 >/dev/null
	is "$1: $2: not resident through B" "$(res /mnt/b/shared/big1)" 0/1024
	is "$1: $2: B's bytes" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
	umount_all
}

check "modprobe erofs" modprobe erofs
for mode in block file; do
	pair $mode "different domains" domain_id=d1 domain_id=d2
	pair $mode "no domain" ro ro
	pair $mode "A without domain" ro domain_id=d1
	pair $mode "B without domain" domain_id=d1 ro

	# a compressed big2 and an uncompressed file with its fingerprint
	drop
	mount_image $mode za.img /mnt/a domain_id=d1
	mount_image $mode iso.img /mnt/i domain_id=d1
	cat /mnt/a/shared/big2 >/dev/null
	is "$mode: same fingerprint, other size: not resident" "$(res /mnt/i/big2)" 0/257
	hashes_match "$mode: same fingerprint, other size: contents" /mnt/i iso
	check "$mode: it was warned about" sh -c 'dmesg | grep -q "size or block size differs"'
	umount_all

	# (V + "x", "y") uncompressed against (V, "xy") compressed
	drop
	mount_image $mode amb1.img /mnt/x domain_id=y
	mount_image $mode amb2.img /mnt/y domain_id=xy
	cat /mnt/x/f >/dev/null
	is "$mode: (V+x, y) vs (V, xy): not resident" "$(res /mnt/y/f)" 0/16
	hashes_match "$mode: ambiguity pair: first contents" /mnt/x amb1
	hashes_match "$mode: ambiguity pair: second contents" /mnt/y amb2
	umount_all
done
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
