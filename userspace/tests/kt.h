/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kt.h - the little shared by the kpool user-space tests.
 *
 * Every test is one static binary that prints plain TAP:
 *	ok 1 - what was checked
 *	not ok 2 - what was checked
 *	# a diagnostic line
 *	1..2
 * (the plan comes last) and exits 0 when every case passed, 1 when one
 * failed, 77 when the whole test was skipped ("1..0 # SKIP why").
 *
 * The tests drive the raw ioctls of <linux/kpool.h>: they test the ABI, not
 * a library.  The wrappers below return 0 or -errno, never rely on errno.
 *
 * A test starts with kt_begin(), which skips when /dev/kpool is missing and
 * takes a snapshot of KPOOL_IOC_STATS, and ends with kt_end(), which adds
 * the case "nothing left behind" (live handles, mappings, exports, bytes
 * and every tier's in_use back to the snapshot) and prints the plan.
 *
 * Child processes report through the same kt_ok()/kt_diag() calls: after
 * kt_spawn() they go down a pipe to the parent, which prints them as its own
 * cases when it reaps the child (kt_reap()).  So TAP numbering stays in one
 * process and a child that dies half-way is still noticed.
 */
#ifndef KT_H
#define KT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kpool.h>

#define KT_DEV		"/dev/kpool"
#define KT_PAGE		4096UL
#define KT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The default tier table of the module (spec/uapi.md, module parameters). */
static const uint64_t kt_tiers[] __attribute__((unused)) = { 256, 4096, 16384, 32768, 1048576 };
#define KT_NTIERS	KT_ARRAY_SIZE(kt_tiers)

static int kt_n __attribute__((unused)), kt_failed __attribute__((unused));
static int kt_report_fd __attribute__((unused)) = -1;	/* in a child made by kt_spawn(): the pipe */
static struct kpool_stats kt_start __attribute__((unused));
/* When >= 0, kt_stats_now() uses this file instead of opening one. */
static int kt_stats_fd __attribute__((unused)) = -1;

#define KT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* One line, without newlines (TAP descriptions and diagnostics). */
static inline void kt_vline(char *buf, size_t size, const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(buf, size, fmt, ap);
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static inline void kt_emit(int ok, const char *desc)
{
	if (kt_report_fd >= 0) {
		dprintf(kt_report_fd, "%c%s\n", ok ? 'P' : 'F', desc);
		return;
	}
	kt_n++;
	if (!ok)
		kt_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", kt_n, desc);
	fflush(stdout);
}

/* Print a diagnostic line ("# ..."). */
static inline KT_PRINTF(1, 2) void kt_diag(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kt_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (kt_report_fd >= 0) {
		dprintf(kt_report_fd, "D%s\n", buf);
		return;
	}
	printf("# %s\n", buf);
	fflush(stdout);
}

/* One test case: passes when @cond is true.  Returns @cond. */
static inline KT_PRINTF(2, 3) int kt_ok(int cond, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kt_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kt_emit(!!cond, buf);
	return !!cond;
}

/* One case skipped: "ok N - what # SKIP why" (not counted as a pass). */
static inline KT_PRINTF(2, 3) void kt_skip(const char *why, const char *fmt, ...)
{
	char buf[512], line[700];
	va_list ap;

	va_start(ap, fmt);
	kt_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s # SKIP %s", buf, why);
	kt_emit(1, line);
}

/* Skip the whole test (only before any case was printed). */
static inline KT_PRINTF(1, 2) void kt_skip_all(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kt_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("1..0 # SKIP %s\n", buf);
	fflush(stdout);
	exit(77);
}

static inline const char *kt_errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case EOVERFLOW: return "EOVERFLOW";
	case EDQUOT: return "EDQUOT";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case ESPIPE: return "ESPIPE";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * A case on a call's result: @ret is 0 or -errno (a wrapper's return),
 * @want 0 or a positive errno.  Says what came back when it is wrong.
 */
static inline KT_PRINTF(3, 4) int kt_expect(int ret, int want, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int ok = ret == -want;

	va_start(ap, fmt);
	kt_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!ok)
		kt_diag("%s: got %s (%d), want %s", buf, kt_errname(-ret), ret,
			kt_errname(want));
	kt_emit(ok, buf);
	return ok;
}

/* ------------------------------------------------------------ ioctls */

/* ioctl(2) as 0 or -errno. */
static inline int kt_io(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* open(2) of /dev/kpool: the fd, or -errno. */
static inline int kt_open(void)
{
	int fd = open(KT_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int kt_alloc_full(int fd, uint64_t size, struct kpool_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	return kt_io(fd, KPOOL_IOC_ALLOC, a);
}

/* Allocate @size bytes; the handle goes to *@h. */
static inline int kt_alloc(int fd, uint64_t size, uint32_t *h)
{
	struct kpool_alloc a;
	int ret = kt_alloc_full(fd, size, &a);

	*h = ret ? 0 : a.handle;
	return ret;
}

static inline int kt_alloc_batch(int fd, uint64_t size, uint32_t *handles,
			  uint32_t count)
{
	struct kpool_alloc_batch b = {
		.size = size, .handles = (uintptr_t)handles, .count = count,
	};

	return kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b);
}

static inline int kt_free(int fd, uint32_t h)
{
	struct kpool_handle_arg a = { .handle = h };

	return kt_io(fd, KPOOL_IOC_FREE, &a);
}

static inline int kt_free_batch(int fd, const uint32_t *handles, uint32_t count,
			 uint32_t *done)
{
	struct kpool_free_batch b = {
		.handles = (uintptr_t)handles, .count = count, .done = 0xdeadbeef,
	};
	int ret = kt_io(fd, KPOOL_IOC_FREE_BATCH, &b);

	if (done)
		*done = b.done;
	return ret;
}

static inline int kt_dup(int fd, uint32_t h, uint32_t *nh)
{
	struct kpool_dup d = { .handle = h };
	int ret = kt_io(fd, KPOOL_IOC_DUP, &d);

	if (nh)
		*nh = ret ? 0 : d.new_handle;
	return ret;
}

static inline int kt_split(int fd, uint32_t h, uint64_t at, uint32_t *nh)
{
	struct kpool_split s = { .handle = h, .at = at };
	int ret = kt_io(fd, KPOOL_IOC_SPLIT, &s);

	if (nh)
		*nh = ret ? 0 : s.new_handle;
	return ret;
}

static inline int kt_slice(int fd, uint32_t h, uint64_t start, uint64_t end,
		    uint32_t *nh)
{
	struct kpool_slice s = { .handle = h, .start = start, .end = end };
	int ret = kt_io(fd, KPOOL_IOC_SLICE, &s);

	if (nh)
		*nh = ret ? 0 : s.new_handle;
	return ret;
}

static inline int kt_info(int fd, uint32_t h, struct kpool_info *i)
{
	memset(i, 0, sizeof(*i));
	i->handle = h;
	return kt_io(fd, KPOOL_IOC_INFO, i);
}

static inline int kt_read(int fd, uint32_t h, uint64_t off, void *data, uint64_t len)
{
	struct kpool_rw rw = {
		.handle = h, .offset = off, .length = len,
		.data = (uintptr_t)data,
	};

	return kt_io(fd, KPOOL_IOC_READ, &rw);
}

static inline int kt_write(int fd, uint32_t h, uint64_t off, const void *data,
		    uint64_t len)
{
	struct kpool_rw rw = {
		.handle = h, .offset = off, .length = len,
		.data = (uintptr_t)data,
	};

	return kt_io(fd, KPOOL_IOC_WRITE, &rw);
}

static inline int kt_materialize(int fd, const uint32_t *handles, uint32_t count,
			  uint32_t *nh, uint64_t *len)
{
	struct kpool_materialize m = {
		.handles = (uintptr_t)handles, .count = count,
	};
	int ret = kt_io(fd, KPOOL_IOC_MATERIALIZE, &m);

	if (nh)
		*nh = ret ? 0 : m.new_handle;
	if (len)
		*len = ret ? 0 : m.length;
	return ret;
}

/* Export handle @h; the new fd goes to *@efd. */
static inline int kt_export(int fd, uint32_t h, uint32_t flags, int *efd)
{
	struct kpool_export e = { .handle = h, .flags = flags, .fd = -1 };
	int ret = kt_io(fd, KPOOL_IOC_EXPORT, &e);

	*efd = ret ? -1 : e.fd;
	return ret;
}

static inline int kt_import(int fd, int efd, uint32_t *nh)
{
	struct kpool_import im = { .fd = efd };
	int ret = kt_io(fd, KPOOL_IOC_IMPORT, &im);

	if (nh)
		*nh = ret ? 0 : im.new_handle;
	return ret;
}

static inline int kt_stats(int fd, struct kpool_stats *s)
{
	memset(s, 0, sizeof(*s));
	return kt_io(fd, KPOOL_IOC_STATS, s);
}

/* STATS through a file of its own, opened and closed here. */
static inline int kt_stats_now(struct kpool_stats *s)
{
	int fd, ret;

	if (kt_stats_fd >= 0)
		return kt_stats(kt_stats_fd, s);
	fd = kt_open();

	if (fd < 0)
		return fd;
	ret = kt_stats(fd, s);
	close(fd);
	return ret;
}

/* The view's bytes in a fresh malloc()ed buffer, or NULL. */
static inline void *kt_read_all(int fd, uint32_t h, uint64_t len)
{
	void *p = malloc(len ? len : 1);

	if (p && kt_read(fd, h, 0, p, len)) {
		free(p);
		p = NULL;
	}
	return p;
}

/* mmap(2) of @len bytes at @off: the address, or NULL with *@err set. */
static inline void *kt_mmap(int fd, size_t len, uint64_t off, int *err)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)off);

	if (p == MAP_FAILED) {
		if (err)
			*err = errno;
		return NULL;
	}
	if (err)
		*err = 0;
	return p;
}

/* ------------------------------------------------------------ state */

/* Live state only: what a failed call must not change. */
static inline int kt_live_same(const struct kpool_stats *a,
			const struct kpool_stats *b, char *why, size_t n)
{
	unsigned int i;

#define KT_CMP(field, name)						\
	do {								\
		if (a->field != b->field) {				\
			snprintf(why, n, "%s %" PRIu64 " -> %" PRIu64,	\
				 name, (uint64_t)a->field,		\
				 (uint64_t)b->field);			\
			return 0;					\
		}							\
	} while (0)
	KT_CMP(handles, "handles");
	KT_CMP(mappings, "mappings");
	KT_CMP(exports, "exports");
	KT_CMP(bytes_in_use, "bytes_in_use");
	KT_CMP(fallback.in_use, "fallback in_use");
	for (i = 0; i < KPOOL_MAX_TIERS; i++) {
		if (a->tier[i].in_use != b->tier[i].in_use) {
			snprintf(why, n, "tier %u in_use %" PRIu64 " -> %" PRIu64,
				 i, (uint64_t)a->tier[i].in_use,
				 (uint64_t)b->tier[i].in_use);
			return 0;
		}
	}
#undef KT_CMP
	if (why && n)
		why[0] = 0;
	return 1;
}

/*
 * A case: the live state is as in @before.  Exported files closed by an
 * exiting process may be released a moment later (delayed fput), so this
 * looks again for up to @wait_ms.
 */
static inline KT_PRINTF(3, 4) int kt_state_is(const struct kpool_stats *before,
				       int wait_ms, const char *fmt, ...)
{
	struct kpool_stats now;
	char desc[512], why[160] = "";
	va_list ap;
	int ok = 0, waited = 0, ret;

	va_start(ap, fmt);
	kt_vline(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	for (;;) {
		ret = kt_stats_now(&now);
		if (ret) {
			snprintf(why, sizeof(why), "STATS failed: %s",
				 kt_errname(-ret));
			break;
		}
		ok = kt_live_same(before, &now, why, sizeof(why));
		if (ok || waited >= wait_ms)
			break;
		usleep(20000);
		waited += 20;
	}
	if (!ok)
		kt_diag("%s: %s", desc, why);
	kt_emit(ok, desc);
	return ok;
}

/* Same, for one syscall's aftermath: must hold at once. */
#define kt_unchanged(before, ...) kt_state_is(before, 0, __VA_ARGS__)

/* Start a test: skip when there is no /dev/kpool, remember the stats. */
static inline void kt_begin(void)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = kt_stats_now(&kt_start);
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO)
		kt_skip_all("%s cannot be opened (%s): kpool is not loaded",
			    KT_DEV, kt_errname(-ret));
	if (ret) {
		printf("Bail out! STATS on %s: %s\n", KT_DEV, kt_errname(-ret));
		exit(1);
	}
}

/* End a test: the leak check, the plan, the exit status. */
static inline int kt_end(void)
{
	kt_state_is(&kt_start, 2000,
		    "nothing left behind: handles, mappings, exports, bytes and tiers' in_use as at the start");
	printf("1..%d\n", kt_n);
	fflush(stdout);
	return kt_failed ? 1 : 0;
}

/* ------------------------------------------------------------ processes */

/*
 * Run @fn(@arg) in a child process whose kt_ok()/kt_diag() go to the
 * parent; *@rfd receives the reading end for kt_reap().
 */
static inline pid_t kt_spawn(void (*fn)(void *), void *arg, int *rfd)
{
	int p[2];
	pid_t pid;

	*rfd = -1;
	fflush(stdout);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		close(p[0]);
		kt_report_fd = p[1];
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Describe a wait status. */
static inline const char *kt_status_str(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

/* Print what the child reported; returns its wait status. */
static inline int kt_collect(pid_t pid, int rfd)
{
	char buf[4096], line[1024];
	size_t used = 0;
	ssize_t n;
	int status = -1;

	for (;;) {
		n = read(rfd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += n;
		buf[used] = 0;
		for (;;) {
			char *nl = memchr(buf, '\n', used);
			size_t len;

			if (!nl)
				break;
			len = nl - buf;
			if (len >= sizeof(line))
				len = sizeof(line) - 1;
			memcpy(line, buf, len);
			line[len] = 0;
			used -= nl + 1 - buf;
			memmove(buf, nl + 1, used);
			if (line[0] == 'D')
				kt_diag("%s", line + 1);
			else
				kt_emit(line[0] == 'P', line + 1);
		}
		if (used == sizeof(buf) - 1)
			used = 0;	/* a line too long: drop it */
	}
	close(rfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* kt_collect(), and a case: the child @what exited with status 0. */
static inline int kt_reap(pid_t pid, int rfd, const char *what)
{
	int status;

	if (pid < 0) {
		kt_ok(0, "%s: fork() failed: %s", what, strerror(errno));
		return -1;
	}
	status = kt_collect(pid, rfd);

	kt_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: child process ran to its end (%s)", what,
	      kt_status_str(status));
	return status;
}

/* Pass the descriptor @f over the unix socket @sock (SCM_RIGHTS). */
static inline int kt_send_fd(int sock, int f)
{
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &f, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receive a descriptor sent by kt_send_fd(): it, or -errno. */
static inline int kt_recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int f = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&f, CMSG_DATA(cm), sizeof(int));
	return f;
}

/*
 * Touch @p (a write when @write) in a forked child: 0 when that worked,
 * else the signal that killed the child (-1 when it could not run).
 */
static inline int kt_probe(volatile char *p, int write)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (write)
			p[0] = 'w';
		else
			(void)p[0];
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status) ? -1 : 0;
}

/* A one-byte message between processes (blocking). */
static inline int kt_send_byte(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int kt_recv_byte(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? (unsigned char)c : -1;
}

/* Fill @len bytes with a pattern that depends on @seed and the offset. */
static inline void kt_fill(void *p, size_t len, uint32_t seed)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)((seed * 131 + i * 7 + (i >> 8)) | 1);
}

/* Index of the first byte that differs from kt_fill()'s, or -1. */
static inline long kt_check_fill(const void *p, size_t len, uint32_t seed)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)((seed * 131 + i * 7 + (i >> 8)) | 1))
			return (long)i;
	return -1;
}

/* Index of the first non-zero byte, or -1. */
static inline long kt_nonzero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return (long)i;
	return -1;
}

/* Read a module parameter from sysfs: 0, or -errno. */
static inline int kt_param(const char *name, unsigned long long *val)
{
	char path[128];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/sys/module/kpool/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%llu", val) != 1)
		ret = -EINVAL;
	fclose(f);
	return ret;
}

/*
 * Give back the buffers kpool keeps for reuse (its magazines: freed
 * buffers are handed out again without the slab), by running the
 * shrinkers: a test that makes the slab fail must reach it.
 */
static inline void kt_drop_kept(void)
{
	int dfd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	if (dfd < 0 || write(dfd, "2", 1) != 1)
		kt_diag("writing drop_caches: %s", strerror(errno));
	if (dfd >= 0)
		close(dfd);
}

/* Milliseconds since some fixed point. */
static inline long long kt_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

#endif /* KT_H */
