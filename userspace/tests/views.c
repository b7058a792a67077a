// SPDX-License-Identifier: GPL-2.0
/*
 * views: the semantics of DUP, SPLIT, SLICE, MATERIALIZE and FREE_BATCH
 * at their edges: splits at 0 and at the length, empty views, slices of
 * slices, materialize of one view (no copy) and of several (a copy, in
 * order), FREE_BATCH stopping at the first handle that is not valid.
 */
#include "kt.h"

static int fd;

static int view_is(uint32_t h, uint64_t off, uint64_t len)
{
	struct kpool_info i;

	if (kt_info(fd, h, &i))
		return 0;
	if (i.offset != off || i.length != len)
		kt_diag("handle %u: view at %llu, %llu bytes; want %llu, %llu", h,
			(unsigned long long)i.offset, (unsigned long long)i.length,
			(unsigned long long)off, (unsigned long long)len);
	return i.offset == off && i.length == len;
}

static uint32_t refs(uint32_t h)
{
	struct kpool_info i;

	return kt_info(fd, h, &i) ? 0 : i.refs;
}

static void test_split_edges(void)
{
	uint32_t h, r0, rl, r;
	char buf[8];

	kt_alloc(fd, 100, &h);
	kt_write(fd, h, 0, "ABCDEFGH", 8);
	kt_expect(kt_split(fd, h, 0, &r0), 0, "SPLIT at 0");
	kt_ok(view_is(h, 0, 0) && view_is(r0, 0, 100),
	      "SPLIT at 0: the handle keeps an empty view, the new one gets all 100 bytes");
	kt_ok(refs(h) == 2, "SPLIT at 0: both hold a reference (refs 2)");
	kt_expect(kt_read(fd, h, 0, buf, 0), 0, "READ of 0 bytes of an empty view");
	kt_expect(kt_read(fd, h, 0, buf, 1), EINVAL, "READ of 1 byte of an empty view: EINVAL");
	kt_expect(kt_split(fd, h, 0, &r), 0, "SPLIT of an empty view at 0");
	kt_ok(view_is(r, 0, 0), "... gives another empty view");
	kt_free(fd, r);
	kt_expect(kt_split(fd, h, 1, &r), EINVAL, "SPLIT of an empty view at 1: EINVAL");
	kt_expect(kt_dup(fd, h, &r), 0, "DUP of an empty view");
	kt_free(fd, r);
	kt_expect(kt_slice(fd, h, 0, 0, &r), 0, "SLICE [0,0) of an empty view");
	kt_free(fd, r);

	kt_expect(kt_split(fd, r0, 100, &rl), 0, "SPLIT at the length");
	kt_ok(view_is(r0, 0, 100) && view_is(rl, 100, 0),
	      "SPLIT at the length: the handle keeps all, the new one is empty at 100");
	kt_expect(kt_split(fd, r0, 3, &r), 0, "SPLIT at 3");
	kt_ok(view_is(r0, 0, 3) && view_is(r, 3, 97), "SPLIT at 3: [0,3) and [3,100)");
	kt_read(fd, r, 0, buf, 5);
	kt_ok(!memcmp(buf, "DEFGH", 5), "the right half's first byte is the buffer's byte 3");
	{
		uint32_t r2;

		kt_expect(kt_split(fd, r, 2, &r2), 0, "SPLIT of a right half at 2");
		kt_ok(view_is(r, 3, 2) && view_is(r2, 5, 95),
		      "offsets add up: [3,5) and [5,100)");
		kt_free(fd, r2);
	}
	kt_ok(refs(h) == 4, "refs count every handle on the buffer (4, got %u)", refs(h));
	kt_free(fd, r);
	kt_free(fd, rl);
	kt_free(fd, r0);
	kt_free(fd, h);
}

static void test_slices(void)
{
	uint32_t h, s1, s2, s3;
	char buf[16];

	kt_alloc(fd, 1000, &h);
	kt_write(fd, h, 500, "0123456789", 10);
	kt_expect(kt_slice(fd, h, 400, 600, &s1), 0, "SLICE [400,600)");
	kt_expect(kt_slice(fd, s1, 100, 110, &s2), 0, "SLICE [100,110) of that slice");
	kt_ok(view_is(s2, 500, 10), "a slice of a slice is relative to it: [500,510) of the buffer");
	kt_read(fd, s2, 0, buf, 10);
	kt_ok(!memcmp(buf, "0123456789", 10), "... and reads those bytes");
	kt_expect(kt_slice(fd, s1, 200, 200, &s3), 0, "SLICE [len,len) (empty, at the end)");
	kt_ok(view_is(s3, 600, 0), "... is empty at 600");
	kt_free(fd, s3);
	kt_expect(kt_slice(fd, h, 0, 1000, &s3), 0, "SLICE of the whole view");
	kt_ok(view_is(s3, 0, 1000), "... is the whole view");
	kt_write(fd, s3, 505, "X", 1);
	kt_read(fd, s2, 5, buf, 1);
	kt_ok(buf[0] == 'X', "slices share bytes: a write through one is read through another");
	kt_free(fd, h);
	kt_ok(view_is(s2, 500, 10), "freeing the original handle leaves the slices working");
	kt_free(fd, s1);
	kt_free(fd, s2);
	kt_free(fd, s3);
}

static void test_materialize(void)
{
	struct kpool_stats b0, b1;
	struct kpool_info info;
	uint32_t h[4], m, hs[4];
	uint64_t len;
	char buf[64];

	kt_alloc(fd, 5000, &h[0]);
	kt_write(fd, h[0], 0, "one view", 8);
	kt_stats_now(&b0);
	kt_expect(kt_materialize(fd, h, 1, &m, &len), 0, "MATERIALIZE of one view");
	kt_stats_now(&b1);
	kt_ok(b1.bytes_in_use == b0.bytes_in_use && b1.tier[2].allocs == b0.tier[2].allocs,
	      "one view: no buffer allocated");
	kt_info(fd, m, &info);
	kt_ok(len == 5000 && info.length == 5000 && info.offset == 0 && info.refs == 2,
	      "one view: the result is the same view of the same buffer (refs 2)");
	kt_write(fd, m, 0, "written via result", 18);
	kt_read(fd, h[0], 0, buf, 18);
	kt_ok(!memcmp(buf, "written via result", 18),
	      "one view, no copy: a write through the result is seen through the source");
	kt_free(fd, m);

	/* of a slice: the same window */
	kt_slice(fd, h[0], 7, 15, &h[1]);
	kt_expect(kt_materialize(fd, &h[1], 1, &m, &len), 0, "MATERIALIZE of one slice");
	kt_ok(len == 8 && view_is(m, 7, 8), "one slice: the result is the same window [7,15)");
	kt_free(fd, m);
	kt_free(fd, h[1]);

	/* several: a new buffer, in order */
	kt_alloc(fd, 3, &h[1]);
	kt_write(fd, h[1], 0, "abc", 3);
	kt_alloc(fd, 2, &h[2]);
	kt_write(fd, h[2], 0, "de", 2);
	hs[0] = h[2];
	hs[1] = h[1];
	hs[2] = h[2];
	kt_expect(kt_materialize(fd, hs, 3, &m, &len), 0, "MATERIALIZE of [de, abc, de]");
	kt_read(fd, m, 0, buf, 7);
	kt_ok(len == 7 && !memcmp(buf, "deabcde", 7),
	      "several views: their bytes in the order given, a handle twice gives its bytes twice");
	kt_info(fd, m, &info);
	kt_ok(info.refs == 1 && info.tier == 0 && info.capacity == 256,
	      "several views: a new buffer of its own (refs 1, tier 0)");
	kt_write(fd, m, 0, "XX", 2);
	kt_read(fd, h[2], 0, buf, 2);
	kt_ok(!memcmp(buf, "de", 2), "several views: a copy (writing the result leaves the sources alone)");
	kt_free(fd, m);

	/* several, across tiers, with an empty view among them */
	kt_split(fd, h[1], 0, &h[3]);	/* h[1] is now empty, h[3] = "abc" */
	hs[0] = h[3];
	hs[1] = h[1];
	hs[2] = h[0];
	kt_expect(kt_materialize(fd, hs, 3, &m, &len), 0,
		  "MATERIALIZE of [3 bytes, empty, 5000 bytes]");
	kt_read(fd, m, 0, buf, 13);
	kt_ok(len == 5003 && !memcmp(buf, "abcwritten", 10),
	      "an empty view adds nothing; length 5003");
	kt_info(fd, m, &info);
	kt_ok(info.tier == 2 && info.capacity == 16384, "5003 bytes: tier 2");
	kt_free(fd, m);

	/*
	 * Only empty views: no bytes, so no new buffer (ALLOC of 0 is EINVAL
	 * too), and no window that would pin the first view's buffer; the
	 * kernel API gives its empty view for the same slice.
	 */
	hs[0] = h[1];
	hs[1] = h[1];
	kt_expect(kt_materialize(fd, hs, 2, &m, &len), EINVAL,
		  "MATERIALIZE of two empty views: EINVAL, no buffer of 0 bytes");

	/* a sum above max_buffer_size: E2BIG, nothing allocated */
	{
		static uint32_t many[KPOOL_BATCH_MAX];
		unsigned long long max = 0;
		uint32_t big, i, n;

		if (kt_param("max_buffer_size", &max) || max > (64ULL << 20)) {
			kt_skip("max_buffer_size unknown or above 64 MiB",
				"MATERIALIZE of more than max_buffer_size: E2BIG");
		} else if (!kt_alloc(fd, 1 << 20, &big)) {
			n = max / (1 << 20) + 1;
			for (i = 0; i < n && i < KPOOL_BATCH_MAX; i++)
				many[i] = big;
			kt_stats_now(&b0);
			kt_expect(kt_materialize(fd, many, n, &m, &len), E2BIG,
				  "MATERIALIZE of %u x 1 MiB (above max_buffer_size): E2BIG", n);
			kt_unchanged(&b0, "... and nothing allocated");
			kt_free(fd, big);
		}
	}
	kt_free(fd, h[0]);
	kt_free(fd, h[1]);
	kt_free(fd, h[2]);
	kt_free(fd, h[3]);
}

static void test_free_batch(void)
{
	struct kpool_info info;
	uint32_t hs[6], list[6], done;
	unsigned int i;

	kt_alloc_batch(fd, 100, hs, 6);
	/* [a, b, invalid, c] */
	list[0] = hs[0];
	list[1] = hs[1];
	list[2] = 0x7ffffff0;
	list[3] = hs[2];
	kt_expect(kt_free_batch(fd, list, 4, &done), ENOENT,
		  "FREE_BATCH of [a, b, never made, c]: ENOENT");
	kt_ok(done == 2, "... done is 2 (got %u)", done);
	kt_ok(kt_info(fd, hs[0], &info) == -ENOENT && kt_info(fd, hs[1], &info) == -ENOENT,
	      "... a and b are freed");
	kt_ok(kt_info(fd, hs[2], &info) == 0, "... c, after the invalid one, is not");

	/* a handle twice */
	list[0] = hs[2];
	list[1] = hs[2];
	list[2] = hs[3];
	kt_expect(kt_free_batch(fd, list, 3, &done), ENOENT,
		  "FREE_BATCH of [c, c, d]: ENOENT at the second c");
	kt_ok(done == 1 && kt_info(fd, hs[3], &info) == 0,
	      "... done 1, d still there (got done %u)", done);

	/* the first one invalid */
	list[0] = hs[0];
	list[1] = hs[3];
	kt_expect(kt_free_batch(fd, list, 2, &done), ENOENT,
		  "FREE_BATCH of [freed, d]: ENOENT");
	kt_ok(done == 0 && kt_info(fd, hs[3], &info) == 0, "... done 0, d still there");

	/* all valid */
	kt_expect(kt_free_batch(fd, hs + 3, 3, &done), 0, "FREE_BATCH of [d, e, f]");
	kt_ok(done == 3, "... done 3 (got %u)", done);
	for (i = 0; i < 6 && kt_info(fd, hs[i], &info) == -ENOENT; i++)
		;
	kt_ok(i == 6, "every handle is gone");
}

static void test_dup_chain(void)
{
	uint32_t h, d[8];
	unsigned int i;
	char c;

	kt_alloc(fd, 4096, &h);
	d[0] = h;
	for (i = 1; i < 8; i++)
		kt_dup(fd, d[i - 1], &d[i]);
	kt_ok(refs(h) == 8, "a chain of 7 DUPs: refs 8 (got %u)", refs(h));
	kt_write(fd, d[7], 4095, "!", 1);
	kt_free(fd, h);
	kt_read(fd, d[3], 4095, &c, 1);
	kt_ok(c == '!' && refs(d[1]) == 7,
	      "freeing the first handle leaves the duplicates and the bytes (refs 7)");
	kt_free_batch(fd, d + 1, 7, NULL);
}

int main(void)
{
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_split_edges();
	test_slices();
	test_materialize();
	test_free_batch();
	test_dup_chain();
	close(fd);
	return kt_end();
}
