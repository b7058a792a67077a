// SPDX-License-Identifier: GPL-2.0
/*
 * kpool exported files: a view held by a file descriptor, so that it can
 * cross to another process (SCM_RIGHTS, fork, pidfd_getfd) and be imported
 * there as a handle, or mapped directly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "kpool_trace.h"

static int kpool_export_release(struct inode *inode, struct file *file)
{
	struct kpool_view *v = file->private_data;

	/* The file's reference on the view goes with the file. */
	kpool_view_put(v);
	kfree(v);
	kpool_stat_add(KPOOL_STAT_EXPORTS, -1);
	return 0;
}

static int kpool_export_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff)
		return -EINVAL;
	return kpool_mmap_view(vma, file->private_data, NULL);
}

/* KPOOL_IOC_INFO with handle 0: the receiver may look before it maps. */
static long kpool_export_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct kpool_info __user *uinfo = (void __user *)arg;
	struct kpool_info info;
	u32 handle;
	long ret;

	/* The device's size rule holds here too. */
	ret = kpool_ioc_size(cmd, KPOOL_IOC_INFO, KPOOL_INFO_SIZE_VER0, uinfo);
	if (ret < 0)
		return ret;
	if (get_user(handle, &uinfo->handle))
		return -EFAULT;
	if (handle)
		return -EINVAL;
	/* The file's own reference keeps the view; every reference counts. */
	kpool_view_info(file->private_data, 0, 0, &info);
	return copy_to_user(uinfo, &info, sizeof(info)) ? -EFAULT : 0;
}

/* As dma-buf: only the size of the mappable span can be found, by SEEK_END. */
static loff_t kpool_export_llseek(struct file *file, loff_t offset, int whence)
{
	if (offset)
		return -EINVAL;
	if (whence == SEEK_END)
		return kpool_view_span(file->private_data);
	if (whence == SEEK_SET)
		return 0;
	return -EINVAL;
}

/*
 * /proc/PID/fdinfo/FD of an exported file: the view it holds, as INFO
 * describes it (the file's own reference counted in the refs).
 */
static void kpool_export_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kpool_info info;

	kpool_view_info(file->private_data, 0, 0, &info);
	seq_printf(m, "kpool-length:\t%llu\n", info.length);
	seq_printf(m, "kpool-offset:\t%llu\n", info.offset);
	seq_printf(m, "kpool-capacity:\t%llu\n", info.capacity);
	if (info.tier == KPOOL_TIER_FALLBACK)
		seq_puts(m, "kpool-tier:\tfallback\n");
	else
		seq_printf(m, "kpool-tier:\t%u\n", info.tier);
	seq_printf(m, "kpool-refs:\t%u\n", info.refs);
	seq_printf(m, "kpool-readonly:\t%d\n",
		   !!(info.flags & KPOOL_INFO_READONLY));
	seq_printf(m, "kpool-mappable:\t%d\n",
		   !!(info.flags & KPOOL_INFO_MAPPABLE));
}

static const struct file_operations kpool_export_fops = {
	.owner = THIS_MODULE,
	.release = kpool_export_release,
	.mmap = kpool_export_mmap,
	.unlocked_ioctl = kpool_export_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = kpool_export_llseek,
	.show_fdinfo = kpool_export_show_fdinfo,
};

/**
 * kpool_export_file() - a new file holding a reference to a view.
 * @v: the view; the caller keeps its own reference.
 * @readonly: make the file, and its view, read-only; a read-only @v makes
 *	a read-only file whatever this says.
 *
 * A read-only file is opened O_RDONLY, so the mmap() core refuses writable
 * mappings of it, and its view refuses them too; IMPORT of it gives
 * read-only handles.
 *
 * Context: process context; may sleep.
 * Return: the file, or an ERR_PTR.
 */
struct file *kpool_export_file(const struct kpool_view *v, bool readonly)
{
	struct kpool_view *entry;
	struct file *file;

	entry = kmalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	/* The entry owns a reference of its own. */
	kpool_view_get(v, entry);
	entry->readonly |= readonly;
	/* On success the file owns @entry and its reference. */
	file = anon_inode_getfile("[kpool]", &kpool_export_fops, entry,
				  entry->readonly ? O_RDONLY : O_RDWR);
	if (IS_ERR(file)) {
		kpool_view_put(entry);
		kfree(entry);
		return file;
	}
	kpool_stat_add(KPOOL_STAT_EXPORTS, 1);
	trace_kpool_export(entry->buf, entry->len);
	return file;
}

/**
 * kpool_import_fd() - a new reference to the view an exported file holds.
 * @fd: a file descriptor of the calling process.
 * @v: receives the view, owning a reference of its own.
 *
 * Context: process context.
 * Return: 0, -EBADF when @fd is not open, -EINVAL when it is neither a
 * file made by kpool_export_file() nor a dma-buf kpool made.
 */
int kpool_import_fd(int fd, struct kpool_view *v)
{
	struct fd f = fdget(fd);
	int ret = 0;

	if (!f.file)
		return -EBADF;
	if (f.file->f_op == &kpool_export_fops)
		kpool_view_get(f.file->private_data, v);
	else	/* a kpool dma-buf, or EINVAL */
		ret = kpool_dmabuf_import(fd, v);
	fdput(f);
	if (!ret)
		trace_kpool_import(v->buf, v->len);
	return ret;
}
