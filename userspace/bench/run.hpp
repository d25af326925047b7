// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench run: every path, every connection count and message size,
// then the independent clients; the result document and the table.
#pragma once

#include "json.hpp"
#include "options.hpp"

namespace ssb {

// The conditions of this run (guest kernel, vCPUs, accelerator, CPU model,
// memory, command line, date).
json::Value conditions(const Options &o);

// 0: every run verified all its bytes; 1: some run failed; 2: setup error.
int run_bench(const Options &o);

// Run one user-space server in this process until killed (serve command).
int run_serve(const Options &o);

} // namespace ssb
