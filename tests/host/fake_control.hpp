// SPDX-License-Identifier: GPL-2.0
//
// A Control with canned answers, a fake clock and a runner for syncsockctl
// command lines: CLI tests without a kernel.
#pragma once

#include <deque>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

#include <linux/syncsock.h>

namespace syncsock::test {

struct FakeState {
	VersionInfo version{1, SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS, 4, SYNCSOCK_STAT_CLOSE_BASE, "0.1"};
	std::vector<ListenerInfo> listeners;
	std::vector<HandlerInfo> handlers;
	std::vector<PairInfo> pairs;
	// stats() answers from the front; the last one stays.
	std::deque<Stats> stats;

	// Errors to answer with instead.
	std::optional<Error> open_error, add_error, del_error, get_error, list_error,
		stats_error, handler_error, pair_error;

	// What the CLI asked.
	std::vector<std::string> calls;
	std::string opened;
	ListenerConfig added;
	std::uint32_t next_id = 7;

	// The fake clock: sleep() moves it.
	std::chrono::steady_clock::time_point clock{};
	int sleeps_before_interrupt = -1;	// -1: never
	std::vector<double> slept;
	double oversleep = 0;			// seconds each sleep runs long
};

class FakeControl final : public Control {
public:
	explicit FakeControl(FakeState &s) : s_(s) {}

	Result<VersionInfo> version() noexcept override
	{
		s_.calls.push_back("version");
		return s_.version;
	}
	Result<std::uint32_t> listener_add(const ListenerConfig &c) noexcept override
	{
		s_.calls.push_back("listener_add");
		s_.added = c;
		if (s_.add_error)
			return *s_.add_error;
		return s_.next_id;
	}
	Result<void> listener_del(std::uint32_t id, bool abort) noexcept override
	{
		s_.calls.push_back("listener_del " + std::to_string(id) + (abort ? " abort" : ""));
		if (s_.del_error)
			return *s_.del_error;
		return {};
	}
	Result<ListenerInfo> listener_get(std::uint32_t id) noexcept override
	{
		s_.calls.push_back("listener_get " + std::to_string(id));
		if (s_.get_error)
			return *s_.get_error;
		for (const auto &l : s_.listeners)
			if (l.id == id)
				return l;
		return Error::from_errno(ENOENT);
	}
	Result<std::vector<ListenerInfo>> listener_list() noexcept override
	{
		s_.calls.push_back("listener_list");
		if (s_.list_error)
			return *s_.list_error;
		return s_.listeners;
	}
	Result<Stats> stats(std::uint32_t id, bool per_cpu) noexcept override
	{
		s_.calls.push_back("stats " + std::to_string(id) + (per_cpu ? " per_cpu" : ""));
		if (s_.stats_error)
			return *s_.stats_error;
		Stats st = s_.stats.front();
		if (s_.stats.size() > 1)
			s_.stats.pop_front();
		if (!per_cpu)
			st.cpus.clear();
		return st;
	}
	Result<std::vector<HandlerInfo>> handler_list() noexcept override
	{
		s_.calls.push_back("handler_list");
		if (s_.handler_error)
			return *s_.handler_error;
		return s_.handlers;
	}
	// As the module: one listener's pairs, ENOENT for a listener that is
	// not in @listeners.
	Result<std::vector<PairInfo>> pair_list(std::uint32_t id) noexcept override
	{
		s_.calls.push_back("pair_list " + std::to_string(id));
		if (s_.pair_error)
			return *s_.pair_error;
		if (id == kAllListeners)
			return s_.pairs;
		bool found = false;
		for (const auto &l : s_.listeners)
			found |= l.id == id;
		if (!found)
			return Error::from_errno(ENOENT);
		std::vector<PairInfo> out;
		for (const auto &p : s_.pairs)
			if (p.listener == id)
				out.push_back(p);
		return out;
	}

private:
	FakeState &s_;
};

inline cli::Env fake_env(FakeState &s)
{
	cli::Env env;
	env.open = [&s](const std::string &path) -> Result<std::unique_ptr<Control>> {
		s.opened = path;
		if (s.open_error)
			return *s.open_error;
		return std::unique_ptr<Control>(std::make_unique<FakeControl>(s));
	};
	env.sleep = [&s](std::chrono::duration<double> d) {
		if (s.sleeps_before_interrupt == 0)
			return false;
		if (s.sleeps_before_interrupt > 0)
			s.sleeps_before_interrupt--;
		s.slept.push_back(d.count());
		s.clock += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
			d + std::chrono::duration<double>(s.oversleep));
		return true;
	};
	env.now = [&s] { return s.clock; };
	return env;
}

struct CtlResult {
	int rc;
	std::string out;
	std::string err;
};

inline CtlResult ctl(FakeState &s, std::vector<std::string_view> args)
{
	std::ostringstream out, err;
	auto env = fake_env(s);
	int rc = cli::main(args, env, out, err);
	return {rc, out.str(), err.str()};
}

// Counters where counter i is @base + i, with @cpus per-CPU rows.
inline Stats make_stats(std::uint64_t base, std::size_t cpus = 0, std::size_t n = SYNCSOCK_STAT_MAX)
{
	Stats s;
	s.names = stat_names(static_cast<std::uint32_t>(n), SYNCSOCK_CLOSE_REASONS);
	for (std::size_t i = 0; i < n; i++)
		s.sum.push_back(base + i);
	for (std::size_t c = 0; c < cpus; c++)
		s.cpus.emplace_back(n, 0);
	return s;
}

} // namespace syncsock::test
