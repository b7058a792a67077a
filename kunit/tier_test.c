// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kpool's tiers (module/tier.c): which tier a size goes to,
 * tier lists, counters, zeroing, and what happens when memory runs out.
 *
 * Every case gets a private pool with the default tiers from the suite's
 * init, so the module's own pool and its counters are left alone.  Pools
 * and buffers are KUnit resources: a failed assertion cannot leak them.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Counter slot of the fallback in struct kt_snap. */
#define KT_FB		KPOOL_MAX_TIERS
#define KT_SLOTS	(KPOOL_MAX_TIERS + 1)

static const size_t kt_default_sizes[] = {
	SZ_256, SZ_4K, SZ_16K, SZ_32K, SZ_1M,
};

static atomic_t kt_seq = ATOMIC_INIT(0);

/* ---- resources: pools and buffers released after the case ---- */

static int kt_res_init(struct kunit_resource *res, void *data)
{
	res->data = data;
	return 0;
}

static void kt_pool_free(struct kunit_resource *res)
{
	kpool_pool_destroy(res->data);
}

/*
 * A pool with a unique name: slab cache names ("<name>-<size>") must not
 * clash, and the "kpool-" prefix puts the caches under the VM's failslab
 * cache filter.
 */
static struct kpool_pool *kt_pool_new(struct kunit *test, const size_t *sizes,
				      unsigned int n)
{
	struct kpool_pool *pool;
	char name[24];

	snprintf(name, sizeof(name), "kpool-tt%d", atomic_inc_return(&kt_seq));
	pool = kpool_pool_create(name, sizes, n);
	if (IS_ERR(pool))
		return pool;
	if (!kunit_alloc_resource(test, kt_res_init, kt_pool_free, GFP_KERNEL,
				  pool)) {
		kpool_pool_destroy(pool);
		return ERR_PTR(-ENOMEM);
	}
	return pool;
}

struct kt_bufs {
	unsigned int n;
	struct kpool_buf *buf[];
};

static void kt_bufs_free(struct kunit_resource *res)
{
	struct kt_bufs *b = res->data;
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->buf[i])
			kpool_buf_put(b->buf[i]);
	kfree(b);
}

/* @n slots for buffers; each non-NULL slot is put after the case. */
static struct kpool_buf **kt_bufs(struct kunit *test, unsigned int n)
{
	struct kt_bufs *b = kzalloc(struct_size(b, buf, n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->n = n;
	if (!kunit_alloc_resource(test, kt_res_init, kt_bufs_free, GFP_KERNEL,
				  b)) {
		kfree(b);
		KUNIT_ASSERT_FAILURE(test, "no memory for a KUnit resource");
	}
	return b->buf;
}

static struct kpool_buf *kt_alloc(struct kunit *test, struct kpool_buf **slot,
				  struct kpool_pool *pool, size_t size)
{
	struct kpool_buf *buf = kpool_buf_alloc(pool, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, buf, "size %zu", size);
	*slot = buf;
	return buf;
}

static void kt_put(struct kpool_buf **slot)
{
	kpool_buf_put(*slot);
	*slot = NULL;
}

/* ---- counters ---- */

struct kt_snap {
	long in_use[KT_SLOTS];
	s64 allocs[KT_SLOTS];
	s64 frees[KT_SLOTS];
	s64 spills[KT_SLOTS];
	s64 bytes;
};

static unsigned int kt_slot(u32 tier)
{
	return tier == KPOOL_TIER_FALLBACK ? KT_FB : tier;
}

static void kt_snap_one(struct kt_snap *s, unsigned int i,
			const struct kpool_tier *t)
{
	struct kpool_totals sum;

	kpool_tier_totals(t, &sum);
	s->in_use[i] = sum.in_use;
	s->allocs[i] = sum.allocs;
	s->frees[i] = sum.frees;
	s->spills[i] = sum.spills;
}

static void kt_snap_take(const struct kpool_pool *pool, struct kt_snap *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < pool->ntiers; i++)
		kt_snap_one(s, i, &pool->tier[i]);
	kt_snap_one(s, KT_FB, &pool->fallback);
	s->bytes = kpool_pool_bytes_in_use(pool);
}

static void kt_snap_expect(struct kunit *test, const struct kt_snap *got,
			   const struct kt_snap *want)
{
	unsigned int i;

	for (i = 0; i < KT_SLOTS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got->in_use[i], want->in_use[i],
				    "in_use, slot %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->allocs[i], want->allocs[i],
				    "allocs, slot %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->frees[i], want->frees[i],
				    "frees, slot %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->spills[i], want->spills[i],
				    "spills, slot %u", i);
	}
	KUNIT_EXPECT_EQ(test, got->bytes, want->bytes);
}

static struct kt_snap *kt_snaps(struct kunit *test, unsigned int n)
{
	struct kt_snap *s = kunit_kcalloc(test, n, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	return s;
}

/*
 * What a buffer allocated with @size bytes must have zeroed: [0, @size),
 * and the rest of its pages for a buffer of a page or more (a mapping's
 * reach).  See kpool_buf_alloc().
 */
static size_t kt_reach(const struct kpool_buf *buf, size_t size)
{
	if (buf->capacity >= PAGE_SIZE)
		return min_t(size_t, PAGE_ALIGN(size), buf->capacity);
	return size;
}

static void kt_expect_zero_n(struct kunit *test, const struct kpool_buf *buf,
			     size_t n)
{
	const u8 *p = memchr_inv(buf->data, 0, n);

	if (p)
		KUNIT_FAIL(test, "byte %td of %zu is %#x, not 0",
			   p - (const u8 *)buf->data, n, *p);
}

static void kt_expect_zero(struct kunit *test, const struct kpool_buf *buf,
			   size_t size)
{
	kt_expect_zero_n(test, buf, kt_reach(buf, size));
}

/* ---- the size → tier table of the default tiers ---- */

struct kt_tier_case {
	size_t size;
	u32 tier;
	size_t capacity;
};

/* Fallback capacities are page-rounded: 1052672 and 2002944 on 4K pages. */
static const struct kt_tier_case kt_tier_cases[] = {
	{ 1, 0, SZ_256 },
	{ 100, 0, SZ_256 },
	{ 256, 0, SZ_256 },
	{ 257, 1, SZ_4K },
	{ 1000, 1, SZ_4K },
	{ 4096, 1, SZ_4K },
	{ 4097, 2, SZ_16K },
	{ 10000, 2, SZ_16K },
	{ 16384, 2, SZ_16K },
	{ 16385, 3, SZ_32K },
	{ 20000, 3, SZ_32K },
	{ 32768, 3, SZ_32K },
	{ 32769, 4, SZ_1M },
	{ 500000, 4, SZ_1M },
	{ 1048576, 4, SZ_1M },
	{ 1048577, KPOOL_TIER_FALLBACK, PAGE_ALIGN(1048577) },
	{ 2000000, KPOOL_TIER_FALLBACK, PAGE_ALIGN(2000000) },
};

static void kt_tier_case_desc(const struct kt_tier_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", c->size);
}

KUNIT_ARRAY_PARAM(kt_tier, kt_tier_cases, kt_tier_case_desc);

static void kpool_tier_lookup(struct kunit *test)
{
	const struct kt_tier_case *c = test->param_value;
	struct kpool_pool *pool = test->priv;

	KUNIT_EXPECT_EQ(test, kpool_pool_tier_index(pool, c->size), c->tier);
	KUNIT_EXPECT_EQ(test, kpool_pool_capacity(pool, c->size), c->capacity);
}

static void kpool_tier_alloc(struct kunit *test)
{
	const struct kt_tier_case *c = test->param_value;
	struct kpool_pool *pool = test->priv;
	struct kpool_buf **slot = kt_bufs(test, 1);
	struct kpool_buf *buf = kt_alloc(test, slot, pool, c->size);

	KUNIT_EXPECT_EQ(test, buf->tier, c->tier);
	KUNIT_EXPECT_EQ(test, buf->capacity, c->capacity);
	KUNIT_EXPECT_PTR_EQ(test, buf->pool, pool);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
	KUNIT_EXPECT_NOT_NULL(test, buf->data);
	if (c->capacity >= PAGE_SIZE)
		KUNIT_EXPECT_TRUE_MSG(test, PAGE_ALIGNED(buf->data),
				      "%lu bytes into a page",
				      offset_in_page(buf->data));
	if (c->tier == KPOOL_TIER_FALLBACK)
		KUNIT_EXPECT_EQ(test, buf->backing, KPOOL_BACKING_VMALLOC);
	else if (!pool->tier[c->tier].costly)
		KUNIT_EXPECT_EQ(test, buf->backing, KPOOL_BACKING_SLAB);
	kt_put(slot);
}

/*
 * gRPC's TestBufferPoolIgnoresShortBuffers: with tiers 10 and 20 a
 * 15-byte request gets 20 bytes, never the too-short 10.
 */
static void kpool_tier_short_buffers(struct kunit *test)
{
	static const struct kt_tier_case cases[] = {
		{ 15, 1, 20 },
		{ 5, 0, 10 },
		{ 21, KPOOL_TIER_FALLBACK, PAGE_SIZE },
	};
	struct kpool_buf **slot, *buf;
	size_t sizes[KPOOL_MAX_TIERS];
	struct kpool_pool *pool;
	unsigned int i, n;

	KUNIT_ASSERT_EQ(test, kpool_tiers_parse("10,20", sizes, &n), 0);
	pool = kt_pool_new(test, sizes, n);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	/* After the pool: resources are released in reverse order. */
	slot = kt_bufs(test, 1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct kt_tier_case *c = &cases[i];

		KUNIT_EXPECT_EQ(test, kpool_pool_tier_index(pool, c->size),
				c->tier);
		buf = kt_alloc(test, slot, pool, c->size);
		KUNIT_EXPECT_EQ_MSG(test, buf->tier, c->tier, "size %zu",
				    c->size);
		KUNIT_EXPECT_EQ_MSG(test, buf->capacity, c->capacity,
				    "size %zu", c->size);
		kt_expect_zero(test, buf, c->size);
		kt_put(slot);
	}
}

/* ---- tier lists ---- */

struct kt_parse_ok {
	const char *str;
	unsigned int n;
	size_t sizes[KPOOL_MAX_TIERS];
};

static const struct kt_parse_ok kt_parse_ok_cases[] = {
	{ "4096", 1, { 4096 } },
	{ "256,4096,16384,32768,1048576", 5,
	  { 256, 4096, 16384, 32768, 1048576 } },
	{ "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", 16,
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 } },
	{ "10,20\n", 2, { 10, 20 } },
	{ "2097152", 1, { KPOOL_TIER_MAX_SIZE } },
};

static void kt_parse_ok_desc(const struct kt_parse_ok *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "[%*pE]", (int)strlen(c->str),
		 c->str);
}

KUNIT_ARRAY_PARAM(kt_parse_ok, kt_parse_ok_cases, kt_parse_ok_desc);

static void kpool_tier_parse_ok(struct kunit *test)
{
	const struct kt_parse_ok *c = test->param_value;
	size_t sizes[KPOOL_MAX_TIERS] = {};
	unsigned int i, n = 0;

	KUNIT_ASSERT_EQ(test, kpool_tiers_parse(c->str, sizes, &n), 0);
	KUNIT_ASSERT_EQ(test, n, c->n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, sizes[i], c->sizes[i], "entry %u", i);
}

struct kt_parse_bad {
	const char *str;
	const char *why;
};

static const struct kt_parse_bad kt_parse_bad_cases[] = {
	{ "", "empty" },
	{ "\n", "only a newline" },
	{ ",", "only a comma" },
	{ "abc", "not a number" },
	{ "0x100", "not decimal" },
	{ "0", "zero" },
	{ "10,0", "zero after a size" },
	{ "10,10", "duplicate" },
	{ "20,10", "unsorted" },
	{ "10,,20", "empty entry" },
	{ "10,20,", "trailing comma" },
	{ "-5", "negative" },
	{ "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "17 entries" },
	{ "2097153", "above KPOOL_TIER_MAX_SIZE" },
	{ "4294967296", "above 32 bits" },
	{ "18446744073709551616", "above 64 bits" },
};

static void kt_parse_bad_desc(const struct kt_parse_bad *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_parse_bad, kt_parse_bad_cases, kt_parse_bad_desc);

static void kpool_tier_parse_bad(struct kunit *test)
{
	const struct kt_parse_bad *c = test->param_value;
	size_t sizes[KPOOL_MAX_TIERS] = {};
	unsigned int n = 0;

	KUNIT_EXPECT_EQ(test, kpool_tiers_parse(c->str, sizes, &n), -EINVAL);
}

struct kt_check {
	size_t sizes[KPOOL_MAX_TIERS + 1];
	unsigned int n;
	int ret;
	const char *why;
};

static const struct kt_check kt_check_cases[] = {
	{ { 256 }, 1, 0, "one tier" },
	{ { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, 16, 0,
	  "16 tiers" },
	{ { KPOOL_TIER_MAX_SIZE }, 1, 0, "largest size" },
	{ { 256 }, 0, -EINVAL, "n 0" },
	{ { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 }, 17,
	  -EINVAL, "n 17" },
	{ { 0 }, 1, -EINVAL, "zero" },
	{ { 20, 10 }, 2, -EINVAL, "unsorted" },
	{ { 10, 10 }, 2, -EINVAL, "duplicate" },
	{ { 10, KPOOL_TIER_MAX_SIZE + 1 }, 2, -EINVAL, "too large" },
	{ { 256, 5000, 1048576 }, 3, 0, "a tier rounded up to whole pages" },
	{ { 5000, 6000 }, 2, -EINVAL, "two tiers rounding to the same pages" },
	{ { 4096, 4097 }, 2, 0, "4097 rounds to 8192, above 4096" },
};

static void kt_check_desc(const struct kt_check *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_check, kt_check_cases, kt_check_desc);

static void kpool_tier_check(struct kunit *test)
{
	const struct kt_check *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kpool_tiers_check(c->sizes, c->n), c->ret);
}

/* A bad tier list gives no pool (and no caches to leak). */
static void kpool_tier_create_bad(struct kunit *test)
{
	static const size_t unsorted[] = { 4096, 256 };
	struct kpool_pool *pool;

	pool = kpool_pool_create("kpool-tbad", unsorted, ARRAY_SIZE(unsorted));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	if (!IS_ERR_OR_NULL(pool))
		kpool_pool_destroy(pool);

	pool = kpool_pool_create("kpool-tbad", unsorted, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	if (!IS_ERR_OR_NULL(pool))
		kpool_pool_destroy(pool);
}

static void kt_expect_empty_pool(struct kunit *test,
				 const struct kpool_pool *pool)
{
	struct kt_snap *s = kt_snaps(test, 2);

	kt_snap_take(pool, &s[0]);
	kt_snap_expect(test, &s[0], &s[1]);
}

static void kpool_tier_create_destroy(struct kunit *test)
{
	struct kpool_pool *pool;
	unsigned int i;
	char name[24];

	snprintf(name, sizeof(name), "kpool-tt%d", atomic_inc_return(&kt_seq));
	pool = kpool_pool_create(name, kt_default_sizes,
				 ARRAY_SIZE(kt_default_sizes));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_EXPECT_STREQ(test, pool->name, name);
	KUNIT_EXPECT_EQ(test, pool->ntiers, ARRAY_SIZE(kt_default_sizes));
	for (i = 0; i < pool->ntiers && i < KPOOL_MAX_TIERS; i++) {
		const struct kpool_tier *t = &pool->tier[i];

		KUNIT_EXPECT_EQ(test, t->size, kt_default_sizes[i]);
		KUNIT_EXPECT_NOT_NULL(test, t->cache);
		/* Only the 1 MiB tier needs slabs above the costly order. */
		KUNIT_EXPECT_EQ_MSG(test, t->costly, t->size == SZ_1M,
				    "tier %zu", t->size);
	}
	kt_expect_empty_pool(test, pool);
	kpool_pool_destroy(pool);
}

static void kpool_tier_default_pool(struct kunit *test)
{
	struct kpool_pool *pool = kpool_default_pool();
	size_t sizes[KPOOL_MAX_TIERS];
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_EXPECT_STREQ(test, pool->name, "kpool");
	KUNIT_ASSERT_GE(test, pool->ntiers, 1U);
	KUNIT_ASSERT_LE(test, pool->ntiers, KPOOL_MAX_TIERS);
	for (i = 0; i < pool->ntiers; i++)
		sizes[i] = pool->tier[i].size;
	KUNIT_EXPECT_EQ(test, kpool_tiers_check(sizes, pool->ntiers), 0);
}

/* ---- counters ---- */

struct kt_size_case {
	size_t size;
	u32 tier;
};

static const struct kt_size_case kt_size_cases[] = {
	{ 100, 0 },
	{ SZ_4K, 1 },
	{ 10000, 2 },
	{ SZ_32K, 3 },
	{ 500000, 4 },
	{ SZ_1M, 4 },
	{ 2000000, KPOOL_TIER_FALLBACK },
};

static void kt_size_desc(const struct kt_size_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", c->size);
}

KUNIT_ARRAY_PARAM(kt_size, kt_size_cases, kt_size_desc);

/* One alloc and one put move exactly their own tier's counters. */
static void kpool_tier_counters(struct kunit *test)
{
	const struct kt_size_case *c = test->param_value;
	struct kpool_pool *pool = test->priv;
	struct kpool_buf **slot = kt_bufs(test, 1);
	struct kt_snap *s = kt_snaps(test, 2);
	struct kpool_buf *buf;
	unsigned int i = kt_slot(c->tier);
	size_t cap;

	kt_snap_take(pool, &s[0]);
	buf = kt_alloc(test, slot, pool, c->size);
	KUNIT_ASSERT_EQ(test, buf->tier, c->tier);
	cap = buf->capacity;
	s[0].in_use[i]++;
	s[0].allocs[i]++;
	s[0].bytes += cap;
	/* A costly tier may have spilled; that is counted too. */
	if (c->tier != KPOOL_TIER_FALLBACK &&
	    buf->backing == KPOOL_BACKING_VMALLOC)
		s[0].spills[i]++;
	kt_snap_take(pool, &s[1]);
	kt_snap_expect(test, &s[1], &s[0]);

	kt_put(slot);
	s[0].in_use[i]--;
	s[0].frees[i]++;
	s[0].bytes -= cap;
	kt_snap_take(pool, &s[1]);
	kt_snap_expect(test, &s[1], &s[0]);
}

/* ---- zeroing on reuse ---- */

static const size_t kt_zero_sizes[] = {
	SZ_256, SZ_4K, SZ_16K, SZ_32K, SZ_1M, 2000000,
};

static void kt_zero_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", *size);
}

KUNIT_ARRAY_PARAM(kt_zero, kt_zero_sizes, kt_zero_desc);

/*
 * Dirty a buffer, free it, and allocate until its memory comes back: the
 * VM boots with init_on_alloc=0 and slub_debug poisoning, so only kpool's
 * own zeroing can give zeros.  The buffers that are not the dirty one are
 * held (so the next try gets other memory) and checked all the same.
 */
static void kpool_tier_zero_on_reuse(struct kunit *test)
{
	const size_t *size = test->param_value;
	struct kpool_pool *pool = test->priv;
	size_t cap = kpool_pool_capacity(pool, *size);
	struct kpool_buf **held, *buf;
	unsigned int i, tries;
	bool again = false;
	void *dirty;

	KUNIT_ASSERT_GT(test, cap, (size_t)0);
	/* Up to 64 tries, holding no more than 8 MiB. */
	tries = clamp_t(size_t, SZ_8M / cap, 1, 64);
	held = kt_bufs(test, tries + 1);
	buf = kt_alloc(test, &held[0], pool, *size);
	memset(buf->data, 0xa5, buf->capacity);
	dirty = buf->data;
	kt_put(&held[0]);
	for (i = 1; i <= tries && !again; i++) {
		buf = kt_alloc(test, &held[i], pool, *size);
		KUNIT_EXPECT_EQ(test, buf->capacity, cap);
		kt_expect_zero(test, buf, *size);
		again = buf->data == dirty;
		memset(buf->data, 0xa5, buf->capacity);
	}
	if (!again)
		kunit_info(test,
			   "the dirty memory did not come back in %u allocations; each new buffer was zero\n",
			   tries);
}

/*
 * A tier's memory comes back from the magazine to a smaller request of the
 * same tier: what that request can reach is zero, the rest may still hold
 * the earlier bytes, and __GFP_ZERO clears the whole capacity.
 */
static void kpool_tier_zero_reach(struct kunit *test)
{
	static const size_t small[] = { 5000, 40000, 100 };
	static const size_t big[] = { SZ_16K, SZ_1M, SZ_256 };
	struct kpool_pool *pool = test->priv;
	struct kpool_buf **slot = kt_bufs(test, 1), *buf;
	unsigned int i, zeroed;
	bool reused = false;
	void *dirty;

	/* Magazines are per CPU: stay on this one. */
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(small); i++) {
		for (zeroed = 0; zeroed < 2; zeroed++) {
			gfp_t gfp = GFP_KERNEL | (zeroed ? __GFP_ZERO : 0);

			buf = kt_alloc(test, slot, pool, big[i]);
			memset(buf->data, 0xa5, buf->capacity);
			dirty = buf->data;
			kt_put(slot);
			buf = kpool_buf_alloc(pool, small[i], gfp);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
			*slot = buf;
			if (zeroed)
				kt_expect_zero_n(test, buf, buf->capacity);
			else
				kt_expect_zero(test, buf, small[i]);
			/* The same CPU's magazine gives the object back. */
			reused |= buf->data == dirty;
			kt_put(slot);
		}
	}
	migrate_enable();
	KUNIT_EXPECT_TRUE_MSG(test, reused,
			      "no freed object came back from a magazine");
}

/* ---- running out of memory ---- */

/*
 * These cases assume the test VM's fault injection (scripts/ sets it up):
 * failslab with task-filter=Y, cache-filter=Y (slub_debug marks the
 * kpool-* caches SLAB_FAILSLAB), ignore-gfp-wait=N, probability=100,
 * times=-1; fail_page_alloc with task-filter=Y, ignore-gfp-wait=N,
 * min-order=1.  current->make_it_fail then fails this task's allocations
 * from kpool-* caches, and its page allocations of order 1 or more.
 * Debugfs is not read from here: a probe cache shows whether failslab
 * is armed, and the cases skip when it is not.
 */
#ifdef CONFIG_FAILSLAB
static void kt_fail_begin(void)
{
	current->make_it_fail = 1;
}

static void kt_fail_end(void)
{
	current->make_it_fail = 0;
}

static bool kt_failslab_armed(void)
{
	struct kmem_cache *cache;
	char name[24];
	void *obj;

	snprintf(name, sizeof(name), "kpool-tprobe%d",
		 atomic_inc_return(&kt_seq));
	cache = kmem_cache_create(name, 64, 0, 0, NULL);
	if (!cache)
		return false;
	kt_fail_begin();
	obj = kmem_cache_alloc(cache, GFP_KERNEL);
	kt_fail_end();
	if (obj)
		kmem_cache_free(cache, obj);
	kmem_cache_destroy(cache);
	return !obj;
}
#else
static void kt_fail_begin(void)
{
}

static void kt_fail_end(void)
{
}

static bool kt_failslab_armed(void)
{
	return false;
}
#endif

static void kt_require_failslab(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_FAILSLAB))
		kunit_skip(test, "needs CONFIG_FAILSLAB");
	if (!kt_failslab_armed())
		kunit_skip(test, "failslab is not armed for kpool-* caches");
}

static const size_t kt_fail_sizes[] = { SZ_256, SZ_4K, SZ_16K, SZ_32K };

KUNIT_ARRAY_PARAM(kt_fail, kt_fail_sizes, kt_zero_desc);

/* A tier whose slab fails gives -ENOMEM and leaves the counters alone. */
static void kpool_tier_failslab(struct kunit *test)
{
	const size_t *size = test->param_value;
	struct kpool_pool *pool = test->priv;	/* fresh: no slabs yet */
	u32 idx = kpool_pool_tier_index(pool, *size);
	struct kt_snap *s = kt_snaps(test, 2);
	struct kpool_buf *buf;

	kt_require_failslab(test);
	KUNIT_ASSERT_LT(test, idx, pool->ntiers);
	KUNIT_ASSERT_FALSE(test, pool->tier[idx].costly);
	kt_snap_take(pool, &s[0]);
	kt_fail_begin();
	buf = kpool_buf_alloc(pool, *size, GFP_KERNEL);
	kt_fail_end();
	kt_snap_take(pool, &s[1]);
	if (!IS_ERR_OR_NULL(buf))
		kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -ENOMEM);
	kt_snap_expect(test, &s[1], &s[0]);
}

/*
 * The 1 MiB tier spills to order-0 pages when its slab fails, and the
 * buffer is still one of the tier's.
 */
static void kpool_tier_costly_spills(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;	/* fresh: no slabs yet */
	struct kpool_buf **slot = kt_bufs(test, 1);
	struct kt_snap *s = kt_snaps(test, 2);
	u32 idx = kpool_pool_tier_index(pool, SZ_1M);
	struct kpool_buf *buf;

	kt_require_failslab(test);
	KUNIT_ASSERT_EQ(test, idx, 4U);
	KUNIT_ASSERT_TRUE(test, pool->tier[idx].costly);
	kt_snap_take(pool, &s[0]);
	/*
	 * vmalloc's own bookkeeping comes from kmalloc caches, whose slabs
	 * may be of order 1 or more, which fail_page_alloc fails too.  One
	 * vmalloc now leaves such objects free for the spill below.
	 */
	vfree(vzalloc(SZ_1M));
	kt_fail_begin();
	buf = kpool_buf_alloc(pool, SZ_1M, GFP_KERNEL);
	kt_fail_end();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	*slot = buf;

	KUNIT_EXPECT_EQ(test, buf->backing, KPOOL_BACKING_VMALLOC);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(buf->data));
	KUNIT_EXPECT_EQ(test, buf->tier, idx);
	KUNIT_EXPECT_EQ(test, buf->capacity, (size_t)SZ_1M);
	kt_expect_zero(test, buf, SZ_1M);
	s[0].in_use[idx]++;
	s[0].allocs[idx]++;
	s[0].spills[idx]++;
	s[0].bytes += SZ_1M;
	kt_snap_take(pool, &s[1]);
	kt_snap_expect(test, &s[1], &s[0]);

	kt_put(slot);
	s[0].in_use[idx]--;
	s[0].frees[idx]++;
	s[0].bytes -= SZ_1M;
	kt_snap_take(pool, &s[1]);
	kt_snap_expect(test, &s[1], &s[0]);
}

/*
 * Not fault injection: order-0 vmalloc pages are not failed by the VM's
 * setup, so ask the fallback for more than all of RAM instead.
 */
static void kpool_tier_fallback_enomem(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	size_t size = (size_t)(totalram_pages() + 1) << PAGE_SHIFT;
	struct kt_snap *s = kt_snaps(test, 2);
	struct kpool_buf *buf;

	KUNIT_ASSERT_EQ(test, kpool_pool_tier_index(pool, size),
			KPOOL_TIER_FALLBACK);
	kt_snap_take(pool, &s[0]);
	buf = kpool_buf_alloc(pool, size, GFP_KERNEL);
	kt_snap_take(pool, &s[1]);
	if (!IS_ERR_OR_NULL(buf))
		kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -ENOMEM);
	kt_snap_expect(test, &s[1], &s[0]);
}

static int kpool_tier_test_init(struct kunit *test)
{
	struct kpool_pool *pool;

	pool = kt_pool_new(test, kt_default_sizes,
			   ARRAY_SIZE(kt_default_sizes));
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	test->priv = pool;
	return 0;
}

/*
 * A tier of a page or more that is not a whole number of pages is rounded
 * up: a mapping of a buffer's last page then reaches only the buffer's own
 * (zeroed) bytes, never a neighbour's object or slab metadata.
 */
static void kpool_tier_rounded_to_pages(struct kunit *test)
{
	static const size_t sizes[] = { 256, 5000, 1048576 };
	struct kpool_pool *pool;
	struct kpool_buf *buf;
	char name[24];

	KUNIT_EXPECT_EQ(test, kpool_tier_size(100), 100);
	KUNIT_EXPECT_EQ(test, kpool_tier_size(PAGE_SIZE), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kpool_tier_size(5000), 2 * PAGE_SIZE);
	snprintf(name, sizeof(name), "kpool-tt%d", atomic_inc_return(&kt_seq));
	pool = kpool_pool_create(name, sizes, ARRAY_SIZE(sizes));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_EXPECT_EQ(test, pool->tier[0].size, 256);
	KUNIT_EXPECT_EQ(test, pool->tier[1].size, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kpool_pool_capacity(pool, 5000), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kpool_pool_tier_index(pool, 8000), 1U);
	buf = kpool_buf_alloc(pool, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, buf->capacity, 2 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(buf->data));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf->data, 0, buf->capacity));
	/* The whole second page is the buffer's: KASAN would see otherwise. */
	memset(buf->data, 0xa5, buf->capacity);
	kpool_buf_put(buf);
	kpool_pool_destroy(pool);
}

/*
 * Destroying a pool whose buffer is still out keeps the pool until the
 * buffer comes back; the put then touches live memory (KASAN) and the pool
 * is freed after all (kmemleak).
 */
static void kpool_tier_destroy_busy(struct kunit *test)
{
	struct kpool_pool *pool;
	struct kpool_buf *small, *big;
	struct kpool_totals sum;
	char name[24];

	snprintf(name, sizeof(name), "kpool-tt%d", atomic_inc_return(&kt_seq));
	pool = kpool_pool_create(name, kt_default_sizes,
				 ARRAY_SIZE(kt_default_sizes));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	small = kpool_buf_alloc(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, small);
	big = kpool_buf_alloc(pool, 3 * SZ_1M, GFP_KERNEL);
	if (IS_ERR(big)) {
		kpool_buf_put(small);
		kpool_pool_destroy(pool);
		KUNIT_FAIL(test, "no fallback buffer");
		return;
	}
	kpool_pool_destroy(pool);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(pool->dead));
	KUNIT_EXPECT_FALSE(test, percpu_ref_is_zero(&pool->live));
	kpool_tier_totals(&pool->tier[0], &sum);
	KUNIT_EXPECT_EQ(test, sum.in_use, 1);
	kpool_buf_put(small);
	KUNIT_EXPECT_FALSE(test, percpu_ref_is_zero(&pool->live));
	/* The last buffer releases the pool; touch nothing of it after. */
	kpool_buf_put(big);
}

/*
 * The costly tier's first try is opportunistic: it must neither reclaim
 * nor wake kswapd or kcompactd (an order-8 request under fragmentation
 * would wake them on every ALLOC), nor dip into reserves.
 */
static void kpool_tier_costly_try_flags(struct kunit *test)
{
	gfp_t gfp = kpool_costly_try_gfp(GFP_KERNEL_ACCOUNT | __GFP_NOWARN);

	KUNIT_EXPECT_FALSE(test, gfp & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_FALSE(test, gfp & __GFP_KSWAPD_RECLAIM);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NORETRY);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NOMEMALLOC);
	/* What else the caller asked for stays: accounting, no warning. */
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_ACCOUNT);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NOWARN);
}

static struct kunit_case kpool_tier_cases[] = {
	KUNIT_CASE(kpool_tier_costly_try_flags),
	KUNIT_CASE(kpool_tier_rounded_to_pages),
	KUNIT_CASE(kpool_tier_destroy_busy),
	KUNIT_CASE_PARAM(kpool_tier_lookup, kt_tier_gen_params),
	KUNIT_CASE_PARAM(kpool_tier_alloc, kt_tier_gen_params),
	KUNIT_CASE(kpool_tier_short_buffers),
	KUNIT_CASE_PARAM(kpool_tier_parse_ok, kt_parse_ok_gen_params),
	KUNIT_CASE_PARAM(kpool_tier_parse_bad, kt_parse_bad_gen_params),
	KUNIT_CASE_PARAM(kpool_tier_check, kt_check_gen_params),
	KUNIT_CASE(kpool_tier_create_bad),
	KUNIT_CASE(kpool_tier_create_destroy),
	KUNIT_CASE(kpool_tier_default_pool),
	KUNIT_CASE_PARAM(kpool_tier_counters, kt_size_gen_params),
	KUNIT_CASE_PARAM(kpool_tier_zero_on_reuse, kt_zero_gen_params),
	KUNIT_CASE(kpool_tier_zero_reach),
	KUNIT_CASE_PARAM(kpool_tier_failslab, kt_fail_gen_params),
	KUNIT_CASE(kpool_tier_costly_spills),
	KUNIT_CASE(kpool_tier_fallback_enomem),
	{}
};

static struct kunit_suite kpool_tier_suite = {
	.name = "kpool_tier",
	.init = kpool_tier_test_init,
	.test_cases = kpool_tier_cases,
};

kunit_test_suites(&kpool_tier_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of kpool");
MODULE_AUTHOR("kpool developers");
