// SPDX-License-Identifier: GPL-2.0
//
// syncsock-bench's command line: its commands and their options (CLI11), the
// lists they take, the one-line errors, and the help wherever it is asked.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "options.hpp"
#include "report.hpp"

using namespace ssb;

namespace {

// parse_options on syncsock-bench ARGS...: the options, or nothing and @err.
std::optional<Options> parse(std::vector<std::string> args, std::string &err)
{
	args.insert(args.begin(), "syncsock-bench");
	return parse_options(args, err);
}

// The one-line error of syncsock-bench ARGS..., "" if they parse.
std::string error(std::vector<std::string> args)
{
	std::string err;
	return parse(std::move(args), err) ? "" : err;
}

} // namespace

TEST_CASE("bench options: lists, defaults and errors", "[bench][options]")
{
	CHECK(parse_count_list("1,64,1k,10k") == std::vector<unsigned>{1, 64, 1000, 10000});
	CHECK(parse_size_list("64,4k") == std::vector<std::size_t>{64, 4096});
	CHECK_FALSE(parse_count_list("1,,2"));
	CHECK_FALSE(parse_count_list("0"));
	CHECK_FALSE(parse_size_list("2M"));

	std::string err;
	auto o = parse_options({"syncsock-bench", "run"}, err);
	REQUIRE(o);
	// The echo paths; the proxy paths only when asked for.
	CHECK(o->paths == echo_paths());
	CHECK(o->conns == std::vector<unsigned>{1, 64});
	CHECK(o->pin == "same");
	CHECK(o->rates.empty());
	CHECK(o->loads.empty());
	CHECK(o->churn_conns.empty());

	o = parse_options({"syncsock-bench", "run", "--paths", "kernel,epoll", "--rate", "20k",
			   "--sizes", "4k", "--kernel-port", "7000", "--duration", "0.5"},
			  err);
	REQUIRE(o);
	CHECK(o->paths == std::vector<std::string>{"kernel", "epoll"});
	CHECK(o->rates == std::vector<double>{20000});
	CHECK(o->sizes == std::vector<std::size_t>{4096});
	CHECK(o->kernel_port == 7000);
	CHECK(o->duration == 0.5);
	CHECK(o->command_line ==
	      "syncsock-bench run --paths kernel,epoll --rate 20k --sizes 4k --kernel-port 7000 --duration 0.5");

	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--paths", "kqueue"}, err));
	CHECK(err == "bad --paths 'kqueue': unknown path 'kqueue' (kernel, epoll, epoll-reuseport, "
		     "epoll-busy, io_uring, blocking, spin; proxies: proxy, haproxy, nginx, relay)");
	o = parse_options({"syncsock-bench", "run", "--paths", "proxies", "--backend", "10.0.0.2"}, err);
	REQUIRE(o);
	CHECK(o->paths == std::vector<std::string>{"proxy", "haproxy", "nginx", "relay"});
	CHECK(o->backend == "10.0.0.2");
	CHECK(parse_options({"syncsock-bench", "run", "--paths", "all"}, err)->paths == echo_paths());
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--backend", "here"}, err));
	CHECK(err == "bad --backend 'here': an IPv4 address, or ADDRESS:PORT");
	CHECK_FALSE(parse_options({"syncsock-bench", "serve", "relay"}, err));
	CHECK(err == "serve relay needs --backend ADDRESS:PORT");
	CHECK_FALSE(parse_options({"syncsock-bench", "serve", "relay", "--backend", "10.0.0.2"}, err));
	o = parse_options({"syncsock-bench", "serve", "relay", "--backend", "10.0.0.2:7130"}, err);
	REQUIRE(o);
	CHECK(o->kind == "relay");
	// --name=value as well as --name value (the tools' convention).
	o = parse_options({"syncsock-bench", "run", "--duration=0.5", "--paths=kernel,epoll",
			   "--conns=1", "--sockperf"},
			  err);
	REQUIRE(o);
	CHECK(o->duration == 0.5);
	CHECK(o->paths == std::vector<std::string>{"kernel", "epoll"});
	CHECK(o->conns == std::vector<unsigned>{1});
	CHECK(o->sockperf);
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--duration=x"}, err));
	CHECK(err == "bad --duration 'x': seconds, at most 3600");
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--sockperf=1", "--wrk"}, err));
	CHECK(err == "option --sockperf takes no value");
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--wrk=yes"}, err));
	CHECK(err == "option --wrk takes no value");
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--pin", "left"}, err));
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--duration"}, err));
	CHECK(err == "--duration needs a value");
	o = parse_options({"syncsock-bench", "run", "--rate", "2k,5500", "--load", "50,90",
			   "--churn", "32"},
			  err);
	REQUIRE(o);
	CHECK(o->rates == std::vector<double>{2000, 5500});
	CHECK(o->loads == std::vector<double>{0.5, 0.9});
	CHECK(o->churn_conns == std::vector<unsigned>{32});
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--rate", "2k,,5k"}, err));
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--rate", "-5"}, err));
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--load", "0"}, err));
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--load", "50,150"}, err));
	CHECK(err == "bad --load '50,150': percentages of each path's capacity, 1 to 100, e.g. 50,90");
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--churn", "0"}, err));
	CHECK(parse_options({"syncsock-bench", "run"}, err)->repeat == 1);
	CHECK(parse_options({"syncsock-bench", "run", "--repeat", "3"}, err)->repeat == 3);
	for (const char *bad : {"0", "1.5", "101", "x"}) {
		CHECK_FALSE(parse_options({"syncsock-bench", "run", "--repeat", bad}, err));
		CHECK(err == std::string("bad --repeat '") + bad + "': runs per cell, 1 to 100");
	}
	// serve without a kind: the control server of run --server.
	o = parse_options({"syncsock-bench", "serve"}, err);
	REQUIRE(o);
	CHECK(o->kind.empty());
	CHECK(o->host == "0.0.0.0");
	CHECK(o->listen == "0.0.0.0:7099");
	o = parse_options({"syncsock-bench", "serve", "--listen", "198.18.0.1:7000", "--cpus", "0"}, err);
	REQUIRE(o);
	CHECK(o->listen == "198.18.0.1:7000");
	CHECK_FALSE(parse_options({"syncsock-bench", "serve", "kqueue"}, err));
	CHECK(err == "serve: no kind 'kqueue' (blocking, epoll, io_uring, spin, http or relay; "
		     "none: the control server)");
	CHECK_FALSE(parse_options({"syncsock-bench", "serve", "--listen", "7099"}, err));
	CHECK(err == "bad --listen '7099': an IPv4 address, or ADDRESS:PORT");
	o = parse_options({"syncsock-bench", "run", "--server", "198.18.0.1", "--depth", "1,8",
			   "--server-wait", "30", "--server-exit"},
			  err);
	REQUIRE(o);
	CHECK(o->server == "198.18.0.1");
	CHECK(o->depths == std::vector<unsigned>{1, 8});
	CHECK(o->server_wait == 30);
	CHECK(o->server_exit);
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--server", "box"}, err));
	CHECK(err == "bad --server 'box': an IPv4 address, or ADDRESS:PORT");
	CHECK_FALSE(parse_options({"syncsock-bench", "run", "--depth", "1,300"}, err));
	CHECK(err == "bad --depth '1,300': 1 to 256, or a list like 1,8");
	CHECK_FALSE(parse_options({"syncsock-bench", "table"}, err));
	CHECK(err == "table needs result files");
	o = parse_options({"syncsock-bench", "serve", "io_uring", "--port", "7102", "--threads", "2",
			   "--cpus", "0,1", "--ready-fd", "3"},
			  err);
	REQUIRE(o);
	CHECK(o->kind == "io_uring");
	CHECK(o->server_threads == 2);
	CHECK(o->cpus == std::vector<int>{0, 1});
	CHECK(o->ready_fd == 3);

	// --help after a command is the help, whatever else is on the line.
	o = parse_options({"syncsock-bench", "run", "--conns", "1", "--help", "--bogus"}, err);
	REQUIRE(o);
	CHECK(o->command == "help");
	o = parse_options({"syncsock-bench", "plot", "-h"}, err);
	REQUIRE(o);
	CHECK(o->command == "help");
	o = parse_options({"syncsock-bench", "run", "--trace"}, err);
	REQUIRE(o);
	CHECK(o->trace);
}

TEST_CASE("bench options: --name=VALUE and --name VALUE, the last one counts", "[bench][options]")
{
	std::string err;
	auto a = parse({"run", "--duration=3", "--conns=1,1k", "--pin=cross"}, err);
	auto b = parse({"run", "--duration", "3", "--conns", "1,1k", "--pin", "cross"}, err);
	REQUIRE(a);
	REQUIRE(b);
	CHECK(a->duration == 3);
	CHECK(b->duration == 3);
	CHECK(a->conns == std::vector<unsigned>{1, 1000});
	CHECK(b->conns == a->conns);
	CHECK(b->pin == "cross");
	auto c = parse({"run", "--conns", "1", "--conns=64", "--warmup", "0"}, err);
	REQUIRE(c);
	CHECK(c->conns == std::vector<unsigned>{64});
	CHECK(c->warmup == 0);
	// A value that looks like an option is the value, as before.
	auto d = parse({"run", "--label", "-x", "-q"}, err);
	REQUIRE(d);
	CHECK(d->label == "-x");
	CHECK(d->quiet);
	auto e = parse({"run", "--wrk", "--wrk-conns", "4", "--sockperf-sizes", "14,64k",
			"--ext-duration", "1", "--memory", "10k", "--threads", "2",
			"--server-threads", "3", "--json", "-", "--accelerator", "kvm",
			"--device", "/dev/null", "--host", "10.0.0.1", "--port", "8000"},
		       err);
	REQUIRE(e);
	CHECK(e->wrk);
	CHECK(e->wrk_conns == std::vector<unsigned>{4});
	CHECK(e->sockperf_sizes == std::vector<std::size_t>{14, 65536});
	CHECK(e->ext_duration == 1);
	CHECK(e->memory_conns == 10000);
	CHECK(e->client_threads == 2);
	CHECK(e->server_threads == 3);
	CHECK(e->json_path == "-");
	CHECK(e->accelerator == "kvm");
	CHECK(e->device == "/dev/null");
	CHECK(e->host == "10.0.0.1");
	CHECK(e->port == 8000);
	// An error is the last call's only.
	CHECK_FALSE(parse({"run", "--bogus"}, err));
	REQUIRE(parse({"run"}, err));
	CHECK(err.empty());
}

TEST_CASE("bench options: the commands on result files", "[bench][options]")
{
	std::string err;
	auto o = parse({"table", "a.json", "--markdown", "b.json"}, err);
	REQUIRE(o);
	CHECK(o->command == "table");
	CHECK(o->markdown);
	CHECK(o->files == std::vector<std::string>{"a.json", "b.json"});
	// A file named like a command is a file.
	o = parse({"report", "run"}, err);
	REQUIRE(o);
	CHECK(o->files == std::vector<std::string>{"run"});
	o = parse({"plot", "--out=plots", "--all-cdfs", "--no-render", "a.json"}, err);
	REQUIRE(o);
	CHECK(o->out_dir == "plots");
	CHECK(o->all_cdfs);
	CHECK_FALSE(o->render);
	CHECK(parse({"plot", "-o", "plots", "a.json"}, err)->out_dir == "plots");
	o = parse({"validate", "--require-paths", "proxies", "--strict", "a.json"}, err);
	REQUIRE(o);
	CHECK(o->require_paths == std::vector<std::string>{"proxy", "haproxy", "nginx", "relay"});
	CHECK(o->strict);
	CHECK(error({"plot"}) == "plot needs result files");
	CHECK(error({"validate", "--strict"}) == "validate needs result files");
}

TEST_CASE("bench options: serve and its kind", "[bench][options]")
{
	std::string err;
	// The kind may follow its options.
	auto o = parse({"serve", "--port", "7102", "epoll"}, err);
	REQUIRE(o);
	CHECK(o->kind == "epoll");
	CHECK(o->host == "127.0.0.1");
	CHECK(o->port == 7102);
	o = parse({"serve", "--host", "198.18.0.1", "--cpus", "none", "--device=/dev/x", "-q"}, err);
	REQUIRE(o);
	CHECK(o->kind.empty());
	CHECK(o->host == "198.18.0.1");
	CHECK(o->cpus_set);
	CHECK(o->cpus.empty());
	CHECK(o->device == "/dev/x");
	CHECK(o->quiet);
	CHECK(error({"serve", "epoll", "relay"}) == "unexpected argument 'relay'");
	CHECK(error({"serve", "epoll", "run"}) == "unexpected argument 'run'");
	CHECK(error({"serve", "--cpus", "0,x"}) == "bad --cpus '0,x': a list of CPU numbers");
	CHECK(error({"serve", "epoll", "--ready-fd", "x"}) == "bad --ready-fd 'x': a file descriptor");
}

TEST_CASE("bench options: usage errors name what is wrong", "[bench][options]")
{
	// Commands.
	CHECK(error({}) == "no command (run, serve, table, report, plot, validate, help)");
	CHECK(error({"foo"}) == "unknown command 'foo'");
	CHECK(error({"help", "run"}) == "unexpected argument 'run'");
	CHECK(error({"version", "x"}) == "unexpected argument 'x'");
	CHECK(error({"-V", "run"}) == "unexpected argument 'run'");
	CHECK(error({"run", "x"}) == "unexpected argument 'x'");
	// Unknown options, and another command's.
	CHECK(error({"run", "--bogus"}) == "unknown option '--bogus'");
	CHECK(error({"run", "--bogus=3", "--duration", "x"}) == "unknown option '--bogus'");
	CHECK(error({"--bogus"}) == "unknown option '--bogus'");
	CHECK(error({"run", "-qx"}) == "unknown option '-x' in '-qx'");
	CHECK(error({"table", "--paths", "kernel", "a.json"}) ==
	      "unknown option '--paths' for table (an option of run)");
	CHECK(error({"run", "--markdown"}) ==
	      "unknown option '--markdown' for run (an option of table, report)");
	CHECK(error({"run", "--cpus", "1"}) == "unknown option '--cpus' for run (an option of serve)");
	CHECK(error({"--duration", "3", "run"}) ==
	      "unknown option '--duration' (an option of run: after the command)");
	// Values: missing, not wanted, wrong.
	CHECK(error({"run", "--duration"}) == "--duration needs a value");
	CHECK(error({"run", "--duration="}) == "--duration needs a value");
	CHECK(error({"run", "--conns", "1", "--label"}) == "--label needs a value");
	CHECK(error({"plot", "-o"}) == "-o needs a value");
	CHECK(error({"run", "--sockperf="}) == "option --sockperf takes no value");
	CHECK(error({"run", "--quiet=true"}) == "option --quiet takes no value");
	CHECK(error({"--version=1"}) == "option --version takes no value");
	CHECK(error({"run", "--conns", "1,,2"}) == "bad --conns '1,,2': a list of counts like 1,64,1k");
	CHECK(error({"run", "--wrk-conns", "0"}) ==
	      "bad --wrk-conns '0': a list of counts like 1,64,1k");
	CHECK(error({"run", "--sizes", "2M"}) ==
	      "bad --sizes '2M': a list of sizes like 64,4k (at most 1 MiB)");
	CHECK(error({"run", "--sockperf-sizes", "10"}) ==
	      "bad --sockperf-sizes '10': sockperf messages are 14 to 65536 bytes");
	CHECK(error({"run", "--churn", "1,x"}) ==
	      "bad --churn '1,x': connections at a time, e.g. 32 or 1,32");
	CHECK(error({"run", "--threads", "0"}) == "bad --threads '0': 1 to 1024");
	CHECK(error({"run", "--port", "70000"}) == "bad --port '70000': a port");
	CHECK(error({"run", "--memory", "200k"}) == "bad --memory '200k': 1 to 100k connections");
	CHECK(error({"run", "--server-wait", "4000"}) ==
	      "bad --server-wait '4000': seconds, at most 3600");
	CHECK(error({"run", "--warmup", "-1"}) == "bad --warmup '-1': seconds, at most 3600");
	CHECK(error({"run", "--pin", "left"}) == "bad --pin 'left': same, cross or none");
	// The first wrong value, in the order given.
	CHECK(error({"run", "--pin", "left", "--duration", "x"}) ==
	      "bad --pin 'left': same, cross or none");
}

TEST_CASE("bench options: help and version wherever they are asked", "[bench][options]")
{
	std::string err;
	for (std::vector<std::string> args :
	     {std::vector<std::string>{"help"}, {"-h"}, {"--help"}, {"run", "-h"}, {"serve", "--help"},
	      {"serve", "epoll", "-h"}, {"table", "-h"}, {"report", "-h"}, {"validate", "-h"},
	      {"version", "-h"}, {"help", "-h"}, {"-h", "run"}, {"run", "-qh"},
	      // -h wins over whatever else is wrong on the line.
	      {"run", "--duration", "x", "--help"}, {"run", "--help", "--duration"},
	      {"run", "--bogus", "-h"}, {"run", "--sockperf=1", "-h"}}) {
		std::string line;
		for (auto &a : args)
			line += " " + a;
		INFO("syncsock-bench" << line);
		auto o = parse(args, err);
		REQUIRE(o);
		CHECK(o->command == "help");
	}
	for (const char *v : {"version", "-V", "--version"})
		CHECK(parse({v}, err)->command == "version");
	CHECK(usage().find("--name=VALUE") != std::string::npos);
}

TEST_CASE("bench options: no line makes it throw", "[bench][options]")
{
	// Commands, options of each, values, and what CLI11 treats specially.
	const std::vector<std::string> words = {
		"", "run", "serve", "table", "help", "version", "relay", "x.json", "-", "--",
		"-h", "-V", "-qx", "-o", "--paths", "--paths=", "--conns=1k", "2k,", "--cpus",
		"--sockperf", "--sockperf=", "--wrk=1", "--backend", "--bogus=1", "-x", "-=",
		"---", "--=x", "--duration", "-1", "99999999999999999999k", "\xff\xfe",
		"--markdown=", "--listen"};
	std::string err;
	std::size_t parsed = 0;
	for (const char *cmd : {"", "serve"})
		for (auto &a : words)
			for (auto &b : words) {
				std::vector<std::string> args = {a, b};
				if (*cmd)
					args.insert(args.begin(), cmd);
				std::optional<Options> o;
				REQUIRE_NOTHROW(o = parse(args, err));
				CHECK((o || !err.empty()));
				CHECK(err.find('\n') == std::string::npos);	// one line
				parsed += bool(o);
			}
	CHECK(parsed > 0);
}
