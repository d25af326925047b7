// SPDX-License-Identifier: GPL-2.0
#include "sysstat.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ssb {

std::string read_file(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		return {};
	std::ostringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

long ticks_per_second()
{
	static long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? hz : 100;
}

std::optional<SystemCpu> parse_proc_stat(const std::string &text)
{
	std::istringstream in(text);
	std::string line;
	SystemCpu c;
	bool cpu = false, ctxt = false;
	while (std::getline(in, line)) {
		if (line.rfind("cpu ", 0) == 0) {
			std::istringstream l(line.substr(4));
			l >> c.user >> c.nice >> c.system >> c.idle >> c.iowait >> c.irq >>
				c.softirq >> c.steal;
			cpu = !l.fail() || c.idle;
		} else if (line.rfind("ctxt ", 0) == 0) {
			c.ctxt = std::stoull(line.substr(5));
			ctxt = true;
		}
	}
	if (!cpu || !ctxt)
		return std::nullopt;
	return c;
}

std::map<int, SystemCpu> parse_proc_stat_cpus(const std::string &text)
{
	std::map<int, SystemCpu> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' ||
		    line[3] > '9')
			continue;
		std::istringstream l(line.substr(3));
		int n = -1;
		SystemCpu c;
		l >> n >> c.user >> c.nice >> c.system >> c.idle >> c.iowait >> c.irq >> c.softirq;
		if (l.fail() || n < 0)
			continue;
		l >> c.steal;	// absent on very old kernels
		out[n] = c;
	}
	return out;
}

std::optional<SystemCpu> read_system_cpu()
{
	return parse_proc_stat(read_file("/proc/stat"));
}

std::optional<CtxSwitches> parse_status_ctx(const std::string &text)
{
	CtxSwitches c;
	int found = 0;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		unsigned long long v;
		if (std::sscanf(line.c_str(), "voluntary_ctxt_switches: %llu", &v) == 1) {
			c.voluntary = v;
			found |= 1;
		} else if (std::sscanf(line.c_str(), "nonvoluntary_ctxt_switches: %llu", &v) == 1) {
			c.nonvoluntary = v;
			found |= 2;
		}
	}
	if (found != 3)
		return std::nullopt;
	return c;
}

CtxSwitches process_ctx(pid_t pid)
{
	CtxSwitches sum;
	std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = opendir(dir.c_str());
	if (!d)
		return sum;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		if (auto c = parse_status_ctx(read_file(dir + "/" + e->d_name + "/status"))) {
			sum.voluntary += c->voluntary;
			sum.nonvoluntary += c->nonvoluntary;
		}
	}
	closedir(d);
	return sum;
}

std::optional<ProcessCpu> parse_pid_stat(const std::string &text)
{
	// "pid (comm) state ..." : comm may hold blanks and parentheses.
	auto rp = text.rfind(')');
	if (rp == std::string::npos)
		return std::nullopt;
	std::istringstream in(text.substr(rp + 1));
	std::string field;
	ProcessCpu c;
	// After ")": state(3) ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime(14) stime(15).
	for (int i = 3; i <= 15; i++) {
		if (!(in >> field))
			return std::nullopt;
		if (i == 5)
			c.pgrp = pid_t(std::stol(field));
		else if (i == 14)
			c.utime = std::stoull(field);
		else if (i == 15)
			c.stime = std::stoull(field);
	}
	return c;
}

ProcessCpu process_cpu(pid_t pid)
{
	return parse_pid_stat(read_file("/proc/" + std::to_string(pid) + "/stat"))
		.value_or(ProcessCpu{});
}

std::vector<pid_t> process_group(pid_t pgid)
{
	std::vector<pid_t> out;
	if (pgid <= 0)
		return out;
	if (process_cpu(pgid).pgrp == pgid)
		out.push_back(pgid);
	DIR *d = opendir("/proc");
	if (!d)
		return out;
	while (struct dirent *e = readdir(d)) {
		char *end;
		long pid = std::strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == pgid)
			continue;
		auto c = parse_pid_stat(read_file("/proc/" + std::string(e->d_name) + "/stat"));
		if (c && c->pgrp == pgid)
			out.push_back(pid_t(pid));
	}
	closedir(d);
	return out;
}

ProcessCpu group_cpu(pid_t pgid)
{
	ProcessCpu sum;
	sum.pgrp = pgid;
	for (pid_t p : process_group(pgid)) {
		ProcessCpu c = process_cpu(p);
		sum.utime += c.utime;
		sum.stime += c.stime;
	}
	return sum;
}

CtxSwitches group_ctx(pid_t pgid)
{
	CtxSwitches sum;
	for (pid_t p : process_group(pgid)) {
		CtxSwitches c = process_ctx(p);
		sum.voluntary += c.voluntary;
		sum.nonvoluntary += c.nonvoluntary;
	}
	return sum;
}

std::map<std::string, std::uint64_t> parse_meminfo(const std::string &text)
{
	std::map<std::string, std::uint64_t> m;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		auto colon = line.find(':');
		if (colon == std::string::npos)
			continue;
		unsigned long long v;
		if (std::sscanf(line.c_str() + colon + 1, "%llu", &v) == 1)
			m[line.substr(0, colon)] = v;
	}
	return m;
}

std::map<std::string, std::uint64_t> parse_slabinfo(const std::string &text)
{
	std::map<std::string, std::uint64_t> m;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.empty() || line[0] == '#' || line.rfind("slabinfo", 0) == 0)
			continue;
		char name[128];
		unsigned long long active, num, size;
		if (std::sscanf(line.c_str(), "%127s %llu %llu %llu", name, &active, &num,
				&size) == 4)
			m[name] = active * size;
	}
	return m;
}

} // namespace ssb
