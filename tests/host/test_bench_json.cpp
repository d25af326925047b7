// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's JSON: exact text, parse back, and the schema check of a
// result document (syncsock-bench/1).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "json.hpp"
#include "plot.hpp"
#include "report.hpp"
#include "trace.hpp"

using namespace ssb;
using json::Value;

TEST_CASE("bench json: exact compact and indented text", "[bench][json]")
{
	Value v = Value::object();
	v["schema"] = "syncsock-bench/1";
	v["n"] = 3;
	v["rate"] = 2.5;
	v["big"] = 18014398509481984.0;	// 2^54: shortest form of a double
	v["ok"] = true;
	v["none"] = nullptr;
	v["list"] = Value(json::Array{1, "two", Value(json::Array{3.25, 4})});
	v["empty"] = Value::object();
	v["whole"] = 3.0;	// a double with no fraction is written as an integer
	CHECK(json::dump(v) == R"({"schema":"syncsock-bench/1","n":3,"rate":2.5,"big":18014398509481984,)"
			       R"("ok":true,"none":null,"list":[1,"two",[3.25,4]],"empty":{},"whole":3})");
	CHECK(json::dump(v, 1) == "{\n"
				  " \"schema\": \"syncsock-bench/1\",\n"
				  " \"n\": 3,\n"
				  " \"rate\": 2.5,\n"
				  " \"big\": 18014398509481984,\n"
				  " \"ok\": true,\n"
				  " \"none\": null,\n"
				  " \"list\": [1, \"two\", [3.25, 4]],\n"
				  " \"empty\": {},\n"
				  " \"whole\": 3\n"
				  "}");
	// Assigning a key again replaces it in place.
	v["n"] = 4;
	CHECK(json::num(v, "n") == 4);
	CHECK(std::next(v.begin()).key() == "n");
}

// The files that scripts read (schema syncsock-bench/1) keep their bytes:
// these two were written by the bench's own JSON writer before nlohmann-json
// replaced it (a result of make bench, trimmed to two runs, with strings and
// numbers added that test the edges); read and written again, they come out
// the same, byte for byte.
static std::string slurp(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

TEST_CASE("bench json: a result file reads and writes back byte for byte", "[bench][json]")
{
	for (auto [name, indent] : {std::pair{"bench-result.json", 1},
				   std::pair{"bench-result.compact.json", 0}}) {
		INFO(name);
		std::string text = slurp(std::string(SYNCSOCK_TOP_DIR "/tests/host/data/") + name);
		REQUIRE(text.size() > 1000);
		auto v = json::parse(text);
		REQUIRE(v);
		CHECK(json::dump(*v, indent) + "\n" == text);
		CHECK(validate(*v).empty());
	}
}

TEST_CASE("bench json: numbers and strings", "[bench][json]")
{
	CHECK(json::number_text(0) == "0");
	CHECK(json::number_text(-7) == "-7");
	CHECK(json::number_text(0.1) == "0.1");
	CHECK(json::number_text(12.345) == "12.345");
	CHECK(json::number_text(NAN) == "null");
	CHECK(json::number_text(INFINITY) == "null");
	CHECK(json::dump(Value(NAN)) == "null");
	CHECK(json::dump(Value("a\"b\\c\n\t\x01")) == R"("a\"b\\c\n\t\u0001")");
	CHECK(json::dump(Value("caf\xc3\xa9")) == "\"caf\xc3\xa9\"");
	// Not UTF-8 (a peer's bytes): U+FFFD in its place, never an exception.
	CHECK(json::dump(Value("bad\xff")) == "\"bad\xef\xbf\xbd\"");
}

TEST_CASE("bench json: what a file cannot hold, written as nlohmann writes it", "[bench][json]")
{
	// A tool's output cut in the middle of a character (wrk's, at 300
	// bytes): one U+FFFD for the cut sequence (the writer before
	// nlohmann-json wrote one a byte).
	CHECK(json::dump(Value("ab\xe2\x82")) == "\"ab\xef\xbf\xbd\"");
	CHECK(json::dump(Value("a\xff" "b")) == "\"a\xef\xbf\xbd" "b\"");
	// Integers are exact beyond 2^53 (before, they went through a double).
	CHECK(json::dump(Value(std::uint64_t(UINT64_MAX))) == "18446744073709551615");
	CHECK(json::dump(Value(-0.0)) == "0");
	CHECK(json::dump(Value(json::Array{NAN, 1.5})) == "[null,1.5]");
	Value k = Value::object();
	k["a\"b"] = 1;
	CHECK(json::dump(k, 1) == "{\n \"a\\\"b\": 1\n}");
}

TEST_CASE("bench json: counts from a peer are clamped, never undefined", "[bench][json]")
{
	CHECK(json::count(Value(7)) == 7);
	CHECK(json::count(Value(-7)) == 0);
	CHECK(json::count(Value(-0.5)) == 0);
	CHECK(json::count(Value(2.9)) == 2);
	CHECK(json::count(Value(1e300)) == UINT64_MAX);
	CHECK(json::count(Value(NAN)) == 0);
	CHECK(json::count(Value("7")) == 0);
	CHECK(json::count(Value(std::uint64_t(UINT64_MAX))) == UINT64_MAX);
}

TEST_CASE("bench json: emit then parse back", "[bench][json]")
{
	Value v = Value::object();
	v["s"] = "line\nbreak \"quoted\" \xc3\xa9";
	v["d"] = 0.001234;
	v["neg"] = -1e-7;
	v["i"] = 1234567890123ull;
	Value arr = Value::array();
	for (int i = 0; i < 5; i++)
		arr.push_back(Value(json::Array{i * 1.5, i}));
	v["cdf"] = arr;
	Value nested = Value::object();
	nested["x"] = Value::array();
	nested["y"] = false;
	v["o"] = nested;
	for (int indent : {0, 1, 2}) {
		auto back = json::parse(json::dump(v, indent));
		REQUIRE(back);
		CHECK(json::dump(*back) == json::dump(v));
	}
}

TEST_CASE("bench json: members read leniently, as from an old or a hostile file", "[bench][json]")
{
	auto v = json::parse(R"({"n":"3","s":4,"b":1,"o":{"x":{"y":true}},"a":{"k":1}})");
	REQUIRE(v);
	// Absent, or of another type: the default, never an exception.
	CHECK(json::num(*v, "n", -1) == -1);
	CHECK(json::num(*v, "none", 7) == 7);
	CHECK(json::str(*v, "s", "d") == "d");
	CHECK_FALSE(json::flag(*v, "b"));
	CHECK(json::flag(*v, "o", "x", "y"));
	CHECK(json::get(*v, "o", "none", "y").is_null());
	CHECK(json::get(Value(3), "o").is_null());
	CHECK(json::items(json::get(*v, "a")).empty());	// an object is no array
	CHECK(json::items(Value(3)).empty());
	CHECK(json::find(*v, "none") == nullptr);
	CHECK(json::find(Value::array(), "n") == nullptr);
	CHECK(json::type(*json::find(*v, "b")) == json::Type::number);
	// Reading did not add what it looked for.
	CHECK(json::dump(*v) == R"({"n":"3","s":4,"b":1,"o":{"x":{"y":true}},"a":{"k":1}})");
}

TEST_CASE("bench json: the parser rejects what is not JSON", "[bench][json]")
{
	json::ParseError e;
	CHECK_FALSE(json::parse("", &e));
	CHECK_FALSE(json::parse("{", nullptr));
	CHECK_FALSE(json::parse("{\"a\":1,}", nullptr));
	CHECK_FALSE(json::parse("[1 2]", nullptr));
	CHECK_FALSE(json::parse("01", nullptr));
	CHECK_FALSE(json::parse("\"\x01\"", nullptr));
	CHECK_FALSE(json::parse("nul", nullptr));
	CHECK_FALSE(json::parse("{} x", &e));
	CHECK(e.offset == 3);
	CHECK(e.message.find("syntax error") == 0);
	// Nested deeper than 200: refused (the control connection is a peer's).
	CHECK(json::parse(std::string(200, '[') + std::string(200, ']')));
	CHECK_FALSE(json::parse(std::string(201, '[') + std::string(201, ']'), &e));
	CHECK(e.message == "nested deeper than 200");
	CHECK_FALSE(json::parse(std::string(100000, '['), &e));
	// Numbers beyond a double, and objects too large to search: refused
	// with a reason, never thrown (the text is a peer's or a file's).
	for (std::string t : {std::string("1e999"), std::string("[-1e400]"), std::string(400, '7')}) {
		INFO(t);
		CHECK_NOTHROW(json::parse(t, &e));
		CHECK_FALSE(json::parse(t, &e));
		CHECK(e.message.find("number overflow") == 0);
	}
	auto members = [](int n) {
		std::string t = "{";
		for (int i = 0; i < n; i++)
			t += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
		return t + "}";
	};
	CHECK(json::parse(members(2000)));
	CHECK_FALSE(json::parse("[" + members(2001) + "]", &e));
	CHECK(e.message == "an object of more than 2000 members");
	auto u = json::parse(R"(["\u00e9\ud83d\ude00", 1e3, -0.5, true, null])");
	REQUIRE(u);
	CHECK(json::text(json::items(*u)[0]) == "\xc3\xa9\xf0\x9f\x98\x80");
	CHECK(json::number(json::items(*u)[1]) == 1000);
	CHECK(json::number(json::items(*u)[2]) == -0.5);
}

// A document as syncsock-bench run writes it (one run, one external).
static Value sample_doc()
{
	auto v = json::parse(R"({
 "schema": "syncsock-bench/1",
 "tool": {"name": "syncsock-bench", "version": "0.1"},
 "conditions": {"date": "2026-01-01T00:00:00Z", "command_line": "syncsock-bench run",
  "kernel": "6.12.0", "kernel_version": "#1", "kernel_cmdline": "console=ttyS0",
  "vcpus": 2, "idle_poll": false, "accelerator": "TCG",
  "cpu_model": "QEMU TCG CPU version 2.5+", "mem_total_kib": 1000000, "pin": "same"},
 "runs": [
  {"client": "syncsock-bench", "path": "kernel", "conns": 1, "msg_size": 64, "depth": 1,
   "mode": "closed", "rate": 0, "duration_s": 3, "requests": 90000,
   "throughput_rps": 30000, "verified_bytes": 6000000, "errors": 0,
   "latency_us": {"min": 20, "mean": 31, "p50": 30, "p90": 33, "p99": 50, "p99.9": 100, "max": 900},
   "cdf_us": [[20, 0], [30, 0.5], [900, 1]],
   "cpu_us_per_req": {"user": 2, "system": 15, "softirq": 16, "irq": 0, "total": 33},
   "ctx_per_req": {"server": 0, "client": 0.001, "system": 0.002}}
 ],
 "external": [
  {"tool": "sockperf", "server": "kernel", "msg_size": 64, "conns": 1,
   "latency_us": {"avg": 40, "p50": 27, "p99": 120}, "throughput_rps": 22000}
 ]
})");
	REQUIRE(v);
	return *v;
}

TEST_CASE("bench json: a result document is valid against the schema", "[bench][json][schema]")
{
	Value doc = sample_doc();
	CHECK(validate(doc).empty());
	// And stays so through a write and a read.
	auto back = json::parse(json::dump(doc, 1));
	REQUIRE(back);
	CHECK(validate(*back).empty());
}

TEST_CASE("bench json: files that are not result files are reported, not a crash",
	  "[bench][json][schema]")
{
	// A run saved after its first cell has no "external" yet (run saves
	// after every cell); others are not what the schema says at all.
	Value partial = sample_doc();
	partial.erase("external");
	Value wrong_runs = sample_doc();
	wrong_runs["runs"] = Value(json::Array{1, "x", Value::array()});
	Value bad_cdf = sample_doc();
	bad_cdf["runs"][0]["cdf_us"] = Value(json::Array{Value{{"a", 1}, {"b", 2}}});
	for (const Value &d : {partial, wrong_runs, bad_cdf, Value(json::Array{1}), Value(3)}) {
		INFO(json::dump(d).substr(0, 80));
		CHECK_NOTHROW(render_report({d}));
		CHECK_NOTHROW(render_report({d}, true));
		CHECK_NOTHROW(plot_scripts({d}, true));
		CHECK_NOTHROW(validate(d));
	}
	CHECK(validate(partial).empty());	// a run under way
	CHECK_FALSE(validate(wrong_runs).empty());
}

TEST_CASE("bench json: what the schema check catches", "[bench][json][schema]")
{
	Value doc = sample_doc();
	doc["schema"] = "syncsock-bench/0";
	auto p = validate(doc);
	REQUIRE(p.size() == 1);
	CHECK(p[0] == "schema is not \"syncsock-bench/1\"");

	doc = sample_doc();
	Value cond = json::get(doc, "conditions");
	cond["vcpus"] = "two";
	doc["conditions"] = cond;
	p = validate(doc);
	REQUIRE(p.size() == 1);
	CHECK(p[0] == "conditions: \"vcpus\" has the wrong type");

	doc = sample_doc();
	Value runs = json::get(doc, "runs");
	Value r = runs[0];
	Value lat = json::get(r, "latency_us");
	lat = Value::object();
	lat["p50"] = 1;
	r["latency_us"] = lat;
	r["path"] = "kqueue";
	runs[0] = r;
	doc["runs"] = runs;
	p = validate(doc);
	CHECK(p.size() == 5);	// p90, p99, p99.9, max, the path
	CHECK(p.back() == "runs[0]: unknown path 'kqueue'");

	CHECK(validate(Value(3)) == std::vector<std::string>{"the document is not an object"});
}

TEST_CASE("bench trace: syncsock-trace's JSON summarized, checked and shown", "[bench][trace]")
{
	// What syncsock-trace -j prints (its JSON version 1), trimmed.
	auto t = json::parse(R"J({"version":1,"duration_s":4.52,"probe":"fentry",
	 "syncsock_events":true,"wakeup_context_checked":true,
	 "filters":{"ports":[7000],"listeners":[]},
	 "paths":[{"path":"syncsock","listener":1,"port":7000,"handler":"echo",
	   "address":"127.0.0.1:7000","label":"syncsock listener 1 (echo 127.0.0.1:7000)",
	   "deliveries":120000,"bytes":7680000,"softirq":119000,"process":1000,
	   "softirq_share":0.992,"queued":0,"wakeups":0,"wakeups_per_delivery":0,
	   "wakeups_nodata":0,"timed":120000,
	   "delay_us":{"mean":1.2,"p50":1.1,"p90":1.6,"p99":3.4,"max":88},
	   "hist_us":[{"lo":0,"hi":1,"count":100000}]}],
	 "globals":{"untimed":0}})J");
	REQUIRE(t);
	Value s = trace_summary(*t);
	CHECK(json::dump(s) ==
	      R"J({"probe":"fentry","duration_s":4.52,"paths":[{"path":"syncsock","listener":1,)J"
	      R"J("port":7000,"label":"syncsock listener 1 (echo 127.0.0.1:7000)","deliveries":120000,)J"
	      R"J("softirq_share":0.992,"wakeups_per_delivery":0,"queued":0,)J"
	      R"J("delay_us":{"mean":1.2,"p50":1.1,"p90":1.6,"p99":3.4,"max":88}}]})J");
	Value wrong = *t;
	wrong["version"] = 2;
	CHECK(json::str(trace_summary(wrong), "error") == "not a syncsock-trace JSON document of version 1");
	CHECK(json::find(trace_summary(Value("x")), "error"));

	// In a result file: valid, and a table of its own.
	Value doc = sample_doc();
	Value runs = json::get(doc, "runs");
	runs[0]["trace"] = s;
	doc["runs"] = runs;
	CHECK(validate(doc).empty());
	std::string text = render_report({doc});
	CHECK(text.find("== syncsock-trace: where received data was consumed") != std::string::npos);
	CHECK(text.find("kernel  syncsock listener 1 (echo 127.0.0.1:7000)     120,000       99.2%"
			"             0.000          1.10          3.40\n") != std::string::npos);

	// A run whose tracer failed says so; a trace without paths is caught.
	Value failed = Value::object();
	failed["error"] = "syncsock-trace exited before it attached";
	runs[0]["trace"] = failed;
	doc["runs"] = runs;
	CHECK(validate(doc).empty());
	CHECK(render_report({doc}).find("not traced: syncsock-trace exited before it attached") !=
	      std::string::npos);
	runs[0]["trace"] = Value::object();
	doc["runs"] = runs;
	CHECK(validate(doc) == std::vector<std::string>{"runs[0].trace: no \"paths\""});
	runs[0]["trace"] = Value(1);
	doc["runs"] = runs;
	CHECK(validate(doc) == std::vector<std::string>{"runs[0]: \"trace\" has the wrong type"});
}
