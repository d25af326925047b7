// SPDX-License-Identifier: GPL-2.0
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ssb {

std::uint64_t percentile(const std::vector<std::uint64_t> &sorted, double p)
{
	if (sorted.empty())
		return 0;
	if (p <= 0)
		return sorted.front();
	if (p >= 100)
		return sorted.back();
	// rank = ceil(p/100 * n), 1-based; computed in integers of 1e-6 %
	// steps so that 99.9 of 1000 samples is rank 999 exactly.
	auto n = static_cast<long double>(sorted.size());
	long double r = std::ceil(static_cast<long double>(p) * n / 100.0L - 1e-9L);
	auto rank = static_cast<std::size_t>(std::max<long double>(1, r));
	return sorted[std::min(rank, sorted.size()) - 1];
}

Summary summarize(std::vector<std::uint64_t> &samples)
{
	Summary s;
	if (samples.empty())
		return s;
	std::sort(samples.begin(), samples.end());
	s.count = samples.size();
	long double sum = 0;
	for (auto v : samples)
		sum += v;
	s.min = double(samples.front());
	s.mean = double(sum / samples.size());
	s.p50 = double(percentile(samples, 50));
	s.p90 = double(percentile(samples, 90));
	s.p99 = double(percentile(samples, 99));
	s.p999 = double(percentile(samples, 99.9));
	s.max = double(samples.back());
	return s;
}

std::vector<std::pair<double, double>> cdf_points(const std::vector<std::uint64_t> &sorted,
						    double scale)
{
	std::vector<std::pair<double, double>> out;
	if (sorted.empty())
		return out;
	std::vector<double> ps;
	for (int i = 0; i < 100; i++)
		ps.push_back(i);
	for (double p : {99.5, 99.9, 99.95, 99.99, 99.999, 100.0})
		ps.push_back(p);
	for (double p : ps) {
		double v = double(percentile(sorted, p)) / scale;
		// The fraction of samples at or below v, as a nearest-rank
		// percentile promises at least p.
		out.emplace_back(round_to(v, 3), p / 100);
	}
	return out;
}

double round_to(double v, int digits)
{
	double m = std::pow(10.0, digits);
	return std::round(v * m) / m;
}

Spread spread_of(std::vector<double> v)
{
	Spread s;
	s.n = unsigned(v.size());
	if (v.empty())
		return s;
	std::sort(v.begin(), v.end());
	s.min = v.front();
	s.max = v.back();
	s.median = v[(v.size() - 1) / 2];
	s.spread_pct = s.median != 0 ? (s.max - s.min) / s.median * 100 : 0;
	return s;
}

std::string open_loop_shortfall(double target_rps, double achieved_rps, std::uint64_t missed,
				double tolerance)
{
	if (target_rps <= 0)
		return "";
	char buf[256];
	if (missed) {
		std::snprintf(buf, sizeof(buf),
			      "open loop did not keep its rate: %llu messages were due with no "
			      "free slot (replies too slow); %.0f of %.0f req/s",
			      static_cast<unsigned long long>(missed), achieved_rps, target_rps);
		return buf;
	}
	if (achieved_rps < target_rps * (1 - tolerance)) {
		std::snprintf(buf, sizeof(buf),
			      "open loop did not keep its rate: %.0f of %.0f req/s (%.1f %%)",
			      achieved_rps, target_rps, achieved_rps / target_rps * 100);
		return buf;
	}
	return "";
}

double RateSearch::next() const
{
	if (start_ < 1 || probes_ >= max_)
		return 0;
	double r;
	if (!probes_)
		r = start_;
	else if (!lost_)
		r = kept_ * 1.5;
	else if (!kept_)
		r = lost_ / 2;
	else if (lost_ / kept_ <= 1 + precision_)
		return 0;
	else
		r = std::sqrt(kept_ * lost_);
	return r >= 1 ? r : 0;
}

void RateSearch::result(double rate, bool kept)
{
	probes_++;
	if (kept && rate > kept_)
		kept_ = rate;
	else if (!kept && (!lost_ || rate < lost_))
		lost_ = rate;
}

} // namespace ssb
