// SPDX-License-Identifier: GPL-2.0
//
// Documentation that stays true: the operator guide's lists, tested against
// the code they describe (the counters and close reasons the library names
// from the uapi header, the built-in handlers of module/handlers/).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <linux/syncsock.h>
#include <syncsock/syncsock.hpp>

namespace {

std::string slurp(const std::filesystem::path &p)
{
	std::ifstream f(p);
	REQUIRE(f);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

const std::filesystem::path kTop = SYNCSOCK_TOP_DIR;

} // namespace

TEST_CASE("docs: the operator guide names every counter and close reason", "[docs]")
{
	std::string guide = slurp(kTop / "Documentation/operator-guide.md");
	// Its table of counters: the names in backquotes in the first column.
	auto at = guide.find("### What the counters mean");
	REQUIRE(at != std::string::npos);
	std::string table = guide.substr(at, guide.find("\n\n", guide.find("| --- |", at)) - at);
	std::set<std::string> named;
	std::regex row(R"(^\| ([^|]*) \|)");
	std::regex word(R"(`([a-z0-9_]+)`)");
	std::istringstream in(table);
	for (std::string line; std::getline(in, line);) {
		std::smatch m;
		if (!std::regex_search(line, m, row))
			continue;
		std::string cell = m[1];
		for (auto it = std::sregex_iterator(cell.begin(), cell.end(), word);
		     it != std::sregex_iterator(); ++it)
			named.insert((*it)[1]);
		// "app0 ... app3" names four.
		if (cell.find("`app0` ... `app3`") != std::string::npos)
			named.insert({"app1", "app2"});
	}
	for (auto &n : syncsock::stat_names(SYNCSOCK_STAT_MAX, SYNCSOCK_CLOSE_REASONS)) {
		INFO(n);
		CHECK(named.count(n));
	}
	// The example of `syncsockctl version` says this module's numbers.
	std::regex version(R"(syncsock\.ko 0\.1 \(ABI 1, ([0-9]+) counters, ([0-9]+) close reasons)");
	std::smatch m;
	REQUIRE(std::regex_search(guide, m, version));
	CHECK(std::stoi(m[1]) == SYNCSOCK_STAT_MAX);
	CHECK(std::stoi(m[2]) == SYNCSOCK_CLOSE_REASONS);
}

TEST_CASE("docs: the operator guide's handler list is the module's built-ins", "[docs]")
{
	std::set<std::string> builtin;
	std::regex name(R"re(\.name\s*=\s*"([a-z0-9_]+)")re");
	for (auto &e : std::filesystem::directory_iterator(kTop / "module/handlers")) {
		if (e.path().extension() != ".c")
			continue;
		std::string src = slurp(e.path());
		for (auto it = std::sregex_iterator(src.begin(), src.end(), name);
		     it != std::sregex_iterator(); ++it)
			builtin.insert((*it)[1]);
	}
	REQUIRE(builtin.size() >= 5);
	std::string guide = slurp(kTop / "Documentation/operator-guide.md");
	auto at = guide.find("$ sudo syncsockctl handler list");
	REQUIRE(at != std::string::npos);
	std::set<std::string> listed;
	std::istringstream in(guide.substr(at, guide.find("\n\n", at) - at));
	std::string line;
	std::getline(in, line);	// the command
	std::getline(in, line);	// the header
	while (std::getline(in, line)) {
		std::istringstream w(line);
		std::string n, module;
		w >> n >> module;
		if (module == "syncsock")
			listed.insert(n);
	}
	CHECK(listed == builtin);
}
