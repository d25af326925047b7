// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl's output against canned answers: tables and JSON, exact to
// the byte, and the exit code and message of each kind of failure.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "fake_control.hpp"

using namespace syncsock;
using namespace syncsock::cli;
using syncsock::test::ctl;
using syncsock::test::FakeState;
using syncsock::test::make_stats;

namespace {

ListenerInfo listener(std::uint32_t id, const char *addr, const char *handler)
{
	ListenerInfo l;
	l.id = id;
	l.address = *parse_address(addr);
	l.handler = handler;
	l.backlog = 128;
	l.max_conns = 65536;
	l.txq_limit = 262144;
	l.close_timeout_ms = 5000;
	l.idle_timeout_ms = 300000;
	l.msg_timeout_ms = 30000;
	l.user_timeout_ms = 60000;
	return l;
}

FakeState two_listeners()
{
	FakeState s;
	auto a = listener(1, "0.0.0.0:7", "echo");
	a.nr_conns = 12;
	auto b = listener(12, "[fe80::1%2]:8080", "discard");
	b.state = ListenerState::draining;
	b.freebind = b.v6only = true;
	b.max_conns = 100;
	b.backlog = 4096;
	b.txq_limit = 1000;
	b.close_timeout_ms = 250;
	b.idle_timeout_ms = kTimeoutOff;
	b.msg_timeout_ms = 1500;
	b.user_timeout_ms = kTimeoutOff;
	s.listeners = {a, b};
	return s;
}

PairInfo pair(std::uint32_t listener, const char *client, const char *local, const char *source,
	      const char *backend)
{
	PairInfo p;
	p.listener = listener;
	p.client = *parse_address(client);
	p.local = *parse_address(local);
	p.source = *parse_address(source);
	p.backend = *parse_address(backend);
	return p;
}

// two_listeners(), with a proxy's pairs: two on listener 1, two on 12.
FakeState with_pairs()
{
	auto s = two_listeners();
	auto a = pair(1, "192.0.2.7:50312", "10.0.0.1:7", "10.0.0.1:41000", "10.0.0.9:8080");
	auto b = pair(1, "198.51.100.23:61002", "10.0.0.1:7", "10.0.0.1:41002", "10.0.0.10:8080");
	b.up_queued = 262144;
	b.down_queued = 1200;
	b.paused = true;
	auto c = pair(12, "[fe80::7%2]:40000", "[fe80::1%2]:8080", "[2001:db8::1]:52000",
		      "[2001:db8::9]:8443");
	c.connecting = c.paused = true;	// not read until connected
	c.up_queued = 517;
	auto d = pair(12, "[fe80::8%2]:40001", "[fe80::1%2]:8080", "[2001:db8::1]:52002",
		      "[2001:db8::9]:8443");
	d.paused = d.closing = true;
	d.down_queued = 4096;
	s.pairs = {a, b, c, d};
	return s;
}

} // namespace

TEST_CASE("output: listener list", "[output]")
{
	auto s = two_listeners();
	auto r = ctl(s, {"listener", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.err.empty());
	CHECK(r.out ==
	      "ID  STATE      ADDRESS           HANDLER  CONNS  MAX-CONNS  BACKLOG  TXQ-LIMIT  CLOSE-TIMEOUT  FLAGS\n"
	      " 1  listening  0.0.0.0:7         echo        12      65536      128       256k         5000ms  -\n"
	      "12  draining   [fe80::1%2]:8080  discard      0        100     4096       1000          250ms  freebind,v6only\n");
	CHECK(s.opened == "/dev/syncsock");
	CHECK(s.calls == std::vector<std::string>{"listener_list"});
}

TEST_CASE("output: listener list, empty", "[output]")
{
	FakeState s;
	auto r = ctl(s, {"listener", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "ID  STATE  ADDRESS  HANDLER  CONNS  MAX-CONNS  BACKLOG  TXQ-LIMIT  CLOSE-TIMEOUT  FLAGS\n");
	r = ctl(s, {"-j", "listener", "list"});
	CHECK(r.out == "[]\n");
}

TEST_CASE("output: listener list, JSON", "[output]")
{
	auto s = two_listeners();
	auto r = ctl(s, {"-j", "listener", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out ==
	      R"([{"id":1,"state":"listening","family":"inet","address":"0.0.0.0","port":7,)"
	      R"("scope_id":0,"handler":"echo","conns":12,"max_conns":65536,"backlog":128,)"
	      R"("txq_limit":262144,"close_timeout_ms":5000,"idle_timeout_ms":300000,)"
	      R"("msg_timeout_ms":30000,"user_timeout_ms":60000,"freebind":false,"v6only":false},)"
	      R"({"id":12,"state":"draining","family":"inet6","address":"fe80::1","port":8080,)"
	      R"("scope_id":2,"handler":"discard","conns":0,"max_conns":100,"backlog":4096,)"
	      R"("txq_limit":1000,"close_timeout_ms":250,"idle_timeout_ms":4294967295,)"
	      R"("msg_timeout_ms":1500,"user_timeout_ms":4294967295,"freebind":true,"v6only":true}])"
	      "\n");
}

TEST_CASE("output: listener show", "[output]")
{
	auto s = two_listeners();
	s.stats = {make_stats(100)};
	auto r = ctl(s, {"listener", "show", "1"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "id             1\n"
		       "state          listening\n"
		       "address        0.0.0.0:7\n"
		       "handler        echo\n"
		       "conns          12\n"
		       "max-conns      65536\n"
		       "backlog        128\n"
		       "txq-limit      256k\n"
		       "close-timeout  5000ms\n"
		       "idle-timeout   300000ms\n"
		       "msg-timeout    30000ms\n"
		       "user-timeout   60000ms\n"
		       "flags          -\n"
		       "\n"
		       "COUNTER                  VALUE\n"
		       "accepted                   100\n"
		       "accept_rejected            101\n"
		       "closed                     102\n"
		       "rx_bytes                   103\n"
		       "rx_segments                104\n"
		       "rx_softirq                 105\n"
		       "rx_process                 106\n"
		       "rx_deferred                107\n"
		       "rx_throttled               108\n"
		       "tx_inline_bytes            109\n"
		       "tx_inline_softirq_bytes    110\n"
		       "tx_queued_bytes            111\n"
		       "tx_flushed_bytes           112\n"
		       "tx_queue_full              113\n"
		       "tx_errors                  114\n"
		       "handler_errors             115\n"
		       "work_runs                  116\n"
		       "rx_messages                117\n"
		       "rx_messages_copied         118\n"
		       "app0                       119\n"
		       "app1                       120\n"
		       "app2                       121\n"
		       "app3                       122\n"
		       "nomem_retries              123\n"
		       "rx_urgent                  124\n"
		       "accept_busy                125\n"
		       "mem_charged                126\n"
		       "mem_uncharged              127\n"
		       "mem_refused                128\n"
		       "connects                   129\n"
		       "connected                  130\n"
		       "connect_refused            131\n"
		       "connect_timeout            132\n"
		       "connect_unreach            133\n"
		       "connect_errors             134\n"
		       "fwd_up_bytes               135\n"
		       "fwd_down_bytes             136\n"
		       "fwd_inline                 137\n"
		       "fwd_queued                 138\n"
		       "fwd_spliced_bytes          139\n"
		       "fwd_copied_bytes           140\n"
		       "fwd_paused                 141\n"
		       "closed_peer_fin            142\n"
		       "closed_peer_reset          143\n"
		       "closed_error               144\n"
		       "closed_handler             145\n"
		       "closed_handler_abort       146\n"
		       "closed_handler_error       147\n"
		       "closed_timeout             148\n"
		       "closed_listener_delete     149\n"
		       "closed_netns_exit          150\n"
		       "closed_unload              151\n"
		       "closed_nomem               152\n"
		       "closed_oversize            153\n"
		       "closed_bad_frame           154\n"
		       "closed_idle                155\n"
		       "closed_msg_timeout         156\n"
		       "closed_connect_failed      157\n"
		       "closed_pair                158\n");
	CHECK(s.calls == std::vector<std::string>{"listener_get 1", "stats 1"});
}

TEST_CASE("output: listener show, JSON", "[output]")
{
	auto s = two_listeners();
	s.stats = {make_stats(0, 0, 3)};
	auto r = ctl(s, {"listener", "show", "12", "-p"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "{\n"
		       "  \"id\": 12,\n"
		       "  \"state\": \"draining\",\n"
		       "  \"family\": \"inet6\",\n"
		       "  \"address\": \"fe80::1\",\n"
		       "  \"port\": 8080,\n"
		       "  \"scope_id\": 2,\n"
		       "  \"handler\": \"discard\",\n"
		       "  \"conns\": 0,\n"
		       "  \"max_conns\": 100,\n"
		       "  \"backlog\": 4096,\n"
		       "  \"txq_limit\": 1000,\n"
		       "  \"close_timeout_ms\": 250,\n"
		       "  \"idle_timeout_ms\": 4294967295,\n"
		       "  \"msg_timeout_ms\": 1500,\n"
		       "  \"user_timeout_ms\": 4294967295,\n"
		       "  \"freebind\": true,\n"
		       "  \"v6only\": true,\n"
		       "  \"counters\": {\n"
		       "    \"accepted\": 0,\n"
		       "    \"accept_rejected\": 1,\n"
		       "    \"closed\": 2\n"
		       "  }\n"
		       "}\n");

	// The table says off where JSON has the number.
	s.stats = {make_stats(0, 0, 1)};
	r = ctl(s, {"listener", "show", "12"});
	CHECK(r.rc == kExitOk);
	CHECK_THAT(r.out, Catch::Contains("close-timeout  250ms\n"
					  "idle-timeout   off\n"
					  "msg-timeout    1500ms\n"
					  "user-timeout   off\n"
					  "flags          freebind,v6only\n"));
}

TEST_CASE("output: listener add prints the id and passes the configuration", "[output]")
{
	FakeState s;
	auto r = ctl(s, {"listener", "add", "[::]:7", "handler", "echo", "config", "a=1", "v6only",
			 "txq-limit", "64k"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "7\n");
	CHECK(r.err.empty());
	CHECK(s.added.address.to_string() == "[::]:7");
	CHECK(s.added.handler == "echo");
	CHECK(s.added.config == "a=1");
	CHECK(s.added.v6only);
	CHECK(s.added.txq_limit == 65536);
	CHECK(s.added.idle_timeout_ms == 0);
	CHECK(s.added.msg_timeout_ms == 0);
	CHECK(s.added.user_timeout_ms == 0);

	r = ctl(s, {"listener", "add", "127.0.0.1:7", "handler", "echo", "idle-timeout", "off",
		    "msg-timeout", "2s", "user-timeout", "45000"});
	CHECK(r.rc == kExitOk);
	CHECK(s.added.idle_timeout_ms == kTimeoutOff);
	CHECK(s.added.msg_timeout_ms == 2000);
	CHECK(s.added.user_timeout_ms == 45000);

	r = ctl(s, {"-j", "listener", "add", "127.0.0.1:7", "handler", "echo"});
	CHECK(r.out == "{\"id\":7}\n");
}

TEST_CASE("output: listener del is silent, JSON says null", "[output]")
{
	FakeState s;
	auto r = ctl(s, {"listener", "del", "3", "abort"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out.empty());
	CHECK(r.err.empty());
	CHECK(s.calls == std::vector<std::string>{"listener_del 3 abort"});
	r = ctl(s, {"-j", "listener", "del", "4"});
	CHECK(r.out == "null\n");
	CHECK(s.calls.back() == "listener_del 4");
}

TEST_CASE("output: handler list", "[output]")
{
	FakeState s;
	s.handlers = {{"discard", "syncsock", 0}, {"echo", "syncsock", 2}, {"http", "syncsock_http", 10}};
	auto r = ctl(s, {"handler", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "NAME     MODULE         LISTENERS\n"
		       "discard  syncsock               0\n"
		       "echo     syncsock               2\n"
		       "http     syncsock_http         10\n");
	r = ctl(s, {"-j", "handler", "list"});
	CHECK(r.out == R"([{"name":"discard","module":"syncsock","listeners":0},)"
		       R"({"name":"echo","module":"syncsock","listeners":2},)"
		       R"({"name":"http","module":"syncsock_http","listeners":10}])"
		       "\n");
}

TEST_CASE("output: pair list", "[output]")
{
	auto s = with_pairs();
	auto r = ctl(s, {"pair", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.err.empty());
	CHECK(r.out ==
	      "LISTENER  CLIENT               LOCAL             SOURCE               BACKEND             UP-QUEUED  DOWN-QUEUED  STATE\n"
	      "       1  192.0.2.7:50312      10.0.0.1:7        10.0.0.1:41000       10.0.0.9:8080               0            0  -\n"
	      "       1  198.51.100.23:61002  10.0.0.1:7        10.0.0.1:41002       10.0.0.10:8080         262144         1200  paused\n"
	      "      12  [fe80::7%2]:40000    [fe80::1%2]:8080  [2001:db8::1]:52000  [2001:db8::9]:8443        517            0  connecting,paused\n"
	      "      12  [fe80::8%2]:40001    [fe80::1%2]:8080  [2001:db8::1]:52002  [2001:db8::9]:8443          0         4096  paused,closing\n");
	CHECK(s.opened == "/dev/syncsock");
	CHECK(s.calls == std::vector<std::string>{"pair_list 0"});

	// One listener's.
	r = ctl(s, {"pair", "list", "listener", "12"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out ==
	      "LISTENER  CLIENT             LOCAL             SOURCE               BACKEND             UP-QUEUED  DOWN-QUEUED  STATE\n"
	      "      12  [fe80::7%2]:40000  [fe80::1%2]:8080  [2001:db8::1]:52000  [2001:db8::9]:8443        517            0  connecting,paused\n"
	      "      12  [fe80::8%2]:40001  [fe80::1%2]:8080  [2001:db8::1]:52002  [2001:db8::9]:8443          0         4096  paused,closing\n");
	CHECK(s.calls.back() == "pair_list 12");
}

TEST_CASE("output: pair list, JSON", "[output]")
{
	auto s = with_pairs();
	auto r = ctl(s, {"-j", "pair", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.err.empty());
	CHECK(r.out ==
	      R"([{"listener":1,"client":"192.0.2.7:50312","local":"10.0.0.1:7","source":"10.0.0.1:41000",)"
	      R"("backend":"10.0.0.9:8080","up_queued":0,"down_queued":0,"connecting":false,)"
	      R"("paused":false,"closing":false},)"
	      R"({"listener":1,"client":"198.51.100.23:61002","local":"10.0.0.1:7",)"
	      R"("source":"10.0.0.1:41002","backend":"10.0.0.10:8080","up_queued":262144,)"
	      R"("down_queued":1200,"connecting":false,"paused":true,"closing":false},)"
	      R"({"listener":12,"client":"[fe80::7%2]:40000","local":"[fe80::1%2]:8080",)"
	      R"("source":"[2001:db8::1]:52000","backend":"[2001:db8::9]:8443","up_queued":517,)"
	      R"("down_queued":0,"connecting":true,"paused":true,"closing":false},)"
	      R"({"listener":12,"client":"[fe80::8%2]:40001","local":"[fe80::1%2]:8080",)"
	      R"("source":"[2001:db8::1]:52002","backend":"[2001:db8::9]:8443","up_queued":0,)"
	      R"("down_queued":4096,"connecting":false,"paused":true,"closing":true}])"
	      "\n");

	r = ctl(s, {"pair", "list", "listener", "1", "--pretty"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "[\n"
		       "  {\n"
		       "    \"listener\": 1,\n"
		       "    \"client\": \"192.0.2.7:50312\",\n"
		       "    \"local\": \"10.0.0.1:7\",\n"
		       "    \"source\": \"10.0.0.1:41000\",\n"
		       "    \"backend\": \"10.0.0.9:8080\",\n"
		       "    \"up_queued\": 0,\n"
		       "    \"down_queued\": 0,\n"
		       "    \"connecting\": false,\n"
		       "    \"paused\": false,\n"
		       "    \"closing\": false\n"
		       "  },\n"
		       "  {\n"
		       "    \"listener\": 1,\n"
		       "    \"client\": \"198.51.100.23:61002\",\n"
		       "    \"local\": \"10.0.0.1:7\",\n"
		       "    \"source\": \"10.0.0.1:41002\",\n"
		       "    \"backend\": \"10.0.0.10:8080\",\n"
		       "    \"up_queued\": 262144,\n"
		       "    \"down_queued\": 1200,\n"
		       "    \"connecting\": false,\n"
		       "    \"paused\": true,\n"
		       "    \"closing\": false\n"
		       "  }\n"
		       "]\n");
	CHECK(s.calls.back() == "pair_list 1");
}

TEST_CASE("output: pair list, empty", "[output]")
{
	auto s = two_listeners();
	auto r = ctl(s, {"pair", "list"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "LISTENER  CLIENT  LOCAL  SOURCE  BACKEND  UP-QUEUED  DOWN-QUEUED  STATE\n");
	r = ctl(s, {"pair", "list", "listener", "1"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "LISTENER  CLIENT  LOCAL  SOURCE  BACKEND  UP-QUEUED  DOWN-QUEUED  STATE\n");
	r = ctl(s, {"-j", "pair", "list"});
	CHECK(r.out == "[]\n");
	r = ctl(s, {"-p", "pair", "list", "listener", "12"});
	CHECK(r.out == "[]\n");
	CHECK(r.err.empty());
}

TEST_CASE("output: pair list of a missing listener", "[output]")
{
	auto s = with_pairs();
	auto r = ctl(s, {"pair", "list", "listener", "99"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out.empty());
	CHECK(r.err == "Error: cannot list the pairs of listener 99: no listener with id 99 in this "
		       "network namespace (ENOENT); see: syncsockctl listener list\n");
	CHECK(s.calls == std::vector<std::string>{"pair_list 99"});

	r = ctl(s, {"-j", "pair", "list", "listener", "99"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err.empty());
	CHECK(r.out == "{\"error\":\"cannot list the pairs of listener 99: no listener with id 99 "
		       "in this network namespace (ENOENT); see: syncsockctl listener list\"}\n");

	// A module from before PAIR_LIST.
	s.pair_error = Error::from_errno(ENOTTY);
	r = ctl(s, {"pair", "list"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err == "Error: cannot list the pairs: the module does not know this request "
		       "(ENOTTY); is the module older than syncsockctl? compare: syncsockctl "
		       "version\n");
}

TEST_CASE("output: stats of the module", "[output]")
{
	FakeState s;
	s.stats = {make_stats(0, 0, 3)};
	auto r = ctl(s, {"stats"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "COUNTER          VALUE\n"
		       "accepted             0\n"
		       "accept_rejected      1\n"
		       "closed               2\n");
	CHECK(s.calls == std::vector<std::string>{"stats 0"});
	r = ctl(s, {"-j", "stats"});
	CHECK(r.out == R"({"scope":"module","counters":{"accepted":0,"accept_rejected":1,"closed":2}})"
		       "\n");
}

TEST_CASE("output: stats per CPU shows the busy CPUs", "[output]")
{
	FakeState s;
	auto st = make_stats(10, 4, 3);
	st.cpus[1] = {4, 5, 6};
	st.cpus[3] = {6, 6, 6};
	s.stats = {st};
	auto r = ctl(s, {"stats", "5", "--per-cpu"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "COUNTER          TOTAL  CPU1  CPU3\n"
		       "accepted            10     4     6\n"
		       "accept_rejected     11     5     6\n"
		       "closed              12     6     6\n");
	CHECK(s.calls == std::vector<std::string>{"stats 5 per_cpu"});
	r = ctl(s, {"-j", "stats", "5", "--per-cpu"});
	CHECK(r.out == R"({"scope":"listener","id":5,"counters":{"accepted":10,"accept_rejected":11,"closed":12},)"
		       R"("per_cpu":[{"cpu":0,"counters":{"accepted":0,"accept_rejected":0,"closed":0}},)"
		       R"({"cpu":1,"counters":{"accepted":4,"accept_rejected":5,"closed":6}},)"
		       R"({"cpu":2,"counters":{"accepted":0,"accept_rejected":0,"closed":0}},)"
		       R"({"cpu":3,"counters":{"accepted":6,"accept_rejected":6,"closed":6}}]})"
		       "\n");
}

TEST_CASE("output: stats --watch prints rates per second", "[output]")
{
	FakeState s;
	s.stats = {make_stats(0, 0, 2), make_stats(10, 0, 2), make_stats(15, 0, 2)};
	s.stats[2].sum[1] = 1;	// went back (reset): no rate
	auto r = ctl(s, {"stats", "3", "--watch", "2", "--count", "2"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "listener 3, rates over 2.00 s\n"
		       "COUNTER          TOTAL  PER-SEC\n"
		       "accepted            10      5.0\n"
		       "accept_rejected     11      5.0\n"
		       "\n"
		       "listener 3, rates over 2.00 s\n"
		       "COUNTER          TOTAL  PER-SEC\n"
		       "accepted            15      2.5\n"
		       "accept_rejected      1      0.0\n");
	CHECK(s.slept == std::vector<double>{2.0, 2.0});
	CHECK(s.calls.size() == 3);
}

TEST_CASE("output: stats --watch divides by the time that passed", "[output]")
{
	FakeState s;
	s.oversleep = 1;	// each 1 s sleep takes 2 s
	s.stats = {make_stats(0, 0, 1), make_stats(3, 0, 1)};
	auto r = ctl(s, {"-j", "stats", "--count", "1"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == R"({"scope":"module","interval":2,"counters":{"accepted":3},"rates":{"accepted":1.5}})"
		       "\n");
}

TEST_CASE("output: stats --watch per CPU, JSON lines", "[output]")
{
	FakeState s;
	auto a = make_stats(0, 2, 1);
	auto b = make_stats(4, 2, 1);
	b.cpus[1] = {4};
	s.stats = {a, b};
	auto r = ctl(s, {"stats", "--watch", "--per-cpu", "--count", "1"});
	CHECK(r.out == "module, rates over 1.00 s\n"
		       "COUNTER   TOTAL  PER-SEC  CPU1/S\n"
		       "accepted      4      4.0     4.0\n");
	s.stats = {a, b};
	r = ctl(s, {"-j", "stats", "--watch", "--per-cpu", "--count", "1"});
	CHECK(r.out == R"({"scope":"module","interval":1,"counters":{"accepted":4},"rates":{"accepted":4},)"
		       R"("per_cpu":[{"cpu":0,"rates":{"accepted":0}},{"cpu":1,"rates":{"accepted":4}}]})"
		       "\n");
}

TEST_CASE("output: stats --watch stops when interrupted", "[output]")
{
	FakeState s;
	s.stats = {make_stats(0, 0, 1), make_stats(1, 0, 1)};
	s.sleeps_before_interrupt = 3;
	auto r = ctl(s, {"-j", "stats", "--watch", "0.25"});
	CHECK(r.rc == kExitOk);
	CHECK(s.slept.size() == 3);
	CHECK(r.out == R"({"scope":"module","interval":0.25,"counters":{"accepted":1},"rates":{"accepted":4}})"
		       "\n"
		       R"({"scope":"module","interval":0.25,"counters":{"accepted":1},"rates":{"accepted":0}})"
		       "\n"
		       R"({"scope":"module","interval":0.25,"counters":{"accepted":1},"rates":{"accepted":0}})"
		       "\n");
}

TEST_CASE("output: a listener deleted while watched", "[output]")
{
	FakeState s;
	s.stats = {make_stats(0, 0, 1)};
	s.sleeps_before_interrupt = 1;
	auto env = syncsock::test::fake_env(s);
	std::ostringstream out, err;
	std::vector<std::string_view> args = {"stats", "4", "--watch"};
	auto inv = parse(args);
	// The first sample works, the second finds the listener gone.
	env.sleep = [&](std::chrono::duration<double>) {
		s.stats_error = Error::from_errno(ENOENT);
		return true;
	};
	int rc = run(inv, env, out, err);
	CHECK(rc == kExitKernel);
	CHECK(out.str().empty());
	CHECK(err.str() == "Error: cannot read the counters of listener 4: no listener with id 4 in "
			   "this network namespace (ENOENT); see: syncsockctl listener list\n");
}

TEST_CASE("output: versions", "[output]")
{
	FakeState s;
	auto r = ctl(s, {"version"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "syncsockctl 0.1\n"
		       "libsyncsock 0.1 (ABI 1)\n"
		       "syncsock.ko 0.1 (ABI 1, 59 counters, 17 close reasons, 4 CPU ids)\n");
	CHECK(r.err.empty());
	r = ctl(s, {"-j", "version"});
	CHECK(r.out == R"({"syncsockctl":"0.1","libsyncsock":"0.1","abi":1,"module":{"version":"0.1",)"
		       R"("abi":1,"nr_stats":59,"nr_close_reasons":17,"nr_cpu_ids":4}})"
		       "\n");
	s.version.abi_version = 2;
	r = ctl(s, {"version"});
	CHECK(r.rc == kExitOk);
	CHECK_THAT(r.out, Catch::Contains("syncsock.ko 0.1 (ABI 2,"));
	CHECK_THAT(r.err, Catch::StartsWith("Warning: the module speaks another ABI"));

	// Without the module: the tools' own versions, then why there is no
	// module's (exit 2: the module could not be reached).
	FakeState gone;
	gone.open_error = Error::from_errno(ENOENT);
	r = ctl(gone, {"version"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out == "syncsockctl 0.1\n"
		       "libsyncsock 0.1 (ABI 1)\n"
		       "syncsock.ko: not loaded\n");
	CHECK_THAT(r.err, Catch::StartsWith("Error: cannot open /dev/syncsock: it does not exist"));
	r = ctl(gone, {"-j", "version"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out == R"({"syncsockctl":"0.1","libsyncsock":"0.1","abi":1,"module":null,)"
		       R"("error":"cannot open /dev/syncsock: it does not exist (ENOENT); the syncsock )"
		       R"x(module is not loaded: load it with: modprobe syncsock (from a build tree: insmod syncsock.ko)"})x"
		       "\n");
	CHECK(r.err.empty());

	FakeState none;
	r = ctl(none, {"-V"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == "syncsockctl 0.1 (libsyncsock 0.1, ABI 1)\n");
	CHECK(none.opened.empty());
	r = ctl(none, {"-V", "-j"});
	CHECK(r.out == "{\"syncsockctl\":\"0.1\",\"libsyncsock\":\"0.1\",\"abi\":1}\n");
}

TEST_CASE("output: help goes to stdout, JSON help is null", "[output]")
{
	FakeState s;
	auto r = ctl(s, {"help"});
	CHECK(r.rc == kExitOk);
	CHECK(r.out == help_text(Topic::main));
	CHECK_THAT(r.out, Catch::StartsWith("Usage: syncsockctl [OPTIONS] OBJECT COMMAND [ARGS]\n"));
	r = ctl(s, {"stats", "help"});
	CHECK(r.out == help_text(Topic::stats));
	r = ctl(s, {"-j", "listener", "help"});
	CHECK(r.out == "null\n");
	r = ctl(s, {"pair", "list", "help"});
	CHECK(r.out == help_text(Topic::pair));
	CHECK_THAT(r.out, Catch::StartsWith("Usage: syncsockctl pair list [listener ID]\n"));
	CHECK(s.opened.empty());
	// The top-level usage names every command.
	for (const char *line :
	     {"OBJECT := { listener | pair | handler | stats | version | help }",
	      "  syncsockctl listener list\n", "  syncsockctl pair list [listener ID]\n",
	      "  syncsockctl handler list\n"}) {
		INFO(line);
		CHECK_THAT(help_text(Topic::main), Catch::Contains(line));
	}
	for (auto t : {Topic::main, Topic::listener, Topic::pair, Topic::handler, Topic::stats,
		       Topic::version}) {
		auto text = help_text(t);
		CHECK_THAT(text, Catch::StartsWith("Usage: syncsockctl"));
		for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
			CHECK(nl - at <= 80);	// fits a terminal
	}
}

TEST_CASE("output: kernel errors exit 2 with the message", "[output]")
{
	FakeState s;
	s.open_error = Error::from_errno(ENOENT);
	auto r = ctl(s, {"listener", "list"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out.empty());
	CHECK(r.err == "Error: cannot open /dev/syncsock: it does not exist (ENOENT); the syncsock "
		       "module is not loaded: load it with: modprobe syncsock (from a build "
		       "tree: insmod syncsock.ko)\n");

	s.open_error = Error::from_errno(EACCES);
	r = ctl(s, {"-j", "-d", "/dev/other", "stats"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err.empty());
	CHECK(r.out == "{\"error\":\"cannot open /dev/other: permission denied (EACCES); the device "
		       "is root-only: run syncsockctl as root\"}\n");
	CHECK(s.opened == "/dev/other");

	s.open_error.reset();
	s.add_error = Error::from_errno(EINVAL, "handler 'echo' takes no configuration");
	r = ctl(s, {"listener", "add", "0.0.0.0:7", "handler", "echo", "config", "x"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out.empty());
	CHECK(r.err == "Error: cannot add a listener on 0.0.0.0:7: handler 'echo' takes no "
		       "configuration (EINVAL)\n");

	s.add_error = Error::from_errno(EADDRINUSE, "the address and port are already in use");
	r = ctl(s, {"-j", "listener", "add", "0.0.0.0:7", "handler", "echo"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.out == "{\"error\":\"cannot add a listener on 0.0.0.0:7: the address and port are "
		       "already in use (EADDRINUSE); see who has it with: syncsockctl listener list; "
		       "ss -ltnp 'sport = :7'\"}\n");

	s.del_error = Error::from_errno(ENOENT);
	r = ctl(s, {"listener", "del", "99"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err == "Error: cannot delete listener 99: no listener with id 99 in this network "
		       "namespace (ENOENT); see: syncsockctl listener list\n");

	r = ctl(s, {"listener", "show", "99"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err == "Error: cannot read listener 99: no listener with id 99 in this network "
		       "namespace (ENOENT); see: syncsockctl listener list\n");

	s.handler_error = Error::from_errno(EPROTO, "the module speaks syncsock ABI 2, this program ABI 1");
	r = ctl(s, {"handler", "list"});
	CHECK(r.rc == kExitKernel);
	CHECK(r.err == "Error: cannot list the handlers: the module speaks syncsock ABI 2, this "
		       "program ABI 1 (EPROTO)\n");
}

TEST_CASE("docs: the man page has every word of the grammar", "[docs]")
{
	std::ifstream in(SYNCSOCK_MAN_RST);
	REQUIRE(in);
	std::string man((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	for (const char *word :
	     {"**listener add**", "**listener del**", "**listener list**", "**listener show**",
	      "**pair list**", "**listener** *ID*", "**LISTENER**", "**CLIENT**", "**LOCAL**",
	      "**SOURCE**", "**BACKEND**", "**UP-QUEUED**", "**DOWN-QUEUED**", "**STATE**",
	      "**connecting**", "**paused**", "**closing**", "**handler list**", "**stats**",
	      "**version**", "**port**", "**handler**",
	      "**config**", "**backlog**", "**max-conns**", "**txq-limit**", "**close-timeout**",
	      "**idle-timeout**", "**msg-timeout**", "**user-timeout**", "**off**",
	      "**freebind**", "**v6only**", "**abort**", "**--per-cpu**", "**--watch**",
	      "**--count**", "**--json**", "**--pretty**", "**--device**", "**--version**",
	      "**--help**"}) {
		INFO(word);
		CHECK(man.find(word) != std::string::npos);
	}
	for (const auto &name : stat_names(SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS)) {
		INFO(name);
		CHECK(man.find("**" + name + "**") != std::string::npos);
	}
}
