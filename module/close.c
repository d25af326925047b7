// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the close state machine (see close.h).
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/jiffies.h>

#include "close.h"

/**
 * syncsock_close_request() - record a close request
 * @flags: the connection's flags
 * @reason: the connection's close reason, set by the first request
 * @why: this request's reason
 * @abort: reset rather than close gracefully
 * @txq_empty: nothing is waiting in the send queue
 *
 * The first request wins the reason.  A later abort upgrades an earlier
 * graceful request (the reason stays); anything else later is a no-op.
 *
 * Context: any context; @flags is changed with atomic bit operations.
 * Return: what the release work has to do.
 */
enum syncsock_close_action
syncsock_close_request(unsigned long *flags, enum syncsock_close_reason *reason,
		       enum syncsock_close_reason why, bool abort, bool txq_empty)
{
	if (test_and_set_bit(SYNCSOCK_CONN_CLOSING, flags)) {
		if (abort && !test_and_set_bit(SYNCSOCK_CONN_ABORT, flags))
			return SYNCSOCK_CLOSE_ACT_NOW;
		return SYNCSOCK_CLOSE_ACT_NONE;
	}
	*reason = why;
	if (abort) {
		set_bit(SYNCSOCK_CONN_ABORT, flags);
		return SYNCSOCK_CLOSE_ACT_NOW;
	}
	return txq_empty ? SYNCSOCK_CLOSE_ACT_NOW : SYNCSOCK_CLOSE_ACT_DRAIN;
}

/**
 * syncsock_peer_state() - has the peer finished, reset, or failed?
 * @sk_err: the socket's pending error (positive errno, 0 for none)
 * @closed: the socket is in TCP_CLOSE
 * @rcv_shutdown: the peer's FIN has been received
 * @held: input the handler has not taken is held: bytes in the receive
 *	queue, or a message it refused
 * @retry: that input will be offered again: when the send queue drains, or
 *	from the io work
 *
 * A FIN only finishes the connection once every byte before it reached the
 * handler, or once the handler has left bytes that nothing will offer it
 * again (no more data can come to bring them).
 *
 * Context: any context.
 * Return: the peer's state.
 */
enum syncsock_peer_state
syncsock_peer_state(int sk_err, bool closed, bool rcv_shutdown, bool held, bool retry)
{
	if (sk_err == ECONNRESET || sk_err == EPIPE)
		return SYNCSOCK_PEER_RESET;
	if (sk_err || closed)
		return SYNCSOCK_PEER_FAILED;
	if (!rcv_shutdown || retry)
		return SYNCSOCK_PEER_OPEN;
	return held ? SYNCSOCK_PEER_UNREAD : SYNCSOCK_PEER_FINISHED;
}

/**
 * syncsock_release_step() - what the release work does now
 * @abort: the close is an abort
 * @txq_empty: the send queue is empty (after a flush attempt)
 * @sk_failed: the socket has an error: queued data can never leave
 * @now: jiffies
 * @deadline: jiffies by which a graceful close must have drained
 *
 * Context: any context.
 * Return: the step.
 */
enum syncsock_release_step
syncsock_release_step(bool abort, bool txq_empty, bool sk_failed,
		      unsigned long now, unsigned long deadline)
{
	if (abort)
		return SYNCSOCK_RELEASE_RESET;
	if (txq_empty)
		return SYNCSOCK_RELEASE_CLOSE;
	if (sk_failed)
		return SYNCSOCK_RELEASE_RESET;
	if (time_before(now, deadline))
		return SYNCSOCK_RELEASE_WAIT;
	return SYNCSOCK_RELEASE_TIMEOUT;
}
