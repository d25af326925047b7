// SPDX-License-Identifier: GPL-2.0
//
// The tools' JSON documents (syncsockctl -j, syncsock-trace -j) and text
// tables.
#include <catch2/catch.hpp>

#include <limits>

#include "json_doc.hpp"
#include "table.hpp"

using namespace syncsock::text;

TEST_CASE("json: compact and pretty documents", "[json]")
{
	Json j = Json::object();
	j["id"] = 3u;
	j["name"] = "echo";
	j["on"] = true;
	j["neg"] = -5;
	j["big"] = std::uint64_t(18446744073709551615ULL);
	j["rate"] = 2.5;
	j["none"] = nullptr;
	j["list"] = Json::array({1, "two", Json::object(), Json::array()});
	CHECK(json_text(j, false) == R"({"id":3,"name":"echo","on":true,"neg":-5,)"
				     R"("big":18446744073709551615,"rate":2.5,"none":null,)"
				     R"("list":[1,"two",{},[]]})"
				     "\n");
	Json p = Json::object();
	p["a"] = 1;
	p["b"] = {"x", "y"};
	p["c"] = Json::object();
	CHECK(json_text(p, true) == "{\n"
				    "  \"a\": 1,\n"
				    "  \"b\": [\n"
				    "    \"x\",\n"
				    "    \"y\"\n"
				    "  ],\n"
				    "  \"c\": {}\n"
				    "}\n");
	CHECK(json_text(Json::array(), true) == "[]\n");
}

TEST_CASE("json: strings are escaped; bytes that are not UTF-8 never break the output", "[json]")
{
	auto text = [](const std::string &s) { return json_text(Json(s), false); };
	CHECK(text("q\"b\\s/") == "\"q\\\"b\\\\s/\"\n");
	CHECK(text("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"\n");
	CHECK(text(std::string("\x01\x1f\0z", 4)) == "\"\\u0001\\u001f\\u0000z\"\n");
	CHECK(text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
	      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
	// A handler's name is whatever a module registered: not UTF-8, each
	// bad sequence becomes U+FFFD (the character, not the \ufffd escape
	// syncsockctl wrote before nlohmann-json), and the document parses.
	CHECK(text("a\xff" "b\xe2\x82") == "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"\n");
	for (std::string bad : {"a\xff" "b", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
		INFO(bad);
		std::string out = json_text(Json{{"name", bad}}, false);
		CHECK(out.find("\xef\xbf\xbd") != std::string::npos);
		CHECK_NOTHROW(Json::parse(out));
	}
}

TEST_CASE("json: rates to the thousandth, errors as a document", "[json]")
{
	CHECK(json_text(thousandths(2.0), false) == "2\n");
	CHECK(json_text(thousandths(123456.0), false) == "123456\n");	// was 1.23456e+05
	CHECK(json_text(thousandths(-0.0), false) == "0\n");
	CHECK(json_text(thousandths(0.1234), false) == "0.123\n");
	CHECK(json_text(thousandths(1234.5678), false) == "1234.568\n");
	CHECK(json_text(thousandths(std::numeric_limits<double>::infinity()), false) == "null\n");
	CHECK(json_text(Json{{"k\"ey", 0.125}}, false) == "{\"k\\\"ey\":0.125}\n");
	CHECK(json_error("no \"such\" thing", false) == "{\"error\":\"no \\\"such\\\" thing\"}\n");
	CHECK(json_error("x", true) == "{\n  \"error\": \"x\"\n}\n");
}

TEST_CASE("table: aligned columns, no trailing blanks", "[table]")
{
	Table t({{"ID", Table::Align::right}, {"NAME"}, {"N", Table::Align::right}, {"NOTE"}});
	t.add_row({"1", "echo", "10", ""});
	t.add_row({"200", "discard", "7", "long note"});
	t.add_row({"3"});
	CHECK(t.render() == " ID  NAME      N  NOTE\n"
			    "  1  echo     10\n"
			    "200  discard   7  long note\n"
			    "  3\n");
	CHECK(t.render(false) == "  1  echo     10\n"
				 "200  discard   7  long note\n"
				 "  3\n");
}

TEST_CASE("table: empty table prints its header", "[table]")
{
	Table t({{"A"}, {"BB", Table::Align::right}});
	CHECK(t.render() == "A  BB\n");
	CHECK(t.render(false).empty());
	CHECK(t.size() == 0);
}

TEST_CASE("table: a table of figures, in text and in Markdown", "[table]")
{
	auto t = Table::numeric({"path", "req/s", "x"});
	t.add_row({"kernel", "30,000", "3.10x"});
	t.add_row({"epoll", "9,000", "1.00x"});
	CHECK(t.render() == "path     req/s      x\n"
			    "kernel  30,000  3.10x\n"
			    "epoll    9,000  1.00x\n");
	CHECK(t.markdown() == "| path | req/s | x |\n"
			      "| --- | ---: | ---: |\n"
			      "| kernel | 30,000 | 3.10x |\n"
			      "| epoll | 9,000 | 1.00x |\n");
}

TEST_CASE("table: widths in code points, not bytes", "[table]")
{
	auto t = Table::numeric({"unit", "n"});
	t.add_row({"\xc2\xb5s", "1"});	// µs: two bytes, one column
	t.add_row({"ms", "22"});
	CHECK(t.render() == "unit   n\n"
			    "\xc2\xb5s     1\n"
			    "ms    22\n");
}
