#!/usr/bin/env bash
# Boot the Debian 6.12 kernel under QEMU (TCG) and run one VM test suite.
#
# usage: scripts/vm/run.sh [--build DIR] [--timeout S] [--kernel production|debug] SUITE_DIR
#
# --kernel debug boots the debug kernel (KASAN, lockdep, ...) of
# scripts/vm/debug-kernel.sh instead, with our erofs.ko built against it;
# logs then land in BUILD/vm-debug/SUITE/.
#
# A suite directory holds:
#   suite.conf   optional bash settings: TIMEOUT, MEM (MiB), SMP, FILE_IMAGES
#                (0 = attach images as disks only), EXPECT_FAIL (see run-all.sh),
#                DEBUG_KERNEL=1 / DEBUG_ONLY=1 (run on the debug kernel too /
#                only; see run-all.sh), DEBUG_TIMEOUT (default 3 x TIMEOUT),
#                QUICK_SKIP (tests left out of the quick debug profile); it
#                sees QUICK=1 in that profile (VM_QUICK=1 on the debug kernel,
#                as `make check` runs it) and may shorten itself
#   host.sh      optional; run on the host first as `host.sh OUTDIR` with
#                TOP, BUILD, KVER (guest kernel release), KBUILD (its kbuild
#                tree, for test modules), VM_KERNEL (production|debug) and
#                QUICK (0|1); it
#                writes disk images to OUTDIR/images/ (attached read-only as
#                virtio disks, in name order, and copied to /ram/images in
#                the guest for file-backed mounts) and anything else the
#                guest needs to OUTDIR/data/ (-> /suite/data)
#   t*.sh        guest test scripts, run in name order (see tests/vm/guest/lib.sh)
#
# In the guest, /disk/NAME is the block device of image NAME and
# /ram/images/NAME a copy on ramfs.  Logs land in BUILD/vm/SUITE/:
# console.log (kernel log, ttyS0) and tap.log (TAP, ttyS1).  Exit status 0
# only when every check passed and the kernel log is clean.
set -euo pipefail

usage() { echo "usage: $0 [--build DIR] [--timeout S] [--kernel production|debug] SUITE_DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build timeout_arg="" suite="" vmkernel=production
while (($#)); do
	case "$1" in
	--build) build=${2:?}; shift 2 ;;
	--timeout) timeout_arg=${2:?}; shift 2 ;;
	--kernel)
		case "${2:-}" in production|debug) vmkernel=$2 ;; *) usage ;; esac
		shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) [[ -z $suite ]] || usage; suite=$1; shift ;;
	esac
done
[[ -n $suite && -d $suite ]] || usage
build=$(mkdir -p "$build" && cd "$build" && pwd)
suite=$(cd "$suite" && pwd)
name=$(basename "$suite")

# QUICK=1 in suite.conf's eyes: the shorter debug-kernel profile (VM_QUICK=1,
# debug kernel only) that `make check` runs; a suite trims itself with it.
QUICK=0
[[ $vmkernel == debug && ${VM_QUICK:-0} == 1 ]] && QUICK=1
TIMEOUT=300 MEM=2048 SMP=2 FILE_IMAGES=1 DEBUG_TIMEOUT="" QUICK_SKIP=""
# shellcheck source=/dev/null
[[ -f $suite/suite.conf ]] && source "$suite/suite.conf"

append="console=ttyS0 rdinit=/init panic=-1 loglevel=7 mitigations=off"
if [[ $vmkernel == debug ]]; then
	# Build or reuse the kernel and our module against it (quiet when
	# nothing changed); the last two lines are the image and the module.
	mkdir -p "$build/vm-debug"
	dklog=$build/vm-debug/debug-kernel.$name.log
	paths=$("$top/scripts/vm/debug-kernel.sh" --build "$build" 2>"$dklog") || {
		cat "$dklog" >&2
		exit 1
	}
	kernel=$(sed -n '1p' <<<"$paths")
	ko=$(sed -n '2p' <<<"$paths")
	kbuild=$(dirname "$kernel")/obj
	kver=$(cat "$kbuild/include/config/kernel.release")
	vmdir=$build/vm-debug
	base_args=(--kdir "$kbuild")
	TIMEOUT=${DEBUG_TIMEOUT:-$((TIMEOUT * 3))}
	# Guest scripts see it in /proc/cmdline (lib.sh: $VM_KERNEL).
	# no5lvl: 4-level paging, as on most hosts (TCG's -cpu max offers LA57,
	# and one boot saw a KASAN wild-memory-access in an interrupt during
	# identify_cpu, before any module was loaded, with 5-level paging).
	# pci=noacpi: PCI interrupts routed by the PIRQ table, not by ACPI's
	# interpreter, which under KASAN and lockdep in TCG took 10-15 s per
	# link and up to 250 s of boot with a suite's 16 disks (6 s without).
	append+=" erofs_vm.kernel=debug no5lvl pci=noacpi"
else
	kver=$("$top/scripts/kver.sh")
	kernel=/boot/vmlinuz-$kver
	ko=$build/kmod/erofs.ko
	kbuild=/lib/modules/$kver/build
	vmdir=$build/vm
	base_args=()
	[[ -r $kernel ]] || { echo "vm: $kernel missing (run 'make deps')" >&2; exit 1; }
fi
# Extra kernel command-line words, for experiments (not used by the suites).
append+=${VM_APPEND:+ $VM_APPEND}
TIMEOUT=${timeout_arg:-$TIMEOUT}

out=$vmdir/$name
rm -rf "$out"
mkdir -p "$out/images" "$out/data"

# Base initramfs: rebuilt when the module or any harness file is newer, or
# when it was made for another kernel.
base=$vmdir/base.cpio
# Suites may run in parallel (run-all.sh --jobs): one builds, the others wait.
exec 8>"$vmdir/.base.lock"
flock 8
if [[ ! -f $base || "$(cat "$base.kernel" 2>/dev/null)" != "$kernel" ]] ||
	[[ -n $(find "$ko" "$top/tests/vm/guest" "$top/tests/vm/helpers" \
		"$top/scripts/vm/mkinitramfs.sh" -newer "$base" -print -quit) ]]; then
	"$top/scripts/vm/mkinitramfs.sh" --build "$build" "${base_args[@]}" "$base"
	echo "$kernel" >"$base.kernel"
fi
flock -u 8

if [[ -x $suite/host.sh ]]; then
	TOP=$top BUILD=$build KVER=$kver KBUILD=$kbuild VM_KERNEL=$vmkernel QUICK=$QUICK \
		"$suite/host.sh" "$out" >"$out/host.log" 2>&1 || {
		echo "vm: $name: host.sh failed:" >&2
		tail -n 20 "$out/host.log" >&2
		exit 1
	}
fi

# Suite overlay: scripts, the list of tests and disks, data and images.
ov=$out/overlay
mkdir -p "$ov/suite"
cp "$suite"/t*.sh "$ov/suite/"
if ((QUICK)); then
	for t in $QUICK_SKIP; do
		[[ -f $ov/suite/$t.sh ]] || { echo "vm: $name: QUICK_SKIP: no $t.sh" >&2; exit 1; }
		rm "$ov/suite/$t.sh"
	done
fi
(cd "$ov/suite" && ls t*.sh | LC_ALL=C sort) >"$ov/suite/tests"
cp -a "$out/data" "$ov/suite/data"
disks=()
: >"$ov/suite/disks"
for img in $(cd "$out/images" && ls | LC_ALL=C sort); do
	disks+=(-drive "file=$out/images/$img,if=virtio,format=raw,readonly=on")
	echo "$img" >>"$ov/suite/disks"
done
if ((FILE_IMAGES)); then
	cp -a "$out/images" "$ov/suite/images"
fi
(cd "$ov" && find . -print0 | LC_ALL=C sort -z |
	cpio --quiet -o -0 -H newc --owner=0:0) >"$out/suite.cpio"
cat "$base" "$out/suite.cpio" >"$out/initramfs.cpio"
rm -rf "$ov" "$out/suite.cpio"

: >"$out/console.log"
: >"$out/tap.log"
start=$(date +%s)
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg -cpu max -smp "$SMP" -m "$MEM" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$out/initramfs.cpio" \
	-append "$append" \
	-serial "file:$out/console.log" -serial "file:$out/tap.log" \
	"${disks[@]}" >"$out/qemu.log" 2>&1
rc=$?
set -e
elapsed=$(($(date +%s) - start))

judge=(--tap "$out/tap.log" --console "$out/console.log" --name "$name")
if ((rc == 124 || rc == 137)); then
	judge+=(--timeout "$TIMEOUT")
elif ((rc != 0)); then
	echo "vm: $name: qemu exited with $rc:" >&2
	tail -n 5 "$out/qemu.log" >&2
fi
set +e
"$build/utils/vmlog" "${judge[@]}"
verdict=$?
set -e
echo "vm: $name: ${elapsed}s in the guest ($vmkernel kernel); logs in $out"
((verdict == 0 && rc == 0)) || exit 1
