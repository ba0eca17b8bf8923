#!/usr/bin/env bash
# Describe a source tree the way the guest will describe the mounted image:
# PREFIX.manifest (tests/vm/helpers/manifest.c) and PREFIX.sha256.
#
# usage: tests/vm/lib/expect.sh [-M] TREE PREFIX     (-M: leave out mtimes)
set -euo pipefail
flags=()
[[ ${1:-} == -M ]] && { flags+=(-M); shift; }
tree=${1:?usage: expect.sh [-M] TREE PREFIX}
prefix=${2:?usage: expect.sh [-M] TREE PREFIX}
top=$(cd "$(dirname "$0")/../../.." && pwd)
bin=$(dirname "$prefix")/.manifest-host
[[ -x $bin ]] || gcc -O2 -Wall -Wextra -Werror -o "$bin" "$top/tests/vm/helpers/manifest.c"
"$bin" "${flags[@]}" "$tree" >"$prefix.manifest"
(cd "$tree" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) >"$prefix.sha256"
