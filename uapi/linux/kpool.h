/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kpool - pooled, reference-counted, zero-copy buffers for user space.
 *
 * The user ABI of /dev/kpool.  Every open() of the device has its own table
 * of handles; a handle is one reference to one view (a byte range of a
 * buffer).  Buffers come from size tiers and are zero-filled when handed
 * out: every byte the new buffer's handle, mappings, exported files and
 * dma-bufs can reach (its size, and the rest of the pages holding it for a
 * buffer of a page or more) is zero.  Structures use fixed-size types
 * only, are padded explicitly to a multiple of 8 bytes and carry user
 * pointers as 64-bit integers.  Every
 * pad field, reserved field and unknown flag bit must be zero on input
 * (-EINVAL otherwise) and is zero on output.
 *
 * Errors common to every ioctl:
 *  - ENOTTY: unknown ioctl number.
 *  - EFAULT: a user pointer that cannot be read or written; nothing changed.
 *  - EINVAL: non-zero pad, reserved field or unknown flag.
 *  - ENOENT: a handle this file does not hold (never made, freed, or made
 *    by another open file).
 *  - ENOMEM: the kernel is out of memory; nothing changed.
 *  - EINTR: the calling task was killed during a long call (ALLOC_BATCH,
 *    FREE_BATCH, MATERIALIZE); it never sees the answer.
 * Argument errors (EINVAL, E2BIG, ENOENT) are reported before resource
 * limits (EDQUOT, EMFILE, ENOMEM).  A failed call leaves no trace, except
 * KPOOL_IOC_FREE_BATCH, whose @done says how far it got.
 *
 * Quotas: the capacity of the live buffers allocated through one open file
 * is bounded by the module parameter max_file_bytes, and that of all the
 * buffers charged to one user (the uid that opened the file) by
 * max_user_bytes; EDQUOT beyond either.  A buffer stays charged until its
 * memory is returned, wherever its last reference is (a handle of another
 * file, a mapping, an exported file).  A charge never passes a limit, even
 * for a moment: a call that fails cannot make a racing one fail.
 *
 * Read-only and write-only opens, as read(2) and write(2): a file opened
 * without write access answers KPOOL_IOC_WRITE, and KPOOL_IOC_EXPORT
 * without %KPOOL_EXPORT_RDONLY, with EBADF, and mmap() with PROT_WRITE
 * with EACCES (the mmap() core refuses it; such a mapping can never be
 * made writable); PROT_READ mappings work.
 * A file opened without read access answers KPOOL_IOC_READ with EBADF.
 *
 * Read-only handles: IMPORT of a read-only exported file gives one, and
 * DUP, SPLIT, SLICE and MATERIALIZE of a single view pass it on (a
 * MATERIALIZE of several views is a copy, and writable).  Such a handle
 * refuses KPOOL_IOC_WRITE with EPERM and mmap() with PROT_WRITE with
 * EACCES (its read-only mappings can never be made writable), and every
 * file EXPORT makes from it is read-only.
 *
 * Racing calls on one file: a handle freed by another thread (FREE,
 * FREE_BATCH, or close() of the file) gives ENOENT to any call that looks
 * it up after the free, and mmap() of it EINVAL; a SPLIT by another thread
 * may make a range valid a moment earlier invalid (EINVAL).  A call that
 * has looked its handles up works on references of its own and completes.
 *
 * Mappings: mmap(MAP_SHARED) at a handle's @mmap_offset maps the pages of
 * its view.  The mapping holds a reference on the buffer and a file of its
 * own ("anon_inode:[kpool-map]" in /proc/PID/maps), not the device file:
 * close() of the device frees all of its handles while their mappings stay
 * valid, and remap_file_pages() on such a mapping is refused.  Buffers of
 * a tier are PFN maps: MADV_DONTNEED answers EINVAL (the kernel's rule for
 * VM_PFNMAP), and nothing is lost.  Page-backed
 * buffers (the fallback, and spilled buffers of a costly tier) are mapped
 * page by page: MADV_DONTNEED succeeds and the next touch maps the same
 * bytes again.  For both, MADV_REMOVE and MADV_WIPEONFORK are refused,
 * MADV_DONTFORK keeps the mapping out of children (MADV_DOFORK undoes it),
 * and mprotect() works within the rights of the open.
 *
 * Growing a structure: an ioctl's structure may grow, at its end only,
 * without a new ioctl number; the size in the number (_IOC_SIZE(cmd))
 * tells the kernel which version of the structure the caller knows.  The
 * kernel finds the ioctl by its _IOC_TYPE, _IOC_NR and _IOC_DIR, and then:
 *  - a size below the structure's first published size, its
 *    KPOOL_*_SIZE_VER0 below, is a number that was never published:
 *    ENOTTY, as for any unknown ioctl (Documentation/driver-api/ioctl.rst);
 *  - inputs follow copy_struct_from_user(), as openat2() and clone3() do: a
 *    caller's structure larger than the kernel's must be zero beyond what
 *    the kernel knows (E2BIG otherwise, and nothing is done); a smaller one
 *    (at least the VER0 size) is read as if zero-extended;
 *  - outputs are copied back only as far as the caller's size: a smaller
 *    structure gets its own fields, a larger one gets zeros beyond what the
 *    kernel knows (so a new program on an old kernel sees zeros for the
 *    fields the kernel does not fill; %KPOOL_FEATURE_* bits of
 *    %KPOOL_IOC_VERSION tell it which ones those are).
 * Every kernel that answers %KPOOL_IOC_VERSION follows this rule.  Older
 * ones answered ENOTTY to every size but their own.
 *
 * Views are not isolation boundaries: a mapping or an exported file of a
 * view gives access to every byte of the pages the view touches, so hand a
 * view to someone only if they may see and change all of those pages.
 */
#ifndef _UAPI_LINUX_KPOOL_H
#define _UAPI_LINUX_KPOOL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The version of this header, and of the module, library and manual pages
 * released with it: the project's one version source (the build reads it
 * from here).  The major number changes only if compatibility is ever
 * broken; the minor one when something is added to the ABI.
 */
#define KPOOL_VERSION_MAJOR	1
#define KPOOL_VERSION_MINOR	1
#define KPOOL_VERSION_PATCH	0

/*
 * struct kpool_version.features: one bit per optional capability, set when
 * the running module has it.  A bit is never reused for something else.
 */
/*
 * Read-only sharing: %KPOOL_EXPORT_RDONLY, read-only handles and
 * %KPOOL_INFO_READONLY.
 */
#define KPOOL_FEATURE_RDONLY		(1ULL << 0)
/*
 * %KPOOL_EXPORT_DMABUF, and IMPORT of kpool dma-bufs: set only when the
 * kernel has dma-bufs (CONFIG_DMA_SHARED_BUFFER); without it EXPORT with
 * that flag answers EOPNOTSUPP.
 */
#define KPOOL_FEATURE_DMABUF		(1ULL << 1)
/*
 * %KPOOL_IOC_INFO on an exported file (handle 0), and lseek(SEEK_END) there
 * for the size of its mappable span.
 */
#define KPOOL_FEATURE_EXPORT_INFO	(1ULL << 2)
/*
 * The per-user quota: the module parameter max_user_bytes (EDQUOT beyond).
 */
#define KPOOL_FEATURE_USER_QUOTA	(1ULL << 3)
/*
 * struct kpool_stats has grown past %KPOOL_STATS_SIZE_VER0 with @spills
 * (and @costly): buffers of a tier whose memory came from page-backed
 * pages.
 */
#define KPOOL_FEATURE_STATS_SPILLS	(1ULL << 4)
/*
 * /proc/PID/fdinfo/FD shows, beside the kernel's own lines, for a
 * /dev/kpool file "kpool-handles:" (handles it holds), "kpool-buffers:"
 * (distinct buffers they refer to), "kpool-bytes:" (capacity charged to
 * the file: buffers allocated through it and alive anywhere) and
 * "kpool-bytes-limit:" (its max_file_bytes); for an exported file
 * "kpool-length:", "kpool-offset:", "kpool-capacity:", "kpool-tier:" (a
 * number or "fallback"), "kpool-refs:" (as INFO's refs), "kpool-readonly:"
 * and "kpool-mappable:" (0 or 1).  One "key:<TAB>value" a line.
 */
#define KPOOL_FEATURE_FDINFO		(1ULL << 5)
/*
 * Trace events in tracefs, events/kpool/: kpool_alloc, kpool_free,
 * kpool_spill, kpool_split, kpool_slice, kpool_materialize, kpool_map,
 * kpool_unmap, kpool_export and kpool_import, each with the buffer (hashed
 * as %p prints it), tier (-1: the fallback), size, capacity and refs; set
 * when the kernel has tracepoints (CONFIG_TRACEPOINTS).
 */
#define KPOOL_FEATURE_TRACEPOINTS	(1ULL << 6)

/* Tier index reported for buffers above the largest tier. */
#define KPOOL_TIER_FALLBACK	0xffffffffU
/* Rows in struct kpool_stats; the most tiers a pool may have. */
#define KPOOL_MAX_TIERS		16
/* Largest count of the batch ioctls and of KPOOL_IOC_MATERIALIZE. */
#define KPOOL_BATCH_MAX		1024

/* struct kpool_info.flags: mmap() of this view is possible. */
#define KPOOL_INFO_MAPPABLE	0x1U
/* struct kpool_info.flags: the handle (or exported file) is read-only. */
#define KPOOL_INFO_READONLY	(1u << 1)

/*
 * struct kpool_export.flags, beside O_CLOEXEC: the exported file is
 * read-only (opened O_RDONLY; no writable mapping, no mprotect() to
 * writable), and handles imported from it are read-only.
 */
#define KPOOL_EXPORT_RDONLY	(1u << 0)
/*
 * struct kpool_export.flags: the fd is a dma-buf of the view's page span
 * (for devices: an importing driver maps the buffer's pages), not a kpool
 * exported file.  It holds one reference on the view, maps the same pages
 * at offset 0, supports DMA_BUF_IOCTL_SYNC, and is counted in
 * kpool_stats.exports; IMPORT accepts it back.  With KPOOL_EXPORT_RDONLY
 * it is read-only, and devices may map it only DMA_TO_DEVICE.  A view
 * below a page: EINVAL; a kernel built without dma-bufs: EOPNOTSUPP.
 */
#define KPOOL_EXPORT_DMABUF	(1u << 2)

/**
 * struct kpool_alloc - argument of %KPOOL_IOC_ALLOC.
 * @size: in: bytes wanted, 1 to the module's max_buffer_size.
 * @flags: in: must be 0.
 * @handle: out: the new handle; its view is [0, @size).
 * @capacity: out: bytes reserved for the buffer: its tier's size, or
 *	@size rounded up to whole pages for the fallback.
 * @mmap_offset: out: the offset to pass to mmap() to map this view.
 * @tier: out: tier index, or %KPOOL_TIER_FALLBACK.
 * @pad: must be 0.
 */
struct kpool_alloc {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 capacity;
	__u64 mmap_offset;
	__u32 tier;
	__u32 pad;
};

/**
 * struct kpool_alloc_batch - argument of %KPOOL_IOC_ALLOC_BATCH.
 * @size: in: bytes per buffer.
 * @handles: in: user pointer to __u32[@count], filled on success only.
 * @count: in: 1 to %KPOOL_BATCH_MAX.
 * @flags: in: must be 0.
 */
struct kpool_alloc_batch {
	__u64 size;
	__u64 handles;
	__u32 count;
	__u32 flags;
};

/**
 * struct kpool_handle_arg - argument of %KPOOL_IOC_FREE.
 * @handle: in: the handle to drop.
 * @pad: must be 0.
 */
struct kpool_handle_arg {
	__u32 handle;
	__u32 pad;
};

/**
 * struct kpool_free_batch - argument of %KPOOL_IOC_FREE_BATCH.
 * @handles: in: user pointer to __u32[@count], dropped in order.
 * @count: in: 1 to %KPOOL_BATCH_MAX.
 * @done: out: handles dropped before the first one that was not valid
 *	(@count when all were).
 */
struct kpool_free_batch {
	__u64 handles;
	__u32 count;
	__u32 done;
};

/**
 * struct kpool_dup - argument of %KPOOL_IOC_DUP.
 * @handle: in: a handle.
 * @new_handle: out: a new handle on the same view.
 */
struct kpool_dup {
	__u32 handle;
	__u32 new_handle;
};

/**
 * struct kpool_split - argument of %KPOOL_IOC_SPLIT.
 * @handle: in: a handle; it keeps [0, @at) of its view.
 * @new_handle: out: a new handle on [@at, length) of the view.
 * @at: in: 0 to the view's length.
 */
struct kpool_split {
	__u32 handle;
	__u32 new_handle;
	__u64 at;
};

/**
 * struct kpool_slice - argument of %KPOOL_IOC_SLICE.
 * @handle: in: a handle; unchanged.
 * @new_handle: out: a new handle on [@start, @end) of its view.
 * @start: in: first byte, @start <= @end.
 * @end: in: one past the last byte, @end <= the view's length.
 */
struct kpool_slice {
	__u32 handle;
	__u32 new_handle;
	__u64 start;
	__u64 end;
};

/**
 * struct kpool_info - argument of %KPOOL_IOC_INFO.
 * @handle: in: a handle.
 * @tier: out: tier index of its buffer, or %KPOOL_TIER_FALLBACK.
 * @offset: out: first byte of the view within its buffer.
 * @length: out: bytes in the view.
 * @capacity: out: bytes reserved for the buffer.
 * @mmap_offset: out: the offset to pass to mmap() to map this view.
 * @refs: out: references on the buffer now: one per handle (in any file),
 *	per mapping (VMA) and per exported file.
 * @flags: out: %KPOOL_INFO_MAPPABLE when mmap() of the view is possible,
 *	%KPOOL_INFO_READONLY for a read-only handle or exported file.
 *
 * On an exported file (ioctl(efd, KPOOL_IOC_INFO, &info)), @handle must be
 * 0 (EINVAL otherwise) and the view the file holds is described, with
 * @mmap_offset 0, so that a receiver can look before it maps or imports.
 * There, lseek(efd, 0, SEEK_END) gives the size of the view's mappable
 * span (0 when it cannot be mapped), as for a dma-buf.
 */
struct kpool_info {
	__u32 handle;
	__u32 tier;
	__u64 offset;
	__u64 length;
	__u64 capacity;
	__u64 mmap_offset;
	__u32 refs;
	__u32 flags;
};

/**
 * struct kpool_rw - argument of %KPOOL_IOC_READ and %KPOOL_IOC_WRITE.
 * @handle: in: a handle.
 * @flags: in: must be 0.
 * @offset: in: first byte within the view.
 * @length: in: bytes to copy; @offset + @length <= the view's length.
 * @data: in: user pointer to @length bytes.
 *
 * The copy behaves as memmove(): when @data is a mapping of the same bytes
 * (overlapping the range or not), the result is as if all @length bytes
 * were first read whole and then written.  A WRITE that meets an unreadable
 * user page fails with EFAULT and changes no byte of the view.
 */
struct kpool_rw {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 data;
};

/**
 * struct kpool_materialize - argument of %KPOOL_IOC_MATERIALIZE.
 * @handles: in: user pointer to __u32[@count], in order.
 * @count: in: 1 to %KPOOL_BATCH_MAX.
 * @new_handle: out: one view: a new handle on it (no copy); several: a
 *	handle on a new buffer holding their bytes in order.  Several views
 *	of 0 bytes in all make no buffer: EINVAL, as ALLOC of 0 bytes.
 * @length: out: bytes in the new view (the sum of the lengths).
 *
 * Every handle is checked (ENOENT), and the sum of several lengths (EINVAL
 * for 0, E2BIG above max_buffer_size), before anything is allocated.
 */
struct kpool_materialize {
	__u64 handles;
	__u32 count;
	__u32 new_handle;
	__u64 length;
};

/**
 * struct kpool_export - argument of %KPOOL_IOC_EXPORT.
 * @handle: in: a handle.
 * @flags: in: O_CLOEXEC, %KPOOL_EXPORT_RDONLY and %KPOOL_EXPORT_DMABUF,
 *	or 0.  The file of a read-only handle is read-only whatever the flags.
 * @fd: out: a new file descriptor holding one reference to the view.
 * @pad: must be 0.
 */
struct kpool_export {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};

/**
 * struct kpool_import - argument of %KPOOL_IOC_IMPORT.
 * @fd: in: a file or dma-buf made by %KPOOL_IOC_EXPORT, in any process.
 * @new_handle: out: a new handle on the view that file holds.
 */
struct kpool_import {
	__s32 fd;
	__u32 new_handle;
};

/**
 * struct kpool_tier_stats - counters of one tier, or of the fallback.
 * @size: object size of the tier in bytes; 0 for the fallback row.
 * @in_use: buffers of this tier alive now.
 * @allocs: buffers handed out since the module was loaded.
 * @frees: buffers returned since the module was loaded.
 */
struct kpool_tier_stats {
	__u64 size;
	__u64 in_use;
	__u64 allocs;
	__u64 frees;
};

/**
 * struct kpool_stats - argument of %KPOOL_IOC_STATS (out only).
 * @ntiers: tiers in use; rows 0 .. @ntiers - 1 of @tier are valid, the
 *	others are zero.
 * @pad: zero.
 * @bytes_in_use: capacity of all live buffers, tiers and fallback.
 * @handles: live handles in all open files.
 * @mappings: live mappings (VMAs).
 * @exports: live exported files.
 * @tier: one row per tier.
 * @fallback: the fallback's row.
 * @spills: since %KPOOL_STATS_SIZE_VER1: per tier, buffers handed out
 *	since load whose memory came from page-backed pages because the
 *	tier's slab could not be had (only costly tiers, those whose slabs
 *	are above PAGE_ALLOC_COSTLY_ORDER, ever spill); a spilled buffer
 *	stays a buffer of its tier, counted in its row.
 * @costly: since %KPOOL_STATS_SIZE_VER1: bit N set when tier N is costly
 *	(it may spill).
 * @pad2: zero.
 *
 * The structure grows at its end only (see "Growing a structure" above):
 * a caller built against the first version passes %KPOOL_STATS_SIZE_VER0
 * in its ioctl number and gets exactly the fields before @spills.
 */
struct kpool_stats {
	__u32 ntiers;
	__u32 pad;
	__u64 bytes_in_use;
	__u64 handles;
	__u64 mappings;
	__u64 exports;
	struct kpool_tier_stats tier[KPOOL_MAX_TIERS];
	struct kpool_tier_stats fallback;
	/* VER1 */
	__u64 spills[KPOOL_MAX_TIERS];
	__u32 costly;
	__u32 pad2;
};

/**
 * struct kpool_version - argument of %KPOOL_IOC_VERSION (out only).
 * @major: %KPOOL_VERSION_MAJOR of the running module.
 * @minor: %KPOOL_VERSION_MINOR of the running module.
 * @patch: %KPOOL_VERSION_PATCH of the running module.
 * @pad: zero.
 * @features: the %KPOOL_FEATURE_* bits of what the running module (in the
 *	running kernel) can do; unknown bits are for later capabilities.
 */
struct kpool_version {
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 pad;
	__u64 features;
};

/*
 * The first published size of every structure (see "Growing a structure"
 * above), as linux/openat2.h records OPEN_HOW_SIZE_VER0: an ioctl number
 * with a smaller size is not a kpool ioctl (ENOTTY).  Later sizes of a
 * structure that grew are recorded as _VER1 and on.
 */
#define KPOOL_ALLOC_SIZE_VER0		40
#define KPOOL_ALLOC_BATCH_SIZE_VER0	24
#define KPOOL_HANDLE_ARG_SIZE_VER0	8
#define KPOOL_FREE_BATCH_SIZE_VER0	16
#define KPOOL_DUP_SIZE_VER0		8
#define KPOOL_SPLIT_SIZE_VER0		16
#define KPOOL_SLICE_SIZE_VER0		24
#define KPOOL_INFO_SIZE_VER0		48
#define KPOOL_RW_SIZE_VER0		32
#define KPOOL_MATERIALIZE_SIZE_VER0	24
#define KPOOL_EXPORT_SIZE_VER0		16
#define KPOOL_IMPORT_SIZE_VER0		8
#define KPOOL_STATS_SIZE_VER0		584	/* up to @fallback */
#define KPOOL_STATS_SIZE_VER1		720	/* @spills, @costly */
#define KPOOL_VERSION_SIZE_VER0		24

#define KPOOL_IOC_MAGIC		0xB8

/*
 * KPOOL_IOC_ALLOC: allocate one buffer.
 * Errors: EINVAL (size 0, flags, pad), E2BIG (size above max_buffer_size),
 * EDQUOT (max_file_bytes), EMFILE (max_file_handles), ENOMEM.
 */
#define KPOOL_IOC_ALLOC		_IOWR(KPOOL_IOC_MAGIC, 0x00, struct kpool_alloc)
/*
 * KPOOL_IOC_ALLOC_BATCH: allocate @count buffers of one size, all or none.
 * Errors: as KPOOL_IOC_ALLOC, EINVAL for a count of 0 or above
 * KPOOL_BATCH_MAX, EFAULT (handles), EINTR (killed: nothing allocated).
 */
#define KPOOL_IOC_ALLOC_BATCH	_IOW(KPOOL_IOC_MAGIC, 0x01, struct kpool_alloc_batch)
/* KPOOL_IOC_FREE: drop one handle.  Errors: EINVAL (pad), ENOENT. */
#define KPOOL_IOC_FREE		_IOW(KPOOL_IOC_MAGIC, 0x02, struct kpool_handle_arg)
/*
 * KPOOL_IOC_FREE_BATCH: drop handles in order; at the first one that is
 * not valid, stop, write @done and fail with ENOENT.
 * Errors: EINVAL (count), ENOENT, EFAULT, ENOMEM, EINTR (killed: @done
 * handles were freed, the file's release frees the rest).
 */
#define KPOOL_IOC_FREE_BATCH	_IOWR(KPOOL_IOC_MAGIC, 0x03, struct kpool_free_batch)
/*
 * KPOOL_IOC_DUP: new handle on the same view.
 * Errors: ENOENT, EMFILE, ENOMEM, EFAULT.
 */
#define KPOOL_IOC_DUP		_IOWR(KPOOL_IOC_MAGIC, 0x04, struct kpool_dup)
/*
 * KPOOL_IOC_SPLIT: the handle keeps [0, at); a new handle gets
 * [at, length).  Errors: EINVAL (at past the end), ENOENT, EMFILE, ENOMEM,
 * EFAULT (the split is undone: the handle keeps its whole view).
 */
#define KPOOL_IOC_SPLIT		_IOWR(KPOOL_IOC_MAGIC, 0x05, struct kpool_split)
/*
 * KPOOL_IOC_SLICE: new handle on [start, end) of a view.
 * Errors: EINVAL (range), ENOENT, EMFILE, ENOMEM, EFAULT.
 */
#define KPOOL_IOC_SLICE		_IOWR(KPOOL_IOC_MAGIC, 0x06, struct kpool_slice)
/*
 * KPOOL_IOC_INFO: describe a handle's view (or, on an exported file with
 * handle 0, the file's view).  Errors: ENOENT, EINVAL (a handle on an
 * exported file), EFAULT.
 */
#define KPOOL_IOC_INFO		_IOWR(KPOOL_IOC_MAGIC, 0x07, struct kpool_info)
/*
 * KPOOL_IOC_READ: copy bytes from a view to user memory.
 * Errors: EBADF (file not open for reading), EINVAL (flags, range), ENOENT,
 * EFAULT, ENOMEM.
 */
#define KPOOL_IOC_READ		_IOW(KPOOL_IOC_MAGIC, 0x08, struct kpool_rw)
/*
 * KPOOL_IOC_WRITE: copy bytes from user memory to a view.
 * Errors: EBADF (file not open for writing), EINVAL (flags, range), ENOENT,
 * EPERM (a read-only handle), EFAULT (no byte changed), ENOMEM.
 */
#define KPOOL_IOC_WRITE		_IOW(KPOOL_IOC_MAGIC, 0x09, struct kpool_rw)
/*
 * KPOOL_IOC_MATERIALIZE: gather views into one.
 * Errors: EINVAL (count; several views of 0 bytes in all), ENOENT, E2BIG
 * (several views above max_buffer_size in all), EDQUOT, EMFILE, ENOMEM,
 * EFAULT, EINTR (killed).
 */
#define KPOOL_IOC_MATERIALIZE	_IOWR(KPOOL_IOC_MAGIC, 0x0a, struct kpool_materialize)
/*
 * KPOOL_IOC_EXPORT: make a file descriptor holding one reference to a view.
 * Errors: EINVAL (flags, pad; a dma-buf of a view below a page), EBADF (a
 * writable export from a file not open for writing), ENOENT, EMFILE (no
 * free fd), ENOMEM, EFAULT.
 */
#define KPOOL_IOC_EXPORT	_IOWR(KPOOL_IOC_MAGIC, 0x0b, struct kpool_export)
/*
 * KPOOL_IOC_IMPORT: new handle on the view an exported fd holds.
 * Errors: EBADF (not an open fd), EINVAL (neither an exported kpool file nor
 * a kpool dma-buf), EMFILE, ENOMEM, EFAULT.
 */
#define KPOOL_IOC_IMPORT	_IOWR(KPOOL_IOC_MAGIC, 0x0c, struct kpool_import)
/*
 * KPOOL_IOC_STATS: global counters, per tier.  Errors: EFAULT, ENOMEM.
 * Programs built before the structure grew call it with
 * %KPOOL_STATS_SIZE_VER0 in the number, and keep working.
 */
#define KPOOL_IOC_STATS		_IOR(KPOOL_IOC_MAGIC, 0x0d, struct kpool_stats)
/*
 * KPOOL_IOC_VERSION: the module's version and features.  Errors: EFAULT.
 * Modules older than this ioctl answer ENOTTY: they have none of the
 * features, and version 1.0.
 */
#define KPOOL_IOC_VERSION	_IOR(KPOOL_IOC_MAGIC, 0x0e, struct kpool_version)

#endif /* _UAPI_LINUX_KPOOL_H */
