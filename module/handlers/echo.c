// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the echo handler.  Sends every byte back, in softirq, as it
 * arrives.  Paged and frag_list data is walked with skb_seq_read() and sent
 * straight from the mapped pages: nothing is copied on our side (TCP copies
 * into its own send buffer).
 *
 * With a configuration it echoes whole messages instead, cut by the framer:
 *   length=W [offset=N] [header=N] [endian=big|little] [count=body|all]
 *   [max=N]		a W-byte (1, 2, 4, 8) length field
 *   delim=TEXT [max=N]	a delimiter (\r, \n, \\ and \xHH escapes)
 * Each message goes back as one send, at once or not at all.
 */
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../internal.h"

/*
 * Send @n bytes at @p in pieces the send queue can hold: a piece larger than
 * the queue limit is refused (-EMSGSIZE) even when TCP has room, so halve it.
 * Return: bytes sent; fewer than @n when the queue is full.
 */
static unsigned int syncsock_echo_send(struct syncsock_conn *conn, const u8 *p,
				       unsigned int n, unsigned int *piece)
{
	unsigned int done = 0;

	while (done < n) {
		unsigned int k = min(n - done, *piece);
		int err = syncsock_send(conn, p + done, k);

		if (err == -EMSGSIZE && k > 1) {
			*piece = k / 2;
			continue;
		}
		if (err)
			break;	/* queue full or no memory: the rest comes again */
		done += k;
	}
	return done;
}

static int syncsock_echo_data(struct syncsock_conn *conn, const struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	unsigned int piece = UINT_MAX, done = 0, n, sent;
	struct skb_seq_state st;
	const u8 *p;

	if (offset + len <= skb_headlen(skb))
		return syncsock_echo_send(conn, skb->data + offset, len, &piece);

	skb_prepare_seq_read((struct sk_buff *)skb, offset, offset + len, &st);
	while ((n = skb_seq_read(done, &p, &st)) != 0) {
		/* skb_seq_read() returns whole blocks, past our range too. */
		n = min_t(unsigned int, n, len - done);
		sent = syncsock_echo_send(conn, p, n, &piece);
		done += sent;
		if (sent < n) {
			skb_abort_seq_read(&st);
			break;
		}
	}
	return done;
}

/* A framed echo: the whole message back in one send. */
static int syncsock_echo_msg(struct syncsock_conn *conn, const void *msg, size_t len)
{
	int err = syncsock_send(conn, msg, len);

	/* Queue full or memory short: the same message comes again. */
	if (err == -ENOBUFS || err == -ENOMEM)
		return -EAGAIN;
	return err;	/* -EMSGSIZE: larger than the send queue can ever hold */
}

/* Unescape a delimiter: \r \n \t \\ \xHH.  Return: its length or -EINVAL. */
static int syncsock_echo_delim(const char *text, u8 *out, size_t room)
{
	size_t n = 0;

	while (*text) {
		u8 c = *text++;

		if (c == '\\') {
			c = *text++;
			if (c == 'r') {
				c = '\r';
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'x') {
				int hi = hex_to_bin(text[0]);
				int lo = hi < 0 ? -1 : hex_to_bin(text[1]);

				if (lo < 0)
					return -EINVAL;
				c = hi << 4 | lo;
				text += 2;
			} else if (c != '\\') {
				return -EINVAL;
			}
		}
		if (n == room)
			return -EINVAL;
		out[n++] = c;
	}
	return n ? n : -EINVAL;
}

/* One KEY=VALUE option of the framed echo. */
static int syncsock_echo_option(struct syncsock_framer_cfg *f, const char *key,
				const char *val, char *err, size_t err_len)
{
	unsigned int n;

	if (!strcmp(key, "delim")) {
		int len = syncsock_echo_delim(val, f->delim, sizeof(f->delim));

		if (len < 0) {
			snprintf(err, err_len,
				 "echo: delim must be 1-%zu bytes (escapes \\r \\n \\t \\\\ \\xHH)",
				 sizeof(f->delim));
			return -EINVAL;
		}
		f->type = SYNCSOCK_FRAMER_DELIM;
		f->delim_len = len;
		return 0;
	}
	if (!strcmp(key, "endian")) {
		if (strcmp(val, "big") && strcmp(val, "little"))
			goto bad;
		f->len_big_endian = !strcmp(val, "big");
		return 0;
	}
	if (!strcmp(key, "count")) {
		if (strcmp(val, "body") && strcmp(val, "all"))
			goto bad;
		f->len_includes_header = !strcmp(val, "all");
		return 0;
	}
	if (strcmp(key, "length") && strcmp(key, "offset") && strcmp(key, "header") &&
	    strcmp(key, "max")) {
		snprintf(err, err_len,
			 "echo: unknown option '%s' (length, offset, header, endian, count, delim, max)",
			 key);
		return -EINVAL;
	}
	if (kstrtouint(val, 0, &n))
		goto bad;
	if (!strcmp(key, "length")) {
		if (n > 8)
			goto bad;
		f->type = SYNCSOCK_FRAMER_LENGTH;
		f->len_width = n;	/* checked with the rest of the rules */
	} else if (!strcmp(key, "max")) {
		f->max_msg = n;
	} else if (n > U16_MAX) {
		goto bad;
	} else if (!strcmp(key, "offset")) {
		f->len_offset = n;
	} else {
		f->hdr_len = n;
	}
	return 0;
bad:
	snprintf(err, err_len, "echo: bad value '%s' for %s", val, key);
	return -EINVAL;
}

static int syncsock_echo_setup(struct syncsock_listener *lsn, const char *config,
			       void **priv, char *err, size_t err_len)
{
	struct syncsock_framer_cfg f = {
		.max_msg = 65536,
		.len_big_endian = true,
	};
	char *cfg, *p, *tok;
	int ret = 0;

	if (!config[0])
		return 0;	/* plain echo */
	cfg = kstrdup(config, GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	p = cfg;
	while (!ret && (tok = strsep(&p, " ")) != NULL) {
		char *val = strchr(tok, '=');

		if (!*tok)
			continue;
		if (!val) {
			snprintf(err, err_len, "echo: '%s' is not KEY=VALUE", tok);
			ret = -EINVAL;
			break;
		}
		*val++ = '\0';
		ret = syncsock_echo_option(&f, tok, val, err, err_len);
	}
	kfree(cfg);
	if (ret)
		return ret;
	if (f.type == SYNCSOCK_FRAMER_NONE) {
		snprintf(err, err_len, "echo: framing needs length=W or delim=TEXT");
		return -EINVAL;
	}
	ret = syncsock_listener_set_framer(lsn, &f);
	if (ret)
		snprintf(err, err_len,
			 "echo: the framing makes no sense (length 1, 2, 4 or 8; header >= offset + length; max >= header, at most %lu)",
			 (unsigned long)KMALLOC_MAX_SIZE);
	return ret;
}

struct syncsock_handler syncsock_echo_handler = {
	.name = "echo",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.setup = syncsock_echo_setup,
	.data = syncsock_echo_data,
	.msg = syncsock_echo_msg,
};
