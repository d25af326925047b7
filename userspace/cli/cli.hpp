// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl: parse the command line into a command, run it against a
// Control (the device, or a fake in tests), print to the given streams.
// main.cpp only wires these to argv, /dev/syncsock and std::cout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <syncsock/syncsock.hpp>

namespace syncsock::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitKernel = 2;

// The help pages: one per object.
enum class Topic { main, listener, pair, handler, stats, version };

struct Options {
	bool json = false;
	bool pretty = false;	// implies json
	std::string device{kDefaultDevice};
};

struct Help {
	Topic topic = Topic::main;
};
struct ShowVersion {};		// -V: this program's version, no kernel
struct ListenerAdd {
	ListenerConfig config;
};
struct ListenerDel {
	std::uint32_t id = 0;
	bool abort = false;
};
struct ListenerList {};
struct ListenerShow {
	std::uint32_t id = 0;
};
struct PairList {
	std::uint32_t id = kAllListeners;	// one listener's, or every listener's
};
struct HandlerList {};
struct StatsCmd {
	std::uint32_t id = kModuleStats;
	bool per_cpu = false;
	std::optional<double> watch;	// seconds between samples
	std::uint64_t count = 0;	// samples to print with watch; 0: until interrupted
};
struct VersionCmd {};

using Command = std::variant<Help, ShowVersion, ListenerAdd, ListenerDel, ListenerList,
			     ListenerShow, PairList, HandlerList, StatsCmd, VersionCmd>;

// A parsed command line: a command, or a usage error (with the help page
// that would have helped).
struct Invocation {
	Options options;
	Command command;
	std::string error;
	Topic topic = Topic::main;

	bool ok() const { return error.empty(); }
};

// @args: the command line without argv[0].
Invocation parse(std::span<const std::string_view> args);

// The world a command runs in; tests replace each part.
struct Env {
	// Open the control device at @path.
	std::function<Result<std::unique_ptr<Control>>(const std::string &path)> open;
	// Sleep; false if interrupted (SIGINT, SIGTERM): stop watching.
	std::function<bool(std::chrono::duration<double>)> sleep;
	std::function<std::chrono::steady_clock::time_point()> now;
};

// The real device, sleep and clock; SIGINT and SIGTERM interrupt sleep.
Env system_env();

// Run a parsed command line.  Return: the exit code.
int run(const Invocation &inv, Env &env, std::ostream &out, std::ostream &err);

// parse() and run().
int main(std::span<const std::string_view> args, Env &env, std::ostream &out, std::ostream &err);

std::string help_text(Topic topic);

// "syncsockctl 0.1".
std::string_view cli_version();

// Numbers as the grammar takes them and the tables show them.
// A size: N, Nk, Nm or Ng (KiB, MiB, GiB; either case).
Result<std::uint64_t> parse_size(std::string_view text);
// Milliseconds: N, Nms or Ns.
Result<std::uint64_t> parse_millis(std::string_view text);
// 262144 -> "256k", 1048576 -> "1m", 1000 -> "1000".
std::string format_size(std::uint64_t bytes);

} // namespace syncsock::cli
