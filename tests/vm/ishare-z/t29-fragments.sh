# Fragment layouts (issue 14): B built with -Efragments,dedupe (file tails
# in the packed inode) and with -Eall-fragments (whole files there) shares
# with B built plainly with lz4hc.  A read through the fragment image fills
# the shared inode from the packed inode's pclusters, so B's copies are
# resident; the other way round the fragment image's files are resident
# after B's read; every byte is right both ways.
. /suite/lib.sh
. /suite/data/ish.sh
plan 22

check "modprobe erofs" modprobe erofs
for mode in block file; do
	for img in zfrag zallf; do
		drop
		check "$mode $img: mount with zb in one domain" \
			mount_pair $mode $img.img /mnt/f zb.img /mnt/b domain_id=fr
		cat /mnt/f/shared/big2 /mnt/f/shared/t10000 /mnt/f/shared/small >/dev/null
		is "$mode $img: read through it, B's copies are resident" \
			"$(res /mnt/b/shared/big2) $(res /mnt/b/shared/t10000) $(res /mnt/b/shared/small)" \
			"257/257 3/3 1/1"
		cat /mnt/b/shared/big1 >/dev/null
		is "$mode $img: read through B, its big1 is resident" "$(res /mnt/f/shared/big1)" 1024/1024
		hashes_match "$mode $img: its contents, shared" /mnt/f B
		hashes_match "$mode $img: B's contents, shared" /mnt/b B
		umount_all
	done
done
drop
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
