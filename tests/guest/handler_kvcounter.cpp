// SPDX-License-Identifier: GPL-2.0
//
// The example handler module, examples/kvcounter, loaded as a user would
// (/modules/syncsock_kvcounter.ko) and driven over TCP.  One command a line:
// INC key [n], GET key, DEL key, CONN; answers "key value", "OK", "conn n" or
// "ERR <reason>"; app0 counts commands served, app1 errors answered.
//  [protocol]  every command and error, with the exact answers; the table is
//              shared between connections, CONN is per connection; the
//              handler list names kvcounter and its module and counts its
//              listeners; a line over 128 bytes resets the connection
//  [limit]     max-keys=N: the N+1st key gets "ERR table full", DEL frees
//              a slot, GET of an unknown key creates nothing
//  [module]    the module in use through syncsockctl: handler list, listener
//              add (config, txq-limit, close-timeout), stats, listener del;
//              rmmod syncsock_kvcounter fails, naming the module, while a
//              listener uses it (also while a deleted one drains), and
//              succeeds once none does; its use count follows the
//              listeners; afterwards the handler is gone, and loads again
//  [config]    bad configuration strings: syncsockctl exits 2 with the
//              handler's message, no listener is left and no module
//              reference leaks (rmmod succeeds)
//  [concurrent] 8 connections at once, 2,000 "INC shared" each: every value
//              from 1 to 16,000 answered exactly once, increasing on each
//              connection; the connections' own keys count 1..2,000
//              (SSK_KV_PER sets the 2,000)
//  [pipeline]  10,000 commands (SSK_KV_PIPELINE) in one write through a
//              536-byte MSS, a tiny
//              window and txq-limit 4k: every answer, in order, once (the
//              -EAGAIN path re-sends the kept answer, never re-runs the
//              command), the final GET right
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ssk_handler.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;
using std::string;

namespace {

// ---- the example module ---------------------------------------------------

const string kKvPath = "/modules/syncsock_kvcounter.ko";
const string kKvName = "syncsock_kvcounter";

// The module's line in /proc/modules ("name size refcount users state
// address"), if it is loaded.
std::optional<std::vector<string>> kv_proc_modules()
{
	for (const auto &line : split_lines(must_read("/proc/modules"))) {
		std::istringstream in(line);
		std::vector<string> w;
		string x;
		while (in >> x)
			w.push_back(x);
		if (w.size() >= 3 && w[0] == kKvName)
			return w;
	}
	return std::nullopt;
}

bool kv_loaded()
{
	return kv_proc_modules().has_value();
}

// How many hold the module (what lsmod shows under "Used by"); -1 if it is
// not loaded.
long kv_refcnt()
{
	auto w = kv_proc_modules();
	return w ? std::stol((*w)[2]) : -1;
}

int kv_load()
{
	Fd fd(::open(kKvPath.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return errno;
	return ::syscall(SYS_finit_module, fd.get(), "", 0) ? errno : 0;
}

// delete_module(2) as rmmod does it.  Return: 0 or the errno.
int kv_unload()
{
	return ::syscall(SYS_delete_module, kKvName.c_str(), O_NONBLOCK) ? errno : 0;
}

// Loads the example module; unloads it when destroyed, deleting (abort)
// what listeners still use it first, so that syncsock can go too.
class KvModule {
public:
	KvModule()
	{
		if (kv_loaded())
			fail(kKvName + " is loaded already");
		int err = kv_load();
		if (err)
			fail("insmod " + kKvPath + ": " + errno_str(err));
	}
	KvModule(const KvModule &) = delete;
	KvModule &operator=(const KvModule &) = delete;
	~KvModule()
	{
		if (!kv_loaded())
			return;
		for (auto &l : ssk::listeners())
			if (l.handler == "kvcounter" && l.state == "listening")
				ssk::del_listener(l.id, true);
		wait_for([] {
			for (auto &l : ssk::listeners())
				if (l.handler == "kvcounter")
					return false;
			return true;
		}, 20s);
		wait_for([] { return kv_unload() == 0; }, 10s, 100ms);
	}
};

unsigned add(syncsock::Device &dev, uint16_t port, const string &config, uint32_t txq = 0)
{
	return add_handler_listener(
		dev, {.handler = "kvcounter", .port = port, .config = config, .txq_limit = txq});
}

std::optional<syncsock::HandlerInfo> kv_handler(syncsock::Device &dev)
{
	return find_handler(dev, "kvcounter");
}

// The row "syncsockctl handler list" shows for kvcounter with @n listeners.
std::vector<string> kv_row(unsigned n)
{
	return {"kvcounter", kKvName, std::to_string(n)};
}

// ---- the protocol ----------------------------------------------------------

struct Step {
	string cmd;	// without the newline
	string answer;	// without the newline
	bool error;	// counted in app1
};

// Send each command and read its answer before the next.
void converse(int fd, const std::vector<Step> &steps, const string &eol = "\n")
{
	for (const auto &s : steps) {
		send_str(fd, s.cmd + eol);
		const string want = s.answer + "\n";
		Got g = read_upto(fd, want.size(), 10s);
		INFO("command '" << show(s.cmd) << "': want '" << show(want) << "', got '"
				 << show(g.data) << "'" << g.end());
		REQUIRE(same_bytes(g.data, want));
	}
}

// Send every command in one write, then read all the answers.
void converse_at_once(int fd, const std::vector<Step> &steps)
{
	string out, want;
	for (const auto &s : steps) {
		out += s.cmd + "\n";
		want += s.answer + "\n";
	}
	send_str(fd, out);
	Got g = read_upto(fd, want.size(), 20s);
	if (g.data != want) {
		// Name the first wrong answer.
		auto got = split_lines(g.data);
		for (size_t i = 0; i < steps.size(); i++) {
			string a = i < got.size() ? got[i] : "<missing>";
			INFO("command " << i << " '" << show(steps[i].cmd) << "': want '"
					<< show(steps[i].answer) << "', got '" << show(a) << "'");
			REQUIRE(a == steps[i].answer);
		}
	}
	REQUIRE(same_bytes(g.data, want));
}

std::pair<uint64_t, uint64_t> count(const std::vector<Step> &steps)
{
	uint64_t ok = 0, err = 0;
	for (auto &s : steps)
		(s.error ? err : ok)++;
	return {ok, err};
}

const string kErrSyntax = "ERR expected: INC|GET|DEL key";

} // namespace

TEST_CASE("kvcounter: the protocol, answer for answer", "[protocol]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [protocol]");
	KvModule kv;
	auto dev = open_device();

	auto h = kv_handler(dev);
	REQUIRE(h);
	CHECK(h->module == kKvName);
	CHECK(h->nr_listeners == 0);
	CHECK(cli_handler_row("kvcounter") == kv_row(0));

	const uint16_t port = 7501;
	unsigned id = add(dev, port, "max-keys=100");
	h = kv_handler(dev);
	REQUIRE(h);
	CHECK(h->nr_listeners == 1);
	CHECK(cli_handler_row("kvcounter") == kv_row(1));

	const string key64(64, 'k'), key65(65, 'k');
	// "INC z 000...05": a line of exactly 128 bytes with its newline.
	const string line127 = "INC z " + string(127 - 6 - 1, '0') + "5";
	REQUIRE(line127.size() == 127);

	const std::vector<Step> good = {
		{"CONN", "conn 0", false},
		{"INC visits", "visits 1", false},
		{"INC visits 41", "visits 42", false},
		{"GET visits", "visits 42", false},
		{"CONN", "conn 4", false},
		{"GET nothing", "nothing 0", false},
		{"DEL visits", "OK", false},
		{"GET visits", "visits 0", false},
		{"DEL visits", "OK", false},
		{"INC a.b-c_D9 5", "a.b-c_D9 5", false},
		{"INC " + key64, key64 + " 1", false},
		{"INC big 18446744073709551615", "big 18446744073709551615", false},
		{"INC zero 0", "zero 0", false},
		{line127, "z 5", false},
	};
	const std::vector<Step> bad = {
		{"FOO x", "ERR unknown command", true},
		{"inc x", "ERR unknown command", true},
		{"INC", kErrSyntax, true},
		{"", kErrSyntax, true},
		{"GET", kErrSyntax, true},
		{"DEL", kErrSyntax, true},
		{"INC  x", kErrSyntax, true},
		{"INC " + key65, kErrSyntax, true},
		{"INC bad/key", "ERR bad key", true},
		{"GET sp@ce", "ERR bad key", true},
		{"INC k notanumber", "ERR bad number", true},
		{"INC k -1", "ERR bad number", true},
		{"INC k 18446744073709551616", "ERR bad number", true},
		{"INC k 1 2", "ERR bad number", true},
		{"GET k extra", "ERR unknown command", true},
		{"DEL k extra", "ERR unknown command", true},
		{"CONN x", "ERR unknown command", true},
	};

	Fd a = connect_tcp(port);
	converse(a.get(), good);
	converse(a.get(), bad);
	// CRLF line ends are taken too.
	const std::vector<Step> crlf = {{"GET visits", "visits 0", false},
					{"INC crlf 2", "crlf 2", false}};
	converse(a.get(), crlf, "\r\n");

	// A second connection: the table is shared, CONN is its own; all of it
	// in one write.
	Fd b = connect_tcp(port);
	const std::vector<Step> second = {
		{"CONN", "conn 0", false},
		{"GET a.b-c_D9", "a.b-c_D9 5", false},
		{"GET " + key64, key64 + " 1", false},
		{"INC crlf", "crlf 3", false},
		{"GET z", "z 5", false},
		{"CONN", "conn 5", false},
		{"BAD", kErrSyntax, true},
	};
	converse_at_once(b.get(), second);
	b.reset();
	a.reset();
	REQUIRE(wait_closed(id, 2));

	auto [ok1, err1] = count(good);
	auto [ok2, err2] = count(bad);
	auto [ok3, err3] = count(crlf);
	auto [ok4, err4] = count(second);
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == ok1 + ok2 + ok3 + ok4);
	CHECK(ssk::get(st, "app1") == err1 + err2 + err3 + err4);
	CHECK(ssk::get(st, "rx_messages") == good.size() + bad.size() + crlf.size() + second.size());
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "closed_peer_fin") == 2);

	// A line over 128 bytes: the answers before it, then a reset.
	{
		Fd c = connect_tcp(port);
		send_str(c.get(), "GET zero\n" + string(200, 'A') + "\n");
		Got g = read_upto(c.get(), 1 << 16, 10s);
		INFO("oversize line: got '" << show(g.data) << "'" << g.end());
		CHECK(g.data == "zero 0\n");
		CHECK((g.err == ECONNRESET || g.eof));
		REQUIRE(wait_for([&] { return ctr(id, "closed_oversize") == 1; }, 10s));
	}
	REQUIRE(dev.listener_del(id, false));
	REQUIRE(wait_for([&] { return !ssk::find_listener(id); }, 20s));
	h = kv_handler(dev);
	REQUIRE(h);
	CHECK(h->nr_listeners == 0);
}

TEST_CASE("kvcounter: max-keys bounds the table", "[limit]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [limit]");
	KvModule kv;
	auto dev = open_device();
	const uint16_t port = 7511;
	unsigned id = add(dev, port, "max-keys=3");
	const std::vector<Step> steps = {
		{"INC a", "a 1", false},
		{"INC b 2", "b 2", false},
		{"INC c", "c 1", false},
		{"INC d", "ERR table full", true},
		{"GET d", "d 0", false},
		{"INC d", "ERR table full", true},
		{"INC a", "a 2", false},
		{"DEL b", "OK", false},
		{"INC d 7", "d 7", false},
		{"INC e", "ERR table full", true},
		{"DEL nope", "OK", false},
		{"INC e", "ERR table full", true},
		{"DEL a", "OK", false},
		{"DEL c", "OK", false},
		{"INC e", "e 1", false},
		{"INC f", "f 1", false},
		{"INC g", "ERR table full", true},
		{"GET d", "d 7", false},
	};
	Fd fd = connect_tcp(port);
	converse(fd.get(), steps);
	fd.reset();
	REQUIRE(wait_closed(id, 1));
	auto [ok, err] = count(steps);
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == ok);
	CHECK(ssk::get(st, "app1") == err);

	// max-keys=1 and the largest, 1000000, are taken.
	unsigned one = add(dev, 7512, "max-keys=1");
	fd = connect_tcp(7512);
	converse(fd.get(), {{"INC x", "x 1", false}, {"INC y", "ERR table full", true},
			    {"INC x", "x 2", false}});
	fd.reset();
	unsigned most = add(dev, 7513, "max-keys=1000000");
	fd = connect_tcp(7513);
	converse(fd.get(), {{"INC x", "x 1", false}, {"INC y", "y 1", false}});
	fd.reset();
	REQUIRE(wait_closed(one, 1));
	REQUIRE(wait_closed(most, 1));
}

TEST_CASE("kvcounter: loaded, used through the CLI, pinned while a listener uses it", "[module]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [module]");
	KvModule kv;
	auto dev = open_device();
	REQUIRE(kv_refcnt() == 0);
	CHECK(cli_handler_row("kvcounter") == kv_row(0));

	// A listener added with syncsockctl, served, its counters through it.
	Cmd add1 = cli_listener_add("127.0.0.1:7521", "kvcounter", "max-keys=10", true);
	INFO("listener add: " << add1.out);
	REQUIRE(add1.status == 0);
	auto l1 = number_in(add1.out, "\"id\": ?([0-9]+)");
	REQUIRE(l1);
	{
		Fd fd = connect_tcp(7521);
		converse(fd.get(), {{"INC cli", "cli 1", false}, {"INC cli 2", "cli 3", false},
				    {"NOPE", kErrSyntax, true}});
	}
	REQUIRE(wait_closed(*l1, 1));
	Cmd st = run("syncsockctl -j stats " + std::to_string(*l1));
	INFO("stats: " << st.out);
	CHECK(st.status == 0);
	CHECK(number_in(st.out, "\"app0\": ?([0-9]+)") == std::optional<uint64_t>(2));
	CHECK(number_in(st.out, "\"app1\": ?([0-9]+)") == std::optional<uint64_t>(1));
	CHECK(cli_handler_row("kvcounter") == kv_row(1));

	// In use: rmmod refuses, and says so; syncsock is held by it too.
	CHECK(kv_refcnt() == 1);
	Cmd rm = run("rmmod " + kKvName);
	note("[module] rmmod while a listener uses it: exit %d: %s", rm.status, rm.out.c_str());
	INFO("rmmod: " << rm.out);
	CHECK(rm.status != 0);
	CHECK(rm.out.find(kKvName) != string::npos);
	CHECK(kv_loaded());
	CHECK(kv_unload() == EWOULDBLOCK);
	CHECK(ssk::unload_module() == EWOULDBLOCK);

	// A second listener, through the CLI: it will drain (a 64k queue, a
	// long close timeout).
	Cmd add2 = run("syncsockctl -j listener add 127.0.0.1:7522 handler kvcounter config "
		       "max-keys=10 txq-limit 65536 close-timeout 60000");
	INFO("listener add: " << add2.out);
	REQUIRE(add2.status == 0);
	auto l2 = number_in(add2.out, "\"id\": ?([0-9]+)");
	REQUIRE(l2);
	CHECK(kv_refcnt() == 2);
	CHECK(kv_handler(dev)->nr_listeners == 2);
	REQUIRE(run("syncsockctl listener del " + std::to_string(*l1)).status == 0);
	REQUIRE(wait_for([&] { return !ssk::find_listener(*l1); }, 10s));
	CHECK(kv_refcnt() == 1);
	CHECK(kv_unload() == EWOULDBLOCK);

	// A connection whose answers cannot drain (the client does not read)
	// keeps the deleted listener draining, and the module pinned.  The
	// commands go in batches until answers wait in syncsock's queue and
	// stay there (the client's window shut, TCP's send buffer full: nothing
	// moves for a second), never so many that the handler is refused
	// (tx_queue_full) and stops reading.
	Fd fd = connect_tcp(7522, {.rcvbuf = 4096, .maxseg = 536});
	int sent = 0;
	bool stuck = false;
	auto deadline = std::chrono::steady_clock::now() + 90s;
	while (!stuck && std::chrono::steady_clock::now() < deadline) {
		if (queued_now(*l2) >= 4096) {
			uint64_t f0 = ctr(*l2, "tx_flushed_bytes"), q0 = queued_now(*l2);
			std::this_thread::sleep_for(1s);
			stuck = ctr(*l2, "tx_flushed_bytes") == f0 && queued_now(*l2) == q0;
			if (stuck || queued_now(*l2) >= 32768)
				continue;
		}
		string out;
		for (int i = 0; i < 50; i++, sent++)
			out += "INC drain-key-" + std::to_string(sent % 10) + "\n";
		send_str(fd.get(), out);
		const uint64_t want = sent;
		wait_for([&] { return ctr(*l2, "rx_messages") == want; }, 5s, 5ms);
	}
	note("[module] %d commands sent; %llu answer bytes wait in the queue", sent,
	     static_cast<unsigned long long>(queued_now(*l2)));
	REQUIRE(stuck);
	CHECK(ctr(*l2, "rx_messages") == uint64_t(sent));
	CHECK(ctr(*l2, "tx_queue_full") == 0);
	REQUIRE(run("syncsockctl listener del " + std::to_string(*l2)).status == 0);
	auto l = ssk::find_listener(*l2);
	REQUIRE(l);
	CHECK(l->state == "draining");
	CHECK(l->conns == 1);
	CHECK(kv_refcnt() == 1);
	CHECK(kv_unload() == EWOULDBLOCK);
	std::this_thread::sleep_for(300ms);
	CHECK(ssk::find_listener(*l2));
	CHECK(kv_unload() == EWOULDBLOCK);
	CHECK(kv_loaded());

	// Reading lets it drain: every answer, in order, then EOF.
	Got g = read_upto(fd.get(), SIZE_MAX, 30s);
	INFO("drained " << g.data.size() << " bytes" << g.end());
	CHECK(g.eof);
	CHECK(g.err == 0);
	auto answers = split_lines(g.data);
	CHECK(answers.size() == size_t(sent));
	std::vector<uint64_t> val(10, 0);
	for (size_t i = 0; i < answers.size(); i++) {
		val[i % 10]++;
		string want = "drain-key-" + std::to_string(i % 10) + " " + std::to_string(val[i % 10]);
		if (answers[i] != want) {
			INFO("answer " << i << ": want '" << want << "', got '" << show(answers[i]) << "'");
			CHECK(answers[i] == want);
			break;
		}
	}
	fd.reset();
	REQUIRE(wait_for([&] { return !ssk::find_listener(*l2); }, 20s));
	REQUIRE(wait_for([] { return kv_refcnt() == 0; }, 10s));
	CHECK(cli_handler_row("kvcounter") == kv_row(0));

	// No listener: rmmod unloads it, and the handler is gone with it.
	Cmd rm2 = run("rmmod " + kKvName);
	INFO("rmmod: " << rm2.out);
	CHECK(rm2.status == 0);
	CHECK_FALSE(kv_loaded());
	CHECK_FALSE(kv_handler(dev));
	CHECK(cli_handler_row("kvcounter").empty());
	Cmd again = cli_listener_add("127.0.0.1:7523", "kvcounter");
	INFO(again.out);
	CHECK(again.status == 2);
	CHECK(again.out.find("no handler named 'kvcounter'") != string::npos);
	CHECK(nr_listeners(dev) == 0);

	// And it loads again.
	REQUIRE(kv_load() == 0);
	CHECK(kv_handler(dev));
}

TEST_CASE("kvcounter: bad configuration strings are refused with its message", "[config]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [config]");
	KvModule kv;
	auto dev = open_device();
	const string addr = "127.0.0.1:7531";
	for (const string config : {"max-keys=0", "foo", "max-keys=", "max-keys=1000001",
				    "max-keys=5 x", "max-keys=-1", "Max-keys=5", "max-keys=0x10",
				    "max-keys=99999999999"}) {
		INFO("config '" << config << "'");
		Cmd r = cli_listener_add(addr, "kvcounter", config);
		INFO("got: " << r.out);
		CHECK(r.status == 2);
		CHECK(r.out == cli_einval(addr, "kvcounter: bad configuration '" + config +
							"' (want max-keys=1..1000000)"));
		CHECK(nr_listeners(dev) == 0);
		CHECK(kv_refcnt() == 0);
	}
	CHECK(run("syncsockctl -j listener list").out == "[]\n");
	CHECK(cli_handler_row("kvcounter") == kv_row(0));
	// No reference leaked: the module unloads.
	CHECK(kv_unload() == 0);
}

TEST_CASE("kvcounter: pipelined commands through a 4k send queue", "[pipeline]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [pipeline]");
	KvModule kv;
	auto dev = open_device();
	const uint16_t port = 7541;
	unsigned id = add(dev, port, "", 4096);

	const string keys[] = {"alpha", "beta-2", "gamma.three", string(64, 'L')};
	std::vector<uint64_t> val(std::size(keys), 0);
	string out, want;
	const int n = static_cast<int>(env_u64("SSK_KV_PIPELINE", 10000));
	uint64_t errors = 0;
	for (int i = 0; i < n; i++) {
		if (i % 97 == 50) {
			out += "NOPE " + std::to_string(i) + "\n";
			want += "ERR unknown command\n";
			errors++;
			continue;
		}
		size_t k = i % std::size(keys);
		uint64_t by = i % 3 == 0 ? 1 : i % 1000;
		out += "INC " + keys[k] + (by == 1 && i % 2 ? "" : " " + std::to_string(by)) + "\n";
		val[k] += by;
		want += keys[k] + " " + std::to_string(val[k]) + "\n";
	}
	for (size_t k = 0; k < std::size(keys); k++) {
		out += "GET " + keys[k] + "\n";
		want += keys[k] + " " + std::to_string(val[k]) + "\n";
	}

	Fd fd = connect_tcp(port, {.rcvbuf = 4096, .maxseg = 536});
	ssk::Counters held;
	auto t0 = std::chrono::steady_clock::now();
	const string in = pump(fd.get(), out, want.size(),
			       {.ready = [&] { return ctr(id, "tx_queue_full") > 0 &&
						      ctr(id, "rx_throttled") > 0; },
				.on_ready = [&] { held = ssk::stats(id); }})
				  .data;
	Got extra = read_upto(fd.get(), 1 << 16, 300ms);
	INFO("after the answers: '" << show(extra.data) << "'" << extra.end());
	CHECK(extra.data.empty());
	CHECK_FALSE(extra.eof);
	note("[pipeline] %zu bytes of commands, %zu of answers in %.1f s", out.size(), in.size(),
	     seconds_since(t0));
	INFO("while the client did not read: " << ssk::format(held));
	if (in != want) {
		auto w = split_lines(want), g = split_lines(in);
		for (size_t i = 0; i < w.size(); i++) {
			string a = i < g.size() ? g[i] : "<missing>";
			INFO("answer " << i << " of " << w.size() << " (got " << g.size()
				       << " lines): want '" << w[i] << "', got '" << show(a) << "'");
			REQUIRE(a == w[i]);
		}
	}
	REQUIRE(same_bytes(in, want));
	CHECK(ssk::get(held, "tx_queue_full") > 0);
	CHECK(ssk::get(held, "rx_throttled") > 0);
	fd.reset();
	REQUIRE(wait_closed(id, 1));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	const uint64_t lines = n + std::size(keys);
	CHECK(ssk::get(st, "rx_messages") == lines);
	CHECK(ssk::get(st, "app0") + ssk::get(st, "app1") == lines);
	CHECK(ssk::get(st, "app1") == errors);
	// Lines cut by 536-byte segments are gathered.
	CHECK(ssk::get(st, "rx_messages_copied") > 0);
	CHECK(ssk::get(st, "rx_messages_copied") < lines);
	CHECK(ssk::get(st, "rx_bytes") == out.size());
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == want.size());
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "tx_errors") == 0);
	CHECK(ssk::get(st, "closed_peer_fin") == 1);
}

TEST_CASE("kvcounter: concurrent connections share the table atomically", "[concurrent]")
{
	ssk::ModuleSession mod;
	kmsg("handler_kvcounter [concurrent]");
	KvModule kv;
	auto dev = open_device();
	const uint16_t port = 7551;
	unsigned id = add(dev, port, "");
	// SSK_KV_PER: commands a connection (the debug kernel is slow).
	const int conns = 8, per = static_cast<int>(env_u64("SSK_KV_PER", 2000));
	REQUIRE(per > 0);

	struct Result {
		std::vector<uint64_t> shared;	// the values "INC shared" answered
		string error;
	};
	std::vector<Result> res(conns);
	std::vector<std::thread> th;
	auto t0 = std::chrono::steady_clock::now();
	for (int t = 0; t < conns; t++) {
		th.emplace_back([&, t] {
			try {
				const string own = "own-" + std::to_string(t);
				string out;
				for (int j = 0; j < per; j++)
					out += "INC shared\nINC " + own + "\n";
				Fd fd = connect_tcp(port);
				// Each answer: "shared N\n" or "own-t N\n"; read them all.
				size_t lines = 0, scanned = 0;
				Got g = pump(fd.get(), out, SIZE_MAX,
					     {.until = [&](const string &in) {
						     lines += std::count(in.begin() + scanned, in.end(), '\n');
						     scanned = in.size();
						     return lines >= 2u * per;
					     }});
				if (lines < 2u * per)
					fail("after " + std::to_string(lines) + " answers" + g.end());
				const string &in = g.data;
				auto got = split_lines(in);
				for (int j = 0; j < per; j++) {
					const string &s = got[2 * j], &o = got[2 * j + 1];
					if (s.rfind("shared ", 0) != 0)
						fail("answer " + std::to_string(2 * j) + ": '" + s + "'");
					res[t].shared.push_back(std::stoull(s.substr(7)));
					if (o != own + " " + std::to_string(j + 1))
						fail("answer " + std::to_string(2 * j + 1) + ": '" + o +
						     "', want '" + own + " " + std::to_string(j + 1) + "'");
					if (j && res[t].shared[j] <= res[t].shared[j - 1])
						fail("shared went from " + std::to_string(res[t].shared[j - 1]) +
						     " to " + std::to_string(res[t].shared[j]));
				}
			} catch (const std::exception &e) {
				res[t].error = e.what();
			}
		});
	}
	for (auto &t : th)
		t.join();
	note("[concurrent] %d connections x %d commands in %.1f s", conns, 2 * per,
	     seconds_since(t0));
	std::vector<uint64_t> all;
	for (int t = 0; t < conns; t++) {
		INFO("connection " << t << ": " << res[t].error);
		CHECK(res[t].error.empty());
		all.insert(all.end(), res[t].shared.begin(), res[t].shared.end());
	}
	// Every value from 1 to conns * per answered exactly once.
	std::sort(all.begin(), all.end());
	bool exact = all.size() == size_t(conns) * per;
	for (size_t i = 0; exact && i < all.size(); i++)
		exact = all[i] == i + 1;
	CHECK(exact);
	Fd fd = connect_tcp(port);
	converse(fd.get(), {{"GET shared", "shared " + std::to_string(conns * per), false}});
	fd.reset();
	REQUIRE(wait_closed(id, conns + 1));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == uint64_t(conns) * 2 * per + 1);
	CHECK(ssk::get(st, "app1") == 0);
	CHECK(ssk::get(st, "handler_errors") == 0);
}
