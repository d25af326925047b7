// SPDX-License-Identifier: GPL-2.0
//
// syncsock-trace alongside a run (run --trace): `syncsock-trace -j -P PORT`
// is started before the client connects, the run starts once the tracer
// says it is attached, and SIGINT ends it after the run; its per-path
// summary (deliveries, the share made in softirq, tasks woken per delivery,
// the queued-to-consumed delay) goes into the run's result.  The tracer's
// probes cost time on every delivery: traced runs are not comparable with
// untraced ones.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "json.hpp"

namespace ssb {

// The part of a syncsock-trace JSON document (version 1) a result file
// keeps: {"probe", "duration_s", "paths": [{"path", "listener", "port",
// "label", "deliveries", "softirq_share", "wakeups_per_delivery", "queued",
// "delay_us": {"mean", "p50", "p90", "p99", "max"}}]}; an object with just
// "error" if @doc is not such a document.
json::Value trace_summary(const json::Value &doc);

class TraceRun {
public:
	TraceRun() = default;
	~TraceRun();
	TraceRun(const TraceRun &) = delete;
	TraceRun &operator=(const TraceRun &) = delete;

	// Start @program -j -P @port and wait (at most @timeout_s) until it
	// has attached.  False, and error(), if it did not.
	bool start(const std::string &program, std::uint16_t port, double timeout_s);
	// SIGINT, wait for its JSON: the summary, or {"error": ...}.
	json::Value stop();
	const std::string &error() const { return error_; }

private:
	pid_t pid_ = -1;
	std::string out_, err_, error_;
};

} // namespace ssb
