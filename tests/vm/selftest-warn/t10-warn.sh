# Harness self-test: load a module that WARNs; every check passes.
. /suite/lib.sh
plan 1
check "insmod warn_test.ko" insmod /suite/data/warn_test.ko
