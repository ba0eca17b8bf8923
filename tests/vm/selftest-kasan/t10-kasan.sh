# Harness self-test: load a module that reads past a slab object; every
# check passes, only KASAN reports the bug.
. /suite/lib.sh
plan 2
is "running the debug kernel" "$VM_KERNEL" debug
check "insmod kasan_oob.ko" insmod /suite/data/kasan_oob.ko
