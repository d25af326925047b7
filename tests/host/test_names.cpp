// SPDX-License-Identifier: GPL-2.0
//
// libsyncsock: the names of counters and states, as the brief and
// module/stats.c spell them.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <linux/syncsock.h>
#include <syncsock/syncsock.hpp>

using namespace syncsock;

TEST_CASE("names: every counter of this ABI", "[names]")
{
	const std::vector<std::string> expected = {
		"accepted",
		"accept_rejected",
		"closed",
		"rx_bytes",
		"rx_segments",
		"rx_softirq",
		"rx_process",
		"rx_deferred",
		"rx_throttled",
		"tx_inline_bytes",
		"tx_inline_softirq_bytes",
		"tx_queued_bytes",
		"tx_flushed_bytes",
		"tx_queue_full",
		"tx_errors",
		"handler_errors",
		"work_runs",
		"rx_messages",
		"rx_messages_copied",
		"app0",
		"app1",
		"app2",
		"app3",
		"nomem_retries",
		"rx_urgent",
		"accept_busy",
		"mem_charged",
		"mem_uncharged",
		"mem_refused",
		"connects",
		"connected",
		"connect_refused",
		"connect_timeout",
		"connect_unreach",
		"connect_errors",
		"fwd_up_bytes",
		"fwd_down_bytes",
		"fwd_inline",
		"fwd_queued",
		"fwd_spliced_bytes",
		"fwd_copied_bytes",
		"fwd_paused",
		"closed_peer_fin",
		"closed_peer_reset",
		"closed_error",
		"closed_handler",
		"closed_handler_abort",
		"closed_handler_error",
		"closed_timeout",
		"closed_listener_delete",
		"closed_netns_exit",
		"closed_unload",
		"closed_nomem",
		"closed_oversize",
		"closed_bad_frame",
		"closed_idle",
		"closed_msg_timeout",
		"closed_connect_failed",
		"closed_pair",
	};
	CHECK(stat_names(SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS) == expected);
	CHECK(stat_name(SYNCSOCK_STAT_RX_BYTES, SYNCSOCK_CLOSE_REASONS) == "rx_bytes");
	CHECK(stat_name(int(SYNCSOCK_STAT_CLOSE_BASE) + int(SYNCSOCK_CLOSE_TIMEOUT), SYNCSOCK_CLOSE_REASONS) ==
	      "closed_timeout");
	CHECK(stat_name(SYNCSOCK_STAT_CLOSED(SYNCSOCK_CLOSE_IDLE), SYNCSOCK_CLOSE_REASONS) ==
	      "closed_idle");
	CHECK(stat_name(SYNCSOCK_STAT_CLOSED(SYNCSOCK_CLOSE_MSG_TIMEOUT), SYNCSOCK_CLOSE_REASONS) ==
	      "closed_msg_timeout");
}

TEST_CASE("names: counters one side does not know", "[names]")
{
	// Newer module: one more close reason, then a new plain counter.
	const auto num = [](int i) { return "stat_" + std::to_string(i); };
	CHECK(stat_name(SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS + 1) == num(SYNCSOCK_STAT_MAX));
	CHECK(stat_name(SYNCSOCK_STAT_MAX + 1, SYNCSOCK_CLOSE_REASONS + 1) ==
	      num(SYNCSOCK_STAT_MAX + 1));
	// The module of yesterday: no closed_idle, closed_msg_timeout yet.
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE + 12, 13) == "closed_bad_frame");
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE + 13, 13) == num(SYNCSOCK_STAT_CLOSE_BASE + 13));
	// Older module with fewer close reasons: its block ends sooner.
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE + 3, 3) == num(SYNCSOCK_STAT_CLOSE_BASE + 3));
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE + 2, 3) == "closed_error");
	// A module with fewer plain counters: its close block starts sooner.
	CHECK(stat_name(17, 12, 17) == "closed_peer_fin");
	CHECK(stat_name(16, 12, 17) == "work_runs");
	// A module with more plain counters: the extra ones are numbers.
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE, 13, SYNCSOCK_STAT_CLOSE_BASE + 1) ==
	      num(SYNCSOCK_STAT_CLOSE_BASE));
	CHECK(stat_name(SYNCSOCK_STAT_CLOSE_BASE + 1, 13, SYNCSOCK_STAT_CLOSE_BASE + 1) ==
	      "closed_peer_fin");
	CHECK(stat_names(0, SYNCSOCK_CLOSE_REASONS).empty());
}

TEST_CASE("names: listener states", "[names]")
{
	CHECK(state_name(ListenerState::listening) == "listening");
	CHECK(state_name(ListenerState::draining) == "draining");
	CHECK(state_name(static_cast<ListenerState>(7)) == "state_7");
}

TEST_CASE("result and fd: values, errors, ownership", "[result]")
{
	Result<int> ok = 5;
	REQUIRE(ok);
	CHECK(*ok == 5);
	Result<int> bad = Error::from_errno(EINVAL, "why");
	REQUIRE_FALSE(bad.has_value());
	CHECK(bad.error().code == std::error_code(EINVAL, std::system_category()));
	CHECK(bad.error().message == "why");
	Result<void> v;
	CHECK(v);
	Result<void> ve = Error::from_errno(ENOENT);
	CHECK_FALSE(ve);
	CHECK(ve.error().value() == ENOENT);

	auto fd = Fd::open("/dev/null", O_RDONLY);
	REQUIRE(fd);
	int raw = fd->get();
	CHECK((::fcntl(raw, F_GETFD) & FD_CLOEXEC));
	Fd moved = std::move(*fd);
	CHECK_FALSE(*fd);
	CHECK(moved.get() == raw);
	moved.reset();
	CHECK(::fcntl(raw, F_GETFD) == -1);
	auto missing = Fd::open("/nonexistent", O_RDONLY);
	REQUIRE_FALSE(missing);
	CHECK(missing.error().value() == ENOENT);
}
