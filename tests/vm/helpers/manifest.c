// SPDX-License-Identifier: GPL-2.0-only
/*
 * manifest: print one sorted line per entry of a tree, describing what a
 * filesystem must preserve: type, permission bits, owner, link count,
 * size, mtime, device number, symlink target and every xattr (hex).
 * Regular files that share an inode name the first path of their group.
 * File contents are compared separately (sha256sum).
 *
 * usage: manifest [-M] DIR
 *   -M  leave out mtimes
 *
 * Built statically for the guest and natively for the host, so both sides
 * describe their trees with the same code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct entry {
	char *path;	/* relative, "." for the root */
	struct stat st;
};

static struct entry *entries;
static size_t nentries, cap;
static size_t rootlen;
static int with_mtime = 1;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("manifest");
		exit(1);
	}
	return p;
}

static int collect(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = path + rootlen;

	(void)flag;
	(void)f;
	while (*rel == '/')
		rel++;
	if (nentries == cap) {
		cap = cap ? cap * 2 : 1024;
		entries = xrealloc(entries, cap * sizeof(*entries));
	}
	entries[nentries].path = strdup(*rel ? rel : ".");
	entries[nentries].st = *st;
	nentries++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static void hex(const unsigned char *p, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static char type_of(mode_t m)
{
	if (S_ISREG(m)) return 'f';
	if (S_ISDIR(m)) return 'd';
	if (S_ISLNK(m)) return 'l';
	if (S_ISCHR(m)) return 'c';
	if (S_ISBLK(m)) return 'b';
	if (S_ISFIFO(m)) return 'p';
	if (S_ISSOCK(m)) return 's';
	return '?';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_xattrs(const char *full)
{
	static char names[65536];
	static unsigned char val[65536];
	char *list[1024];
	ssize_t len = llistxattr(full, names, sizeof(names));
	size_t n = 0;

	if (len < 0) {
		fprintf(stderr, "manifest: listxattr %s: %s\n", full, strerror(errno));
		exit(1);
	}
	for (char *p = names; p < names + len && n < 1024; p += strlen(p) + 1)
		list[n++] = p;
	qsort(list, n, sizeof(*list), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ssize_t v = lgetxattr(full, list[i], val, sizeof(val));

		if (v < 0) {
			fprintf(stderr, "manifest: getxattr %s %s: %s\n", full, list[i],
				strerror(errno));
			exit(1);
		}
		printf(" x:%s=", list[i]);
		hex(val, v);
	}
}

static const char *group_of(size_t i)
{
	/* entries are sorted: the first path with this inode leads the group */
	for (size_t j = 0; j < i; j++)
		if (entries[j].st.st_ino == entries[i].st.st_ino &&
		    entries[j].st.st_dev == entries[i].st.st_dev)
			return entries[j].path;
	return entries[i].path;
}

static void print_entry(const char *root, size_t i)
{
	const struct entry *e = &entries[i];
	const struct stat *st = &e->st;
	char full[8192], target[4096];

	snprintf(full, sizeof(full), "%s/%s", root, e->path);
	printf("%s %c %04o %u:%u nlink=%lu", e->path, type_of(st->st_mode),
	       (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
	       (unsigned)st->st_gid, (unsigned long)st->st_nlink);
	if (!S_ISDIR(st->st_mode))
		printf(" size=%lld", (long long)st->st_size);
	if (with_mtime)
		printf(" mtime=%lld", (long long)st->st_mtime);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		printf(" rdev=%u:%u", major(st->st_rdev), minor(st->st_rdev));
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(full, target, sizeof(target));

		if (n < 0) {
			fprintf(stderr, "manifest: readlink %s: %s\n", full, strerror(errno));
			exit(1);
		}
		printf(" link=");
		hex((unsigned char *)target, n);
	}
	if (S_ISREG(st->st_mode) && st->st_nlink > 1)
		printf(" inode=%s", group_of(i));
	print_xattrs(full);
	putchar('\n');
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "M")) != -1) {
		if (c != 'M') {
			fprintf(stderr, "usage: manifest [-M] DIR\n");
			return 2;
		}
		with_mtime = 0;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: manifest [-M] DIR\n");
		return 2;
	}
	rootlen = strlen(argv[optind]);
	if (nftw(argv[optind], collect, 64, FTW_PHYS)) {
		fprintf(stderr, "manifest: walking %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	qsort(entries, nentries, sizeof(*entries), by_path);
	for (size_t i = 0; i < nentries; i++)
		print_entry(argv[optind], i);
	return 0;
}
