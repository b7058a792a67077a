// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kpool's accounts (module/account.c): charging a buffer's
 * capacity to an owner's quota, refusing what would pass the limit, and an
 * account that outlives its owner while buffers charged to it live on.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "kpool.h"

static const size_t ka_sizes[] = { SZ_256, SZ_4K, SZ_16K };

struct ka_ctx {
	struct kpool_pool *pool;
	struct kpool_account *acct;
};

static int ka_init(struct kunit *test)
{
	struct ka_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	static atomic_t seq = ATOMIC_INIT(0);
	char name[24];

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	snprintf(name, sizeof(name), "kpool-ta%d", atomic_inc_return(&seq));
	ctx->pool = kpool_pool_create(name, ka_sizes, ARRAY_SIZE(ka_sizes));
	if (IS_ERR(ctx->pool)) {
		ctx->pool = NULL;
		KUNIT_ASSERT_FAILURE(test, "no pool");
	}
	ctx->acct = kpool_account_alloc(NULL, SZ_1M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->acct);
	return 0;
}

static void ka_exit(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;

	if (!ctx)
		return;
	/* Cases put every buffer they made; the account may be gone already. */
	if (ctx->acct)
		kpool_account_put(ctx->acct);
	kpool_pool_destroy(ctx->pool);
}

static s64 ka_bytes(const struct ka_ctx *ctx)
{
	return atomic64_read(&ctx->acct->bytes);
}

static unsigned int ka_refs(const struct ka_ctx *ctx)
{
	return refcount_read(&ctx->acct->ref);
}

/* A buffer of @size bytes charged to the case's account, limited to @limit. */
static struct kpool_buf *ka_alloc(struct ka_ctx *ctx, size_t size, u64 limit)
{
	ctx->acct->limit = limit;
	return kpool_buf_alloc_charged(ctx->pool, size, GFP_KERNEL, ctx->acct);
}

static void kpool_account_charges_capacity(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_buf *buf;

	buf = ka_alloc(ctx, 1000, SZ_1M);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_EXPECT_PTR_EQ(test, buf->acct, ctx->acct);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), SZ_4K);
	KUNIT_EXPECT_EQ(test, ka_refs(ctx), 2U);
	kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
	KUNIT_EXPECT_EQ(test, ka_refs(ctx), 1U);
}

static void kpool_account_fallback_page_rounded(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_buf *buf;

	buf = ka_alloc(ctx, SZ_16K + 1, SZ_1M);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, buf->tier, KPOOL_TIER_FALLBACK);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), SZ_16K + PAGE_SIZE);
	kpool_buf_put(buf);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
}

/* Buffers of a tier alive now, summed over every CPU. */
static s64 kx_in_use(const struct kpool_tier *t)
{
	struct kpool_totals sum;

	kpool_tier_totals(t, &sum);
	return sum.in_use;
}

static void kpool_account_refuses_over_limit(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	s64 in_use = kx_in_use(&ctx->pool->tier[1]);
	struct kpool_buf *buf;

	/* 1000 bytes cost a 4 KiB buffer: a 4095-byte quota cannot pay. */
	buf = ka_alloc(ctx, 1000, SZ_4K - 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(buf), -EDQUOT);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
	KUNIT_EXPECT_EQ(test, ka_refs(ctx), 1U);
	KUNIT_EXPECT_EQ(test, kx_in_use(&ctx->pool->tier[1]), in_use);
}

static void kpool_account_limit_is_inclusive(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_buf *a, *b, *c;

	a = ka_alloc(ctx, SZ_4K, 2 * SZ_4K);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = ka_alloc(ctx, SZ_4K, 2 * SZ_4K);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, b);
	c = ka_alloc(ctx, 1, 2 * SZ_4K);
	KUNIT_EXPECT_EQ(test, PTR_ERR(c), -EDQUOT);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 2 * SZ_4K);
	if (!IS_ERR(c))
		kpool_buf_put(c);
	if (!IS_ERR(b))
		kpool_buf_put(b);

	/* Freeing makes room again. */
	b = ka_alloc(ctx, SZ_4K, 2 * SZ_4K);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, b);
	if (!IS_ERR(b))
		kpool_buf_put(b);
	kpool_buf_put(a);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
}

static void kpool_account_size_zero(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_buf *buf;

	buf = ka_alloc(ctx, 0, SZ_1M);
	KUNIT_EXPECT_EQ(test, PTR_ERR(buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
	KUNIT_EXPECT_EQ(test, ka_refs(ctx), 1U);
}

/* The owner lets go first; the last buffer charged to it frees it. */
static void kpool_account_outlives_owner(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_buf *buf;

	buf = ka_alloc(ctx, SZ_16K, SZ_1M);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	kpool_account_put(ctx->acct);
	ctx->acct = NULL;
	/* Still charged: the buffer's reference keeps the account. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&buf->acct->bytes), SZ_16K);
	KUNIT_EXPECT_EQ(test, refcount_read(&buf->acct->ref), 1U);
	/* KASAN and kmemleak see to it that this frees the account once. */
	kpool_buf_put(buf);
}

/* A charge goes up the chain, and a parent's limit refuses for it all. */
static void kpool_account_parent_charged(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;
	struct kpool_account *parent, *child;
	struct kpool_buf *a, *b;

	parent = kpool_account_alloc(NULL, 2 * SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parent);
	/* The child owns this reference on the parent. */
	refcount_inc(&parent->ref);
	child = kpool_account_alloc(parent, SZ_1M, GFP_KERNEL);
	if (!child) {
		kpool_account_put(parent);
		kpool_account_put(parent);
		KUNIT_FAIL(test, "no child account");
		return;
	}
	a = kpool_buf_alloc_charged(ctx->pool, 1000, GFP_KERNEL, child);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, a);
	KUNIT_EXPECT_EQ(test, atomic64_read(&child->bytes), SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->bytes), SZ_4K);
	/* 16 KiB fits the child's 1 MiB but not the parent's 8 KiB. */
	b = kpool_buf_alloc_charged(ctx->pool, SZ_16K, GFP_KERNEL, child);
	KUNIT_EXPECT_EQ(test, PTR_ERR(b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&child->bytes), SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->bytes), SZ_4K);
	if (!IS_ERR(b))
		kpool_buf_put(b);
	/* The owner of the child lets go; the buffer keeps both alive. */
	kpool_account_put(child);
	KUNIT_EXPECT_EQ(test, refcount_read(&parent->ref), 2U);
	if (!IS_ERR(a))
		kpool_buf_put(a);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->bytes), 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&parent->ref), 1U);
	kpool_account_put(parent);
}

/* A charge that does not fit changes nothing, not even for a moment. */
static void kpool_account_charge_exact(struct kunit *test)
{
	struct ka_ctx *ctx = test->priv;

	ctx->acct->limit = 100;
	KUNIT_EXPECT_EQ(test, kpool_account_charge(ctx->acct, 101), -EDQUOT);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
	KUNIT_EXPECT_EQ(test, kpool_account_charge(ctx->acct, U64_MAX), -EDQUOT);
	KUNIT_EXPECT_EQ(test, kpool_account_charge(ctx->acct, 60), 0);
	KUNIT_EXPECT_EQ(test, kpool_account_charge(ctx->acct, 41), -EDQUOT);
	KUNIT_EXPECT_EQ(test, kpool_account_charge(ctx->acct, 40), 0);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 100);
	kpool_account_uncharge(ctx->acct, 100);
	KUNIT_EXPECT_EQ(test, ka_bytes(ctx), 0);
}

static struct kunit_case kpool_account_cases[] = {
	KUNIT_CASE(kpool_account_parent_charged),
	KUNIT_CASE(kpool_account_charge_exact),
	KUNIT_CASE(kpool_account_charges_capacity),
	KUNIT_CASE(kpool_account_fallback_page_rounded),
	KUNIT_CASE(kpool_account_refuses_over_limit),
	KUNIT_CASE(kpool_account_limit_is_inclusive),
	KUNIT_CASE(kpool_account_size_zero),
	KUNIT_CASE(kpool_account_outlives_owner),
	{}
};

static struct kunit_suite kpool_account_suite = {
	.name = "kpool_account",
	.init = ka_init,
	.exit = ka_exit,
	.test_cases = kpool_account_cases,
};

kunit_test_suites(&kpool_account_suite);
