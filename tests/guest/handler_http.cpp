// SPDX-License-Identifier: GPL-2.0
//
// The built-in http handler (module/handlers/http.c) against raw sockets,
// curl and wrk.  Every response is compared, byte for byte, with what the
// configuration asks for:
//   HTTP/1.1 <status> <reason>\r\nServer: syncsock\r\nContent-Type: <type>\r\n
//   Content-Length: <n>\r\nConnection: keep-alive|close\r\n\r\n<body>
// and app0 (requests answered) / app1 (requests answered 400) count them.
//  [exact]     configurations (default, status/type/body, a body with spaces,
//              an empty body, body-size up to 100000, an unnamed status, the
//              longest type): two requests on one raw connection (IPv6 too
//              for three), then curl --raw -D -
//  [head]      HEAD: the header only, with the body's Content-Length; curl -I
//  [body]      Content-Length bodies are skipped, even one holding requests
//              or arriving in pieces; curl -d ... --next on one connection
//  [keepalive] five URLs in one curl: one connection; 20 requests in a row
//              on one raw connection
//  [pipeline]  16 requests (GET and HEAD) in one write, answered in order;
//              a request split across writes, its delimiter cut in two
//              (gathered: rx_messages_copied); SSK_HTTP_PIPELINE (60)
//              requests for 100000-byte bodies, every third a POST whose body
//              looks like requests, through a small window and txq-limit
//              128k (the handler's -EAGAIN path: tx_queue_full,
//              rx_throttled), the last "Connection: close": every byte, EOF
//  [close]     Connection: close (any case, among other tokens), HTTP/1.0
//              (close by default, keep-alive on request), curl --http1.0:
//              the response, then EOF; closed_handler counts them
//  [close-pipeline] requests pipelined behind one that closes (or behind a
//              400) are not answered; what was answered arrives whole, then
//              EOF, not a reset, a 1 MiB response too
//  [eagain]    with a 1 MiB response waiting in the queue, a second request
//              is refused (-EAGAIN) and answered once the queue drains,
//              with no more data from the client: in one segment, or
//              gathered from two
//  [400]       malformed requests: the exact 400, then EOF; a good request
//              before a bad one is answered; a blank line before a request
//              is fine; a header of 8192 bytes is taken, more resets
//  [config]    bad configuration strings: syncsockctl exits 2 and prints
//              the handler's message, no listener is left; the limits pass
//  [wrk]       wrk -t1 -c8 for SSK_WRK_SECONDS (3): no errors, 8 or 9
//              connections (wrk's probe), wrk's N requests <= app0 <= N + 8
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "ssk_handler.hpp"
#include "ssk_proc.hpp"
#include "ssk_stream.hpp"

using namespace syncsock::test;
using namespace std::chrono_literals;
using namespace std::string_literals;
using std::string;

namespace {

const string kDefaultBody = "Hello from syncsock\n";

string response(unsigned status, const string &reason, const string &type, const string &body,
		bool keep = true, bool head = false)
{
	string r = "HTTP/1.1 " + std::to_string(status) + " " + reason +
		   "\r\nServer: syncsock\r\nContent-Type: " + type +
		   "\r\nContent-Length: " + std::to_string(body.size()) +
		   "\r\nConnection: " + (keep ? "keep-alive" : "close") + "\r\n\r\n";
	return head ? r : r + body;
}

const string k400 = "HTTP/1.1 400 Bad Request\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n";

string get(const string &path = "/", const string &extra = "")
{
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: t\r\n" + extra + "\r\n";
}

string url(uint16_t port, const string &path = "/")
{
	return "http://127.0.0.1:" + std::to_string(port) + path;
}

unsigned add(syncsock::Device &dev, uint16_t port, const string &config, uint32_t txq = 0,
	     const string &ip = "127.0.0.1")
{
	return add_handler_listener(
		dev, {.handler = "http", .port = port, .config = config, .ip = ip, .txq_limit = txq});
}

// Read exactly @want (within 30 s) and require it, byte for byte.
void expect_bytes(int fd, const string &want, const string &what)
{
	Got g = read_upto(fd, want.size(), 30s);
	INFO(what << ": " << byte_diff(want, g.data) << g.end());
	REQUIRE(same_bytes(g.data, want));
}

// Nothing more arrives within @t, and the connection stays open.
void expect_quiet(int fd, const string &what, std::chrono::milliseconds t = 300ms)
{
	Got g = read_upto(fd, 1 << 20, t);
	INFO(what << ": unexpected '" << show(g.data) << "'" << g.end());
	REQUIRE(g.data.empty());
	REQUIRE_FALSE(g.eof);
	REQUIRE(g.err == 0);
}

// The server ends the stream (FIN, not a reset) with no more data.
void expect_eof(int fd, const string &what)
{
	Got g = read_upto(fd, 1 << 20, 10s);
	INFO(what << ": after the response '" << show(g.data) << "'" << g.end());
	REQUIRE(g.data.empty());
	REQUIRE(g.err == 0);
	REQUIRE(g.eof);
}

// curl's output (the response, headers and all, with -D - --raw) is @want.
void expect_curl(const string &args, const string &want)
{
	Cmd r = run("curl -s --raw -D - " + args);
	INFO("curl " << args << ": exit " << r.status << ": " << byte_diff(want, r.out));
	CHECK(r.status == 0);
	CHECK(same_bytes(r.out, want));
}

} // namespace

TEST_CASE("http: responses are byte-exact for each configuration", "[exact]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [exact]");
	auto dev = open_device();
	const string spaced = "{\"a\": 1,  \"b\": \"two words\"}  ";
	struct Case {
		string config;
		unsigned status;
		string reason, type, body;
		bool v6;	// IPv6 too: the handler does not look at the family
	};
	const Case cases[] = {
		{"", 200, "OK", "text/plain", kDefaultBody, true},
		{"status=200 type=text/plain body=hello", 200, "OK", "text/plain", "hello", true},
		{"status=404 type=application/json body=" + spaced, 404, "Not Found",
		 "application/json", spaced, true},
		{"type=text/html status=302 body=<a>moved</a>", 302, "Found", "text/html",
		 "<a>moved</a>", false},
		{"status=503 body=", 503, "Service Unavailable", "text/plain", "", false},
		{"status=299  type=x/y", 299, "Status", "x/y", kDefaultBody, false},
		{"status=201 body-size=0", 201, "Created", "text/plain", "", false},
		{"body-size=37 type=a/b", 200, "OK", "a/b", string(37, 'x'), false},
		{"status=200 type=application/octet-stream body-size=100000", 200, "OK",
		 "application/octet-stream", string(100000, 'x'), false},
		{"status=500 type=" + string(63, 't') + " body=e", 500, "Internal Server Error",
		 string(63, 't'), "e", false},
	};
	uint16_t port = 8101;
	for (const auto &c : cases) {
		for (const string ip : {"127.0.0.1", "::1"}) {
			if (ip == "::1" && !c.v6)
				continue;
			INFO("config '" << c.config << "' on " << ip);
			unsigned id = add(dev, port, c.config, 0, ip);
			const string want = response(c.status, c.reason, c.type, c.body);
			Fd fd = connect_tcp(ip, port);
			send_str(fd.get(), get("/x"));
			expect_bytes(fd.get(), want, "first response");
			expect_quiet(fd.get(), "after the first response");
			send_str(fd.get(), get("/y?q=1"));
			expect_bytes(fd.get(), want, "second response, same connection");
			fd.reset();
			const bool v4 = ip == "127.0.0.1";
			if (v4)
				expect_curl(url(port, "/c"), want);
			REQUIRE(wait_closed(id, v4 ? 2 : 1));
			auto st = ssk::stats(id);
			INFO("counters: " << ssk::format(st));
			CHECK(ssk::get(st, "app0") == (v4 ? 3u : 2u));
			CHECK(ssk::get(st, "app1") == 0);
			CHECK(ssk::get(st, "handler_errors") == 0);
			CHECK(ssk::get(st, "closed_peer_fin") == ssk::get(st, "closed"));
			REQUIRE(dev.listener_del(id, false));
			port++;
		}
	}
}

TEST_CASE("http: HEAD gets the header only", "[head]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [head]");
	auto dev = open_device();
	const uint16_t port = 8501;
	unsigned id = add(dev, port, "status=200 type=text/plain body-size=100000");
	const string body(100000, 'x');
	const string hkeep = response(200, "OK", "text/plain", body, true, true);
	const string hclose = response(200, "OK", "text/plain", body, false, true);
	REQUIRE(hkeep.find("Content-Length: 100000\r\n") != string::npos);

	Fd fd = connect_tcp(port);
	send_str(fd.get(), "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_bytes(fd.get(), hkeep, "HEAD");
	expect_quiet(fd.get(), "after HEAD: no body");
	send_str(fd.get(), get("/after-head"));
	expect_bytes(fd.get(), response(200, "OK", "text/plain", body), "GET after HEAD");
	send_str(fd.get(), "HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n");
	expect_bytes(fd.get(), hclose, "HEAD with Connection: close");
	expect_eof(fd.get(), "HEAD with Connection: close");
	fd.reset();

	Cmd r = run("curl -s -I " + url(port, "/curl-head"));
	INFO("curl -I: exit " << r.status << ": " << byte_diff(hkeep, r.out));
	CHECK(r.status == 0);
	CHECK(same_bytes(r.out, hkeep));

	REQUIRE(wait_closed(id, 2));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app0") == 4);
	CHECK(ssk::get(st, "app1") == 0);
	CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") ==
	      3 * hkeep.size() + hclose.size() + body.size());
}

TEST_CASE("http: a Content-Length body is skipped", "[body]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [body]");
	auto dev = open_device();
	const uint16_t port = 8601;
	unsigned id = add(dev, port, "status=201 type=text/plain body=stored");
	const string want = response(201, "Created", "text/plain", "stored");
	uint64_t served = 0;

	auto post = [](const string &b, const string &extra = "") {
		return "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(b.size()) +
		       "\r\n" + extra + "\r\n" + b;
	};
	Fd fd = connect_tcp(port);

	// A short body, then a request in the same write.
	send_str(fd.get(), post("0123456789") + get("/next"));
	expect_bytes(fd.get(), want + want, "POST with a body, then GET");
	served += 2;

	// A body that looks like requests must not be taken for them.
	const string fake = get("/fake1") + get("/fake2") + "\r\n\r\n";
	send_str(fd.get(), post(fake) + get("/real"));
	expect_bytes(fd.get(), want + want, "POST whose body holds requests, then GET");
	expect_quiet(fd.get(), "the body's requests are not answered");
	served += 2;

	// Content-Length: 0, and lower case, odd spacing.
	send_str(fd.get(), post("") + "PUT /x HTTP/1.1\r\ncontent-length:    3   \r\n\r\nabc" +
				   get("/z"));
	expect_bytes(fd.get(), want + want + want, "empty body, lower-case header, GET");
	served += 3;

	// 200000 bytes of body in pieces, the GET right behind the last one.
	string big(200000, 'b');
	for (size_t i = 0; i < big.size(); i += 997)
		big[i] = '\n';
	const string all = post(big) + get("/after-big");
	for (size_t off = 0; off < all.size(); off += 65000) {
		send_str(fd.get(), all.substr(off, 65000));
		std::this_thread::sleep_for(20ms);
	}
	expect_bytes(fd.get(), want + want, "200000-byte body in pieces, then GET");
	served += 2;
	expect_quiet(fd.get(), "after the big body");
	fd.reset();

	// curl: a POST with data, then a GET on the same connection.
	expect_curl("-d 'a=1&b=2' " + url(port, "/form") + " --next -s --raw -D - " +
			    url(port, "/then"),
		    want + want);
	served += 2;

	REQUIRE(wait_closed(id, 2));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "accepted") == 2);
	CHECK(ssk::get(st, "app0") == served);
	CHECK(ssk::get(st, "rx_messages") == served);
	CHECK(ssk::get(st, "app1") == 0);
	CHECK(ssk::get(st, "closed_peer_fin") == 2);
}

TEST_CASE("http: keep-alive serves many requests on one connection", "[keepalive]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [keepalive]");
	auto dev = open_device();
	const uint16_t port = 8201;
	unsigned id = add(dev, port, "status=200 type=text/plain body=keep me");
	const string want = response(200, "OK", "text/plain", "keep me");

	// curl: five URLs, one connection.
	const int n = 5;
	string urls, all;
	for (int i = 0; i < n; i++) {
		urls += " " + url(port, "/k" + std::to_string(i));
		all += want;
	}
	expect_curl(urls, all);
	REQUIRE(wait_closed(id, 1));
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "accepted") == 1);
	CHECK(ssk::get(st, "app0") == n);
	CHECK(ssk::get(st, "rx_messages") == n);

	// A raw client: 20 requests one after the other, one connection.
	Fd fd = connect_tcp(port);
	for (int i = 0; i < 20; i++) {
		send_str(fd.get(), get("/r" + std::to_string(i), i % 2 ? "Connection: keep-alive\r\n" : ""));
		expect_bytes(fd.get(), want, "response " + std::to_string(i));
	}
	expect_quiet(fd.get(), "after 20 responses");
	fd.reset();
	REQUIRE(wait_closed(id, 2));
	st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "accepted") == 2);
	CHECK(ssk::get(st, "app0") == n + 20);
	CHECK(ssk::get(st, "closed_peer_fin") == 2);
	CHECK(ssk::get(st, "closed_handler") == 0);
}

TEST_CASE("http: pipelined requests are answered in order", "[pipeline]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [pipeline]");
	auto dev = open_device();

	SECTION("16 requests in one write")
	{
		const uint16_t port = 8301;
		unsigned id = add(dev, port, "status=200 type=text/plain body=pipelined body");
		string out, want;
		for (int i = 0; i < 16; i++) {
			bool head = i % 5 == 3;
			out += (head ? "HEAD" : "GET") + string(" /p") + std::to_string(i) +
			       " HTTP/1.1\r\nHost: h\r\n\r\n";
			want += response(200, "OK", "text/plain", "pipelined body", true, head);
		}
		Fd fd = connect_tcp(port);
		send_str(fd.get(), out);
		expect_bytes(fd.get(), want, "16 pipelined responses");
		expect_quiet(fd.get(), "after 16 responses");
		fd.reset();
		REQUIRE(wait_closed(id, 1));
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(ssk::get(st, "app0") == 16);
		CHECK(ssk::get(st, "rx_messages") == 16);
		CHECK(ssk::get(st, "app1") == 0);
	}

	SECTION("a request split across writes, the delimiter cut in two")
	{
		const uint16_t port = 8302;
		unsigned id = add(dev, port, "body=split");
		const string want = response(200, "OK", "text/plain", "split");
		Fd fd = connect_tcp(port);
		// Each piece its own segment: TCP_NODELAY and a pause between.
		for (const string piece : {"GET /split HT", "TP/1.1\r\nHost: a\r\n\r", "\n"}) {
			send_str(fd.get(), piece);
			std::this_thread::sleep_for(50ms);
		}
		expect_bytes(fd.get(), want, "split request");
		// And two requests where the second starts in the first's segment.
		send_str(fd.get(), get("/a") + "GET /b HTTP/1.1\r\n");
		std::this_thread::sleep_for(50ms);
		send_str(fd.get(), "Host: b\r\n\r\n");
		expect_bytes(fd.get(), want + want, "two requests, the second split");
		expect_quiet(fd.get(), "after the split requests");
		fd.reset();
		REQUIRE(wait_closed(id, 1));
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(ssk::get(st, "app0") == 3);
		CHECK(ssk::get(st, "rx_messages") == 3);
		CHECK(ssk::get(st, "rx_messages_copied") == 2);
	}

	SECTION("requests (some with bodies) for 100000-byte bodies through a full send queue")
	{
		const uint16_t port = 8303;
		const size_t body = 100000;
		const int n = static_cast<int>(env_u64("SSK_HTTP_PIPELINE", 60));
		REQUIRE(n >= 6);
		unsigned id = add(dev, port, "status=200 type=application/octet-stream body-size=100000",
				  128 * 1024);
		const string keep = response(200, "OK", "application/octet-stream", string(body, 'x'));
		const string close = response(200, "OK", "application/octet-stream",
					      string(body, 'x'), false);
		// Every third a POST whose 3000-byte body looks like requests: it
		// must be skipped even when its request was refused (-EAGAIN) and
		// offered again.
		string fake;
		while (fake.size() < 3000)
			fake += get("/in-a-body");
		fake.resize(3000);
		string out, want;
		for (int i = 0; i < n; i++) {
			if (i % 3 == 1)
				out += "POST /up" + std::to_string(i) +
				       " HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n" + fake;
			else
				out += get("/big" + std::to_string(i),
					   i == n - 1 ? "Connection: close\r\n" : "");
			want += i == n - 1 ? close : keep;
		}
		// A small window and MSS keep TCP's own buffers small, so the
		// responses pile up in syncsock's queue (128k) and overflow it.
		Fd fd = connect_tcp(port, {.rcvbuf = 8192, .maxseg = 1400});
		ssk::Counters held;
		auto t0 = std::chrono::steady_clock::now();
		Got g = pump(fd.get(), out, want.size() + 1,
			     {.ready = [&] { return ctr(id, "tx_queue_full") > 0 &&
						    ctr(id, "rx_throttled") > 0; },
			      .on_ready = [&] { held = ssk::stats(id); }});
		note("[pipeline] %d x %zu-byte responses in %.1f s", n, keep.size(), seconds_since(t0));
		INFO("while the client did not read: " << ssk::format(held));
		INFO(byte_diff(want, g.data) << g.end());
		REQUIRE(same_bytes(g.data, want));
		CHECK(g.eof);
		CHECK(g.err == 0);
		CHECK(ssk::get(held, "tx_queue_full") > 0);
		CHECK(ssk::get(held, "rx_throttled") > 0);
		REQUIRE(wait_closed(id, 1));
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(ssk::get(st, "app0") == uint64_t(n));
		CHECK(ssk::get(st, "rx_messages") == uint64_t(n));
		CHECK(ssk::get(st, "closed_handler") == 1);
		CHECK(ssk::get(st, "handler_errors") == 0);
		CHECK(ssk::get(st, "tx_errors") == 0);
		CHECK(ssk::get(st, "tx_inline_bytes") + ssk::get(st, "tx_queued_bytes") == want.size());
	}
}

TEST_CASE("http: Connection: close and HTTP/1.0 close after the response", "[close]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [close]");
	auto dev = open_device();
	const uint16_t port = 8401;
	unsigned id = add(dev, port, "status=200 type=text/plain body=bye");
	const string keep = response(200, "OK", "text/plain", "bye");
	const string close = response(200, "OK", "text/plain", "bye", false);
	uint64_t conns = 0, served = 0, closes = 0;

	struct Req {
		string what, req;
		bool keep;
	};
	const Req reqs[] = {
		{"Connection: close", get("/", "Connection: close\r\n"), false},
		{"CONNECTION: CLOSE", get("/", "CONNECTION:   CLOSE  \r\n"), false},
		{"close among tokens", get("/", "Connection: TE, close\r\n"), false},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", false},
		{"HTTP/1.0 with a Host", "GET /old HTTP/1.0\r\nHost: x\r\n\r\n", false},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
		{"HTTP/1.1 keep-alive", get("/", "Connection: Keep-Alive\r\n"), true},
		{"HTTP/1.1 upgrade token", get("/", "Connection: upgrade\r\n"), true},
		{"POST with a body and Connection: close",
		 "POST /p HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", false},
	};
	for (const auto &r : reqs) {
		INFO(r.what);
		Fd fd = connect_tcp(port);
		conns++;
		send_str(fd.get(), r.req);
		expect_bytes(fd.get(), r.keep ? keep : close, r.what);
		served++;
		if (r.keep) {
			expect_quiet(fd.get(), r.what + ": kept open");
			send_str(fd.get(), r.req);
			expect_bytes(fd.get(), keep, r.what + ", again");
			served++;
			fd.reset();
		} else {
			expect_eof(fd.get(), r.what);
			closes++;
		}
		REQUIRE(wait_closed(id, conns));
	}

	// curl --http1.0: the close response, and curl is content.
	expect_curl("--http1.0 " + url(port, "/curl10"), close);
	conns++;
	served++;
	closes++;
	REQUIRE(wait_closed(id, conns));

	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "accepted") == conns);
	CHECK(ssk::get(st, "app0") == served);
	CHECK(ssk::get(st, "app1") == 0);
	// The server closed those that asked: closed_handler.
	CHECK(ssk::get(st, "closed_handler") == closes);
	CHECK(ssk::get(st, "handler_errors") == 0);
}

TEST_CASE("http: a close with more requests pipelined behind it is still graceful",
	  "[close-pipeline]")
{
	// The server closes after "Connection: close" or a 400 and answers
	// nothing after it; what it sent before must arrive whole, then EOF,
	// even though the client had sent more.
	ssk::ModuleSession mod;
	kmsg("handler_http [close-pipeline]");
	auto dev = open_device();
	const uint16_t port = 8451;
	unsigned id = add(dev, port, "status=200 type=text/plain body=bye");
	const string keep = response(200, "OK", "text/plain", "bye");
	const string close = response(200, "OK", "text/plain", "bye", false);

	SECTION("Connection: close in the middle of a pipeline")
	{
		Fd fd = connect_tcp(port);
		send_str(fd.get(), get("/1") + get("/2", "Connection: close\r\n") + get("/3") + get("/4"));
		expect_bytes(fd.get(), keep + close, "pipeline with a close in the middle");
		expect_eof(fd.get(), "pipeline with a close in the middle");
		REQUIRE(wait_closed(id, 1));
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(ssk::get(st, "app0") == 2);
		CHECK(ssk::get(st, "closed_handler") == 1);
	}
	SECTION("a valid request right behind a bad one")
	{
		Fd fd = connect_tcp(port);
		send_str(fd.get(), "BAD\r\n\r\n" + get("/not-answered"));
		expect_bytes(fd.get(), k400, "400 with a request behind it");
		expect_eof(fd.get(), "400 with a request behind it");
		REQUIRE(wait_closed(id, 1));
		auto st = ssk::stats(id);
		INFO("counters: " << ssk::format(st));
		CHECK(ssk::get(st, "app0") == 0);
		CHECK(ssk::get(st, "app1") == 1);
	}
	SECTION("a 1 MiB response with Connection: close, a request behind it")
	{
		const uint16_t big_port = 8452;
		unsigned big = add(dev, big_port,
				   "status=200 type=application/octet-stream body-size=1048576", 2 << 20);
		const string want = response(200, "OK", "application/octet-stream",
					     string(1 << 20, 'x'), false);
		for (bool behind : {false, true}) {
			INFO((behind ? "with" : "without") << " a request pipelined behind");
			Fd fd = connect_tcp(big_port, {.rcvbuf = 8192, .maxseg = 1400});
			const string out = get("/big", "Connection: close\r\n") + (behind ? get("/next") : "");
			// Read once the response spilled into syncsock's queue.
			const uint64_t q0 = ctr(big, "tx_queued_bytes");
			Got g = pump(fd.get(), out, want.size() + 1,
				     {.ready = [&] { return ctr(big, "tx_queued_bytes") > q0; }});
			REQUIRE(wait_closed(big, behind ? 2 : 1));
			auto st = ssk::stats(big);
			INFO("counters: " << ssk::format(st));
			INFO(byte_diff(want, g.data) << g.end());
			CHECK(same_bytes(g.data, want));
			CHECK(g.err == 0);
			CHECK(g.eof);
			CHECK(ssk::get(st, "app0") == (behind ? 2u : 1u));
		}
	}
}

TEST_CASE("http: a request refused while the send queue is full is answered once it drains",
	  "[eagain]")
{
	// One 1 MiB response fits in the listener's send queue, two do not.  A
	// request that comes while the first still waits there is refused
	// (-EAGAIN); the framer keeps it and it must be offered again once the
	// queue drains, whether it came in one segment or was gathered from
	// two (its last byte ending a segment), and even if the client sends
	// nothing more.
	ssk::ModuleSession mod;
	kmsg("handler_http [eagain]");
	auto dev = open_device();
	const uint16_t port = 8461;
	const uint32_t txq = 1200 * 1024;
	unsigned id = add(dev, port, "status=200 type=application/octet-stream body-size=1048576", txq);
	const string one = response(200, "OK", "application/octet-stream", string(1 << 20, 'x'));
	REQUIRE(2 * one.size() > txq);
	uint64_t conns = 0;
	for (bool split : {false, true}) {
		INFO("the second request " << (split ? "in two segments" : "in one segment"));
		Fd fd = connect_tcp(port, {.rcvbuf = 8192, .maxseg = 1400});
		conns++;
		const uint64_t a0 = ctr(id, "app0"), full0 = ctr(id, "tx_queue_full");
		// The first: answered, most of it waits in the queue (the client
		// does not read yet).
		send_str(fd.get(), get("/first"));
		REQUIRE(wait_for([&] { return ctr(id, "app0") == a0 + 1; }, 20s));
		const uint64_t queued = queued_now(id);
		INFO("after the first: " << queued << " bytes in the queue");
		REQUIRE(queued + one.size() > txq);
		// The second: refused for now.
		const string second = get("/second");
		if (split) {
			send_str(fd.get(), second.substr(0, second.size() - 1));
			std::this_thread::sleep_for(100ms);
			send_str(fd.get(), second.substr(second.size() - 1));
		} else {
			send_str(fd.get(), second);
		}
		REQUIRE(wait_for([&] { return ctr(id, "tx_queue_full") > full0; }, 20s));
		CHECK(ctr(id, "app0") == a0 + 1);
		// Now read: both responses, the client sending nothing more.
		Got g = read_upto(fd.get(), 2 * one.size(), 60s);
		INFO("got " << g.data.size() << " of " << 2 * one.size() << " bytes" << g.end()
			    << "; counters: " << ssk::format(ssk::stats(id)));
		CHECK(g.data.size() == 2 * one.size());
		CHECK(same_bytes(g.data, one + one));
		CHECK(ctr(id, "app0") == a0 + 2);
		fd.reset();
		REQUIRE(wait_closed(id, conns));
	}
}

TEST_CASE("http: malformed requests get 400 and the connection closes", "[400]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [400]");
	auto dev = open_device();
	const uint16_t port = 8701;
	unsigned id = add(dev, port, "status=200 type=text/plain body=fine");
	const string ok = response(200, "OK", "text/plain", "fine");

	const std::pair<const char *, string> bad[] = {
		{"no spaces", "GARBAGE\r\n\r\n"},
		{"no version", "GET /\r\n\r\n"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"},
		{"lower-case version", "GET / http/1.1\r\n\r\n"},
		{"version too long", "GET / HTTP/1.10\r\n\r\n"},
		{"empty target", "GET  HTTP/1.1\r\n\r\n"},
		{"empty method", " / HTTP/1.1\r\n\r\n"},
		{"bad method character", "G(T / HTTP/1.1\r\n\r\n"},
		{"NUL in the method", "G\0T / HTTP/1.1\r\n\r\n"s},
		{"space in the target", "GET /a b HTTP/1.1\r\n\r\n"},
		{"header without a colon", get("/", "NoColon\r\n")},
		{"empty header name", get("/", ": x\r\n")},
		{"space before the colon", get("/", "Host : x\r\n")},
		{"NUL in a header name", get("/", "X-\0: 1\r\n"s)},
		{"folded header", get("/", "X-A: 1\r\n continued\r\n")},
		{"chunked", get("/", "Transfer-Encoding: chunked\r\n")},
		{"two Content-Lengths", get("/", "Content-Length: 1\r\nContent-Length: 1\r\n")},
		{"Content-Length not a number", get("/", "Content-Length: abc\r\n")},
		{"Content-Length negative", get("/", "Content-Length: -1\r\n")},
		{"Content-Length with a sign", get("/", "Content-Length: +1\r\n")},
		{"Content-Length empty", get("/", "Content-Length:\r\n")},
		{"only the blank line", "\r\n\r\n"},
	};
	uint64_t n = 0;
	for (const auto &[what, req] : bad) {
		INFO(what << ": " << show(req));
		Fd fd = connect_tcp(port);
		send_str(fd.get(), req);
		expect_bytes(fd.get(), k400, what);
		expect_eof(fd.get(), what);
		REQUIRE(wait_closed(id, ++n));
	}
	auto st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "app1") == n);
	CHECK(ssk::get(st, "app0") == 0);
	CHECK(ssk::get(st, "closed_handler") == n);
	CHECK(ssk::get(st, "handler_errors") == 0);

	// After a good request on the same connection: answered, then the bad
	// one gets 400, and that is the end.
	{
		Fd fd = connect_tcp(port);
		send_str(fd.get(), get("/1"));
		expect_bytes(fd.get(), ok, "a good request first");
		send_str(fd.get(), "GET /3 HTTP/9.9\r\n\r\n");
		expect_bytes(fd.get(), k400, "good, then bad");
		expect_eof(fd.get(), "good, then bad");
		REQUIRE(wait_closed(id, ++n));
	}
	// A blank line before a request is allowed (RFC 9112 2.2).
	{
		Fd fd = connect_tcp(port);
		send_str(fd.get(), "\r\n" + get("/after-crlf"));
		expect_bytes(fd.get(), ok, "CRLF before the request line");
		expect_quiet(fd.get(), "CRLF before the request line");
	}
	REQUIRE(wait_closed(id, ++n));
	// A header block of 8 KiB exactly is taken; one byte more is not: the
	// connection is reset, nothing answered.
	for (size_t size : {8192, 8193, 9000}) {
		INFO("a header block of " << size << " bytes");
		string req = "GET /8k HTTP/1.1\r\nX-Pad: ";
		req += string(size - req.size() - 4, 'p') + "\r\n\r\n";
		REQUIRE(req.size() == size);
		Fd fd = connect_tcp(port);
		send_str(fd.get(), req);
		if (size == 8192) {
			expect_bytes(fd.get(), ok, "a header of 8192 bytes");
			fd.reset();
		} else {
			Got g = read_upto(fd.get(), 1 << 20, 10s);
			INFO("got '" << show(g.data) << "'" << g.end());
			CHECK(g.data.empty());
			CHECK((g.err == ECONNRESET || g.eof));
		}
		REQUIRE(wait_closed(id, ++n));
	}
	st = ssk::stats(id);
	INFO("counters: " << ssk::format(st));
	CHECK(ssk::get(st, "closed_oversize") == 2);
	CHECK(ssk::get(st, "app1") == std::size(bad) + 1);
	CHECK(ssk::get(st, "app0") == 3);
	CHECK(ssk::get(st, "handler_errors") == 0);
}

TEST_CASE("http: bad configuration strings are refused with the handler's message", "[config]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [config]");
	const string addr = "127.0.0.1:8901";
	const std::pair<string, string> bad[] = {
		{"status=99", "http: status '99' is not 100-599"},
		{"status=600", "http: status '600' is not 100-599"},
		{"status=abc", "http: status 'abc' is not 100-599"},
		{"status=", "http: status '' is not 100-599"},
		{"type=", "http: type must be 1-63 characters"},
		{"type=" + string(64, 't'), "http: type must be 1-63 characters"},
		{"body-size=1048577", "http: body-size '1048577' is not 0-1048576"},
		{"body-size=-1", "http: body-size '-1' is not 0-1048576"},
		{"body-size=1k", "http: body-size '1k' is not 0-1048576"},
		{"foo=bar", "http: unknown option 'foo' (status, type, body-size, body)"},
		{"Status=200", "http: unknown option 'Status' (status, type, body-size, body)"},
		{"status", "http: 'status' is not KEY=VALUE"},
		{"status=200 type=a/b junk", "http: 'junk' is not KEY=VALUE"},
	};
	auto dev = open_device();
	for (const auto &[config, msg] : bad) {
		INFO("config '" << config << "'");
		Cmd r = cli_listener_add(addr, "http", config);
		const string want = cli_einval(addr, msg);
		INFO(byte_diff(want, r.out));
		CHECK(r.status == 2);
		CHECK(same_bytes(r.out, want));
		CHECK(nr_listeners(dev) == 0);
	}
	Cmd l = run("syncsockctl -j listener list");
	CHECK(l.status == 0);
	CHECK(l.out == "[]\n");
	auto h = find_handler(dev, "http");
	REQUIRE(h);
	CHECK(h->nr_listeners == 0);

	// The limits themselves are taken.
	for (const string &good : std::vector<string>{"status=100", "status=599 body-size=1048576",
						      "type=" + string(63, 't'),
						      "body-size=0 body=last wins"}) {
		INFO("config '" << good << "'");
		Cmd r = cli_listener_add(addr, "http", good, true);
		INFO(r.out);
		CHECK(r.status == 0);
		auto id = number_in(r.out, "\"id\": ?([0-9]+)");
		REQUIRE(id);
		REQUIRE(run("syncsockctl listener del " + std::to_string(*id)).status == 0);
	}
}

TEST_CASE("http: wrk gets every response, no errors", "[wrk]")
{
	ssk::ModuleSession mod;
	kmsg("handler_http [wrk]");
	auto dev = open_device();
	const uint16_t port = 8951;
	unsigned id = add(dev, port, "status=200 type=text/plain body=wrk says hi");
	const int conns = 8;
	const uint64_t secs = env_u64("SSK_WRK_SECONDS", 3);
	Cmd r = run("wrk -t1 -c" + std::to_string(conns) + " -d" + std::to_string(secs) +
			    "s --timeout 10s " + url(port, "/w"),
		    static_cast<int>(secs) + 60);
	INFO("wrk exit " << r.status << ":\n" << r.out);
	REQUIRE(r.status == 0);
	auto n = number_in(r.out, "([0-9]+) requests in ");
	REQUIRE(n);
	CHECK(*n > 0);
	CHECK(r.out.find("Non-2xx or 3xx responses") == string::npos);
	CHECK(r.out.find("Socket errors") == string::npos);
	auto st = settled(id);
	INFO("counters: " << ssk::format(st));
	note("[wrk] wrk counted %llu requests, the listener answered %llu",
	     static_cast<unsigned long long>(*n),
	     static_cast<unsigned long long>(ssk::get(st, "app0")));
	// wrk does not count the responses in flight when it stops: one a
	// connection at most.
	CHECK(ssk::get(st, "app0") >= *n);
	CHECK(ssk::get(st, "app0") <= *n + conns);
	CHECK(ssk::get(st, "rx_messages") == ssk::get(st, "app0"));
	CHECK(ssk::get(st, "app1") == 0);
	// Keep-alive: a connection each, not one per request (wrk opens one
	// more of its own before the run, and closes it without a request).
	CHECK(ssk::get(st, "accepted") >= uint64_t(conns));
	CHECK(ssk::get(st, "accepted") <= uint64_t(conns) + 1);
	CHECK(ssk::get(st, "handler_errors") == 0);
	CHECK(ssk::get(st, "tx_errors") == 0);
	CHECK(ssk::get(st, "closed_handler") == 0);
}
