// SPDX-License-Identifier: GPL-2.0
/*
 * concurrency: threads sharing one open file of /dev/kpool.
 *
 *  - a storm: threads allocate, duplicate, split, slice, read, write and
 *    free handles from one shared table, often the same handles at once;
 *    every call answers success or an errno a race explains;
 *  - racing frees of one handle: exactly one succeeds, round after round;
 *  - racing splits of one handle: the pieces tile the view exactly;
 *  - mmap racing FREE of the handle being mapped;
 *  - a thread closes the file while others are inside ioctls on it: each
 *    call gets EBADF or works, and everything is returned afterwards.
 * The guest kernel runs lockdep, KASAN and DEBUG_ATOMIC_SLEEP: a race
 * that the answers do not show shows in the kernel log (vm-run's check).
 */
#include "kt.h"

#include <pthread.h>
#include <stdatomic.h>

#define NTHREADS	4

static int fd;
static pthread_barrier_t barrier;

/* ------------------------------------------------------ storm */

#define SLOTS		64
#define STORM_OPS	2000

static _Atomic uint32_t slots[SLOTS];
static atomic_int unexpected;
static atomic_long calls_ok;

static void note(const char *op, int ret)
{
	if (!ret) {
		atomic_fetch_add(&calls_ok, 1);
		return;
	}
	/* a handle freed or split by another thread meanwhile */
	if (ret == -ENOENT || ret == -EINVAL)
		return;
	if (atomic_fetch_add(&unexpected, 1) < 5)
		kt_diag("storm: %s answered %s", op, kt_errname(-ret));
}

static void *storm(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 7919 + 1;
	unsigned char buf[512];
	int i;

	pthread_barrier_wait(&barrier);
	for (i = 0; i < STORM_OPS; i++) {
		unsigned int slot = rand_r(&seed) % SLOTS;
		uint32_t h = atomic_load(&slots[slot]), nh = 0, old;
		struct kpool_info info;
		int ret;

		switch (rand_r(&seed) % 8) {
		case 0:
		case 1:
			ret = kt_alloc(fd, 1 + rand_r(&seed) % 20000, &nh);
			note("ALLOC", ret);
			break;
		case 2:
			ret = kt_dup(fd, h, &nh);
			note("DUP", h ? ret : 0);
			break;
		case 3:
			ret = kt_split(fd, h, rand_r(&seed) % 300, &nh);
			note("SPLIT", h ? ret : 0);
			break;
		case 4:
			ret = kt_slice(fd, h, 0, rand_r(&seed) % 200, &nh);
			note("SLICE", h ? ret : 0);
			break;
		case 5:
			ret = kt_info(fd, h, &info);
			if (!ret) {
				uint64_t n = info.length < sizeof(buf) ? info.length : sizeof(buf);

				note("WRITE", kt_write(fd, h, 0, buf, n));
				note("READ", kt_read(fd, h, 0, buf, n));
			}
			break;
		default:
			/* free whatever is in the slot, if we are the one to take it */
			old = atomic_exchange(&slots[slot], 0);
			if (old)
				note("FREE", kt_free(fd, old));
			break;
		}
		if (nh) {
			old = atomic_exchange(&slots[slot], nh);
			if (old)
				note("FREE", kt_free(fd, old));
		}
	}
	return NULL;
}

static void test_storm(void)
{
	struct kpool_stats s0;
	pthread_t t[NTHREADS];
	unsigned int i, left = 0;
	long long t0 = kt_ms();

	kt_stats_now(&s0);
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, storm, (void *)(uintptr_t)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	kt_diag("storm: %d threads x %d operations, %ld calls succeeded, %lld ms",
		NTHREADS, STORM_OPS, atomic_load(&calls_ok), kt_ms() - t0);
	kt_ok(atomic_load(&unexpected) == 0,
	      "storm: every call succeeded or failed with ENOENT/EINVAL (%d other answers)",
	      atomic_load(&unexpected));
	for (i = 0; i < SLOTS; i++) {
		uint32_t h = atomic_load(&slots[i]);

		if (h && kt_free(fd, h) == 0)
			left++;
		slots[i] = 0;
	}
	kt_ok(1, "storm: the %u handles left in the slots were freed", left);
	kt_unchanged(&s0, "storm: every buffer is back once the slots are freed");
}

/* ------------------------------------------------------ racing frees */

#define FREE_ROUNDS	300

static _Atomic uint32_t target;
static atomic_int wins, losses, others;

static void *free_racer(void *arg)
{
	int r, ret;

	(void)arg;
	for (r = 0; r < FREE_ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		ret = kt_free(fd, atomic_load(&target));
		if (!ret)
			atomic_fetch_add(&wins, 1);
		else if (ret == -ENOENT)
			atomic_fetch_add(&losses, 1);
		else
			atomic_fetch_add(&others, 1);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void test_racing_frees(void)
{
	struct kpool_stats s0;
	pthread_t t[NTHREADS];
	int r, i, bad_rounds = 0;
	uint32_t h;

	kt_stats_now(&s0);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, free_racer, NULL);
	for (r = 0; r < FREE_ROUNDS; r++) {
		kt_alloc(fd, r % 2 ? 100 : 20000, &h);
		atomic_store(&target, h);
		atomic_store(&wins, 0);
		pthread_barrier_wait(&barrier);	/* go */
		pthread_barrier_wait(&barrier);	/* all answered */
		if (atomic_load(&wins) != 1 && bad_rounds++ < 3)
			kt_diag("round %d: %d FREEs succeeded", r, atomic_load(&wins));
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	kt_ok(bad_rounds == 0,
	      "racing FREEs of one handle by %d threads: exactly one success in each of %d rounds (%d rounds wrong)",
	      NTHREADS, FREE_ROUNDS, bad_rounds);
	kt_ok(atomic_load(&others) == 0 &&
	      atomic_load(&losses) == FREE_ROUNDS * (NTHREADS - 1),
	      "racing FREEs: every other call answered ENOENT (%d ENOENT, %d other)",
	      atomic_load(&losses), atomic_load(&others));
	kt_unchanged(&s0, "racing FREEs: nothing left, no double free");
}

/* ------------------------------------------------------ racing splits */

#define SPLIT_ROUNDS	100

static uint32_t split_new[NTHREADS];
static int split_ret[NTHREADS];

static void *split_racer(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg;
	int r;

	for (r = 0; r < SPLIT_ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		/* each at a different place: 90, 70, 50, 30 */
		split_ret[me] = kt_split(fd, atomic_load(&target), 90 - 20 * me,
					 &split_new[me]);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void test_racing_splits(void)
{
	struct kpool_stats s0;
	pthread_t t[NTHREADS];
	int r, i, bad = 0, odd = 0;

	kt_stats_now(&s0);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, split_racer, (void *)(uintptr_t)i);
	for (r = 0; r < SPLIT_ROUNDS; r++) {
		uint64_t pieces[NTHREADS + 1][2];
		struct kpool_info info;
		uint32_t h;
		int n = 0;
		uint64_t at = 0;

		kt_alloc(fd, 100, &h);
		atomic_store(&target, h);
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
		kt_info(fd, h, &info);
		pieces[n][0] = info.offset;
		pieces[n++][1] = info.length;
		for (i = 0; i < NTHREADS; i++) {
			/* EINVAL: another split left the view shorter first */
			if (split_ret[i]) {
				odd += split_ret[i] != -EINVAL;
				continue;
			}
			kt_info(fd, split_new[i], &info);
			pieces[n][0] = info.offset;
			pieces[n++][1] = info.length;
			kt_free(fd, split_new[i]);
		}
		kt_free(fd, h);
		/* the pieces, by offset, must tile [0, 100) */
		qsort(pieces, n, sizeof(pieces[0]), cmp_u64);
		for (i = 0; i < n; i++) {
			if (pieces[i][0] != at)
				break;
			at += pieces[i][1];
		}
		if (i != n || at != 100) {
			if (!bad)
				kt_diag("round %d: %d pieces do not tile [0,100)", r, n);
			bad++;
		}
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	kt_ok(odd == 0,
	      "racing SPLITs at 90, 70, 50, 30: each succeeds or answers EINVAL (%d other answers)",
	      odd);
	kt_ok(bad == 0,
	      "racing SPLITs of one handle: the pieces tile the view exactly, %d rounds (%d wrong)",
	      SPLIT_ROUNDS, bad);
	kt_unchanged(&s0, "racing SPLITs: nothing left");
}

/* ------------------------------------------------------ mmap vs FREE */

#define MAP_ROUNDS	150

static struct kpool_alloc map_target;
static void *map_addr;
static int map_err;

static void *mapper(void *arg)
{
	int r;

	(void)arg;
	for (r = 0; r < MAP_ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		map_addr = kt_mmap(fd, 16384, map_target.mmap_offset, &map_err);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void test_mmap_vs_free(void)
{
	struct kpool_stats s0;
	pthread_t t;
	int r, mapped = 0, refused = 0, other = 0, bad_bytes = 0;
	volatile long spin;

	kt_stats_now(&s0);
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&t, NULL, mapper, NULL);
	for (r = 0; r < MAP_ROUNDS; r++) {
		kt_alloc_full(fd, 16384, &map_target);
		kt_write(fd, map_target.handle, 16380, "last", 4);
		pthread_barrier_wait(&barrier);
		/* let the mapper start, a little longer each round */
		for (spin = 0; spin < (r % 15) * 20000; spin++)
			__asm__ volatile("" ::: "memory");
		kt_free(fd, map_target.handle);
		pthread_barrier_wait(&barrier);
		if (map_addr) {
			mapped++;
			if (memcmp((char *)map_addr + 16380, "last", 4))
				bad_bytes++;
			munmap(map_addr, 16384);
		} else if (map_err == EINVAL) {
			refused++;
		} else {
			other++;
		}
	}
	pthread_join(t, NULL);
	pthread_barrier_destroy(&barrier);
	kt_diag("mmap vs FREE: %d mapped, %d refused", mapped, refused);
	kt_ok(other == 0, "mmap racing FREE: mapped or EINVAL, nothing else (%d other)", other);
	kt_ok(bad_bytes == 0, "mmap racing FREE: a mapping that won shows the buffer's bytes");
	kt_unchanged(&s0, "mmap racing FREE: every buffer returned after munmap");
}

/* ------------------------------------------------------ close vs ioctls */

#define CLOSE_ROUNDS	60

static int victim = -1;
static atomic_int close_bad, close_ebadf, close_ok;

static void *closer_victim_user(void *arg)
{
	int me = (int)(uintptr_t)arg, r, i;

	for (r = 0; r < CLOSE_ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		for (i = 0; i < 40; i++) {
			struct kpool_info info;
			uint32_t h;
			int ret = kt_alloc(victim, me & 1 ? 300 : 20000, &h);

			if (!ret) {
				kt_info(victim, h, &info);
				kt_dup(victim, h, NULL);
				ret = kt_free(victim, h);
			}
			if (!ret) {
				atomic_fetch_add(&close_ok, 1);
			} else if (ret == -EBADF) {
				atomic_fetch_add(&close_ebadf, 1);
				break;
			} else {
				if (atomic_fetch_add(&close_bad, 1) < 5)
					kt_diag("close race: an ioctl answered %s",
						kt_errname(-ret));
				break;
			}
		}
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void test_close_race(void)
{
	struct kpool_stats s0;
	pthread_t t[NTHREADS];
	int r, i;

	kt_stats_now(&s0);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, closer_victim_user, (void *)(uintptr_t)i);
	for (r = 0; r < CLOSE_ROUNDS; r++) {
		/* nobody else opens files meanwhile: the number stays unused */
		victim = kt_open();
		pthread_barrier_wait(&barrier);
		usleep(r % 10 * 300);
		close(victim);
		pthread_barrier_wait(&barrier);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	kt_diag("close race: %d calls succeeded, %d threads saw EBADF",
		atomic_load(&close_ok), atomic_load(&close_ebadf));
	kt_ok(atomic_load(&close_bad) == 0,
	      "a thread closing the file while others are in ioctls: each call works or answers EBADF (%d other answers)",
	      atomic_load(&close_bad));
	kt_unchanged(&s0, "close race: every handle of the closed files is freed");
}

int main(void)
{
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_storm();
	test_racing_frees();
	test_racing_splits();
	test_mmap_vs_free();
	test_close_race();
	close(fd);
	return kt_end();
}
