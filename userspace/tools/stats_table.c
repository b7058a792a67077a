// SPDX-License-Identifier: GPL-2.0
/*
 * The kpool statistics table, as kpoolctl stats prints it (and the demo).
 */
#include "stats_table.h"

const char *kpool_fmt_bytes(char *buf, unsigned long long n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned long long scale = 1;
	unsigned int u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && n >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	if (n % scale == 0)
		snprintf(buf, KPOOL_FMT_BYTES_LEN, "%llu %s", n / scale, unit[u]);
	else
		snprintf(buf, KPOOL_FMT_BYTES_LEN, "%.1f %s",
			 (double)n / (double)scale, unit[u]);
	return buf;
}

/* @spills: NULL for a row without them (the fallback, the total). */
static void row(FILE *f, const char *indent, const char *name,
		const char *size, unsigned long long in_use,
		unsigned long long allocs, unsigned long long frees,
		const unsigned long long *spills, unsigned long long bytes)
{
	char b[KPOOL_FMT_BYTES_LEN], sp[24] = "-";

	if (spills)
		snprintf(sp, sizeof(sp), "%llu", *spills);
	fprintf(f, "%s%-8s %8s %8llu %10llu %10llu %8s %10s\n", indent, name,
		size, in_use, allocs, frees, sp, kpool_fmt_bytes(b, bytes));
}

void kpool_stats_print(FILE *f, const struct kpool_stats *st,
		       const char *indent)
{
	unsigned long long in_use = 0, allocs = 0, frees = 0, tier_bytes = 0;
	unsigned long long spills = 0, sp;
	char name[16], size[KPOOL_FMT_BYTES_LEN + 2], b[KPOOL_FMT_BYTES_LEN];
	const struct kpool_tier_stats *t;
	unsigned int i, n = st->ntiers;

	if (n > KPOOL_MAX_TIERS)
		n = KPOOL_MAX_TIERS;
	fprintf(f, "%s%-8s %8s %8s %10s %10s %8s %10s\n", indent, "tier",
		"size", "in use", "allocated", "freed", "spilled", "bytes");
	for (i = 0; i < n; i++) {
		t = &st->tier[i];
		sp = st->spills[i];
		snprintf(name, sizeof(name), "%u", i);
		row(f, indent, name, kpool_fmt_bytes(size, t->size), t->in_use,
		    t->allocs, t->frees, st->costly & (1u << i) || sp ? &sp : NULL,
		    t->in_use * t->size);
		in_use += t->in_use;
		allocs += t->allocs;
		frees += t->frees;
		spills += sp;
		tier_bytes += t->in_use * t->size;
	}
	t = &st->fallback;
	/* Fallback buffers are above the largest tier, of any size. */
	size[0] = '>';
	size[1] = ' ';
	if (n)
		kpool_fmt_bytes(size + 2, st->tier[n - 1].size);
	else
		size[1] = '\0';
	/* Their bytes are what the tiers leave of the total. */
	row(f, indent, "fallback", size, t->in_use, t->allocs, t->frees, NULL,
	    st->bytes_in_use > tier_bytes ? st->bytes_in_use - tier_bytes : 0);
	in_use += t->in_use;
	allocs += t->allocs;
	frees += t->frees;
	row(f, indent, "all", "", in_use, allocs, frees, &spills,
	    st->bytes_in_use);
	fprintf(f, "%slive: %llu handles, %llu mappings, %llu exports; %llu bytes (%s) in use\n",
		indent, (unsigned long long)st->handles,
		(unsigned long long)st->mappings,
		(unsigned long long)st->exports,
		(unsigned long long)st->bytes_in_use,
		kpool_fmt_bytes(b, st->bytes_in_use));
}

bool kpool_stats_idle(const struct kpool_stats *st)
{
	unsigned int i;

	if (st->bytes_in_use || st->handles || st->mappings || st->exports ||
	    st->fallback.in_use)
		return false;
	for (i = 0; i < st->ntiers && i < KPOOL_MAX_TIERS; i++)
		if (st->tier[i].in_use)
			return false;
	return true;
}
