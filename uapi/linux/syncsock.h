/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * syncsock: user-space ABI.
 *
 * The control device /dev/syncsock takes the ioctls below.  Every structure
 * has fixed-width fields, explicit padding and a size that is a multiple of 8
 * bytes, so it is the same for 32- and 64-bit callers; user pointers travel as
 * __u64.  Reserved fields and unknown flags must be zero (-EINVAL otherwise),
 * so that they can be given a meaning later without breaking old callers.
 * Close reasons are only ever appended.  Plain counters are appended too,
 * before the block of per-reason counters, which therefore moves: its start
 * in the running module is close_base of SYNCSOCK_IOC_VERSION (and
 * SYNCSOCK_STAT_CLOSED() holds for the module built from this header only).
 *
 * Errors (negative errno from the ioctl, errno in user space):
 *   ENOTTY        unknown command
 *   EFAULT        a pointer is not readable/writable
 *   EINVAL        reserved field not zero, unknown flag, string without its
 *                 terminator, value out of range, port 0
 *   EPERM         CAP_NET_ADMIN (in the user namespace owning the caller's
 *                 network namespace) is needed to change state
 *   EACCES        a port below ip_unprivileged_port_start needs
 *                 CAP_NET_BIND_SERVICE
 *   EAFNOSUPPORT  family is neither AF_INET nor AF_INET6
 *   ENOENT        no handler by that name / no listener with that id
 *   EADDRINUSE    the address and port are taken (also: the same listener
 *                 twice)
 *   EADDRNOTAVAIL the address is not local (ask SYNCSOCK_LISTENER_F_FREEBIND)
 *   ENOSPC        the caller's buffer is too small; the count it needs is set
 *   anything a handler's setup returns, with its message in @err
 */
#ifndef _UAPI_LINUX_SYNCSOCK_H
#define _UAPI_LINUX_SYNCSOCK_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped only for an incompatible change; additions keep the number. */
#define SYNCSOCK_ABI_VERSION		1

#define SYNCSOCK_DEVICE			"/dev/syncsock"
#define SYNCSOCK_NAME_MAX		32	/* handler names, with NUL */
#define SYNCSOCK_MODULE_NAME_MAX	56	/* module names, with NUL */
#define SYNCSOCK_CONFIG_MAX		1024	/* configuration, with NUL */
#define SYNCSOCK_ERR_MAX		256	/* useful size of an error buffer */
#define SYNCSOCK_VERSION_MAX		32	/* module version string, with NUL */

/**
 * enum syncsock_close_reason - why a connection was closed
 * @SYNCSOCK_CLOSE_PEER_FIN: the peer shut down its sending side; queued
 *	replies were sent, then FIN.
 * @SYNCSOCK_CLOSE_PEER_RESET: the peer reset the connection.
 * @SYNCSOCK_CLOSE_ERROR: another socket error (timeout, unreachable...).
 * @SYNCSOCK_CLOSE_HANDLER: the handler asked for a graceful close.
 * @SYNCSOCK_CLOSE_HANDLER_ABORT: the handler asked for an abort (RST).
 * @SYNCSOCK_CLOSE_HANDLER_ERROR: a handler callback returned an error.
 * @SYNCSOCK_CLOSE_TIMEOUT: a graceful close could not send its queued data
 *	within the close timeout; the connection was reset.
 * @SYNCSOCK_CLOSE_LISTENER_DELETE: the listener was deleted.
 * @SYNCSOCK_CLOSE_NETNS_EXIT: the network namespace went away.
 * @SYNCSOCK_CLOSE_UNLOAD: the module was unloaded.
 * @SYNCSOCK_CLOSE_NOMEM: memory for the connection's state ran out.
 * @SYNCSOCK_CLOSE_OVERSIZE: the framer met a message over the size limit.
 * @SYNCSOCK_CLOSE_BAD_FRAME: the framer met a length field shorter than its
 *	own header.
 * @SYNCSOCK_CLOSE_IDLE: no progress (no byte received, none handed to TCP)
 *	for the listener's idle timeout; a graceful close.
 * @SYNCSOCK_CLOSE_MSG_TIMEOUT: a message of a framed listener was not whole
 *	within the listener's message timeout of its first byte (a peer that
 *	trickles, slowloris); a reset.
 * @SYNCSOCK_CLOSE_CONNECT_FAILED: an outbound connection (syncsock_connect())
 *	could not be established: refused, unreachable, or not within its
 *	connect timeout; a reset.
 * @SYNCSOCK_CLOSE_PAIR: the connection paired with this one (a proxied
 *	client and its backend) closed before this one had finished; a reset
 *	if that one was reset, else a graceful close.
 * @SYNCSOCK_CLOSE_REASONS: number of reasons.
 */
enum syncsock_close_reason {
	SYNCSOCK_CLOSE_PEER_FIN,
	SYNCSOCK_CLOSE_PEER_RESET,
	SYNCSOCK_CLOSE_ERROR,
	SYNCSOCK_CLOSE_HANDLER,
	SYNCSOCK_CLOSE_HANDLER_ABORT,
	SYNCSOCK_CLOSE_HANDLER_ERROR,
	SYNCSOCK_CLOSE_TIMEOUT,
	SYNCSOCK_CLOSE_LISTENER_DELETE,
	SYNCSOCK_CLOSE_NETNS_EXIT,
	SYNCSOCK_CLOSE_UNLOAD,
	SYNCSOCK_CLOSE_NOMEM,
	SYNCSOCK_CLOSE_OVERSIZE,
	SYNCSOCK_CLOSE_BAD_FRAME,
	SYNCSOCK_CLOSE_IDLE,
	SYNCSOCK_CLOSE_MSG_TIMEOUT,
	SYNCSOCK_CLOSE_CONNECT_FAILED,
	SYNCSOCK_CLOSE_PAIR,
	SYNCSOCK_CLOSE_REASONS
};

/**
 * enum syncsock_stat - per-listener counters, kept per CPU
 * @SYNCSOCK_STAT_ACCEPTED: connections accepted and handed to the handler.
 * @SYNCSOCK_STAT_ACCEPT_REJECTED: connections refused (the max_conns limit,
 *	the handler's accept callback, a listener being deleted).  Short of
 *	memory, a connection waits in the accept queue instead.
 * @SYNCSOCK_STAT_CLOSED: connections closed, whatever the reason.
 * @SYNCSOCK_STAT_RX_BYTES: bytes delivered to the handler.
 * @SYNCSOCK_STAT_RX_SEGMENTS: socket buffers (segments) delivered.
 * @SYNCSOCK_STAT_RX_SOFTIRQ: receive callbacks that consumed data in softirq.
 * @SYNCSOCK_STAT_RX_PROCESS: receive passes run in process context (deferred
 *	work, backlog processing, data queued before accept).
 * @SYNCSOCK_STAT_RX_DEFERRED: receive callbacks that found the socket owned
 *	by a process and deferred the work.
 * @SYNCSOCK_STAT_RX_THROTTLED: the handler took less than it was offered
 *	(its send queue was full); reading resumed once the queue drained.
 * @SYNCSOCK_STAT_TX_INLINE_BYTES: bytes sent straight from syncsock_send().
 * @SYNCSOCK_STAT_TX_INLINE_SOFTIRQ_BYTES: the part of those sent in softirq.
 * @SYNCSOCK_STAT_TX_QUEUED_BYTES: bytes that had to wait in the connection's
 *	send queue.
 * @SYNCSOCK_STAT_TX_FLUSHED_BYTES: queued bytes later handed to TCP.
 * @SYNCSOCK_STAT_TX_QUEUE_FULL: syncsock_send() calls refused because the
 *	send queue was at its limit.
 * @SYNCSOCK_STAT_TX_ERRORS: sends that failed for another reason.
 * @SYNCSOCK_STAT_HANDLER_ERRORS: handler callbacks that returned an error.
 * @SYNCSOCK_STAT_WORK_RUNS: runs of a connection's process-context work.
 * @SYNCSOCK_STAT_RX_MESSAGES: whole messages the framer delivered.
 * @SYNCSOCK_STAT_RX_MESSAGES_COPIED: the part of those gathered in the
 *	framer's buffer because they were split; the rest went in place.
 * @SYNCSOCK_STAT_APP0: first of four counters a handler bumps for its own
 *	purposes (syncsock_count()); its documentation says what they mean.
 * @SYNCSOCK_STAT_APP1: second handler counter.
 * @SYNCSOCK_STAT_APP2: third handler counter.
 * @SYNCSOCK_STAT_APP3: fourth handler counter.
 * @SYNCSOCK_STAT_NOMEM_RETRIES: times an allocation failure (send queue,
 *	framer buffer, TCP's skb) stopped a connection's progress and its work
 *	was scheduled to try again 20 ms later; nothing is dropped meanwhile.
 *	Also the accepts that waited 20 ms for a connection's memory (or its
 *	struct socket): the peer waits in the accept queue meanwhile.
 * @SYNCSOCK_STAT_RX_URGENT: urgent (MSG_OOB) bytes skipped.  As for a
 *	socket without SO_OOBINLINE, the urgent byte is not part of the
 *	stream: the handler sees the bytes around it, joined.
 * @SYNCSOCK_STAT_ACCEPT_BUSY: connections refused (reset) because another
 *	user had taken the socket over before accept: a sockmap's psock put
 *	there by a sockops program, or an upper layer protocol (ULP).  They
 *	are counted in %SYNCSOCK_STAT_ACCEPT_REJECTED too.
 * @SYNCSOCK_STAT_MEM_CHARGED: bytes of memory the module allocated for the
 *	listener's connections (send queue chunks, framer buffers) and charged
 *	to its budget (the module parameter mem_limit).
 * @SYNCSOCK_STAT_MEM_UNCHARGED: the part of those freed again; charged less
 *	uncharged is what the connections hold now.
 * @SYNCSOCK_STAT_MEM_REFUSED: allocations refused because the module's
 *	budget was spent; handled as memory running short (retried 20 ms
 *	later, counted in %SYNCSOCK_STAT_NOMEM_RETRIES).
 * @SYNCSOCK_STAT_CONNECTS: outbound connections a handler opened
 *	(syncsock_connect()).
 * @SYNCSOCK_STAT_CONNECTED: the part of those established.
 * @SYNCSOCK_STAT_CONNECT_REFUSED: outbound connects the peer refused (RST).
 * @SYNCSOCK_STAT_CONNECT_TIMEOUT: outbound connects not established within
 *	their connect timeout (or TCP's SYN retries).
 * @SYNCSOCK_STAT_CONNECT_UNREACH: outbound connects to an unreachable host
 *	or network.
 * @SYNCSOCK_STAT_CONNECT_ERRORS: outbound connects that failed otherwise.
 * @SYNCSOCK_STAT_FWD_UP_BYTES: bytes forwarded (syncsock_forward()) from an
 *	accepted connection to its pair (client to backend).
 * @SYNCSOCK_STAT_FWD_DOWN_BYTES: bytes forwarded from an outbound connection
 *	to its pair (backend to client).
 * @SYNCSOCK_STAT_FWD_INLINE: forwards that sent on the pair's socket right
 *	where the bytes arrived, its lock taken without waiting.
 * @SYNCSOCK_STAT_FWD_QUEUED: forwards that found the pair's socket busy (or
 *	its send queue not empty) and queued the bytes for the pair's own
 *	context.
 * @SYNCSOCK_STAT_FWD_SPLICED_BYTES: forwarded bytes handed to TCP as
 *	references to the received pages, without a copy.
 * @SYNCSOCK_STAT_FWD_COPIED_BYTES: forwarded bytes copied: those of a linear
 *	skb head (kmalloc memory, which cannot be spliced), and every byte
 *	that waited in the pair's send queue.
 * @SYNCSOCK_STAT_FWD_PAUSED: times reading from a connection stopped because
 *	its pair's send queue was full; it resumes when that queue drains.
 * @SYNCSOCK_STAT_CLOSE_BASE: first of %SYNCSOCK_CLOSE_REASONS counters, one
 *	per &enum syncsock_close_reason.
 * @SYNCSOCK_STAT_MAX: number of counters.
 */
enum syncsock_stat {
	SYNCSOCK_STAT_ACCEPTED,
	SYNCSOCK_STAT_ACCEPT_REJECTED,
	SYNCSOCK_STAT_CLOSED,
	SYNCSOCK_STAT_RX_BYTES,
	SYNCSOCK_STAT_RX_SEGMENTS,
	SYNCSOCK_STAT_RX_SOFTIRQ,
	SYNCSOCK_STAT_RX_PROCESS,
	SYNCSOCK_STAT_RX_DEFERRED,
	SYNCSOCK_STAT_RX_THROTTLED,
	SYNCSOCK_STAT_TX_INLINE_BYTES,
	SYNCSOCK_STAT_TX_INLINE_SOFTIRQ_BYTES,
	SYNCSOCK_STAT_TX_QUEUED_BYTES,
	SYNCSOCK_STAT_TX_FLUSHED_BYTES,
	SYNCSOCK_STAT_TX_QUEUE_FULL,
	SYNCSOCK_STAT_TX_ERRORS,
	SYNCSOCK_STAT_HANDLER_ERRORS,
	SYNCSOCK_STAT_WORK_RUNS,
	SYNCSOCK_STAT_RX_MESSAGES,
	SYNCSOCK_STAT_RX_MESSAGES_COPIED,
	SYNCSOCK_STAT_APP0,
	SYNCSOCK_STAT_APP1,
	SYNCSOCK_STAT_APP2,
	SYNCSOCK_STAT_APP3,
	SYNCSOCK_STAT_NOMEM_RETRIES,
	SYNCSOCK_STAT_RX_URGENT,
	SYNCSOCK_STAT_ACCEPT_BUSY,
	SYNCSOCK_STAT_MEM_CHARGED,
	SYNCSOCK_STAT_MEM_UNCHARGED,
	SYNCSOCK_STAT_MEM_REFUSED,
	SYNCSOCK_STAT_CONNECTS,
	SYNCSOCK_STAT_CONNECTED,
	SYNCSOCK_STAT_CONNECT_REFUSED,
	SYNCSOCK_STAT_CONNECT_TIMEOUT,
	SYNCSOCK_STAT_CONNECT_UNREACH,
	SYNCSOCK_STAT_CONNECT_ERRORS,
	SYNCSOCK_STAT_FWD_UP_BYTES,
	SYNCSOCK_STAT_FWD_DOWN_BYTES,
	SYNCSOCK_STAT_FWD_INLINE,
	SYNCSOCK_STAT_FWD_QUEUED,
	SYNCSOCK_STAT_FWD_SPLICED_BYTES,
	SYNCSOCK_STAT_FWD_COPIED_BYTES,
	SYNCSOCK_STAT_FWD_PAUSED,
	SYNCSOCK_STAT_CLOSE_BASE,
	SYNCSOCK_STAT_MAX = SYNCSOCK_STAT_CLOSE_BASE + SYNCSOCK_CLOSE_REASONS
};

/* The counter of connections closed for @reason (an enum syncsock_close_reason),
 * in a module built from this header; in any module: close_base + @reason.
 */
#define SYNCSOCK_STAT_CLOSED(reason)	((int)SYNCSOCK_STAT_CLOSE_BASE + (int)(reason))

/**
 * struct syncsock_version - what the module speaks (SYNCSOCK_IOC_VERSION)
 * @abi_version: %SYNCSOCK_ABI_VERSION of the module
 * @nr_stats: %SYNCSOCK_STAT_MAX of the module (counters per row)
 * @nr_close_reasons: %SYNCSOCK_CLOSE_REASONS of the module
 * @nr_cpu_ids: rows of per-CPU counters (CPU numbers 0 .. @nr_cpu_ids - 1)
 * @close_base: %SYNCSOCK_STAT_CLOSE_BASE of the module: counters from here on
 *	are the @nr_close_reasons closed_<reason> counters
 * @module_version: the module's version string, NUL-terminated
 * @reserved: zero
 */
struct syncsock_version {
	__u32 abi_version;
	__u32 nr_stats;
	__u32 nr_close_reasons;
	__u32 nr_cpu_ids;
	char module_version[SYNCSOCK_VERSION_MAX];
	__u32 close_base;
	__u32 reserved[3];
};

/**
 * struct syncsock_addr - an IPv4 or IPv6 address and port
 * @family: AF_INET (2) or AF_INET6 (10)
 * @port: the port, host byte order; not 0
 * @scope_id: IPv6 scope (interface index) for link-local addresses, else 0
 *	(not 0 with another address: -EINVAL)
 * @addr: the address in network byte order; IPv4 uses the first 4 bytes and
 *	the rest must be zero; all zero is the any address
 */
struct syncsock_addr {
	__u16 family;
	__u16 port;
	__u32 scope_id;
	__u8 addr[16];
};

/* Flags of struct syncsock_listener_add. */
#define SYNCSOCK_LISTENER_F_FREEBIND	_BITUL(0)  /* bind a non-local address */
#define SYNCSOCK_LISTENER_F_V6ONLY	_BITUL(1)  /* IPv6 "::" without IPv4 */
#define SYNCSOCK_LISTENER_F_ALL		(SYNCSOCK_LISTENER_F_FREEBIND | \
					 SYNCSOCK_LISTENER_F_V6ONLY)

/* A timeout of struct syncsock_listener_add that is never to fire. */
#define SYNCSOCK_TIMEOUT_OFF		0xffffffffU
/* The largest timeout otherwise: one day. */
#define SYNCSOCK_TIMEOUT_MAX_MS		86400000U

/**
 * struct syncsock_listener_add - create a listener (SYNCSOCK_IOC_LISTENER_ADD)
 * @addr: where to listen, in the caller's network namespace
 * @flags: SYNCSOCK_LISTENER_F_*
 * @backlog: listen() backlog, 1..65535; 0 means 128
 * @max_conns: connections served at once, 1..1000000; 0 means 65536
 * @txq_limit: bytes a connection may have queued for sending, 1..64 MiB;
 *	0 means 256 KiB
 * @close_timeout_ms: how long a graceful close may wait for queued data
 *	before it becomes a reset, 1..600000 ms; 0 means 5000
 * @id: in: zero; out: the new listener's id (never 0)
 * @handler: the handler's name, NUL-terminated
 * @config: pointer to the handler's configuration, a NUL-terminated string
 *	of at most %SYNCSOCK_CONFIG_MAX bytes with its NUL; 0 for none
 * @err: pointer to a buffer for a message saying what was wrong; 0 for none
 * @err_len: size of @err
 * @idle_timeout_ms: a connection that makes no progress (no byte received,
 *	none handed to TCP) for this long is closed gracefully
 *	(%SYNCSOCK_CLOSE_IDLE); 1..%SYNCSOCK_TIMEOUT_MAX_MS, or
 *	%SYNCSOCK_TIMEOUT_OFF; 0 means 300000 (5 minutes)
 * @msg_timeout_ms: a framed listener's message must be whole this long after
 *	its first byte arrived, or the connection is reset
 *	(%SYNCSOCK_CLOSE_MSG_TIMEOUT); 1..%SYNCSOCK_TIMEOUT_MAX_MS, or
 *	%SYNCSOCK_TIMEOUT_OFF; 0 means 30000
 * @user_timeout_ms: the connections' TCP_USER_TIMEOUT: data left
 *	unacknowledged this long (a peer that stopped reading behind a zero
 *	window, a link that went away) ends the connection
 *	(%SYNCSOCK_CLOSE_ERROR); 1..%SYNCSOCK_TIMEOUT_MAX_MS, or
 *	%SYNCSOCK_TIMEOUT_OFF for TCP's own retries; 0 means 60000
 * @reserved: zero
 */
struct syncsock_listener_add {
	struct syncsock_addr addr;
	__u32 flags;
	__u32 backlog;
	__u32 max_conns;
	__u32 txq_limit;
	__u32 close_timeout_ms;
	__u32 id;
	char handler[SYNCSOCK_NAME_MAX];
	__u64 config;
	__u64 err;
	__u32 err_len;
	__u32 idle_timeout_ms;
	__u32 msg_timeout_ms;
	__u32 user_timeout_ms;
	__u32 reserved[2];
};

/* Flags of struct syncsock_listener_del. */
#define SYNCSOCK_DEL_F_ABORT		_BITUL(0)  /* reset the connections */
#define SYNCSOCK_DEL_F_ALL		SYNCSOCK_DEL_F_ABORT

/**
 * struct syncsock_listener_del - delete a listener (SYNCSOCK_IOC_LISTENER_DEL)
 * @id: the listener
 * @flags: SYNCSOCK_DEL_F_*; without ABORT, connections close gracefully
 * @reserved: zero
 */
struct syncsock_listener_del {
	__u32 id;
	__u32 flags;
	__u32 reserved[2];
};

/* Listener states. */
#define SYNCSOCK_STATE_LISTENING	1
#define SYNCSOCK_STATE_DRAINING		2  /* deleted, connections closing */

/**
 * struct syncsock_listener_info - one listener (SYNCSOCK_IOC_LISTENER_GET and
 * the entries of SYNCSOCK_IOC_LISTENER_LIST)
 * @id: in for GET, out otherwise
 * @state: SYNCSOCK_STATE_*
 * @addr: where it listens
 * @flags: as given at add
 * @backlog: as in effect
 * @max_conns: as in effect
 * @txq_limit: as in effect
 * @close_timeout_ms: as in effect
 * @nr_conns: connections open now
 * @handler: the handler's name
 * @idle_timeout_ms: as in effect (%SYNCSOCK_TIMEOUT_OFF: none)
 * @msg_timeout_ms: as in effect (%SYNCSOCK_TIMEOUT_OFF: none)
 * @user_timeout_ms: as in effect (%SYNCSOCK_TIMEOUT_OFF: TCP's own)
 * @reserved: zero
 */
struct syncsock_listener_info {
	__u32 id;
	__u32 state;
	struct syncsock_addr addr;
	__u32 flags;
	__u32 backlog;
	__u32 max_conns;
	__u32 txq_limit;
	__u32 close_timeout_ms;
	__u32 nr_conns;
	char handler[SYNCSOCK_NAME_MAX];
	__u32 idle_timeout_ms;
	__u32 msg_timeout_ms;
	__u32 user_timeout_ms;
	__u32 reserved;
};

/**
 * struct syncsock_listener_list - the caller's namespace's listeners
 * (SYNCSOCK_IOC_LISTENER_LIST)
 * @entries: pointer to an array of struct syncsock_listener_info
 * @count: in: room in @entries; out: entries written (65536 at most)
 * @total: out: listeners there are (if more than @count: -ENOSPC)
 * @reserved: zero
 */
struct syncsock_listener_list {
	__u64 entries;
	__u32 count;
	__u32 total;
	__u32 reserved[2];
};

/* Flags of struct syncsock_stats_get. */
#define SYNCSOCK_STATS_F_PER_CPU	_BITUL(0)  /* rows per CPU after the sum */
#define SYNCSOCK_STATS_F_ALL		SYNCSOCK_STATS_F_PER_CPU

/**
 * struct syncsock_stats_get - counters (SYNCSOCK_IOC_STATS_GET)
 * @id: a listener of the caller's namespace, or 0 for the totals: of every
 *	listener of every namespace, past and present, for a caller in the
 *	initial network namespace with CAP_NET_ADMIN there; of the caller's
 *	namespace's listeners, past and present, for anyone else
 * @flags: SYNCSOCK_STATS_F_*
 * @nr_stats: in: counters per row the caller reads; out: counters per row
 *	written (the smaller of that and the module's %SYNCSOCK_STAT_MAX)
 * @nr_rows: in: room in @values, in rows; out: rows written: 1 (the sum),
 *	plus nr_cpu_ids with SYNCSOCK_STATS_F_PER_CPU (row 1 + n is CPU n;
 *	a CPU that is not possible reads zero)
 * @values: pointer to __u64[@nr_rows][@nr_stats], indexed by
 *	&enum syncsock_stat
 * @reserved: zero
 */
struct syncsock_stats_get {
	__u32 id;
	__u32 flags;
	__u32 nr_stats;
	__u32 nr_rows;
	__u64 values;
	__u32 reserved[2];
};

/**
 * struct syncsock_handler_info - one registered handler
 * @name: its name
 * @module: the module providing it ("syncsock" for the built-in ones)
 * @nr_listeners: listeners using it now: in all namespaces for a caller in
 *	the initial network namespace with CAP_NET_ADMIN there, else in the
 *	caller's namespace
 * @reserved: zero
 */
struct syncsock_handler_info {
	char name[SYNCSOCK_NAME_MAX];
	char module[SYNCSOCK_MODULE_NAME_MAX];
	__u32 nr_listeners;
	__u32 reserved;
};

/**
 * struct syncsock_handler_list - the registered handlers
 * (SYNCSOCK_IOC_HANDLER_LIST)
 * @entries: pointer to an array of struct syncsock_handler_info
 * @count: in: room in @entries; out: entries written
 * @total: out: handlers there are (if more than @count: -ENOSPC)
 * @reserved: zero
 */
struct syncsock_handler_list {
	__u64 entries;
	__u32 count;
	__u32 total;
	__u32 reserved[2];
};

/* Flags of struct syncsock_pair_info. */
#define SYNCSOCK_PAIR_F_CONNECTING	_BITUL(0)  /* the outbound connect is pending */
#define SYNCSOCK_PAIR_F_PAUSED		_BITUL(1)  /* the client side does not read */
#define SYNCSOCK_PAIR_F_CLOSING		_BITUL(2)  /* one side is closing */

/**
 * struct syncsock_pair_info - two connections forwarding to each other (the
 * entries of SYNCSOCK_IOC_PAIR_LIST)
 * @listener: the listener both belong to
 * @flags: SYNCSOCK_PAIR_F_*
 * @client: the peer of the accepted connection (the client)
 * @local: the address the client connected to
 * @source: the local address of the outbound connection
 * @backend: the peer of the outbound connection (the backend)
 * @up_queued: bytes waiting in the outbound connection's send queue
 * @down_queued: bytes waiting in the accepted connection's send queue
 * @reserved: zero
 *
 * For a pair of two outbound connections, @client and @local are those of
 * the one opened first.
 */
struct syncsock_pair_info {
	__u32 listener;
	__u32 flags;
	struct syncsock_addr client;
	struct syncsock_addr local;
	struct syncsock_addr source;
	struct syncsock_addr backend;
	__u32 up_queued;
	__u32 down_queued;
	__u32 reserved[2];
};

/**
 * struct syncsock_pair_list - the pairs of the caller's namespace's
 * listeners (SYNCSOCK_IOC_PAIR_LIST)
 * @id: a listener of the caller's namespace, or 0 for all of them
 * @count: in: room in @entries; out: entries written (65536 at most)
 * @total: out: pairs there are (if more than @count: -ENOSPC)
 * @reserved0: zero
 * @entries: pointer to an array of struct syncsock_pair_info
 * @reserved: zero
 */
struct syncsock_pair_list {
	__u32 id;
	__u32 count;
	__u32 total;
	__u32 reserved0;
	__u64 entries;
	__u32 reserved[2];
};

#define SYNCSOCK_IOC_MAGIC		0xE7

#define SYNCSOCK_IOC_VERSION \
	_IOR(SYNCSOCK_IOC_MAGIC, 0x00, struct syncsock_version)
#define SYNCSOCK_IOC_LISTENER_ADD \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x01, struct syncsock_listener_add)
#define SYNCSOCK_IOC_LISTENER_DEL \
	_IOW(SYNCSOCK_IOC_MAGIC, 0x02, struct syncsock_listener_del)
#define SYNCSOCK_IOC_LISTENER_GET \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x03, struct syncsock_listener_info)
#define SYNCSOCK_IOC_LISTENER_LIST \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x04, struct syncsock_listener_list)
#define SYNCSOCK_IOC_STATS_GET \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x05, struct syncsock_stats_get)
#define SYNCSOCK_IOC_HANDLER_LIST \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x06, struct syncsock_handler_list)
#define SYNCSOCK_IOC_PAIR_LIST \
	_IOWR(SYNCSOCK_IOC_MAGIC, 0x07, struct syncsock_pair_list)

#endif /* _UAPI_LINUX_SYNCSOCK_H */
