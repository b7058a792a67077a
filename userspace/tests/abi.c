// SPDX-License-Identifier: GPL-2.0
/*
 * abi: KPOOL_IOC_VERSION and the rule for growing an ioctl's structure
 * without a new number (uapi/linux/kpool.h, "Growing a structure"):
 *  - VERSION gives the header's version and the features the module has;
 *  - a size below an ioctl's first size is ENOTTY;
 *  - a larger input structure works when its tail is zero, and is E2BIG
 *    (doing nothing) otherwise, EFAULT when the tail cannot be read;
 *  - a larger output structure gets zeros beyond what the kernel fills;
 *  - STATS with the first size (what programs built before it grew pass)
 *    fills exactly that much; the grown one says which tiers are costly
 *    and only those have spills (errno counts a spill it makes).
 */
#include "kt.h"

#include <sys/mman.h>

/* An ioctl number with another size. */
#define SIZED(cmd, size) \
	_IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))

static void test_version(int fd)
{
	struct kpool_version v;
	unsigned char big[KPOOL_VERSION_SIZE_VER0 + 16];
	uint64_t known = KPOOL_FEATURE_RDONLY | KPOOL_FEATURE_DMABUF |
			 KPOOL_FEATURE_EXPORT_INFO | KPOOL_FEATURE_USER_QUOTA |
			 KPOOL_FEATURE_STATS_SPILLS | KPOOL_FEATURE_FDINFO |
			 KPOOL_FEATURE_TRACEPOINTS;
	int ret, efd;
	uint32_t h;

	memset(&v, 0xa5, sizeof(v));
	if (!kt_expect(kt_io(fd, KPOOL_IOC_VERSION, &v), 0, "VERSION"))
		return;
	kt_ok(v.major == KPOOL_VERSION_MAJOR && v.minor == KPOOL_VERSION_MINOR &&
	      v.patch == KPOOL_VERSION_PATCH && v.pad == 0,
	      "VERSION: %u.%u.%u (header %u.%u.%u), pad 0", v.major, v.minor,
	      v.patch, KPOOL_VERSION_MAJOR, KPOOL_VERSION_MINOR,
	      KPOOL_VERSION_PATCH);
	kt_ok(!(v.features & ~known), "VERSION: only known feature bits (%#llx)",
	      (unsigned long long)v.features);
	kt_ok((v.features & (KPOOL_FEATURE_RDONLY | KPOOL_FEATURE_EXPORT_INFO |
			     KPOOL_FEATURE_USER_QUOTA | KPOOL_FEATURE_STATS_SPILLS)) ==
	      (KPOOL_FEATURE_RDONLY | KPOOL_FEATURE_EXPORT_INFO |
	       KPOOL_FEATURE_USER_QUOTA | KPOOL_FEATURE_STATS_SPILLS),
	      "VERSION: read-only sharing, INFO on exported files, the user quota and STATS spills are there");

	/* The DMABUF bit says whether a dma-buf export works. */
	if (kt_expect(kt_alloc(fd, KT_PAGE, &h), 0, "ALLOC of a page")) {
		ret = kt_export(fd, h, KPOOL_EXPORT_DMABUF | O_CLOEXEC, &efd);
		kt_ok((v.features & KPOOL_FEATURE_DMABUF) ? ret == 0 : ret == -EOPNOTSUPP,
		      "VERSION's DMABUF bit (%d) agrees with EXPORT of a dma-buf (%s)",
		      !!(v.features & KPOOL_FEATURE_DMABUF), kt_errname(-ret));
		if (!ret)
			close(efd);
		kt_free(fd, h);
	}

	memset(big, 0xa5, sizeof(big));
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_VERSION, sizeof(big)), big), 0,
		  "VERSION with a larger structure (%zu bytes)", sizeof(big));
	kt_ok(!memcmp(big, &v, sizeof(v)) &&
	      kt_nonzero(big + sizeof(v), sizeof(big) - sizeof(v)) < 0,
	      "... the same answer, and zeros beyond it");
	memset(big, 0xa5, sizeof(big));
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_VERSION, 16), big), ENOTTY,
		  "VERSION with a size below KPOOL_VERSION_SIZE_VER0: ENOTTY");
	kt_ok(big[0] == 0xa5, "... nothing written");
	kt_expect(kt_io(fd, _IOWR(KPOOL_IOC_MAGIC, _IOC_NR(KPOOL_IOC_VERSION),
				  struct kpool_version), &v),
		  ENOTTY, "VERSION's number with the wrong direction: ENOTTY");
}

/* Input structures: INFO (_IOWR), FREE (_IOW), ALLOC (_IOWR). */
static void test_inputs(int fd)
{
	struct {
		struct kpool_info info;
		uint64_t tail[2];
	} big;
	struct {
		struct kpool_handle_arg h;
		uint64_t tail;
	} bigfree;
	struct {
		struct kpool_alloc a;
		uint64_t tail;
	} biga;
	struct kpool_stats s0;
	struct kpool_info info;
	unsigned char *pages;
	uint32_t h;

	if (!kt_expect(kt_alloc(fd, 5000, &h), 0, "ALLOC of 5000 bytes"))
		return;
	kt_info(fd, h, &info);

	memset(&big, 0, sizeof(big));
	big.info.handle = h;
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_INFO, sizeof(big)), &big), 0,
		  "INFO with a larger structure, zero tail: works");
	kt_ok(!memcmp(&big.info, &info, sizeof(info)) && !big.tail[0] && !big.tail[1],
	      "... the same answer; the tail stays zero");
	memset(&big, 0, sizeof(big));
	big.info.handle = h;
	big.tail[1] = 1;
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_INFO, sizeof(big)), &big), E2BIG,
		  "INFO with a non-zero byte in the tail: E2BIG");
	kt_ok(big.info.length == 0 && big.info.capacity == 0,
	      "... and nothing is written back");
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_INFO, KPOOL_INFO_SIZE_VER0 - 8), &big),
		  ENOTTY, "INFO with a size below KPOOL_INFO_SIZE_VER0: ENOTTY");

	bigfree.h = (struct kpool_handle_arg){ .handle = h };
	bigfree.tail = 1ULL << 63;
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_FREE, sizeof(bigfree)), &bigfree),
		  E2BIG, "FREE with a non-zero tail: E2BIG");
	kt_expect(kt_info(fd, h, &info), 0, "... the handle is still there");
	bigfree.tail = 0;
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_FREE, sizeof(bigfree)), &bigfree),
		  0, "FREE with a larger structure, zero tail: works");
	kt_expect(kt_info(fd, h, &info), ENOENT, "... the handle is gone");

	kt_stats(fd, &s0);
	memset(&biga, 0, sizeof(biga));
	biga.a.size = 100;
	biga.tail = 7;
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_ALLOC, sizeof(biga)), &biga), E2BIG,
		  "ALLOC with a non-zero tail: E2BIG");
	kt_unchanged(&s0, "... nothing allocated");
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_ALLOC, KPOOL_ALLOC_SIZE_VER0 - 8), &biga),
		  ENOTTY, "ALLOC with a size below KPOOL_ALLOC_SIZE_VER0: ENOTTY");
	biga.tail = 0;
	if (kt_expect(kt_io(fd, SIZED(KPOOL_IOC_ALLOC, sizeof(biga)), &biga), 0,
		      "ALLOC with a larger structure, zero tail: works"))
		kt_ok(biga.a.handle && biga.a.capacity == 256 && !biga.tail,
		      "... handle %u, capacity %llu", biga.a.handle,
		      (unsigned long long)biga.a.capacity);
	if (biga.a.handle)
		kt_free(fd, biga.a.handle);

	/* A tail that cannot be read: EFAULT, nothing done. */
	pages = mmap(NULL, 2 * KT_PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!kt_ok(pages != MAP_FAILED, "mmap of two anonymous pages"))
		return;
	mprotect(pages + KT_PAGE, KT_PAGE, PROT_NONE);
	{
		struct kpool_alloc *a = (void *)(pages + KT_PAGE - sizeof(*a));

		memset(a, 0, sizeof(*a));
		a->size = 100;
		kt_stats(fd, &s0);
		kt_expect(kt_io(fd, SIZED(KPOOL_IOC_ALLOC, sizeof(*a) + 8), a), EFAULT,
			  "ALLOC whose larger tail is in an unreadable page: EFAULT");
		kt_unchanged(&s0, "... nothing allocated");
	}
	munmap(pages, 2 * KT_PAGE);
}

/* The exported file's INFO follows the same rule. */
static void test_export_info(int fd)
{
	struct {
		struct kpool_info info;
		uint64_t tail;
	} big;
	uint32_t h;
	int efd;

	if (!kt_expect(kt_alloc(fd, 5000, &h), 0, "ALLOC of 5000 bytes"))
		return;
	if (!kt_expect(kt_export(fd, h, O_CLOEXEC, &efd), 0, "EXPORT")) {
		kt_free(fd, h);
		return;
	}
	memset(&big, 0, sizeof(big));
	kt_expect(kt_io(efd, SIZED(KPOOL_IOC_INFO, sizeof(big)), &big), 0,
		  "INFO on an exported file with a larger structure, zero tail: works");
	kt_ok(big.info.length == 5000 && !big.tail, "... length %llu",
	      (unsigned long long)big.info.length);
	big.tail = 1;
	kt_expect(kt_io(efd, SIZED(KPOOL_IOC_INFO, sizeof(big)), &big), E2BIG,
		  "... with a non-zero tail: E2BIG");
	kt_expect(kt_io(efd, SIZED(KPOOL_IOC_INFO, 40), &big), ENOTTY,
		  "... with a size below the first: ENOTTY");
	close(efd);
	kt_free(fd, h);
}

static void test_stats_sizes(int fd)
{
	union {
		struct kpool_stats st;
		unsigned char b[sizeof(struct kpool_stats) + 32];
	} u;
	unsigned char *old = u.b, *big = u.b;
	struct kpool_stats st, *o = &u.st;
	unsigned int i, costly = 0;

	kt_stats(fd, &st);
	memset(old, 0xa5, sizeof(u));
	kt_expect(kt_io(fd, _IOR(KPOOL_IOC_MAGIC, 0x0d, char[KPOOL_STATS_SIZE_VER0]), old),
		  0, "STATS with the first size (%d bytes), as an old program asks",
		  KPOOL_STATS_SIZE_VER0);
	for (i = KPOOL_STATS_SIZE_VER0; i < sizeof(u); i++)
		if (old[i] != 0xa5)
			break;
	kt_ok(i == sizeof(u), "... nothing written past those %d bytes",
	      KPOOL_STATS_SIZE_VER0);
	kt_ok(o->ntiers == st.ntiers && o->bytes_in_use == st.bytes_in_use &&
	      o->handles == st.handles && !memcmp(o->tier, st.tier, sizeof(st.tier)),
	      "... and the same counters as the grown STATS");

	memset(big, 0xa5, sizeof(u));
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_STATS, sizeof(u)), big), 0,
		  "STATS with a larger structure than the kernel's");
	kt_ok(kt_nonzero(big + sizeof(st), sizeof(u) - sizeof(st)) < 0,
	      "... zeros beyond the kernel's structure");
	memset(big, 0xa5, sizeof(u));
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_STATS, KPOOL_STATS_SIZE_VER0 + 8), big),
		  0, "STATS with a size between the first and the current one");
	kt_ok(big[KPOOL_STATS_SIZE_VER0 + 8] == 0xa5,
	      "... nothing written past the caller's size");
	kt_expect(kt_io(fd, SIZED(KPOOL_IOC_STATS, KPOOL_STATS_SIZE_VER0 - 8), big),
		  ENOTTY, "STATS with a size below KPOOL_STATS_SIZE_VER0: ENOTTY");

	/* Costly tiers: slabs of an order above PAGE_ALLOC_COSTLY_ORDER (3). */
	for (i = 0; i < st.ntiers && i < KPOOL_MAX_TIERS; i++)
		if (st.tier[i].size > 8 * KT_PAGE)
			costly |= 1u << i;
	kt_ok(st.costly == costly && !st.pad2,
	      "STATS: costly tiers %#x (want %#x), pad2 0", st.costly, costly);
	for (i = 0; i < KPOOL_MAX_TIERS; i++)
		if (st.spills[i] && !(costly & (1u << i)))
			break;
	kt_ok(i == KPOOL_MAX_TIERS, "STATS: only costly tiers have spills");
}

int main(void)
{
	int fd;

	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	test_version(fd);
	test_inputs(fd);
	test_export_info(fd);
	test_stats_sizes(fd);
	close(fd);
	return kt_end();
}
