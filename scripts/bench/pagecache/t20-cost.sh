# Cost of the sharing path (BENCHMARKS.md section 2): one image mounted
# once with a domain_id of its own (nothing to share with) and once
# without, in alternating order; per pass: cold read of every file (caches
# dropped after the mount), warm re-read, mmap + touch of every page (warm),
# open/close of every file (warm, 3 rounds) and cold open/close (after a
# drop: lookup, inode fill and joining).  One "C key=value..." line a pass.
. /suite/lib.sh
. /suite/data/bench.sh
img=$(cat /suite/data/cost-image)
passes=$(cat /suite/data/cost-passes)
plan $((passes * 2))
modprobe erofs
i=1
while [ $i -le "$passes" ]; do
	if [ $((i % 2)) -eq 1 ]; then modes="off on"; else modes="on off"; fi
	for mode in $modes; do
		umount_all
		mnt "$img" /mnt/c $mode cost
		drop
		cold=$(benchio read /mnt/c)
		warm=$(benchio read /mnt/c)
		mm=$(benchio mmap /mnt/c)
		oc=$(benchio open -r 3 /mnt/c)
		drop
		co=$(benchio open /mnt/c)
		ok=no
		[ -n "$cold" ] && [ -n "$warm" ] && [ -n "$mm" ] && [ -n "$oc" ] && [ -n "$co" ] && ok=yes
		is "pass $i sharing $mode: all passes ran" $ok yes
		diag "C pass=$i mode=$mode cold=$(ns_of "$cold") warm=$(ns_of "$warm") mmap=$(ns_of "$mm")" \
			"open=$(ns_of "$oc") copen=$(ns_of "$co") $(echo "$cold" | cut -d' ' -f1-2)"
	done
	i=$((i + 1))
done
umount_all
