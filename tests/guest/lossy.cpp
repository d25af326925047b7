// SPDX-License-Identifier: GPL-2.0
//
// The module over a lossy network.  Two namespaces, sskS (the server host,
// 198.18.1.1) and sskC (the client host, 198.18.1.2), joined by a veth pair
// with netem on both ends: delay with jitter (so reordering), loss,
// duplication and a rate limit, the same settings on every kernel.  Every
// byte and every FIN must arrive, as they do from a user-space server of the
// same protocol in the same run, on the same link:
//  [echo]      echo: connections send random messages and shut down at
//              once; every byte comes back, then EOF (the close of the
//              server follows the peer's FIN, while its tail is in flight).
//  [framed]    echo with length framing: whole frames back, then EOF.
//  [http]      http, "Connection: close": the whole response, then EOF (the
//              handler closes right after answering: the response's tail
//              and the FIN leave after the socket was released, and must be
//              retransmitted when lost).
//  [discard]   discard: everything is taken, then the peer's FIN is answered
//              with ours.
//  [sockperf]  the sockperf handler: every ping answered as a pong, then EOF.
//  [kvcounter] the example module (a third-party handler): every command
//              answered, then EOF.
//  [proxy]     the proxy handler with the lossy link on its backend side (the
//              proxy in the client's namespace, the echo handler across the
//              link), then on both sides (the proxy across the link, a
//              user-space echo back across it): every byte, then EOF, and
//              both connections of every pair closed by their FINs.
// A graceful close leaves an orphan whose retransmit timers only run if it
// holds a reference to its namespace (kernel sockets do not): without it, a
// lost tail or FIN is never sent again and the client waits forever.
#include <catch2/catch.hpp>

#include <netinet/tcp.h>
#include <poll.h>
#include <sys/syscall.h>

#include <atomic>
#include <mutex>

#include "ssk_netns.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

const std::string kServer = LossyLink::kServer, kClient = LossyLink::kClient;

// A user-space server in a namespace: a thread per connection, the same
// protocol as the handler it is compared with.  @serve gets each accepted
// socket and closes it.
class UserServer {
public:
	UserServer(NetNs &ns, std::uint16_t port, std::function<void(Fd)> serve,
		   const std::string &ip = kServer)
		: serve_(std::move(serve))
	{
		ns.run([&] {
			lfd_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
			set_int_opt(lfd_.get(), SOL_SOCKET, SO_REUSEADDR, 1);
			const Endpoint ep = endpoint(ip, port);
			if (::bind(lfd_.get(), ep.sa(), ep.len) || ::listen(lfd_.get(), 128))
				fail("user-space server on " + ep.text + ": " + errno_str(errno));
		});
		thread_ = std::thread([this] { loop(); });
	}
	UserServer(const UserServer &) = delete;
	UserServer &operator=(const UserServer &) = delete;
	~UserServer()
	{
		stop_ = true;
		thread_.join();
		for (auto &t : workers_)
			t.join();
	}

private:
	void loop()
	{
		while (!stop_) {
			pollfd p{lfd_.get(), POLLIN, 0};
			if (::poll(&p, 1, 100) <= 0)
				continue;
			Fd fd(::accept4(lfd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
			if (!fd)
				continue;
			workers_.emplace_back([this, f = std::move(fd)]() mutable {
				try {
					serve_(std::move(f));
				} catch (const std::exception &) {
					// The client's side reports what went wrong.
				}
			});
		}
	}

	std::function<void(Fd)> serve_;
	Fd lfd_;
	std::atomic<bool> stop_{false};
	std::thread thread_;
	std::vector<std::thread> workers_;
};

// The user-space echo: everything back, then close after the peer's FIN.
void user_echo(Fd fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		send_all(fd.get(), std::span<const std::uint8_t>(
					   reinterpret_cast<const std::uint8_t *>(buf), n));
	}
}

const std::string kHttpBody(100000, 'x');

// The user-space http: one response with Connection: close, then close.
void user_http(Fd fd)
{
	std::string req;
	char buf[4096];
	while (req.find("\r\n\r\n") == std::string::npos) {
		ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
		if (n <= 0)
			return;
		req.append(buf, n);
	}
	std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
			   std::to_string(kHttpBody.size()) + "\r\nConnection: close\r\n\r\n" + kHttpBody;
	send_str(fd.get(), resp);
}

// @n echo connections of random messages with an early half-close.
std::string echo_clients(NetNs &ns, std::uint16_t port, std::size_t n, std::uint64_t seed,
			 const std::string &ip = kServer)
{
	std::string report;
	ns.run([&] {
		EchoPlan plan;
		plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
			if (msg >= 2)
				return std::nullopt;
			return Rng(conn * 7 + msg).log_between(1, 96 * 1024);
		};
		plan.after = EchoPlan::After::HalfCloseEarly;
		plan.seed = seed;
		EchoClient cl(endpoint(ip, port), plan);
		cl.add(n);
		if (!cl.run_until_finished(120s) || cl.count(End::Done) != n)
			report = cl.report();
	});
	return report;
}

// One request, "Connection: close": the whole response, then EOF.
// Return: "" or what went wrong.
std::string http_close_once(std::uint16_t port, const std::string &want_body)
{
	Fd fd = connect_tcp(kServer, port);
	send_str(fd.get(), "GET / HTTP/1.1\r\nHost: lossy\r\nConnection: close\r\n\r\n");
	Got g = read_upto(fd.get(), SIZE_MAX, 60s);
	auto hdr_end = g.data.find("\r\n\r\n");
	if (!g.eof || g.err || hdr_end == std::string::npos)
		return "got " + std::to_string(g.data.size()) + " bytes" + g.end() +
		       (g.eof ? "" : ", no EOF within 60 s");
	std::string body = g.data.substr(hdr_end + 4);
	if (body != want_body)
		return "body of " + std::to_string(body.size()) + " bytes, want " +
		       std::to_string(want_body.size());
	return "";
}

// Send @out while reading, expect exactly @want back, then half-close and
// expect EOF.  Return: "" or what went wrong.
std::string pump_then_eof(std::uint16_t port, const std::string &out, const std::string &want)
{
	Fd fd = connect_tcp(kServer, port);
	Got g = pump(fd.get(), out, want.size());
	if (g.data != want)
		return "got " + std::to_string(g.data.size()) + " of " + std::to_string(want.size()) +
		       " bytes" + (g.data == want.substr(0, g.data.size()) ? "" : ", different") +
		       g.end();
	::shutdown(fd.get(), SHUT_WR);
	g = read_upto(fd.get(), 1, 60s);
	return g.eof && g.data.empty() ? "" : "no EOF after the replies" + g.end();
}

// The failures, a line each.
std::string joined(const std::vector<std::string> &fails)
{
	std::string s;
	for (auto &f : fails)
		s += f + "\n";
	return s;
}

// Run @f once for each of @n connections, 8 at a time; collect failures.
std::vector<std::string> in_parallel(NetNs &ns, std::size_t n,
				     const std::function<std::string(std::size_t)> &f)
{
	std::vector<std::string> fails;
	std::mutex m;
	std::atomic<std::size_t> next{0};
	std::vector<std::thread> ts;
	for (int t = 0; t < 8; t++)
		ts.emplace_back([&] {
			if (::setns(ns.fd(), CLONE_NEWNET))
				return;
			for (std::size_t i; (i = next++) < n;) {
				std::string r;
				try {
					r = f(i);
				} catch (const std::exception &e) {
					r = e.what();
				}
				if (!r.empty()) {
					std::lock_guard<std::mutex> g(m);
					fails.push_back("connection " + std::to_string(i) + ": " + r);
				}
			}
		});
	for (auto &t : ts)
		t.join();
	return fails;
}

// Listener @id of namespace @ns has no connection left.
void expect_drained(NetNs &ns, unsigned id, std::uint64_t n, const std::string &close_counter)
{
	ns.run([&] {
		bool drained = wait_for([&] {
			auto st = ssk::stats(id);
			return ssk::get(st, "closed") >= n && ssk::conns(id) == 0;
		}, 60s);
		auto st = ssk::stats(id);
		INFO(ssk::format(st));
		CHECK(drained);
		CHECK(ssk::get(st, "accepted") == n);
		CHECK(ssk::get(st, close_counter) == n);
	});
}

} // namespace

TEST_CASE("echo over a lossy link", "[echo]")
{
	ssk::ModuleSession mod;
	kmsg("lossy echo");
	LossyLink link;
	unsigned id = 0;
	link.server().run([&] { id = ssk::add_listener("addr=" + kServer + " port=7700 handler=echo"); });
	UserServer user(link.server(), 7701, user_echo);
	const std::size_t n = 24;

	std::string user_fail = echo_clients(link.client(), 7701, n, 11);
	std::string mod_fail = echo_clients(link.client(), 7700, n, 11);
	note("link: %s", link.stats("sskS", "sskls").c_str());
	INFO("user-space echo: " << (user_fail.empty() ? "all done" : user_fail));
	CHECK(user_fail.empty());
	INFO("syncsock echo: " << (mod_fail.empty() ? "all done" : mod_fail));
	CHECK(mod_fail.empty());
	expect_drained(link.server(), id, n, "closed_peer_fin");
}

TEST_CASE("framed echo over a lossy link", "[framed]")
{
	ssk::ModuleSession mod;
	kmsg("lossy framed");
	LossyLink link;
	unsigned id = 0;
	link.server().run([&] {
		id = ssk::add_listener("addr=" + kServer +
				       " port=7710 handler=echo config=length=4 count=body max=70000");
	});
	const std::size_t n = 16;
	auto fails = in_parallel(link.client(), n, [](std::size_t i) -> std::string {
		Rng rng(i + 100);
		std::string out;
		for (int k = 0; k < 8; k++) {
			std::size_t body = rng.log_between(0, 60000);
			std::string f(4 + body, '\0');
			for (int b = 0; b < 4; b++)
				f[b] = static_cast<char>(body >> (8 * (3 - b)));
			for (std::size_t j = 0; j < body; j++)
				f[4 + j] = static_cast<char>(rng.next());
			out += f;
		}
		return pump_then_eof(7710, out, out);
	});
	INFO(joined(fails));
	CHECK(fails.empty());
	expect_drained(link.server(), id, n, "closed_peer_fin");
}

TEST_CASE("http with Connection: close over a lossy link", "[http]")
{
	ssk::ModuleSession mod;
	kmsg("lossy http");
	LossyLink link;
	unsigned id = 0;
	link.server().run([&] {
		id = ssk::add_listener("addr=" + kServer + " port=7720 handler=http config=body-size=" +
				       std::to_string(kHttpBody.size()));
	});
	UserServer user(link.server(), 7721, user_http);
	const std::size_t n = 32;

	auto ufails = in_parallel(link.client(), n,
				  [](std::size_t) { return http_close_once(7721, kHttpBody); });
	auto mfails = in_parallel(link.client(), n,
				  [](std::size_t) { return http_close_once(7720, kHttpBody); });
	note("link: %s", link.stats("sskS", "sskls").c_str());
	INFO("user-space http:\n" << joined(ufails));
	CHECK(ufails.empty());
	INFO("syncsock http:\n" << joined(mfails));
	CHECK(mfails.empty());
	expect_drained(link.server(), id, n, "closed_handler");
}

TEST_CASE("discard over a lossy link", "[discard]")
{
	ssk::ModuleSession mod;
	kmsg("lossy discard");
	LossyLink link;
	unsigned id = 0;
	link.server().run([&] { id = ssk::add_listener("addr=" + kServer + " port=7730 handler=discard"); });
	const std::size_t n = 16;
	auto fails = in_parallel(link.client(), n, [](std::size_t i) -> std::string {
		Fd fd = connect_tcp(kServer, 7730);
		send_str(fd.get(), std::string(20000 + 1000 * i, 'd'));
		::shutdown(fd.get(), SHUT_WR);
		Got g = read_upto(fd.get(), 1, 60s);
		return g.eof && g.data.empty() ? "" : "no EOF" + g.end();
	});
	INFO(joined(fails));
	CHECK(fails.empty());
	expect_drained(link.server(), id, n, "closed_peer_fin");
	link.server().run([&] {
		CHECK(ssk::get(ssk::stats(id), "rx_bytes") == 16 * 20000 + 1000 * (15 * 16 / 2));
	});
}

TEST_CASE("sockperf over a lossy link", "[sockperf]")
{
	ssk::ModuleSession mod;
	kmsg("lossy sockperf");
	LossyLink link;
	unsigned id = 0;
	link.server().run([&] { id = ssk::add_listener("addr=" + kServer + " port=7740 handler=sockperf"); });
	const std::size_t n = 12;
	auto fails = in_parallel(link.client(), n, [](std::size_t i) -> std::string {
		Rng rng(i + 700);
		std::string out, want;
		for (unsigned k = 0; k < 40; k++) {
			std::size_t body = rng.log_between(0, 4000);
			std::string m(14 + body, '\0');
			for (int b = 0; b < 8; b++)
				m[b] = static_cast<char>((std::uint64_t(i) << 32 | k) >> (8 * (7 - b)));
			m[9] = 3;	// CLIENT | PONG_REQUEST
			std::uint32_t len = m.size();
			for (int b = 0; b < 4; b++)
				m[10 + b] = static_cast<char>(len >> (8 * (3 - b)));
			for (std::size_t j = 0; j < body; j++)
				m[14 + j] = static_cast<char>(rng.next());
			out += m;
			m[9] = 2;	// the pong: CLIENT cleared
			want += m;
		}
		return pump_then_eof(7740, out, want);
	});
	INFO(joined(fails));
	CHECK(fails.empty());
	expect_drained(link.server(), id, n, "closed_peer_fin");
	link.server().run([&] { CHECK(ssk::get(ssk::stats(id), "app0") == n * 40); });
}

TEST_CASE("the example module over a lossy link", "[kvcounter]")
{
	ssk::ModuleSession mod;
	kmsg("lossy kvcounter");
	const std::string path = "/modules/syncsock_kvcounter.ko";
	{
		Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
		REQUIRE(fd);
		REQUIRE(::syscall(SYS_finit_module, fd.get(), "", 0) == 0);
	}
	{
		LossyLink link;
		unsigned id = 0;
		link.server().run([&] {
			id = ssk::add_listener("addr=" + kServer + " port=7750 handler=kvcounter");
		});
		const std::size_t n = 12;
		auto fails = in_parallel(link.client(), n, [](std::size_t i) -> std::string {
			std::string out, want, key = "c" + std::to_string(i);
			for (int k = 1; k <= 200; k++) {
				out += "INC " + key + "\n";
				want += key + " " + std::to_string(k) + "\n";
			}
			return pump_then_eof(7750, out, want);
		});
		INFO(joined(fails));
		CHECK(fails.empty());
		expect_drained(link.server(), id, n, "closed_peer_fin");
		link.server().run([&] { CHECK(ssk::del_listener(id) == 0); });
	}
	wait_for([] { return ::syscall(SYS_delete_module, "syncsock_kvcounter", O_NONBLOCK) == 0; },
		 10s, 100ms);
}

TEST_CASE("proxy over a lossy link", "[proxy]")
{
	ssk::ModuleSession mod;
	kmsg("lossy proxy");
	LossyLink link;
	unsigned echo = 0, far = 0, near = 0;
	const std::size_t n = 16;
	link.server().run([&] {
		echo = ssk::add_listener("addr=" + kServer + " port=7780 handler=echo");
		far = ssk::add_listener("addr=" + kServer + " port=7781 handler=proxy config=backends=" +
					kClient + ":7782 connect-timeout=10000");
	});
	link.client().run([&] {
		near = ssk::add_listener("addr=" + kClient + " port=7783 handler=proxy config=backends=" +
					 kServer + ":7780 connect-timeout=10000");
	});
	UserServer user(link.client(), 7782, user_echo, kClient);

	std::string near_fail = echo_clients(link.client(), 7783, n, 21, kClient);
	INFO("through the proxy, the backend across the link: " <<
	     (near_fail.empty() ? "all done" : near_fail));
	CHECK(near_fail.empty());
	std::string far_fail = echo_clients(link.client(), 7781, n, 31);
	INFO("through the proxy across the link, the backend back across it: " <<
	     (far_fail.empty() ? "all done" : far_fail));
	CHECK(far_fail.empty());
	note("link: %s", link.stats("sskS", "sskls").c_str());

	const auto drained = [&](NetNs &ns, unsigned id, const char *what) {
		ns.run([&] {
			bool ok = wait_for([&] { return ssk::conns(id) == 0; }, 60s);
			auto st = ssk::stats(id);
			INFO(what << ": " << ssk::format(st));
			CHECK(ok);
			CHECK(ssk::get(st, "accepted") == n);
			CHECK(ssk::get(st, "connected") == n);
			CHECK(ssk::get(st, "closed_peer_fin") == 2 * n);
			CHECK(ssk::get(st, "fwd_up_bytes") == ssk::get(st, "fwd_down_bytes"));
		});
	};
	drained(link.client(), near, "near proxy");
	drained(link.server(), far, "far proxy");
	link.server().run([&] { CHECK(wait_for([&] { return ssk::conns(echo) == 0; }, 60s)); });
}
