#!/usr/bin/env bash
# Run VM test suites on the erofs.ko that DKMS built and installed in the
# Debian 12 chroot (tests/pkg/chroot-install.sh), so the packaged build is
# the tested one.
#
# usage: tests/pkg/vm-dkms.sh [--build DIR] [SUITE...]
#   --build DIR  build folder (default: build): takes DIR/pkg/erofs.ko and
#                the tools in DIR/utils; logs land in DIR/pkg/vm/vm/SUITE/
#   SUITE...     default: smoke basic ishare
#
# DIR/pkg/vm is a build folder of its own for scripts/vm/run.sh: its
# kmod/erofs.ko is the DKMS module, utils/ links to DIR/utils.  The smoke
# suite prints the loaded module's version, which must be the DKMS one.
set -euo pipefail

usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build suites=()
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	-*) usage ;;
	*) suites+=("$1"); shift ;;
	esac
done
((${#suites[@]})) || suites=(smoke basic ishare)
build=$(mkdir -p "$build" && cd "$build" && pwd)
die() { echo "vm-dkms: $*" >&2; exit 1; }

ko=$build/pkg/erofs.ko
[[ -f $ko ]] || die "$ko missing (run tests/pkg/chroot-install.sh)"
[[ -x $build/utils/vmlog ]] || die "$build/utils not built (run 'make utils')"
vmb=$build/pkg/vm
mkdir -p "$vmb/kmod"
cmp -s "$ko" "$vmb/kmod/erofs.ko" || cp "$ko" "$vmb/kmod/erofs.ko"
ln -sfn "$build/utils" "$vmb/utils"
ver=$(modinfo -F version "$ko")
echo "vm-dkms: $ko: version $ver, signer '$(modinfo -F signer "$ko")'"

"$top/tests/vm/run-all.sh" --build "$vmb" "${suites[@]}"
if [[ " ${suites[*]} " == *" smoke "* ]]; then
	grep -qF "our build is loaded ($ver)" "$vmb/vm/smoke/tap.log" ||
		die "the smoke guest did not load $ver"
	echo "vm-dkms: the guest loaded $ver"
fi
