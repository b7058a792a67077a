// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle: processes dying with kpool objects, and the module's unload.
 *
 *  - a process SIGKILLed while holding handles in every tier, mappings
 *    (some of freed handles), exported fds (some mapped): once it is
 *    reaped, the stats are back where they were;
 *  - a process SIGKILLed in the middle of a busy loop of ioctls and mmaps;
 *  - a process SIGKILLed in the middle of an ALLOC_BATCH of 1024 buffers of
 *    32 KiB (1024 of 1 MiB would not fit the 1 GiB guest): it is reaped in
 *    less than half the time the batch itself takes (the batch stops at
 *    the fatal signal), and everything is returned;
 *  - 'rmmod kpool' (delete_module) is refused while a child holds an open
 *    file, only a mapping, only an exported fd, or only the mapping of an
 *    exported fd that it closed; the object keeps working; once the child
 *    is gone the unload is accepted, and kpool is loaded again from
 *    $KPOOL_MODULE (as scripts/guest/usertests.sh runs it, as root) with
 *    its default parameters;
 *  - 20 rounds of rmmod, insmod and a run through every tier, mmap and
 *    export in one boot: each rmmod is accepted, the kpool caches are gone
 *    from /proc/slabinfo and /sys/kernel/slab after it, and each new load
 *    starts empty and ends empty (the harness checks kmemleak at the end).
 * This process holds no kpool file across the unload checks: each STATS
 * opens and closes its own.
 */
#include "kt.h"

#include <dirent.h>
#include <sys/syscall.h>

static int sync_ready[2], sync_go[2];

static void child_wait_go(void)
{
	kt_send_byte(sync_ready[1], 'r');
	kt_recv_byte(sync_go[0]);
}

/* ------------------------------------------------------ SIGKILL */

static void hoarder(void *arg)
{
	static const uint64_t sizes[] = { 1, 256, 300, 4096, 10000, 16384,
					  20000, 32768, 100000, 1 << 20,
					  (1 << 20) + 1, 3 << 20 };
	struct kpool_alloc a;
	uint32_t extra;
	unsigned int i;
	int f, f2, efd;
	void *m;

	(void)arg;
	f = kt_open();
	f2 = kt_open();
	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++) {
		if (kt_alloc_full(i & 1 ? f2 : f, sizes[i], &a))
			continue;
		kt_dup(i & 1 ? f2 : f, a.handle, &extra);
		kt_split(i & 1 ? f2 : f, extra, sizes[i] / 2, NULL);
		if (sizes[i] >= KT_PAGE) {
			m = kt_mmap(i & 1 ? f2 : f, sizes[i] & ~(KT_PAGE - 1),
				    a.mmap_offset, NULL);
			if (m && i % 3 == 0)
				kt_free(i & 1 ? f2 : f, a.handle);
		}
		if (!kt_export(i & 1 ? f2 : f, extra, 0, &efd) && sizes[i] >= 2 * KT_PAGE)
			kt_mmap(efd, KT_PAGE, 0, NULL);
	}
	kt_ok(1, "the hoarder holds handles, mappings and exported fds in every tier");
	kt_send_byte(sync_ready[1], 'r');
	for (;;)
		pause();
}

static void busy(void *arg)
{
	struct kpool_alloc a;
	int f = kt_open();
	unsigned int n = 0;

	(void)arg;
	kt_send_byte(sync_ready[1], 'r');
	for (;;) {
		uint32_t d;
		int efd;
		void *m;

		if (kt_alloc_full(f, 4096 << (n % 4), &a))
			continue;
		kt_dup(f, a.handle, &d);
		m = kt_mmap(f, 4096, a.mmap_offset, NULL);
		if (!kt_export(f, d, 0, &efd))
			close(efd);
		if (m && n % 2)
			munmap(m, 4096);
		kt_free(f, a.handle);
		if (n++ % 64 == 63) {
			close(f);
			f = kt_open();
		}
	}
}

static void kill_test(void (*fn)(void *), const char *what, int delay_ms)
{
	struct kpool_stats s0, s1;
	pid_t pid;
	int rfd, status;

	kt_stats_now(&s0);
	if (pipe2(sync_ready, O_CLOEXEC))
		return;
	pid = kt_spawn(fn, NULL, &rfd);
	kt_recv_byte(sync_ready[0]);
	if (delay_ms)
		usleep(delay_ms * 1000);
	kt_stats_now(&s1);
	kt_ok(s1.handles > s0.handles || s1.mappings > s0.mappings || s1.exports > s0.exports ||
	      delay_ms, "%s: holds objects before the kill (handles +%lld, mappings +%lld, exports +%lld)",
	      what, (long long)(s1.handles - s0.handles),
	      (long long)(s1.mappings - s0.mappings), (long long)(s1.exports - s0.exports));
	kill(pid, SIGKILL);
	status = kt_collect(pid, rfd);
	kt_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s: SIGKILLed (%s)",
	      what, kt_status_str(status));
	close(sync_ready[0]);
	close(sync_ready[1]);
	kt_state_is(&s0, 2000, "%s: once reaped, every handle, mapping, export and buffer is returned",
		    what);
}

/* ------------------------------------------------------ SIGKILL in a batch */

#define BATCH_SIZE	32768
#define BATCH_COUNT	1024

static uint32_t batch_handles[BATCH_COUNT];

static void batcher(void *arg)
{
	int f = kt_open();

	(void)arg;
	kt_send_byte(sync_ready[1], 'b');	/* the first batch starts now */
	for (;;) {
		if (!kt_alloc_batch(f, BATCH_SIZE, batch_handles, BATCH_COUNT))
			kt_free_batch(f, batch_handles, BATCH_COUNT, NULL);
	}
}

static void test_kill_in_batch(void)
{
	struct kpool_stats s0;
	long long t, batch_ms, reap_ms;
	int f, rfd, status, ret;
	pid_t pid;

	kt_stats_now(&s0);
	/* How long one batch takes here, undisturbed. */
	f = kt_open();
	t = kt_ms();
	ret = kt_alloc_batch(f, BATCH_SIZE, batch_handles, BATCH_COUNT);
	batch_ms = kt_ms() - t;
	if (!kt_expect(ret, 0, "ALLOC_BATCH of %d x %d bytes (%lld ms)", BATCH_COUNT,
		       BATCH_SIZE, batch_ms)) {
		close(f);
		return;
	}
	kt_free_batch(f, batch_handles, BATCH_COUNT, NULL);
	close(f);

	if (pipe2(sync_ready, O_CLOEXEC))
		return;
	pid = kt_spawn(batcher, NULL, &rfd);
	kt_recv_byte(sync_ready[0]);
	/* a tenth of the way into the first batch */
	usleep(batch_ms * 100);
	kill(pid, SIGKILL);
	t = kt_ms();
	status = kt_collect(pid, rfd);
	reap_ms = kt_ms() - t;
	close(sync_ready[0]);
	close(sync_ready[1]);
	kt_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "SIGKILL in the middle of ALLOC_BATCH of %d x %d bytes: the process is reaped (%s)",
	      BATCH_COUNT, BATCH_SIZE, kt_status_str(status));
	kt_ok(reap_ms * 2 < batch_ms,
	      "... in %lld ms, under half the %lld ms the batch takes: it stops at the fatal signal",
	      reap_ms, batch_ms);
	kt_state_is(&s0, 2000, "SIGKILL in the middle of ALLOC_BATCH: every handle and buffer is returned");
}

/* ------------------------------------------------------ unload */

static const char *module_path;

static int try_unload(void)
{
	return syscall(SYS_delete_module, "kpool", O_NONBLOCK) ? -errno : 0;
}

static int module_loaded(void)
{
	return access("/sys/module/kpool", F_OK) == 0;
}

static int load_module(void)
{
	int f = open(module_path, O_RDONLY | O_CLOEXEC), ret, i;

	if (f < 0)
		return -errno;
	ret = syscall(SYS_finit_module, f, "", 0) ? -errno : 0;
	close(f);
	/* devtmpfs makes /dev/kpool; give it a moment */
	for (i = 0; !ret && i < 100 && access(KT_DEV, F_OK); i++)
		usleep(20000);
	return ret;
}

enum holder { H_FILE, H_MAPPING, H_EXPORT, H_EXPORT_MAPPING };

static const char *const holder_names[] = {
	[H_FILE] = "an open file with no handles",
	[H_MAPPING] = "only a mapping (handle freed, file closed)",
	[H_EXPORT] = "only an exported fd (file closed)",
	[H_EXPORT_MAPPING] = "only the mapping of an exported fd (fd closed)",
};

static void holder(void *arg)
{
	enum holder kind = (enum holder)(uintptr_t)arg;
	struct kpool_alloc a;
	unsigned char *m = NULL;
	int f = kt_open(), efd = -1;

	if (kind != H_FILE) {
		kt_alloc_full(f, 16384, &a);
		kt_write(f, a.handle, 0, "still here", 10);
	}
	switch (kind) {
	case H_FILE:
		break;
	case H_MAPPING:
		m = kt_mmap(f, 16384, a.mmap_offset, NULL);
		close(f);
		f = -1;
		break;
	case H_EXPORT:
		kt_export(f, a.handle, O_CLOEXEC, &efd);
		close(f);
		f = -1;
		break;
	case H_EXPORT_MAPPING:
		kt_export(f, a.handle, O_CLOEXEC, &efd);
		close(f);
		f = -1;
		m = kt_mmap(efd, 16384, 0, NULL);
		close(efd);
		efd = -1;
		break;
	}
	child_wait_go();
	/* the parent tried to unload kpool meanwhile */
	switch (kind) {
	case H_FILE: {
		uint32_t h;

		kt_expect(kt_alloc(f, 100, &h), 0, "%s: the file still works after the refused unload",
			  holder_names[kind]);
		break;
	}
	case H_MAPPING:
	case H_EXPORT_MAPPING:
		kt_ok(m && !memcmp(m, "still here", 10),
		      "%s: the mapping still holds the bytes after the refused unload",
		      holder_names[kind]);
		break;
	case H_EXPORT: {
		uint32_t h;
		char buf[10];

		f = kt_open();
		kt_import(f, efd, &h);
		kt_read(f, h, 0, buf, 10);
		kt_ok(!memcmp(buf, "still here", 10),
		      "%s: the exported fd still imports after the refused unload",
		      holder_names[kind]);
		break;
	}
	}
}

static void test_unload(void)
{
	struct kpool_stats s;
	enum holder kind;
	unsigned int i;
	int ret;

	module_path = getenv("KPOOL_MODULE");
	if (geteuid() != 0 || !module_path || access(module_path, R_OK)) {
		kt_skip("needs root and $KPOOL_MODULE (run by scripts/guest/usertests.sh)",
			"rmmod kpool refused while objects are alive, accepted after");
		return;
	}
	if (pipe2(sync_ready, O_CLOEXEC) || pipe2(sync_go, O_CLOEXEC))
		return;
	for (kind = H_FILE; kind <= H_EXPORT_MAPPING; kind++) {
		pid_t pid;
		int rfd;

		pid = kt_spawn(holder, (void *)(uintptr_t)kind, &rfd);
		kt_recv_byte(sync_ready[0]);
		ret = try_unload();
		kt_ok(ret == -EAGAIN || ret == -EBUSY,
		      "rmmod kpool while a child holds %s: refused (%s)",
		      holder_names[kind], kt_errname(-ret));
		kt_ok(module_loaded(), "... and kpool is still loaded");
		if (!module_loaded()) {
			kill(pid, SIGKILL);
			kt_collect(pid, rfd);
			break;
		}
		kt_send_byte(sync_go[1], 'g');
		kt_reap(pid, rfd, holder_names[kind]);
	}
	close(sync_ready[0]);
	close(sync_ready[1]);
	close(sync_go[0]);
	close(sync_go[1]);

	ret = 0;
	for (i = 0; i < 50; i++) {
		ret = try_unload();
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		usleep(20000);	/* a delayed fput still on its way */
	}
	kt_expect(ret, 0, "with every holder gone, rmmod kpool is accepted");
	kt_ok(!module_loaded() && access(KT_DEV, F_OK) != 0,
	      "kpool is unloaded: /sys/module/kpool and %s are gone", KT_DEV);
	ret = module_loaded() ? 0 : load_module();
	kt_expect(ret, 0, "insmod of $KPOOL_MODULE with the default parameters");
	ret = kt_stats_now(&s);
	kt_ok(!ret && s.handles == 0 && s.mappings == 0 && s.exports == 0 &&
	      s.bytes_in_use == 0 && s.ntiers == KT_NTIERS,
	      "the reloaded kpool starts empty with %zu tiers", KT_NTIERS);
}

/* ------------------------------------------------------ reload cycles */

#define CYCLES	20

/* The names of kpool's slab caches still known to the kernel, or "". */
static const char *kpool_caches(void)
{
	static char names[256];
	char line[512];
	struct dirent *d;
	FILE *f;
	DIR *dir;

	size_t n = 0;

	names[0] = 0;
	f = fopen("/proc/slabinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "kpool", 5) && n < sizeof(names) - 64) {
			line[strcspn(line, " ")] = 0;
			n += snprintf(names + n, sizeof(names) - n, "%.40s ", line);
		}
	}
	if (f)
		fclose(f);
	dir = opendir("/sys/kernel/slab");
	while (dir && (d = readdir(dir))) {
		if (!strncmp(d->d_name, "kpool", 5) && n < sizeof(names) - 64)
			n += snprintf(names + n, sizeof(names) - n, "sysfs:%.40s ", d->d_name);
	}
	if (dir)
		closedir(dir);
	return names;
}

/* A little of everything: every tier and the fallback, mmap, export. */
static int cycle_work(void)
{
	static const uint64_t sizes[] = { 100, 4096, 16384, 32768, 1 << 20, 3 << 20 };
	struct kpool_alloc a;
	struct kpool_stats s;
	unsigned int i;
	uint32_t h, parts[2];
	void *m = NULL, *em = NULL;
	int f = kt_open(), efd = -1, bad = 0;

	if (f < 0)
		return -1;
	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++) {
		bad |= kt_alloc_full(f, sizes[i], &a);
		if (bad)
			break;
		kt_write(f, a.handle, 0, "cycle", 5);
		bad |= kt_dup(f, a.handle, &h) | kt_split(f, h, sizes[i] / 2, &parts[1]);
		parts[0] = h;
		bad |= kt_materialize(f, parts, 2, NULL, NULL);
		if (sizes[i] == 16384) {
			m = kt_mmap(f, 16384, a.mmap_offset, NULL);
			bad |= !m || kt_export(f, a.handle, O_CLOEXEC, &efd);
			em = efd >= 0 ? kt_mmap(efd, 16384, 0, NULL) : NULL;
			bad |= !em;
		}
	}
	bad |= kt_stats(f, &s) || !s.handles || !s.bytes_in_use;
	close(f);
	if (efd >= 0)
		close(efd);
	if (m)
		munmap(m, 16384);
	if (em)
		munmap(em, 16384);
	return bad ? -1 : 0;
}

static void test_reload_cycles(void)
{
	int i, ret, not_unloaded = 0, caches_left = 0, not_loaded = 0, work_bad = 0,
	    not_empty = 0;
	long long t0 = kt_ms();
	struct kpool_stats s;

	if (geteuid() != 0 || !module_path || access(module_path, R_OK)) {
		kt_skip("needs root and $KPOOL_MODULE (run by scripts/guest/usertests.sh)",
			"%d rounds of rmmod, insmod and a run", CYCLES);
		return;
	}
	for (i = 0; i < CYCLES; i++) {
		const char *left;
		int n;

		if (!module_loaded() && load_module()) {
			not_loaded++;
			break;
		}
		if (cycle_work())
			work_bad++;
		if (kt_stats_now(&s) || s.handles || s.mappings || s.exports || s.bytes_in_use) {
			if (not_empty++ < 3)
				kt_diag("round %d: kpool is not empty after the run", i);
		}
		for (n = 0, ret = -EBUSY; n < 50 && (ret == -EAGAIN || ret == -EBUSY); n++) {
			ret = try_unload();
			if (ret)
				usleep(20000);	/* a delayed fput */
		}
		if (ret) {
			if (not_unloaded++ < 3)
				kt_diag("round %d: rmmod kpool: %s", i, kt_errname(-ret));
			continue;
		}
		left = kpool_caches();
		for (n = 0; n < 50 && left[0]; n++) {
			usleep(20000);
			left = kpool_caches();
		}
		if (left[0] && caches_left++ < 3)
			kt_diag("round %d: after rmmod the kernel still has: %s", i, left);
		ret = load_module();
		if (ret) {
			if (not_loaded++ < 3)
				kt_diag("round %d: insmod: %s", i, kt_errname(-ret));
			break;
		}
	}
	kt_diag("%d rounds of rmmod, insmod and a run in %lld ms", i, kt_ms() - t0);
	kt_ok(!not_unloaded && i == CYCLES, "%d rounds: every rmmod kpool is accepted (%d refused)",
	      CYCLES, not_unloaded);
	kt_ok(!caches_left, "%d rounds: after each rmmod the kpool caches are gone from /proc/slabinfo and /sys/kernel/slab (%d rounds left some)",
	      CYCLES, caches_left);
	kt_ok(!not_loaded && module_loaded(), "%d rounds: every insmod of $KPOOL_MODULE works", CYCLES);
	kt_ok(!work_bad && !not_empty,
	      "%d rounds: each load runs every tier, mmap and export, and ends empty (%d runs failed, %d left something)",
	      CYCLES, work_bad, not_empty);
}

int main(void)
{
	kt_begin();
	kill_test(hoarder, "a hoarding process", 0);
	kill_test(busy, "a process busy in ioctls and mmaps", 300);
	test_kill_in_batch();
	test_unload();
	test_reload_cycles();
	return kt_end();
}
