# Demo: load our erofs.ko, mount an image, read every file, report.
# Lines starting with "say" reach the host's terminal.
. /suite/lib.sh
plan 5
say() { diag "demo: $*"; }

cached_kib() { awk '/^Cached:/ { print $2 }' /proc/meminfo; }

check "modprobe erofs" modprobe erofs
say "module: erofs $(cat /sys/module/erofs/version) (modules loaded: $(cut -d' ' -f1 /proc/modules | tr '\n' ' '))"
check "mount /disk/demo.img on /mnt/demo" mount_image block demo.img /mnt/demo
say "mounted: $(awk '$2 == "/mnt/demo"' /proc/mounts)"
sync
echo 3 >/proc/sys/vm/drop_caches
before=$(cached_kib)
files=$(find /mnt/demo -type f | wc -l)
bytes=$(find /mnt/demo -type f -exec cat {} + | wc -c)
after=$(cached_kib)
is "file count matches the source tree" "$files" "$(cat /suite/data/src-files)"
say "read $files files, $((bytes / 1024)) KiB; page cache grew by $(((after - before))) KiB"
check "umount" emount -u /mnt/demo
check "rmmod erofs" rmmod erofs
say "unmounted and unloaded cleanly"
