// SPDX-License-Identifier: GPL-2.0
//
// Allocation failures (debug kernel: failslab and fail_page_alloc).  While
// traffic runs, 10% of the allocations made with syncsock's code on the stack
// fail: the module's own (send queue, framer buffer, connection, listener)
// and the kernel's on its behalf (TCP's skbs and page frags, the struct
// socket of accept), in softirq and in process context alike.  The stack
// filter (require-start/end) aims the failures at the module's text; TCP's
// close (__tcp_close) is left out (reject-start/end), because tcp_send_fin()
// and tcp_send_active_reset() drop the FIN or RST when their allocation
// fails, which hangs the peer of any process, not only of syncsock.
//  [echo]     echo, 1 B to 512 KiB messages over 16 connections, every byte
//             checked: each connection completes, or is reset for the one
//             stated reason (closed_nomem: TCP took part of a reply and the
//             rest could not be queued).  None is refused (short of memory,
//             a connection waits in the accept queue), nothing is corrupted,
//             nothing hangs: the retries after -ENOMEM (nomem_retries) keep
//             them going.
//  [framed]   the sockperf handler (length framing): frames split across
//             segments are gathered in a buffer that cannot always grow; every
//             reply comes back whole and in order (a bug this found: a flush
//             within a receive pass read the same bytes a second time).
//  [control]  listener add while the ioctl's allocations fail: each add
//             succeeds or fails with an errno and leaves nothing behind.
// fail_function fails the module's own functions that the kernel allows it to
// (ALLOW_ERROR_INJECTION), whatever allocator or TCP path lies beneath:
//  [fail-txq]     the send queue's chunk: every failure is a counted send
//                 error (tx_errors), and the echo stays whole.
//  [fail-send]    TCP's send, failed as TCP short of memory fails it
//                 (-EAGAIN, nothing taken): retried, nothing lost.
//  [fail-framer]  the framer's buffer: retried, every reply whole.
//  [fail-accept]  a connection's state at accept: the peer waits in the
//                 accept queue, and each failure is one nomem_retries.
// All four are also [fail-function]: on PREEMPT_RT, fail_function itself
// splats (its kprobe handler draws a random number under a sleeping lock,
// in get_random_u8(), with preemption off), so the debug-rt kernel runs
// failslab without them ('~[fail-function]').
// The guest's final kmemleak scan checks that no failure path leaks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <sstream>
#include <thread>

#include "ssk_net.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;
using std::string;

namespace {

constexpr int kTimes = 1000000000;	// failures allowed: "times" counts them down

struct Range {
	std::uint64_t start = 0, end = 0;
};

// A function in /proc/kallsyms: its address, name and module ("" for the
// kernel's own).
struct TextSymbol {
	std::uint64_t addr;
	string name, module;
};

// The text symbols of /proc/kallsyms, by address.
std::vector<TextSymbol> kallsyms_text()
{
	std::istringstream in(must_read("/proc/kallsyms"));
	std::vector<TextSymbol> out;
	string line;
	while (std::getline(in, line)) {
		std::istringstream l(line);
		string addr, type, name, owner;
		l >> addr >> type >> name >> owner;
		if (type != "t" && type != "T")
			continue;
		if (owner.size() > 2)
			owner = owner.substr(1, owner.size() - 2);	// "[mod]"
		out.push_back({std::stoull(addr, nullptr, 16), name, owner});
	}
	std::sort(out.begin(), out.end(),
		  [](const TextSymbol &a, const TextSymbol &b) { return a.addr < b.addr; });
	return out;
}

// The text of module @mod: its first function to a page past its last one.
Range module_text(const std::vector<TextSymbol> &syms, const string &mod)
{
	Range r{UINT64_MAX, 0};
	for (auto &s : syms) {
		if (s.module != mod)
			continue;
		r.start = std::min(r.start, s.addr);
		r.end = std::max(r.end, s.addr);
	}
	if (!r.end || !r.start)
		fail("no text symbols of " + mod + " in /proc/kallsyms (kptr_restrict?)");
	r.end += 4096;
	return r;
}

// Kernel function @fn, from its address to the next kernel text symbol's.
Range kernel_function(const std::vector<TextSymbol> &syms, const string &fn)
{
	auto at = std::find_if(syms.begin(), syms.end(), [&](const TextSymbol &s) {
		return s.module.empty() && s.name == fn;
	});
	if (at == syms.end())
		fail(fn + " is not in /proc/kallsyms");
	auto next = std::find_if(at + 1, syms.end(), [&](const TextSymbol &s) {
		return s.module.empty() && s.addr > at->addr;
	});
	if (next == syms.end())
		fail("no symbol after " + fn);
	return {at->addr, next->addr};
}

// failslab and fail_page_alloc, aimed at @require minus @reject, for the
// lifetime of the object; put back to the kernel's defaults (off) after.
class FaultInjection {
public:
	FaultInjection(Range require, Range reject)
	{
		for (const char *d : kDirs) {
			string dir = string("/sys/kernel/debug/") + d + "/";
			if (::access(dir.c_str(), F_OK))
				fail(dir + " is missing: a kernel without failslab/fail_page_alloc");
			set(dir + "verbose", "0");	// a stack dump would be a splat
			set(dir + "interval", "1");
			set(dir + "times", std::to_string(kTimes));
			set(dir + "ignore-gfp-wait", "N");	// GFP_KERNEL too
			set(dir + "stacktrace-depth", "32");
			set(dir + "require-start", std::to_string(require.start));
			set(dir + "require-end", std::to_string(require.end));
			set(dir + "reject-start", std::to_string(reject.start));
			set(dir + "reject-end", std::to_string(reject.end));
		}
		set("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	}
	FaultInjection(const FaultInjection &) = delete;
	FaultInjection &operator=(const FaultInjection &) = delete;

	// SSK_FAIL_PERCENT: how many allocations in 100 fail (10).
	void on() { probability(static_cast<unsigned>(env_u64("SSK_FAIL_PERCENT", 10))); }
	void off() { probability(0); }

	// Failures injected so far.
	std::uint64_t injected() const
	{
		std::uint64_t n = 0;
		for (const char *d : kDirs) {
			string t = must_read(string("/sys/kernel/debug/") + d + "/times");
			n += kTimes - std::stoll(t);
		}
		return n;
	}

	~FaultInjection()
	{
		for (const char *d : kDirs) {
			string dir = string("/sys/kernel/debug/") + d + "/";
			write_text(dir + "probability", "0");
			write_text(dir + "times", "1");
			write_text(dir + "require-start", "0");
			write_text(dir + "require-end", std::to_string(ULONG_MAX));
			write_text(dir + "reject-start", "0");
			write_text(dir + "reject-end", "0");
			write_text(dir + "ignore-gfp-wait", "Y");
			write_text(dir + "verbose", "2");
		}
		write_text("/sys/kernel/debug/fail_page_alloc/min-order", "1");
	}

private:
	static constexpr const char *kDirs[] = {"failslab", "fail_page_alloc"};

	static void set(const string &path, const string &v)
	{
		if (int err = write_text(path, v))
			fail("write " + v + " to " + path + ": " + errno_str(err));
	}

	void probability(unsigned p)
	{
		for (const char *d : kDirs)
			set(string("/sys/kernel/debug/") + d + "/probability", std::to_string(p));
	}
};

FaultInjection aimed_at_syncsock()
{
	auto syms = kallsyms_text();
	return FaultInjection(module_text(syms, "syncsock"), kernel_function(syms, "__tcp_close"));
}

// Wait until every accepted connection was released; the counters then.
ssk::Counters released(unsigned id)
{
	wait_for([&] {
		auto st = ssk::stats(id);
		return ssk::get(st, "closed") == ssk::get(st, "accepted");
	}, 60s);
	return ssk::stats(id);
}

std::optional<std::size_t> echo_size(std::size_t conn, unsigned msg)
{
	if (msg >= 3)
		return std::nullopt;
	return Rng(conn * 100 + msg).log_between(1, 512 * 1024);
}

} // namespace

TEST_CASE("failslab: echo under allocation failures", "[echo]")
{
	constexpr std::size_t kConns = 16;
	ssk::ModuleSession mod;
	kmsg("failslab [echo]");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7700 handler=echo txq_limit=65536");
	FaultInjection fi = aimed_at_syncsock();

	EchoPlan plan;
	plan.message = echo_size;
	plan.after = EchoPlan::After::HalfClose;
	plan.seed = 7700;
	EchoClient cl(endpoint("127.0.0.1", 7700), plan);
	cl.add(kConns);
	auto t0 = std::chrono::steady_clock::now();
	fi.on();
	bool ok = cl.run_until_finished(240s);
	fi.off();
	note("echo: %zu connections in %.1f s, %llu allocations failed: %s", kConns,
	     seconds_since(t0), static_cast<unsigned long long>(fi.injected()),
	     cl.report(0).c_str());
	INFO(cl.report());
	REQUIRE(ok);

	auto st = released(id);
	note("echo: nomem_retries %llu, closed_nomem %llu",
	     static_cast<unsigned long long>(ssk::get(st, "nomem_retries")),
	     static_cast<unsigned long long>(ssk::get(st, "closed_nomem")));
	INFO("counters: " << ssk::format(st));
	CHECK(fi.injected() > 0);
	CHECK(ssk::get(st, "nomem_retries") > 0);
	// Every byte that came back was checked; no connection was corrupted,
	// hung or ended without a reason the counters give.
	CHECK(cl.count(End::Mismatch) == 0);
	CHECK(cl.count(End::Error) == 0);
	CHECK(cl.count(End::Eof) == 0);
	CHECK(cl.count(End::Done) > 0);
	CHECK(cl.count(End::Reset) + cl.count(End::Refused) == ssk::get(st, "closed_nomem"));
	CHECK(ssk::get(st, "accepted") == kConns);
	CHECK(ssk::get(st, "accept_rejected") == 0);
	CHECK(ssk::get(st, "closed") == ssk::get(st, "accepted"));
	CHECK(ssk::get(st, "closed_peer_fin") + ssk::get(st, "closed_nomem") ==
	      ssk::get(st, "closed"));
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::conns(id) == 0);
	CHECK(mod.unload() == 0);
}

namespace {

constexpr std::size_t kSpHdr = 14;

// A sockperf request frame: sequence @seq, the client and pong-request
// flags, @len bytes in all, a payload from @seq.
string sockperf_frame(std::uint64_t seq, std::size_t len)
{
	string f(len, '\0');
	for (int i = 0; i < 8; i++)
		f[i] = static_cast<char>(seq >> (8 * i));
	f[8] = 0;
	f[9] = 0x3;	// SOCKPERF_CLIENT | SOCKPERF_PONG_REQUEST
	for (int i = 0; i < 4; i++)
		f[10 + i] = static_cast<char>(len >> (8 * (3 - i)));
	for (std::size_t i = kSpHdr; i < len; i++)
		f[i] = static_cast<char>(seq * 7 + i);
	return f;
}

} // namespace

TEST_CASE("failslab: framed replies under allocation failures", "[framed]")
{
	constexpr std::size_t kConns = 8, kFrames = 60;
	ssk::ModuleSession mod;
	kmsg("failslab [framed]");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7701 handler=sockperf");
	FaultInjection fi = aimed_at_syncsock();

	struct Run {
		string out, want;
		Got got;
		string error;
	};
	std::vector<Run> runs(kConns);
	for (std::size_t c = 0; c < kConns; c++) {
		for (std::size_t i = 0; i < kFrames; i++) {
			string f = sockperf_frame(c * 1000 + i, Rng(c * 1000 + i).log_between(kSpHdr, 9000));
			runs[c].out += f;
			f[9] = 0x2;	// the reply: the client flag cleared
			runs[c].want += f;
		}
	}
	fi.on();
	std::vector<std::thread> th;
	for (std::size_t c = 0; c < kConns; c++)
		th.emplace_back([&, c] {
			try {
				Fd fd = connect_tcp("127.0.0.1", 7701);
				runs[c].got = pump(fd.get(), runs[c].out, runs[c].want.size(),
						   {.deadline = std::chrono::seconds(180)});
			} catch (const std::exception &e) {
				// A reset while connect_tcp() sets the
				// connection up counts as a reset too.
				runs[c].error = e.what();
				if (runs[c].error.find("(errno " + std::to_string(ECONNRESET) + ")") !=
				    string::npos) {
					runs[c].got.err = ECONNRESET;
					runs[c].error.clear();
				}
			}
		});
	for (auto &t : th)
		t.join();
	fi.off();
	note("framed: %zu connections x %zu frames, %llu allocations failed", kConns, kFrames,
	     static_cast<unsigned long long>(fi.injected()));

	std::size_t whole = 0, reset = 0;
	for (std::size_t c = 0; c < kConns; c++) {
		const Run &r = runs[c];
		INFO("connection " << c << ": " << r.got.data.size() << "/" << r.want.size() << " bytes"
				   << r.got.end() << (r.error.empty() ? "" : ", " + r.error));
		CHECK(r.error.empty());
		// What came back is the start of the replies, whole and in order.
		INFO(byte_diff(r.want.substr(0, r.got.data.size()), r.got.data));
		CHECK(r.want.compare(0, r.got.data.size(), r.got.data) == 0);
		if (r.got.data.size() == r.want.size())
			whole++;
		else if (r.got.err == ECONNRESET)
			reset++;
	}
	auto st = ssk::stats(id);
	note("framed: %zu whole, %zu reset; nomem_retries %llu, closed_nomem %llu", whole, reset,
	     static_cast<unsigned long long>(ssk::get(st, "nomem_retries")),
	     static_cast<unsigned long long>(ssk::get(st, "closed_nomem")));
	INFO("counters: " << ssk::format(st));
	CHECK(fi.injected() > 0);
	CHECK(ssk::get(st, "nomem_retries") > 0);
	CHECK(whole > 0);
	CHECK(whole + reset == kConns);
	CHECK(reset == ssk::get(st, "closed_nomem"));
	CHECK(ssk::get(st, "accept_rejected") == 0);
	CHECK(ssk::get(st, "closed_bad_frame") + ssk::get(st, "closed_oversize") == 0);
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::del_listener(id, true) == 0);
	CHECK(mod.unload() == 0);
}

TEST_CASE("failslab: listener add under allocation failures", "[control]")
{
	constexpr int kRounds = 200;
	ssk::ModuleSession mod;
	kmsg("failslab [control]");
	FaultInjection fi = aimed_at_syncsock();
	std::map<int, int> errors;
	int added = 0;

	fi.on();
	for (int i = 0; i < kRounds; i++) {
		auto r = ssk::try_add_listener("addr=127.0.0.1 port=7702 handler=http");
		if (!r) {
			errors[r.error().value()]++;
			continue;
		}
		added++;
		// The delete's own allocations may fail too; it must still go.
		int err = ssk::del_listener(r.value());
		fi.off();
		if (err)
			CHECK(ssk::del_listener(r.value()) == 0);
		fi.on();
	}
	fi.off();
	std::string summary;
	for (auto [e, n] : errors)
		summary += " " + std::to_string(n) + " x " + errno_str(e) + ";";
	note("control: %d of %d adds succeeded, %llu allocations failed;%s", added, kRounds,
	     static_cast<unsigned long long>(fi.injected()), summary.c_str());
	INFO("errors:" << summary);
	CHECK(fi.injected() > 0);
	CHECK(added > 0);
	CHECK(added < kRounds);
	for (auto [e, n] : errors)
		CHECK((e == ENOMEM || e == ENOBUFS || e == EADDRINUSE || e == ENFILE));
	// Nothing was left behind: no listener, and the port takes one at once.
	CHECK(ssk::listeners().empty());
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7702 handler=echo");
	{
		Fd fd = connect_tcp("127.0.0.1", 7702);
		send_str(fd.get(), "ping");
		Got g = read_upto(fd.get(), 4, 10s);
		CHECK(g.data == "ping");
	}
	CHECK(ssk::del_listener(id, true) == 0);
	CHECK(mod.unload() == 0);
}

namespace {

// fail_function: @fn (a function the module marks ALLOW_ERROR_INJECTION)
// returns @retval instead of running, at SSK_FAIL_PERCENT (10) of its calls
// while on; removed from the list when destroyed.
class FailFunction {
public:
	FailFunction(const string &fn, long retval) : fn_(fn)
	{
		if (::access(kDir, F_OK))
			fail(string(kDir) + " is missing: a kernel without CONFIG_FAIL_FUNCTION");
		if (int err = write_text(string(kDir) + "inject", fn))
			fail("fail_function refuses " + fn + " (" + errno_str(err) +
			     "): is it marked ALLOW_ERROR_INJECTION?");
		set("verbose", "0");	// a stack dump would be a splat
		set("interval", "1");
		set("task-filter", "N");
		set("times", std::to_string(kTimes));
		set("probability", "0");
		char hex[32];
		std::snprintf(hex, sizeof(hex), "%#lx", static_cast<unsigned long>(retval));
		set(fn + "/retval", hex);
	}
	FailFunction(const FailFunction &) = delete;
	FailFunction &operator=(const FailFunction &) = delete;

	void on() { set("probability", std::to_string(env_u64("SSK_FAIL_PERCENT", 10))); }
	void off() { set("probability", "0"); }

	std::uint64_t injected() const
	{
		return kTimes - std::stoll(must_read(string(kDir) + "times"));
	}

	~FailFunction()
	{
		write_text(string(kDir) + "probability", "0");
		write_text(string(kDir) + "inject", "!" + fn_);
		write_text(string(kDir) + "times", "1");
		write_text(string(kDir) + "verbose", "1");
	}

private:
	static constexpr const char *kDir = "/sys/kernel/debug/fail_function/";
	string fn_;

	static void set(const string &file, const string &v)
	{
		string path = string(kDir) + file;
		if (int err = write_text(path, v))
			fail("write " + v + " to " + path + ": " + errno_str(err));
	}
};

struct EchoUnderFaults {
	ssk::Counters st;
	std::uint64_t injected;
};

// The [echo] load of above with @fn failing; the counters once every
// connection is released.
EchoUnderFaults echo_with_failing(const string &fn, long retval, std::uint16_t port)
{
	constexpr std::size_t kConns = 16;
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(port) +
					" handler=echo txq_limit=65536");
	FailFunction ff(fn, retval);
	EchoPlan plan;
	plan.message = echo_size;
	plan.after = EchoPlan::After::HalfClose;
	plan.seed = port;
	EchoClient cl(endpoint("127.0.0.1", port), plan);
	cl.add(kConns);
	auto t0 = std::chrono::steady_clock::now();
	ff.on();
	bool ok = cl.run_until_finished(240s);
	ff.off();
	EchoUnderFaults r{released(id), ff.injected()};
	note("%s: %zu connections in %.1f s, %llu calls failed: %s", fn.c_str(), kConns,
	     seconds_since(t0), static_cast<unsigned long long>(r.injected),
	     cl.report(0).c_str());
	note("%s: tx_errors %llu, nomem_retries %llu, closed_nomem %llu", fn.c_str(),
	     static_cast<unsigned long long>(ssk::get(r.st, "tx_errors")),
	     static_cast<unsigned long long>(ssk::get(r.st, "nomem_retries")),
	     static_cast<unsigned long long>(ssk::get(r.st, "closed_nomem")));
	INFO(cl.report());
	INFO("counters: " << ssk::format(r.st));
	REQUIRE(ok);
	CHECK(r.injected > 0);
	CHECK(cl.count(End::Mismatch) == 0);
	CHECK(cl.count(End::Error) == 0);
	CHECK(cl.count(End::Eof) == 0);
	CHECK(cl.count(End::Done) > 0);
	CHECK(cl.count(End::Reset) + cl.count(End::Refused) == ssk::get(r.st, "closed_nomem"));
	CHECK(ssk::get(r.st, "accepted") == kConns);
	CHECK(ssk::get(r.st, "closed") == kConns);
	CHECK(ssk::get(r.st, "closed_peer_fin") + ssk::get(r.st, "closed_nomem") == kConns);
	CHECK(ssk::get(r.st, "handler_errors") == 0);
	CHECK(ssk::get(r.st, "mem_charged") == ssk::get(r.st, "mem_uncharged"));
	CHECK(ssk::del_listener(id) == 0);
	return r;
}

} // namespace

TEST_CASE("fail_function: the send queue's allocation", "[fail-txq][fail-function]")
{
	ssk::ModuleSession mod;
	kmsg("failslab [fail-txq]");
	// TCP's send buffers small (64 KiB at most, not 4 MiB), so that the
	// echo's large replies go through the queue.
	const string wmem_path = "/proc/sys/net/ipv4/tcp_wmem";
	struct Restore {
		string path, value;
		~Restore() { write_text(path, value); }
	} restore{wmem_path, must_read(wmem_path)};
	REQUIRE(write_text(wmem_path, "4096 16384 65536") == 0);
	auto r = echo_with_failing("syncsock_txq_chunk_alloc", 0, 7710);
	// Each failed chunk fails one send, which counts one error (more may
	// come from sends on connections already reset).
	CHECK(ssk::get(r.st, "tx_errors") >= r.injected);
	CHECK(mod.unload() == 0);
}

TEST_CASE("fail_function: TCP's send short of memory", "[fail-send][fail-function]")
{
	ssk::ModuleSession mod;
	kmsg("failslab [fail-send]");
	auto r = echo_with_failing("syncsock_tcp_sendmsg", -EAGAIN, 7711);
	// TCP without room is no error: the bytes wait, and come back later.
	CHECK(ssk::get(r.st, "closed_nomem") == 0);
	CHECK(ssk::get(r.st, "nomem_retries") > 0);
	CHECK(mod.unload() == 0);
}

TEST_CASE("fail_function: no page to send from", "[fail-copy][fail-function]")
{
	ssk::ModuleSession mod;
	kmsg("failslab [fail-copy]");
	// Some pieces of a send are copied before one fails: TCP gets those,
	// pushed (nothing corked), and the rest waits for the retry.
	auto r = echo_with_failing("syncsock_tx_copy", -ENOMEM, 7713);
	CHECK(ssk::get(r.st, "closed_nomem") == 0);
	CHECK(ssk::get(r.st, "nomem_retries") > 0);
	CHECK(mod.unload() == 0);
}

TEST_CASE("fail_function: the framer's buffer", "[fail-framer][fail-function]")
{
	constexpr std::size_t kConns = 8, kFrames = 60;
	ssk::ModuleSession mod;
	kmsg("failslab [fail-framer]");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7712 handler=sockperf");
	FailFunction ff("syncsock_framer_grow", 0);
	std::vector<string> out(kConns), want(kConns);
	std::vector<Got> got(kConns);
	for (std::size_t c = 0; c < kConns; c++) {
		for (std::size_t i = 0; i < kFrames; i++) {
			string f = sockperf_frame(c * 1000 + i, Rng(c * 1000 + i).log_between(kSpHdr, 9000));
			out[c] += f;
			f[9] = 0x2;
			want[c] += f;
		}
	}
	ff.on();
	std::vector<std::thread> th;
	for (std::size_t c = 0; c < kConns; c++)
		th.emplace_back([&, c] {
			Fd fd = connect_tcp("127.0.0.1", 7712);
			got[c] = pump(fd.get(), out[c], want[c].size(),
				      {.deadline = std::chrono::seconds(180)});
		});
	for (auto &t : th)
		t.join();
	ff.off();
	auto st = ssk::stats(id);
	note("framer: %zu connections x %zu frames, %llu buffer growths failed, "
	     "nomem_retries %llu", kConns, kFrames,
	     static_cast<unsigned long long>(ff.injected()),
	     static_cast<unsigned long long>(ssk::get(st, "nomem_retries")));
	INFO("counters: " << ssk::format(st));
	// A buffer that cannot grow only delays: every reply comes back whole.
	for (std::size_t c = 0; c < kConns; c++) {
		INFO("connection " << c << ": " << got[c].data.size() << "/" << want[c].size()
				   << " bytes" << got[c].end());
		CHECK(got[c].data == want[c]);
	}
	CHECK(ff.injected() > 0);
	CHECK(ssk::get(st, "nomem_retries") > 0);
	CHECK(ssk::get(st, "closed_nomem") == 0);
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::del_listener(id, true) == 0);
	CHECK(std::stol(must_read("/sys/module/syncsock/parameters/mem_held")) == 0);
	CHECK(mod.unload() == 0);
}

TEST_CASE("fail_function: a connection's state at accept", "[fail-accept][fail-function]")
{
	constexpr std::size_t kConns = 40;
	ssk::ModuleSession mod;
	kmsg("failslab [fail-accept]");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=7713 handler=echo");
	FailFunction ff("syncsock_conn_alloc", 0);
	ff.on();
	std::vector<Fd> fds;
	for (std::size_t i = 0; i < kConns; i++)
		fds.push_back(connect_tcp("127.0.0.1", 7713));
	// Each connection is served once the module has its memory.
	std::size_t echoed = 0;
	for (auto &fd : fds) {
		send_str(fd.get(), "ping");
		if (read_upto(fd.get(), 4, 30s).data == "ping")
			echoed++;
	}
	ff.off();
	fds.clear();
	auto st = released(id);
	note("accept: %zu connections, %llu allocations failed, nomem_retries %llu", kConns,
	     static_cast<unsigned long long>(ff.injected()),
	     static_cast<unsigned long long>(ssk::get(st, "nomem_retries")));
	INFO("counters: " << ssk::format(st));
	CHECK(echoed == kConns);
	CHECK(ff.injected() > 0);
	// Every failure counted, once: nothing else here runs short.
	CHECK(ssk::get(st, "nomem_retries") == ff.injected());
	CHECK(ssk::get(st, "accepted") == kConns);
	CHECK(ssk::get(st, "accept_rejected") == 0);
	CHECK(ssk::del_listener(id) == 0);
	CHECK(mod.unload() == 0);
}
