// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssb {

struct Options {
	std::string command;	// run, serve, table, report, plot, validate, help, version

	// run
	std::vector<std::string> paths;	// default: every echo path
	std::vector<unsigned> conns{1, 64};
	std::vector<std::size_t> sizes{64};
	std::vector<unsigned> depths{1};
	std::vector<double> rates;	// open loop, messages/s, each a cell; none: closed loop
	std::vector<double> loads;	// open loop at these fractions of each path's closed-loop peak
	std::vector<unsigned> churn_conns;	// churn cells: connections at a time
	double duration = 3;
	unsigned repeat = 1;	// runs per cell: the median and the spread
	double warmup = 1;
	unsigned client_threads = 0;	// 0: one per CPU
	unsigned server_threads = 0;	// 0: one per CPU
	std::string pin = "same";	// same, cross, none
	std::string host = "127.0.0.1";
	std::string server;	// run: HOST[:PORT] of syncsock-bench serve; "": local
	bool server_exit = false;	// run: the serving side exits at the end
	double server_wait = 0;	// run: seconds to wait for syncsock-bench serve
	std::uint16_t port = 7100;	// first port of the servers
	std::uint16_t kernel_port = 0;	// an existing listener; 0: add one
	std::string device = "/dev/syncsock";
	std::string backend;	// run: the proxies' backend, HOST[:PORT]; serve relay: ADDR:PORT
	bool sockperf = false;
	std::vector<std::size_t> sockperf_sizes{64};
	bool wrk = false;
	std::vector<unsigned> wrk_conns{1, 64};
	double ext_duration = 3;
	unsigned memory_conns = 0;
	std::string json_path;
	std::string label;
	std::string accelerator;
	bool quiet = false;
	bool trace = false;	// syncsock-trace alongside each run
	std::string trace_program = "syncsock-trace";

	// serve
	std::string kind;	// "": the control server for run --server
	std::string listen = "0.0.0.0:7099";
	int ready_fd = -1;
	std::vector<int> cpus;	// serve: worker CPUs
	bool cpus_set = false;

	// table, report, plot, validate
	std::vector<std::string> files;
	std::string out_dir = ".";
	bool markdown = false;
	bool all_cdfs = false;
	bool render = true;
	std::vector<std::string> require_paths;
	bool strict = false;	// validate: no run or external may have failed

	std::string command_line;	// as typed, for the result file
};

// Parse argv; nullopt and @error (a one-line message) on a usage error.
std::optional<Options> parse_options(const std::vector<std::string> &args, std::string &error);

// "1,64,1k,10k" (k = 1000) and "64,4k" (k = 1024 for sizes).
std::optional<std::vector<unsigned>> parse_count_list(const std::string &s);
std::optional<std::vector<std::size_t>> parse_size_list(const std::string &s);

std::string usage();

} // namespace ssb
