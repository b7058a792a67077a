// SPDX-License-Identifier: GPL-2.0
/*
 * race: calls racing the end of what they use.
 *
 *  - FREE of a handle racing mmap, EXPORT, SPLIT (two of them), SLICE,
 *    MATERIALIZE, READ and DUP of it, threads on one file: each call
 *    succeeds or answers the errno the race explains (ENOENT for the freed
 *    handle, EINVAL from mmap of a freed handle, EINVAL for a SPLIT or
 *    SLICE range that a racing SPLIT made too long); a failed call writes
 *    nothing back; what succeeded shows the buffer's bytes;
 *  - close() of the file racing the same calls: EBADF too; once close()
 *    returned and the threads are done, no handle of the file is left,
 *    while its mappings and exported fds stay valid;
 *  - munmap and remapping racing a thread that touches the mapping's
 *    pages (SIGSEGV in the toucher is expected and caught with
 *    sigsetjmp; SIGBUS is not, nor a wrong byte), slab- and page-backed;
 *  - fork storms: children (and grandchildren) of a process with
 *    mappings of every tier and the fallback do random partial munmaps,
 *    mremap moves and shrinks, mprotect and madvise, and check after each
 *    step that every byte they still map is the one WRITE put there;
 *  - ioctl argument structs and READ/WRITE data inside a kpool mapping of
 *    the same file while another thread unmaps and remaps it: only success
 *    or EFAULT (and lockdep, in the test kernel, stays quiet).
 * Everything ends at zero.  Each part stops early when it has used its
 * share of the time budget (the test kernel runs KASAN and lockdep under
 * TCG emulation); the rounds done are printed.
 */
#include "kt.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>

#define PATTERN_SEED	11

static int fd;

/* The kt_fill() byte at offset @i. */
static inline unsigned char pat(uint32_t seed, size_t i)
{
	return (unsigned char)((seed * 131 + i * 7 + (i >> 8)) | 1);
}

static void spin(unsigned int n)
{
	volatile unsigned int i;

	for (i = 0; i < n; i++)
		;
}

/* ------------------------------------------------------ protected access */

static __thread sigjmp_buf probe_jmp;
static __thread volatile sig_atomic_t probing;

static void probe_handler(int sig)
{
	if (probing) {
		probing = 0;
		siglongjmp(probe_jmp, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void probe_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/*
 * Check @len bytes at @p against the pattern from buffer offset @off:
 * -1 when right, the first wrong index, or -SIGSEGV / -SIGBUS.
 */
static long probe_check(const volatile unsigned char *p, size_t len, size_t off)
{
	size_t i;
	int sig;

	sig = sigsetjmp(probe_jmp, 1);
	if (sig)
		return -sig;
	probing = 1;
	for (i = 0; i < len; i++) {
		if (p[i] != pat(PATTERN_SEED, off + i)) {
			probing = 0;
			return (long)i;
		}
	}
	probing = 0;
	return -1;
}

/* ------------------------------------------------------ calls vs FREE/close */

enum race_op { R_MMAP, R_EXPORT, R_SPLIT1, R_SPLIT2, R_SLICE, R_MAT, R_READ,
	       R_DUP, R_NOPS };

static const char *const op_names[R_NOPS] = {
	"mmap", "EXPORT", "SPLIT", "SPLIT", "SLICE", "MATERIALIZE", "READ", "DUP",
};

#define RACE_SIZE	16384
#define RACE_FD_MIN	200	/* the raced file sits above the fds EXPORT makes */

static pthread_barrier_t barrier;
static atomic_int race_stop;
static int race_fd = -1;
static uint32_t race_h;
static uint64_t race_moff;
static unsigned int race_round;

struct race_res {
	int ret;
	int wrote;		/* a failed call wrote its answer field */
	uint32_t nh;
	uint64_t at;
	int efd;
	void *map;
	unsigned char data[64];
};

static struct race_res res[R_NOPS];

static void race_call(enum race_op op, struct race_res *r)
{
	switch (op) {
	case R_MMAP: {
		void *p = mmap(NULL, KT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			       race_fd, (off_t)race_moff);

		r->ret = p == MAP_FAILED ? -errno : 0;
		r->map = p == MAP_FAILED ? NULL : p;
		break;
	}
	case R_EXPORT: {
		struct kpool_export e = { .handle = race_h, .fd = -1 };

		r->ret = kt_io(race_fd, KPOOL_IOC_EXPORT, &e);
		r->efd = r->ret ? -1 : e.fd;
		r->wrote = r->ret && e.fd != -1;
		break;
	}
	case R_SPLIT1:
	case R_SPLIT2: {
		struct kpool_split s = { .handle = race_h };

		/* two splitters at different places, both past READ's bytes */
		s.at = op == R_SPLIT1 ? 9500 - race_round % 7 * 1000 :
		       4000 + race_round % 5 * 1000;
		r->at = s.at;
		r->ret = kt_io(race_fd, KPOOL_IOC_SPLIT, &s);
		r->nh = r->ret ? 0 : s.new_handle;
		r->wrote = r->ret && s.new_handle;
		break;
	}
	case R_SLICE: {
		struct kpool_slice s = { .handle = race_h, .start = 32, .end = 6000 };

		r->ret = kt_io(race_fd, KPOOL_IOC_SLICE, &s);
		r->nh = r->ret ? 0 : s.new_handle;
		r->wrote = r->ret && s.new_handle;
		break;
	}
	case R_MAT: {
		uint32_t hs[1] = { race_h };
		struct kpool_materialize m = { .handles = (uintptr_t)hs, .count = 1 };

		r->ret = kt_io(race_fd, KPOOL_IOC_MATERIALIZE, &m);
		r->nh = r->ret ? 0 : m.new_handle;
		r->wrote = r->ret && (m.new_handle || m.length);
		break;
	}
	case R_READ:
		r->ret = kt_read(race_fd, race_h, 0, r->data, sizeof(r->data));
		break;
	case R_DUP: {
		struct kpool_dup d = { .handle = race_h };

		r->ret = kt_io(race_fd, KPOOL_IOC_DUP, &d);
		r->nh = r->ret ? 0 : d.new_handle;
		r->wrote = r->ret && d.new_handle;
		break;
	}
	default:
		break;
	}
}

static void *race_thread(void *arg)
{
	enum race_op op = (enum race_op)(uintptr_t)arg;
	unsigned int seed = op * 131 + 7;

	for (;;) {
		pthread_barrier_wait(&barrier);
		if (atomic_load(&race_stop))
			break;
		memset(&res[op], 0, sizeof(res[op]));
		res[op].efd = -1;
		spin(rand_r(&seed) % 40000);
		race_call(op, &res[op]);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

/* Is @ret an answer the race explains? */
static int race_ok(enum race_op op, int ret, int closing)
{
	if (!ret || (closing && ret == -EBADF))
		return 1;
	switch (op) {
	case R_MMAP:
		return ret == -EINVAL;
	case R_SPLIT1:
	case R_SPLIT2:
	case R_SLICE:
		return ret == -ENOENT || ret == -EINVAL;
	default:
		return ret == -ENOENT;
	}
}

struct race_tally {
	int bad_ret, wrote, bad_bytes, left_handles, won[R_NOPS];
};

/* Check what succeeded, then drop it.  @f: a file to import into. */
static void race_check(struct race_tally *t, int closing, int f)
{
	unsigned char buf[64];
	enum race_op op;
	size_t i;

	for (op = 0; op < R_NOPS; op++) {
		struct race_res *r = &res[op];
		struct kpool_info info;
		uint64_t off = 0;
		int rret = 0;

		if (!race_ok(op, r->ret, closing)) {
			if (t->bad_ret++ < 5)
				kt_diag("round %u: %s answered %s", race_round,
					op_names[op], kt_errname(-r->ret));
		}
		if (r->wrote && t->wrote++ < 5)
			kt_diag("round %u: a failed %s (%s) wrote its answer back",
				race_round, op_names[op], kt_errname(-r->ret));
		if (r->ret)
			continue;
		t->won[op]++;
		memset(buf, 0, sizeof(buf));
		memset(&info, 0, sizeof(info));
		switch (op) {
		case R_MMAP:
			memcpy(buf, r->map, sizeof(buf));
			munmap(r->map, KT_PAGE);
			break;
		case R_EXPORT: {
			uint32_t h;

			if (!kt_import(f, r->efd, &h)) {
				kt_read(f, h, 0, buf, sizeof(buf));
				kt_free(f, h);
			}
			close(r->efd);
			break;
		}
		case R_READ:
			memcpy(buf, r->data, sizeof(buf));
			break;
		default:
			/* handles of a closed file are gone with it */
			if (closing)
				continue;
			off = op == R_SLICE ? 32 : op == R_SPLIT1 || op == R_SPLIT2 ? r->at : 0;
			rret = kt_read(fd, r->nh, 0, buf, sizeof(buf));
			kt_info(fd, r->nh, &info);
			kt_free(fd, r->nh);
			break;
		}
		for (i = 0; i < sizeof(buf); i++)
			if (buf[i] != pat(PATTERN_SEED, off + i))
				break;
		if (i < sizeof(buf) && t->bad_bytes++ < 5)
			kt_diag("round %u: what %s made shows a wrong byte at %zu (READ %s; new handle %u [%llu,+%llu))",
				race_round, op_names[op], i, kt_errname(-rret), r->nh,
				(unsigned long long)info.offset,
				(unsigned long long)info.length);
	}
}

static void test_race_free_close(int closing, long long budget_ms)
{
	static unsigned char fill[RACE_SIZE];
	struct race_tally t;
	struct kpool_stats s0, s1;
	pthread_t th[R_NOPS];
	long long t0 = kt_ms();
	const char *what = closing ? "close() of the file" : "FREE of the handle";
	unsigned int rounds = closing ? 120 : 250, r;
	int i, spare = kt_open();

	memset(&t, 0, sizeof(t));
	kt_fill(fill, sizeof(fill), PATTERN_SEED);
	kt_stats_now(&s0);
	atomic_store(&race_stop, 0);
	pthread_barrier_init(&barrier, NULL, R_NOPS + 1);
	for (i = 0; i < R_NOPS; i++)
		pthread_create(&th[i], NULL, race_thread, (void *)(uintptr_t)i);
	race_fd = closing ? -1 : fd;
	for (r = 0; r < rounds && kt_ms() - t0 < budget_ms; r++) {
		struct kpool_alloc a;

		race_round = r;
		if (closing) {
			int f = kt_open();

			race_fd = fcntl(f, F_DUPFD_CLOEXEC, RACE_FD_MIN);
			close(f);
		}
		if (kt_alloc_full(race_fd, RACE_SIZE, &a) ||
		    kt_write(race_fd, a.handle, 0, fill, sizeof(fill))) {
			kt_ok(0, "%s race: ALLOC and WRITE", what);
			break;
		}
		race_h = a.handle;
		race_moff = a.mmap_offset;
		pthread_barrier_wait(&barrier);
		spin(r % 13 * 3000);
		if (closing)
			close(race_fd);
		else
			kt_free(race_fd, race_h);
		pthread_barrier_wait(&barrier);
		if (closing) {
			/* close() returned and every call is done */
			kt_stats_now(&s1);
			if (s1.handles != s0.handles && t.left_handles++ < 3)
				kt_diag("round %u: %llu handles of the closed file are left (mmap %s)",
					r, (unsigned long long)(s1.handles - s0.handles),
					res[R_MMAP].ret ? "failed" : "won");
		}
		race_check(&t, closing, spare);
	}
	atomic_store(&race_stop, 1);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < R_NOPS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	close(spare);
	kt_diag("%s racing the calls: %u rounds in %lld ms; won: mmap %d, EXPORT %d, SPLIT %d+%d, SLICE %d, MATERIALIZE %d, READ %d, DUP %d",
		what, r, kt_ms() - t0, t.won[R_MMAP], t.won[R_EXPORT], t.won[R_SPLIT1],
		t.won[R_SPLIT2], t.won[R_SLICE], t.won[R_MAT], t.won[R_READ], t.won[R_DUP]);
	kt_ok(t.bad_ret == 0,
	      "%s racing mmap, EXPORT, SPLIT, SLICE, MATERIALIZE, READ, DUP: each succeeds or answers %s (%d other answers)",
	      what, closing ? "EBADF, ENOENT, or EINVAL (mmap; ranges a racing SPLIT shortened)" :
	      "ENOENT, or EINVAL (mmap; ranges a racing SPLIT shortened)", t.bad_ret);
	kt_ok(t.wrote == 0, "%s race: a call that failed wrote no answer back (%d did)",
	      what, t.wrote);
	kt_ok(t.bad_bytes == 0, "%s race: what the winning calls made shows the buffer's bytes",
	      what);
	if (closing)
		kt_ok(t.left_handles == 0,
		      "close() racing the calls: once it returned, no handle of the file is left, mappings or not (%d rounds left some)",
		      t.left_handles);
	kt_state_is(&s0, 2000, "%s race: everything returned", what);
}

/* ------------------------------------------------------ munmap vs touching */

static _Atomic(unsigned char *) touch_map;
static atomic_int touch_stop;
static atomic_long touch_ok, touch_segv, touch_bus, touch_bad;
static size_t touch_len;

static void *toucher(void *arg)
{
	unsigned int seed = 3;

	(void)arg;
	probe_install();
	while (!atomic_load(&touch_stop)) {
		unsigned char *p = atomic_load(&touch_map);
		size_t page = rand_r(&seed) % (touch_len / KT_PAGE);
		long ret;

		if (!p) {
			sched_yield();
			continue;
		}
		ret = probe_check(p + page * KT_PAGE, 64, page * KT_PAGE);
		if (ret == -1)
			atomic_fetch_add(&touch_ok, 1);
		else if (ret == -SIGSEGV)
			atomic_fetch_add(&touch_segv, 1);
		else if (ret == -SIGBUS)
			atomic_fetch_add(&touch_bus, 1);
		else
			atomic_fetch_add(&touch_bad, 1);
	}
	return NULL;
}

static void test_munmap_vs_touch(uint64_t size, const char *what, long long budget_ms)
{
	struct kpool_stats s0;
	struct kpool_alloc a;
	unsigned char *fill;
	pthread_t th[2];
	long long t0;
	int i, r, maps = 0, madv = 0;

	kt_stats_now(&s0);
	fill = malloc(size);
	if (!fill || kt_alloc_full(fd, size, &a)) {
		kt_ok(0, "munmap vs touching, %s: ALLOC", what);
		free(fill);
		return;
	}
	kt_fill(fill, size, PATTERN_SEED);
	kt_write(fd, a.handle, 0, fill, size);
	free(fill);
	touch_len = size;
	atomic_store(&touch_stop, 0);
	atomic_store(&touch_ok, 0);
	atomic_store(&touch_segv, 0);
	atomic_store(&touch_bus, 0);
	atomic_store(&touch_bad, 0);
	atomic_store(&touch_map, kt_mmap(fd, size, a.mmap_offset, NULL));
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, toucher, NULL);
	t0 = kt_ms();
	for (r = 0; r < 400 && kt_ms() - t0 < budget_ms; r++) {
		unsigned char *p = atomic_load(&touch_map);

		spin(r % 11 * 5000);
		switch (r % 4) {
		case 0:	/* gone, then back (often at the same address) */
			munmap(p, size);
			spin(3000);
			atomic_store(&touch_map, kt_mmap(fd, size, a.mmap_offset, NULL));
			maps++;
			break;
		case 1:	/* a page out of the middle, then the whole */
			munmap(p + size / 2, KT_PAGE);
			spin(3000);
			munmap(p, size);
			atomic_store(&touch_map, kt_mmap(fd, size, a.mmap_offset, NULL));
			maps++;
			break;
		case 2:	/* the pages zapped: they must come back */
			madv += madvise(p, size, MADV_DONTNEED) == 0;
			break;
		default: /* replaced in place */
			if (mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
				 (off_t)a.mmap_offset) != p)
				atomic_store(&touch_map, NULL);
			maps++;
			break;
		}
		if (!atomic_load(&touch_map))
			atomic_store(&touch_map, kt_mmap(fd, size, a.mmap_offset, NULL));
	}
	atomic_store(&touch_stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&touch_map))
		munmap(atomic_load(&touch_map), size);
	kt_free(fd, a.handle);
	kt_diag("munmap vs touching, %s: %d rounds, %d remaps, %d MADV_DONTNEED accepted; %ld reads right, %ld SIGSEGV, %ld SIGBUS, %ld wrong",
		what, r, maps, madv, atomic_load(&touch_ok), atomic_load(&touch_segv),
		atomic_load(&touch_bus), atomic_load(&touch_bad));
	kt_ok(atomic_load(&touch_bad) == 0,
	      "munmap racing a thread touching the pages, %s: every byte read is right", what);
	kt_ok(atomic_load(&touch_bus) == 0,
	      "munmap racing a thread touching the pages, %s: no SIGBUS, only SIGSEGV while unmapped (%ld SIGBUS)",
	      what, atomic_load(&touch_bus));
	kt_state_is(&s0, 1000, "munmap vs touching, %s: everything returned", what);
}

/* ------------------------------------------------------ fork storms */

#define STORM_BUFS	5
#define STORM_SEGS	32

static const uint64_t storm_sizes[STORM_BUFS] = { 4096, 16384, 32768, 1048576, 2000000 };

struct seg {
	unsigned char *addr;
	size_t len, off;	/* bytes mapped, offset in the buffer */
};

static struct storm {
	uint32_t h[STORM_BUFS];
	struct kpool_alloc a[STORM_BUFS];
	struct seg seg[STORM_SEGS];
	int nseg;
} st;

struct storm_count {
	int steps, wrong, bus, segv, madv_ok, mremap_ok, grandkids, grandkids_bad;
};

static int storm_depth;	/* 0 in the test, 1 in its children, ... */
static long long storm_deadline;	/* kt_ms() at which children stop */

/* Check a segment: its whole length, or (@sample) 32 bytes at each end of every page. */
static int seg_check_some(const struct seg *s, struct storm_count *c, int sample)
{
	long ret = -1;
	size_t pg;

	if (!s->len)
		return 0;
	if (!sample)
		ret = probe_check(s->addr, s->len, s->off);
	for (pg = 0; sample && ret == -1 && pg < s->len; pg += KT_PAGE) {
		ret = probe_check(s->addr + pg, 32, s->off + pg);
		if (ret == -1)
			ret = probe_check(s->addr + pg + KT_PAGE - 32, 32,
					  s->off + pg + KT_PAGE - 32);
	}
	if (ret == -1)
		return 0;
	if (ret == -SIGBUS)
		c->bus++;
	else if (ret == -SIGSEGV)
		c->segv++;
	else
		c->wrong++;
	return -1;
}

static int seg_check(const struct seg *s, struct storm_count *c)
{
	return seg_check_some(s, c, 1);
}

static void seg_drop(int i)
{
	st.seg[i] = st.seg[--st.nseg];
}

/* One random step on the segments. */
static void storm_step(unsigned int *seed, struct storm_count *c)
{
	int i = rand_r(seed) % st.nseg;
	struct seg *s = &st.seg[i];
	size_t pages = s->len / KT_PAGE;
	unsigned char *p;

	if (!pages)
		return;
	switch (rand_r(seed) % 6) {
	case 0: {	/* munmap of some pages: the rest may split in two */
		size_t first = rand_r(seed) % pages, n = 1 + rand_r(seed) % (pages - first);

		munmap(s->addr + first * KT_PAGE, n * KT_PAGE);
		if (first + n < pages && st.nseg < STORM_SEGS) {
			struct seg *t = &st.seg[st.nseg++];

			t->addr = s->addr + (first + n) * KT_PAGE;
			t->len = (pages - first - n) * KT_PAGE;
			t->off = s->off + (first + n) * KT_PAGE;
		} else if (first + n < pages) {
			munmap(s->addr + (first + n) * KT_PAGE, (pages - first - n) * KT_PAGE);
		}
		s->len = first * KT_PAGE;
		if (!s->len)
			seg_drop(i);
		break;
	}
	case 1: {	/* mremap to another place */
		p = mmap(NULL, s->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		if (mremap(s->addr, s->len, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, p) == p) {
			s->addr = p;
			c->mremap_ok++;
		} else {
			munmap(p, s->len);
		}
		break;
	}
	case 2: {	/* mremap shrinking, or growing (refused) */
		size_t n = 1 + rand_r(seed) % (pages + 2);

		p = mremap(s->addr, s->len, n * KT_PAGE, MREMAP_MAYMOVE);
		if (p != MAP_FAILED) {
			s->addr = p;
			s->len = n * KT_PAGE;
			c->mremap_ok++;
		}
		break;
	}
	case 3: {	/* mprotect read-only, read, back */
		size_t first = rand_r(seed) % pages;

		mprotect(s->addr + first * KT_PAGE, KT_PAGE, PROT_READ);
		seg_check(s, c);
		mprotect(s->addr + first * KT_PAGE, KT_PAGE, PROT_READ | PROT_WRITE);
		break;
	}
	case 4: {	/* madvise */
		static const int advice[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_RANDOM,
					      MADV_SEQUENTIAL, MADV_NORMAL, MADV_COLD,
					      MADV_PAGEOUT, MADV_DONTNEED };
		size_t first = rand_r(seed) % pages;

		c->madv_ok += madvise(s->addr + first * KT_PAGE,
				      (pages - first) * KT_PAGE,
				      advice[rand_r(seed) % KT_ARRAY_SIZE(advice)]) == 0;
		break;
	}
	default: {	/* a grandchild that checks and changes its own copy */
		pid_t pid = storm_depth < 2 ? fork() : -1;
		int status;

		if (pid == 0) {
			struct storm_count gc;
			int k, bad;

			storm_depth++;
			memset(&gc, 0, sizeof(gc));
			for (k = 0; k < 6 && st.nseg; k++) {
				storm_step(seed, &gc);
				for (i = 0; i < st.nseg; i++)
					seg_check(&st.seg[i], &gc);
			}
			/* 1: wrong bytes or SIGSEGV, 2: SIGBUS */
			bad = (gc.wrong || gc.segv || gc.grandkids_bad) | (gc.bus ? 2 : 0);
			_exit(bad);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid) {
			c->grandkids++;
			if (!WIFEXITED(status) || WEXITSTATUS(status) & ~2)
				c->grandkids_bad++;
			if (WIFEXITED(status) && WEXITSTATUS(status) & 2)
				c->bus++;
		}
		break;
	}
	}
	c->steps++;
}

static void storm_child(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg, k;
	struct storm_count c;
	int i;

	memset(&c, 0, sizeof(c));
	probe_install();
	storm_depth = 1;
	for (k = 0; k < 30 && st.nseg && kt_ms() < storm_deadline; k++) {
		storm_step(&seed, &c);
		for (i = 0; i < st.nseg; i++)
			seg_check(&st.seg[i], &c);
	}
	kt_ok(c.wrong == 0 && c.segv == 0,
	      "fork storm child %u: %d steps (%d mremaps, %d madvise accepted): every byte still mapped is right (%d wrong, %d SIGSEGV)",
	      (unsigned int)(uintptr_t)arg, c.steps, c.mremap_ok, c.madv_ok, c.wrong, c.segv);
	kt_ok(c.bus == 0, "fork storm child %u: no SIGBUS after any accepted madvise, in it or its grandchildren (%d)",
	      (unsigned int)(uintptr_t)arg, c.bus);
	kt_ok(c.grandkids_bad == 0, "fork storm child %u: %d grandchildren saw the right bytes",
	      (unsigned int)(uintptr_t)arg, c.grandkids);
}

static void test_fork_storm(long long budget_ms)
{
	struct kpool_stats s0;
	struct storm_count c;
	unsigned char *fill;
	long long t0 = kt_ms();
	int i, round, ok = 1;

	kt_stats_now(&s0);
	fill = malloc(2000000);
	if (!fill)
		return;
	kt_fill(fill, 2000000, PATTERN_SEED);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < STORM_BUFS; i++) {
		void *m;

		if (kt_alloc_full(fd, storm_sizes[i], &st.a[i]) ||
		    kt_write(fd, st.a[i].handle, 0, fill, storm_sizes[i])) {
			ok = 0;
			break;
		}
		st.h[i] = st.a[i].handle;
		m = kt_mmap(fd, storm_sizes[i] & ~(KT_PAGE - 1), st.a[i].mmap_offset, NULL);
		if (!m) {
			ok = 0;
			break;
		}
		st.seg[st.nseg].addr = m;
		st.seg[st.nseg].len = storm_sizes[i] & ~(KT_PAGE - 1);
		st.seg[st.nseg++].off = 0;
	}
	free(fill);
	if (!kt_ok(ok, "fork storm: a mapping of every tier and the fallback, filled by WRITE"))
		return;
	probe_install();
	/* Two rounds always (a fixed number of cases), each with half the time. */
	for (round = 0; round < 2; round++) {
		pid_t pid[4];
		int rfd[4];

		storm_deadline = kt_ms() + budget_ms / 2;

		for (i = 0; i < 4; i++)
			pid[i] = kt_spawn(storm_child, (void *)(uintptr_t)(round * 4 + i + 1), &rfd[i]);
		for (i = 0; i < 4; i++)
			kt_reap(pid[i], rfd[i], "fork storm child");
	}
	memset(&c, 0, sizeof(c));
	for (i = 0; i < st.nseg; i++)
		seg_check_some(&st.seg[i], &c, 0);
	kt_ok(c.wrong == 0 && c.bus == 0 && c.segv == 0,
	      "fork storm: %d rounds in %lld ms; the parent's mappings are untouched by the children's",
	      round, kt_ms() - t0);
	for (i = 0; i < st.nseg; i++)
		munmap(st.seg[i].addr, st.seg[i].len);
	for (i = 0; i < STORM_BUFS; i++)
		kt_free(fd, st.h[i]);
	kt_state_is(&s0, 2000, "fork storm: everything returned once the children are gone");
}

/* ------------------------------------------------------ arguments in our mappings */

static _Atomic(unsigned char *) arg_map;
static atomic_int arg_stop;
static struct kpool_alloc arg_buf;
static size_t arg_len;
static int arg_fd = -1;

/* memcpy() to memory that may be unmapped meanwhile: 0 or -SIGSEGV. */
static int probe_copy(void *dst, const void *src, size_t len)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;
	volatile size_t i = 0;
	int sig;

	sig = sigsetjmp(probe_jmp, 1);
	if (sig)
		return -sig;
	probing = 1;
	for (; i < len; i++)
		d[i] = s[i];
	probing = 0;
	return 0;
}

static void *arg_unmapper(void *arg)
{
	unsigned int seed = 5;

	(void)arg;
	while (!atomic_load(&arg_stop)) {
		unsigned char *p = atomic_load(&arg_map);

		spin(rand_r(&seed) % 20000);
		if (rand_r(&seed) % 2) {
			munmap(p, arg_len);
			spin(rand_r(&seed) % 5000);
		}
		/* back at the same place, over the old one or in its hole */
		mmap(p, arg_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, arg_fd,
		     (off_t)arg_buf.mmap_offset);
	}
	return NULL;
}

/* The argument struct of call @r (in the mapping at @argp, or @rw). */
static unsigned long arg_call(int r, unsigned char *argp, struct kpool_rw *rw,
			      uint32_t src, void **where)
{
	union {
		struct kpool_alloc a;
		struct kpool_dup d;
		struct kpool_info i;
		struct kpool_split s;
	} u;
	unsigned long cmd;
	size_t len;

	memset(&u, 0, sizeof(u));
	*where = argp;
	switch (r % 7) {
	case 0:
		u.a.size = 100;
		cmd = KPOOL_IOC_ALLOC;
		len = sizeof(u.a);
		break;
	case 1:
		u.d.handle = src;
		cmd = KPOOL_IOC_DUP;
		len = sizeof(u.d);
		break;
	case 2:
		u.i.handle = src;
		cmd = KPOOL_IOC_INFO;
		len = sizeof(u.i);
		break;
	case 3:
		u.s.handle = src;
		u.s.at = 1u << 31;	/* past the view: EINVAL, or EFAULT first */
		cmd = KPOOL_IOC_SPLIT;
		len = sizeof(u.s);
		break;
	case 4:
		cmd = KPOOL_IOC_STATS;
		len = 0;
		break;
	case 5:	/* READ into the mapping */
		*where = rw;
		return KPOOL_IOC_READ;
	default: /* WRITE from the mapping into the mapped buffer itself */
		rw->handle = arg_buf.handle;
		*where = rw;
		return KPOOL_IOC_WRITE;
	}
	if (len && probe_copy(argp, &u, len))
		*where = NULL;	/* unmapped under us: the call is left out */
	return cmd;
}

static void test_args_in_mapping(uint64_t size, const char *what, long long budget_ms)
{
	struct kpool_stats s0;
	struct kpool_alloc src;
	pthread_t th;
	long long t0;
	int r, bad = 0, ok = 0, efault = 0, left_out = 0;
	unsigned char *p;

	kt_stats_now(&s0);
	arg_fd = kt_open();
	arg_len = size;
	if (kt_alloc_full(arg_fd, size, &arg_buf) || kt_alloc_full(arg_fd, size, &src) ||
	    !(p = kt_mmap(arg_fd, size, arg_buf.mmap_offset, NULL))) {
		kt_ok(0, "arguments in a mapping, %s: ALLOC and mmap", what);
		close(arg_fd);
		return;
	}
	probe_install();
	atomic_store(&arg_map, p);
	atomic_store(&arg_stop, 0);
	pthread_create(&th, NULL, arg_unmapper, NULL);
	t0 = kt_ms();
	for (r = 0; r < 3000 && kt_ms() - t0 < budget_ms; r++) {
		struct kpool_rw rw = {
			.handle = src.handle, .length = size / 2,
			.data = (uintptr_t)p + size / 4,
		};
		unsigned long cmd;
		void *argp;
		int ret;

		cmd = arg_call(r, p + (r * 200) % (size - 256), &rw, src.handle, &argp);
		if (!argp) {
			left_out++;
			continue;
		}
		ret = kt_io(arg_fd, cmd, argp);
		if (!ret || (cmd == KPOOL_IOC_SPLIT && ret == -EINVAL))
			ok++;
		else if (ret == -EFAULT)
			efault++;
		else if (bad++ < 5)
			kt_diag("arguments in a mapping, %s: ioctl %#lx answered %s", what,
				cmd, kt_errname(-ret));
	}
	atomic_store(&arg_stop, 1);
	pthread_join(th, NULL);
	munmap(p, size);
	close(arg_fd);
	kt_diag("arguments in a mapping, %s: %d calls in %lld ms, %d answered, %d EFAULT, %d left out (unmapped while writing the argument)",
		what, r - left_out, kt_ms() - t0, ok, efault, left_out);
	kt_ok(bad == 0,
	      "ioctl arguments and READ/WRITE data in a mapping of the same file being unmapped, %s: only success (EINVAL for the bad SPLIT) or EFAULT (%d other)",
	      what, bad);
	kt_state_is(&s0, 1000, "arguments in a mapping, %s: everything returned with the file", what);
}

/* "race [PART...]": only the parts named (free close touch fork args). */
static int want(int argc, char **argv, const char *part)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], part))
			return 1;
	return argc < 2;
}

int main(int argc, char **argv)
{
	long long t0;

	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	t0 = kt_ms();
	if (want(argc, argv, "free"))
		test_race_free_close(0, 10000);
	if (want(argc, argv, "close"))
		test_race_free_close(1, 7000);
	if (want(argc, argv, "touch")) {
		test_munmap_vs_touch(1048576, "a slab-backed 1 MiB buffer", 3000);
		test_munmap_vs_touch(2000000, "a page-backed fallback buffer", 2500);
	}
	if (want(argc, argv, "fork"))
		test_fork_storm(10000);
	if (want(argc, argv, "args")) {
		test_args_in_mapping(32768, "a slab-backed 32 KiB buffer", 2500);
		test_args_in_mapping(2000000, "a page-backed fallback buffer", 2500);
	}
	kt_diag("race: %lld ms", kt_ms() - t0);
	close(fd);
	return kt_end();
}
