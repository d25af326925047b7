// SPDX-License-Identifier: LGPL-2.1-or-later
#include <syncsock/syncsock.hpp>

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace syncsock {

void Fd::reset(int fd) noexcept
{
	// Linux releases the descriptor even when close() says EINTR; a retry
	// could close one another thread has just been given.
	if (fd_ >= 0)
		::close(fd_);
	fd_ = fd;
}

Result<Fd> Fd::open(const std::string &path, int flags) noexcept
{
	int fd;

	do
		fd = ::open(path.c_str(), flags | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return Error::from_errno(errno);
	return Fd(fd);
}

} // namespace syncsock
