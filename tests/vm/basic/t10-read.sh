# Our erofs.ko (unmodified upstream code so far) reads images made by
# Debian's mkfs.erofs 1.5 exactly: uncompressed and LZ4HC, block-device and
# file-backed mounts.
. /suite/lib.sh
plan 14

check "modprobe erofs" modprobe erofs
for img in plain.img lz4hc.img; do
	for mode in block file; do
		if mount_image $mode $img /mnt/t; then
			pass "$mode mount of $img"
		else
			fail "$mode mount of $img"
			continue
		fi
		src=$(awk '$2 == "/mnt/t" { print $1 }' /proc/mounts)
		case $mode in
		block) is "$img is mounted from its block device" "$src" /dev/$(basename "$(readlink /disk/$img)") ;;
		file) is "$img is mounted file-backed, not through loop" "$src" /ram/images/$img ;;
		esac
		tree_matches "$mode $img: contents, modes, owners, times, links, xattrs" /mnt/t zoo
		emount -u /mnt/t || bail "umount /mnt/t failed"
	done
done
check "rmmod erofs" rmmod erofs
