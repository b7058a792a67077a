// SPDX-License-Identifier: GPL-2.0
/*
 * kpool - tiered, reference-counted, zero-copy kernel buffer pool.
 *
 * Module entry: the parameters, the default pool, init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "kpool_trace.h"

static char *tiers = "256,4096,16384,32768,1048576";
module_param(tiers, charp, 0444);
MODULE_PARM_DESC(tiers,
		 "tier sizes in bytes, strictly increasing, 1 to 16 of them, each 1..2097152 (default 256,4096,16384,32768,1048576)");

unsigned long kpool_max_buffer_size = 64UL << 20;
module_param_named(max_buffer_size, kpool_max_buffer_size, ulong, 0444);
MODULE_PARM_DESC(max_buffer_size,
		 "largest single buffer in bytes (default 64 MiB; E2BIG above)");

unsigned long kpool_max_file_bytes = 1UL << 30;
module_param_named(max_file_bytes, kpool_max_file_bytes, ulong, 0444);
MODULE_PARM_DESC(max_file_bytes,
		 "capacity bytes of live buffers allocated through one open file (default 1 GiB; EDQUOT above)");

unsigned int kpool_max_file_handles = 65536;
module_param_named(max_file_handles, kpool_max_file_handles, uint, 0444);
MODULE_PARM_DESC(max_file_handles,
		 "handles one open file may hold, 1..16777216 (default 65536; EMFILE above)");

/* 0 until init sets the default: half of the RAM at load time. */
unsigned long kpool_max_user_bytes;
module_param_named(max_user_bytes, kpool_max_user_bytes, ulong, 0444);
MODULE_PARM_DESC(max_user_bytes,
		 "capacity bytes of live buffers charged to one user (uid) over all their files, mappings and exported files (default: half of the RAM at load time; EDQUOT above)");

/* Live objects of the user ABI, for KPOOL_IOC_STATS; see enum kpool_stat. */
DEFINE_PER_CPU(long [KPOOL_NR_STATS], kpool_live);

/**
 * kpool_stat_read() - how many objects of one kind are live.
 * @s: the kind.
 *
 * Context: any context.
 * Return: the sum over every CPU; exact when nothing changes meanwhile.
 */
s64 kpool_stat_read(enum kpool_stat s)
{
	s64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(kpool_live, cpu)[s];
	return sum;
}

/* The pool every user of the module shares; set once at init. */
static struct kpool_pool *kpool_pool;

/**
 * kpool_default_pool() - the module's pool, with the tiers of the
 *	``tiers`` parameter.
 *
 * Context: any context.
 * Return: the pool; it lives as long as the module.
 */
struct kpool_pool *kpool_default_pool(void)
{
	return kpool_pool;
}
EXPORT_SYMBOL_GPL(kpool_default_pool);

static int __init kpool_init(void)
{
	size_t sizes[KPOOL_MAX_TIERS];
	unsigned int n;
	int ret;

	ret = kpool_tiers_parse(tiers, sizes, &n);
	if (ret) {
		pr_err("invalid tiers=\"%s\": not loading\n", tiers);
		return ret;
	}
	if (!kpool_max_buffer_size || !kpool_max_file_bytes ||
	    !kpool_max_file_handles) {
		pr_err("max_buffer_size, max_file_bytes and max_file_handles must not be 0: not loading\n");
		return -EINVAL;
	}
	if (!kpool_max_user_bytes)
		kpool_max_user_bytes = (totalram_pages() << PAGE_SHIFT) / 2;
	ret = kpool_handles_init();
	if (ret)
		return ret;
	ret = kpool_tiers_init();
	if (ret)
		goto err_handles;
	ret = kpool_buf_cache_init();
	if (ret)
		goto err_tiers;
	kpool_pool = kpool_pool_create("kpool", sizes, n);
	if (IS_ERR(kpool_pool)) {
		ret = PTR_ERR(kpool_pool);
		goto err_buf_cache;
	}
	ret = kpool_dev_init();
	if (ret)
		goto err_pool;
	pr_info("%u tiers, largest %zu bytes; at most %lu bytes per user\n",
		n, kpool_pool->tier[n - 1].size, kpool_max_user_bytes);
	return 0;

err_pool:
	kpool_pool_destroy(kpool_pool);
err_buf_cache:
	kpool_buf_cache_exit();
err_tiers:
	kpool_tiers_exit();
err_handles:
	kpool_handles_exit();
	return ret;
}

static void __exit kpool_exit(void)
{
	kpool_dev_exit();
	kpool_pool_destroy(kpool_pool);
	kpool_buf_cache_exit();
	kpool_tiers_exit();
	kpool_handles_exit();
}

module_init(kpool_init);
module_exit(kpool_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tiered, reference-counted, zero-copy buffer pool");
MODULE_AUTHOR("kpool developers");
/* From the one version source, <linux/kpool.h>: /sys/module/kpool/version. */
MODULE_VERSION(__stringify(KPOOL_VERSION_MAJOR) "." __stringify(KPOOL_VERSION_MINOR)
	       "." __stringify(KPOOL_VERSION_PATCH));
