# A write in container 1 copies up and stays private: container 2 and every
# layer keep their bytes.  Then everything unmounts and the module unloads.
. /suite/lib.sh
. /suite/data/layers.sh
plan 9

f=$(head -n 1 /suite/data/libs.same)
b=$(head -n 1 /suite/data/base.big)
want_f=$(awk -v p="$f" '$2 == p { print $1 }' /suite/data/libs2.sha256)
want_b=$(awk -v p="$b" '$2 == p { print $1 }' /suite/data/base.sha256)
echo private >>"/c1/$f"
echo private >>"/c1/$b"
is "copy-up: container 1 sees its write" "$(tail -c 8 "/c1/$f")" private
check "copy-up: the file is in container 1's upper dir" test -f "/up/1/$f"
is "container 2's copy of the lib is unchanged" "$(hash_of cat "/c2/$f")" "$want_f"
is "container 2's copy of the base file is unchanged" "$(hash_of cat "/c2/$b")" "$want_b"
is "layer 2-libs1-i is unchanged" "$(hash_of cat "$L/2/$f")" "$want_f"
is "layer 1-base-f is unchanged" "$(hash_of cat "$L/1/$b")" "$want_b"
umount /c1
umount /c2
umount_all
is "no erofs mount left" "$(awk '$3 == "erofs"' /proc/mounts | wc -l)" 0
drop
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
