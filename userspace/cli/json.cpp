// SPDX-License-Identifier: GPL-2.0
#include "json.hpp"

#include <charconv>
#include <cmath>

namespace syncsock::cli {
namespace {

// Length of the valid UTF-8 sequence at @s, or 0.
std::size_t utf8_len(std::string_view s)
{
	auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
	auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
	unsigned char c = b(0);

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return cont(1) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (!cont(1) || !cont(2))
			return 0;
		if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f))
			return 0;	// overlong, surrogate
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (!cont(1) || !cont(2) || !cont(3))
			return 0;
		if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f))
			return 0;	// overlong, past U+10FFFF
		return 4;
	}
	return 0;
}

} // namespace

std::string Json::quote(std::string_view s)
{
	static const char hex[] = "0123456789abcdef";
	std::string out = "\"";

	for (std::size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			if (c < 0x20) {
				out += "\\u00";
				out += hex[c >> 4];
				out += hex[c & 0xf];
			} else if (c >= 0x80) {
				std::size_t n = utf8_len(s.substr(i));
				if (!n) {
					out += "\\ufffd";
					i++;
					continue;
				}
				out += s.substr(i, n);
				i += n;
				continue;
			} else {
				out += static_cast<char>(c);
			}
		}
		i++;
	}
	out += '"';
	return out;
}

void Json::newline()
{
	out_ += '\n';
	out_.append(2 * stack_.size(), ' ');
}

void Json::before_value()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (stack_.empty())
		return;
	if (stack_.back().count++)
		out_ += ',';
	if (pretty_)
		newline();
}

Json &Json::raw(std::string_view text)
{
	before_value();
	out_ += text;
	return *this;
}

Json &Json::open(char c)
{
	before_value();
	out_ += c;
	stack_.push_back({});
	return *this;
}

Json &Json::close(char c)
{
	bool empty = stack_.back().count == 0;
	stack_.pop_back();
	if (pretty_ && !empty)
		newline();
	out_ += c;
	return *this;
}

Json &Json::begin_object()
{
	return open('{');
}

Json &Json::end_object()
{
	return close('}');
}

Json &Json::begin_array()
{
	return open('[');
}

Json &Json::end_array()
{
	return close(']');
}

Json &Json::key(std::string_view k)
{
	before_value();
	out_ += quote(k);
	out_ += pretty_ ? ": " : ":";
	after_key_ = true;
	return *this;
}

Json &Json::value(std::string_view s)
{
	return raw(quote(s));
}

Json &Json::value(bool b)
{
	return raw(b ? "true" : "false");
}

Json &Json::value(double d)
{
	if (!std::isfinite(d))
		return null();
	char buf[64];
	auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
	if (ec != std::errc())
		return null();
	return raw(std::string_view(buf, end - buf));
}

std::string json_error(std::string_view message, bool pretty)
{
	Json j(pretty);
	j.begin_object().field("error", message).end_object();
	return j.str();
}

} // namespace syncsock::cli
