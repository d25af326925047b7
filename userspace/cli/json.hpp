// SPDX-License-Identifier: GPL-2.0
//
// A small JSON writer: what syncsockctl -j prints.  Compact by default
// ({"id":1,"state":"listening"}), or indented by two spaces.  Strings are
// escaped per RFC 8259; bytes that are not UTF-8 become U+FFFD, so the
// output is always valid JSON.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace syncsock::cli {

class Json {
public:
	explicit Json(bool pretty = false) : pretty_(pretty) {}

	Json &begin_object();
	Json &end_object();
	Json &begin_array();
	Json &end_array();
	Json &key(std::string_view k);

	Json &value(std::string_view s);
	Json &value(const char *s) { return value(std::string_view(s)); }
	Json &value(const std::string &s) { return value(std::string_view(s)); }
	Json &value(bool b);
	Json &value(double d);
	template <std::integral T>
	Json &value(T v)
	{
		return raw(std::to_string(v));
	}
	Json &null() { return raw("null"); }

	template <typename T>
	Json &field(std::string_view k, const T &v)
	{
		key(k);
		return value(v);
	}

	// The document, ending in a newline.
	std::string str() const { return out_ + "\n"; }

	static std::string quote(std::string_view s);

private:
	Json &raw(std::string_view text);
	Json &open(char c);
	Json &close(char c);
	void before_value();
	void newline();

	struct Level {
		std::size_t count = 0;
	};

	bool pretty_;
	bool after_key_ = false;
	std::string out_;
	std::vector<Level> stack_;
};

// The JSON document {"error": @message}.
std::string json_error(std::string_view message, bool pretty);

} // namespace syncsock::cli
