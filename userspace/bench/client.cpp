// SPDX-License-Identifier: GPL-2.0
#include "client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "net.hpp"

namespace ssb {

namespace {

enum Phase { kWarmup = 0, kMeasure = 1, kStop = 2 };
constexpr std::size_t kMaxOutstanding = 256;

struct CConn {
	int fd = -1;
	std::uint32_t id = 0;
	std::uint64_t next_send = 0;	// index of the message being written
	std::size_t send_off = 0;	// bytes of it written
	std::uint64_t to_send = 0;	// messages due, not fully written
	std::uint64_t next_recv = 0;
	std::size_t recv_off = 0;
	std::deque<std::uint64_t> ts;	// send (or due) times, outstanding
	bool want_out = false;
	bool dead = false;
	bool answered = false;
	bool connecting = false;	// churn: connect() under way
	std::uint64_t t_conn = 0;	// churn: when it began
};

} // namespace

struct Client::Thread {
	Client *cl;
	int index;
	int cpu;
	int ep = -1;
	std::vector<CConn> conns;
	std::vector<std::uint64_t> samples;
	alignas(64) std::atomic<std::uint64_t> done{0};
	std::atomic<std::uint64_t> answered{0};
	std::uint64_t completed = 0, total = 0, verified = 0, missed = 0, unanswered = 0;
	std::uint64_t errors = 0, cycles = 0;
	std::string first_error;
	std::thread th;
	char rbuf[65536];

	void error(CConn &c, const std::string &what)
	{
		errors++;
		cl->errors_.fetch_add(1);
		if (first_error.empty())
			first_error = "connection " + std::to_string(c.id) + ": " + what;
		if (!c.dead) {
			c.dead = true;
			epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
			if (cl->cfg_.churn && c.fd >= 0) {
				close_abort(c.fd);
				c.fd = -1;
			}
		}
	}

	// Churn: a new connection in slot @c, connecting (non-blocking).
	void open_conn(CConn &c)
	{
		const ClientConfig &cfg = cl->cfg_;
		c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c.fd < 0) {
			error(c, std::string("socket: ") + strerror(errno));
			return;
		}
		if (!cfg.sources.empty()) {
			// The port is chosen at connect(), by the whole 4-tuple.
			int one = 1;
			setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
			sockaddr_in src{};
			src.sin_family = AF_INET;
			src.sin_addr = cfg.sources[c.id % cfg.sources.size()];
			if (bind(c.fd, reinterpret_cast<const sockaddr *>(&src), sizeof(src))) {
				error(c, std::string("bind: ") + strerror(errno));
				return;
			}
		}
		set_nodelay(c.fd);
		c.next_send = c.next_recv = c.to_send = 0;
		c.send_off = c.recv_off = 0;
		c.ts.clear();
		c.connecting = true;
		c.t_conn = now_ns();
		if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&cfg.addr), sizeof(cfg.addr)) &&
		    errno != EINPROGRESS) {
			int e = errno;
			error(c, std::string("connect: ") + strerror(e) +
					 (e == EADDRNOTAVAIL ? " (no free local port: connections in "
							       "TIME_WAIT; net.ipv4.tcp_tw_reuse=1 "
							       "lets connect() reuse them)"
							     : ""));
			return;
		}
		epoll_event ev{};
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.ptr = &c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
		c.want_out = true;
	}

	// Churn: the connect() of @c has finished; its one message goes.
	void on_connected(CConn &c)
	{
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) {
			error(c, std::string("connect: ") + strerror(err));
			return;
		}
		c.connecting = false;
		queue(c, c.t_conn);
		pump(c);
	}

	// Churn: @c's reply is in; close, and connect again unless stopping.
	void end_cycle(CConn &c, int phase)
	{
		close(c.fd);	// a FIN, as a client that is done sends
		c.fd = -1;
		cycles++;
		if (phase != kStop)
			open_conn(c);
	}

	const std::uint8_t *msg(const CConn &c, std::uint64_t k) const
	{
		return cl->pattern_.data() + ((c.id * 7u + std::uint32_t(k) * 13u) & 0xff);
	}

	void set_out(CConn &c, bool on)
	{
		if (c.want_out == on)
			return;
		c.want_out = on;
		epoll_event ev{};
		ev.events = EPOLLIN | (on ? unsigned(EPOLLOUT) : 0u);
		ev.data.ptr = &c;
		epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
	}

	// Write the due messages until the socket is full.
	void pump(CConn &c)
	{
		const std::size_t m = cl->cfg_.msg_size;
		while (c.to_send && !c.dead) {
			const std::uint8_t *p = msg(c, c.next_send) + c.send_off;
			ssize_t w = send(c.fd, p, m - c.send_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					set_out(c, true);
					return;
				}
				error(c, std::string("send: ") + strerror(errno));
				return;
			}
			c.send_off += std::size_t(w);
			if (c.send_off == m) {
				c.send_off = 0;
				c.next_send++;
				c.to_send--;
			}
		}
		set_out(c, false);
	}

	void queue(CConn &c, std::uint64_t t)
	{
		c.ts.push_back(t);
		c.to_send++;
	}

	void on_readable(CConn &c, int phase)
	{
		const std::size_t m = cl->cfg_.msg_size;
		ssize_t n = recv(c.fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			error(c, std::string("recv: ") + strerror(errno));
			return;
		}
		if (n == 0) {
			error(c, "the server closed the connection");
			return;
		}
		std::uint64_t now = now_ns();
		const char *p = rbuf;
		std::size_t left = std::size_t(n);
		bool closed = cl->cfg_.rate == 0 && !cl->cfg_.churn;
		std::uint64_t got = 0;
		while (left) {
			if (c.ts.empty() || c.next_recv >= c.next_send + (c.send_off ? 1 : 0)) {
				error(c, "bytes came back that were never sent");
				return;
			}
			std::size_t take = std::min(left, m - c.recv_off);
			if (std::memcmp(p, msg(c, c.next_recv) + c.recv_off, take) != 0) {
				std::size_t i = 0;
				while (p[i] == char(msg(c, c.next_recv)[c.recv_off + i]))
					i++;
				error(c, "byte " + std::to_string(c.recv_off + i) + " of message " +
						 std::to_string(c.next_recv) + " came back as " +
						 std::to_string(std::uint8_t(p[i])) + ", not " +
						 std::to_string(msg(c, c.next_recv)[c.recv_off + i]));
				return;
			}
			verified += take;
			p += take;
			left -= take;
			c.recv_off += take;
			if (c.recv_off < m)
				continue;
			c.recv_off = 0;
			c.next_recv++;
			std::uint64_t t0 = c.ts.front();
			c.ts.pop_front();
			got++;
			if (phase == kMeasure) {
				samples.push_back(now > t0 ? now - t0 : 0);
				completed++;
			}
			if (closed && phase != kStop)
				queue(c, now);
		}
		total += got;
		if (got) {
			done.fetch_add(got, std::memory_order_relaxed);
			if (!c.answered) {
				c.answered = true;
				answered.fetch_add(1, std::memory_order_relaxed);
			}
		}
		if (cl->cfg_.churn && c.next_recv == 1) {
			end_cycle(c, phase);
			return;
		}
		if (c.to_send)
			pump(c);
	}

	void run()
	{
		pin_self(cpu);
		const ClientConfig &cfg = cl->cfg_;
		for (auto &c : conns) {
			if (cfg.churn) {
				open_conn(c);
				continue;
			}
			epoll_event ev{};
			ev.events = EPOLLIN;
			ev.data.ptr = &c;
			epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
		}
		const bool open = cfg.rate > 0;
		std::uint64_t interval = 0, next_due = 0;
		std::size_t rr = 0;
		if (open) {
			double mine = cfg.rate * double(conns.size()) / double(cfg.conns);
			interval = std::uint64_t(1e9 / mine);
			if (!interval)
				interval = 1;
			// Threads start out of phase with each other.
			next_due = now_ns() + interval * std::uint64_t(index) /
						      std::max<std::size_t>(1, cl->threads_.size());
		} else if (!cfg.churn) {
			for (auto &c : conns) {
				for (unsigned d = 0; d < cfg.depth; d++)
					queue(c, now_ns());
				pump(c);
			}
		}
		epoll_event evs[256];
		std::uint64_t drain_end = 0;
		while (true) {
			int phase = cl->phase_.load(std::memory_order_acquire);
			std::uint64_t now = now_ns();
			if (phase == kStop) {
				if (!drain_end)
					drain_end = now + std::uint64_t(cfg.drain_ms) * 1000000;
				bool idle = true;
				for (auto &c : conns)
					if (!c.dead && (!c.ts.empty() || c.connecting))
						idle = false;
				if (idle || now >= drain_end)
					break;
			}
			int timeout_ms = 50;
			struct timespec tmo = {0, 50 * 1000000};
			if (open && phase != kStop) {
				while (next_due <= now) {
					CConn &c = conns[rr++ % conns.size()];
					if (!c.dead) {
						if (c.ts.size() >= kMaxOutstanding) {
							missed++;
						} else {
							queue(c, next_due);
							pump(c);
						}
					}
					next_due += interval;
				}
				std::uint64_t wait = next_due - now;
				if (wait < 50000000ull) {
					tmo.tv_sec = 0;
					tmo.tv_nsec = long(wait);
					timeout_ms = int(wait / 1000000);
				}
			}
			int n = open ? epoll_pwait2(ep, evs, 256, &tmo, nullptr)
				     : epoll_wait(ep, evs, 256, timeout_ms);
			if (n < 0 && errno == ENOSYS) {
				n = epoll_wait(ep, evs, 256, timeout_ms);
			}
			for (int i = 0; i < n; i++) {
				auto *c = static_cast<CConn *>(evs[i].data.ptr);
				if (c->dead)
					continue;
				if (c->connecting) {
					if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
						on_connected(*c);
					continue;
				}
				if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					on_readable(*c, phase);
				if (!c->dead && (evs[i].events & EPOLLOUT))
					pump(*c);
			}
		}
		for (auto &c : conns) {
			if (!c.dead)
				unanswered += c.ts.size() + (c.connecting ? 1 : 0);
			if (cfg.churn && c.fd >= 0)
				close_abort(c.fd);
		}
	}
};

Client::Client(ClientConfig cfg) : cfg_(std::move(cfg))
{
	if (!cfg_.conns || !cfg_.msg_size || !cfg_.depth)
		throw std::runtime_error("connections, message size and depth must be > 0");
	if (cfg_.churn && (cfg_.depth != 1 || cfg_.rate > 0))
		throw std::runtime_error("churn sends one message per connection: depth 1, closed loop");
	pattern_.resize(cfg_.msg_size + 256);
	for (std::size_t i = 0; i < pattern_.size(); i++)
		pattern_[i] = std::uint8_t(i);
}

Client::~Client()
{
	if (!threads_.empty() && phase_.load() != kStop) {
		phase_.store(kStop);
	}
	for (auto &t : threads_)
		if (t->th.joinable())
			t->th.join();
	for (auto &t : threads_)
		if (t->ep >= 0)
			close(t->ep);
	close_all();
}

void Client::connect(const std::function<void(unsigned)> &progress)
{
	raise_nofile(cfg_.conns + 1024);
	if (cfg_.churn) {
		make_threads();
		return;
	}
	fds_.reserve(cfg_.conns);
	// The next port to try on each source address.
	std::vector<unsigned> next_port(cfg_.sources.size(), 10000);
	for (unsigned i = 0; i < cfg_.conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			throw std::runtime_error("socket (connection " + std::to_string(i) +
						 "): " + strerror(errno));
		if (!cfg_.sources.empty()) {
			// Ports of our choosing, from 10000 up on each source:
			// the kernel's search for a free port slows down as a
			// source's range fills (tens of thousands of them).
			std::size_t k = i % cfg_.sources.size();
			int one = 1;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			sockaddr_in src{};
			src.sin_family = AF_INET;
			src.sin_addr = cfg_.sources[k];
			int e = EADDRINUSE;
			while (e == EADDRINUSE && next_port[k] <= 65535) {
				src.sin_port = htons(std::uint16_t(next_port[k]++));
				e = bind(fd, reinterpret_cast<const sockaddr *>(&src), sizeof(src)) ? errno : 0;
			}
			if (e) {
				close(fd);
				throw std::runtime_error("bind to " + std::string(inet_ntoa(src.sin_addr)) +
							 " (connection " + std::to_string(i) + "): " + strerror(e));
			}
		}
		int r;
		do {
			r = ::connect(fd, reinterpret_cast<const sockaddr *>(&cfg_.addr),
				      sizeof(cfg_.addr));
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			int e = errno;
			close(fd);
			throw std::runtime_error("connect (connection " + std::to_string(i) +
						 "): " + strerror(e));
		}
		set_nodelay(fd);
		set_nonblock(fd);
		fds_.push_back(fd);
		if (progress && (i + 1) % 1000 == 0)
			progress(i + 1);
	}
	make_threads();
}

// The threads, and the connections (their slots, for churn) dealt out.
void Client::make_threads()
{
	unsigned nt = std::max(1u, std::min(cfg_.threads, cfg_.conns));
	for (unsigned t = 0; t < nt; t++) {
		auto th = std::make_unique<Thread>();
		th->cl = this;
		th->index = int(t);
		th->cpu = cfg_.cpus.empty() ? -1 : cfg_.cpus[t % cfg_.cpus.size()];
		th->ep = epoll_create1(EPOLL_CLOEXEC);
		if (th->ep < 0)
			throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
		threads_.push_back(std::move(th));
	}
	for (unsigned i = 0; i < cfg_.conns; i++) {
		auto &th = *threads_[i % nt];
		CConn c;
		c.fd = cfg_.churn ? -1 : fds_[i];
		c.id = i;
		th.conns.push_back(std::move(c));
	}
	for (auto &th : threads_)
		th->samples.reserve(1 << 16);
}

void Client::start()
{
	phase_.store(kWarmup);
	for (auto &t : threads_)
		t->th = std::thread([p = t.get()] { p->run(); });
}

void Client::measure_begin()
{
	phase_.store(kMeasure, std::memory_order_release);
}

void Client::measure_end()
{
	phase_.store(kStop, std::memory_order_release);
}

std::uint64_t Client::completed_so_far() const
{
	std::uint64_t n = 0;
	for (auto &t : threads_)
		n += t->done.load(std::memory_order_relaxed);
	return n;
}

std::uint64_t Client::answered_conns() const
{
	std::uint64_t n = 0;
	for (auto &t : threads_)
		n += t->answered.load(std::memory_order_relaxed);
	return n;
}

ClientResult Client::finish()
{
	ClientResult r;
	for (auto &t : threads_)
		if (t->th.joinable())
			t->th.join();
	std::size_t n = 0;
	for (auto &t : threads_)
		n += t->samples.size();
	r.samples.reserve(n);
	for (auto &t : threads_) {
		r.samples.insert(r.samples.end(), t->samples.begin(), t->samples.end());
		std::vector<std::uint64_t>().swap(t->samples);
		r.completed += t->completed;
		r.total += t->total;
		r.verified_bytes += t->verified;
		r.missed += t->missed;
		r.unanswered += t->unanswered;
		r.errors += t->errors;
		r.cycles += t->cycles;
		if (r.first_error.empty())
			r.first_error = t->first_error;
	}
	if (r.unanswered && cfg_.rate == 0) {
		r.errors++;
		if (r.first_error.empty())
			r.first_error = std::to_string(r.unanswered) +
					" messages were never answered";
	}
	return r;
}

void Client::close_all()
{
	for (int fd : fds_)
		close_abort(fd);
	fds_.clear();
}

} // namespace ssb
