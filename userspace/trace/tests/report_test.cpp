// SPDX-License-Identifier: GPL-2.0
//
// syncsock-trace's command line and report, on the host: no BPF involved.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "report.hpp"

using namespace syncsock::trace;

namespace {

Parsed parse(std::vector<std::string_view> args)
{
	return parse_args(args);
}

// The fine-histogram slot of @ns, as the BPF side computes it.
std::size_t ns_slot(std::uint64_t ns)
{
	if (ns < (1u << SST_NS_SUB_BITS))
		return ns;
	unsigned l = 63 - __builtin_clzll(ns);
	return (l << SST_NS_SUB_BITS) | ((ns >> (l - SST_NS_SUB_BITS)) & 3);
}

Path path_with(std::vector<std::uint64_t> delays_ns)
{
	Path p;
	p.kind = SST_KIND_USER;
	p.port = 7601;
	for (auto d : delays_ns) {
		p.c.deliveries++;
		p.c.timed++;
		p.c.delay_sum_ns += d;
		p.c.delay_max_ns = std::max(p.c.delay_max_ns, d);
		p.hist_ns[ns_slot(d)]++;
		std::uint64_t us = d / 1000;
		p.hist_us[us ? 63 - __builtin_clzll(us) : 0]++;
	}
	return p;
}

} // namespace

TEST_CASE("options: ports, listeners, duration, flags", "[args]")
{
	auto p = parse({"-P", "7600", "--port=7602,7601", "-P7600", "-l", "3", "-t", "0.5", "-j",
			"-C", "--kprobes"});
	REQUIRE(p.error.empty());
	CHECK(p.options.ports == std::vector<std::uint16_t>{7600, 7601, 7602});
	CHECK(p.options.listeners == std::vector<std::uint32_t>{3});
	REQUIRE(p.options.duration);
	CHECK(*p.options.duration == 0.5);
	CHECK(p.options.json);
	CHECK(p.options.conns);
	CHECK(p.options.kprobes);
	CHECK_FALSE(parse({}).options.duration);
	CHECK_FALSE(p.options.pretty);
	// The tools' convention: -p is --pretty, and means JSON.
	for (const char *pretty : {"-p", "--pretty"}) {
		auto q = parse({pretty});
		CHECK(q.options.json);
		CHECK(q.options.pretty);
	}
	CHECK(*parse({"--duration=2"}).options.duration == 2);
	// Flags together, as in syncsockctl.
	auto jc = parse({"-jC", "-P7600"});
	REQUIRE(jc.error.empty());
	CHECK(jc.options.json);
	CHECK(jc.options.conns);
	CHECK(jc.options.ports == std::vector<std::uint16_t>{7600});
	CHECK(parse({"-jx"}).error == "unknown option '-x' in '-jx' (see -h)");
	CHECK(parse({"-jxC"}).error == "unknown option '-x' in '-jxC' (see -h)");
	// A letter that takes a value ends a cluster, with its value or before it.
	auto jp = parse({"-jP7600"});
	REQUIRE(jp.error.empty());
	CHECK(jp.options.json);
	CHECK(jp.options.ports == std::vector<std::uint16_t>{7600});
	CHECK(parse({"-jpCvV"}).options.version);
	// A repeated -t: the last one.
	CHECK(*parse({"-t", "1", "--duration", "2.5"}).options.duration == 2.5);
	CHECK(parse({"--listener=7", "-l", "7"}).options.listeners == std::vector<std::uint32_t>{7});
}

TEST_CASE("options: errors say what was wrong", "[args]")
{
	CHECK(parse({"-P", "0"}).error.find("bad port") != std::string::npos);
	CHECK(parse({"-P", "70000"}).error.find("bad port") != std::string::npos);
	CHECK(parse({"-P"}).error == "-P needs a value");
	CHECK(parse({"-p", "7600"}).error.find("unknown argument '7600'") != std::string::npos);
	CHECK(parse({"-l", "x"}).error.find("bad listener id") != std::string::npos);
	CHECK(parse({"-t", "-1"}).error.find("bad duration") != std::string::npos);
	CHECK(parse({"-t", "abc"}).error.find("bad duration") != std::string::npos);
	// -d is syncsockctl's --device: not the duration.
	CHECK(parse({"-d", "5"}).error.find("unknown argument '-d'") != std::string::npos);
	CHECK(parse({"--json=1"}).error == "--json takes no value");
	CHECK(parse({"--json="}).error == "--json takes no value");
	CHECK(parse({"-t", "1", "--kprobes=true"}).error == "--kprobes takes no value");
	CHECK(parse({"-jP"}).error == "-P needs a value");
	CHECK(parse({"-t", "1", "--duration"}).error == "--duration needs a value");
	CHECK(parse({"-x"}).error == "unknown argument '-x' (see -h)");
	CHECK(parse({"--bogus=1"}).error == "unknown argument '--bogus=1' (see -h)");
	// The first wrong value is named.
	CHECK(parse({"-P", "7600", "-l", "0", "-P", "0"}).error.find("bad listener id '0'") == 0);
	CHECK(parse({"-h"}).options.help);
	// The help, whatever else is on the line.
	CHECK(parse({"-x", "--help"}).options.help);
	CHECK(parse({"-jh"}).options.help);
	CHECK(parse({"--json=1", "-h"}).options.help);
	CHECK(parse({"-h", "-P"}).options.help);
	CHECK(usage().find("--duration") != std::string::npos);
}

TEST_CASE("options: a usage error is JSON when -j or -p is anywhere", "[args]")
{
	auto f = [](std::vector<std::string_view> a) {
		auto r = error_format(a);
		return std::pair{r.json, r.pretty};
	};
	CHECK(f({"-x"}) == std::pair{false, false});
	CHECK(f({"-x", "-j"}) == std::pair{true, false});
	CHECK(f({"--pretty", "-x"}) == std::pair{true, true});
	CHECK(f({"-jx"}) == std::pair{true, false});
	CHECK(f({"-Cp", "-x"}) == std::pair{true, true});
	// The letters after one that takes a value are its value.
	CHECK(f({"-P7600j", "-x"}) == std::pair{false, false});
	CHECK(f({"-t5p"}) == std::pair{false, false});
	CHECK(f({"--", "-"}) == std::pair{false, false});
}

TEST_CASE("options: no line makes it throw", "[args]")
{
	const std::vector<std::string_view> words = {
		"", "-", "--", "-h", "-j", "-jx", "-jP", "-P", "7600", "-P7600,", "--port=",
		"--json=", "--json=x", "-t", "-1", "1e400", "-l", "4294967296", "-=", "---",
		"--=x", "\xff", "-vVjpC", "-Pj", "--bogus"};
	for (auto a : words)
		for (auto b : words) {
			Parsed p;
			REQUIRE_NOTHROW(p = parse({a, b}));
			CHECK((p.error.empty() || p.error.find('\n') == std::string::npos));
		}
}

TEST_CASE("log2 histogram in the libbpf-tools format", "[report]")
{
	std::uint64_t slots[SST_US_SLOTS] = {};
	slots[0] = 4;
	slots[2] = 2;
	std::string h = format_log2_hist(slots, "usecs");
	CHECK(h ==
	      "     usecs               : count    distribution\n"
	      "         0 -> 1          : 4        |****************************************|\n"
	      "         2 -> 3          : 0        |                                        |\n"
	      "         4 -> 7          : 2        |********************                    |\n");
	std::uint64_t none[SST_US_SLOTS] = {};
	CHECK(format_log2_hist(none, "usecs").empty());
}

TEST_CASE("quantiles from the fine histogram are within 12.5%", "[report]")
{
	std::vector<std::uint64_t> d;
	for (std::uint64_t i = 1; i <= 1000; i++)
		d.push_back(i * 1000);	// 1..1000 us
	Path p = path_with(d);
	auto p50 = p.quantile_us(0.5), p99 = p.quantile_us(0.99);
	REQUIRE(p50);
	REQUIRE(p99);
	CHECK(*p50 == Approx(500).epsilon(0.125));
	CHECK(*p99 == Approx(990).epsilon(0.125));
	CHECK(*p.quantile_us(1.0) <= 1000);	// never past the maximum
	REQUIRE(p.c.mean_us());
	CHECK(*p.c.mean_us() == Approx(500.5));
	CHECK_FALSE(Path().quantile_us(0.5));
	CHECK(path_with({0}).quantile_us(0.5) == 0.0);
	CHECK(path_with({3}).quantile_us(0.5).value() == Approx(0.003));
}

TEST_CASE("labels, shares and the JSON document", "[report]")
{
	Report r;
	r.probe = "fentry";
	r.syncsock_events = true;
	r.duration_s = 2.0004;
	r.options.ports = {7600};

	Path k = path_with({1000, 1000});
	k.kind = SST_KIND_SYNCSOCK;
	k.listener = 4;
	k.port = 7600;
	k.handler = "echo";
	k.address = "127.0.0.1:7600";
	k.c.softirq = 2;
	Path u = path_with({64000, 64000});
	u.c.wakeups = 2;
	r.paths = {u, k};
	r.sort();
	REQUIRE(r.paths[0].kind == SST_KIND_SYNCSOCK);
	CHECK(r.paths[0].label() == "syncsock listener 4 (echo 127.0.0.1:7600)");
	CHECK(r.paths[1].label() == "user-space port 7601");
	CHECK(r.paths[0].c.softirq_share() == 1.0);
	CHECK(r.paths[1].c.wakeups_per_delivery() == 1.0);

	std::string j = format_json(r);
	CHECK(j.rfind("{\"version\":1,\"duration_s\":2,\"probe\":\"fentry\","
		      "\"syncsock_events\":true,\"wakeup_context_checked\":true,"
		      "\"filters\":{\"ports\":[7600],\"listeners\":[]},"
		      "\"paths\":[{\"path\":\"syncsock\",\"listener\":4,\"port\":7600,",
		      0) == 0);
	CHECK(j.find("\"softirq_share\":1,") != std::string::npos);
	CHECK(j.find("\"path\":\"user\",\"listener\":null,\"port\":7601") != std::string::npos);
	CHECK(j.find("\"wakeups_per_delivery\":1,") != std::string::npos);
	CHECK(j.find("\"hist_us\":[{\"lo\":0,\"hi\":1,\"count\":2}]") != std::string::npos);
	CHECK(j.find("\"conns\"") == std::string::npos);	// only with -C
	CHECK(j.back() == '\n');

	std::string t = format_text(r);
	CHECK(t.find("path: syncsock listener 4 (echo 127.0.0.1:7600)\n") != std::string::npos);
	CHECK(t.find("softirq 100.0%, wakeups/delivery 0.00") != std::string::npos);
	CHECK(t.find("wakeups/delivery 1.00") != std::string::npos);
	CHECK(t.find("PATH ") != std::string::npos);
}

TEST_CASE("connections print their addresses", "[report]")
{
	sst_conn_stats s{};
	s.kind = SST_KIND_USER;
	s.family = 10;	// AF_INET6
	s.lport = 7601;
	s.rport = 40000;
	inet_pton(AF_INET6, "::1", s.laddr);
	inet_pton(AF_INET6, "::1", s.raddr);
	s.c.deliveries = 3;
	Conn c = Conn::from(s);
	CHECK(c.local == "[::1]:7601");
	CHECK(c.remote == "[::1]:40000");
	s.family = 2;	// AF_INET
	std::memset(s.laddr, 0, sizeof(s.laddr));
	inet_pton(AF_INET, "127.0.0.1", s.laddr);
	CHECK(Conn::from(s).local == "127.0.0.1:7601");
}

TEST_CASE("the JSON document: keys, order and numbers", "[report]")
{
	Report r;
	r.probe = "kprobe";
	r.context_checked = false;
	r.duration_s = 0.5;
	r.options.listeners = {2};
	r.options.conns = true;
	Path k = path_with({1000, 1000, 2000});
	k.kind = SST_KIND_SYNCSOCK;
	k.listener = 2;
	k.port = 7600;
	k.c.softirq = 3;
	k.c.bytes = 192;
	r.paths = {k};
	sst_conn_stats s{};
	s.kind = SST_KIND_SYNCSOCK;
	s.listener = 2;
	s.family = AF_INET;
	s.lport = 7600;
	s.rport = 40000;
	inet_pton(AF_INET, "127.0.0.1", s.laddr);
	inet_pton(AF_INET, "127.0.0.1", s.raddr);
	s.c.deliveries = 3;
	s.c.timed = 3;
	s.c.softirq = 3;
	s.c.bytes = 192;
	s.c.delay_sum_ns = 4000;
	s.c.delay_max_ns = 2000;
	r.conns.push_back(Conn::from(s));
	r.globals.coalesced = 1;

	// Whole numbers without a ".0", three decimals, null where untimed.
	CHECK(format_json(r) ==
	      "{\"version\":1,\"duration_s\":0.5,\"probe\":\"kprobe\",\"syncsock_events\":false,"
	      "\"wakeup_context_checked\":false,\"filters\":{\"ports\":[],\"listeners\":[2]},"
	      "\"paths\":[{\"path\":\"syncsock\",\"listener\":2,\"port\":7600,"
	      "\"label\":\"syncsock listener 2 (port 7600)\",\"deliveries\":3,\"bytes\":192,"
	      "\"softirq\":3,\"process\":0,\"softirq_share\":1,\"queued\":0,\"wakeups\":0,"
	      "\"wakeups_per_delivery\":0,\"wakeups_nodata\":0,\"timed\":3,"
	      "\"delay_us\":{\"mean\":1.333,\"p50\":0.96,\"p90\":1.92,\"p99\":1.92,\"max\":2},"
	      "\"hist_us\":[{\"lo\":0,\"hi\":1,\"count\":2},{\"lo\":2,\"hi\":3,\"count\":1}]}],"
	      "\"conns\":[{\"path\":\"syncsock\",\"listener\":2,\"local\":\"127.0.0.1:7600\","
	      "\"remote\":\"127.0.0.1:40000\",\"deliveries\":3,\"bytes\":192,\"softirq\":3,"
	      "\"process\":0,\"softirq_share\":1,\"queued\":0,\"wakeups\":0,"
	      "\"wakeups_per_delivery\":0,\"wakeups_nodata\":0,\"timed\":3,"
	      "\"delay_us\":{\"mean\":1.333,\"max\":2}}],"
	      "\"lost\":{\"untimed\":0,\"state_full\":0,\"path_full\":0,\"conn_full\":0,"
	      "\"coalesced\":1}}\n");

	// -p: indented by two, one value a line.
	r.options.pretty = true;
	std::string pretty = format_json(r);
	CHECK(pretty.rfind("{\n  \"version\": 1,\n  \"duration_s\": 0.5,\n", 0) == 0);
	CHECK(pretty.find("\n    \"ports\": [],\n    \"listeners\": [\n      2\n    ]\n") !=
	      std::string::npos);
	CHECK(pretty.ends_with("\n    \"coalesced\": 1\n  }\n}\n"));
}

TEST_CASE("errors in JSON", "[report]")
{
	CHECK(json_error("no BTF", false) == "{\"error\":\"no BTF\"}\n");
	CHECK(json_error("no BTF", true) == "{\n  \"error\": \"no BTF\"\n}\n");
	CHECK(json_error("a \"quote\"\n", false) == "{\"error\":\"a \\\"quote\\\"\\n\"}\n");
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, never an exception", "[report]")
{
	// A listener's handler name comes from the device.
	Report r;
	Path p = path_with({1000});
	p.kind = SST_KIND_SYNCSOCK;
	p.listener = 1;
	p.handler = "ec\xffho";
	r.paths = {p};
	std::string j;
	REQUIRE_NOTHROW(j = format_json(r));
	CHECK(j.find("\"handler\":\"ec\xef\xbf\xbdho\"") != std::string::npos);
	CHECK(json_error("bad \xc3", false) == "{\"error\":\"bad \xef\xbf\xbd\"}\n");
}
