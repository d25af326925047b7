/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * syncsock: user-space ABI.
 *
 * Counter and close-reason numbers shared by the module, its control plane and
 * user-space tools.  New values are only ever appended.
 */
#ifndef _UAPI_LINUX_SYNCSOCK_H
#define _UAPI_LINUX_SYNCSOCK_H

#include <linux/types.h>

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
	SYNCSOCK_CLOSE_REASONS
};

/**
 * enum syncsock_stat - per-listener counters, kept per CPU
 * @SYNCSOCK_STAT_ACCEPTED: connections accepted and handed to the handler.
 * @SYNCSOCK_STAT_ACCEPT_REJECTED: connections refused (limit, memory, the
 *	handler's accept callback).
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
	SYNCSOCK_STAT_CLOSE_BASE,
	SYNCSOCK_STAT_MAX = SYNCSOCK_STAT_CLOSE_BASE + SYNCSOCK_CLOSE_REASONS
};

#endif /* _UAPI_LINUX_SYNCSOCK_H */
