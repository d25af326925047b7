// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the echo handler.  Sends every byte back, in softirq, as it
 * arrives.  Paged and frag_list data is walked with skb_seq_read() and sent
 * straight from the mapped pages: nothing is copied on our side (TCP copies
 * into its own send buffer).
 */
#include <linux/skbuff.h>

#include "../internal.h"

static int syncsock_echo_data(struct syncsock_conn *conn, const struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	struct skb_seq_state st;
	unsigned int done = 0;
	const u8 *p;
	unsigned int n;

	if (offset + len <= skb_headlen(skb))
		return syncsock_send(conn, skb->data + offset, len) ? 0 : len;

	skb_prepare_seq_read((struct sk_buff *)skb, offset, offset + len, &st);
	while ((n = skb_seq_read(done, &p, &st)) != 0) {
		/* skb_seq_read() returns whole blocks, past our range too. */
		n = min_t(unsigned int, n, len - done);
		if (syncsock_send(conn, p, n)) {
			/* Queue full: stop here; the rest is offered again
			 * once it drains.
			 */
			skb_abort_seq_read(&st);
			break;
		}
		done += n;
	}
	return done;
}

struct syncsock_handler syncsock_echo_handler = {
	.name = "echo",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.data = syncsock_echo_data,
};
