// SPDX-License-Identifier: GPL-2.0
/*
 * demo - kpool at work, step by step, through libkpool.
 *
 * 'make demo' runs it in Debian's stock kernel with kpool loaded.  It
 * allocates from every tier, writes through a mapping, splits and slices
 * without copying, gathers views, shares a buffer with a child process,
 * shares one read-only, hands one to a device driver as a dma-buf (vgem,
 * when it is loaded), frees everything and shows the pool's counters back
 * where they started.
 * Each step is checked; the exit status is 1 if any check failed.
 *
 * Build: cc -static demo.c stats_table.c -lkpool (see the Makefile).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libkpool.h"
#include "stats_table.h"

static int checks, failures;
static long page;

/* One checked step: "  ok   what" or "  FAIL what". */
static bool __attribute__((format(printf, 2, 3)))
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	printf("  %-4s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok;
}

/* A line of explanation under a step. */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	printf("       ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A failed library call: say which and why. */
static bool failed(const char *what, int err)
{
	return check(false, "%s: %s", what, kpool_strerror(err));
}

static const char *bytes(char *buf, unsigned long long n)
{
	return kpool_fmt_bytes(buf, n);
}

static const char *tier_name(char *buf, __u32 tier)
{
	if (tier == KPOOL_TIER_FALLBACK)
		return "fallback";
	snprintf(buf, 16, "tier %u", tier);
	return buf;
}

/* Every handle the demo holds, to be freed in one batch at the end. */
static __u32 held[64];
static size_t nheld;

static __u32 hold(__u32 h)
{
	if (nheld < sizeof(held) / sizeof(held[0]))
		held[nheld++] = h;
	return h;
}

/*
 * The bytes [off, off+len) of a view as a string (len < 64), in one of
 * eight buffers used in turn, so that one printf() may show several.
 */
static const char *peek(struct kpool *kp, __u32 h, __u64 off, size_t len)
{
	static char ring[8][64];
	static unsigned int next;
	char *s = ring[next++ % 8];

	memset(s, 0, sizeof(ring[0]));
	if (len >= sizeof(ring[0]) || kpool_buf_read(kp, h, off, s, len))
		return "(unreadable)";
	return s;
}

/* Live state, as compared at the start and the end. */
static bool same_live(const struct kpool_stats *a, const struct kpool_stats *b)
{
	unsigned int i;

	if (a->handles != b->handles || a->mappings != b->mappings ||
	    a->exports != b->exports || a->bytes_in_use != b->bytes_in_use ||
	    a->fallback.in_use != b->fallback.in_use)
		return false;
	for (i = 0; i < KPOOL_MAX_TIERS; i++)
		if (a->tier[i].in_use != b->tier[i].in_use)
			return false;
	return true;
}

static unsigned long long buffers_in_use(const struct kpool_stats *st)
{
	unsigned long long n = st->fallback.in_use;
	unsigned int i;

	for (i = 0; i < st->ntiers && i < KPOOL_MAX_TIERS; i++)
		n += st->tier[i].in_use;
	return n;
}

/* ------------------------------------------------------------------ 1 */

struct tier_buf {
	__u32 handle;
	struct kpool_info info;
};

/*
 * One buffer per tier, a little smaller than the tier (and above the one
 * before), and one above the largest tier.  Returns the number made.
 */
static unsigned int alloc_every_tier(struct kpool *kp,
				     const struct kpool_stats *st,
				     struct tier_buf *tb)
{
	unsigned int i, n = st->ntiers;
	__u64 prev = 0, size, want_cap;
	char b1[32], b2[32], b3[16];
	char *zeros;
	int ret;

	printf("\n1. One buffer from every tier, and one from the fallback\n");
	for (i = 0; i <= n; i++) {
		__u32 want_tier = i < n ? i : KPOOL_TIER_FALLBACK;

		if (i < n) {
			size = st->tier[i].size / 4 * 3;
			if (size <= prev)
				size = prev + 1;
			want_cap = st->tier[i].size;
			prev = st->tier[i].size;
		} else {
			size = prev + prev / 2;
			want_cap = (size + page - 1) / page * page;
		}
		ret = kpool_buf_alloc(kp, size, &tb[i].handle, &tb[i].info);
		if (ret) {
			check(false, "%-9s -> KPOOL_IOC_ALLOC failed: %s",
			      bytes(b1, size), kpool_strerror(ret));
			return i;
		}
		hold(tb[i].handle);
		/* Every buffer is zero-filled before anyone sees it. */
		zeros = calloc(1, size);
		ret = zeros ? kpool_buf_read(kp, tb[i].handle, 0, zeros, size) :
			      -ENOMEM;
		for (__u64 j = 0; !ret && j < size; j++)
			if (zeros[j])
				ret = -EIO;
		free(zeros);
		check(tb[i].info.tier == want_tier &&
		      tb[i].info.capacity == want_cap && !ret,
		      "%-9s -> %-8s capacity %-9s handle %-2u zero-filled, %s",
		      bytes(b1, size), tier_name(b3, tb[i].info.tier),
		      bytes(b2, tb[i].info.capacity), tb[i].handle,
		      tb[i].info.flags & KPOOL_INFO_MAPPABLE ?
		      "mappable" : "not mappable (below a page)");
	}
	return i;
}

/* ------------------------------------------------------------------ 2-3 */

/*
 * Write through a mapping; split and slice the view; write through the
 * slice's own mapping and see it through the first one.
 */
static bool map_split_slice(struct kpool *kp, __u32 h, struct kpool_map *m1,
			    struct kpool_map *m2, __u32 *tail_out)
{
	static const char msg[] = "Hello from mmap";
	const size_t len = sizeof(msg) - 1;
	struct kpool_info in;
	char b1[32];
	__u32 tail, word;
	int ret;

	printf("\n2. Writing through a memory mapping\n");
	ret = kpool_buf_map(kp, h, PROT_READ | PROT_WRITE, m1);
	if (ret)
		return failed("mmap", ret);
	memcpy((char *)m1->addr + 100, msg, len);
	check(true, "mapped handle %u (%s) and wrote \"%s\" at byte 100 of the mapping",
	      h, bytes(b1, m1->length), msg);
	check(!strcmp(peek(kp, h, 100, len), msg),
	      "KPOOL_IOC_READ of handle %u at byte 100 gives \"%s\": the same memory",
	      h, peek(kp, h, 100, len));

	printf("\n3. Split and slice: new views of the same bytes, nothing copied\n");
	ret = kpool_buf_split(kp, h, 100, &tail);
	if (ret)
		return failed("KPOOL_IOC_SPLIT", ret);
	*tail_out = hold(tail);
	kpool_buf_info(kp, tail, &in);
	check(in.offset == 100 && !strcmp(peek(kp, tail, 0, len), msg),
	      "split handle %u at byte 100: it keeps [0, 100), new handle %u has the rest and starts \"%s\"",
	      h, tail, peek(kp, tail, 0, 5));
	ret = kpool_buf_slice(kp, tail, 6, 10, &word);
	if (ret)
		return failed("KPOOL_IOC_SLICE", ret);
	hold(word);
	check(!strcmp(peek(kp, word, 0, 4), "from"),
	      "slice [6, 10) of handle %u -> handle %u: \"%s\"", tail, word,
	      peek(kp, word, 0, 4));
	ret = kpool_buf_map(kp, word, PROT_READ | PROT_WRITE, m2);
	if (ret)
		return failed("mmap of the slice", ret);
	check((unsigned long)m2->addr % page == 106 && m2->length == 4,
	      "mapped handle %u (4 bytes, %lu bytes into their page): libkpool gives a pointer to its first byte",
	      word, (unsigned long)m2->addr % page);
	memcpy(m2->addr, "FROM", 4);
	check(!memcmp((char *)m1->addr + 100, "Hello FROM mmap", len),
	      "wrote \"FROM\" through handle %u's mapping; the first mapping now shows \"%.*s\"",
	      word, (int)len, (char *)m1->addr + 100);
	kpool_buf_info(kp, word, &in);
	check(in.refs == 5,
	      "the buffer has %u references: 3 handles (%u, %u, %u) and 2 mappings",
	      in.refs, h, tail, word);
	return true;
}

/* ------------------------------------------------------------------ 4 */

static bool gather(struct kpool *kp, __u32 tail, const struct tier_buf *small,
		   const struct tier_buf *other)
{
	struct kpool_info in, tin;
	struct kpool_reader r;
	__u32 v[3], all, one;
	char out[32], b1[16];
	unsigned char k = 0;
	__u64 len = 0;
	ssize_t n1, n2;
	int ret;

	printf("\n4. Materialize: gather views into one\n");
	/* Three views in three buffers: "Hello ", "kpool", "!". */
	kpool_buf_write(kp, small->handle, 0, "kpool", 5);
	kpool_buf_write(kp, other->handle, 0, "!", 1);
	if (kpool_buf_slice(kp, tail, 0, 6, &v[0]) ||
	    kpool_buf_slice(kp, small->handle, 0, 5, &v[1]) ||
	    kpool_buf_slice(kp, other->handle, 0, 1, &v[2]))
		return check(false, "slices for the gather");
	hold(v[0]);
	hold(v[1]);
	hold(v[2]);
	ret = kpool_buf_materialize(kp, v, 3, &all, &len);
	if (ret)
		return failed("KPOOL_IOC_MATERIALIZE", ret);
	hold(all);
	kpool_buf_info(kp, all, &in);
	check(len == 12 && !strcmp(peek(kp, all, 0, 12), "Hello kpool!"),
	      "gathered \"%s\" + \"%s\" + \"%s\" from 3 buffers -> handle %u: \"%s\" (a new %s buffer)",
	      peek(kp, v[0], 0, 6), peek(kp, v[1], 0, 5), "!", all,
	      peek(kp, all, 0, 12), tier_name(b1, in.tier));

	ret = kpool_buf_materialize(kp, &tail, 1, &one, NULL);
	if (ret)
		return failed("KPOOL_IOC_MATERIALIZE of one view", ret);
	hold(one);
	kpool_buf_info(kp, one, &in);
	kpool_buf_info(kp, tail, &tin);
	check(in.offset == tin.offset && in.length == tin.length,
	      "gathering one view (handle %u) gives handle %u on the same bytes: offset %llu, no copy",
	      tail, one, (unsigned long long)in.offset);

	ret = kpool_reader_open(kp, &r, v, 3);
	if (ret)
		return failed("kpool_reader_open", ret);
	memset(out, 0, sizeof(out));
	n1 = kpool_reader_read(&r, out, 6);
	kpool_reader_read_byte(&r, &k);
	out[6] = (char)k;
	n2 = kpool_reader_read(&r, out + 7, sizeof(out) - 8);
	check(n1 == 6 && n2 == 5 && !strcmp(out, "Hello kpool!") &&
	      !kpool_reader_remaining(&r),
	      "a reader over the 3 views reads 6 bytes, 1 byte, then the last %zd: \"%s\"",
	      n2, out);
	kpool_reader_close(&r);
	return true;
}

/* ------------------------------------------------------------------ 5 */

/* The child process: its own /dev/kpool file, the fd from the socket. */
static int child(int sock)
{
	struct kpool_map m;
	struct kpool kp;
	__u32 h;
	int fd, ret;

	ret = kpool_open(&kp, 0);
	if (!ret)
		ret = kpool_export_recv(sock, O_CLOEXEC, &fd);
	if (ret) {
		note("child: %s", kpool_strerror(ret));
		return 1;
	}
	ret = kpool_buf_import(&kp, fd, &h);
	if (ret) {
		note("child: KPOOL_IOC_IMPORT: %s", kpool_strerror(ret));
		return 1;
	}
	note("child %d: received fd %d, imported it as handle %u of its own /dev/kpool file",
	     (int)getpid(), fd, h);
	ret = kpool_buf_map(&kp, h, PROT_READ | PROT_WRITE, &m);
	if (ret) {
		note("child: mmap: %s", kpool_strerror(ret));
		return 1;
	}
	note("child %d: reads \"%s\"; writes \"child was here\" through a mapping",
	     (int)getpid(), (char *)m.addr);
	memcpy(m.addr, "child was here", 15);
	kpool_buf_unmap(&m);
	kpool_buf_free(&kp, h);
	close(fd);
	kpool_close(&kp);
	return write(sock, "d", 1) == 1 ? 0 : 1;
}

static bool share(struct kpool *kp, const struct tier_buf *tb)
{
	int sv[2], fd, status = -1, ret;
	char b1[16], done = 0;
	pid_t pid;

	printf("\n5. Sharing a buffer with another process: EXPORT, a unix socket, IMPORT\n");
	kpool_buf_write(kp, tb->handle, 0, "parent's data", 14);
	ret = kpool_buf_export(kp, tb->handle, O_CLOEXEC, &fd);
	if (ret)
		return failed("KPOOL_IOC_EXPORT", ret);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		close(fd);
		return check(false, "socketpair: %s", strerror(errno));
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(sv[0]);
		close(sv[1]);
		return check(false, "fork: %s", strerror(errno));
	}
	if (!pid) {
		/* Not the parent's file: the child opens one of its own. */
		close(kp->fd);
		close(sv[0]);
		fflush(stdout);
		_exit(child(sv[1]));
	}
	close(sv[1]);
	ret = kpool_export_send(sv[0], fd);
	check(!ret, "exported handle %u (%s, \"%s\") as fd %d and sent it to child %d (SCM_RIGHTS)",
	      tb->handle, tier_name(b1, tb->info.tier),
	      peek(kp, tb->handle, 0, 13), fd, (int)pid);
	close(fd);
	if (read(sv[0], &done, 1) != 1)
		done = 0;
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	check(done == 'd' && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child finished and exited");
	return check(!strcmp(peek(kp, tb->handle, 0, 14), "child was here"),
		     "the parent reads handle %u: \"%s\": one buffer, two processes",
		     tb->handle, peek(kp, tb->handle, 0, 14));
}

static bool share_rdonly(struct kpool *kp, const struct tier_buf *tb)
{
	struct kpool_info info = { .handle = 0 };
	struct kpool_map m;
	__u32 ro;
	int fd, ret;

	printf("\n6. Sharing read-only: KPOOL_EXPORT_RDONLY\n");
	ret = kpool_buf_export(kp, tb->handle, KPOOL_EXPORT_RDONLY | O_CLOEXEC, &fd);
	if (ret)
		return failed("KPOOL_IOC_EXPORT (read-only)", ret);
	/* The receiver can look at what it got before it maps or imports it. */
	ret = ioctl(fd, KPOOL_IOC_INFO, &info) ? -errno : 0;
	check(!ret && (info.flags & KPOOL_INFO_READONLY),
	      "exported handle %u read-only as fd %d; INFO on the fd says: %llu bytes, read-only",
	      tb->handle, fd, (unsigned long long)info.length);
	ret = kpool_buf_import(kp, fd, &ro);
	close(fd);
	if (ret)
		return failed("KPOOL_IOC_IMPORT", ret);
	check(kpool_buf_write(kp, ro, 0, "x", 1) == -EPERM,
	      "the imported handle %u refuses WRITE (EPERM)", ro);
	check(kpool_buf_map(kp, ro, PROT_READ | PROT_WRITE, &m) == -EACCES,
	      "... and writable mappings (EACCES)");
	ret = kpool_buf_map(kp, ro, PROT_READ, &m);
	check(!ret, "... but maps read-only and reads \"%.14s\"",
	      ret ? "" : (char *)m.addr);
	if (!ret)
		kpool_buf_unmap(&m);
	return check(!kpool_buf_free(kp, ro), "freed the read-only handle");
}

/* The stable DRM uapi of <drm/drm.h>, for vgem. */
struct demo_drm_version {
	int major, minor, patch;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct demo_drm_prime_handle {
	__u32 handle, flags;
	__s32 fd;
};

struct demo_drm_gem_close {
	__u32 handle, pad;
};

#define DEMO_DRM_IOCTL_VERSION		_IOWR('d', 0x00, struct demo_drm_version)
#define DEMO_DRM_IOCTL_GEM_CLOSE	_IOW('d', 0x09, struct demo_drm_gem_close)
#define DEMO_DRM_IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct demo_drm_prime_handle)

static int open_vgem(void)
{
	char name[16] = "";
	struct demo_drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);

	if (fd >= 0 && (ioctl(fd, DEMO_DRM_IOCTL_VERSION, &v) || strcmp(name, "vgem"))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool to_device(struct kpool_stats *start)
{
	struct demo_drm_prime_handle ph = { 0 };
	struct demo_drm_gem_close gc = { 0 };
	struct kpool_stats now;
	struct kpool kp;
	int card = open_vgem(), fd, ret;
	__u32 h;

	printf("\n8. Handing a buffer to a device driver: KPOOL_EXPORT_DMABUF\n");
	if (card < 0) {
		note("no vgem device here (scripts/demo loads vgem.ko when the kernel has it): skipped");
		return true;
	}
	if (kpool_open(&kp, 0))
		return check(false, "open %s", KPOOL_DEVICE);
	ret = kpool_buf_alloc(&kp, 65536, &h, NULL);
	if (!ret)
		ret = kpool_buf_write(&kp, h, 0, "for the device", 15);
	if (!ret)
		ret = kpool_buf_export(&kp, h, KPOOL_EXPORT_DMABUF | O_CLOEXEC, &fd);
	if (ret) {
		kpool_close(&kp);
		close(card);
		return failed("KPOOL_IOC_EXPORT (dma-buf)", ret);
	}
	ph.fd = fd;
	ret = ioctl(card, DEMO_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph) ? -errno : 0;
	check(!ret, "exported a 64 KiB view as dma-buf fd %d; vgem imported it as GEM handle %u",
	      fd, ph.handle);
	close(fd);
	kpool_close(&kp);
	kpool_open(&kp, 0);
	kpool_stats_get(&kp, &now);
	check(!ret && now.handles == start->handles &&
	      now.bytes_in_use - start->bytes_in_use >= 65536,
	      "closed the dma-buf fd and the kpool file: vgem still holds the buffer (%llu bytes in use, no handle)",
	      (unsigned long long)(now.bytes_in_use - start->bytes_in_use));
	gc.handle = ph.handle;
	if (!ret)
		ioctl(card, DEMO_DRM_IOCTL_GEM_CLOSE, &gc);
	close(card);
	kpool_stats_get(&kp, &now);
	kpool_close(&kp);
	return check(same_live(start, &now),
		     "vgem closed its GEM handle: the buffer went back to its tier");
}

/* ------------------------------------------------------------------ main */

int main(void)
{
	struct kpool_stats start, now;
	struct tier_buf tb[KPOOL_MAX_TIERS + 1];
	struct kpool_map m1 = { 0 }, m2 = { 0 };
	int map_i = -1, share_i = -1, ret;
	unsigned int i, n;
	struct utsname u;
	struct kpool kp;
	__u32 tail = 0;
	size_t freed;
	char b1[32];

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	uname(&u);
	printf("kpool demo: pooled, reference-counted, zero-copy buffers from %s\n",
	       KPOOL_DEVICE);
	ret = kpool_open(&kp, 0);
	if (ret) {
		fprintf(stderr, "demo: cannot open %s: %s\n", KPOOL_DEVICE,
			kpool_strerror(ret));
		return 1;
	}
	ret = kpool_stats_get(&kp, &start);
	if (ret) {
		fprintf(stderr, "demo: KPOOL_IOC_STATS: %s\n", kpool_strerror(ret));
		return 1;
	}
	printf("  kernel %s, page size %ld bytes, %u tiers\n", u.release, page,
	       start.ntiers);

	n = alloc_every_tier(&kp, &start, tb);
	if (n == start.ntiers + 1) {
		printf("  the pool now (as 'kpoolctl stats' shows it):\n");
		kpool_stats_get(&kp, &now);
		kpool_stats_print(stdout, &now, "    ");
	}

	/* A mappable buffer of a few KiB for steps 2-3, another for step 5. */
	for (i = 0; i < n; i++) {
		if (!(tb[i].info.flags & KPOOL_INFO_MAPPABLE) ||
		    tb[i].info.length < 256)
			continue;
		if (map_i < 0)
			map_i = (int)i;
		else if (share_i < 0)
			share_i = (int)i;
	}
	if (map_i < 0 || share_i < 0 || n < 2) {
		check(false, "two mappable buffers for the next steps");
	} else if (map_split_slice(&kp, tb[map_i].handle, &m1, &m2, &tail)) {
		gather(&kp, tail, &tb[0], &tb[n - 1]);
		share(&kp, &tb[share_i]);
		share_rdonly(&kp, &tb[share_i]);
	}

	printf("\n7. Freeing everything\n");
	ret = nheld ? kpool_buf_free_batch(&kp, held, nheld, &freed) : 0;
	if (ret)
		failed("KPOOL_IOC_FREE_BATCH", ret);
	kpool_stats_get(&kp, &now);
	check(!ret, "freed %zu handles with one KPOOL_IOC_FREE_BATCH; the 2 mappings still hold %llu buffer (%s)",
	      nheld, buffers_in_use(&now) - buffers_in_use(&start),
	      bytes(b1, now.bytes_in_use - start.bytes_in_use));
	if (m1.addr)
		kpool_buf_unmap(&m1);
	if (m2.addr)
		kpool_buf_unmap(&m2);
	kpool_stats_get(&kp, &now);
	check(same_live(&start, &now),
	      "unmapped them: every buffer went back to its tier");
	kpool_stats_print(stdout, &now, "    ");
	kpool_close(&kp);
	to_device(&start);

	printf("\n");
	if (failures) {
		printf("demo: %d of %d checks FAILED\n", failures, checks);
		return 1;
	}
	printf("demo: all %d checks passed\n", checks);
	return 0;
}
