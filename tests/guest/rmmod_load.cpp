// SPDX-License-Identifier: GPL-2.0
//
// rmmod under load.  500 echo connections carry ping-pong traffic when
// another thread unloads syncsock: delete_module(2) returns within 20 s,
// every connection ends with a reset (unload aborts), no byte that came back
// is wrong, /dev/syncsock is gone, and the module loads again and
// serves.  Three rounds.
// [draining]: rmmod while a deleted listener still drains gracefully (its
// peers do not read, close_timeout_ms is 10 minutes): the unload resets them
// at once (closed_unload) instead of waiting for the deadline.
//   SSK_CONNS   connections (default 500)
//   SSK_ROUNDS  rounds (default 3)
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <exception>
#include <thread>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

TEST_CASE("rmmod under load", "[rmmod]")
{
	const std::size_t n = env_u64("SSK_CONNS", 500);
	const unsigned rounds = env_u64("SSK_ROUNDS", 3);
	raise_fd_limit(n + 256);
	const auto ep = endpoint("127.0.0.1", 7040);

	for (unsigned round = 1; round <= rounds; round++) {
		INFO("round " << round);
		ssk::ModuleSession mod;
		kmsg("rmmod under load, round " + std::to_string(round));
		unsigned id = ssk::add_listener("addr=127.0.0.1 port=7040 handler=echo backlog=1024");

		EchoPlan plan;
		plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
			return Rng(conn * 7919 + msg).log_between(1, 16 * 1024);
		};
		plan.after = EchoPlan::After::Hold;
		plan.max_connecting = 128;
		plan.seed = round * 100000;
		EchoClient cl(ep, plan);
		cl.add(n);

		auto t0 = std::chrono::steady_clock::now();
		bool up = cl.run(
			[&] {
				for (std::size_t i = 0; i < n; i++)
					if (cl.conn(i).msgs < 1)
						return false;
				return true;
			},
			300s);
		{
			INFO(cl.report());
			REQUIRE(up);
		}
		note("round %u: %zu connections exchanging after %.1f s", round, n, seconds_since(t0));
		REQUIRE(ssk::conns(id) == n);

		int rm_err = -1;
		double rm_secs = 0;
		std::thread remover([&] {
			std::this_thread::sleep_for(200ms);
			auto t = std::chrono::steady_clock::now();
			rm_err = ssk::unload_module();
			rm_secs = seconds_since(t);
		});
		bool ended = cl.run_until_finished(120s);
		remover.join();
		note("round %u: rmmod took %.2f s; %s", round, rm_secs, cl.report(0).c_str());

		CHECK(rm_err == 0);
		CHECK(rm_secs < 20);
		CHECK_FALSE(ssk::module_loaded());
		struct stat sb;
		CHECK(::stat(ssk::kDevice.c_str(), &sb) != 0);
		INFO(cl.report(20));
		REQUIRE(ended);
		CHECK(cl.count(End::Mismatch) == 0);
		CHECK(cl.count(End::Error) == 0);
		CHECK(cl.count(End::Reset) == n);
	}

	// And once more: load, serve, unload.
	ssk::ModuleSession mod;
	ssk::add_listener("addr=127.0.0.1 port=7040 handler=echo");
	Fd fd = connect_to(ep);
	std::vector<std::uint8_t> msg(4096), got(4096);
	payload_fill_fast(msg, 5, 0);
	send_all(fd.get(), msg);
	recv_exact(fd.get(), got);
	CHECK(got == msg);
	fd.reset();
	CHECK(mod.unload() == 0);
}

TEST_CASE("rmmod while a deleted listener drains", "[draining]")
{
	ssk::ModuleSession mod;
	kmsg("rmmod while draining");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7041 handler=echo "
					"txq_limit=65536 close_timeout_ms=600000");
	const std::size_t n = 8;
	EchoPlan plan;
	plan.message = [](std::size_t, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return 256 << 20;
	};
	plan.seed = 6000;
	EchoClient cl(endpoint("127.0.0.1", 7041), plan);
	cl.set_reading(false);
	cl.add(n);
	bool blocked = cl.run_until_blocked(120s);
	REQUIRE(blocked);
	REQUIRE(ssk::del_listener(id) == 0);
	// Still there, draining: its peers hold it up.
	std::this_thread::sleep_for(500ms);
	auto l = ssk::find_listener(id);
	REQUIRE(l);
	CHECK(l->state == "draining");
	CHECK(l->conns == n);

	auto t0 = std::chrono::steady_clock::now();
	CHECK(mod.unload() == 0);
	double secs = seconds_since(t0);
	note("rmmod with a draining listener took %.2f s", secs);
	CHECK(secs < 20);
	CHECK_FALSE(ssk::module_loaded());
	cl.set_reading(true);
	bool ended = cl.run_until_finished(60s);
	INFO(cl.report());
	CHECK(ended);
	CHECK(cl.count(End::Reset) == n);
}
