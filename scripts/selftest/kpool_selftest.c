// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: misbehaves on purpose so that scripts/check can
 * see scripts/vm-run call the guest dirty.  Never load it anywhere else.
 */
#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() at load");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak 8 x 64 bytes at load, for kmemleak to find");

static bool lockdep;
module_param(lockdep, bool, 0444);
MODULE_PARM_DESC(lockdep, "take two mutexes in both orders at load (lockdep turns itself off)");

static bool race;
module_param(race, bool, 0444);
MODULE_PARM_DESC(race, "two kthreads increment one plain int for a second at load (for KCSAN)");

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

static DEFINE_MUTEX(kpool_selftest_a);
static DEFINE_MUTEX(kpool_selftest_b);

/* A then B, later B then A: an inversion lockdep reports without a deadlock. */
static void kpool_selftest_lock_inversion(void)
{
	mutex_lock(&kpool_selftest_a);
	mutex_lock(&kpool_selftest_b);
	mutex_unlock(&kpool_selftest_b);
	mutex_unlock(&kpool_selftest_a);

	mutex_lock(&kpool_selftest_b);
	mutex_lock(&kpool_selftest_a);
	mutex_unlock(&kpool_selftest_a);
	mutex_unlock(&kpool_selftest_b);
}

/* The data race: a plain read-modify-write from two threads, unannotated. */
static int kpool_selftest_racy;

static int kpool_selftest_racer(void *unused)
{
	while (!kthread_should_stop()) {
		kpool_selftest_racy++;
		/* one load and one store per round, not one add of the total */
		barrier();
		cond_resched();
	}
	return 0;
}

static int kpool_selftest_race(void)
{
	struct task_struct *t[2];
	int i, err = 0;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i] = kthread_run(kpool_selftest_racer, NULL, "kpool_race/%d", i);
		if (IS_ERR(t[i])) {
			err = PTR_ERR(t[i]);
			break;
		}
	}
	if (!err)
		msleep(1000);
	while (i-- > 0)
		kthread_stop(t[i]);
	return err;
}

static int __init kpool_selftest_init(void)
{
	int err = 0;

	WARN(warn, "kpool selftest: deliberate warning\n");
	if (lockdep)
		kpool_selftest_lock_inversion();
	if (race)
		err = kpool_selftest_race();
	if (!err && leak)
		err = kpool_selftest_leak();
	return err;
}

static void __exit kpool_selftest_exit(void)
{
}

module_init(kpool_selftest_init);
module_exit(kpool_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool harness self-test: deliberate WARNING, leak, lock inversion, data race");
