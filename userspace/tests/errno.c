// SPDX-License-Identifier: GPL-2.0
/*
 * errno: every row of the error table of spec/uapi.md, ioctl by ioctl,
 * and "a failed call leaves no trace": after each failure the live state
 * (handles, mappings, exports, bytes, tiers' in_use) is what it was.
 *
 * ENOMEM is provoked with the test kernel's fault injection (failslab on
 * the kpool-* caches, fail_page_alloc for orders >= 1, armed by vm-run for
 * tasks that set /proc/<pid>/make-it-fail); without it those cases skip.
 */
#include "kt.h"

#include <sys/resource.h>

static int fd;
static unsigned long long max_size;

/* A kernel address: no user pointer may reach it. */
#define KADDR	((void *)0xffff888000100000UL)

/* The first byte past a page that is unmapped. */
static void *unmapped(void)
{
	void *p = mmap(NULL, KT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	munmap(p, KT_PAGE);
	return p;
}

/*
 * Two pages, [0] read-write then [1] read-only; returns the address of
 * page 1 minus @rw bytes, holding a copy of @len bytes of @src: so the
 * first @rw bytes of the object are writable and the rest are not.
 */
static void *rw_ro(const void *src, size_t len, size_t rw)
{
	char *p = mmap(NULL, 2 * KT_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p + KT_PAGE - rw, src, len);
	mprotect(p + KT_PAGE, KT_PAGE, PROT_READ);
	return p + KT_PAGE - rw;
}

/* A read-only copy of @len bytes of @src. */
static void *ro(const void *src, size_t len)
{
	return rw_ro(src, len, 0);
}

static void ro_free(void *p)
{
	munmap((char *)((uintptr_t)p & ~(KT_PAGE - 1)) - KT_PAGE, 2 * KT_PAGE);
}

/* The lowest free fd number now. */
static int lowest_fd(void)
{
	int f = dup(0);

	if (f >= 0)
		close(f);
	return f;
}

static void test_enotty(void)
{
	struct kpool_alloc a = { .size = 100 };
	struct kpool_stats s, before;
	char junk[64] = { 0 };

	kt_stats(fd, &before);
	kt_expect(kt_io(fd, _IOWR(KPOOL_IOC_MAGIC, 0x7f, struct kpool_alloc), &a),
		  ENOTTY, "an unknown ioctl number (nr 0x7f): ENOTTY");
	kt_expect(kt_io(fd, _IOWR(KPOOL_IOC_MAGIC, 0x0f, struct kpool_stats), &s),
		  ENOTTY, "the number after the last ioctl (nr 0x0f): ENOTTY");
	kt_expect(kt_io(fd, _IOWR('X', 0x00, struct kpool_alloc), &a), ENOTTY,
		  "ALLOC's number under another magic: ENOTTY");
	kt_expect(kt_io(fd, _IOC(_IOC_READ | _IOC_WRITE, KPOOL_IOC_MAGIC, 0x00, 8),
			junk), ENOTTY, "ALLOC's number with a wrong size (8): ENOTTY");
	kt_expect(kt_io(fd, _IOWR(KPOOL_IOC_MAGIC, 0x0d, struct kpool_stats), &s),
		  ENOTTY, "STATS's number with the wrong direction (_IOWR): ENOTTY");
	kt_expect(kt_io(fd, _IO(KPOOL_IOC_MAGIC, 0x00), NULL), ENOTTY,
		  "ALLOC's number with no direction and size: ENOTTY");
	kt_expect(kt_io(fd, 0, NULL), ENOTTY, "ioctl number 0: ENOTTY");
	kt_expect(kt_io(fd, TCGETS, junk), ENOTTY, "TCGETS: ENOTTY");
	kt_unchanged(&before, "unknown ioctls change nothing");
}

static void test_pad_flags(void)
{
	static const uint32_t bad_flags[] = { 1, 2, 0x80000000, 0xffffffff };
	struct kpool_stats before;
	struct kpool_alloc a;
	struct kpool_alloc_batch b;
	struct kpool_handle_arg ha;
	struct kpool_rw rw;
	struct kpool_export e;
	struct kpool_info info;
	uint32_t h, hs[2] = { 0, 0 };
	unsigned int i;
	char buf[8];
	int lfd;

	if (!kt_ok(kt_alloc(fd, 100, &h) == 0, "ALLOC of 100 bytes"))
		return;
	kt_stats(fd, &before);
	for (i = 0; i < KT_ARRAY_SIZE(bad_flags); i++) {
		memset(&a, 0, sizeof(a));
		a.size = 100;
		a.flags = bad_flags[i];
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, &a), EINVAL,
			  "ALLOC with flags %#x: EINVAL", bad_flags[i]);
	}
	memset(&a, 0, sizeof(a));
	a.size = 100;
	a.pad = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, &a), EINVAL, "ALLOC with pad 1: EINVAL");
	a.pad = 0x80000000;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, &a), EINVAL,
		  "ALLOC with pad 0x80000000: EINVAL");
	memset(&b, 0, sizeof(b));
	b.size = 100;
	b.count = 2;
	b.handles = (uintptr_t)hs;
	b.flags = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b), EINVAL,
		  "ALLOC_BATCH with flags 1: EINVAL");
	kt_ok(hs[0] == 0 && hs[1] == 0, "ALLOC_BATCH failing: the handles array is untouched");
	ha.handle = h;
	ha.pad = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_FREE, &ha), EINVAL, "FREE with pad 1: EINVAL");
	kt_ok(kt_info(fd, h, &info) == 0, "FREE with pad 1: the handle is still there");
	for (i = 0; i < 2; i++) {
		memset(&rw, 0, sizeof(rw));
		rw.handle = h;
		rw.length = 8;
		rw.data = (uintptr_t)buf;
		rw.flags = i ? 0x80000000 : 1;
		kt_expect(kt_io(fd, KPOOL_IOC_READ, &rw), EINVAL,
			  "READ with flags %#x: EINVAL", rw.flags);
		kt_expect(kt_io(fd, KPOOL_IOC_WRITE, &rw), EINVAL,
			  "WRITE with flags %#x: EINVAL", rw.flags);
	}
	lfd = lowest_fd();
	{
		static const uint32_t eflags[] = { 1u << 3, O_NONBLOCK, O_RDWR,
						   O_CLOEXEC | O_NONBLOCK,
						   0xffffffff };

		for (i = 0; i < KT_ARRAY_SIZE(eflags); i++) {
			memset(&e, 0, sizeof(e));
			e.handle = h;
			e.flags = eflags[i];
			e.fd = -1;
			kt_expect(kt_io(fd, KPOOL_IOC_EXPORT, &e), EINVAL,
				  "EXPORT with flags %#x: EINVAL", eflags[i]);
		}
	}
	memset(&e, 0, sizeof(e));
	e.handle = h;
	e.pad = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_EXPORT, &e), EINVAL, "EXPORT with pad 1: EINVAL");
	kt_ok(lowest_fd() == lfd, "EXPORT failing: no file descriptor is made");
	kt_unchanged(&before, "pad and flag errors change nothing");
	kt_free(fd, h);
}

static void test_sizes(void)
{
	static const uint64_t sizes[] = { UINT64_MAX, UINT64_MAX - 4095,
					  1ULL << 63, 1ULL << 32 };
	struct kpool_stats before;
	struct kpool_alloc a;
	uint32_t hs[4] = { 0 };
	unsigned int i;
	int want, ret;

	kt_stats(fd, &before);
	kt_expect(kt_alloc_full(fd, 0, &a), EINVAL, "ALLOC of 0 bytes: EINVAL");
	kt_expect(kt_alloc_batch(fd, 0, hs, 4), EINVAL,
		  "ALLOC_BATCH of 0 bytes: EINVAL");
	if (!max_size) {
		kt_skip("max_buffer_size unknown", "sizes around max_buffer_size");
		return;
	}
	kt_expect(kt_alloc_full(fd, max_size + 1, &a), E2BIG,
		  "ALLOC of max_buffer_size + 1 (%llu): E2BIG", max_size + 1);
	kt_expect(kt_alloc_batch(fd, max_size + 1, hs, 4), E2BIG,
		  "ALLOC_BATCH of max_buffer_size + 1: E2BIG");
	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++) {
		want = sizes[i] > max_size ? E2BIG : 0;
		ret = kt_alloc_full(fd, sizes[i], &a);
		kt_expect(ret, want, "ALLOC of %#llx bytes: %s",
			  (unsigned long long)sizes[i], want ? "E2BIG" : "success");
		if (!ret)
			kt_free(fd, a.handle);
		ret = kt_alloc_batch(fd, sizes[i], hs, 2);
		kt_expect(ret, want, "ALLOC_BATCH of %#llx bytes: %s",
			  (unsigned long long)sizes[i], want ? "E2BIG" : "success");
		if (!ret)
			kt_free_batch(fd, hs, 2, NULL);
	}
	kt_ok(hs[0] == 0, "failed ALLOC_BATCHes left the handles array untouched");
	kt_unchanged(&before, "size errors change nothing");

	ret = kt_alloc_full(fd, max_size, &a);
	kt_expect(ret, 0, "ALLOC of exactly max_buffer_size (%llu) succeeds",
		  max_size);
	if (!ret) {
		kt_ok(a.tier == KPOOL_TIER_FALLBACK &&
		      a.capacity == ((max_size + KT_PAGE - 1) & ~(KT_PAGE - 1)),
		      "ALLOC of max_buffer_size: fallback, page-rounded capacity");
		kt_free(fd, a.handle);
	}
	/* Argument errors come first, whatever else is wrong. */
	memset(&a, 0, sizeof(a));
	a.size = 0;
	a.flags = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, &a), EINVAL,
		  "ALLOC of 0 bytes with flags 1: EINVAL");
}

static void test_counts(void)
{
	static uint32_t hs[KPOOL_BATCH_MAX + 1];
	static const uint32_t bad[] = { 0, KPOOL_BATCH_MAX + 1, 65536,
					UINT32_MAX };
	struct kpool_stats before;
	uint32_t i, done = 0, h, m;
	uint64_t len = 0;
	int ret;

	kt_ok(KPOOL_BATCH_MAX >= 1024, "KPOOL_BATCH_MAX is at least 1024 (%u)",
	      KPOOL_BATCH_MAX);
	if (!kt_ok(kt_alloc(fd, 100, &h) == 0, "ALLOC of 100 bytes"))
		return;
	for (i = 0; i <= KPOOL_BATCH_MAX; i++)
		hs[i] = h;
	kt_stats(fd, &before);
	for (i = 0; i < KT_ARRAY_SIZE(bad); i++) {
		kt_expect(kt_alloc_batch(fd, 100, hs, bad[i]), EINVAL,
			  "ALLOC_BATCH of count %u: EINVAL", bad[i]);
		kt_expect(kt_free_batch(fd, hs, bad[i], NULL), EINVAL,
			  "FREE_BATCH of count %u: EINVAL", bad[i]);
		kt_expect(kt_materialize(fd, hs, bad[i], &m, &len), EINVAL,
			  "MATERIALIZE of count %u: EINVAL", bad[i]);
	}
	kt_unchanged(&before, "count errors change nothing");

	ret = kt_materialize(fd, hs, KPOOL_BATCH_MAX, &m, &len);
	kt_expect(ret, 0, "MATERIALIZE of KPOOL_BATCH_MAX views (one handle %u times)",
		  KPOOL_BATCH_MAX);
	if (!ret) {
		kt_ok(len == 100ULL * KPOOL_BATCH_MAX,
		      "MATERIALIZE of KPOOL_BATCH_MAX views: length %llu",
		      (unsigned long long)len);
		kt_free(fd, m);
	}
	kt_free(fd, h);

	kt_stats(fd, &before);
	memset(hs, 0, sizeof(hs));
	ret = kt_alloc_batch(fd, 1, hs, KPOOL_BATCH_MAX);
	kt_expect(ret, 0, "ALLOC_BATCH of KPOOL_BATCH_MAX buffers");
	if (!ret) {
		ret = kt_free_batch(fd, hs, KPOOL_BATCH_MAX, &done);
		kt_expect(ret, 0, "FREE_BATCH of KPOOL_BATCH_MAX handles");
		kt_ok(done == KPOOL_BATCH_MAX, "FREE_BATCH: done %u", done);
	}
	kt_unchanged(&before, "a full batch allocated and freed leaves nothing");
}

static void test_ranges(void)
{
	struct {
		uint64_t off, len;
	} rw_bad[] = {
		{ 101, 0 }, { 100, 1 }, { 0, 101 }, { 1, UINT64_MAX },
		{ UINT64_MAX, 1 }, { UINT64_MAX - 9, 20 }, { UINT64_MAX, UINT64_MAX },
		{ 50, UINT64_MAX - 49 }, { 1ULL << 63, 1ULL << 63 },
	};
	struct {
		uint64_t start, end;
	} sl_bad[] = {
		{ 50, 40 }, { 0, 101 }, { 101, 101 }, { UINT64_MAX, UINT64_MAX },
		{ 0, UINT64_MAX }, { UINT64_MAX, 0 }, { 1ULL << 63, 1ULL << 63 },
	};
	static const uint64_t at_bad[] = { 101, 1ULL << 32, 1ULL << 63, UINT64_MAX };
	struct kpool_stats before;
	struct kpool_info info;
	static char buf[256];
	uint32_t h, r, s;
	unsigned int i;

	if (!kt_ok(kt_alloc(fd, 100, &h) == 0, "ALLOC of 100 bytes"))
		return;
	kt_stats(fd, &before);
	for (i = 0; i < KT_ARRAY_SIZE(rw_bad); i++) {
		kt_expect(kt_read(fd, h, rw_bad[i].off, buf, rw_bad[i].len), EINVAL,
			  "READ offset %#llx length %#llx of a 100-byte view: EINVAL",
			  (unsigned long long)rw_bad[i].off,
			  (unsigned long long)rw_bad[i].len);
		kt_expect(kt_write(fd, h, rw_bad[i].off, buf, rw_bad[i].len), EINVAL,
			  "WRITE offset %#llx length %#llx of a 100-byte view: EINVAL",
			  (unsigned long long)rw_bad[i].off,
			  (unsigned long long)rw_bad[i].len);
	}
	for (i = 0; i < KT_ARRAY_SIZE(sl_bad); i++)
		kt_expect(kt_slice(fd, h, sl_bad[i].start, sl_bad[i].end, &s),
			  EINVAL, "SLICE [%#llx, %#llx) of a 100-byte view: EINVAL",
			  (unsigned long long)sl_bad[i].start,
			  (unsigned long long)sl_bad[i].end);
	for (i = 0; i < KT_ARRAY_SIZE(at_bad); i++)
		kt_expect(kt_split(fd, h, at_bad[i], &r), EINVAL,
			  "SPLIT at %#llx of a 100-byte view: EINVAL",
			  (unsigned long long)at_bad[i]);
	kt_info(fd, h, &info);
	kt_ok(info.offset == 0 && info.length == 100,
	      "range errors leave the view as it was");
	kt_unchanged(&before, "range errors change nothing");

	/* Ranges are the view's, not the buffer's (capacity 256). */
	if (kt_split(fd, h, 40, &r) == 0) {
		kt_expect(kt_read(fd, r, 0, buf, 61), EINVAL,
			  "READ of 61 bytes of a 60-byte right half (capacity 256): EINVAL");
		kt_expect(kt_read(fd, h, 0, buf, 41), EINVAL,
			  "READ of 41 bytes of a 40-byte left half: EINVAL");
		kt_expect(kt_slice(fd, r, 0, 61, &s), EINVAL,
			  "SLICE past a right half's end: EINVAL");
		kt_expect(kt_split(fd, r, 61, &s), EINVAL,
			  "SPLIT past a right half's end: EINVAL");
		kt_expect(kt_read(fd, r, 0, buf, 60), 0,
			  "READ of all 60 bytes of the right half succeeds");
		kt_free(fd, r);
	}
	kt_free(fd, h);
}

static void test_enoent(void)
{
	struct kpool_stats before;
	struct kpool_info info;
	uint32_t h, freed, other, nh, done = 99, hs[3];
	uint64_t len;
	char buf[8];
	int fd2, efd, lfd;
	unsigned int i;

	kt_alloc(fd, 100, &h);
	kt_alloc(fd, 100, &freed);
	kt_free(fd, freed);
	fd2 = kt_open();
	kt_alloc(fd2, 100, &other);
	kt_alloc(fd2, 100, &other);
	kt_alloc(fd2, 100, &other);	/* a number fd has not reached */
	{
		const struct {
			uint32_t h;
			const char *what;
		} bad[] = {
			{ 0, "handle 0" },
			{ 0x7fffffff, "a handle never made (0x7fffffff)" },
			{ UINT32_MAX, "handle 0xffffffff" },
			{ freed, "a freed handle" },
			{ other, "another file's handle" },
		};

		kt_stats(fd, &before);
		lfd = lowest_fd();
		for (i = 0; i < KT_ARRAY_SIZE(bad); i++) {
			uint32_t b = bad[i].h;
			const char *w = bad[i].what;

			kt_expect(kt_free(fd, b), ENOENT, "FREE of %s: ENOENT", w);
			kt_expect(kt_dup(fd, b, &nh), ENOENT, "DUP of %s: ENOENT", w);
			kt_expect(kt_split(fd, b, 0, &nh), ENOENT,
				  "SPLIT of %s: ENOENT", w);
			kt_expect(kt_slice(fd, b, 0, 0, &nh), ENOENT,
				  "SLICE of %s: ENOENT", w);
			kt_expect(kt_info(fd, b, &info), ENOENT, "INFO of %s: ENOENT", w);
			kt_expect(kt_read(fd, b, 0, buf, 1), ENOENT,
				  "READ of %s: ENOENT", w);
			kt_expect(kt_write(fd, b, 0, buf, 1), ENOENT,
				  "WRITE of %s: ENOENT", w);
			kt_expect(kt_export(fd, b, 0, &efd), ENOENT,
				  "EXPORT of %s: ENOENT", w);
			hs[0] = h;
			hs[1] = b;
			kt_expect(kt_materialize(fd, hs, 2, &nh, &len), ENOENT,
				  "MATERIALIZE of [good, %s]: ENOENT", w);
			hs[0] = b;
			hs[1] = h;
			kt_expect(kt_free_batch(fd, hs, 2, &done), ENOENT,
				  "FREE_BATCH of [%s, good]: ENOENT", w);
			kt_ok(done == 0, "FREE_BATCH of [%s, good]: done 0 (got %u)",
			      w, done);
		}
		kt_ok(lowest_fd() == lfd, "failed EXPORTs made no file descriptor");
		kt_unchanged(&before, "ENOENT errors change nothing");
	}
	kt_ok(kt_info(fd2, other, &info) == 0,
	      "the other file's handle is untouched");
	close(fd2);
	kt_free(fd, h);
}

/* ---------------------------------------------------------------- EFAULT */

static void test_null_args(void)
{
	static const struct {
		unsigned long cmd;
		const char *name;
	} cmds[] = {
		{ KPOOL_IOC_ALLOC, "ALLOC" },
		{ KPOOL_IOC_ALLOC_BATCH, "ALLOC_BATCH" },
		{ KPOOL_IOC_FREE, "FREE" },
		{ KPOOL_IOC_FREE_BATCH, "FREE_BATCH" },
		{ KPOOL_IOC_DUP, "DUP" },
		{ KPOOL_IOC_SPLIT, "SPLIT" },
		{ KPOOL_IOC_SLICE, "SLICE" },
		{ KPOOL_IOC_INFO, "INFO" },
		{ KPOOL_IOC_READ, "READ" },
		{ KPOOL_IOC_WRITE, "WRITE" },
		{ KPOOL_IOC_MATERIALIZE, "MATERIALIZE" },
		{ KPOOL_IOC_EXPORT, "EXPORT" },
		{ KPOOL_IOC_IMPORT, "IMPORT" },
		{ KPOOL_IOC_STATS, "STATS" },
	};
	struct kpool_stats before;
	void *gone = unmapped();
	unsigned int i;
	uint32_t h;

	kt_alloc(fd, 100, &h);
	kt_stats(fd, &before);
	for (i = 0; i < KT_ARRAY_SIZE(cmds); i++) {
		kt_expect(kt_io(fd, cmds[i].cmd, NULL), EFAULT,
			  "%s with a NULL argument: EFAULT", cmds[i].name);
		kt_expect(kt_io(fd, cmds[i].cmd, gone), EFAULT,
			  "%s with an unmapped argument: EFAULT", cmds[i].name);
		kt_expect(kt_io(fd, cmds[i].cmd, KADDR), EFAULT,
			  "%s with a kernel address as argument: EFAULT",
			  cmds[i].name);
	}
	kt_unchanged(&before, "bad argument pointers change nothing");
	kt_free(fd, h);
}

static void test_readonly_out(void)
{
	struct kpool_stats before, s;
	struct kpool_info info;
	uint32_t h, h2, hs[2];
	void *p;
	int efd = -1, lfd, ret;

	kt_alloc(fd, 100, &h);
	kt_alloc(fd, 100, &h2);
	kt_write(fd, h, 0, "0123456789", 10);
	kt_stats(fd, &before);
	lfd = lowest_fd();

	{
		struct kpool_alloc a = { .size = 100 };

		p = ro(&a, sizeof(a));
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, p), EFAULT,
			  "ALLOC into a read-only struct: EFAULT");
		kt_unchanged(&before, "ALLOC into a read-only struct: no handle, no bytes");
		ro_free(p);
		/* size, flags, handle writable; capacity onwards read-only */
		p = rw_ro(&a, sizeof(a), 16);
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, p), EFAULT,
			  "ALLOC into a struct half read-only: EFAULT");
		kt_unchanged(&before, "ALLOC into a half read-only struct: no handle, no bytes");
		ro_free(p);
		a.size = 2 << 20;
		p = ro(&a, sizeof(a));
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, p), EFAULT,
			  "ALLOC of a fallback size into a read-only struct: EFAULT");
		kt_unchanged(&before, "... and nothing changed");
		ro_free(p);
	}
	{
		uint32_t zero[4] = { 0 };
		struct kpool_alloc_batch b = { .size = 100, .count = 4 };

		p = ro(zero, sizeof(zero));
		b.handles = (uintptr_t)p;
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b), EFAULT,
			  "ALLOC_BATCH into a read-only handles array: EFAULT");
		kt_unchanged(&before, "ALLOC_BATCH into a read-only array: nothing changed");
		ro_free(p);
		/* 2 slots writable, the other 2 not */
		p = rw_ro(zero, sizeof(zero), 8);
		b.handles = (uintptr_t)p;
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b), EFAULT,
			  "ALLOC_BATCH into an array half read-only: EFAULT");
		kt_unchanged(&before, "ALLOC_BATCH into a half read-only array: nothing changed");
		ro_free(p);
		b.handles = 0;
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b), EFAULT,
			  "ALLOC_BATCH into a NULL handles array: EFAULT");
		b.handles = (uintptr_t)KADDR;
		kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &b), EFAULT,
			  "ALLOC_BATCH into a kernel-address handles array: EFAULT");
		kt_unchanged(&before, "ALLOC_BATCH with bad arrays: nothing changed");
	}
	{
		struct kpool_dup d = { .handle = h };

		p = ro(&d, sizeof(d));
		kt_expect(kt_io(fd, KPOOL_IOC_DUP, p), EFAULT,
			  "DUP into a read-only struct: EFAULT");
		kt_info(fd, h, &info);
		kt_ok(info.refs == 1, "DUP into a read-only struct: refs still 1 (got %u)",
		      info.refs);
		ro_free(p);
	}
	{
		struct kpool_split sp = { .handle = h, .at = 4 };

		p = ro(&sp, sizeof(sp));
		kt_expect(kt_io(fd, KPOOL_IOC_SPLIT, p), EFAULT,
			  "SPLIT into a read-only struct: EFAULT");
		kt_info(fd, h, &info);
		kt_ok(info.length == 100 && info.refs == 1,
		      "SPLIT into a read-only struct: the view is still [0,100), refs 1");
		ro_free(p);
	}
	{
		struct kpool_slice sl = { .handle = h, .start = 1, .end = 5 };

		p = ro(&sl, sizeof(sl));
		kt_expect(kt_io(fd, KPOOL_IOC_SLICE, p), EFAULT,
			  "SLICE into a read-only struct: EFAULT");
		ro_free(p);
	}
	{
		struct kpool_info in = { .handle = h };

		p = ro(&in, sizeof(in));
		kt_expect(kt_io(fd, KPOOL_IOC_INFO, p), EFAULT,
			  "INFO into a read-only struct: EFAULT");
		ro_free(p);
	}
	{
		struct kpool_materialize m = { .count = 1 };

		hs[0] = h;
		hs[1] = h2;
		m.handles = (uintptr_t)hs;
		p = ro(&m, sizeof(m));
		kt_expect(kt_io(fd, KPOOL_IOC_MATERIALIZE, p), EFAULT,
			  "MATERIALIZE of one view into a read-only struct: EFAULT");
		ro_free(p);
		m.count = 2;
		p = ro(&m, sizeof(m));
		kt_expect(kt_io(fd, KPOOL_IOC_MATERIALIZE, p), EFAULT,
			  "MATERIALIZE of two views into a read-only struct: EFAULT");
		ro_free(p);
		kt_unchanged(&before, "DUP, SPLIT, SLICE, INFO, MATERIALIZE into read-only structs: nothing changed");
	}
	{
		struct kpool_export e = { .handle = h, .fd = -1 };

		p = ro(&e, sizeof(e));
		kt_expect(kt_io(fd, KPOOL_IOC_EXPORT, p), EFAULT,
			  "EXPORT into a read-only struct: EFAULT");
		kt_ok(lowest_fd() == lfd,
		      "EXPORT into a read-only struct: no file descriptor is made");
		kt_unchanged(&before, "EXPORT into a read-only struct: no export, no reference");
		ro_free(p);
	}
	{
		struct kpool_import im = { .fd = -1 };

		ret = kt_export(fd, h, O_CLOEXEC, &efd);
		im.fd = efd;
		p = ro(&im, sizeof(im));
		kt_expect(kt_io(fd, KPOOL_IOC_IMPORT, p), EFAULT,
			  "IMPORT into a read-only struct: EFAULT");
		ro_free(p);
		if (!ret)
			close(efd);
		kt_unchanged(&before, "IMPORT into a read-only struct: no handle made");
	}
	{
		memset(&s, 0, sizeof(s));
		p = ro(&s, sizeof(s));
		kt_expect(kt_io(fd, KPOOL_IOC_STATS, p), EFAULT,
			  "STATS into a read-only struct: EFAULT");
		ro_free(p);
	}
	{
		/*
		 * FREE_BATCH: its only output is done.  Reading the spec
		 * strictly, EFAULT means nothing changed: no handle freed.
		 */
		struct kpool_free_batch fb = { .count = 1 };

		hs[0] = h2;
		fb.handles = (uintptr_t)hs;
		p = ro(&fb, sizeof(fb));
		kt_expect(kt_io(fd, KPOOL_IOC_FREE_BATCH, p), EFAULT,
			  "FREE_BATCH with a read-only struct (done cannot be written): EFAULT");
		kt_ok(kt_info(fd, h2, &info) == 0,
		      "FREE_BATCH with a read-only struct: EFAULT and nothing changed (the handle is not freed)");
		ro_free(p);
		fb.handles = 0;
		kt_expect(kt_io(fd, KPOOL_IOC_FREE_BATCH, &fb), EFAULT,
			  "FREE_BATCH of a NULL handles array: EFAULT");
		fb.handles = (uintptr_t)unmapped();
		kt_expect(kt_io(fd, KPOOL_IOC_FREE_BATCH, &fb), EFAULT,
			  "FREE_BATCH of an unmapped handles array: EFAULT");
	}
	{
		struct kpool_materialize m = { .count = 2 };

		m.handles = 0;
		kt_expect(kt_io(fd, KPOOL_IOC_MATERIALIZE, &m), EFAULT,
			  "MATERIALIZE of a NULL handles array: EFAULT");
		m.handles = (uintptr_t)KADDR;
		kt_expect(kt_io(fd, KPOOL_IOC_MATERIALIZE, &m), EFAULT,
			  "MATERIALIZE of a kernel-address handles array: EFAULT");
	}
	kt_free(fd, h2);
	kt_free(fd, h);
}

static void test_rw_data(void)
{
	struct kpool_stats before;
	static char zero[8192], buf[8192];
	uint32_t h;
	char *p;
	long bad;

	if (!kt_ok(kt_alloc(fd, 8192, &h) == 0, "ALLOC of 8192 bytes"))
		return;
	kt_stats(fd, &before);
	p = ro(zero, 100);
	kt_expect(kt_read(fd, h, 0, p, 100), EFAULT,
		  "READ into read-only memory: EFAULT");
	ro_free(p);
	kt_expect(kt_read(fd, h, 0, NULL, 100), EFAULT, "READ into NULL: EFAULT");
	kt_expect(kt_read(fd, h, 0, unmapped(), 100), EFAULT,
		  "READ into unmapped memory: EFAULT");
	kt_expect(kt_read(fd, h, 0, KADDR, 100), EFAULT,
		  "READ into a kernel address: EFAULT");
	kt_expect(kt_write(fd, h, 0, NULL, 100), EFAULT, "WRITE from NULL: EFAULT");
	kt_expect(kt_write(fd, h, 0, unmapped(), 100), EFAULT,
		  "WRITE from unmapped memory: EFAULT");
	kt_expect(kt_write(fd, h, 0, KADDR, 100), EFAULT,
		  "WRITE from a kernel address: EFAULT");
	kt_read(fd, h, 0, buf, 8192);
	bad = kt_nonzero(buf, 8192);
	kt_ok(bad < 0, "after the failed WRITEs the view is still all zeros (first non-zero at %ld)",
	      bad);
	kt_unchanged(&before, "READ/WRITE with bad data pointers change nothing");

	/* Source readable for 4096 bytes, then a hole. */
	p = mmap(NULL, 2 * KT_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x5a, KT_PAGE);
	munmap(p + KT_PAGE, KT_PAGE);
	kt_expect(kt_write(fd, h, 0, p, 8192), EFAULT,
		  "WRITE of 8192 bytes from a source whose second page is unmapped: EFAULT");
	kt_read(fd, h, 0, buf, 8192);
	bad = kt_nonzero(buf, 8192);
	kt_ok(bad < 0,
	      "WRITE failing with EFAULT half-way changed nothing in the view (first changed byte at %ld)",
	      bad);
	munmap(p, KT_PAGE);
	kt_free(fd, h);
}

/* ---------------------------------------------------------------- ENOMEM */

static int fail_fd = -1;

static int fault_injection_ready(void)
{
	if (access("/sys/kernel/debug/failslab/probability", F_OK))
		return 0;
	fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	return fail_fd >= 0;
}

static void fail_on(int on)
{
	/* A kept buffer would not reach the failing slab. */
	if (on)
		kt_drop_kept();
	if (pwrite(fail_fd, on ? "1" : "0", 1, 0) != 1)
		kt_diag("writing make_it_fail: %s", strerror(errno));
}

static void test_enomem(void)
{
	struct kpool_stats before;
	struct kpool_alloc a;
	struct kpool_info info;
	uint32_t hs[8], h1, h2, m;
	uint64_t len;
	unsigned int i;
	char *map;
	int ret, ret2;

	if (!fault_injection_ready()) {
		kt_skip("no fault injection (failslab, /proc/thread-self/make-it-fail)",
			"ENOMEM cases");
		return;
	}
	kt_alloc(fd, 100, &h1);
	kt_alloc(fd, 100, &h2);
	kt_stats(fd, &before);
	for (i = 0; i < 8; i++)
		hs[i] = 0xdeadbeef;

	fail_on(1);
	ret = kt_alloc_full(fd, 100, &a);
	ret2 = kt_alloc_batch(fd, 5000, hs, 8);
	fail_on(0);
	kt_expect(ret, ENOMEM, "ALLOC with the tier's slab failing: ENOMEM");
	kt_expect(ret2, ENOMEM, "ALLOC_BATCH with the tier's slab failing: ENOMEM");
	for (i = 0; i < 8 && hs[i] == 0xdeadbeef; i++)
		;
	kt_ok(i == 8, "ALLOC_BATCH failing with ENOMEM: the handles array is untouched");
	kt_unchanged(&before, "ENOMEM from ALLOC and ALLOC_BATCH: nothing changed");

	hs[0] = h1;
	hs[1] = h2;
	fail_on(1);
	ret = kt_materialize(fd, hs, 2, &m, &len);
	fail_on(0);
	kt_expect(ret, ENOMEM, "MATERIALIZE of two views with the slab failing: ENOMEM");
	kt_unchanged(&before, "ENOMEM from MATERIALIZE: nothing changed");

	/* The costly tier spills to order-0 pages when its slab fails. */
	kt_stats(fd, &before);
	fail_on(1);
	ret = kt_alloc_full(fd, 1 << 20, &a);
	fail_on(0);
	kt_expect(ret, 0, "ALLOC of 1 MiB with the slab and high orders failing succeeds (spill)");
	if (!ret) {
		struct kpool_stats after;

		kt_ok(a.tier == 4 && a.capacity == 1 << 20,
		      "the spilled buffer is still of tier 4, capacity 1 MiB");
		kt_stats(fd, &after);
		kt_ok(after.spills[4] == before.spills[4] + 1 &&
		      after.tier[4].allocs == before.tier[4].allocs + 1 &&
		      after.tier[4].in_use == before.tier[4].in_use + 1,
		      "STATS counts the spill in spills[4] (%llu -> %llu), and the buffer in tier 4's row",
		      (unsigned long long)before.spills[4],
		      (unsigned long long)after.spills[4]);
		kt_info(fd, a.handle, &info);
		kt_ok(info.flags & KPOOL_INFO_MAPPABLE, "the spilled buffer is mappable");
		map = kt_mmap(fd, 1 << 20, a.mmap_offset, &ret);
		kt_ok(map != NULL, "mmap of the spilled buffer (%s)", kt_errname(ret));
		if (map) {
			long bad = kt_nonzero(map, 1 << 20);

			kt_ok(bad < 0, "the spilled buffer is all zeros (first non-zero at %ld)",
			      bad);
			memset(map + 4096 * 7, 0xa5, 4096);
			kt_read(fd, a.handle, 4096 * 7, &len, sizeof(len));
			kt_ok(len == 0xa5a5a5a5a5a5a5a5ULL,
			      "a write through the spilled buffer's mapping is read by READ");
			munmap(map, 1 << 20);
		}
		kt_free(fd, a.handle);
	}
	ret = kt_alloc_full(fd, 100, &a);
	kt_expect(ret, 0, "with the fault injection off, ALLOC works again");
	if (!ret)
		kt_free(fd, a.handle);
	kt_free(fd, h1);
	kt_free(fd, h2);
	close(fail_fd);
}

/* EXPORT without a free file descriptor: EMFILE, nothing made. */
static void export_emfile(void *arg)
{
	struct kpool_stats before;
	struct rlimit rl = { 32, 32 };
	uint32_t h;
	int efd = -1, f, last = -1;

	(void)arg;
	close(fd);
	fd = kt_open();
	if (fd < 0 || kt_alloc(fd, 4096, &h)) {
		kt_ok(0, "ALLOC in the child");
		return;
	}
	kt_stats(fd, &before);
	kt_stats_fd = fd;	/* no fd to spare for STATS */
	setrlimit(RLIMIT_NOFILE, &rl);
	while ((f = open("/dev/null", O_RDONLY)) >= 0)
		last = f;
	kt_expect(kt_export(fd, h, 0, &efd), EMFILE,
		  "EXPORT with no free file descriptor: EMFILE");
	kt_unchanged(&before, "EXPORT failing with EMFILE: no export, no reference");
	close(last);
	kt_expect(kt_export(fd, h, 0, &efd), 0,
		  "EXPORT with one free file descriptor succeeds");
	kt_ok(efd == last, "... and takes that descriptor (%d)", efd);
}

int main(void)
{
	pid_t pid;
	int rfd;

	kt_begin();
	if (kt_param("max_buffer_size", &max_size))
		max_size = 0;
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_enotty();
	test_pad_flags();
	test_sizes();
	test_counts();
	test_ranges();
	test_enoent();
	test_null_args();
	test_readonly_out();
	test_rw_data();
	test_enomem();
	pid = kt_spawn(export_emfile, NULL, &rfd);
	kt_reap(pid, rfd, "EXPORT under RLIMIT_NOFILE");
	close(fd);
	return kt_end();
}
