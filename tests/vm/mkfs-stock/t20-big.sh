# A sparse file over 4 GiB in a mkfs.erofs++ image: size, data on both
# sides of the 4 GiB boundary, holes reading as zeros, and its fingerprint
# equal to the sha256 of all 5 GiB (holes count as zeros).
. /suite/lib.sh
plan 14

check "load Debian's stock erofs.ko" load_stock_erofs
for mode in block file; do
	if ! mount_image $mode big.img /mnt/big; then
		fail "$mode: mount big.img"
		for i in 1 2 3 4 5; do fail "$mode: big.img check $i (not mounted)"; done
		continue
	fi
	pass "$mode: mount big.img"
	f=/mnt/big/sparse-5g
	is "$mode: size" "$(stat -c %s $f)" "$(cat /suite/data/big.size)"
	while read -r skip count want; do
		is "$mode: 4K blocks $skip+$count" \
			"$(dd if=$f bs=4096 skip=$skip count=$count 2>/dev/null | sha256sum | cut -c1-64)" "$want"
	done </suite/data/big.slices
	emount -u /mnt/big
done
# The fingerprint covers all 5 GiB: compare with the host's sha256sum
# without reading 5 GiB under TCG.
mount_image block big.img /mnt/big
got=$(manifest -M /mnt/big | sed -n 's/.* x:trusted\.erofs\.fingerprint=\([0-9a-f]*\).*/\1/p')
is "fingerprint of the 5 GiB file" "$got" "7368613235363a$(cat /suite/data/big.sha256)"
emount -u /mnt/big
