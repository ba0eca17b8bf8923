#!/bin/bash
# Builds a corpus of images made by erofs-utils 1.9.3 (the peer) from small
# generated trees, for the interop tests (tests/unit/test_interop.cpp).
#
# usage: tests/interop/peer-corpus.sh OUTDIR
#
# The peer is taken from $EROFS_PEER_PREFIX (default /opt/erofs-utils-1.9.3,
# mkfs.erofs in its bin/).  Exit 77 (and a line saying why) when it is absent.
# OUTDIR gets:
#   tree/            the source tree (files, holes, zeros, duplicates, shared
#                    tails, links, devices, xattrs)
#   tree.tar         the same tree as a PAX tar (for --tar=i)
#   images/NAME.erofs  one image per kind
#   images/NAME.args   extra inspect arguments (e.g. --device=FILE), may be empty
#   images/NAME.src    the tree the image must extract to (relative to OUTDIR)
#   corpus.list      NAME per line, in build order
#   refused.list     NAME WORDS: images of features Linux 6.12 cannot mount,
#                    and what inspect's refusal must say
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
out=$1
peer=${EROFS_PEER_PREFIX:-/opt/erofs-utils-1.9.3}
mkfs=$peer/bin/mkfs.erofs
if [ ! -x "$mkfs" ]; then
	echo "SKIP: no erofs-utils peer at $peer (set EROFS_PEER_PREFIX)" >&2
	exit 77
fi

rm -rf "$out"
mkdir -p "$out/images"
tree=$out/tree

# The tree: deterministic content, mtimes and modes.
python3 - "$tree" <<'EOF'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(14)
os.makedirs(root)
def put(rel, data, mode=0o644):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'wb') as f:
        f.write(data)
    os.chmod(p, mode)
text = b''.join(b'line %d of a fairly compressible text file\n' % i for i in range(40000))
noise = bytes(rnd.getrandbits(8) for _ in range(300000))
put('zeros-5M', bytes(5 << 20))                       # the dedupe repro
put('text', text)
put('text-copy', text)                                # whole-file dedupe
put('text-head', text[:700000])                       # a prefix of text
put('mixed', text[:100000] + noise[:50000] + text[:100000] + noise[:50000])
put('noise', noise)
put('noise-copy', noise)
put('empty', b'')
put('one', b'x')
put('dir/block-4096', bytes(range(256)) * 16)
put('dir/block-4097', bytes(range(256)) * 16 + b'!')
put('dir/exec', b'#!/bin/sh\necho hi\n', 0o755)
for i in range(40):                                   # small files, shared tails
    put('small/f%02d' % i, (b'head %d ' % i) * (i * 7) + b'common tail ' * 30)
for i in range(8):
    put('tails/t%d' % i, noise[i * 1000:i * 1000 + 9000] + text[:5000])
put('deep/a/b/c/d/leaf', b'leaf\n')
# A sparse file: a hole, data, a hole.
p = os.path.join(root, 'sparse')
with open(p, 'wb') as f:
    f.seek(3 << 20)
    f.write(text[:20000])
    f.truncate(6 << 20)
os.symlink('text', os.path.join(root, 'link-text'))
os.symlink('x' * 300, os.path.join(root, 'link-long'))
os.link(os.path.join(root, 'one'), os.path.join(root, 'one-hardlink'))
os.mkfifo(os.path.join(root, 'fifo'))
if os.geteuid() == 0:
    os.mknod(os.path.join(root, 'chardev'), 0o20644, os.makedev(1, 3))
    os.chown(os.path.join(root, 'dir/exec'), 1234, 5678)
try:
    os.setxattr(os.path.join(root, 'text'), 'user.note', b'a value')
    os.setxattr(os.path.join(root, 'dir'), 'user.dirnote', b'x' * 100)
except OSError:
    pass
t = 1700000000
for dp, dns, fns in os.walk(root, topdown=False):
    for n in fns + dns:
        os.utime(os.path.join(dp, n), (t, t), follow_symlinks=False)
        t += 1
os.utime(root, (t, t))
EOF

# The tar of the tree (for --tar=i): sorted names, numeric owners.
tar --format=pax --xattrs --xattrs-include='user.*' --sort=name --numeric-owner -C "$tree" -cf "$out/tree.tar" .

names=()
# mk NAME SRC ARGS...: one image from SRC (a folder; "tar:FILE" for --tar).
mk() {
	local name=$1 src=$2
	shift 2
	local img=$out/images/$name.erofs
	if ! "$mkfs" --quiet "$@" "$img" "$src" >"$out/images/$name.log" 2>&1; then
		echo "mkfs.erofs $* failed:" >&2
		cat "$out/images/$name.log" >&2
		exit 1
	fi
	: >"$out/images/$name.args"
	echo tree >"$out/images/$name.src"
	names+=("$name")
}

T=(-T1700000000 --mkfs-time)
mk plain "$tree" "${T[@]}"
mk chunked "$tree" "${T[@]}" --chunksize=8192
for z in lz4 lz4hc zstd lzma deflate libdeflate; do
	mk "$z" "$tree" "${T[@]}" -z"$z"
	mk "$z-dedupe" "$tree" "${T[@]}" -z"$z" -Ededupe
	mk "$z-fragments" "$tree" "${T[@]}" -z"$z" -Efragments
	mk "$z-all-fragments" "$tree" "${T[@]}" -z"$z" -Eall-fragments
	mk "$z-fragments-dedupe" "$tree" "${T[@]}" -z"$z" -Efragments,dedupe
done
mk lz4hc-big-dedupe "$tree" "${T[@]}" -zlz4hc -C65536 -Ededupe,fragments,ztailpacking
mk zstd-big-all "$tree" "${T[@]}" -zzstd -C131072 -Eall-fragments,dedupe
mk lz4-ztailpacking "$tree" "${T[@]}" -zlz4 -Eztailpacking
mk lzma-2k "$tree" "${T[@]}" -b2048 -zlzma -Efragments,dedupe
mk lz4hc-fragdedupe-inode "$tree" "${T[@]}" -zlz4hc -Efragments,fragdedupe=inode
mk zstd-fragdedupe-full "$tree" "${T[@]}" -zzstd -Eall-fragments,fragdedupe=full,dedupe
# Long xattr prefixes: in the packed inode with fragments (as Linux 6.12
# reads them), or in plain metadata with plain-xattr-prefixes.
mk lz4hc-fragments-xattr-prefix "$tree" "${T[@]}" -zlz4hc -Efragments --xattr-prefix=user.no
mk zstd-plain-xattr-prefix "$tree" "${T[@]}" -zzstd -Efragments,plain-xattr-prefixes --xattr-prefix=user.

# Chunk-based files on an extra device: --blobdev, blob as its own file
# and appended to the image (the device slot maps it right after).
mk blobdev "$tree" "${T[@]}" --chunksize=8192 --blobdev="$out/images/blobdev.blob"
echo "--device=$out/images/blobdev.blob" >"$out/images/blobdev.args"
cat "$out/images/blobdev.erofs" "$out/images/blobdev.blob" >"$out/images/blobdev-appended.erofs"
: >"$out/images/blobdev-appended.args"
echo tree >"$out/images/blobdev-appended.src"
names+=(blobdev-appended)

# --tar=i: the index alone with the tar as a device file, and [index][tar].
mk tar-index "$out/tree.tar" "${T[@]}" --tar=i
echo "--device=$out/tree.tar" >"$out/images/tar-index.args"
cat "$out/images/tar-index.erofs" "$out/tree.tar" >"$out/images/tar-index-appended.erofs"
: >"$out/images/tar-index-appended.args"
echo tree >"$out/images/tar-index-appended.src"
names+=(tar-index-appended)

printf '%s\n' "${names[@]}" >"$out/corpus.list"

# Features Linux 6.12 cannot mount: inspect must refuse them by name.
# refused.list: NAME and the word its error must contain.
ok_names=("${names[@]}")
names=()
mk refuse-48bit "$tree" "${T[@]}" -E48bit
mk refuse-metabox "$tree" "${T[@]}" -m4096 -zlz4
# (1.9.3 sets 48bit with dot-omitted, so the superblock refuses it first;
# test_interop.cpp also refuses one dot-omitted directory inode.)
mk refuse-dot-omitted "$tree" "${T[@]}" -Edot-omitted
printf '%s\n' "refuse-48bit 48-bit" "refuse-metabox metadata box" \
	"refuse-dot-omitted 48-bit" >"$out/refused.list"
names=("${ok_names[@]}")
echo "peer corpus: ${#names[@]} images in $out/images"
