// SPDX-License-Identifier: GPL-2.0
/*
 * libkpool: kpool_buf_map() and kpool_buf_unmap(): the pointer is the
 * view's first byte wherever the view starts in its page; the bytes are
 * shared with READ/WRITE and with other mappings; the mapping outlives
 * the handle and the file; unmappable views and bad arguments are refused.
 */
#include "kt.h"
#include "libkpool.h"
#include "kt_lib.h"

static long page;

static void test_whole(struct kpool *kp)
{
	struct kpool_stats before, after;
	struct kpool_map m = { 0 };
	char buf[16];
	__u32 h;

	if (!kt_expect(kpool_buf_alloc(kp, 10000, &h, NULL), 0, "alloc 10000"))
		return;
	kt_stats_now(&before);
	if (!kt_expect(LIB(kpool_buf_map(kp, h, PROT_READ | PROT_WRITE, &m)), 0,
		       "kpool_buf_map of a 16 KiB-tier buffer")) {
		kpool_buf_free(kp, h);
		return;
	}
	kt_stats_now(&after);
	kt_ok(after.mappings == before.mappings + 1,
	      "the mapping is counted in the stats");
	if (!kt_ok(m.addr && (uintptr_t)m.addr % page == 0 && m.length == 10000 &&
		   kt_nonzero(m.addr, 10000) < 0,
		   "kpool_buf_map: page-aligned pointer, length 10000, zero-filled")) {
		kpool_buf_unmap(&m);
		kpool_buf_free(kp, h);
		return;
	}
	/*
	 * cppcheck links this to the "!m.addr" checked after kpool_buf_unmap()
	 * (which zeroes the struct) below: m.addr was checked above.
	 */
	// cppcheck-suppress nullPointerArithmeticRedundantCheck
	memcpy((char *)m.addr + 9990, "via mmap!", 9);
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_read(kp, h, 9990, buf, 9) && !memcmp(buf, "via mmap!", 9),
	      "bytes written through the mapping are read by kpool_buf_read");
	kpool_buf_write(kp, h, 0, "via ioctl", 9);
	kt_ok(!memcmp(m.addr, "via ioctl", 9),
	      "bytes written by kpool_buf_write are seen through the mapping");
	kt_expect(LIB(kpool_buf_unmap(&m)), 0, "kpool_buf_unmap");
	kt_ok(!m.addr && !m.length, "kpool_buf_unmap zeroes the struct");
	kt_expect(LIB(kpool_buf_unmap(&m)), EINVAL, "kpool_buf_unmap twice: -EINVAL");
	kt_expect(LIB(kpool_buf_unmap(NULL)), EINVAL, "kpool_buf_unmap(NULL): -EINVAL");
	kt_unchanged(&before, "unmapping drops the mapping's reference");
	kpool_buf_free(kp, h);
}

/* A slice [start, end) of a 16 KiB buffer, mapped and compared. */
static void test_slice_at(struct kpool *kp, __u32 h, struct kpool_map *whole,
			  __u64 start, __u64 end)
{
	struct kpool_map m = { 0 };
	__u64 lead = start % (__u64)page;
	__u32 s;

	if (!kt_expect(kpool_buf_slice(kp, h, start, end, &s), 0,
		       "slice [%llu, %llu)", (unsigned long long)start,
		       (unsigned long long)end))
		return;
	if (kt_expect(LIB(kpool_buf_map(kp, s, PROT_READ | PROT_WRITE, &m)), 0,
		      "kpool_buf_map of slice [%llu, %llu)",
		      (unsigned long long)start, (unsigned long long)end)) {
		kt_ok((uintptr_t)m.addr % page == lead && m.length == end - start,
		      "slice [%llu, %llu): pointer %llu bytes into its page, length %llu",
		      (unsigned long long)start, (unsigned long long)end,
		      (unsigned long long)lead, (unsigned long long)m.length);
		kt_ok(!memcmp(m.addr, (char *)whole->addr + start, end - start),
		      "slice [%llu, %llu): its mapping shows the buffer's bytes at %llu",
		      (unsigned long long)start, (unsigned long long)end,
		      (unsigned long long)start);
		/* Write the slice's last byte, see it through the whole. */
		((char *)m.addr)[end - start - 1] = '#';
		kt_ok(((char *)whole->addr)[end - 1] == '#',
		      "slice [%llu, %llu): a write to its last byte lands at %llu of the buffer",
		      (unsigned long long)start, (unsigned long long)end,
		      (unsigned long long)end - 1);
		kpool_buf_unmap(&m);
	}
	kpool_buf_free(kp, s);
}

static void test_slices(struct kpool *kp)
{
	struct kpool_map whole;
	__u32 h;

	if (kpool_buf_alloc(kp, 16384, &h, NULL))
		return;
	if (kpool_buf_map(kp, h, PROT_READ | PROT_WRITE, &whole)) {
		kt_ok(0, "map a 16 KiB buffer");
		kpool_buf_free(kp, h);
		return;
	}
	kt_fill(whole.addr, 16384, 7);
	test_slice_at(kp, h, &whole, 100, 300);		/* inside page 0 */
	test_slice_at(kp, h, &whole, 4000, 4200);	/* across pages 0-1 */
	test_slice_at(kp, h, &whole, 8192, 12288);	/* exactly page 2 */
	test_slice_at(kp, h, &whole, 5, 16384);		/* to the end */
	kpool_buf_unmap(&whole);
	kpool_buf_free(kp, h);
}

static void test_readonly(struct kpool *kp)
{
	struct kpool_map m = { 0 };
	__u32 h;

	if (kpool_buf_alloc(kp, 4096, &h, NULL))
		return;
	kpool_buf_write(kp, h, 0, "ro", 2);
	if (kt_expect(LIB(kpool_buf_map(kp, h, PROT_READ, &m)), 0,
		      "kpool_buf_map with PROT_READ")) {
		kt_ok(!memcmp(m.addr, "ro", 2), "a read-only mapping reads the bytes");
		kpool_buf_unmap(&m);
	}
	kpool_buf_free(kp, h);
}

static void test_big(struct kpool *kp)
{
	static const __u64 sizes[] = { 1048576, 2 * 1048576 + 1 };
	struct kpool_map m = { 0 };
	unsigned int i;
	__u32 h;

	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++) {
		__u64 n = sizes[i];

		if (kpool_buf_alloc(kp, n, &h, NULL))
			continue;
		if (kt_expect(LIB(kpool_buf_map(kp, h, PROT_READ | PROT_WRITE, &m)),
			      0, "kpool_buf_map of %llu bytes", (unsigned long long)n)) {
			char c = 0;

			((char *)m.addr)[n - 1] = 'Z';
			kt_ok(!kpool_buf_read(kp, h, n - 1, &c, 1) && c == 'Z',
			      "%llu bytes: the last byte written through the mapping is read back",
			      (unsigned long long)n);
			kpool_buf_unmap(&m);
		}
		kpool_buf_free(kp, h);
	}
}

static void test_outlives(void)
{
	struct kpool_stats before, mid;
	struct kpool kp2;
	struct kpool_map m = { 0 };
	__u32 h;

	kt_stats_now(&before);
	if (kpool_open(&kp2, 0) || kpool_buf_alloc(&kp2, 4096, &h, NULL)) {
		kt_ok(0, "setup: a second file and a buffer");
		return;
	}
	kpool_buf_write(&kp2, h, 0, "still here", 10);
	if (!kt_expect(kpool_buf_map(&kp2, h, PROT_READ | PROT_WRITE, &m), 0,
		       "map a buffer of a second file")) {
		kpool_close(&kp2);
		return;
	}
	kt_expect(kpool_buf_free(&kp2, h), 0, "free its handle while mapped");
	kt_expect(kpool_close(&kp2), 0, "close its file while mapped");
	kt_stats_now(&mid);
	kt_ok(mid.mappings == before.mappings + 1 &&
	      mid.bytes_in_use == before.bytes_in_use + 4096,
	      "the buffer is still in use, held by the mapping");
	kt_ok(!memcmp(m.addr, "still here", 10),
	      "the mapping still shows the bytes after free and close");
	kt_expect(kpool_buf_unmap(&m), 0, "kpool_buf_unmap after free and close");
	kt_unchanged(&before, "unmapping returned the buffer");
}

static void test_refused(struct kpool *kp)
{
	struct kpool_map m = { 0 };
	__u32 small, h, empty;

	if (kpool_buf_alloc(kp, 100, &small, NULL))
		return;
	kt_expect(LIB(kpool_buf_map(kp, small, PROT_READ | PROT_WRITE, &m)),
		  EINVAL, "kpool_buf_map of a 256 B-tier buffer: -EINVAL");
	kt_ok(!m.addr, "a failed kpool_buf_map leaves the struct empty");
	kpool_buf_free(kp, small);
	kt_expect(LIB(kpool_buf_map(kp, small, PROT_READ, &m)), ENOENT,
		  "kpool_buf_map of a freed handle: -ENOENT");
	if (kpool_buf_alloc(kp, 4096, &h, NULL))
		return;
	kt_expect(LIB(kpool_buf_map(kp, h, 0, &m)), EINVAL,
		  "kpool_buf_map with prot 0: -EINVAL");
	kt_expect(LIB(kpool_buf_map(kp, h, PROT_READ | PROT_EXEC, &m)), EINVAL,
		  "kpool_buf_map with PROT_EXEC: -EINVAL");
	kt_expect(LIB(kpool_buf_map(kp, h, PROT_READ, NULL)), EINVAL,
		  "kpool_buf_map with map NULL: -EINVAL");
	if (!kpool_buf_slice(kp, h, 10, 10, &empty)) {
		kt_expect(LIB(kpool_buf_map(kp, empty, PROT_READ, &m)), EINVAL,
			  "kpool_buf_map of an empty view: -EINVAL");
		kpool_buf_free(kp, empty);
	}
	kpool_buf_free(kp, h);
}

int main(void)
{
	struct kpool kp;

	kt_begin();
	page = sysconf(_SC_PAGESIZE);
	if (!kt_expect(kpool_open(&kp, 0), 0, "kpool_open"))
		return kt_end();
	test_whole(&kp);
	test_slices(&kp);
	test_readonly(&kp);
	test_big(&kp);
	test_outlives();
	test_refused(&kp);
	kpool_close(&kp);
	kt_ok(!errno_touched,
	      "no library call changed errno, on success or failure (%d did)",
	      errno_touched);
	return kt_end();
}
