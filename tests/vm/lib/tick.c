// SPDX-License-Identifier: GPL-2.0-only
/*
 * tick: a program to put a uprobe on (tests/vm/ishare t87).  Calls tick()
 * 50 times a second for SECS seconds, then prints how often it did.
 * usage: tick SECS
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) void tick(volatile int *n)
{
	(*n)++;
}

int main(int argc, char **argv)
{
	volatile int n = 0;
	int i, rounds = argc > 1 ? atoi(argv[1]) * 50 : 0;

	for (i = 0; i < rounds; i++) {
		tick(&n);
		usleep(20000);
	}
	printf("%d\n", n);
	return 0;
}
