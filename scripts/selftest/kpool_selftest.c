// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: misbehaves on purpose so that scripts/check can
 * see scripts/vm-run call the guest dirty.  Never load it anywhere else.
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/slab.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() at load");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak 8 x 64 bytes at load, for kmemleak to find");

/*
 * Not __init, so that kmemleak's backtrace can name it while the module
 * stays loaded.  A stale copy of the last pointer may survive on a kernel
 * stack that a later task reuses, hiding it from kmemleak; the others are
 * overwritten and must be reported.
 */
static noinline int kpool_selftest_leak(void)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!kmalloc(64, GFP_KERNEL))
			return -ENOMEM;
	return 0;
}

static int __init kpool_selftest_init(void)
{
	WARN(warn, "kpool selftest: deliberate warning\n");
	return leak ? kpool_selftest_leak() : 0;
}

static void __exit kpool_selftest_exit(void)
{
}

module_init(kpool_selftest_init);
module_exit(kpool_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool harness self-test: deliberate WARNING and leak");
