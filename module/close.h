/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the close state machine, as pure functions of a connection's
 * flags and what the socket reports, so that KUnit can test every transition
 * without a socket.  conn.c applies the decisions.
 */
#ifndef _SYNCSOCK_CLOSE_H
#define _SYNCSOCK_CLOSE_H

#include <linux/types.h>
#include <linux/syncsock.h>

/* Connection flags (syncsock_conn.flags), atomic bit numbers. */
enum {
	SYNCSOCK_CONN_CLOSING,		/* close requested: no new sends */
	SYNCSOCK_CONN_ABORT,		/* ... and it is an abort */
	SYNCSOCK_CONN_PEER_FIN,		/* peer shut down its side */
	SYNCSOCK_CONN_ERROR,		/* socket error or reset seen */
	SYNCSOCK_CONN_RX_THROTTLED,	/* handler left data unconsumed */
	SYNCSOCK_CONN_RELEASING,	/* release work running */
	SYNCSOCK_CONN_DETACHED,		/* callbacks restored */
	SYNCSOCK_CONN_WRITE_SPACE,	/* tell the handler when queue drains */
	SYNCSOCK_CONN_RX_DROPPED,	/* input dropped after a close request */
	SYNCSOCK_CONN_LINGER,		/* graceful close: FIN sent, input
					 * discarded until the peer's FIN
					 */
	SYNCSOCK_CONN_NOMEM,		/* an allocation failed: try again
					 * after SYNCSOCK_NOMEM_RETRY
					 */
	SYNCSOCK_CONN_NEW,		/* the accept callback runs: a close
					 * request is recorded, its release
					 * queued once the connection is
					 * attached
					 */
	SYNCSOCK_CONN_RX_RETRY,		/* input the handler has not taken is
					 * offered again by the io work
					 */
	SYNCSOCK_CONN_RX_FIN_OFFER,	/* after the peer's FIN, a pass took
					 * none of the input: one more offer,
					 * then the close
					 */
	SYNCSOCK_CONN_OUTBOUND,		/* opened by syncsock_connect() */
	SYNCSOCK_CONN_CONNECTING,	/* ... and its connect not yet told */
	SYNCSOCK_CONN_CONNECT_FAILED,	/* ... which failed */
	SYNCSOCK_CONN_PAIRED,		/* was paired: the peer's FIN shuts
					 * the pair's sending side rather than
					 * closing this one
					 */
	SYNCSOCK_CONN_RX_PAUSED,	/* no reading: the pair's connect is
					 * pending or its send queue is full
					 */
	SYNCSOCK_CONN_WAKE_PAIR,	/* resume the pair's reading once this
					 * one is established or its queue
					 * has drained
					 */
	SYNCSOCK_CONN_TX_SHUT_PENDING,	/* the pair's peer finished: our FIN
					 * goes once the queue has drained
					 */
	SYNCSOCK_CONN_TX_SHUT,		/* ... and went */
};

/* What a close request asks of the release work. */
enum syncsock_close_action {
	SYNCSOCK_CLOSE_ACT_NONE,	/* already closing, nothing changes */
	SYNCSOCK_CLOSE_ACT_NOW,		/* run the release now */
	SYNCSOCK_CLOSE_ACT_DRAIN,	/* graceful with data queued: wait for
					 * the flush, at most the close timeout
					 */
};

enum syncsock_close_action
syncsock_close_request(unsigned long *flags, enum syncsock_close_reason *reason,
		       enum syncsock_close_reason why, bool abort, bool txq_empty);

/* What the socket says about the peer. */
enum syncsock_peer_state {
	SYNCSOCK_PEER_OPEN,		/* nothing to do */
	SYNCSOCK_PEER_FINISHED,		/* FIN, all data before it delivered */
	SYNCSOCK_PEER_UNREAD,		/* FIN, and the handler left input that
					 * will not be offered again
					 */
	SYNCSOCK_PEER_RESET,		/* reset by the peer */
	SYNCSOCK_PEER_FAILED,		/* another error */
};

enum syncsock_peer_state
syncsock_peer_state(int sk_err, bool closed, bool rcv_shutdown, bool held, bool retry);

/* What the release work does when it runs. */
enum syncsock_release_step {
	SYNCSOCK_RELEASE_WAIT,		/* graceful, data still queued, time left */
	SYNCSOCK_RELEASE_CLOSE,		/* FIN (graceful) */
	SYNCSOCK_RELEASE_RESET,		/* RST */
	SYNCSOCK_RELEASE_TIMEOUT,	/* RST: the queue did not drain in time */
};

enum syncsock_release_step
syncsock_release_step(bool abort, bool txq_empty, bool sk_failed,
		      unsigned long now, unsigned long deadline);

#endif /* _SYNCSOCK_CLOSE_H */
