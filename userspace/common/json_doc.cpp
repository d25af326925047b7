// SPDX-License-Identifier: GPL-2.0
#include "json_doc.hpp"

#include <cmath>
#include <cstdint>

namespace syncsock::text {

std::string json_text(const Json &j, bool pretty)
{
	return j.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Json thousandths(double v)
{
	if (!std::isfinite(v))
		return nullptr;
	double r = std::round(v * 1000) / 1000;
	if (r == std::trunc(r) && std::fabs(r) < 9007199254740992.0)
		return static_cast<std::int64_t>(r);
	return r;
}

std::string json_error(std::string_view message, bool pretty)
{
	Json j = Json::object();
	j["error"] = message;
	return json_text(j, pretty);
}

} // namespace syncsock::text
