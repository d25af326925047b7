// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ListenerGuard: a listener deleted when its guard goes.
#include <syncsock/syncsock.hpp>

namespace syncsock {

Result<ListenerGuard> ListenerGuard::add(Control &control, const ListenerConfig &config,
					 bool abort) noexcept
{
	auto id = control.listener_add(config);
	if (!id)
		return id.error();
	return ListenerGuard(control, *id, abort);
}

ListenerGuard &ListenerGuard::operator=(ListenerGuard &&other) noexcept
{
	if (this != &other) {
		(void)reset();
		control_ = std::exchange(other.control_, nullptr);
		id_ = std::exchange(other.id_, 0);
		abort_ = other.abort_;
	}
	return *this;
}

std::uint32_t ListenerGuard::release() noexcept
{
	control_ = nullptr;
	return std::exchange(id_, 0);
}

Result<void> ListenerGuard::reset() noexcept
{
	Control *c = std::exchange(control_, nullptr);
	std::uint32_t id = std::exchange(id_, 0);
	if (!c)
		return {};
	return c->listener_del(id, abort_);
}

} // namespace syncsock
