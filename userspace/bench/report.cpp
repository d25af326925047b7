// SPDX-License-Identifier: GPL-2.0
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "proxies.hpp"
#include "table.hpp"

namespace ssb {

using syncsock::text::Table;

const std::vector<std::string> &echo_paths()
{
	static const std::vector<std::string> order = {"kernel",     "epoll",    "epoll-reuseport",
						       "epoll-busy", "io_uring", "blocking",
						       "spin"};
	return order;
}

const std::vector<std::string> &path_order()
{
	static const std::vector<std::string> order = [] {
		std::vector<std::string> o = echo_paths();
		o.insert(o.end(), proxy_paths().begin(), proxy_paths().end());
		return o;
	}();
	return order;
}

static int path_rank(const std::string &p)
{
	auto &o = path_order();
	auto it = std::find(o.begin(), o.end(), p);
	return it == o.end() ? int(o.size()) : int(it - o.begin());
}

std::string fmt_fixed(double v, int decimals)
{
	if (!std::isfinite(v))
		return "-";
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return buf;
}

std::string fmt_us(double us)
{
	if (!std::isfinite(us) || us < 0)
		return "-";
	if (us >= 10000)
		return fmt_fixed(us, 0);
	if (us >= 100)
		return fmt_fixed(us, 1);
	return fmt_fixed(us, 2);
}

std::string fmt_count(double v)
{
	if (!std::isfinite(v))
		return "-";
	auto n = static_cast<long long>(std::llround(v));
	std::string s = std::to_string(n < 0 ? -n : n);
	std::string out;
	int k = 0;
	for (auto it = s.rbegin(); it != s.rend(); ++it) {
		if (k && k % 3 == 0)
			out += ',';
		out += *it;
		k++;
	}
	if (n < 0)
		out += '-';
	return std::string(out.rbegin(), out.rend());
}

std::string fmt_ratio(double r)
{
	if (!std::isfinite(r) || r <= 0)
		return "-";
	return fmt_fixed(r, r >= 10 ? 1 : 2) + "x";
}

bool small_guest(const json::Value &conditions)
{
	double kib = json::num(conditions, "mem_total_kib");
	return kib > 0 && kib < 1536 * 1024;
}

namespace {

// The entries of @key ("runs" or "external") of every file, each with its
// file's conditions that the tables and plots group by.
json::Value merged(const std::vector<json::Value> &docs, const char *key)
{
	json::Value out = json::Value::array();
	for (auto &d : docs) {
		const json::Value &c = json::get(d, "conditions");
		for (auto &r : json::items(json::get(d, key))) {
			if (!r.is_object())
				continue;	// validate says so
			json::Value run = r;
			run["vcpus"] = json::num(c, "vcpus");
			run["idle_poll"] = json::flag(c, "idle_poll");
			run["small_guest"] = small_guest(c);
			run["accelerator"] = json::str(c, "accelerator");
			run["two_hosts"] = json::str(c, "setup") == "two hosts";
			run["server_cpus"] = double(
				json::items(json::get(c, "server_host", "server_cpus")).size());
			out.push_back(std::move(run));
		}
	}
	return out;
}

} // namespace

json::Value merged_runs(const std::vector<json::Value> &docs)
{
	return merged(docs, "runs");
}

json::Value merged_external(const std::vector<json::Value> &docs)
{
	return merged(docs, "external");
}

namespace {

using Key =
	std::tuple<bool, bool, bool, bool, double, double, double, double, std::string, double>;

// An open-loop run at a fraction of its path's own capacity (of its
// closed-loop peak, in files from before the capacity search): the
// fraction, or 0.
double load_of(const json::Value &r)
{
	return json::num(json::get(r, "load"), "fraction", 0);
}

// The base of such a run: "capacity" (the highest open-loop rate the path
// kept) or "peak" (its closed-loop peak).
std::string load_base(const json::Value &r)
{
	return json::get(r, "load", "search").is_array() ? "capacity" : "peak";
}

Key key_of(const json::Value &r)
{
	// The server on its own CPU first; idle=poll runs after the plain
	// ones, then those of a small guest; then vCPUs, size, connections.
	// Runs at a fraction of each path's peak share a cell whatever their
	// rates.
	double load = load_of(r);
	std::string mode = json::str(r, "mode", "closed");
	if (load > 0)
		mode += " load " + fmt_fixed(load * 100, 0);
	// The proxy paths' cells after the echo ones.
	return {is_proxy_path(json::str(r, "path")),
		!json::flag(r, "two_hosts"),
		json::flag(r, "idle_poll"),
		json::flag(r, "small_guest"),
		json::num(r, "vcpus"),
		json::num(r, "msg_size"),
		json::num(r, "conns"),
		json::num(r, "depth", 1),
		mode,
		load > 0 ? 0 : json::num(r, "rate")};
}

bool is_churn(const json::Value &r)
{
	return json::str(r, "mode") == "churn";
}

// The loop column of the summaries.
std::string loop_label(const json::Value &r)
{
	if (is_churn(r))
		return "churn";
	if (json::str(r, "mode") == "open")
		return load_of(r) > 0
			       ? "open " + fmt_fixed(load_of(r) * 100, 0) + " % of " + load_base(r)
			       : "open " + fmt_count(json::num(r, "rate")) + "/s";
	return "closed d" + fmt_count(json::num(r, "depth", 1));
}

// The serving host's CPU count, in the title of a split cell.
double server_cpus(const json::Value &r)
{
	return json::num(r, "server_cpus");
}

std::string cell_title(const json::Value &r)
{
	auto n = [](double v) { return fmt_count(v); };
	std::string t =
		n(json::num(r, "vcpus")) + (json::num(r, "vcpus") == 1 ? " vCPU" : " vCPUs");
	if (json::flag(r, "two_hosts"))
		t = "server on " + n(server_cpus(r)) +
		    (server_cpus(r) == 1 ? " CPU" : " CPUs") + " of its own, client on " + t;
	if (json::flag(r, "idle_poll"))
		t += " (idle=poll)";
	if (json::flag(r, "small_guest"))
		t += " (1 GiB guest)";
	t += ", " + n(json::num(r, "conns")) +
	     (json::num(r, "conns") == 1 ? " connection" : " connections");
	t += ", " + n(json::num(r, "msg_size")) + " B messages";
	if (is_churn(r))
		t += ", churn: a new connection for each message (cycles/s: the accept rate)";
	else if (json::str(r, "mode") == "open" && load_of(r) > 0)
		t += ", open loop at " + fmt_fixed(load_of(r) * 100, 0) +
		     (load_base(r) == "capacity" ? " % of each path's own open-loop capacity"
						 : " % of each path's own closed-loop peak");
	else if (json::str(r, "mode") == "open")
		t += ", open loop at " + n(json::num(r, "rate")) + " msg/s";
	else
		t += ", closed loop, depth " + n(json::num(r, "depth", 1));
	return t;
}

std::map<Key, std::vector<const json::Value *>> group(const json::Value &runs)
{
	std::map<Key, std::vector<const json::Value *>> g;
	for (auto &r : json::items(runs))
		g[key_of(r)].push_back(&r);
	for (auto &[k, v] : g)
		std::stable_sort(v.begin(), v.end(), [](auto *a, auto *b) {
			return path_rank(json::str(*a, "path")) < path_rank(json::str(*b, "path"));
		});
	return g;
}

const json::Value *find_path(const std::vector<const json::Value *> &v, const std::string &p)
{
	for (auto *r : v)
		if (json::str(*r, "path") == p && json::num(*r, "errors") == 0)
			return r;
	return nullptr;
}

double lat(const json::Value *r, const char *p)
{
	return r ? json::num(json::get(*r, "latency_us"), p, NAN) : NAN;
}

double tput(const json::Value *r)
{
	return r ? json::num(*r, "throughput_rps", NAN) : NAN;
}

double div(double a, double b)
{
	return (std::isfinite(a) && std::isfinite(b) && b > 0) ? a / b : NAN;
}

std::string heading(const std::string &t, bool md)
{
	return md ? "#### " + t + "\n\n" : "== " + t + "\n";
}

} // namespace

std::string render_conditions(const json::Value &doc, bool md)
{
	const json::Value &c = json::get(doc, "conditions");
	std::string s;
	auto line = [&](const std::string &k, const std::string &v) {
		if (v.empty())
			return;
		s += md ? "- " + k + ": " + v + "\n" : "  " + k + ": " + v + "\n";
	};
	line("date", json::str(c, "date"));
	line("guest kernel", json::str(c, "kernel") + " " + json::str(c, "kernel_version"));
	line("vCPUs",
	     fmt_count(json::num(c, "vcpus")) + (json::flag(c, "idle_poll") ? ", idle=poll" : ""));
	line("accelerator", json::str(c, "accelerator"));
	line("CPU model", json::str(c, "cpu_model"));
	line("memory", fmt_count(json::num(c, "mem_total_kib") / 1024) + " MiB");
	line("syncsock module", json::str(c, "module_version"));
	line("pinning", json::str(c, "pin"));
	line("command line", json::str(c, "command_line"));
	line("note", json::str(c, "label"));
	return s;
}

namespace {

double capacity(const json::Value *r)
{
	return r ? json::num(json::get(*r, "split", "server"), "capacity_rps_derived", NAN) : NAN;
}

// The user-space path of @v with the highest derived capacity (or, with
// @measure = tput, the highest measured throughput).
const json::Value *best_user(const std::vector<const json::Value *> &v,
			     double (*measure)(const json::Value *) = capacity)
{
	const json::Value *best = nullptr;
	for (auto *r : v)
		if (json::str(*r, "path") != "kernel" && json::num(*r, "errors") == 0 &&
		    (!best || measure(r) > measure(best)))
			best = r;
	return best;
}

// A cell of the two-host set-up: each side's CPU on its own.
std::string render_split_cell(const std::vector<const json::Value *> &v, bool md)
{
	const json::Value *base = find_path(v, "epoll");
	const json::Value *best = best_user(v);
	const bool churn = is_churn(*v.front());
	const bool load = load_of(*v.front()) > 0;
	auto t = Table::numeric({"path", churn ? "conn/s" : load ? "rate req/s" : "req/s", "p50 us", "p99 us",
		     "server busy", churn ? "server us/conn" : "server us/req",
		     "usr/sys/si", "capacity req/s", "cap x epoll", "cap x best", "client busy",
		     "client us/req", "on own CPUs"});
	std::string failures, leaks, caps;
	for (auto *r : v) {
		std::string path = json::str(*r, "path");
		const json::Value &ld = json::get(*r, "load");
		if (load && json::get(ld, "search").is_array())
			caps += (caps.empty() ? "" : ", ") + path + " " +
				fmt_count(json::num(ld, "capacity_rps")) +
				(json::num(ld, "capacity_server_busy") > 0
					 ? " (" +
						   fmt_fixed(json::num(ld, "capacity_server_busy") *
								     100,
							     0) +
						   " % busy)"
					 : "");
		if (json::num(*r, "errors") != 0) {
			failures += (md ? "- " : "") + path +
				    ": FAILED: " + json::str(*r, "error", "errors") + "\n";
			continue;
		}
		const json::Value &sv = json::get(*r, "split", "server");
		const json::Value &cv = json::get(*r, "split", "client");
		const json::Value &us = json::get(sv, "us_per_req");
		if (json::flag(sv, "leaking"))
			leaks += (md ? "- " : "") + path + ": LEAKING: " + json::str(sv, "why") +
				 "\n";
		t.add_row({path, fmt_count(tput(r)), fmt_us(lat(r, "p50")), fmt_us(lat(r, "p99")),
		       fmt_fixed(json::num(sv, "busy", NAN) * 100, 0) + " %",
		       fmt_fixed(json::num(us, "total", NAN), 1),
		       fmt_fixed(json::num(us, "user", NAN), 1) + "/" +
			       fmt_fixed(json::num(us, "system", NAN), 1) + "/" +
			       fmt_fixed(json::num(us, "softirq", NAN), 1),
		       fmt_count(capacity(r)), fmt_ratio(div(capacity(r), capacity(base))),
		       fmt_ratio(div(capacity(r), capacity(best))),
		       fmt_fixed(json::num(cv, "busy", NAN) * 100, 0) + " %",
		       fmt_fixed(json::num(json::get(cv, "us_per_req"), "total", NAN), 1),
		       fmt_fixed(json::num(sv, "own_share", NAN) * 100, 0) + " %"});
	}
	std::string out = md ? t.markdown() : t.render();
	if (!caps.empty())
		out += std::string(md ? "\n" : "") +
		       "open-loop capacity (the highest rate each path kept, req/s; its server's "
		       "busy time there): " +
		       caps + "\n";
	if (!failures.empty() || !leaks.empty())
		out += (md ? "\n" : "") + failures + leaks;
	return out;
}

// The CPU a proxy path spends per request: the serving host's (two
// hosts), else the whole host's (client and backend included).
double proxy_cpu(const json::Value *r)
{
	if (!r)
		return NAN;
	if (json::flag(*r, "two_hosts"))
		return json::num(json::get(*r, "split", "server", "us_per_req"), "total", NAN);
	return json::num(json::get(*r, "cpu_us_per_req"), "total", NAN);
}

// What a proxy path can serve: the derived capacity (two hosts), else
// what it served.
double proxy_capacity(const json::Value *r)
{
	if (r && json::flag(*r, "two_hosts"))
		return capacity(r);
	return tput(r);
}

bool is_proxy_cell(const std::vector<const json::Value *> &v)
{
	return !v.empty() && is_proxy_path(json::str(*v.front(), "path"));
}

// A cell of the proxy paths: each against HAProxy.
std::string render_proxy_cell(const std::vector<const json::Value *> &v, bool md)
{
	const json::Value *ha = find_path(v, "haproxy");
	const bool two = json::flag(*v.front(), "two_hosts");
	std::vector<std::string> titles = {"path", "req/s", "p50 us", "p99 us",
					   two ? "server us/req" : "CPU us/req"};
	if (two)
		titles.push_back("capacity req/s");
	for (const char *c : {"ctx/req srv", "p50 x haproxy", "CPU x haproxy",
			      two ? "capacity x haproxy" : "req/s x haproxy",
			      "forwards inline/queued"})
		titles.push_back(c);
	auto t = Table::numeric(titles);
	std::string failures;
	for (auto *r : v) {
		std::string path = json::str(*r, "path");
		if (json::num(*r, "errors") != 0) {
			failures += (md ? "- " : "") + path +
				    ": FAILED: " + json::str(*r, "error", "errors") + "\n";
			continue;
		}
		const json::Value &k = json::get(*r, "kernel_counters");
		std::string fwd = json::find(k, "fwd_inline")
					  ? fmt_count(json::num(k, "fwd_inline")) + "/" +
						    fmt_count(json::num(k, "fwd_queued"))
					  : "";
		std::vector<std::string> row = {path, fmt_count(tput(r)), fmt_us(lat(r, "p50")),
						fmt_us(lat(r, "p99")), fmt_fixed(proxy_cpu(r), 1)};
		if (two)
			row.push_back(fmt_count(proxy_capacity(r)));
		for (auto &c :
		     {fmt_fixed(json::num(json::get(*r, "ctx_per_req"), "server", NAN), 2),
		      fmt_ratio(div(lat(r, "p50"), lat(ha, "p50"))),
		      fmt_ratio(div(proxy_cpu(r), proxy_cpu(ha))),
		      fmt_ratio(div(proxy_capacity(r), proxy_capacity(ha))), fwd})
			row.push_back(c);
		t.add_row(row);
	}
	std::string out = md ? t.markdown() : t.render();
	if (!failures.empty())
		out += (md ? "\n" : "") + failures;
	return out;
}

} // namespace

std::string render_report(const std::vector<json::Value> &docs, bool md)
{
	json::Value runs = merged_runs(docs);
	std::string out;
	for (auto &[k, v] : group(runs)) {
		if (is_proxy_cell(v)) {
			out += heading(
				"through a proxy to one backend: " + cell_title(*v.front()) +
					(json::flag(*v.front(), "two_hosts")
						 ? " (the proxy on the server's CPU; capacity "
						   "derived from its CPU per request)"
						 : ""),
				md);
			out += render_proxy_cell(v, md) + "\n";
			continue;
		}
		if (json::flag(*v.front(), "two_hosts")) {
			out += heading(cell_title(*v.front()) +
					       " (capacity: requests/s the server's CPUs would "
					       "serve at 100 % busy, derived from its CPU per "
					       "request; ratios against epoll and the best "
					       "user-space path)",
				       md);
			out += render_split_cell(v, md) + "\n";
			continue;
		}
		const json::Value *base = find_path(v, "epoll");
		out += heading(cell_title(*v.front()) + " (ratios against epoll)", md);
		if (md)
			out += "";
		auto t = Table::numeric({"path", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "req/s",
			     "p50 x", "p99 x", "req/s x", "CPU us/req", "usr/sys/si", "ctx/req srv",
			     "ctx/req sys"});
		std::string failures;
		for (auto *r : v) {
			const json::Value &cpu = json::get(*r, "cpu_us_per_req");
			const json::Value &ctx = json::get(*r, "ctx_per_req");
			std::string path = json::str(*r, "path");
			if (json::num(*r, "errors") != 0) {
				failures += (md ? "- " : "") + path +
					    ": FAILED: " + json::str(*r, "error", "errors") + "\n";
				continue;
			}
			t.add_row({path, fmt_us(lat(r, "p50")), fmt_us(lat(r, "p90")),
			       fmt_us(lat(r, "p99")), fmt_us(lat(r, "p99.9")),
			       fmt_us(lat(r, "max")), fmt_count(tput(r)),
			       fmt_ratio(div(lat(r, "p50"), lat(base, "p50"))),
			       fmt_ratio(div(lat(r, "p99"), lat(base, "p99"))),
			       fmt_ratio(div(tput(r), tput(base))),
			       fmt_fixed(json::num(cpu, "total", NAN), 1),
			       fmt_fixed(json::num(cpu, "user", NAN), 1) + "/" +
				       fmt_fixed(json::num(cpu, "system", NAN), 1) + "/" +
				       fmt_fixed(json::num(cpu, "softirq", NAN), 1),
			       fmt_fixed(json::num(ctx, "server", NAN), 2),
			       fmt_fixed(json::num(ctx, "system", NAN), 2)});
		}
		out += md ? t.markdown() : t.render();
		if (!failures.empty())
			out += (md ? "\n" : "") + failures;
		out += "\n";
	}
	out += render_summary(docs, md);
	std::string tr = render_trace(docs, md);
	if (!tr.empty())
		out += "\n" + tr;
	std::string ext = render_external(docs, md);
	if (!ext.empty())
		out += "\n" + ext;
	return out;
}

std::string render_summary(const std::vector<json::Value> &docs, bool md)
{
	json::Value runs = merged_runs(docs);
	auto t = Table::numeric({"vCPUs", "conns", "size", "loop", "p50 vs epoll", "p99 vs epoll",
		     "req/s vs epoll", "req/s vs io_uring", "kernel req/s", "kernel ctx/req srv"},
		    {false, true, true, false, true, true, true, true, true, true});
	bool any = false;
	for (auto &[k, v] : group(runs)) {
		const json::Value *kr = find_path(v, "kernel");
		if (!kr || json::flag(*kr, "two_hosts"))
			continue;
		const json::Value *ep = find_path(v, "epoll");
		const json::Value *ur = find_path(v, "io_uring");
		std::string vc = fmt_count(json::num(*kr, "vcpus")) +
				 (json::flag(*kr, "idle_poll") ? " idle=poll" : "") +
				 (json::flag(*kr, "small_guest") ? " 1 GiB" : "");
		std::string loop = loop_label(*kr);
		t.add_row({vc, fmt_count(json::num(*kr, "conns")),
		       fmt_count(json::num(*kr, "msg_size")) + " B", loop,
		       fmt_ratio(div(lat(kr, "p50"), lat(ep, "p50"))),
		       fmt_ratio(div(lat(kr, "p99"), lat(ep, "p99"))),
		       fmt_ratio(div(tput(kr), tput(ep))), fmt_ratio(div(tput(kr), tput(ur))),
		       fmt_count(tput(kr)),
		       fmt_fixed(json::num(json::get(*kr, "ctx_per_req"), "server", NAN), 3)});
		any = true;
	}
	// The server on its own CPUs: what each request costs it, and the
	// capacity that follows.
	auto st = Table::numeric({"server CPUs", "conns", "size", "loop", "server us/req vs epoll",
		      "capacity vs epoll", "capacity vs best", "best user-space", "kernel capacity",
		      "kernel server busy", "req/s vs epoll", "req/s vs best", "p50 vs epoll",
		      "p99 vs epoll"},
		     {false, true, true, false, true, true, true, false, true, true, true, true, true,
		      true});
	bool any_split = false;
	for (auto &[k, v] : group(runs)) {
		const json::Value *kr = find_path(v, "kernel");
		if (!kr || !json::flag(*kr, "two_hosts"))
			continue;
		const json::Value *ep = find_path(v, "epoll");
		const json::Value *best = best_user(v);
		auto sus = [](const json::Value *r) {
			return r ? json::num(json::get(*r, "split", "server", "us_per_req"),
					     "total", NAN)
				 : NAN;
		};
		// Measured, not derived: the user-space path that served the
		// most (churn: connections/s).
		const json::Value *most = best_user(v, tput);
		st.add_row({fmt_count(server_cpus(*kr)), fmt_count(json::num(*kr, "conns")),
			fmt_count(json::num(*kr, "msg_size")) + " B", loop_label(*kr),
			fmt_ratio(div(sus(kr), sus(ep))),
			fmt_ratio(div(capacity(kr), capacity(ep))),
			fmt_ratio(div(capacity(kr), capacity(best))),
			best ? json::str(*best, "path") : "-", fmt_count(capacity(kr)),
			fmt_fixed(json::num(json::get(*kr, "split", "server"), "busy", NAN) * 100,
				  0) +
				" %",
			fmt_ratio(div(tput(kr), tput(ep))), fmt_ratio(div(tput(kr), tput(most))),
			fmt_ratio(div(lat(kr, "p50"), lat(ep, "p50"))),
			fmt_ratio(div(lat(kr, "p99"), lat(ep, "p99")))});
		any_split = true;
	}
	// The proxy against HAProxy, with the targets of the proxy issue.
	auto pt = Table::numeric({"proxy CPUs", "conns", "size", "p50 x haproxy", "target <= 0.5x", "CPU/req x haproxy",
		      "target <= 0.5x", "capacity x haproxy", "target >= 2x"},
		     {false, true, true, true, false, true, false, true, false});
	bool any_proxy = false;
	for (auto &[k, v] : group(runs)) {
		const json::Value *pr = find_path(v, "proxy");
		const json::Value *ha = find_path(v, "haproxy");
		// The targets are the proxy's own CPU: measured on its own
		// CPU only (on one host the client and backend share it).
		if (!pr || !ha || !is_proxy_cell(v) || !json::flag(*pr, "two_hosts"))
			continue;
		auto verdict = [](double x, double want, bool le) {
			if (!std::isfinite(x))
				return std::string("-");
			return std::string((le ? x <= want : x >= want) ? "met" : "missed");
		};
		double p50 = div(lat(pr, "p50"), lat(ha, "p50"));
		double cpu = div(proxy_cpu(pr), proxy_cpu(ha));
		double cap = div(proxy_capacity(pr), proxy_capacity(ha));
		pt.add_row({fmt_count(server_cpus(*pr)) + " CPU" + (server_cpus(*pr) == 1 ? "" : "s"),
			fmt_count(json::num(*pr, "conns")),
			fmt_count(json::num(*pr, "msg_size")) + " B", fmt_ratio(p50),
			json::num(*pr, "conns") == 1 ? verdict(p50, 0.5, true) : "", fmt_ratio(cpu),
			verdict(cpu, 0.5, true), fmt_ratio(cap), verdict(cap, 2, false)});
		any_proxy = true;
	}
	std::string out;
	if (any_proxy)
		out += heading("syncsock's proxy against HAProxy, the proxy on CPUs of its own (the "
			       "p50 target is at 1 connection; capacity derived from the proxy's "
			       "CPU per request)",
			       md) +
		       (md ? pt.markdown() : pt.render()) + (any_split || any ? "\n" : "");
	if (any_split)
		out += heading("the server on its own CPUs: the kernel path's CPU per request and "
			       "derived capacity against epoll and the best user-space path",
			       md) +
		       (md ? st.markdown() : st.render()) + (any ? "\n" : "");
	if (any)
		out += heading("the kernel path against epoll and io_uring (latency: lower is better; "
			       "throughput: higher is better)",
			       md) +
		       (md ? t.markdown() : t.render());
	return out;
}

std::string render_trace(const std::vector<json::Value> &docs, bool md)
{
	json::Value runs = merged_runs(docs);
	auto t = Table::numeric({"vCPUs", "conns", "size", "run", "traced path", "deliveries", "in softirq",
		     "wakeups/delivery", "delay p50 us", "delay p99 us"},
		    {false, true, true, false, false, true, true, true, true, true});
	bool any = false;
	for (auto &[k, v] : group(runs)) {
		for (auto *r : v) {
			const json::Value *tr = json::find(*r, "trace");
			if (!tr)
				continue;
			any = true;
			std::string vc = fmt_count(json::num(*r, "vcpus")) +
					 (json::flag(*r, "idle_poll") ? " idle=poll" : "");
			std::vector<std::string> head = {
				vc, fmt_count(json::num(*r, "conns")),
				fmt_count(json::num(*r, "msg_size")) + " B", json::str(*r, "path")};
			if (json::find(*tr, "error")) {
				head.push_back("not traced: " + json::str(*tr, "error"));
				t.add_row(head);
				continue;
			}
			for (auto &p : json::items(json::get(*tr, "paths"))) {
				std::vector<std::string> row = head;
				const json::Value &d = json::get(p, "delay_us");
				row.insert(row.end(),
					   {json::str(p, "label", json::str(p, "path")),
					    fmt_count(json::num(p, "deliveries")),
					    fmt_fixed(json::num(p, "softirq_share", NAN) * 100, 1) +
						    "%",
					    fmt_fixed(json::num(p, "wakeups_per_delivery", NAN), 3),
					    fmt_us(json::num(d, "p50", NAN)),
					    fmt_us(json::num(d, "p99", NAN))});
				t.add_row(std::move(row));
			}
		}
	}
	if (!any)
		return {};
	return heading("syncsock-trace: where received data was consumed, and how long it "
		       "waited (queued to consumed; traced runs pay for the probes)",
		       md) +
	       (md ? t.markdown() : t.render());
}

std::string render_external(const std::vector<json::Value> &docs, bool md)
{
	json::Value ext = merged_external(docs);
	std::string out;
	auto sp = Table::numeric({"vCPUs", "size", "server", "avg us", "p50 us", "p99 us", "p99.9 us", "max us",
		      "msg/s", "p50 x", "p99 x", "msg/s x"},
		     {false, true, false, true, true, true, true, true, true, true, true, true});
	auto wk = Table::numeric({"vCPUs", "conns", "server", "avg us", "p50 us", "p90 us", "p99 us", "req/s",
		      "p50 x", "p99 x", "req/s x"},
		     {false, true, false, true, true, true, true, true, true, true, true});
	bool any_sp = false, any_wk = false;
	// Baselines: sockperf's epoll server, and the user-space HTTP responder.
	auto base_of = [&](const json::Value &r, const std::string &server) -> const json::Value * {
		for (auto &b : json::items(ext))
			if (json::str(b, "tool") == json::str(r, "tool") &&
			    json::str(b, "server") == server &&
			    json::num(b, "vcpus") == json::num(r, "vcpus") &&
			    json::flag(b, "idle_poll") == json::flag(r, "idle_poll") &&
			    json::num(b, "msg_size") == json::num(r, "msg_size") &&
			    json::num(b, "conns") == json::num(r, "conns") &&
			    !json::find(b, "error"))
				return &b;
		return nullptr;
	};
	for (auto &r : json::items(ext)) {
		std::string vc = fmt_count(json::num(r, "vcpus")) +
				 (json::flag(r, "idle_poll") ? " idle=poll" : "");
		const json::Value &l = json::get(r, "latency_us");
		if (json::find(r, "error")) {
			(json::str(r, "tool") == "sockperf" ? sp : wk)
				.add_row({vc, "", json::str(r, "server"),
				      "FAILED: " + json::str(r, "error")});
			(json::str(r, "tool") == "sockperf" ? any_sp : any_wk) = true;
			continue;
		}
		if (json::str(r, "tool") == "sockperf") {
			const json::Value *b = base_of(r, "sockperf-epoll");
			const json::Value &bl = b ? json::get(*b, "latency_us") : json::Value();
			sp.add_row({vc, fmt_count(json::num(r, "msg_size")) + " B",
				json::str(r, "server"), fmt_us(json::num(l, "avg", NAN)),
				fmt_us(json::num(l, "p50", NAN)), fmt_us(json::num(l, "p99", NAN)),
				fmt_us(json::num(l, "p99.9", NAN)),
				fmt_us(json::num(l, "max", NAN)),
				fmt_count(json::num(r, "throughput_rps", NAN)),
				fmt_ratio(div(json::num(l, "p50", NAN), json::num(bl, "p50", NAN))),
				fmt_ratio(div(json::num(l, "p99", NAN), json::num(bl, "p99", NAN))),
				fmt_ratio(div(json::num(r, "throughput_rps", NAN),
					      b ? json::num(*b, "throughput_rps", NAN) : NAN))});
			any_sp = true;
		} else if (json::str(r, "tool") == "wrk") {
			const json::Value *b = base_of(r, "user-http");
			const json::Value &bl = b ? json::get(*b, "latency_us") : json::Value();
			wk.add_row({vc, fmt_count(json::num(r, "conns")), json::str(r, "server"),
				fmt_us(json::num(l, "avg", NAN)), fmt_us(json::num(l, "p50", NAN)),
				fmt_us(json::num(l, "p90", NAN)), fmt_us(json::num(l, "p99", NAN)),
				fmt_count(json::num(r, "throughput_rps", NAN)),
				fmt_ratio(div(json::num(l, "p50", NAN), json::num(bl, "p50", NAN))),
				fmt_ratio(div(json::num(l, "p99", NAN), json::num(bl, "p99", NAN))),
				fmt_ratio(div(json::num(r, "throughput_rps", NAN),
					      b ? json::num(*b, "throughput_rps", NAN) : NAN))});
			any_wk = true;
		}
	}
	if (any_sp)
		out += heading("sockperf ping-pong, round trip (ratios against sockperf server --iomux-type epoll)", md) +
		       (md ? sp.markdown() : sp.render()) + "\n";
	if (any_wk)
		out += heading("wrk, HTTP keep-alive (ratios against the user-space epoll responder)", md) +
		       (md ? wk.markdown() : wk.render()) + "\n";
	{
		// --repeat: each cell's median run stands in the tables above.
		auto rt = Table::numeric({"path", "conns", "size", "depth", "runs ok", "median req/s", "min", "max",
			      "spread", "server us/req", "its spread"});
		bool any = false;
		for (auto &d : docs)
			for (auto &r : json::items(json::get(d, "runs"))) {
				if (!json::find(r, "repeat"))
					continue;
				const json::Value &rp = json::get(r, "repeat");
				const json::Value &t = json::get(rp, "throughput_rps");
				const json::Value &su = json::get(rp, "server_us_per_req");
				auto pct = [](const json::Value &v) {
					return v.is_object()
						       ? fmt_fixed(json::num(v, "spread_pct"), 1) +
								 " %"
						       : std::string("-");
				};
				rt.add_row({json::str(r, "path"), fmt_count(json::num(r, "conns")),
					fmt_count(json::num(r, "msg_size")),
					fmt_count(json::num(r, "depth", 1)),
					fmt_count(json::num(rp, "ok")) + "/" +
						fmt_count(json::num(rp, "n")),
					fmt_count(json::num(t, "median", NAN)),
					fmt_count(json::num(t, "min", NAN)),
					fmt_count(json::num(t, "max", NAN)), pct(t),
					su.is_object() ? fmt_fixed(json::num(su, "median"), 2)
						       : std::string("-"),
					pct(su)});
				any = true;
			}
		if (any)
			out += heading("repeated cells: the median run, and the spread (max - min) / median", md) +
			       (md ? rt.markdown() : rt.render()) + "\n";
	}
	for (auto &d : docs) {
		const json::Value &m = json::get(d, "memory");
		if (!m.is_object())
			continue;
		auto mt = Table::numeric({"path", "conns held", "answered", "memory B/conn", "slab KiB", "slab B/conn",
			       "kmalloc B/conn"});
		for (auto &e : json::items(json::get(m, "paths")))
			mt.add_row({json::str(e, "path"), fmt_count(json::num(e, "conns")),
				fmt_count(json::num(e, "answered_conns")),
				fmt_count(json::num(e, "mem_bytes_per_conn")),
				fmt_count(json::num(e, "slab_kib")),
				fmt_count(json::num(e, "slab_bytes_per_conn")),
				fmt_count(json::num(e, "kmalloc_bytes_per_conn"))});
		out += heading("memory with " + fmt_count(json::num(m, "conns")) +
				       " connections held (both ends' sockets; " +
				       fmt_count(json::num(json::get(d, "conditions"),
							   "mem_total_kib") /
						 1024) +
				       " MiB guest)",
			       md) +
		       (md ? mt.markdown() : mt.render());
		if (json::find(m, "module_bytes_per_conn"))
			out += (md ? "\n" : "") +
			       std::string("  the module's own memory per connection: ") +
			       fmt_count(json::num(m, "module_bytes_per_conn")) +
			       " bytes, pages included (MemFree drop of the kernel path minus the "
			       "epoll path's)\n";
		if (json::find(m, "module_slab_bytes_per_conn"))
			out += (md ? "\n" : "") + std::string("  of which slab: ") +
			       fmt_count(json::num(m, "module_slab_bytes_per_conn")) +
			       " bytes (kmalloc and syncsock caches, kernel path minus epoll "
			       "path)\n";
		out += "\n";
	}
	return out;
}

std::vector<std::string> validate(const json::Value &doc)
{
	std::vector<std::string> p;
	auto need = [&](const json::Value &o, const std::string &where, const char *k,
			json::Type t) {
		const json::Value *v = json::find(o, k);
		if (!v)
			p.push_back(where + ": no \"" + k + "\"");
		else if (json::type(*v) != t && !(t == json::Type::number && v->is_null()))
			p.push_back(where + ": \"" + k + "\" has the wrong type");
	};
	using T = json::Type;
	if (!doc.is_object())
		return {"the document is not an object"};
	if (json::str(doc, "schema") != kSchema)
		p.push_back(std::string("schema is not \"") + kSchema + "\"");
	need(doc, "document", "conditions", T::object);
	need(doc, "document", "runs", T::array);
	const json::Value &c = json::get(doc, "conditions");
	for (const char *k : {"date", "command_line", "kernel", "accelerator", "cpu_model"})
		need(c, "conditions", k, T::string);
	for (const char *k : {"vcpus", "mem_total_kib"})
		need(c, "conditions", k, T::number);
	need(c, "conditions", "idle_poll", T::boolean);
	std::size_t i = 0;
	for (auto &r : json::items(json::get(doc, "runs"))) {
		std::string w = "runs[" + std::to_string(i++) + "]";
		for (const char *k : {"client", "path", "mode"})
			need(r, w, k, T::string);
		for (const char *k : {"conns", "msg_size", "depth", "duration_s", "requests",
				      "throughput_rps", "errors", "verified_bytes"})
			need(r, w, k, T::number);
		if (json::num(r, "errors") != 0) {
			// A failed run says why; it may have nothing else.
			need(r, w, "error", T::string);
			continue;
		}
		need(r, w, "latency_us", T::object);
		for (const char *k : {"p50", "p90", "p99", "p99.9", "max"})
			need(json::get(r, "latency_us"), w + ".latency_us", k, T::number);
		need(r, w, "cdf_us", T::array);
		need(r, w, "cpu_us_per_req", T::object);
		for (const char *k : {"user", "system", "softirq", "total"})
			need(json::get(r, "cpu_us_per_req"), w + ".cpu_us_per_req", k, T::number);
		need(r, w, "ctx_per_req", T::object);
		for (const char *k : {"server", "client", "system"})
			need(json::get(r, "ctx_per_req"), w + ".ctx_per_req", k, T::number);
		if (const json::Value *tr = json::find(r, "trace")) {
			if (!tr->is_object())
				p.push_back(w + ": \"trace\" has the wrong type");
			else if (!json::find(*tr, "error"))
				need(*tr, w + ".trace", "paths", T::array);
		}
		const std::string path = json::str(r, "path");
		if (std::find(path_order().begin(), path_order().end(), path) == path_order().end())
			p.push_back(w + ": unknown path '" + path + "'");
	}
	if (const json::Value *e = json::find(doc, "external")) {
		if (!e->is_array())
			p.push_back("document: \"external\" has the wrong type");
		i = 0;
		for (auto &r : json::items(*e)) {
			std::string w = "external[" + std::to_string(i++) + "]";
			need(r, w, "tool", T::string);
			need(r, w, "server", T::string);
			if (!json::find(r, "error")) {
				need(r, w, "latency_us", T::object);
				need(r, w, "throughput_rps", T::number);
			}
		}
	}
	return p;
}

} // namespace ssb
