// SPDX-License-Identifier: GPL-2.0
/*
 * kpool - tiered, reference-counted, zero-copy kernel buffer pool.
 *
 * Module entry: the parameters, the default pool, init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

static char *tiers = "256,4096,16384,32768,1048576";
module_param(tiers, charp, 0444);
MODULE_PARM_DESC(tiers,
		 "tier sizes in bytes, strictly increasing, 1 to 16 of them, each 1..2097152 (default 256,4096,16384,32768,1048576)");

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
	ret = kpool_buf_cache_init();
	if (ret)
		return ret;
	kpool_pool = kpool_pool_create("kpool", sizes, n);
	if (IS_ERR(kpool_pool)) {
		ret = PTR_ERR(kpool_pool);
		goto err_buf_cache;
	}
	pr_info("%u tiers, largest %zu bytes\n", n, sizes[n - 1]);
	return 0;

err_buf_cache:
	kpool_buf_cache_exit();
	return ret;
}

static void __exit kpool_exit(void)
{
	kpool_pool_destroy(kpool_pool);
	kpool_buf_cache_exit();
}

module_init(kpool_init);
module_exit(kpool_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tiered, reference-counted, zero-copy buffer pool");
MODULE_AUTHOR("kpool developers");
