// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench serve (without a kind): the box under test's end of
// run --server.  It starts each server path when the controller asks, on
// the CPUs it was given, and reports the host's own counters.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "control.hpp"
#include "kernel.hpp"
#include "net.hpp"
#include "proxies.hpp"
#include "report.hpp"
#include "run.hpp"
#include "servers.hpp"
#include "sysstat.hpp"

namespace ssb {

namespace {

class ServeHost : public control::Host {
public:
	ServeHost(const Options &o, std::vector<int> cpus) : o_(o), cpus_(std::move(cpus)) {}
	~ServeHost() override { stop(); }

	json::Value hello() override
	{
		json::Value h = conditions(o_);
		json::Value c = json::Value::array();
		for (int x : cpus_)
			c.push_back(x);
		h["server_cpus"] = c;
		json::Value p = json::Value::array();
		std::string err;
		if (KernelControl::open(o_.device, err))
			p.push_back("kernel");
		for (auto &k : path_order()) {
			std::string why;
			if (k != "kernel" && (!is_proxy_path(k) || proxy_available(k, o_.device, why)))
				p.push_back(k);
		}
		h["paths"] = p;
		h["boot_id"] = read_file("/proc/sys/kernel/random/boot_id");
		return h;
	}

	std::uint16_t start(const std::string &path, std::uint16_t port, unsigned threads,
			    const std::string &backend, std::string &error) override
	{
		stop();
		if (is_proxy_path(path)) {
			if (!proxy_.start(path, o_.host, port, backend, threads, cpus_, o_.device,
					  error))
				return 0;
			return port;
		}
		if (!backend.empty()) {
			error = "the " + path + " path echoes: it takes no backend";
			return 0;
		}
		if (path == "kernel") {
			kc_ = KernelControl::open(o_.device, error);
			if (!kc_)
				return 0;
			kid_ = kc_->ensure(o_.host, port, "echo", "", error);
			if (!kid_) {
				kc_.reset();
				return 0;
			}
			return port;
		}
		if (std::find(path_order().begin(), path_order().end(), path) == path_order().end()) {
			error = "no path '" + path + "' (kernel, epoll, epoll-reuseport, epoll-busy, "
				"io_uring, blocking, spin, proxy, haproxy, nginx, relay)";
			return 0;
		}
		if (path == "blocking")
			raise_nofile(1 << 20);
		try {
			pid_ = start_server_process(path, o_.host, port, threads, cpus_);
		} catch (const std::exception &e) {
			error = e.what();
			return 0;
		}
		return port;
	}

	json::Value sample() override
	{
		json::Value s = json::Value::object();
		std::string stat = read_file("/proc/stat");
		s["t_ns"] = now_ns();
		s["tick_hz"] = ticks_per_second();
		s["cpus"] = control::cpus_json(parse_proc_stat_cpus(stat));
		// A server's whole process group: nginx's workers too.
		if (pid_t pid = pid_ > 0 ? pid_ : proxy_.pid(); pid > 0) {
			ProcessCpu pc = group_cpu(pid);
			json::Value sv = json::Value::object();
			sv["cpu_ticks"] = pc.utime + pc.stime;
			sv["ctx"] = group_ctx(pid).total();
			s["server"] = sv;
		}
		KernelControl *kc = kc_ ? kc_.get() : proxy_.kernel();
		std::uint32_t kid = kc_ ? kid_ : proxy_.kernel_id();
		if (kc && kid) {
			json::Value k = json::Value::object();
			for (auto &[name, v] : kc->counters(kid))
				k[name] = v;
			s["kernel"] = k;
		}
		auto mi = parse_meminfo(read_file("/proc/meminfo"));
		json::Value m = json::Value::object();
		auto kib = [&](const char *k) {
			auto it = mi.find(k);
			return it == mi.end() ? std::uint64_t(0) : it->second;
		};
		m["mem_available_kib"] = kib("MemAvailable");
		m["slab_kib"] = kib("Slab");
		s["memory"] = m;
		return s;
	}

	void stop() override
	{
		stop_server_process(pid_);
		pid_ = -1;
		proxy_.stop();
		kc_.reset();	// deletes the listener it added
		kid_ = 0;
	}

private:
	const Options &o_;
	std::vector<int> cpus_;
	pid_t pid_ = -1;
	std::unique_ptr<KernelControl> kc_;
	std::uint32_t kid_ = 0;
	ProxyServer proxy_;
};

} // namespace

int run_control_server(const Options &o)
{
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(1 << 20);
	std::string host;
	std::uint16_t port;
	if (!control::parse_where(o.listen, host, port)) {
		std::fprintf(stderr, "syncsock-bench serve: --listen %s: give ADDRESS:PORT (IPv4)\n",
			     o.listen.c_str());
		return 2;
	}
	std::vector<int> cpus = o.cpus_set ? o.cpus : allowed_cpus();
	int lfd;
	try {
		lfd = listen_tcp(host, port, 8);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "syncsock-bench serve: %s\n", e.what());
		return 1;
	}
	if (!o.quiet)
		std::fprintf(stderr,
			     "syncsock-bench serve: control on %s:%u, servers on %s, CPUs %s; "
			     "waiting for syncsock-bench run --server\n",
			     host.c_str(), unsigned(port), o.host.c_str(), cpu_list(cpus).c_str());
	if (o.ready_fd >= 0) {
		(void)!write(o.ready_fd, "ready\n", 6);
		close(o.ready_fd);
	}
	ServeHost h(o, cpus);
	control::serve(h, lfd, 600, o.quiet);
	close(lfd);
	return 0;
}

} // namespace ssb
