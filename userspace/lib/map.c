// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkpool: mapping views into the process.
 *
 * The kernel maps the pages that hold a view, from the page of its first
 * byte to the page of its last, at the handle's mmap offset; the view's
 * first byte is then (offset % page size) into the mapping.  The length
 * must not go past those pages.  Callers only see a pointer to the view.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

int kpool_buf_map(struct kpool *kp, __u32 handle, int prot,
		  struct kpool_map *map)
{
	KP_ERRNO_SAVE();
	struct kpool_info info = { .handle = handle };
	long page = sysconf(_SC_PAGESIZE);
	__u64 lead, span;
	void *addr;
	int ret;

	if (!map || !prot || (prot & ~(PROT_READ | PROT_WRITE)))
		KP_RETURN(-EINVAL);
	memset(map, 0, sizeof(*map));
	if (page <= 0)
		KP_RETURN(-EINVAL);
	ret = kp_ioctl(kp_fd(kp), KPOOL_IOC_INFO, &info);
	if (ret)
		KP_RETURN(ret);
	if (!(info.flags & KPOOL_INFO_MAPPABLE) || !info.length)
		KP_RETURN(-EINVAL);
	lead = info.offset % (__u64)page;
	span = (lead + info.length + (__u64)page - 1) / (__u64)page *
	       (__u64)page;
	if (span > SIZE_MAX)
		KP_RETURN(-ENOMEM);
	addr = mmap(NULL, (size_t)span, prot, MAP_SHARED, kp->fd,
		    (off_t)info.mmap_offset);
	if (addr == MAP_FAILED)
		KP_RETURN(-errno);
	map->map_addr = addr;
	map->map_length = (size_t)span;
	map->addr = (char *)addr + lead;
	map->length = info.length;
	KP_RETURN(0);
}

int kpool_buf_unmap(struct kpool_map *map)
{
	KP_ERRNO_SAVE();
	int ret;

	if (!map || !map->map_addr)
		KP_RETURN(-EINVAL);
	ret = munmap(map->map_addr, map->map_length) < 0 ? -errno : 0;
	if (!ret)
		memset(map, 0, sizeof(*map));
	KP_RETURN(ret);
}
