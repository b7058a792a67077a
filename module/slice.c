// SPDX-License-Identifier: GPL-2.0
/*
 * kpool slices: views gathered in order, and a reader that consumes them
 * (gRPC-Go's BufferSlice and its Reader).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/**
 * kpool_bufslice_init() - make an empty slice.
 * @s: the slice.
 *
 * Context: any context.
 */
void kpool_bufslice_init(struct kpool_bufslice *s)
{
	s->views = NULL;
	s->nr = 0;
	s->cap = 0;
}
EXPORT_SYMBOL_GPL(kpool_bufslice_init);

/**
 * kpool_bufslice_append() - add a view at the end of a slice.
 * @s: the slice.
 * @v: the view; on success the slice owns its reference and @v is left
 *	empty.  On failure @v is untouched and still the caller's.
 * @gfp: flags for growing the slice's array.
 *
 * Context: any context @gfp allows.
 * Return: 0 or -ENOMEM.
 */
int kpool_bufslice_append(struct kpool_bufslice *s, struct kpool_view *v,
			  gfp_t gfp)
{
	if (s->nr == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 4;
		struct kpool_view *views;

		if (s->cap > UINT_MAX / 2)
			return -ENOMEM;
		views = kvrealloc(s->views, s->cap * sizeof(*views),
				  cap * sizeof(*views), gfp);
		if (!views)
			return -ENOMEM;
		s->views = views;
		s->cap = cap;
	}
	/* The reference @v held now belongs to the slice. */
	s->views[s->nr++] = *v;
	*v = (struct kpool_view){};
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_bufslice_append);

/**
 * kpool_bufslice_len() - bytes in a slice.
 * @s: the slice.
 *
 * Context: any context.
 * Return: the sum of the lengths of its views.
 */
size_t kpool_bufslice_len(const struct kpool_bufslice *s)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		len += s->views[i].len;
	return len;
}
EXPORT_SYMBOL_GPL(kpool_bufslice_len);

/**
 * kpool_bufslice_get() - take a new reference on every view of a slice.
 * @s: the slice; unchanged.
 * @dup: receives a slice of the same windows, owning the new references.
 * @gfp: flags for the new slice's array.
 *
 * Context: any context @gfp allows.
 * Return: 0, or -ENOMEM with @dup empty and no reference taken.
 */
int kpool_bufslice_get(const struct kpool_bufslice *s,
		       struct kpool_bufslice *dup, gfp_t gfp)
{
	unsigned int i;

	kpool_bufslice_init(dup);
	if (!s->nr)
		return 0;
	dup->views = kvmalloc_array(s->nr, sizeof(*dup->views), gfp);
	if (!dup->views)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		kpool_view_get(&s->views[i], &dup->views[i]);
	dup->nr = s->nr;
	dup->cap = s->nr;
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_bufslice_get);

/**
 * kpool_bufslice_put() - drop every view of a slice.
 * @s: the slice; it is left empty.
 *
 * Context: as kpool_buf_put().
 */
void kpool_bufslice_put(struct kpool_bufslice *s)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		kpool_view_put(&s->views[i]);
	kvfree(s->views);
	kpool_bufslice_init(s);
}
EXPORT_SYMBOL_GPL(kpool_bufslice_put);

/* Copy up to @len bytes from view @i, @off bytes in, onwards. */
static size_t kpool_views_copy(const struct kpool_bufslice *s, unsigned int i,
			       size_t off, u8 *dst, size_t len)
{
	size_t done = 0;

	for (; i < s->nr && done < len; i++, off = 0) {
		const struct kpool_view *v = &s->views[i];
		size_t n = min(len - done, v->len - off);

		if (n)
			memcpy(dst + done, kpool_view_data(v) + off, n);
		done += n;
	}
	return done;
}

/**
 * kpool_bufslice_copy_to() - copy a slice's bytes, in order (CopyTo).
 * @s: the slice.
 * @dst: where to.
 * @len: room at @dst.
 *
 * Context: any context.
 * Return: the number of bytes copied: the smaller of @len and the
 * slice's length.
 */
size_t kpool_bufslice_copy_to(const struct kpool_bufslice *s, void *dst, size_t len)
{
	return kpool_views_copy(s, 0, 0, dst, len);
}
EXPORT_SYMBOL_GPL(kpool_bufslice_copy_to);

/**
 * kpool_bufslice_materialize() - one view of all of a slice's bytes.
 * @s: the slice; unchanged.
 * @pool: where a new buffer comes from; NULL for the default pool.
 * @gfp: allocation flags, as for kpool_buf_alloc().
 * @out: receives the view.  No views: an empty view.  One view: a new
 *	reference to that same view, no copy.  Several: a view of a new
 *	buffer holding all their bytes in order.
 *
 * Context: as kpool_buf_alloc().
 * Return: 0 or -ENOMEM (@out untouched).
 */
int kpool_bufslice_materialize(const struct kpool_bufslice *s,
			       struct kpool_pool *pool, gfp_t gfp,
			       struct kpool_view *out)
{
	size_t len;
	int ret;

	if (s->nr == 1) {
		kpool_view_get(&s->views[0], out);
		return 0;
	}
	len = kpool_bufslice_len(s);
	if (!len) {
		*out = (struct kpool_view){};
		return 0;
	}
	ret = kpool_view_alloc(pool, len, gfp, out);
	if (!ret)
		kpool_bufslice_copy_to(s, kpool_view_data(out), len);
	return ret;
}
EXPORT_SYMBOL_GPL(kpool_bufslice_materialize);

/**
 * kpool_reader_init() - start reading a slice.
 * @r: the reader.
 * @s: the slice; it stays the caller's and stays readable: the reader
 *	takes references of its own.
 * @gfp: flags for the reader's copy of the view array.
 *
 * Context: any context @gfp allows.
 * Return: 0 or -ENOMEM.
 */
int kpool_reader_init(struct kpool_reader *r, const struct kpool_bufslice *s,
		      gfp_t gfp)
{
	int ret = kpool_bufslice_get(s, &r->s, gfp);

	if (ret)
		return ret;
	r->first = 0;
	r->off = 0;
	r->remaining = kpool_bufslice_len(s);
	return 0;
}
EXPORT_SYMBOL_GPL(kpool_reader_init);

/*
 * Move past @n bytes.  Each view read to its end (empty ones at once) is
 * dropped there and then, as gRPC's Reader frees each buffer it finishes.
 */
static void kpool_reader_consume(struct kpool_reader *r, size_t n)
{
	r->remaining -= n;
	while (r->first < r->s.nr) {
		struct kpool_view *v = &r->s.views[r->first];
		size_t step = min(n, v->len - r->off);

		r->off += step;
		n -= step;
		if (r->off < v->len)
			break;
		kpool_view_put(v);
		r->first++;
		r->off = 0;
	}
}

/**
 * kpool_reader_read() - read bytes.
 * @r: the reader.
 * @dst: where to.
 * @len: room at @dst.
 *
 * Context: as kpool_buf_put().
 * Return: the number of bytes read; 0 at the end.
 */
size_t kpool_reader_read(struct kpool_reader *r, void *dst, size_t len)
{
	size_t n = kpool_views_copy(&r->s, r->first, r->off, dst, len);

	kpool_reader_consume(r, n);
	return n;
}
EXPORT_SYMBOL_GPL(kpool_reader_read);

/**
 * kpool_reader_read_byte() - read one byte.
 * @r: the reader.
 * @byte: receives the byte.
 *
 * Context: as kpool_buf_put().
 * Return: 0, or -ENODATA at the end.
 */
int kpool_reader_read_byte(struct kpool_reader *r, u8 *byte)
{
	return kpool_reader_read(r, byte, 1) ? 0 : -ENODATA;
}
EXPORT_SYMBOL_GPL(kpool_reader_read_byte);

/**
 * kpool_reader_peek() - copy the next bytes without consuming them.
 * @r: the reader.
 * @dst: where to.
 * @len: room at @dst.
 *
 * Context: any context.
 * Return: the number of bytes copied.
 */
size_t kpool_reader_peek(const struct kpool_reader *r, void *dst, size_t len)
{
	return kpool_views_copy(&r->s, r->first, r->off, dst, len);
}
EXPORT_SYMBOL_GPL(kpool_reader_peek);

/**
 * kpool_reader_discard() - skip bytes.
 * @r: the reader.
 * @len: how many to skip.
 *
 * Context: as kpool_buf_put().
 * Return: the number of bytes skipped: the smaller of @len and what is
 * left.
 */
size_t kpool_reader_discard(struct kpool_reader *r, size_t len)
{
	size_t n = min(len, r->remaining);

	kpool_reader_consume(r, n);
	return n;
}
EXPORT_SYMBOL_GPL(kpool_reader_discard);

/**
 * kpool_reader_close() - stop reading and drop what was not read.
 * @r: the reader; nothing is left to read afterwards.
 *
 * Context: as kpool_buf_put().
 */
void kpool_reader_close(struct kpool_reader *r)
{
	kpool_bufslice_put(&r->s);
	r->first = 0;
	r->off = 0;
	r->remaining = 0;
}
EXPORT_SYMBOL_GPL(kpool_reader_close);
