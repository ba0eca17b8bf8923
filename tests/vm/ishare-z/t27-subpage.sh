# Mixed members with 512-byte blocks: compressed (z_erofs' experimental
# sub-page support; 4 KiB and 16 KiB pclusters) and uncompressed, whose
# iomap fills keep per-block state (PG_private) on every folio of the
# shared mapping.  Page-wise fills of both kinds meet on one mapping.
. /suite/lib.sh
. /suite/data/ish.sh

pairs="z5.img:block:p5.img:block p5.img:file:z5.img:block
zc5.img:block:p5.img:file z5.img:file:zc5.img:block"
plan $((2 + 4 * $(echo $pairs | wc -w)))

check "modprobe erofs" modprobe erofs
for p in $pairs; do
	IFS=: read xi xm yi ym <<-E
	$p
	E
	d="$xi($xm)+$yi($ym)"
	drop
	mount_image $xm $xi /mnt/x domain_id=s && mount_image $ym $yi /mnt/y domain_id=s ||
		diag "$d: mount failed"
	cat /mnt/x/shared/big1 >/dev/null
	is "$d: filled through the first, resident through the second" "$(res /mnt/y/shared/big1)" 1024/1024
	ishtool randmap /mnt/y/shared/rnd 3 >/dev/null &
	ishtool randmap /mnt/x/shared/rnd 2 >/dev/null
	wait
	ishtool fadvise /mnt/x/shared/big2 dontneed
	ishtool randmap /mnt/y/shared/big2 5 >/dev/null &
	ishtool randmap /mnt/x/shared/big2 3 >/dev/null
	wait
	hashes_match "$d: all of the first" /mnt/x B
	hashes_match "$d: all of the second" /mnt/y B
	is "$d: every file of both joined" "$(sysc member_inodes)" 12
	umount_all
done
is "no members left" "$(sysc member_inodes)" 0
