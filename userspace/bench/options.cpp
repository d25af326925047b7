// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>

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

// What an option does with its value once CLI11 has found it: store it in
// the Options, or say what is wrong with it ("" when nothing is).  A flag's
// value is CLI11's "true".
using Store = std::function<std::string(const std::string &)>;

static Store text(std::string &to)
{
	return [&to](const std::string &v) {
		to = v;
		return std::string();
	};
}

static Store flag(bool &to, bool value = true)
{
	return [&to, value](const std::string &) {
		to = value;
		return std::string();
	};
}

// A number, 1k = 1000, from @lo to @hi.
template <typename T>
static Store number(T &to, unsigned lo, unsigned hi, const char *what)
{
	return [&to, lo, hi, what](const std::string &v) -> std::string {
		auto x = parse_scaled(v, 1000);
		if (!x || *x < lo || *x > hi)
			return what;
		to = T(*x);
		return "";
	};
}

// Seconds, at most an hour; 0 only where @zero is.
static Store seconds(double &to, bool zero)
{
	return [&to, zero](const std::string &v) -> std::string {
		auto x = parse_double(v);
		if (!x || (!zero && *x <= 0) || *x > 3600)
			return "seconds, at most 3600";
		to = *x;
		return "";
	};
}

static Store counts(std::vector<unsigned> &to, unsigned max, const char *what)
{
	return [&to, max, what](const std::string &v) -> std::string {
		auto l = parse_count_list(v);
		if (!l || *std::max_element(l->begin(), l->end()) > max)
			return what;
		to = *l;
		return "";
	};
}

// Message sizes; @range when one is outside @lo..@hi.
static Store sizes(std::vector<std::size_t> &to, std::size_t lo, std::size_t hi,
		   const char *range)
{
	return [&to, lo, hi, range](const std::string &v) -> std::string {
		auto l = parse_size_list(v);
		if (!l)
			return "a list of sizes like 64,4k (at most 1 MiB)";
		for (auto s : *l)
			if (s < lo || s > hi)
				return range;
		to = *l;
		return "";
	};
}

static Store paths(std::vector<std::string> &to)
{
	return [&to](const std::string &v) -> std::string {
		std::vector<std::string> p;
		if (v == "all")
			p = echo_paths();
		else if (v == "proxies")
			p = proxy_paths();
		else
			p = split(v, ',');
		auto &known = path_order();
		for (auto &x : p)
			if (std::find(known.begin(), known.end(), x) == known.end())
				return "unknown path '" + x +
				       "' (kernel, epoll, epoll-reuseport, epoll-busy, io_uring, "
				       "blocking, spin; proxies: proxy, haproxy, nginx, relay)";
		to = p;
		return "";
	};
}

// HOST or HOST:PORT.
static Store where(std::string &to)
{
	return [&to](const std::string &v) -> std::string {
		std::string h;
		std::uint16_t p;
		if (!control::parse_where(v, h, p))
			return "an IPv4 address, or ADDRESS:PORT";
		to = v;
		return "";
	};
}

static Store rates(std::vector<double> &to)
{
	return [&to](const std::string &v) -> std::string {
		std::vector<double> l;
		std::stringstream ss(v);
		std::string item;
		while (std::getline(ss, item, ',')) {
			auto r = parse_scaled(item, 1000);
			auto d = parse_double(item);
			double x = r ? double(*r) : d ? *d : 0;
			if (!(x > 0) || x > 1e8)
				return "messages per second, e.g. 20000 or 20k, or a list like 2k,5k";
			l.push_back(x);
		}
		if (l.empty())
			return "messages per second, e.g. 20000 or 20k";
		to = l;
		return "";
	};
}

// Percentages of each path's capacity, as fractions.
static Store loads(std::vector<double> &to)
{
	return [&to](const std::string &v) -> std::string {
		auto l = parse_count_list(v);
		if (!l || *std::max_element(l->begin(), l->end()) > 100)
			return "percentages of each path's capacity, 1 to 100, e.g. 50,90";
		to.clear();
		for (unsigned x : *l)
			to.push_back(x / 100.0);
		return "";
	};
}

static Store repeat(unsigned &to)
{
	return [&to](const std::string &v) -> std::string {
		auto x = parse_double(v);
		if (!x || *x < 1 || *x > 100 || *x != std::floor(*x))
			return "runs per cell, 1 to 100";
		to = unsigned(*x);
		return "";
	};
}

static Store pin(std::string &to)
{
	return [&to](const std::string &v) -> std::string {
		if (v != "same" && v != "cross" && v != "none")
			return "same, cross or none";
		to = v;
		return "";
	};
}

// CPU numbers, or none.
static Store cpus(Options &o)
{
	return [&o](const std::string &v) -> std::string {
		std::vector<int> l;
		if (v != "none")
			for (auto &c : split(v, ',')) {
				auto x = parse_scaled(c, 1);
				if (!x || *x > 4095)
					return "a list of CPU numbers";
				l.push_back(int(*x));
			}
		o.cpus = l;
		o.cpus_set = true;
		return "";
	};
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
table: --markdown     in Markdown, as report
plot:
  -o DIR              where the .gp scripts and PNGs go (.)
  --all-cdfs          a CDF for every connection count, not just 1 and 64
  --no-render         write the scripts only
validate: the schema; --require-paths LIST: a clean run of each of these
  paths, every byte checked; --strict: no run and no sockperf or wrk run
  failed, and no run --server run's server left its own CPUs
Each command takes its own options above, as --name VALUE or --name=VALUE;
-h or --help anywhere prints this help.  Exit status: 0 done; 1 usage error
(nothing done); 2 a run failed, a file is not valid, or the set-up failed (no
serving host, a file not writable).
)";
}

// "unknown option '--paths'", and where it belongs if another command than
// @cmd (none: before the command) has it; a letter CLI11 split off a
// cluster (-qx: -x) is named with it.
static std::string unknown_option(CLI::App &app, CLI::App *cmd, const std::vector<std::string> &args,
				  const std::string &arg)
{
	std::string name = arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg;
	std::string error = "unknown option '" + name + "'", owners;
	if (std::find(args.begin(), args.end(), arg) == args.end())
		for (auto &a : args)
			if (a.size() > 2 && a[0] == '-' && a[1] != '-' && a.ends_with(arg.substr(1)))
				return "unknown option '-" + arg.substr(1, 1) + "' in '" + a + "'";
	for (CLI::App *other : app.get_subcommands({}))
		if (other != cmd && other->get_option_no_throw(name))
			owners += (owners.empty() ? "" : ", ") + other->get_name();
	if (!owners.empty() && cmd)
		error += " for " + cmd->get_name() + " (an option of " + owners + ")";
	else if (!owners.empty())
		error += " (an option of " + owners + ": after the command)";
	return error;
}

// CLI11 splits the line: names, --name=VALUE, its subcommands and -h; the
// stores above take each value, in the order given, so that the first wrong
// one is named, and the last of a repeated option counts.
std::optional<Options> parse_options(const std::vector<std::string> &args, std::string &error)
{
	Options o;
	for (std::size_t i = 0; i < args.size(); i++)
		o.command_line += (i ? " " : "") + args[i];
	error.clear();

	CLI::App app("syncsock-bench", "syncsock-bench");
	app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.require_subcommand(0, 1);
	std::map<const CLI::Option *, Store> stores;
	auto value = [&](CLI::App *cmd, const std::string &names, Store store) {
		stores[cmd->add_option(names)] = std::move(store);
	};
	auto add_flag = [&](CLI::App *cmd, const std::string &names, Store store) {
		stores[cmd->add_flag(names)->disable_flag_override()] = std::move(store);
	};
	CLI::Option *version = app.add_flag("-V,--version")->disable_flag_override();

	CLI::App *run = app.add_subcommand("run");
	value(run, "--paths", paths(o.paths));
	value(run, "--conns", counts(o.conns, 1000000, "a list of counts like 1,64,1k"));
	value(run, "--sizes", sizes(o.sizes, 1, 1 << 20, "a list of sizes like 64,4k (at most 1 MiB)"));
	value(run, "--depth", counts(o.depths, 256, "1 to 256, or a list like 1,8"));
	value(run, "--rate", rates(o.rates));
	value(run, "--load", loads(o.loads));
	value(run, "--churn", counts(o.churn_conns, 1000000, "connections at a time, e.g. 32 or 1,32"));
	value(run, "--duration", seconds(o.duration, false));
	value(run, "--warmup", seconds(o.warmup, true));
	value(run, "--repeat", repeat(o.repeat));
	value(run, "--threads", number(o.client_threads, 1, 1024, "1 to 1024"));
	value(run, "--server-threads", number(o.server_threads, 1, 1024, "1 to 1024"));
	value(run, "--pin", pin(o.pin));
	value(run, "--server", where(o.server));
	value(run, "--server-wait", seconds(o.server_wait, true));
	add_flag(run, "--server-exit", flag(o.server_exit));
	value(run, "--host", text(o.host));
	value(run, "--port", number(o.port, 1, 65535 - 40, "a port"));
	value(run, "--kernel-port", number(o.kernel_port, 1, 65535 - 40, "a port"));
	value(run, "--backend", where(o.backend));
	value(run, "--device", text(o.device));
	add_flag(run, "--sockperf", flag(o.sockperf));
	value(run, "--sockperf-sizes",
	      sizes(o.sockperf_sizes, 14, 65536, "sockperf messages are 14 to 65536 bytes"));
	add_flag(run, "--wrk", flag(o.wrk));
	value(run, "--wrk-conns", counts(o.wrk_conns, 1000000, "a list of counts like 1,64,1k"));
	value(run, "--ext-duration", seconds(o.ext_duration, false));
	value(run, "--memory", number(o.memory_conns, 1, 100000, "1 to 100k connections"));
	value(run, "--json", text(o.json_path));
	value(run, "--label", text(o.label));
	value(run, "--accelerator", text(o.accelerator));
	add_flag(run, "--trace", flag(o.trace));
	add_flag(run, "-q,--quiet", flag(o.quiet));

	// serve [KIND]: the control server, or one server.
	CLI::App *serve = app.add_subcommand("serve");
	serve->add_option("kind", o.kind);
	value(serve, "--listen", where(o.listen));
	value(serve, "--host", text(o.host));
	value(serve, "--port", number(o.port, 1, 65535 - 40, "a port"));
	value(serve, "--threads", number(o.server_threads, 1, 1024, "1 to 1024"));
	value(serve, "--cpus", cpus(o));
	value(serve, "--device", text(o.device));
	value(serve, "--backend", where(o.backend));
	value(serve, "--ready-fd", number(o.ready_fd, 0, 1 << 20, "a file descriptor"));
	add_flag(serve, "-q,--quiet", flag(o.quiet));

	// The commands on result files.
	for (const char *name : {"table", "report", "plot", "validate"})
		app.add_subcommand(name)->add_option("files", o.files);
	add_flag(app.get_subcommand("table"), "--markdown", flag(o.markdown));
	add_flag(app.get_subcommand("report"), "--markdown", flag(o.markdown));
	CLI::App *plot = app.get_subcommand("plot");
	value(plot, "-o,--out", text(o.out_dir));
	add_flag(plot, "--all-cdfs", flag(o.all_cdfs));
	add_flag(plot, "--no-render", flag(o.render, false));
	CLI::App *validate = app.get_subcommand("validate");
	value(validate, "--require-paths", paths(o.require_paths));
	add_flag(validate, "--strict", flag(o.strict));
	app.add_subcommand("help");
	app.add_subcommand("version");

	// What no command takes is named below, not thrown.
	app.allow_extras();
	for (CLI::App *sub : app.get_subcommands({}))
		sub->allow_extras();

	std::vector<std::string> rev(args.rbegin(), args.rend());
	if (!rev.empty())
		rev.pop_back();	// the program's name
	bool mismatch = false;
	try {
		app.parse(std::move(rev));
	} catch (const CLI::ParseError &e) {
		// -h anywhere is the help, whatever else is wrong.
		if (dynamic_cast<const CLI::CallForHelp *>(&e) ||
		    std::ranges::any_of(args, [](auto &a) { return a == "-h" || a == "--help"; })) {
			o.command = "help";
			return o;
		}
		error = e.what();
		mismatch = dynamic_cast<const CLI::ArgumentMismatch *>(&e);
	}
	// A flag given a value: CLI11 stops at --sockperf=1 (a mismatch), but
	// lets --sockperf= and --sockperf=true through.
	std::vector<CLI::App *> apps = app.get_subcommands({});
	apps.push_back(&app);
	for (auto &a : args) {
		std::string name = a.substr(0, a.find('='));
		if (!a.starts_with("--") || name == a)
			continue;
		for (CLI::App *from : apps)
			if (auto *opt = from->get_option_no_throw(name);
			    opt && opt->get_expected_max() == 0 && (mismatch || opt->count())) {
				error = "option " + name + " takes no value";
				return std::nullopt;
			}
	}
	if (mismatch) {
		// Else the last option, left without its value.
		std::string name = args.back().substr(0, args.back().find('='));
		if (!name.starts_with("--") && name.size() > 2)
			name = std::string("-") + name.back();	// -qo: -o
		error = name + " needs a value";
	}
	if (!error.empty())
		return std::nullopt;

	// What CLI11 left: an unknown command or option, or one argument too many.
	CLI::App *cmd = app.get_subcommands().empty() ? nullptr : app.get_subcommands()[0];
	for (CLI::App *from : {&app, cmd}) {
		if (!from || from->remaining().empty())
			continue;
		std::string a = from->remaining()[0];
		if (a.starts_with("-"))
			error = unknown_option(app, from == &app ? nullptr : cmd, args, a);
		else if (!cmd && !version->count())
			error = "unknown command '" + a + "'";
		else
			error = "unexpected argument '" + a + "'";
		return std::nullopt;
	}
	if (!cmd && !version->count()) {
		error = "no command (run, serve, table, report, plot, validate, help)";
		return std::nullopt;
	}
	if (cmd && version->count()) {
		error = "unexpected argument '" + cmd->get_name() + "'";
		return std::nullopt;
	}
	o.command = cmd ? cmd->get_name() : "version";
	if (cmd == serve && !o.kind.empty() && !valid_server_kind(o.kind)) {
		error = "serve: no kind '" + o.kind +
			"' (blocking, epoll, io_uring, spin, http or relay; none: the control server)";
		return std::nullopt;
	}
	if (cmd == serve && o.kind.empty())
		o.host = "0.0.0.0";

	for (CLI::App *from : {&app, cmd}) {
		if (!from)
			continue;
		std::map<const CLI::Option *, std::size_t> seen;
		for (const CLI::Option *opt : from->parse_order()) {
			const std::string &v = opt->results().at(seen[opt]++);
			auto store = stores.find(opt);
			if (store == stores.end())
				continue;	// the kind, the files: CLI11 stored them
			if (std::string what = store->second(v); !what.empty()) {
				error = "bad " + opt->get_name() + " '" + v + "': " + what;
				return std::nullopt;
			}
		}
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
