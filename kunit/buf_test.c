// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kpool's buffers and views (module/buf.c): references,
 * split and slice without copying, bounds, copies, and references taken
 * and dropped from two threads at once.
 *
 * Every case gets a private pool from the suite's init.  Views are KUnit
 * resources, put after the case (a put of an empty view does nothing), so
 * a failed assertion cannot leak a buffer.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kpool.h"

static const size_t kb_default_sizes[] = {
	SZ_256, SZ_4K, SZ_16K, SZ_32K, SZ_1M,
};

static atomic_t kb_seq = ATOMIC_INIT(0);

/* ---- resources: the pool and views released after the case ---- */

static int kb_res_init(struct kunit_resource *res, void *data)
{
	res->data = data;
	return 0;
}

static void kb_pool_free(struct kunit_resource *res)
{
	kpool_pool_destroy(res->data);
}

static void kb_view_free(struct kunit_resource *res)
{
	kpool_view_put(res->data);
	kfree(res->data);
}

/* An empty view that is put after the case. */
static struct kpool_view *kb_view(struct kunit *test)
{
	struct kpool_view *v = kzalloc(sizeof(*v), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	if (!kunit_alloc_resource(test, kb_res_init, kb_view_free, GFP_KERNEL,
				  v)) {
		kfree(v);
		KUNIT_ASSERT_FAILURE(test, "no memory for a KUnit resource");
	}
	return v;
}

static struct kpool_view *kb_view_alloc(struct kunit *test,
					struct kpool_pool *pool, size_t size)
{
	struct kpool_view *v = kb_view(test);

	KUNIT_ASSERT_EQ(test, kpool_view_alloc(pool, size, GFP_KERNEL, v), 0);
	return v;
}

static struct kpool_view *kb_view_bytes(struct kunit *test,
					struct kpool_pool *pool,
					const void *src, size_t len)
{
	struct kpool_view *v = kb_view(test);

	KUNIT_ASSERT_EQ(test, kpool_view_copy(pool, src, len, GFP_KERNEL, v),
			0);
	return v;
}

/* ---- counters, summed over the tiers and the fallback ---- */

struct kb_totals {
	long in_use;
	s64 allocs;
	s64 frees;
	s64 bytes;
};

static void kb_totals_add(struct kb_totals *t, const struct kpool_tier *tier)
{
	struct kpool_totals sum;

	kpool_tier_totals(tier, &sum);
	t->in_use += sum.in_use;
	t->allocs += sum.allocs;
	t->frees += sum.frees;
}

static struct kb_totals kb_totals(const struct kpool_pool *pool)
{
	struct kb_totals t = {};
	unsigned int i;

	for (i = 0; i < pool->ntiers; i++)
		kb_totals_add(&t, &pool->tier[i]);
	kb_totals_add(&t, &pool->fallback);
	t.bytes = kpool_pool_bytes_in_use(pool);
	return t;
}

static long kb_in_use(const struct kpool_pool *pool)
{
	return kb_totals(pool).in_use;
}

static void kb_expect_view(struct kunit *test, const struct kpool_view *v,
			   const struct kpool_buf *buf, size_t offset,
			   size_t len)
{
	KUNIT_EXPECT_PTR_EQ(test, v->buf, buf);
	KUNIT_EXPECT_EQ(test, v->offset, offset);
	KUNIT_EXPECT_EQ(test, v->len, len);
}

static void kb_expect_bytes(struct kunit *test, const struct kpool_view *v,
			    const void *want, size_t len)
{
	u8 got[16] = {};

	KUNIT_ASSERT_LE(test, len, sizeof(got));
	KUNIT_ASSERT_EQ(test, kpool_view_read(v, 0, got, len), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, len), 0);
}

/* ---- buffers ---- */

static void kpool_buf_alloc_one_ref(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *hold = kb_view(test);
	struct kpool_buf *buf;

	buf = kpool_buf_alloc(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	/* The view now owns the buffer's one reference; put after the case. */
	*hold = (struct kpool_view){ .buf = buf, .len = buf->capacity };

	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
	KUNIT_EXPECT_PTR_EQ(test, buf->pool, pool);
	KUNIT_EXPECT_EQ(test, buf->tier, 0U);
	KUNIT_EXPECT_EQ(test, buf->capacity, (size_t)SZ_256);
	KUNIT_EXPECT_EQ(test, kb_in_use(pool), 1L);
	KUNIT_EXPECT_EQ(test, kb_totals(pool).bytes, (s64)SZ_256);
}

static void kpool_buf_alloc_zero_size(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kb_totals before = kb_totals(pool), after;
	struct kpool_buf *buf;

	buf = kpool_buf_alloc(pool, 0, GFP_KERNEL);
	after = kb_totals(pool);
	if (!IS_ERR_OR_NULL(buf))
		kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use);
	KUNIT_EXPECT_EQ(test, after.allocs, before.allocs);
	KUNIT_EXPECT_EQ(test, after.bytes, before.bytes);
}

/* get → 2; put → the memory is still held; the last put returns it. */
static void kpool_buf_get_put(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_alloc(test, pool, SZ_4K);
	struct kpool_buf *buf = v->buf;
	struct kb_totals t;

	KUNIT_EXPECT_PTR_EQ(test, kpool_buf_get(buf), buf);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
	kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
	t = kb_totals(pool);
	KUNIT_EXPECT_EQ(test, t.in_use, 1L);
	KUNIT_EXPECT_EQ(test, t.frees, 0LL);

	kpool_view_put(v);
	t = kb_totals(pool);
	KUNIT_EXPECT_EQ(test, t.in_use, 0L);
	KUNIT_EXPECT_EQ(test, t.allocs, 1LL);
	KUNIT_EXPECT_EQ(test, t.frees, 1LL);
	KUNIT_EXPECT_EQ(test, t.bytes, 0LL);
}

/* ---- views ---- */

static void kpool_buf_view_alloc(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_alloc(test, pool, 1000);

	KUNIT_ASSERT_NOT_NULL(test, v->buf);
	kb_expect_view(test, v, v->buf, 0, 1000);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v->buf), 1U);
	KUNIT_EXPECT_EQ(test, v->buf->capacity, (size_t)SZ_4K);
	KUNIT_EXPECT_PTR_EQ(test, kpool_view_data(v), v->buf->data);
}

static void kpool_buf_view_default_pool(struct kunit *test)
{
	struct kpool_view *v = kb_view_alloc(test, NULL, 100);

	KUNIT_ASSERT_NOT_NULL(test, v->buf);
	KUNIT_EXPECT_PTR_EQ(test, v->buf->pool, kpool_default_pool());
	KUNIT_EXPECT_EQ(test, v->len, (size_t)100);
}

static void kpool_buf_view_get(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_alloc(test, pool, 10);
	struct kpool_view *dup = kb_view(test);

	kpool_view_get(v, dup);
	kb_expect_view(test, dup, v->buf, v->offset, v->len);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v->buf), 2U);
	kpool_view_put(dup);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v->buf), 1U);
}

static void kpool_buf_view_put(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_alloc(test, pool, 10);

	kpool_view_put(v);
	KUNIT_EXPECT_NULL(test, v->buf);
	KUNIT_EXPECT_EQ(test, v->len, (size_t)0);
	KUNIT_EXPECT_EQ(test, kb_in_use(pool), 0L);
	/* A put of an empty view does nothing. */
	kpool_view_put(v);
	KUNIT_EXPECT_NULL(test, v->buf);
	KUNIT_EXPECT_EQ(test, kb_totals(pool).frees, 1LL);
}

/* ---- split ---- */

/*
 * gRPC's TestBuffer_Split: cut [1 2 3 4 5] at 2, then the right part at
 * 1.  All three parts are windows on the same memory; only the last put
 * gives it back.
 */
static void kpool_buf_split_grpc(struct kunit *test)
{
	static const u8 bytes[] = { 1, 2, 3, 4, 5 };
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, bytes, sizeof(bytes));
	struct kpool_view *mid = kb_view(test), *end = kb_view(test);
	struct kpool_buf *buf = v->buf;
	u8 *base = kpool_view_data(v);

	KUNIT_ASSERT_EQ(test, kpool_view_split(v, 2, mid), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_split(mid, 1, end), 0);
	kb_expect_view(test, v, buf, 0, 2);
	kb_expect_view(test, mid, buf, 2, 1);
	kb_expect_view(test, end, buf, 3, 2);
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)kpool_view_data(mid), base + 2);
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)kpool_view_data(end), base + 3);
	kb_expect_bytes(test, v, bytes, 2);
	kb_expect_bytes(test, mid, bytes + 2, 1);
	kb_expect_bytes(test, end, bytes + 3, 2);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 3U);

	kpool_view_put(mid);
	kpool_view_put(v);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
	KUNIT_EXPECT_EQ(test, kb_in_use(pool), 1L);
	KUNIT_EXPECT_EQ(test, kb_totals(pool).frees, 0LL);
	kpool_view_put(end);
	KUNIT_EXPECT_EQ(test, kb_in_use(pool), 0L);
	KUNIT_EXPECT_EQ(test, kb_totals(pool).frees, 1LL);
}

static void kpool_buf_split_at_zero(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcd", 4);
	struct kpool_view *right = kb_view(test);
	struct kpool_buf *buf = v->buf;

	KUNIT_ASSERT_EQ(test, kpool_view_split(v, 0, right), 0);
	kb_expect_view(test, v, buf, 0, 0);
	kb_expect_view(test, right, buf, 0, 4);
	kb_expect_bytes(test, right, "abcd", 4);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
}

/* The right part is empty but still holds a reference of its own. */
static void kpool_buf_split_at_len(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcd", 4);
	struct kpool_view *right = kb_view(test);
	struct kpool_buf *buf = v->buf;

	KUNIT_ASSERT_EQ(test, kpool_view_split(v, 4, right), 0);
	kb_expect_view(test, v, buf, 0, 4);
	kb_expect_view(test, right, buf, 4, 0);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
	kpool_view_put(right);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
	kb_expect_bytes(test, v, "abcd", 4);
}

static void kpool_buf_split_past_len(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcd", 4);
	struct kpool_view *right = kb_view(test);
	struct kpool_buf *buf = v->buf;

	KUNIT_EXPECT_EQ(test, kpool_view_split(v, 5, right), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_view_split(v, SIZE_MAX, right), -EINVAL);
	kb_expect_view(test, v, buf, 0, 4);
	KUNIT_EXPECT_NULL(test, right->buf);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
}

/* ---- slice ---- */

struct kb_range {
	size_t start;
	size_t end;
};

static void kb_range_desc(const struct kb_range *r, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "[%zu, %zu)", r->start, r->end);
}

/* Windows on "abcdef" (length 6). */
static const struct kb_range kb_slice_ok[] = {
	{ 0, 0 }, { 0, 6 }, { 2, 4 }, { 6, 6 }, { 5, 6 }, { 0, 1 },
};

static const struct kb_range kb_slice_bad[] = {
	{ 4, 2 }, { 0, 7 }, { 7, 7 }, { 7, 8 }, { 3, SIZE_MAX },
	{ 0, SIZE_MAX }, { SIZE_MAX, 0 }, { SIZE_MAX, SIZE_MAX },
};

KUNIT_ARRAY_PARAM(kb_slice_ok, kb_slice_ok, kb_range_desc);
KUNIT_ARRAY_PARAM(kb_slice_bad, kb_slice_bad, kb_range_desc);

static void kpool_buf_slice_ok(struct kunit *test)
{
	const struct kb_range *r = test->param_value;
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcdef", 6);
	struct kpool_view *out = kb_view(test);
	struct kpool_buf *buf = v->buf;

	KUNIT_ASSERT_EQ(test, kpool_view_slice(v, r->start, r->end, out), 0);
	kb_expect_view(test, out, buf, r->start, r->end - r->start);
	kb_expect_bytes(test, out, "abcdef" + r->start, r->end - r->start);
	kb_expect_view(test, v, buf, 0, 6);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
}

static void kpool_buf_slice_bad(struct kunit *test)
{
	const struct kb_range *r = test->param_value;
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcdef", 6);
	struct kpool_view *out = kb_view(test);
	struct kpool_buf *buf = v->buf;

	KUNIT_EXPECT_EQ(test, kpool_view_slice(v, r->start, r->end, out),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, out->buf);
	kb_expect_view(test, v, buf, 0, 6);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
}

/* A slice of a slice is relative to its parent's window. */
static void kpool_buf_slice_of_slice(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "0123456789", 10);
	struct kpool_view *a = kb_view(test), *b = kb_view(test);

	KUNIT_ASSERT_EQ(test, kpool_view_slice(v, 4, 9, a), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_slice(a, 1, 3, b), 0);
	kb_expect_view(test, b, v->buf, 5, 2);
	kb_expect_bytes(test, b, "56", 2);
	KUNIT_EXPECT_EQ(test, kpool_view_slice(a, 0, 6, b), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v->buf), 3U);
}

/* ---- read and write ---- */

struct kb_rw {
	size_t off;
	size_t len;
	int ret;
};

static void kb_rw_desc(const struct kb_rw *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "off %zu len %zu", c->off,
		 c->len);
}

/* On a view of length 8, bytes [4, 12) of a 16-byte buffer. */
static const struct kb_rw kb_rw_cases[] = {
	{ 0, 8, 0 }, { 0, 0, 0 }, { 8, 0, 0 }, { 3, 4, 0 }, { 7, 1, 0 },
	{ 8, 1, -EINVAL }, { 0, 9, -EINVAL }, { 9, 0, -EINVAL },
	{ SIZE_MAX, 0, -EINVAL }, { SIZE_MAX, 1, -EINVAL },
	{ SIZE_MAX, 2, -EINVAL }, { 1, SIZE_MAX, -EINVAL },
	{ SIZE_MAX, SIZE_MAX, -EINVAL },
};

KUNIT_ARRAY_PARAM(kb_rw, kb_rw_cases, kb_rw_desc);

/*
 * A write lands exactly in [off, off + len) of the window, or nowhere;
 * a read gives back what was written, or touches nothing.
 */
static void kpool_buf_rw_bounds(struct kunit *test)
{
	static const u8 src[8] = "ABCDEFGH";
	const struct kb_rw *c = test->param_value;
	struct kpool_pool *pool = test->priv;
	struct kpool_view *whole = kb_view_alloc(test, pool, 16);
	struct kpool_view *v = kb_view(test);
	u8 want[16] = {}, got[16];
	size_t n = c->ret ? 0 : c->len;

	KUNIT_ASSERT_EQ(test, kpool_view_slice(whole, 4, 12, v), 0);
	KUNIT_EXPECT_EQ(test, kpool_view_write(v, c->off, src, c->len), c->ret);
	if (n)
		memcpy(want + 4 + c->off, src, n);
	kb_expect_bytes(test, whole, want, sizeof(want));

	memset(got, 0xee, sizeof(got));
	KUNIT_EXPECT_EQ(test, kpool_view_read(v, c->off, got, c->len), c->ret);
	KUNIT_EXPECT_EQ(test, memcmp(got, src, n), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(got + n, 0xee, sizeof(got) - n));
}

/* Writes through a slice are seen by its parent, and the other way. */
static void kpool_buf_rw_through_slice(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *whole = kb_view_alloc(test, pool, 16);
	struct kpool_view *part = kb_view(test);
	u8 got[3];

	KUNIT_ASSERT_EQ(test, kpool_view_slice(whole, 4, 12, part), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_write(part, 1, "XYZ", 3), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_read(whole, 5, got, 3), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, "XYZ", 3), 0);

	KUNIT_ASSERT_EQ(test, kpool_view_write(whole, 4, "Q", 1), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_read(part, 0, got, 2), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, "QX", 2), 0);
}

/* ---- copy ---- */

static void kpool_buf_copy(struct kunit *test)
{
	u8 src[] = "kpool copy";
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, src, sizeof(src));

	KUNIT_ASSERT_NOT_NULL(test, v->buf);
	kb_expect_view(test, v, v->buf, 0, sizeof(src));
	KUNIT_EXPECT_PTR_NE(test, kpool_view_data(v), (void *)src);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v->buf), 1U);
	src[0] = 'K';
	kb_expect_bytes(test, v, "kpool copy", sizeof(src));
}

static void kpool_buf_copy_empty(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view(test);

	/* An output with stale fields must come back empty. */
	v->offset = 3;
	v->len = 7;
	KUNIT_EXPECT_EQ(test, kpool_view_copy(pool, "x", 0, GFP_KERNEL, v), 0);
	KUNIT_EXPECT_NULL(test, v->buf);
	KUNIT_EXPECT_EQ(test, v->len, (size_t)0);
	KUNIT_EXPECT_EQ(test, kb_totals(pool).allocs, 0LL);
}

/* ---- references from two threads ---- */

#define KB_LOOPS	100000

struct kb_hammer {
	struct kpool_view *views[2];
	bool by_view;
	unsigned long done;
	struct completion finished;
};

static void kb_hammer_one(const struct kb_hammer *h, struct kpool_view *v)
{
	struct kpool_view dup;

	if (h->by_view) {
		kpool_view_get(v, &dup);
		kpool_view_put(&dup);
	} else {
		kpool_buf_put(kpool_buf_get(v->buf));
	}
}

static int kb_hammer_fn(void *data)
{
	struct kb_hammer *h = data;
	unsigned long i;

	for (i = 0; i < KB_LOOPS; i++) {
		kb_hammer_one(h, h->views[i & 1]);
		if (!(i % 1024))
			cond_resched();
	}
	h->done = i;
	complete(&h->finished);
	/* Stay until kthread_stop(), which needs the task to exist. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int kb_hammer_start(struct kb_hammer *h, struct task_struct **task)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		task[i] = kthread_create(kb_hammer_fn, &h[i], "kpool_ref%u", i);
		if (IS_ERR(task[i])) {
			if (i)
				kthread_stop(task[0]);
			return PTR_ERR(task[i]);
		}
	}
	wake_up_process(task[0]);
	wake_up_process(task[1]);
	return 0;
}

/*
 * Two threads take and drop references on the same two buffers, one with
 * kpool_buf_get/put, the other with kpool_view_get/put.  No assertion may
 * stop this case while they run: they use its memory.
 */
static void kpool_buf_refs_two_threads(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kb_hammer *h = kunit_kcalloc(test, 2, sizeof(*h), GFP_KERNEL);
	struct kpool_view *v[2];
	struct task_struct *task[2];
	struct kb_totals t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	v[0] = kb_view_alloc(test, pool, 64);
	v[1] = kb_view_alloc(test, pool, SZ_16K);
	for (i = 0; i < 2; i++) {
		h[i].views[0] = v[0];
		h[i].views[1] = v[1];
		h[i].by_view = i;
		init_completion(&h[i].finished);
	}
	KUNIT_ASSERT_EQ(test, kb_hammer_start(h, task), 0);
	for (i = 0; i < 2; i++) {
		wait_for_completion(&h[i].finished);
		kthread_stop(task[i]);
	}

	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, h[i].done, (unsigned long)KB_LOOPS);
		KUNIT_EXPECT_EQ(test, kpool_buf_refs(v[i]->buf), 1U);
	}
	kpool_view_put(v[0]);
	kpool_view_put(v[1]);
	t = kb_totals(pool);
	KUNIT_EXPECT_EQ(test, t.in_use, 0L);
	KUNIT_EXPECT_EQ(test, t.frees, 2LL);
	KUNIT_EXPECT_EQ(test, t.bytes, 0LL);
}

static int kpool_buf_test_init(struct kunit *test)
{
	struct kpool_pool *pool;
	char name[24];

	snprintf(name, sizeof(name), "kpool-tb%d", atomic_inc_return(&kb_seq));
	pool = kpool_pool_create(name, kb_default_sizes,
				 ARRAY_SIZE(kb_default_sizes));
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* First resource of the case, so released after every view. */
	if (!kunit_alloc_resource(test, kb_res_init, kb_pool_free, GFP_KERNEL,
				  pool)) {
		kpool_pool_destroy(pool);
		return -ENOMEM;
	}
	test->priv = pool;
	return 0;
}

/* A read-only view refuses writes and passes that on to what is made of it. */
static void kpool_buf_view_readonly(struct kunit *test)
{
	struct kpool_pool *pool = test->priv;
	struct kpool_view *v = kb_view_bytes(test, pool, "abcd", 4);
	struct kpool_view *dup = kb_view(test), *right = kb_view(test);
	struct kpool_view *part = kb_view(test);

	v->readonly = true;
	KUNIT_EXPECT_EQ(test, kpool_view_write(v, 0, "x", 1), -EPERM);
	kb_expect_bytes(test, v, "abcd", 4);
	kpool_view_get(v, dup);
	KUNIT_EXPECT_TRUE(test, dup->readonly);
	KUNIT_ASSERT_EQ(test, kpool_view_slice(v, 1, 3, part), 0);
	KUNIT_EXPECT_TRUE(test, part->readonly);
	KUNIT_ASSERT_EQ(test, kpool_view_split(v, 2, right), 0);
	KUNIT_EXPECT_TRUE(test, v->readonly && right->readonly);
	KUNIT_EXPECT_EQ(test, kpool_view_write(right, 0, "x", 1), -EPERM);
	kb_expect_bytes(test, right, "cd", 2);
}

static struct kunit_case kpool_buf_cases[] = {
	KUNIT_CASE(kpool_buf_view_readonly),
	KUNIT_CASE(kpool_buf_alloc_one_ref),
	KUNIT_CASE(kpool_buf_alloc_zero_size),
	KUNIT_CASE(kpool_buf_get_put),
	KUNIT_CASE(kpool_buf_view_alloc),
	KUNIT_CASE(kpool_buf_view_default_pool),
	KUNIT_CASE(kpool_buf_view_get),
	KUNIT_CASE(kpool_buf_view_put),
	KUNIT_CASE(kpool_buf_split_grpc),
	KUNIT_CASE(kpool_buf_split_at_zero),
	KUNIT_CASE(kpool_buf_split_at_len),
	KUNIT_CASE(kpool_buf_split_past_len),
	KUNIT_CASE_PARAM(kpool_buf_slice_ok, kb_slice_ok_gen_params),
	KUNIT_CASE_PARAM(kpool_buf_slice_bad, kb_slice_bad_gen_params),
	KUNIT_CASE(kpool_buf_slice_of_slice),
	KUNIT_CASE_PARAM(kpool_buf_rw_bounds, kb_rw_gen_params),
	KUNIT_CASE(kpool_buf_rw_through_slice),
	KUNIT_CASE(kpool_buf_copy),
	KUNIT_CASE(kpool_buf_copy_empty),
	KUNIT_CASE(kpool_buf_refs_two_threads),
	{}
};

static struct kunit_suite kpool_buf_suite = {
	.name = "kpool_buf",
	.init = kpool_buf_test_init,
	.test_cases = kpool_buf_cases,
};

kunit_test_suites(&kpool_buf_suite);
