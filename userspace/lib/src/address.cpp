// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Listening addresses: parsing what people type, printing what the kernel
// reports.  Numeric only: a listener binds an address of this host, so there
// is nothing to resolve but "localhost" and interface names in a scope.
#include <syncsock/syncsock.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>

#include <arpa/inet.h>
#include <net/if.h>

namespace syncsock {
namespace {

Error invalid(std::string message)
{
	return Error::from_errno(EINVAL, std::move(message));
}

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

bool all_digits(std::string_view s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (c < '0' || c > '9')
			return false;
	return true;
}

// @host without brackets or port: an IPv4 or IPv6 address, maybe %scope.
Result<Address> parse_host(std::string_view host)
{
	Address a;

	if (host.empty())
		return invalid("no address before the port: write ADDR:PORT (any:PORT for "
			       "every IPv4 address, [::]:PORT for every IPv6 one)");
	if (host == "any" || host == "*")
		return a;
	if (host == "localhost") {
		a.bytes[0] = 127;
		a.bytes[3] = 1;
		return a;
	}

	std::string_view scope;
	if (auto pct = host.find('%'); pct != std::string_view::npos) {
		scope = host.substr(pct + 1);
		host = host.substr(0, pct);
		if (scope.empty())
			return invalid("empty scope after '%' in " + quoted(host) +
				       ": give an interface name or index");
	}

	std::string h(host);
	if (::inet_pton(AF_INET, h.c_str(), a.bytes.data()) == 1) {
		if (!scope.empty())
			return invalid("a scope (%" + std::string(scope) +
				       ") is for IPv6 addresses only, not " + quoted(host));
		return a;
	}
	if (::inet_pton(AF_INET6, h.c_str(), a.bytes.data()) != 1)
		return invalid(quoted(host) + " is not an IPv4 or IPv6 address (names are not "
			       "resolved: give a number, any, * or localhost)");
	a.family = Address::Family::ipv6;

	if (!scope.empty()) {
		if (all_digits(scope)) {
			std::uint32_t idx = 0;
			auto [p, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), idx);
			if (ec != std::errc() || idx == 0)
				return invalid("bad interface index " + quoted(scope));
			a.scope_id = idx;
		} else {
			a.scope_id = ::if_nametoindex(std::string(scope).c_str());
			if (!a.scope_id)
				return invalid("no network interface named " + quoted(scope));
		}
	} else if (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) {
		return invalid(quoted(host) + " is link-local: give its interface, as in [" +
			       std::string(host) + "%eth0]:PORT");
	}
	return a;
}

} // namespace

Result<std::uint16_t> parse_port(std::string_view text) noexcept
{
	try {
		if (!all_digits(text))
			return invalid("bad port " + quoted(text) + ": a port is a number, 1-65535");
		std::uint32_t port = 0;
		auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
		if (ec != std::errc() || port > 65535)
			return invalid("port " + std::string(text) + " is out of range (1-65535)");
		if (port == 0)
			return invalid("port 0 is not allowed: a listener needs a fixed port");
		return static_cast<std::uint16_t>(port);
	} catch (const std::exception &) {
		return Error::from_errno(ENOMEM);
	}
}

Result<Address> parse_address(std::string_view text, std::optional<std::uint16_t> port) noexcept
{
	try {
		std::string_view host = text;
		std::optional<std::string_view> port_text;

		for (char c : text)
			if (c == ' ' || c == '\t' || c == '\n')
				return invalid("bad address " + quoted(text) + ": it contains blanks");
		if (text.empty())
			return invalid("empty address");

		if (text.front() == '[') {
			auto close = text.find(']');
			if (close == std::string_view::npos)
				return invalid("bad address " + quoted(text) + ": '[' without ']'");
			host = text.substr(1, close - 1);
			auto rest = text.substr(close + 1);
			if (!rest.empty()) {
				if (rest.front() != ':')
					return invalid("bad address " + quoted(text) +
						       ": expected ':PORT' after ']'");
				port_text = rest.substr(1);
			}
			if (host.find(':') == std::string_view::npos)
				return invalid("bad address " + quoted(text) +
					       ": brackets are for IPv6 addresses");
		} else if (auto colon = text.find(':'); colon != std::string_view::npos &&
							 text.find(':', colon + 1) == std::string_view::npos) {
			host = text.substr(0, colon);
			port_text = text.substr(colon + 1);
		}
		// Two colons or more without brackets: a bare IPv6 address.

		auto addr = parse_host(host);
		if (!addr)
			return addr;

		if (port_text && port)
			return invalid("the port is given twice: in " + quoted(text) + " and as " +
				       std::to_string(*port));
		if (port_text) {
			auto p = parse_port(*port_text);
			if (!p)
				return p.error();
			addr->port = *p;
		} else if (port) {
			if (*port == 0)
				return invalid("port 0 is not allowed: a listener needs a fixed port");
			addr->port = *port;
		} else {
			return invalid("no port in " + quoted(text) + ": write " +
				       (addr->family == Address::Family::ipv6 ? "[ADDR]:PORT"
									      : "ADDR:PORT"));
		}
		return addr;
	} catch (const std::exception &) {
		return Error::from_errno(ENOMEM);
	}
}

std::string Address::host() const
{
	char buf[INET6_ADDRSTRLEN];

	if (family == Family::ipv4) {
		::inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf));
		return buf;
	}
	::inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
	return buf;
}

std::string Address::to_string() const
{
	if (family == Family::ipv4)
		return host() + ":" + std::to_string(port);
	std::string scope = scope_id ? "%" + std::to_string(scope_id) : "";
	return "[" + host() + scope + "]:" + std::to_string(port);
}

} // namespace syncsock
