// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for handler listeners: add one through libsyncsock
// (handler, configuration string, send-queue limit, close, idle, message and
// user timeouts), look a handler up in the module's handler list, and wait
// on a listener's counters (connections closed; everything settled once the
// peers are gone).
//
// Like ssk_control.hpp: no Catch2 macros, std::runtime_error on the
// unexpected.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include <syncsock/syncsock.hpp>

#include "ssk_control.hpp"

namespace syncsock::test {

inline syncsock::Device open_device()
{
	auto dev = syncsock::Device::open();
	if (!dev)
		fail("open /dev/syncsock: " + dev.error().message);
	return std::move(*dev);
}

struct HandlerListener {
	std::string handler = {};
	std::uint16_t port = 0;
	std::string config = {};
	std::string ip = "127.0.0.1";
	std::uint32_t txq_limit = 0;		// 0: the module's default
	std::uint32_t close_timeout_ms = 0;	// 0: the module's default
	// 0: the module's default; syncsock::kTimeoutOff: never.
	std::uint32_t idle_timeout_ms = 0;
	std::uint32_t msg_timeout_ms = 0;
	std::uint32_t user_timeout_ms = 0;
};

// Add a listener; return its id.  Throws with the module's message.
inline unsigned add_handler_listener(syncsock::Device &dev, const HandlerListener &l)
{
	auto a = syncsock::parse_address(l.ip, l.port);
	if (!a)
		fail("parse_address " + l.ip + ": " + a.error().message);
	syncsock::ListenerConfig c;
	c.address = *a;
	c.handler = l.handler;
	c.config = l.config;
	c.txq_limit = l.txq_limit;
	c.close_timeout_ms = l.close_timeout_ms;
	c.idle_timeout_ms = l.idle_timeout_ms;
	c.msg_timeout_ms = l.msg_timeout_ms;
	c.user_timeout_ms = l.user_timeout_ms;
	auto id = dev.listener_add(c);
	if (!id)
		fail("listener add " + l.handler + " on " + l.ip + ":" + std::to_string(l.port) +
		     " config '" + l.config + "': " + id.error().message);
	return *id;
}

// The entry of @name in the handler list, if it is registered.
inline std::optional<syncsock::HandlerInfo> find_handler(syncsock::Device &dev,
							 const std::string &name)
{
	auto hs = dev.handler_list();
	if (!hs)
		fail("handler list: " + hs.error().message);
	for (auto &h : *hs)
		if (h.name == name)
			return h;
	return std::nullopt;
}

// Listeners in this namespace, through the device.
inline std::size_t nr_listeners(syncsock::Device &dev)
{
	auto list = dev.listener_list();
	if (!list)
		fail("listener list: " + list.error().message);
	return list->size();
}

// One counter of listener @id now.
inline std::uint64_t ctr(unsigned id, const std::string &name)
{
	return ssk::get(ssk::stats(id), name);
}

// Wait until listener @id counted at least @n connections closed.
inline bool wait_closed(unsigned id, std::uint64_t n,
			std::chrono::milliseconds t = std::chrono::seconds(20))
{
	return wait_for([&] { return ctr(id, "closed") >= n; }, t);
}

// Bytes listener @id holds in its send queues now.
inline std::uint64_t queued_now(unsigned id)
{
	auto st = ssk::stats(id);
	return ssk::get(st, "tx_queued_bytes") - ssk::get(st, "tx_flushed_bytes");
}

// Listener @id's counters once it has no connection left, every accepted
// one is closed, and app0/app1 stopped moving (a tool that exits does not
// wait for the kernel to finish reading what it sent).
inline ssk::Counters settled(unsigned id, std::chrono::milliseconds t = std::chrono::seconds(20))
{
	auto cur = ssk::stats(id);
	auto same_app = [](const ssk::Counters &a, const ssk::Counters &b) {
		return ssk::get(a, "app0") == ssk::get(b, "app0") &&
		       ssk::get(a, "app1") == ssk::get(b, "app1");
	};
	wait_for(
		[&] {
			auto prev = cur;
			cur = ssk::stats(id);
			return ssk::conns(id) == 0 &&
			       ssk::get(cur, "closed") == ssk::get(cur, "accepted") &&
			       same_app(prev, cur);
		},
		t, std::chrono::milliseconds(200));
	return cur;
}

} // namespace syncsock::test
