// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkpool: the device file, buffers and views, stats, error texts.
 * See libkpool.h for what each function does.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int kpool_open(struct kpool *kp, unsigned int flags)
{
	KP_ERRNO_SAVE();
	int fd;

	if (!kp)
		KP_RETURN(-EINVAL);
	kp->fd = -1;
	if (flags)
		KP_RETURN(-EINVAL);
	fd = open(KPOOL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		KP_RETURN(-errno);
	kp->fd = fd;
	KP_RETURN(0);
}

int kpool_close(struct kpool *kp)
{
	KP_ERRNO_SAVE();
	int fd;

	if (!kp || kp->fd < 0)
		KP_RETURN(-EBADF);
	fd = kp->fd;
	kp->fd = -1;
	/* Linux releases the descriptor even when close() fails (EINTR). */
	KP_RETURN(close(fd) < 0 ? -errno : 0);
}

int kpool_buf_alloc(struct kpool *kp, __u64 size, __u32 *handle,
		    struct kpool_info *info)
{
	KP_ERRNO_SAVE();
	struct kpool_alloc a = { .size = size };
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	if (!handle)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_ALLOC, &a);
	if (ret)
		KP_RETURN(ret);
	*handle = a.handle;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->handle = a.handle;
		info->tier = a.tier;
		info->offset = 0;
		info->length = size;
		info->capacity = a.capacity;
		info->mmap_offset = a.mmap_offset;
		info->refs = 1;
		/* The spec's rule: buffers of a page or more are mappable. */
		info->flags = page > 0 && a.capacity >= (__u64)page ?
			      KPOOL_INFO_MAPPABLE : 0;
	}
	KP_RETURN(0);
}

int kpool_buf_free(struct kpool *kp, __u32 handle)
{
	KP_ERRNO_SAVE();
	struct kpool_handle_arg h = { .handle = handle };

	KP_RETURN(kp_ioctl(kp_fd(kp), KPOOL_IOC_FREE, &h));
}

/* One FREE_BATCH call of 1..KPOOL_BATCH_MAX handles; *done as the ABI's. */
static int kp_free_chunk(int fd, const __u32 *handles, __u32 count,
			 __u32 *done)
{
	struct kpool_free_batch b = {
		.handles = kp_ptr(handles),
		.count = count,
	};
	int ret = kp_ioctl(fd, KPOOL_IOC_FREE_BATCH, &b);

	if (!ret)
		*done = count;
	else
		*done = ret == -ENOENT ? b.done : 0;
	return ret;
}

int kpool_buf_alloc_batch(struct kpool *kp, __u64 size, __u32 *handles,
			  size_t count)
{
	KP_ERRNO_SAVE();
	int fd = kp_fd(kp);
	size_t i, n;
	__u32 done;
	int ret = 0;

	if (!count || !handles)
		KP_RETURN(-EINVAL);
	for (i = 0; i < count; i += n) {
		struct kpool_alloc_batch b = {
			.size = size,
			.handles = kp_ptr(handles + i),
		};

		n = count - i < KPOOL_BATCH_MAX ? count - i : KPOOL_BATCH_MAX;
		b.count = (__u32)n;
		ret = kp_ioctl(fd, KPOOL_IOC_ALLOC_BATCH, &b);
		if (ret)
			break;
	}
	if (ret) {
		/* All or nothing: give back the batches that succeeded. */
		size_t j;

		for (j = 0; j < i; j += n) {
			n = i - j < KPOOL_BATCH_MAX ? i - j : KPOOL_BATCH_MAX;
			kp_free_chunk(fd, handles + j, (__u32)n, &done);
		}
	}
	KP_RETURN(ret);
}

int kpool_buf_free_batch(struct kpool *kp, const __u32 *handles, size_t count,
			 size_t *done)
{
	KP_ERRNO_SAVE();
	int fd = kp_fd(kp);
	size_t i = 0, n;
	__u32 chunk_done;
	int ret = 0;

	if (done)
		*done = 0;
	if (!count || !handles)
		KP_RETURN(-EINVAL);
	for (; i < count; i += n) {
		n = count - i < KPOOL_BATCH_MAX ? count - i : KPOOL_BATCH_MAX;
		ret = kp_free_chunk(fd, handles + i, (__u32)n, &chunk_done);
		if (ret) {
			i += chunk_done;
			break;
		}
	}
	if (done)
		*done = i;
	KP_RETURN(ret);
}

int kpool_buf_dup(struct kpool *kp, __u32 handle, __u32 *new_handle)
{
	KP_ERRNO_SAVE();
	struct kpool_dup d = { .handle = handle };
	int ret;

	if (!new_handle)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_DUP, &d);
	if (!ret)
		*new_handle = d.new_handle;
	KP_RETURN(ret);
}

int kpool_buf_split(struct kpool *kp, __u32 handle, __u64 at, __u32 *tail)
{
	KP_ERRNO_SAVE();
	struct kpool_split s = { .handle = handle, .at = at };
	int ret;

	if (!tail)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_SPLIT, &s);
	if (!ret)
		*tail = s.new_handle;
	KP_RETURN(ret);
}

int kpool_buf_slice(struct kpool *kp, __u32 handle, __u64 start, __u64 end,
		    __u32 *new_handle)
{
	KP_ERRNO_SAVE();
	struct kpool_slice s = { .handle = handle, .start = start, .end = end };
	int ret;

	if (!new_handle)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_SLICE, &s);
	if (!ret)
		*new_handle = s.new_handle;
	KP_RETURN(ret);
}

int kpool_buf_info(struct kpool *kp, __u32 handle, struct kpool_info *info)
{
	KP_ERRNO_SAVE();
	struct kpool_info i = { .handle = handle };
	int ret;

	if (!info)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_INFO, &i);
	if (!ret)
		*info = i;
	KP_RETURN(ret);
}

static int kp_rw(struct kpool *kp, unsigned long request, __u32 handle,
		 __u64 offset, const void *data, size_t len)
{
	struct kpool_rw rw = {
		.handle = handle,
		.offset = offset,
		.length = len,
		.data = kp_ptr(data),
	};

	return kp_ioctl(kp_fd(kp), request, &rw);
}

int kpool_buf_read(struct kpool *kp, __u32 handle, __u64 offset, void *dst,
		   size_t len)
{
	KP_ERRNO_SAVE();

	KP_RETURN(kp_rw(kp, KPOOL_IOC_READ, handle, offset, dst, len));
}

int kpool_buf_write(struct kpool *kp, __u32 handle, __u64 offset,
		    const void *src, size_t len)
{
	KP_ERRNO_SAVE();

	KP_RETURN(kp_rw(kp, KPOOL_IOC_WRITE, handle, offset, src, len));
}

int kpool_buf_materialize(struct kpool *kp, const __u32 *handles, size_t count,
			  __u32 *new_handle, __u64 *length)
{
	KP_ERRNO_SAVE();
	struct kpool_materialize m = { .handles = kp_ptr(handles) };
	int ret;

	if (!handles || !new_handle || !count || count > KPOOL_BATCH_MAX)
		KP_RETURN(-EINVAL);
	m.count = (__u32)count;
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_MATERIALIZE, &m);
	if (!ret) {
		*new_handle = m.new_handle;
		if (length)
			*length = m.length;
	}
	KP_RETURN(ret);
}

/*
 * kpool_stats_get() has two versions in the shared library: programs
 * linked against LIBKPOOL_1.0 have the first struct kpool_stats
 * (KPOOL_STATS_SIZE_VER0 bytes) and get exactly that much, asked for with
 * the first ioctl number; programs linked now get the whole structure.
 * The static library has only the new one.
 */
static int kp_stats(struct kpool *kp, void *stats, size_t size)
{
	struct kpool_stats st;
	int ret;

	if (!stats)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	ret = kp_ioctl(kp_fd(kp), _IOC(_IOC_READ, KPOOL_IOC_MAGIC,
				       _IOC_NR(KPOOL_IOC_STATS), size), &st);
	/* A module older than the grown structure knows only the first. */
	if (ret == -ENOTTY && size > KPOOL_STATS_SIZE_VER0)
		ret = kp_ioctl(kp_fd(kp), _IOC(_IOC_READ, KPOOL_IOC_MAGIC,
					       _IOC_NR(KPOOL_IOC_STATS),
					       KPOOL_STATS_SIZE_VER0), &st);
	if (!ret)
		memcpy(stats, &st, size);
	return ret;
}

#ifdef KP_SHARED
int kp_stats_get_1_0(struct kpool *kp, struct kpool_stats *stats);
int kp_stats_get_1_0(struct kpool *kp, struct kpool_stats *stats)
{
	KP_ERRNO_SAVE();
	KP_RETURN(kp_stats(kp, stats, KPOOL_STATS_SIZE_VER0));
}
__asm__(".symver kp_stats_get_1_0, kpool_stats_get@LIBKPOOL_1.0");
__asm__(".symver kp_stats_get_1_1, kpool_stats_get@@LIBKPOOL_1.1");
#define kpool_stats_get kp_stats_get_1_1
int kpool_stats_get(struct kpool *kp, struct kpool_stats *stats);
#endif

int kpool_stats_get(struct kpool *kp, struct kpool_stats *stats)
{
	KP_ERRNO_SAVE();
	KP_RETURN(kp_stats(kp, stats, sizeof(*stats)));
}

int kpool_version(struct kpool *kp, struct kpool_version *version)
{
	KP_ERRNO_SAVE();
	struct kpool_version v;
	int ret;

	if (!version)
		KP_RETURN(-EINVAL);
	memset(&v, 0, sizeof(v));
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_VERSION, &v);
	if (!ret)
		*version = v;
	KP_RETURN(ret);
}

const char *kpool_strerror(int err)
{
	KP_ERRNO_SAVE();
	const char *s;

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		s = "success";
		break;
	case ENOENT:
		s = "no such handle in this kpool file (never made, already freed, or another file's); from kpool_open(): no /dev/kpool (module not loaded)";
		break;
	case EINVAL:
		s = "invalid argument (size 0, a range outside the view, bad flags, or a view that cannot be mapped)";
		break;
	case E2BIG:
		s = "size above the module's max_buffer_size";
		break;
	case EDQUOT:
		s = "a byte quota would be exceeded: this file's (max_file_bytes) or this user's (max_user_bytes)";
		break;
	case EMFILE:
		s = "too many handles in this file (max_file_handles) or too many open files";
		break;
	case ENOMEM:
		s = "out of memory";
		break;
	case ENOTTY:
		s = "not a kpool device file";
		break;
	case EBADF:
		s = "bad file descriptor (kpool not open, or closed)";
		break;
	case EFAULT:
		s = "bad address";
		break;
	case ENODATA:
		s = "no more data";
		break;
	default:
		s = strerror(err);
		break;
	}
	KP_RETURN(s);
}
