// SPDX-License-Identifier: GPL-2.0
/*
 * fdinfo: /proc/self/fdinfo/N of a /dev/kpool file (handles, distinct
 * buffers, bytes charged to the file and its limit) and of an exported
 * file (length, offset, capacity, tier, refs, read-only, mappable), after
 * a known sequence of calls.
 */
#include "kt.h"

/* The value of "KEY:\t..." in fd's fdinfo, as a string; 0 when found. */
static int fdinfo_str(int fd, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':' || line[klen + 1] != '\t')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(val, len, "%s", line + klen + 2);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* The number after KEY, or ~0ULL when it is missing or not a number. */
static unsigned long long fdinfo(int fd, const char *key)
{
	char val[64], *end;
	unsigned long long v;

	if (fdinfo_str(fd, key, val, sizeof(val)))
		return ~0ULL;
	v = strtoull(val, &end, 10);
	return *val && !*end ? v : ~0ULL;
}

static int dev_is(int fd, unsigned long long handles, unsigned long long bufs,
		  unsigned long long bytes, const char *what)
{
	unsigned long long h = fdinfo(fd, "kpool-handles"),
			   b = fdinfo(fd, "kpool-buffers"),
			   y = fdinfo(fd, "kpool-bytes");

	return kt_ok(h == handles && b == bufs && y == bytes,
		     "%s: fdinfo says %llu handles, %llu buffers, %llu bytes (want %llu, %llu, %llu)",
		     what, h, b, y, handles, bufs, bytes);
}

static void export_is(int efd, unsigned long long len, unsigned long long off,
		      unsigned long long cap, const char *tier,
		      unsigned long long refs, int ro, const char *what)
{
	char t[32] = "";

	fdinfo_str(efd, "kpool-tier", t, sizeof(t));
	kt_ok(fdinfo(efd, "kpool-length") == len && fdinfo(efd, "kpool-offset") == off &&
	      fdinfo(efd, "kpool-capacity") == cap && !strcmp(t, tier) &&
	      fdinfo(efd, "kpool-refs") == refs &&
	      fdinfo(efd, "kpool-readonly") == (unsigned long long)ro &&
	      fdinfo(efd, "kpool-mappable") == (cap >= KT_PAGE),
	      "%s: fdinfo says length %llu, offset %llu, capacity %llu, tier %s, refs %llu, readonly %llu, mappable %llu",
	      what, fdinfo(efd, "kpool-length"), fdinfo(efd, "kpool-offset"),
	      fdinfo(efd, "kpool-capacity"), t, fdinfo(efd, "kpool-refs"),
	      fdinfo(efd, "kpool-readonly"), fdinfo(efd, "kpool-mappable"));
}

int main(void)
{
	uint32_t h, d, s, small, big, imp;
	unsigned long long limit;
	int fd, fd2, efd, rofd, bigfd;

	kt_begin();
	fd = kt_open();
	fd2 = kt_open();
	if (!kt_ok(fd >= 0 && fd2 >= 0, "open(%s) twice", KT_DEV))
		return kt_end();
	dev_is(fd, 0, 0, 0, "a new file");
	if (kt_param("max_file_bytes", &limit))
		limit = ~0ULL - 1;
	kt_ok(fdinfo(fd, "kpool-bytes-limit") == limit,
	      "fdinfo's kpool-bytes-limit is max_file_bytes (%llu)", limit);

	if (kt_alloc(fd, 5000, &h) || kt_dup(fd, h, &d) ||
	    kt_slice(fd, h, 100, 300, &s) || kt_alloc(fd, 100, &small)) {
		kt_ok(0, "ALLOC, DUP, SLICE, ALLOC");
		return kt_end();
	}
	dev_is(fd, 4, 2, 16384 + 256,
	       "ALLOC 5000, DUP and SLICE of it, ALLOC 100");

	if (kt_expect(kt_export(fd, h, O_CLOEXEC, &efd), 0, "EXPORT of the 5000 bytes"))
		export_is(efd, 5000, 0, 16384, "2", 4, 0, "the exported file");
	if (kt_expect(kt_export(fd, s, O_CLOEXEC | KPOOL_EXPORT_RDONLY, &rofd), 0,
		      "read-only EXPORT of the slice [100, 300)"))
		export_is(rofd, 200, 100, 16384, "2", 5, 1, "the read-only exported file");

	kt_free(fd, h);
	kt_free(fd, d);
	kt_free(fd, s);
	dev_is(fd, 1, 1, 16384 + 256,
	       "the three handles freed, the exports keep the buffer (still charged to the file)");
	if (efd >= 0)
		export_is(efd, 5000, 0, 16384, "2", 2, 0, "the exported file after the FREEs");

	kt_expect(kt_import(fd2, rofd, &imp), 0, "IMPORT into another file");
	dev_is(fd2, 1, 1, 0, "the other file: one handle, the buffer charged elsewhere");
	close(efd);
	close(rofd);
	dev_is(fd, 1, 1, 16384 + 256, "the exports closed: the import keeps the buffer");
	kt_free(fd2, imp);
	dev_is(fd, 1, 1, 256, "the import freed: the buffer is returned");
	dev_is(fd2, 0, 0, 0, "the other file is empty again");

	if (kt_expect(kt_alloc(fd, 2000000, &big), 0, "ALLOC of 2000000 bytes (fallback)") &&
	    kt_expect(kt_export(fd, big, O_CLOEXEC, &bigfd), 0, "EXPORT of it")) {
		export_is(bigfd, 2000000, 0, 2002944, "fallback", 2, 0,
			  "the exported fallback buffer");
		close(bigfd);
	}
	kt_free(fd, big);
	kt_free(fd, small);
	dev_is(fd, 0, 0, 0, "everything freed");
	close(fd);
	close(fd2);
	return kt_end();
}
