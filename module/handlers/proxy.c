// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the proxy handler.  Each client gets a connection to one of the
 * backends, chosen round-robin, and every byte each side sends is forwarded
 * to the other with syncsock_forward(): in the softirq that received it
 * where the other socket is free, without copying the received pages.
 *
 * Configuration:
 *   backends=ADDR:PORT[,ADDR:PORT...]	IPv4 a.b.c.d:port, IPv6 [addr]:port;
 *					at most 32
 *   connect-timeout=MS			1..86400000, 3000 by default
 *
 * A backend that refuses, is unreachable or does not answer within the
 * connect timeout is skipped: the next one is tried, each at most once per
 * client.  The client is reset only when none answers.  Counters: app0
 * clients given a backend connection, app1 backends skipped after a failed
 * connect, app2 clients reset because no backend answered (the module
 * counts the failures by reason: connect_refused, connect_timeout...).
 */
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../internal.h"

#define SYNCSOCK_PROXY_MAX_BACKENDS	32
#define SYNCSOCK_PROXY_DEFAULT_TIMEOUT	3000

enum {
	SYNCSOCK_PROXY_APP_CLIENTS,
	SYNCSOCK_PROXY_APP_SKIPPED,
	SYNCSOCK_PROXY_APP_NONE_ANSWERED,
};

struct syncsock_proxy {
	unsigned int nr;
	atomic_t next;
	u32 timeout_ms;
	struct sockaddr_storage backends[SYNCSOCK_PROXY_MAX_BACKENDS];
};

/*
 * An outbound connection's attempt, kept in its priv pointer: the backend
 * the client started with, and how many it has tried.
 */
static void *syncsock_proxy_attempt(unsigned int first, unsigned int tries)
{
	return (void *)(uintptr_t)((first << 8) | tries);
}

/* Parse "a.b.c.d:port" or "[v6]:port" (@len bytes at @s). */
static int syncsock_proxy_parse_addr(const char *s, size_t len, struct sockaddr_storage *ss)
{
	const char *end, *colon;
	char port[8];
	u16 p;

	memset(ss, 0, sizeof(*ss));
	colon = strnchr(s, len, ']');
	if (len && s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (!colon || colon + 1 >= s + len || colon[1] != ':' ||
		    !in6_pton(s + 1, colon - s - 1, sin6->sin6_addr.s6_addr, -1, &end) ||
		    end != colon)
			return -EINVAL;
		colon++;
		sin6->sin6_family = AF_INET6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		colon = strnchr(s, len, ':');
		if (!colon || !in4_pton(s, colon - s, (u8 *)&sin->sin_addr.s_addr, -1, &end) ||
		    end != colon)
			return -EINVAL;
		sin->sin_family = AF_INET;
	}
	len -= colon + 1 - s;
	if (!len || len >= sizeof(port))
		return -EINVAL;
	memcpy(port, colon + 1, len);
	port[len] = '\0';
	if (kstrtou16(port, 10, &p) || !p)
		return -EINVAL;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(p);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(p);
	return 0;
}

static int syncsock_proxy_parse_backends(struct syncsock_proxy *px, const char *v, size_t len,
					 char *err, size_t err_len)
{
	while (len) {
		const char *comma = strnchr(v, len, ',');
		size_t n = comma ? comma - v : len;

		if (px->nr == SYNCSOCK_PROXY_MAX_BACKENDS) {
			snprintf(err, err_len, "at most %d backends", SYNCSOCK_PROXY_MAX_BACKENDS);
			return -EINVAL;
		}
		if (syncsock_proxy_parse_addr(v, n, &px->backends[px->nr])) {
			snprintf(err, err_len,
				 "bad backend '%.*s': give ADDR:PORT, [IPV6]:PORT, port not 0",
				 (int)min_t(size_t, n, 64), v);
			return -EINVAL;
		}
		px->nr++;
		if (!comma)
			break;
		len -= n + 1;
		v = comma + 1;
		if (!len) {
			snprintf(err, err_len, "backends: a comma ends the list");
			return -EINVAL;
		}
	}
	return 0;
}

static int syncsock_proxy_setup(struct syncsock_listener *lsn, const char *config,
				void **priv, char *err, size_t err_len)
{
	struct syncsock_proxy *px;
	const char *p = config;
	int ret = 0;

	px = kzalloc(sizeof(*px), GFP_KERNEL);
	if (!px)
		return -ENOMEM;
	px->timeout_ms = SYNCSOCK_PROXY_DEFAULT_TIMEOUT;
	while (*p) {
		size_t n;

		p = skip_spaces(p);
		n = strcspn(p, " \t\n");
		if (!n)
			break;
		if (n > 9 && !strncmp(p, "backends=", 9)) {
			ret = syncsock_proxy_parse_backends(px, p + 9, n - 9, err, err_len);
		} else if (n > 16 && !strncmp(p, "connect-timeout=", 16)) {
			char num[12];

			ret = -EINVAL;
			if (n - 16 < sizeof(num)) {
				memcpy(num, p + 16, n - 16);
				num[n - 16] = '\0';
				ret = kstrtou32(num, 10, &px->timeout_ms);
			}
			if (ret || !px->timeout_ms || px->timeout_ms > SYNCSOCK_TIMEOUT_MAX_MS) {
				snprintf(err, err_len, "connect-timeout is 1-%u ms",
					 SYNCSOCK_TIMEOUT_MAX_MS);
				ret = -EINVAL;
			}
		} else {
			snprintf(err, err_len,
				 "unknown option '%.*s' (backends=ADDR:PORT[,...] connect-timeout=MS)",
				 (int)min_t(size_t, n, 64), p);
			ret = -EINVAL;
		}
		if (ret)
			goto fail;
		p += n;
	}
	if (!px->nr) {
		snprintf(err, err_len, "give the backends: backends=ADDR:PORT[,ADDR:PORT...]");
		ret = -EINVAL;
		goto fail;
	}
	*priv = px;
	return 0;

fail:
	kfree(px);
	return ret;
}

static void syncsock_proxy_teardown(void *priv)
{
	kfree(priv);
}

static int syncsock_proxy_addrlen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					  sizeof(struct sockaddr_in6);
}

/* A client: open its backend connection; it reads once that is up. */
static int syncsock_proxy_accept(struct syncsock_conn *conn)
{
	struct syncsock_proxy *px = syncsock_conn_listener_priv(conn);
	unsigned int first = (unsigned int)atomic_inc_return(&px->next) % px->nr;
	int err;

	err = syncsock_connect(conn, (struct sockaddr *)&px->backends[first],
			       syncsock_proxy_addrlen(&px->backends[first]), px->timeout_ms,
			       SYNCSOCK_CONNECT_PAIR, syncsock_proxy_attempt(first, 1));
	if (!err)
		syncsock_count(conn, SYNCSOCK_PROXY_APP_CLIENTS, 1);
	return err;
}

/* A backend connect failed: the next backend, if one is left untried. */
static void syncsock_proxy_connected(struct syncsock_conn *conn, int err)
{
	struct syncsock_proxy *px = syncsock_conn_listener_priv(conn);
	uintptr_t a = (uintptr_t)syncsock_conn_priv(conn);
	unsigned int first = a >> 8, tries = a & 0xff;

	if (!err)
		return;
	while (tries < px->nr) {
		const struct sockaddr_storage *b = &px->backends[(first + tries++) % px->nr];

		syncsock_count(conn, SYNCSOCK_PROXY_APP_SKIPPED, 1);
		err = syncsock_connect(conn, (const struct sockaddr *)b, syncsock_proxy_addrlen(b),
				       px->timeout_ms, SYNCSOCK_CONNECT_RETRY,
				       syncsock_proxy_attempt(first, tries));
		/* Only a failure to start the connect goes on to the next
		 * here; one that fails later calls us again.
		 */
		if (!err || err == -ESHUTDOWN)
			return;
	}
	syncsock_count(conn, SYNCSOCK_PROXY_APP_NONE_ANSWERED, 1);
}

static int syncsock_proxy_data(struct syncsock_conn *conn, const struct sk_buff *skb,
			       unsigned int offset, size_t len)
{
	return syncsock_forward(conn, skb, offset, len);
}

struct syncsock_handler syncsock_proxy_handler = {
	.name = "proxy",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.setup = syncsock_proxy_setup,
	.teardown = syncsock_proxy_teardown,
	.accept = syncsock_proxy_accept,
	.data = syncsock_proxy_data,
	.connected = syncsock_proxy_connected,
};
