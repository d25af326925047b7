// SPDX-License-Identifier: GPL-2.0
//
// The user-space server paths syncsock-bench compares with the kernel one.
// All echo every byte back (the http kind answers HTTP instead), on an
// IPv4 address, until the process is killed.
//
//   blocking   a thread per connection, blocking recv()/send()
//   epoll      an edge-triggered epoll reactor, one thread per CPU
//   io_uring   one ring per CPU: multishot recv into a provided-buffer ring,
//              the send straight from the buffer that was received into
//   spin       non-blocking sockets polled in a loop, one thread per CPU
//   http       the epoll reactor answering HTTP like the kernel's http handler
//   relay      not a server: an edge-triggered epoll proxy, one thread per
//              CPU, relaying each connection to @backend both ways (a FIN
//              is passed on as a FIN, a reset or an error resets the other
//              side); the proxy paths' own user-space relay
//
// Connections are accepted by the main thread and handed to the workers in
// turn (connection i to worker i mod threads); worker i runs on
// cpus[i mod cpus.size()] when cpus is not empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ssb {

struct ServerConfig {
	std::string kind;
	std::string host = "127.0.0.1";
	std::uint16_t port = 0;
	unsigned threads = 1;
	std::vector<int> cpus;
	int backlog = 4096;
	int ready_fd = -1;	// "ready\n" is written here once listening
	std::string backend;	// relay: where to, IPv4 ADDRESS:PORT
};

bool valid_server_kind(const std::string &kind);

// epoll-busy: every socket busy-polls its NAPI instance for this long with
// this budget and prefers busy polling to interrupts (SO_BUSY_POLL,
// SO_PREFER_BUSY_POLL, SO_BUSY_POLL_BUDGET), and each epoll instance too
// where the kernel has per-epoll parameters (EPIOCSPARAMS, 6.9).
inline constexpr unsigned kBusyPollUsecs = 50;
inline constexpr unsigned kBusyPollBudget = 64;
bool epoll_busy_poll_supported();

// Run the server; returns only on a setup error (the message is printed),
// with exit status 1.
int run_server(const ServerConfig &cfg);

} // namespace ssb
