# Guest helpers of the layers suite: `. /suite/data/layers.sh` after lib.sh
# (it sources the ishare suite's ish.sh: res, sysc, drop, hash_of, ...).
. /suite/data/ish.sh

DOM=layers
# layer mount points; container roots /c1 and /c2
L=/l

# files_match DESC DIR NAME: every regular file under DIR and its sha256,
# and every symlink and its target, equal the host's NAME.{sha256,links}
files_match() {
	(cd "$2" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) >/tmp/fm.sha256 2>&1
	(cd "$2" && find . -type l | sort | while read -r p; do
		echo "$p -> $(readlink "$p")"; done) >/tmp/fm.links 2>&1
	if cmp -s /tmp/fm.sha256 "/suite/data/$3.sha256" && cmp -s /tmp/fm.links "/suite/data/$3.links"; then
		pass "$1"
	else
		fail "$1"
		diag "$(diff "/suite/data/$3.sha256" /tmp/fm.sha256 | head -n 10)"
		diag "$(diff "/suite/data/$3.links" /tmp/fm.links | head -n 10)"
	fi
}

# all_resident LIST DIR: "yes" when every file of LIST (paths ./x) is wholly
# resident under DIR, else the first that is not with its count
all_resident() {
	_r=yes
	while read -r _p; do
		_c=$(res "$2/$_p")
		[ "${_c%/*}" = "${_c#*/}" ] || { _r="$_p $_c"; break; }
	done <"$1"
	echo "$_r"
}

# none_resident LIST DIR: "yes" when no page of any file of LIST is resident
none_resident() {
	_r=yes
	while read -r _p; do
		_c=$(res "$2/$_p")
		[ "${_c%/*}" = 0 ] || { _r="$_p $_c"; break; }
	done <"$1"
	echo "$_r"
}

# read_all LIST DIR: read each file of LIST under DIR
read_all() {
	while read -r _p; do cat "$2/$_p" >/dev/null; done <"$1"
}

# layer_matches DESC DIR NAME: tree_matches for a layer mount, leaving out
# the fingerprint xattr mkfs adds (the host tree has none)
layer_matches() {
	manifest "$2" 2>&1 | sed 's/ x:trusted\.erofs\.fingerprint=[0-9a-f]*//' >/tmp/lm.manifest
	(cd "$2" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) >/tmp/lm.sha256 2>&1
	if cmp -s /tmp/lm.manifest "/suite/data/$3.manifest" && cmp -s /tmp/lm.sha256 "/suite/data/$3.sha256"; then
		pass "$1"
	else
		fail "$1"
		diag "$(diff "/suite/data/$3.manifest" /tmp/lm.manifest | head -n 20)"
		diag "$(diff "/suite/data/$3.sha256" /tmp/lm.sha256 | head -n 10)"
	fi
}
