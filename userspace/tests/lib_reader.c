// SPDX-License-Identifier: GPL-2.0
/*
 * libkpool: the reader over a list of views (kpool_reader_open, _read,
 * _read_byte, _peek, _discard, _remaining, _close): bytes come out in
 * order across views, the caller's handles stay valid, the reader drops
 * its own handle on each view as soon as it has read through it.
 */
#include "kt.h"
#include "libkpool.h"
#include "kt_lib.h"

static __u64 live_handles(void)
{
	struct kpool_stats st;

	return kt_stats_now(&st) ? 0 : st.handles;
}

/*
 * Views "Hello", "" (empty), ", " and "world!" (the last a slice of a
 * bigger buffer): 13 bytes in all.  h[4] is that bigger buffer.
 */
static int make_views(struct kpool *kp, __u32 h[5])
{
	if (kpool_buf_alloc(kp, 5, &h[0], NULL) ||
	    kpool_buf_alloc(kp, 4096, &h[4], NULL))
		return -1;
	kpool_buf_write(kp, h[0], 0, "Hello", 5);
	kpool_buf_write(kp, h[4], 100, ", world!", 8);
	if (kpool_buf_slice(kp, h[0], 5, 5, &h[1]) ||
	    kpool_buf_slice(kp, h[4], 100, 102, &h[2]) ||
	    kpool_buf_slice(kp, h[4], 102, 108, &h[3]))
		return -1;
	return 0;
}

static void test_read(struct kpool *kp)
{
	struct kpool_stats before;
	struct kpool_reader r;
	unsigned char byte;
	__u64 handles0;
	char buf[32];
	__u32 h[5];
	ssize_t n;

	kt_stats_now(&before);
	if (make_views(kp, h)) {
		kt_ok(0, "setup: four views");
		return;
	}
	handles0 = live_handles();
	if (!kt_expect(LIB(kpool_reader_open(kp, &r, h, 4)), 0,
		       "kpool_reader_open over 4 views (one empty)"))
		return;
	kt_ok(live_handles() == handles0 + 4,
	      "the reader holds 4 handles of its own");
	kt_ok(LIB(kpool_reader_remaining(&r)) == 13, "remaining is 13");

	memset(buf, 0, sizeof(buf));
	n = LIB(kpool_reader_peek(&r, buf, 7));
	kt_ok(n == 7 && !memcmp(buf, "Hello, ", 7) &&
	      kpool_reader_remaining(&r) == 13,
	      "kpool_reader_peek(7): 'Hello, ' across views, nothing consumed");
	kt_ok(live_handles() == handles0 + 4, "peek drops nothing");

	n = LIB(kpool_reader_read(&r, buf, 3));
	kt_ok(n == 3 && !memcmp(buf, "Hel", 3) && kpool_reader_remaining(&r) == 10,
	      "kpool_reader_read(3): 'Hel', 10 left");
	n = LIB(kpool_reader_read(&r, buf, 2));
	kt_ok(n == 2 && !memcmp(buf, "lo", 2),
	      "kpool_reader_read(2): 'lo', the end of the first view");
	kt_ok(live_handles() == handles0 + 2,
	      "the first view and the empty one after it are dropped");

	kt_expect(LIB(kpool_reader_read_byte(&r, &byte)), 0, "kpool_reader_read_byte");
	kt_ok(byte == ',', "kpool_reader_read_byte: ','");
	kt_ok(LIB(kpool_reader_discard(&r, 2)) == 2 &&
	      kpool_reader_remaining(&r) == 5,
	      "kpool_reader_discard(2) skips ' ' and 'w' across views, 5 left");
	kt_ok(live_handles() == handles0 + 1, "the third view is dropped");

	n = LIB(kpool_reader_read(&r, NULL, 3));
	kt_ok(n == -EFAULT && kpool_reader_remaining(&r) == 5,
	      "kpool_reader_read to NULL: -EFAULT, nothing consumed (got %zd)", n);

	memset(buf, 0, sizeof(buf));
	n = LIB(kpool_reader_read(&r, buf, sizeof(buf)));
	kt_ok(n == 5 && !memcmp(buf, "orld!", 5) && !kpool_reader_remaining(&r),
	      "kpool_reader_read(32) gives the last 5 bytes 'orld!'");
	kt_ok(live_handles() == handles0, "at the end the reader holds nothing");
	kt_ok(LIB(kpool_reader_read(&r, buf, 1)) == 0, "kpool_reader_read at the end: 0");
	kt_ok(LIB(kpool_reader_peek(&r, buf, 1)) == 0, "kpool_reader_peek at the end: 0");
	kt_ok(LIB(kpool_reader_discard(&r, 5)) == 0, "kpool_reader_discard at the end: 0");
	kt_expect(LIB(kpool_reader_read_byte(&r, &byte)), ENODATA,
		  "kpool_reader_read_byte at the end: -ENODATA");
	kt_expect(LIB(kpool_reader_close(&r)), 0, "kpool_reader_close");

	/* The caller's handles are untouched. */
	memset(buf, 0, sizeof(buf));
	kt_ok(!kpool_buf_read(kp, h[3], 0, buf, 6) && !memcmp(buf, "world!", 6),
	      "the caller's handles stay valid");
	kt_expect(kpool_buf_free_batch(kp, h, 5, NULL), 0,
		  "the caller frees its handles");
	kt_unchanged(&before, "nothing left behind by the reader");
}

static void test_close_early(struct kpool *kp)
{
	struct kpool_stats before;
	struct kpool_reader r;
	char buf[4];
	__u32 h[5];

	kt_stats_now(&before);
	if (make_views(kp, h) || kpool_reader_open(kp, &r, h, 4)) {
		kt_ok(0, "setup: a reader over four views");
		return;
	}
	kpool_reader_read(&r, buf, 4);
	kpool_buf_free_batch(kp, h, 5, NULL);
	kt_expect(LIB(kpool_reader_close(&r)), 0,
		  "kpool_reader_close with bytes unread, the caller's handles freed");
	kt_ok(!kpool_reader_remaining(&r) && !r.views,
	      "kpool_reader_close empties the reader");
	kt_expect(LIB(kpool_reader_close(&r)), 0, "kpool_reader_close twice: 0");
	kt_unchanged(&before, "the reader's handles are dropped at close");
}

static void test_empty_and_errors(struct kpool *kp)
{
	struct kpool_stats before;
	struct kpool_reader r;
	unsigned char byte;
	__u32 h[2];

	kt_expect(LIB(kpool_reader_open(kp, &r, NULL, 0)), 0,
		  "kpool_reader_open over no views");
	kt_ok(!kpool_reader_remaining(&r), "an empty reader has 0 bytes");
	kt_expect(LIB(kpool_reader_read_byte(&r, &byte)), ENODATA,
		  "read_byte of an empty reader: -ENODATA");
	kt_expect(LIB(kpool_reader_close(&r)), 0, "close an empty reader");

	kt_stats_now(&before);
	if (kpool_buf_alloc(kp, 10, &h[0], NULL))
		return;
	h[1] = 0;
	kt_expect(LIB(kpool_reader_open(kp, &r, h, 2)), ENOENT,
		  "kpool_reader_open with a bad second handle: -ENOENT");
	kpool_buf_free(kp, h[0]);
	kt_unchanged(&before, "the failed kpool_reader_open kept nothing");
	kt_expect(LIB(kpool_reader_open(kp, &r, NULL, 2)), EINVAL,
		  "kpool_reader_open with handles NULL: -EINVAL");
	kt_expect(LIB(kpool_reader_open(kp, NULL, h, 1)), EINVAL,
		  "kpool_reader_open with reader NULL: -EINVAL");
	kt_expect(LIB(kpool_reader_close(NULL)), EINVAL,
		  "kpool_reader_close(NULL): -EINVAL");
}

static void test_file_closed(void)
{
	struct kpool_stats before;
	struct kpool kp2;
	struct kpool_reader r;
	char buf[4];
	__u32 h;

	kt_stats_now(&before);
	if (kpool_open(&kp2, 0) || kpool_buf_alloc(&kp2, 10, &h, NULL) ||
	    kpool_reader_open(&kp2, &r, &h, 1)) {
		kt_ok(0, "setup: a reader on a second file");
		return;
	}
	kpool_close(&kp2);
	kt_expect((int)LIB(kpool_reader_read(&r, buf, 4)), EBADF,
		  "kpool_reader_read after its file was closed: -EBADF");
	kt_expect(LIB(kpool_reader_close(&r)), EBADF,
		  "kpool_reader_close after its file was closed: -EBADF");
	kt_unchanged(&before, "closing the file dropped the reader's handles");
}

int main(void)
{
	struct kpool kp;

	kt_begin();
	if (!kt_expect(kpool_open(&kp, 0), 0, "kpool_open"))
		return kt_end();
	test_read(&kp);
	test_close_early(&kp);
	test_empty_and_errors(&kp);
	test_file_closed();
	kpool_close(&kp);
	kt_ok(!errno_touched,
	      "no library call changed errno, on success or failure (%d did)",
	      errno_touched);
	return kt_end();
}
