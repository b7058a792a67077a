// SPDX-License-Identifier: GPL-2.0
/*
 * kpool handle tables: one per open file of /dev/kpool.
 *
 * A table is an array of slots, each holding one view, grown a chunk of
 * %KPOOL_CHUNK_SLOTS at a time and never shrunk until the file goes, so an
 * ALLOC or a FREE allocates nothing for its handle.  A handle names a slot
 * and that slot's generation: the low kpool_handle_bits bits are the slot's
 * index plus one (so no handle is 0), the bits above are the generation.
 * Handle numbers are cyclic, as the uapi promises: each is above the one
 * before (kpool_slot_gen() picks the generation that makes it so) until the
 * 32 bits wrap.  A stale handle then finds its slot with another
 * generation, and ENOENT, even when the slot was reused at once.  Free
 * slots are reused oldest first, and only once the table has
 * %KPOOL_SLOT_QUARANTINE of them (or can grow no more), so that in the
 * usual order a generation serves that many handles: with the default
 * max_file_handles, the numbers wrap after 4 Mi allocations (128 * 32768),
 * and never sooner than after 32768.
 *
 * A new handle is first reserved (which may fail: EMFILE, ENOMEM), then
 * published once its view is complete (which cannot fail), so no other
 * thread ever sees a half-made handle.  Removal takes the view out of its
 * slot under the lock, and only the caller that took it out drops its
 * reference: racing frees of one handle give exactly one success.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sort.h>

#include "internal.h"

/* Slots per chunk, the unit in which a table grows. */
#define KPOOL_CHUNK_SLOTS	64
/* Free slots a table keeps back before it reuses one (see above). */
#define KPOOL_SLOT_QUARANTINE	128
/* No slot: the end of the free list. */
#define KPOOL_NO_SLOT		U32_MAX

enum kpool_slot_state {
	KPOOL_SLOT_FREE,
	KPOOL_SLOT_RESERVED,
	KPOOL_SLOT_LIVE,
};

/**
 * struct kpool_slot - one entry of a handle table.
 * @view: the handle's view, owning one reference, while @state is LIVE.
 * @gen: the generation the handle of this slot carries, set when the slot
 *	is reserved.
 * @next: the next free slot, oldest first, while @state is FREE.
 * @state: FREE, RESERVED (a handle number given out, no view yet) or LIVE.
 */
struct kpool_slot {
	struct kpool_view view;
	u32 gen;
	u32 next;
	u8 state;
};

/* Bits of a handle that hold the slot index plus one; set at load time. */
static unsigned int kpool_handle_bits;
/* Chunks of slots, KPOOL_CHUNK_SLOTS each, charged to the file's memcg. */
static struct kmem_cache *kpool_chunk_cache;

/*
 * Handles are 32 bits: the slot index takes what max_file_handles needs,
 * the generation the rest, so max_file_handles is at most
 * KPOOL_MAX_FILE_HANDLES (at least 7 bits of generation).
 */

/**
 * kpool_handles_init() - set up what handle tables need.
 *
 * Return: 0, -EINVAL for a max_file_handles out of range, or -ENOMEM.
 */
int kpool_handles_init(void)
{
	if (!kpool_max_file_handles ||
	    kpool_max_file_handles > KPOOL_MAX_FILE_HANDLES) {
		pr_err("max_file_handles=%u is not within 1..%u: not loading\n",
		       kpool_max_file_handles, (u32)KPOOL_MAX_FILE_HANDLES);
		return -EINVAL;
	}
	kpool_handle_bits = fls(kpool_max_file_handles);
	kpool_chunk_cache = kmem_cache_create("kpool_handles",
					      KPOOL_CHUNK_SLOTS *
					      sizeof(struct kpool_slot),
					      0, SLAB_ACCOUNT, NULL);
	return kpool_chunk_cache ? 0 : -ENOMEM;
}

/** kpool_handles_exit() - undo kpool_handles_init(). */
void kpool_handles_exit(void)
{
	kmem_cache_destroy(kpool_chunk_cache);
}

static u32 kpool_gen_mask(void)
{
	return U32_MAX >> kpool_handle_bits;
}

static u32 kpool_handle_of(const struct kpool_slot *slot, u32 idx)
{
	return slot->gen << kpool_handle_bits | (idx + 1);
}

/* The slot index a handle names; U32_MAX for handle 0, which none has. */
static u32 kpool_handle_idx(u32 handle)
{
	return (handle & (BIT(kpool_handle_bits) - 1)) - 1;
}

/*
 * The generation that gives slot @idx the smallest handle above the last
 * one the table gave, or generation 0 once the 32 bits wrap.  Call with
 * kf->lock held.
 */
static u32 kpool_slot_gen(const struct kpool_file *kf, u32 idx)
{
	u32 gen = kf->last >> kpool_handle_bits;

	if (kf->last && idx <= kpool_handle_idx(kf->last))
		gen++;
	return gen & kpool_gen_mask();
}

static struct kpool_slot *kpool_slot_at(const struct kpool_file *kf, u32 idx)
{
	return &kf->chunks[idx / KPOOL_CHUNK_SLOTS][idx % KPOOL_CHUNK_SLOTS];
}

/*
 * The live slot @handle names, or NULL; its index goes to @idx.  Call with
 * kf->lock held.
 */
static struct kpool_slot *kpool_slot_find(const struct kpool_file *kf,
					  u32 handle, u32 *idx)
{
	struct kpool_slot *slot;

	/* Handle 0 gives U32_MAX, which no table reaches. */
	*idx = kpool_handle_idx(handle);
	if (*idx >= kf->nr_slots)
		return NULL;
	slot = kpool_slot_at(kf, *idx);
	if (slot->state != KPOOL_SLOT_LIVE ||
	    slot->gen != handle >> kpool_handle_bits)
		return NULL;
	return slot;
}

/* Put slot @idx at the end of the free list.  Call with kf->lock held. */
static void kpool_slot_release(struct kpool_file *kf, u32 idx)
{
	struct kpool_slot *slot = kpool_slot_at(kf, idx);

	slot->state = KPOOL_SLOT_FREE;
	slot->next = KPOOL_NO_SLOT;
	if (kf->free_tail == KPOOL_NO_SLOT)
		kf->free_head = idx;
	else
		kpool_slot_at(kf, kf->free_tail)->next = idx;
	kf->free_tail = idx;
	kf->nr_free++;
	kf->nr_handles--;
}

/**
 * kpool_file_alloc() - a new, empty handle table.
 * @uid: the user who opens it: buffers allocated through the table are
 *	charged to the table (max_file_bytes) and to that user
 *	(max_user_bytes).
 *
 * Context: process context; may sleep.
 * Return: the table, or NULL.
 */
struct kpool_file *kpool_file_alloc(kuid_t uid)
{
	struct kpool_file *kf = kzalloc(sizeof(*kf), GFP_KERNEL_ACCOUNT);
	struct kpool_account *user;

	if (!kf)
		return NULL;
	user = kpool_user_account(uid);
	if (!user)
		goto err_free;
	/* On success the file's account owns the reference on @user. */
	kf->acct = kpool_account_alloc(user, kpool_max_file_bytes,
				       GFP_KERNEL_ACCOUNT);
	if (!kf->acct)
		goto err_user;
	spin_lock_init(&kf->lock);
	kf->free_head = KPOOL_NO_SLOT;
	kf->free_tail = KPOOL_NO_SLOT;
	mutex_init(&kf->split_lock);
	return kf;

err_user:
	kpool_account_put(user);
err_free:
	kfree(kf);
	return NULL;
}

/**
 * kpool_file_free() - drop every handle of a table, then the table.
 * @kf: the table; nobody else can reach it any more (the file is gone).
 *
 * Context: process context; may sleep.
 */
void kpool_file_free(struct kpool_file *kf)
{
	u32 c, i, nr_chunks = kf->nr_chunk_slots / KPOOL_CHUNK_SLOTS;

	for (c = 0; c < nr_chunks; c++) {
		struct kpool_slot *chunk = kf->chunks[c];

		for (i = 0; i < KPOOL_CHUNK_SLOTS; i++) {
			if (chunk[i].state != KPOOL_SLOT_LIVE)
				continue;
			/* The table's reference on the view goes with it. */
			kpool_view_put(&chunk[i].view);
			kpool_stat_add(KPOOL_STAT_HANDLES, -1);
		}
		kmem_cache_free(kpool_chunk_cache, chunk);
		/* A table may hold max_file_handles entries. */
		cond_resched();
	}
	kvfree(kf->chunks);
	mutex_destroy(&kf->split_lock);
	/* Mappings hold the map file themselves; the table's reference goes. */
	if (kf->mapfile)
		fput(kf->mapfile);
	/* Buffers still charged to the file keep the account alive. */
	kpool_account_put(kf->acct);
	kfree(kf);
}

/*
 * Make room for at least one more slot: a new chunk, and a longer chunk
 * directory when it is full.  Both are allocated without the lock, which
 * is then taken again; another thread may have grown the table meanwhile,
 * in which case what is left over is freed.
 *
 * Called and returns with kf->lock held.
 */
static int kpool_table_grow(struct kpool_file *kf)
	__must_hold(&kf->lock)
{
	u32 nr_chunks = kf->nr_chunk_slots / KPOOL_CHUNK_SLOTS;
	struct kpool_slot **dir = NULL, **old_dir = NULL;
	struct kpool_slot *chunk;
	u32 dir_len = 0;
	int ret = 0;

	if (nr_chunks == kf->dir_len)
		dir_len = max(2 * kf->dir_len, 4U);
	spin_unlock(&kf->lock);
	chunk = kmem_cache_zalloc(kpool_chunk_cache, GFP_KERNEL_ACCOUNT);
	if (dir_len)
		dir = kvcalloc(dir_len, sizeof(*dir), GFP_KERNEL_ACCOUNT);
	spin_lock(&kf->lock);

	/*
	 * Only what this call failed to allocate is an error.  Other threads
	 * may have grown the table meanwhile, even filled the directory this
	 * call did not think it had to grow: then the chunk is given back,
	 * and the caller looks again.
	 */
	if (!chunk || (dir_len && !dir)) {
		ret = -ENOMEM;
		goto out;
	}
	nr_chunks = kf->nr_chunk_slots / KPOOL_CHUNK_SLOTS;
	if (dir && dir_len > kf->dir_len) {
		/* The table owns the new directory; the old one is freed. */
		if (kf->dir_len)
			memcpy(dir, kf->chunks, kf->dir_len * sizeof(*dir));
		old_dir = kf->chunks;
		kf->chunks = dir;
		kf->dir_len = dir_len;
		dir = NULL;
	}
	if (nr_chunks < kf->dir_len) {
		/* The table owns the chunk; its slots are FREE, generation 0. */
		kf->chunks[nr_chunks] = chunk;
		kf->nr_chunk_slots += KPOOL_CHUNK_SLOTS;
		chunk = NULL;
	}
out:
	spin_unlock(&kf->lock);
	/* What failed or was made unnecessary, and the old directory. */
	if (chunk)
		kmem_cache_free(kpool_chunk_cache, chunk);
	kvfree(dir);
	kvfree(old_dir);
	spin_lock(&kf->lock);
	return ret;
}

/*
 * Reserve one slot and return its index: the oldest free slot when the
 * table keeps enough of them back or can grow no more (or has no memory to
 * grow), else a new one.
 * Call with kf->lock held; it may be dropped and taken again to grow.
 */
static int kpool_slot_reserve(struct kpool_file *kf, u32 *idx)
	__must_hold(&kf->lock)
{
	bool grow_failed = false;
	struct kpool_slot *slot;

	for (;;) {
		if (kf->nr_handles >= kpool_max_file_handles)
			return -EMFILE;
		/* Short of memory to grow, a free slot is reused sooner. */
		if (kf->nr_free &&
		    (kf->nr_free >= KPOOL_SLOT_QUARANTINE ||
		     kf->nr_slots >= kpool_max_file_handles || grow_failed)) {
			*idx = kf->free_head;
			slot = kpool_slot_at(kf, *idx);
			kf->free_head = slot->next;
			if (kf->free_head == KPOOL_NO_SLOT)
				kf->free_tail = KPOOL_NO_SLOT;
			kf->nr_free--;
			break;
		}
		if (kf->nr_slots < kf->nr_chunk_slots) {
			*idx = kf->nr_slots++;
			slot = kpool_slot_at(kf, *idx);
			break;
		}
		if (kpool_table_grow(kf)) {
			if (!kf->nr_free)
				return -ENOMEM;
			grow_failed = true;
		}
	}
	slot->state = KPOOL_SLOT_RESERVED;
	slot->gen = kpool_slot_gen(kf, *idx);
	kf->last = kpool_handle_of(slot, *idx);
	kf->nr_handles++;
	return 0;
}

/**
 * kpool_handles_reserve() - reserve handle numbers for views to come.
 * @kf: the table.
 * @handles: receives @n numbers.
 * @n: how many; all or none are reserved.
 *
 * Context: process context; may sleep.
 * Return: 0, -EMFILE when the table would pass max_file_handles, -ENOMEM.
 */
int kpool_handles_reserve(struct kpool_file *kf, u32 *handles, u32 n)
{
	u32 i, idx;
	int ret = 0;

	spin_lock(&kf->lock);
	for (i = 0; i < n; i++) {
		ret = kpool_slot_reserve(kf, &idx);
		if (ret)
			break;
		handles[i] = kpool_handle_of(kpool_slot_at(kf, idx), idx);
	}
	spin_unlock(&kf->lock);
	if (ret)
		kpool_handles_unreserve(kf, handles, i);
	return ret;
}

/* The reserved slot @handle names.  Call with kf->lock held. */
static struct kpool_slot *kpool_slot_reserved(struct kpool_file *kf,
					      u32 handle, u32 *idx)
{
	struct kpool_slot *slot;

	*idx = kpool_handle_idx(handle);
	slot = kpool_slot_at(kf, *idx);
	WARN_ON_ONCE(slot->state != KPOOL_SLOT_RESERVED);
	return slot;
}

/**
 * kpool_handles_unreserve() - give back reserved, unpublished handles.
 * @kf: the table.
 * @handles: numbers kpool_handles_reserve() gave.
 * @n: how many.
 */
void kpool_handles_unreserve(struct kpool_file *kf, const u32 *handles, u32 n)
{
	u32 i, idx;

	spin_lock(&kf->lock);
	for (i = 0; i < n; i++) {
		kpool_slot_reserved(kf, handles[i], &idx);
		kpool_slot_release(kf, idx);
	}
	spin_unlock(&kf->lock);
}

/**
 * kpool_handles_publish() - make reserved handles refer to their views.
 * @kf: the table.
 * @handles: numbers kpool_handles_reserve() gave.
 * @views: one view for each; their references now belong to the table
 *	and the views are left empty.
 * @n: how many.
 *
 * Storing into a reserved slot allocates nothing, so this cannot fail.
 */
void kpool_handles_publish(struct kpool_file *kf, const u32 *handles,
			   struct kpool_view *views, u32 n)
{
	struct kpool_slot *slot;
	u32 i, idx;

	spin_lock(&kf->lock);
	for (i = 0; i < n; i++) {
		slot = kpool_slot_reserved(kf, handles[i], &idx);
		slot->view = views[i];
		slot->state = KPOOL_SLOT_LIVE;
		views[i] = (struct kpool_view){};
	}
	spin_unlock(&kf->lock);
	kpool_stat_add(KPOOL_STAT_HANDLES, n);
}

/**
 * kpool_handle_get() - a new reference to a handle's view.
 * @kf: the table.
 * @handle: the handle.
 * @v: receives a copy of the view, owning a reference of its own.
 *
 * Context: any context but hard interrupt.
 * Return: 0, or -ENOENT when @kf holds no such handle.
 */
int kpool_handle_get(struct kpool_file *kf, u32 handle, struct kpool_view *v)
{
	struct kpool_slot *slot;
	int ret = -ENOENT;
	u32 idx;

	/* Under the lock the view can neither be freed nor split. */
	spin_lock(&kf->lock);
	slot = kpool_slot_find(kf, handle, &idx);
	if (slot) {
		kpool_view_get(&slot->view, v);
		ret = 0;
	}
	spin_unlock(&kf->lock);
	return ret;
}

/**
 * kpool_handles_remove() - drop handles, in order, and their references.
 * @kf: the table.
 * @handles: the handles.
 * @n: how many; at most %KPOOL_REMOVE_MAX.
 * @done: receives how many were dropped: all of them, or those before the
 *	first one @kf does not hold.
 *
 * The views are taken out under one round trip of the lock and put after
 * it.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOENT when handle *@done is not held by @kf (a
 * reserved, unpublished one included: it stays reserved).
 */
int kpool_handles_remove(struct kpool_file *kf, const u32 *handles, u32 n,
			 u32 *done)
{
	struct kpool_view gone[KPOOL_REMOVE_MAX];
	struct kpool_slot *slot;
	int ret = 0;
	u32 i, idx;

	if (WARN_ON_ONCE(n > KPOOL_REMOVE_MAX))
		n = KPOOL_REMOVE_MAX;
	spin_lock(&kf->lock);
	for (i = 0; i < n; i++) {
		slot = kpool_slot_find(kf, handles[i], &idx);
		if (!slot) {
			ret = -ENOENT;
			break;
		}
		/* The caller that took the view out owns its reference. */
		gone[i] = slot->view;
		slot->view = (struct kpool_view){};
		kpool_slot_release(kf, idx);
	}
	spin_unlock(&kf->lock);
	*done = i;
	if (i)
		kpool_stat_add(KPOOL_STAT_HANDLES, -(long)i);
	while (i--)
		kpool_view_put(&gone[i]);
	return ret;
}

/**
 * kpool_handle_split() - cut a handle's view in two, in place.
 * @kf: the table.
 * @handle: the handle; it keeps [0, @at) of its view.
 * @at: where to cut.
 * @right: receives [@at, length), owning a new reference.
 *
 * Context: process context, @kf->split_lock held.
 * Return: 0, -ENOENT, or -EINVAL when @at is past the end.
 */
int kpool_handle_split(struct kpool_file *kf, u32 handle, u64 at,
		       struct kpool_view *right)
{
	struct kpool_slot *slot;
	int ret = -ENOENT;
	u32 idx;

	lockdep_assert_held(&kf->split_lock);
	spin_lock(&kf->lock);
	slot = kpool_slot_find(kf, handle, &idx);
	if (slot)
		ret = at > slot->view.len ? -EINVAL :
		      kpool_view_split(&slot->view, at, right);
	spin_unlock(&kf->lock);
	return ret;
}

/**
 * kpool_handle_unsplit() - undo kpool_handle_split().
 * @kf: the table.
 * @handle: the handle that was split.
 * @right: the right part kpool_handle_split() gave; its reference is
 *	dropped, and its bytes go back to @handle's view if that still exists.
 *
 * No other split can have changed the handle's window since, because
 * @kf->split_lock has been held throughout; a racing FREE may have
 * dropped the handle, and then there is nothing to give the bytes back to.
 *
 * Context: process context, @kf->split_lock held.
 */
void kpool_handle_unsplit(struct kpool_file *kf, u32 handle,
			  struct kpool_view *right)
{
	struct kpool_slot *slot;
	u32 idx;

	lockdep_assert_held(&kf->split_lock);
	spin_lock(&kf->lock);
	slot = kpool_slot_find(kf, handle, &idx);
	if (slot && !WARN_ON_ONCE(slot->view.buf != right->buf ||
				  slot->view.offset + slot->view.len !=
				  right->offset))
		slot->view.len += right->len;
	spin_unlock(&kf->lock);
	kpool_view_put(right);
}

/**
 * kpool_file_nr_handles() - how many handles a table holds.
 * @kf: the table.
 *
 * Context: any context.
 * Return: the handles published or reserved now; only a snapshot while
 * other threads use the table.
 */
unsigned int kpool_file_nr_handles(struct kpool_file *kf)
{
	return READ_ONCE(kf->nr_handles);
}

static int kpool_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/**
 * kpool_file_nr_buffers() - how many distinct buffers a table's handles
 *	refer to (DUP, SPLIT and SLICE make handles that share one).
 * @kf: the table.
 *
 * A snapshot for fdinfo: the buffers of the handles published when the
 * table is walked, up to as many as there were handles just before.
 *
 * Context: process context; may sleep.
 * Return: the count, or -ENOMEM.
 */
long kpool_file_nr_buffers(struct kpool_file *kf)
{
	unsigned int max = kpool_file_nr_handles(kf), n = 0, i;
	uintptr_t *bufs;
	long distinct;
	u32 c;

	if (!max)
		return 0;
	bufs = kvmalloc_array(max, sizeof(*bufs), GFP_KERNEL_ACCOUNT);
	if (!bufs)
		return -ENOMEM;
	/*
	 * Only the addresses are kept: nothing is dereferenced later.  A
	 * chunk at a time under the lock, so a long walk lets others in.
	 */
	for (c = 0; n < max; c++) {
		spin_lock(&kf->lock);
		if (c >= kf->nr_chunk_slots / KPOOL_CHUNK_SLOTS) {
			spin_unlock(&kf->lock);
			break;
		}
		for (i = 0; i < KPOOL_CHUNK_SLOTS && n < max; i++) {
			const struct kpool_slot *slot = &kf->chunks[c][i];

			if (slot->state == KPOOL_SLOT_LIVE)
				bufs[n++] = (uintptr_t)slot->view.buf;
		}
		spin_unlock(&kf->lock);
		cond_resched();
	}
	sort(bufs, n, sizeof(*bufs), kpool_ptr_cmp, NULL);
	for (i = 0, distinct = 0; i < n; i++)
		if (!i || bufs[i] != bufs[i - 1])
			distinct++;
	kvfree(bufs);
	return distinct;
}
