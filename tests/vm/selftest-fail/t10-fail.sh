# Harness self-test: the second check fails on purpose.
. /suite/lib.sh
plan 2
pass "a passing check"
fail "a deliberately failing check"
