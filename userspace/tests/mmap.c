// SPDX-License-Identifier: GPL-2.0
/*
 * mmap: mapping views of /dev/kpool (spec/uapi.md, "mmap").
 *
 * Shared bytes between a mapping and READ/WRITE; a mapping's own reference
 * (free the handle, close the file, fork: the memory stays until the last
 * munmap); what is refused (MAP_PRIVATE, sub-page tiers, empty views,
 * lengths past the view's pages, unknown offsets, growing by mremap); what
 * splits a mapping (partial munmap, mprotect, mremap moves) and keeps the
 * references balanced; views that do not start on a page.
 */
#include "kt.h"

static int fd;

static uint32_t info_refs(int f, uint32_t h)
{
	struct kpool_info i;

	return kt_info(f, h, &i) ? 0 : i.refs;
}

static uint64_t nr_mappings(void)
{
	struct kpool_stats s;

	return kt_stats_now(&s) ? (uint64_t)-1 : s.mappings;
}

static void test_shared_bytes(void)
{
	struct kpool_alloc a;
	struct kpool_info info;
	unsigned char *m, buf[64];
	uint64_t maps0 = nr_mappings();
	int err;

	if (!kt_ok(kt_alloc_full(fd, 16384, &a) == 0, "ALLOC of 16384 bytes"))
		return;
	kt_info(fd, a.handle, &info);
	kt_ok(info.flags & KPOOL_INFO_MAPPABLE, "a 16 KiB view is mappable (INFO flags)");
	m = kt_mmap(fd, 16384, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of the whole view (%s)", kt_errname(err)))
		return;
	kt_ok(info_refs(fd, a.handle) == 2, "INFO: refs 2 with one mapping (got %u)",
	      info_refs(fd, a.handle));
	kt_ok(nr_mappings() == maps0 + 1, "STATS: mappings +1");
	memcpy(m + 10000, "through the mapping", 19);
	kt_read(fd, a.handle, 10000, buf, 19);
	kt_ok(!memcmp(buf, "through the mapping", 19), "a write through the mapping is read by READ");
	kt_write(fd, a.handle, 16000, "through WRITE", 13);
	kt_ok(!memcmp(m + 16000, "through WRITE", 13), "WRITE is seen through the mapping");

	/* A user pointer into our own mapping: READ/WRITE copy within it. */
	kt_expect(kt_write(fd, a.handle, 0, m + 10000, 19), 0,
		  "WRITE whose source is a mapping of the same buffer");
	kt_ok(!memcmp(m, "through the mapping", 19), "... copies the bytes");
	kt_expect(kt_read(fd, a.handle, 16000, m + 4096, 13), 0,
		  "READ whose destination is a mapping of the same buffer");
	kt_ok(!memcmp(m + 4096, "through WRITE", 13), "... copies the bytes");

	{
		unsigned char *m2 = kt_mmap(fd, 4096, a.mmap_offset, &err);

		kt_ok(m2 && info_refs(fd, a.handle) == 3,
		      "a second mapping of the same view: refs 3 (got %u)",
		      info_refs(fd, a.handle));
		kt_ok(m2 && !memcmp(m2, "through the mapping", 19),
		      "the second mapping shows the same bytes");
		if (m2)
			munmap(m2, 4096);
	}
	kt_ok(munmap(m, 16384) == 0, "munmap");
	kt_ok(info_refs(fd, a.handle) == 1, "after munmap refs is 1 again (got %u)",
	      info_refs(fd, a.handle));
	kt_ok(nr_mappings() == maps0, "STATS: mappings back");
	{
		void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
				(off_t)a.mmap_offset);

		kt_ok(ro != MAP_FAILED && !memcmp(ro, "through the mapping", 19),
		      "a read-only shared mapping works");
		if (ro != MAP_FAILED)
			munmap(ro, 4096);
	}
	kt_free(fd, a.handle);
}

static void test_outlives(void)
{
	struct kpool_stats s0, s1;
	struct kpool_alloc a;
	unsigned char *m, *m2;
	long bad;
	int f, err;

	kt_stats_now(&s0);
	f = kt_open();
	kt_alloc_full(f, 32768, &a);
	m = kt_mmap(f, 32768, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of a 32 KiB buffer (%s)", kt_errname(err)))
		return;
	kt_fill(m, 32768, 7);
	kt_expect(kt_free(f, a.handle), 0, "FREE of the handle while it is mapped");
	bad = kt_check_fill(m, 32768, 7);
	kt_ok(bad < 0, "after FREE the mapping still holds the bytes (first bad at %ld)", bad);
	kt_stats_now(&s1);
	kt_ok(s1.bytes_in_use == s0.bytes_in_use + 32768 && s1.tier[3].in_use == s0.tier[3].in_use + 1,
	      "after FREE the buffer is still in use (the mapping's reference)");
	/* another buffer of the tier must not get this memory */
	kt_alloc_full(f, 32768, &a);
	m2 = kt_mmap(f, 32768, a.mmap_offset, NULL);
	kt_ok(m2 && kt_nonzero(m2, 32768) < 0,
	      "a new buffer of the same tier, mapped, is all zeros");
	memset(m2, 0xee, 32768);
	bad = kt_check_fill(m, 32768, 7);
	kt_ok(bad < 0, "writing the new buffer does not touch the mapped one");
	munmap(m2, 32768);
	kt_expect(kt_free(f, a.handle), 0, "FREE of the second buffer");
	kt_ok(close(f) == 0, "close() of the device file while a mapping is alive");
	bad = kt_check_fill(m, 32768, 7);
	kt_ok(bad < 0, "after close() the mapping still holds the bytes (first bad at %ld)", bad);
	kt_fill(m, 32768, 8);
	bad = kt_check_fill(m, 32768, 8);
	kt_ok(bad < 0, "after close() the mapping is still writable");
	kt_ok(nr_mappings() == s0.mappings + 1, "STATS: the mapping is counted");
	munmap(m, 32768);
	kt_unchanged(&s0, "after the last munmap everything is returned");
}

static void test_refused(void)
{
	struct kpool_stats s0;
	struct kpool_alloc a, b, c;
	struct kpool_info info;
	uint32_t left, right;
	void *m;
	int err, fd2;

	kt_alloc_full(fd, 16384, &a);
	kt_stats_now(&s0);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		 (off_t)a.mmap_offset);
	err = m == MAP_FAILED ? errno : 0;
	kt_expect(-err, EINVAL, "mmap with MAP_PRIVATE: EINVAL");
	if (m != MAP_FAILED)
		munmap(m, 4096);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, (off_t)a.mmap_offset);
	err = m == MAP_FAILED ? errno : 0;
	kt_expect(-err, EINVAL, "mmap read-only with MAP_PRIVATE: EINVAL");
	if (m != MAP_FAILED)
		munmap(m, 4096);

	m = kt_mmap(fd, 16384 + 4096, a.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of 5 pages of a 4-page view: EINVAL");
	if (m)
		munmap(m, 16384 + 4096);
	m = kt_mmap(fd, 1 << 30, a.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of 1 GiB of a 4-page view: EINVAL");
	if (m)
		munmap(m, 1 << 30);

	/* capacity 16384, but the view [0,5000) spans 2 pages */
	kt_alloc_full(fd, 5000, &b);
	m = kt_mmap(fd, 8192, b.mmap_offset, &err);
	kt_expect(-err, 0, "mmap of the 2 pages of a 5000-byte view (capacity 16384)");
	if (m)
		munmap(m, 8192);
	m = kt_mmap(fd, 12288, b.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of 3 pages of a 5000-byte view: EINVAL (the span is the view's)");
	if (m)
		munmap(m, 12288);
	m = kt_mmap(fd, 100, b.mmap_offset, &err);
	kt_expect(-err, 0, "mmap of 100 bytes (shorter than the span) succeeds");
	if (m)
		munmap(m, 100);

	{
		static const uint64_t sub[] = { 1, 100, 256 };
		unsigned int i;

		for (i = 0; i < KT_ARRAY_SIZE(sub); i++) {
			kt_alloc_full(fd, sub[i], &c);
			kt_info(fd, c.handle, &info);
			kt_ok(!(info.flags & KPOOL_INFO_MAPPABLE),
			      "a %llu-byte view (tier 0, 256 B) is not mappable (INFO flags)",
			      (unsigned long long)sub[i]);
			m = kt_mmap(fd, 4096, c.mmap_offset, &err);
			kt_expect(-err, EINVAL, "mmap of a %llu-byte view of tier 0: EINVAL",
				  (unsigned long long)sub[i]);
			if (m)
				munmap(m, 4096);
			kt_free(fd, c.handle);
		}
	}

	/* an empty view has no page */
	kt_dup(fd, b.handle, &left);
	kt_split(fd, left, 0, &right);
	kt_info(fd, left, &info);
	kt_ok(info.length == 0 && !(info.flags & KPOOL_INFO_MAPPABLE),
	      "an empty view (split at 0) is not mappable");
	m = kt_mmap(fd, 4096, info.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of an empty view: EINVAL");
	if (m)
		munmap(m, 4096);
	kt_free(fd, left);
	kt_free(fd, right);

	/* unknown offsets */
	m = kt_mmap(fd, 4096, 0, &err);
	kt_expect(-err, EINVAL, "mmap at offset 0 (handle 0): EINVAL");
	if (m)
		munmap(m, 4096);
	kt_alloc_full(fd, 4096, &c);
	kt_free(fd, c.handle);
	m = kt_mmap(fd, 4096, c.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap at the offset of a freed handle: EINVAL");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(fd, 4096, 0x7ffff000ULL, &err);
	kt_expect(-err, EINVAL, "mmap at the offset of a handle never made: EINVAL");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(fd, 4096, 1ULL << 44, &err);
	kt_expect(-err, EINVAL, "mmap at offset 2^44 (page number above 32 bits): EINVAL");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(fd, 4096, (uint64_t)a.handle << 12 | (1ULL << 44), &err);
	kt_expect(-err, EINVAL,
		  "mmap at a valid handle's offset plus 2^44 (no truncation to 32 bits): EINVAL");
	if (m)
		munmap(m, 4096);
	fd2 = kt_open();
	m = kt_mmap(fd2, 4096, a.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of another file's handle offset: EINVAL");
	if (m)
		munmap(m, 4096);
	close(fd2);
	kt_free(fd, b.handle);
	kt_unchanged(&s0, "refused mmaps leave no mapping and no reference");
	kt_ok(info_refs(fd, a.handle) == 1, "refused mmaps: refs still 1");
	kt_free(fd, a.handle);
}

static void test_partial_munmap(void)
{
	struct kpool_alloc a;
	unsigned char *m, buf[8];
	uint64_t maps0 = nr_mappings();
	int err;

	kt_alloc_full(fd, 16384, &a);
	m = kt_mmap(fd, 16384, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of 4 pages (%s)", kt_errname(err)))
		return;
	memset(m, 'a', 16384);
	kt_ok(munmap(m + 4096, 8192) == 0, "munmap of the middle 2 pages");
	kt_ok(info_refs(fd, a.handle) == 3,
	      "two VMAs left: refs 3 (handle + 2 mappings; got %u)",
	      info_refs(fd, a.handle));
	kt_ok(nr_mappings() == maps0 + 2, "STATS: mappings +2");
	m[0] = 'b';
	m[12288] = 'c';
	kt_read(fd, a.handle, 0, buf, 1);
	kt_read(fd, a.handle, 12288, buf + 1, 1);
	kt_ok(buf[0] == 'b' && buf[1] == 'c', "both remaining pieces still write through");
	kt_write(fd, a.handle, 12289, "d", 1);
	kt_ok(m[12289] == 'd', "the last piece still sees WRITE");
	munmap(m, 4096);
	kt_ok(info_refs(fd, a.handle) == 2, "munmap of the first piece: refs 2");
	munmap(m + 12288, 4096);
	kt_ok(info_refs(fd, a.handle) == 1 && nr_mappings() == maps0,
	      "munmap of the last piece: refs 1, mappings back");

	/* mprotect of the middle page splits the mapping in three */
	m = kt_mmap(fd, 16384, a.mmap_offset, &err);
	kt_ok(m && mprotect(m + 4096, 4096, PROT_READ) == 0,
	      "mprotect of one page in the middle");
	kt_ok(info_refs(fd, a.handle) == 4, "three VMAs: refs 4 (got %u)",
	      info_refs(fd, a.handle));
	kt_ok(m[4096] == 'a' && m[8192] == 'a', "the pieces still show the bytes");
	munmap(m, 16384);
	kt_ok(info_refs(fd, a.handle) == 1 && nr_mappings() == maps0,
	      "munmap of all three: refs 1, mappings back");
	kt_free(fd, a.handle);
}

static void test_mremap(void)
{
	struct kpool_alloc a;
	unsigned char *m, *m2, *dst;
	uint64_t maps0 = nr_mappings();
	int err;

	kt_alloc_full(fd, 16384, &a);
	m = kt_mmap(fd, 4096, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of 1 page of a 4-page view"))
		return;
	m[0] = 'x';
	m2 = mremap(m, 4096, 8192, MREMAP_MAYMOVE);
	err = m2 == MAP_FAILED ? errno : 0;
	kt_ok(m2 == MAP_FAILED, "mremap growing a mapping is refused (%s)",
	      kt_errname(err));
	if (m2 != MAP_FAILED)
		m = m2;
	m2 = mremap(m, 4096, 8192, 0);
	kt_ok(m2 == MAP_FAILED, "mremap growing in place is refused");
	kt_ok(m[0] == 'x' && info_refs(fd, a.handle) == 2,
	      "after the refused mremaps the mapping is as it was");

	/* a move: same size, elsewhere */
	dst = mmap(NULL, 4096 * 4, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m2 = mremap(m, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 8192);
	kt_ok(m2 == dst + 8192, "mremap moving the mapping succeeds");
	if (m2 == dst + 8192) {
		kt_ok(m2[0] == 'x', "the moved mapping shows the bytes");
		m2[1] = 'y';
		kt_ok(info_refs(fd, a.handle) == 2 && nr_mappings() == maps0 + 1,
		      "after the move: refs 2, one mapping (got refs %u)",
		      info_refs(fd, a.handle));
		m = m2;
	}
	munmap(dst, 4096 * 4);	/* the moved mapping lies inside */
	kt_ok(info_refs(fd, a.handle) == 1 && nr_mappings() == maps0,
	      "munmap of the moved mapping: refs 1, mappings back");

	/* MREMAP_DONTUNMAP: refused, or two VMAs with a reference each */
	m = kt_mmap(fd, 4096, a.mmap_offset, &err);
	m2 = m ? mremap(m, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) : MAP_FAILED;
	err = m2 == MAP_FAILED ? errno : 0;
	if (m2 != MAP_FAILED) {
		kt_ok(info_refs(fd, a.handle) == 3,
		      "mremap with MREMAP_DONTUNMAP: both VMAs hold a reference (refs 3, got %u)",
		      info_refs(fd, a.handle));
		munmap(m2, 4096);
	} else {
		kt_ok(info_refs(fd, a.handle) == 2,
		      "mremap with MREMAP_DONTUNMAP is refused (%s) and changes nothing",
		      kt_errname(err));
	}
	if (m)
		munmap(m, 4096);
	kt_ok(info_refs(fd, a.handle) == 1 && nr_mappings() == maps0,
	      "after MREMAP_DONTUNMAP and munmap: refs 1, mappings back");

	m = kt_mmap(fd, 16384, a.mmap_offset, &err);
	m2 = m ? mremap(m, 16384, 8192, 0) : MAP_FAILED;
	kt_ok(m2 == m, "mremap shrinking a mapping succeeds");
	kt_ok(info_refs(fd, a.handle) == 2, "after shrinking: refs 2 (got %u)",
	      info_refs(fd, a.handle));
	if (m)
		munmap(m, 8192);
	kt_ok(info_refs(fd, a.handle) == 1 && nr_mappings() == maps0,
	      "munmap: refs 1, mappings back");
	kt_free(fd, a.handle);
}

struct fork_arg {
	unsigned char *m;
	size_t size;
	int go[2], ready[2];
	int f;		/* a device file the child closes first, or -1 */
};

static void fork_child(void *p)
{
	struct fork_arg *fa = p;
	long bad = kt_check_fill(fa->m, fa->size, 21);

	kt_ok(bad < 0, "fork (%zu bytes): the child sees the parent's bytes (first bad at %ld)",
	      fa->size, bad);
	memcpy(fa->m + fa->size / 3, "child wrote this", 16);
	kt_send_byte(fa->ready[1], 'r');
	kt_recv_byte(fa->go[0]);
	kt_ok(!memcmp(fa->m + fa->size - 14, "parent answers", 14),
	      "fork (%zu bytes): the child sees what the parent wrote afterwards", fa->size);
}

static void test_fork(size_t size)
{
	struct fork_arg fa;
	struct kpool_alloc a;
	pid_t pid;
	int rfd, err;

	kt_alloc_full(fd, size, &a);
	fa.size = size;
	fa.m = kt_mmap(fd, size, a.mmap_offset, &err);
	if (!kt_ok(fa.m != NULL, "mmap of %zu bytes (%s)", size,
		   a.tier == KPOOL_TIER_FALLBACK ? "fallback" : "a tier"))
		return;
	kt_fill(fa.m, size, 21);
	if (pipe(fa.go) || pipe(fa.ready))
		return;
	pid = kt_spawn(fork_child, &fa, &rfd);
	kt_recv_byte(fa.ready[0]);
	kt_ok(!memcmp(fa.m + size / 3, "child wrote this", 16),
	      "fork (%zu bytes): the parent sees what the child wrote", size);
	kt_ok(info_refs(fd, a.handle) == 3,
	      "fork (%zu bytes): the child's copy of the mapping holds a reference (refs 3, got %u)",
	      size, info_refs(fd, a.handle));
	memcpy(fa.m + size - 14, "parent answers", 14);
	kt_send_byte(fa.go[1], 'g');
	kt_reap(pid, rfd, "fork with a live mapping");
	kt_ok(info_refs(fd, a.handle) == 2, "after the child exits: refs 2 (got %u)",
	      info_refs(fd, a.handle));
	close(fa.go[0]);
	close(fa.go[1]);
	close(fa.ready[0]);
	close(fa.ready[1]);
	munmap(fa.m, size);
	kt_free(fd, a.handle);
}

/* The parent lets go of everything; the child keeps the mapping. */
static void orphan_child(void *p)
{
	struct fork_arg *fa = p;
	long bad;

	close(fa->f);
	close(fd);
	kt_recv_byte(fa->go[0]);
	bad = kt_check_fill(fa->m, 16384, 33);
	kt_ok(bad < 0,
	      "fork: after the parent freed, unmapped and closed, the child's mapping holds the bytes (first bad at %ld)",
	      bad);
	kt_fill(fa->m, 16384, 34);
	kt_ok(kt_check_fill(fa->m, 16384, 34) < 0, "... and is writable");
}

static void test_fork_orphan(void)
{
	struct kpool_stats s0;
	struct fork_arg fa;
	struct kpool_alloc a;
	pid_t pid;
	int rfd, f;

	kt_stats_now(&s0);
	f = kt_open();
	kt_alloc_full(f, 16384, &a);
	fa.m = kt_mmap(f, 16384, a.mmap_offset, NULL);
	if (!kt_ok(fa.m != NULL, "mmap of 16 KiB") || pipe(fa.go))
		return;
	kt_fill(fa.m, 16384, 33);
	fa.f = f;
	fa.size = 16384;
	pid = kt_spawn(orphan_child, &fa, &rfd);
	kt_free(f, a.handle);
	close(f);
	munmap(fa.m, 16384);
	kt_send_byte(fa.go[1], 'g');
	kt_reap(pid, rfd, "a child keeps the only mapping");
	close(fa.go[0]);
	close(fa.go[1]);
	kt_unchanged(&s0, "when the child exits the buffer is returned");
}

static void test_offsets(void)
{
	struct kpool_alloc a;
	struct kpool_info info;
	uint32_t s1, s2, s3;
	unsigned char *m;
	int err;

	kt_alloc_full(fd, 16384, &a);

	/* [100, 16384): first byte at 100 in page 0 */
	kt_slice(fd, a.handle, 100, 16384, &s1);
	kt_info(fd, s1, &info);
	kt_ok(info.offset == 100 && info.length == 16284 &&
	      (info.flags & KPOOL_INFO_MAPPABLE),
	      "SLICE [100, 16384) of a 16 KiB buffer: offset 100, mappable");
	kt_write(fd, s1, 0, "first byte", 10);
	m = kt_mmap(fd, 16384, info.mmap_offset, &err);
	kt_ok(m != NULL, "mmap of the slice's 4 pages (%s)", kt_errname(err));
	if (m) {
		kt_ok(!memcmp(m + 100, "first byte", 10),
		      "the slice's first byte is at offset 100 %% 4096 = 100 in the mapping");
		munmap(m, 16384);
	}

	/* [5000, 9000): pages 1 and 2 */
	kt_slice(fd, a.handle, 5000, 9000, &s2);
	kt_info(fd, s2, &info);
	kt_write(fd, s2, 0, "five thousand", 13);
	kt_write(fd, s2, 3999, "L", 1);
	m = kt_mmap(fd, 8192, info.mmap_offset, &err);
	kt_ok(m != NULL, "mmap of the 2 pages of SLICE [5000, 9000)");
	if (m) {
		kt_ok(!memcmp(m + 904, "five thousand", 13) && m[904 + 3999] == 'L',
		      "the view's first byte is at 5000 %% 4096 = 904, its last at 4903");
		munmap(m, 8192);
	}
	m = kt_mmap(fd, 12288, info.mmap_offset, &err);
	kt_expect(-err, EINVAL, "mmap of 3 pages of SLICE [5000, 9000) (2-page span): EINVAL");
	if (m)
		munmap(m, 12288);

	/* [4096, 8192): exactly page 1 */
	kt_slice(fd, a.handle, 4096, 8192, &s3);
	kt_info(fd, s3, &info);
	kt_write(fd, s3, 0, "page one", 8);
	m = kt_mmap(fd, 4096, info.mmap_offset, &err);
	kt_ok(m && !memcmp(m, "page one", 8),
	      "SLICE [4096, 8192) maps as exactly page 1 of the buffer");
	if (m)
		munmap(m, 4096);
	m = kt_mmap(fd, 8192, info.mmap_offset, &err);
	kt_expect(-err, EINVAL, "... and not as 2 pages");
	if (m)
		munmap(m, 8192);

	/* the right half of a split */
	kt_free(fd, s1);
	kt_split(fd, s2, 1000, &s1);	/* s1 = [6000, 9000) */
	kt_info(fd, s1, &info);
	kt_write(fd, s1, 0, "R", 1);
	m = kt_mmap(fd, 8192, info.mmap_offset, &err);
	kt_ok(m && info.offset == 6000 && m[6000 - 4096] == 'R' &&
	      m[8999 - 4096] == 'L',
	      "SPLIT's right half [6000, 9000) maps pages 1-2: first byte at 1904, last at 4903");
	if (m)
		munmap(m, 8192);
	kt_free(fd, s1);
	kt_free(fd, s2);
	kt_free(fd, s3);
	kt_free(fd, a.handle);
}

static void test_big(void)
{
	static const uint64_t sizes[] = { 1048576, 1048577, 3 << 20 };
	unsigned int i;

	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++) {
		uint64_t span = (sizes[i] + KT_PAGE - 1) & ~(KT_PAGE - 1);
		struct kpool_alloc a;
		unsigned char *m;
		long bad;
		int err;

		if (kt_alloc_full(fd, sizes[i], &a)) {
			kt_ok(0, "ALLOC of %llu bytes", (unsigned long long)sizes[i]);
			continue;
		}
		m = kt_mmap(fd, span, a.mmap_offset, &err);
		if (!kt_ok(m != NULL, "mmap of a %llu-byte buffer (%s, %llu bytes, %s)",
			   (unsigned long long)sizes[i],
			   a.tier == KPOOL_TIER_FALLBACK ? "fallback" : "tier 4",
			   (unsigned long long)span, kt_errname(err))) {
			kt_free(fd, a.handle);
			continue;
		}
		kt_fill(m, sizes[i], i + 40);
		kt_write(fd, a.handle, sizes[i] - 5, "tail!", 5);
		bad = kt_check_fill(m, sizes[i] - 5, i + 40);
		kt_ok(bad < 0 && !memcmp(m + sizes[i] - 5, "tail!", 5),
		      "%llu bytes: the mapping and READ/WRITE share every byte",
		      (unsigned long long)sizes[i]);
		munmap(m, span);
		kt_free(fd, a.handle);
	}
}


/*
 * Other ways into a mapping's pages: /proc/self/mem (ptrace access) and
 * vmsplice() (page references in a pipe).  Either they work on the
 * buffer's own bytes, or they fail cleanly; a page they hold must not be
 * handed to anyone else while they hold it.
 */
static void test_pipes(size_t size)
{
	struct kpool_stats s0;
	struct kpool_alloc a;
	size_t span = (size + KT_PAGE - 1) & ~(KT_PAGE - 1);
	unsigned char *m, buf[4096];
	const char *kind;
	int f, mem, p[2], err;
	ssize_t n;

	kt_stats_now(&s0);
	f = kt_open();
	kt_alloc_full(f, size, &a);
	kind = a.tier == KPOOL_TIER_FALLBACK ? "fallback" : "tier";
	m = kt_mmap(f, span, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of a %zu-byte %s buffer", size, kind)) {
		close(f);
		return;
	}
	kt_fill(m, size, 55);

	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	n = pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)(m + 4096));
	err = n < 0 ? errno : 0;
	kt_ok((n == (ssize_t)sizeof(buf) && !memcmp(buf, m + 4096, sizeof(buf))) ||
	      (n < 0 && (err == EIO || err == EFAULT)),
	      "%s: /proc/self/mem reads the mapping's bytes or fails cleanly (%s)", kind,
	      n < 0 ? kt_errname(err) : "read");
	close(mem);

	if (pipe(p)) {
		close(f);
		return;
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	{
		struct iovec iov = { .iov_base = m + 8192, .iov_len = sizeof(buf) };

		n = vmsplice(p[1], &iov, 1, 0);
		err = n < 0 ? errno : 0;
	}
	/* let go of everything but what the pipe may hold */
	memset(buf, 0, sizeof(buf));
	kt_free(f, a.handle);
	munmap(m, span);
	close(f);
	{
		/* another buffer gets fresh memory, whatever the pipe holds */
		int f2 = kt_open();
		struct kpool_alloc b;
		unsigned char *m2;

		kt_alloc_full(f2, size, &b);
		m2 = kt_mmap(f2, span, b.mmap_offset, NULL);
		if (m2) {
			memset(m2, 0x33, span);
			munmap(m2, span);
		}
		close(f2);
	}
	if (n > 0) {
		ssize_t got = read(p[0], buf, sizeof(buf));
		unsigned char *want = malloc(size);

		if (want)
			kt_fill(want, size, 55);
		kt_ok(want && got == n && !memcmp(buf, want + 8192, got),
		      "%s: vmsplice()d pages still hold the buffer's bytes after it was freed and unmapped",
		      kind);
		free(want);
	} else {
		kt_ok(err == EFAULT || err == EINVAL,
		      "%s: vmsplice() of the mapping fails cleanly (%s)", kind,
		      kt_errname(err));
	}
	close(p[0]);
	close(p[1]);
	kt_state_is(&s0, 2000, "%s: after the pipe is closed everything is returned", kind);
}

/* ioctl arguments that live in a kpool mapping (the hazard of mmap_lock) */
static void test_args_in_mapping(void)
{
	struct kpool_stats s0;
	struct kpool_alloc a, *in;
	struct kpool_free_batch *fb;
	uint32_t *hs;
	unsigned char *m;
	int err;

	kt_stats_now(&s0);
	kt_alloc_full(fd, 16384, &a);
	m = kt_mmap(fd, 16384, a.mmap_offset, &err);
	if (!kt_ok(m != NULL, "mmap of a 16 KiB buffer for ioctl arguments"))
		return;
	in = (struct kpool_alloc *)m;
	memset(in, 0, sizeof(*in));
	in->size = 300;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC, in), 0,
		  "ALLOC whose argument struct lives in a kpool mapping");
	hs = (uint32_t *)(m + 4096);
	hs[0] = in->handle;
	hs[1] = in->handle;
	kt_expect(kt_io(fd, KPOOL_IOC_ALLOC_BATCH, &(struct kpool_alloc_batch){
			.size = 5000, .handles = (uintptr_t)(hs + 2), .count = 2 }), 0,
		  "ALLOC_BATCH writing its handles into a kpool mapping");
	kt_write(fd, a.handle, 8192, m, 64);	/* WRITE from the same buffer */
	fb = (struct kpool_free_batch *)(m + 12288);
	fb->handles = (uintptr_t)(hs + 1);
	fb->count = 3;
	kt_expect(kt_io(fd, KPOOL_IOC_FREE_BATCH, fb), 0,
		  "FREE_BATCH with its struct and handles array in a kpool mapping");
	kt_ok(fb->done == 3, "... done 3 is written into the mapping (got %u)", fb->done);
	/* the handle whose buffer holds these very arguments */
	fb->handles = (uintptr_t)(m + 12288 + sizeof(*fb));
	*(uint32_t *)(m + 12288 + sizeof(*fb)) = a.handle;
	fb->count = 1;
	kt_expect(kt_io(fd, KPOOL_IOC_FREE_BATCH, fb), 0,
		  "FREE_BATCH freeing the very buffer its arguments live in (the mapping keeps it)");
	kt_ok(fb->done == 1, "... and done is written into it afterwards");
	munmap(m, 16384);
	kt_unchanged(&s0, "ioctl arguments in a mapping: everything returned");
}

int main(void)
{
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_shared_bytes();
	test_outlives();
	test_refused();
	test_partial_munmap();
	test_mremap();
	test_fork(16384);
	test_fork(1 << 20);
	test_fork((2 << 20) + 1);
	test_pipes((2 << 20) + 5);
	test_pipes(32768);
	test_fork_orphan();
	test_offsets();
	test_big();
	test_args_in_mapping();
	close(fd);
	return kt_end();
}
