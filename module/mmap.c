// SPDX-License-Identifier: GPL-2.0
/*
 * kpool mappings: a view's pages in a process.
 *
 * Tier memory is slab memory, which vm_insert_page() refuses, so it is
 * mapped by PFN (VM_PFNMAP, no page references), from ->fault: the first
 * touch inserts every page of the VMA (vmf_insert_pfn()).  Not with
 * remap_pfn_range() at mmap time: that tracks the whole range for PAT and,
 * when a page-table allocation fails half-way, 6.1 warns as it undoes it.  The
 * mapping's own reference on the buffer is then the only thing that keeps
 * the memory from going back to the slab while it is mapped: every VMA owns
 * one, taken in kpool_mmap_view() and in ->open (fork, partial munmap,
 * mremap), dropped in ->close.  Page-backed memory (the fallback, and
 * spilled buffers of costly tiers) is made of ordinary order-0 pages and is
 * mapped with vm_insert_pages(), which also pins each page; ->fault puts a
 * page back after MADV_DONTNEED has zapped it.
 *
 * A VMA's page offset is rewritten to the page index of the buffer it maps
 * from, so ->fault needs no other state, and a mapping of the device holds
 * a file of its own instead of the device file (as dma_buf_mmap() hands
 * its VMA the dma-buf's file): closing the device file then frees its
 * handles even while mappings of some of its buffers live on, and a
 * remap_file_pages() of such a mapping finds no handle table to map from.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kpool_trace.h"

static void kpool_vm_open(struct vm_area_struct *vma)
{
	/* A new VMA on the same pages: it owns a reference of its own. */
	kpool_buf_get(vma->vm_private_data);
	kpool_stat_add(KPOOL_STAT_MAPPINGS, 1);
	trace_kpool_map(vma->vm_private_data, vma->vm_end - vma->vm_start);
}

static void kpool_vm_close(struct vm_area_struct *vma)
{
	/* The reference this VMA owned goes with it. */
	trace_kpool_unmap(vma->vm_private_data, vma->vm_end - vma->vm_start);
	kpool_buf_put(vma->vm_private_data);
	kpool_stat_add(KPOOL_STAT_MAPPINGS, -1);
}

/**
 * kpool_buf_page() - a page of a buffer of a page or more.
 * @buf: the buffer.
 * @index: the page's index within the buffer, below its capacity in pages.
 *
 * Context: any context.
 * Return: the page; valid while a reference on @buf is held.
 */
struct page *kpool_buf_page(const struct kpool_buf *buf, size_t index)
{
	u8 *kaddr = (u8 *)buf->data + (index << PAGE_SHIFT);

	if (buf->backing == KPOOL_BACKING_SLAB)
		return virt_to_page(kaddr);
	return vmalloc_to_page(kaddr);
}
EXPORT_SYMBOL_GPL(kpool_buf_page);

/* Map every page of a slab-backed VMA: one fault per mapping, not per page. */
static vm_fault_t kpool_vm_fault_pfns(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kpool_buf *buf = vma->vm_private_data;
	unsigned long addr, pgoff = vma->vm_pgoff;
	vm_fault_t ret = VM_FAULT_NOPAGE;

	/* Present pages are left as they are; the faulting one is among them. */
	for (addr = vma->vm_start; addr < vma->vm_end && ret == VM_FAULT_NOPAGE;
	     addr += PAGE_SIZE, pgoff++)
		ret = vmf_insert_pfn(vma, addr,
				     page_to_pfn(kpool_buf_page(buf, pgoff)));
	return ret;
}

/*
 * vm_pgoff is the page index within the buffer (kpool_mmap_view()).  The
 * VMA cannot grow (VM_DONTEXPAND) and was checked against the view's span,
 * so a fault outside the buffer's pages means something else went wrong:
 * SIGBUS rather than a stranger's memory.
 */
static vm_fault_t kpool_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kpool_buf *buf = vma->vm_private_data;
	unsigned long pages = buf->capacity >> PAGE_SHIFT;
	struct page *page;

	if (vmf->pgoff >= pages || vma->vm_pgoff + vma_pages(vma) > pages)
		return VM_FAULT_SIGBUS;
	if (buf->backing == KPOOL_BACKING_SLAB)
		return kpool_vm_fault_pfns(vmf);
	page = kpool_buf_page(buf, vmf->pgoff);
	/* The fault path maps the page and takes over this reference. */
	vmf->page = page;
	get_page(page);
	return 0;
}

static const struct vm_operations_struct kpool_vm_ops = {
	.open = kpool_vm_open,
	.close = kpool_vm_close,
	.fault = kpool_vm_fault,
};

/*
 * The file a mapping of the device holds.  It refers to nothing: the VMA's
 * own buffer reference is all the mapping needs, and a new mapping of this
 * file (remap_file_pages(), /proc/PID/map_files) is refused.
 */
static int kpool_mapfile_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct file_operations kpool_mapfile_fops = {
	.owner = THIS_MODULE,
	.mmap = kpool_mapfile_mmap,
	.llseek = no_llseek,
};

/*
 * One map file is made per open file of the device, at its first mmap(),
 * and every mapping made through that file holds it (kpool_mmap_view()).
 */

/**
 * kpool_mapfile_create() - a file for mappings of the device to hold.
 *
 * Context: process context.
 * Return: the file, holding one reference for the caller, or an ERR_PTR.
 */
struct file *kpool_mapfile_create(void)
{
	return anon_inode_getfile("[kpool-map]", &kpool_mapfile_fops, NULL,
				  O_RDWR);
}

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

/**
 * kpool_view_span() - the bytes a mapping of a view may cover.
 * @v: the view.
 *
 * Return: the size of the pages from the one holding the view's first byte
 * to the one holding its last, or 0 when the view cannot be mapped.
 */
size_t kpool_view_span(const struct kpool_view *v)
{
	size_t first, last;

	if (!kpool_view_mappable(v))
		return 0;
	first = v->offset >> PAGE_SHIFT;
	last = (v->offset + v->len - 1) >> PAGE_SHIFT;
	return (last - first + 1) << PAGE_SHIFT;
}

/* Insert the pages of @buf from page @first on, a batch at a time. */
static int kpool_insert_pages(struct vm_area_struct *vma,
			      const struct kpool_buf *buf, size_t first)
{
	unsigned long addr = vma->vm_start, left = vma_pages(vma);
	struct page *pages[32];

	while (left) {
		unsigned long i, n = min_t(unsigned long, left,
					   ARRAY_SIZE(pages));
		unsigned long not_done = n;
		int ret;

		for (i = 0; i < n; i++)
			pages[i] = kpool_buf_page(buf, first + i);
		ret = vm_insert_pages(vma, addr, pages, &not_done);
		/* EFAULT is how it says a page-table level could not be had. */
		if (ret)
			return ret == -EFAULT ? -ENOMEM : ret;
		addr += n << PAGE_SHIFT;
		first += n;
		left -= n;
	}
	return 0;
}

/* Slab memory is mapped by ->fault; pages are inserted now. */
static int kpool_map_pages(struct vm_area_struct *vma,
			   const struct kpool_buf *buf, size_t first)
{
	if (buf->backing == KPOOL_BACKING_SLAB) {
		vma->vm_flags |= VM_PFNMAP;
		return 0;
	}
	return kpool_insert_pages(vma, buf, first);
}

/**
 * kpool_mmap_view() - map the pages that hold a view.
 * @vma: the new mapping; its length may be shorter than the view's span
 *	(the pages from the one holding its first byte to the one holding
 *	its last), never longer.
 * @v: the view; the caller keeps its reference, the mapping takes its own.
 * @mapfile: a file from kpool_mapfile_create() for the VMA to hold
 *	instead of the one being mapped (for the device, whose file must not
 *	outlive its close()), or NULL; the caller keeps its reference.
 *
 * A read-only view is mapped only without PROT_WRITE, and such a mapping
 * can never be made writable (no VM_MAYWRITE).
 *
 * Context: process context, mmap_lock held for writing.
 * Return: 0; -EINVAL for a private mapping, an unmappable view or a length
 * past the span; -EACCES for a writable mapping of a read-only view;
 * -ENOMEM; an error of the page-table code.
 */
int kpool_mmap_view(struct vm_area_struct *vma, const struct kpool_view *v,
		    struct file *mapfile)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	size_t first = v->offset >> PAGE_SHIFT;
	struct kpool_buf *buf = v->buf;
	int ret;

	/* VM_SHARED is cleared for read-only files; VM_MAYSHARE is not. */
	if (!(vma->vm_flags & VM_MAYSHARE) || len > kpool_view_span(v))
		return -EINVAL;
	if (v->readonly) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vma->vm_flags &= ~VM_MAYWRITE;
	}

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_pgoff = first;
	ret = kpool_map_pages(vma, buf, first);
	/* On error mmap_region() unmaps what was mapped; no ->close runs. */
	if (ret)
		return ret;
	/* The VMA takes a reference of its own on the file. */
	if (mapfile)
		vma_set_file(vma, mapfile);
	/* This reference belongs to the VMA; kpool_vm_close() drops it. */
	vma->vm_private_data = kpool_buf_get(buf);
	vma->vm_ops = &kpool_vm_ops;
	kpool_stat_add(KPOOL_STAT_MAPPINGS, 1);
	trace_kpool_map(buf, vma->vm_end - vma->vm_start);
	return 0;
}
