# Eight layers mounted in one sharing domain, block-device and file-backed
# (the index-mode layers from their image files with the tar appended),
# each layer's contents checked, then two overlayfs container roots stacked.
. /suite/lib.sh
. /suite/data/layers.sh
plan 24

check "modprobe erofs" modprobe erofs
check "modprobe overlay" modprobe overlay
check "1-base-f (--tar=f): block device" mount_image block 1-base-f.img $L/1 domain_id=$DOM
check "2-libs1-i (--tar=i, tar appended): file-backed" mount_image file 2-libs1-i.img $L/2 domain_id=$DOM
check "3-app1-lz4 (--tar=f -zlz4): block device" mount_image block 3-app1-lz4.img $L/3 domain_id=$DOM
check "4-cfg1-dir (directory): file-backed" mount_image file 4-cfg1-dir.img $L/4 domain_id=$DOM
check "5-base-f (--tar=f): file-backed" mount_image file 5-base-f.img $L/5 domain_id=$DOM
check "6-libs2-i (--tar=i, tar appended): file-backed" mount_image file 6-libs2-i.img $L/6 domain_id=$DOM
check "7-app2-f (--tar=f): block device" mount_image block 7-app2-f.img $L/7 domain_id=$DOM
check "8-cfg2-f (--tar=f --aufs): block device" mount_image block 8-cfg2-f.img $L/8 domain_id=$DOM
is "eight erofs layers mounted" "$(awk '$3 == "erofs"' /proc/mounts | wc -l)" 8

layer_matches "1-base-f: names, modes, owners, times, bytes" $L/1 base
layer_matches "5-base-f: names, modes, owners, times, bytes" $L/5 base
files_match "2-libs1-i: bytes and links" $L/2 libs1
files_match "6-libs2-i: bytes and links" $L/6 libs2
files_match "3-app1-lz4: bytes and links" $L/3 app1
files_match "7-app2-f: bytes and links" $L/7 app2
layer_matches "4-cfg1-dir: the upperdir as it was (whiteout, opaque dir)" $L/4 cfg1
is "8-cfg2-f: .wh.issue.net is a whiteout (char 0:0)" \
	"$(stat -c '%F %t:%T' $L/8/etc/issue.net 2>&1)" "character special file 0:0"
is "8-cfg2-f: .wh..wh..opq left no name behind" "$(ls -a $L/8/etc/opq | grep -c wh)" 0

mkdir -p /up/1 /up/2 /work/1 /work/2 /c1 /c2
check "container 1: overlay of 4-cfg1 3-app1 2-libs1 1-base" mount -t overlay overlay \
	-o lowerdir=$L/4:$L/3:$L/2:$L/1,upperdir=/up/1,workdir=/work/1 /c1
check "container 2: overlay of 8-cfg2 7-app2 6-libs2 5-base" mount -t overlay overlay \
	-o lowerdir=$L/8:$L/7:$L/6:$L/5,upperdir=/up/2,workdir=/work/2 /c2
is "container 1: the opaque dir hides the base's files" "$(ls /c1/etc/opq)" new
is "container 2: the opaque dir hides the base's files" "$(ls /c2/etc/opq)" new
