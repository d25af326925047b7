// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for talking to a handler byte for byte over one TCP
// connection: connect with a small receive window and MSS when asked (so
// that replies pile up in syncsock's send queue), send all of a string, read
// up to a count or a deadline noting how the stream ended, and pump: write
// and read at once, reading only once a condition holds (the server's queue
// filled up while the client did not read).
//
// Like ssk_control.hpp: no Catch2 macros, std::runtime_error on the
// unexpected.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "ssk_net.hpp"

namespace syncsock::test {

struct SockOpts {
	int rcvbuf = 0;		// SO_RCVBUF before connect: a small window
	int maxseg = 0;		// TCP_MAXSEG before connect: a small MSS
};

// A TCP connection (TCP_NODELAY: each send its own segment) to @ip:@port.
inline Fd connect_tcp(const std::string &ip, std::uint16_t port, SockOpts o = {})
{
	const Endpoint ep = endpoint(ip, port);
	Fd fd(::socket(ep.family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
	if (!fd)
		fail("socket: " + errno_str(errno));
	set_int_opt(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
	if (o.rcvbuf)
		set_int_opt(fd.get(), SOL_SOCKET, SO_RCVBUF, o.rcvbuf);
	if (o.maxseg)
		set_int_opt(fd.get(), IPPROTO_TCP, TCP_MAXSEG, o.maxseg);
	if (::connect(fd.get(), ep.sa(), ep.len))
		fail("connect to " + ep.text + ": " + errno_str(errno));
	return fd;
}

inline Fd connect_tcp(std::uint16_t port, SockOpts o = {})
{
	return connect_tcp("127.0.0.1", port, o);
}

// All of @s; throws on an error or when the peer takes nothing for 30 s.
inline void send_str(int fd, const std::string &s)
{
	std::size_t off = 0;
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
	while (off < s.size()) {
		ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			if (std::chrono::steady_clock::now() > end)
				fail("send: blocked for 30 s after " + std::to_string(off) + " of " +
				     std::to_string(s.size()) + " bytes");
			pollfd p{fd, POLLOUT, 0};
			::poll(&p, 1, 100);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("send: " + errno_str(errno));
		off += static_cast<std::size_t>(n);
	}
}

// What a read brought, and how the stream ended if it did.
struct Got {
	std::string data;
	bool eof = false;	// an orderly end (FIN)
	int err = 0;		// an error: ECONNRESET...

	// One non-blocking recv() of at most @max bytes into data.
	// Return: whether the stream goes on (false at EOF or an error).
	bool recv_once(int fd, std::size_t max)
	{
		char buf[65536];
		ssize_t k = ::recv(fd, buf, std::min(sizeof(buf), max), MSG_DONTWAIT);
		if (k > 0)
			data.append(buf, static_cast<std::size_t>(k));
		else if (k == 0)
			eof = true;
		else if (errno != EAGAIN && errno != EINTR)
			err = errno;
		return !eof && !err;
	}

	// ", then EOF" / ", then Connection reset by peer...": for messages.
	std::string end() const
	{
		return (eof ? ", then EOF" : "") + (err ? ", then " + errno_str(err) : "");
	}
};

// Read until @n bytes came, the stream ended, or @timeout passed.
inline Got read_upto(int fd, std::size_t n, std::chrono::milliseconds timeout)
{
	Got g;
	auto end = std::chrono::steady_clock::now() + timeout;
	while (g.data.size() < n) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			end - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			break;
		pollfd p{fd, POLLIN, 0};
		int r = ::poll(&p, 1, static_cast<int>(left.count()));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (!g.recv_once(fd, n - g.data.size()))
			break;
	}
	return g;
}

struct PumpOpts {
	// Start reading only once this holds (checked every 100 ms while the
	// writing goes on), or after 30 s; empty: read from the start.
	std::function<bool()> ready = {};
	// Runs once, when the reading starts (to take the counters then).
	std::function<void()> on_ready = {};
	// Stop as soon as this holds for what came so far (checked after
	// each read); empty: only @want_bytes or the end of the stream stop.
	std::function<bool(const std::string &)> until = {};
	std::chrono::seconds deadline{120};
};

// Write @out while reading, until @want_bytes came back, @o.until holds or
// the stream ended (how is in the result).  Throws after @o.deadline.
inline Got pump(int fd, const std::string &out, std::size_t want_bytes, const PumpOpts &o = {})
{
	std::size_t off = 0;
	Got g;
	bool reading = !o.ready;
	auto start = std::chrono::steady_clock::now();
	while (g.data.size() < want_bytes) {
		auto now = std::chrono::steady_clock::now();
		if (now > start + o.deadline)
			fail("pump: no end after " + std::to_string(o.deadline.count()) + " s: sent " +
			     std::to_string(off) + "/" + std::to_string(out.size()) + ", received " +
			     std::to_string(g.data.size()) + "/" + std::to_string(want_bytes));
		if (!reading && (o.ready() || now > start + std::chrono::seconds(30))) {
			if (o.on_ready)
				o.on_ready();
			reading = true;
		}
		pollfd p{fd, static_cast<short>((reading ? POLLIN : 0) |
						(off < out.size() ? POLLOUT : 0)), 0};
		int r = ::poll(&p, 1, reading ? 1000 : 100);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll: " + errno_str(errno));
		if (p.revents & POLLOUT) {
			ssize_t n = ::send(fd, out.data() + off, out.size() - off,
					   MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += static_cast<std::size_t>(n);
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				fail("send: " + errno_str(errno));
		}
		if (reading && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			if (!g.recv_once(fd, SIZE_MAX))
				break;
			if (o.until && o.until(g.data))
				break;
		}
	}
	return g;
}

} // namespace syncsock::test
