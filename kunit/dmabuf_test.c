// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kpool's dma-bufs (module/dmabuf.c), as an importing
 * driver sees them: a test device attaches, maps the attachment and finds
 * exactly the buffer's pages in the sg_table; dma_buf_vmap() shows the
 * view's bytes; the last put gives the view's reference back, and KASAN
 * and kmemleak watch that nothing is touched after or left behind.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include "kpool.h"

MODULE_IMPORT_NS(DMA_BUF);

static const size_t kd_sizes[] = { SZ_256, SZ_4K, SZ_16K };

struct kd_ctx {
	struct kpool_pool *pool;
	struct platform_device *pdev;
	struct device *dev;
};

static int kd_init(struct kunit *test)
{
	struct kd_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	static atomic_t seq = ATOMIC_INIT(0);
	char name[24];

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	snprintf(name, sizeof(name), "kpool-td%d", atomic_inc_return(&seq));
	ctx->pool = kpool_pool_create(name, kd_sizes, ARRAY_SIZE(kd_sizes));
	if (IS_ERR(ctx->pool)) {
		ctx->pool = NULL;
		KUNIT_ASSERT_FAILURE(test, "no pool");
	}
	/* A platform device, as vgem's own is. */
	ctx->pdev = platform_device_register_simple("kpool-dmabuf-test",
						    PLATFORM_DEVID_AUTO, NULL, 0);
	if (IS_ERR(ctx->pdev)) {
		long err = PTR_ERR(ctx->pdev);

		ctx->pdev = NULL;
		KUNIT_ASSERT_FAILURE(test, "no test device: %ld", err);
	}
	ctx->dev = &ctx->pdev->dev;
	/* It can reach all memory, as vgem can. */
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(ctx->dev,
							   DMA_BIT_MASK(64)), 0);
	return 0;
}

static void kd_exit(struct kunit *test)
{
	struct kd_ctx *ctx = test->priv;

	if (!ctx)
		return;
	if (ctx->pdev)
		platform_device_unregister(ctx->pdev);
	kpool_pool_destroy(ctx->pool);
}

/*
 * Attach, map, and check that the table covers exactly the pages from
 * @first on, @n of them, and that vmap shows @tag at @off.
 */
static void kd_check_device_view(struct kunit *test, struct dma_buf *dmabuf,
				 const struct kpool_buf *buf, size_t first,
				 size_t n, size_t off, const char *tag,
				 unsigned int *nents)
{
	struct kd_ctx *ctx = test->priv;
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct iosys_map map;
	struct sg_table *sgt;
	size_t page = first, bytes = 0;
	bool pages_ok = true;
	unsigned int i;

	attach = dma_buf_attach(dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		dma_buf_detach(dmabuf, attach);
		KUNIT_FAIL(test, "map_attachment: %ld", PTR_ERR(sgt));
		return;
	}
	for_each_sgtable_sg(sgt, sg, i) {
		size_t k;

		for (k = 0; k < sg->length >> PAGE_SHIFT; k++, page++)
			pages_ok &= nth_page(sg_page(sg), k) ==
				    kpool_buf_page(buf, page);
		KUNIT_EXPECT_EQ(test, sg->offset, 0U);
		bytes += sg->length;
	}
	*nents = sgt->orig_nents;
	KUNIT_EXPECT_TRUE_MSG(test, pages_ok, "the table's pages are the buffer's");
	KUNIT_EXPECT_EQ(test, bytes, n << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, page, first + n);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap(dmabuf, &map), 0);
	KUNIT_EXPECT_EQ(test, memcmp((u8 *)map.vaddr + off, tag, strlen(tag)), 0);
	dma_buf_vunmap(dmabuf, &map);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(dmabuf, attach);
}

/* A slice of a slab buffer: its 2 pages, contiguous, in one entry. */
static void kpool_dmabuf_slab_slice(struct kunit *test)
{
	struct kd_ctx *ctx = test->priv;
	struct kpool_view v, part;
	struct dma_buf *dmabuf;
	struct kpool_buf *buf;
	unsigned int nents = 0;

	KUNIT_ASSERT_EQ(test, kpool_view_alloc(ctx->pool, SZ_16K, GFP_KERNEL, &v), 0);
	buf = v.buf;
	KUNIT_EXPECT_EQ(test, kpool_view_write(&v, 5000, "device", 6), 0);
	KUNIT_ASSERT_EQ(test, kpool_view_slice(&v, 5000, 9000, &part), 0);
	dmabuf = kpool_dmabuf_export(&part, false);
	if (IS_ERR(dmabuf)) {
		kpool_view_put(&part);
		kpool_view_put(&v);
		KUNIT_FAIL(test, "export: %ld", PTR_ERR(dmabuf));
		return;
	}
	KUNIT_EXPECT_EQ(test, dmabuf->size, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 3U);
	kd_check_device_view(test, dmabuf, buf, 1, 2, 5000 - PAGE_SIZE, "device",
			     &nents);
	KUNIT_EXPECT_EQ(test, nents, 1U);
	/*
	 * The dma-buf's file is its only holder: this put releases it, from
	 * the delayed fput work in a kthread, which is flushed here.
	 */
	dma_buf_put(dmabuf);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(buf), 2U);
	kpool_view_put(&part);
	kpool_view_put(&v);
}

/* A page-backed (fallback) buffer: every page, in however many entries. */
static void kpool_dmabuf_fallback(struct kunit *test)
{
	struct kd_ctx *ctx = test->priv;
	size_t size = 3 * SZ_1M;
	struct dma_buf *dmabuf;
	unsigned int nents = 0;
	struct kpool_view v;

	KUNIT_ASSERT_EQ(test, kpool_view_alloc(ctx->pool, size, GFP_KERNEL, &v), 0);
	KUNIT_EXPECT_EQ(test, v.buf->tier, KPOOL_TIER_FALLBACK);
	KUNIT_EXPECT_EQ(test, kpool_view_write(&v, size - 5, "tail", 4), 0);
	dmabuf = kpool_dmabuf_export(&v, false);
	if (IS_ERR(dmabuf)) {
		kpool_view_put(&v);
		KUNIT_FAIL(test, "export: %ld", PTR_ERR(dmabuf));
		return;
	}
	kd_check_device_view(test, dmabuf, v.buf, 0, size >> PAGE_SHIFT,
			     size - 5, "tail", &nents);
	KUNIT_EXPECT_GE(test, nents, 1U);
	dma_buf_put(dmabuf);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v.buf), 1U);
	kpool_view_put(&v);
}

/* No dma-buf of a view below a page, and read-only ones refuse writers. */
static void kpool_dmabuf_refusals(struct kunit *test)
{
	struct kd_ctx *ctx = test->priv;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	struct kpool_view v;

	KUNIT_ASSERT_EQ(test, kpool_view_alloc(ctx->pool, 100, GFP_KERNEL, &v), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kpool_dmabuf_export(&v, false)), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_buf_refs(v.buf), 1U);
	kpool_view_put(&v);

	KUNIT_ASSERT_EQ(test, kpool_view_alloc(ctx->pool, SZ_4K, GFP_KERNEL, &v), 0);
	dmabuf = kpool_dmabuf_export(&v, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = dma_buf_attach(dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -EACCES);
	if (!IS_ERR(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	kpool_view_put(&v);
}

static struct kunit_case kpool_dmabuf_cases[] = {
	KUNIT_CASE(kpool_dmabuf_slab_slice),
	KUNIT_CASE(kpool_dmabuf_fallback),
	KUNIT_CASE(kpool_dmabuf_refusals),
	{}
};

static struct kunit_suite kpool_dmabuf_suite = {
	.name = "kpool_dmabuf",
	.init = kd_init,
	.exit = kd_exit,
	.test_cases = kpool_dmabuf_cases,
};

kunit_test_suites(&kpool_dmabuf_suite);
