// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for the syncsock control plane: load and unload
// syncsock.ko, add and delete listeners, read the listeners and the
// counters, all through libsyncsock and /dev/syncsock.  Everything here acts
// in the network namespace of the calling thread, like the device's ioctls.
//
// Helpers throw std::runtime_error on anything unexpected, so that a Catch2
// test fails with the message; they never use Catch2 macros themselves and
// are safe to call from any thread.
#pragma once

#include <cerrno>
#include <cstdarg>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <syncsock/syncsock.hpp>

namespace syncsock::test {

// An owned file descriptor.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept
	{
		if (this != &o)
			reset(std::exchange(o.fd_, -1));
		return *this;
	}
	~Fd() { reset(); }

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

inline std::string errno_str(int e)
{
	return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")";
}

[[noreturn]] inline void fail(const std::string &what)
{
	throw std::runtime_error(what);
}

// The whole content of a (proc, sys, debugfs) file.
inline std::optional<std::string> read_text(const std::string &path)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return std::nullopt;
	std::string out;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return std::nullopt;
		}
		if (n == 0)
			break;
		out.append(buf, static_cast<std::size_t>(n));
	}
	return out;
}

inline std::string must_read(const std::string &path)
{
	auto s = read_text(path);
	if (!s)
		fail("cannot read " + path + ": " + errno_str(errno));
	return *s;
}

// One write(2) of @s to @path (a command file takes one command a write).
// Return: 0 or the errno.
inline int write_text(const std::string &path, const std::string &s, int flags = 0)
{
	Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags));
	if (!fd)
		return errno;
	ssize_t n = ::write(fd.get(), s.data(), s.size());
	if (n < 0)
		return errno;
	return static_cast<std::size_t>(n) == s.size() ? 0 : EIO;
}

// A line in the kernel log, to find a test's place in console.log.
inline void kmsg(const std::string &s)
{
	write_text("/dev/kmsg", "syncsock-test: " + s + "\n");
}

// Print a line of progress to the test output (stdout is the harness channel).
__attribute__((format(printf, 1, 2))) inline void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	std::vprintf(fmt, ap);
	va_end(ap);
	std::printf("\n");
	std::fflush(stdout);
}

// Poll @pred every @step until it holds or @timeout passes.
template <typename Pred>
inline bool wait_for(Pred pred, std::chrono::milliseconds timeout,
		     std::chrono::milliseconds step = std::chrono::milliseconds(10))
{
	auto end = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		if (pred())
			return true;
		if (std::chrono::steady_clock::now() >= end)
			return false;
		std::this_thread::sleep_for(step);
	}
}

inline double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A number from the environment (how plan lines size a test), or @def.
inline std::uint64_t env_u64(const char *name, std::uint64_t def)
{
	const char *v = std::getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	std::uint64_t n = std::strtoull(v, &end, 0);
	if (errno || *end)
		fail(std::string("bad number in $") + name + ": '" + v + "'");
	return n;
}

// Let this process open @want descriptors (root may raise the hard limit).
inline void raise_fd_limit(rlim_t want)
{
	struct rlimit rl {};
	if (::getrlimit(RLIMIT_NOFILE, &rl))
		fail("getrlimit: " + errno_str(errno));
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (::setrlimit(RLIMIT_NOFILE, &rl))
		fail("setrlimit(RLIMIT_NOFILE, " + std::to_string(want) + "): " + errno_str(errno));
}

// "key=value key=value ..." into a map; words without '=' are skipped.
inline std::map<std::string, std::string> parse_kv(const std::string &line)
{
	std::map<std::string, std::string> kv;
	std::istringstream in(line);
	std::string word;
	while (in >> word) {
		auto eq = word.find('=');
		if (eq != std::string::npos)
			kv[word.substr(0, eq)] = word.substr(eq + 1);
	}
	return kv;
}

inline std::vector<std::string> split_lines(const std::string &text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		lines.push_back(line);
	return lines;
}

// A value of /proc/meminfo, in KiB.
inline std::uint64_t meminfo_kb(const std::string &key)
{
	for (const auto &line : split_lines(must_read("/proc/meminfo"))) {
		if (line.rfind(key + ":", 0) == 0)
			return std::stoull(line.substr(key.size() + 1));
	}
	fail("no " + key + " in /proc/meminfo");
}

namespace ssk {

inline const std::string kDevice = "/dev/syncsock";
inline const std::string kModulePath = "/modules/syncsock.ko";

inline bool module_loaded()
{
	for (const auto &line : split_lines(must_read("/proc/modules")))
		if (line.rfind("syncsock ", 0) == 0)
			return true;
	return false;
}

// insmod.  Return: 0 or the errno of finit_module(2).
inline int load_module(const std::string &params = "")
{
	Fd fd(::open(kModulePath.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return errno;
	if (::syscall(SYS_finit_module, fd.get(), params.c_str(), 0))
		return errno;
	return 0;
}

// rmmod.  Return: 0 or the errno of delete_module(2).
inline int unload_module()
{
	if (::syscall(SYS_delete_module, "syncsock", O_NONBLOCK))
		return errno;
	return 0;
}

// "No such file or directory (errno 2): the kernel's message".
inline std::string error_text(const ::syncsock::Error &e)
{
	return errno_str(e.value()) + (e.message.empty() ? "" : ": " + e.message);
}

// The control device, opened for one call: every call acts in the network
// namespace of the calling thread, and the device is not held open across
// an rmmod.
inline ::syncsock::Device device()
{
	auto dev = ::syncsock::Device::open(kDevice);
	if (!dev)
		fail("open " + kDevice + ": " + error_text(dev.error()));
	return std::move(dev.value());
}

struct Listener {
	unsigned id = 0;
	std::string state;	// listening | draining
	std::string family;	// inet | inet6
	std::string addr;
	unsigned port = 0;
	std::string handler;
	unsigned conns = 0;
	unsigned txq_limit = 0;
};

inline std::vector<Listener> listeners()
{
	auto list = device().listener_list();
	if (!list)
		fail("listener list: " + error_text(list.error()));
	std::vector<Listener> out;
	for (const auto &i : list.value()) {
		Listener l;
		l.id = i.id;
		l.state = ::syncsock::state_name(i.state);
		l.family = i.address.family == ::syncsock::Address::Family::ipv6 ? "inet6" : "inet";
		l.addr = i.address.host();
		l.port = i.address.port;
		l.handler = i.handler;
		l.conns = i.nr_conns;
		l.txq_limit = i.txq_limit;
		out.push_back(l);
	}
	return out;
}

inline std::optional<Listener> find_listener(unsigned id)
{
	for (auto &l : listeners())
		if (l.id == id)
			return l;
	return std::nullopt;
}

// Connections a listener has now (0 once it is gone).
inline unsigned conns(unsigned id)
{
	auto l = find_listener(id);
	return l ? l->conns : 0;
}

// A listener from "addr=A port=P handler=H [backlog=N] [max_conns=N]
// [txq_limit=N] [close_timeout_ms=N] [idle_timeout_ms=N] [msg_timeout_ms=N]
// [user_timeout_ms=N] [freebind] [v6only] [config=REST]" (config takes the
// rest of the line, spaces included).  The idle, message and user timeouts
// also take "off" (kTimeoutOff: never); left out or 0, the module's default.
// Throws on a malformed line.
inline ::syncsock::ListenerConfig parse_listener(const std::string &args)
{
	::syncsock::ListenerConfig cfg;
	std::string addr;
	std::optional<std::uint16_t> port;
	std::istringstream in(args);
	std::string word;
	auto number = [&](const std::string &key, const std::string &val) {
		char *end;
		errno = 0;
		unsigned long n = std::strtoul(val.c_str(), &end, 0);
		if (errno || *end || val.empty() || n > UINT32_MAX)
			fail("listener '" + args + "': bad number in " + key);
		return static_cast<std::uint32_t>(n);
	};
	auto timeout = [&](const std::string &key, const std::string &val) {
		return val == "off" ? ::syncsock::kTimeoutOff : number(key, val);
	};
	while (in >> word) {
		auto eq = word.find('=');
		std::string key = word.substr(0, eq);
		std::string val = eq == std::string::npos ? "" : word.substr(eq + 1);
		if (key == "config") {
			std::string rest;
			std::getline(in, rest);
			cfg.config = val + rest;
			break;
		}
		if (key == "freebind" && eq == std::string::npos)
			cfg.freebind = true;
		else if (key == "v6only" && eq == std::string::npos)
			cfg.v6only = true;
		else if (key == "addr")
			addr = val;
		else if (key == "port")
			port = static_cast<std::uint16_t>(number(key, val));
		else if (key == "handler")
			cfg.handler = val;
		else if (key == "backlog")
			cfg.backlog = number(key, val);
		else if (key == "max_conns")
			cfg.max_conns = number(key, val);
		else if (key == "txq_limit")
			cfg.txq_limit = number(key, val);
		else if (key == "close_timeout_ms")
			cfg.close_timeout_ms = number(key, val);
		else if (key == "idle_timeout_ms")
			cfg.idle_timeout_ms = timeout(key, val);
		else if (key == "msg_timeout_ms")
			cfg.msg_timeout_ms = timeout(key, val);
		else if (key == "user_timeout_ms")
			cfg.user_timeout_ms = timeout(key, val);
		else
			fail("listener '" + args + "': unknown word '" + word + "'");
	}
	auto a = ::syncsock::parse_address(addr, port);
	if (!a)
		fail("listener '" + args + "': " + error_text(a.error()));
	cfg.address = a.value();
	return cfg;
}

// Add a listener (see parse_listener()).  Return: its id, or the error.
inline ::syncsock::Result<std::uint32_t> try_add_listener(const std::string &args)
{
	return device().listener_add(parse_listener(args));
}

// The same; throws on failure.
inline unsigned add_listener(const std::string &args)
{
	auto id = try_add_listener(args);
	if (!id)
		fail("listener add '" + args + "': " + error_text(id.error()));
	return id.value();
}

// Delete a listener, gracefully or aborting its connections.
// Return: 0 or the errno.
inline int del_listener(unsigned id, bool abort = false)
{
	auto r = device().listener_del(id, abort);
	return r ? 0 : r.error().value();
}

using Counters = std::map<std::string, std::uint64_t>;

inline std::optional<Counters> counters(std::uint32_t id)
{
	auto st = device().stats(id, false);
	if (!st) {
		if (st.error().value() == ENOENT)
			return std::nullopt;
		fail("stats of " + std::to_string(id) + ": " + error_text(st.error()));
	}
	Counters c;
	for (std::size_t i = 0; i < st.value().names.size(); i++)
		c[st.value().names[i]] = st.value().sum[i];
	return c;
}

// A listener's counters summed over CPUs; nothing if it is gone.
inline std::optional<Counters> listener_stats(unsigned id)
{
	return counters(id);
}

inline Counters stats(unsigned id)
{
	auto c = listener_stats(id);
	if (!c)
		fail("listener " + std::to_string(id) + " has no counters (gone?)");
	return *c;
}

// The module's counters: every listener ever, this load.
inline Counters module_stats()
{
	auto c = counters(::syncsock::kModuleStats);
	if (!c)
		fail("no module counters");
	return *c;
}

// One counter; throws if the module has no counter of that name.
inline std::uint64_t get(const Counters &c, const std::string &name)
{
	auto it = c.find(name);
	if (it == c.end())
		fail("no counter named '" + name + "'");
	return it->second;
}

inline std::uint64_t delta(const Counters &after, const Counters &before,
			   const std::string &name)
{
	return get(after, name) - get(before, name);
}

inline std::string format(const Counters &c)
{
	std::string s;
	for (auto &[k, v] : c) {
		if (!v)
			continue;
		s += (s.empty() ? "" : " ") + k + "=" + std::to_string(v);
	}
	return s.empty() ? "(all zero)" : s;
}

// A fresh load of syncsock.ko for one test: unloads a copy left loaded (so
// that counters start at zero), loads, and unloads again when destroyed.
class ModuleSession {
public:
	ModuleSession()
	{
		if (module_loaded()) {
			int err = unload_module();
			if (err)
				fail("rmmod of a syncsock left loaded: " + errno_str(err));
		}
		load();
	}
	ModuleSession(const ModuleSession &) = delete;
	ModuleSession &operator=(const ModuleSession &) = delete;
	~ModuleSession()
	{
		if (module_loaded())
			unload_module();
	}

	void load()
	{
		int err = load_module();
		if (err)
			fail("insmod " + kModulePath + ": " + errno_str(err));
		if (::access(kDevice.c_str(), R_OK | W_OK))
			fail(kDevice + " is missing after insmod: " + errno_str(errno));
	}

	// Return: 0 or the errno of delete_module(2).
	int unload() { return unload_module(); }
};

} // namespace ssk
} // namespace syncsock::test
