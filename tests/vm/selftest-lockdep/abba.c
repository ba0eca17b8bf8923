// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test module: takes two mutexes in the order A, B and then
 * B, A when loaded.  One thread cannot deadlock on that, but lockdep sees
 * the inverted order and reports a possible circular locking dependency,
 * so the VM harness can prove that a lockdep splat fails a run on the debug
 * kernel.
 */
#include <linux/module.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(abba_a);
static DEFINE_MUTEX(abba_b);

static int __init abba_init(void)
{
	mutex_lock(&abba_a);
	mutex_lock(&abba_b);
	mutex_unlock(&abba_b);
	mutex_unlock(&abba_a);

	mutex_lock(&abba_b);
	mutex_lock(&abba_a);
	mutex_unlock(&abba_a);
	mutex_unlock(&abba_b);
	return 0;
}

static void __exit abba_exit(void)
{
}

module_init(abba_init);
module_exit(abba_exit);
MODULE_DESCRIPTION("VM harness self-test: one deliberate AB-BA lock order");
MODULE_LICENSE("GPL");
