# Kernel users that reach a shared file's page cache through its inode, not
# through a file of ours: uprobes (they walk inode->i_mapping->i_mmap), a
# loop device over a shared file, an erofs image stored in a sharing mount
# and mounted file-backed, and overlayfs containers stacked on sharing
# layers.  ua.img (uncompressed) and ub.img (lz4hc) hold the program tick
# and inner.img (an image of tree A); a.img and b.img are base layers.
. /suite/lib.sh
. /suite/data/ish.sh
plan 34

check "modprobe erofs" modprobe erofs
check "container 1's top layer (plain, block)" mount_image block ua.img /mnt/u domain_id=d
check "container 2's top layer (lz4hc, file-backed)" mount_image file ub.img /mnt/v domain_id=d
check "container 1's base layer (file-backed)" mount_image file a.img /mnt/a domain_id=d
check "container 2's base layer (block)" mount_image block b.img /mnt/b domain_id=d

# --- uprobes: a probe on a shared program hits processes started before it
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
off=$(cat /suite/data/tick.off)
# hits PID: trace lines of the probe from process PID
hits() { grep -c "^ *tick-$1 .* tick_" $T/trace; }
for m in u v; do
	echo >$T/trace
	/mnt/$m/tick 6 >/tmp/tick.before &
	before=$!
	sleep 1
	check "$m: register a uprobe on /mnt/$m/tick while it runs" \
		sh -c "echo 'p:ish/tick_$m /mnt/$m/tick:$off' >>$T/uprobe_events && echo 1 >$T/events/ish/tick_$m/enable"
	/mnt/$m/tick 2 >/tmp/tick.after &
	after=$!
	wait $after
	wait $before
	hb=$(hits $before)
	ha=$(hits $after)
	diag "$m: hits from the process started before the probe: $hb, after: $ha"
	check "$m: the process started before the probe hits it" test "$hb" -ge 100
	check "$m: the process started after the probe hits it" test "$ha" -ge 50
	is "$m: both ran every tick" "$(cat /tmp/tick.before) $(cat /tmp/tick.after)" "300 100"
	echo 0 >$T/events/ish/tick_$m/enable
	echo "-:ish/tick_$m" >>$T/uprobe_events
done
is "tick's bytes after the probes" "$(hash_of cat /mnt/v/tick)" "$(want U tick)"

# --- a loop device over a shared file -----------------------------------------
drop
modprobe loop
dev=$(losetup -f)
check "loop device over the shared inner.img" losetup -r "$dev" /mnt/u/inner.img
is "the loop device reads inner.img's bytes" "$(hash_of cat "$dev")" "$(want U inner.img)"
is "what it read is in the shared cache" "$(res /mnt/v/inner.img)" "$(res /mnt/u/inner.img)"
mkdir -p /mnt/l
check "the image in it mounts" emount -t erofs -o ro "$dev" /mnt/l
hashes_match "... and reads exactly" /mnt/l A
emount -u /mnt/l
losetup -d "$dev"

# --- an image file in a sharing mount, mounted file-backed --------------------
drop
# (erofs refuses a file-backed mount whose image is on a file-backed erofs
# mount, to bound the stacking depth: use block-device containers here)
mkdir -p /mnt/iu /mnt/iv
check "mount inner.img from the plain container, file-backed" \
	emount -t erofs -o domain_id=in /mnt/u/inner.img /mnt/iu
check "... and from the lz4hc one (its image on a block device)" sh -c '
	mkdir -p /mnt/vb && emount -t erofs -o domain_id=d "$(readlink -f /disk/ub.img)" /mnt/vb &&
	emount -t erofs -o domain_id=in /mnt/vb/inner.img /mnt/iv'

hashes_match "inner image through the plain container" /mnt/iu A
cat /mnt/iu/shared/big1 >/dev/null
is "its files share with the other copy" "$(res /mnt/iv/shared/big1)" 1024/1024
hashes_match "inner image through the lz4hc container" /mnt/iv A
emount -u /mnt/iu
emount -u /mnt/iv

# --- overlayfs: two containers of two layers each -----------------------------
drop
mkdir -p /tmp/up1 /tmp/w1 /tmp/up2 /tmp/w2 /mnt/c1 /mnt/c2
modprobe overlay
check "container 1: overlay of ua + a" mount -t overlay overlay \
	-o lowerdir=/mnt/u:/mnt/a,upperdir=/tmp/up1,workdir=/tmp/w1 /mnt/c1
check "container 2: overlay of ub + b" mount -t overlay overlay \
	-o lowerdir=/mnt/v:/mnt/b,upperdir=/tmp/up2,workdir=/tmp/w2 /mnt/c2
cat /mnt/c1/shared/big1 >/dev/null
is "read through container 1, resident through container 2" "$(res /mnt/c2/shared/big1)" 1024/1024
n0=$(res /mnt/c2/tick)
is "container 1 runs tick" "$(/mnt/c1/tick 0)" 0
n1=$(res /mnt/c2/tick)
diag "tick resident through container 2: $n0 before, $n1 after container 1 ran it"
check "... its text is resident for container 2" test "${n1%/*}" -gt "${n0%/*}"
echo appended >>/mnt/c1/shared/small
is "copy-up through container 1 changes its file" \
	"$(tail -c 9 /mnt/c1/shared/small)" appended
is "... not container 2's" "$(hash_of cat /mnt/c2/shared/small)" "$(want B shared/small)"
is "... nor the layer's" "$(hash_of cat /mnt/a/shared/small)" "$(want A shared/small)"
ishtool fadvise /mnt/c1/shared/big1 dontneed
is "fadvise DONTNEED through container 1 reaches container 2" "$(res /mnt/c2/shared/big1)" 0/1024
umount /mnt/c1
umount /mnt/c2
umount_all
drop
check "rmmod erofs" rmmod erofs
