// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: a connection's timeouts, so that no peer holds a slot and memory
 * for good without progress.  One timer per connection, armed for the
 * nearest deadline:
 *   idle	no byte received and none handed to TCP for the listener's
 *		idle timeout: a graceful close (closed_idle).  This also ends
 *		a connection whose peer never reads while its handler sends,
 *		and one that keeps failing to get memory.
 *   message	a framed listener's message not whole within the message
 *		timeout of its first byte (a peer that trickles it, slowloris):
 *		a reset (closed_msg_timeout).
 * The data path only stamps jiffies (syncsock_conn_active(), and the start of
 * a split message); the timer reads the stamps when it fires and sleeps until
 * the next deadline, so nothing is re-armed per segment.  TCP_USER_TIMEOUT,
 * set on the listener (its children inherit it), bounds how long data may
 * stay unacknowledged.
 *
 * Lifetime: armed once the connection is attached; stopped by the release
 * after the callbacks are detached (DETACHED keeps the timer from re-arming
 * itself meanwhile, and timer_delete_sync() waits for a run in progress).
 */
#include <linux/jiffies.h>
#include <linux/timer.h>

#include "internal.h"

static unsigned long syncsock_timeout_after(unsigned long from, u32 ms)
{
	return from + msecs_to_jiffies(ms);
}

/* Context: softirq (timer). */
static void syncsock_timeout_fire(struct timer_list *t)
{
	struct syncsock_conn *conn = from_timer(conn, t, timer);
	const struct syncsock_listener_cfg *cfg = &conn->lsn->cfg;
	unsigned long now = jiffies, next = 0, start, d;

	/* Once closing, the close timeout bounds what is left. */
	if (test_bit(SYNCSOCK_CONN_DETACHED, &conn->flags) ||
	    test_bit(SYNCSOCK_CONN_CLOSING, &conn->flags))
		return;
	start = READ_ONCE(conn->msg_start);
	if (start && cfg->msg_timeout_ms != SYNCSOCK_TIMEOUT_OFF) {
		d = syncsock_timeout_after(start, cfg->msg_timeout_ms);
		if (!time_before(now, d)) {
			syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_MSG_TIMEOUT, true);
			return;
		}
		next = d;
	}
	if (cfg->idle_timeout_ms != SYNCSOCK_TIMEOUT_OFF) {
		/* A connect in progress is not idle: its own timeout ends it
		 * (with the connected callback, which may try elsewhere).  Nor
		 * is a connection paused for its pair: the pair's connect, or
		 * the pair's own idle timeout if its queue does not drain,
		 * bounds the wait.
		 */
		if (test_bit(SYNCSOCK_CONN_CONNECTING, &conn->flags) ||
		    test_bit(SYNCSOCK_CONN_RX_PAUSED, &conn->flags))
			syncsock_conn_active(conn);
		d = syncsock_timeout_after(READ_ONCE(conn->last_active), cfg->idle_timeout_ms);
		if (!time_before(now, d)) {
			syncsock_conn_request_close(conn, SYNCSOCK_CLOSE_IDLE, false);
			return;
		}
		if (!next || time_before(d, next))
			next = d;
	}
	/* Not mod_timer(): the data path may have armed it earlier since
	 * (timer_reduce() in syncsock_timeout_msg()).
	 */
	if (next)
		timer_reduce(&conn->timer, next);
}

/**
 * syncsock_timeout_init() - set up a connection's timer, unarmed
 * @conn: the connection
 *
 * Context: any context.
 */
void syncsock_timeout_init(struct syncsock_conn *conn)
{
	timer_setup(&conn->timer, syncsock_timeout_fire, 0);
}

/**
 * syncsock_timeout_start() - arm a new connection's timeouts
 * @conn: the connection, just attached
 *
 * Context: process context (the accept work), socket locked.
 */
void syncsock_timeout_start(struct syncsock_conn *conn)
{
	u32 idle = conn->lsn->cfg.idle_timeout_ms;

	conn->last_active = jiffies;
	if (idle != SYNCSOCK_TIMEOUT_OFF)
		mod_timer(&conn->timer, syncsock_timeout_after(conn->last_active, idle));
}

/**
 * syncsock_timeout_stop() - disarm a connection's timeouts for good
 * @conn: the connection, detached
 *
 * Context: process context (the release work).
 */
void syncsock_timeout_stop(struct syncsock_conn *conn)
{
	timer_delete_sync(&conn->timer);
}

/**
 * syncsock_timeout_msg() - follow the framer's partial message
 * @conn: the connection, framed
 *
 * Called after each pass through the framer: a message it began gathering
 * starts the message timeout; a whole one (or one whose delivery the
 * handler deferred: the wait is then ours, not the peer's) stops it.
 *
 * Context: softirq or process context, socket locked.
 */
void syncsock_timeout_msg(struct syncsock_conn *conn)
{
	bool partial = conn->framer.fill && !conn->framer.pending;
	u32 ms = conn->lsn->cfg.msg_timeout_ms;

	if (!partial) {
		if (conn->msg_start)
			WRITE_ONCE(conn->msg_start, 0);
		return;
	}
	/* Still the same message (none was gathered whole since)? */
	if ((conn->msg_start && conn->msg_gathered == conn->framer.gathered) ||
	    ms == SYNCSOCK_TIMEOUT_OFF)
		return;
	conn->msg_gathered = conn->framer.gathered;
	/* 0 means none: a start at jiffies == 0 is a jiffy late. */
	WRITE_ONCE(conn->msg_start, jiffies ?: 1);
	if (!test_bit(SYNCSOCK_CONN_DETACHED, &conn->flags))
		timer_reduce(&conn->timer, syncsock_timeout_after(conn->msg_start, ms));
}
