// SPDX-License-Identifier: GPL-2.0
/*
 * libcheck - host tests of libkpool that need no /dev/kpool and no VM
 * ('make -C userspace check'): kpool_strerror(), kpool_export_send() and
 * kpool_export_recv() over a socketpair, and the argument checks every
 * function makes before it calls the kernel (NULL pointers, bad sizes and
 * flags, -EBADF for a struct kpool that is not open).  Every call must
 * leave errno as it found it.  Plain TAP on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkpool.h>

#define SENTINEL 4242

static int n_tests, n_failed;

static void __attribute__((format(printf, 2, 3))) ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Run @call with errno at a sentinel; fail the test if errno changed. */
#define CALL(call)							\
	({								\
		__typeof__(call) r_;					\
		errno = SENTINEL;					\
		r_ = (call);						\
		if (errno != SENTINEL)					\
			printf("# errno changed by %s\n", #call);	\
		errno_ok &= errno == SENTINEL;				\
		r_;							\
	})

static int errno_ok = 1;

/* kpool_strerror(): the kpool meaning of each errno, either sign. */
static void test_strerror(void)
{
	static const struct { int err; const char *word; } cases[] = {
		{ 0, "success" },
		{ ENOENT, "no such handle" },
		{ EINVAL, "invalid argument" },
		{ E2BIG, "max_buffer_size" },
		{ EDQUOT, "max_user_bytes" },
		{ EMFILE, "max_file_handles" },
		{ ENOMEM, "out of memory" },
		{ ENOTTY, "not a kpool device" },
		{ EBADF, "bad file descriptor" },
		{ EFAULT, "bad address" },
		{ ENODATA, "no more data" },
	};
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *neg = CALL(kpool_strerror(-cases[i].err));
		const char *pos = CALL(kpool_strerror(cases[i].err));

		ok(neg && strstr(neg, cases[i].word) && pos == neg,
		   "kpool_strerror(%d) and (%d) say \"%s\"", -cases[i].err,
		   cases[i].err, neg ? neg : "(null)");
	}
	/* Without a kpool meaning: strerror(3)'s text. */
	snprintf(want, sizeof(want), "%s", strerror(EPIPE));
	ok(!strcmp(CALL(kpool_strerror(-EPIPE)), want),
	   "kpool_strerror(-EPIPE) is strerror(EPIPE): \"%s\"", want);
	ok(CALL(kpool_strerror(-100000)) != NULL,
	   "kpool_strerror() of an unknown errno returns a string");
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* kpool_export_send() / kpool_export_recv() over a socketpair. */
static void test_send_recv(void)
{
	int sv[2], fd, got = -1, ret, pfd[2];
	char byte = 'x';

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	fd = memfd_create("libcheck", 0);
	ok(fd >= 0, "memfd_create for a descriptor to send");

	ret = CALL(kpool_export_send(sv[0], fd));
	ok(ret == 0, "kpool_export_send of an fd: %d", ret);
	ret = CALL(kpool_export_recv(sv[1], 0, &got));
	ok(ret == 0 && got >= 0 && got != fd && same_file(fd, got),
	   "kpool_export_recv gives a new descriptor of the same file (%d)", ret);
	ok(got >= 0 && !(fcntl(got, F_GETFD) & FD_CLOEXEC),
	   "without O_CLOEXEC the received fd is not close-on-exec");
	if (got >= 0)
		close(got);
	ok(fcntl(fd, F_GETFD) >= 0, "the sent fd stays open in the sender");

	got = -1;
	ret = CALL(kpool_export_send(sv[0], fd));
	ret = ret ?: CALL(kpool_export_recv(sv[1], O_CLOEXEC, &got));
	ok(ret == 0 && got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC),
	   "with O_CLOEXEC the received fd is close-on-exec (%d)", ret);
	if (got >= 0)
		close(got);

	/* A byte without a descriptor: -EBADMSG. */
	got = -1;
	ok(write(sv[0], &byte, 1) == 1, "a plain byte written to the socket");
	ret = CALL(kpool_export_recv(sv[1], 0, &got));
	ok(ret == -EBADMSG && got == -1,
	   "kpool_export_recv of a message without an fd: -EBADMSG (%d)", ret);

	/* Bad arguments before any system call. */
	ret = CALL(kpool_export_recv(sv[1], 0, NULL));
	ok(ret == -EINVAL, "kpool_export_recv with a NULL fd: -EINVAL (%d)", ret);
	ret = CALL(kpool_export_recv(sv[1], O_NONBLOCK, &got));
	ok(ret == -EINVAL, "kpool_export_recv with O_NONBLOCK: -EINVAL (%d)", ret);

	/* Not a socket, and a socket whose peer has gone. */
	ok(!pipe(pfd), "pipe for a descriptor that is not a socket");
	ret = CALL(kpool_export_send(pfd[1], fd));
	ok(ret == -ENOTSOCK, "kpool_export_send on a pipe: -ENOTSOCK (%d)", ret);
	ret = CALL(kpool_export_send(-1, fd));
	ok(ret == -EBADF, "kpool_export_send on fd -1: -EBADF (%d)", ret);
	ret = CALL(kpool_export_send(sv[0], -1));
	ok(ret == -EBADF, "kpool_export_send of fd -1: -EBADF (%d)", ret);
	close(pfd[0]);
	close(pfd[1]);

	close(sv[0]);
	ret = CALL(kpool_export_recv(sv[1], 0, &got));
	ok(ret == -ENODATA, "kpool_export_recv after the peer closed: -ENODATA (%d)", ret);
	close(sv[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		close(sv[1]);
		ret = CALL(kpool_export_send(sv[0], fd));
		ok(ret == -EPIPE, "kpool_export_send to a closed peer: -EPIPE, no SIGPIPE (%d)", ret);
		close(sv[0]);
	}
	close(fd);
}

/* Every check made before the kernel is asked. */
static void test_args(void)
{
	struct kpool kp = { .fd = 12345 }, closed = { .fd = -1 };
	struct kpool_info info;
	struct kpool_stats st;
	struct kpool_map map;
	struct kpool_reader r;
	__u32 h = 1, hs[2] = { 1, 2 };
	unsigned char b;
	char buf[8];
	size_t done = 99;
	__u64 len;
	int fd, ret;

	ret = CALL(kpool_open(NULL, 0));
	ok(ret == -EINVAL, "kpool_open(NULL): -EINVAL (%d)", ret);
	ret = CALL(kpool_open(&kp, 1));
	ok(ret == -EINVAL && kp.fd == -1, "kpool_open with flags 1: -EINVAL, fd -1 (%d)", ret);
	if (access(KPOOL_DEVICE, F_OK)) {
		ret = CALL(kpool_open(&kp, 0));
		ok(ret == -ENOENT && kp.fd == -1,
		   "kpool_open without " KPOOL_DEVICE ": -ENOENT, fd -1 (%d)", ret);
	} else {
		printf("ok %d - # SKIP " KPOOL_DEVICE " exists on this host\n", ++n_tests);
	}
	ret = CALL(kpool_close(&closed));
	ok(ret == -EBADF, "kpool_close of a closed struct kpool: -EBADF (%d)", ret);
	ret = CALL(kpool_close(NULL));
	ok(ret == -EBADF, "kpool_close(NULL): -EBADF (%d)", ret);

	/* NULL out-parameters: -EINVAL, even on a closed struct kpool. */
	ok(CALL(kpool_buf_alloc(&closed, 100, NULL, NULL)) == -EINVAL, "kpool_buf_alloc, NULL handle: -EINVAL");
	ok(CALL(kpool_buf_alloc_batch(&closed, 100, NULL, 2)) == -EINVAL, "kpool_buf_alloc_batch, NULL handles: -EINVAL");
	ok(CALL(kpool_buf_alloc_batch(&closed, 100, hs, 0)) == -EINVAL, "kpool_buf_alloc_batch, count 0: -EINVAL");
	ok(CALL(kpool_buf_free_batch(&closed, NULL, 2, &done)) == -EINVAL && done == 0,
	   "kpool_buf_free_batch, NULL handles: -EINVAL, done 0");
	ok(CALL(kpool_buf_free_batch(&closed, hs, 0, NULL)) == -EINVAL, "kpool_buf_free_batch, count 0: -EINVAL");
	ok(CALL(kpool_buf_dup(&closed, 1, NULL)) == -EINVAL, "kpool_buf_dup, NULL new_handle: -EINVAL");
	ok(CALL(kpool_buf_split(&closed, 1, 0, NULL)) == -EINVAL, "kpool_buf_split, NULL tail: -EINVAL");
	ok(CALL(kpool_buf_slice(&closed, 1, 0, 1, NULL)) == -EINVAL, "kpool_buf_slice, NULL new_handle: -EINVAL");
	ok(CALL(kpool_buf_info(&closed, 1, NULL)) == -EINVAL, "kpool_buf_info, NULL info: -EINVAL");
	ok(CALL(kpool_buf_materialize(&closed, NULL, 1, &h, NULL)) == -EINVAL, "kpool_buf_materialize, NULL handles: -EINVAL");
	ok(CALL(kpool_buf_materialize(&closed, hs, 1, NULL, NULL)) == -EINVAL, "kpool_buf_materialize, NULL new_handle: -EINVAL");
	ok(CALL(kpool_buf_materialize(&closed, hs, 0, &h, NULL)) == -EINVAL, "kpool_buf_materialize, count 0: -EINVAL");
	ok(CALL(kpool_buf_materialize(&closed, hs, KPOOL_BATCH_MAX + 1, &h, NULL)) == -EINVAL,
	   "kpool_buf_materialize, count KPOOL_BATCH_MAX + 1: -EINVAL");
	ok(CALL(kpool_buf_map(&closed, 1, PROT_READ, NULL)) == -EINVAL, "kpool_buf_map, NULL map: -EINVAL");
	ok(CALL(kpool_buf_map(&closed, 1, 0, &map)) == -EINVAL, "kpool_buf_map, prot 0: -EINVAL");
	ok(CALL(kpool_buf_map(&closed, 1, PROT_EXEC, &map)) == -EINVAL, "kpool_buf_map, PROT_EXEC: -EINVAL");
	memset(&map, 0, sizeof(map));
	ok(CALL(kpool_buf_unmap(&map)) == -EINVAL, "kpool_buf_unmap of a map never made: -EINVAL");
	ok(CALL(kpool_buf_unmap(NULL)) == -EINVAL, "kpool_buf_unmap(NULL): -EINVAL");
	ok(CALL(kpool_buf_export(&closed, 1, 0, NULL)) == -EINVAL, "kpool_buf_export, NULL fd: -EINVAL");
	ok(CALL(kpool_buf_export(&closed, 1, O_NONBLOCK, &fd)) == -EINVAL, "kpool_buf_export, O_NONBLOCK: -EINVAL");
	ok(CALL(kpool_buf_import(&closed, 0, NULL)) == -EINVAL, "kpool_buf_import, NULL handle: -EINVAL");
	ok(CALL(kpool_stats_get(&closed, NULL)) == -EINVAL, "kpool_stats_get, NULL stats: -EINVAL");

	/* A struct kpool that is not open (fd -1), or NULL: -EBADF, no ioctl. */
	ok(CALL(kpool_buf_alloc(&closed, 100, &h, &info)) == -EBADF, "kpool_buf_alloc on fd -1: -EBADF");
	ok(CALL(kpool_buf_alloc(NULL, 100, &h, NULL)) == -EBADF, "kpool_buf_alloc on a NULL struct kpool: -EBADF");
	ok(CALL(kpool_buf_free(&closed, 1)) == -EBADF, "kpool_buf_free on fd -1: -EBADF");
	ok(CALL(kpool_buf_alloc_batch(&closed, 100, hs, 2)) == -EBADF, "kpool_buf_alloc_batch on fd -1: -EBADF");
	done = 99;
	ok(CALL(kpool_buf_free_batch(&closed, hs, 2, &done)) == -EBADF && done == 0,
	   "kpool_buf_free_batch on fd -1: -EBADF, done 0");
	ok(CALL(kpool_buf_dup(&closed, 1, &h)) == -EBADF, "kpool_buf_dup on fd -1: -EBADF");
	ok(CALL(kpool_buf_split(&closed, 1, 0, &h)) == -EBADF, "kpool_buf_split on fd -1: -EBADF");
	ok(CALL(kpool_buf_slice(&closed, 1, 0, 1, &h)) == -EBADF, "kpool_buf_slice on fd -1: -EBADF");
	ok(CALL(kpool_buf_info(&closed, 1, &info)) == -EBADF, "kpool_buf_info on fd -1: -EBADF");
	ok(CALL(kpool_buf_read(&closed, 1, 0, buf, sizeof(buf))) == -EBADF, "kpool_buf_read on fd -1: -EBADF");
	ok(CALL(kpool_buf_write(&closed, 1, 0, buf, sizeof(buf))) == -EBADF, "kpool_buf_write on fd -1: -EBADF");
	ok(CALL(kpool_buf_materialize(&closed, hs, 2, &h, &len)) == -EBADF, "kpool_buf_materialize on fd -1: -EBADF");
	ok(CALL(kpool_buf_map(&closed, 1, PROT_READ, &map)) == -EBADF && !map.addr,
	   "kpool_buf_map on fd -1: -EBADF, map zeroed");
	ok(CALL(kpool_buf_export(&closed, 1, 0, &fd)) == -EBADF, "kpool_buf_export on fd -1: -EBADF");
	ok(CALL(kpool_buf_import(&closed, 0, &h)) == -EBADF, "kpool_buf_import on fd -1: -EBADF");
	ok(CALL(kpool_stats_get(&closed, &st)) == -EBADF, "kpool_stats_get on fd -1: -EBADF");

	/* A file that is not kpool's: -ENOTTY from the kernel. */
	kp.fd = open("/dev/null", O_RDWR);
	ok(kp.fd >= 0 && CALL(kpool_buf_alloc(&kp, 100, &h, NULL)) == -ENOTTY,
	   "kpool_buf_alloc on /dev/null: -ENOTTY");
	ok(CALL(kpool_close(&kp)) == 0 && kp.fd == -1, "kpool_close of it: 0, fd -1");

	/* Readers. */
	ok(CALL(kpool_reader_open(&closed, NULL, hs, 1)) == -EINVAL, "kpool_reader_open, NULL reader: -EINVAL");
	ok(CALL(kpool_reader_open(&closed, &r, NULL, 1)) == -EINVAL, "kpool_reader_open, NULL handles with count 1: -EINVAL");
	ret = CALL(kpool_reader_open(&closed, &r, hs, 2));
	ok(ret == -EBADF, "kpool_reader_open on fd -1: -EBADF (%d)", ret);
	ret = CALL(kpool_reader_open(&closed, &r, NULL, 0));
	ok(ret == 0 && CALL(kpool_reader_remaining(&r)) == 0, "kpool_reader_open of 0 views: an empty reader (%d)", ret);
	ok(CALL(kpool_reader_read(&r, buf, sizeof(buf))) == 0, "kpool_reader_read of an empty reader: 0");
	ok(CALL(kpool_reader_peek(&r, buf, sizeof(buf))) == 0, "kpool_reader_peek of an empty reader: 0");
	ok(CALL(kpool_reader_read_byte(&r, &b)) == -ENODATA, "kpool_reader_read_byte of an empty reader: -ENODATA");
	ok(CALL(kpool_reader_read_byte(&r, NULL)) == -EINVAL, "kpool_reader_read_byte, NULL byte: -EINVAL");
	ok(CALL(kpool_reader_discard(&r, 10)) == 0, "kpool_reader_discard of an empty reader: 0");
	ok(CALL(kpool_reader_close(&r)) == 0, "kpool_reader_close of an empty reader: 0");
	ok(CALL(kpool_reader_read(NULL, buf, 1)) == -EINVAL, "kpool_reader_read(NULL): -EINVAL");
	ok(CALL(kpool_reader_peek(NULL, buf, 1)) == -EINVAL, "kpool_reader_peek(NULL): -EINVAL");
	ok(CALL(kpool_reader_discard(NULL, 1)) == -EINVAL, "kpool_reader_discard(NULL): -EINVAL");
	ok(CALL(kpool_reader_close(NULL)) == -EINVAL, "kpool_reader_close(NULL): -EINVAL");
	ok(CALL(kpool_reader_remaining(NULL)) == 0, "kpool_reader_remaining(NULL): 0");
}

int main(void)
{
	test_strerror();
	test_send_recv();
	test_args();
	ok(errno_ok, "no libkpool call changed errno");
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
