// SPDX-License-Identifier: GPL-2.0
//
// syncsock-trace: load syncsock_trace.bpf.c (skeleton), attach, wait for
// Ctrl-C or -d, detach, read the maps, report (report.cpp).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <syncsock/syncsock.hpp>

#include "report.hpp"
#include "syncsock_trace.skel.h"

namespace st = syncsock::trace;

namespace {

// Exit codes, as syncsockctl's.
constexpr int kExitUsage = 1;
constexpr int kExitKernel = 2;

bool verbose;

// libbpf's warnings and notes with -v only: fentry is tried first, and its
// failure where kprobes then work is not news.
int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return std::vfprintf(stderr, fmt, ap);
}

struct Error {
	std::string message;
};

// tracefs, wherever it is mounted.
std::string tracefs_events()
{
	for (const char *d : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
		if (::access((std::string(d) + "/events").c_str(), F_OK) == 0)
			return std::string(d) + "/events";
	return "/sys/kernel/tracing/events";
}

struct Field {
	const char *name;
	std::size_t offset, size;
};

// Does /sys/kernel/tracing/events/syncsock/@event/format lay out @fields as
// the BPF program reads them?  Return: an error, or nothing.
std::optional<std::string> check_format(const std::string &event, std::vector<Field> fields)
{
	std::string path = tracefs_events() + "/syncsock/" + event + "/format";
	std::ifstream in(path);
	if (!in)
		return "cannot read " + path;
	std::map<std::string, std::pair<std::size_t, std::size_t>> seen;
	for (std::string line; std::getline(in, line);) {
		// "\tfield:u32 seq;\toffset:20;\tsize:4;\tsigned:0;"
		auto f = line.find("field:"), semi = line.find(';');
		auto o = line.find("offset:"), s = line.find("size:");
		if (f == std::string::npos || semi == std::string::npos || o == std::string::npos ||
		    s == std::string::npos)
			continue;
		std::string decl = line.substr(f + 6, semi - f - 6);
		std::string name = decl.substr(decl.find_last_of(" *") + 1);
		seen[name] = {std::stoul(line.substr(o + 7)), std::stoul(line.substr(s + 5))};
	}
	for (const auto &f : fields) {
		auto it = seen.find(f.name);
		if (it == seen.end())
			return path + " has no field " + f.name +
			       ": syncsock.ko and syncsock-trace are of different versions";
		if (it->second != std::pair(f.offset, f.size))
			return path + ": field " + f.name + " at offset " +
			       std::to_string(it->second.first) + " size " +
			       std::to_string(it->second.second) + ", expected " +
			       std::to_string(f.offset) + "/" + std::to_string(f.size) +
			       ": syncsock.ko and syncsock-trace are of different versions";
	}
	return std::nullopt;
}

// Are the module's tracepoints there, and as we read them?
std::optional<std::string> check_syncsock_events(bool &present)
{
	present = ::access((tracefs_events() + "/syncsock/syncsock_rx").c_str(), F_OK) == 0;
	if (!present)
		return std::nullopt;
	using rx = sst_syncsock_rx_args;
	using acc = sst_syncsock_accept_args;
	if (auto e = check_format("syncsock_rx", {{"skaddr", offsetof(rx, skaddr), 8},
						  {"listener", offsetof(rx, listener), 4},
						  {"seq", offsetof(rx, seq), 4},
						  {"bytes", offsetof(rx, bytes), 4},
						  {"softirq", offsetof(rx, softirq), 1}}))
		return e;
	return check_format("syncsock_accept", {{"skaddr", offsetof(acc, skaddr), 8},
						{"listener", offsetof(acc, listener), 4}});
}

// A kernel text symbol's address, or 0 (unknown, or hidden by kptr_restrict).
std::uint64_t kallsyms_addr(const std::string &name)
{
	std::ifstream in("/proc/kallsyms");
	for (std::string line; std::getline(in, line);) {
		// "ffffffff81a0e2c0 T sock_def_readable"
		auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
		if (sp2 == std::string::npos || line.compare(sp2 + 1, std::string::npos, name))
			continue;
		return std::stoull(line.substr(0, sp1), nullptr, 16);
	}
	return 0;
}

// Is a kernel symbol in kallsyms (whatever kptr_restrict shows of its address)?
bool kallsyms_has(const std::vector<std::string> &names)
{
	std::ifstream in("/proc/kallsyms");
	for (std::string line; std::getline(in, line);) {
		auto sp = line.rfind(' ');
		if (sp == std::string::npos)
			continue;
		for (const auto &n : names)
			if (line.compare(sp + 1, std::string::npos, n) == 0)
				return true;
	}
	return false;
}

struct SkelDeleter {
	void operator()(syncsock_trace *obj) const { syncsock_trace__destroy(obj); }
};
struct LinkDeleter {
	void operator()(bpf_link *link) const { bpf_link__destroy(link); }
};

// The loaded and attached programs.  Destroying it detaches and unloads.
struct Tracer {
	std::unique_ptr<syncsock_trace, SkelDeleter> obj;
	std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links;
	std::string probe;
	bool context = false;	// wakeups checked against the caller's context

	// In the reverse order of attaching: tcp_data_ready's entry probe goes
	// before its exit probe.
	void detach()
	{
		while (!links.empty())
			links.pop_back();
	}
};

std::string errstr(int err)
{
	return std::strerror(err < 0 ? -err : err);
}

// Open, load and attach with tcp_data_ready probed by fentry/fexit or by
// kprobe/kretprobe, with or without the interrupt-context check of wakeups.
std::variant<Tracer, Error> load(const st::Options &o, bool fentry, bool context,
				 bool syncsock_events)
{
	Tracer t;
	t.probe = fentry ? "fentry" : "kprobe";
	t.context = context;
	t.obj.reset(syncsock_trace__open());
	if (!t.obj)
		return Error{"cannot open the BPF object: " + errstr(errno)};
	auto *obj = t.obj.get();
	obj->rodata->filter_ports = !o.ports.empty();
	obj->rodata->filter_listeners = !o.listeners.empty();
	obj->rodata->want_conns = o.conns;
	obj->rodata->def_readable = kallsyms_addr("sock_def_readable");
	bpf_program__set_autoload(obj->progs.sst_data_ready, fentry && context);
	bpf_program__set_autoload(obj->progs.sst_data_ready_noctx, fentry && !context);
	bpf_program__set_autoload(obj->progs.sst_data_ready_exit, fentry);
	bpf_program__set_autoload(obj->progs.sst_data_ready_kprobe, !fentry && context);
	bpf_program__set_autoload(obj->progs.sst_data_ready_kprobe_noctx, !fentry && !context);
	bpf_program__set_autoload(obj->progs.sst_data_ready_kretprobe, !fentry);
	bpf_program__set_autoload(obj->progs.sst_sched_waking, context);
	bpf_program__set_autoload(obj->progs.sst_sched_waking_noctx, !context);
	bpf_program__set_autoload(obj->progs.sst_syncsock_rx, syncsock_events);
	bpf_program__set_autoload(obj->progs.sst_syncsock_accept, syncsock_events);
	if (int err = syncsock_trace__load(obj))
		return Error{"cannot load the BPF programs (" + t.probe + "): " + errstr(err)};

	std::uint8_t one = 1;
	for (std::uint16_t port : o.ports)
		if (bpf_map__update_elem(obj->maps.ports, &port, sizeof(port), &one, sizeof(one),
					 BPF_ANY))
			return Error{"cannot fill the port filter: " + errstr(errno)};
	for (std::uint32_t id : o.listeners)
		if (bpf_map__update_elem(obj->maps.listeners, &id, sizeof(id), &one, sizeof(one),
					 BPF_ANY))
			return Error{"cannot fill the listener filter: " + errstr(errno)};

	// Consumers and bookkeeping first, tcp_data_ready last: a stamp is
	// never left without the probes that use it.
	bpf_program *order[] = {
		obj->progs.sst_set_state,
		obj->progs.sst_rcv_space_adjust,
		obj->progs.sst_syncsock_accept,
		obj->progs.sst_syncsock_rx,
		obj->progs.sst_sched_waking,
		obj->progs.sst_sched_waking_noctx,
		obj->progs.sst_data_ready_exit,
		obj->progs.sst_data_ready_kretprobe,
		obj->progs.sst_data_ready,
		obj->progs.sst_data_ready_noctx,
		obj->progs.sst_data_ready_kprobe,
		obj->progs.sst_data_ready_kprobe_noctx,
	};
	for (bpf_program *prog : order) {
		if (!bpf_program__autoload(prog))
			continue;
		bpf_link *link = bpf_program__attach(prog);
		if (!link)
			return Error{std::string("cannot attach ") + bpf_program__name(prog) +
				     " (" + bpf_program__section_name(prog) +
				     "): " + errstr(errno)};
		t.links.emplace_back(link);
	}
	return t;
}

// Every entry of a BPF hash map.
template <typename K, typename V>
std::vector<std::pair<K, V>> dump(bpf_map *map)
{
	std::vector<std::pair<K, V>> out;
	int fd = bpf_map__fd(map);
	K key{}, next{};
	K *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		auto v = std::make_unique<V>();
		if (bpf_map_lookup_elem(fd, &next, v.get()) == 0)
			out.emplace_back(next, *v);
		key = next;
		prev = &key;
	}
	return out;
}

// The syncsock listeners by id, when the control device can say.
std::map<std::uint32_t, syncsock::ListenerInfo> syncsock_listeners()
{
	std::map<std::uint32_t, syncsock::ListenerInfo> out;
	auto dev = syncsock::Device::open();
	if (!dev)
		return out;
	auto list = dev->listener_list();
	if (!list)
		return out;
	for (auto &l : *list)
		out[l.id] = l;
	return out;
}

int fail(const st::Options &o, int code, const std::string &msg)
{
	if (o.json)
		std::cout << st::json_error(msg, o.pretty) << std::flush;
	std::cerr << "syncsock-trace: " << msg << "\n";
	return code;
}

// Wait for SIGINT/SIGTERM (blocked), or for @duration seconds.
void wait_for_end(const sigset_t &set, std::optional<double> duration)
{
	auto end = std::chrono::steady_clock::now() +
		   std::chrono::duration<double>(duration.value_or(0));
	for (;;) {
		if (!duration) {
			int sig;
			if (sigwait(&set, &sig) == 0)
				return;
			continue;
		}
		auto left = end - std::chrono::steady_clock::now();
		if (left <= std::chrono::nanoseconds(0))
			return;
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
		timespec ts{static_cast<time_t>(ns / 1000000000),
			    static_cast<long>(ns % 1000000000)};
		if (sigtimedwait(&set, nullptr, &ts) > 0)
			return;
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string_view> args(argv + 1, argv + argc);
	auto parsed = st::parse_args(args);
	const st::Options &o = parsed.options;
	if (!parsed.error.empty()) {
		auto f = st::error_format(args);
		if (f.json)
			std::cout << st::json_error(parsed.error, f.pretty) << std::flush;
		std::cerr << "syncsock-trace: " << parsed.error << "\n";
		return kExitUsage;
	}
	if (o.help) {
		std::cout << st::usage();
		return 0;
	}
	if (o.version) {
		std::cout << "syncsock-trace " << st::kVersion << " (libbpf "
			  << libbpf_major_version() << "." << libbpf_minor_version() << ")\n";
		return 0;
	}
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);

	bool syncsock_events = false;
	if (auto e = check_syncsock_events(syncsock_events))
		return fail(o, kExitKernel, *e);
	if (!syncsock_events)
		std::cerr << "syncsock-trace: syncsock.ko is not loaded (no syncsock events in "
			  << tracefs_events() << "): tracing user-space paths only\n";

	auto known = syncsock_listeners();
	for (auto id : o.listeners)
		if (syncsock_events && !known.empty() && !known.count(id))
			std::cerr << "syncsock-trace: no listener " << id
				  << " now; its connections are traced if it appears\n";

	// Signals are taken with sigwait, and block before any thread exists.
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, nullptr);

	// The preempt count is read from a per-CPU variable, which the kernel
	// resolves through kallsyms: without KALLSYMS_ALL, wakeups go unchecked
	// for interrupts landing inside tcp_data_ready().
	bool context = kallsyms_has({"__preempt_count", "pcpu_hot"});
	if (!context)
		std::cerr << "syncsock-trace: the kernel does not list its per-CPU preempt count "
			     "in kallsyms (KALLSYMS_ALL): wakeups from interrupts inside "
			     "tcp_data_ready() will count too\n";

	// fentry where BPF trampolines work, else kprobes.
	std::variant<Tracer, Error> loaded = Error{};
	std::string fentry_error;
	if (!o.kprobes) {
		loaded = load(o, true, context, syncsock_events);
		if (auto *e = std::get_if<Error>(&loaded)) {
			fentry_error = e->message;
			if (o.verbose)
				std::cerr << "syncsock-trace: " << e->message
					  << "; trying kprobes\n";
		}
	}
	if (o.kprobes || std::holds_alternative<Error>(loaded))
		loaded = load(o, false, context, syncsock_events);
	if (auto *e = std::get_if<Error>(&loaded)) {
		std::string msg = e->message;
		if (!fentry_error.empty())
			msg = fentry_error + "; with kprobes: " + msg;
		msg += geteuid() ? " (run as root)" : " (-v says more)";
		return fail(o, kExitKernel, msg);
	}
	Tracer &t = std::get<Tracer>(loaded);

	// Callers (benchmarks, tests) start their traffic after this line.
	std::cerr << "syncsock-trace: attached (" << t.probe << ")\n";
	if (!o.json) {
		std::cout << "Tracing queued-to-consumed delay (tcp_data_ready by " << t.probe
			  << ")";
		if (o.duration)
			std::cout << " for " << *o.duration << " s";
		std::cout << "... Hit Ctrl-C to end.\n" << std::flush;
	}
	auto t0 = std::chrono::steady_clock::now();
	wait_for_end(set, o.duration);
	t.detach();

	st::Report r;
	r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	r.probe = t.probe;
	r.context_checked = t.context;
	r.syncsock_events = syncsock_events;
	r.options = o;
	r.globals = t.obj->bss->sst_globals;
	if (syncsock_events)
		for (auto &[id, l] : syncsock_listeners())
			known[id] = l;
	for (auto &[key, s] : dump<sst_path_key, sst_path_stats>(t.obj->maps.paths)) {
		auto p = st::Path::from(key, s);
		if (p.kind == SST_KIND_SYNCSOCK && known.count(p.listener)) {
			p.handler = known[p.listener].handler;
			p.address = known[p.listener].address.to_string();
		}
		r.paths.push_back(std::move(p));
	}
	if (o.conns)
		for (auto &[key, s] : dump<sst_conn_key, sst_conn_stats>(t.obj->maps.conns))
			r.conns.push_back(st::Conn::from(s));
	r.sort();
	t.obj.reset();

	std::cout << (o.json ? st::format_json(r) : st::format_text(r)) << std::flush;
	return 0;
}
