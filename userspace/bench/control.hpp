// SPDX-License-Identifier: GPL-2.0
//
// The control protocol between syncsock-bench serve (on the box under test)
// and syncsock-bench run --server HOST (on the load generator).
//
// One TCP connection; one JSON object a line each way, a reply to every
// request, in order.  Requests ("op"):
//
//   hello {version}            the serving host: its kernel, CPUs, the
//                              CPUs its servers run on, the paths it has
//   start {path, port, threads, backend}  stop what runs, start one server
//                              path (kernel: a syncsock echo listener) on
//                              port; a proxy path relays to backend,
//                              "ADDRESS:PORT" (IPv4)
//   sample                     the host's counters now: per-CPU busy time,
//                              the server's own CPU time and context
//                              switches, syncsock's counters, memory
//   stop                       stop the server path
//   bye                        end of this controller; the next may connect
//   shutdown                   the serving side exits
//
// A request may carry "seq", a whole number; its reply carries it back, so
// that a controller that stopped waiting for a reply can tell it, arriving
// late, from the reply to its next request.  Every reply has "ok"; "ok":
// false comes with "error", a sentence.  The
// serving side serves one controller at a time and stops whatever the
// controller started when it goes.  Controllers are not authenticated:
// serve paths on ports 1024 and above only, and listen only where the load
// generator is.  See Documentation/benchmarks.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "sysstat.hpp"

namespace ssb::control {

inline constexpr int kVersion = 1;
inline constexpr std::uint16_t kPort = 7099;
// A longer line is a broken or hostile peer (a request is under 1 KiB, a
// sample about 150 bytes a CPU of the serving host).
inline constexpr std::size_t kMaxLine = 256 << 10;

// One side of a control connection: JSON objects, a line each.
class Channel {
public:
	explicit Channel(int fd) : fd_(fd) {}
	~Channel();
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;
	int fd() const { return fd_; }
	// False and @error when the peer is gone.
	bool send(const json::Value &v, std::string &error);
	// The next object; nullopt and @error on EOF, a timeout, a line over
	// kMaxLine or one that is not a JSON object.
	std::optional<json::Value> receive(double timeout_s, std::string &error);

private:
	int fd_;
	std::string buf_;
};

// What the serving side does; the dispatcher's tests give it a fake.
class Host {
public:
	virtual ~Host() = default;
	// Facts about the host (kernel, vcpus, cpu_model, server cpus, paths).
	virtual json::Value hello() = 0;
	// Start @path on @port (a proxy path relaying to @backend): the port
	// it listens on, or 0 and @error.
	virtual std::uint16_t start(const std::string &path, std::uint16_t port, unsigned threads,
				    const std::string &backend, std::string &error) = 0;
	virtual json::Value sample() = 0;
	virtual void stop() = 0;
};

// One controller's connection: hello must come first; @end becomes "bye"
// or "shutdown" when a request ends the connection or the server.
struct Session {
	bool greeted = false;
	std::string end;
};

// The reply to @request.  Never throws: a bad request gets "ok": false and
// the reason.
json::Value dispatch(Host &host, Session &session, const json::Value &request);

// Serve controllers on listening socket @lfd, one at a time, until a
// shutdown request.  A controller silent for @idle_s seconds is dropped.
// Progress lines go to stderr unless @quiet.
void serve(Host &host, int lfd, double idle_s, bool quiet);

// The load generator's end.
class Remote {
public:
	// Connect to HOST or HOST:PORT and say hello; nullptr and @error if
	// the serving side is not there or speaks another version.
	static std::unique_ptr<Remote> connect(const std::string &where, std::string &error);
	~Remote();
	const json::Value &host() const { return hello_; }
	const std::string &address() const { return addr_; }
	// The server's CPUs on its host.
	std::vector<int> server_cpus() const;
	std::uint16_t start(const std::string &path, std::uint16_t port, unsigned threads,
			    std::string &error, const std::string &backend = {});
	// The address of this end of the control connection: where the
	// serving host reaches this one.
	std::string local_address() const;
	std::optional<json::Value> sample(std::string &error);
	bool stop(std::string &error);
	// Ask the serving side to exit (scripted set-ups).
	void shutdown();
	// How long start and stop wait for their reply.
	double timeout_s = 60;
	// A sample: the serving host reads every server thread's counters,
	// and a blocking server's 10,000 on one busy CPU take a while.
	double sample_timeout_s = 300;

private:
	Remote(int fd, std::string addr) : ch_(fd), addr_(std::move(addr)) {}
	std::optional<json::Value> call(json::Value req, std::string &error, double timeout = -1);
	Channel ch_;
	std::string addr_;
	json::Value hello_;
	std::uint64_t seq_ = 0;
};

// "HOST" or "HOST:PORT" (IPv4): false on anything else.
bool parse_where(const std::string &where, std::string &host, std::uint16_t &port);

// A sample's per-CPU lines, and from the host's /proc/stat.
json::Value cpus_json(const std::map<int, SystemCpu> &cpus);
std::map<int, SystemCpu> cpus_from_json(const json::Value &v);

// What one host's CPUs did between two samples of them, for @requests
// replies: per CPU (user, system, softirq, irq in µs per request, busy as
// a fraction of the window), the totals over @own (the CPUs this side's
// work belongs on: busy fraction, µs per request), and own_share, the part
// of all the host's busy time that ran on @own.  With @own empty, all
// CPUs are its own.
json::Value cpu_split(const std::map<int, SystemCpu> &before, const std::map<int, SystemCpu> &after,
		      const std::vector<int> &own, double requests, long tick_hz);

} // namespace ssb::control
