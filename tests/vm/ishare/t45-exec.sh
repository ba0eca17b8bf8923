# Programs run from shared files: exec maps the text of the user's file, so
# the pages land in the shared cache (resident through the other mount),
# /proc/PID/maps names the path that was executed, and a compressed member
# runs the same bytes.
. /suite/lib.sh
. /suite/data/ish.sh
plan 10

check "modprobe erofs" modprobe erofs
for mode in block file; do
	drop
	mount_image $mode xa.img /mnt/x domain_id=exe
	mount_image $mode xb.img /mnt/y domain_id=exe
	is "$mode: exec from the uncompressed member" "$(/mnt/x/busybox echo ran)" ran
	is "$mode: its maps name the executed path" \
		"$(/mnt/x/busybox awk '$6 ~ /busybox$/ { print $6; exit }' /proc/self/maps)" /mnt/x/busybox
	n=$(res /mnt/y/busybox)
	diag "$mode: after the exec through X, Y sees $n"
	is "$mode: the text is resident through the compressed member" "$([ "${n%/*}" -gt 0 ] && echo yes)" yes
	is "$mode: exec from the compressed member, same bytes" \
		"$(/mnt/y/busybox sha256sum /mnt/y/busybox | cut -d' ' -f1)" "$(want X busybox)"
	umount_all
done
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
