# Harness self-test: hang forever.
. /suite/lib.sh
plan 1
pass "about to hang"
while :; do sleep 60; done
