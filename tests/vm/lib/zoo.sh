#!/usr/bin/env bash
# Create the "file zoo": a source tree that exercises every inode kind and
# layout corner a reader must get right.
#
# usage: tests/vm/lib/zoo.sh DIR      (DIR must not exist; run as root)
set -euo pipefail
dir=${1:?usage: zoo.sh DIR}
[[ ! -e $dir ]] || { echo "zoo: $dir exists" >&2; exit 1; }
mkdir -p "$dir"
here=$(cd "$(dirname "$0")" && pwd)
cd "$dir"

# Regular files around block boundaries, with content that does not compress
# to nothing (a mix of random and repeated bytes).
mkdir sizes
for n in 0 1 4095 4096 4097 8191 12289 1048577; do
	{ head -c $((n / 2)) /dev/urandom; head -c $((n - n / 2)) /dev/zero | tr '\0' 'e'; } >sizes/f$n
done
head -c 300000 /dev/zero >sizes/zeros-300000

# A directory with 2000 entries: spans many directory blocks.
mkdir many
for i in $(seq -w 0 1999); do echo "entry $i" >"many/n$i"; done

# Symlinks: relative, absolute (dangling), long target.
mkdir links
ln -s ../sizes/f4097 links/rel
ln -s /nonexistent/target links/abs
ln -s "$(printf 'x%.0s' $(seq 1 300))" links/long

# Hard links: one inode, three names in two directories.
echo "shared inode" >links/hard-a
ln links/hard-a links/hard-b
ln links/hard-a many/hard-c

# Special files.
mkdir dev
mkfifo dev/fifo
mknod dev/null c 1 3
mknod dev/loop7 b 7 7
sock=$(mktemp -d)/mksock
gcc -O2 -Wall -Werror -o "$sock" "$here/host/mksock.c"
(cd dev && "$sock" socket)
rm -rf "$(dirname "$sock")"

# Owners and modes.
mkdir perms
echo suid >perms/suid && chmod 4755 perms/suid
echo private >perms/private && chmod 0600 perms/private
mkdir perms/sticky && chmod 1777 perms/sticky
echo owned >perms/owned && chown 1234:5678 perms/owned

# Extended attributes: user. and trusted., binary values, one pair used by
# many inodes (a shared-xattr candidate), a long value, one on a directory.
setfattr -n user.color -v blue sizes/f1
setfattr -n user.color -v blue sizes/f4096
setfattr -n user.color -v blue sizes/f4097
setfattr -n user.color -v blue perms/owned
setfattr -n trusted.secret -v 0x00ff10e2 sizes/f4096
setfattr -n user.long -v "$(printf 'v%.0s' $(seq 1 1000))" sizes/f12289
setfattr -n user.dirattr -v "on a directory" many
setfattr -n trusted.overlay.opaque -v y perms/sticky
setfattr -n security.erofs-test -v label1 perms/private
# POSIX ACLs (user::rw-, group::r--, mask::r--, other::r--), access on a
# file and default on a directory, in the kernel's xattr encoding.
acl=0x0200000001000600ffffffff04000400ffffffff10000400ffffffff20000400ffffffff
setfattr -n system.posix_acl_access -v $acl perms/suid
setfattr -n system.posix_acl_default -v $acl perms/sticky

# Fixed, distinct mtimes (the reader must return them).
find . -depth -print0 | xargs -0 touch -h -d '2024-03-01 12:00:00'
touch -d '2001-09-09 01:46:40' sizes/f1
