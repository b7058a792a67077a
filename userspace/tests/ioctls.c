// SPDX-License-Identifier: GPL-2.0
/*
 * ioctls: the success path of every ioctl of /dev/kpool, and what each one
 * does to KPOOL_IOC_STATS and KPOOL_IOC_INFO (spec/uapi.md, "Structures
 * and ioctls").
 */
#include "kt.h"

static int fd;

static void test_stats(void)
{
	struct kpool_stats s;
	unsigned int i;
	int rows_ok = 1, rest_zero = 1;

	kt_expect(kt_stats(fd, &s), 0, "STATS succeeds");
	kt_ok(s.ntiers == KT_NTIERS, "STATS: ntiers is %zu (got %u)", KT_NTIERS,
	      s.ntiers);
	for (i = 0; i < KT_NTIERS && i < KPOOL_MAX_TIERS; i++)
		if (s.tier[i].size != kt_tiers[i])
			rows_ok = 0;
	kt_ok(rows_ok, "STATS: tier sizes are 256, 4096, 16384, 32768, 1048576");
	for (i = s.ntiers; i < KPOOL_MAX_TIERS; i++)
		if (s.tier[i].size || s.tier[i].in_use || s.tier[i].allocs ||
		    s.tier[i].frees)
			rest_zero = 0;
	kt_ok(rest_zero, "STATS: rows past ntiers are zero");
	kt_ok(s.fallback.size == 0, "STATS: the fallback row has size 0");
	kt_ok(s.pad == 0, "STATS: pad is zero on output");
	for (i = 0; i < s.ntiers && i < KPOOL_MAX_TIERS; i++)
		if (s.tier[i].allocs - s.tier[i].frees != s.tier[i].in_use)
			break;
	kt_ok(i == s.ntiers,
	      "STATS: allocs - frees == in_use in every tier");
}

static void test_alloc(void)
{
	struct kpool_stats before, after;
	struct kpool_alloc a;
	struct kpool_info info;
	int ret;

	kt_stats(fd, &before);
	memset(&a, 0, sizeof(a));
	a.size = 100;
	/* Output fields may hold anything on input. */
	a.handle = 0xffffffff;
	a.capacity = 12345;
	a.mmap_offset = 777;
	a.tier = 99;
	ret = kt_io(fd, KPOOL_IOC_ALLOC, &a);
	kt_expect(ret, 0, "ALLOC of 100 bytes succeeds (output fields holding junk on input)");
	kt_ok(a.handle != 0, "ALLOC: the handle is not 0 (got %u)", a.handle);
	kt_ok(a.capacity == 256 && a.tier == 0,
	      "ALLOC: 100 bytes go to tier 0 with capacity 256 (got tier %u, %llu)",
	      a.tier, (unsigned long long)a.capacity);
	kt_ok(a.size == 100 && a.flags == 0 && a.pad == 0,
	      "ALLOC: size, flags and pad are unchanged/zero on output");
	kt_ok(a.mmap_offset % KT_PAGE == 0 && a.mmap_offset != 0,
	      "ALLOC: mmap_offset is a non-zero multiple of the page size (%#llx)",
	      (unsigned long long)a.mmap_offset);
	kt_stats(fd, &after);
	kt_ok(after.handles == before.handles + 1 &&
	      after.bytes_in_use == before.bytes_in_use + 256 &&
	      after.tier[0].in_use == before.tier[0].in_use + 1 &&
	      after.tier[0].allocs == before.tier[0].allocs + 1,
	      "STATS after ALLOC: handles +1, bytes_in_use +256, tier 0 in_use +1 and allocs +1");

	ret = kt_info(fd, a.handle, &info);
	kt_expect(ret, 0, "INFO on the new handle succeeds");
	kt_ok(info.handle == a.handle && info.tier == 0 && info.offset == 0 &&
	      info.length == 100 && info.capacity == 256 &&
	      info.mmap_offset == a.mmap_offset && info.refs == 1 &&
	      info.flags == 0,
	      "INFO: handle, tier 0, view [0,100), capacity 256, same mmap_offset, refs 1, not mappable");

	kt_expect(kt_free(fd, a.handle), 0, "FREE of the handle succeeds");
	kt_expect(kt_info(fd, a.handle, &info), ENOENT,
		  "INFO after FREE: ENOENT");
	kt_stats(fd, &after);
	kt_ok(after.handles == before.handles &&
	      after.bytes_in_use == before.bytes_in_use &&
	      after.tier[0].in_use == before.tier[0].in_use &&
	      after.tier[0].frees == before.tier[0].frees + 1,
	      "STATS after FREE: back to before, tier 0 frees +1");
}

static void test_rw(void)
{
	unsigned char in[300], out[300];
	uint32_t h;
	long bad;

	if (!kt_ok(kt_alloc(fd, 300, &h) == 0, "ALLOC of 300 bytes (tier 1)"))
		return;
	memset(out, 0x55, sizeof(out));
	kt_expect(kt_read(fd, h, 0, out, 300), 0, "READ of a whole new view");
	bad = kt_nonzero(out, 300);
	kt_ok(bad < 0, "a new buffer reads as zeros (first non-zero at %ld)", bad);
	kt_fill(in, sizeof(in), 1);
	kt_expect(kt_write(fd, h, 0, in, 300), 0, "WRITE of the whole view");
	memset(out, 0, sizeof(out));
	kt_read(fd, h, 0, out, 300);
	kt_ok(!memcmp(in, out, 300), "READ gives back what WRITE wrote");
	memset(out, 0, sizeof(out));
	kt_expect(kt_read(fd, h, 123, out, 77), 0, "READ at offset 123, 77 bytes");
	kt_ok(!memcmp(in + 123, out, 77), "READ at an offset gives the right bytes");
	kt_expect(kt_write(fd, h, 299, "Z", 1), 0, "WRITE of the last byte");
	kt_read(fd, h, 299, out, 1);
	kt_ok(out[0] == 'Z', "the last byte was written");
	kt_expect(kt_read(fd, h, 300, out, 0), 0,
		  "READ of 0 bytes at the end of the view succeeds");
	kt_expect(kt_write(fd, h, 0, in, 0), 0, "WRITE of 0 bytes succeeds");
	kt_free(fd, h);
}

static void test_dup_split_slice(void)
{
	struct kpool_info i1, i2, i3;
	uint32_t h, d, r, s;
	char buf[16];

	if (!kt_ok(kt_alloc(fd, 100, &h) == 0, "ALLOC of 100 bytes"))
		return;
	kt_write(fd, h, 0, "0123456789abcdefghij", 20);

	kt_expect(kt_dup(fd, h, &d), 0, "DUP succeeds");
	kt_ok(d != h && d != 0, "DUP gives a new handle (%u, from %u)", d, h);
	kt_info(fd, h, &i1);
	kt_info(fd, d, &i2);
	kt_ok(i2.offset == i1.offset && i2.length == i1.length &&
	      i2.capacity == i1.capacity && i1.refs == 2 && i2.refs == 2,
	      "DUP: the same view, refs 2 on both (got %u, %u)", i1.refs,
	      i2.refs);
	kt_write(fd, d, 0, "X", 1);
	kt_read(fd, h, 0, buf, 1);
	kt_ok(buf[0] == 'X', "a write through the duplicate is seen through the original");
	kt_ok(i1.mmap_offset != i2.mmap_offset,
	      "the duplicate has an mmap_offset of its own");

	kt_expect(kt_split(fd, h, 40, &r), 0, "SPLIT at 40 of a 100-byte view");
	kt_info(fd, h, &i1);
	kt_info(fd, r, &i2);
	kt_ok(i1.offset == 0 && i1.length == 40,
	      "SPLIT: the handle keeps [0,40) (got offset %llu length %llu)",
	      (unsigned long long)i1.offset, (unsigned long long)i1.length);
	kt_ok(i2.offset == 40 && i2.length == 60 && i2.capacity == 256,
	      "SPLIT: the new handle gets [40,100) of the same buffer");
	kt_ok(i2.refs == 3, "SPLIT: refs 3 (handle, duplicate, right half; got %u)",
	      i2.refs);
	kt_write(fd, r, 0, "R", 1);
	kt_read(fd, d, 40, buf, 1);
	kt_ok(buf[0] == 'R', "SPLIT shares the bytes: a write to the right half is seen through the duplicate");

	kt_expect(kt_slice(fd, d, 10, 30, &s), 0, "SLICE [10,30) of the duplicate");
	kt_info(fd, d, &i1);
	kt_info(fd, s, &i3);
	kt_ok(i1.offset == 0 && i1.length == 100,
	      "SLICE: the source handle is unchanged");
	kt_ok(i3.offset == 10 && i3.length == 20 && i3.refs == 4,
	      "SLICE: the new view is [10,20 bytes) with refs 4 (got offset %llu, length %llu, refs %u)",
	      (unsigned long long)i3.offset, (unsigned long long)i3.length,
	      i3.refs);
	kt_read(fd, s, 0, buf, 10);
	kt_ok(!memcmp(buf, "abcdefghij", 10), "SLICE: reads the source's bytes 10..19");

	kt_free(fd, s);
	kt_free(fd, r);
	kt_free(fd, d);
	kt_info(fd, h, &i1);
	kt_ok(i1.refs == 1, "after freeing the others, refs is 1 again (got %u)",
	      i1.refs);
	kt_free(fd, h);
}

static void test_materialize(void)
{
	struct kpool_stats before, after;
	struct kpool_info info;
	uint32_t h[3], m, m1;
	uint64_t len = 0;
	char buf[64];

	if (!kt_ok(!kt_alloc(fd, 10, &h[0]) && !kt_alloc(fd, 20, &h[1]) &&
		   !kt_alloc(fd, 5000, &h[2]), "ALLOC of 10, 20 and 5000 bytes"))
		return;
	kt_write(fd, h[0], 0, "aaaaaaaaaa", 10);
	kt_write(fd, h[1], 0, "bbbbbbbbbbbbbbbbbbbb", 20);
	kt_write(fd, h[2], 4990, "cccccccccc", 10);
	kt_stats(fd, &before);
	kt_expect(kt_materialize(fd, h, 1, &m1, &len), 0, "MATERIALIZE of one view");
	kt_stats(fd, &after);
	kt_info(fd, m1, &info);
	kt_ok(len == 10 && info.length == 10 && info.refs == 2,
	      "MATERIALIZE of one view: length 10, the same buffer (refs 2)");
	kt_ok(after.bytes_in_use == before.bytes_in_use,
	      "MATERIALIZE of one view allocates nothing");
	kt_free(fd, m1);

	kt_expect(kt_materialize(fd, h, 3, &m, &len), 0,
		  "MATERIALIZE of three views");
	kt_ok(len == 5030, "MATERIALIZE: length is the sum, 5030 (got %llu)",
	      (unsigned long long)len);
	kt_info(fd, m, &info);
	kt_ok(info.length == 5030 && info.capacity == 16384 && info.tier == 2 &&
	      info.refs == 1, "MATERIALIZE: a new buffer of tier 2 holding 5030 bytes");
	kt_read(fd, m, 0, buf, 30);
	kt_ok(!memcmp(buf, "aaaaaaaaaabbbbbbbbbbbbbbbbbbbb", 30),
	      "MATERIALIZE: the first bytes are the views' in order");
	kt_read(fd, m, 5020, buf, 10);
	kt_ok(!memcmp(buf, "cccccccccc", 10),
	      "MATERIALIZE: the last bytes are the last view's");
	kt_free(fd, m);
	kt_free(fd, h[0]);
	kt_free(fd, h[1]);
	kt_free(fd, h[2]);
}

static void test_batch(void)
{
	struct kpool_stats before, after;
	uint32_t hs[16], done = 0;
	unsigned int i, j, distinct = 1;

	kt_stats(fd, &before);
	memset(hs, 0, sizeof(hs));
	kt_expect(kt_alloc_batch(fd, 4096, hs, 16), 0, "ALLOC_BATCH of 16 x 4096 bytes");
	for (i = 0; i < 16; i++) {
		if (!hs[i])
			distinct = 0;
		for (j = 0; j < i; j++)
			if (hs[i] == hs[j])
				distinct = 0;
	}
	kt_ok(distinct, "ALLOC_BATCH: 16 distinct non-zero handles");
	kt_stats(fd, &after);
	kt_ok(after.handles == before.handles + 16 &&
	      after.tier[1].in_use == before.tier[1].in_use + 16 &&
	      after.bytes_in_use == before.bytes_in_use + 16 * 4096,
	      "ALLOC_BATCH: handles +16, tier 1 in_use +16, bytes +64 KiB");
	kt_expect(kt_free_batch(fd, hs, 16, &done), 0, "FREE_BATCH of all 16");
	kt_ok(done == 16, "FREE_BATCH: done is 16 (got %u)", done);
	kt_unchanged(&before, "FREE_BATCH: everything is back");
}

static void test_export_import(void)
{
	struct kpool_stats before, after;
	struct kpool_info info;
	uint32_t h, im;
	int efd = -1, efd2 = -1, fl;
	char buf[8];

	if (!kt_ok(kt_alloc(fd, 8192, &h) == 0, "ALLOC of 8192 bytes"))
		return;
	kt_write(fd, h, 0, "export!", 7);
	kt_stats(fd, &before);
	kt_expect(kt_export(fd, h, 0, &efd), 0, "EXPORT succeeds");
	kt_ok(efd >= 0, "EXPORT gives a file descriptor (%d)", efd);
	fl = fcntl(efd, F_GETFD);
	kt_ok(fl >= 0 && !(fl & FD_CLOEXEC), "EXPORT without O_CLOEXEC: FD_CLOEXEC clear");
	kt_stats(fd, &after);
	kt_ok(after.exports == before.exports + 1, "STATS: exports +1");
	kt_info(fd, h, &info);
	kt_ok(info.refs == 2, "INFO: refs 2 (the handle and the exported file; got %u)",
	      info.refs);
	kt_expect(kt_export(fd, h, O_CLOEXEC, &efd2), 0, "EXPORT with O_CLOEXEC succeeds");
	fl = fcntl(efd2, F_GETFD);
	kt_ok(fl >= 0 && (fl & FD_CLOEXEC), "EXPORT with O_CLOEXEC: FD_CLOEXEC set");
	close(efd2);

	kt_expect(kt_import(fd, efd, &im), 0, "IMPORT into the same file succeeds");
	kt_info(fd, im, &info);
	kt_ok(im != h && info.offset == 0 && info.length == 8192 && info.refs == 3,
	      "IMPORT: a new handle on the same view, refs 3 (got %u)", info.refs);
	kt_read(fd, im, 0, buf, 7);
	kt_ok(!memcmp(buf, "export!", 7), "IMPORT: the imported handle reads the bytes");
	close(efd);
	kt_stats(fd, &after);
	kt_ok(after.exports == before.exports, "closing the exported fd: exports back");
	kt_info(fd, im, &info);
	kt_ok(info.refs == 2, "closing the exported fd: refs 2 (got %u)", info.refs);
	kt_free(fd, im);
	kt_free(fd, h);
}

static void test_handles(void)
{
	uint32_t a, b, c;
	struct kpool_info info;
	int fd2 = kt_open();
	struct kpool_stats before;

	kt_alloc(fd, 10, &a);
	kt_free(fd, a);
	kt_alloc(fd, 10, &b);
	kt_ok(b != a, "a freed handle number is not given again at once (%u then %u)",
	      a, b);
	kt_free(fd, b);
	{
		uint32_t prev = b, n;
		int i, rising = 1;

		for (i = 0; i < 1000; i++) {
			if (kt_alloc(fd, 1, &n) || n <= prev)
				rising = 0;
			kt_free(fd, n);
			prev = n;
		}
		kt_ok(rising, "1000 ALLOC/FREE cycles: every handle number is new (cyclic allocation)");
	}

	if (!kt_ok(fd2 >= 0, "a second open() of %s", KT_DEV))
		return;
	kt_stats(fd, &before);
	kt_alloc(fd, 10, &a);
	kt_alloc(fd, 10, &b);
	kt_alloc(fd, 10, &c);
	kt_expect(kt_info(fd2, c, &info), ENOENT,
		  "another file's handle: INFO answers ENOENT");
	kt_expect(kt_free(fd2, c), ENOENT, "another file's handle: FREE answers ENOENT");
	kt_ok(kt_info(fd, c, &info) == 0, "... and the handle still works in its own file");
	close(fd2);
	kt_free(fd, a);
	kt_free(fd, b);
	kt_free(fd, c);

	/* close() of a file frees its handles */
	fd2 = kt_open();
	kt_alloc(fd2, 1000, &a);
	kt_alloc(fd2, 100000, &b);
	kt_dup(fd2, b, &c);
	kt_slice(fd2, b, 5, 50000, &c);
	close(fd2);
	kt_unchanged(&before, "close() frees every handle of the file");
}

static void unprivileged(void *arg)
{
	uint32_t h;
	int f;

	(void)arg;
	if (setgid(65534) || setuid(65534)) {
		kt_diag("setuid(65534): %s", strerror(errno));
		_exit(2);
	}
	f = kt_open();
	kt_ok(f >= 0, "an unprivileged user (uid 65534) opens %s", KT_DEV);
	if (f < 0)
		return;
	kt_expect(kt_alloc(f, 4096, &h), 0, "an unprivileged user allocates");
	close(f);
}

static void test_unprivileged(void)
{
	int rfd;
	pid_t pid;

	if (geteuid() != 0) {
		kt_skip("not root", "an unprivileged user opens and allocates");
		return;
	}
	pid = kt_spawn(unprivileged, NULL, &rfd);
	kt_reap(pid, rfd, "unprivileged user");
}

int main(void)
{
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s, O_RDWR)", KT_DEV))
		return kt_end();
	test_stats();
	test_alloc();
	test_rw();
	test_dup_split_slice();
	test_materialize();
	test_batch();
	test_export_import();
	test_handles();
	test_unprivileged();
	kt_ok(close(fd) == 0, "close() of the device file");
	return kt_end();
}
