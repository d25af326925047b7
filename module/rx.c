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
#include "trace.h"

/* tcp_read_sock() passes in one syncsock_rx(), at most. */
#define SYNCSOCK_RX_PASSES 16

/*
 * A handler callback failed.  Where the socket itself failed first (a send
 * that met the peer's reset returns its errno, and a handler passes it on),
 * the close is the peer's, counted as such; otherwise it is the handler's.
 * Socket locked.
 */
static void syncsock_handler_failed(struct syncsock_conn *conn)
{
	struct sock *sk = conn->sk;

	if (READ_ONCE(sk->sk_err) || sk->sk_state == TCP_CLOSE) {
		syncsock_conn_check_state(conn);
		return;
	}
	syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_HANDLER_ERRORS);
	syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_HANDLER_ERROR, true);
}

/* The framer's delivery: one whole message to the handler. */
static int syncsock_deliver_msg(void *arg, const void *msg, size_t len)
{
	struct syncsock_conn *conn = arg;
	struct syncsock_listener *lsn = conn->lsn;
	int ret;

	ret = lsn->handler->msg(conn, msg, len);
	if (ret == -EAGAIN)
		return ret;
	if (ret)
		return ret;
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_MESSAGES);
	if (msg == conn->framer.buf)
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_MESSAGES_COPIED);
	return 0;
}

/* Bytes through the framer.  Return: bytes used, or a negative errno. */
static int syncsock_rx_framed(struct syncsock_conn *conn, const struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	size_t used;
	int ret;

	ret = syncsock_framer_feed(&conn->framer, skb, offset, len, syncsock_deliver_msg,
				   conn, &used);
	syncsock_timeout_msg(conn);
	if (!ret)
		return used;
	if (ret == -ENOMEM) {
		/* The rest stays in the receive queue until the retry. */
		set_bit(SYNCSOCK_CONN_NOMEM, &conn->flags);
		return used;
	}
	if (ret == -EMSGSIZE)
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_OVERSIZE, true);
	else if (ret == -EPROTO)
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_BAD_FRAME, true);
	return ret;
}

static int syncsock_recv_actor(read_descriptor_t *desc, struct sk_buff *skb,
			       unsigned int offset, size_t len)
{
	struct syncsock_conn *conn = desc->arg.data;
	struct syncsock_listener *lsn = conn->lsn;
	bool fwd_short = false;
	int used;

	/* tcp_read_sock() offers the rest of an skb again at once after a
	 * short return; desc->count only stops it between skbs.  Paused (or
	 * failed) in this pass: take nothing more, as strparser does.
	 */
	if (unlikely(!desc->count))
		return 0;

	/* After a close request the handler is done: input is dropped. */
	if (unlikely(test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))) {
		set_bit(SYNCSOCK_CONN_RX_DROPPED, &conn->flags);
		return len;
	}

	/* At delivery, before the handler runs (and maybe replies). */
	trace_syncsock_rx(conn->sk, lsn->id, TCP_SKB_CB(skb)->seq + offset, len, !in_task());
	if (lsn->framer.type) {
		used = syncsock_rx_framed(conn, skb, offset, len);
	} else {
		used = lsn->handler->data(conn, skb, offset, len);
		fwd_short = conn->fwd_short;
		conn->fwd_short = false;
	}
	if (unlikely(used < 0)) {
		if (!test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
			syncsock_handler_failed(conn);
		desc->count = 0;
		return 0;
	}
	if (WARN_ON_ONCE(used > len))
		used = len;
	if (used)
		syncsock_conn_active(conn);
	syncsock_stat_add(lsn->stats, SYNCSOCK_STAT_RX_BYTES, used);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_SEGMENTS);
	if (unlikely(used < len)) {
		/* The handler's send queue is full: read on once it drains.
		 * Not for a forward that took less (the pair's queue full:
		 * the pair's drain resumes this one, whatever this one's own
		 * queue holds; or memory short: the retry comes back).  By
		 * what the forward said, not by RX_PAUSED, which the pair's
		 * drain on another CPU may have cleared already.
		 */
		if (!fwd_short)
			set_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_RX_THROTTLED);
		desc->count = 0;
	}
	return used;
}

/**
 * syncsock_skip_urgent() - step over the urgent byte that stops reading
 * @conn: the connection
 *
 * tcp_read_sock() stops at the urgent pointer and never passes it, so one
 * MSG_OOB would stall the connection for good.  As tcp_recvmsg() does for a
 * socket without SO_OOBINLINE, the urgent byte is taken out of the stream:
 * the handler sees the bytes around it, joined (counted as rx_urgent).  The
 * skb that held it is freed by the next tcp_read_sock().
 *
 * Context: softirq or process context with the socket locked.
 * Return: true if a byte was skipped and reading can go on.
 */
bool syncsock_skip_urgent(struct syncsock_conn *conn)
{
	struct tcp_sock *tp = tcp_sk(conn->sk);
	u32 urg = READ_ONCE(tp->urg_data);

	if (likely(!urg))
		return false;
	/* Once the byte has arrived in order and all before it is read.  Not
	 * only when TCP_URG_VALID: a peer that sends the byte before the
	 * segment pointing at it leaves urg_data at TCP_URG_NOTYET for good,
	 * and tcp_recvmsg() steps over it all the same.
	 */
	if (tp->urg_seq != tp->copied_seq || !before(tp->urg_seq, tp->rcv_nxt))
		return false;
	WRITE_ONCE(tp->copied_seq, tp->copied_seq + 1);
	WRITE_ONCE(tp->urg_data, 0);
	tcp_fast_path_check(conn->sk);
	syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_RX_URGENT);
	return true;
}

/*
 * The end of a receive pass that may have left input to the handler: a
 * message it refused, or bytes it did not take.  @progress: the pass took
 * some input.
 */
static void syncsock_rx_held(struct syncsock_conn *conn, bool progress)
{
	/* A message the handler refused is offered again when the queue
	 * drains (syncsock_tx_flush()), even if no more data comes.
	 */
	if (conn->framer.pending && !test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
		set_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);

	/* A handler that left input without a full queue would wait forever
	 * for a drain that never comes: offer it again with the next data.
	 */
	if (test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags) &&
	    syncsock_conn_txq_empty(conn)) {
		clear_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);
		/* After the peer's FIN no more data comes: the FIN is the
		 * next event, and the io work offers the input again while
		 * the passes take some, and once more after a pass that took
		 * none (the FIN may have come in the data's own segment).
		 * Two passes in a row that take none end it:
		 * syncsock_conn_check_state() closes the connection.  (Short
		 * of memory, the retry below offers it again.)
		 */
		if ((conn->sk->sk_shutdown & RCV_SHUTDOWN) &&
		    !test_bit(SYNCSOCK_CONN_NOMEM, &conn->flags) &&
		    !test_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags) &&
		    !test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)) {
			bool again;

			if (progress) {
				clear_bit(SYNCSOCK_CONN_RX_FIN_OFFER, &conn->flags);
				again = true;
			} else {
				again = !test_and_set_bit(SYNCSOCK_CONN_RX_FIN_OFFER,
							  &conn->flags);
			}
			if (again)
				syncsock_conn_rx_later(conn, true);
		}
	}
	/* ... or, if memory ran short, after a delay (whichever is first). */
	syncsock_conn_nomem_retry(conn);
	syncsock_conn_check_state(conn);
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
	unsigned int passes = 0;
	bool progress = false;

	if (test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags) ||
	    unlikely(test_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags))) {
		/* Not reading (the queue is full, or the pair's connect or
		 * queue holds us), but a reset must still end the
		 * connection: its queue would never drain.
		 */
		syncsock_conn_check_state(conn);
		return;
	}

	syncsock_stat_inc(conn->lsn->stats, in_task() ? SYNCSOCK_STAT_RX_PROCESS :
						       SYNCSOCK_STAT_RX_SOFTIRQ);
	/* This pass offers whatever was held for a retry. */
	clear_bit(SYNCSOCK_CONN_RX_RETRY, &conn->flags);
	conn->owner = syncsock_ctx_token();
	/* The handler's callbacks run from here on (see syncsock_tx_notify()). */
	conn->in_rx = true;
	/* A message refused earlier goes first, even if no new data came. */
	if (conn->framer.pending &&
	    !test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)) {
		int ret = syncsock_framer_retry(&conn->framer, syncsock_deliver_msg, conn);

		if (ret == -EAGAIN) {
			conn->in_rx = false;
			conn->owner = prev;
			syncsock_rx_held(conn, false);
			return;
		}
		if (ret)
			syncsock_handler_failed(conn);
		else
			progress = true;
	}
	/* Again if a flush within the pass lifted a throttle (see
	 * syncsock_tx_flush()), a bounded number of times.
	 */
	do {
		conn->rx_again = false;
		desc.count = 1;
		if (tcp_read_sock(conn->sk, &desc, syncsock_recv_actor) > 0)
			progress = true;
		if (desc.count && syncsock_skip_urgent(conn))
			conn->rx_again = true;
	} while (conn->rx_again && !test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags) &&
		 ++passes < SYNCSOCK_RX_PASSES);
	if (conn->rx_again && passes == SYNCSOCK_RX_PASSES)
		syncsock_conn_rx_later(conn, true);	/* the rest */
	conn->rx_again = false;
	conn->in_rx = false;
	/* A send in the pass drained the queue after a refusal: the handler
	 * hears it now that its callback has returned (its sends from there
	 * are still the owner's).
	 */
	if (unlikely(test_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags)) &&
	    syncsock_conn_txq_empty(conn))
		syncsock_tx_notify(conn);
	conn->owner = prev;
	syncsock_rx_held(conn, progress);
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
