// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz: the structure-aware fuzzer of the /dev/syncsock ioctls, for the
 * torture campaign.
 *
 * What each call proves:
 *  - the errno it returns is one that the "Errors by command" table of
 *    Documentation/ioctl.rst (read at run time, --errno-doc) lists for the
 *    command, or for "any command";
 *  - and it is the answer control.c gives to that call, worked out before the
 *    call from the structure, the argument's memory and the caller (a model
 *    of the checks of control.c, listener.c and the handlers, in their
 *    order: expect_call()): an exact command never gets ENOTTY (a missing
 *    .compat_ioctl); a malformed command number gets EINVAL for a known
 *    number, ENOTTY otherwise; an argument that cannot be read gets EFAULT;
 *    a reserved field, an unknown flag or a value out of range gets EINVAL;
 *    a caller without CAP_NET_ADMIN over its network namespace gets EPERM
 *    from LISTENER_ADD and LISTENER_DEL (nothing that shows work done before
 *    the check), one with it never EPERM or EACCES;
 *  - what a successful call wrote reads back right: output buffers and the
 *    error buffer are filled with 0xa5 first, and nothing past what the
 *    kernel says it wrote (count entries, rows of nr_stats counters, err_len
 *    bytes) changes; reserved fields read zero, strings end within their
 *    arrays, count <= total, ENOSPC exactly when total > count; PAIR_LIST's
 *    entries name a listener of the caller's namespace (the one asked for),
 *    only the defined flags and IPv4 or IPv6 addresses, and a listener whose
 *    handler opens no connection has no pair;
 *  - a LISTENER_ADD whose argument is read-only (the listener is made, its id
 *    cannot be written back) leaves no listener behind.
 * What the run proves as a whole: millions of malformed calls, from
 * privileged and unprivileged, 64- and 32-bit callers, in network namespaces
 * that come and go with listeners and connections in them, next to echo
 * traffic checked byte for byte, do not make the kernel splat (the harness
 * reads the console) and, with --quiet-check, unprivileged callers leave the
 * module's state exactly as it was.
 *
 * The parent runs --jobs workers at a time; each is of one kind for --slice
 * seconds (or until the call budget is spent), then exits and the parent
 * starts one of the next kind in its place.  Each starts with a VERSION call
 * that must succeed and agree with the parent's.  Workers report their
 * counts over a pipe in fixed-size records, and what they are doing (the
 * ioctl in progress) in a shared record per slot: a worker still there
 * --slice + 60 s after it started is reported with that call and its kernel
 * stack, and killed.  The parent opens the device only to check that it
 * can, to make the listener the traffic workers use, and for the snapshots
 * of --quiet-check.
 *
 * The same source builds as ioctl_fuzz32 (-m32 -static): the compat32
 * workers exec it, so that 32-bit callers go through compat_ioctl.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/syncsock.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

#define NR_CMDS		8
#define ROW_ANY		NR_CMDS		/* the table's "any command" row */
#define BUCKET_OTHER	NR_CMDS		/* by_command: not one of the eight */
#define ERRNO_MAX	160		/* errnos counted by value; others in [0] */

#define CHUNK		256		/* calls per budget chunk and stop check */
#define REPORT_EVERY	0.5		/* seconds between a worker's reports */
#define LIVE_CAP	8		/* live listeners a privileged worker keeps */
#define LIVE_MAX	32
#define EVER_MAX	4096
#define KNOWN_MAX	64
#define LIST_ROOM	512		/* list entries (listeners, pairs) the output area holds */
#define LIST_MAX	65536		/* entries PAIR_LIST writes at most */
#define HANDLERS_MAX	64
#define SNAP_MAX	1024
#define SAMPLES_MAX	20
#define REC_SIZE	2048
#define TRAFFIC_CONNS	16
#define TRAFFIC_MAX	65536		/* bytes per echo exchange of traffic */
#define PATTERN_LEN	(256 * 1024)
#define ECHO_STALL	30.0		/* seconds without progress: a failure */
#define HEAVY_EVERY	5000		/* calls per heavy call of each class */
#define EXIT_UNAVAILABLE 77		/* a worker's kind cannot run here */
#define NOBODY		65534
#define SLOTS_MAX	256		/* --jobs at most */
#define WHAT_LEN	104		/* what a worker is doing, in its slot record */
#define HANG_GRACE	60		/* seconds past its slice: a worker hangs */
#define KILL_WAIT	10		/* seconds a killed worker may take to go */
#define SETTLE_MAX	60		/* seconds the quiet check waits for calm */
#define FILL		0xa5		/* output buffers before a call */
#define FILL_SLACK	64		/* filled bytes past the caller's room */
#define ERR_FILL	(SYNCSOCK_ERR_MAX + FILL_SLACK)
#define ID_NEVER	0x80000000u	/* ids from here on are never given */

/* A kernel address, out of reach of any user pointer. */
#define KERNEL_ADDR	0xffffffff81000000ULL
/* Nothing of the worker's is mapped from USER_TOP on, nor below 4096. */
#if __SIZEOF_LONG__ == 8
#define ARG_KERNEL_ADDR	((unsigned long)KERNEL_ADDR)
#define USER_TOP	(1ULL << 47)
#else
#define ARG_KERNEL_ADDR	0xfffff000UL	/* above a 32-bit task's TASK_SIZE */
#define USER_TOP	0xffffe000ULL	/* a 32-bit task's TASK_SIZE */
#endif

enum { C_VERSION, C_ADD, C_DEL, C_GET, C_LIST, C_STATS, C_HANDLERS, C_PAIRS };

static const struct cmd_desc {
	const char *name;	/* as in the table, after SYNCSOCK_IOC_ */
	unsigned int cmd;
	unsigned int size;
} cmds[NR_CMDS] = {
	{ "VERSION", SYNCSOCK_IOC_VERSION, sizeof(struct syncsock_version) },
	{ "LISTENER_ADD", SYNCSOCK_IOC_LISTENER_ADD, sizeof(struct syncsock_listener_add) },
	{ "LISTENER_DEL", SYNCSOCK_IOC_LISTENER_DEL, sizeof(struct syncsock_listener_del) },
	{ "LISTENER_GET", SYNCSOCK_IOC_LISTENER_GET, sizeof(struct syncsock_listener_info) },
	{ "LISTENER_LIST", SYNCSOCK_IOC_LISTENER_LIST, sizeof(struct syncsock_listener_list) },
	{ "STATS_GET", SYNCSOCK_IOC_STATS_GET, sizeof(struct syncsock_stats_get) },
	{ "HANDLER_LIST", SYNCSOCK_IOC_HANDLER_LIST, sizeof(struct syncsock_handler_list) },
	{ "PAIR_LIST", SYNCSOCK_IOC_PAIR_LIST, sizeof(struct syncsock_pair_list) },
};
_Static_assert(_IOC_NR(SYNCSOCK_IOC_HANDLER_LIST) == C_HANDLERS &&
	       _IOC_NR(SYNCSOCK_IOC_PAIR_LIST) == C_PAIRS && C_PAIRS + 1 == NR_CMDS,
	       "commands are numbered 0..7");

/*
 * The layout that the 32-bit build shares with the 64-bit kernel (it goes
 * through compat_ptr_ioctl(), which converts nothing): the same sizes, the
 * __u64 fields at offsets that are multiples of 8 in both (i386 aligns a
 * __u64 to 4 only), the sizes that the command numbers encode.
 */
#define UAPI_SIZE(s, n)	_Static_assert(sizeof(struct s) == (n) && (n) % 8 == 0, \
				       "struct " #s " is " #n " bytes, 32- and 64-bit")
#define UAPI_OFF(s, m, n) _Static_assert(offsetof(struct s, m) == (n), \
					 #s "." #m " is at " #n ", 32- and 64-bit")
UAPI_SIZE(syncsock_version, 64);
UAPI_SIZE(syncsock_addr, 24);
UAPI_SIZE(syncsock_listener_add, 120);
UAPI_SIZE(syncsock_listener_del, 16);
UAPI_SIZE(syncsock_listener_info, 104);
UAPI_SIZE(syncsock_listener_list, 24);
UAPI_SIZE(syncsock_stats_get, 32);
UAPI_SIZE(syncsock_handler_info, 96);
UAPI_SIZE(syncsock_handler_list, 24);
UAPI_SIZE(syncsock_pair_info, 120);
UAPI_SIZE(syncsock_pair_list, 32);
UAPI_OFF(syncsock_version, module_version, 16);
UAPI_OFF(syncsock_version, close_base, 48);
UAPI_OFF(syncsock_listener_add, handler, 48);
UAPI_OFF(syncsock_listener_add, config, 80);
UAPI_OFF(syncsock_listener_add, err, 88);
UAPI_OFF(syncsock_listener_add, err_len, 96);
UAPI_OFF(syncsock_listener_add, reserved, 112);
UAPI_OFF(syncsock_listener_info, addr, 8);
UAPI_OFF(syncsock_listener_info, handler, 56);
UAPI_OFF(syncsock_listener_info, reserved, 100);
UAPI_OFF(syncsock_listener_list, entries, 0);
UAPI_OFF(syncsock_listener_list, reserved, 16);
UAPI_OFF(syncsock_stats_get, values, 16);
UAPI_OFF(syncsock_stats_get, reserved, 24);
UAPI_OFF(syncsock_handler_info, module, 32);
UAPI_OFF(syncsock_handler_info, reserved, 92);
UAPI_OFF(syncsock_handler_list, entries, 0);
UAPI_OFF(syncsock_pair_info, client, 8);
UAPI_OFF(syncsock_pair_info, backend, 80);
UAPI_OFF(syncsock_pair_info, up_queued, 104);
UAPI_OFF(syncsock_pair_info, reserved, 112);
UAPI_OFF(syncsock_pair_list, reserved0, 12);
UAPI_OFF(syncsock_pair_list, entries, 16);
UAPI_OFF(syncsock_pair_list, reserved, 24);
_Static_assert(_IOC_SIZE(SYNCSOCK_IOC_VERSION) == 64 &&
	       _IOC_SIZE(SYNCSOCK_IOC_LISTENER_ADD) == 120 &&
	       _IOC_SIZE(SYNCSOCK_IOC_LISTENER_DEL) == 16 &&
	       _IOC_SIZE(SYNCSOCK_IOC_LISTENER_GET) == 104 &&
	       _IOC_SIZE(SYNCSOCK_IOC_LISTENER_LIST) == 24 &&
	       _IOC_SIZE(SYNCSOCK_IOC_STATS_GET) == 32 &&
	       _IOC_SIZE(SYNCSOCK_IOC_HANDLER_LIST) == 24 &&
	       _IOC_SIZE(SYNCSOCK_IOC_PAIR_LIST) == 32,
	       "the command numbers encode these sizes");

/* The flags a pair may have (the header has no _ALL for them). */
#define PAIR_F_KNOWN	(SYNCSOCK_PAIR_F_CONNECTING | SYNCSOCK_PAIR_F_PAUSED | \
			 SYNCSOCK_PAIR_F_CLOSING)

/* LISTENER_LIST and HANDLER_LIST share their generator. */
_Static_assert(sizeof(struct syncsock_listener_list) == sizeof(struct syncsock_handler_list) &&
	       offsetof(struct syncsock_listener_list, reserved) ==
	       offsetof(struct syncsock_handler_list, reserved), "the two lists differ");

/*
 * Commands the VFS answers itself, before any driver sees them
 * (do_vfs_ioctl() in fs/ioctl.c, and compat_sys_ioctl() for a 32-bit caller).
 * They say nothing about syncsock, and some succeed on any file (FIOCLEX,
 * FIONBIO, FIGETBSZ...): the random commands of other types leave them out.
 * The flags and version commands take a long, so both sizes are the VFS's
 * (FS_IOC32_* are the 4-byte ones); FS_IOC_GETVERSION moved into the VFS
 * after 6.12; x86-64's compat_sys_ioctl() also takes the preallocation
 * commands of 32-bit callers, whose struct space_resv_32 is 44 bytes.
 * FIONREAD reaches the driver for a device, but it is the VFS's number.
 */
static const unsigned int vfs_cmds[] = {
	FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIONREAD,
	FIFREEZE, FITHAW, FS_IOC_FIEMAP, FIGETBSZ,
	FICLONE, FICLONERANGE, FIDEDUPERANGE,
	_IOC(_IOC_READ, 'f', 1, 4), _IOC(_IOC_READ, 'f', 1, 8),		/* GETFLAGS */
	_IOC(_IOC_WRITE, 'f', 2, 4), _IOC(_IOC_WRITE, 'f', 2, 8),	/* SETFLAGS */
	_IOC(_IOC_READ, 'v', 1, 4), _IOC(_IOC_READ, 'v', 1, 8),		/* GETVERSION */
	FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR,
	_IOC(_IOC_READ, 0x15, 0, 17),		/* FS_IOC_GETFSUUID */
	_IOC(_IOC_READ, 0x15, 1, 129),		/* FS_IOC_GETFSSYSFSPATH */
	_IOC(_IOC_WRITE, 'X', 40, 44), _IOC(_IOC_WRITE, 'X', 41, 44),	/* FS_IOC_*RESVSP_32 */
	_IOC(_IOC_WRITE, 'X', 42, 44), _IOC(_IOC_WRITE, 'X', 43, 44),	/* FS_IOC_*RESVSP64_32 */
	_IOC(_IOC_WRITE, 'X', 57, 44),		/* FS_IOC_ZERO_RANGE_32 */
};

enum kind {
	K_ROOT, K_NETNS, K_USERNS_OWN, K_USERNS_FOREIGN, K_NOBODY, K_CAPDROP,
	K_CHURN, K_TRAFFIC, K_COMPAT32, NR_KINDS
};

static const char *const kind_names[NR_KINDS] = {
	"root", "netns", "userns-own", "userns-foreign", "nobody", "capdrop",
	"churn", "traffic", "compat32",
};

/* Kinds without CAP_NET_ADMIN over their namespace: --quiet-check's. */
#define QUIET_KINDS	((1u << K_USERNS_FOREIGN) | (1u << K_NOBODY) | (1u << K_CAPDROP) | \
			 (1u << K_COMPAT32))

/* Where the ioctl's argument points. */
enum argp {
	ARG_RW, ARG_MISALIGNED,		/* valid */
	ARG_RO, ARG_STRADDLE, ARG_NULL, ARG_ONE, ARG_KERNEL, ARG_HOLE, ARG_GUARD,
	NR_ARGP
};

static const char *const argp_names[NR_ARGP] = {
	"rw", "misaligned", "read-only", "straddling into PROT_NONE", "NULL", "1",
	"kernel address", "unmapped page", "PROT_NONE page",
};

/*
 * What a worker slot's worker is doing, for the parent's hang report: the
 * ioctl in progress (in_ioctl), else the last one or what it does instead.
 */
struct slot_rec {
	uint32_t pid;
	uint32_t in_ioctl;
	uint32_t cmd;
	uint32_t argp;		/* enum argp */
	uint32_t bucket;	/* by_command */
	uint32_t calls;		/* begun, modulo 2^32 */
	char what[WHAT_LEN];	/* the call's mutation, or the worker's doing */
};

/* Between the parent and all workers, the 32-bit ones too: u32 only. */
struct shared {
	uint32_t stop;		/* finish now */
	uint32_t chunks;	/* call budget chunks taken */
	uint32_t max_chunks;	/* 0: no call budget */
	uint32_t nr_cpu_ids;
	uint32_t traffic_port;	/* 0: no traffic listener */
	uint32_t parent_pid;	/* for the workers' PR_SET_PDEATHSIG race */
	uint32_t abi_version;	/* what the parent's VERSION said */
	uint32_t nr_stats;
	uint32_t nr_close_reasons;
	uint32_t close_base;
	struct slot_rec slots[SLOTS_MAX];
};
_Static_assert(sizeof(struct slot_rec) == 24 + WHAT_LEN && WHAT_LEN % 8 == 0, "no padding");
_Static_assert(sizeof(struct shared) == 40 + SLOTS_MAX * sizeof(struct slot_rec),
	       "the same in the 32- and 64-bit builds");

/* A worker's counts since its last report; the parent adds them up. */
struct counts {
	uint64_t calls;
	uint64_t by_cmd[NR_CMDS + 1];
	uint64_t errnos[ERRNO_MAX];
	uint64_t successes;
	uint64_t listeners_added;
	uint64_t namespaces;
	uint64_t violations;
	uint64_t traffic_bytes;
	uint64_t userns_adds;
	uint64_t ro_add_efault;	/* read-only LISTENER_ADDs undone: EFAULT */
};
_Static_assert(sizeof(struct counts) == (1 + (NR_CMDS + 1) + ERRNO_MAX + 7) * sizeof(uint64_t),
	       "u64 only: the same in the 32- and 64-bit builds");

enum { REC_COUNTS = 1, REC_TEXT };

/* One record on the pipe: fixed size, under PIPE_BUF, so writes are atomic. */
struct rec {
	uint32_t type;
	uint32_t kind;
	union {
		struct counts c;
		char text[REC_SIZE - 8];
	} u;
};
_Static_assert(sizeof(struct rec) == REC_SIZE, "a record is REC_SIZE bytes, 32- and 64-bit");
_Static_assert(REC_SIZE <= PIPE_BUF, "records are written atomically");

/*
 * The answers the kernel may give a call: bit e of m for errno e, bit 0 for
 * success.  Worked out step by step in the kernel's order (expect_call()):
 * a step that decides ends the path (done), with why; one that depends on
 * what the worker cannot see (memory running out, another socket on the
 * port) adds its errno and the path goes on.
 */
struct expect {
	uint64_t m[3];
	bool done;
	bool full_path;		/* LISTENER_ADD: got as far as making the listener */
	const char *why;
};
_Static_assert(ERRNO_MAX <= 3 * 64, "an expect holds every errno counted");

/* One call as sent, for the check and the report. */
struct call {
	unsigned int cmd;
	int row;		/* errno table row; -1: another type, ENOTTY only */
	int bucket;		/* by_command */
	bool exact;		/* one of the eight commands as defined */
	enum argp argp;
	unsigned long arg;
	uint8_t *rw;		/* the structure, where the kernel may write it */
	const char *how;	/* what was done to it */
	size_t len;		/* of the structure in the worker's scratch */
	struct expect x;	/* what the kernel may answer */
	uint8_t *fill_end;	/* the output area is FILL from w->out to here */
	bool err_filled;	/* the error buffer is FILL, ERR_FILL bytes */
};

/*
 * Calls that cost milliseconds in the kernel: deleting a listener waits for
 * an RCU grace period (so does a read-only LISTENER_ADD, which adds, then
 * deletes), and HANDLER_LIST allocates room for as many entries as the
 * caller asks (up to 1024), whatever there are.  At a few percent of the
 * calls they would be nearly all the time spent; each class gets one call
 * per HEAVY_EVERY instead, counted in calls so that a seed gives the same mix.
 * (LISTENER_LIST allocates for the listeners there are, PAIR_LIST for the
 * pairs: a huge count is cheap.)
 */
enum heavy { HEAVY_DEL, HEAVY_RO_ADD, HEAVY_LIST, NR_HEAVY };

struct live {
	uint32_t id;
	uint32_t flags;
	struct syncsock_addr addr;
	bool pairs;		/* its handler may open connections: it may have pairs */
};

struct worker {
	enum kind kind;
	bool priv;		/* CAP_NET_ADMIN over its network namespace */
	bool keep;		/* leaves its listeners to the namespace's exit */
	bool no_v6;
	bool v6_ok;		/* [::1] can be bound: IPv6 works in the namespace */
	bool bind_cap;		/* CAP_NET_BIND_SERVICE */
	bool handlers_known;	/* hnames[] are the registered handlers */
	char hnames[HANDLERS_MAX][SYNCSOCK_NAME_MAX];
	unsigned int nhnames;
	uint32_t unpriv_port;	/* ip_unprivileged_port_start */
	int fd;
	int report_fd;
	unsigned int slot;
	struct shared *sh;
	struct slot_rec *sr;
	uint64_t rng;
	double deadline;
	double last_report;
	uint16_t port_lo, port_hi;	/* its share of --ports */
	uint32_t ncpu;
	uint64_t ncalls;		/* all its calls; cnt.calls is since the report */
	uint64_t heavy_mark[NR_HEAVY];

	/*
	 * Memory, prepared once.  Arena A (structures, the error buffer and
	 * the output area, which ends at A's end) is followed by a PROT_NONE
	 * page, then an unmapped one.  ro is A again, read-only (the same
	 * memfd).  Arena C holds long configuration strings and ends in a
	 * run of non-NUL bytes up to its own PROT_NONE page.
	 */
	size_t pg;
	uint8_t *a, *a_end, *ro, *out, *hole;
	uint8_t *c, *c_end;
	uint8_t *pattern;

	struct live live[LIVE_MAX];
	unsigned int nlive;
	uint32_t ever[EVER_MAX];	/* every id this worker was given */
	unsigned int never;
	uint32_t known[KNOWN_MAX];	/* ids listed when it started */
	unsigned int nknown;

	union {
		struct syncsock_version version;
		struct syncsock_listener_add add;
		struct syncsock_listener_del del;
		struct syncsock_listener_info info;
		struct syncsock_listener_list list;
		struct syncsock_stats_get stats;
		struct syncsock_pair_list pairs;
		uint8_t raw[256];
	} s;			/* the structure being built */

	struct counts cnt;
	unsigned int samples;
};

/* Offsets in arena A. */
#define ERR_OFF		2048
#define OUT_OFF(w)	(2 * (w)->pg)
/* Offsets in arena C. */
#define C_ECHO_1023	0		/* 1023 bytes and NUL, a valid echo config */
#define C_HTTP_1023	1024		/* 1023 bytes and NUL, a valid http config */
#define C_LONG_1024	2048		/* 1024 bytes before the NUL: too long */
#define C_SCRATCH	4096		/* the setup's configurations */
#define C_RUN		1100		/* the non-NUL run at C's end */
#define C_LEN(w)	(4 * (w)->pg)

static struct {
	uint64_t max_calls;
	double seconds, slice;
	unsigned int jobs;
	uint64_t seed;
	unsigned int kinds;	/* bit per enum kind */
	uint16_t port_lo, port_hi;
	const char *errno_doc;
	const char *self32;
	bool quiet_check;
	bool json;
} opt = {
	.jobs = 4,
	.slice = 3,
	.port_lo = 30000,
	.port_hi = 30999,
};

/* allowed[row][errno]: the table, rows merged with "any command". */
static uint8_t allowed[NR_CMDS + 1][ERRNO_MAX];

/* A few buffers in turn: a message may name several unknown errnos. */
static const char *errno_name(int e)
{
	static char bufs[8][16];
	static unsigned int next;
	const char *n = e > 0 ? strerrorname_np(e) : NULL;
	char *buf;

	if (n)
		return n;
	buf = bufs[next++ % ARRAY_SIZE(bufs)];
	snprintf(buf, sizeof(bufs[0]), "errno %d", e);
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("ioctl_fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* splitmix64: fast, and good enough to pick fields. */
static inline uint64_t rnd(struct worker *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 .. n - 1 */
static inline uint32_t rn(struct worker *w, uint32_t n)
{
	return (uint32_t)(((rnd(w) >> 32) * n) >> 32);
}

#define PICK(w, arr)	((arr)[rn(w, ARRAY_SIZE(arr))])

static void fill_random(struct worker *w, void *p, size_t len)
{
	uint8_t *b = p;

	while (len >= 8) {
		uint64_t v = rnd(w);

		memcpy(b, &v, 8);
		b += 8;
		len -= 8;
	}
	while (len--)
		*b++ = (uint8_t)rnd(w);
}

static void hexdump(const void *p, size_t len, char *out, size_t room)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len && 2 * i + 2 < room; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * i] = '\0';
}

static void write_rec(int fd, const struct rec *r)
{
	while (write(fd, r, sizeof(*r)) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------------------
 * The errno table of Documentation/ioctl.rst
 */

static int errno_by_name(const char *name)
{
	int e;

	for (e = 1; e < ERRNO_MAX; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return -1;
}

/* A border of a simple table: two runs of '='; *col2 is the second's start. */
static bool table_border(const char *l, int *col2)
{
	const char *p = l;

	if (*p != '=')
		return false;
	while (*p == '=')
		p++;
	if (*p != ' ')
		return false;
	while (*p == ' ')
		p++;
	if (*p != '=')
		return false;
	if (col2)
		*col2 = (int)(p - l);
	while (*p == '=')
		p++;
	return *p == '\0';
}

static bool heading_rule(const char *l)
{
	return *l == '=' && l[strspn(l, "=")] == '\0';
}

static int table_row(const char *name)
{
	int i;

	if (!strcmp(name, "any command"))
		return ROW_ANY;
	if (strncmp(name, "SYNCSOCK_IOC_", 13))
		return -1;
	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(name + 13, cmds[i].name))
			return i;
	return -1;
}

/*
 * The simple table under the heading "Errors by command": a row per command
 * ("any command" applies to all), errno names in the second column, and
 * continuation lines with an empty first column belong to the row above.
 */
static void load_errno_doc(const char *path)
{
	enum { HEADING, TABLE, HEADER, ROWS, DONE } state = HEADING;
	bool seen[NR_CMDS + 1] = { false };
	char line[1024], prev[1024] = "";
	int col2 = 0, row = -1, i, e;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot read the errno table %s: %m", path);
	while (state != DONE && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		switch (state) {
		case HEADING:
			if (heading_rule(line) && !strcmp(prev, "Errors by command"))
				state = TABLE;
			break;
		case TABLE:
			if (table_border(line, &col2))
				state = HEADER;
			break;
		case HEADER:
			if (table_border(line, NULL))
				state = ROWS;
			break;
		case ROWS: {
			char first[128], *tok, *save;
			size_t n;

			if (table_border(line, NULL)) {
				state = DONE;
				break;
			}
			if (!line[strspn(line, " \t")])
				break;
			n = MIN(strlen(line), (size_t)col2);
			snprintf(first, sizeof(first), "%.*s", (int)n, line);
			first[strcspn(first, "\t")] = '\0';
			n = strlen(first);
			while (n && first[n - 1] == ' ')
				first[--n] = '\0';
			if (first[0]) {
				row = table_row(first);
				if (row < 0)
					die("%s: unknown command '%s' in the errno table", path,
					    first);
				seen[row] = true;
			} else if (row < 0) {
				die("%s: the errno table starts with a continuation line", path);
			}
			if (strlen(line) <= (size_t)col2)
				break;
			for (tok = strtok_r(line + col2, " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				e = errno_by_name(tok);
				if (e < 0)
					die("%s: unknown errno '%s' in the row of %s", path, tok,
					    row == ROW_ANY ? "any command" : cmds[row].name);
				allowed[row][e] = 1;
			}
			break;
		}
		case DONE:
			break;
		}
		snprintf(prev, sizeof(prev), "%s", line);
	}
	fclose(f);
	if (state != DONE)
		die("%s: no complete table under \"Errors by command\"", path);
	for (i = 0; i <= NR_CMDS; i++)
		if (!seen[i])
			die("%s: the errno table has no row for %s", path,
			    i == ROW_ANY ? "any command" : cmds[i].name);
	for (i = 0; i < NR_CMDS; i++)
		for (e = 0; e < ERRNO_MAX; e++)
			allowed[i][e] |= allowed[ROW_ANY][e];
}

/* ------------------------------------------------------------------------
 * Reports and violations
 */

static void report(struct worker *w)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.type = REC_COUNTS;
	r.kind = w->kind;
	r.u.c = w->cnt;
	write_rec(w->report_fd, &r);
	memset(&w->cnt, 0, sizeof(w->cnt));
	w->last_report = now();
}

/* Counted always; the first SAMPLES_MAX of a worker are printed and sent. */
static void __attribute__((format(printf, 2, 3))) violation(struct worker *w, const char *fmt, ...)
{
	struct rec r;
	va_list ap;
	int n;

	w->cnt.violations++;
	if (w->samples >= SAMPLES_MAX)
		return;
	w->samples++;
	memset(&r, 0, sizeof(r));
	r.type = REC_TEXT;
	r.kind = w->kind;
	n = snprintf(r.u.text, sizeof(r.u.text), "%s[%d]: ", kind_names[w->kind], getpid());
	va_start(ap, fmt);
	vsnprintf(r.u.text + n, sizeof(r.u.text) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "ioctl_fuzz: VIOLATION: %s\n", r.u.text);
	write_rec(w->report_fd, &r);
}

static void call_violation(struct worker *w, const struct call *c, int e, const char *what)
{
	char hex[2 * sizeof(w->s) + 1];

	hexdump(w->s.raw, c->len, hex, sizeof(hex));
	violation(w, "%s (%s; argument %s) cmd 0x%08x: %s %s; structure %s",
		  c->bucket == BUCKET_OTHER ? "other" : cmds[c->bucket].name, c->how,
		  argp_names[c->argp], c->cmd, e ? errno_name(e) : "success", what, hex);
}

/* ------------------------------------------------------------------------
 * Memory
 */

static void arena_init(struct worker *w)
{
	size_t stats = (1 + (size_t)w->ncpu) * (SYNCSOCK_STAT_MAX + 16) * sizeof(uint64_t);
	size_t lists = LIST_ROOM * (sizeof(struct syncsock_pair_info) >
				    sizeof(struct syncsock_listener_info) ?
				    sizeof(struct syncsock_pair_info) :
				    sizeof(struct syncsock_listener_info));
	size_t out, a_len, total;
	uint8_t *res;
	int mfd;

	w->pg = (size_t)sysconf(_SC_PAGESIZE);
	out = (stats > lists ? stats : lists) + w->pg - 1;
	out -= out % w->pg;
	a_len = OUT_OFF(w) + out;
	total = a_len + 2 * w->pg + C_LEN(w) + w->pg;

	/* [A][PROT_NONE][unmapped][C][PROT_NONE] */
	res = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mfd = memfd_create("ioctl_fuzz", MFD_CLOEXEC);
	if (res == MAP_FAILED || mfd < 0 || ftruncate(mfd, (off_t)a_len))
		die("worker memory: %m");
	w->a = mmap(res, a_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0);
	w->ro = mmap(NULL, a_len, PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);
	if (w->a == MAP_FAILED || w->ro == MAP_FAILED)
		die("worker memory: %m");
	w->a_end = w->a + a_len;
	w->out = w->a + OUT_OFF(w);
	w->hole = w->a_end + w->pg;
	w->c = w->hole + w->pg;
	w->c_end = w->c + C_LEN(w);
	if (munmap(w->hole, w->pg) || mprotect(w->c, C_LEN(w), PROT_READ | PROT_WRITE))
		die("worker memory: %m");

	/* "length=2" and spaces: the longest configuration there may be. */
	memset(w->c + C_ECHO_1023, ' ', 1023);
	memcpy(w->c + C_ECHO_1023, "length=2", 8);
	w->c[C_ECHO_1023 + 1023] = '\0';
	memset(w->c + C_HTTP_1023, 'x', 1023);
	memcpy(w->c + C_HTTP_1023, "body=", 5);
	w->c[C_HTTP_1023 + 1023] = '\0';
	memset(w->c + C_LONG_1024, 'a', 1024);
	w->c[C_LONG_1024 + 1024] = '\0';
	memset(w->c_end - C_RUN, 'b', C_RUN);
}

/*
 * A pointer for a field, to nothing or to memory the kernel may not write
 * (read-only, straddling the PROT_NONE page after @len bytes at most), or
 * NULL (for config and err: none, which is valid).
 */
static uint64_t bad_uptr(struct worker *w, size_t len)
{
	switch (rn(w, 8)) {
	case 0:
		return 1;
	case 1:
		return KERNEL_ADDR;
	case 2:
		return 0x8000000000000000ULL;	/* not canonical */
	case 3:
		return (uintptr_t)(w->hole + rn(w, (uint32_t)w->pg));
	case 4:
		return (uintptr_t)(w->a_end + rn(w, (uint32_t)w->pg));
	case 5:
		return (uintptr_t)(w->ro + OUT_OFF(w));
	case 6:
		return 0;
	default:
		return (uintptr_t)(w->a_end - 1 - rn(w, (uint32_t)MIN(len, w->pg)));
	}
}

/* Put the structure built in w->s where c->argp says. */
static void place_arg(struct worker *w, struct call *c)
{
	size_t k;

	c->rw = NULL;
	switch (c->argp) {
	case ARG_RW:
		c->rw = w->a;
		break;
	case ARG_MISALIGNED:
		c->rw = w->a + 1 + rn(w, 7);
		break;
	case ARG_RO:
		memcpy(w->a, w->s.raw, c->len);
		c->arg = (unsigned long)w->ro;
		return;
	case ARG_STRADDLE:
		/* At least one byte in, at least one byte out. */
		k = 1 + rn(w, (uint32_t)c->len - 1);
		memcpy(w->a_end - k, w->s.raw, k);
		c->arg = (unsigned long)(w->a_end - k);
		return;
	case ARG_NULL:
		c->arg = 0;
		return;
	case ARG_ONE:
		c->arg = 1;
		return;
	case ARG_KERNEL:
		c->arg = ARG_KERNEL_ADDR;
		return;
	case ARG_HOLE:
		c->arg = (unsigned long)(w->hole + rn(w, (uint32_t)w->pg));
		return;
	case ARG_GUARD:
		c->arg = (unsigned long)(w->a_end + rn(w, (uint32_t)w->pg));
		return;
	case NR_ARGP:
		break;
	}
	memcpy(c->rw, w->s.raw, c->len);
	c->arg = (unsigned long)c->rw;
}

static enum argp bad_argp(struct worker *w)
{
	return (enum argp)(ARG_RO + rn(w, NR_ARGP - ARG_RO));
}

/* ------------------------------------------------------------------------
 * The handlers, and configurations each takes or refuses
 */

static const char *const echo_good[] = {
	"", "length=2", "delim=\\n", "delim=\\r\\n max=4096", "length=1 count=body",
	"length=4 offset=2 header=8 endian=little count=all max=65536", "delim=\\x00\\xff",
};
static const char *const echo_bad[] = {
	"length=3", "delim=", "nonsense", "length=2 offset=70000", "length=8 max=1",
	"endian=middle length=2", "delim=\\q", "max=4096",
};
static const char *const http_good[] = {
	"", "status=404", "type=application/json body={\"ok\":true}", "body-size=1000",
	"status=201 body=hello world",
};
static const char *const http_bad[] = {
	"status=99", "status=abc", "type=", "body-size=99999999999", "colour=blue", "status",
};
static const char *const none_good[] = { "" };
static const char *const none_bad[] = { "x", "length=2" };
static const char *const kv_good[] = { "", "max-keys=16", "max-keys=100", "max-keys=1000000" };
static const char *const kv_bad[] = { "max-keys=0", "max-keys=1000001", "keys=5", "max-keys=" };
/* Setup only parses: no backend need answer, IPv6 ones need no IPv6. */
static const char *const proxy_good[] = {
	"backends=127.0.0.1:9", "backends=[::1]:9",
	"backends=127.0.0.1:9,[::1]:9,198.18.0.1:80 connect-timeout=1",
	"connect-timeout=86400000 backends=[2001:db8::1]:443",
};
static const char *const proxy_bad[] = {
	"backends=", "backends=127.0.0.1", "backends=127.0.0.1:0", "backends=127.0.0.1:70000",
	"backends=127.0.0.1:9,", "backends=localhost:80", "backends=[::1:80",
	"connect-timeout=1000", "backends=127.0.0.1:9 connect-timeout=0",
	"backends=127.0.0.1:9 connect-timeout=86400001", "backend=127.0.0.1:9",
};

enum { H_ECHO, H_DISCARD, H_HTTP, H_SOCKPERF, H_KVCOUNTER, H_PROXY, NR_HANDLERS };

#define CFGS(a)	a, ARRAY_SIZE(a)
static const struct handler_desc {
	const char *name;
	const char *const *good;
	unsigned int ngood;
	const char *const *bad;
	unsigned int nbad;
	bool no_config;		/* refuses any configuration but "" */
	bool needs_config;	/* refuses "" (and none) */
	bool pairs;		/* opens connections (syncsock_connect()): pairs */
} handlers[NR_HANDLERS] = {
	[H_ECHO] = { "echo", CFGS(echo_good), CFGS(echo_bad), false, false, false },
	[H_DISCARD] = { "discard", CFGS(none_good), CFGS(none_bad), true, false, false },
	[H_HTTP] = { "http", CFGS(http_good), CFGS(http_bad), false, false, false },
	[H_SOCKPERF] = { "sockperf", CFGS(none_good), CFGS(none_bad), true, false, false },
	[H_KVCOUNTER] = { "kvcounter", CFGS(kv_good), CFGS(kv_bad), false, false, false },
	[H_PROXY] = { "proxy", CFGS(proxy_good), CFGS(proxy_bad), false, true, true },
};

static const uint8_t v4_loop[16] = { 127, 0, 0, 1 };
static const uint8_t v6_loop[16] = { [15] = 1 };
static const uint8_t any_addr[16];

/* ------------------------------------------------------------------------
 * What the kernel must answer: a model of the checks of control.c, and of
 * listener.c, the handlers and bind() after it, in their order
 */

static void may(struct expect *x, int e)
{
	if (!x->done)
		x->m[e / 64] |= 1ULL << (e % 64);
}

static void must(struct expect *x, int e, const char *why)
{
	if (x->done)
		return;
	may(x, e);
	x->done = true;
	x->why = why;
}

static bool allows(const struct expect *x, int e)
{
	return e >= 0 && e < 3 * 64 && ((x->m[e / 64] >> (e % 64)) & 1);
}

static void expect_text(const struct expect *x, char *out, size_t room)
{
	size_t n = 0;
	int e;

	out[0] = '\0';
	for (e = 0; e < 3 * 64 && n < room; e++)
		if (allows(x, e))
			n += snprintf(out + n, room - n, "%s%s", n ? "|" : "",
				      e ? errno_name(e) : "success");
}

static const struct live *live_of(const struct worker *w, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < w->nlive; i++)
		if (w->live[i].id == id)
			return &w->live[i];
	return NULL;
}

static bool is_own(const struct worker *w, uint32_t id)
{
	return live_of(w, id) != NULL;
}

static bool was_given(const struct worker *w, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < w->never; i++)
		if (w->ever[i] == id)
			return true;
	return false;
}

static bool registered(const struct worker *w, const char *name)
{
	unsigned int i;

	for (i = 0; i < w->nhnames; i++)
		if (!strcmp(w->hnames[i], name))
			return true;
	return false;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

enum mem { MEM_RW, MEM_RO, MEM_FAULT, MEM_UNKNOWN };

/*
 * What @n bytes at user address @p are to the kernel: readable and
 * writable, readable only, a fault (a byte of them is in no mapping, or in
 * a PROT_NONE one: the worker's arenas end in one), or not the worker's to
 * know.
 */
static enum mem mem_class(const struct worker *w, uint64_t p, uint64_t n)
{
	uint64_t a = (uintptr_t)w->a, a_end = (uintptr_t)w->a_end;
	uint64_t c = (uintptr_t)w->c, c_end = (uintptr_t)w->c_end;
	uint64_t ro = (uintptr_t)w->ro, ro_end = ro + (a_end - a);

	if (!n)
		return MEM_RW;
	if (p < 4096 || p >= USER_TOP || p + n < p)
		return MEM_FAULT;
	if (p >= a && p < a_end)
		return p + n <= a_end ? MEM_RW : MEM_FAULT;
	if (p >= a_end && p < c)
		return MEM_FAULT;	/* A's PROT_NONE page, the hole */
	if (p >= c && p < c_end)
		return p + n <= c_end ? MEM_RW : MEM_FAULT;
	if (p >= c_end && p < c_end + w->pg)
		return MEM_FAULT;
	if (p >= ro && p < ro_end)
		return p + n <= ro_end ? MEM_RO : MEM_UNKNOWN;
	return MEM_UNKNOWN;
}

static bool literal_config(uint64_t p)
{
	unsigned int i, j;

	for (i = 0; i < NR_HANDLERS; i++) {
		for (j = 0; j < handlers[i].ngood; j++)
			if (p == (uintptr_t)handlers[i].good[j])
				return true;
		for (j = 0; j < handlers[i].nbad; j++)
			if (p == (uintptr_t)handlers[i].bad[j])
				return true;
	}
	return false;
}

enum str { STR_OK, STR_LONG, STR_FAULT, STR_UNKNOWN };

/*
 * What strncpy_from_user() makes of a configuration pointer: a string (its
 * text in *@s; "" for none), one without a NUL in SYNCSOCK_CONFIG_MAX bytes,
 * a fault before its NUL, or not the worker's to know.
 */
static enum str config_class(const struct worker *w, uint64_t p, const char **s)
{
	const uint8_t *q;
	size_t room, lim;
	bool faults_after = true;

	*s = NULL;
	if (!p || literal_config(p)) {
		*s = p ? (const char *)(uintptr_t)p : "";
		return STR_OK;
	}
	switch (mem_class(w, p, 1)) {
	case MEM_FAULT:
		return STR_FAULT;
	case MEM_UNKNOWN:
		return STR_UNKNOWN;
	case MEM_RO:
		/* The same memory as A; what follows it is not known. */
		q = w->a + (p - (uintptr_t)w->ro);
		room = (size_t)(w->a_end - q);
		faults_after = false;
		break;
	default:
		q = (const uint8_t *)(uintptr_t)p;
		room = (size_t)((q < w->a_end ? w->a_end : w->c_end) - q);
		break;
	}
	lim = MIN(room, (size_t)SYNCSOCK_CONFIG_MAX);
	if (strnlen((const char *)q, lim) < lim) {
		*s = (const char *)q;
		return STR_OK;
	}
	if (room >= SYNCSOCK_CONFIG_MAX)
		return STR_LONG;
	return faults_after ? STR_FAULT : STR_UNKNOWN;
}

enum verdict { V_ACCEPT, V_REFUSE, V_UNKNOWN };

/* Does handler @h take configuration @s (NULL: not known)? */
static enum verdict config_verdict(const struct worker *w, const struct handler_desc *h,
				   const char *s)
{
	unsigned int i;

	if (!s || !h)
		return V_UNKNOWN;
	if (!*s)
		return h->needs_config ? V_REFUSE : V_ACCEPT;
	if (h->no_config)
		return V_REFUSE;
	for (i = 0; i < h->ngood; i++)
		if (!strcmp(s, h->good[i]))
			return V_ACCEPT;
	for (i = 0; i < h->nbad; i++)
		if (!strcmp(s, h->bad[i]))
			return V_REFUSE;
	/* The 1023-byte ones: each is an option the other handlers do not know. */
	if (s == (const char *)w->c + C_ECHO_1023)
		return h == &handlers[H_ECHO] ? V_ACCEPT : V_REFUSE;
	if (s == (const char *)w->c + C_HTTP_1023)
		return h == &handlers[H_HTTP] ? V_ACCEPT : V_REFUSE;
	return V_UNKNOWN;
}

/* ipv6_addr_type()'s IPV6_ADDR_LINKLOCAL: fe80::/10, and link-scope multicast. */
static bool v6_link_local(const uint8_t *a)
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) == 2);
}

enum where { AT_LOCAL, AT_NONLOCAL, AT_UNKNOWN };

/*
 * Where an address is, for bind(): local in every namespace with lo up
 * (127/8, ::1, the any addresses), local in none (198.18.0.0/15,
 * 2001:db8::/32, 7f00::/8), or it depends.
 */
static enum where addr_where(const struct syncsock_addr *a)
{
	if (a->family == AF_INET) {
		if (a->addr[0] == 127 || all_zero(a->addr, 4))
			return AT_LOCAL;
		if (a->addr[0] == 198 && (a->addr[1] & 0xfe) == 18)
			return AT_NONLOCAL;
		return AT_UNKNOWN;
	}
	if (!memcmp(a->addr, v6_loop, 16) || all_zero(a->addr, 16))
		return AT_LOCAL;
	if (!memcmp(a->addr, "\x20\x01\x0d\xb8", 4) || a->addr[0] == 0x7f)
		return AT_NONLOCAL;
	return AT_UNKNOWN;
}

/* A timeout of struct syncsock_listener_add: 0 is the default. */
static bool timeout_bad(uint32_t ms)
{
	return ms && ms != SYNCSOCK_TIMEOUT_OFF && ms > SYNCSOCK_TIMEOUT_MAX_MS;
}

/*
 * syncsock_ioc_add(), then syncsock_listener_add(): the copy, the
 * capability, the reserved fields, the address, the configuration string,
 * syncsock_cfg_check(), the handler and its setup, the socket and bind(),
 * and the id written back (a read-only argument: the listener undone).
 */
static void expect_add(const struct worker *w, const struct call *c, struct expect *x)
{
	const struct syncsock_listener_add *a = &w->s.add;
	const struct syncsock_addr *ad = &a->addr;
	enum mem m = mem_class(w, c->arg, sizeof(*a));
	const struct handler_desc *h = NULL;
	bool freebind = a->flags & SYNCSOCK_LISTENER_F_FREEBIND;
	const char *text;
	unsigned int i;

	if (m == MEM_FAULT)
		must(x, EFAULT, "the argument cannot be read");
	else if (m == MEM_UNKNOWN)
		may(x, EFAULT);
	if (!w->priv)
		must(x, EPERM, "LISTENER_ADD without CAP_NET_ADMIN");
	if (!all_zero(a->reserved, sizeof(a->reserved)) || (a->flags & ~SYNCSOCK_LISTENER_F_ALL) ||
	    a->id || !memchr(a->handler, 0, sizeof(a->handler)))
		must(x, EINVAL, "a reserved field, an unknown flag, an id, or no NUL in handler");
	may(x, ENOMEM);
	if (!ad->port)
		must(x, EINVAL, "port 0");
	if (ad->family == AF_INET) {
		if (ad->scope_id || !all_zero(ad->addr + 4, sizeof(ad->addr) - 4))
			must(x, EINVAL, "an IPv4 address with a scope_id, or bytes past its 4");
	} else if (ad->family == AF_INET6) {
		if (ad->scope_id && !v6_link_local(ad->addr))
			must(x, EINVAL, "a scope_id with an IPv6 address that is not link-local");
	} else {
		must(x, EAFNOSUPPORT, "a family neither AF_INET nor AF_INET6");
	}
	if ((a->flags & SYNCSOCK_LISTENER_F_V6ONLY) && ad->family != AF_INET6)
		must(x, EINVAL, "v6only with an IPv4 address");
	switch (config_class(w, a->config, &text)) {
	case STR_FAULT:
		must(x, EFAULT, "the configuration cannot be read up to its NUL");
		break;
	case STR_LONG:
		must(x, EINVAL, "a configuration without a NUL in its first 1024 bytes");
		break;
	case STR_UNKNOWN:
		may(x, EFAULT);
		may(x, EINVAL);
		break;
	case STR_OK:
		break;
	}
	if (a->backlog > 65535 || a->max_conns > 1000000 || a->txq_limit > 64u << 20 ||
	    a->close_timeout_ms > 600000 || timeout_bad(a->idle_timeout_ms) ||
	    timeout_bad(a->msg_timeout_ms) || timeout_bad(a->user_timeout_ms))
		must(x, EINVAL, "a limit or a timeout out of range");
	for (i = 0; i < NR_HANDLERS; i++)
		if (!strcmp(a->handler, handlers[i].name))
			h = &handlers[i];
	if (!w->handlers_known)
		may(x, ENOENT);
	else if (!registered(w, a->handler))
		must(x, ENOENT, "no handler by that name");
	switch (config_verdict(w, h, text)) {
	case V_REFUSE:
		must(x, EINVAL, "a configuration the handler refuses");
		break;
	case V_UNKNOWN:
		may(x, EINVAL);
		break;
	case V_ACCEPT:
		break;
	}
	/* The socket, then bind() (__inet_bind(), __inet6_bind()). */
	may(x, ENFILE);
	may(x, EMFILE);
	may(x, ENOBUFS);
	if (ad->family == AF_INET6 && !w->v6_ok) {
		may(x, EAFNOSUPPORT);
		may(x, EADDRNOTAVAIL);
	}
	if (ad->port < w->unpriv_port && !w->bind_cap)
		may(x, EACCES);
	if (ad->family == AF_INET6 && ad->addr[0] == 0xff) {
		must(x, EINVAL, "a multicast address for a TCP listener");
	} else if (ad->family == AF_INET6 && v6_link_local(ad->addr)) {
		if (!ad->scope_id)
			must(x, EINVAL, "a link-local address without a scope_id");
		else if (ad->scope_id >= 0x10000)
			must(x, ENODEV, "a link-local address with a scope_id no interface has");
		else if (ad->scope_id != 1)
			may(x, ENODEV);
		if (!freebind)
			must(x, EADDRNOTAVAIL, "a link-local address the namespace has not, "
			     "without FREEBIND");
	} else {
		switch (addr_where(ad)) {
		case AT_NONLOCAL:
			if (!freebind)
				must(x, EADDRNOTAVAIL, "a non-local address without FREEBIND");
			break;
		case AT_UNKNOWN:
			may(x, EADDRNOTAVAIL);
			may(x, EINVAL);
			break;
		case AT_LOCAL:
			break;
		}
	}
	may(x, EADDRINUSE);
	x->full_path = !x->done;
	if (m == MEM_RO)
		must(x, EFAULT, "the listener made, its id cannot be written back: undone");
	must(x, 0, "a valid listener, unless the port is taken");
}

/* The argument: read (copy_from_user()) in full, or EFAULT. */
static enum mem expect_arg(const struct worker *w, const struct call *c, struct expect *x)
{
	enum mem m = mem_class(w, c->arg, c->len);

	if (m == MEM_FAULT)
		must(x, EFAULT, "the argument cannot be read");
	else if (m == MEM_UNKNOWN)
		may(x, EFAULT);
	return m;
}

/* The structure read back (copy_to_user() of the argument), or EFAULT. */
static void expect_written_back(struct expect *x, enum mem m, const char *why)
{
	if (m == MEM_UNKNOWN)
		may(x, EFAULT);
	else if (m != MEM_RW)
		must(x, EFAULT, "the argument cannot be written back");
	must(x, 0, why);
}

static void expect_del(const struct worker *w, const struct call *c, struct expect *x)
{
	const struct syncsock_listener_del *d = &w->s.del;

	expect_arg(w, c, x);
	if (!w->priv)
		must(x, EPERM, "LISTENER_DEL without CAP_NET_ADMIN");
	if (!all_zero(d->reserved, sizeof(d->reserved)) || (d->flags & ~SYNCSOCK_DEL_F_ALL))
		must(x, EINVAL, "a reserved field or an unknown flag");
	if (is_own(w, d->id))
		must(x, 0, "one of the worker's own listeners");
	if (!d->id || d->id >= ID_NEVER || was_given(w, d->id))
		must(x, ENOENT, "an id never given, or one the worker deleted");
	may(x, 0);
	must(x, ENOENT, "another's listener, or none");
}

static void expect_get(const struct worker *w, const struct call *c, struct expect *x)
{
	uint32_t id = w->s.info.id;
	enum mem m = mem_class(w, c->arg, sizeof(id));

	if (m == MEM_FAULT)
		must(x, EFAULT, "the id cannot be read");
	else if (m == MEM_UNKNOWN)
		may(x, EFAULT);
	if (!id || id >= ID_NEVER)
		must(x, ENOENT, "an id never given");
	if (!is_own(w, id))
		may(x, ENOENT);
	expect_written_back(x, mem_class(w, c->arg, c->len), "a listener found");
}

/* LISTENER_LIST and HANDLER_LIST: count entries at most, as many as there are. */
static void expect_list(const struct worker *w, const struct call *c, struct expect *x,
			bool listeners)
{
	const struct syncsock_listener_list *l = &w->s.list;
	uint64_t entry = listeners ? sizeof(struct syncsock_listener_info) :
				     sizeof(struct syncsock_handler_info);
	uint32_t room = listeners ? l->count : MIN(l->count, 1024u);
	enum mem m = expect_arg(w, c, x);

	if (!all_zero(l->reserved, sizeof(l->reserved)))
		must(x, EINVAL, "a reserved field");
	if (room) {
		may(x, ENOMEM);
		/* There is always a handler; there may be no listener. */
		if (!listeners && mem_class(w, l->entries, entry) != MEM_RW &&
		    mem_class(w, l->entries, entry) != MEM_UNKNOWN)
			must(x, EFAULT, "the entries cannot be written, and there is a handler");
		if (mem_class(w, l->entries, room * entry) != MEM_RW)
			may(x, EFAULT);
	} else if (!listeners && m == MEM_RW) {
		must(x, ENOSPC, "no room, and there is a handler");
	}
	if (m == MEM_RW)
		may(x, ENOSPC);
	expect_written_back(x, m, "room for all there are");
}

/*
 * PAIR_LIST: the reserved fields, the listener (id 0: all), memory for the
 * pairs there are, then count entries at most, as many as there are.  Who
 * the caller is does not matter.  There may be no pair (nothing written to
 * the entries, no ENOSPC), except that a listener of the worker's own whose
 * handler opens no connection has none for sure.
 */
static void expect_pairs(const struct worker *w, const struct call *c, struct expect *x)
{
	const struct syncsock_pair_list *l = &w->s.pairs;
	const struct live *own = l->id ? live_of(w, l->id) : NULL;
	uint32_t room = MIN(l->count, (uint32_t)LIST_MAX);
	enum mem m = expect_arg(w, c, x);

	if (l->reserved0 || !all_zero(l->reserved, sizeof(l->reserved)))
		must(x, EINVAL, "a reserved field");
	if (l->id && l->id >= ID_NEVER)
		must(x, ENOENT, "a listener id never given");
	if (l->id && !own)
		may(x, ENOENT);
	if (room)
		may(x, ENOMEM);
	if (own && !own->pairs) {
		expect_written_back(x, m, "a listener of the worker's whose handler opens no "
				    "connection: no pair, nothing written to the entries");
		return;
	}
	if (room && mem_class(w, l->entries, (uint64_t)room * sizeof(struct syncsock_pair_info)) !=
		    MEM_RW)
		may(x, EFAULT);
	if (m == MEM_RW)
		may(x, ENOSPC);
	expect_written_back(x, m, "room for all there are");
}

static void expect_stats(const struct worker *w, const struct call *c, struct expect *x)
{
	const struct syncsock_stats_get *st = &w->s.stats;
	uint32_t rows = 1 + ((st->flags & SYNCSOCK_STATS_F_PER_CPU) ? w->sh->nr_cpu_ids : 0);
	enum mem m = expect_arg(w, c, x);
	enum mem mv;

	if (!all_zero(st->reserved, sizeof(st->reserved)) ||
	    (st->flags & ~SYNCSOCK_STATS_F_ALL) || !st->nr_stats)
		must(x, EINVAL, "a reserved field, an unknown flag or nr_stats 0");
	if (st->nr_rows < rows) {
		/* Answered with the rows needed, written back. */
		if (m == MEM_UNKNOWN)
			may(x, EFAULT);
		else if (m != MEM_RW)
			must(x, EFAULT, "the argument cannot be written back");
		must(x, ENOSPC, "nr_rows below the rows there are");
	}
	may(x, ENOMEM);
	if (st->id && st->id >= ID_NEVER)
		must(x, ENOENT, "a listener id never given");
	if (st->id && !is_own(w, st->id))
		may(x, ENOENT);
	/* Every counter of every row is written, each with put_user(). */
	mv = mem_class(w, st->values, (uint64_t)rows * MIN(st->nr_stats, w->sh->nr_stats) * 8);
	if (mv == MEM_UNKNOWN)
		may(x, EFAULT);
	else if (mv != MEM_RW)
		must(x, EFAULT, "the values cannot be written");
	expect_written_back(x, m, "room for the rows");
}

/* What the kernel may answer @c (its structure in w->s, its argument placed). */
static void expect_call(const struct worker *w, struct call *c)
{
	struct expect *x = &c->x;

	memset(x, 0, sizeof(*x));
	if (c->row < 0) {
		must(x, ENOTTY, "an ioctl of another type");
		return;
	}
	if (!c->exact) {
		if (_IOC_NR(c->cmd) < NR_CMDS)
			must(x, EINVAL, "a known command number with another size or direction");
		else
			must(x, ENOTTY, "a command number the module does not know");
		return;
	}
	switch (c->bucket) {
	case C_VERSION:
		expect_written_back(x, mem_class(w, c->arg, c->len), "VERSION");
		break;
	case C_ADD:
		expect_add(w, c, x);
		break;
	case C_DEL:
		expect_del(w, c, x);
		break;
	case C_GET:
		expect_get(w, c, x);
		break;
	case C_LIST:
		expect_list(w, c, x, true);
		break;
	case C_STATS:
		expect_stats(w, c, x);
		break;
	case C_HANDLERS:
		expect_list(w, c, x, false);
		break;
	case C_PAIRS:
		expect_pairs(w, c, x);
		break;
	}
}

/* ------------------------------------------------------------------------
 * The call and its checks
 */

static void set_what(struct slot_rec *sr, const char *what)
{
	size_t n = strnlen(what, WHAT_LEN - 1);

	memcpy(sr->what, what, n);
	sr->what[n] = '\0';
}

/* The answer: in the command's row of the table, and what the model says. */
static void check_answer(struct worker *w, const struct call *c, int e)
{
	bool in_table = c->row < 0 ? e == ENOTTY :
			!e || (e < ERRNO_MAX && allowed[c->row][e]);
	bool adddel = c->exact && (c->bucket == C_ADD || c->bucket == C_DEL);
	char want[256], what[512];
	const char *rule;

	if (allows(&c->x, e)) {
		if (!in_table)
			call_violation(w, c, e, "is not in the command's row of the errno table");
		return;
	}
	if (c->row < 0)
		rule = "for an ioctl of another type";
	else if (!c->exact)
		rule = "for a malformed command number";
	else if (e == ENOTTY)
		rule = "for an exact command number (no .compat_ioctl?)";
	else if (w->priv && (e == EPERM || e == EACCES))
		rule = "for a caller with CAP_NET_ADMIN over its namespace";
	else if (!w->priv && adddel && e && e != EPERM && e != EFAULT && e != EINVAL)
		rule = "for a caller without CAP_NET_ADMIN: work done before the capability check";
	else if (!w->priv && adddel)
		rule = "for a caller without CAP_NET_ADMIN";
	else if (c->argp >= ARG_NULL)
		rule = "for an argument pointer that cannot be used";
	else
		rule = "is not what control.c answers";
	expect_text(&c->x, want, sizeof(want));
	snprintf(what, sizeof(what), "%s: expected %s (%s)", rule, want, c->x.why);
	call_violation(w, c, e, what);
}

static int do_call(struct worker *w, struct call *c)
{
	struct slot_rec *sr = w->sr;
	int e;

	sr->cmd = c->cmd;
	sr->argp = c->argp;
	sr->bucket = (uint32_t)c->bucket;
	sr->calls++;
	set_what(sr, c->how);
	__atomic_store_n(&sr->in_ioctl, 1, __ATOMIC_RELEASE);
	e = ioctl(w->fd, c->cmd, c->arg) < 0 ? errno : 0;
	__atomic_store_n(&sr->in_ioctl, 0, __ATOMIC_RELEASE);

	w->ncalls++;
	w->cnt.calls++;
	w->cnt.by_cmd[c->bucket]++;
	if (e)
		w->cnt.errnos[e < ERRNO_MAX ? e : 0]++;
	else
		w->cnt.successes++;
	check_answer(w, c, e);
	return e;
}

/* Offset of the first byte in [@p, @end) that is not FILL, or -1. */
static long touched(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q;

	for (q = p; q < end; q++)
		if (*q != FILL)
			return (long)(q - p);
	return -1;
}

/*
 * Before the call: FILL in what the kernel may write, where it is ours to
 * read back: the output area (LIST, HANDLER_LIST, PAIR_LIST and STATS_GET
 * with theirs in it) up to the caller's room and FILL_SLACK more, and
 * LISTENER_ADD's error buffer.  Not when the argument cannot be read: then it
 * may be in the output area's tail (ARG_STRADDLE), and the call writes
 * nothing.
 */
static void fill_out(struct worker *w, struct call *c)
{
	uint64_t area = (uint64_t)(w->a_end - w->out), want;

	c->fill_end = NULL;
	c->err_filled = false;
	if (!c->exact || mem_class(w, c->arg, c->len) == MEM_FAULT)
		return;
	switch (c->bucket) {
	case C_ADD:
		if (w->s.add.err != (uintptr_t)(w->a + ERR_OFF))
			return;
		memset(w->a + ERR_OFF, FILL, ERR_FILL);
		c->err_filled = true;
		return;
	case C_LIST:
	case C_HANDLERS:
		if (w->s.list.entries != (uintptr_t)w->out)
			return;
		want = MIN((uint64_t)w->s.list.count, area) *
		       (c->bucket == C_LIST ? sizeof(struct syncsock_listener_info) :
					      sizeof(struct syncsock_handler_info));
		break;
	case C_PAIRS:
		if (w->s.pairs.entries != (uintptr_t)w->out)
			return;
		want = MIN((uint64_t)w->s.pairs.count, area) * sizeof(struct syncsock_pair_info);
		break;
	case C_STATS:
		if (w->s.stats.values != (uintptr_t)w->out)
			return;
		want = MIN((uint64_t)w->s.stats.nr_rows, area) *
		       MIN((uint64_t)w->s.stats.nr_stats, area) * 8;
		break;
	default:
		return;
	}
	want = MIN(want + FILL_SLACK, area);
	memset(w->out, FILL, want);
	c->fill_end = w->out + want;
}

static void __attribute__((format(printf, 4, 5)))
out_violation(struct worker *w, const struct call *c, int e, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	call_violation(w, c, e, what);
}

/* The error buffer: nothing past err_len, nothing on success, a NUL in it. */
static void check_err(struct worker *w, const struct call *c, int e)
{
	const uint8_t *err = w->a + ERR_OFF;
	uint32_t n = w->s.add.err_len;
	size_t may_write = e ? MIN(n, (uint32_t)ERR_FILL) : 0;
	long off = touched(err + may_write, err + ERR_FILL);

	if (off >= 0)
		out_violation(w, c, e, "and byte %zu of the error buffer changed (err_len %u)",
			      may_write + (size_t)off, n);
	else if (may_write && err[0] != FILL && !memchr(err, 0, MIN(n, SYNCSOCK_ERR_MAX)))
		out_violation(w, c, e, "and the error message has no NUL in err_len %u", n);
}

static const char *info_problem(const struct syncsock_listener_info *in)
{
	if (in->reserved)
		return "reserved is not zero";
	if (!memchr(in->handler, 0, sizeof(in->handler)) || !in->handler[0])
		return "the handler's name is empty or not terminated";
	if (!in->id)
		return "id 0";
	if (in->state != SYNCSOCK_STATE_LISTENING && in->state != SYNCSOCK_STATE_DRAINING)
		return "the state is neither LISTENING nor DRAINING";
	if (!in->addr.port)
		return "port 0";
	if (in->addr.family == AF_INET)
		return in->addr.scope_id || !all_zero(in->addr.addr + 4, 12) ?
		       "an IPv4 address with a scope_id or bytes past its 4" : NULL;
	return in->addr.family == AF_INET6 ? NULL : "the family is neither AF_INET nor AF_INET6";
}

static const char *handler_problem(const struct syncsock_handler_info *in)
{
	if (in->reserved)
		return "reserved is not zero";
	if (!memchr(in->name, 0, sizeof(in->name)) || !in->name[0])
		return "the name is empty or not terminated";
	if (!memchr(in->module, 0, sizeof(in->module)) || !in->module[0])
		return "the module's name is empty or not terminated";
	return NULL;
}

/* LISTENER_LIST and HANDLER_LIST that succeeded, or said ENOSPC. */
static void check_list(struct worker *w, const struct call *c, int e, bool listeners)
{
	const struct syncsock_listener_list *in = &w->s.list;
	const struct syncsock_listener_list *out = (const void *)c->rw;
	size_t entry = listeners ? sizeof(struct syncsock_listener_info) :
				   sizeof(struct syncsock_handler_info);
	uint32_t room = listeners ? in->count : MIN(in->count, 1024u), i;
	const char *problem;
	long off;

	if (out->entries != in->entries || !all_zero(out->reserved, sizeof(out->reserved)))
		out_violation(w, c, e, "and entries or reserved read back changed");
	if (out->count != MIN(out->total, room) || out->count > in->count)
		out_violation(w, c, e, "and count %u of total %u, for room for %u", out->count,
			      out->total, in->count);
	if ((e == ENOSPC) != (out->total > room))
		out_violation(w, c, e, "with total %u, for room for %u (ENOSPC iff total > count)",
			      out->total, in->count);
	if (out->count && mem_class(w, in->entries, (uint64_t)out->count * entry) != MEM_RW)
		out_violation(w, c, e, "yet %u entries cannot have been written there", out->count);
	if (!c->fill_end)
		return;
	off = touched(w->out + (size_t)out->count * entry, c->fill_end);
	if (off >= 0)
		out_violation(w, c, e, "and byte %ld past the %u entries written changed", off,
			      out->count);
	for (i = 0; i < out->count; i++) {
		const uint8_t *p = w->out + i * entry;

		problem = listeners ? info_problem((const void *)p) :
				      handler_problem((const void *)p);
		if (problem) {
			out_violation(w, c, e, "and entry %u of %u: %s", i, out->count, problem);
			break;
		}
	}
}

/* An address of a pair: what syncsock_addr_to_user() makes of a socket's. */
static const char *pair_addr_problem(const struct syncsock_addr *a)
{
	if (a->family == AF_INET)
		return a->scope_id || !all_zero(a->addr + 4, 12) ?
		       "an IPv4 address with a scope_id or bytes past its 4" : NULL;
	return a->family == AF_INET6 ? NULL : "a family neither AF_INET nor AF_INET6";
}

/*
 * One entry of PAIR_LIST for listener @id (0: any).  Ports are not
 * checked: an outbound connection whose connect has not started yet has
 * none.  Alone in its namespace (netns, userns-own), the worker made every
 * listener there.
 */
static const char *pair_problem(const struct worker *w, const struct syncsock_pair_info *p,
				uint32_t id)
{
	const struct syncsock_addr *addrs[] = { &p->client, &p->local, &p->source, &p->backend };
	static const char *const names[] = {
		"client: ", "local: ", "source: ", "backend: ",
	};
	static char buf[96];
	const char *problem;
	unsigned int i;

	if (!all_zero(p->reserved, sizeof(p->reserved)))
		return "reserved is not zero";
	if (p->flags & ~(uint32_t)PAIR_F_KNOWN)
		return "an unknown flag";
	if (!p->listener || p->listener >= ID_NEVER)
		return "a listener id never given";
	if (id && p->listener != id)
		return "another listener than the one asked for";
	if (w->keep && w->never < EVER_MAX && !was_given(w, p->listener))
		return "a listener the worker, alone in its namespace, never made";
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		problem = pair_addr_problem(addrs[i]);
		if (problem) {
			snprintf(buf, sizeof(buf), "%s%s", names[i], problem);
			return buf;
		}
	}
	return NULL;
}

/* PAIR_LIST that succeeded, or said ENOSPC. */
static void check_pairs(struct worker *w, const struct call *c, int e)
{
	const struct syncsock_pair_list *in = &w->s.pairs;
	const struct syncsock_pair_list *out = (const void *)c->rw;
	const struct live *own = in->id ? live_of(w, in->id) : NULL;
	size_t entry = sizeof(struct syncsock_pair_info);
	uint32_t room = MIN(in->count, (uint32_t)LIST_MAX), i;
	const char *problem;
	long off;

	if (out->id != in->id || out->entries != in->entries || out->reserved0 ||
	    !all_zero(out->reserved, sizeof(out->reserved)))
		out_violation(w, c, e, "and id, entries or reserved read back changed");
	if (out->count != MIN(out->total, room))
		out_violation(w, c, e, "and count %u of total %u, for room for %u", out->count,
			      out->total, in->count);
	if ((e == ENOSPC) != (out->total > room))
		out_violation(w, c, e, "with total %u, for room for %u (ENOSPC iff total > count)",
			      out->total, in->count);
	if (own && !own->pairs && out->total)
		out_violation(w, c, e, "and %u pairs of listener %u, whose handler opens no "
			      "connection", out->total, in->id);
	if (out->count && mem_class(w, in->entries, (uint64_t)out->count * entry) != MEM_RW)
		out_violation(w, c, e, "yet %u entries cannot have been written there", out->count);
	if (!c->fill_end)
		return;
	off = touched(w->out + (size_t)out->count * entry, c->fill_end);
	if (off >= 0)
		out_violation(w, c, e, "and byte %ld past the %u entries written changed", off,
			      out->count);
	for (i = 0; i < out->count && w->out + (size_t)(i + 1) * entry <= c->fill_end; i++) {
		const struct syncsock_pair_info *p = (const void *)(w->out + i * entry);

		problem = pair_problem(w, p, in->id);
		if (problem) {
			out_violation(w, c, e, "and entry %u of %u (listener %u): %s", i,
				      out->count, p->listener, problem);
			break;
		}
	}
}

static void check_stats(struct worker *w, const struct call *c, int e)
{
	const struct syncsock_stats_get *in = &w->s.stats;
	const struct syncsock_stats_get *out = (const void *)c->rw;
	uint32_t rows = 1 + ((in->flags & SYNCSOCK_STATS_F_PER_CPU) ? w->sh->nr_cpu_ids : 0);
	uint32_t nr = e ? in->nr_stats : MIN(in->nr_stats, w->sh->nr_stats);
	long off;

	if (out->nr_rows != rows || out->nr_stats != nr)
		out_violation(w, c, e, "and nr_rows %u, nr_stats %u read back (%u and %u expected)",
			      out->nr_rows, out->nr_stats, rows, nr);
	if (out->id != in->id || out->flags != in->flags || out->values != in->values ||
	    !all_zero(out->reserved, sizeof(out->reserved)))
		out_violation(w, c, e, "and id, flags, values or reserved read back changed");
	if (!c->fill_end)
		return;
	off = touched(w->out + (e ? 0 : (size_t)rows * nr * 8), c->fill_end);
	if (off >= 0)
		out_violation(w, c, e, "and byte %ld past %u rows of %u counters written changed",
			      off, e ? 0 : rows, nr);
}

static void check_version(struct worker *w, const struct call *c, int e)
{
	const struct syncsock_version *v = (const void *)c->rw;
	const struct shared *sh = w->sh;

	if (v->abi_version != sh->abi_version || v->nr_stats != sh->nr_stats ||
	    v->nr_close_reasons != sh->nr_close_reasons || v->close_base != sh->close_base ||
	    v->nr_cpu_ids != sh->nr_cpu_ids)
		out_violation(w, c, e, "and ABI %u, %u counters, %u close reasons from %u, "
			      "%u CPUs; the parent saw %u, %u, %u from %u, %u", v->abi_version,
			      v->nr_stats, v->nr_close_reasons, v->close_base, v->nr_cpu_ids,
			      sh->abi_version, sh->nr_stats, sh->nr_close_reasons, sh->close_base,
			      sh->nr_cpu_ids);
	if (!memchr(v->module_version, 0, sizeof(v->module_version)) ||
	    !all_zero(v->reserved, sizeof(v->reserved)))
		out_violation(w, c, e, "and no NUL in the version string, or reserved not zero");
}

/* After the call: what it wrote, read back. */
static void check_out(struct worker *w, const struct call *c, int e)
{
	const struct syncsock_listener_add *add = (const void *)c->rw;
	struct syncsock_listener_add sent;
	const char *problem;
	long off;

	if (!c->exact)
		return;
	if (c->err_filled)
		check_err(w, c, e);
	/* A failure writes no output (EFAULT may have written a part). */
	if (c->fill_end && e && e != ENOSPC && e != EFAULT) {
		off = touched(w->out, c->fill_end);
		if (off >= 0)
			out_violation(w, c, e, "yet byte %ld of the output area changed", off);
	}
	if ((e && e != ENOSPC) || !c->rw)
		return;
	switch (c->bucket) {
	case C_VERSION:
		check_version(w, c, e);
		break;
	case C_ADD:
		sent = w->s.add;
		sent.id = add->id;
		if (!add->id || add->id >= ID_NEVER || memcmp(&sent, add, sizeof(sent)))
			out_violation(w, c, e, "and id %u, or another field, read back", add->id);
		break;
	case C_GET:
		problem = info_problem((const void *)c->rw);
		if (problem || ((const struct syncsock_listener_info *)c->rw)->id != w->s.info.id)
			out_violation(w, c, e, "and the listener read back: %s",
				      problem ? problem : "another id");
		break;
	case C_LIST:
		check_list(w, c, e, true);
		break;
	case C_STATS:
		check_stats(w, c, e);
		break;
	case C_HANDLERS:
		check_list(w, c, e, false);
		break;
	case C_PAIRS:
		check_pairs(w, c, e);
		break;
	}
}

/*
 * May a heavy call of this class go now?  A few may be saved up, and every
 * worker starts with one (worker_main()): on a slow kernel, a slice is only
 * a few thousand calls.
 */
static bool heavy_ok(struct worker *w, enum heavy h)
{
	if (w->ncalls - w->heavy_mark[h] < HEAVY_EVERY)
		return false;
	w->heavy_mark[h] += HEAVY_EVERY;
	if (w->ncalls - w->heavy_mark[h] > 4 * HEAVY_EVERY)
		w->heavy_mark[h] = w->ncalls - 4 * HEAVY_EVERY;
	return true;
}

static int send_call(struct worker *w, struct call *c);

static int del_id(struct worker *w, uint32_t id, bool abort, const char *how)
{
	struct call c = {
		.cmd = SYNCSOCK_IOC_LISTENER_DEL, .row = C_DEL, .bucket = C_DEL, .exact = true,
		.argp = ARG_RW, .how = how, .len = sizeof(w->s.del),
	};

	memset(&w->s.del, 0, sizeof(w->s.del));
	w->s.del.id = id;
	w->s.del.flags = abort ? SYNCSOCK_DEL_F_ABORT : 0;
	return send_call(w, &c);
}

/*
 * List the namespace's listeners into the output area: the entries, or NULL
 * with the errno in *@e.
 */
static const struct syncsock_listener_info *list_all(struct worker *w, const char *how,
						     uint32_t *count, int *e)
{
	struct call c = {
		.cmd = SYNCSOCK_IOC_LISTENER_LIST, .row = C_LIST, .bucket = C_LIST, .exact = true,
		.argp = ARG_RW, .how = how, .len = sizeof(w->s.list),
	};

	memset(&w->s.list, 0, sizeof(w->s.list));
	w->s.list.entries = (uintptr_t)w->out;
	w->s.list.count = LIST_ROOM;
	*e = send_call(w, &c);
	if (*e)
		return NULL;
	*count = ((const struct syncsock_listener_list *)c.rw)->count;
	return (const struct syncsock_listener_info *)w->out;
}

/*
 * After a LISTENER_ADD on @port with a read-only argument that got as far as
 * making the listener, by a caller that may add: the kernel could not write
 * its id back and must have deleted it.  Only this worker adds listeners on
 * its ports in its namespace: one listening there that is not one of its
 * own is the leak.
 */
static void check_no_leak(struct worker *w, int e_add, uint16_t port)
{
	const struct syncsock_listener_info *in;
	uint32_t i, n;
	int e;

	in = list_all(w, "valid (leak check after a read-only LISTENER_ADD)", &n, &e);
	if (!in) {
		violation(w, "leak check after a read-only LISTENER_ADD on port %u (%s): "
			  "LISTENER_LIST failed: %s", port, errno_name(e_add), errno_name(e));
		return;
	}
	for (i = 0; i < n; i++)
		if (in[i].state == SYNCSOCK_STATE_LISTENING && in[i].addr.port == port &&
		    !is_own(w, in[i].id))
			violation(w, "LISTENER_ADD with a read-only argument returned %s, yet "
				  "listener %u it made (port %u) is still listening",
				  errno_name(e_add), in[i].id, in[i].addr.port);
}

/*
 * A port of the worker's share that no listener of its namespace uses, for
 * a read-only LISTENER_ADD to get as far as the undo.  0: none found (or the
 * list failed: reported).
 */
static uint16_t free_port(struct worker *w)
{
	const struct syncsock_listener_info *in;
	uint32_t i, n;
	int e, tries;
	uint16_t p;

	in = list_all(w, "valid (a free port for a read-only LISTENER_ADD)", &n, &e);
	if (!in) {
		violation(w, "no free port for a read-only LISTENER_ADD: LISTENER_LIST failed: %s",
			  errno_name(e));
		return 0;
	}
	for (tries = 0; tries < 64; tries++) {
		p = (uint16_t)(w->port_lo + rn(w, w->port_hi - w->port_lo + 1u));
		for (i = 0; i < n && in[i].addr.port != p; i++)
			;
		if (i == n)
			return p;
	}
	return 0;
}

/* May a listener of handler @name have pairs?  Yes, unless it is one we know. */
static bool handler_pairs(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_HANDLERS; i++)
		if (!strncmp(name, handlers[i].name, SYNCSOCK_NAME_MAX))
			return handlers[i].pairs;
	return true;
}

static void after_add(struct worker *w, const struct call *c, int e)
{
	const struct syncsock_listener_add *a;
	struct live *l;

	if (c->argp == ARG_RO && c->x.full_path) {
		if (e == EFAULT)
			w->cnt.ro_add_efault++;
		check_no_leak(w, e, w->s.add.addr.port);
		return;
	}
	if (e || !c->rw)
		return;
	a = (const struct syncsock_listener_add *)c->rw;
	w->cnt.listeners_added++;
	if (w->kind == K_USERNS_OWN)
		w->cnt.userns_adds++;
	if (w->never < EVER_MAX)
		w->ever[w->never++] = a->id;
	if (w->nlive == LIVE_MAX) {
		del_id(w, a->id, false, "valid (over the live limit)");
		return;
	}
	l = &w->live[w->nlive++];
	l->id = a->id;
	l->flags = a->flags;
	l->addr = a->addr;
	l->pairs = handler_pairs(a->handler);
}

static void after_del(struct worker *w, int e)
{
	uint32_t id = ((const struct syncsock_listener_del *)w->s.raw)->id;
	unsigned int i;

	if (e || !w->priv)
		return;
	for (i = 0; i < w->nlive; i++)
		if (w->live[i].id == id) {
			w->live[i] = w->live[--w->nlive];
			return;
		}
}

static int send_call(struct worker *w, struct call *c)
{
	int e;

	place_arg(w, c);
	fill_out(w, c);
	expect_call(w, c);
	e = do_call(w, c);
	check_out(w, c, e);
	if (c->exact && c->bucket == C_ADD)
		after_add(w, c, e);
	else if (c->exact && c->bucket == C_DEL)
		after_del(w, e);
	return e;
}

/* The error buffer's message after a LISTENER_ADD, or "". */
static const char *err_text(struct worker *w)
{
	const char *err = (const char *)w->a + ERR_OFF;

	if ((uint8_t)err[0] == FILL || !memchr(err, 0, SYNCSOCK_ERR_MAX))
		return "";
	return err;
}

/* ------------------------------------------------------------------------
 * Structure-aware generators: a valid-looking structure, then, when asked,
 * exactly one field made wrong.  Each returns what it did.
 */

static uint16_t pick_port(struct worker *w)
{
	return (uint16_t)(w->port_lo + rn(w, w->port_hi - w->port_lo + 1u));
}

static uint32_t valid_timeout(struct worker *w)
{
	switch (rn(w, 5)) {
	case 0:
	case 1:
		return 0;
	case 2:
		return SYNCSOCK_TIMEOUT_OFF;
	default:
		return 1 + rn(w, SYNCSOCK_TIMEOUT_MAX_MS);
	}
}

/* An id to read: one of the namespace's, one of ours, or likely none. */
static uint32_t pick_id(struct worker *w)
{
	switch (rn(w, 6)) {
	case 0:
		if (w->nlive)
			return w->live[rn(w, w->nlive)].id;
		/* fall through */
	case 1:
	case 2:
		if (w->nknown)
			return w->known[rn(w, w->nknown)];
		/* fall through */
	case 3:
		return rn(w, 64);
	default:
		return (uint32_t)rnd(w);
	}
}

static const char *gen_version(struct worker *w, bool mutate)
{
	/* Output only: what it holds on input does not matter. */
	if (mutate) {
		fill_random(w, &w->s.version, sizeof(w->s.version));
		return "random bytes on input";
	}
	memset(&w->s.version, 0, sizeof(w->s.version));
	return "valid";
}

/*
 * A listener on one of the worker's ports: at the loopback address mostly,
 * the any address, or one that is not local (198.18.0.0/15, 2001:db8::/32)
 * with FREEBIND mostly; defaults or limits in range; the handler's name and a
 * configuration it takes.
 */
static void valid_add(struct worker *w, struct syncsock_listener_add *a,
		      const struct handler_desc *h)
{
	uint32_t r = rn(w, 10);

	memset(a, 0, sizeof(*a));
	if (rn(w, 10) < 6 || w->no_v6) {
		a->addr.family = AF_INET;
		if (r < 6) {
			memcpy(a->addr.addr, v4_loop, 4);
		} else if (r >= 8) {
			/* Not local: needs FREEBIND, else EADDRNOTAVAIL. */
			a->addr.addr[0] = 198;
			a->addr.addr[1] = 18;
			a->addr.addr[2] = (uint8_t)rn(w, 256);
			a->addr.addr[3] = (uint8_t)rn(w, 256);
			if (rn(w, 10))
				a->flags |= SYNCSOCK_LISTENER_F_FREEBIND;
		}
	} else {
		a->addr.family = AF_INET6;
		if (r < 6) {
			memcpy(a->addr.addr, v6_loop, 16);
		} else if (r >= 8) {
			a->addr.addr[0] = 0x20;		/* 2001:db8::/32 */
			a->addr.addr[1] = 0x01;
			a->addr.addr[2] = 0x0d;
			a->addr.addr[3] = 0xb8;
			a->addr.addr[15] = (uint8_t)rn(w, 256);
			if (rn(w, 10))
				a->flags |= SYNCSOCK_LISTENER_F_FREEBIND;
		}
		if (!rn(w, 3))
			a->flags |= SYNCSOCK_LISTENER_F_V6ONLY;
	}
	a->addr.port = pick_port(w);
	a->backlog = rn(w, 2) ? 0 : 1 + rn(w, 1024);
	a->max_conns = rn(w, 2) ? 0 : 1 + rn(w, 1000000);
	a->txq_limit = rn(w, 2) ? 0 : 1 + rn(w, 64 << 20);
	a->close_timeout_ms = rn(w, 2) ? 0 : rn(w, 600001);
	a->idle_timeout_ms = valid_timeout(w);
	a->msg_timeout_ms = valid_timeout(w);
	a->user_timeout_ms = valid_timeout(w);
	strcpy(a->handler, h->name);
	r = rn(w, 16);
	if (r == 0 && !h->needs_config)
		a->config = 0;	/* none */
	else if (r == 1 && h == &handlers[0])
		a->config = (uintptr_t)(w->c + C_ECHO_1023);
	else if (r == 1 && h == &handlers[2])
		a->config = (uintptr_t)(w->c + C_HTTP_1023);
	else
		a->config = (uintptr_t)h->good[rn(w, h->ngood)];
	if (rn(w, 5)) {
		a->err = (uintptr_t)(w->a + ERR_OFF);
		a->err_len = SYNCSOCK_ERR_MAX;
	}
}

static const char *mutate_add(struct worker *w, struct syncsock_listener_add *a,
			      const struct handler_desc *h)
{
	static const uint32_t backlogs[] = { 0, 1, 65535, 65536, 0x7fffffff, 0xffffffff };
	static const uint32_t conns[] = { 0, 1, 1000000, 1000001, 0xffffffff };
	static const uint32_t txqs[] = { 0, 1, 64 << 20, (64 << 20) + 1, 0xffffffff };
	static const uint32_t closes[] = { 0, 1, 600000, 600001, SYNCSOCK_TIMEOUT_OFF };
	static const uint32_t timeouts[] = {
		0, 1, SYNCSOCK_TIMEOUT_MAX_MS, SYNCSOCK_TIMEOUT_MAX_MS + 1,
		SYNCSOCK_TIMEOUT_OFF - 1, SYNCSOCK_TIMEOUT_OFF,
	};
	static const uint16_t families[] = { 0, AF_UNIX, 3, AF_NETLINK, AF_PACKET, 0xffff };
	static const uint32_t scopes[] = { 0, 1, 0x7fffffff };
	static const uint32_t err_lens[] = { 0, 1, 2, 0xffffffff };
	bool v4 = a->addr.family == AF_INET;

	switch (rn(w, 21)) {
	case 0:
		a->reserved[rn(w, 2)] = 1 + rn(w, 0xffffffff);
		return "reserved not zero";
	case 1:
		a->flags |= 1u << (2 + rn(w, 30));
		return "unknown flag";
	case 2:
		if (v4) {
			a->flags |= SYNCSOCK_LISTENER_F_V6ONLY;
			return "v6only on IPv4";
		}
		a->flags = 0xffffffff;
		return "every flag";
	case 3:
		a->id = 1 + rn(w, 0xffffffff);
		return "id not zero on input";
	case 4:
		a->backlog = PICK(w, backlogs);
		return "backlog boundary";
	case 5:
		a->max_conns = PICK(w, conns);
		return "max_conns boundary";
	case 6:
		a->txq_limit = PICK(w, txqs);
		return "txq_limit boundary";
	case 7:
		a->close_timeout_ms = PICK(w, closes);
		return "close_timeout_ms boundary";
	case 8:
		a->idle_timeout_ms = PICK(w, timeouts);
		return "idle_timeout_ms boundary";
	case 9:
		a->msg_timeout_ms = PICK(w, timeouts);
		return "msg_timeout_ms boundary";
	case 10:
		a->user_timeout_ms = PICK(w, timeouts);
		return "user_timeout_ms boundary";
	case 11:
		a->addr.port = 0;
		return "port 0";
	case 12:
		a->addr.family = PICK(w, families);
		return "family not IPv4 nor IPv6";
	case 13:
		/* An IPv4 address given as IPv6: 7f00:1:: is no address here
		 * (FREEBIND would make it one).
		 */
		memset(a->addr.addr, 0, sizeof(a->addr.addr));
		memcpy(a->addr.addr, v4_loop, 4);
		a->addr.family = AF_INET6;
		a->flags &= ~SYNCSOCK_LISTENER_F_FREEBIND;
		return "AF_INET6 with an IPv4 address, no FREEBIND";
	case 14:
		if (v4) {
			a->addr.scope_id = 1 + rn(w, 0xffffffff);
			return "scope_id on IPv4";
		}
		/* fe80::1: no interface has it (FREEBIND would bind it on lo). */
		memset(a->addr.addr, 0, sizeof(a->addr.addr));
		a->addr.addr[0] = 0xfe;
		a->addr.addr[1] = 0x80;
		a->addr.addr[15] = 1;
		a->addr.scope_id = PICK(w, scopes);
		a->flags &= ~SYNCSOCK_LISTENER_F_FREEBIND;
		return "IPv6 link-local fe80::1, scope_id 0, lo or none, no FREEBIND";
	case 15:
		if (v4) {
			a->addr.addr[4 + rn(w, 12)] = (uint8_t)(1 + rn(w, 255));
			return "IPv4 with bytes past the address";
		}
		a->addr.scope_id = 1 + rn(w, 0xffffffff);
		return "scope_id on an IPv6 address that is not link-local";
	case 16:
		switch (rn(w, 4)) {
		case 0:
			memset(a->handler, 'x', sizeof(a->handler));
			return "handler name not terminated";
		case 1:
			strcpy(a->handler, "no-such-handler");
			return "handler unknown";
		case 2:
			memset(a->handler, 0, sizeof(a->handler));
			return "handler name empty";
		default:
			strcpy(a->handler, "ECHO");
			return "handler name in capitals";
		}
	case 17:
		switch (rn(w, 3)) {
		case 0:
			a->config = (uintptr_t)(w->c_end - 1 - rn(w, 1023));
			return "config runs into PROT_NONE unterminated";
		case 1:
			a->config = (uintptr_t)(w->c + C_LONG_1024);
			return "config of 1024 bytes without NUL";
		default:
			/* Valid for its handler; the others refuse it. */
			if (h == &handlers[H_ECHO] || (h != &handlers[H_HTTP] && rn(w, 2)))
				a->config = (uintptr_t)(w->c + C_ECHO_1023);
			else
				a->config = (uintptr_t)(w->c + C_HTTP_1023);
			return "config of 1023 bytes and NUL";
		}
	case 18:
		a->config = bad_uptr(w, 16);
		return "config pointer bad (or 0: none)";
	case 19:
		a->config = (uintptr_t)h->bad[rn(w, h->nbad)];
		return "config the handler refuses";
	default:
		/* Not wrong: the message is a courtesy, the errno the answer. */
		if (rn(w, 2)) {
			a->err = bad_uptr(w, SYNCSOCK_ERR_MAX);
			a->err_len = SYNCSOCK_ERR_MAX;
			return "err pointer bad (a valid add)";
		}
		a->err = (uintptr_t)(w->a + ERR_OFF);
		a->err_len = PICK(w, err_lens);
		return "err_len 0, 1, 2 or huge (a valid add)";
	}
}

/* A valid echo listener on the loopback address and @port. */
static const char *gen_add_free(struct worker *w, uint16_t port)
{
	struct syncsock_listener_add *a = &w->s.add;

	valid_add(w, a, &handlers[H_ECHO]);
	a->flags = 0;
	memset(&a->addr, 0, sizeof(a->addr));
	if (w->v6_ok && !rn(w, 3)) {
		a->addr.family = AF_INET6;
		memcpy(a->addr.addr, v6_loop, 16);
	} else {
		a->addr.family = AF_INET;
		memcpy(a->addr.addr, v4_loop, 4);
	}
	a->addr.port = port;
	return "valid, on a free port";
}

static const char *gen_add(struct worker *w, bool mutate)
{
	const struct handler_desc *h = &handlers[rn(w, ARRAY_SIZE(handlers))];
	struct syncsock_listener_add *a = &w->s.add;
	const struct live *l = NULL;

	/* At the limit, aim at one of ours (EADDRINUSE), or now and then make
	 * room, so that adds keep succeeding.
	 */
	if (w->priv && w->nlive >= LIVE_CAP) {
		if (heavy_ok(w, HEAVY_DEL))
			del_id(w, w->live[0].id, rn(w, 2), "valid (room for an add)");
		else
			l = &w->live[rn(w, w->nlive)];
	}
	valid_add(w, a, h);
	if (l) {
		a->addr = l->addr;
		a->flags = l->flags;
	}
	return mutate ? mutate_add(w, a, h) : "valid";
}

static const char *gen_del(struct worker *w, bool mutate)
{
	struct syncsock_listener_del *d = &w->s.del;

	memset(d, 0, sizeof(*d));
	/*
	 * A privileged worker deletes only listeners it made: the others'
	 * bookkeeping, and the traffic workers' listener, depend on it.  One
	 * that is live only when a heavy call may go (a mutated one fails).
	 */
	if (!w->priv) {
		d->id = pick_id(w);
	} else {
		if (w->nlive && rn(w, 4))
			d->id = w->live[rn(w, w->nlive)].id;
		else if (w->never && rn(w, 2))
			d->id = w->ever[rn(w, w->never)];	/* deleted, or live */
		if (!d->id || (!mutate && is_own(w, d->id) && !heavy_ok(w, HEAVY_DEL)))
			d->id = ID_NEVER | (uint32_t)rnd(w);	/* never given */
	}
	if (rn(w, 2))
		d->flags = SYNCSOCK_DEL_F_ABORT;
	if (!mutate)
		return "valid";
	switch (rn(w, 3)) {
	case 0:
		d->reserved[rn(w, 2)] = 1 + rn(w, 0xffffffff);
		return "reserved not zero";
	case 1:
		d->flags |= 2u << rn(w, 31);
		return "unknown flag";
	default:
		d->id = rn(w, 2) ? 0 : 0xffffffff;
		return "id 0 or ~0";
	}
}

static const char *gen_get(struct worker *w, bool mutate)
{
	struct syncsock_listener_info *in = &w->s.info;

	memset(in, 0, sizeof(*in));
	in->id = pick_id(w);
	if (!mutate)
		return "valid";
	if (rn(w, 2)) {
		/* Only the id is read. */
		fill_random(w, w->s.raw + sizeof(in->id), sizeof(*in) - sizeof(in->id));
		return "random bytes after the id";
	}
	in->id = rn(w, 2) ? 0 : 0xffffffff;
	return "id 0 or ~0";
}

/* LISTENER_LIST and HANDLER_LIST. */
static const char *gen_list(struct worker *w, bool mutate, bool handlers)
{
	size_t entry = handlers ? sizeof(struct syncsock_handler_info) :
				  sizeof(struct syncsock_listener_info);
	static const uint32_t small[] = { 0, 1 };
	static const uint32_t huge[] = { 1024, 1025, 65536, 65537, 0xffffffff };
	struct syncsock_listener_list *l = &w->s.list;

	memset(l, 0, sizeof(*l));
	l->entries = (uintptr_t)w->out;
	/* Room for a few, or for all, now and then. */
	l->count = rn(w, 16) ? 1 + rn(w, 64) : LIST_ROOM;
	if (!mutate)
		return "valid";
	switch (rn(w, 7)) {
	case 0:
	case 1:
		l->count = PICK(w, small);
		return "count 0 or 1";
	case 2:
		/* The output area holds what there is: only HANDLER_LIST's
		 * allocation is large.
		 */
		if (handlers && !heavy_ok(w, HEAVY_LIST)) {
			l->count = PICK(w, small);
			return "count 0 or 1";
		}
		l->count = PICK(w, huge);
		return "count huge";
	case 3:
		l->entries = bad_uptr(w, entry);
		return "entries pointer bad";
	case 4:
		l->entries = (uintptr_t)(w->a_end - entry / 2 - rn(w, (uint32_t)entry));
		return "entries straddling into PROT_NONE";
	case 5:
		l->reserved[rn(w, 2)] = 1 + rn(w, 0xffffffff);
		return "reserved not zero";
	default:
		l->total = (uint32_t)rnd(w);
		return "total set on input";
	}
}

static const char *gen_listeners(struct worker *w, bool mutate)
{
	return gen_list(w, mutate, false);
}

static const char *gen_handlers(struct worker *w, bool mutate)
{
	return gen_list(w, mutate, true);
}

/*
 * PAIR_LIST: all the namespace's listeners (id 0), or one: one of the
 * worker's own (its handler says whether it may have pairs), one of the
 * namespace's, or likely none.
 */
static const char *gen_pairs(struct worker *w, bool mutate)
{
	static const uint32_t small[] = { 0, 1 };
	static const uint32_t huge[] = { 1024, 65535, LIST_MAX, LIST_MAX + 1, 0xffffffff };
	size_t entry = sizeof(struct syncsock_pair_info);
	struct syncsock_pair_list *l = &w->s.pairs;

	memset(l, 0, sizeof(*l));
	switch (rn(w, 4)) {
	case 0:
	case 1:
		break;
	case 2:
		if (w->nlive) {
			l->id = w->live[rn(w, w->nlive)].id;
			break;
		}
		/* fall through */
	default:
		l->id = pick_id(w);
		break;
	}
	l->entries = (uintptr_t)w->out;
	/* Room for a few, or for all, now and then. */
	l->count = rn(w, 16) ? 1 + rn(w, 64) : LIST_ROOM;
	if (!mutate)
		return "valid";
	switch (rn(w, 9)) {
	case 0:
	case 1:
		l->count = PICK(w, small);
		return "count 0 or 1";
	case 2:
		/* Memory for the pairs there are, not for the count. */
		l->count = PICK(w, huge);
		return "count huge";
	case 3:
		l->entries = bad_uptr(w, entry);
		return "entries pointer bad";
	case 4:
		l->entries = (uintptr_t)(w->a_end - entry / 2 - rn(w, (uint32_t)entry));
		return "entries straddling into PROT_NONE";
	case 5:
		l->reserved0 = 1 + rn(w, 0xffffffff);
		return "reserved0 not zero";
	case 6:
		l->reserved[rn(w, 2)] = 1 + rn(w, 0xffffffff);
		return "reserved not zero";
	case 7:
		l->id = rn(w, 2) ? 0xffffffff : ID_NEVER | (uint32_t)rnd(w);
		return "id unknown";
	default:
		l->total = (uint32_t)rnd(w);
		return "total set on input";
	}
}

static const char *gen_stats(struct worker *w, bool mutate)
{
	static const uint32_t nr_stats[] = { 0, 0x80000000, 0xffffffff };
	struct syncsock_stats_get *s = &w->s.stats;
	size_t row = SYNCSOCK_STAT_MAX * sizeof(uint64_t);

	memset(s, 0, sizeof(*s));
	s->id = rn(w, 3) ? 0 : pick_id(w);
	s->flags = rn(w, 2) ? SYNCSOCK_STATS_F_PER_CPU : 0;
	s->nr_stats = rn(w, 2) ? SYNCSOCK_STAT_MAX : 1 + rn(w, SYNCSOCK_STAT_MAX + 8);
	s->nr_rows = 1 + (s->flags ? w->ncpu : 0) + rn(w, 2);
	s->values = (uintptr_t)w->out;
	if (!mutate)
		return "valid";
	switch (rn(w, 9)) {
	case 0:
		s->nr_stats = PICK(w, nr_stats);
		return "nr_stats 0 or huge";
	case 1:
		s->nr_rows = 0;
		return "nr_rows 0";
	case 2:
		s->flags = SYNCSOCK_STATS_F_PER_CPU;
		s->nr_rows = 1;
		return "nr_rows 1 per CPU";
	case 3:
		s->nr_rows = 0xffffffff;
		return "nr_rows huge";
	case 4:
		s->flags |= 2u << rn(w, 31);
		return "unknown flag";
	case 5:
		s->reserved[rn(w, 2)] = 1 + rn(w, 0xffffffff);
		return "reserved not zero";
	case 6:
		s->values = bad_uptr(w, row);
		return "values pointer bad";
	case 7:
		s->values = (uintptr_t)(w->a_end - row / 2 - rn(w, (uint32_t)row));
		return "values straddling into PROT_NONE";
	default:
		s->id = rn(w, 2) ? 0xffffffff : ID_NEVER | (uint32_t)rnd(w);
		return "id unknown";
	}
}

static const char *(*const gens[NR_CMDS])(struct worker *w, bool mutate) = {
	gen_version, gen_add, gen_del, gen_get, gen_listeners, gen_stats, gen_handlers, gen_pairs,
};

/* ------------------------------------------------------------------------
 * The four ways of calling
 */

/* One of the eight, valid or with one field wrong, at a good or bad address. */
static void call_structured(struct worker *w, bool bad_arg)
{
	int i = (int)rn(w, NR_CMDS);
	struct call c = {
		.cmd = cmds[i].cmd, .row = i, .bucket = i, .exact = true, .len = cmds[i].size,
	};
	bool mutate, ro_add = false;
	uint16_t port;

	/* A bad address mostly carries a valid structure: a read-only
	 * LISTENER_ADD must get as far as making the listener (a heavy call
	 * for a caller that may add), on a port free for it.
	 */
	if (bad_arg) {
		c.argp = bad_argp(w);
		ro_add = i == C_ADD && c.argp == ARG_RO && w->priv;
		mutate = rn(w, 100) < 20 || (ro_add && !heavy_ok(w, HEAVY_RO_ADD));
	} else {
		c.argp = rn(w, 16) ? ARG_RW : ARG_MISALIGNED;
		mutate = rn(w, 100) < 80;
	}
	if (ro_add && !mutate) {
		port = free_port(w);
		if (!port)
			return;
		c.how = gen_add_free(w, port);
	} else {
		c.how = gens[i](w, mutate);
	}
	send_call(w, &c);
}

static bool vfs_cmd(unsigned int cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vfs_cmds); i++)
		if (vfs_cmds[i] == cmd)
			return true;
	return false;
}

/*
 * A command number of syncsock's type with any number, direction and size (a
 * known number with the wrong size or direction: EINVAL; an unknown one:
 * ENOTTY), or a random one of another type (ENOTTY).  The eight themselves
 * are left to the other ways.
 */
static void call_random_cmd(struct worker *w, bool ours)
{
	struct call c = { .bucket = BUCKET_OTHER, .len = 64 };
	unsigned int nr, size;

	if (ours) {
		do {
			/* The known numbers, and the first unknown one. */
			nr = rn(w, 2) ? rn(w, NR_CMDS + 1) : rn(w, 256);
			if (nr < NR_CMDS && rn(w, 2))
				size = cmds[nr].size + rn(w, 17) - 8;
			else
				size = rn(w, 1u << _IOC_SIZEBITS);
			c.cmd = _IOC(rn(w, 4), SYNCSOCK_IOC_MAGIC, nr, size);
		} while (nr < NR_CMDS && c.cmd == cmds[nr].cmd);
		c.row = nr < NR_CMDS ? (int)nr : ROW_ANY;
		c.how = "random syncsock command number";
	} else {
		do
			c.cmd = (uint32_t)rnd(w);
		while (_IOC_TYPE(c.cmd) == SYNCSOCK_IOC_MAGIC || vfs_cmd(c.cmd));
		c.row = -1;
		c.how = "random command of another type";
	}
	fill_random(w, w->s.raw, c.len);
	c.argp = rn(w, 4) ? ARG_RW : bad_argp(w);
	send_call(w, &c);
}

/* A random pointer that may be the worker's memory is made non-canonical. */
static void wild(__u64 *p)
{
	if (*p && *p < USER_TOP)
		*p |= 0x8000000000000000ULL;
}

/*
 * One of the eight with random bytes as its structure, the tail of it zero
 * half of the time (so that the checks of the first fields pass more often).
 */
static void call_random_bytes(struct worker *w)
{
	int i = (int)rn(w, NR_CMDS);
	struct call c = {
		.cmd = cmds[i].cmd, .row = i, .bucket = i, .exact = true, .len = cmds[i].size,
		.how = "random bytes",
	};
	size_t off;

	fill_random(w, w->s.raw, c.len);
	if (rn(w, 2)) {
		off = rn(w, (uint32_t)c.len);
		memset(w->s.raw + off, 0, c.len - off);
	}
	/* Pointers the kernel writes through stay out of the worker's memory. */
	switch (i) {
	case C_ADD:
		wild(&w->s.add.config);
		wild(&w->s.add.err);
		break;
	case C_LIST:
	case C_HANDLERS:
		wild(&w->s.list.entries);
		break;
	case C_STATS:
		wild(&w->s.stats.values);
		break;
	case C_PAIRS:
		wild(&w->s.pairs.entries);
		break;
	}
	if (i == C_DEL && w->priv) {
		struct syncsock_listener_del *d = &w->s.del;

		/* A privileged worker deletes only its own (see gen_del()). */
		if (!d->reserved[0] && !d->reserved[1] && !(d->flags & ~SYNCSOCK_DEL_F_ALL) &&
		    (!is_own(w, d->id) || !heavy_ok(w, HEAVY_DEL)))
			d->reserved[0] = 1;
	}
	if (i == C_HANDLERS && w->s.list.count > 64 && !heavy_ok(w, HEAVY_LIST))
		w->s.list.count %= 64;
	c.argp = rn(w, 8) ? ARG_RW : ARG_STRADDLE;
	send_call(w, &c);
}

static void fuzz_one(struct worker *w)
{
	uint32_t r = rn(w, 100);

	if (r < 55)
		call_structured(w, false);
	else if (r < 70)
		call_structured(w, true);
	else if (r < 80)
		call_random_cmd(w, true);
	else if (r < 85)
		call_random_cmd(w, false);
	else
		call_random_bytes(w);
}

static bool stopping(const struct worker *w)
{
	return __atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED) || now() >= w->deadline;
}

static bool take_chunk(struct worker *w)
{
	struct shared *sh = w->sh;

	if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
		return false;
	return !sh->max_chunks ||
	       __atomic_fetch_add(&sh->chunks, 1, __ATOMIC_RELAXED) < sh->max_chunks;
}

static void fuzz_loop(struct worker *w)
{
	double t;
	int i;

	while (take_chunk(w)) {
		for (i = 0; i < CHUNK && !__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED); i++)
			fuzz_one(w);
		t = now();
		if (t >= w->deadline)
			break;
		if (t - w->last_report >= REPORT_EVERY)
			report(w);
	}
}

/* ------------------------------------------------------------------------
 * Listeners and connections
 */

static int add_listener(struct worker *w, int family, const uint8_t *addr, uint16_t port,
			const char *handler, const char *config, uint32_t *id)
{
	struct syncsock_listener_add *a = &w->s.add;
	struct call c = {
		.cmd = SYNCSOCK_IOC_LISTENER_ADD, .row = C_ADD, .bucket = C_ADD, .exact = true,
		.argp = ARG_RW, .how = "valid (setup)", .len = sizeof(*a),
	};
	int e;

	memset(a, 0, sizeof(*a));
	a->addr.family = (uint16_t)family;
	a->addr.port = port;
	memcpy(a->addr.addr, addr, family == AF_INET ? 4 : 16);
	snprintf(a->handler, sizeof(a->handler), "%s", handler);
	/* In arena C, where the check reads what the kernel reads. */
	snprintf((char *)w->c + C_SCRATCH, SYNCSOCK_CONFIG_MAX, "%s", config);
	a->config = (uintptr_t)(w->c + C_SCRATCH);
	a->err = (uintptr_t)(w->a + ERR_OFF);
	a->err_len = SYNCSOCK_ERR_MAX;
	e = send_call(w, &c);
	if (!e)
		*id = ((const struct syncsock_listener_add *)c.rw)->id;
	return e;
}

/* Connect (blocking, 10 s at most), then non-blocking.  Return: fd or -1. */
static int tcp_connect(int family, const uint8_t *addr, uint16_t port)
{
	struct timeval tv = { .tv_sec = 10 };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (family == AF_INET) {
		memcpy(&s4.sin_addr, addr, 4);
		r = connect(fd, (struct sockaddr *)&s4, sizeof(s4));
	} else {
		memcpy(&s6.sin6_addr, addr, 16);
		r = connect(fd, (struct sockaddr *)&s6, sizeof(s6));
	}
	if (r || fcntl(fd, F_SETFL, O_NONBLOCK)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Send @n bytes of the pattern and read them back: they must come back
 * exactly.  Both at once, so that no buffer on the way fills up for good.
 * Return: 0, or -1 with @why set.
 */
static int echo_check(struct worker *w, int fd, size_t n, char *why, size_t room)
{
	const uint8_t *src = w->pattern + rn(w, (uint32_t)(PATTERN_LEN - n + 1));
	size_t sent = 0, got = 0, i;
	double last = now();
	uint8_t buf[16384];
	ssize_t k;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < n ? POLLOUT : 0) };

		if (poll(&p, 1, 1000) < 0 && errno != EINTR) {
			snprintf(why, room, "poll: %m");
			return -1;
		}
		if (sent < n && (p.revents & POLLOUT)) {
			k = send(fd, src + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				sent += (size_t)k;
				last = now();
			} else if (errno != EAGAIN && errno != EINTR) {
				snprintf(why, room, "send after %zu of %zu bytes: %m", sent, n);
				return -1;
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			k = recv(fd, buf, MIN(sizeof(buf), n - got), MSG_DONTWAIT);
			if (k == 0) {
				snprintf(why, room, "closed after %zu of %zu bytes came back", got,
					 n);
				return -1;
			}
			if (k < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(why, room, "recv after %zu of %zu bytes came back: %m",
					 got, n);
				return -1;
			}
			if (k > 0) {
				if (memcmp(buf, src + got, (size_t)k)) {
					for (i = 0; buf[i] == src[got + i]; i++)
						;
					snprintf(why, room,
						 "byte %zu of %zu came back as 0x%02x, sent 0x%02x",
						 got + i, n, buf[i], src[got + i]);
					return -1;
				}
				got += (size_t)k;
				last = now();
			}
		}
		if (now() - last > ECHO_STALL) {
			snprintf(why, room,
				 "no progress for %.0f s: %zu of %zu bytes sent, %zu back",
				 ECHO_STALL, sent, n, got);
			return -1;
		}
	}
	w->cnt.traffic_bytes += 2 * n;
	return 0;
}

static void make_pattern(struct worker *w)
{
	w->pattern = malloc(PATTERN_LEN);
	if (!w->pattern)
		die("out of memory");
	fill_random(w, w->pattern, PATTERN_LEN);
}

/*
 * churn: a valid echo listener, a few connections with echo traffic checked
 * byte for byte, then a delete, graceful or abort: the connections then see
 * EOF (the handler's queue sent, then FIN) or a reset.
 */
static void churn_loop(struct worker *w)
{
	char why[256];
	int fds[4];

	while (!stopping(w)) {
		bool v6 = !w->no_v6 && rn(w, 3) == 0, abort = rn(w, 2);
		const uint8_t *addr = v6 ? v6_loop : v4_loop;
		int family = v6 ? AF_INET6 : AF_INET;
		int i, n = 1 + (int)rn(w, 4), e;
		uint16_t port = pick_port(w);
		uint32_t id;

		e = add_listener(w, family, addr, port, "echo", "", &id);
		if (e) {
			if (v6 && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT))
				w->no_v6 = true;
			continue;
		}
		set_what(w->sr, "churn: echo through a listener it added, then its delete");
		for (i = 0; i < n; i++) {
			fds[i] = tcp_connect(family, addr, port);
			if (fds[i] < 0)
				violation(w, "connecting to echo listener %u just added: %m", id);
			else if (echo_check(w, fds[i], 1 + rn(w, 16384), why, sizeof(why)))
				violation(w, "echo listener %u: %s", id, why);
		}
		e = del_id(w, id, abort,
			   abort ? "valid (churn, abort)" : "valid (churn, graceful)");
		if (e)
			violation(w, "deleting echo listener %u just added: %s", id, errno_name(e));
		for (i = 0; i < n; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };
			char b;
			ssize_t k;

			if (fds[i] < 0)
				continue;
			if (!e && poll(&p, 1, (int)(ECHO_STALL * 1000)) == 1) {
				k = recv(fds[i], &b, 1, MSG_DONTWAIT);
				if (abort ? !(k < 0 && errno == ECONNRESET) : k != 0)
					violation(w, "after the %s delete of listener %u, a "
						  "connection read %zd (%s) instead of %s",
						  abort ? "abort" : "graceful", id, k,
						  k < 0 ? errno_name(errno) : "data",
						  abort ? "ECONNRESET" : "EOF");
			} else if (!e) {
				violation(w, "after the %s delete of listener %u, a connection "
					  "was still open %.0f s later",
					  abort ? "abort" : "graceful", id, ECHO_STALL);
			}
			close(fds[i]);
		}
		if (now() - w->last_report >= REPORT_EVERY)
			report(w);
	}
}

/* traffic: ~16 connections to the parent's echo listener, random-sized
 * exchanges checked byte for byte for the whole slice.
 */
static void traffic_loop(struct worker *w)
{
	uint16_t port = (uint16_t)w->sh->traffic_port;
	int fds[TRAFFIC_CONNS], i;
	char why[256];

	set_what(w->sr, "traffic: connecting and echo exchanges");
	for (i = 0; i < TRAFFIC_CONNS; i++) {
		fds[i] = tcp_connect(AF_INET, v4_loop, port);
		if (fds[i] < 0)
			violation(w, "connecting to the traffic listener (127.0.0.1:%u): %m", port);
	}
	while (!stopping(w)) {
		i = (int)rn(w, TRAFFIC_CONNS);
		/* A connection that failed is made again: the others go on. */
		if (fds[i] < 0) {
			fds[i] = tcp_connect(AF_INET, v4_loop, port);
			if (fds[i] < 0) {
				violation(w, "connecting again to the traffic listener "
					  "(127.0.0.1:%u): %m", port);
				usleep(100000);
				continue;
			}
		}
		if (echo_check(w, fds[i], 1 + rn(w, TRAFFIC_MAX), why, sizeof(why))) {
			violation(w, "traffic listener (127.0.0.1:%u): %s", port, why);
			close(fds[i]);
			fds[i] = -1;
		}
		if (now() - w->last_report >= REPORT_EVERY)
			report(w);
	}
	for (i = 0; i < TRAFFIC_CONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * After an echo exchange through proxy listener @id (on 127.0.0.1:@port, its
 * backend the echo listener on 127.0.0.1:port_lo) from @fd: its pair, the
 * only one of the namespace (nothing else there opens connections, and the
 * fuzzing has not begun), is listed, between the right ends.  It stays: the
 * namespace's PAIR_LISTs then have a pair to write.
 */
static void check_pair_made(struct worker *w, uint32_t id, int fd, uint16_t port)
{
	struct call c = {
		.cmd = SYNCSOCK_IOC_PAIR_LIST, .row = C_PAIRS, .bucket = C_PAIRS, .exact = true,
		.argp = ARG_RW, .how = "valid (the pair of a proxy just used)",
		.len = sizeof(w->s.pairs),
	};
	const struct syncsock_pair_info *p = (const void *)w->out;
	const struct syncsock_pair_list *out;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	int e;

	memset(&w->s.pairs, 0, sizeof(w->s.pairs));
	w->s.pairs.id = rn(w, 2) ? id : 0;
	w->s.pairs.entries = (uintptr_t)w->out;
	w->s.pairs.count = 4;
	e = send_call(w, &c);
	if (e) {
		violation(w, "PAIR_LIST (id %u) after an echo exchange through proxy listener %u: "
			  "%s", w->s.pairs.id, id, errno_name(e));
		return;
	}
	out = (const void *)c.rw;
	if (out->total != 1 || out->count != 1) {
		violation(w, "PAIR_LIST (id %u) after an echo exchange through proxy listener %u, "
			  "alone in its namespace: %u pairs (%u listed), 1 expected",
			  w->s.pairs.id, id, out->total, out->count);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&me, &len) || me.sin_family != AF_INET)
		return;
	if (p->listener != id || p->client.family != AF_INET ||
	    p->client.port != ntohs(me.sin_port) || memcmp(p->client.addr, v4_loop, 4) ||
	    p->local.family != AF_INET || p->local.port != port ||
	    memcmp(p->local.addr, v4_loop, 4) || p->source.family != AF_INET ||
	    memcmp(p->source.addr, v4_loop, 4) || p->backend.family != AF_INET ||
	    p->backend.port != w->port_lo || memcmp(p->backend.addr, v4_loop, 4))
		violation(w, "the pair of proxy listener %u reads back as listener %u, client "
			  "port %u (%u expected), local port %u (%u), backend port %u (%u), "
			  "families %u %u %u %u, or not all 127.0.0.1", id, p->listener,
			  p->client.port, ntohs(me.sin_port), p->local.port, port,
			  p->backend.port, w->port_lo, p->client.family, p->local.family,
			  p->source.family, p->backend.family);
}

/*
 * netns and userns-own: listeners in the new namespace, connections to them
 * with a few bytes each way; the add must succeed, for the caller owns the
 * namespace.  All stay when the worker exits: the namespace's exit must
 * close them.  Echo data left unread keeps a connection busy.  A proxy to
 * the echo listener, with a client, makes a pair for PAIR_LIST to list.
 */
static void ns_setup(struct worker *w)
{
	uint32_t v4_id, v6_id = 0, kv_id = 0, px_id = 0;
	uint16_t px_port = (uint16_t)(w->port_lo + 2);
	char why[256], config[64];
	int e, fd;

	set_what(w->sr, "namespace setup: listeners and connections");
	e = add_listener(w, AF_INET, v4_loop, w->port_lo, "echo", "", &v4_id);
	if (e) {
		violation(w, "LISTENER_ADD of echo on 127.0.0.1:%u in a namespace the caller "
			  "owns: %s (%s)", w->port_lo, errno_name(e), err_text(w));
		return;
	}
	/* Only a namespace without IPv6 may refuse [::1]. */
	e = add_listener(w, AF_INET6, v6_loop, w->port_lo, "echo", "delim=\\n", &v6_id);
	if (e == EADDRNOTAVAIL || e == EAFNOSUPPORT) {
		w->no_v6 = true;
	} else if (e) {
		violation(w, "LISTENER_ADD of framed echo on [::1]:%u in a namespace the caller "
			  "owns: %s (%s)", w->port_lo, errno_name(e), err_text(w));
		w->no_v6 = true;
	}
	if (registered(w, "kvcounter")) {
		e = add_listener(w, AF_INET, any_addr, (uint16_t)(w->port_lo + 1), "kvcounter",
				 "max-keys=16", &kv_id);
		if (e)
			violation(w, "LISTENER_ADD of kvcounter on 0.0.0.0:%u in a namespace the "
				  "caller owns: %s (%s)", w->port_lo + 1, errno_name(e),
				  err_text(w));
	}
	/* Within the worker's share of ports: slot_ports() gives it 4 at least. */
	if (registered(w, "proxy")) {
		snprintf(config, sizeof(config), "backends=127.0.0.1:%u", w->port_lo);
		e = add_listener(w, AF_INET, v4_loop, px_port, "proxy", config, &px_id);
		if (e) {
			violation(w, "LISTENER_ADD of proxy (%s) on 127.0.0.1:%u in a namespace "
				  "the caller owns: %s (%s)", config, px_port, errno_name(e),
				  err_text(w));
			px_id = 0;
		}
	}

	for (int i = 0; i < 3; i++) {
		fd = tcp_connect(AF_INET, v4_loop, w->port_lo);
		if (fd < 0)
			violation(w, "connecting to echo listener %u in its namespace: %m", v4_id);
		else if (echo_check(w, fd, 1 + rn(w, 2000), why, sizeof(why)))
			violation(w, "echo listener %u in its namespace: %s", v4_id, why);
		else if (i == 2 && send(fd, "left unread", 11, MSG_NOSIGNAL) != 11)
			violation(w, "send to echo listener %u in its namespace: %m", v4_id);
	}
	if (!w->no_v6) {
		fd = tcp_connect(AF_INET6, v6_loop, w->port_lo);
		if (fd < 0 || send(fd, "a line\n", 7, MSG_NOSIGNAL) != 7)
			violation(w, "framed echo listener %u on ::1 in its namespace: %m", v6_id);
	}
	if (kv_id) {
		fd = tcp_connect(AF_INET, v4_loop, (uint16_t)(w->port_lo + 1));
		if (fd < 0 || send(fd, "INC a\nGET a\n", 12, MSG_NOSIGNAL) != 12)
			violation(w, "kvcounter listener %u in its namespace: %m", kv_id);
	}
	if (px_id) {
		fd = tcp_connect(AF_INET, v4_loop, px_port);
		if (fd < 0)
			violation(w, "connecting to proxy listener %u in its namespace: %m", px_id);
		else if (echo_check(w, fd, 1 + rn(w, 2000), why, sizeof(why)))
			violation(w, "proxy listener %u to echo listener %u in its namespace: %s",
				  px_id, v4_id, why);
		else
			check_pair_made(w, px_id, fd, px_port);
	}
}

/* Learn the namespace's listeners, for the commands that take an id. */
static void learn_ids(struct worker *w)
{
	const struct syncsock_listener_info *in;
	uint32_t i, n;
	int e;

	in = list_all(w, "valid (learning ids)", &n, &e);
	for (i = 0; in && i < n && w->nknown < KNOWN_MAX; i++)
		w->known[w->nknown++] = in[i].id;
}

/*
 * Learn the registered handlers (LISTENER_ADD's ENOENT), with a valid
 * HANDLER_LIST; and what the namespace and the caller allow (IPv6, ports
 * below ip_unprivileged_port_start).
 */
static void learn_handlers(struct worker *w)
{
	struct call c = {
		.cmd = SYNCSOCK_IOC_HANDLER_LIST, .row = C_HANDLERS, .bucket = C_HANDLERS,
		.exact = true, .argp = ARG_RW, .how = "valid (learning the handlers)",
		.len = sizeof(struct syncsock_handler_list),
	};
	const struct syncsock_handler_info *hi = (const void *)w->out;
	uint32_t i, n;

	memset(&w->s.list, 0, sizeof(w->s.list));
	w->s.list.entries = (uintptr_t)w->out;
	w->s.list.count = HANDLERS_MAX;
	if (send_call(w, &c))
		return;
	n = MIN(((const struct syncsock_handler_list *)c.rw)->count, (uint32_t)HANDLERS_MAX);
	for (i = 0; i < n; i++) {
		memcpy(w->hnames[i], hi[i].name, sizeof(w->hnames[i]) - 1);
		w->hnames[i][sizeof(w->hnames[i]) - 1] = '\0';
	}
	w->nhnames = n;
	w->handlers_known = true;
}

static bool have_cap(unsigned int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

static void learn_namespace(struct worker *w)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	char buf[32] = "";
	int fd = open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_RDONLY | O_CLOEXEC);

	w->unpriv_port = 1024;
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			w->unpriv_port = (uint32_t)strtoul(buf, NULL, 10);
		close(fd);
	}
	/* Over the namespace: the privileged kinds own its user namespace. */
	w->bind_cap = w->priv && have_cap(CAP_NET_BIND_SERVICE);
	memcpy(&s6.sin6_addr, v6_loop, 16);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	w->v6_ok = fd >= 0 && !bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	if (fd >= 0)
		close(fd);
	w->no_v6 = !w->v6_ok;
}

/* ------------------------------------------------------------------------
 * Who the worker is
 */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Root of a new user namespace: uid and gid 0 there are ours outside, read
 * before the unshare (after it, they are the overflow ids until mapped).
 */
static int enter_userns(int flags)
{
	unsigned int uid = geteuid(), gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER | flags))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", map);
}

static int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	r = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!r) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return r;
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

/* Root without CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (raw capset). */
static int drop_net_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	uint32_t mask = (1u << CAP_NET_ADMIN) | (1u << CAP_NET_BIND_SERVICE);

	_Static_assert(CAP_NET_ADMIN < 32 && CAP_NET_BIND_SERVICE < 32, "in the first word");
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~mask;
	d[0].permitted &= ~mask;
	d[0].inheritable &= ~mask;
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* Become what the kind says, the device open already.  Return: 0, or an
 * exit status (EXIT_UNAVAILABLE: this kernel cannot have such a worker).
 */
static int enter_kind(struct worker *w, bool compat_root)
{
	switch (w->kind) {
	case K_ROOT:
	case K_CHURN:
	case K_TRAFFIC:
		w->priv = true;
		return 0;
	case K_NETNS:
		if (unshare(CLONE_NEWNET)) {
			fprintf(stderr, "ioctl_fuzz: netns: unshare(CLONE_NEWNET): %m\n");
			return EXIT_UNAVAILABLE;
		}
		w->cnt.namespaces++;
		break;
	case K_USERNS_OWN:
		if (enter_userns(CLONE_NEWNET)) {
			fprintf(stderr, "ioctl_fuzz: userns-own: user and network namespace: %m\n");
			return EXIT_UNAVAILABLE;
		}
		w->cnt.namespaces += 2;
		break;
	case K_USERNS_FOREIGN:
		if (enter_userns(0)) {
			fprintf(stderr, "ioctl_fuzz: userns-foreign: user namespace: %m\n");
			return EXIT_UNAVAILABLE;
		}
		w->cnt.namespaces++;
		return 0;
	case K_NOBODY:
		if (become_nobody()) {
			fprintf(stderr, "ioctl_fuzz: nobody: %m\n");
			return 3;
		}
		return 0;
	case K_CAPDROP:
		if (drop_net_caps()) {
			fprintf(stderr, "ioctl_fuzz: capdrop: capset: %m\n");
			return 3;
		}
		return 0;
	case K_COMPAT32:
		if (compat_root) {
			w->priv = true;
			return 0;
		}
		if (become_nobody()) {
			fprintf(stderr, "ioctl_fuzz: compat32 as nobody: %m\n");
			return 3;
		}
		return 0;
	case NR_KINDS:
		break;
	}
	/* A namespace of its own, as its administrator. */
	if (lo_up()) {
		fprintf(stderr, "ioctl_fuzz: %s: bringing lo up: %m\n", kind_names[w->kind]);
		return 3;
	}
	w->priv = true;
	w->keep = true;
	return 0;
}

static struct shared *shared_map(int fd)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (sh == MAP_FAILED)
		die("shared memory: %m");
	return sh;
}

static struct shared *the_shared;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (the_shared)
		__atomic_store_n(&the_shared->stop, 1, __ATOMIC_RELAXED);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The share of --ports of worker slot @slot: the first port is the traffic
 * listener's (and the quiet check's), the rest is split between the slots.
 */
static void slot_ports(unsigned int slot, uint16_t *lo, uint16_t *hi)
{
	unsigned int width = (opt.port_hi - opt.port_lo) / opt.jobs;

	*lo = (uint16_t)(opt.port_lo + 1 + slot * width);
	*hi = (uint16_t)(*lo + width - 1);
}

/* A worker's first call: a valid VERSION, to succeed and agree with the parent's. */
static void first_version(struct worker *w)
{
	struct call c = {
		.cmd = SYNCSOCK_IOC_VERSION, .row = C_VERSION, .bucket = C_VERSION, .exact = true,
		.argp = ARG_RW, .how = "valid (the worker's first call)",
		.len = sizeof(w->s.version),
	};

	memset(&w->s.version, 0, sizeof(w->s.version));
	send_call(w, &c);
}

static int worker_main(enum kind kind, unsigned int slot, uint32_t serial, int report_fd,
		       struct shared *sh, bool compat_root)
{
	struct worker *w = calloc(1, sizeof(*w));
	int status;

	if (!w)
		die("out of memory");
	/* The parent may have gone before the signal was asked for. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != (pid_t)sh->parent_pid)
		return 0;
	w->kind = kind;
	w->sh = sh;
	w->slot = slot;
	w->sr = &sh->slots[slot];
	w->sr->pid = (uint32_t)getpid();
	set_what(w->sr, "starting");
	w->report_fd = report_fd;
	w->ncpu = sh->nr_cpu_ids;
	w->rng = opt.seed ^ (0x9e3779b97f4a7c15ULL * (serial + 1));
	w->deadline = now() + opt.slice;
	w->last_report = now();
	for (int h = 0; h < NR_HEAVY; h++)
		w->heavy_mark[h] = -(uint64_t)HEAVY_EVERY;
	slot_ports(slot, &w->port_lo, &w->port_hi);

	w->fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);
	if (w->fd < 0) {
		fprintf(stderr, "ioctl_fuzz: %s: open %s: %m\n", kind_names[kind], SYNCSOCK_DEVICE);
		return 3;
	}
	status = enter_kind(w, compat_root);
	if (status) {
		report(w);
		return status;
	}
	arena_init(w);
	first_version(w);
	learn_handlers(w);
	learn_namespace(w);

	switch (kind) {
	case K_CHURN:
		make_pattern(w);
		churn_loop(w);
		break;
	case K_TRAFFIC:
		make_pattern(w);
		traffic_loop(w);
		break;
	case K_NETNS:
	case K_USERNS_OWN:
		make_pattern(w);
		ns_setup(w);
		/* fall through */
	default:
		learn_ids(w);
		fuzz_loop(w);
		break;
	}
	/* Delete ours, unless the namespace's exit is to close them. */
	set_what(w->sr, "deleting its listeners before it exits");
	while (!w->keep && w->nlive) {
		uint32_t id = w->live[0].id;

		if (del_id(w, id, rn(w, 2), "valid (cleanup)") && w->nlive && w->live[0].id == id)
			w->live[0] = w->live[--w->nlive];
	}
	report(w);
	return 0;
}

/* ------------------------------------------------------------------------
 * The parent: its device calls, the quiet check
 */

static int parent_ioctl(int fd, unsigned int cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static int open_device(void)
{
	int fd = open(SYNCSOCK_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s: %m: load syncsock.ko (as root)", SYNCSOCK_DEVICE);
	return fd;
}

static int parent_add(int fd, int family, const uint8_t *addr, uint16_t port, const char *handler,
		      const char *config, uint32_t *id)
{
	struct syncsock_listener_add a;
	char err[SYNCSOCK_ERR_MAX] = "";
	int e;

	memset(&a, 0, sizeof(a));
	a.addr.family = (uint16_t)family;
	a.addr.port = port;
	memcpy(a.addr.addr, addr, family == AF_INET ? 4 : 16);
	snprintf(a.handler, sizeof(a.handler), "%s", handler);
	a.config = (uintptr_t)config;
	a.err = (uintptr_t)err;
	a.err_len = sizeof(err);
	e = parent_ioctl(fd, SYNCSOCK_IOC_LISTENER_ADD, &a);
	if (e)
		fprintf(stderr, "ioctl_fuzz: adding %s on port %u: %s (%s)\n", handler, port,
			errno_name(e), err);
	*id = a.id;
	return e;
}

static void parent_del(int fd, uint32_t id)
{
	struct syncsock_listener_del d = { .id = id };
	int e = parent_ioctl(fd, SYNCSOCK_IOC_LISTENER_DEL, &d);

	if (e)
		fprintf(stderr, "ioctl_fuzz: deleting listener %u: %s\n", id, errno_name(e));
}

static const char *const stat_names[] = {
	"accepted", "accept_rejected", "closed", "rx_bytes", "rx_segments", "rx_softirq",
	"rx_process", "rx_deferred", "rx_throttled", "tx_inline_bytes",
	"tx_inline_softirq_bytes", "tx_queued_bytes", "tx_flushed_bytes", "tx_queue_full",
	"tx_errors", "handler_errors", "work_runs", "rx_messages", "rx_messages_copied",
	"app0", "app1", "app2", "app3", "nomem_retries", "rx_urgent", "accept_busy",
	"mem_charged", "mem_uncharged", "mem_refused", "connects", "connected",
	"connect_refused", "connect_timeout", "connect_unreach", "connect_errors",
	"fwd_up_bytes", "fwd_down_bytes", "fwd_inline", "fwd_queued", "fwd_spliced_bytes",
	"fwd_copied_bytes", "fwd_paused",
};
static const char *const close_names[] = {
	"peer_fin", "peer_reset", "error", "handler", "handler_abort", "handler_error",
	"timeout", "listener_delete", "netns_exit", "unload", "nomem", "oversize",
	"bad_frame", "idle", "msg_timeout", "connect_failed", "pair",
};
_Static_assert(ARRAY_SIZE(stat_names) == SYNCSOCK_STAT_CLOSE_BASE, "a name per counter");
_Static_assert(ARRAY_SIZE(close_names) == SYNCSOCK_CLOSE_REASONS, "a name per close reason");

struct field {
	const char *name;
	size_t off, size;
};

#define INFO_F(m) { #m, offsetof(struct syncsock_listener_info, m), \
		    sizeof(((struct syncsock_listener_info *)0)->m) }
static const struct field info_fields[] = {
	INFO_F(id), INFO_F(state), INFO_F(addr.family), INFO_F(addr.port), INFO_F(addr.scope_id),
	INFO_F(addr.addr), INFO_F(flags), INFO_F(backlog), INFO_F(max_conns), INFO_F(txq_limit),
	INFO_F(close_timeout_ms), INFO_F(nr_conns), INFO_F(handler), INFO_F(idle_timeout_ms),
	INFO_F(msg_timeout_ms), INFO_F(user_timeout_ms), INFO_F(reserved),
};

#define HANDLER_F(m) { #m, offsetof(struct syncsock_handler_info, m), \
		       sizeof(((struct syncsock_handler_info *)0)->m) }
static const struct field handler_fields[] = {
	HANDLER_F(name), HANDLER_F(module), HANDLER_F(nr_listeners), HANDLER_F(reserved),
};

#define PAIR_F(m) { #m, offsetof(struct syncsock_pair_info, m), \
		    sizeof(((struct syncsock_pair_info *)0)->m) }
static const struct field pair_fields[] = {
	PAIR_F(listener), PAIR_F(flags), PAIR_F(client), PAIR_F(local), PAIR_F(source),
	PAIR_F(backend), PAIR_F(up_queued), PAIR_F(down_queued), PAIR_F(reserved),
};

/* Everything a reader can see, as root in the initial namespace. */
struct snapshot {
	uint32_t n, nh, np;
	struct syncsock_listener_info list[SNAP_MAX];
	struct syncsock_listener_info get[SNAP_MAX];
	int get_err[SNAP_MAX];
	int stats_err[SNAP_MAX + 1];
	uint64_t *stats;	/* [SNAP_MAX + 1][rows][SYNCSOCK_STAT_MAX]; id 0 last */
	struct syncsock_handler_info handlers[HANDLERS_MAX];
	struct syncsock_pair_info pairs[SNAP_MAX];
};

static void snapshot_stats(int fd, uint32_t id, uint32_t rows, uint64_t *values, int *err)
{
	struct syncsock_stats_get s = {
		.id = id, .flags = SYNCSOCK_STATS_F_PER_CPU, .nr_stats = SYNCSOCK_STAT_MAX,
		.nr_rows = rows, .values = (uintptr_t)values,
	};

	*err = parent_ioctl(fd, SYNCSOCK_IOC_STATS_GET, &s);
}

static void snapshot_take(int fd, uint32_t ncpu, struct snapshot *s)
{
	size_t per = (size_t)(1 + ncpu) * SYNCSOCK_STAT_MAX;
	struct syncsock_listener_list l = { .entries = (uintptr_t)s->list, .count = SNAP_MAX };
	struct syncsock_handler_list h = {
		.entries = (uintptr_t)s->handlers, .count = HANDLERS_MAX,
	};
	struct syncsock_pair_list p = { .entries = (uintptr_t)s->pairs, .count = SNAP_MAX };
	uint32_t i;
	int e;

	e = parent_ioctl(fd, SYNCSOCK_IOC_LISTENER_LIST, &l);
	if (e)
		die("quiet check: LISTENER_LIST: %s", errno_name(e));
	e = parent_ioctl(fd, SYNCSOCK_IOC_HANDLER_LIST, &h);
	if (e)
		die("quiet check: HANDLER_LIST: %s", errno_name(e));
	e = parent_ioctl(fd, SYNCSOCK_IOC_PAIR_LIST, &p);
	if (e)
		die("quiet check: PAIR_LIST: %s", errno_name(e));
	s->n = l.count;
	s->nh = h.count;
	s->np = p.count;
	for (i = 0; i < s->n; i++) {
		memset(&s->get[i], 0, sizeof(s->get[i]));
		s->get[i].id = s->list[i].id;
		s->get_err[i] = parent_ioctl(fd, SYNCSOCK_IOC_LISTENER_GET, &s->get[i]);
		snapshot_stats(fd, s->list[i].id, 1 + ncpu, s->stats + i * per, &s->stats_err[i]);
	}
	snapshot_stats(fd, 0, 1 + ncpu, s->stats + SNAP_MAX * per, &s->stats_err[SNAP_MAX]);
}

static struct {
	struct counts c;
	uint64_t workers[NR_KINDS];
	uint64_t kind_calls[NR_KINDS];
	uint64_t parent_violations;
	uint64_t quiet_differences;
	unsigned int nsamples;
	char samples[SAMPLES_MAX][REC_SIZE];
} tot;

static void __attribute__((format(printf, 1, 2))) parent_violation(const char *fmt, ...)
{
	char buf[REC_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ioctl_fuzz: VIOLATION: %s\n", buf);
	tot.parent_violations++;
	if (tot.nsamples < SAMPLES_MAX)
		snprintf(tot.samples[tot.nsamples++], REC_SIZE, "%s", buf);
}

static void field_text(const struct field *f, const uint8_t *base, char *out, size_t room)
{
	uint32_t v32;
	uint16_t v16;

	if (f->size == 4) {
		memcpy(&v32, base + f->off, 4);
		snprintf(out, room, "%u", v32);
	} else if (f->size == 2) {
		memcpy(&v16, base + f->off, 2);
		snprintf(out, room, "%u", v16);
	} else {
		hexdump(base + f->off, f->size, out, room);
	}
}

/*
 * A difference between two snapshots: only counted (are they the same?),
 * printed as a note (the state is still settling), or a quiet check
 * violation.
 */
enum diff_mode { DIFF_COUNT, DIFF_NOTE, DIFF_REPORT };

static enum diff_mode diff_mode;
static unsigned int diff_n;

static void __attribute__((format(printf, 1, 2))) difference(const char *fmt, ...)
{
	char buf[REC_SIZE];
	va_list ap;

	diff_n++;
	if (diff_mode == DIFF_COUNT || (diff_mode == DIFF_NOTE && diff_n > 10))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (diff_mode == DIFF_NOTE) {
		fprintf(stderr, "ioctl_fuzz: quiet check, still changing: %s\n", buf);
		return;
	}
	tot.quiet_differences++;
	parent_violation("quiet check: %s", buf);
}

static void compare_fields(const char *what, const struct field *fields, size_t nfields,
			   const void *before, const void *after)
{
	char b[256], a[256];
	size_t i;

	for (i = 0; i < nfields; i++) {
		const struct field *f = &fields[i];

		if (!memcmp((const uint8_t *)before + f->off, (const uint8_t *)after + f->off,
			    f->size))
			continue;
		field_text(f, before, b, sizeof(b));
		field_text(f, after, a, sizeof(a));
		difference("%s: %s was %s, is %s", what, f->name, b, a);
	}
}

static void compare_stats(const char *what, uint32_t ncpu, const uint64_t *before,
			  const uint64_t *after)
{
	uint32_t row, i;

	for (row = 0; row <= ncpu; row++)
		for (i = 0; i < SYNCSOCK_STAT_MAX; i++) {
			uint64_t b = before[row * SYNCSOCK_STAT_MAX + i];
			uint64_t a = after[row * SYNCSOCK_STAT_MAX + i];
			char rowname[32];

			if (a == b)
				continue;
			if (row)
				snprintf(rowname, sizeof(rowname), "CPU %u", row - 1);
			else
				snprintf(rowname, sizeof(rowname), "sum");
			difference("%s, %s: %s%s was %" PRIu64 ", is %" PRIu64, what, rowname,
				   i < SYNCSOCK_STAT_CLOSE_BASE ? "" : "closed_",
				   i < SYNCSOCK_STAT_CLOSE_BASE ? stat_names[i] :
				   close_names[i - SYNCSOCK_STAT_CLOSE_BASE], b, a);
		}
}

static int snap_listener(const struct snapshot *s, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (s->list[i].id == id)
			return (int)i;
	return -1;
}

/* A pair is its accepted connection's (or first one's): listener and two ends. */
static int snap_pair(const struct snapshot *s, const struct syncsock_pair_info *p)
{
	uint32_t i;

	for (i = 0; i < s->np; i++)
		if (s->pairs[i].listener == p->listener &&
		    !memcmp(&s->pairs[i].client, &p->client, sizeof(p->client)) &&
		    !memcmp(&s->pairs[i].local, &p->local, sizeof(p->local)))
			return (int)i;
	return -1;
}

static int snap_handler(const struct snapshot *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->nh; i++)
		if (!strncmp(s->handlers[i].name, name, sizeof(s->handlers[i].name)))
			return (int)i;
	return -1;
}

/*
 * Field by field, listeners by id, handlers by name and pairs by their ends
 * (not by their place in the lists); return: the differences.
 */
static unsigned int snapshot_compare(uint32_t ncpu, const struct snapshot *b,
				     const struct snapshot *a, enum diff_mode mode)
{
	size_t per = (size_t)(1 + ncpu) * SYNCSOCK_STAT_MAX;
	char what[64];
	uint32_t i;
	int j;

	diff_mode = mode;
	diff_n = 0;
	for (i = 0; i < b->n; i++) {
		uint32_t id = b->list[i].id;

		j = snap_listener(a, id);
		if (j < 0) {
			difference("listener %u is gone", id);
			continue;
		}
		snprintf(what, sizeof(what), "listener %u (list)", id);
		compare_fields(what, info_fields, ARRAY_SIZE(info_fields), &b->list[i],
			       &a->list[j]);
		snprintf(what, sizeof(what), "listener %u (get)", id);
		if (a->get_err[j] != b->get_err[i])
			difference("%s: %s before, %s after", what, errno_name(b->get_err[i]),
				   errno_name(a->get_err[j]));
		compare_fields(what, info_fields, ARRAY_SIZE(info_fields), &b->get[i], &a->get[j]);
		snprintf(what, sizeof(what), "listener %u (stats)", id);
		if (a->stats_err[j] != b->stats_err[i])
			difference("%s: %s before, %s after", what, errno_name(b->stats_err[i]),
				   errno_name(a->stats_err[j]));
		compare_stats(what, ncpu, b->stats + i * per, a->stats + j * per);
	}
	for (i = 0; i < a->n; i++)
		if (snap_listener(b, a->list[i].id) < 0)
			difference("listener %u is new (port %u, handler %.32s)", a->list[i].id,
				   a->list[i].addr.port, a->list[i].handler);
	compare_stats("statistics id 0", ncpu, b->stats + SNAP_MAX * per,
		      a->stats + SNAP_MAX * per);
	for (i = 0; i < b->nh; i++) {
		j = snap_handler(a, b->handlers[i].name);
		snprintf(what, sizeof(what), "handler %.32s", b->handlers[i].name);
		if (j < 0)
			difference("%s is gone", what);
		else
			compare_fields(what, handler_fields, ARRAY_SIZE(handler_fields),
				       &b->handlers[i], &a->handlers[j]);
	}
	for (i = 0; i < a->nh; i++)
		if (snap_handler(b, a->handlers[i].name) < 0)
			difference("handler %.32s is new", a->handlers[i].name);
	for (i = 0; i < b->np; i++) {
		j = snap_pair(a, &b->pairs[i]);
		snprintf(what, sizeof(what), "the pair of listener %u, client port %u",
			 b->pairs[i].listener, b->pairs[i].client.port);
		if (j < 0)
			difference("%s is gone", what);
		else
			compare_fields(what, pair_fields, ARRAY_SIZE(pair_fields), &b->pairs[i],
				       &a->pairs[j]);
	}
	for (i = 0; i < a->np; i++)
		if (snap_pair(b, &a->pairs[i]) < 0)
			difference("the pair of listener %u, client port %u is new",
				   a->pairs[i].listener, a->pairs[i].client.port);
	return diff_n;
}

static struct snapshot *snapshot_alloc(uint32_t ncpu)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (s)
		s->stats = calloc((size_t)(SNAP_MAX + 1) * (1 + ncpu) * SYNCSOCK_STAT_MAX,
				  sizeof(uint64_t));
	if (!s || !s->stats)
		die("out of memory");
	return s;
}

static void snapshot_free(struct snapshot *s)
{
	if (s)
		free(s->stats);
	free(s);
}

/*
 * The "before" of the quiet check, once the state is still: namespaces of
 * an earlier run exit asynchronously, and its deleted listeners drain,
 * moving the module's counters meanwhile.  Snapshots 1 s apart until two in
 * a row are the same; NULL (a violation) if that takes over SETTLE_MAX s.
 */
static struct snapshot *snapshot_settled(int fd, uint32_t ncpu)
{
	struct snapshot *prev = snapshot_alloc(ncpu), *cur = snapshot_alloc(ncpu), *t;
	double t0 = now();
	unsigned int n;

	snapshot_take(fd, ncpu, prev);
	for (;;) {
		sleep(1);
		snapshot_take(fd, ncpu, cur);
		n = snapshot_compare(ncpu, prev, cur, DIFF_COUNT);
		if (!n) {
			fprintf(stderr, "ioctl_fuzz: quiet check: the state is still after "
				"%.0f s\n", now() - t0);
			snapshot_free(prev);
			return cur;
		}
		if (now() - t0 >= SETTLE_MAX) {
			snapshot_compare(ncpu, prev, cur, DIFF_NOTE);
			parent_violation("quiet check: the module's state still changed after "
					 "%d s (%u differences between two snapshots 1 s "
					 "apart): no check", SETTLE_MAX, n);
			snapshot_free(prev);
			snapshot_free(cur);
			return NULL;
		}
		t = prev;
		prev = cur;
		cur = t;
	}
}

/* ------------------------------------------------------------------------
 * The parent: workers
 */

struct slot {
	pid_t pid;
	enum kind kind;
	double started;
	double killed_at;	/* 0: not killed by the parent */
	bool abandoned;		/* still there after SIGKILL: not waited for */
};

static unsigned int rotation;
static uint32_t serial;
static unsigned int compat_starts;

static enum kind next_kind(void)
{
	for (;;) {
		enum kind k = (enum kind)(rotation++ % NR_KINDS);

		if (opt.kinds & (1u << k))
			return k;
	}
}

static void spawn(struct slot *sl, unsigned int slot, int report_fd, int shm_fd,
		  struct shared *sh, int report_rd)
{
	enum kind k = next_kind();
	uint32_t me = serial++;
	/* compat32 workers are nobody and root in turn; nobody only, quiet. */
	bool compat_root = k == K_COMPAT32 && !opt.quiet_check && (compat_starts++ & 1);
	pid_t pid;

	/* Its record: the last worker of the slot is gone. */
	memset(&sh->slots[slot], 0, sizeof(sh->slots[slot]));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ioctl_fuzz: fork: %m\n");
		return;
	}
	if (pid == 0) {
		close(report_rd);
		if (k == K_COMPAT32) {
			char a_slot[16], a_serial[16], a_seed[32], a_slice[32], a_ports[32];
			char a_jobs[16], a_rfd[16], a_sfd[16];
			char *argv[] = {
				(char *)opt.self32, "--worker-compat32",
				compat_root ? "root" : "nobody", "--slot", a_slot, "--serial",
				a_serial, "--seed", a_seed, "--slice", a_slice, "--ports", a_ports,
				"--jobs", a_jobs, "--report-fd", a_rfd, "--shm-fd", a_sfd,
				"--errno-doc", (char *)opt.errno_doc, NULL,
			};

			snprintf(a_slot, sizeof(a_slot), "%u", slot);
			snprintf(a_serial, sizeof(a_serial), "%u", me);
			snprintf(a_seed, sizeof(a_seed), "%" PRIu64, opt.seed);
			snprintf(a_slice, sizeof(a_slice), "%g", opt.slice);
			snprintf(a_ports, sizeof(a_ports), "%u-%u", opt.port_lo, opt.port_hi);
			snprintf(a_jobs, sizeof(a_jobs), "%u", opt.jobs);
			snprintf(a_rfd, sizeof(a_rfd), "%d", report_fd);
			snprintf(a_sfd, sizeof(a_sfd), "%d", shm_fd);
			execv(opt.self32, argv);
			fprintf(stderr, "ioctl_fuzz: compat32: cannot run %s: %m\n", opt.self32);
			_exit(EXIT_UNAVAILABLE);
		}
		_exit(worker_main(k, slot, me, report_fd, sh, false));
	}
	sl->pid = pid;
	sl->kind = k;
	sl->started = now();
	sl->killed_at = 0;
	sl->abandoned = false;
	tot.workers[k]++;
}

static void absorb(const struct rec *r)
{
	const struct counts *c = &r->u.c;
	int i;

	if (r->type == REC_TEXT) {
		if (tot.nsamples < SAMPLES_MAX)
			snprintf(tot.samples[tot.nsamples++], REC_SIZE, "%s", r->u.text);
		return;
	}
	tot.c.calls += c->calls;
	if (r->kind < NR_KINDS)
		tot.kind_calls[r->kind] += c->calls;
	for (i = 0; i <= NR_CMDS; i++)
		tot.c.by_cmd[i] += c->by_cmd[i];
	for (i = 0; i < ERRNO_MAX; i++)
		tot.c.errnos[i] += c->errnos[i];
	tot.c.successes += c->successes;
	tot.c.listeners_added += c->listeners_added;
	tot.c.namespaces += c->namespaces;
	tot.c.violations += c->violations;
	tot.c.traffic_bytes += c->traffic_bytes;
	tot.c.userns_adds += c->userns_adds;
	tot.c.ro_add_efault += c->ro_add_efault;
}

/* Read what the workers sent; records are whole, but keep any part. */
static void drain_reports(int fd)
{
	static uint8_t buf[32 * REC_SIZE];
	static size_t have;
	ssize_t k;
	size_t i;

	while ((k = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)k;
		for (i = 0; i + REC_SIZE <= have; i += REC_SIZE) {
			struct rec r;

			memcpy(&r, buf + i, sizeof(r));
			absorb(&r);
		}
		memmove(buf, buf + i, have - i);
		have -= i;
	}
}

static void reaped(struct slot *sl, int status)
{
	const char *name = kind_names[sl->kind];

	sl->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (sl->killed_at)
		return;		/* reported when it was killed */
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_UNAVAILABLE) {
		fprintf(stderr, "ioctl_fuzz: note: no %s workers on this system (see above)\n",
			name);
		opt.kinds &= ~(1u << sl->kind);
		return;
	}
	if (WIFEXITED(status))
		parent_violation("a %s worker exited with status %d", name, WEXITSTATUS(status));
	else
		parent_violation("a %s worker was killed by signal %d (%s)", name, WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
}

/* What the worker of slot @i does now, from its record. */
static void slot_doing(const struct shared *sh, unsigned int i, pid_t pid, char *out, size_t room)
{
	const struct slot_rec *sr = &sh->slots[i];
	uint32_t bucket = sr->bucket, argp = sr->argp;
	char what[WHAT_LEN];

	memcpy(what, sr->what, sizeof(what));
	what[WHAT_LEN - 1] = '\0';
	if (sr->pid != (uint32_t)pid)
		snprintf(out, room, "no record of it (it was starting)");
	else if (__atomic_load_n(&sr->in_ioctl, __ATOMIC_ACQUIRE))
		snprintf(out, room, "in ioctl cmd 0x%08x (%s; argument %s): %s", sr->cmd,
			 bucket < NR_CMDS ? cmds[bucket].name : "other",
			 argp < NR_ARGP ? argp_names[argp] : "?", what);
	else
		snprintf(out, room, "not in an ioctl, after %u calls: %s", sr->calls, what);
}

static void dump_proc(pid_t pid, const char *file)
{
	char path[64], buf[4096];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n < 0) {
		fprintf(stderr, "ioctl_fuzz: %s: %m\n", path);
		return;
	}
	buf[n] = '\0';
	fprintf(stderr, "ioctl_fuzz: %s:\n%s%s", path, buf, n && buf[n - 1] != '\n' ? "\n" : "");
}

/* The state letter of /proc/PID/stat (D: uninterruptible), or '?'. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

/*
 * A worker still there HANG_GRACE s past its slice hangs (an ioctl that
 * does not return, most likely): reported with what it was doing and its
 * kernel stack, then killed.  One still there KILL_WAIT s after that is in
 * the kernel for good: return true, the run ends without waiting for it.
 */
static bool watchdog(struct slot *slots, const struct shared *sh, double t)
{
	bool gave_up = false;
	char doing[512];
	unsigned int i;

	for (i = 0; i < opt.jobs; i++) {
		struct slot *sl = &slots[i];

		if (!sl->pid || sl->abandoned)
			continue;
		if (!sl->killed_at && t - sl->started > opt.slice + HANG_GRACE) {
			slot_doing(sh, i, sl->pid, doing, sizeof(doing));
			parent_violation("a %s worker (pid %d) still runs %.0f s after it started, "
					 "past its %g s slice and %d s more (state %c): %s",
					 kind_names[sl->kind], (int)sl->pid, t - sl->started,
					 opt.slice, HANG_GRACE, proc_state(sl->pid), doing);
			dump_proc(sl->pid, "stack");
			dump_proc(sl->pid, "syscall");
			kill(sl->pid, SIGKILL);
			sl->killed_at = t;
		} else if (sl->killed_at && t - sl->killed_at > KILL_WAIT) {
			parent_violation("the %s worker (pid %d) is still there %d s after SIGKILL "
					 "(state %c): not waiting for it", kind_names[sl->kind],
					 (int)sl->pid, KILL_WAIT, proc_state(sl->pid));
			dump_proc(sl->pid, "stack");
			sl->abandoned = true;
			gave_up = true;
		}
	}
	return gave_up;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_json(double seconds, bool quiet_ran)
{
	const char *sep = "";
	int i;

	printf("{\"calls\": %" PRIu64 ", \"by_command\": {", tot.c.calls);
	for (i = 0; i <= NR_CMDS; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", i < NR_CMDS ? cmds[i].name : "other",
		       tot.c.by_cmd[i]);
	printf("}, \"errnos\": {");
	for (i = 1; i < ERRNO_MAX; i++)
		if (tot.c.errnos[i]) {
			printf("%s\"%s\": %" PRIu64, sep, errno_name(i), tot.c.errnos[i]);
			sep = ", ";
		}
	if (tot.c.errnos[0])
		printf("%s\"unknown\": %" PRIu64, sep, tot.c.errnos[0]);
	printf("}, \"successes\": %" PRIu64 ", \"listeners_added\": %" PRIu64
	       ", \"userns_own_adds\": %" PRIu64 ", \"traffic_bytes\": %" PRIu64 ", \"workers\": {",
	       tot.c.successes, tot.c.listeners_added, tot.c.userns_adds, tot.c.traffic_bytes);
	sep = "";
	for (i = 0; i < NR_KINDS; i++)
		if (tot.workers[i]) {
			printf("%s\"%s\": %" PRIu64, sep, kind_names[i], tot.workers[i]);
			sep = ", ";
		}
	printf("}, \"kinds\": {");
	sep = "";
	for (i = 0; i < NR_KINDS; i++)
		if (tot.kind_calls[i]) {
			printf("%s\"%s\": %" PRIu64, sep, kind_names[i], tot.kind_calls[i]);
			sep = ", ";
		}
	printf("}, \"ro_add_efault\": %" PRIu64, tot.c.ro_add_efault);
	printf(", \"namespaces\": %" PRIu64 ", \"violations\": %" PRIu64
	       ", \"violation_samples\": [", tot.c.namespaces,
	       tot.c.violations + tot.parent_violations);
	for (i = 0; i < (int)tot.nsamples; i++) {
		if (i)
			printf(", ");
		json_string(tot.samples[i]);
	}
	printf("], \"quiet_check\": {\"ran\": %s, \"differences\": %" PRIu64 "}, "
	       "\"seconds\": %.1f, \"calls_per_second\": %.0f, \"seed\": %" PRIu64 "}\n",
	       quiet_ran ? "true" : "false", tot.quiet_differences, seconds,
	       seconds > 0 ? tot.c.calls / seconds : 0.0, opt.seed);
	fflush(stdout);
}

static int parent_main(void)
{
	struct syncsock_version v;
	struct snapshot *before = NULL, *after;
	uint32_t traffic_id = 0, fixtures[3] = { 0 };
	unsigned int i, running, nfix = 0;
	struct slot *slots;
	struct shared *sh;
	int pipefd[2], shm_fd, fd, e;
	double t0, t, last_progress;
	bool stop = false, hung = false;

	/* The device first: nothing else matters without it. */
	fd = open_device();
	memset(&v, 0, sizeof(v));
	e = parent_ioctl(fd, SYNCSOCK_IOC_VERSION, &v);
	if (e)
		die("SYNCSOCK_IOC_VERSION: %s", errno_name(e));
	if (v.abi_version != SYNCSOCK_ABI_VERSION)
		die("the module speaks ABI %u, this program %u", v.abi_version,
		    SYNCSOCK_ABI_VERSION);

	shm_fd = memfd_create("ioctl_fuzz-shared", 0);
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*sh)))
		die("shared memory: %m");
	sh = the_shared = shared_map(shm_fd);
	sh->nr_cpu_ids = v.nr_cpu_ids;
	sh->parent_pid = (uint32_t)getpid();
	sh->abi_version = v.abi_version;
	sh->nr_stats = v.nr_stats;
	sh->nr_close_reasons = v.nr_close_reasons;
	sh->close_base = v.close_base;
	if (opt.max_calls)
		sh->max_chunks = (uint32_t)((opt.max_calls + CHUNK - 1) / CHUNK);
	catch_stop_signals();

	if (opt.quiet_check) {
		/* Listeners for the unprivileged callers to try to change. */
		if (!parent_add(fd, AF_INET, v4_loop, opt.port_lo, "echo", "", &fixtures[nfix]))
			nfix++;
		if (!parent_add(fd, AF_INET6, v6_loop, opt.port_lo, "http", "status=404",
				&fixtures[nfix]))
			nfix++;
		if (!parent_add(fd, AF_INET, (const uint8_t[4]){ 127, 0, 0, 2 }, opt.port_lo,
				"kvcounter", "max-keys=10", &fixtures[nfix]))
			nfix++;
		if (!nfix)
			die("quiet check: cannot add a single listener to watch");
		before = snapshot_settled(fd, v.nr_cpu_ids);
	} else if (opt.kinds & (1u << K_TRAFFIC)) {
		if (parent_add(fd, AF_INET, v4_loop, opt.port_lo, "echo", "", &traffic_id))
			die("cannot add the traffic workers' echo listener on 127.0.0.1:%u",
			    opt.port_lo);
		sh->traffic_port = opt.port_lo;
	}
	close(fd);

	if (pipe2(pipefd, 0) || fcntl(pipefd[0], F_SETFL, O_NONBLOCK))
		die("pipe: %m");
	slots = calloc(opt.jobs, sizeof(*slots));
	if (!slots)
		die("out of memory");

	t0 = last_progress = now();
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int status;
		pid_t pid;

		t = now();
		if (!stop && ((opt.seconds && t - t0 >= opt.seconds) || sh->stop || !opt.kinds ||
			      hung || (sh->max_chunks && sh->max_chunks <=
				       __atomic_load_n(&sh->chunks, __ATOMIC_RELAXED)))) {
			stop = true;
			__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
		}
		for (i = 0, running = 0; i < opt.jobs; i++) {
			if (!slots[i].pid && !stop)
				spawn(&slots[i], i, pipefd[1], shm_fd, sh, pipefd[0]);
			running += slots[i].pid && !slots[i].abandoned;
		}
		if (!running)
			break;
		poll(&p, 1, 200);
		drain_reports(pipefd[0]);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < opt.jobs; i++)
				if (slots[i].pid == pid)
					reaped(&slots[i], status);
		if (watchdog(slots, sh, now()))
			hung = true;
		if (now() - last_progress >= 5) {
			uint64_t started = 0;

			for (i = 0; i < NR_KINDS; i++)
				started += tot.workers[i];
			last_progress = now();
			fprintf(stderr, "ioctl_fuzz: %.0fs: %" PRIu64 " calls (%.0f/s), %" PRIu64
				" violations, %" PRIu64 " workers started, %" PRIu64
				" namespaces\n", last_progress - t0, tot.c.calls,
				tot.c.calls / (last_progress - t0),
				tot.c.violations + tot.parent_violations, started,
				tot.c.namespaces);
		}
	}
	drain_reports(pipefd[0]);
	t = now() - t0;

	/* A worker stuck in the kernel may hold what these calls need. */
	if (hung) {
		fprintf(stderr, "ioctl_fuzz: a worker hangs in the kernel: no more calls%s\n",
			opt.quiet_check ? ", no quiet check" : "");
	} else {
		fd = open_device();
		if (opt.quiet_check && before) {
			after = snapshot_alloc(v.nr_cpu_ids);
			snapshot_take(fd, v.nr_cpu_ids, after);
			snapshot_compare(v.nr_cpu_ids, before, after, DIFF_REPORT);
			snapshot_free(after);
		}
		for (i = 0; i < nfix; i++)
			parent_del(fd, fixtures[i]);
		if (traffic_id)
			parent_del(fd, traffic_id);
		close(fd);
	}

	fprintf(stderr, "ioctl_fuzz: %" PRIu64 " calls in %.1f s (%.0f/s), %" PRIu64
		" successes, %" PRIu64 " listeners added, %" PRIu64 " namespaces, %" PRIu64
		" violations%s\n", tot.c.calls, t, t > 0 ? tot.c.calls / t : 0.0, tot.c.successes,
		tot.c.listeners_added, tot.c.namespaces, tot.c.violations + tot.parent_violations,
		opt.quiet_check ? (!before || hung ? ", no quiet check" : tot.quiet_differences ?
				   ", quiet check FAILED" : ", quiet check: nothing changed") : "");
	fprintf(stderr, "ioctl_fuzz: calls by kind:");
	for (i = 0; i < NR_KINDS; i++)
		if (tot.kind_calls[i])
			fprintf(stderr, " %s %" PRIu64, kind_names[i], tot.kind_calls[i]);
	fprintf(stderr, "; read-only LISTENER_ADDs undone (EFAULT): %" PRIu64 "\n",
		tot.c.ro_add_efault);
	if (opt.json)
		print_json(t, opt.quiet_check && before && !hung);
	return tot.c.violations + tot.parent_violations ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Options
 */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ioctl_fuzz --errno-doc PATH [options]\n"
		"  --errno-doc PATH   Documentation/ioctl.rst, whose errno table is the check\n"
		"  --calls N          stop after N calls in all (default: no limit)\n"
		"  --seconds S        stop after S seconds (default 60 without --calls)\n"
		"  --jobs N           workers at once (default 4)\n"
		"  --slice S          seconds each worker runs (default 3)\n"
		"  --seed N           the PRNG's seed (default: from the clock; printed)\n"
		"  --kinds K,K...     of root netns userns-own userns-foreign nobody capdrop\n"
		"                     churn traffic compat32 (default: all)\n"
		"  --ports LO-HI      ports to listen on (default 30000-30999)\n"
		"  --self32 PATH      the 32-bit build (default: ioctl_fuzz32 next to argv[0])\n"
		"  --quiet-check      only unprivileged workers; the state must not change\n"
		"  --json             a JSON summary on stdout\n"
		"Exit: 0 no violation, 1 violations, 2 usage or setup error.\n");
}

static unsigned long long num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		die("%s: not a number: '%s'", what, s);
	return v;
}

static double seconds_arg(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || v < 0)
		die("%s: not a duration in seconds: '%s'", what, s);
	return v;
}

static unsigned int parse_kinds(const char *s)
{
	char buf[256], *tok, *save;
	unsigned int kinds = 0, k;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NR_KINDS && strcmp(tok, kind_names[k]); k++)
			;
		if (k == NR_KINDS)
			die("--kinds: unknown kind '%s'", tok);
		kinds |= 1u << k;
	}
	return kinds;
}

static const char *default_self32(const char *argv0)
{
	static char path[PATH_MAX];
	const char *slash = strrchr(argv0, '/');
	ssize_t n;

	if (__SIZEOF_LONG__ == 4)
		return "/proc/self/exe";
	if (slash) {
		snprintf(path, sizeof(path), "%.*s/ioctl_fuzz32", (int)(slash - argv0), argv0);
		return path;
	}
	n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	if (n < 0)
		return "ioctl_fuzz32";
	path[n] = '\0';
	strcpy(strrchr(path, '/') + 1, "ioctl_fuzz32");
	return path;
}

enum {
	O_CALLS = 256, O_SECONDS, O_JOBS, O_SLICE, O_SEED, O_KINDS, O_PORTS, O_ERRNO_DOC,
	O_SELF32, O_QUIET, O_JSON, O_HELP,
	/* The parent's to its 32-bit workers. */
	O_W_COMPAT32, O_W_SLOT, O_W_SERIAL, O_W_REPORT_FD, O_W_SHM_FD,
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "calls", required_argument, NULL, O_CALLS },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "slice", required_argument, NULL, O_SLICE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "kinds", required_argument, NULL, O_KINDS },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "errno-doc", required_argument, NULL, O_ERRNO_DOC },
		{ "self32", required_argument, NULL, O_SELF32 },
		{ "quiet-check", no_argument, NULL, O_QUIET },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ "worker-compat32", required_argument, NULL, O_W_COMPAT32 },
		{ "slot", required_argument, NULL, O_W_SLOT },
		{ "serial", required_argument, NULL, O_W_SERIAL },
		{ "report-fd", required_argument, NULL, O_W_REPORT_FD },
		{ "shm-fd", required_argument, NULL, O_W_SHM_FD },
		{ NULL, 0, NULL, 0 },
	};
	const char *compat_as = NULL;
	unsigned int slot = 0, wserial = 0, lo, hi;
	int o, report_fd = -1, shm_fd = -1;
	bool seeded = false, kinds_given = false;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case O_CALLS:
			opt.max_calls = num(optarg, "--calls");
			break;
		case O_SECONDS:
			opt.seconds = seconds_arg(optarg, "--seconds");
			break;
		case O_JOBS:
			opt.jobs = (unsigned int)num(optarg, "--jobs");
			break;
		case O_SLICE:
			opt.slice = seconds_arg(optarg, "--slice");
			break;
		case O_SEED:
			opt.seed = num(optarg, "--seed");
			seeded = true;
			break;
		case O_KINDS:
			opt.kinds = parse_kinds(optarg);
			kinds_given = true;
			break;
		case O_PORTS:
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || !lo || lo > hi || hi > 65535)
				die("--ports: want LO-HI, 1 <= LO <= HI <= 65535: '%s'", optarg);
			opt.port_lo = (uint16_t)lo;
			opt.port_hi = (uint16_t)hi;
			break;
		case O_ERRNO_DOC:
			opt.errno_doc = optarg;
			break;
		case O_SELF32:
			opt.self32 = optarg;
			break;
		case O_QUIET:
			opt.quiet_check = true;
			break;
		case O_JSON:
			opt.json = true;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		case O_W_COMPAT32:
			compat_as = optarg;
			break;
		case O_W_SLOT:
			slot = (unsigned int)num(optarg, "--slot");
			break;
		case O_W_SERIAL:
			wserial = (unsigned int)num(optarg, "--serial");
			break;
		case O_W_REPORT_FD:
			report_fd = (int)num(optarg, "--report-fd");
			break;
		case O_W_SHM_FD:
			shm_fd = (int)num(optarg, "--shm-fd");
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!opt.errno_doc)
		die("--errno-doc PATH is needed: the errno table is the check "
		    "(Documentation/ioctl.rst)");
	if (!opt.jobs || opt.jobs > 256)
		die("--jobs: 1 to 256");
	if ((opt.port_hi - opt.port_lo) / opt.jobs < 4)
		die("--ports: %u-%u is too small for %u jobs (4 ports each, and one more)",
		    opt.port_lo, opt.port_hi, opt.jobs);
	load_errno_doc(opt.errno_doc);

	if (compat_as) {
		struct shared *sh;

		/* A compat32 worker, exec'd by the 64-bit parent. */
		if (strcmp(compat_as, "root") && strcmp(compat_as, "nobody"))
			die("--worker-compat32: root or nobody");
		if (report_fd < 0 || shm_fd < 0)
			die("--worker-compat32 needs --report-fd and --shm-fd");
		sh = the_shared = shared_map(shm_fd);
		catch_stop_signals();
		return worker_main(K_COMPAT32, slot, wserial, report_fd, sh,
				   !strcmp(compat_as, "root"));
	}

	if (!kinds_given)
		opt.kinds = opt.quiet_check ? QUIET_KINDS : (1u << NR_KINDS) - 1;
	if (opt.quiet_check && (opt.kinds & ~QUIET_KINDS))
		die("--quiet-check runs only userns-foreign, nobody, capdrop and compat32 workers");
	if (!opt.kinds)
		die("--kinds: none given");
	if (!opt.seconds && !opt.max_calls)
		opt.seconds = 60;
	if (!opt.seconds && opt.kinds == (1u << K_TRAFFIC))
		die("traffic workers make no ioctl calls: give --seconds");
	if (!seeded)
		opt.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!opt.self32)
		opt.self32 = default_self32(argv[0]);
	if ((opt.kinds & (1u << K_COMPAT32)) && access(opt.self32, X_OK)) {
		fprintf(stderr, "ioctl_fuzz: note: %s: %m: no compat32 workers\n", opt.self32);
		opt.kinds &= ~(1u << K_COMPAT32);
		if (!opt.kinds)
			die("no kind of worker left to run");
	}
	fprintf(stderr, "ioctl_fuzz: seed %" PRIu64 ", %u jobs, %g s slices, ports %u-%u%s\n",
		opt.seed, opt.jobs, opt.slice, opt.port_lo, opt.port_hi,
		opt.quiet_check ? ", quiet check" : "");
	return parent_main();
}
