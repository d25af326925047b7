// SPDX-License-Identifier: GPL-2.0
//
// The proxy handler: outbound connections (syncsock_connect()) and
// forwarding between the two connections of a pair (syncsock_forward()).
//  [integrity]  64 clients through the proxy to the echo handler, messages of
//               1 byte to 4 MiB, both directions at once (echo), then a
//               half-close that must come back as EOF; IPv4 and IPv6.  Every
//               byte compared; the counters account for every byte each way
//               and every connection.
//  [queued]     the same with the test knob fwd_queue_only: every forward
//               goes through the pair's send queue and its own context.
//  [failover]   backends down (refused) are skipped: every client is served
//               by the one that answers, the failures counted.
//  [none]       no backend answers: each client is reset, promptly.
//  [timeout]    a backend whose accept queue is full drops the SYNs: the
//               connect timeout skips it.
//  [limits]     both connections of a pair count against max_conns: with 3,
//               a second client finds no room for its backend connection
//               and is reset; once the first has gone, a client is served.
//  [noread]     a backend that never reads: the client's sending stops (its
//               window closes), the module's memory stays within the send
//               queue's limit, and everything arrives once the backend reads.
//  [crossflow]  a client that sends all its request before it reads, while
//               the backend streams its answer: neither direction waits for
//               the other (16 MiB each way through a 64 KiB send queue).
//  [halfclose]  a FIN each way reaches the other side while the other
//               direction goes on.
//  [reset]      a client's reset resets the backend connection, and a
//               backend's reset resets the client.
//  [midclose]   a backend that closes in the middle of a transfer: the
//               client gets what was sent, then the end.
//  [delete]     listener delete and rmmod while proxied connections carry
//               traffic: no hang, no leak, the clients see the end.
//  [tools]      curl, wrk and sockperf through the proxy, unchanged, to the
//               http and sockperf handlers (and curl through the syncsock
//               proxy to a user-space server is the same bytes).
#include <catch2/catch.hpp>

#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <thread>

#include "ssk_net.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {


const std::string kKnob = "/sys/module/syncsock/parameters/fwd_queue_only";

std::string hostport(const std::string &ip, std::uint16_t port)
{
	return ip.find(':') != std::string::npos ? "[" + ip + "]:" + std::to_string(port) :
						   ip + ":" + std::to_string(port);
}

unsigned add_proxy(const std::string &ip, std::uint16_t port, const std::string &backends,
		   const std::string &extra = "")
{
	return ssk::add_listener("addr=" + ip + " port=" + std::to_string(port) +
				 " handler=proxy backlog=256 " + extra + " config=backends=" +
				 backends + " connect-timeout=2000");
}

// A listening socket of the test's own, as a backend.
Fd user_listener(const std::string &ip, std::uint16_t port, int backlog = 128)
{
	const Endpoint ep = endpoint(ip, port);
	Fd l(::socket(ep.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	set_int_opt(l.get(), SOL_SOCKET, SO_REUSEADDR, 1);
	if (::bind(l.get(), ep.sa(), ep.len) || ::listen(l.get(), backlog))
		fail("backend " + ep.text + ": " + errno_str(errno));
	return l;
}

Fd accept_one(int lfd, std::chrono::milliseconds t = 10s)
{
	pollfd p{lfd, POLLIN, 0};
	if (::poll(&p, 1, static_cast<int>(t.count())) != 1)
		fail("the proxy did not connect to the backend");
	return Fd(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
}

void run_integrity(const std::string &ip, std::uint16_t base, bool queued)
{
	ssk::ModuleSession mod;
	kmsg("proxy integrity " + ip + (queued ? " queued" : ""));
	if (queued)
		REQUIRE(write_text(kKnob, "1") == 0);
	unsigned echo = ssk::add_listener("addr=" + ip + " port=" + std::to_string(base + 1) +
					  " handler=echo backlog=256");
	unsigned px = add_proxy(ip, base, hostport(ip, base + 1));
	// SSK_PROXY_CONNS: fewer on the debug kernel, ~30x slower per byte.
	const std::size_t kConns = env_u64("SSK_PROXY_CONNS", 64);

	const std::uint64_t expected = integrity_bytes(kConns);

	EchoPlan plan;
	plan.message = integrity_message_size;
	plan.after = EchoPlan::After::HalfClose;
	plan.seed = 7000;
	EchoClient cl(endpoint(ip, base), plan);
	cl.add(kConns);
	auto t0 = std::chrono::steady_clock::now();
	bool ok = cl.run_until_finished(240s);
	note("%s%s: %zu connections, %llu bytes through the proxy and back in %.1f s", ip.c_str(),
	     queued ? " (queued)" : "", kConns,
	     static_cast<unsigned long long>(cl.bytes_received()), seconds_since(t0));
	INFO(cl.report());
	REQUIRE(ok);
	CHECK(cl.count(End::Done) == kConns);
	CHECK(cl.bytes_received() == expected);

	// Both sides of every pair closed: client and backend connection.
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0 && ssk::conns(echo) == 0; }, 30s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "accepted") == kConns);
	CHECK(ssk::get(st, "connects") == kConns);
	CHECK(ssk::get(st, "connected") == kConns);
	CHECK(ssk::get(st, "app0") == kConns);
	CHECK(ssk::get(st, "fwd_up_bytes") == expected);
	CHECK(ssk::get(st, "fwd_down_bytes") == expected);
	CHECK(ssk::get(st, "rx_bytes") == 2 * expected);
	CHECK(ssk::get(st, "closed") == 2 * kConns);
	CHECK(ssk::get(st, "closed_peer_fin") == 2 * kConns);
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "fwd_copied_bytes") + ssk::get(st, "fwd_spliced_bytes") >= 2 * expected);
	if (queued) {
		CHECK(ssk::get(st, "fwd_inline") == 0);
		CHECK(ssk::get(st, "fwd_queued") > 0);
		CHECK(ssk::get(st, "fwd_spliced_bytes") == 0);
	} else {
		CHECK(ssk::get(st, "fwd_inline") > 0);
		// Loopback carries the sender's pages: spliced, not copied.
		CHECK(ssk::get(st, "fwd_spliced_bytes") > 0);
	}
	note("forwards: %llu inline, %llu queued; %llu bytes spliced, %llu copied; %llu pauses",
	     static_cast<unsigned long long>(ssk::get(st, "fwd_inline")),
	     static_cast<unsigned long long>(ssk::get(st, "fwd_queued")),
	     static_cast<unsigned long long>(ssk::get(st, "fwd_spliced_bytes")),
	     static_cast<unsigned long long>(ssk::get(st, "fwd_copied_bytes")),
	     static_cast<unsigned long long>(ssk::get(st, "fwd_paused")));
	if (queued)
		write_text(kKnob, "0");
}

} // namespace

TEST_CASE("proxy: every byte both ways, IPv4 and IPv6", "[integrity]")
{
	SECTION("ipv4") { run_integrity("127.0.0.1", 7401, false); }
	SECTION("ipv6") { run_integrity("::1", 7403, false); }
}

TEST_CASE("proxy: every forward through the pair's queue", "[queued]")
{
	run_integrity("127.0.0.1", 7405, true);
}

TEST_CASE("proxy: refused backends are skipped", "[failover]")
{
	ssk::ModuleSession mod;
	kmsg("proxy failover");
	unsigned echo = ssk::add_listener("addr=127.0.0.1 port=7411 handler=echo");
	// Ports 7412 and 7413: nothing listens there.
	unsigned px = add_proxy("127.0.0.1", 7410, "127.0.0.1:7412,127.0.0.1:7411,127.0.0.1:7413");
	constexpr int kClients = 30;
	for (int i = 0; i < kClients; i++) {
		Fd fd = connect_tcp(7410);
		const std::string msg = "hello " + std::to_string(i);
		send_str(fd.get(), msg);
		::shutdown(fd.get(), SHUT_WR);
		Got g = read_upto(fd.get(), msg.size() + 1, 10s);
		INFO("client " << i << ": got '" << g.data << "'" << g.end());
		CHECK(g.data == msg);
		CHECK(g.eof);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0 && ssk::conns(echo) == 0; }, 20s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "connected") == kClients);
	// Round-robin: a third start on the echo backend, the others go on.
	CHECK(ssk::get(st, "connect_refused") >= kClients);
	CHECK(ssk::get(st, "connect_refused") == ssk::get(st, "app1"));
	CHECK(ssk::get(st, "closed_connect_failed") == ssk::get(st, "connect_refused"));
	CHECK(ssk::get(st, "app2") == 0);
}

TEST_CASE("proxy: no backend answers, the client is reset", "[none]")
{
	ssk::ModuleSession mod;
	kmsg("proxy none");
	unsigned px = add_proxy("127.0.0.1", 7420, "127.0.0.1:7421,127.0.0.1:7422");
	for (int i = 0; i < 10; i++) {
		auto t0 = std::chrono::steady_clock::now();
		Fd fd;
		// The reset may beat connect() back to the client.
		int err = try_connect(endpoint("127.0.0.1", 7420), fd);
		if (err) {
			CHECK(err == ECONNRESET);
			continue;
		}
		// The reset may come before the send, which then reports it.
		if (::send(fd.get(), "anyone?", 7, MSG_NOSIGNAL) < 0) {
			CHECK(errno == ECONNRESET);
			continue;
		}
		Got g = read_upto(fd.get(), 1, 10s);
		INFO("client " << i << ": got '" << g.data << "'" << g.end());
		CHECK(g.data.empty());
		CHECK(g.err == ECONNRESET);
		CHECK(seconds_since(t0) < 5);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "connect_refused") == 20);
	CHECK(ssk::get(st, "app2") == 10);
	CHECK(ssk::get(st, "closed_pair") == 10);
}

TEST_CASE("proxy: a backend that drops SYNs times out", "[timeout]")
{
	ssk::ModuleSession mod;
	kmsg("proxy timeout");
	// A backlog of 0 with its queue filled: further SYNs are dropped.
	Fd full = user_listener("127.0.0.1", 7431, 0);
	std::vector<Fd> fillers;
	for (int i = 0; i < 4; i++) {
		Fd f(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
		const Endpoint ep = endpoint("127.0.0.1", 7431);
		::connect(f.get(), ep.sa(), ep.len);
		fillers.push_back(std::move(f));
	}
	std::this_thread::sleep_for(300ms);
	unsigned echo = ssk::add_listener("addr=127.0.0.1 port=7432 handler=echo");
	unsigned px = ssk::add_listener("addr=127.0.0.1 port=7430 handler=proxy "
					"config=backends=127.0.0.1:7431,127.0.0.1:7432 "
					"connect-timeout=500");
	// Each client starts on one of the two in turn.
	for (int i = 0; i < 4; i++) {
		Fd fd = connect_tcp(7430);
		send_str(fd.get(), "slow");
		::shutdown(fd.get(), SHUT_WR);
		Got g = read_upto(fd.get(), 5, 10s);
		INFO("client " << i << ": got '" << g.data << "'" << g.end());
		CHECK(g.data == "slow");
		CHECK(g.eof);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0 && ssk::conns(echo) == 0; }, 20s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "connect_timeout") >= 1);
	CHECK(ssk::get(st, "connected") == 4);
	CHECK(ssk::get(st, "app2") == 0);

	// An idle timeout shorter than the connect timeout: a connect in
	// progress is not idle, the failover still happens.
	unsigned px2 = ssk::add_listener("addr=127.0.0.1 port=7433 handler=proxy "
					 "idle_timeout_ms=200 config=backends=127.0.0.1:7431,"
					 "127.0.0.1:7432 connect-timeout=800");
	for (int i = 0; i < 2; i++) {
		Fd fd = connect_tcp(7433);
		send_str(fd.get(), "patient");
		::shutdown(fd.get(), SHUT_WR);
		Got g = read_upto(fd.get(), 8, 10s);
		INFO("client " << i << " of the idle-timeout listener: got '" << g.data << "'"
			       << g.end());
		CHECK(g.data == "patient");
		CHECK(g.eof);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px2) == 0; }, 20s));
	auto st2 = ssk::stats(px2);
	INFO(ssk::format(st2));
	CHECK(ssk::get(st2, "connect_timeout") >= 1);
	CHECK(ssk::get(st2, "closed_idle") == 0);
}

TEST_CASE("proxy: a backend that never reads throttles the client", "[noread]")
{
	ssk::ModuleSession mod;
	kmsg("proxy noread");
	Fd l = user_listener("127.0.0.1", 7441);
	unsigned px = add_proxy("127.0.0.1", 7440, "127.0.0.1:7441", "txq_limit=65536");
	Fd cl = connect_tcp(7440);
	Fd be = accept_one(l.get());
	set_int_opt(be.get(), SOL_SOCKET, SO_RCVBUF, 65536);

	// Send until the client's own socket is full: the chain stopped.
	const std::size_t kTotal = 64u << 20;
	std::string chunk(1 << 16, '\0');
	std::uint64_t sent = 0, seed = 99;
	auto t0 = std::chrono::steady_clock::now();
	for (;;) {
		payload_fill_fast({reinterpret_cast<std::uint8_t *>(chunk.data()), chunk.size()}, seed,
				  sent);
		ssize_t n = ::send(cl.get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			sent += static_cast<std::size_t>(n);
			t0 = std::chrono::steady_clock::now();
			continue;
		}
		REQUIRE(errno == EAGAIN);
		if (seconds_since(t0) > 2)
			break;
		std::this_thread::sleep_for(20ms);
		REQUIRE(sent < kTotal);
	}
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	const auto held = ssk::get(st, "mem_charged") - ssk::get(st, "mem_uncharged");
	note("client blocked after %llu bytes; the module holds %llu bytes",
	     static_cast<unsigned long long>(sent), static_cast<unsigned long long>(held));
	CHECK(ssk::get(st, "fwd_paused") > 0);
	// The send queue's limit, and a chunk's rounding.
	CHECK(held <= 2 * 65536);
	CHECK(sent < 16u << 20);

	// syncsockctl shows the pair: the client side paused, the backend's
	// queue full.
	Cmd pl = run("syncsockctl -j pair list");
	INFO("syncsockctl -j pair list: " << pl.out);
	CHECK(pl.status == 0);
	CHECK(pl.out.find("\"listener\":" + std::to_string(px)) != std::string::npos);
	CHECK(pl.out.find("\"backend\":\"127.0.0.1:7441\"") != std::string::npos);
	CHECK(pl.out.find("\"local\":\"127.0.0.1:7440\"") != std::string::npos);
	CHECK(pl.out.find("\"paused\":true") != std::string::npos);
	CHECK(std::regex_search(pl.out, std::regex("\"up_queued\":[1-9]")));
	Cmd none = run("syncsockctl pair list listener " + std::to_string(px + 1));
	CHECK(none.status == 2);

	// The backend reads now: every byte, in order.
	std::thread writer([&] {
		while (sent < 4u << 20) {
			payload_fill_fast({reinterpret_cast<std::uint8_t *>(chunk.data()), chunk.size()},
					  seed, sent);
			send_all(cl.get(), {reinterpret_cast<std::uint8_t *>(chunk.data()), chunk.size()});
			sent += chunk.size();
		}
		::shutdown(cl.get(), SHUT_WR);
	});
	std::vector<std::uint8_t> buf(1 << 16);
	std::uint64_t got = 0;
	bool same = true;
	for (;;) {
		ssize_t n = ::recv(be.get(), buf.data(), buf.size(), 0);
		if (n <= 0)
			break;
		if (payload_mismatch_fast({buf.data(), static_cast<std::size_t>(n)}, seed, got))
			same = false;
		got += static_cast<std::size_t>(n);
	}
	writer.join();
	CHECK(same);
	CHECK(got == sent);
	be.reset();
	Got g = read_upto(cl.get(), 1, 10s);
	CHECK(g.eof);
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
}

TEST_CASE("proxy: a FIN each way reaches the other side", "[halfclose]")
{
	ssk::ModuleSession mod;
	kmsg("proxy halfclose");
	Fd l = user_listener("127.0.0.1", 7451);
	unsigned px = add_proxy("127.0.0.1", 7450, "127.0.0.1:7451");

	SECTION("client first")
	{
		Fd cl = connect_tcp(7450);
		Fd be = accept_one(l.get());
		send_str(cl.get(), "request");
		::shutdown(cl.get(), SHUT_WR);
		Got g = read_upto(be.get(), 100, 10s);
		CHECK(g.data == "request");
		CHECK(g.eof);
		// The other way still carries the answer, then its own FIN.
		send_str(be.get(), "response");
		::shutdown(be.get(), SHUT_WR);
		Got r = read_upto(cl.get(), 100, 10s);
		CHECK(r.data == "response");
		CHECK(r.eof);
	}
	SECTION("backend first")
	{
		Fd cl = connect_tcp(7450);
		Fd be = accept_one(l.get());
		send_str(be.get(), "banner");
		::shutdown(be.get(), SHUT_WR);
		Got r = read_upto(cl.get(), 100, 10s);
		CHECK(r.data == "banner");
		CHECK(r.eof);
		send_str(cl.get(), "still talking");
		::shutdown(cl.get(), SHUT_WR);
		Got g = read_upto(be.get(), 100, 10s);
		CHECK(g.data == "still talking");
		CHECK(g.eof);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "closed_peer_fin") == 2);
}

TEST_CASE("proxy: a reset reaches the other side", "[reset]")
{
	ssk::ModuleSession mod;
	kmsg("proxy reset");
	Fd l = user_listener("127.0.0.1", 7461);
	unsigned px = add_proxy("127.0.0.1", 7460, "127.0.0.1:7461");
	const auto reset = [](Fd &fd) {
		linger lg{1, 0};
		::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		fd.reset();
	};

	SECTION("client resets")
	{
		Fd cl = connect_tcp(7460);
		Fd be = accept_one(l.get());
		send_str(cl.get(), "x");
		REQUIRE(read_upto(be.get(), 1, 10s).data == "x");
		reset(cl);
		Got g = read_upto(be.get(), 1, 10s);
		CHECK(g.err == ECONNRESET);
	}
	SECTION("backend resets")
	{
		Fd cl = connect_tcp(7460);
		Fd be = accept_one(l.get());
		send_str(be.get(), "y");
		REQUIRE(read_upto(cl.get(), 1, 10s).data == "y");
		reset(be);
		Got g = read_upto(cl.get(), 1, 10s);
		CHECK(g.err == ECONNRESET);
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "closed_peer_reset") == 1);
	CHECK(ssk::get(st, "closed_pair") == 1);
}

TEST_CASE("proxy: delete and rmmod under traffic", "[delete]")
{
	for (bool rmmod : {false, true}) {
		ssk::ModuleSession mod;
		kmsg(std::string("proxy delete, ") + (rmmod ? "rmmod" : "listener delete"));
		ssk::add_listener("addr=127.0.0.1 port=7471 handler=echo");
		unsigned px = add_proxy("127.0.0.1", 7470, "127.0.0.1:7471");
		// 32 clients, each 64 KiB out and back in a loop until its
		// stream ends.
		constexpr int kClients = 32;
		std::atomic<std::uint64_t> bytes{0};
		std::atomic<int> ended{0}, clean{0}, up{0};
		std::vector<std::thread> ts;
		for (int i = 0; i < kClients; i++)
			ts.emplace_back([&] {
				Fd fd;
				if (try_connect(endpoint("127.0.0.1", 7470), fd, 30s)) {
					ended++;
					return;
				}
				up++;
				std::string out(1 << 16, 'd');
				for (;;) {
					if (::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL) <= 0) {
						/* The reset, seen by the send. */
						if (errno == ECONNRESET || errno == EPIPE)
							clean++;
						break;
					}
					Got g = read_upto(fd.get(), out.size(), 30s);
					bytes += g.data.size();
					if (g.eof || g.err) {
						clean++;	/* a FIN or a reset: an end */
						break;
					}
					if (g.data.size() < out.size())
						break;	/* stalled 30 s: not an end */
				}
				ended++;
			});
		// Every client connected (the debug kernel takes its time),
		// then three seconds of traffic.
		CHECK(wait_for([&] { return up + ended == kClients; }, 60s));
		CHECK(up == kClients);
		std::this_thread::sleep_for(3s);
		const std::uint64_t before = bytes;
		note("%llu bytes through the proxy before the %s",
		     static_cast<unsigned long long>(before), rmmod ? "rmmod" : "delete");
		if (rmmod)
			CHECK(mod.unload() == 0);
		else
			CHECK(ssk::del_listener(px, true) == 0);
		// Every client sees its end, promptly.
		bool all = wait_for([&] { return ended == kClients; }, 40s);
		for (auto &t : ts)
			t.join();
		INFO(up << " clients connected, " << ended << " ended, " << clean
			<< " of them with a FIN or a reset");
		CHECK(before > 0);
		CHECK(all);
		CHECK(clean + 0 == kClients);
		if (!rmmod)
			REQUIRE(wait_for([&] { return !ssk::find_listener(px); }, 30s));
	}
}

TEST_CASE("proxy: a backend that closes in the middle", "[midclose]")
{
	ssk::ModuleSession mod;
	kmsg("proxy midclose");
	Fd l = user_listener("127.0.0.1", 7481);
	unsigned px = add_proxy("127.0.0.1", 7480, "127.0.0.1:7481");

	SECTION("graceful, the client still sending")
	{
		Fd cl = connect_tcp(7480);
		Fd be = accept_one(l.get());
		send_str(be.get(), "partial answer");
		::shutdown(be.get(), SHUT_WR);
		Got g = read_upto(cl.get(), 100, 10s);
		CHECK(g.data == "partial answer");
		CHECK(g.eof);
		// What the client sends now still reaches the backend.
		send_str(cl.get(), "more");
		CHECK(read_upto(be.get(), 4, 10s).data == "more");
		be.reset();
		::shutdown(cl.get(), SHUT_WR);
	}
	SECTION("close with unread input: a reset")
	{
		Fd cl = connect_tcp(7480);
		Fd be = accept_one(l.get());
		std::string big(1 << 20, 'z');
		int send_err = 0;
		std::thread w([&] {
			for (int i = 0; i < 8; i++)
				if (::send(cl.get(), big.data(), big.size(), MSG_NOSIGNAL) < 0) {
					send_err = errno;
					break;
				}
		});
		CHECK(read_upto(be.get(), 1000, 10s).data.size() == 1000);
		// More has arrived, unread: the close is a reset.
		int pending = 0;
		CHECK(wait_for([&] { return !::ioctl(be.get(), FIONREAD, &pending) && pending > 0; },
			       10s));
		be.reset();
		Got g = read_upto(cl.get(), 1, 10s);
		w.join();
		// The reset reaches the client: its read sees it, or its send
		// did first (the error is reported once).
		INFO("client read: '" << g.data << "'" << g.end() << "; send: " << send_err);
		CHECK((g.err == ECONNRESET || send_err == ECONNRESET || send_err == EPIPE));
	}
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
}

TEST_CASE("proxy: curl, wrk and sockperf through it, unchanged", "[tools]")
{
	ssk::ModuleSession mod;
	kmsg("proxy tools");
	ssk::add_listener("addr=127.0.0.1 port=7491 handler=http config=status=200 "
			  "type=text/plain body=through the proxy");
	ssk::add_listener("addr=127.0.0.1 port=7493 handler=sockperf");
	unsigned hp = add_proxy("127.0.0.1", 7490, "127.0.0.1:7491");
	unsigned sp = add_proxy("127.0.0.1", 7492, "127.0.0.1:7493");

	Cmd direct = run("curl -s --raw -D - http://127.0.0.1:7491/x");
	Cmd viaproxy = run("curl -s --raw -D - http://127.0.0.1:7490/x");
	INFO("direct: " << show(direct.out) << "\nthrough the proxy: " << show(viaproxy.out));
	CHECK(viaproxy.status == 0);
	CHECK(viaproxy.out == direct.out);
	CHECK(viaproxy.out.find("through the proxy") != std::string::npos);

	Cmd w = run("wrk -t1 -c8 -d3 http://127.0.0.1:7490/", 60);
	INFO("wrk: " << w.out);
	CHECK(w.status == 0);
	auto reqs = number_in(w.out, "([0-9]+) requests in");
	REQUIRE(reqs);
	CHECK(*reqs > 0);
	CHECK(w.out.find("Non-2xx") == std::string::npos);
	CHECK(w.out.find("Socket errors") == std::string::npos);

	Cmd s = run("sockperf ping-pong --tcp -i 127.0.0.1 -p 7492 --data-integrity -t 3", 60);
	s.out = strip_ansi(s.out);
	INFO("sockperf: " << s.out);
	CHECK(s.status == 0);
	CHECK(s.out.find("ERROR") == std::string::npos);
	CHECK(std::regex_search(s.out, std::regex("Summary: Latency is [0-9.]+ usec")));
	auto recv = number_in(s.out, "\\[Total Run\\].*ReceivedMessages=([0-9]+)");
	REQUIRE(recv);
	CHECK(*recv > 0);

	REQUIRE(wait_for([&] { return ssk::conns(hp) == 0 && ssk::conns(sp) == 0; }, 30s));
	auto st = ssk::stats(hp);
	INFO(ssk::format(st));
	note("curl, wrk (%llu requests) and sockperf (%llu replies) through the proxy",
	     static_cast<unsigned long long>(*reqs), static_cast<unsigned long long>(*recv));
	CHECK(ssk::get(st, "connected") == ssk::get(st, "accepted"));
	CHECK(ssk::get(st, "handler_errors") == 0);
}

TEST_CASE("proxy: each direction flows on its own", "[crossflow]")
{
	ssk::ModuleSession mod;
	kmsg("proxy crossflow");
	Fd l = user_listener("127.0.0.1", 7501);
	unsigned px = add_proxy("127.0.0.1", 7500, "127.0.0.1:7501", "txq_limit=65536");
	Fd cl = connect_tcp(7500);
	Fd be = accept_one(l.get());
	set_timeouts(cl.get(), 60s);
	set_timeouts(be.get(), 60s);
	const std::size_t kBytes = 16u << 20, kChunk = 1 << 16;
	std::string be_err, up_err;
	std::uint64_t be_got = 0;

	// The backend streams its answer while it reads the request.
	std::thread bw([&] {
		try {
			std::vector<std::uint8_t> b(kChunk);
			for (std::uint64_t off = 0; off < kBytes; off += kChunk) {
				payload_fill_fast(b, 1, off);
				send_all(be.get(), b);
			}
		} catch (const std::exception &e) {
			be_err = e.what();
		}
	});
	// It starts reading a second late: by then the request has filled
	// the proxy's queue towards it, and the answer the one towards the
	// client, which is not reading yet.
	std::thread br([&] {
		std::vector<std::uint8_t> b(kChunk);
		std::this_thread::sleep_for(1s);
		while (be_got < kBytes) {
			ssize_t n = ::recv(be.get(), b.data(), b.size(), 0);
			if (n <= 0) {
				up_err = "backend read: " + (n ? errno_str(errno) : std::string("EOF")) +
					 " after " + std::to_string(be_got);
				return;
			}
			if (payload_mismatch_fast({b.data(), static_cast<std::size_t>(n)}, 2, be_got))
				up_err = "backend read different bytes";
			be_got += static_cast<std::size_t>(n);
		}
	});
	// The client: all of its request first, only then the answer.
	std::string cl_err;
	try {
		std::vector<std::uint8_t> b(kChunk);
		for (std::uint64_t off = 0; off < kBytes; off += kChunk) {
			payload_fill_fast(b, 2, off);
			send_all(cl.get(), b);
		}
	} catch (const std::exception &e) {
		cl_err = e.what();
	}
	std::uint64_t got = 0;
	bool same = true;
	if (cl_err.empty()) {
		std::vector<std::uint8_t> b(kChunk);
		while (got < kBytes) {
			ssize_t n = ::recv(cl.get(), b.data(), b.size(), 0);
			if (n <= 0)
				break;
			if (payload_mismatch_fast({b.data(), static_cast<std::size_t>(n)}, 1, got))
				same = false;
			got += static_cast<std::size_t>(n);
		}
	}
	// The backend's reading ends by itself (or its 60 s timeout); then
	// its writer is unblocked whatever happened.
	br.join();
	::shutdown(be.get(), SHUT_RDWR);
	bw.join();
	INFO("client send: " << (cl_err.empty() ? "ok" : cl_err) << "; backend: " << be_err << " "
			     << up_err << "; client got " << got << ", backend got " << be_got);
	CHECK(cl_err.empty());
	CHECK(got == kBytes);
	CHECK(same);
	CHECK(be_got == kBytes);
	CHECK(up_err.empty());
	be.reset();
	cl.reset();
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
}

TEST_CASE("proxy: both sides count against max_conns", "[limits]")
{
	ssk::ModuleSession mod;
	kmsg("proxy limits");
	ssk::add_listener("addr=127.0.0.1 port=7511 handler=echo");
	unsigned px = add_proxy("127.0.0.1", 7510, "127.0.0.1:7511", "max_conns=3");
	Fd first = connect_tcp(7510);
	send_str(first.get(), "one");
	REQUIRE(read_upto(first.get(), 3, 10s).data == "one");
	REQUIRE(ssk::conns(px) == 2);

	Fd second;
	int err = try_connect(endpoint("127.0.0.1", 7510), second);
	Got g;
	if (!err) {
		::send(second.get(), "two", 3, MSG_NOSIGNAL);
		g = read_upto(second.get(), 3, 10s);
	}
	INFO("second client: connect " << errno_str(err) << ", read '" << g.data << "'" << g.end());
	CHECK(g.data.empty());
	CHECK((err == ECONNRESET || g.err == ECONNRESET || g.eof));

	first.reset();
	REQUIRE(wait_for([&] { return ssk::conns(px) == 0; }, 20s));
	Fd third = connect_tcp(7510);
	send_str(third.get(), "three");
	CHECK(read_upto(third.get(), 5, 10s).data == "three");
	auto st = ssk::stats(px);
	INFO(ssk::format(st));
	CHECK(ssk::get(st, "accept_rejected") == 1);
	CHECK(ssk::get(st, "connects") == 2);
}
