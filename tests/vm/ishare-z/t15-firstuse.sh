# When a compressed file joins its shared inode: at the first use of its
# page cache, or at open when the shared inode exists; racing first users.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 20

check "modprobe erofs" modprobe erofs
firstuse_cases za.img zb.img
check "rmmod erofs" rmmod erofs
