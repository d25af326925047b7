// SPDX-License-Identifier: GPL-2.0
#include "plot.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "external.hpp"
#include "report.hpp"

namespace ssb {

namespace {

const char *colour(const std::string &path)
{
	static const std::map<std::string, const char *> c = {
		{"kernel", "#d62728"}, {"epoll", "#1f77b4"}, {"epoll-busy", "#17becf"}, {"io_uring", "#2ca02c"},
		{"blocking", "#9467bd"}, {"spin", "#ff7f0e"},
		{"epoll-reuseport", "#e377c2"},
	};
	auto it = c.find(path);
	return it == c.end() ? "#7f7f7f" : it->second;
}

// A gnuplot data block's name: letters, digits and underscores only
// ("epoll-busy" would end the name at the hyphen).
// Text from a result file, as it may go into a script: gnuplot runs a
// command for a quoted file name that starts with '<', and a newline ends
// a data block, so a file's strings keep letters, digits and " ._+-" only.
std::string safe(const std::string &text)
{
	std::string out;
	for (char c : text)
		out += std::isalnum(static_cast<unsigned char>(c)) || (c && std::strchr(" ._+-", c)) ? c : '_';
	return out;
}

// A run's path, as the scripts may use it.
std::string path_of(const json::Value &r)
{
	return safe(json::str(r, "path"));
}

std::string block(const std::string &path)
{
	std::string b = "$";
	for (char c : path)
		b += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
	return b;
}

std::string num(double v)
{
	return json::number_text(v);
}

std::string vtag(const json::Value &r)
{
	return num(json::num(r, "vcpus")) + "vcpu" +
	       (json::flag(r, "idle_poll") ? "-idlepoll" : "") +
	       (json::flag(r, "small_guest") ? "-1gib" : "");
}

std::string vtitle(const json::Value &r)
{
	std::string t =
		num(json::num(r, "vcpus")) + (json::num(r, "vcpus") == 1 ? " vCPU" : " vCPUs");
	if (json::flag(r, "idle_poll"))
		t += ", idle=poll";
	if (json::flag(r, "small_guest"))
		t += ", 1 GiB guest";
	return t;
}

// Where the runs ran, for the titles: "TCG guest", or what the file says.
std::string where(const json::Value &r)
{
	std::string a = safe(json::str(r, "accelerator"));
	if (a.empty())
		return "";
	return " (" + (a == "TCG" ? std::string("TCG guest") : a) + ")";
}

std::string header(const std::string &name, const std::string &title)
{
	return "# syncsock-bench plot; redraw with: gnuplot " + name + ".gp\n"
	       "set terminal pngcairo size 720,450 noenhanced font 'sans,10'\n"
	       "set output '" + name + ".png'\n"
	       "set title \"" + title + "\"\n"
	       "set grid\n";
}

// The runs of the one-host plots: closed loop at depth 1, on one host (the
// split runs have plots of their own).
bool closed_depth1(const json::Value &r)
{
	return json::str(r, "mode", "closed") == "closed" && json::num(r, "depth", 1) == 1 &&
	       json::num(r, "errors") == 0 && !json::flag(r, "two_hosts");
}

std::vector<const json::Value *> sorted_by_path(std::vector<const json::Value *> v)
{
	auto rank = [](const json::Value *r) {
		auto &o = path_order();
		return std::find(o.begin(), o.end(), path_of(*r)) - o.begin();
	};
	std::stable_sort(v.begin(), v.end(), [&](auto *a, auto *b) { return rank(a) < rank(b); });
	return v;
}

// ---- the split runs: the server on CPUs of its own -------------------------

// A split run that ran clean, closed loop (not open loop, not churn).
bool split_ok(const json::Value &r)
{
	return json::get(r, "split", "server").is_object() &&
	       json::str(r, "mode", "closed") == "closed" && json::num(r, "errors") == 0;
}

// The set-up of a split run in a plot's name: none for the usual one (the
// server on 1 CPU, the client on 1 vCPU), else "srv<N>cpu-cli<V>vcpu-".
std::string stag(const json::Value &r)
{
	std::string v = vtag(r);
	if (json::num(r, "server_cpus") == 1 && v == "1vcpu")
		return "";
	return "srv" + num(json::num(r, "server_cpus")) + "cpu-cli" + v + "-";
}

std::string stitle(const json::Value &r)
{
	double n = json::num(r, "server_cpus");
	return "server on " + num(n) + (n == 1 ? " CPU" : " CPUs") + " of its own, client on " +
	       vtitle(r);
}

// Each run of a repeated cell (--repeat) is the cell's median run.
std::string repeats(const std::vector<const json::Value *> &v)
{
	double n = 0;
	std::size_t repeated = 0;
	for (auto *r : v) {
		n = std::max(n, json::num(json::get(*r, "repeat"), "n"));
		repeated += json::num(json::get(*r, "repeat"), "n") > 1;
	}
	if (n <= 1)
		return "";
	return (repeated < v.size() ? ", repeated cells: median of " : ", median of ") + num(n) +
	       " runs";
}

bool leaking(const json::Value &r)
{
	return json::flag(r, "split", "server", "leaking");
}

// A bar's label: the path, marked (and so quoted) when the server's work
// leaked off its CPUs.
std::string bar_label(const json::Value &r)
{
	std::string p = path_of(r);
	return leaking(r) ? "\"" + p + " (leaking)\"" : p;
}

// The bars' labels slanted where they would run into each other (about 13
// characters fit under each of 7 bars).
std::string slant(const std::vector<const json::Value *> &v)
{
	std::size_t longest = 0;
	for (auto *r : v)
		longest = std::max(longest, path_of(*r).size() + (leaking(*r) ? 10 : 0));
	return longest * v.size() > 84 ? "set xtics rotate by 30 right\n" : "";
}

// A fraction in per cent, to a tenth.
std::string pct(double f)
{
	return num(std::round(f * 1000) / 10);
}

std::string conns_text(double c)
{
	return num(c) + (c == 1 ? " connection" : " connections");
}

void split_plots(const json::Value &runs, std::vector<PlotScript> &out)
{
	// (idle=poll, small guest, client vCPUs, server CPUs): the set-up.
	using Setup = std::tuple<bool, bool, double, double>;
	// Set-up, size, connections, depth.
	using Cell = std::tuple<Setup, double, double, double>;
	// One run a path and cell: where files repeat a cell (make bench's
	// split-repeat.json has some of split.json's again), the run of the
	// most repeats, else the first.
	std::map<std::pair<Cell, std::string>, const json::Value *> one;
	for (auto &r : json::items(runs)) {
		if (!split_ok(r))
			continue;
		Setup su{json::flag(r, "idle_poll"), json::flag(r, "small_guest"),
			 json::num(r, "vcpus"), json::num(r, "server_cpus")};
		auto &o = one[{{su, json::num(r, "msg_size"), json::num(r, "conns"),
				json::num(r, "depth", 1)},
			       path_of(r)}];
		if (!o || json::num(json::get(r, "repeat"), "n") >
				  json::num(json::get(*o, "repeat"), "n"))
			o = &r;
	}
	std::map<Cell, std::vector<const json::Value *>> cells;
	std::map<std::tuple<Setup, double, double>, std::vector<const json::Value *>> series;
	for (auto &[k, r] : one) {
		const Cell &c = k.first;
		cells[c].push_back(r);
		series[{std::get<0>(c), std::get<1>(c), std::get<3>(c)}].push_back(r);
	}

	// Derived server capacity against connections.
	for (auto &[k, v] : series) {
		const json::Value &r0 = *v.front();
		double size = std::get<1>(k), depth = std::get<2>(k);
		std::string name = "split-capacity-" + stag(r0) + num(size) + "B-d" + num(depth);
		std::vector<std::string> paths;
		std::set<double> counts;
		std::string leaks;
		for (auto *r : sorted_by_path(v)) {
			if (std::find(paths.begin(), paths.end(), path_of(*r)) ==
			    paths.end())
				paths.push_back(path_of(*r));
			counts.insert(json::num(*r, "conns"));
		}
		std::string s = header(name, "Server capacity against connections: " + num(size) +
						     " B, depth " + num(depth) + repeats(v) +
						     "\\n" + stitle(r0) + where(r0));
		s += "set xlabel 'connections (log scale)'\n"
		     "set ylabel 'server capacity (requests/s at 100 % busy, log scale)'\n"
		     "set logscale xy\nset key outside right\nset format y '%.0s%c'\n"
		     "set xrange [" + num(*counts.begin() / 2) + ":" + num(*counts.rbegin() * 2) +
		     "]\n";
		std::string tics;
		for (double c : counts)
			tics += (tics.empty() ? "" : ", ") + num(c);
		s += "set xtics (" + tics + ")\n";
		std::string plots;
		for (auto &p : paths) {
			std::map<double, double> cap;
			for (auto *r : v) {
				double c = json::num(json::get(*r, "split", "server"),
						     "capacity_rps_derived");
				if (path_of(*r) != p || c <= 0)
					continue;
				cap[json::num(*r, "conns")] = c;
				if (leaking(*r))
					leaks += num(json::num(*r, "conns")) + " " + num(c) + "\n";
			}
			s += block(p) + " << EOD\n";
			for (auto &[n, c] : cap)
				s += num(n) + " " + num(c) + "\n";
			s += "EOD\n";
			plots += std::string(plots.empty() ? "plot " : ", \\\n     ") + block(p) +
				 " using 1:2 with linespoints lw 2 pt 7 lc rgb '" + colour(p) +
				 "' title '" + p + "'";
		}
		if (!leaks.empty()) {
			s += "$leaking << EOD\n" + leaks + "EOD\n";
			plots += ", \\\n     $leaking using 1:2 with points pt 6 ps 2.5 lw 2 "
				 "lc rgb 'black' title 'leaking'";
		}
		out.push_back({name, s + plots + "\n"});
	}

	// The per-cell plots: every cell of a set-up with at most 8, else
	// those at 64 connections and 64 B (or the fewest connections and the
	// smallest size there are).
	std::map<Setup, std::tuple<std::set<double>, std::set<double>, std::size_t>> shape;
	for (auto &[cell, v] : cells) {
		auto &[sizes, counts, n] = shape[std::get<0>(cell)];
		sizes.insert(std::get<1>(cell));
		counts.insert(std::get<2>(cell));
		n++;
	}
	std::vector<std::pair<const Cell *, const std::vector<const json::Value *> *>> shown;
	for (auto &[cell, v] : cells) {
		auto &[sizes, counts, n] = shape[std::get<0>(cell)];
		double s0 = sizes.count(64) ? 64 : *sizes.begin();
		double c0 = counts.count(64) ? 64 : *counts.begin();
		if (n <= 8 || (std::get<1>(cell) == s0 && std::get<2>(cell) == c0))
			shown.push_back({&cell, &v});
	}
	auto cell_name = [](const Cell &cell, const json::Value &r0) {
		return stag(r0) + num(std::get<2>(cell)) + "c-" + num(std::get<1>(cell)) + "B-d" +
		       num(std::get<3>(cell));
	};
	auto cell_title = [](const Cell &cell, const std::vector<const json::Value *> &v) {
		const json::Value &r0 = *v.front();
		return conns_text(std::get<2>(cell)) + ", " + num(std::get<1>(cell)) +
		       " B, depth " + num(std::get<3>(cell)) + repeats(v) + "\\n" + stitle(r0) +
		       where(r0);
	};

	// The server's CPU per request.
	for (auto &[cell, v] : shown) {
		std::string name = "split-cpu-" + cell_name(*cell, *v->front());
		std::string s = header(name, "Server CPU per request: " + cell_title(*cell, *v));
		s += "set ylabel 'server CPU time per request (us, its CPUs, /proc/stat)'\n"
		     "set style data histograms\nset style histogram rowstacked\n"
		     "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset key outside right\n"
		     "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n" + slant(*v) +
		     "$cpu << EOD\n";
		for (auto *r : sorted_by_path(*v)) {
			const json::Value &c = json::get(*r, "split", "server", "us_per_req");
			s += bar_label(*r) + " " + num(json::num(c, "user")) + " " +
			     num(json::num(c, "system")) + " " + num(json::num(c, "softirq")) +
			     " " + num(json::num(c, "irq")) + "\n";
		}
		s += "EOD\n"
		     "plot $cpu using 2:xtic(1) title 'user' lc rgb '#1f77b4', \\\n"
		     "     '' using 3 title 'system' lc rgb '#ff7f0e', \\\n"
		     "     '' using 4 title 'softirq' lc rgb '#d62728', \\\n"
		     "     '' using 5 title 'irq' lc rgb '#7f7f7f', \\\n"
		     "     '' using 0:($2+$3+$4+$5):(sprintf('%.1f', $2+$3+$4+$5)) "
		     "with labels offset 0,0.7 notitle\n";
		out.push_back({name, s});
	}

	// Each host's busy share, and the share of the serving host's busy
	// time that ran on the server's CPUs.
	for (auto &[cell, v] : shown) {
		std::string name = "split-share-" + cell_name(*cell, *v->front());
		std::string s = header(name, "Where the busy time ran: " + cell_title(*cell, *v));
		s += "set ylabel 'per cent'\n"
		     "set style data histograms\nset style histogram clustered gap 1\n"
		     "set style fill solid 0.8 border -1\nset key outside below\n"
		     "set yrange [0:105]\nset ytics 10\n"
		     "set arrow from graph 0, first 90 to graph 1, first 90 nohead dt 2 lw 1.5 "
		     "lc rgb '#2ca02c'\n" + slant(*v) + "$share << EOD\n";
		for (auto *r : sorted_by_path(*v)) {
			const json::Value &sp = json::get(*r, "split");
			s += bar_label(*r) + " " + pct(json::num(json::get(sp, "server"), "busy")) +
			     " " + pct(json::num(json::get(sp, "server"), "own_share")) + " " +
			     pct(json::num(json::get(sp, "client"), "busy")) + "\n";
		}
		s += "EOD\n"
		     "plot $share using 2:xtic(1) title 'server CPUs busy' lc rgb '#1f77b4', \\\n"
		     "     '' using 3 title 'server host busy time spent on them (own share; "
		     "under 90 %: leaking)' lc rgb '#2ca02c', \\\n"
		     "     '' using 4 title 'client host CPUs busy' lc rgb '#7f7f7f'\n";
		out.push_back({name, s});
	}
}

} // namespace

std::vector<PlotScript> plot_scripts(const std::vector<json::Value> &docs, bool all_cdfs)
{
	json::Value runs = merged_runs(docs);
	std::vector<PlotScript> out;
	// (idle=poll, vCPUs, size, connections); a small guest's vCPUs count
	// negative, so that its runs are plotted apart.
	using Cell = std::tuple<bool, double, double, double>;
	std::map<Cell, std::vector<const json::Value *>> cells;
	std::map<std::tuple<bool, double, double>, std::vector<const json::Value *>> series;
	for (auto &r : json::items(runs)) {
		if (!closed_depth1(r))
			continue;
		double v = json::flag(r, "small_guest") ? -json::num(r, "vcpus")
							: json::num(r, "vcpus");
		cells[{json::flag(r, "idle_poll"), v, json::num(r, "msg_size"),
		       json::num(r, "conns")}]
			.push_back(&r);
		series[{json::flag(r, "idle_poll"), v, json::num(r, "msg_size")}].push_back(&r);
	}

	// Latency CDFs.
	for (auto &[cell, v] : cells) {
		double conns = std::get<3>(cell);
		if (!all_cdfs && conns != 1 && conns != 64)
			continue;
		const json::Value &r0 = *v.front();
		std::string name = "cdf-" + vtag(r0) + "-" + num(conns) + "c-" +
				   num(json::num(r0, "msg_size")) + "B";
		std::string s =
			header(name, "Round-trip latency CDF: " + vtitle(r0) + ", " + num(conns) +
					     (conns == 1 ? " connection, " : " connections, ") +
					     num(json::num(r0, "msg_size")) + " B" + where(r0));
		s += "set xlabel 'round trip (us, log scale)'\nset ylabel 'fraction of requests'\n"
		     "set logscale x\nset yrange [0:1]\nset key bottom right\n";
		std::string plots;
		for (auto *r : sorted_by_path(v)) {
			std::string p = path_of(*r);
			s += block(p) + " << EOD\n";
			for (auto &pt : json::items(json::get(*r, "cdf_us"))) {
				const json::Array &xy = json::items(pt);
				if (xy.size() == 2 && json::number(xy[0]) > 0)
					s += num(json::number(xy[0])) + " " + num(json::number(xy[1])) +
					     "\n";
			}
			s += "EOD\n";
			plots += std::string(plots.empty() ? "plot " : ", \\\n     ") + block(p) +
				 " using 1:2 with lines lw 2 lc rgb '" + colour(p) + "' title '" + p + "'";
		}
		out.push_back({name, s + plots + "\n"});
	}

	// Throughput against connections.
	for (auto &[key, v] : series) {
		std::map<std::string, std::map<double, double>> by_path;
		for (auto *r : v)
			by_path[path_of(*r)][json::num(*r, "conns")] =
				json::num(*r, "throughput_rps");
		std::set<double> counts;
		for (auto &[p, m] : by_path)
			for (auto &[c, t] : m)
				counts.insert(c);
		if (counts.size() < 2)
			continue;
		const json::Value &r0 = *v.front();
		std::string name = "tput-" + vtag(r0) + "-" + num(json::num(r0, "msg_size")) + "B";
		std::string s = header(name, "Throughput against connections: " + vtitle(r0) +
						     ", " + num(json::num(r0, "msg_size")) +
						     " B, closed loop" + where(r0));
		s += "set xlabel 'connections (log scale)'\nset ylabel 'requests/s (log scale)'\n"
		     "set logscale xy\nset key outside right\nset format y '%.0s%c'\n";
		std::string plots;
		for (auto &p : path_order()) {
			auto it = by_path.find(p);
			if (it == by_path.end())
				continue;
			s += block(p) + " << EOD\n";
			for (auto &[c, t] : it->second)
				if (t > 0)
					s += num(c) + " " + num(t) + "\n";
			s += "EOD\n";
			plots += std::string(plots.empty() ? "plot " : ", \\\n     ") + block(p) +
				 " using 1:2 with linespoints lw 2 pt 7 lc rgb '" + colour(p) +
				 "' title '" + p + "'";
		}
		out.push_back({name, s + plots + "\n"});
	}

	// CPU per request at 64 connections (or the nearest count below).
	std::map<std::tuple<bool, double, double>, double> pick;
	for (auto &[cell, v] : cells) {
		auto k = std::make_tuple(std::get<0>(cell), std::get<1>(cell), std::get<2>(cell));
		double c = std::get<3>(cell);
		if (c > 64)
			continue;
		auto it = pick.find(k);
		if (it == pick.end() || c > it->second)
			pick[k] = c;
	}
	for (auto &[k, conns] : pick) {
		auto &v = cells[{std::get<0>(k), std::get<1>(k), std::get<2>(k), conns}];
		const json::Value &r0 = *v.front();
		std::string name = "cpu-" + vtag(r0) + "-" + num(conns) + "c-" +
				   num(json::num(r0, "msg_size")) + "B";
		std::string s = header(
			name, "Whole-system CPU per request: " + vtitle(r0) + ", " + num(conns) +
				      (conns == 1 ? " connection, " : " connections, ") +
				      num(json::num(r0, "msg_size")) + " B" + where(r0));
		s += "set ylabel 'CPU time per request (us, all CPUs, /proc/stat)'\n"
		     "set style data histograms\nset style histogram rowstacked\n"
		     "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset key outside right\n"
		     "set yrange [0:*]\n$cpu << EOD\n";
		for (auto *r : sorted_by_path(v)) {
			const json::Value &c = json::get(*r, "cpu_us_per_req");
			s += path_of(*r) + " " + num(json::num(c, "user")) + " " +
			     num(json::num(c, "system")) + " " + num(json::num(c, "softirq")) +
			     " " + num(json::num(c, "irq")) + "\n";
		}
		s += "EOD\n"
		     "plot $cpu using 2:xtic(1) title 'user' lc rgb '#1f77b4', \\\n"
		     "     '' using 3 title 'system' lc rgb '#ff7f0e', \\\n"
		     "     '' using 4 title 'softirq' lc rgb '#d62728', \\\n"
		     "     '' using 5 title 'irq' lc rgb '#7f7f7f'\n";
		out.push_back({name, s});
	}

	split_plots(runs, out);
	return out;
}

std::vector<std::string> plot(const std::vector<json::Value> &docs, const std::string &dir,
			      bool render, bool all_cdfs, std::vector<std::string> &errors)
{
	std::vector<std::string> pngs;
	mkdir(dir.c_str(), 0755);
	for (auto &ps : plot_scripts(docs, all_cdfs)) {
		std::string gp = dir + "/" + ps.name + ".gp";
		{
			std::ofstream f(gp);
			f << ps.script;
			if (!f) {
				errors.push_back("cannot write " + gp);
				continue;
			}
		}
		if (!render)
			continue;
		int status;
		std::string out = run_capture({"sh", "-c", "cd \"$0\" && gnuplot \"$1\"", dir,
					       ps.name + ".gp"},
					      -1, 60, status);
		if (status != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			errors.push_back("gnuplot " + gp + ": " + out);
			continue;
		}
		pngs.push_back(dir + "/" + ps.name + ".png");
	}
	return pngs;
}

} // namespace ssb
