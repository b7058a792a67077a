/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kt_drm.h - the few DRM calls the tests and the bench make of vgem:
 * the stable uapi of <drm/drm.h> and <drm/drm_mode.h>, spelled out so that
 * they need no libdrm headers, and the search for vgem's card.  Used by
 * userspace/tests/dmabuf.c and bench/user/kpool_bench.c.
 */
#ifndef KT_DRM_H
#define KT_DRM_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct kt_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct kt_drm_gem_close {
	uint32_t handle;
	uint32_t pad;
};

struct kt_drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

struct kt_drm_mode_create_dumb {
	uint32_t height, width, bpp, flags, handle, pitch;
	uint64_t size;
};

#define KT_DRM_IOCTL_VERSION		_IOWR('d', 0x00, struct kt_drm_version)
#define KT_DRM_IOCTL_GEM_CLOSE		_IOW('d', 0x09, struct kt_drm_gem_close)
#define KT_DRM_IOCTL_PRIME_HANDLE_TO_FD	_IOWR('d', 0x2d, struct kt_drm_prime_handle)
#define KT_DRM_IOCTL_PRIME_FD_TO_HANDLE	_IOWR('d', 0x2e, struct kt_drm_prime_handle)
#define KT_DRM_IOCTL_MODE_CREATE_DUMB	_IOWR('d', 0xB2, struct kt_drm_mode_create_dumb)
/* DRM_RDWR of drm_prime_handle.flags. */
#define KT_DRM_RDWR			O_RDWR

/* The first DRM card driven by vgem, opened close-on-exec, or -1. */
static inline int kt_open_vgem(void)
{
	char path[64], name[32];
	int i, f;

	for (i = 0; i < 8; i++) {
		struct kt_drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(f, KT_DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return f;
		close(f);
	}
	return -1;
}

#endif /* KT_DRM_H */
