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
#endif

#endif /* _SYNCSOCK_COMPAT_H */
