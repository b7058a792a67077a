// SPDX-License-Identifier: GPL-2.0
/*
 * churn: the costly tier under churn, as an RPC server drives it.
 *
 * 4 threads share one open file and make 12000 operations in all: each
 * allocates a buffer of 1 to 40000 bytes (so a fifth of them, those above
 * 32 KiB, go to the 1 MiB tier), writes a pattern over it, reads it back,
 * and frees a buffer allocated a few operations earlier (4 in flight per
 * thread).  Every call must succeed and every byte read must be the one
 * written; a buffer must arrive zeroed over what it holds.  The time taken
 * is printed: kpool used to spend most of it clearing whole 1 MiB objects
 * for requests of 33 to 40 KB (see README, Performance).
 */
#include "kt.h"

#include <pthread.h>
#include <stdatomic.h>

#define NTHREADS	4
#ifndef OPS
#define OPS		12000	/* -DOPS=N for a shorter run by hand */
#endif
#define MAX_SIZE	40000
#define INFLIGHT	4

static int fd;
static pthread_barrier_t barrier;
static atomic_int bad_calls, bad_bytes, not_zero, costly;

struct slot {
	uint32_t handle;
	uint32_t size;
	uint32_t seed;
};

static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 2654435761u + 1;
	static _Thread_local unsigned char buf[MAX_SIZE];
	struct slot slots[INFLIGHT] = { 0 };
	struct kpool_alloc a;
	int i, k;

	pthread_barrier_wait(&barrier);
	for (i = 0; i < OPS / NTHREADS; i++) {
		struct slot *s = &slots[i % INFLIGHT];
		uint32_t size = 1 + rand_r(&seed) % MAX_SIZE;

		if (s->size && kt_free(fd, s->handle))
			atomic_fetch_add(&bad_calls, 1);
		s->size = 0;
		if (kt_alloc_full(fd, size, &a)) {
			atomic_fetch_add(&bad_calls, 1);
			continue;
		}
		if (a.tier == 4)
			atomic_fetch_add(&costly, 1);
		s->handle = a.handle;
		s->size = size;
		s->seed = rand_r(&seed);
		/* A new buffer is zero over what it holds. */
		if (kt_read(fd, s->handle, 0, buf, size) ||
		    kt_nonzero(buf, size) >= 0)
			atomic_fetch_add(&not_zero, 1);
		kt_fill(buf, size, s->seed);
		if (kt_write(fd, s->handle, 0, buf, size))
			atomic_fetch_add(&bad_calls, 1);
		memset(buf, 0, size);
		if (kt_read(fd, s->handle, 0, buf, size) ||
		    kt_check_fill(buf, size, s->seed) >= 0)
			atomic_fetch_add(&bad_bytes, 1);
	}
	for (k = 0; k < INFLIGHT; k++)
		if (slots[k].size && kt_free(fd, slots[k].handle))
			atomic_fetch_add(&bad_calls, 1);
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	long long t0, ms;
	int i;

	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	t0 = kt_ms();
	pthread_barrier_wait(&barrier);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	ms = kt_ms() - t0;
	kt_diag("churn: %d operations of 1..%d bytes on %d threads in %lld ms (%d in the 1 MiB tier)",
		OPS, MAX_SIZE, NTHREADS, ms, atomic_load(&costly));
	kt_ok(atomic_load(&bad_calls) == 0,
	      "churn: every ALLOC, WRITE and FREE succeeded (%d failed)",
	      atomic_load(&bad_calls));
	kt_ok(atomic_load(&not_zero) == 0,
	      "churn: every new buffer read back zero over its size (%d did not)",
	      atomic_load(&not_zero));
	kt_ok(atomic_load(&bad_bytes) == 0,
	      "churn: every buffer read back what was written (%d did not)",
	      atomic_load(&bad_bytes));
	kt_ok(atomic_load(&costly) > OPS / 10,
	      "churn: the 1 MiB tier was used (%d of %d allocations)",
	      atomic_load(&costly), OPS);
	close(fd);
	return kt_end();
}
