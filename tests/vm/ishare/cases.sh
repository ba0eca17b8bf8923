# Test bodies shared by the ishare suite (uncompressed images) and the
# ishare-z suite (compressed and mixed images): `. /suite/data/cases.sh`
# after lib.sh and ish.sh.  Each takes the images to use, runs the same
# checks for block-device and file-backed mounts, and leaves nothing
# mounted.  The trees behind the images are alike: shared/{big1 (4 MiB),
# big2 (1 MiB + 123 B), t10000, small, ...} in A and B, iso/ with big2's
# fingerprint on a file of another size, amb1/amb2 the key-ambiguity pair.

# isolation_cases IMG_A IMG_B: 14 checks per mount kind (28)
isolation_cases() {
	for mode in block file; do
		_iso_pair $mode "$1" "$2" "different domains" domain_id=d1 domain_id=d2
		_iso_pair $mode "$1" "$2" "no domain" ro ro
		_iso_pair $mode "$1" "$2" "A without domain" ro domain_id=d1
		_iso_pair $mode "$1" "$2" "B without domain" domain_id=d1 ro

		drop
		mount_image $mode "$1" /mnt/a domain_id=d1
		mount_image $mode iso.img /mnt/i domain_id=d1
		cat /mnt/a/shared/big2 >/dev/null
		is "$mode: same fingerprint, other size: not resident" "$(res /mnt/i/big2)" 0/257
		hashes_match "$mode: same fingerprint, other size: contents" /mnt/i iso
		is "$mode: same fingerprint, other size: a shared inode of its own" \
			"$(sysc shared_inodes)" 2
		umount_all

		# fingerprint V + "x" in domain "y" against V in domain "xy"
		drop
		mount_image $mode amb1.img /mnt/x domain_id=y
		mount_image $mode amb2.img /mnt/y domain_id=xy
		cat /mnt/x/f >/dev/null
		is "$mode: (V+x, y) vs (V, xy): not resident" "$(res /mnt/y/f)" 0/16
		hashes_match "$mode: ambiguity pair: first contents" /mnt/x amb1
		hashes_match "$mode: ambiguity pair: second contents" /mnt/y amb2
		umount_all
	done
}

# _iso_pair MODE IMG_A IMG_B DESC OPTS_A OPTS_B: read big1 through A, B
# must not see it
_iso_pair() {
	drop
	mount_image $1 "$2" /mnt/a "$5" && mount_image $1 "$3" /mnt/b "$6" ||
		diag "mount failed"
	cat /mnt/a/shared/big1 >/dev/null
	is "$1: $4: not resident through B" "$(res /mnt/b/shared/big1)" 0/1024
	is "$1: $4: B's bytes" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
	umount_all
}

# firstuse_cases IMG_A IMG_B: 9 checks per mount kind (18).  A file joins
# its shared inode at the first use of its page cache, or at open when the
# shared inode exists already; lookups and open/close alone make none.
# Racing first users of one file, through one open file and through their
# own, all read the same bytes, and the file joins once.
firstuse_cases() {
	for mode in block file; do
		drop
		mount_image $mode "$1" /mnt/a domain_id=d1
		mount_image $mode "$2" /mnt/b domain_id=d1
		ls -lR /mnt/a /mnt/b >/dev/null
		for f in $(find /mnt/a /mnt/b -type f); do : <"$f"; done
		is "$mode: lookups, stat and open/close make no shared inode" \
			"$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
		# opened before A cached big1: B's file keeps its own empty
		# cache until its first use (here mmap) moves it to the shared one
		is "$mode: file opened early: cachestat, then resident once mapped" \
			"$(ishtool late /mnt/b/shared/big1 /mnt/a/shared/big1)" "0/1024 1024/1024"
		is "$mode: ... both joined one shared inode" \
			"$(sysc shared_inodes) $(sysc member_inodes)" "1 2"
		cat /mnt/a/shared/big2 >/dev/null
		is "$mode: opened after: joins at open, cachestat sees the cache" \
			"$(ishtool cachestat /mnt/b/shared/big2)" 257/257
		is "$mode: ... without making a shared inode" \
			"$(sysc shared_inodes) $(sysc member_inodes)" "2 4"
		# open of a member that has joined: the VFS copies the shared
		# mapping from i_mapping, ->open only sets its flags
		is "$mode: reopened once joined: cachestat sees the cache, no new join" \
			"$(ishtool cachestat /mnt/b/shared/big2) $(sysc shared_inodes) $(sysc member_inodes)" \
			"257/257 2 4"
		ok=yes
		i=0
		while [ $i -lt 12 ]; do
			drop
			ishtool race /mnt/a/shared/big2 4 >/tmp/race.a &
			ishtool race /mnt/b/shared/big2 4 >/tmp/race.b || ok=no
			wait $! || ok=no
			n=$(cat /tmp/race.a /tmp/race.b | sort -u | wc -l)
			c=$(cat /tmp/race.a /tmp/race.b | wc -l)
			s="$(sysc shared_inodes) $(sysc member_inodes)"
			if [ "$n $c $s" != "1 16 1 2" ]; then
				diag "$mode: race round $i: $n distinct hashes of $c, counters $s"
				ok=no
			fi
			i=$((i + 1))
		done
		is "$mode: 12 rounds of 16 racing first users: one hash, one join each" $ok yes
		is "$mode: big2's bytes after the races" \
			"$(hash_of cat /mnt/b/shared/big2)" "$(want B shared/big2)"
		umount_all
		drop	# unused shared inodes stay cached with their pages until reclaimed
		is "$mode: counters back to zero" \
			"$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
	done
}

# fadvise_cases IMG_A IMG_B: 7 checks per mount kind (14); cachestat(2)
# reports the shared cache too
fadvise_cases() {
	for mode in block file; do
		drop
		mount_image $mode "$1" /mnt/a domain_id=d1
		mount_image $mode "$2" /mnt/b domain_id=d1
		cat /mnt/a/shared/big1 >/dev/null
		is "$mode: read through A" "$(res /mnt/a/shared/big1)" 1024/1024
		is "$mode: cachestat through B" "$(ishtool cachestat /mnt/b/shared/big1)" 1024/1024
		check "$mode: fadvise DONTNEED through B" ishtool fadvise /mnt/b/shared/big1 dontneed
		is "$mode: A sees the pages gone" "$(res /mnt/a/shared/big1)" 0/1024
		check "$mode: fadvise WILLNEED through B" ishtool fadvise /mnt/b/shared/big1 willneed
		sleep 2
		n=$(res /mnt/a/shared/big1)
		diag "$mode: after WILLNEED through B, A sees $n"
		is "$mode: WILLNEED populated what A sees" "$([ "${n%/*}" -gt 0 ] && echo yes)" yes
		is "$mode: bytes" "$(hash_of cat /mnt/a/shared/big1)" "$(want A shared/big1)"
		umount_all
	done
}

# splice_cases IMG_A IMG_B BLOCK_ODIRECT: 7 checks per mount kind (14).
# BLOCK_ODIRECT is "served" (uncompressed block-device members read their
# own blocks) or "einval" (compressed members: z_erofs has no direct I/O);
# file-backed members always refuse O_DIRECT at open, as without sharing.
splice_cases() {
	for mode in block file; do
		drop
		mount_image $mode "$1" /mnt/a domain_id=d1
		mount_image $mode "$2" /mnt/b domain_id=d1
		is "$mode: sendfile through B" "$(hash_of ishtool sendfile /mnt/b/shared/big2)" "$(want B shared/big2)"
		is "$mode: ... filled the shared cache A sees" "$(res /mnt/a/shared/big2)" 257/257
		ishtool fadvise /mnt/a/shared/big2 dontneed
		is "$mode: splice through A" "$(hash_of ishtool splice /mnt/a/shared/big2)" "$(want A shared/big2)"
		is "$mode: ... filled the shared cache B sees" "$(res /mnt/b/shared/big2)" 257/257
		is "$mode: sendfile of t10000" "$(hash_of ishtool sendfile /mnt/a/shared/t10000)" "$(want A shared/t10000)"
		if [ $mode = block ] && [ "$3" = served ]; then
			is "block: O_DIRECT read through B" "$(hash_of ishtool dread /mnt/b/shared/big1)" "$(want B shared/big1)"
			is "block: O_DIRECT bypassed the shared cache" "$(res /mnt/a/shared/big1)" 0/1024
		else
			is "$mode: O_DIRECT open is EINVAL" "$(rc ishtool dread /mnt/b/shared/big1)" 22
			is "$mode: nothing was cached by it" "$(res /mnt/a/shared/big1)" 0/1024
		fi
		umount_all
	done
}

# mmap_cases IMG_A IMG_B [MORE]: 7 checks per mount kind (14), plus what
# the function MORE checks (called as `MORE MODE` with A and B mounted)
mmap_cases() {
	for mode in block file; do
		drop
		check "$mode: mount A and B" mount_pair $mode "$1" /mnt/a "$2" /mnt/b domain_id=d1
		is "$mode: mmap through B" "$(hash_of ishtool mapcat /mnt/b/shared/big1)" "$(want B shared/big1)"
		is "$mode: mmap through A" "$(hash_of ishtool mapcat /mnt/a/shared/big1)" "$(want A shared/big1)"
		is "$mode: mmap of t10000" "$(hash_of ishtool mapcat /mnt/a/shared/t10000)" "$(want A shared/t10000)"
		is "$mode: /proc/self/maps shows the user's path" "$(ishtool maps /mnt/b/shared/big2)" /mnt/b/shared/big2
		is "$mode: MAP_PRIVATE copy-on-write" "$(hash_of ishtool private /mnt/a/shared/big2)" "$(want A shared/big2)"
		is "$mode: shared cache untouched by the private writes" "$(hash_of cat /mnt/b/shared/big2)" "$(want B shared/big2)"
		[ -z "${3:-}" ] || "$3" $mode
		umount_all
	done
}

# race TREE READER_IMG READER_MODE CYCLER_IMG CYCLER_MODE SECS: 8 readers
# check the bytes of $RACE_FILES (under shared/) on /mnt/r, readers 5-8
# page-wise through mmap, while the cycler mounts another member of the
# domain, reads through it (so it fills misses), drops pages through it and
# unmounts it, again and again.  True when nothing read wrong bytes.
race() {
	mount_image $3 $2 /mnt/r domain_id=race || return 1
	rm -f /tmp/stop /tmp/bad.* /tmp/count.*
	for i in 1 2 3 4 5 6 7 8; do
		(
			n=0
			while [ ! -f /tmp/stop ]; do
				for f in $RACE_FILES; do
					if [ $i -le 4 ]; then
						h=$(sha256sum </mnt/r/shared/$f | cut -d' ' -f1)
					else
						h=$(ishtool randmap /mnt/r/shared/$f $i | sha256sum | cut -d' ' -f1)
					fi
					[ "$h" = "$(want $1 shared/$f)" ] || echo "$f" >>/tmp/bad.$i
				done
				n=$((n + 1))
			done
			echo $n >/tmp/count.$i
		) &
	done
	end=$(($(date +%s) + $6))
	cycles=0
	while [ "$(date +%s)" -lt $end ]; do
		mount_image $5 $4 /mnt/c domain_id=race || break
		for f in $RACE_FILES; do
			[ $f = big1 ] || cat /mnt/c/shared/$f >/dev/null
		done
		ishtool randmap /mnt/c/shared/big1 3 >/dev/null &
		ishtool fadvise /mnt/c/shared/big1 dontneed
		ishtool fadvise /mnt/c/shared/t10000 dontneed
		wait $!
		emount -u /mnt/c || break
		cycles=$((cycles + 1))
		[ $((cycles % 5)) -eq 0 ] && drop
	done
	touch /tmp/stop
	wait
	diag "race: $cycles mount cycles, reader passes: $(cat /tmp/count.* | tr '\n' ' ')"
	emount -u /mnt/r
	# at least 4 cycles; 2 on the debug kernel, where a cycle under
	# KASAN and lockdep takes several seconds (2 in 20 s, ishare-z)
	min=4
	[ "$VM_KERNEL" = debug ] && min=2
	[ $cycles -ge $min ] && ! ls /tmp/bad.* >/dev/null 2>&1
}

# lazy_umount_cases IMG_A IMG_B: 5 checks.  A (block) is lazily unmounted
# while a file of it is open and another mapped; B (file) drops the pages
# first, so the reads through the open file fill misses through A's
# detached mount.
lazy_umount_cases() {
	mount_image block "$1" /mnt/a domain_id=lazy
	mount_image file "$2" /mnt/b domain_id=lazy
	ishtool hold /mnt/a/shared/big1 6 &
	holder=$!
	exec 4</mnt/a/shared/big2
	sleep 1
	check "umount -l A with open and mapped files" emount -u -l /mnt/a
	ishtool fadvise /mnt/b/shared/big2 dontneed
	is "read through the open fd after umount -l (misses filled through A)" "$(sha256sum <&4 | cut -d' ' -f1)" "$(want A shared/big2)"
	exec 4<&-
	wait $holder
	is "the mapping holder exits cleanly" $? 0
	is "B still reads" "$(hash_of cat /mnt/b/shared/big1)" "$(want B shared/big1)"
	umount_all
	is "no members left after lazy unmount" "$(sysc member_inodes)" 0
}

# many_mounts_cases IMG SHARED: 4 checks.  16 file-backed mounts of IMG in
# one domain read concurrently: right bytes, SHARED shared inodes with 16
# members each, counters back to zero after unmounting.
many_mounts_cases() {
	drop	# no shared inode left cached by earlier cases
	for i in $(seq 1 16); do
		mount_image file "$1" /mnt/m$i domain_id=many || diag "mount $i failed"
	done
	for i in $(seq 1 16); do
		(cd /mnt/m$i && find . -type f -print0 | sort -z | xargs -0 sha256sum >/tmp/many.$i) &
	done
	wait
	bad=0
	for i in $(seq 1 16); do cmp -s /tmp/many.$i /suite/data/A.sha256 || bad=$((bad + 1)); done
	is "16 concurrent mounts read the right bytes" $bad 0
	is "16 mounts share $2 shared inodes" "$(sysc shared_inodes)" "$2"
	is "... with $(($2 * 16)) members" "$(sysc member_inodes)" $(($2 * 16))
	umount_all
	drop	# unused shared inodes stay cached with their pages until reclaimed
	is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages)" "0 0 0"
}

# reload_cases MODE,IMG,DIR...: 2 checks.  Three times: load the module,
# mount every member in one domain, read big2 through the first, see it
# resident through the others, unmount all, unload.
reload_cases() {
	ok=0
	for i in 1 2 3; do
		_reload_once "$@" && ok=$((ok + 1))
	done
	is "load, use and unload 3 times" $ok 3
	check "module gone" sh -c '! grep -q "^erofs " /proc/modules'
}

_reload_once() {
	modprobe erofs || return 1
	for m in "$@"; do
		mode=${m%%,*} dir=${m##*,} img=${m#*,}
		img=${img%,*}
		mount_image $mode $img $dir domain_id=cyc || return 1
	done
	first=
	for m in "$@"; do
		dir=${m##*,}
		if [ -z "$first" ]; then
			first=$dir
			cat $dir/shared/big2 >/dev/null || return 1
		else
			[ "$(res $dir/shared/big2)" = 257/257 ] || return 1
		fi
	done
	umount_all && rmmod erofs
}
