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
//
// The split runs (run --server: the server on CPUs of its own, measured from
// a load generator; their "split" object), closed loop (open-loop and churn
// runs are not drawn), every depth <D>:
//
//   split-capacity-<S>B-d<D>.png   per path, the server's derived capacity
//                                  (requests/s at 100 % of its CPUs busy)
//                                  against connection count
//   split-cpu-<C>c-<S>B-d<D>.png   per path, the server's CPU per request on
//                                  its CPUs (user, system, softirq, irq)
//   split-share-<C>c-<S>B-d<D>.png per path, the server's CPUs busy, its own
//                                  share (of its host's busy time, the part
//                                  on its CPUs; under 90 % it leaked) and the
//                                  client host's CPUs busy
//
// The cpu and share plots are drawn for every cell (<C>, <S>, <D>) of a
// set-up with at most 8 cells, else only for the cells at 64 connections and
// 64 B (or the fewest connections and the smallest size there are), every
// depth.  Set-ups other than the server on 1 CPU and the client on 1 vCPU
// add "srv<N>cpu-cli<V>vcpu-" after the kind ("split-cpu-srv2cpu-cli1vcpu-...").
//
// Failed runs are left out (a repeated cell fails if any of its runs did).
// Leaking runs are drawn, marked: a circle around their capacity point,
// "(leaking)" after the path under their bars.  A repeated cell (--repeat) is
// drawn from the run that stands for it, its median; the title says of how
// many runs.  Where the files hold a cell more than once (make bench's
// split.json and split-repeat.json), a path's run of the most repeats is
// drawn, else its first.
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
