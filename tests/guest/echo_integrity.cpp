// SPDX-License-Identifier: GPL-2.0
//
// Echo integrity.  The echo handler returns exactly what it was sent, byte
// for byte, for message sizes from 1 byte to 4 MiB, over 64 connections at
// once, on IPv4 (127.0.0.1) and IPv6 (::1).  Each connection sends two
// messages ping-pong, then half-closes and must read EOF: the server closes
// after the peer's FIN.  The listener's counters account for every byte and
// every connection: accepted, closed_peer_fin, rx_bytes, and
// tx_inline_bytes + tx_queued_bytes (all flushed) equal to what was echoed.
// [small-txq]: the same with txq_limit=4096, smaller than what one receive
// callback may offer at once: the echo must still complete (ARCHITECTURE.md,
// rule 8: a short count from the read actor must not stall the connection).
#include <catch2/catch.hpp>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kConns = 64;

void run_integrity(const std::string &ip, std::uint16_t port)
{
	ssk::ModuleSession mod;
	kmsg("echo_integrity " + ip);
	unsigned id = ssk::add_listener("addr=" + ip + " port=" + std::to_string(port) +
					" handler=echo backlog=256");

	const std::uint64_t expected = integrity_bytes(kConns);

	EchoPlan plan;
	plan.message = integrity_message_size;
	plan.after = EchoPlan::After::HalfClose;
	plan.seed = 1000;
	EchoClient cl(endpoint(ip, port), plan);
	cl.add(kConns);
	auto t0 = std::chrono::steady_clock::now();
	bool ok = cl.run_until_finished(180s);
	note("%s: %zu connections, %llu bytes echoed and checked in %.1f s", ip.c_str(),
	     kConns, static_cast<unsigned long long>(cl.bytes_received()), seconds_since(t0));
	INFO(cl.report());
	REQUIRE(ok);
	CHECK(cl.count(End::Done) == kConns);
	CHECK(cl.bytes_sent() == expected);
	CHECK(cl.bytes_received() == expected);

	// The release work runs after the client saw EOF: wait for it.
	bool released = wait_for([&] { return ssk::get(ssk::stats(id), "closed") >= kConns; }, 10s);
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(released);
	CHECK(ssk::get(st, "accepted") == kConns);
	CHECK(ssk::get(st, "accept_rejected") == 0);
	CHECK(ssk::get(st, "closed") == kConns);
	CHECK(ssk::get(st, "closed_peer_fin") == kConns);
	CHECK(ssk::get(st, "rx_bytes") == expected);
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == expected);
	CHECK(ssk::get(st, "tx_flushed_bytes") == ssk::get(st, "tx_queued_bytes"));
	CHECK(ssk::get(st, "tx_errors") == 0);
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::conns(id) == 0);
	CHECK(mod.unload() == 0);
}

} // namespace

TEST_CASE("payload_fill_fast is the payload.hpp stream", "[self]")
{
	std::vector<std::uint8_t> a(1000), b(1000);
	for (std::uint64_t off : {0ULL, 1ULL, 7ULL, 8ULL, 12345ULL, (1ULL << 32) + 3}) {
		payload_fill(a, 42, off);
		payload_fill_fast(b, 42, off);
		REQUIRE(a == b);
		REQUIRE_FALSE(payload_mismatch_fast(a, 42, off));
		b[777] ^= 1;
		auto bad = payload_mismatch_fast(b, 42, off);
		REQUIRE(bad);
		REQUIRE(*bad == 777);
	}
}

TEST_CASE("echo returns every byte over 64 IPv4 connections", "[ipv4]")
{
	raise_fd_limit(4096);
	run_integrity("127.0.0.1", 7001);
}

TEST_CASE("echo returns every byte over 64 IPv6 connections", "[ipv6]")
{
	raise_fd_limit(4096);
	run_integrity("::1", 7002);
}

TEST_CASE("echo completes with a send queue smaller than a segment", "[small-txq]")
{
	ssk::ModuleSession mod;
	kmsg("echo_integrity small txq");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7003 handler=echo txq_limit=4096");
	static constexpr std::size_t sizes[] = {100, 4096, 8192, 65536, 1 << 20};
	const std::size_t n = std::size(sizes);
	EchoPlan plan;
	plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return sizes[conn];
	};
	plan.seed = 3000;
	EchoClient cl(endpoint("127.0.0.1", 7003), plan);
	cl.add(n);
	bool ok = cl.run_until_finished(60s);
	auto st = ssk::stats(id);
	INFO(cl.report());
	INFO("counters: " << ssk::format(st));
	CHECK(ok);
	CHECK(cl.count(End::Done) == n);
	CHECK(mod.unload() == 0);
}
