#!/usr/bin/env bash
# Build this self-test's module (warn_test.c) against the guest kernel's tree.
# usage: host.sh OUTDIR   (env: TOP, KBUILD)
set -euo pipefail
exec "$TOP/tests/vm/lib/build-testmod.sh" "${1:?usage: host.sh OUTDIR}" "$(dirname "$0")/warn_test.c"
