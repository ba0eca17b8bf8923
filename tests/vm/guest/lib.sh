# TAP helpers for guest test scripts: `. /suite/lib.sh` at the top.
#
# Checks are written to fd 3 (the host's TAP channel), indented four spaces
# as a sub-test of the script.  Declare the number of checks first with
# `plan N`; the script's exit status tells the runner whether every
# planned check ran and passed.
#
#   plan N                   number of checks this script will make
#   pass DESC | fail DESC    record a check
#   check DESC CMD...        pass when CMD exits 0
#   is DESC ACTUAL EXPECTED  pass when the two strings are equal
#   diag TEXT                a diagnostic line
#   bail TEXT                stop the script now, failing it
#
# VM_KERNEL is "debug" on the debug kernel (KASAN, lockdep: much slower;
# scripts may shorten long loops there) and "production" otherwise.
set -u

case " $(cat /proc/cmdline) " in
*" erofs_vm.kernel=debug "*) VM_KERNEL=debug ;;
*) VM_KERNEL=production ;;
esac

_tap_planned=
_tap_n=0
_tap_failed=0

_tap_out() { echo "    $*" >&3; }

plan() { _tap_planned=$1; _tap_out "1..$1"; }
diag() { echo "$*" | sed 's/^/    # /' >&3; }
pass() { _tap_n=$((_tap_n + 1)); _tap_out "ok $_tap_n - $*"; }
fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	_tap_out "not ok $_tap_n - $*"
}

check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_desc"
	else
		fail "$_desc"
		diag "command: $*"
		[ -n "$_out" ] && diag "$_out"
	fi
	return 0
}

is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		diag "got:      $2"
		diag "expected: $3"
	fi
}

bail() { diag "$*"; exit 1; }

_tap_end() {
	_rc=$?
	if [ -z "$_tap_planned" ]; then
		echo "lib.sh: no plan" >&2
		exit 1
	fi
	if [ "$_tap_n" -ne "$_tap_planned" ]; then
		echo "lib.sh: planned $_tap_planned checks, ran $_tap_n" >&2
		exit 1
	fi
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit $_rc
}
trap _tap_end EXIT

# --- erofs helpers ------------------------------------------------------------

# mount_image block|file IMAGE DIR [OPTIONS]: mount image NAME from its
# virtio disk (/disk/NAME) or from its ramfs copy (/ram/images/NAME, a
# file-backed mount) with mount(2).
mount_image() {
	case "$1" in
	block) _src=$(readlink -f "/disk/$2") ;;
	file) _src=/ram/images/$2 ;;
	*) echo "mount_image: block or file, not $1" >&2; return 2 ;;
	esac
	mkdir -p "$3"
	if [ $# -ge 4 ]; then
		emount -t erofs -o "$4" "$_src" "$3"
	else
		emount -t erofs "$_src" "$3"
	fi
}

# tree_matches DESC DIR PREFIX [-M]: DIR's manifest and content hashes equal
# /suite/data/PREFIX.{manifest,sha256} made on the host from the source tree.
tree_matches() {
	_m=/tmp/tm.manifest
	_s=/tmp/tm.sha256
	manifest ${4:-} "$2" >"$_m" 2>&1
	(cd "$2" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) >"$_s" 2>&1
	if cmp -s "$_m" "/suite/data/$3.manifest" && cmp -s "$_s" "/suite/data/$3.sha256"; then
		pass "$1"
	else
		fail "$1"
		diag "$(diff "/suite/data/$3.manifest" "$_m" | head -n 20)"
		diag "$(diff "/suite/data/$3.sha256" "$_s" | head -n 10)"
	fi
}

# load_stock_erofs: load Debian's own erofs.ko (shipped at /stock/erofs.ko)
# after its dependencies, instead of ours.  Succeeds if the stock module is
# already loaded (an earlier script of the suite), fails if ours is.
load_stock_erofs() {
	if grep -q '^erofs ' /proc/modules; then
		[ ! -e /sys/module/erofs/version ]
		return
	fi
	modprobe libcrc32c && insmod /stock/erofs.ko
}
