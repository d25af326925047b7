/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the in-kernel handler API.
 *
 * A handler serves the connections of a syncsock listener.  Its data callback
 * runs synchronously in the softirq that delivered the TCP segment (or, when a
 * process owned the socket at that moment, later in process context with the
 * socket locked).  Either way it must not sleep.
 */
#ifndef _SYNCSOCK_SYNCSOCK_H
#define _SYNCSOCK_SYNCSOCK_H

#include <linux/types.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/syncsock.h>

struct syncsock_conn;
struct syncsock_listener;

/**
 * enum syncsock_framer_type - how the framer cuts the stream into messages
 * @SYNCSOCK_FRAMER_NONE: no framing: the data callback sees bytes as they come
 * @SYNCSOCK_FRAMER_LENGTH: a header carries the message's length
 * @SYNCSOCK_FRAMER_DELIM: a delimiter ends each message
 */
enum syncsock_framer_type {
	SYNCSOCK_FRAMER_NONE,
	SYNCSOCK_FRAMER_LENGTH,
	SYNCSOCK_FRAMER_DELIM,
};

/**
 * struct syncsock_framer_cfg - message framing rules of a listener
 * @type: the kind of framing
 * @max_msg: largest message, header or delimiter included; a larger one
 *	closes the connection (closed_oversize).  At most KMALLOC_MAX_SIZE
 *	(4 MiB on x86-64): a split message is gathered in one allocation
 * @len_offset: length-prefixed: where the length field starts
 * @len_width: length-prefixed: its size, 1, 2, 4 or 8 bytes
 * @len_big_endian: length-prefixed: network byte order (else little endian)
 * @len_includes_header: length-prefixed: the value counts the header too
 *	(else it counts only the bytes after the header)
 * @hdr_len: length-prefixed: header size; 0 means @len_offset + @len_width
 * @delim: delimiter-terminated: the delimiter, e.g. "\r\n\r\n"
 * @delim_len: delimiter-terminated: its length, 1..16
 *
 * Length-prefixed messages are delivered header included; delimited ones
 * delimiter included.
 */
struct syncsock_framer_cfg {
	enum syncsock_framer_type type;
	u32 max_msg;
	u16 len_offset;
	u8 len_width;
	bool len_big_endian;
	bool len_includes_header;
	u16 hdr_len;
	u8 delim[16];
	u8 delim_len;
};

/**
 * struct syncsock_handler - a named table of callbacks serving connections
 * @name: unique name, used by "listener add"; at most
 *	%SYNCSOCK_NAME_MAX - 1 characters of [a-z0-9_-].
 * @owner: the module that provides the handler (THIS_MODULE); pinned while a
 *	listener uses the handler.
 * @setup: optional.  Parse the listener's configuration string and build
 *	per-listener state, returned in @priv.  Return 0 or a negative errno;
 *	on error, write a message for the operator into @err (@err_len bytes).
 *	Context: process context, may sleep.
 * @teardown: optional.  Free what @setup built, after the last connection of
 *	the listener has closed.  Context: process context, may sleep.
 * @accept: optional.  A new connection; may attach state with
 *	syncsock_conn_set_priv().  Return 0 to serve it or a negative errno to
 *	refuse it (it is reset).  Context: process context, may sleep, socket
 *	not locked, no other callback of this connection runs yet.
 * @data: bytes from the peer: @len bytes of @skb starting at @offset, which may
 *	lie in the linear part, in page fragments or in the frag_list.  Return
 *	how many were consumed (0 to @len): bytes not consumed are offered again,
 *	together with newer data, when the connection's send queue has drained,
 *	or 20 ms later if a syncsock_send() failed with -ENOMEM.
 *	A negative errno aborts the connection.  Context: softirq or process
 *	context with the socket locked; must not sleep, allocate only with
 *	GFP_ATOMIC, must not call syncsock_close() callers' blocking helpers.
 * @msg: instead of @data, for a listener whose setup called
 *	syncsock_listener_set_framer(): one whole message, @len bytes at @msg.
 *	The bytes are valid during the call only.  They point into the skb
 *	(no copy) when the message lay in one contiguous piece, else into the
 *	framer's buffer.  Return 0, -EAGAIN to be offered the same message again
 *	once the send queue has drained, or 20 ms later after a syncsock_send()
 *	failed with -ENOMEM (reading stops meanwhile), or another negative errno
 *	to abort the connection.  Same context as @data.
 * @write_space: optional.  The connection's send queue has drained after a
 *	syncsock_send() was refused.  Same context as @data.
 * @close: the connection is gone; called exactly once per accepted
 *	connection (and per connection syncsock_connect() opened), whatever
 *	ended it.  Free per-connection state here.
 *	Context: process context, may sleep, socket already detached.
 * @connected: optional.  An outbound connection's connect is done: @err is 0
 *	once it is established, else the negative errno it failed with
 *	(-ECONNREFUSED, -ETIMEDOUT for the connect timeout, -EHOSTUNREACH...);
 *	a failed connection is then reset and its close callback follows
 *	(%SYNCSOCK_CLOSE_CONNECT_FAILED).  From a failure, the handler may
 *	call syncsock_connect() with %SYNCSOCK_CONNECT_RETRY to try another
 *	address for the same pair.  Not called if the connection closes
 *	before its connect is done (a listener delete, say).
 *	Context: process context, may sleep, no socket locked.
 */
struct syncsock_handler {
	const char *name;
	struct module *owner;
	int (*setup)(struct syncsock_listener *lsn, const char *config,
		     void **priv, char *err, size_t err_len);
	void (*teardown)(void *priv);
	int (*accept)(struct syncsock_conn *conn);
	int (*data)(struct syncsock_conn *conn, const struct sk_buff *skb,
		    unsigned int offset, size_t len);
	int (*msg)(struct syncsock_conn *conn, const void *msg, size_t len);
	void (*write_space)(struct syncsock_conn *conn);
	void (*close)(struct syncsock_conn *conn,
		      enum syncsock_close_reason reason);
	void (*connected)(struct syncsock_conn *conn, int err);
};

/* Flags of syncsock_connect(). */
#define SYNCSOCK_CONNECT_PAIR	0x1	/* pair the new connection with @from */
#define SYNCSOCK_CONNECT_RETRY	0x2	/* @from failed to connect: its pair
					 * moves to the new connection
					 */

/**
 * syncsock_connect() - open an outbound connection
 * @from: a connection of the listener the new one is to belong to: its
 *	handler, limits, counters and close rules serve the new one too
 * @addr: where to connect, a struct sockaddr_in or sockaddr_in6 (port not 0)
 * @addrlen: its size
 * @timeout_ms: the connect must be established within this, 1..86400000 ms
 * @flags: %SYNCSOCK_CONNECT_PAIR or %SYNCSOCK_CONNECT_RETRY, or 0
 * @priv: the new connection's handler state (syncsock_conn_priv())
 *
 * The connect runs in the background, in the listener's network namespace;
 * the handler's connected callback tells how it ended.  An established
 * connection gets the same callbacks, counters, send queue, timeouts and
 * exactly-once close as an accepted one, and counts against the listener's
 * max_conns; deleting the listener, the namespace's exit and the unload
 * close it too.
 *
 * With %SYNCSOCK_CONNECT_PAIR, @from and the new connection are paired, for
 * syncsock_forward(): @from does not read until the new one is established;
 * a FIN on either shuts the other's sending side once what was forwarded
 * has been sent, and both close once both directions have finished; when
 * one closes early, the other is closed too (reset if the first was reset).
 * If the connect fails, @from is reset, unless the connected callback
 * retries: %SYNCSOCK_CONNECT_RETRY, with the failed connection as @from,
 * gives its pair to a new connection (bytes the handler sent on the failed
 * one are dropped with it; forwards wait, since @from does not read until
 * a connect succeeds).  The idle timeout does not run while the connect is
 * in progress: the connect timeout bounds it.
 *
 * Context: process context, may sleep, no socket of ours locked (the accept
 * and connected callbacks).
 * Return: 0, -EINVAL for a bad address, timeout or flag (or pairing a
 * connection that is already paired, or RETRY from a connection that did
 * not fail), -EAFNOSUPPORT for another family, -ENOSPC at the listener's
 * max_conns, -ESHUTDOWN once the listener (or @from) is closing, -ENOMEM, or
 * the error of creating the socket.  The connect's own failure (refused,
 * unreachable) comes later, to the connected callback.
 */
int syncsock_connect(struct syncsock_conn *from, const struct sockaddr *addr, int addrlen,
		     u32 timeout_ms, unsigned int flags, void *priv);

/**
 * syncsock_forward() - send received bytes on the paired connection
 * @conn: the connection the bytes arrived on, paired by syncsock_connect()
 * @skb: the data callback's skb
 * @offset: the data callback's offset
 * @len: how many of its bytes to forward
 *
 * Called from @conn's data callback, whose return value it is made to be.
 * Where the pair's socket lock can be taken without waiting (never waiting
 * for it while holding @conn's: two connections forwarding to each other
 * from two CPUs would deadlock) and nothing is queued before, the bytes go
 * to TCP right there, in the softirq that received them: the bytes in page
 * fragments as references to the received pages (no copy), those of the
 * skb's linear head copied.  What TCP cannot take, or all of it when the
 * pair's socket is busy, is copied into the pair's send queue and sent from
 * the pair's own context.  When that queue is full, the call takes what
 * fits and @conn stops reading (its receive window closes) until the pair's
 * queue has drained; the rest is offered again then.
 *
 * Context: the data callback of @conn.
 * Return: bytes taken (0..@len), or -ENOTCONN when @conn has no pair, or
 * -EPIPE when the pair is closing (@conn is then closed too).
 */
int syncsock_forward(struct syncsock_conn *conn, const struct sk_buff *skb,
		     unsigned int offset, size_t len);

/**
 * syncsock_send() - send bytes on a connection
 * @conn: the connection
 * @data: the bytes; copied before the call returns
 * @len: how many
 *
 * Sends inline when called from the connection's own callbacks and nothing is
 * queued before it; otherwise (or for what TCP could not take at once) the
 * bytes join the connection's send queue, flushed in order when TCP has room.
 * The call takes all of @len or nothing.
 *
 * Context: process context, softirq (a callback of any connection, a
 * timer_list, an HRTIMER_MODE_SOFT hrtimer, a tasklet); need not sleep.  Not
 * from hard interrupt or NMI context or with interrupts disabled (an hrtimer
 * in the default hard mode): -EINVAL.  From a callback of @conn the send can
 * be inline.  Bytes of one context reach the wire in the order of its calls,
 * and no send of another context lands inside them.
 * Return: 0, -EINVAL from a forbidden context (above), -ENOBUFS when the
 * send queue has no room for @len more bytes
 * (counted as %SYNCSOCK_STAT_TX_QUEUE_FULL), -EMSGSIZE when @len exceeds the
 * queue limit, -EPIPE once the connection is closing, -ENOMEM when memory
 * for the queue ran short (called from the connection's own callbacks, the
 * connection's work offers the input again 20 ms later: from @data or @msg,
 * treat it as -ENOBUFS; other callers try again themselves).  If TCP took
 * part of the bytes and the rest cannot be queued, the connection is reset
 * (%SYNCSOCK_CLOSE_NOMEM): a stream with a hole in it would be worse.
 */
int syncsock_send(struct syncsock_conn *conn, const void *data, size_t len);

/**
 * syncsock_sendv() - send several pieces of bytes as one
 * @conn: the connection
 * @vec: the pieces, in order; copied before the call returns
 * @nr: how many
 *
 * As syncsock_send(): all the bytes of all the pieces, or none.  For a reply
 * made of a header built on the stack and a body that lives elsewhere.
 *
 * Context: as syncsock_send().
 * Return: as syncsock_send().
 */
int syncsock_sendv(struct syncsock_conn *conn, const struct kvec *vec, size_t nr);

/**
 * syncsock_close() - close a connection
 * @conn: the connection
 * @abort: false for a graceful close (queued data is sent, then FIN), true to
 *	reset it at once (RST)
 *
 * The close itself happens later in process context; the handler's close
 * callback follows.  Calling it again, or after the peer closed, is harmless.
 * After a graceful request, input is dropped; a peer still sending is
 * answered with our FIN and drained until its own FIN or the listener's
 * close timeout, not reset.  From the accept callback, the close is recorded
 * and happens once the connection is set up.
 *
 * Context: as syncsock_send(): process context or softirq, not hard
 * interrupt or NMI context, nor with interrupts disabled.
 * Return: 0, or -EINVAL from a forbidden context (nothing happens).
 */
int syncsock_close(struct syncsock_conn *conn, bool abort);

/**
 * syncsock_conn_set_priv() - attach handler state to a connection
 * @conn: the connection
 * @priv: the state, owned by the handler (free it in the close callback)
 *
 * Context: any context, from the connection's own callbacks.
 */
void syncsock_conn_set_priv(struct syncsock_conn *conn, void *priv);

/**
 * syncsock_conn_priv() - the state set by syncsock_conn_set_priv()
 * @conn: the connection
 *
 * Context: any context.
 * Return: the pointer, or NULL if none was set.
 */
void *syncsock_conn_priv(const struct syncsock_conn *conn);

/**
 * syncsock_conn_listener_priv() - the per-listener state built by setup
 * @conn: the connection
 *
 * Context: any context.
 * Return: the pointer setup returned, or NULL.
 */
void *syncsock_conn_listener_priv(const struct syncsock_conn *conn);

/**
 * syncsock_listener_set_framer() - deliver whole messages to this listener
 * @lsn: the listener being set up
 * @cfg: the rules; copied
 *
 * Call it from the handler's setup callback; the handler then needs a msg
 * callback.
 *
 * Context: process context (the setup callback).
 * Return: 0, or -EINVAL for rules that make no sense.
 */
int syncsock_listener_set_framer(struct syncsock_listener *lsn,
				 const struct syncsock_framer_cfg *cfg);

/**
 * syncsock_framer_skip() - drop the next bytes of the stream unframed
 * @conn: the connection
 * @bytes: how many, counted from the end of the message being delivered
 *
 * For a protocol whose message announces a body the handler does not want
 * framed (an HTTP request body of Content-Length bytes, say).
 *
 * Context: the msg callback of @conn.
 */
void syncsock_framer_skip(struct syncsock_conn *conn, u64 bytes);

/**
 * syncsock_count() - bump one of the listener's handler counters
 * @conn: a connection of the listener
 * @counter: 0..3, shown as app0..app3
 * @delta: how much to add
 *
 * Context: any context; a per-CPU add, cheap enough for every message.
 */
void syncsock_count(struct syncsock_conn *conn, unsigned int counter, u64 delta);

/**
 * syncsock_conn_peer() - the address and port of the peer
 * @conn: the connection
 * @addr: filled as a struct sockaddr_in or sockaddr_in6
 *
 * Context: any context.
 */
void syncsock_conn_peer(const struct syncsock_conn *conn, struct sockaddr_storage *addr);

/**
 * syncsock_conn_local() - the local address and port of the connection
 * @conn: the connection
 * @addr: filled as a struct sockaddr_in or sockaddr_in6
 *
 * Context: any context.
 */
void syncsock_conn_local(const struct syncsock_conn *conn, struct sockaddr_storage *addr);

/**
 * syncsock_handler_register() - make a handler available to listeners
 * @h: the handler; must stay valid until syncsock_handler_unregister()
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a bad name, without a data or msg callback or
 * without an owner (@h->owner must be THIS_MODULE: the module is pinned
 * while a listener uses the handler), -EEXIST if the name is taken.
 */
int syncsock_handler_register(struct syncsock_handler *h);

/**
 * syncsock_handler_unregister() - withdraw a handler
 * @h: a registered handler
 *
 * No listener can be using it: its module is pinned while one does.
 *
 * Context: process context, may sleep.
 */
void syncsock_handler_unregister(struct syncsock_handler *h);

#endif /* _SYNCSOCK_SYNCSOCK_H */
