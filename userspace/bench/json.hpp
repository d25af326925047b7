// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's JSON: nlohmann::ordered_json (objects keep their keys in
// insertion order, so that files diff well), with what the bench adds:
//  - lenient reading: a member that is absent or of another type reads as a
//    default, as a file from an older or a hostile peer may have it, and the
//    const operator[] of nlohmann (undefined for an absent key) is not used;
//  - the layout of the result files (schema syncsock-bench/1): indented, but
//    arrays of scalars and of pairs on one line, and numbers with no
//    fraction written as integers, as every file since the first has them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ssb::json {

using Value = nlohmann::ordered_json;
using Array = Value::array_t;

// The JSON type of @v, numbers of every kind as one (what a schema checks).
enum class Type { null, boolean, number, string, array, object };
Type type(const Value &v);

// The member @key of the object @o, or nullptr (absent, or @o no object).
const Value *find(const Value &o, std::string_view key);
// The member @key, or a null value; with more keys, the member of the
// member: get(run, "split", "server").
const Value &get(const Value &o, std::string_view key);
template <typename... Keys>
const Value &get(const Value &o, std::string_view key, std::string_view next, Keys... more)
{
	return get(get(o, key), next, more...);
}
// The elements of the array @a; none when @a is not an array.
const Array &items(const Value &a);

// A value read as a type, or @dflt when it has another.
double number(const Value &v, double dflt = 0);
bool boolean(const Value &v, bool dflt = false);
std::string text(const Value &v, std::string dflt = {});

// A count from a peer or a file: 0 when it is not a number or is negative,
// the largest std::uint64_t when beyond it.
std::uint64_t count(const Value &v);

// A member read as a type, or @dflt when absent or of another type.
template <typename... Keys>
bool flag(const Value &o, Keys... keys)
{
	return boolean(get(o, keys...));
}
double num(const Value &o, std::string_view key, double dflt = 0);
std::string str(const Value &o, std::string_view key, std::string dflt = {});

// The text of @v: one line when @indent is 0 (what the control connection
// sends), else that many spaces a level.  Strings that are not UTF-8 are
// written with U+FFFD in place of the bad bytes; numbers that are not
// finite as null.
std::string dump(const Value &v, int indent = 0);
// The shortest text that reads back as @d; integers without a fraction.
std::string number_text(double d);

struct ParseError {
	std::size_t offset = 0;
	std::string message;
};

// Parse a whole document (surrounding blanks allowed): nested 200 deep at
// most, no object of more than 2,000 members, no number beyond a double;
// nullopt and @err on anything else.  Never throws (the text is a peer's or
// a file's).
std::optional<Value> parse(std::string_view text, ParseError *err = nullptr);

} // namespace ssb::json
