// SPDX-License-Identifier: GPL-2.0
//
// The kernel path: syncsock listeners, through libsyncsock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <syncsock/syncsock.hpp>

namespace ssb {

class KernelControl {
public:
	// Open the control device; nullopt (and @error) if the module is not
	// loaded or speaks another ABI.
	static std::unique_ptr<KernelControl> open(const std::string &device, std::string &error);
	~KernelControl();

	// The listener on @host:@port serving @handler: an existing one (e.g.
	// added by syncsockctl) or, when none, a new one this object deletes
	// when it goes.  0 and @error on failure.
	std::uint32_t ensure(const std::string &host, std::uint16_t port, const std::string &handler,
			     const std::string &config, std::string &error, bool *added = nullptr);
	// A listener's counters, by name.
	std::map<std::string, std::uint64_t> counters(std::uint32_t id);
	std::string module_version() const { return version_; }
	unsigned nr_conns(std::uint32_t id);

private:
	explicit KernelControl(syncsock::Device dev) : dev_(std::move(dev)) {}
	syncsock::Device dev_;
	std::string version_;
	std::vector<std::uint32_t> added_;
};

} // namespace ssb
