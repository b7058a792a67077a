/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libkpool internals, shared by its source files; not installed.
 */
#ifndef LIBKPOOL_INTERNAL_H
#define LIBKPOOL_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "libkpool.h"

/*
 * Every public function keeps the caller's errno: it saves it on entry
 * (KP_ERRNO_SAVE) and puts it back before returning (KP_RETURN, which
 * evaluates its argument first: it may read errno), and reports failures
 * only through its return value.
 */
#define KP_ERRNO_SAVE()		const int kp_saved_errno = errno
#define KP_RETURN(ret)					\
	do {						\
		__typeof__(ret) kp_ret_ = (ret);	\
		errno = kp_saved_errno;			\
		return kp_ret_;				\
	} while (0)

/* The user pointer fields of the ABI are __u64. */
static inline __u64 kp_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/*
 * ioctl() on @fd: 0 or -errno.  Callers save and restore errno around it.
 * A negative @fd gives -EBADF without a system call.
 */
static inline int kp_ioctl(int fd, unsigned long request, void *arg)
{
	if (fd < 0)
		return -EBADF;
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

/* The fd of @kp, or -1 for a NULL @kp (then kp_ioctl() says -EBADF). */
static inline int kp_fd(const struct kpool *kp)
{
	return kp ? kp->fd : -1;
}

#endif /* LIBKPOOL_INTERNAL_H */
