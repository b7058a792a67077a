// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_bench - the user side of 'make bench' (scripts/bench).
 *
 * Times /dev/kpool through its user ABI alone (<linux/kpool.h>), next to
 * the floors under it (a system call, an ioctl kpool does not know) and
 * its peers (anonymous mmap, malloc, memfd, vgem's DRM dumb buffers).
 *
 *   kpool_bench [--reps N] [--rep-ms MS] [--quick]   every row
 *   kpool_bench --calibrate                          the memset row only
 *
 * Every row is timed over N repetitions (default 7; --quick 2) of a loop
 * sized so that one repetition takes about MS milliseconds (default 20;
 * --quick 2).  Each prints one line
 *   ROW user,<group>,<name>,<size>,<median ns>,<min ns>,<max ns>,<reps>,<iters>
 * with the cost of one operation (for batches: of one buffer; for the
 * threaded rows: wall time over all operations of all threads), or, when
 * a call fails,
 *   ERROR user,<group>,<name>,<size>,<what failed>: <errno text>
 * and the row is dropped.  Every call's result is checked.  The exit status
 * is 1 when any row failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kpool.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The DRM calls made of vgem (userspace/tests). */
#include "kt_drm.h"

#define MAX_REPS	51
#define PAGE		4096UL

static int reps = 7;
static double rep_ns = 20e6;
static int failures;
static int rows_tried;
static int kfd = -1;		/* /dev/kpool, for the single-threaded rows */
static int drm_fd = -1;		/* vgem's card, or -1 */

/*
 * Set by an operation that times itself (the threaded rows: from the
 * threads' start to the last one's end, without creating them); else 0.
 */
static uint64_t timed_ns;

/* The row being measured, for error messages. */
static char cur_row[128];
static char err_msg[256];

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

/* Record why the current row failed; returns -1 for the caller to pass on. */
static int fail(const char *what)
{
	snprintf(err_msg, sizeof(err_msg), "%s: %s", what, strerror(errno));
	return -1;
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg))
		return fail(what);
	return 0;
}

/* ---------------------------------------------------------------- timing */

/* One call does one operation (or, for batches, @div of them). */
typedef int (*op_fn)(void *arg, long iters);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Time @fn: it runs @iters operations per call.  Calibrates @iters, then
 * takes @reps repetitions; prints the row.  @div: operations per iteration
 * the figure is divided by (a batch of 64 buffers: 64).
 */
static void row(const char *group, const char *name, long size, op_fn fn,
		void *arg, double div)
{
	double per[MAX_REPS];
	long iters = 1;
	uint64_t t;
	int r;

	rows_tried++;
	snprintf(cur_row, sizeof(cur_row), "user,%s,%s,%ld", group, name, size);
	err_msg[0] = 0;
	for (;;) {
		timed_ns = 0;
		t = now_ns();
		if (fn(arg, iters))
			goto failed;
		t = timed_ns ? timed_ns : now_ns() - t;
		/* A quarter of a repetition: warm, and long enough to scale. */
		if (t * 4 >= rep_ns || iters >= 10000000)
			break;
		iters *= 4;
	}
	iters = (long)(iters * rep_ns / (t ? t : 1));
	if (iters < 3)
		iters = 3;
	for (r = 0; r < reps; r++) {
		timed_ns = 0;
		t = now_ns();
		if (fn(arg, iters))
			goto failed;
		t = timed_ns ? timed_ns : now_ns() - t;
		per[r] = (double)t / iters / div;
	}
	qsort(per, reps, sizeof(per[0]), cmp_double);
	printf("ROW %s,%.1f,%.1f,%.1f,%d,%ld\n", cur_row,
	       reps % 2 ? per[reps / 2] : (per[reps / 2 - 1] + per[reps / 2]) / 2, per[0],
	       per[reps - 1], reps, iters);
	fflush(stdout);
	return;
failed:
	failures++;
	printf("ERROR %s,%s\n", cur_row, err_msg[0] ? err_msg : "failed");
	fflush(stdout);
}

/* ---------------------------------------------------------------- kpool */

static int kp_alloc(int fd, long size, struct kpool_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	return xioctl(fd, KPOOL_IOC_ALLOC, a, "KPOOL_IOC_ALLOC");
}

static int kp_free(int fd, uint32_t h)
{
	struct kpool_handle_arg f = { .handle = h };

	return xioctl(fd, KPOOL_IOC_FREE, &f, "KPOOL_IOC_FREE");
}

/* ---------------------------------------------------------------- floors */

static int op_null_ioctl(void *arg, long n)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		/* A number in kpool's range that it does not know. */
		if (ioctl(kfd, _IO(KPOOL_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY) {
			errno = errno ? errno : EPROTO;
			return fail("unknown ioctl did not fail with ENOTTY");
		}
	}
	return 0;
}

static int op_getppid(void *arg, long n)
{
	(void)arg;
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getppid) <= 0)
			return fail("getppid");
	return 0;
}

static char *scratch;		/* 4 MiB of user memory */

static int op_memset(void *arg, long n)
{
	long size = *(long *)arg;

	for (long i = 0; i < n; i++) {
		memset(scratch, (int)i, size);
		__asm__ volatile("" : : "r"(scratch) : "memory");
	}
	return 0;
}

/* ---------------------------------------------------------------- alloc */

static int op_alloc_free(void *arg, long n)
{
	long size = *(long *)arg;
	struct kpool_alloc a;

	for (long i = 0; i < n; i++)
		if (kp_alloc(kfd, size, &a) || kp_free(kfd, a.handle))
			return -1;
	return 0;
}

struct batch_arg {
	long size;
	unsigned int count;
	uint32_t *handles;
};

static int op_batch(void *arg, long n)
{
	struct batch_arg *b = arg;

	for (long i = 0; i < n; i++) {
		struct kpool_alloc_batch ab = {
			.size = b->size, .handles = (uintptr_t)b->handles, .count = b->count,
		};
		struct kpool_free_batch fb = {
			.handles = (uintptr_t)b->handles, .count = b->count,
		};

		if (xioctl(kfd, KPOOL_IOC_ALLOC_BATCH, &ab, "KPOOL_IOC_ALLOC_BATCH") ||
		    xioctl(kfd, KPOOL_IOC_FREE_BATCH, &fb, "KPOOL_IOC_FREE_BATCH"))
			return -1;
		if (fb.done != b->count) {
			errno = EPROTO;
			return fail("FREE_BATCH did not free every handle");
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- views */

struct view_arg {
	long size;
	uint32_t base;		/* a handle on a buffer of @size bytes */
};

/* DUP + FREE of the new handle. */
static int op_dup(void *arg, long n)
{
	struct view_arg *v = arg;

	for (long i = 0; i < n; i++) {
		struct kpool_dup d = { .handle = v->base };

		if (xioctl(kfd, KPOOL_IOC_DUP, &d, "KPOOL_IOC_DUP") ||
		    kp_free(kfd, d.new_handle))
			return -1;
	}
	return 0;
}

/* SLICE of the middle half + FREE of the new handle. */
static int op_slice(void *arg, long n)
{
	struct view_arg *v = arg;

	for (long i = 0; i < n; i++) {
		struct kpool_slice s = {
			.handle = v->base, .start = v->size / 4, .end = v->size / 4 * 3,
		};

		if (xioctl(kfd, KPOOL_IOC_SLICE, &s, "KPOOL_IOC_SLICE") ||
		    kp_free(kfd, s.new_handle))
			return -1;
	}
	return 0;
}

/* DUP, SPLIT of the dup in halves, FREE of both halves. */
static int op_split(void *arg, long n)
{
	struct view_arg *v = arg;

	for (long i = 0; i < n; i++) {
		struct kpool_dup d = { .handle = v->base };
		struct kpool_split s = { .at = v->size / 2 };

		if (xioctl(kfd, KPOOL_IOC_DUP, &d, "KPOOL_IOC_DUP"))
			return -1;
		s.handle = d.new_handle;
		if (xioctl(kfd, KPOOL_IOC_SPLIT, &s, "KPOOL_IOC_SPLIT") ||
		    kp_free(kfd, s.handle) || kp_free(kfd, s.new_handle))
			return -1;
	}
	return 0;
}

/* READ of the view's bytes into user memory and WRITE of them back. */
static int op_copy(void *arg, long n)
{
	struct view_arg *v = arg;

	for (long i = 0; i < n; i++) {
		struct kpool_rw rw = {
			.handle = v->base, .length = v->size, .data = (uintptr_t)scratch,
		};

		if (xioctl(kfd, KPOOL_IOC_READ, &rw, "KPOOL_IOC_READ") ||
		    xioctl(kfd, KPOOL_IOC_WRITE, &rw, "KPOOL_IOC_WRITE"))
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- mmap */

static void touch(volatile char *p, long size)
{
	for (long o = 0; o < size; o += PAGE)
		p[o] = 1;
}

static int op_kpool_map(void *arg, long n)
{
	long size = *(long *)arg;
	struct kpool_alloc a;
	void *p;

	for (long i = 0; i < n; i++) {
		if (kp_alloc(kfd, size, &a))
			return -1;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, a.mmap_offset);
		if (p == MAP_FAILED) {
			fail("mmap of a kpool buffer");
			kp_free(kfd, a.handle);
			return -1;
		}
		touch(p, size);
		if (munmap(p, size))
			return fail("munmap");
		if (kp_free(kfd, a.handle))
			return -1;
	}
	return 0;
}

static int op_anon_map(void *arg, long n)
{
	long size = *(long *)arg;
	void *p;

	for (long i = 0; i < n; i++) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("anonymous mmap");
		touch(p, size);
		if (munmap(p, size))
			return fail("munmap");
	}
	return 0;
}

static int op_malloc(void *arg, long n)
{
	long size = *(long *)arg;
	char *p;

	for (long i = 0; i < n; i++) {
		p = malloc(size);
		if (!p)
			return fail("malloc");
		memset(p, 0, size);
		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
	return 0;
}

static int op_memfd(void *arg, long n)
{
	long size = *(long *)arg;
	void *p;
	int fd;

	for (long i = 0; i < n; i++) {
		fd = memfd_create("kpool-bench", MFD_CLOEXEC);
		if (fd < 0)
			return fail("memfd_create");
		if (ftruncate(fd, size)) {
			fail("ftruncate of a memfd");
			close(fd);
			return -1;
		}
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			fail("mmap of a memfd");
			close(fd);
			return -1;
		}
		touch(p, size);
		if (munmap(p, size) || close(fd))
			return fail("munmap/close of a memfd");
	}
	return 0;
}

/* A vgem dumb buffer, exported as a PRIME (dma-buf) fd, mapped, touched. */
static int op_vgem(void *arg, long n)
{
	long size = *(long *)arg;
	void *p;

	if (drm_fd < 0) {
		errno = ENODEV;
		return fail("no vgem card in /dev/dri");
	}
	for (long i = 0; i < n; i++) {
		struct kt_drm_mode_create_dumb d = {
			.width = 1024, .height = size / 4096, .bpp = 32,
		};
		struct kt_drm_prime_handle ph = { .flags = O_CLOEXEC | KT_DRM_RDWR };
		struct kt_drm_gem_close gc = { 0 };

		if (xioctl(drm_fd, KT_DRM_IOCTL_MODE_CREATE_DUMB, &d, "DRM_IOCTL_MODE_CREATE_DUMB"))
			return -1;
		ph.handle = gc.handle = d.handle;
		if (xioctl(drm_fd, KT_DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph,
			   "DRM_IOCTL_PRIME_HANDLE_TO_FD")) {
			ioctl(drm_fd, KT_DRM_IOCTL_GEM_CLOSE, &gc);
			return -1;
		}
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ph.fd, 0);
		if (p == MAP_FAILED) {
			fail("mmap of a vgem PRIME fd");
			close(ph.fd);
			ioctl(drm_fd, KT_DRM_IOCTL_GEM_CLOSE, &gc);
			return -1;
		}
		touch(p, size);
		if (munmap(p, size) || close(ph.fd))
			return fail("munmap/close of a vgem PRIME fd");
		if (xioctl(drm_fd, KT_DRM_IOCTL_GEM_CLOSE, &gc, "DRM_IOCTL_GEM_CLOSE"))
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- threads */

enum mt_kind { MT_KPOOL, MT_MALLOC, MT_ANON };

struct mt_thread {
	pthread_t tid;
	struct mt_run *run;
	unsigned int idx;
	int fd;
	int ret;
	uint64_t end;		/* when it finished its operations */
	char err[256];
};

struct mt_run {
	unsigned int nthreads;
	int shared_fd;		/* -1: every thread opens its own file */
	enum mt_kind kind;
	long size;		/* fixed size; 0: mixed sizes in [lo, hi) */
	long lo, hi;
	long iters;		/* operations per thread */
	pthread_barrier_t start;
	struct mt_thread th[8];
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A size log-uniform in [lo, hi). */
static long log_uniform(uint64_t *s, long lo, long hi)
{
	double u = (double)(xorshift(s) >> 11) / (double)(1ULL << 53);
	double l = __builtin_log((double)lo), h = __builtin_log((double)hi);
	long v = (long)__builtin_exp(l + u * (h - l));

	return v < lo ? lo : v >= hi ? hi - 1 : v;
}

#define MT_INFLIGHT 4

struct mt_slot {
	long size;
	uint32_t handle;
	void *p;
};

static int mt_release(struct mt_thread *t, struct mt_slot *s)
{
	if (!s->size)
		return 0;
	switch (t->run->kind) {
	case MT_KPOOL:
		if (kp_free(t->fd, s->handle))
			return -1;
		break;
	case MT_MALLOC:
		free(s->p);
		break;
	case MT_ANON:
		if (munmap(s->p, s->size))
			return fail("munmap");
		break;
	}
	s->size = 0;
	return 0;
}

/* Allocate @size bytes into @s and touch them (kpool: WRITE or mmap). */
static int mt_get(struct mt_thread *t, struct mt_slot *s, long size)
{
	struct kpool_alloc a;
	void *p = NULL;

	switch (t->run->kind) {
	case MT_KPOOL:
		if (kp_alloc(t->fd, size, &a))
			return -1;
		s->handle = a.handle;
		s->size = size;
		if (size < (long)PAGE || t->run->size) {
			/* Not mappable below a page; the fixed-size rows only ALLOC+FREE. */
			char byte = 1;
			struct kpool_rw rw = {
				.handle = a.handle, .length = 1, .data = (uintptr_t)&byte,
			};

			if (!t->run->size &&
			    xioctl(t->fd, KPOOL_IOC_WRITE, &rw, "KPOOL_IOC_WRITE"))
				return -1;
			return 0;
		}
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, a.mmap_offset);
		if (p == MAP_FAILED)
			return fail("mmap of a kpool buffer");
		touch(p, size);
		if (munmap(p, size))
			return fail("munmap");
		return 0;
	case MT_MALLOC:
		p = malloc(size);
		if (!p)
			return fail("malloc");
		memset(p, 0, size);
		__asm__ volatile("" : : "r"(p) : "memory");
		break;
	case MT_ANON:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("anonymous mmap");
		touch(p, size);
		break;
	}
	s->p = p;
	s->size = size;
	return 0;
}

static void *mt_main(void *arg)
{
	struct mt_thread *t = arg;
	struct mt_run *run = t->run;
	struct mt_slot slot[MT_INFLIGHT] = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (t->idx + 1);
	long i, size;
	int k, ret = 0;

	pthread_barrier_wait(&run->start);
	for (i = 0; i < run->iters && !ret; i++) {
		size = run->size ? run->size : log_uniform(&seed, run->lo, run->hi);
		if (run->size) {
			/* Fixed size: ALLOC + FREE, nothing kept. */
			ret = mt_get(t, &slot[0], size) || mt_release(t, &slot[0]);
			continue;
		}
		k = i % MT_INFLIGHT;
		ret = mt_release(t, &slot[k]) || mt_get(t, &slot[k], size);
	}
	for (k = 0; k < MT_INFLIGHT; k++)
		if (mt_release(t, &slot[k]))
			ret = -1;
	t->end = now_ns();
	t->ret = ret;
	if (ret)
		snprintf(t->err, sizeof(t->err), "%s", err_msg);
	return NULL;
}

/* One repetition: every thread does run->iters operations. */
static int op_mt(void *arg, long n)
{
	struct mt_run *run = arg;
	unsigned int i, started = 0;
	uint64_t start, end = 0;
	int ret = 0;

	run->iters = n;
	if (pthread_barrier_init(&run->start, NULL, run->nthreads + 1)) {
		errno = EAGAIN;
		return fail("pthread_barrier_init");
	}
	for (i = 0; i < run->nthreads; i++) {
		struct mt_thread *t = &run->th[i];

		t->run = run;
		t->idx = i;
		t->ret = 0;
		t->fd = run->shared_fd;
		if (t->fd < 0 && run->kind == MT_KPOOL) {
			t->fd = open("/dev/kpool", O_RDWR | O_CLOEXEC);
			if (t->fd < 0) {
				ret = fail("open /dev/kpool");
				break;
			}
		}
		if (pthread_create(&t->tid, NULL, mt_main, t)) {
			if (run->shared_fd < 0 && run->kind == MT_KPOOL)
				close(t->fd);
			errno = EAGAIN;
			ret = fail("pthread_create");
			break;
		}
		started++;
	}
	if (ret) {
		/* The threads started wait at the barrier: it cannot be left. */
		fprintf(stderr, "kpool_bench: cannot start threads: %s\n", err_msg);
		exit(1);
	}
	pthread_barrier_wait(&run->start);
	start = now_ns();
	for (i = 0; i < started; i++) {
		struct mt_thread *t = &run->th[i];

		pthread_join(t->tid, NULL);
		if (t->end > end)
			end = t->end;
		if (run->shared_fd < 0 && run->kind == MT_KPOOL)
			close(t->fd);
		if (t->ret && !ret) {
			snprintf(err_msg, sizeof(err_msg), "thread %u: %s", i, t->err);
			ret = -1;
		}
	}
	pthread_barrier_destroy(&run->start);
	timed_ns = end > start ? end - start : 1;
	return ret;
}

static void mt_row(const char *group, const char *name, struct mt_run *run)
{
	long size = run->size ? run->size : run->hi;

	/* Per operation of all threads together: wall time / (iters * threads). */
	row(group, name, size, op_mt, run, run->nthreads);
}

/* ---------------------------------------------------------------- main */

static void print_memcg(void)
{
	char line[512], path[600];
	FILE *f = fopen("/proc/self/cgroup", "r");
	const char *cg = NULL;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			cg = line + 3;
			break;
		}
	}
	if (f)
		fclose(f);
	if (!cg) {
		printf("INFO memcg no (no cgroup v2 entry in /proc/self/cgroup)\n");
		return;
	}
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", cg);
	if (strcmp(cg, "/") && !access(path, R_OK))
		printf("INFO memcg yes (cgroup %s, memory controller on)\n", cg);
	else
		printf("INFO memcg no (cgroup %s has no memory.current)\n", cg);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const long alloc_sizes[] = {
		100, 256, 4096, 10000, 16384, 32768, 32769, 65536, 500000,
		1048576, 2000000,
	};
	static const unsigned int batch_counts[] = { 1, 8, 64, 1024 };
	static long map_sizes[] = { 4096, 65536, 1048576 };
	static const long view_sizes[] = { 4096, 1048576 };
	static const struct { const char *name; long lo, hi; } bands[] = {
		{ "<4K", 16, 4096 }, { "4K-128K", 4096, 131072 },
		{ ">=128K", 131072, 2097152 }, { "all", 16, 2097152 },
	};
	static const struct { const char *name; enum mt_kind kind; } peers[] = {
		{ "kpool", MT_KPOOL }, { "malloc+memset", MT_MALLOC }, { "anon-mmap", MT_ANON },
	};
	long sizes[64], nsizes = 0, s64k = 65536;
	struct kpool_stats st;
	uint32_t *handles;
	int i, j, calibrate = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			reps = 2;
			rep_ns = 2e6;
		} else if (!strcmp(argv[i], "--calibrate")) {
			calibrate = 1;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--rep-ms") && i + 1 < argc) {
			rep_ns = atof(argv[++i]) * 1e6;
		} else {
			fprintf(stderr, "usage: kpool_bench [--quick] [--reps N] [--rep-ms MS] [--calibrate]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || rep_ns <= 0) {
		fprintf(stderr, "kpool_bench: --reps 1..%d, --rep-ms > 0\n", MAX_REPS);
		return 2;
	}
	scratch = malloc(4 << 20);
	if (!scratch)
		return 1;
	memset(scratch, 0, 4 << 20);

	row("floor", "memset", 65536, op_memset, &s64k, 1);
	if (calibrate)
		return failures ? 1 : 0;

	print_memcg();
	kfd = open("/dev/kpool", O_RDWR | O_CLOEXEC);
	if (kfd < 0) {
		perror("kpool_bench: open /dev/kpool");
		return 1;
	}
	drm_fd = kt_open_vgem();
	printf("INFO vgem %s\n", drm_fd >= 0 ? "yes" : "no (the vgem rows fail)");
	if (ioctl(kfd, KPOOL_IOC_STATS, &st)) {
		perror("kpool_bench: KPOOL_IOC_STATS");
		return 1;
	}
	printf("INFO tiers");
	for (i = 0; i < (int)st.ntiers && i < KPOOL_MAX_TIERS; i++)
		printf(" %llu", (unsigned long long)st.tier[i].size);
	printf("\n");

	/* Floors. */
	row("floor", "null-ioctl", 0, op_null_ioctl, NULL, 1);
	row("floor", "getppid", 0, op_getppid, NULL, 1);

	/* ALLOC+FREE: the sizes asked for, and one past every tier. */
	for (i = 0; i < (int)(sizeof(alloc_sizes) / sizeof(alloc_sizes[0])); i++)
		sizes[nsizes++] = alloc_sizes[i];
	for (i = 0; i < (int)st.ntiers && i < KPOOL_MAX_TIERS; i++) {
		long n = (long)st.tier[i].size + 1;

		for (j = 0; j < nsizes && sizes[j] != n; j++)
			;
		if (j == nsizes)
			sizes[nsizes++] = n;
	}
	qsort(sizes, nsizes, sizeof(sizes[0]), cmp_long);
	for (i = 0; i < nsizes; i++)
		row("alloc", "alloc+free", sizes[i], op_alloc_free, &sizes[i], 1);

	/* Batches: per buffer. */
	handles = calloc(KPOOL_BATCH_MAX, sizeof(*handles));
	if (!handles)
		return 1;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 4; j++) {
			struct batch_arg b = {
				.size = i ? 4096 : 256, .count = batch_counts[j], .handles = handles,
			};
			char name[32];

			snprintf(name, sizeof(name), "batch-%u", b.count);
			row("batch", name, b.size, op_batch, &b, b.count);
		}
	}

	/* Views against copies. */
	for (i = 0; i < 2; i++) {
		struct view_arg v = { .size = view_sizes[i] };
		struct kpool_alloc a;

		if (kp_alloc(kfd, v.size, &a)) {
			failures++;
			printf("ERROR user,views,setup,%ld,%s\n", v.size, err_msg);
			continue;
		}
		v.base = a.handle;
		row("views", "split", v.size, op_split, &v, 1);
		row("views", "slice", v.size, op_slice, &v, 1);
		row("views", "dup", v.size, op_dup, &v, 1);
		row("views", "read+write", v.size, op_copy, &v, 1);
		if (kp_free(kfd, a.handle)) {
			failures++;
			printf("ERROR user,views,teardown,%ld,%s\n", v.size, err_msg);
		}
	}

	/* The mmap path. */
	for (i = 0; i < 3; i++) {
		long size = map_sizes[i];

		row("mmap", "kpool", size, op_kpool_map, &map_sizes[i], 1);
		row("mmap", "anon-mmap", size, op_anon_map, &map_sizes[i], 1);
		row("mmap", "malloc+memset", size, op_malloc, &map_sizes[i], 1);
		row("mmap", "memfd", size, op_memfd, &map_sizes[i], 1);
		row("mmap", "vgem-prime", size, op_vgem, &map_sizes[i], 1);
	}

	/* Threads: ALLOC+FREE of 256 B; one thread, two on two files, two on one. */
	{
		struct mt_run one = { .nthreads = 1, .shared_fd = -1, .kind = MT_KPOOL, .size = 256 };
		struct mt_run sep = { .nthreads = 2, .shared_fd = -1, .kind = MT_KPOOL, .size = 256 };
		struct mt_run shr = { .nthreads = 2, .shared_fd = kfd, .kind = MT_KPOOL, .size = 256 };

		mt_row("threads", "1-thread", &one);
		mt_row("threads", "2-separate", &sep);
		mt_row("threads", "2-shared", &shr);
	}

	/* Mixed: 4 threads, log-uniform sizes per band, 4 buffers in flight each. */
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 3; j++) {
			struct mt_run m = {
				.nthreads = 4, .shared_fd = peers[j].kind == MT_KPOOL ? kfd : -1,
				.kind = peers[j].kind, .lo = bands[i].lo, .hi = bands[i].hi,
			};
			char name[64];

			snprintf(name, sizeof(name), "%s@%s", peers[j].name, bands[i].name);
			mt_row("mixed", name, &m);
		}
	}

	if (ioctl(kfd, KPOOL_IOC_STATS, &st)) {
		perror("kpool_bench: KPOOL_IOC_STATS");
		return 1;
	}
	if (st.handles || st.bytes_in_use || st.mappings) {
		printf("ERROR user,end,stats,0,kpool not back at zero: %llu handles, %llu bytes, %llu mappings\n",
		       (unsigned long long)st.handles, (unsigned long long)st.bytes_in_use,
		       (unsigned long long)st.mappings);
		failures++;
	}
	close(kfd);
	printf("INFO user rows done: %d rows, %d failed\n", rows_tried, failures);
	return failures ? 1 : 0;
}
