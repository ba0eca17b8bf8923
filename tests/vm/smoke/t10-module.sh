# Our erofs.ko and its dependencies load through modprobe and modules.dep.
. /suite/lib.sh
plan 4

check "modprobe erofs" modprobe erofs
check "libcrc32c came in as a dependency" grep -q '^libcrc32c ' /proc/modules
ver=$(cat /sys/module/erofs/version 2>/dev/null || echo none)
case "$ver" in
*-ishare-*) pass "our build is loaded ($ver)" ;;
*) fail "our build is loaded (version: $ver)" ;;
esac
check "erofs is a registered filesystem" grep -qw erofs /proc/filesystems
