// SPDX-License-Identifier: GPL-2.0
//
// In-guest test helpers for running the real tools (curl, wrk, sockperf,
// syncsockctl, rmmod) and reading what they print: a command line under sh
// with a hard timeout, stdout and stderr captured together, its exit status;
// numbers picked out of the output; and printable renderings of byte strings
// for failure messages (where two long strings first differ).
//
// Like ssk_control.hpp: no Catch2 macros, std::runtime_error on the
// unexpected.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "ssk_control.hpp"

namespace syncsock::test {

// What a command did.
struct Cmd {
	int status = -1;	// exit status; 128 + N when killed by signal N
	std::string out;	// stdout and stderr, interleaved as written
};

// @s as one word for sh.
inline std::string sh_quote(const std::string &s)
{
	std::string q = "'";
	for (char c : s)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

// Run @cmd under sh, killed (SIGKILL) after @timeout_s seconds.
inline Cmd run(const std::string &cmd, int timeout_s = 60)
{
	const std::string full = "timeout -s KILL " + std::to_string(timeout_s) + " sh -c " +
				 sh_quote(cmd) + " 2>&1";
	Cmd r;
	FILE *p = ::popen(full.c_str(), "r");
	if (!p)
		fail("popen: " + errno_str(errno));
	char buf[65536];
	std::size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
		r.out.append(buf, n);
	int st = ::pclose(p);
	if (st < 0)
		fail("pclose: " + errno_str(errno));
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

// @s without terminal colour sequences (sockperf colours some lines).
inline std::string strip_ansi(const std::string &s)
{
	return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), "");
}

// The number in group @group of the first match of @re in @text.
inline std::optional<std::uint64_t> number_in(const std::string &text, const std::string &re,
					      int group = 1)
{
	std::smatch m;
	if (!std::regex_search(text, m, std::regex(re)))
		return std::nullopt;
	return std::stoull(m[group].str());
}

// Equal bytes.  (Catch prints both sides of a failed ==, megabytes too: a
// comparison of long strings goes through this, a byte_diff() in its INFO.)
inline bool same_bytes(const std::string &a, const std::string &b)
{
	return a == b;
}

// Printable, for messages: control bytes escaped, cut after @max bytes.
inline std::string show(const std::string &s, std::size_t max = 400)
{
	std::string o;
	for (std::size_t i = 0; i < s.size() && i < max; i++) {
		unsigned char c = s[i];
		if (c == '\r') {
			o += "\\r";
		} else if (c == '\n') {
			o += "\\n";
		} else if (c < 32 || c >= 127) {
			char b[8];
			std::snprintf(b, sizeof(b), "\\x%02x", c);
			o += b;
		} else {
			o += static_cast<char>(c);
		}
	}
	if (s.size() > max)
		o += "...(" + std::to_string(s.size()) + " bytes)";
	return o;
}

// Where @got first differs from @want, with 40 bytes of context: for the
// INFO beside a comparison of strings too long for Catch to print.
inline std::string byte_diff(const std::string &want, const std::string &got)
{
	if (want == got)
		return "identical (" + std::to_string(want.size()) + " bytes)";
	std::size_t i = 0;
	while (i < want.size() && i < got.size() && want[i] == got[i])
		i++;
	std::size_t from = i > 40 ? i - 40 : 0;
	return "want " + std::to_string(want.size()) + " bytes, got " + std::to_string(got.size()) +
	       "; first difference at byte " + std::to_string(i) + "\n  want: ..." +
	       show(want.substr(std::min(from, want.size()), 120)) + "\n  got:  ..." +
	       show(got.substr(std::min(from, got.size()), 120));
}

// ---- syncsockctl -----------------------------------------------------------

// "syncsockctl listener add ADDR handler H [config C]"; -j for JSON.
inline Cmd cli_listener_add(const std::string &addr, const std::string &handler,
			    const std::optional<std::string> &config = std::nullopt,
			    bool json = false)
{
	return run(std::string("syncsockctl ") + (json ? "-j " : "") + "listener add " + addr +
		   " handler " + handler + (config ? " config " + sh_quote(*config) : ""));
}

// The exact line syncsockctl prints (exit 2) when the module refuses a
// listener on @addr with EINVAL and the handler's message @msg.
inline std::string cli_einval(const std::string &addr, const std::string &msg)
{
	return "Error: cannot add a listener on " + addr + ": " + msg + " (EINVAL)\n";
}

// The words of the row of "syncsockctl handler list" naming @handler, or
// nothing when no row does.
inline std::vector<std::string> cli_handler_row(const std::string &handler)
{
	Cmd r = run("syncsockctl handler list");
	if (r.status != 0)
		fail("syncsockctl handler list: exit " + std::to_string(r.status) + ": " + r.out);
	for (const auto &line : split_lines(r.out)) {
		std::istringstream in(line);
		std::vector<std::string> words;
		std::string w;
		while (in >> w)
			words.push_back(w);
		if (!words.empty() && words[0] == handler)
			return words;
	}
	return {};
}

} // namespace syncsock::test
