// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf - views handed to devices (KPOOL_EXPORT_DMABUF):
 *  - the fd is a dma-buf of the view's page span: lseek(SEEK_END) gives
 *    it, mmap() shows the view's bytes, DMA_BUF_IOCTL_SYNC works, STATS
 *    counts it among the exports while it lives;
 *  - KPOOL_EXPORT_RDONLY makes it read-only; a view below a page is
 *    refused (EINVAL); fallback buffers work too;
 *  - IMPORT accepts a kpool dma-buf back and gives a handle on the same
 *    view, and refuses any other dma-buf (EINVAL);
 *  - with a real importer, vgem (the stock kernel, where scripts/check
 *    loads vgem.ko and what it needs): the buffer stays in use, held by
 *    the importer, after the dma-buf fd, the handle and the device file are
 *    closed, and goes back to its tier when the GEM handle is closed.
 * The DRM calls are those of kt_drm.h (no libdrm headers needed).
 */
#include "kt.h"
#include "kt_drm.h"

#include <dirent.h>
#include <linux/dma-buf.h>

static void dmabuf_basics(void)
{
	struct kpool_stats before, now;
	struct dma_buf_sync sync = { 0 };
	struct kpool_alloc a;
	char buf[8] = "";
	int fd = kt_open(), dfd;
	char *m;

	kt_alloc_full(fd, 16384, &a);
	kt_write(fd, a.handle, 100, "device", 6);
	kt_stats_now(&before);
	kt_expect(kt_export(fd, a.handle, KPOOL_EXPORT_DMABUF | O_CLOEXEC, &dfd), 0,
		  "EXPORT with KPOOL_EXPORT_DMABUF");
	kt_stats_now(&now);
	kt_ok(now.exports == before.exports + 1, "STATS counts the dma-buf among the exports");
	kt_ok(lseek(dfd, 0, SEEK_END) == 16384, "lseek(SEEK_END) gives its size, the view's span");
	m = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	kt_ok(m != MAP_FAILED && !memcmp(m + 100, "device", 6),
	      "mmap() of the dma-buf shows the view's bytes");
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	kt_expect(kt_io(dfd, DMA_BUF_IOCTL_SYNC, &sync), 0, "DMA_BUF_IOCTL_SYNC start");
	if (m != MAP_FAILED)
		memcpy(m + 200, "cpu", 3);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	kt_expect(kt_io(dfd, DMA_BUF_IOCTL_SYNC, &sync), 0, "DMA_BUF_IOCTL_SYNC end");
	kt_read(fd, a.handle, 200, buf, 3);
	kt_ok(!memcmp(buf, "cpu", 3), "a write through the dma-buf mapping is seen by READ");
	kt_ok(mmap(NULL, 20480, PROT_READ, MAP_SHARED, dfd, 0) == MAP_FAILED,
	      "mmap() past the dma-buf's size fails");
	if (m != MAP_FAILED)
		munmap(m, 16384);
	close(dfd);
	kt_state_is(&before, 2000, "closing the dma-buf gives its reference back");
	kt_free(fd, a.handle);
	close(fd);
}

static void dmabuf_kinds(void)
{
	struct kpool_info info;
	uint32_t big, small, s, h;
	int fd = kt_open(), dfd;
	char *m;

	kt_alloc(fd, 16384, &big);
	kt_write(fd, big, 5000, "slice", 5);
	kt_slice(fd, big, 5000, 9000, &s);
	kt_expect(kt_export(fd, s, KPOOL_EXPORT_DMABUF, &dfd), 0,
		  "a dma-buf of SLICE [5000, 9000)");
	kt_ok(lseek(dfd, 0, SEEK_END) == 8192, "... is its 2-page span");
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, dfd, 0);
	kt_ok(m != MAP_FAILED && !memcmp(m + 5000 - 4096, "slice", 5),
	      "... and maps the view's first byte at 5000 %% 4096");
	if (m != MAP_FAILED)
		munmap(m, 8192);
	kt_expect(kt_import(fd, dfd, &h), 0, "IMPORT of a kpool dma-buf");
	kt_info(fd, h, &info);
	kt_ok(info.offset == 5000 && info.length == 4000,
	      "... gives a handle on the same view (offset %" PRIu64 ", length %" PRIu64 ")",
	      (uint64_t)info.offset, (uint64_t)info.length);
	kt_free(fd, h);
	close(dfd);

	kt_expect(kt_export(fd, big, KPOOL_EXPORT_DMABUF | KPOOL_EXPORT_RDONLY, &dfd), 0,
		  "a read-only dma-buf");
	kt_ok((fcntl(dfd, F_GETFL) & O_ACCMODE) == O_RDONLY, "... is open read-only");
	kt_ok(mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0) == MAP_FAILED &&
	      errno == EACCES, "... refuses writable mappings (EACCES)");
	kt_import(fd, dfd, &h);
	kt_expect(kt_write(fd, h, 0, "x", 1), EPERM, "... and IMPORT of it is read-only");
	kt_free(fd, h);
	close(dfd);

	kt_alloc(fd, 100, &small);
	kt_expect(kt_export(fd, small, KPOOL_EXPORT_DMABUF, &dfd), EINVAL,
		  "a dma-buf of a view below a page: EINVAL");
	kt_free(fd, small);
	kt_alloc(fd, 3 << 20, &h);
	kt_write(fd, h, (2 << 20) + 7, "pages", 5);
	kt_expect(kt_export(fd, h, KPOOL_EXPORT_DMABUF, &dfd), 0,
		  "a dma-buf of a fallback (page-backed) buffer");
	m = mmap(NULL, 3 << 20, PROT_READ, MAP_SHARED, dfd, 0);
	kt_ok(m != MAP_FAILED && !memcmp(m + (2 << 20) + 7, "pages", 5),
	      "... maps its pages");
	if (m != MAP_FAILED)
		munmap(m, 3 << 20);
	close(dfd);
	kt_free(fd, h);
	kt_free(fd, s);
	kt_free(fd, big);
	close(fd);
}

static void vgem_importer(void)
{
	struct kt_drm_prime_handle ph = { 0 };
	struct kt_drm_mode_create_dumb dumb = { .width = 1024, .height = 4, .bpp = 32 };
	struct kt_drm_gem_close gc = { 0 };
	struct kpool_stats before, held;
	struct kpool_alloc a;
	uint32_t h;
	int card = kt_open_vgem(), fd, dfd, vfd;

	if (card < 0) {
		kt_skip("no vgem device: scripts/check loads vgem.ko in the stock kernel only",
			"a dma-buf imported by vgem stays alive after every kpool fd is closed");
		return;
	}
	kt_stats_now(&before);
	fd = kt_open();
	kt_alloc_full(fd, 16384, &a);
	kt_export(fd, a.handle, KPOOL_EXPORT_DMABUF, &dfd);
	ph.fd = dfd;
	kt_expect(kt_io(card, KT_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), 0,
		  "vgem imports the kpool dma-buf (DRM_IOCTL_PRIME_FD_TO_HANDLE)");
	close(dfd);
	kt_free(fd, a.handle);
	close(fd);
	kt_stats_now(&held);
	kt_ok(held.bytes_in_use == before.bytes_in_use + 16384 &&
	      held.tier[2].in_use == before.tier[2].in_use + 1 && held.handles == before.handles,
	      "with the dma-buf fd, the handle and the device file closed, the buffer is still in use, held by vgem");
	gc.handle = ph.handle;
	kt_expect(kt_io(card, KT_DRM_IOCTL_GEM_CLOSE, &gc), 0, "vgem closes its GEM handle");
	kt_state_is(&before, 2000, "the memory went back to its tier");

	/* A dma-buf that kpool did not make: IMPORT refuses it. */
	if (!kt_io(card, KT_DRM_IOCTL_MODE_CREATE_DUMB, &dumb)) {
		ph = (struct kt_drm_prime_handle){ .handle = dumb.handle, .flags = O_CLOEXEC };
		if (!kt_io(card, KT_DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph)) {
			vfd = ph.fd;
			fd = kt_open();
			kt_expect(kt_import(fd, vfd, &h), EINVAL,
				  "IMPORT of vgem's own dma-buf: EINVAL");
			close(fd);
			close(vfd);
		}
		gc.handle = dumb.handle;
		kt_io(card, KT_DRM_IOCTL_GEM_CLOSE, &gc);
	}
	close(card);
}

/* A kernel without dma-bufs (CONFIG_DMA_SHARED_BUFFER) has no such export. */
static int have_dmabuf(void)
{
	int fd = kt_open(), dfd, ret;
	uint32_t h;

	kt_alloc(fd, 4096, &h);
	ret = kt_export(fd, h, KPOOL_EXPORT_DMABUF, &dfd);
	if (!ret)
		close(dfd);
	close(fd);
	return ret != -EOPNOTSUPP;
}

int main(void)
{
	kt_begin();
	if (!have_dmabuf())
		kt_skip_all("this kernel has no dma-bufs (CONFIG_DMA_SHARED_BUFFER): EXPORT with KPOOL_EXPORT_DMABUF answers EOPNOTSUPP");
	dmabuf_basics();
	dmabuf_kinds();
	vgem_importer();
	return kt_end();
}
