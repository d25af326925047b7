// SPDX-License-Identifier: GPL-2.0
//
// The commands: ask the Control, print tables or JSON.
#include "cli.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json_doc.hpp"
#include "messages.hpp"
#include "table.hpp"

namespace syncsock::cli {
namespace {

using text::Json;
using text::json_error;
using text::json_text;
using text::Table;
using text::thousandths;
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

Json listener_json(const ListenerInfo &l)
{
	Json j = Json::object();
	j["id"] = l.id;
	j["state"] = state_name(l.state);
	j["family"] = l.address.family == Address::Family::ipv4 ? "inet" : "inet6";
	j["address"] = l.address.host();
	j["port"] = l.address.port;
	j["scope_id"] = l.address.scope_id;
	j["handler"] = l.handler;
	j["conns"] = l.nr_conns;
	j["max_conns"] = l.max_conns;
	j["backlog"] = l.backlog;
	j["txq_limit"] = l.txq_limit;
	j["close_timeout_ms"] = l.close_timeout_ms;
	// Numbers, off too (4294967295): a field of one type is easier on
	// scripts than a number that may be a string.
	j["idle_timeout_ms"] = l.idle_timeout_ms;
	j["msg_timeout_ms"] = l.msg_timeout_ms;
	j["user_timeout_ms"] = l.user_timeout_ms;
	j["freebind"] = l.freebind;
	j["v6only"] = l.v6only;
	return j;
}

Json counters_json(const std::vector<std::string> &names, const std::vector<std::uint64_t> &values)
{
	Json j = Json::object();
	for (std::size_t i = 0; i < names.size() && i < values.size(); i++)
		j[names[i]] = values[i];
	return j;
}

// Rates are printed to the thousandth: enough, and stable in tests.
Json rates_json(const std::vector<std::string> &names, const std::vector<double> &rates)
{
	Json j = Json::object();
	for (std::size_t i = 0; i < names.size() && i < rates.size(); i++)
		j[names[i]] = thousandths(rates[i]);
	return j;
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
	void print(const Json &j) { out_ << json_text(j, opt_.pretty) << std::flush; }
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
		Json j = Json::object();
		j["syncsockctl"] = cli_version();
		j["libsyncsock"] = library_version();
		j["abi"] = library_abi_version();
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
	auto tools = [&] {
		Json j = Json::object();
		j["syncsockctl"] = cli_version();
		j["libsyncsock"] = library_version();
		j["abi"] = library_abi_version();
		return j;
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
			Json j = tools();
			j["module"] = nullptr;
			j["error"] = msg;
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
		Json j = tools();
		Json &m = j["module"] = Json::object();
		m["version"] = v->module_version;
		m["abi"] = v->abi_version;
		m["nr_stats"] = v->nr_stats;
		m["nr_close_reasons"] = v->nr_close_reasons;
		m["nr_cpu_ids"] = v->nr_cpu_ids;
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
		print(Json{{"id", *id}});
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
		Json j = Json::array();
		for (const auto &l : *ls)
			j.push_back(listener_json(l));
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
		Json j = listener_json(*l);
		j["counters"] = counters_json(s->names, s->sum);
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
		Json j = Json::array();
		for (const auto &p : *ps) {
			Json &o = j.emplace_back(Json::object());
			o["listener"] = p.listener;
			o["client"] = p.client.to_string();
			o["local"] = p.local.to_string();
			o["source"] = p.source.to_string();
			o["backend"] = p.backend.to_string();
			o["up_queued"] = p.up_queued;
			o["down_queued"] = p.down_queued;
			o["connecting"] = p.connecting;
			o["paused"] = p.paused;
			o["closing"] = p.closing;
		}
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
		Json j = Json::array();
		for (const auto &h : *hs) {
			Json &o = j.emplace_back(Json::object());
			o["name"] = h.name;
			o["module"] = h.module;
			o["listeners"] = h.nr_listeners;
		}
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
	Json j = Json::object();
	j["scope"] = c.id ? "listener" : "module";
	if (c.id)
		j["id"] = c.id;
	j["counters"] = counters_json(s->names, s->sum);
	if (c.per_cpu) {
		Json &per = j["per_cpu"] = Json::array();
		for (std::size_t cpu = 0; cpu < s->cpus.size(); cpu++)
			per.push_back({{"cpu", cpu}, {"counters", counters_json(s->names, s->cpus[cpu])}});
	}
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
			Json j = Json::object();
			j["scope"] = c.id ? "listener" : "module";
			if (c.id)
				j["id"] = c.id;
			j["interval"] = thousandths(secs);
			j["counters"] = counters_json(after->names, after->sum);
			j["rates"] = rates_json(after->names, total);
			if (c.per_cpu) {
				Json &per = j["per_cpu"] = Json::array();
				for (std::size_t cpu = 0; cpu < cpu_rates.size(); cpu++)
					per.push_back({{"cpu", cpu},
						       {"rates", rates_json(after->names, cpu_rates[cpu])}});
			}
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
