// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_example - a module that uses kpool's in-kernel API (module/kpool.h).
 *
 * At load time it allocates a view from kpool's default pool, writes to it,
 * splits and slices it without copying, gathers views in a slice,
 * materializes and reads them back, and gives every reference back,
 * printing what it did.  If any step does not give what kpool documents,
 * the load fails with -EINVAL (or the step's own error), after undoing
 * what was done; so "insmod kpool_example.ko" is a test of the API.
 *
 * Build it against the kernel kpool was built for, with kpool's
 * Module.symvers (see Makefile):
 *   make KDIR=/lib/modules/$(uname -r)/build KPOOL=/path/to/kpool
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "kpool.h"

static const char msg[] = "header|payload";
#define HDR_LEN	7	/* "header|" */

/* A check that did not hold: say which, and make the load fail. */
static bool kpool_example_failed(bool failed, const char *what, int *ret)
{
	if (failed) {
		pr_err("check failed: %s\n", what);
		*ret = -EINVAL;
	}
	return failed;
}

#define FAILED(cond) kpool_example_failed(!(cond), #cond, &ret)

static int __init kpool_example_init(void)
{
	/* Each view with a buffer owns one reference on it; out: puts them. */
	struct kpool_view head = { 0 }, tail = { 0 }, part = { 0 };
	struct kpool_view dup = { 0 }, whole = { 0 };
	/* The slice owns the views appended to it. */
	struct kpool_bufslice s;
	struct kpool_reader r;
	bool reading = false;
	char buf[sizeof(msg)] = "";
	size_t n, cap;
	u8 byte;
	int ret;

	kpool_bufslice_init(&s);

	/* One buffer of 5000 bytes: the 16 KiB tier by default, zero-filled. */
	ret = kpool_view_alloc(NULL, 5000, GFP_KERNEL, &head);
	if (ret) {
		pr_err("kpool_view_alloc(5000): %d\n", ret);
		return ret;
	}
	cap = kpool_pool_capacity(kpool_default_pool(), 5000);
	pr_info("allocated a 5000-byte view: tier %u, capacity %zu, refs %u\n",
		head.buf->tier, head.buf->capacity, kpool_buf_refs(head.buf));
	if (FAILED(head.len == 5000 && head.buf->capacity == cap && cap >= 5000))
		goto out;
	if (FAILED(kpool_buf_refs(head.buf) == 1))
		goto out;
	ret = kpool_view_read(&head, 4000, buf, 8);
	if (FAILED(!ret && !memchr_inv(buf, 0, 8)))
		goto out;

	ret = kpool_view_write(&head, 0, msg, sizeof(msg) - 1);
	if (FAILED(!ret))
		goto out;
	if (FAILED(kpool_view_write(&head, 4999, msg, 2) == -EINVAL))
		goto out;

	/* Split: head keeps [0, 7), tail gets [7, 5000); no copy. */
	ret = kpool_view_split(&head, HDR_LEN, &tail);
	if (FAILED(!ret && head.len == HDR_LEN && tail.len == 5000 - HDR_LEN))
		goto out;
	if (FAILED(tail.buf == head.buf && kpool_buf_refs(head.buf) == 2))
		goto out;
	memset(buf, 0, sizeof(buf));
	ret = kpool_view_read(&tail, 0, buf, 7);
	if (FAILED(!ret && !memcmp(buf, "payload", 7)))
		goto out;
	pr_info("split at %d: \"%.*s\" + \"%.7s...\" (%zu bytes), one buffer, refs %u\n",
		HDR_LEN, HDR_LEN, (char *)kpool_view_data(&head), buf, tail.len,
		kpool_buf_refs(head.buf));

	/* Slice [0, 3) of tail: "pay", a third reference. */
	ret = kpool_view_slice(&tail, 0, 3, &part);
	if (FAILED(!ret && part.len == 3 && !memcmp(kpool_view_data(&part), "pay", 3)))
		goto out;
	if (FAILED(kpool_view_slice(&tail, 3, 2, &dup) == -EINVAL && !dup.buf))
		goto out;
	if (FAILED(kpool_buf_refs(head.buf) == 3))
		goto out;
	/* A write through one view is seen through the others. */
	ret = kpool_view_write(&part, 0, "PAY", 3);
	if (FAILED(!ret && !memcmp(kpool_view_data(&tail), "PAYload", 7)))
		goto out;
	pr_info("slice [0, 3) of the tail written \"PAY\": the tail reads \"%.7s\"\n",
		(char *)kpool_view_data(&tail));

	/* A slice of head and the first 7 bytes of tail, materialized. */
	kpool_view_get(&head, &dup);
	ret = kpool_bufslice_append(&s, &dup, GFP_KERNEL);
	if (FAILED(!ret && !dup.buf))
		goto out;
	ret = kpool_view_slice(&tail, 0, 7, &dup);
	if (FAILED(!ret))
		goto out;
	ret = kpool_bufslice_append(&s, &dup, GFP_KERNEL);
	if (FAILED(!ret && !dup.buf))
		goto out;
	if (FAILED(kpool_bufslice_len(&s) == 14))
		goto out;
	ret = kpool_bufslice_materialize(&s, NULL, GFP_KERNEL, &whole);
	if (FAILED(!ret && whole.len == 14 && whole.buf != head.buf))
		goto out;
	if (FAILED(!memcmp(kpool_view_data(&whole), "header|PAYload", 14)))
		goto out;
	pr_info("materialized a slice of 2 views: \"%.14s\" in a new buffer (tier %u)\n",
		(char *)kpool_view_data(&whole), whole.buf->tier);

	/* A reader over the slice: its own references, consumed in order. */
	ret = kpool_reader_init(&r, &s, GFP_KERNEL);
	if (FAILED(!ret))
		goto out;
	reading = true;
	if (FAILED(kpool_reader_discard(&r, 7) == 7))
		goto out;
	if (FAILED(!kpool_reader_read_byte(&r, &byte) && byte == 'P'))
		goto out;
	memset(buf, 0, sizeof(buf));
	n = kpool_reader_read(&r, buf, sizeof(buf));
	if (FAILED(n == 6 && !memcmp(buf, "AYload", 6) && !kpool_reader_remaining(&r)))
		goto out;
	if (FAILED(kpool_reader_read_byte(&r, &byte) == -ENODATA))
		goto out;
	pr_info("reader: skipped 7, read 'P' and \"%s\", then the end\n", buf);
	ret = 0;
out:
	if (reading)
		kpool_reader_close(&r);
	kpool_bufslice_put(&s);
	kpool_view_put(&whole);
	kpool_view_put(&dup);
	kpool_view_put(&part);
	kpool_view_put(&tail);
	if (!ret && kpool_buf_refs(head.buf) != 1) {
		pr_err("check failed: the head's buffer has %u references, not 1\n",
		       kpool_buf_refs(head.buf));
		ret = -EINVAL;
	}
	kpool_view_put(&head);	/* the last reference: back to its tier */
	if (ret)
		pr_err("failed (%d): the load is refused\n", ret);
	else
		pr_info("all checks passed; every reference given back\n");
	return ret;
}

static void __exit kpool_example_exit(void)
{
	pr_info("unloaded\n");
}

module_init(kpool_example_init);
module_exit(kpool_example_exit);

MODULE_DESCRIPTION("An example user of kpool's in-kernel API");
MODULE_LICENSE("GPL");
