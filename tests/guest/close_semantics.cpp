// SPDX-License-Identifier: GPL-2.0
//
// Close semantics of echo connections.
//  [reset]     A peer reset (SO_LINGER 0 close) in the middle of a message:
//              after part of the echo came back, while the server holds
//              queued replies for a peer that stopped reading, and right
//              after connect (racing the accept).  Every connection is
//              released with closed_peer_reset, none is left (conns=0), and
//              the module unloads.
//  [halfclose] A peer sends, then shutdown(SHUT_WR) at once: every byte still
//              comes back, then EOF; closed_peer_fin counts each connection.
//  [noread]    A peer that never reads, with txq_limit=65536: its sends block
//              (the server stops reading: rx_throttled / tx_queue_full move),
//              the module's queue stays within the limit and memory stops
//              growing; once the peer reads, the echo resumes and every byte
//              comes back intact.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

void reset_close(Fd &fd)
{
	linger l{1, 0};
	if (::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		fail("setsockopt(SO_LINGER): " + errno_str(errno));
	fd.reset();
}

// Wait until listener @id has accepted and released @n connections.
bool wait_released(unsigned id, std::uint64_t n, std::chrono::milliseconds t = 15s)
{
	return wait_for(
		[&] {
			auto st = ssk::stats(id);
			return ssk::get(st, "accepted") >= n && ssk::get(st, "closed") >= n &&
			       ssk::conns(id) == 0;
		},
		t);
}

// Bytes the module holds in its send queues now.
std::uint64_t queued_now(const ssk::Counters &st)
{
	return ssk::get(st, "tx_queued_bytes") - ssk::get(st, "tx_flushed_bytes");
}

// Send on non-blocking @fd until the stream stops moving for @quiet.
// Return: bytes sent; throws if more than @cap would go.
std::uint64_t send_until_blocked(int fd, std::uint64_t seed, std::uint64_t cap,
				 std::chrono::milliseconds quiet)
{
	std::vector<std::uint8_t> buf(64 * 1024);
	std::uint64_t sent = 0;
	auto last = std::chrono::steady_clock::now();
	while (std::chrono::steady_clock::now() - last < quiet) {
		payload_fill_fast(buf, seed, sent);
		ssize_t n = ::send(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			sent += n;
			last = std::chrono::steady_clock::now();
			if (sent > cap)
				fail("sent " + std::to_string(sent) +
				     " bytes to a peer that does not read, and it still takes more");
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			fail("send: " + errno_str(errno));
		std::this_thread::sleep_for(10ms);
	}
	return sent;
}

} // namespace

TEST_CASE("peer reset in the middle of a message", "[reset]")
{
	ssk::ModuleSession mod;
	const auto ep = endpoint("127.0.0.1", 7020);

	SECTION("after part of the echo came back")
	{
		kmsg("close reset: mid-echo");
		unsigned id = ssk::add_listener("addr=127.0.0.1 port=7020 handler=echo");
		const unsigned n = 16;
		for (unsigned i = 0; i < n; i++) {
			Fd fd = connect_to(ep);
			std::vector<std::uint8_t> msg(48 * 1024 + i * 1000);
			payload_fill_fast(msg, i, 0);
			send_all(fd.get(), msg);
			// Some of the echo, checked; the rest stays unread.
			std::vector<std::uint8_t> got(1000);
			recv_exact(fd.get(), got);
			REQUIRE_FALSE(payload_mismatch_fast(got, i, 0));
			reset_close(fd);
		}
		bool released = wait_released(id, n);
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(released);
		CHECK(ssk::get(st, "accepted") == n);
		CHECK(ssk::get(st, "closed") == n);
		CHECK(ssk::get(st, "closed_peer_reset") == n);
		CHECK(ssk::conns(id) == 0);
	}

	SECTION("while the server holds queued replies")
	{
		// The peer sends without reading until it blocks: the server's
		// send buffer is full, its queue holds replies, it stopped reading.
		kmsg("close reset: queued replies");
		unsigned id = ssk::add_listener(
			"addr=127.0.0.1 port=7020 handler=echo txq_limit=65536");
		const unsigned n = 4;
		std::vector<Fd> fds;
		for (unsigned i = 0; i < n; i++) {
			fds.push_back(connect_to(ep));
			send_until_blocked(fds.back().get(), i, 512ULL << 20, 300ms);
		}
		auto before = ssk::stats(id);
		INFO("counters before the resets: " << ssk::format(before));
		CHECK(queued_now(before) > 0);
		CHECK(ssk::get(before, "rx_throttled") > 0);
		for (auto &fd : fds)
			reset_close(fd);
		bool released = wait_released(id, n);
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(released);
		CHECK(ssk::get(st, "accepted") == n);
		CHECK(ssk::get(st, "closed") == n);
		CHECK(ssk::get(st, "closed_peer_reset") == n);
		CHECK(ssk::conns(id) == 0);
	}

	SECTION("right after connect, racing the accept")
	{
		kmsg("close reset: at connect");
		unsigned id = ssk::add_listener("addr=127.0.0.1 port=7020 handler=echo");
		const unsigned n = 32;
		for (unsigned i = 0; i < n; i++) {
			Fd fd = connect_to(ep);
			std::uint8_t b[10] = {};
			send_all(fd.get(), b);
			reset_close(fd);
		}
		bool released = wait_released(id, n);
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(released);
		CHECK(ssk::get(st, "accepted") == n);
		CHECK(ssk::get(st, "closed") == n);
		// Reset before or after the accept: a reset either way.
		CHECK(ssk::get(st, "closed_peer_reset") + ssk::get(st, "closed_error") == n);
		CHECK(ssk::conns(id) == 0);
	}

	// Nothing is left that would keep the module from going.
	CHECK(mod.unload() == 0);
	CHECK_FALSE(ssk::module_loaded());
}

TEST_CASE("peer half-close: all the echo, then EOF", "[halfclose]")
{
	ssk::ModuleSession mod;
	kmsg("close halfclose");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7021 handler=echo");
	// 0 bytes: connect and shut down at once.
	static constexpr std::size_t sizes[] = {0,	 1,	  100,	     1460,    65536,
						65537, 1 << 20, 4 << 20, 16 << 20};
	const std::size_t n = std::size(sizes) * 2;
	std::uint64_t total = 0;
	for (std::size_t i = 0; i < n; i++)
		total += sizes[i % std::size(sizes)];

	EchoPlan plan;
	plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return sizes[conn % std::size(sizes)];
	};
	plan.after = EchoPlan::After::HalfCloseEarly;
	plan.seed = 300;
	EchoClient cl(endpoint("127.0.0.1", 7021), plan);
	cl.add(n);
	bool ok = cl.run_until_finished(180s);
	{
		INFO(cl.report());
		REQUIRE(ok);
		CHECK(cl.count(End::Done) == n);
		CHECK(cl.bytes_received() == total);
	}
	bool released = wait_released(id, n);
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(released);
	CHECK(ssk::get(st, "accepted") == n);
	CHECK(ssk::get(st, "closed_peer_fin") == n);
	CHECK(ssk::get(st, "rx_bytes") == total);
	CHECK(ssk::conns(id) == 0);
	CHECK(mod.unload() == 0);
}

TEST_CASE("a peer that does not read: bounded, then the echo resumes", "[noread]")
{
	ssk::ModuleSession mod;
	kmsg("close noread");
	const unsigned txq_limit = 65536;
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7022 handler=echo txq_limit=" +
					std::to_string(txq_limit));
	const std::size_t n = 4;
	const std::uint64_t cap = 256ULL << 20;	// far above what TCP buffers hold

	auto avail0 = meminfo_kb("MemAvailable");
	EchoPlan plan;
	plan.message = [cap](std::size_t, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 1)
			return std::nullopt;
		return cap;
	};
	plan.after = EchoPlan::After::HalfCloseEarly;
	plan.seed = 500;
	EchoClient cl(endpoint("127.0.0.1", 7022), plan);
	cl.set_reading(false);
	cl.add(n);

	// Send until nothing moves for a second: the peer's sends block.
	bool blocked = cl.run_until_blocked(120s);
	auto sent1 = cl.bytes_sent();
	auto st1 = ssk::stats(id);
	auto avail1 = meminfo_kb("MemAvailable");
	note("blocked after %llu bytes on %zu connections; MemAvailable %llu -> %llu KiB",
	     static_cast<unsigned long long>(sent1), n, static_cast<unsigned long long>(avail0),
	     static_cast<unsigned long long>(avail1));
	INFO("counters when blocked: " << ssk::format(st1));
	INFO(cl.report());
	REQUIRE(blocked);
	CHECK(sent1 < n * cap);
	CHECK((ssk::get(st1, "rx_throttled") > 0 || ssk::get(st1, "tx_queue_full") > 0));
	CHECK(queued_now(st1) <= n * txq_limit);
	CHECK(ssk::conns(id) == n);

	// Stays blocked: nothing grows while the peer keeps not reading.
	bool moved = cl.run([&] { return cl.bytes_sent() != sent1; }, 2s);
	auto st2 = ssk::stats(id);
	auto avail2 = meminfo_kb("MemAvailable");
	note("2 s later: MemAvailable %llu KiB, rx_bytes %llu -> %llu",
	     static_cast<unsigned long long>(avail2),
	     static_cast<unsigned long long>(ssk::get(st1, "rx_bytes")),
	     static_cast<unsigned long long>(ssk::get(st2, "rx_bytes")));
	CHECK_FALSE(moved);
	CHECK(ssk::get(st2, "rx_bytes") == ssk::get(st1, "rx_bytes"));
	CHECK(queued_now(st2) <= n * txq_limit);
	// What the connections hold is TCP's buffers plus the queues: a few
	// MiB a connection, not what was pushed at them.
	CHECK(avail0 - std::min(avail0, avail1) < n * 64 * 1024);
	CHECK(avail1 - std::min(avail1, avail2) < 8 * 1024);

	// The peer reads again: the echo resumes and ends with every byte.
	cl.end_messages_after(1 << 20);
	cl.set_reading(true);
	auto t0 = std::chrono::steady_clock::now();
	bool ok = cl.run_until_finished(180s);
	note("resumed: %llu bytes echoed in %.1f s",
	     static_cast<unsigned long long>(cl.bytes_received()), seconds_since(t0));
	INFO(cl.report());
	REQUIRE(ok);
	CHECK(cl.count(End::Done) == n);
	CHECK(cl.bytes_received() == cl.bytes_sent());
	bool released = wait_released(id, n);
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(released);
	CHECK(ssk::get(st, "rx_bytes") == cl.bytes_sent());
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == cl.bytes_sent());
	CHECK(ssk::get(st, "tx_flushed_bytes") == ssk::get(st, "tx_queued_bytes"));
	CHECK(ssk::get(st, "closed_peer_fin") == n);
	CHECK(mod.unload() == 0);
}
