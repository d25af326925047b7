// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What a failed request means, in the terms of what was asked, and what to
// do about it: the text every syncsock tool prints.
#include <syncsock/syncsock.hpp>

#include <cerrno>
#include <cstring>

namespace syncsock {
namespace {

using Op = Operation;

// Installed (make install, the syncsock-dkms package), modprobe finds it;
// insmod is for a module just built.
const char kLoadHint[] = "the syncsock module is not loaded: load it with: modprobe syncsock "
			 "(from a build tree: insmod syncsock.ko)";
const char kListHint[] = "see: syncsockctl listener list";

std::string action(Op op, const ErrorContext &c)
{
	switch (op) {
	case Op::open:
		return "cannot open " + c.device;
	case Op::listener_add:
		return "cannot add a listener" +
		       (c.address ? " on " + c.address->to_string() : std::string());
	case Op::listener_del:
		return "cannot delete listener " + std::to_string(c.id);
	case Op::listener_get:
		return "cannot read listener " + std::to_string(c.id);
	case Op::listener_list:
		return "cannot list the listeners";
	case Op::stats:
		return c.id ? "cannot read the counters of listener " + std::to_string(c.id)
			    : "cannot read the module's counters";
	case Op::handler_list:
		return "cannot list the handlers";
	case Op::pair_list:
		return c.id ? "cannot list the pairs of listener " + std::to_string(c.id)
			    : "cannot list the pairs";
	}
	return "request failed";
}

bool changes_state(Op op)
{
	return op == Op::listener_add || op == Op::listener_del;
}

} // namespace

std::string errno_name(int err)
{
	switch (err) {
#define NAME(e)  \
	case e:  \
		return #e
		NAME(EPERM);
		NAME(ENOENT);
		NAME(EINTR);
		NAME(EIO);
		NAME(ENXIO);
		NAME(EAGAIN);
		NAME(ENOMEM);
		NAME(EACCES);
		NAME(EFAULT);
		NAME(EBUSY);
		NAME(EEXIST);
		NAME(ENODEV);
		NAME(EINVAL);
		NAME(ENOTTY);
		NAME(ENOSPC);
		NAME(ERANGE);
		NAME(EPROTO);
		NAME(EOPNOTSUPP);
		NAME(EAFNOSUPPORT);
		NAME(EADDRINUSE);
		NAME(EADDRNOTAVAIL);
		NAME(ENETDOWN);
		NAME(ENETUNREACH);
#undef NAME
	}
	return "errno " + std::to_string(err);
}

std::string error_message(Op op, const Error &error, const ErrorContext &c)
{
	const int err = error.value();
	const std::string &kmsg = error.message;
	std::string reason = kmsg.empty() ? std::string(std::strerror(err)) : kmsg;
	std::string hint;
	const std::string port = c.address ? std::to_string(c.address->port) : "";

	if (op == Op::open) {
		switch (err) {
		case ENOENT:
			reason = "it does not exist";
			hint = kLoadHint;
			break;
		case ENXIO:
		case ENODEV:
			reason = "no driver answers it";
			hint = kLoadHint;
			break;
		case EACCES:
		case EPERM:
			reason = "permission denied";
			hint = "the device is root-only: run " + c.program + " as root";
			break;
		}
	} else if (err == EPERM && changes_state(op)) {
		reason = std::string(op == Op::listener_add ? "adding" : "deleting") +
			 " a listener needs CAP_NET_ADMIN";
		hint = "run " + c.program + " as root (in the listener's network namespace)";
	} else if (op == Op::listener_add) {
		switch (err) {
		case EACCES:
			if (kmsg.empty() && c.address)
				reason = "binding port " + port + " needs CAP_NET_BIND_SERVICE";
			hint = "run " + c.program + " as root, or listen on a port from "
			       "net.ipv4.ip_unprivileged_port_start (usually 1024) up";
			break;
		case EADDRINUSE:
			if (kmsg.empty())
				reason = "the address and port are already in use";
			if (c.address)
				hint = "see who has it with: syncsockctl listener list; ss -ltnp "
				       "'sport = :" + port + "'";
			break;
		case EADDRNOTAVAIL:
			if (kmsg.empty() && c.address)
				reason = c.address->host() + " is not an address of this network namespace";
			hint = "add 'freebind' to listen on an address not (yet) configured";
			break;
		case ENOENT:
			if (kmsg.empty())
				reason = "no handler named '" + c.handler + "'";
			hint = "see: syncsockctl handler list";
			break;
		case EAFNOSUPPORT:
			if (c.address && c.address->family == Address::Family::ipv6)
				hint = "is IPv6 disabled on this host?";
			break;
		}
	} else if (err == ENOENT && (op == Op::listener_del || op == Op::listener_get ||
				     ((op == Op::stats || op == Op::pair_list) && c.id))) {
		reason = "no listener with id " + std::to_string(c.id) + " in this network namespace";
		hint = kListHint;
	} else if (err == ENOSPC && op == Op::pair_list && !c.id) {
		hint = "list them one listener at a time: syncsockctl pair list listener ID";
	} else if (err == ENOTTY) {
		reason = "the module does not know this request";
		hint = "is the module older than " + c.program + "? compare: syncsockctl version";
	}

	std::string msg = action(op, c) + ": " + reason + " (" + errno_name(err) + ")";
	if (!hint.empty())
		msg += "; " + hint;
	return msg;
}

} // namespace syncsock
