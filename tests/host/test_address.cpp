// SPDX-License-Identifier: GPL-2.0
//
// libsyncsock: what parse_address() takes and what it says about the rest.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <syncsock/syncsock.hpp>

using syncsock::Address;
using syncsock::parse_address;
using syncsock::parse_port;

namespace {

struct Good {
	const char *text;
	std::optional<std::uint16_t> port;
	const char *printed;	// Address::to_string()
	Address::Family family;
};

struct Bad {
	const char *text;
	std::optional<std::uint16_t> port;
	const char *message;	// a part of the message
};

} // namespace

TEST_CASE("address: accepted forms", "[address]")
{
	const Good good[] = {
		{"192.0.2.1:80", {}, "192.0.2.1:80", Address::Family::ipv4},
		{"0.0.0.0:7", {}, "0.0.0.0:7", Address::Family::ipv4},
		{"192.0.2.1", 8080, "192.0.2.1:8080", Address::Family::ipv4},
		{"any:80", {}, "0.0.0.0:80", Address::Family::ipv4},
		{"*:80", {}, "0.0.0.0:80", Address::Family::ipv4},
		{"any", 9, "0.0.0.0:9", Address::Family::ipv4},
		{"*", 9, "0.0.0.0:9", Address::Family::ipv4},
		{"localhost:7", {}, "127.0.0.1:7", Address::Family::ipv4},
		{"255.255.255.255:65535", {}, "255.255.255.255:65535", Address::Family::ipv4},
		{"[::1]:80", {}, "[::1]:80", Address::Family::ipv6},
		{"[::]:80", {}, "[::]:80", Address::Family::ipv6},
		{"::", 80, "[::]:80", Address::Family::ipv6},
		{"2001:db8::1", 443, "[2001:db8::1]:443", Address::Family::ipv6},
		{"[2001:DB8:0:0:0:0:0:1]:1", {}, "[2001:db8::1]:1", Address::Family::ipv6},
		{"[::ffff:192.0.2.1]:80", {}, "[::ffff:192.0.2.1]:80", Address::Family::ipv6},
		{"[fe80::1%2]:80", {}, "[fe80::1%2]:80", Address::Family::ipv6},
		{"fe80::1%3", 80, "[fe80::1%3]:80", Address::Family::ipv6},
		{"[2001:db8::1%4]:80", {}, "[2001:db8::1%4]:80", Address::Family::ipv6},
		{"[::1]", 5, "[::1]:5", Address::Family::ipv6},
		{"1.2.3.4:0080", {}, "1.2.3.4:80", Address::Family::ipv4},
	};
	for (const auto &g : good) {
		INFO(g.text);
		auto a = parse_address(g.text, g.port);
		REQUIRE(a);
		CHECK(a->to_string() == g.printed);
		CHECK(a->family == g.family);
	}
}

TEST_CASE("address: bytes, port and scope land where the kernel reads them", "[address]")
{
	auto a = parse_address("192.0.2.10:8080");
	REQUIRE(a);
	CHECK(a->bytes[0] == 192);
	CHECK(a->bytes[1] == 0);
	CHECK(a->bytes[2] == 2);
	CHECK(a->bytes[3] == 10);
	for (int i = 4; i < 16; i++)
		CHECK(a->bytes[i] == 0);
	CHECK(a->port == 8080);
	CHECK(a->scope_id == 0);
	CHECK(a->host() == "192.0.2.10");

	auto b = parse_address("[fe80::abcd%7]:1");
	REQUIRE(b);
	CHECK(b->bytes[0] == 0xfe);
	CHECK(b->bytes[1] == 0x80);
	CHECK(b->bytes[14] == 0xab);
	CHECK(b->bytes[15] == 0xcd);
	CHECK(b->scope_id == 7);
	CHECK(b->host() == "fe80::abcd");
}

TEST_CASE("address: a scope may name an interface", "[address]")
{
	// "lo" exists in every network namespace.
	auto a = parse_address("[fe80::1%lo]:80");
	REQUIRE(a);
	CHECK(a->scope_id != 0);
	auto b = parse_address("[fe80::1%no-such-if0]:80");
	REQUIRE_FALSE(b);
	CHECK(b.error().message == "no network interface named 'no-such-if0'");
}

TEST_CASE("address: rejected forms say why", "[address]")
{
	const Bad bad[] = {
		{"", {}, "empty address"},
		{"192.0.2.1", {}, "no port in '192.0.2.1': write ADDR:PORT"},
		{"::1", {}, "no port in '::1': write [ADDR]:PORT"},
		{"192.0.2.1:80", 80, "the port is given twice"},
		{"192.0.2.1:0", {}, "port 0 is not allowed"},
		{"192.0.2.1", 0, "port 0 is not allowed"},
		{"192.0.2.1:65536", {}, "port 65536 is out of range (1-65535)"},
		{"192.0.2.1:99999999999999999999", {}, "is out of range (1-65535)"},
		{"192.0.2.1:http", {}, "bad port 'http': a port is a number, 1-65535"},
		{"192.0.2.1:", {}, "bad port ''"},
		{"192.0.2.1:-1", {}, "bad port '-1'"},
		{"192.0.2.1:+80", {}, "bad port '+80'"},
		{":80", {}, "no address before the port"},
		{"example.com:80", {}, "'example.com' is not an IPv4 or IPv6 address (names are not resolved"},
		{"256.1.1.1:80", {}, "'256.1.1.1' is not an IPv4 or IPv6 address"},
		{"1.2.3:80", {}, "'1.2.3' is not an IPv4 or IPv6 address"},
		{"[::1]80", {}, "expected ':PORT' after ']'"},
		{"[::1:80", {}, "'[' without ']'"},
		{"[192.0.2.1]:80", {}, "brackets are for IPv6 addresses"},
		{"[fe80::1]:80", {}, "'fe80::1' is link-local: give its interface"},
		{"192.0.2.1%2:80", {}, "a scope (%2) is for IPv6 addresses only"},
		{"[fe80::1%]:80", {}, "empty scope after '%'"},
		{"[fe80::1%0]:80", {}, "bad interface index '0'"},
		{"1.2.3.4 :80", {}, "it contains blanks"},
		{"::1::2", 80, "'::1::2' is not an IPv4 or IPv6 address"},
		{"[::1]:80:80", {}, "bad port '80:80'"},
	};
	for (const auto &b : bad) {
		INFO(b.text);
		auto a = parse_address(b.text, b.port);
		REQUIRE_FALSE(a);
		CHECK(a.error().value() == EINVAL);
		CHECK_THAT(a.error().message, Catch::Contains(b.message));
	}
}

TEST_CASE("address: ports", "[address]")
{
	CHECK(*parse_port("1") == 1);
	CHECK(*parse_port("65535") == 65535);
	CHECK_FALSE(parse_port("0"));
	CHECK_FALSE(parse_port("65536"));
	CHECK_FALSE(parse_port(""));
	CHECK_FALSE(parse_port("8o"));
	CHECK_FALSE(parse_port(" 80"));
}
