// SPDX-License-Identifier: GPL-2.0
//
// The command line, iproute2/bpftool style:
//   syncsockctl [OPTIONS] OBJECT COMMAND [ARGS]
// Options may also follow the object and command words.  Keywords of
// "listener add" take their value as the next word, whatever it looks like,
// so that a configuration string may start with '-'.
#include "cli.hpp"

#include <cerrno>
#include <charconv>
#include <limits>

namespace syncsock::cli {
namespace {

// Bounds of listener add, as the module checks them (module/listener.c).
constexpr std::uint32_t kMaxBacklog = 65535;
constexpr std::uint32_t kMaxConns = 1000000;
constexpr std::uint64_t kMaxTxq = 64ULL << 20;
constexpr std::uint32_t kMaxCloseTimeoutMs = 600000;
constexpr std::uint32_t kMaxTimeoutMs = 86400000;	// idle, msg and user timeouts
constexpr double kMaxWatch = 86400;

Error usage(std::string message)
{
	return Error::from_errno(EINVAL, std::move(message));
}

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

Result<std::uint64_t> parse_u64(std::string_view text, std::string_view what)
{
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || ec == std::errc::invalid_argument || p != text.data() + text.size())
		return usage(std::string(what) + " " + quoted(text) + " is not a number");
	if (ec == std::errc::result_out_of_range)
		return usage(std::string(what) + " " + std::string(text) + " is too large");
	return v;
}

// @off: the word "off" is taken too, as kTimeoutOff (a timeout that never
// fires), which no number in the range can say.
Result<std::uint32_t> parse_range(std::string_view text, std::string_view what,
				  std::uint64_t min, std::uint64_t max,
				  Result<std::uint64_t> (*parse)(std::string_view) = nullptr,
				  bool off = false)
{
	if (off && text == "off")
		return kTimeoutOff;
	const std::string or_off = off ? " or off" : "";
	auto v = parse ? parse(text) : parse_u64(text, what);
	if (!v) {
		if (parse)
			return usage(std::string(what) + ": " + v.error().message + or_off);
		return v.error();
	}
	if (*v < min || *v > max)
		return usage(std::string(what) + " " + std::string(text) + " is out of range (" +
			     (parse == parse_size ? format_size(min) + "-" + format_size(max)
						  : std::to_string(min) + "-" + std::to_string(max)) +
			     or_off + ")");
	return static_cast<std::uint32_t>(*v);
}

Result<std::uint32_t> parse_id(std::string_view text)
{
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v == 0 ||
	    v > std::numeric_limits<std::uint32_t>::max())
		return usage("bad listener id " + quoted(text) +
			     ": ids are numbers from 1 up (see: syncsockctl listener list)");
	return static_cast<std::uint32_t>(v);
}

using Alias = std::pair<std::string_view, std::string_view>;

// An object or command word as ip(8) takes it: an alias, or a prefix of a
// name, the first of @names (in the usage's order) that it begins; "" when
// none.
std::string_view canon(std::string_view word, std::initializer_list<std::string_view> names,
		       std::initializer_list<Alias> aliases = {})
{
	for (const auto &[alias, name] : aliases)
		if (word == alias)
			return name;
	if (word.empty())
		return {};
	for (std::string_view n : names)
		if (n.starts_with(word))
			return n;
	return {};
}

class Parser {
public:
	explicit Parser(std::span<const std::string_view> args) : args_(args) {}

	Invocation run();

private:
	enum class Opt { none, taken, stop };

	bool end() const { return pos_ >= args_.size(); }
	std::string_view peek() const { return args_[pos_]; }
	std::string_view next() { return args_[pos_++]; }
	static bool is_option(std::string_view tok) { return tok.size() > 1 && tok[0] == '-'; }

	Opt fail(std::string message, Topic topic)
	{
		inv_.error = std::move(message);
		inv_.topic = topic;
		json_in_rest();
		return Opt::stop;
	}
	Opt done(Command cmd)
	{
		inv_.command = std::move(cmd);
		json_in_rest();
		return Opt::stop;
	}
	void json_in_rest();

	Opt option(Topic topic);
	Opt rest(Topic topic, Command cmd);
	Opt object();
	Opt listener();
	Opt listener_add();
	Opt listener_id_cmd(std::string_view cmd);
	Opt pair();
	Opt pair_list();
	Opt handler();
	Opt stats();

	std::span<const std::string_view> args_;
	std::size_t pos_ = 0;
	Invocation inv_;
};

// Parsing stopped early (an error, -h, -V): a -j or -p further on still
// says how to answer, so that a script asking for JSON gets JSON.
void Parser::json_in_rest()
{
	for (std::size_t i = pos_; i < args_.size(); i++) {
		std::string_view tok = args_[i];
		if (tok == "--json" || tok == "--pretty") {
			inv_.options.json = true;
			inv_.options.pretty |= tok == "--pretty";
		} else if (tok.size() > 1 && tok[0] == '-' &&
			   tok.find_first_not_of("jpVh", 1) == std::string_view::npos) {
			inv_.options.json |= tok.find_first_of("jp") != std::string_view::npos;
			inv_.options.pretty |= tok.find('p') != std::string_view::npos;
		}
	}
}

// One option at the current word: global options anywhere, -h for the help
// of @topic.
Parser::Opt Parser::option(Topic topic)
{
	std::string_view tok = next();

	if (tok.starts_with("--")) {
		std::string_view name = tok.substr(2), value;
		bool has_value = false;
		if (auto eq = name.find('='); eq != std::string_view::npos) {
			value = name.substr(eq + 1);
			name = name.substr(0, eq);
			has_value = true;
		}
		if (name == "device") {
			if (!has_value) {
				if (end())
					return fail("--device needs a path: --device PATH", topic);
				value = next();
			}
			inv_.options.device = std::string(value);
			return Opt::taken;
		}
		if (has_value)
			return fail("option --" + std::string(name) + " takes no value", topic);
		if (name == "json") {
			inv_.options.json = true;
			return Opt::taken;
		}
		if (name == "pretty") {
			inv_.options.json = inv_.options.pretty = true;
			return Opt::taken;
		}
		if (name == "help")
			return done(Help{topic});
		if (name == "version")
			return done(ShowVersion{});
		return fail("unknown option " + quoted(tok), topic);
	}

	for (std::size_t i = 1; i < tok.size(); i++) {
		switch (tok[i]) {
		case 'j':
			inv_.options.json = true;
			break;
		case 'p':
			inv_.options.json = inv_.options.pretty = true;
			break;
		case 'h':
			return done(Help{topic});
		case 'V':
			return done(ShowVersion{});
		case 'd':
			if (i + 1 < tok.size()) {
				inv_.options.device = std::string(tok.substr(i + 1));
			} else {
				if (end())
					return fail("-d needs a path: -d PATH", topic);
				inv_.options.device = std::string(next());
			}
			return Opt::taken;
		default:
			return fail("unknown option '-" + std::string(1, tok[i]) + "'", topic);
		}
	}
	return Opt::taken;
}

// The end of a command that takes no more arguments: options only.
Parser::Opt Parser::rest(Topic topic, Command cmd)
{
	while (!end()) {
		if (!is_option(peek()))
			return fail("unexpected argument " + quoted(peek()), topic);
		if (option(topic) == Opt::stop)
			return Opt::stop;
	}
	return done(std::move(cmd));
}

Parser::Opt Parser::object()
{
	while (!end() && is_option(peek()))
		if (option(Topic::main) == Opt::stop)
			return Opt::stop;
	if (end())
		return fail("no object given: say what to act on (listener, pair, handler, "
			    "stats, version)", Topic::main);

	std::string_view word = next();
	std::string_view obj =
		canon(word, {"listener", "pair", "handler", "stats", "version", "help"});
	if (obj == "listener")
		return listener();
	if (obj == "pair")
		return pair();
	if (obj == "handler")
		return handler();
	if (obj == "stats")
		return stats();
	if (obj == "version") {
		if (!end() && peek() == "help")
			return done(Help{Topic::version});
		return rest(Topic::version, VersionCmd{});
	}
	if (obj == "help")
		return done(Help{Topic::main});
	return fail("unknown object " + quoted(word) + ": expected listener, pair, handler, "
		    "stats, version or help", Topic::main);
}

Parser::Opt Parser::listener()
{
	while (!end() && is_option(peek()))
		if (option(Topic::listener) == Opt::stop)
			return Opt::stop;
	if (end())
		return fail("listener: missing command (add, del, list, show or help)",
			    Topic::listener);

	std::string_view word = next();
	// Deleting is never a guess: "del" at least (any of del, dele, ...,
	// delete), so that no shorter prefix can come to mean it.
	std::string_view cmd = canon(word, {"add", "list", "show", "help"}, {{"ls", "list"}});
	if (cmd.empty() && word.size() >= 3 && std::string_view("delete").starts_with(word))
		cmd = "del";
	if (cmd == "add")
		return listener_add();
	if (cmd == "del" || cmd == "show")
		return listener_id_cmd(cmd);
	if (cmd == "list")
		return rest(Topic::listener, ListenerList{});
	if (cmd == "help")
		return done(Help{Topic::listener});
	return fail("listener: unknown command " + quoted(word) +
		    ": expected add, del, list, show or help", Topic::listener);
}

// listener del ID [abort] | listener show ID
Parser::Opt Parser::listener_id_cmd(std::string_view cmd)
{
	std::optional<std::uint32_t> id;
	bool abort = false;
	const std::string where = "listener " + std::string(cmd) + ": ";

	while (!end()) {
		std::string_view tok = peek();
		if (is_option(tok)) {
			if (option(Topic::listener) == Opt::stop)
				return Opt::stop;
			continue;
		}
		next();
		if (tok == "help")
			return done(Help{Topic::listener});
		if (cmd == "del" && tok == "abort") {
			if (abort)
				return fail(where + "'abort' given twice", Topic::listener);
			abort = true;
			continue;
		}
		if (id)
			return fail(where + "unexpected argument " + quoted(tok), Topic::listener);
		auto v = parse_id(tok);
		if (!v)
			return fail(where + v.error().message, Topic::listener);
		id = *v;
	}
	if (!id)
		return fail(where + "missing the listener id: listener " + std::string(cmd) +
			    " ID" + (cmd == "del" ? " [abort]" : ""), Topic::listener);
	if (cmd == "del")
		return done(ListenerDel{*id, abort});
	return done(ListenerShow{*id});
}

// listener add ADDR[:PORT] [port PORT] handler NAME [config STRING]
//	[backlog N] [max-conns N] [txq-limit BYTES] [close-timeout MS]
//	[idle-timeout MS|off] [msg-timeout MS|off] [user-timeout MS|off]
//	[freebind] [v6only]
Parser::Opt Parser::listener_add()
{
	const Topic t = Topic::listener;
	const std::string where = "listener add: ";
	std::optional<std::string_view> addr_text, port_text, handler, config, backlog,
		max_conns, txq, close_timeout, idle_timeout, msg_timeout, user_timeout;
	bool freebind = false, v6only = false;

	struct Keyword {
		std::string_view name;
		std::optional<std::string_view> *value;
		std::string_view syntax;
	};
	const Keyword keywords[] = {
		{"port", &port_text, "port PORT"},
		{"handler", &handler, "handler NAME"},
		{"config", &config, "config STRING"},
		{"backlog", &backlog, "backlog N"},
		{"max-conns", &max_conns, "max-conns N"},
		{"txq-limit", &txq, "txq-limit BYTES"},
		{"close-timeout", &close_timeout, "close-timeout MS"},
		{"idle-timeout", &idle_timeout, "idle-timeout MS|off"},
		{"msg-timeout", &msg_timeout, "msg-timeout MS|off"},
		{"user-timeout", &user_timeout, "user-timeout MS|off"},
	};

	while (!end()) {
		std::string_view tok = peek();
		if (is_option(tok)) {
			if (option(t) == Opt::stop)
				return Opt::stop;
			continue;
		}
		next();
		if (tok == "help")
			return done(Help{t});
		if (tok == "freebind" || tok == "v6only") {
			bool &flag = tok == "freebind" ? freebind : v6only;
			if (flag)
				return fail(where + quoted(tok) + " given twice", t);
			flag = true;
			continue;
		}
		const Keyword *kw = nullptr;
		for (const auto &k : keywords)
			if (k.name == tok)
				kw = &k;
		if (kw) {
			if (*kw->value)
				return fail(where + quoted(tok) + " given twice", t);
			if (end())
				return fail(where + quoted(tok) + " needs a value: " +
					    std::string(kw->syntax), t);
			*kw->value = next();
			continue;
		}
		if (addr_text)
			return fail(where + "unknown argument " + quoted(tok) +
				    " (keywords: port, handler, config, backlog, max-conns, "
				    "txq-limit, close-timeout, idle-timeout, msg-timeout, "
				    "user-timeout, freebind, v6only)", t);
		addr_text = tok;
	}

	if (!addr_text)
		return fail(where + "missing the address: listener add ADDR:PORT handler NAME", t);
	if (!handler)
		return fail(where + "missing the handler: add 'handler NAME' "
			    "(see: syncsockctl handler list)", t);

	ListenerConfig cfg;
	std::optional<std::uint16_t> port;
	if (port_text) {
		auto p = parse_port(*port_text);
		if (!p)
			return fail(where + p.error().message, t);
		port = *p;
	}
	auto addr = parse_address(*addr_text, port);
	if (!addr)
		return fail(where + addr.error().message, t);
	cfg.address = *addr;
	cfg.handler = std::string(*handler);
	if (cfg.handler.empty() || cfg.handler.size() >= 32)
		return fail(where + "bad handler name " + quoted(cfg.handler) +
			    ": 1 to 31 characters", t);
	if (config)
		cfg.config = std::string(*config);
	if (cfg.config.size() >= 1024)
		return fail(where + "the configuration is " + std::to_string(cfg.config.size()) +
			    " bytes long; at most 1023 are allowed", t);

	struct Bound {
		const std::optional<std::string_view> &text;
		std::uint32_t &out;
		std::string_view what;
		std::uint64_t min, max;
		Result<std::uint64_t> (*parse)(std::string_view);
		bool off = false;	// "off" is taken too
	};
	const Bound bounds[] = {
		{backlog, cfg.backlog, "backlog", 1, kMaxBacklog, nullptr},
		{max_conns, cfg.max_conns, "max-conns", 1, kMaxConns, nullptr},
		{txq, cfg.txq_limit, "txq-limit", 1, kMaxTxq, parse_size},
		// 0 would read as the module's default, 5000 ms.
		{close_timeout, cfg.close_timeout_ms, "close-timeout", 1, kMaxCloseTimeoutMs,
		 parse_millis},
		// Likewise 0 for these (300000, 30000, 60000 ms); none at all
		// is off.
		{idle_timeout, cfg.idle_timeout_ms, "idle-timeout", 1, kMaxTimeoutMs, parse_millis,
		 true},
		{msg_timeout, cfg.msg_timeout_ms, "msg-timeout", 1, kMaxTimeoutMs, parse_millis,
		 true},
		{user_timeout, cfg.user_timeout_ms, "user-timeout", 1, kMaxTimeoutMs, parse_millis,
		 true},
	};
	for (const auto &b : bounds) {
		if (!b.text)
			continue;
		auto v = parse_range(*b.text, b.what, b.min, b.max, b.parse, b.off);
		if (!v)
			return fail(where + v.error().message, t);
		b.out = *v;
	}

	cfg.freebind = freebind;
	cfg.v6only = v6only;
	if (v6only && cfg.address.family != Address::Family::ipv6)
		return fail(where + "v6only is for IPv6 addresses", t);
	return done(ListenerAdd{std::move(cfg)});
}

Parser::Opt Parser::pair()
{
	while (!end() && is_option(peek()))
		if (option(Topic::pair) == Opt::stop)
			return Opt::stop;
	if (end())
		return fail("pair: missing command (list or help)", Topic::pair);
	std::string_view word = next();
	std::string_view cmd = canon(word, {"list", "help"}, {{"ls", "list"}});
	if (cmd == "list")
		return pair_list();
	if (cmd == "help")
		return done(Help{Topic::pair});
	return fail("pair: unknown command " + quoted(word) + ": expected list or help",
		    Topic::pair);
}

// pair list [listener ID]
Parser::Opt Parser::pair_list()
{
	const Topic t = Topic::pair;
	const std::string where = "pair list: ";
	std::optional<std::uint32_t> id;

	while (!end()) {
		std::string_view tok = peek();
		if (is_option(tok)) {
			if (option(t) == Opt::stop)
				return Opt::stop;
			continue;
		}
		next();
		if (tok == "help")
			return done(Help{t});
		if (tok == "listener") {
			if (id)
				return fail(where + "'listener' given twice", t);
			if (end())
				return fail(where + "'listener' needs a value: listener ID", t);
			auto v = parse_id(next());
			if (!v)
				return fail(where + v.error().message, t);
			id = *v;
			continue;
		}
		// A bare id: say how to ask for one listener's pairs.
		if (parse_id(tok))
			return fail(where + "unexpected argument " + quoted(tok) +
				    " (one listener's pairs: pair list listener " + std::string(tok) +
				    ")", t);
		return fail(where + "unexpected argument " + quoted(tok), t);
	}
	return done(PairList{id.value_or(kAllListeners)});
}

Parser::Opt Parser::handler()
{
	while (!end() && is_option(peek()))
		if (option(Topic::handler) == Opt::stop)
			return Opt::stop;
	if (end())
		return fail("handler: missing command (list or help)", Topic::handler);
	std::string_view word = next();
	std::string_view cmd = canon(word, {"list", "help"}, {{"ls", "list"}});
	if (cmd == "list")
		return rest(Topic::handler, HandlerList{});
	if (cmd == "help")
		return done(Help{Topic::handler});
	return fail("handler: unknown command " + quoted(word) + ": expected list or help",
		    Topic::handler);
}

// stats [ID] [--per-cpu] [--watch [SECONDS]] [--count N]
Parser::Opt Parser::stats()
{
	const Topic t = Topic::stats;
	StatsCmd cmd;
	bool have_id = false, have_count = false;

	auto seconds = [&](std::string_view text) -> Result<double> {
		double v = 0;
		auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
		if (text.empty() || ec != std::errc() || p != text.data() + text.size())
			return usage("--watch: " + quoted(text) + " is not a number of seconds");
		if (!(v >= 0.01 && v <= kMaxWatch))
			return usage("--watch: " + std::string(text) +
				     " seconds is out of range (0.01-86400)");
		return v;
	};
	auto looks_numeric = [](std::string_view s) {
		return !s.empty() && ((s[0] >= '0' && s[0] <= '9') || s[0] == '.');
	};

	while (!end()) {
		std::string_view tok = peek();
		std::string_view name = tok, value;
		bool has_value = false;
		if (tok.starts_with("--")) {
			if (auto eq = tok.find('='); eq != std::string_view::npos) {
				name = tok.substr(0, eq);
				value = tok.substr(eq + 1);
				has_value = true;
			}
		}
		if (name == "--per-cpu" && !has_value) {
			next();
			cmd.per_cpu = true;
		} else if (name == "--watch") {
			next();
			if (cmd.watch)
				return fail("stats: --watch given twice", t);
			if (!has_value && !end() && looks_numeric(peek())) {
				value = next();
				has_value = true;
			}
			auto s = has_value ? seconds(value) : Result<double>(1.0);
			if (!s)
				return fail("stats: " + s.error().message, t);
			cmd.watch = *s;
		} else if (name == "--count") {
			next();
			if (have_count)
				return fail("stats: --count given twice", t);
			if (!has_value) {
				if (end())
					return fail("stats: --count needs a number: --count N", t);
				value = next();
			}
			auto n = parse_u64(value, "--count");
			if (!n || *n == 0)
				return fail("stats: --count takes a number of samples from 1 up, not " +
					    quoted(value), t);
			cmd.count = *n;
			have_count = true;
		} else if (is_option(tok)) {
			if (option(t) == Opt::stop)
				return Opt::stop;
		} else {
			next();
			if (tok == "help")
				return done(Help{t});
			if (have_id)
				return fail("stats: unexpected argument " + quoted(tok), t);
			auto id = parse_id(tok);
			if (!id)
				return fail("stats: " + id.error().message, t);
			cmd.id = *id;
			have_id = true;
		}
	}
	if (have_count && !cmd.watch)
		cmd.watch = 1.0;
	return done(cmd);
}

Invocation Parser::run()
{
	object();
	return std::move(inv_);
}

} // namespace

Invocation parse(std::span<const std::string_view> args)
{
	return Parser(args).run();
}

Result<std::uint64_t> parse_size(std::string_view text)
{
	std::size_t digits = 0;
	while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
		digits++;
	std::string_view suffix = text.substr(digits);
	unsigned shift;
	if (suffix.empty())
		shift = 0;
	else if (suffix == "k" || suffix == "K")
		shift = 10;
	else if (suffix == "m" || suffix == "M")
		shift = 20;
	else if (suffix == "g" || suffix == "G")
		shift = 30;
	else
		return usage(quoted(text) + " is not a size (N, Nk, Nm or Ng)");
	auto v = parse_u64(text.substr(0, digits), "size");
	if (!v)
		return usage(quoted(text) + " is not a size (N, Nk, Nm or Ng)");
	if (*v > (std::numeric_limits<std::uint64_t>::max() >> shift))
		return usage(quoted(text) + " is too large");
	return *v << shift;
}

Result<std::uint64_t> parse_millis(std::string_view text)
{
	std::uint64_t scale = 1;
	std::string_view num = text;
	if (text.ends_with("ms")) {
		num = text.substr(0, text.size() - 2);
	} else if (text.ends_with("s")) {
		num = text.substr(0, text.size() - 1);
		scale = 1000;
	}
	auto v = parse_u64(num, "time");
	if (!v || num.empty())
		return usage(quoted(text) + " is not a time (N milliseconds, Nms or Ns)");
	if (*v > std::numeric_limits<std::uint64_t>::max() / scale)
		return usage(quoted(text) + " is too large");
	return *v * scale;
}

std::string format_size(std::uint64_t bytes)
{
	if (bytes && bytes % (1ULL << 30) == 0)
		return std::to_string(bytes >> 30) + "g";
	if (bytes && bytes % (1ULL << 20) == 0)
		return std::to_string(bytes >> 20) + "m";
	if (bytes && bytes % (1ULL << 10) == 0)
		return std::to_string(bytes >> 10) + "k";
	return std::to_string(bytes);
}

} // namespace syncsock::cli
