// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the module's memory budget (see mem.h).
 *
 * One counter of the bytes the module holds for connections, and a limit:
 * the module parameter mem_limit, by default 1/16 of the machine's memory
 * (TCP's own tcp_mem pressure threshold is of that order).  An allocation
 * that would pass the limit fails as if memory had run short: the send
 * refuses with -ENOMEM, the framer stops gathering, and the connection's
 * work tries again 20 ms later (what the handler API already promises for
 * -ENOMEM).  Nothing is dropped; peers that hold memory without progress
 * are ended by the listener's timeouts, not by the budget.
 *
 * Each charge is counted on the connection's listener (mem_charged,
 * mem_uncharged, mem_refused): the bytes held now are charged less
 * uncharged, per listener and (statistics id 0) for the module.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>

#include "internal.h"

static atomic_long_t syncsock_mem;
static unsigned long syncsock_mem_limit;

static int syncsock_mem_held_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&syncsock_mem));
}

/* A figure to read: "insmod syncsock.ko mem_held=..." is refused. */
static int syncsock_mem_held_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops syncsock_mem_held_ops = {
	.set = syncsock_mem_held_set,
	.get = syncsock_mem_held_get,
};

/* A budget of 0 would stall every connection: refused. */
static int syncsock_mem_limit_set(const char *val, const struct kernel_param *kp)
{
	unsigned long v;
	int err = kstrtoul(val, 0, &v);

	if (err)
		return err;
	if (!v)
		return -EINVAL;
	WRITE_ONCE(syncsock_mem_limit, v);
	return 0;
}

static const struct kernel_param_ops syncsock_mem_limit_ops = {
	.set = syncsock_mem_limit_set,
	.get = param_get_ulong,
};

module_param_cb(mem_limit, &syncsock_mem_limit_ops, &syncsock_mem_limit, 0644);
MODULE_PARM_DESC(mem_limit,
		 "bytes the module may hold for connections (send queues, framer buffers); default 1/16 of RAM");
module_param_cb(mem_held, &syncsock_mem_held_ops, NULL, 0444);
MODULE_PARM_DESC(mem_held, "bytes the module holds for connections now");

/**
 * syncsock_mem_init() - set the default budget
 *
 * Context: module init, before any connection.
 */
void syncsock_mem_init(void)
{
	if (!syncsock_mem_limit)
		syncsock_mem_limit = (totalram_pages() << PAGE_SHIFT) / 16;
}

/**
 * syncsock_mem_held() - bytes held now
 *
 * Context: any context.
 * Return: the bytes.
 */
long syncsock_mem_held(void)
{
	return atomic_long_read(&syncsock_mem);
}

/**
 * syncsock_mem_room() - could the budget hold @bytes more now?
 * @bytes: how many
 *
 * For a send that may leave a rest to queue: it goes inline only if the
 * rest could be had, so that the budget is passed (by a rest charged by
 * force) only when other CPUs charge in between.
 *
 * Context: any context.
 * Return: true if it could.
 */
bool syncsock_mem_room(long bytes)
{
	return atomic_long_read(&syncsock_mem) + bytes <= (long)READ_ONCE(syncsock_mem_limit);
}

/**
 * syncsock_mem_charge_conn() - charge a connection's allocation
 * @arg: the connection (struct syncsock_conn)
 * @delta: bytes to charge, or (negative) to give back
 * @force: charge even past the budget (the rest of a send TCP took in part:
 *	without it the stream would have a hole)
 *
 * Context: any context.
 * Return: false, with nothing charged, if @delta would pass the budget.
 */
bool syncsock_mem_charge_conn(void *arg, long delta, bool force)
{
	struct syncsock_conn *conn = arg;
	struct syncsock_stats __percpu *st = conn->lsn->stats;

	if (delta <= 0) {
		atomic_long_add(delta, &syncsock_mem);
		syncsock_stat_add(st, SYNCSOCK_STAT_MEM_UNCHARGED, -delta);
		return true;
	}
	if (atomic_long_add_return(delta, &syncsock_mem) > READ_ONCE(syncsock_mem_limit) &&
	    !force) {
		atomic_long_sub(delta, &syncsock_mem);
		syncsock_stat_inc(st, SYNCSOCK_STAT_MEM_REFUSED);
		return false;
	}
	syncsock_stat_add(st, SYNCSOCK_STAT_MEM_CHARGED, delta);
	return true;
}
