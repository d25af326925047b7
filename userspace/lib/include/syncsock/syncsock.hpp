// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libsyncsock: the user-space control plane of syncsock.ko.
//
// Everything a program needs to manage the module through /dev/syncsock:
// listeners (add, delete, get, list), the pairs of connections their
// handlers forward between, counters, handlers and versions.  The ioctls and
// their structures (uapi/linux/syncsock.h) stay behind this header; callers
// never issue an ioctl themselves.
//
// Errors are values: every fallible call returns a Result<T> holding either
// the T or an Error (a std::error_code in std::system_category(), i.e. an
// errno, plus the kernel's or the library's explanation when there is one).
// No exception leaves the library: the public calls are noexcept.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace syncsock {

// The version of this library, e.g. "0.1".
std::string_view library_version() noexcept;

// The ABI version (SYNCSOCK_ABI_VERSION) this library was built against.
std::uint32_t library_abi_version() noexcept;

inline constexpr std::string_view kDefaultDevice = "/dev/syncsock";

// Why a call failed: an errno (std::system_category()) and, when the kernel
// or the library could say more, a message ("handler 'http' rejected its
// configuration: ...").  The message never repeats strerror().
struct Error {
	std::error_code code;
	std::string message;

	static Error from_errno(int err, std::string message = {}) noexcept
	{
		return Error{std::error_code(err, std::system_category()), std::move(message)};
	}
	int value() const noexcept { return code.value(); }
};

// A T or an Error: the subset of C++23's std::expected<T, Error> this library
// needs (g++ 12 has std::expected only in C++23 mode, and clang 14 not at
// all).  value(), operator* and operator-> on an error are bugs: they abort.
template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

	bool has_value() const noexcept { return v_.index() == 0; }
	explicit operator bool() const noexcept { return has_value(); }

	T &value() & { return *get(); }
	const T &value() const & { return *get(); }
	T &&value() && { return std::move(*get()); }
	T &operator*() & { return *get(); }
	const T &operator*() const & { return *get(); }
	T &&operator*() && { return std::move(*get()); }
	T *operator->() { return get(); }
	const T *operator->() const { return get(); }

	const Error &error() const
	{
		if (has_value())
			std::abort();
		return std::get<1>(v_);
	}

private:
	T *get()
	{
		if (!has_value())
			std::abort();
		return &std::get<0>(v_);
	}
	const T *get() const
	{
		if (!has_value())
			std::abort();
		return &std::get<0>(v_);
	}

	std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)) {}

	bool has_value() const noexcept { return !error_; }
	explicit operator bool() const noexcept { return has_value(); }
	const Error &error() const
	{
		if (!error_)
			std::abort();
		return *error_;
	}

private:
	std::optional<Error> error_;
};

// An owned file descriptor: move-only, closed once on destruction.  close()
// is not retried on EINTR: on Linux the descriptor is gone whatever it says.
class Fd {
public:
	Fd() noexcept = default;
	explicit Fd(int fd) noexcept : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	Fd &operator=(Fd &&other) noexcept
	{
		if (this != &other)
			reset(std::exchange(other.fd_, -1));
		return *this;
	}
	~Fd() { reset(); }

	int get() const noexcept { return fd_; }
	explicit operator bool() const noexcept { return fd_ >= 0; }
	int release() noexcept { return std::exchange(fd_, -1); }
	void reset(int fd = -1) noexcept;

	// open(2) with O_CLOEXEC added to @flags.
	static Result<Fd> open(const std::string &path, int flags) noexcept;

private:
	int fd_ = -1;
};

// An IPv4 or IPv6 address and a port.  @bytes holds the address in network
// byte order (IPv4 in the first 4 bytes); all zero is the any address.
struct Address {
	enum class Family { ipv4, ipv6 };

	Family family = Family::ipv4;
	std::array<std::uint8_t, 16> bytes{};
	std::uint16_t port = 0;
	std::uint32_t scope_id = 0;	// IPv6 interface index, else 0

	// "192.0.2.1", "::1", "fe80::1": the address alone, without scope.
	std::string host() const;
	// "192.0.2.1:80", "[::1]:80", "[fe80::1%2]:80".
	std::string to_string() const;
	bool operator==(const Address &) const = default;
};

// Parse a listening address.  Accepted, numeric only (no DNS):
//   192.0.2.1:80   [2001:db8::1]:80   [fe80::1%eth0]:80   [fe80::1%2]:80
//   192.0.2.1      2001:db8::1        fe80::1%eth0        (port separately)
//   any, *          0.0.0.0 (IPv4 any); use [::] for IPv6 any
//   localhost       127.0.0.1
// A port is 1-65535, decimal.  The port comes either in @text or as
// @port, never both, and one of them is required.  A scope (%IFNAME or
// %INDEX) is taken for IPv6 only, and an IPv6 link-local address needs one.
// Errors: EINVAL with a message naming what is wrong.
Result<Address> parse_address(std::string_view text,
			      std::optional<std::uint16_t> port = std::nullopt) noexcept;

// A port: 1-65535, decimal.  Errors: EINVAL with a message.
Result<std::uint16_t> parse_port(std::string_view text) noexcept;

// A timeout of ListenerConfig and ListenerInfo that never fires
// (SYNCSOCK_TIMEOUT_OFF); for user_timeout_ms, TCP's own retries decide.
inline constexpr std::uint32_t kTimeoutOff = 0xffffffff;

// What a new listener is (struct syncsock_listener_add).  Zero means the
// module's default for backlog (128), max_conns (65536), txq_limit (256 KiB),
// close_timeout_ms (5000), idle_timeout_ms (300000), msg_timeout_ms (30000)
// and user_timeout_ms (60000).  The last three take 1..86400000 ms, or
// kTimeoutOff.  An empty @config passes no configuration.
struct ListenerConfig {
	Address address;
	std::string handler;
	std::string config;
	std::uint32_t backlog = 0;
	std::uint32_t max_conns = 0;
	std::uint32_t txq_limit = 0;
	std::uint32_t close_timeout_ms = 0;
	// A connection that neither receives nor sends for this long is
	// closed gracefully (closed_idle).
	std::uint32_t idle_timeout_ms = 0;
	// A framed listener's message must be whole this long after its
	// first byte, or the connection is reset (closed_msg_timeout).
	std::uint32_t msg_timeout_ms = 0;
	// TCP_USER_TIMEOUT: data unacknowledged this long ends the connection.
	std::uint32_t user_timeout_ms = 0;
	bool freebind = false;	// bind an address not (yet) local
	bool v6only = false;	// IPv6 "::" without IPv4
};

enum class ListenerState : std::uint32_t {
	listening = 1,
	draining = 2,	// deleted, connections still closing
};

// "listening", "draining", or "state_<n>" for one this library does not know.
std::string state_name(ListenerState state);

// One listener (struct syncsock_listener_info).
struct ListenerInfo {
	std::uint32_t id = 0;
	ListenerState state = ListenerState::listening;
	Address address;
	bool freebind = false;
	bool v6only = false;
	std::uint32_t backlog = 0;
	std::uint32_t max_conns = 0;
	std::uint32_t txq_limit = 0;
	std::uint32_t close_timeout_ms = 0;
	std::uint32_t nr_conns = 0;
	std::string handler;
	// As in effect; kTimeoutOff: none.  0 only from a module older
	// than these fields (then reserved, zero).
	std::uint32_t idle_timeout_ms = 0;
	std::uint32_t msg_timeout_ms = 0;
	std::uint32_t user_timeout_ms = 0;
	bool operator==(const ListenerInfo &) const = default;
};

// One registered handler (struct syncsock_handler_info).
struct HandlerInfo {
	std::string name;
	std::string module;	// "syncsock" for the built-in handlers
	std::uint32_t nr_listeners = 0;
	bool operator==(const HandlerInfo &) const = default;
};

// One pair (struct syncsock_pair_info): a connection a listener accepted and
// the outbound connection its handler opened for it (the built-in proxy
// handler's connection to a backend), each forwarding what it receives to
// the other.  For a pair of two outbound connections, @client and @local are
// those of the one opened first.
struct PairInfo {
	std::uint32_t listener = 0;	// the listener both belong to
	bool connecting = false;	// the outbound connect is pending
	bool paused = false;		// the client side is not read (the
					// connect is pending, or the queue
					// toward the backend is full)
	bool closing = false;		// one side is closing
	Address client;			// the peer of the accepted connection
	Address local;			// the address the client connected to
	Address source;			// the local address of the outbound connection
	Address backend;		// the peer of the outbound connection
	std::uint32_t up_queued = 0;	// bytes waiting to be sent to the backend
	std::uint32_t down_queued = 0;	// bytes waiting to be sent to the client
	bool operator==(const PairInfo &) const = default;
};

// What the module speaks (struct syncsock_version).
struct VersionInfo {
	std::uint32_t abi_version = 0;
	std::uint32_t nr_stats = 0;
	std::uint32_t nr_close_reasons = 0;
	std::uint32_t nr_cpu_ids = 0;
	std::uint32_t close_base = 0;	// first closed_<reason> counter
	std::string module_version;
	bool operator==(const VersionInfo &) const = default;
};

// The counters this library knows, in the order of enum syncsock_stat
// (counter_name() gives each one's name).
enum class Counter : std::uint32_t {
	accepted,
	accept_rejected,
	closed,
	rx_bytes,
	rx_segments,
	rx_softirq,
	rx_process,
	rx_deferred,
	rx_throttled,
	tx_inline_bytes,
	tx_inline_softirq_bytes,
	tx_queued_bytes,
	tx_flushed_bytes,
	tx_queue_full,
	tx_errors,
	handler_errors,
	work_runs,
	rx_messages,
	rx_messages_copied,
	app0,
	app1,
	app2,
	app3,
	nomem_retries,
	rx_urgent,
	accept_busy,
	mem_charged,
	mem_uncharged,
	mem_refused,
	connects,
	connected,
	connect_refused,
	connect_timeout,
	connect_unreach,
	connect_errors,
	fwd_up_bytes,
	fwd_down_bytes,
	fwd_inline,
	fwd_queued,
	fwd_spliced_bytes,
	fwd_copied_bytes,
	fwd_paused,
};

// Why connections closed (the closed_<reason> counters), in the order of
// the module's close reasons.
enum class CloseReason : std::uint32_t {
	peer_fin,
	peer_reset,
	error,
	handler,
	handler_abort,
	handler_error,
	timeout,
	listener_delete,
	netns_exit,
	unload,
	nomem,
	oversize,
	bad_frame,
	idle,
	msg_timeout,
	connect_failed,
	pair,
};

// "rx_bytes"; "peer_fin" (its counter is "closed_peer_fin").
std::string_view counter_name(Counter counter) noexcept;
std::string_view close_reason_name(CloseReason reason) noexcept;

// Counters of a listener or of the module.  names[i], sum[i] and each
// cpus[n][i] are counter i (enum syncsock_stat of the module); cpus[n] is
// CPU n, present when asked for.  A module older or newer than this library
// has fewer or more counters: those both know carry their names, others
// read "stat_<i>".
struct Stats {
	std::vector<std::string> names;
	std::vector<std::uint64_t> sum;
	std::vector<std::vector<std::uint64_t>> cpus;

	// Counter @counter (summed over the CPUs, or CPU @cpu's), by name, so
	// whatever the module's numbering; nullopt where the module does not
	// report it (one older than the counter) or @cpu was not asked for.
	std::optional<std::uint64_t> get(Counter counter) const noexcept;
	std::optional<std::uint64_t> get(Counter counter, std::size_t cpu) const noexcept;
	// The closed_<reason> counter.
	std::optional<std::uint64_t> closed(CloseReason reason) const noexcept;

private:
	// The counter named @prefix@name.
	std::optional<std::size_t> index(std::string_view prefix,
					 std::string_view name) const noexcept;
};

// The display name of counter @index of a module whose @nr_close_reasons
// closed_<reason> counters start at @close_base (0: this library's own
// numbering): "accepted", ..., "closed_peer_fin", ..., or "stat_<index>".
std::string stat_name(std::uint32_t index, std::uint32_t nr_close_reasons,
		      std::uint32_t close_base = 0);

// The counter names of a module that reports @nr_stats, @nr_close_reasons and
// @close_base (0: this library's own numbering).
std::vector<std::string> stat_names(std::uint32_t nr_stats, std::uint32_t nr_close_reasons,
				    std::uint32_t close_base = 0);

// Listener id 0 asks Control::stats() for the whole module's counters.
inline constexpr std::uint32_t kModuleStats = 0;

// Listener id 0 asks Control::pair_list() for the pairs of every listener.
inline constexpr std::uint32_t kAllListeners = 0;

// What a failed request was (error_message()).
enum class Operation {
	open,		// opening the device (and asking its version)
	listener_add,
	listener_del,
	listener_get,
	listener_list,
	stats,
	handler_list,
	pair_list,
};

// What it was about.
struct ErrorContext {
	std::string device{kDefaultDevice};
	std::optional<Address> address;	// listener_add
	std::string handler;		// listener_add
	std::uint32_t id = 0;		// listener_del, listener_get, stats (0: module),
					// pair_list (0: every listener)
	std::string program = "syncsockctl";	// named in the advice ("run ... as root")
};

// What went wrong, in the terms of the request, and what to do about it:
// "cannot add a listener on 0.0.0.0:80: binding port 80 needs
// CAP_NET_BIND_SERVICE (EACCES); run syncsockctl as root, or ...".  The
// kernel's message, when there is one, is the reason.
std::string error_message(Operation op, const Error &error, const ErrorContext &context);

// "EADDRINUSE", or "errno 1234" for one without a name here.
std::string errno_name(int err);

// The operations of the control device.  Device talks to the kernel; tests
// and tools put other implementations behind the same calls.
class Control {
public:
	virtual ~Control() = default;

	virtual Result<VersionInfo> version() noexcept = 0;
	// Errors carry the kernel's message (e.g. a handler refusing its
	// configuration) when it gave one.
	virtual Result<std::uint32_t> listener_add(const ListenerConfig &config) noexcept = 0;
	virtual Result<void> listener_del(std::uint32_t id, bool abort) noexcept = 0;
	virtual Result<ListenerInfo> listener_get(std::uint32_t id) noexcept = 0;
	virtual Result<std::vector<ListenerInfo>> listener_list() noexcept = 0;
	// @id: a listener, or kModuleStats.
	virtual Result<Stats> stats(std::uint32_t id, bool per_cpu) noexcept = 0;
	virtual Result<std::vector<HandlerInfo>> handler_list() noexcept = 0;
	// The pairs of listener @id, or of every listener of the namespace
	// with kAllListeners.  ENOENT: no listener @id.
	virtual Result<std::vector<PairInfo>> pair_list(std::uint32_t id) noexcept = 0;
};

// The control device.  Every call acts in the caller's network namespace.
class Device final : public Control {
public:
	// An ioctl(2) on the device: returns 0 or the errno.
	using Ioctl = std::function<int(unsigned long request, void *arg)>;

	// Open the device (O_RDWR | O_CLOEXEC) and ask its version.  A module
	// of another ABI version opens; its calls other than version() then
	// fail with EPROTO and a message.
	static Result<Device> open(std::string_view path = kDefaultDevice) noexcept;

	// A device whose requests go to @ioctl instead of a file descriptor:
	// for tests (a kernel emulated in user space) and for tracing.
	static Result<Device> attach(Ioctl ioctl) noexcept;

	Result<VersionInfo> version() noexcept override;
	Result<std::uint32_t> listener_add(const ListenerConfig &config) noexcept override;
	Result<void> listener_del(std::uint32_t id, bool abort) noexcept override;
	Result<ListenerInfo> listener_get(std::uint32_t id) noexcept override;
	Result<std::vector<ListenerInfo>> listener_list() noexcept override;
	Result<Stats> stats(std::uint32_t id, bool per_cpu) noexcept override;
	Result<std::vector<HandlerInfo>> handler_list() noexcept override;
	Result<std::vector<PairInfo>> pair_list(std::uint32_t id) noexcept override;

private:
	Device(Fd fd, Ioctl ioctl) : fd_(std::move(fd)), ioctl_(std::move(ioctl)) {}
	int call(unsigned long request, void *arg) const;
	std::optional<Error> check_abi() const;

	Fd fd_;
	Ioctl ioctl_;
	VersionInfo version_;
};

// A listener deleted when its guard goes: for a program (or a test) that
// adds a listener for as long as it runs.  Move-only.  It deletes by id, in
// the network namespace of the thread that destroys it (ids are per
// namespace): keep it in the namespace that added the listener, out of
// forked children and across no setns().  The Control must outlive it and
// stay where it is (a moved-from Device deletes nothing: the listener
// stays, and reset() says why).
class ListenerGuard {
public:
	ListenerGuard() noexcept = default;
	// Guard listener @id of @control; @abort: delete it with abort (reset
	// its connections rather than close them gracefully).
	ListenerGuard(Control &control, std::uint32_t id, bool abort = false) noexcept
		: control_(&control), id_(id), abort_(abort)
	{
	}
	// Add a listener and guard it.
	static Result<ListenerGuard> add(Control &control, const ListenerConfig &config,
					 bool abort = false) noexcept;
	ListenerGuard(const ListenerGuard &) = delete;
	ListenerGuard &operator=(const ListenerGuard &) = delete;
	ListenerGuard(ListenerGuard &&other) noexcept
		: control_(std::exchange(other.control_, nullptr)), id_(std::exchange(other.id_, 0)),
		  abort_(other.abort_)
	{
	}
	ListenerGuard &operator=(ListenerGuard &&other) noexcept;
	// Deletes the listener; an error is ignored (reset() returns it).
	~ListenerGuard() { (void)reset(); }

	std::uint32_t id() const noexcept { return id_; }
	explicit operator bool() const noexcept { return control_ != nullptr; }
	// Keep the listener: its id, and the guard no longer deletes it.
	std::uint32_t release() noexcept;
	// Delete it now (nothing when the guard holds none): the delete's
	// result.
	Result<void> reset() noexcept;

private:
	Control *control_ = nullptr;
	std::uint32_t id_ = 0;
	bool abort_ = false;
};

} // namespace syncsock
