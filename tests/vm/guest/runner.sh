#!/bin/sh
# Run the guest test scripts listed in /suite/tests and report TAP on fd 3.
#
# Each script writes its own checks (indented) through /suite/lib.sh; this
# runner adds the top-level plan, a "# begin NAME" marker (also written to
# the kernel log, so a splat can be matched to its test) and one verdict per
# script: ok when the script exited 0, else not ok.
tests=$(cat /suite/tests)
count=$(echo "$tests" | grep -c .)
echo "TAP version 13" >&3
echo "1..$count" >&3
n=0
for t in $tests; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	echo "# begin $name" >&3
	echo "erofs-test: begin $name" >/dev/kmsg
	log=/tmp/log.$name
	(cd /tmp && exec sh "/suite/$t") >"$log" 2>&1
	rc=$?
	echo "erofs-test: end $name rc=$rc" >/dev/kmsg
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name" >&3
	else
		# Show what the script printed, as TAP diagnostics.
		tail -n 30 "$log" | sed 's/^/    # /' >&3
		echo "not ok $n - $name (exit $rc)" >&3
	fi
done
