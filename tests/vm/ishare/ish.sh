# Guest helpers of the ishare suite: `. /suite/data/ish.sh` after lib.sh.

# sysc NAME: an ishare counter from /sys/fs/erofs/ishare/
sysc() { cat /sys/fs/erofs/ishare/$1; }

# res FILE: "resident/total" pages of FILE, without reading it
res() { ishtool resident "$1"; }

# drop: write back nothing (read-only), drop clean caches
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# rc CMD...: print CMD's exit status (its output goes to the log)
rc() { "$@" >>/tmp/rc.log 2>&1; echo $?; }

# hashes_match DESC DIR TREE: sha256 of every file under DIR equals the
# host's /suite/data/TREE.sha256
hashes_match() {
	(cd "$2" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
		>/tmp/hm.sha256 2>&1
	if cmp -s /tmp/hm.sha256 "/suite/data/$3.sha256"; then
		pass "$1"
	else
		fail "$1"
		diag "$(diff "/suite/data/$3.sha256" /tmp/hm.sha256 | head -n 10)"
	fi
}

# want FILE TREE PATH: expected sha256 of ./PATH in TREE
want() { awk -v p="./$2" '$2 == p { print $1 }' "/suite/data/$1.sha256"; }

# hash_of CMD...: sha256 of CMD's stdout
hash_of() { "$@" 2>>/tmp/rc.log | sha256sum | cut -d' ' -f1; }

umount_all() {
	for m in $(awk '$3 == "erofs" { print $2 }' /proc/mounts | sort -r); do
		emount -u "$m" || emount -u -l "$m"
	done
}

# mount_pair MODE IMG1 DIR1 IMG2 DIR2 OPTS: mount two images alike
mount_pair() {
	mount_image "$1" "$2" "$3" "$6" && mount_image "$1" "$4" "$5" "$6"
}
