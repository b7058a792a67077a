/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool trace events, in tracefs under events/kpool/.  Every event carries
 * the buffer (its address, hashed as %p prints it), its tier (-1 for the
 * fallback), a size, the buffer's capacity and its references at the time
 * of the event (an empty view of the in-kernel API has none: buf 0,
 * tier -1, capacity 0, refs 0):
 *  - kpool_alloc: a buffer handed out; size: the bytes asked for, refs 1.
 *  - kpool_spill: the same buffer, when its costly tier's slab could not
 *    be had and its memory came from order-0 pages.
 *  - kpool_free: its memory returned; size: its capacity, refs 0.
 *  - kpool_split, kpool_slice: a new view made from an old one, without a
 *    copy; size: the new view's length.
 *  - kpool_materialize: the view MATERIALIZE gives (a new buffer, or a new
 *    reference to the one view); size: its length.
 *  - kpool_map, kpool_unmap: a mapping (VMA) taking or dropping its
 *    reference; size: the VMA's length.
 *  - kpool_export, kpool_import: an exported file or dma-buf made, a view
 *    taken from one; size: the view's length.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kpool

#if !defined(_KPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KPOOL_TRACE_H

#include <linux/tracepoint.h>

#include "kpool.h"

DECLARE_EVENT_CLASS(kpool_buf_event,
		    TP_PROTO(const struct kpool_buf *buf, size_t size),
		    TP_ARGS(buf, size),
		    TP_STRUCT__entry(__field(const void *, buf)
				     __field(int, tier)
				     __field(size_t, size)
				     __field(size_t, capacity)
				     __field(unsigned int, refs)),
		    /* An empty view (a kernel user's) has no buffer. */
		    TP_fast_assign(__entry->buf = buf;
				   __entry->tier = !buf ||
					buf->tier == KPOOL_TIER_FALLBACK ?
					-1 : buf->tier;
				   __entry->size = size;
				   __entry->capacity = buf ? buf->capacity : 0;
				   __entry->refs = buf ? kpool_buf_refs(buf) : 0;),
		    TP_printk("buf=%p tier=%d size=%zu capacity=%zu refs=%u",
			      __entry->buf, __entry->tier, __entry->size,
			      __entry->capacity, __entry->refs));

DEFINE_EVENT_CONDITION(kpool_buf_event, kpool_spill,
		       TP_PROTO(const struct kpool_buf *buf, size_t size),
		       TP_ARGS(buf, size),
		       TP_CONDITION(buf && buf->backing == KPOOL_BACKING_VMALLOC &&
				    buf->tier != KPOOL_TIER_FALLBACK));

DEFINE_EVENT(kpool_buf_event, kpool_alloc,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_free,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_split,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_slice,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_materialize,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_map,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_unmap,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_export,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

DEFINE_EVENT(kpool_buf_event, kpool_import,
	     TP_PROTO(const struct kpool_buf *buf, size_t size),
	     TP_ARGS(buf, size));

#endif /* _KPOOL_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kpool_trace
#include <trace/define_trace.h>
