// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's proxy paths on the host: the epoll relay (serve relay)
// against a backend the test plays, byte for byte, with a half-close each
// way, a reset and a backend that is down; HAProxy's and nginx's
// configurations; the process-group readers that measure nginx's workers.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "net.hpp"
#include "proxies.hpp"
#include "servers.hpp"
#include "sysstat.hpp"

using namespace ssb;

namespace {

std::uint16_t bound_port(int fd)
{
	sockaddr_in a{};
	socklen_t len = sizeof(a);
	REQUIRE(getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0);
	return ntohs(a.sin_port);
}

// A port nothing listens on: bound, then closed.
std::uint16_t free_port()
{
	int fd = listen_tcp("127.0.0.1", 0, 1);
	std::uint16_t p = bound_port(fd);
	close(fd);
	return p;
}

// serve relay in a child process, relaying to @backend_port.
struct Relay {
	pid_t pid = -1;
	std::uint16_t port = 0;
	explicit Relay(std::uint16_t backend_port)
	{
		port = free_port();
		int p[2];
		REQUIRE(pipe(p) == 0);
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			ServerConfig cfg;
			cfg.kind = "relay";
			cfg.port = port;
			cfg.threads = 2;
			cfg.backend = "127.0.0.1:" + std::to_string(backend_port);
			cfg.ready_fd = p[1];
			_exit(run_server(cfg));
		}
		close(p[1]);
		char buf[8] = {};
		pollfd pf = {p[0], POLLIN, 0};
		REQUIRE(poll(&pf, 1, 10000) == 1);
		REQUIRE(read(p[0], buf, sizeof(buf)) > 0);
		close(p[0]);
	}
	~Relay()
	{
		kill(pid, SIGKILL);
		waitpid(pid, nullptr, 0);
	}
};

int connect_to(std::uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in a = make_addr("127.0.0.1", port);
	REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0);
	timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int accept_from(int lfd)
{
	pollfd pf = {lfd, POLLIN, 0};
	REQUIRE(poll(&pf, 1, 10000) == 1);
	int fd = accept(lfd, nullptr, nullptr);
	REQUIRE(fd >= 0);
	timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

void send_all(int fd, const std::string &s)
{
	std::size_t off = 0;
	while (off < s.size()) {
		ssize_t w = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
		REQUIRE(w > 0);
		off += std::size_t(w);
	}
}

// @n bytes, or fewer at EOF.
std::string recv_n(int fd, std::size_t n)
{
	std::string out;
	char buf[65536];
	while (out.size() < n) {
		ssize_t r = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
		if (r <= 0)
			break;
		out.append(buf, std::size_t(r));
	}
	return out;
}

// 0 at EOF, -errno on an error, 1 if a byte came.
int recv_end(int fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, 0);
	return r < 0 ? -errno : int(r);
}

std::string pattern(std::size_t n, unsigned seed)
{
	std::string s(n, 0);
	for (std::size_t i = 0; i < n; i++)
		s[i] = char((i * 131 + seed * 7 + (i >> 9)) & 0xff);
	return s;
}

} // namespace

TEST_CASE("bench relay: every byte both ways, half-close each way", "[bench][proxy]")
{
	int lfd = listen_tcp("127.0.0.1", 0, 16);
	Relay relay(bound_port(lfd));

	SECTION("client closes first: its FIN reaches the backend, which answers on")
	{
		int c = connect_to(relay.port);
		// More than the sockets buffer: the relay must hold back.
		std::string up = pattern(8 << 20, 1), down = pattern(6 << 20, 2);
		std::thread t([&] { send_all(c, up); shutdown(c, SHUT_WR); });
		int b = accept_from(lfd);
		CHECK(recv_n(b, up.size()) == up);
		CHECK(recv_end(b) == 0);	// the client's FIN, passed on
		t.join();
		send_all(b, down);
		close(b);
		CHECK(recv_n(c, down.size()) == down);
		CHECK(recv_end(c) == 0);
		close(c);
	}
	SECTION("backend closes first: the client still sends")
	{
		int c = connect_to(relay.port);
		int b = accept_from(lfd);
		send_all(b, "hello");
		shutdown(b, SHUT_WR);
		CHECK(recv_n(c, 5) == "hello");
		CHECK(recv_end(c) == 0);
		send_all(c, "still here");
		close(c);
		CHECK(recv_n(b, 10) == "still here");
		CHECK(recv_end(b) == 0);
		close(b);
	}
	SECTION("a backend reset resets the client")
	{
		int c = connect_to(relay.port);
		int b = accept_from(lfd);
		send_all(c, "x");
		CHECK(recv_n(b, 1) == "x");
		close_abort(b);
		CHECK(recv_end(c) == -ECONNRESET);
		close(c);
	}
	close(lfd);
}

TEST_CASE("bench relay: a backend that is down resets the client", "[bench][proxy]")
{
	Relay relay(free_port());
	int c = connect_to(relay.port);
	send_all(c, "anyone?");
	CHECK(recv_end(c) == -ECONNRESET);
	close(c);
}

TEST_CASE("bench proxies: HAProxy's and nginx's configurations", "[bench][proxy]")
{
	std::string h = haproxy_config("198.18.0.1", 7121, "198.18.0.2:7130", 1, "/tmp/x");
	CHECK(h.find("    nbthread 1\n") != std::string::npos);
	CHECK(h.find("    mode tcp\n") != std::string::npos);
	CHECK(h.find("    bind 198.18.0.1:7121 backlog 4096\n") != std::string::npos);
	CHECK(h.find("    server backend 198.18.0.2:7130\n") != std::string::npos);
	CHECK(h.find("\n    log ") == std::string::npos);	// no logging at all
	CHECK(h.find("option tcplog") == std::string::npos);
	CHECK(h.find("maxconn " + std::to_string(proxy_max_conns()) + "\n") != std::string::npos);

	std::string n1 = nginx_config("198.18.0.1", 7122, "198.18.0.2:7130", 1, "/tmp/x");
	CHECK(n1.find("master_process off;") != std::string::npos);
	CHECK(n1.find("worker_processes") == std::string::npos);
	CHECK(n1.find(std::string("load_module ") + kNginxStreamModule + ";") != std::string::npos);
	CHECK(n1.find("listen 198.18.0.1:7122 backlog=4096;") != std::string::npos);
	CHECK(n1.find("proxy_pass 198.18.0.2:7130;") != std::string::npos);
	CHECK(n1.find("access_log") == std::string::npos);
	CHECK(n1.find("error_log stderr error;") != std::string::npos);
	std::string n4 = nginx_config("0.0.0.0", 7122, "127.0.0.1:7130", 4, "/tmp/x");
	CHECK(n4.find("worker_processes 4;") != std::string::npos);
	CHECK(n4.find("master_process") == std::string::npos);

	CHECK(proxy_max_conns() >= 256);
	CHECK(proxy_max_conns() <= kMaxConns);
	CHECK(is_proxy_path("haproxy"));
	CHECK_FALSE(is_proxy_path("epoll"));
	std::string why;
	CHECK(proxy_available("relay", "/dev/null", why));
	CHECK_FALSE(proxy_available("proxy", "/nonexistent/syncsock", why));
	CHECK(why.find("load syncsock.ko") != std::string::npos);
}

TEST_CASE("bench proxies: a process group's CPU and switches are summed", "[bench][proxy]")
{
	// A leader and a child in a group of their own, both spinning a bit.
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t leader = fork();
	REQUIRE(leader >= 0);
	if (leader == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fork() == 0)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)!write(p[1], "r", 1);
		for (;;)
			usleep(1000);
	}
	close(p[1]);
	char c;
	REQUIRE(read(p[0], &c, 1) == 1);
	REQUIRE(read(p[0], &c, 1) == 1);
	close(p[0]);
	auto members = process_group(leader);
	CHECK(members.size() == 2);
	CHECK(!members.empty());
	CHECK(members.front() == leader);
	CHECK(process_cpu(leader).pgrp == leader);
	usleep(50000);
	// Each sleeps a thousand times a second: switches add up across both.
	CtxSwitches one = process_ctx(leader), all = group_ctx(leader);
	CHECK(all.total() > one.total());
	kill(-leader, SIGKILL);
	waitpid(leader, nullptr, 0);
	// The orphaned child goes once whoever adopted it reaps it.
	for (int i = 0; i < 200 && !process_group(leader).empty(); i++)
		usleep(10000);
	CHECK(process_group(leader).empty());
	CHECK(process_group(0).empty());
}
