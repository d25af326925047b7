// SPDX-License-Identifier: GPL-2.0
//
// A program outside the tree, built against an installed libsyncsock (through
// find_package and through pkg-config): it parses an address, opens a
// device that is not there and prints the advice, and names a counter.
// Exit 0 when each answer is the expected one.
#include <cerrno>
#include <cstdio>
#include <string>

#include <syncsock/syncsock.hpp>

int main()
{
	int bad = 0;
	auto addr = syncsock::parse_address("[::1]:7000");
	if (!addr || addr->to_string() != "[::1]:7000") {
		std::puts("parse_address failed");
		bad++;
	}
	auto dev = syncsock::Device::open("/nonexistent/syncsock");
	std::string advice;
	if (dev) {
		std::puts("a device that does not exist opened");
		bad++;
	} else {
		syncsock::ErrorContext ctx;
		ctx.device = "/nonexistent/syncsock";
		ctx.program = "consumer";
		advice = syncsock::error_message(syncsock::Operation::open, dev.error(), ctx);
		if (dev.error().value() != ENOENT || advice.find("insmod syncsock.ko") == std::string::npos) {
			std::printf("unexpected advice: %s\n", advice.c_str());
			bad++;
		}
	}
	if (syncsock::counter_name(syncsock::Counter::fwd_inline) != "fwd_inline") {
		std::puts("counter_name failed");
		bad++;
	}
	std::printf("consumer: libsyncsock %s, ABI %u; %s\n",
		    std::string(syncsock::library_version()).c_str(),
		    unsigned(syncsock::library_abi_version()), advice.c_str());
	return bad ? 1 : 0;
}
