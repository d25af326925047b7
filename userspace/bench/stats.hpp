// SPDX-License-Identifier: GPL-2.0
//
// Latency statistics from raw samples: nothing is bucketed before the
// percentiles are taken.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ssb {

struct Summary {
	std::uint64_t count = 0;
	double min = 0, mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// The nearest-rank percentile of sorted samples: the smallest sample with at
// least @p percent of the samples at or below it (p in [0, 100]; 0 gives the
// minimum).  0 for no samples.
std::uint64_t percentile(const std::vector<std::uint64_t> &sorted, double p);

// Sort @samples in place and summarize them.
Summary summarize(std::vector<std::uint64_t> &samples);

// Points of the empirical CDF of sorted samples, (value, fraction at or
// below it), enough of them to draw it on a log axis: the percentiles 0 to
// 99 in steps of 1, then 99.5, 99.9, 99.95, 99.99, 99.999 and the maximum.
// Values are divided by @scale (e.g. 1000 to print ns as us).
std::vector<std::pair<double, double>> cdf_points(const std::vector<std::uint64_t> &sorted,
						    double scale = 1);

// Repeated runs of one cell: the median (the middle value; the lower middle
// for an even count, so that it is a value some run had), the minimum, the
// maximum and the spread, (max - min) / median in percent.
struct Spread {
	unsigned n = 0;
	double median = 0, min = 0, max = 0, spread_pct = 0;
};
Spread spread_of(std::vector<double> v);

// Did an open-loop run keep its rate?  Empty if it did: no message was
// skipped for want of a free slot (@missed) and at least (1 - @tolerance) of
// @target_rps completed.  Otherwise why not, for the report.
std::string open_loop_shortfall(double target_rps, double achieved_rps, std::uint64_t missed,
				double tolerance = 0.05);

// An open-loop capacity search: the highest rate a path keeps (see
// open_loop_shortfall).  The first rate tried is @start; while every rate
// is kept the next is 1.5 times the last, while none is it is half, and once
// a kept and a lost rate bracket the capacity the next is their geometric
// mean, until the bracket is within @precision (lost / kept <= 1 +
// @precision) or @max_probes rates were tried.  capacity() is the highest
// rate kept (0 if none was), lost() the lowest rate not kept (0 if none).
class RateSearch {
public:
	explicit RateSearch(double start, unsigned max_probes = 7, double precision = 0.1)
		: start_(start), max_(max_probes), precision_(precision)
	{
	}
	// The rate to try next, or 0 when the search is over.
	double next() const;
	void result(double rate, bool kept);
	double capacity() const { return kept_; }
	double lost() const { return lost_; }
	unsigned probes() const { return probes_; }

private:
	double start_, kept_ = 0, lost_ = 0;
	unsigned max_, probes_ = 0;
	double precision_;
};

// Round @v to @digits decimals (the files carry what is meaningful).
double round_to(double v, int digits);

} // namespace ssb
