// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the message framer (see framer.h).
 *
 * When a whole message lies in one contiguous piece of the data (the linear
 * part of an skb, or one page fragment), it is delivered in place: no copy.
 * A message split across pieces, segments or calls is gathered in a
 * per-connection buffer of at most max_msg bytes, allocated with GFP_ATOMIC.
 */
#include <linux/errno.h>
#include <linux/error-injection.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "framer.h"

/* A buffer larger than this is freed after its message, not kept. */
#define SYNCSOCK_FRAMER_KEEP	4096

static u32 syncsock_framer_hdr_len(const struct syncsock_framer_cfg *cfg)
{
	return cfg->hdr_len ? cfg->hdr_len : cfg->len_offset + cfg->len_width;
}

/**
 * syncsock_framer_cfg_check() - are these framing rules usable?
 * @cfg: the rules
 *
 * Context: any context.
 * Return: 0 or -EINVAL.
 */
int syncsock_framer_cfg_check(const struct syncsock_framer_cfg *cfg)
{
	/* A message is gathered in one atomic allocation. */
	if (cfg->max_msg > KMALLOC_MAX_SIZE)
		return -EINVAL;
	switch (cfg->type) {
	case SYNCSOCK_FRAMER_NONE:
		return 0;
	case SYNCSOCK_FRAMER_LENGTH:
		if (cfg->len_width != 1 && cfg->len_width != 2 && cfg->len_width != 4 &&
		    cfg->len_width != 8)
			return -EINVAL;
		if (cfg->hdr_len && cfg->hdr_len < cfg->len_offset + cfg->len_width)
			return -EINVAL;
		if (!cfg->max_msg || cfg->max_msg < syncsock_framer_hdr_len(cfg))
			return -EINVAL;
		return 0;
	case SYNCSOCK_FRAMER_DELIM:
		if (!cfg->delim_len || cfg->delim_len > sizeof(cfg->delim))
			return -EINVAL;
		if (cfg->max_msg < cfg->delim_len)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/**
 * syncsock_framer_init() - start framing a connection
 * @f: the state
 * @cfg: the rules, valid for the life of @f
 *
 * Context: any context.
 */
void syncsock_framer_init(struct syncsock_framer *f, const struct syncsock_framer_cfg *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
}

/**
 * syncsock_framer_release() - free what the framer holds
 * @f: the state
 *
 * Context: any context.
 */
void syncsock_framer_release(struct syncsock_framer *f)
{
	if (f->buf)
		syncsock_charge(f->charge, -(long)f->size);
	kfree(f->buf);
	f->buf = NULL;
	f->size = 0;
	f->fill = 0;
}

/* The buffer at @size bytes, charged first; NULL (nothing charged) if over
 * the budget or out of memory.  fail_function may fail it.
 */
static noinline __noclone u8 *syncsock_framer_grow(struct syncsock_framer *f, u32 size)
{
	long more = (long)size - f->size;
	u8 *nb;

	if (!syncsock_charge(f->charge, more))
		return NULL;
	nb = krealloc(f->buf, size, GFP_ATOMIC | __GFP_NOWARN);
	if (!nb)
		syncsock_charge(f->charge, -more);
	return nb;
}
ALLOW_ERROR_INJECTION(syncsock_framer_grow, NULL);

static int syncsock_framer_reserve(struct syncsock_framer *f, u32 size)
{
	u32 grow;
	u8 *nb;

	if (size <= f->size)
		return 0;
	/* Grow geometrically, but never past the largest message; short of
	 * memory, by just what is needed.
	 */
	grow = min_t(u32, max_t(u32, size, 2 * f->size), f->cfg->max_msg);
	nb = syncsock_framer_grow(f, grow);
	if (!nb && grow > size) {
		grow = size;
		nb = syncsock_framer_grow(f, grow);
	}
	if (!nb)
		return -ENOMEM;
	f->buf = nb;
	f->size = grow;
	return 0;
}

/* The buffered message was accepted: start afresh. */
static void syncsock_framer_reset(struct syncsock_framer *f)
{
	f->gathered++;
	f->fill = 0;
	f->need = 0;
	f->matched = 0;
	f->pending = false;
	if (f->size > SYNCSOCK_FRAMER_KEEP)
		syncsock_framer_release(f);
}

/* Total length of a length-prefixed message from its header. */
static int syncsock_framer_total(const struct syncsock_framer_cfg *cfg, const u8 *hdr,
				 u32 *total)
{
	const u8 *p = hdr + cfg->len_offset;
	u32 hlen = syncsock_framer_hdr_len(cfg);
	u64 v;

	switch (cfg->len_width) {
	case 1:
		v = *p;
		break;
	case 2:
		v = cfg->len_big_endian ? get_unaligned_be16(p) : get_unaligned_le16(p);
		break;
	case 4:
		v = cfg->len_big_endian ? get_unaligned_be32(p) : get_unaligned_le32(p);
		break;
	default:
		v = cfg->len_big_endian ? get_unaligned_be64(p) : get_unaligned_le64(p);
		break;
	}
	/* The peer chooses v: compare before adding, so that no value wraps
	 * (2^64 - hlen + hlen is 0 in a u64).  syncsock_framer_cfg_check()
	 * made sure that max_msg >= hlen.
	 */
	if (cfg->len_includes_header) {
		if (v < hlen)
			return -EPROTO;	/* shorter than its own header */
	} else {
		if (v > cfg->max_msg - hlen)
			return -EMSGSIZE;
		v += hlen;
	}
	if (v > cfg->max_msg)
		return -EMSGSIZE;
	*total = v;
	return 0;
}

/* Deliver the buffered message; keep it if the handler says -EAGAIN. */
static int syncsock_framer_deliver_buf(struct syncsock_framer *f,
				       syncsock_framer_deliver_t deliver, void *arg)
{
	int ret = deliver(arg, f->buf, f->fill);

	if (ret == -EAGAIN) {
		f->pending = true;
		return ret;
	}
	if (!ret)
		syncsock_framer_reset(f);
	return ret;
}

/*
 * Drop bytes the handler asked to skip (syncsock_framer_skip()); they follow
 * a delivered message, so nothing is buffered then.  Return: true if some
 * were dropped from the @n byte piece, *@done advanced past them.
 */
static bool syncsock_framer_skipping(struct syncsock_framer *f, size_t n, size_t *done)
{
	size_t k;

	if (!f->skip || f->fill)
		return false;
	k = min_t(u64, f->skip, n - *done);
	f->skip -= k;
	*done += k;
	return true;
}

/*
 * Length-prefixed framing of one contiguous piece.  Returns 0 with *@used
 * set, -EAGAIN with *@used covering what was taken before the refusal, or an
 * error.
 */
static int syncsock_framer_length(struct syncsock_framer *f, const u8 *p, size_t n,
				  syncsock_framer_deliver_t deliver, void *arg, size_t *used)
{
	const struct syncsock_framer_cfg *cfg = f->cfg;
	u32 hlen = syncsock_framer_hdr_len(cfg);
	size_t done = 0;
	int ret;

	while (done < n) {
		size_t left = n - done;
		u32 k;

		if (syncsock_framer_skipping(f, n, &done))
			continue;
		if (!f->fill && left >= hlen) {
			u32 total;

			ret = syncsock_framer_total(cfg, p + done, &total);
			if (ret)
				return ret;
			if (left >= total) {
				/* Whole and contiguous: in place. */
				ret = deliver(arg, p + done, total);
				if (ret)
					goto out;
				done += total;
				continue;
			}
		}
		/* -ENOMEM leaves the state as the bytes taken so far made it:
		 * feeding the rest again later goes on from there.
		 */
		if (f->fill < hlen) {
			ret = syncsock_framer_reserve(f, hlen);
			if (ret)
				goto out;
			k = min_t(size_t, hlen - f->fill, left);
			memcpy(f->buf + f->fill, p + done, k);
			f->fill += k;
			done += k;
			if (f->fill < hlen)
				continue;
			ret = syncsock_framer_total(cfg, f->buf, &f->need);
			if (ret)
				return ret;
		}
		ret = syncsock_framer_reserve(f, f->need);
		if (ret)
			goto out;
		k = min_t(size_t, f->need - f->fill, n - done);
		memcpy(f->buf + f->fill, p + done, k);
		f->fill += k;
		done += k;
		if (f->fill == f->need) {
			ret = syncsock_framer_deliver_buf(f, deliver, arg);
			if (ret)
				goto out;
		}
	}
	*used = done;
	return 0;
out:
	*used = done;
	return ret;
}

/* Delimiter bytes matched after @matched of them were, and then byte @c. */
static u32 syncsock_framer_next(const struct syncsock_framer_cfg *cfg, u32 matched, u8 c)
{
	u32 k;

	if (cfg->delim[matched] == c)
		return matched + 1;
	/* The longest delimiter prefix that ends the text seen so far. */
	for (k = matched; k > 0; k--)
		if (cfg->delim[k - 1] == c &&
		    !memcmp(cfg->delim, cfg->delim + matched - (k - 1), k - 1))
			return k;
	return 0;
}

/* Index just past the first delimiter in @p, or 0 if there is none. */
static size_t syncsock_framer_find(const struct syncsock_framer_cfg *cfg, const u8 *p,
				   size_t n)
{
	const u8 *s = p, *end = p + n;

	while (end - s >= cfg->delim_len) {
		s = memchr(s, cfg->delim[0], end - s - cfg->delim_len + 1);
		if (!s)
			return 0;
		if (!memcmp(s, cfg->delim, cfg->delim_len))
			return s - p + cfg->delim_len;
		s++;
	}
	return 0;
}

/* Delimiter framing of one contiguous piece; as syncsock_framer_length(). */
static int syncsock_framer_delim(struct syncsock_framer *f, const u8 *p, size_t n,
				 syncsock_framer_deliver_t deliver, void *arg, size_t *used)
{
	const struct syncsock_framer_cfg *cfg = f->cfg;
	size_t done = 0;
	int ret;

	while (done < n) {
		if (syncsock_framer_skipping(f, n, &done))
			continue;
		if (!f->fill) {
			size_t end = syncsock_framer_find(cfg, p + done, n - done);

			if (end) {
				if (end > cfg->max_msg)
					return -EMSGSIZE;
				ret = deliver(arg, p + done, end);
				if (ret)
					goto out;
				done += end;
				continue;
			}
		}
		/* Gather byte by byte, following the delimiter's match. */
		while (done < n) {
			u8 c = p[done];

			if (f->fill == cfg->max_msg)
				return -EMSGSIZE;
			ret = syncsock_framer_reserve(f, f->fill + 1);
			if (ret)
				goto out;
			f->buf[f->fill++] = c;
			done++;
			f->matched = syncsock_framer_next(cfg, f->matched, c);
			if (f->matched == cfg->delim_len) {
				ret = syncsock_framer_deliver_buf(f, deliver, arg);
				if (ret)
					goto out;
				break;
			}
		}
	}
	*used = done;
	return 0;
out:
	*used = done;
	return ret;
}

/**
 * syncsock_framer_retry() - offer a refused message again
 * @f: the state
 * @deliver: delivery function
 * @arg: its argument
 *
 * Context: as the delivery function requires.
 * Return: 0 if nothing is pending any more, -EAGAIN if it still is, or the
 * delivery's error.
 */
int syncsock_framer_retry(struct syncsock_framer *f, syncsock_framer_deliver_t deliver,
			  void *arg)
{
	if (!f->pending)
		return 0;
	return syncsock_framer_deliver_buf(f, deliver, arg);
}

/**
 * syncsock_framer_feed() - frame bytes of an skb
 * @f: the state
 * @skb: the data: linear part, page fragments and frag_list alike
 * @offset: where the bytes start in @skb
 * @len: how many
 * @deliver: called for each complete message
 * @arg: its argument
 * @used: set to how many of the @len bytes were taken: all of them, unless a
 *	delivery returned -EAGAIN or the buffer could not grow (-ENOMEM); the
 *	rest is to be fed again later
 *
 * Context: softirq or process context; allocates with GFP_ATOMIC.
 * Return: 0 (check @used), -EMSGSIZE for a message over max_msg, -EPROTO for
 * a length field shorter than its header, -ENOMEM, or a delivery's error.
 */
int syncsock_framer_feed(struct syncsock_framer *f, const struct sk_buff *skb,
			 unsigned int offset, size_t len,
			 syncsock_framer_deliver_t deliver, void *arg, size_t *used)
{
	struct skb_seq_state st;
	unsigned int consumed = 0;
	const u8 *p;
	unsigned int n;
	int ret;

	*used = 0;
	ret = syncsock_framer_retry(f, deliver, arg);
	if (ret)
		return ret == -EAGAIN ? 0 : ret;

	skb_prepare_seq_read((struct sk_buff *)skb, offset, offset + len, &st);
	while ((n = skb_seq_read(consumed, &p, &st)) != 0) {
		size_t piece_used = 0;

		/* skb_seq_read() returns whole blocks, past our range too. */
		n = min_t(unsigned int, n, len - consumed);

		if (f->cfg->type == SYNCSOCK_FRAMER_LENGTH)
			ret = syncsock_framer_length(f, p, n, deliver, arg, &piece_used);
		else
			ret = syncsock_framer_delim(f, p, n, deliver, arg, &piece_used);
		consumed += piece_used;
		if (ret) {
			skb_abort_seq_read(&st);
			*used = consumed;
			return ret == -EAGAIN ? 0 : ret;
		}
	}
	*used = consumed;
	return 0;
}
