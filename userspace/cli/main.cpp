// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl: manage syncsock.ko's listeners and read its counters.
#include <iostream>
#include <string_view>
#include <vector>

#include "cli.hpp"

int main(int argc, char **argv)
{
	std::vector<std::string_view> args(argv + 1, argv + argc);
	auto env = syncsock::cli::system_env();

	return syncsock::cli::main(args, env, std::cout, std::cerr);
}
