// SPDX-License-Identifier: GPL-2.0-only
/*
 * ishtool: page-cache probes for the ishare VM tests.
 *
 *   ishtool resident FILE        pages of FILE resident (mincore on a fresh
 *                                mmap; never reads the file): "N/TOTAL"
 *   ishtool mapcat FILE          write FILE's bytes, read through mmap
 *   ishtool cachestat FILE       cachestat(2) of all of FILE: "N/TOTAL"
 *                                pages cached (never reads the file)
 *   ishtool maps FILE            mmap FILE, print its /proc/self/maps path
 *   ishtool private FILE         MAP_PRIVATE write test; prints the bytes
 *                                of the file (unchanged) after the COW
 *   ishtool fadvise FILE ADVICE  posix_fadvise: dontneed | willneed
 *   ishtool sendfile FILE        sendfile(2) FILE to stdout
 *   ishtool splice FILE          splice(2) FILE through a pipe to stdout
 *   ishtool dread FILE           O_DIRECT read of FILE to stdout
 *   ishtool hold FILE SECS       open + mmap + touch FILE, sleep SECS
 *   ishtool raumount MNT FILE... WILLNEED readahead of each FILE (open,
 *                                fadvise, close), then umount(MNT) at once
 *   ishtool randmap FILE STEP    mmap with MADV_RANDOM (faults use
 *                                ->read_folio, no readahead), touch every
 *                                STEP-th page from the end down, then
 *                                write all bytes through the mapping
 *   ishtool late FILE OTHER      open FILE, read all of OTHER, then print
 *                                "C R": FILE's cachestat through that
 *                                open file, then the pages resident in a
 *                                mapping of it (both "N/TOTAL")
 *   ishtool race FILE N          first use of FILE's page cache by 2N
 *                                processes at once: N share one open
 *                                file, N open their own; process i reads
 *                                all bytes by read, mmap, splice or
 *                                fadvise+read (i % 4) and prints their
 *                                FNV-1a hash, one line each
 *   ishtool nowait FILE OTHER    open FILE, read all of OTHER, then read
 *                                FILE with preadv2(RWF_NOWAIT), read one
 *                                byte normally, and RWF_NOWAIT again;
 *                                prints each NOWAIT result (bytes, or the
 *                                errno name EAGAIN)
 *   ishtool readas UID FILE      read FILE as user UID; exits 0, or with
 *                                the errno of the failed open or read
 *   ishtool firstuse DIR         open each regular file of DIR, read one
 *                                byte, close; print the microseconds it
 *                                all took (the files' first use: joins)
 * Exits with the errno value of the first failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what)
{
	int e = errno ? errno : 1;

	fprintf(stderr, "ishtool: %s: %s\n", what, strerror(e));
	exit(e);
}

static int open_file(const char *path, int flags, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | flags);

	if (fd < 0 || fstat(fd, &st))
		die(path);
	*size = st.st_size;
	return fd;
}

static void *map_file(const char *path, int flags, size_t *size)
{
	int fd = open_file(path, 0, size);
	void *p = mmap(NULL, *size, PROT_READ | (flags == MAP_PRIVATE ?
			PROT_WRITE : 0), flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	return p;
}

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(1, p, n);

		if (w <= 0)
			die("write");
		p += w;
		n -= w;
	}
}

static size_t count_resident(void *p, size_t size)
{
	size_t pg = sysconf(_SC_PAGESIZE), n = (size + pg - 1) / pg, i, r = 0;
	unsigned char *vec = malloc(n + 1);

	if (!vec || mincore(p, size, vec))
		die("mincore");
	for (i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

static int resident(const char *path)
{
	size_t size, pg = sysconf(_SC_PAGESIZE);
	void *p = map_file(path, MAP_SHARED, &size);

	printf("%zu/%zu\n", count_resident(p, size), (size + pg - 1) / pg);
	return 0;
}

/* cachestat(2) is newer than the guest's libc headers: x86-64 number */
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif

/* pages of the open file @fd in the page cache (never reads it) */
static unsigned long long cached_pages(int fd)
{
	struct { unsigned long long off, len; } range = { 0, 0 };
	struct {
		unsigned long long cache, dirty, writeback, evicted, recent;
	} cs;

	/* len 0: up to the end of the file */
	if (syscall(SYS_cachestat, fd, &range, &cs, 0))
		die("cachestat");
	return cs.cache;
}

static int cachestat(const char *path)
{
	size_t size, pg = sysconf(_SC_PAGESIZE);
	int fd = open_file(path, 0, &size);

	printf("%llu/%zu\n", cached_pages(fd), (size + pg - 1) / pg);
	return 0;
}

static void read_fd(int fd, char *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, buf + done, size - done, done);

		if (n <= 0)
			die("read");
		done += n;
	}
}

static int late(const char *path, const char *other)
{
	size_t size, osize, pg = sysconf(_SC_PAGESIZE), n;
	int fd = open_file(path, 0, &size), ofd = open_file(other, 0, &osize);
	char *buf = malloc(osize + 1);
	unsigned long long c;
	void *p;

	if (!buf)
		die("malloc");
	read_fd(ofd, buf, osize);
	c = cached_pages(fd);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	n = (size + pg - 1) / pg;
	printf("%llu/%zu %zu/%zu\n", c, n, count_resident(p, size), n);
	return 0;
}

static unsigned long long fnv1a(const unsigned char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* one racer: wait for the start, read all of @fd by @method, print */
static void racer(int fd, int method, size_t size, int start)
{
	char *buf = malloc(size + 1), line[64], c;
	int pfd[2];
	loff_t off = 0;
	size_t done;
	void *p;

	if (!buf || read(start, &c, 1) < 0)
		die("racer");
	switch (method) {
	case 1:
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		memcpy(buf, p, size);
		break;
	case 2:
		if (pipe(pfd))
			die("pipe");
		for (done = 0; done < size; ) {
			ssize_t n = splice(fd, &off, pfd[1], NULL, 65536, 0);

			if (n <= 0 || read(pfd[0], buf + done, n) != n)
				die("splice");
			done += n;
		}
		break;
	case 3:
		errno = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
		if (errno)
			die("fadvise");
		/* fall through */
	default:
		read_fd(fd, buf, size);
	}
	snprintf(line, sizeof(line), "%016llx\n",
		 fnv1a((unsigned char *)buf, size));
	write_all(line, strlen(line));
	exit(0);
}

static int race(const char *path, int n)
{
	size_t size;
	int fd = open_file(path, 0, &size), start[2], i, st, bad = 0;

	if (pipe(start))
		die("pipe");
	for (i = 0; i < 2 * n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			close(start[1]);
			if (i >= n)
				fd = open_file(path, 0, &size);
			racer(fd, i % 4, size, start[0]);
		}
	}
	close(start[1]);	/* go */
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	return bad;
}

static int maps(const char *path)
{
	size_t size;
	char line[4096], want[32];
	void *p = map_file(path, MAP_SHARED, &size);
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want))) {
			char *s = strchr(line, '/');

			fputs(s ? s : "?\n", stdout);
			return 0;
		}
	}
	return die("maps");
}

static int private_cow(const char *path)
{
	size_t size;
	char *p = map_file(path, MAP_PRIVATE, &size);
	char *q;

	p[0] ^= 0xff;		/* COW: our copy only */
	p[0] ^= 0xff;
	q = map_file(path, MAP_PRIVATE, &size);
	q[size - 1] ^= 0x55;	/* must not reach the file */
	write_all(p, size);
	return 0;
}

static int do_sendfile(const char *path, int use_splice)
{
	size_t size;
	int fd = open_file(path, 0, &size), pfd[2];
	loff_t off = 0;

	if (!use_splice) {
		while (off < (loff_t)size)
			if (sendfile(1, fd, &off, size - off) <= 0)
				die("sendfile");
		return 0;
	}
	if (pipe(pfd))
		die("pipe");
	while (off < (loff_t)size) {
		ssize_t n = splice(fd, &off, pfd[1], NULL, 65536, 0);

		if (n <= 0)
			die("splice");
		while (n) {
			ssize_t m = splice(pfd[0], NULL, 1, NULL, n, 0);

			if (m <= 0)
				die("splice out");
			n -= m;
		}
	}
	return 0;
}

static int dread(const char *path)
{
	size_t size, bs = 1 << 20;
	int fd = open_file(path, O_DIRECT, &size);
	char *buf;
	size_t done = 0;

	if (posix_memalign((void **)&buf, 4096, bs))
		die("memalign");
	while (done < size) {
		ssize_t n = read(fd, buf, bs);

		if (n < 0)
			die("read");
		if (!n)
			break;
		write_all(buf, n);
		done += n;
	}
	return 0;
}

static int randmap(const char *path, size_t step)
{
	size_t size, pg = sysconf(_SC_PAGESIZE), n, i;
	char *p = map_file(path, MAP_SHARED, &size);
	volatile char sum = 0;

	if (madvise(p, size, MADV_RANDOM))
		die("madvise");
	n = (size + pg - 1) / pg;
	for (i = n; step && i > 0; i = i > step ? i - step : 0)
		sum += p[(i - 1) * pg];
	write_all(p, size);
	return sum & 0;
}

static int raumount(int argc, char **argv)
{
	size_t size;
	int i, fd;

	for (i = 3; i < argc; i++) {
		fd = open_file(argv[i], 0, &size);
		errno = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
		if (errno)
			die("fadvise");
		close(fd);
	}
	if (umount2(argv[2], 0))
		die("umount");
	return 0;
}

static void print_nowait(int fd, char *buf, size_t len)
{
	struct iovec iov = { buf, len };
	ssize_t n = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);

	if (n >= 0)
		printf("%zd", n);
	else if (errno == EAGAIN)
		printf("EAGAIN");
	else
		die("preadv2");
}

static int nowait(const char *path, const char *other)
{
	static char buf[1 << 16];
	size_t size;
	int fd = open_file(path, 0, &size), ofd = open_file(other, 0, &size);

	while (read(ofd, buf, sizeof(buf)) > 0)
		;
	close(ofd);
	print_nowait(fd, buf, 4096);
	if (pread(fd, buf, 1, 0) != 1)
		die("pread");
	putchar(' ');
	print_nowait(fd, buf, 4096);
	putchar('\n');
	return 0;
}

static int readas(uid_t uid, const char *path)
{
	char buf[256];
	int fd;

	if (setgid(uid) || setuid(uid))
		die("setuid");
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		return errno;
	return 0;
}

static int firstuse(const char *dir)
{
	struct timespec t0, t1;
	struct dirent *de;
	DIR *d = opendir(dir);
	int dfd, fd;
	char c;

	if (!d)
		die(dir);
	dfd = dirfd(d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG)
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY);
		if (fd < 0 || read(fd, &c, 1) != 1)
			die(de->d_name);
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	closedir(d);
	printf("%lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000);
	return 0;
}

int main(int argc, char **argv)
{
	size_t size, i;
	volatile char sum = 0;
	char *p;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "resident"))
		return resident(argv[2]);
	if (!strcmp(argv[1], "mapcat")) {
		p = map_file(argv[2], MAP_SHARED, &size);
		write_all(p, size);
		return 0;
	}
	if (!strcmp(argv[1], "cachestat"))
		return cachestat(argv[2]);
	if (!strcmp(argv[1], "maps"))
		return maps(argv[2]);
	if (!strcmp(argv[1], "private"))
		return private_cow(argv[2]);
	if (!strcmp(argv[1], "fadvise") && argc == 4) {
		int fd = open_file(argv[2], 0, &size);
		int adv = !strcmp(argv[3], "dontneed") ? POSIX_FADV_DONTNEED :
			  POSIX_FADV_WILLNEED;

		errno = posix_fadvise(fd, 0, 0, adv);
		return errno ? die("fadvise") : 0;
	}
	if (!strcmp(argv[1], "sendfile"))
		return do_sendfile(argv[2], 0);
	if (!strcmp(argv[1], "splice"))
		return do_sendfile(argv[2], 1);
	if (!strcmp(argv[1], "dread"))
		return dread(argv[2]);
	if (!strcmp(argv[1], "raumount"))
		return raumount(argc, argv);
	if (!strcmp(argv[1], "late") && argc == 4)
		return late(argv[2], argv[3]);
	if (!strcmp(argv[1], "firstuse"))
		return firstuse(argv[2]);
	if (!strcmp(argv[1], "nowait") && argc == 4)
		return nowait(argv[2], argv[3]);
	if (!strcmp(argv[1], "readas") && argc == 4)
		return readas(strtoul(argv[2], NULL, 0), argv[3]);
	if (!strcmp(argv[1], "race") && argc == 4)
		return race(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "randmap") && argc == 4)
		return randmap(argv[2], strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "hold") && argc == 4) {
		p = map_file(argv[2], MAP_SHARED, &size);
		for (i = 0; i < size; i += 4096)
			sum += p[i];
		sleep(atoi(argv[3]));
		return sum & 0;
	}
	return 2;
}
