// SPDX-License-Identifier: GPL-2.0
//
// Scale.  [concurrent]: 1,000 connections open at once on one echo listener
// (listed as conns=1000), each doing three checked exchanges; then all close
// and every one is released.  [churn]: 100,000 connect/send/recv/close
// cycles, a window of them at once.  Afterwards the counters match exactly:
// accepted == connections made, closed == closed_peer_fin == accepted,
// conns=0, rx_bytes == bytes sent.
//
// [memory]: connections answered once, then idle, hold no page of their own:
// memory does not grow by more than 4 KiB per connection between accepted
// and answered (a reply sent from the socket's own page fragment pins a
// 32 KiB page per connection until the socket is freed).
//
// Sizes come from the environment so that plan lines can fit each kernel:
//   SSK_CONNS   concurrent connections   (default 1000)
//   SSK_MEM_CONNS idle answered connections ([memory], default 4000)
//   SSK_CYCLES  churn cycles             (default 100000)
//   SSK_WINDOW  churn connections at once (default 32)
//   SSK_TIMEOUT seconds a phase may take (default 600)
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

// Wait for the release work of @n connections, then check the totals.
void check_released(unsigned id, std::uint64_t n, std::uint64_t bytes)
{
	auto t0 = std::chrono::steady_clock::now();
	bool released = wait_for([&] { return ssk::get(ssk::stats(id), "closed") >= n; }, 60s);
	note("release of %llu connections finished %.1f s after the client",
	     static_cast<unsigned long long>(n), seconds_since(t0));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(released);
	CHECK(ssk::get(st, "accepted") == n);
	CHECK(ssk::get(st, "accept_rejected") == 0);
	CHECK(ssk::get(st, "closed") == n);
	CHECK(ssk::get(st, "closed_peer_fin") == n);
	CHECK(ssk::get(st, "rx_bytes") == bytes);
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == bytes);
	CHECK(ssk::get(st, "tx_errors") == 0);
	CHECK(ssk::conns(id) == 0);
}

} // namespace

TEST_CASE("1000 concurrent connections on one listener", "[concurrent]")
{
	const std::size_t n = env_u64("SSK_CONNS", 1000);
	const auto timeout = std::chrono::seconds(env_u64("SSK_TIMEOUT", 600));
	raise_fd_limit(n + 256);
	ssk::ModuleSession mod;
	kmsg("scale concurrent " + std::to_string(n));
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7010 handler=echo backlog=4096");

	EchoPlan plan;
	plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 3)
			return std::nullopt;
		return Rng(conn * 4 + msg).log_between(1, 4000);
	};
	plan.after = EchoPlan::After::Hold;
	plan.max_connecting = 128;
	plan.seed = 7;
	EchoClient cl(endpoint("127.0.0.1", 7010), plan);
	cl.add(n);

	auto t0 = std::chrono::steady_clock::now();
	bool ok = cl.run([&] { return cl.settled(); }, timeout);
	note("%zu connections open, 3 exchanges each, in %.1f s", n, seconds_since(t0));
	{
		INFO(cl.report());
		REQUIRE(ok);
		REQUIRE(cl.count(EchoClient::Phase::Holding) == n);
	}
	// All open at once, all served by the module.
	CHECK(ssk::conns(id) == n);
	CHECK(ssk::get(ssk::stats(id), "accepted") == n);

	cl.close_held();
	check_released(id, n, cl.bytes_sent());
	CHECK(cl.bytes_received() == cl.bytes_sent());
	CHECK(mod.unload() == 0);
}

TEST_CASE("connect/send/recv/close churn", "[churn]")
{
	const std::size_t cycles = env_u64("SSK_CYCLES", 100000);
	const unsigned window = env_u64("SSK_WINDOW", 32);
	const auto timeout = std::chrono::seconds(env_u64("SSK_TIMEOUT", 600));
	raise_fd_limit(window + 256);
	ssk::ModuleSession mod;
	kmsg("scale churn " + std::to_string(cycles));
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7011 handler=echo backlog=1024");

	EchoPlan plan;
	plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return Rng(conn).log_between(1, 1500);
	};
	plan.after = EchoPlan::After::Close;
	plan.max_open = window;
	plan.max_connecting = window;
	plan.seed = 99;
	EchoClient cl(endpoint("127.0.0.1", 7011), plan);
	cl.add(cycles);

	auto t0 = std::chrono::steady_clock::now();
	bool ok = cl.run_until_finished(timeout);
	double secs = seconds_since(t0);
	note("%zu cycles (window %u) in %.1f s: %.0f cycles/s", cl.finished(), window, secs,
	     cl.finished() / secs);
	{
		INFO(cl.report());
		REQUIRE(ok);
		REQUIRE(cl.count(End::Done) == cycles);
	}
	check_released(id, cycles, cl.bytes_sent());
	CHECK(cl.bytes_received() == cl.bytes_sent());
	CHECK(mod.unload() == 0);
}

TEST_CASE("an idle connection that has answered holds no page of its own", "[memory]")
{
	const std::size_t n = env_u64("SSK_MEM_CONNS", 4000);
	const std::uint64_t limit = 4096;	/* bytes per connection */
	raise_fd_limit(n + 256);
	ssk::ModuleSession mod;
	kmsg("scale memory " + std::to_string(n));
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7012 handler=echo backlog=4096");

	std::vector<Fd> fds;
	fds.reserve(n);
	for (std::size_t i = 0; i < n; i++)
		fds.push_back(connect_to(endpoint("127.0.0.1", 7012)));
	REQUIRE(wait_for([&] { return ssk::conns(id) == n; }, 60s));
	std::this_thread::sleep_for(1s);
	const std::uint64_t free0 = meminfo_kb("MemFree");

	std::vector<std::uint8_t> msg(64), got(64);
	for (std::size_t i = 0; i < n; i++) {
		payload_fill_fast(msg, i, 0);
		send_all(fds[i].get(), msg);
	}
	for (std::size_t i = 0; i < n; i++) {
		payload_fill_fast(msg, i, 0);
		recv_exact(fds[i].get(), got);
		REQUIRE(got == msg);
	}
	/* The client's (delayed) ACKs free the replies' skbs. */
	std::this_thread::sleep_for(1s);
	const std::uint64_t free1 = meminfo_kb("MemFree");
	const double per = (double(free0) - double(free1)) * 1024.0 / double(n);
	note("%zu connections answered once: MemFree %llu -> %llu KiB, %.0f bytes per connection",
	     n, static_cast<unsigned long long>(free0), static_cast<unsigned long long>(free1),
	     per);
	CHECK(ssk::conns(id) == n);
	CHECK(per < double(limit));

	fds.clear();
	check_released(id, n, n * 64);
	CHECK(mod.unload() == 0);
}
