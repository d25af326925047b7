// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for network namespaces: iproute2's ip, shell
// commands, and a named namespace that threads can enter, so that the
// sockets and control calls they make belong to it.
//
// Like ssk_control.hpp: no Catch2 macros, std::runtime_error on the
// unexpected.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <thread>

#include "ssk_net.hpp"
#include "ssk_proc.hpp"

namespace syncsock::test {

// Run a shell command; return its exit status.
inline int sh(const std::string &cmd, bool quiet = false)
{
	if (!quiet)
		note("+ %s", cmd.c_str());
	int st = std::system(cmd.c_str());
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

inline void must(const std::string &cmd)
{
	if (sh(cmd))
		fail("command failed: " + cmd);
}

// iproute2's ip.  Not plain "ip": busybox sh runs its own ip applet before
// searching PATH, and that one has neither netns nor veth.
inline std::string ip_cmd()
{
	static const std::string path = [] {
		for (const char *p : {"/usr/bin/ip", "/usr/sbin/ip", "/sbin/ip", "/bin/ip"})
			if (sh(std::string(p) + " -V 2>/dev/null | grep -q iproute2", true) == 0)
				return std::string(p);
		return std::string();
	}();
	return path;
}

// A named network namespace (ip netns add), deleted when destroyed.
class NetNs {
public:
	explicit NetNs(std::string name) : name_(std::move(name))
	{
		sh(ip_cmd() + " netns del " + name_ + " 2>/dev/null", true);
		must(ip_cmd() + " netns add " + name_);
		fd_ = Fd(::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd_)
			fail("open /run/netns/" + name_ + ": " + errno_str(errno));
		must(ip_cmd() + " -n " + name_ + " link set lo up");
	}
	NetNs(const NetNs &) = delete;
	NetNs &operator=(const NetNs &) = delete;
	~NetNs() { del(); }

	const std::string &name() const { return name_; }
	int fd() const { return fd_.get(); }

	// Drop our references: the namespace goes once nothing else holds it.
	void del()
	{
		if (!fd_)
			return;
		fd_.reset();
		sh(ip_cmd() + " netns del " + name_);
	}

	// Run @f on a thread that has entered the namespace: sockets it makes
	// and control calls it makes belong to the namespace.
	void run(const std::function<void()> &f) const
	{
		std::exception_ptr err;
		std::thread t([&] {
			try {
				if (::setns(fd_.get(), CLONE_NEWNET))
					fail("setns(" + name_ + "): " + errno_str(errno));
				f();
			} catch (...) {
				err = std::current_exception();
			}
		});
		t.join();
		if (err)
			std::rethrow_exception(err);
	}

private:
	std::string name_;
	Fd fd_;
};

// The lossy network of the hostile-world tests: two namespaces, sskS (the
// server host, 198.18.1.1) and sskC (the client host, 198.18.1.2), joined by
// a veth pair with netem on both ends: delay with jitter (so reordering),
// loss, duplication and a rate limit, the same on every kernel.
class LossyLink {
public:
	static constexpr const char *kNetem =
		"delay 4ms 2ms loss 8% duplicate 3% reorder 10% 50% rate 200mbit";
	static inline const std::string kServer = "198.18.1.1", kClient = "198.18.1.2";
	static inline const std::string kServerMac = "02:00:c6:12:01:01", kClientMac = "02:00:c6:12:01:02";

	explicit LossyLink(const std::string &netem = kNetem) : srv_("sskS"), cli_("sskC")
	{
		const std::string ip = ip_cmd();
		if (ip.empty())
			fail("needs iproute2's ip (vm.py --host-tool /usr/sbin/ip)");
		must(ip + " link add sskls address " + kServerMac + " netns sskS type veth peer name ssklc address " +
		     kClientMac + " netns sskC");
		must(ip + " -n sskS addr add " + kServer + "/24 dev sskls");
		must(ip + " -n sskC addr add " + kClient + "/24 dev ssklc");
		// The loss is TCP's to face, not ARP's: three lost probes in a
		// row (or a first one before the peer's carrier is up) would make
		// a connect fail with EHOSTUNREACH.
		must(ip + " -n sskS neigh add " + kClient + " lladdr " + kClientMac +
		     " dev sskls nud permanent");
		must(ip + " -n sskC neigh add " + kServer + " lladdr " + kServerMac +
		     " dev ssklc nud permanent");
		must(ip + " -n sskS link set sskls up");
		must(ip + " -n sskC link set ssklc up");
		must(tc() + " -n sskS qdisc add dev sskls root netem " + netem);
		must(tc() + " -n sskC qdisc add dev ssklc root netem " + netem);
	}

	static std::string tc()
	{
		for (const char *p : {"/usr/bin/tc", "/usr/sbin/tc", "/sbin/tc"})
			if (::access(p, X_OK) == 0)
				return p;
		fail("needs iproute2's tc (vm.py --host-tool /usr/sbin/tc)");
	}

	NetNs &server() { return srv_; }
	NetNs &client() { return cli_; }

	// The qdisc's own counters of one side, for the report.
	std::string stats(const std::string &ns, const std::string &dev)
	{
		return syncsock::test::run(tc() + " -n " + ns + " -s qdisc show dev " + dev).out;
	}

private:
	NetNs srv_, cli_;
};

} // namespace syncsock::test
