# Cost of the sharing path (BENCHMARKS.md section 2), for each image kind
# (plain, lz4hc).  One image, attached as two disks, is mounted twice at
# once: /mnt/off without domain_id and /mnt/on with a domain of its own
# (nothing to share with).  Each round
# measures every operation on both mounts back to back, the order flipping
# every round, so that drift and the neighbours' load hit both alike:
#   cold   read(2) every file, caches dropped just before
#   warm   read every file again              (best of 3, interleaved)
#   mmap   mmap + touch every page, warm      (best of 3, interleaved)
#   open   open/close every file 3 times, warm (best of 3, interleaved)
#   copen  open/close every file after a drop (lookup, inode fill with the
#          fingerprint key; a file joins its shared inode at its first
#          read, which "cold" includes)
#          (best of 3, interleaved, caches dropped before each)
# One "C kind=K pass=N mode=on|off cold=NS ..." diagnostic per round and
# mount.
. /suite/lib.sh
. /suite/data/bench.sh
set -- $(cat /suite/data/cost-image)
passes=$(cat /suite/data/cost-passes)
plan $(($# / 3 * (3 + passes)))
modprobe erofs

# timed OP REPEATS DROP BENCHIO-ARGS...: run benchio ARGS /mnt/off and
# /mnt/on alternately REPEATS times each (dropping caches before each run
# when DROP is 1), keep the smallest time in OP_off / OP_on; "" on failure.
timed() {
	_op=$1 _k=$2 _drop=$3
	shift 3
	eval "${_op}_off= ${_op}_on="
	_j=0
	while [ $_j -lt "$_k" ]; do
		for _m in $modes; do
			[ "$_drop" = 1 ] && drop
			_r=$(benchio "$@" /mnt/$_m) || { eval "${_op}_$_m=fail"; continue; }
			_t=$(ns_of "$_r")
			eval "_b=\$${_op}_$_m"
			if [ -z "$_b" ] || { [ "$_b" != fail ] && [ "$_t" -lt "$_b" ]; }; then
				eval "${_op}_$_m=$_t"
			fi
			[ "$_op" = cold ] && info=$(echo "$_r" | cut -d' ' -f1-2)
		done
		_j=$((_j + 1))
	done
}

while [ $# -ge 3 ]; do
	kind=$1
	umount_all
	check "$kind: mount the image without domain_id" mnt "$2" /mnt/off off
	check "$kind: mount its twin with domain_id" mnt "$3" /mnt/on on cost
	shift 3
	i=1
	while [ $i -le "$passes" ]; do
		if [ $((i % 2)) -eq 1 ]; then modes="off on"; else modes="on off"; fi
		timed cold 1 1 read
		timed warm 3 0 read
		timed mmap 3 0 mmap
		timed open 3 0 open -r 3
		timed copen 3 1 open
		ok=yes
		for v in $cold_off $cold_on $warm_off $warm_on $mmap_off $mmap_on \
			$open_off $open_on $copen_off $copen_on; do
			case $v in *[!0-9]*|"") ok=no ;; esac
		done
		is "$kind round $i: every operation ran on both mounts" $ok yes
		for m in off on; do
			eval "diag \"C kind=$kind pass=$i mode=$m cold=\$cold_$m warm=\$warm_$m" \
				"mmap=\$mmap_$m open=\$open_$m copen=\$copen_$m \$info\""
		done
		i=$((i + 1))
	done
	# the shared side really went through the sharing path: reading
	# joins (open/close alone, the last operation, does not)
	benchio read /mnt/on >/dev/null
	n=$(sysc member_inodes)
	diag "$kind: member_inodes $n after reading the shared mount"
	is "$kind: the shared mount's files joined shared inodes" "$([ "$n" -gt 0 ] && echo yes)" yes
done
umount_all
