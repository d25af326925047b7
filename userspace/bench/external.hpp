// SPDX-License-Identifier: GPL-2.0
//
// The independent clients: sockperf and wrk, run as they are and their
// output parsed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssb {

// sockperf ping-pong --full-rtt: round trips in microseconds, over sockperf's
// own "valid duration" (it drops the edges of the run).
struct SockperfResult {
	double avg = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0;
	double max = 0, min = 0;
	std::uint64_t observations = 0;
	double runtime_s = 0;
	std::uint64_t received = 0;
	double rps() const { return runtime_s > 0 ? double(received) / runtime_s : 0; }
};
std::optional<SockperfResult> parse_sockperf(const std::string &out);

// wrk --latency: microseconds; requests over the run.
struct WrkResult {
	double avg_us = 0, max_us = 0, p50 = 0, p75 = 0, p90 = 0, p99 = 0;
	std::uint64_t requests = 0;
	double duration_s = 0;
	double rps = 0;
	std::uint64_t socket_errors = 0;
	std::uint64_t non_2xx = 0;
};
std::optional<WrkResult> parse_wrk(const std::string &out);

// "12.34us", "1.2ms", "3.00s", "250ns" -> microseconds; nullopt if not.
std::optional<double> parse_duration_us(const std::string &text);

// Remove ANSI colour sequences.
std::string strip_ansi(const std::string &s);

// Run @argv (searched in PATH) on @cpu (-1: anywhere), output (stdout and
// stderr) returned; killed after @timeout_s.  @status gets the wait status
// or -1 if it could not start.
std::string run_capture(const std::vector<std::string> &argv, int cpu, double timeout_s,
			int &status);
// Start @argv in the background, its output to @log_path (stderr to
// @err_path when given); the pid or -1.
pid_t spawn(const std::vector<std::string> &argv, int cpu, const std::string &log_path,
	    const std::string &err_path = {});
// The same on the CPUs @cpus (all: empty).
pid_t spawn(const std::vector<std::string> &argv, const std::vector<int> &cpus,
	    const std::string &log_path, const std::string &err_path = {});
// SIGKILL and reap.
void kill_wait(pid_t pid);
// Reap @pid if it exits within @timeout_s: true and its wait @status.
bool wait_exit(pid_t pid, double timeout_s, int &status);
// Is a TCP socket listening on @port, says this /proc/net/tcp text?
bool port_listening(const std::string &proc_net_tcp, std::uint16_t port);
// Wait until one is (no connection is made to find out).
bool wait_listening(std::uint16_t port, double timeout_s);
bool have_program(const std::string &name);

} // namespace ssb
