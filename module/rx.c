// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: receive.  sk_data_ready consumes the data right there, in the
 * softirq that queued it, with tcp_read_sock(): the kernel advances
 * copied_seq, frees the skbs, tunes the receive buffer and sends the window
 * update.  When a process owns the socket, the pass is deferred to the
 * connection's work.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "internal.h"

static int syncsock_recv_actor(read_descriptor_t *desc, struct sk_buff *skb,
			       unsigned int offset, size_t len)
{
	struct syncsock_conn *conn = desc->arg.data;
	struct syncsock_listener *lsn = conn->lsn;
	int used;

	/* After a close request the handler is done: input is dropped. */
	if (unlikely(test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)))
		return len;

	used = lsn->handler->data(conn, skb, offset, len);
	if (unlikely(used < 0)) {
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_HANDLER_ERRORS);
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_HANDLER_ERROR, true);
		desc->count = 0;
		return 0;
	}
	if (WARN_ON_ONCE(used > len))
		used = len;
	syncsock_stat_add(lsn->stats, SYNCSOCK_STAT_RX_BYTES, used);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_SEGMENTS);
	if (unlikely(used < len)) {
		/* The handler's send queue is full: read on once it drains. */
		set_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_THROTTLED);
		desc->count = 0;
	}
	return used;
}

/**
 * syncsock_rx() - deliver what the socket has received to the handler
 * @conn: the connection
 *
 * Context: softirq or process context with the socket locked.
 */
void syncsock_rx(struct syncsock_conn *conn)
{
	read_descriptor_t desc = { .arg.data = conn, .count = 1 };
	void *prev = conn->owner;

	if (test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags))
		return;

	syncsock_stat_inc(conn->lsn->stats, in_task() ? SYNCSOCK_STAT_RX_PROCESS :
						       SYNCSOCK_STAT_RX_SOFTIRQ);
	conn->owner = syncsock_ctx_token();
	tcp_read_sock(conn->sk, &desc, syncsock_recv_actor);
	conn->owner = prev;

	/* A handler that left bytes without a full queue would wait forever
	 * for a drain that never comes: offer them again with the next data.
	 */
	if (test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags) &&
	    syncsock_conn_txq_empty(conn))
		clear_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);
	syncsock_conn_check_state(conn);
}

/**
 * syncsock_data_ready() - the connection's sk_data_ready
 * @sk: the socket
 *
 * Context: softirq with the socket locked (bh_lock_sock), or process
 * context from release_sock() while a process owns the socket.
 */
void syncsock_data_ready(struct sock *sk)
{
	struct syncsock_conn *conn;

	rcu_read_lock();
	conn = rcu_dereference_sk_user_data(sk);
	if (unlikely(!conn)) {
		rcu_read_unlock();
		syncsock_defaults.data_ready(sk);
		return;
	}
	if (unlikely(sock_owned_by_user_nocheck(sk))) {
		syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_RX_DEFERRED);
		rcu_read_unlock();
		syncsock_conn_kick(sk);
		return;
	}
	syncsock_rx(conn);
	rcu_read_unlock();
}
