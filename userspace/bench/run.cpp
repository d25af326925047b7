// SPDX-License-Identifier: GPL-2.0
#include "run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include "client.hpp"
#include "control.hpp"
#include "external.hpp"
#include "http.hpp"
#include "kernel.hpp"
#include "net.hpp"
#include "proxies.hpp"
#include "report.hpp"
#include "servers.hpp"
#include "stats.hpp"
#include "sysstat.hpp"
#include "trace.hpp"

#ifndef SYNCSOCK_BENCH_VERSION
#define SYNCSOCK_BENCH_VERSION "0"
#endif

namespace ssb {

namespace {

bool tty_progress = false;
bool quiet = false;
std::uint64_t last_progress_line = 0;

// Progress: rewritten in place on a terminal; elsewhere (a log, a guest's
// serial line) a line every 5 s at most.
void progress(const std::string &line)
{
	if (quiet)
		return;
	if (tty_progress) {
		std::fprintf(stderr, "\r\033[K%s", line.c_str());
	} else {
		std::uint64_t now = now_ns();
		if (now - last_progress_line < 5000000000ull)
			return;
		last_progress_line = now;
		std::fprintf(stderr, "  ... %s\n", line.c_str());
	}
	std::fflush(stderr);
}

// A terminal that is not a serial line (a guest's ttyS* is a log).
bool interactive(int fd)
{
	if (!isatty(fd))
		return false;
	const char *name = ttyname(fd);
	const char *term = std::getenv("TERM");
	if (name && std::strncmp(name, "/dev/ttyS", 9) == 0)
		return false;
	return !term || std::strcmp(term, "dumb") != 0;
}

void say(const std::string &line)
{
	last_progress_line = now_ns();
	if (tty_progress)
		std::fprintf(stderr, "\r\033[K");
	std::fprintf(stderr, "%s\n", line.c_str());
	std::fflush(stderr);
}

std::string cpu_model()
{
	std::string text = read_file("/proc/cpuinfo");
	auto p = text.find("model name");
	if (p == std::string::npos)
		return "unknown";
	auto colon = text.find(':', p);
	auto eol = text.find('\n', p);
	std::string m = text.substr(colon + 1, eol - colon - 1);
	while (!m.empty() && m.front() == ' ')
		m.erase(0, 1);
	return m;
}

std::string iso_date()
{
	std::time_t t = std::time(nullptr);
	char buf[64];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
	return buf;
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

std::string self_exe()
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return "syncsock-bench";
	buf[n] = 0;
	return buf;
}

// The port a path's server listens on: --port plus the path's place in
// the path order; the kernel listener's is --kernel-port, or --port + 10.
std::uint16_t path_port(const Options &o, const std::string &path)
{
	if (path == "kernel")
		return o.kernel_port ? o.kernel_port : std::uint16_t(o.port + 10);
	if (is_proxy_path(path)) {
		auto &pp = proxy_paths();
		return std::uint16_t(o.port + 20 + (std::find(pp.begin(), pp.end(), path) - pp.begin()));
	}
	auto &po = path_order();
	return std::uint16_t(o.port + (std::find(po.begin(), po.end(), path) - po.begin()));
}

void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {time_t(s), long((s - std::floor(s)) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

struct Placement {
	std::vector<int> client;	// CPU of client thread i
	std::vector<int> server;	// CPU of server worker i
};

Placement placement(const Options &o)
{
	Placement p;
	if (o.pin == "none")
		return p;
	auto cpus = allowed_cpus();
	p.client = cpus;
	p.server = cpus;
	if (o.pin == "cross" && cpus.size() > 1)
		std::rotate(p.server.begin(), p.server.begin() + 1, p.server.end());
	return p;
}

// The server child running now, killed (its process group) if we are
// interrupted: a spinning server must not outlive the benchmark.
volatile sig_atomic_t g_child = -1;

void on_signal(int sig)
{
	pid_t pid = g_child;
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void track_child(pid_t pid)
{
	g_child = pid;
}

// A user-space server in a child process: the server's context switches and
// CPU time are the child's.
struct ServerProc {
	pid_t pid = -1;
	~ServerProc() { stop(); }
	void stop()
	{
		if (pid > 0) {
			kill_wait(pid);
			track_child(-1);
		}
		pid = -1;
	}
};

} // namespace

namespace {
// net.core.busy_poll before an epoll-busy server set it, or empty.
std::string busy_poll_saved;
const char kBusyPollSysctl[] = "/proc/sys/net/core/busy_poll";

// epoll's busy polling without per-epoll parameters (before 6.9) is the
// system's: on while an epoll-busy server runs, then back as it was.
void busy_poll_sysctl(bool on)
{
	if (on && busy_poll_saved.empty() && !epoll_busy_poll_supported()) {
		std::string cur = trim(read_file(kBusyPollSysctl));
		if (!cur.empty() && cur == "0") {
			std::ofstream(kBusyPollSysctl) << kBusyPollUsecs << "\n";
			busy_poll_saved = cur;
		}
	} else if (!on && !busy_poll_saved.empty()) {
		std::ofstream(kBusyPollSysctl) << busy_poll_saved << "\n";
		busy_poll_saved.clear();
	}
}
} // namespace

void track_server_child(pid_t pid)
{
	track_child(pid);
}

pid_t start_server_process(const std::string &kind, const std::string &host, std::uint16_t port,
			   unsigned threads, const std::vector<int> &cpus, const std::string &backend)
{
	if (kind == "epoll-busy")
		busy_poll_sysctl(true);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		throw std::runtime_error(std::string("pipe: ") + strerror(errno));
	std::vector<std::string> argv = {self_exe(),   "serve", kind,	  "--host",
					 host,	       "--port", std::to_string(port),
					 "--threads", std::to_string(threads), "--cpus",
					 cpu_list(cpus), "--ready-fd", "3"};
	if (!backend.empty()) {
		argv.push_back("--backend");
		argv.push_back(backend);
	}
	std::vector<char *> args;
	for (auto &a : argv)
		args.push_back(a.data());
	args.push_back(nullptr);
	pid_t pid = fork();
	if (pid < 0)
		throw std::runtime_error(std::string("fork: ") + strerror(errno));
	if (pid == 0) {
		dup2(p[1], 3);	// dup2 clears O_CLOEXEC on 3
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);	// never outlive the benchmark
		execv(args[0], args.data());
		_exit(127);
	}
	close(p[1]);
	track_child(pid);
	pollfd pf = {p[0], POLLIN, 0};
	char buf[16] = {};
	int r = poll(&pf, 1, 20000);
	ssize_t n = r > 0 ? read(p[0], buf, sizeof(buf) - 1) : 0;
	close(p[0]);
	if (n <= 0 || std::strncmp(buf, "ready", 5) != 0) {
		stop_server_process(pid);
		throw std::runtime_error("the " + kind + " server did not start (port " +
					 std::to_string(port) + ")");
	}
	return pid;
}

void stop_server_process(pid_t pid)
{
	if (pid > 0) {
		kill_wait(pid);
		track_child(-1);
	}
	busy_poll_sysctl(false);
}

namespace {

void start_server(ServerProc &sp, const std::string &kind, const Options &o, std::uint16_t port,
		  const Placement &pl, unsigned threads)
{
	sp.stop();
	sp.pid = start_server_process(kind, o.host, port, threads, pl.server);
}

// The counters a run is judged by, each group with the count of replies
// the client had at the moment it was read: reading a blocking server's
// 10,000 threads takes a while, and the replies meanwhile are its
// denominator.
struct Snapshot {
	SystemCpu sys;
	std::map<int, SystemCpu> cpus;	// this host's, per CPU
	json::Value remote;	// the serving host's sample (run --server)
	std::string remote_error;	// why there is none
	std::uint64_t done_remote = 0;
	struct rusage self {};
	std::uint64_t done_sys = 0;
	CtxSwitches server;
	ProcessCpu server_cpu;
	std::uint64_t done_srv = 0;
	std::map<std::string, std::uint64_t> kcount;
	std::uint64_t done_k = 0;
};

struct CellContext {
	const Options &o;
	Placement pl;
	KernelControl *kc = nullptr;
	std::uint32_t kernel_id = 0;
	std::uint16_t kernel_port = 0;
	unsigned ncpu = 1;
	bool trace = false;	// --trace, and the tracer is there
	control::Remote *remote = nullptr;	// run --server
	std::string backend;	// the proxy paths' backend, ADDRESS:PORT
};

// Before the window (@before): the slow readings first and /proc/stat last;
// after it, /proc/stat first.
Snapshot snap(pid_t server, CellContext &cx, KernelControl *kc, std::uint32_t kid, const Client &cl,
	      bool before)
{
	Snapshot s;
	auto fast = [&] {
		std::string stat = read_file("/proc/stat");
		s.sys = parse_proc_stat(stat).value_or(SystemCpu{});
		s.cpus = parse_proc_stat_cpus(stat);
		getrusage(RUSAGE_SELF, &s.self);
		s.done_sys = cl.completed_so_far();
	};
	auto slow = [&] {
		if (cx.remote) {
			s.remote = cx.remote->sample(s.remote_error).value_or(json::Value());
			s.done_remote = cl.completed_so_far();
			return;
		}
		if (kc && kid) {
			s.kcount = kc->counters(kid);
			s.done_k = cl.completed_so_far();
		}
		if (server > 0) {
			s.server = group_ctx(server);
			s.server_cpu = group_cpu(server);
			s.done_srv = cl.completed_so_far();
		}
	};
	if (before) {
		slow();
		fast();
	} else {
		fast();
		slow();
	}
	return s;
}

double tv_us(const timeval &t)
{
	return double(t.tv_sec) * 1e6 + double(t.tv_usec);
}

// The general caches and syncsock's own (struct syncsock_conn has a cache).
std::uint64_t kmalloc_bytes(const std::map<std::string, std::uint64_t> &slab)
{
	std::uint64_t sum = 0;
	for (auto &[k, v] : slab)
		if (k.rfind("kmalloc-", 0) == 0 || k.rfind("syncsock", 0) == 0)	// not dma-, not cg-
			sum += v;
	return sum;
}

struct MemSnap {
	std::uint64_t slab_kib = 0;
	std::uint64_t free_kib = 0;	// pages included: what the system has left
	std::uint64_t kmalloc = 0;
	bool have_slabinfo = false;
};

MemSnap mem_snap()
{
	MemSnap m;
	auto mi = parse_meminfo(read_file("/proc/meminfo"));
	m.slab_kib = mi.count("Slab") ? mi["Slab"] : 0;
	m.free_kib = mi.count("MemFree") ? mi["MemFree"] : 0;
	std::string si = read_file("/proc/slabinfo");
	if (!si.empty()) {
		m.have_slabinfo = true;
		m.kmalloc = kmalloc_bytes(parse_slabinfo(si));
	}
	return m;
}

void raise_threads_max(unsigned want)
{
	std::string cur = read_file("/proc/sys/kernel/threads-max");
	if (cur.empty() || std::stoul(cur) >= want)
		return;
	std::ofstream f("/proc/sys/kernel/threads-max");
	f << want << "\n";
}

// How a cell drives its server: closed loop at a depth, open loop at a
// rate (fixed, or a fraction of the path's peak), or churn.
struct CellMode {
	std::string mode = "closed";	// closed, open, churn
	double rate = 0;	// open loop: messages/s
	double load = 0;	// open loop: the fraction of @base it is
	double base = 0;	// the path's open-loop capacity, req/s
	double base_busy = 0;	// its server's busy fraction there (two hosts)
	double peak = 0;	// the path's closed-loop peak, req/s
	json::Value search;	// the rates tried to find @base
};

// The client host's net.ipv4.tcp_tw_reuse, 1 while churn cells run: every
// cycle leaves a connection in TIME_WAIT on the client, and a few seconds
// of them fill the local port range; connect() may reuse them (timestamps
// tell old segments apart).  Restored when it goes.
class TwReuse {
public:
	TwReuse()
	{
		saved_ = trim(read_file(kPath));
		if (!saved_.empty() && saved_ != "1")
			std::ofstream(kPath) << "1\n";
	}
	~TwReuse()
	{
		if (!saved_.empty() && saved_ != "1")
			std::ofstream(kPath) << saved_ << "\n";
	}
	TwReuse(const TwReuse &) = delete;
	TwReuse &operator=(const TwReuse &) = delete;

private:
	static constexpr const char *kPath = "/proc/sys/net/ipv4/tcp_tw_reuse";
	std::string saved_;
};

std::string cell_name(const std::string &path, unsigned conns, std::size_t size)
{
	char buf[128];
	std::snprintf(buf, sizeof(buf), "%-15s %5u conns %5zu B", path.c_str(), conns, size);
	return buf;
}

json::Value run_cell(CellContext &cx, const std::string &path, unsigned conns, std::size_t size,
		     unsigned depth, const CellMode &m, const std::string &tag)
{
	const Options &o = cx.o;
	const bool churn = m.mode == "churn";
	json::Value r = json::Value::object();
	r["client"] = "syncsock-bench";
	r["path"] = path;
	r["conns"] = conns;
	r["msg_size"] = std::uint64_t(size);
	r["depth"] = churn ? 1u : depth;
	r["mode"] = m.mode;
	r["rate"] = round_to(m.rate, 1);
	if (m.load > 0) {
		json::Value l = json::Value::object();
		l["fraction"] = m.load;
		l["capacity_rps"] = round_to(m.base, 1);
		if (m.base_busy > 0)
			l["capacity_server_busy"] = round_to(m.base_busy, 4);
		l["peak_rps"] = round_to(m.peak, 1);
		l["search"] = m.search;
		r["load"] = l;
	}
	r["duration_s"] = o.duration;
	r["warmup_s"] = o.warmup;
	auto fail = [&](const std::string &why) {
		r["requests"] = 0;
		r["throughput_rps"] = 0;
		r["verified_bytes"] = 0;
		r["errors"] = 1;
		r["error"] = why;
		say(tag + " " + cell_name(path, conns, size) + ": FAILED: " + why);
		return r;
	};

	bool kernel = path == "kernel";
	// The paths with no server process: the module's counters stand for it.
	const bool in_kernel = kernel || path == "proxy";
	const bool proxied = is_proxy_path(path);
	unsigned sthreads = o.server_threads ? o.server_threads : cx.ncpu;
	ServerProc sp;
	ProxyServer proxy;
	std::uint16_t port;
	std::string connect_host = o.host;
	if (cx.remote) {
		// The serving side's own CPUs, one worker each.
		std::size_t rc = cx.remote->server_cpus().size();
		sthreads = o.server_threads ? o.server_threads : unsigned(std::max<std::size_t>(rc, 1));
		std::string err;
		progress(tag + " " + cell_name(path, conns, size) + ": starting it on " +
			 cx.remote->address());
		port = cx.remote->start(path, path_port(o, path), sthreads, err,
					proxied ? cx.backend : std::string());
		if (!port)
			return fail(err);
		connect_host = cx.remote->address();
	} else if (kernel) {
		if (!cx.kc || !cx.kernel_id)
			return fail("no syncsock listener (is syncsock.ko loaded?)");
		port = cx.kernel_port;
	} else if (proxied) {
		port = path_port(o, path);
		raise_nofile(std::uint64_t(conns) * 4 + 1024);
		std::string err;
		if (!proxy.start(path, o.host, port, cx.backend, sthreads, cx.pl.server, o.device, err))
			return fail(err);
	} else {
		port = path_port(o, path);
		if (path == "blocking")
			raise_threads_max(conns * 2 + 4096);
		raise_nofile(std::uint64_t(conns) * 2 + 1024);
		try {
			start_server(sp, path, o, port, cx.pl, sthreads);
		} catch (const std::exception &e) {
			return fail(e.what());
		}
	}
	r["server_threads"] = in_kernel ? 0u : (path == "blocking" ? conns : sthreads);
	if (proxied)
		r["backend"] = cx.backend;

	ClientConfig cc;
	cc.addr = make_addr(connect_host, port);
	cc.conns = conns;
	cc.msg_size = size;
	cc.depth = churn ? 1 : depth;
	cc.rate = m.rate;
	cc.churn = churn;
	cc.threads = o.client_threads ? o.client_threads : cx.ncpu;
	cc.cpus = cx.pl.client;
	std::string name = tag + " " + cell_name(path, conns, size);
	// The tracer attaches before the first connection, and is stopped
	// once the run's replies have drained.
	TraceRun tr;
	bool traced = false;
	if (cx.trace) {
		progress(name + ": attaching syncsock-trace");
		traced = tr.start(o.trace_program, port, 120);
		if (!traced)
			say(tag + " " + cell_name(path, conns, size) + ": " + tr.error() +
			    " (the run goes untraced)");
	}
	std::unique_ptr<TwReuse> tw;
	if (churn)
		tw = std::make_unique<TwReuse>();
	MemSnap m0 = mem_snap();
	Client cl(cc);
	try {
		cl.connect([&](unsigned n) {
			progress(name + ": connecting " + std::to_string(n) + "/" + std::to_string(conns));
		});
	} catch (const std::exception &e) {
		return fail(e.what());
	}
	cl.start();
	// Warm-up: its time, and until every connection has been answered
	// once (accepted and served), at most two minutes.
	std::uint64_t w0 = now_ns();
	while (true) {
		std::uint64_t el = now_ns() - w0;
		bool all = cl.answered_conns() >= conns;
		if ((el >= std::uint64_t(o.warmup * 1e9) && all) || el > 120000000000ull ||
		    cl.failed())
			break;
		progress(name + ": warm-up, " + fmt_count(double(cl.answered_conns())) + "/" +
			 fmt_count(conns) + " connections answered");
		sleep_s(0.05);
	}
	r["warmup_answered_s"] = round_to(double(now_ns() - w0) / 1e9, 3);
	// Read once: the count goes on rising while the message is made.
	if (std::uint64_t answered = cl.answered_conns(); answered < conns) {
		cl.measure_end();
		cl.finish();
		return fail(std::to_string(conns - answered) + " of " + std::to_string(conns) +
			    " connections not answered within two minutes of warm-up");
	}
	MemSnap m1 = mem_snap();
	KernelControl *skc = kernel ? cx.kc : proxy.kernel();
	std::uint32_t skid = kernel ? cx.kernel_id : proxy.kernel_id();
	// The process measured: the server's, or the proxy's (it owns it).
	const pid_t measured = proxied ? proxy.pid() : sp.pid;
	Snapshot a = snap(measured, cx, skc, skid, cl, true);
	std::uint64_t c0 = cl.completed_so_far();
	cl.measure_begin();
	std::uint64_t t0 = now_ns();
	std::uint64_t end = t0 + std::uint64_t(o.duration * 1e9);
	while (true) {
		std::uint64_t now = now_ns();
		if (now >= end)
			break;
		double el = double(now - t0) / 1e9;
		progress(name + ": " + fmt_fixed(el, 1) + "/" + fmt_fixed(o.duration, 1) + " s, " +
			 fmt_count(el > 0 ? double(cl.completed_so_far() - c0) / el : 0) + " req/s");
		sleep_s(std::min(0.25, double(end - now) / 1e9));
	}
	std::uint64_t t1 = now_ns();
	cl.measure_end();
	Snapshot b = snap(measured, cx, skc, skid, cl, false);
	ClientResult res = cl.finish();
	if (cx.trace) {
		json::Value t = traced ? tr.stop() : json::Value::object();
		if (!traced)
			t["error"] = tr.error();
		r["trace"] = t;
	}
	cl.close_all();
	proxy.stop();
	sp.stop();
	if (cx.remote) {
		std::string err;
		if (!cx.remote->stop(err))
			say(tag + " " + err);
		// The serving side's figures where the local ones would be.
		for (Snapshot *x : {&a, &b}) {
			x->done_srv = x->done_k = x->done_remote;
			const json::Value &srv = json::get(x->remote, "server");
			x->server.voluntary = json::count(json::get(srv, "ctx"));
			x->server_cpu.utime = json::count(json::get(srv, "cpu_ticks"));
			const json::Value &kc = json::get(x->remote, "kernel");
			if (kc.is_object())
				for (auto &[k, v] : kc.items())
					x->kcount[k] = json::count(v);
		}
		if (a.remote.is_null() || b.remote.is_null()) {
			res.errors++;
			if (res.first_error.empty())
				res.first_error = "no sample from the serving host: " +
						  (a.remote.is_null() ? a.remote_error : b.remote_error);
		}
	}

	double window = double(t1 - t0) / 1e9;
	double req = double(res.completed);
	auto per_of = [](std::uint64_t x, std::uint64_t y) { return y > x ? 1.0 / double(y - x) : NAN; };
	double per = per_of(a.done_sys, b.done_sys);
	double per_srv = per_of(a.done_srv, b.done_srv);
	double per_k = per_of(a.done_k, b.done_k);
	Summary s = summarize(res.samples);
	r["requests"] = res.completed;
	r["throughput_rps"] = round_to(window > 0 ? req / window : 0, 1);
	r["window_s"] = round_to(window, 4);
	r["verified_bytes"] = res.verified_bytes;
	r["errors"] = res.errors;
	r["missed"] = res.missed;
	r["unanswered"] = res.unanswered;
	if (!res.first_error.empty())
		r["error"] = res.first_error;
	if (churn)
		r["cycles"] = res.cycles;
	if (m.rate > 0) {
		// A run that fell behind its schedule measured a closed loop:
		// its percentiles are not the rate's, so it fails.
		std::string why = open_loop_shortfall(m.rate, window > 0 ? req / window : 0, res.missed);
		r["rate_kept"] = why.empty();
		if (!why.empty()) {
			r["errors"] = res.errors + 1;
			if (res.first_error.empty())
				r["error"] = why;
			say(tag + " " + cell_name(path, conns, size) + ": " + why);
		}
	}
	json::Value l = json::Value::object();
	l["min"] = round_to(s.min / 1e3, 3);
	l["mean"] = round_to(s.mean / 1e3, 3);
	l["p50"] = round_to(s.p50 / 1e3, 3);
	l["p90"] = round_to(s.p90 / 1e3, 3);
	l["p99"] = round_to(s.p99 / 1e3, 3);
	l["p99.9"] = round_to(s.p999 / 1e3, 3);
	l["max"] = round_to(s.max / 1e3, 3);
	r["latency_us"] = l;
	json::Value cdf = json::Value::array();
	for (auto &[v, f] : cdf_points(res.samples, 1e3))
		cdf.push_back(json::Value(json::Array{v, f}));
	r["cdf_us"] = cdf;

	double tick_us = 1e6 / double(ticks_per_second());
	auto d = [&](std::uint64_t x, std::uint64_t y) { return double(y - x); };
	json::Value cpu = json::Value::object();
	double user = d(a.sys.user + a.sys.nice, b.sys.user + b.sys.nice) * tick_us * per;
	double sys = d(a.sys.system, b.sys.system) * tick_us * per;
	double irq = d(a.sys.irq, b.sys.irq) * tick_us * per;
	double si = d(a.sys.softirq, b.sys.softirq) * tick_us * per;
	cpu["user"] = round_to(user, 3);
	cpu["system"] = round_to(sys, 3);
	cpu["softirq"] = round_to(si, 3);
	cpu["irq"] = round_to(irq, 3);
	cpu["total"] = round_to(user + sys + si + irq, 3);
	double tot = d(a.sys.total(), b.sys.total());
	r["cpu_busy"] = round_to(tot > 0 ? d(a.sys.busy(), b.sys.busy()) / tot : 0, 4);
	if (cx.remote) {
		// Each host's CPUs on their own: the server's are the serving
		// host's CPUs its paths run on; all the client host's are the
		// client's.
		json::Value split = json::Value::object();
		std::vector<int> own = cx.remote->server_cpus();
		long rhz = long(json::num(b.remote, "tick_hz", 100));
		json::Value sv =
			control::cpu_split(control::cpus_from_json(json::get(a.remote, "cpus")),
					   control::cpus_from_json(json::get(b.remote, "cpus")),
					   own, double(b.done_remote - a.done_remote), rhz);
		json::Value cv = control::cpu_split(a.cpus, b.cpus, {},
						    double(b.done_sys - a.done_sys),
						    ticks_per_second());
		bool same_host = json::str(cx.remote->host(), "boot_id") ==
				 read_file("/proc/sys/kernel/random/boot_id");
		bool leaking = same_host || json::num(sv, "own_share") < 0.9;
		sv["leaking"] = leaking;
		if (same_host)
			sv["why"] = "client and server share one kernel: not an isolated server";
		else if (leaking)
			sv["why"] = "under 90 % of the serving host's busy time ran on the "
				    "server's CPUs";
		double sus = json::num(json::get(sv, "us_per_req"), "total");
		double cap = sus > 0 ? double(own.size()) * 1e6 / sus : 0;
		sv["capacity_rps_derived"] = round_to(cap, 1);
		split["server"] = sv;
		split["client"] = cv;
		r["split"] = split;
		for (const char *k : {"user", "system", "softirq", "irq", "total"})
			cpu[k] = round_to(json::num(json::get(sv, "us_per_req"), k) +
						  json::num(json::get(cv, "us_per_req"), k),
					  3);
		r["cpu_busy"] = json::num(sv, "busy");
	}
	r["cpu_us_per_req"] = cpu;

	json::Value ctx = json::Value::object();
	double client_ctx = double((b.self.ru_nvcsw + b.self.ru_nivcsw) -
				   (a.self.ru_nvcsw + a.self.ru_nivcsw));
	if (in_kernel) {
		// No server process: what could switch on the server side is
		// the module's process-context work (a kworker run each).
		double runs = double(b.kcount["work_runs"] - a.kcount["work_runs"]);
		ctx["server"] = round_to(runs * per_k, 4);
	} else {
		ctx["server"] = round_to(double(b.server.total() - a.server.total()) * per_srv, 4);
	}
	ctx["client"] = round_to(client_ctx * per, 4);
	ctx["system"] = round_to(d(a.sys.ctxt, b.sys.ctxt) * per, 4);
	r["ctx_per_req"] = ctx;

	json::Value pc = json::Value::object();
	pc["server"] =
		in_kernel ? json::Value()
			  : json::Value(round_to(double((b.server_cpu.utime + b.server_cpu.stime) -
							(a.server_cpu.utime + a.server_cpu.stime)) *
							 tick_us * per_srv,
						 3));
	pc["client"] = round_to((tv_us(b.self.ru_utime) + tv_us(b.self.ru_stime) -
				 tv_us(a.self.ru_utime) - tv_us(a.self.ru_stime)) *
					per,
				3);
	r["process_cpu_us_per_req"] = pc;

	if (in_kernel) {
		json::Value k = json::Value::object();
		// A counter that went back (a restarted serving side) moved
		// by nothing, not by 2^64 less something.
		auto moved = [&](const char *n) {
			std::uint64_t x = a.kcount[n], y = b.kcount[n];
			return y >= x ? y - x : 0;
		};
		for (const char *n : {"rx_softirq", "rx_process", "rx_deferred", "work_runs",
				      "tx_inline_bytes", "tx_inline_softirq_bytes", "tx_queued_bytes",
				      "rx_bytes"})
			k[n] = moved(n);
		// The proxy's forwards: in the receiving softirq or queued,
		// spliced or copied.
		if (path == "proxy")
			for (const char *n : {"fwd_inline", "fwd_queued", "fwd_spliced_bytes",
					      "fwd_copied_bytes", "fwd_up_bytes", "fwd_down_bytes",
					      "fwd_paused", "connects", "connected"})
				k[n] = moved(n);
		r["kernel_counters"] = k;
	}
	json::Value mem = json::Value::object();
	mem["slab_kib_delta"] = double(m1.slab_kib) - double(m0.slab_kib);
	if (m0.have_slabinfo)
		mem["kmalloc_bytes_delta"] = double(m1.kmalloc) - double(m0.kmalloc);
	r["memory"] = mem;

	std::string line = name + ": ";
	if (res.errors)
		line += "FAILED: " + res.first_error;
	else
		line += fmt_count(req / window) + (churn ? " conn/s" : " req/s") + ", p50 " +
			fmt_us(s.p50 / 1e3) + " us, p99 " + fmt_us(s.p99 / 1e3) + " us, " +
			fmt_fixed(json::num(ctx, "server"), 2) + " ctx/req server";
	if (const json::Value *sp_ = json::find(json::get(r, "split"), "server"))
		line += ", server CPU " + fmt_fixed(json::num(*sp_, "busy") * 100, 0) +
			" % busy, " +
			fmt_fixed(json::num(json::get(*sp_, "us_per_req"), "total"), 1) +
			" us/req" +
			(json::flag(*sp_, "leaking") ? " (LEAKING: " + json::str(*sp_, "why") + ")"
						     : "");
	say(line);
	return r;
}

// ---- sockperf and wrk --------------------------------------------------------

json::Value sockperf_run(const Options &o, const std::string &server, std::uint16_t port,
			 std::size_t size, int client_cpu)
{
	json::Value r = json::Value::object();
	r["tool"] = "sockperf";
	r["server"] = server;
	r["msg_size"] = std::uint64_t(size);
	r["conns"] = 1;
	r["duration_s"] = o.ext_duration;
	std::vector<std::string> argv = {"sockperf", "ping-pong", "--tcp", "-i", o.host, "-p",
					 std::to_string(port), "-t",
					 // sockperf drops the first 0.4 s and more at the end
					 std::to_string(std::max(2, int(std::ceil(o.ext_duration)))), "-m",
					 std::to_string(size), "--full-rtt", "--no-rdtsc"};
	std::string cmd;
	for (auto &a : argv)
		cmd += (cmd.empty() ? "" : " ") + a;
	r["command"] = cmd;
	int status;
	std::string out = run_capture(argv, client_cpu, o.ext_duration + 60, status);
	auto p = parse_sockperf(out);
	if (!p) {
		std::string tail = strip_ansi(out);
		if (tail.size() > 300)
			tail = tail.substr(tail.size() - 300);
		r["error"] = "sockperf output not understood (status " + std::to_string(status) +
			     "): " + tail;
		say("sockperf " + server + ": FAILED");
		return r;
	}
	json::Value l = json::Value::object();
	l["avg"] = p->avg;
	l["p50"] = p->p50;
	l["p90"] = p->p90;
	l["p99"] = p->p99;
	l["p99.9"] = p->p999;
	l["max"] = p->max;
	r["latency_us"] = l;
	r["observations"] = p->observations;
	r["throughput_rps"] = round_to(p->rps(), 1);
	say("sockperf ping-pong " + std::to_string(size) + " B vs " + server + ": " +
	    fmt_count(p->rps()) + " msg/s, p50 " + fmt_us(p->p50) + " us, p99 " + fmt_us(p->p99) +
	    " us (round trip)");
	return r;
}

void run_sockperf(const Options &o, CellContext &cx, json::Value &ext)
{
	if (!have_program("sockperf")) {
		say("sockperf is not installed: skipped");
		return;
	}
	std::uint16_t kport = std::uint16_t(o.port + 11), uport = std::uint16_t(o.port + 12);
	std::uint32_t kid = 0;
	std::string err;
	if (cx.kc)
		kid = cx.kc->ensure(o.host, kport, "sockperf", "", err);
	int client_cpu = cx.pl.client.empty() ? -1 : cx.pl.client[0];
	int server_cpu = cx.pl.server.empty() ? -1 : cx.pl.server[0];
	std::string feed = "/tmp/syncsock-bench-feed." + std::to_string(getpid());
	{
		std::ofstream f(feed);
		f << "T:" << o.host << ":" << uport << "\n";
	}
	for (auto size : o.sockperf_sizes) {
		if (kid) {
			ext.push_back(sockperf_run(o, "kernel", kport, size, client_cpu));
		} else {
			json::Value r = json::Value::object();
			r["tool"] = "sockperf";
			r["server"] = "kernel";
			r["msg_size"] = std::uint64_t(size);
			r["error"] = err.empty() ? "no syncsock" : err;
			ext.push_back(r);
		}
		for (std::string mux : {"epoll", "recvfrom"}) {
			std::string log = "/tmp/syncsock-bench-sockperf." + std::to_string(getpid());
			pid_t pid = spawn({"sockperf", "server", "-f", feed, "-F", mux}, server_cpu, log);
			track_child(pid);
			if (pid < 0 || !wait_listening(uport, 10)) {
				kill_wait(pid);
				json::Value r = json::Value::object();
				r["tool"] = "sockperf";
				r["server"] = "sockperf-" + mux;
				r["msg_size"] = std::uint64_t(size);
				r["error"] = "sockperf server did not start: " + read_file(log);
				ext.push_back(r);
				continue;
			}
			ext.push_back(sockperf_run(o, "sockperf-" + mux, uport, size, client_cpu));
			kill_wait(pid);
			track_child(-1);
			unlink(log.c_str());
		}
	}
	unlink(feed.c_str());
}

// One request on a fresh connection: the response bytes.
std::string http_fetch(const std::string &host, std::uint16_t port, std::size_t want)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in a = make_addr(host, port);
	std::string out;
	if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0) {
		std::string rq = "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
		(void)!send(fd, rq.data(), rq.size(), MSG_NOSIGNAL);
		std::uint64_t deadline = now_ns() + 5000000000ull;
		while (out.size() < want && now_ns() < deadline) {
			pollfd pf = {fd, POLLIN, 0};
			if (poll(&pf, 1, 100) <= 0)
				continue;
			char buf[4096];
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			out.append(buf, std::size_t(n));
		}
	}
	close_abort(fd);
	return out;
}

void run_wrk(const Options &o, CellContext &cx, json::Value &ext)
{
	if (!have_program("wrk")) {
		say("wrk is not installed: skipped");
		return;
	}
	std::uint16_t kport = std::uint16_t(o.port + 13), uport = std::uint16_t(o.port + 14);
	std::string err;
	std::uint32_t kid = cx.kc ? cx.kc->ensure(o.host, kport, "http", "", err) : 0;
	ServerProc sp;
	unsigned sthreads = o.server_threads ? o.server_threads : cx.ncpu;
	try {
		start_server(sp, "http", o, uport, cx.pl, sthreads);
	} catch (const std::exception &e) {
		say(std::string("user-space http responder: ") + e.what());
	}
	// Equal behaviour: the same bytes for the same request.
	const std::string &expect = http::response(true, false);
	bool same = kid && sp.pid > 0 && http_fetch(o.host, kport, expect.size()) == expect &&
		    http_fetch(o.host, uport, expect.size()) == expect;
	if (kid && sp.pid > 0 && !same)
		say("warning: the kernel http handler and the user-space responder answer differently");
	bool started = sp.pid > 0;
	sp.stop();
	for (unsigned conns : o.wrk_conns) {
		for (auto [server, port, ok] :
		     {std::tuple<std::string, std::uint16_t, bool>{"kernel-http", kport, kid != 0},
		      {"user-http", uport, started}}) {
			// A fresh responder for each run: wrk's first connection
			// is its connection 0, served by worker 0.
			sp.stop();
			if (server == "user-http" && ok) {
				try {
					start_server(sp, "http", o, uport, cx.pl, sthreads);
				} catch (const std::exception &) {
					ok = false;
				}
			}
			json::Value r = json::Value::object();
			r["tool"] = "wrk";
			r["server"] = server;
			r["conns"] = conns;
			unsigned threads = std::max(1u, std::min(cx.ncpu, conns));
			r["threads"] = threads;
			r["duration_s"] = o.ext_duration;
			r["identical_responses"] = same;
			if (!ok) {
				r["error"] = server == "kernel-http"
						     ? (err.empty() ? "no syncsock" : err)
						     : "the responder did not start";
				ext.push_back(r);
				continue;
			}
			std::vector<std::string> argv = {
				"wrk", "-t", std::to_string(threads), "-c", std::to_string(conns), "-d",
				std::to_string(int(std::ceil(o.ext_duration))) + "s", "--latency",
				"http://" + o.host + ":" + std::to_string(port) + "/"};
			std::string cmd;
			for (auto &a : argv)
				cmd += (cmd.empty() ? "" : " ") + a;
			r["command"] = cmd;
			// wrk runs as it is, where the scheduler puts it: pinned
			// to the vCPU of the responder's worker it was no better
			// under TCG (sometimes 4 ms a request, sometimes not).
			int status;
			std::string out = run_capture(argv, -1, o.ext_duration + 60, status);
			auto w = parse_wrk(out);
			if (!w) {
				r["error"] = "wrk output not understood: " + out.substr(0, 300);
				say("wrk " + server + ": FAILED");
				ext.push_back(r);
				continue;
			}
			json::Value l = json::Value::object();
			l["avg"] = w->avg_us;
			l["p50"] = w->p50;
			l["p75"] = w->p75;
			l["p90"] = w->p90;
			l["p99"] = w->p99;
			l["max"] = w->max_us;
			r["latency_us"] = l;
			r["requests"] = w->requests;
			r["throughput_rps"] = w->rps;
			r["socket_errors"] = w->socket_errors;
			r["non_2xx"] = w->non_2xx;
			say("wrk " + std::to_string(conns) + " conns vs " + server + ": " +
			    fmt_count(w->rps) + " req/s, p50 " + fmt_us(w->p50) + " us, p99 " +
			    fmt_us(w->p99) + " us");
			ext.push_back(r);
		}
	}
}

// ---- repeats ---------------------------------------------------------------

bool write_file_atomic(const std::string &path, const std::string &text)
{
	std::string tmp = path + ".part";
	{
		std::ofstream f(tmp);
		f << text;
		f.flush();
		if (!f)
			return false;
	}
	return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// A rate the capacity search keeps is served to within this fraction.
constexpr double kSearchTolerance = 0.02;

// The open-loop capacity of @path in one cell: the highest rate it keeps
// (RateSearch, from @start, each rate a run of the cell's length, served to
// within kSearchTolerance).  Sets
// @m's base and base_busy; returns the rates tried, for the file.
json::Value search_capacity(CellContext &cx, const std::string &path, unsigned conns,
			    std::size_t size, double start, CellMode &m)
{
	json::Value tried = json::Value::array();
	RateSearch s(start);
	m.base = m.base_busy = 0;
	for (double rate = s.next(); rate > 0; rate = s.next()) {
		CellMode p;
		p.mode = "open";
		p.rate = rate;
		std::string tag = "[capacity search " + std::to_string(s.probes() + 1) + "]";
		json::Value r = run_cell(cx, path, conns, size, 1, p, tag);
		// Stricter than a run's own check (5 %): a rate a little over
		// the capacity still serves 95 % of it in a short run, its
		// backlog growing, and 90 % of that is no longer below it.
		std::string why =
			json::num(r, "errors") == 0
				? open_loop_shortfall(rate, json::num(r, "throughput_rps"), 0,
						      kSearchTolerance)
				: json::str(r, "error");
		bool kept = why.empty();
		double busy = json::num(json::get(r, "split", "server"), "busy", 0);
		s.result(rate, kept);
		if (kept && rate >= s.capacity())
			m.base_busy = busy;
		json::Value t = json::Value::object();
		t["rate"] = round_to(rate, 1);
		t["achieved_rps"] = json::num(r, "throughput_rps");
		t["kept"] = kept;
		if (busy > 0)
			t["server_busy"] = round_to(busy, 4);
		if (!kept)
			t["error"] = why;
		tried.push_back(std::move(t));
		say(tag + " " + cell_name(path, conns, size) + ": " + fmt_count(rate) + " req/s " +
		    (kept ? "kept" : "not kept"));
	}
	m.base = s.capacity();
	say(cell_name(path, conns, size) + ": open-loop capacity " +
	    (m.base > 0 ? fmt_count(m.base) + " req/s" : "none (no rate kept)") + ", " +
	    std::to_string(s.probes()) + " rates tried" +
	    (s.lost() > 0 ? ", " + fmt_count(s.lost()) + " not kept" : ""));
	return tried;
}

json::Value spread_json(const Spread &s, int digits)
{
	json::Value v = json::Value::object();
	v["median"] = round_to(s.median, digits);
	v["min"] = round_to(s.min, digits);
	v["max"] = round_to(s.max, digits);
	v["spread_pct"] = round_to(s.spread_pct, 1);
	return v;
}

} // namespace

// The runs of one cell as one: the run with the median throughput stands for
// the cell, and "repeat" has the median, min, max and spread of each figure.
// A cell fails if any of its runs failed.
json::Value combine_repeats(const std::vector<json::Value> &reps)
{
	if (reps.empty())
		return json::Value::object();
	std::vector<std::size_t> order(reps.size());
	for (std::size_t i = 0; i < order.size(); i++)
		order[i] = i;
	std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
		return json::num(reps[a], "throughput_rps") < json::num(reps[b], "throughput_rps");
	});
	json::Value r = reps[order[(order.size() - 1) / 2]];
	double errors = 0;
	std::string error;
	std::vector<double> rps, p50, p99, cpu, srv;
	for (auto &x : reps) {
		errors += json::num(x, "errors");
		if (error.empty() && json::find(x, "error"))
			error = json::str(x, "error");
		if (json::num(x, "errors") != 0)
			continue;
		rps.push_back(json::num(x, "throughput_rps"));
		p50.push_back(json::num(json::get(x, "latency_us"), "p50"));
		p99.push_back(json::num(json::get(x, "latency_us"), "p99"));
		if (json::find(x, "cpu_us_per_req"))
			cpu.push_back(json::num(json::get(x, "cpu_us_per_req"), "total", NAN));
		if (json::find(x, "split") && json::find(json::get(x, "split"), "server"))
			srv.push_back(json::num(json::get(x, "split", "server", "us_per_req"),
						"total", NAN));
	}
	for (auto *v : {&cpu, &srv})
		v->erase(std::remove_if(v->begin(), v->end(), [](double x) { return std::isnan(x); }),
			 v->end());
	json::Value rep = json::Value::object();
	rep["n"] = double(reps.size());
	rep["ok"] = double(rps.size());
	if (!rps.empty()) {
		rep["throughput_rps"] = spread_json(spread_of(rps), 1);
		rep["p50_us"] = spread_json(spread_of(p50), 3);
		rep["p99_us"] = spread_json(spread_of(p99), 3);
	}
	if (!cpu.empty())
		rep["cpu_us_per_req"] = spread_json(spread_of(cpu), 3);
	if (!srv.empty())
		rep["server_us_per_req"] = spread_json(spread_of(srv), 3);
	r["repeat"] = rep;
	r["errors"] = errors;
	if (!error.empty())
		r["error"] = error;
	return r;
}

std::string describe_repeat(const json::Value &rep)
{
	if (!json::find(rep, "throughput_rps"))
		return "every one of " + fmt_count(json::num(rep, "n")) + " runs failed";
	const json::Value &t = json::get(rep, "throughput_rps");
	std::string s = fmt_count(json::num(rep, "ok")) + " of " + fmt_count(json::num(rep, "n")) +
			" runs: median " + fmt_count(json::num(t, "median")) + " req/s, " +
			fmt_count(json::num(t, "min")) + " to " + fmt_count(json::num(t, "max")) +
			" (spread " + fmt_fixed(json::num(t, "spread_pct"), 1) + " %)";
	if (json::find(rep, "server_us_per_req"))
		s += ", server " +
		     fmt_fixed(json::num(json::get(rep, "server_us_per_req"), "median"), 2) +
		     " us/req (spread " +
		     fmt_fixed(json::num(json::get(rep, "server_us_per_req"), "spread_pct"), 1) +
		     " %)";
	return s;
}

namespace {

// ---- memory ----------------------------------------------------------------

// Connections to a loopback address come from several source addresses,
// 20,000 each, when there are more than one port range holds.
std::vector<in_addr> loopback_sources(const sockaddr_in &to, unsigned conns)
{
	std::vector<in_addr> v;
	if ((ntohl(to.sin_addr.s_addr) >> 24) != 127 || conns <= 20000)
		return v;
	for (unsigned i = 0; i * 20000 < conns; i++)
		v.push_back(in_addr{htonl(0x7f000001u + i)});
	return v;
}

json::Value run_memory(const Options &o, CellContext &cx)
{
	json::Value m = json::Value::object();
	m["conns"] = o.memory_conns;
	json::Value paths = json::Value::array();
	std::map<std::string, double> kmalloc_per, mem_per;
	for (std::string path : {"epoll", "kernel"}) {
		json::Value e = json::Value::object();
		e["path"] = path;
		ServerProc sp;
		std::uint16_t port = cx.kernel_port;
		if (path == "kernel" && !cx.kernel_id) {
			e["error"] = "no syncsock listener";
			paths.push_back(e);
			continue;
		}
		if (path != "kernel") {
			port = std::uint16_t(o.port + 1);
			raise_nofile(std::uint64_t(o.memory_conns) * 2 + 1024);
			try {
				start_server(sp, path, o, port, cx.pl, cx.ncpu);
			} catch (const std::exception &ex) {
				e["error"] = ex.what();
				paths.push_back(e);
				continue;
			}
		}
		sleep_s(0.5);
		MemSnap m0 = mem_snap();
		ClientConfig cc;
		cc.addr = make_addr(o.host, port);
		cc.conns = o.memory_conns;
		cc.msg_size = 64;
		cc.threads = cx.ncpu;
		cc.cpus = cx.pl.client;
		cc.sources = loopback_sources(cc.addr, o.memory_conns);
		if (cc.sources.size() > 1)
			say("memory: " + std::to_string(o.memory_conns) + " connections from " +
			    std::to_string(cc.sources.size()) + " loopback addresses (a port range each)");
		Client cl(cc);
		try {
			cl.connect([&](unsigned n) {
				if (n % 10000 == 0 || n == o.memory_conns)
					progress("memory, " + path + ": connecting " + std::to_string(n) +
						 "/" + std::to_string(o.memory_conns));
			});
		} catch (const std::exception &ex) {
			e["error"] = ex.what();
			paths.push_back(e);
			continue;
		}
		// Every connection answers once: accepted and in use, then idle.
		cl.start();
		std::uint64_t deadline = now_ns() + 300000000000ull;
		while (cl.answered_conns() < o.memory_conns && now_ns() < deadline && !cl.failed())
			sleep_s(0.1);
		cl.measure_end();
		ClientResult res = cl.finish();
		sleep_s(1.0);	// the replies acknowledged and freed
		MemSnap m1 = mem_snap();
		unsigned held = path == "kernel" && cx.kc ? cx.kc->nr_conns(cx.kernel_id) : o.memory_conns;
		std::uint64_t answered = cl.answered_conns();
		cl.close_all();
		sp.stop();
		double n = o.memory_conns;
		e["conns"] = held;
		e["answered_conns"] = double(answered);
		e["answered"] = res.total;
		e["slab_kib"] = double(m1.slab_kib) - double(m0.slab_kib);
		e["slab_bytes_per_conn"] =
			round_to((double(m1.slab_kib) - double(m0.slab_kib)) * 1024 / n, 1);
		double used = (double(m0.free_kib) - double(m1.free_kib)) * 1024 / n;
		e["mem_bytes_per_conn"] = round_to(used, 1);
		mem_per[path] = used;
		if (m0.have_slabinfo) {
			double k = (double(m1.kmalloc) - double(m0.kmalloc)) / n;
			e["kmalloc_bytes_per_conn"] = round_to(k, 1);
			kmalloc_per[path] = k;
		}
		if (res.errors)
			e["error"] = res.first_error;
		else if (answered < o.memory_conns)
			e["error"] = std::to_string(answered) + " of " +
				     std::to_string(o.memory_conns) + " connections answered";
		say("memory, " + path + ": " + std::to_string(held) + " connections held, " +
		    std::to_string(answered) + " answered; memory " + fmt_fixed(used, 0) +
		    " B/conn (MemFree, both ends, pages included), slab " +
		    fmt_fixed(json::num(e, "slab_bytes_per_conn"), 0) + " B/conn, kmalloc " +
		    fmt_fixed(json::num(e, "kmalloc_bytes_per_conn", NAN), 0) + " B/conn");
		paths.push_back(e);
	}
	m["paths"] = paths;
	if (mem_per.count("kernel") && mem_per.count("epoll"))
		m["module_bytes_per_conn"] = round_to(mem_per["kernel"] - mem_per["epoll"], 1);
	if (kmalloc_per.count("kernel") && kmalloc_per.count("epoll"))
		m["module_slab_bytes_per_conn"] =
			round_to(kmalloc_per["kernel"] - kmalloc_per["epoll"], 1);
	return m;
}

} // namespace

json::Value conditions(const Options &o)
{
	json::Value c = json::Value::object();
	struct utsname u;
	uname(&u);
	std::string cmdline = trim(read_file("/proc/cmdline"));
	std::string model = cpu_model();
	std::string accel = o.accelerator;
	if (accel.empty()) {
		if (model.find("TCG") != std::string::npos)
			accel = "TCG";
		else if (read_file("/proc/cpuinfo").find(" hypervisor") != std::string::npos)
			accel = "unknown hypervisor";
		else
			accel = "none (bare metal)";
	}
	auto mi = parse_meminfo(read_file("/proc/meminfo"));
	c["date"] = iso_date();
	c["command_line"] = o.command_line;
	c["kernel"] = std::string(u.release);
	c["kernel_version"] = std::string(u.version);
	c["kernel_cmdline"] = cmdline;
	c["vcpus"] = online_cpus();
	c["idle_poll"] = (" " + cmdline + " ").find(" idle=poll ") != std::string::npos;
	c["accelerator"] = accel;
	c["cpu_model"] = model;
	c["mem_total_kib"] = mi.count("MemTotal") ? mi["MemTotal"] : 0;
	c["pin"] = o.pin;
	c["client_threads"] = o.client_threads ? o.client_threads : unsigned(online_cpus());
	c["server_threads"] = o.server_threads ? o.server_threads : unsigned(online_cpus());
	c["tick_hz"] = ticks_per_second();
	if (!o.label.empty())
		c["label"] = o.label;
	return c;
}

int run_bench(const Options &o)
{
	quiet = o.quiet;
	tty_progress = interactive(2);
	last_progress_line = now_ns();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	json::Value doc = json::Value::object();
	doc["schema"] = kSchema;
	json::Value tool = json::Value::object();
	tool["name"] = "syncsock-bench";
	tool["version"] = SYNCSOCK_BENCH_VERSION;
	doc["tool"] = tool;
	json::Value cond = conditions(o);

	CellContext cx{o, {}, nullptr, 0, 0, 1, false, nullptr, {}};
	cx.pl = placement(o);
	cx.ncpu = unsigned(online_cpus());
	std::unique_ptr<control::Remote> remote;
	if (!o.server.empty()) {
		std::string err;
		std::uint64_t until = now_ns() + std::uint64_t(o.server_wait * 1e9);
		while (!(remote = control::Remote::connect(o.server, err)) && now_ns() < until) {
			progress("waiting for syncsock-bench serve at " + o.server + ": " + err);
			sleep_s(0.5);
		}
		if (!remote) {
			say("syncsock-bench: " + err);
			return 2;
		}
		cx.remote = remote.get();
		// This host runs the client only (placed by --pin); the
		// servers' CPUs are the serving side's (its --cpus).
		cx.pl.server.clear();
		const json::Value &h = remote->host();
		say("serving host " + remote->address() + ": " + json::str(h, "kernel") + ", " +
		    fmt_count(json::num(h, "vcpus")) + " vCPUs, servers on CPUs " +
		    cpu_list(remote->server_cpus()));
		cond["setup"] = "two hosts";
		cond["server_host"] = h;
		if (o.sockperf || o.wrk || o.memory_conns)
			say("--sockperf, --wrk and --memory run on one host: left out with --server");
	}
	bool want_kernel = !remote &&
			   (std::find(o.paths.begin(), o.paths.end(), "kernel") != o.paths.end() ||
			    o.sockperf || o.wrk || o.memory_conns);
	std::unique_ptr<KernelControl> kc;
	if (want_kernel) {
		std::string err;
		kc = KernelControl::open(o.device, err);
		if (!kc) {
			say("syncsock: " + err + ": the kernel path is left out");
		} else {
			cx.kc = kc.get();
			cond["module_version"] = kc->module_version();
			cx.kernel_port = path_port(o, "kernel");
			bool added = false;
			cx.kernel_id = kc->ensure(o.host, cx.kernel_port, "echo", "", err, &added);
			if (!cx.kernel_id)
				say("syncsock: " + err);
			else
				say(std::string(added ? "added" : "using") + " syncsock listener " +
				    std::to_string(cx.kernel_id) + " (echo) on " + o.host + ":" +
				    std::to_string(cx.kernel_port));
		}
	}
	if (o.trace) {
		if (have_program(o.trace_program)) {
			cx.trace = true;
			cond["trace"] = o.trace_program + " -j -P PORT alongside each run";
		} else {
			say(o.trace_program + " is not installed (it is built where clang, "
			    "bpftool and libbpf-dev are): --trace is ignored");
			cond["trace"] = "requested, but " + o.trace_program + " is not installed";
		}
	}
	// The proxy paths' backend: the epoll echo, on this host's CPUs
	// (with the client), for the whole run.
	ServerProc backend;
	if (std::any_of(o.paths.begin(), o.paths.end(), is_proxy_path)) {
		std::string bhost = remote ? remote->local_address() : "127.0.0.1";
		std::uint16_t bport = std::uint16_t(o.port + 30);
		if (!o.backend.empty())
			control::parse_where(o.backend, bhost, bport);
		if (o.backend.find(':') == std::string::npos)
			bport = std::uint16_t(o.port + 30);
		raise_nofile(1 << 20);
		try {
			backend.pid = start_server_process("epoll", bhost, bport, cx.ncpu, cx.pl.client);
		} catch (const std::exception &e) {
			say("syncsock-bench: the proxies' backend: " + std::string(e.what()));
			return 2;
		}
		cx.backend = bhost + ":" + std::to_string(bport);
		say("the proxies' backend: the epoll echo on " + cx.backend + " (this host)");
		cond["proxy_backend"] = "epoll echo on " + cx.backend + ", the client's host";
	}
	doc["conditions"] = cond;
	say("syncsock-bench: " + json::str(cond, "kernel") + ", " +
	    fmt_count(json::num(cond, "vcpus")) + " vCPUs, " + json::str(cond, "accelerator") +
	    ", pinning " + o.pin + ", " + fmt_fixed(o.duration, 1) + " s per run after " +
	    fmt_fixed(o.warmup, 1) + " s warm-up");

	json::Value runs = json::Value::array();
	const std::size_t np = o.paths.size();
	const std::size_t loops = o.rates.empty() ? o.depths.size() + o.loads.size() : o.rates.size();
	std::size_t total = o.sizes.size() * (o.conns.size() * loops + o.churn_conns.size()) * np;
	std::size_t k = 0;
	int failed = 0;
	// What was measured so far is on disk after every run: an interrupted
	// run keeps it ("complete": false until the end).
	auto save = [&](bool complete) {
		if (o.json_path.empty() || o.json_path == "-")
			return true;
		doc["complete"] = complete;
		return write_file_atomic(o.json_path, json::dump(doc, 1) + "\n");
	};
	// One cell, --repeat times; its (median) run is kept and returned.
	auto cell = [&](const std::string &path, unsigned conns, std::size_t size, unsigned depth,
			const CellMode &m) -> const json::Value & {
		std::string tag = "[" + std::to_string(++k) + "/" + std::to_string(total) + "]";
		std::vector<json::Value> reps;
		for (unsigned i = 0; i < o.repeat; i++) {
			std::string t = o.repeat > 1 ? tag + "(" + std::to_string(i + 1) + "/" +
							       std::to_string(o.repeat) + ")"
						     : tag;
			reps.push_back(run_cell(cx, path, conns, size, depth, m, t));
			sleep_s(0.1);
		}
		json::Value r = o.repeat > 1 ? combine_repeats(reps) : std::move(reps[0]);
		if (o.repeat > 1)
			say(tag + " " + cell_name(path, conns, size) + ": " +
			    describe_repeat(json::get(r, "repeat")));
		if (json::num(r, "errors") != 0)
			failed++;
		runs.push_back(std::move(r));
		doc["runs"] = runs;
		save(false);
		return json::items(runs).back();
	};
	for (auto size : o.sizes) {
		for (auto conns : o.conns) {
			// Each path's closed-loop peak over the depths, and its
			// rate at the lowest depth: where its --load search starts.
			std::map<std::string, CellMode> peak;
			std::map<std::string, double> first;
			for (std::size_t li = 0; li < (o.rates.empty() ? o.depths.size() : o.rates.size());
			     li++) {
				for (auto &path : o.paths) {
					CellMode m;
					if (!o.rates.empty()) {
						m.mode = "open";
						m.rate = o.rates[li];
					}
					unsigned depth = o.rates.empty() ? o.depths[li] : 1;
					const json::Value &r = cell(path, conns, size, depth, m);
					double t = json::num(r, "errors") == 0
							   ? json::num(r, "throughput_rps")
							   : 0;
					if (t > peak[path].base)
						peak[path].base = t;
					if (o.rates.empty() && t > 0 &&
					    (!first.count(path) ||
					     depth < *std::min_element(o.depths.begin(), o.depths.end())))
						first.emplace(path, t);
				}
			}
			if (!o.rates.empty() || o.loads.empty())
				continue;
			for (auto &path : o.paths) {
				// The path's own open-loop capacity: the highest rate
				// it keeps, searched for from its closed-loop rate.
				// Messages that arrive one at a time cost a server
				// more than a closed loop's, so neither closed-loop
				// figure is it.
				CellMode m;
				m.peak = peak[path].base;
				m.search = search_capacity(cx, path, conns, size,
							   first.count(path) ? first[path] : 0, m);
				for (double f : o.loads) {
					m.mode = "open";
					m.load = f;
					m.rate = f * m.base;
					if (m.rate < 1) {
						k++;
						say(cell_name(path, conns, size) + ": no open loop at " +
						    fmt_count(f * 100) + " %: it kept no open-loop rate");
						continue;
					}
					cell(path, conns, size, 1, m);
				}
			}
		}
		for (auto conns : o.churn_conns) {
			for (auto &path : o.paths) {
				CellMode m;
				m.mode = "churn";
				cell(path, conns, size, 1, m);
			}
		}
	}
	doc["runs"] = runs;

	json::Value ext = json::Value::array();
	if (o.sockperf && !remote)
		run_sockperf(o, cx, ext);
	if (o.wrk && !remote)
		run_wrk(o, cx, ext);
	doc["external"] = ext;
	if (o.memory_conns && !remote)
		doc["memory"] = run_memory(o, cx);
	if (remote && o.server_exit)
		remote->shutdown();
	remote.reset();

	if (o.json_path == "-") {
		std::fputs((json::dump(doc, 1) + "\n").c_str(), stdout);
	} else if (!o.json_path.empty()) {
		if (!save(true)) {
			say("cannot write " + o.json_path);
			return 2;
		}
		say("results: " + o.json_path);
	}
	if (o.json_path != "-") {
		std::string t = "\n" + render_conditions(doc) + "\n" + render_report({doc});
		std::fputs(t.c_str(), stdout);
		std::fflush(stdout);
	}
	if (failed)
		say(std::to_string(failed) + " run(s) failed");
	return failed ? 2 : 0;
}

int run_serve(const Options &o)
{
	if (o.kind.empty())
		return run_control_server(o);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(1 << 20);
	ServerConfig cfg;
	cfg.kind = o.kind;
	cfg.host = o.host;
	cfg.port = o.port;
	cfg.threads = o.server_threads ? o.server_threads : unsigned(online_cpus());
	if (o.cpus_set)
		cfg.cpus = o.cpus;
	else if (o.pin != "none")
		cfg.cpus = allowed_cpus();
	cfg.ready_fd = o.ready_fd;
	cfg.backend = o.backend;
	return run_server(cfg);
}

} // namespace ssb
