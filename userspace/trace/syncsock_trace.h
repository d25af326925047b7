/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock-trace: what the BPF side (syncsock_trace.bpf.c) and user space
 * (main.cpp, report.cpp) share.  Plain C, fixed-width fields: the BPF side
 * sees it through vmlinux.h's __u32..., user space through <linux/types.h>.
 */
#ifndef SYNCSOCK_TRACE_H
#define SYNCSOCK_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Log2 histogram of delays in microseconds, as bcc/libbpf-tools print them. */
#define SST_US_SLOTS 27
/*
 * Finer histogram of delays in nanoseconds for the percentiles: four linear
 * sub-buckets per power of two (an estimate within 12.5%), up to 2^40 ns.
 */
#define SST_NS_SUB_BITS 2
#define SST_NS_SLOTS (41 << SST_NS_SUB_BITS)

/* Deliveries of one path, or (with -C) of one connection. */
enum sst_kind {
	SST_KIND_SYNCSOCK = 1,	/* consumed by a syncsock handler (syncsock_rx) */
	SST_KIND_USER = 2,	/* consumed by recv()/read()/io_uring (tcp_recvmsg) */
};

/*
 * A path: the syncsock listener that consumed the data (id = listener id), or
 * a user-space consumer identified by the socket's local port (id = port).
 */
struct sst_path_key {
	__u32 kind;
	__u32 id;
};

struct sst_counts {
	__u64 deliveries;	/* consumption events with bytes (one skb, or its rest) */
	__u64 bytes;
	__u64 softirq;		/* deliveries made in softirq */
	__u64 queued;		/* tcp_data_ready() calls that queued new data */
	__u64 wakeups;		/* tasks woken inside those calls */
	__u64 wakeups_nodata;	/* tasks woken by data_ready calls without new data (FIN) */
	__u64 timed;		/* deliveries whose data was seen queued */
	__u64 delay_sum_ns;
	__u64 delay_max_ns;
};

struct sst_path_stats {
	struct sst_counts c;
	__u32 port;		/* local port (for a syncsock listener: the last seen) */
	__u32 listener;
	__u64 hist_us[SST_US_SLOTS];
	__u64 hist_ns[SST_NS_SLOTS];
};

/* A connection: the socket's address and the time it was first seen. */
struct sst_conn_key {
	__u64 sk;
	__u64 born_ns;
};

struct sst_conn_stats {
	struct sst_counts c;
	__u32 kind;
	__u32 listener;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
};

/* Global counters: what could not be recorded, and probe activity. */
struct sst_globals {
	__u64 data_ready;	/* tcp_data_ready() calls that passed the filters */
	__u64 untimed;		/* deliveries of data queued before the tracer saw it */
	__u64 state_full;	/* no room for a socket's state */
	__u64 path_full;	/* no room for a path */
	__u64 conn_full;	/* no room for a connection (-C) */
	__u64 coalesced;	/* stamps merged because a socket had too many pending */
};

/*
 * The module's events as classic tracepoints see them: the layouts of
 * /sys/kernel/tracing/events/syncsock/<event>/format (module/trace.h), which
 * user space checks before loading.
 */
struct sst_syncsock_accept_args {
	__u64 common;		/* common_type, common_flags, ..., common_pid */
	__u64 skaddr;
	__u32 listener;
	__u16 family;
	__u16 sport;
	__u16 dport;
};

struct sst_syncsock_rx_args {
	__u64 common;
	__u64 skaddr;
	__u32 listener;
	__u32 seq;
	__u32 bytes;
	__u8 softirq;
};

#endif /* SYNCSOCK_TRACE_H */
