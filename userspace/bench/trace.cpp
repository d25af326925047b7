// SPDX-License-Identifier: GPL-2.0
#include "trace.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "external.hpp"
#include "net.hpp"
#include "sysstat.hpp"

namespace ssb {

json::Value trace_summary(const json::Value &doc)
{
	json::Value s = json::Value::object();
	if (!doc.is_object() || !json::get(doc, "paths").is_array() ||
	    json::num(doc, "version") != 1) {
		s["error"] = "not a syncsock-trace JSON document of version 1";
		return s;
	}
	s["probe"] = json::str(doc, "probe");
	s["duration_s"] = json::num(doc, "duration_s");
	json::Value paths = json::Value::array();
	for (auto &p : json::items(json::get(doc, "paths"))) {
		json::Value e = json::Value::object();
		for (const char *k : {"path", "listener", "port", "label", "deliveries", "softirq_share",
				      "wakeups_per_delivery", "queued"})
			if (const json::Value *v = json::find(p, k))
				e[k] = *v;
		json::Value d = json::Value::object();
		for (const char *k : {"mean", "p50", "p90", "p99", "max"})
			d[k] = json::get(p, "delay_us", k);
		e["delay_us"] = d;
		paths.push_back(std::move(e));
	}
	s["paths"] = paths;
	return s;
}

TraceRun::~TraceRun()
{
	kill_wait(pid_);
	if (!out_.empty())
		unlink(out_.c_str());
	if (!err_.empty())
		unlink(err_.c_str());
}

bool TraceRun::start(const std::string &program, std::uint16_t port, double timeout_s)
{
	std::string base = "/tmp/syncsock-bench-trace." + std::to_string(getpid());
	out_ = base + ".json";
	err_ = base + ".err";
	pid_ = spawn({program, "-j", "-P", std::to_string(port)}, -1, out_, err_);
	if (pid_ < 0) {
		error_ = "cannot start " + program;
		return false;
	}
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	while (true) {
		std::string err = read_file(err_);
		if (err.find("syncsock-trace: attached") != std::string::npos)
			return true;
		int status;
		bool gone = wait_exit(pid_, 0.05, status);
		if (gone || now_ns() >= deadline) {
			if (gone)
				pid_ = -1;
			while (!err.empty() && err.back() == '\n')
				err.pop_back();
			error_ = program + (gone ? " exited before it attached" : " did not attach in time") +
				 (err.empty() ? "" : ": " + err);
			return false;
		}
	}
}

json::Value TraceRun::stop()
{
	json::Value s = json::Value::object();
	if (pid_ <= 0) {
		s["error"] = error_.empty() ? "not running" : error_;
		return s;
	}
	kill(pid_, SIGINT);
	int status = 0;
	if (!wait_exit(pid_, 60, status)) {
		kill_wait(pid_);
		pid_ = -1;
		s["error"] = "syncsock-trace did not end within 60 s of SIGINT";
		return s;
	}
	pid_ = -1;
	json::ParseError pe;
	auto doc = json::parse(read_file(out_), &pe);
	if (!doc || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		std::string err = read_file(err_);
		while (!err.empty() && err.back() == '\n')
			err.pop_back();
		s["error"] = "syncsock-trace " +
			     (WIFEXITED(status) ? "exited " + std::to_string(WEXITSTATUS(status))
						: std::string("was killed")) +
			     (doc ? "" : ", no JSON: " + pe.message) +
			     (err.empty() ? "" : ": " + err);
		return s;
	}
	return trace_summary(*doc);
}

} // namespace ssb
