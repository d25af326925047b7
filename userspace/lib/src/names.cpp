// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Names user space shows for the module's numbers: counters, close reasons,
// listener states, in the order of the enums of uapi/linux/syncsock.h.
#include <syncsock/syncsock.hpp>

#include <algorithm>

#include <linux/syncsock.h>

namespace syncsock {
namespace {

constexpr std::array<std::string_view, SYNCSOCK_STAT_CLOSE_BASE> kStatNames = {
	"accepted",	    "accept_rejected", "closed",	 "rx_bytes",
	"rx_segments",	    "rx_softirq",      "rx_process",	 "rx_deferred",
	"rx_throttled",	    "tx_inline_bytes", "tx_inline_softirq_bytes",
	"tx_queued_bytes",  "tx_flushed_bytes", "tx_queue_full", "tx_errors",
	"handler_errors",   "work_runs",	"rx_messages",	 "rx_messages_copied",
	"app0",		    "app1",		"app2",		 "app3",
	"nomem_retries",    "rx_urgent",	"accept_busy",	 "mem_charged",
	"mem_uncharged",    "mem_refused",	"connects",	 "connected",
	"connect_refused",  "connect_timeout", "connect_unreach", "connect_errors",
	"fwd_up_bytes",	    "fwd_down_bytes",	"fwd_inline",	 "fwd_queued",
	"fwd_spliced_bytes", "fwd_copied_bytes", "fwd_paused",
};

constexpr std::array<std::string_view, SYNCSOCK_CLOSE_REASONS> kCloseNames = {
	"peer_fin",	 "peer_reset",	    "error",	  "handler",
	"handler_abort", "handler_error",   "timeout",	  "listener_delete",
	"netns_exit",	 "unload",	    "nomem",	  "oversize",
	"bad_frame",	 "idle",	    "msg_timeout", "connect_failed",
	"pair",
};

// A counter or close reason added to the uapi header needs its name here,
// and its place in the enums of the public header.
static_assert(kStatNames.back() == "fwd_paused" &&
	      SYNCSOCK_STAT_FWD_PAUSED + 1 == SYNCSOCK_STAT_CLOSE_BASE);
static_assert(kCloseNames.back() == "pair" &&
	      SYNCSOCK_CLOSE_PAIR + 1 == SYNCSOCK_CLOSE_REASONS);
static_assert(std::uint32_t(Counter::fwd_paused) == SYNCSOCK_STAT_FWD_PAUSED &&
	      std::uint32_t(Counter::rx_bytes) == SYNCSOCK_STAT_RX_BYTES &&
	      std::uint32_t(Counter::connects) == SYNCSOCK_STAT_CONNECTS);
static_assert(std::uint32_t(CloseReason::pair) == SYNCSOCK_CLOSE_PAIR &&
	      std::uint32_t(CloseReason::idle) == SYNCSOCK_CLOSE_IDLE);

} // namespace

std::string_view counter_name(Counter counter) noexcept
{
	auto i = std::size_t(counter);
	return i < kStatNames.size() ? kStatNames[i] : std::string_view();
}

std::string_view close_reason_name(CloseReason reason) noexcept
{
	auto i = std::size_t(reason);
	return i < kCloseNames.size() ? kCloseNames[i] : std::string_view();
}

std::optional<std::size_t> Stats::index(std::string_view prefix,
					 std::string_view name) const noexcept
{
	for (std::size_t i = 0; i < names.size(); i++) {
		std::string_view n = names[i];
		if (n.size() == prefix.size() + name.size() && n.starts_with(prefix) &&
		    n.ends_with(name))
			return i;
	}
	return std::nullopt;
}

std::optional<std::uint64_t> Stats::get(Counter counter) const noexcept
{
	auto i = index({}, counter_name(counter));
	if (!i || *i >= sum.size())
		return std::nullopt;
	return sum[*i];
}

std::optional<std::uint64_t> Stats::get(Counter counter, std::size_t cpu) const noexcept
{
	auto i = index({}, counter_name(counter));
	if (!i || cpu >= cpus.size() || *i >= cpus[cpu].size())
		return std::nullopt;
	return cpus[cpu][*i];
}

std::optional<std::uint64_t> Stats::closed(CloseReason reason) const noexcept
{
	auto i = index("closed_", close_reason_name(reason));
	if (!i || *i >= sum.size())
		return std::nullopt;
	return sum[*i];
}

std::string_view library_version() noexcept
{
	return SYNCSOCK_LIB_VERSION;
}

std::uint32_t library_abi_version() noexcept
{
	return SYNCSOCK_ABI_VERSION;
}

std::string state_name(ListenerState state)
{
	switch (state) {
	case ListenerState::listening:
		return "listening";
	case ListenerState::draining:
		return "draining";
	}
	return "state_" + std::to_string(static_cast<std::uint32_t>(state));
}

std::string stat_name(std::uint32_t index, std::uint32_t nr_close_reasons, std::uint32_t close_base)
{
	// Plain counters are numbered alike below both close blocks; close
	// reasons alike from each side's block start.  The rest: numbers.
	std::uint32_t known_reasons = std::min<std::uint32_t>(nr_close_reasons, SYNCSOCK_CLOSE_REASONS);

	if (!close_base)
		close_base = SYNCSOCK_STAT_CLOSE_BASE;
	if (index < close_base)
		return index < SYNCSOCK_STAT_CLOSE_BASE ? std::string(kStatNames[index])
							: "stat_" + std::to_string(index);
	if (index - close_base < known_reasons)
		return "closed_" + std::string(kCloseNames[index - close_base]);
	return "stat_" + std::to_string(index);
}

std::vector<std::string> stat_names(std::uint32_t nr_stats, std::uint32_t nr_close_reasons,
				    std::uint32_t close_base)
{
	std::vector<std::string> names;

	names.reserve(nr_stats);
	for (std::uint32_t i = 0; i < nr_stats; i++)
		names.push_back(stat_name(i, nr_close_reasons, close_base));
	return names;
}

} // namespace syncsock
