// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's control protocol (serve <-> run --server): the requests
// the serving side accepts and refuses, the line framing against a broken
// or hostile peer, a whole session over a socket, and the arithmetic of
// each host's CPU split.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "control.hpp"
#include "net.hpp"
#include "run.hpp"
#include "sysstat.hpp"

using namespace ssb;
using ssb::json::Value;

namespace {

// Records what the dispatcher asked of it.
class FakeHost : public control::Host {
public:
	Value hello() override
	{
		Value h = Value::object();
		h["kernel"] = "test";
		Value c = Value::array();
		c.push_back(0);
		h["server_cpus"] = c;
		return h;
	}
	std::uint16_t start(const std::string &path, std::uint16_t port, unsigned threads,
			    const std::string &backend, std::string &error) override
	{
		started.push_back(path + ":" + std::to_string(port) + ":" + std::to_string(threads) +
				  (backend.empty() ? "" : ">" + backend));
		if (path == "broken") {
			error = "it broke";
			return 0;
		}
		return port;
	}
	Value sample() override
	{
		if (samples == 0 && first_sample_delay_ms)
			std::this_thread::sleep_for(std::chrono::milliseconds(first_sample_delay_ms));
		samples++;
		Value s = Value::object();
		s["tick_hz"] = 100;
		return s;
	}
	void stop() override { stops++; }
	int first_sample_delay_ms = 0;
	std::vector<std::string> started;
	int samples = 0, stops = 0;
};

Value req(const std::string &text)
{
	auto v = json::parse(text);
	REQUIRE(v);
	return *v;
}

std::string call(control::Host &h, control::Session &s, const std::string &text)
{
	return json::dump(control::dispatch(h, s, req(text)));
}

} // namespace

TEST_CASE("bench control: hello first, then start, sample, stop", "[bench][control]")
{
	FakeHost h;
	control::Session s;
	CHECK(call(h, s, R"({"op":"sample"})") == R"({"ok":false,"error":"say hello first"})");
	CHECK(call(h, s, R"({"op":"start","path":"epoll","port":7101})") ==
	      R"({"ok":false,"error":"say hello first"})");
	CHECK(h.started.empty());
	CHECK(call(h, s, R"({"op":"hello","version":1})") ==
	      R"({"ok":true,"version":1,"host":{"kernel":"test","server_cpus":[0]}})");
	CHECK(call(h, s, R"({"op":"start","path":"epoll","port":7101,"threads":2})") ==
	      R"({"ok":true,"port":7101})");
	CHECK(call(h, s, R"({"op":"sample"})") == R"({"ok":true,"tick_hz":100})");
	CHECK(call(h, s, R"({"op":"stop"})") == R"({"ok":true})");
	CHECK(h.started == std::vector<std::string>{"epoll:7101:2"});
	CHECK(call(h, s,
		   R"({"op":"start","path":"proxy","port":7120,"backend":"198.18.0.2:7130"})") ==
	      R"({"ok":true,"port":7120})");
	CHECK(h.started.back() == "proxy:7120:1>198.18.0.2:7130");
	CHECK(h.samples == 1);
	CHECK(h.stops == 1);
	CHECK(s.end.empty());
	CHECK(call(h, s, R"({"op":"bye"})") == R"({"ok":true})");
	CHECK(s.end == "bye");
}

TEST_CASE("bench control: bad requests get a reason, never a start", "[bench][control]")
{
	FakeHost h;
	control::Session s;
	auto err = [&](const std::string &text) {
		Value r = control::dispatch(h, s, req(text));
		INFO(text);
		CHECK(json::flag(r, "ok") == false);
		return json::str(r, "error");
	};
	CHECK(err(R"([1,2])") == "a request is a JSON object");
	CHECK(err(R"({"op":3})") == "the request has no \"op\" string");
	CHECK(err(R"({"op":"hello"})") == "hello needs \"version\", a whole number");
	CHECK(err(R"({"op":"hello","version":1.5})") == "hello needs \"version\", a whole number");
	CHECK(err(R"({"op":"hello","version":2})").find("version 1, not 2") != std::string::npos);
	CHECK_FALSE(s.greeted);
	CHECK(err(R"({"op":"reboot"})") ==
	      "unknown op 'reboot' (hello, start, sample, stop, bye, shutdown)");
	REQUIRE(json::boolean(
		json::get(control::dispatch(h, s, req(R"({"op":"hello","version":1})")), "ok")));
	CHECK(err(R"({"op":"start","port":7101})") == "start needs \"path\"");
	CHECK(err(R"({"op":"start","path":"","port":7101})") == "start needs \"path\"");
	CHECK(err(R"({"op":"start","path":"epoll"})") == "start needs \"port\", 1 to 65535");
	CHECK(err(R"({"op":"start","path":"epoll","port":0})") == "start needs \"port\", 1 to 65535");
	CHECK(err(R"({"op":"start","path":"epoll","port":65536})") ==
	      "start needs \"port\", 1 to 65535");
	CHECK(err(R"({"op":"start","path":"kernel","port":80})") ==
	      "port 80 is a privileged port: serve paths on 1024 and above");
	CHECK(err(R"({"op":"start","path":"epoll","port":"7101"})") ==
	      "start needs \"port\", 1 to 65535");
	CHECK(err(R"({"op":"start","path":"epoll","port":7101,"threads":0})") ==
	      "\"threads\" is 1 to 1024");
	CHECK(err(R"({"op":"start","path":"epoll","port":7101,"threads":-1})") ==
	      "\"threads\" is 1 to 1024");
	for (const char *b : {R"("10.0.0.2")", R"("10.0.0.2:")", R"("a:1")", R"("10.0.0.2:0")",
			      R"(7130)", R"("10.0.0.2:70000")"})
		CHECK(err(std::string(R"({"op":"start","path":"proxy","port":7120,"backend":)") + b +
			  "}") == "\"backend\" is ADDRESS:PORT (IPv4)");
	CHECK(h.started.empty());
	CHECK(err(R"({"op":"start","path":"broken","port":7101})") == "it broke");
	CHECK(s.end.empty());
}

TEST_CASE("bench control: line framing against a broken peer", "[bench][control]")
{
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	control::Channel a(sv[0]), b(sv[1]);
	std::string err;

	// Two objects in one write, then one split across writes.
	std::string two = "{\"op\":\"a\"}\n{\"op\":\"b\"}\n{\"op\":";
	REQUIRE(write(sv[1], two.data(), two.size()) == ssize_t(two.size()));
	auto x = a.receive(1, err);
	REQUIRE(x);
	CHECK(json::str(*x, "op") == "a");
	x = a.receive(1, err);
	REQUIRE(x);
	CHECK(json::str(*x, "op") == "b");
	CHECK_FALSE(a.receive(0.2, err));
	CHECK(err.find("no word from the control peer") == 0);
	REQUIRE(write(sv[1], "\"c\"}\n", 5) == 5);
	x = a.receive(1, err);
	REQUIRE(x);
	CHECK(json::str(*x, "op") == "c");

	// Not JSON; JSON that is not an object.
	REQUIRE(write(sv[1], "hello\n", 6) == 6);
	CHECK_FALSE(a.receive(1, err));
	CHECK(err.find("not JSON") != std::string::npos);
	REQUIRE(write(sv[1], "[1]\n", 4) == 4);
	CHECK_FALSE(a.receive(1, err));
	CHECK(err == "the control peer sent JSON that is not an object");
	// A number no double holds: refused, not an exception that ends the
	// serving side.
	std::string big = "{\"op\":\"hello\",\"n\":1e999}\n";
	REQUIRE(write(sv[1], big.data(), big.size()) == ssize_t(big.size()));
	CHECK_FALSE(a.receive(1, err));
	CHECK(err.find("number overflow") != std::string::npos);

	// send() and receive() agree.
	Value v = Value::object();
	v["op"] = "sample";
	v["n"] = 3;
	REQUIRE(b.send(v, err));
	x = a.receive(1, err);
	REQUIRE(x);
	CHECK(*x == v);

	// A line that never ends: refused past the limit, not buffered on.
	std::thread writer([fd = sv[1]] {
		std::string junk(64 * 1024, 'x');
		for (std::size_t sent = 0; sent <= control::kMaxLine + junk.size();) {
			ssize_t n = send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
			if (n <= 0)
				break;
			sent += std::size_t(n);
		}
	});
	CHECK_FALSE(a.receive(10, err));
	CHECK(err.find("the control peer sent a line over") == 0);
	shutdown(sv[0], SHUT_RDWR);
	writer.join();
}

TEST_CASE("bench control: EOF from the peer", "[bench][control]")
{
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	control::Channel a(sv[0]);
	close(sv[1]);
	std::string err;
	CHECK_FALSE(a.receive(1, err));
	CHECK(err == "the control peer closed the connection");
}

namespace {
// "127.0.0.1:PORT" of a listening socket, for Remote::connect().
std::string local_where(int lfd)
{
	sockaddr_in a{};
	socklen_t len = sizeof(a);
	REQUIRE(getsockname(lfd, reinterpret_cast<sockaddr *>(&a), &len) == 0);
	return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}
} // namespace

TEST_CASE("bench control: a session over TCP with serve()", "[bench][control]")
{
	int lfd = listen_tcp("127.0.0.1", 0, 4);
	std::string where = local_where(lfd);
	FakeHost h;
	std::thread server([&] { control::serve(h, lfd, 10, true); });
	std::string err;
	{
		// The first controller goes away without a word: what it
		// started is stopped.
		auto r = control::Remote::connect(where, err);
		REQUIRE(r);
		CHECK(json::str(r->host(), "kernel") == "test");
		CHECK(r->server_cpus() == std::vector<int>{0});
		CHECK(r->start("kernel", 7110, 1, err) == 7110);
		CHECK(r->start("broken", 7111, 1, err) == 0);
		CHECK(err == "syncsock-bench serve refused start: it broke");
		auto s = r->sample(err);
		REQUIRE(s);
		CHECK(json::num(*s, "tick_hz") == 100);
	}
	// The next one is served, and shuts the server down.
	auto r = control::Remote::connect(where, err);
	REQUIRE(r);
	CHECK(r->stop(err));
	r->shutdown();
	server.join();
	close(lfd);
	CHECK(h.started == std::vector<std::string>{"kernel:7110:1", "broken:7111:1"});
	CHECK(h.stops >= 3);	// after each controller, and the explicit stop

	// Nobody there any more.
	CHECK_FALSE(control::Remote::connect(where, err));
	CHECK(err.find("cannot reach syncsock-bench serve at 127.0.0.1:") == 0);
}

TEST_CASE("bench control: a reply that comes too late is not the next one's", "[bench][control]")
{
	int lfd = listen_tcp("127.0.0.1", 0, 4);
	std::string where = local_where(lfd);
	FakeHost h;
	h.first_sample_delay_ms = 600;
	std::thread server([&] { control::serve(h, lfd, 10, true); });
	std::string err;
	auto r = control::Remote::connect(where, err);
	REQUIRE(r);
	r->sample_timeout_s = 0.2;
	// The serving host is slow to sample: the controller gives up ...
	CHECK_FALSE(r->sample(err));
	CHECK_THAT(err, Catch::StartsWith("sample: "));
	// ... and the late sample reply must not pass for the start's.
	r->timeout_s = 5;
	CHECK(r->start("kernel", 7110, 1, err) == 7110);
	auto s = r->sample(err);
	REQUIRE(s);
	CHECK(json::num(*s, "tick_hz") == 100);
	r->shutdown();
	server.join();
	close(lfd);
}

TEST_CASE("bench control: --server and --listen addresses", "[bench][control]")
{
	std::string h;
	std::uint16_t p;
	CHECK(control::parse_where("198.18.0.1", h, p));
	CHECK(h == "198.18.0.1");
	CHECK(p == control::kPort);
	CHECK(control::parse_where("10.0.0.2:9000", h, p));
	CHECK(h == "10.0.0.2");
	CHECK(p == 9000);
	for (const char *bad : {"", "host", "10.0.0.2:", "10.0.0.2:0", "10.0.0.2:65536",
				"10.0.0.2:9x", "::1", "10.0.0.256"})
		CHECK_FALSE(control::parse_where(bad, h, p));
	// What serve --cpus and the progress lines show.
	CHECK(cpu_list({0, 2, 3}) == "0,2,3");
	CHECK(cpu_list({}) == "none");
}

TEST_CASE("bench control: per-CPU lines of /proc/stat", "[bench][control]")
{
	const char *text = "cpu  10 0 20 300 0 0 5 0 0 0\n"
			   "cpu0 6 0 12 100 0 0 3 0 0 0\n"
			   "cpu1 4 0 8 200 0 1 2 7 0 0\n"
			   "cpufreq 1\n"
			   "intr 1 2 3\n"
			   "ctxt 99\n";
	auto c = parse_proc_stat_cpus(text);
	REQUIRE(c.size() == 2);
	CHECK(c[0].user == 6);
	CHECK(c[0].system == 12);
	CHECK(c[0].softirq == 3);
	CHECK(c[1].irq == 1);
	CHECK(c[1].steal == 7);
	CHECK(control::cpus_from_json(control::cpus_json(c)).size() == 2);
	CHECK(control::cpus_from_json(control::cpus_json(c))[1].idle == 200);
}

TEST_CASE("bench control: each host's CPU split", "[bench][control]")
{
	std::map<int, SystemCpu> a, b;
	a[0] = SystemCpu{};
	a[1] = SystemCpu{};
	// CPU 0, the server's: 100 ticks, 80 busy (10 user, 30 system, 40
	// softirq).  CPU 1: 100 ticks, 10 busy (system).
	b[0].user = 10;
	b[0].system = 30;
	b[0].softirq = 40;
	b[0].idle = 20;
	b[1].system = 10;
	b[1].idle = 90;
	// 1000 requests at 100 ticks/s: 10 ms a tick, so 10 µs a tick a request.
	Value s = control::cpu_split(a, b, {0}, 1000, 100);
	CHECK(json::items(json::get(s, "cpus")).size() == 1);
	CHECK(json::num(s, "busy") == Approx(0.8));
	CHECK(json::num(json::get(s, "us_per_req"), "user") == Approx(100));
	CHECK(json::num(json::get(s, "us_per_req"), "system") == Approx(300));
	CHECK(json::num(json::get(s, "us_per_req"), "softirq") == Approx(400));
	CHECK(json::num(json::get(s, "us_per_req"), "total") == Approx(800));
	CHECK(json::num(s, "own_share") == Approx(80.0 / 90).margin(0.001));
	REQUIRE(json::items(json::get(s, "per_cpu")).size() == 2);
	CHECK(json::boolean(json::get(json::items(json::get(s, "per_cpu"))[1], "own")) == false);
	CHECK(json::num(json::items(json::get(s, "per_cpu"))[1], "busy") == Approx(0.1));

	// All CPUs are the side's own when none is named.
	Value all = control::cpu_split(a, b, {}, 1000, 100);
	CHECK(json::num(all, "own_share") == 1);
	CHECK(json::num(all, "busy") == Approx(0.45));

	// No requests: no per-request figure, and no division by zero.
	Value none = control::cpu_split(a, b, {0}, 0, 100);
	CHECK(std::isnan(json::num(json::get(none, "us_per_req"), "total")));
	CHECK(json::dump(json::get(none, "us_per_req")).find("\"total\":null") !=
	      std::string::npos);
}

namespace {
json::Value fake_run(double rps, double p50, double errors, double server_us = -1)
{
	json::Value r = json::Value::object();
	r["path"] = "kernel";
	r["throughput_rps"] = rps;
	r["errors"] = errors;
	if (errors)
		r["error"] = "boom";
	json::Value l = json::Value::object();
	l["p50"] = p50;
	l["p99"] = p50 * 2;
	r["latency_us"] = l;
	if (server_us >= 0) {
		json::Value u = json::Value::object();
		u["total"] = server_us;
		json::Value sv = json::Value::object();
		sv["us_per_req"] = u;
		json::Value sp = json::Value::object();
		sp["server"] = sv;
		r["split"] = sp;
	}
	return r;
}
} // namespace

TEST_CASE("bench repeat: the median run stands for the cell", "[bench][repeat]")
{
	json::Value r = combine_repeats({fake_run(900, 9, 0, 5), fake_run(1100, 11, 0, 4),
					 fake_run(1000, 10, 0, 6)});
	CHECK(json::num(r, "throughput_rps") == 1000);
	CHECK(json::num(json::get(r, "latency_us"), "p50") == 10);
	CHECK(json::num(r, "errors") == 0);
	const json::Value &rep = json::get(r, "repeat");
	CHECK(json::num(rep, "n") == 3);
	CHECK(json::num(rep, "ok") == 3);
	CHECK(json::num(json::get(rep, "throughput_rps"), "min") == 900);
	CHECK(json::num(json::get(rep, "throughput_rps"), "max") == 1100);
	CHECK(json::num(json::get(rep, "throughput_rps"), "spread_pct") == Approx(20));
	CHECK(json::num(json::get(rep, "server_us_per_req"), "median") == 5);
	CHECK_THAT(describe_repeat(rep), Catch::Contains("spread 20.0 %"));
}

TEST_CASE("bench repeat: one failed run fails the cell", "[bench][repeat]")
{
	json::Value r = combine_repeats({fake_run(1000, 10, 0), fake_run(0, 0, 1), fake_run(1200, 8, 0)});
	CHECK(json::num(r, "errors") == 1);
	CHECK(json::str(r, "error") == "boom");
	CHECK(json::num(json::get(r, "repeat"), "ok") == 2);
	// The spread is of the runs that completed.
	CHECK(json::num(json::get(r, "repeat", "throughput_rps"), "min") == 1000);
	r = combine_repeats({fake_run(0, 0, 1), fake_run(0, 0, 1)});
	CHECK(json::num(r, "errors") == 2);
	CHECK_THAT(describe_repeat(json::get(r, "repeat")),
		   Catch::Contains("every one of 2 runs failed"));
}
