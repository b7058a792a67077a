// SPDX-License-Identifier: GPL-2.0
/*
 * kpool dma-bufs: a view handed to devices (KPOOL_EXPORT_DMABUF).
 *
 * The dma-buf holds one reference on the view, as an exported file does,
 * and covers the view's page span.  An importing driver gets an sg_table
 * of the buffer's pages (one entry for a slab object, whose pages are
 * contiguous; many for page-backed buffers), mapped for its device.  The
 * CPU side is the same pages: mmap() maps them as the device file does,
 * vmap() gives their kernel address, and begin/end_cpu_access sync every
 * attachment's mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "internal.h"
#include "kpool_trace.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct kpool_dmabuf - what a kpool dma-buf holds.
 * @view: the view, owning one reference on its buffer.
 * @lock: protects @attachments (attach, detach, map, unmap and CPU access
 *	may come from different importers at once).
 * @attachments: the struct kpool_dmabuf_attachment of each attachment.
 */
struct kpool_dmabuf {
	struct kpool_view view;
	struct mutex lock;	/* protects @attachments */
	struct list_head attachments;
};

/**
 * struct kpool_dmabuf_attachment - one importing device.
 * @node: in kpool_dmabuf.attachments.
 * @dev: the device.
 * @sgt: the table mapped for @dev, or NULL while it is not mapped.
 * @dir: the direction @sgt was mapped with.
 */
struct kpool_dmabuf_attachment {
	struct list_head node;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static int kpool_dmabuf_attach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct kpool_dmabuf *kd = dmabuf->priv;
	struct kpool_dmabuf_attachment *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&kd->lock);
	list_add(&a->node, &kd->attachments);
	mutex_unlock(&kd->lock);
	return 0;
}

static void kpool_dmabuf_detach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct kpool_dmabuf *kd = dmabuf->priv;
	struct kpool_dmabuf_attachment *a = attach->priv;

	mutex_lock(&kd->lock);
	list_del(&a->node);
	mutex_unlock(&kd->lock);
	kfree(a);
}

/* The pages of @v's span, in a table whose contiguous pages are merged. */
static struct sg_table *kpool_dmabuf_table(const struct kpool_view *v)
{
	size_t first = v->offset >> PAGE_SHIFT;
	size_t i, n = kpool_view_span(v) >> PAGE_SHIFT;
	struct sg_table *sgt;
	struct page **pages;
	int ret = -ENOMEM;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!pages || !sgt)
		goto err_free;
	for (i = 0; i < n; i++)
		pages[i] = kpool_buf_page(v->buf, first + i);
	ret = sg_alloc_table_from_pages(sgt, pages, n, 0, n << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		goto err_free;
	kvfree(pages);
	return sgt;

err_free:
	kfree(sgt);
	kvfree(pages);
	return ERR_PTR(ret);
}

static struct sg_table *kpool_dmabuf_map(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct kpool_dmabuf *kd = attach->dmabuf->priv;
	struct kpool_dmabuf_attachment *a = attach->priv;
	struct sg_table *sgt;
	int ret;

	if (kd->view.readonly && dir != DMA_TO_DEVICE)
		return ERR_PTR(-EACCES);
	sgt = kpool_dmabuf_table(&kd->view);
	if (IS_ERR(sgt))
		return sgt;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret) {
		sg_free_table(sgt);
		kfree(sgt);
		return ERR_PTR(ret);
	}
	mutex_lock(&kd->lock);
	a->sgt = sgt;
	a->dir = dir;
	mutex_unlock(&kd->lock);
	return sgt;
}

static void kpool_dmabuf_unmap(struct dma_buf_attachment *attach,
			       struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	struct kpool_dmabuf *kd = attach->dmabuf->priv;
	struct kpool_dmabuf_attachment *a = attach->priv;

	mutex_lock(&kd->lock);
	a->sgt = NULL;
	mutex_unlock(&kd->lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

/* Hand every mapped attachment's pages to the CPU, or back to the device. */
static void kpool_dmabuf_sync(struct kpool_dmabuf *kd, bool for_cpu)
{
	struct kpool_dmabuf_attachment *a;

	mutex_lock(&kd->lock);
	list_for_each_entry(a, &kd->attachments, node) {
		if (!a->sgt)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&kd->lock);
}

static int kpool_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				  enum dma_data_direction dir)
{
	kpool_dmabuf_sync(dmabuf->priv, true);
	return 0;
}

static int kpool_dmabuf_end_cpu(struct dma_buf *dmabuf,
				enum dma_data_direction dir)
{
	kpool_dmabuf_sync(dmabuf->priv, false);
	return 0;
}

/* The core checked the range against the size (the span) already. */
static int kpool_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct kpool_dmabuf *kd = dmabuf->priv;

	if (vma->vm_pgoff)
		return -EINVAL;
	return kpool_mmap_view(vma, &kd->view, NULL);
}

/* Both backings are virtually contiguous in the kernel already. */
static int kpool_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct kpool_dmabuf *kd = dmabuf->priv;
	const struct kpool_view *v = &kd->view;

	iosys_map_set_vaddr(map, (u8 *)v->buf->data +
			    (v->offset & PAGE_MASK));
	return 0;
}

static void kpool_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
}

static void kpool_dmabuf_release(struct dma_buf *dmabuf)
{
	struct kpool_dmabuf *kd = dmabuf->priv;

	/* The dma-buf's reference on the view goes with it. */
	kpool_view_put(&kd->view);
	mutex_destroy(&kd->lock);
	kfree(kd);
	kpool_stat_add(KPOOL_STAT_EXPORTS, -1);
}

static const struct dma_buf_ops kpool_dmabuf_ops = {
	.attach = kpool_dmabuf_attach,
	.detach = kpool_dmabuf_detach,
	.map_dma_buf = kpool_dmabuf_map,
	.unmap_dma_buf = kpool_dmabuf_unmap,
	.begin_cpu_access = kpool_dmabuf_begin_cpu,
	.end_cpu_access = kpool_dmabuf_end_cpu,
	.mmap = kpool_dmabuf_mmap,
	.vmap = kpool_dmabuf_vmap,
	.vunmap = kpool_dmabuf_vunmap,
	.release = kpool_dmabuf_release,
};

/**
 * kpool_dmabuf_export() - a new dma-buf holding a reference to a view.
 * @v: the view; the caller keeps its own reference.
 * @readonly: make the dma-buf read-only (opened O_RDONLY; devices may
 *	only read it); a read-only @v makes a read-only dma-buf regardless.
 *
 * The dma-buf's size is the view's page span; a view below a page has no
 * pages of its own to give and is refused.  Its file is not installed:
 * the caller installs dmabuf->file (fd_install()) or drops it with
 * dma_buf_put().
 *
 * Context: process context; may sleep.
 * Return: the dma-buf, holding the caller's reference on its file, or
 * ERR_PTR(-EINVAL) for a view that cannot be mapped, ERR_PTR(-ENOMEM).
 */
struct dma_buf *kpool_dmabuf_export(const struct kpool_view *v, bool readonly)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct kpool_dmabuf *kd;
	struct dma_buf *dmabuf;

	if (!kpool_view_span(v))
		return ERR_PTR(-EINVAL);
	kd = kzalloc(sizeof(*kd), GFP_KERNEL_ACCOUNT);
	if (!kd)
		return ERR_PTR(-ENOMEM);
	mutex_init(&kd->lock);
	INIT_LIST_HEAD(&kd->attachments);
	kpool_view_get(v, &kd->view);
	kd->view.readonly |= readonly;

	info.ops = &kpool_dmabuf_ops;
	info.size = kpool_view_span(v);
	info.flags = kd->view.readonly ? O_RDONLY : O_RDWR;
	info.priv = kd;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		kpool_view_put(&kd->view);
		mutex_destroy(&kd->lock);
		kfree(kd);
		return dmabuf;
	}
	/* From here on the dma-buf owns @kd and its reference. */
	kpool_stat_add(KPOOL_STAT_EXPORTS, 1);
	trace_kpool_export(kd->view.buf, kd->view.len);
	return dmabuf;
}
EXPORT_SYMBOL_GPL(kpool_dmabuf_export);

/**
 * kpool_dmabuf_import() - a new reference to the view a kpool dma-buf holds.
 * @fd: a file descriptor of the calling process.
 * @v: receives the view, owning a reference of its own.
 *
 * Context: process context.
 * Return: 0, -EBADF when @fd is not open, -EINVAL when it is not a
 * dma-buf made by kpool_dmabuf_export().
 */
int kpool_dmabuf_import(int fd, struct kpool_view *v)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);
	int ret = 0;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (dmabuf->ops == &kpool_dmabuf_ops)
		kpool_view_get(&((struct kpool_dmabuf *)dmabuf->priv)->view, v);
	else
		ret = -EINVAL;
	dma_buf_put(dmabuf);
	return ret;
}
