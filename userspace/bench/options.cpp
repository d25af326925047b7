// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <utility>

#include "control.hpp"
#include "proxies.hpp"
#include "report.hpp"
#include "servers.hpp"

namespace ssb {

static std::vector<std::string> split(const std::string &s, char sep)
{
	std::vector<std::string> out;
	std::stringstream ss(s);
	std::string item;
	while (std::getline(ss, item, sep))
		out.push_back(item);
	return out;
}

static std::optional<std::uint64_t> parse_scaled(const std::string &s, std::uint64_t k)
{
	if (s.empty())
		return std::nullopt;
	std::uint64_t v = 0;
	auto r = std::from_chars(s.data(), s.data() + s.size(), v);
	if (r.ec != std::errc())
		return std::nullopt;
	std::string rest(r.ptr, s.data() + s.size());
	if (rest == "k" || rest == "K")
		v *= k;
	else if (rest == "m" || rest == "M")
		v *= k * k;
	else if (!rest.empty())
		return std::nullopt;
	return v;
}

std::optional<std::vector<unsigned>> parse_count_list(const std::string &s)
{
	std::vector<unsigned> out;
	for (auto &item : split(s, ',')) {
		auto v = parse_scaled(item, 1000);
		if (!v || *v == 0 || *v > 1000000)
			return std::nullopt;
		out.push_back(unsigned(*v));
	}
	if (out.empty())
		return std::nullopt;
	return out;
}

std::optional<std::vector<std::size_t>> parse_size_list(const std::string &s)
{
	std::vector<std::size_t> out;
	for (auto &item : split(s, ',')) {
		auto v = parse_scaled(item, 1024);
		if (!v || *v == 0 || *v > (1u << 20))
			return std::nullopt;
		out.push_back(std::size_t(*v));
	}
	if (out.empty())
		return std::nullopt;
	return out;
}

static std::optional<double> parse_double(const std::string &s)
{
	double v = 0;
	auto r = std::from_chars(s.data(), s.data() + s.size(), v);
	if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v) || v < 0)
		return std::nullopt;
	return v;
}

std::string usage()
{
	return R"(usage: syncsock-bench run [OPTIONS]        run the comparison, print the table
       syncsock-bench serve [OPTIONS]      on the box under test: serve each path
                                           when syncsock-bench run --server asks
       syncsock-bench serve KIND [OPTIONS] run one user-space server (blocking, epoll,
                                           io_uring, spin, http, relay) until killed
       syncsock-bench table FILE.json...   the terminal table of result files
       syncsock-bench report FILE.json...  the same in Markdown
       syncsock-bench plot [-o DIR] FILE.json...  PNG plots (gnuplot)
       syncsock-bench validate [--require-paths LIST] [--strict] FILE.json
       syncsock-bench help | version

run: the same echo of fixed-size messages served by each path in turn, driven
by one event-driven client (one thread per CPU at most); every byte that comes
back is checked.
  --paths LIST        kernel,epoll,epoll-reuseport,epoll-busy,io_uring,blocking,
                      spin (default: all); epoll-reuseport gives each worker
                      a SO_REUSEPORT listener of its own and accepts in its
                      loop (no acceptor thread); epoll-busy busy-polls the
                      NIC's NAPI instance
                      (SO_BUSY_POLL 50 us, SO_PREFER_BUSY_POLL, per-epoll
                      parameters on 6.9+, else net.core.busy_poll while it runs);
                      "proxies" (or any of proxy,haproxy,nginx,relay): the
                      same echo through a proxy to one backend (the bench's
                      epoll echo on this host): syncsock's proxy handler,
                      HAProxy (mode tcp), nginx (stream) and the bench's own
                      epoll relay, each with one thread or worker per server
                      CPU and no logging
  --conns LIST        connection counts, e.g. 1,64,1k,10k (default 1,64)
  --sizes LIST        message sizes in bytes, e.g. 64,4k (default 64)
  --depth LIST        messages outstanding per connection, closed loop (1;
                      a list like 1,8 runs each)
  --rate LIST         open loop: R messages/s over all connections, latency
                      from the time each was due (default: closed loop); a
                      run that falls more than 5 % behind, or has a message
                      due with no free slot, fails; a list (2k,5k) runs each
  --load LIST         after the closed-loop cells of each connection count and
                      size, open loop at these percentages (e.g. 50,90) of each
                      path's own open-loop capacity: the highest rate it keeps
                      (98 % of it served, no message without a slot), searched
                      for with runs of --duration from its closed-loop rate at
                      the lowest depth (up to 7 rates, to within 10 %)
  --churn LIST        churn cells, LIST connections at a time: each connects,
                      sends one message of each --sizes, checks the reply and
                      closes (the accept rate: cycles/s); the client host's
                      net.ipv4.tcp_tw_reuse is 1 while they run
  --duration SEC      measured time per run (3); --warmup SEC before it (1)
  --repeat N          run each cell N times and report the median run with
                      the min-max spread of its figures (1)
  --threads N         client threads (default: one per CPU)
  --server-threads N  epoll, io_uring and spin workers (default: one per CPU)
  --pin same|cross|none  client thread i and server worker i on CPU i (same),
                      server worker i on CPU i+1 (cross), or no pinning
  --server HOST[:PORT]  the servers run on another host, under syncsock-bench
                      serve there (control port 7099): its CPUs measure the
                      server side alone (--host, --pin and --server-threads'
                      placement are then the serving side's)
  --server-wait SEC   keep trying to reach it for SEC seconds (0: once)
  --server-exit       ask syncsock-bench serve to exit at the end (scripts)
  --host ADDR         IPv4 address to serve and connect on (127.0.0.1)
  --port N            first port of the servers (7100; the kernel listener
                      is added on N+10 unless --kernel-port)
  --backend ADDR[:PORT]  proxy paths: the backend listens here, on this host
                      (default: the address the serving host reached us at,
                      or 127.0.0.1; port N+30)
  --kernel-port N     use the syncsock echo listener already on this port
                      (e.g. added with syncsockctl) for the kernel path
  --device PATH       the control device (/dev/syncsock)
  --sockperf          also sockperf ping-pong against the kernel sockperf
                      handler and sockperf server (epoll and recvfrom)
  --sockperf-sizes L  their message sizes (64)
  --wrk               also wrk against the kernel http handler and the
                      user-space HTTP responder (--wrk-conns LIST, default 1,64)
  --ext-duration SEC  seconds per sockperf or wrk run (3)
  --memory N          hold N connections on the epoll and kernel paths, each
                      answered once, and report memory per connection (MemFree,
                      pages included, and slab); past 20,000 to a loopback
                      address they come from several source addresses
  --json FILE         write the results (schema syncsock-bench/1)
  --label TEXT        a note stored with the conditions (e.g. host load)
  --accelerator NAME  the hypervisor, stored with the conditions (default:
                      TCG when /proc/cpuinfo says so)
  --trace             run syncsock-trace -j -P PORT alongside each run and keep
                      its per-path summary (deliveries in softirq, wakeups,
                      queued-to-consumed delay); traced runs pay for the
                      probes: do not compare them with untraced ones
  --quiet             no progress
serve (the control server): --listen ADDR:PORT (0.0.0.0:7099) for the
  controller; --host ADDR the servers listen on (0.0.0.0); --cpus LIST the
  servers' CPUs (default: all); --device PATH.  It authenticates no one:
  a test network only
serve KIND:
  --port N  --host ADDR  --threads N  --cpus LIST  --ready-fd FD
  --backend ADDR:PORT (relay: where each connection is relayed to)
plot:
  -o DIR              where the .gp scripts and PNGs go (.)
  --all-cdfs          a CDF for every connection count, not just 1 and 64
  --no-render         write the scripts only
validate: the schema; --require-paths LIST: a clean run of each of these
  paths, every byte checked; --strict: no run and no sockperf or wrk run
  failed, and no run --server run's server left its own CPUs
Options take --name VALUE or --name=VALUE.  Exit status: 0 done; 1 usage
error (nothing done); 2 a run failed, a file is not valid, or the set-up
failed (no serving host, a file not writable).
)";
}

std::optional<Options> parse_options(const std::vector<std::string> &args, std::string &error)
{
	Options o;
	for (std::size_t i = 0; i < args.size(); i++)
		o.command_line += (i ? " " : "") + args[i];
	if (args.size() < 2) {
		error = "no command (run, serve, table, report, plot, validate, help)";
		return std::nullopt;
	}
	o.command = args[1];
	static const std::vector<std::string> commands = {"run",  "serve",	"table",   "report",
							  "plot", "validate", "help",	   "version",
							  "--help", "-h", "--version", "-V"};
	if (std::find(commands.begin(), commands.end(), o.command) == commands.end()) {
		error = "unknown command '" + o.command + "'";
		return std::nullopt;
	}
	if (o.command == "--help" || o.command == "-h")
		o.command = "help";
	if (o.command == "--version" || o.command == "-V")
		o.command = "version";
	std::size_t i = 2;
	if (o.command == "serve" && i < args.size() && !args[i].empty() && args[i][0] != '-') {
		if (!valid_server_kind(args[i])) {
			error = "serve: no kind '" + args[i] +
				"' (blocking, epoll, io_uring, spin, http or relay; none: the "
				"control server)";
			return std::nullopt;
		}
		o.kind = args[i++];
	}
	if (o.command == "serve" && o.kind.empty())
		o.host = "0.0.0.0";
	// --name=value as well as --name value.
	std::optional<std::string> eqval;
	auto value = [&](const std::string &name) -> std::optional<std::string> {
		if (eqval)
			return std::exchange(eqval, std::nullopt);
		if (i + 1 >= args.size()) {
			error = name + " needs a value";
			return std::nullopt;
		}
		return args[++i];
	};
	for (; i < args.size(); i++) {
		if (eqval) {
			error = "option " + args[i - 1].substr(0, args[i - 1].find('=')) +
				" takes no value";
			return std::nullopt;
		}
		std::string a = args[i];
		if (a.starts_with("--") && a.find('=') != std::string::npos) {
			eqval = a.substr(a.find('=') + 1);
			a = a.substr(0, a.find('='));
		}
		std::optional<std::string> v;
		auto bad = [&](const std::string &what) {
			error = "bad " + a + " '" + v.value_or("") + "': " + what;
			return std::nullopt;
		};
		auto num = [&](unsigned lo, unsigned hi) -> std::optional<unsigned> {
			auto x = parse_scaled(*v, 1000);
			if (!x || *x < lo || *x > hi)
				return std::nullopt;
			return unsigned(*x);
		};
		if (a == "--help" || a == "-h") {
			o.command = "help";
			return o;
		}
		if (a == "--paths" || a == "--require-paths") {
			if (!(v = value(a)))
				return std::nullopt;
			std::vector<std::string> p;
			if (*v == "all")
				p = echo_paths();
			else if (*v == "proxies")
				p = proxy_paths();
			else
				p = split(*v, ',');
			for (auto &x : p)
				if (std::find(path_order().begin(), path_order().end(), x) ==
				    path_order().end())
					return bad("unknown path '" + x +
						   "' (kernel, epoll, epoll-reuseport, epoll-busy, "
						   "io_uring, blocking, spin; proxies: proxy, haproxy, "
						   "nginx, relay)");
			(a == "--paths" ? o.paths : o.require_paths) = p;
		} else if (a == "--conns" || a == "--wrk-conns") {
			if (!(v = value(a)))
				return std::nullopt;
			auto l = parse_count_list(*v);
			if (!l)
				return bad("a list of counts like 1,64,1k");
			(a == "--conns" ? o.conns : o.wrk_conns) = *l;
		} else if (a == "--sizes" || a == "--sockperf-sizes") {
			if (!(v = value(a)))
				return std::nullopt;
			auto l = parse_size_list(*v);
			if (!l)
				return bad("a list of sizes like 64,4k (at most 1 MiB)");
			if (a == "--sockperf-sizes")
				for (auto s : *l)
					if (s < 14 || s > 65536)
						return bad("sockperf messages are 14 to 65536 bytes");
			(a == "--sizes" ? o.sizes : o.sockperf_sizes) = *l;
		} else if (a == "--depth") {
			if (!(v = value(a)))
				return std::nullopt;
			auto l = parse_count_list(*v);
			if (!l || *std::max_element(l->begin(), l->end()) > 256)
				return bad("1 to 256, or a list like 1,8");
			o.depths = *l;
		} else if (a == "--rate" || a == "--duration" || a == "--warmup" ||
			   a == "--ext-duration") {
			if (!(v = value(a)))
				return std::nullopt;
			if (a == "--rate") {
				o.rates.clear();
				std::stringstream ss(*v);
				std::string item;
				while (std::getline(ss, item, ',')) {
					auto r = parse_scaled(item, 1000);
					auto d = parse_double(item);
					double x = r ? double(*r) : d ? *d : 0;
					if (!(x > 0) || x > 1e8)
						return bad("messages per second, e.g. 20000 or 20k, or "
							   "a list like 2k,5k");
					o.rates.push_back(x);
				}
				if (o.rates.empty())
					return bad("messages per second, e.g. 20000 or 20k");
				continue;
			}
			auto x = parse_double(*v);
			if (!x || (a != "--warmup" && *x <= 0) || *x > 3600)
				return bad("seconds, at most 3600");
			if (a == "--duration") {
				o.duration = *x;
			} else if (a == "--warmup") {
				o.warmup = *x;
			} else {
				o.ext_duration = *x;
			}
		} else if (a == "--load") {
			if (!(v = value(a)))
				return std::nullopt;
			auto l = parse_count_list(*v);
			if (!l || *std::max_element(l->begin(), l->end()) > 100 ||
			    *std::min_element(l->begin(), l->end()) < 1)
				return bad("percentages of each path's capacity, 1 to 100, e.g. 50,90");
			o.loads.clear();
			for (unsigned x : *l)
				o.loads.push_back(x / 100.0);
		} else if (a == "--churn") {
			if (!(v = value(a)))
				return std::nullopt;
			auto l = parse_count_list(*v);
			if (!l)
				return bad("connections at a time, e.g. 32 or 1,32");
			o.churn_conns = *l;
		} else if (a == "--repeat") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = parse_double(*v);
			if (!x || *x < 1 || *x > 100 || *x != std::floor(*x))
				return bad("runs per cell, 1 to 100");
			o.repeat = unsigned(*x);
		} else if (a == "--threads" || a == "--server-threads") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = num(1, 1024);
			if (!x)
				return bad("1 to 1024");
			(a == "--threads" ? (o.command == "serve" ? o.server_threads : o.client_threads)
					  : o.server_threads) = *x;
		} else if (a == "--pin") {
			if (!(v = value(a)))
				return std::nullopt;
			if (*v != "same" && *v != "cross" && *v != "none")
				return bad("same, cross or none");
			o.pin = *v;
		} else if (a == "--server" || a == "--listen" || a == "--backend") {
			if (!(v = value(a)))
				return std::nullopt;
			std::string h;
			std::uint16_t p;
			if (!control::parse_where(*v, h, p))
				return bad("an IPv4 address, or ADDRESS:PORT");
			(a == "--server" ? o.server : a == "--listen" ? o.listen : o.backend) = *v;
		} else if (a == "--host") {
			if (!(v = value(a)))
				return std::nullopt;
			o.host = *v;
		} else if (a == "--port" || a == "--kernel-port") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = num(1, 65535 - 40);
			if (!x)
				return bad("a port");
			(a == "--port" ? o.port : o.kernel_port) = std::uint16_t(*x);
		} else if (a == "--device") {
			if (!(v = value(a)))
				return std::nullopt;
			o.device = *v;
		} else if (a == "--sockperf") {
			o.sockperf = true;
		} else if (a == "--wrk") {
			o.wrk = true;
		} else if (a == "--memory") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = num(1, 100000);
			if (!x)
				return bad("1 to 100k connections");
			o.memory_conns = *x;
		} else if (a == "--json") {
			if (!(v = value(a)))
				return std::nullopt;
			o.json_path = *v;
		} else if (a == "--label") {
			if (!(v = value(a)))
				return std::nullopt;
			o.label = *v;
		} else if (a == "--accelerator") {
			if (!(v = value(a)))
				return std::nullopt;
			o.accelerator = *v;
		} else if (a == "--server-wait") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = parse_double(*v);
			if (!x || *x > 3600)
				return bad("seconds, at most 3600");
			o.server_wait = *x;
		} else if (a == "--server-exit") {
			o.server_exit = true;
		} else if (a == "--trace") {
			o.trace = true;
		} else if (a == "--quiet" || a == "-q") {
			o.quiet = true;
		} else if (a == "--ready-fd") {
			if (!(v = value(a)))
				return std::nullopt;
			auto x = num(0, 1 << 20);
			if (!x)
				return bad("a file descriptor");
			o.ready_fd = int(*x);
		} else if (a == "--cpus") {
			if (!(v = value(a)))
				return std::nullopt;
			o.cpus.clear();
			o.cpus_set = true;
			if (*v != "none")
				for (auto &c : split(*v, ',')) {
					auto x = parse_scaled(c, 1);
					if (!x || *x > 4095)
						return bad("a list of CPU numbers");
					o.cpus.push_back(int(*x));
				}
		} else if (a == "-o" || a == "--out") {
			if (!(v = value(a)))
				return std::nullopt;
			o.out_dir = *v;
		} else if (a == "--markdown") {
			o.markdown = true;
		} else if (a == "--all-cdfs") {
			o.all_cdfs = true;
		} else if (a == "--strict") {
			o.strict = true;
		} else if (a == "--no-render") {
			o.render = false;
		} else if (!a.empty() && a[0] == '-') {
			error = "unknown option '" + a + "'";
			return std::nullopt;
		} else if (o.command == "table" || o.command == "report" || o.command == "plot" ||
			   o.command == "validate") {
			o.files.push_back(a);
		} else {
			error = "unexpected argument '" + a + "'";
			return std::nullopt;
		}
	}
	if (eqval) {
		error = "option " + args.back().substr(0, args.back().find('=')) + " takes no value";
		return std::nullopt;
	}
	if (o.paths.empty())
		o.paths = echo_paths();
	if (o.command == "serve" && o.kind == "relay" &&
	    (o.backend.empty() || o.backend.find(':') == std::string::npos)) {
		error = "serve relay needs --backend ADDRESS:PORT";
		return std::nullopt;
	}
	if ((o.command == "table" || o.command == "report" || o.command == "plot" ||
	     o.command == "validate") &&
	    o.files.empty()) {
		error = o.command + " needs result files";
		return std::nullopt;
	}
	return o;
}

} // namespace ssb
