// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's JSON: a value tree that is written (the result files) and
// read back (to render tables and plots on the host from a guest's file).
// Objects keep their keys in insertion order, so that files diff well and
// tests can compare exact strings.  Numbers are doubles (results are counts
// below 2^53 and measured values).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssb::json {

class Value {
public:
	enum class Type { null, boolean, number, string, array, object };
	using Array = std::vector<Value>;
	using Object = std::vector<std::pair<std::string, Value>>;

	Value() = default;
	Value(std::nullptr_t) {}
	Value(bool b) : type_(Type::boolean), b_(b) {}
	Value(double d) : type_(Type::number), n_(d) {}
	Value(int v) : type_(Type::number), n_(v) {}
	Value(unsigned v) : type_(Type::number), n_(v) {}
	Value(long v) : type_(Type::number), n_(double(v)) {}
	Value(unsigned long v) : type_(Type::number), n_(double(v)) {}
	Value(long long v) : type_(Type::number), n_(double(v)) {}
	Value(unsigned long long v) : type_(Type::number), n_(double(v)) {}
	Value(const char *s) : type_(Type::string), s_(s) {}
	Value(std::string s) : type_(Type::string), s_(std::move(s)) {}
	Value(std::string_view s) : type_(Type::string), s_(s) {}
	Value(Array a) : type_(Type::array), a_(std::move(a)) {}

	static Value object() { Value v; v.type_ = Type::object; return v; }
	static Value array() { Value v; v.type_ = Type::array; return v; }

	Type type() const { return type_; }
	bool is_null() const { return type_ == Type::null; }
	bool is_bool() const { return type_ == Type::boolean; }
	bool is_number() const { return type_ == Type::number; }
	bool is_string() const { return type_ == Type::string; }
	bool is_array() const { return type_ == Type::array; }
	bool is_object() const { return type_ == Type::object; }

	bool as_bool(bool dflt = false) const { return is_bool() ? b_ : dflt; }
	double as_number(double dflt = 0) const { return is_number() ? n_ : dflt; }
	const std::string &as_string() const { return s_; }
	const Array &items() const { return a_; }
	Array &items() { return a_; }
	const Object &members() const { return o_; }

	// Object access: set() replaces or appends; get() is null when absent.
	Value &set(std::string_view key, Value v);
	const Value *find(std::string_view key) const;
	const Value &operator[](std::string_view key) const;
	// Array access.
	Value &push(Value v)
	{
		type_ = Type::array;
		a_.push_back(std::move(v));
		return a_.back();
	}
	std::size_t size() const { return is_array() ? a_.size() : is_object() ? o_.size() : 0; }

	// Number of a member, or @dflt when absent or not a number.
	double num(std::string_view key, double dflt = 0) const;
	std::string str(std::string_view key, std::string dflt = {}) const;

	bool operator==(const Value &o) const;

private:
	Type type_ = Type::null;
	bool b_ = false;
	double n_ = 0;
	std::string s_;
	Array a_;
	Object o_;
};

// RFC 8259 text.  @indent 0: one line; else that many spaces a level, with
// arrays of scalars kept on one line.
std::string dump(const Value &v, int indent = 0);
// The shortest text that reads back as @d; integers without a fraction;
// non-finite numbers become null.
std::string number_text(double d);
std::string quote(std::string_view s);

struct ParseError {
	std::size_t offset = 0;
	std::string message;
};

// Parse a whole document (surrounding blanks allowed).
std::optional<Value> parse(std::string_view text, ParseError *err = nullptr);

} // namespace ssb::json
