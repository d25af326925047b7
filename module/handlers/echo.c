// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the echo handler.  Sends every byte back, in softirq, as it
 * arrives.  Paged and frag_list data is walked with skb_seq_read() and sent
 * straight from the mapped pages: nothing is copied on our side (TCP copies
 * into its own send buffer).
 */
#include <linux/skbuff.h>

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

struct syncsock_handler syncsock_echo_handler = {
	.name = "echo",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.data = syncsock_echo_data,
};
