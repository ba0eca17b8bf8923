// SPDX-License-Identifier: GPL-2.0-only
/*
 * emount: call mount(2)/umount2(2) directly.
 *
 * usage: emount [-t TYPE] [-o DATA] [-w] SOURCE TARGET
 *        emount -u [-l] TARGET
 *
 * busybox mount sets up a loop device for a regular-file source; erofs'
 * own file-backed mode needs the file path handed to mount(2) unchanged.
 * Mounts are read-only unless -w.  On failure prints the reason with the
 * errno name and exits with the errno value, so tests can assert EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: emount [-t TYPE] [-o DATA] [-w] SOURCE TARGET\n"
			"       emount -u [-l] TARGET\n");
	exit(2);
}

static int fail(const char *what, const char *where)
{
	int e = errno;

	fprintf(stderr, "emount: %s %s: %s (%s)\n", what, where, strerror(e),
		strerrorname_np(e) ? strerrorname_np(e) : "?");
	return e ? e : 1;
}

int main(int argc, char **argv)
{
	const char *type = "erofs", *data = NULL;
	unsigned long flags = MS_RDONLY;
	int umount = 0, lazy = 0, c;

	while ((c = getopt(argc, argv, "t:o:wul")) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'o': data = optarg; break;
		case 'w': flags &= ~MS_RDONLY; break;
		case 'u': umount = 1; break;
		case 'l': lazy = 1; break;
		default: usage();
		}
	}
	if (umount) {
		if (optind + 1 != argc)
			usage();
		if (umount2(argv[optind], lazy ? MNT_DETACH : 0))
			return fail("umount", argv[optind]);
		return 0;
	}
	if (optind + 2 != argc)
		usage();
	if (mount(argv[optind], argv[optind + 1], type, flags, data))
		return fail(argv[optind], argv[optind + 1]);
	return 0;
}
