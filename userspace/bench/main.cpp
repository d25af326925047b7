// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench: how much a handler in softirq beats the same work behind
// blocking recv, epoll and io_uring.  See usage() and
// Documentation/benchmarks.md.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "plot.hpp"
#include "report.hpp"
#include "run.hpp"

#ifndef SYNCSOCK_BENCH_VERSION
#define SYNCSOCK_BENCH_VERSION "0"
#endif

using namespace ssb;

static bool load(const std::vector<std::string> &files, std::vector<json::Value> &docs)
{
	for (auto &f : files) {
		std::ifstream in(f);
		if (!in) {
			std::fprintf(stderr, "syncsock-bench: cannot read %s\n", f.c_str());
			return false;
		}
		std::stringstream ss;
		ss << in.rdbuf();
		json::ParseError err;
		auto v = json::parse(ss.str(), &err);
		if (!v) {
			std::fprintf(stderr, "syncsock-bench: %s: not JSON: %s at byte %zu\n", f.c_str(),
				     err.message.c_str(), err.offset);
			return false;
		}
		docs.push_back(std::move(*v));
	}
	return true;
}

// validate's findings in @doc: the schema's, and what --require-path and
// --strict ask of the runs.
static std::vector<std::string> file_problems(const json::Value &doc, const Options &o)
{
	auto problems = validate(doc);
	const json::Array &runs = json::items(json::get(doc, "runs"));

	for (auto &p : o.require_paths) {
		bool ok = std::any_of(runs.begin(), runs.end(), [&](const json::Value &r) {
			return json::str(r, "path") == p && json::num(r, "errors") == 0 &&
			       json::num(r, "requests") > 0 &&
			       json::num(r, "verified_bytes") >=
				       json::num(r, "requests") * json::num(r, "msg_size");
		});
		if (!ok)
			problems.push_back("no clean run of path " + p);
	}
	if (!o.strict)
		return problems;
	// The server on its own CPUs (run --server): it stayed there.
	for (auto &r : runs)
		if (json::flag(r, "split", "server", "leaking"))
			problems.push_back("runs: " + json::str(r, "path") +
					   ": not an isolated server: " +
					   json::str(json::get(r, "split", "server"), "why"));
	for (const char *sect : {"runs", "external"})
		for (auto &r : json::items(json::get(doc, sect))) {
			if (!json::find(r, "error") && json::num(r, "errors") == 0)
				continue;
			std::string what = json::str(r, "tool") + " " + json::str(r, "server");
			problems.push_back(std::string(sect) + ": " + json::str(r, "path", what) +
					   " failed: " + json::str(r, "error"));
		}
	return problems;
}

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv, argv + argc);
	std::string error;
	auto o = parse_options(args, error);
	if (!o) {
		// The tools' convention: 1 is a usage error, nothing done.
		std::fprintf(stderr, "syncsock-bench: %s\nTry 'syncsock-bench help'.\n",
			     error.c_str());
		return 1;
	}
	if (o->command == "help") {
		std::fputs(usage().c_str(), stdout);
		return 0;
	}
	if (o->command == "version") {
		std::printf("syncsock-bench %s (schema %s)\n", SYNCSOCK_BENCH_VERSION, kSchema);
		return 0;
	}
	if (o->command == "run")
		return run_bench(*o);
	if (o->command == "serve")
		return run_serve(*o);

	std::vector<json::Value> docs;
	if (!load(o->files, docs))
		return 2;
	// From here, 2: a file is not valid (validate) or a plot failed.
	if (o->command == "validate") {
		int bad = 0;
		for (std::size_t i = 0; i < docs.size(); i++) {
			auto problems = file_problems(docs[i], *o);
			for (auto &p : problems)
				std::printf("%s: %s\n", o->files[i].c_str(), p.c_str());
			if (problems.empty())
				std::printf("%s: valid %s, %zu runs, %zu external\n", o->files[i].c_str(),
					    kSchema, json::items(json::get(docs[i], "runs")).size(),
					    json::items(json::get(docs[i], "external")).size());
			bad += !problems.empty();
		}
		return bad ? 2 : 0;
	}
	if (o->command == "table" || o->command == "report") {
		bool md = o->command == "report" || o->markdown;
		std::string out;
		for (auto &d : docs)
			out += render_conditions(d, md) + "\n";
		out += render_report(docs, md);
		std::fputs(out.c_str(), stdout);
		return 0;
	}
	if (o->command == "plot") {
		std::vector<std::string> errors;
		auto pngs = plot(docs, o->out_dir, o->render, o->all_cdfs, errors);
		for (auto &p : pngs)
			std::printf("%s\n", p.c_str());
		for (auto &e : errors)
			std::fprintf(stderr, "syncsock-bench: %s\n", e.c_str());
		return errors.empty() ? 0 : 2;
	}
	return 2;
}
