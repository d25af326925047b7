// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the per-connection send queue (module/txq.c), built into this test
 * module from the same source as syncsock.ko.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

/* kmalloc() made to fail on demand: the txq_fail_nth-th call from now. */
static unsigned int txq_fail_nth;

static void *txq_test_kmalloc(size_t size, gfp_t gfp)
{
	if (txq_fail_nth && !--txq_fail_nth)
		return NULL;
	return kmalloc(size, gfp);
}

#undef kmalloc
#define kmalloc txq_test_kmalloc
#include "../../module/txq.c"

static void txq_fill(u8 *buf, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(seed + i * 7 + (i >> 8));
}

static void txq_room_limits(struct kunit *test)
{
	struct syncsock_txq q;

	syncsock_txq_init(&q, 100);
	KUNIT_EXPECT_EQ(test, syncsock_txq_room(&q, 0), 0);
	KUNIT_EXPECT_EQ(test, syncsock_txq_room(&q, 100), 0);
	KUNIT_EXPECT_EQ(test, syncsock_txq_room(&q, 101), -EMSGSIZE);
	KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, "0123456789", 10, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, q.bytes, 10U);
	KUNIT_EXPECT_EQ(test, syncsock_txq_room(&q, 90), 0);
	KUNIT_EXPECT_EQ(test, syncsock_txq_room(&q, 91), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, syncsock_txq_append(&q, "x", 91, GFP_KERNEL), -ENOBUFS);
	/* A refused append changes nothing. */
	KUNIT_EXPECT_EQ(test, q.bytes, 10U);
	syncsock_txq_purge(&q);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
}

static void txq_empty_peek(struct kunit *test)
{
	struct syncsock_txq q;
	size_t len = 1234;

	syncsock_txq_init(&q, 4096);
	KUNIT_EXPECT_NULL(test, syncsock_txq_peek(&q, &len));
	KUNIT_EXPECT_EQ(test, len, 0UL);
	KUNIT_EXPECT_EQ(test, syncsock_txq_append(&q, NULL, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
}

/* Small appends share a chunk; bytes come out in order. */
static void txq_coalesce_small(struct kunit *test)
{
	struct syncsock_txq q;
	const void *p;
	size_t len;
	int i;

	syncsock_txq_init(&q, 1 << 20);
	for (i = 0; i < 10; i++) {
		char c = 'a' + i;

		KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, &c, 1, GFP_KERNEL), 0);
	}
	p = syncsock_txq_peek(&q, &len);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, len, 10UL);
	KUNIT_EXPECT_EQ(test, memcmp(p, "abcdefghij", 10), 0);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&q.chunks), 1UL);
	syncsock_txq_consume(&q, 4);
	p = syncsock_txq_peek(&q, &len);
	KUNIT_EXPECT_EQ(test, len, 6UL);
	KUNIT_EXPECT_EQ(test, memcmp(p, "efghij", 6), 0);
	syncsock_txq_consume(&q, 6);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
	KUNIT_EXPECT_TRUE(test, list_empty(&q.chunks));
}

/*
 * Random appends and partial consumes against a flat model: what comes out
 * is exactly what went in, and the byte count always matches.
 */
static void txq_random_model(struct kunit *test)
{
	const size_t total = 256 * 1024;
	size_t in = 0, out = 0;
	struct syncsock_txq q;
	u8 *src, *dst;
	u32 rnd = 12345;

	src = kunit_kmalloc(test, total, GFP_KERNEL);
	dst = kunit_kmalloc(test, total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	txq_fill(src, total, 3);
	syncsock_txq_init(&q, 64 * 1024);

	while (out < total) {
		size_t n, len;
		const void *p;

		rnd = rnd * 1103515245 + 12345;
		n = min_t(size_t, (rnd >> 8) % 9000 + 1, total - in);
		if (in < total && !syncsock_txq_room(&q, n)) {
			KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, src + in, n, GFP_KERNEL), 0);
			in += n;
		}
		KUNIT_ASSERT_EQ(test, (size_t)q.bytes, in - out);
		p = syncsock_txq_peek(&q, &len);
		if (!p)
			continue;
		rnd = rnd * 1103515245 + 12345;
		n = min_t(size_t, len, (rnd >> 8) % 5000 + 1);
		memcpy(dst + out, p, n);
		syncsock_txq_consume(&q, n);
		out += n;
	}
	KUNIT_EXPECT_EQ(test, memcmp(src, dst, total), 0);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
	KUNIT_EXPECT_TRUE(test, list_empty(&q.chunks));
}

/* A large append is one chunk of its own size, never truncated. */
static void txq_large_append(struct kunit *test)
{
	const size_t big = 3 * SYNCSOCK_TXQ_CHUNK_MAX + 17;
	struct syncsock_txq q;
	size_t len, got = 0;
	u8 *src;

	src = kunit_kmalloc(test, big, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	txq_fill(src, big, 9);
	syncsock_txq_init(&q, 1 << 20);
	KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, "hdr", 3, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, src, big, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, (size_t)q.bytes, big + 3);
	while (!syncsock_txq_empty(&q)) {
		const u8 *p = syncsock_txq_peek(&q, &len);

		if (got < 3) {
			KUNIT_ASSERT_GE(test, len, 3UL);
			KUNIT_EXPECT_EQ(test, memcmp(p, "hdr", 3), 0);
			p += 3;
			len -= 3;
			syncsock_txq_consume(&q, 3);
			got = 3;
		}
		KUNIT_ASSERT_EQ(test, memcmp(p, src + got - 3, len), 0);
		/* No chunk is a high-order allocation. */
		KUNIT_EXPECT_LE(test, len, SYNCSOCK_TXQ_CHUNK_MAX);
		syncsock_txq_consume(&q, len);
		got += len;
	}
	KUNIT_EXPECT_EQ(test, got, big + 3);
}

/*
 * A large append whose Nth chunk allocation fails takes nothing: the queue
 * keeps what it had, and frees the chunks it got (kmemleak would see them).
 */
static void txq_append_nomem(struct kunit *test)
{
	const size_t big = 3 * SYNCSOCK_TXQ_CHUNK_MAX + 17;
	int nth, ret, refused = 0, taken = 0;
	struct syncsock_txq q;
	size_t len;
	const u8 *p;
	u8 *src;

	src = kunit_kmalloc(test, big, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	txq_fill(src, big, 11);
	for (nth = 1; nth <= 6; nth++) {
		syncsock_txq_init(&q, 1 << 20);
		KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, "hdr", 3, GFP_KERNEL), 0);
		txq_fail_nth = nth;
		ret = syncsock_txq_append(&q, src, big, GFP_KERNEL);
		if (ret) {
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			KUNIT_EXPECT_EQ(test, txq_fail_nth, 0U);
			KUNIT_EXPECT_EQ(test, (size_t)q.bytes, 3UL);
			p = syncsock_txq_peek(&q, &len);
			KUNIT_EXPECT_EQ(test, len, 3UL);
			KUNIT_EXPECT_EQ(test, memcmp(p, "hdr", 3), 0);
			refused++;
		} else {
			/* Fewer allocations than nth: none failed. */
			KUNIT_EXPECT_NE(test, txq_fail_nth, 0U);
			KUNIT_EXPECT_EQ(test, (size_t)q.bytes, big + 3);
			taken++;
		}
		txq_fail_nth = 0;
		syncsock_txq_purge(&q);
	}
	KUNIT_EXPECT_GT(test, refused, 1);
	KUNIT_EXPECT_GT(test, taken, 0);
}

/* Purge frees a queue that still holds data (kmemleak watches). */
static void txq_purge_frees(struct kunit *test)
{
	struct syncsock_txq q;
	u8 buf[700];
	int i;

	txq_fill(buf, sizeof(buf), 1);
	syncsock_txq_init(&q, 1 << 20);
	for (i = 0; i < 50; i++)
		KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, buf, sizeof(buf), GFP_KERNEL), 0);
	syncsock_txq_consume(&q, 1000);
	syncsock_txq_purge(&q);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
	KUNIT_EXPECT_TRUE(test, list_empty(&q.chunks));
}

/* Pieces queue as one, in order, from an offset; refused whole. */
static void txq_append_vec(struct kunit *test)
{
	struct kvec vec[3] = {
		{ .iov_base = "head:", .iov_len = 5 },
		{ .iov_base = "", .iov_len = 0 },
		{ .iov_base = "body-bytes", .iov_len = 10 },
	};
	struct syncsock_txq q;
	const void *p;
	size_t len;

	syncsock_txq_init(&q, 12);
	KUNIT_EXPECT_EQ(test, syncsock_txq_append_vec(&q, vec, 3, 0, GFP_KERNEL), -EMSGSIZE);
	KUNIT_EXPECT_TRUE(test, syncsock_txq_empty(&q));
	/* The first 3 bytes went out inline: 12 remain, exactly the limit. */
	KUNIT_ASSERT_EQ(test, syncsock_txq_append_vec(&q, vec, 3, 3, GFP_KERNEL), 0);
	p = syncsock_txq_peek(&q, &len);
	KUNIT_ASSERT_EQ(test, len, 12UL);
	KUNIT_EXPECT_EQ(test, memcmp(p, "d:body-bytes", 12), 0);
	KUNIT_EXPECT_EQ(test, syncsock_txq_append_vec(&q, vec, 1, 4, GFP_KERNEL), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, q.bytes, 12U);
	syncsock_txq_consume(&q, 7);
	/* Into the tail chunk's spare room, after what is there. */
	KUNIT_ASSERT_EQ(test, syncsock_txq_append_vec(&q, vec, 1, 0, GFP_KERNEL), 0);
	p = syncsock_txq_peek(&q, &len);
	KUNIT_ASSERT_EQ(test, len, 10UL);
	KUNIT_EXPECT_EQ(test, memcmp(p, "byteshead:", 10), 0);
	syncsock_txq_purge(&q);
}

/*
 * The rest of a partial inline send goes before what another context queued
 * meanwhile: the queue reads as the rest of the inline send, then the other
 * context's bytes.  Past the limit by at most one send.
 */
static void txq_prepend(struct kunit *test)
{
	struct syncsock_txq q;
	struct kvec a = { .iov_base = "A0A1A2A3", .iov_len = 8 };
	struct kvec b = { .iov_base = "bbbb", .iov_len = 4 };
	char out[16];
	size_t got = 0, len;
	const void *p;

	syncsock_txq_init(&q, 8);
	KUNIT_ASSERT_EQ(test, syncsock_txq_append_vec(&q, &b, 1, 0, GFP_KERNEL), 0);
	/* TCP took "A0A1"; the rest goes first. */
	KUNIT_ASSERT_EQ(test, syncsock_txq_prepend_vec(&q, &a, 1, 4, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, q.bytes, 8U);
	/* The limit itself still bounds one send. */
	KUNIT_EXPECT_EQ(test, syncsock_txq_prepend_vec(&q, &a, 1, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, q.bytes, 16U);
	syncsock_txq_consume(&q, 8);
	while ((p = syncsock_txq_peek(&q, &len)) != NULL) {
		KUNIT_ASSERT_LE(test, got + len, sizeof(out));
		memcpy(out + got, p, len);
		got += len;
		syncsock_txq_consume(&q, len);
	}
	KUNIT_ASSERT_EQ(test, got, 8UL);
	KUNIT_EXPECT_EQ(test, memcmp(out, "A2A3bbbb", 8), 0);
	a.iov_len = 9;
	KUNIT_EXPECT_EQ(test, syncsock_txq_prepend_vec(&q, &a, 1, 0, GFP_KERNEL), -EMSGSIZE);
	syncsock_txq_purge(&q);
}

/* A budget of @left bytes; what is charged must all come back. */
struct txq_budget {
	long left;
	long held;
	int refused;
};

static bool txq_budget_charge(void *arg, long delta, bool force)
{
	struct txq_budget *b = arg;

	if (delta > b->left && !force) {
		b->refused++;
		return false;
	}
	b->left -= delta;
	b->held += delta;
	return true;
}

/* Every chunk is charged before it is allocated and given back when freed;
 * over the budget, an append fails whole, as short of memory.
 */
static void txq_charged(struct kunit *test)
{
	struct txq_budget b = { .left = 3 * PAGE_SIZE };
	struct syncsock_charge c = { txq_budget_charge, &b };
	struct syncsock_txq q;
	u8 *buf = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	syncsock_txq_init(&q, 1 << 20);
	q.charge = &c;
	KUNIT_ASSERT_EQ(test, syncsock_txq_append(&q, buf, 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_EXPECT_GT(test, b.held, (long)(2 * PAGE_SIZE));
	KUNIT_EXPECT_LE(test, b.held, (long)(3 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, syncsock_txq_append(&q, buf, 2 * PAGE_SIZE, GFP_KERNEL), -ENOMEM);
	KUNIT_EXPECT_GT(test, b.refused, 0);
	KUNIT_EXPECT_EQ(test, q.bytes, (u32)(2 * PAGE_SIZE));
	/* The rest of a partial send is charged past the budget. */
	KUNIT_EXPECT_EQ(test, syncsock_txq_prepend_vec(&q, &(struct kvec){ buf, PAGE_SIZE }, 1, 0,
						       GFP_KERNEL), 0);
	KUNIT_EXPECT_GT(test, b.held, (long)(3 * PAGE_SIZE));
	syncsock_txq_consume(&q, 2 * PAGE_SIZE);
	KUNIT_EXPECT_LT(test, b.held, (long)(2 * PAGE_SIZE));
	syncsock_txq_purge(&q);
	KUNIT_EXPECT_EQ(test, b.held, 0L);
	KUNIT_EXPECT_EQ(test, b.left, (long)(3 * PAGE_SIZE));
}

static struct kunit_case syncsock_txq_cases[] = {
	KUNIT_CASE(txq_prepend),
	KUNIT_CASE(txq_charged),
	KUNIT_CASE(txq_append_vec),
	KUNIT_CASE(txq_room_limits),
	KUNIT_CASE(txq_empty_peek),
	KUNIT_CASE(txq_coalesce_small),
	KUNIT_CASE(txq_random_model),
	KUNIT_CASE(txq_large_append),
	KUNIT_CASE(txq_append_nomem),
	KUNIT_CASE(txq_purge_frees),
	{}
};

static struct kunit_suite syncsock_txq_suite = {
	.name = "syncsock_txq",
	.test_cases = syncsock_txq_cases,
};

kunit_test_suites(&syncsock_txq_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of syncsock");
