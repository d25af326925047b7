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
