# Harness self-test: load a module that takes two locks in both orders;
# every check passes, only lockdep reports the bug.
. /suite/lib.sh
plan 2
is "running the debug kernel" "$VM_KERNEL" debug
check "insmod abba.ko" insmod /suite/data/abba.ko
