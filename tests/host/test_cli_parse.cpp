// SPDX-License-Identifier: GPL-2.0
//
// syncsockctl's command line: every command, and bad input answered with
// exit 1 and a message that names the problem (before any device is opened).
#include <catch2/catch.hpp>

#include "fake_control.hpp"

using namespace syncsock;
using namespace syncsock::cli;
using syncsock::test::ctl;
using syncsock::test::FakeState;

namespace {

Invocation p(std::vector<std::string_view> args)
{
	return parse(args);
}

template <typename T>
const T &cmd(const Invocation &inv)
{
	INFO(inv.error);
	REQUIRE(inv.ok());
	REQUIRE(std::holds_alternative<T>(inv.command));
	return std::get<T>(inv.command);
}

// A usage error: exit 1, the message on stderr, nothing on stdout, no
// device opened.
void usage_error(std::vector<std::string_view> args, const std::string &message,
		 const std::string &help = "Try 'syncsockctl help'.")
{
	FakeState s;
	auto r = ctl(s, args);
	INFO(r.err);
	CHECK(r.rc == kExitUsage);
	CHECK(r.out.empty());
	CHECK_THAT(r.err, Catch::StartsWith("Error: "));
	CHECK_THAT(r.err, Catch::Contains(message));
	CHECK_THAT(r.err, Catch::EndsWith(help + "\n"));
	CHECK(s.calls.empty());
	CHECK(s.opened.empty());
}

} // namespace

TEST_CASE("parse: options before the object", "[parse]")
{
	auto inv = p({"-j", "listener", "list"});
	cmd<ListenerList>(inv);
	CHECK(inv.options.json);
	CHECK_FALSE(inv.options.pretty);
	CHECK(inv.options.device == "/dev/syncsock");

	inv = p({"--pretty", "--device", "/dev/x", "handler", "list"});
	cmd<HandlerList>(inv);
	CHECK(inv.options.json);
	CHECK(inv.options.pretty);
	CHECK(inv.options.device == "/dev/x");

	inv = p({"-jp", "-d/dev/y", "version"});
	cmd<VersionCmd>(inv);
	CHECK(inv.options.pretty);
	CHECK(inv.options.device == "/dev/y");

	inv = p({"--device=/dev/z", "-d", "/dev/w", "stats"});
	cmd<StatsCmd>(inv);
	CHECK(inv.options.device == "/dev/w");
}

TEST_CASE("parse: options after the object and command", "[parse]")
{
	auto inv = p({"listener", "list", "-j"});
	cmd<ListenerList>(inv);
	CHECK(inv.options.json);
	inv = p({"listener", "-p", "show", "3"});
	CHECK(cmd<ListenerShow>(inv).id == 3);
	CHECK(inv.options.pretty);
	inv = p({"stats", "2", "--json", "--per-cpu"});
	CHECK(cmd<StatsCmd>(inv).per_cpu);
	CHECK(inv.options.json);
}

TEST_CASE("parse: help and version at every level", "[parse]")
{
	CHECK(cmd<Help>(p({"help"})).topic == Topic::main);
	CHECK(cmd<Help>(p({"-h"})).topic == Topic::main);
	CHECK(cmd<Help>(p({"--help", "listener"})).topic == Topic::main);
	CHECK(cmd<Help>(p({"listener", "help"})).topic == Topic::listener);
	CHECK(cmd<Help>(p({"listener", "-h"})).topic == Topic::listener);
	CHECK(cmd<Help>(p({"listener", "add", "help"})).topic == Topic::listener);
	CHECK(cmd<Help>(p({"listener", "add", "0.0.0.0:1", "--help"})).topic == Topic::listener);
	CHECK(cmd<Help>(p({"listener", "del", "help"})).topic == Topic::listener);
	CHECK(cmd<Help>(p({"pair", "help"})).topic == Topic::pair);
	CHECK(cmd<Help>(p({"pair", "-h"})).topic == Topic::pair);
	CHECK(cmd<Help>(p({"pair", "list", "help"})).topic == Topic::pair);
	CHECK(cmd<Help>(p({"pair", "list", "listener", "3", "--help"})).topic == Topic::pair);
	CHECK(cmd<Help>(p({"handler", "help"})).topic == Topic::handler);
	CHECK(cmd<Help>(p({"handler", "list", "-h"})).topic == Topic::handler);
	CHECK(cmd<Help>(p({"stats", "help"})).topic == Topic::stats);
	CHECK(cmd<Help>(p({"stats", "--watch", "-h"})).topic == Topic::stats);
	CHECK(cmd<Help>(p({"version", "help"})).topic == Topic::version);
	cmd<ShowVersion>(p({"-V"}));
	cmd<ShowVersion>(p({"--version"}));
	cmd<ShowVersion>(p({"listener", "list", "-V"}));
	cmd<VersionCmd>(p({"version"}));
}

TEST_CASE("parse: listener add, every keyword", "[parse]")
{
	auto inv = p({"listener", "add", "[2001:db8::1]:8080", "handler", "echo", "config",
		      "-a b=c", "backlog", "64", "max-conns", "1000", "txq-limit", "64k",
		      "close-timeout", "2s", "freebind", "v6only"});
	const auto &c = cmd<ListenerAdd>(inv).config;
	CHECK(c.address.to_string() == "[2001:db8::1]:8080");
	CHECK(c.handler == "echo");
	CHECK(c.config == "-a b=c");
	CHECK(c.backlog == 64);
	CHECK(c.max_conns == 1000);
	CHECK(c.txq_limit == 65536);
	CHECK(c.close_timeout_ms == 2000);
	CHECK(c.freebind);
	CHECK(c.v6only);
}

TEST_CASE("parse: listener add, defaults and the port keyword", "[parse]")
{
	auto inv = p({"listener", "add", "any", "port", "7", "handler", "echo"});
	const auto &c = cmd<ListenerAdd>(inv).config;
	CHECK(c.address.to_string() == "0.0.0.0:7");
	CHECK(c.config.empty());
	CHECK(c.backlog == 0);
	CHECK(c.max_conns == 0);
	CHECK(c.txq_limit == 0);
	CHECK(c.close_timeout_ms == 0);
	CHECK(c.idle_timeout_ms == 0);
	CHECK(c.msg_timeout_ms == 0);
	CHECK(c.user_timeout_ms == 0);
	CHECK_FALSE(c.freebind);
	CHECK_FALSE(c.v6only);

	auto inv2 = p({"listener", "add", "handler", "discard", "127.0.0.1:9", "txq-limit", "1m",
		       "close-timeout", "250ms"});
	const auto &d = cmd<ListenerAdd>(inv2).config;
	CHECK(d.address.to_string() == "127.0.0.1:9");
	CHECK(d.txq_limit == 1048576);
	CHECK(d.close_timeout_ms == 250);
}

TEST_CASE("parse: listener add, the idle, message and user timeouts", "[parse]")
{
	auto inv = p({"listener", "add", "127.0.0.1:9", "handler", "sockperf", "idle-timeout",
		      "10s", "msg-timeout", "750ms", "user-timeout", "86400000"});
	const auto &c = cmd<ListenerAdd>(inv).config;
	CHECK(c.idle_timeout_ms == 10000);
	CHECK(c.msg_timeout_ms == 750);
	CHECK(c.user_timeout_ms == 86400000);
	CHECK(c.close_timeout_ms == 0);

	// off is the one way to say "never": 0 would be the module's default.
	auto inv2 = p({"listener", "add", "127.0.0.1:9", "handler", "sockperf", "user-timeout",
		       "off", "idle-timeout", "off", "msg-timeout", "1"});
	const auto &d = cmd<ListenerAdd>(inv2).config;
	CHECK(d.idle_timeout_ms == kTimeoutOff);
	CHECK(d.msg_timeout_ms == 1);
	CHECK(d.user_timeout_ms == kTimeoutOff);
	CHECK(kTimeoutOff == 0xffffffffu);

	const std::string h = "Try 'syncsockctl listener help'.";
	const std::vector<std::string_view> add = {"listener", "add", "0.0.0.0:7", "handler", "echo"};
	auto with = [&](std::string_view kw, std::string_view v) {
		auto args = add;
		args.push_back(kw);
		args.push_back(v);
		return args;
	};
	for (std::string_view kw : {"idle-timeout", "msg-timeout", "user-timeout"}) {
		INFO(kw);
		const std::string k(kw);
		usage_error(with(kw, "0"), "listener add: " + k + " 0 is out of range (1-86400000 or off)", h);
		usage_error(with(kw, "86400001"), "listener add: " + k + " 86400001 is out of range (1-86400000 or off)", h);
		usage_error(with(kw, "86401s"), "listener add: " + k + " 86401s is out of range (1-86400000 or off)", h);
		usage_error(with(kw, "never"), "listener add: " + k + ": 'never' is not a time (N milliseconds, Nms or Ns) or off", h);
		usage_error(with(kw, "OFF"), "listener add: " + k + ": 'OFF' is not a time", h);
		usage_error(with(kw, "-1"), "listener add: " + k + ": '-1' is not a time", h);
		usage_error(with(kw, "99999999999999999999"), "listener add: " + k + ": ", h);
		auto twice = with(kw, "off");
		twice.push_back(kw);
		twice.push_back("5s");
		usage_error(twice, "listener add: '" + k + "' given twice", h);
		auto bare = add;
		bare.push_back(kw);
		usage_error(bare, "listener add: '" + k + "' needs a value: " + k + " MS|off", h);
	}
	// Only these three take off: a close that never ends is not a thing.
	usage_error(with("close-timeout", "off"), "listener add: close-timeout: 'off' is not a time (N milliseconds, Nms or Ns)\n", h);
}

TEST_CASE("parse: listener add, bad input", "[parse]")
{
	const std::string h = "Try 'syncsockctl listener help'.";
	usage_error({"listener", "add"}, "listener add: missing the address: listener add ADDR:PORT handler NAME", h);
	usage_error({"listener", "add", "0.0.0.0:7"}, "listener add: missing the handler: add 'handler NAME' (see: syncsockctl handler list)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler"}, "listener add: 'handler' needs a value: handler NAME", h);
	usage_error({"listener", "add", "0.0.0.0", "handler", "echo"}, "listener add: no port in '0.0.0.0': write ADDR:PORT", h);
	usage_error({"listener", "add", "0.0.0.0:7", "port", "8", "handler", "echo"}, "listener add: the port is given twice", h);
	usage_error({"listener", "add", "0.0.0.0", "port", "x", "handler", "echo"}, "listener add: bad port 'x'", h);
	usage_error({"listener", "add", "host.example:7", "handler", "echo"}, "'host.example' is not an IPv4 or IPv6 address", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "handler", "x"}, "listener add: 'handler' given twice", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "bogus"}, "listener add: unknown argument 'bogus' (keywords: port, handler, config", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "freebind", "freebind"}, "listener add: 'freebind' given twice", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "v6only"}, "listener add: v6only is for IPv6 addresses", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "backlog", "0"}, "listener add: backlog 0 is out of range (1-65535)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "backlog", "65536"}, "listener add: backlog 65536 is out of range (1-65535)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "backlog", "12x"}, "listener add: backlog '12x' is not a number", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "backlog", "-1"}, "listener add: backlog '-1' is not a number", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "max-conns", "1000001"}, "listener add: max-conns 1000001 is out of range (1-1000000)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "txq-limit", "65m"}, "listener add: txq-limit 65m is out of range (1-64m)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "txq-limit", "0"}, "listener add: txq-limit 0 is out of range (1-64m)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "txq-limit", "64q"}, "listener add: txq-limit: '64q' is not a size (N, Nk, Nm or Ng)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "txq-limit", "99999999999999999999"}, "listener add: txq-limit: ", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "close-timeout", "0"}, "listener add: close-timeout 0 is out of range (1-600000)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "close-timeout", "601s"}, "listener add: close-timeout 601s is out of range (1-600000)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "close-timeout", "soon"}, "listener add: close-timeout: 'soon' is not a time (N milliseconds, Nms or Ns)", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", std::string_view("0123456789012345678901234567890123")}, "listener add: bad handler name '0123456789012345678901234567890123': 1 to 31 characters", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", ""}, "listener add: bad handler name '': 1 to 31 characters", h);
	static const std::string big(1024, 'c');
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "config", big}, "listener add: the configuration is 1024 bytes long; at most 1023 are allowed", h);
	usage_error({"listener", "add", "0.0.0.0:7", "handler", "echo", "config"}, "listener add: 'config' needs a value: config STRING", h);
}

TEST_CASE("parse: listener del, list, show", "[parse]")
{
	auto d = cmd<ListenerDel>(p({"listener", "del", "12"}));
	CHECK(d.id == 12);
	CHECK_FALSE(d.abort);
	d = cmd<ListenerDel>(p({"listener", "del", "4294967295", "abort"}));
	CHECK(d.id == 4294967295u);
	CHECK(d.abort);
	d = cmd<ListenerDel>(p({"listener", "del", "abort", "3"}));
	CHECK(d.id == 3);
	CHECK(d.abort);
	cmd<ListenerList>(p({"listener", "list"}));
	CHECK(cmd<ListenerShow>(p({"listener", "show", "1"})).id == 1);

	const std::string h = "Try 'syncsockctl listener help'.";
	usage_error({"listener"}, "listener: missing command (add, del, list, show or help)", h);
	usage_error({"listener", "remove", "1"}, "listener: unknown command 'remove': expected add, del, list, show or help", h);
	usage_error({"listener", "del"}, "listener del: missing the listener id: listener del ID [abort]", h);
	usage_error({"listener", "show"}, "listener show: missing the listener id: listener show ID", h);
	usage_error({"listener", "del", "0"}, "listener del: bad listener id '0': ids are numbers from 1 up (see: syncsockctl listener list)", h);
	usage_error({"listener", "del", "4294967296"}, "listener del: bad listener id '4294967296'", h);
	usage_error({"listener", "del", "x1"}, "listener del: bad listener id 'x1'", h);
	usage_error({"listener", "del", "1", "2"}, "listener del: unexpected argument '2'", h);
	usage_error({"listener", "del", "1", "abort", "abort"}, "listener del: 'abort' given twice", h);
	usage_error({"listener", "show", "1", "abort"}, "listener show: unexpected argument 'abort'", h);
	usage_error({"listener", "list", "all"}, "unexpected argument 'all'", h);
	usage_error({"listener", "list", "--all"}, "unknown option '--all'", h);
}

TEST_CASE("parse: pair list", "[parse]")
{
	CHECK(cmd<PairList>(p({"pair", "list"})).id == kAllListeners);
	CHECK(cmd<PairList>(p({"pair", "list", "listener", "3"})).id == 3);
	CHECK(cmd<PairList>(p({"pair", "list", "listener", "4294967295"})).id == 4294967295u);
	auto inv = p({"-j", "pair", "list"});
	cmd<PairList>(inv);
	CHECK(inv.options.json);
	inv = p({"pair", "-p", "list", "listener", "7", "-d", "/dev/x"});
	CHECK(cmd<PairList>(inv).id == 7);
	CHECK(inv.options.pretty);
	CHECK(inv.options.device == "/dev/x");

	const std::string h = "Try 'syncsockctl pair help'.";
	usage_error({"pair"}, "pair: missing command (list or help)", h);
	usage_error({"pair", "show", "1"}, "pair: unknown command 'show': expected list or help", h);
	usage_error({"pair", "list", "listener"}, "pair list: 'listener' needs a value: listener ID", h);
	usage_error({"pair", "list", "listener", "0"}, "pair list: bad listener id '0': ids are numbers from 1 up (see: syncsockctl listener list)", h);
	usage_error({"pair", "list", "listener", "x"}, "pair list: bad listener id 'x'", h);
	usage_error({"pair", "list", "listener", "4294967296"}, "pair list: bad listener id '4294967296'", h);
	usage_error({"pair", "list", "listener", "1", "listener", "2"}, "pair list: 'listener' given twice", h);
	usage_error({"pair", "list", "3"}, "pair list: unexpected argument '3' (one listener's pairs: pair list listener 3)", h);
	usage_error({"pair", "list", "all"}, "pair list: unexpected argument 'all'\n", h);
	usage_error({"pair", "list", "--all"}, "unknown option '--all'", h);

	FakeState s;
	auto r = ctl(s, {"pair", "list", "listener", "-j"});
	CHECK(r.rc == kExitUsage);
	CHECK(r.out.empty());
	CHECK(r.err == "Error: pair list: bad listener id '-j': ids are numbers from 1 up (see: "
		       "syncsockctl listener list)\n"
		       "Try 'syncsockctl pair help'.\n");
	r = ctl(s, {"pair", "list", "7", "-j"});
	CHECK(r.rc == kExitUsage);
	CHECK(r.out == "{\"error\":\"pair list: unexpected argument '7' (one listener's pairs: pair "
		       "list listener 7)\"}\n");
}

TEST_CASE("parse: handler", "[parse]")
{
	cmd<HandlerList>(p({"handler", "list"}));
	const std::string h = "Try 'syncsockctl handler help'.";
	usage_error({"handler"}, "handler: missing command (list or help)", h);
	usage_error({"handler", "show", "echo"}, "handler: unknown command 'show': expected list or help", h);
	usage_error({"handler", "list", "echo"}, "unexpected argument 'echo'", h);
}

TEST_CASE("parse: stats", "[parse]")
{
	auto s = cmd<StatsCmd>(p({"stats"}));
	CHECK(s.id == kModuleStats);
	CHECK_FALSE(s.per_cpu);
	CHECK_FALSE(s.watch);
	CHECK(s.count == 0);

	s = cmd<StatsCmd>(p({"stats", "5", "--per-cpu"}));
	CHECK(s.id == 5);
	CHECK(s.per_cpu);

	s = cmd<StatsCmd>(p({"stats", "--watch"}));
	CHECK(s.watch == 1.0);
	s = cmd<StatsCmd>(p({"stats", "--watch", "2"}));	// the interval, not an id
	CHECK(s.watch == 2.0);
	CHECK(s.id == kModuleStats);
	s = cmd<StatsCmd>(p({"stats", "3", "--watch", "0.5", "--count", "4"}));
	CHECK(s.id == 3);
	CHECK(s.watch == 0.5);
	CHECK(s.count == 4);
	s = cmd<StatsCmd>(p({"stats", "--watch=3", "7"}));
	CHECK(s.watch == 3.0);
	CHECK(s.id == 7);
	s = cmd<StatsCmd>(p({"stats", "--count=2"}));	// implies --watch 1
	CHECK(s.watch == 1.0);
	CHECK(s.count == 2);
	s = cmd<StatsCmd>(p({"stats", "--watch", "--per-cpu", "9"}));
	CHECK(s.watch == 1.0);
	CHECK(s.per_cpu);
	CHECK(s.id == 9);

	const std::string h = "Try 'syncsockctl stats help'.";
	usage_error({"stats", "1", "2"}, "stats: unexpected argument '2'", h);
	usage_error({"stats", "zero"}, "stats: bad listener id 'zero'", h);
	usage_error({"stats", "--watch", "0"}, "stats: --watch: 0 seconds is out of range (0.01-86400)", h);
	usage_error({"stats", "--watch=x"}, "stats: --watch: 'x' is not a number of seconds", h);
	usage_error({"stats", "--watch", "1", "--watch"}, "stats: --watch given twice", h);
	usage_error({"stats", "--count"}, "stats: --count needs a number: --count N", h);
	usage_error({"stats", "--count", "0"}, "stats: --count takes a number of samples from 1 up, not '0'", h);
	usage_error({"stats", "--count", "1", "--count", "2"}, "stats: --count given twice", h);
	usage_error({"stats", "--percpu"}, "unknown option '--percpu'", h);
}

TEST_CASE("parse: objects and options", "[parse]")
{
	usage_error({}, "no object given: say what to act on (listener, pair, handler, stats, version)");
	usage_error({"listeners"}, "unknown object 'listeners': expected listener, pair, handler, stats, version or help");
	usage_error({"pairs", "list"}, "unknown object 'pairs': expected listener, pair, handler, stats, version or help");
	usage_error({"-x", "listener", "list"}, "unknown option '-x'");
	usage_error({"-xj", "listener", "list"}, "unknown option '-x'");
	usage_error({"--jsn"}, "unknown option '--jsn'");
	usage_error({"--json=yes", "version"}, "option --json takes no value");
	usage_error({"-d"}, "-d needs a path: -d PATH");
	usage_error({"--device"}, "--device needs a path: --device PATH");
	usage_error({"version", "now"}, "unexpected argument 'now'", "Try 'syncsockctl version help'.");
}

TEST_CASE("parse: usage errors in JSON mode are JSON on stdout", "[parse]")
{
	FakeState s;
	auto r = ctl(s, {"-j", "listener", "del", "x"});
	CHECK(r.rc == kExitUsage);
	CHECK(r.err.empty());
	CHECK(r.out == "{\"error\":\"listener del: bad listener id 'x': ids are numbers from 1 up (see: "
		       "syncsockctl listener list)\"}\n");
	r = ctl(s, {"listener", "add", "1.2.3.4:5", "handler", "echo", "bad\"word", "--pretty"});
	CHECK(r.rc == kExitUsage);
	CHECK(r.err.empty());
	CHECK(r.out == "{\n  \"error\": \"listener add: unknown argument 'bad\\\"word' (keywords: port, "
		       "handler, config, backlog, max-conns, txq-limit, close-timeout, idle-timeout, "
		       "msg-timeout, user-timeout, freebind, v6only)\"\n}\n");
}

TEST_CASE("parse: sizes and times", "[parse]")
{
	CHECK(*parse_size("0") == 0);
	CHECK(*parse_size("100") == 100);
	CHECK(*parse_size("64k") == 65536);
	CHECK(*parse_size("64K") == 65536);
	CHECK(*parse_size("1m") == 1048576);
	CHECK(*parse_size("2G") == 2147483648ULL);
	CHECK_FALSE(parse_size(""));
	CHECK_FALSE(parse_size("k"));
	CHECK_FALSE(parse_size("1kb"));
	CHECK_FALSE(parse_size("1.5m"));
	CHECK_FALSE(parse_size("17179869184g"));
	CHECK(*parse_millis("5000") == 5000);
	CHECK(*parse_millis("5000ms") == 5000);
	CHECK(*parse_millis("5s") == 5000);
	CHECK_FALSE(parse_millis("s"));
	CHECK_FALSE(parse_millis("ms"));
	CHECK_FALSE(parse_millis("5m"));
	CHECK(format_size(0) == "0");
	CHECK(format_size(1000) == "1000");
	CHECK(format_size(262144) == "256k");
	CHECK(format_size(1536) == "1536");
	CHECK(format_size(64 << 20) == "64m");
	CHECK(format_size(1ULL << 30) == "1g");
}

TEST_CASE("parse: objects and commands by any prefix, and the usual aliases", "[parse]")
{
	// As ip(8): a prefix names the first object or command, in the order
	// of the usage, that it begins.
	cmd<ListenerList>(p({"l", "l"}));
	cmd<ListenerList>(p({"li", "list"}));
	cmd<ListenerList>(p({"listener", "ls"}));
	cmd<ListenerList>(p({"lis", "ls", "-j"}));
	CHECK(cmd<ListenerDel>(p({"l", "del", "4"})).id == 4);
	CHECK(cmd<ListenerDel>(p({"l", "dele", "4"})).id == 4);
	CHECK(cmd<ListenerDel>(p({"listener", "delete", "5", "abort"})).abort);
	CHECK(cmd<ListenerShow>(p({"l", "sh", "6"})).id == 6);
	CHECK(cmd<ListenerShow>(p({"l", "s", "7"})).id == 7);
	CHECK(cmd<ListenerAdd>(p({"l", "a", "127.0.0.1:7", "handler", "echo"})).config.handler ==
	      "echo");
	CHECK(cmd<PairList>(p({"p", "l", "listener", "3"})).id == 3);
	cmd<PairList>(p({"pair", "ls"}));
	cmd<HandlerList>(p({"h", "l"}));	// handler comes before help
	cmd<HandlerList>(p({"ha", "ls"}));
	CHECK(cmd<StatsCmd>(p({"s", "2"})).id == 2);
	cmd<VersionCmd>(p({"v"}));
	CHECK(std::get<Help>(p({"he"}).command).topic == Topic::main);
	CHECK(std::get<Help>(p({"l", "he"}).command).topic == Topic::listener);

	const std::string h = "Try 'syncsockctl listener help'.";
	usage_error({"listeners"}, "unknown object 'listeners'");
	usage_error({"listener", "lsx"}, "listener: unknown command 'lsx': expected add, del, list, show or help", h);
	// No prefix shorter than "del" deletes.
	usage_error({"listener", "d", "4"}, "listener: unknown command 'd'", h);
	usage_error({"l", "de", "4"}, "listener: unknown command 'de'", h);
	usage_error({"l", "deletes", "4"}, "listener: unknown command 'deletes'", h);
	usage_error({"pair", "show"}, "pair: unknown command 'show'", "Try 'syncsockctl pair help'.");
}
