// SPDX-License-Identifier: GPL-2.0
//
// The project's claim: a ping-pong echo is served in the softirq that
// delivers each request, with no work item and no wakeup on the server side.
//  [counters]  2,000 round trips of 64 bytes on one connection (IPv4 and
//              IPv6): rx_softirq grows by the number of round trips;
//              rx_process, rx_deferred and work_runs do not grow (in total
//              they stay below the 10 warm-up round trips before: data
//              that raced the accept pass, more of it on a slow or loaded
//              guest); every echoed byte is sent inline from softirq
//              (tx_inline_softirq_bytes), none is queued
//              (tx_queued_bytes == 0).
//  [trace]     The same with the workqueue_queue_work trace event on: no
//              work is queued on the "syncsock" workqueue during the
//              ping-pong, while the accept before it does show up (the
//              tracer works).  Exits 77 only without tracefs or the event.
//   SSK_ROUNDS  round trips (default 2000)
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdlib>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kLen = 64;
// Round trips right after the accept, before the counters are read.
constexpr std::uint64_t kWarmup = 10;

// @n checked round trips of kLen bytes on blocking @fd.
void ping_pong(int fd, std::uint64_t n, std::uint64_t seed, std::uint64_t &offset)
{
	std::vector<std::uint8_t> msg(kLen), got(kLen);
	for (std::uint64_t i = 0; i < n; i++) {
		payload_fill_fast(msg, seed, offset);
		send_all(fd, msg);
		recv_exact(fd, got);
		if (got != msg)
			fail("round trip " + std::to_string(i) + ": the echo differs");
		offset += kLen;
	}
}

// Counters of listener @id once its work has settled (no run for 100 ms).
ssk::Counters settled_stats(unsigned id)
{
	auto prev = ssk::stats(id);
	for (int i = 0; i < 50; i++) {
		std::this_thread::sleep_for(100ms);
		auto cur = ssk::stats(id);
		if (ssk::get(cur, "work_runs") == ssk::get(prev, "work_runs"))
			return cur;
		prev = cur;
	}
	return prev;
}

void check_softirq_only(const ssk::Counters &s0, const ssk::Counters &s1, std::uint64_t rounds)
{
	INFO("before: " << ssk::format(s0));
	INFO("after:  " << ssk::format(s1));
	CHECK(ssk::delta(s1, s0, "rx_softirq") >= rounds);
	CHECK(ssk::delta(s1, s0, "rx_softirq") <= rounds + rounds / 100);
	CHECK(ssk::delta(s1, s0, "rx_bytes") == rounds * kLen);
	CHECK(ssk::delta(s1, s0, "rx_process") == 0);
	CHECK(ssk::delta(s1, s0, "rx_deferred") == 0);
	CHECK(ssk::delta(s1, s0, "work_runs") == 0);
	CHECK(ssk::delta(s1, s0, "tx_inline_softirq_bytes") == rounds * kLen);
	CHECK(ssk::delta(s1, s0, "tx_inline_bytes") == rounds * kLen);
	CHECK(ssk::get(s1, "tx_queued_bytes") == 0);
	CHECK(ssk::get(s1, "tx_queue_full") == 0);
	// The whole life of the connection so far: the accept pass and the
	// warm-up that raced it, never one a round trip.
	CHECK(ssk::get(s1, "work_runs") < kWarmup);
	CHECK(ssk::get(s1, "rx_process") < kWarmup);
	CHECK(ssk::get(s1, "rx_deferred") < kWarmup);
}

// Trace one ping-pong: connect, warm up, settle, then rounds between two
// trace markers.
struct Traced {
	ssk::Counters s0, s1;
};

Traced traced_ping_pong(const std::string &ip, std::uint16_t port, std::uint64_t rounds,
			const std::function<void(const char *)> &marker)
{
	unsigned id = ssk::add_listener("addr=" + ip + " port=" + std::to_string(port) +
					" handler=echo");
	Fd fd = connect_to(endpoint(ip, port));
	std::uint64_t off = 0;
	ping_pong(fd.get(), kWarmup, port, off);
	Traced t;
	t.s0 = settled_stats(id);
	marker("ssk-pingpong-begin");
	ping_pong(fd.get(), rounds, port, off);
	marker("ssk-pingpong-end");
	t.s1 = ssk::stats(id);
	return t;
}

// tracefs with the workqueue_queue_work event, put back as found.
class WorkqueueTrace {
public:
	WorkqueueTrace()
	{
		struct stat sb;
		if (::stat((dir_ + "/events").c_str(), &sb) &&
		    ::mount("tracefs", dir_.c_str(), "tracefs", 0, nullptr) &&
		    ::stat((dir_ + "/events").c_str(), &sb)) {
			reason_ = "no tracefs at " + dir_ + " and it cannot be mounted: " +
				  errno_str(errno);
			return;
		}
		if (::stat(event_.c_str(), &sb)) {
			reason_ = "this kernel has no workqueue:workqueue_queue_work event";
			return;
		}
		auto on = read_text(dir_ + "/tracing_on");
		was_on_ = on && on->rfind("1", 0) == 0;
		set(dir_ + "/tracing_on", "0");
		set(dir_ + "/trace", "", O_TRUNC);
		// Only syncsock's work; without a filter the lines are grepped.
		filtered_ = write_text(event_ + "/filter", "workqueue == \"syncsock\"") == 0;
		set(event_ + "/enable", "1");
		set(dir_ + "/tracing_on", "1");
		ok_ = true;
	}
	WorkqueueTrace(const WorkqueueTrace &) = delete;
	WorkqueueTrace &operator=(const WorkqueueTrace &) = delete;
	~WorkqueueTrace()
	{
		if (!ok_)
			return;
		write_text(dir_ + "/tracing_on", "0");
		write_text(event_ + "/enable", "0");
		write_text(event_ + "/filter", "0");
		write_text(dir_ + "/tracing_on", was_on_ ? "1" : "0");
	}

	const std::string &unavailable() const { return reason_; }
	bool filtered() const { return filtered_; }
	void marker(const char *text) { set(dir_ + "/trace_marker", text); }
	void stop() { set(dir_ + "/tracing_on", "0"); }
	std::string trace() const { return must_read(dir_ + "/trace"); }

	// Events lost to a full buffer, over all CPUs.
	std::uint64_t overruns() const
	{
		std::uint64_t n = 0;
		for (int cpu = 0; cpu < 1024; cpu++) {
			auto s = read_text(dir_ + "/per_cpu/cpu" + std::to_string(cpu) + "/stats");
			if (!s)
				break;
			for (const auto &line : split_lines(*s))
				if (line.rfind("overrun:", 0) == 0)
					n += std::stoull(line.substr(8));
		}
		return n;
	}

private:
	static void set(const std::string &path, const std::string &v, int flags = 0)
	{
		int err = write_text(path, v, flags);
		if (err)
			fail("write '" + v + "' to " + path + ": " + errno_str(err));
	}

	std::string dir_ = "/sys/kernel/tracing";
	std::string event_ = dir_ + "/events/workqueue/workqueue_queue_work";
	std::string reason_;
	bool ok_ = false, was_on_ = false, filtered_ = false;
};

} // namespace

TEST_CASE("ping-pong echo is served in softirq", "[counters]")
{
	const std::uint64_t rounds = env_u64("SSK_ROUNDS", 2000);
	ssk::ModuleSession mod;
	for (auto [ip, port] : {std::pair{"127.0.0.1", 7060}, std::pair{"::1", 7061}}) {
		INFO(ip);
		kmsg(std::string("softirq claim counters ") + ip);
		auto t0 = std::chrono::steady_clock::now();
		auto t = traced_ping_pong(ip, port, rounds, [](const char *) {});
		note("%s: %llu round trips in %.2f s", ip,
		     static_cast<unsigned long long>(rounds), seconds_since(t0));
		check_softirq_only(t.s0, t.s1, rounds);
	}
	CHECK(mod.unload() == 0);
}

TEST_CASE("no syncsock work is queued during a ping-pong", "[trace]")
{
	const std::uint64_t rounds = env_u64("SSK_ROUNDS", 2000);
	ssk::ModuleSession mod;
	kmsg("softirq claim trace");
	WorkqueueTrace tr;
	if (!tr.unavailable().empty()) {
		note("SKIP: %s", tr.unavailable().c_str());
		std::exit(77);
	}
	auto t = traced_ping_pong("127.0.0.1", 7062, rounds,
				  [&](const char *m) { tr.marker(m); });
	tr.stop();
	auto overruns = tr.overruns();
	auto text = tr.trace();

	// Work queued on syncsock before the ping-pong (the accept) and during.
	enum { Before, During, After } where = Before;
	std::uint64_t before = 0, during = 0;
	std::string offenders;
	bool saw_begin = false, saw_end = false;
	for (const auto &line : split_lines(text)) {
		if (line.find("ssk-pingpong-begin") != std::string::npos) {
			where = During;
			saw_begin = true;
			continue;
		}
		if (line.find("ssk-pingpong-end") != std::string::npos) {
			where = After;
			saw_end = true;
			continue;
		}
		if (line.find("workqueue_queue_work") == std::string::npos ||
		    line.find("workqueue=syncsock") == std::string::npos)
			continue;
		if (where == Before)
			before++;
		else if (where == During) {
			if (during++ < 10)
				offenders += "\n  " + line;
		}
	}
	note("syncsock work queued: %llu before the ping-pong (accept), %llu during %llu round "
	     "trips; event filter %s; %llu events overrun",
	     static_cast<unsigned long long>(before), static_cast<unsigned long long>(during),
	     static_cast<unsigned long long>(rounds), tr.filtered() ? "on" : "off (grep)",
	     static_cast<unsigned long long>(overruns));
	REQUIRE(saw_begin);
	REQUIRE(saw_end);
	REQUIRE(overruns == 0);
	CHECK(before >= 1);	// the tracer does see syncsock's work
	INFO("work queued during the ping-pong:" << offenders);
	CHECK(during == 0);
	check_softirq_only(t.s0, t.s1, rounds);
	CHECK(mod.unload() == 0);
}
