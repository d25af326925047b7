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

static void syncsock_stats_fold(struct syncsock_stats __percpu *into,
				struct syncsock_stats __percpu *st)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct syncsock_stats *r = per_cpu_ptr(into, cpu);
		const struct syncsock_stats *s = per_cpu_ptr(st, cpu);

		for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
			r->v[i] += READ_ONCE(s->v[i]);
	}
}

/**
 * syncsock_stats_retire() - fold a freed listener's counters into the totals
 * @st: its per-CPU counters
 * @net_retired: its namespace's totals of freed listeners
 *
 * Context: any context; the caller holds syncsock_all_lock.
 */
void syncsock_stats_retire(struct syncsock_stats __percpu *st,
			   struct syncsock_stats __percpu *net_retired)
{
	syncsock_stats_fold(&syncsock_retired, st);
	syncsock_stats_fold(net_retired, st);
}

/**
 * syncsock_stats_add() - add one set of per-CPU counters to a sum
 * @st: the counters
 * @cpu: a CPU, or -1 for the sum over all CPUs
 * @out: %SYNCSOCK_STAT_MAX values, added to
 *
 * Context: any context.
 */
void syncsock_stats_add(struct syncsock_stats __percpu *st, int cpu, u64 *out)
{
	u64 tmp[SYNCSOCK_STAT_MAX];
	int i;

	if (cpu < 0)
		syncsock_stats_sum(st, tmp);
	else
		syncsock_stats_cpu(st, cpu, tmp);
	for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
		out[i] += tmp[i];
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

	memset(out, 0, sizeof(u64) * SYNCSOCK_STAT_MAX);
	spin_lock_bh(&syncsock_all_lock);
	syncsock_stats_add(&syncsock_retired, cpu, out);
	list_for_each_entry(lsn, &syncsock_all, all_node)
		syncsock_stats_add(lsn->stats, cpu, out);
	spin_unlock_bh(&syncsock_all_lock);
}

/**
 * syncsock_stats_net() - a namespace's counters, all its listeners ever
 * @net: the namespace
 * @cpu: a CPU, or -1 for the sum over all CPUs
 * @out: %SYNCSOCK_STAT_MAX values, overwritten
 *
 * Under syncsock_all_lock, so that a listener being freed is counted once:
 * either still on the module's list or already folded into the retired.
 *
 * Context: any context that may take a spinlock.
 */
void syncsock_stats_net(struct net *net, int cpu, u64 *out)
{
	struct syncsock_net *sn = syncsock_pernet(net);
	struct syncsock_listener *lsn;

	memset(out, 0, sizeof(u64) * SYNCSOCK_STAT_MAX);
	spin_lock_bh(&syncsock_all_lock);
	syncsock_stats_add(sn->retired, cpu, out);
	list_for_each_entry(lsn, &syncsock_all, all_node)
		if (net_eq(lsn->net, net))
			syncsock_stats_add(lsn->stats, cpu, out);
	spin_unlock_bh(&syncsock_all_lock);
}
