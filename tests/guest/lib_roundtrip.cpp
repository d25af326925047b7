// SPDX-License-Identifier: GPL-2.0
//
// libsyncsock against the real module: every operation of syncsock::Device,
// IPv4 and IPv6, the kernel's messages carried in errors, and counters that
// match what a client did.  Needs syncsock loaded and root.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include <syncsock/syncsock.hpp>

using namespace syncsock;

namespace {

Device open_device()
{
	auto dev = Device::open();
	INFO((dev ? std::string() : dev.error().message));
	REQUIRE(dev);
	return std::move(*dev);
}

ListenerConfig config(const char *addr, const char *handler = "echo")
{
	auto a = parse_address(addr);
	REQUIRE(a);
	ListenerConfig c;
	c.address = *a;
	c.handler = handler;
	return c;
}

std::uint64_t counter(const Stats &s, const std::string &name)
{
	auto it = std::find(s.names.begin(), s.names.end(), name);
	REQUIRE(it != s.names.end());
	return s.sum[it - s.names.begin()];
}

// One echo exchange of @n bytes over IPv4 or IPv6 loopback.
void exchange(bool v6, std::uint16_t port, std::size_t n)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	sockaddr_storage ss{};
	socklen_t len;
	if (v6) {
		auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&ss), len) == 0);
	std::string out(n, 'q'), in(n, 0);
	REQUIRE(write(fd, out.data(), n) == static_cast<ssize_t>(n));
	std::size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, in.data() + got, n - got);
		REQUIRE(r > 0);
		got += r;
	}
	CHECK(in == out);
	close(fd);
}

} // namespace

TEST_CASE("library: version and handlers")
{
	auto dev = open_device();
	auto v = dev.version();
	REQUIRE(v);
	CHECK(v->abi_version == library_abi_version());
	CHECK(v->module_version == "0.1");
	CHECK(v->nr_cpu_ids >= 1);
	auto hs = dev.handler_list();
	REQUIRE(hs);
	bool echo = false, discard = false;
	for (auto &h : *hs) {
		echo |= h.name == "echo";
		discard |= h.name == "discard";
	}
	CHECK(echo);
	CHECK(discard);
}

TEST_CASE("library: add, list, get, serve, count, delete (IPv4 and IPv6)")
{
	auto dev = open_device();
	auto c4 = config("127.0.0.1:7410");
	c4.max_conns = 10;
	auto id4 = dev.listener_add(c4);
	REQUIRE(id4);
	auto c6 = config("[::1]:7410");
	c6.v6only = true;
	auto id6 = dev.listener_add(c6);
	REQUIRE(id6);

	auto list = dev.listener_list();
	REQUIRE(list);
	REQUIRE(list->size() == 2);
	auto info = dev.listener_get(*id6);
	REQUIRE(info);
	CHECK(info->address.to_string() == "[::1]:7410");
	CHECK(info->v6only);
	CHECK(info->handler == "echo");
	CHECK(dev.listener_get(*id4)->max_conns == 10);

	for (int i = 0; i < 3; i++)
		exchange(false, 7410, 100);
	exchange(true, 7410, 5000);

	// Connections are released by work: wait until they are counted closed.
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	Result<Stats> s4 = dev.stats(*id4, true);
	while (s4 && counter(*s4, "closed") < 3 && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		s4 = dev.stats(*id4, true);
	}
	REQUIRE(s4);
	CHECK(counter(*s4, "accepted") == 3);
	CHECK(counter(*s4, "closed") == 3);
	CHECK(counter(*s4, "closed_peer_fin") == 3);
	CHECK(counter(*s4, "rx_bytes") == 300);
	CHECK(counter(*s4, "tx_inline_bytes") + counter(*s4, "tx_queued_bytes") == 300);
	REQUIRE(!s4->cpus.empty());
	std::uint64_t sum = 0;
	auto idx = std::find(s4->names.begin(), s4->names.end(), "rx_bytes") - s4->names.begin();
	for (auto &cpu : s4->cpus)
		sum += cpu[idx];
	CHECK(sum == 300);
	auto s6 = dev.stats(*id6, false);
	REQUIRE(s6);
	CHECK(counter(*s6, "rx_bytes") == 5000);

	auto mod = dev.stats(kModuleStats, false);
	REQUIRE(mod);
	CHECK(counter(*mod, "rx_bytes") >= 5300);

	REQUIRE(dev.listener_del(*id4, false));
	REQUIRE(dev.listener_del(*id6, true));
	auto gone = dev.listener_get(*id4);
	REQUIRE_FALSE(gone);
	CHECK(gone.error().value() == ENOENT);
}

TEST_CASE("library: errors carry the errno and the kernel's message")
{
	auto dev = open_device();
	auto bad = dev.listener_add(config("127.0.0.1:7411", "no-such-handler"));
	REQUIRE_FALSE(bad);
	CHECK(bad.error().value() == ENOENT);
	CHECK(bad.error().message.find("no-such-handler") != std::string::npos);

	auto id = dev.listener_add(config("127.0.0.1:7411"));
	REQUIRE(id);
	auto dup = dev.listener_add(config("127.0.0.1:7411"));
	REQUIRE_FALSE(dup);
	CHECK(dup.error().value() == EADDRINUSE);

	auto remote = dev.listener_add(config("192.0.2.7:7411"));
	REQUIRE_FALSE(remote);
	CHECK(remote.error().value() == EADDRNOTAVAIL);
	CHECK(remote.error().message.find("freebind") != std::string::npos);

	// discard takes none (echo does: its framing).
	auto cfg = config("127.0.0.1:7412", "discard");
	cfg.config = "anything";
	auto noconf = dev.listener_add(cfg);
	REQUIRE_FALSE(noconf);
	INFO("the module said: " << noconf.error().message);
	CHECK(noconf.error().value() == EINVAL);
	CHECK(noconf.error().message.find("takes no configuration") != std::string::npos);

	REQUIRE(dev.listener_del(*id, false));
	auto again = dev.listener_del(*id, false);
	REQUIRE_FALSE(again);
	CHECK(again.error().value() == ENOENT);
}
