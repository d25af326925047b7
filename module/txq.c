// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the per-connection send queue (see txq.h).
 */
#include <linux/errno.h>
#include <linux/error-injection.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "txq.h"

/**
 * syncsock_txq_init() - make an empty queue
 * @q: the queue
 * @limit: most payload bytes it may hold
 *
 * Context: any context.
 */
void syncsock_txq_init(struct syncsock_txq *q, u32 limit)
{
	INIT_LIST_HEAD(&q->chunks);
	q->bytes = 0;
	q->limit = limit;
	q->charge = NULL;
}

/*
 * A chunk of @want payload bytes, or NULL.  A function of its own, so that
 * fail_function can fail it (the torture campaign's fault injection).
 */
static noinline __noclone struct syncsock_txq_chunk *
syncsock_txq_chunk_alloc(size_t want, gfp_t gfp)
{
	struct syncsock_txq_chunk *nc;

	return kmalloc(struct_size(nc, data, want), gfp);
}
ALLOW_ERROR_INJECTION(syncsock_txq_chunk_alloc, NULL);

/* Free a chunk and give its memory back. */
static void syncsock_txq_free(const struct syncsock_txq *q, struct syncsock_txq_chunk *c)
{
	syncsock_charge(q->charge, -(long)struct_size(c, data, c->size));
	kfree(c);
}

/**
 * syncsock_txq_room() - would @len more bytes fit?
 * @q: the queue
 * @len: bytes to add
 *
 * Context: any context; the caller serializes with other users of @q.
 * Return: 0 if they fit, -EMSGSIZE if @len exceeds the limit itself,
 * -ENOBUFS if the queue is too full now.
 */
int syncsock_txq_room(const struct syncsock_txq *q, size_t len)
{
	if (len > q->limit)
		return -EMSGSIZE;
	/* A head insert may have taken the queue past its limit. */
	if (q->bytes >= q->limit || len > q->limit - q->bytes)
		return -ENOBUFS;
	return 0;
}

/* Where queued bytes come from: pieces of memory, or an skb's bytes. */
struct syncsock_txq_src {
	const struct kvec *vec;
	size_t nr;
	const struct sk_buff *skb;
	unsigned int offset;
};

/* Copy the bytes of @src after the first @skip into @dst, @len of them. */
static void syncsock_src_copy(u8 *dst, const struct syncsock_txq_src *src, size_t skip,
			      size_t len)
{
	size_t i;

	if (src->skb) {
		/* The range and the skb's readability were checked by
		 * syncsock_txq_append_skb(): this cannot fail.  Should it,
		 * the bytes are zeroes, never what the memory held before.
		 */
		if (WARN_ON_ONCE(skb_copy_bits(src->skb, src->offset + skip, dst, len)))
			memset(dst, 0, len);
		return;
	}
	for (i = 0; i < src->nr && len; i++) {
		size_t n;

		if (skip >= src->vec[i].iov_len) {
			skip -= src->vec[i].iov_len;
			continue;
		}
		n = min(src->vec[i].iov_len - skip, len);
		memcpy(dst, src->vec[i].iov_base + skip, n);
		dst += n;
		len -= n;
		skip = 0;
	}
}

/*
 * Chunks with room for @len bytes on @fresh, each at most
 * %SYNCSOCK_TXQ_CHUNK_MAX bytes (an order-0 allocation), filled from @src
 * after its first @skip bytes.  Return: 0 or -ENOMEM (nothing left on
 * @fresh).
 */
static int syncsock_txq_fill(const struct syncsock_txq *q, struct list_head *fresh,
			     const struct syncsock_txq_src *src, size_t skip, size_t len,
			     gfp_t gfp, bool force)
{
	struct syncsock_txq_chunk *nc, *tmp;
	size_t room = 0, want;

	while (room < len) {
		want = clamp_t(size_t, len - room, SYNCSOCK_TXQ_CHUNK, SYNCSOCK_TXQ_CHUNK_MAX);
		/* Over the module's budget is as short of memory. */
		if (force)
			syncsock_charge_force(q->charge, struct_size(nc, data, want));
		else if (!syncsock_charge(q->charge, struct_size(nc, data, want)))
			goto nomem;
		nc = syncsock_txq_chunk_alloc(want, gfp);
		if (!nc) {
			syncsock_charge(q->charge, -(long)struct_size(nc, data, want));
			goto nomem;
		}
		nc->start = 0;
		nc->end = 0;
		nc->size = want;
		list_add_tail(&nc->node, fresh);
		room += want;
	}
	list_for_each_entry(nc, fresh, node) {
		nc->end = min_t(size_t, len, nc->size);
		syncsock_src_copy(nc->data, src, skip, nc->end);
		skip += nc->end;
		len -= nc->end;
	}
	return 0;

nomem:
	list_for_each_entry_safe(nc, tmp, fresh, node)
		syncsock_txq_free(q, nc);
	INIT_LIST_HEAD(fresh);
	return -ENOMEM;
}

static size_t syncsock_vec_len(const struct kvec *vec, size_t nr, size_t skip)
{
	size_t len = 0, i;

	for (i = 0; i < nr; i++)
		len += vec[i].iov_len;
	return len > skip ? len - skip : 0;
}

/* Append @len bytes of @src after its first @skip: all or nothing. */
static int syncsock_txq_append_src(struct syncsock_txq *q, const struct syncsock_txq_src *src,
				   size_t skip, size_t len, gfp_t gfp)
{
	struct syncsock_txq_chunk *c;
	LIST_HEAD(fresh);
	size_t n;
	int err;

	err = syncsock_txq_room(q, len);
	if (err)
		return err;
	if (!len)
		return 0;

	c = list_empty(&q->chunks) ? NULL :
		list_last_entry(&q->chunks, struct syncsock_txq_chunk, node);
	n = c ? min_t(size_t, len, c->size - c->end) : 0;
	if (n < len) {
		err = syncsock_txq_fill(q, &fresh, src, skip + n, len - n, gfp, false);
		if (err)
			return err;
	}
	if (n) {
		syncsock_src_copy(c->data + c->end, src, skip, n);
		c->end += n;
	}
	list_splice_tail(&fresh, &q->chunks);
	q->bytes += len;
	return 0;
}

/**
 * syncsock_txq_append_vec() - copy pieces of bytes to the tail of the queue
 * @q: the queue
 * @vec: the pieces, in order
 * @nr: how many
 * @skip: bytes at the start of @vec already sent, not to queue
 * @gfp: allocation flags (GFP_ATOMIC from softirq)
 *
 * Takes all the bytes or nothing: the chunks it needs (none if the last one
 * has room, each at most %SYNCSOCK_TXQ_CHUNK_MAX bytes, so that no atomic
 * allocation is of a high order) are allocated before the queue changes.
 *
 * Context: any context allowed by @gfp; the caller serializes.
 * Return: 0, or the error of syncsock_txq_room(), or -ENOMEM.
 */
int syncsock_txq_append_vec(struct syncsock_txq *q, const struct kvec *vec, size_t nr,
			    size_t skip, gfp_t gfp)
{
	const struct syncsock_txq_src src = { .vec = vec, .nr = nr };

	return syncsock_txq_append_src(q, &src, skip, syncsock_vec_len(vec, nr, skip), gfp);
}

/**
 * syncsock_txq_append_skb() - copy bytes of an skb to the tail of the queue
 * @q: the queue
 * @skb: the skb
 * @offset: where the bytes start in it
 * @len: how many; @offset + @len must lie within @skb
 * @gfp: allocation flags (GFP_ATOMIC from softirq)
 *
 * As syncsock_txq_append_vec(): all of @len or nothing.
 *
 * Context: any context allowed by @gfp; the caller serializes.
 * Return: 0, or the error of syncsock_txq_room(), or -ENOMEM.
 */
int syncsock_txq_append_skb(struct syncsock_txq *q, const struct sk_buff *skb,
			    unsigned int offset, size_t len, gfp_t gfp)
{
	const struct syncsock_txq_src src = { .skb = skb, .offset = offset };

	if (WARN_ON_ONCE(offset > skb->len || len > skb->len - offset) ||
	    !syncsock_skb_readable(skb))
		return -EINVAL;
	return syncsock_txq_append_src(q, &src, 0, len, gfp);
}

/**
 * syncsock_txq_prepend_vec() - put bytes back at the head of the queue
 * @q: the queue
 * @vec: the pieces, in order
 * @nr: how many
 * @skip: bytes at the start of @vec already sent, not to queue
 * @gfp: allocation flags (GFP_ATOMIC from softirq)
 *
 * For the rest of a send that TCP took in part: it goes before whatever
 * another context queued meanwhile, which must follow it on the wire.  Its
 * room was checked, in an empty queue, before the send began, so only the
 * limit itself bounds it: the queue may then hold up to twice its limit.
 * Its memory is charged even past the module's budget: refusing it would
 * leave a hole in the stream (only a failed allocation still does).
 *
 * Context: any context allowed by @gfp; the caller serializes, and no flush
 * runs (the head chunk may be in use by one).
 * Return: 0, -EMSGSIZE if the bytes exceed the limit, or -ENOMEM.
 */
int syncsock_txq_prepend_vec(struct syncsock_txq *q, const struct kvec *vec, size_t nr,
			     size_t skip, gfp_t gfp)
{
	const struct syncsock_txq_src src = { .vec = vec, .nr = nr };
	size_t len = syncsock_vec_len(vec, nr, skip);
	LIST_HEAD(fresh);
	int err;

	if (len > q->limit)
		return -EMSGSIZE;
	if (!len)
		return 0;
	err = syncsock_txq_fill(q, &fresh, &src, skip, len, gfp, true);
	if (err)
		return err;
	list_splice(&fresh, &q->chunks);
	q->bytes += len;
	return 0;
}

/**
 * syncsock_txq_append() - copy bytes to the tail of the queue
 * @q: the queue
 * @data: the bytes
 * @len: how many
 * @gfp: allocation flags (GFP_ATOMIC from softirq)
 *
 * Takes all of @len or nothing.
 *
 * Context: any context allowed by @gfp; the caller serializes.
 * Return: 0, or the error of syncsock_txq_room(), or -ENOMEM.
 */
int syncsock_txq_append(struct syncsock_txq *q, const void *data, size_t len,
			gfp_t gfp)
{
	struct kvec vec = { .iov_base = (void *)data, .iov_len = len };

	return syncsock_txq_append_vec(q, &vec, 1, 0, gfp);
}

/**
 * syncsock_txq_peek() - the oldest unsent bytes
 * @q: the queue
 * @len: set to how many bytes the returned pointer covers
 *
 * Context: any context; the caller serializes with syncsock_txq_consume().
 * Return: pointer to the bytes, or NULL (and *@len = 0) if the queue is empty.
 */
const void *syncsock_txq_peek(const struct syncsock_txq *q, size_t *len)
{
	struct syncsock_txq_chunk *c;

	if (list_empty(&q->chunks)) {
		*len = 0;
		return NULL;
	}
	c = list_first_entry(&q->chunks, struct syncsock_txq_chunk, node);
	*len = c->end - c->start;
	return c->data + c->start;
}

/**
 * syncsock_txq_consume() - drop bytes that were sent
 * @q: the queue
 * @len: how many, from the head; at most the queue's bytes
 *
 * Context: any context; the caller serializes.
 */
void syncsock_txq_consume(struct syncsock_txq *q, size_t len)
{
	if (WARN_ON_ONCE(len > q->bytes))
		len = q->bytes;
	q->bytes -= len;
	while (len) {
		struct syncsock_txq_chunk *c;
		size_t n;

		c = list_first_entry(&q->chunks, struct syncsock_txq_chunk, node);
		n = min_t(size_t, len, c->end - c->start);
		c->start += n;
		len -= n;
		if (c->start == c->end) {
			list_del(&c->node);
			syncsock_txq_free(q, c);
		}
	}
}

/**
 * syncsock_txq_purge() - free every queued byte
 * @q: the queue
 *
 * Context: any context; the caller serializes.
 */
void syncsock_txq_purge(struct syncsock_txq *q)
{
	struct syncsock_txq_chunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, &q->chunks, node)
		syncsock_txq_free(q, c);
	INIT_LIST_HEAD(&q->chunks);
	q->bytes = 0;
}
