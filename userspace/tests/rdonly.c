// SPDX-License-Identifier: GPL-2.0
/*
 * rdonly - read-only sharing and exported files that describe themselves:
 *  - EXPORT with KPOOL_EXPORT_RDONLY makes a read-only file: no writable
 *    mapping (EACCES), no mprotect to writable, and IMPORT of it gives a
 *    read-only handle;
 *  - a read-only handle refuses WRITE (EPERM) and writable mappings
 *    (EACCES), and passes its read-only-ness to DUP, SPLIT, SLICE,
 *    single-view MATERIALIZE and EXPORT; a MATERIALIZE of several views
 *    is a copy, and writable;
 *  - KPOOL_IOC_INFO with handle 0 on an exported file describes its view,
 *    and lseek(fd, 0, SEEK_END) gives the size of its mappable span;
 *  - all of it across processes (SCM_RIGHTS) and across fork().
 */
#include "kt.h"

#include <sys/socket.h>

static int file_info(int f, uint32_t handle, struct kpool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return kt_io(f, KPOOL_IOC_INFO, info);
}

static int is_rdonly(int fd, uint32_t h)
{
	struct kpool_info info;

	return !kt_info(fd, h, &info) && (info.flags & KPOOL_INFO_READONLY);
}

static void rdonly_export(void)
{
	struct kpool_info info;
	struct kpool_alloc a;
	char *m;
	int fd = kt_open(), efd, ret;
	uint32_t h;

	kt_alloc_full(fd, 16384, &a);
	kt_write(fd, a.handle, 0, "shared", 6);
	kt_expect(kt_export(fd, a.handle, KPOOL_EXPORT_RDONLY | O_CLOEXEC, &efd), 0,
		  "EXPORT with KPOOL_EXPORT_RDONLY | O_CLOEXEC");
	kt_ok((fcntl(efd, F_GETFL) & O_ACCMODE) == O_RDONLY &&
	      (fcntl(efd, F_GETFD) & FD_CLOEXEC),
	      "the exported file is open read-only, close-on-exec");
	m = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, efd, 0);
	kt_ok(m == MAP_FAILED && errno == EACCES,
	      "mmap(PROT_WRITE) of a read-only exported file: EACCES");
	m = mmap(NULL, 16384, PROT_READ, MAP_SHARED, efd, 0);
	kt_ok(m != MAP_FAILED && !memcmp(m, "shared", 6),
	      "mmap(PROT_READ) of it shows the bytes");
	if (m != MAP_FAILED) {
		ret = mprotect(m, 16384, PROT_READ | PROT_WRITE) ? errno : 0;
		kt_ok(ret == EACCES, "mprotect of that mapping to writable: EACCES (%s)",
		      strerror(ret));
		kt_ok(kt_probe(m, 1) == SIGSEGV,
		      "a write through it (in a forked child) faults");
		kt_write(fd, a.handle, 0, "SHARED", 6);
		kt_ok(!memcmp(m, "SHARED", 6),
		      "the exporter's writable handle still writes, and the reader sees it");
		munmap(m, 16384);
	}
	kt_expect(file_info(efd, 0, &info), 0, "INFO with handle 0 on the exported file");
	kt_ok(info.length == 16384 && info.offset == 0 && info.capacity == 16384 &&
	      info.tier == 2 && info.mmap_offset == 0 &&
	      info.flags == (KPOOL_INFO_MAPPABLE | KPOOL_INFO_READONLY),
	      "... describes its view: length %" PRIu64 ", tier %u, flags %#x",
	      (uint64_t)info.length, info.tier, info.flags);
	kt_expect(kt_import(fd, efd, &h), 0, "IMPORT of the read-only file");
	kt_ok(is_rdonly(fd, h), "... gives a read-only handle (KPOOL_INFO_READONLY)");
	kt_ok(!is_rdonly(fd, a.handle), "the exporter's handle stays writable");
	kt_free(fd, h);
	close(efd);
	kt_free(fd, a.handle);
	close(fd);
}

static void rdonly_handle(void)
{
	struct kpool_alloc a;
	uint32_t h, d, r, s, one, two, hs[2];
	uint64_t len;
	int fd = kt_open(), efd, efd2, ret;
	char *m;

	kt_alloc_full(fd, 16384, &a);
	kt_export(fd, a.handle, KPOOL_EXPORT_RDONLY, &efd);
	kt_import(fd, efd, &h);
	close(efd);

	kt_expect(kt_write(fd, h, 0, "x", 1), EPERM, "WRITE through a read-only handle: EPERM");
	kt_expect(kt_read(fd, h, 0, (char[1]){ 0 }, 1), 0, "READ through it works");
	m = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)((uint64_t)h * KT_PAGE));
	kt_ok(m == MAP_FAILED && errno == EACCES,
	      "mmap(PROT_WRITE) of a read-only handle: EACCES");
	m = mmap(NULL, 16384, PROT_READ, MAP_SHARED, fd, (off_t)((uint64_t)h * KT_PAGE));
	kt_ok(m != MAP_FAILED, "mmap(PROT_READ) of it works");
	if (m != MAP_FAILED) {
		ret = mprotect(m, 16384, PROT_READ | PROT_WRITE) ? errno : 0;
		kt_ok(ret == EACCES, "mprotect of it to writable: EACCES (%s)", strerror(ret));
		munmap(m, 16384);
	}

	kt_dup(fd, h, &d);
	kt_ok(is_rdonly(fd, d), "DUP of a read-only handle is read-only");
	kt_slice(fd, h, 100, 9000, &s);
	kt_ok(is_rdonly(fd, s), "SLICE of it is read-only");
	kt_split(fd, d, 5000, &r);
	kt_ok(is_rdonly(fd, d) && is_rdonly(fd, r), "both halves of a SPLIT of it are read-only");
	kt_materialize(fd, &h, 1, &one, &len);
	kt_ok(is_rdonly(fd, one), "MATERIALIZE of it alone (no copy) is read-only");
	hs[0] = d;
	hs[1] = r;
	kt_materialize(fd, hs, 2, &two, &len);
	kt_ok(len == 16384 && !is_rdonly(fd, two),
	      "MATERIALIZE of several read-only views is a copy, and writable");
	kt_expect(kt_write(fd, two, 0, "x", 1), 0, "... WRITE to it works");
	kt_expect(kt_export(fd, s, 0, &efd2), 0, "EXPORT of a read-only handle without the flag");
	kt_ok((fcntl(efd2, F_GETFL) & O_ACCMODE) == O_RDONLY,
	      "... makes a read-only file all the same");
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, efd2, 0);
	kt_ok(m == MAP_FAILED && errno == EACCES, "... which refuses writable mappings");
	close(efd2);
	kt_free(fd, two);
	kt_free(fd, one);
	kt_free(fd, r);
	kt_free(fd, s);
	kt_free(fd, d);
	kt_free(fd, h);
	kt_free(fd, a.handle);
	close(fd);
}

static void self_describing(void)
{
	struct kpool_info info;
	uint32_t a, s, small;
	int fd = kt_open(), efd, sfd;

	kt_alloc(fd, 16384, &a);
	kt_slice(fd, a, 5000, 9000, &s);
	kt_export(fd, s, 0, &efd);
	kt_expect(file_info(efd, 0, &info), 0, "INFO with handle 0 on a writable exported file");
	kt_ok(info.offset == 5000 && info.length == 4000 && info.capacity == 16384 &&
	      info.mmap_offset == 0 && info.flags == KPOOL_INFO_MAPPABLE &&
	      info.refs == 3,
	      "... offset 5000, length 4000, capacity 16384, flags %#x, refs %u (2 handles, 1 file)",
	      info.flags, info.refs);
	kt_expect(file_info(efd, s, &info), EINVAL, "INFO on an exported file with a handle: EINVAL");
	kt_ok(lseek(efd, 0, SEEK_END) == 8192,
	      "lseek(SEEK_END) of SLICE [5000, 9000) gives its 2-page span (%lld)",
	      (long long)lseek(efd, 0, SEEK_END));
	kt_ok(lseek(efd, 0, SEEK_SET) == 0, "lseek(0, SEEK_SET) gives 0");
	kt_ok(lseek(efd, 1, SEEK_END) < 0 && errno == EINVAL,
	      "lseek to anywhere else: EINVAL");
	kt_ok(ioctl(efd, KPOOL_IOC_STATS, &(struct kpool_stats){ 0 }) < 0 && errno == ENOTTY,
	      "other kpool ioctls on an exported file: ENOTTY");
	kt_alloc(fd, 100, &small);
	kt_export(fd, small, 0, &sfd);
	file_info(sfd, 0, &info);
	kt_ok(info.length == 100 && info.tier == 0 && !(info.flags & KPOOL_INFO_MAPPABLE) &&
	      lseek(sfd, 0, SEEK_END) == 0,
	      "a sub-page view's file: not mappable, a mappable span of 0");
	close(sfd);
	close(efd);
	kt_free(fd, small);
	kt_free(fd, s);
	kt_free(fd, a);
	close(fd);
}

struct share {
	int sock;
};

/* The receiver checks the fd before it decides, then maps it read-only. */
static void receiver(void *arg)
{
	struct share *sh = arg;
	struct kpool_info info;
	int efd = kt_recv_fd(sh->sock), fd = kt_open();
	uint32_t h;
	char *m;

	kt_ok(efd >= 0, "receiver: got the fd over SCM_RIGHTS");
	kt_ok(!file_info(efd, 0, &info) && (info.flags & KPOOL_INFO_READONLY) &&
	      info.length == 8192 && lseek(efd, 0, SEEK_END) == 8192,
	      "receiver: INFO and lseek tell a read-only 8 KiB view before mapping");
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, efd, 0);
	kt_ok(m != MAP_FAILED && !memcmp(m, "from the owner", 14),
	      "receiver: its read-only mapping shows the owner's bytes");
	kt_expect(kt_import(fd, efd, &h), 0, "receiver: IMPORT");
	kt_expect(kt_write(fd, h, 0, "x", 1), EPERM, "receiver: WRITE through its handle: EPERM");
	kt_send_byte(sh->sock, 'R');
	kt_recv_byte(sh->sock);
	kt_ok(m != MAP_FAILED && !memcmp(m, "updated", 7),
	      "receiver: sees the owner's later write through the same pages");
	if (m != MAP_FAILED)
		munmap(m, 8192);
	close(efd);
	close(fd);
}

static void across_processes_and_fork(void)
{
	int sv[2], fd = kt_open(), efd, rfd, status;
	struct share sh;
	struct kpool_alloc a;
	char *m;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	kt_alloc_full(fd, 8192, &a);
	kt_write(fd, a.handle, 0, "from the owner", 14);
	kt_export(fd, a.handle, KPOOL_EXPORT_RDONLY, &efd);
	sh.sock = sv[1];
	pid = kt_spawn(receiver, &sh, &rfd);
	kt_ok(!kt_send_fd(sv[0], efd), "owner: sends the read-only fd");
	close(efd);
	kt_recv_byte(sv[0]);
	kt_write(fd, a.handle, 0, "updated", 7);
	kt_send_byte(sv[0], 'G');
	kt_reap(pid, rfd, "receiver");

	/* fork of a read-only mapping: the child reads, cannot write. */
	kt_export(fd, a.handle, KPOOL_EXPORT_RDONLY, &efd);
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, efd, 0);
	close(efd);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		int ok = m != MAP_FAILED && !memcmp(m, "updated", 7) &&
			 mprotect(m, 8192, PROT_READ | PROT_WRITE) && errno == EACCES;
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	kt_ok(WIFEXITED(status) && !WEXITSTATUS(status),
	      "a child forked with a read-only mapping reads it and cannot make it writable");
	kt_ok(m != MAP_FAILED && kt_probe(m, 1) == SIGSEGV,
	      "a write to the read-only mapping in a child faults");
	if (m != MAP_FAILED)
		munmap(m, 8192);
	kt_free(fd, a.handle);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

static void rdonly_open_exports_rdonly(void)
{
	int fd = open(KT_DEV, O_RDONLY | O_CLOEXEC), efd;
	uint32_t h;

	kt_alloc(fd, 4096, &h);
	kt_expect(kt_export(fd, h, 0, &efd), EBADF,
		  "EXPORT from an O_RDONLY open without KPOOL_EXPORT_RDONLY: EBADF");
	kt_expect(kt_export(fd, h, KPOOL_EXPORT_RDONLY, &efd), 0,
		  "EXPORT from an O_RDONLY open with KPOOL_EXPORT_RDONLY works");
	kt_ok((fcntl(efd, F_GETFL) & O_ACCMODE) == O_RDONLY, "... and is read-only");
	close(efd);
	kt_expect(kt_export(fd, h, 1u << 3, &efd), EINVAL, "EXPORT with an unknown flag bit: EINVAL");
	close(fd);
}

int main(void)
{
	kt_begin();
	rdonly_export();
	rdonly_handle();
	self_describing();
	across_processes_and_fork();
	rdonly_open_exports_rdonly();
	return kt_end();
}
