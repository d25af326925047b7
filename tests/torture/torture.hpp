// SPDX-License-Identifier: GPL-2.0
//
// What the torture programs share: their figures, printed as one line each
// for scripts/torture.py ("##TORTURE <phase> <JSON object>"), the kernel's
// memory and socket gauges, and kmemleak.
#pragma once

#include <cstdint>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/mount.h>
#include <unistd.h>

#include "ssk_control.hpp"

namespace syncsock::torture {

using namespace syncsock::test;

// A flat JSON object, built field by field.
class Figures {
public:
	Figures &num(const std::string &k, double v)
	{
		std::ostringstream o;
		o.precision(6);
		o << v;
		return raw(k, o.str());
	}
	Figures &num(const std::string &k, std::uint64_t v) { return raw(k, std::to_string(v)); }
	Figures &num(const std::string &k, std::int64_t v) { return raw(k, std::to_string(v)); }
	Figures &num(const std::string &k, unsigned v) { return raw(k, std::to_string(v)); }
	Figures &flag(const std::string &k, bool v) { return raw(k, v ? "true" : "false"); }
	Figures &str(const std::string &k, const std::string &v)
	{
		std::string q = "\"";
		for (char c : v) {
			if (c == '"' || c == '\\')
				q += '\\';
			if (static_cast<unsigned char>(c) < 0x20)
				c = ' ';
			q += c;
		}
		return raw(k, q + "\"");
	}
	Figures &raw(const std::string &k, const std::string &v)
	{
		body_ += (body_.empty() ? "" : ",") + ("\"" + k + "\":") + v;
		return *this;
	}
	std::string json() const { return "{" + body_ + "}"; }

	// One line the driver collects; stdout is the guest's test channel.
	void emit(const std::string &phase) const
	{
		std::printf("##TORTURE %s %s\n", phase.c_str(), json().c_str());
		std::fflush(stdout);
	}

private:
	std::string body_;
};

// /proc/net/sockstat's TCP line: sockets in use, and pages of socket memory.
struct SockStat {
	std::uint64_t inuse = 0, orphan = 0, tw = 0, mem_pages = 0;
};

inline SockStat sockstat()
{
	SockStat s;
	for (const auto &line : split_lines(must_read("/proc/net/sockstat"))) {
		if (line.rfind("TCP: ", 0))
			continue;
		// "inuse 5 orphan 0 tw 0 alloc 7 mem 1"
		std::istringstream in(line.substr(5));
		std::string k;
		std::uint64_t v;
		while (in >> k >> v) {
			if (k == "inuse")
				s.inuse = v;
			else if (k == "orphan")
				s.orphan = v;
			else if (k == "tw")
				s.tw = v;
			else if (k == "mem")
				s.mem_pages = v;
		}
	}
	return s;
}

// Slab memory in objects in use, KiB: /proc/slabinfo's active objects times
// their size.  Unlike meminfo's Slab, it does not count the free objects a
// cache keeps in its pages after a storm of frees (SLUB counts those of the
// per-CPU slabs as in use: an approximation from above).  Meminfo's Slab
// where the kernel has no slabinfo.
inline std::uint64_t slab_used_kb()
{
	auto text = read_text("/proc/slabinfo");
	if (!text)
		return meminfo_kb("Slab");
	std::uint64_t bytes = 0;
	for (const auto &line : split_lines(*text)) {
		if (line.empty() || line[0] == '#' || line.rfind("slabinfo", 0) == 0)
			continue;
		std::istringstream in(line);
		std::string name;
		std::uint64_t active = 0, total = 0, size = 0;
		if (in >> name >> active >> total >> size)
			bytes += active * size;
	}
	return bytes / 1024;
}

// kmemleak, where the kernel has it (the debug kernels): clear() forgets what
// is known, scan() reports what is new.
class Kmemleak {
public:
	Kmemleak()
	{
		if (::access(kPath, F_OK))
			::mount("debugfs", "/sys/kernel/debug", "debugfs", 0, nullptr);
		present_ = ::access(kPath, W_OK) == 0;
	}
	bool present() const { return present_; }
	void clear() const
	{
		if (present_)
			write_text(kPath, "clear");
	}

	struct Report {
		unsigned total = 0, ours = 0;
		std::string text;	// the reports with a frame of syncsock's
	};

	// Two scans: an object must look unreferenced in both to be reported.
	Report scan() const
	{
		Report r;
		if (!present_)
			return r;
		for (int i = 0; i < 2; i++) {
			write_text(kPath, "scan");
			::sleep(1);
		}
		auto text = read_text(kPath).value_or("");
		std::string cur;
		auto flush = [&] {
			if (cur.empty())
				return;
			r.total++;
			// A frame of one of syncsock's modules ("... [syncsock]"),
			// or a bare address once it is unloaded (kernel text always
			// resolves, and no other module is loaded).
			static const std::regex ours(R"(\[syncsock[a-z_]*\]|\] 0xffffffff[0-9a-f]+\n)");
			if (std::regex_search(cur, ours)) {
				r.ours++;
				r.text += cur;
			} else if (r.total <= 3) {
				std::printf("kmemleak (not syncsock's, printed only):\n%s", cur.c_str());
			}
			cur.clear();
		};
		for (const auto &line : split_lines(text)) {
			if (line.rfind("unreferenced object", 0) == 0)
				flush();
			cur += line + "\n";
		}
		flush();
		// What was reported is known now: the next round starts clean.
		clear();
		return r;
	}

private:
	static constexpr const char *kPath = "/sys/kernel/debug/kmemleak";
	bool present_ = false;
};

}  // namespace syncsock::torture
