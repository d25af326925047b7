// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: connections.  Set-up after accept, the state and error callbacks,
 * the process-context work and the release that ends every connection.
 *
 * Lifetime: a connection is created by the accept work, published in
 * sk_user_data, and released by its release work, which is the only place
 * that detaches the callbacks, calls the handler's close callback (so exactly
 * once) and frees it (after an RCU grace period).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "internal.h"
#include "trace.h"

/* struct syncsock_conn: a cache sized to it, no rounding up to a kmalloc size. */
static struct kmem_cache *syncsock_conn_cache;

/**
 * syncsock_conn_cache_init() - create the connections' slab cache
 *
 * Context: process context, module load.
 * Return: 0 or -ENOMEM.
 */
int syncsock_conn_cache_init(void)
{
	syncsock_conn_cache = KMEM_CACHE(syncsock_conn, 0);
	return syncsock_conn_cache ? 0 : -ENOMEM;
}

/**
 * syncsock_conn_cache_exit() - destroy the connections' slab cache
 *
 * Connections are freed after an RCU grace period (call_rcu()): waits for
 * those still pending.  6.1 has no kvfree_rcu_barrier(), which kfree_rcu()
 * into a cache of our own would need.
 *
 * Context: process context, module unload, every connection released.
 */
void syncsock_conn_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(syncsock_conn_cache);
}

/**
 * syncsock_conn_zalloc() - a zeroed connection
 *
 * Context: process context, may sleep.
 * Return: the connection, or NULL.
 */
struct syncsock_conn *syncsock_conn_zalloc(void)
{
	return kmem_cache_zalloc(syncsock_conn_cache, GFP_KERNEL);
}

/**
 * syncsock_conn_free() - free a connection no reader can see
 * @conn: the connection, or NULL
 *
 * Context: any context.
 */
void syncsock_conn_free(struct syncsock_conn *conn)
{
	if (conn)
		kmem_cache_free(syncsock_conn_cache, conn);
}

static void syncsock_conn_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(syncsock_conn_cache, container_of(head, struct syncsock_conn, rcu));
}

/*
 * Free a connection refused in its accept callback, after
 * syncsock_pair_unlink(): a pair may have read its pointer under RCU just
 * before, so a paired one waits for a grace period, as a released one does.
 */
static void syncsock_conn_free_unpaired(struct syncsock_conn *conn)
{
	if (test_bit(SYNCSOCK_CONN_PAIRED, &conn->flags))
		call_rcu(&conn->rcu, syncsock_conn_free_rcu);
	else
		syncsock_conn_free(conn);
}

/*
 * Queue the connection's work from a socket callback: the release of a
 * lingering close, else the io work if @io.  Under sk_callback_lock, and only
 * while sk_user_data still points to @conn: once the release has detached
 * the connection under the write lock, nothing can queue its work again, so
 * the cancel that follows is final.
 */
static void syncsock_conn_queue(struct sock *sk, bool io)
{
	struct syncsock_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	rcu_read_lock();
	conn = rcu_dereference_sk_user_data(sk);
	if (conn) {
		/* A lingering close waits for the peer's FIN or an error. */
		if (test_bit(SYNCSOCK_CONN_LINGER, &conn->flags))
			mod_delayed_work(syncsock_wq, &conn->release_work, 0);
		else if (io)
			mod_delayed_work(syncsock_wq, &conn->io_work, 0);
	}
	rcu_read_unlock();
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Context: softirq or process context. */
void syncsock_conn_kick(struct sock *sk)
{
	syncsock_conn_queue(sk, true);
}

/* Context: softirq or process context, socket locked. */
static void syncsock_state_change(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		/* An outbound connection's connect is done. */
		syncsock_conn_kick(sk);
		break;
	case TCP_CLOSE_WAIT:
		/* The peer's FIN.  tcp_fin() calls us from tcp_data_queue(),
		 * which then calls sk_data_ready (tcp_data_ready(): SOCK_DONE
		 * is set).  With no process owning the socket, that receive
		 * pass runs right there, reads up to the FIN and requests the
		 * close: the io work would only repeat it.
		 */
		if (!sock_owned_by_user_nocheck(sk)) {
			syncsock_conn_queue(sk, false);
			break;
		}
		fallthrough;
	case TCP_CLOSE:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		syncsock_conn_kick(sk);
		break;
	default:
		break;
	}
}

/* Context: softirq or process context, socket locked. */
static void syncsock_error_report(struct sock *sk)
{
	syncsock_conn_kick(sk);
}

/**
 * syncsock_conn_check_state() - close a connection the peer has finished
 * @conn: the connection
 *
 * After a FIN, once every byte before it was delivered, the close is
 * graceful (queued replies go first); after a reset or error it is an abort.
 * Bytes the handler left after the FIN, with nothing to offer them again
 * (its send queue is empty: no drain will come, nor more data), are dropped
 * by the graceful close (see syncsock_conn_linger()).
 *
 * Context: softirq or process context, socket locked, after a receive pass
 * (what the receive queue holds is what the handler left).
 */
void syncsock_conn_check_state(struct syncsock_conn *conn)
{
	struct sock *sk = conn->sk;
	bool held = !skb_queue_empty_lockless(&sk->sk_receive_queue) || conn->framer.pending;
	bool retry = test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags) ||
		     test_bit(SYNCSOCK_CONN_RX_RETRY, &conn->flags) ||
		     test_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags);
	bool closed;

	/* A connect that fails is told by the io work (connected). */
	if (unlikely(test_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags)))
		return;
	closed = sk->sk_state == TCP_CLOSE;
	/* A pair's connection that sent its FIN first: the peer's FIN ends
	 * it in TIME_WAIT, and the socket itself is closed.  No failure.
	 */
	if (closed && test_bit(SYNCSOCK_CONN_TX_SHUT, &conn->flags) &&
	    (sk->sk_shutdown & RCV_SHUTDOWN))
		closed = false;
	switch (syncsock_peer_state(READ_ONCE(sk->sk_err), closed,
				    sk->sk_shutdown & RCV_SHUTDOWN, held, retry)) {
	case SYNCSOCK_PEER_OPEN:
		break;
	case SYNCSOCK_PEER_UNREAD:
	case SYNCSOCK_PEER_FINISHED:
		/* Paired: the FIN goes on to the pair; this one closes once
		 * its own FIN has gone too.
		 */
		if (test_bit(SYNCSOCK_CONN_PAIRED, &conn->flags) && syncsock_pair_rx_done(conn))
			break;
		set_bit(SYNCSOCK_CONN_PEER_FIN, &conn->flags);
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PEER_FIN, false);
		break;
	case SYNCSOCK_PEER_RESET:
		set_bit(SYNCSOCK_CONN_ERROR, &conn->flags);
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_PEER_RESET, true);
		break;
	case SYNCSOCK_PEER_FAILED:
		set_bit(SYNCSOCK_CONN_ERROR, &conn->flags);
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_ERROR, true);
		break;
	}
}

/*
 * Process-context pass over a connection: data that was deferred because a
 * process owned the socket; queued sends; and the peer's FIN or an error.
 * (What arrived before the accept gets the same pass from
 * syncsock_conn_create().)
 */
static void syncsock_io_work(struct work_struct *work)
{
	struct syncsock_conn *conn =
		container_of(to_delayed_work(work), struct syncsock_conn, io_work);
	struct sock *sk = conn->sk;
	bool shut = false;

	/* Unlocked: the handler's connected callback may open another. */
	if (unlikely(test_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags)))
		syncsock_connect_progress(conn);
	lock_sock(sk);
	if (!test_bit(SYNCSOCK_CONN_DETACHED, &conn->flags)) {
		syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_WORK_RUNS);
		syncsock_rx(conn);
		syncsock_tx_flush(conn);
		/* The pair's peer finished, and all it sent has gone. */
		shut = test_bit(SYNCSOCK_CONN_TX_SHUT_PENDING, &conn->flags) &&
		       !test_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags) &&
		       !test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags) &&
		       syncsock_conn_txq_empty(conn) &&
		       !test_and_set_bit(SYNCSOCK_CONN_TX_SHUT, &conn->flags);
	}
	release_sock(sk);
	/* Before the release: it cancels this work before sock_release(). */
	if (shut)
		syncsock_pair_tx_shut(conn);
}

/**
 * syncsock_conn_nomem_retry() - try again later what an allocation failure
 *	stopped
 * @conn: the connection
 *
 * When memory runs short, an allocation of ours (the send queue, the
 * framer's buffer) or TCP's (a new skb) fails, and no event may ever come to
 * retry: nothing is in flight, so no ACK brings sk_write_space, and a peer
 * waiting for its reply sends nothing more.  So, as TCP does for a process
 * waiting for memory, the io work comes back after a short delay to offer the
 * input again and flush the queue.  Nothing is dropped meanwhile: the input
 * stays in the receive queue (its window closes), replies in the send queue.
 *
 * Context: softirq or process context, socket locked, connection attached
 * (the release cancels the io work only after detaching).
 */
void syncsock_conn_nomem_retry(struct syncsock_conn *conn)
{
	/* Every receive pass and flush ends here: a plain read first, the
	 * atomic clear only when it is set.
	 */
	if (likely(!test_bit(SYNCSOCK_CONN_NOMEM, &conn->flags)) ||
	    !test_and_clear_bit(SYNCSOCK_CONN_NOMEM, &conn->flags))
		return;
	syncsock_stat_inc(conn->lsn->stats, SYNCSOCK_STAT_NOMEM_RETRIES);
	syncsock_conn_rx_later(conn, false);
}

/**
 * syncsock_conn_rx_later() - have the io work offer the input again
 * @conn: the connection
 * @now: at once; else after SYNCSOCK_NOMEM_RETRY (a memory retry)
 *
 * Every receive pass deferred to the io work goes through here: the peer's
 * FIN must not close the connection while input it will offer is held
 * (see syncsock_conn_check_state()).
 *
 * Context: softirq or process context, socket locked, connection attached.
 */
void syncsock_conn_rx_later(struct syncsock_conn *conn, bool now)
{
	set_bit(SYNCSOCK_CONN_RX_RETRY, &conn->flags);
	if (now)
		mod_delayed_work(syncsock_wq, &conn->io_work, 0);
	else	/* not mod_: an immediate run already queued stays so */
		queue_delayed_work(syncsock_wq, &conn->io_work, SYNCSOCK_NOMEM_RETRY);
}

/* Put the socket back as TCP made it.  Socket locked. */
static void syncsock_conn_detach(struct syncsock_conn *conn)
{
	struct sock *sk = conn->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = syncsock_defaults.data_ready;
	sk->sk_write_space = syncsock_defaults.write_space;
	sk->sk_state_change = syncsock_defaults.state_change;
	sk->sk_error_report = syncsock_defaults.error_report;
	set_bit(SYNCSOCK_CONN_DETACHED, &conn->flags);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Jiffies from now to @deadline, 0 once it has passed. */
static unsigned long syncsock_until(unsigned long deadline)
{
	unsigned long now = jiffies;

	return time_before(now, deadline) ? deadline - now : 0;
}

static int syncsock_discard_actor(read_descriptor_t *desc, struct sk_buff *skb,
				  unsigned int offset, size_t len)
{
	return len;
}

/*
 * A graceful close must not leave input unread: tcp_close() would answer it
 * with a reset, which throws away the replies still in flight (a response
 * to a request pipelined behind "Connection: close", say).  So the input is
 * read and dropped, and if the peer sent anything after the close request
 * (it may still be sending), the close lingers: our FIN goes out (after the
 * queued data), input is dropped as it comes, and the release waits for the
 * peer's FIN, an error or the close deadline.
 *
 * Context: process context, socket locked.
 * Return: 0 to release now, 1 to wait, 2 to wait after sending our FIN
 * (kernel_sock_shutdown(), without the socket lock).
 */
static int syncsock_conn_linger(struct syncsock_conn *conn)
{
	read_descriptor_t desc = { .arg.data = conn, .count = 1 };
	struct sock *sk = conn->sk;

	do {
		if (tcp_read_sock(sk, &desc, syncsock_discard_actor) > 0)
			set_bit(SYNCSOCK_CONN_RX_DROPPED, &conn->flags);
	} while (syncsock_skip_urgent(conn));
	if (!test_bit(SYNCSOCK_CONN_RX_DROPPED, &conn->flags) ||
	    (sk->sk_shutdown & RCV_SHUTDOWN) || sk->sk_state == TCP_CLOSE ||
	    READ_ONCE(sk->sk_err) || !time_before(jiffies, conn->close_deadline))
		return 0;
	if (test_and_set_bit(SYNCSOCK_CONN_LINGER, &conn->flags))
		return 1;
	/* From now on input is dropped where it arrives. */
	clear_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags);
	return 2;
}

static void syncsock_release_work(struct work_struct *work)
{
	struct syncsock_conn *conn =
		container_of(to_delayed_work(work), struct syncsock_conn, release_work);
	struct syncsock_listener *lsn = conn->lsn;
	struct sock *sk = conn->sk;
	enum syncsock_close_reason why;
	bool abort;
	int linger;

	lock_sock(sk);
	set_bit(SYNCSOCK_CONN_RELEASING, &conn->flags);
	abort = test_bit(SYNCSOCK_CONN_ABORT, &conn->flags);
	if (!abort)
		syncsock_tx_flush(conn);	/* graceful: queued data first */
	switch (syncsock_release_step(abort, syncsock_conn_txq_empty(conn),
				      READ_ONCE(sk->sk_err), jiffies,
				      conn->close_deadline)) {
	case SYNCSOCK_RELEASE_WAIT:
		/* The flush brings us forward when the queue empties; not
		 * mod_, which would push back a flush that did so already.
		 */
		clear_bit(SYNCSOCK_CONN_RELEASING, &conn->flags);
		release_sock(sk);
		queue_delayed_work(syncsock_wq, &conn->release_work,
				   syncsock_until(conn->close_deadline));
		return;
	case SYNCSOCK_RELEASE_TIMEOUT:
		conn->close_reason = SYNCSOCK_CLOSE_TIMEOUT;
		fallthrough;
	case SYNCSOCK_RELEASE_RESET:
		abort = true;
		break;
	case SYNCSOCK_RELEASE_CLOSE:
		linger = syncsock_conn_linger(conn);
		if (linger) {
			clear_bit(SYNCSOCK_CONN_RELEASING, &conn->flags);
			release_sock(sk);
			if (linger == 2)
				kernel_sock_shutdown(conn->sock, SHUT_WR);
			/* Likewise: the peer's FIN may have queued us already. */
			queue_delayed_work(syncsock_wq, &conn->release_work,
					   syncsock_until(conn->close_deadline));
			return;
		}
		break;
	}
	/* A graceful close leaves an orphan that must finish on its own,
	 * over a lossy link too; once the namespace is dying, reset instead.
	 */
	if (!abort && !syncsock_sk_hold_net(sk))
		abort = true;
	syncsock_conn_detach(conn);
	release_sock(sk);

	/* Nothing can queue it again (see syncsock_conn_queue()), but itself:
	 * the _sync cancel handles that.  Nor can the timer re-arm itself.
	 */
	cancel_delayed_work_sync(&conn->io_work);
	syncsock_timeout_stop(conn);
	/* The pair hears of it; no forward of its uses this one after. */
	syncsock_pair_unlink(conn, abort);

	why = conn->close_reason;
	trace_syncsock_close(sk, lsn->id, why, abort);
	if (lsn->handler->close)
		lsn->handler->close(conn, why);

	if (abort)
		sock_no_linger(sk);	/* close sends RST */
	syncsock_txq_purge(&conn->txq);
	syncsock_framer_release(&conn->framer);
	sock_release(conn->sock);

	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_CLOSED);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_CLOSE_BASE + why);
	syncsock_conn_gone(lsn, conn);
	/* Off the listener's list, nothing can find the connection any more;
	 * a close request that raced in before may have queued us again.
	 */
	cancel_delayed_work(&conn->release_work);
	/* Callbacks may still see it under rcu_read_lock(). */
	call_rcu(&conn->rcu, syncsock_conn_free_rcu);
}

/**
 * syncsock_conn_request_close() - start closing a connection
 * @conn: the connection
 * @why: the reason, recorded if this is the first request
 * @abort: reset rather than a graceful close; upgrades an earlier graceful
 *	request
 *
 * Context: any context.
 */
void syncsock_conn_request_close(struct syncsock_conn *conn,
				 enum syncsock_close_reason why, bool abort)
{
	unsigned long delay = msecs_to_jiffies(conn->lsn->cfg.close_timeout_ms);
	enum syncsock_close_action act;

	act = syncsock_close_request(&conn->flags, &conn->close_reason, why, abort,
				     syncsock_conn_txq_empty(conn));
	/* From the accept callback (or a context it started): the release
	 * must not run before the connection is attached, or it would free
	 * it under syncsock_conn_create().  That queues it (the flag, set
	 * above with a full barrier, and NEW, cleared there before it looks
	 * at the flag, leave no gap between them).
	 */
	if (test_bit(SYNCSOCK_CONN_NEW, &conn->flags))
		return;
	switch (act) {
	case SYNCSOCK_CLOSE_ACT_NONE:
		break;
	case SYNCSOCK_CLOSE_ACT_NOW:
		if (!conn->close_deadline)
			conn->close_deadline = jiffies + delay;
		mod_delayed_work(syncsock_wq, &conn->release_work, 0);
		break;
	case SYNCSOCK_CLOSE_ACT_DRAIN:
		/* syncsock_tx_flush() brings the release forward once the
		 * queue is empty; the deadline ends the wait otherwise.
		 */
		conn->close_deadline = jiffies + delay;
		mod_delayed_work(syncsock_wq, &conn->release_work, delay);
		break;
	}
}

/**
 * syncsock_close() - close a connection (see syncsock.h)
 * @conn: the connection
 * @abort: reset rather than close gracefully
 */
int syncsock_close(struct syncsock_conn *conn, bool abort)
{
	/* See syncsock_sendv(): not from hard IRQ, NMI or with IRQs off. */
	if (unlikely(in_hardirq() || in_nmi() || irqs_disabled()))
		return -EINVAL;
	syncsock_conn_request_close(conn, abort ? SYNCSOCK_CLOSE_HANDLER_ABORT :
				    SYNCSOCK_CLOSE_HANDLER, abort);
	return 0;
}
EXPORT_SYMBOL_GPL(syncsock_close);

void syncsock_conn_set_priv(struct syncsock_conn *conn, void *priv)
{
	conn->priv = priv;
}
EXPORT_SYMBOL_GPL(syncsock_conn_set_priv);

void *syncsock_conn_priv(const struct syncsock_conn *conn)
{
	return conn->priv;
}
EXPORT_SYMBOL_GPL(syncsock_conn_priv);

void *syncsock_conn_listener_priv(const struct syncsock_conn *conn)
{
	return conn->lsn->handler_priv;
}
EXPORT_SYMBOL_GPL(syncsock_conn_listener_priv);

void syncsock_framer_skip(struct syncsock_conn *conn, u64 bytes)
{
	conn->framer.skip += bytes;
}
EXPORT_SYMBOL_GPL(syncsock_framer_skip);

void syncsock_count(struct syncsock_conn *conn, unsigned int counter, u64 delta)
{
	if (WARN_ON_ONCE(counter > SYNCSOCK_STAT_APP3 - SYNCSOCK_STAT_APP0))
		return;
	syncsock_stat_add(conn->lsn->stats, SYNCSOCK_STAT_APP0 + counter, delta);
}
EXPORT_SYMBOL_GPL(syncsock_count);

/**
 * syncsock_sk_addr() - a socket's local or peer address
 * @sk: the socket
 * @peer: the peer's (else the local one)
 * @ss: filled as a struct sockaddr_in or sockaddr_in6
 *
 * Context: any context.
 */
void syncsock_sk_addr(const struct sock *sk, bool peer, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (sk->sk_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = peer ? sk->sk_v6_daddr : sk->sk_v6_rcv_saddr;
		sin6->sin6_port = peer ? sk->sk_dport : htons(sk->sk_num);
		sin6->sin6_scope_id = sk->sk_bound_dev_if;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = peer ? sk->sk_daddr : sk->sk_rcv_saddr;
		sin->sin_port = peer ? sk->sk_dport : htons(sk->sk_num);
	}
}

void syncsock_conn_peer(const struct syncsock_conn *conn, struct sockaddr_storage *addr)
{
	syncsock_sk_addr(conn->sk, true, addr);
}
EXPORT_SYMBOL_GPL(syncsock_conn_peer);

void syncsock_conn_local(const struct syncsock_conn *conn, struct sockaddr_storage *addr)
{
	syncsock_sk_addr(conn->sk, false, addr);
}
EXPORT_SYMBOL_GPL(syncsock_conn_local);

/* Refuse a child: reset it. */
static void syncsock_conn_reject(struct syncsock_listener *lsn, struct socket *sock)
{
	sock_no_linger(sock->sk);
	sock_release(sock);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_ACCEPT_REJECTED);
}

/*
 * Has another user taken the socket over?  A sockops program may have put
 * it into a sockmap on establishment (its psock lives in sk_user_data, its
 * callbacks in ours), or an upper layer protocol may own it.  Overwriting
 * either would corrupt them: refuse, as sk_psock_init() does (-EBUSY).
 * Context: sk_callback_lock held.
 */
static bool syncsock_sk_busy(struct sock *sk)
{
	/* A plain read, as sk_psock_init() makes: the lock is held. */
	return sk->sk_user_data || inet_csk(sk)->icsk_ulp_ops;
}

/**
 * syncsock_conn_account() - count a new connection against its listener
 * @lsn: the listener
 *
 * Takes a reference to @lsn for the connection.
 *
 * Context: any context.
 * Return: false if the listener is closing or at its max_conns.
 */
bool syncsock_conn_account(struct syncsock_listener *lsn)
{
	bool ok;

	spin_lock_bh(&lsn->conns_lock);
	ok = !lsn->closing && lsn->nconns < lsn->cfg.max_conns;
	if (ok) {
		lsn->nconns++;
		refcount_inc(&lsn->ref);
	}
	spin_unlock_bh(&lsn->conns_lock);
	return ok;
}

/**
 * syncsock_conn_unaccount() - undo syncsock_conn_account()
 * @lsn: the listener
 *
 * Context: process context, may sleep (the last reference frees @lsn).
 */
void syncsock_conn_unaccount(struct syncsock_listener *lsn)
{
	spin_lock_bh(&lsn->conns_lock);
	lsn->nconns--;
	spin_unlock_bh(&lsn->conns_lock);
	syncsock_listener_put(lsn);
}

/**
 * syncsock_conn_init() - set up a connection's state around its socket
 * @conn: zeroed memory
 * @lsn: its listener, already accounted
 * @sock: its socket
 *
 * Context: process context.
 */
void syncsock_conn_init(struct syncsock_conn *conn, struct syncsock_listener *lsn,
			struct socket *sock)
{
	conn->sock = sock;
	conn->sk = sock->sk;
	conn->lsn = lsn;
	INIT_LIST_HEAD(&conn->node);
	spin_lock_init(&conn->txq_lock);
	syncsock_txq_init(&conn->txq, lsn->cfg.txq_limit);
	syncsock_framer_init(&conn->framer, &lsn->framer);
	conn->charge.fn = syncsock_mem_charge_conn;
	conn->charge.arg = conn;
	conn->txq.charge = &conn->charge;
	conn->framer.charge = &conn->charge;
	INIT_DELAYED_WORK(&conn->io_work, syncsock_io_work);
	INIT_DELAYED_WORK(&conn->release_work, syncsock_release_work);
	syncsock_timeout_init(conn);
}

/* Publish @conn and install our callbacks.  sk_callback_lock held. */
static void syncsock_conn_attach_locked(struct syncsock_conn *conn)
{
	struct sock *sk = conn->sk;

	rcu_assign_sk_user_data(sk, conn);
	sk->sk_data_ready = syncsock_data_ready;
	sk->sk_write_space = syncsock_write_space;
	sk->sk_state_change = syncsock_state_change;
	sk->sk_error_report = syncsock_error_report;
}

/**
 * syncsock_conn_attach() - install our callbacks on a socket of our own
 * @conn: the connection
 *
 * For a socket no one else has seen (syncsock_connect()'s).
 *
 * Context: process context, socket locked.
 */
void syncsock_conn_attach(struct syncsock_conn *conn)
{
	write_lock_bh(&conn->sk->sk_callback_lock);
	syncsock_conn_attach_locked(conn);
	write_unlock_bh(&conn->sk->sk_callback_lock);
}

/**
 * syncsock_conn_create() - take over an accepted socket
 * @lsn: the listener it came from
 * @sock: the accepted socket; consumed whatever happens
 * @conn: zeroed memory for the connection, allocated before the accept (so
 *	that no connection is reset for want of it); consumed whatever happens
 *
 * Context: process context (the accept work), may sleep.
 * Return: 0, or a negative errno if the connection was refused and reset.
 */
int syncsock_conn_create(struct syncsock_listener *lsn, struct socket *sock,
			 struct syncsock_conn *conn)
{
	struct sock *sk = sock->sk;
	bool busy;
	int err;

	if (!syncsock_conn_account(lsn)) {
		syncsock_conn_free(conn);
		syncsock_conn_reject(lsn, sock);
		return -ECONNREFUSED;
	}

	read_lock_bh(&sk->sk_callback_lock);
	busy = syncsock_sk_busy(sk);
	read_unlock_bh(&sk->sk_callback_lock);
	if (busy) {
		syncsock_conn_free(conn);
		err = -EBUSY;
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_ACCEPT_BUSY);
		goto out_unaccount;
	}

	syncsock_conn_init(conn, lsn, sock);

	/* TCP_NODELAY and the user timeout come from the listener (see
	 * syncsock_listener_add()).  These are plain stores, without the
	 * lock: TCP may send an ACK on the child from softirq meanwhile, but
	 * of sk_allocation it only reads __GFP_MEMALLOC (sk_gfp_mask()),
	 * which neither value has, and nothing else of ours sends yet.
	 */
	syncsock_conn_prepare_tx(sk);

	if (lsn->handler->accept) {
		set_bit(SYNCSOCK_CONN_NEW, &conn->flags);
		err = lsn->handler->accept(conn);
		if (err) {
			/* A connection it opened for this one is closed. */
			syncsock_pair_unlink(conn, true);
			/* What it sent before refusing goes nowhere. */
			syncsock_txq_purge(&conn->txq);
			syncsock_framer_release(&conn->framer);
			syncsock_conn_free_unpaired(conn);
			goto out_unaccount;
		}
	}

	/* Under the socket lock, so that no callback (they are deferred to
	 * release_sock) and no release can see a half-made connection.
	 */
	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	if (unlikely(syncsock_sk_busy(sk))) {
		/* Taken over after the check above: the handler has accepted
		 * it, so it hears of the close; then the socket is reset.
		 */
		write_unlock_bh(&sk->sk_callback_lock);
		release_sock(sk);
		syncsock_pair_unlink(conn, true);
		if (lsn->handler->close)
			lsn->handler->close(conn, SYNCSOCK_CLOSE_ERROR);
		syncsock_txq_purge(&conn->txq);
		syncsock_framer_release(&conn->framer);
		syncsock_conn_free_unpaired(conn);
		syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_ACCEPT_BUSY);
		err = -EBUSY;
		goto out_unaccount;
	}
	syncsock_conn_attach_locked(conn);
	write_unlock_bh(&sk->sk_callback_lock);

	syncsock_timeout_start(conn);

	/* A close requested by the accept callback was only recorded. */
	clear_bit(SYNCSOCK_CONN_NEW, &conn->flags);
	/* Pairs with the full barrier of test_and_set_bit(CLOSING) in
	 * syncsock_close_request(): one side sees the other's bit.
	 */
	smp_mb__after_atomic();
	if (test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)) {
		conn->close_deadline = jiffies +
			msecs_to_jiffies(lsn->cfg.close_timeout_ms);
		mod_delayed_work(syncsock_wq, &conn->release_work, 0);
	}

	spin_lock_bh(&lsn->conns_lock);
	list_add_tail(&conn->node, &lsn->conns);
	if (lsn->closing)	/* the listener was deleted meanwhile */
		syncsock_conn_request_close(conn, lsn->close_reason, lsn->close_abort);
	spin_unlock_bh(&lsn->conns_lock);
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_ACCEPTED);
	trace_syncsock_accept(sk, lsn->id);
	/* Data, FIN or RST may have come before the callbacks were ours:
	 * the io work's pass, here, under the lock we hold (the handler's
	 * data callback runs in process context, as from the io work), and
	 * counted as the run of it that it replaces.  What comes now waits
	 * in the backlog; release_sock() processes it, and our callbacks
	 * defer it to the io work.  Once unlocked, the connection may be
	 * released (a delete, a reset) and freed.
	 */
	syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_WORK_RUNS);
	syncsock_rx(conn);
	syncsock_tx_flush(conn);
	/* A pair's FIN that came during the accept callback: the io work
	 * sends ours once the queue is empty.
	 */
	if (unlikely(test_bit(SYNCSOCK_CONN_TX_SHUT_PENDING, &conn->flags)))
		mod_delayed_work(syncsock_wq, &conn->io_work, 0);
	release_sock(sk);
	return 0;

out_unaccount:
	syncsock_conn_reject(lsn, sock);
	syncsock_conn_unaccount(lsn);
	return err;
}
