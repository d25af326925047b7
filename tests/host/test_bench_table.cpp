// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's tables (ratios against epoll), its parsers of sockperf and
// wrk output and the HTTP responder's protocol (the command line:
// test_bench_options.cpp).
#include <catch2/catch.hpp>

#include <sstream>

#include "external.hpp"
#include "http.hpp"
#include "plot.hpp"
#include "report.hpp"

using namespace ssb;
using json::Value;

static Value run(const std::string &path, double conns, double p50, double p99, double rps,
		 double errors = 0)
{
	Value r = Value::object();
	r["client"] = "syncsock-bench";
	r["path"] = path;
	r["conns"] = conns;
	r["msg_size"] = 64;
	r["depth"] = 1;
	r["mode"] = "closed";
	r["rate"] = 0;
	r["requests"] = rps * 3;
	r["throughput_rps"] = rps;
	r["errors"] = errors;
	if (errors)
		r["error"] = "connection 3: the server closed the connection";
	Value l = Value::object();
	l["p50"] = p50;
	l["p90"] = p50 * 1.1;
	l["p99"] = p99;
	l["p99.9"] = p99 * 2;
	l["max"] = p99 * 10;
	r["latency_us"] = l;
	Value c = Value::object();
	c["user"] = 1.5;
	c["system"] = 10.25;
	c["softirq"] = 20;
	c["irq"] = 0;
	c["total"] = 31.75;
	r["cpu_us_per_req"] = c;
	Value x = Value::object();
	x["server"] = path == "kernel" ? 0 : 1;
	x["client"] = 0;
	x["system"] = path == "kernel" ? 0 : 2.04;
	r["ctx_per_req"] = x;
	Value cdf = Value::array();
	cdf.push_back(Value(json::Array{p50 / 2, 0}));
	cdf.push_back(Value(json::Array{p50, 0.5}));
	cdf.push_back(Value(json::Array{p99 * 10, 1}));
	r["cdf_us"] = cdf;
	return r;
}

static Value doc(std::vector<Value> runs, double vcpus = 2)
{
	Value d = Value::object();
	d["schema"] = kSchema;
	Value c = Value::object();
	c["vcpus"] = vcpus;
	c["idle_poll"] = false;
	d["conditions"] = c;
	Value r = Value::array();
	for (auto &x : runs)
		r.push_back(x);
	d["runs"] = r;
	d["external"] = Value::array();
	return d;
}

TEST_CASE("bench table: number formats", "[bench][table]")
{
	CHECK(fmt_count(0) == "0");
	CHECK(fmt_count(999) == "999");
	CHECK(fmt_count(1000) == "1,000");
	CHECK(fmt_count(1234567.6) == "1,234,568");
	CHECK(fmt_us(12.345) == "12.35");	// 12.345 is 12.3449... in binary
	CHECK(fmt_us(123.45) == "123.5");	// same
	CHECK(fmt_us(12345.6) == "12346");
	CHECK(fmt_us(NAN) == "-");
	CHECK(fmt_ratio(0.3214) == "0.32x");
	CHECK(fmt_ratio(12.34) == "12.3x");
	CHECK(fmt_ratio(0) == "-");
	CHECK(fmt_ratio(NAN) == "-");
}

TEST_CASE("bench table: one cell, ratios against epoll", "[bench][table]")
{
	Value d = doc({run("epoll", 1, 100, 400, 10000), run("kernel", 1, 32, 200, 31000),
		       run("io_uring", 1, 110, 800, 9000)});
	std::string out = render_report({d});
	CHECK(out ==
	      "== 2 vCPUs, 1 connection, 64 B messages, closed loop, depth 1 (ratios against epoll)\n"
	      "path      p50 us  p90 us  p99 us  p99.9 us  max us   req/s  p50 x  p99 x  req/s x  CPU us/req     usr/sys/si  ctx/req srv  ctx/req sys\n"
	      "kernel     32.00   35.20   200.0     400.0  2000.0  31,000  0.32x  0.50x    3.10x        31.8  1.5/10.2/20.0         0.00         0.00\n"
	      "epoll      100.0   110.0   400.0     800.0  4000.0  10,000  1.00x  1.00x    1.00x        31.8  1.5/10.2/20.0         1.00         2.04\n"
	      "io_uring   110.0   121.0   800.0    1600.0  8000.0   9,000  1.10x  2.00x    0.90x        31.8  1.5/10.2/20.0         1.00         2.04\n"
	      "\n"
	      "== the kernel path against epoll and io_uring (latency: lower is better; throughput: higher is better)\n"
	      "vCPUs  conns  size  loop       p50 vs epoll  p99 vs epoll  req/s vs epoll  req/s vs io_uring  kernel req/s  kernel ctx/req srv\n"
	      "2          1  64 B  closed d1         0.32x         0.50x           3.10x              3.44x        31,000               0.000\n");
}

TEST_CASE("bench table: cells grouped and ordered, failures shown", "[bench][table]")
{
	Value d1 = doc({run("kernel", 64, 300, 900, 40000), run("epoll", 64, 1000, 5000, 10000),
			run("spin", 64, 1, 1, 1, 1)});
	Value d2 = doc({run("kernel", 1, 30, 90, 30000), run("epoll", 1, 150, 500, 6000)}, 1);
	std::string out = render_report({d1, d2});
	// 1 vCPU first, then 2; within, by connections.
	auto a = out.find("== 1 vCPU, 1 connection");
	auto b = out.find("== 2 vCPUs, 64 connections");
	REQUIRE(a != std::string::npos);
	REQUIRE(b != std::string::npos);
	CHECK(a < b);
	CHECK(out.find("\nspin: FAILED: connection 3: the server closed the connection\n") !=
	      std::string::npos);
	// No epoll baseline: ratios are "-".
	Value d3 = doc({run("kernel", 1, 30, 90, 30000)});
	CHECK(render_summary({d3}).find("   -  ") != std::string::npos);
	// Markdown.
	std::string md = render_report({d2}, true);
	CHECK(md.find("#### 1 vCPU, 1 connection, 64 B messages, closed loop, depth 1 (ratios against epoll)\n\n| path |") !=
	      std::string::npos);
	CHECK(md.find("| kernel | 30.00 |") != std::string::npos);
}

// @r as an open-loop run at @fraction of a closed-loop @peak (its "load":
// @l with the fraction and the peak added).
// A document of run --server: the server on CPU 0 of a host of its own.
static void two_hosts(Value &d)
{
	Value c = json::get(d, "conditions");
	c["setup"] = "two hosts";
	Value sh = Value::object();
	Value cpus = Value::array();
	cpus.push_back(Value(0.0));
	sh["server_cpus"] = cpus;
	c["server_host"] = sh;
	d["conditions"] = c;
}

static Value open_at(Value r, double fraction, double peak, Value l)
{
	r["mode"] = "open";
	r["rate"] = fraction * peak;
	l["fraction"] = fraction;
	l["peak_rps"] = peak;
	r["load"] = l;
	return r;
}

TEST_CASE("bench table: open loop at each path's peak is one cell; churn is its own", "[bench][table]")
{
	auto load = [](Value r, double fraction, double peak) {
		return open_at(std::move(r), fraction, peak, Value::object());
	};
	auto churn = [](Value r) {
		r["mode"] = "churn";
		return r;
	};
	Value d = doc({run("kernel", 64, 30, 90, 30000), run("epoll", 64, 100, 500, 10000),
		       load(run("kernel", 64, 20, 60, 15000), 0.5, 30000),
		       load(run("epoll", 64, 80, 300, 5000), 0.5, 10000),
		       load(run("kernel", 64, 25, 80, 27000), 0.9, 30000),
		       churn(run("kernel", 32, 400, 900, 3000)), churn(run("epoll", 32, 300, 800, 2000))});
	std::string out = render_report({d});
	// Different rates, one cell each for 50 % and 90 %, after the closed loop.
	auto closed = out.find("== 2 vCPUs, 64 connections, 64 B messages, closed loop, depth 1");
	auto half = out.find("== 2 vCPUs, 64 connections, 64 B messages, open loop at 50 % of each "
			     "path's own closed-loop peak (ratios against epoll)\n");
	auto most = out.find("open loop at 90 % of each path's own closed-loop peak");
	auto ch = out.find("== 2 vCPUs, 32 connections, 64 B messages, churn: a new connection for "
			   "each message (cycles/s: the accept rate)");
	REQUIRE(closed != std::string::npos);
	REQUIRE(half != std::string::npos);
	REQUIRE(most != std::string::npos);
	REQUIRE(ch != std::string::npos);
	CHECK(closed < half);
	CHECK(half < most);
	std::string cell = out.substr(half, most - half);
	CHECK(cell.find("\nkernel ") != std::string::npos);
	CHECK(cell.find("\nepoll ") != std::string::npos);
	// The summary's loop column says which.
	std::string sum = render_summary({d});
	CHECK(sum.find("open 50 % of peak") != std::string::npos);
	CHECK(sum.find("open 90 % of peak") != std::string::npos);
	CHECK(sum.find(" churn ") != std::string::npos);
}

TEST_CASE("bench table: open loop at each path's searched capacity, server on its own CPU",
	  "[bench][table][open-loop]")
{
	auto load = [](Value r, double fraction, double cap, double busy) {
		Value l = Value::object();
		l["capacity_rps"] = cap;
		l["capacity_server_busy"] = busy;
		Value tried = Value::array();
		Value t = Value::object();
		t["rate"] = cap;
		t["kept"] = true;
		tried.push_back(t);
		l["search"] = tried;
		r = open_at(std::move(r), fraction, cap * 2, l);
		r["rate"] = fraction * cap;
		Value sv = Value::object();
		sv["busy"] = 0.5;
		Value us = Value::object();
		us["total"] = 10;
		sv["us_per_req"] = us;
		Value sp = Value::object();
		sp["server"] = sv;
		r["split"] = sp;
		return r;
	};
	Value d = doc({load(run("kernel", 64, 20, 60, 15000), 0.5, 30000, 0.97),
		       load(run("epoll", 64, 80, 300, 5000), 0.5, 10000, 0.99)});
	two_hosts(d);
	std::string out = render_report({d});
	INFO(out);
	CHECK(out.find("open loop at 50 % of each path's own open-loop capacity") !=
	      std::string::npos);
	CHECK(out.find("closed-loop peak") == std::string::npos);
	CHECK(out.find("open-loop capacity (the highest rate each path kept, req/s; its server's "
		       "busy time there): kernel 30,000 (97 % busy), epoll 10,000 (99 % busy)\n") !=
	      std::string::npos);
	std::string sum = render_summary({d});
	CHECK(sum.find("open 50 % of capacity") != std::string::npos);
}

TEST_CASE("bench plot: scripts carry their data inline", "[bench][plot]")
{
	Value d = doc({run("kernel", 1, 30, 90, 30000), run("epoll", 1, 150, 500, 6000),
		       run("kernel", 64, 300, 900, 40000), run("epoll", 64, 1000, 5000, 10000)});
	auto scripts = plot_scripts({d});
	std::vector<std::string> names;
	for (auto &s : scripts)
		names.push_back(s.name);
	CHECK(names == std::vector<std::string>{"cdf-2vcpu-1c-64B", "cdf-2vcpu-64c-64B",
						"tput-2vcpu-64B", "cpu-2vcpu-64c-64B"});
	CHECK(scripts[0].script.find("set output 'cdf-2vcpu-1c-64B.png'") != std::string::npos);
	CHECK(scripts[0].script.find("$kernel << EOD\n15 0\n30 0.5\n900 1\nEOD\n") !=
	      std::string::npos);
	CHECK(scripts[2].script.find("$epoll << EOD\n1 6000\n64 10000\nEOD\n") != std::string::npos);
	CHECK(scripts[3].script.find("kernel 1.5 10.25 20 0\n") != std::string::npos);
	// The title says where the runs ran, as the file's conditions say.
	CHECK(scripts[0].script.find("(TCG guest)") == std::string::npos);
	Value c = json::get(d, "conditions");
	c["accelerator"] = "TCG";
	d["conditions"] = c;
	CHECK(plot_scripts({d})[0].script.find("1 connection, 64 B (TCG guest)\"\n") !=
	      std::string::npos);
	c["accelerator"] = "KVM";
	d["conditions"] = c;
	CHECK(plot_scripts({d})[1].script.find("64 connections, 64 B (KVM)\"\n") !=
	      std::string::npos);
}

TEST_CASE("bench plot: a path with a hyphen is a valid gnuplot data block", "[bench][plot]")
{
	Value d = doc({run("epoll-busy", 1, 150, 500, 6000), run("epoll-busy", 64, 1000, 5000, 10000),
		       run("epoll", 1, 150, 500, 6000), run("epoll", 64, 1000, 5000, 10000)});
	for (auto &s : plot_scripts({d})) {
		INFO(s.name);
		// gnuplot: "data block name must be followed by << EODmarker".
		CHECK(s.script.find("$epoll-busy") == std::string::npos);
	}
	auto scripts = plot_scripts({d});
	CHECK(scripts[0].script.find("$epoll_busy << EOD\n") != std::string::npos);
	CHECK(scripts[0].script.find("$epoll_busy using 1:2") != std::string::npos);
	CHECK(scripts[0].script.find("title 'epoll-busy'") != std::string::npos);
}

TEST_CASE("bench external: sockperf ping-pong output", "[bench][external]")
{
	const std::string out =
		"sockperf: [2;35m== version #3.7-no.git == [0m\n"
		"sockperf: [Total Run] RunTime=3.001 sec; Warm up time=400 msec; SentMessages=52961; ReceivedMessages=52960\n"
		"sockperf: ========= Printing statistics for Server No: 0\n"
		"sockperf: [Valid Duration] RunTime=1.832 sec; SentMessages=31332; ReceivedMessages=31332\n"
		"sockperf: \033[2;35m====> avg-rtt=58.431 (std-dev=32.122)\033[0m\n"
		"sockperf: # dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0\n"
		"sockperf: Summary: Round trip is 58.431 usec\n"
		"sockperf: \033[2;35mTotal 31332 observations\033[0m; each percentile contains 313.32 observations\n"
		"sockperf: ---> <MAX> observation = 4283.489\n"
		"sockperf: ---> percentile 99.999 = 4283.489\n"
		"sockperf: ---> percentile 99.990 = 1247.180\n"
		"sockperf: ---> percentile 99.900 =  190.183\n"
		"sockperf: ---> percentile 99.000 =   89.864\n"
		"sockperf: ---> percentile 90.000 =   67.921\n"
		"sockperf: ---> percentile 75.000 =   62.483\n"
		"sockperf: ---> percentile 50.000 =   57.345\n"
		"sockperf: ---> percentile 25.000 =   53.239\n"
		"sockperf: ---> <MIN> observation =   12.749\n";
	auto r = parse_sockperf(out);
	REQUIRE(r);
	CHECK(r->avg == Approx(58.431));
	CHECK(r->p50 == Approx(57.345));
	CHECK(r->p90 == Approx(67.921));
	CHECK(r->p99 == Approx(89.864));
	CHECK(r->p999 == Approx(190.183));
	CHECK(r->p9999 == Approx(1247.180));
	CHECK(r->max == Approx(4283.489));
	CHECK(r->min == Approx(12.749));
	CHECK(r->observations == 31332);
	CHECK(r->rps() == Approx(31332 / 1.832));
	CHECK_FALSE(parse_sockperf("sockperf: No valid observations found.\n"));
}

TEST_CASE("bench external: wrk --latency output", "[bench][external]")
{
	const std::string out = "Running 3s test @ http://127.0.0.1:7114/\n"
				"  2 threads and 64 connections\n"
				"  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
				"    Latency     7.29ms    3.21ms  24.62ms   68.12%\n"
				"    Req/Sec     3.34k   410.12     4.01k    72.00%\n"
				"  Latency Distribution\n"
				"     50%    6.80ms\n"
				"     75%    9.10ms\n"
				"     90%   14.88ms\n"
				"     99%   24.62ms\n"
				"  19956 requests in 3.00s, 2.86MB read\n"
				"  Socket errors: connect 0, read 1, write 0, timeout 2\n"
				"Requests/sec:   6652.10\n"
				"Transfer/sec:      0.95MB\n";
	auto r = parse_wrk(out);
	REQUIRE(r);
	CHECK(r->avg_us == Approx(7290));
	CHECK(r->max_us == Approx(24620));
	CHECK(r->p50 == Approx(6800));
	CHECK(r->p75 == Approx(9100));
	CHECK(r->p90 == Approx(14880));
	CHECK(r->p99 == Approx(24620));
	CHECK(r->requests == 19956);
	CHECK(r->duration_s == Approx(3.0));
	CHECK(r->rps == Approx(6652.10));
	CHECK(r->socket_errors == 3);
	CHECK(parse_duration_us("250ns") == Approx(0.25));
	CHECK(parse_duration_us("1.50s") == Approx(1.5e6));
	CHECK_FALSE(parse_duration_us("fast"));
	CHECK_FALSE(parse_wrk("unable to connect to 127.0.0.1:7114 Connection refused\n"));
}

TEST_CASE("bench external: a listening port in /proc/net/tcp", "[bench][external]")
{
	const std::string t =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:1BBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
		"   1: 0100007F:1BBD 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n";
	CHECK(port_listening(t, 7100));
	CHECK_FALSE(port_listening(t, 7101));	// established, not listening
	CHECK_FALSE(port_listening(t, 80));
}

TEST_CASE("bench http: the responder answers like the kernel handler", "[bench][http]")
{
	CHECK(http::response(true, false) ==
	      "HTTP/1.1 200 OK\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
	      "Content-Length: 20\r\nConnection: keep-alive\r\n\r\nHello from syncsock\n");
	CHECK(http::response(false, true) ==
	      "HTTP/1.1 200 OK\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
	      "Content-Length: 20\r\nConnection: close\r\n\r\n");

	http::Session s;
	std::string out;
	// Two pipelined requests, split across reads, then a body to skip.
	std::string in = "GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
			 "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
			 "GET / HTTP/1.0\r\n\r\n";
	CHECK(s.feed(in.data(), 10, out));
	CHECK(out.empty());
	CHECK_FALSE(s.feed(in.data() + 10, in.size() - 10, out));	// HTTP/1.0: closes
	CHECK(out == http::response(true, false) + http::response(true, true) +
			     http::response(true, false) + http::response(false, false));

	http::Session bad;
	out.clear();
	CHECK_FALSE(bad.feed("GET /\r\n\r\n", 10, out));
	CHECK(out == std::string(http::bad_request));

	http::Request rq;
	CHECK(http::parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", rq));
	CHECK_FALSE(rq.keep);
	CHECK(http::parse("GET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\n\r\n", rq));
	CHECK(rq.keep);
	CHECK_FALSE(http::parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", rq));
	CHECK_FALSE(http::parse("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", rq));
	CHECK_FALSE(http::parse("G(T / HTTP/1.1\r\n\r\n", rq));
}

TEST_CASE("bench table: the proxy paths in cells of their own, against HAProxy, with the targets",
	  "[bench][table][proxy]")
{
	// The server on its own CPU: CPU per request and capacity are its.
	auto split = [](Value r, double us) {
		Value sv = Value::object();
		sv["busy"] = 0.9;
		Value u = Value::object();
		u["total"] = us;
		sv["us_per_req"] = u;
		sv["capacity_rps_derived"] = 1e6 / us;
		sv["leaking"] = false;
		Value sp = Value::object();
		sp["server"] = sv;
		r["split"] = sp;
		return r;
	};
	Value px = split(run("proxy", 1, 40, 90, 20000), 10);
	Value k = Value::object();
	k["fwd_inline"] = 6000;
	k["fwd_queued"] = 12;
	px["kernel_counters"] = k;
	Value d = doc({run("epoll", 1, 20, 50, 40000), px, split(run("haproxy", 1, 100, 200, 8000), 40),
		       split(run("nginx", 1, 120, 260, 7000), 45), split(run("relay", 1, 70, 150, 12000), 25),
		       split(run("proxy", 64, 300, 900, 90000), 12),
		       split(run("haproxy", 64, 500, 1500, 60000), 20)});
	two_hosts(d);
	std::string out = render_report({d});
	INFO(out);
	// The echo path keeps its own cell; the proxies share one, HAProxy
	// the base of its ratios, the kernel's forwards shown.
	auto cell = out.find("== through a proxy to one backend: server on 1 CPU of its own");
	REQUIRE(cell != std::string::npos);
	CHECK(out.find("epoll") < cell);
	CHECK(out.find("p50 x haproxy", cell) != std::string::npos);
	auto row = out.find("\nproxy ", cell);
	REQUIRE(row != std::string::npos);
	std::string line = out.substr(row + 1, out.find('\n', row + 1) - row - 1);
	CHECK(line.find("0.40x") != std::string::npos);	// p50 40 against 100
	CHECK(line.find("0.25x") != std::string::npos);	// 10 us against 40
	CHECK(line.find("4.00x") != std::string::npos);	// capacity 100,000 against 25,000
	CHECK(line.find("6,000/12") != std::string::npos);
	std::string sum = render_summary({d});
	INFO(sum);
	CHECK(sum.find("syncsock's proxy against HAProxy") != std::string::npos);
	// 1 connection: every target met; 64: the CPU target missed (0.60x),
	// and no p50 target there.
	std::string l1, l64;
	std::istringstream lines(sum);
	for (std::string l; std::getline(lines, l);) {
		std::istringstream f(l);
		std::string n, cpu, conns;
		f >> n >> cpu >> conns;
		if (n == "1" && cpu == "CPU")
			(conns == "1" ? l1 : l64) = l;
	}
	REQUIRE(!l1.empty());
	REQUIRE(!l64.empty());
	CHECK(l1.find("missed") == std::string::npos);
	CHECK(l1.find("0.40x  met") != std::string::npos);
	CHECK(l64.find("0.60x  missed") != std::string::npos);
	CHECK(l64.find("1.67x  missed") != std::string::npos);

	// On one host the CPU is everyone's: ratios in the cell, no verdicts.
	Value one = doc({run("proxy", 1, 40, 90, 20000), run("haproxy", 1, 100, 200, 8000)});
	CHECK(render_report({one}).find("== through a proxy to one backend: 2 vCPUs") !=
	      std::string::npos);
	CHECK(render_summary({one}).find("against HAProxy") == std::string::npos);
}
