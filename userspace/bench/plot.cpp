// SPDX-License-Identifier: GPL-2.0
#include "plot.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
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
	};
	auto it = c.find(path);
	return it == c.end() ? "#7f7f7f" : it->second;
}

// A gnuplot data block's name: letters, digits and underscores only
// ("epoll-busy" would end the name at the hyphen).
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
	return num(r.num("vcpus")) + "vcpu" + (r["idle_poll"].as_bool() ? "-idlepoll" : "") +
	       (r["small_guest"].as_bool() ? "-1gib" : "");
}

std::string vtitle(const json::Value &r)
{
	std::string t = num(r.num("vcpus")) + (r.num("vcpus") == 1 ? " vCPU" : " vCPUs");
	if (r["idle_poll"].as_bool())
		t += ", idle=poll";
	if (r["small_guest"].as_bool())
		t += ", 1 GiB guest";
	return t;
}

// Where the runs ran, for the titles: "TCG guest", or what the file says.
std::string where(const json::Value &r)
{
	std::string a = r.str("accelerator");
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

bool closed_depth1(const json::Value &r)
{
	return r.str("mode") != "open" && r.num("depth", 1) == 1 && r.num("errors") == 0;
}

std::vector<const json::Value *> sorted_by_path(std::vector<const json::Value *> v)
{
	auto rank = [](const json::Value *r) {
		auto &o = path_order();
		return std::find(o.begin(), o.end(), r->str("path")) - o.begin();
	};
	std::stable_sort(v.begin(), v.end(), [&](auto *a, auto *b) { return rank(a) < rank(b); });
	return v;
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
	for (auto &r : runs.items()) {
		if (!closed_depth1(r))
			continue;
		double v = r["small_guest"].as_bool() ? -r.num("vcpus") : r.num("vcpus");
		cells[{r["idle_poll"].as_bool(), v, r.num("msg_size"), r.num("conns")}].push_back(&r);
		series[{r["idle_poll"].as_bool(), v, r.num("msg_size")}].push_back(&r);
	}

	// Latency CDFs.
	for (auto &[cell, v] : cells) {
		double conns = std::get<3>(cell);
		if (!all_cdfs && conns != 1 && conns != 64)
			continue;
		const json::Value &r0 = *v.front();
		std::string name = "cdf-" + vtag(r0) + "-" + num(conns) + "c-" + num(r0.num("msg_size")) + "B";
		std::string s = header(name, "Round-trip latency CDF: " + vtitle(r0) + ", " + num(conns) +
						     (conns == 1 ? " connection, " : " connections, ") +
						     num(r0.num("msg_size")) + " B" + where(r0));
		s += "set xlabel 'round trip (us, log scale)'\nset ylabel 'fraction of requests'\n"
		     "set logscale x\nset yrange [0:1]\nset key bottom right\n";
		std::string plots;
		for (auto *r : sorted_by_path(v)) {
			std::string p = r->str("path");
			s += block(p) + " << EOD\n";
			for (auto &pt : (*r)["cdf_us"].items())
				if (pt.size() == 2 && pt.items()[0].as_number() > 0)
					s += num(pt.items()[0].as_number()) + " " +
					     num(pt.items()[1].as_number()) + "\n";
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
			by_path[r->str("path")][r->num("conns")] = r->num("throughput_rps");
		std::set<double> counts;
		for (auto &[p, m] : by_path)
			for (auto &[c, t] : m)
				counts.insert(c);
		if (counts.size() < 2)
			continue;
		const json::Value &r0 = *v.front();
		std::string name = "tput-" + vtag(r0) + "-" + num(r0.num("msg_size")) + "B";
		std::string s = header(name, "Throughput against connections: " + vtitle(r0) + ", " +
						     num(r0.num("msg_size")) + " B, closed loop" + where(r0));
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
		std::string name = "cpu-" + vtag(r0) + "-" + num(conns) + "c-" + num(r0.num("msg_size")) + "B";
		std::string s = header(name, "Whole-system CPU per request: " + vtitle(r0) + ", " +
						     num(conns) + (conns == 1 ? " connection, " : " connections, ") +
						     num(r0.num("msg_size")) + " B" + where(r0));
		s += "set ylabel 'CPU time per request (us, all CPUs, /proc/stat)'\n"
		     "set style data histograms\nset style histogram rowstacked\n"
		     "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset key outside right\n"
		     "set yrange [0:*]\n$cpu << EOD\n";
		for (auto *r : sorted_by_path(v)) {
			const json::Value &c = (*r)["cpu_us_per_req"];
			s += r->str("path") + " " + num(c.num("user")) + " " + num(c.num("system")) + " " +
			     num(c.num("softirq")) + " " + num(c.num("irq")) + "\n";
		}
		s += "EOD\n"
		     "plot $cpu using 2:xtic(1) title 'user' lc rgb '#1f77b4', \\\n"
		     "     '' using 3 title 'system' lc rgb '#ff7f0e', \\\n"
		     "     '' using 4 title 'softirq' lc rgb '#d62728', \\\n"
		     "     '' using 5 title 'irq' lc rgb '#7f7f7f'\n";
		out.push_back({name, s});
	}
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
