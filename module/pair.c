// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: outbound connections, and forwarding between the two
 * connections of a pair.
 *
 * A handler opens a connection with syncsock_connect(), in process context:
 * a kernel socket of the listener's namespace, its connect started without
 * waiting.  The socket's callbacks are ours from then on, so the connection
 * lives as an accepted one does (receive, send queue, timeouts, release) and
 * belongs to the listener.  Until the connect is done it does not read or
 * send; its io work tells the handler (connected), and fails it at the
 * connect timeout.
 *
 * Two connections may be paired: a client and the backend opened for it.
 * syncsock_forward() then sends what one receives on the other, from the
 * softirq that received it when the other's socket lock is free at that
 * instant (a trylock: two CPUs forwarding each way between the same two
 * sockets must never wait for each other's lock), else through the other's
 * send queue and its own context.  A full queue stops the reading side,
 * whose window closes, until the queue drains.
 *
 * Lifetime: each connection's pair pointer is changed under the listener's
 * conns_lock.  A user of the pair (syncsock_pair_get()) counts itself in the
 * pair's pair_users and checks the pointer again; the release clears both
 * pointers, then waits for the count to fall to zero before it frees the
 * send queue and the socket.  The memory itself is freed after an RCU grace
 * period, so reading the pointer under rcu_read_lock() is safe.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <linux/wait_bit.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "internal.h"

bool syncsock_fwd_queue_only;
module_param_named(fwd_queue_only, syncsock_fwd_queue_only, bool, 0644);
MODULE_PARM_DESC(fwd_queue_only,
		 "Testing: forwards always queue for the pair's own context (default: N)");

static void syncsock_pair_put(struct syncsock_conn *p)
{
	if (atomic_dec_and_test(&p->pair_users))
		wake_up_var(&p->pair_users);
}

/*
 * The connection paired with @conn, kept from release until
 * syncsock_pair_put(), or NULL.  Context: any context.
 */
static struct syncsock_conn *syncsock_pair_get(struct syncsock_conn *conn)
{
	struct syncsock_conn *p;

	rcu_read_lock();
	p = rcu_dereference(conn->pair);
	if (p) {
		atomic_inc(&p->pair_users);
		/* Pairs with the barrier of syncsock_pair_unlink(): either it
		 * sees our use, or we see the pointer gone.
		 */
		smp_mb__after_atomic();
		if (rcu_access_pointer(conn->pair) != p) {
			syncsock_pair_put(p);
			p = NULL;
		}
	}
	rcu_read_unlock();
	return p;
}

/**
 * syncsock_pair_unlink() - part a connection from its pair, for good
 * @conn: the connection, being released (or refused at accept)
 * @abort: it is reset: so is the pair
 *
 * The pair is closed too, unless both directions had finished (its own
 * close follows then).  Returns once no forward of the pair uses @conn.
 *
 * Context: process context, may sleep, no socket locked.
 */
void syncsock_pair_unlink(struct syncsock_conn *conn, bool abort)
{
	struct syncsock_listener *lsn = conn->lsn;
	struct syncsock_conn *p;

	/* Always under the lock, even when not paired (yet): a link made
	 * meanwhile saw this one not closing, so it comes first and this
	 * finds it; or it comes after and sees CLOSING.
	 */
	spin_lock_bh(&lsn->conns_lock);
	p = rcu_dereference_protected(conn->pair, lockdep_is_held(&lsn->conns_lock));
	if (p) {
		bool done = test_bit(SYNCSOCK_CONN_PEER_FIN, &conn->flags) &&
			    test_bit(SYNCSOCK_CONN_TX_SHUT, &conn->flags);

		/* The close first (a full barrier): a forward of @p that
		 * finds the pointer gone finds @p closing too.  Under the
		 * lock: @p's release must unlink to free @p, and then finds
		 * the pointers cleared.
		 */
		if (abort || !done)
			syncsock_conn_request_close(p, SYNCSOCK_CLOSE_PAIR, abort);
		RCU_INIT_POINTER(conn->pair, NULL);
		if (rcu_access_pointer(p->pair) == conn)
			RCU_INIT_POINTER(p->pair, NULL);
	}
	spin_unlock_bh(&lsn->conns_lock);
	/* Pairs with syncsock_pair_get(). */
	smp_mb();
	wait_var_event(&conn->pair_users, !atomic_read(&conn->pair_users));
}

/*
 * Link @conn, new, with @from, or with @from's pair when @from is a failed
 * connect (retry).  The mate reads only once @conn is established.
 */
static int syncsock_pair_link(struct syncsock_conn *from, struct syncsock_conn *conn,
			      bool retry)
{
	struct syncsock_listener *lsn = from->lsn;
	struct syncsock_conn *mate;
	int err = 0;

	spin_lock_bh(&lsn->conns_lock);
	mate = from;
	if (retry) {
		mate = rcu_dereference_protected(from->pair,
						 lockdep_is_held(&lsn->conns_lock));
		if (!test_bit(SYNCSOCK_CONN_CONNECT_FAILED, &from->flags))
			err = -EINVAL;
		else if (!mate)
			err = -ESHUTDOWN;	/* the pair has gone meanwhile */
	} else if (rcu_access_pointer(from->pair)) {
		err = -EINVAL;
	}
	if (!err && (lsn->closing || test_bit(SYNCSOCK_CONN_CLOSING, &mate->flags) ||
		     test_bit(SYNCSOCK_CONN_RELEASING, &mate->flags)))
		err = -ESHUTDOWN;
	if (!err) {
		if (retry)
			RCU_INIT_POINTER(from->pair, NULL);
		set_bit(SYNCSOCK_CONN_PAIRED, &mate->flags);
		set_bit(SYNCSOCK_CONN_PAIRED, &conn->flags);
		set_bit(SYNCSOCK_CONN_RX_PAUSED, &mate->flags);
		set_bit(SYNCSOCK_CONN_WAKE_PAIR, &conn->flags);
		rcu_assign_pointer(conn->pair, mate);
		rcu_assign_pointer(mate->pair, conn);
	}
	spin_unlock_bh(&lsn->conns_lock);
	return err;
}

static int syncsock_connect_check(const struct syncsock_conn *from,
				  const struct sockaddr *addr, int addrlen,
				  u32 timeout_ms, unsigned int flags)
{
	if (!addr || !timeout_ms || timeout_ms > SYNCSOCK_TIMEOUT_MAX_MS ||
	    (flags & ~(SYNCSOCK_CONNECT_PAIR | SYNCSOCK_CONNECT_RETRY)) ||
	    flags == (SYNCSOCK_CONNECT_PAIR | SYNCSOCK_CONNECT_RETRY))
		return -EINVAL;
	/* Not from softirq or with interrupts off (the socket's creation
	 * may sleep; might_sleep() above catches a spinlock held), nor from
	 * within a callback of @from that holds its socket lock (the connect
	 * would take a second socket lock).
	 */
	if (!in_task() || irqs_disabled() || READ_ONCE(from->owner) == current)
		return -EINVAL;
	switch (addr->sa_family) {
	case AF_INET:
		if (addrlen < (int)sizeof(struct sockaddr_in) ||
		    !((const struct sockaddr_in *)addr)->sin_port)
			return -EINVAL;
		return 0;
	case AF_INET6:
		if (addrlen < (int)sizeof(struct sockaddr_in6) ||
		    !((const struct sockaddr_in6 *)addr)->sin6_port)
			return -EINVAL;
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

int syncsock_connect(struct syncsock_conn *from, const struct sockaddr *addr, int addrlen,
		     u32 timeout_ms, unsigned int flags, void *priv)
{
	struct syncsock_listener *lsn = from->lsn;
	struct syncsock_conn *conn;
	struct socket *sock;
	struct sock *sk;
	int err;

	might_sleep();
	err = syncsock_connect_check(from, addr, addrlen, timeout_ms, flags);
	if (err)
		return err;
	if (!syncsock_conn_account(lsn))
		return READ_ONCE(lsn->closing) ? -ESHUTDOWN : -ENOSPC;
	conn = syncsock_conn_zalloc();
	if (!conn) {
		err = -ENOMEM;
		goto out_unaccount;
	}
	err = sock_create_kern(lsn->net, addr->sa_family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		goto out_free;
	sk = sock->sk;
	tcp_sock_set_nodelay(sk);
	if (lsn->cfg.user_timeout_ms != SYNCSOCK_TIMEOUT_OFF)
		tcp_sock_set_user_timeout(sk, lsn->cfg.user_timeout_ms);
	syncsock_conn_init(conn, lsn, sock);
	conn->priv = priv;
	conn->connect_deadline = jiffies + msecs_to_jiffies(timeout_ms);
	/* Until it is set up, a close request is only recorded (as for an
	 * accepted connection in its accept callback).
	 */
	set_bit(SYNCSOCK_CONN_NEW, &conn->flags);
	set_bit(SYNCSOCK_CONN_OUTBOUND, &conn->flags);
	set_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags);
	set_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags);
	if (flags) {
		err = syncsock_pair_link(from, conn, flags & SYNCSOCK_CONNECT_RETRY);
		if (err)
			goto out_sock;
	}

	/* Nothing fails from here on: the io work tells the handler how the
	 * connect went, even if it failed at once.
	 */
	err = kernel_connect(sock, (struct sockaddr *)addr, addrlen, O_NONBLOCK);
	if (err && err != -EINPROGRESS)
		conn->connect_err = err;
	/* Atomic allocations once our callbacks may send from softirq. */
	syncsock_conn_prepare_tx(sk);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_CONNECTS);
	/* The rest under the socket lock: once NEW is cleared a close
	 * request queues the release, which cannot get past its own
	 * lock_sock() before we are done here.
	 */
	lock_sock(sk);
	syncsock_conn_attach(conn);
	syncsock_timeout_start(conn);
	spin_lock_bh(&lsn->conns_lock);
	list_add_tail(&conn->node, &lsn->conns);
	if (lsn->closing)
		syncsock_conn_request_close(conn, lsn->close_reason, lsn->close_abort);
	spin_unlock_bh(&lsn->conns_lock);
	/* The SYN-ACK may have come before our callbacks were installed. */
	mod_delayed_work(syncsock_wq, &conn->io_work, 0);

	clear_bit(SYNCSOCK_CONN_NEW, &conn->flags);
	/* See syncsock_conn_create(). */
	smp_mb__after_atomic();
	if (test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)) {
		conn->close_deadline = jiffies + msecs_to_jiffies(lsn->cfg.close_timeout_ms);
		mod_delayed_work(syncsock_wq, &conn->release_work, 0);
	}
	release_sock(sk);
	return 0;

out_sock:
	sock_release(sock);
out_free:
	syncsock_conn_free(conn);
out_unaccount:
	syncsock_conn_unaccount(lsn);
	return err;
}
EXPORT_SYMBOL_GPL(syncsock_connect);

static void syncsock_connect_count(struct syncsock_conn *conn, int err)
{
	enum syncsock_stat i;

	switch (err) {
	case -ECONNREFUSED:
		i = SYNCSOCK_STAT_CONNECT_REFUSED;
		break;
	case -ETIMEDOUT:
		i = SYNCSOCK_STAT_CONNECT_TIMEOUT;
		break;
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -EHOSTDOWN:
	case -ENETDOWN:
		i = SYNCSOCK_STAT_CONNECT_UNREACH;
		break;
	default:
		i = SYNCSOCK_STAT_CONNECT_ERRORS;
		break;
	}
	syncsock_stat_inc(conn->lsn->stats, i);
}

/**
 * syncsock_connect_progress() - tell the handler how a connect ended
 * @conn: an outbound connection, connecting
 *
 * Established: reading starts, and the pair's too.  Failed (or not
 * established by the connect timeout): the connection is reset, the pair
 * with it unless the handler's connected callback retries elsewhere.
 * Still in progress: the io work comes back at the deadline.
 *
 * Context: process context (the io work), no socket locked.
 */
void syncsock_connect_progress(struct syncsock_conn *conn)
{
	const struct syncsock_handler *h = conn->lsn->handler;
	struct sock *sk = conn->sk;
	int state = READ_ONCE(sk->sk_state);
	int err = conn->connect_err;

	/* Closing before it was told: the close callback says it all. */
	if (test_bit(SYNCSOCK_CONN_DETACHED, &conn->flags) ||
	    test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
		return;
	if (!err && state == TCP_SYN_SENT) {
		unsigned long now = jiffies;

		if (time_before(now, conn->connect_deadline)) {
			/* Not mod_: a kick queued meanwhile stays first. */
			queue_delayed_work(syncsock_wq, &conn->io_work,
					   conn->connect_deadline - now);
			return;
		}
		/* An ICMP error seen meanwhile says why better. */
		err = -(READ_ONCE(sk->sk_err_soft) ?: ETIMEDOUT);
	} else if (!err && state == TCP_CLOSE) {
		err = -(READ_ONCE(sk->sk_err) ?: ECONNREFUSED);
	}
	if (err) {
		clear_bit(SYNCSOCK_CONN_WAKE_PAIR, &conn->flags);
		set_bit(SYNCSOCK_CONN_CONNECT_FAILED, &conn->flags);
		syncsock_connect_count(conn, err);
		clear_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags);
		/* The release waits for this work before the close callback. */
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_CONNECT_FAILED, true);
		if (h->connected)
			h->connected(conn, err);
		return;
	}
	syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_CONNECTED);
	clear_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags);
	if (h->connected)
		h->connected(conn, 0);
	/* Only now: no data callback before connected.  The io work reads
	 * right after this.
	 */
	clear_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags);
	if (test_and_clear_bit(SYNCSOCK_CONN_WAKE_PAIR, &conn->flags))
		syncsock_pair_wake(conn);
}

/**
 * syncsock_pair_wake() - let the pair of @conn read again
 * @conn: a connection that is established, or whose send queue drained
 *
 * The pair's own io work offers it what it holds.
 *
 * Context: any context but hard interrupt.
 */
void syncsock_pair_wake(struct syncsock_conn *conn)
{
	struct syncsock_conn *p = syncsock_pair_get(conn);

	if (!p)
		return;
	/* The retry first: a FIN seen in between must not close it. */
	set_bit(SYNCSOCK_CONN_RX_RETRY, &p->flags);
	/* Not kicked while in its accept callback (sk_user_data is not ours
	 * yet): its set-up reads once attached, and sees the flag cleared
	 * (both sides full barriers).  Nothing once it is detached.
	 */
	if (test_and_clear_bit(SYNCSOCK_CONN_RX_PAUSED, &p->flags) &&
	    !test_bit(SYNCSOCK_CONN_NEW, &p->flags))
		syncsock_conn_kick(p->sk);
	syncsock_pair_put(p);
}

/**
 * syncsock_pair_rx_done() - a paired connection's peer has finished
 * @conn: the connection; every byte before the FIN was forwarded
 *
 * The pair sends its FIN once what it holds has gone.
 *
 * Context: softirq or process context, socket locked.
 * Return: true while this connection waits for its own FIN to go; false
 * when it may close.
 */
bool syncsock_pair_rx_done(struct syncsock_conn *conn)
{
	struct syncsock_conn *p;

	/* Full barrier: pairs with TX_SHUT in the io work. */
	if (!test_and_set_bit(SYNCSOCK_CONN_PEER_FIN, &conn->flags)) {
		p = syncsock_pair_get(conn);
		if (p) {
			/* In its accept callback: its set-up looks. */
			set_bit(SYNCSOCK_CONN_TX_SHUT_PENDING, &p->flags);
			if (!test_bit(SYNCSOCK_CONN_NEW, &p->flags))
				syncsock_conn_kick(p->sk);
			syncsock_pair_put(p);
		}
	}
	return !test_bit(SYNCSOCK_CONN_TX_SHUT, &conn->flags);
}

/**
 * syncsock_pair_tx_shut() - send our FIN after the pair's peer's
 * @conn: the connection, its send queue empty, TX_SHUT just set
 *
 * Context: process context (the io work), no socket locked.
 */
void syncsock_pair_tx_shut(struct syncsock_conn *conn)
{
	kernel_sock_shutdown(conn->sock, SHUT_WR);
	/* Both ways finished: close (TX_SHUT's test_and_set was a full
	 * barrier, pairing with syncsock_pair_rx_done()).
	 */
	if (test_bit(SYNCSOCK_CONN_PEER_FIN, &conn->flags))
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PEER_FIN, false);
}

/*
 * Send what can go of @len bytes of @skb on @to, whose lock we hold.
 * Return: bytes taken (sent, or queued behind bytes already queued), or a
 * negative errno of @to's socket.
 */
static int syncsock_forward_locked(struct syncsock_conn *conn, struct syncsock_conn *to,
				   const struct sk_buff *skb, unsigned int offset, size_t len,
				   size_t *inline_sent)
{
	struct syncsock_stats __percpu *st = conn->lsn->stats;
	void *prev = to->owner;
	size_t sent = 0, copied = 0, queued = 0;
	int n = 0;

	to->owner = syncsock_ctx_token();
	if (!to->flushing && syncsock_conn_txq_empty(to)) {
		n = syncsock_tx_skb_locked(to, skb, offset, len, &copied);
		if (n > 0) {
			sent = n;
			syncsock_stat_add(st, SYNCSOCK_STAT_FWD_SPLICED_BYTES, sent - copied);
			syncsock_stat_add(st, SYNCSOCK_STAT_FWD_COPIED_BYTES, copied);
			syncsock_stat_add(to->lsn->stats, SYNCSOCK_STAT_TX_INLINE_BYTES, sent);
			if (!in_task())
				syncsock_stat_add(to->lsn->stats,
						  SYNCSOCK_STAT_TX_INLINE_SOFTIRQ_BYTES, sent);
		}
	}
	if (n >= 0 && sent < len) {
		if (syncsock_tx_queue_skb(to, skb, offset + sent, len - sent, &queued))
			set_bit(SYNCSOCK_CONN_NOMEM, &conn->flags);
		syncsock_stat_add(st, SYNCSOCK_STAT_FWD_COPIED_BYTES, queued);
	}
	/* Room came while TCP sent, or bytes were queued: @to's own work
	 * flushes.  Not a flush here: it could run @to's receive pass (and
	 * its handler) nested within this one's.  Attached and locked by
	 * us: the release cancels the work after it detaches.
	 */
	if (to->send_again || queued) {
		to->send_again = false;
		mod_delayed_work(syncsock_wq, &to->io_work, 0);
	}
	to->owner = prev;
	*inline_sent = sent;
	return n < 0 ? n : sent + queued;
}

/*
 * With @to's spinlock taken (as a softirq holds it, bh_lock_sock()): the
 * forward, if no process owns @to and it is still ours to send on:
 * attached (not in its accept callback, not released) and not closing (a
 * lingering close has sent its FIN already).  Return: as
 * syncsock_forward_locked(), -EBUSY (queue instead), or -ESHUTDOWN (@to
 * is closing).
 */
static int syncsock_forward_held(struct syncsock_conn *conn, struct syncsock_conn *to,
				 const struct sk_buff *skb, unsigned int offset, size_t len,
				 size_t *inline_sent)
{
	if (sock_owned_by_user_nocheck(to->sk) || test_bit(SYNCSOCK_CONN_DETACHED, &to->flags) ||
	    test_bit(SYNCSOCK_CONN_NEW, &to->flags))
		return -EBUSY;
	if (test_bit(SYNCSOCK_CONN_CLOSING, &to->flags))
		return -ESHUTDOWN;
	return syncsock_forward_locked(conn, to, skb, offset, len, inline_sent);
}

/* The forward under @to's spinlock, if it is free.  Return: as above. */
static int syncsock_forward_trylock(struct syncsock_conn *conn, struct syncsock_conn *to,
				    const struct sk_buff *skb, unsigned int offset, size_t len,
				    size_t *inline_sent)
{
	spinlock_t *l = &to->sk->sk_lock.slock;
	int ret;

	if (!spin_trylock_bh(l))
		return -EBUSY;
	ret = syncsock_forward_held(conn, to, skb, offset, len, inline_sent);
	spin_unlock_bh(l);
	return ret;
}

int syncsock_forward(struct syncsock_conn *conn, const struct sk_buff *skb,
		     unsigned int offset, size_t len)
{
	struct syncsock_stats __percpu *st = conn->lsn->stats;
	struct syncsock_conn *to;
	size_t taken = 0, sent = 0;
	int ret;

	if (unlikely(!len))
		return 0;
	to = syncsock_pair_get(conn);
	if (unlikely(!to)) {
		if (!test_bit(SYNCSOCK_CONN_PAIRED, &conn->flags))
			return -ENOTCONN;
		/* The pair is gone: its release asked for this one's close
		 * too (an abort upgrades this request).
		 */
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PAIR, false);
		return -EPIPE;
	}
	if (unlikely(test_bit(SYNCSOCK_CONN_CLOSING, &to->flags) ||
		     test_bit(SYNCSOCK_CONN_TX_SHUT, &to->flags))) {
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PAIR,
					    test_bit(SYNCSOCK_CONN_ABORT, &to->flags));
		ret = -EPIPE;
		goto out;
	}
	/* Device memory (devmem TCP): no pages to send or copy. */
	if (unlikely(!syncsock_skb_readable(skb))) {
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_HANDLER_ERROR, true);
		ret = -EIO;
		goto out;
	}

	/* @to's lock without waiting for it: never wait for a second socket's
	 * lock while holding one's own.  With bottom halves off, as a softirq
	 * holds it (in softirq they are off already: the _bh is a count).
	 */
	ret = -EBUSY;
	if (!READ_ONCE(syncsock_fwd_queue_only) &&
	    !test_bit(SYNCSOCK_CONN_CONNECTING, &to->flags))
		ret = syncsock_forward_trylock(conn, to, skb, offset, len, &sent);
	if (ret != -EBUSY) {
		syncsock_stat_inc(st, sent ? SYNCSOCK_STAT_FWD_INLINE : SYNCSOCK_STAT_FWD_QUEUED);
		if (ret < 0) {
			/* The pair is closing, or its socket failed (its own
			 * callbacks close it): this one closes with it.
			 */
			syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PAIR,
						    ret != -ESHUTDOWN ||
						    test_bit(SYNCSOCK_CONN_ABORT, &to->flags));
			ret = -EPIPE;
			goto out;
		}
		taken = ret;
	} else {
		/* Busy: its own context sends (the io work, or the owner's
		 * release_sock(), which runs our callbacks).
		 */
		if (syncsock_tx_queue_skb(to, skb, offset, len, &taken))
			set_bit(SYNCSOCK_CONN_NOMEM, &conn->flags);
		syncsock_stat_inc(st, SYNCSOCK_STAT_FWD_QUEUED);
		syncsock_stat_add(st, SYNCSOCK_STAT_FWD_COPIED_BYTES, taken);
		/* In its accept callback, sk_user_data is not ours: its
		 * set-up flushes once attached.
		 */
		if (taken && !test_bit(SYNCSOCK_CONN_NEW, &to->flags))
			syncsock_conn_kick(to->sk);
	}

	if (taken < len && !test_bit(SYNCSOCK_CONN_NOMEM, &conn->flags)) {
		/* Full: read no more until the pair's queue drains. */
		set_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags);
		set_bit(SYNCSOCK_CONN_WAKE_PAIR, &to->flags);
		/* Pairs with the drain's test_and_clear: it drained before
		 * it could see the flag, or it wakes us.
		 */
		smp_mb__after_atomic();
		if (syncsock_conn_txq_empty(to) &&
		    test_and_clear_bit(SYNCSOCK_CONN_WAKE_PAIR, &to->flags)) {
			clear_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags);
			syncsock_conn_rx_later(conn, true);
		} else {
			syncsock_stat_inc(st, SYNCSOCK_STAT_FWD_PAUSED);
		}
	}
	syncsock_stat_add(st, test_bit(SYNCSOCK_CONN_OUTBOUND, &conn->flags) ?
			  SYNCSOCK_STAT_FWD_DOWN_BYTES : SYNCSOCK_STAT_FWD_UP_BYTES, taken);
	/* Short for the pair's sake, not for a queue of this one's own. */
	if (taken < len)
		conn->fwd_short = true;
	ret = taken;
out:
	syncsock_pair_put(to);
	return ret;
}
EXPORT_SYMBOL_GPL(syncsock_forward);
