# sendfile/splice read through the shared cache; O_DIRECT is served by the
# opener's own inode on block-device mounts and is EINVAL on file-backed
# mounts (as without sharing: the file-backed read path has no direct I/O).
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 16

check "modprobe erofs" modprobe erofs
splice_cases a.img b.img served
check "rmmod erofs" rmmod erofs
