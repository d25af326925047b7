// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's JSON: lenient accessors and the result files' layout
// around nlohmann-json, which parses and writes every token.
#include "json.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace ssb::json {

Type type(const Value &v)
{
	if (v.is_boolean())
		return Type::boolean;
	if (v.is_number())
		return Type::number;
	if (v.is_string())
		return Type::string;
	if (v.is_array())
		return Type::array;
	if (v.is_object())
		return Type::object;
	return Type::null;
}

const Value *find(const Value &o, std::string_view key)
{
	if (!o.is_object())
		return nullptr;
	auto it = o.find(key);
	return it == o.end() ? nullptr : &*it;
}

const Value &get(const Value &o, std::string_view key)
{
	static const Value null_value;
	const Value *v = find(o, key);
	return v ? *v : null_value;
}

const Array &items(const Value &a)
{
	static const Array none;
	return a.is_array() ? a.get_ref<const Array &>() : none;
}

double number(const Value &v, double dflt)
{
	return v.is_number() ? v.get<double>() : dflt;
}

bool boolean(const Value &v, bool dflt)
{
	return v.is_boolean() ? v.get<bool>() : dflt;
}

std::string text(const Value &v, std::string dflt)
{
	return v.is_string() ? v.get<std::string>() : dflt;
}

std::uint64_t count(const Value &v)
{
	if (v.is_number_unsigned())
		return v.get<std::uint64_t>();
	if (v.is_number_integer())
		return v.get<std::int64_t>() > 0 ? std::uint64_t(v.get<std::int64_t>()) : 0;
	double d = number(v);
	if (!(d > 0))
		return 0;
	return d >= 18446744073709551615.0 ? UINT64_MAX : std::uint64_t(d);
}

double num(const Value &o, std::string_view key, double dflt)
{
	return number(get(o, key), dflt);
}

std::string str(const Value &o, std::string_view key, std::string dflt)
{
	return text(get(o, key), std::move(dflt));
}

// Numbers as the files have always had them: std::to_chars's shortest text,
// and no fraction on an integral value (nlohmann writes 3.0 and 0.0001 where
// the files have 3 and 1e-04).
std::string number_text(double d)
{
	if (!std::isfinite(d))
		return "null";
	char buf[64];
	std::to_chars_result r;
	if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0)
		r = std::to_chars(buf, buf + sizeof(buf), static_cast<long long>(d));
	else
		r = std::to_chars(buf, buf + sizeof(buf), d);
	return std::string(buf, r.ptr);
}

namespace {

std::string scalar(const Value &v)
{
	if (v.is_number_float())
		return number_text(v.get<double>());
	return v.dump(-1, ' ', false, Value::error_handler_t::replace);
}

bool is_scalar(const Value &v)
{
	return !v.is_structured();
}

// An array on one line: scalars, or arrays of scalars (a CDF's pairs).
bool flat_array(const Value &v)
{
	for (auto &e : v) {
		if (is_scalar(e))
			continue;
		if (!e.is_array())
			return false;
		for (auto &x : e)
			if (!is_scalar(x))
				return false;
	}
	return true;
}

void write(std::string &out, const Value &v, int indent, int level, bool flat)
{
	auto nl = [&](int l) {
		if (indent && !flat) {
			out += '\n';
			out.append(static_cast<std::size_t>(indent * l), ' ');
		}
	};
	// Between the elements of a one-line container: a blank after the
	// comma when indented.
	auto sep = [&](bool one_line) { return one_line && indent ? ", " : ","; };

	if (v.is_array()) {
		bool f = flat || flat_array(v);
		out += '[';
		for (auto it = v.begin(); it != v.end(); ++it) {
			if (it != v.begin())
				out += sep(f);
			if (!f)
				nl(level + 1);
			write(out, *it, indent, level + 1, f);
		}
		if (!f && !v.empty())
			nl(level);
		out += ']';
	} else if (v.is_object()) {
		out += '{';
		for (auto it = v.begin(); it != v.end(); ++it) {
			if (it != v.begin())
				out += sep(flat);
			nl(level + 1);
			out += scalar(Value(it.key()));
			out += indent ? ": " : ":";
			write(out, it.value(), indent, level + 1, flat);
		}
		if (!v.empty())
			nl(level);
		out += '}';
	} else {
		out += scalar(v);
	}
}

constexpr int kMaxDepth = 200;
constexpr std::size_t kMaxMembers = 2000;

} // namespace

std::string dump(const Value &v, int indent)
{
	std::string out;
	write(out, v, indent, 0, false);
	return out;
}

std::optional<Value> parse(std::string_view text, ParseError *err)
{
	// What makes a document too costly, for a peer's line or a file:
	// nesting (kMaxDepth containers around one more that starts is one
	// too many), and members (an ordered object finds a key by a linear
	// search, so n members cost n^2 / 2 comparisons).
	std::string refused;
	std::vector<std::size_t> members;
	auto limits = [&](int d, Value::parse_event_t e, Value &) {
		using E = Value::parse_event_t;
		if (!refused.empty())
			return false;
		if (e == E::object_start || e == E::array_start) {
			if (d >= kMaxDepth)
				refused = "nested deeper than " + std::to_string(kMaxDepth);
			members.push_back(0);
		} else if (e == E::object_end || e == E::array_end) {
			if (!members.empty())
				members.pop_back();
		} else if (e == E::key && !members.empty() && ++members.back() > kMaxMembers) {
			refused = "an object of more than " + std::to_string(kMaxMembers) + " members";
		}
		return refused.empty();
	};

	try {
		Value v = Value::parse(text.begin(), text.end(), limits);
		if (!refused.empty()) {
			if (err)
				*err = {0, refused};
			return std::nullopt;
		}
		return v;
	} catch (const Value::exception &e) {
		// parse_error: not JSON; out_of_range: a number no double holds
		// (1e999); nothing else is thrown by a parse, and none may
		// escape: the text is a peer's or a file's.
		if (err) {
			auto *pe = dynamic_cast<const Value::parse_error *>(&e);
			err->offset = pe && pe->byte ? pe->byte - 1 : 0;
			// "[json.exception.parse_error.101] parse error at line 1,
			// column 2: syntax error ...": from "syntax error" on;
			// "[json.exception.out_of_range.406] number overflow ...":
			// from "number" on.
			std::string m = e.what();
			auto p = m.find(": ");
			if (p == std::string::npos)
				p = m.find("] ");
			err->message = p == std::string::npos ? m : m.substr(p + 2);
		}
		return std::nullopt;
	}
}

} // namespace ssb::json
