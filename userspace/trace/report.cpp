// SPDX-License-Identifier: GPL-2.0
#include "report.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <tuple>

namespace syncsock::trace {
namespace {

template <typename T>
std::optional<T> parse_uint(std::string_view s, T min, T max)
{
	std::uint64_t v;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
		return std::nullopt;
	return static_cast<T>(v);
}

std::optional<double> parse_seconds(std::string_view s)
{
	std::string str(s);
	char *end;
	double v = std::strtod(str.c_str(), &end);
	if (str.empty() || *end || !std::isfinite(v) || v <= 0 || v > 365 * 86400.0)
		return std::nullopt;
	return v;
}

std::string fmt(const char *f, double v)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), f, v);
	return buf;
}

std::string fmt_opt(const char *f, std::optional<double> v)
{
	return v ? fmt(f, *v) : "-";
}

std::string addr_port(std::uint16_t family, const std::uint8_t *addr, std::uint16_t port)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	if (family == AF_INET6) {
		inet_ntop(AF_INET6, addr, buf, sizeof(buf));
		return "[" + std::string(buf) + "]:" + std::to_string(port);
	}
	inet_ntop(AF_INET, addr, buf, sizeof(buf));
	return std::string(buf) + ":" + std::to_string(port);
}

// The fine histogram's bucket @slot as [lo, hi] nanoseconds.
std::pair<double, double> ns_bucket(std::size_t slot)
{
	constexpr unsigned sub_bits = SST_NS_SUB_BITS;
	if (slot < (1u << sub_bits))
		return {static_cast<double>(slot), static_cast<double>(slot)};
	unsigned l = slot >> sub_bits, sub = slot & ((1u << sub_bits) - 1);
	double lo = std::ldexp(static_cast<double>((1u << sub_bits) | sub), l - sub_bits);
	double width = std::ldexp(1.0, l - sub_bits);
	return {lo, lo + width - 1};
}

using text::Json;

// Three decimals (plenty for microseconds and shares), a whole number as
// one (2, not 2.0), as the document has always been written; null for what
// was not measured.
Json number(std::optional<double> v)
{
	return v ? text::thousandths(*v) : Json(nullptr);
}

void put_counts(Json &j, const Counts &c)
{
	j["deliveries"] = c.deliveries;
	j["bytes"] = c.bytes;
	j["softirq"] = c.softirq;
	j["process"] = c.deliveries - c.softirq;
	j["softirq_share"] = number(c.softirq_share());
	j["queued"] = c.queued;
	j["wakeups"] = c.wakeups;
	j["wakeups_per_delivery"] = number(c.wakeups_per_delivery());
	j["wakeups_nodata"] = c.wakeups_nodata;
	j["timed"] = c.timed;
}

// Compact or indented by two, ending in a newline; bytes that are not UTF-8
// (a handler's name) become U+FFFD rather than an exception.

} // namespace

std::string usage()
{
	return R"(Usage: syncsock-trace [OPTIONS]

How long received data waits between TCP queuing it (tcp_data_ready) and its
consumer taking it: a syncsock handler (syncsock:syncsock_rx) or a user-space
recv()/read()/io_uring (tcp_recvmsg), per path, until Ctrl-C or -t.

  -P, --port PORT        only sockets of this local port (repeatable, or a
                         comma list); a user-space path is a local port
  -l, --listener ID      only connections of this syncsock listener (repeatable);
                         -P and -l together select either
  -t, --duration SECS    stop after SECS seconds (decimals allowed)
  -C, --conns            also report each connection
  -j, --json             print one JSON document on stdout, nothing else
  -p, --pretty           the same, indented
      --kprobes          probe tcp_data_ready with a kprobe, not fentry
  -v, --verbose          libbpf's messages on stderr
  -V, --version          print the version
  -h, --help             this help

Per path: a log2 histogram of the delay (usecs), deliveries (one skb or its
rest handed to the consumer), the share made in softirq, tasks woken per
delivery, mean, p50 and p99 (estimates within 12.5%).

Examples:
  syncsock-trace -P 7600 -P 7601 -t 10      a syncsock echo vs a user-space server
  syncsock-trace -l 1 -j -t 5               JSON for listener 1, for a benchmark

Exit status: 0 ok, 1 usage error, 2 the kernel refused (BPF, tracepoints).
Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BTF.
)";
}

Parsed parse_args(std::span<const std::string_view> given)
{
	Parsed p;
	Options &o = p.options;
	std::vector<std::string> args(given.begin(), given.end());

	// CLI11 splits the line (--name=value, -P7600, -jC); each value is
	// then taken in the order given: "" or the error.
	CLI::App app("syncsock-trace", "syncsock-trace");
	app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.allow_extras();
	std::map<const CLI::Option *, std::function<std::string(const std::string &)>> stores;
	stores[app.add_option("-P,--port")] = [&](const std::string &v) -> std::string {
		std::string_view rest = v;
		while (true) {
			auto comma = rest.find(',');
			auto port = parse_uint<std::uint16_t>(rest.substr(0, comma), 1, 65535);
			if (!port)
				return "bad port '" + v + "': expected 1-65535";
			o.ports.push_back(*port);
			if (comma == std::string_view::npos)
				return "";
			rest = rest.substr(comma + 1);
		}
	};
	stores[app.add_option("-l,--listener")] = [&](const std::string &v) -> std::string {
		auto id = parse_uint<std::uint32_t>(v, 1, UINT32_MAX);
		if (!id)
			return "bad listener id '" + v +
			       "': expected a number (syncsockctl listener list)";
		o.listeners.push_back(*id);
		return "";
	};
	stores[app.add_option("-t,--duration")] = [&](const std::string &v) -> std::string {
		o.duration = parse_seconds(v);
		if (!o.duration)
			return "bad duration '" + v + "': expected seconds > 0, e.g. 10 or 0.5";
		return "";
	};
	auto flag = [&](const std::string &names, bool &to) {
		stores[app.add_flag(names)->disable_flag_override()] = [&to](const std::string &) {
			to = true;
			return std::string();
		};
	};
	flag("-C,--conns", o.conns);
	flag("-j,--json", o.json);
	flag("-p,--pretty", o.pretty);
	flag("--kprobes", o.kprobes);
	flag("-v,--verbose", o.verbose);
	flag("-V,--version", o.version);

	bool mismatch = false;
	try {
		app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
	} catch (const CLI::ParseError &e) {
		// -h anywhere is the help, whatever else is wrong.
		if (dynamic_cast<const CLI::CallForHelp *>(&e) ||
		    std::ranges::any_of(args, [](auto &a) { return a == "-h" || a == "--help"; })) {
			o.help = true;
			return p;
		}
		p.error = e.what();
		mismatch = dynamic_cast<const CLI::ArgumentMismatch *>(&e);
	}
	// A flag given a value: CLI11 stops at --json=1 (a mismatch), but lets
	// --json= and --json=true through.
	for (auto &a : args)
		if (auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos)
			if (auto *opt = app.get_option_no_throw(a.substr(0, eq));
			    opt && opt->get_expected_max() == 0 && (mismatch || opt->count())) {
				p.error = a.substr(0, eq) + " takes no value";
				return p;
			}
	if (mismatch) {
		// Else the last option, left without its value (-P, -jP).
		std::string last = args.back().substr(0, args.back().find('='));
		if (!last.starts_with("--") && last.size() > 2)
			last = std::string("-") + last.back();
		p.error = last + " needs a value";
	}
	if (!p.error.empty())
		return p;
	if (!app.remaining().empty()) {
		// A letter split off a cluster (-jx: -x) is named with it.
		std::string a = app.remaining()[0];
		p.error = "unknown argument '" + a + "' (see -h)";
		if (std::find(args.begin(), args.end(), a) == args.end())
			for (auto &g : args)
				if (g.size() > 2 && g[0] == '-' && g[1] != '-' &&
				    g.ends_with(a.substr(1))) {
					p.error = "unknown option '-" + a.substr(1, 1) + "' in '" +
						  g + "' (see -h)";
					break;
				}
		return p;
	}
	std::map<const CLI::Option *, std::size_t> seen;
	for (const CLI::Option *opt : app.parse_order()) {
		p.error = stores.at(opt)(opt->results().at(seen[opt]++));
		if (!p.error.empty())
			return p;
	}
	o.json |= o.pretty;	// -p is JSON, indented

	std::sort(o.ports.begin(), o.ports.end());
	o.ports.erase(std::unique(o.ports.begin(), o.ports.end()), o.ports.end());
	std::sort(o.listeners.begin(), o.listeners.end());
	o.listeners.erase(std::unique(o.listeners.begin(), o.listeners.end()), o.listeners.end());
	if (o.ports.size() > 64 || o.listeners.size() > 64)
		p.error = "at most 64 ports and 64 listeners";
	return p;
}

ErrorFormat error_format(std::span<const std::string_view> args)
{
	ErrorFormat f;
	for (auto a : args) {
		f.json |= a == "--json" || a == "--pretty";
		f.pretty |= a == "--pretty";
		if (a.size() < 2 || a[0] != '-' || a[1] == '-')
			continue;
		// A group ends at a letter that takes a value: -P7600, -t5.
		for (char c : a.substr(1)) {
			if (c == 'P' || c == 'l' || c == 't')
				break;
			f.json |= c == 'j' || c == 'p';
			f.pretty |= c == 'p';
		}
	}
	return f;
}

Counts Counts::from(const sst_counts &c)
{
	Counts r;
	r.deliveries = c.deliveries;
	r.bytes = c.bytes;
	r.softirq = c.softirq;
	r.queued = c.queued;
	r.wakeups = c.wakeups;
	r.wakeups_nodata = c.wakeups_nodata;
	r.timed = c.timed;
	r.delay_sum_ns = c.delay_sum_ns;
	r.delay_max_ns = c.delay_max_ns;
	return r;
}

double Counts::softirq_share() const
{
	return deliveries ? static_cast<double>(softirq) / deliveries : 0;
}

double Counts::wakeups_per_delivery() const
{
	return deliveries ? static_cast<double>(wakeups) / deliveries : 0;
}

std::optional<double> Counts::mean_us() const
{
	if (!timed)
		return std::nullopt;
	return static_cast<double>(delay_sum_ns) / timed / 1000;
}

std::optional<double> Counts::max_us() const
{
	if (!timed)
		return std::nullopt;
	return delay_max_ns / 1000.0;
}

Path Path::from(const sst_path_key &key, const sst_path_stats &s)
{
	Path p;
	p.kind = static_cast<sst_kind>(key.kind);
	p.listener = key.kind == SST_KIND_SYNCSOCK ? key.id : 0;
	p.port = static_cast<std::uint16_t>(s.port);
	p.c = Counts::from(s.c);
	std::copy(std::begin(s.hist_us), std::end(s.hist_us), p.hist_us.begin());
	std::copy(std::begin(s.hist_ns), std::end(s.hist_ns), p.hist_ns.begin());
	return p;
}

std::string Path::label() const
{
	if (kind != SST_KIND_SYNCSOCK)
		return "user-space port " + std::to_string(port);
	std::string s = "syncsock listener " + std::to_string(listener);
	std::string what = handler;
	if (!address.empty())
		what += (what.empty() ? "" : " ") + address;
	else
		what += (what.empty() ? "" : " ") + std::string("port ") + std::to_string(port);
	return s + " (" + what + ")";
}

std::optional<double> Path::quantile_us(double q) const
{
	std::uint64_t total = 0;
	for (auto v : hist_ns)
		total += v;
	if (!total)
		return std::nullopt;
	auto want = static_cast<std::uint64_t>(std::ceil(q * total));
	want = std::clamp<std::uint64_t>(want, 1, total);
	std::uint64_t seen = 0;
	for (std::size_t i = 0; i < hist_ns.size(); i++) {
		seen += hist_ns[i];
		if (seen >= want) {
			auto [lo, hi] = ns_bucket(i);
			double mid = (lo + hi) / 2;
			if (c.delay_max_ns && mid > c.delay_max_ns)
				mid = c.delay_max_ns;
			return mid / 1000;
		}
	}
	return std::nullopt;
}

Conn Conn::from(const sst_conn_stats &s)
{
	Conn c;
	c.kind = static_cast<sst_kind>(s.kind);
	c.listener = s.listener;
	c.local = addr_port(s.family, s.laddr, s.lport);
	c.remote = addr_port(s.family, s.raddr, s.rport);
	c.c = Counts::from(s.c);
	return c;
}

std::string Conn::path() const
{
	if (kind == SST_KIND_SYNCSOCK)
		return "syncsock listener " + std::to_string(listener);
	return "user-space";
}

void Report::sort()
{
	std::sort(paths.begin(), paths.end(), [](const Path &a, const Path &b) {
		return std::tuple(a.kind, a.listener, a.port) <
		       std::tuple(b.kind, b.listener, b.port);
	});
	std::sort(conns.begin(), conns.end(), [](const Conn &a, const Conn &b) {
		return std::tuple(a.kind, a.listener, a.local, a.remote) <
		       std::tuple(b.kind, b.listener, b.local, b.remote);
	});
}

std::string format_log2_hist(std::span<const std::uint64_t> slots, std::string_view unit)
{
	constexpr int stars_max = 40;
	int idx_max = -1;
	std::uint64_t val_max = 0;
	std::string out;
	char buf[128];

	for (std::size_t i = 0; i < slots.size(); i++) {
		if (slots[i])
			idx_max = static_cast<int>(i);
		val_max = std::max(val_max, slots[i]);
	}
	if (idx_max < 0)
		return out;
	std::snprintf(buf, sizeof(buf), "%*s%-*s : count    distribution\n", 5, "", 19,
		      std::string(unit).c_str());
	out += buf;
	for (int i = 0; i <= idx_max; i++) {
		unsigned long long low = (1ULL << (i + 1)) >> 1, high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		std::snprintf(buf, sizeof(buf), "%10llu -> %-10llu : %-8llu |", low, high,
			      static_cast<unsigned long long>(slots[i]));
		out += buf;
		int stars = static_cast<int>(slots[i] * stars_max / val_max);
		out.append(stars, '*');
		out.append(stars_max - stars, ' ');
		out += "|\n";
	}
	return out;
}

std::string format_text(const Report &r)
{
	std::string out;
	char buf[256];

	if (r.paths.empty())
		out += "No data was consumed on a traced path.\n";
	for (const auto &p : r.paths) {
		out += "\npath: " + p.label() + "\n";
		out += format_log2_hist(p.hist_us, "usecs");
		const Counts &c = p.c;
		std::snprintf(buf, sizeof(buf),
			      "  deliveries %llu (%llu bytes), softirq %.1f%%, "
			      "wakeups/delivery %.2f, queued %llu\n",
			      static_cast<unsigned long long>(c.deliveries),
			      static_cast<unsigned long long>(c.bytes), 100 * c.softirq_share(),
			      c.wakeups_per_delivery(), static_cast<unsigned long long>(c.queued));
		out += buf;
		out += "  delay: mean " + fmt_opt("%.1f", c.mean_us()) + " us, p50 ~" +
		       fmt_opt("%.1f", p.quantile_us(0.5)) + " us, p99 ~" +
		       fmt_opt("%.1f", p.quantile_us(0.99)) + " us, max " +
		       fmt_opt("%.1f", c.max_us()) + " us";
		if (c.timed != c.deliveries)
			out += " (" + std::to_string(c.deliveries - c.timed) +
			       " deliveries of data queued before tracing began: not timed)";
		out += "\n";
	}

	if (!r.paths.empty()) {
		out += "\n";
		std::snprintf(buf, sizeof(buf), "%-44s %10s %12s %8s %12s %10s %10s %10s\n", "PATH",
			      "DELIVERIES", "BYTES", "SOFTIRQ", "WAKEUPS/DLV", "MEAN_us", "P50_us",
			      "P99_us");
		out += buf;
		for (const auto &p : r.paths) {
			const Counts &c = p.c;
			std::snprintf(buf, sizeof(buf),
				      "%-44s %10llu %12llu %7.1f%% %12.2f %10s %10s %10s\n",
				      p.label().c_str(),
				      static_cast<unsigned long long>(c.deliveries),
				      static_cast<unsigned long long>(c.bytes),
				      100 * c.softirq_share(), c.wakeups_per_delivery(),
				      fmt_opt("%.1f", c.mean_us()).c_str(),
				      fmt_opt("%.1f", p.quantile_us(0.5)).c_str(),
				      fmt_opt("%.1f", p.quantile_us(0.99)).c_str());
			out += buf;
		}
	}

	if (r.options.conns && !r.conns.empty()) {
		out += "\n";
		std::snprintf(buf, sizeof(buf), "%-24s %-24s %-22s %8s %10s %7s %10s %10s %8s\n",
			      "LOCAL", "REMOTE", "PATH", "DLV", "BYTES", "SOFTIRQ", "MEAN_us",
			      "MAX_us", "WAKEUPS");
		out += buf;
		for (const auto &c : r.conns) {
			std::snprintf(buf, sizeof(buf),
				      "%-24s %-24s %-22s %8llu %10llu %6.1f%% %10s %10s %8llu\n",
				      c.local.c_str(), c.remote.c_str(), c.path().c_str(),
				      static_cast<unsigned long long>(c.c.deliveries),
				      static_cast<unsigned long long>(c.c.bytes),
				      100 * c.c.softirq_share(),
				      fmt_opt("%.1f", c.c.mean_us()).c_str(),
				      fmt_opt("%.1f", c.c.max_us()).c_str(),
				      static_cast<unsigned long long>(c.c.wakeups));
			out += buf;
		}
	}

	const auto &g = r.globals;
	if (g.state_full || g.path_full || g.conn_full)
		out += "\nNot recorded for lack of map room: " + std::to_string(g.state_full) +
		       " socket states, " + std::to_string(g.path_full) + " paths, " +
		       std::to_string(g.conn_full) + " connections.\n";
	if (!r.syncsock_events)
		out += "\nsyncsock.ko was not loaded: only user-space paths were traced.\n";
	return out;
}

std::string format_json(const Report &r)
{
	Json j;
	j["version"] = kJsonVersion;
	j["duration_s"] = number(r.duration_s);
	j["probe"] = r.probe;
	j["syncsock_events"] = r.syncsock_events;
	j["wakeup_context_checked"] = r.context_checked;
	j["filters"]["ports"] = r.options.ports;
	j["filters"]["listeners"] = r.options.listeners;

	j["paths"] = Json::array();
	for (const auto &p : r.paths) {
		Json &jp = j["paths"].emplace_back();
		jp["path"] = p.kind == SST_KIND_SYNCSOCK ? "syncsock" : "user";
		jp["listener"] = p.kind == SST_KIND_SYNCSOCK ? Json(p.listener) : Json(nullptr);
		jp["port"] = p.port;
		if (!p.handler.empty())
			jp["handler"] = p.handler;
		if (!p.address.empty())
			jp["address"] = p.address;
		jp["label"] = p.label();
		put_counts(jp, p.c);
		jp["delay_us"] = {{"mean", number(p.c.mean_us())},
				  {"p50", number(p.quantile_us(0.5))},
				  {"p90", number(p.quantile_us(0.9))},
				  {"p99", number(p.quantile_us(0.99))},
				  {"max", number(p.c.max_us())}};
		jp["hist_us"] = Json::array();
		std::size_t end = p.hist_us.size();
		while (end && !p.hist_us[end - 1])
			end--;
		for (std::size_t i = 0; i < end; i++)
			jp["hist_us"].push_back({{"lo", i ? (1ULL << i) : 0ULL},
						 {"hi", (1ULL << (i + 1)) - 1},
						 {"count", p.hist_us[i]}});
	}

	if (r.options.conns) {
		j["conns"] = Json::array();
		for (const auto &c : r.conns) {
			Json &jc = j["conns"].emplace_back();
			jc["path"] = c.kind == SST_KIND_SYNCSOCK ? "syncsock" : "user";
			jc["listener"] = c.kind == SST_KIND_SYNCSOCK ? Json(c.listener) : Json(nullptr);
			jc["local"] = c.local;
			jc["remote"] = c.remote;
			put_counts(jc, c.c);
			jc["delay_us"] = {{"mean", number(c.c.mean_us())},
					  {"max", number(c.c.max_us())}};
		}
	}

	const auto &g = r.globals;
	j["lost"] = {{"untimed", g.untimed},
		     {"state_full", g.state_full},
		     {"path_full", g.path_full},
		     {"conn_full", g.conn_full},
		     {"coalesced", g.coalesced}};
	return text::json_text(j, r.options.pretty);
}


} // namespace syncsock::trace
