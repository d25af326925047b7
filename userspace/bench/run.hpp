// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench run: every path, every connection count and message size,
// then the independent clients; the result document and the table.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"

namespace ssb {

// The conditions of this run (guest kernel, vCPUs, accelerator, CPU model,
// memory, command line, date).
json::Value conditions(const Options &o);

// 0: every run verified all its bytes; 2: some run failed, or a setup
// error (1 is the command line's: main()).
int run_bench(const Options &o);

// --repeat: the runs of one cell as one, the median run standing for it, with
// "repeat": {n, ok, throughput_rps, p50_us, p99_us, cpu_us_per_req,
// server_us_per_req}, each {median, min, max, spread_pct}.  Any failed run
// fails the cell.
json::Value combine_repeats(const std::vector<json::Value> &reps);
std::string describe_repeat(const json::Value &rep);

// Run one user-space server in this process until killed (serve KIND), or
// the control server for run --server (serve without a kind).
int run_serve(const Options &o);

// serve without a kind (serve.cpp).
int run_control_server(const Options &o);

// A user-space server of @kind (serve KIND) in a child process of its own
// process group, on @cpus, killed if this process dies: its pid once it
// listens.  @backend is the relay's.  Throws std::runtime_error.
pid_t start_server_process(const std::string &kind, const std::string &host, std::uint16_t port,
			   unsigned threads, const std::vector<int> &cpus,
			   const std::string &backend = {});
// Kill it (its process group) and reap it.
void stop_server_process(pid_t pid);
// A server child started otherwise (HAProxy, nginx): killed, with its
// process group, if this process is interrupted.
void track_server_child(pid_t pid);

} // namespace ssb
