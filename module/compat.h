/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock: the one place that adapts to kernel differences.  Force-included
 * into every file (see Kbuild); the HAVE_ macros come from compat-probe.sh,
 * which reads the target kernel's headers rather than trusting its version.
 */
#ifndef _SYNCSOCK_COMPAT_H
#define _SYNCSOCK_COMPAT_H

/* Each build directory generates its own copy (-I$(obj)). */
#include <compat-generated.h>

/* Every message of ours carries the module's name (kernel style). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef __KERNEL__
#include <net/sock.h>
#include <linux/local_lock.h>	/* after the spinlocks (PREEMPT_RT) */

#ifdef SYNCSOCK_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Never let sk_page_frag() hand a softirq send the current task's frag. */
static inline void syncsock_sk_no_task_frag(struct sock *sk)
{
#ifdef SYNCSOCK_HAVE_SK_USE_TASK_FRAG
	sk->sk_use_task_frag = false;
#endif
	/* Older kernels pick sk->sk_frag whenever sk_allocation is atomic. */
}

/*
 * Per-CPU data used with bottom halves off: a lock of its own on PREEMPT_RT
 * where the kernel has one (6.11), a lockdep annotation elsewhere.  Older
 * kernels rely on local_bh_disable() alone, which their PREEMPT_RT makes a
 * per-CPU lock.
 */
#ifdef SYNCSOCK_HAVE_LOCAL_LOCK_NESTED_BH
#define syncsock_local_lock_nested_bh(l)	local_lock_nested_bh(l)
#define syncsock_local_unlock_nested_bh(l)	local_unlock_nested_bh(l)
#else
static inline void syncsock_local_lock_nested_bh(local_lock_t __percpu *l) { }
static inline void syncsock_local_unlock_nested_bh(local_lock_t __percpu *l) { }
#endif

/*
 * Let a kernel socket outlive its close as a user socket does.  Kernel
 * sockets (sk_net_refcnt == 0) hold no reference to their namespace, so
 * tcp_close() stops their retransmit, loss-probe and zero-window-probe
 * timers (inet_csk_clear_xmit_timers_sync()): a lost tail or FIN of the
 * orphan would never be sent again.  With a reference, as RDS, SMC and NFS
 * take, TCP finishes the close.  The namespace then lives until the orphan
 * is gone, as it would for a user-space server's.
 *
 * Context: process context, socket locked.
 * Return: false if the namespace is already dying (its count reached zero:
 * get_net() would warn); the caller resets the connection instead.
 */
static inline bool syncsock_sk_hold_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (sk->sk_net_refcnt)
		return true;
	if (!maybe_get_net(net))
		return false;
#ifdef SYNCSOCK_HAVE_SK_NET_REFCNT_UPGRADE
	sk_net_refcnt_upgrade(sk);	/* takes its own reference */
	put_net(net);
#else
	/* sk_net_refcnt_upgrade(), with the reference taken above. */
#ifdef SYNCSOCK_HAVE_NETNS_TRACKER_FREE
	__netns_tracker_free(net, &sk->ns_tracker, false);
#endif
	sk->sk_net_refcnt = 1;
	netns_tracker_alloc(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
#ifdef SYNCSOCK_HAVE_NET_PASSIVE
	net_passive_dec(net);	/* no longer a kernel socket's passive count */
#endif
#endif
	return true;
}

/* Frags of device memory (devmem TCP) can be neither spliced nor copied. */
static inline bool syncsock_skb_readable(const struct sk_buff *skb)
{
#ifdef SYNCSOCK_HAVE_SKB_FRAGS_READABLE
	return skb_frags_readable(skb);
#else
	return true;
#endif
}
#endif

#endif /* _SYNCSOCK_COMPAT_H */
