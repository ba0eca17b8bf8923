# Page cache saved (BENCHMARKS.md section 1) and the second-container
# start: for each pair, in alternating order, mount A and B with and
# without a shared domain_id, read every file of A then of B, and report
# Cached (and Buffers) before, after the directories, after A and after B;
# then time a warm re-read of A, and split B's cost: remount B, open/close
# every file (cold metadata), read every file; finally shrink the slab
# caches only (echo 2 >drop_caches) and report Cached before and after.
# One "R key=value..." diagnostic per pass; the host computes the table.
. /suite/lib.sh
. /suite/data/bench.sh
passes=$(cat /suite/data/passes)
set -- $(cat /suite/data/pairs)
plan $((1 + $# / 3 * passes * 2 * 2))
check "modprobe erofs" modprobe erofs
while [ $# -ge 3 ]; do
	name=$1 ia=$2 ib=$3
	shift 3
	i=1
	while [ $i -le "$passes" ]; do
		if [ $((i % 2)) -eq 1 ]; then modes="on off"; else modes="off on"; fi
		for mode in $modes; do
			umount_all
			drop
			n0=$(notshared)
			c0=$(meminfo Cached) b0=$(meminfo Buffers)
			ok=no
			mnt "$ia" /mnt/a $mode bench && mnt "$ib" /mnt/b $mode bench && ok=yes
			is "$name pass $i sharing $mode: mount A and B" $ok yes
			w=$(benchio walk /mnt/a /mnt/b)
			c1=$(meminfo Cached)
			ra=$(benchio read /mnt/a)
			c2=$(meminfo Cached)
			rb=$(benchio read /mnt/b)
			c3=$(meminfo Cached) b3=$(meminfo Buffers)
			rw=$(benchio read /mnt/a)
			# B's cost split: remount B (its metadata is cold again,
			# the bdev cache goes with the last opener), time a cold
			# open/close of every file, then the read of every file.
			emount -u /mnt/b
			mnt "$ib" /mnt/b $mode bench
			ob=$(benchio open /mnt/b)
			rb2=$(benchio read /mnt/b)
			# slab-only shrink (issue 11): evicts the inodes, members
			# included; their page cache must stay, shared or not
			cnt="si=$(sysc shared_inodes) mi=$(sysc member_inodes) cp=$(sysc cached_pages) bs=$(sysc bytes_saved)"
			c5=$(meminfo Cached)
			sync
			echo 2 >/proc/sys/vm/drop_caches
			c6=$(meminfo Cached)
			cnt="$cnt si6=$(sysc shared_inodes) mi6=$(sysc member_inodes)"
			ok=no
			[ -n "$ra" ] && [ -n "$rb" ] && [ -n "$rw" ] && [ -n "$w" ] && [ -n "$ob" ] && [ -n "$rb2" ] && ok=yes
			is "$name pass $i sharing $mode: read every file" $ok yes
			diag "R name=$name pass=$i mode=$mode c0=$c0 c1=$c1 c2=$c2 c3=$c3 b0=$b0 b3=$b3" \
				"ta=$(ns_of "$ra") tb=$(ns_of "$rb") tw=$(ns_of "$rw") tob=$(ns_of "$ob") trb=$(ns_of "$rb2")" \
				"fa=$(echo "$ra" | sed 's/files=\([0-9]*\).*/\1/') fb=$(echo "$rb" | sed 's/files=\([0-9]*\).*/\1/')" \
				"c5=$c5 c6=$c6 $cnt" \
				"ns=$(($(notshared) - n0))"
			if [ "$mode" = on ] && [ "$(notshared)" -gt "$n0" ]; then
				diag "dmesg: $(dmesg | grep 'not shared' | tail -n 5)"
			fi
		done
		i=$((i + 1))
	done
done
umount_all
