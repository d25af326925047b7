// SPDX-License-Identifier: GPL-2.0
//
// What syncsockctl says when a request fails is libsyncsock's
// error_message(): every tool says the same.
#pragma once

#include <syncsock/syncsock.hpp>

namespace syncsock::cli {

using Op = Operation;

} // namespace syncsock::cli
