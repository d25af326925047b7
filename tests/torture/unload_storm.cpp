// SPDX-License-Identifier: GPL-2.0
//
// Unload storms (make torture).  Each round loads syncsock and the example
// module (kvcounter, a third-party handler), opens SSK_CONNS connections
// spread over an echo, an http and a kvcounter listener, and keeps them all
// carrying traffic, every reply checked.  Then it takes everything down
// under that load, alternating between two ways:
//   rmmod    delete the kvcounter listener gracefully, unload kvcounter,
//            and unload syncsock with the echo and http listeners live;
//   delete   delete all three listeners (echo and kvcounter gracefully,
//            http with an abort), then unload both modules.
// Each unload and delete is timed (the goal is under 2 s; times under TCG
// are figures, not assertions: only a hang fails, by the guest's watchdog).
// Then every connection must have ended with no wrong byte, TCP's sockets in
// use and the slab's objects in use must be back to the round's baseline, and, on a kernel
// with kmemleak, a scan must find nothing that names syncsock.
//   SSK_CONNS     connections per round (default 10000)
//   SSK_ROUNDS    rounds at most (default 100)
//   SSK_SECONDS   time budget: no round starts that would not fit (default 3600)
//   SSK_SLAB_MB   slab growth a round may leave (default 16; KASAN's
//                 quarantine holds freed objects on the debug kernels)
#include <catch2/catch.hpp>

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <thread>

#include "ssk_net.hpp"
#include "torture.hpp"

using namespace syncsock::test;
using namespace syncsock::torture;
using namespace std::chrono_literals;

namespace {

const std::string kExample = "/modules/syncsock_kvcounter.ko";
constexpr std::uint16_t kEchoPort = 7500, kHttpPort = 7501, kKvPort = 7502;

int load_example()
{
	Fd fd(::open(kExample.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return errno;
	return ::syscall(SYS_finit_module, fd.get(), "", 0) ? errno : 0;
}

int unload_example()
{
	return ::syscall(SYS_delete_module, "syncsock_kvcounter", O_NONBLOCK) ? errno : 0;
}

// Request/response connections to the http and kvcounter handlers, one
// request in flight on each, every response checked.
class ReqClient {
public:
	enum class Proto { Http, Kv };
	enum class End { Open, Eof, Reset, Error, Wrong };

	struct Conn {
		Fd fd;
		Proto proto;
		bool connected = false, waiting = false;
		std::string in;
		std::uint64_t done = 0;		// responses checked
		End end = End::Open;
		std::string why;
	};

	ReqClient() : epfd_(::epoll_create1(EPOLL_CLOEXEC))
	{
		if (!epfd_)
			fail("epoll_create1: " + errno_str(errno));
	}

	void add(Proto p, const Endpoint &ep, std::size_t n)
	{
		for (std::size_t i = 0; i < n; i++) {
			pending_.push_back({p, ep});
		}
	}

	std::size_t size() const { return conns_.size() + pending_.size(); }
	std::size_t count(End e) const
	{
		std::size_t n = 0;
		for (auto &c : conns_)
			n += c.end == e;
		return n;
	}
	std::size_t answered_once() const
	{
		std::size_t n = 0;
		for (auto &c : conns_)
			n += c.done > 0;
		return n;
	}
	std::uint64_t responses() const
	{
		std::uint64_t n = 0;
		for (auto &c : conns_)
			n += c.done;
		return n;
	}
	std::string first_wrong() const
	{
		for (auto &c : conns_)
			if (c.end == End::Wrong || c.end == End::Error)
				return c.why;
		return "";
	}

	// Run until @stop is set; connects at most 128 at a time.
	void run(const std::atomic<bool> &stop)
	{
		std::array<epoll_event, 256> evs;
		conns_.reserve(conns_.size() + pending_.size());
		while (!stop) {
			while (!pending_.empty() && connecting_ < 128)
				start();
			int n = ::epoll_wait(epfd_.get(), evs.data(), evs.size(), 20);
			for (int i = 0; i < n; i++)
				handle(conns_[evs[i].data.u64], evs[i].events);
		}
	}

	// After the server side is gone: read every connection to its end.
	bool drain(std::chrono::milliseconds t)
	{
		auto deadline = std::chrono::steady_clock::now() + t;
		std::array<epoll_event, 256> evs;
		while (count(End::Open)) {
			if (std::chrono::steady_clock::now() > deadline)
				return false;
			int n = ::epoll_wait(epfd_.get(), evs.data(), evs.size(), 50);
			for (int i = 0; i < n; i++)
				handle(conns_[evs[i].data.u64], evs[i].events);
		}
		return true;
	}

	void close_all() { conns_.clear(); }

private:
	void start()
	{
		auto [proto, ep] = pending_.back();
		pending_.pop_back();
		Conn c;
		c.proto = proto;
		c.fd = Fd(::socket(ep.sa()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
		if (!c.fd)
			fail("socket: " + errno_str(errno));
		if (::connect(c.fd.get(), ep.sa(), ep.len) && errno != EINPROGRESS)
			fail("connect " + ep.text + ": " + errno_str(errno));
		epoll_event ev{EPOLLIN | EPOLLOUT | EPOLLRDHUP, {.u64 = conns_.size()}};
		if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev))
			fail("epoll_ctl: " + errno_str(errno));
		connecting_++;
		conns_.push_back(std::move(c));
	}

	void end(Conn &c, End e, const std::string &why = "")
	{
		if (c.end != End::Open)
			return;
		if (!c.connected)
			connecting_--;
		c.end = e;
		c.why = why;
		::epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
		// Closed at its end, as a real client closes: a graceful close
		// that met a request after it began waits for this FIN (until
		// the listener's close timeout, 5 s, which the unload of
		// kvcounter then measured instead of the module).
		c.fd.reset();
	}

	void send_request(Conn &c)
	{
		static const std::string http = "GET /t HTTP/1.1\r\nHost: torture\r\n\r\n";
		static const std::string kv = "CONN\n";
		const std::string &req = c.proto == Proto::Http ? http : kv;
		// Small, into an empty send buffer: it goes whole or not at all.
		ssize_t n = ::send(c.fd.get(), req.data(), req.size(), MSG_NOSIGNAL);
		if (n == static_cast<ssize_t>(req.size()))
			c.waiting = true;
		else if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			end(c, errno == ECONNRESET || errno == EPIPE ? End::Reset : End::Error,
			    "send: " + errno_str(errno));
	}

	// One whole response at the front of c.in: checked and consumed.
	bool take_response(Conn &c)
	{
		if (c.proto == Proto::Kv) {
			auto nl = c.in.find('\n');
			if (nl == std::string::npos)
				return false;
			// "CONN" answers the commands served on this connection
			// before it.
			std::string want = "conn " + std::to_string(c.done);
			if (c.in.compare(0, nl, want)) {
				end(c, End::Wrong, "kvcounter said '" + c.in.substr(0, nl) +
					"', not '" + want + "'");
				return false;
			}
			c.in.erase(0, nl + 1);
			return true;
		}
		auto hdr = c.in.find("\r\n\r\n");
		if (hdr == std::string::npos)
			return false;
		if (c.in.rfind("HTTP/1.1 200 ", 0)) {
			end(c, End::Wrong, "http said '" + c.in.substr(0, c.in.find('\r')) + "'");
			return false;
		}
		auto cl = c.in.find("Content-Length: ");
		if (cl == std::string::npos || cl > hdr) {
			end(c, End::Wrong, "http response without Content-Length");
			return false;
		}
		std::size_t len = std::stoul(c.in.substr(cl + 16));
		if (c.in.size() < hdr + 4 + len)
			return false;
		c.in.erase(0, hdr + 4 + len);
		return true;
	}

	void handle(Conn &c, std::uint32_t events)
	{
		if (c.end != End::Open)
			return;
		if (!c.connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
			int err = 0;
			socklen_t len = sizeof(err);
			::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				end(c, End::Error, "connect: " + errno_str(err));
				return;
			}
			c.connected = true;
			connecting_--;
			epoll_event ev{EPOLLIN | EPOLLRDHUP,
				       {.u64 = static_cast<std::uint64_t>(&c - conns_.data())}};
			::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
			send_request(c);
			return;
		}
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
			char buf[4096];
			bool eof = false;
			for (;;) {
				ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), 0);
				if (n > 0) {
					c.in.append(buf, n);
					continue;
				}
				if (n == 0) {
					eof = true;
					break;
				}
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				end(c, errno == ECONNRESET ? End::Reset : End::Error,
				    "recv: " + errno_str(errno));
				return;
			}
			while (c.end == End::Open && take_response(c)) {
				c.done++;
				c.waiting = false;
			}
			// A FIN may follow whole responses, never part of one.
			if (eof)
				end(c, c.in.empty() ? End::Eof : End::Wrong,
				    c.in.empty() ? "" : "EOF inside a response: '" + c.in.substr(0, 40) + "'");
			else if (c.end == End::Open && !c.waiting && c.in.empty())
				send_request(c);
		}
	}

	Fd epfd_;
	std::vector<Conn> conns_;
	std::vector<std::pair<Proto, Endpoint>> pending_;
	std::size_t connecting_ = 0;
};

struct Baseline {
	std::uint64_t slab_kb;
	SockStat sock;
};

Baseline baseline()
{
	return {slab_used_kb(), sockstat()};
}

}  // namespace

TEST_CASE("unload storms", "[storm]")
{
	const std::size_t n = env_u64("SSK_CONNS", 10000);
	const unsigned rounds = env_u64("SSK_ROUNDS", 100);
	const double budget = env_u64("SSK_SECONDS", 3600);
	const std::uint64_t slab_kb = env_u64("SSK_SLAB_MB", 16) * 1024;
	raise_fd_limit(n + 1024);
	// Ten thousand clients on one address: make room in the port range.
	write_text("/proc/sys/net/ipv4/ip_local_port_range", "10000 65000");
	write_text("/proc/sys/net/core/somaxconn", "4096");
	Kmemleak leak;
	leak.clear();
	const auto t_start = std::chrono::steady_clock::now();
	double longest = 0;

	for (unsigned round = 1; round <= rounds; round++) {
		if (round > 1 && seconds_since(t_start) + longest * 1.2 > budget) {
			note("stopping after %u rounds: the next would not fit in %.0f s", round - 1,
			     budget);
			break;
		}
		const auto t_round = std::chrono::steady_clock::now();
		const bool by_rmmod = round % 2;
		INFO("round " << round << (by_rmmod ? " (rmmod)" : " (delete)"));
		kmsg("unload storm, round " + std::to_string(round));
		Baseline before = baseline();

		// Whatever fails, the next round (or test) starts unloaded.
		struct Unloaded {
			~Unloaded()
			{
				try {
					if (ssk::module_loaded())
						for (auto &l : ssk::listeners())
							ssk::del_listener(l.id, true);
				} catch (const std::exception &) {
					// The unload below resets what is left.
				}
				for (int i = 0; i < 500 && unload_example() == EAGAIN; i++)
					std::this_thread::sleep_for(10ms);
				unload_example();
				ssk::unload_module();
			}
		} unloaded;
		REQUIRE(ssk::load_module() == 0);
		REQUIRE(load_example() == 0);
		const std::string common = " backlog=4096 idle_timeout_ms=off user_timeout_ms=off";
		unsigned echo = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(kEchoPort) +
						  " handler=echo" + common);
		unsigned http = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(kHttpPort) +
						  " handler=http" + common);
		unsigned kv = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(kKvPort) +
						" handler=kvcounter" + common);

		// Half echo, a quarter each http and kvcounter.
		const std::size_t n_echo = n / 2, n_http = n / 4, n_kv = n - n_echo - n_http;
		EchoPlan plan;
		plan.message = [](std::size_t conn, unsigned msg) -> std::optional<std::size_t> {
			return Rng(conn * 7919 + msg).log_between(1, 2048);
		};
		plan.after = EchoPlan::After::Hold;
		plan.max_connecting = 128;
		plan.seed = round * 1000003ULL;
		EchoClient ec(endpoint("127.0.0.1", kEchoPort), plan);
		ec.add(n_echo);
		ReqClient rc;
		rc.add(ReqClient::Proto::Http, endpoint("127.0.0.1", kHttpPort), n_http);
		rc.add(ReqClient::Proto::Kv, endpoint("127.0.0.1", kKvPort), n_kv);

		std::atomic<bool> stop_req{false};
		std::thread req_thread([&] { rc.run(stop_req); });
		struct Joined {
			std::atomic<bool> &stop;
			std::thread &t;
			~Joined()
			{
				stop = true;
				if (t.joinable())
					t.join();
			}
		} joined{stop_req, req_thread};
		auto t0 = std::chrono::steady_clock::now();
		bool up = ec.run(
			[&] {
				for (std::size_t i = 0; i < n_echo; i++)
					if (ec.conn(i).msgs < 1)
						return false;
				return rc.answered_once() == n_http + n_kv;
			},
			600s);
		const double t_up = seconds_since(t0);
		std::uint64_t served = ssk::conns(echo) + ssk::conns(http) + ssk::conns(kv);
		{
			INFO(ec.report() << "; http/kv answered once: " << rc.answered_once() << " "
					 << rc.first_wrong());
			REQUIRE(up);
		}
		note("round %u: %zu connections carrying traffic after %.1f s (module holds %s bytes)",
		     round, n, t_up, must_read("/sys/module/syncsock/parameters/mem_held").c_str());
		CHECK(served == n);

		// Take it down while the traffic runs.
		double t_del = 0, t_rm_example = 0, t_rmmod = 0;
		int rm_err = -1, rm_ex_err = -1;
		std::thread taker([&] {
			std::this_thread::sleep_for(300ms);
			auto t = std::chrono::steady_clock::now();
			int e1 = ssk::del_listener(kv, false);
			int e2 = by_rmmod ? 0 : ssk::del_listener(echo, false);
			int e3 = by_rmmod ? 0 : ssk::del_listener(http, true);
			t_del = seconds_since(t);
			if (e1 || e2 || e3)
				note("listener delete failed: %d %d %d", e1, e2, e3);
			// kvcounter's connections pin it until they are gone.
			t = std::chrono::steady_clock::now();
			for (;;) {
				rm_ex_err = unload_example();
				if (rm_ex_err != EAGAIN && rm_ex_err != EBUSY)
					break;
				std::this_thread::sleep_for(10ms);
			}
			t_rm_example = seconds_since(t);
			t = std::chrono::steady_clock::now();
			rm_err = ssk::unload_module();
			t_rmmod = seconds_since(t);
		});
		bool ended = ec.run_until_finished(300s);
		taker.join();
		stop_req = true;
		req_thread.join();
		bool req_ended = rc.drain(60s);

		CHECK(rm_err == 0);
		CHECK(rm_ex_err == 0);
		CHECK_FALSE(ssk::module_loaded());
		INFO(ec.report(10));
		CHECK(ended);
		CHECK(req_ended);
		CHECK(ec.count(End::Mismatch) == 0);
		CHECK(ec.count(End::Error) == 0);
		CHECK(rc.count(ReqClient::End::Wrong) == 0);
		CHECK(rc.count(ReqClient::End::Error) == 0);
		INFO(rc.first_wrong());
		const std::uint64_t requests = rc.responses();
		const std::uint64_t echoed = ec.bytes_received();

		// Everything closed on our side too: memory back to the baseline.
		ec.close_held();
		rc.close_all();
		Baseline after{};
		bool settled = wait_for(
			[&] {
				after = baseline();
				return after.sock.inuse <= before.sock.inuse &&
				       after.sock.orphan <= before.sock.orphan &&
				       after.slab_kb <= before.slab_kb + slab_kb;
			},
			60s, 200ms);
		auto leaks = leak.scan();
		const double t_total = seconds_since(t_round);
		longest = std::max(longest, t_total);
		Figures f;
		f.num("round", round).str("mode", by_rmmod ? "rmmod" : "delete").num("conns", n)
			.num("up_s", t_up).num("delete_s", t_del).num("rmmod_example_s", t_rm_example)
			.num("rmmod_s", t_rmmod).flag("clients_close_at_eof", true)
			.num("echoed_bytes", echoed).num("requests", requests)
			.num("slab_delta_kb", static_cast<std::int64_t>(after.slab_kb) -
						static_cast<std::int64_t>(before.slab_kb))
			.num("tcp_inuse_before", before.sock.inuse).num("tcp_inuse_after", after.sock.inuse)
			.flag("settled", settled).flag("kmemleak", leak.present())
			.num("kmemleak_reports", leaks.total).num("kmemleak_syncsock", leaks.ours)
			.flag("ok", ended && req_ended && rm_err == 0 && settled && !leaks.ours &&
					    ec.count(End::Mismatch) == 0 &&
					    rc.count(ReqClient::End::Wrong) == 0)
			.num("seconds", t_total);
		f.emit("unload");
		note("round %u (%s): delete %.2f s, rmmod kvcounter %.2f s, rmmod syncsock %.2f s; "
		     "slab %+lld KiB, TCP in use %llu -> %llu, kmemleak %u (syncsock %u)",
		     round, by_rmmod ? "rmmod" : "delete", t_del, t_rm_example, t_rmmod,
		     static_cast<long long>(after.slab_kb) - static_cast<long long>(before.slab_kb),
		     static_cast<unsigned long long>(before.sock.inuse),
		     static_cast<unsigned long long>(after.sock.inuse), leaks.total, leaks.ours);
		INFO(leaks.text);
		CHECK(leaks.ours == 0);
		CHECK(settled);
	}
}
