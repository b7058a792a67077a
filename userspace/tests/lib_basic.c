// SPDX-License-Identifier: GPL-2.0
/*
 * libkpool: open/close, buffers and views (alloc, free, batches, dup,
 * split, slice, info, read, write, materialize), stats and kpool_strerror,
 * with their error returns.  Every library call is made through LIB(),
 * which checks that the call left errno as it found it.
 */
#include "kt.h"
#include "libkpool.h"
#include "kt_lib.h"

static void test_open_close(void)
{
	struct kpool kp, kp2;

	kt_expect(LIB(kpool_open(&kp, 0)), 0, "kpool_open");
	kt_ok(kp.fd >= 0 && (fcntl(kp.fd, F_GETFD) & FD_CLOEXEC),
	      "kpool_open: the fd is open and close-on-exec");
	kt_expect(LIB(kpool_close(&kp)), 0, "kpool_close");
	kt_ok(kp.fd == -1, "kpool_close sets fd to -1");
	kt_expect(LIB(kpool_close(&kp)), EBADF, "kpool_close twice: -EBADF");
	kt_expect(LIB(kpool_close(NULL)), EBADF, "kpool_close(NULL): -EBADF");
	kt_expect(LIB(kpool_open(&kp2, 1)), EINVAL,
		  "kpool_open with flags 1: -EINVAL");
	kt_ok(kp2.fd == -1, "failed kpool_open leaves fd -1");
	kt_expect(LIB(kpool_open(NULL, 0)), EINVAL, "kpool_open(NULL): -EINVAL");
}

static const char *tier_name(__u32 tier)
{
	static char buf[16];

	if (tier == KPOOL_TIER_FALLBACK)
		return "fallback";
	snprintf(buf, sizeof(buf), "%u", tier);
	return buf;
}

static void test_alloc_free(struct kpool *kp)
{
	static const struct { __u64 size; __u32 tier; __u64 cap; } t[] = {
		{ 1, 0, 256 }, { 256, 0, 256 }, { 257, 1, 4096 },
		{ 4096, 1, 4096 }, { 5000, 2, 16384 }, { 20000, 3, 32768 },
		{ 1048576, 4, 1048576 },
		{ 1048577, KPOOL_TIER_FALLBACK, 1048576 + 4096 },
	};
	struct kpool_info in, got;
	struct kpool other;
	__u32 h, h2;
	unsigned int i;
	int ret;

	for (i = 0; i < KT_ARRAY_SIZE(t); i++) {
		ret = LIB(kpool_buf_alloc(kp, t[i].size, &h, &in));
		if (!kt_expect(ret, 0, "kpool_buf_alloc(%llu)",
			       (unsigned long long)t[i].size))
			continue;
		kt_ok(h != 0 && in.handle == h && in.tier == t[i].tier &&
		      in.capacity == t[i].cap && in.offset == 0 &&
		      in.length == t[i].size && in.refs == 1,
		      "kpool_buf_alloc(%llu): handle %u, tier %s, capacity %llu",
		      (unsigned long long)t[i].size, h, tier_name(in.tier),
		      (unsigned long long)in.capacity);
		/* What alloc said is what INFO says. */
		ret = LIB(kpool_buf_info(kp, h, &got));
		kt_ok(!ret && !memcmp(&got, &in, sizeof(in)),
		      "kpool_buf_alloc(%llu): its info matches kpool_buf_info (flags %u, mmap_offset %llu)",
		      (unsigned long long)t[i].size, got.flags,
		      (unsigned long long)got.mmap_offset);
		kt_expect(LIB(kpool_buf_free(kp, h)), 0, "kpool_buf_free");
		kt_expect(LIB(kpool_buf_free(kp, h)), ENOENT,
			  "kpool_buf_free of a freed handle: -ENOENT");
	}
	kt_expect(LIB(kpool_buf_alloc(kp, 100, &h, NULL)), 0,
		  "kpool_buf_alloc with info NULL");
	kt_expect(LIB(kpool_buf_info(kp, h, &in)), 0,
		  "kpool_buf_info after it");
	kt_expect(LIB(kpool_buf_alloc(kp, 0, &h2, NULL)), EINVAL,
		  "kpool_buf_alloc(0): -EINVAL");
	kt_expect(LIB(kpool_buf_alloc(kp, 1ULL << 40, &h2, NULL)), E2BIG,
		  "kpool_buf_alloc(1 TiB): -E2BIG");
	kt_expect(LIB(kpool_buf_alloc(kp, UINT64_MAX, &h2, NULL)), E2BIG,
		  "kpool_buf_alloc(UINT64_MAX): -E2BIG");
	kt_expect(LIB(kpool_buf_alloc(kp, 100, NULL, NULL)), EINVAL,
		  "kpool_buf_alloc with handle NULL: -EINVAL");
	kt_expect(LIB(kpool_buf_free(kp, 0)), ENOENT,
		  "kpool_buf_free(0): -ENOENT");

	/* Handles belong to one open file. */
	if (kt_expect(LIB(kpool_open(&other, 0)), 0, "a second kpool_open")) {
		kt_expect(LIB(kpool_buf_free(&other, h)), ENOENT,
			  "kpool_buf_free of another file's handle: -ENOENT");
		kt_expect(LIB(kpool_buf_info(&other, h, &in)), ENOENT,
			  "kpool_buf_info of another file's handle: -ENOENT");
		kpool_close(&other);
	}
	kt_expect(LIB(kpool_buf_free(kp, h)), 0, "kpool_buf_free");
}

static void test_bad_file(void)
{
	struct kpool closed = { .fd = -1 }, notkpool;
	struct kpool_stats st;
	__u32 h;

	kt_expect(LIB(kpool_buf_alloc(&closed, 100, &h, NULL)), EBADF,
		  "kpool_buf_alloc on a closed struct kpool: -EBADF");
	kt_expect(LIB(kpool_buf_free(NULL, 1)), EBADF,
		  "kpool_buf_free(NULL kpool): -EBADF");
	notkpool.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	kt_expect(LIB(kpool_stats_get(&notkpool, &st)), ENOTTY,
		  "kpool_stats_get on /dev/null: -ENOTTY");
	kt_expect(LIB(kpool_buf_alloc(&notkpool, 100, &h, NULL)), ENOTTY,
		  "kpool_buf_alloc on /dev/null: -ENOTTY");
	close(notkpool.fd);
}

static void test_batch(struct kpool *kp)
{
	enum { N = 2500 };	/* more than KPOOL_BATCH_MAX: several calls */
	static __u32 hs[N];
	struct kpool_stats before;
	__u32 few[3], bad[3];
	size_t done = 12345;
	int ret;

	kt_expect(LIB(kpool_buf_alloc_batch(kp, 300, few, 3)), 0,
		  "kpool_buf_alloc_batch(300, 3)");
	kt_ok(few[0] && few[1] && few[2] && few[0] != few[1] &&
	      few[1] != few[2], "kpool_buf_alloc_batch: 3 distinct handles");
	bad[0] = few[0];
	bad[1] = 0;
	bad[2] = few[2];
	kt_expect(LIB(kpool_buf_free_batch(kp, bad, 3, &done)), ENOENT,
		  "kpool_buf_free_batch with a bad second handle: -ENOENT");
	kt_ok(done == 1, "kpool_buf_free_batch: done is 1 (got %zu)", done);
	kt_expect(LIB(kpool_buf_free(kp, few[0])), ENOENT,
		  "the first handle was freed");
	kt_expect(LIB(kpool_buf_free_batch(kp, few + 1, 2, NULL)), 0,
		  "kpool_buf_free_batch of the rest, done NULL");
	kt_expect(LIB(kpool_buf_free_batch(kp, few, 0, &done)), EINVAL,
		  "kpool_buf_free_batch count 0: -EINVAL");
	kt_expect(LIB(kpool_buf_alloc_batch(kp, 300, few, 0)), EINVAL,
		  "kpool_buf_alloc_batch count 0: -EINVAL");
	kt_expect(LIB(kpool_buf_alloc_batch(kp, 0, few, 3)), EINVAL,
		  "kpool_buf_alloc_batch size 0: -EINVAL");
	kt_expect(LIB(kpool_buf_alloc_batch(kp, 300, NULL, 3)), EINVAL,
		  "kpool_buf_alloc_batch handles NULL: -EINVAL");

	kt_stats_now(&before);
	ret = LIB(kpool_buf_alloc_batch(kp, 100, hs, N));
	kt_expect(ret, 0, "kpool_buf_alloc_batch of %d (> KPOOL_BATCH_MAX)", N);
	if (!ret) {
		ret = LIB(kpool_buf_free_batch(kp, hs, N, &done));
		kt_expect(ret, 0, "kpool_buf_free_batch of %d", N);
		kt_ok(done == N, "kpool_buf_free_batch of %d: done %zu", N, done);
	}
	kt_unchanged(&before, "a batch of %d and its free leave nothing", N);

	/* All or nothing across several calls: the third chunk fails. */
	ret = LIB(kpool_buf_alloc_batch(kp, 100, hs, N));
	if (!ret) {
		/* Free a handle in the third chunk and ask again for all. */
		__u32 victim = hs[2100];

		kpool_buf_free(kp, victim);
		ret = LIB(kpool_buf_free_batch(kp, hs, N, &done));
		kt_expect(ret, ENOENT,
			  "kpool_buf_free_batch over chunks, one handle freed: -ENOENT");
		kt_ok(done == 2100, "kpool_buf_free_batch over chunks: done 2100 (got %zu)",
		      done);
		kpool_buf_free_batch(kp, hs + 2101, N - 2101, NULL);
	}
	kt_unchanged(&before, "partial free_batch and the rest leave nothing");
}

/*
 * All or nothing across several kernel calls: ask for 2048 buffers into an
 * array whose first 1024 entries are on a mapped page and the rest on an
 * unmapped one.  The first call of 1024 succeeds, the second fails with
 * EFAULT, and the library must give the first 1024 back.
 */
static void test_batch_all_or_nothing(struct kpool *kp)
{
	struct kpool_stats before;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *area;
	int ret;

	area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || munmap(area + pg, pg)) {
		kt_ok(0, "setup: a page followed by a hole");
		return;
	}
	kt_stats_now(&before);
	/* KPOOL_BATCH_MAX handles fill the page exactly. */
	ret = LIB(kpool_buf_alloc_batch(kp, 1,
					(__u32 *)(area + pg) - KPOOL_BATCH_MAX,
					2 * KPOOL_BATCH_MAX));
	kt_expect(ret, EFAULT,
		  "kpool_buf_alloc_batch whose second call cannot write its handles: -EFAULT");
	kt_unchanged(&before,
		     "the failed batch gave back the buffers of its first call");
	munmap(area, pg);
}

static void test_views(struct kpool *kp)
{
	static const char msg[] = "0123456789abcdef";
	struct kpool_info in;
	__u32 h = 0, d, tail, sl;
	char buf[32];

	if (!kt_expect(LIB(kpool_buf_alloc(kp, 16, &h, NULL)), 0, "alloc 16"))
		return;
	kt_expect(LIB(kpool_buf_write(kp, h, 0, msg, 16)), 0, "kpool_buf_write");
	kt_expect(LIB(kpool_buf_write(kp, h, 10, msg, 7)), EINVAL,
		  "kpool_buf_write past the end: -EINVAL");
	kt_expect(LIB(kpool_buf_write(kp, h, UINT64_MAX, msg, 2)), EINVAL,
		  "kpool_buf_write at UINT64_MAX (overflow): -EINVAL");
	kt_expect(LIB(kpool_buf_read(kp, h, 17, buf, 0)), EINVAL,
		  "kpool_buf_read of 0 bytes past the end: -EINVAL");
	kt_expect(LIB(kpool_buf_read(kp, h, 16, buf, 0)), 0,
		  "kpool_buf_read of 0 bytes at the end");
	kt_expect(LIB(kpool_buf_read(kp, h, 0, (void *)8, 4)), EFAULT,
		  "kpool_buf_read to a bad pointer: -EFAULT");
	memset(buf, 0, sizeof(buf));
	kt_ok(!LIB(kpool_buf_read(kp, h, 0, buf, 16)) && !memcmp(buf, msg, 16),
	      "kpool_buf_read gives back what was written");
	kt_expect(LIB(kpool_buf_write(kp, h, 0, (const void *)8, 4)), EFAULT,
		  "kpool_buf_write from a bad pointer: -EFAULT");
	memset(buf, 0, sizeof(buf));
	kpool_buf_read(kp, h, 0, buf, 16);
	if (!kt_ok(!memcmp(buf, msg, 16),
		   "kpool_buf_write from a bad pointer changed nothing (spec: EFAULT, and nothing changed)")) {
		kt_diag("the view now starts with %02x %02x %02x %02x, not '0123'",
			(unsigned char)buf[0], (unsigned char)buf[1],
			(unsigned char)buf[2], (unsigned char)buf[3]);
		kpool_buf_write(kp, h, 0, msg, 16);
	}

	/* dup: same view, one more reference. */
	kt_expect(LIB(kpool_buf_dup(kp, h, &d)), 0, "kpool_buf_dup");
	memset(&in, 0, sizeof(in));
	kpool_buf_info(kp, d, &in);
	kt_ok(d != h && in.refs == 2 && in.length == 16,
	      "kpool_buf_dup: new handle, refs 2 (got %u)", in.refs);
	kt_expect(LIB(kpool_buf_dup(kp, h, NULL)), EINVAL,
		  "kpool_buf_dup with NULL: -EINVAL");
	kt_expect(LIB(kpool_buf_dup(kp, 0, &tail)), ENOENT,
		  "kpool_buf_dup(0): -ENOENT");

	/* split the dup at 10: d keeps [0,10), tail gets [10,16). */
	kt_expect(LIB(kpool_buf_split(kp, d, 17, &tail)), EINVAL,
		  "kpool_buf_split past the end: -EINVAL");
	kt_expect(LIB(kpool_buf_split(kp, d, 10, NULL)), EINVAL,
		  "kpool_buf_split with NULL: -EINVAL");
	kt_expect(LIB(kpool_buf_split(kp, d, 10, &tail)), 0, "kpool_buf_split at 10");
	kt_ok(!kpool_buf_info(kp, d, &in) && in.offset == 0 && in.length == 10,
	      "kpool_buf_split: the head is [0, 10)");
	kt_ok(!kpool_buf_info(kp, tail, &in) && in.offset == 10 &&
	      in.length == 6 && in.refs == 3,
	      "kpool_buf_split: the tail is [10, 16), refs 3");
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_read(kp, tail, 0, buf, 6) && !memcmp(buf, "abcdef", 6),
	      "kpool_buf_split: the tail reads 'abcdef'");

	/* slice [1, 4) of the tail: "bcd"; written through, seen by h. */
	kt_expect(LIB(kpool_buf_slice(kp, tail, 4, 3, &sl)), EINVAL,
		  "kpool_buf_slice start > end: -EINVAL");
	kt_expect(LIB(kpool_buf_slice(kp, tail, 0, 7, &sl)), EINVAL,
		  "kpool_buf_slice past the end: -EINVAL");
	kt_expect(LIB(kpool_buf_slice(kp, tail, 1, 4, NULL)), EINVAL,
		  "kpool_buf_slice with NULL: -EINVAL");
	kt_expect(LIB(kpool_buf_slice(kp, tail, 1, 4, &sl)), 0,
		  "kpool_buf_slice [1, 4)");
	kt_ok(!kpool_buf_info(kp, sl, &in) && in.offset == 11 && in.length == 3,
	      "kpool_buf_slice: view [11, 14) of the buffer");
	kpool_buf_write(kp, sl, 0, "BCD", 3);
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_read(kp, h, 0, buf, 16) &&
	      !memcmp(buf, "0123456789aBCDef", 16),
	      "bytes written through the slice are seen through the first handle");

	kt_expect(LIB(kpool_buf_info(kp, h, NULL)), EINVAL,
		  "kpool_buf_info with NULL: -EINVAL");
	kt_expect(LIB(kpool_buf_free(kp, sl)), 0, "free the slice");
	kt_expect(LIB(kpool_buf_free(kp, tail)), 0, "free the tail");
	kt_expect(LIB(kpool_buf_free(kp, d)), 0, "free the head");
	memset(&in, 0, sizeof(in));
	kpool_buf_info(kp, h, &in);
	kt_ok(in.refs == 1, "refs back to 1 (got %u)", in.refs);
	kt_expect(LIB(kpool_buf_free(kp, h)), 0, "free the buffer");
	kt_expect(LIB(kpool_buf_split(kp, h, 1, &tail)), ENOENT,
		  "kpool_buf_split of a freed handle: -ENOENT");
	kt_expect(LIB(kpool_buf_slice(kp, h, 0, 1, &sl)), ENOENT,
		  "kpool_buf_slice of a freed handle: -ENOENT");
	kt_expect(LIB(kpool_buf_read(kp, h, 0, buf, 1)), ENOENT,
		  "kpool_buf_read of a freed handle: -ENOENT");
	kt_expect(LIB(kpool_buf_write(kp, h, 0, buf, 1)), ENOENT,
		  "kpool_buf_write of a freed handle: -ENOENT");
}

static void test_materialize(struct kpool *kp)
{
	__u32 h[3], one, all, bad[2];
	struct kpool_info in, in1;
	__u64 len = 0;
	char buf[32];

	if (!kt_expect(LIB(kpool_buf_alloc_batch(kp, 5, h, 3)), 0, "alloc 3 x 5"))
		return;
	kpool_buf_write(kp, h[0], 0, "hello", 5);
	kpool_buf_write(kp, h[1], 0, ", poo", 5);
	kpool_buf_write(kp, h[2], 0, "l!!!!", 5);

	kt_expect(LIB(kpool_buf_materialize(kp, h, 1, &one, &len)), 0,
		  "kpool_buf_materialize of one view");
	kt_ok(len == 5 && !kpool_buf_info(kp, one, &in1) &&
	      !kpool_buf_info(kp, h[0], &in) && in1.refs == 2 && in.refs == 2,
	      "one view: a new handle on the same buffer (refs 2), length 5");
	kt_expect(LIB(kpool_buf_materialize(kp, h, 3, &all, NULL)), 0,
		  "kpool_buf_materialize of three views, length NULL");
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_info(kp, all, &in) && in.length == 15 &&
	      in.refs == 1 && !kpool_buf_read(kp, all, 0, buf, 15) &&
	      !memcmp(buf, "hello, pool!!!!", 15),
	      "three views: a new buffer holding their 15 bytes in order");
	kpool_buf_write(kp, all, 0, "J", 1);
	kt_ok(!kpool_buf_read(kp, h[0], 0, buf, 1) && buf[0] == 'h',
	      "the gathered copy is separate from its sources");

	bad[0] = h[0];
	bad[1] = 0;
	kt_expect(LIB(kpool_buf_materialize(kp, bad, 2, &one, NULL)), ENOENT,
		  "kpool_buf_materialize with a bad handle: -ENOENT");
	kt_expect(LIB(kpool_buf_materialize(kp, h, 0, &one, NULL)), EINVAL,
		  "kpool_buf_materialize count 0: -EINVAL");
	kt_expect(LIB(kpool_buf_materialize(kp, h, KPOOL_BATCH_MAX + 1, &one,
					    NULL)), EINVAL,
		  "kpool_buf_materialize count KPOOL_BATCH_MAX + 1: -EINVAL");
	kt_expect(LIB(kpool_buf_materialize(kp, h, 3, NULL, NULL)), EINVAL,
		  "kpool_buf_materialize new_handle NULL: -EINVAL");

	kpool_buf_free(kp, one);
	kpool_buf_free(kp, all);
	kt_expect(LIB(kpool_buf_free_batch(kp, h, 3, NULL)), 0, "free the three");
}

static void test_stats(struct kpool *kp)
{
	struct kpool_stats a = { 0 }, b = { 0 };
	__u32 h;

	kt_expect(LIB(kpool_stats_get(kp, NULL)), EINVAL,
		  "kpool_stats_get(NULL): -EINVAL");
	if (!kt_expect(LIB(kpool_stats_get(kp, &a)), 0, "kpool_stats_get"))
		return;
	kt_ok(a.ntiers == KT_NTIERS && a.tier[2].size == 16384 &&
	      a.fallback.size == 0, "kpool_stats_get: %u tiers, tier 2 is 16 KiB",
	      a.ntiers);
	if (kpool_buf_alloc(kp, 10000, &h, NULL))
		return;
	kpool_stats_get(kp, &b);
	kt_ok(b.tier[2].in_use == a.tier[2].in_use + 1 &&
	      b.tier[2].allocs == a.tier[2].allocs + 1 &&
	      b.handles == a.handles + 1 &&
	      b.bytes_in_use == a.bytes_in_use + 16384,
	      "kpool_stats_get counts a 16 KiB allocation");
	kpool_buf_free(kp, h);
	kpool_stats_get(kp, &b);
	kt_ok(b.tier[2].in_use == a.tier[2].in_use &&
	      b.tier[2].frees == a.tier[2].frees + 1,
	      "kpool_stats_get counts its free");
}

static void test_version(struct kpool *kp)
{
	struct kpool_version v, raw;
	struct kpool notkpool;

	kt_expect(LIB(kpool_version(kp, NULL)), EINVAL,
		  "kpool_version(NULL): -EINVAL");
	memset(&v, 0xff, sizeof(v));
	if (!kt_expect(LIB(kpool_version(kp, &v)), 0, "kpool_version"))
		return;
	kt_ok(v.major == KPOOL_VERSION_MAJOR && v.minor == KPOOL_VERSION_MINOR &&
	      v.patch == KPOOL_VERSION_PATCH && !v.pad,
	      "kpool_version: %u.%u.%u, the header's %u.%u.%u, pad 0", v.major,
	      v.minor, v.patch, KPOOL_VERSION_MAJOR, KPOOL_VERSION_MINOR,
	      KPOOL_VERSION_PATCH);
	memset(&raw, 0, sizeof(raw));
	kt_ok(!ioctl(kp->fd, KPOOL_IOC_VERSION, &raw) &&
	      !memcmp(&raw, &v, sizeof(v)),
	      "kpool_version agrees with KPOOL_IOC_VERSION (features %#llx)",
	      (unsigned long long)v.features);
	kt_ok(LIBKPOOL_VERSION_MAJOR == 1 && LIBKPOOL_VERSION_MINOR >= 1,
	      "the library that has kpool_version() is 1.1 or later (%d.%d)",
	      LIBKPOOL_VERSION_MAJOR, LIBKPOOL_VERSION_MINOR);
	notkpool.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	kt_expect(LIB(kpool_version(&notkpool, &v)), ENOTTY,
		  "kpool_version on /dev/null: -ENOTTY");
	close(notkpool.fd);
	notkpool.fd = -1;
	kt_expect(LIB(kpool_version(&notkpool, &v)), EBADF,
		  "kpool_version on a closed struct kpool: -EBADF");
}

static void test_strerror(void)
{
	const char *s;

	s = LIB(kpool_strerror(-ENOENT));
	kt_ok(s && strstr(s, "handle"), "kpool_strerror(-ENOENT): '%s'", s);
	s = LIB(kpool_strerror(-EDQUOT));
	kt_ok(s && strstr(s, "max_file_bytes"), "kpool_strerror(-EDQUOT): '%s'", s);
	s = LIB(kpool_strerror(EDQUOT));
	kt_ok(s && strstr(s, "max_file_bytes"), "kpool_strerror(EDQUOT) too");
	s = LIB(kpool_strerror(-EPIPE));
	kt_ok(s && !strcmp(s, strerror(EPIPE)),
	      "kpool_strerror(-EPIPE) is strerror's text");
	s = LIB(kpool_strerror(0));
	kt_ok(s && *s, "kpool_strerror(0): '%s'", s);
}

int main(void)
{
	struct kpool kp;

	kt_begin();
	test_open_close();
	if (!kt_expect(kpool_open(&kp, 0), 0, "kpool_open for the tests"))
		return kt_end();
	test_alloc_free(&kp);
	test_bad_file();
	test_batch(&kp);
	test_batch_all_or_nothing(&kp);
	test_views(&kp);
	test_materialize(&kp);
	test_stats(&kp);
	test_version(&kp);
	test_strerror();
	kt_expect(kpool_close(&kp), 0, "kpool_close");
	kt_ok(!errno_touched,
	      "no library call changed errno, on success or failure (%d did)",
	      errno_touched);
	return kt_end();
}
