// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: counters.  Per listener and per CPU, bumped with this_cpu ops on
 * the data path; summed only when someone reads them.  A listener's counts
 * are folded into the module's "retired" totals when it is freed, so the
 * module-wide figures never go backwards.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "internal.h"

static DEFINE_PER_CPU(struct syncsock_stats, syncsock_retired);

/**
 * syncsock_stats_cpu() - one CPU's counters
 * @st: per-CPU counters
 * @cpu: the CPU
 * @out: %SYNCSOCK_STAT_MAX values, overwritten
 *
 * Context: any context.
 */
void syncsock_stats_cpu(struct syncsock_stats __percpu *st, int cpu, u64 *out)
{
	const struct syncsock_stats *s = per_cpu_ptr(st, cpu);
	int i;

	for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
		out[i] = READ_ONCE(s->v[i]);
}

/**
 * syncsock_stats_sum() - counters summed over all CPUs
 * @st: per-CPU counters
 * @out: %SYNCSOCK_STAT_MAX values, overwritten
 *
 * Context: any context.
 */
void syncsock_stats_sum(struct syncsock_stats __percpu *st, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * SYNCSOCK_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct syncsock_stats *s = per_cpu_ptr(st, cpu);

		for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
			out[i] += READ_ONCE(s->v[i]);
	}
}

/**
 * syncsock_stats_retire() - fold a freed listener's counters into the totals
 * @st: its per-CPU counters
 *
 * Context: any context; the caller holds syncsock_all_lock.
 */
void syncsock_stats_retire(struct syncsock_stats __percpu *st)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct syncsock_stats *r = per_cpu_ptr(&syncsock_retired, cpu);
		const struct syncsock_stats *s = per_cpu_ptr(st, cpu);

		for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
			r->v[i] += READ_ONCE(s->v[i]);
	}
}

/**
 * syncsock_stats_module() - the module's counters, all listeners ever
 * @cpu: a CPU, or -1 for the sum over all CPUs
 * @out: %SYNCSOCK_STAT_MAX values, overwritten
 *
 * Context: any context that may take a spinlock.
 */
void syncsock_stats_module(int cpu, u64 *out)
{
	struct syncsock_listener *lsn;
	u64 tmp[SYNCSOCK_STAT_MAX];
	int i;

	spin_lock_bh(&syncsock_all_lock);
	if (cpu < 0)
		syncsock_stats_sum(&syncsock_retired, out);
	else
		syncsock_stats_cpu(&syncsock_retired, cpu, out);
	list_for_each_entry(lsn, &syncsock_all, all_node) {
		if (cpu < 0)
			syncsock_stats_sum(lsn->stats, tmp);
		else
			syncsock_stats_cpu(lsn->stats, cpu, tmp);
		for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
			out[i] += tmp[i];
	}
	spin_unlock_bh(&syncsock_all_lock);
}

static const char *const syncsock_close_names[SYNCSOCK_CLOSE_REASONS] = {
	[SYNCSOCK_CLOSE_PEER_FIN] = "peer_fin",
	[SYNCSOCK_CLOSE_PEER_RESET] = "peer_reset",
	[SYNCSOCK_CLOSE_ERROR] = "error",
	[SYNCSOCK_CLOSE_HANDLER] = "handler",
	[SYNCSOCK_CLOSE_HANDLER_ABORT] = "handler_abort",
	[SYNCSOCK_CLOSE_HANDLER_ERROR] = "handler_error",
	[SYNCSOCK_CLOSE_TIMEOUT] = "timeout",
	[SYNCSOCK_CLOSE_LISTENER_DELETE] = "listener_delete",
	[SYNCSOCK_CLOSE_NETNS_EXIT] = "netns_exit",
	[SYNCSOCK_CLOSE_UNLOAD] = "unload",
	[SYNCSOCK_CLOSE_NOMEM] = "nomem",
	[SYNCSOCK_CLOSE_OVERSIZE] = "oversize",
	[SYNCSOCK_CLOSE_BAD_FRAME] = "bad_frame",
};

static const char *const syncsock_stat_names[SYNCSOCK_STAT_CLOSE_BASE] = {
	[SYNCSOCK_STAT_ACCEPTED] = "accepted",
	[SYNCSOCK_STAT_ACCEPT_REJECTED] = "accept_rejected",
	[SYNCSOCK_STAT_CLOSED] = "closed",
	[SYNCSOCK_STAT_RX_BYTES] = "rx_bytes",
	[SYNCSOCK_STAT_RX_SEGMENTS] = "rx_segments",
	[SYNCSOCK_STAT_RX_SOFTIRQ] = "rx_softirq",
	[SYNCSOCK_STAT_RX_PROCESS] = "rx_process",
	[SYNCSOCK_STAT_RX_DEFERRED] = "rx_deferred",
	[SYNCSOCK_STAT_RX_THROTTLED] = "rx_throttled",
	[SYNCSOCK_STAT_TX_INLINE_BYTES] = "tx_inline_bytes",
	[SYNCSOCK_STAT_TX_INLINE_SOFTIRQ_BYTES] = "tx_inline_softirq_bytes",
	[SYNCSOCK_STAT_TX_QUEUED_BYTES] = "tx_queued_bytes",
	[SYNCSOCK_STAT_TX_FLUSHED_BYTES] = "tx_flushed_bytes",
	[SYNCSOCK_STAT_TX_QUEUE_FULL] = "tx_queue_full",
	[SYNCSOCK_STAT_TX_ERRORS] = "tx_errors",
	[SYNCSOCK_STAT_HANDLER_ERRORS] = "handler_errors",
	[SYNCSOCK_STAT_WORK_RUNS] = "work_runs",
	[SYNCSOCK_STAT_RX_MESSAGES] = "rx_messages",
	[SYNCSOCK_STAT_RX_MESSAGES_COPIED] = "rx_messages_copied",
	[SYNCSOCK_STAT_APP0] = "app0",
	[SYNCSOCK_STAT_APP1] = "app1",
	[SYNCSOCK_STAT_APP2] = "app2",
	[SYNCSOCK_STAT_APP3] = "app3",
};

/**
 * syncsock_stat_name() - a counter's name, as user space shows it
 * @i: the counter
 * @buf: room for a composed name
 * @len: size of @buf
 *
 * Context: any context.
 * Return: the name; close reasons read "closed_<reason>".
 */
const char *syncsock_stat_name(enum syncsock_stat i, char *buf, size_t len)
{
	if (i < SYNCSOCK_STAT_CLOSE_BASE)
		return syncsock_stat_names[i];
	snprintf(buf, len, "closed_%s", syncsock_close_names[i - SYNCSOCK_STAT_CLOSE_BASE]);
	return buf;
}
