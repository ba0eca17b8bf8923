// SPDX-License-Identifier: GPL-2.0-only
/*
 * benchio: timed file-tree passes for the page-cache benchmark
 * (scripts/bench/pagecache.sh) in the VM guest.
 *
 *   benchio walk DIR...           readdir every directory (no stat, no
 *                                 open of files): pulls directory pages in
 *   benchio read [-r N] DIR...    read(2) every regular file to EOF
 *   benchio mmap [-r N] DIR...    mmap every regular file, touch each page
 *   benchio open [-r N] DIR...    open(2) + close(2) every regular file
 *
 * Each command first lists the regular files below every DIR with
 * readdir() alone (d_type; no lookups of the files, so their inodes are
 * still uncached after a drop_caches), then times only the pass itself,
 * repeated N times (default 1), with CLOCK_MONOTONIC.  Prints one line:
 *   files=F bytes=B ns=T
 * (F and B per repetition).  Exits with the errno of the first failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct entry {
	int root;		/* fd of the DIR argument */
	char *rel;		/* path relative to it */
};

static struct entry *files;
static size_t nfiles, cap;

static void die(const char *what)
{
	int e = errno ? errno : 1;

	fprintf(stderr, "benchio: %s: %s\n", what, strerror(e));
	exit(e);
}

static void add(int root, const char *rel)
{
	if (nfiles == cap) {
		cap = cap ? cap * 2 : 4096;
		files = realloc(files, cap * sizeof(*files));
		if (!files)
			die("realloc");
	}
	files[nfiles].root = root;
	files[nfiles].rel = strdup(rel);
	if (!files[nfiles].rel)
		die("strdup");
	nfiles++;
}

/* List the regular files below ROOT/REL ("." for the top). */
static void walk(int root, const char *rel)
{
	int fd = openat(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		die(rel);
	dir = fdopendir(fd);
	if (!dir)
		die(rel);
	while ((errno = 0, d = readdir(dir))) {
		unsigned char type = d->d_type;
		char *sub;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (!strcmp(rel, "."))
			sub = strdup(d->d_name);
		else if (asprintf(&sub, "%s/%s", rel, d->d_name) < 0)
			sub = NULL;
		if (!sub)
			die("asprintf");
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(root, sub, &st, AT_SYMLINK_NOFOLLOW))
				die(sub);
			type = S_ISDIR(st.st_mode) ? DT_DIR :
			       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR)
			walk(root, sub);
		else if (type == DT_REG)
			add(root, sub);
		free(sub);
	}
	if (errno)
		die(rel);
	closedir(dir);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static char buf[256 << 10];
static volatile unsigned long sink;

static uint64_t do_read(const struct entry *e)
{
	int fd = openat(e->root, e->rel, O_RDONLY | O_CLOEXEC);
	uint64_t total = 0;
	ssize_t n;

	if (fd < 0)
		die(e->rel);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0)
		die(e->rel);
	close(fd);
	return total;
}

static uint64_t do_mmap(const struct entry *e)
{
	int fd = openat(e->root, e->rel, O_RDONLY | O_CLOEXEC);
	long page = sysconf(_SC_PAGESIZE);
	unsigned long sum = 0;
	struct stat st;
	const volatile unsigned char *p;
	off_t off;

	if (fd < 0 || fstat(fd, &st))
		die(e->rel);
	if (st.st_size > 0) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die(e->rel);
		for (off = 0; off < st.st_size; off += page)
			sum += p[off];
		sink += sum;
		munmap((void *)p, st.st_size);
	}
	close(fd);
	return st.st_size;
}

static uint64_t do_open(const struct entry *e)
{
	int fd = openat(e->root, e->rel, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(e->rel);
	close(fd);
	return 0;
}

static int usage(void)
{
	fputs("usage: benchio walk|read|mmap|open [-r N] DIR...\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t (*op)(const struct entry *) = NULL;
	uint64_t t0, t1, bytes = 0;
	int reps = 1, i, r;
	size_t k;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "read"))
		op = do_read;
	else if (!strcmp(argv[1], "mmap"))
		op = do_mmap;
	else if (!strcmp(argv[1], "open"))
		op = do_open;
	else if (strcmp(argv[1], "walk"))
		return usage();
	i = 2;
	if (!strcmp(argv[i], "-r")) {
		if (argc < 5)
			return usage();
		reps = atoi(argv[i + 1]);
		if (reps < 1)
			return usage();
		i += 2;
	}
	t0 = now_ns();
	for (; i < argc; i++) {
		int root = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (root < 0)
			die(argv[i]);
		walk(root, ".");
	}
	if (!op) {
		printf("files=%zu bytes=0 ns=%llu\n", nfiles,
		       (unsigned long long)(now_ns() - t0));
		return 0;
	}
	t0 = now_ns();
	for (r = 0; r < reps; r++)
		for (k = 0; k < nfiles; k++)
			bytes += op(&files[k]);
	t1 = now_ns();
	printf("files=%zu bytes=%llu ns=%llu\n", nfiles,
	       (unsigned long long)(bytes / reps), (unsigned long long)(t1 - t0));
	return 0;
}
