# fadvise through one mount acts on the shared cache the other sees.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 16

check "modprobe erofs" modprobe erofs
fadvise_cases a.img b.img
check "rmmod erofs" rmmod erofs
