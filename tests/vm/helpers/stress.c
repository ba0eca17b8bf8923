// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress: content generator and checked load for the stress VM suite
 * (tests/vm/stress).
 *
 * File bytes are a function of (file id, offset): every 16-byte unit is
 * one of 64 tokens of 16 bytes, the tokens and the choice of each unit come
 * from a seeded hash of the file id and the unit number.  Any reader can
 * recompute the expected bytes of any range, so nothing is held in memory,
 * and the data compresses well (lz4hc about 4x), so compressed images keep
 * their files compressed.
 *
 *   stress gen FILE FID SIZE      write FILE (host side)
 *   stress gentree DIR NDIRS PER  the stat tree: DIR/dNNN/K for K below
 *                                 NDIRS*PER; tiny or empty files (see tiny())
 *   stress verify -l LIST DIR...  read every file of LIST under every DIR
 *                                 once, check every byte
 *   stress readers -t SECS -l LIST [-n N] [-v VOLDIR -V M] [-s STALL] [-N NICE] DIR...
 *                                 N processes (8) run random checked reads of
 *                                 the files of LIST under the DIRs for SECS:
 *                                 read(2), mmap+touch, splice into a pipe,
 *                                 fadvise WILLNEED + read (+ DONTNEED), in
 *                                 turn; M more (2) do the same under VOLDIR,
 *                                 a mount that comes and goes (ENOENT at open
 *                                 is counted as "vanished", not as an error).
 *                                 An operation running longer than STALL
 *                                 seconds (90), or a process not gone 60 s
 *                                 after the end, counts as a hang.  The
 *                                 readers run at nice NICE (0).
 *   stress cycle -t SECS -l LIST -m MNT -o OPTS SRC...
 *                                 mount SRC (in turn) on MNT, drop the pages
 *                                 of two files through it (DONTNEED), read
 *                                 and map them back checked, unmount
 *                                 (lazily when busy); until SECS are over
 *   stress drop -t SECS [-i MS]   echo 2 > /proc/sys/vm/drop_caches every MS
 *                                 ms (200), 3 every tenth time
 *   stress churn -t SECS [-n N] [-r R] DIR
 *                                 N walkers (8) lstat every path under DIR,
 *                                 over and over, taking its top-level
 *                                 entries in turn from a shared counter;
 *                                 each pass also reads and checks a 1/R
 *                                 share (4) of the tiny files with data.
 *                                 "covered=C/T": top-level entries whose
 *                                 whole subtree some walker went through;
 *                                 "passes": passes over the whole tree
 *
 * LIST has one "FID SIZE PATH" line per file (PATH relative to each DIR).
 * The load commands print "key=value" lines (counters) on stdout and
 * problems on stderr (also to /dev/kmsg, prefixed "erofs-stress:", so the
 * console log shows them in place); they exit 0 only when no byte was
 * wrong, no unexpected error happened and nothing hung.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXF 256
#define MAXCHILD 64
#define BUFSZ (256 << 10)
#define CHUNK (16 << 10)

enum { M_READ, M_MMAP, M_SPLICE, M_FADV, NMODES };
static const char *const mode_name[NMODES] = { "read", "mmap", "splice", "fadvise" };

struct fent {
	uint32_t fid;
	off_t size;
	char path[200];
};

static struct fent files[MAXF];
static int nfiles;

/* counters of one process, written only by it */
struct slot {
	long long ops[NMODES];
	long long bytes;
	long long mismatches;
	long long errors;
	long long vanished;
	int busy;
	long long op_start;	/* ns, CLOCK_MONOTONIC */
	char what[600];
};

struct shared {
	int stop;
	struct slot slot[MAXCHILD];
};

static struct shared *sh;
static struct slot *me;
static struct slot local_slot;
static int quiet_problems;

static void die(const char *what)
{
	int e = errno ? errno : 1;

	fprintf(stderr, "stress: %s: %s\n", what, strerror(e));
	exit(2);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A problem: stderr and the kernel log (the first 20 of each process). */
static void problem(const char *fmt, ...)
{
	static int count;
	char msg[512];
	va_list ap;
	int fd;

	if (++count > 20 || quiet_problems)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stress[%d]: %s\n", getpid(), msg);
	/* one write(2) per record; dprintf() fails on /dev/kmsg (its lseek) */
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		char rec[600];
		int n = snprintf(rec, sizeof(rec), "erofs-stress: %s\n", msg);

		if (write(fd, rec, n) != n)
			fprintf(stderr, "stress: /dev/kmsg: %s\n", strerror(errno));
		close(fd);
	}
}

/* --- content ----------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct gen {
	uint32_t fid;
	uint8_t tok[64][16];
};

static void gen_init(struct gen *g, uint32_t fid)
{
	int i;

	g->fid = fid;
	for (i = 0; i < 64; i++) {
		uint64_t a = mix64(((uint64_t)fid << 32) | (0x80000000u + i));
		uint64_t b = mix64(a);

		memcpy(g->tok[i], &a, 8);
		memcpy(g->tok[i] + 8, &b, 8);
	}
}

/* the expected bytes [off, off + len) */
static void gen_fill(const struct gen *g, uint64_t off, uint8_t *out, size_t len)
{
	while (len) {
		uint64_t u = off >> 4;
		unsigned int k = off & 15;
		unsigned int t = mix64(((uint64_t)g->fid << 40) ^ u ^ 0x5bd1e995ULL) & 63;
		size_t n = 16 - k;

		if (n > len)
			n = len;
		memcpy(out, g->tok[t] + k, n);
		out += n;
		off += n;
		len -= n;
	}
}

/*
 * Check @len bytes at @got against the file's bytes at @off: -1 when
 * equal, else the file offset of the first wrong byte (*want, *have).
 */
static long long gen_check(const struct gen *g, uint64_t off, const uint8_t *got,
			   size_t len, int *want, int *have)
{
	static uint8_t exp[CHUNK];

	while (len) {
		size_t n = len < CHUNK ? len : CHUNK, i;

		gen_fill(g, off, exp, n);
		if (memcmp(exp, got, n)) {
			for (i = 0; exp[i] == got[i]; i++)
				;
			*want = exp[i];
			*have = got[i];
			return off + i;
		}
		off += n;
		got += n;
		len -= n;
	}
	return -1;
}

/* Tiny files of the stat tree: file K's id and size (0: empty). */
static void tiny(unsigned long k, uint32_t *fid, size_t *size)
{
	if (k % 16 == 0) {		/* 4 contents, shared by many files */
		*fid = 0x10000000u + (k / 16) % 4;
		*size = 64 + (k / 16) % 4;
	} else if (k % 16 == 8) {	/* a content of its own */
		*fid = 0x20000000u + k;
		*size = 1 + k % 200;
	} else {
		*fid = 0;
		*size = 0;
	}
}

static void write_gen(const char *path, uint32_t fid, uint64_t size)
{
	static uint8_t buf[1 << 16];
	struct gen g;
	uint64_t off = 0;
	FILE *f = fopen(path, "wb");

	if (!f)
		die(path);
	gen_init(&g, fid);
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		gen_fill(&g, off, buf, n);
		if (fwrite(buf, 1, n, f) != n)
			die(path);
		off += n;
	}
	if (fclose(f))
		die(path);
}

static int cmd_gen(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: stress gen FILE FID SIZE\n");
		return 2;
	}
	write_gen(argv[1], strtoul(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
	return 0;
}

static int cmd_gentree(int argc, char **argv)
{
	unsigned long ndirs, per, d, j;
	char path[4096];

	if (argc != 4) {
		fprintf(stderr, "usage: stress gentree DIR NDIRS PER\n");
		return 2;
	}
	ndirs = strtoul(argv[2], NULL, 0);
	per = strtoul(argv[3], NULL, 0);
	for (d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/d%03lu", argv[1], d);
		if (mkdir(path, 0755) && errno != EEXIST)
			die(path);
		for (j = 0; j < per; j++) {
			unsigned long k = d * per + j;
			uint32_t fid;
			size_t size;

			tiny(k, &fid, &size);
			snprintf(path, sizeof(path), "%s/d%03lu/%lu", argv[1], d, k);
			write_gen(path, fid, size);
		}
	}
	return 0;
}

/* --- lists and options ------------------------------------------------- */

static void load_list(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		struct fent *e = &files[nfiles];
		unsigned long fid;
		long long size;

		if (nfiles == MAXF)
			die("too many files in the list");
		if (sscanf(line, "%lu %lld %199s", &fid, &size, e->path) != 3)
			continue;
		e->fid = fid;
		e->size = size;
		nfiles++;
	}
	fclose(f);
	if (!nfiles) {
		errno = EINVAL;
		die(path);
	}
}

struct opts {
	int secs;
	int nproc;
	int nvol;
	int stall;
	int interval_ms;
	int ratio;
	int nice;
	const char *list;
	const char *voldir;
	const char *mnt;
	const char *mopts;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .secs = 120, .nproc = 8, .nvol = 2, .stall = 90,
			    .interval_ms = 200, .ratio = 4, .mopts = "" };
	while ((c = getopt(argc, argv, "t:n:V:s:i:r:N:l:v:m:o:")) != -1) {
		switch (c) {
		case 't': o->secs = atoi(optarg); break;
		case 'n': o->nproc = atoi(optarg); break;
		case 'V': o->nvol = atoi(optarg); break;
		case 's': o->stall = atoi(optarg); break;
		case 'i': o->interval_ms = atoi(optarg); break;
		case 'r': o->ratio = atoi(optarg); break;
		case 'N': o->nice = atoi(optarg); break;
		case 'l': o->list = optarg; break;
		case 'v': o->voldir = optarg; break;
		case 'm': o->mnt = optarg; break;
		case 'o': o->mopts = optarg; break;
		default:
			fprintf(stderr, "stress: bad option\n");
			exit(2);
		}
	}
	if (o->list)
		load_list(o->list);
	return optind;
}

/* --- one checked read -------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state += 0x9e3779b97f4a7c15ULL;
	return mix64(rng_state);
}

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;

static void on_bus(int sig)
{
	if (in_map)
		siglongjmp(bus_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint8_t *buf;

static void mismatch(const char *path, const struct fent *e, int mode,
		     long long at, int want, int have, uint64_t off, size_t len)
{
	me->mismatches++;
	problem("WRONG BYTE: %s (fid %u) by %s: offset %lld has 0x%02x, want 0x%02x (range %llu+%zu)",
		path, e->fid, mode_name[mode], at, have, want,
		(unsigned long long)off, len);
}

static void op_error(const char *path, int mode, const char *what, int err)
{
	me->errors++;
	problem("error: %s by %s: %s: %s", path, mode_name[mode], what, strerror(err));
}

/* check @n bytes read into @p at @off; 0 when good */
static int check_bytes(const char *path, const struct fent *e, const struct gen *g,
		       int mode, uint64_t off, const uint8_t *p, size_t n,
		       uint64_t roff, size_t rlen)
{
	int want, have;
	long long at = gen_check(g, off, p, n, &want, &have);

	me->bytes += n;
	if (at < 0)
		return 0;
	mismatch(path, e, mode, at, want, have, roff, rlen);
	return -1;
}

static int do_read(int fd, const char *path, const struct fent *e, const struct gen *g,
		   int mode, uint64_t off, size_t len)
{
	uint64_t pos = off, end = off + len;

	while (pos < end) {
		size_t want = end - pos < BUFSZ ? end - pos : BUFSZ;
		ssize_t n = pread(fd, buf, want, pos);

		if (n < 0) {
			op_error(path, mode, "pread", errno);
			return -1;
		}
		if (n == 0) {
			errno = ENODATA;
			op_error(path, mode, "pread: early EOF", ENODATA);
			return -1;
		}
		if (check_bytes(path, e, g, mode, pos, buf, n, off, len))
			return -1;
		pos += n;
	}
	return 0;
}

static int do_mmap(int fd, const char *path, const struct fent *e, const struct gen *g,
		   uint64_t off, size_t len)
{
	size_t size = e->size;
	int advice[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED };
	int flags = rnd() & 1 ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *p = mmap(NULL, size, PROT_READ, flags, fd, 0);
	int ret = 0, sig;

	if (p == MAP_FAILED) {
		op_error(path, M_MMAP, "mmap", errno);
		return -1;
	}
	madvise(p, size, advice[rnd() % 4]);
	sig = sigsetjmp(bus_jmp, 1);
	if (sig) {
		in_map = 0;
		op_error(path, M_MMAP, "SIGBUS while touching the mapping", EIO);
		ret = -1;
	} else {
		in_map = 1;
		ret = check_bytes(path, e, g, M_MMAP, off, p + off, len, off, len);
		in_map = 0;
	}
	munmap(p, size);
	return ret;
}

static int do_splice(int fd, const char *path, const struct fent *e, const struct gen *g,
		     uint64_t off, size_t len)
{
	loff_t pos = off;
	uint64_t end = off + len;
	int pfd[2], ret = 0;

	if (pipe2(pfd, O_CLOEXEC)) {
		op_error(path, M_SPLICE, "pipe", errno);
		return -1;
	}
	while ((uint64_t)pos < end && !ret) {
		size_t want = end - pos < 65536 ? end - pos : 65536;
		uint64_t at = pos;
		ssize_t n = splice(fd, &pos, pfd[1], NULL, want, 0), got = 0;

		if (n <= 0) {
			op_error(path, M_SPLICE, n ? "splice" : "splice: early EOF",
				 n ? errno : ENODATA);
			ret = -1;
			break;
		}
		while (got < n) {
			ssize_t r = read(pfd[0], buf + got, n - got);

			if (r <= 0) {
				op_error(path, M_SPLICE, "read from the pipe", r ? errno : ENODATA);
				ret = -1;
				break;
			}
			got += r;
		}
		if (!ret)
			ret = check_bytes(path, e, g, M_SPLICE, at, buf, n, off, len);
	}
	close(pfd[0]);
	close(pfd[1]);
	return ret;
}

static int do_fadvise(int fd, const char *path, const struct fent *e, const struct gen *g,
		      uint64_t off, size_t len)
{
	int r;

	if (rnd() % 4 == 0) {
		r = posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED);
		if (r) {
			op_error(path, M_FADV, "fadvise DONTNEED", r);
			return -1;
		}
	}
	r = posix_fadvise(fd, off, len, POSIX_FADV_WILLNEED);
	if (r) {
		op_error(path, M_FADV, "fadvise WILLNEED", r);
		return -1;
	}
	if (do_read(fd, path, e, g, M_FADV, off, len))
		return -1;
	if (rnd() % 2) {
		r = posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED);
		if (r) {
			op_error(path, M_FADV, "fadvise DONTNEED", r);
			return -1;
		}
	}
	return 0;
}

/* a random range of @e: all of it, or up to 1 MiB somewhere */
static void pick_range(const struct fent *e, uint64_t *off, size_t *len)
{
	uint64_t size = e->size;

	if (size <= 65536 || rnd() % 4 == 0) {
		*off = 0;
		*len = size;
		return;
	}
	*len = 1 + rnd() % (1 << 20);
	if (*len > size)
		*len = size;
	*off = rnd() % (size - *len + 1);
	if (rnd() % 2)		/* page-aligned half of the time */
		*off &= ~4095ULL;
}

/*
 * One checked operation on file @e under @dir in @mode; @vol: the mount
 * may be gone (ENOENT at open is not an error).
 */
static void one_op(const char *dir, const struct fent *e, int mode, int vol)
{
	char path[512];
	struct stat st;
	struct gen g;
	uint64_t off;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, e->path);
	pick_range(e, &off, &len);
	snprintf(me->what, sizeof(me->what), "%s %s %llu+%zu", mode_name[mode], path,
		 (unsigned long long)off, len);
	__atomic_store_n(&me->op_start, now_ns(), __ATOMIC_RELEASE);
	__atomic_store_n(&me->busy, 1, __ATOMIC_RELEASE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (vol && errno == ENOENT) {
			me->vanished++;
			usleep(20000);	/* not mounted just now */
		} else {
			op_error(path, mode, "open", errno);
		}
		goto out;
	}
	if (fstat(fd, &st)) {
		op_error(path, mode, "fstat", errno);
		close(fd);
		goto out;
	}
	if (st.st_size != e->size) {
		me->errors++;
		problem("error: %s: size %lld, want %lld", path, (long long)st.st_size,
			(long long)e->size);
		close(fd);
		goto out;
	}
	gen_init(&g, e->fid);
	switch (mode) {
	case M_READ:
		do_read(fd, path, e, &g, M_READ, off, len);
		break;
	case M_MMAP:
		do_mmap(fd, path, e, &g, off, len);
		break;
	case M_SPLICE:
		do_splice(fd, path, e, &g, off, len);
		break;
	default:
		do_fadvise(fd, path, e, &g, off, len);
		break;
	}
	close(fd);
	me->ops[mode]++;
out:
	__atomic_store_n(&me->busy, 0, __ATOMIC_RELEASE);
}

static void setup_reader(void)
{
	struct sigaction sa = { .sa_handler = on_bus };

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	buf = malloc(BUFSZ);
	if (!buf)
		die("malloc");
	rng_state = now_ns() ^ ((uint64_t)getpid() << 32);
}

/* --- verify -------------------------------------------------------------- */

static void print_counters(const struct slot *s, const char *prefix)
{
	int m;

	for (m = 0; m < NMODES; m++)
		printf("%s%s=%lld\n", prefix, mode_name[m], s->ops[m]);
	printf("%sbytes=%lld\n%smismatches=%lld\n%serrors=%lld\n%svanished=%lld\n",
	       prefix, s->bytes, prefix, s->mismatches, prefix, s->errors,
	       prefix, s->vanished);
}

static int cmd_verify(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o), f, m = 0;

	me = &local_slot;
	setup_reader();
	if (!o.list || i >= argc) {
		fprintf(stderr, "usage: stress verify -l LIST DIR...\n");
		return 2;
	}
	for (; i < argc; i++) {
		for (f = 0; f < nfiles; f++) {
			char path[512];
			struct gen g;
			int fd;

			snprintf(path, sizeof(path), "%s/%s", argv[i], files[f].path);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				op_error(path, m, "open", errno);
				continue;
			}
			gen_init(&g, files[f].fid);
			/* each mode in turn, over whole files */
			switch (m) {
			case M_READ:
			case M_FADV:
				do_read(fd, path, &files[f], &g, m, 0, files[f].size);
				break;
			case M_MMAP:
				do_mmap(fd, path, &files[f], &g, 0, files[f].size);
				break;
			default:
				do_splice(fd, path, &files[f], &g, 0, files[f].size);
			}
			local_slot.ops[m]++;
			m = (m + 1) % NMODES;
			close(fd);
		}
	}
	print_counters(&local_slot, "");
	return local_slot.mismatches || local_slot.errors ? 1 : 0;
}

/* --- readers -------------------------------------------------------------- */

static void reader_main(char **dirs, int ndirs, int vol)
{
	int mode = rnd() % NMODES;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		const struct fent *e = &files[rnd() % nfiles];

		one_op(dirs[rnd() % ndirs], e, mode, vol);
		mode = (mode + 1) % NMODES;
	}
	exit(0);
}

static int cmd_readers(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o), n, c, alive, hangs = 0, bad_exit = 0;
	pid_t pids[MAXCHILD];
	int reported[MAXCHILD] = { 0 };
	long long end, grace_end;
	struct slot tot = { 0 };
	long long volops = 0;
	char *vol[1];

	if (!o.list || i >= argc || o.nproc + (o.voldir ? o.nvol : 0) > MAXCHILD) {
		fprintf(stderr, "usage: stress readers -t SECS -l LIST [-n N] [-v VOLDIR -V M] [-s STALL] [-N NICE] DIR...\n");
		return 2;
	}
	n = o.nproc + (o.voldir ? o.nvol : 0);
	vol[0] = (char *)o.voldir;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	for (c = 0; c < n; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			die("fork");
		if (!pids[c]) {
			me = &sh->slot[c];
			setup_reader();
			errno = 0;
			if (o.nice && nice(o.nice) == -1 && errno)
				die("nice");
			if (c < o.nproc)
				reader_main(argv + i, argc - i, 0);
			else
				reader_main(vol, 1, 1);
		}
	}
	/* watch for stalls until the end, then stop and reap */
	end = now_ns() + o.secs * 1000000000LL;
	grace_end = end + 60 * 1000000000LL;
	alive = n;
	while (alive) {
		long long t = now_ns();

		if (t >= end)
			__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
		for (c = 0; c < n; c++) {
			struct slot *s = &sh->slot[c];
			int st;

			if (pids[c] > 0 && waitpid(pids[c], &st, WNOHANG) == pids[c]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st)) {
					bad_exit++;
					fprintf(stderr, "stress: reader %d exited with status 0x%x\n", c, st);
				}
				pids[c] = 0;
				alive--;
				continue;
			}
			if (pids[c] > 0 && !reported[c] &&
			    __atomic_load_n(&s->busy, __ATOMIC_ACQUIRE) &&
			    t - __atomic_load_n(&s->op_start, __ATOMIC_ACQUIRE) >
			    o.stall * 1000000000LL) {
				reported[c] = 1;
				hangs++;
				problem("HANG: reader %d (pid %d) stuck for over %d s in: %s",
					c, pids[c], o.stall, s->what);
			}
		}
		if (alive && t >= grace_end) {
			for (c = 0; c < n; c++) {
				if (pids[c] <= 0)
					continue;
				if (!reported[c]) {
					hangs++;
					problem("HANG: reader %d (pid %d) not gone 60 s after the end, in: %s",
						c, pids[c], sh->slot[c].what);
				}
				kill(pids[c], SIGKILL);
			}
			break;
		}
		usleep(200000);
	}
	for (c = 0; c < n; c++) {
		struct slot *s = &sh->slot[c];
		int m;

		for (m = 0; m < NMODES; m++)
			tot.ops[m] += s->ops[m];
		tot.bytes += s->bytes;
		tot.mismatches += s->mismatches;
		tot.errors += s->errors;
		tot.vanished += s->vanished;
		if (c >= o.nproc)
			volops += s->ops[0] + s->ops[1] + s->ops[2] + s->ops[3];
	}
	print_counters(&tot, "");
	printf("volatile_ops=%lld\nhangs=%d\nbad_exits=%d\nprocesses=%d\n",
	       volops, hangs, bad_exit, n);
	return tot.mismatches || tot.errors || hangs || bad_exit ? 1 : 0;
}

/* --- mount cycle ------------------------------------------------------------ */

static int cmd_cycle(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o), nsrc, lazy = 0, mfail = 0, cycles = 0;
	long long end;

	if (!o.list || !o.mnt || i >= argc) {
		fprintf(stderr, "usage: stress cycle -t SECS -l LIST -m MNT -o OPTS SRC...\n");
		return 2;
	}
	me = &local_slot;
	setup_reader();
	nsrc = argc - i;
	end = now_ns() + o.secs * 1000000000LL;
	while (now_ns() < end) {
		const char *src = argv[i + cycles % nsrc];
		int k;

		if (mount(src, o.mnt, "erofs", MS_RDONLY, o.mopts)) {
			mfail++;
			me->errors++;
			problem("error: mount %s on %s: %s", src, o.mnt, strerror(errno));
			usleep(100000);
			cycles++;
			continue;
		}
		/* drop two files' pages through this member, fill them back */
		for (k = 0; k < 2; k++) {
			const struct fent *e = &files[rnd() % nfiles];
			char path[512];
			int fd;

			snprintf(path, sizeof(path), "%s/%s", o.mnt, e->path);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				op_error(path, M_FADV, "open", errno);
				continue;
			}
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
			one_op(o.mnt, e, k ? M_MMAP : M_READ, 0);
		}
		if (umount2(o.mnt, 0)) {
			if (errno != EBUSY || umount2(o.mnt, MNT_DETACH)) {
				me->errors++;
				problem("error: umount %s: %s", o.mnt, strerror(errno));
				break;
			}
			lazy++;
		}
		cycles++;
	}
	printf("cycles=%d\nlazy=%d\nmount_failures=%d\n", cycles, lazy, mfail);
	print_counters(&local_slot, "");
	return local_slot.mismatches || local_slot.errors ? 1 : 0;
}

/* --- drop_caches ------------------------------------------------------------ */

static int cmd_drop(int argc, char **argv)
{
	struct opts o;
	long long end;
	int drops = 0, errors = 0;

	parse_opts(argc, argv, &o);
	end = now_ns() + o.secs * 1000000000LL;
	while (now_ns() < end) {
		int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		const char *v = drops % 10 == 9 ? "3\n" : "2\n";

		if (fd < 0 || write(fd, v, 2) != 2) {
			errors++;
			problem("error: drop_caches: %s", strerror(errno));
		} else {
			drops++;
		}
		if (fd >= 0)
			close(fd);
		usleep(o.interval_ms * 1000);
	}
	printf("drops=%d\nerrors=%d\n", drops, errors);
	return errors ? 1 : 0;
}

/* --- stat churn -------------------------------------------------------------- */

#define MAXTOP 4096

/* counters of the churn walkers, and which top-level entries were covered */
struct churn_shared {
	long long stats[MAXCHILD];
	long long reads[MAXCHILD];
	struct slot slot[MAXCHILD];
	unsigned char covered[MAXTOP];
	long long next;		/* top-level entries taken, over all passes */
	long long done;		/* and walked whole */
};

static struct churn_shared *csh;
static int churn_idx, churn_pass;

static void churn_file(int dfd, const char *name, const struct stat *st, int ratio)
{
	char *end;
	unsigned long k = strtoul(name, &end, 10);
	uint8_t b[256];
	uint32_t fid;
	size_t size;
	struct gen g;
	ssize_t n;
	int fd;

	if (*end || !S_ISREG(st->st_mode))
		return;
	tiny(k, &fid, &size);
	if ((size_t)st->st_size != size) {
		me->errors++;
		problem("error: stat tree file %s: size %lld, want %zu", name,
			(long long)st->st_size, size);
		return;
	}
	if (!size || (k / 8 + churn_pass) % ratio)
		return;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		op_error(name, M_READ, "open", errno);
		return;
	}
	n = read(fd, b, sizeof(b));
	close(fd);
	csh->reads[churn_idx]++;
	if (n != (ssize_t)size) {
		me->errors++;
		problem("error: stat tree file %s: read %zd bytes, want %zu", name, n, size);
		return;
	}
	gen_init(&g, fid);
	{
		struct fent e = { .fid = fid, .size = size };

		snprintf(e.path, sizeof(e.path), "%s", name);
		check_bytes(name, &e, &g, M_READ, 0, b, n, 0, n);
	}
}

/* lstat @name in @dfd and everything below it; 0 when done before @end */
static int churn_entry(int dfd, const char *name, int ratio, long long end)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int sub;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		op_error(name, M_READ, "lstat", errno);
		return 0;
	}
	csh->stats[churn_idx]++;
	if (!S_ISDIR(st.st_mode)) {
		churn_file(dfd, name, &st, ratio);
		return 0;
	}
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sub < 0) {
		op_error(name, M_READ, "open dir", errno);
		return 0;
	}
	d = fdopendir(sub);
	if (!d) {
		op_error(name, M_READ, "fdopendir", errno);
		close(sub);
		return 0;
	}
	while ((errno = 0, de = readdir(d))) {
		if (now_ns() >= end) {
			closedir(d);
			return -1;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (churn_entry(dirfd(d), de->d_name, ratio, end)) {
			closedir(d);
			return -1;
		}
	}
	if (errno)
		op_error(name, M_READ, "readdir", errno);
	closedir(d);
	return 0;
}

static int cmd_churn(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o), ntop = 0, c, bad_exit = 0, covered = 0;
	static char *top[MAXTOP];
	long long end, stats = 0, reads = 0;
	struct slot tot = { 0 };
	pid_t pids[MAXCHILD];
	struct dirent *de;
	DIR *d;

	if (i != argc - 1 || o.ratio < 1 || o.nproc < 1 || o.nproc > MAXCHILD) {
		fprintf(stderr, "usage: stress churn -t SECS [-n N] [-r R] DIR\n");
		return 2;
	}
	csh = mmap(NULL, sizeof(*csh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (csh == MAP_FAILED)
		die("mmap");
	d = opendir(argv[i]);
	if (!d)
		die(argv[i]);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			if (ntop == MAXTOP)
				die("too many entries at the top of the stat tree");
			top[ntop] = strdup(de->d_name);
			if (!top[ntop++])
				die("strdup");
		}
	end = now_ns() + o.secs * 1000000000LL;
	for (c = 0; c < o.nproc; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			die("fork");
		if (!pids[c]) {
			int dfd = dirfd(d);

			churn_idx = c;
			me = &csh->slot[c];
			for (;;) {
				long long j = __atomic_fetch_add(&csh->next, 1, __ATOMIC_RELAXED);
				int k = j % ntop;

				churn_pass = j / ntop;
				if (churn_entry(dfd, top[k], o.ratio, end))
					exit(0);
				csh->covered[k] = 1;
				__atomic_fetch_add(&csh->done, 1, __ATOMIC_RELAXED);
			}
		}
	}
	for (c = 0; c < o.nproc; c++) {
		int st;

		if (waitpid(pids[c], &st, 0) != pids[c] || !WIFEXITED(st) || WEXITSTATUS(st)) {
			bad_exit++;
			fprintf(stderr, "stress: churn walker %d failed (0x%x)\n", c, st);
		}
		stats += csh->stats[c];
		reads += csh->reads[c];
		tot.bytes += csh->slot[c].bytes;
		tot.mismatches += csh->slot[c].mismatches;
		tot.errors += csh->slot[c].errors;
	}
	for (c = 0; c < ntop; c++)
		covered += csh->covered[c];
	printf("walkers=%d\npasses=%lld\nstats=%lld\ncovered=%d/%d\ntiny_reads=%lld\n"
	       "bytes=%lld\nmismatches=%lld\nerrors=%lld\n", o.nproc, csh->done / ntop, stats,
	       covered, ntop, reads, tot.bytes, tot.mismatches, tot.errors);
	return tot.mismatches || tot.errors || bad_exit ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "gen", cmd_gen }, { "gentree", cmd_gentree }, { "verify", cmd_verify },
		{ "readers", cmd_readers }, { "cycle", cmd_cycle }, { "drop", cmd_drop },
		{ "churn", cmd_churn },
	};
	size_t c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2)
		for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
			if (!strcmp(argv[1], cmds[c].name))
				return cmds[c].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: stress gen|gentree|verify|readers|cycle|drop|churn ...\n"
			"(see the comment at the top of tests/vm/helpers/stress.c)\n");
	return 2;
}
