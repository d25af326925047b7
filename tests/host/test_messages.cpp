// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl's error messages, one per errno the ABI lists, without a
// kernel: what went wrong and what to do.
#include <catch2/catch.hpp>

#include <cerrno>

#include "messages.hpp"

using namespace syncsock;
using namespace syncsock::cli;

namespace {

ErrorContext add_ctx(const char *addr, const char *handler = "echo")
{
	ErrorContext c;
	c.address = *parse_address(addr);
	c.handler = handler;
	return c;
}

ErrorContext id_ctx(std::uint32_t id)
{
	ErrorContext c;
	c.id = id;
	return c;
}

std::string msg(Op op, int err, const ErrorContext &c, std::string kmsg = {})
{
	return error_message(op, Error::from_errno(err, std::move(kmsg)), c);
}

} // namespace

TEST_CASE("messages: opening the device", "[messages]")
{
	ErrorContext c;
	CHECK(msg(Op::open, ENOENT, c) ==
	      "cannot open /dev/syncsock: it does not exist (ENOENT); the syncsock module is not "
	      "loaded: load it with: modprobe syncsock (from a build tree: insmod syncsock.ko)");
	CHECK(msg(Op::open, ENXIO, c) ==
	      "cannot open /dev/syncsock: no driver answers it (ENXIO); the syncsock module is not "
	      "loaded: load it with: modprobe syncsock (from a build tree: insmod syncsock.ko)");
	CHECK(msg(Op::open, EACCES, c) ==
	      "cannot open /dev/syncsock: permission denied (EACCES); the device is root-only: run "
	      "syncsockctl as root");
	CHECK(msg(Op::open, EPERM, c) ==
	      "cannot open /dev/syncsock: permission denied (EPERM); the device is root-only: run "
	      "syncsockctl as root");
	c.device = "/tmp/x";
	CHECK(msg(Op::open, ENOTTY, c, "it does not answer syncsock's requests (not the syncsock "
				       "control device?)") ==
	      "cannot open /tmp/x: it does not answer syncsock's requests (not the syncsock control "
	      "device?) (ENOTTY)");
	CHECK(msg(Op::open, EPROTO, c, "the module speaks syncsock ABI 2, this program ABI 1") ==
	      "cannot open /tmp/x: the module speaks syncsock ABI 2, this program ABI 1 (EPROTO)");
}

TEST_CASE("messages: CAP_NET_ADMIN", "[messages]")
{
	CHECK(msg(Op::listener_add, EPERM, add_ctx("0.0.0.0:7")) ==
	      "cannot add a listener on 0.0.0.0:7: adding a listener needs CAP_NET_ADMIN (EPERM); "
	      "run syncsockctl as root (in the listener's network namespace)");
	CHECK(msg(Op::listener_del, EPERM, id_ctx(3)) ==
	      "cannot delete listener 3: deleting a listener needs CAP_NET_ADMIN (EPERM); run "
	      "syncsockctl as root (in the listener's network namespace)");
}

TEST_CASE("messages: listener add", "[messages]")
{
	CHECK(msg(Op::listener_add, EACCES, add_ctx("0.0.0.0:80")) ==
	      "cannot add a listener on 0.0.0.0:80: binding port 80 needs CAP_NET_BIND_SERVICE "
	      "(EACCES); run syncsockctl as root, or listen on a port from "
	      "net.ipv4.ip_unprivileged_port_start (usually 1024) up");
	CHECK(msg(Op::listener_add, EACCES, add_ctx("0.0.0.0:80"),
		  "binding port 80 needs CAP_NET_BIND_SERVICE") ==
	      "cannot add a listener on 0.0.0.0:80: binding port 80 needs CAP_NET_BIND_SERVICE "
	      "(EACCES); run syncsockctl as root, or listen on a port from "
	      "net.ipv4.ip_unprivileged_port_start (usually 1024) up");
	CHECK(msg(Op::listener_add, EADDRINUSE, add_ctx("[::1]:8080")) ==
	      "cannot add a listener on [::1]:8080: the address and port are already in use "
	      "(EADDRINUSE); see who has it with: syncsockctl listener list; ss -ltnp "
	      "'sport = :8080'");
	CHECK(msg(Op::listener_add, EADDRNOTAVAIL, add_ctx("192.0.2.1:80")) ==
	      "cannot add a listener on 192.0.2.1:80: 192.0.2.1 is not an address of this network "
	      "namespace (EADDRNOTAVAIL); add 'freebind' to listen on an address not (yet) "
	      "configured");
	CHECK(msg(Op::listener_add, ENOENT, add_ctx("0.0.0.0:7", "ehco")) ==
	      "cannot add a listener on 0.0.0.0:7: no handler named 'ehco' (ENOENT); see: "
	      "syncsockctl handler list");
	CHECK(msg(Op::listener_add, ENOENT, add_ctx("0.0.0.0:7", "ehco"),
		  "no handler named 'ehco' (see the handler list)") ==
	      "cannot add a listener on 0.0.0.0:7: no handler named 'ehco' (see the handler list) "
	      "(ENOENT); see: syncsockctl handler list");
	CHECK(msg(Op::listener_add, EAFNOSUPPORT, add_ctx("[::]:7")) ==
	      "cannot add a listener on [::]:7: Address family not supported by protocol "
	      "(EAFNOSUPPORT); is IPv6 disabled on this host?");
}

TEST_CASE("messages: the kernel's message is the reason", "[messages]")
{
	CHECK(msg(Op::listener_add, EINVAL, add_ctx("0.0.0.0:80", "http"),
		  "handler 'http' rejected its configuration") ==
	      "cannot add a listener on 0.0.0.0:80: handler 'http' rejected its configuration "
	      "(EINVAL)");
	CHECK(msg(Op::listener_add, EINVAL, add_ctx("0.0.0.0:80")) ==
	      "cannot add a listener on 0.0.0.0:80: Invalid argument (EINVAL)");
	CHECK(msg(Op::listener_add, ENOMEM, add_ctx("0.0.0.0:80")) ==
	      "cannot add a listener on 0.0.0.0:80: Cannot allocate memory (ENOMEM)");
	CHECK(msg(Op::listener_add, 4095, add_ctx("0.0.0.0:80")) ==
	      "cannot add a listener on 0.0.0.0:80: Unknown error 4095 (errno 4095)");
}

TEST_CASE("messages: listener ids", "[messages]")
{
	CHECK(msg(Op::listener_del, ENOENT, id_ctx(9)) ==
	      "cannot delete listener 9: no listener with id 9 in this network namespace "
	      "(ENOENT); see: syncsockctl listener list");
	CHECK(msg(Op::listener_get, ENOENT, id_ctx(9)) ==
	      "cannot read listener 9: no listener with id 9 in this network namespace (ENOENT); "
	      "see: syncsockctl listener list");
	CHECK(msg(Op::stats, ENOENT, id_ctx(9)) ==
	      "cannot read the counters of listener 9: no listener with id 9 in this network "
	      "namespace (ENOENT); see: syncsockctl listener list");
	CHECK(msg(Op::pair_list, ENOENT, id_ctx(9)) ==
	      "cannot list the pairs of listener 9: no listener with id 9 in this network "
	      "namespace (ENOENT); see: syncsockctl listener list");
}

TEST_CASE("messages: pair list", "[messages]")
{
	CHECK(msg(Op::pair_list, ENOTTY, id_ctx(0)) ==
	      "cannot list the pairs: the module does not know this request (ENOTTY); is the "
	      "module older than syncsockctl? compare: syncsockctl version");
	CHECK(msg(Op::pair_list, ENOSPC, id_ctx(0),
		  "there are 70000, more than the module lists at once (65536)") ==
	      "cannot list the pairs: there are 70000, more than the module lists at once (65536) "
	      "(ENOSPC); list them one listener at a time: syncsockctl pair list listener ID");
	CHECK(msg(Op::pair_list, ENOSPC, id_ctx(4),
		  "there are 70000, more than the module lists at once (65536)") ==
	      "cannot list the pairs of listener 4: there are 70000, more than the module lists "
	      "at once (65536) (ENOSPC)");
	CHECK(msg(Op::pair_list, EPROTO, id_ctx(0), "the module reported address family 99") ==
	      "cannot list the pairs: the module reported address family 99 (EPROTO)");
}

TEST_CASE("messages: other requests", "[messages]")
{
	CHECK(msg(Op::stats, EFAULT, id_ctx(0)) ==
	      "cannot read the module's counters: Bad address (EFAULT)");
	CHECK(msg(Op::listener_list, ENOTTY, {}) ==
	      "cannot list the listeners: the module does not know this request (ENOTTY); is the "
	      "module older than syncsockctl? compare: syncsockctl version");
	CHECK(msg(Op::handler_list, EAGAIN, {}, "the list kept growing while it was read") ==
	      "cannot list the handlers: the list kept growing while it was read (EAGAIN)");
}

TEST_CASE("messages: errno names", "[messages]")
{
	CHECK(errno_name(EADDRINUSE) == "EADDRINUSE");
	CHECK(errno_name(ENOSPC) == "ENOSPC");
	CHECK(errno_name(0x7fff) == "errno 32767");
}
