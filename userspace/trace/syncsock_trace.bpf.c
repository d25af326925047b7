// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock-trace, the BPF side: how long received data waits in a socket
 * between TCP queuing it and its consumer taking it, per path.
 *
 *  queued    tcp_data_ready(sk): TCP has queued new in-order data and is about
 *            to call sk->sk_data_ready.  The socket's state records the new
 *            sequence range [last_end, rcv_nxt) and the time.
 *  consumed  syncsock:syncsock_rx (a syncsock handler is handed the bytes) or
 *            tcp:tcp_rcv_space_adjust (tcp_recvmsg() copied an skb to user
 *            space: recv, read, io_uring).  The delay is the age of the oldest
 *            consumed byte.  tcp_read_sock() fires tcp_rcv_space_adjust too,
 *            so it is ignored for sockets known to be syncsock's, and for
 *            those whose sk_data_ready is not sock_def_readable (an
 *            in-kernel consumer: syncsock before its tracepoints, kTLS...).
 *  wakeups   sched:sched_waking while this CPU is inside tcp_data_ready(),
 *            in the task and context that called it (a per-CPU stack of
 *            frames, pushed at entry and popped at exit), charged to that
 *            socket and reported with its next delivery.  sched_waking, not
 *            sched_wakeup: the latter may fire later on the wakee's CPU
 *            (TTWU_QUEUE), outside the window.
 *
 * Deliveries are counted per consumption event: one skb (or what remains of
 * it) handed to a handler or copied by tcp_recvmsg().  A request that fits in
 * one segment is one delivery on either path.
 *
 * syncsock's tracepoint is attached as a classic tracepoint with a context
 * laid out as its tracefs format (user space checks the format before
 * loading), so the module needs no BTF.  Everything else uses CO-RE.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "syncsock_trace.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET6 10
#define TCP_CLOSE 7

/* Stamps a socket keeps for data not yet consumed; more are merged. */
#define RING 8
/* Nesting of tcp_data_ready() on one CPU (process context -> softirq). */
#define MAX_DEPTH 4

const volatile bool filter_ports = false;
const volatile bool filter_listeners = false;
const volatile bool want_conns = false;
/*
 * sock_def_readable's address (/proc/kallsyms), or 0: a socket whose
 * sk_data_ready is another function (syncsock's, kTLS's, strparser's...) has
 * an in-kernel consumer, and its tcp_read_sock() passes are not user space.
 */
const volatile __u64 def_readable = 0;

struct sst_globals sst_globals = {};

struct stamp {
	__u32 start;
	__u32 end;
	__u64 ts;
};

struct sk_state {
	struct stamp ring[RING];
	__u64 born_ns;
	__u32 head;		/* index of the oldest stamp */
	__u32 n;		/* stamps held */
	__u32 last_end;		/* end of the newest data seen queued */
	__u32 copied;		/* consumed up to (user-space path) */
	__u32 listener;
	__u32 pending_queued;
	__u32 pending_wakeups;
	__u32 pending_wakeups_nodata;
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u8 kind;		/* 0 until the consumer is known */
	__u8 ignored;		/* filtered out */
	__u8 fin;		/* the FIN is in rcv_nxt: not data */
	__u8 laddr[16];
	__u8 raddr[16];
};

/*
 * The context code runs in: preempt_count's NMI, hardirq and serving-softirq
 * bits (not the BH-disabled count, which spin_lock_bh() moves).  The count
 * is the per-CPU __preempt_count up to 6.1, pcpu_hot.preempt_count since.
 * Reading it needs the variable in kallsyms (KALLSYMS_ALL): the programs
 * come in two builds, and the *_noctx ones do without (user space picks).
 */
#define CTX_MASK (0x00f00000 | 0x000f0000 | 0x00000100)

extern const int __preempt_count __ksym __weak;
struct pcpu_hot___sst {
	int preempt_count;
} __attribute__((preserve_access_index));
extern struct pcpu_hot___sst pcpu_hot __ksym __weak;

static __always_inline __u32 run_context(void)
{
	if (&pcpu_hot)
		return ((struct pcpu_hot___sst *)bpf_this_cpu_ptr(&pcpu_hot))->preempt_count &
		       CTX_MASK;
	if (&__preempt_count)
		return *(const int *)bpf_this_cpu_ptr(&__preempt_count) & CTX_MASK;
	return 0;
}

/*
 * One tcp_data_ready() call in progress on a CPU.  In process context
 * (release_sock() processing the backlog) the call is preemptible: its task
 * may leave the CPU inside it, and others run meanwhile.  So a frame names
 * its task, wakeups count only for the task on top, and a frame whose task
 * has been gone long is dropped.
 */
struct frame {
	__u64 sk;
	__u64 task;
	__u64 ts;
	__u32 context;		/* run_context() of the call */
	__u16 tracked;		/* the socket has a state (passed the filters) */
	__u16 newdata;		/* the call queued new data */
};

struct cpu_stack {
	__u32 depth;
	__u32 pad;
	struct frame f[MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sk_state);
} states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sst_path_key);
	__type(value, struct sst_path_stats);
} paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct sst_conn_key);
	__type(value, struct sst_conn_stats);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_stack);
} stacks SEC(".maps");

/* Zeroed values to create entries from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sst_path_stats);
} zero_path SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sk_state);
} zero_state SEC(".maps");

static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool seq_after(__u32 a, __u32 b)
{
	return seq_before(b, a);
}

static __always_inline __u32 log2_32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_32(hi) + 32 : log2_32(v);
}

/* The fine histogram's slot: see SST_NS_SUB_BITS. */
static __always_inline __u64 ns_slot(__u64 ns)
{
	__u32 l;

	if (ns < (1 << SST_NS_SUB_BITS))
		return ns;
	l = log2_64(ns);
	if (l > 40)
		return SST_NS_SLOTS - 1;
	return (l << SST_NS_SUB_BITS) |
	       ((ns >> (l - SST_NS_SUB_BITS)) & ((1 << SST_NS_SUB_BITS) - 1));
}

static __always_inline bool port_selected(__u16 port)
{
	return bpf_map_lookup_elem(&ports, &port) != NULL;
}

/* Does a socket whose consumer is known pass -p/-l (either matches)? */
static __always_inline bool selected(const struct sk_state *st)
{
	__u32 listener = st->listener;

	if (!filter_ports && !filter_listeners)
		return true;
	if (filter_ports && port_selected(st->lport))
		return true;
	return filter_listeners && st->kind == SST_KIND_SYNCSOCK &&
	       bpf_map_lookup_elem(&listeners, &listener);
}

/*
 * May a socket that is not known yet be stamped?  With only -p, a socket of
 * another port never will be; with -l the consumer decides later.
 */
static __always_inline bool may_stamp(__u16 lport)
{
	if (!filter_ports || filter_listeners)
		return true;
	return port_selected(lport);
}

static struct sk_state *state_new(struct sock *sk, __u64 now)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 key = (__u64)sk;
	struct sk_state *st;
	__u32 zero = 0;
	void *init;

	init = bpf_map_lookup_elem(&zero_state, &zero);
	if (!init)
		return NULL;
	if (bpf_map_update_elem(&states, &key, init, BPF_ANY)) {
		__sync_fetch_and_add(&sst_globals.state_full, 1);
		return NULL;
	}
	st = bpf_map_lookup_elem(&states, &key);
	if (!st)
		return NULL;
	st->born_ns = now;
	st->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	st->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	st->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (st->family == AF_INET6) {
		BPF_CORE_READ_INTO(&st->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&st->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)st->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)st->raddr, sk, __sk_common.skc_daddr);
	}
	/* Data already queued is dated from now: a lower bound. */
	st->copied = BPF_CORE_READ(tp, copied_seq);
	st->last_end = st->copied;
	return st;
}

static __always_inline void add_counts(struct sst_counts *c, const struct sk_state *st,
				       __u32 bytes, bool delivery, bool softirq, bool timed,
				       __u64 delay)
{
	if (delivery) {
		__sync_fetch_and_add(&c->deliveries, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
		if (softirq)
			__sync_fetch_and_add(&c->softirq, 1);
	}
	if (st->pending_queued)
		__sync_fetch_and_add(&c->queued, st->pending_queued);
	if (st->pending_wakeups)
		__sync_fetch_and_add(&c->wakeups, st->pending_wakeups);
	if (st->pending_wakeups_nodata)
		__sync_fetch_and_add(&c->wakeups_nodata, st->pending_wakeups_nodata);
	if (timed) {
		__sync_fetch_and_add(&c->timed, 1);
		__sync_fetch_and_add(&c->delay_sum_ns, delay);
		/* Racy, as in libbpf-tools: a lost maximum is one of two near-equal ones. */
		if (delay > c->delay_max_ns)
			c->delay_max_ns = delay;
	}
}

static __always_inline void account_conn(const struct sk_state *st, __u64 sk, __u32 bytes,
					 bool delivery, bool softirq, bool timed, __u64 delay)
{
	struct sst_conn_key key = { .sk = sk, .born_ns = st->born_ns };
	struct sst_conn_stats *cs;

	cs = bpf_map_lookup_elem(&conns, &key);
	if (!cs) {
		struct sst_conn_stats init = {};

		init.kind = st->kind;
		init.listener = st->listener;
		init.family = st->family;
		init.lport = st->lport;
		init.rport = st->rport;
		__builtin_memcpy(init.laddr, st->laddr, sizeof(init.laddr));
		__builtin_memcpy(init.raddr, st->raddr, sizeof(init.raddr));
		bpf_map_update_elem(&conns, &key, &init, BPF_NOEXIST);
		cs = bpf_map_lookup_elem(&conns, &key);
		if (!cs) {
			__sync_fetch_and_add(&sst_globals.conn_full, 1);
			return;
		}
	}
	add_counts(&cs->c, st, bytes, delivery, softirq, timed, delay);
}

/*
 * Charge a delivery (or, at close, only what is pending) to the socket's path
 * and connection, and clear what was pending.
 */
static __always_inline void account(struct sk_state *st, __u64 sk, __u32 bytes,
				    bool delivery, bool softirq, bool timed, __u64 delay)
{
	struct sst_path_key key = {
		.kind = st->kind,
		.id = st->kind == SST_KIND_SYNCSOCK ? st->listener : st->lport,
	};
	struct sst_path_stats *ps;
	__u32 zero = 0;
	__u64 slot;
	void *init;

	ps = bpf_map_lookup_elem(&paths, &key);
	if (!ps) {
		init = bpf_map_lookup_elem(&zero_path, &zero);
		if (!init)
			return;
		bpf_map_update_elem(&paths, &key, init, BPF_NOEXIST);
		ps = bpf_map_lookup_elem(&paths, &key);
		if (!ps) {
			__sync_fetch_and_add(&sst_globals.path_full, 1);
			return;
		}
	}
	ps->port = st->lport;
	ps->listener = st->listener;
	add_counts(&ps->c, st, bytes, delivery, softirq, timed, delay);
	if (timed) {
		slot = log2_64(delay / 1000);
		if (slot >= SST_US_SLOTS)
			slot = SST_US_SLOTS - 1;
		__sync_fetch_and_add(&ps->hist_us[slot], 1);
		slot = ns_slot(delay);
		/* ns_slot() is in range, but the verifier cannot tell. */
		barrier_var(slot);
		if (slot >= SST_NS_SLOTS)
			slot = SST_NS_SLOTS - 1;
		__sync_fetch_and_add(&ps->hist_ns[slot], 1);
	}
	if (want_conns)
		account_conn(st, sk, bytes, delivery, softirq, timed, delay);
	st->pending_queued = 0;
	st->pending_wakeups = 0;
	st->pending_wakeups_nodata = 0;
}

/* The consumer takes [start, start + bytes) now. */
static __always_inline void consume(struct sk_state *st, __u64 sk, __u32 start, __u32 bytes,
				    bool softirq, __u64 now)
{
	struct stamp *s = NULL;
	bool timed = false;
	__u64 delay = 0;
	int i;

	/* Stamps wholly consumed before: gone. */
	for (i = 0; i < RING; i++) {
		if (!st->n)
			break;
		s = &st->ring[st->head & (RING - 1)];
		if (seq_after(s->end, start))
			break;
		st->head = (st->head + 1) & (RING - 1);
		st->n--;
		s = NULL;
	}
	if (st->n && s && !seq_after(s->start, start)) {
		timed = true;
		delay = now - s->ts;
	} else {
		__sync_fetch_and_add(&sst_globals.untimed, 1);
	}
	account(st, sk, bytes, true, softirq, timed, delay);
}

/* A frame older than this whose task is not current is left over. */
#define STALE_NS (1000 * 1000 * 1000ULL)

static __always_inline void stack_push(__u64 sk, bool tracked, bool newdata, bool ctx)
{
	__u64 task = bpf_get_current_task(), now = bpf_ktime_get_ns();
	struct cpu_stack *cs;
	struct frame *f;
	__u32 zero = 0, d;
	int i;

	cs = bpf_map_lookup_elem(&stacks, &zero);
	if (!cs)
		return;
	for (i = 0; i < MAX_DEPTH; i++) {
		if (!cs->depth || cs->depth > MAX_DEPTH)
			break;
		d = cs->depth - 1;
		barrier_var(d);
		f = &cs->f[d & (MAX_DEPTH - 1)];
		if (f->task == task || now - f->ts < STALE_NS)
			break;
		cs->depth--;
	}
	d = cs->depth;
	if (d >= MAX_DEPTH)
		return;	/* unmatched: its exit finds no frame of its own */
	barrier_var(d);	/* keep the mask: the verifier does not know d */
	f = &cs->f[d & (MAX_DEPTH - 1)];
	f->sk = sk;
	f->task = task;
	f->ts = now;
	f->context = ctx ? run_context() : 0;
	f->tracked = tracked;
	f->newdata = newdata;
	cs->depth = d + 1;
}

/* Remove the current task's newest frame (of @sk, unless 0). */
static __always_inline void stack_pop(__u64 sk)
{
	__u64 task = bpf_get_current_task();
	struct cpu_stack *cs;
	__u32 zero = 0, d;
	int i, j;

	cs = bpf_map_lookup_elem(&stacks, &zero);
	if (!cs || !cs->depth || cs->depth > MAX_DEPTH)
		return;
	for (i = 0; i < MAX_DEPTH; i++) {
		if (i >= cs->depth)
			return;
		d = cs->depth - 1 - i;
		barrier_var(d);
		d &= MAX_DEPTH - 1;
		if (cs->f[d].task == task && (!sk || cs->f[d].sk == sk))
			break;
	}
	if (i == MAX_DEPTH)
		return;
	/* Frames above it (of other tasks, preempted here) move down. */
	for (j = 0; j < MAX_DEPTH - 1; j++) {
		__u32 to = d + j, from = d + 1 + j;

		if (from >= cs->depth)
			break;
		barrier_var(to);
		barrier_var(from);
		cs->f[to & (MAX_DEPTH - 1)] = cs->f[from & (MAX_DEPTH - 1)];
	}
	cs->depth--;
}

static __always_inline int on_data_ready(struct sock *sk, bool ctx)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct stamp *fresh = NULL;
	struct sk_state *st;
	bool newdata = false;
	__u32 end, copied;
	__u16 lport, rport;
	__u64 done;
	int i;

	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	st = bpf_map_lookup_elem(&states, &key);
	if (st) {
		rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		/* A freed socket's memory, reused: start over. */
		if (st->lport != lport || st->rport != rport)
			st = NULL;
	}
	if (!st) {
		if (!may_stamp(lport))
			goto out;
		st = state_new(sk, now);
		if (!st)
			goto out;
	}
	if (st->ignored) {
		st = NULL;
		goto out;
	}
	__sync_fetch_and_add(&sst_globals.data_ready, 1);

	end = BPF_CORE_READ(tp, rcv_nxt);
	done = 1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE);
	if (BPF_CORE_READ(sk, __sk_common.skc_flags) & done) {
		st->fin = 1;
		end--;
	}
	if (!seq_after(end, st->last_end))
		goto out;

	/* Room first: drop stamps already consumed. */
	copied = BPF_CORE_READ(tp, copied_seq);
	for (i = 0; i < RING; i++) {
		if (!st->n || seq_after(st->ring[st->head & (RING - 1)].end, copied))
			break;
		st->head = (st->head + 1) & (RING - 1);
		st->n--;
	}
	if (st->n >= RING) {
		/* The newest stamp grows: its data is dated a little early. */
		st->ring[(st->head + RING - 1) & (RING - 1)].end = end;
		__sync_fetch_and_add(&sst_globals.coalesced, 1);
	} else {
		struct stamp *s = &st->ring[(st->head + st->n) & (RING - 1)];

		s->start = st->last_end;
		s->end = end;
		st->n++;
		fresh = s;
	}
	st->last_end = end;
	st->pending_queued++;
	newdata = true;
	/* Dated after our own work, which is not the consumer's delay. */
	if (fresh)
		fresh->ts = bpf_ktime_get_ns();
out:
	stack_push(key, st != NULL, newdata, ctx);
	return 0;
}

SEC("fentry/tcp_data_ready")
int BPF_PROG(sst_data_ready, struct sock *sk)
{
	return on_data_ready(sk, true);
}

SEC("fentry/tcp_data_ready")
int BPF_PROG(sst_data_ready_noctx, struct sock *sk)
{
	return on_data_ready(sk, false);
}

SEC("fexit/tcp_data_ready")
int BPF_PROG(sst_data_ready_exit, struct sock *sk)
{
	stack_pop((__u64)sk);
	return 0;
}

SEC("kprobe/tcp_data_ready")
int BPF_KPROBE(sst_data_ready_kprobe, struct sock *sk)
{
	return on_data_ready(sk, true);
}

SEC("kprobe/tcp_data_ready")
int BPF_KPROBE(sst_data_ready_kprobe_noctx, struct sock *sk)
{
	return on_data_ready(sk, false);
}

SEC("kretprobe/tcp_data_ready")
int BPF_KRETPROBE(sst_data_ready_kretprobe)
{
	stack_pop(0);
	return 0;
}

static __always_inline int on_waking(struct task_struct *p, bool ctx)
{
	struct cpu_stack *cs;
	struct sk_state *st;
	struct frame *f;
	__u32 zero = 0, d;
	__u64 sk;

	cs = bpf_map_lookup_elem(&stacks, &zero);
	if (!cs || !cs->depth || cs->depth > MAX_DEPTH)
		return 0;
	d = cs->depth - 1;
	barrier_var(d);
	f = &cs->f[d & (MAX_DEPTH - 1)];
	/*
	 * Only inside the call: in the task that made it, and in its context,
	 * not in an interrupt (or a softirq) that landed in the middle.
	 */
	if (!f->tracked || f->task != bpf_get_current_task())
		return 0;
	if (ctx && f->context != run_context())
		return 0;
	/* A task waking itself pays no switch. */
	if ((void *)p == (void *)f->task)
		return 0;
	sk = f->sk;
	st = bpf_map_lookup_elem(&states, &sk);
	if (!st)
		return 0;
	if (f->newdata)
		__sync_fetch_and_add(&st->pending_wakeups, 1);
	else
		__sync_fetch_and_add(&st->pending_wakeups_nodata, 1);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sst_sched_waking, struct task_struct *p)
{
	return on_waking(p, true);
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sst_sched_waking_noctx, struct task_struct *p)
{
	return on_waking(p, false);
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(sst_rcv_space_adjust, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct sk_state *st;
	__u32 copied, start;

	st = bpf_map_lookup_elem(&states, &key);
	if (!st) {
		/* Data queued before we looked: only learn where it stands. */
		if (may_stamp(BPF_CORE_READ(sk, __sk_common.skc_num)))
			state_new(sk, now);
		return 0;
	}
	if (st->ignored || st->kind == SST_KIND_SYNCSOCK)
		return 0;
	if (def_readable && (__u64)BPF_CORE_READ(sk, sk_data_ready) != def_readable)
		return 0;
	copied = BPF_CORE_READ(tp, copied_seq);
	if (st->fin && seq_after(copied, st->last_end))
		copied = st->last_end;
	if (!seq_after(copied, st->copied))
		return 0;
	start = st->copied;
	st->copied = copied;
	st->kind = SST_KIND_USER;
	if (!selected(st)) {
		st->ignored = 1;
		return 0;
	}
	consume(st, key, start, copied - start, false, now);
	return 0;
}

static struct sk_state *syncsock_state(__u64 skaddr, __u32 listener, __u64 now)
{
	__u64 key = (__u64)skaddr;
	struct sk_state *st;

	st = bpf_map_lookup_elem(&states, &key);
	if (!st) {
		if (!may_stamp(BPF_CORE_READ((struct sock *)skaddr, __sk_common.skc_num)))
			return NULL;
		st = state_new((struct sock *)skaddr, now);
		if (!st)
			return NULL;
	}
	st->kind = SST_KIND_SYNCSOCK;
	st->listener = listener;
	return st;
}

SEC("tracepoint/syncsock/syncsock_accept")
int sst_syncsock_accept(struct sst_syncsock_accept_args *ctx)
{
	syncsock_state(ctx->skaddr, ctx->listener, bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/syncsock/syncsock_rx")
int sst_syncsock_rx(struct sst_syncsock_rx_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	struct sk_state *st;

	st = syncsock_state(ctx->skaddr, ctx->listener, now);
	if (!st || st->ignored || !ctx->bytes)
		return 0;
	if (!selected(st)) {
		st->ignored = 1;
		return 0;
	}
	consume(st, ctx->skaddr, ctx->seq, ctx->bytes, ctx->softirq, now);
	st->copied = ctx->seq + ctx->bytes;
	return 0;
}

/* A closed socket's memory may be reused: report what is pending, forget it. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sst_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	struct sk_state *st;

	if (newstate != TCP_CLOSE)
		return 0;
	st = bpf_map_lookup_elem(&states, &key);
	if (!st)
		return 0;
	if (st->kind && !st->ignored && selected(st) &&
	    (st->pending_queued || st->pending_wakeups || st->pending_wakeups_nodata))
		account(st, key, 0, false, false, false, 0);
	bpf_map_delete_elem(&states, &key);
	return 0;
}
