# sendfile/splice of compressed shared files read through the shared
# cache; O_DIRECT on a compressed file is EINVAL at open, as without
# sharing (z_erofs has no direct I/O), and caches nothing.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 16

check "modprobe erofs" modprobe erofs
splice_cases za.img zb.img einval
check "rmmod erofs" rmmod erofs
