// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test module: reads one byte past the end of a kmalloc()ed
 * buffer when loaded, so the VM harness can prove that a KASAN report fails
 * a run on the debug kernel.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init kasan_oob_init(void)
{
	size_t size = 40;
	char *p = kmalloc(size, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	/* Hide the index from the compiler, or it would see the bug. */
	OPTIMIZER_HIDE_VAR(size);
	c = READ_ONCE(p[size]);
	pr_info("kasan_oob: read %d, one byte past a %zu-byte object\n", c, size);
	kfree(p);
	return 0;
}

static void __exit kasan_oob_exit(void)
{
}

module_init(kasan_oob_init);
module_exit(kasan_oob_exit);
MODULE_DESCRIPTION("VM harness self-test: one deliberate slab out-of-bounds read");
MODULE_LICENSE("GPL");
