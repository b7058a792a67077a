// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkpool: views held by file descriptors, and passing those between
 * processes over unix sockets (SCM_RIGHTS).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int kpool_buf_export(struct kpool *kp, __u32 handle, unsigned int flags,
		     int *fd)
{
	KP_ERRNO_SAVE();
	struct kpool_export e = { .handle = handle, .flags = flags };
	int ret;

	if (!fd || (flags & ~((unsigned int)O_CLOEXEC | KPOOL_EXPORT_RDONLY |
			      KPOOL_EXPORT_DMABUF)))
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_EXPORT, &e);
	if (!ret)
		*fd = e.fd;
	KP_RETURN(ret);
}

int kpool_buf_import(struct kpool *kp, int fd, __u32 *handle)
{
	KP_ERRNO_SAVE();
	struct kpool_import im = { .fd = fd };
	int ret;

	if (!handle)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_IMPORT, &im);
	if (!ret)
		*handle = im.new_handle;
	KP_RETURN(ret);
}

/* Room for one SCM_RIGHTS message carrying one descriptor, aligned. */
union kp_cmsg_one {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int kpool_export_send(int sock, int fd)
{
	KP_ERRNO_SAVE();
	union kp_cmsg_one u;
	char byte = 'K';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		KP_RETURN(-errno);
	KP_RETURN(n == 1 ? 0 : -EIO);
}

/* Close every descriptor that a control message carried. */
static void kp_close_rights(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		unsigned char *p = CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); n--;
		     p += sizeof(int)) {
			int fd;

			memcpy(&fd, p, sizeof(int));
			close(fd);
		}
	}
}

int kpool_export_recv(int sock, unsigned int flags, int *fd)
{
	KP_ERRNO_SAVE();
	union kp_cmsg_one u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	if (!fd || (flags & ~((unsigned int)O_CLOEXEC | KPOOL_EXPORT_RDONLY |
			      KPOOL_EXPORT_DMABUF)))
		KP_RETURN(-EINVAL);
	memset(&u, 0, sizeof(u));
	do {
		n = recvmsg(sock, &msg,
			    flags & O_CLOEXEC ? MSG_CMSG_CLOEXEC : 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		KP_RETURN(-errno);
	if (n == 0)
		KP_RETURN(-ENODATA);
	c = CMSG_FIRSTHDR(&msg);
	if ((msg.msg_flags & MSG_CTRUNC) || !c ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		kp_close_rights(&msg);
		KP_RETURN(-EBADMSG);
	}
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	KP_RETURN(0);
}
