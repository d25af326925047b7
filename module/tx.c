// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: send.  From the connection's own locked context with nothing
 * queued, syncsock_send() hands the bytes straight to TCP; what TCP cannot
 * take waits in the connection's queue, flushed in order from sk_write_space
 * or the connection's work.
 *
 * The bytes go to TCP in pages of the module's own, one page per CPU at a
 * time, shared by every connection as a user-space server's sockets share
 * their task's: copied into the page and spliced (MSG_SPLICE_PAGES), or on
 * kernels that still have it, handed over with tcp_sendpage_locked().
 * TCP's own copy would fill the socket's sk_frag (a socket that sends from
 * softirq cannot use the task's), and that 32 KiB page stays with the
 * socket until it is freed: 32 KiB for every idle connection that ever
 * answered.  A page of ours is held by the skbs that carry its bytes, until
 * the peer acknowledges them, and by its CPU while it has room.
 */
#include <linux/error-injection.h>
#include <linux/bvec.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "internal.h"
#include "trace.h"

static DEFINE_PER_CPU(u8, syncsock_softirq_token);

/* This CPU's page to send from, used with bottom halves off. */
struct syncsock_tx_frag {
	local_lock_t bh_lock;
	struct page_frag frag;
};

/* The locks are set up at load (syncsock_tx_init()): a static initializer
 * in module per-CPU data would leave lockdep's class unnamed, and keyed to
 * memory that is not freed with the module.
 */
static DEFINE_PER_CPU(struct syncsock_tx_frag, syncsock_tx_frag);

/* Pieces a TCP call takes at most: each up to the rest of a page. */
#define SYNCSOCK_TX_BATCH	8

/**
 * syncsock_ctx_token() - who is running
 *
 * The task in process context, this CPU's softirq in softirq context (which
 * cannot be preempted or migrated, and does not nest), nothing in hard
 * interrupt or NMI context.  A connection records the token of the context
 * that holds its socket lock for it, so that syncsock_send() can tell a call
 * from the connection's own callback from any other.
 *
 * Context: any context.
 * Return: the token, or NULL where no send may be inline.
 */
void *syncsock_ctx_token(void)
{
	if (in_task())
		return current;
	if (in_serving_softirq() && !in_hardirq() && !in_nmi())
		return this_cpu_ptr(&syncsock_softirq_token);
	return NULL;
}

/**
 * syncsock_conn_prepare_tx() - make a socket safe to send on from softirq
 * @sk: the socket
 *
 * Atomic allocations.  syncsock sends from page fragments of its own, never
 * through the socket's page frag; should TCP copy all the same (a route
 * without scatter-gather), it must not use the current task's.
 *
 * Context: process context, before the callbacks are installed.
 */
void syncsock_conn_prepare_tx(struct sock *sk)
{
	sk->sk_allocation = GFP_ATOMIC;
	syncsock_sk_no_task_frag(sk);
}

/*
 * Copy up to @len bytes from @from into this CPU's page, right after what
 * the page holds: consecutive sends are contiguous, so TCP can merge them
 * into one skb fragment.  The piece holds a page reference of its own, put
 * once TCP has taken what it wants.  A function of its own so that
 * fail_function can fail it.  Return: bytes copied, or -ENOMEM.
 */
static noinline __noclone int
syncsock_tx_copy(struct iov_iter *from, size_t len, struct bio_vec *bv)
{
	/* Atomic, and no emergency reserves for ordinary data. */
	const gfp_t gfp = GFP_ATOMIC | __GFP_NOWARN | __GFP_NOMEMALLOC;
	struct page_frag *pf;
	int n = -ENOMEM;

	local_bh_disable();
	syncsock_local_lock_nested_bh(&syncsock_tx_frag.bh_lock);
	pf = &this_cpu_ptr(&syncsock_tx_frag)->frag;
	if (skb_page_frag_refill(min_t(size_t, len, 32), pf, gfp)) {
		n = min_t(size_t, len, pf->size - pf->offset);
		/* A kvec does not fault: all of it. */
		n = copy_from_iter(page_address(pf->page) + pf->offset, n, from);
		bvec_set_page(bv, pf->page, n, pf->offset);
		get_page(pf->page);
		pf->offset += n;
	}
	syncsock_local_unlock_nested_bh(&syncsock_tx_frag.bh_lock);
	local_bh_enable();
	return n;
}
ALLOW_ERROR_INJECTION(syncsock_tx_copy, ERRNO);

/*
 * May a send that TCP has taken part of go on with another TCP call?  Not
 * once the socket has an error: TCP's send would consume sk_err
 * (sk_stream_error(), sock_error()), and it tells a peer's reset from other
 * failures at close (see syncsock_sendmsg_locked()).  Nor once the route
 * lost scatter-gather (a new route, IPsec without offload): TCP would copy
 * pages, on 6.1 through kmap(), which may sleep.
 */
static bool syncsock_tx_go_on(struct sock *sk)
{
	return !READ_ONCE(sk->sk_err) && (sk->sk_route_caps & NETIF_F_SG);
}

/*
 * Hand TCP @nr pieces, @len bytes in all, with @flags (MSG_DONTWAIT and the
 * like).  Return: bytes taken or a negative errno.  Nothing is left corked:
 * the last piece is sent without MSG_MORE.
 */
static int syncsock_tcp_send_pages(struct sock *sk, struct bio_vec *bv, unsigned int nr,
				   size_t len, int flags)
{
#ifdef SYNCSOCK_HAVE_TCP_SENDPAGE_LOCKED
	unsigned int i;
	int sent = 0;
	int n = 0;

	for (i = 0; i < nr; i++) {
		int f = flags;

		/* Each piece is a call of its own, and each may change the
		 * route (sk_setup_caps() from the transmit).
		 */
		if (i && !syncsock_tx_go_on(sk))
			break;
		if (i + 1 < nr)
			f |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
		n = tcp_sendpage_locked(sk, bv[i].bv_page, bv[i].bv_offset, bv[i].bv_len, f);
		if (n > 0)
			sent += n;
		if (n != (int)bv[i].bv_len)
			break;
	}
	return sent ? sent : n;
#else
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, nr, len);
	return tcp_sendmsg_locked(sk, &msg, len);
#endif
}

/*
 * TCP's send, a function of its own so that fail_function can fail it as
 * TCP short of memory does (-EAGAIN, nothing taken).  Socket locked.
 * Return: bytes TCP took, -EAGAIN for none (no room, or no memory to copy
 * into), or another negative errno.
 *
 * A route without scatter-gather cannot take pages: TCP would copy them
 * (6.1 through kmap(), which may sleep), so such a socket gets TCP's copy,
 * into its own page frag, directly.  A send that needs more than one TCP
 * call stops between them where syncsock_tx_go_on() says so; the caller
 * queues the rest.
 */
static noinline __noclone int
syncsock_tcp_sendmsg(struct sock *sk, const struct kvec *vec, size_t nr, size_t len)
{
	struct bio_vec bv[SYNCSOCK_TX_BATCH];
	struct iov_iter from;
	int sent = 0;
	int n = 0;

	if (unlikely(!(sk->sk_route_caps & NETIF_F_SG))) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };

		return kernel_sendmsg_locked(sk, &msg, (struct kvec *)vec, nr, len);
	}
	iov_iter_kvec(&from, ITER_SOURCE, vec, nr, len);
	while ((size_t)sent < len) {
		size_t batch = 0;
		unsigned int i, k = 0;

		if (sent && !syncsock_tx_go_on(sk))
			break;
		while (k < SYNCSOCK_TX_BATCH && sent + batch < len) {
			size_t want = len - sent - batch;
			int c = syncsock_tx_copy(&from, want, &bv[k]);

			/* More than asked for: only an injected fault could
			 * say so, and then no piece was made.
			 */
			if (c <= 0 || c > want)
				break;
			batch += c;
			k++;
		}
		if (!k) {
			n = -EAGAIN;
			break;
		}
		/* Our own pages: no one else writes to them. */
		n = syncsock_tcp_send_pages(sk, bv, k, batch, MSG_DONTWAIT | MSG_NOSIGNAL |
					    MSG_NO_SHARED_FRAGS);
		/* TCP holds references of its own on what it took. */
		for (i = 0; i < k; i++)
			put_page(bv[i].bv_page);
		if (n > 0)
			sent += n;
		/* Short: what TCP did not take, the caller queues from @vec. */
		if (n != (int)batch)
			break;
	}
	return sent ? sent : n;
}
ALLOW_ERROR_INJECTION(syncsock_tcp_sendmsg, ERRNO);

/* Pieces one forward hands TCP per call, at most. */
#define SYNCSOCK_FWD_BATCH	16

/* An skb's bytes as pieces for TCP: the received pages, or copies. */
struct syncsock_fwd_vec {
	struct bio_vec bv[SYNCSOCK_FWD_BATCH];
	unsigned int nr;
	u32 copied_mask;	/* pieces that hold a page reference of ours */
	size_t len;
	size_t copied;		/* bytes in copied pieces */
};

/*
 * Copy @len bytes of @skb at @offset into this CPU's page (as
 * syncsock_tx_copy() does), as many pieces as it takes.  Return: false when
 * memory ran short or no piece is left.
 */
static bool syncsock_fwd_copy(struct syncsock_fwd_vec *v, const struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	const gfp_t gfp = GFP_ATOMIC | __GFP_NOWARN | __GFP_NOMEMALLOC;

	while (len && v->nr < SYNCSOCK_FWD_BATCH) {
		struct page_frag *pf;
		size_t n = 0;

		local_bh_disable();
		syncsock_local_lock_nested_bh(&syncsock_tx_frag.bh_lock);
		pf = &this_cpu_ptr(&syncsock_tx_frag)->frag;
		if (skb_page_frag_refill(min_t(size_t, len, 32), pf, gfp)) {
			n = min_t(size_t, len, pf->size - pf->offset);
			/* Within the skb: the caller checked the range. */
			if (skb_copy_bits(skb, offset, page_address(pf->page) + pf->offset, n)) {
				n = 0;
			} else {
				bvec_set_page(&v->bv[v->nr], pf->page, n, pf->offset);
				get_page(pf->page);
				pf->offset += n;
			}
		}
		syncsock_local_unlock_nested_bh(&syncsock_tx_frag.bh_lock);
		local_bh_enable();
		if (!n)
			return false;
		v->copied_mask |= BIT(v->nr);
		v->nr++;
		v->len += n;
		v->copied += n;
		offset += n;
		len -= n;
	}
	return !len;
}

/*
 * Pieces for @len bytes of @skb from @offset on: the page fragments as they
 * are (TCP takes references of its own), the linear head copied (it may be
 * kmalloc memory, which TCP must not hold: sendpage_ok() refuses it), as is
 * a fragment in a page TCP may not take.  Stops when the pieces run out.
 * Return: false if a copy failed for want of memory.
 */
static bool syncsock_fwd_fill(struct syncsock_fwd_vec *v, const struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	unsigned int pos = skb_headlen(skb);
	const struct sk_buff *frag;
	/* A spliced fragment keeps its whole receive buffer until the peer
	 * acknowledges it, while TCP charges the socket only the bytes:
	 * splice only an skb whose buffers are mostly its bytes, so that a
	 * peer sending small segments into large buffers cannot make a
	 * pair hold many times what its send buffer says.
	 */
	bool splice = skb->len >= skb->truesize / 2;
	int i;

	if (offset < pos) {
		size_t n = min_t(size_t, len, pos - offset);

		if (!syncsock_fwd_copy(v, skb, offset, n))
			return v->nr == SYNCSOCK_FWD_BATCH;
		offset += n;
		len -= n;
	}
	for (i = 0; len && i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];
		unsigned int size = skb_frag_size(f);
		struct page *page = skb_frag_page(f);
		size_t n;

		if (offset >= pos + size) {
			pos += size;
			continue;
		}
		if (v->nr == SYNCSOCK_FWD_BATCH)
			return true;
		n = min_t(size_t, len, pos + size - offset);
		if (splice && sendpage_ok(page)) {
			bvec_set_page(&v->bv[v->nr++], page, n,
				      skb_frag_off(f) + offset - pos);
			v->len += n;
		} else if (!syncsock_fwd_copy(v, skb, offset, n)) {
			return v->nr == SYNCSOCK_FWD_BATCH;
		}
		offset += n;
		len -= n;
		pos += size;
	}
	skb_walk_frags(skb, frag) {
		unsigned int end = pos + frag->len;

		if (!len)
			break;
		if (offset < end) {
			size_t n = min_t(size_t, len, end - offset);
			size_t before = v->len;

			if (!syncsock_fwd_fill(v, frag, offset - pos, n))
				return false;
			if (v->len - before < n)
				return true;	/* out of pieces */
			offset += n;
			len -= n;
		}
		pos = end;
	}
	return true;
}

/* Put the references of the pieces that were copies. */
static void syncsock_fwd_put(struct syncsock_fwd_vec *v)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (v->copied_mask & BIT(i))
			put_page(v->bv[i].bv_page);
}

/**
 * syncsock_tx_skb_locked() - hand TCP received bytes, without a copy where
 *	it can
 * @conn: the connection to send on, its socket locked by the caller and
 *	its send queue empty
 * @skb: the skb the bytes are in (another connection's, being received)
 * @offset: where they start
 * @len: how many
 * @copied: set to how many of the bytes TCP took were copies
 *
 * Takes what TCP has room for.  Page fragments are spliced: TCP holds a
 * reference to the received page until the peer acknowledges the bytes.
 *
 * Context: softirq or process context, @conn's socket locked (owned or its
 * spinlock held).
 * Return: bytes taken (maybe 0), or a negative errno of the socket.
 */
int syncsock_tx_skb_locked(struct syncsock_conn *conn, const struct sk_buff *skb,
			   unsigned int offset, size_t len, size_t *copied)
{
	struct sock *sk = conn->sk;
	size_t sent = 0;
	int room, n;

	*copied = 0;
	n = READ_ONCE(sk->sk_err);
	if (n)
		return -n;
	/* Without scatter-gather TCP would copy pages itself (6.1 through
	 * kmap(), which may sleep): the send queue's copy takes them.
	 */
	if (!(sk->sk_route_caps & NETIF_F_SG))
		return 0;
	room = sk_stream_wspace(sk);
	if (room <= 0)
		goto short_send;
	len = min_t(size_t, len, room);
	while (sent < len) {
		struct syncsock_fwd_vec v = { };
		size_t took_copied = 0, acc = 0;
		unsigned int i;

		if (sent && !syncsock_tx_go_on(sk))
			break;
		syncsock_fwd_fill(&v, skb, offset + sent, len - sent);
		if (!v.nr)
			break;
		conn->in_send = true;
		n = syncsock_tcp_send_pages(sk, v.bv, v.nr, v.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		conn->in_send = false;
		/* How many of the bytes taken were copies. */
		for (i = 0; i < v.nr && n > 0 && acc < (size_t)n; i++) {
			size_t part = min_t(size_t, v.bv[i].bv_len, n - acc);

			if (v.copied_mask & BIT(i))
				took_copied += part;
			acc += part;
		}
		syncsock_fwd_put(&v);
		if (n <= 0)
			break;
		sent += n;
		*copied += took_copied;
		if (n != (int)v.len)
			break;
	}
	if (sent)
		syncsock_conn_active(conn);
	if (sent == len && len)
		return sent;
short_send:
	/* Make sure TCP calls sk_write_space once room comes back. */
	if (conn->sock)
		set_bit(SOCK_NOSPACE, &conn->sock->flags);
	return sent;
}

/**
 * syncsock_tx_queue_skb() - copy received bytes into the send queue
 * @conn: the connection to send on
 * @skb: the skb the bytes are in
 * @offset: where they start
 * @len: how many
 * @queued: set to how many were queued: as many as the queue has room for
 *
 * Context: softirq or process context; any socket lock or none.
 * Return: 0, or -ENOMEM when memory for the queue ran short (nothing queued).
 */
int syncsock_tx_queue_skb(struct syncsock_conn *conn, const struct sk_buff *skb,
			  unsigned int offset, size_t len, size_t *queued)
{
	struct syncsock_stats __percpu *st = conn->lsn->stats;
	size_t n = 0;
	int err = 0;

	spin_lock_bh(&conn->txq_lock);
	if (conn->txq.bytes < conn->txq.limit)
		n = min_t(size_t, len, conn->txq.limit - conn->txq.bytes);
	if (n)
		err = syncsock_txq_append_skb(&conn->txq, skb, offset, n,
					      GFP_ATOMIC | __GFP_NOWARN);
	spin_unlock_bh(&conn->txq_lock);
	if (err) {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_ERRORS);
		n = 0;
	} else if (n) {
		syncsock_stat_add(st, SYNCSOCK_STAT_TX_QUEUED_BYTES, n);
		trace_syncsock_tx(conn->sk, conn->lsn->id, n, true);
	}
	*queued = n;
	return err;
}

/**
 * syncsock_tx_init() - set up the per-CPU pages' locks
 *
 * Context: process context, module load, before any connection.
 */
void syncsock_tx_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(&syncsock_tx_frag, cpu)->bh_lock);
}

/**
 * syncsock_tx_exit() - give back the per-CPU pages
 *
 * Pieces still carried by skbs keep their page until TCP frees them.
 *
 * Context: process context, module unload, no connection left.
 */
void syncsock_tx_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page_frag *pf = &per_cpu_ptr(&syncsock_tx_frag, cpu)->frag;

		if (pf->page)
			put_page(pf->page);
		pf->page = NULL;
	}
}

/*
 * Socket locked.  Return: bytes TCP took (maybe 0) or a negative errno.
 *
 * A socket with an error is not handed to tcp_sendmsg(): it would consume
 * sk_err (sock_error()), and sk_err is what tells a peer's reset from another
 * failure when the connection is closed.  Under the socket lock it does not
 * change: TCP processes a reset for a locked socket at release_sock().  Any
 * other state is TCP's to judge: a TCP Fast Open child takes data in
 * SYN_RECV, and a socket shut for sending answers -EPIPE (with no sk_err,
 * nothing to consume).
 */
static int syncsock_sendmsg_locked(struct syncsock_conn *conn, const struct kvec *vec,
				   size_t nr, size_t len)
{
	struct sock *sk = conn->sk;
	int n;

	n = READ_ONCE(sk->sk_err);
	if (n)
		return -n;
	/* TCP calls sk_write_space from within: see syncsock_write_space(). */
	conn->in_send = true;
	n = syncsock_tcp_sendmsg(sk, vec, nr, len);
	conn->in_send = false;
	if (n == -EAGAIN)
		n = 0;
	/* Only an injected fault (a BPF override) could say more was taken. */
	if (unlikely(n > (int)len))
		n = len;
	if (n >= 0 && n < len) {
		/* Make sure TCP calls sk_write_space once room comes back. */
		if (conn->sock)
			set_bit(SOCK_NOSPACE, &conn->sock->flags);
		/* Short with room left: an skb allocation failed, and with
		 * nothing in flight no ACK would call sk_write_space.
		 */
		if (sk_stream_memory_free(conn->sk))
			set_bit(SYNCSOCK_CONN_NOMEM, &conn->flags);
	}
	return n;
}

/**
 * syncsock_conn_txq_empty() - is nothing waiting to be sent?
 * @conn: the connection
 *
 * Context: any context.
 * Return: true if the send queue is empty.
 */
bool syncsock_conn_txq_empty(struct syncsock_conn *conn)
{
	bool empty;

	spin_lock_bh(&conn->txq_lock);
	empty = syncsock_txq_empty(&conn->txq);
	spin_unlock_bh(&conn->txq_lock);
	return empty;
}

static int syncsock_queue(struct syncsock_conn *conn, const struct kvec *vec, size_t nr,
			  size_t skip, size_t len)
{
	struct syncsock_stats __percpu *st = conn->lsn->stats;
	u32 queued;
	int err;

	spin_lock_bh(&conn->txq_lock);
	err = syncsock_txq_append_vec(&conn->txq, vec, nr, skip, GFP_ATOMIC | __GFP_NOWARN);
	queued = conn->txq.bytes;
	spin_unlock_bh(&conn->txq_lock);
	if (!err) {
		syncsock_stat_add(st, SYNCSOCK_STAT_TX_QUEUED_BYTES, len);
		trace_syncsock_tx(conn->sk, conn->lsn->id, len, true);
	} else if (err == -ENOBUFS || err == -EMSGSIZE) {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_QUEUE_FULL);
		trace_syncsock_txq_full(conn->sk, conn->lsn->id, len, queued,
					conn->txq.limit);
		set_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags);
	} else {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_ERRORS);
	}
	return err;
}

/**
 * syncsock_tx_flush() - hand queued bytes to TCP, in order
 * @conn: the connection
 *
 * When the queue empties: a pending graceful close proceeds, reading resumes
 * if the handler was throttled, and the handler hears it may send again.
 *
 * Context: softirq or process context with the socket locked.
 */
void syncsock_tx_flush(struct syncsock_conn *conn)
{
	struct syncsock_listener *lsn = conn->lsn;
	void *prev = conn->owner;
	bool empty;

	/* Before the connect is done TCP takes nothing; the io work flushes
	 * once it is established.
	 */
	if (conn->flushing || unlikely(test_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags)))
		return;
	conn->flushing = true;
	conn->send_again = false;
	conn->owner = syncsock_ctx_token();
	for (;;) {
		const void *p;
		size_t len;
		int n;

		spin_lock_bh(&conn->txq_lock);
		p = syncsock_txq_peek(&conn->txq, &len);
		spin_unlock_bh(&conn->txq_lock);
		if (!p)
			break;
		/* The head chunk stays put while unlocked: only the flush,
		 * serialized by the socket lock, consumes.
		 */
		struct kvec vec = { .iov_base = (void *)p, .iov_len = len };

		n = syncsock_sendmsg_locked(conn, &vec, 1, len);
		if (n <= 0) {
			if (n < 0)
				syncsock_stat_inc(lsn->stats, SYNCSOCK_STAT_TX_ERRORS);
			break;
		}
		spin_lock_bh(&conn->txq_lock);
		syncsock_txq_consume(&conn->txq, n);
		spin_unlock_bh(&conn->txq_lock);
		syncsock_stat_add(lsn->stats, SYNCSOCK_STAT_TX_FLUSHED_BYTES, n);
		syncsock_conn_active(conn);
		if (n < len)
			break;
	}
	conn->flushing = false;

	empty = syncsock_conn_txq_empty(conn);
	if (empty) {
		if (test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags) &&
		    !test_bit(SYNCSOCK_CONN_RELEASING, &conn->flags))
			mod_delayed_work(syncsock_wq, &conn->release_work, 0);
		if (test_and_clear_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags)) {
			/* Called from the handler, within tcp_read_sock()?
			 * A nested read would start again from copied_seq,
			 * which the outer one has not moved yet: the same
			 * bytes twice.  The outer read goes on instead.
			 */
			if (conn->in_rx || conn->in_write_space)
				conn->rx_again = true;
			else
				syncsock_rx(conn);
		}
		syncsock_tx_notify(conn);
		/* A pair waits for this queue to drain before it reads on,
		 * or for this side's FIN to follow the pair's.
		 */
		if (unlikely(test_bit(SYNCSOCK_CONN_WAKE_PAIR, &conn->flags)) &&
		    test_and_clear_bit(SYNCSOCK_CONN_WAKE_PAIR, &conn->flags))
			syncsock_pair_wake(conn);
		if (unlikely(test_bit(SYNCSOCK_CONN_TX_SHUT_PENDING, &conn->flags)) &&
		    !test_bit(SYNCSOCK_CONN_TX_SHUT, &conn->flags) &&
		    !test_bit(SYNCSOCK_CONN_RELEASING, &conn->flags))
			mod_delayed_work(syncsock_wq, &conn->io_work, 0);
	}
	syncsock_conn_nomem_retry(conn);
	conn->owner = prev;
}

/* write_space calls in a row, for a queue that drains within the call. */
#define SYNCSOCK_TX_NOTIFY_CALLS 3

/**
 * syncsock_tx_notify() - tell the handler its queue has drained
 * @conn: the connection, its send queue empty
 *
 * After a refused send, the handler's write_space.  Never from within a
 * callback of the handler (a send of its own that drained the queue, in its
 * data, msg or write_space callback): the end of the receive pass calls
 * this again once data and msg have returned, and this function itself
 * once write_space has (a send refused and then drained within it).  A
 * read that a flush within write_space would start (the queue drained, the
 * throttle lifted) goes to the connection's work instead, so that data does
 * not run within write_space either.
 *
 * Context: softirq or process context with the socket locked.
 */
void syncsock_tx_notify(struct syncsock_conn *conn)
{
	const struct syncsock_handler *h = conn->lsn->handler;
	unsigned int calls;

	if (conn->in_rx || conn->in_write_space ||
	    likely(!test_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags)))
		return;
	for (calls = 0; calls < SYNCSOCK_TX_NOTIFY_CALLS; calls++) {
		if (!test_and_clear_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags) ||
		    !h->write_space || test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
			break;
		conn->in_write_space = true;
		h->write_space(conn);
		conn->in_write_space = false;
		if (!test_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags) ||
		    !syncsock_conn_txq_empty(conn))
			break;
	}
	if (conn->rx_again) {
		conn->rx_again = false;
		syncsock_conn_rx_later(conn, true);
	}
}

/**
 * syncsock_write_space() - the connection's sk_write_space
 * @sk: the socket
 *
 * Context: softirq with the socket locked, or process context from
 * release_sock().
 */
void syncsock_write_space(struct sock *sk)
{
	struct syncsock_conn *conn;

	rcu_read_lock();
	conn = rcu_dereference_sk_user_data(sk);
	if (unlikely(!conn)) {
		rcu_read_unlock();
		syncsock_defaults.write_space(sk);
		return;
	}
	if (sock_owned_by_user_nocheck(sk)) {
		rcu_read_unlock();
		syncsock_conn_kick(sk);
		return;
	}
	/* As sk_stream_write_space() does: with room again, TCP need not call
	 * us on every ACK (tcp_check_space() does while SOCK_NOSPACE is set);
	 * a send that finds no room sets it again.
	 */
	if (sk->sk_socket && sk_stream_is_writeable(sk))
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	/* From within a send of ours: TCP's transmit checks for room
	 * (tcp_event_new_data_sent()), and a send that failed with nothing in
	 * flight calls us too.  A flush here would put what another context
	 * queued meanwhile inside the send in progress, and call the handler
	 * from within its own send: the sender flushes once its send is done.
	 */
	if (conn->in_send) {
		conn->send_again = true;
		rcu_read_unlock();
		return;
	}
	if (!syncsock_conn_txq_empty(conn) ||
	    test_bit(SYNCSOCK_CONN_RX_THROTTLED, &conn->flags))
		syncsock_tx_flush(conn);
	rcu_read_unlock();
}

/* Queue all of it, then flush what TCP takes.  Socket locked. */
static int syncsock_queue_flush(struct syncsock_conn *conn, const struct kvec *vec,
				size_t nr, size_t len)
{
	int err = syncsock_queue(conn, vec, nr, 0, len);

	if (!err)
		syncsock_tx_flush(conn);
	return err;
}

/* syncsock_sendv() from the connection's own locked context. */
static int syncsock_sendv_locked(struct syncsock_conn *conn, const struct kvec *vec,
				 size_t nr, size_t len)
{
	struct syncsock_stats __percpu *st = conn->lsn->stats;
	int room;
	int err;
	int n;

	/* Behind queued bytes, to keep the order. */
	if (conn->flushing || !syncsock_conn_txq_empty(conn))
		return syncsock_queue_flush(conn, vec, nr, len);

	/* Nothing queued: the rest of a short send is sure to fit, unless the
	 * send exceeds the limit itself (the only refusal an empty queue
	 * makes; the limit does not change, so no lock is needed).
	 */
	err = len > conn->txq.limit ? -EMSGSIZE : 0;
	if (err) {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_QUEUE_FULL);
		set_bit(SYNCSOCK_CONN_WRITE_SPACE, &conn->flags);
		trace_syncsock_txq_full(conn->sk, conn->lsn->id, len, 0, conn->txq.limit);
		return err;
	}
	/* More than TCP has room for, or than the memory budget could hold
	 * should TCP take only part: all of it through the queue, so that a
	 * failed allocation (or charge) fails the send as a whole.  After a
	 * partial inline send, the rest is queued whatever the budget says
	 * (a hole in the stream would be worse), and only a failed allocation
	 * resets the connection (below).
	 */
	room = sk_stream_wspace(conn->sk);
	if (room < 0 || len > (size_t)room || !syncsock_mem_room(len))
		return syncsock_queue_flush(conn, vec, nr, len);

	n = syncsock_sendmsg_locked(conn, vec, nr, len);
	if (n < 0) {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_ERRORS);
		return n;
	}
	syncsock_stat_add(st, SYNCSOCK_STAT_TX_INLINE_BYTES, n);
	if (n) {
		trace_syncsock_tx(conn->sk, conn->lsn->id, n, false);
		syncsock_conn_active(conn);
	}
	if (!in_task())
		syncsock_stat_add(st, SYNCSOCK_STAT_TX_INLINE_SOFTIRQ_BYTES, n);
	if (n == len)
		return 0;

	/* TCP has no room now: the rest waits for sk_write_space.  At the
	 * head: another context may have queued bytes since the queue was
	 * found empty, and they must follow ours.
	 */
	spin_lock_bh(&conn->txq_lock);
	err = syncsock_txq_prepend_vec(&conn->txq, vec, nr, n, GFP_ATOMIC | __GFP_NOWARN);
	spin_unlock_bh(&conn->txq_lock);
	if (!err) {
		syncsock_stat_add(st, SYNCSOCK_STAT_TX_QUEUED_BYTES, len - n);
		trace_syncsock_tx(conn->sk, conn->lsn->id, len - n, true);
	} else {
		syncsock_stat_inc(st, SYNCSOCK_STAT_TX_ERRORS);
	}
	if (err && n) {
		/* Part is on the wire and the rest cannot follow: the stream
		 * would be corrupt, so the connection ends.
		 */
		syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_NOMEM, true);
	}
	return err;
}

/*
 * Hard interrupts, NMIs and sections with interrupts off may not send or
 * close: the queue's lock and the socket's callback lock are taken with
 * bottom halves off, which such a context cannot do (a warning, or a
 * deadlock against a holder on the same CPU).  An hrtimer must be
 * HRTIMER_MODE_SOFT, or the work deferred to a timer_list or a workqueue.
 */
static bool syncsock_ctx_forbidden(void)
{
	return in_hardirq() || in_nmi() || irqs_disabled();
}

int syncsock_sendv(struct syncsock_conn *conn, const struct kvec *vec, size_t nr)
{
	size_t len = 0, i;
	void *token;
	int err;

	if (unlikely(syncsock_ctx_forbidden()))
		return -EINVAL;
	if (unlikely(test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags)))
		return -EPIPE;
	for (i = 0; i < nr; i++)
		len += vec[i].iov_len;
	if (unlikely(!len))
		return 0;

	token = syncsock_ctx_token();
	if (!token || READ_ONCE(conn->owner) != token) {
		/* Not under the socket lock: queue, and let the work send.
		 * From the accept callback, not yet: sk_user_data is not
		 * ours (another user may have put something there), and the
		 * attach flushes the queue anyway.
		 */
		err = syncsock_queue(conn, vec, nr, 0, len);
		if (!err && !test_bit(SYNCSOCK_CONN_NEW, &conn->flags))
			syncsock_conn_kick(conn->sk);
		return err;
	}

	err = syncsock_sendv_locked(conn, vec, nr, len);
	/* Room came while TCP sent: what was queued meanwhile follows. */
	if (unlikely(conn->send_again))
		syncsock_tx_flush(conn);
	/* Short of memory: the end of the pass retries later (not after the
	 * reset above: the connection is closing).
	 */
	if (unlikely(err == -ENOMEM) && !test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
		set_bit(SYNCSOCK_CONN_NOMEM, &conn->flags);
	return err;
}
EXPORT_SYMBOL_GPL(syncsock_sendv);

int syncsock_send(struct syncsock_conn *conn, const void *data, size_t len)
{
	struct kvec vec = { .iov_base = (void *)data, .iov_len = len };

	return syncsock_sendv(conn, &vec, 1);
}
EXPORT_SYMBOL_GPL(syncsock_send);
