// SPDX-License-Identifier: GPL-2.0
//
// The proxy paths: each relays every connection a client makes to one
// backend (the bench's epoll echo server, started by syncsock-bench run), so
// the client's messages come back through it.
//
//   proxy     syncsock's built-in proxy handler: a listener added through
//             libsyncsock, "backends=ADDR:PORT"; no process
//   haproxy   HAProxy in mode tcp: one thread per server CPU, no logging
//   nginx     nginx's stream module: one worker per server CPU, no logging
//             (with one CPU, the worker is the only process:
//             master_process off)
//   relay     syncsock-bench serve relay: an edge-triggered epoll relay,
//             one thread per CPU
//
// HAProxy and nginx run from a configuration written into a scratch
// directory; they are found in PATH, and nginx's stream module where
// Debian's libnginx-mod-stream puts it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ssb {

class KernelControl;

// proxy, haproxy, nginx, relay.
const std::vector<std::string> &proxy_paths();
bool is_proxy_path(const std::string &path);
// Where nginx's stream module is (a file that may not exist).
extern const char kNginxStreamModule[];

// Is @path usable here (its program or module present)?  Else false and
// @why, a sentence that says what to install.
bool proxy_available(const std::string &path, const std::string &device, std::string &why);

// Connections a proxy is configured to hold (HAProxy's maxconn, nginx's
// worker_connections over two): within the limit of open files, at most
// kMaxConns (nginx allocates its connection table whole, up front).
inline constexpr unsigned kMaxConns = 65536;
unsigned proxy_max_conns();
// The configuration files (tested on the host).
std::string haproxy_config(const std::string &host, std::uint16_t port, const std::string &backend,
			   unsigned threads, const std::string &dir);
std::string nginx_config(const std::string &host, std::uint16_t port, const std::string &backend,
			 unsigned threads, const std::string &dir);

// One proxy path serving on @host:@port, relaying to @backend
// ("ADDR:PORT"), until stop() or destruction.
class ProxyServer {
public:
	ProxyServer();
	~ProxyServer();
	ProxyServer(const ProxyServer &) = delete;
	ProxyServer &operator=(const ProxyServer &) = delete;
	// False and @error if it did not start (the port is listening once
	// it returns true).  Stops what ran before.
	bool start(const std::string &path, const std::string &host, std::uint16_t port,
		   const std::string &backend, unsigned threads, const std::vector<int> &cpus,
		   const std::string &device, std::string &error);
	void stop();
	// The process group to measure (-1 for the kernel's proxy).
	pid_t pid() const { return pid_; }
	// The kernel's proxy: its control and listener (else nullptr, 0).
	KernelControl *kernel() const { return kc_.get(); }
	std::uint32_t kernel_id() const { return kid_; }

private:
	pid_t pid_ = -1;
	std::unique_ptr<KernelControl> kc_;
	std::uint32_t kid_ = 0;
	std::string dir_;
};

} // namespace ssb
