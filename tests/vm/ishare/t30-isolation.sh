# Isolation: no sharing across domains, without a domain, with one side
# unshared, for equal fingerprints of different size, and for the key
# ambiguity pair.  Contents stay correct.
. /suite/lib.sh
. /suite/data/ish.sh
. /suite/data/cases.sh
plan 31

check "modprobe erofs" modprobe erofs
isolation_cases a.img b.img
drop	# unused shared inodes stay cached with their pages until reclaimed
is "counters back to zero" "$(sysc shared_inodes) $(sysc member_inodes)" "0 0"
check "rmmod erofs" rmmod erofs
