// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkpool: a reader over a list of views, in the manner of gRPC-Go's
 * BufferSlice.Reader.  It holds handles of its own (duplicates of the
 * caller's) and drops each one as soon as its view has been read through.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int kpool_reader_open(struct kpool *kp, struct kpool_reader *r,
		      const __u32 *handles, size_t count)
{
	KP_ERRNO_SAVE();
	struct kpool_reader_view *views = NULL;
	int fd = kp_fd(kp);
	__u64 total = 0;
	size_t i;
	int ret = 0;

	if (!r || (count && !handles))
		KP_RETURN(-EINVAL);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (count) {
		if (count > SIZE_MAX / sizeof(*views))
			KP_RETURN(-ENOMEM);
		views = calloc(count, sizeof(*views));
		if (!views)
			KP_RETURN(-ENOMEM);
	}
	for (i = 0; i < count; i++) {
		struct kpool_dup d = { .handle = handles[i] };
		struct kpool_info info = { 0 };

		ret = kp_ioctl(fd, KPOOL_IOC_DUP, &d);
		if (ret)
			break;
		/* The reader's own handle: nobody else frees or splits it. */
		info.handle = d.new_handle;
		ret = kp_ioctl(fd, KPOOL_IOC_INFO, &info);
		if (ret) {
			struct kpool_handle_arg h = { .handle = d.new_handle };

			kp_ioctl(fd, KPOOL_IOC_FREE, &h);
			break;
		}
		views[i].handle = d.new_handle;
		views[i].length = info.length;
		total += info.length;
	}
	if (ret) {
		while (i--) {
			struct kpool_handle_arg h = { .handle = views[i].handle };

			kp_ioctl(fd, KPOOL_IOC_FREE, &h);
		}
		free(views);
		KP_RETURN(ret);
	}
	r->fd = fd;
	r->views = views;
	r->count = count;
	r->remaining = total;
	KP_RETURN(0);
}

/* Drop the reader's handle on view @i (best effort: it is ours alone). */
static int kp_reader_drop(struct kpool_reader *r, size_t i)
{
	struct kpool_handle_arg h = { .handle = r->views[i].handle };

	return kp_ioctl(r->fd, KPOOL_IOC_FREE, &h);
}

int kpool_reader_close(struct kpool_reader *r)
{
	KP_ERRNO_SAVE();
	int ret = 0, err;
	size_t i;

	if (!r)
		KP_RETURN(-EINVAL);
	for (i = r->first; i < r->count; i++) {
		err = kp_reader_drop(r, i);
		if (err && !ret)
			ret = err;
	}
	free(r->views);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	KP_RETURN(ret);
}

/*
 * Move past @n bytes (n <= remaining): every view read to its end, and
 * every empty one on the way, is dropped there and then.
 */
static void kp_reader_consume(struct kpool_reader *r, __u64 n)
{
	r->remaining -= n;
	while (r->first < r->count) {
		struct kpool_reader_view *v = &r->views[r->first];
		__u64 step = v->length - r->offset;

		if (step > n)
			step = n;
		r->offset += step;
		n -= step;
		if (r->offset < v->length)
			break;
		kp_reader_drop(r, r->first);
		r->first++;
		r->offset = 0;
	}
}

/*
 * Copy up to @len bytes from the reader's position into @dst without
 * consuming them.  Return the count copied; when the kernel refuses the
 * first piece, its -errno.
 */
static ssize_t kp_reader_copy(const struct kpool_reader *r, void *dst,
			      size_t len)
{
	size_t i = r->first, done = 0;
	__u64 off = r->offset;

	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	if (len > r->remaining)
		len = (size_t)r->remaining;
	for (; done < len && i < r->count; i++, off = 0) {
		const struct kpool_reader_view *v = &r->views[i];
		__u64 piece = v->length - off;
		struct kpool_rw rw = { .handle = v->handle, .offset = off };
		int ret;

		if (piece > len - done)
			piece = len - done;
		if (!piece)
			continue;
		rw.length = piece;
		rw.data = kp_ptr((char *)dst + done);
		ret = kp_ioctl(r->fd, KPOOL_IOC_READ, &rw);
		if (ret)
			return done ? (ssize_t)done : ret;
		done += (size_t)piece;
	}
	return (ssize_t)done;
}

ssize_t kpool_reader_read(struct kpool_reader *r, void *dst, size_t len)
{
	KP_ERRNO_SAVE();
	ssize_t n;

	if (!r)
		KP_RETURN(-EINVAL);
	n = kp_reader_copy(r, dst, len);
	if (n > 0)
		kp_reader_consume(r, (__u64)n);
	KP_RETURN(n);
}

int kpool_reader_read_byte(struct kpool_reader *r, unsigned char *byte)
{
	KP_ERRNO_SAVE();
	ssize_t n;

	if (!r || !byte)
		KP_RETURN(-EINVAL);
	n = kp_reader_copy(r, byte, 1);
	if (n < 0)
		KP_RETURN((int)n);
	if (!n)
		KP_RETURN(-ENODATA);
	kp_reader_consume(r, 1);
	KP_RETURN(0);
}

ssize_t kpool_reader_peek(const struct kpool_reader *r, void *dst, size_t len)
{
	KP_ERRNO_SAVE();

	if (!r)
		KP_RETURN(-EINVAL);
	KP_RETURN(kp_reader_copy(r, dst, len));
}

ssize_t kpool_reader_discard(struct kpool_reader *r, size_t len)
{
	KP_ERRNO_SAVE();
	__u64 n = len;

	if (!r)
		KP_RETURN(-EINVAL);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (n > r->remaining)
		n = r->remaining;
	kp_reader_consume(r, n);
	KP_RETURN((ssize_t)n);
}

__u64 kpool_reader_remaining(const struct kpool_reader *r)
{
	return r ? r->remaining : 0;
}
