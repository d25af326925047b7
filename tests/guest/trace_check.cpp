// SPDX-License-Identifier: GPL-2.0
//
// syncsock-trace against the real module and the real kernel.
//  [attach]  syncsock-trace -t 1 (fentry and -j, then --kprobes and the text
//            report) attaches: its BPF programs are loaded and tcp_data_ready
//            is probed while it runs; syncsock.ko cannot be unloaded
//            meanwhile; it exits 0 with its report and leaves nothing
//            behind: no program, no probe, and syncsock.ko unloads.  A usage
//            error exits 1 with {"error": ...}.
//  [paths]   SSK_ROUNDS ping-pong round trips of 64 bytes on
//            a kernel echo (syncsock, after the accept: the not-owned case)
//            and on a blocking user-space echo server in a thread, traced
//            by syncsock-trace -l ID -P UPORT -C -j until SIGINT.  Counts are
//            exact on both paths (deliveries, bytes, queued, all timed); the
//            kernel path delivers 100% in softirq with no wakeup, the user
//            path 0% in softirq with a wakeup per delivery (about 1: each
//            request is sent once the server sleeps in recv()); the
//            kernel's delay is a fraction of the user path's, which is
//            positive (medians, p90).  -C lists the two server-side
//            connections with the same counts.
//   SSK_ROUNDS       round trips (default 200)
//   SSK_TRACE_ARGS   one more argument for the tracer (e.g. --kprobes)
//  [late-module]  A tracer started before syncsock.ko is loaded traces no
//            syncsock event, and does not count the module's reads
//            (tcp_read_sock) of a kernel echo as a user-space path.
// Exits 77 (saying why) without the syncsock-trace binary or kernel BTF.
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>
#include <variant>

#include "ssk_net.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kLen = 64;

// --- a JSON reader, enough for syncsock-trace's output -------------------

struct Json;
using JsonObject = std::map<std::string, Json>;
using JsonArray = std::vector<Json>;

struct Json {
	std::variant<std::nullptr_t, bool, double, std::string, JsonArray, JsonObject> v;

	bool is_null() const { return std::holds_alternative<std::nullptr_t>(v); }
	const Json &operator[](const std::string &k) const
	{
		const auto *o = std::get_if<JsonObject>(&v);
		if (!o || !o->count(k))
			fail("JSON: no member '" + k + "'");
		return o->at(k);
	}
	bool has(const std::string &k) const
	{
		const auto *o = std::get_if<JsonObject>(&v);
		return o && o->count(k);
	}
	const JsonArray &array() const
	{
		if (const auto *a = std::get_if<JsonArray>(&v))
			return *a;
		fail("JSON: not an array");
	}
	double num() const
	{
		if (const auto *d = std::get_if<double>(&v))
			return *d;
		fail("JSON: not a number");
	}
	std::uint64_t u64() const { return static_cast<std::uint64_t>(num()); }
	const std::string &str() const
	{
		if (const auto *s = std::get_if<std::string>(&v))
			return *s;
		fail("JSON: not a string");
	}
};

class JsonParser {
public:
	explicit JsonParser(const std::string &s) : s_(s) {}

	Json document()
	{
		Json j = value();
		ws();
		if (i_ != s_.size())
			error("trailing characters");
		return j;
	}

private:
	[[noreturn]] void error(const std::string &what)
	{
		fail("JSON: " + what + " at offset " + std::to_string(i_) + " of: " + s_);
	}
	void ws()
	{
		while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
			i_++;
	}
	bool eat(char c)
	{
		ws();
		if (i_ < s_.size() && s_[i_] == c) {
			i_++;
			return true;
		}
		return false;
	}
	void expect(char c)
	{
		if (!eat(c))
			error(std::string("expected '") + c + "'");
	}
	bool word(const char *w)
	{
		std::size_t n = std::strlen(w);
		if (s_.compare(i_, n, w) == 0) {
			i_ += n;
			return true;
		}
		return false;
	}
	std::string string()
	{
		expect('"');
		std::string out;
		while (i_ < s_.size() && s_[i_] != '"') {
			char c = s_[i_++];
			if (c == '\\') {
				if (i_ >= s_.size())
					error("bad escape");
				char e = s_[i_++];
				switch (e) {
				case 'n': out += '\n'; break;
				case 't': out += '\t'; break;
				case 'r': out += '\r'; break;
				case 'b': out += '\b'; break;
				case 'f': out += '\f'; break;
				case 'u': out += '?'; i_ += 4; break;
				default: out += e;
				}
			} else {
				out += c;
			}
		}
		expect('"');
		return out;
	}
	Json value()
	{
		ws();
		if (i_ >= s_.size())
			error("unexpected end");
		char c = s_[i_];
		if (c == '{') {
			i_++;
			JsonObject o;
			if (!eat('}')) {
				do {
					ws();
					std::string k = string();
					expect(':');
					o[k] = value();
				} while (eat(','));
				expect('}');
			}
			return Json{std::move(o)};
		}
		if (c == '[') {
			i_++;
			JsonArray a;
			if (!eat(']')) {
				do
					a.push_back(value());
				while (eat(','));
				expect(']');
			}
			return Json{std::move(a)};
		}
		if (c == '"')
			return Json{string()};
		if (word("null"))
			return Json{nullptr};
		if (word("true"))
			return Json{true};
		if (word("false"))
			return Json{false};
		char *end;
		double d = std::strtod(s_.c_str() + i_, &end);
		if (end == s_.c_str() + i_)
			error("unexpected character");
		i_ = end - s_.c_str();
		return Json{d};
	}

	const std::string &s_;
	std::size_t i_ = 0;
};

Json parse_json(const std::string &s)
{
	return JsonParser(s).document();
}

// --- syncsock-trace as a child process ----------------------------------

std::optional<std::string> find_in_path(const std::string &name)
{
	const char *path = std::getenv("PATH");
	std::string p = path ? path : "/tests/bin";
	std::size_t start = 0;
	while (start <= p.size()) {
		auto colon = p.find(':', start);
		auto len = colon == std::string::npos ? colon : colon - start;
		std::string dir = p.substr(start, len);
		std::string f = dir + "/" + name;
		if (!dir.empty() && ::access(f.c_str(), X_OK) == 0)
			return f;
		if (colon == std::string::npos)
			break;
		start = colon + 1;
	}
	return std::nullopt;
}

class TraceProcess {
public:
	explicit TraceProcess(const std::vector<std::string> &args)
	{
		int out[2], err[2];
		if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
			fail("pipe2: " + errno_str(errno));
		pid_ = ::fork();
		if (pid_ < 0)
			fail("fork: " + errno_str(errno));
		if (pid_ == 0) {
			::dup2(out[1], 1);
			::dup2(err[1], 2);
			std::vector<char *> argv;
			argv.push_back(const_cast<char *>("syncsock-trace"));
			for (const auto &a : args)
				argv.push_back(const_cast<char *>(a.c_str()));
			argv.push_back(nullptr);
			::execvp("syncsock-trace", argv.data());
			_exit(127);
		}
		::close(out[1]);
		::close(err[1]);
		out_.reset(out[0]);
		err_.reset(err[0]);
	}
	TraceProcess(const TraceProcess &) = delete;
	TraceProcess &operator=(const TraceProcess &) = delete;
	~TraceProcess()
	{
		if (pid_ > 0 && !reaped_) {
			::kill(pid_, SIGKILL);
			::waitpid(pid_, nullptr, 0);
		}
	}

	// Until the tracer says it is attached (true), or exits or times out.
	bool wait_attached(std::chrono::milliseconds timeout)
	{
		auto end = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < end) {
			if (err_text_.find("syncsock-trace: attached") != std::string::npos)
				return true;
			if (!pump(100ms))
				break;
		}
		return err_text_.find("syncsock-trace: attached") != std::string::npos;
	}

	void interrupt() { ::kill(pid_, SIGINT); }

	// Read everything until both pipes close, then reap.  Return: the
	// exit status (-1 if killed by a signal or timed out).
	int finish(std::chrono::milliseconds timeout)
	{
		auto end = std::chrono::steady_clock::now() + timeout;
		while ((out_ || err_) && std::chrono::steady_clock::now() < end)
			pump(100ms);
		if (out_ || err_) {
			::kill(pid_, SIGKILL);
			out_.reset();
			err_.reset();
		}
		int status = 0;
		::waitpid(pid_, &status, 0);
		reaped_ = true;
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}

	const std::string &out() const { return out_text_; }
	const std::string &err() const { return err_text_; }
	pid_t pid() const { return pid_; }

private:
	// Read what is there.  Return: false once both pipes are closed.
	bool pump(std::chrono::milliseconds wait)
	{
		pollfd p[2] = {{out_ ? out_.get() : -1, POLLIN, 0},
			       {err_ ? err_.get() : -1, POLLIN, 0}};
		if (!out_ && !err_)
			return false;
		int n = ::poll(p, 2, static_cast<int>(wait.count()));
		if (n <= 0)
			return true;
		char buf[4096];
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = ::read(p[i].fd, buf, sizeof(buf));
			if (r > 0)
				(i ? err_text_ : out_text_).append(buf, r);
			else if (r == 0 || errno != EINTR)
				(i ? err_ : out_).reset();
		}
		return out_ || err_;
	}

	pid_t pid_ = -1;
	bool reaped_ = false;
	Fd out_, err_;
	std::string out_text_, err_text_;
};

// --- what the kernel has loaded and probed ------------------------------

// Names of the BPF programs loaded now (truncated to 15 characters).
std::vector<std::string> bpf_prog_names()
{
	std::vector<std::string> names;
	std::uint32_t id = 0;
	for (;;) {
		union bpf_attr a {};
		a.start_id = id;
		if (::syscall(__NR_bpf, BPF_PROG_GET_NEXT_ID, &a, sizeof(a)))
			break;
		id = a.next_id;
		union bpf_attr g {};
		g.prog_id = id;
		Fd fd(static_cast<int>(::syscall(__NR_bpf, BPF_PROG_GET_FD_BY_ID, &g, sizeof(g))));
		if (!fd)
			continue;
		bpf_prog_info info{};
		union bpf_attr i {};
		i.info.bpf_fd = fd.get();
		i.info.info_len = sizeof(info);
		i.info.info = reinterpret_cast<std::uint64_t>(&info);
		if (::syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &i, sizeof(i)) == 0)
			names.emplace_back(info.name);
	}
	return names;
}

std::size_t tracer_progs()
{
	std::size_t n = 0;
	for (const auto &name : bpf_prog_names())
		if (name.rfind("sst_", 0) == 0)
			n++;
	return n;
}

// Is tcp_data_ready probed: by a BPF trampoline (ftrace's enabled_functions)
// or by a kprobe (debugfs kprobes/list)?
bool tcp_data_ready_probed()
{
	for (const char *f : {"/sys/kernel/tracing/enabled_functions",
			      "/sys/kernel/debug/tracing/enabled_functions",
			      "/sys/kernel/debug/kprobes/list"}) {
		auto text = read_text(f);
		if (text && text->find("tcp_data_ready") != std::string::npos)
			return true;
	}
	return false;
}

void require_tracer()
{
	if (!find_in_path("syncsock-trace")) {
		note("SKIP: syncsock-trace is not in PATH (%s): it is built where clang, "
		     "bpftool and libbpf-dev are (scripts/deps.sh); pass it to vm.py with --bin",
		     std::getenv("PATH") ? std::getenv("PATH") : "");
		std::exit(77);
	}
	if (::access("/sys/kernel/btf/vmlinux", R_OK)) {
		note("SKIP: this kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE cannot load "
		     "syncsock-trace");
		std::exit(77);
	}
}

// --- traffic ------------------------------------------------------------

// A blocking echo server in a thread: accept one connection, recv() and
// send() back until EOF.  The user-space path of the comparison.
class BlockingEcho {
public:
	explicit BlockingEcho(std::uint16_t port)
	{
		Endpoint ep = endpoint("127.0.0.1", port);
		lfd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (!lfd_)
			fail("socket: " + errno_str(errno));
		set_int_opt(lfd_.get(), SOL_SOCKET, SO_REUSEADDR, 1);
		if (::bind(lfd_.get(), ep.sa(), ep.len) || ::listen(lfd_.get(), 8))
			fail("bind/listen " + ep.text + ": " + errno_str(errno));
		th_ = std::thread([this] { serve(); });
	}
	BlockingEcho(const BlockingEcho &) = delete;
	BlockingEcho &operator=(const BlockingEcho &) = delete;
	~BlockingEcho()
	{
		::shutdown(lfd_.get(), SHUT_RDWR);
		if (th_.joinable())
			th_.join();
	}

	bool accepted() const { return accepted_; }
	bool done() const { return done_; }
	// Is the server thread asleep (in recv(), waiting for a request)?
	bool asleep() const
	{
		auto stat = read_text("/proc/self/task/" + std::to_string(tid_.load()) + "/stat");
		if (!stat)
			return false;
		auto paren = stat->rfind(')');
		return paren != std::string::npos && paren + 2 < stat->size() &&
		       (*stat)[paren + 2] == 'S';
	}
	const std::string &error() const { return error_; }

private:
	void serve()
	{
		try {
			Fd fd(::accept4(lfd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
			if (!fd)
				return;
			tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
			accepted_ = true;
			std::vector<std::uint8_t> buf(4096);
			for (;;) {
				ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				send_all(fd.get(),
					 std::span(buf.data(), static_cast<std::size_t>(n)));
			}
		} catch (const std::exception &e) {
			error_ = e.what();
		}
		done_ = true;
	}

	Fd lfd_;
	std::thread th_;
	std::atomic<bool> accepted_ = false, done_ = false;
	std::atomic<pid_t> tid_ = 0;
	std::string error_;
};

// @rounds checked round trips; each request is sent once @ready() holds.
void ping_pong(int fd, std::uint64_t rounds, std::uint64_t seed,
	       const std::function<bool()> &ready = [] { return true; })
{
	std::vector<std::uint8_t> msg(kLen), got(kLen);
	for (std::uint64_t i = 0; i < rounds; i++) {
		auto end = std::chrono::steady_clock::now() + 10s;
		while (!ready()) {
			if (std::chrono::steady_clock::now() > end)
				fail("round trip " + std::to_string(i) +
				     ": the server never went to sleep");
			std::this_thread::sleep_for(50us);
		}
		payload_fill_fast(msg, seed, i * kLen);
		send_all(fd, msg);
		recv_exact(fd, got);
		if (got != msg)
			fail("round trip " + std::to_string(i) + ": the echo differs");
	}
}

const Json *find_path(const Json &doc, const std::string &kind, std::uint64_t port)
{
	for (const auto &p : doc["paths"].array())
		if (p["path"].str() == kind && p["port"].u64() == port)
			return &p;
	return nullptr;
}

std::string describe(const Json &p)
{
	char buf[512];
	const Json &d = p["delay_us"];
	auto opt = [](const Json &j) { return j.is_null() ? -1.0 : j.num(); };
	std::snprintf(buf, sizeof(buf),
		      "%s: deliveries %llu bytes %llu softirq %llu queued %llu wakeups %llu "
		      "(%.2f/delivery) timed %llu; delay us mean %.1f p50 %.1f p99 %.1f max %.1f",
		      p["label"].str().c_str(), (unsigned long long)p["deliveries"].u64(),
		      (unsigned long long)p["bytes"].u64(), (unsigned long long)p["softirq"].u64(),
		      (unsigned long long)p["queued"].u64(), (unsigned long long)p["wakeups"].u64(),
		      p["wakeups_per_delivery"].num(), (unsigned long long)p["timed"].u64(),
		      opt(d["mean"]), opt(d["p50"]), opt(d["p99"]), opt(d["max"]));
	return buf;
}

// One run of syncsock-trace -t 1: fentry with the JSON report, or
// --kprobes with the text report.
void check_attach_detach(bool kprobes, ssk::ModuleSession &mod)
{
	const char *probe = kprobes ? "kprobe" : "fentry";
	REQUIRE(wait_for([] { return tracer_progs() == 0; }, 30s));
	REQUIRE_FALSE(tcp_data_ready_probed());

	std::vector<std::string> args = {"-t", "1"};
	args.push_back(kprobes ? "--kprobes" : "-j");
	TraceProcess t(args);
	bool attached = t.wait_attached(60s);
	INFO("stderr: " << t.err());
	REQUIRE(attached);
	std::size_t during = tracer_progs();
	bool probed = tcp_data_ready_probed();
	int busy = mod.unload();	// its tracepoints hold a module reference
	int rc = t.finish(60s);
	INFO("stdout: " << t.out());
	CHECK(rc == 0);
	note("%s: %zu programs while attached, tcp_data_ready probed: %s; exit %d", probe,
	     during, probed ? "yes" : "no", rc);
	CHECK(during >= 6);	// data_ready in/out, waking, rcv_space, set_state, syncsock x2
	CHECK(probed);
	CHECK(busy != 0);

	if (kprobes) {
		CHECK(t.out().find("Tracing queued-to-consumed delay (tcp_data_ready by kprobe)") !=
		      std::string::npos);
		CHECK(t.out().find("No data was consumed on a traced path.") != std::string::npos);
	} else {
		Json doc = parse_json(t.out());
		CHECK(doc["version"].u64() == 1);
		CHECK(doc["probe"].str() == probe);
		CHECK(std::get<bool>(doc["syncsock_events"].v));
		CHECK(doc["duration_s"].num() >= 1.0);
		CHECK(doc["lost"]["state_full"].u64() == 0);
	}

	// Nothing left behind once it has exited.  The kernel frees programs
	// after RCU grace periods (RCU tasks for trampolines): give it time.
	CHECK(wait_for([] { return tracer_progs() == 0; }, 30s));
	CHECK_FALSE(tcp_data_ready_probed());
	if (busy == 0)
		mod.load();
	CHECK(mod.unload() == 0);	// no tracepoint holds syncsock.ko
	mod.load();
}

} // namespace

// Each attach and detach patches kernel text (tcp_data_ready's entry, the
// tracepoints' static keys, one in try_to_wake_up); QEMU's multi-threaded
// TCG has been seen to execute the transient int3 of such a patch after it
// was complete (Documentation/tracing.rst, "Under QEMU").  So the tests run
// few tracers, one at a time, attached and detached while nothing else runs.

TEST_CASE("syncsock-trace attaches and detaches cleanly", "[attach]")
{
	require_tracer();
	ssk::ModuleSession mod;
	kmsg("trace_check attach");
	check_attach_detach(false, mod);
	check_attach_detach(true, mod);

	// A usage error: nothing loaded, {"error": ...} on stdout, exit 1.
	TraceProcess bad({"-P", "0", "-j"});
	CHECK(bad.finish(30s) == 1);
	CHECK(parse_json(bad.out())["error"].str().find("bad port") != std::string::npos);
	CHECK(mod.unload() == 0);
}

TEST_CASE("kernel path vs blocking server: exact counts, softirq, wakeups, delay", "[paths]")
{
	require_tracer();
	const std::uint64_t rounds = env_u64("SSK_ROUNDS", 200);
	const std::uint16_t kport = 7640, uport = 7641;
	ssk::ModuleSession mod;
	kmsg("trace_check paths");
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(kport) +
					" handler=echo");
	BlockingEcho user(uport);

	// One tracer: the syncsock path selected by -l, the user path by -p
	// (either matches), with its connections.
	std::vector<std::string> args = {"-l", std::to_string(id), "-P", std::to_string(uport),
					 "-C", "-j"};
	if (const char *extra = std::getenv("SSK_TRACE_ARGS"); extra && *extra)
		args.push_back(extra);	// e.g. --kprobes
	TraceProcess tr(args);
	{
		bool a = tr.wait_attached(60s);
		INFO("stderr: " << tr.err());
		REQUIRE(a);
	}

	auto t0 = std::chrono::steady_clock::now();
	{
		Fd fd = connect_to(endpoint("127.0.0.1", kport));
		// Data only once the connection is the module's: the softirq case.
		REQUIRE(wait_for([&] { return ssk::conns(id) == 1; }, 10s));
		std::this_thread::sleep_for(100ms);
		ping_pong(fd.get(), rounds, 1);
	}
	{
		Fd fd = connect_to(endpoint("127.0.0.1", uport));
		REQUIRE(wait_for([&] { return user.accepted(); }, 10s));
		// A request finds the server asleep in recv(), as one that waits
		// for its clients does (here the client would often be quicker
		// than the server's way back to recv(), and no wakeup needed).
		ping_pong(fd.get(), rounds, 2, [&] { return user.asleep(); });
	}
	REQUIRE(wait_for([&] { return user.done() && ssk::conns(id) == 0; }, 30s));
	INFO("server: " << user.error());
	REQUIRE(user.error().empty());
	note("%llu round trips on each path in %.2f s", static_cast<unsigned long long>(rounds),
	     seconds_since(t0));

	tr.interrupt();
	int rc = tr.finish(60s);
	INFO("stderr: " << tr.err());
	INFO("stdout: " << tr.out());
	REQUIRE(rc == 0);
	Json doc = parse_json(tr.out());

	REQUIRE(doc["paths"].array().size() == 2);
	const Json *k = find_path(doc, "syncsock", kport);
	const Json *u = find_path(doc, "user", uport);
	REQUIRE(k);
	REQUIRE(u);
	note("%s", describe(*k).c_str());
	note("%s", describe(*u).c_str());

	// Exact counts on both paths: one delivery per 64-byte request.
	CHECK((*k)["listener"].u64() == id);
	CHECK((*k)["deliveries"].u64() == rounds);
	CHECK((*k)["bytes"].u64() == rounds * kLen);
	CHECK((*k)["queued"].u64() == rounds);
	CHECK((*k)["timed"].u64() == rounds);
	CHECK((*u)["deliveries"].u64() == rounds);
	CHECK((*u)["bytes"].u64() == rounds * kLen);
	CHECK((*u)["queued"].u64() == rounds);
	CHECK((*u)["timed"].u64() == rounds);

	// The kernel path: all in softirq, nobody woken.
	CHECK((*k)["softirq"].u64() == rounds);
	CHECK((*k)["softirq_share"].num() == 1.0);
	CHECK((*k)["wakeups"].u64() <= rounds / 100);
	// The blocking server: in process context, woken for (about) each one.
	CHECK((*u)["softirq"].u64() == 0);
	CHECK((*u)["wakeups_per_delivery"].num() >= 0.95);
	CHECK((*u)["wakeups_per_delivery"].num() <= 1.05);

	// Delays: relations, not absolute times (TCG and KASAN vary them).
	const Json &kd = (*k)["delay_us"], &ud = (*u)["delay_us"];
	CHECK(ud["mean"].num() > 0);
	CHECK(ud["p50"].num() > 0);
	// Medians and p90, not means: one vCPU preempted on the host is a
	// millisecond in either path's mean.
	CHECK(kd["p50"].num() * 2 < ud["p50"].num());
	CHECK(kd["p90"].num() < ud["p90"].num());
	CHECK(doc["lost"]["state_full"].u64() == 0);
	CHECK(doc["lost"]["path_full"].u64() == 0);

	// -C: the two server-side connections, nothing of the clients'.
	REQUIRE(doc["conns"].array().size() == 2);
	for (const auto &c : doc["conns"].array()) {
		bool kernel = c["path"].str() == "syncsock";
		INFO(c["local"].str() << " <- " << c["remote"].str());
		CHECK(c["local"].str() ==
		      "127.0.0.1:" + std::to_string(kernel ? kport : uport));
		CHECK(c["deliveries"].u64() == rounds);
		CHECK(c["bytes"].u64() == rounds * kLen);
		CHECK(c["softirq"].u64() == (kernel ? rounds : 0));
	}

	CHECK(wait_for([] { return tracer_progs() == 0; }, 30s));
	CHECK(ssk::del_listener(id) == 0);
	CHECK(wait_for([&] { return mod.unload() == 0; }, 10s));
}

TEST_CASE("a module loaded after the tracer is not taken for user space", "[late-module]")
{
	require_tracer();
	const std::uint16_t kport = 7642;
	if (ssk::module_loaded())
		REQUIRE(ssk::unload_module() == 0);
	kmsg("trace_check late-module");
	TraceProcess t({"-P", std::to_string(kport), "-j"});
	REQUIRE(t.wait_attached(60s));
	CHECK(t.err().find("syncsock.ko is not loaded") != std::string::npos);

	ssk::ModuleSession mod;	// the tracer holds no reference to it
	unsigned id = ssk::add_listener("addr=127.0.0.1 port=" + std::to_string(kport) +
					" handler=echo");
	{
		Fd fd = connect_to(endpoint("127.0.0.1", kport));
		REQUIRE(wait_for([&] { return ssk::conns(id) == 1; }, 10s));
		ping_pong(fd.get(), 50, 3);
	}
	REQUIRE(wait_for([&] { return ssk::conns(id) == 0; }, 30s));
	t.interrupt();
	REQUIRE(t.finish(60s) == 0);
	INFO("stdout: " << t.out());
	Json doc = parse_json(t.out());
	CHECK_FALSE(std::get<bool>(doc["syncsock_events"].v));
	CHECK(doc["paths"].array().empty());
	CHECK(ssk::del_listener(id) == 0);
	CHECK(wait_for([&] { return mod.unload() == 0; }, 10s));
}
