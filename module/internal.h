/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool internals shared between the files of kpool.ko; not part of the
 * API other modules see.
 */
#ifndef _KPOOL_INTERNAL_H
#define _KPOOL_INTERNAL_H

#include "kpool.h"

/* tier.c: the memory behind a buffer */
int kpool_mem_alloc(struct kpool_pool *pool, struct kpool_buf *buf,
		    size_t size, gfp_t gfp);
void kpool_mem_free(struct kpool_buf *buf);

/* buf.c: the cache of buffer headers */
int kpool_buf_cache_init(void);
void kpool_buf_cache_exit(void);

#endif /* _KPOOL_INTERNAL_H */
