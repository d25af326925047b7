// SPDX-License-Identifier: GPL-2.0
//
// The /dev/syncsock ioctl ABI, called raw as any program could: every
// rejected input gets its documented errno and changes nothing (no listener
// left behind, the port still free); permissions follow CAP_NET_ADMIN and
// CAP_NET_BIND_SERVICE in the user namespace owning the caller's network
// namespace; read-only queries need only an open device.
//
// Needs syncsock loaded (the plan line loads it) and root.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/syncsock.h>
#include <netinet/in.h>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>
#include <algorithm>

namespace {

struct Fd {
	int fd = -1;
	explicit Fd(int f) : fd(f) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd()
	{
		if (fd >= 0)
			close(fd);
	}
};

int dev()
{
	static int fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);
	REQUIRE(fd >= 0);
	return fd;
}

// ioctl → 0 or errno
int ioc(unsigned long cmd, void *arg, int fd = -1)
{
	return ioctl(fd < 0 ? dev() : fd, cmd, arg) == 0 ? 0 : errno;
}

syncsock_listener_add add_req(const char *ip, uint16_t port, const char *handler = "echo")
{
	syncsock_listener_add r{};
	if (strchr(ip, ':')) {
		r.addr.family = AF_INET6;
		REQUIRE(inet_pton(AF_INET6, ip, r.addr.addr) == 1);
	} else {
		r.addr.family = AF_INET;
		REQUIRE(inet_pton(AF_INET, ip, r.addr.addr) == 1);
	}
	r.addr.port = port;
	strncpy(r.handler, handler, sizeof(r.handler) - 1);
	return r;
}

uint32_t listener_count()
{
	syncsock_listener_list l{};
	int e = ioc(SYNCSOCK_IOC_LISTENER_LIST, &l);
	REQUIRE((e == 0 || e == ENOSPC));
	return l.total;
}

// Is the port free on 127.0.0.1 (nothing, ours or not, bound to it)?
bool port_free(uint16_t port)
{
	Fd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return bind(s.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0;
}

// Expect @r to be refused with @err, leaving no listener and the port free.
void expect_refused(syncsock_listener_add r, int err, const char *why, bool check_port = true)
{
	INFO(why);
	uint32_t before = listener_count();
	char msg[SYNCSOCK_ERR_MAX] = "";
	r.err = reinterpret_cast<uintptr_t>(msg);
	r.err_len = sizeof(msg);
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_ADD, &r) == err);
	CHECK(listener_count() == before);
	if (check_port && r.addr.family == AF_INET && r.addr.port)
		CHECK(port_free(r.addr.port));
}

uint32_t add_ok(syncsock_listener_add r)
{
	char msg[SYNCSOCK_ERR_MAX] = "";
	r.err = reinterpret_cast<uintptr_t>(msg);
	r.err_len = sizeof(msg);
	int e = ioc(SYNCSOCK_IOC_LISTENER_ADD, &r);
	INFO("add failed: " << strerror(e) << ": " << msg);
	REQUIRE(e == 0);
	REQUIRE(r.id != 0);
	return r.id;
}

void del_ok(uint32_t id, uint32_t flags = 0)
{
	syncsock_listener_del d{};
	d.id = id;
	d.flags = flags;
	REQUIRE(ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) == 0);
}

// Run @fn in a child process; its exit status is the result.
template <typename F> int in_child(F fn)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int st = 0;
	REQUIRE(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Drop capabilities from the effective set (raw capset: no libcap needed).
bool drop_caps(std::initializer_list<int> caps)
{
	__user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct d[2]{};
	if (syscall(SYS_capget, &h, d))
		return false;
	for (int c : caps)
		d[c / 32].effective &= ~(1U << (c % 32));
	return syscall(SYS_capset, &h, d) == 0;
}

} // namespace

TEST_CASE("version reports the ABI the header describes")
{
	syncsock_version v{};
	REQUIRE(ioc(SYNCSOCK_IOC_VERSION, &v) == 0);
	CHECK(v.abi_version == SYNCSOCK_ABI_VERSION);
	CHECK(v.nr_stats == SYNCSOCK_STAT_MAX);
	CHECK(v.nr_close_reasons == SYNCSOCK_CLOSE_REASONS);
	CHECK(v.nr_cpu_ids >= static_cast<uint32_t>(sysconf(_SC_NPROCESSORS_ONLN)));
	CHECK(std::string(v.module_version) == "0.1");
	for (auto r : v.reserved)
		CHECK(r == 0);
}

TEST_CASE("unknown commands are ENOTTY, known ones with a wrong size EINVAL")
{
	char buf[256] = {};
	CHECK(ioc(_IO(SYNCSOCK_IOC_MAGIC, 0x7f), buf) == ENOTTY);
	CHECK(ioc(_IOR('x', 0x00, syncsock_version), buf) == ENOTTY);
	CHECK(ioc(_IOC(_IOC_READ | _IOC_WRITE, SYNCSOCK_IOC_MAGIC, 0x01,
		       sizeof(syncsock_listener_add) - 8), buf) == EINVAL);
	CHECK(ioc(_IOC(_IOC_READ, SYNCSOCK_IOC_MAGIC, 0x00, sizeof(syncsock_version) + 8), buf) ==
	      EINVAL);
}

TEST_CASE("listener add: every malformed request is refused and changes nothing")
{
	const uint16_t port = 7301;
	auto good = add_req("127.0.0.1", port);

	auto r = good;
	r.reserved[1] = 1;
	expect_refused(r, EINVAL, "non-zero reserved field");
	for (std::uint32_t bad : {1u << 31, SYNCSOCK_TIMEOUT_MAX_MS + 1}) {
		r = good;
		r.idle_timeout_ms = bad;
		expect_refused(r, EINVAL, "idle timeout out of range");
		r = good;
		r.msg_timeout_ms = bad;
		expect_refused(r, EINVAL, "message timeout out of range");
		r = good;
		r.user_timeout_ms = bad;
		expect_refused(r, EINVAL, "user timeout out of range");
	}
	r = good;
	r.flags = 1U << 7;
	expect_refused(r, EINVAL, "unknown flag");
	r = good;
	r.id = 5;
	expect_refused(r, EINVAL, "id is output only");
	r = good;
	memset(r.handler, 'a', sizeof(r.handler));
	expect_refused(r, EINVAL, "handler name without its terminator");
	r = add_req("127.0.0.1", port, "no-such-handler");
	expect_refused(r, ENOENT, "unknown handler");
	r = good;
	r.addr.family = 99;
	expect_refused(r, EAFNOSUPPORT, "unsupported family");
	r = good;
	r.addr.port = 0;
	expect_refused(r, EINVAL, "port 0");
	r = good;
	r.addr.addr[9] = 1;
	expect_refused(r, EINVAL, "IPv4 address with bytes past the fourth");
	r = good;
	r.addr.scope_id = 1;
	expect_refused(r, EINVAL, "IPv4 address with a scope");
	// A scope (interface 1, lo) names where a link-local address lives;
	// with any other IPv6 address bind() would ignore it, and the listener
	// would report a scope it does not have.
	r = good;
	r.addr.family = AF_INET6;
	std::memset(r.addr.addr, 0, sizeof(r.addr.addr));
	r.addr.addr[15] = 1;	// ::1
	r.addr.scope_id = 1;
	expect_refused(r, EINVAL, "IPv6 loopback address with a scope");
	r = good;
	r.flags = SYNCSOCK_LISTENER_F_V6ONLY;
	expect_refused(r, EINVAL, "v6only on IPv4");
	r = good;
	r.backlog = 70000;
	expect_refused(r, EINVAL, "backlog out of range");
	r = good;
	r.max_conns = 2000000;
	expect_refused(r, EINVAL, "max_conns out of range");
	r = good;
	r.txq_limit = 128u << 20;
	expect_refused(r, EINVAL, "txq_limit out of range");
	r = good;
	r.close_timeout_ms = 700000;
	expect_refused(r, EINVAL, "close timeout out of range");

	std::string longcfg(SYNCSOCK_CONFIG_MAX + 10, 'x');
	r = good;
	r.config = reinterpret_cast<uintptr_t>(longcfg.c_str());
	expect_refused(r, EINVAL, "configuration without a terminator within the limit");
	r = good;
	r.config = 1;
	expect_refused(r, EFAULT, "configuration pointer not readable");
	r = good;
	r.config = reinterpret_cast<uintptr_t>("unexpected=1");
	expect_refused(r, EINVAL, "an option echo does not know");

	r = add_req("192.0.2.1", port);
	expect_refused(r, EADDRNOTAVAIL, "address not local");
	r.flags = SYNCSOCK_LISTENER_F_FREEBIND;
	uint32_t id = add_ok(r);
	del_ok(id);
}

TEST_CASE("listener add: the kernel says what was wrong")
{
	auto r = add_req("127.0.0.1", 7302, "no-such-handler");
	char msg[SYNCSOCK_ERR_MAX] = "";
	r.err = reinterpret_cast<uintptr_t>(msg);
	r.err_len = sizeof(msg);
	REQUIRE(ioc(SYNCSOCK_IOC_LISTENER_ADD, &r) == ENOENT);
	CHECK(std::string(msg).find("no-such-handler") != std::string::npos);

	// A short buffer gets a terminated prefix, never an overrun.
	char small[8];
	memset(small, 'Z', sizeof(small));
	r.err = reinterpret_cast<uintptr_t>(small);
	r.err_len = 4;
	REQUIRE(ioc(SYNCSOCK_IOC_LISTENER_ADD, &r) == ENOENT);
	CHECK(small[3] == '\0');
	CHECK(small[4] == 'Z');
}

TEST_CASE("listener add, get, list, duplicate, del")
{
	auto r = add_req("127.0.0.1", 7303);
	r.backlog = 77;
	r.max_conns = 99;
	r.txq_limit = 12345;
	uint32_t id = add_ok(r);
	CHECK_FALSE(port_free(7303));

	expect_refused(r, EADDRINUSE, "the same listener twice", false);

	syncsock_listener_info info{};
	info.id = id;
	REQUIRE(ioc(SYNCSOCK_IOC_LISTENER_GET, &info) == 0);
	CHECK(info.state == SYNCSOCK_STATE_LISTENING);
	CHECK(info.addr.family == AF_INET);
	CHECK(info.addr.port == 7303);
	CHECK(info.backlog == 77);
	CHECK(info.max_conns == 99);
	CHECK(info.txq_limit == 12345);
	CHECK(info.close_timeout_ms == 5000);
	CHECK(std::string(info.handler) == "echo");

	uint32_t id6 = add_ok(add_req("::1", 7303));

	// A list too short: ENOSPC, with the count it needs.
	syncsock_listener_info one[1]{};
	syncsock_listener_list l{};
	l.entries = reinterpret_cast<uintptr_t>(one);
	l.count = 1;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_LIST, &l) == ENOSPC);
	CHECK(l.total == 2);
	CHECK(l.count == 1);
	std::vector<syncsock_listener_info> all(l.total);
	l.entries = reinterpret_cast<uintptr_t>(all.data());
	l.count = all.size();
	REQUIRE(ioc(SYNCSOCK_IOC_LISTENER_LIST, &l) == 0);
	CHECK(l.count == 2);
	CHECK(((all[0].id == id && all[1].id == id6) || (all[0].id == id6 && all[1].id == id)));

	syncsock_listener_list bad{};
	bad.reserved[1] = 3;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_LIST, &bad) == EINVAL);

	syncsock_listener_del d{};
	d.id = id;
	d.flags = 1U << 5;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) == EINVAL);
	d.flags = 0;
	d.reserved[0] = 1;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) == EINVAL);
	del_ok(id);
	del_ok(id6, SYNCSOCK_DEL_F_ABORT);
	CHECK(port_free(7303));
	d = {};
	d.id = id;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) == ENOENT);
	info = {};
	info.id = id;
	CHECK(ioc(SYNCSOCK_IOC_LISTENER_GET, &info) == ENOENT);
}

TEST_CASE("counters: per listener and module, summed and per CPU")
{
	uint32_t id = add_ok(add_req("127.0.0.1", 7304));
	{
		Fd c(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(7304);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		REQUIRE(connect(c.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0);
		REQUIRE(write(c.fd, "0123456789", 10) == 10);
		char buf[10];
		size_t got = 0;
		while (got < 10) {
			ssize_t n = read(c.fd, buf + got, sizeof(buf) - got);
			REQUIRE(n > 0);
			got += n;
		}
	}
	syncsock_version v{};
	REQUIRE(ioc(SYNCSOCK_IOC_VERSION, &v) == 0);

	syncsock_stats_get s{};
	s.id = id;
	s.nr_stats = SYNCSOCK_STAT_MAX;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &s) == ENOSPC); // no room for a row
	CHECK(s.nr_rows == 1);
	std::vector<uint64_t> vals(SYNCSOCK_STAT_MAX * (1 + v.nr_cpu_ids));
	s.values = reinterpret_cast<uintptr_t>(vals.data());
	// The counters move after the handler has run, and its reply may reach
	// us first: wait (boundedly) for them.
	for (int i = 0; i < 200; i++) {
		REQUIRE(ioc(SYNCSOCK_IOC_STATS_GET, &s) == 0);
		if (vals[SYNCSOCK_STAT_RX_BYTES] == 10)
			break;
		usleep(20000);
	}
	CHECK(s.nr_rows == 1);
	CHECK(vals[SYNCSOCK_STAT_ACCEPTED] == 1);
	CHECK(vals[SYNCSOCK_STAT_RX_BYTES] == 10);

	// Per CPU: too few rows is ENOSPC with the number needed.
	s.flags = SYNCSOCK_STATS_F_PER_CPU;
	s.nr_rows = 1;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &s) == ENOSPC);
	CHECK(s.nr_rows == 1 + v.nr_cpu_ids);
	REQUIRE(ioc(SYNCSOCK_IOC_STATS_GET, &s) == 0);
	uint64_t sum = 0;
	for (uint32_t cpu = 0; cpu < v.nr_cpu_ids; cpu++)
		sum += vals[(1 + cpu) * SYNCSOCK_STAT_MAX + SYNCSOCK_STAT_RX_BYTES];
	CHECK(sum == vals[SYNCSOCK_STAT_RX_BYTES]);

	// A caller that knows fewer counters gets rows of its own width.
	std::vector<uint64_t> narrow(4, ~0ULL);
	syncsock_stats_get n{};
	n.id = id;
	n.nr_stats = 2;
	n.nr_rows = 2;
	n.values = reinterpret_cast<uintptr_t>(narrow.data());
	REQUIRE(ioc(SYNCSOCK_IOC_STATS_GET, &n) == 0);
	CHECK(n.nr_stats == 2);
	CHECK(narrow[0] == 1);       // accepted
	CHECK(narrow[2] == ~0ULL);   // the second row was not asked for

	// Module-wide (id 0) includes this listener.
	syncsock_stats_get m{};
	m.nr_stats = SYNCSOCK_STAT_MAX;
	m.nr_rows = 1;
	m.values = reinterpret_cast<uintptr_t>(vals.data());
	REQUIRE(ioc(SYNCSOCK_IOC_STATS_GET, &m) == 0);
	CHECK(vals[SYNCSOCK_STAT_RX_BYTES] >= 10);

	syncsock_stats_get bad = s;
	bad.flags = 1U << 3;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &bad) == EINVAL);
	bad = s;
	bad.nr_stats = 0;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &bad) == EINVAL);
	bad = s;
	bad.id = 999999;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &bad) == ENOENT);
	bad = s;
	bad.values = 8;
	CHECK(ioc(SYNCSOCK_IOC_STATS_GET, &bad) == EFAULT);
	del_ok(id);
}

TEST_CASE("handler list names the built-in handlers")
{
	syncsock_handler_list l{};
	CHECK(ioc(SYNCSOCK_IOC_HANDLER_LIST, &l) == ENOSPC);
	REQUIRE(l.total >= 2);
	std::vector<syncsock_handler_info> hs(l.total);
	l.entries = reinterpret_cast<uintptr_t>(hs.data());
	l.count = hs.size();
	REQUIRE(ioc(SYNCSOCK_IOC_HANDLER_LIST, &l) == 0);
	std::vector<std::string> names;
	for (auto &h : hs) {
		names.emplace_back(h.name);
		CHECK(std::string(h.module) == "syncsock");
	}
	CHECK(std::find(names.begin(), names.end(), "echo") != names.end());
	CHECK(std::find(names.begin(), names.end(), "discard") != names.end());
}

TEST_CASE("changes need CAP_NET_ADMIN; queries do not")
{
	int rc = in_child([] {
		if (!drop_caps({CAP_NET_ADMIN}))
			return 10;
		syncsock_version v{};
		if (ioc(SYNCSOCK_IOC_VERSION, &v))
			return 11;
		if (listener_count() > 1000)
			return 12;
		auto r = add_req("127.0.0.1", 7305);
		if (ioc(SYNCSOCK_IOC_LISTENER_ADD, &r) != EPERM)
			return 13;
		syncsock_listener_del d{};
		d.id = 1;
		if (ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) != EPERM)
			return 14;
		return 0;
	});
	CHECK(rc == 0);
	CHECK(port_free(7305));
}

TEST_CASE("a port below 1024 needs CAP_NET_BIND_SERVICE")
{
	int rc = in_child([] {
		if (!drop_caps({CAP_NET_BIND_SERVICE}))
			return 10;
		auto r = add_req("127.0.0.1", 80);
		char msg[SYNCSOCK_ERR_MAX] = "";
		r.err = reinterpret_cast<uintptr_t>(msg);
		r.err_len = sizeof(msg);
		if (ioc(SYNCSOCK_IOC_LISTENER_ADD, &r) != EACCES)
			return 11;
		if (!strstr(msg, "CAP_NET_BIND_SERVICE"))
			return 12;
		// An unprivileged port is fine without it.
		auto ok = add_req("127.0.0.1", 7306);
		if (ioc(SYNCSOCK_IOC_LISTENER_ADD, &ok))
			return 13;
		syncsock_listener_del d{};
		d.id = ok.id;
		return ioc(SYNCSOCK_IOC_LISTENER_DEL, &d) ? 14 : 0;
	});
	CHECK(rc == 0);
	CHECK(port_free(80));
}

TEST_CASE("the device is root-only; an opened one answers queries to anyone")
{
	struct stat st {};
	REQUIRE(stat(SYNCSOCK_DEVICE, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
	CHECK(st.st_uid == 0);

	// nobody cannot open it.
	int rc = in_child([] {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			return 10;
		int fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);
		return fd < 0 && errno == EACCES ? 0 : 11;
	});
	CHECK(rc == 0);

	// Opened by root, then handed to nobody: queries work, changes do not.
	rc = in_child([] {
		int fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return 10;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			return 11;
		syncsock_version v{};
		if (ioc(SYNCSOCK_IOC_VERSION, &v, fd))
			return 12;
		syncsock_listener_list l{};
		int e = ioc(SYNCSOCK_IOC_LISTENER_LIST, &l, fd);
		if (e && e != ENOSPC)
			return 13;
		auto r = add_req("127.0.0.1", 7307);
		return ioc(SYNCSOCK_IOC_LISTENER_ADD, &r, fd) == EPERM ? 0 : 14;
	});
	CHECK(rc == 0);
}

TEST_CASE("CAP_NET_ADMIN of a user namespace counts in the network namespace it owns")
{
	// nobody with the device opened: a new user and network namespace
	// makes it admin there, and only there.
	int rc = in_child([] {
		int fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return 10;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			return 11;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return 77; // unprivileged user namespaces disabled
		// Bring lo up in the new namespace: 127.0.0.1 is usable then.
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct ifreq {
			char name[16];
			short flags;
			char pad[22];
		} ifr{};
		strcpy(ifr.name, "lo");
		if (ioctl(s, 0x8913 /* SIOCGIFFLAGS */, &ifr))
			return 12;
		ifr.flags |= 1; /* IFF_UP */
		if (ioctl(s, 0x8914 /* SIOCSIFFLAGS */, &ifr))
			return 13;
		close(s);
		// Port 80: CAP_NET_BIND_SERVICE of the owning user namespace.
		auto r = add_req("127.0.0.1", 80);
		if (ioc(SYNCSOCK_IOC_LISTENER_ADD, &r, fd))
			return 14;
		syncsock_listener_list l{};
		int e = ioc(SYNCSOCK_IOC_LISTENER_LIST, &l, fd);
		if ((e && e != ENOSPC) || l.total != 1)
			return 15;
		syncsock_listener_del d{};
		d.id = r.id;
		return ioc(SYNCSOCK_IOC_LISTENER_DEL, &d, fd) ? 16 : 0;
	});
	if (rc == 77)
		WARN("unprivileged user namespaces are disabled here: part skipped");
	else
		CHECK(rc == 0);
	// Nothing of that namespace shows in ours.
	CHECK(port_free(80));
}
