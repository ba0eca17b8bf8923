# Guest helpers of the page-cache benchmark: `. /suite/data/bench.sh`.
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
sysc() { cat /sys/fs/erofs/ishare/$1 2>/dev/null || echo 0; }
# ns of a benchio line
ns_of() { echo "$1" | sed -n 's/.* ns=\([0-9]*\).*/\1/p'; }
umount_all() {
	for m in $(awk '$3 == "erofs" { print $2 }' /proc/mounts | sort -r); do
		emount -u "$m"
	done
}
# opts MODE DOMAIN: mount options for sharing on/off
opts() { [ "$1" = on ] && echo "domain_id=$2" || echo ""; }
# mnt IMG DIR MODE DOMAIN
mnt() {
	if [ "$3" = on ]; then mount_image block "$1" "$2" "domain_id=$4"; else mount_image block "$1" "$2"; fi
}
notshared() { dmesg | grep -c 'not shared' || true; }
