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
#include <linux/syncsock.h>

struct syncsock_conn;
struct syncsock_listener;

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
 *	together with newer data, when the connection's send queue has drained.
 *	A negative errno aborts the connection.  Context: softirq or process
 *	context with the socket locked; must not sleep, allocate only with
 *	GFP_ATOMIC, must not call syncsock_close() callers' blocking helpers.
 * @write_space: optional.  The connection's send queue has drained after a
 *	syncsock_send() was refused.  Same context as @data.
 * @close: the connection is gone; called exactly once per accepted
 *	connection, whatever ended it.  Free per-connection state here.
 *	Context: process context, may sleep, socket already detached.
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
	void (*write_space)(struct syncsock_conn *conn);
	void (*close)(struct syncsock_conn *conn,
		      enum syncsock_close_reason reason);
};

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
 * Context: any context that may not sleep is fine; from a callback of @conn
 * the send can be inline.
 * Return: 0, -ENOBUFS when the send queue has no room for @len more bytes
 * (counted as %SYNCSOCK_STAT_TX_QUEUE_FULL), -EMSGSIZE when @len exceeds the
 * queue limit, -EPIPE once the connection is closing, -ENOMEM.
 */
int syncsock_send(struct syncsock_conn *conn, const void *data, size_t len);

/**
 * syncsock_close() - close a connection
 * @conn: the connection
 * @abort: false for a graceful close (queued data is sent, then FIN), true to
 *	reset it at once (RST)
 *
 * The close itself happens later in process context; the handler's close
 * callback follows.  Calling it again, or after the peer closed, is harmless.
 *
 * Context: any context.
 */
void syncsock_close(struct syncsock_conn *conn, bool abort);

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
 * syncsock_handler_register() - make a handler available to listeners
 * @h: the handler; must stay valid until syncsock_handler_unregister()
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a bad name or missing data callback, -EEXIST if the
 * name is taken.
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
