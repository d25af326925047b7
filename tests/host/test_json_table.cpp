// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl's JSON writer and text tables.
#include <catch2/catch.hpp>

#include <limits>

#include "json.hpp"
#include "table.hpp"

using namespace syncsock::cli;

TEST_CASE("json: compact documents", "[json]")
{
	Json j;
	j.begin_object()
		.field("id", 3u)
		.field("name", "echo")
		.field("on", true)
		.field("off", false)
		.field("neg", -5)
		.field("big", std::uint64_t(18446744073709551615ULL))
		.field("rate", 2.5)
		.key("none")
		.null()
		.key("list")
		.begin_array()
		.value(1)
		.value("two")
		.begin_object()
		.end_object()
		.begin_array()
		.end_array()
		.end_array()
		.end_object();
	CHECK(j.str() == R"({"id":3,"name":"echo","on":true,"off":false,"neg":-5,)"
			 R"("big":18446744073709551615,"rate":2.5,"none":null,)"
			 R"("list":[1,"two",{},[]]})"
			 "\n");
}

TEST_CASE("json: pretty documents", "[json]")
{
	Json j(true);
	j.begin_object().field("a", 1).key("b").begin_array().value("x").value("y").end_array();
	j.key("c").begin_object().end_object().end_object();
	CHECK(j.str() == "{\n"
			 "  \"a\": 1,\n"
			 "  \"b\": [\n"
			 "    \"x\",\n"
			 "    \"y\"\n"
			 "  ],\n"
			 "  \"c\": {}\n"
			 "}\n");
	Json e(true);
	e.begin_array().end_array();
	CHECK(e.str() == "[]\n");
}

TEST_CASE("json: string escaping", "[json]")
{
	CHECK(Json::quote("plain") == R"("plain")");
	CHECK(Json::quote("q\"b\\s/") == R"("q\"b\\s/")");
	CHECK(Json::quote("\n\r\t\b\f") == R"("\n\r\t\b\f")");
	CHECK(Json::quote(std::string("\x01\x1f\0z", 4)) == R"("\u0001\u001f\u0000z")");
	CHECK(Json::quote("\x7f") == "\"\x7f\"");
	// UTF-8 passes; bytes that are not UTF-8 become U+FFFD.
	CHECK(Json::quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
	      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK(Json::quote("a\xff" "b") == R"("a\ufffdb")");
	CHECK(Json::quote("\xc3") == R"("\ufffd")");
	CHECK(Json::quote("\xc0\xaf") == R"("\ufffd\ufffd")");		  // overlong
	CHECK(Json::quote("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")"); // surrogate
	CHECK(Json::quote("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");
}

TEST_CASE("json: keys are escaped too, numbers stay numbers", "[json]")
{
	Json j;
	j.begin_object().field("k\"ey", 0.125).field("inf", std::numeric_limits<double>::infinity()).end_object();
	CHECK(j.str() == "{\"k\\\"ey\":0.125,\"inf\":null}\n");
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
