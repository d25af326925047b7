/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: structures and functions shared by the module's files.
 */
#ifndef _SYNCSOCK_INTERNAL_H
#define _SYNCSOCK_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <syncsock/syncsock.h>

#include "close.h"
#include "framer.h"
#include "mem.h"
#include "txq.h"

/* Per-CPU counters of one listener. */
struct syncsock_stats {
	u64 v[SYNCSOCK_STAT_MAX];
};

static inline void syncsock_stat_add(struct syncsock_stats __percpu *st,
				     enum syncsock_stat i, u64 n)
{
	this_cpu_add(st->v[i], n);
}

static inline void syncsock_stat_inc(struct syncsock_stats __percpu *st,
				     enum syncsock_stat i)
{
	this_cpu_inc(st->v[i]);
}

void syncsock_stats_sum(struct syncsock_stats __percpu *st, u64 *out);
void syncsock_stats_cpu(struct syncsock_stats __percpu *st, int cpu, u64 *out);
void syncsock_stats_retire(struct syncsock_stats __percpu *st,
			   struct syncsock_stats __percpu *net_retired);
void syncsock_stats_add(struct syncsock_stats __percpu *st, int cpu, u64 *out);
void syncsock_stats_module(int cpu, u64 *out);
void syncsock_stats_net(struct net *net, int cpu, u64 *out);

/* Limits and defaults of a listener. */
#define SYNCSOCK_DEFAULT_BACKLOG	128
#define SYNCSOCK_DEFAULT_MAX_CONNS	65536
#define SYNCSOCK_DEFAULT_TXQ_BYTES	(256 * 1024)
#define SYNCSOCK_MAX_TXQ_BYTES		(64 * 1024 * 1024)
#define SYNCSOCK_DEFAULT_CLOSE_TIMEOUT_MS 5000
/* A connection without progress for 5 minutes is closed (nginx keeps an idle
 * keep-alive connection 75 s, a stalled send 60 s); a framed message must be
 * whole 30 s after its first byte; unacknowledged data may wait 60 s.
 */
#define SYNCSOCK_DEFAULT_IDLE_TIMEOUT_MS 300000
#define SYNCSOCK_DEFAULT_MSG_TIMEOUT_MS	30000
#define SYNCSOCK_DEFAULT_USER_TIMEOUT_MS 60000
/* After an allocation failure, try again this much later (20 ms). */
#define SYNCSOCK_NOMEM_RETRY		(HZ / 50)

#define SYNCSOCK_VERSION		"0.1"

/**
 * struct syncsock_listener_cfg - what a listener is asked to be
 * @addr: local address and port (AF_INET or AF_INET6)
 * @backlog: listen() backlog
 * @max_conns: connections served at once; more are reset at accept
 * @txq_limit: bytes a connection may have queued for sending
 * @close_timeout_ms: how long a graceful close may wait for its queue
 * @idle_timeout_ms: close a connection without progress this long
 *	(%SYNCSOCK_TIMEOUT_OFF: never)
 * @msg_timeout_ms: reset a connection whose framed message is not whole this
 *	long after its first byte (%SYNCSOCK_TIMEOUT_OFF: never)
 * @user_timeout_ms: TCP_USER_TIMEOUT (%SYNCSOCK_TIMEOUT_OFF: TCP's own)
 * @flags: SYNCSOCK_LISTENER_F_* (uapi)
 * @handler: the handler's name
 * @config: the handler's configuration string
 */
struct syncsock_listener_cfg {
	struct sockaddr_storage addr;
	u32 backlog;
	u32 max_conns;
	u32 txq_limit;
	u32 close_timeout_ms;
	u32 idle_timeout_ms;
	u32 msg_timeout_ms;
	u32 user_timeout_ms;
	u32 flags;
	char handler[SYNCSOCK_NAME_MAX];
	char config[SYNCSOCK_CONFIG_MAX];
};

/* One network namespace's listeners. */
struct syncsock_net {
	struct mutex lock;		/* listeners, next_id, exiting */
	struct list_head listeners;	/* active listeners */
	u32 next_id;
	bool exiting;
	spinlock_t draining_lock;	/* draining */
	struct list_head draining;	/* deleted, connections still open */
	wait_queue_head_t drained;	/* draining became empty */
	/* Counters of this namespace's freed listeners (syncsock_all_lock). */
	struct syncsock_stats __percpu *retired;
};

struct syncsock_listener {
	struct list_head node;		/* in syncsock_net listeners or draining */
	struct list_head all_node;	/* in the module-wide list, for stats */
	struct list_head reap_node;	/* private to close_all */
	struct net *net;
	bool deleted;			/* moved to draining */
	u32 id;
	struct syncsock_listener_cfg cfg;
	struct syncsock_handler *handler;
	void *handler_priv;
	struct syncsock_framer_cfg framer;	/* set by the handler's setup */
	struct socket *sock;		/* NULL once deleted */
	struct delayed_work accept_work;
	struct syncsock_conn *spare;	/* the accept work's, for the next one */

	spinlock_t conns_lock;		/* conns, closing */
	struct list_head conns;
	u32 nconns;
	bool closing;
	enum syncsock_close_reason close_reason;
	bool close_abort;

	struct syncsock_stats __percpu *stats;
	refcount_t ref;			/* the table + one per connection */
};

struct syncsock_conn {
	struct socket *sock;
	struct sock *sk;
	struct syncsock_listener *lsn;
	struct list_head node;		/* in lsn->conns */
	unsigned long flags;
	enum syncsock_close_reason close_reason;
	unsigned long close_deadline;	/* jiffies, graceful close */

	struct syncsock_charge charge;	/* the txq's and framer's memory */
	struct syncsock_txq txq;	/* under the socket lock */
	spinlock_t txq_lock;		/* sends from outside the socket lock */
	bool flushing;			/* re-entry guard of the flush */
	bool in_rx;			/* syncsock_rx() is running: a flush
					 * within it must not read again
					 */
	bool rx_again;			/* ... but asks it to go on reading */
	bool in_send;			/* in TCP's send: TCP calls
					 * sk_write_space from its transmit
					 */
	bool send_again;		/* ... and did: flush after the send */
	bool in_write_space;		/* the handler's write_space runs */
	bool fwd_short;			/* a forward in the data callback took
					 * less than offered (the pair's queue
					 * full, or memory short): not a full
					 * queue of this one's own
					 */
	void *owner;			/* context holding the socket lock for
					 * us, see syncsock_ctx_token()
					 */

	void *priv;			/* handler's */
	/* The connection this one forwards to (syncsock_forward()), under
	 * the listener's conns_lock; readers take a use of it (see
	 * syncsock_pair_get()) under RCU.
	 */
	struct syncsock_conn __rcu *pair;
	atomic_t pair_users;		/* uses of this one by its pair */
	unsigned long connect_deadline;	/* jiffies, outbound while connecting */
	int connect_err;		/* an error kernel_connect() returned */
	struct syncsock_framer framer;	/* under the socket lock */
	unsigned long last_active;	/* jiffies of the last progress */
	unsigned long msg_start;	/* jiffies a partial message began, or 0 */
	u32 msg_gathered;		/* framer.gathered when it began */
	struct timer_list timer;	/* idle and message timeouts */
	struct delayed_work io_work;	/* delayed only to retry after -ENOMEM */
	struct delayed_work release_work;
	struct rcu_head rcu;
};

/* main.c */
extern struct workqueue_struct *syncsock_wq;
extern unsigned int syncsock_net_id;
struct syncsock_net *syncsock_pernet(struct net *net);

/* Default socket callbacks, captured from a fresh TCP socket at load. */
struct syncsock_sk_defaults {
	void (*data_ready)(struct sock *sk);
	void (*write_space)(struct sock *sk);
	void (*state_change)(struct sock *sk);
	void (*error_report)(struct sock *sk);
};

extern struct syncsock_sk_defaults syncsock_defaults;

/* handler.c */
struct syncsock_handler *syncsock_handler_get(const char *name);
void syncsock_handler_put(struct syncsock_handler *h);
int syncsock_handler_list(char *buf, size_t len);
u32 syncsock_handler_snapshot(struct syncsock_handler_info *infos, u32 room,
			      struct net *net);
int syncsock_builtin_handlers_init(void);
void syncsock_builtin_handlers_exit(void);

/* listener.c */
int syncsock_listener_add(struct net *net, const struct syncsock_listener_cfg *cfg,
			  u32 *id, char *err, size_t err_len);
int syncsock_listener_del(struct net *net, u32 id, bool abort);
void syncsock_listeners_close_all(struct net *net, enum syncsock_close_reason why);
void syncsock_listener_put(struct syncsock_listener *lsn);
void syncsock_conn_gone(struct syncsock_listener *lsn, struct syncsock_conn *conn);
u32 syncsock_listeners_using(struct net *net, const struct syncsock_handler *h);
extern spinlock_t syncsock_all_lock;
extern struct list_head syncsock_all;

/* conn.c */
int syncsock_conn_cache_init(void);
void syncsock_conn_cache_exit(void);
struct syncsock_conn *syncsock_conn_zalloc(void);
void syncsock_conn_free(struct syncsock_conn *conn);
int syncsock_conn_create(struct syncsock_listener *lsn, struct socket *sock,
			 struct syncsock_conn *conn);
void syncsock_conn_init(struct syncsock_conn *conn, struct syncsock_listener *lsn,
			struct socket *sock);
void syncsock_conn_attach(struct syncsock_conn *conn);
bool syncsock_conn_account(struct syncsock_listener *lsn);
void syncsock_conn_unaccount(struct syncsock_listener *lsn);
void syncsock_sk_addr(const struct sock *sk, bool peer, struct sockaddr_storage *ss);
void syncsock_conn_check_state(struct syncsock_conn *conn);
void syncsock_conn_kick(struct sock *sk);
void syncsock_conn_nomem_retry(struct syncsock_conn *conn);
void syncsock_conn_rx_later(struct syncsock_conn *conn, bool now);
void syncsock_conn_request_close(struct syncsock_conn *conn,
				 enum syncsock_close_reason why, bool abort);

/* pair.c */
void syncsock_connect_progress(struct syncsock_conn *conn);
void syncsock_pair_unlink(struct syncsock_conn *conn, bool abort);
void syncsock_pair_wake(struct syncsock_conn *conn);
bool syncsock_pair_rx_done(struct syncsock_conn *conn);
void syncsock_pair_tx_shut(struct syncsock_conn *conn);

/* timeout.c */
void syncsock_timeout_init(struct syncsock_conn *conn);
void syncsock_timeout_start(struct syncsock_conn *conn);
void syncsock_timeout_stop(struct syncsock_conn *conn);
void syncsock_timeout_msg(struct syncsock_conn *conn);

/* A connection made progress (bytes received or handed to TCP). */
static inline void syncsock_conn_active(struct syncsock_conn *conn)
{
	unsigned long now = jiffies;

	/* Once a jiffy at most: the line stays shared on the hot path. */
	if (READ_ONCE(conn->last_active) != now)
		WRITE_ONCE(conn->last_active, now);
}

/* rx.c */
void syncsock_data_ready(struct sock *sk);
void syncsock_rx(struct syncsock_conn *conn);
bool syncsock_skip_urgent(struct syncsock_conn *conn);

/* tx.c */
void *syncsock_ctx_token(void);
bool syncsock_conn_txq_empty(struct syncsock_conn *conn);
void syncsock_write_space(struct sock *sk);
void syncsock_tx_flush(struct syncsock_conn *conn);
void syncsock_tx_notify(struct syncsock_conn *conn);
void syncsock_conn_prepare_tx(struct sock *sk);
int syncsock_tx_skb_locked(struct syncsock_conn *conn, const struct sk_buff *skb,
			   unsigned int offset, size_t len, size_t *copied);
int syncsock_tx_queue_skb(struct syncsock_conn *conn, const struct sk_buff *skb,
			  unsigned int offset, size_t len, size_t *queued);
void syncsock_tx_init(void);
void syncsock_tx_exit(void);

/* control.c */
int syncsock_control_init(void);
void syncsock_control_exit(void);

/* handlers */
extern struct syncsock_handler syncsock_echo_handler;
extern struct syncsock_handler syncsock_discard_handler;
extern struct syncsock_handler syncsock_http_handler;
extern struct syncsock_handler syncsock_sockperf_handler;
extern struct syncsock_handler syncsock_proxy_handler;

/* Test-only knob: every forward takes the queued path (pair.c). */
extern bool syncsock_fwd_queue_only;

#endif /* _SYNCSOCK_INTERNAL_H */
