// SPDX-License-Identifier: GPL-2.0
/*
 * zeroing: no byte written by one user is ever visible to a later user of
 * the same memory (spec/uapi.md, "Device and model").
 *
 * For every tier and the fallback, one process fills buffers over their
 * whole capacity with a secret (through WRITE and through a mapping),
 * frees them and exits; then another process allocates the same tier
 * twice as many times and must see nothing but zeros, through READ and
 * through mmap.  Both run on CPU 0, so the slab's per-CPU freelist hands
 * the freed objects straight back.  The test kernel boots with
 * init_on_alloc=0: the zeros are the module's own.
 */
#include "kt.h"

#include <sched.h>

struct class {
	const char *name;
	uint64_t size;		/* == capacity: the view covers it all */
	unsigned int fill;	/* buffers the first process fills */
};

static const struct class classes[] = {
	{ "tier 0 (256)", 256, 64 },
	{ "tier 1 (4096)", 4096, 48 },
	{ "tier 2 (16384)", 16384, 24 },
	{ "tier 3 (32768)", 32768, 16 },
	{ "tier 4 (1 MiB)", 1048576, 6 },
	{ "fallback (1.5 MiB)", 1572864, 3 },
};

#define SECRET	0xA7

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* First process: fill with the secret, free, exit. */
static void filler(void *arg)
{
	const struct class *c = arg;
	uint32_t *hs = calloc(c->fill, sizeof(*hs));
	unsigned char *secret = malloc(c->size);
	unsigned int i;
	int fd, ok = 1;

	pin_cpu0();
	fd = kt_open();
	if (fd < 0 || !hs || !secret) {
		kt_ok(0, "%s: filler set-up", c->name);
		return;
	}
	memset(secret, SECRET, c->size);
	for (i = 0; i < c->fill; i++) {
		struct kpool_alloc a;
		void *map;

		if (kt_alloc_full(fd, c->size, &a)) {
			ok = 0;
			break;
		}
		hs[i] = a.handle;
		if (c->size >= KT_PAGE && (i & 1)) {
			map = kt_mmap(fd, c->size, a.mmap_offset, NULL);
			if (!map) {
				ok = 0;
				continue;
			}
			memset(map, SECRET, c->size);
			munmap(map, c->size);
		} else if (kt_write(fd, a.handle, 0, secret, c->size)) {
			ok = 0;
		}
	}
	kt_ok(ok, "%s: a process fills %u buffers with a secret (WRITE%s), then frees them",
	      c->name, c->fill, c->size >= KT_PAGE ? " and mmap" : "");
	if (kt_free_batch(fd, hs, i, NULL))
		kt_diag("%s: FREE_BATCH failed", c->name);
	close(fd);
}

/* Second process: allocate twice as many, see only zeros. */
static void prober(void *arg)
{
	const struct class *c = arg;
	unsigned int n = 2 * c->fill, i, got = 0;
	uint32_t *hs = calloc(n, sizeof(*hs));
	unsigned char *buf = malloc(c->size);
	long read_bad = -1, map_bad = -1;
	unsigned int read_secret = 0, map_secret = 0;
	int fd;

	pin_cpu0();
	fd = kt_open();
	if (fd < 0 || !hs || !buf) {
		kt_ok(0, "%s: prober set-up", c->name);
		return;
	}
	for (i = 0; i < n; i++) {
		struct kpool_alloc a;
		long bad;
		size_t j;

		if (kt_alloc_full(fd, c->size, &a))
			break;
		hs[got++] = a.handle;
		memset(buf, 0x11, c->size);
		if (kt_read(fd, a.handle, 0, buf, c->size)) {
			read_bad = 0;
			continue;
		}
		bad = kt_nonzero(buf, c->size);
		if (bad >= 0 && read_bad < 0) {
			read_bad = bad;
			for (j = 0; j < c->size; j++)
				read_secret += buf[j] == SECRET;
		}
		if (c->size >= KT_PAGE) {
			unsigned char *map = kt_mmap(fd, c->size, a.mmap_offset, NULL);

			if (!map) {
				map_bad = 0;
				continue;
			}
			bad = kt_nonzero(map, c->size);
			if (bad >= 0 && map_bad < 0) {
				map_bad = bad;
				for (j = 0; j < c->size; j++)
					map_secret += map[j] == SECRET;
			}
			munmap(map, c->size);
		}
	}
	kt_ok(got == n, "%s: another process allocates %u buffers of the tier (got %u)",
	      c->name, n, got);
	if (read_bad >= 0)
		kt_diag("%s: first non-zero byte at %ld, %u bytes of the secret",
			c->name, read_bad, read_secret);
	kt_ok(read_bad < 0, "%s: READ of every new buffer gives only zeros",
	      c->name);
	if (c->size >= KT_PAGE) {
		if (map_bad >= 0)
			kt_diag("%s: mapping: first non-zero byte at %ld, %u bytes of the secret",
				c->name, map_bad, map_secret);
		kt_ok(map_bad < 0, "%s: mmap of every new buffer shows only zeros",
		      c->name);
	}
	kt_free_batch(fd, hs, got, NULL);
	close(fd);
}

/*
 * Bytes of the buffer beyond the view are reachable through a mapping
 * (whole pages): they must be zero too.
 */
static void beyond_view(void *arg)
{
	uint32_t hs[16];
	unsigned int i, n = 0;
	long bad = -1;
	int fd;

	(void)arg;
	pin_cpu0();
	fd = kt_open();
	for (i = 0; i < 16; i++) {
		struct kpool_alloc a;
		unsigned char *map;

		/* tier 2 (16384): view [0, 5000) spans pages 0 and 1 */
		if (kt_alloc_full(fd, 5000, &a))
			break;
		hs[n++] = a.handle;
		map = kt_mmap(fd, 8192, a.mmap_offset, NULL);
		if (!map)
			continue;
		if (bad < 0)
			bad = kt_nonzero(map, 8192);
		munmap(map, 8192);
	}
	kt_ok(n == 16 && bad < 0,
	      "tier 2: a 5000-byte view mapped as 2 pages shows zeros past the view too (first non-zero at %ld)",
	      bad);
	kt_free_batch(fd, hs, n, NULL);
	close(fd);
}

/* Within one file: free and allocate again. */
static void test_same_file(void)
{
	unsigned char buf[4096];
	unsigned int round;
	long bad = -1;
	uint32_t h;
	int fd = kt_open();

	memset(buf, SECRET, sizeof(buf));
	for (round = 0; round < 32 && bad < 0; round++) {
		if (kt_alloc(fd, 4096, &h))
			break;
		kt_read(fd, h, 0, buf, sizeof(buf));
		bad = kt_nonzero(buf, sizeof(buf));
		memset(buf, SECRET, sizeof(buf));
		kt_write(fd, h, 0, buf, sizeof(buf));
		kt_free(fd, h);
	}
	kt_ok(round == 32 && bad < 0,
	      "one file: 32 rounds of fill, free, allocate again; every new buffer is zeros");
	close(fd);
}

int main(void)
{
	unsigned int i;
	pid_t pid;
	int rfd;

	kt_begin();
	for (i = 0; i < KT_ARRAY_SIZE(classes); i++) {
		pid = kt_spawn(filler, (void *)&classes[i], &rfd);
		kt_reap(pid, rfd, classes[i].name);
		pid = kt_spawn(prober, (void *)&classes[i], &rfd);
		kt_reap(pid, rfd, classes[i].name);
	}
	pid = kt_spawn(filler, (void *)&classes[2], &rfd);
	kt_reap(pid, rfd, classes[2].name);
	pid = kt_spawn(beyond_view, NULL, &rfd);
	kt_reap(pid, rfd, "beyond the view");
	test_same_file();
	return kt_end();
}
