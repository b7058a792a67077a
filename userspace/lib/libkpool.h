/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libkpool - a small C library over /dev/kpool.
 *
 * The kernel's ABI is <linux/kpool.h>; this header includes it, so its
 * structures (struct kpool_info, struct kpool_stats), limits
 * (KPOOL_BATCH_MAX, KPOOL_MAX_TIERS) and constants (KPOOL_TIER_FALLBACK,
 * KPOOL_INFO_MAPPABLE) are available here too.
 *
 * Conventions, for every function below:
 *  - It returns 0 (or a count, where it says so) on success and a negative
 *    errno on failure (kpool_strerror() returns a string, and
 *    kpool_reader_remaining() a count that cannot fail).  It never reports
 *    through errno, and it leaves errno as it found it.
 *  - Results come back through out-parameters.  A handle is a __u32, never
 *    0, valid only on the struct kpool (open file) it came from.
 *  - There is no global state: the caller owns a struct kpool (one open
 *    file, one handle table), and the small structs for mappings and
 *    readers.  Calls on one struct kpool may come from several threads at
 *    once; a struct kpool_map or struct kpool_reader belongs to one thread
 *    at a time.
 *  - Names are kpool_<object>_<verb>, in pairs: kpool_open()/kpool_close(),
 *    kpool_buf_alloc()/kpool_buf_free(), kpool_buf_map()/kpool_buf_unmap(),
 *    kpool_buf_export()/kpool_buf_import(),
 *    kpool_reader_open()/kpool_reader_close().
 *
 * Build with: cc prog.c $(pkg-config --cflags --libs kpool)
 * The man page libkpool(3) says the same as the comments here.
 */
#ifndef LIBKPOOL_H
#define LIBKPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/kpool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is versioned with the header (the project's one version). */
#define LIBKPOOL_VERSION_MAJOR	KPOOL_VERSION_MAJOR
#define LIBKPOOL_VERSION_MINOR	KPOOL_VERSION_MINOR
#define LIBKPOOL_VERSION_PATCH	KPOOL_VERSION_PATCH

/* The device kpool_open() opens. */
#define KPOOL_DEVICE		"/dev/kpool"

/**
 * struct kpool - one open file of /dev/kpool and its handle table.
 * @fd: the file descriptor (close-on-exec), or -1 when not open.  It may
 *	be used directly with ioctl(2) and mmap(2).
 */
struct kpool {
	int fd;
};

/**
 * struct kpool_map - a view mapped into this process.
 * @addr: the view's first byte.
 * @length: bytes of the view, all reachable from @addr.
 * @map_addr: private: where the mapping starts (the page holding @addr).
 * @map_length: private: the mapping's length (whole pages).
 */
struct kpool_map {
	void *addr;
	__u64 length;
	void *map_addr;
	size_t map_length;
};

/**
 * struct kpool_reader_view - private: one view a reader holds.
 * @handle: the reader's own handle on the view.
 * @pad: zero.
 * @length: bytes in the view.
 */
struct kpool_reader_view {
	__u32 handle;
	__u32 pad;
	__u64 length;
};

/**
 * struct kpool_reader - reads the bytes of a list of views in order.
 * All fields are private; use the kpool_reader_*() functions.
 * @fd: the device file the reader's handles live in.
 * @views: the reader's own handles, one per view.
 * @count: entries in @views.
 * @first: the first view not yet read through.
 * @offset: bytes of @views[@first] already read.
 * @remaining: bytes left to read.
 */
struct kpool_reader {
	int fd;
	struct kpool_reader_view *views;
	size_t count;
	size_t first;
	__u64 offset;
	__u64 remaining;
};

/**
 * kpool_open() - open /dev/kpool: a new, empty handle table.
 * @kp: receives the open file; @kp->fd is -1 on failure.
 * @flags: must be 0.
 *
 * The file is opened read-write and close-on-exec.  A process may open the
 * device several times; each struct kpool has its own handles.
 *
 * Return: 0; -EINVAL for non-zero @flags or a NULL @kp; the errno of
 * open(2) otherwise, e.g. -ENOENT when /dev/kpool does not exist (the
 * module is not loaded) or -EACCES.
 */
int kpool_open(struct kpool *kp, unsigned int flags);

/**
 * kpool_close() - close the file: every handle it holds is dropped.
 * @kp: an open struct kpool; @kp->fd is -1 afterwards.
 *
 * Mappings (struct kpool_map), exported file descriptors and imported
 * handles in other files hold their own references and stay valid.
 *
 * Return: 0; -EBADF when @kp is not open (closed twice).
 */
int kpool_close(struct kpool *kp);

/**
 * kpool_buf_alloc() - allocate one zero-filled buffer.
 * @kp: an open struct kpool.
 * @size: bytes wanted, 1 to the module's max_buffer_size.
 * @handle: receives the new handle; its view is [0, @size).
 * @info: optional (may be NULL): receives the description of the new view
 *	as kpool_buf_info() would give it: @handle, its tier
 *	(%KPOOL_TIER_FALLBACK above the largest tier), offset 0, length
 *	@size, the buffer's capacity (the tier's size; page-rounded @size for
 *	the fallback), its mmap offset, refs 1, and %KPOOL_INFO_MAPPABLE
 *	when the capacity is at least a page.
 *
 * The buffer comes from the smallest tier that holds @size, or from the
 * fallback.  It is zero-filled over its whole capacity.
 *
 * Return: 0; -EINVAL for @size 0 or a NULL @handle; -E2BIG for @size above
 * max_buffer_size; -EDQUOT when the file's byte quota (max_file_bytes)
 * would be exceeded; -EMFILE at the file's handle limit
 * (max_file_handles); -ENOMEM; -EBADF or -ENOTTY when @kp is not an open
 * kpool file.
 */
int kpool_buf_alloc(struct kpool *kp, __u64 size, __u32 *handle,
		    struct kpool_info *info);

/**
 * kpool_buf_free() - drop one handle.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 *
 * The buffer goes back to its tier when its last reference goes (handles
 * in any file, mappings, exported files).
 *
 * Return: 0; -ENOENT when @kp holds no such handle (never made, already
 * freed, or another file's).
 */
int kpool_buf_free(struct kpool *kp, __u32 handle);

/**
 * kpool_buf_alloc_batch() - allocate @count buffers of one size.
 * @kp: an open struct kpool.
 * @size: bytes per buffer, as for kpool_buf_alloc().
 * @handles: receives @count handles, on success only.
 * @count: 1 or more; above %KPOOL_BATCH_MAX the work is done in several
 *	calls to the kernel.
 *
 * All or nothing: on failure no buffer is left allocated (batches that
 * succeeded before the failing one are freed again).
 *
 * Return: 0; -EINVAL for @count 0, @size 0 or a NULL @handles; otherwise
 * as kpool_buf_alloc().
 */
int kpool_buf_alloc_batch(struct kpool *kp, __u64 size, __u32 *handles,
			  size_t count);

/**
 * kpool_buf_free_batch() - drop many handles, in order.
 * @kp: an open struct kpool.
 * @handles: @count handles of @kp.
 * @count: 1 or more; above %KPOOL_BATCH_MAX the work is done in several
 *	calls to the kernel.
 * @done: optional (may be NULL): receives the number of handles dropped;
 *	on -ENOENT, the index in @handles of the first one that was not
 *	valid (those before it are dropped, it and those after it are not
 *	touched).
 *
 * Return: 0 when all were dropped; -ENOENT at the first handle that is not
 * valid; -EINVAL for @count 0 or a NULL @handles.
 */
int kpool_buf_free_batch(struct kpool *kp, const __u32 *handles, size_t count,
			 size_t *done);

/**
 * kpool_buf_dup() - a second handle on the same view.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 * @new_handle: receives the new handle, one more reference to the view.
 *
 * Return: 0; -ENOENT; -EMFILE; -ENOMEM; -EINVAL for a NULL @new_handle.
 */
int kpool_buf_dup(struct kpool *kp, __u32 handle, __u32 *new_handle);

/**
 * kpool_buf_split() - cut a view in two, without copying.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp; it keeps [0, @at) of its view.
 * @at: where to cut: 0 to the view's length.
 * @tail: receives a new handle on [@at, length) of the view.
 *
 * Both views share the buffer: a byte written through one handle (or
 * mapping) of it is seen through every other.
 *
 * Return: 0; -EINVAL when @at is past the end of the view, or for a NULL
 * @tail; -ENOENT; -EMFILE; -ENOMEM.
 */
int kpool_buf_split(struct kpool *kp, __u32 handle, __u64 at, __u32 *tail);

/**
 * kpool_buf_slice() - a new handle on part of a view, without copying.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp; unchanged.
 * @start: first byte of the part, within the view.
 * @end: one past its last byte; @start <= @end <= the view's length.
 * @new_handle: receives a handle on [@start, @end) of the view.
 *
 * Return: 0; -EINVAL for a range outside the view or a NULL @new_handle;
 * -ENOENT; -EMFILE; -ENOMEM.
 */
int kpool_buf_slice(struct kpool *kp, __u32 handle, __u64 start, __u64 end,
		    __u32 *new_handle);

/**
 * kpool_buf_info() - describe a handle's view.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 * @info: receives the description (see struct kpool_info in
 *	<linux/kpool.h>): tier, offset within the buffer, length, capacity,
 *	mmap offset, references on the buffer, %KPOOL_INFO_MAPPABLE.
 *
 * Return: 0; -ENOENT; -EINVAL for a NULL @info.
 */
int kpool_buf_info(struct kpool *kp, __u32 handle, struct kpool_info *info);

/**
 * kpool_buf_read() - copy bytes out of a view.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 * @offset: first byte to copy, within the view.
 * @dst: where to: @len bytes of this process's memory.
 * @len: bytes to copy; @offset + @len <= the view's length.
 *
 * Return: 0 (all @len bytes copied); -EINVAL for a range outside the view;
 * -ENOENT; -EFAULT when @dst is not writable memory.
 */
int kpool_buf_read(struct kpool *kp, __u32 handle, __u64 offset, void *dst,
		   size_t len);

/**
 * kpool_buf_write() - copy bytes into a view.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 * @offset: first byte to write, within the view.
 * @src: @len bytes of this process's memory.
 * @len: bytes to copy; @offset + @len <= the view's length.
 *
 * Every view, mapping and exported file of the buffer sees the new bytes.
 *
 * Return: 0 (all @len bytes copied); -EINVAL for a range outside the view;
 * -ENOENT; -EFAULT when @src is not readable memory.
 */
int kpool_buf_write(struct kpool *kp, __u32 handle, __u64 offset,
		    const void *src, size_t len);

/**
 * kpool_buf_materialize() - gather views into one.
 * @kp: an open struct kpool.
 * @handles: @count handles of @kp, in order.
 * @count: 1 to %KPOOL_BATCH_MAX.
 * @new_handle: receives the handle on the result.  With one view, it is a
 *	new handle on that same view (no copy).  With several, it is a
 *	handle on a new buffer holding their bytes in order.
 * @length: optional (may be NULL): receives the result's length, the sum
 *	of the views' lengths.
 *
 * The handles in @handles stay valid; free them when done.
 *
 * Return: 0; -EINVAL for @count 0 or above %KPOOL_BATCH_MAX, or a NULL
 * pointer; -ENOENT when one handle is not valid; -E2BIG when the sum is
 * above max_buffer_size; -EDQUOT; -EMFILE; -ENOMEM.
 */
int kpool_buf_materialize(struct kpool *kp, const __u32 *handles, size_t count,
			  __u32 *new_handle, __u64 *length);

/**
 * kpool_buf_map() - map a view into this process.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp on a mappable view (%KPOOL_INFO_MAPPABLE: a
 *	non-empty view of a buffer of a page or more).
 * @prot: PROT_READ, PROT_WRITE or both (<sys/mman.h>).
 * @map: receives the mapping: @map->addr points at the view's first byte,
 *	@map->length is the view's length.
 *
 * The kernel maps whole pages; the view need not start on a page boundary,
 * and @map->addr takes care of that.  Bytes of the same pages outside the
 * view are mapped too, but belong to the view's neighbours: use only
 * [@map->addr, @map->addr + @map->length).  The mapping is shared: writes
 * through it are seen by kpool_buf_read(), by other mappings and by other
 * processes that hold the buffer.  It holds its own reference on the
 * buffer, so it stays valid after kpool_buf_free() of @handle or
 * kpool_close() of @kp, until kpool_buf_unmap().
 *
 * Return: 0; -EINVAL when the view is not mappable (a buffer below a page,
 * or an empty view), for a bad @prot or a NULL @map; -ENOENT; the errno of
 * mmap(2) otherwise (e.g. -ENOMEM).
 */
int kpool_buf_map(struct kpool *kp, __u32 handle, int prot,
		  struct kpool_map *map);

/**
 * kpool_buf_unmap() - undo kpool_buf_map().
 * @map: a mapping made by kpool_buf_map(); zeroed afterwards.
 *
 * Return: 0; -EINVAL when @map is not mapped (e.g. unmapped twice).
 */
int kpool_buf_unmap(struct kpool_map *map);

/**
 * kpool_buf_export() - a file descriptor that holds a view.
 * @kp: an open struct kpool.
 * @handle: a handle of @kp.
 * @flags: 0, or any of O_CLOEXEC (<fcntl.h>) for the new descriptor,
 *	KPOOL_EXPORT_RDONLY (a read-only file; handles imported from it are
 *	read-only) and KPOOL_EXPORT_DMABUF (a dma-buf, for devices).
 * @fd: receives the new file descriptor.  It holds its own reference to
 *	the view until it is closed (in every process that has it).  Pass it
 *	to another process (kpool_export_send(), fork(), ...), which calls
 *	kpool_buf_import() on its own struct kpool.
 *
 * Return: 0; -EINVAL for other @flags, a NULL @fd or a dma-buf of a view
 * below a page; -EBADF for a writable export of a read-only open;
 * -ENOENT; -EMFILE when the process has no free file descriptor; -ENOMEM.
 */
int kpool_buf_export(struct kpool *kp, __u32 handle, unsigned int flags,
		     int *fd);

/**
 * kpool_buf_import() - a handle on the view an exported fd holds.
 * @kp: an open struct kpool (any process, any open file).
 * @fd: a file descriptor made by kpool_buf_export(); still the caller's
 *	to close.
 * @handle: receives a new handle of @kp on the same view: the bytes are
 *	shared with the exporter.
 *
 * Return: 0; -EBADF when @fd is not open; -EINVAL when it is not an
 * exported kpool file, or for a NULL @handle; -EMFILE; -ENOMEM.
 */
int kpool_buf_import(struct kpool *kp, int fd, __u32 *handle);

/**
 * kpool_export_send() - send an exported fd over a unix socket.
 * @sock: a connected AF_UNIX socket.
 * @fd: the file descriptor to send (SCM_RIGHTS, with one byte of data);
 *	it stays open in the sender.
 *
 * Return: 0; the errno of sendmsg(2) (e.g. -EPIPE, -ENOTSOCK).
 */
int kpool_export_send(int sock, int fd);

/**
 * kpool_export_recv() - receive an fd sent by kpool_export_send().
 * @sock: a connected AF_UNIX socket.
 * @flags: 0 or O_CLOEXEC, for the received descriptor.
 * @fd: receives the file descriptor; the caller closes it.
 *
 * Return: 0; -ENODATA when the peer closed the socket; -EBADMSG when the
 * message carried no file descriptor; -EINVAL for other @flags or a NULL
 * @fd; the errno of recvmsg(2) otherwise.
 */
int kpool_export_recv(int sock, unsigned int flags, int *fd);

/**
 * kpool_reader_open() - start reading the bytes of views, in order.
 * @kp: an open struct kpool; it must stay open while the reader is.
 * @r: the reader to set up.
 * @handles: @count handles of @kp, or NULL when @count is 0.
 * @count: how many (0 gives an empty reader).
 *
 * The reader takes its own handles on the views (as kpool_buf_dup()), so
 * the caller's handles stay valid and stay the caller's to free.  It drops
 * each of its own as soon as that view has been read through.
 *
 * Return: 0; -ENOENT when one handle is not valid (nothing is kept);
 * -EINVAL for a NULL pointer; -ENOMEM; -EMFILE.
 */
int kpool_reader_open(struct kpool *kp, struct kpool_reader *r,
		      const __u32 *handles, size_t count);

/**
 * kpool_reader_close() - stop reading; drop the reader's handles.
 * @r: a reader set up by kpool_reader_open(); empty afterwards.
 *
 * Return: 0; the first error of dropping a handle (-ENOENT when someone
 * freed a handle that was the reader's, -EBADF when the struct kpool was
 * closed first); the reader is emptied all the same.
 */
int kpool_reader_close(struct kpool_reader *r);

/**
 * kpool_reader_read() - read bytes, consuming them.
 * @r: a reader.
 * @dst: where to.
 * @len: room at @dst.
 *
 * Return: the number of bytes read, less than @len only at the end (or
 * when an error stopped it after some bytes: the next call reports the
 * error); 0 at the end; a negative errno when nothing could be read
 * because the kernel refused (e.g. -EFAULT for a bad @dst, -EBADF when
 * the struct kpool was closed): nothing is consumed then.
 */
ssize_t kpool_reader_read(struct kpool_reader *r, void *dst, size_t len);

/**
 * kpool_reader_read_byte() - read one byte, consuming it.
 * @r: a reader.
 * @byte: receives the byte.
 *
 * Return: 0; -ENODATA at the end; another negative errno as
 * kpool_reader_read().
 */
int kpool_reader_read_byte(struct kpool_reader *r, unsigned char *byte);

/**
 * kpool_reader_peek() - copy the next bytes without consuming them.
 * @r: a reader.
 * @dst: where to.
 * @len: room at @dst.
 *
 * Return: the number of bytes copied (less than @len only at the end); a
 * negative errno as kpool_reader_read().
 */
ssize_t kpool_reader_peek(const struct kpool_reader *r, void *dst, size_t len);

/**
 * kpool_reader_discard() - skip bytes.
 * @r: a reader.
 * @len: how many to skip.
 *
 * Return: the number of bytes skipped: the smaller of @len and
 * kpool_reader_remaining().
 */
ssize_t kpool_reader_discard(struct kpool_reader *r, size_t len);

/**
 * kpool_reader_remaining() - bytes left to read.
 * @r: a reader.
 *
 * Return: the number of bytes not yet read or skipped (it cannot fail).
 */
__u64 kpool_reader_remaining(const struct kpool_reader *r);

/**
 * kpool_stats_get() - the pool's global counters.
 * @kp: an open struct kpool (any; the counters are global).
 * @stats: receives them (see struct kpool_stats in <linux/kpool.h>): per
 *	tier and for the fallback, buffers in use, handed out and returned;
 *	bytes in use; live handles, mappings and exported files; per tier,
 *	the spills (zero from a module without %KPOOL_FEATURE_STATS_SPILLS,
 *	see kpool_version()).  Programs linked against LIBKPOOL_1.0 keep
 *	the first, shorter structure, and get only that.
 *
 * Return: 0; -EINVAL for a NULL @stats; -ENOMEM; -ENOTTY for a file that
 * is not kpool's.
 */
int kpool_stats_get(struct kpool *kp, struct kpool_stats *stats);

/**
 * kpool_version() - the running module's version and features.
 * @kp: an open struct kpool (any; the answer is the module's).
 * @version: receives it (see struct kpool_version in <linux/kpool.h>):
 *	the module's %KPOOL_VERSION_MAJOR, _MINOR and _PATCH, and its
 *	%KPOOL_FEATURE_* bits.  The library's own version is
 *	%LIBKPOOL_VERSION_MAJOR.%LIBKPOOL_VERSION_MINOR.
 *
 * Since: LIBKPOOL_1.1.
 * Return: 0; -EINVAL for a NULL @version; -ENOTTY from a module older than
 * %KPOOL_IOC_VERSION (version 1.0, no features) or a file that is not
 * kpool's; -EBADF when @kp is not open.
 */
int kpool_version(struct kpool *kp, struct kpool_version *version);

/**
 * kpool_strerror() - what an error of this library means, in kpool terms.
 * @err: a negative errno returned by a libkpool function (a positive one
 *	is taken as its negative).
 *
 * Return: a constant string, e.g. "no such handle in this kpool file" for
 * -ENOENT; for errnos without a kpool meaning, strerror(3)'s text.
 */
const char *kpool_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBKPOOL_H */
