// SPDX-License-Identifier: GPL-2.0-only
/*
 * hostile: the per-image loop of the hostile-image VM suite.
 *
 * usage: hostile -p PATCHES -b BASEDIR -r REFDIR -m MNT -w IMGFILE
 *                [-o OPTS] [-n MAX] [-l EVERY] [-c EVERY] [-s SKIP] HONEST_DIR...
 *
 * Each line of PATCHES is "INDEX BASE OFF:HEX ...": image INDEX is
 * BASEDIR/BASE.img with the given bytes replaced (tests/vm/lib/mutate.py
 * writes the file).  For every image: write it to IMGFILE (on ramfs), mount
 * it read-only with OPTS at MNT, file-backed or, every EVERY-th image,
 * through a loop device; walk the whole tree (stat, xattrs, readlink, read
 * every file, mmap every third one), tolerating any error; check that each
 * HONEST_DIR (mounts of honest images in the same domain) still reads as
 * REFDIR; unmount; drop caches and check the honest mounts again, cold
 * (after every -c EVERY-th mounted image, default every one; -n stops
 * after MAX images, -s skips the first SKIP lines).
 * Writes "hostile: image N" to /dev/kmsg before each image, so a splat in
 * the kernel log names its image.  Prints counters as NAME=VALUE lines;
 * exits 1 on a wrong honest byte, an unmount or loop failure, 2 on usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define READ_CAP (256 << 10)	/* bytes read of one hostile file */
#define MAP_CAP (64 << 10)	/* bytes mapped of one hostile file */
#define MAX_DEPTH 12
#define MAX_ENTRIES 4096	/* directory entries visited per image */
#define MAX_BASES 16

struct ref {
	char *rel;
	char *data;
	size_t len;
};

static struct ref *refs;
static size_t nrefs;
static char *bases[MAX_BASES];
static size_t base_len[MAX_BASES];
static char buf[1 << 16];

static struct {
	long images, refused, mounted, files, read_errors, stat_errors, sigbus,
	     xattrs, honest_ok, honest_bad, entries, kmsg_errors, cold_passes;
} n;
static long refused_by_errno[256];

/* milliseconds spent per phase, summed over all images */
enum { T_WRITE, T_MOUNT, T_WALK, T_WARM, T_UMOUNT, T_COLD, T_NR };
static const char *const t_name[T_NR] = {
	"write", "mount", "walk", "warm", "umount", "cold"
};
static double t_ms[T_NR], t_last;

static void lap(int phase)
{
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
	if (phase >= 0)
		t_ms[phase] += now - t_last;
	t_last = now;
}
static int cur_image;

static void die(const char *what)
{
	fprintf(stderr, "hostile: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		die("malloc");
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	char *p;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st))
		die(path);
	p = xmalloc(st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, st.st_size - got);

		if (r <= 0)
			die(path);
		got += r;
	}
	close(fd);
	*len = got;
	return p;
}

static void load_refs(const char *root, const char *rel)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	d = opendir(path);
	if (!d)
		die(path);
	while ((de = readdir(d))) {
		char sub[4096];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			     de->d_name) >= (int)sizeof(sub) ||
		    snprintf(path, sizeof(path), "%s/%s", root, sub) >= (int)sizeof(path))
			die("path too long");
		if (lstat(path, &st))
			die(path);
		if (S_ISDIR(st.st_mode)) {
			load_refs(root, sub);
		} else if (S_ISREG(st.st_mode)) {
			refs = realloc(refs, (nrefs + 1) * sizeof(*refs));
			if (!refs)
				die("realloc");
			refs[nrefs].rel = strdup(sub);
			refs[nrefs].data = slurp(path, &refs[nrefs].len);
			nrefs++;
		}
	}
	closedir(d);
}

/* 1 when every reference file reads back exactly under DIR */
static int honest_check(const char *dir, const char *phase)
{
	int good = 1;

	for (size_t i = 0; i < nrefs; i++) {
		char path[4096];
		size_t off = 0;
		int fd, bad = 0;
		ssize_t r;

		snprintf(path, sizeof(path), "%s/%s", dir, refs[i].rel);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			bad = 1;
		} else {
			while ((r = read(fd, buf, sizeof(buf))) > 0) {
				if (off + r > refs[i].len ||
				    memcmp(buf, refs[i].data + off, r)) {
					bad = 1;
					break;
				}
				off += r;
			}
			if (r < 0 || off != refs[i].len)
				bad = 1;
			close(fd);
		}
		if (bad) {
			printf("MISMATCH image=%d phase=%s file=%s (%s)\n", cur_image,
			       phase, path, fd < 0 || r < 0 ? strerror(errno) : "bytes");
			good = 0;
		}
	}
	return good;
}

/*
 * Honest images of one block size share their files' page cache, so after
 * dropping caches the first one checked fills it: start at a different
 * one for each image, so every honest image takes that turn.
 */
static void honest_all(char **dirs, int ndirs, const char *phase)
{
	for (int k = 0; k < ndirs; k++) {
		int i = (k + (cur_image < 0 ? 0 : cur_image)) % ndirs;

		if (honest_check(dirs[i], phase))
			n.honest_ok++;
		else
			n.honest_bad++;
	}
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static void read_file(int dirfd, const char *name, const struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	size_t got = 0;
	ssize_t r;

	if (fd < 0) {
		n.read_errors++;
		return;
	}
	n.files++;
	while (got < READ_CAP && (r = read(fd, buf, sizeof(buf))) > 0)
		got += r;
	if (got < READ_CAP && r < 0)
		n.read_errors++;
	if (n.files % 3 == 0 && st->st_size > 0) {
		size_t len = st->st_size < MAP_CAP ? (size_t)st->st_size : MAP_CAP;
		volatile const char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		unsigned long sum = 0;

		if (p != MAP_FAILED) {
			if (sigsetjmp(bus_jmp, 1) == 0) {
				for (size_t o = 0; o < len; o += 4096)
					sum += p[o];
			} else {
				n.sigbus++;
			}
			munmap((void *)p, len);
		}
		(void)sum;
	}
	close(fd);
}

static void walk(int dirfd, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		close(dirfd);
		return;
	}
	while (n.entries < MAX_ENTRIES && (de = readdir(d))) {
		struct stat st;
		char names[1024];
		ssize_t len;

		n.entries++;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			n.stat_errors++;
			continue;
		}
		/* xattrs through /proc/self/fd: no path walk beyond this name */
		{
			char path[4200];

			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, de->d_name);
			len = llistxattr(path, names, sizeof(names));
			for (ssize_t o = 0; len > 0 && o < len; o += strlen(names + o) + 1) {
				if (lgetxattr(path, names + o, buf, sizeof(buf)) >= 0)
					n.xattrs++;
			}
		}
		if (S_ISREG(st.st_mode)) {
			read_file(dirfd, de->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			if (readlinkat(dirfd, de->d_name, buf, sizeof(buf)) < 0)
				n.read_errors++;
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			if (sub >= 0)
				walk(sub, depth + 1);
		}
	}
	closedir(d);
}

static int loop_attach(const char *file, char *dev, size_t devlen)
{
	struct loop_config cfg = { 0 };
	int ctl, nr, fd, lfd;

	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		return -1;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0)
		return -1;
	snprintf(dev, devlen, "/dev/loop%d", nr);
	lfd = open(dev, O_RDWR);
	fd = open(file, O_RDONLY);
	if (lfd < 0 || fd < 0)
		return -1;
	cfg.fd = fd;
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg)) {
		close(fd);
		close(lfd);
		return -1;
	}
	close(fd);
	return lfd;
}

static void write_image(const char *path, char *line)
{
	char *tok, *save = NULL;
	int base, fd;
	char *img;
	size_t len;

	tok = strtok_r(line, " \n", &save);	/* index */
	cur_image = atoi(tok);
	tok = strtok_r(NULL, " \n", &save);
	base = tok ? atoi(tok) : -1;
	if (base < 0 || base >= MAX_BASES || !bases[base]) {
		fprintf(stderr, "hostile: image %d: bad base\n", cur_image);
		exit(1);
	}
	len = base_len[base];
	img = xmalloc(len);
	memcpy(img, bases[base], len);
	while ((tok = strtok_r(NULL, " \n", &save))) {
		char *hex = strchr(tok, ':');
		size_t off = strtoul(tok, NULL, 10);

		if (!hex)
			continue;
		for (hex++; hex[0] && hex[1] && off < len; hex += 2, off++) {
			char b[3] = { hex[0], hex[1], 0 };

			img[off] = (char)strtoul(b, NULL, 16);
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, img, len) != (ssize_t)len || close(fd))
		die(path);
	free(img);
}

static void kmsg(const char *text)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			n.kmsg_errors++;
		close(fd);
	}
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0 || write(fd, "3", 1) != 1)
		die("drop_caches");
	close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: hostile -p PATCHES -b BASEDIR -r REFDIR -m MNT -w IMGFILE\n"
			"               [-o OPTS] [-n MAX] [-l EVERY] [-c EVERY] [-s SKIP]\n"
			"               HONEST_DIR...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *patches = NULL, *basedir = NULL, *refdir = NULL, *mnt = NULL;
	const char *imgfile = NULL, *opts = NULL;
	long max = -1, loop_every = 8, cold_every = 1, skip = 0, failures = 0;
	struct sigaction sa = { .sa_handler = on_sigbus };
	static char line[1 << 20];
	FILE *pf;
	int c;

	while ((c = getopt(argc, argv, "p:b:r:m:w:o:n:l:c:s:")) != -1) {
		switch (c) {
		case 'p':
			patches = optarg;
			break;
		case 'b':
			basedir = optarg;
			break;
		case 'r':
			refdir = optarg;
			break;
		case 'm':
			mnt = optarg;
			break;
		case 'w':
			imgfile = optarg;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'n':
			max = atol(optarg);
			break;
		case 'l':
			loop_every = atol(optarg);
			break;
		case 'c':
			cold_every = atol(optarg);
			break;
		case 's':
			skip = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (!patches || !basedir || !refdir || !mnt || !imgfile || optind >= argc)
		usage();
	sigaction(SIGBUS, &sa, NULL);
	load_refs(refdir, "");
	for (int i = 0; i < MAX_BASES; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%d.img", basedir, i);
		if (access(path, R_OK) == 0)
			bases[i] = slurp(path, &base_len[i]);
	}
	cur_image = -1;
	honest_all(argv + optind, argc - optind, "initial");
	pf = fopen(patches, "r");
	if (!pf)
		die(patches);
	while (fgets(line, sizeof(line), pf) && (max < 0 || n.images < max)) {
		char src[64], msg[128];
		int lfd = -1, dfd, mounted = 0;

		if (skip > 0) {
			skip--;
			continue;
		}
		lap(-1);
		write_image(imgfile, line);
		n.images++;
		snprintf(msg, sizeof(msg), "hostile: image %d\n", cur_image);
		kmsg(msg);
		snprintf(src, sizeof(src), "%s", imgfile);
		if (loop_every > 0 && cur_image % loop_every == loop_every - 1) {
			lfd = loop_attach(imgfile, src, sizeof(src));
			if (lfd < 0) {
				printf("LOOPFAIL image=%d: %s\n", cur_image, strerror(errno));
				failures++;
				continue;
			}
		}
		lap(T_WRITE);
		if (mount(src, mnt, "erofs", MS_RDONLY, opts)) {
			n.refused++;
			refused_by_errno[errno & 255]++;
			lap(T_MOUNT);
		} else {
			lap(T_MOUNT);
			n.mounted++;
			mounted = 1;
			n.entries = 0;
			dfd = open(mnt, O_RDONLY | O_DIRECTORY);
			if (dfd >= 0)
				walk(dfd, 0);
			lap(T_WALK);
			honest_all(argv + optind, argc - optind, "warm");
			lap(T_WARM);
			if (umount2(mnt, 0)) {
				printf("UMOUNTFAIL image=%d: %s\n", cur_image, strerror(errno));
				failures++;
				umount2(mnt, MNT_DETACH);
			}
		}
		if (lfd >= 0) {
			if (ioctl(lfd, LOOP_CLR_FD, 0)) {
				printf("LOOPCLRFAIL image=%d: %s\n", cur_image, strerror(errno));
				failures++;
			}
			close(lfd);
		}
		/*
		 * After a mounted image: cold honest reads, which also refill
		 * every honest page before the next hostile image is mounted.
		 */
		lap(T_UMOUNT);
		if (mounted && cold_every > 0 && n.mounted % cold_every == 0) {
			n.cold_passes++;
			drop_caches();
			honest_all(argv + optind, argc - optind, "cold");
			lap(T_COLD);
		}
		if (n.images % 100 == 0)
			fprintf(stderr, "hostile: %ld images\n", n.images);
	}
	fclose(pf);
	printf("images=%ld\nrefused=%ld\nmounted=%ld\nfiles=%ld\nread_errors=%ld\n"
	       "stat_errors=%ld\nsigbus=%ld\nxattrs=%ld\nhonest_ok=%ld\nhonest_bad=%ld\n"
	       "failures=%ld\nkmsg_errors=%ld\ncold_passes=%ld\n", n.images, n.refused, n.mounted, n.files, n.read_errors,
	       n.stat_errors, n.sigbus, n.xattrs, n.honest_ok, n.honest_bad, failures,
	       n.kmsg_errors, n.cold_passes);
	for (int t = 0; t < T_NR; t++)
		printf("ms_%s=%.0f\n", t_name[t], t_ms[t]);
	for (int e = 0; e < 256; e++)
		if (refused_by_errno[e])
			printf("refused_%s=%ld\n", strerrorname_np(e) ? strerrorname_np(e) : "?",
			       refused_by_errno[e]);
	return n.honest_bad || failures ? 1 : 0;
}
