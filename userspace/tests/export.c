// SPDX-License-Identifier: GPL-2.0
/*
 * export: views as file descriptors (KPOOL_IOC_EXPORT, KPOOL_IOC_IMPORT).
 *
 * A buffer crosses from one process to another over a unix socket
 * (SCM_RIGHTS) while its exporter has already exited; the fd maps the view
 * at offset 0; what IMPORT refuses (EINVAL for files that are not exported
 * kpool files, EBADF for closed fds); O_CLOEXEC across execve(); the
 * exported view is the one at the time of EXPORT; the counters.
 */
#include "kt.h"

#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>

static int fd;
static const char *self;

static uint32_t info_refs(int f, uint32_t h)
{
	struct kpool_info i;

	return kt_info(f, h, &i) ? 0 : i.refs;
}

/* ------------------------------------------------------ across processes */

static int sock[2];

static void exporter(void *arg)
{
	struct kpool_alloc a;
	unsigned char buf[16384];
	int f, efd = -1;

	(void)arg;
	close(sock[1]);
	f = kt_open();
	if (!kt_ok(f >= 0 && kt_alloc_full(f, 16384, &a) == 0,
		   "exporter: ALLOC of 16 KiB"))
		return;
	kt_fill(buf, sizeof(buf), 5);
	kt_write(f, a.handle, 0, buf, sizeof(buf));
	kt_expect(kt_export(f, a.handle, O_CLOEXEC, &efd), 0, "exporter: EXPORT");
	kt_expect(kt_send_fd(sock[0], efd), 0, "exporter: sendmsg(SCM_RIGHTS) of the exported fd");
	/* and goes away, leaving nothing but the fd in flight */
	close(efd);
	kt_free(f, a.handle);
	close(f);
}

static void importer(void *arg)
{
	struct kpool_stats s0;
	unsigned char *m, buf[16384];
	uint32_t h;
	long bad;
	int f, efd, err;

	(void)arg;
	close(sock[0]);
	efd = kt_recv_fd(sock[1]);
	if (!kt_ok(efd >= 0, "importer: recvmsg gets the fd after the exporter exited (%s)",
		   efd < 0 ? kt_errname(-efd) : "ok"))
		return;
	f = kt_open();
	kt_expect(kt_import(f, efd, &h), 0, "importer: IMPORT of the received fd");
	kt_ok(info_refs(f, h) == 2, "importer: refs 2 (the exported file and the new handle; got %u)",
	      info_refs(f, h));
	memset(buf, 0, sizeof(buf));
	kt_read(f, h, 0, buf, sizeof(buf));
	bad = kt_check_fill(buf, sizeof(buf), 5);
	kt_ok(bad < 0, "importer: READ gives the exporter's bytes (first bad at %ld)", bad);

	m = kt_mmap(efd, 16384, 0, &err);
	kt_ok(m != NULL, "importer: mmap of the exported fd at offset 0 (%s)", kt_errname(err));
	if (m) {
		bad = kt_check_fill(m, 16384, 5);
		kt_ok(bad < 0, "importer: the mapping shows the exporter's bytes");
		kt_ok(info_refs(f, h) == 3, "importer: with the mapping, refs 3 (got %u)",
		      info_refs(f, h));
		kt_write(f, h, 100, "imported", 8);
		kt_ok(!memcmp(m + 100, "imported", 8),
		      "importer: a WRITE through the imported handle shows in the mapping");
	}
	kt_stats_now(&s0);
	close(efd);
	if (m) {
		struct kpool_stats s1;

		/* the mapping holds the exported file (vm_file) */
		kt_stats_now(&s1);
		kt_ok(info_refs(f, h) == 3 && s1.exports == s0.exports,
		      "importer: closing the exported fd while it is mapped: the file lives on (refs 3, got %u)",
		      info_refs(f, h));
		m[0] = 'z';
		kt_read(f, h, 0, buf, 1);
		kt_ok(buf[0] == 'z', "importer: the mapping of the closed exported fd still works");
		munmap(m, 16384);
	}
	{
		struct kpool_stats s1;

		kt_stats_now(&s1);
		kt_ok(info_refs(f, h) == 1 && s1.exports == s0.exports - 1,
		      "importer: after munmap the exported file is gone (refs 1, exports -1)");
	}
	kt_free(f, h);
	close(f);
}

static void test_scm_rights(void)
{
	struct kpool_stats s0, s1;
	pid_t pid;
	int rfd;

	kt_stats_now(&s0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock)) {
		kt_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	pid = kt_spawn(exporter, NULL, &rfd);
	kt_reap(pid, rfd, "exporter");
	kt_stats_now(&s1);
	kt_ok(s1.exports == s0.exports + 1 && s1.handles == s0.handles &&
	      s1.bytes_in_use == s0.bytes_in_use + 16384,
	      "the exporter is gone: the fd in flight holds the buffer (exports +1, bytes +16 KiB, no handle)");
	pid = kt_spawn(importer, NULL, &rfd);
	close(sock[0]);
	close(sock[1]);
	kt_reap(pid, rfd, "importer");
	kt_unchanged(&s0, "after the importer exits everything is returned");
}

/* ------------------------------------------------------ IMPORT errors */

static void test_import_errors(void)
{
	struct kpool_stats s0;
	uint32_t h;
	int p[2], f, s[2], closed;
	char path[64];

	kt_stats_now(&s0);
	f = open("/dev/null", O_RDWR | O_CLOEXEC);
	kt_expect(kt_import(fd, f, &h), EINVAL, "IMPORT of /dev/null: EINVAL");
	close(f);
	if (!pipe(p)) {
		kt_expect(kt_import(fd, p[0], &h), EINVAL, "IMPORT of a pipe: EINVAL");
		close(p[0]);
		close(p[1]);
	}
	kt_expect(kt_import(fd, fd, &h), EINVAL, "IMPORT of the /dev/kpool fd itself: EINVAL");
	f = kt_open();
	kt_expect(kt_import(fd, f, &h), EINVAL, "IMPORT of another /dev/kpool fd: EINVAL");
	close(f);
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, s)) {
		kt_expect(kt_import(fd, s[0], &h), EINVAL, "IMPORT of a socket: EINVAL");
		close(s[0]);
		close(s[1]);
	}
	f = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	kt_expect(kt_import(fd, f, &h), EINVAL, "IMPORT of a regular (proc) file: EINVAL");
	close(f);
	f = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	kt_expect(kt_import(fd, f, &h), EINVAL, "IMPORT of a directory: EINVAL");
	close(f);
	closed = dup(0);
	close(closed);
	kt_expect(kt_import(fd, closed, &h), EBADF, "IMPORT of a closed fd: EBADF");
	kt_expect(kt_import(fd, -1, &h), EBADF, "IMPORT of fd -1: EBADF");
	kt_expect(kt_import(fd, INT_MAX, &h), EBADF, "IMPORT of fd INT_MAX: EBADF");
	kt_expect(kt_import(fd, INT_MIN, &h), EBADF, "IMPORT of fd INT_MIN: EBADF");
	kt_unchanged(&s0, "failed IMPORTs change nothing");

	/* A reopened exported fd is not an exported file. */
	{
		uint32_t a;
		int efd = -1, re;

		kt_alloc(fd, 4096, &a);
		kt_export(fd, a, O_CLOEXEC, &efd);
		kt_stats_now(&s0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", efd);
		re = open(path, O_RDWR | O_CLOEXEC);
		if (re < 0) {
			kt_ok(1, "reopening an exported fd through /proc/self/fd fails (%s)",
			      kt_errname(errno));
		} else {
			int ret = kt_import(fd, re, &h);

			if (!ret)
				kt_free(fd, h);
			kt_expect(ret, EINVAL,
				  "IMPORT of an exported fd reopened through /proc/self/fd: EINVAL");
			close(re);
		}
		kt_unchanged(&s0, "reopening an exported fd makes no reference");
		close(efd);
		kt_free(fd, a);
	}
}

/* ------------------------------------------------------ mmap of exports */

static void test_export_mmap(void)
{
	struct kpool_alloc a;
	struct kpool_info info;
	uint32_t s, small;
	unsigned char *m;
	void *p;
	int efd = -1, efd2 = -1, err;

	kt_alloc_full(fd, 16384, &a);
	kt_write(fd, a.handle, 0, "exported bytes", 14);
	kt_export(fd, a.handle, O_CLOEXEC, &efd);
	m = kt_mmap(efd, 16384, 0, &err);
	kt_ok(m && !memcmp(m, "exported bytes", 14),
	      "mmap of an exported fd at offset 0 shows the view (%s)", kt_errname(err));
	if (m)
		munmap(m, 16384);
	m = kt_mmap(efd, 4096, 4096, &err);
	kt_expect(-err, EINVAL, "mmap of an exported fd at offset 4096: EINVAL");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(efd, 4096, a.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of an exported fd at the handle's mmap_offset: EINVAL");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(efd, 20480, 0, &err);
	kt_expect(-err, EINVAL, "mmap of an exported fd longer than the view's pages: EINVAL");
	if (m)
		munmap(m, 20480);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, efd, 0);
	kt_ok(p == MAP_FAILED && errno == EINVAL,
	      "mmap of an exported fd with MAP_PRIVATE: EINVAL");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(efd);

	/* a view starting at byte 100 */
	kt_slice(fd, a.handle, 100, 8192, &s);
	kt_write(fd, s, 0, "at one hundred", 14);
	kt_export(fd, s, O_CLOEXEC, &efd);
	m = kt_mmap(efd, 8192, 0, &err);
	kt_ok(m && !memcmp(m + 100, "at one hundred", 14),
	      "an exported SLICE [100, 8192): its first byte is at 100 in the mapping");
	if (m)
		munmap(m, 8192);
	close(efd);
	kt_free(fd, s);

	kt_alloc(fd, 200, &small);
	kt_info(fd, small, &info);
	kt_export(fd, small, O_CLOEXEC, &efd2);
	m = kt_mmap(efd2, 4096, 0, &err);
	kt_expect(-err, EINVAL, "mmap of an exported sub-page view: EINVAL");
	if (m)
		munmap(m, 4096);
	close(efd2);
	kt_free(fd, small);
	kt_free(fd, a.handle);
}

/* ------------------------------------------------------ semantics */

static void test_semantics(void)
{
	struct kpool_stats s0, s1;
	struct kpool_info info;
	uint32_t h, r, im, im2;
	char buf[8];
	int efd = -1, d, f2, e2 = -1, ret;

	/* the exported view is the one at the time of EXPORT */
	kt_alloc(fd, 1000, &h);
	kt_export(fd, h, O_CLOEXEC, &efd);
	kt_split(fd, h, 10, &r);
	kt_import(fd, efd, &im);
	kt_info(fd, im, &info);
	kt_ok(info.offset == 0 && info.length == 1000,
	      "SPLIT after EXPORT does not change the exported view (length %llu)",
	      (unsigned long long)info.length);
	kt_free(fd, im);

	/* one exported file, however many fds */
	kt_stats_now(&s0);
	d = dup(efd);
	kt_stats_now(&s1);
	kt_ok(s1.exports == s0.exports, "dup() of an exported fd: still one export");
	close(efd);
	kt_expect(kt_import(fd, d, &im), 0, "IMPORT through the dup after closing the original");
	kt_free(fd, im);
	close(d);
	kt_stats_now(&s1);
	kt_ok(s1.exports == s0.exports - 1, "closing the last fd: exports -1");

	/* several exports of one handle */
	kt_export(fd, r, O_CLOEXEC, &efd);
	kt_export(fd, r, O_CLOEXEC, &e2);
	kt_ok(info_refs(fd, r) == 4,
	      "two EXPORTs of a handle whose buffer has 2 handles: refs 4 (got %u)",
	      info_refs(fd, r));

	/* the buffer outlives the file it came from */
	f2 = kt_open();
	kt_import(f2, e2, &im2);
	kt_free(fd, r);
	kt_free(fd, h);
	close(efd);
	close(e2);
	kt_ok(info_refs(f2, im2) == 1, "another file's IMPORT is the last reference (refs 1)");
	kt_write(f2, im2, 0, "alive", 5);
	kt_read(f2, im2, 0, buf, 5);
	kt_ok(!memcmp(buf, "alive", 5), "... and still reads and writes");
	kt_free(f2, im2);
	close(f2);

	/* what an exported file does not do */
	kt_alloc(fd, 4096, &h);
	kt_export(fd, h, O_CLOEXEC, &efd);
	kt_expect(kt_io(efd, KPOOL_IOC_STATS, &s1), ENOTTY,
		  "kpool ioctls on an exported fd: ENOTTY");
	ret = read(efd, buf, 1) < 0 ? -errno : 0;
	kt_ok(ret != 0, "read() of an exported fd fails (%s)", kt_errname(-ret));
	ret = write(efd, buf, 1) < 0 ? -errno : 0;
	kt_ok(ret != 0, "write() of an exported fd fails (%s)", kt_errname(-ret));
	close(efd);
	kt_free(fd, h);
}

/* ------------------------------------------------------ O_CLOEXEC, exec */

static int exec_probe(int efd)
{
	char arg[16];
	pid_t pid;
	int status;

	snprintf(arg, sizeof(arg), "%d", efd);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		execl(self, self, "--probe-fd", arg, (char *)NULL);
		_exit(99);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

/* After execve(): 0 if @arg is an exported kpool fd, 1 if it is not open. */
static int probe_fd(const char *arg)
{
	int efd = atoi(arg), f = kt_open(), ret;
	uint32_t h;

	if (fcntl(efd, F_GETFD) < 0)
		return 1;
	ret = kt_import(f, efd, &h);
	close(f);
	return ret ? 2 : 0;
}

static void test_cloexec(void)
{
	uint32_t h;
	int efd = -1, rc;

	kt_alloc(fd, 4096, &h);
	kt_export(fd, h, O_CLOEXEC, &efd);
	rc = exec_probe(efd);
	kt_ok(rc == 1, "EXPORT with O_CLOEXEC: the fd is gone after execve() (probe says %d)", rc);
	close(efd);
	kt_export(fd, h, 0, &efd);
	rc = exec_probe(efd);
	kt_ok(rc == 0, "EXPORT without O_CLOEXEC: after execve() the fd is still importable (probe says %d)",
	      rc);
	close(efd);
	kt_free(fd, h);
}

/* a child inherits the exported fd and imports it into a file of its own */
static int inherited_fd;

static void inheritor(void *arg)
{
	uint32_t h;
	char buf[9];
	int f;

	(void)arg;
	close(fd);
	f = kt_open();
	kt_expect(kt_import(f, inherited_fd, &h), 0, "a child IMPORTs an inherited exported fd");
	kt_read(f, h, 0, buf, 9);
	kt_ok(!memcmp(buf, "inherited", 9), "the child reads the parent's bytes");
	kt_write(f, h, 0, "INHERITED", 9);
	close(f);
}

static void test_inherit(void)
{
	uint32_t h;
	char buf[9];
	pid_t pid;
	int rfd;

	kt_alloc(fd, 64, &h);
	kt_write(fd, h, 0, "inherited", 9);
	kt_export(fd, h, 0, &inherited_fd);
	pid = kt_spawn(inheritor, NULL, &rfd);
	kt_reap(pid, rfd, "inheritor");
	kt_read(fd, h, 0, buf, 9);
	kt_ok(!memcmp(buf, "INHERITED", 9), "the parent sees the child's write (sub-page buffer, shared)");
	close(inherited_fd);
	kt_free(fd, h);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--probe-fd"))
		return probe_fd(argv[2]);
	self = "/proc/self/exe";
	(void)argc;
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_scm_rights();
	test_import_errors();
	test_export_mmap();
	test_semantics();
	test_cloexec();
	test_inherit();
	close(fd);
	return kt_end();
}
