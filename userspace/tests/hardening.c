// SPDX-License-Identifier: GPL-2.0
/*
 * hardening - the holes a hostile user found (issue 6), each closed:
 *  - a mapping keeps only its own buffer, not the closed device file's
 *    handles, and remap_file_pages() cannot reach another handle;
 *  - madvise() and mprotect() on slab-backed and page-backed mappings;
 *  - read-only and write-only opens;
 *  - SPLIT undoes itself when its answer cannot be copied out, and never
 *    tells a handle when it fails;
 *  - MATERIALIZE of several views of 0 bytes makes nothing, and checks
 *    its arguments in the documented order;
 *  - READ and WRITE overlapping a mapping of the same bytes act as
 *    memmove().
 * The per-user quota and the quota race are in userquota.c, tiers that
 * are not page multiples in tierpages.c (they need other parameters).
 */
#include "kt.h"

#include <pthread.h>
#include <sys/syscall.h>

#define KT_FALLBACK_SIZE	(2UL << 20)

static void closed_file_keeps_only_the_mapping(void)
{
	struct kpool_stats before, now;
	struct kpool_alloc a;
	uint32_t h[100];
	char *m;
	int fd, err, i, n = 0;

	kt_stats_now(&before);
	fd = kt_open();
	for (i = 0; i < 100; i++)
		n += !kt_alloc(fd, 4096, &h[i]);
	kt_ok(n == 100, "100 x ALLOC(4096)");
	kt_alloc_full(fd, 4096, &a);
	kt_write(fd, a.handle, 0, "mapped", 6);
	m = kt_mmap(fd, 4096, a.mmap_offset, &err);
	kt_ok(m != NULL, "mmap of one more buffer (%s)", strerror(err));
	close(fd);
	kt_stats_now(&now);
	kt_ok(now.handles == before.handles,
	      "close() frees every handle although a mapping lives (%" PRIu64 " handles, %" PRIu64 " before)",
	      (uint64_t)now.handles, (uint64_t)before.handles);
	kt_ok(now.bytes_in_use == before.bytes_in_use + 4096 &&
	      now.mappings == before.mappings + 1,
	      "only the mapped buffer stays: %" PRIu64 " bytes more, %" PRIu64 " mapping more",
	      (uint64_t)(now.bytes_in_use - before.bytes_in_use),
	      (uint64_t)(now.mappings - before.mappings));
	if (m) {
		kt_ok(!memcmp(m, "mapped", 6), "the mapping still shows its bytes");
		munmap(m, 4096);
	}
	kt_unchanged(&before, "munmap gives the last buffer back");
}

static void remap_file_pages_reaches_no_handle(void)
{
	struct kpool_alloc a, b;
	long ret;
	char *m;
	int fd = kt_open(), err;

	kt_alloc_full(fd, 4096, &a);
	kt_alloc_full(fd, 4096, &b);
	kt_write(fd, b.handle, 0, "secret", 6);
	m = kt_mmap(fd, 4096, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of handle A"))
		goto out;
	/* Try to point A's mapping at B's pages, by B's offset. */
	ret = syscall(SYS_remap_file_pages, m, 4096, 0,
		      b.mmap_offset / KT_PAGE, 0);
	kt_ok(ret != 0 && kt_probe(m, 0) != 0,
	      "remap_file_pages() to another handle's offset fails and maps nothing (ret %ld, %s)",
	      ret, ret ? strerror(errno) : "-");
	munmap(m, 4096);
out:
	close(fd);
}

/* Returns the mapping of a fresh @size buffer whose first page says @tag. */
static char *map_tagged(int fd, uint64_t size, const char *tag,
			struct kpool_alloc *a)
{
	char *m;
	int err;

	if (kt_alloc_full(fd, size, a))
		return NULL;
	kt_write(fd, a->handle, 0, tag, strlen(tag));
	m = kt_mmap(fd, 2 * KT_PAGE, a->mmap_offset, &err);
	return m;
}

static void madvise_and_mprotect(const char *what, uint64_t size,
				 int dontneed_want)
{
	struct kpool_stats s, before;
	struct kpool_alloc a;
	char buf[8] = "";
	int fd = kt_open(), ret, sig;
	char *m = map_tagged(fd, size, "tagged", &a);

	if (!kt_ok(m != NULL, "%s: mmap of 2 pages", what)) {
		close(fd);
		return;
	}
	kt_stats_now(&before);
	ret = madvise(m, 2 * KT_PAGE, MADV_DONTNEED) ? errno : 0;
	kt_ok(ret == dontneed_want, "%s: MADV_DONTNEED answers %s", what,
	      dontneed_want ? strerror(dontneed_want) : "0");
	kt_ok(kt_probe(m, 0) == 0 && !memcmp(m, "tagged", 6),
	      "%s: after MADV_DONTNEED the bytes are still there (no SIGBUS)", what);
	ret = madvise(m, 2 * KT_PAGE, MADV_REMOVE) ? errno : 0;
	kt_ok(ret != 0 && !memcmp(m, "tagged", 6),
	      "%s: MADV_REMOVE is refused (%s) and removes nothing", what,
	      strerror(ret));
	ret = madvise(m, 2 * KT_PAGE, MADV_WIPEONFORK) ? errno : 0;
	kt_ok(ret == EINVAL, "%s: MADV_WIPEONFORK: EINVAL (anonymous private memory only)",
	      what);

	/* mprotect: read-only refuses writes, and can be undone. */
	kt_ok(!mprotect(m, 2 * KT_PAGE, PROT_READ), "%s: mprotect(PROT_READ)", what);
	sig = kt_probe(m, 1);
	kt_ok(sig == SIGSEGV, "%s: a write to a PROT_READ mapping faults (signal %d)",
	      what, sig);
	kt_ok(!mprotect(m, 2 * KT_PAGE, PROT_READ | PROT_WRITE) && kt_probe(m, 1) == 0,
	      "%s: mprotect back to read-write: writes work", what);
	m[KT_PAGE] = 'Z';
	kt_read(fd, a.handle, KT_PAGE, buf, 1);
	kt_ok(buf[0] == 'Z', "%s: a write through the mapping is seen by READ", what);

	/* MADV_DONTFORK: the child has no mapping, the parent keeps it. */
	kt_ok(!madvise(m, 2 * KT_PAGE, MADV_DONTFORK), "%s: MADV_DONTFORK", what);
	sig = kt_probe(m, 0);
	kt_ok(sig == SIGSEGV, "%s: a child after MADV_DONTFORK has no mapping (signal %d)",
	      what, sig);
	kt_stats_now(&s);
	kt_ok(s.mappings == before.mappings,
	      "%s: the child's exit left the mapping count alone", what);
	kt_ok(kt_probe(m, 0) != 0 && m[KT_PAGE] == 'Z',
	      "%s: the parent keeps its mapping", what);
	kt_ok(!madvise(m, 2 * KT_PAGE, MADV_DOFORK) && kt_probe(m, 0) == 0,
	      "%s: MADV_DOFORK: the child maps it again", what);
	munmap(m, 2 * KT_PAGE);
	close(fd);
}

static void read_only_open(void)
{
	struct kpool_export e = { 0 };
	struct kpool_alloc a;
	char buf[4] = "xxx";
	char *m;
	int fd = open(KT_DEV, O_RDONLY | O_CLOEXEC), ret;

	if (!kt_ok(fd >= 0, "open(O_RDONLY)"))
		return;
	kt_expect(kt_alloc_full(fd, 8192, &a), 0, "O_RDONLY: ALLOC works");
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, (off_t)a.mmap_offset);
	kt_ok(m != MAP_FAILED && kt_nonzero(m, 8192) < 0,
	      "O_RDONLY: mmap(PROT_READ, MAP_SHARED) works and shows zeroes");
	if (m != MAP_FAILED) {
		ret = mprotect(m, 8192, PROT_READ | PROT_WRITE) ? errno : 0;
		kt_ok(ret == EACCES, "O_RDONLY: mprotect to writable: EACCES (%s)",
		      strerror(ret));
		kt_ok(kt_probe(m, 1) == SIGSEGV, "O_RDONLY: a write through the mapping faults");
		munmap(m, 8192);
	}
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	kt_ok(m == MAP_FAILED && errno == EACCES,
	      "O_RDONLY: mmap(PROT_WRITE, MAP_SHARED): EACCES");
	if (m != MAP_FAILED)
		munmap(m, 8192);
	kt_expect(kt_write(fd, a.handle, 0, "abc", 3), EBADF, "O_RDONLY: WRITE: EBADF");
	kt_expect(kt_read(fd, a.handle, 0, buf, 3), 0, "O_RDONLY: READ works");
	kt_ok(!memcmp(buf, "\0\0\0", 3), "O_RDONLY: READ gives the zeroes");
	e.handle = a.handle;
	kt_expect(kt_io(fd, KPOOL_IOC_EXPORT, &e), EBADF, "O_RDONLY: EXPORT: EBADF");
	close(fd);

	fd = open(KT_DEV, O_WRONLY | O_CLOEXEC);
	if (!kt_ok(fd >= 0, "open(O_WRONLY)"))
		return;
	kt_alloc_full(fd, 8192, &a);
	kt_expect(kt_write(fd, a.handle, 0, "abc", 3), 0, "O_WRONLY: WRITE works");
	kt_expect(kt_read(fd, a.handle, 0, buf, 3), EBADF, "O_WRONLY: READ: EBADF");
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	kt_ok(m == MAP_FAILED && errno == EACCES, "O_WRONLY: mmap: EACCES");
	close(fd);
}

/* SPLIT whose answer cannot be written: EFAULT, and the split is undone. */
static void split_efault_undone(void)
{
	struct kpool_stats before;
	struct kpool_split *s;
	struct kpool_info info;
	uint32_t h;
	int fd = kt_open();

	kt_alloc(fd, 10000, &h);
	kt_stats_now(&before);
	s = mmap(NULL, KT_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->handle = h;
	s->at = 4000;
	s->new_handle = 0;
	mprotect(s, KT_PAGE, PROT_READ);
	kt_expect(kt_io(fd, KPOOL_IOC_SPLIT, s), EFAULT,
		  "SPLIT with a read-only argument: EFAULT");
	kt_info(fd, h, &info);
	kt_ok(info.length == 10000, "after the EFAULT the handle keeps its whole view (%" PRIu64 ")",
	      (uint64_t)info.length);
	kt_unchanged(&before, "after the EFAULT no handle or reference is left");
	munmap(s, KT_PAGE);
	kt_free(fd, h);
	close(fd);
}

struct split_race {
	int fd;
	uint32_t h;
	volatile int go;
};

static void *split_race_free(void *arg)
{
	struct split_race *r = arg;

	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	kt_free(r->fd, r->h);
	return NULL;
}

/* A SPLIT that fails against a racing FREE never tells a handle. */
static void split_racing_free(void)
{
	int fd = kt_open(), i, told = 0, failed = 0, ok = 0, other = 0;
	struct split_race r = { .fd = fd };
	struct kpool_split s;
	pthread_t t;

	for (i = 0; i < 400; i++) {
		kt_alloc(fd, 8192, &r.h);
		r.go = 0;
		pthread_create(&t, NULL, split_race_free, &r);
		memset(&s, 0, sizeof(s));
		s.handle = r.h;
		s.at = 100;
		s.new_handle = 0xdeadbeef;
		__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
		switch (kt_io(fd, KPOOL_IOC_SPLIT, &s)) {
		case 0:
			ok++;
			kt_free(fd, s.new_handle);
			break;
		case -ENOENT:
			failed++;
			told += s.new_handle != 0xdeadbeef;
			break;
		default:
			other++;
		}
		pthread_join(t, NULL);
	}
	kt_diag("split vs free: %d split first, %d failed with ENOENT", ok, failed);
	kt_ok(!told && !other,
	      "a SPLIT that loses to a FREE fails with ENOENT and writes no handle (%d told, %d other errors)",
	      told, other);
	close(fd);
}

static void materialize_rules(void)
{
	struct kpool_stats before;
	uint32_t h[3], e[2], nh;
	uint64_t len;
	unsigned long long max;
	int fd = kt_open();

	kt_alloc(fd, 100, &h[0]);
	kt_alloc(fd, 100, &h[1]);
	kt_slice(fd, h[0], 10, 10, &e[0]);
	kt_slice(fd, h[1], 50, 50, &e[1]);
	kt_stats_now(&before);
	kt_expect(kt_materialize(fd, e, 2, &nh, &len), EINVAL,
		  "MATERIALIZE of two views of 0 bytes: EINVAL (as ALLOC of 0)");
	kt_unchanged(&before, "... and no handle or buffer is made");
	kt_expect(kt_materialize(fd, e, 1, &nh, &len), 0,
		  "MATERIALIZE of one empty view: a new handle on it");
	kt_ok(len == 0, "... of length 0");
	kt_free(fd, nh);

	if (!kt_param("max_buffer_size", &max) && max <= (64ULL << 20)) {
		uint32_t big[2];

		kt_alloc(fd, max, &big[0]);
		kt_dup(fd, big[0], &big[1]);
		kt_expect(kt_materialize(fd, big, 2, &nh, &len), E2BIG,
			  "MATERIALIZE of views above max_buffer_size in all: E2BIG");
		h[2] = 0x7ffffff0;
		kt_expect(kt_materialize(fd, (uint32_t[]){ big[0], big[1], h[2] }, 3, &nh, &len),
			  ENOENT, "MATERIALIZE with a bad handle after big ones: ENOENT before E2BIG");
		kt_free(fd, big[0]);
		kt_free(fd, big[1]);
	}
	kt_free(fd, e[0]);
	kt_free(fd, e[1]);
	kt_free(fd, h[0]);
	kt_free(fd, h[1]);
	close(fd);
}

/* READ into, and WRITE from, a mapping of the same bytes: memmove. */
static void rw_overlapping_mapping(void)
{
	static unsigned char want[16384];
	struct kpool_alloc a;
	unsigned char *m;
	size_t i;
	int fd = kt_open(), err;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(i % 251);
	kt_alloc_full(fd, sizeof(want), &a);
	kt_write(fd, a.handle, 0, want, sizeof(want));
	m = kt_mmap(fd, sizeof(want), a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of a 16 KiB buffer"))
		goto out;
	/* READ [0, 8192) to byte 100 of the same buffer: forward overlap. */
	kt_expect(kt_read(fd, a.handle, 0, m + 100, 8192), 0,
		  "READ into a mapping of the same buffer, 100 bytes on");
	kt_ok(!memcmp(m + 100, want, 8192) && !memcmp(m, want, 100),
	      "READ overlapping its own mapping acts as memmove()");
	/* Restore, then WRITE from byte 100 of the mapping to offset 0. */
	kt_write(fd, a.handle, 0, want, sizeof(want));
	kt_expect(kt_write(fd, a.handle, 0, m + 100, 8192), 0,
		  "WRITE from a mapping of the same buffer, 100 bytes on");
	kt_ok(!memcmp(m, want + 100, 8192),
	      "WRITE overlapping its own mapping acts as memmove()");
	munmap(m, sizeof(want));
out:
	kt_free(fd, a.handle);
	close(fd);
}

int main(void)
{
	kt_begin();
	closed_file_keeps_only_the_mapping();
	remap_file_pages_reaches_no_handle();
	/* Slab-backed (a PFN map): zapping is refused with EINVAL. */
	madvise_and_mprotect("16 KiB tier (slab)", 16384, EINVAL);
	/* Page-backed: zapped pages come back on the next touch. */
	madvise_and_mprotect("fallback (pages)", KT_FALLBACK_SIZE, 0);
	read_only_open();
	split_efault_undone();
	split_racing_free();
	materialize_rules();
	rw_overlapping_mapping();
	return kt_end();
}
