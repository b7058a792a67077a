// SPDX-License-Identifier: GPL-2.0
/*
 * kpool buffers and views.
 *
 * A buffer is one allocation and a refcount_t; a view is a window on a
 * buffer that owns one reference.  Splitting and slicing make new windows
 * on the same memory and never copy, as gRPC-Go's buffer.split and Slice.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "kpool_trace.h"

/* Buffer headers; the memory they describe lives in the tiers. */
static struct kmem_cache *kpool_buf_cache;

/**
 * kpool_buf_cache_init() - create the cache of buffer headers.
 *
 * Return: 0 or -ENOMEM.
 */
int kpool_buf_cache_init(void)
{
	kpool_buf_cache = KMEM_CACHE(kpool_buf, SLAB_ACCOUNT);
	return kpool_buf_cache ? 0 : -ENOMEM;
}

/**
 * kpool_buf_header_free() - free the header of a buffer whose memory is gone.
 * @buf: the header, which nothing refers to any more.
 */
void kpool_buf_header_free(struct kpool_buf *buf)
{
	kmem_cache_free(kpool_buf_cache, buf);
}

/**
 * kpool_buf_cache_exit() - destroy the cache of buffer headers.
 */
void kpool_buf_cache_exit(void)
{
	kmem_cache_destroy(kpool_buf_cache);
}

/* A buffer with its memory is handed out: one reference, no account. */
static void kpool_buf_ready(struct kpool_buf *buf, size_t size)
{
	refcount_set(&buf->ref, 1);
	buf->acct = NULL;
	trace_kpool_alloc(buf, size);
}

/*
 * A buffer of @size bytes from tier @idx of @pool, whose capacity is
 * @capacity (both from kpool_pool_pick()), for a task of cgroup @memcg
 * (kpool_current_memcg()), not charged to any account.
 */
static struct kpool_buf *kpool_buf_make(struct kpool_pool *pool, u32 idx,
					size_t capacity, size_t size,
					gfp_t gfp, const void *memcg)
{
	struct kpool_buf *buf;
	bool fresh = false;
	int ret;

	/* A buffer this CPU kept, header and memory, else a new one. */
	buf = kpool_mem_reuse(pool, idx, capacity, size, gfp, memcg);
	if (!buf) {
		buf = kmem_cache_alloc(kpool_buf_cache,
				       (gfp & ~__GFP_ZERO) | __GFP_NOWARN);
		if (!buf)
			return ERR_PTR(-ENOMEM);
		ret = kpool_mem_alloc(pool, buf, idx, capacity, gfp, memcg);
		if (ret) {
			kmem_cache_free(kpool_buf_cache, buf);
			return ERR_PTR(ret);
		}
		fresh = true;
	}
	kpool_buf_ready(buf, size);
	/* Only new memory may have spilled; a kept buffer said so then. */
	if (fresh)
		trace_kpool_spill(buf, size);
	return buf;
}

/**
 * kpool_buf_alloc() - allocate a buffer.
 * @pool: the pool to allocate from; NULL for the module's default pool.
 * @size: bytes wanted, at least 1.
 * @gfp: allocation flags.  Sizes above the largest tier (and spills of the
 *	costly tiers) need a context that may sleep; elsewhere they fail.
 *	With __GFP_ZERO the whole capacity is zeroed.
 *
 * The buffer comes from the smallest tier of at least @size bytes, or from
 * the page-backed fallback above the largest tier.  Its bytes [0, @size)
 * are zero, and so is the rest of the pages holding them when the buffer
 * is of a page or more: everything a view of at most @size bytes, its
 * mappings and its dma-bufs can reach.  Bytes beyond, up to the capacity,
 * may hold an earlier user's data unless @gfp has __GFP_ZERO: a kernel
 * user that reaches past @size must ask for it.
 *
 * Context: any context @gfp allows.
 * Return: the buffer, holding one reference that now belongs to the
 * caller; ERR_PTR(-EINVAL) when @size is 0; ERR_PTR(-ENOMEM).
 */
struct kpool_buf *kpool_buf_alloc(struct kpool_pool *pool, size_t size,
				  gfp_t gfp)
{
	size_t capacity;
	u32 idx;

	if (!size)
		return ERR_PTR(-EINVAL);
	if (!pool)
		pool = kpool_default_pool();
	idx = kpool_pool_pick(pool, size, &capacity);
	if (!capacity)
		return ERR_PTR(-ENOMEM);
	return kpool_buf_make(pool, idx, capacity, size, gfp,
			      kpool_current_memcg());
}
EXPORT_SYMBOL_GPL(kpool_buf_alloc);

/* The buffer holds a reference on @acct until its memory is returned. */
static void kpool_buf_charged(struct kpool_buf *buf,
			      struct kpool_account *acct)
{
	refcount_inc(&acct->ref);
	buf->acct = acct;
}

/**
 * kpool_buf_alloc_charged() - allocate a buffer and charge it to an account.
 * @pool: the pool to allocate from; NULL for the module's default pool.
 * @size: bytes wanted, at least 1.
 * @gfp: allocation flags, as for kpool_buf_alloc().
 * @acct: the account; the buffer's capacity stays charged to it and to
 *	its ancestors, and the buffer holds a reference on it, until the
 *	buffer's memory is returned, whoever drops the last reference.
 *
 * The capacity is charged before the memory is allocated, and only if it
 * fits every limit of the chain (kpool_account_charge()).
 *
 * Context: as kpool_buf_alloc().
 * Return: the buffer, holding one reference that now belongs to the
 * caller; ERR_PTR(-EINVAL) when @size is 0; ERR_PTR(-EDQUOT) when the
 * charge would pass a limit; ERR_PTR(-ENOMEM).  Nothing stays charged on
 * error.
 */
struct kpool_buf *kpool_buf_alloc_charged(struct kpool_pool *pool,
					  size_t size, gfp_t gfp,
					  struct kpool_account *acct)
{
	struct kpool_buf *buf;
	size_t capacity;
	u32 idx;

	if (!size)
		return ERR_PTR(-EINVAL);
	if (!pool)
		pool = kpool_default_pool();
	idx = kpool_pool_pick(pool, size, &capacity);
	if (!capacity)
		return ERR_PTR(-ENOMEM);
	if (kpool_account_charge(acct, capacity))
		return ERR_PTR(-EDQUOT);
	buf = kpool_buf_make(pool, idx, capacity, size, gfp,
			     kpool_current_memcg());
	if (IS_ERR(buf)) {
		kpool_account_uncharge(acct, capacity);
		return buf;
	}
	kpool_buf_charged(buf, acct);
	return buf;
}
EXPORT_SYMBOL_GPL(kpool_buf_alloc_charged);

/**
 * kpool_views_alloc_charged() - allocate buffers of one size, all or none.
 * @pool: the pool to allocate from; NULL for the module's default pool.
 * @size: bytes each, at least 1.
 * @gfp: allocation flags, as for kpool_buf_alloc().
 * @acct: the account charged, as for kpool_buf_alloc_charged(), once for
 *	all of them.
 * @views: receives @n views [0, @size), each owning its buffer's first
 *	reference, which now belongs to the caller.
 * @n: how many.
 *
 * Context: as kpool_buf_alloc().
 * Return: 0; -EINVAL when @size is 0; -EDQUOT when the charge of all @n
 * would pass a limit; -EINTR when the calling task is killed meanwhile;
 * -ENOMEM.  On error nothing is allocated or charged,
 * and @views is left empty.
 */
int kpool_views_alloc_charged(struct kpool_pool *pool, size_t size,
			      gfp_t gfp, struct kpool_account *acct,
			      struct kpool_view *views, unsigned int n)
{
	const void *memcg = kpool_current_memcg();
	size_t capacity, total;
	unsigned int i;
	int ret;
	u32 idx;

	if (!size)
		return -EINVAL;
	if (!pool)
		pool = kpool_default_pool();
	idx = kpool_pool_pick(pool, size, &capacity);
	if (!capacity || check_mul_overflow(capacity, (size_t)n, &total))
		return -ENOMEM;
	if (kpool_account_charge(acct, total))
		return -EDQUOT;
	for (i = 0; i < n;) {
		struct kpool_buf *bufs[16];
		unsigned int got, j;

		/* A killed task gets nothing: it would only free it all. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_put;
		}
		/* Kept buffers a batch at a time, else new ones. */
		got = kpool_mem_reuse_bulk(pool, idx, capacity, size, gfp,
					   memcg, bufs,
					   min_t(unsigned int, n - i,
						 ARRAY_SIZE(bufs)));
		for (j = 0; j < got; j++)
			kpool_buf_ready(bufs[j], size);
		if (!got) {
			bufs[0] = kpool_buf_make(pool, idx, capacity, size, gfp,
						 memcg);
			if (IS_ERR(bufs[0])) {
				ret = PTR_ERR(bufs[0]);
				goto err_put;
			}
			got = 1;
		}
		for (j = 0; j < got; j++, i++) {
			/* Each buffer holds its own reference on @acct. */
			kpool_buf_charged(bufs[j], acct);
			views[i] = (struct kpool_view){ .buf = bufs[j],
							.len = size };
		}
		if (gfpflags_allow_blocking(gfp))
			cond_resched();
	}
	/* Each buffer uncharges its own capacity when it goes. */
	return 0;

err_put:
	/* The buffers made so far give back their own charges. */
	kpool_account_uncharge(acct, (size_t)(n - i) * capacity);
	while (i--)
		kpool_view_put(&views[i]);
	return ret;
}
EXPORT_SYMBOL_GPL(kpool_views_alloc_charged);

/**
 * kpool_buf_put() - drop one reference on a buffer.
 * @buf: the buffer; the caller's reference is gone after the call.
 *
 * The last reference returns the memory to its tier (or the fallback).
 * A put without a reference is caught by refcount_t (underflow warning)
 * or KASAN (use after free), never passed on to the tier.
 *
 * Context: any context for tier memory; process context for buffers that
 * may be page-backed (fallback sizes and costly tiers), as vfree() may
 * sleep there.
 */
void kpool_buf_put(struct kpool_buf *buf)
{
	struct kpool_account *acct;
	size_t capacity;

	if (!refcount_dec_and_test(&buf->ref))
		return;
	acct = buf->acct;
	capacity = buf->capacity;
	trace_kpool_free(buf, capacity);
	/* A buffer kept in a magazine is the magazine's, header and all. */
	if (!kpool_mem_free(buf))
		kmem_cache_free(kpool_buf_cache, buf);
	if (acct) {
		kpool_account_uncharge(acct, capacity);
		/* The buffer's reference on its account goes with it. */
		kpool_account_put(acct);
	}
}
EXPORT_SYMBOL_GPL(kpool_buf_put);

/* @off + @n <= @len, computed without overflow. */
static bool kpool_range_ok(size_t len, size_t off, size_t n)
{
	return n <= len && off <= len - n;
}

/**
 * kpool_view_alloc() - allocate a buffer and a view of all of it.
 * @pool: the pool; NULL for the module's default pool.
 * @size: bytes wanted, at least 1.
 * @gfp: allocation flags, as for kpool_buf_alloc().
 * @v: receives the view [0, @size), which owns the buffer's reference.
 *
 * Context: as kpool_buf_alloc().
 * Return: 0, -EINVAL when @size is 0, -ENOMEM; @v is untouched on error.
 */
int kpool_view_alloc(struct kpool_pool *pool, size_t size, gfp_t gfp,
		     struct kpool_view *v)
{
	struct kpool_buf *buf = kpool_buf_alloc(pool, size, gfp);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* The buffer's first reference now belongs to @v. */
	v->buf = buf;
	v->offset = 0;
	v->len = size;
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_view_alloc);

/**
 * kpool_view_copy() - copy bytes into a new buffer (gRPC's mem.Copy).
 * @pool: the pool; NULL for the module's default pool.
 * @src: the bytes.
 * @len: how many; 0 gives an empty view.
 * @gfp: allocation flags, as for kpool_buf_alloc().
 * @v: receives a view of exactly the copied bytes.
 *
 * Context: as kpool_buf_alloc().
 * Return: 0 or -ENOMEM; @v is untouched on error.
 */
int kpool_view_copy(struct kpool_pool *pool, const void *src, size_t len,
		    gfp_t gfp, struct kpool_view *v)
{
	int ret;

	if (!len) {
		*v = (struct kpool_view){};
		return 0;
	}
	ret = kpool_view_alloc(pool, len, gfp, v);
	if (!ret)
		memcpy(kpool_view_data(v), src, len);
	return ret;
}
EXPORT_SYMBOL_GPL(kpool_view_copy);

/**
 * kpool_view_get() - take a new reference on a view's buffer.
 * @v: a view the caller holds.
 * @dup: receives the same window; it owns the new reference.
 *
 * Context: any context.
 */
void kpool_view_get(const struct kpool_view *v, struct kpool_view *dup)
{
	*dup = *v;
	if (dup->buf)
		kpool_buf_get(dup->buf);
}
EXPORT_SYMBOL_GPL(kpool_view_get);

/**
 * kpool_view_put() - drop a view and the reference it owns.
 * @v: the view; it is left empty.  Putting an empty view does nothing.
 *
 * Context: as kpool_buf_put().
 */
void kpool_view_put(struct kpool_view *v)
{
	if (v->buf)
		kpool_buf_put(v->buf);
	*v = (struct kpool_view){};
}
EXPORT_SYMBOL_GPL(kpool_view_put);

/**
 * kpool_view_split() - cut a view in two without copying.
 * @v: the view; it keeps [0, @at).
 * @at: where to cut, 0 to the view's length.
 * @right: receives [@at, length) with a new reference of its own, even
 *	when it is empty.
 *
 * Context: any context.
 * Return: 0, or -EINVAL when @at is past the end (nothing is changed).
 */
int kpool_view_split(struct kpool_view *v, size_t at,
		     struct kpool_view *right)
{
	if (at > v->len)
		return -EINVAL;
	kpool_view_get(v, right);
	right->offset += at;
	right->len -= at;
	v->len = at;
	trace_kpool_split(v->buf, right->len);
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_view_split);

/**
 * kpool_view_slice() - a new view on part of a view, without copying.
 * @v: the view; unchanged.
 * @start: first byte, within @v.
 * @end: one past the last byte; @start <= @end <= length of @v.
 * @out: receives [@start, @end) of @v with a new reference of its own.
 *
 * Context: any context.
 * Return: 0, or -EINVAL for a range outside @v (no reference is taken).
 */
int kpool_view_slice(const struct kpool_view *v, size_t start, size_t end,
		     struct kpool_view *out)
{
	if (start > end || end > v->len)
		return -EINVAL;
	kpool_view_get(v, out);
	out->offset += start;
	out->len = end - start;
	trace_kpool_slice(v->buf, out->len);
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_view_slice);

/**
 * kpool_view_read() - copy bytes out of a view.
 * @v: the view.
 * @off: first byte to copy, within @v.
 * @dst: where to.
 * @len: how many; @off + @len must not pass the end of @v.
 *
 * Context: any context.
 * Return: 0, or -EINVAL for a range outside @v.
 */
int kpool_view_read(const struct kpool_view *v, size_t off, void *dst,
		    size_t len)
{
	if (!kpool_range_ok(v->len, off, len))
		return -EINVAL;
	if (len)
		memcpy(dst, kpool_view_data(v) + off, len);
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_view_read);

/**
 * kpool_view_write() - copy bytes into a view.
 * @v: the view; every view of the same bytes sees the change.
 * @off: first byte to write, within @v.
 * @src: where from.
 * @len: how many; @off + @len must not pass the end of @v.
 *
 * Context: any context.
 * Return: 0, -EPERM for a read-only view, or -EINVAL for a range outside
 * @v.
 */
int kpool_view_write(const struct kpool_view *v, size_t off, const void *src,
		     size_t len)
{
	if (v->readonly)
		return -EPERM;
	if (!kpool_range_ok(v->len, off, len))
		return -EINVAL;
	if (len)
		memcpy(kpool_view_data(v) + off, src, len);
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_view_write);
