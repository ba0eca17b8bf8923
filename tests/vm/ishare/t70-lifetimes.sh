# Lifetimes: readers on one mount while another mount of the domain comes
# and goes (both directions, 60 s each, 20 s on the debug kernel), lazy unmount with open and mapped
# files, 16 mounts of one domain read at once, rmmod, 3 load/use/unload.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 15

RACE_FILES="big1 big2 t10000 small"
# 60 s each; 20 s on the (much slower) debug kernel
secs=60
[ "$VM_KERNEL" = debug ] && secs=20
check "modprobe erofs" modprobe erofs
check "8 readers on B (file) while A (block) cycles, $secs s" race B b.img file a.img block $secs
check "8 readers on A (block) while B (file) cycles, $secs s" race A a.img block b.img file $secs
lazy_umount_cases a.img b.img
many_mounts_cases a.img 5
check "rmmod erofs after everything is unmounted" rmmod erofs
reload_cases file,a.img,/mnt/a block,b.img,/mnt/b
