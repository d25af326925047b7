/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock tracepoints (tracefs events/syncsock/, perf, bpftrace, libbpf).
 * Each carries the socket's address (as the kernel's tcp events do, so that
 * tools can join them) and the listener's id.  Disabled, each costs a static
 * branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM syncsock

#if !defined(_SYNCSOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SYNCSOCK_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>

TRACE_EVENT(syncsock_accept,
	TP_PROTO(const struct sock *sk, u32 listener),
	TP_ARGS(sk, listener),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u32, listener)
		__field(u16, family)
		__field(u16, sport)
		__field(u16, dport)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->listener = listener;
		__entry->family = sk->sk_family;
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
	),
	TP_printk("skaddr=%p listener=%u family=%u sport=%u dport=%u",
		  __entry->skaddr, __entry->listener, __entry->family, __entry->sport,
		  __entry->dport)
);

TRACE_EVENT(syncsock_rx,
	TP_PROTO(const struct sock *sk, u32 listener, u32 seq, u32 bytes, bool softirq),
	TP_ARGS(sk, listener, seq, bytes, softirq),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u32, listener)
		__field(u32, seq)
		__field(u32, bytes)
		__field(bool, softirq)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->listener = listener;
		__entry->seq = seq;
		__entry->bytes = bytes;
		__entry->softirq = softirq;
	),
	TP_printk("skaddr=%p listener=%u seq=%u bytes=%u context=%s", __entry->skaddr,
		  __entry->listener, __entry->seq, __entry->bytes,
		  __entry->softirq ? "softirq" : "process")
);

TRACE_EVENT(syncsock_tx,
	TP_PROTO(const struct sock *sk, u32 listener, u32 bytes, bool queued),
	TP_ARGS(sk, listener, bytes, queued),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u32, listener)
		__field(u32, bytes)
		__field(bool, queued)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->listener = listener;
		__entry->bytes = bytes;
		__entry->queued = queued;
	),
	TP_printk("skaddr=%p listener=%u bytes=%u path=%s", __entry->skaddr,
		  __entry->listener, __entry->bytes, __entry->queued ? "queued" : "inline")
);

TRACE_EVENT(syncsock_txq_full,
	TP_PROTO(const struct sock *sk, u32 listener, u32 bytes, u32 queued, u32 limit),
	TP_ARGS(sk, listener, bytes, queued, limit),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u32, listener)
		__field(u32, bytes)
		__field(u32, queued)
		__field(u32, limit)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->listener = listener;
		__entry->bytes = bytes;
		__entry->queued = queued;
		__entry->limit = limit;
	),
	TP_printk("skaddr=%p listener=%u bytes=%u queued=%u limit=%u", __entry->skaddr,
		  __entry->listener, __entry->bytes, __entry->queued, __entry->limit)
);

TRACE_EVENT(syncsock_close,
	TP_PROTO(const struct sock *sk, u32 listener, int reason, bool abort),
	TP_ARGS(sk, listener, reason, abort),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u32, listener)
		__field(int, reason)
		__field(bool, abort)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->listener = listener;
		__entry->reason = reason;
		__entry->abort = abort;
	),
	TP_printk("skaddr=%p listener=%u reason=%d abort=%d", __entry->skaddr,
		  __entry->listener, __entry->reason, __entry->abort)
);

#endif /* _SYNCSOCK_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
