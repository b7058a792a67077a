// SPDX-License-Identifier: GPL-2.0
/*
 * tiers: the tier table seen from user space (the module loaded with its
 * default tiers 256, 4096, 16384, 32768, 1048576): for each size, the tier
 * index and capacity that ALLOC answers, what INFO says, which STATS row
 * counts the buffer, and whether the view is mappable.
 */
#include "kt.h"

static const struct {
	uint64_t size;
	uint32_t tier;
	uint64_t capacity;
} table[] = {
	{ 1, 0, 256 },
	{ 100, 0, 256 },
	{ 256, 0, 256 },
	{ 257, 1, 4096 },
	{ 1000, 1, 4096 },
	{ 4096, 1, 4096 },
	{ 4097, 2, 16384 },
	{ 10000, 2, 16384 },
	{ 16384, 2, 16384 },
	{ 16385, 3, 32768 },
	{ 20000, 3, 32768 },
	{ 32768, 3, 32768 },
	{ 32769, 4, 1048576 },
	{ 500000, 4, 1048576 },
	{ 1048576, 4, 1048576 },
	{ 1048577, KPOOL_TIER_FALLBACK, 1052672 },
	{ 2000000, KPOOL_TIER_FALLBACK, 2002944 },
};

static const char *tier_name(uint32_t t)
{
	static char buf[16];

	if (t == KPOOL_TIER_FALLBACK)
		return "fallback";
	snprintf(buf, sizeof(buf), "%u", t);
	return buf;
}

int main(void)
{
	struct kpool_stats s0, s1;
	struct kpool_alloc a;
	struct kpool_info info;
	unsigned int i;
	int fd, ret;

	kt_begin();
	fd = kt_open();
	if (!kt_ok(fd >= 0, "open(%s)", KT_DEV))
		return kt_end();
	kt_stats(fd, &s0);
	for (i = 0; i < s0.ntiers && i < KT_NTIERS; i++)
		if (s0.tier[i].size != kt_tiers[i])
			break;
	if (s0.ntiers != KT_NTIERS || i != KT_NTIERS)
		kt_skip_all("kpool is not loaded with the default tiers");

	for (i = 0; i < KT_ARRAY_SIZE(table); i++) {
		uint64_t size = table[i].size;
		uint32_t want_tier = table[i].tier;
		uint64_t want_cap = table[i].capacity;
		const struct kpool_tier_stats *r0, *r1;
		int want_map = want_cap >= KT_PAGE;

		kt_stats(fd, &s0);
		ret = kt_alloc_full(fd, size, &a);
		if (!kt_expect(ret, 0, "ALLOC of %llu bytes", (unsigned long long)size))
			continue;
		kt_ok(a.tier == want_tier && a.capacity == want_cap,
		      "%llu bytes: tier %s, capacity %llu (got tier %s, capacity %llu)",
		      (unsigned long long)size, tier_name(want_tier),
		      (unsigned long long)want_cap, tier_name(a.tier),
		      (unsigned long long)a.capacity);
		kt_info(fd, a.handle, &info);
		kt_ok(info.tier == want_tier && info.capacity == want_cap &&
		      info.length == size && info.offset == 0 &&
		      !!(info.flags & KPOOL_INFO_MAPPABLE) == want_map,
		      "%llu bytes: INFO agrees (tier, capacity, length) and the view is %smappable",
		      (unsigned long long)size, want_map ? "" : "not ");
		kt_stats(fd, &s1);
		r0 = want_tier == KPOOL_TIER_FALLBACK ? &s0.fallback : &s0.tier[want_tier];
		r1 = want_tier == KPOOL_TIER_FALLBACK ? &s1.fallback : &s1.tier[want_tier];
		kt_ok(r1->in_use == r0->in_use + 1 && r1->allocs == r0->allocs + 1 &&
		      s1.bytes_in_use == s0.bytes_in_use + want_cap,
		      "%llu bytes: STATS counts it in the %s row, bytes_in_use +%llu",
		      (unsigned long long)size, tier_name(want_tier),
		      (unsigned long long)want_cap);
		kt_free(fd, a.handle);
		kt_stats(fd, &s1);
		kt_ok(r1->in_use == r0->in_use && r1->frees == r0->frees + 1 &&
		      s1.bytes_in_use == s0.bytes_in_use,
		      "%llu bytes: FREE returns it to the %s row",
		      (unsigned long long)size, tier_name(want_tier));
	}
	close(fd);
	return kt_end();
}
