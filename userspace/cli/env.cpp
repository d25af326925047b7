// SPDX-License-Identifier: GPL-2.0
//
// The real world: the device, a sleep that SIGINT and SIGTERM cut short,
// the monotonic clock.
#include "cli.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>

namespace syncsock::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_stop_signal(int)
{
	stop_requested = 1;
}

void install_stop_handlers()
{
	struct sigaction sa {};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	// no SA_RESTART: the sleep must return
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
}

bool interruptible_sleep(std::chrono::duration<double> d)
{
	auto deadline = std::chrono::steady_clock::now() +
			std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
	while (!stop_requested) {
		auto left = deadline - std::chrono::steady_clock::now();
		if (left <= std::chrono::steady_clock::duration::zero())
			return true;
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
		struct timespec ts = {static_cast<time_t>(ns / 1000000000),
				      static_cast<long>(ns % 1000000000)};
		::nanosleep(&ts, nullptr);
	}
	return false;
}

} // namespace

Env system_env()
{
	install_stop_handlers();
	Env env;
	env.open = [](const std::string &path) -> Result<std::unique_ptr<Control>> {
		auto dev = Device::open(path);
		if (!dev)
			return dev.error();
		return std::unique_ptr<Control>(std::make_unique<Device>(std::move(*dev)));
	};
	env.sleep = interruptible_sleep;
	env.now = [] { return std::chrono::steady_clock::now(); };
	return env;
}

} // namespace syncsock::cli
