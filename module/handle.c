// SPDX-License-Identifier: GPL-2.0
/*
 * kpool handle tables: one per open file of /dev/kpool.
 *
 * A handle is one reference to one view.  Handles are allocated cyclically
 * from 1 up, so a stale handle finds nothing rather than a stranger's view.
 * A new handle is first reserved (which may fail: EMFILE, ENOMEM), then
 * published once its view is complete (which cannot fail), so no other
 * thread ever sees a half-made handle.  Removal takes the entry out of the
 * table under the lock, and only the caller that took it out drops its
 * reference: racing frees of one handle give exactly one success.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "internal.h"

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
	xa_init_flags(&kf->handles, XA_FLAGS_ALLOC1);
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
	struct kpool_view *entry;
	unsigned long index;

	xa_for_each(&kf->handles, index, entry) {
		/* The table's reference on the view goes with the table. */
		kpool_view_put(entry);
		kfree(entry);
		atomic64_dec(&kpool_nr_handles);
		/* A table may hold max_file_handles entries. */
		cond_resched();
	}
	xa_destroy(&kf->handles);
	mutex_destroy(&kf->split_lock);
	/* Buffers still charged to the file keep the account alive. */
	kpool_account_put(kf->acct);
	kfree(kf);
}

/**
 * kpool_view_box() - move a view into a heap entry for a handle table.
 * @v: the view; on success its reference moves to the entry and @v is
 *	left empty; on failure it is untouched.
 *
 * Context: process context; may sleep.
 * Return: the entry, or NULL.
 */
struct kpool_view *kpool_view_box(struct kpool_view *v)
{
	struct kpool_view *entry = kmalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);

	if (entry) {
		*entry = *v;
		*v = (struct kpool_view){};
	}
	return entry;
}

/**
 * kpool_handle_get() - a new reference to a handle's view.
 * @kf: the table.
 * @handle: the handle.
 * @v: receives a copy of the view, owning a reference of its own.
 *
 * Context: any context.
 * Return: 0, or -ENOENT when @kf holds no such handle.
 */
int kpool_handle_get(struct kpool_file *kf, u32 handle, struct kpool_view *v)
{
	struct kpool_view *entry;
	int ret = -ENOENT;

	/* Under the lock the entry can neither be freed nor split. */
	xa_lock(&kf->handles);
	entry = xa_load(&kf->handles, handle);
	if (entry) {
		kpool_view_get(entry, v);
		ret = 0;
	}
	xa_unlock(&kf->handles);
	return ret;
}

/**
 * kpool_handle_reserve() - reserve a handle number for a view to come.
 * @kf: the table.
 * @handle: receives the number.
 *
 * Context: process context; may sleep.
 * Return: 0, -EMFILE when the table is full (max_file_handles), -ENOMEM.
 */
int kpool_handle_reserve(struct kpool_file *kf, u32 *handle)
{
	int ret;

	if (atomic_inc_return(&kf->nr_handles) > kpool_max_file_handles) {
		ret = -EMFILE;
		goto err_count;
	}
	/* A NULL entry reserves the index: lookups see nothing there yet. */
	ret = xa_alloc_cyclic(&kf->handles, handle, NULL, xa_limit_32b,
			      &kf->next, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_count;
	return 0;

err_count:
	atomic_dec(&kf->nr_handles);
	return ret == -EBUSY ? -EMFILE : ret;
}

/**
 * kpool_handle_unreserve() - give back a reserved, unpublished handle.
 * @kf: the table.
 * @handle: the number kpool_handle_reserve() gave.
 */
void kpool_handle_unreserve(struct kpool_file *kf, u32 handle)
{
	xa_erase(&kf->handles, handle);
	atomic_dec(&kf->nr_handles);
}

/**
 * kpool_handle_publish() - make a reserved handle refer to a view.
 * @kf: the table.
 * @handle: the number kpool_handle_reserve() gave.
 * @entry: the view (from kpool_view_box()); its reference now belongs to
 *	the table.
 *
 * Storing into a reserved slot allocates nothing, so this cannot fail.
 */
void kpool_handle_publish(struct kpool_file *kf, u32 handle,
			  struct kpool_view *entry)
{
	xa_store(&kf->handles, handle, entry, GFP_KERNEL);
	atomic64_inc(&kpool_nr_handles);
}

/**
 * kpool_handle_remove() - drop a handle and the reference it holds.
 * @kf: the table.
 * @handle: the handle.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOENT when @kf holds no such handle (a reserved,
 * unpublished one included: it stays reserved).
 */
int kpool_handle_remove(struct kpool_file *kf, u32 handle)
{
	struct kpool_view *entry;

	xa_lock(&kf->handles);
	entry = xa_load(&kf->handles, handle);
	if (entry)
		__xa_erase(&kf->handles, handle);
	xa_unlock(&kf->handles);
	if (!entry)
		return -ENOENT;

	/* Only the caller that took the entry out gets here: its reference. */
	kpool_view_put(entry);
	kfree(entry);
	atomic_dec(&kf->nr_handles);
	atomic64_dec(&kpool_nr_handles);
	return 0;
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
	struct kpool_view *entry;
	int ret = -ENOENT;

	lockdep_assert_held(&kf->split_lock);
	xa_lock(&kf->handles);
	entry = xa_load(&kf->handles, handle);
	if (entry)
		ret = at > entry->len ? -EINVAL :
		      kpool_view_split(entry, at, right);
	xa_unlock(&kf->handles);
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
	struct kpool_view *entry;

	lockdep_assert_held(&kf->split_lock);
	xa_lock(&kf->handles);
	entry = xa_load(&kf->handles, handle);
	if (entry && !WARN_ON_ONCE(entry->buf != right->buf ||
				   entry->offset + entry->len != right->offset))
		entry->len += right->len;
	xa_unlock(&kf->handles);
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
	return atomic_read(&kf->nr_handles);
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
	struct kpool_view *entry;
	unsigned long index;
	uintptr_t *bufs;
	long distinct;

	if (!max)
		return 0;
	bufs = kvmalloc_array(max, sizeof(*bufs), GFP_KERNEL_ACCOUNT);
	if (!bufs)
		return -ENOMEM;
	/* Only the addresses are kept: nothing is dereferenced later. */
	xa_lock(&kf->handles);
	xa_for_each(&kf->handles, index, entry) {
		if (n == max)
			break;
		bufs[n++] = (uintptr_t)entry->buf;
	}
	xa_unlock(&kf->handles);
	sort(bufs, n, sizeof(*bufs), kpool_ptr_cmp, NULL);
	for (i = 0, distinct = 0; i < n; i++)
		if (!i || bufs[i] != bufs[i - 1])
			distinct++;
	kvfree(bufs);
	return distinct;
}
