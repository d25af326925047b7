// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: module load and unload, the per-namespace state and the default
 * socket callbacks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "internal.h"

struct workqueue_struct *syncsock_wq;
unsigned int syncsock_net_id __read_mostly;
struct syncsock_sk_defaults syncsock_defaults __read_mostly;
static bool syncsock_unloading;

struct syncsock_net *syncsock_pernet(struct net *net)
{
	return net_generic(net, syncsock_net_id);
}

static int __net_init syncsock_net_init(struct net *net)
{
	struct syncsock_net *sn = syncsock_pernet(net);

	mutex_init(&sn->lock);
	INIT_LIST_HEAD(&sn->listeners);
	spin_lock_init(&sn->draining_lock);
	INIT_LIST_HEAD(&sn->draining);
	init_waitqueue_head(&sn->drained);
	sn->exiting = false;
	sn->next_id = 1;
	sn->retired = alloc_percpu(struct syncsock_stats);
	return sn->retired ? 0 : -ENOMEM;
}

static void __net_exit syncsock_net_exit(struct net *net)
{
	struct syncsock_net *sn = syncsock_pernet(net);

	syncsock_listeners_close_all(net, READ_ONCE(syncsock_unloading) ?
				     SYNCSOCK_CLOSE_UNLOAD :
				     SYNCSOCK_CLOSE_NETNS_EXIT);
	/* Every listener is freed: nothing retires into it any more. */
	free_percpu(sn->retired);
	sn->retired = NULL;
}

static struct pernet_operations syncsock_net_ops = {
	.init = syncsock_net_init,
	.exit = syncsock_net_exit,
	.id = &syncsock_net_id,
	.size = sizeof(struct syncsock_net),
};

/*
 * sock_def_readable() and friends are not exported: take them from a fresh
 * TCP socket, so that teardown restores what TCP itself would use rather than
 * the listener hooks a child inherited.
 */
static int syncsock_capture_defaults(void)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	syncsock_defaults.data_ready = sock->sk->sk_data_ready;
	syncsock_defaults.write_space = sock->sk->sk_write_space;
	syncsock_defaults.state_change = sock->sk->sk_state_change;
	syncsock_defaults.error_report = sock->sk->sk_error_report;
	sock_release(sock);
	return 0;
}

static int __init syncsock_init(void)
{
	int err;

	err = syncsock_capture_defaults();
	if (err)
		return err;
	syncsock_mem_init();
	syncsock_tx_init();
	err = syncsock_conn_cache_init();
	if (err)
		return err;

	/* The release work frees memory and sockets: it must make progress
	 * when the system is short of memory (a rescuer thread).
	 */
	syncsock_wq = alloc_workqueue("syncsock", WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!syncsock_wq) {
		err = -ENOMEM;
		goto out_cache;
	}

	err = syncsock_builtin_handlers_init();
	if (err)
		goto out_wq;

	err = register_pernet_subsys(&syncsock_net_ops);
	if (err)
		goto out_handlers;

	err = syncsock_control_init();
	if (err)
		goto out_pernet;

	pr_info("loaded\n");
	return 0;

out_pernet:
	unregister_pernet_subsys(&syncsock_net_ops);
out_handlers:
	syncsock_builtin_handlers_exit();
out_wq:
	destroy_workqueue(syncsock_wq);
out_cache:
	syncsock_conn_cache_exit();
	return err;
}

static void __exit syncsock_exit(void)
{
	syncsock_control_exit();
	WRITE_ONCE(syncsock_unloading, true);
	/* Runs syncsock_net_exit() for every namespace: every listener and
	 * connection is closed and freed before this returns.
	 */
	unregister_pernet_subsys(&syncsock_net_ops);
	syncsock_builtin_handlers_exit();
	destroy_workqueue(syncsock_wq);
	syncsock_conn_cache_exit();	/* rcu_barrier(): our callbacks are done */
	syncsock_tx_exit();
	pr_info("unloaded\n");
}

module_init(syncsock_init);
module_exit(syncsock_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The syncsock authors");
MODULE_DESCRIPTION("Synchronous in-softirq TCP handlers on stock kernels");
MODULE_VERSION(SYNCSOCK_VERSION);
