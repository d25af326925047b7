// SPDX-License-Identifier: GPL-2.0
#include "external.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "net.hpp"

namespace ssb {

std::string strip_ansi(const std::string &s)
{
	std::string out;
	for (std::size_t i = 0; i < s.size(); i++) {
		if (s[i] == '\033' && i + 1 < s.size() && s[i + 1] == '[') {
			i += 2;
			while (i < s.size() && !(s[i] >= '@' && s[i] <= '~'))
				i++;
			continue;
		}
		out += s[i];
	}
	return out;
}

std::optional<SockperfResult> parse_sockperf(const std::string &raw)
{
	std::string out = strip_ansi(raw);
	SockperfResult r;
	std::smatch m;
	static const std::regex valid(
		R"(\[Valid Duration\] RunTime=([0-9.]+) sec; SentMessages=([0-9]+); ReceivedMessages=([0-9]+))");
	static const std::regex avg(R"(avg-(?:rtt|lat)=([0-9.]+))");
	static const std::regex total(R"(Total ([0-9]+) observations)");
	static const std::regex pct(R"(---> percentile ([0-9.]+) = *([0-9.]+))");
	static const std::regex mx(R"(---> <MAX> observation = *([0-9.]+))");
	static const std::regex mn(R"(---> <MIN> observation = *([0-9.]+))");
	if (!std::regex_search(out, m, valid))
		return std::nullopt;
	r.runtime_s = std::stod(m[1]);
	r.received = std::stoull(m[3]);
	if (!std::regex_search(out, m, avg))
		return std::nullopt;
	r.avg = std::stod(m[1]);
	if (std::regex_search(out, m, total))
		r.observations = std::stoull(m[1]);
	if (std::regex_search(out, m, mx))
		r.max = std::stod(m[1]);
	if (std::regex_search(out, m, mn))
		r.min = std::stod(m[1]);
	int found = 0;
	for (auto it = std::sregex_iterator(out.begin(), out.end(), pct); it != std::sregex_iterator();
	     ++it) {
		double p = std::stod((*it)[1]), v = std::stod((*it)[2]);
		auto is = [&](double want) { return p > want - 1e-6 && p < want + 1e-6; };
		if (is(25)) r.p25 = v;
		else if (is(50)) { r.p50 = v; found++; }
		else if (is(75)) r.p75 = v;
		else if (is(90)) r.p90 = v;
		else if (is(99)) { r.p99 = v; found++; }
		else if (is(99.9)) r.p999 = v;
		else if (is(99.99)) r.p9999 = v;
	}
	if (found < 2)
		return std::nullopt;
	return r;
}

std::optional<double> parse_duration_us(const std::string &t)
{
	char *end = nullptr;
	double v = std::strtod(t.c_str(), &end);
	if (end == t.c_str())
		return std::nullopt;
	std::string unit(end);
	if (unit == "us")
		return v;
	if (unit == "ms")
		return v * 1e3;
	if (unit == "s")
		return v * 1e6;
	if (unit == "ns")
		return v / 1e3;
	if (unit == "m")
		return v * 60e6;
	return std::nullopt;
}

static double scaled_count(const std::string &num, const std::string &suffix)
{
	double v = std::stod(num);
	if (suffix == "k")
		v *= 1e3;
	else if (suffix == "M" || suffix == "m")
		v *= 1e6;
	return v;
}

std::optional<WrkResult> parse_wrk(const std::string &out)
{
	WrkResult r;
	std::smatch m;
	static const std::regex lat(R"(\n\s*Latency\s+([0-9.]+[a-z]+)\s+([0-9.]+[a-z]+)\s+([0-9.]+[a-z]+))");
	static const std::regex dist(R"(\n\s*(50|75|90|99)%\s+([0-9.]+[a-z]+))");
	static const std::regex reqs(R"(([0-9]+) requests in ([0-9.]+[a-z]+))");
	static const std::regex rps(R"(Requests/sec:\s+([0-9.]+)([kM]?))");
	static const std::regex serr(
		R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))");
	static const std::regex non2xx(R"(Non-2xx or 3xx responses: ([0-9]+))");
	if (!std::regex_search(out, m, lat))
		return std::nullopt;
	r.avg_us = parse_duration_us(m[1]).value_or(0);
	r.max_us = parse_duration_us(m[3]).value_or(0);
	int found = 0;
	for (auto it = std::sregex_iterator(out.begin(), out.end(), dist); it != std::sregex_iterator();
	     ++it) {
		double v = parse_duration_us((*it)[2]).value_or(0);
		int p = std::stoi((*it)[1]);
		found++;
		if (p == 50) r.p50 = v;
		else if (p == 75) r.p75 = v;
		else if (p == 90) r.p90 = v;
		else r.p99 = v;
	}
	if (found < 4)
		return std::nullopt;
	if (!std::regex_search(out, m, reqs))
		return std::nullopt;
	r.requests = std::stoull(m[1]);
	r.duration_s = parse_duration_us(m[2]).value_or(0) / 1e6;
	if (!std::regex_search(out, m, rps))
		return std::nullopt;
	r.rps = scaled_count(m[1], m[2]);
	if (std::regex_search(out, m, serr))
		r.socket_errors = std::stoull(m[1]) + std::stoull(m[2]) + std::stoull(m[3]) +
				  std::stoull(m[4]);
	if (std::regex_search(out, m, non2xx))
		r.non_2xx = std::stoull(m[1]);
	return r;
}

static std::vector<char *> cargv(const std::vector<std::string> &argv)
{
	std::vector<char *> v;
	for (auto &a : argv)
		v.push_back(const_cast<char *>(a.c_str()));
	v.push_back(nullptr);
	return v;
}

static void child_setup(const std::vector<int> &cpus)
{
	if (!cpus.empty()) {
		cpu_set_t set;
		CPU_ZERO(&set);
		for (int c : cpus)
			CPU_SET(c, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

std::string run_capture(const std::vector<std::string> &argv, int cpu, double timeout_s,
			int &status)
{
	status = -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return std::string("pipe: ") + strerror(errno);
	auto args = cargv(argv);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return std::string("fork: ") + strerror(errno);
	}
	if (pid == 0) {
		child_setup(cpu >= 0 ? std::vector<int>{cpu} : std::vector<int>{});
		dup2(p[1], 1);
		dup2(p[1], 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(args[0], args.data());
		std::fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	std::string out;
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	bool killed = false;
	while (true) {
		std::uint64_t now = now_ns();
		if (now >= deadline && !killed) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
		}
		pollfd pf = {p[0], POLLIN, 0};
		int left = killed ? 1000 : int((deadline - now) / 1000000) + 1;
		int r = poll(&pf, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if (killed)
				break;
			continue;
		}
		char buf[4096];
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		out.append(buf, std::size_t(n));
	}
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	status = killed ? -2 : st;
	return out;
}

pid_t spawn(const std::vector<std::string> &argv, int cpu, const std::string &log_path,
	    const std::string &err_path)
{
	return spawn(argv, cpu >= 0 ? std::vector<int>{cpu} : std::vector<int>{}, log_path,
		     err_path);
}

pid_t spawn(const std::vector<std::string> &argv, const std::vector<int> &cpus,
	    const std::string &log_path, const std::string &err_path)
{
	auto args = cargv(argv);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	child_setup(cpus);
	int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (!err_path.empty()) {
		int efd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (efd >= 0)
			dup2(efd, 2);
	}
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, 0);
	execvp(args[0], args.data());
	_exit(127);
}

void kill_wait(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
}

bool wait_exit(pid_t pid, double timeout_s, int &status)
{
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	while (true) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (now_ns() >= deadline)
			return false;
		usleep(10000);
	}
}

bool port_listening(const std::string &proc_net_tcp, std::uint16_t port)
{
	std::istringstream in(proc_net_tcp);
	std::string line;
	std::getline(in, line);	// header
	while (std::getline(in, line)) {
		// "  0: 0100007F:1BBC 00000000:0000 0A ..."
		unsigned lport = 0, state = 0;
		char local[64], remote[64];
		if (std::sscanf(line.c_str(), " %*d: %63s %63s %x", local, remote, &state) != 3)
			continue;
		const char *colon = std::strchr(local, ':');
		if (!colon || std::sscanf(colon + 1, "%x", &lport) != 1)
			continue;
		if (lport == port && state == 0x0a)
			return true;
	}
	return false;
}

bool wait_listening(std::uint16_t port, double timeout_s)
{
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	while (true) {
		std::ifstream f("/proc/net/tcp");
		std::stringstream ss;
		ss << f.rdbuf();
		if (port_listening(ss.str(), port))
			return true;
		if (now_ns() >= deadline)
			return false;
		usleep(20000);
	}
}

bool have_program(const std::string &name)
{
	const char *path = std::getenv("PATH");
	std::stringstream ss(path ? path : "/usr/bin:/bin");
	std::string dir;
	while (std::getline(ss, dir, ':'))
		if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0)
			return true;
	return false;
}

} // namespace ssb
