// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's plots of the split runs (the server on a CPU of its own,
// measured from a load generator): server capacity against connections,
// the server's CPU per request and each host's busy share.
#include <catch2/catch.hpp>

#include <algorithm>

#include "plot.hpp"
#include "report.hpp"

using namespace ssb;
using json::Value;

namespace {

struct Split {
	double user, system, softirq;	// the server's us per request
	double capacity;		// capacity_rps_derived
	double busy, client_busy, own_share;
	bool leaking;
};

const Split kKernel{0.25, 0, 5, 170000, 0.125, 0.875, 1, false};
const Split kEpoll{1, 33.5, 26, 16500, 0.75, 0.625, 1, false};

Value us_per_req(double user, double system, double softirq)
{
	Value u = Value::object();
	u["user"] = user;
	u["system"] = system;
	u["softirq"] = softirq;
	u["irq"] = 0;
	u["total"] = user + system + softirq;
	return u;
}

Value split_run(const std::string &path, double conns, double size, double depth, const Split &sp,
		double errors = 0)
{
	Value r = Value::object();
	r["client"] = "syncsock-bench";
	r["path"] = path;
	r["conns"] = conns;
	r["msg_size"] = size;
	r["depth"] = depth;
	r["mode"] = "closed";
	r["rate"] = 0;
	r["requests"] = 30000;
	r["throughput_rps"] = 10000;
	r["errors"] = errors;
	if (errors)
		r["error"] = "connection 3: the server closed the connection";
	Value l = Value::object();
	l["p50"] = 100;
	l["p90"] = 110;
	l["p99"] = 200;
	l["p99.9"] = 400;
	l["max"] = 1000;
	r["latency_us"] = l;
	Value cdf = Value::array();
	cdf.push_back(Value(json::Array{50.0, 0}));
	cdf.push_back(Value(json::Array{100.0, 0.5}));
	cdf.push_back(Value(json::Array{1000.0, 1}));
	r["cdf_us"] = cdf;
	r["cpu_us_per_req"] = us_per_req(1, 2, 3);
	Value sv = Value::object();
	sv["cpus"] = Value(json::Array{0});
	sv["busy"] = sp.busy;
	sv["us_per_req"] = us_per_req(sp.user, sp.system, sp.softirq);
	sv["own_share"] = sp.own_share;
	sv["per_cpu"] = Value::array();
	sv["leaking"] = sp.leaking;
	if (sp.leaking)
		sv["why"] = "under 90 % of the serving host's busy time ran on the "
			    "server's CPUs";
	sv["capacity_rps_derived"] = sp.capacity;
	Value cv = Value::object();
	cv["cpus"] = Value(json::Array{0});
	cv["busy"] = sp.client_busy;
	cv["us_per_req"] = us_per_req(2, 30, 20);
	cv["own_share"] = 1;
	cv["per_cpu"] = Value::array();
	Value s = Value::object();
	s["server"] = sv;
	s["client"] = cv;
	r["split"] = s;
	return r;
}

Value split_doc(std::vector<Value> runs, double server_cpus = 1)
{
	Value d = Value::object();
	d["schema"] = kSchema;
	Value c = Value::object();
	c["vcpus"] = 1;
	c["idle_poll"] = false;
	c["accelerator"] = "TCG";
	c["mem_total_kib"] = 2021004;
	c["setup"] = "two hosts";
	Value sh = Value::object();
	Value cpus = Value::array();
	for (int i = 0; i < server_cpus; i++)
		cpus.push_back(i);
	sh["server_cpus"] = cpus;
	c["server_host"] = sh;
	d["conditions"] = c;
	Value r = Value::array();
	for (auto &x : runs)
		r.push_back(x);
	d["runs"] = r;
	d["external"] = Value::array();
	return d;
}

// kernel and epoll at 64 and 1000 connections, 64 B, depth 1 and 8.
Value four_cells()
{
	std::vector<Value> runs;
	for (double depth : {1, 8}) {
		runs.push_back(split_run("kernel", 64, 64, depth,
					 {0.25, 0, 5, 170000 + depth, 0.125, 0.875, 1, false}));
		runs.push_back(split_run("epoll", 64, 64, depth,
					 {1, 33.5, 26, 16500 + depth, 0.75, 0.625, 1, false}));
		runs.push_back(split_run("kernel", 1000, 64, depth,
					 {0.5, 0, 27.75, 35000 + depth, 0.625, 1, 1, false}));
		runs.push_back(split_run("epoll", 1000, 64, depth,
					 {1.75, 40, 33.5, 13000 + depth, 0.5, 0.875, 0.75, true}));
	}
	return split_doc(runs);
}

std::vector<std::string> split_names(const std::vector<PlotScript> &scripts)
{
	std::vector<std::string> names;
	for (auto &s : scripts)
		if (s.name.rfind("split-", 0) == 0)
			names.push_back(s.name);
	return names;
}

const PlotScript &find(const std::vector<PlotScript> &scripts, const std::string &name)
{
	auto it = std::find_if(scripts.begin(), scripts.end(),
			       [&](const PlotScript &s) { return s.name == name; });
	REQUIRE(it != scripts.end());
	return *it;
}

bool has(const std::string &s, const std::string &what)
{
	return s.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("bench plot: split runs get capacity, server CPU and share plots", "[bench][plot]")
{
	auto scripts = plot_scripts({four_cells()});
	CHECK(split_names(scripts) ==
	      std::vector<std::string>{"split-capacity-64B-d1", "split-capacity-64B-d8",
				       "split-cpu-64c-64B-d1", "split-cpu-64c-64B-d8",
				       "split-cpu-1000c-64B-d1", "split-cpu-1000c-64B-d8",
				       "split-share-64c-64B-d1", "split-share-64c-64B-d8",
				       "split-share-1000c-64B-d1", "split-share-1000c-64B-d8"});
	// Only they: the one-host plots are of one-host runs.
	CHECK(split_names(scripts).size() == scripts.size());

	// Capacity: per path, connections and the derived capacity; the
	// leaking run is marked apart.
	const std::string &cap = find(scripts, "split-capacity-64B-d8").script;
	CHECK(has(cap, "set output 'split-capacity-64B-d8.png'\n"));
	CHECK(has(cap, "set title \"Server capacity against connections: 64 B, depth 8\\n"
		       "server on 1 CPU of its own, client on 1 vCPU (TCG guest)\"\n"));
	CHECK(has(cap, "$kernel << EOD\n64 170008\n1000 35008\nEOD\n"));
	CHECK(has(cap, "$epoll << EOD\n64 16508\n1000 13008\nEOD\n"));
	CHECK(has(cap, "$leaking << EOD\n1000 13008\nEOD\n"));
	CHECK(has(cap, "set logscale xy\n"));
	CHECK(has(cap, "set xtics (64, 1000)\n"));
	CHECK(has(cap, "$kernel using 1:2 with linespoints lw 2 pt 7 lc rgb '#d62728' "
		       "title 'kernel'"));
	CHECK(has(cap, "$leaking using 1:2 with points"));

	// The server's CPU per request, rowstacked: user, system, softirq, irq.
	const std::string &cpu = find(scripts, "split-cpu-64c-64B-d1").script;
	CHECK(has(cpu, "set style histogram rowstacked\n"));
	CHECK(has(cpu, "$cpu << EOD\nkernel 0.25 0 5 0\nepoll 1 33.5 26 0\nEOD\n"));
	CHECK(has(cpu, "set title \"Server CPU per request: 64 connections, 64 B, depth 1\\n"
		       "server on 1 CPU of its own, client on 1 vCPU (TCG guest)\"\n"));
	CHECK(has(find(scripts, "split-cpu-1000c-64B-d8").script,
		  "$cpu << EOD\nkernel 0.5 0 27.75 0\n\"epoll (leaking)\" 1.75 40 33.5 0\nEOD\n"));

	// Each host's busy share and the server's own share, in per cent.
	const std::string &share = find(scripts, "split-share-1000c-64B-d1").script;
	CHECK(has(share, "set style histogram clustered"));
	CHECK(has(share,
		  "$share << EOD\nkernel 62.5 100 100\n\"epoll (leaking)\" 50 75 87.5\nEOD\n"));
	CHECK(has(share, ": 1000 connections, 64 B, depth 1\\nserver on 1 CPU"));
	CHECK(has(find(scripts, "split-share-64c-64B-d8").script,
		  "$share << EOD\nkernel 12.5 100 87.5\nepoll 75 100 62.5\nEOD\n"));
}

TEST_CASE("bench plot: no split runs, no split plots", "[bench][plot]")
{
	Value d = four_cells();
	Value c = json::get(d, "conditions");
	c["setup"] = "one host";
	d["conditions"] = c;
	Value runs = Value::array();
	for (auto &r : json::items(json::get(d, "runs"))) {
		Value x = r;
		x["split"] = Value();
		runs.push_back(x);
	}
	d["runs"] = runs;
	auto scripts = plot_scripts({d});
	CHECK(!scripts.empty());
	CHECK(split_names(scripts).empty());
}

TEST_CASE("bench plot: split plots leave failed runs out", "[bench][plot]")
{
	const Split spin{10, 90, 30, 7000, 1, 0.625, 1, false};
	Value d = split_doc({split_run("kernel", 64, 64, 1, kKernel),
			     split_run("spin", 64, 64, 1, spin, 1),
			     split_run("epoll", 64, 64, 1, kEpoll)});
	auto scripts = plot_scripts({d});
	CHECK(split_names(scripts) == std::vector<std::string>{"split-capacity-64B-d1",
							       "split-cpu-64c-64B-d1",
							       "split-share-64c-64B-d1"});
	for (auto &s : scripts) {
		INFO(s.name);
		if (s.name.rfind("split-", 0) == 0)
			CHECK(!has(s.script, "spin"));
	}
	// One connection count: still a plot, its x range around it.
	const std::string &cap = find(scripts, "split-capacity-64B-d1").script;
	CHECK(has(cap, "$kernel << EOD\n64 170000\nEOD\n"));
	CHECK(has(cap, "set xrange [32:128]\n"));
	CHECK(!has(cap, "$leaking"));	// none leaked
}

TEST_CASE("bench plot: many split cells, per-cell plots at 64 connections and 64 B only",
	  "[bench][plot]")
{
	std::vector<Value> runs;
	for (double size : {64, 4096})
		for (double conns : {64, 1000, 10000})
			for (double depth : {1, 8})
				for (const char *p : {"kernel", "epoll"})
					runs.push_back(split_run(p, conns, size, depth, kEpoll));
	auto names = split_names(plot_scripts({split_doc(runs)}));
	CHECK(names == std::vector<std::string>{
			       "split-capacity-64B-d1", "split-capacity-64B-d8",
			       "split-capacity-4096B-d1", "split-capacity-4096B-d8",
			       "split-cpu-64c-64B-d1", "split-cpu-64c-64B-d8",
			       "split-share-64c-64B-d1", "split-share-64c-64B-d8"});
}

TEST_CASE("bench plot: epoll-reuseport has a colour of its own", "[bench][plot]")
{
	Split rp = kEpoll;
	std::vector<Value> runs;
	for (double conns : {64, 1000}) {
		runs.push_back(split_run("epoll", conns, 64, 1, kEpoll));
		rp.capacity = 18000 - conns;
		runs.push_back(split_run("epoll-reuseport", conns, 64, 1, rp));
	}
	Value d = split_doc(runs);
	// A copy: a reference into plot_scripts()'s temporary would dangle.
	const std::string cap = find(plot_scripts({d}), "split-capacity-64B-d1").script;
	CHECK(has(cap, "$epoll_reuseport << EOD\n64 17936\n1000 17000\nEOD\n"));
	auto at = cap.find("$epoll_reuseport using 1:2");
	REQUIRE(at != std::string::npos);
	std::string line = cap.substr(at, cap.find('\n', at) - at);
	CHECK(has(line, "title 'epoll-reuseport'"));
	CHECK(!has(line, "#7f7f7f"));	// not the colour of an unknown path
	CHECK(!has(line, "#1f77b4"));	// nor epoll's
}

TEST_CASE("bench plot: split plots of repeated cells say so; other set-ups are named apart",
	  "[bench][plot]")
{
	Value r = split_run("kernel", 64, 64, 1, kKernel);
	Value rep = Value::object();
	rep["n"] = 5;
	rep["ok"] = 5;
	r["repeat"] = rep;
	auto scripts = plot_scripts({split_doc({r}, 2)});
	CHECK(split_names(scripts) ==
	      std::vector<std::string>{"split-capacity-srv2cpu-cli1vcpu-64B-d1",
				       "split-cpu-srv2cpu-cli1vcpu-64c-64B-d1",
				       "split-share-srv2cpu-cli1vcpu-64c-64B-d1"});
	const std::string &cpu = find(scripts, "split-cpu-srv2cpu-cli1vcpu-64c-64B-d1").script;
	CHECK(has(cpu, ": 64 connections, 64 B, depth 1, median of 5 runs\\n"
		       "server on 2 CPUs of its own, client on 1 vCPU (TCG guest)\"\n"));
}

TEST_CASE("bench plot: split plots leave open-loop and churn runs out", "[bench][plot]")
{
	Value open = split_run("epoll", 64, 64, 1, {9, 9, 9, 1111, 0.5, 0.5, 1, false});
	open["mode"] = "open";
	open["rate"] = 5000;
	Value churn = split_run("epoll", 64, 64, 1, {9, 9, 9, 2222, 0.5, 0.5, 1, false});
	churn["mode"] = "churn";
	Value closed = split_run("epoll", 64, 64, 1, kEpoll);
	auto scripts = plot_scripts({split_doc({open, closed, churn})});
	CHECK(has(find(scripts, "split-capacity-64B-d1").script, "$epoll << EOD\n64 16500\nEOD\n"));
	CHECK(has(find(scripts, "split-cpu-64c-64B-d1").script,
		  "$cpu << EOD\nepoll 1 33.5 26 0\nEOD\n"));
	auto names = split_names(plot_scripts({split_doc({open, churn})}));
	CHECK(names.empty());
}

TEST_CASE("bench plot: a cell in two files, the repeated run is drawn once", "[bench][plot]")
{
	// split.json: 64 and 1000 connections; split-repeat.json: 64 again,
	// three times.
	Value once = split_doc({split_run("kernel", 64, 64, 1, kKernel),
				split_run("kernel", 1000, 64, 1, kKernel)});
	Split k = kKernel;
	k.capacity = 150000;
	Value r = split_run("kernel", 64, 64, 1, k);
	Value rep = Value::object();
	rep["n"] = 3;
	rep["ok"] = 3;
	r["repeat"] = rep;
	Value again = split_doc({r});
	for (auto &docs : {std::vector<Value>{once, again}, std::vector<Value>{again, once}}) {
		auto scripts = plot_scripts(docs);
		const std::string &cap = find(scripts, "split-capacity-64B-d1").script;
		CHECK(has(cap, "$kernel << EOD\n64 150000\n1000 170000\nEOD\n"));
		CHECK(has(cap, "64 B, depth 1, repeated cells: median of 3 runs\\n"));
		const std::string &cpu = find(scripts, "split-cpu-64c-64B-d1").script;
		CHECK(has(cpu, "$cpu << EOD\nkernel 0.25 0 5 0\nEOD\n"));
		CHECK(has(cpu, "depth 1, median of 3 runs\\n"));
		CHECK(!has(find(scripts, "split-cpu-1000c-64B-d1").script, "median"));
	}
}

TEST_CASE("bench plot: one-host plots leave split, open-loop and churn runs out", "[bench][plot]")
{
	// A split document only: no one-host plot (its runs would share the
	// cells of a 1-vCPU guest's and define a path's data twice).
	for (auto &s : plot_scripts({four_cells()}))
		CHECK(s.name.rfind("split-", 0) == 0);
	// Churn runs of a one-host document are not in the CDFs, throughput
	// or CPU plots either.
	Value churn = split_run("kernel", 64, 64, 1, kKernel);
	churn["mode"] = "churn";
	churn["split"] = Value();
	Value d = Value::object();
	d["schema"] = kSchema;
	Value c = Value::object();
	c["vcpus"] = 2;
	c["idle_poll"] = false;
	d["conditions"] = c;
	d["runs"] = Value(json::Array{churn});
	d["external"] = Value::array();
	CHECK(plot_scripts({d}).empty());
}

TEST_CASE("bench plot: a result file's strings cannot run a command or end a data block",
	  "[bench][plot]")
{
	// gnuplot runs the command of a quoted file name that starts with '<';
	// a newline in a path would end the data block it is a row of.
	const std::string evil = "kernel' , '<touch /tmp/pwned' using 1:2 title '\nEOD\nsystem('id')";
	std::vector<Value> runs;
	for (double conns : {64, 1000}) {
		runs.push_back(split_run("epoll", conns, 64, 1, kEpoll));
		runs.push_back(split_run(evil, conns, 64, 1, kEpoll));
	}
	Value d = split_doc(runs);
	d["conditions"]["accelerator"] = "KVM'\nsystem('id')";
	auto scripts = plot_scripts({d}, true);
	REQUIRE_FALSE(scripts.empty());
	for (auto &s : scripts) {
		INFO(s.name);
		CHECK_FALSE(has(s.script, "'<"));
		CHECK_FALSE(has(s.script, "system("));
		CHECK_FALSE(has(s.script, "\nEOD\nsystem"));
	}
}
