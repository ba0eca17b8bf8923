# Failed fills in a mixed domain: a member whose image lost its last
# 256 KiB (I/O errors past the end of its device or backing file) fails
# some fills and leaves those folios not uptodate in the shared mapping,
# possibly with iomap's per-block state attached.  A member with another
# read method then fills them: the bytes must be right through both, and
# the failed member's own later reads are served from the shared cache.
. /suite/lib.sh
. /suite/data/ish.sh
plan 23

# case BROKEN_IMG MODE GOOD_IMG MODE
case_() {
	d="broken $1($2), good $3($4)"
	drop
	mount_image $2 $1 /mnt/x domain_id=f && mount_image $4 $3 /mnt/y domain_id=f ||
		diag "$d: mount failed"
	bad=0
	for f in $(cd /mnt/x && find . -type f); do
		cat /mnt/x/$f >/dev/null 2>&1 || bad=$((bad + 1))
	done
	diag "$d: $bad files failed to read through the broken member"
	is "$d: some reads through the broken member fail" "$([ $bad -gt 0 ] && echo yes)" yes
	hashes_match "$d: the good member reads every file exactly" /mnt/y B
	hashes_match "$d: the broken member now reads them from the shared cache" /mnt/x B
	# page-wise: fail, then fill through the other; readmore next to
	# failed folios
	for f in $(cd /mnt/x && find . -type f); do
		ishtool fadvise /mnt/x/$f dontneed
		ishtool randmap /mnt/x/$f 3 >/dev/null 2>&1
		ishtool randmap /mnt/x/$f 1 >/dev/null 2>&1
	done
	hashes_match "$d: page-wise, the good member fills what the broken one failed" /mnt/y B
	umount_all
}

check "modprobe erofs" modprobe erofs
case_ pt.img block zb.img block
case_ pt.img file zb.img file
case_ zt.img block pb.img block
case_ zt.img file pb.img file
case_ zt.img block zb.img file
is "no members left" "$(sysc member_inodes)" 0
check "rmmod erofs" rmmod erofs
