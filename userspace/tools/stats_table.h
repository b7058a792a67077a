/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kpool statistics table, as kpoolctl stats prints it (and the demo).
 */
#ifndef KPOOL_STATS_TABLE_H
#define KPOOL_STATS_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "libkpool.h"

/* Room for kpool_fmt_bytes()'s text. */
#define KPOOL_FMT_BYTES_LEN 32

/*
 * kpool_fmt_bytes() - a byte count as people read it: "256 B", "16 KiB",
 * "1.5 MiB".  Writes into @buf (KPOOL_FMT_BYTES_LEN bytes) and returns it.
 */
const char *kpool_fmt_bytes(char *buf, unsigned long long n);

/*
 * kpool_stats_print() - print @st as a table, one row per tier (with its
 * spills where the tier is costly, "-" where it cannot spill), one for
 * the fallback and one for all, then a line with the live handles,
 * mappings, exports and bytes.  @indent goes before every line.
 */
void kpool_stats_print(FILE *f, const struct kpool_stats *st,
		       const char *indent);

/* kpool_stats_idle() - true when nothing at all is in use. */
bool kpool_stats_idle(const struct kpool_stats *st);

#endif /* KPOOL_STATS_TABLE_H */
