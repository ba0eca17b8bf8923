# Lifetimes: readers on one mount while another mount of the domain comes
# and goes (both directions, 60 s each), lazy unmount with open and mapped
# files, 16 mounts of one domain read at once, rmmod, 3 load/use/unload.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 15

RACE_FILES="big1 big2 t10000 small"
check "modprobe erofs" modprobe erofs
check "8 readers on B (file) while A (block) cycles, 60 s" race B b.img file a.img block 60
check "8 readers on A (block) while B (file) cycles, 60 s" race A a.img block b.img file 60
lazy_umount_cases a.img b.img
many_mounts_cases a.img 5
check "rmmod erofs after everything is unmounted" rmmod erofs
reload_cases file,a.img,/mnt/a block,b.img,/mnt/b
