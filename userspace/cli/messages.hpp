// SPDX-License-Identifier: GPL-2.0
//
// What syncsockctl says when a request fails: what went wrong, in the
// terms of the command, and what to do about it.  Pure functions of the
// error, so that each case is tested without a kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <syncsock/syncsock.hpp>

namespace syncsock::cli {

enum class Op {
	open,		// opening the device (and asking its version)
	listener_add,
	listener_del,
	listener_get,
	listener_list,
	stats,
	handler_list,
	pair_list,
};

// What the failed request was about.
struct ErrorContext {
	std::string device{kDefaultDevice};
	std::optional<Address> address;	// listener_add
	std::string handler;		// listener_add
	std::uint32_t id = 0;		// listener_del, listener_get, stats (0: module),
					// pair_list (0: every listener)
};

// "cannot add a listener on 0.0.0.0:80: binding port 80 needs
// CAP_NET_BIND_SERVICE (EACCES); run syncsockctl as root, or ...".
// The kernel's message, when there is one, is the reason.
std::string error_message(Op op, const Error &error, const ErrorContext &context);

// "EADDRINUSE", or "errno 1234" for one without a name here.
std::string errno_name(int err);

} // namespace syncsock::cli
