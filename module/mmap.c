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

/*
 * vm_pgoff is the page index within the buffer (kpool_mmap_view()).  The
 * VMA cannot grow (VM_DONTEXPAND) and was checked against the view's span,
 * so a fault outside the buffer's pages means something else went wrong:
 * SIGBUS rather than a stranger's memory.
 */
static vm_fault_t kpool_vm_fault(struct vm_fault *vmf)
{
	struct kpool_buf *buf = vmf->vma->vm_private_data;
	u8 *kaddr;

	if (vmf->pgoff >= buf->capacity >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	kaddr = (u8 *)buf->data + (vmf->pgoff << PAGE_SHIFT);
	if (buf->backing == KPOOL_BACKING_SLAB)
		return vmf_insert_pfn(vmf->vma, vmf->address,
				      PHYS_PFN(virt_to_phys(kaddr)));
	/* The fault path maps the page and takes over this reference. */
	vmf->page = vmalloc_to_page(kaddr);
	get_page(vmf->page);
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

/* Insert the vmalloc pages from @kaddr on, a batch at a time. */
static int kpool_insert_pages(struct vm_area_struct *vma, u8 *kaddr)
{
	unsigned long addr = vma->vm_start, left = vma_pages(vma);
	struct page *pages[32];

	while (left) {
		unsigned long i, n = min_t(unsigned long, left,
					   ARRAY_SIZE(pages));
		unsigned long not_done = n;
		int ret;

		for (i = 0; i < n; i++)
			pages[i] = vmalloc_to_page(kaddr + (i << PAGE_SHIFT));
		ret = vm_insert_pages(vma, addr, pages, &not_done);
		if (ret)
			return ret;
		addr += n << PAGE_SHIFT;
		kaddr += n << PAGE_SHIFT;
		left -= n;
	}
	return 0;
}

static int kpool_map_pages(struct vm_area_struct *vma,
			   const struct kpool_buf *buf, size_t first)
{
	u8 *kaddr = (u8 *)buf->data + (first << PAGE_SHIFT);

	if (buf->backing == KPOOL_BACKING_SLAB)
		return remap_pfn_range(vma, vma->vm_start,
				       PHYS_PFN(virt_to_phys(kaddr)),
				       vma->vm_end - vma->vm_start,
				       vma->vm_page_prot);
	return kpool_insert_pages(vma, kaddr);
}

/**
 * kpool_mmap_view() - map the pages that hold a view.
 * @vma: the new mapping; its length may be shorter than the view's span
 *	(the pages from the one holding its first byte to the one holding
 *	its last), never longer.
 * @v: the view; the caller keeps its reference, the mapping takes its own.
 * @own_file: give the VMA a file of its own instead of the one being
 *	mapped (for the device, whose file must not outlive its close()).
 *
 * Context: process context, mmap_lock held for writing.
 * Return: 0; -EINVAL for a private mapping, an unmappable view or a length
 * past the span; -ENOMEM; an error of the page-table code.
 */
int kpool_mmap_view(struct vm_area_struct *vma, const struct kpool_view *v,
		    bool own_file)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct kpool_buf *buf = v->buf;
	struct file *file = NULL;
	size_t first, last;
	int ret;

	/* VM_SHARED is cleared for read-only files; VM_MAYSHARE is not. */
	if (!(vma->vm_flags & VM_MAYSHARE) || !kpool_view_mappable(v))
		return -EINVAL;
	first = v->offset >> PAGE_SHIFT;
	last = (v->offset + v->len - 1) >> PAGE_SHIFT;
	if (len > (last - first + 1) << PAGE_SHIFT)
		return -EINVAL;

	if (own_file) {
		file = anon_inode_getfile("[kpool-map]", &kpool_mapfile_fops,
					  NULL, O_RDWR);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_pgoff = first;
	ret = kpool_map_pages(vma, buf, first);
	/* On error mmap_region() unmaps what was mapped; no ->close runs. */
	if (ret) {
		if (file)
			fput(file);
		return ret;
	}
	if (file) {
		/* The VMA takes its own reference on the file; drop ours. */
		vma_set_file(vma, file);
		fput(file);
	}
	/* This reference belongs to the VMA; kpool_vm_close() drops it. */
	vma->vm_private_data = kpool_buf_get(buf);
	vma->vm_ops = &kpool_vm_ops;
	atomic64_inc(&kpool_nr_mappings);
	return 0;
}
