// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "payload.hpp"

using namespace syncsock::test;

TEST_CASE("payload: the same seed and offset give the same byte", "[payload]")
{
	std::vector<std::uint8_t> a(4096), b(4096);
	payload_fill(a, 7, 1000);
	payload_fill(b, 7, 1000);
	CHECK(a == b);
	CHECK_FALSE(payload_mismatch(a, 7, 1000).has_value());
}

TEST_CASE("payload: a slice checks at its own offset", "[payload]")
{
	std::vector<std::uint8_t> whole(10000);
	payload_fill(whole, 3, 0);
	std::span<const std::uint8_t> slice(whole.data() + 1234, 777);
	CHECK_FALSE(payload_mismatch(slice, 3, 1234).has_value());
}

TEST_CASE("payload: shifted, other-seed and corrupted data are caught", "[payload]")
{
	std::vector<std::uint8_t> buf(4096);
	payload_fill(buf, 11, 64);
	CHECK(payload_mismatch(buf, 11, 65).has_value());
	CHECK(payload_mismatch(buf, 12, 64).has_value());
	buf[2049] ^= 0x10;
	auto at = payload_mismatch(buf, 11, 64);
	REQUIRE(at.has_value());
	CHECK(*at == 2049);
}

TEST_CASE("payload: bytes are spread over all values", "[payload]")
{
	std::set<std::uint8_t> seen;
	for (std::uint64_t i = 0; i < 4096; i++)
		seen.insert(payload_byte(5, i));
	CHECK(seen.size() == 256);
}
