// SPDX-License-Identifier: GPL-2.0
//
// What the kernel says about CPU time, context switches and memory: readers
// of /proc.  The parsers take the file's text so that tests feed them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ssb {

// The first line of /proc/stat (all CPUs) plus ctxt, in USER_HZ ticks.
struct SystemCpu {
	std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
		      softirq = 0, steal = 0;
	std::uint64_t ctxt = 0;	// context switches, all CPUs
	std::uint64_t busy() const { return user + nice + system + irq + softirq + steal; }
	std::uint64_t total() const { return busy() + idle + iowait; }
};
std::optional<SystemCpu> parse_proc_stat(const std::string &text);
std::optional<SystemCpu> read_system_cpu();

// The per-CPU lines of /proc/stat ("cpuN ..."), by CPU number; ctxt is 0.
std::map<int, SystemCpu> parse_proc_stat_cpus(const std::string &text);

struct CtxSwitches {
	std::uint64_t voluntary = 0, nonvoluntary = 0;
	std::uint64_t total() const { return voluntary + nonvoluntary; }
};
// voluntary_ctxt_switches and nonvoluntary_ctxt_switches of a status file.
std::optional<CtxSwitches> parse_status_ctx(const std::string &text);
// Summed over the live threads of @pid (/proc/PID/task/*/status).
CtxSwitches process_ctx(pid_t pid);

// utime + stime of the whole thread group (/proc/PID/stat), in ticks.
struct ProcessCpu {
	std::uint64_t utime = 0, stime = 0;
	pid_t pgrp = 0;	// its process group
};
std::optional<ProcessCpu> parse_pid_stat(const std::string &text);
ProcessCpu process_cpu(pid_t pid);

// The processes of process group @pgid, the leader first when it lives (a
// server started in a group of its own: nginx's master and its workers).
std::vector<pid_t> process_group(pid_t pgid);
// process_cpu() and process_ctx() summed over process_group(@pgid).
ProcessCpu group_cpu(pid_t pgid);
CtxSwitches group_ctx(pid_t pgid);

// /proc/meminfo: name -> kB.
std::map<std::string, std::uint64_t> parse_meminfo(const std::string &text);

// /proc/slabinfo: cache -> bytes in use (active_objs * objsize).
std::map<std::string, std::uint64_t> parse_slabinfo(const std::string &text);

std::string read_file(const std::string &path);
long ticks_per_second();

} // namespace ssb
