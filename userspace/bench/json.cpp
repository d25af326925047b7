// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's JSON value, writer and parser.
#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ssb::json {

Value &Value::set(std::string_view key, Value v)
{
	if (type_ != Type::object) {
		*this = object();
	}
	for (auto &[k, val] : o_)
		if (k == key) {
			val = std::move(v);
			return val;
		}
	o_.emplace_back(std::string(key), std::move(v));
	return o_.back().second;
}

const Value *Value::find(std::string_view key) const
{
	if (type_ != Type::object)
		return nullptr;
	for (auto &[k, val] : o_)
		if (k == key)
			return &val;
	return nullptr;
}

const Value &Value::operator[](std::string_view key) const
{
	static const Value null_value;
	const Value *v = find(key);
	return v ? *v : null_value;
}

double Value::num(std::string_view key, double dflt) const
{
	const Value *v = find(key);
	return v && v->is_number() ? v->n_ : dflt;
}

std::string Value::str(std::string_view key, std::string dflt) const
{
	const Value *v = find(key);
	return v && v->is_string() ? v->s_ : dflt;
}

bool Value::operator==(const Value &o) const
{
	if (type_ != o.type_)
		return false;
	switch (type_) {
	case Type::null: return true;
	case Type::boolean: return b_ == o.b_;
	case Type::number: return n_ == o.n_;
	case Type::string: return s_ == o.s_;
	case Type::array: return a_ == o.a_;
	case Type::object: return o_ == o.o_;
	}
	return false;
}

std::string number_text(double d)
{
	if (!std::isfinite(d))
		return "null";
	char buf[64];
	if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
		auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<long long>(d));
		return std::string(buf, r.ptr);
	}
	auto r = std::to_chars(buf, buf + sizeof(buf), d);
	return std::string(buf, r.ptr);
}

// Decode one UTF-8 sequence at @s[i]; false if it is not valid UTF-8.
static bool utf8_seq(std::string_view s, std::size_t i, std::size_t &len)
{
	auto c = static_cast<unsigned char>(s[i]);
	std::uint32_t cp;
	if (c < 0x80) {
		len = 1;
		return true;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		cp = c & 0x07;
	} else {
		return false;
	}
	if (i + len > s.size())
		return false;
	for (std::size_t k = 1; k < len; k++) {
		auto cc = static_cast<unsigned char>(s[i + k]);
		if ((cc & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (cc & 0x3f);
	}
	static const std::uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
	return cp >= min_cp[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

std::string quote(std::string_view s)
{
	std::string out = "\"";
	for (std::size_t i = 0; i < s.size();) {
		auto c = static_cast<unsigned char>(s[i]);
		std::size_t len;
		if (c >= 0x80) {
			if (utf8_seq(s, i, len)) {
				out.append(s.substr(i, len));
				i += len;
			} else {
				out += "\xef\xbf\xbd";	// U+FFFD
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		case '\b': out += "\\b"; break;
		case '\f': out += "\\f"; break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				out += buf;
			} else {
				out += static_cast<char>(c);
			}
		}
		i++;
	}
	return out + "\"";
}

static bool is_scalar(const Value &v)
{
	return !v.is_array() && !v.is_object();
}

// An array printed on one line: scalars, or arrays of scalars (pairs).
static bool flat_array(const Value &v)
{
	for (auto &e : v.items()) {
		if (is_scalar(e))
			continue;
		if (!e.is_array())
			return false;
		for (auto &x : e.items())
			if (!is_scalar(x))
				return false;
	}
	return true;
}

static void write(std::string &out, const Value &v, int indent, int level, bool flat)
{
	auto nl = [&](int l) {
		if (indent && !flat) {
			out += '\n';
			out.append(static_cast<std::size_t>(indent * l), ' ');
		}
	};
	switch (v.type()) {
	case Value::Type::null: out += "null"; break;
	case Value::Type::boolean: out += v.as_bool() ? "true" : "false"; break;
	case Value::Type::number: out += number_text(v.as_number()); break;
	case Value::Type::string: out += quote(v.as_string()); break;
	case Value::Type::array: {
		bool f = flat || flat_array(v);
		out += '[';
		bool first = true;
		for (auto &e : v.items()) {
			if (!first)
				out += (f && indent) ? ", " : ",";
			first = false;
			if (!f)
				nl(level + 1);
			write(out, e, indent, level + 1, f);
		}
		if (!f && !v.items().empty())
			nl(level);
		out += ']';
		break;
	}
	case Value::Type::object: {
		out += '{';
		bool first = true;
		for (auto &[k, e] : v.members()) {
			if (!first)
				out += (flat && indent) ? ", " : ",";
			first = false;
			nl(level + 1);
			out += quote(k);
			out += indent ? ": " : ":";
			write(out, e, indent, level + 1, flat);
		}
		if (!v.members().empty())
			nl(level);
		out += '}';
		break;
	}
	}
}

std::string dump(const Value &v, int indent)
{
	std::string out;
	write(out, v, indent, 0, false);
	return out;
}

namespace {

class Parser {
public:
	Parser(std::string_view t, ParseError *e) : t_(t), err_(e) {}

	std::optional<Value> document()
	{
		auto v = value(0);
		if (!v)
			return std::nullopt;
		blanks();
		if (p_ != t_.size())
			return fail("text after the document");
		return v;
	}

private:
	std::nullopt_t fail(std::string msg)
	{
		if (err_ && err_->message.empty()) {
			err_->offset = p_;
			err_->message = std::move(msg);
		}
		return std::nullopt;
	}
	void blanks()
	{
		while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' ||
					  t_[p_] == '\r'))
			p_++;
	}
	bool literal(std::string_view w)
	{
		if (t_.substr(p_, w.size()) != w)
			return false;
		p_ += w.size();
		return true;
	}

	std::optional<Value> value(int depth)
	{
		if (depth > 200)
			return fail("nested too deeply");
		blanks();
		if (p_ >= t_.size())
			return fail("unexpected end");
		char c = t_[p_];
		if (c == '{')
			return object(depth);
		if (c == '[')
			return array(depth);
		if (c == '"') {
			auto s = string();
			if (!s)
				return std::nullopt;
			return Value(std::move(*s));
		}
		if (literal("true"))
			return Value(true);
		if (literal("false"))
			return Value(false);
		if (literal("null"))
			return Value();
		if (c == '-' || (c >= '0' && c <= '9'))
			return number();
		return fail(std::string("unexpected '") + c + "'");
	}

	std::optional<Value> number()
	{
		std::size_t s = p_;
		if (t_[p_] == '-')
			p_++;
		auto digits = [&] {
			std::size_t d = p_;
			while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9')
				p_++;
			return p_ - d;
		};
		if (p_ < t_.size() && t_[p_] == '0') {
			p_++;
		} else if (!digits()) {
			return fail("bad number");
		}
		if (p_ < t_.size() && t_[p_] == '.') {
			p_++;
			if (!digits())
				return fail("bad number");
		}
		if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
			p_++;
			if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-'))
				p_++;
			if (!digits())
				return fail("bad number");
		}
		double d = 0;
		auto r = std::from_chars(t_.data() + s, t_.data() + p_, d);
		if (r.ec != std::errc())
			return fail("bad number");
		return Value(d);
	}

	static void utf8(std::string &out, std::uint32_t cp)
	{
		if (cp < 0x80) {
			out += static_cast<char>(cp);
		} else if (cp < 0x800) {
			out += static_cast<char>(0xc0 | cp >> 6);
			out += static_cast<char>(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out += static_cast<char>(0xe0 | cp >> 12);
			out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
			out += static_cast<char>(0x80 | (cp & 0x3f));
		} else {
			out += static_cast<char>(0xf0 | cp >> 18);
			out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
			out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
			out += static_cast<char>(0x80 | (cp & 0x3f));
		}
	}

	std::optional<std::uint32_t> hex4()
	{
		if (p_ + 4 > t_.size())
			return std::nullopt;
		std::uint32_t v = 0;
		auto r = std::from_chars(t_.data() + p_, t_.data() + p_ + 4, v, 16);
		if (r.ec != std::errc() || r.ptr != t_.data() + p_ + 4)
			return std::nullopt;
		p_ += 4;
		return v;
	}

	std::optional<std::string> string()
	{
		p_++;	// "
		std::string out;
		while (true) {
			if (p_ >= t_.size())
				return fail("unterminated string");
			char c = t_[p_++];
			if (c == '"')
				return out;
			if (static_cast<unsigned char>(c) < 0x20)
				return fail("control character in a string");
			if (c != '\\') {
				out += c;
				continue;
			}
			if (p_ >= t_.size())
				return fail("unterminated string");
			char e = t_[p_++];
			switch (e) {
			case '"': out += '"'; break;
			case '\\': out += '\\'; break;
			case '/': out += '/'; break;
			case 'b': out += '\b'; break;
			case 'f': out += '\f'; break;
			case 'n': out += '\n'; break;
			case 'r': out += '\r'; break;
			case 't': out += '\t'; break;
			case 'u': {
				auto cp = hex4();
				if (!cp)
					return fail("bad \\u escape");
				if (*cp >= 0xd800 && *cp < 0xdc00 && t_.substr(p_, 2) == "\\u") {
					p_ += 2;
					auto lo = hex4();
					if (!lo || *lo < 0xdc00 || *lo > 0xdfff)
						return fail("bad surrogate pair");
					*cp = 0x10000 + ((*cp - 0xd800) << 10) + (*lo - 0xdc00);
				} else if (*cp >= 0xd800 && *cp <= 0xdfff) {
					return fail("lone surrogate");
				}
				utf8(out, *cp);
				break;
			}
			default:
				return fail("bad escape");
			}
		}
	}

	std::optional<Value> array(int depth)
	{
		p_++;
		Value v = Value::array();
		blanks();
		if (p_ < t_.size() && t_[p_] == ']') {
			p_++;
			return v;
		}
		while (true) {
			auto e = value(depth + 1);
			if (!e)
				return std::nullopt;
			v.push(std::move(*e));
			blanks();
			if (p_ < t_.size() && t_[p_] == ',') {
				p_++;
				continue;
			}
			if (p_ < t_.size() && t_[p_] == ']') {
				p_++;
				return v;
			}
			return fail("expected ',' or ']'");
		}
	}

	std::optional<Value> object(int depth)
	{
		p_++;
		Value v = Value::object();
		blanks();
		if (p_ < t_.size() && t_[p_] == '}') {
			p_++;
			return v;
		}
		while (true) {
			blanks();
			if (p_ >= t_.size() || t_[p_] != '"')
				return fail("expected a key");
			auto k = string();
			if (!k)
				return std::nullopt;
			blanks();
			if (p_ >= t_.size() || t_[p_] != ':')
				return fail("expected ':'");
			p_++;
			auto e = value(depth + 1);
			if (!e)
				return std::nullopt;
			v.set(*k, std::move(*e));
			blanks();
			if (p_ < t_.size() && t_[p_] == ',') {
				p_++;
				continue;
			}
			if (p_ < t_.size() && t_[p_] == '}') {
				p_++;
				return v;
			}
			return fail("expected ',' or '}'");
		}
	}

	std::string_view t_;
	ParseError *err_;
	std::size_t p_ = 0;
};

} // namespace

std::optional<Value> parse(std::string_view text, ParseError *err)
{
	return Parser(text, err).document();
}

} // namespace ssb::json
