// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_fuzz: a coverage-guided fuzzer of /dev/kpool on libFuzzer, guided
 * by the kernel's coverage of kpool's code (KCOV), run in the test kernel.
 *
 * An input is a list of 8-byte records (a short last one is padded with
 * zeros), at most MAX_OPS of them.  Each record is one operation on a small
 * table of device files, handles, mappings and exported files:
 *
 *	byte 0	the operation (enum op, modulo NOPS)
 *	byte 1	a: bits 0-3 the source slot, bits 4-7 the destination slot
 *	byte 2	b: which value (size, position, count, advice, protection...)
 *	byte 3	c: bits 0-2 where the argument lives (0-3 on the stack, 4 NULL,
 *		5 inside a kpool mapping, 6 across the end of readable memory,
 *		7 a kernel address), bit 3 use the other device file, bit 4 a
 *		made-up handle, bit 5 a non-zero flag, bit 6 a non-zero pad,
 *		bit 7 a second choice for some operations
 *	byte 4-7 w: a raw 32-bit number, little-endian
 *
 * Operations: every ioctl of <linux/kpool.h> and an unknown one, open and
 * close of the device (read-only, write-only or read-write), mmap (of a
 * handle's view or of an exported fd), munmap (all, first, last or a middle
 * page), mremap, madvise, mprotect, remap_file_pages, a touch of a mapped
 * byte, and fork (the child runs the next 1-4 records and exits).
 *
 * After each input everything is closed and unmapped, and KPOOL_IOC_STATS
 * must show no handle, mapping, export or byte in use: anything else, an
 * ioctl errno outside the documented table, or a child killed by a signal
 * aborts, so libFuzzer keeps the input as a crash.  Faults while touching
 * mappings are caught and counted (a SIGBUS in a view's range is a kernel
 * bug: it is reported at exit).
 *
 * Coverage: /sys/kernel/debug/kcov (KCOV_TRACE_PC), enabled around each
 * input.  The test kernel instruments kpool's code only, so every PC is
 * kpool's; each PC bumps one of the __libfuzzer_extra_counters (indexed
 * by a hash of the PC), which is what libFuzzer's corpus grows on.  The
 * harness itself is not instrumented.  A forked child traces itself with a
 * kcov of its own and hands its PCs back through shared memory.  Every PC
 * seen for the first time is appended, in hex, to $KPOOL_FUZZ_PCS (when
 * set), from which scripts/fuzz counts the lines and functions reached.
 *
 * Environment: KPOOL_FUZZ_TRACE=1 prints every operation and its result
 * (replays); KPOOL_FUZZ_PCS=FILE, as above.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kcov.h>
#include <linux/kpool.h>

#define DEV_PATH	"/dev/kpool"
#define KCOV_PATH	"/sys/kernel/debug/kcov"

#define MAX_OPS		64
#define REC_SIZE	8
#define NDEV		2
#define NH		16
#define NMAP		8
#define NEXP		4
#define PAGE		4096UL

#define COVER_WORDS	(1UL << 18)	/* PCs one input may record */
#define CHILD_WORDS	(1UL << 14)	/* ... and one forked child */
#define NCOUNTERS	(1U << 16)
#define PCSET_SIZE	(1U << 16)	/* open addressing, power of two */

#define SCRATCH_SIZE	(4UL << 20)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum op {
	OP_OPEN, OP_CLOSE, OP_ALLOC, OP_ALLOC_BATCH, OP_FREE, OP_FREE_BATCH,
	OP_DUP, OP_SPLIT, OP_SLICE, OP_INFO, OP_READ, OP_WRITE,
	OP_MATERIALIZE, OP_EXPORT, OP_IMPORT, OP_CLOSE_EXPORT, OP_STATS,
	OP_BAD_IOCTL, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MADVISE, OP_MPROTECT,
	OP_TOUCH, OP_REMAP_PAGES, OP_FORK, NOPS
};

static const char *const op_name[NOPS] = {
	"open", "close", "ALLOC", "ALLOC_BATCH", "FREE", "FREE_BATCH",
	"DUP", "SPLIT", "SLICE", "INFO", "READ", "WRITE",
	"MATERIALIZE", "EXPORT", "IMPORT", "close(export)", "STATS",
	"unknown-ioctl", "mmap", "munmap", "mremap", "madvise", "mprotect",
	"touch", "remap_file_pages", "fork",
};

struct rec {
	uint8_t op, a, b, c;
	uint32_t w;
};

struct hslot {
	uint32_t h;		/* 0: empty */
	int dev;		/* the device slot it was made on */
	uint64_t len;		/* the view's length, as far as we know */
};

struct mslot {
	char *addr;		/* NULL: empty */
	size_t len;
};

/* The extra counters libFuzzer reads after each input (it clears them). */
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t counters[NCOUNTERS];

static struct {
	int dev[NDEV];
	struct hslot h[NH];
	struct mslot m[NMAP];
	int efd[NEXP];
	int in_child;
	int stats_fd;
	int trace;
	/* kcov of this process */
	int kcov_fd;
	uint64_t *cover;
	/* a forked child's PCs: word 0 the count, then the PCs */
	uint64_t *child_cover;
	/* memory for READ/WRITE and arrays: SCRATCH_SIZE, then a guard page */
	char *scratch;
	char *guard;
	char *ro;		/* a read-only page */
	/* unique PCs over the whole run */
	uint64_t *pcset;
	unsigned long npcs;
	FILE *pcs_out;
	/* figures for the end */
	unsigned long inputs, ops[NOPS], faults_segv, faults_bus;
} st;

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_fault(int sig)
{
	if (probing) {
		probing = 0;
		siglongjmp(probe_env, sig);
	}
	/* Not ours to catch: let libFuzzer keep the input (SIGABRT). */
	abort();
}

/*
 * Copy @n bytes, catching SIGSEGV and SIGBUS (a kpool mapping may be gone,
 * read-only or zapped).  Returns 0, or the signal that stopped the copy.
 */
static int probe_copy(void *dst, const void *src, size_t n)
{
	int sig;

	sig = sigsetjmp(probe_env, 1);
	if (sig)
		return sig;
	probing = 1;
	memcpy(dst, src, n);
	probing = 0;
	return 0;
}

/* ----------------------------------------------------------- coverage */

static uint32_t pc_hash(uint64_t pc)
{
	pc ^= pc >> 33;
	pc *= 0xff51afd7ed558ccdULL;
	pc ^= pc >> 33;
	return (uint32_t)pc;
}

static void pc_note(uint64_t pc)
{
	uint32_t i = pc_hash(pc);
	uint8_t *ctr = &counters[i & (NCOUNTERS - 1)];

	if (*ctr < 255)
		(*ctr)++;
	if (!st.pcset)
		return;
	for (i &= PCSET_SIZE - 1; st.pcset[i]; i = (i + 1) & (PCSET_SIZE - 1))
		if (st.pcset[i] == pc)
			return;
	if (st.npcs >= PCSET_SIZE / 2)
		return;		/* full: far more PCs than kpool has */
	st.pcset[i] = pc;
	st.npcs++;
	if (st.pcs_out) {
		fprintf(st.pcs_out, "%" PRIx64 "\n", pc);
		fflush(st.pcs_out);
	}
}

static void pcs_feed(const uint64_t *cover, uint64_t max)
{
	uint64_t n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	uint64_t i;

	if (n > max - 1)
		n = max - 1;
	for (i = 0; i < n; i++)
		pc_note(cover[i + 1]);
}

/* Open a kcov of @words PCs for this task; -1 without KCOV. */
static int kcov_open(unsigned long words, uint64_t **cover)
{
	int fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return -1;
	if (ioctl(fd, KCOV_INIT_TRACE, words))
		goto fail;
	p = mmap(NULL, words * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	*cover = p;
	return fd;
fail:
	close(fd);
	return -1;
}

static void kcov_start(int fd, uint64_t *cover)
{
	if (fd < 0)
		return;
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		perror("kpool-fuzz: KCOV_ENABLE");
		abort();
	}
}

static void kcov_stop(int fd)
{
	if (fd >= 0 && ioctl(fd, KCOV_DISABLE, 0)) {
		perror("kpool-fuzz: KCOV_DISABLE");
		abort();
	}
}

/* ------------------------------------------------------ picking values */

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!st.trace)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static uint64_t pick_size(uint8_t b, uint32_t w)
{
	static const uint64_t size[] = {
		1, 100, 255, 256, 257, 4095, 4096, 4097, 8192, 12288, 16383,
		16384, 16385, 32767, 32768, 32769, 65536, 1048575, 1048576,
		1048577, (2 << 20) + 1, 4 << 20, 64 << 20, (64 << 20) + 1, 0,
		UINT64_MAX, 1ULL << 63, 1ULL << 32,
	};

	if (b < 224)
		return size[b % ARRAY_SIZE(size)];
	if (b < 248)
		return (w & 0x3fffff) + 1;	/* up to 4 MiB */
	return w;
}

/* A position in (or around) a view of @len bytes. */
static uint64_t pick_pos(uint64_t len, unsigned int sel, uint32_t w)
{
	switch (sel % 13) {
	case 0: return 0;
	case 1: return 1;
	case 2: return len / 2;
	case 3: return len ? len - 1 : 0;
	case 4: return len;
	case 5: return len + 1;
	case 6: return PAGE;
	case 7: return len > PAGE ? len - PAGE : PAGE - 1;
	case 8: return len ? w % len : w;
	case 9: return len ? w % (len + 1) : 0;
	case 10: return w;
	case 11: return UINT64_MAX;
	default: return UINT64_MAX - len + 1 + (w & 7);	/* wraps */
	}
}

static uint32_t pick_count(uint8_t b, uint32_t w)
{
	static const uint32_t count[] = {
		1, 2, 3, 4, 8, 16, 64, 0, KPOOL_BATCH_MAX, KPOOL_BATCH_MAX + 1,
	};

	if (b < 240)
		return count[b % ARRAY_SIZE(count)];
	return w;
}

static int dev_fd(int slot)
{
	slot %= NDEV;
	if (st.dev[slot] < 0)
		st.dev[slot] = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	return st.dev[slot];
}

/* The handle a record names, and the device file to ask. */
static uint32_t pick_handle(const struct rec *r, int *fd, uint64_t *len)
{
	struct hslot *hs = &st.h[r->a % NH];
	int dev = hs->h ? hs->dev : r->a % NDEV;
	uint32_t h = hs->h;

	*len = hs->len;
	if (r->c & 0x08)
		dev++;			/* another file's handle: ENOENT */
	*fd = dev_fd(dev);
	if (!(r->c & 0x10))
		return h;
	switch (r->w & 3) {
	case 0: return 0;
	case 1: return r->w;
	case 2: return h + 1;
	default: return UINT32_MAX;
	}
}

static void keep_handle(unsigned int slot, int fd, uint32_t h, uint64_t len)
{
	struct hslot *hs = &st.h[slot % NH];
	int dev;

	for (dev = 0; dev < NDEV; dev++)
		if (st.dev[dev] == fd)
			break;
	hs->h = h;
	hs->dev = dev % NDEV;
	hs->len = len;
}

/* A kpool mapping to point into, or NULL. */
static char *some_mapping(unsigned int slot, size_t *len)
{
	unsigned int i;

	for (i = 0; i < NMAP; i++) {
		struct mslot *m = &st.m[(slot + i) % NMAP];

		if (m->addr) {
			*len = m->len;
			return m->addr;
		}
	}
	return NULL;
}

/* A user pointer for @n bytes of data, chosen by @where. */
static void *pick_ptr(uint8_t where, unsigned int slot, size_t n, uint32_t w)
{
	size_t len;
	char *m;

	switch (where & 7) {
	case 4:
		return NULL;
	case 5:
		m = some_mapping(slot, &len);
		if (m)
			return m + (len > n ? (w % (len - n + 1)) : 0);
		return st.scratch;
	case 6:
		return st.guard - (n > 1 ? n / 2 : 0);	/* runs into the guard */
	case 7:
		return (where & 0x80) ? (void *)st.ro :
			(void *)0xffff888000000000ULL;
	default:
		return st.scratch;
	}
}

static int errno_ok(int err)
{
	switch (err) {
	case EINVAL: case E2BIG: case ENOENT: case EDQUOT: case EMFILE:
	case ENOMEM: case EFAULT: case EBADF: case ENOTTY:
	/* the read-only additions of spec/uapi.md */
	case EPERM: case EACCES:
		return 1;
	default:
		return 0;
	}
}

/*
 * ioctl() with its argument where @c says (on the stack, NULL, inside a kpool
 * mapping, across the guard page, a kernel address), copied back to @arg
 * afterwards.  Returns 0 or -errno; an errno outside the spec aborts.
 */
static int kio(int op, int fd, unsigned long cmd, void *arg, size_t size,
	       const struct rec *r)
{
	size_t moved = 0;
	void *p = arg;
	int ret, err = 0;

	switch (r->c & 7) {
	case 4:
		p = NULL;
		break;
	case 5:		/* inside one of our kpool mappings */
		p = pick_ptr(r->c, r->a >> 4, size, r->w);
		if (p != st.scratch && probe_copy(p, arg, size) == 0)
			moved = size;
		else
			p = arg;
		break;
	case 6:		/* its second half in the guard page */
		p = st.guard - size / 2;
		moved = size / 2;
		memcpy(p, arg, moved);
		break;
	case 7:
		p = (void *)0xffff888000000000ULL;
		break;
	}
	ret = ioctl(fd, cmd, p);
	if (ret)
		err = errno;
	if (moved)
		probe_copy(arg, p, moved);
	trace("  %s fd=%d arg=%p -> %d%s%s\n", op_name[op], fd, p, ret,
	      err ? " " : "", err ? strerror(err) : "");
	if (ret && !errno_ok(err)) {
		fprintf(stderr, "kpool-fuzz: %s answered errno %d (%s), not in the spec's table\n",
			op_name[op], err, strerror(err));
		abort();
	}
	return ret ? -err : 0;
}

/* ------------------------------------------------------------ ioctls */

static void do_open(const struct rec *r)
{
	static const int mode[] = { O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };
	int slot = r->a % NDEV;

	if (st.dev[slot] >= 0)
		close(st.dev[slot]);
	st.dev[slot] = open(DEV_PATH, mode[r->b & 3] | O_CLOEXEC);
	trace("  open slot %d mode %d -> %d\n", slot, r->b & 3, st.dev[slot]);
}

static void do_close(const struct rec *r)
{
	int slot = r->a % NDEV;

	if (st.dev[slot] >= 0)
		close(st.dev[slot]);
	st.dev[slot] = -1;
}

static void do_alloc(const struct rec *r)
{
	struct kpool_alloc a = { .size = pick_size(r->b, r->w) };
	int fd = dev_fd(r->a);

	if (r->c & 0x20)
		a.flags = 1U << (r->w % 32);
	if (r->c & 0x40)
		a.pad = 1;
	trace("  ALLOC size %" PRIu64 "\n", (uint64_t)a.size);
	if (!kio(OP_ALLOC, fd, KPOOL_IOC_ALLOC, &a, sizeof(a), r)) {
		if (!a.handle || a.capacity < a.size) {
			fprintf(stderr, "kpool-fuzz: ALLOC of %llu gave handle %u, capacity %llu\n",
				a.size, a.handle, a.capacity);
			abort();
		}
		keep_handle(r->a >> 4, fd, a.handle, a.size);
	}
}

static void do_alloc_batch(const struct rec *r)
{
	uint32_t count = pick_count(r->b, r->w);
	uint32_t *hs = (uint32_t *)st.scratch;
	struct kpool_alloc_batch ab = {
		.size = pick_size((uint8_t)r->w, r->w >> 8),
		.count = count,
	};
	int fd = dev_fd(r->a), i;

	ab.handles = (uintptr_t)((r->c & 0x80) ?
		pick_ptr(r->c ^ 0x80, r->a >> 4, count * 4ULL, r->w) : hs);
	if (r->c & 0x20)
		ab.flags = 1U << (r->w % 32);
	trace("  ALLOC_BATCH %u x %" PRIu64 "\n", count, (uint64_t)ab.size);
	if (kio(OP_ALLOC_BATCH, fd, KPOOL_IOC_ALLOC_BATCH, &ab, sizeof(ab), r))
		return;
	if ((void *)(uintptr_t)ab.handles != hs)
		return;
	for (i = 0; i < 4 && i < (int)count; i++)
		keep_handle((r->a >> 4) + i, fd, hs[i], ab.size);
}

static void do_free(const struct rec *r)
{
	struct kpool_handle_arg f = { 0 };
	uint64_t len;
	int fd;

	f.handle = pick_handle(r, &fd, &len);
	if (r->c & 0x40)
		f.pad = 1;
	kio(OP_FREE, fd, KPOOL_IOC_FREE, &f, sizeof(f), r);
}

/* Fill scratch with @n handles from the table (some made up) for batches. */
static uint32_t *handle_array(const struct rec *r, uint32_t n)
{
	uint32_t *hs = (uint32_t *)st.scratch;
	uint32_t i;

	for (i = 0; i < n && i < KPOOL_BATCH_MAX + 1; i++) {
		hs[i] = st.h[(r->a + i) % NH].h;
		if ((r->w >> (i % 32)) & (r->c & 0x10 ? 1 : 0))
			hs[i] ^= 1U << (i % 3);
	}
	return hs;
}

static void do_free_batch(const struct rec *r)
{
	uint32_t n = pick_count(r->b, r->w);
	struct kpool_free_batch fb = { .count = n };
	void *p = handle_array(r, n);
	uint64_t len;
	int fd;

	pick_handle(r, &fd, &len);
	if (r->c & 0x80)
		p = pick_ptr(r->c ^ 0x80, r->a >> 4, n * 4ULL, r->w);
	fb.handles = (uintptr_t)p;
	if (r->c & 0x40)
		fb.done = 7;
	kio(OP_FREE_BATCH, fd, KPOOL_IOC_FREE_BATCH, &fb, sizeof(fb), r);
}

static void do_dup(const struct rec *r)
{
	struct kpool_dup d = { 0 };
	uint64_t len;
	int fd;

	d.handle = pick_handle(r, &fd, &len);
	if (r->c & 0x40)
		d.new_handle = 1;
	if (!kio(OP_DUP, fd, KPOOL_IOC_DUP, &d, sizeof(d), r))
		keep_handle(r->a >> 4, fd, d.new_handle, len);
}

static void do_split(const struct rec *r)
{
	struct kpool_split s = { 0 };
	uint64_t len;
	int fd;

	s.handle = pick_handle(r, &fd, &len);
	s.at = pick_pos(len, r->b, r->w);
	if (r->c & 0x40)
		s.new_handle = 1;
	trace("  SPLIT at %" PRIu64 " of %" PRIu64 "\n", (uint64_t)s.at, len);
	if (!kio(OP_SPLIT, fd, KPOOL_IOC_SPLIT, &s, sizeof(s), r)) {
		st.h[r->a % NH].len = s.at;
		keep_handle(r->a >> 4, fd, s.new_handle, len - s.at);
	}
}

static void do_slice(const struct rec *r)
{
	struct kpool_slice s = { 0 };
	uint64_t len;
	int fd;

	s.handle = pick_handle(r, &fd, &len);
	s.start = pick_pos(len, r->b & 15, r->w);
	s.end = pick_pos(len, r->b >> 4, r->w >> 16);
	if (r->c & 0x40)
		s.new_handle = 1;
	trace("  SLICE [%" PRIu64 ", %" PRIu64 ") of %" PRIu64 "\n",
	      (uint64_t)s.start, (uint64_t)s.end, len);
	if (!kio(OP_SLICE, fd, KPOOL_IOC_SLICE, &s, sizeof(s), r))
		keep_handle(r->a >> 4, fd, s.new_handle, s.end - s.start);
}

static int info_of(int fd, uint32_t h, struct kpool_info *in)
{
	memset(in, 0, sizeof(*in));
	in->handle = h;
	return ioctl(fd, KPOOL_IOC_INFO, in) ? -errno : 0;
}

static void do_info(const struct rec *r)
{
	struct kpool_info in = { 0 };
	uint64_t len;
	int fd;

	in.handle = pick_handle(r, &fd, &len);
	if (r->c & 0x40)
		in.refs = 1;		/* an out field: ignored */
	if (!kio(OP_INFO, fd, KPOOL_IOC_INFO, &in, sizeof(in), r) &&
	    in.handle == st.h[r->a % NH].h)
		st.h[r->a % NH].len = in.length;
}

static void do_rw(const struct rec *r, int op)
{
	struct kpool_rw rw = { 0 };
	uint64_t len;
	int fd;

	rw.handle = pick_handle(r, &fd, &len);
	rw.offset = pick_pos(len, r->b & 15, r->w);
	rw.length = pick_pos(len - (rw.offset < len ? rw.offset : len),
			     r->b >> 4, r->w >> 16);
	if (rw.length > SCRATCH_SIZE && !(r->c & 0x80))
		rw.length = SCRATCH_SIZE;
	rw.data = (uintptr_t)((r->c & 0x80) ?
		pick_ptr(r->c ^ 0x80, r->a >> 4, rw.length, r->w) : st.scratch);
	if (r->c & 0x20)
		rw.flags = 1U << (r->w % 32);
	trace("  %s [%" PRIu64 ", +%" PRIu64 ") of %" PRIu64 " data %#llx\n",
	      op_name[op], (uint64_t)rw.offset, (uint64_t)rw.length, len,
	      (unsigned long long)rw.data);
	kio(op, fd, op == OP_READ ? KPOOL_IOC_READ : KPOOL_IOC_WRITE,
	    &rw, sizeof(rw), r);
}

static void do_materialize(const struct rec *r)
{
	uint32_t n = (r->b & 0x80) ? pick_count(r->b, r->w) : (r->b & 3) + 1;
	struct kpool_materialize mt = { .count = n };
	void *p = handle_array(r, n);
	uint64_t len;
	int fd;

	pick_handle(r, &fd, &len);
	if (r->c & 0x80)
		p = pick_ptr(r->c ^ 0x80, r->a >> 4, n * 4ULL, r->w);
	mt.handles = (uintptr_t)p;
	if (r->c & 0x40)
		mt.new_handle = 5;
	if (!kio(OP_MATERIALIZE, fd, KPOOL_IOC_MATERIALIZE, &mt, sizeof(mt), r))
		keep_handle(r->a >> 4, fd, mt.new_handle, mt.length);
}

static void do_export(const struct rec *r)
{
	struct kpool_export ex = { 0 };
	int *efd = &st.efd[(r->a >> 4) % NEXP];
	uint64_t len;
	int fd;

	ex.handle = pick_handle(r, &fd, &len);
	if (r->c & 0x20)
		ex.flags = 1U << (r->w % 32);
	if (r->c & 0x40)
		ex.pad = 1;
	if (kio(OP_EXPORT, fd, KPOOL_IOC_EXPORT, &ex, sizeof(ex), r))
		return;
	if (*efd >= 0)
		close(*efd);
	*efd = ex.fd;
}

static void do_import(const struct rec *r)
{
	struct kpool_import im = { 0 };
	uint64_t len;
	int fd;

	pick_handle(r, &fd, &len);
	switch (r->b & 7) {
	case 0: case 1: case 2: case 3:
		im.fd = st.efd[r->b % NEXP];
		break;
	case 4:
		im.fd = fd;			/* a device file: EINVAL */
		break;
	case 5:
		im.fd = st.kcov_fd;		/* not kpool's */
		break;
	case 6:
		im.fd = -1;
		break;
	default:
		im.fd = 1000 + (r->w & 0xff);	/* not open */
		break;
	}
	if (r->c & 0x40)
		im.new_handle = 3;
	if (!kio(OP_IMPORT, fd, KPOOL_IOC_IMPORT, &im, sizeof(im), r)) {
		struct kpool_info in;

		len = info_of(fd, im.new_handle, &in) ? 0 : in.length;
		keep_handle(r->a >> 4, fd, im.new_handle, len);
	}
}

static void do_close_export(const struct rec *r)
{
	int *efd = &st.efd[r->a % NEXP];

	if (*efd >= 0)
		close(*efd);
	*efd = -1;
}

static void do_stats(const struct rec *r)
{
	static struct kpool_stats s;

	kio(OP_STATS, dev_fd(r->a), KPOOL_IOC_STATS, &s, sizeof(s), r);
}

static void do_bad_ioctl(const struct rec *r)
{
	static const unsigned int dir[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	unsigned long cmd;
	uint64_t len;
	int fd;

	pick_handle(r, &fd, &len);
	if (r->b & 0x80) {
		/* a real number with another size or direction */
		cmd = _IOC(dir[r->b & 3], KPOOL_IOC_MAGIC, (r->b >> 2) & 15,
			   r->w & 0x3fff);
	} else if (r->b & 0x40) {
		cmd = _IOC(dir[r->b & 3], KPOOL_IOC_MAGIC, 14 + (r->w % 242),
			   (r->w >> 8) & 0x3fff);
	} else {
		/*
		 * Any number, but not of the types the VFS answers itself
		 * before the driver sees them ('T' FIONBIO and friends, 'X'
		 * FIFREEZE, 'f' FS_IOC_*): those are not kpool's to fuzz.
		 */
		unsigned int type = _IOC_TYPE(r->w);

		cmd = r->w;
		if (type == 'T' || type == 'X' || type == 'f')
			cmd ^= 1U << _IOC_TYPESHIFT;
	}
	kio(OP_BAD_IOCTL, fd, cmd, st.scratch, 64, r);
}

/* ---------------------------------------------------------- mappings */

static struct mslot *free_mslot(unsigned int slot)
{
	struct mslot *m = &st.m[slot % NMAP];

	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = NULL;
	return m;
}

static void do_mmap(const struct rec *r)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_NONE,
	};
	struct kpool_info in = { 0 };
	uint64_t off = 0, span = 0, len;
	struct mslot *m;
	int fd, flags;
	size_t mlen;
	void *p;

	if (r->c & 0x80) {
		/* an exported file: offset 0, its span from lseek */
		fd = st.efd[r->a % NEXP];
		if (fd >= 0) {
			off_t end = lseek(fd, 0, SEEK_END);

			span = end > 0 ? end : PAGE;
		}
	} else {
		uint32_t h = pick_handle(r, &fd, &len);

		if (!info_of(fd, h, &in)) {
			off = in.mmap_offset;
			span = ((in.offset + in.length + PAGE - 1) & ~(PAGE - 1)) -
			       (in.offset & ~(PAGE - 1));
		}
	}
	switch (r->b & 7) {
	case 0: case 1: case 2: mlen = span; break;
	case 3: mlen = span > PAGE ? span - PAGE : span; break;
	case 4: mlen = PAGE; break;
	case 5: mlen = span + PAGE; break;
	case 6: mlen = 1 + (r->w & 0x3fff); break;
	default: mlen = (size_t)r->w << 12; break;
	}
	if (!mlen)
		mlen = PAGE;
	if (r->c & 0x10)
		off += (uint64_t)(r->w & 0xff) << 12;
	flags = (r->c & 0x20) ? MAP_PRIVATE : MAP_SHARED;
	if (r->c & 0x40)
		flags |= MAP_POPULATE;
	p = mmap(NULL, mlen, prots[(r->b >> 3) & 3], flags, fd, off);
	trace("  mmap fd=%d off=%#" PRIx64 " len=%zu (span %" PRIu64 ") -> %p\n",
	      fd, off, mlen, span, p);
	if (p == MAP_FAILED)
		return;
	m = free_mslot(r->a >> 4);
	m->addr = p;
	m->len = (mlen + PAGE - 1) & ~(PAGE - 1);
}

static void do_munmap(const struct rec *r)
{
	struct mslot *m = &st.m[r->a % NMAP], *hole;
	size_t pages, at;

	if (!m->addr)
		return;
	pages = m->len / PAGE;
	switch (r->b & 3) {
	case 0:
		free_mslot(r->a);
		return;
	case 1:		/* the first page */
		munmap(m->addr, PAGE);
		m->addr += PAGE;
		m->len -= PAGE;
		break;
	case 2:		/* the last page */
		munmap(m->addr + m->len - PAGE, PAGE);
		m->len -= PAGE;
		break;
	default:	/* a page in the middle: the rest goes to another slot */
		if (pages < 3)
			return;
		hole = &st.m[(r->a >> 4) % NMAP];
		if (hole == m)
			return;
		free_mslot(r->a >> 4);
		at = 1 + r->w % (pages - 2);
		munmap(m->addr + at * PAGE, PAGE);
		hole->addr = m->addr + (at + 1) * PAGE;
		hole->len = m->len - (at + 1) * PAGE;
		m->len = at * PAGE;
		break;
	}
	trace("  munmap part -> slot len %zu\n", m->len);
	if (!m->len)
		m->addr = NULL;
}

static void do_mremap(const struct rec *r)
{
	struct mslot *m = &st.m[r->a % NMAP];
	size_t nlen = m->len;
	void *p, *to = NULL;
	int flags = MREMAP_MAYMOVE;

	if (!m->addr)
		return;
	switch (r->b & 3) {
	case 0: nlen = m->len > PAGE ? m->len - PAGE : m->len; break;
	case 1: nlen = m->len + PAGE; break;	/* VM_DONTEXPAND: fails */
	case 2:				/* move onto a place of our own */
		to = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
		if (to == MAP_FAILED)
			return;
		flags |= MREMAP_FIXED;
		break;
	default:
		flags |= MREMAP_DONTUNMAP;
		break;
	}
	if (r->c & 0x80)
		flags &= ~MREMAP_MAYMOVE & ~MREMAP_FIXED & ~MREMAP_DONTUNMAP;
	p = mremap(m->addr, m->len, nlen, flags, to);
	trace("  mremap %p %zu -> %zu flags %#x -> %p\n", m->addr, m->len,
	      nlen, flags, p);
	if (p == MAP_FAILED) {
		if (to)
			munmap(to, m->len);
		return;
	}
	if (flags & MREMAP_DONTUNMAP) {
		/* the old range stays (empty); keep both */
		struct mslot *o = free_mslot(r->a >> 4);

		if (o != m) {
			o->addr = m->addr;
			o->len = m->len;
		} else {
			munmap(m->addr, m->len);
		}
	}
	m->addr = p;
	m->len = nlen;
}

static void do_madvise(const struct rec *r)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_REMOVE, MADV_FREE, MADV_WILLNEED,
		MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
		MADV_HUGEPAGE,
	};
	struct mslot *m = &st.m[r->a % NMAP];
	size_t len;
	int ret;

	if (!m->addr)
		return;
	len = (r->c & 0x80) ? PAGE : m->len;
	ret = madvise(m->addr, len, advice[r->b % ARRAY_SIZE(advice)]);
	trace("  madvise %p %zu advice %d -> %d\n", m->addr, len,
	      advice[r->b % ARRAY_SIZE(advice)], ret);
}

static void do_mprotect(const struct rec *r)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_WRITE,
		PROT_READ | PROT_EXEC,
	};
	struct mslot *m = &st.m[r->a % NMAP];

	if (m->addr)
		mprotect(m->addr, (r->c & 0x80) ? PAGE : m->len,
			 prots[r->b % ARRAY_SIZE(prots)]);
}

static void do_touch(const struct rec *r)
{
	struct mslot *m = &st.m[r->a % NMAP];
	char *p, v = (char)r->w;
	int sig;

	if (!m->addr)
		return;
	p = m->addr + (r->w % m->len);
	if (r->b & 1)
		sig = probe_copy(p, &v, 1);
	else
		sig = probe_copy(&v, p, 1);
	if (sig == SIGBUS)
		st.faults_bus++;
	else if (sig)
		st.faults_segv++;
	trace("  touch %s %p -> %s\n", (r->b & 1) ? "write" : "read", p,
	      sig == SIGBUS ? "SIGBUS" : sig ? "SIGSEGV" : "ok");
}

static void do_remap_pages(const struct rec *r)
{
	struct mslot *m = &st.m[r->a % NMAP];
	long ret;

	if (!m->addr)
		return;
	ret = syscall(SYS_remap_file_pages, m->addr, PAGE, 0,
		      (unsigned long)(r->w & 0xffff), 0);
	trace("  remap_file_pages %p pgoff %u -> %ld\n", m->addr,
	      r->w & 0xffff, ret);
}

/* ------------------------------------------------------------- driver */

static void run_ops(const struct rec *rec, int n);

/* The child runs the next @n records, traced by a kcov of its own. */
static int do_fork(const struct rec *rec, int left)
{
	int n = (rec->b & 3) + 1, status;
	pid_t pid;

	if (n > left)
		n = left;
	if (st.in_child)
		return n;		/* no grandchildren */
	if (st.child_cover)
		st.child_cover[0] = 0;
	pid = fork();
	if (pid < 0)
		return n;
	if (pid == 0) {
		uint64_t *cover = NULL;
		int kfd;

		st.in_child = 1;
		kfd = kcov_open(CHILD_WORDS, &cover);
		kcov_start(kfd, cover);
		run_ops(rec + 1, n);
		kcov_stop(kfd);
		if (kfd >= 0 && st.child_cover) {
			uint64_t c = cover[0];

			if (c > CHILD_WORDS - 1)
				c = CHILD_WORDS - 1;
			memcpy(st.child_cover + 1, cover + 1, c * 8);
			__atomic_store_n(&st.child_cover[0], c, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "kpool-fuzz: the forked child ended with status %#x\n",
			status);
		abort();
	}
	if (st.child_cover)
		pcs_feed(st.child_cover, CHILD_WORDS);
	return n;
}

static void run_ops(const struct rec *rec, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct rec *r = &rec[i];
		enum op op = r->op % NOPS;

		st.ops[op]++;
		trace("%s%d: %s a=%#x b=%#x c=%#x w=%#x\n",
		      st.in_child ? "child " : "", i, op_name[op], r->a, r->b,
		      r->c, r->w);
		switch (op) {
		case OP_OPEN: do_open(r); break;
		case OP_CLOSE: do_close(r); break;
		case OP_ALLOC: do_alloc(r); break;
		case OP_ALLOC_BATCH: do_alloc_batch(r); break;
		case OP_FREE: do_free(r); break;
		case OP_FREE_BATCH: do_free_batch(r); break;
		case OP_DUP: do_dup(r); break;
		case OP_SPLIT: do_split(r); break;
		case OP_SLICE: do_slice(r); break;
		case OP_INFO: do_info(r); break;
		case OP_READ: do_rw(r, OP_READ); break;
		case OP_WRITE: do_rw(r, OP_WRITE); break;
		case OP_MATERIALIZE: do_materialize(r); break;
		case OP_EXPORT: do_export(r); break;
		case OP_IMPORT: do_import(r); break;
		case OP_CLOSE_EXPORT: do_close_export(r); break;
		case OP_STATS: do_stats(r); break;
		case OP_BAD_IOCTL: do_bad_ioctl(r); break;
		case OP_MMAP: do_mmap(r); break;
		case OP_MUNMAP: do_munmap(r); break;
		case OP_MREMAP: do_mremap(r); break;
		case OP_MADVISE: do_madvise(r); break;
		case OP_MPROTECT: do_mprotect(r); break;
		case OP_TOUCH: do_touch(r); break;
		case OP_REMAP_PAGES: do_remap_pages(r); break;
		case OP_FORK: i += do_fork(r, n - i - 1); break;
		default: break;
		}
	}
}

/* Unmap, close and forget everything an input made. */
static void release_all(void)
{
	int i;

	for (i = 0; i < NMAP; i++)
		free_mslot(i);
	for (i = 0; i < NEXP; i++) {
		if (st.efd[i] >= 0)
			close(st.efd[i]);
		st.efd[i] = -1;
	}
	for (i = 0; i < NDEV; i++) {
		if (st.dev[i] >= 0)
			close(st.dev[i]);
		st.dev[i] = -1;
	}
	memset(st.h, 0, sizeof(st.h));
}

/* Nothing may be left: no handle, mapping, export or byte.  0 when so. */
static int stats_zero(const char *when)
{
	struct kpool_stats s = { 0 };

	if (ioctl(st.stats_fd, KPOOL_IOC_STATS, &s)) {
		fprintf(stderr, "kpool-fuzz: STATS failed: %s\n", strerror(errno));
		return -1;
	}
	if (!s.handles && !s.mappings && !s.exports && !s.bytes_in_use)
		return 0;
	fprintf(stderr, "kpool-fuzz: %s: STATS not at zero: handles %llu, mappings %llu, exports %llu, bytes_in_use %llu\n",
		when, s.handles, s.mappings, s.exports, s.bytes_in_use);
	return -1;
}

static void at_exit(void)
{
	struct kpool_stats s = { 0 };
	unsigned long total = 0;
	int i;

	release_all();
	for (i = 0; i < NOPS; i++)
		total += st.ops[i];
	printf("kpool-fuzz: %lu inputs, %lu operations, %lu unique PCs\n",
	       st.inputs, total, st.npcs);
	printf("kpool-fuzz: ops");
	for (i = 0; i < NOPS; i++)
		printf(" %s=%lu", op_name[i], st.ops[i]);
	printf("\n");
	printf("kpool-fuzz: faults while touching mappings: SIGSEGV %lu, SIGBUS %lu\n",
	       st.faults_segv, st.faults_bus);
	if (ioctl(st.stats_fd, KPOOL_IOC_STATS, &s)) {
		printf("kpool-fuzz: final STATS failed: %s\n", strerror(errno));
		fflush(stdout);
		_exit(1);
	}
	printf("kpool-fuzz: final stats handles=%llu mappings=%llu exports=%llu bytes_in_use=%llu\n",
	       s.handles, s.mappings, s.exports, s.bytes_in_use);
	fflush(stdout);
	if (s.handles || s.mappings || s.exports || s.bytes_in_use)
		_exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sigaction sa = { .sa_handler = on_fault };
	const char *pcs = getenv("KPOOL_FUZZ_PCS");
	int i;

	(void)argc;
	(void)argv;
	st.trace = getenv("KPOOL_FUZZ_TRACE") && *getenv("KPOOL_FUZZ_TRACE") == '1';
	for (i = 0; i < NDEV; i++)
		st.dev[i] = -1;
	for (i = 0; i < NEXP; i++)
		st.efd[i] = -1;
	/* A plain handler: libFuzzer leaves SIGSEGV and SIGBUS to it. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	st.stats_fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (st.stats_fd < 0) {
		perror("kpool-fuzz: " DEV_PATH);
		exit(2);
	}
	st.scratch = mmap(NULL, SCRATCH_SIZE + PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	st.ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	st.child_cover = mmap(NULL, CHILD_WORDS * 8, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	st.pcset = calloc(PCSET_SIZE, sizeof(*st.pcset));
	if (st.scratch == MAP_FAILED || st.ro == MAP_FAILED ||
	    st.child_cover == MAP_FAILED || !st.pcset) {
		perror("kpool-fuzz: setup");
		exit(2);
	}
	st.guard = st.scratch + SCRATCH_SIZE;
	mprotect(st.guard, PAGE, PROT_NONE);

	st.kcov_fd = kcov_open(COVER_WORDS, &st.cover);
	if (st.kcov_fd < 0)
		fprintf(stderr, "kpool-fuzz: no %s (%s): running without coverage\n",
			KCOV_PATH, strerror(errno));
	if (pcs && *pcs) {
		st.pcs_out = fopen(pcs, "a");
		if (!st.pcs_out)
			perror(pcs);
	}
	if (stats_zero("at start"))
		exit(2);
	atexit(at_exit);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec rec[MAX_OPS];
	size_t n = (size + REC_SIZE - 1) / REC_SIZE, i;

	if (n > MAX_OPS)
		n = MAX_OPS;
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < n; i++) {
		uint8_t b[REC_SIZE] = { 0 };
		size_t k = size - i * REC_SIZE;

		memcpy(b, data + i * REC_SIZE, k < REC_SIZE ? k : REC_SIZE);
		rec[i].op = b[0];
		rec[i].a = b[1];
		rec[i].b = b[2];
		rec[i].c = b[3];
		rec[i].w = b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24;
	}
	st.inputs++;
	trace("input %lu: %zu operations\n", st.inputs, n);

	kcov_start(st.kcov_fd, st.cover);
	/* Every input begins with a device file: no input covers nothing. */
	dev_fd(0);
	run_ops(rec, (int)n);
	release_all();
	kcov_stop(st.kcov_fd);
	if (st.kcov_fd >= 0)
		pcs_feed(st.cover, COVER_WORDS);

	if (stats_zero("after the input"))
		abort();
	return 0;
}
