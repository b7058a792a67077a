// SPDX-License-Identifier: GPL-2.0
/*
 * kpool mappings: a view's pages in a process.
 *
 * Tier memory is slab memory, which vm_insert_page() refuses, so it is
 * mapped by PFN (remap_pfn_range(): VM_PFNMAP, no page references).  The
 * mapping's own reference on the buffer is then the only thing that keeps
 * the memory from going back to the slab while it is mapped: every VMA owns
 * one, taken in kpool_mmap_view() and in ->open (fork, partial munmap,
 * mremap), dropped in ->close.  Page-backed memory (the fallback, and
 * spilled buffers of costly tiers) is made of ordinary order-0 pages and is
 * mapped with vm_insert_page(), which also pins each page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "internal.h"

static void kpool_vm_open(struct vm_area_struct *vma)
{
	/* A new VMA on the same pages: it owns a reference of its own. */
	kpool_buf_get(vma->vm_private_data);
	atomic64_inc(&kpool_nr_mappings);
}

static void kpool_vm_close(struct vm_area_struct *vma)
{
	/* The reference this VMA owned goes with it. */
	kpool_buf_put(vma->vm_private_data);
	atomic64_dec(&kpool_nr_mappings);
}

static const struct vm_operations_struct kpool_vm_ops = {
	.open = kpool_vm_open,
	.close = kpool_vm_close,
};

/**
 * kpool_view_mappable() - whether a view can be mapped.
 * @v: the view.
 *
 * Buffers below a page share their page with neighbours and are never
 * mapped; neither is an empty view, which has no page.
 *
 * Return: %KPOOL_INFO_MAPPABLE or 0.
 */
u32 kpool_view_mappable(const struct kpool_view *v)
{
	return v->buf && v->len && v->buf->capacity >= PAGE_SIZE ?
	       KPOOL_INFO_MAPPABLE : 0;
}

static int kpool_insert_pages(struct vm_area_struct *vma, u8 *kaddr)
{
	unsigned long addr;
	int ret;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr, vmalloc_to_page(kaddr));
		if (ret)
			return ret;
		kaddr += PAGE_SIZE;
	}
	return 0;
}

/**
 * kpool_mmap_view() - map the pages that hold a view.
 * @vma: the new mapping; its length may be shorter than the view's span
 *	(the pages from the one holding its first byte to the one holding
 *	its last), never longer.
 * @v: the view; the caller keeps its reference, the mapping takes its own.
 *
 * Context: process context, mmap_lock held for writing.
 * Return: 0; -EINVAL for a private mapping, an unmappable view or a length
 * past the span; an error of the page-table code.
 */
int kpool_mmap_view(struct vm_area_struct *vma, const struct kpool_view *v)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct kpool_buf *buf = v->buf;
	size_t first, last;
	u8 *kaddr;
	int ret;

	if (!(vma->vm_flags & VM_SHARED) || !kpool_view_mappable(v))
		return -EINVAL;
	first = v->offset >> PAGE_SHIFT;
	last = (v->offset + v->len - 1) >> PAGE_SHIFT;
	if (len > (last - first + 1) << PAGE_SHIFT)
		return -EINVAL;

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	kaddr = (u8 *)buf->data + (first << PAGE_SHIFT);
	if (buf->backing == KPOOL_BACKING_SLAB)
		ret = remap_pfn_range(vma, vma->vm_start,
				      PHYS_PFN(virt_to_phys(kaddr)), len,
				      vma->vm_page_prot);
	else
		ret = kpool_insert_pages(vma, kaddr);
	/* On error mmap_region() unmaps what was mapped; no ->close runs. */
	if (ret)
		return ret;

	/* This reference belongs to the VMA; kpool_vm_close() drops it. */
	vma->vm_private_data = kpool_buf_get(buf);
	vma->vm_ops = &kpool_vm_ops;
	atomic64_inc(&kpool_nr_mappings);
	return 0;
}
