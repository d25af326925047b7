// SPDX-License-Identifier: GPL-2.0
//
// Small socket, time and CPU helpers shared by the servers and the client.
#pragma once

#include <netinet/in.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ssb {

inline std::uint64_t now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

// An IPv4 address: "127.0.0.1" and a port.  Throws std::runtime_error.
sockaddr_in make_addr(const std::string &host, std::uint16_t port);

// A listening TCP socket (SO_REUSEADDR, TCP_NODELAY inherited by children;
// SO_REUSEPORT if @reuseport: one of a group on the port).  Throws
// std::runtime_error with the reason.
int listen_tcp(const std::string &host, std::uint16_t port, int backlog, bool reuseport = false);

void set_nonblock(int fd);
void set_nodelay(int fd);
// Close with RST (SO_LINGER 0): no TIME_WAIT left behind by a benchmark.
void close_abort(int fd);

// Pin the calling thread to @cpu (no-op for cpu < 0).  False if refused.
bool pin_self(int cpu);
// "0,2,3", or "none" for no CPU (the --cpus syntax).
std::string cpu_list(const std::vector<int> &cpus);
// The CPUs this process may run on, in order.
std::vector<int> allowed_cpus();
int online_cpus();

// Raise RLIMIT_NOFILE to at least @n (soft and, as root, hard).
void raise_nofile(std::uint64_t n);

} // namespace ssb
