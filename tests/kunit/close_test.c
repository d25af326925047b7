// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the close state machine (module/close.c): every request
 * transition, the reading of the peer's state, and the release decision.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>

#include "../../module/close.c"

static void close_first_request_wins(struct kunit *test)
{
	enum syncsock_close_reason reason = SYNCSOCK_CLOSE_REASONS;
	unsigned long flags = 0;

	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_PEER_FIN,
						     false, true),
			SYNCSOCK_CLOSE_ACT_NOW);
	KUNIT_EXPECT_EQ(test, reason, SYNCSOCK_CLOSE_PEER_FIN);
	KUNIT_EXPECT_TRUE(test, test_bit(SYNCSOCK_CONN_CLOSING, &flags));
	KUNIT_EXPECT_FALSE(test, test_bit(SYNCSOCK_CONN_ABORT, &flags));

	/* A second graceful request changes nothing, not even the reason. */
	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_HANDLER,
						     false, true),
			SYNCSOCK_CLOSE_ACT_NONE);
	KUNIT_EXPECT_EQ(test, reason, SYNCSOCK_CLOSE_PEER_FIN);
}

static void close_graceful_with_data_drains(struct kunit *test)
{
	enum syncsock_close_reason reason;
	unsigned long flags = 0;

	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_HANDLER,
						     false, false),
			SYNCSOCK_CLOSE_ACT_DRAIN);
	KUNIT_EXPECT_EQ(test, reason, SYNCSOCK_CLOSE_HANDLER);
}

static void close_abort_upgrades_once(struct kunit *test)
{
	enum syncsock_close_reason reason;
	unsigned long flags = 0;

	syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_LISTENER_DELETE, false, false);
	/* The peer resets while we drain: now, as an abort, same reason. */
	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_PEER_RESET,
						     true, false),
			SYNCSOCK_CLOSE_ACT_NOW);
	KUNIT_EXPECT_TRUE(test, test_bit(SYNCSOCK_CONN_ABORT, &flags));
	KUNIT_EXPECT_EQ(test, reason, SYNCSOCK_CLOSE_LISTENER_DELETE);
	/* A second abort does not run the release again. */
	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_UNLOAD,
						     true, false),
			SYNCSOCK_CLOSE_ACT_NONE);
}

static void close_abort_first(struct kunit *test)
{
	enum syncsock_close_reason reason;
	unsigned long flags = 0;

	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason,
						     SYNCSOCK_CLOSE_HANDLER_ERROR, true, false),
			SYNCSOCK_CLOSE_ACT_NOW);
	KUNIT_EXPECT_TRUE(test, test_bit(SYNCSOCK_CONN_ABORT, &flags));
	KUNIT_EXPECT_EQ(test, syncsock_close_request(&flags, &reason, SYNCSOCK_CLOSE_PEER_FIN,
						     false, true),
			SYNCSOCK_CLOSE_ACT_NONE);
	KUNIT_EXPECT_EQ(test, reason, SYNCSOCK_CLOSE_HANDLER_ERROR);
}

static void close_peer_state(struct kunit *test)
{
	/* err, closed, rcv_shutdown, held, retry */
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, false, false, false),
			SYNCSOCK_PEER_OPEN);
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, false, true, false),
			SYNCSOCK_PEER_OPEN);
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, true, false, false),
			SYNCSOCK_PEER_FINISHED);
	/* FIN with input the handler will be offered again: not finished. */
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, true, true, true),
			SYNCSOCK_PEER_OPEN);
	/* ... nor while a retry (a drain, the io work) is to come at all. */
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, true, false, true),
			SYNCSOCK_PEER_OPEN);
	/* FIN with input left that nothing will offer again. */
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, false, true, true, false),
			SYNCSOCK_PEER_UNREAD);
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(ECONNRESET, true, false, false, false),
			SYNCSOCK_PEER_RESET);
	/* Reset after the peer's FIN (CLOSE_WAIT) reads as EPIPE. */
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(EPIPE, true, true, true, true),
			SYNCSOCK_PEER_RESET);
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(ETIMEDOUT, true, false, false, false),
			SYNCSOCK_PEER_FAILED);
	KUNIT_EXPECT_EQ(test, syncsock_peer_state(0, true, false, false, false),
			SYNCSOCK_PEER_FAILED);
}

static void close_release_step(struct kunit *test)
{
	unsigned long now = jiffies;

	KUNIT_EXPECT_EQ(test, syncsock_release_step(true, false, false, now, now + HZ),
			SYNCSOCK_RELEASE_RESET);
	KUNIT_EXPECT_EQ(test, syncsock_release_step(false, true, false, now, now + HZ),
			SYNCSOCK_RELEASE_CLOSE);
	KUNIT_EXPECT_EQ(test, syncsock_release_step(false, false, false, now, now + HZ),
			SYNCSOCK_RELEASE_WAIT);
	KUNIT_EXPECT_EQ(test, syncsock_release_step(false, false, false, now + HZ, now + HZ),
			SYNCSOCK_RELEASE_TIMEOUT);
	KUNIT_EXPECT_EQ(test, syncsock_release_step(false, false, true, now, now + HZ),
			SYNCSOCK_RELEASE_RESET);
	/* Deadlines compare across a jiffies wrap. */
	KUNIT_EXPECT_EQ(test, syncsock_release_step(false, false, false, ULONG_MAX - 5, 10),
			SYNCSOCK_RELEASE_WAIT);
}

static struct kunit_case syncsock_close_cases[] = {
	KUNIT_CASE(close_first_request_wins),
	KUNIT_CASE(close_graceful_with_data_drains),
	KUNIT_CASE(close_abort_upgrades_once),
	KUNIT_CASE(close_abort_first),
	KUNIT_CASE(close_peer_state),
	KUNIT_CASE(close_release_step),
	{}
};

static struct kunit_suite syncsock_close_suite = {
	.name = "syncsock_close",
	.test_cases = syncsock_close_cases,
};

kunit_test_suites(&syncsock_close_suite);
