// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the http handler.  A minimal HTTP/1.1 server that answers every
 * request with the one response configured at "listener add", from the
 * softirq that delivered the request.
 *
 * Configuration (space-separated, body last since it runs to the end):
 *   status=NNN        status code, 100-599 (default 200)
 *   type=MIME         Content-Type (default text/plain)
 *   body-size=N       a generated body of N bytes, at most 1 MiB
 *   body=TEXT         the body, the rest of the string (default "Hello from
 *                     syncsock\n")
 *
 * Requests are framed on the blank line ending their header (8 KiB at most);
 * a Content-Length body is skipped.  Keep-alive is the HTTP/1.1 default,
 * "Connection: close" (or HTTP/1.0 without keep-alive) closes after the
 * response; pipelined requests are answered in order.  A malformed request
 * gets 400 and the connection closes.  HEAD gets the headers only.
 *
 * Counters: app0 requests answered with the configured response, app1
 * requests answered 400.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../internal.h"

#define HTTP_MAX_HEADER		8192
#define HTTP_MAX_BODY		(1024 * 1024)

struct syncsock_http {
	char *keep;		/* full response, Connection: keep-alive */
	size_t keep_len;
	char *close;		/* full response, Connection: close */
	size_t close_len;
	size_t head_keep_len;	/* header part only, for HEAD */
	size_t head_close_len;
};

static const char http_400[] =
	"HTTP/1.1 400 Bad Request\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
	"Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n";

static const char *http_reason(unsigned int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Build one full response; *@head_len gets the length of its header. */
static char *http_build(unsigned int status, const char *type, const char *body,
			size_t body_len, bool keep, size_t *len, size_t *head_len)
{
	char head[256];
	int n;
	char *r;

	n = scnprintf(head, sizeof(head),
		      "HTTP/1.1 %u %s\r\nServer: syncsock\r\nContent-Type: %s\r\n"
		      "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
		      status, http_reason(status), type, body_len,
		      keep ? "keep-alive" : "close");
	r = kvmalloc(n + body_len, GFP_KERNEL);
	if (!r)
		return NULL;
	memcpy(r, head, n);
	memcpy(r + n, body, body_len);
	*len = n + body_len;
	*head_len = n;
	return r;
}

static void http_teardown(void *priv)
{
	struct syncsock_http *h = priv;

	if (!h)
		return;
	kvfree(h->keep);
	kvfree(h->close);
	kfree(h);
}

static int http_setup(struct syncsock_listener *lsn, const char *config, void **priv,
		      char *err, size_t err_len)
{
	static const struct syncsock_framer_cfg framer = {
		.type = SYNCSOCK_FRAMER_DELIM,
		.max_msg = HTTP_MAX_HEADER,
		.delim = "\r\n\r\n",
		.delim_len = 4,
	};
	const char *body = "Hello from syncsock\n";
	char type[64] = "text/plain";
	unsigned int status = 200;
	size_t body_len = strlen(body);
	char *gen = NULL, *cfg, *p, *tok;
	struct syncsock_http *h;
	int ret = -EINVAL;

	cfg = kstrdup(config, GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	p = cfg;
	while ((tok = strsep(&p, " ")) != NULL) {
		char *val = strchr(tok, '=');

		if (!*tok)
			continue;
		if (val && val - tok == 4 && !strncmp(tok, "body", 4)) {
			/* The rest of the string, spaces included. */
			body = config + (val + 1 - cfg);
			body_len = strlen(body);
			break;
		}
		if (!val) {
			snprintf(err, err_len, "http: '%s' is not KEY=VALUE", tok);
			goto out;
		}
		*val++ = '\0';
		if (!strcmp(tok, "status")) {
			if (kstrtouint(val, 10, &status) || status < 100 || status > 599) {
				snprintf(err, err_len, "http: status '%s' is not 100-599", val);
				goto out;
			}
		} else if (!strcmp(tok, "type")) {
			if (!*val || strscpy(type, val, sizeof(type)) < 0) {
				snprintf(err, err_len, "http: type must be 1-%zu characters",
					 sizeof(type) - 1);
				goto out;
			}
		} else if (!strcmp(tok, "body-size")) {
			unsigned long n;

			if (kstrtoul(val, 10, &n) || n > HTTP_MAX_BODY) {
				snprintf(err, err_len, "http: body-size '%s' is not 0-%u", val,
					 HTTP_MAX_BODY);
				goto out;
			}
			body_len = n;
			kvfree(gen);
			gen = kvmalloc(body_len ?: 1, GFP_KERNEL);
			if (!gen) {
				ret = -ENOMEM;
				goto out;
			}
			memset(gen, 'x', body_len);
			body = gen;
		} else {
			snprintf(err, err_len,
				 "http: unknown option '%s' (status, type, body-size, body)", tok);
			goto out;
		}
	}

	ret = -ENOMEM;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto out;
	h->keep = http_build(status, type, body, body_len, true, &h->keep_len,
			     &h->head_keep_len);
	h->close = http_build(status, type, body, body_len, false, &h->close_len,
			      &h->head_close_len);
	if (!h->keep || !h->close) {
		http_teardown(h);
		goto out;
	}
	ret = syncsock_listener_set_framer(lsn, &framer);
	if (ret) {
		http_teardown(h);
		goto out;
	}
	*priv = h;
out:
	kvfree(gen);
	kfree(cfg);
	return ret;
}

/* Case-insensitive: does header line @line (of @len) start with @name? */
static bool http_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && !strncasecmp(line, name, n) && line[n] == ':';
}

/* The header value after "Name:", trimmed. */
static void http_value(const char *line, size_t len, size_t name_len, const char **v,
		       size_t *vlen)
{
	const char *s = line + name_len + 1, *e = line + len;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*v = s;
	*vlen = e - s;
}

/* Does a comma-separated header value hold @token? */
static bool http_has_token(const char *v, size_t vlen, const char *token)
{
	size_t n = strlen(token);

	while (vlen) {
		const char *c = memchr(v, ',', vlen);
		size_t l = c ? c - v : vlen;
		const char *s = v, *e = v + l;

		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		if (e - s == n && !strncasecmp(s, token, n))
			return true;
		if (!c)
			break;
		vlen -= l + 1;
		v = c + 1;
	}
	return false;
}

struct http_request {
	bool head;		/* HEAD: no body in the response */
	bool keep;		/* keep the connection open after */
	u64 body;		/* Content-Length bytes to skip */
};

static bool http_tchar(char c)
{
	/* strchr() finds the terminating NUL too: a NUL is no tchar. */
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Parse a request header block; false if malformed. */
static bool http_parse(const char *m, size_t len, struct http_request *rq)
{
	const char *end = m + len - 4;	/* before the final CRLF CRLF */
	const char *line, *eol, *sp1, *sp2;
	bool http11, have_len = false;

	/* Empty lines before a request are allowed (RFC 9112 2.2). */
	while (m + 2 <= end && m[0] == '\r' && m[1] == '\n')
		m += 2;
	eol = strnstr(m, "\r\n", end + 2 - m);
	if (!eol)
		return false;
	/* METHOD SP TARGET SP HTTP/1.x */
	sp1 = memchr(m, ' ', eol - m);
	if (!sp1 || sp1 == m)
		return false;
	for (line = m; line < sp1; line++)
		if (!http_tchar(*line))
			return false;
	sp2 = memchr(sp1 + 1, ' ', eol - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1 || eol - sp2 - 1 != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1'))
		return false;
	http11 = sp2[8] == '1';
	rq->head = sp1 - m == 4 && !memcmp(m, "HEAD", 4);
	rq->keep = http11;
	rq->body = 0;

	for (line = eol + 2; line < end + 2; line = eol + 2) {
		const char *colon, *v;
		size_t l, vlen;

		eol = strnstr(line, "\r\n", end + 2 - line);
		if (!eol)
			return false;
		l = eol - line;
		colon = memchr(line, ':', l);
		if (!colon || colon == line)
			return false;
		for (v = line; v < colon; v++)
			if (!http_tchar(*v))
				return false;
		if (http_is(line, l, "Connection")) {
			http_value(line, l, 10, &v, &vlen);
			if (http_has_token(v, vlen, "close"))
				rq->keep = false;
			else if (http_has_token(v, vlen, "keep-alive"))
				rq->keep = true;
		} else if (http_is(line, l, "Content-Length")) {
			const char *d;
			char num[21];

			http_value(line, l, 14, &v, &vlen);
			if (have_len || !vlen || vlen >= sizeof(num))
				return false;
			/* 1*DIGIT: kstrtou64() would take a sign or a newline. */
			for (d = v; d < v + vlen; d++)
				if (!isdigit(*d))
					return false;
			memcpy(num, v, vlen);
			num[vlen] = '\0';
			if (kstrtou64(num, 10, &rq->body))
				return false;
			have_len = true;
		} else if (http_is(line, l, "Transfer-Encoding")) {
			/* Chunked bodies are not for this minimal server. */
			return false;
		}
	}
	return true;
}

static int http_msg(struct syncsock_conn *conn, const void *msg, size_t len)
{
	struct syncsock_http *h = syncsock_conn_listener_priv(conn);
	struct http_request rq;
	int ret;

	if (!http_parse(msg, len, &rq)) {
		ret = syncsock_send(conn, http_400, sizeof(http_400) - 1);
		if (ret == -ENOBUFS || ret == -ENOMEM)
			return -EAGAIN;
		syncsock_count(conn, 1, 1);
		syncsock_close(conn, false);
		return 0;
	}
	if (rq.keep)
		ret = syncsock_send(conn, h->keep, rq.head ? h->head_keep_len : h->keep_len);
	else
		ret = syncsock_send(conn, h->close, rq.head ? h->head_close_len : h->close_len);
	if (ret == -ENOBUFS || ret == -ENOMEM)
		return -EAGAIN;	/* offered again once the queue drains */
	if (ret)
		return ret;
	syncsock_count(conn, 0, 1);
	if (rq.body)
		syncsock_framer_skip(conn, rq.body);
	if (!rq.keep)
		syncsock_close(conn, false);
	return 0;
}

struct syncsock_handler syncsock_http_handler = {
	.name = "http",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.setup = http_setup,
	.teardown = http_teardown,
	.msg = http_msg,
};
