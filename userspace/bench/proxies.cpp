// SPDX-License-Identifier: GPL-2.0
#include "proxies.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "control.hpp"
#include "external.hpp"
#include "kernel.hpp"
#include "net.hpp"
#include "run.hpp"
#include "sysstat.hpp"

namespace ssb {

const char kNginxStreamModule[] = "/usr/lib/nginx/modules/ngx_stream_module.so";

namespace {

// A program in PATH, else in /usr/sbin (where Debian puts haproxy and
// nginx, and a user's PATH may not go): its path, or "".
std::string program_path(const std::string &name)
{
	if (have_program(name))
		return name;
	std::string sbin = "/usr/sbin/" + name;
	return access(sbin.c_str(), X_OK) == 0 ? sbin : std::string();
}

} // namespace

const std::vector<std::string> &proxy_paths()
{
	static const std::vector<std::string> p = {"proxy", "haproxy", "nginx", "relay"};
	return p;
}

bool is_proxy_path(const std::string &path)
{
	auto &p = proxy_paths();
	return std::find(p.begin(), p.end(), path) != p.end();
}

bool proxy_available(const std::string &path, const std::string &device, std::string &why)
{
	if (path == "proxy") {
		if (access(device.c_str(), R_OK | W_OK) == 0)
			return true;
		why = device + ": " + strerror(errno) + " (load syncsock.ko)";
		return false;
	}
	if (path == "haproxy" || path == "nginx") {
		if (program_path(path).empty()) {
			why = path + " is not installed (Debian: apt-get install " +
			      (path == "nginx" ? "nginx libnginx-mod-stream" : "haproxy") + ")";
			return false;
		}
		if (path == "nginx" && access(kNginxStreamModule, R_OK) != 0) {
			why = std::string("nginx has no stream module at ") + kNginxStreamModule +
			      " (Debian: apt-get install libnginx-mod-stream)";
			return false;
		}
		return true;
	}
	return path == "relay";
}

// Connections a proxy may hold: two descriptors each, within the hard limit
// of open files (raise_nofile() raised it as far as it goes).
unsigned proxy_max_conns()
{
	rlimit r{};
	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_max == RLIM_INFINITY)
		return kMaxConns;
	if (r.rlim_max < 768)
		return 256;
	return unsigned(std::min<rlim_t>((r.rlim_max - 256) / 2, kMaxConns));
}

std::string haproxy_config(const std::string &host, std::uint16_t port, const std::string &backend,
			   unsigned threads, const std::string &dir)
{
	const std::string maxconn = std::to_string(proxy_max_conns());
	// No "log" line anywhere: HAProxy logs nothing.  Long client and
	// server timeouts: a benchmark's idle connections stay.
	return "# syncsock-bench: HAProxy relaying to the bench's backend\n"
	       "global\n"
	       "    nbthread " + std::to_string(threads) + "\n"
	       "    maxconn " + maxconn + "\n"
	       "    pidfile " + dir + "/haproxy.pid\n"
	       "defaults\n"
	       "    mode tcp\n"
	       "    maxconn " + maxconn + "\n"
	       "    timeout connect 3s\n"
	       "    timeout client 10m\n"
	       "    timeout server 10m\n"
	       "frontend clients\n"
	       "    bind " + host + ":" + std::to_string(port) + " backlog 4096\n"
	       "    default_backend backends\n"
	       "backend backends\n"
	       "    server backend " + backend + "\n";
}

std::string nginx_config(const std::string &host, std::uint16_t port, const std::string &backend,
			 unsigned threads, const std::string &dir)
{
	// One worker per CPU; with one, no master either (the worker is the
	// process measured).  No access log (stream logs only with
	// access_log), errors only, to stderr.
	std::string s = "# syncsock-bench: nginx stream relaying to the bench's backend\n"
			"load_module " + std::string(kNginxStreamModule) + ";\n"
			"daemon off;\n";
	if (threads <= 1)
		s += "master_process off;\n";
	else
		s += "worker_processes " + std::to_string(threads) + ";\n";
	s += "pid " + dir + "/nginx.pid;\n"
	     "error_log stderr error;\n"
	     "worker_rlimit_nofile " + std::to_string(2 * proxy_max_conns() + 64) + ";\n"
	     "events {\n"
	     // Descriptors, not relayed connections: two each.
	     "    worker_connections " + std::to_string(2 * proxy_max_conns()) + ";\n"
	     "    multi_accept on;\n"
	     "}\n"
	     "stream {\n"
	     "    server {\n"
	     "        listen " + host + ":" + std::to_string(port) + " backlog=4096" +
	     (threads > 1 ? " reuseport" : "") + ";\n"
	     "        proxy_pass " + backend + ";\n"
	     "        proxy_connect_timeout 3s;\n"
	     "        proxy_timeout 10m;\n"
	     "    }\n"
	     "}\n";
	return s;
}

namespace {

std::string last_lines(const std::string &text)
{
	std::string t = text;
	while (!t.empty() && t.back() == '\n')
		t.pop_back();
	auto p = t.rfind('\n');
	p = p == std::string::npos ? 0 : t.rfind('\n', p ? p - 1 : 0);
	t = p == std::string::npos ? t : t.substr(p + 1);
	std::replace(t.begin(), t.end(), '\n', ' ');
	return t.empty() ? "no output" : t;
}

} // namespace

ProxyServer::ProxyServer() = default;

ProxyServer::~ProxyServer()
{
	stop();
}

void ProxyServer::stop()
{
	if (pid_ > 0)
		stop_server_process(pid_);
	pid_ = -1;
	kc_.reset();	// deletes the listener it added
	kid_ = 0;
	if (!dir_.empty()) {
		for (const char *f : {"/haproxy.cfg", "/nginx.conf", "/out.log", "/haproxy.pid",
				      "/nginx.pid"})
			unlink((dir_ + f).c_str());
		rmdir(dir_.c_str());
		dir_.clear();
	}
}

bool ProxyServer::start(const std::string &path, const std::string &host, std::uint16_t port,
			const std::string &backend, unsigned threads, const std::vector<int> &cpus,
			const std::string &device, std::string &error)
{
	stop();
	if (!is_proxy_path(path)) {
		error = "no proxy path '" + path + "' (proxy, haproxy, nginx, relay)";
		return false;
	}
	std::string bhost;
	std::uint16_t bport = 0;
	if (backend.find(':') == std::string::npos || !control::parse_where(backend, bhost, bport)) {
		error = "the " + path + " path needs a backend, ADDRESS:PORT (got '" + backend + "')";
		return false;
	}
	if (!proxy_available(path, device, error))
		return false;
	if (threads == 0)
		threads = 1;
	// A listener already there (a proxy a killed run left behind) would
	// pass for this one.
	if (wait_listening(port, 0)) {
		error = "port " + std::to_string(port) + " is taken: a proxy left by an earlier run? "
			"(ss -ltnp 'sport = :" + std::to_string(port) + "')";
		return false;
	}
	if (path == "proxy") {
		kc_ = KernelControl::open(device, error);
		if (!kc_)
			return false;
		kid_ = kc_->ensure(host, port, "proxy", "backends=" + backend, error);
		if (!kid_) {
			kc_.reset();
			return false;
		}
		return true;
	}
	if (path == "relay") {
		try {
			pid_ = start_server_process("relay", host, port, threads, cpus, backend);
		} catch (const std::exception &e) {
			error = e.what();
			return false;
		}
		return true;
	}
	char tmpl[] = "/tmp/syncsock-bench-proxy.XXXXXX";
	if (!mkdtemp(tmpl)) {
		error = std::string("mkdtemp: ") + strerror(errno);
		return false;
	}
	dir_ = tmpl;
	// The limits the configurations are sized by.
	raise_nofile(1 << 20);
	std::string conf, text, log = dir_ + "/out.log";
	std::vector<std::string> argv;
	if (path == "haproxy") {
		conf = dir_ + "/haproxy.cfg";
		text = haproxy_config(host, port, backend, threads, dir_);
		argv = {program_path("haproxy"), "-db", "-f", conf};
	} else {
		conf = dir_ + "/nginx.conf";
		text = nginx_config(host, port, backend, threads, dir_);
		argv = {program_path("nginx"), "-e", "stderr", "-p", dir_ + "/", "-c", conf};
	}
	std::ofstream f(conf);
	f << text;
	f.close();
	if (!f) {
		error = "cannot write " + conf + ": " + strerror(errno);
		stop();
		return false;
	}
	pid_ = spawn(argv, cpus, log);
	if (pid_ < 0) {
		error = std::string("fork: ") + strerror(errno);
		pid_ = -1;
		return false;
	}
	track_server_child(pid_);
	// Listening within 10 s, and still there.
	std::uint64_t until = now_ns() + 10000000000ull;
	int status;
	while (true) {
		if (waitpid(pid_, &status, WNOHANG) == pid_) {
			error = path + " exited at start: " + last_lines(read_file(log));
			pid_ = -1;
			return false;
		}
		if (wait_listening(port, 0))
			return true;
		if (now_ns() > until) {
			error = path + " is not listening on port " + std::to_string(port) +
				" after 10 s: " + last_lines(read_file(log));
			stop();
			return false;
		}
		usleep(20000);
	}
}

} // namespace ssb
