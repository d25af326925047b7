// SPDX-License-Identifier: GPL-2.0
//
// The built-in sockperf handler (module/handlers/sockperf.c) against the
// sockperf tool itself and against a client that checks every byte.
// Protocol: a 14-byte header in network order (u64 sequence at 0, u16 flags
// at 8, u32 total length at 10); a message with PONG_REQUEST (2) comes back
// unchanged but for CLIENT (1) cleared; others are only counted.  app0:
// messages answered, app1: messages only counted.
//  [pingpong]   sockperf ping-pong -t 3 --data-integrity: a latency summary,
//               no error, nothing dropped, duplicated or out of order;
//               app0 between what sockperf received and what it sent
//  [sizes]      the same with --msg-size 14, 1472, 60000, 65550 (the
//               largest the handler takes) and 1000 +- 900; sockperf checks
//               every reply's payload (--data-integrity).  rx_messages_copied
//               is sane: never above rx_messages, 0 for 14-byte ping-pong,
//               every message of 60000+ bytes (over a 32 KiB page fragment)
//  [throughput] sockperf throughput: the messages it says it sent are
//               exactly app1 (none lost, none answered), rx_bytes matches
//  [underload]  sockperf under-load: every message counted, one in 100 (N)
//               answered, what sockperf received was answered (a reply
//               sockperf calls dropped because it came after the valid
//               duration is no failure: app0 shows it was sent)
//  [exact]      a raw client: 240 messages of 14 to 65550 bytes, some
//               answered, some not, odd flags, written at once through a
//               small window and MSS with txq-limit 80k (the -EAGAIN path),
//               every reply compared byte for byte; a header split across
//               writes
//  [frames]     length fields under 14 or over 65550 reset the connection
//               (closed_bad_frame, closed_oversize), after what came before
//  [config]     any configuration is refused with the handler's message
//  [self]       the checks of [pingpong] fail against a fake server that
//               corrupts a payload byte or does not clear CLIENT
//  SSK_SP_SCALE multiplies sockperf's run times (-t), default 1;
//  SSK_SP_MPS is the under-load rate (--mps), default 2000.
#include <catch2/catch.hpp>

#include <atomic>
#include <regex>
#include <string>
#include <thread>

#include "ssk_handler.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;
using std::string;

namespace {

unsigned add(syncsock::Device &dev, uint16_t port, uint32_t txq = 0)
{
	return add_handler_listener(dev, {.handler = "sockperf", .port = port, .txq_limit = txq});
}

// A sockperf run: its output without colours.
Cmd sockperf(const string &args)
{
	Cmd r = run("sockperf " + args, 120);
	r.out = strip_ansi(r.out);
	return r;
}

// sockperf's run time: @t seconds times SSK_SP_SCALE (the debug kernel needs
// longer to see enough replies).
string secs(uint64_t t)
{
	return "-t " + std::to_string(t * env_u64("SSK_SP_SCALE", 1));
}

string pingpong_args(uint16_t port, const string &args)
{
	return "ping-pong --tcp -i 127.0.0.1 -p " + std::to_string(port) + " --data-integrity " +
	       args;
}

// ---- sockperf's output --------------------------------------------------

struct PingPong {
	uint64_t sent = 0, received = 0;	// [Total Run]
	uint64_t valid_received = 0;		// [Valid Duration]
	uint64_t dropped = 0;
	string problems;	// empty when sockperf is content
};

// A ping-pong or under-load run: did sockperf see every reply, whole?
// @late_drops: under-load counts a reply that comes after the end of its
// valid duration as dropped (it happens under TCG, the latency being
// milliseconds there): the handler's counters are the judge of those.
PingPong check_pingpong(const Cmd &r, bool late_drops = false)
{
	PingPong p;
	auto problem = [&](const string &s) { p.problems += (p.problems.empty() ? "" : "; ") + s; };
	const string total = "\\[Total Run\\].*SentMessages=([0-9]+); ReceivedMessages=([0-9]+)";
	auto sent = number_in(r.out, total, 1), received = number_in(r.out, total, 2);
	auto valid = number_in(r.out, "\\[Valid Duration\\].*ReceivedMessages=([0-9]+)");
	if (r.status != 0)
		problem("exit status " + std::to_string(r.status));
	if (r.out.find("ERROR") != string::npos)
		problem("sockperf printed an ERROR");
	if (r.out.find("No messages were received") != string::npos)
		problem("no messages were received");
	if (!sent || !received || !valid)
		problem("no [Total Run]/[Valid Duration] lines");
	else if (*valid == 0)
		problem("no reply in the valid duration");
	p.sent = sent.value_or(0);
	p.received = received.value_or(0);
	p.valid_received = valid.value_or(0);
	if (!std::regex_search(r.out, std::regex("Summary: Latency is [0-9.]+ usec")))
		problem("no latency summary");
	const string stat = "# dropped messages = ([0-9]+); # duplicated messages = ([0-9]+); "
			    "# out-of-order messages = ([0-9]+)";
	auto dropped = number_in(r.out, stat, 1), dup = number_in(r.out, stat, 2),
	     ooo = number_in(r.out, stat, 3);
	if (!dropped || !dup || !ooo)
		problem("no dropped/duplicated/out-of-order line");
	else if ((*dropped && !late_drops) || *dup || *ooo)
		problem("messages dropped, duplicated or out of order");
	p.dropped = dropped.value_or(0);
	return p;
}

// ---- the protocol ----------------------------------------------------------

constexpr size_t kHdr = 14;
constexpr size_t kMax = 65536 + kHdr;
constexpr uint16_t kClient = 1, kPong = 2, kWarmup = 4;

void put_be(string &s, size_t at, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		s[at + i] = static_cast<char>(v & 0xff);
}

uint64_t get_be(const string &s, size_t at, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | static_cast<unsigned char>(s[at + i]);
	return v;
}

// A message of @len bytes (header included), its payload a function of @seq.
string message(uint64_t seq, uint16_t flags, size_t len, int64_t len_field = -1)
{
	string m(len, '\0');
	put_be(m, 0, seq, 8);
	put_be(m, 8, flags, 2);
	put_be(m, 10, len_field >= 0 ? len_field : len, 4);
	uint64_t x = seq * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t i = kHdr; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		m[i] = static_cast<char>(x);
	}
	return m;
}

// What the handler sends back for @m: CLIENT cleared, the rest unchanged.
string reply(const string &m)
{
	string r = m;
	put_be(r, 8, get_be(m, 8, 2) & ~kClient, 2);
	return r;
}

// First differing reply, for the failure message.
string diff_replies(const string &want, const string &got)
{
	if (want == got)
		return "identical";
	size_t i = 0;
	while (i < want.size() && i < got.size() && want[i] == got[i])
		i++;
	// Walk the expected stream to name the message.
	size_t at = 0;
	while (at + kHdr <= want.size()) {
		size_t len = get_be(want, at + 10, 4);
		if (i < at + len)
			break;
		at += len;
	}
	return "want " + std::to_string(want.size()) + " bytes, got " + std::to_string(got.size()) +
	       "; first difference at byte " + std::to_string(i) + ", in the reply starting at " +
	       std::to_string(at) + " (sequence " +
	       (at + 8 <= want.size() ? std::to_string(get_be(want, at, 8)) : string("?")) +
	       "), offset " + std::to_string(i - at) + " of it";
}

// ---- a fake sockperf server, for [self] -------------------------------------

// Serves one connection on @port: replies as the handler does, except that
// after 20 messages "flip" corrupts a payload byte and "noclear" never
// clears CLIENT.
class FakeServer {
public:
	FakeServer(uint16_t port, string mode) : mode_(std::move(mode))
	{
		lfd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		int one = 1;
		::setsockopt(lfd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (::bind(lfd_.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) ||
		    ::listen(lfd_.get(), 4))
			fail("fake server: bind/listen: " + errno_str(errno));
		th_ = std::thread([this] {
			try {
				serve();
			} catch (const std::exception &e) {
				note("fake server: %s", e.what());
			}
		});
	}
	~FakeServer()
	{
		stop_ = true;
		th_.join();
	}

private:
	void serve()
	{
		pollfd p{lfd_.get(), POLLIN, 0};
		auto end = std::chrono::steady_clock::now() + 60s;
		while (!stop_ && std::chrono::steady_clock::now() < end) {
			if (::poll(&p, 1, 100) == 1)
				break;
		}
		if (stop_ || !(p.revents & POLLIN))
			return;
		Fd c(::accept(lfd_.get(), nullptr, nullptr));
		string buf;
		uint64_t n = 0;
		char tmp[65536];
		while (!stop_ && std::chrono::steady_clock::now() < end) {
			Got g;
			pollfd cp{c.get(), POLLIN, 0};
			if (::poll(&cp, 1, 100) == 1) {
				ssize_t k = ::recv(c.get(), tmp, sizeof(tmp), MSG_DONTWAIT);
				if (k > 0)
					g.data.assign(tmp, k);
				else if (k == 0)
					g.eof = true;
				else if (errno != EAGAIN && errno != EINTR)
					g.err = errno;
			}
			buf += g.data;
			while (buf.size() >= kHdr) {
				size_t len = get_be(buf, 10, 4);
				if (len < kHdr || len > kMax)
					return;
				if (buf.size() < len)
					break;
				string m = buf.substr(0, len);
				buf.erase(0, len);
				uint16_t flags = get_be(m, 8, 2);
				if (!(flags & kPong))
					continue;
				string r = mode_ == "noclear" ? m : reply(m);
				if (mode_ == "flip" && ++n > 20 && len > kHdr)
					r[len - 1] ^= 1;
				send_str(c.get(), r);
			}
			if (g.eof || g.err)
				return;
		}
	}

	string mode_;
	Fd lfd_;
	std::atomic<bool> stop_{false};
	std::thread th_;
};

} // namespace

TEST_CASE("sockperf: ping-pong, no errors", "[pingpong]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [pingpong]");
	auto dev = open_device();
	const uint16_t port = 11101;
	unsigned id = add(dev, port);
	Cmd r = sockperf(pingpong_args(port, secs(3)));
	PingPong p = check_pingpong(r);
	INFO("sockperf:\n" << r.out);
	CHECK(p.problems == "");
	auto st = settled(id);
	INFO("counters: " << ssk::format(st));
	note("[pingpong] sockperf sent %llu, received %llu; app0 %llu",
	     (unsigned long long)p.sent, (unsigned long long)p.received,
	     (unsigned long long)ssk::get(st, "app0"));
	CHECK(ssk::get(st, "app0") >= p.received);
	CHECK(ssk::get(st, "app0") <= p.sent);
	CHECK(ssk::get(st, "app1") == 0);
	CHECK(ssk::get(st, "rx_messages") == ssk::get(st, "app0"));
	CHECK(ssk::get(st, "rx_messages_copied") == 0);
	CHECK(ssk::get(st, "rx_bytes") == 14 * ssk::get(st, "app0"));
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "closed_bad_frame") + ssk::get(st, "closed_oversize") == 0);
	CHECK(ssk::get(st, "accepted") == 1);
}

TEST_CASE("sockperf: ping-pong replies are whole at every message size", "[sizes]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [sizes]");
	auto dev = open_device();
	struct Size {
		string args;
		size_t fixed;	// the message size, 0 for a range
	};
	const Size sizes[] = {
		{secs(1) + " --msg-size 14", 14},
		{secs(2) + " --msg-size 1472", 1472},
		{secs(2) + " --msg-size 60000", 60000},
		{secs(2) + " --msg-size 65550", 65550},
		{secs(2) + " --msg-size 1000 --range 900", 0},
	};
	uint16_t port = 11201;
	for (const auto &s : sizes) {
		INFO("sockperf ping-pong " << s.args);
		unsigned id = add(dev, port);
		Cmd r = sockperf(pingpong_args(port, s.args));
		PingPong p = check_pingpong(r);
		INFO("sockperf:\n" << r.out);
		CHECK(p.problems == "");
		auto st = settled(id);
		INFO("counters: " << ssk::format(st));
		uint64_t msgs = ssk::get(st, "rx_messages"), copied = ssk::get(st, "rx_messages_copied");
		note("[sizes] %s: %llu messages, %llu of them gathered (copied)", s.args.c_str(),
		     (unsigned long long)msgs, (unsigned long long)copied);
		CHECK(ssk::get(st, "app0") >= p.received);
		CHECK(ssk::get(st, "app0") <= p.sent);
		CHECK(msgs == ssk::get(st, "app0"));
		CHECK(ssk::get(st, "app1") == 0);
		CHECK(copied <= msgs);
		if (s.fixed)
			CHECK(ssk::get(st, "rx_bytes") == s.fixed * msgs);
		if (s.fixed == 14)
			CHECK(copied == 0);
		if (s.fixed >= 60000)
			CHECK(copied == msgs);
		CHECK(ssk::get(st, "handler_errors") == 0);
		CHECK(ssk::get(st, "closed_bad_frame") + ssk::get(st, "closed_oversize") == 0);
		REQUIRE(dev.listener_del(id, false));
		port++;
	}
}

TEST_CASE("sockperf: throughput, every message counted", "[throughput]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [throughput]");
	auto dev = open_device();
	uint16_t port = 11301;
	for (size_t size : {14, 1472}) {
		INFO("sockperf throughput --msg-size " << size);
		unsigned id = add(dev, port);
		Cmd r = sockperf("throughput --tcp -i 127.0.0.1 -p " + std::to_string(port) + " " +
				 secs(2) + " --msg-size " + std::to_string(size));
		INFO("sockperf:\n" << r.out);
		CHECK(r.status == 0);
		CHECK(r.out.find("ERROR") == string::npos);
		auto total = number_in(r.out, "Total of ([0-9]+) messages sent in");
		REQUIRE(total);
		const uint64_t sent = *total;
		REQUIRE(sent > 0);
		// The kernel may still be reading when sockperf exits.
		wait_for([&] { return ctr(id, "app1") >= sent; }, 20s);
		auto st = settled(id);
		INFO("counters: " << ssk::format(st));
		note("[throughput] msg-size %zu: sockperf sent %llu, app1 %llu", size,
		     (unsigned long long)sent, (unsigned long long)ssk::get(st, "app1"));
		CHECK(ssk::get(st, "app1") == sent);
		CHECK(ssk::get(st, "app0") == 0);
		CHECK(ssk::get(st, "rx_messages") == sent);
		CHECK(ssk::get(st, "rx_messages_copied") <= sent);
		CHECK(ssk::get(st, "rx_bytes") == sent * size);
		CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == 0);
		CHECK(ssk::get(st, "handler_errors") == 0);
		CHECK(ssk::get(st, "closed_bad_frame") + ssk::get(st, "closed_oversize") == 0);
		REQUIRE(dev.listener_del(id, false));
		port++;
	}
}

TEST_CASE("sockperf: under-load, replies to one in N", "[underload]")
{
	Cmd help = sockperf("under-load --help");
	if (help.out.find("under-load") == string::npos) {
		note("SKIP: this sockperf has no under-load mode");
		std::exit(77);
	}
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [underload]");
	const uint64_t every = 100;
	auto dev = open_device();
	const uint16_t port = 11401;
	unsigned id = add(dev, port);
	Cmd r = sockperf("under-load --tcp -i 127.0.0.1 -p " + std::to_string(port) + " " + secs(2) +
			 " --mps " + std::to_string(env_u64("SSK_SP_MPS", 2000)) + " --reply-every " +
			 std::to_string(every));
	PingPong p = check_pingpong(r, true);
	INFO("sockperf:\n" << r.out);
	CHECK(p.problems == "");
	auto st = settled(id);
	INFO("counters: " << ssk::format(st));
	uint64_t a0 = ssk::get(st, "app0"), a1 = ssk::get(st, "app1");
	note("[underload] sockperf sent %llu, received %llu (dropped %llu); app0 %llu app1 %llu",
	     (unsigned long long)p.sent, (unsigned long long)p.received,
	     (unsigned long long)p.dropped, (unsigned long long)a0, (unsigned long long)a1);
	CHECK(a0 + a1 == p.sent);
	CHECK(a0 >= p.received);
	// Every reply request answered: one message in @every asks.
	CHECK(a0 >= p.sent / every);
	CHECK(a0 <= p.sent / every + 1);
	CHECK(ssk::get(st, "rx_messages") == p.sent);
	CHECK(ssk::get(st, "handler_errors") == 0);
}

TEST_CASE("sockperf: every reply byte-exact through a full send queue", "[exact]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [exact]");
	auto dev = open_device();
	const uint16_t port = 11501;
	unsigned id = add(dev, port, 80 * 1024);

	const size_t sizes[] = {14, 15, 100, 1472, 4096, 65535, kMax, 60000, 33000, 1500, 32768, 7};
	string out, want;
	uint64_t pongs = 0, others = 0, big = 0;	// big: over a 32 KiB page fragment
	for (uint64_t seq = 0; seq < 240; seq++) {
		size_t len = std::max<size_t>(sizes[seq % std::size(sizes)], kHdr);
		uint16_t flags;
		switch (seq % 6) {
		case 0: flags = kClient | kPong; break;
		case 1: flags = kClient; break;				// counted only
		case 2: flags = kClient | kPong | kWarmup; break;
		case 3: flags = kPong; break;				// CLIENT not set
		case 4: flags = 0x8000 | kClient | kPong; break;	// unknown bit kept
		default: flags = kClient | kPong; break;
		}
		string m = message(seq, flags, len);
		out += m;
		if (flags & kPong) {
			want += reply(m);
			pongs++;
		} else {
			others++;
		}
		big += len > 32768;
	}
	Fd fd = connect_tcp(port, {.rcvbuf = 8192, .maxseg = 1400});
	ssk::Counters held;
	auto t0 = std::chrono::steady_clock::now();
	Got in = pump(fd.get(), out, want.size(),
		      {.ready = [&] { return ctr(id, "tx_queue_full") > 0; },
		       .on_ready = [&] { held = ssk::stats(id); }});
	note("[exact] %zu bytes out, %zu back in %.1f s", out.size(), in.data.size(),
	     seconds_since(t0));
	INFO("while the client did not read: " << ssk::format(held));
	INFO(diff_replies(want, in.data) << in.end());
	REQUIRE(same_bytes(in.data, want));
	CHECK(ssk::get(held, "tx_queue_full") > 0);

	// A header split across writes, each its own segment.
	string m = message(1000, kClient | kPong, 300);
	send_str(fd.get(), m.substr(0, 5));
	std::this_thread::sleep_for(50ms);
	send_str(fd.get(), m.substr(5, 9));
	std::this_thread::sleep_for(50ms);
	send_str(fd.get(), m.substr(14));
	Got g = read_upto(fd.get(), m.size(), 20s);
	INFO("split header: " << diff_replies(reply(m), g.data));
	CHECK(same_bytes(g.data, reply(m)));
	pongs++;
	fd.reset();

	auto st = settled(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == pongs);
	CHECK(ssk::get(st, "app1") == others);
	CHECK(ssk::get(st, "rx_messages") == pongs + others);
	CHECK(ssk::get(st, "rx_messages_copied") >= big + 1);
	CHECK(ssk::get(st, "rx_messages_copied") <= pongs + others);
	CHECK(ssk::get(st, "rx_bytes") == out.size() + m.size());
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") ==
	      want.size() + m.size());
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "tx_errors") == 0);
	CHECK(ssk::get(st, "closed_peer_fin") == 1);
}

TEST_CASE("sockperf: bad length fields reset the connection", "[frames]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [frames]");
	auto dev = open_device();
	const uint16_t port = 11601;
	unsigned id = add(dev, port);

	struct Bad {
		const char *what;
		int64_t len_field;
		const char *counter;
	};
	const Bad bad[] = {
		{"length 0", 0, "closed_bad_frame"},
		{"length 2^32-1", 0xffffffff, "closed_oversize"},
		{"length 13", 13, "closed_bad_frame"},
		{"length 1", 1, "closed_bad_frame"},
		{"length 65551", kMax + 1, "closed_oversize"},
		{"length 2^31", 0x80000000, "closed_oversize"},
	};
	uint64_t n = 0, answered = 0;
	for (const auto &b : bad) {
		INFO(b.what);
		uint64_t before = ctr(id, b.counter);
		Fd fd = connect_tcp(port);
		// A good message first: answered before the reset.
		string good = message(1, kClient | kPong, 100);
		string m = message(2, kClient | kPong, kHdr, b.len_field);
		send_str(fd.get(), good + m + string(100, 'z'));
		Got g = read_upto(fd.get(), 1 << 20, 10s);
		INFO("got " << g.data.size() << " bytes" << g.end() << ": "
			    << diff_replies(reply(good), g.data));
		CHECK(same_bytes(g.data, reply(good)));
		CHECK((g.err == ECONNRESET || g.eof));
		n++;
		answered++;
		REQUIRE(wait_for([&] { return ctr(id, "closed") == n; }, 10s));
		CHECK(ctr(id, b.counter) == before + 1);
	}
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == answered);
	CHECK(ssk::get(st, "handler_errors") == 0);
}

TEST_CASE("sockperf: takes no configuration", "[config]")
{
	ssk::ModuleSession mod;
	kmsg("handler_sockperf [config]");
	auto dev = open_device();
	const string addr = "127.0.0.1:11701";
	for (const string config : {"x", "max-msg=100", " "}) {
		INFO("config '" << config << "'");
		Cmd r = cli_listener_add(addr, "sockperf", config);
		INFO("got: " << r.out);
		CHECK(r.status == 2);
		CHECK(r.out == cli_einval(addr, "sockperf: takes no configuration"));
		CHECK(nr_listeners(dev) == 0);
	}
	Cmd l = run("syncsockctl -j listener list");
	CHECK(l.out == "[]\n");
	// Without one, it is taken.
	Cmd ok = cli_listener_add(addr, "sockperf");
	INFO(ok.out);
	CHECK(ok.status == 0);
	CHECK(nr_listeners(dev) == 1);
}

TEST_CASE("sockperf: the checks catch a corrupt or unanswered reply", "[self]")
{
	// No module here: a user-space server that answers wrong.
	SECTION("good server")
	{
		FakeServer srv(11801, "good");
		Cmd r = sockperf(pingpong_args(11801, secs(1) + " --msg-size 100"));
		PingPong p = check_pingpong(r);
		INFO("sockperf:\n" << r.out);
		CHECK(p.problems == "");
	}
	SECTION("a flipped payload byte")
	{
		FakeServer srv(11802, "flip");
		Cmd r = sockperf(pingpong_args(11802, secs(1) + " --msg-size 100"));
		PingPong p = check_pingpong(r);
		INFO("sockperf:\n" << r.out);
		note("[self] flipped byte: %s", p.problems.c_str());
		CHECK(p.problems != "");
	}
	SECTION("CLIENT not cleared")
	{
		FakeServer srv(11803, "noclear");
		Cmd r = sockperf(pingpong_args(11803, secs(1) + " --msg-size 100"));
		PingPong p = check_pingpong(r);
		INFO("sockperf:\n" << r.out);
		note("[self] CLIENT not cleared: %s", p.problems.c_str());
		CHECK(p.problems != "");
	}
}
