// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for the syncsock control plane: load and unload
// syncsock.ko, add and delete listeners through debugfs, read the listeners
// and the counters (formats: module/debugfs.c).  Everything here acts in the
// network namespace of the calling thread, like the module's debugfs files.
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

inline const std::string kDebugDir = "/sys/kernel/debug/syncsock";
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

struct Listener {
	unsigned id = 0;
	std::string state;	// listening | draining
	std::string family;	// inet | inet6
	std::string addr;
	unsigned port = 0;
	std::string handler;
	unsigned conns = 0;
	unsigned txq_limit = 0;
	std::string line;
};

inline std::vector<Listener> listeners()
{
	std::vector<Listener> out;
	for (const auto &line : split_lines(must_read(kDebugDir + "/listeners"))) {
		auto kv = parse_kv(line);
		if (!kv.count("id"))
			continue;
		Listener l;
		l.id = std::stoul(kv["id"]);
		l.state = kv["state"];
		l.family = kv["family"];
		l.addr = kv["addr"];
		l.port = std::stoul(kv["port"]);
		l.handler = kv["handler"];
		l.conns = std::stoul(kv["conns"]);
		l.txq_limit = kv.count("txq_limit") ? std::stoul(kv["txq_limit"]) : 0;
		l.line = line;
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

// Write one command to the control file.  Return: 0 or the errno.
inline int control(const std::string &cmd)
{
	return write_text(kDebugDir + "/control", cmd);
}

// "add ARGS"; return the new listener's id.  Throws on failure.
inline unsigned add_listener(const std::string &args)
{
	std::set<unsigned> before;
	for (auto &l : listeners())
		before.insert(l.id);
	int err = control("add " + args);
	if (err)
		fail("control 'add " + args + "': " + errno_str(err));
	for (auto &l : listeners())
		if (!before.count(l.id) && l.state == "listening")
			return l.id;
	fail("control 'add " + args + "' succeeded but no new listener is listed");
}

// "del id=N [abort]".  Return: 0 or the errno.
inline int del_listener(unsigned id, bool abort = false)
{
	return control("del id=" + std::to_string(id) + (abort ? " abort" : ""));
}

using Counters = std::map<std::string, std::uint64_t>;

inline Counters parse_counters(const std::string &line)
{
	Counters c;
	for (auto &[k, v] : parse_kv(line))
		if (k != "listener" && k != "cpu")
			c[k] = std::stoull(v);
	return c;
}

// A listener's counters summed over CPUs; nothing if it is gone.
inline std::optional<Counters> listener_stats(unsigned id)
{
	std::string prefix = "listener=" + std::to_string(id) + " cpu=all ";
	for (const auto &line : split_lines(must_read(kDebugDir + "/stats")))
		if (line.rfind(prefix, 0) == 0)
			return parse_counters(line);
	return std::nullopt;
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
	for (const auto &line : split_lines(must_read(kDebugDir + "/stats")))
		if (line.rfind("module cpu=all ", 0) == 0)
			return parse_counters(line);
	fail("no module counters in " + kDebugDir + "/stats");
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
		if (::access((kDebugDir + "/control").c_str(), W_OK))
			fail(kDebugDir + "/control is missing after insmod (debugfs mounted?)");
	}

	// Return: 0 or the errno of delete_module(2).
	int unload() { return unload_module(); }
};

} // namespace ssk
} // namespace syncsock::test
