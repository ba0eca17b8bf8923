# Identical files read through container 1 are resident through container
# 2: the base's files (--tar=f, block device and file-backed), the libs
# both versions hold (--tar=i, both file-backed with the tar appended), the
# app files both hold (lz4 on a block device, plain file-backed); the
# files that changed are not.
. /suite/lib.sh
. /suite/data/layers.sh
plan 13

drop
for s in base.big libs.same app.same libs.diff app.diff; do
	printf '%s\n' "$(none_resident /suite/data/$s /c2)" >/tmp/before.$s
done
is "nothing of base/libs/app resident through container 2 after the drop" \
	"$(cat /tmp/before.base.big /tmp/before.libs.same /tmp/before.app.same | sort -u)" yes
read_all /suite/data/base.big /c1
is "base files read through container 1 are resident through container 2" \
	"$(all_resident /suite/data/base.big /c2)" yes
is "... and in its layer 5-base-f" "$(all_resident /suite/data/base.big $L/5)" yes
read_all /suite/data/libs.same /c1
is "index-mode libs read through container 1 are resident through container 2" \
	"$(all_resident /suite/data/libs.same /c2)" yes
is "... and in its layer 6-libs2-i" "$(all_resident /suite/data/libs.same $L/6)" yes
read_all /suite/data/app.same /c1
is "app files read through container 1 (lz4) are resident through container 2 (plain)" \
	"$(all_resident /suite/data/app.same /c2)" yes
read_all /suite/data/libs.diff /c1
read_all /suite/data/app.diff /c1
is "libs that changed between the versions stay apart" \
	"$(none_resident /suite/data/libs.diff /c2)" yes
is "app files that changed stay apart" "$(none_resident /suite/data/app.diff /c2)" yes
check "shared inodes counted" test "$(sysc shared_inodes)" -gt 0
check "member inodes counted" test "$(sysc member_inodes)" -gt "$(sysc shared_inodes)"
check "bytes saved counted" test "$(sysc bytes_saved)" -gt 0
is "container 1 still runs" "$(chroot /c1 /usr/bin/openssl version 2>&1)" \
	"$(cat /suite/data/root1.openssl)"
is "container 2 still runs" "$(chroot /c2 /usr/bin/jq --version 2>&1)" "$(cat /suite/data/root2.jq)"
