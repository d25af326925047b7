// SPDX-License-Identifier: GPL-2.0
//
// Network namespaces.  Two namespaces, sskA and sskB, each get an echo
// listener on 127.0.0.1:7050 (both are id 1: the table is per namespace) and
// serve independently: own connections, own counters, nothing in the initial
// namespace.  The operator's path works too: `syncsockctl listener add` under
// `ip netns exec` adds a listener in sskB only.  Then sskA is deleted while
// its listener (reached from the initial namespace over a veth pair) has live
// connections: they are closed with closed_netns_exit, nothing splats,
// sskB's live connections and listener keep working, and the module unloads
// cleanly (closed_unload).  The module's totals and the handlers' listener
// counts show every namespace only to the initial namespace's administrator;
// from sskB they show sskB's alone.
//
// Needs iproute2's ip (vm.py --host-tool /usr/sbin/ip); skips without it.
#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>

#include <cstdlib>
#include <exception>
#include <functional>
#include <thread>

#include "ssk_netns.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

// @n connections, two messages each, half-close, EOF: all must be Done.
std::string echo_round(const Endpoint &ep, std::size_t n, std::uint64_t seed)
{
	EchoPlan plan;
	plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 2)
			return std::nullopt;
		return Rng(conn * 3 + msg).log_between(1, 200 * 1024);
	};
	plan.seed = seed;
	EchoClient cl(ep, plan);
	cl.add(n);
	if (!cl.run_until_finished(120s) || cl.count(End::Done) != n)
		return cl.report();
	return "";
}

// One checked exchange on a blocking connection.
void exchange(int fd, std::uint64_t seed, std::uint64_t offset, std::size_t len)
{
	std::vector<std::uint8_t> msg(len), got(len);
	payload_fill_fast(msg, seed, offset);
	send_all(fd, msg);
	recv_exact(fd, got);
	if (got != msg)
		fail("echo differs");
}

bool listens_on(unsigned port)
{
	for (auto &l : ssk::listeners())
		if (l.port == port)
			return true;
	return false;
}

} // namespace

TEST_CASE("listeners in two network namespaces; one namespace deleted under load", "[netns]")
{
	if (ip_cmd().empty()) {
		note("SKIP: needs iproute2's ip for netns and veth (vm.py --host-tool /usr/sbin/ip)");
		std::exit(77);
	}
	const std::string ip = ip_cmd();
	raise_fd_limit(4096);
	ssk::ModuleSession mod;
	kmsg("netns");
	NetNs a("sskA"), b("sskB");
	const auto lo = endpoint("127.0.0.1", 7050);

	// The same address and port in both; each listener is id 1 of its table.
	unsigned ida = 0, idb = 0;
	a.run([&] { ida = ssk::add_listener("addr=127.0.0.1 port=7050 handler=echo"); });
	b.run([&] { idb = ssk::add_listener("addr=127.0.0.1 port=7050 handler=echo"); });
	CHECK(ida == 1);
	CHECK(idb == 1);
	// Nothing of theirs in the initial namespace.
	CHECK(ssk::listeners().empty());
	{
		Fd fd;
		CHECK(try_connect(lo, fd) == ECONNREFUSED);
	}

	// Independent service and counters.
	std::string fa, fb;
	a.run([&] { fa = echo_round(lo, 8, 100); });
	b.run([&] { fb = echo_round(lo, 12, 200); });
	CHECK(fa == "");
	CHECK(fb == "");
	ssk::Counters sa, sb;
	a.run([&] {
		wait_for([&] { return ssk::get(ssk::stats(ida), "closed") >= 8; }, 10s);
		sa = ssk::stats(ida);
	});
	b.run([&] {
		wait_for([&] { return ssk::get(ssk::stats(idb), "closed") >= 12; }, 10s);
		sb = ssk::stats(idb);
	});
	CHECK(ssk::get(sa, "accepted") == 8);
	CHECK(ssk::get(sa, "closed_peer_fin") == 8);
	CHECK(ssk::get(sb, "accepted") == 12);
	CHECK(ssk::get(sb, "closed_peer_fin") == 12);

	// The totals (statistics id 0) and the handlers' listener counts: all
	// namespaces for the initial namespace's administrator, its own for a
	// namespace, so that no other namespace's traffic shows through.
	ssk::Counters all = ssk::module_stats(), own_b;
	std::uint32_t echo_all = 0, echo_b = 0;
	auto echo_users = [] {
		auto hs = ssk::device().handler_list();
		if (!hs)
			fail("handler list: " + ssk::error_text(hs.error()));
		for (auto &h : *hs)
			if (h.name == "echo")
				return h.nr_listeners;
		fail("no echo handler");
	};
	echo_all = echo_users();
	b.run([&] {
		own_b = ssk::module_stats();
		echo_b = echo_users();
	});
	CHECK(ssk::get(all, "accepted") == 8 + 12);
	CHECK(ssk::get(own_b, "accepted") == 12);
	CHECK(ssk::get(own_b, "closed") == 12);
	CHECK(echo_all == 2);
	CHECK(echo_b == 1);

	// The operator's path: syncsockctl under ip netns exec adds the
	// listener in that namespace (the device acts in the caller's).
	CHECK(sh(ip + " netns exec sskB /tests/bin/syncsockctl listener add "
		 "127.0.0.1:7051 handler echo") == 0);
	CHECK_FALSE(listens_on(7051));
	b.run([&] {
		if (!listens_on(7051))
			fail("the listener added with ip netns exec is not in sskB");
		fb = echo_round(endpoint("127.0.0.1", 7051), 2, 300);
	});
	CHECK(fb == "");

	// sskA reached over veth from the initial namespace (198.18.0.0/15 is
	// the benchmarking range; nothing leaves this guest).
	must(ip + " link add sskv0 type veth peer name sskv1 netns sskA");
	must(ip + " addr add 198.18.0.1/24 dev sskv0");
	must(ip + " link set sskv0 up");
	must(ip + " -n sskA addr add 198.18.0.2/24 dev sskv1");
	must(ip + " -n sskA link set sskv1 up");
	unsigned ida2 = 0;
	a.run([&] { ida2 = ssk::add_listener("addr=198.18.0.2 port=7052 handler=echo"); });

	// Live connections: 16 to sskA over veth, 16 inside sskB.
	const std::size_t nlive = 16;
	EchoPlan hold;
	hold.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
		if (msg >= 2)
			return std::nullopt;
		return Rng(conn + msg).log_between(1, 64 * 1024);
	};
	hold.after = EchoPlan::After::Hold;
	hold.seed = 400;
	EchoClient ca(endpoint("198.18.0.2", 7052), hold);
	ca.add(nlive);
	bool up = ca.run([&] { return ca.settled(); }, 60s);
	{
		INFO(ca.report());
		REQUIRE(up);
		REQUIRE(ca.count(EchoClient::Phase::Holding) == nlive);
	}
	std::vector<Fd> live_b;
	b.run([&] {
		for (std::size_t i = 0; i < nlive; i++) {
			live_b.push_back(connect_to(lo));
			exchange(live_b.back().get(), 500 + i, 0, 1000);
		}
	});
	unsigned conns_a = 0;
	a.run([&] { conns_a = ssk::conns(ida2); });
	CHECK(conns_a == nlive);

	// Delete sskA under them.
	auto before = ssk::module_stats();
	a.del();
	auto t0 = std::chrono::steady_clock::now();
	bool closed = wait_for(
		[&] { return ssk::get(ssk::module_stats(), "closed_netns_exit") >= nlive; }, 60s);
	auto after = ssk::module_stats();
	note("namespace exit closed %llu connections %.1f s after ip netns del",
	     static_cast<unsigned long long>(ssk::delta(after, before, "closed_netns_exit")),
	     seconds_since(t0));
	INFO("module counters: " << ssk::format(after));
	CHECK(closed);
	CHECK(ssk::delta(after, before, "closed_netns_exit") == nlive);
	CHECK(ssk::delta(after, before, "closed") == nlive);

	// The clients in the initial namespace lost their route with the veth;
	// whatever they see, the echo they got was right.
	ca.run([&] { return false; }, 500ms);
	note("clients of the deleted namespace: %s", ca.report(0).c_str());
	CHECK(ca.count(End::Mismatch) == 0);
	ca.close_held();

	// sskB is untouched: its live connections still echo, its listener
	// takes new ones.
	for (std::size_t i = 0; i < nlive; i++)
		exchange(live_b[i].get(), 500 + i, 1000, 5000);
	b.run([&] { fb = echo_round(lo, 8, 600); });
	CHECK(fb == "");
	unsigned conns_b = 0;
	b.run([&] {
		wait_for([&] { return ssk::get(ssk::stats(idb), "closed") >= 12 + 8; }, 10s);
		sb = ssk::stats(idb);
		conns_b = ssk::conns(idb);
	});
	{
		INFO("sskB counters: " << ssk::format(sb));
		CHECK(ssk::get(sb, "accepted") == 12 + nlive + 8);
		CHECK(conns_b == nlive);
	}

	// Unload with sskB's connections open: they are reset.
	auto t1 = std::chrono::steady_clock::now();
	CHECK(mod.unload() == 0);
	note("rmmod took %.2f s", seconds_since(t1));
	for (auto &fd : live_b) {
		std::uint8_t byte;
		errno = 0;
		ssize_t r = ::recv(fd.get(), &byte, 1, 0);
		CHECK(r < 0);
		CHECK(errno == ECONNRESET);
	}
	live_b.clear();
	b.del();
}
