/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool internals shared between the files of kpool.ko; not part of the
 * API other modules see.
 */
#ifndef _KPOOL_INTERNAL_H
#define _KPOOL_INTERNAL_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "kpool.h"

struct file;
struct kpool_slot;
struct vm_area_struct;

/* main.c: limits (module parameters) and live-object counters */
extern unsigned long kpool_max_buffer_size;
extern unsigned long kpool_max_file_bytes;
extern unsigned int kpool_max_file_handles;
extern unsigned long kpool_max_user_bytes;

/* The most max_file_handles may be: handles keep 7 bits of generation. */
#define KPOOL_MAX_FILE_HANDLES	BIT(24)

/**
 * enum kpool_stat - live objects of the user ABI, for KPOOL_IOC_STATS.
 * @KPOOL_STAT_HANDLES: published handles of every open file.
 * @KPOOL_STAT_MAPPINGS: VMAs mapping kpool buffers.
 * @KPOOL_STAT_EXPORTS: exported files and dma-bufs.
 * @KPOOL_NR_STATS: how many there are.
 *
 * Kept per CPU, so that the hot paths touch no cache line other CPUs
 * write; only their sum (kpool_stat_read()) means something.
 */
enum kpool_stat {
	KPOOL_STAT_HANDLES,
	KPOOL_STAT_MAPPINGS,
	KPOOL_STAT_EXPORTS,
	KPOOL_NR_STATS,
};

DECLARE_PER_CPU(long [KPOOL_NR_STATS], kpool_live);

/* Count @n more (or fewer) of @s.  Any context. */
static inline void kpool_stat_add(enum kpool_stat s, long n)
{
	this_cpu_add(kpool_live[s], n);
}

s64 kpool_stat_read(enum kpool_stat s);

/**
 * struct kpool_file - what one open() of /dev/kpool holds.
 * @lock: protects everything below it up to @split_lock: the chunk list,
 *	every slot (its state, generation and view: SPLIT changes a
 *	published window in place), the free list and the counts.  A
 *	spinlock, never held across copy_*_user() or anything that sleeps;
 *	growing the table drops it to allocate.
 * @chunks: @dir_len pointers, the first @nr_chunk_slots / 64 of them to
 *	chunks of 64 slots (handle.c); slot i is chunks[i / 64][i % 64].
 * @dir_len: length of @chunks.
 * @nr_chunk_slots: slots in the chunks.
 * @nr_slots: slots ever used, the first ones of the chunks.
 * @free_head: the free slot to reuse first, or U32_MAX.
 * @free_tail: the free slot freed last, or U32_MAX.
 * @nr_free: free slots among the first @nr_slots.
 * @nr_handles: handles reserved or published, at most max_file_handles.
 * @last: the handle given last (0 for none yet).
 * @split_lock: serializes SPLITs of the table's handles, from the split
 *	until its answer has reached the user, so that a split whose answer
 *	cannot be copied out can be undone exactly (nothing else changes a
 *	published window in place).  Taken outside @lock, and held across
 *	copy_to_user(): neither the mmap nor the fault path ever takes it.
 * @mapfile: the file mappings of this table's buffers hold (mmap.c), made
 *	at the first mmap() and shared by all of them; the table holds one
 *	reference, set once (cmpxchg), dropped when the table goes.
 * @acct: bytes charged to this file; buffers allocated through the file
 *	keep it alive after the file is closed.
 */
struct kpool_file {
	spinlock_t lock;	/* see @lock above */
	struct kpool_slot **chunks;
	u32 dir_len;
	u32 nr_chunk_slots;
	u32 nr_slots;
	u32 free_head;
	u32 free_tail;
	u32 nr_free;
	u32 nr_handles;
	u32 last;
	struct mutex split_lock;	/* see @split_lock above */
	struct file *mapfile;
	struct kpool_account *acct;
};

/* handle.c: the per-file handle table */
/* Handles kpool_handles_remove() takes at once. */
#define KPOOL_REMOVE_MAX	16
int kpool_handles_init(void);
void kpool_handles_exit(void);
struct kpool_file *kpool_file_alloc(kuid_t uid);
void kpool_file_free(struct kpool_file *kf);
int kpool_handle_get(struct kpool_file *kf, u32 handle, struct kpool_view *v);
int kpool_handles_reserve(struct kpool_file *kf, u32 *handles, u32 n);
void kpool_handles_unreserve(struct kpool_file *kf, const u32 *handles, u32 n);
void kpool_handles_publish(struct kpool_file *kf, const u32 *handles,
			   struct kpool_view *views, u32 n);
int kpool_handles_remove(struct kpool_file *kf, const u32 *handles, u32 n,
			 u32 *done);
int kpool_handle_split(struct kpool_file *kf, u32 handle, u64 at,
		       struct kpool_view *right);
void kpool_handle_unsplit(struct kpool_file *kf, u32 handle,
			  struct kpool_view *right);
unsigned int kpool_file_nr_handles(struct kpool_file *kf);
long kpool_file_nr_buffers(struct kpool_file *kf);

/* mmap.c: mapping views */
int kpool_mmap_view(struct vm_area_struct *vma, const struct kpool_view *v,
		    struct file *mapfile);
struct file *kpool_mapfile_create(void);
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
u32 kpool_pool_pick(const struct kpool_pool *pool, size_t size,
		    size_t *capacity);
int kpool_mem_alloc(struct kpool_pool *pool, struct kpool_buf *buf, u32 idx,
		    size_t capacity, gfp_t gfp, const void *memcg);
struct kpool_buf *kpool_mem_reuse(struct kpool_pool *pool, u32 idx,
				  size_t capacity, size_t size, gfp_t gfp,
				  const void *memcg);
unsigned int kpool_mem_reuse_bulk(struct kpool_pool *pool, u32 idx,
				  size_t capacity, size_t size, gfp_t gfp,
				  const void *memcg, struct kpool_buf **bufs,
				  unsigned int n);
bool kpool_mem_free(struct kpool_buf *buf);
const void *kpool_current_memcg(void);

/* buf.c: the cache of buffer headers */
int kpool_buf_cache_init(void);
void kpool_buf_cache_exit(void);
void kpool_buf_header_free(struct kpool_buf *buf);

#endif /* _KPOOL_INTERNAL_H */
