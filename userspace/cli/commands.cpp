// SPDX-License-Identifier: GPL-2.0
//
// The commands: ask the Control, print tables or JSON.
#include "cli.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json.hpp"
#include "messages.hpp"
#include "table.hpp"

namespace syncsock::cli {
namespace {

using Align = Table::Align;

std::string fixed(double v, int decimals)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return buf;
}

std::string flags_text(const ListenerInfo &l)
{
	std::string s;
	if (l.freebind)
		s = "freebind";
	if (l.v6only)
		s += s.empty() ? "v6only" : ",v6only";
	return s.empty() ? "-" : s;
}

// A timeout as the grammar takes it: "300000ms", or "off".
std::string timeout_text(std::uint32_t ms)
{
	return ms == kTimeoutOff ? "off" : std::to_string(ms) + "ms";
}

// A pair's state: "connecting", "paused", "closing", those that hold joined
// by commas, or "-".
std::string pair_state(const PairInfo &p)
{
	std::string s;
	for (auto [on, name] : {std::pair{p.connecting, "connecting"}, std::pair{p.paused, "paused"},
				std::pair{p.closing, "closing"}})
		if (on)
			s += (s.empty() ? "" : ",") + std::string(name);
	return s.empty() ? "-" : s;
}

std::string listener_table(const std::vector<ListenerInfo> &ls)
{
	Table t({{"ID", Align::right},
		 {"STATE"},
		 {"ADDRESS"},
		 {"HANDLER"},
		 {"CONNS", Align::right},
		 {"MAX-CONNS", Align::right},
		 {"BACKLOG", Align::right},
		 {"TXQ-LIMIT", Align::right},
		 {"CLOSE-TIMEOUT", Align::right},
		 {"FLAGS"}});
	for (const auto &l : ls)
		t.add_row({std::to_string(l.id), state_name(l.state), l.address.to_string(),
			   l.handler, std::to_string(l.nr_conns), std::to_string(l.max_conns),
			   std::to_string(l.backlog), format_size(l.txq_limit),
			   std::to_string(l.close_timeout_ms) + "ms", flags_text(l)});
	return t.render();
}

void listener_json(Json &j, const ListenerInfo &l)
{
	j.field("id", l.id)
		.field("state", state_name(l.state))
		.field("family", l.address.family == Address::Family::ipv4 ? "inet" : "inet6")
		.field("address", l.address.host())
		.field("port", l.address.port)
		.field("scope_id", l.address.scope_id)
		.field("handler", l.handler)
		.field("conns", l.nr_conns)
		.field("max_conns", l.max_conns)
		.field("backlog", l.backlog)
		.field("txq_limit", l.txq_limit)
		.field("close_timeout_ms", l.close_timeout_ms)
		// Numbers, off too (4294967295): a field of one type is easier
		// on scripts than a number that may be a string.
		.field("idle_timeout_ms", l.idle_timeout_ms)
		.field("msg_timeout_ms", l.msg_timeout_ms)
		.field("user_timeout_ms", l.user_timeout_ms)
		.field("freebind", l.freebind)
		.field("v6only", l.v6only);
}

void counters_json(Json &j, const std::vector<std::string> &names,
		   const std::vector<std::uint64_t> &values)
{
	j.begin_object();
	for (std::size_t i = 0; i < names.size() && i < values.size(); i++)
		j.field(names[i], values[i]);
	j.end_object();
}

// Rates are printed to the thousandth: enough, and stable in tests.
void rates_json(Json &j, const std::vector<std::string> &names, const std::vector<double> &rates)
{
	j.begin_object();
	for (std::size_t i = 0; i < names.size() && i < rates.size(); i++)
		j.field(names[i], std::round(rates[i] * 1000) / 1000);
	j.end_object();
}

// The CPUs worth a column: those with a counter not zero.
std::vector<std::size_t> busy_cpus(const Stats &s)
{
	std::vector<std::size_t> cpus;
	for (std::size_t c = 0; c < s.cpus.size(); c++)
		if (std::any_of(s.cpus[c].begin(), s.cpus[c].end(), [](auto v) { return v != 0; }))
			cpus.push_back(c);
	return cpus;
}

std::string counters_table(const Stats &s, bool per_cpu)
{
	std::vector<Table::Column> cols = {{"COUNTER"}, {per_cpu ? "TOTAL" : "VALUE", Align::right}};
	auto cpus = busy_cpus(s);
	if (per_cpu)
		for (auto c : cpus)
			cols.push_back({"CPU" + std::to_string(c), Align::right});
	Table t(std::move(cols));
	for (std::size_t i = 0; i < s.names.size(); i++) {
		std::vector<std::string> row = {s.names[i], std::to_string(s.sum[i])};
		if (per_cpu)
			for (auto c : cpus)
				row.push_back(std::to_string(s.cpus[c][i]));
		t.add_row(std::move(row));
	}
	return t.render();
}

std::vector<double> rates(const std::vector<std::uint64_t> &before,
			  const std::vector<std::uint64_t> &after, double seconds)
{
	std::vector<double> r(after.size(), 0.0);
	for (std::size_t i = 0; i < after.size() && i < before.size(); i++)
		// A counter going back means it was reset: no rate, not a wrap.
		r[i] = after[i] >= before[i] ? double(after[i] - before[i]) / seconds : 0.0;
	return r;
}

class Runner {
public:
	Runner(const Invocation &inv, Env &env, std::ostream &out, std::ostream &err)
		: opt_(inv.options), env_(env), out_(out), err_(err)
	{
		ctx_.device = opt_.device;
	}

	int operator()(const Help &h);
	int operator()(const ShowVersion &);
	int operator()(const ListenerAdd &c);
	int operator()(const ListenerDel &c);
	int operator()(const ListenerList &);
	int operator()(const ListenerShow &c);
	int operator()(const PairList &c);
	int operator()(const HandlerList &);
	int operator()(const StatsCmd &c);
	int operator()(const VersionCmd &);

private:
	int fail(Op op, const Error &e)
	{
		std::string msg = error_message(op, e, ctx_);
		if (opt_.json)
			out_ << json_error(msg, opt_.pretty);
		else
			err_ << "Error: " << msg << "\n";
		return kExitKernel;
	}
	Control *device()
	{
		if (!dev_) {
			auto d = env_.open(opt_.device);
			if (!d) {
				fail(Op::open, d.error());
				return nullptr;
			}
			dev_ = std::move(*d);
		}
		return dev_.get();
	}
	void print(const Json &j) { out_ << j.str() << std::flush; }
	int watch(Control &dev, const StatsCmd &c);

	const Options &opt_;
	Env &env_;
	std::ostream &out_;
	std::ostream &err_;
	std::unique_ptr<Control> dev_;
	ErrorContext ctx_;
};

int Runner::operator()(const Help &h)
{
	// As bpftool: help has no JSON form.
	if (opt_.json)
		out_ << "null\n";
	else
		out_ << help_text(h.topic);
	return kExitOk;
}

int Runner::operator()(const ShowVersion &)
{
	if (opt_.json) {
		Json j(opt_.pretty);
		j.begin_object()
			.field("syncsockctl", cli_version())
			.field("libsyncsock", library_version())
			.field("abi", library_abi_version())
			.end_object();
		print(j);
	} else {
		out_ << "syncsockctl " << cli_version() << " (libsyncsock " << library_version()
		     << ", ABI " << library_abi_version() << ")\n";
	}
	return kExitOk;
}

int Runner::operator()(const VersionCmd &)
{
	// The tools' own versions whatever the module (JSON: the object's
	// first members; text: the first lines).
	auto tools = [&](Json &j) -> Json & {
		return j.begin_object()
			.field("syncsockctl", cli_version())
			.field("libsyncsock", library_version())
			.field("abi", library_abi_version());
	};
	auto tools_text = [&] {
		out_ << "syncsockctl " << cli_version() << "\n"
		     << "libsyncsock " << library_version() << " (ABI " << library_abi_version()
		     << ")\n";
	};
	// Then why there is no module's.
	auto without_module = [&](const Error &e) {
		std::string msg = error_message(Op::open, e, ctx_);
		if (opt_.json) {
			Json j(opt_.pretty);
			tools(j).key("module").null().field("error", msg).end_object();
			print(j);
		} else {
			tools_text();
			out_ << "syncsock.ko: not loaded\n";
			err_ << "Error: " << msg << "\n";
		}
		return kExitKernel;
	};
	if (!dev_) {
		auto d = env_.open(opt_.device);
		if (!d)
			return without_module(d.error());
		dev_ = std::move(*d);
	}
	auto v = dev_->version();
	if (!v)
		return without_module(v.error());
	if (opt_.json) {
		Json j(opt_.pretty);
		tools(j)
			.key("module")
			.begin_object()
			.field("version", v->module_version)
			.field("abi", v->abi_version)
			.field("nr_stats", v->nr_stats)
			.field("nr_close_reasons", v->nr_close_reasons)
			.field("nr_cpu_ids", v->nr_cpu_ids)
			.end_object()
			.end_object();
		print(j);
		return kExitOk;
	}
	tools_text();
	out_ << "syncsock.ko " << v->module_version << " (ABI " << v->abi_version << ", "
	     << v->nr_stats << " counters, " << v->nr_close_reasons << " close reasons, "
	     << v->nr_cpu_ids << " CPU ids)\n";
	if (v->abi_version != library_abi_version())
		err_ << "Warning: the module speaks another ABI than syncsockctl: use tools "
			"built with the module's uapi header\n";
	return kExitOk;
}

int Runner::operator()(const ListenerAdd &c)
{
	ctx_.address = c.config.address;
	ctx_.handler = c.config.handler;
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto id = dev->listener_add(c.config);
	if (!id)
		return fail(Op::listener_add, id.error());
	if (opt_.json) {
		Json j(opt_.pretty);
		j.begin_object().field("id", *id).end_object();
		print(j);
	} else {
		out_ << *id << "\n";
	}
	return kExitOk;
}

int Runner::operator()(const ListenerDel &c)
{
	ctx_.id = c.id;
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto r = dev->listener_del(c.id, c.abort);
	if (!r)
		return fail(Op::listener_del, r.error());
	if (opt_.json)
		out_ << "null\n";
	return kExitOk;
}

int Runner::operator()(const ListenerList &)
{
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto ls = dev->listener_list();
	if (!ls)
		return fail(Op::listener_list, ls.error());
	if (opt_.json) {
		Json j(opt_.pretty);
		j.begin_array();
		for (const auto &l : *ls) {
			j.begin_object();
			listener_json(j, l);
			j.end_object();
		}
		j.end_array();
		print(j);
	} else {
		out_ << listener_table(*ls);
	}
	return kExitOk;
}

int Runner::operator()(const ListenerShow &c)
{
	ctx_.id = c.id;
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto l = dev->listener_get(c.id);
	if (!l)
		return fail(Op::listener_get, l.error());
	auto s = dev->stats(c.id, false);
	if (!s)
		return fail(Op::stats, s.error());
	if (opt_.json) {
		Json j(opt_.pretty);
		j.begin_object();
		listener_json(j, *l);
		j.key("counters");
		counters_json(j, s->names, s->sum);
		j.end_object();
		print(j);
		return kExitOk;
	}
	Table t({{"", Align::left}, {"", Align::left}});
	t.add_row({"id", std::to_string(l->id)});
	t.add_row({"state", state_name(l->state)});
	t.add_row({"address", l->address.to_string()});
	t.add_row({"handler", l->handler});
	t.add_row({"conns", std::to_string(l->nr_conns)});
	t.add_row({"max-conns", std::to_string(l->max_conns)});
	t.add_row({"backlog", std::to_string(l->backlog)});
	t.add_row({"txq-limit", format_size(l->txq_limit)});
	t.add_row({"close-timeout", std::to_string(l->close_timeout_ms) + "ms"});
	t.add_row({"idle-timeout", timeout_text(l->idle_timeout_ms)});
	t.add_row({"msg-timeout", timeout_text(l->msg_timeout_ms)});
	t.add_row({"user-timeout", timeout_text(l->user_timeout_ms)});
	t.add_row({"flags", flags_text(*l)});
	out_ << t.render(false) << "\n" << counters_table(*s, false);
	return kExitOk;
}

int Runner::operator()(const PairList &c)
{
	ctx_.id = c.id;
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto ps = dev->pair_list(c.id);
	if (!ps)
		return fail(Op::pair_list, ps.error());
	if (opt_.json) {
		// Addresses as the table prints them: one string a script can
		// split, IPv6 in brackets.
		Json j(opt_.pretty);
		j.begin_array();
		for (const auto &p : *ps)
			j.begin_object()
				.field("listener", p.listener)
				.field("client", p.client.to_string())
				.field("local", p.local.to_string())
				.field("source", p.source.to_string())
				.field("backend", p.backend.to_string())
				.field("up_queued", p.up_queued)
				.field("down_queued", p.down_queued)
				.field("connecting", p.connecting)
				.field("paused", p.paused)
				.field("closing", p.closing)
				.end_object();
		j.end_array();
		print(j);
	} else {
		Table t({{"LISTENER", Align::right},
			 {"CLIENT"},
			 {"LOCAL"},
			 {"SOURCE"},
			 {"BACKEND"},
			 {"UP-QUEUED", Align::right},
			 {"DOWN-QUEUED", Align::right},
			 {"STATE"}});
		for (const auto &p : *ps)
			t.add_row({std::to_string(p.listener), p.client.to_string(),
				   p.local.to_string(), p.source.to_string(), p.backend.to_string(),
				   std::to_string(p.up_queued), std::to_string(p.down_queued),
				   pair_state(p)});
		out_ << t.render();
	}
	return kExitOk;
}

int Runner::operator()(const HandlerList &)
{
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	auto hs = dev->handler_list();
	if (!hs)
		return fail(Op::handler_list, hs.error());
	if (opt_.json) {
		Json j(opt_.pretty);
		j.begin_array();
		for (const auto &h : *hs)
			j.begin_object()
				.field("name", h.name)
				.field("module", h.module)
				.field("listeners", h.nr_listeners)
				.end_object();
		j.end_array();
		print(j);
	} else {
		Table t({{"NAME"}, {"MODULE"}, {"LISTENERS", Align::right}});
		for (const auto &h : *hs)
			t.add_row({h.name, h.module, std::to_string(h.nr_listeners)});
		out_ << t.render();
	}
	return kExitOk;
}

int Runner::operator()(const StatsCmd &c)
{
	ctx_.id = c.id;
	auto *dev = device();
	if (!dev)
		return kExitKernel;
	if (c.watch)
		return watch(*dev, c);
	auto s = dev->stats(c.id, c.per_cpu);
	if (!s)
		return fail(Op::stats, s.error());
	if (!opt_.json) {
		out_ << counters_table(*s, c.per_cpu);
		return kExitOk;
	}
	Json j(opt_.pretty);
	j.begin_object().field("scope", c.id ? "listener" : "module");
	if (c.id)
		j.field("id", c.id);
	j.key("counters");
	counters_json(j, s->names, s->sum);
	if (c.per_cpu) {
		j.key("per_cpu").begin_array();
		for (std::size_t cpu = 0; cpu < s->cpus.size(); cpu++) {
			j.begin_object().field("cpu", cpu).key("counters");
			counters_json(j, s->names, s->cpus[cpu]);
			j.end_object();
		}
		j.end_array();
	}
	j.end_object();
	print(j);
	return kExitOk;
}

// Sample, sleep, sample: print what moved, per second of the time that
// really passed (a sleep may run long).
int Runner::watch(Control &dev, const StatsCmd &c)
{
	auto before = dev.stats(c.id, c.per_cpu);
	if (!before)
		return fail(Op::stats, before.error());
	auto t0 = env_.now();

	for (std::uint64_t n = 0; c.count == 0 || n < c.count; n++) {
		if (!env_.sleep(std::chrono::duration<double>(*c.watch)))
			break;
		auto after = dev.stats(c.id, c.per_cpu);
		if (!after)
			return fail(Op::stats, after.error());
		auto t1 = env_.now();
		double secs = std::chrono::duration<double>(t1 - t0).count();
		if (secs <= 0)
			secs = *c.watch;

		auto total = rates(before->sum, after->sum, secs);
		std::vector<std::vector<double>> cpu_rates;
		for (std::size_t cpu = 0; cpu < after->cpus.size() && cpu < before->cpus.size(); cpu++)
			cpu_rates.push_back(rates(before->cpus[cpu], after->cpus[cpu], secs));

		if (opt_.json) {
			Json j(opt_.pretty);
			j.begin_object().field("scope", c.id ? "listener" : "module");
			if (c.id)
				j.field("id", c.id);
			j.field("interval", std::round(secs * 1000) / 1000).key("counters");
			counters_json(j, after->names, after->sum);
			j.key("rates");
			rates_json(j, after->names, total);
			if (c.per_cpu) {
				j.key("per_cpu").begin_array();
				for (std::size_t cpu = 0; cpu < cpu_rates.size(); cpu++) {
					j.begin_object().field("cpu", cpu).key("rates");
					rates_json(j, after->names, cpu_rates[cpu]);
					j.end_object();
				}
				j.end_array();
			}
			j.end_object();
			print(j);
		} else {
			std::vector<Table::Column> cols = {
				{"COUNTER"}, {"TOTAL", Align::right}, {"PER-SEC", Align::right}};
			auto cpus = c.per_cpu ? busy_cpus(*after) : std::vector<std::size_t>();
			for (auto cpu : cpus)
				cols.push_back({"CPU" + std::to_string(cpu) + "/S", Align::right});
			Table t(std::move(cols));
			for (std::size_t i = 0; i < after->names.size(); i++) {
				std::vector<std::string> row = {after->names[i],
								std::to_string(after->sum[i]),
								fixed(total[i], 1)};
				for (auto cpu : cpus)
					row.push_back(fixed(cpu < cpu_rates.size() ? cpu_rates[cpu][i] : 0, 1));
				t.add_row(std::move(row));
			}
			if (n)
				out_ << "\n";
			out_ << (c.id ? "listener " + std::to_string(c.id) : std::string("module"))
			     << ", rates over " << fixed(secs, 2) << " s\n"
			     << t.render() << std::flush;
		}
		if (!out_)
			break;
		before = std::move(after);
		t0 = t1;
	}
	return kExitOk;
}

} // namespace

std::string_view cli_version()
{
	return SYNCSOCKCTL_VERSION;
}

int run(const Invocation &inv, Env &env, std::ostream &out, std::ostream &err)
{
	if (!inv.ok()) {
		if (inv.options.json) {
			out << json_error(inv.error, inv.options.pretty);
		} else {
			const char *obj[] = {"", "listener ", "pair ", "handler ", "stats ",
					     "version "};
			err << "Error: " << inv.error << "\n"
			    << "Try 'syncsockctl " << obj[static_cast<int>(inv.topic)] << "help'.\n";
		}
		return kExitUsage;
	}
	Runner r(inv, env, out, err);
	return std::visit(r, inv.command);
}

int main(std::span<const std::string_view> args, Env &env, std::ostream &out, std::ostream &err)
{
	return run(parse(args), env, out, err);
}

} // namespace syncsock::cli
