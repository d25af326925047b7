// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: listeners.  A kernel listening socket per listener; its
 * sk_data_ready queues the accept work, which drains kernel_accept() and hands
 * each child to conn.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "internal.h"

DEFINE_SPINLOCK(syncsock_all_lock);
LIST_HEAD(syncsock_all);

/* Accepts taken in one run of the accept work before it yields. */
#define SYNCSOCK_ACCEPT_BATCH 64

/*
 * Context: softirq, the listening socket not locked (TCP runs a listener's
 * input without its lock; tcp_child_process() calls this with the new child
 * locked), or process context when a closing listener's children move
 * (inet_csk_listen_stop()).  Only RCU is needed here.  Children inherit this
 * callback until accept replaces it (sk_clone_lock copies it), and data that
 * reaches them before that must stay queued for the connection to read: leave
 * at once, without a lock, for anything that is not listening.
 * sk_user_data is not copied to children (SK_USER_DATA_NOCOPY).
 */
static void syncsock_listen_data_ready(struct sock *sk)
{
	struct syncsock_listener *lsn;

	if (sk->sk_state != TCP_LISTEN)
		return;

	rcu_read_lock();
	lsn = rcu_dereference_sk_user_data(sk);
	if (likely(lsn))	/* also brings a retry after -ENOMEM forward */
		mod_delayed_work(syncsock_wq, &lsn->accept_work, 0);
	rcu_read_unlock();
}

/* A connection's state; fail_function may fail it. */
static noinline __noclone struct syncsock_conn *syncsock_conn_alloc(void)
{
	return syncsock_conn_zalloc();
}
ALLOW_ERROR_INJECTION(syncsock_conn_alloc, NULL);

/*
 * Is a child waiting in the accept queue?  The lockless test that
 * inet_csk_accept() makes itself before it answers -EAGAIN: asked first, it
 * spares kernel_accept() the struct socket (and inode) it would allocate and
 * free for an empty queue.  A child queued after the test calls the
 * listener's sk_data_ready (tcp_child_process(), after
 * inet_csk_reqsk_queue_add()), which queues the accept work again.
 */
static bool syncsock_accept_pending(struct syncsock_listener *lsn)
{
	return !reqsk_queue_empty(&inet_csk(lsn->sock->sk)->icsk_accept_queue);
}

/* Context: process context (workqueue syncsock). */
static void syncsock_accept_work(struct work_struct *work)
{
	struct syncsock_listener *lsn =
		container_of(to_delayed_work(work), struct syncsock_listener, accept_work);
	struct syncsock_conn *conn;
	struct socket *newsock;
	int err;
	int i;

	for (i = 0; i < SYNCSOCK_ACCEPT_BATCH; i++) {
		if (!syncsock_accept_pending(lsn))
			return;
		/* The connection's memory first: without it, the child waits
		 * in the accept queue (as with TCP's backlog), not reset.
		 */
		conn = lsn->spare ?: syncsock_conn_alloc();
		lsn->spare = NULL;
		err = conn ? kernel_accept(lsn->sock, &newsock, O_NONBLOCK) : -ENOMEM;
		if (err) {
			lsn->spare = conn;
			/* Out of memory (for the struct socket too): the
			 * child waits, and no new connection may come to
			 * call us again.
			 */
			if (err == -ENOMEM || err == -ENFILE) {
				syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_NOMEM_RETRIES);
				queue_delayed_work(syncsock_wq, &lsn->accept_work,
						   SYNCSOCK_NOMEM_RETRY);
			}
			return;
		}
		syncsock_conn_create(lsn, newsock, conn);
	}
	/* More waiting: let other work run first. */
	if (syncsock_accept_pending(lsn))
		queue_delayed_work(syncsock_wq, &lsn->accept_work, 0);
}

static u16 syncsock_cfg_port(const struct syncsock_listener_cfg *cfg)
{
	return ntohs(cfg->addr.ss_family == AF_INET ?
		     ((const struct sockaddr_in *)&cfg->addr)->sin_port :
		     ((const struct sockaddr_in6 *)&cfg->addr)->sin6_port);
}

static bool syncsock_timeout_ok(u32 ms)
{
	return ms == SYNCSOCK_TIMEOUT_OFF || (ms && ms <= SYNCSOCK_TIMEOUT_MAX_MS);
}

static int syncsock_cfg_check(const struct syncsock_listener_cfg *cfg,
			      char *err, size_t err_len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&cfg->addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&cfg->addr;

	switch (cfg->addr.ss_family) {
	case AF_INET:
		if (!sin->sin_port)
			goto bad_port;
		break;
	case AF_INET6:
		if (!sin6->sin6_port)
			goto bad_port;
		break;
	default:
		snprintf(err, err_len, "address family %u is not supported (IPv4 or IPv6)",
			 cfg->addr.ss_family);
		return -EAFNOSUPPORT;
	}
	if (!cfg->backlog || cfg->backlog > 65535) {
		snprintf(err, err_len, "backlog %u is out of range (1-65535)", cfg->backlog);
		return -EINVAL;
	}
	if (!cfg->max_conns || cfg->max_conns > 1000000) {
		snprintf(err, err_len, "max_conns %u is out of range (1-1000000)",
			 cfg->max_conns);
		return -EINVAL;
	}
	if (!cfg->txq_limit || cfg->txq_limit > SYNCSOCK_MAX_TXQ_BYTES) {
		snprintf(err, err_len, "send queue limit %u is out of range (1-%u bytes)",
			 cfg->txq_limit, SYNCSOCK_MAX_TXQ_BYTES);
		return -EINVAL;
	}
	if (cfg->close_timeout_ms > 600000) {
		snprintf(err, err_len, "close timeout %u ms is out of range (0-600000)",
			 cfg->close_timeout_ms);
		return -EINVAL;
	}
	if (!syncsock_timeout_ok(cfg->idle_timeout_ms) ||
	    !syncsock_timeout_ok(cfg->msg_timeout_ms) ||
	    !syncsock_timeout_ok(cfg->user_timeout_ms)) {
		snprintf(err, err_len,
			 "timeouts are 1-%u ms or off (idle %u, msg %u, user %u)",
			 SYNCSOCK_TIMEOUT_MAX_MS, cfg->idle_timeout_ms, cfg->msg_timeout_ms,
			 cfg->user_timeout_ms);
		return -EINVAL;
	}
	if (strnlen(cfg->handler, sizeof(cfg->handler)) == sizeof(cfg->handler) ||
	    strnlen(cfg->config, sizeof(cfg->config)) == sizeof(cfg->config)) {
		snprintf(err, err_len, "handler name or configuration is not terminated");
		return -EINVAL;
	}
	return 0;

bad_port:
	snprintf(err, err_len, "port 0 is not allowed: give the port to listen on");
	return -EINVAL;
}

/**
 * syncsock_listener_put() - drop a reference to a listener
 * @lsn: the listener
 *
 * The last reference frees it, calling the handler's teardown.
 *
 * Context: process context, may sleep.
 */
void syncsock_listener_put(struct syncsock_listener *lsn)
{
	struct syncsock_net *sn;

	if (!refcount_dec_and_test(&lsn->ref))
		return;
	sn = syncsock_pernet(lsn->net);
	/* Everything that refers to the handler or the module's lists goes
	 * before the listener leaves the draining list: the wake below lets
	 * a namespace exit or the unload go on, and the unload then
	 * unregisters the built-in handlers.
	 */
	if (lsn->handler->teardown)
		lsn->handler->teardown(lsn->handler_priv);
	syncsock_handler_put(lsn->handler);
	spin_lock_bh(&syncsock_all_lock);
	list_del(&lsn->all_node);
	syncsock_stats_retire(lsn->stats, sn->retired);
	spin_unlock_bh(&syncsock_all_lock);
	free_percpu(lsn->stats);

	spin_lock_bh(&sn->draining_lock);
	list_del(&lsn->node);
	if (list_empty(&sn->draining))
		wake_up_all(&sn->drained);
	spin_unlock_bh(&sn->draining_lock);
	kfree(lsn);
}

/**
 * syncsock_conn_gone() - a connection of @lsn has been released
 * @lsn: its listener
 * @conn: the connection, already detached and closed
 *
 * Context: process context.
 */
void syncsock_conn_gone(struct syncsock_listener *lsn, struct syncsock_conn *conn)
{
	spin_lock_bh(&lsn->conns_lock);
	list_del(&conn->node);
	lsn->nconns--;
	spin_unlock_bh(&lsn->conns_lock);
	syncsock_listener_put(lsn);
}

/**
 * syncsock_listeners_using() - how many of a namespace's listeners use a
 *	handler
 * @net: the namespace
 * @h: the handler
 *
 * Context: any context that may take a spinlock.
 * Return: the count, draining listeners included.
 */
u32 syncsock_listeners_using(struct net *net, const struct syncsock_handler *h)
{
	struct syncsock_listener *lsn;
	u32 n = 0;

	spin_lock_bh(&syncsock_all_lock);
	list_for_each_entry(lsn, &syncsock_all, all_node)
		if (net_eq(lsn->net, net) && lsn->handler == h)
			n++;
	spin_unlock_bh(&syncsock_all_lock);
	return n;
}

/* Restore the listening socket's callbacks and close it. */
static void syncsock_listener_stop(struct syncsock_listener *lsn)
{
	struct sock *sk = lsn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = syncsock_defaults.data_ready;
	write_unlock_bh(&sk->sk_callback_lock);

	/* A hook that read sk_user_data before it was cleared may still queue
	 * the accept work; after a grace period none can.
	 */
	synchronize_rcu();
	cancel_delayed_work_sync(&lsn->accept_work);
	syncsock_conn_free(lsn->spare);
	lsn->spare = NULL;

	/* Children still in the accept queue are reset by the close. */
	sock_release(lsn->sock);
	lsn->sock = NULL;
}

/* Ask every connection of @lsn to close.  Context: any. */
static void syncsock_listener_close_conns(struct syncsock_listener *lsn,
					  enum syncsock_close_reason why, bool abort)
{
	struct syncsock_conn *conn;

	spin_lock_bh(&lsn->conns_lock);
	lsn->closing = true;
	lsn->close_reason = why;
	lsn->close_abort = abort;
	list_for_each_entry(conn, &lsn->conns, node)
		syncsock_conn_request_close(conn, why, abort);
	spin_unlock_bh(&lsn->conns_lock);
}

/* Move an active listener to the draining list; the caller holds sn->lock. */
static void syncsock_listener_retire(struct syncsock_net *sn,
				     struct syncsock_listener *lsn,
				     enum syncsock_close_reason why, bool abort)
{
	syncsock_listener_stop(lsn);
	syncsock_listener_close_conns(lsn, why, abort);
	spin_lock_bh(&sn->draining_lock);
	list_move_tail(&lsn->node, &sn->draining);
	lsn->deleted = true;
	spin_unlock_bh(&sn->draining_lock);
}

int syncsock_listener_set_framer(struct syncsock_listener *lsn,
				 const struct syncsock_framer_cfg *cfg)
{
	int ret = syncsock_framer_cfg_check(cfg);

	if (!ret)
		lsn->framer = *cfg;
	return ret;
}
EXPORT_SYMBOL_GPL(syncsock_listener_set_framer);

/**
 * syncsock_listener_add() - create a listener in a network namespace
 * @net: the namespace
 * @cfg: what to create
 * @id: set to the new listener's id
 * @err: message for the operator on failure
 * @err_len: size of @err
 *
 * Nothing is left behind on failure.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno (see Documentation/).
 */
int syncsock_listener_add(struct net *net, const struct syncsock_listener_cfg *cfg,
			  u32 *id, char *err, size_t err_len)
{
	struct syncsock_net *sn = syncsock_pernet(net);
	struct syncsock_listener *lsn;
	struct socket *sock;
	int addrlen;
	int ret;

	ret = syncsock_cfg_check(cfg, err, err_len);
	if (ret)
		return ret;

	/* Charged to the caller: a container's administrator adds them. */
	lsn = kzalloc(sizeof(*lsn), GFP_KERNEL_ACCOUNT);
	if (!lsn)
		return -ENOMEM;
	lsn->stats = alloc_percpu_gfp(struct syncsock_stats, GFP_KERNEL_ACCOUNT);
	if (!lsn->stats) {
		ret = -ENOMEM;
		goto out_free;
	}
	lsn->net = net;
	lsn->cfg = *cfg;
	INIT_DELAYED_WORK(&lsn->accept_work, syncsock_accept_work);
	spin_lock_init(&lsn->conns_lock);
	INIT_LIST_HEAD(&lsn->conns);
	INIT_LIST_HEAD(&lsn->node);
	refcount_set(&lsn->ref, 1);

	lsn->handler = syncsock_handler_get(cfg->handler);
	if (!lsn->handler) {
		snprintf(err, err_len, "no handler named '%s'", cfg->handler);
		ret = -ENOENT;
		goto out_stats;
	}
	if (lsn->handler->setup) {
		ret = lsn->handler->setup(lsn, cfg->config, &lsn->handler_priv,
					  err, err_len);
		if (ret) {
			if (!err[0])
				snprintf(err, err_len, "handler '%s' rejected its configuration",
					 cfg->handler);
			goto out_handler;
		}
	} else if (cfg->config[0]) {
		snprintf(err, err_len, "handler '%s' takes no configuration", cfg->handler);
		ret = -EINVAL;
		goto out_handler;
	}
	if (lsn->framer.type == SYNCSOCK_FRAMER_NONE ? !lsn->handler->data :
						       !lsn->handler->msg) {
		snprintf(err, err_len, "handler '%s' has no %s callback for its framing",
			 cfg->handler, lsn->framer.type ? "msg" : "data");
		ret = -EINVAL;
		goto out_setup;
	}

	ret = sock_create_kern(net, cfg->addr.ss_family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (ret) {
		snprintf(err, err_len, "cannot create the listening socket");
		goto out_setup;
	}
	/* These take the socket lock: before anything else holds it. */
	sock_set_reuseaddr(sock->sk);
	/* Set once here rather than on each child at accept, where each
	 * would take the child's socket lock: children inherit both
	 * (sk_clone_lock() copies the socket; inet_csk_clone_lock() and
	 * tcp_create_openreq_child() reset neither tp->nonagle nor
	 * icsk_user_timeout), and a listener sends nothing itself.
	 */
	tcp_sock_set_nodelay(sock->sk);
	if (cfg->user_timeout_ms != SYNCSOCK_TIMEOUT_OFF)
		tcp_sock_set_user_timeout(sock->sk, cfg->user_timeout_ms);
	if (cfg->flags & SYNCSOCK_LISTENER_F_FREEBIND)
		ip_sock_set_freebind(sock->sk);
	if (cfg->flags & SYNCSOCK_LISTENER_F_V6ONLY) {
		lock_sock(sock->sk);
		sock->sk->sk_ipv6only = true;
		release_sock(sock->sk);
	}

	addrlen = cfg->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						   sizeof(struct sockaddr_in6);
	ret = kernel_bind(sock, (struct sockaddr *)&cfg->addr, addrlen);
	if (ret) {
		if (ret == -EADDRINUSE)
			snprintf(err, err_len, "the address and port are already in use");
		else if (ret == -EADDRNOTAVAIL)
			snprintf(err, err_len,
				 "the address is not local to this network namespace (freebind allows it)");
		else if (ret == -EACCES)
			snprintf(err, err_len, "binding port %u needs CAP_NET_BIND_SERVICE",
				 syncsock_cfg_port(cfg));
		else
			snprintf(err, err_len, "cannot bind the listening socket");
		goto out_sock;
	}

	lsn->sock = sock;
	/* Hook before listen(): no connection can complete unseen. */
	write_lock_bh(&sock->sk->sk_callback_lock);
	__rcu_assign_sk_user_data_with_flags(sock->sk, lsn, SK_USER_DATA_NOCOPY);
	sock->sk->sk_data_ready = syncsock_listen_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);

	ret = kernel_listen(sock, cfg->backlog);
	if (ret) {
		snprintf(err, err_len, "listen() failed");
		syncsock_listener_stop(lsn);
		sock = NULL;
		goto out_setup;
	}

	mutex_lock(&sn->lock);
	if (sn->exiting) {
		mutex_unlock(&sn->lock);
		syncsock_listener_stop(lsn);
		snprintf(err, err_len, "the network namespace is going away");
		ret = -ENODEV;
		goto out_setup;
	}
	lsn->id = sn->next_id++;
	list_add_tail(&lsn->node, &sn->listeners);
	spin_lock_bh(&syncsock_all_lock);
	list_add_tail(&lsn->all_node, &syncsock_all);
	spin_unlock_bh(&syncsock_all_lock);
	*id = lsn->id;
	mutex_unlock(&sn->lock);
	return 0;

out_sock:
	sock_release(sock);
out_setup:
	if (lsn->handler->teardown)
		lsn->handler->teardown(lsn->handler_priv);
out_handler:
	syncsock_handler_put(lsn->handler);
out_stats:
	free_percpu(lsn->stats);
out_free:
	kfree(lsn);
	return ret;
}

/**
 * syncsock_listener_del() - delete a listener
 * @net: its namespace
 * @id: its id
 * @abort: reset its connections rather than closing them gracefully
 *
 * The port is free when this returns.  Graceful: each connection sends what
 * it has queued, then FIN; the listener's state lives on until the last one
 * is gone.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOENT if there is no such listener.
 */
int syncsock_listener_del(struct net *net, u32 id, bool abort)
{
	struct syncsock_net *sn = syncsock_pernet(net);
	struct syncsock_listener *lsn;

	mutex_lock(&sn->lock);
	list_for_each_entry(lsn, &sn->listeners, node) {
		if (lsn->id == id) {
			syncsock_listener_retire(sn, lsn, SYNCSOCK_CLOSE_LISTENER_DELETE,
						 abort);
			mutex_unlock(&sn->lock);
			syncsock_listener_put(lsn);
			return 0;
		}
	}
	mutex_unlock(&sn->lock);
	return -ENOENT;
}

static bool syncsock_draining_empty(struct syncsock_net *sn)
{
	bool empty;

	spin_lock_bh(&sn->draining_lock);
	empty = list_empty(&sn->draining);
	spin_unlock_bh(&sn->draining_lock);
	return empty;
}

/**
 * syncsock_listeners_close_all() - close every listener of a namespace
 * @net: the namespace, exiting or the module unloading
 * @why: the close reason given to the connections
 *
 * Resets every connection, including those of listeners deleted earlier and
 * still draining, and waits until all are freed.
 *
 * Context: process context, may sleep.
 */
void syncsock_listeners_close_all(struct net *net, enum syncsock_close_reason why)
{
	struct syncsock_net *sn = syncsock_pernet(net);
	struct syncsock_listener *lsn, *tmp;
	LIST_HEAD(reap);

	mutex_lock(&sn->lock);
	sn->exiting = true;
	list_for_each_entry_safe(lsn, tmp, &sn->listeners, node) {
		syncsock_listener_retire(sn, lsn, why, true);
		list_add_tail(&lsn->reap_node, &reap);
	}
	mutex_unlock(&sn->lock);

	/* Listeners deleted earlier may still be draining gracefully. */
	spin_lock_bh(&sn->draining_lock);
	list_for_each_entry(lsn, &sn->draining, node)
		syncsock_listener_close_conns(lsn, why, true);
	spin_unlock_bh(&sn->draining_lock);

	/* Drop the table's references of those retired above. */
	list_for_each_entry_safe(lsn, tmp, &reap, reap_node)
		syncsock_listener_put(lsn);

	wait_event(sn->drained, syncsock_draining_empty(sn));
}
