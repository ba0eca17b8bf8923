# An image file inside an erofs mount, mounted file-backed, with and
# without page-cache sharing at either level.  Debian's own erofs.ko makes
# lockdep report "possible recursive locking" of mapping.invalidate_lock
# here (both levels' mappings in one class); ours gives the inner level its
# own class (kmod/src/nest.c), so the debug kernel's lockdep stays quiet
# and keeps checking.
. /suite/lib.sh
plan 31

check "modprobe erofs" modprobe erofs
mkdir -p /mnt/o /mnt/i
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
n=0
# nest OUTER_OPTS INNER_OPTS IMAGE: mount both, read all, compare, unmount
nest() {
	n=$((n + 1))
	drop
	check "$n: outer ($1), block" mount_image block outer.img /mnt/o "$1"
	check "$n: inner $3 ($2), file-backed" emount -t erofs -o "$2" "/mnt/o/$3" /mnt/i
	is "$n: inner files read right" \
		"$(cd /mnt/i && find . -type f -print0 | sort -z | xargs -0 sha256sum)" \
		"$(cat /suite/data/A.sha256)"
	is "$n: a file read through both levels" "$(cat /mnt/o/big /mnt/i/big | sha256sum)" \
		"$(cat /mnt/i/big /mnt/o/big | sha256sum)"
	check "$n: unmount inner" emount -u /mnt/i
	check "$n: unmount outer" emount -u /mnt/o
}
nest ro ro inner.img
nest ro ro innerz.img
nest domain_id=d ro inner.img
nest ro domain_id=d innerz.img
nest domain_id=d domain_id=d inner.img
