// SPDX-License-Identifier: GPL-2.0
//
// The user-space server paths.  Each is written the way a careful server of
// its kind is: no copy it does not need, no system call it can avoid.
#include "servers.hpp"

#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http.hpp"
#include "net.hpp"

namespace ssb {

bool valid_server_kind(const std::string &kind)
{
	return kind == "blocking" || kind == "epoll" || kind == "epoll-reuseport" ||
	       kind == "epoll-busy" || kind == "io_uring" || kind == "spin" || kind == "http" ||
	       kind == "relay";
}

// <linux/eventpoll.h> of 6.9 and later; the build host's may be older.
struct BusyEpollParams {
	std::uint32_t busy_poll_usecs;
	std::uint16_t busy_poll_budget;
	std::uint8_t prefer_busy_poll;
	std::uint8_t pad;
};
#define SSB_EPIOCSPARAMS _IOW(0x8A, 0x01, BusyEpollParams)

bool set_epoll_busy_poll(int ep)
{
	BusyEpollParams p{kBusyPollUsecs, kBusyPollBudget, 1, 0};
	return ioctl(ep, SSB_EPIOCSPARAMS, &p) == 0;
}

bool epoll_busy_poll_supported()
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return false;
	bool ok = set_epoll_busy_poll(ep);
	close(ep);
	return ok;
}

namespace {

int worker_cpu(const ServerConfig &cfg, std::size_t i)
{
	return cfg.cpus.empty() ? -1 : cfg.cpus[i % cfg.cpus.size()];
}

// Send as much of @p as the socket takes without blocking: the count sent,
// or -1 on an error other than EAGAIN.
ssize_t send_some(int fd, const char *p, std::size_t len)
{
	std::size_t done = 0;
	while (done < len) {
		ssize_t w = send(fd, p + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			done += std::size_t(w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;
	}
	return ssize_t(done);
}

// ---- epoll (echo and http) ----------------------------------------------

struct EConn {
	int fd;
	std::string out;	// what the socket did not take yet
	std::size_t out_off = 0;
	std::unique_ptr<http::Session> http;
	bool close_after = false;
};

class EpollWorker {
public:
	EpollWorker(bool http, int cpu, bool busy = false) : http_(http), cpu_(cpu)
	{
		ep_ = epoll_create1(EPOLL_CLOEXEC);
		if (ep_ < 0)
			throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
		// Where the kernel has no per-epoll parameters (before 6.9),
		// net.core.busy_poll does it (start_server_process()).
		if (busy)
			(void)set_epoll_busy_poll(ep_);
		thread_ = std::thread([this] { run(); });
		thread_.detach();
	}

	void add(int fd)
	{
		auto *c = new EConn{fd, {}, 0, nullptr, false};
		if (http_)
			c->http = std::make_unique<http::Session>();
		// Both directions, edge-triggered, registered once: EPOLLOUT
		// only fires after a send met a full buffer.
		epoll_event ev{};
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			delete c;
		}
	}

	// epoll-reuseport: this worker's own listener, accepted from in its
	// loop.  Throws std::runtime_error.
	void listen_on(int lfd)
	{
		set_nonblock(lfd);
		epoll_event ev{};
		ev.events = EPOLLIN;	// level-triggered: a batch at a time
		ev.data.ptr = &listener_;
		if (epoll_ctl(ep_, EPOLL_CTL_ADD, lfd, &ev) < 0)
			throw std::runtime_error(std::string("epoll_ctl (listener): ") + strerror(errno));
		lfd_ = lfd;
	}

private:
	void drop(EConn *c)
	{
		close(c->fd);
		delete c;
	}

	// Send what is pending; false when it still is (or the conn died).
	bool flush(EConn *c, bool &dead)
	{
		if (c->out_off == c->out.size())
			return true;
		ssize_t w = send_some(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off);
		if (w < 0) {
			dead = true;
			return false;
		}
		c->out_off += std::size_t(w);
		if (c->out_off < c->out.size())
			return false;
		c->out.clear();
		c->out_off = 0;
		if (c->close_after) {
			dead = true;
			return false;
		}
		return true;
	}

	void handle(EConn *c)
	{
		bool dead = false;
		if (!flush(c, dead)) {
			if (dead)
				drop(c);
			return;
		}
		while (true) {
			ssize_t n = recv(c->fd, buf_, sizeof(buf_), 0);
			if (n > 0) {
				if (http_) {
					if (!c->http->feed(buf_, std::size_t(n), c->out))
						c->close_after = true;
				} else {
					ssize_t w = send_some(c->fd, buf_, std::size_t(n));
					if (w < 0) {
						drop(c);
						return;
					}
					if (w < n)
						c->out.assign(buf_ + w, std::size_t(n - w));
				}
				if (!flush(c, dead)) {
					// Backpressure: read on once EPOLLOUT says
					// the pending bytes went.
					if (dead)
						drop(c);
					return;
				}
				// A short read drained the socket (epoll(7)):
				// the next byte brings a new edge.
				if (std::size_t(n) < sizeof(buf_))
					return;
				continue;
			}
			if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
				drop(c);
				return;
			}
			if (errno == EINTR)
				continue;
			return;
		}
	}

	// Up to 64 connections from the listener, then back to the others.
	void accept_some()
	{
		for (int i = 0; i < 64; i++) {
			int fd = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
				    errno == ENOBUFS)
					std::fprintf(stderr, "syncsock-bench: accept: %s\n", strerror(errno));
				return;	// EAGAIN, or try again at the next event
			}
			add(fd);	// TCP_NODELAY comes from the listener
		}
	}

	void run()
	{
		pin_self(cpu_);
		epoll_event evs[256];
		while (true) {
			int n = epoll_wait(ep_, evs, 256, -1);
			for (int i = 0; i < n; i++) {
				if (evs[i].data.ptr == &listener_)
					accept_some();
				else
					handle(static_cast<EConn *>(evs[i].data.ptr));
			}
		}
	}

	bool http_;
	int cpu_;
	int ep_ = -1;
	int lfd_ = -1;
	char listener_ = 0;	// its address marks the listener's events
	std::thread thread_;
	char buf_[65536];
};

// ---- blocking --------------------------------------------------------------

struct BlockingArg {
	int fd;
	int cpu;
};

void *blocking_conn(void *p)
{
	std::unique_ptr<BlockingArg> a(static_cast<BlockingArg *>(p));
	pin_self(a->cpu);
	char buf[16384];
	while (true) {
		ssize_t n = recv(a->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ssize_t off = 0;
		while (off < n) {
			ssize_t w = send(a->fd, buf + off, std::size_t(n - off), MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	close(a->fd);
	return nullptr;
}

// ---- spin ------------------------------------------------------------------

class SpinWorker {
public:
	explicit SpinWorker(int cpu) : cpu_(cpu)
	{
		std::thread([this] { run(); }).detach();
	}

	void add(int fd)
	{
		set_nonblock(fd);
		std::lock_guard<std::mutex> g(lock_);
		incoming_.push_back(fd);
		pending_.store(true, std::memory_order_release);
	}

private:
	struct SConn {
		int fd;
		std::string out;
	};

	void run()
	{
		pin_self(cpu_);
		std::vector<SConn> conns;
		while (true) {
			if (pending_.load(std::memory_order_acquire)) {
				std::lock_guard<std::mutex> g(lock_);
				for (int fd : incoming_)
					conns.push_back({fd, {}});
				incoming_.clear();
				pending_.store(false, std::memory_order_relaxed);
			}
			bool busy = false;
			for (std::size_t i = 0; i < conns.size();) {
				SConn &c = conns[i];
				bool dead = false;
				if (!c.out.empty()) {
					ssize_t w = send_some(c.fd, c.out.data(), c.out.size());
					if (w < 0)
						dead = true;
					else
						c.out.erase(0, std::size_t(w));
				}
				if (!dead && c.out.empty()) {
					ssize_t n = recv(c.fd, buf_, sizeof(buf_), MSG_DONTWAIT);
					if (n > 0) {
						busy = true;
						ssize_t w = send_some(c.fd, buf_, std::size_t(n));
						if (w < 0)
							dead = true;
						else if (w < n)
							c.out.assign(buf_ + w, std::size_t(n - w));
					} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
							      errno != EINTR)) {
						dead = true;
					}
				}
				if (dead) {
					close(c.fd);
					c = std::move(conns.back());
					conns.pop_back();
					continue;
				}
				i++;
			}
			// Nothing came in this pass: let whatever else wants
			// this CPU (the client, on a shared vCPU) run, then poll
			// again.  Never sleeps.
			if (!busy)
				sched_yield();
		}
	}

	int cpu_;
	std::mutex lock_;
	std::vector<int> incoming_;
	std::atomic<bool> pending_{false};
	char buf_[65536];
};

// Connections the accepting thread hands a worker: a queue, and an eventfd
// that wakes the worker's loop (a read in its ring, or an epoll event).
class Handoff {
public:
	explicit Handoff(int flags)
	{
		efd_ = eventfd(0, flags | EFD_CLOEXEC);
		if (efd_ < 0)
			throw std::runtime_error(std::string("eventfd: ") + strerror(errno));
	}
	int fd() const { return efd_; }
	void push(int fd)
	{
		{
			std::lock_guard<std::mutex> g(lock_);
			incoming_.push_back(fd);
		}
		std::uint64_t one = 1;
		(void)!write(efd_, &one, sizeof(one));
	}
	std::vector<int> take()
	{
		std::vector<int> fds;
		std::lock_guard<std::mutex> g(lock_);
		fds.swap(incoming_);
		return fds;
	}

private:
	int efd_ = -1;
	std::mutex lock_;
	std::vector<int> incoming_;
};

// ---- io_uring --------------------------------------------------------------

class UringWorker {
public:
	static constexpr unsigned kBufs = 4096;		// a power of two
	static constexpr unsigned kBufSize = 4096;
	static constexpr unsigned kGroup = 0;
	static constexpr std::size_t kMaxIov = 64;

	explicit UringWorker(int cpu) : cpu_(cpu), inbox_(0) {}

	// Set up in the worker thread itself: the ring is single-issuer.
	void start(std::string &error)
	{
		std::atomic<int> state{0};
		std::thread([this, &state, &error] {
			pin_self(cpu_);
			std::string e = setup();
			if (!e.empty())
				error = e;
			state.store(e.empty() ? 1 : 2);
			if (e.empty())
				run();
		}).detach();
		while (state.load() == 0)
			usleep(1000);
	}

	void add(int fd) { inbox_.push(fd); }

private:
	enum Op : std::uint64_t { kRecv = 1, kSend = 2, kEvent = 3 };

	// Bytes received into provided buffer @bid, @off of them sent.
	struct Pending {
		std::uint16_t bid;
		std::uint32_t len;
		std::uint32_t off;
	};

	// Heap-allocated, never moved: the kernel reads msg and iov.
	struct UConn {
		int fd = -1;
		bool recv_armed = false;
		bool sending = false;
		bool closing = false;
		bool dirty = false;		// has queued bytes to send
		std::deque<Pending> q;		// received, not yet handed to a send
		std::vector<Pending> inflight;	// in the send in flight
		std::vector<iovec> iov;
		msghdr msg{};
	};

	static std::uint64_t tag(Op op, std::uint32_t slot)
	{
		return std::uint64_t(op) << 56 | slot;
	}

	std::string setup()
	{
		io_uring_params p{};
		p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER |
			  IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN;
		p.cq_entries = 32768;
		int r = io_uring_queue_init_params(1024, &ring_, &p);
		if (r == -EINVAL) {
			// Older kernels: no single-issuer or deferred task work.
			p = io_uring_params{};
			p.flags = IORING_SETUP_CQSIZE;
			p.cq_entries = 32768;
			r = io_uring_queue_init_params(1024, &ring_, &p);
		}
		if (r < 0)
			return std::string("io_uring_queue_init: ") + strerror(-r);

		// The provided-buffer ring, registered by hand (liburing 2.3
		// has no io_uring_setup_buf_ring).
		std::size_t ring_bytes = kBufs * sizeof(io_uring_buf);
		void *mem = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return std::string("mmap: ") + strerror(errno);
		br_ = static_cast<io_uring_buf_ring *>(mem);
		io_uring_buf_reg reg{};
		reg.ring_addr = reinterpret_cast<std::uint64_t>(mem);
		reg.ring_entries = kBufs;
		reg.bgid = kGroup;
		r = io_uring_register_buf_ring(&ring_, &reg, 0);
		if (r < 0)
			return std::string("io_uring_register_buf_ring: ") + strerror(-r);
		io_uring_buf_ring_init(br_);
		bufs_.reset(new char[std::size_t(kBufs) * kBufSize]);
		for (unsigned i = 0; i < kBufs; i++)
			io_uring_buf_ring_add(br_, buf(i), kBufSize, std::uint16_t(i),
					      io_uring_buf_ring_mask(kBufs), int(i));
		io_uring_buf_ring_advance(br_, kBufs);
		arm_event();
		return {};
	}

	char *buf(unsigned bid) { return bufs_.get() + std::size_t(bid) * kBufSize; }

	void recycle(std::uint16_t bid)
	{
		io_uring_buf_ring_add(br_, buf(bid), kBufSize, bid, io_uring_buf_ring_mask(kBufs), 0);
		io_uring_buf_ring_advance(br_, 1);
		// Connections whose receive stopped for want of buffers.
		while (!starved_.empty()) {
			std::uint32_t s = starved_.back();
			starved_.pop_back();
			UConn *c = conns_[s].get();
			if (c->fd >= 0 && !c->closing && !c->recv_armed)
				arm_recv(s);
		}
	}

	io_uring_sqe *sqe()
	{
		io_uring_sqe *s = io_uring_get_sqe(&ring_);
		if (!s) {
			io_uring_submit(&ring_);
			s = io_uring_get_sqe(&ring_);
		}
		return s;
	}

	void arm_event()
	{
		io_uring_sqe *s = sqe();
		io_uring_prep_read(s, inbox_.fd(), &efd_val_, sizeof(efd_val_), 0);
		io_uring_sqe_set_data64(s, tag(kEvent, 0));
	}

	void arm_recv(std::uint32_t slot)
	{
		io_uring_sqe *s = sqe();
		io_uring_prep_recv_multishot(s, conns_[slot]->fd, nullptr, 0, 0);
		s->flags |= IOSQE_BUFFER_SELECT;
		s->buf_group = kGroup;
		io_uring_sqe_set_data64(s, tag(kRecv, slot));
		conns_[slot]->recv_armed = true;
	}

	void mark(std::uint32_t slot)
	{
		UConn *c = conns_[slot].get();
		if (!c->dirty) {
			c->dirty = true;
			dirty_.push_back(slot);
		}
	}

	// One send (sendmsg of every buffer queued, up to kMaxIov) per
	// connection at a time: sends on a stream socket complete in order
	// only if issued one after the other.
	void start_send(std::uint32_t slot)
	{
		UConn *c = conns_[slot].get();
		if (c->sending || c->closing || c->q.empty())
			return;
		c->inflight.clear();
		c->iov.clear();
		while (!c->q.empty() && c->inflight.size() < kMaxIov) {
			Pending p = c->q.front();
			c->q.pop_front();
			c->inflight.push_back(p);
			c->iov.push_back({buf(p.bid) + p.off, p.len - p.off});
		}
		c->msg = msghdr{};
		c->msg.msg_iov = c->iov.data();
		c->msg.msg_iovlen = c->iov.size();
		io_uring_sqe *s = sqe();
		if (c->iov.size() == 1)
			io_uring_prep_send(s, c->fd, c->iov[0].iov_base, c->iov[0].iov_len, MSG_NOSIGNAL);
		else
			io_uring_prep_sendmsg(s, c->fd, &c->msg, MSG_NOSIGNAL);
		io_uring_sqe_set_data64(s, tag(kSend, slot));
		c->sending = true;
	}

	void maybe_close(std::uint32_t slot)
	{
		UConn *c = conns_[slot].get();
		if (!c->closing || c->sending || c->recv_armed)
			return;
		for (auto &p : c->inflight)
			recycle(p.bid);
		c->inflight.clear();
		while (!c->q.empty()) {
			recycle(c->q.front().bid);
			c->q.pop_front();
		}
		close(c->fd);
		bool dirty = c->dirty;
		*c = UConn{};
		c->dirty = dirty;	// still listed in dirty_
		free_.push_back(slot);
	}

	void take_new()
	{
		for (int fd : inbox_.take()) {
			std::uint32_t slot;
			if (!free_.empty()) {
				slot = free_.back();
				free_.pop_back();
			} else {
				slot = std::uint32_t(conns_.size());
				conns_.push_back(std::make_unique<UConn>());
			}
			conns_[slot]->fd = fd;
			arm_recv(slot);
		}
	}

	void on_cqe(const io_uring_cqe *cqe)
	{
		std::uint64_t d = io_uring_cqe_get_data64(cqe);
		auto op = Op(d >> 56);
		auto slot = std::uint32_t(d & 0xffffffffu);
		if (op == kEvent) {
			take_new();
			arm_event();
			return;
		}
		UConn *c = conns_[slot].get();
		if (op == kRecv) {
			bool more = cqe->flags & IORING_CQE_F_MORE;
			if (!more)
				c->recv_armed = false;
			if (cqe->res > 0) {
				auto bid = std::uint16_t(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
				c->q.push_back({bid, std::uint32_t(cqe->res), 0});
				if (!c->closing)
					mark(slot);
				if (!more && !c->closing)
					arm_recv(slot);
			} else if (cqe->res == -ENOBUFS) {
				if (!c->closing)
					starved_.push_back(slot);
			} else {
				c->closing = true;	// EOF or error
			}
			maybe_close(slot);
			return;
		}
		// kSend: what went, in order; the rest waits for the next send.
		c->sending = false;
		if (cqe->res < 0) {
			c->closing = true;
		} else {
			auto left = std::uint32_t(cqe->res);
			std::size_t i = 0;
			for (; i < c->inflight.size(); i++) {
				Pending &p = c->inflight[i];
				std::uint32_t n = std::min(left, p.len - p.off);
				p.off += n;
				left -= n;
				if (p.off < p.len)
					break;
				recycle(p.bid);
			}
			for (std::size_t j = c->inflight.size(); j > i; j--)
				c->q.push_front(c->inflight[j - 1]);
			c->inflight.clear();
			if (!c->q.empty() && !c->closing)
				mark(slot);
		}
		maybe_close(slot);
	}

	void flush_dirty()
	{
		for (std::uint32_t s : dirty_) {
			conns_[s]->dirty = false;
			if (conns_[s]->fd >= 0)
				start_send(s);
		}
		dirty_.clear();
	}

	void run()
	{
		io_uring_cqe *cqes[256];
		while (true) {
			int r = io_uring_submit_and_wait(&ring_, 1);
			if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
				std::fprintf(stderr, "syncsock-bench: io_uring_submit_and_wait: %s\n",
					     strerror(-r));
				_exit(1);
			}
			// At most 256 completions at a time, then what they
			// received goes out (one send per connection) before
			// more is taken: buffers held waiting for a send stay
			// few, even with 10,000 connections.
			while (unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 256)) {
				for (unsigned i = 0; i < n; i++)
					on_cqe(cqes[i]);
				io_uring_cq_advance(&ring_, n);
				if (!dirty_.empty()) {
					flush_dirty();
					if (n == 256)
						io_uring_submit(&ring_);
				}
				if (n < 256)
					break;
			}
		}
	}

	int cpu_;
	Handoff inbox_;
	std::uint64_t efd_val_ = 0;
	io_uring ring_{};
	io_uring_buf_ring *br_ = nullptr;
	std::unique_ptr<char[]> bufs_;
	std::vector<std::unique_ptr<UConn>> conns_;
	std::vector<std::uint32_t> free_;
	std::vector<std::uint32_t> starved_;
	std::vector<std::uint32_t> dirty_;
};

// ---- relay: the user-space proxy ------------------------------------------

struct RelayPair;

// One socket of a pair, and what was read from it that its peer has not
// taken yet.
struct RelaySide {
	int fd = -1;
	RelaySide *peer = nullptr;
	RelayPair *pair = nullptr;
	std::string pend;
	std::size_t pend_off = 0;
	bool eof = false;	// this side's FIN was read
	bool shut = false;	// and passed on: the peer was shut for writing
};

struct RelayPair {
	RelaySide client, backend;
	bool connected = false;	// the backend's connect completed
	bool dead = false;
};

class RelayWorker {
public:
	RelayWorker(const sockaddr_in &backend, int cpu)
		: backend_(backend), cpu_(cpu), inbox_(EFD_NONBLOCK)
	{
		ep_ = epoll_create1(EPOLL_CLOEXEC);
		if (ep_ < 0)
			throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
		epoll_event ev{};
		ev.events = EPOLLIN;
		ev.data.ptr = &wake_;
		if (epoll_ctl(ep_, EPOLL_CTL_ADD, inbox_.fd(), &ev) < 0)
			throw std::runtime_error(std::string("epoll_ctl: ") + strerror(errno));
		std::thread([this] { run(); }).detach();
	}

	// From the accepting thread: the worker sets the pair up itself, so
	// no other thread ever touches a pair.
	void add(int fd) { inbox_.push(fd); }

private:
	void setup(int cfd)
	{
		int bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (bfd < 0) {
			close_abort(cfd);
			return;
		}
		set_nodelay(bfd);
		if (connect(bfd, reinterpret_cast<const sockaddr *>(&backend_), sizeof(backend_)) < 0 &&
		    errno != EINPROGRESS) {
			close(bfd);
			close_abort(cfd);
			return;
		}
		auto *p = new RelayPair;
		p->client.fd = cfd;
		p->backend.fd = bfd;
		p->client.peer = &p->backend;
		p->backend.peer = &p->client;
		p->client.pair = p->backend.pair = p;
		for (RelaySide *s : {&p->client, &p->backend}) {
			epoll_event ev{};
			ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
			ev.data.ptr = s;
			if (epoll_ctl(ep_, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
				kill(p);
				return;
			}
		}
	}

	// A reset or an error on either side: both go, with a reset.
	void kill(RelayPair *p)
	{
		if (p->dead)
			return;
		p->dead = true;
		close_abort(p->client.fd);
		close_abort(p->backend.fd);
		graveyard_.push_back(p);
	}

	// Both directions done: both close gracefully.
	void finish(RelayPair *p)
	{
		p->dead = true;
		close(p->client.fd);
		close(p->backend.fd);
		graveyard_.push_back(p);
	}

	// Move what @s received to its peer: first what the peer did not
	// take before, then read on until the socket is empty or the peer
	// full (then the peer's EPOLLOUT edge brings us back).
	void pump(RelaySide *s)
	{
		RelayPair *p = s->pair;
		int to = s->peer->fd;
		if (s->pend_off < s->pend.size()) {
			ssize_t w = send_some(to, s->pend.data() + s->pend_off,
					      s->pend.size() - s->pend_off);
			if (w < 0)
				return kill(p);
			s->pend_off += std::size_t(w);
			if (s->pend_off < s->pend.size())
				return;
			s->pend.clear();
			s->pend_off = 0;
		}
		while (!s->eof) {
			ssize_t n = recv(s->fd, buf_, sizeof(buf_), 0);
			if (n > 0) {
				ssize_t w = send_some(to, buf_, std::size_t(n));
				if (w < 0)
					return kill(p);
				if (w < n) {
					s->pend.assign(buf_ + w, std::size_t(n - w));
					return;
				}
				continue;
			}
			if (n == 0) {
				s->eof = true;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			return kill(p);
		}
		if (!s->shut) {
			s->shut = true;
			if (shutdown(to, SHUT_WR) < 0)
				return kill(p);
		}
		if (s->peer->shut && s->peer->pend_off == s->peer->pend.size())
			finish(p);
	}

	void event(RelaySide *s, std::uint32_t events)
	{
		RelayPair *p = s->pair;
		if (p->dead)
			return;
		if (!p->connected) {
			if (s == &p->client) {
				// Not read until the backend answers: its
				// window closes.  A reset ends it.
				if (events & (EPOLLERR | EPOLLHUP))
					kill(p);
				return;
			}
			int err = 0;
			socklen_t len = sizeof(err);
			if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err ||
			    (events & (EPOLLERR | EPOLLHUP)))
				return kill(p);
			if (!(events & EPOLLOUT))
				return;
			p->connected = true;
			pump(&p->client);
			if (!p->dead)
				pump(&p->backend);
			return;
		}
		if (events & EPOLLERR)
			return kill(p);
		// Readable (or its FIN): move its bytes on.  Writable: what
		// its peer could not give it goes now, and the peer is read on.
		// Only then: an edge reports the socket's whole state, so
		// EPOLLOUT comes with every EPOLLIN, and a peer with nothing
		// pending ended its last pump at EAGAIN or EOF, its own edge
		// still armed (no recv() that can only say EAGAIN).
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
			pump(s);
		RelaySide *q = s->peer;
		if (!p->dead && (events & EPOLLOUT) && q->pend_off < q->pend.size())
			pump(q);
	}

	void run()
	{
		pin_self(cpu_);
		epoll_event evs[256];
		while (true) {
			int n = epoll_wait(ep_, evs, 256, -1);
			for (int i = 0; i < n; i++) {
				if (evs[i].data.ptr == &wake_) {
					std::uint64_t v;
					(void)!read(inbox_.fd(), &v, sizeof(v));
					for (int fd : inbox_.take())
						setup(fd);
					continue;
				}
				event(static_cast<RelaySide *>(evs[i].data.ptr), evs[i].events);
			}
			// Freed only now: later events of this batch may name them.
			for (RelayPair *p : graveyard_)
				delete p;
			graveyard_.clear();
		}
	}

	sockaddr_in backend_;
	int cpu_;
	Handoff inbox_;
	int ep_ = -1;
	char wake_ = 0;	// its address marks the eventfd's events
	std::vector<RelayPair *> graveyard_;
	char buf_[65536];
};

void say_ready(int fd)
{
	if (fd < 0)
		return;
	(void)!write(fd, "ready\n", 6);
	close(fd);
}

} // namespace

int run_server(const ServerConfig &cfg)
{
	int lfd;
	const bool reuseport = cfg.kind == "epoll-reuseport";
	try {
		lfd = listen_tcp(cfg.host, cfg.port, cfg.backlog, reuseport);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "syncsock-bench: %s server: %s\n", cfg.kind.c_str(), e.what());
		return 1;
	}
	if (cfg.kind == "epoll-busy") {
		// Accepted sockets inherit these from the listener.
		int usecs = kBusyPollUsecs, one = 1, budget = kBusyPollBudget;
		if (setsockopt(lfd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) ||
		    setsockopt(lfd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
		    setsockopt(lfd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget))) {
			std::fprintf(stderr, "syncsock-bench: epoll-busy server: busy-poll socket options: %s\n",
				     strerror(errno));
			return 1;
		}
	}
	unsigned nthreads = cfg.threads ? cfg.threads : 1;
	std::vector<std::unique_ptr<EpollWorker>> ep;
	std::vector<std::unique_ptr<SpinWorker>> sp;
	std::vector<std::unique_ptr<UringWorker>> ur;
	std::vector<std::unique_ptr<RelayWorker>> rl;
	sockaddr_in backend{};
	if (cfg.kind == "relay") {
		auto colon = cfg.backend.rfind(':');
		try {
			if (colon == std::string::npos)
				throw std::runtime_error("no port");
			int bport = std::stoi(cfg.backend.substr(colon + 1));
			if (bport < 1 || bport > 65535)
				throw std::runtime_error("no port");
			backend = make_addr(cfg.backend.substr(0, colon), std::uint16_t(bport));
		} catch (const std::exception &) {
			std::fprintf(stderr, "syncsock-bench: relay: --backend '%s': give IPv4 ADDRESS:PORT\n",
				     cfg.backend.c_str());
			close(lfd);
			return 1;
		}
	}
	try {
		for (unsigned i = 0; i < nthreads; i++) {
			int cpu = worker_cpu(cfg, i);
			if (cfg.kind == "epoll" || cfg.kind == "epoll-busy" || cfg.kind == "http" ||
			    reuseport) {
				ep.push_back(std::make_unique<EpollWorker>(cfg.kind == "http", cpu,
									   cfg.kind == "epoll-busy"));
				// A listener each, in one SO_REUSEPORT group: the
				// kernel spreads new connections over them.
				if (reuseport)
					ep.back()->listen_on(i ? listen_tcp(cfg.host, cfg.port, cfg.backlog,
									   true)
							       : lfd);
			} else if (cfg.kind == "relay") {
				rl.push_back(std::make_unique<RelayWorker>(backend, cpu));
			} else if (cfg.kind == "spin") {
				sp.push_back(std::make_unique<SpinWorker>(cpu));
			} else if (cfg.kind == "io_uring") {
				ur.push_back(std::make_unique<UringWorker>(cpu));
				std::string err;
				ur.back()->start(err);
				if (!err.empty())
					throw std::runtime_error(err);
			}
		}
	} catch (const std::exception &e) {
		std::fprintf(stderr, "syncsock-bench: %s server: %s\n", cfg.kind.c_str(), e.what());
		return 1;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

	say_ready(cfg.ready_fd);
	if (reuseport)
		while (true)
			pause();	// the workers accept
	for (std::uint64_t i = 0;; i++) {
		int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
				std::fprintf(stderr, "syncsock-bench: accept: %s\n", strerror(errno));
				usleep(10000);
				continue;
			}
			std::fprintf(stderr, "syncsock-bench: accept: %s\n", strerror(errno));
			return 1;
		}
		set_nodelay(fd);
		if (cfg.kind == "blocking") {
			auto *a = new BlockingArg{fd, worker_cpu(cfg, i)};
			pthread_t t;
			if (pthread_create(&t, &attr, blocking_conn, a) != 0) {
				std::fprintf(stderr, "syncsock-bench: no thread for connection %llu\n",
					     static_cast<unsigned long long>(i));
				close(fd);
				delete a;
			}
		} else if (!ep.empty()) {
			set_nonblock(fd);
			ep[i % ep.size()]->add(fd);
		} else if (!sp.empty()) {
			sp[i % sp.size()]->add(fd);
		} else if (!rl.empty()) {
			set_nonblock(fd);
			rl[i % rl.size()]->add(fd);
		} else {
			ur[i % ur.size()]->add(fd);
		}
	}
}

} // namespace ssb
