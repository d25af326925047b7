// SPDX-License-Identifier: GPL-2.0
//
// libsyncsock's conveniences for programs: counters by name of an enum
// (whatever the module's numbering), the listener guard, and the advice
// every tool gives for a failed request.
#include <catch2/catch.hpp>

#include <cerrno>

#include <linux/syncsock.h>
#include <syncsock/syncsock.hpp>

#include "fake_control.hpp"

using namespace syncsock;

namespace {

// Counters as a module with @nr_stats counters and @close_base reports them,
// counter i holding 1000 + i (CPU 1: i).
Stats module_stats(std::uint32_t nr_stats, std::uint32_t close_reasons, std::uint32_t close_base)
{
	Stats s;
	s.names = stat_names(nr_stats, close_reasons, close_base);
	s.cpus.resize(2);
	for (std::uint32_t i = 0; i < nr_stats; i++) {
		s.sum.push_back(1000 + i);
		s.cpus[0].push_back(1000);
		s.cpus[1].push_back(i);
	}
	return s;
}

} // namespace

TEST_CASE("library: counters by enum, this module's numbering", "[library]")
{
	Stats s = module_stats(SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS, SYNCSOCK_STAT_CLOSE_BASE);
	CHECK(s.get(Counter::accepted) == 1000u);
	CHECK(s.get(Counter::rx_bytes) == 1000u + SYNCSOCK_STAT_RX_BYTES);
	CHECK(s.get(Counter::fwd_paused) == 1000u + SYNCSOCK_STAT_FWD_PAUSED);
	CHECK(s.get(Counter::rx_bytes, 1) == std::uint64_t(SYNCSOCK_STAT_RX_BYTES));
	CHECK_FALSE(s.get(Counter::rx_bytes, 2));	// no such CPU
	CHECK(s.closed(CloseReason::peer_fin) == 1000u + SYNCSOCK_STAT_CLOSE_BASE);
	CHECK(s.closed(CloseReason::pair) ==
	      1000u + SYNCSOCK_STAT_CLOSE_BASE + SYNCSOCK_CLOSE_PAIR);
	CHECK(counter_name(Counter::tx_inline_softirq_bytes) == "tx_inline_softirq_bytes");
	CHECK(close_reason_name(CloseReason::listener_delete) == "listener_delete");
	CHECK(counter_name(Counter(9999)).empty());
}

TEST_CASE("library: counters by enum, an older module", "[library]")
{
	// A module from before the outbound connections: 29 counters, close
	// reasons from 29, 15 of them.
	Stats s = module_stats(29 + 15, 15, 29);
	CHECK(s.get(Counter::mem_refused) == 1000u + 28);
	CHECK_FALSE(s.get(Counter::connects));	// it has none
	CHECK_FALSE(s.get(Counter::fwd_paused));
	CHECK(s.closed(CloseReason::peer_fin) == 1000u + 29);
	CHECK(s.closed(CloseReason::msg_timeout) == 1000u + 29 + 14);
	CHECK_FALSE(s.closed(CloseReason::pair));
}

TEST_CASE("library: a listener guard deletes what it holds, once", "[library]")
{
	test::FakeState st;
	test::FakeControl c(st);
	{
		ListenerGuard g(c, 3);
		CHECK(g);
		CHECK(g.id() == 3);
	}
	CHECK(st.calls == std::vector<std::string>{"listener_del 3"});

	st.calls.clear();
	{
		ListenerGuard g(c, 4, true);
		ListenerGuard moved = std::move(g);
		CHECK_FALSE(g);
		ListenerGuard other(c, 5);
		other = std::move(moved);	// 5 goes now, 4 at the end
		CHECK(st.calls == std::vector<std::string>{"listener_del 5"});
	}
	CHECK(st.calls == std::vector<std::string>{"listener_del 5", "listener_del 4 abort"});

	st.calls.clear();
	{
		ListenerGuard g(c, 6);
		CHECK(g.release() == 6);
		CHECK_FALSE(g);
	}
	CHECK(st.calls.empty());

	// reset() says how the delete went; the guard is empty after it.
	st.del_error = Error::from_errno(ENOENT);
	ListenerGuard g(c, 8);
	auto r = g.reset();
	REQUIRE_FALSE(r);
	CHECK(r.error().value() == ENOENT);
	CHECK_FALSE(g);
	CHECK(g.reset());
}

TEST_CASE("library: a guarded add", "[library]")
{
	test::FakeState st;
	test::FakeControl c(st);
	ListenerConfig cfg;
	cfg.address = *parse_address("127.0.0.1:7000");
	cfg.handler = "echo";
	{
		auto g = ListenerGuard::add(c, cfg);
		REQUIRE(g);
		CHECK(g->id() == st.next_id);
	}
	CHECK(st.calls.back() == "listener_del " + std::to_string(st.next_id));
	st.add_error = Error::from_errno(EADDRINUSE);
	auto bad = ListenerGuard::add(c, cfg);
	REQUIRE_FALSE(bad);
	CHECK(bad.error().value() == EADDRINUSE);
}

TEST_CASE("library: the advice names the program that asked", "[library]")
{
	ErrorContext ctx;
	ctx.program = "syncsock-bench";
	CHECK(error_message(Operation::open, Error::from_errno(EACCES), ctx) ==
	      "cannot open /dev/syncsock: permission denied (EACCES); the device is root-only: "
	      "run syncsock-bench as root");
	ctx.device = "/nonexistent";
	CHECK(error_message(Operation::open, Error::from_errno(ENOENT), ctx) ==
	      "cannot open /nonexistent: it does not exist (ENOENT); the syncsock module is not "
	      "loaded: load it with: modprobe syncsock (from a build tree: insmod syncsock.ko)");
}
