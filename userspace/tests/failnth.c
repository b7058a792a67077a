// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: a fault-injection sweep over every ioctl and mmap.
 *
 * For each call (ALLOC, ALLOC_BATCH, FREE, FREE_BATCH, DUP, SPLIT, SLICE,
 * INFO, READ, WRITE, MATERIALIZE of one view and of two, EXPORT, IMPORT,
 * STATS, mmap of a device handle and of an exported fd) on a buffer of
 * every default tier and of the fallback, the sweep writes n = 1, 2, ... to
 * /proc/thread-self/fail-nth right before the call: the n-th fault-injection
 * site the task reaches (a slab or page allocation) fails.  Reading the file
 * back tells whether that site was reached (0: the fault was consumed).
 * The sweep ends at the first n whose fault is not consumed: the call then
 * ran through all of its sites and must succeed.
 *
 * Every step that fails must answer ENOMEM (nothing else: no EFAULT, the
 * user memory is written before each step so that no page fault of ours
 * allocates) and leave the live STATS (handles, mappings, exports,
 * bytes_in_use, every tier's in_use), the references of the handles
 * involved (INFO refs) and the process's file descriptors exactly as
 * before; a failed WRITE leaves the view's bytes as they were.  A step
 * whose fault was absorbed (the 1 MiB tier spills to pages when its slab
 * fails; kmemleak falls back to its pool) must succeed with a right
 * result.  After every step all is returned, and STATS is back at its
 * starting point.  Each step starts from fresh objects.
 *
 * For every allocation to be a candidate the sweep sets, as root,
 * /sys/kernel/debug/failslab/cache-filter to N (all caches, not only
 * kpool-*) and fail_page_alloc/min-order to 0, and restores both at the
 * end.  Views below a page are not mappable, so the mmap sweeps leave out
 * the 256-byte tier.  The harness checks kmemleak after the suite.
 *
 * Without fail-nth or debugfs (not the test kernel, or not root) the test
 * is skipped.
 */
#include "kt.h"

#define DBG		"/sys/kernel/debug"
/* Steps after which a sweep counts as not ending (a call with more sites). */
#define STEP_MAX	1500
#define FALLBACK_SIZE	2000000ULL
#define SPAN(size)	(((size) + KT_PAGE - 1) & ~(KT_PAGE - 1))
#define MAX_BYTES	SPAN(FALLBACK_SIZE)
#define BATCH		2
#define SENTINEL	0xdeadbeefU

static int fd = -1, nth_fd = -1;

/* User memory the kernel writes to, written by us first (no page faults). */
static unsigned char wbuf[MAX_BYTES], rbuf[MAX_BYTES];
static struct kpool_stats stats_out;

/* ------------------------------------------------------ knobs */

struct knob {
	const char *path, *want;
	char saved[32];
	int set;
};

static struct knob knobs[] = {
	{ .path = DBG "/failslab/cache-filter", .want = "N" },
	{ .path = DBG "/failslab/ignore-gfp-wait", .want = "N" },
	{ .path = DBG "/fail_page_alloc/min-order", .want = "0" },
	{ .path = DBG "/fail_page_alloc/ignore-gfp-wait", .want = "N" },
	{ .path = DBG "/fail_page_alloc/ignore-gfp-highmem", .want = "N" },
	{ .path = DBG "/failslab/verbose", .want = "0" },
	{ .path = DBG "/fail_page_alloc/verbose", .want = "0" },
};

static int knob_write(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (f < 0)
		return -errno;
	ok = write(f, val, strlen(val)) == (ssize_t)strlen(val);
	close(f);
	return ok ? 0 : -EIO;
}

static int knob_read(const char *path, char *buf, size_t n)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (f < 0)
		return -errno;
	len = read(f, buf, n - 1);
	close(f);
	if (len <= 0)
		return -EIO;
	buf[len] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void knobs_restore(void)
{
	unsigned int i;

	for (i = 0; i < KT_ARRAY_SIZE(knobs); i++)
		if (knobs[i].set && knob_write(knobs[i].path, knobs[i].saved))
			kt_diag("could not restore %s to %s", knobs[i].path,
				knobs[i].saved);
}

static int knobs_arm(void)
{
	unsigned int i;

	for (i = 0; i < KT_ARRAY_SIZE(knobs); i++) {
		if (knob_read(knobs[i].path, knobs[i].saved, sizeof(knobs[i].saved)) ||
		    knob_write(knobs[i].path, knobs[i].want)) {
			kt_diag("cannot set %s", knobs[i].path);
			return 0;
		}
		knobs[i].set = 1;
	}
	return 1;
}

/* ------------------------------------------------------ one step */

/* Touch @n bytes of stack, so that the calls below find it mapped. */
static void __attribute__((noinline)) stack_prefault(void)
{
	volatile unsigned char pad[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(pad); i += 512)
		pad[i] = 1;
}

struct ctx {
	uint64_t size;
	uint32_t h, parts[2];	/* made by setup */
	int efd;
	uint64_t moff;		/* the mmap_offset of h */
	uint32_t nh, hs[3];	/* made by the call */
	int out_fd;
	void *map;
	uint32_t done;
};

struct op {
	const char *name;
	int mappable_only;
	int (*setup)(struct ctx *c);
	int (*call)(struct ctx *c);
	/* after a success: the result is right (0) or why not */
	const char *(*check)(struct ctx *c);
	/* after a failure: the objects are as they were (0) or why not */
	const char *(*unchanged)(struct ctx *c);
};

/*
 * Run @call with the @n-th fault site failing; *@consumed tells whether
 * the call reached it.  Nothing between the two writes allocates.
 */
static int inject(unsigned int n, const struct op *op, struct ctx *c,
		  int *consumed)
{
	char arm[16], left[16] = "";
	int len, ret;
	ssize_t r;

	len = snprintf(arm, sizeof(arm), "%u", n);
	if (pwrite(nth_fd, arm, len, 0) != len)
		return -EBADE;
	ret = op->call(c);
	r = pread(nth_fd, left, sizeof(left) - 1, 0);
	if (pwrite(nth_fd, "0", 1, 0) != 1 || r <= 0)
		return -EBADE;
	*consumed = strtoul(left, NULL, 10) == 0;
	return ret;
}

static int lowest_fd(void)
{
	int f = dup(0);

	if (f >= 0)
		close(f);
	return f;
}

/* Drop whatever a step made; ENOENT for what the call freed already. */
static void teardown(struct ctx *c)
{
	unsigned int i;

	if (c->map)
		munmap(c->map, SPAN(c->size));
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->efd >= 0)
		close(c->efd);
	if (c->nh)
		kt_free(fd, c->nh);
	for (i = 0; i < KT_ARRAY_SIZE(c->hs); i++)
		if (c->hs[i] && c->hs[i] != SENTINEL)
			kt_free(fd, c->hs[i]);
	for (i = 0; i < 2; i++)
		if (c->parts[i])
			kt_free(fd, c->parts[i]);
	if (c->h)
		kt_free(fd, c->h);
}

static uint32_t refs_of(uint32_t h)
{
	struct kpool_info info;

	return h && !kt_info(fd, h, &info) ? info.refs : 0;
}

/* The handle's view has @off/@len; 0 or why not. */
static const char *view_is(uint32_t h, uint64_t off, uint64_t len)
{
	static char why[96];
	struct kpool_info info;
	int ret = kt_info(fd, h, &info);

	if (ret)
		snprintf(why, sizeof(why), "INFO of handle %u: %s", h, kt_errname(-ret));
	else if (info.offset != off || info.length != len)
		snprintf(why, sizeof(why), "handle %u is [%llu,+%llu), want [%llu,+%llu)",
			 h, (unsigned long long)info.offset,
			 (unsigned long long)info.length, (unsigned long long)off,
			 (unsigned long long)len);
	else
		return NULL;
	return why;
}

/* The first @len bytes of @h read back as the pattern (or as zeros). */
static const char *bytes_are(uint32_t h, uint64_t len, int zeros)
{
	static char why[96];
	long bad;
	int ret = kt_read(fd, h, 0, rbuf, len);

	if (ret) {
		snprintf(why, sizeof(why), "READ: %s", kt_errname(-ret));
		return why;
	}
	bad = zeros ? kt_nonzero(rbuf, len) : kt_check_fill(rbuf, len, 7);
	if (bad < 0)
		return NULL;
	snprintf(why, sizeof(why), "byte %ld is not %s", bad, zeros ? "0" : "the pattern");
	return why;
}

/* ------------------------------------------------------ the calls */

static int setup_none(struct ctx *c)
{
	(void)c;
	return 0;
}

static int setup_one(struct ctx *c)
{
	return kt_alloc(fd, c->size, &c->h);
}

static int setup_filled(struct ctx *c)
{
	struct kpool_alloc a;
	int ret = kt_alloc_full(fd, c->size, &a);

	if (ret)
		return ret;
	c->h = a.handle;
	c->moff = a.mmap_offset;
	return kt_write(fd, c->h, 0, wbuf, c->size);
}

static int setup_three(struct ctx *c)
{
	int ret = kt_alloc_batch(fd, c->size, c->hs, 3);

	if (ret)
		memset(c->hs, 0, sizeof(c->hs));
	return ret;
}

/* A filled buffer in two halves, both sliced off it. */
static int setup_halves(struct ctx *c)
{
	int ret = setup_filled(c);

	if (!ret)
		ret = kt_slice(fd, c->h, 0, c->size / 2, &c->parts[0]);
	if (!ret)
		ret = kt_slice(fd, c->h, c->size / 2, c->size, &c->parts[1]);
	return ret;
}

static int setup_exported(struct ctx *c)
{
	int ret = setup_filled(c);

	return ret ? ret : kt_export(fd, c->h, O_CLOEXEC, &c->efd);
}

static int call_alloc(struct ctx *c)
{
	return kt_alloc(fd, c->size, &c->nh);
}

static const char *check_alloc(struct ctx *c)
{
	const char *why = view_is(c->nh, 0, c->size);

	return why ? why : bytes_are(c->nh, c->size, 1);
}

static int call_alloc_batch(struct ctx *c)
{
	c->hs[0] = c->hs[1] = SENTINEL;
	return kt_alloc_batch(fd, c->size, c->hs, BATCH);
}

static const char *check_alloc_batch(struct ctx *c)
{
	const char *why = view_is(c->hs[0], 0, c->size);

	return why ? why : view_is(c->hs[1], 0, c->size);
}

static const char *unchanged_alloc_batch(struct ctx *c)
{
	return c->hs[0] == SENTINEL && c->hs[1] == SENTINEL ? NULL :
	       "the handles array was written";
}

static int call_free(struct ctx *c)
{
	return kt_free(fd, c->h);
}

static const char *check_gone(struct ctx *c)
{
	struct kpool_info info;

	return kt_info(fd, c->h, &info) == -ENOENT ? NULL : "the handle is still there";
}

static const char *unchanged_one(struct ctx *c)
{
	return view_is(c->h, 0, c->size);
}

static int call_free_batch(struct ctx *c)
{
	return kt_free_batch(fd, c->hs, 3, &c->done);
}

static const char *check_free_batch(struct ctx *c)
{
	struct kpool_info info;
	unsigned int i;

	if (c->done != 3)
		return "done is not 3";
	for (i = 0; i < 3; i++)
		if (kt_info(fd, c->hs[i], &info) != -ENOENT)
			return "a handle is still there";
	return NULL;
}

static const char *unchanged_three(struct ctx *c)
{
	const char *why = NULL;
	unsigned int i;

	for (i = 0; i < 3 && !why; i++)
		why = view_is(c->hs[i], 0, c->size);
	return why;
}

static int call_dup(struct ctx *c)
{
	return kt_dup(fd, c->h, &c->nh);
}

static const char *check_same_view(struct ctx *c)
{
	const char *why = view_is(c->nh, 0, c->size);

	if (!why && refs_of(c->h) != 2)
		why = "the buffer does not have 2 references";
	return why;
}

static int call_split(struct ctx *c)
{
	return kt_split(fd, c->h, c->size / 2, &c->nh);
}

static const char *check_split(struct ctx *c)
{
	const char *why = view_is(c->h, 0, c->size / 2);

	return why ? why : view_is(c->nh, c->size / 2, c->size - c->size / 2);
}

static int call_slice(struct ctx *c)
{
	return kt_slice(fd, c->h, c->size / 4, c->size / 2, &c->nh);
}

static const char *check_slice(struct ctx *c)
{
	const char *why = view_is(c->h, 0, c->size);

	return why ? why : view_is(c->nh, c->size / 4, c->size / 2 - c->size / 4);
}

static struct kpool_info info_out;

static int call_info(struct ctx *c)
{
	return kt_info(fd, c->h, &info_out);
}

static const char *check_info(struct ctx *c)
{
	return info_out.length == c->size && info_out.refs == 1 ? NULL :
	       "wrong length or refs";
}

static int call_read(struct ctx *c)
{
	return kt_read(fd, c->h, 0, rbuf, c->size);
}

static const char *check_read(struct ctx *c)
{
	long bad = kt_check_fill(rbuf, c->size, 7);

	return bad < 0 ? NULL : "READ gave wrong bytes";
}

static int call_write(struct ctx *c)
{
	return kt_write(fd, c->h, 0, wbuf, c->size);
}

static const char *check_write(struct ctx *c)
{
	return bytes_are(c->h, c->size, 0);
}

static const char *unchanged_write(struct ctx *c)
{
	return bytes_are(c->h, c->size, 1);
}

static int call_mat1(struct ctx *c)
{
	return kt_materialize(fd, &c->h, 1, &c->nh, NULL);
}

static int call_mat2(struct ctx *c)
{
	return kt_materialize(fd, c->parts, 2, &c->nh, NULL);
}

static const char *check_mat2(struct ctx *c)
{
	const char *why = view_is(c->nh, 0, c->size);

	if (!why && refs_of(c->nh) != 1)
		why = "the new buffer is not a copy of its own";
	return why ? why : bytes_are(c->nh, c->size, 0);
}

static const char *unchanged_halves(struct ctx *c)
{
	const char *why = view_is(c->parts[0], 0, c->size / 2);

	return why ? why : view_is(c->parts[1], c->size / 2, c->size - c->size / 2);
}

static int call_export(struct ctx *c)
{
	return kt_export(fd, c->h, O_CLOEXEC, &c->out_fd);
}

static const char *check_export(struct ctx *c)
{
	uint32_t h;
	const char *why;

	if (kt_import(fd, c->out_fd, &h))
		return "IMPORT of the new fd failed";
	why = view_is(h, 0, c->size);
	kt_free(fd, h);
	return why;
}

static int call_import(struct ctx *c)
{
	return kt_import(fd, c->efd, &c->nh);
}

static const char *check_import(struct ctx *c)
{
	const char *why = view_is(c->nh, 0, c->size);

	return why ? why : bytes_are(c->nh, c->size, 0);
}

static int call_stats(struct ctx *c)
{
	(void)c;
	return kt_stats(fd, &stats_out);
}

static const char *check_stats(struct ctx *c)
{
	char why[160];

	(void)c;
	return kt_live_same(&kt_start, &stats_out, why, sizeof(why)) ? NULL :
	       "STATS does not show the state";
}

static int do_mmap(struct ctx *c, int f)
{
	void *p = mmap(NULL, SPAN(c->size), PROT_READ | PROT_WRITE, MAP_SHARED,
		       f, f == fd ? (off_t)c->moff : 0);

	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	return 0;
}

static int call_mmap_dev(struct ctx *c)
{
	return do_mmap(c, fd);
}

static int call_mmap_export(struct ctx *c)
{
	return do_mmap(c, c->efd);
}

static const char *check_map(struct ctx *c)
{
	long bad = kt_check_fill(c->map, c->size, 7);

	if (bad >= 0)
		return "the mapping shows wrong bytes";
	return kt_nonzero((char *)c->map + c->size, SPAN(c->size) - c->size) < 0 ?
	       NULL : "the mapping's tail is not zero";
}

static const struct op ops[] = {
	{ "ALLOC", 0, setup_none, call_alloc, check_alloc, NULL },
	{ "ALLOC_BATCH of 2", 0, setup_none, call_alloc_batch, check_alloc_batch,
	  unchanged_alloc_batch },
	{ "FREE", 0, setup_one, call_free, check_gone, unchanged_one },
	{ "FREE_BATCH of 3", 0, setup_three, call_free_batch, check_free_batch,
	  unchanged_three },
	{ "DUP", 0, setup_one, call_dup, check_same_view, unchanged_one },
	{ "SPLIT", 0, setup_one, call_split, check_split, unchanged_one },
	{ "SLICE", 0, setup_one, call_slice, check_slice, unchanged_one },
	{ "INFO", 0, setup_one, call_info, check_info, unchanged_one },
	{ "READ", 0, setup_filled, call_read, check_read, unchanged_one },
	{ "WRITE", 0, setup_one, call_write, check_write, unchanged_write },
	{ "MATERIALIZE of one view", 0, setup_one, call_mat1, check_same_view,
	  unchanged_one },
	{ "MATERIALIZE of two views", 0, setup_halves, call_mat2, check_mat2,
	  unchanged_halves },
	{ "EXPORT", 0, setup_one, call_export, check_export, unchanged_one },
	{ "IMPORT", 0, setup_exported, call_import, check_import, unchanged_one },
	{ "STATS", 0, setup_none, call_stats, check_stats, NULL },
	{ "mmap of a handle", 1, setup_filled, call_mmap_dev, check_map, unchanged_one },
	{ "mmap of an exported fd", 1, setup_exported, call_mmap_export, check_map,
	  unchanged_one },
};

/* ------------------------------------------------------ the sweep */

static long total_steps, total_faults;

static void note(char *first, size_t n, unsigned int step, const char *what)
{
	if (!first[0])
		snprintf(first, n, "step %u: %.160s", step, what);
}

static void sweep(const struct op *op, uint64_t size, const char *tier)
{
	char err_first[200] = "", trace_first[200] = "", res_first[200] = "";
	int bad_err = 0, traces = 0, bad_res = 0, fails = 0, absorbed = 0;
	struct kpool_stats before, now;
	unsigned int n, steps = 0;
	long long t0 = kt_ms();
	int done = 0;

	for (n = 1; n <= STEP_MAX; n++) {
		struct ctx c = { .size = size, .efd = -1, .out_fd = -1 };
		char why[160], msg[200];
		const char *w;
		uint32_t refs;
		int ret, consumed = 0, lfd;

		ret = op->setup(&c);
		if (ret) {
			snprintf(msg, sizeof(msg), "setup failed: %s", kt_errname(-ret));
			note(res_first, sizeof(res_first), n, msg);
			bad_res++;
			teardown(&c);
			break;
		}
		kt_stats(kt_stats_fd, &before);
		refs = refs_of(c.h);
		lfd = lowest_fd();
		stack_prefault();
		ret = inject(n, op, &c, &consumed);
		steps++;
		if (ret == -EBADE) {
			note(err_first, sizeof(err_first), n, "fail-nth could not be used");
			bad_err++;
			teardown(&c);
			break;
		}
		total_faults += consumed;
		if (ret) {
			fails++;
			if (ret != -ENOMEM || !consumed) {
				snprintf(msg, sizeof(msg), "%s%s", kt_errname(-ret),
					 consumed ? "" : " without an injected fault");
				note(err_first, sizeof(err_first), n, msg);
				bad_err++;
			}
			kt_stats(kt_stats_fd, &now);
			w = NULL;
			if (!kt_live_same(&before, &now, why, sizeof(why)))
				w = why;
			else if (refs_of(c.h) != refs)
				w = "INFO refs changed";
			else if (lowest_fd() != lfd)
				w = "a file descriptor was made";
			else if (op->unchanged)
				w = op->unchanged(&c);
			if (w) {
				snprintf(msg, sizeof(msg), "%s: %s", kt_errname(-ret), w);
				note(trace_first, sizeof(trace_first), n, msg);
				traces++;
			}
		} else {
			absorbed += consumed;
			w = op->check(&c);
			if (w) {
				note(res_first, sizeof(res_first), n, w);
				bad_res++;
			}
		}
		teardown(&c);
		kt_stats(kt_stats_fd, &now);
		if (!kt_live_same(&kt_start, &now, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "after the step's cleanup: %s", why);
			note(res_first, sizeof(res_first), n, msg);
			bad_res++;
			break;	/* the next steps would all differ */
		}
		if (!ret && !consumed) {
			done = 1;
			break;
		}
	}
	total_steps += steps;
	kt_diag("%s, %s: %u steps, %d failed, %d absorbed a fault, %lld ms",
		op->name, tier, steps, fails, absorbed, kt_ms() - t0);
	if (err_first[0])
		kt_diag("%s, %s: first wrong answer at %s", op->name, tier, err_first);
	if (trace_first[0])
		kt_diag("%s, %s: first trace at %s", op->name, tier, trace_first);
	if (res_first[0])
		kt_diag("%s, %s: first wrong result at %s", op->name, tier, res_first);
	kt_ok(!bad_err, "%s, %s: every injected fault answers ENOMEM (%d failed steps, %d wrong)",
	      op->name, tier, fails, bad_err);
	kt_ok(!traces, "%s, %s: every failed step leaves STATS, references, fds and bytes as before",
	      op->name, tier);
	kt_ok(done && !bad_res,
	      "%s, %s: the sweep ends in success after %u steps; every success is right and all is returned",
	      op->name, tier, steps);
}

/* MATERIALIZE of many good handles and a bad one, as an op's call. */
static uint32_t order_handles[KPOOL_BATCH_MAX];

static int call_materialize_bad(struct ctx *c)
{
	(void)c;
	return kt_materialize(fd, order_handles, KPOOL_BATCH_MAX, NULL, NULL);
}

/*
 * Argument errors come before resource errors even under memory pressure:
 * MATERIALIZE of 1023 good handles and a bad last one answers ENOENT
 * whichever allocation fails, because it looks at every handle before it
 * allocates anything but the copy of the handle array itself (the first
 * fault site, and perhaps the page under it: those may say ENOMEM and do
 * not count here when they are consumed).  It once grew its view array as it
 * went, and said ENOMEM first.
 */
static void errors_in_order(void)
{
	static const struct op op = { .name = "MATERIALIZE with a bad last handle",
				      .call = call_materialize_bad };
	unsigned int i, n, wrong = 0, consumed_after = 0;
	uint32_t h;
	int consumed, ret;

	if (kt_alloc(fd, 100, &h))
		return;
	for (i = 0; i < KPOOL_BATCH_MAX - 1; i++)
		order_handles[i] = h;
	order_handles[KPOOL_BATCH_MAX - 1] = 0x7ffffffe;
	for (n = 2; n <= 40; n++) {
		ret = inject(n, &op, NULL, &consumed);
		wrong += ret != -ENOENT;
		consumed_after += consumed;
	}
	/* Copying the array may itself take a few sites (a slab's new page). */
	kt_diag("MATERIALIZE with a bad last handle: %u of 39 armed faults consumed", consumed_after);
	kt_ok(!wrong,
	      "MATERIALIZE of 1023 good handles and a bad one: ENOENT with fault site 2..40 armed (%u wrong)",
	      wrong);
	kt_free(fd, h);
}

int main(void)
{
	static const struct {
		uint64_t size;
		const char *name;
	} sizes[] = {
		{ 256, "tier 256" }, { 4096, "tier 4096" }, { 16384, "tier 16384" },
		{ 32768, "tier 32768" }, { 1048576, "tier 1048576" },
		{ FALLBACK_SIZE, "fallback 2000000" },
	};
	unsigned int i, j;
	long long t0;

	kt_begin();
	if (geteuid() != 0 || access(DBG "/failslab/cache-filter", W_OK))
		kt_skip_all("needs root and the test kernel's failslab in debugfs");
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		kt_skip_all("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	fd = kt_open();
	kt_stats_fd = kt_open();
	if (!kt_ok(fd >= 0 && kt_stats_fd >= 0, "open(%s) twice", KT_DEV))
		return kt_end();
	if (!kt_ok(knobs_arm(), "every allocation of this task is a fault site (cache-filter N, min-order 0)")) {
		knobs_restore();
		return kt_end();
	}
	atexit(knobs_restore);
	kt_fill(wbuf, sizeof(wbuf), 7);
	memset(rbuf, 0, sizeof(rbuf));
	t0 = kt_ms();
	for (i = 0; i < KT_ARRAY_SIZE(sizes); i++)
		for (j = 0; j < KT_ARRAY_SIZE(ops); j++)
			if (!ops[j].mappable_only || sizes[i].size >= KT_PAGE)
				sweep(&ops[j], sizes[i].size, sizes[i].name);
	kt_diag("%ld steps, %ld faults injected, %lld ms", total_steps, total_faults,
		kt_ms() - t0);
	errors_in_order();
	knobs_restore();
	close(fd);
	return kt_end();
}
