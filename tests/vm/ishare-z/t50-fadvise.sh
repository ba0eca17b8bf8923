# fadvise through one mount acts on the shared cache of compressed files
# that the other mount sees.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 16

check "modprobe erofs" modprobe erofs
fadvise_cases za.img zb.img
check "rmmod erofs" rmmod erofs
