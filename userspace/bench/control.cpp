// SPDX-License-Identifier: GPL-2.0
#include "control.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "net.hpp"

namespace ssb::control {

Channel::~Channel()
{
	if (fd_ >= 0)
		close(fd_);
}

bool Channel::send(const json::Value &v, std::string &error)
{
	std::string line = json::dump(v) + "\n";
	std::size_t off = 0;
	while (off < line.size()) {
		ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pollfd pf = {fd_, POLLOUT, 0};
			if (poll(&pf, 1, 10000) <= 0) {
				error = "the control peer stopped reading";
				return false;
			}
			continue;
		}
		if (n <= 0) {
			error = std::string("control connection: ") + strerror(n < 0 ? errno : EPIPE);
			return false;
		}
		off += std::size_t(n);
	}
	return true;
}

std::optional<json::Value> Channel::receive(double timeout_s, std::string &error)
{
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	while (true) {
		auto nl = buf_.find('\n');
		if (nl != std::string::npos) {
			std::string line = buf_.substr(0, nl);
			buf_.erase(0, nl + 1);
			json::ParseError pe;
			auto v = json::parse(line, &pe);
			if (!v) {
				error = "the control peer sent a line that is not JSON (" + pe.message +
					" at byte " + std::to_string(pe.offset) + ")";
				return std::nullopt;
			}
			if (!v->is_object()) {
				error = "the control peer sent JSON that is not an object";
				return std::nullopt;
			}
			return v;
		}
		if (buf_.size() > kMaxLine) {
			error = "the control peer sent a line over " + std::to_string(kMaxLine) +
				" bytes";
			return std::nullopt;
		}
		std::uint64_t now = now_ns();
		if (now >= deadline) {
			error = "no word from the control peer in " +
				std::to_string(int(std::lround(timeout_s))) + " s";
			return std::nullopt;
		}
		pollfd pf = {fd_, POLLIN, 0};
		int left_ms = int(std::min<std::uint64_t>((deadline - now) / 1000000 + 1, 1000));
		int r = poll(&pf, 1, left_ms);
		if (r < 0 && errno != EINTR) {
			error = std::string("poll: ") + strerror(errno);
			return std::nullopt;
		}
		if (r <= 0)
			continue;
		char tmp[65536];
		ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			error = n == 0 ? "the control peer closed the connection"
				       : std::string("control connection: ") + strerror(errno);
			return std::nullopt;
		}
		buf_.append(tmp, std::size_t(n));
	}
}

namespace {

bool whole(const json::Value *v, double lo, double hi)
{
	return v && v->is_number() && std::floor(json::number(*v)) == json::number(*v) &&
	       json::number(*v) >= lo && json::number(*v) <= hi;
}

json::Value dispatch_op(Host &host, Session &session, const json::Value &req);

} // namespace

json::Value dispatch(Host &host, Session &session, const json::Value &req)
{
	json::Value r = dispatch_op(host, session, req);
	// The controller's number for the request, back with its reply: a
	// controller that gave up waiting can tell a late reply from the next.
	const json::Value *seq = req.is_object() ? json::find(req, "seq") : nullptr;
	if (whole(seq, 0, 9007199254740991.0))
		r["seq"] = json::number(*seq);
	return r;
}

namespace {

json::Value dispatch_op(Host &host, Session &session, const json::Value &req)
{
	json::Value r = json::Value::object();
	auto fail = [&](const std::string &why) {
		r = json::Value::object();
		r["ok"] = false;
		r["error"] = why;
		return r;
	};
	if (!req.is_object())
		return fail("a request is a JSON object");
	const json::Value *op = json::find(req, "op");
	if (!op || !op->is_string())
		return fail("the request has no \"op\" string");
	const std::string &o = json::text(*op);
	if (o == "hello") {
		const json::Value *v = json::find(req, "version");
		if (!whole(v, 0, 1e9))
			return fail("hello needs \"version\", a whole number");
		if (json::number(*v) != kVersion)
			return fail("this server speaks control protocol version " +
				    std::to_string(kVersion) + ", not " +
				    json::number_text(json::number(*v)) +
				    ": run the same syncsock-bench on both hosts");
		session.greeted = true;
		r["ok"] = true;
		r["version"] = kVersion;
		r["host"] = host.hello();
		return r;
	}
	if (o == "bye" || o == "shutdown") {
		session.end = o;
		r["ok"] = true;
		return r;
	}
	if (o != "start" && o != "sample" && o != "stop")
		return fail("unknown op '" + o + "' (hello, start, sample, stop, bye, shutdown)");
	if (!session.greeted)
		return fail("say hello first");
	if (o == "start") {
		const json::Value *path = json::find(req, "path");
		const json::Value *port = json::find(req, "port");
		const json::Value *threads = json::find(req, "threads");
		if (!path || !path->is_string() || json::text(*path).empty())
			return fail("start needs \"path\"");
		if (!whole(port, 1, 65535))
			return fail("start needs \"port\", 1 to 65535");
		// A controller is not authenticated: it gets no port that a
		// system service would own.
		if (json::number(*port) < 1024)
			return fail("port " + json::number_text(json::number(*port)) +
				    " is a privileged port: serve paths on 1024 and above");
		if (threads && !whole(threads, 1, 1024))
			return fail("\"threads\" is 1 to 1024");
		const json::Value *backend = json::find(req, "backend");
		std::string bh;
		std::uint16_t bp = 0;
		if (backend &&
		    (!backend->is_string() || !parse_where(json::text(*backend), bh, bp) ||
		     json::text(*backend).find(':') == std::string::npos))
			return fail("\"backend\" is ADDRESS:PORT (IPv4)");
		std::string err;
		std::uint16_t p = host.start(json::text(*path), std::uint16_t(json::number(*port)),
					     threads ? unsigned(json::number(*threads)) : 1u,
					     backend ? json::text(*backend) : std::string(), err);
		if (!p)
			return fail(err.empty() ? "the server did not start" : err);
		r["ok"] = true;
		r["port"] = p;
		return r;
	}
	if (o == "sample") {
		r["ok"] = true;
		json::Value sample = host.sample();
		for (auto &[k, v] : sample.items())
			r[k] = v;
		return r;
	}
	host.stop();
	r["ok"] = true;
	return r;
}

} // namespace

void serve(Host &host, int lfd, double idle_s, bool quiet)
{
	auto say = [&](const std::string &s) {
		if (!quiet) {
			std::fprintf(stderr, "syncsock-bench serve: %s\n", s.c_str());
			std::fflush(stderr);
		}
	};
	while (true) {
		sockaddr_in peer{};
		socklen_t len = sizeof(peer);
		int fd = accept4(lfd, reinterpret_cast<sockaddr *>(&peer), &len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			say(std::string("accept: ") + strerror(errno));
			return;
		}
		set_nodelay(fd);
		char ip[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
		std::string who = std::string(ip) + ":" + std::to_string(ntohs(peer.sin_port));
		say("controller " + who + " connected");
		Channel ch(fd);
		Session s;
		std::string err;
		while (s.end.empty()) {
			auto req = ch.receive(idle_s, err);
			if (!req)
				break;
			json::Value rep = dispatch(host, s, *req);
			if (!json::flag(rep, "ok"))
				say(json::str(*req, "op", "?") + ": " + json::str(rep, "error"));
			if (!ch.send(rep, err))
				break;
		}
		host.stop();
		say("controller " + who + " gone" + (s.end.empty() ? " (" + err + ")" : ""));
		if (s.end == "shutdown")
			return;
	}
}

bool parse_where(const std::string &where, std::string &host, std::uint16_t &port)
{
	auto colon = where.rfind(':');
	host = where.substr(0, colon);
	port = kPort;
	if (colon != std::string::npos) {
		std::string p = where.substr(colon + 1);
		unsigned v = 0;
		auto r = std::from_chars(p.data(), p.data() + p.size(), v);
		if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || v == 0 ||
		    v > 65535)
			return false;
		port = std::uint16_t(v);
	}
	in_addr a;
	return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

std::unique_ptr<Remote> Remote::connect(const std::string &where, std::string &error)
{
	std::string host;
	std::uint16_t port;
	if (!parse_where(where, host, port)) {
		error = "--server " + where + ": give an IPv4 address, or ADDRESS:PORT";
		return nullptr;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		error = std::string("socket: ") + strerror(errno);
		return nullptr;
	}
	sockaddr_in a = make_addr(host, port);
	int r = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	if (r < 0 && errno == EINPROGRESS) {
		pollfd pf = {fd, POLLOUT, 0};
		int soerr = ETIMEDOUT;
		socklen_t l = sizeof(soerr);
		if (poll(&pf, 1, 10000) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
		r = soerr ? -1 : 0;
		errno = soerr;
	}
	if (r < 0) {
		error = "cannot reach syncsock-bench serve at " + host + ":" +
			std::to_string(port) + ": " + strerror(errno) +
			" (start it there first: syncsock-bench serve)";
		close(fd);
		return nullptr;
	}
	set_nodelay(fd);
	std::unique_ptr<Remote> rm(new Remote(fd, host));
	json::Value req = json::Value::object();
	req["op"] = "hello";
	req["version"] = kVersion;
	auto rep = rm->call(req, error, 20);
	if (!rep)
		return nullptr;
	rm->hello_ = json::get(*rep, "host");
	return rm;
}

Remote::~Remote()
{
	json::Value req = json::Value::object();
	req["op"] = "bye";
	std::string err;
	if (ch_.send(req, err))
		ch_.receive(5, err);
}

std::optional<json::Value> Remote::call(json::Value req, std::string &error, double timeout)
{
	std::string op = json::str(req, "op");
	double timeout_s = timeout < 0 ? this->timeout_s : timeout;
	double seq = double(++seq_);
	req["seq"] = seq;
	if (!ch_.send(req, error))
		return std::nullopt;
	std::optional<json::Value> rep;
	std::uint64_t deadline = now_ns() + std::uint64_t(timeout_s * 1e9);
	for (;;) {
		double left = double(deadline > now_ns() ? deadline - now_ns() : 0) / 1e9;
		rep = ch_.receive(std::max(left, 0.001), error);
		if (!rep) {
			error = op + ": " + error;
			return std::nullopt;
		}
		// A reply to a request we gave up on: not this one's.
		if (json::num(*rep, "seq", -1) < seq && json::find(*rep, "seq"))
			continue;
		break;
	}
	if (!json::flag(*rep, "ok")) {
		error = "syncsock-bench serve refused " + op + ": " +
			json::str(*rep, "error", "no reason");
		return std::nullopt;
	}
	return rep;
}

std::vector<int> Remote::server_cpus() const
{
	std::vector<int> v;
	for (auto &c : json::items(json::get(hello_, "server_cpus")))
		v.push_back(int(std::min<std::uint64_t>(json::count(c), INT_MAX)));
	return v;
}

std::uint16_t Remote::start(const std::string &path, std::uint16_t port, unsigned threads,
			    std::string &error, const std::string &backend)
{
	json::Value req = json::Value::object();
	req["op"] = "start";
	req["path"] = path;
	req["port"] = port;
	req["threads"] = threads;
	if (!backend.empty())
		req["backend"] = backend;
	auto rep = call(req, error);
	return rep ? std::uint16_t(json::num(*rep, "port")) : 0;
}

std::string Remote::local_address() const
{
	sockaddr_in a{};
	socklen_t len = sizeof(a);
	char buf[INET_ADDRSTRLEN] = {};
	if (getsockname(ch_.fd(), reinterpret_cast<sockaddr *>(&a), &len) < 0 ||
	    a.sin_family != AF_INET || !inet_ntop(AF_INET, &a.sin_addr, buf, sizeof(buf)))
		return "127.0.0.1";
	return buf;
}

std::optional<json::Value> Remote::sample(std::string &error)
{
	json::Value req = json::Value::object();
	req["op"] = "sample";
	return call(req, error, sample_timeout_s);
}

bool Remote::stop(std::string &error)
{
	json::Value req = json::Value::object();
	req["op"] = "stop";
	return call(req, error).has_value();
}

void Remote::shutdown()
{
	json::Value req = json::Value::object();
	req["op"] = "shutdown";
	std::string err;
	call(req, err, 10);
}

json::Value cpus_json(const std::map<int, SystemCpu> &cpus)
{
	json::Value a = json::Value::array();
	for (auto &[n, c] : cpus)
		a.push_back(json::Value(json::Array{n, c.user, c.nice, c.system, c.idle, c.iowait,
						    c.irq, c.softirq, c.steal}));
	return a;
}

std::map<int, SystemCpu> cpus_from_json(const json::Value &v)
{
	std::map<int, SystemCpu> out;
	for (auto &row : json::items(v)) {
		auto &x = json::items(row);
		if (x.size() != 9)
			continue;
		auto u = [&](std::size_t i) { return json::count(x[i]); };
		SystemCpu c;
		c.user = u(1);
		c.nice = u(2);
		c.system = u(3);
		c.idle = u(4);
		c.iowait = u(5);
		c.irq = u(6);
		c.softirq = u(7);
		c.steal = u(8);
		out[int(std::min<std::uint64_t>(json::count(x[0]), INT_MAX))] = c;
	}
	return out;
}

json::Value cpu_split(const std::map<int, SystemCpu> &before, const std::map<int, SystemCpu> &after,
		      const std::vector<int> &own, double requests, long tick_hz)
{
	const double tick_us = 1e6 / double(tick_hz > 0 ? tick_hz : 100);
	const double per = requests > 0 ? 1.0 / requests : NAN;
	auto round3 = [](double v) { return std::isfinite(v) ? std::round(v * 1000) / 1000 : v; };
	json::Value rows = json::Value::array();
	json::Value cpus = json::Value::array();
	double u = 0, s = 0, si = 0, irq = 0, own_busy = 0, own_total = 0, all_busy = 0;
	for (auto &[n, a] : after) {
		auto it = before.find(n);
		if (it == before.end())
			continue;
		const SystemCpu &b = it->second;
		auto d = [](std::uint64_t x, std::uint64_t y) { return y >= x ? double(y - x) : 0.0; };
		double cu = d(b.user + b.nice, a.user + a.nice), cs = d(b.system, a.system);
		double csi = d(b.softirq, a.softirq), cirq = d(b.irq, a.irq);
		double busy = d(b.busy(), a.busy()), total = d(b.total(), a.total());
		bool mine = own.empty() || std::find(own.begin(), own.end(), n) != own.end();
		json::Value row = json::Value::object();
		row["cpu"] = n;
		row["own"] = mine;
		row["user"] = round3(cu * tick_us * per);
		row["system"] = round3(cs * tick_us * per);
		row["softirq"] = round3(csi * tick_us * per);
		row["irq"] = round3(cirq * tick_us * per);
		row["busy"] = round3(total > 0 ? busy / total : 0);
		rows.push_back(std::move(row));
		all_busy += busy;
		if (mine) {
			cpus.push_back(n);
			u += cu;
			s += cs;
			si += csi;
			irq += cirq;
			own_busy += busy;
			own_total += total;
		}
	}
	json::Value out = json::Value::object();
	out["cpus"] = cpus;
	out["busy"] = round3(own_total > 0 ? own_busy / own_total : 0);
	json::Value us = json::Value::object();
	us["user"] = round3(u * tick_us * per);
	us["system"] = round3(s * tick_us * per);
	us["softirq"] = round3(si * tick_us * per);
	us["irq"] = round3(irq * tick_us * per);
	us["total"] = round3((u + s + si + irq) * tick_us * per);
	out["us_per_req"] = us;
	out["own_share"] = round3(all_busy > 0 ? own_busy / all_busy : 1);
	out["per_cpu"] = rows;
	return out;
}

} // namespace ssb::control
