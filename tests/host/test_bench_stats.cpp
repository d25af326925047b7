// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench: percentiles from raw samples, the CDF points, and the
// parsers of /proc that the per-request costs come from.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "stats.hpp"
#include "sysstat.hpp"

using namespace ssb;

TEST_CASE("bench stats: nearest-rank percentiles of 1..100", "[bench][stats]")
{
	std::vector<std::uint64_t> v(100);
	std::iota(v.begin(), v.end(), 1);
	CHECK(percentile(v, 0) == 1);
	CHECK(percentile(v, 1) == 1);
	CHECK(percentile(v, 50) == 50);
	CHECK(percentile(v, 50.5) == 51);
	CHECK(percentile(v, 90) == 90);
	CHECK(percentile(v, 99) == 99);
	CHECK(percentile(v, 99.9) == 100);
	CHECK(percentile(v, 100) == 100);
}

TEST_CASE("bench stats: 99.9 of 1000 samples is the 999th, not the 1000th", "[bench][stats]")
{
	std::vector<std::uint64_t> v(1000);
	std::iota(v.begin(), v.end(), 1);
	CHECK(percentile(v, 99.9) == 999);
	CHECK(percentile(v, 99) == 990);
	CHECK(percentile(v, 90) == 900);
	CHECK(percentile(v, 50) == 500);
}

TEST_CASE("bench stats: small and degenerate sample sets", "[bench][stats]")
{
	std::vector<std::uint64_t> none;
	CHECK(percentile(none, 50) == 0);
	Summary s0 = summarize(none);
	CHECK(s0.count == 0);
	CHECK(s0.max == 0);

	std::vector<std::uint64_t> one{42};
	Summary s1 = summarize(one);
	CHECK(s1.count == 1);
	CHECK(s1.p50 == 42);
	CHECK(s1.p999 == 42);
	CHECK(s1.max == 42);
	CHECK(s1.min == 42);

	std::vector<std::uint64_t> three{30, 10, 20};
	Summary s3 = summarize(three);	// sorts in place
	CHECK(three == std::vector<std::uint64_t>{10, 20, 30});
	CHECK(s3.p50 == 20);	// rank ceil(1.5) = 2
	CHECK(s3.p90 == 30);
	CHECK(s3.mean == Approx(20));
}

TEST_CASE("bench stats: a known distribution, shuffled", "[bench][stats]")
{
	// 10,000 samples: 9,900 of 100 ns, 90 of 1,000 ns, 9 of 10,000 ns
	// and one of 1 ms.
	std::vector<std::uint64_t> v;
	v.insert(v.end(), 9900, 100);
	v.insert(v.end(), 90, 1000);
	v.insert(v.end(), 9, 10000);
	v.push_back(1000000);
	std::mt19937 rng(7);
	std::shuffle(v.begin(), v.end(), rng);
	Summary s = summarize(v);
	CHECK(s.count == 10000);
	CHECK(s.p50 == 100);
	CHECK(s.p90 == 100);
	CHECK(s.p99 == 100);	// rank 9900
	CHECK(s.p999 == 1000);	// rank 9990
	CHECK(s.max == 1000000);
	CHECK(s.min == 100);
	CHECK(s.mean == Approx((9900 * 100 + 90 * 1000 + 9 * 10000 + 1000000) / 10000.0));
}

TEST_CASE("bench stats: CDF points are monotonic and end at the maximum", "[bench][stats]")
{
	std::vector<std::uint64_t> v(5000);
	std::iota(v.begin(), v.end(), 1000);
	auto pts = cdf_points(v, 1000);
	REQUIRE(pts.size() == 106);
	CHECK(pts.front().first == 1.0);	// the minimum, in us
	CHECK(pts.front().second == 0);
	CHECK(pts.back().first == Approx(5.999));
	CHECK(pts.back().second == 1.0);
	for (std::size_t i = 1; i < pts.size(); i++) {
		CHECK(pts[i].first >= pts[i - 1].first);
		CHECK(pts[i].second > pts[i - 1].second);
	}
	CHECK(cdf_points({}).empty());
}

TEST_CASE("bench sysstat: /proc/stat", "[bench][proc]")
{
	auto c = parse_proc_stat("cpu  100 5 200 3000 7 1 50 0 0 0\n"
				 "cpu0 50 2 100 1500 3 1 25 0 0 0\n"
				 "intr 12345 0 0\nctxt 987654\nbtime 1\n");
	REQUIRE(c);
	CHECK(c->user == 100);
	CHECK(c->nice == 5);
	CHECK(c->system == 200);
	CHECK(c->idle == 3000);
	CHECK(c->iowait == 7);
	CHECK(c->irq == 1);
	CHECK(c->softirq == 50);
	CHECK(c->ctxt == 987654);
	CHECK(c->busy() == 356);
	CHECK(c->total() == 3363);
	CHECK_FALSE(parse_proc_stat("cpu  1 2 3 4\n"));	// no ctxt
}

TEST_CASE("bench sysstat: status, stat, meminfo and slabinfo", "[bench][proc]")
{
	auto ctx = parse_status_ctx("Name:\tfoo\nThreads:\t1\nvoluntary_ctxt_switches:\t17\n"
				    "nonvoluntary_ctxt_switches:\t4\n");
	REQUIRE(ctx);
	CHECK(ctx->voluntary == 17);
	CHECK(ctx->nonvoluntary == 4);
	CHECK(ctx->total() == 21);
	CHECK_FALSE(parse_status_ctx("Name:\tfoo\n"));

	// A command name with blanks and parentheses.
	auto st = parse_pid_stat("1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 "
				 "77 33 0 0 20 0 3 0 100 0 0\n");
	REQUIRE(st);
	CHECK(st->utime == 77);
	CHECK(st->stime == 33);

	auto mi = parse_meminfo("MemTotal:        2020736 kB\nSlab:               8424 kB\n"
				"HugePages_Total:       0\n");
	CHECK(mi["MemTotal"] == 2020736);
	CHECK(mi["Slab"] == 8424);
	CHECK(mi["HugePages_Total"] == 0);

	auto si = parse_slabinfo(
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> ...\n"
		"kmalloc-512          304    320    512   16    2 : tunables    0    0    0 : slabdata 19 19 0\n"
		"TCP                   20     24   2432   13    8 : tunables    0    0    0 : slabdata 2 2 0\n");
	CHECK(si.size() == 2);
	CHECK(si["kmalloc-512"] == 304 * 512);
	CHECK(si["TCP"] == 20 * 2432);
}

TEST_CASE("bench repeat: median, min, max and spread", "[bench][stats][repeat]")
{
	Spread s = spread_of({100, 90, 110});
	CHECK(s.n == 3);
	CHECK(s.median == 100);
	CHECK(s.min == 90);
	CHECK(s.max == 110);
	CHECK(s.spread_pct == Approx(20));
	// An even count: the lower middle, a value some run had.
	s = spread_of({4, 1, 3, 2});
	CHECK(s.median == 2);
	CHECK(s.spread_pct == Approx(150));
	s = spread_of({});
	CHECK(s.n == 0);
	CHECK(s.spread_pct == 0);
	s = spread_of({0, 0});
	CHECK(s.spread_pct == 0);	// no division by zero
}

TEST_CASE("bench open loop: a run that fell behind is a shortfall", "[bench][stats][open-loop]")
{
	CHECK(open_loop_shortfall(0, 0, 0).empty());	// closed loop
	CHECK(open_loop_shortfall(10000, 9990, 0).empty());
	CHECK(open_loop_shortfall(10000, 9500, 0).empty());	// 5 % is the tolerance
	std::string why = open_loop_shortfall(10000, 9400, 0);
	CHECK_THAT(why, Catch::Contains("9400 of 10000 req/s"));
	// Every message due found a slot, or the rate was not kept, whatever
	// the total says.
	why = open_loop_shortfall(10000, 10000, 3);
	CHECK_THAT(why, Catch::Contains("3 messages were due with no free slot"));
	CHECK(open_loop_shortfall(10000, 9000, 0, 0.2).empty());
}

// Drive a search against a path that keeps every rate up to @cap.
static RateSearch search_against(double start, double cap, std::vector<double> &tried)
{
	RateSearch s(start);
	for (double r = s.next(); r > 0; r = s.next()) {
		tried.push_back(r);
		s.result(r, r <= cap);
	}
	return s;
}

TEST_CASE("bench open loop: the capacity search brackets the highest rate kept",
	  "[bench][stats][open-loop]")
{
	std::vector<double> tried;
	// Up from the start, then halving the bracket geometrically.
	RateSearch s = search_against(1000, 1700, tried);
	REQUIRE(tried.size() >= 3);
	CHECK(tried[0] == 1000);
	CHECK(tried[1] == 1500);
	CHECK(tried[2] == 2250);
	CHECK(s.capacity() <= 1700);
	CHECK(s.capacity() >= 1700 / 1.1);
	CHECK(s.lost() > 1700);
	CHECK(s.lost() / s.capacity() <= 1.1);
	CHECK(s.probes() == tried.size());
	CHECK(tried.size() <= 7);

	// Down from a start it cannot keep.
	tried.clear();
	s = search_against(10000, 1234, tried);
	CHECK(tried[1] == 5000);
	CHECK(s.capacity() <= 1234);
	CHECK(s.capacity() > 0);
	CHECK(tried.size() <= 7);

	// Nothing kept within the probes: no capacity, and the search ends.
	tried.clear();
	s = search_against(1e6, 0.5, tried);
	CHECK(s.capacity() == 0);
	CHECK(tried.size() == 7);

	// A path that keeps everything: the search stops at its probe limit
	// with the highest rate tried.
	tried.clear();
	s = search_against(100, 1e12, tried);
	CHECK(tried.size() == 7);
	CHECK(s.capacity() == tried.back());
	CHECK(s.lost() == 0);

	// No start, no search.
	RateSearch none(0);
	CHECK(none.next() == 0);
}
