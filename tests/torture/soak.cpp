// SPDX-License-Identifier: GPL-2.0
//
// The soak (make torture): echo and framed echo through the lossy network
// of the hostile-world tests (LossyLink: netem loss, reordering,
// duplication, jitter and a rate limit), until SSK_SOAK_MB of payload went
// through.  SSK_SOAK_CONNS clients, each a loop of connections with a random
// size, random message sizes and a random way to end:
//   graceful    every echo back, then shutdown(SHUT_WR), then EOF;
//   half-close  shutdown(SHUT_WR) right after the last byte is sent, every
//               echo back, then EOF;
//   abort       close with SO_LINGER 0 part-way: a reset;
//   unread      close() with echoed bytes not yet read: the kernel resets.
// Every byte that comes back is checked against what was sent: none lost,
// none duplicated, none out of order.  At the end, each listener's close
// counters must match the clients' own record, connection for connection:
// as many connections closed as were accepted (each close callback ran
// exactly once), the peer's FIN for each graceful and half-close, and a reset
// for every other accepted connection: the peer's, or, where the link lost it,
// the idle timeout (nothing more to send) or the message timeout (a frame cut
// short).  An abort may also never be accepted at all: a reset the server
// gets before the handshake's last ACK ends the connection while it is still
// a request.
//   SSK_SOAK_MB      payload to send in all, MiB (default 1024)
//   SSK_SOAK_CONNS   concurrent clients (default 32)
//   SSK_SOAK_MAX_KB  largest connection, KiB (default 4096)
//   SSK_SOAK_IDLE_S  the listeners' idle timeout, which ends the half-open
//                    connections of lost resets; far above any stall of a
//                    live connection (default 60)
//   SSK_SEED         seed (default: the time)
#include <catch2/catch.hpp>

#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "ssk_netns.hpp"
#include "torture.hpp"

using namespace syncsock::test;
using namespace syncsock::torture;
using namespace std::chrono_literals;

namespace {

enum class Way { Graceful, HalfClose, Abort, Unread, Count };
const char *const kWayName[] = {"graceful", "half-close", "abort", "unread"};

struct Record {
	std::uint64_t connections = 0, sent = 0, echoed = 0;
	std::uint64_t ways[static_cast<int>(Way::Count)] = {};
	std::uint64_t wrong = 0;	// corrupt, lost, duplicated or a stray error
	std::string first_wrong;
};

constexpr std::uint16_t kPlainPort = 7800, kFramedPort = 7801;
constexpr std::size_t kFrameHeader = 4, kFrameMax = 65536;


// One connection: sends @total payload bytes in messages (framed: each with
// a 4-byte big-endian length header), reads the echo, and ends as @way says.
// Return: "" if all was as it must be, or what was wrong.
std::string one_connection(const Endpoint &ep, bool framed, std::uint64_t total, Way way,
			   Rng &rng, std::uint64_t seed, std::uint64_t &sent_out,
			   std::uint64_t &echoed_out)
{
	Fd fd = connect_to(ep, 30s);
	::fcntl(fd.get(), F_SETFL, O_NONBLOCK);

	// The byte stream we send: payload, or frames around it.
	std::vector<std::uint8_t> stream;
	std::vector<std::size_t> ends;		// where each message ends
	std::uint64_t payload = 0;
	while (payload < total) {
		std::size_t len = std::min<std::uint64_t>(
			rng.log_between(1, framed ? kFrameMax - kFrameHeader : 256 * 1024),
			total - payload);
		std::size_t at = stream.size();
		if (framed) {
			stream.resize(at + kFrameHeader);
			for (int i = 0; i < 4; i++)
				stream[at + i] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
			at += kFrameHeader;
		}
		stream.resize(at + len);
		payload_fill_fast(std::span(stream).subspan(at, len), seed, payload);
		payload += len;
		ends.push_back(stream.size());
	}
	// Where an abort or unread close cuts it: somewhere in the middle.
	std::size_t cut = (way == Way::Abort || way == Way::Unread) ?
		rng.between(1, std::max<std::size_t>(stream.size(), 2) - 1) : stream.size();
	// An unread close needs an echo to leave unread: a framed echo answers
	// whole frames only, so its cut falls at the end of one.
	if (framed && way == Way::Unread)
		cut = *std::lower_bound(ends.begin(), ends.end(), cut);

	std::size_t off = 0, got = 0;
	std::vector<std::uint8_t> buf(64 * 1024);
	bool shut = false, eof = false;
	auto deadline = std::chrono::steady_clock::now() + 600s;
	while (!eof) {
		if (std::chrono::steady_clock::now() > deadline)
			return "no progress in 600 s (" + std::to_string(got) + " of " +
			       std::to_string(stream.size()) + " bytes back)";
		if ((way == Way::Abort || way == Way::Unread) && off >= cut) {
			if (way == Way::Abort) {
				linger lg{1, 0};
				::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			} else {
				// Leave echoed bytes unread: with all read, send
				// one more byte (plain) or frame (framed), and wait
				// for its echo.
				if (got == off) {
					if (off == stream.size()) {
						way = Way::Abort;	// nothing left to send
						continue;
					}
					const std::size_t to = framed ?
						*std::upper_bound(ends.begin(), ends.end(), off) : off + 1;
					while (off < to) {
						ssize_t n = ::send(fd.get(), stream.data() + off, to - off,
								   MSG_NOSIGNAL);
						if (n < 0 && errno != EAGAIN)
							return "send: " + errno_str(errno);
						if (n > 0)
							off += n;
					}
				}
				int unread = 0;
				for (int i = 0; i < 600 && unread <= 0; i++) {
					pollfd q{fd.get(), POLLIN, 0};
					::poll(&q, 1, 100);
					if (::ioctl(fd.get(), FIONREAD, &unread))
						return "FIONREAD: " + errno_str(errno);
				}
				if (unread <= 0)
					return "no echo to leave unread in 60 s";
			}
			sent_out = off;
			echoed_out = got;
			return "";	// closing the Fd resets the connection
		}
		pollfd p{fd.get(), POLLIN, 0};
		const std::size_t limit = std::min(cut, stream.size());
		if (off < limit)
			p.events |= POLLOUT;
		if (::poll(&p, 1, 1000) < 0)
			return "poll: " + errno_str(errno);
		if (off < limit && (p.revents & POLLOUT)) {
			ssize_t n = ::send(fd.get(), stream.data() + off,
					   std::min<std::size_t>(limit - off, 256 * 1024), MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return "send: " + errno_str(errno);
			if (n > 0)
				off += n;
		}
		if (off == stream.size() && !shut && way == Way::HalfClose) {
			::shutdown(fd.get(), SHUT_WR);
			shut = true;
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
			if (n < 0 && errno != EAGAIN)
				return "recv: " + errno_str(errno) + " after " + std::to_string(got) +
				       " bytes back";
			if (n == 0) {
				if (got != stream.size() || !shut)
					return "EOF after " + std::to_string(got) + " of " +
					       std::to_string(stream.size()) + " bytes back";
				eof = true;
			}
			if (n > 0) {
				if (got + n > off)
					return "more came back than was sent (duplicated)";
				if (std::memcmp(buf.data(), stream.data() + got, n))
					return "the echo differs at byte " + std::to_string(got);
				got += n;
			}
		}
		if (got == stream.size() && !shut && way == Way::Graceful) {
			::shutdown(fd.get(), SHUT_WR);
			shut = true;
		}
	}
	sent_out = stream.size();
	echoed_out = got;
	return "";
}

}  // namespace

TEST_CASE("soak through the lossy network", "[soak]")
{
	const std::uint64_t goal = env_u64("SSK_SOAK_MB", 1024) << 20;
	const unsigned clients = env_u64("SSK_SOAK_CONNS", 32);
	const std::uint64_t max_conn = env_u64("SSK_SOAK_MAX_KB", 4096) << 10;
	const std::uint64_t seed = env_u64("SSK_SEED", static_cast<std::uint64_t>(::time(nullptr)));
	const unsigned idle_ms = env_u64("SSK_SOAK_IDLE_S", 60) * 1000;
	note("soak: %llu MiB, %u clients, connections up to %llu KiB, seed %llu",
	     static_cast<unsigned long long>(goal >> 20), clients,
	     static_cast<unsigned long long>(max_conn >> 10),
	     static_cast<unsigned long long>(seed));

	ssk::ModuleSession mod;
	LossyLink link;
	unsigned plain = 0, framed = 0;
	link.server().run([&] {
		// A reset the link lost leaves the server's side open with
		// nothing to send (half-open): the idle timeout ends it.
		// The close timeout is long: a slow kernel behind the lossy link
		// takes a while to send a half-closed peer's last echoes.
		const std::string common = " handler=echo backlog=1024 close_timeout_ms=60000"
					   " idle_timeout_ms=" + std::to_string(idle_ms);
		plain = ssk::add_listener("addr=" + LossyLink::kServer + " port=" +
					  std::to_string(kPlainPort) + common);
		framed = ssk::add_listener("addr=" + LossyLink::kServer + " port=" +
					   std::to_string(kFramedPort) + common +
					   " config=length=4 count=body max=" + std::to_string(kFrameMax));
	});

	Record rec[2];		// plain, framed
	std::mutex lock;
	std::atomic<std::uint64_t> sent{0};
	const auto t0 = std::chrono::steady_clock::now();
	std::vector<std::thread> threads;
	for (unsigned t = 0; t < clients; t++) {
		threads.emplace_back([&, t] {
			if (::setns(link.client().fd(), CLONE_NEWNET))
				fail("setns: " + errno_str(errno));
			Rng rng(seed * 131 + t);
			for (std::uint64_t k = 0; sent < goal; k++) {
				const bool fr = rng.between(0, 1);
				const Way way = static_cast<Way>(rng.between(0, 3));
				const std::uint64_t size = rng.log_between(1, max_conn);
				std::uint64_t s = 0, e = 0;
				std::string why;
				try {
					why = one_connection(endpoint(LossyLink::kServer,
								      fr ? kFramedPort : kPlainPort),
							     fr, size, way, rng,
							     seed ^ (std::uint64_t(t) << 40) ^ k, s, e);
				} catch (const std::exception &ex) {
					why = ex.what();
				}
				sent += s;
				std::lock_guard g(lock);
				Record &r = rec[fr];
				r.connections++;
				r.sent += s;
				r.echoed += e;
				r.ways[static_cast<int>(way)]++;
				if (!why.empty() && !r.wrong++)
					r.first_wrong = std::string(fr ? "framed" : "plain") + " " +
							kWayName[static_cast<int>(way)] + ": " + why;
			}
		});
	}
	// Progress, while the clients run.
	std::atomic<bool> done{false};
	std::thread progress([&] {
		while (!done) {
			for (int i = 0; i < 100 && !done; i++)
				std::this_thread::sleep_for(100ms);
			if (!done)
				note("soak: %llu of %llu MiB after %.0f s",
				     static_cast<unsigned long long>(sent >> 20),
				     static_cast<unsigned long long>(goal >> 20), seconds_since(t0));
		}
	});
	for (auto &t : threads)
		t.join();
	done = true;
	progress.join();
	const double secs = seconds_since(t0);

	// The server's side: every connection gone, each closed once, for the
	// reason the client gave it.
	bool drained = false;
	link.server().run([&] {
		drained = wait_for([&] { return ssk::conns(plain) == 0 && ssk::conns(framed) == 0; },
				   std::chrono::milliseconds(idle_ms) + 60s, 200ms);
	});
	Figures f;
	f.num("seed", seed).num("clients", clients).num("seconds", secs);
	std::uint64_t total_sent = 0, total_conns = 0, wrong = 0, mismatched = 0;
	for (int fr = 0; fr < 2; fr++) {
		const unsigned id = fr ? framed : plain;
		const Record &r = rec[fr];
		ssk::Counters c;
		link.server().run([&] { c = ssk::stats(id); });
		const std::uint64_t fin = r.ways[0] + r.ways[1], rst = r.ways[2] + r.ways[3];
		const std::uint64_t closed = ssk::get(c, "closed");
		// Resets the link lost: half-open connections a timeout ended.
		const std::uint64_t resets = ssk::get(c, "closed_peer_reset") +
					     ssk::get(c, "closed_idle") +
					     ssk::get(c, "closed_msg_timeout");
		const std::uint64_t accepted = ssk::get(c, "accepted");
		const std::string side = fr ? "framed" : "plain";
		note("%s: %llu connections (graceful %llu, half-close %llu, abort %llu, unread %llu), "
		     "%llu bytes sent, %llu echoed; server: accepted %llu, closed %llu "
		     "(peer_fin %llu, peer_reset %llu, idle %llu, msg_timeout %llu, error %llu)",
		     side.c_str(), static_cast<unsigned long long>(r.connections),
		     static_cast<unsigned long long>(r.ways[0]), static_cast<unsigned long long>(r.ways[1]),
		     static_cast<unsigned long long>(r.ways[2]), static_cast<unsigned long long>(r.ways[3]),
		     static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.echoed),
		     static_cast<unsigned long long>(ssk::get(c, "accepted")),
		     static_cast<unsigned long long>(closed),
		     static_cast<unsigned long long>(ssk::get(c, "closed_peer_fin")),
		     static_cast<unsigned long long>(ssk::get(c, "closed_peer_reset")),
		     static_cast<unsigned long long>(ssk::get(c, "closed_idle")),
		     static_cast<unsigned long long>(ssk::get(c, "closed_msg_timeout")),
		     static_cast<unsigned long long>(ssk::get(c, "closed_error")));
		INFO(side << ": " << r.first_wrong);
		INFO("counters: " << ssk::format(c));
		CHECK(r.wrong == 0);
		CHECK(accepted <= r.connections);
		CHECK(r.connections - accepted <= rst);
		CHECK(closed == accepted);
		CHECK(ssk::get(c, "closed_peer_fin") == fin);
		CHECK(resets + fin == accepted);
		mismatched += (accepted > r.connections) + (r.connections - accepted > rst) +
			      (closed != accepted) + (ssk::get(c, "closed_peer_fin") != fin) +
			      (resets + fin != accepted);
		total_sent += r.sent;
		total_conns += r.connections;
		wrong += r.wrong;
		f.num(side + "_connections", r.connections).num(side + "_sent_bytes", r.sent)
			.num(side + "_echoed_bytes", r.echoed)
			.num(side + "_graceful", r.ways[0]).num(side + "_halfclose", r.ways[1])
			.num(side + "_abort", r.ways[2]).num(side + "_unread", r.ways[3])
			.num(side + "_closed", closed)
			.num(side + "_closed_peer_fin", ssk::get(c, "closed_peer_fin"))
			.num(side + "_closed_peer_reset", ssk::get(c, "closed_peer_reset"))
			.num(side + "_closed_idle", ssk::get(c, "closed_idle"))
			.num(side + "_closed_msg_timeout", ssk::get(c, "closed_msg_timeout"))
			.num(side + "_accepted", accepted)
			.num(side + "_closed_error", ssk::get(c, "closed_error"));
	}
	note("link: %s", link.stats("sskS", "sskls").c_str());
	f.num("sent_bytes", total_sent).num("connections", total_conns).num("wrong", wrong)
		.num("close_mismatches", mismatched).flag("drained", drained)
		.flag("ok", !wrong && !mismatched && drained);
	f.emit("soak");
	CHECK(drained);
}
