// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kpool: the misc device, one small function per ioctl.
 *
 * Every ioctl that makes a handle follows one pattern: check the arguments
 * (EINVAL, E2BIG, ENOENT), get the view (EDQUOT, ENOMEM), reserve a handle
 * (EMFILE, ENOMEM), copy the answer to user space (EFAULT), and only then
 * publish the handle, which cannot fail.  So a failed call leaves nothing
 * behind, and no other thread sees a handle before its view is complete.
 * No lock is held across copy_*_user(): the user's pointer may be one of
 * our own mappings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "kpool_trace.h"

/* A handle on its way into a table: reserved, not yet published. */
struct kpool_new {
	u32 handle;
	struct kpool_view view;
};

static int kpool_new_reserve(struct kpool_file *kf, struct kpool_new *n)
{
	n->view = (struct kpool_view){};
	return kpool_handles_reserve(kf, &n->handle, 1);
}

/* Undo kpool_new_reserve(), dropping the view if it has one. */
static void kpool_new_cancel(struct kpool_file *kf, struct kpool_new *n)
{
	kpool_view_put(&n->view);
	kpool_handles_unreserve(kf, &n->handle, 1);
}

/* The reserved handle now refers to its view, which the table owns. */
static void kpool_new_publish(struct kpool_file *kf, struct kpool_new *n)
{
	kpool_handles_publish(kf, &n->handle, &n->view, 1);
}

/**
 * struct kpool_reply - where an ioctl's answer goes.
 * @uarg: the user's argument.
 * @karg: the kernel copy, written back whole.
 * @size: its size.
 * @handle: the field of @karg that receives the new handle.
 * @mmap_offset: the field of @karg that receives its mmap offset, or NULL.
 */
struct kpool_reply {
	void __user *uarg;
	void *karg;
	size_t size;
	u32 *handle;
	u64 *mmap_offset;
};

static u64 kpool_mmap_offset(u32 handle)
{
	return (u64)handle << PAGE_SHIFT;
}

/*
 * Give view @v a new handle and tell the user through @r.  On success the
 * table owns @v's reference; on failure it has been dropped.  @v is left
 * empty either way.
 */
static int kpool_install(struct kpool_file *kf, struct kpool_view *v,
			 const struct kpool_reply *r)
{
	struct kpool_new n;
	int ret;

	ret = kpool_new_reserve(kf, &n);
	if (ret) {
		kpool_view_put(v);
		return ret;
	}
	/* The reservation owns the view's reference from here on. */
	n.view = *v;
	*v = (struct kpool_view){};
	*r->handle = n.handle;
	if (r->mmap_offset)
		*r->mmap_offset = kpool_mmap_offset(n.handle);
	if (copy_to_user(r->uarg, r->karg, r->size)) {
		kpool_new_cancel(kf, &n);
		return -EFAULT;
	}
	kpool_new_publish(kf, &n);
	return 0;
}

/* EINVAL for 0, E2BIG above the module's limit. */
static int kpool_size_check(u64 size)
{
	if (!size)
		return -EINVAL;
	if (size > kpool_max_buffer_size)
		return -E2BIG;
	return 0;
}

static int kpool_alloc_view(struct kpool_file *kf, u64 size,
			    struct kpool_view *v)
{
	struct kpool_buf *buf;

	buf = kpool_buf_alloc_charged(NULL, size, GFP_KERNEL_ACCOUNT, kf->acct);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* The buffer's first reference now belongs to @v. */
	*v = (struct kpool_view){ .buf = buf, .len = size };
	return 0;
}

static long kpool_ioc_alloc(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_alloc a;
	struct kpool_view v;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad)
		return -EINVAL;
	ret = kpool_size_check(a.size);
	if (ret)
		return ret;
	ret = kpool_alloc_view(kf, a.size, &v);
	if (ret)
		return ret;
	a.capacity = v.buf->capacity;
	a.tier = v.buf->tier;
	return kpool_install(kf, &v, &(struct kpool_reply){
		.uarg = uarg, .karg = &a, .size = sizeof(a),
		.handle = &a.handle, .mmap_offset = &a.mmap_offset });
}

/* Copy a user array of @count handles (1..KPOOL_BATCH_MAX). */
static u32 *kpool_handles_from_user(u64 uptr, u32 count)
{
	if (!count || count > KPOOL_BATCH_MAX)
		return ERR_PTR(-EINVAL);
	return vmemdup_user(u64_to_user_ptr(uptr), count * sizeof(u32));
}

/* Drop the views of a batch that will not be published, then its handles. */
static void kpool_batch_cancel(struct kpool_file *kf, const u32 *handles,
			       struct kpool_view *views, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++)
		kpool_view_put(&views[i]);
	kpool_handles_unreserve(kf, handles, count);
}

static long kpool_ioc_alloc_batch(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_alloc_batch b;
	struct kpool_view *views;
	u32 *handles;
	int ret;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if (b.flags || !b.count || b.count > KPOOL_BATCH_MAX)
		return -EINVAL;
	ret = kpool_size_check(b.size);
	if (ret)
		return ret;
	views = kvcalloc(b.count, sizeof(*views), GFP_KERNEL_ACCOUNT);
	handles = kvcalloc(b.count, sizeof(*handles), GFP_KERNEL_ACCOUNT);
	if (!views || !handles) {
		ret = -ENOMEM;
		goto out;
	}
	/* All or nothing: everything stays reserved until the user knows. */
	ret = kpool_handles_reserve(kf, handles, b.count);
	if (ret)
		goto out;
	/* The views own the buffers' first references until publication. */
	ret = kpool_views_alloc_charged(NULL, b.size, GFP_KERNEL_ACCOUNT,
					kf->acct, views, b.count);
	if (ret) {
		kpool_handles_unreserve(kf, handles, b.count);
		goto out;
	}
	if (copy_to_user(u64_to_user_ptr(b.handles), handles,
			 b.count * sizeof(*handles))) {
		kpool_batch_cancel(kf, handles, views, b.count);
		ret = -EFAULT;
		goto out;
	}
	kpool_handles_publish(kf, handles, views, b.count);
out:
	kvfree(handles);
	kvfree(views);
	return ret;
}

static long kpool_ioc_free(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_handle_arg h;
	u32 done;

	if (copy_from_user(&h, uarg, sizeof(h)))
		return -EFAULT;
	if (h.pad)
		return -EINVAL;
	return kpool_handles_remove(kf, &h.handle, 1, &done);
}

static long kpool_ioc_free_batch(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_free_batch b;
	u32 *handles, n;
	int ret = 0;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	handles = kpool_handles_from_user(b.handles, b.count);
	if (IS_ERR(handles))
		return PTR_ERR(handles);
	/* Make sure @done can be told before anything is freed. */
	if (put_user(0, &((struct kpool_free_batch __user *)uarg)->done)) {
		kvfree(handles);
		return -EFAULT;
	}
	for (b.done = 0; b.done < b.count; b.done += n) {
		n = min_t(u32, b.count - b.done, KPOOL_REMOVE_MAX);
		/* A killed task stops here; its file's release frees the rest. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = kpool_handles_remove(kf, handles + b.done, n, &n);
		if (ret) {
			b.done += n;
			break;
		}
		cond_resched();
	}
	kvfree(handles);
	if (copy_to_user(uarg, &b, sizeof(b)))
		return -EFAULT;
	return ret;
}

static long kpool_ioc_dup(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_dup d;
	struct kpool_view v;
	int ret;

	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	ret = kpool_handle_get(kf, d.handle, &v);
	if (ret)
		return ret;
	return kpool_install(kf, &v, &(struct kpool_reply){
		.uarg = uarg, .karg = &d, .size = sizeof(d),
		.handle = &d.new_handle });
}

static long kpool_ioc_split(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_split s;
	struct kpool_view v;
	struct kpool_new n;
	int ret;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	ret = kpool_handle_get(kf, s.handle, &v);
	if (ret)
		return ret;
	ret = s.at > v.len ? -EINVAL : 0;
	kpool_view_put(&v);
	if (ret)
		return ret;

	ret = kpool_new_reserve(kf, &n);
	if (ret)
		return ret;
	/*
	 * Split first, tell the user second: the split may still fail after
	 * a racing FREE (ENOENT) or SPLIT (EINVAL), and then the user must
	 * not have been told a handle.  Holding split_lock until the answer
	 * is out lets an EFAULT undo the split exactly.
	 */
	mutex_lock(&kf->split_lock);
	ret = kpool_handle_split(kf, s.handle, s.at, &n.view);
	if (ret)
		goto err_unlock;
	s.new_handle = n.handle;
	if (copy_to_user(uarg, &s, sizeof(s))) {
		/* The right part's reference goes back with its bytes. */
		kpool_handle_unsplit(kf, s.handle, &n.view);
		ret = -EFAULT;
		goto err_unlock;
	}
	mutex_unlock(&kf->split_lock);
	kpool_new_publish(kf, &n);
	return 0;

err_unlock:
	mutex_unlock(&kf->split_lock);
	kpool_new_cancel(kf, &n);
	return ret;
}

static long kpool_ioc_slice(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_slice s;
	struct kpool_view v, part;
	int ret;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	ret = kpool_handle_get(kf, s.handle, &v);
	if (ret)
		return ret;
	ret = s.start > s.end || s.end > v.len ? -EINVAL :
	      kpool_view_slice(&v, s.start, s.end, &part);
	kpool_view_put(&v);
	if (ret)
		return ret;
	return kpool_install(kf, &part, &(struct kpool_reply){
		.uarg = uarg, .karg = &s, .size = sizeof(s),
		.handle = &s.new_handle });
}

/**
 * kpool_view_info() - describe a view for user space (KPOOL_IOC_INFO).
 * @v: the view.
 * @handle: the handle it was found by, or 0 for an exported file's view
 *	(whose mmap offset is then 0).
 * @own_refs: references on the buffer that the caller holds only for the
 *	call, not counted.
 * @info: filled whole; no byte of kernel stack leaks through padding.
 */
void kpool_view_info(const struct kpool_view *v, u32 handle, u32 own_refs,
		     struct kpool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	info->tier = v->buf->tier;
	info->offset = v->offset;
	info->length = v->len;
	info->capacity = v->buf->capacity;
	info->mmap_offset = handle ? kpool_mmap_offset(handle) : 0;
	info->refs = kpool_buf_refs(v->buf) - own_refs;
	info->flags = kpool_view_mappable(v) |
		      (v->readonly ? KPOOL_INFO_READONLY : 0);
}

static long kpool_ioc_info(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_info info;
	struct kpool_view v;
	u32 handle;
	int ret;

	if (get_user(handle, (u32 __user *)uarg))
		return -EFAULT;
	ret = kpool_handle_get(kf, handle, &v);
	if (ret)
		return ret;
	/* Not counting the reference this call holds. */
	kpool_view_info(&v, handle, 1, &info);
	kpool_view_put(&v);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * Copy between a view and user memory as memmove() would, even when the
 * user memory is a mapping of the same bytes: through a bounce buffer,
 * which also makes a WRITE all or nothing (copy_from_user() zero-fills
 * what it could not copy, and the view must not see that).
 */
static int kpool_rw_view(const struct kpool_view *v, u64 off,
			 void __user *data, u64 len, bool write)
{
	void *bounce;
	int ret = 0;

	if (!len)
		return 0;
	bounce = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!bounce)
		return -ENOMEM;
	if (write) {
		if (copy_from_user(bounce, data, len))
			ret = -EFAULT;
		else
			memcpy(kpool_view_data(v) + off, bounce, len);
	} else {
		memcpy(bounce, kpool_view_data(v) + off, len);
		if (copy_to_user(data, bounce, len))
			ret = -EFAULT;
	}
	kvfree(bounce);
	return ret;
}

static long kpool_ioc_rw(struct file *file, void __user *uarg, bool write)
{
	struct kpool_file *kf = file->private_data;
	struct kpool_rw rw;
	struct kpool_view v;
	int ret;

	/* As read(2) and write(2): EBADF on a file not opened for it. */
	if (!(file->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (copy_from_user(&rw, uarg, sizeof(rw)))
		return -EFAULT;
	if (rw.flags)
		return -EINVAL;
	ret = kpool_handle_get(kf, rw.handle, &v);
	if (ret)
		return ret;
	if (write && v.readonly)
		ret = -EPERM;
	else if (rw.length > v.len || rw.offset > v.len - rw.length)
		ret = -EINVAL;
	else	/* Our own reference keeps the memory; no lock is held. */
		ret = kpool_rw_view(&v, rw.offset, u64_to_user_ptr(rw.data),
				    rw.length, write);
	kpool_view_put(&v);
	return ret;
}

/*
 * Check every handle of a MATERIALIZE before anything is allocated, so
 * that argument errors come before resource errors: ENOENT for a handle
 * that is not there, E2BIG when several views add up to more than a
 * buffer may hold, EINVAL when several add up to nothing (a new buffer of
 * 0 bytes, which ALLOC refuses too).  The handles may still change before
 * they are gathered; kpool_gather() sees that.
 */
static int kpool_materialize_check(struct kpool_file *kf, const u32 *handles,
				   u32 count)
{
	struct kpool_view v;
	u64 len = 0;
	u32 i;
	int ret;

	for (i = 0; i < count; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = kpool_handle_get(kf, handles[i], &v);
		if (ret)
			return ret;
		len += v.len;
		kpool_view_put(&v);
	}
	if (count == 1)
		return 0;
	return kpool_size_check(len);
}

/* Look up every handle into @s, which has room for @count views. */
static int kpool_gather(struct kpool_file *kf, const u32 *handles, u32 count,
			struct kpool_bufslice *s)
{
	u32 i;
	int ret;

	for (i = 0; i < count; i++) {
		ret = fatal_signal_pending(current) ? -EINTR :
		      kpool_handle_get(kf, handles[i], &s->views[i]);
		if (ret)
			return ret;
		/* The slice owns the new reference. */
		s->nr++;
	}
	return 0;
}

/*
 * One view of all of @s, as kpool_bufslice_materialize() makes it, but
 * with a new buffer charged to @kf.  A result of 0 bytes from several
 * views is the kernel API's empty view, which no handle can hold: EINVAL,
 * as kpool_materialize_check() says first unless a racing SPLIT changed
 * the views since.
 */
static int kpool_materialize(struct kpool_file *kf,
			     const struct kpool_bufslice *s,
			     struct kpool_view *out)
{
	size_t len = kpool_bufslice_len(s);
	int ret;

	if (s->nr == 1) {
		kpool_view_get(&s->views[0], out);
		return 0;
	}
	ret = kpool_size_check(len);
	if (ret)
		return ret;
	ret = kpool_alloc_view(kf, len, out);
	if (!ret)
		kpool_bufslice_copy_to(s, kpool_view_data(out), len);
	return ret;
}

static long kpool_ioc_materialize(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_materialize m;
	struct kpool_bufslice s;
	struct kpool_view v;
	u32 *handles;
	int ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	handles = kpool_handles_from_user(m.handles, m.count);
	if (IS_ERR(handles))
		return PTR_ERR(handles);
	ret = kpool_materialize_check(kf, handles, m.count);
	if (ret)
		goto out_handles;
	kpool_bufslice_init(&s);
	s.views = kvcalloc(m.count, sizeof(*s.views), GFP_KERNEL_ACCOUNT);
	if (!s.views) {
		ret = -ENOMEM;
		goto out_handles;
	}
	s.cap = m.count;
	ret = kpool_gather(kf, handles, m.count, &s);
	if (!ret)
		ret = kpool_materialize(kf, &s, &v);
	kpool_bufslice_put(&s);
	if (ret)
		goto out_handles;
	trace_kpool_materialize(v.buf, v.len);
	kvfree(handles);
	m.length = v.len;
	return kpool_install(kf, &v, &(struct kpool_reply){
		.uarg = uarg, .karg = &m, .size = sizeof(m),
		.handle = &m.new_handle });

out_handles:
	kvfree(handles);
	return ret;
}

/* An exported file or dma-buf of @v, not yet installed: its file. */
static struct file *kpool_export_make(const struct kpool_view *v, u32 flags)
{
	/* A read-only handle makes a read-only file, whatever the flags. */
	bool readonly = flags & KPOOL_EXPORT_RDONLY;
	struct dma_buf *dmabuf;

	if (!(flags & KPOOL_EXPORT_DMABUF))
		return kpool_export_file(v, readonly);
	dmabuf = kpool_dmabuf_export(v, readonly);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);
	/* The dma-buf's file holds the dma-buf; fput() releases both. */
	return dmabuf->file;
}

static long kpool_ioc_export(struct file *dev, void __user *uarg)
{
	struct kpool_file *kf = dev->private_data;
	struct kpool_export e;
	struct kpool_view v;
	struct file *file;
	int ret, fd;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	if ((e.flags & ~(O_CLOEXEC | KPOOL_EXPORT_RDONLY |
			 KPOOL_EXPORT_DMABUF)) || e.pad)
		return -EINVAL;
	/* Only a writable open may make a writable file. */
	if (!(dev->f_mode & FMODE_WRITE) && !(e.flags & KPOOL_EXPORT_RDONLY))
		return -EBADF;
	ret = kpool_handle_get(kf, e.handle, &v);
	if (ret)
		return ret;
	/*
	 * A dma-buf covers whole pages: a view below a page has none.
	 * kpool_dmabuf_export() refuses it too; asking here first keeps
	 * this argument error ahead of EMFILE from the fd table.
	 */
	if ((e.flags & KPOOL_EXPORT_DMABUF) && !kpool_view_span(&v)) {
		ret = -EINVAL;
		goto out;
	}
	fd = get_unused_fd_flags(e.flags & O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	file = kpool_export_make(&v, e.flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	e.fd = fd;
	if (copy_to_user(uarg, &e, sizeof(e))) {
		ret = -EFAULT;
		goto err_file;
	}
	/* Installed last: from here on the fd is the process's, not ours. */
	fd_install(fd, file);
	goto out;

err_file:
	fput(file);
err_fd:
	put_unused_fd(fd);
out:
	kpool_view_put(&v);
	return ret;
}

static long kpool_ioc_import(struct kpool_file *kf, void __user *uarg)
{
	struct kpool_import im;
	struct kpool_view v;
	int ret;

	if (copy_from_user(&im, uarg, sizeof(im)))
		return -EFAULT;
	ret = kpool_import_fd(im.fd, &v);
	if (ret)
		return ret;
	return kpool_install(kf, &v, &(struct kpool_reply){
		.uarg = uarg, .karg = &im, .size = sizeof(im),
		.handle = &im.new_handle });
}

/*
 * The one place that reads a tier's counters for user space: its row, and
 * its spills where the caller has room for them (not for the fallback).
 */
static void kpool_row(struct kpool_tier_stats *row, u64 *spills,
		      const struct kpool_tier *t)
{
	struct kpool_totals sum;

	kpool_tier_totals(t, &sum);
	row->size = t->size;
	row->in_use = sum.in_use;
	row->allocs = sum.allocs;
	row->frees = sum.frees;
	if (spills)
		*spills = sum.spills;
}

/* @usize: the caller's size of struct kpool_stats, at least VER0. */
static long kpool_ioc_stats(void __user *uarg, size_t usize)
{
	struct kpool_pool *pool = kpool_default_pool();
	struct kpool_stats *st;
	unsigned int i;
	long ret = 0;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->ntiers = pool->ntiers;
	st->bytes_in_use = kpool_pool_bytes_in_use(pool);
	st->handles = kpool_stat_read(KPOOL_STAT_HANDLES);
	st->mappings = kpool_stat_read(KPOOL_STAT_MAPPINGS);
	st->exports = kpool_stat_read(KPOOL_STAT_EXPORTS);
	for (i = 0; i < pool->ntiers; i++) {
		kpool_row(&st->tier[i], &st->spills[i], &pool->tier[i]);
		if (pool->tier[i].costly)
			st->costly |= BIT(i);
	}
	kpool_row(&st->fallback, NULL, &pool->fallback);
	/* An older caller gets the fields it knows, and no more. */
	if (copy_to_user(uarg, st, min(usize, sizeof(*st))))
		ret = -EFAULT;
	kfree(st);
	return ret;
}

/* What this module can do: KPOOL_FEATURE_* of the user ABI. */
static u64 kpool_features(void)
{
	u64 f = KPOOL_FEATURE_RDONLY | KPOOL_FEATURE_EXPORT_INFO |
		KPOOL_FEATURE_USER_QUOTA | KPOOL_FEATURE_STATS_SPILLS |
		KPOOL_FEATURE_FDINFO;

	if (IS_ENABLED(CONFIG_DMA_SHARED_BUFFER))
		f |= KPOOL_FEATURE_DMABUF;
	if (IS_ENABLED(CONFIG_TRACEPOINTS))
		f |= KPOOL_FEATURE_TRACEPOINTS;
	return f;
}

static long kpool_ioc_version(void __user *uarg)
{
	struct kpool_version ver = {
		.major = KPOOL_VERSION_MAJOR,
		.minor = KPOOL_VERSION_MINOR,
		.patch = KPOOL_VERSION_PATCH,
		.features = kpool_features(),
	};

	return copy_to_user(uarg, &ver, sizeof(ver)) ? -EFAULT : 0;
}

/*
 * The first published size of each structure.  Only a structure listed
 * with a _VER1 size has grown; every other one must still have its first
 * size, or its handler would have to read it with copy_struct_from_user().
 */
static_assert(sizeof(struct kpool_alloc) == KPOOL_ALLOC_SIZE_VER0);
static_assert(sizeof(struct kpool_alloc_batch) == KPOOL_ALLOC_BATCH_SIZE_VER0);
static_assert(sizeof(struct kpool_handle_arg) == KPOOL_HANDLE_ARG_SIZE_VER0);
static_assert(sizeof(struct kpool_free_batch) == KPOOL_FREE_BATCH_SIZE_VER0);
static_assert(sizeof(struct kpool_dup) == KPOOL_DUP_SIZE_VER0);
static_assert(sizeof(struct kpool_split) == KPOOL_SPLIT_SIZE_VER0);
static_assert(sizeof(struct kpool_slice) == KPOOL_SLICE_SIZE_VER0);
static_assert(sizeof(struct kpool_info) == KPOOL_INFO_SIZE_VER0);
static_assert(sizeof(struct kpool_rw) == KPOOL_RW_SIZE_VER0);
static_assert(sizeof(struct kpool_materialize) == KPOOL_MATERIALIZE_SIZE_VER0);
static_assert(sizeof(struct kpool_export) == KPOOL_EXPORT_SIZE_VER0);
static_assert(sizeof(struct kpool_import) == KPOOL_IMPORT_SIZE_VER0);
static_assert(offsetof(struct kpool_stats, spills) == KPOOL_STATS_SIZE_VER0);
static_assert(sizeof(struct kpool_stats) == KPOOL_STATS_SIZE_VER1);
static_assert(sizeof(struct kpool_version) == KPOOL_VERSION_SIZE_VER0);

/**
 * struct kpool_ioc - one ioctl of /dev/kpool, for the size rule.
 * @cmd: its number as this module defines it (its structure's newest size).
 * @ver0: the first published size of its structure.
 */
struct kpool_ioc {
	unsigned int cmd;
	u32 ver0;
};

static const struct kpool_ioc kpool_iocs[] = {
	[_IOC_NR(KPOOL_IOC_ALLOC)] = { KPOOL_IOC_ALLOC, KPOOL_ALLOC_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_ALLOC_BATCH)] = { KPOOL_IOC_ALLOC_BATCH, KPOOL_ALLOC_BATCH_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_FREE)] = { KPOOL_IOC_FREE, KPOOL_HANDLE_ARG_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_FREE_BATCH)] = { KPOOL_IOC_FREE_BATCH, KPOOL_FREE_BATCH_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_DUP)] = { KPOOL_IOC_DUP, KPOOL_DUP_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_SPLIT)] = { KPOOL_IOC_SPLIT, KPOOL_SPLIT_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_SLICE)] = { KPOOL_IOC_SLICE, KPOOL_SLICE_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_INFO)] = { KPOOL_IOC_INFO, KPOOL_INFO_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_READ)] = { KPOOL_IOC_READ, KPOOL_RW_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_WRITE)] = { KPOOL_IOC_WRITE, KPOOL_RW_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_MATERIALIZE)] = { KPOOL_IOC_MATERIALIZE, KPOOL_MATERIALIZE_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_EXPORT)] = { KPOOL_IOC_EXPORT, KPOOL_EXPORT_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_IMPORT)] = { KPOOL_IOC_IMPORT, KPOOL_IMPORT_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_STATS)] = { KPOOL_IOC_STATS, KPOOL_STATS_SIZE_VER0 },
	[_IOC_NR(KPOOL_IOC_VERSION)] = { KPOOL_IOC_VERSION, KPOOL_VERSION_SIZE_VER0 },
};

/**
 * kpool_ioc_size() - apply the user ABI's size rule to an ioctl number.
 * @cmd: the number the caller passed.
 * @known: the ioctl it may be, as this module defines it.
 * @ver0: the first published size of @known's structure.
 * @uarg: the caller's argument.
 *
 * @cmd is @known when type, number and direction agree and its size is at
 * least @ver0.  Input beyond the module's structure must be zero (as
 * copy_struct_from_user() wants it); output beyond it is zeroed here,
 * before the handler writes its own part, so a handler copies out at most
 * min(its size, the caller's).  A caller's size below the module's (an
 * older program) is the handler's to honour: only structures that grew
 * (struct kpool_stats) can see one.
 *
 * Context: process context.
 * Return: the caller's size; -ENOTTY when @cmd is not @known at any size;
 * -E2BIG when input beyond the module's structure is not zero; -EFAULT.
 */
long kpool_ioc_size(unsigned int cmd, unsigned int known, u32 ver0,
		    void __user *uarg)
{
	size_t usize = _IOC_SIZE(cmd), ksize = _IOC_SIZE(known);
	int ret;

	if (_IOC_TYPE(cmd) != _IOC_TYPE(known) ||
	    _IOC_NR(cmd) != _IOC_NR(known) ||
	    _IOC_DIR(cmd) != _IOC_DIR(known) || usize < ver0)
		return -ENOTTY;
	if (usize <= ksize)
		return usize;
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = check_zeroed_user(uarg + ksize, usize - ksize);
		if (ret <= 0)
			return ret ?: -E2BIG;
	} else if (clear_user(uarg + ksize, usize - ksize)) {
		return -EFAULT;
	}
	return usize;
}

static long kpool_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct kpool_file *kf = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct kpool_ioc *ioc;
	unsigned int nr = _IOC_NR(cmd);
	long usize;

	if (_IOC_TYPE(cmd) != KPOOL_IOC_MAGIC || nr >= ARRAY_SIZE(kpool_iocs))
		return -ENOTTY;
	ioc = &kpool_iocs[array_index_nospec(nr, ARRAY_SIZE(kpool_iocs))];
	if (!ioc->ver0)
		return -ENOTTY;
	usize = kpool_ioc_size(cmd, ioc->cmd, ioc->ver0, uarg);
	if (usize < 0)
		return usize;

	/* From here on, the ioctl as this module defines it. */
	switch (ioc->cmd) {
	case KPOOL_IOC_ALLOC:
		return kpool_ioc_alloc(kf, uarg);
	case KPOOL_IOC_ALLOC_BATCH:
		return kpool_ioc_alloc_batch(kf, uarg);
	case KPOOL_IOC_FREE:
		return kpool_ioc_free(kf, uarg);
	case KPOOL_IOC_FREE_BATCH:
		return kpool_ioc_free_batch(kf, uarg);
	case KPOOL_IOC_DUP:
		return kpool_ioc_dup(kf, uarg);
	case KPOOL_IOC_SPLIT:
		return kpool_ioc_split(kf, uarg);
	case KPOOL_IOC_SLICE:
		return kpool_ioc_slice(kf, uarg);
	case KPOOL_IOC_INFO:
		return kpool_ioc_info(kf, uarg);
	case KPOOL_IOC_READ:
		return kpool_ioc_rw(file, uarg, false);
	case KPOOL_IOC_WRITE:
		return kpool_ioc_rw(file, uarg, true);
	case KPOOL_IOC_MATERIALIZE:
		return kpool_ioc_materialize(kf, uarg);
	case KPOOL_IOC_EXPORT:
		return kpool_ioc_export(file, uarg);
	case KPOOL_IOC_IMPORT:
		return kpool_ioc_import(kf, uarg);
	case KPOOL_IOC_STATS:
		return kpool_ioc_stats(uarg, usize);
	case KPOOL_IOC_VERSION:
		return kpool_ioc_version(uarg);
	default:
		return -ENOTTY;
	}
}

static int kpool_open(struct inode *inode, struct file *file)
{
	struct kpool_file *kf = kpool_file_alloc(file->f_cred->uid);

	if (!kf)
		return -ENOMEM;
	file->private_data = kf;
	return 0;
}

static int kpool_release(struct inode *inode, struct file *file)
{
	/* Mappings and exported files keep their own references. */
	kpool_file_free(file->private_data);
	return 0;
}

/* The file this table's mappings hold, made at the first mmap(). */
static struct file *kpool_file_mapfile(struct kpool_file *kf)
{
	/* Pairs with the cmpxchg(): the file is complete when seen. */
	struct file *file = smp_load_acquire(&kf->mapfile), *old;

	if (file)
		return file;
	file = kpool_mapfile_create();
	if (IS_ERR(file))
		return file;
	/* The table owns this reference; a racing mmap() may have won. */
	old = cmpxchg(&kf->mapfile, NULL, file);
	if (old) {
		fput(file);
		return old;
	}
	return file;
}

/*
 * /proc/PID/fdinfo/FD of a /dev/kpool file, as DRM and dma-buf show
 * theirs: its handles, the distinct buffers they refer to, and the bytes
 * charged to the file (buffers allocated through it and still alive,
 * wherever their references are) with the file's limit.
 */
static void kpool_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kpool_file *kf = file->private_data;
	long bufs = kpool_file_nr_buffers(kf);

	seq_printf(m, "kpool-handles:\t%u\n", kpool_file_nr_handles(kf));
	if (bufs >= 0)
		seq_printf(m, "kpool-buffers:\t%ld\n", bufs);
	seq_printf(m, "kpool-bytes:\t%llu\n", kpool_account_bytes(kf->acct));
	seq_printf(m, "kpool-bytes-limit:\t%llu\n", kf->acct->limit);
}

/* The offset is a handle's mmap_offset: the handle, in pages. */
static int kpool_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kpool_file *kf = file->private_data;
	struct file *mapfile;
	struct kpool_view v;
	int ret;

	if (vma->vm_pgoff > U32_MAX ||
	    kpool_handle_get(kf, vma->vm_pgoff, &v))
		return -EINVAL;
	/* The mapping holds the table's map file, not this one. */
	mapfile = kpool_file_mapfile(kf);
	ret = IS_ERR(mapfile) ? PTR_ERR(mapfile) :
	      kpool_mmap_view(vma, &v, mapfile);
	kpool_view_put(&v);
	return ret;
}

static const struct file_operations kpool_fops = {
	.owner = THIS_MODULE,
	.open = kpool_open,
	.release = kpool_release,
	.unlocked_ioctl = kpool_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kpool_mmap,
	.llseek = no_llseek,
	.show_fdinfo = kpool_show_fdinfo,
};

static struct miscdevice kpool_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kpool",
	.fops = &kpool_fops,
	.mode = 0666,
};

/**
 * kpool_dev_init() - register /dev/kpool.
 *
 * Return: 0 or a negative errno of misc_register().
 */
int kpool_dev_init(void)
{
	return misc_register(&kpool_misc);
}

/**
 * kpool_dev_exit() - unregister /dev/kpool.
 */
void kpool_dev_exit(void)
{
	misc_deregister(&kpool_misc);
}
