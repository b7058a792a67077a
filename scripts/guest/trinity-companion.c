// SPDX-License-Identifier: GPL-2.0
/*
 * trinity-companion - live kpool objects for the trinity stage.
 *
 * Run by scripts/guest/trinity.sh (scripts/check --only trinity) as an
 * unprivileged user in the test kernel:
 *
 *	trinity-companion --run NAME SECONDS PROGRAM [ARGS...] --end ...
 *
 * It opens /dev/kpool, allocates buffers of every default tier and of the
 * fallback, fills them with a pattern, maps the mappable ones, splits,
 * slices, duplicates and exports some, maps the exported fd, leaves a
 * mapping of a closed file and forks a holder child that shares every
 * mapping (read-only in the child).  Then, for each --run group in turn,
 * it starts PROGRAM (trinity) in a session of its own, with "%HOLDER%" in
 * its arguments replaced by the holder's pid, lets it run SECONDS, sends it
 * SIGINT (trinity stops and prints its count), SIGKILL to its session 15 s
 * later (a PROGRAM killed by a signal before its count is started again,
 * up to 8 times and 3 * SECONDS in all), and keeps kpool busy meanwhile:
 * ALLOC, WRITE, READ, FREE of a random size and a check of one mapping's
 * bytes, about five times a second.  PROGRAM's output is passed on, without trinity's setup chatter.
 * At the end it kills whatever else its user still runs (so it must be the
 * last process of its user: trinity.sh execs it), checks every pattern
 * again through the mappings and with READ, unmaps and frees everything
 * and checks that KPOOL_IOC_STATS is back at zero (no handle, mapping,
 * export, byte or buffer in any tier).
 *
 * It makes itself non-dumpable first, so that the program it runs (same
 * user) cannot write its memory through /proc/PID/mem or ptrace it; the
 * holder child is dumpable again, on purpose: its /proc files and its
 * kpool mappings are fair game.
 *
 * Output: lines starting with "trinity-companion: ", one line
 *	kpool-trinity: run NAME ops=N ok=N failed=N secs=S crashes=N
 * per run (from trinity's "Ran N syscalls. Successes: N Failures: N"), and
 * last "trinity-companion: result ok|FAILED".  Exit status: 0 every run
 * reported a non-zero op count and every check passed, 1 otherwise, 2 bad
 * usage or no /dev/kpool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kpool.h>

#define DEV		"/dev/kpool"
#define PAGE		4096UL
#define MAX_OBJS	32
#define MAX_RUNS	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int failed;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("trinity-companion: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define check(cond, ...) do {						\
	if (!(cond)) {							\
		failed = 1;						\
		say("FAILED: " __VA_ARGS__);				\
	}								\
} while (0)

/* One ioctl: 0 or -errno. */
static int kp(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* The byte at @off of the pattern @seed. */
static unsigned char pat(unsigned int seed, uint64_t off)
{
	return (unsigned char)(seed * 131 + off * 7 + (off >> 12));
}

/*
 * One handle this program holds and what its view should contain: bytes
 * [0, len) of the view are pattern @seed from @base on.
 */
struct obj {
	int fd;			/* the kpool file holding the handle, -1: closed */
	uint32_t handle;
	uint64_t len;
	unsigned int seed;
	uint64_t base;		/* first pattern offset of the view */
	unsigned char *map;	/* the view's first byte in a mapping, or NULL */
	void *map_start;	/* what to munmap */
	size_t map_len;
	const char *what;
};

static struct obj objs[MAX_OBJS];
static int nobjs;

static struct obj *add_obj(int fd, uint32_t handle, uint64_t len, unsigned int seed,
			   uint64_t base, const char *what)
{
	struct obj *o;

	if (nobjs == MAX_OBJS) {
		check(0, "too many objects");
		exit(1);
	}
	o = &objs[nobjs++];
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->handle = handle;
	o->len = len;
	o->seed = seed;
	o->base = base;
	o->what = what;
	return o;
}

static int fill(int fd, uint32_t handle, uint64_t len, unsigned int seed)
{
	struct kpool_rw rw = { .handle = handle, .length = len };
	unsigned char *buf = malloc(len);
	uint64_t i;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		buf[i] = pat(seed, i);
	rw.data = (uintptr_t)buf;
	ret = kp(fd, KPOOL_IOC_WRITE, &rw);
	free(buf);
	return ret;
}

/* Compare @len bytes at @p with pattern @seed from @base; -1 when equal. */
static int64_t first_diff(const unsigned char *p, uint64_t len, unsigned int seed, uint64_t base)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(seed, base + i))
			return (int64_t)i;
	return -1;
}

/* Map the view of @o (in file @fd, at @mmap_offset, starting @offset into its page). */
static void map_obj(struct obj *o, int fd, uint64_t mmap_offset, uint64_t offset)
{
	size_t len = ((offset % PAGE) + o->len + PAGE - 1) & ~(PAGE - 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)mmap_offset);

	check(p != MAP_FAILED, "mmap of %s (%zu bytes): %s", o->what, len, strerror(errno));
	if (p == MAP_FAILED)
		return;
	o->map_start = p;
	o->map_len = len;
	o->map = (unsigned char *)p + offset % PAGE;
}

static int stats(int fd, struct kpool_stats *st)
{
	memset(st, 0, sizeof(*st));
	return kp(fd, KPOOL_IOC_STATS, st);
}

static uint64_t tiers_in_use(const struct kpool_stats *st)
{
	uint64_t n = st->fallback.in_use;
	unsigned int t;

	for (t = 0; t < st->ntiers && t < KPOOL_MAX_TIERS; t++)
		n += st->tier[t].in_use;
	return n;
}

static void show_stats(const char *when, const struct kpool_stats *st)
{
	say("STATS %s: handles=%llu mappings=%llu exports=%llu bytes_in_use=%llu buffers_in_use=%llu",
	    when, (unsigned long long)st->handles, (unsigned long long)st->mappings,
	    (unsigned long long)st->exports, (unsigned long long)st->bytes_in_use,
	    (unsigned long long)tiers_in_use(st));
}

static int stats_zero(const struct kpool_stats *st)
{
	return !st->handles && !st->mappings && !st->exports && !st->bytes_in_use &&
	       !tiers_in_use(st);
}

static int alloc(int fd, uint64_t size, struct kpool_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	return kp(fd, KPOOL_IOC_ALLOC, a);
}

/* Sizes of the buffers made at the start: every default tier, the fallback. */
static const uint64_t sizes[] = { 200, 4096, 5000, 16384, 32768, 1048576, 3 * 1048576 + 123 };
#define NSIZES ARRAY_SIZE(sizes)

static int dev_fd = -1, export_fd = -1;
static pid_t holder = -1;

/* The live objects trinity runs beside. */
static void setup(void)
{
	struct kpool_alloc a;
	struct kpool_info info;
	struct kpool_dup dup = { 0 };
	struct kpool_split split = { 0 };
	struct kpool_slice slice = { 0 };
	struct kpool_export ex = { 0 };
	struct obj *o, *big = NULL;
	unsigned int i;
	int fd2, ret;

	for (i = 0; i < NSIZES; i++) {
		ret = alloc(dev_fd, sizes[i], &a);
		check(!ret, "ALLOC %llu: %s", (unsigned long long)sizes[i], strerror(-ret));
		if (ret)
			continue;
		ret = fill(dev_fd, a.handle, sizes[i], i + 1);
		check(!ret, "WRITE %llu: %s", (unsigned long long)sizes[i], strerror(-ret));
		o = add_obj(dev_fd, a.handle, sizes[i], i + 1, 0, "buffer");
		memset(&info, 0, sizeof(info));
		info.handle = a.handle;
		if (!kp(dev_fd, KPOOL_IOC_INFO, &info) && (info.flags & KPOOL_INFO_MAPPABLE))
			map_obj(o, dev_fd, info.mmap_offset, info.offset);
		if (sizes[i] == 1048576)
			big = o;
	}
	if (nobjs < 4 || !big) {
		check(0, "setup: not enough buffers to go on");
		return;
	}

	/* A duplicate of the sub-page buffer, never mapped (not mappable). */
	dup.handle = objs[0].handle;
	ret = kp(dev_fd, KPOOL_IOC_DUP, &dup);
	check(!ret, "DUP: %s", strerror(-ret));
	if (!ret)
		add_obj(dev_fd, dup.new_handle, objs[0].len, objs[0].seed, 0, "dup");

	/* SPLIT the 16 KiB buffer at 5000: two views, the tail mapped unaligned. */
	o = &objs[3];
	split.handle = o->handle;
	split.at = 5000;
	ret = kp(dev_fd, KPOOL_IOC_SPLIT, &split);
	check(!ret, "SPLIT: %s", strerror(-ret));
	if (!ret) {
		struct obj *tail = add_obj(dev_fd, split.new_handle, o->len - 5000, o->seed, 5000,
					   "split tail");

		o->len = 5000;	/* the head's mapping (whole buffer) still checks [0, 5000) */
		memset(&info, 0, sizeof(info));
		info.handle = tail->handle;
		if (!kp(dev_fd, KPOOL_IOC_INFO, &info))
			map_obj(tail, dev_fd, info.mmap_offset, info.offset);
	}

	/* SLICE [100, 20000) of the 32 KiB buffer, mapped. */
	o = &objs[4];
	slice.handle = o->handle;
	slice.start = 100;
	slice.end = 20000;
	ret = kp(dev_fd, KPOOL_IOC_SLICE, &slice);
	check(!ret, "SLICE: %s", strerror(-ret));
	if (!ret) {
		struct obj *s = add_obj(dev_fd, slice.new_handle, 19900, o->seed, 100, "slice");

		memset(&info, 0, sizeof(info));
		info.handle = s->handle;
		if (!kp(dev_fd, KPOOL_IOC_INFO, &info))
			map_obj(s, dev_fd, info.mmap_offset, info.offset);
	}

	/* EXPORT the 1 MiB buffer; map the exported fd too. */
	ex.handle = big->handle;
	ret = kp(dev_fd, KPOOL_IOC_EXPORT, &ex);
	check(!ret, "EXPORT: %s", strerror(-ret));
	if (!ret) {
		export_fd = ex.fd;
		o = add_obj(-1, 0, big->len, big->seed, 0, "exported fd mapping");
		map_obj(o, export_fd, 0, 0);
	}

	/* A mapping of a file that is closed: only the mapping holds its buffer. */
	fd2 = open(DEV, O_RDWR | O_CLOEXEC);
	check(fd2 >= 0, "second open: %s", strerror(errno));
	if (fd2 >= 0) {
		ret = alloc(fd2, 8192, &a);
		check(!ret, "ALLOC in the second file: %s", strerror(-ret));
		if (!ret) {
			ret = fill(fd2, a.handle, 8192, 40);
			check(!ret, "WRITE in the second file: %s", strerror(-ret));
			o = add_obj(-1, 0, 8192, 40, 0, "mapping of a closed file");
			map_obj(o, fd2, a.mmap_offset, 0);
		}
		close(fd2);
	}
}

/*
 * A child that shares every mapping (vm_ops->open at fork) and sleeps.  Its
 * copies are made read-only, so that a write to its /proc/PID/mem (which
 * trinity may do: it is dumpable, of the same user) cannot change the bytes
 * the parent checks: FOLL_FORCE writes only into private mappings.
 */
static void fork_holder(void)
{
	int i;

	fflush(NULL);
	holder = fork();
	check(holder >= 0, "fork: %s", strerror(errno));
	if (holder == 0) {
		for (i = 0; i < nobjs; i++)
			if (objs[i].map_start && mprotect(objs[i].map_start, objs[i].map_len,
							  PROT_READ))
				say("holder: mprotect of %s: %s", objs[i].what, strerror(errno));
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		prctl(PR_SET_NAME, "kpool-holder", 0, 0, 0);
		for (;;)
			pause();
	}
}

/* Check every object's bytes, through its mapping (if any) and with READ. */
static void verify(const char *when)
{
	struct kpool_rw rw = { 0 };
	unsigned char *buf;
	int64_t d;
	int i, ret;

	for (i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (o->map) {
			d = first_diff(o->map, o->len, o->seed, o->base);
			check(d < 0, "%s: %s of %llu bytes: mapping differs at byte %lld",
			      when, o->what, (unsigned long long)o->len, (long long)d);
		}
		if (o->fd < 0)
			continue;
		buf = malloc(o->len);
		if (!buf) {
			check(0, "out of memory");
			continue;
		}
		rw.handle = o->handle;
		rw.length = o->len;
		rw.data = (uintptr_t)buf;
		ret = kp(o->fd, KPOOL_IOC_READ, &rw);
		check(!ret, "%s: READ of %s: %s", when, o->what, strerror(-ret));
		if (!ret) {
			d = first_diff(buf, o->len, o->seed, o->base);
			check(d < 0, "%s: %s of %llu bytes: READ differs at byte %lld",
			      when, o->what, (unsigned long long)o->len, (long long)d);
		}
		free(buf);
	}
}

static uint64_t churn_ops;
static unsigned int rnd_state = 12345;

static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return rnd_state >> 8;
}

/* Some kpool traffic of our own while trinity runs. */
static void churn(void)
{
	static const uint64_t csizes[] = { 1, 256, 4000, 4096, 9000, 32768, 500000, 1048576,
					   2 * 1048576 };
	uint64_t size = csizes[rnd() % ARRAY_SIZE(csizes)];
	unsigned int seed = 100 + rnd() % 100;
	struct kpool_handle_arg fr = { 0 };
	struct kpool_alloc a;
	unsigned char *buf;
	int ret;

	ret = alloc(dev_fd, size, &a);
	if (ret) {
		/* Memory pressure from trinity may refuse a large one. */
		check(ret == -ENOMEM, "churn: ALLOC %llu: %s", (unsigned long long)size,
		      strerror(-ret));
		return;
	}
	ret = fill(dev_fd, a.handle, size, seed);
	check(!ret || ret == -ENOMEM, "churn: WRITE: %s", strerror(-ret));
	buf = malloc(size);
	if (!ret && buf) {
		struct kpool_rw rw = { .handle = a.handle, .length = size,
				       .data = (uintptr_t)buf };

		ret = kp(dev_fd, KPOOL_IOC_READ, &rw);
		check(!ret, "churn: READ: %s", strerror(-ret));
		check(ret || first_diff(buf, size, seed, 0) < 0, "churn: READ gave other bytes");
	}
	free(buf);
	fr.handle = a.handle;
	ret = kp(dev_fd, KPOOL_IOC_FREE, &fr);
	check(!ret, "churn: FREE: %s", strerror(-ret));
	churn_ops += 4;

	/* And one mapping's bytes. */
	if (nobjs) {
		struct obj *o = &objs[rnd() % nobjs];

		if (o->map)
			check(first_diff(o->map, o->len, o->seed, o->base) < 0,
			      "during the run: %s mapping changed", o->what);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Lines of trinity's output not worth the console (its setup chatter). */
static int noise(const char *line)
{
	static const char * const skip[] = { "Marking syscall", "Marked ", "futex:",
					     "is marked as AVOID" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(skip); i++)
		if (strstr(line, skip[i]))
			return 1;
	return 0;
}

/* What one run reported. */
struct tally {
	int seen;
	unsigned long long ops, ok, bad;
	char line[1024];
	size_t len;
};

static void take_line(struct tally *t)
{
	const char *ran;

	t->line[t->len] = 0;
	ran = strstr(t->line, "Ran ");
	if (ran && sscanf(ran, "Ran %llu syscalls. Successes: %llu Failures: %llu",
			  &t->ops, &t->ok, &t->bad) == 3)
		t->seen = 1;
	if (!noise(t->line))
		printf("%s\n", t->line);
	t->len = 0;
}

/* Forward what @fd has now, a line at a time.  Returns 0 when it had nothing. */
static int pump(int fd, struct tally *t)
{
	char buf[4096];
	ssize_t n, i;

	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || t->len == sizeof(t->line) - 1)
			take_line(t);
		if (buf[i] != '\n')
			t->line[t->len++] = buf[i];
	}
	fflush(stdout);
	return 1;
}

/* "%HOLDER%" in an argument: the holder child's pid. */
static void put_holder(char **argv)
{
	static char bufs[4][256];
	char *at, *src, *dst;
	int i, k = 0;

	for (i = 0; argv[i] && k < 4; i++) {
		if (!strstr(argv[i], "%HOLDER%"))
			continue;
		src = argv[i];
		dst = bufs[k];
		while ((at = strstr(src, "%HOLDER%")) &&
		       dst + (at - src) + 16 < bufs[k] + sizeof(bufs[k])) {
			dst += sprintf(dst, "%.*s%d", (int)(at - src), src, (int)holder);
			src = at + 8;
		}
		snprintf(dst, sizeof(bufs[k]) - (dst - bufs[k]), "%s", src);
		argv[i] = bufs[k++];
	}
}

/* Start @argv in a session of its own, its output into a pipe. */
static pid_t start(char **argv, int *out)
{
	int p[2], fd;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		check(0, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		check(0, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		setsid();
		dup2(p[1], 1);
		dup2(p[1], 2);
		/* Let the OOM killer pick trinity before anyone else. */
		fd = open("/proc/self/oom_score_adj", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1000", 4) != 4)
				perror("oom_score_adj");
			close(fd);
		}
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*out = p[0];
	return pid;
}

/*
 * Run @argv until @deadline, churning meanwhile; SIGINT then (trinity stops
 * and prints its count), SIGKILL to its session 15 s later.  Returns its
 * wait status; @tally has what it printed.
 */
static int attempt(const char *name, char **argv, double deadline, struct tally *tally)
{
	int status = 0, sent_int = 0, sent_kill = 0, out = -1, i;
	double t_int = 0;
	pid_t pid, w;

	pid = start(argv, &out);
	if (pid < 0)
		return -1;
	for (;;) {
		while (pump(out, tally))
			;
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			check(0, "waitpid: %s", strerror(errno));
			break;
		}
		if (!sent_int && now() >= deadline) {
			kill(pid, SIGINT);
			sent_int = 1;
			t_int = now();
		} else if (sent_int && !sent_kill && now() - t_int >= 15) {
			say("run %s: 15 s after SIGINT: SIGKILL to its session", name);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			sent_kill = 1;
		}
		churn();
		usleep(200000);
	}
	/* What is left of its session goes too; then the rest of its output. */
	kill(-pid, SIGKILL);
	for (i = 0; i < 10; i++) {
		while (pump(out, tally))
			;
		usleep(50000);
	}
	if (tally->len)
		take_line(tally);
	close(out);
	return status;
}

/*
 * Run @argv for @secs seconds.  trinity's main process itself crashes now
 * and then (SIGSEGV, a few seconds in, before it prints a count): such an
 * attempt is started again, with @secs of its own, at most 8 times and
 * while the run is within 3 * @secs.
 */
static void run_one(const char *name, int secs, char **argv)
{
	unsigned long long ops = 0, ok = 0, bad = 0;
	double t0 = now(), t;
	int status, i, tries, counted = 0, crashes = 0;

	put_holder(argv);
	say("run %s: %d s:", name, secs);
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	for (tries = 0; tries < 8 && now() - t0 < 2 * secs; tries++) {
		struct tally tally = { 0 };

		status = attempt(name, argv, now() + secs, &tally);
		if (status == -1)
			break;
		if (WIFEXITED(status))
			say("run %s: trinity exited with status %d after %.1f s", name,
			    WEXITSTATUS(status), now() - t0);
		else
			say("run %s: trinity killed by signal %d after %.1f s%s", name,
			    WTERMSIG(status), now() - t0, tally.seen ? "" : ", before its count");
		if (tally.seen) {
			ops += tally.ops;
			ok += tally.ok;
			bad += tally.bad;
			counted++;
		}
		if (!WIFSIGNALED(status) || tally.seen)
			break;
		crashes++;
	}
	t = now() - t0;
	if (counted)
		printf("kpool-trinity: run %s ops=%llu ok=%llu failed=%llu secs=%.0f crashes=%d\n",
		       name, ops, ok, bad, t, crashes);
	check(counted, "run %s: trinity printed no op count", name);
	check(!counted || ops, "run %s: trinity made no syscall", name);
	fflush(stdout);
}

/* Free everything and check that kpool holds nothing any more. */
static void teardown(void)
{
	struct kpool_stats st;
	int i, ret, tries;

	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	for (i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (o->map_start)
			check(!munmap(o->map_start, o->map_len), "munmap of %s: %s", o->what,
			      strerror(errno));
		if (o->fd >= 0) {
			struct kpool_handle_arg fr = { .handle = o->handle };

			ret = kp(o->fd, KPOOL_IOC_FREE, &fr);
			check(!ret, "FREE of %s: %s", o->what, strerror(-ret));
		}
	}
	if (export_fd >= 0)
		close(export_fd);
	close(dev_fd);

	/* Trinity's processes may take a moment to go; wait up to 10 s. */
	for (tries = 0; tries < 50; tries++) {
		int fd = open(DEV, O_RDONLY | O_CLOEXEC);

		ret = fd < 0 ? -errno : stats(fd, &st);
		if (fd >= 0)
			close(fd);
		if (ret || stats_zero(&st))
			break;
		usleep(200000);
	}
	check(!ret, "STATS at the end: %s", strerror(-ret));
	if (!ret) {
		show_stats("at the end", &st);
		check(stats_zero(&st), "STATS not back to zero at the end");
		if (stats_zero(&st))
			say("STATS back to zero");
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: trinity-companion --run NAME SECONDS PROGRAM [ARGS...] --end ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct { const char *name; int secs; char **argv; } runs[MAX_RUNS];
	struct kpool_stats st;
	int nruns = 0, i, ret;

	for (i = 1; i < argc; ) {
		int j;

		if (strcmp(argv[i], "--run") || i + 3 >= argc || nruns == MAX_RUNS)
			usage();
		runs[nruns].name = argv[i + 1];
		runs[nruns].secs = atoi(argv[i + 2]);
		runs[nruns].argv = &argv[i + 3];
		for (j = i + 3; j < argc && strcmp(argv[j], "--end"); j++)
			;
		if (j == argc || runs[nruns].secs <= 0)
			usage();
		argv[j] = NULL;
		nruns++;
		i = j + 1;
	}
	if (!nruns)
		usage();

	/* Out of reach of /proc/PID/mem and ptrace by the same user. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	rnd_state ^= (unsigned int)getpid();

	dev_fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		say("cannot open " DEV ": %s", strerror(errno));
		return 2;
	}
	ret = stats(dev_fd, &st);
	check(!ret, "STATS: %s", strerror(-ret));
	check(!ret && !st.bytes_in_use && !tiers_in_use(&st),
	      "kpool is not idle at the start");

	setup();
	fork_holder();
	verify("before the runs");
	if (!stats(dev_fd, &st))
		show_stats("live objects during the runs", &st);
	say("%d objects to check, holder child %d shares the mappings", nobjs, (int)holder);

	for (i = 0; i < nruns; i++) {
		run_one(runs[i].name, runs[i].secs, runs[i].argv);
		verify(runs[i].name);
	}
	/*
	 * Whatever the programs left behind, of our user (kill(-1) spares the
	 * caller): trinity.sh execs this program, so nothing else of ours runs.
	 */
	kill(-1, SIGKILL);
	holder = -1;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	verify("after the runs");
	say("churn: %llu kpool calls beside the runs", (unsigned long long)churn_ops);
	teardown();
	say("result %s", failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
