/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool internals shared between the files of kpool.ko; not part of the
 * API other modules see.
 */
#ifndef _KPOOL_INTERNAL_H
#define _KPOOL_INTERNAL_H

#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "kpool.h"

struct file;
struct vm_area_struct;

/* main.c: limits (module parameters) and live-object counters */
extern unsigned long kpool_max_buffer_size;
extern unsigned long kpool_max_file_bytes;
extern unsigned int kpool_max_file_handles;
extern unsigned long kpool_max_user_bytes;
extern atomic64_t kpool_nr_handles;
extern atomic64_t kpool_nr_mappings;
extern atomic64_t kpool_nr_exports;

/**
 * struct kpool_file - what one open() of /dev/kpool holds.
 * @handles: handle -> struct kpool_view *, each entry one reference.  The
 *	xarray's lock also guards the window of every published view (SPLIT
 *	changes it in place); it is a spinlock and is never held across
 *	copy_*_user() or anything that sleeps.
 * @split_lock: serializes SPLITs of the table's handles, from the split
 *	until its answer has reached the user, so that a split whose answer
 *	cannot be copied out can be undone exactly (nothing else changes a
 *	published window in place).  Taken outside the xarray's lock, and
 *	held across copy_to_user(): neither the mmap nor the fault path ever
 *	takes it.
 * @next: cursor of the cyclic handle allocation, under the xarray's lock.
 * @nr_handles: handles reserved or published, at most max_file_handles.
 * @acct: bytes charged to this file; buffers allocated through the file
 *	keep it alive after the file is closed.
 */
struct kpool_file {
	struct xarray handles;
	struct mutex split_lock;	/* see @split_lock above */
	u32 next;
	atomic_t nr_handles;
	struct kpool_account *acct;
};

/* handle.c: the per-file handle table */
struct kpool_file *kpool_file_alloc(kuid_t uid);
void kpool_file_free(struct kpool_file *kf);
int kpool_handle_get(struct kpool_file *kf, u32 handle, struct kpool_view *v);
int kpool_handle_reserve(struct kpool_file *kf, u32 *handle);
void kpool_handle_unreserve(struct kpool_file *kf, u32 handle);
void kpool_handle_publish(struct kpool_file *kf, u32 handle,
			  struct kpool_view *entry);
int kpool_handle_remove(struct kpool_file *kf, u32 handle);
int kpool_handle_split(struct kpool_file *kf, u32 handle, u64 at,
		       struct kpool_view *right);
void kpool_handle_unsplit(struct kpool_file *kf, u32 handle,
			  struct kpool_view *right);
struct kpool_view *kpool_view_box(struct kpool_view *v);
unsigned int kpool_file_nr_handles(struct kpool_file *kf);
long kpool_file_nr_buffers(struct kpool_file *kf);

/* mmap.c: mapping views */
int kpool_mmap_view(struct vm_area_struct *vma, const struct kpool_view *v,
		    bool own_file);
u32 kpool_view_mappable(const struct kpool_view *v);
size_t kpool_view_span(const struct kpool_view *v);

/* dmabuf.c: importing kpool dma-bufs, where the kernel has dma-bufs */
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
int kpool_dmabuf_import(int fd, struct kpool_view *v);
#else
static inline int kpool_dmabuf_import(int fd, struct kpool_view *v)
{
	return -EINVAL;
}
#endif

/* export.c: views as files */
struct file *kpool_export_file(const struct kpool_view *v, bool readonly);
int kpool_import_fd(int fd, struct kpool_view *v);

/* account.c: the accounts of users */
struct kpool_account *kpool_user_account(kuid_t uid);

/* dev.c: the misc device */
void kpool_view_info(const struct kpool_view *v, u32 handle, u32 own_refs,
		     struct kpool_info *info);
long kpool_ioc_size(unsigned int cmd, unsigned int known, u32 ver0,
		    void __user *uarg);
int kpool_dev_init(void);
void kpool_dev_exit(void);

/* tier.c: the memory behind a buffer */
int kpool_tiers_init(void);
#if IS_ENABLED(CONFIG_KUNIT)
gfp_t kpool_costly_try_gfp(gfp_t gfp);
#endif
void kpool_tiers_exit(void);
int kpool_mem_alloc(struct kpool_pool *pool, struct kpool_buf *buf,
		    size_t size, gfp_t gfp);
void kpool_mem_free(struct kpool_buf *buf);

/* buf.c: the cache of buffer headers */
int kpool_buf_cache_init(void);
void kpool_buf_cache_exit(void);

#endif /* _KPOOL_INTERNAL_H */
