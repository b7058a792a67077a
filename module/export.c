// SPDX-License-Identifier: GPL-2.0
/*
 * kpool exported files: a view held by a file descriptor, so that it can
 * cross to another process (SCM_RIGHTS, fork, pidfd_getfd) and be imported
 * there as a handle, or mapped directly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

static int kpool_export_release(struct inode *inode, struct file *file)
{
	struct kpool_view *v = file->private_data;

	/* The file's reference on the view goes with the file. */
	kpool_view_put(v);
	kfree(v);
	atomic64_dec(&kpool_nr_exports);
	return 0;
}

static int kpool_export_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff)
		return -EINVAL;
	return kpool_mmap_view(vma, file->private_data, false);
}

static const struct file_operations kpool_export_fops = {
	.owner = THIS_MODULE,
	.release = kpool_export_release,
	.mmap = kpool_export_mmap,
	.llseek = no_llseek,
};

/**
 * kpool_export_file() - a new file holding a reference to a view.
 * @v: the view; the caller keeps its own reference.
 * @flags: open flags of the file (O_CLOEXEC is the caller's business).
 *
 * Context: process context; may sleep.
 * Return: the file, or an ERR_PTR.
 */
struct file *kpool_export_file(const struct kpool_view *v, unsigned int flags)
{
	struct kpool_view *entry, copy;
	struct file *file;

	kpool_view_get(v, &copy);
	entry = kpool_view_box(&copy);
	if (!entry) {
		kpool_view_put(&copy);
		return ERR_PTR(-ENOMEM);
	}
	/* On success the file owns @entry and its reference. */
	file = anon_inode_getfile("[kpool]", &kpool_export_fops, entry,
				  O_RDWR | flags);
	if (IS_ERR(file)) {
		kpool_view_put(entry);
		kfree(entry);
		return file;
	}
	atomic64_inc(&kpool_nr_exports);
	return file;
}

/**
 * kpool_import_fd() - a new reference to the view an exported file holds.
 * @fd: a file descriptor of the calling process.
 * @v: receives the view, owning a reference of its own.
 *
 * Context: process context.
 * Return: 0, -EBADF when @fd is not open, -EINVAL when it is not a file
 * made by kpool_export_file().
 */
int kpool_import_fd(int fd, struct kpool_view *v)
{
	struct fd f = fdget(fd);
	int ret = 0;

	if (!f.file)
		return -EBADF;
	if (f.file->f_op == &kpool_export_fops)
		kpool_view_get(f.file->private_data, v);
	else
		ret = -EINVAL;
	fdput(f);
	return ret;
}
