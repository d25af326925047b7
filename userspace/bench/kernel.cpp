// SPDX-License-Identifier: GPL-2.0
#include "kernel.hpp"

namespace ssb {

std::unique_ptr<KernelControl> KernelControl::open(const std::string &device, std::string &error)
{
	auto dev = syncsock::Device::open(device);
	if (!dev) {
		syncsock::ErrorContext ctx;
		ctx.device = device;
		ctx.program = "syncsock-bench";
		error = syncsock::error_message(syncsock::Operation::open, dev.error(), ctx);
		return nullptr;
	}
	std::unique_ptr<KernelControl> k(new KernelControl(std::move(*dev)));
	if (auto v = k->dev_.version())
		k->version_ = v->module_version;
	return k;
}

KernelControl::~KernelControl()
{
	for (auto id : added_)
		(void)dev_.listener_del(id, true);
}

std::uint32_t KernelControl::ensure(const std::string &host, std::uint16_t port,
				    const std::string &handler, const std::string &config,
				    std::string &error, bool *added)
{
	auto addr = syncsock::parse_address(host, port);
	if (!addr) {
		error = addr.error().message;
		return 0;
	}
	if (added)
		*added = false;
	if (auto list = dev_.listener_list()) {
		for (auto &l : *list) {
			if (l.address == *addr && l.state == syncsock::ListenerState::listening) {
				if (l.handler != handler) {
					error = "the listener on " + addr->to_string() + " serves '" +
						l.handler + "', not '" + handler + "'";
					return 0;
				}
				return l.id;
			}
		}
	}
	syncsock::ListenerConfig cfg;
	cfg.address = *addr;
	cfg.handler = handler;
	cfg.config = config;
	cfg.backlog = 4096;
	cfg.max_conns = 1000000;	// the most a listener takes: --memory holds 100,000
	auto id = dev_.listener_add(cfg);
	if (!id) {
		syncsock::ErrorContext ctx;
		ctx.address = *addr;
		ctx.handler = handler;
		ctx.program = "syncsock-bench";
		error = syncsock::error_message(syncsock::Operation::listener_add, id.error(), ctx);
		return 0;
	}
	added_.push_back(*id);
	if (added)
		*added = true;
	return *id;
}

std::map<std::string, std::uint64_t> KernelControl::counters(std::uint32_t id)
{
	std::map<std::string, std::uint64_t> m;
	auto s = dev_.stats(id, false);
	if (!s)
		return m;
	for (std::size_t i = 0; i < s->names.size() && i < s->sum.size(); i++)
		m[s->names[i]] = s->sum[i];
	return m;
}

unsigned KernelControl::nr_conns(std::uint32_t id)
{
	auto l = dev_.listener_get(id);
	return l ? l->nr_conns : 0;
}

} // namespace ssb
