/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: tracepoints (events/chan/ in tracefs; perf and bpftrace see them).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM chan

#if !defined(_CHAN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CHAN_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(chan_msg,
		    TP_PROTO(u64 id, u32 len, u32 depth),
		    TP_ARGS(id, len, depth),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, len)
				     __field(u32, depth)),
		    TP_fast_assign(__entry->id = id;
				   __entry->len = len;
				   __entry->depth = depth;),
		    TP_printk("chan=%llu len=%u depth=%u", __entry->id,
			      __entry->len, __entry->depth));

DEFINE_EVENT(chan_msg, chan_send,
	     TP_PROTO(u64 id, u32 len, u32 depth),
	     TP_ARGS(id, len, depth));

DEFINE_EVENT(chan_msg, chan_recv,
	     TP_PROTO(u64 id, u32 len, u32 depth),
	     TP_ARGS(id, len, depth));

TRACE_EVENT(chan_drop,
	    TP_PROTO(u64 id, u32 len, bool overwrite),
	    TP_ARGS(id, len, overwrite),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, len)
			     __field(bool, overwrite)),
	    TP_fast_assign(__entry->id = id;
			   __entry->len = len;
			   __entry->overwrite = overwrite;),
	    TP_printk("chan=%llu len=%u %s", __entry->id, __entry->len,
		      __entry->overwrite ? "overwritten" : "dropped"));

DECLARE_EVENT_CLASS(chan_sleep,
		    TP_PROTO(u64 id, bool send),
		    TP_ARGS(id, send),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(bool, send)),
		    TP_fast_assign(__entry->id = id;
				   __entry->send = send;),
		    TP_printk("chan=%llu %s", __entry->id,
			      __entry->send ? "send" : "recv"));

DEFINE_EVENT(chan_sleep, chan_wait,
	     TP_PROTO(u64 id, bool send),
	     TP_ARGS(id, send));

DEFINE_EVENT(chan_sleep, chan_wake,
	     TP_PROTO(u64 id, bool send),
	     TP_ARGS(id, send));

#endif /* _CHAN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
