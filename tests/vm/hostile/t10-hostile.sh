# Hostile images (issue 15): every image of /suite/data/hostile.patches
# (made by tests/vm/lib/mutate.py, seed in /suite/data/seed) is mounted
# with the domain of five honest images mounted here, read whole (stat,
# xattrs, read, mmap), unmounted; the honest images must read exactly as
# the reference tree while it is mounted, and cold after it is gone.  The
# per-image loop is the static helper `hostile` (tests/vm/helpers).  The
# host judge fails the run on any splat or hang; the console log has a
# "hostile: image N" line before each image.
. /suite/lib.sh
plan 19

D=hostile-domain
LOOP_EVERY=8 COLD_EVERY=1
. /suite/data/hostile.conf
N=$(wc -l </suite/data/hostile.patches)
diag "seed $(cat /suite/data/seed), $N images, loop every $LOOP_EVERY, cold every $COLD_EVERY"
check "modprobe erofs" modprobe erofs
check "modprobe loop" modprobe loop

# Honest images: plain 4 KiB and full-index lz4hc from their disks, the
# others file-backed.
nh=0
while read -r img; do
	case $img in
	h0-*|h2-*) mode="block" ;;
	*) mode="file" ;;
	esac
	mount_image "$mode" "$img" "/mnt/h$nh" "domain_id=$D" || bail "cannot mount honest $img"
	nh=$((nh + 1))
done </suite/disks
is "honest images mounted" "$nh" 5

mkdir -p /mnt/x
hostile -p /suite/data/hostile.patches -b /suite/data/bases -r /suite/data/tree \
	-m /mnt/x -w /ram/hostile.img -o "domain_id=$D" -l "$LOOP_EVERY" -c "$COLD_EVERY" \
	/mnt/h0 /mnt/h1 /mnt/h2 /mnt/h3 /mnt/h4 >/tmp/hostile.out 2>/tmp/hostile.err
rc=$?
cat /tmp/hostile.out
get() { v=$(sed -n "s/^$1=//p" /tmp/hostile.out); echo "${v:-missing}"; }
grep -E '^(MISMATCH|UMOUNTFAIL|LOOP)' /tmp/hostile.out | head -n 20 | while read -r l; do diag "$l"; done
diag "$(grep '^refused_' /tmp/hostile.out | tr '\n' ' ')"
diag "time (ms): $(grep '^ms_' /tmp/hostile.out | tr '\n' ' ')"

is "helper exit status" "$rc" 0
is "images run" "$(get images)" "$N"
mounted=$(get mounted)
refused=$(get refused)
is "mounted + refused = images" "$((mounted + refused))" "$N"
# A full run (not a one-image reproducer) has both outcomes.
few=0
[ "$N" -lt 50 ] && few=1
check "mounts refused: $refused" [ "$refused" -gt 0 -o $few = 1 ]
check "mounts ok: $mounted" [ "$mounted" -gt 0 -o $few = 1 ]
check "files read: $(get files)" [ "$(get files)" -gt 0 -o $few = 1 ]
check "read errors: $(get read_errors), stat errors $(get stat_errors), SIGBUS $(get sigbus)" \
	[ "$(get read_errors)" -ge 0 ]
check "xattrs read: $(get xattrs)" [ "$(get xattrs)" -gt 0 -o $few = 1 ]
colds=$(get cold_passes)
is "cold honest passes" "$colds" "$((COLD_EVERY > 0 ? mounted / COLD_EVERY : 0))"
is "honest checks passed (5 initial, 5 per mounted image and per cold pass)" \
	"$(get honest_ok)" "$((5 + 5 * mounted + 5 * colds))"
is "honest checks failed" "$(get honest_bad)" 0
is "unmount and loop failures" "$(get failures)" 0

for m in 0 1 2 3 4; do emount -u "/mnt/h$m"; done
is "no erofs mount left" "$(grep -c ' erofs ' /proc/mounts)" 0
check "no loop device left" sh -c '! losetup -a | grep -q .'
check "modprobe -r erofs (no reference leaked)" modprobe -r erofs
check "module gone" sh -c '! grep -q "^erofs " /proc/modules'
