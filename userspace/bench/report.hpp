// SPDX-License-Identifier: GPL-2.0
//
// What syncsock-bench makes of its results: the terminal table with ratios
// against epoll, Markdown for the documentation, and the schema check of a
// result file.  Everything works on the JSON document, so that the tables
// of a guest's run are rendered again on the host from its file.
#pragma once

#include <string>
#include <vector>

#include "json.hpp"

namespace ssb {

inline constexpr const char *kSchema = "syncsock-bench/1";

// The order paths are listed in: the echo paths, then the proxy paths
// (proxies.hpp).
const std::vector<std::string> &path_order();
// The paths that echo themselves (run's default: kernel ... spin).
const std::vector<std::string> &echo_paths();

// Aligned text: columns padded to their widest cell, two spaces apart,
// numbers right-aligned, no trailing blanks.

// Number formatting of the tables: latencies "12.3", rates "12,345",
// ratios "0.32x"; "-" when there is nothing to show.
std::string fmt_us(double us);
std::string fmt_count(double v);
std::string fmt_ratio(double r);
std::string fmt_fixed(double v, int decimals);

// The runs of one or more documents, each run annotated with its document's
// conditions ("vcpus", "idle_poll") so that tables and plots group by them.
json::Value merged_runs(const std::vector<json::Value> &docs);
// A guest of less than 1.5 GiB (the memory run): its cells are kept apart.
bool small_guest(const json::Value &conditions);
json::Value merged_external(const std::vector<json::Value> &docs);

// The terminal report: one table per cell (vCPUs, message size, connections,
// depth, loop) with every path and its ratios against epoll, then the
// summary of kernel against epoll and io_uring, then the external clients.
std::string render_report(const std::vector<json::Value> &docs, bool markdown = false);
// Just the summary table (ratios of the kernel path).
std::string render_summary(const std::vector<json::Value> &docs, bool markdown = false);
// What syncsock-trace saw of the runs made with --trace.
std::string render_trace(const std::vector<json::Value> &docs, bool markdown = false);
std::string render_external(const std::vector<json::Value> &docs, bool markdown = false);
std::string render_conditions(const json::Value &doc, bool markdown = false);

// Problems of a result document against schema syncsock-bench/1 (empty: it
// is valid).
std::vector<std::string> validate(const json::Value &doc);

} // namespace ssb
