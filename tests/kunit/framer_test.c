// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the message framer (module/framer.c) against constructed skbs:
 * linear, paged (page fragments) and frag_list; a stream of messages fed
 * split at every byte boundary (and at every pair of boundaries), both
 * length encodings and widths, oversize, zero-length bodies, a length field
 * shorter than its header, delimiters across segment boundaries, delivery
 * refused and retried, a buffer that cannot grow (-ENOMEM) and the feed
 * retried, bytes skipped, and the length fields a hostile peer chooses.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

/*
 * The framer's buffer growth, made to fail on demand: from the
 * framer_fail_nth-th call on (0: none), every call returns NULL until the test
 * clears framer_failing, as memory short for a while would.  failslab's
 * fail-nth would count kmemleak's own allocations too.
 */
static unsigned int framer_fail_nth;
static bool framer_failing;

static void *framer_test_krealloc(const void *p, size_t size, gfp_t gfp)
{
	if (framer_fail_nth && !--framer_fail_nth)
		framer_failing = true;
	if (framer_failing)
		return NULL;
	return krealloc(p, size, gfp);
}

#undef krealloc
#define krealloc framer_test_krealloc
#include "../../module/framer.c"

enum layout { LINEAR, PAGED, FRAGLIST, LAYOUTS };

static const char *const layout_names[] = { "linear", "paged", "frag_list" };

/* Put @len bytes into page fragments of at most @chunk bytes each. */
static void add_frags(struct kunit *test, struct sk_buff *skb, const u8 *data, size_t len,
		      size_t chunk)
{
	int i = skb_shinfo(skb)->nr_frags;

	while (len) {
		size_t n = min(len, chunk);
		struct page *page = alloc_page(GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_ASSERT_LT(test, i, MAX_SKB_FRAGS);
		/* An offset inside the page, as real fragments have. */
		memcpy(page_address(page) + 100, data, n);
		skb_fill_page_desc(skb, i++, page, 100, n);
		skb->len += n;
		skb->data_len += n;
		skb->truesize += PAGE_SIZE;
		data += n;
		len -= n;
	}
}

/* An skb holding @data in the given layout; freed with the test. */
static struct sk_buff *make_skb(struct kunit *test, const u8 *data, size_t len, enum layout l)
{
	size_t head = l == LINEAR ? len : min_t(size_t, len, 3);
	struct sk_buff *skb = alloc_skb(head + 16, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, data, head);
	data += head;
	len -= head;
	if (l == PAGED) {
		add_frags(test, skb, data, len, max_t(size_t, DIV_ROUND_UP(len, 12), 1));
	} else if (l == FRAGLIST && len) {
		/* Two more skbs hang on the frag_list: one linear, one paged. */
		size_t first = len / 2;
		struct sk_buff *a = alloc_skb(first + 16, GFP_KERNEL);
		struct sk_buff *b = alloc_skb(16, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		skb_put_data(a, data, first);
		add_frags(test, b, data + first, len - first, 5);
		a->next = b;
		skb_shinfo(skb)->frag_list = a;
		skb->len += len;
		skb->data_len += len;
		skb->truesize += a->truesize + b->truesize;
	}
	return skb;
}

/* What the framer delivered. */
struct sink {
	u8 data[4096];
	size_t fill;
	u32 lens[64];
	int count;
	int in_place;
	const struct syncsock_framer *f;
	int refuse_at;		/* refuse (-EAGAIN) the message with this index once */
	u64 skip_after;		/* ask to skip this many bytes after message 0 */
	bool go_on_nomem;	/* feed_cut(): count -ENOMEM and go on */
	int nomem;
};

static int sink_deliver(void *arg, const void *msg, size_t len)
{
	struct sink *s = arg;

	if (s->count == s->refuse_at) {
		s->refuse_at = -1;
		return -EAGAIN;
	}
	if (s->fill + len > sizeof(s->data) || s->count == ARRAY_SIZE(s->lens))
		return -ENOSPC;
	memcpy(s->data + s->fill, msg, len);
	s->fill += len;
	s->lens[s->count++] = len;
	if (msg != s->f->buf)
		s->in_place++;
	if (s->count == 1 && s->skip_after)
		((struct syncsock_framer *)s->f)->skip += s->skip_after;
	return 0;
}

static void sink_init(struct sink *s, const struct syncsock_framer *f)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->refuse_at = -1;
}

/* Feed @skb in the pieces cut at @cuts (increasing, inside the data). */
static int feed_cut(struct syncsock_framer *f, struct sink *s, struct sk_buff *skb,
		    const size_t *cuts, int ncuts)
{
	int i, ret, stuck = 0;
	size_t from = 0;

	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : skb->len;
		size_t used;

		while (from < to) {
			ret = syncsock_framer_feed(f, skb, from, to - from, sink_deliver, s, &used);
			if (ret == -ENOMEM && s->go_on_nomem) {
				/* The rest is fed again, as the receive path
				 * does at its retry; memory came back.
				 */
				s->nomem++;
				framer_failing = false;
			} else if (ret) {
				return ret;
			}
			/* A refused message is offered again with what follows;
			 * two feeds in a row without progress is a bug.
			 */
			from += used;
			stuck = used ? 0 : stuck + 1;
			if (stuck > 1)
				return -EIO;
		}
	}
	return 0;
}

/* A stream of length-prefixed messages: 4-byte big-endian total length
 * (header included) at offset 2 of a 6-byte header.
 */
static size_t make_length_stream(u8 *out, const u32 *bodies, int n, bool big, bool incl,
				 int width)
{
	size_t pos = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		u64 v = incl ? bodies[i] + 2 + width : bodies[i];

		out[pos] = 0xA0 + i;
		out[pos + 1] = 0xB0 + i;
		for (k = 0; k < width; k++)
			out[pos + 2 + k] = big ? v >> (8 * (width - 1 - k)) : v >> (8 * k);
		pos += 2 + width;
		for (k = 0; k < bodies[i]; k++)
			out[pos++] = (u8)(i * 31 + k);
	}
	return pos;
}

static void check_messages(struct kunit *test, const struct sink *s, const u8 *stream,
			   size_t len, const u32 *msg_lens, int n)
{
	int i;

	KUNIT_ASSERT_EQ(test, s->count, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, s->lens[i], msg_lens[i]);
	KUNIT_ASSERT_EQ(test, s->fill, len);
	KUNIT_EXPECT_EQ(test, memcmp(s->data, stream, len), 0);
}

static const struct syncsock_framer_cfg be32_cfg = {
	.type = SYNCSOCK_FRAMER_LENGTH, .max_msg = 1024, .len_offset = 2, .len_width = 4,
	.len_big_endian = true, .len_includes_header = true,
};

/* Every single cut and every pair of cuts, in every layout. */
static void framer_length_every_split(struct kunit *test)
{
	static const u32 bodies[] = { 5, 0, 17, 1 };
	u32 lens[ARRAY_SIZE(bodies)];
	struct syncsock_framer f;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 stream[128];
	size_t len, a, b;
	int l, i;

	len = make_length_stream(stream, bodies, ARRAY_SIZE(bodies), true, true, 4);
	for (i = 0; i < ARRAY_SIZE(bodies); i++)
		lens[i] = bodies[i] + 6;

	for (l = 0; l < LAYOUTS; l++) {
		struct sk_buff *skb = make_skb(test, stream, len, l);

		for (a = 0; a <= len; a++) {
			for (b = a; b <= len; b++) {
				size_t cuts[2] = { a, b };

				syncsock_framer_init(&f, &be32_cfg);
				sink_init(s, &f);
				KUNIT_ASSERT_EQ_MSG(test, feed_cut(&f, s, skb, cuts, 2), 0,
						    "%s, cuts %zu %zu", layout_names[l], a, b);
				check_messages(test, s, stream, len, lens, ARRAY_SIZE(bodies));
				KUNIT_EXPECT_EQ(test, f.fill, 0U);
				syncsock_framer_release(&f);
			}
		}
		kfree_skb(skb);
	}
}

/* Widths 1, 2, 4, 8, both byte orders, length with and without header. */
static void framer_length_encodings(struct kunit *test)
{
	static const u32 bodies[] = { 3, 0, 40 };
	static const u8 widths[] = { 1, 2, 4, 8 };
	struct syncsock_framer_cfg cfg;
	struct syncsock_framer f;
	u32 lens[ARRAY_SIZE(bodies)];
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 stream[256];
	int w, big, incl, i;

	for (w = 0; w < ARRAY_SIZE(widths); w++)
		for (big = 0; big < 2; big++)
			for (incl = 0; incl < 2; incl++) {
				size_t len, cut;
				struct sk_buff *skb;

				len = make_length_stream(stream, bodies, ARRAY_SIZE(bodies), big,
							 incl, widths[w]);
				for (i = 0; i < ARRAY_SIZE(bodies); i++)
					lens[i] = bodies[i] + 2 + widths[w];
				memset(&cfg, 0, sizeof(cfg));
				cfg.type = SYNCSOCK_FRAMER_LENGTH;
				cfg.max_msg = 512;
				cfg.len_offset = 2;
				cfg.len_width = widths[w];
				cfg.len_big_endian = big;
				cfg.len_includes_header = incl;
				KUNIT_ASSERT_EQ(test, syncsock_framer_cfg_check(&cfg), 0);
				skb = make_skb(test, stream, len, PAGED);
				for (cut = 0; cut <= len; cut++) {
					syncsock_framer_init(&f, &cfg);
					sink_init(s, &f);
					KUNIT_ASSERT_EQ_MSG(test, feed_cut(&f, s, skb, &cut, 1), 0,
							    "width %u big %d incl %d cut %zu",
							    widths[w], big, incl, cut);
					check_messages(test, s, stream, len, lens,
						       ARRAY_SIZE(bodies));
					syncsock_framer_release(&f);
				}
				kfree_skb(skb);
			}
}

/* Whole messages in a linear skb go in place: no copy. */
static void framer_in_place(struct kunit *test)
{
	static const u32 bodies[] = { 10, 20, 30 };
	struct syncsock_framer f;
	struct sk_buff *skb;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 stream[128];
	size_t len, cut;

	len = make_length_stream(stream, bodies, 3, true, true, 4);
	skb = make_skb(test, stream, len, LINEAR);
	syncsock_framer_init(&f, &be32_cfg);
	sink_init(s, &f);
	KUNIT_ASSERT_EQ(test, feed_cut(&f, s, skb, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, s->in_place, 3);
	KUNIT_EXPECT_NULL(test, f.buf);
	syncsock_framer_release(&f);

	/* A cut inside message 2: only that one is gathered. */
	cut = 16 + 10;
	syncsock_framer_init(&f, &be32_cfg);
	sink_init(s, &f);
	KUNIT_ASSERT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
	KUNIT_EXPECT_EQ(test, s->count, 3);
	KUNIT_EXPECT_EQ(test, s->in_place, 2);
	syncsock_framer_release(&f);
	kfree_skb(skb);
}

static void framer_oversize_and_bad_length(struct kunit *test)
{
	struct syncsock_framer_cfg cfg = be32_cfg;
	static const u32 big[] = { 100 };
	static const u32 exact[] = { 58 };
	struct syncsock_framer f;
	struct sk_buff *skb;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 stream[256];
	size_t len, cut = 7;

	cfg.max_msg = 64;
	len = make_length_stream(stream, big, 1, true, true, 4);
	skb = make_skb(test, stream, len, LINEAR);
	syncsock_framer_init(&f, &cfg);
	sink_init(s, &f);
	KUNIT_EXPECT_EQ(test, feed_cut(&f, s, skb, &cut, 1), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, s->count, 0);
	syncsock_framer_release(&f);
	kfree_skb(skb);

	/* Exactly max_msg is fine. */
	len = make_length_stream(stream, exact, 1, true, true, 4);
	skb = make_skb(test, stream, len, FRAGLIST);
	syncsock_framer_init(&f, &cfg);
	sink_init(s, &f);
	KUNIT_EXPECT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
	KUNIT_EXPECT_EQ(test, s->count, 1);
	KUNIT_EXPECT_EQ(test, s->lens[0], 64U);
	syncsock_framer_release(&f);
	kfree_skb(skb);

	/* A length that does not even cover the header. */
	memset(stream, 0, 6);
	stream[5] = 3;
	skb = make_skb(test, stream, 6, LINEAR);
	syncsock_framer_init(&f, &be32_cfg);
	sink_init(s, &f);
	KUNIT_EXPECT_EQ(test, feed_cut(&f, s, skb, NULL, 0), -EPROTO);
	syncsock_framer_release(&f);
	kfree_skb(skb);
}

/* A header of @width bytes at offset 2 (after 2 tag bytes) holding @v. */
static void put_header(u8 *out, int width, bool big, u64 v)
{
	int k;

	out[0] = 0xA0;
	out[1] = 0xB0;
	for (k = 0; k < width; k++)
		out[2 + k] = big ? v >> (8 * (width - 1 - k)) : v >> (8 * k);
}

/* One hostile value @v of the length field under @cfg, fed at every cut of
 * the header and the first body bytes.  Return: the feeds checked.
 */
static int hostile_value(struct kunit *test, struct sink *s,
			 const struct syncsock_framer_cfg *cfg, u64 v)
{
	u32 hlen = 2 + cfg->len_width, max_msg = cfg->max_msg;
	bool incl = cfg->len_includes_header;
	/* The message's true size, compared before any addition. */
	bool fits = incl ? v <= max_msg : v <= max_msg - hlen;
	u32 total = fits ? (incl ? v : v + hlen) : 0;
	int want = incl && v < hlen ? -EPROTO : fits ? 0 : -EMSGSIZE;
	struct syncsock_framer f;
	struct sk_buff *skb;
	u8 stream[64];
	size_t len = want ? sizeof(stream) : total, cut;
	int checked = 0, ret;

	memset(stream, 0x5A, sizeof(stream));
	put_header(stream, cfg->len_width, cfg->len_big_endian, v);
	for (cut = 0; cut <= min_t(size_t, len, hlen + 2); cut++) {
		skb = make_skb(test, stream, len, cut % LAYOUTS);
		syncsock_framer_init(&f, cfg);
		sink_init(s, &f);
		ret = feed_cut(&f, s, skb, &cut, 1);
		KUNIT_EXPECT_EQ_MSG(test, ret, want, "width %u big %d incl %d value %llu cut %zu",
				    cfg->len_width, cfg->len_big_endian, incl, v, cut);
		KUNIT_EXPECT_EQ(test, s->count, want ? 0 : 1);
		if (!want)
			KUNIT_EXPECT_EQ(test, s->lens[0], total);
		KUNIT_EXPECT_LE(test, f.fill, max_msg);
		syncsock_framer_release(&f);
		kfree_skb(skb);
		checked++;
	}
	return checked;
}

/*
 * Length fields a hostile peer chooses, at every width, byte order and
 * header setting: 0, around the header's size, around max_msg, the largest
 * value of the width and the values that wrap to something small once the
 * header is added.  Each gives one whole message when it fits max_msg,
 * -EMSGSIZE when it does not and -EPROTO when it counts less than its own
 * header; never a zero-length message, a loop or a write past the buffer.
 */
static void framer_hostile_lengths(struct kunit *test)
{
	static const u8 widths[] = { 1, 2, 4, 8 };
	struct syncsock_framer_cfg cfg = {
		.type = SYNCSOCK_FRAMER_LENGTH, .max_msg = 40, .len_offset = 2,
	};
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int w, mode, i, checked = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		u32 hlen = 2 + widths[w];
		u64 top = widths[w] == 8 ? U64_MAX : (1ULL << (8 * widths[w])) - 1;
		u64 values[] = {
			0, 1, hlen - 1, hlen, hlen + 1,
			cfg.max_msg - hlen, cfg.max_msg - hlen + 1, cfg.max_msg - 1,
			cfg.max_msg, cfg.max_msg + 1, top / 2, top / 2 + 1,
			top - hlen, top - hlen + 1, top - 1, top,
		};

		cfg.len_width = widths[w];
		for (mode = 0; mode < 4; mode++) {
			cfg.len_big_endian = mode & 1;
			cfg.len_includes_header = mode & 2;
			KUNIT_ASSERT_EQ(test, syncsock_framer_cfg_check(&cfg), 0);
			for (i = 0; i < ARRAY_SIZE(values); i++)
				checked += hostile_value(test, s, &cfg, values[i] & top);
		}
	}
	KUNIT_EXPECT_GT(test, checked, 500);
}

/* A budget of @left bytes for the framer's buffer. */
struct framer_budget {
	long left;
	long held;
};

static bool framer_budget_charge(void *arg, long delta, bool force)
{
	struct framer_budget *b = arg;

	if (delta > b->left)
		return false;
	b->left -= delta;
	b->held += delta;
	return true;
}

/*
 * The buffer of a split message is charged before it grows: past the budget
 * the framer says -ENOMEM and keeps what it has; with room again it goes on,
 * and everything charged comes back when it is released.
 */
static void framer_charged(struct kunit *test)
{
	static const u32 bodies[] = { 40 };
	struct framer_budget b = { .left = 16 };
	struct syncsock_charge c = { framer_budget_charge, &b };
	struct syncsock_framer f;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct sk_buff *skb;
	u8 stream[64];
	size_t len, used, cut = 10;

	KUNIT_ASSERT_NOT_NULL(test, s);
	len = make_length_stream(stream, bodies, 1, true, true, 4);
	skb = make_skb(test, stream, len, LINEAR);
	syncsock_framer_init(&f, &be32_cfg);
	f.charge = &c;
	sink_init(s, &f);
	/* The first 10 bytes: the header fits the budget, the body does not. */
	KUNIT_EXPECT_EQ(test, syncsock_framer_feed(&f, skb, 0, cut, sink_deliver, s, &used),
			-ENOMEM);
	KUNIT_EXPECT_LE(test, b.held, 16L);
	KUNIT_EXPECT_EQ(test, b.held, (long)f.size);
	b.left = 1024;
	KUNIT_EXPECT_EQ(test, syncsock_framer_feed(&f, skb, used, len - used, sink_deliver, s,
						   &used), 0);
	KUNIT_EXPECT_EQ(test, s->count, 1);
	KUNIT_EXPECT_EQ(test, s->lens[0], (u32)len);
	KUNIT_EXPECT_EQ(test, b.held, (long)f.size);
	syncsock_framer_release(&f);
	KUNIT_EXPECT_EQ(test, b.held, 0L);
	kfree_skb(skb);
}

static const struct syncsock_framer_cfg crlf_cfg = {
	.type = SYNCSOCK_FRAMER_DELIM, .max_msg = 200, .delim = "\r\n\r\n", .delim_len = 4,
};

static void framer_delim_every_split(struct kunit *test)
{
	static const char stream[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
				     "\r\n\r\n"
				     "X\r\n\r\r\n\r\n";
	static const u32 lens[] = { 27, 4, 8 };
	size_t len = sizeof(stream) - 1, a, b;
	struct syncsock_framer f;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int l;

	for (l = 0; l < LAYOUTS; l++) {
		struct sk_buff *skb = make_skb(test, (const u8 *)stream, len, l);

		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b++) {
				size_t cuts[2] = { a, b };

				syncsock_framer_init(&f, &crlf_cfg);
				sink_init(s, &f);
				KUNIT_ASSERT_EQ_MSG(test, feed_cut(&f, s, skb, cuts, 2), 0,
						    "%s, cuts %zu %zu", layout_names[l], a, b);
				check_messages(test, s, (const u8 *)stream, len, lens, 3);
				syncsock_framer_release(&f);
			}
		kfree_skb(skb);
	}
}

/* A delimiter that overlaps itself: the match must back off correctly. */
static void framer_delim_self_overlap(struct kunit *test)
{
	static const struct syncsock_framer_cfg cfg = {
		.type = SYNCSOCK_FRAMER_DELIM, .max_msg = 64, .delim = "aab", .delim_len = 3,
	};
	static const char stream[] = "xaaaabyaabaab";
	static const u32 lens[] = { 6, 4, 3 };
	size_t len = sizeof(stream) - 1, cut;
	struct syncsock_framer f;
	struct sk_buff *skb;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	skb = make_skb(test, (const u8 *)stream, len, PAGED);
	for (cut = 0; cut <= len; cut++) {
		syncsock_framer_init(&f, &cfg);
		sink_init(s, &f);
		KUNIT_ASSERT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
		check_messages(test, s, (const u8 *)stream, len, lens, 3);
		syncsock_framer_release(&f);
	}
	kfree_skb(skb);
}

static void framer_delim_oversize(struct kunit *test)
{
	struct syncsock_framer_cfg cfg = crlf_cfg;
	struct syncsock_framer f;
	struct sk_buff *skb;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 data[100];
	size_t cut = 50;

	cfg.max_msg = 64;
	memset(data, 'z', sizeof(data));
	skb = make_skb(test, data, sizeof(data), FRAGLIST);
	syncsock_framer_init(&f, &cfg);
	sink_init(s, &f);
	KUNIT_EXPECT_EQ(test, feed_cut(&f, s, skb, &cut, 1), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, s->count, 0);
	syncsock_framer_release(&f);
	kfree_skb(skb);
}

/* A refused message is kept (or left unconsumed) and comes again. */
static void framer_refuse_and_retry(struct kunit *test)
{
	static const u32 bodies[] = { 4, 9, 2 };
	u32 lens[3] = { 10, 15, 8 };
	struct syncsock_framer f;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 stream[64];
	size_t len, cut;
	int l;

	len = make_length_stream(stream, bodies, 3, true, true, 4);
	for (l = 0; l < LAYOUTS; l++) {
		struct sk_buff *skb = make_skb(test, stream, len, l);

		for (cut = 0; cut <= len; cut++) {
			syncsock_framer_init(&f, &be32_cfg);
			sink_init(s, &f);
			s->refuse_at = 1;
			KUNIT_ASSERT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
			check_messages(test, s, stream, len, lens, 3);
			syncsock_framer_release(&f);
		}
		kfree_skb(skb);
	}
}

/* One run of framer_nomem_and_retry(); returns how many -ENOMEM it met. */
static int nomem_run(struct kunit *test, struct sink *s, struct sk_buff *skb,
		     const struct syncsock_framer_cfg *cfg, size_t cut, int nth,
		     const u8 *stream, size_t len, const u32 *lens)
{
	struct syncsock_framer f;
	int nomem;

	syncsock_framer_init(&f, cfg);
	sink_init(s, &f);
	s->go_on_nomem = true;
	framer_fail_nth = nth;
	KUNIT_EXPECT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
	nomem = s->nomem;
	/* One failure exactly when the count ran out. */
	KUNIT_EXPECT_EQ_MSG(test, nomem, framer_fail_nth == 0, "cut %zu, nth %d", cut, nth);
	framer_fail_nth = 0;
	framer_failing = false;
	check_messages(test, s, stream, len, lens, 3);
	syncsock_framer_release(&f);
	return nomem;
}

/*
 * The buffer cannot grow (its Nth growth fails): the framer says -ENOMEM with
 * what it took so far, and feeding the rest again later delivers every
 * message intact.  Both framings, every cut, every layout, the 1st to 3rd
 * growth failing.
 */
static void framer_nomem_and_retry(struct kunit *test)
{
	static const u32 bodies[] = { 4, 40, 2 };
	static const char text[] = "GET /\r\n\r\nPOST /long/path\r\n\r\nX\r\n\r\n";
	static const struct syncsock_framer_cfg delim_cfg = {
		.type = SYNCSOCK_FRAMER_DELIM, .max_msg = 64, .delim = "\r\n\r\n",
		.delim_len = 4,
	};
	static const u32 lens[3] = { 10, 46, 8 }, dlens[3] = { 9, 19, 5 };
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int l, nth, failed = 0, framing;
	u8 stream[128];
	size_t len, cut;

	for (framing = 0; framing < 2; framing++) {
		if (framing == 0) {
			len = make_length_stream(stream, bodies, 3, true, true, 4);
		} else {
			len = sizeof(text) - 1;
			memcpy(stream, text, len);
		}
		for (l = 0; l < LAYOUTS; l++) {
			struct sk_buff *skb = make_skb(test, stream, len, l);

			for (cut = 0; cut <= len; cut++)
				for (nth = 1; nth <= 3; nth++)
					failed += nomem_run(test, s, skb,
							    framing ? &delim_cfg : &be32_cfg,
							    cut, nth, stream, len,
							    framing ? dlens : lens);
			kfree_skb(skb);
		}
	}
	/* The injection did happen (a split message alone makes 2 of them). */
	KUNIT_EXPECT_GT(test, failed, (int)len);
}

/* Bytes the handler skips (a body) are not framed. */
static void framer_skip(struct kunit *test)
{
	static const char stream[] = "POST\r\n\r\nBODY!GET\r\n\r\n";
	static const char expect[] = "POST\r\n\r\nGET\r\n\r\n";
	static const u32 lens[] = { 8, 7 };
	size_t len = sizeof(stream) - 1, cut;
	struct syncsock_framer f;
	struct sk_buff *skb;
	struct sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	skb = make_skb(test, (const u8 *)stream, len, PAGED);
	for (cut = 0; cut <= len; cut++) {
		syncsock_framer_init(&f, &crlf_cfg);
		sink_init(s, &f);
		s->skip_after = 5;
		KUNIT_ASSERT_EQ(test, feed_cut(&f, s, skb, &cut, 1), 0);
		check_messages(test, s, (const u8 *)expect, sizeof(expect) - 1, lens, 2);
		syncsock_framer_release(&f);
	}
	kfree_skb(skb);
}

static void framer_cfg_checks(struct kunit *test)
{
	struct syncsock_framer_cfg c = be32_cfg;

	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), 0);
	c.len_width = 3;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c = be32_cfg;
	c.hdr_len = 5;	/* shorter than offset + width */
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c = be32_cfg;
	c.max_msg = 4;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c.max_msg = KMALLOC_MAX_SIZE;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), 0);
	c.max_msg = KMALLOC_MAX_SIZE + 1;	/* one allocation could not hold it */
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c = crlf_cfg;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), 0);
	c.delim_len = 0;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c.delim_len = 17;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
	c.type = 7;
	KUNIT_EXPECT_EQ(test, syncsock_framer_cfg_check(&c), -EINVAL);
}

static struct kunit_case syncsock_framer_cases[] = {
	KUNIT_CASE(framer_length_every_split),
	KUNIT_CASE(framer_length_encodings),
	KUNIT_CASE(framer_in_place),
	KUNIT_CASE(framer_oversize_and_bad_length),
	KUNIT_CASE(framer_hostile_lengths),
	KUNIT_CASE(framer_charged),
	KUNIT_CASE(framer_delim_every_split),
	KUNIT_CASE(framer_delim_self_overlap),
	KUNIT_CASE(framer_delim_oversize),
	KUNIT_CASE(framer_refuse_and_retry),
	KUNIT_CASE(framer_nomem_and_retry),
	KUNIT_CASE(framer_skip),
	KUNIT_CASE(framer_cfg_checks),
	{}
};

static struct kunit_suite syncsock_framer_suite = {
	.name = "syncsock_framer",
	.test_cases = syncsock_framer_cases,
};

kunit_test_suites(&syncsock_framer_suite);
