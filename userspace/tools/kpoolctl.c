// SPDX-License-Identifier: GPL-2.0
/*
 * kpoolctl - look at and try /dev/kpool from the shell.  See usage().
 */
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
#define EXIT_FAIL	1	/* a kpool call failed; zero-check: in use */
#define EXIT_USAGE	2

static const char *prog = "kpoolctl";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s COMMAND [ARGS]\n"
		"\n"
		"Look at and try the kpool device (" KPOOL_DEVICE ").\n"
		"\n"
		"Commands:\n"
		"  stats [--watch SECONDS] [--count N]\n"
		"        print the tier table (tier, size, buffers in use, allocated and\n"
		"        freed since load, bytes in use) and the live handles, mappings,\n"
		"        exports and bytes; with --watch, again every SECONDS until\n"
		"        interrupted, or N times in all with --count (alone, --count\n"
		"        watches every second)\n"
		"  alloc SIZE...\n"
		"        allocate one buffer per SIZE (all at once), print the handle,\n"
		"        tier, capacity and whether it can be mapped, then free them\n"
		"  tier SIZE\n"
		"        print the tier a buffer of SIZE comes from and its capacity, as\n"
		"        'TIER CAPACITY' (TIER is 'fallback' above the largest tier), by\n"
		"        allocating one and freeing it\n"
		"  zero-check\n"
		"        exit 0 when nothing is in use (no buffers, bytes, handles,\n"
		"        mappings or exports), 1 otherwise; says which on stdout\n"
		"  help  this text (also -h, --help)\n"
		"\n"
		"SIZE is a number of bytes, optionally with a suffix K, M or G (KiB, MiB,\n"
		"GiB): 5000, 16K, 1M.\n"
		"\n"
		"Exit status: 0 success; 1 a kpool call failed, or zero-check found\n"
		"something in use; 2 bad usage.  Errors go to stderr.\n",
		prog);
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

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int watch = 0, count = 0, c, ret;
	unsigned long long i;
	struct kpool_stats st;
	struct kpool kp;
	bool tty;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+w:c:h", opts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return bad_usage("%s", "stats takes --watch SECONDS and --count N");
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
	tty = isatty(STDOUT_FILENO);
	for (i = 0; count < 0 || i < (unsigned long long)count; i++) {
		if (i)
			sleep((unsigned int)watch);
		ret = kpool_stats_get(&kp, &st);
		if (ret) {
			kpool_close(&kp);
			return fail("KPOOL_IOC_STATS", ret);
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

static int cmd_tier(int argc, char **argv)
{
	struct kpool_info info;
	struct kpool kp;
	__u32 handle;
	__u64 size;
	int ret;

	if (argc != 2)
		return bad_usage("%s", "tier wants exactly one SIZE");
	size = parse_size(argv[1]);
	if (!size)
		return bad_usage("tier: bad SIZE '%s' (bytes, 1 or more, optional K/M/G)", argv[1]);
	ret = open_pool(&kp);
	if (ret)
		return ret;
	ret = kpool_buf_alloc(&kp, size, &handle, &info);
	if (ret) {
		kpool_close(&kp);
		return fail("alloc", ret);
	}
	if (info.tier == KPOOL_TIER_FALLBACK)
		printf("fallback");
	else
		printf("%u", info.tier);
	printf(" %" PRIu64 "\n", (uint64_t)info.capacity);
	ret = kpool_buf_free(&kp, handle);
	kpool_close(&kp);
	return ret ? fail("free", ret) : EXIT_OK;
}

static int cmd_zero_check(int argc, char **argv)
{
	struct kpool_stats st;
	struct kpool kp;
	__u64 buffers;
	unsigned int i;
	int ret;

	(void)argv;
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
	return EXIT_FAIL;
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
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	return bad_usage("unknown command '%s'", cmd);
}
