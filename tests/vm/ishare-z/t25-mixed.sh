# Mixed members in one domain: compressed and uncompressed images of the
# same files, block-device and file-backed mounts, lz4hc, zstd, lzma and
# deflate (those mkfs.erofs++ has), 4 KiB and 64 KiB pclusters (with
# ztailpacking).  The
# behaviour that holds: they all share one page cache, and each miss is
# filled by the filling member's own read method (iomap, the file-backed
# path or z_erofs, run against that member and the shared folio).
. /suite/lib.sh
. /suite/data/ish.sh

# FIRST_IMG:MODE:SECOND_IMG:MODE
pairs="za.img:block:pb.img:file pb.img:block:za.img:file
za.img:block:zb.img:file zb.img:file:pb.img:file pb.img:block:zb.img:block"
[ -e /disk/zsb.img ] && pairs="$pairs za.img:block:zsb.img:file zsb.img:block:pb.img:block"
[ -e /disk/zl.img ] && pairs="$pairs zl.img:block:za.img:file pb.img:file:zl.img:block"
[ -e /disk/zd.img ] && pairs="$pairs zd.img:file:pb.img:block"
[ -e /disk/zl.img ] && [ -e /disk/zd.img ] && pairs="$pairs zl.img:file:zd.img:block"
[ -e /disk/zc.img ] && pairs="$pairs zc.img:file:za.img:block pb.img:block:zc.img:file"
n=12
plan $((3 + n * $(echo $pairs | wc -w)))

tree_of() { case $1 in za.img) echo A ;; *) echo B ;; esac; }
mount_xy() {
	mount_image $xm $xi /mnt/x domain_id=mix && mount_image $ym $yi /mnt/y domain_id=mix
}

check "modprobe erofs" modprobe erofs
for p in $pairs; do
	IFS=: read xi xm yi ym <<-E
	$p
	E
	x=$(tree_of $xi) y=$(tree_of $yi)
	d="$xi($xm)+$yi($ym)"
	drop
	check "$d: mount both" mount_xy
	cat /mnt/x/shared/big1 >/dev/null
	is "$d: filled through the first, resident through the second" "$(res /mnt/y/shared/big1)" 1024/1024
	is "$d: ... which reads its bytes" "$(hash_of cat /mnt/y/shared/big1)" "$(want $y shared/big1)"
	cat /mnt/y/shared/big2 >/dev/null
	is "$d: filled through the second, resident through the first" "$(res /mnt/x/shared/big2)" 257/257
	is "$d: ... which reads its bytes" "$(hash_of cat /mnt/x/shared/big2)" "$(want $x shared/big2)"
	# page-wise fills through ->read_folio (MADV_RANDOM faults; z_erofs
	# adds readmore around them), then the rest through the other member
	ishtool randmap /mnt/x/shared/t10000 2 >/dev/null
	is "$d: small file filled page-wise by the first, read by the second" \
		"$(hash_of cat /mnt/y/shared/t10000)" "$(want $y shared/t10000)"
	# both members fill folios of one mapping at once, page-wise
	ishtool randmap /mnt/y/shared/rnd 5 >/dev/null &
	ishtool randmap /mnt/x/shared/rnd 3 >/tmp/mix.rnd
	wait
	is "$d: concurrent page-wise fills of both, through the first" "$(sha256sum </tmp/mix.rnd | cut -d' ' -f1)" "$(want $x shared/rnd)"
	is "$d: ... through the second" "$(hash_of ishtool mapcat /mnt/y/shared/rnd)" "$(want $y shared/rnd)"
	# page-wise faults through both, z_erofs readmore around each
	ishtool fadvise /mnt/x/shared/big1 dontneed
	ishtool randmap /mnt/y/shared/big1 9 >/dev/null &
	is "$d: big1 page-wise through both at once" "$(hash_of ishtool randmap /mnt/x/shared/big1 4)" "$(want $x shared/big1)"
	wait
	# a hole in the middle of cached pages, refilled by the other member
	ishtool fadvise /mnt/y/shared/big2 dontneed
	dd if=/mnt/x/shared/big2 of=/dev/null bs=4096 count=100 2>/dev/null
	dd if=/mnt/x/shared/big2 of=/dev/null bs=4096 skip=180 2>/dev/null
	is "$d: big2 with a hole refilled by the second" "$(hash_of cat /mnt/y/shared/big2)" "$(want $y shared/big2)"
	hashes_match "$d: all of the first" /mnt/x $x
	hashes_match "$d: all of the second" /mnt/y $y
	umount_all
done
diag "mixed compressed/uncompressed, block/file, lz4hc/zstd/lzma/deflate members share ($(echo $pairs | wc -w) pairs); each miss uses the filler's own read method"
is "no members left" "$(sysc member_inodes)" 0
check "rmmod erofs" rmmod erofs
