// SPDX-License-Identifier: GPL-2.0
/*
 * zerocopy - what "zero-copy" means for kpool mappings, as README.md says
 * it ("Why and when to use kpool"): the kernel's get_user_pages() refuses
 * tier buffers' mappings (VM_PFNMAP), so vmsplice() of them fails with
 * EFAULT and io_uring cannot register them as fixed buffers; page-backed
 * buffers (the fallback, above the largest tier) are ordinary pages, which
 * vmsplice() takes (their bytes come out of the pipe), while io_uring
 * still refuses them (EOPNOTSUPP: file-backed memory).  A sub-page buffer
 * cannot be mapped at all (EINVAL): READ and WRITE only.
 */
#include "kt.h"

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* Map a fresh buffer of @size, filled with @c; NULL on failure. */
static void *map_buf(int fd, uint64_t size, int c, uint32_t *h, size_t *len)
{
	struct kpool_alloc a;
	void *p;
	int err;

	if (kt_alloc_full(fd, size, &a))
		return NULL;
	*h = a.handle;
	*len = (size_t)((size + KT_PAGE - 1) & ~(KT_PAGE - 1));
	p = kt_mmap(fd, *len, a.mmap_offset, &err);
	if (!p) {
		kt_diag("mmap of %" PRIu64 " bytes: %s", size, kt_errname(err));
		kt_free(fd, a.handle);
		return NULL;
	}
	memset(p, c, *len);
	return p;
}

/* vmsplice() @len bytes of @p into a pipe: bytes spliced, or -errno. */
static long vmsplice_len(void *p, size_t len, int pfd[2])
{
	struct iovec iov = { .iov_base = p, .iov_len = len };
	long n = vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK);

	return n < 0 ? -errno : n;
}

/* Register @p as one io_uring fixed buffer: 0 or -errno (-ENOSYS: none). */
static int uring_register(void *p, size_t len)
{
	struct io_uring_params params;
	struct iovec iov = { .iov_base = p, .iov_len = len };
	int ring, ret;

	memset(&params, 0, sizeof(params));
	ring = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (ring < 0)
		return -errno;
	ret = (int)syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1);
	ret = ret < 0 ? -errno : 0;
	if (!ret)
		syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
	close(ring);
	return ret;
}

static void test_kind(int fd, uint64_t size, const char *what, int pfn)
{
	int pfd[2], ret;
	size_t len = 0;
	uint32_t h = 0;
	long n;
	char *p = map_buf(fd, size, 'z', &h, &len);

	if (!kt_ok(p != NULL, "%s: mapped", what))
		return;
	if (pipe(pfd)) {
		kt_ok(0, "pipe: %s", strerror(errno));
	} else {
		n = vmsplice_len(p, 4096, pfd);
		if (pfn) {
			kt_expect((int)n, EFAULT, "%s: vmsplice() of its mapping: EFAULT (VM_PFNMAP)", what);
		} else {
			char buf[4096];

			kt_ok(n == 4096 && read(pfd[0], buf, sizeof(buf)) == 4096 &&
			      buf[0] == 'z' && buf[4095] == 'z',
			      "%s: vmsplice() of its mapping takes the pages; the pipe gives the bytes (%ld)",
			      what, n);
		}
		close(pfd[0]);
		close(pfd[1]);
	}
	ret = uring_register(p, len);
	if (ret == -ENOSYS || ret == -EPERM) {
		kt_skip("io_uring is not available", "%s: io_uring fixed buffer", what);
	} else if (pfn) {
		kt_expect(ret, EFAULT, "%s: io_uring cannot register its mapping: EFAULT", what);
	} else {
		kt_expect(ret, EOPNOTSUPP,
			  "%s: io_uring cannot register its mapping: EOPNOTSUPP (file-backed)", what);
	}
	munmap(p, len);
	kt_free(fd, h);
}

int main(void)
{
	struct kpool_alloc a;
	int fd, err;

	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open %s", KT_DEV))
		return kt_end();
	test_kind(fd, 16384, "16 KiB tier buffer", 1);
	test_kind(fd, 1048576, "1 MiB tier buffer", 1);
	test_kind(fd, 3 << 20, "3 MiB fallback buffer", 0);
	/* Below a page: no mapping at all. */
	if (kt_ok(!kt_alloc_full(fd, 256, &a), "256-byte buffer allocated")) {
		kt_ok(!kt_mmap(fd, KT_PAGE, a.mmap_offset, &err) && err == EINVAL,
		      "256-byte buffer: mmap() refused with EINVAL (READ/WRITE only)");
		kt_free(fd, a.handle);
	}
	close(fd);
	return kt_end();
}
