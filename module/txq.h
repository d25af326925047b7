/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the per-connection send queue.
 *
 * Bytes a handler sent that TCP could not take at once wait here, in order,
 * until sk_write_space or the connection's work flushes them.  The queue
 * counts payload bytes against a limit; it knows nothing about sockets, so
 * KUnit tests it directly.
 */
#ifndef _SYNCSOCK_TXQ_H
#define _SYNCSOCK_TXQ_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/uio.h>
#include <asm/page.h>

#include "mem.h"

/* Payload room of a chunk allocated for small sends, so that many small
 * replies share one allocation.
 */
#define SYNCSOCK_TXQ_CHUNK	(2048 - sizeof(struct syncsock_txq_chunk))
/* ... and of the largest chunk: one page, so that no atomic allocation of
 * the queue is of a high order (they fail first when memory fragments).
 */
#define SYNCSOCK_TXQ_CHUNK_MAX	(PAGE_SIZE - sizeof(struct syncsock_txq_chunk))

struct syncsock_txq_chunk {
	struct list_head node;
	u32 start;		/* first unsent byte */
	u32 end;		/* one past the last byte written */
	u32 size;		/* room in data[] */
	u8 data[];
};

/**
 * struct syncsock_txq - bytes waiting to be sent, in order
 * @chunks: list of &struct syncsock_txq_chunk, oldest first
 * @bytes: unsent payload bytes in the queue
 * @limit: most @bytes may ever be
 * @charge: where the chunks' memory is charged; NULL for nowhere
 */
struct syncsock_txq {
	struct list_head chunks;
	u32 bytes;
	u32 limit;
	const struct syncsock_charge *charge;
};

void syncsock_txq_init(struct syncsock_txq *q, u32 limit);
int syncsock_txq_room(const struct syncsock_txq *q, size_t len);
int syncsock_txq_append(struct syncsock_txq *q, const void *data, size_t len,
			gfp_t gfp);
int syncsock_txq_append_vec(struct syncsock_txq *q, const struct kvec *vec, size_t nr,
			    size_t skip, gfp_t gfp);
struct sk_buff;
int syncsock_txq_append_skb(struct syncsock_txq *q, const struct sk_buff *skb,
			    unsigned int offset, size_t len, gfp_t gfp);
int syncsock_txq_prepend_vec(struct syncsock_txq *q, const struct kvec *vec, size_t nr,
			     size_t skip, gfp_t gfp);
const void *syncsock_txq_peek(const struct syncsock_txq *q, size_t *len);
void syncsock_txq_consume(struct syncsock_txq *q, size_t len);
void syncsock_txq_purge(struct syncsock_txq *q);

static inline bool syncsock_txq_empty(const struct syncsock_txq *q)
{
	return q->bytes == 0;
}

#endif /* _SYNCSOCK_TXQ_H */
