// SPDX-License-Identifier: GPL-2.0
/*
 * trace: the kpool trace events (tracefs events/kpool/) after a known
 * sequence of calls: ALLOC, SPLIT, SLICE, MATERIALIZE of two views, mmap
 * and munmap, EXPORT, IMPORT, the FREEs; and, where fault injection is
 * armed (the test kernel), a spill.  Each event's buffer (the same hashed
 * value for one buffer), tier, size, capacity and refs are checked, in
 * order.  The refs are the buffer's at the event, with the references an
 * ioctl holds for its own use (SLICE, mmap and EXPORT look their handle
 * up first: one more).  Needs root (tracefs); mounts tracefs if it is not mounted.
 */
#include "kt.h"

#include <sys/mman.h>
#include <sys/mount.h>

static char tdir[64];

static int tfs_write(const char *file, const char *val)
{
	char path[160];
	int f, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", tdir, file);
	f = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (f < 0)
		return -errno;
	if (write(f, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(f);
	return ret;
}

static int find_tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[96];
	unsigned int i;

	for (i = 0; i < KT_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK)) {
			snprintf(tdir, sizeof(tdir), "%s", dirs[i]);
			return 0;
		}
	}
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	snprintf(tdir, sizeof(tdir), "/sys/kernel/tracing");
	return 0;
}

struct ev {
	char name[32];
	char buf[32];
	int tier;
	unsigned long long size, capacity;
	unsigned int refs;
};

static struct ev evs[64];
static unsigned int nevs;

/* The kpool events of the trace buffer, in order. */
static void read_events(void)
{
	char path[160], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tdir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nevs < KT_ARRAY_SIZE(evs)) {
		struct ev *e = &evs[nevs];
		char *p = strstr(line, " kpool_");

		if (line[0] == '#' || !p)
			continue;
		if (sscanf(p, " %31[a-z_]: buf=%31s tier=%d size=%llu capacity=%llu refs=%u",
			   e->name, e->buf, &e->tier, &e->size, &e->capacity,
			   &e->refs) == 6)
			nevs++;
		else
			kt_diag("unparsed trace line: %s", line);
	}
	fclose(f);
}

static unsigned int next_ev;

/* The next event is @name with these fields; its buffer goes to *@buf. */
static void expect(const char *name, char *buf, int tier,
		   unsigned long long size, unsigned long long cap,
		   unsigned int refs, const char *what)
{
	struct ev *e = next_ev < nevs ? &evs[next_ev++] : NULL;

	if (!e) {
		kt_ok(0, "%s: %s (no more events)", what, name);
		return;
	}
	kt_ok(!strcmp(e->name, name) && (!*buf || !strcmp(e->buf, buf)) &&
	      e->tier == tier && e->size == size && e->capacity == cap &&
	      e->refs == refs,
	      "%s: %s buf=%s tier=%d size=%llu capacity=%llu refs=%u (want %s buf=%s tier=%d size=%llu capacity=%llu refs=%u)",
	      what, e->name, e->buf, e->tier, e->size, e->capacity, e->refs,
	      name, *buf ? buf : "(new)", tier, size, cap, refs);
	if (!*buf)
		snprintf(buf, 32, "%s", e->buf);
}

int main(void)
{
	char b1[32] = "", b2[32] = "", b3[32] = "", filter[64];
	uint32_t h1, h2, h3, m, imp, hs[2], sp = 0;
	struct kpool_alloc a;
	uint64_t len;
	int fd, efd, failfd, spilled = 0;
	char *map;

	kt_begin();
	if (geteuid())
		kt_skip_all("tracefs needs root");
	if (find_tracefs())
		kt_skip_all("no tracefs (%s)", strerror(errno));
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	{
		struct kpool_version v = { 0 };
		char path[160];

		snprintf(path, sizeof(path), "%s/events/kpool/enable", tdir);
		kt_io(fd, KPOOL_IOC_VERSION, &v);
		if (!(v.features & KPOOL_FEATURE_TRACEPOINTS)) {
			kt_ok(access(path, F_OK), "no tracepoints: no events/kpool");
			close(fd);
			return kt_end();
		}
		if (!kt_ok(!access(path, F_OK), "KPOOL_FEATURE_TRACEPOINTS: %s exists", path)) {
			close(fd);
			return kt_end();
		}
	}
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	kt_expect(tfs_write("tracing_on", "0"), 0, "tracing_on 0");
	kt_expect(tfs_write("trace", ""), 0, "clear the trace buffer");
	kt_expect(tfs_write("events/kpool/filter", filter), 0, "filter: %s", filter);
	kt_expect(tfs_write("events/kpool/enable", "1"), 0, "enable events/kpool");
	kt_expect(tfs_write("tracing_on", "1"), 0, "tracing_on 1");

	/* The known sequence. */
	kt_alloc(fd, 5000, &h1);
	kt_split(fd, h1, 1000, &h2);
	kt_slice(fd, h1, 0, 500, &h3);
	hs[0] = h3;
	hs[1] = h2;
	kt_materialize(fd, hs, 2, &m, &len);
	map = kt_mmap(fd, 1000, (uint64_t)h1 << 12, NULL);
	if (map)
		munmap(map, 1000);
	kt_export(fd, h2, O_CLOEXEC, &efd);
	kt_import(fd, efd, &imp);
	close(efd);
	kt_free(fd, h1);
	kt_free(fd, h2);
	kt_free(fd, h3);
	kt_free(fd, imp);
	kt_free(fd, m);
	/* A spill, where fault injection can make the 1 MiB slab fail. */
	failfd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (failfd >= 0 && !access("/sys/kernel/debug/failslab/probability", F_OK)) {
		/* A kept 1 MiB buffer would not reach the failing slab. */
		kt_drop_kept();
		if (pwrite(failfd, "1", 1, 0) == 1) {
			spilled = !kt_alloc_full(fd, 1 << 20, &a);
			if (pwrite(failfd, "0", 1, 0) != 1)
				kt_diag("make-it-fail 0: %s", strerror(errno));
			sp = spilled ? a.handle : 0;
			if (sp)
				kt_free(fd, sp);
		}
	}
	if (failfd >= 0)
		close(failfd);

	kt_expect(tfs_write("tracing_on", "0"), 0, "tracing_on 0");
	read_events();
	kt_expect(tfs_write("events/kpool/enable", "0"), 0, "disable events/kpool");
	kt_expect(tfs_write("events/kpool/filter", "0"), 0, "clear the filter");
	kt_expect(tfs_write("tracing_on", "1"), 0, "tracing_on 1 again");
	kt_diag("%u kpool events", nevs);

	expect("kpool_alloc", b1, 2, 5000, 16384, 1, "ALLOC 5000");
	expect("kpool_split", b1, 2, 4000, 16384, 2, "SPLIT at 1000");
	expect("kpool_slice", b1, 2, 500, 16384, 4, "SLICE [0, 500)");
	expect("kpool_alloc", b2, 2, 4500, 16384, 1, "MATERIALIZE's new buffer");
	kt_ok(strcmp(b1, b2), "... another buffer (%s, %s)", b1, b2);
	expect("kpool_materialize", b2, 2, 4500, 16384, 1, "MATERIALIZE of two views");
	expect("kpool_map", b1, 2, 4096, 16384, 5, "mmap of [0, 1000)");
	expect("kpool_unmap", b1, 2, 4096, 16384, 4, "munmap");
	expect("kpool_export", b1, 2, 4000, 16384, 5, "EXPORT of [1000, 5000)");
	expect("kpool_import", b1, 2, 4000, 16384, 5, "IMPORT");
	expect("kpool_free", b1, 2, 16384, 16384, 0, "the last FREE of the first buffer");
	expect("kpool_free", b2, 2, 16384, 16384, 0, "FREE of MATERIALIZE's buffer");
	if (spilled) {
		expect("kpool_alloc", b3, 4, 1 << 20, 1 << 20, 1, "ALLOC 1 MiB with the slab failing");
		expect("kpool_spill", b3, 4, 1 << 20, 1 << 20, 1, "... it spills");
		expect("kpool_free", b3, 4, 1 << 20, 1 << 20, 0, "... and is freed");
	} else {
		kt_skip("no fault injection (the test kernel's failslab)", "a spill's events");
	}
	kt_ok(next_ev == nevs, "no other kpool events (%u of %u seen)", next_ev, nevs);
	close(fd);
	return kt_end();
}
