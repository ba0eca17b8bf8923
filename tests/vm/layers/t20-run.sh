# Each container runs its app's own binaries (chroot, as a runtime would
# after pivot_root), and every file of each root is right.
. /suite/lib.sh
. /suite/data/layers.sh
plan 9

is "container 1: the loader starts through /lib64 -> /lib -> usr/lib" \
	"$(chroot /c1 /lib64/ld-linux-x86-64.so.2 --version 2>&1 | sed -n 1p)" "$(cat /suite/data/root1.ldso)"
is "container 1: openssl version" "$(chroot /c1 /usr/bin/openssl version 2>&1)" \
	"$(cat /suite/data/root1.openssl)"
is "container 1: jq --version" "$(chroot /c1 /usr/bin/jq --version 2>&1)" "$(cat /suite/data/root1.jq)"
is "container 2: the loader starts" \
	"$(chroot /c2 /lib64/ld-linux-x86-64.so.2 --version 2>&1 | sed -n 1p)" "$(cat /suite/data/root2.ldso)"
is "container 2: openssl version" "$(chroot /c2 /usr/bin/openssl version 2>&1)" \
	"$(cat /suite/data/root2.openssl)"
is "container 2: jq --version" "$(chroot /c2 /usr/bin/jq --version 2>&1)" "$(cat /suite/data/root2.jq)"
is "container 2: jq filters" "$(echo '{"a":[1,2,3]}' | chroot /c2 /usr/bin/jq -c '.a|add' 2>&1)" 6
files_match "container 1: every file and link of the root" /c1 root1
files_match "container 2: every file and link of the root" /c2 root2
