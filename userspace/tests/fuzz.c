// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: a seeded storm of random, mostly hostile calls on two open files:
 * every ioctl with random handles (live, freed, the other file's, made up),
 * random sizes, offsets and lengths (0, at the edges, past them, wrapping
 * u64), random user pointers (valid, NULL, unmapped, kernel addresses),
 * random mmap offsets, lengths and flags, exports and imports of random
 * descriptors, partial munmaps, and forks that keep going in the child.
 *
 * The guest runner loads kpool with max_file_bytes=64 MiB for it, so that
 * random sizes cannot exhaust the guest's memory (and EDQUOT comes up).
 * It checks that every call fails only with an errno of the spec's table,
 * and, after everything is closed, that nothing is left behind; the VM's
 * guest checks (KASAN, lockdep, kmemleak, refcount_t) do the rest.
 *
 * Usage: fuzz [SEED [OPERATIONS]].  The suite runs it with the fixed
 * default seed, so that a failure in CI replays exactly; give another seed
 * to explore, e.g. scripts/vm-run userspace/tests/build/fuzz 1234 100000.
 */
#include "kt.h"

#include <sys/wait.h>

#define NFILES		2
#define NHANDLES	512
#define NMAPS		64
#define NEXPORTS	16

enum op {
	OP_ALLOC, OP_ALLOC_BATCH, OP_FREE, OP_FREE_BATCH, OP_DUP, OP_SPLIT,
	OP_SLICE, OP_INFO, OP_READ, OP_WRITE, OP_MATERIALIZE, OP_EXPORT,
	OP_IMPORT, OP_CLOSE_EXPORT, OP_MMAP, OP_MUNMAP, OP_TOUCH, OP_BAD_CMD,
	OP_FORK, NOPS
};

static const char *const op_name[NOPS] = {
	"ALLOC", "ALLOC_BATCH", "FREE", "FREE_BATCH", "DUP", "SPLIT", "SLICE",
	"INFO", "READ", "WRITE", "MATERIALIZE", "EXPORT", "IMPORT",
	"close(export)", "mmap", "munmap", "touch mapping", "unknown ioctl",
	"fork",
};

struct map {
	char *addr;
	size_t len;
};

static struct {
	uint64_t rng;
	int fd[NFILES];
	uint32_t h[NHANDLES];		/* handles seen, live or not */
	int efd[NEXPORTS];		/* exported fds, -1 when closed */
	struct map map[NMAPS];
	unsigned long calls[NOPS], bad[NOPS];
	int bad_errno[NOPS];
	char scratch[3 * 4096];
	uint32_t batch[KPOOL_BATCH_MAX + 1];	/* room for any valid count */
	char *ro;			/* a read-only page */
} st;

static uint64_t rnd(void)
{
	/* xorshift64*: small, seedable, good enough to pick arguments. */
	st.rng ^= st.rng >> 12;
	st.rng ^= st.rng << 25;
	st.rng ^= st.rng >> 27;
	return st.rng * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A length or offset: small, near a tier edge, huge, or wrapping. */
static uint64_t pick_u64(void)
{
	static const uint64_t edge[] = {
		0, 1, 255, 256, 257, 4095, 4096, 4097, 16384, 32768, 32769,
		1048576, 1048577, 3 << 20, (64ULL << 20) + 1,
		UINT32_MAX, (uint64_t)INT64_MAX, UINT64_MAX - 4095,
		UINT64_MAX,
	};

	switch (below(4)) {
	case 0:
		return edge[below(KT_ARRAY_SIZE(edge))];
	case 1:
		return below(5000);
	case 2:
		return below(1 << 21);
	default:
		return rnd();
	}
}

static uint32_t pick_handle(void)
{
	if (chance(10))
		return (uint32_t)rnd();
	return st.h[below(NHANDLES)];
}

static void keep_handle(uint32_t h)
{
	st.h[below(NHANDLES)] = h;
}

static int pick_fd(void)
{
	return st.fd[below(NFILES)];
}

/* A user pointer for @len bytes: usually good, sometimes anything but. */
static uint64_t pick_ptr(int for_write)
{
	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 0xffff888000000000ULL;	/* the kernel's direct map */
	case 3:
		return for_write ? (uint64_t)(uintptr_t)st.ro :
				   (uint64_t)(uintptr_t)st.scratch;
	default:
		return (uint64_t)(uintptr_t)st.scratch;
	}
}

/* Lengths that fit st.scratch when the pointer is st.scratch. */
static uint64_t pick_len(void)
{
	return chance(80) ? below(sizeof(st.scratch)) : pick_u64();
}

/* Every errno an ioctl of the spec may answer. */
static int errno_ok(int err)
{
	switch (err) {
	case 0:
	case EINVAL:
	case E2BIG:
	case ENOENT:
	case EDQUOT:
	case EMFILE:
	case ENOMEM:
	case EFAULT:
	case EBADF:
	case ENOTTY:
		return 1;
	default:
		return 0;
	}
}

static void note(enum op op, int ret)
{
	st.calls[op]++;
	if (!errno_ok(-ret)) {
		if (!st.bad[op]++)
			st.bad_errno[op] = -ret;
	}
}

static int io(enum op op, int fd, unsigned long cmd, void *arg)
{
	int ret = kt_io(fd, cmd, arg);

	note(op, ret);
	return ret;
}

static void do_alloc(void)
{
	struct kpool_alloc a = { .size = pick_u64() };

	if (chance(5))
		a.flags = 1;
	if (chance(5))
		a.pad = 1;
	if (chance(50))
		a.size = below(40000) + 1;
	if (!io(OP_ALLOC, pick_fd(), KPOOL_IOC_ALLOC, &a))
		keep_handle(a.handle);
}

/* A count: mostly a few, sometimes anything (0, the maximum, past it). */
static uint32_t pick_count(void)
{
	return chance(90) ? below(8) + 1 : (uint32_t)pick_u64();
}

static void do_alloc_batch(void)
{
	struct kpool_alloc_batch b = {
		.size = chance(80) ? below(70000) + 1 : pick_u64(),
		.count = pick_count(),
		.handles = chance(90) ? (uint64_t)(uintptr_t)st.batch :
					pick_ptr(1),
	};
	unsigned int i;

	/* st.scratch, which pick_ptr() may give, holds 3072 handles. */
	if (!io(OP_ALLOC_BATCH, pick_fd(), KPOOL_IOC_ALLOC_BATCH, &b) &&
	    b.handles == (uint64_t)(uintptr_t)st.batch)
		for (i = 0; i < b.count; i++)
			keep_handle(st.batch[i]);
}

static void do_free(void)
{
	struct kpool_handle_arg h = { .handle = pick_handle() };

	if (chance(3))
		h.pad = 1;
	io(OP_FREE, pick_fd(), KPOOL_IOC_FREE, &h);
}

/* A handle array to read: st.batch with a few picked handles, or not. */
static uint64_t pick_handles(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		st.batch[i] = pick_handle();
	return chance(90) ? (uint64_t)(uintptr_t)st.batch : pick_ptr(0);
}

static void do_free_batch(void)
{
	struct kpool_free_batch b = {
		.handles = pick_handles(),
		.count = pick_count(),
	};

	io(OP_FREE_BATCH, pick_fd(), KPOOL_IOC_FREE_BATCH,
	   chance(97) ? (void *)&b : (void *)st.ro);
}

static void do_view_op(enum op op)
{
	struct kpool_dup d = { .handle = pick_handle() };
	struct kpool_split sp = { .handle = pick_handle(), .at = pick_u64() };
	struct kpool_slice sl = {
		.handle = pick_handle(), .start = pick_u64(), .end = pick_u64(),
	};
	int ret;

	switch (op) {
	case OP_DUP:
		if (!io(op, pick_fd(), KPOOL_IOC_DUP, &d))
			keep_handle(d.new_handle);
		break;
	case OP_SPLIT:
		if (chance(70))
			sp.at = below(5000);
		if (!io(op, pick_fd(), KPOOL_IOC_SPLIT, &sp))
			keep_handle(sp.new_handle);
		break;
	default:
		if (chance(70)) {
			sl.start = below(3000);
			sl.end = sl.start + below(3000);
		}
		ret = io(op, pick_fd(), KPOOL_IOC_SLICE, &sl);
		if (!ret)
			keep_handle(sl.new_handle);
		break;
	}
}

static void do_info(void)
{
	struct kpool_info info = { .handle = pick_handle() };

	io(OP_INFO, pick_fd(), KPOOL_IOC_INFO,
	   chance(95) ? (void *)&info : (void *)st.ro);
}

static void do_rw(enum op op)
{
	struct kpool_rw rw = {
		.handle = pick_handle(),
		.offset = chance(70) ? below(5000) : pick_u64(),
		.length = pick_len(),
		.data = pick_ptr(op == OP_READ),
	};

	if (chance(3))
		rw.flags = 1;
	/* An unbounded length is only safe with a pointer that faults. */
	if (rw.data == (uint64_t)(uintptr_t)st.scratch &&
	    rw.length > sizeof(st.scratch))
		rw.length = sizeof(st.scratch);
	io(op, pick_fd(), op == OP_READ ? KPOOL_IOC_READ : KPOOL_IOC_WRITE,
	   &rw);
}

static void do_materialize(void)
{
	struct kpool_materialize m = {
		.handles = pick_handles(),
		.count = pick_count(),
	};

	if (!io(OP_MATERIALIZE, pick_fd(), KPOOL_IOC_MATERIALIZE, &m))
		keep_handle(m.new_handle);
}

static void do_export(void)
{
	struct kpool_export e = {
		.handle = pick_handle(),
		.flags = chance(90) ? O_CLOEXEC : (uint32_t)rnd(),
	};
	int slot = below(NEXPORTS);

	if (io(OP_EXPORT, pick_fd(), KPOOL_IOC_EXPORT, &e))
		return;
	if (st.efd[slot] >= 0)
		close(st.efd[slot]);
	st.efd[slot] = e.fd;
}

static void do_import(void)
{
	struct kpool_import im = { .fd = st.efd[below(NEXPORTS)] };

	if (chance(20))
		im.fd = chance(50) ? pick_fd() : (int)below(64);
	if (!io(OP_IMPORT, pick_fd(), KPOOL_IOC_IMPORT, &im))
		keep_handle(im.new_handle);
}

static void do_close_export(void)
{
	int slot = below(NEXPORTS);

	note(OP_CLOSE_EXPORT, 0);
	if (st.efd[slot] >= 0)
		close(st.efd[slot]);
	st.efd[slot] = -1;
}

static void do_mmap(void)
{
	struct map *m = &st.map[below(NMAPS)];
	size_t len = (below(4) + 1) * KT_PAGE;
	int flags = chance(90) ? MAP_SHARED : MAP_PRIVATE;
	int prot = chance(80) ? PROT_READ | PROT_WRITE : PROT_READ;
	int efd = st.efd[below(NEXPORTS)];
	uint64_t off;
	int fd;
	void *p;

	if (efd >= 0 && chance(30)) {
		fd = efd;
		off = chance(90) ? 0 : KT_PAGE;
	} else {
		fd = pick_fd();
		off = (uint64_t)pick_handle() * KT_PAGE;
	}
	p = mmap(NULL, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		note(OP_MMAP, -errno);
		return;
	}
	note(OP_MMAP, 0);
	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = p;
	m->len = len;
	if (prot & PROT_WRITE)
		memset(p, 0x5a, len);
}

/*
 * Unmap a middle run of pages, then the rest after it: two VMA splits
 * (->open and ->close on the pieces).  The slot keeps the front part, so
 * nothing this program no longer owns is ever unmapped later.
 */
static void do_munmap(void)
{
	struct map *m = &st.map[below(NMAPS)];
	size_t pages, first, n;

	note(OP_MUNMAP, 0);
	if (!m->addr)
		return;
	pages = m->len / KT_PAGE;
	first = below(pages);
	n = below(pages - first) + 1;
	munmap(m->addr + first * KT_PAGE, n * KT_PAGE);
	if (first + n < pages)
		munmap(m->addr + (first + n) * KT_PAGE,
		       (pages - first - n) * KT_PAGE);
	m->len = first * KT_PAGE;
	if (!m->len)
		m->addr = NULL;
}

static void do_touch(void)
{
	struct map *m = &st.map[below(NMAPS)];
	struct kpool_rw rw = { .handle = pick_handle() };

	note(OP_TOUCH, 0);
	if (!m->addr)
		return;
	/* An ioctl whose user pointer is one of our own mappings. */
	rw.length = KT_PAGE;
	rw.data = (uint64_t)(uintptr_t)m->addr;
	io(chance(50) ? OP_READ : OP_WRITE, pick_fd(),
	   chance(50) ? KPOOL_IOC_READ : KPOOL_IOC_WRITE, &rw);
}

static void do_bad_cmd(void)
{
	io(OP_BAD_CMD, pick_fd(), _IOWR(0xB8, 0x40 + below(64), uint64_t),
	   st.scratch);
}

static void step(enum op op);

/* The child keeps going on the inherited files and mappings, then exits. */
static void do_fork(void)
{
	pid_t pid;
	int status, i;

	note(OP_FORK, 0);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		for (i = 0; i < 200; i++)
			step(below(OP_FORK));
		_exit(0);
	}
	waitpid(pid, &status, 0);
}

static void step(enum op op)
{
	switch (op) {
	case OP_ALLOC:
		do_alloc();
		break;
	case OP_ALLOC_BATCH:
		do_alloc_batch();
		break;
	case OP_FREE:
		do_free();
		break;
	case OP_FREE_BATCH:
		do_free_batch();
		break;
	case OP_DUP:
	case OP_SPLIT:
	case OP_SLICE:
		do_view_op(op);
		break;
	case OP_INFO:
		do_info();
		break;
	case OP_READ:
	case OP_WRITE:
		do_rw(op);
		break;
	case OP_MATERIALIZE:
		do_materialize();
		break;
	case OP_EXPORT:
		do_export();
		break;
	case OP_IMPORT:
		do_import();
		break;
	case OP_CLOSE_EXPORT:
		do_close_export();
		break;
	case OP_MMAP:
		do_mmap();
		break;
	case OP_MUNMAP:
		do_munmap();
		break;
	case OP_TOUCH:
		do_touch();
		break;
	case OP_BAD_CMD:
		do_bad_cmd();
		break;
	default:
		do_fork();
		break;
	}
}

static unsigned long arg_ul(int argc, char **argv, int i,
			    unsigned long def)
{
	return i < argc ? strtoul(argv[i], NULL, 0) : def;
}

int main(int argc, char **argv)
{
	unsigned long ops, i;
	unsigned int k;
	long long t0;

	kt_begin();
	st.rng = arg_ul(argc, argv, 1, 20261125);
	if (!st.rng)
		st.rng = 1;
	ops = arg_ul(argc, argv, 2, 20000);
	kt_diag("seed %llu, %lu operations ('fuzz %llu %lu' replays them)",
		(unsigned long long)st.rng, ops, (unsigned long long)st.rng,
		ops);

	st.ro = mmap(NULL, KT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (!kt_ok(st.ro != MAP_FAILED, "a read-only page for bad pointers"))
		return kt_end();
	for (k = 0; k < NFILES; k++)
		st.fd[k] = kt_open();
	for (k = 0; k < NEXPORTS; k++)
		st.efd[k] = -1;
	if (!kt_ok(st.fd[0] >= 0 && st.fd[1] >= 0, "open %s twice", KT_DEV))
		return kt_end();

	t0 = kt_ms();
	for (i = 0; i < ops; i++)
		step(chance(1) ? OP_FORK : below(OP_FORK));
	kt_diag("%lu operations in %lld ms", ops, kt_ms() - t0);

	for (k = 0; k < NOPS; k++)
		kt_ok(!st.bad[k],
		      "%s: %lu calls, every failure an errno of the spec (first other: %s)",
		      op_name[k], st.calls[k],
		      st.bad[k] ? kt_errname(st.bad_errno[k]) : "none");

	for (k = 0; k < NMAPS; k++)
		if (st.map[k].addr)
			munmap(st.map[k].addr, st.map[k].len);
	for (k = 0; k < NEXPORTS; k++)
		if (st.efd[k] >= 0)
			close(st.efd[k]);
	for (k = 0; k < NFILES; k++)
		close(st.fd[k]);
	munmap(st.ro, KT_PAGE);
	return kt_end();
}
