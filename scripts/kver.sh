#!/usr/bin/env bash
# Print the kernel release (uname -r form) of the installed Debian 6.12 kernel
# whose headers we build against, e.g. "6.12.117+deb12-amd64".  This is not
# the running kernel: the build machine runs something else.
#
# usage: scripts/kver.sh
set -euo pipefail

[[ $# -eq 0 ]] || { echo "usage: $0" >&2; exit 2; }

dep=$(dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 2>/dev/null) || {
	echo "kver: linux-headers-6.12-amd64 is not installed (run 'make deps')" >&2
	exit 1
}
# "linux-headers-6.12.117+deb12-amd64 (= 6.12.117-1~deb12u1)"
rel=${dep%% *}
rel=${rel#linux-headers-}
[[ -e /lib/modules/$rel/build/Makefile ]] || {
	echo "kver: /lib/modules/$rel/build is missing (headers package broken?)" >&2
	exit 1
}
echo "$rel"
