// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kpool's slices and readers (module/slice.c), after
 * gRPC-Go's BufferSlice tests.
 *
 * Most cases use the slice "ab" | "" | "cde": three views on three
 * buffers, the middle one an empty window that still holds a reference,
 * so each buffer's count shows what happened to its view.  Views, slices
 * and readers are KUnit resources, released after the case before the
 * case's private pool.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kpool.h"

static const size_t ks_default_sizes[] = {
	SZ_256, SZ_4K, SZ_16K, SZ_32K, SZ_1M,
};

static atomic_t ks_seq = ATOMIC_INIT(0);

/* ---- resources ---- */

static int ks_res_init(struct kunit_resource *res, void *data)
{
	res->data = data;
	return 0;
}

static void ks_pool_free(struct kunit_resource *res)
{
	kpool_pool_destroy(res->data);
}

static void ks_view_free(struct kunit_resource *res)
{
	kpool_view_put(res->data);
	kfree(res->data);
}

static void ks_slice_free(struct kunit_resource *res)
{
	kpool_bufslice_put(res->data);
	kfree(res->data);
}

struct ks_reader {
	struct kpool_reader r;
	bool live;
};

static void ks_reader_free(struct kunit_resource *res)
{
	struct ks_reader *kr = res->data;

	if (kr->live)
		kpool_reader_close(&kr->r);
	kfree(kr);
}

/* Zeroed memory that @free releases after the case. */
static void *ks_track(struct kunit *test, size_t size,
		      kunit_resource_free_t free)
{
	void *p = kzalloc(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	if (!kunit_alloc_resource(test, ks_res_init, free, GFP_KERNEL, p)) {
		kfree(p);
		KUNIT_ASSERT_FAILURE(test, "no memory for a KUnit resource");
	}
	return p;
}

static struct kpool_view *ks_view(struct kunit *test)
{
	return ks_track(test, sizeof(struct kpool_view), ks_view_free);
}

static struct kpool_bufslice *ks_slice(struct kunit *test)
{
	struct kpool_bufslice *s;

	s = ks_track(test, sizeof(*s), ks_slice_free);
	kpool_bufslice_init(s);
	return s;
}

static struct kpool_view *ks_view_bytes(struct kunit *test, const void *src,
					size_t len)
{
	struct kpool_view *v = ks_view(test);

	KUNIT_ASSERT_EQ(test,
			kpool_view_copy(test->priv, src, len, GFP_KERNEL, v),
			0);
	return v;
}

/* A zero-length window that holds a reference on its own buffer. */
static struct kpool_view *ks_view_empty(struct kunit *test)
{
	struct kpool_view *whole = ks_view_bytes(test, "x", 1);
	struct kpool_view *v = ks_view(test);

	KUNIT_ASSERT_EQ(test, kpool_view_slice(whole, 1, 1, v), 0);
	kpool_view_put(whole);
	return v;
}

static void ks_append(struct kunit *test, struct kpool_bufslice *s,
		      struct kpool_view *v)
{
	KUNIT_ASSERT_EQ(test, kpool_bufslice_append(s, v, GFP_KERNEL), 0);
}

/* The slice "ab" | "" | "cde"; @bufs receives the three buffers. */
static struct kpool_bufslice *ks_abcde(struct kunit *test,
				       struct kpool_buf **bufs)
{
	struct kpool_bufslice *s = ks_slice(test);
	struct kpool_view *v[3];
	unsigned int i;

	v[0] = ks_view_bytes(test, "ab", 2);
	v[1] = ks_view_empty(test);
	v[2] = ks_view_bytes(test, "cde", 3);
	for (i = 0; i < 3; i++) {
		bufs[i] = v[i]->buf;
		ks_append(test, s, v[i]);
	}
	return s;
}

static struct kpool_reader *ks_reader(struct kunit *test,
				      const struct kpool_bufslice *s)
{
	struct ks_reader *kr = ks_track(test, sizeof(*kr), ks_reader_free);

	KUNIT_ASSERT_EQ(test, kpool_reader_init(&kr->r, s, GFP_KERNEL), 0);
	kr->live = true;
	return &kr->r;
}

static void ks_reader_close(struct kpool_reader *r)
{
	struct ks_reader *kr = container_of(r, struct ks_reader, r);

	kpool_reader_close(r);
	kr->live = false;
}

static void ks_expect_refs(struct kunit *test, struct kpool_buf **bufs,
			   unsigned int a, unsigned int e, unsigned int c)
{
	KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[0]), a, "\"ab\"");
	KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[1]), e, "\"\"");
	KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[2]), c, "\"cde\"");
}

static void ks_expect_contents(struct kunit *test, const struct kpool_bufslice *s,
			       const char *want)
{
	size_t len = strlen(want);
	char got[16] = {};

	KUNIT_ASSERT_LT(test, len, sizeof(got));
	KUNIT_EXPECT_EQ(test, kpool_bufslice_copy_to(s, got, sizeof(got)), len);
	KUNIT_EXPECT_STREQ(test, got, want);
}

static s64 ks_sum(const struct kpool_pool *pool, bool allocs)
{
	struct kpool_totals sum;
	unsigned int i;
	s64 n;

	kpool_tier_totals(&pool->fallback, &sum);
	n = allocs ? sum.allocs : sum.in_use;
	for (i = 0; i < pool->ntiers; i++) {
		kpool_tier_totals(&pool->tier[i], &sum);
		n += allocs ? sum.allocs : sum.in_use;
	}
	return n;
}

static long ks_in_use(const struct kpool_pool *pool)
{
	return ks_sum(pool, false);
}

static s64 ks_allocs(const struct kpool_pool *pool)
{
	return ks_sum(pool, true);
}

/* ---- slices ---- */

static void kpool_slice_empty(struct kunit *test)
{
	struct kpool_bufslice *s = ks_slice(test);
	u8 dst = 0xee;

	KUNIT_EXPECT_EQ(test, s->nr, 0U);
	KUNIT_EXPECT_EQ(test, kpool_bufslice_len(s), (size_t)0);
	KUNIT_EXPECT_EQ(test, kpool_bufslice_copy_to(s, &dst, 1), (size_t)0);
	KUNIT_EXPECT_EQ(test, dst, 0xee);
}

static void kpool_slice_len_several(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);

	KUNIT_EXPECT_EQ(test, s->nr, 3U);
	KUNIT_EXPECT_EQ(test, kpool_bufslice_len(s), (size_t)5);
}

/* The slice takes the view's reference; no new one is taken. */
static void kpool_slice_append_owns(struct kunit *test)
{
	struct kpool_bufslice *s = ks_slice(test);
	struct kpool_view *v = ks_view_bytes(test, "hi", 2);
	struct kpool_buf *buf = v->buf;

	ks_append(test, s, v);
	KUNIT_EXPECT_NULL(test, v->buf);
	KUNIT_EXPECT_EQ(test, v->len, (size_t)0);
	KUNIT_ASSERT_EQ(test, s->nr, 1U);
	KUNIT_EXPECT_PTR_EQ(test, s->views[0].buf, buf);
	KUNIT_EXPECT_EQ(test, s->views[0].len, (size_t)2);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 1U);
}

static void kpool_slice_get_refs_all(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_bufslice *dup = ks_slice(test);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kpool_bufslice_get(s, dup, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, dup->nr, 3U);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, dup->views[i].buf, bufs[i]);
		KUNIT_EXPECT_EQ(test, dup->views[i].offset,
				s->views[i].offset);
		KUNIT_EXPECT_EQ(test, dup->views[i].len, s->views[i].len);
	}
	ks_expect_refs(test, bufs, 2, 2, 2);
	ks_expect_contents(test, dup, "abcde");
	KUNIT_EXPECT_EQ(test, s->nr, 3U);

	kpool_bufslice_put(dup);
	KUNIT_EXPECT_EQ(test, dup->nr, 0U);
	ks_expect_refs(test, bufs, 1, 1, 1);
	ks_expect_contents(test, s, "abcde");
}

static void kpool_slice_put_frees_all(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);

	KUNIT_EXPECT_EQ(test, ks_in_use(test->priv), 3L);
	kpool_bufslice_put(s);
	KUNIT_EXPECT_EQ(test, s->nr, 0U);
	KUNIT_EXPECT_EQ(test, kpool_bufslice_len(s), (size_t)0);
	KUNIT_EXPECT_EQ(test, ks_in_use(test->priv), 0L);
}

static void kpool_slice_copy_to_short(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	u8 dst[8];

	memset(dst, 0xee, sizeof(dst));
	KUNIT_EXPECT_EQ(test, kpool_bufslice_copy_to(s, dst, 3), (size_t)3);
	KUNIT_EXPECT_EQ(test, memcmp(dst, "abc", 3), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(dst + 3, 0xee, sizeof(dst) - 3));
}

static void kpool_slice_copy_to_long(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	u8 dst[8];

	memset(dst, 0xee, sizeof(dst));
	KUNIT_EXPECT_EQ(test, kpool_bufslice_copy_to(s, dst, sizeof(dst)),
			(size_t)5);
	KUNIT_EXPECT_EQ(test, memcmp(dst, "abcde", 5), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(dst + 5, 0xee, sizeof(dst) - 5));
}

/* ---- materialize ---- */

static void kpool_slice_materialize_none(struct kunit *test)
{
	struct kpool_bufslice *s = ks_slice(test);
	struct kpool_view *out = ks_view(test);

	/* An output with stale fields must come back empty. */
	out->offset = 3;
	out->len = 7;
	KUNIT_EXPECT_EQ(test, kpool_bufslice_materialize(s, test->priv,
							 GFP_KERNEL, out), 0);
	KUNIT_EXPECT_NULL(test, out->buf);
	KUNIT_EXPECT_EQ(test, out->len, (size_t)0);
	KUNIT_EXPECT_EQ(test, ks_allocs(test->priv), 0LL);
}

/* One view: a new reference to the same memory, no copy. */
static void kpool_slice_materialize_one(struct kunit *test)
{
	struct kpool_bufslice *s = ks_slice(test);
	struct kpool_view *v = ks_view_bytes(test, "hello", 5);
	struct kpool_view *out = ks_view(test);
	struct kpool_buf *buf = v->buf;

	ks_append(test, s, v);
	KUNIT_ASSERT_EQ(test, kpool_bufslice_materialize(s, test->priv,
							 GFP_KERNEL, out), 0);
	KUNIT_ASSERT_PTR_EQ(test, out->buf, buf);
	KUNIT_EXPECT_PTR_EQ(test, kpool_view_data(out),
			    kpool_view_data(&s->views[0]));
	KUNIT_EXPECT_EQ(test, out->len, (size_t)5);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
	KUNIT_EXPECT_EQ(test, ks_allocs(test->priv), 1LL);
}

/* Several views: one new buffer with all the bytes; the views stay. */
static void kpool_slice_materialize_several(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_view *out = ks_view(test);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kpool_bufslice_materialize(s, test->priv,
							 GFP_KERNEL, out), 0);
	KUNIT_ASSERT_NOT_NULL(test, out->buf);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_NE(test, out->buf, bufs[i]);
	KUNIT_EXPECT_PTR_EQ(test, out->buf->pool,
			    (struct kpool_pool *)test->priv);
	KUNIT_EXPECT_EQ(test, out->len, (size_t)5);
	KUNIT_EXPECT_EQ(test, memcmp(kpool_view_data(out), "abcde", 5), 0);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(out->buf), 1U);
	ks_expect_refs(test, bufs, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, s->nr, 3U);
	ks_expect_contents(test, s, "abcde");
}

/* ---- reader ---- */

static void kpool_slice_reader_init(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);

	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)5);
	ks_expect_refs(test, bufs, 2, 2, 2);
	KUNIT_EXPECT_EQ(test, s->nr, 3U);
}

/*
 * One byte at a time: each view is dropped as soon as it is read to its
 * end.  The empty view may go with "ab" or with the first byte of "cde".
 */
static void kpool_slice_reader_bytewise(struct kunit *test)
{
	static const char want[] = "abcde";
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	unsigned int i;
	u8 b;

	for (i = 0; i < 5; i++) {
		b = 0;
		KUNIT_ASSERT_EQ(test, kpool_reader_read(r, &b, 1), (size_t)1);
		KUNIT_EXPECT_EQ_MSG(test, b, want[i], "byte %u", i);
		KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r),
				(size_t)(4 - i));
		KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[0]),
				    i >= 1 ? 1U : 2U, "\"ab\" after byte %u", i);
		if (i >= 2)
			KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[1]), 1U,
					    "\"\" after byte %u", i);
		KUNIT_EXPECT_EQ_MSG(test, kpool_buf_refs(bufs[2]),
				    i >= 4 ? 1U : 2U, "\"cde\" after byte %u",
				    i);
	}
	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, &b, 1), (size_t)0);
}

static void kpool_slice_reader_read_byte(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	char got[6] = {};
	unsigned int i;
	u8 b;

	for (i = 0; i < 5; i++) {
		KUNIT_ASSERT_EQ(test, kpool_reader_read_byte(r, &b), 0);
		got[i] = b;
	}
	KUNIT_EXPECT_STREQ(test, got, "abcde");
	KUNIT_EXPECT_EQ(test, kpool_reader_read_byte(r, &b), -ENODATA);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)0);
	ks_expect_refs(test, bufs, 1, 1, 1);
}

/* The reader works on its own references: the slice stays whole. */
static void kpool_slice_reader_leaves_slice(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	u8 got[8];

	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, got, sizeof(got)),
			(size_t)5);
	ks_reader_close(r);
	KUNIT_EXPECT_EQ(test, s->nr, 3U);
	KUNIT_EXPECT_EQ(test, kpool_bufslice_len(s), (size_t)5);
	ks_expect_contents(test, s, "abcde");
	ks_expect_refs(test, bufs, 1, 1, 1);
}

static void kpool_slice_reader_read_across(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	u8 got[8];

	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, got, 4), (size_t)4);
	KUNIT_EXPECT_EQ(test, memcmp(got, "abcd", 4), 0);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)1);
	ks_expect_refs(test, bufs, 1, 1, 2);
	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, got, sizeof(got)),
			(size_t)1);
	KUNIT_EXPECT_EQ(test, got[0], 'e');
	ks_expect_refs(test, bufs, 1, 1, 1);
}

static void kpool_slice_reader_peek(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	u8 got[8];

	KUNIT_EXPECT_EQ(test, kpool_reader_peek(r, got, 3), (size_t)3);
	KUNIT_EXPECT_EQ(test, memcmp(got, "abc", 3), 0);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)5);
	ks_expect_refs(test, bufs, 2, 2, 2);

	KUNIT_ASSERT_EQ(test, kpool_reader_read(r, got, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, kpool_reader_peek(r, got, sizeof(got)),
			(size_t)4);
	KUNIT_EXPECT_EQ(test, memcmp(got, "bcde", 4), 0);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)4);
	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, got, sizeof(got)),
			(size_t)4);
	KUNIT_EXPECT_EQ(test, memcmp(got, "bcde", 4), 0);
}

static void kpool_slice_reader_discard(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	u8 got[8];

	KUNIT_EXPECT_EQ(test, kpool_reader_discard(r, 3), (size_t)3);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)2);
	ks_expect_refs(test, bufs, 1, 1, 2);
	KUNIT_EXPECT_EQ(test, kpool_reader_read(r, got, sizeof(got)),
			(size_t)2);
	KUNIT_EXPECT_EQ(test, memcmp(got, "de", 2), 0);
	KUNIT_EXPECT_EQ(test, kpool_reader_discard(r, 10), (size_t)0);
}

static void kpool_slice_reader_discard_past_end(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);

	KUNIT_EXPECT_EQ(test, kpool_reader_discard(r, SIZE_MAX), (size_t)5);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)0);
	ks_expect_refs(test, bufs, 1, 1, 1);
}

/* Close drops what was not read: the counts go back to the slice's. */
static void kpool_slice_reader_close(struct kunit *test)
{
	struct kpool_buf *bufs[3];
	struct kpool_bufslice *s = ks_abcde(test, bufs);
	struct kpool_reader *r = ks_reader(test, s);
	u8 b;

	KUNIT_ASSERT_EQ(test, kpool_reader_read(r, &b, 1), (size_t)1);
	ks_expect_refs(test, bufs, 2, 2, 2);
	ks_reader_close(r);
	KUNIT_EXPECT_EQ(test, kpool_reader_remaining(r), (size_t)0);
	ks_expect_refs(test, bufs, 1, 1, 1);
	ks_expect_contents(test, s, "abcde");
}

static int kpool_slice_test_init(struct kunit *test)
{
	struct kpool_pool *pool;
	char name[24];

	snprintf(name, sizeof(name), "kpool-ts%d", atomic_inc_return(&ks_seq));
	pool = kpool_pool_create(name, ks_default_sizes,
				 ARRAY_SIZE(ks_default_sizes));
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* First resource of the case, so released after everything else. */
	if (!kunit_alloc_resource(test, ks_res_init, ks_pool_free, GFP_KERNEL,
				  pool)) {
		kpool_pool_destroy(pool);
		return -ENOMEM;
	}
	test->priv = pool;
	return 0;
}

static struct kunit_case kpool_slice_cases[] = {
	KUNIT_CASE(kpool_slice_empty),
	KUNIT_CASE(kpool_slice_len_several),
	KUNIT_CASE(kpool_slice_append_owns),
	KUNIT_CASE(kpool_slice_get_refs_all),
	KUNIT_CASE(kpool_slice_put_frees_all),
	KUNIT_CASE(kpool_slice_copy_to_short),
	KUNIT_CASE(kpool_slice_copy_to_long),
	KUNIT_CASE(kpool_slice_materialize_none),
	KUNIT_CASE(kpool_slice_materialize_one),
	KUNIT_CASE(kpool_slice_materialize_several),
	KUNIT_CASE(kpool_slice_reader_init),
	KUNIT_CASE(kpool_slice_reader_bytewise),
	KUNIT_CASE(kpool_slice_reader_read_byte),
	KUNIT_CASE(kpool_slice_reader_leaves_slice),
	KUNIT_CASE(kpool_slice_reader_read_across),
	KUNIT_CASE(kpool_slice_reader_peek),
	KUNIT_CASE(kpool_slice_reader_discard),
	KUNIT_CASE(kpool_slice_reader_discard_past_end),
	KUNIT_CASE(kpool_slice_reader_close),
	{}
};

static struct kunit_suite kpool_slice_suite = {
	.name = "kpool_slice",
	.init = kpool_slice_test_init,
	.test_cases = kpool_slice_cases,
};

kunit_test_suites(&kpool_slice_suite);
