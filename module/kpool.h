/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool - tiered, reference-counted, zero-copy kernel buffer pool.
 *
 * The in-kernel API.  A *pool* is a set of size tiers, one kmem_cache each,
 * plus a page-backed fallback for sizes above the largest tier.  A *buffer*
 * is one allocation from a pool, counted with a refcount_t.  A *view* is a
 * byte window on a buffer and owns exactly one reference to it.  A *slice*
 * gathers views in order.
 *
 * Ownership rules, in one place:
 *  - whoever holds a struct kpool_view with a non-NULL @buf owns one
 *    reference on that buffer, and must give it back with kpool_view_put()
 *    (or hand the view, and with it the reference, to someone who will);
 *  - a struct kpool_bufslice owns the views stored in it;
 *  - a struct kpool_reader owns the views it has not consumed yet.
 */
#ifndef _KPOOL_H
#define _KPOOL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/percpu-refcount.h>
#include <linux/refcount.h>
#include <linux/shrinker.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
/* The user ABI: KPOOL_MAX_TIERS, KPOOL_TIER_FALLBACK and the ioctls. */
#include <linux/kpool.h>
/** KPOOL_TIER_MAX_SIZE - largest size a tier may have (bytes). */
#define KPOOL_TIER_MAX_SIZE	(2U << 20)

struct kmem_cache;

/**
 * struct kpool_counters - statistics of one tier, or of the fallback, on
 *	one CPU (read their sums with kpool_tier_totals()).
 * @allocs: buffers handed out since the pool was created.
 * @frees: buffers returned since the pool was created.
 * @spills: buffers of this tier whose memory came from the page-backed
 *	fallback because the tier's slab could not be had (costly tiers only).
 * @bytes: capacity handed out less capacity returned, on this CPU.
 */
struct kpool_counters {
	u64 allocs;
	u64 frees;
	u64 spills;
	s64 bytes;
};

/**
 * struct kpool_totals - the counters of a tier summed over every CPU.
 * @in_use: buffers of this tier alive now (@allocs - @frees).
 * @allocs: buffers handed out since the pool was created.
 * @frees: buffers returned since the pool was created.
 * @spills: buffers that spilled to page-backed memory.
 * @bytes: capacity of the buffers alive now.
 */
struct kpool_totals {
	s64 in_use;
	u64 allocs;
	u64 frees;
	u64 spills;
	s64 bytes;
};

struct kpool_mag;

/**
 * struct kpool_tier - one size class of a pool.
 * @cache: the slab cache holding this tier's memory; NULL for the fallback.
 * @size: object size in bytes; 0 for the fallback.
 * @costly: allocations need a slab of an order above
 *	PAGE_ALLOC_COSTLY_ORDER: tried without direct reclaim, then spilled
 *	to page-backed memory (see kpool_buf_alloc()).
 * @mag: per CPU, freed buffers kept for the next allocation of this tier
 *	(or, for the fallback, of the same capacity); see tier.c.
 * @depot: freed buffers kept for every CPU, when a CPU's @mag is full.
 * @stats: per-CPU counters.
 */
struct kpool_tier {
	struct kmem_cache *cache;
	size_t size;
	bool costly;
	struct kpool_mag __percpu *mag;
	struct kpool_mag *depot;
	struct kpool_counters __percpu *stats;
};

/**
 * struct kpool_pool - a set of size tiers and a fallback.
 * @ntiers: number of tiers in @tier.
 * @tier: the tiers, by strictly increasing size.
 * @fallback: counters of buffers above the largest tier.
 * @live: one reference per live buffer, and the pool's own until
 *	kpool_pool_destroy() kills it; per CPU while the pool lives, so that
 *	allocations share no cache line, exact once killed.
 * @dead: kpool_pool_destroy() was called: freed buffers are not kept.
 * @free_now: kpool_pool_destroy() frees the pool itself (it had no
 *	buffer left); else the last buffer's put releases it.
 * @released: completed by @live's release when @free_now is set.
 * @release_work: frees a pool whose last buffer came back after it died.
 * @shrinker: gives the objects kept in the tiers' magazines back to their
 *	slabs when memory is short.
 * @name: prefix of the slab cache names ("kpool" for the default pool).
 */
struct kpool_pool {
	unsigned int ntiers;
	struct kpool_tier tier[KPOOL_MAX_TIERS];
	struct kpool_tier fallback;
	struct percpu_ref live;
	bool dead;
	bool free_now;
	struct completion released;
	struct work_struct release_work;
	struct shrinker shrinker;
	char name[24];
};

/**
 * enum kpool_backing - where a buffer's memory comes from.
 * @KPOOL_BACKING_SLAB: an object of the tier's kmem_cache.
 * @KPOOL_BACKING_VMALLOC: page-rounded, order-0 pages mapped by vmalloc.
 */
enum kpool_backing {
	KPOOL_BACKING_SLAB,
	KPOOL_BACKING_VMALLOC,
};

/**
 * struct kpool_account - bytes charged to one owner, for a quota (an open
 *	file of /dev/kpool is one, the user who opened it another).
 * @ref: one for the owner, one for every buffer charged here, and one for
 *	every account whose parent this is.
 * @bytes: capacity of the live buffers charged here.
 * @limit: the most @bytes may be; a charge never passes it, even briefly.
 * @parent: the account every charge to this one also goes to, or NULL;
 *	this account holds a reference on it.
 * @uid: the user, for the accounts of users (kpool_user_account()).
 * @node: in the table of users' accounts; unhashed for other accounts.
 */
struct kpool_account {
	refcount_t ref;
	atomic64_t bytes;
	u64 limit;
	struct kpool_account *parent;
	kuid_t uid;
	struct hlist_node node;
};

/**
 * struct kpool_buf - one allocation from a pool.
 * @ref: references: one per view (in any owner), mapping or other user.
 * @pool: the pool the memory goes back to.
 * @data: first byte of the memory.
 * @capacity: bytes reserved (tier size, or page-rounded for the fallback).
 * @tier: tier index, or %KPOOL_TIER_FALLBACK.
 * @backing: how @data was allocated.
 * @acct: the account charged with @capacity until the memory is returned,
 *	holding a reference on it; NULL when none is.
 * @memcg: the memory cgroup the memory is charged to, as a token only
 *	(compared, never dereferenced): recycled memory goes only to a buffer
 *	of the same cgroup.
 */
struct kpool_buf {
	refcount_t ref;
	struct kpool_pool *pool;
	struct kpool_account *acct;
	void *data;
	size_t capacity;
	u32 tier;
	enum kpool_backing backing;
	const void *memcg;
};

/**
 * struct kpool_view - a window [@offset, @offset + @len) on a buffer.
 * @buf: the buffer; the view owns one reference on it.  NULL for an empty
 *	view (as materialize of nothing gives).
 * @offset: first byte of the window within @buf.
 * @len: bytes in the window.
 * @readonly: writes through this view are refused (kpool_view_write(),
 *	the user's WRITE and writable mappings); every view made from it by
 *	get, split and slice is read-only too.
 */
struct kpool_view {
	struct kpool_buf *buf;
	size_t offset;
	size_t len;
	bool readonly;
};

/**
 * struct kpool_bufslice - views gathered in order (gRPC's BufferSlice).
 * @views: array of @nr views, each owned by the slice.
 * @nr: views in use.
 * @cap: room in @views.
 */
struct kpool_bufslice {
	struct kpool_view *views;
	unsigned int nr;
	unsigned int cap;
};

/**
 * struct kpool_reader - consumes a slice front to back, dropping each view
 *	as soon as it has been read to its end (gRPC's BufferSlice.Reader).
 * @s: the views not yet fully consumed, owned by the reader.
 * @first: index in @s of the view being read.
 * @off: bytes of that view already consumed.
 * @remaining: bytes left to read in all.
 */
struct kpool_reader {
	struct kpool_bufslice s;
	unsigned int first;
	size_t off;
	size_t remaining;
};

/* tier.c: pools and tiers */
int kpool_tiers_parse(const char *str, size_t *sizes, unsigned int *n);
int kpool_tiers_check(const size_t *sizes, unsigned int n);
struct kpool_pool *kpool_pool_create(const char *name, const size_t *sizes,
				     unsigned int n);
void kpool_pool_destroy(struct kpool_pool *pool);
size_t kpool_tier_size(size_t size);
u32 kpool_pool_tier_index(const struct kpool_pool *pool, size_t size);
size_t kpool_pool_capacity(const struct kpool_pool *pool, size_t size);
void kpool_tier_totals(const struct kpool_tier *t, struct kpool_totals *sum);
s64 kpool_pool_bytes_in_use(const struct kpool_pool *pool);
struct kpool_pool *kpool_default_pool(void);

/* buf.c: buffers and views */
struct kpool_buf *kpool_buf_alloc(struct kpool_pool *pool, size_t size,
				  gfp_t gfp);
struct kpool_buf *kpool_buf_alloc_charged(struct kpool_pool *pool,
					  size_t size, gfp_t gfp,
					  struct kpool_account *acct);
int kpool_views_alloc_charged(struct kpool_pool *pool, size_t size,
			      gfp_t gfp, struct kpool_account *acct,
			      struct kpool_view *views, unsigned int n);
void kpool_buf_put(struct kpool_buf *buf);

/* account.c: quotas */
struct kpool_account *kpool_account_alloc(struct kpool_account *parent,
					  u64 limit, gfp_t gfp);
void kpool_account_put(struct kpool_account *acct);
int kpool_account_charge(struct kpool_account *acct, u64 bytes);
void kpool_account_uncharge(struct kpool_account *acct, u64 bytes);
u64 kpool_account_bytes(const struct kpool_account *acct);

/**
 * kpool_buf_get() - take one more reference on a buffer.
 * @buf: a buffer the caller already holds a reference on.
 *
 * Context: any context.
 * Return: @buf, for chaining.
 */
static inline struct kpool_buf *kpool_buf_get(struct kpool_buf *buf)
{
	refcount_inc(&buf->ref);
	return buf;
}

/**
 * kpool_buf_refs() - the number of references a buffer has now.
 * @buf: a buffer the caller holds a reference on.
 *
 * Return: the count; only a snapshot while others share the buffer.
 */
static inline unsigned int kpool_buf_refs(const struct kpool_buf *buf)
{
	return refcount_read(&buf->ref);
}

int kpool_view_alloc(struct kpool_pool *pool, size_t size, gfp_t gfp,
		     struct kpool_view *v);
int kpool_view_copy(struct kpool_pool *pool, const void *src, size_t len,
		    gfp_t gfp, struct kpool_view *v);
void kpool_view_get(const struct kpool_view *v, struct kpool_view *dup);
void kpool_view_put(struct kpool_view *v);
int kpool_view_split(struct kpool_view *v, size_t at,
		     struct kpool_view *right);
int kpool_view_slice(const struct kpool_view *v, size_t start, size_t end,
		     struct kpool_view *out);
int kpool_view_read(const struct kpool_view *v, size_t off, void *dst,
		    size_t len);
int kpool_view_write(const struct kpool_view *v, size_t off, const void *src,
		     size_t len);

/**
 * kpool_view_data() - the first byte of a view.
 * @v: a view; must not be empty.
 *
 * Return: a kernel address valid while the view's reference is held.
 */
static inline void *kpool_view_data(const struct kpool_view *v)
{
	return (u8 *)v->buf->data + v->offset;
}

/* mmap.c: the pages of a buffer */
struct page *kpool_buf_page(const struct kpool_buf *buf, size_t index);

/* dmabuf.c: views for devices, where the kernel has dma-bufs */
struct dma_buf;
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
struct dma_buf *kpool_dmabuf_export(const struct kpool_view *v, bool readonly);
#else
static inline struct dma_buf *kpool_dmabuf_export(const struct kpool_view *v,
						  bool readonly)
{
	return ERR_PTR(-EOPNOTSUPP);
}
#endif

/* slice.c: slices and readers */
void kpool_bufslice_init(struct kpool_bufslice *s);
int kpool_bufslice_append(struct kpool_bufslice *s, struct kpool_view *v,
			  gfp_t gfp);
size_t kpool_bufslice_len(const struct kpool_bufslice *s);
int kpool_bufslice_get(const struct kpool_bufslice *s,
		       struct kpool_bufslice *dup, gfp_t gfp);
void kpool_bufslice_put(struct kpool_bufslice *s);
size_t kpool_bufslice_copy_to(const struct kpool_bufslice *s, void *dst,
			      size_t len);
int kpool_bufslice_materialize(const struct kpool_bufslice *s,
			       struct kpool_pool *pool, gfp_t gfp,
			       struct kpool_view *out);

int kpool_reader_init(struct kpool_reader *r, const struct kpool_bufslice *s,
		      gfp_t gfp);
size_t kpool_reader_read(struct kpool_reader *r, void *dst, size_t len);
int kpool_reader_read_byte(struct kpool_reader *r, u8 *byte);
size_t kpool_reader_peek(const struct kpool_reader *r, void *dst, size_t len);
size_t kpool_reader_discard(struct kpool_reader *r, size_t len);
void kpool_reader_close(struct kpool_reader *r);

/**
 * kpool_reader_remaining() - bytes a reader has left.
 * @r: the reader.
 *
 * Return: the number of bytes not yet read or discarded.
 */
static inline size_t kpool_reader_remaining(const struct kpool_reader *r)
{
	return r->remaining;
}

#endif /* _KPOOL_H */
