// SPDX-License-Identifier: GPL-2.0
//
// `syncsockctl stats ID --watch` shows the live rate of a known load: a
// client sends 1,000-byte blocks paced at 300 a second to a discard listener
// and counts what it actually wrote; the rx_bytes rate the CLI prints each
// second must match the client's achieved rate over the same window within
// 20% (a slow debug guest on a loaded host falls short of the pace: the CLI
// must then show what really happened, not the nominal rate).  Needs syncsock
// loaded and syncsockctl on PATH.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <syncsock/syncsock.hpp>

namespace {

// The value of "key": in the object that follows "section": in a JSON line.
double json_number(const std::string &line, const std::string &section, const std::string &key)
{
	auto s = line.find("\"" + section + "\":{");
	REQUIRE(s != std::string::npos);
	auto k = line.find("\"" + key + "\":", s);
	REQUIRE(k != std::string::npos);
	return std::stod(line.substr(k + key.size() + 3));
}

} // namespace

TEST_CASE("stats --watch shows the rate a client produces")
{
	auto dev = syncsock::Device::open();
	REQUIRE(dev);
	syncsock::ListenerConfig c;
	c.address = *syncsock::parse_address("127.0.0.1:7420");
	c.handler = "discard";
	auto id = dev->listener_add(c);
	REQUIRE(id);

	const int blocks_per_sec = 300, block = 1000, seconds = 7;
	std::atomic<bool> ok{true};
	std::atomic<std::uint64_t> sent{0};
	std::thread client([&] {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(7420);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a))) {
			ok = false;
			return;
		}
		std::vector<char> buf(block, 'r');
		auto next = std::chrono::steady_clock::now();
		for (int i = 0; i < blocks_per_sec * seconds; i++) {
			next += std::chrono::microseconds(1000000 / blocks_per_sec);
			std::this_thread::sleep_until(next);
			if (write(fd, buf.data(), buf.size()) != block)
				ok = false;
			else
				sent += block;
		}
		close(fd);
	});

	// Let the client reach its pace, then sample four one-second intervals.
	std::this_thread::sleep_for(std::chrono::milliseconds(1200));
	std::string cmd = "syncsockctl -j stats " + std::to_string(*id) + " --watch 1 --count 4";
	auto t0 = std::chrono::steady_clock::now();
	std::uint64_t sent0 = sent;
	FILE *p = popen(cmd.c_str(), "r");
	REQUIRE(p);
	std::vector<std::string> lines;
	char line[16384];
	while (fgets(line, sizeof(line), p))
		lines.emplace_back(line);
	std::uint64_t sent1 = sent;
	auto t1 = std::chrono::steady_clock::now();
	CHECK(pclose(p) == 0);
	client.join();
	CHECK(ok);

	REQUIRE(lines.size() == 4);
	// What the client really produced while the CLI watched.
	const double achieved =
		double(sent1 - sent0) / std::chrono::duration<double>(t1 - t0).count();
	double shown = 0, watched = 0;
	for (auto &l : lines) {
		double interval = json_number("{\"x\":{" + l, "x", "interval");
		double rate = json_number(l, "rates", "rx_bytes");
		INFO("sample: " << l);
		// The CLI reports the interval it really measured.
		CHECK(interval >= 0.9);
		CHECK(interval < 3.0);
		shown += rate * interval;
		watched += interval;
	}
	INFO("client achieved " << achieved << " B/s, nominal " << blocks_per_sec * block);
	CHECK(shown / watched == Approx(achieved).epsilon(0.2));
	CHECK(achieved > 0.25 * blocks_per_sec * block);
	REQUIRE(dev->listener_del(*id, true));
}
