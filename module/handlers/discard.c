// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the discard handler.  Consumes and counts (the listener's
 * rx_bytes counter); never answers.
 */
#include "../internal.h"

static int syncsock_discard_data(struct syncsock_conn *conn, const struct sk_buff *skb,
				 unsigned int offset, size_t len)
{
	return len;
}

struct syncsock_handler syncsock_discard_handler = {
	.name = "discard",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.data = syncsock_discard_data,
};
