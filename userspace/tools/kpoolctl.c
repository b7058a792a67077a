// SPDX-License-Identifier: GPL-2.0
/*
 * kpoolctl - look at and try /dev/kpool from the shell.  See usage().
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libkpool.h"
#include "stats_table.h"

/* Exit statuses. */
#define EXIT_OK		0
#define EXIT_NO		1	/* the answer is no: zero-check found use, tier too big */
#define EXIT_USAGE	2
#define EXIT_FAIL	3	/* a kpool call failed, or no device */

static const char *prog = "kpoolctl";

static const char *const help_stats =
	"  stats [--json] [--watch SECONDS] [--count N]\n"
	"        print the tier table (tier, size, buffers in use, allocated,\n"
	"        freed and spilled since load, bytes in use) and the live handles,\n"
	"        mappings, exports and bytes; with --json, one JSON object with\n"
	"        every counter as a raw number, the module's version and features\n"
	"        and its parameters (from /sys/module/kpool/parameters); with\n"
	"        --watch, again every SECONDS until interrupted, or N times in all\n"
	"        with --count (alone, --count watches every second)\n";
static const char *const help_alloc =
	"  alloc SIZE...\n"
	"        allocate one buffer per SIZE (all at once), print the handle,\n"
	"        tier, capacity and whether it can be mapped, then free them\n";
static const char *const help_tier =
	"  tier SIZE\n"
	"        print the tier a buffer of SIZE comes from and its capacity, as\n"
	"        'TIER CAPACITY' (TIER is 'fallback' above the largest tier),\n"
	"        from the pool's tier table, without allocating; exit 1 when SIZE\n"
	"        is above max_buffer_size\n";
static const char *const help_zero =
	"  zero-check\n"
	"        exit 0 when nothing is in use (no buffers, bytes, handles,\n"
	"        mappings or exports), 1 otherwise; says which on stdout\n";
static const char *const help_version =
	"  version (also -V, --version)\n"
	"        print libkpool's version and the kpool module's version and\n"
	"        features\n";

static const char *const help_tail =
	"\n"
	"SIZE is a number of bytes, optionally with a suffix K, M or G (KiB, MiB,\n"
	"GiB): 5000, 16K, 1M.  Every command takes --help.\n"
	"\n"
	"Exit status: 0 success; 1 the answer is no (zero-check found something\n"
	"in use, tier SIZE above max_buffer_size); 2 bad usage; 3 a kpool call\n"
	"failed or there is no kpool device.  Errors go to stderr.\n";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s COMMAND [ARGS]\n"
		"\n"
		"Look at and try the kpool device (" KPOOL_DEVICE ").\n"
		"\n"
		"Commands:\n"
		"%s%s%s%s%s"
		"  help  this text (also -h, --help)\n"
		"%s",
		prog, help_stats, help_alloc, help_tier, help_zero, help_version,
		help_tail);
}

/* COMMAND --help: that command's text. */
static int command_help(const char *cmd, const char *text)
{
	printf("Usage: %s %s [ARGS]\n\n%s%s", prog, cmd, text, help_tail);
	return EXIT_OK;
}

/* True when the arguments after the command ask for its --help. */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry: %s --help\n", prog);
	return EXIT_USAGE;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, kpool_strerror(err));
	return EXIT_FAIL;
}

static int open_pool(struct kpool *kp)
{
	int ret = kpool_open(kp, 0);

	if (ret == -ENOENT) {
		fprintf(stderr, "%s: cannot open %s: no such device file (is the kpool module loaded?)\n",
			prog, KPOOL_DEVICE);
		return EXIT_FAIL;
	}
	if (ret)
		return fail("cannot open " KPOOL_DEVICE, ret);
	return EXIT_OK;
}

/* A SIZE argument: digits and an optional K, M or G.  0 when invalid. */
static __u64 parse_size(const char *s)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'K': case 'k':
		mult = 1ULL << 10;
		end++;
		break;
	case 'M': case 'm':
		mult = 1ULL << 20;
		end++;
		break;
	case 'G': case 'g':
		mult = 1ULL << 30;
		end++;
		break;
	}
	if (*end || v > ULLONG_MAX / mult)
		return 0;
	return v * mult;
}

/* A positive whole number of at most INT_MAX; -1 when invalid. */
static int parse_count(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* Names of the KPOOL_FEATURE_* bits, by bit. */
static const char *const feature_names[] = {
	"rdonly", "dmabuf", "export-info", "user-quota", "stats-spills",
	"fdinfo", "tracepoints",
};

/* The module's version; -ENOTTY from a module older than VERSION. */
static int module_version(struct kpool *kp, struct kpool_version *v)
{
	int ret = kpool_version(kp, v);

	if (ret == -ENOTTY) {
		/* Before KPOOL_IOC_VERSION: 1.0, without any of the features. */
		memset(v, 0, sizeof(*v));
		v->major = 1;
	}
	return ret;
}

static void json_string(FILE *f, const char *str)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/*
 * The module's parameters, as a JSON object: the value of each file of
 * /sys/module/kpool/parameters, a number when it is all digits, else a
 * string.
 */
static void json_params(FILE *f)
{
	const char *dir = "/sys/module/kpool/parameters";
	struct dirent **names;
	int i, n, first = 1;

	n = scandir(dir, &names, NULL, alphasort);
	fputc('{', f);
	for (i = 0; i < n; i++) {
		char path[512], val[256];
		size_t len;
		FILE *pf;

		if (names[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		pf = fopen(path, "re");
		if (!pf)
			goto next;
		if (!fgets(val, sizeof(val), pf))
			val[0] = '\0';
		fclose(pf);
		len = strcspn(val, "\n");
		val[len] = '\0';
		fprintf(f, "%s", first ? "" : ", ");
		first = 0;
		json_string(f, names[i]->d_name);
		fputs(": ", f);
		if (len && len < 20 && strspn(val, "0123456789") == len)
			fputs(val, f);
		else
			json_string(f, val);
next:
		free(names[i]);
	}
	if (n > 0)
		free(names);
	fputc('}', f);
}

static void json_row(FILE *f, const struct kpool_tier_stats *t)
{
	fprintf(f, "\"size\": %llu, \"in_use\": %llu, \"allocs\": %llu, \"frees\": %llu",
		(unsigned long long)t->size, (unsigned long long)t->in_use,
		(unsigned long long)t->allocs, (unsigned long long)t->frees);
}

/* One JSON object, on one line: every counter as a raw number. */
static void print_json(FILE *f, const struct kpool_stats *st,
		       const struct kpool_version *v)
{
	bool spills = v->features & KPOOL_FEATURE_STATS_SPILLS;
	unsigned int i, n = st->ntiers < KPOOL_MAX_TIERS ? st->ntiers : KPOOL_MAX_TIERS;
	int first = 1;

	fprintf(f, "{\"library\": \"%d.%d\", \"module\": \"%u.%u.%u\", \"features\": %llu, \"feature_names\": [",
		LIBKPOOL_VERSION_MAJOR, LIBKPOOL_VERSION_MINOR, v->major,
		v->minor, v->patch, (unsigned long long)v->features);
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(v->features & (1ULL << i)))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ", ", feature_names[i]);
		first = 0;
	}
	fprintf(f, "], \"ntiers\": %u, \"bytes_in_use\": %llu, \"handles\": %llu, \"mappings\": %llu, \"exports\": %llu, \"tiers\": [",
		st->ntiers, (unsigned long long)st->bytes_in_use,
		(unsigned long long)st->handles,
		(unsigned long long)st->mappings,
		(unsigned long long)st->exports);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"tier\": %u, ", i ? ", " : "", i);
		json_row(f, &st->tier[i]);
		if (spills)
			fprintf(f, ", \"spills\": %llu, \"costly\": %s",
				(unsigned long long)st->spills[i],
				st->costly & (1u << i) ? "true" : "false");
		fputc('}', f);
	}
	fputs("], \"fallback\": {", f);
	json_row(f, &st->fallback);
	fputs("}, \"parameters\": ", f);
	json_params(f);
	fputs("}\n", f);
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int watch = 0, count = 0, c, ret;
	struct kpool_version ver;
	unsigned long long i;
	struct kpool_stats st;
	bool tty, json = false;
	struct kpool kp;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+w:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			watch = parse_count(optarg);
			if (watch < 0)
				return bad_usage("--watch wants a number of seconds (1 or more), not '%s'", optarg);
			break;
		case 'c':
			count = parse_count(optarg);
			if (count < 0)
				return bad_usage("--count wants a number (1 or more), not '%s'", optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return command_help("stats", help_stats);
		default:
			return bad_usage("%s", "stats takes --json, --watch SECONDS and --count N");
		}
	}
	if (optind < argc)
		return bad_usage("stats: unexpected argument '%s'", argv[optind]);
	if (count && !watch)
		watch = 1;
	if (watch && !count)
		count = -1;	/* until interrupted */
	if (!watch)
		count = 1;

	ret = open_pool(&kp);
	if (ret)
		return ret;
	ret = module_version(&kp, &ver);
	if (ret && ret != -ENOTTY) {
		kpool_close(&kp);
		return fail("KPOOL_IOC_VERSION", ret);
	}
	tty = isatty(STDOUT_FILENO);
	for (i = 0; count < 0 || i < (unsigned long long)count; i++) {
		if (i)
			sleep((unsigned int)watch);
		ret = kpool_stats_get(&kp, &st);
		if (ret) {
			kpool_close(&kp);
			return fail("KPOOL_IOC_STATS", ret);
		}
		if (json) {
			/* With --watch: one object a line (JSON Lines). */
			print_json(stdout, &st, &ver);
			fflush(stdout);
			continue;
		}
		if (watch) {
			char when[32];
			time_t now = time(NULL);

			strftime(when, sizeof(when), "%H:%M:%S",
				 localtime(&now));
			if (tty)
				fputs("\033[H\033[2J", stdout);
			else if (i)
				putchar('\n');
			printf("kpool stats at %s (every %d s)\n", when, watch);
		}
		kpool_stats_print(stdout, &st, "");
		fflush(stdout);
	}
	kpool_close(&kp);
	return EXIT_OK;
}

static void print_tier(__u32 tier)
{
	if (tier == KPOOL_TIER_FALLBACK)
		printf("%8s", "fallback");
	else
		printf("%8u", tier);
}

static int cmd_alloc(int argc, char **argv)
{
	struct kpool_info *info;
	int i, n = argc - 1, ret, status = EXIT_OK;
	struct kpool kp;
	__u32 *handles;

	if (wants_help(argc, argv))
		return command_help("alloc", help_alloc);
	if (n < 1)
		return bad_usage("%s", "alloc wants one SIZE or more");
	for (i = 1; i < argc; i++)
		if (!parse_size(argv[i]))
			return bad_usage("alloc: bad SIZE '%s' (bytes, 1 or more, optional K/M/G)", argv[i]);
	handles = calloc((size_t)n, sizeof(*handles));
	info = calloc((size_t)n, sizeof(*info));
	if (!handles || !info) {
		free(handles);
		free(info);
		return fail("alloc", -ENOMEM);
	}
	ret = open_pool(&kp);
	if (ret) {
		free(handles);
		free(info);
		return ret;
	}
	for (i = 0; i < n; i++) {
		ret = kpool_buf_alloc(&kp, parse_size(argv[i + 1]), &handles[i],
				      &info[i]);
		if (ret) {
			fprintf(stderr, "%s: alloc %s: %s\n", prog, argv[i + 1],
				kpool_strerror(ret));
			status = EXIT_FAIL;
			break;
		}
	}
	if (i == n) {
		printf("%12s %8s %8s %12s %s\n", "size", "handle", "tier",
		       "capacity", "mappable");
		for (i = 0; i < n; i++) {
			printf("%12" PRIu64 " %8u ", (uint64_t)info[i].length,
			       handles[i]);
			print_tier(info[i].tier);
			printf(" %12" PRIu64 " %s\n", (uint64_t)info[i].capacity,
			       info[i].flags & KPOOL_INFO_MAPPABLE ? "yes" : "no");
		}
	}
	n = i;
	for (i = 0; i < n; i++) {
		ret = kpool_buf_free(&kp, handles[i]);
		if (ret) {
			status = fail("free", ret);
			break;
		}
	}
	kpool_close(&kp);
	free(handles);
	free(info);
	return status;
}

/* A module parameter from sysfs; 0 when it cannot be read. */
static unsigned long long module_param(const char *name)
{
	unsigned long long v = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kpool/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Answered from the tier table of STATS: nothing is allocated. */
static int cmd_tier(int argc, char **argv)
{
	unsigned long long max, page = (unsigned long long)sysconf(_SC_PAGESIZE);
	struct kpool_stats st;
	struct kpool kp;
	unsigned int i, n;
	__u64 size;
	int ret;

	if (wants_help(argc, argv))
		return command_help("tier", help_tier);
	if (argc != 2)
		return bad_usage("%s", "tier wants exactly one SIZE");
	size = parse_size(argv[1]);
	if (!size)
		return bad_usage("tier: bad SIZE '%s' (bytes, 1 or more, optional K/M/G)", argv[1]);
	ret = open_pool(&kp);
	if (ret)
		return ret;
	ret = kpool_stats_get(&kp, &st);
	kpool_close(&kp);
	if (ret)
		return fail("KPOOL_IOC_STATS", ret);
	max = module_param("max_buffer_size");
	if (max && size > max) {
		printf("tier: %llu bytes is above max_buffer_size (%llu): no buffer\n",
		       (unsigned long long)size, max);
		return EXIT_NO;
	}
	n = st.ntiers < KPOOL_MAX_TIERS ? st.ntiers : KPOOL_MAX_TIERS;
	for (i = 0; i < n; i++)
		if (st.tier[i].size >= size)
			break;
	if (i < n) {
		printf("%u %llu\n", i, (unsigned long long)st.tier[i].size);
		return EXIT_OK;
	}
	/* The fallback: whole pages. */
	printf("fallback %llu\n",
	       (unsigned long long)((size + page - 1) / page * page));
	return EXIT_OK;
}

static int cmd_zero_check(int argc, char **argv)
{
	struct kpool_stats st;
	struct kpool kp;
	__u64 buffers;
	unsigned int i;
	int ret;

	if (wants_help(argc, argv))
		return command_help("zero-check", help_zero);
	if (argc != 1)
		return bad_usage("%s", "zero-check takes no arguments");
	ret = open_pool(&kp);
	if (ret)
		return ret;
	ret = kpool_stats_get(&kp, &st);
	kpool_close(&kp);
	if (ret)
		return fail("KPOOL_IOC_STATS", ret);
	if (kpool_stats_idle(&st)) {
		printf("zero-check: nothing in use\n");
		return EXIT_OK;
	}
	buffers = st.fallback.in_use;
	for (i = 0; i < st.ntiers && i < KPOOL_MAX_TIERS; i++)
		buffers += st.tier[i].in_use;
	printf("zero-check: in use: %" PRIu64 " buffers, %" PRIu64 " bytes, %"
	       PRIu64 " handles, %" PRIu64 " mappings, %" PRIu64 " exports\n",
	       (uint64_t)buffers, (uint64_t)st.bytes_in_use,
	       (uint64_t)st.handles, (uint64_t)st.mappings,
	       (uint64_t)st.exports);
	return EXIT_NO;
}

static int cmd_version(int argc, char **argv)
{
	struct kpool_version v;
	struct kpool kp;
	unsigned int i;
	int ret, first = 1;

	if (wants_help(argc, argv))
		return command_help("version", help_version);
	if (argc != 1)
		return bad_usage("%s", "version takes no arguments");
	printf("kpoolctl: libkpool %d.%d\n", LIBKPOOL_VERSION_MAJOR,
	       LIBKPOOL_VERSION_MINOR);
	fflush(stdout);
	ret = open_pool(&kp);
	if (ret)
		return ret;
	ret = module_version(&kp, &v);
	kpool_close(&kp);
	if (ret && ret != -ENOTTY)
		return fail("KPOOL_IOC_VERSION", ret);
	printf("kpool module: %u.%u.%u%s\nfeatures: %#llx", v.major, v.minor,
	       v.patch, ret ? " (older than KPOOL_IOC_VERSION)" : "",
	       (unsigned long long)v.features);
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(v.features & (1ULL << i)))
			continue;
		printf("%s%s", first ? " (" : ", ", feature_names[i]);
		first = 0;
	}
	printf("%s\n", first ? "" : ")");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "alloc"))
		return cmd_alloc(argc, argv);
	if (!strcmp(cmd, "tier"))
		return cmd_tier(argc, argv);
	if (!strcmp(cmd, "zero-check"))
		return cmd_zero_check(argc, argv);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "-V") ||
	    !strcmp(cmd, "--version"))
		return cmd_version(argc, argv);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	return bad_usage("unknown command '%s'", cmd);
}
