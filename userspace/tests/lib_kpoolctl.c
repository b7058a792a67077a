// SPDX-License-Identifier: GPL-2.0
/*
 * lib_kpoolctl: kpoolctl's exit statuses and output, run in the guest.
 *
 * The test binary carries kpoolctl itself (userspace/tools/kpoolctl.c and
 * stats_table.c are compiled into it, so the guest needs no other file):
 * run as "kpoolctl" (argv[0]) it is kpoolctl; otherwise it runs
 * /proc/self/exe under that name and checks what it says: 0 fine, 1 the
 * answer is no, 2 bad usage, 3 a kpool call failed; --help on every
 * command; --version; tier answered without allocating; stats --json is
 * one valid JSON object (checked by a small parser here: python is not in
 * the guest) with the numbers STATS and sysfs give.
 */
#define _GNU_SOURCE
#define main kpoolctl_main
#include "../tools/kpoolctl.c"
#undef main
#include "../tools/stats_table.c"

#include "kt.h"

#include <sys/wait.h>

static char out[65536];

/* Run kpoolctl ARGS...: its exit status; its stdout in out[]. */
static int run(const char *arg, ...)
{
	const char *argv[16] = { "kpoolctl" };
	int p[2], n = 1, status;
	size_t len = 0;
	va_list ap;
	ssize_t r;
	pid_t pid;

	va_start(ap, arg);
	for (; arg && n < 15; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		dup2(null, 2);
		execv("/proc/self/exe", (char **)argv);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* ---- a small JSON parser: is the text one valid JSON value? */
static const char *js;

static void ws(void)
{
	while (*js == ' ' || *js == '\t' || *js == '\n' || *js == '\r')
		js++;
}

static int value(int depth);

static int string(void)
{
	if (*js++ != '"')
		return 0;
	while (*js && *js != '"') {
		if ((unsigned char)*js < 0x20)
			return 0;
		if (*js == '\\') {
			js++;
			if (*js == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)js[i]))
						return 0;
				js += 4;
			} else if (!strchr("\"\\/bfnrt", *js) || !*js) {
				return 0;
			}
		}
		js++;
	}
	return *js++ == '"';
}

static int number(void)
{
	const char *s = js;

	if (*js == '-')
		js++;
	if (*js == '0')
		js++;
	else if (*js >= '1' && *js <= '9')
		while (isdigit((unsigned char)*js))
			js++;
	else
		return 0;
	if (*js == '.') {
		js++;
		if (!isdigit((unsigned char)*js))
			return 0;
		while (isdigit((unsigned char)*js))
			js++;
	}
	return js > s;
}

static int members(int depth, char open, char close, int keyed)
{
	js++;
	ws();
	if (*js == close) {
		js++;
		return 1;
	}
	for (;;) {
		ws();
		if (keyed) {
			if (!string())
				return 0;
			ws();
			if (*js++ != ':')
				return 0;
		}
		if (!value(depth + 1))
			return 0;
		ws();
		if (*js == ',') {
			js++;
			continue;
		}
		(void)open;
		return *js++ == close;
	}
}

static int value(int depth)
{
	ws();
	if (depth > 32)
		return 0;
	switch (*js) {
	case '{':
		return members(depth, '{', '}', 1);
	case '[':
		return members(depth, '[', ']', 0);
	case '"':
		return string();
	case 't':
		return !strncmp(js, "true", 4) ? (js += 4, 1) : 0;
	case 'f':
		return !strncmp(js, "false", 5) ? (js += 5, 1) : 0;
	case 'n':
		return !strncmp(js, "null", 4) ? (js += 4, 1) : 0;
	default:
		return number();
	}
}

/* One JSON object and nothing else but a newline; *end is after it. */
static int json_object(const char *text, const char **end)
{
	js = text;
	ws();
	if (*js != '{' || !value(0))
		return 0;
	if (*js == '\n')
		js++;
	*end = js;
	return 1;
}

/* The number after "KEY": in out[] (from @from), or -1. */
static long long json_num(const char *from, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(from, pat);
	if (!p || !isdigit((unsigned char)p[strlen(pat)]))
		return -1;
	return strtoll(p + strlen(pat), NULL, 10);
}

static void test_usage(void)
{
	static const char *const cmds[] = { "stats", "alloc", "tier",
					    "zero-check", "version" };
	char want[64];
	unsigned int i;

	kt_ok(run(NULL) == 2, "no command: exit 2");
	kt_ok(run("bogus", (char *)NULL) == 2, "an unknown command: exit 2");
	kt_ok(run("tier", (char *)NULL) == 2, "tier without SIZE: exit 2");
	kt_ok(run("tier", "0", (char *)NULL) == 2, "tier 0: exit 2");
	kt_ok(run("tier", "12Q", (char *)NULL) == 2, "tier 12Q: exit 2");
	kt_ok(run("alloc", (char *)NULL) == 2, "alloc without SIZE: exit 2");
	kt_ok(run("stats", "--watch", "x", (char *)NULL) == 2, "stats --watch x: exit 2");
	kt_ok(run("stats", "extra", (char *)NULL) == 2, "stats extra: exit 2");
	kt_ok(run("zero-check", "extra", (char *)NULL) == 2, "zero-check extra: exit 2");
	kt_ok(run("--help", (char *)NULL) == 0 && strstr(out, "Usage: kpoolctl COMMAND") &&
	      strstr(out, "Exit status"), "--help: exit 0, the usage");
	for (i = 0; i < KT_ARRAY_SIZE(cmds); i++) {
		snprintf(want, sizeof(want), "Usage: kpoolctl %s", cmds[i]);
		kt_ok(run(cmds[i], "--help", (char *)NULL) == 0 && !strncmp(out, want, strlen(want)),
		      "%s --help: exit 0, '%s'", cmds[i], want);
	}
}

static void test_version(void)
{
	char want[64];

	snprintf(want, sizeof(want), "kpool module: %d.%d.%d\n",
		 KPOOL_VERSION_MAJOR, KPOOL_VERSION_MINOR, KPOOL_VERSION_PATCH);
	kt_ok(run("--version", (char *)NULL) == 0 && strstr(out, "libkpool 1.1") &&
	      strstr(out, want) && strstr(out, "fdinfo"),
	      "--version: exit 0, libkpool 1.1 and %.*s with its features",
	      (int)strlen(want) - 1, want);
	kt_ok(run("version", (char *)NULL) == 0 && strstr(out, want), "version: the same");
}

static void test_tier(int fd)
{
	struct kpool_stats s0, s1;
	unsigned long long max = 0;

	kt_stats(fd, &s0);
	kt_ok(run("tier", "5000", (char *)NULL) == 0 && !strcmp(out, "2 16384\n"),
	      "tier 5000: '2 16384' (%s)", out);
	kt_ok(run("tier", "1", (char *)NULL) == 0 && !strcmp(out, "0 256\n"), "tier 1: '0 256'");
	kt_ok(run("tier", "1M", (char *)NULL) == 0 && !strcmp(out, "4 1048576\n"),
	      "tier 1M: '4 1048576'");
	kt_ok(run("tier", "3000000", (char *)NULL) == 0 && !strcmp(out, "fallback 3002368\n"),
	      "tier 3000000: 'fallback 3002368' (%s)", out);
	kt_param("max_buffer_size", &max);
	if (max == 64ULL << 20)
		kt_ok(run("tier", "65M", (char *)NULL) == 1,
		      "tier 65M, above max_buffer_size: exit 1 (no such buffer)");
	kt_stats(fd, &s1);
	kt_ok(s1.tier[2].allocs == s0.tier[2].allocs &&
	      s1.fallback.allocs == s0.fallback.allocs &&
	      s1.tier[0].allocs == s0.tier[0].allocs,
	      "tier allocated nothing");
}

static void test_calls(int fd)
{
	struct kpool_stats st;
	uint32_t h;
	int idle;

	kt_stats(fd, &st);
	idle = !st.handles && !st.bytes_in_use && !st.mappings && !st.exports;
	if (idle)
		kt_ok(run("zero-check", (char *)NULL) == 0 && strstr(out, "nothing in use"),
		      "zero-check with nothing in use: exit 0");
	else
		kt_skip("something else is in use", "zero-check: exit 0");
	if (kt_expect(kt_alloc(fd, 5000, &h), 0, "ALLOC of 5000 bytes")) {
		kt_ok(run("zero-check", (char *)NULL) == 1 && strstr(out, "in use: 1 buffers"),
		      "zero-check with a buffer in use: exit 1 (%s)", out);
		kt_free(fd, h);
	}
	if (idle)
		kt_ok(run("zero-check", (char *)NULL) == 0, "zero-check after the FREE: exit 0");
	kt_ok(run("alloc", "100", "5000", (char *)NULL) == 0 && strstr(out, "16384 yes"),
	      "alloc 100 5000: exit 0");
	kt_ok(run("alloc", "100M", (char *)NULL) == 3, "alloc 100M (E2BIG): exit 3");
	kt_ok(run("stats", (char *)NULL) == 0 && strstr(out, "spilled") && strstr(out, "live:"),
	      "stats: exit 0, a table with spills");
}

static void test_json(int fd)
{
	unsigned long long mfb = 0;
	const char *end, *second;
	struct kpool_stats st;

	kt_stats(fd, &st);
	if (!kt_ok(run("stats", "--json", (char *)NULL) == 0, "stats --json: exit 0"))
		return;
	kt_diag("stats --json: %.*s", (int)strcspn(out, "\n"), out);
	kt_ok(json_object(out, &end) && !*end, "stats --json: one valid JSON object");
	kt_ok(json_num(out, "ntiers") == st.ntiers &&
	      json_num(out, "handles") == (long long)st.handles &&
	      json_num(out, "bytes_in_use") == (long long)st.bytes_in_use,
	      "... ntiers, handles and bytes_in_use as STATS says");
	kt_ok(strstr(out, "\"tiers\": [{\"tier\": 0, \"size\": 256, ") &&
	      strstr(out, "\"tier\": 4, \"size\": 1048576, ") &&
	      strstr(out, "\"spills\": ") && strstr(out, "\"costly\": true") &&
	      strstr(out, "\"fallback\": {\"size\": 0, "),
	      "... the tier rows, with spills, and the fallback");
	kt_ok(strstr(out, "\"mappings\": ") && strstr(out, "\"exports\": ") &&
	      strstr(out, "\"features\": ") && strstr(out, "\"module\": \""),
	      "... mappings, exports, the module's version and features");
	kt_param("max_file_bytes", &mfb);
	kt_ok(json_num(strstr(out, "\"parameters\"") ?: out, "max_file_bytes") ==
	      (long long)mfb && strstr(out, "\"tiers\": \"256,4096,16384,32768,1048576\""),
	      "... the module parameters from sysfs (max_file_bytes %llu, tiers)", mfb);
	if (kt_ok(run("stats", "--json", "--count", "2", (char *)NULL) == 0,
		  "stats --json --count 2: exit 0"))
		kt_ok(json_object(out, &second) && json_object(second, &end) && !*end,
		      "... two JSON objects, one a line");
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	int fd;

	name = name ? name + 1 : argv[0];
	if (!strcmp(name, "kpoolctl"))
		return kpoolctl_main(argc, argv);
	(void)argc;
	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_usage();
	test_version();
	test_tier(fd);
	test_calls(fd);
	test_json(fd);
	close(fd);
	return kt_end();
}
