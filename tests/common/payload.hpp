// SPDX-License-Identifier: GPL-2.0
//
// Deterministic test payloads: a stream of bytes that depends on a seed and
// the offset only, so that a receiver can check any slice it gets without
// keeping a copy of what was sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace syncsock::test {

// The byte at @offset of stream @seed: a SplitMix64-style mix of the two, so
// that a shifted, repeated or swapped slice does not compare equal.
inline std::uint8_t payload_byte(std::uint64_t seed, std::uint64_t offset)
{
	std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + (offset >> 3) + 1;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return static_cast<std::uint8_t>(z >> ((offset & 7) * 8));
}

// Fill @out with the stream @seed from @offset on.
inline void payload_fill(std::span<std::uint8_t> out, std::uint64_t seed, std::uint64_t offset)
{
	for (std::size_t i = 0; i < out.size(); i++)
		out[i] = payload_byte(seed, offset + i);
}

// The index of the first byte of @got that differs from the stream @seed at
// @offset, or nothing when all match.
inline std::optional<std::size_t> payload_mismatch(std::span<const std::uint8_t> got,
						   std::uint64_t seed, std::uint64_t offset)
{
	for (std::size_t i = 0; i < got.size(); i++)
		if (got[i] != payload_byte(seed, offset + i))
			return i;
	return std::nullopt;
}

} // namespace syncsock::test
