// SPDX-License-Identifier: GPL-2.0
#include "net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ssb {

std::string cpu_list(const std::vector<int> &cpus)
{
	std::string s;
	for (int c : cpus)
		s += (s.empty() ? "" : ",") + std::to_string(c);
	return s.empty() ? "none" : s;
}

sockaddr_in make_addr(const std::string &host, std::uint16_t port)
{
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
		throw std::runtime_error("not an IPv4 address: " + host);
	return a;
}

int listen_tcp(const std::string &host, std::uint16_t port, int backlog, bool reuseport)
{
	sockaddr_in a = make_addr(host, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		throw std::runtime_error(std::string("socket: ") + strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		int e = errno;
		close(fd);
		throw std::runtime_error(std::string("SO_REUSEPORT: ") + strerror(e));
	}
	if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		throw std::runtime_error("bind " + host + ":" + std::to_string(port) + ": " +
					 strerror(e));
	}
	if (listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		throw std::runtime_error(std::string("listen: ") + strerror(e));
	}
	return fd;
}

void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void set_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void close_abort(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

bool pin_self(int cpu)
{
	if (cpu < 0)
		return true;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

std::vector<int> allowed_cpus()
{
	std::vector<int> out;
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				out.push_back(i);
	}
	if (out.empty())
		out.push_back(0);
	return out;
}

int online_cpus()
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? int(n) : 1;
}

void raise_nofile(std::uint64_t n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur >= n)
		return;
	if (rl.rlim_max < n) {
		struct rlimit want = {n, n};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
		n = rl.rlim_max;
	}
	rl.rlim_cur = n;
	setrlimit(RLIMIT_NOFILE, &rl);
}

} // namespace ssb
