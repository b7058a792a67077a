// SPDX-License-Identifier: GPL-2.0
/*
 * quota: the limits of one open file, with kpool loaded as
 *	insmod kpool.ko max_file_handles=8 max_file_bytes=131072 max_buffer_size=32768
 * (scripts/guest/usertests.sh does that; with other values this skips):
 * EMFILE, EDQUOT and E2BIG from every ioctl that makes a handle or a
 * buffer, argument errors reported before limits, all-or-nothing batches,
 * recovery after freeing, and a buffer staying charged to the file that
 * allocated it wherever its last reference went.
 */
#include "kt.h"

#define HANDLES		8
#define BYTES		131072
#define MAXBUF		32768

static uint32_t info_refs(int f, uint32_t h)
{
	struct kpool_info i;

	return kt_info(f, h, &i) ? 0 : i.refs;
}

static void test_e2big(void)
{
	struct kpool_stats s0;
	uint32_t h, a, b, hs[2], m;
	uint64_t len;
	int f = kt_open();

	kt_stats_now(&s0);
	kt_expect(kt_alloc(f, MAXBUF + 1, &h), E2BIG, "ALLOC of max_buffer_size + 1: E2BIG");
	kt_expect(kt_alloc(f, 1 << 20, &h), E2BIG, "ALLOC of 1 MiB (a tier above max_buffer_size): E2BIG");
	kt_expect(kt_alloc_batch(f, MAXBUF + 1, hs, 2), E2BIG,
		  "ALLOC_BATCH of max_buffer_size + 1: E2BIG");
	kt_unchanged(&s0, "E2BIG: nothing changed");
	kt_expect(kt_alloc(f, MAXBUF, &h), 0, "ALLOC of exactly max_buffer_size succeeds");
	kt_free(f, h);
	kt_alloc(f, 20000, &a);
	kt_alloc(f, 20000, &b);
	hs[0] = a;
	hs[1] = b;
	kt_stats_now(&s0);
	kt_expect(kt_materialize(f, hs, 2, &m, &len), E2BIG,
		  "MATERIALIZE of 2 x 20000 bytes (above max_buffer_size): E2BIG");
	kt_unchanged(&s0, "MATERIALIZE failing with E2BIG: nothing changed");
	kt_expect(kt_materialize(f, hs, 1, &m, &len), 0,
		  "MATERIALIZE of one 20000-byte view (no copy) succeeds");
	close(f);
}

static void test_emfile(void)
{
	struct kpool_stats s0;
	uint32_t h[HANDLES], nh, hs[4] = { 0, 0, 0, 0 };
	uint64_t len;
	int f = kt_open(), other = kt_open(), efd = -1, nul, i, ok = 1;

	for (i = 0; i < HANDLES; i++)
		ok &= kt_alloc(f, 100, &h[i]) == 0;
	kt_ok(ok, "%d ALLOCs fill the handle table", HANDLES);
	kt_alloc(other, 100, &nh);
	kt_export(other, nh, O_CLOEXEC, &efd);
	kt_free(other, nh);
	kt_stats_now(&s0);
	kt_expect(kt_alloc(f, 100, &nh), EMFILE, "ALLOC with a full table: EMFILE");
	kt_expect(kt_alloc_batch(f, 100, hs, 1), EMFILE, "ALLOC_BATCH of 1 with a full table: EMFILE");
	kt_expect(kt_dup(f, h[0], &nh), EMFILE, "DUP with a full table: EMFILE");
	kt_expect(kt_split(f, h[0], 50, &nh), EMFILE, "SPLIT with a full table: EMFILE");
	kt_expect(kt_slice(f, h[0], 10, 20, &nh), EMFILE, "SLICE with a full table: EMFILE");
	kt_expect(kt_materialize(f, h, 1, &nh, &len), EMFILE,
		  "MATERIALIZE of one view with a full table: EMFILE");
	kt_expect(kt_materialize(f, h, 2, &nh, &len), EMFILE,
		  "MATERIALIZE of two views with a full table: EMFILE");
	kt_expect(kt_import(f, efd, &nh), EMFILE, "IMPORT with a full table: EMFILE");
	kt_ok(hs[0] == 0, "ALLOC_BATCH failing with EMFILE leaves the handles array alone");
	kt_unchanged(&s0, "EMFILE: nothing changed (no handle, no reference, no bytes)");
	{
		struct kpool_info info;

		kt_info(f, h[0], &info);
		kt_ok(info.length == 100 && info.refs == 1,
		      "SPLIT failing with EMFILE left the view whole");
	}

	/* argument errors come before the limit */
	kt_expect(kt_alloc(f, 0, &nh), EINVAL, "full table: ALLOC of 0 bytes answers EINVAL, not EMFILE");
	kt_expect(kt_alloc(f, MAXBUF + 1, &nh), E2BIG,
		  "full table: ALLOC above max_buffer_size answers E2BIG, not EMFILE");
	kt_expect(kt_dup(f, 0x7fffffff, &nh), ENOENT, "full table: DUP of a bad handle answers ENOENT");
	kt_expect(kt_split(f, h[0], 101, &nh), EINVAL, "full table: SPLIT past the end answers EINVAL");
	kt_expect(kt_slice(f, h[0], 5, 1, &nh), EINVAL, "full table: SLICE [5,1) answers EINVAL");
	kt_expect(kt_materialize(f, h, 0, &nh, &len), EINVAL,
		  "full table: MATERIALIZE of count 0 answers EINVAL");
	hs[0] = 0x7fffffff;
	kt_expect(kt_materialize(f, hs, 1, &nh, &len), ENOENT,
		  "full table: MATERIALIZE of a bad handle answers ENOENT");
	hs[0] = 0;
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	kt_expect(kt_import(f, nul, &nh), EINVAL, "full table: IMPORT of /dev/null answers EINVAL");
	close(nul);
	kt_expect(kt_import(f, nul, &nh), EBADF, "full table: IMPORT of a closed fd answers EBADF");
	kt_unchanged(&s0, "argument errors on a full table: nothing changed");
	{
		int e = -1;

		kt_expect(kt_export(f, h[0], O_CLOEXEC, &e), 0,
			  "EXPORT with a full table succeeds (an fd, not a handle)");
		close(e);
	}
	kt_ok(kt_alloc(other, 100, &nh) == 0, "another file is not limited by this one's table");

	/* recovery */
	kt_free(f, h[7]);
	kt_expect(kt_alloc(f, 100, &h[7]), 0, "after one FREE, ALLOC works again");
	kt_expect(kt_alloc(f, 100, &nh), EMFILE, "... and the table is full again");

	/* ALLOC_BATCH is all or nothing */
	kt_free_batch(f, h + 5, 3, NULL);
	kt_stats_now(&s0);
	kt_expect(kt_alloc_batch(f, 100, hs, 4), EMFILE,
		  "5 handles held: ALLOC_BATCH of 4 answers EMFILE");
	kt_unchanged(&s0, "ALLOC_BATCH failing with EMFILE leaves no handle and no bytes behind");
	kt_ok(hs[0] == 0 && hs[3] == 0, "... and does not fill the handles array");
	kt_expect(kt_alloc_batch(f, 100, hs, 3), 0, "ALLOC_BATCH of 3 fills the table exactly");
	kt_expect(kt_alloc(f, 100, &nh), EMFILE, "... after which ALLOC answers EMFILE");

	/* handles, not buffers, are counted */
	close(f);
	f = kt_open();
	kt_alloc(f, 100, &h[0]);
	for (i = 1; i < HANDLES; i++)
		kt_dup(f, h[0], &h[i]);
	kt_expect(kt_dup(f, h[0], &nh), EMFILE,
		  "one buffer, %d handles (DUPs): the next DUP answers EMFILE", HANDLES);
	close(f);
	close(other);
	close(efd);
}

static void test_edquot(void)
{
	struct kpool_stats s0;
	uint32_t h[4], nh, hs[2] = { 0, 0 };
	uint64_t len;
	int f = kt_open(), i, ok = 1;

	for (i = 0; i < 4; i++)
		ok &= kt_alloc(f, MAXBUF, &h[i]) == 0;
	kt_ok(ok, "4 x 32 KiB reach max_file_bytes (128 KiB)");
	kt_stats_now(&s0);
	kt_expect(kt_alloc(f, 1, &nh), EDQUOT, "ALLOC of 1 byte over the quota: EDQUOT");
	kt_expect(kt_alloc_batch(f, 1, hs, 2), EDQUOT, "ALLOC_BATCH over the quota: EDQUOT");
	kt_ok(hs[0] == 0, "ALLOC_BATCH failing with EDQUOT leaves the handles array alone");
	kt_expect(kt_materialize(f, h, 2, &nh, &len), E2BIG,
		  "MATERIALIZE of 2 x 32 KiB: E2BIG (size) comes before EDQUOT");
	kt_unchanged(&s0, "EDQUOT: nothing changed");
	kt_expect(kt_alloc(f, 0, &nh), EINVAL, "over the quota: ALLOC of 0 answers EINVAL, not EDQUOT");
	kt_expect(kt_alloc(f, MAXBUF + 1, &nh), E2BIG,
		  "over the quota: ALLOC above max_buffer_size answers E2BIG, not EDQUOT");
	kt_expect(kt_dup(f, h[0], &nh), 0, "over the quota: DUP succeeds (no bytes)");
	kt_free(f, nh);
	kt_expect(kt_materialize(f, h, 1, &nh, &len), 0,
		  "over the quota: MATERIALIZE of one view succeeds (no copy)");
	kt_free(f, nh);
	kt_expect(kt_split(f, h[0], 100, &nh), 0, "over the quota: SPLIT succeeds");
	hs[0] = h[0];
	hs[1] = nh;
	kt_expect(kt_materialize(f, hs, 2, &nh, &len), EDQUOT,
		  "over the quota: MATERIALIZE of two views (a new buffer) answers EDQUOT");
	kt_free(f, hs[1]);
	kt_unchanged(&s0, "after the quota errors: nothing changed");

	kt_free(f, h[3]);
	kt_expect(kt_alloc(f, MAXBUF, &h[3]), 0, "after a FREE, ALLOC of 32 KiB works again");
	kt_free_batch(f, h + 2, 2, NULL);
	kt_stats_now(&s0);
	hs[0] = hs[1] = 0;
	kt_expect(kt_alloc_batch(f, MAXBUF, hs, 3), EDQUOT,
		  "64 KiB free: ALLOC_BATCH of 3 x 32 KiB answers EDQUOT");
	kt_unchanged(&s0, "ALLOC_BATCH failing with EDQUOT half-way leaves nothing behind");
	kt_expect(kt_alloc_batch(f, MAXBUF, hs, 2), 0, "ALLOC_BATCH of 2 x 32 KiB fits");
	kt_expect(kt_alloc(f, 256, &nh), EDQUOT, "... after which the quota is full");
	{
		int f2 = kt_open();

		kt_expect(kt_alloc(f2, MAXBUF, &nh), 0, "another file has a quota of its own");
		close(f2);
	}
	close(f);
}

static void test_charged(void)
{
	uint32_t h, nh, im, hs[4];
	int a = kt_open(), b, efd = -1, i, ok;
	unsigned char *m;

	/* exported, then freed: still charged to its file */
	kt_alloc(a, MAXBUF, &h);
	kt_export(a, h, O_CLOEXEC, &efd);
	kt_free(a, h);
	kt_expect(kt_alloc_batch(a, MAXBUF, hs, 3), 0,
		  "a buffer exported and its handle freed: 3 more x 32 KiB fit");
	kt_expect(kt_alloc(a, 1, &nh), EDQUOT,
		  "... but not one byte more: the exported buffer is still charged to its file");

	/* an importer is not charged */
	b = kt_open();
	kt_expect(kt_import(b, efd, &im), 0, "another file IMPORTs the buffer");
	ok = 1;
	for (i = 0; i < 4; i++)
		ok &= kt_alloc(b, MAXBUF, &hs[i]) == 0;
	kt_ok(ok, "the importing file still has its whole quota (4 x 32 KiB)");
	close(efd);
	kt_expect(kt_alloc(a, 1, &nh), EDQUOT,
		  "the exported fd closed, the import alive: still charged to the allocating file");
	kt_free(b, im);
	kt_expect(kt_alloc(a, 256, &nh), 0,
		  "once the last reference is gone the allocating file may allocate again");
	close(b);
	close(a);

	/* the allocating file closed: the buffer lives on, charged to nobody else */
	a = kt_open();
	kt_alloc(a, MAXBUF, &h);
	kt_write(a, h, 0, "survivor", 8);
	kt_export(a, h, O_CLOEXEC, &efd);
	close(a);
	b = kt_open();
	kt_expect(kt_import(b, efd, &im), 0,
		  "IMPORT of a buffer whose allocating file is closed");
	close(efd);
	ok = 1;
	for (i = 0; i < 4; i++)
		ok &= kt_alloc(b, MAXBUF, &hs[i]) == 0;
	kt_ok(ok, "... the importing file is not charged for it (4 x 32 KiB still fit)");
	{
		char buf[8];

		kt_read(b, im, 0, buf, 8);
		kt_ok(!memcmp(buf, "survivor", 8), "... and the buffer is intact");
	}
	close(b);

	/* a mapping keeps the charge too */
	a = kt_open();
	{
		struct kpool_alloc al;

		kt_alloc_full(a, MAXBUF, &al);
		m = kt_mmap(a, MAXBUF, al.mmap_offset, NULL);
		kt_free(a, al.handle);
	}
	kt_expect(kt_alloc_batch(a, MAXBUF, hs, 4), EDQUOT,
		  "a mapped buffer whose handle is freed is still charged");
	if (m)
		munmap(m, MAXBUF);
	kt_expect(kt_alloc_batch(a, MAXBUF, hs, 4), 0,
		  "after munmap the whole quota is free again");
	kt_ok(info_refs(a, hs[0]) == 1, "(refs 1 on a new buffer)");
	close(a);
}

int main(void)
{
	unsigned long long handles = 0, bytes = 0, maxbuf = 0;

	if (kt_param("max_file_handles", &handles) || kt_param("max_file_bytes", &bytes) ||
	    kt_param("max_buffer_size", &maxbuf) || handles != HANDLES || bytes != BYTES ||
	    maxbuf != MAXBUF)
		kt_skip_all("needs kpool loaded with max_file_handles=%d max_file_bytes=%d max_buffer_size=%d (has %llu, %llu, %llu)",
			    HANDLES, BYTES, MAXBUF, handles, bytes, maxbuf);
	kt_begin();
	test_e2big();
	test_emfile();
	test_edquot();
	test_charged();
	return kt_end();
}
