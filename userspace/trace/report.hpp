// SPDX-License-Identifier: GPL-2.0
//
// syncsock-trace without the BPF: the command line, and the report (log2
// histograms, the per-path summary, JSON) made from what the maps held.
// Kept apart from main.cpp so that the host tests can run it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "json_doc.hpp"
#include "syncsock_trace.h"

namespace syncsock::trace {

inline constexpr std::string_view kVersion = "0.1";
// The "version" field of the JSON document: bumped when a field changes
// meaning or goes away (fields are only ever added within a version).
inline constexpr int kJsonVersion = 1;

struct Options {
	std::vector<std::uint16_t> ports;	// -p, local ports
	std::vector<std::uint32_t> listeners;	// -l, syncsock listener ids
	std::optional<double> duration;		// -d seconds; else until SIGINT/SIGTERM
	bool json = false;			// -j
	bool pretty = false;			// --pretty
	bool conns = false;			// -C
	bool kprobes = false;			// --kprobes
	bool verbose = false;			// -v
	bool help = false;			// -h
	bool version = false;			// -V
};

// The options, or what was wrong with them.
struct Parsed {
	Options options;
	std::string error;
};

Parsed parse_args(std::span<const std::string_view> args);

// How to report a usage error in @args (parsing stopped at it, so -j may
// come after): as JSON when -j or -p is anywhere, alone or in a group of
// flags (-jC), indented with -p.
struct ErrorFormat {
	bool json = false;
	bool pretty = false;
};
ErrorFormat error_format(std::span<const std::string_view> args);
std::string usage();

struct Counts {
	std::uint64_t deliveries = 0, bytes = 0, softirq = 0, queued = 0, wakeups = 0,
		      wakeups_nodata = 0, timed = 0, delay_sum_ns = 0, delay_max_ns = 0;

	static Counts from(const sst_counts &c);
	double softirq_share() const;
	double wakeups_per_delivery() const;
	std::optional<double> mean_us() const;
	std::optional<double> max_us() const;
};

struct Path {
	sst_kind kind = SST_KIND_USER;
	std::uint32_t listener = 0;	// syncsock paths
	std::uint16_t port = 0;		// local port
	std::string handler;		// syncsock paths, when the device could say
	std::string address;		// the listener's, likewise
	Counts c;
	std::array<std::uint64_t, SST_US_SLOTS> hist_us{};
	std::array<std::uint64_t, SST_NS_SLOTS> hist_ns{};

	static Path from(const sst_path_key &key, const sst_path_stats &s);
	// "syncsock listener 1 (echo 127.0.0.1:7600)", "user-space port 7601".
	std::string label() const;
	// The @q quantile (0..1) of the delay, in microseconds: the middle of
	// the fine histogram's bucket, so within 12.5%.  Nothing if untimed.
	std::optional<double> quantile_us(double q) const;
};

struct Conn {
	sst_kind kind = SST_KIND_USER;
	std::uint32_t listener = 0;
	std::string local, remote;	// "127.0.0.1:7600", "[::1]:7600"
	Counts c;

	static Conn from(const sst_conn_stats &s);
	std::string path() const;
};

struct Report {
	double duration_s = 0;
	std::string probe;		// "fentry" or "kprobe"
	bool context_checked = true;	// wakeups from interrupts excluded
	bool syncsock_events = false;	// the module's tracepoints were attached
	Options options;
	std::vector<Path> paths;
	std::vector<Conn> conns;
	sst_globals globals{};

	void sort();
};

// The log2 histogram as bcc/libbpf-tools print it ("usecs", stars).
std::string format_log2_hist(std::span<const std::uint64_t> slots, std::string_view unit);
std::string format_text(const Report &r);
std::string format_json(const Report &r);

// The JSON document {"error": @message}, as the other tools print it.
using text::json_error;

} // namespace syncsock::trace
