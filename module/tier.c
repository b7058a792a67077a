// SPDX-License-Identifier: GPL-2.0
/*
 * kpool tiers: one kmem_cache per size class, a page-backed fallback for
 * sizes above the largest class, the magazines that keep freed buffers
 * for reuse, and the counters of all of them.
 *
 * This is gRPC-Go's TieredBufferPool: a request goes to the smallest tier
 * that holds it (binary search), and a buffer is cleared before anyone sees
 * it, as sizedBufferPool.Get clears its buffers: over what its user can
 * reach (kpool_zero_len()), or whole when it is new.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"

/*
 * Pools whose last buffers were still out when they were destroyed are
 * released here, in process context, once those buffers come back.
 */
static struct workqueue_struct *kpool_release_wq;

/**
 * kpool_tier_size() - the object size of a tier asked for with @size bytes.
 * @size: the size in the tier list.
 *
 * A tier of a page or more is mapped into user space a page at a time, so
 * its objects are whole pages: every byte a mapping reaches then belongs to
 * the buffer and is zeroed with it.  Smaller tiers are never mapped and
 * keep their size.
 *
 * Context: any context.
 * Return: @size, rounded up to a multiple of PAGE_SIZE when at least one.
 */
size_t kpool_tier_size(size_t size)
{
	return size >= PAGE_SIZE ? PAGE_ALIGN(size) : size;
}
EXPORT_SYMBOL_GPL(kpool_tier_size);

/**
 * kpool_tiers_check() - validate a list of tier sizes.
 * @sizes: tier sizes in bytes.
 * @n: number of entries in @sizes.
 *
 * A valid list has 1 to %KPOOL_MAX_TIERS entries, each from 1 to
 * %KPOOL_TIER_MAX_SIZE bytes, strictly increasing once sizes of a page or
 * more are rounded up to whole pages (kpool_tier_size()).  What is wrong
 * with an invalid list is said in the kernel log.
 *
 * Context: any context.
 * Return: 0 if the list is valid, -EINVAL otherwise.
 */
int kpool_tiers_check(const size_t *sizes, unsigned int n)
{
	unsigned int i;

	if (!n || n > KPOOL_MAX_TIERS) {
		pr_err("tiers: %u sizes given, 1 to %u allowed\n",
		       n, KPOOL_MAX_TIERS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!sizes[i] || sizes[i] > KPOOL_TIER_MAX_SIZE) {
			pr_err("tiers: size %zu (entry %u) is not within 1..%u\n",
			       sizes[i], i + 1, KPOOL_TIER_MAX_SIZE);
			return -EINVAL;
		}
		if (i && sizes[i] <= sizes[i - 1]) {
			pr_err("tiers: size %zu (entry %u) is not above %zu: sizes must be strictly increasing\n",
			       sizes[i], i + 1, sizes[i - 1]);
			return -EINVAL;
		}
		if (i && kpool_tier_size(sizes[i]) ==
			 kpool_tier_size(sizes[i - 1])) {
			pr_err("tiers: sizes %zu and %zu (entries %u and %u) both round up to %zu bytes (whole pages): one tier would be empty\n",
			       sizes[i - 1], sizes[i], i, i + 1,
			       kpool_tier_size(sizes[i]));
			return -EINVAL;
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_tiers_check);

/**
 * kpool_tiers_parse() - parse a comma-separated list of tier sizes.
 * @str: the list, e.g. "256,4096,16384"; surrounding white space (such as
 *	a trailing newline) is ignored.
 * @sizes: receives the sizes; room for %KPOOL_MAX_TIERS entries.
 * @n: receives the number of sizes.
 *
 * The list must pass kpool_tiers_check().  @sizes and @n are written only
 * on success.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a malformed or invalid list, -ENOMEM.
 */
int kpool_tiers_parse(const char *str, size_t *sizes, unsigned int *n)
{
	size_t parsed[KPOOL_MAX_TIERS];
	unsigned int count = 0;
	char *copy, *cur, *tok;
	int ret;

	copy = kstrdup(str, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	if (!*cur) {
		pr_err("tiers: the list is empty\n");
		ret = -EINVAL;
		goto out;
	}
	while ((tok = strsep(&cur, ","))) {
		unsigned int val;

		if (count == KPOOL_MAX_TIERS) {
			pr_err("tiers: more than %u sizes given\n",
			       KPOOL_MAX_TIERS);
			ret = -EINVAL;
			goto out;
		}
		if (kstrtouint(strim(tok), 10, &val)) {
			pr_err("tiers: \"%s\" is not a size in bytes\n", tok);
			ret = -EINVAL;
			goto out;
		}
		parsed[count++] = val;
	}
	ret = kpool_tiers_check(parsed, count);
	if (!ret) {
		memcpy(sizes, parsed, count * sizeof(*parsed));
		*n = count;
	}
out:
	kfree(copy);
	return ret;
}
EXPORT_SYMBOL_GPL(kpool_tiers_parse);

/*
 * Magazines: each CPU keeps, per tier and for the fallback, freed buffers
 * (header and memory) for the next allocation of the same capacity, as a
 * pool should.  Recycled memory skips the slab (or vmalloc), its memory
 * cgroup charge and the init_on_alloc clearing of the whole object: kpool
 * clears what the next user can reach, and nothing else
 * (kpool_zero_len()).  Memory keeps the charge of the cgroup that first
 * allocated it, so it is handed out again only to a buffer of the same
 * cgroup (kpool_buf.memcg).  At most %KPOOL_MAG_MAX buffers and
 * %KPOOL_MAG_BYTES (or one buffer, if larger) are kept per tier and CPU;
 * what a CPU's magazine has no room for goes to the tier's depot, shared
 * by every CPU, which keeps as many buffers and up to %KPOOL_DEPOT_BYTES,
 * so that large buffers, of which a CPU keeps few, are still reused.  The
 * pool's shrinker gives them all back when memory is short.
 */
#define KPOOL_MAG_MAX		64
#define KPOOL_MAG_BYTES		(4U << 20)
#define KPOOL_DEPOT_BYTES	(8U << 20)

/**
 * struct kpool_mag - one CPU's kept buffers of one tier (or the fallback).
 * @lock: protects the rest; taken by this CPU's allocations and frees and
 *	by the shrinker, with interrupts off.
 * @nr: buffers kept.
 * @bytes: their capacity in all.
 * @buf: the buffers, headers and memory, with no reference left; each
 *	owned by the magazine.
 */
struct kpool_mag {
	spinlock_t lock;	/* see @lock above */
	unsigned int nr;
	size_t bytes;
	struct kpool_buf *buf[KPOOL_MAG_MAX];
};

static void kpool_tier_percpu_free(struct kpool_tier *t)
{
	kfree(t->depot);
	free_percpu(t->mag);
	free_percpu(t->stats);
}

/* Per-CPU counters and magazines, and the depot, of a tier or fallback. */
static int kpool_tier_percpu(struct kpool_tier *t)
{
	int cpu;

	t->stats = alloc_percpu(struct kpool_counters);
	t->mag = alloc_percpu(struct kpool_mag);
	t->depot = kzalloc(sizeof(*t->depot), GFP_KERNEL);
	if (!t->stats || !t->mag || !t->depot) {
		kpool_tier_percpu_free(t);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(t->mag, cpu)->lock);
	spin_lock_init(&t->depot->lock);
	return 0;
}

static int kpool_tier_init(struct kpool_pool *pool, struct kpool_tier *t,
			   size_t asked)
{
	size_t size = kpool_tier_size(asked);
	/* Page-or-larger tiers are mapped into user space: page-align them. */
	unsigned int align = size >= PAGE_SIZE ? PAGE_SIZE : 0;
	char name[48];

	if (size != asked)
		pr_info("%s: tier %zu rounded up to %zu bytes, whole pages, so that a mapping reaches only its buffer\n",
			pool->name, asked, size);
	if (kpool_tier_percpu(t))
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s-%zu", pool->name, size);
	/* The whole object is user data: whitelist all of it for usercopy. */
	t->cache = kmem_cache_create_usercopy(name, size, align, SLAB_ACCOUNT,
					      0, size, NULL);
	if (!t->cache) {
		kpool_tier_percpu_free(t);
		return -ENOMEM;
	}
	t->size = size;
	t->costly = get_order(size) > PAGE_ALLOC_COSTLY_ORDER;
	return 0;
}

/* Give a buffer's memory back to the slab of @t or to vmalloc. */
static void kpool_mem_data_free(struct kpool_tier *t, struct kpool_buf *buf)
{
	if (buf->backing == KPOOL_BACKING_VMALLOC)
		vfree(buf->data);
	else
		kmem_cache_free(t->cache, buf->data);
}

/* Give a buffer's memory and header back; nothing refers to them. */
static void kpool_mem_release(struct kpool_tier *t, struct kpool_buf *buf)
{
	kpool_mem_data_free(t, buf);
	kpool_buf_header_free(buf);
}

/* Give up to @max buffers kept in @mag back.  Return: how many. */
static unsigned long kpool_mag_drain_one(struct kpool_tier *t,
					 struct kpool_mag *mag,
					 unsigned long max)
{
	unsigned long done = 0;

	while (done < max) {
		struct kpool_buf *buf = NULL;
		unsigned long flags;

		spin_lock_irqsave(&mag->lock, flags);
		if (mag->nr) {
			/* The buffer is ours alone now. */
			buf = mag->buf[--mag->nr];
			mag->bytes -= buf->capacity;
		}
		spin_unlock_irqrestore(&mag->lock, flags);
		if (!buf)
			break;
		kpool_mem_release(t, buf);
		done++;
		cond_resched();
	}
	return done;
}

/* Give up to @max kept buffers of @t back, depot first.  Return: how many. */
static unsigned long kpool_mag_drain(struct kpool_tier *t, unsigned long max)
{
	unsigned long done = kpool_mag_drain_one(t, t->depot, max);
	int cpu;

	for_each_possible_cpu(cpu)
		done += kpool_mag_drain_one(t, per_cpu_ptr(t->mag, cpu),
					    max - done);
	return done;
}

static void kpool_tier_exit(struct kpool_tier *t)
{
	if (t->mag)
		kpool_mag_drain(t, ULONG_MAX);
	kmem_cache_destroy(t->cache);
	kpool_tier_percpu_free(t);
}

/* Buffers kept by @t's magazines and depot. */
static unsigned long kpool_tier_kept(const struct kpool_tier *t)
{
	unsigned long n = READ_ONCE(t->depot->nr);
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(t->mag, cpu)->nr);
	return n;
}

static unsigned long kpool_shrink_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct kpool_pool *pool = container_of(shrinker, struct kpool_pool,
					       shrinker);
	unsigned long n = kpool_tier_kept(&pool->fallback);
	unsigned int i;

	for (i = 0; i < pool->ntiers; i++)
		n += kpool_tier_kept(&pool->tier[i]);
	return n ?: SHRINK_EMPTY;
}

static unsigned long kpool_shrink_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct kpool_pool *pool = container_of(shrinker, struct kpool_pool,
					       shrinker);
	unsigned long done;
	unsigned int i;

	/* Largest first: they give back the most per buffer. */
	done = kpool_mag_drain(&pool->fallback, sc->nr_to_scan);
	for (i = pool->ntiers; i-- && done < sc->nr_to_scan;)
		done += kpool_mag_drain(&pool->tier[i],
					sc->nr_to_scan - done);
	return done;
}

static void kpool_pool_free(struct kpool_pool *pool)
{
	unsigned int i;

	unregister_shrinker(&pool->shrinker);
	for (i = 0; i < pool->ntiers; i++)
		kpool_tier_exit(&pool->tier[i]);
	kpool_tier_exit(&pool->fallback);
	percpu_ref_exit(&pool->live);
	kfree(pool);
}

static void kpool_pool_release_work(struct work_struct *work)
{
	kpool_pool_free(container_of(work, struct kpool_pool, release_work));
}

/*
 * The last reference of a killed pool is gone (the pool's own, or its last
 * buffer's), from any context: kpool_pool_destroy() frees the pool itself
 * when it had no buffer left; else the workqueue does, in process context.
 */
static void kpool_pool_live_release(struct percpu_ref *live)
{
	struct kpool_pool *pool = container_of(live, struct kpool_pool, live);

	if (pool->free_now)
		complete(&pool->released);
	else
		queue_work(kpool_release_wq, &pool->release_work);
}

/**
 * kpool_pool_create() - create a pool of size tiers.
 * @name: prefix of the pool's slab cache names ("<name>-<size>"); it must
 *	not be shared with another live pool.  At most 23 characters are kept.
 * @sizes: tier sizes, as kpool_tiers_check() wants them; sizes of a page
 *	or more are rounded up to whole pages (kpool_tier_size()).
 * @n: number of tiers.
 *
 * Context: process context; may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) for a bad tier list,
 * ERR_PTR(-ENOMEM).
 */
struct kpool_pool *kpool_pool_create(const char *name, const size_t *sizes,
				     unsigned int n)
{
	struct kpool_pool *pool;
	unsigned int i;
	int ret;

	ret = kpool_tiers_check(sizes, n);
	if (ret)
		return ERR_PTR(ret);
	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	strscpy(pool->name, name, sizeof(pool->name));
	INIT_WORK(&pool->release_work, kpool_pool_release_work);
	init_completion(&pool->released);
	/*
	 * The pool's own reference, until kpool_pool_destroy().  That
	 * switches it to atomic mode before it kills it, which without
	 * ALLOW_REINIT would already free the per-CPU counters and mark it
	 * dead.
	 */
	ret = percpu_ref_init(&pool->live, kpool_pool_live_release,
			      PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = kpool_tier_percpu(&pool->fallback);
	if (ret)
		goto err_live;
	for (i = 0; i < n; i++) {
		ret = kpool_tier_init(pool, &pool->tier[i], sizes[i]);
		if (ret)
			goto err_tiers;
	}
	pool->ntiers = n;
	pool->shrinker.count_objects = kpool_shrink_count;
	pool->shrinker.scan_objects = kpool_shrink_scan;
	pool->shrinker.seeks = DEFAULT_SEEKS;
	ret = register_shrinker(&pool->shrinker, "kpool-%s", pool->name);
	if (ret)
		goto err_tiers;
	return pool;

err_tiers:
	while (i--)
		kpool_tier_exit(&pool->tier[i]);
	kpool_tier_exit(&pool->fallback);
err_live:
	percpu_ref_exit(&pool->live);
err_free:
	kfree(pool);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(kpool_pool_create);

static bool kpool_tier_busy(const struct kpool_pool *pool,
			    const struct kpool_tier *t)
{
	struct kpool_totals sum;

	kpool_tier_totals(t, &sum);
	if (!sum.in_use)
		return false;
	if (t->cache)
		pr_err("%s: %lld buffers of tier %zu still in use\n",
		       pool->name, sum.in_use, t->size);
	else
		pr_err("%s: %lld fallback buffers still in use\n",
		       pool->name, sum.in_use);
	return true;
}

/**
 * kpool_pool_destroy() - destroy a pool.
 * @pool: the pool, or NULL.  Nothing may allocate from it any more.
 *
 * A pool whose buffers have all come back is freed at once.  A pool that
 * still has buffers in use is a bug of its user, said in the kernel log;
 * the pool then stays, so that those buffers remain valid, and is freed
 * (from a workqueue) when the last of them is put.
 *
 * Context: process context; may sleep (an RCU grace period, to make the
 * pool's reference count exact).
 */
void kpool_pool_destroy(struct kpool_pool *pool)
{
	unsigned int i;
	bool busy;

	if (!pool)
		return;
	/* Freed buffers are given back from now on, not kept. */
	WRITE_ONCE(pool->dead, true);
	/*
	 * Exact from here: the counters of the buffers still out, while the
	 * pool's own reference keeps it; no new buffer comes (the caller's
	 * promise).
	 */
	percpu_ref_switch_to_atomic_sync(&pool->live);
	busy = kpool_tier_busy(pool, &pool->fallback);
	for (i = 0; i < pool->ntiers; i++)
		busy |= kpool_tier_busy(pool, &pool->tier[i]);
	if (busy) {
		pr_err("%s: destroyed while busy: kept until its last buffer is put\n",
		       pool->name);
		/* The last buffer's put releases the pool; hands off now. */
		percpu_ref_kill(&pool->live);
		return;
	}
	/* No buffer: the pool's own reference is the last one. */
	pool->free_now = true;
	percpu_ref_kill(&pool->live);
	wait_for_completion(&pool->released);
	kpool_pool_free(pool);
}
EXPORT_SYMBOL_GPL(kpool_pool_destroy);

/**
 * kpool_pool_tier_index() - the tier a request of @size bytes goes to.
 * @pool: the pool.
 * @size: bytes wanted.
 *
 * Context: any context.
 * Return: the index of the smallest tier of at least @size bytes, or
 * %KPOOL_TIER_FALLBACK when @size is above the largest tier.
 */
u32 kpool_pool_tier_index(const struct kpool_pool *pool, size_t size)
{
	unsigned int lo = 0, hi = pool->ntiers;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (pool->tier[mid].size < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pool->ntiers ? lo : KPOOL_TIER_FALLBACK;
}
EXPORT_SYMBOL_GPL(kpool_pool_tier_index);

/**
 * kpool_pool_pick() - the tier of a request and its capacity, in one look-up.
 * @pool: the pool.
 * @size: bytes wanted.
 * @capacity: receives the size of the tier, or @size rounded up to whole
 *	pages for the fallback; 0 when that rounding would overflow.
 *
 * Context: any context.
 * Return: the tier's index, as kpool_pool_tier_index() gives it.
 */
u32 kpool_pool_pick(const struct kpool_pool *pool, size_t size,
		    size_t *capacity)
{
	u32 idx = kpool_pool_tier_index(pool, size);

	if (idx != KPOOL_TIER_FALLBACK)
		*capacity = pool->tier[array_index_nospec(idx,
							  pool->ntiers)].size;
	else
		*capacity = size > SIZE_MAX - (PAGE_SIZE - 1) ? 0 :
			    PAGE_ALIGN(size);
	return idx;
}

/**
 * kpool_pool_capacity() - bytes reserved for a request of @size bytes.
 * @pool: the pool.
 * @size: bytes wanted.
 *
 * Context: any context.
 * Return: the size of the tier the request goes to, or @size rounded up
 * to whole pages for the fallback; 0 when that rounding would overflow.
 */
size_t kpool_pool_capacity(const struct kpool_pool *pool, size_t size)
{
	size_t capacity;

	kpool_pool_pick(pool, size, &capacity);
	return capacity;
}
EXPORT_SYMBOL_GPL(kpool_pool_capacity);

/**
 * kpool_tier_totals() - the counters of a tier, summed over every CPU.
 * @t: the tier, or a pool's fallback.
 * @sum: receives the sums.
 *
 * Context: any context.  Exact when nothing allocates or frees meanwhile.
 */
void kpool_tier_totals(const struct kpool_tier *t, struct kpool_totals *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct kpool_counters *c = per_cpu_ptr(t->stats, cpu);

		sum->allocs += READ_ONCE(c->allocs);
		sum->frees += READ_ONCE(c->frees);
		sum->spills += READ_ONCE(c->spills);
		sum->bytes += READ_ONCE(c->bytes);
	}
	sum->in_use = sum->allocs - sum->frees;
}
EXPORT_SYMBOL_GPL(kpool_tier_totals);

/**
 * kpool_pool_bytes_in_use() - capacity of all live buffers of a pool.
 * @pool: the pool.
 *
 * Context: any context.  Exact when nothing allocates or frees meanwhile.
 * Return: the sum over its tiers, its fallback and every CPU.
 */
s64 kpool_pool_bytes_in_use(const struct kpool_pool *pool)
{
	struct kpool_totals sum;
	unsigned int i;
	s64 bytes;

	kpool_tier_totals(&pool->fallback, &sum);
	bytes = sum.bytes;
	for (i = 0; i < pool->ntiers; i++) {
		kpool_tier_totals(&pool->tier[i], &sum);
		bytes += sum.bytes;
	}
	return bytes;
}
EXPORT_SYMBOL_GPL(kpool_pool_bytes_in_use);

/* Zeroed, page-rounded memory from order-0 pages; vmalloc may sleep. */
static void *kpool_pages_alloc(size_t capacity, gfp_t gfp)
{
	if (!gfpflags_allow_blocking(gfp))
		return NULL;
	return __vmalloc(capacity, gfp | __GFP_ZERO | __GFP_ACCOUNT);
}

/*
 * The flags of a costly tier's first try: opportunistic, so no reclaim or
 * compaction of any kind (neither direct nor a kswapd or kcompactd wake-up
 * for an order-8 slab), no emergency reserves, no retry.
 */
VISIBLE_IF_KUNIT gfp_t kpool_costly_try_gfp(gfp_t gfp)
{
	return (gfp & ~__GFP_RECLAIM) | __GFP_NORETRY | __GFP_NOMEMALLOC;
}
EXPORT_SYMBOL_IF_KUNIT(kpool_costly_try_gfp);

/*
 * The bytes of a new buffer of @size bytes and @capacity that are cleared:
 * every byte anyone can reach through the user ABI, which is [0, @size)
 * and, for a buffer of a page or more, the rest of the pages holding it
 * (a mapping's reach); the whole capacity when the caller asked with
 * __GFP_ZERO.
 */
static size_t kpool_zero_len(size_t size, size_t capacity, gfp_t gfp)
{
	if (gfp & __GFP_ZERO)
		return capacity;
	if (capacity >= PAGE_SIZE)
		return min(PAGE_ALIGN(size), capacity);
	return size;
}

/**
 * kpool_current_memcg() - the memory cgroup the current task is charged in.
 *
 * Return: a token that identifies it (never dereferenced), or NULL
 * without memory cgroups.
 */
const void *kpool_current_memcg(void)
{
	const void *memcg = NULL;

	if (IS_ENABLED(CONFIG_MEMCG) && !mem_cgroup_disabled()) {
		rcu_read_lock();
		memcg = mem_cgroup_from_task(current);
		rcu_read_unlock();
	}
	return memcg;
}

/*
 * Up to @n buffers of @capacity charged to @memcg kept in @mag, into @bufs,
 * under one round trip of the lock.  Return: how many.
 */
static unsigned int kpool_mag_pop_bulk(struct kpool_mag *mag, size_t capacity,
				       const void *memcg,
				       struct kpool_buf **bufs, unsigned int n)
{
	unsigned int i, got = 0;
	unsigned long flags;

	spin_lock_irqsave(&mag->lock, flags);
	for (i = mag->nr; i-- && got < n;) {
		if (mag->buf[i]->memcg != memcg ||
		    mag->buf[i]->capacity != capacity)
			continue;
		/* The buffer is the caller's now. */
		bufs[got++] = mag->buf[i];
		mag->buf[i] = mag->buf[--mag->nr];
		mag->bytes -= capacity;
	}
	spin_unlock_irqrestore(&mag->lock, flags);
	return got;
}

/* Keep a freed buffer in @mag if it has room under @limit bytes. */
static bool kpool_mag_push(struct kpool_mag *mag, struct kpool_buf *buf,
			   size_t limit)
{
	unsigned long flags;
	bool kept = false;

	spin_lock_irqsave(&mag->lock, flags);
	if (mag->nr < KPOOL_MAG_MAX &&
	    (!mag->nr || mag->bytes + buf->capacity <= limit)) {
		/* The magazine owns the buffer now. */
		mag->buf[mag->nr++] = buf;
		mag->bytes += buf->capacity;
		kept = true;
	}
	spin_unlock_irqrestore(&mag->lock, flags);
	return kept;
}

/* Keep a freed buffer of @t: this CPU's magazine, else the depot. */
static bool kpool_tier_keep(struct kpool_tier *t, struct kpool_buf *buf)
{
	return kpool_mag_push(raw_cpu_ptr(t->mag), buf, KPOOL_MAG_BYTES) ||
	       kpool_mag_push(t->depot, buf, KPOOL_DEPOT_BYTES);
}

/* Tier @idx of @pool, from kpool_pool_tier_index(): a tier or the fallback. */
static struct kpool_tier *kpool_pool_tier(struct kpool_pool *pool, u32 idx)
{
	if (idx == KPOOL_TIER_FALLBACK)
		return &pool->fallback;
	return &pool->tier[array_index_nospec(idx, pool->ntiers)];
}

/* A new buffer's memory is counted in its tier and its pool. */
static void kpool_mem_count(struct kpool_pool *pool, struct kpool_tier *t,
			    size_t capacity)
{
	/* The buffer's reference on its pool, dropped by kpool_mem_free(). */
	percpu_ref_get(&pool->live);
	this_cpu_inc(t->stats->allocs);
	this_cpu_add(t->stats->bytes, capacity);
}

/**
 * kpool_mem_reuse_bulk() - kept buffers of a tier, for new allocations.
 * @pool: the pool.
 * @idx: the tier, from kpool_pool_tier_index(pool, @size).
 * @capacity: its capacity, from kpool_pool_capacity(pool, @size).
 * @size: bytes wanted in each.
 * @gfp: allocation flags; __GFP_ZERO clears the whole capacity.
 * @memcg: the caller's memory cgroup (kpool_current_memcg()).
 * @bufs: receives the buffers, as kpool_mem_reuse() gives them.
 * @n: how many are wanted.
 *
 * Return: how many @bufs has: this CPU's kept buffers first, then the
 * depot's, each under one round trip of its lock.
 */
unsigned int kpool_mem_reuse_bulk(struct kpool_pool *pool, u32 idx,
				  size_t capacity, size_t size, gfp_t gfp,
				  const void *memcg, struct kpool_buf **bufs,
				  unsigned int n)
{
	struct kpool_tier *t = kpool_pool_tier(pool, idx);
	unsigned int i, got;

	got = kpool_mag_pop_bulk(raw_cpu_ptr(t->mag), capacity, memcg, bufs, n);
	if (got < n && READ_ONCE(t->depot->nr))
		got += kpool_mag_pop_bulk(t->depot, capacity, memcg, bufs + got,
					  n - got);
	for (i = 0; i < got; i++) {
		memset(bufs[i]->data, 0, kpool_zero_len(size, capacity, gfp));
		kpool_mem_count(pool, t, capacity);
	}
	return got;
}

/**
 * kpool_mem_reuse() - a kept buffer of a tier, for a new allocation.
 * @pool: the pool.
 * @idx: the tier, from kpool_pool_tier_index(pool, @size).
 * @capacity: its capacity, from kpool_pool_capacity(pool, @size).
 * @size: bytes wanted.
 * @gfp: allocation flags; __GFP_ZERO clears the whole capacity.
 * @memcg: the caller's memory cgroup (kpool_current_memcg()).
 *
 * Return: a buffer with its memory, cleared as far as kpool_zero_len()
 * says, counted; its reference count and account are the caller's to set.
 * NULL when this CPU keeps none.
 */
struct kpool_buf *kpool_mem_reuse(struct kpool_pool *pool, u32 idx,
				  size_t capacity, size_t size, gfp_t gfp,
				  const void *memcg)
{
	struct kpool_buf *buf;

	if (!kpool_mem_reuse_bulk(pool, idx, capacity, size, gfp, memcg, &buf,
				  1))
		return NULL;
	return buf;
}

/*
 * New memory of one tier: an object of the slab, which clears it whole once
 * (__GFP_ZERO and init_on_alloc are one and the same clearing there).  A
 * costly tier (the 1 MiB one: order-8 slabs) is what fragmentation takes
 * away first, so its slab is tried once without direct reclaim or
 * compaction stalls; when none can be had the buffer spills to order-0
 * pages.  It stays a buffer of its tier all the same: same capacity, same
 * counters, plus one spill.
 */
static void *kpool_tier_mem_alloc(struct kpool_tier *t, gfp_t gfp,
				  enum kpool_backing *backing)
{
	void *p;

	*backing = KPOOL_BACKING_SLAB;
	gfp |= __GFP_ZERO;
	p = kmem_cache_alloc(t->cache, t->costly ? kpool_costly_try_gfp(gfp) :
				       gfp);
	if (p || !t->costly)
		return p;
	p = kpool_pages_alloc(t->size, gfp);
	if (p) {
		*backing = KPOOL_BACKING_VMALLOC;
		this_cpu_inc(t->stats->spills);
	}
	return p;
}

/**
 * kpool_mem_alloc() - give a buffer header its memory.
 * @pool: the pool to take it from.
 * @buf: the header; @data, @capacity, @tier, @backing, @memcg and @pool
 *	are set.
 * @idx: the tier, from kpool_pool_tier_index(pool, @size).
 * @capacity: its capacity, from kpool_pool_capacity(pool, @size).
 * @gfp: allocation flags; the fallback needs a context that may sleep.
 * @memcg: the caller's memory cgroup (kpool_current_memcg()).
 *
 * New memory is cleared whole; it is counted in its tier.
 *
 * Return: 0, or -ENOMEM with @buf's memory fields untouched.
 */
int kpool_mem_alloc(struct kpool_pool *pool, struct kpool_buf *buf, u32 idx,
		    size_t capacity, gfp_t gfp, const void *memcg)
{
	enum kpool_backing backing = KPOOL_BACKING_VMALLOC;
	struct kpool_tier *t;
	void *data;

	/* The size is the caller's choice, perhaps a user's: fail quietly. */
	gfp |= __GFP_NOWARN;
	t = kpool_pool_tier(pool, idx);
	if (idx == KPOOL_TIER_FALLBACK)
		data = kpool_pages_alloc(capacity, gfp);
	else
		data = kpool_tier_mem_alloc(t, gfp, &backing);
	if (!data)
		return -ENOMEM;

	buf->pool = pool;
	buf->data = data;
	buf->capacity = capacity;
	buf->tier = idx;
	buf->backing = backing;
	buf->memcg = memcg;
	kpool_mem_count(pool, t, capacity);
	return 0;
}

/*
 * Whether a freed buffer may be kept for reuse.  Slab memory is only ever
 * mapped by PFN, which nothing can pin.  Page-backed memory is mapped page
 * by page, and a pipe (vmsplice()) or a pinning get_user_pages() may still
 * hold some of its pages after the last mapping went: then the pages must
 * not get a new owner, and they go back with vfree(), which leaves them to
 * their last holder.  Nothing can take a new reference now: the buffer has
 * no mapping left.  A tier buffer that spilled to pages is not kept either,
 * so that a tier's kept buffers are slab memory, as its new ones are (the
 * mapping rules of the uapi header differ).
 */
static bool kpool_mem_keepable(const struct kpool_buf *buf)
{
	size_t i;

	if (buf->backing == KPOOL_BACKING_SLAB)
		return true;
	if (buf->tier != KPOOL_TIER_FALLBACK)
		return false;
	for (i = 0; i < buf->capacity >> PAGE_SHIFT; i++)
		if (page_count(kpool_buf_page(buf, i)) != 1)
			return false;
	return true;
}

/**
 * kpool_mem_free() - return a buffer's memory to where it came from.
 * @buf: a buffer whose last reference is gone.
 *
 * The buffer is kept whole (header and memory) in this CPU's magazine of
 * its tier or of the fallback while there is room and the pool lives; else
 * its memory goes back to the slab or to vmalloc.
 *
 * Return: true when @buf was kept: it belongs to the magazine now and the
 * caller must not touch it; false when the caller frees the header.
 */
bool kpool_mem_free(struct kpool_buf *buf)
{
	struct kpool_pool *pool = buf->pool;
	struct kpool_tier *t = kpool_pool_tier(pool, buf->tier);
	size_t capacity = buf->capacity;
	bool kept = !READ_ONCE(pool->dead) && kpool_mem_keepable(buf) &&
		    kpool_tier_keep(t, buf);

	/* Kept or not, the buffer is gone for the counters. */
	if (!kept)
		kpool_mem_data_free(t, buf);
	this_cpu_inc(t->stats->frees);
	this_cpu_sub(t->stats->bytes, capacity);
	/* The buffer's reference; a destroyed pool may go with it. */
	percpu_ref_put(&pool->live);
	return kept;
}

/**
 * kpool_tiers_init() - set up what pools need beyond themselves.
 *
 * Return: 0 or -ENOMEM.
 */
int kpool_tiers_init(void)
{
	kpool_release_wq = alloc_workqueue("kpool_release", 0, 0);
	return kpool_release_wq ? 0 : -ENOMEM;
}

/**
 * kpool_tiers_exit() - undo kpool_tiers_init(), after every pool released
 *	from the workqueue is gone.
 */
void kpool_tiers_exit(void)
{
	destroy_workqueue(kpool_release_wq);
}
