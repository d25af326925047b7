// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's load generator.  N connections spread over at most one
// thread per CPU, each thread an epoll loop (never a thread per connection:
// with more connections than CPUs that would measure the client's own
// scheduler).  Messages of M bytes; every byte that comes back is compared
// with what was sent.
//
//   closed loop   each connection keeps @depth messages outstanding: a reply
//                 sends the next message; latency from the send
//   open loop     messages are due at a fixed total @rate, whatever the
//                 replies do; latency from the time a message was due, not
//                 from when it could be sent (no coordinated omission)
//   churn         each of the N connection slots connects, sends one
//                 message, checks the reply, closes and connects again: a
//                 cycle per reply (the accept rate); latency from the
//                 connect() to the reply
//
// Phases: warm-up (replies not recorded), measure, stop (no new messages;
// what is outstanding is awaited and checked).
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ssb {

struct ClientConfig {
	sockaddr_in addr{};
	unsigned conns = 1;
	std::size_t msg_size = 64;
	unsigned depth = 1;
	double rate = 0;	// open loop: messages per second, all connections
	unsigned threads = 1;
	std::vector<int> cpus;	// thread i runs on cpus[i mod size]
	unsigned drain_ms = 5000;
	std::vector<in_addr> sources;	// bind connection i to sources[i mod size], port 10000 up
	bool churn = false;	// a new connection per message (see above); depth 1
};

struct ClientResult {
	std::vector<std::uint64_t> samples;	// round trips of the window, ns
	std::uint64_t completed = 0;	// replies in the window
	std::uint64_t total = 0;	// replies, warm-up and drain included
	std::uint64_t verified_bytes = 0;
	std::uint64_t missed = 0;	// open loop: not sent, 256 outstanding
	std::uint64_t unanswered = 0;	// outstanding when the drain gave up
	std::uint64_t errors = 0;
	std::string first_error;
	std::uint64_t cycles = 0;	// churn: connections closed after their reply, all phases
};

// The byte at offset @i of message @k of connection @conn: what the client
// sends and expects back.
inline std::uint8_t message_byte(std::uint32_t conn, std::uint64_t k, std::size_t i)
{
	return std::uint8_t(conn * 7u + std::uint32_t(k) * 13u + i);
}

class Client {
public:
	explicit Client(ClientConfig cfg);
	~Client();
	Client(const Client &) = delete;
	Client &operator=(const Client &) = delete;

	// Open every connection (blocking connects, in order); @progress is
	// called now and then with the count so far.  Churn: only set the
	// threads up (they connect).  Throws std::runtime_error.
	void connect(const std::function<void(unsigned)> &progress = {});
	void start();		// threads run, warm-up
	void measure_begin();
	void measure_end();	// stop sending, drain, threads exit
	ClientResult finish();	// join and merge
	void close_all();	// RST every connection

	std::uint64_t completed_so_far() const;
	// Connections that have had a reply: all of them once the server has
	// accepted every one (a kernel listener accepts from a work item, a
	// blocking server starts a thread each: that takes a while).
	std::uint64_t answered_conns() const;
	bool failed() const { return errors_.load() != 0; }

private:
	struct Thread;
	void make_threads();
	ClientConfig cfg_;
	std::vector<int> fds_;
	std::vector<std::unique_ptr<Thread>> threads_;
	std::atomic<int> phase_{0};
	std::atomic<std::uint64_t> errors_{0};
	std::vector<std::uint8_t> pattern_;
	friend struct Thread;
};

} // namespace ssb
