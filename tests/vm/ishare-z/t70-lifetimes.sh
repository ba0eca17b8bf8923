# Lifetimes with compressed members: readers on one mount while another
# mount of the domain comes and goes (compressed and mixed, both mount
# kinds, 20 s each), lazy unmount with open and mapped files, 16
# compressed mounts of one domain read at once, rmmod, 3 load/use/unload.
. /suite/lib.sh
. /suite/data/ish.sh
plan 18

# race TREE READER_IMG READER_MODE CYCLER_IMG CYCLER_MODE SECS: 8 readers
# (4 read(2), 4 page-wise mmap) check bytes while the cycler mounts, reads
# (and so fills misses through itself), drops and unmounts
race() {
	mount_image $3 $2 /mnt/r domain_id=race || return 1
	rm -f /tmp/stop /tmp/bad.* /tmp/count.*
	for i in 1 2 3 4 5 6 7 8; do
		(
			n=0
			while [ ! -f /tmp/stop ]; do
				for f in big1 big2 t10000 rnd; do
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
		cat /mnt/c/shared/big2 /mnt/c/shared/rnd >/dev/null
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
	[ $cycles -gt 3 ] && ! ls /tmp/bad.* >/dev/null 2>&1
}

check "modprobe erofs" modprobe erofs
check "8 readers on compressed B (file) while compressed A (block) cycles, 20 s" race B zb.img file za.img block 20
check "8 readers on compressed A (block) while plain B (file) cycles, 20 s" race A za.img block pb.img file 20
check "8 readers on plain B (block) while compressed A (file) cycles, 20 s" race B pb.img block za.img file 20

# asynchronous decompression outliving its member: WILLNEED readahead
# through A (decompressed later, in a worker or at bio completion), then
# A unmounted at once, by the same process, while B keeps the shared inode
async_umount() {
	ok=0
	for i in $(seq 1 10); do
		mount_image $1 za.img /mnt/a domain_id=async &&
			mount_image $2 zb.img /mnt/b domain_id=async || break
		ishtool raumount /mnt/a /mnt/a/shared/big1 /mnt/a/shared/big2 \
			/mnt/a/shared/rnd /mnt/a/onlyA || break
		[ "$(hash_of cat /mnt/b/shared/big1)" = "$(want B shared/big1)" ] &&
			[ "$(hash_of cat /mnt/b/shared/big2)" = "$(want B shared/big2)" ] &&
			ok=$((ok + 1))
		emount -u /mnt/b
		[ $((i % 4)) -eq 0 ] && drop
	done
	[ $ok -eq 10 ]
}
check "readahead through A (block), A unmounted at once, B reads, 10 times" async_umount block file
check "readahead through A (file), A unmounted at once, B reads, 10 times" async_umount file block

# lazy unmount with an open and a mapped file
mount_image block za.img /mnt/a domain_id=lazy
mount_image file zb.img /mnt/b domain_id=lazy
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

# 16 file-backed compressed mounts of one domain, read concurrently
for i in $(seq 1 16); do
	mount_image file za.img /mnt/m$i domain_id=many || diag "mount $i failed"
done
for i in $(seq 1 16); do
	(cd /mnt/m$i && find . -type f -print0 | sort -z | xargs -0 sha256sum >/tmp/many.$i) &
done
wait
bad=0
for i in $(seq 1 16); do cmp -s /tmp/many.$i /suite/data/A.sha256 || bad=$((bad + 1)); done
is "16 concurrent mounts read the right bytes" $bad 0
is "16 mounts share 6 shared inodes" "$(sysc shared_inodes)" 6
is "... with 96 members" "$(sysc member_inodes)" 96
umount_all
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes) $(sysc cached_pages)" "0 0 0"
check "rmmod erofs after everything is unmounted" rmmod erofs

ok=0
for i in 1 2 3; do
	modprobe erofs && mount_image file za.img /mnt/a domain_id=cyc &&
		mount_image block zb.img /mnt/b domain_id=cyc &&
		mount_image block pb.img /mnt/p domain_id=cyc &&
		cat /mnt/a/shared/big2 >/dev/null &&
		[ "$(res /mnt/b/shared/big2)" = 257/257 ] &&
		[ "$(res /mnt/p/shared/big2)" = 257/257 ] &&
		umount_all && rmmod erofs && ok=$((ok + 1))
done
is "load, use and unload 3 times" $ok 3
check "module gone" sh -c '! grep -q "^erofs " /proc/modules'
