// SPDX-License-Identifier: GPL-2.0
//
// libsyncsock's Device against a kernel emulated in user space: what it
// puts in the ioctl structures and how it reads the answers (growing the
// list buffers on ENOSPC, counters of an older or newer module, the kernel's
// error message).  The emulation follows module/control.c.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <sys/socket.h>

#include <linux/syncsock.h>
#include <syncsock/syncsock.hpp>

using namespace syncsock;

namespace {

template <typename T>
T *ptr(std::uint64_t p)
{
	return reinterpret_cast<T *>(static_cast<std::uintptr_t>(p));
}

struct FakeKernel {
	std::uint32_t abi = SYNCSOCK_ABI_VERSION;
	std::uint32_t nr_stats = SYNCSOCK_STAT_MAX;
	std::uint32_t nr_close_reasons = SYNCSOCK_CLOSE_REASONS;
	std::uint32_t close_base = SYNCSOCK_STAT_CLOSE_BASE;
	std::uint32_t nr_cpu_ids = 4;
	std::vector<syncsock_listener_info> listeners;
	std::vector<syncsock_handler_info> handlers;
	std::vector<syncsock_pair_info> pairs;

	// Entries a list writes at most (SYNCSOCK_LIST_MAX).
	std::uint32_t list_max = 65536;

	// Each PAIR_LIST as it came in; run before it is answered.
	std::vector<syncsock_pair_list> pair_requests;
	std::function<void()> on_pair_list;

	// The next LISTENER_ADD fails with this errno and message.
	int add_errno = 0;
	std::string add_message;

	// What the last LISTENER_ADD carried.
	syncsock_listener_add last_add{};
	std::string last_config;
	bool last_config_null = true;

	int calls = 0;
	int list_calls = 0;
	int stats_calls = 0;
	std::uint32_t next_id = 1;

	// Counter i of CPU c is 1000 * (c + 1) + i; the sum is over CPUs.
	std::uint64_t value(std::uint32_t cpu, std::uint32_t i) const { return 1000 * (cpu + 1) + i; }

	int operator()(unsigned long request, void *arg)
	{
		calls++;
		switch (request) {
		case SYNCSOCK_IOC_VERSION: {
			auto *v = static_cast<syncsock_version *>(arg);
			std::memset(v, 0, sizeof(*v));
			v->abi_version = abi;
			v->nr_stats = nr_stats;
			v->nr_close_reasons = nr_close_reasons;
			v->close_base = close_base;
			v->nr_cpu_ids = nr_cpu_ids;
			std::strcpy(v->module_version, "0.1-test");
			return 0;
		}
		case SYNCSOCK_IOC_LISTENER_ADD: {
			auto *req = static_cast<syncsock_listener_add *>(arg);
			last_add = *req;
			last_config_null = !req->config;
			last_config = req->config ? ptr<const char>(req->config) : "";
			for (auto r : req->reserved)
				if (r)
					return EINVAL;
			if (add_errno) {
				if (req->err && req->err_len)
					std::snprintf(ptr<char>(req->err), req->err_len, "%s",
						      add_message.c_str());
				return add_errno;
			}
			syncsock_listener_info info{};
			info.id = req->id = next_id++;
			info.state = SYNCSOCK_STATE_LISTENING;
			info.addr = req->addr;
			info.flags = req->flags;
			// As the module: 0 is its default, what GET reports is in effect.
			info.idle_timeout_ms = req->idle_timeout_ms ? req->idle_timeout_ms : 300000;
			info.msg_timeout_ms = req->msg_timeout_ms ? req->msg_timeout_ms : 30000;
			info.user_timeout_ms = req->user_timeout_ms ? req->user_timeout_ms : 60000;
			std::memcpy(info.handler, req->handler, sizeof(info.handler));
			listeners.push_back(info);
			return 0;
		}
		case SYNCSOCK_IOC_LISTENER_DEL: {
			auto *req = static_cast<syncsock_listener_del *>(arg);
			for (auto it = listeners.begin(); it != listeners.end(); ++it)
				if (it->id == req->id) {
					listeners.erase(it);
					return 0;
				}
			return ENOENT;
		}
		case SYNCSOCK_IOC_LISTENER_GET: {
			auto *req = static_cast<syncsock_listener_info *>(arg);
			for (const auto &l : listeners)
				if (l.id == req->id) {
					*req = l;
					return 0;
				}
			return ENOENT;
		}
		case SYNCSOCK_IOC_LISTENER_LIST:
			list_calls++;
			return list(*static_cast<syncsock_listener_list *>(arg), listeners);
		case SYNCSOCK_IOC_HANDLER_LIST:
			list_calls++;
			return list(*static_cast<syncsock_handler_list *>(arg), handlers);
		case SYNCSOCK_IOC_STATS_GET:
			return stats(*static_cast<syncsock_stats_get *>(arg));
		case SYNCSOCK_IOC_PAIR_LIST:
			list_calls++;
			return pair_list(*static_cast<syncsock_pair_list *>(arg));
		}
		return ENOTTY;
	}

	template <typename Req, typename Entry>
	int list(Req &req, const std::vector<Entry> &all)
	{
		std::uint32_t n = std::min<std::uint32_t>({req.count, list_max,
							   static_cast<std::uint32_t>(all.size())});
		std::memcpy(ptr<Entry>(req.entries), all.data(), n * sizeof(Entry));
		req.count = n;
		req.total = all.size();
		return all.size() > n ? ENOSPC : 0;
	}

	// One listener's pairs (ENOENT if there is no such listener), or
	// every listener's.
	int pair_list(syncsock_pair_list &req)
	{
		pair_requests.push_back(req);
		if (on_pair_list)
			on_pair_list();
		if (req.reserved0 || req.reserved[0] || req.reserved[1])
			return EINVAL;
		if (req.id) {
			bool found = false;
			for (const auto &l : listeners)
				found |= l.id == req.id;
			if (!found)
				return ENOENT;
		}
		std::vector<syncsock_pair_info> mine;
		for (const auto &p : pairs)
			if (!req.id || p.listener == req.id)
				mine.push_back(p);
		return list(req, mine);
	}

	int stats(syncsock_stats_get &req)
	{
		stats_calls++;
		if (!req.nr_stats || (req.flags & ~SYNCSOCK_STATS_F_ALL))
			return EINVAL;
		std::uint32_t rows = 1 + ((req.flags & SYNCSOCK_STATS_F_PER_CPU) ? nr_cpu_ids : 0);
		if (req.nr_rows < rows) {
			req.nr_rows = rows;
			return ENOSPC;
		}
		if (req.id) {
			bool found = false;
			for (const auto &l : listeners)
				found |= l.id == req.id;
			if (!found)
				return ENOENT;
		}
		req.nr_stats = std::min(req.nr_stats, nr_stats);
		auto *out = ptr<std::uint64_t>(req.values);
		for (std::uint32_t row = 0; row < rows; row++)
			for (std::uint32_t i = 0; i < req.nr_stats; i++) {
				std::uint64_t v = 0;
				if (row == 0)
					for (std::uint32_t c = 0; c < nr_cpu_ids; c++)
						v += value(c, i);
				else
					v = value(row - 1, i);
				out[row * req.nr_stats + i] = v;
			}
		req.nr_rows = rows;
		return 0;
	}
};

Device attach(FakeKernel &k)
{
	auto d = Device::attach([&k](unsigned long r, void *a) { return k(r, a); });
	REQUIRE(d);
	return std::move(*d);
}

syncsock_listener_info info(std::uint32_t id, const char *handler)
{
	syncsock_listener_info l{};
	l.id = id;
	l.state = SYNCSOCK_STATE_LISTENING;
	l.addr.family = AF_INET;
	l.addr.port = 7;
	l.addr.addr[0] = 10;
	l.addr.addr[3] = id;
	std::strcpy(l.handler, handler);
	return l;
}

// Pair @n of listener @listener: client 192.0.2.<n>:<40000 + n> on
// 10.0.0.<listener>:80, forwarded from 10.0.0.<listener>:<50000 + n> to
// [2001:db8::9]:8080.
syncsock_pair_info pair_info(std::uint32_t listener, std::uint32_t n)
{
	syncsock_pair_info p{};
	p.listener = listener;
	p.client.family = AF_INET;
	p.client.port = 40000 + n;
	p.client.addr[0] = 192;
	p.client.addr[2] = 2;
	p.client.addr[3] = n;
	p.local.family = AF_INET;
	p.local.port = 80;
	p.local.addr[0] = 10;
	p.local.addr[3] = listener;
	p.source = p.local;
	p.source.port = 50000 + n;
	p.backend.family = AF_INET6;
	p.backend.port = 8080;
	p.backend.addr[0] = 0x20;
	p.backend.addr[1] = 0x01;
	p.backend.addr[2] = 0x0d;
	p.backend.addr[3] = 0xb8;
	p.backend.addr[15] = 9;
	p.up_queued = n;
	p.down_queued = 2 * n;
	return p;
}

} // namespace

TEST_CASE("device: version is asked once, at attach", "[device]")
{
	FakeKernel k;
	k.nr_cpu_ids = 3;
	auto dev = attach(k);
	auto v = dev.version();
	REQUIRE(v);
	CHECK(*v == VersionInfo{SYNCSOCK_ABI_VERSION, SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS, 3,
				SYNCSOCK_STAT_CLOSE_BASE, "0.1-test"});
	CHECK(k.calls == 1);
}

TEST_CASE("device: a module that does not report close_base has its close block last",
	  "[device]")
{
	FakeKernel k;
	k.close_base = 0;
	k.nr_stats = 20;
	k.nr_close_reasons = 3;
	auto dev = attach(k);
	REQUIRE(dev.version()->close_base == 17);
	auto s = dev.stats(kModuleStats, false);
	REQUIRE(s);
	CHECK(s->names[16] == "work_runs");
	CHECK(s->names[17] == "closed_peer_fin");
	CHECK(s->names[19] == "closed_error");
}

TEST_CASE("device: something that is not syncsock", "[device]")
{
	auto d = Device::attach([](unsigned long, void *) { return ENOTTY; });
	REQUIRE_FALSE(d);
	CHECK(d.error().value() == ENOTTY);
	CHECK_THAT(d.error().message, Catch::Contains("does not answer syncsock's requests"));
}

TEST_CASE("device: open of a missing node reports ENOENT", "[device]")
{
	auto d = Device::open("/nonexistent/syncsock");
	REQUIRE_FALSE(d);
	CHECK(d.error().value() == ENOENT);
}

TEST_CASE("device: a real node that is not syncsock answers ENOTTY", "[device]")
{
	auto d = Device::open("/dev/null");
	REQUIRE_FALSE(d);
	CHECK(d.error().value() == ENOTTY);
	CHECK_THAT(d.error().message, Catch::Contains("not the syncsock control device?"));
}

TEST_CASE("device: listener_add fills the request", "[device]")
{
	FakeKernel k;
	auto dev = attach(k);
	ListenerConfig cfg;
	cfg.address = *parse_address("[2001:db8::5%9]:8080");
	cfg.handler = "echo";
	cfg.config = "greeting=hi";
	cfg.backlog = 10;
	cfg.max_conns = 20;
	cfg.txq_limit = 30;
	cfg.close_timeout_ms = 40;
	cfg.idle_timeout_ms = 50;
	cfg.msg_timeout_ms = 60;
	cfg.user_timeout_ms = kTimeoutOff;
	cfg.freebind = true;
	cfg.v6only = true;

	auto id = dev.listener_add(cfg);
	REQUIRE(id);
	CHECK(*id == 1);
	const auto &r = k.last_add;
	CHECK(r.addr.family == AF_INET6);
	CHECK(r.addr.port == 8080);
	CHECK(r.addr.scope_id == 9);
	CHECK(r.addr.addr[0] == 0x20);
	CHECK(r.addr.addr[15] == 5);
	CHECK(r.flags == (SYNCSOCK_LISTENER_F_FREEBIND | SYNCSOCK_LISTENER_F_V6ONLY));
	CHECK(r.backlog == 10);
	CHECK(r.max_conns == 20);
	CHECK(r.txq_limit == 30);
	CHECK(r.close_timeout_ms == 40);
	CHECK(r.idle_timeout_ms == 50);
	CHECK(r.msg_timeout_ms == 60);
	CHECK(r.user_timeout_ms == SYNCSOCK_TIMEOUT_OFF);
	CHECK(std::string(r.handler) == "echo");
	CHECK(k.last_config == "greeting=hi");
	CHECK(r.err != 0);
	CHECK(r.err_len == SYNCSOCK_ERR_MAX);
}

TEST_CASE("device: listener_add of IPv4 zeroes the rest, no config passes 0", "[device]")
{
	FakeKernel k;
	auto dev = attach(k);
	ListenerConfig cfg;
	cfg.address = *parse_address("192.0.2.1:80");
	cfg.address.scope_id = 5;	// not for IPv4: dropped
	cfg.handler = "discard";
	REQUIRE(dev.listener_add(cfg));
	const auto &r = k.last_add;
	CHECK(r.addr.family == AF_INET);
	CHECK(r.addr.scope_id == 0);
	for (int i = 4; i < 16; i++)
		CHECK(r.addr.addr[i] == 0);
	CHECK(r.flags == 0);
	CHECK(r.backlog == 0);
	CHECK(r.idle_timeout_ms == 0);
	CHECK(r.msg_timeout_ms == 0);
	CHECK(r.user_timeout_ms == 0);
	CHECK(k.last_config_null);
}

TEST_CASE("device: the timeouts go in, and come back as in effect", "[device]")
{
	FakeKernel k;
	auto dev = attach(k);
	ListenerConfig cfg;
	cfg.address = *parse_address("127.0.0.1:7");
	cfg.handler = "sockperf";
	cfg.idle_timeout_ms = kTimeoutOff;
	cfg.user_timeout_ms = SYNCSOCK_TIMEOUT_MAX_MS;
	auto id = dev.listener_add(cfg);
	REQUIRE(id);

	auto g = dev.listener_get(*id);
	REQUIRE(g);
	CHECK(g->idle_timeout_ms == kTimeoutOff);
	CHECK(g->msg_timeout_ms == 30000);	// 0 asked for the default
	CHECK(g->user_timeout_ms == SYNCSOCK_TIMEOUT_MAX_MS);
	auto ls = dev.listener_list();
	REQUIRE(ls);
	REQUIRE(ls->size() == 1);
	CHECK((*ls)[0] == *g);
}

TEST_CASE("device: listener_add returns the kernel's message", "[device]")
{
	FakeKernel k;
	k.add_errno = EINVAL;
	k.add_message = "handler 'http' rejected its configuration: unknown key 'x'";
	auto dev = attach(k);
	ListenerConfig cfg;
	cfg.address = *parse_address("0.0.0.0:80");
	cfg.handler = "http";
	cfg.config = "x=1";
	auto id = dev.listener_add(cfg);
	REQUIRE_FALSE(id);
	CHECK(id.error().value() == EINVAL);
	CHECK(id.error().code.category() == std::system_category());
	CHECK(id.error().message == k.add_message);

	k.add_errno = EADDRINUSE;
	k.add_message = "";
	id = dev.listener_add(cfg);
	REQUIRE_FALSE(id);
	CHECK(id.error().value() == EADDRINUSE);
	CHECK(id.error().message.empty());
}

TEST_CASE("device: listener_add refuses what cannot be encoded", "[device]")
{
	FakeKernel k;
	auto dev = attach(k);
	ListenerConfig cfg;
	cfg.address = *parse_address("0.0.0.0:80");

	auto r = dev.listener_add(cfg);
	REQUIRE_FALSE(r);
	CHECK(r.error().message == "no handler name");

	cfg.handler = std::string(32, 'h');
	r = dev.listener_add(cfg);
	REQUIRE_FALSE(r);
	CHECK_THAT(r.error().message, Catch::Contains("is longer than 31 bytes"));

	cfg.handler = std::string(31, 'h');
	cfg.config = std::string(1024, 'c');
	r = dev.listener_add(cfg);
	REQUIRE_FALSE(r);
	CHECK_THAT(r.error().message, Catch::Contains("at most 1023 are allowed"));

	cfg.config = std::string("a\0b", 3);
	r = dev.listener_add(cfg);
	REQUIRE_FALSE(r);
	CHECK(r.error().message == "the configuration contains a NUL byte");

	cfg.config.clear();
	cfg.v6only = true;
	r = dev.listener_add(cfg);
	REQUIRE_FALSE(r);
	CHECK(r.error().message == "v6only is for IPv6 addresses");

	CHECK(k.calls == 1);	// only the version: nothing reached the kernel
	cfg.v6only = false;
	REQUIRE(dev.listener_add(cfg));
}

TEST_CASE("device: listener_list grows its buffer on ENOSPC", "[device]")
{
	FakeKernel k;
	for (std::uint32_t i = 1; i <= 100; i++)
		k.listeners.push_back(info(i, i % 2 ? "echo" : "discard"));
	auto dev = attach(k);
	auto ls = dev.listener_list();
	REQUIRE(ls);
	REQUIRE(ls->size() == 100);
	CHECK(k.list_calls == 2);
	CHECK((*ls)[0].id == 1);
	CHECK((*ls)[0].handler == "echo");
	CHECK((*ls)[0].address.to_string() == "10.0.0.1:7");
	CHECK((*ls)[99].id == 100);
	CHECK((*ls)[99].handler == "discard");
}

TEST_CASE("device: empty and short lists take one call", "[device]")
{
	FakeKernel k;
	auto dev = attach(k);
	auto ls = dev.listener_list();
	REQUIRE(ls);
	CHECK(ls->empty());
	syncsock_handler_info h{};
	std::strcpy(h.name, "echo");
	std::strcpy(h.module, "syncsock");
	h.nr_listeners = 2;
	k.handlers.push_back(h);
	auto hs = dev.handler_list();
	REQUIRE(hs);
	REQUIRE(hs->size() == 1);
	CHECK((*hs)[0] == HandlerInfo{"echo", "syncsock", 2});
	CHECK(k.list_calls == 2);
}

TEST_CASE("device: names the kernel did not terminate are cut at the field", "[device]")
{
	FakeKernel k;
	syncsock_handler_info h{};
	std::memset(h.name, 'n', sizeof(h.name));
	std::memset(h.module, 'm', sizeof(h.module));
	k.handlers.push_back(h);
	auto dev = attach(k);
	auto hs = dev.handler_list();
	REQUIRE(hs);
	CHECK((*hs)[0].name == std::string(SYNCSOCK_NAME_MAX, 'n'));
	CHECK((*hs)[0].module == std::string(SYNCSOCK_MODULE_NAME_MAX, 'm'));
}

TEST_CASE("device: listener_get and listener_del", "[device]")
{
	FakeKernel k;
	auto l = info(4, "echo");
	l.state = SYNCSOCK_STATE_DRAINING;
	l.flags = SYNCSOCK_LISTENER_F_FREEBIND;
	l.backlog = 128;
	l.max_conns = 65536;
	l.txq_limit = 262144;
	l.close_timeout_ms = 5000;
	l.nr_conns = 3;
	l.idle_timeout_ms = 300000;
	l.msg_timeout_ms = SYNCSOCK_TIMEOUT_OFF;
	l.user_timeout_ms = 1;
	k.listeners.push_back(l);
	auto dev = attach(k);

	auto g = dev.listener_get(4);
	REQUIRE(g);
	CHECK(g->id == 4);
	CHECK(g->state == ListenerState::draining);
	CHECK(g->freebind);
	CHECK_FALSE(g->v6only);
	CHECK(g->backlog == 128);
	CHECK(g->max_conns == 65536);
	CHECK(g->txq_limit == 262144);
	CHECK(g->close_timeout_ms == 5000);
	CHECK(g->nr_conns == 3);
	CHECK(g->idle_timeout_ms == 300000);
	CHECK(g->msg_timeout_ms == kTimeoutOff);
	CHECK(g->user_timeout_ms == 1);

	auto missing = dev.listener_get(5);
	REQUIRE_FALSE(missing);
	CHECK(missing.error().value() == ENOENT);

	REQUIRE(dev.listener_del(4, true));
	auto again = dev.listener_del(4, false);
	REQUIRE_FALSE(again);
	CHECK(again.error().value() == ENOENT);
}

TEST_CASE("device: an unknown address family is a protocol error", "[device]")
{
	FakeKernel k;
	auto l = info(1, "echo");
	l.addr.family = 99;
	k.listeners.push_back(l);
	auto dev = attach(k);
	auto ls = dev.listener_list();
	REQUIRE_FALSE(ls);
	CHECK(ls.error().value() == EPROTO);
}

TEST_CASE("device: stats sum and per-CPU rows", "[device]")
{
	FakeKernel k;
	k.nr_cpu_ids = 2;
	k.listeners.push_back(info(1, "echo"));
	auto dev = attach(k);

	auto s = dev.stats(kModuleStats, false);
	REQUIRE(s);
	REQUIRE(s->names.size() == SYNCSOCK_STAT_MAX);
	REQUIRE(s->sum.size() == SYNCSOCK_STAT_MAX);
	CHECK(s->cpus.empty());
	CHECK(s->names[0] == "accepted");
	CHECK(s->sum[0] == 1000 + 2000);
	CHECK(s->sum[5] == 1005 + 2005);

	auto p = dev.stats(1, true);
	REQUIRE(p);
	REQUIRE(p->cpus.size() == 2);
	CHECK(p->cpus[0][3] == 1003);
	CHECK(p->cpus[1][3] == 2003);
	CHECK(p->cpus[1][SYNCSOCK_STAT_MAX - 1] == 2000 + SYNCSOCK_STAT_MAX - 1);

	auto none = dev.stats(9, false);
	REQUIRE_FALSE(none);
	CHECK(none.error().value() == ENOENT);
}

TEST_CASE("device: stats of an older module: what both know", "[device]")
{
	FakeKernel k;
	k.nr_close_reasons = 10;
	k.nr_stats = SYNCSOCK_STAT_CLOSE_BASE + 10;
	k.nr_cpu_ids = 1;
	auto dev = attach(k);
	auto s = dev.stats(kModuleStats, true);
	REQUIRE(s);
	REQUIRE(s->names.size() == k.nr_stats);
	REQUIRE(s->sum.size() == k.nr_stats);
	REQUIRE(s->cpus.size() == 1);
	REQUIRE(s->cpus[0].size() == k.nr_stats);
	CHECK(s->names.back() == "closed_unload");
	CHECK(s->sum.back() == 1000 + k.nr_stats - 1);
}

TEST_CASE("device: stats of a newer module: unknown counters by number", "[device]")
{
	FakeKernel k;
	k.nr_close_reasons = SYNCSOCK_CLOSE_REASONS + 1;
	k.nr_stats = SYNCSOCK_STAT_MAX + 3;
	k.nr_cpu_ids = 2;
	auto dev = attach(k);
	auto s = dev.stats(kModuleStats, true);
	REQUIRE(s);
	REQUIRE(s->names.size() == SYNCSOCK_STAT_MAX + 3);
	CHECK(s->names[SYNCSOCK_STAT_MAX - 2] == "closed_connect_failed");
	CHECK(s->names[SYNCSOCK_STAT_MAX - 1] == "closed_pair");
	CHECK(s->names[SYNCSOCK_STAT_MAX] == "stat_" + std::to_string(SYNCSOCK_STAT_MAX));
	CHECK(s->names[SYNCSOCK_STAT_MAX + 2] == "stat_" + std::to_string(SYNCSOCK_STAT_MAX + 2));
	CHECK(s->cpus[1][SYNCSOCK_STAT_MAX + 2] == 2000 + SYNCSOCK_STAT_MAX + 2);
}

TEST_CASE("device: stats asks again when the kernel wants more rows", "[device]")
{
	FakeKernel k;
	k.nr_cpu_ids = 2;
	auto dev = attach(k);
	k.nr_cpu_ids = 8;	// the module says more CPUs now than at attach
	auto s = dev.stats(kModuleStats, true);
	REQUIRE(s);
	CHECK(s->cpus.size() == 8);
	CHECK(k.stats_calls == 2);
}

TEST_CASE("device: a module of another ABI answers version() only", "[device]")
{
	FakeKernel k;
	k.abi = SYNCSOCK_ABI_VERSION + 1;
	auto dev = attach(k);
	auto v = dev.version();
	REQUIRE(v);
	CHECK(v->abi_version == SYNCSOCK_ABI_VERSION + 1);
	auto ls = dev.listener_list();
	REQUIRE_FALSE(ls);
	CHECK(ls.error().value() == EPROTO);
	CHECK_THAT(ls.error().message, Catch::Contains("the module speaks syncsock ABI 2"));
	CHECK(k.calls == 1);
}

TEST_CASE("device: EINTR is retried", "[device]")
{
	FakeKernel k;
	int interrupts = 2;
	auto d = Device::attach([&](unsigned long r, void *a) {
		if (interrupts > 0) {
			interrupts--;
			return EINTR;
		}
		return k(r, a);
	});
	REQUIRE(d);
	CHECK(interrupts == 0);
}

TEST_CASE("device: pair_list reads every field", "[device][pair]")
{
	FakeKernel k;
	auto a = pair_info(1, 7);
	a.flags = SYNCSOCK_PAIR_F_CONNECTING | SYNCSOCK_PAIR_F_CLOSING | (1u << 9);	// and one unknown
	a.client.family = AF_INET6;
	a.client.scope_id = 3;
	a.client.addr[0] = 0xfe;
	a.client.addr[1] = 0x80;
	a.client.addr[2] = a.client.addr[3] = 0;
	a.client.addr[15] = 7;
	auto b = pair_info(2, 8);
	b.flags = SYNCSOCK_PAIR_F_PAUSED;
	b.up_queued = 0xffffffffu;
	k.pairs = {a, b};
	auto dev = attach(k);

	auto ps = dev.pair_list(kAllListeners);
	REQUIRE(ps);
	REQUIRE(ps->size() == 2);
	PairInfo want;
	want.listener = 1;
	want.connecting = true;
	want.closing = true;
	want.client = *parse_address("[fe80::7%3]:40007");
	want.local = *parse_address("10.0.0.1:80");
	want.source = *parse_address("10.0.0.1:50007");
	want.backend = *parse_address("[2001:db8::9]:8080");
	want.up_queued = 7;
	want.down_queued = 14;
	CHECK((*ps)[0] == want);
	CHECK((*ps)[0].client.to_string() == "[fe80::7%3]:40007");
	const auto &p = (*ps)[1];
	CHECK(p.listener == 2);
	CHECK_FALSE(p.connecting);
	CHECK(p.paused);
	CHECK_FALSE(p.closing);
	CHECK(p.client.to_string() == "192.0.2.8:40008");
	CHECK(p.local.to_string() == "10.0.0.2:80");
	CHECK(p.source.to_string() == "10.0.0.2:50008");
	CHECK(p.backend.to_string() == "[2001:db8::9]:8080");
	CHECK(p.up_queued == 0xffffffffu);
	CHECK(p.down_queued == 16);

	// The request: every listener, room for some, the rest zero.
	REQUIRE(k.pair_requests.size() == 1);
	const auto &r = k.pair_requests[0];
	CHECK(r.id == 0);
	CHECK(r.count == 16);
	CHECK(r.entries != 0);
	CHECK(r.reserved0 == 0);
	CHECK(r.reserved[0] == 0);
	CHECK(r.reserved[1] == 0);
}

TEST_CASE("device: pair_list of one listener, and of a missing one", "[device][pair]")
{
	FakeKernel k;
	k.listeners = {info(1, "proxy"), info(2, "proxy"), info(3, "echo")};
	k.pairs = {pair_info(1, 1), pair_info(2, 2), pair_info(1, 3), pair_info(2, 4)};
	auto dev = attach(k);

	auto ps = dev.pair_list(2);
	REQUIRE(ps);
	REQUIRE(ps->size() == 2);
	CHECK((*ps)[0].listener == 2);
	CHECK((*ps)[0].client.to_string() == "192.0.2.2:40002");
	CHECK((*ps)[1].client.to_string() == "192.0.2.4:40004");
	CHECK(k.pair_requests.back().id == 2);

	auto none = dev.pair_list(3);	// a listener without pairs
	REQUIRE(none);
	CHECK(none->empty());

	auto missing = dev.pair_list(9);
	REQUIRE_FALSE(missing);
	CHECK(missing.error().value() == ENOENT);
	CHECK(missing.error().message.empty());
	CHECK(k.pair_requests.back().id == 9);

	auto all = dev.pair_list(kAllListeners);
	REQUIRE(all);
	CHECK(all->size() == 4);
	CHECK(k.list_calls == 4);
}

TEST_CASE("device: pair_list grows its buffer on ENOSPC", "[device][pair]")
{
	FakeKernel k;
	k.listeners = {info(5, "proxy")};
	for (std::uint32_t i = 1; i <= 100; i++)
		k.pairs.push_back(pair_info(5, i));
	auto dev = attach(k);

	auto ps = dev.pair_list(5);
	REQUIRE(ps);
	REQUIRE(ps->size() == 100);
	CHECK(k.list_calls == 2);
	CHECK((*ps)[0].up_queued == 1);
	CHECK((*ps)[99].up_queued == 100);
	CHECK((*ps)[99].client.to_string() == "192.0.2.100:40100");
	// The second request is the first one with more room: the id stays.
	REQUIRE(k.pair_requests.size() == 2);
	CHECK(k.pair_requests[0].id == 5);
	CHECK(k.pair_requests[0].count == 16);
	CHECK(k.pair_requests[1].id == 5);
	CHECK(k.pair_requests[1].count >= 100);

	// Pairs that come between two calls: asked once more.
	k.pair_requests.clear();
	k.pairs.resize(20);
	k.on_pair_list = [&k] {
		if (k.pair_requests.size() == 2)
			for (std::uint32_t i = 21; i <= 40; i++)
				k.pairs.push_back(pair_info(5, i));
	};
	auto grown = dev.pair_list(kAllListeners);
	REQUIRE(grown);
	CHECK(grown->size() == 40);
	CHECK(k.pair_requests.size() == 3);
	for (const auto &r : k.pair_requests)
		CHECK(r.id == 0);
}

TEST_CASE("device: pair_list that never settles, or that is too long", "[device][pair]")
{
	FakeKernel k;
	k.on_pair_list = [&k] {	// twice as many each time
		std::uint32_t n = static_cast<std::uint32_t>(k.pairs.size());
		for (std::uint32_t i = 0; i < std::max<std::uint32_t>(n, 100); i++)
			k.pairs.push_back(pair_info(1, n + i));
	};
	auto dev = attach(k);
	auto ps = dev.pair_list(kAllListeners);
	REQUIRE_FALSE(ps);
	CHECK(ps.error().value() == EAGAIN);
	CHECK(ps.error().message == "the list kept growing while it was read");

	// More than the module writes at once: room for all does not help.
	k.on_pair_list = nullptr;
	k.pairs.resize(30);
	k.list_max = 20;
	k.list_calls = 0;
	ps = dev.pair_list(kAllListeners);
	REQUIRE_FALSE(ps);
	CHECK(ps.error().value() == ENOSPC);
	CHECK(ps.error().message == "there are 30, more than the module lists at once (20)");
	CHECK(k.list_calls == 2);
}

TEST_CASE("device: pair_list: an unknown family, another ABI", "[device][pair]")
{
	FakeKernel k;
	k.pairs = {pair_info(1, 1)};
	k.pairs[0].backend.family = 99;
	auto dev = attach(k);
	auto ps = dev.pair_list(kAllListeners);
	REQUIRE_FALSE(ps);
	CHECK(ps.error().value() == EPROTO);
	CHECK(ps.error().message == "the module reported address family 99");

	FakeKernel other;
	other.abi = SYNCSOCK_ABI_VERSION + 1;
	auto dev2 = attach(other);
	ps = dev2.pair_list(1);
	REQUIRE_FALSE(ps);
	CHECK(ps.error().value() == EPROTO);
	CHECK(other.calls == 1);	// the version only
}
