// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test module: emits one WARN when loaded, so the VM harness
 * can prove that a kernel warning fails a run.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init warn_test_init(void)
{
	WARN(1, "warn_test: deliberate warning for the VM harness self-test\n");
	return 0;
}

static void __exit warn_test_exit(void)
{
}

module_init(warn_test_init);
module_exit(warn_test_exit);
MODULE_DESCRIPTION("VM harness self-test: one deliberate WARN");
MODULE_LICENSE("GPL");
