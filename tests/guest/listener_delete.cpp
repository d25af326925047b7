// SPDX-License-Identifier: GPL-2.0
//
// Listener delete under load.  An echo listener serves 32 idle connections
// (their exchanges complete) and 64 busy ones (ping-pong without pause) when
// another thread deletes it.
//  [graceful]  "del id=N": idle connections read a clean EOF after all their
//              echo; busy ones end with EOF or, for bytes that reached the
//              closed socket, a reset; what came back before is intact.
//  [abort]     "del id=N abort": every connection is reset (ECONNRESET).
// Either way closed_listener_delete == connections, the listener's state is
// freed once they are gone, and the port takes a new listener as soon as the
// delete returns, which serves at once.
//  [timeout]   A graceful delete whose connections hold replies for peers
//              that do not read ends them after close_timeout_ms, with a
//              reset (closed_timeout); what the peers read before is intact.
#include <catch2/catch.hpp>

#include <exception>
#include <thread>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kIdle = 32, kBusy = 64, kConns = kIdle + kBusy;
constexpr std::uint16_t kPort = 7030;

std::optional<std::size_t> message_size(std::size_t conn, unsigned msg)
{
	if (conn < kIdle && msg >= 2)
		return std::nullopt;	// idle: two exchanges, then hold
	return Rng(conn * 1000 + msg).log_between(1, 32 * 1024);
}

// One small exchange on a new connection to @ep.
void echo_once(const Endpoint &ep)
{
	Fd fd = connect_to(ep);
	std::vector<std::uint8_t> msg(1000), got(1000);
	payload_fill_fast(msg, 77, 0);
	send_all(fd.get(), msg);
	recv_exact(fd.get(), got);
	REQUIRE(got == msg);
}

void delete_under_load(bool abort)
{
	raise_fd_limit(4096);
	ssk::ModuleSession mod;
	kmsg(std::string("listener delete under load, ") + (abort ? "abort" : "graceful"));
	const std::string args = "addr=127.0.0.1 port=" + std::to_string(kPort) + " handler=echo";
	unsigned id = ssk::add_listener(args);
	const auto ep = endpoint("127.0.0.1", kPort);

	EchoPlan plan;
	plan.message = message_size;
	plan.after = EchoPlan::After::Hold;
	plan.seed = abort ? 2000 : 1000;
	EchoClient cl(ep, plan);
	cl.add(kConns);

	// Everyone connected; idle ones holding, busy ones under way.
	bool up = cl.run(
		[&] {
			if (cl.count(EchoClient::Phase::Holding) != kIdle)
				return false;
			for (std::size_t i = kIdle; i < kConns; i++)
				if (cl.conn(i).msgs < 3)
					return false;
			return true;
		},
		120s);
	{
		INFO(cl.report());
		REQUIRE(up);
	}
	REQUIRE(ssk::conns(id) == kConns);

	// Delete from another thread while the busy connections keep going,
	// then take the port again at once.
	int del_err = -1;
	unsigned id2 = 0;
	double del_secs = 0;
	std::exception_ptr thread_err;
	std::thread deleter([&] {
		try {
			std::this_thread::sleep_for(200ms);
			auto t0 = std::chrono::steady_clock::now();
			del_err = ssk::del_listener(id, abort);
			del_secs = seconds_since(t0);
			if (!del_err)
				id2 = ssk::add_listener(args);
		} catch (...) {
			thread_err = std::current_exception();
		}
	});
	bool ended = cl.run_until_finished(60s);
	deleter.join();
	if (thread_err)
		std::rethrow_exception(thread_err);
	note("del%s returned after %.2f s; %s", abort ? " abort" : "", del_secs,
	     cl.report(0).c_str());

	REQUIRE(del_err == 0);
	CHECK(id2 != 0);
	INFO(cl.report(20));
	REQUIRE(ended);
	CHECK(cl.count(End::Mismatch) == 0);
	CHECK(cl.count(End::Error) == 0);
	if (abort) {
		CHECK(cl.count(End::Reset) == kConns);
	} else {
		// Idle connections: every echo back, then a FIN.
		for (std::size_t i = 0; i < kIdle; i++) {
			const auto &c = cl.conn(i);
			INFO("idle connection " << i << ": " << to_string(c.end) << " " << c.why);
			CHECK(c.end == End::Eof);
			CHECK(c.recvd == c.sent);
		}
		CHECK(cl.count(End::Eof) + cl.count(End::Reset) == kConns);
	}

	// Released, counted, and the deleted listener's state freed.
	bool gone = wait_for([&] { return !ssk::find_listener(id); }, 15s);
	auto mst = ssk::module_stats();
	INFO("module counters: " << ssk::format(mst));
	CHECK(gone);
	CHECK(ssk::get(mst, "closed_listener_delete") == kConns);
	CHECK(ssk::get(mst, "closed") == kConns);

	// The new listener on the same port serves.
	if (id2) {
		echo_once(ep);
		REQUIRE(wait_for([&] { return ssk::get(ssk::stats(id2), "closed") == 1; }, 10s));
		CHECK(ssk::get(ssk::stats(id2), "accepted") == 1);
	}
	CHECK(mod.unload() == 0);
}

} // namespace

TEST_CASE("graceful listener delete under load", "[graceful]")
{
	delete_under_load(false);
}

TEST_CASE("abort listener delete under load", "[abort]")
{
	delete_under_load(true);
}

TEST_CASE("graceful delete gives up on peers that do not read", "[timeout]")
{
	ssk::ModuleSession mod;
	kmsg("listener delete: close timeout");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7031 handler=echo "
					"txq_limit=65536 close_timeout_ms=1000");
	const auto ep = endpoint("127.0.0.1", 7031);
	const std::size_t n = 4;
	EchoPlan plan;
	plan.message = [](std::size_t, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return 256 << 20;
	};
	plan.seed = 4000;
	EchoClient cl(ep, plan);
	cl.set_reading(false);
	cl.add(n);
	bool blocked = cl.run_until_blocked(120s);
	auto st0 = ssk::stats(id);
	INFO("counters when blocked: " << ssk::format(st0));
	REQUIRE(blocked);
	REQUIRE(ssk::get(st0, "tx_queued_bytes") > ssk::get(st0, "tx_flushed_bytes"));

	auto t0 = std::chrono::steady_clock::now();
	REQUIRE(ssk::del_listener(id) == 0);
	bool gone = wait_for([&] { return ssk::get(ssk::module_stats(), "closed") >= n; }, 20s);
	double secs = seconds_since(t0);
	auto mst = ssk::module_stats();
	note("graceful delete with %zu non-reading peers: closed after %.1f s", n, secs);
	INFO("module counters: " << ssk::format(mst));
	CHECK(gone);
	CHECK(secs >= 0.9);
	CHECK(ssk::get(mst, "closed_timeout") == n);

	// The peers read what reached them, intact, then the reset.
	cl.set_reading(true);
	bool ended = cl.run_until_finished(60s);
	INFO(cl.report());
	CHECK(ended);
	CHECK(cl.count(End::Reset) == n);
	CHECK(mod.unload() == 0);
}
