// SPDX-License-Identifier: GPL-2.0
//
// PNG plots of result documents, drawn by gnuplot (pngcairo) from scripts
// that carry their data inline, kept next to the PNGs so that a plot can be
// redrawn or restyled by hand:
//
//   cdf-<V>vcpu-<C>c-<S>B.png   round-trip latency CDF per path (1 and 64
//                               connections, or every count with all)
//   tput-<V>vcpu-<S>B.png       throughput against connection count
//   cpu-<V>vcpu-<C>c-<S>B.png   whole-system CPU per request (user, system,
//                               softirq) per path
//
// <V> gains "-idlepoll" for runs of a guest booted with idle=poll.
#pragma once

#include <string>
#include <vector>

#include "json.hpp"

namespace ssb {

struct PlotScript {
	std::string name;	// file name without extension
	std::string script;	// gnuplot commands, data inline
};

std::vector<PlotScript> plot_scripts(const std::vector<json::Value> &docs, bool all_cdfs = false);

// Write the scripts into @dir and run gnuplot on each (unless !@render);
// the PNGs written.  Errors go to @errors.
std::vector<std::string> plot(const std::vector<json::Value> &docs, const std::string &dir,
			      bool render, bool all_cdfs, std::vector<std::string> &errors);

} // namespace ssb
