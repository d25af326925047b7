/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the message framer.  Turns a connection's byte stream into whole
 * messages, either length-prefixed or delimiter-terminated.  It knows nothing
 * of sockets: it is fed (skb, offset, len) ranges and calls a delivery
 * function, so KUnit feeds it constructed skbs directly.
 */
#ifndef _SYNCSOCK_FRAMER_H
#define _SYNCSOCK_FRAMER_H

#include <linux/skbuff.h>
#include <linux/types.h>
#include <syncsock/syncsock.h>

#include "mem.h"

/**
 * struct syncsock_framer - one connection's framing state
 * @cfg: the rules (the listener's, shared)
 * @buf: bytes of an incomplete message, or of a complete one whose delivery
 *	was refused with -EAGAIN; allocated on demand
 * @size: room in @buf
 * @fill: bytes in @buf
 * @need: length-prefixed: the message's total length once its header is in,
 *	else 0
 * @matched: delimiter: how many delimiter bytes end the buffered data
 * @skip: bytes still to drop (syncsock_framer_skip())
 * @pending: @buf holds a complete message not yet accepted
 * @gathered: messages gathered in @buf and accepted so far (a new one being
 *	gathered is told apart from the last by it)
 * @charge: where @buf's memory is charged; NULL for nowhere
 */
struct syncsock_framer {
	const struct syncsock_framer_cfg *cfg;
	u8 *buf;
	u32 size;
	u32 fill;
	u32 need;
	u32 matched;
	u64 skip;
	u32 gathered;
	bool pending;
	const struct syncsock_charge *charge;
};

/*
 * Deliver one message; return 0, -EAGAIN to be offered it again later (the
 * framer keeps it and stops reading), or another negative errno to fail.
 */
typedef int (*syncsock_framer_deliver_t)(void *arg, const void *msg, size_t len);

int syncsock_framer_cfg_check(const struct syncsock_framer_cfg *cfg);
void syncsock_framer_init(struct syncsock_framer *f, const struct syncsock_framer_cfg *cfg);
void syncsock_framer_release(struct syncsock_framer *f);
int syncsock_framer_feed(struct syncsock_framer *f, const struct sk_buff *skb,
			 unsigned int offset, size_t len,
			 syncsock_framer_deliver_t deliver, void *arg, size_t *used);
int syncsock_framer_retry(struct syncsock_framer *f, syncsock_framer_deliver_t deliver,
			  void *arg);

#endif /* _SYNCSOCK_FRAMER_H */
