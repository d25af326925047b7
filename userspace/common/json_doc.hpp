// SPDX-License-Identifier: GPL-2.0
//
// What syncsockctl -j and syncsock-trace -j print: nlohmann::ordered_json
// documents (members in the order they are set), one line
// ({"id":1,"state":"listening"}) or, with -p, indented by two spaces.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace syncsock::text {

using Json = nlohmann::ordered_json;

// @j as text, ending in a newline.  A sequence of bytes that is not UTF-8
// (a handler's name is a module's, a socket's label the kernel's) becomes the character U+FFFD: the
// output is always valid JSON.
std::string json_text(const Json &j, bool pretty);

// A rate or an interval to the thousandth, an integer when it is one (2,
// not 2.0).
Json thousandths(double v);

// The JSON document {"error": @message}.
std::string json_error(std::string_view message, bool pretty);

} // namespace syncsock::text
