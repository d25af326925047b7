// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The control device: the one place that speaks the ioctls of
// uapi/linux/syncsock.h.
#include <syncsock/syncsock.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <span>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/syncsock.h>

namespace syncsock {
namespace {

// The lists can grow between two calls: ask again this many times.
constexpr int kListTries = 8;

// syncsock.hpp keeps the uapi out of its callers' sight, so it has its own
// copy of the value: the two must agree.
static_assert(kTimeoutOff == SYNCSOCK_TIMEOUT_OFF);

template <typename F>
auto guarded(F &&f) noexcept -> decltype(f())
{
	try {
		return f();
	} catch (const std::bad_alloc &) {
		return Error::from_errno(ENOMEM);
	} catch (const std::exception &e) {
		return Error::from_errno(EIO, e.what());
	}
}

Error invalid(std::string message)
{
	return Error::from_errno(EINVAL, std::move(message));
}

std::uint64_t user_ptr(const void *p)
{
	return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
}

// A NUL-terminated field the kernel filled (terminated or not).
std::string from_field(std::span<const char> field)
{
	return std::string(field.data(), ::strnlen(field.data(), field.size()));
}

// @s into the fixed field @field, with its NUL; false if it does not fit.
bool to_field(std::string_view s, std::span<char> field)
{
	if (s.size() >= field.size())
		return false;
	std::memcpy(field.data(), s.data(), s.size());
	field[s.size()] = '\0';
	return true;
}

void to_uapi(const Address &a, struct syncsock_addr &out)
{
	out.family = a.family == Address::Family::ipv4 ? AF_INET : AF_INET6;
	out.port = a.port;
	out.scope_id = a.family == Address::Family::ipv6 ? a.scope_id : 0;
	std::copy_n(a.bytes.begin(), a.family == Address::Family::ipv4 ? 4 : 16, out.addr);
}

Result<Address> from_uapi(const struct syncsock_addr &in)
{
	Address a;

	if (in.family == AF_INET) {
		std::copy_n(in.addr, 4, a.bytes.begin());
	} else if (in.family == AF_INET6) {
		a.family = Address::Family::ipv6;
		std::copy_n(in.addr, 16, a.bytes.begin());
		a.scope_id = in.scope_id;
	} else {
		return Error::from_errno(EPROTO, "the module reported address family " +
							 std::to_string(in.family));
	}
	a.port = in.port;
	return a;
}

Result<ListenerInfo> from_uapi(const struct syncsock_listener_info &in)
{
	auto addr = from_uapi(in.addr);
	if (!addr)
		return addr.error();
	ListenerInfo l;
	l.id = in.id;
	l.state = static_cast<ListenerState>(in.state);
	l.address = *addr;
	l.freebind = in.flags & SYNCSOCK_LISTENER_F_FREEBIND;
	l.v6only = in.flags & SYNCSOCK_LISTENER_F_V6ONLY;
	l.backlog = in.backlog;
	l.max_conns = in.max_conns;
	l.txq_limit = in.txq_limit;
	l.close_timeout_ms = in.close_timeout_ms;
	l.nr_conns = in.nr_conns;
	l.handler = from_field(in.handler);
	l.idle_timeout_ms = in.idle_timeout_ms;
	l.msg_timeout_ms = in.msg_timeout_ms;
	l.user_timeout_ms = in.user_timeout_ms;
	return l;
}

HandlerInfo from_uapi(const struct syncsock_handler_info &in)
{
	return HandlerInfo{from_field(in.name), from_field(in.module), in.nr_listeners};
}

Result<PairInfo> from_uapi(const struct syncsock_pair_info &in)
{
	PairInfo p;
	p.listener = in.listener;
	// Flags this library does not know are left out.
	p.connecting = in.flags & SYNCSOCK_PAIR_F_CONNECTING;
	p.paused = in.flags & SYNCSOCK_PAIR_F_PAUSED;
	p.closing = in.flags & SYNCSOCK_PAIR_F_CLOSING;
	const std::pair<const struct syncsock_addr *, Address *> addrs[] = {
		{&in.client, &p.client},
		{&in.local, &p.local},
		{&in.source, &p.source},
		{&in.backend, &p.backend},
	};
	for (const auto &[from, to] : addrs) {
		auto a = from_uapi(*from);
		if (!a)
			return a.error();
		*to = *a;
	}
	p.up_queued = in.up_queued;
	p.down_queued = in.down_queued;
	return p;
}

// LISTENER_LIST, HANDLER_LIST and PAIR_LIST: ask with room for what there
// was last time, grow on ENOSPC (the kernel says how many there are).
// @prepare fills the request's other fields (PAIR_LIST's id).
template <typename Req, typename Entry>
Result<std::vector<Entry>> fetch_list(const Device::Ioctl &ioctl, unsigned long request,
				      const std::function<void(Req &)> &prepare = {})
{
	std::vector<Entry> entries(16);

	for (int i = 0; i < kListTries; i++) {
		Req req{};
		if (prepare)
			prepare(req);
		req.entries = user_ptr(entries.data());
		req.count = static_cast<std::uint32_t>(entries.size());
		int err = ioctl(request, &req);
		if (err == ENOSPC && req.total > entries.size()) {
			// A little slack for what is added meanwhile.
			entries.resize(req.total + req.total / 8 + 4);
			continue;
		}
		// Room for every entry, and still too little: the module writes
		// so many at most (SYNCSOCK_LIST_MAX in module/control.c).
		if (err == ENOSPC && req.count < req.total)
			return Error::from_errno(err, "there are " + std::to_string(req.total) +
							      ", more than the module lists at once (" +
							      std::to_string(req.count) + ")");
		if (err)
			return Error::from_errno(err);
		if (req.count > entries.size())
			return Error::from_errno(EPROTO, "the module wrote more entries than asked");
		entries.resize(req.count);
		return entries;
	}
	return Error::from_errno(EAGAIN, "the list kept growing while it was read");
}

} // namespace

Result<Device> Device::attach(Ioctl ioctl) noexcept
{
	return guarded([&]() -> Result<Device> {
		Device dev(Fd(), std::move(ioctl));
		struct syncsock_version v{};
		if (int err = dev.call(SYNCSOCK_IOC_VERSION, &v)) {
			if (err == ENOTTY || err == EINVAL)
				return Error::from_errno(err, "it does not answer syncsock's requests "
							      "(not the syncsock control device?)");
			return Error::from_errno(err);
		}
		dev.version_.abi_version = v.abi_version;
		dev.version_.nr_stats = v.nr_stats;
		dev.version_.nr_close_reasons = v.nr_close_reasons;
		dev.version_.nr_cpu_ids = v.nr_cpu_ids;
		// A module from before close_base was reported puts the close
		// block last.
		dev.version_.close_base = v.close_base ? v.close_base
						       : v.nr_stats - std::min(v.nr_stats, v.nr_close_reasons);
		dev.version_.module_version = from_field(v.module_version);
		return dev;
	});
}

Result<Device> Device::open(std::string_view path) noexcept
{
	return guarded([&]() -> Result<Device> {
		auto fd = Fd::open(std::string(path), O_RDWR);
		if (!fd)
			return fd.error();
		int raw = fd->get();
		auto dev = attach([raw](unsigned long request, void *arg) {
			return ::ioctl(raw, request, arg) < 0 ? errno : 0;
		});
		if (!dev)
			return dev.error();
		dev->fd_ = std::move(*fd);
		return dev;
	});
}

int Device::call(unsigned long request, void *arg) const
{
	int err;

	do
		err = ioctl_(request, arg);
	while (err == EINTR);
	return err;
}

std::optional<Error> Device::check_abi() const
{
	if (version_.abi_version == SYNCSOCK_ABI_VERSION)
		return std::nullopt;
	return Error::from_errno(EPROTO, "the module speaks syncsock ABI " +
						 std::to_string(version_.abi_version) +
						 ", this program ABI " +
						 std::to_string(SYNCSOCK_ABI_VERSION) +
						 ": use tools built with the module's uapi header");
}

Result<VersionInfo> Device::version() noexcept
{
	return guarded([&]() -> Result<VersionInfo> { return version_; });
}

Result<std::uint32_t> Device::listener_add(const ListenerConfig &config) noexcept
{
	return guarded([&]() -> Result<std::uint32_t> {
		if (auto e = check_abi())
			return *e;
		struct syncsock_listener_add req{};
		std::array<char, SYNCSOCK_ERR_MAX> err_buf{};
		std::string cfg;

		if (config.handler.empty())
			return invalid("no handler name");
		if (config.handler.find('\0') != std::string::npos ||
		    !to_field(config.handler, req.handler))
			return invalid("handler name '" + config.handler + "' is longer than " +
				       std::to_string(SYNCSOCK_NAME_MAX - 1) + " bytes");
		if (config.config.find('\0') != std::string::npos)
			return invalid("the configuration contains a NUL byte");
		if (config.config.size() >= SYNCSOCK_CONFIG_MAX)
			return invalid("the configuration is " + std::to_string(config.config.size()) +
				       " bytes long; at most " +
				       std::to_string(SYNCSOCK_CONFIG_MAX - 1) + " are allowed");
		if (config.v6only && config.address.family != Address::Family::ipv6)
			return invalid("v6only is for IPv6 addresses");

		to_uapi(config.address, req.addr);
		req.flags = (config.freebind ? SYNCSOCK_LISTENER_F_FREEBIND : 0) |
			    (config.v6only ? SYNCSOCK_LISTENER_F_V6ONLY : 0);
		req.backlog = config.backlog;
		req.max_conns = config.max_conns;
		req.txq_limit = config.txq_limit;
		req.close_timeout_ms = config.close_timeout_ms;
		req.idle_timeout_ms = config.idle_timeout_ms;
		req.msg_timeout_ms = config.msg_timeout_ms;
		req.user_timeout_ms = config.user_timeout_ms;
		if (!config.config.empty()) {
			cfg = config.config;	// a c_str() that outlives the call
			req.config = user_ptr(cfg.c_str());
		}
		req.err = user_ptr(err_buf.data());
		req.err_len = static_cast<std::uint32_t>(err_buf.size());

		if (int err = call(SYNCSOCK_IOC_LISTENER_ADD, &req))
			return Error::from_errno(err, from_field(err_buf));
		return req.id;
	});
}

Result<void> Device::listener_del(std::uint32_t id, bool abort) noexcept
{
	return guarded([&]() -> Result<void> {
		if (auto e = check_abi())
			return *e;
		struct syncsock_listener_del req{};
		req.id = id;
		req.flags = abort ? SYNCSOCK_DEL_F_ABORT : 0;
		if (int err = call(SYNCSOCK_IOC_LISTENER_DEL, &req))
			return Error::from_errno(err);
		return {};
	});
}

Result<ListenerInfo> Device::listener_get(std::uint32_t id) noexcept
{
	return guarded([&]() -> Result<ListenerInfo> {
		if (auto e = check_abi())
			return *e;
		struct syncsock_listener_info req{};
		req.id = id;
		if (int err = call(SYNCSOCK_IOC_LISTENER_GET, &req))
			return Error::from_errno(err);
		return from_uapi(req);
	});
}

Result<std::vector<ListenerInfo>> Device::listener_list() noexcept
{
	return guarded([&]() -> Result<std::vector<ListenerInfo>> {
		if (auto e = check_abi())
			return *e;
		auto raw = fetch_list<struct syncsock_listener_list, struct syncsock_listener_info>(
			[this](unsigned long r, void *a) { return call(r, a); },
			SYNCSOCK_IOC_LISTENER_LIST);
		if (!raw)
			return raw.error();
		std::vector<ListenerInfo> out;
		out.reserve(raw->size());
		for (const auto &in : *raw) {
			auto l = from_uapi(in);
			if (!l)
				return l.error();
			out.push_back(std::move(*l));
		}
		return out;
	});
}

Result<std::vector<HandlerInfo>> Device::handler_list() noexcept
{
	return guarded([&]() -> Result<std::vector<HandlerInfo>> {
		if (auto e = check_abi())
			return *e;
		auto raw = fetch_list<struct syncsock_handler_list, struct syncsock_handler_info>(
			[this](unsigned long r, void *a) { return call(r, a); },
			SYNCSOCK_IOC_HANDLER_LIST);
		if (!raw)
			return raw.error();
		std::vector<HandlerInfo> out;
		out.reserve(raw->size());
		for (const auto &in : *raw)
			out.push_back(from_uapi(in));
		return out;
	});
}

Result<std::vector<PairInfo>> Device::pair_list(std::uint32_t id) noexcept
{
	return guarded([&]() -> Result<std::vector<PairInfo>> {
		if (auto e = check_abi())
			return *e;
		auto raw = fetch_list<struct syncsock_pair_list, struct syncsock_pair_info>(
			[this](unsigned long r, void *a) { return call(r, a); },
			SYNCSOCK_IOC_PAIR_LIST, [id](struct syncsock_pair_list &req) { req.id = id; });
		if (!raw)
			return raw.error();
		std::vector<PairInfo> out;
		out.reserve(raw->size());
		for (const auto &in : *raw) {
			auto p = from_uapi(in);
			if (!p)
				return p.error();
			out.push_back(std::move(*p));
		}
		return out;
	});
}

Result<Stats> Device::stats(std::uint32_t id, bool per_cpu) noexcept
{
	return guarded([&]() -> Result<Stats> {
		if (auto e = check_abi())
			return *e;
		// Ask for as many counters as the module has: the names of those
		// this library does not know are made up, the values are real.
		std::uint32_t nr_stats = version_.nr_stats ? version_.nr_stats
							 : std::uint32_t(SYNCSOCK_STAT_MAX);
		std::uint32_t rows = 1 + (per_cpu ? version_.nr_cpu_ids : 0);
		std::vector<std::uint64_t> values;
		struct syncsock_stats_get req{};

		for (int i = 0;; i++) {
			values.assign(std::size_t(rows) * nr_stats, 0);
			req = {};
			req.id = id;
			req.flags = per_cpu ? SYNCSOCK_STATS_F_PER_CPU : 0;
			req.nr_stats = nr_stats;
			req.nr_rows = rows;
			req.values = user_ptr(values.data());
			int err = call(SYNCSOCK_IOC_STATS_GET, &req);
			if (err == ENOSPC && req.nr_rows > rows && i < kListTries) {
				rows = req.nr_rows;
				continue;
			}
			if (err)
				return Error::from_errno(err);
			break;
		}
		if (req.nr_stats > nr_stats || req.nr_rows > rows || req.nr_rows == 0)
			return Error::from_errno(EPROTO, "the module wrote more counters than asked");

		// The kernel packs the rows at its own width, req.nr_stats.
		Stats s;
		std::size_t width = req.nr_stats;
		s.names = stat_names(req.nr_stats, version_.nr_close_reasons, version_.close_base);
		s.sum.assign(values.begin(), values.begin() + width);
		for (std::uint32_t row = 1; row < req.nr_rows; row++) {
			auto first = values.begin() + row * width;
			s.cpus.emplace_back(first, first + width);
		}
		return s;
	});
}

} // namespace syncsock
