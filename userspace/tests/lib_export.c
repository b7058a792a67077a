// SPDX-License-Identifier: GPL-2.0
/*
 * libkpool: kpool_buf_export() and kpool_buf_import(), and passing the
 * exported fd to another process with kpool_export_send() and
 * kpool_export_recv(): the importer shares the exporter's bytes.
 */
#include "kt.h"
#include "libkpool.h"
#include "kt_lib.h"

#include <sys/socket.h>

static void test_same_process(struct kpool *kp)
{
	struct kpool_stats before, mid;
	struct kpool other;
	struct kpool_info in;
	__u32 h, imp;
	char buf[8];
	int fd = -1, fd2 = -1;

	kt_stats_now(&before);
	if (kpool_buf_alloc(kp, 300, &h, NULL) || kpool_open(&other, 0)) {
		kt_ok(0, "setup: a buffer and a second file");
		return;
	}
	kpool_buf_write(kp, h, 0, "shared", 6);
	kt_expect(LIB(kpool_buf_export(kp, h, 0, &fd)), 0, "kpool_buf_export");
	kt_ok(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	      "kpool_buf_export flags 0: an fd without close-on-exec");
	kt_expect(LIB(kpool_buf_export(kp, h, O_CLOEXEC, &fd2)), 0,
		  "kpool_buf_export O_CLOEXEC");
	kt_ok(fd2 >= 0 && (fcntl(fd2, F_GETFD) & FD_CLOEXEC),
	      "kpool_buf_export O_CLOEXEC: the fd is close-on-exec");
	kt_stats_now(&mid);
	kt_ok(mid.exports == before.exports + 2, "two exports are counted");
	close(fd2);

	kt_expect(LIB(kpool_buf_import(&other, fd, &imp)), 0,
		  "kpool_buf_import into another file");
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_read(&other, imp, 0, buf, 6) && !memcmp(buf, "shared", 6),
	      "the imported handle reads the exporter's bytes");
	kpool_buf_write(&other, imp, 0, "SH", 2);
	kt_ok(!kpool_buf_read(kp, h, 0, buf, 2) && !memcmp(buf, "SH", 2),
	      "bytes written through the import are seen by the exporter");
	memset(&in, 0, sizeof(in));
	kpool_buf_info(&other, imp, &in);
	kt_ok(in.refs == 3,
	      "refs 3: exporter's handle, exported fd, import (got %u)", in.refs);

	/* The fd keeps the view alive after every handle is gone. */
	kpool_buf_free(kp, h);
	kpool_buf_free(&other, imp);
	kt_expect(LIB(kpool_buf_import(kp, fd, &imp)), 0,
		  "kpool_buf_import after every handle was freed");
	kt_ok(!kpool_buf_read(kp, imp, 0, buf, 6) && !memcmp(buf, "SHared", 6),
	      "the exported fd kept the bytes");
	kpool_buf_free(kp, imp);
	close(fd);
	kpool_close(&other);
	kt_state_is(&before, 2000, "closing the exported fd returned the buffer");
}

/* The flags of the kernel's read-only sharing pass through. */
static void test_rdonly(struct kpool *kp)
{
	struct kpool_info info;
	__u32 h, imp;
	int fd;

	if (kpool_buf_alloc(kp, 8192, &h, NULL))
		return;
	kt_expect(LIB(kpool_buf_export(kp, h, KPOOL_EXPORT_RDONLY | O_CLOEXEC, &fd)), 0,
		  "kpool_buf_export with KPOOL_EXPORT_RDONLY");
	kt_expect(LIB(kpool_buf_import(kp, fd, &imp)), 0, "kpool_buf_import of it");
	kt_ok(!kpool_buf_info(kp, imp, &info) && (info.flags & KPOOL_INFO_READONLY),
	      "the imported handle is read-only");
	kt_expect(LIB(kpool_buf_write(kp, imp, 0, "x", 1)), EPERM,
		  "kpool_buf_write through it: -EPERM");
	kpool_buf_free(kp, imp);
	close(fd);
	kpool_buf_free(kp, h);
}

static void test_refused(struct kpool *kp)
{
	__u32 h, imp;
	int fd, devnull;

	if (kpool_buf_alloc(kp, 300, &h, NULL))
		return;
	kt_expect(LIB(kpool_buf_export(kp, h, O_NONBLOCK, &fd)), EINVAL,
		  "kpool_buf_export with O_NONBLOCK: -EINVAL");
	kt_expect(LIB(kpool_buf_export(kp, h, 0, NULL)), EINVAL,
		  "kpool_buf_export with fd NULL: -EINVAL");
	kpool_buf_free(kp, h);
	kt_expect(LIB(kpool_buf_export(kp, h, 0, &fd)), ENOENT,
		  "kpool_buf_export of a freed handle: -ENOENT");
	kt_expect(LIB(kpool_buf_import(kp, 1000, &imp)), EBADF,
		  "kpool_buf_import of a closed fd: -EBADF");
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	kt_expect(LIB(kpool_buf_import(kp, devnull, &imp)), EINVAL,
		  "kpool_buf_import of /dev/null: -EINVAL");
	kt_expect(LIB(kpool_buf_import(kp, kp->fd, &imp)), EINVAL,
		  "kpool_buf_import of /dev/kpool itself: -EINVAL");
	kt_expect(LIB(kpool_buf_import(kp, devnull, NULL)), EINVAL,
		  "kpool_buf_import with handle NULL: -EINVAL");
	kt_expect(LIB(kpool_export_send(devnull, devnull)), ENOTSOCK,
		  "kpool_export_send on a file that is not a socket: -ENOTSOCK");
	close(devnull);
}

/* The child: its own file, receives the fd, imports, writes, reports. */
static void child(void *arg)
{
	int sock = *(int *)arg, fd = -1;
	struct kpool kp;
	char buf[16] = "";
	__u32 h;

	if (!kt_ok(!kpool_open(&kp, 0), "child: kpool_open"))
		return;
	kt_expect(LIB(kpool_export_recv(sock, O_CLOEXEC, &fd)), 0,
		  "child: kpool_export_recv");
	kt_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	      "child: the received fd is close-on-exec (O_CLOEXEC)");
	if (kt_expect(kpool_buf_import(&kp, fd, &h), 0, "child: import")) {
		kt_ok(!kpool_buf_read(&kp, h, 0, buf, 11) &&
		      !memcmp(buf, "from parent", 11),
		      "child: reads the parent's bytes");
		kpool_buf_write(&kp, h, 0, "FROM CHILD!", 11);
		kpool_buf_free(&kp, h);
	}
	close(fd);
	kpool_close(&kp);
	kt_ok(!errno_touched, "child: no library call changed errno (%d did)",
	      errno_touched);
	kt_send_byte(sock, 'd');
	/* A message without a descriptor, then the end of the stream. */
	kt_send_byte(sock, 'x');
}

static void test_two_processes(struct kpool *kp)
{
	struct kpool_stats before;
	int sv[2], fd = -1, rfd, got = -1;
	char buf[16] = "";
	pid_t pid;
	__u32 h;

	kt_stats_now(&before);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    kpool_buf_alloc(kp, 20000, &h, NULL)) {
		kt_ok(0, "setup: a socket pair and a buffer");
		return;
	}
	kpool_buf_write(kp, h, 0, "from parent", 11);
	kt_expect(kpool_buf_export(kp, h, O_CLOEXEC, &fd), 0, "parent: export");
	pid = kt_spawn(child, &sv[1], &rfd);
	if (pid < 0) {
		kt_ok(0, "fork");
		return;
	}
	close(sv[1]);
	kt_expect(LIB(kpool_export_send(sv[0], fd)), 0, "parent: kpool_export_send");
	close(fd);
	kt_ok(kt_recv_byte(sv[0]) == 'd', "parent: the child is done");
	kt_ok(!kpool_buf_read(kp, h, 0, buf, 11) && !memcmp(buf, "FROM CHILD!", 11),
	      "parent: sees the bytes the child wrote");
	kt_expect(LIB(kpool_export_recv(sv[0], 0, &got)), EBADMSG,
		  "kpool_export_recv of a message without an fd: -EBADMSG");
	kt_reap(pid, rfd, "export/import child");
	kt_expect(LIB(kpool_export_recv(sv[0], 0, &got)), ENODATA,
		  "kpool_export_recv after the peer closed: -ENODATA");
	kt_expect(LIB(kpool_export_recv(sv[0], O_NONBLOCK, &got)), EINVAL,
		  "kpool_export_recv with O_NONBLOCK: -EINVAL");
	kt_expect(LIB(kpool_export_send(sv[0], 0)), EPIPE,
		  "kpool_export_send after the peer closed: -EPIPE");
	close(sv[0]);
	kpool_buf_free(kp, h);
	kt_state_is(&before, 2000, "the child's import and the export are gone");
}

int main(void)
{
	struct kpool kp;

	kt_begin();
	if (!kt_expect(kpool_open(&kp, 0), 0, "kpool_open"))
		return kt_end();
	test_same_process(&kp);
	test_rdonly(&kp);
	test_refused(&kp);
	test_two_processes(&kp);
	kpool_close(&kp);
	kt_ok(!errno_touched,
	      "no library call changed errno, on success or failure (%d did)",
	      errno_touched);
	return kt_end();
}
