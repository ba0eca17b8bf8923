# Lifetimes with compressed members: readers on one mount while another
# mount of the domain comes and goes (compressed and mixed, both mount
# kinds, 20 s each), lazy unmount with open and mapped files, 16
# compressed mounts of one domain read at once, rmmod, 3 load/use/unload.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 18

RACE_FILES="big1 big2 t10000 rnd"
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

lazy_umount_cases za.img zb.img
many_mounts_cases za.img 6
check "rmmod erofs after everything is unmounted" rmmod erofs
reload_cases file,za.img,/mnt/a block,zb.img,/mnt/b block,pb.img,/mnt/p
