// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_bench - the kernel side of 'make bench' (scripts/bench).
 *
 * Loading it times, for every tier of kpool's default pool, in the context
 * of the task that loads it (whose memory cgroup GFP_KERNEL_ACCOUNT
 * charges):
 *   kpool    kpool_buf_alloc() + kpool_buf_put()
 *   bare     kmem_cache_alloc() + kmem_cache_free() on a cache of our own
 *            with a kpool tier's flags (SLAB_ACCOUNT, the same size, page
 *            alignment from a page up, the whole object usercopy-whitelisted,
 *            which also keeps it from being merged with another cache)
 *   zalloc   the same with kmem_cache_zalloc()
 *   kmalloc  kmalloc() + kfree()
 *   pages    alloc_pages() + __free_pages() of the order holding the size
 *   memset   zeroing the size's bytes alone
 * all with GFP_KERNEL_ACCOUNT, as /dev/kpool allocates.  It uses only the
 * exported API of module/kpool.h, so that it measures whatever the module's
 * internals are.  Each row is timed over @reps repetitions of a loop whose
 * length is chosen so that one repetition takes about @rep_us; the kernel
 * log gets one line per row,
 *   kpool_bench: ROW kernel,slab,<name>,<size>,<median ns>,<min ns>,<max ns>,<reps>,<iters>
 * or, when a call fails, 'kpool_bench: ERROR kernel,slab,<name>,<size>,error <errno>'.
 * The module then stays loaded, doing nothing, until it is removed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "kpool.h"

static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of each row (1..51)");
static unsigned int rep_us = 20000;
module_param(rep_us, uint, 0444);
MODULE_PARM_DESC(rep_us, "about how long one repetition takes (us)");

#define BENCH_MAX_REPS	51
#define BENCH_MAX_TIERS	16

enum bench_op { OP_KPOOL, OP_BARE, OP_ZALLOC, OP_KMALLOC, OP_PAGES, OP_MEMSET };
static const char *const bench_op_name[] = {
	"kpool", "bare", "zalloc", "kmalloc", "pages", "memset",
};

/* What one row works on; owned by bench_tier() for the row's lifetime. */
struct bench_ctx {
	size_t size;
	struct kmem_cache *cache;
	void *scratch;		/* OP_MEMSET's buffer, kvmalloc()ed */
};

/* One alloc + free (or one memset) of @c->size bytes: 0 or -ENOMEM. */
static int bench_once(enum bench_op op, struct bench_ctx *c)
{
	struct kpool_buf *buf;
	struct page *page;
	void *p;

	switch (op) {
	case OP_KPOOL:
		buf = kpool_buf_alloc(kpool_default_pool(), c->size,
				      GFP_KERNEL_ACCOUNT);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		/* Ours alone: this put returns the buffer to its tier. */
		kpool_buf_put(buf);
		return 0;
	case OP_BARE:
		p = kmem_cache_alloc(c->cache, GFP_KERNEL_ACCOUNT);
		if (!p)
			return -ENOMEM;
		kmem_cache_free(c->cache, p);
		return 0;
	case OP_ZALLOC:
		p = kmem_cache_zalloc(c->cache, GFP_KERNEL_ACCOUNT);
		if (!p)
			return -ENOMEM;
		kmem_cache_free(c->cache, p);
		return 0;
	case OP_KMALLOC:
		p = kmalloc(c->size, GFP_KERNEL_ACCOUNT);
		if (!p)
			return -ENOMEM;
		kfree(p);
		return 0;
	case OP_PAGES:
		page = alloc_pages(GFP_KERNEL_ACCOUNT, get_order(c->size));
		if (!page)
			return -ENOMEM;
		__free_pages(page, get_order(c->size));
		return 0;
	case OP_MEMSET:
		/*
		 * The kernel's memset(), called (__memset is the same code
		 * under a name GCC does not know): GCC would inline a memset
		 * of a variable size as rep stosb, which is not what the
		 * kernel zeroes with (memset() picks its loop by CPU feature).
		 */
		__memset(c->scratch, 0, c->size);
		/* Keep the compiler from dropping the stores. */
		barrier_data(c->scratch);
		return 0;
	}
	return -EINVAL;
}

/* @iters calls in a row; their time in ns through @ns. */
static int bench_loop(enum bench_op op, struct bench_ctx *c, u64 iters,
		      u64 *ns)
{
	u64 i, t0 = ktime_get_ns();
	int ret;

	for (i = 0; i < iters; i++) {
		ret = bench_once(op, c);
		if (ret)
			return ret;
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_row(enum bench_op op, struct bench_ctx *c)
{
	u64 per[BENCH_MAX_REPS], ns, iters = 1, target = (u64)rep_us * 1000;
	unsigned int r, n = clamp(reps, 1U, (unsigned int)BENCH_MAX_REPS);
	int ret;

	/* Warm up, and grow the loop until it takes a quarter of a repetition. */
	for (;;) {
		ret = bench_loop(op, c, iters, &ns);
		if (ret)
			goto fail;
		if (ns * 4 >= target || iters >= 1000000)
			break;
		iters *= 4;
	}
	iters = clamp_t(u64, div64_u64(iters * target, max_t(u64, ns, 1)),
			5, 10000000);
	for (r = 0; r < n; r++) {
		cond_resched();
		ret = bench_loop(op, c, iters, &ns);
		if (ret)
			goto fail;
		per[r] = div64_u64(ns, iters);
	}
	sort(per, n, sizeof(per[0]), bench_cmp_u64, NULL);
	/* n >= 3 and odd or even: the median is the middle one or the mean of two. */
	pr_info("ROW kernel,slab,%s,%zu,%llu,%llu,%llu,%u,%llu\n",
		bench_op_name[op], c->size,
		n % 2 ? per[n / 2] : (per[n / 2 - 1] + per[n / 2]) / 2,
		per[0], per[n - 1], n, iters);
	return;
fail:
	pr_info("ERROR kernel,slab,%s,%zu,error %d\n", bench_op_name[op], c->size, ret);
}

static void bench_tier(size_t size)
{
	struct bench_ctx c = { .size = size };
	char name[32];
	enum bench_op op;

	snprintf(name, sizeof(name), "kpbench-%zu", size);
	/* A kpool tier's cache, as module/tier.c makes one. */
	c.cache = kmem_cache_create_usercopy(name, size,
					     size >= PAGE_SIZE ? PAGE_SIZE : 0,
					     SLAB_ACCOUNT, 0, size, NULL);
	c.scratch = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!c.cache || !c.scratch) {
		pr_info("ERROR kernel,slab,setup,%zu,error %d\n", size, -ENOMEM);
		goto out;
	}
	for (op = OP_KPOOL; op <= OP_MEMSET; op++)
		bench_row(op, &c);
out:
	kvfree(c.scratch);
	kmem_cache_destroy(c.cache);
}

static int __init kpool_bench_init(void)
{
	struct kpool_pool *pool = kpool_default_pool();
	size_t sizes[BENCH_MAX_TIERS], s = 1;
	unsigned int n = 0, i;

	/* The default pool's tiers, found through the exported API alone. */
	while (n < BENCH_MAX_TIERS &&
	       kpool_pool_tier_index(pool, s) != KPOOL_TIER_FALLBACK) {
		sizes[n] = kpool_pool_capacity(pool, s);
		s = sizes[n++] + 1;
	}
	pr_info("TIERS %u\n", n);
	for (i = 0; i < n; i++)
		bench_tier(sizes[i]);
	pr_info("DONE\n");
	return 0;
}

static void __exit kpool_bench_exit(void)
{
}

module_init(kpool_bench_init);
module_exit(kpool_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool benchmark: kpool_buf_alloc/put against the slab and page allocators");
