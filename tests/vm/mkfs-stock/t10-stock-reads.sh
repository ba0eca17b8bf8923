# The stock Debian 6.12 erofs.ko mounts mkfs.erofs++ images (block device
# and file-backed) and every file, mode, owner, time, link, device and xattr
# matches the source tree, for uncompressed images (a --tar=i one with
# its tar appended among them) and every compressed
# variant (plus one whose identical files share their blocks), fragments
# in the packed inode (-Efragments, -Eall-fragments) and pclusters shared
# between files (-Ededupe).
. /suite/lib.sh
zimgs=$(cat /suite/data/zimgs)
dupimgs=$(cat /suite/data/dupimgs)
plan $((22 + 2 * ($(echo $zimgs $dupimgs | wc -w) + 1)))

check "load Debian's stock erofs.ko" load_stock_erofs
is "the stock module has no ishare version" "$(cat /sys/module/erofs/version 2>/dev/null || echo none)" none

# image:expected-prefix:manifest-flags (-M: mtimes not compared, -T used)
for spec in default.img:zoo: fixed.img:zoo-M:-M b1024.img:zoo-M:-M \
	b512-shared.img:zoo-M:-M fp.img:zoo-fp: tar-i.img:zoo-tar: $(for z in $zimgs; do echo $z:zoo:; done) \
	zdedupe.img:zoo-dup-fp: $(for z in $dupimgs; do echo $z:zoo-dup-fp:; done); do
	img=${spec%%:*}
	rest=${spec#*:}
	want=${rest%%:*}
	flags=${rest#*:}
	for mode in block file; do
		if mount_image $mode "$img" /mnt/t; then
			tree_matches "$mode $img matches the source tree" /mnt/t "$want" $flags
			emount -u /mnt/t
		else
			fail "$mode $img matches the source tree (mount failed)"
		fi
	done
done

# Fingerprints checked inside the guest too: the xattr the kernel returns
# is "sha256:" + the digest of the bytes the kernel reads.
sha256_prefix=7368613235363a
if mount_image block fp.img /mnt/t; then
	manifest /mnt/t >/tmp/fp.manifest
	for f in sizes/f1 sizes/f4096 sizes/f4097 sizes/f1048577 links/hard-a \
		many/n0000 perms/owned sizes/zeros-300000; do
		got=$(awk -v p="$f" '$1 == p' /tmp/fp.manifest |
			sed -n 's/.* x:trusted\.erofs\.fingerprint=\([0-9a-f]*\).*/\1/p')
		is "fingerprint of $f" "$got" "$sha256_prefix$(sha256sum "/mnt/t/$f" | cut -c1-64)"
	done
	emount -u /mnt/t
else
	for i in 1 2 3 4 5 6 7 8; do fail "fp.img fingerprint $i (mount failed)"; done
fi
