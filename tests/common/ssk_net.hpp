// SPDX-License-Identifier: GPL-2.0
//
// In-guest test clients: addresses, blocking helpers with timeouts, and
// EchoClient, an event-driven (epoll, one thread) client that runs many
// connections against an echo listener at once.  Every connection sends the
// deterministic payload stream of its own seed (payload.hpp) and checks every
// byte that comes back, writing and reading at the same time so that large
// messages cannot deadlock against full socket buffers.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "payload.hpp"
#include "ssk_control.hpp"

namespace syncsock::test {

static_assert(std::endian::native == std::endian::little,
	      "payload_fill_fast() assumes a little-endian host");

// The same stream as payload_fill()/payload_mismatch(), eight bytes a mix:
// the guests run under TCG, where the byte-wise versions cost seconds per
// hundred MiB.
inline std::uint64_t payload_word(std::uint64_t seed, std::uint64_t word)
{
	std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + word + 1;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

inline void payload_fill_fast(std::span<std::uint8_t> out, std::uint64_t seed,
			      std::uint64_t offset)
{
	std::size_t i = 0;
	for (; i < out.size() && ((offset + i) & 7); i++)
		out[i] = payload_byte(seed, offset + i);
	for (; i + 8 <= out.size(); i += 8) {
		std::uint64_t z = payload_word(seed, (offset + i) >> 3);
		std::memcpy(&out[i], &z, 8);
	}
	for (; i < out.size(); i++)
		out[i] = payload_byte(seed, offset + i);
}

inline std::optional<std::size_t> payload_mismatch_fast(std::span<const std::uint8_t> got,
							std::uint64_t seed,
							std::uint64_t offset)
{
	std::size_t i = 0;
	for (; i < got.size() && ((offset + i) & 7); i++)
		if (got[i] != payload_byte(seed, offset + i))
			return i;
	for (; i + 8 <= got.size(); i += 8) {
		std::uint64_t w;
		std::memcpy(&w, &got[i], 8);
		if (w != payload_word(seed, (offset + i) >> 3))
			break;
	}
	auto rest = payload_mismatch(got.subspan(i), seed, offset + i);
	if (rest)
		return i + *rest;
	return std::nullopt;
}

// A small deterministic generator for sizes and choices.
class Rng {
public:
	explicit Rng(std::uint64_t seed) : s_(seed) {}
	std::uint64_t next() { return payload_word(0x5eed, s_++); }
	// Uniform in [lo, hi].
	std::uint64_t between(std::uint64_t lo, std::uint64_t hi)
	{
		return lo + next() % (hi - lo + 1);
	}
	// Spread over orders of magnitude in [lo, hi]: 1, 10, 100... as likely.
	std::uint64_t log_between(std::uint64_t lo, std::uint64_t hi)
	{
		int bits_lo = 64 - std::countl_zero(lo), bits_hi = 64 - std::countl_zero(hi);
		int bits = static_cast<int>(between(bits_lo, bits_hi));
		std::uint64_t v = between(bits > 1 ? 1ULL << (bits - 1) : 0,
					  bits >= 64 ? ~0ULL : (1ULL << bits) - 1);
		return std::clamp(v, lo, hi);
	}

private:
	std::uint64_t s_;
};

struct Endpoint {
	sockaddr_storage ss{};
	socklen_t len = 0;
	std::string text;

	int family() const { return ss.ss_family; }
	const sockaddr *sa() const { return reinterpret_cast<const sockaddr *>(&ss); }
};

inline Endpoint endpoint(const std::string &ip, std::uint16_t port)
{
	Endpoint e;
	auto *sin = reinterpret_cast<sockaddr_in *>(&e.ss);
	auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&e.ss);
	if (::inet_pton(AF_INET, ip.c_str(), &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		e.len = sizeof(*sin);
		e.text = ip + ":" + std::to_string(port);
	} else if (::inet_pton(AF_INET6, ip.c_str(), &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		e.len = sizeof(*sin6);
		e.text = "[" + ip + "]:" + std::to_string(port);
	} else {
		fail("not an IP address: " + ip);
	}
	return e;
}

inline void set_int_opt(int fd, int level, int name, int val)
{
	if (::setsockopt(fd, level, name, &val, sizeof(val)))
		fail("setsockopt(" + std::to_string(level) + ", " + std::to_string(name) +
		     "): " + errno_str(errno));
}

inline void set_timeouts(int fd, std::chrono::milliseconds t)
{
	timeval tv{};
	tv.tv_sec = t.count() / 1000;
	tv.tv_usec = (t.count() % 1000) * 1000;
	if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		fail("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO): " + errno_str(errno));
}

// A blocking connection whose calls time out after @t.  Return: 0 or the
// errno of socket() or connect().
inline int try_connect(const Endpoint &ep, Fd &out,
		       std::chrono::milliseconds t = std::chrono::seconds(10))
{
	Fd fd(::socket(ep.family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
	if (!fd)
		return errno;
	set_timeouts(fd.get(), t);
	set_int_opt(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
	if (::connect(fd.get(), ep.sa(), ep.len))
		return errno;
	out = std::move(fd);
	return 0;
}

inline Fd connect_to(const Endpoint &ep, std::chrono::milliseconds t = std::chrono::seconds(10))
{
	Fd fd;
	int err = try_connect(ep, fd, t);
	if (err)
		fail("connect to " + ep.text + ": " + errno_str(err));
	return fd;
}

// Send all of @data on a blocking socket.  Throws on error or timeout.
inline void send_all(int fd, std::span<const std::uint8_t> data)
{
	while (!data.empty()) {
		ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("send: " + errno_str(errno));
		}
		data = data.subspan(static_cast<std::size_t>(n));
	}
}

// Fill @buf from a blocking socket.  Throws on error, timeout or EOF.
inline void recv_exact(int fd, std::span<std::uint8_t> buf)
{
	while (!buf.empty()) {
		ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("recv: " + errno_str(errno));
		}
		if (n == 0)
			fail("recv: EOF after a short read");
		buf = buf.subspan(static_cast<std::size_t>(n));
	}
}

// How a connection ended (Open: not yet).
enum class End { Open, Done, Eof, Reset, Refused, Mismatch, Error };

inline const char *to_string(End e)
{
	switch (e) {
	case End::Open: return "open";
	case End::Done: return "done";
	case End::Eof: return "eof";
	case End::Reset: return "reset";
	case End::Refused: return "refused";
	case End::Mismatch: return "MISMATCH";
	case End::Error: return "error";
	}
	return "?";
}

struct EchoPlan {
	// The size of message @msg (from 0) of connection @conn, or nothing
	// when the connection has no more to send.  Called again for the same
	// arguments: it must be a function of them.
	std::function<std::optional<std::size_t>(std::size_t conn, unsigned msg)> message;
	enum class After {
		Hold,		// keep the connection open (close_held() ends it)
		Close,		// close() once the last echo is back
		HalfClose,	// shutdown(SHUT_WR) once the last echo is back, expect EOF
		HalfCloseEarly,	// shutdown(SHUT_WR) right after the last byte is
				// sent, expect every byte back and then EOF
	} after = After::HalfClose;
	unsigned max_open = 1u << 20;	// connections open at once
	unsigned max_connecting = 64;	// connects in flight at once
	std::uint64_t seed = 1;		// connection i sends stream seed + i
};

// The integrity plan of the echo and proxy tests: connection i sends one
// message of kIntegritySizes[i % 10] (1 byte to 4 MiB), then one of a random
// size up to 256 KiB.
inline constexpr std::size_t kIntegritySizes[] = {1,	 2,	7,     100,	1460,
						  4096, 65535, 65537, 1 << 20, 4 << 20};

inline std::optional<std::size_t> integrity_message_size(std::size_t conn, unsigned msg)
{
	if (msg == 0)
		return kIntegritySizes[conn % std::size(kIntegritySizes)];
	if (msg == 1)
		return Rng(conn).log_between(1, 256 * 1024);
	return std::nullopt;
}

// The bytes @conns connections of that plan send.
inline std::uint64_t integrity_bytes(std::size_t conns)
{
	std::uint64_t total = 0;
	for (std::size_t c = 0; c < conns; c++)
		for (unsigned m = 0; auto sz = integrity_message_size(c, m); m++)
			total += *sz;
	return total;
}

// Many echo connections, ping-pong by message: message k+1 is sent once the
// echo of message k is complete; within a message, writing and reading run
// together.
class EchoClient {
public:
	enum class Phase { Pending, Connecting, Exchanging, Holding, HalfClosed, Finished };

	struct Conn {
		Fd fd;
		std::size_t index = 0;
		std::uint64_t seed = 0;
		std::uint64_t sent = 0, recvd = 0, target = 0;
		unsigned msgs = 0;	// messages whose echo is complete
		Phase phase = Phase::Pending;
		End end = End::Open;
		bool shut = false;	// SHUT_WR done
		std::optional<unsigned> last;	// index of the last message, if cut short
		std::uint32_t events = 0;
		std::string why;
	};

	EchoClient(Endpoint ep, EchoPlan plan)
		: ep_(std::move(ep)), plan_(std::move(plan)),
		  epfd_(::epoll_create1(EPOLL_CLOEXEC)), buf_(kChunk)
	{
		if (!epfd_)
			fail("epoll_create1: " + errno_str(errno));
		ends_.fill(0);
	}

	// Queue @n more connections; they connect as run() goes.
	void add(std::size_t n)
	{
		conns_.reserve(conns_.size() + n);
		for (std::size_t i = 0; i < n; i++) {
			Conn c;
			c.index = conns_.size();
			c.seed = plan_.seed + c.index;
			pending_.push_back(c.index);
			conns_.push_back(std::move(c));
		}
		ends_[static_cast<int>(End::Open)] += n;
	}

	// Run until @done() holds (true) or @timeout passes (false).
	bool run(const std::function<bool()> &done, std::chrono::milliseconds timeout)
	{
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::array<epoll_event, 256> evs;

		for (;;) {
			start_pending();
			if (done())
				return true;
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
				deadline - std::chrono::steady_clock::now());
			if (left.count() <= 0)
				return false;
			int n = ::epoll_wait(epfd_.get(), evs.data(), evs.size(),
					     static_cast<int>(std::min<long>(left.count(), 50)));
			if (n < 0 && errno != EINTR)
				fail("epoll_wait: " + errno_str(errno));
			for (int i = 0; i < n; i++)
				handle(conns_[evs[i].data.u64], evs[i].events);
		}
	}

	bool run_until_finished(std::chrono::milliseconds timeout)
	{
		return run([this] { return finished() == conns_.size(); }, timeout);
	}

	// Every connection is holding or has ended.
	bool settled() const { return count(Phase::Holding) + finished() == conns_.size(); }

	// Stop or resume reading (a peer that does not read).
	void set_reading(bool on)
	{
		reading_ = on;
		for (auto &c : conns_)
			if (c.fd)
				update_interest(c);
	}

	// Make the message each connection is sending its last, ending @extra
	// bytes after what it has sent so far.
	void end_messages_after(std::uint64_t extra)
	{
		for (auto &c : conns_) {
			if (c.phase != Phase::Exchanging)
				continue;
			c.target = c.sent + extra;
			c.last = c.msgs;
			update_interest(c);
		}
	}

	// End the connections that are holding: close(), or shut down and
	// expect EOF.
	void close_held(bool half_close = false)
	{
		for (auto &c : conns_) {
			if (c.phase != Phase::Holding)
				continue;
			if (half_close) {
				shut_wr(c);
				if (c.phase != Phase::Finished) {
					c.phase = Phase::HalfClosed;
					update_interest(c);
				}
			} else {
				finish(c, End::Done, "");
			}
		}
	}

	std::size_t size() const { return conns_.size(); }
	std::size_t count(End e) const { return ends_[static_cast<int>(e)]; }
	std::size_t count(Phase p) const
	{
		return std::count_if(conns_.begin(), conns_.end(),
				     [p](const Conn &c) { return c.phase == p; });
	}
	std::size_t finished() const { return conns_.size() - count(End::Open); }
	std::size_t connected() const { return connected_; }
	std::uint64_t bytes_sent() const { return sent_; }
	std::uint64_t bytes_received() const { return recvd_; }
	std::chrono::steady_clock::time_point last_progress() const { return progress_; }

	// Run until every connection is up and no byte has moved for @quiet
	// (the peers' sends block), at most @timeout.  Return: whether it did.
	bool run_until_blocked(std::chrono::milliseconds timeout,
			       std::chrono::milliseconds quiet = std::chrono::seconds(1))
	{
		return run([&] {
			return connected_ == conns_.size() &&
			       std::chrono::steady_clock::now() - progress_ > quiet;
		}, timeout);
	}
	const Conn &conn(std::size_t i) const { return conns_[i]; }

	// One line of totals, then up to @max connections that did not end as
	// Done (or are still open).
	std::string report(std::size_t max = 10) const
	{
		std::string s = std::to_string(conns_.size()) + " connections to " + ep_.text + ":";
		for (int e = 0; e <= static_cast<int>(End::Error); e++)
			if (ends_[e])
				s += std::string(" ") + to_string(static_cast<End>(e)) + "=" +
				     std::to_string(ends_[e]);
		s += ", sent " + std::to_string(sent_) + " received " + std::to_string(recvd_);
		std::size_t shown = 0;
		for (auto &c : conns_) {
			if (max == 0)
				break;
			if (c.end == End::Done)
				continue;
			if (shown++ == max) {
				s += "\n  ...";
				break;
			}
			s += "\n  conn " + std::to_string(c.index) + ": " + to_string(c.end) +
			     " phase=" + phase_name(c.phase) + " msgs=" + std::to_string(c.msgs) +
			     " sent=" + std::to_string(c.sent) + " recvd=" + std::to_string(c.recvd) +
			     " target=" + std::to_string(c.target) + (c.why.empty() ? "" : " " + c.why);
		}
		return s;
	}

	static const char *phase_name(Phase p)
	{
		switch (p) {
		case Phase::Pending: return "pending";
		case Phase::Connecting: return "connecting";
		case Phase::Exchanging: return "exchanging";
		case Phase::Holding: return "holding";
		case Phase::HalfClosed: return "half-closed";
		case Phase::Finished: return "finished";
		}
		return "?";
	}

private:
	static constexpr std::size_t kChunk = 64 * 1024;

	void start_pending()
	{
		while (!pending_.empty() && open_ < plan_.max_open &&
		       connecting_ < plan_.max_connecting) {
			Conn &c = conns_[pending_.front()];
			pending_.pop_front();
			start(c);
		}
	}

	void start(Conn &c)
	{
		c.fd = Fd(::socket(ep_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				   IPPROTO_TCP));
		if (!c.fd) {
			finish(c, End::Error, "socket: " + errno_str(errno));
			return;
		}
		open_++;
		int one = 1;
		::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		epoll_event ev{};
		ev.data.u64 = c.index;
		ev.events = EPOLLOUT;
		if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev))
			fail("epoll_ctl(ADD): " + errno_str(errno));
		c.events = EPOLLOUT;
		c.phase = Phase::Connecting;
		connecting_++;
		if (::connect(c.fd.get(), ep_.sa(), ep_.len) == 0) {
			connected(c);
		} else if (errno != EINPROGRESS) {
			int err = errno;
			finish(c, err == ECONNREFUSED ? End::Refused : End::Error,
			       "connect: " + errno_str(err));
		}
	}

	void connected(Conn &c)
	{
		connecting_--;
		connected_++;
		next_message(c);
	}

	std::optional<std::size_t> message(const Conn &c, unsigned msg) const
	{
		if (c.last && msg > *c.last)
			return std::nullopt;
		auto sz = plan_.message(c.index, msg);
		if (sz && *sz == 0)
			return std::nullopt;
		return sz;
	}

	void next_message(Conn &c)
	{
		if (auto sz = message(c, c.msgs)) {
			c.target += *sz;
			c.phase = Phase::Exchanging;
			write_some(c);
			if (c.phase != Phase::Finished)
				update_interest(c);
			return;
		}
		switch (plan_.after) {
		case EchoPlan::After::Hold:
			c.phase = Phase::Holding;
			break;
		case EchoPlan::After::Close:
			finish(c, End::Done, "");
			return;
		case EchoPlan::After::HalfClose:
		case EchoPlan::After::HalfCloseEarly:
			shut_wr(c);
			if (c.phase == Phase::Finished)
				return;
			c.phase = Phase::HalfClosed;
			break;
		}
		update_interest(c);
	}

	void shut_wr(Conn &c)
	{
		if (c.shut)
			return;
		if (::shutdown(c.fd.get(), SHUT_WR)) {
			int err = errno;
			finish(c, err == ENOTCONN ? End::Reset : End::Error,
			       "shutdown: " + errno_str(err));
			return;
		}
		c.shut = true;
	}

	void handle(Conn &c, std::uint32_t events)
	{
		if (c.phase == Phase::Finished)
			return;
		if (c.phase == Phase::Connecting) {
			int err = 0;
			socklen_t len = sizeof(err);
			::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				finish(c, err == ECONNREFUSED ? End::Refused :
					  err == ECONNRESET ? End::Reset : End::Error,
				       "connect: " + errno_str(err));
				return;
			}
			if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				connected(c);
			return;
		}
		if ((events & (EPOLLERR | EPOLLHUP)) || (reading_ && (events & EPOLLIN))) {
			read_some(c);
			if (c.phase == Phase::Finished)
				return;
		}
		if (c.phase == Phase::Exchanging && (events & EPOLLOUT))
			write_some(c);
		if (c.phase != Phase::Finished)
			update_interest(c);
	}

	void read_some(Conn &c)
	{
		for (;;) {
			ssize_t n = ::recv(c.fd.get(), buf_.data(), buf_.size(), MSG_DONTWAIT);
			if (n > 0) {
				auto got = std::span<const std::uint8_t>(buf_.data(),
									 static_cast<std::size_t>(n));
				if (c.recvd + n > c.sent) {
					finish(c, End::Error,
					       "received " + std::to_string(c.recvd + n) +
						       " bytes, more than the " + std::to_string(c.sent) +
						       " sent");
					return;
				}
				if (auto bad = payload_mismatch_fast(got, c.seed, c.recvd)) {
					finish(c, End::Mismatch,
					       "first wrong byte at stream offset " +
						       std::to_string(c.recvd + *bad));
					return;
				}
				c.recvd += n;
				recvd_ += n;
				progress_ = std::chrono::steady_clock::now();
				if (c.phase == Phase::Holding) {
					finish(c, End::Error, "data while holding");
					return;
				}
				if (c.phase == Phase::Exchanging && c.recvd == c.target &&
				    c.sent == c.target) {
					c.msgs++;
					next_message(c);
					if (c.phase == Phase::Finished)
						return;
				}
				if (static_cast<std::size_t>(n) < buf_.size())
					return;
				continue;
			}
			if (n == 0) {
				if (c.phase == Phase::HalfClosed && c.recvd == c.sent)
					finish(c, End::Done, "");
				else
					finish(c, End::Eof, "EOF in phase " +
							    std::string(phase_name(c.phase)));
				return;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			int err = errno;
			finish(c, err == ECONNRESET ? End::Reset : End::Error,
			       "recv: " + errno_str(err));
			return;
		}
	}

	void write_some(Conn &c)
	{
		while (c.sent < c.target) {
			std::size_t n = std::min<std::uint64_t>(c.target - c.sent, kChunk);
			payload_fill_fast(std::span(buf_.data(), n), c.seed, c.sent);
			ssize_t w = ::send(c.fd.get(), buf_.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					return;
				int err = errno;
				// The reset itself is read from the socket: recv
				// reports ECONNRESET once the data before it is read.
				finish(c, err == EPIPE || err == ECONNRESET ? End::Reset : End::Error,
				       "send: " + errno_str(err));
				return;
			}
			c.sent += w;
			sent_ += w;
			progress_ = std::chrono::steady_clock::now();
		}
		if (plan_.after == EchoPlan::After::HalfCloseEarly && !message(c, c.msgs + 1))
			shut_wr(c);
	}

	void update_interest(Conn &c)
	{
		std::uint32_t want = 0;
		if (c.phase == Phase::Connecting)
			want = EPOLLOUT;
		else {
			if (reading_)
				want |= EPOLLIN;
			if (c.phase == Phase::Exchanging && c.sent < c.target)
				want |= EPOLLOUT;
		}
		if (want == c.events)
			return;
		epoll_event ev{};
		ev.data.u64 = c.index;
		ev.events = want;
		if (::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev))
			fail("epoll_ctl(MOD): " + errno_str(errno));
		c.events = want;
	}

	void finish(Conn &c, End e, std::string why)
	{
		if (c.phase == Phase::Connecting)
			connecting_--;
		if (c.fd)
			open_--;
		c.fd.reset();
		c.phase = Phase::Finished;
		c.end = e;
		c.why = std::move(why);
		ends_[static_cast<int>(End::Open)]--;
		ends_[static_cast<int>(e)]++;
	}

	Endpoint ep_;
	EchoPlan plan_;
	Fd epfd_;
	std::vector<std::uint8_t> buf_;
	std::vector<Conn> conns_;
	std::deque<std::size_t> pending_;
	std::array<std::size_t, 7> ends_;
	unsigned open_ = 0, connecting_ = 0;
	std::size_t connected_ = 0;
	std::uint64_t sent_ = 0, recvd_ = 0;
	bool reading_ = true;
	std::chrono::steady_clock::time_point progress_ = std::chrono::steady_clock::now();
};

} // namespace syncsock::test
