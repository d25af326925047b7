/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the module's memory budget.  What the module allocates for its
 * connections (send queue chunks, the framer's buffers) is invisible to
 * tcp_mem, memory cgroups and the sockets' own limits, so it is charged
 * here, against one module-wide limit.  The send queue and the framer know
 * nothing of it: they call the charge hook they were given (none in KUnit).
 */
#ifndef _SYNCSOCK_MEM_H
#define _SYNCSOCK_MEM_H

#include <linux/types.h>

/**
 * struct syncsock_charge - where a queue or buffer charges its memory
 * @fn: charge @delta bytes (negative: give them back); return false, having
 *	charged nothing, when they would exceed the budget, unless @force
 * @arg: its argument
 */
struct syncsock_charge {
	bool (*fn)(void *arg, long delta, bool force);
	void *arg;
};

static inline bool syncsock_charge(const struct syncsock_charge *c, long delta)
{
	return !c || c->fn(c->arg, delta, false);
}

/* Charge memory that must be had: the budget is passed, not refused. */
static inline void syncsock_charge_force(const struct syncsock_charge *c, long delta)
{
	if (c)
		c->fn(c->arg, delta, true);
}

#ifdef __KERNEL__
struct syncsock_conn;

void syncsock_mem_init(void);
bool syncsock_mem_charge_conn(void *conn, long delta, bool force);
long syncsock_mem_held(void);
bool syncsock_mem_room(long bytes);
#endif

#endif /* _SYNCSOCK_MEM_H */
