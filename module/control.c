// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the control device, /dev/syncsock.  The ABI and its errors are
 * described in uapi/linux/syncsock.h.  Every command acts in the caller's
 * network namespace; commands that change state need CAP_NET_ADMIN in the
 * user namespace owning it.  Nothing but the documented fields, zero-filled
 * first, is ever copied to user space.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

#include "internal.h"

static bool syncsock_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static void syncsock_addr_to_user(const struct sockaddr_storage *ss,
				  struct syncsock_addr *a)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		a->family = AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->addr, &sin->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		a->family = AF_INET6;
		a->port = ntohs(sin6->sin6_port);
		a->scope_id = sin6->sin6_scope_id;
		memcpy(a->addr, &sin6->sin6_addr, 16);
	}
}

static int syncsock_addr_from_user(const struct syncsock_addr *a,
				   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (!a->port)
		return -EINVAL;
	switch (a->family) {
	case AF_INET: {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (a->scope_id || !syncsock_zero(a->addr + 4, sizeof(a->addr) - 4))
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return 0;
	}
	case AF_INET6: {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		/* A scope only for an address that needs one (bind()'s own
		 * test): elsewhere bind() would ignore it, and the listener
		 * would report it.
		 */
		if (a->scope_id &&
		    !__ipv6_addr_needs_scope_id(ipv6_addr_type((const struct in6_addr *)a->addr)))
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_scope_id = a->scope_id;
		memcpy(&sin6->sin6_addr, a->addr, 16);
		return 0;
	}
	default:
		return -EAFNOSUPPORT;
	}
}

static void syncsock_copy_err(u64 uptr, u32 len, const char *msg)
{
	size_t n;

	if (!uptr || !len || !msg[0])
		return;
	n = min_t(size_t, strlen(msg), len - 1);
	/* Best effort: the errno is the answer, the text a courtesy. */
	if (!copy_to_user(u64_to_user_ptr(uptr), msg, n))
		(void)put_user('\0', (char __user *)u64_to_user_ptr(uptr) + n);
}

/*
 * Module-wide figures (statistics id 0, the handlers' listener counts) span
 * every namespace: only the initial namespace's administrator sees them
 * whole.  Anyone else sees their own namespace's, so that nothing of another
 * namespace's traffic shows through.
 */
static bool syncsock_sees_all(struct net *net)
{
	/* noaudit: every unprivileged caller asks, and is not a denial. */
	return net_eq(net, &init_net) && ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
}

static long syncsock_ioc_version(void __user *arg)
{
	struct syncsock_version v;

	memset(&v, 0, sizeof(v));
	v.abi_version = SYNCSOCK_ABI_VERSION;
	v.nr_stats = SYNCSOCK_STAT_MAX;
	v.nr_close_reasons = SYNCSOCK_CLOSE_REASONS;
	v.nr_cpu_ids = nr_cpu_ids;
	v.close_base = SYNCSOCK_STAT_CLOSE_BASE;
	strscpy(v.module_version, SYNCSOCK_VERSION, sizeof(v.module_version));
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long syncsock_ioc_add(struct net *net, void __user *arg)
{
	struct syncsock_listener_add req;
	struct syncsock_listener_cfg *cfg;
	char err[SYNCSOCK_ERR_MAX] = "";
	long ret;
	u32 id;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!syncsock_zero(req.reserved, sizeof(req.reserved)) ||
	    (req.flags & ~SYNCSOCK_LISTENER_F_ALL) || req.id ||
	    strnlen(req.handler, sizeof(req.handler)) == sizeof(req.handler))
		return -EINVAL;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = syncsock_addr_from_user(&req.addr, &cfg->addr);
	if (ret) {
		snprintf(err, sizeof(err), ret == -EAFNOSUPPORT ?
			 "address family %u is not supported (IPv4 or IPv6)" : !req.addr.port ?
			 "port 0 is not allowed: give the port to listen on" :
			 "malformed address (family %u)", req.addr.family);
		goto out;
	}
	ret = -EINVAL;
	if ((req.flags & SYNCSOCK_LISTENER_F_V6ONLY) && req.addr.family != AF_INET6) {
		snprintf(err, sizeof(err), "v6only applies to IPv6 listeners only");
		goto out;
	}
	cfg->flags = req.flags;
	cfg->backlog = req.backlog ?: SYNCSOCK_DEFAULT_BACKLOG;
	cfg->max_conns = req.max_conns ?: SYNCSOCK_DEFAULT_MAX_CONNS;
	cfg->txq_limit = req.txq_limit ?: SYNCSOCK_DEFAULT_TXQ_BYTES;
	cfg->close_timeout_ms = req.close_timeout_ms ?: SYNCSOCK_DEFAULT_CLOSE_TIMEOUT_MS;
	cfg->idle_timeout_ms = req.idle_timeout_ms ?: SYNCSOCK_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->msg_timeout_ms = req.msg_timeout_ms ?: SYNCSOCK_DEFAULT_MSG_TIMEOUT_MS;
	cfg->user_timeout_ms = req.user_timeout_ms ?: SYNCSOCK_DEFAULT_USER_TIMEOUT_MS;
	strscpy(cfg->handler, req.handler, sizeof(cfg->handler));
	if (req.config) {
		long n = strncpy_from_user(cfg->config, u64_to_user_ptr(req.config),
					   sizeof(cfg->config));

		if (n < 0) {
			ret = n;
			goto out;
		}
		if (n == sizeof(cfg->config)) {
			snprintf(err, sizeof(err), "the configuration is longer than %u bytes",
				 SYNCSOCK_CONFIG_MAX - 1);
			goto out;
		}
	}

	ret = syncsock_listener_add(net, cfg, &id, err, sizeof(err));
	if (!ret && put_user(id, &((struct syncsock_listener_add __user *)arg)->id)) {
		/* The caller cannot learn the id: undo, rather than leak. */
		syncsock_listener_del(net, id, true);
		ret = -EFAULT;
	}
out:
	if (ret)
		syncsock_copy_err(req.err, req.err_len, err);
	kfree(cfg);
	return ret;
}

static long syncsock_ioc_del(struct net *net, void __user *arg)
{
	struct syncsock_listener_del req;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!syncsock_zero(req.reserved, sizeof(req.reserved)) ||
	    (req.flags & ~SYNCSOCK_DEL_F_ALL))
		return -EINVAL;
	return syncsock_listener_del(net, req.id, req.flags & SYNCSOCK_DEL_F_ABORT);
}

static void syncsock_fill_info(struct syncsock_listener *lsn,
			       struct syncsock_listener_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = lsn->id;
	info->state = lsn->deleted ? SYNCSOCK_STATE_DRAINING : SYNCSOCK_STATE_LISTENING;
	syncsock_addr_to_user(&lsn->cfg.addr, &info->addr);
	info->flags = lsn->cfg.flags;
	info->backlog = lsn->cfg.backlog;
	info->max_conns = lsn->cfg.max_conns;
	info->txq_limit = lsn->cfg.txq_limit;
	info->close_timeout_ms = lsn->cfg.close_timeout_ms;
	info->idle_timeout_ms = lsn->cfg.idle_timeout_ms;
	info->msg_timeout_ms = lsn->cfg.msg_timeout_ms;
	info->user_timeout_ms = lsn->cfg.user_timeout_ms;
	spin_lock_bh(&lsn->conns_lock);
	info->nr_conns = lsn->nconns;
	spin_unlock_bh(&lsn->conns_lock);
	strscpy(info->handler, lsn->handler->name, sizeof(info->handler));
}

/* A visit of every listener of a namespace. */
struct syncsock_visit {
	int (*fn)(struct syncsock_listener *lsn, void *data);
	void *data;
};

/*
 * Call @v->fn for the listeners of @sn, active then draining, under the locks
 * that keep them alive; stop when it returns non-zero.
 */
static int syncsock_visit_listeners(struct syncsock_net *sn,
				    const struct syncsock_visit *v)
{
	struct syncsock_listener *lsn;
	int ret = 0;

	mutex_lock(&sn->lock);
	list_for_each_entry(lsn, &sn->listeners, node) {
		ret = v->fn(lsn, v->data);
		if (ret)
			goto out;
	}
	spin_lock_bh(&sn->draining_lock);
	list_for_each_entry(lsn, &sn->draining, node) {
		ret = v->fn(lsn, v->data);
		if (ret)
			break;
	}
	spin_unlock_bh(&sn->draining_lock);
out:
	mutex_unlock(&sn->lock);
	return ret;
}

/* Room a list allocates past the listeners counted before it, and at most. */
#define SYNCSOCK_LIST_SLACK	16
#define SYNCSOCK_LIST_MAX	65536

/*
 * A list's entries, gathered by a visit of the listeners: at most @room of
 * @size bytes each at @entries; @total counts every entry there is.
 */
struct syncsock_snap {
	void *entries;
	size_t size;
	u32 room;
	u32 total;
};

/* The next entry to fill, or NULL when there is no room (still counted). */
static void *syncsock_snap_next(struct syncsock_snap *snap)
{
	void *e = snap->total < snap->room ? snap->entries + snap->total * snap->size : NULL;

	snap->total++;
	return e;
}

/*
 * Gather a list for a caller with room for @count entries.  Memory for the
 * entries there are (and a few more that may come meanwhile), not for
 * whatever count the caller names: anyone may list.  If more came than
 * that, again with room for those; the last try takes the caller's count
 * (up to the cap), so that -ENOSPC means the caller's room was short.
 * Return: 0 (snap->entries to kvfree()) or -ENOMEM.
 */
static int syncsock_snap_take(struct syncsock_net *sn, const struct syncsock_visit *v,
			      struct syncsock_snap *snap, u32 count)
{
	int tries = 0;
	u32 want;

	snap->entries = NULL;
	snap->room = 0;
	snap->total = 0;
	syncsock_visit_listeners(sn, v);	/* room 0: only counts */
	want = snap->total;
	do {
		kvfree(snap->entries);
		snap->entries = NULL;
		snap->total = 0;
		snap->room = min3(count, (u32)SYNCSOCK_LIST_MAX,
				  ++tries < 3 ? want + SYNCSOCK_LIST_SLACK : U32_MAX);
		if (snap->room) {
			snap->entries = kvcalloc(snap->room, snap->size,
						 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
			if (!snap->entries)
				return -ENOMEM;
		}
		syncsock_visit_listeners(sn, v);
		want = snap->total;
	} while (snap->total > snap->room && snap->room < min_t(u32, count, SYNCSOCK_LIST_MAX));
	return 0;
}

/*
 * Write a list back: @count entries at @uentries, then the header @req of
 * @req_len bytes at @arg (its count and total set by the caller).
 * Return: 0, -EFAULT, or -ENOSPC when the caller's room was short.
 */
static long syncsock_snap_put(const struct syncsock_snap *snap, u64 uentries, u32 count,
			      void __user *arg, const void *req, size_t req_len)
{
	if (count && copy_to_user(u64_to_user_ptr(uentries), snap->entries,
				  count * snap->size))
		return -EFAULT;
	if (copy_to_user(arg, req, req_len))
		return -EFAULT;
	return snap->total > snap->room ? -ENOSPC : 0;
}

static int syncsock_list_one(struct syncsock_listener *lsn, void *data)
{
	struct syncsock_listener_info *info = syncsock_snap_next(data);

	if (info)
		syncsock_fill_info(lsn, info);
	return 0;
}

struct syncsock_get_ctx {
	u32 id;
	struct syncsock_listener_info *info;
	u64 *values;		/* stats: sum, then per CPU rows */
	u32 nr_rows;
};

static int syncsock_get_one(struct syncsock_listener *lsn, void *data)
{
	struct syncsock_get_ctx *ctx = data;
	u32 row;

	if (lsn->id != ctx->id)
		return 0;
	if (ctx->info)
		syncsock_fill_info(lsn, ctx->info);
	if (ctx->values) {
		syncsock_stats_sum(lsn->stats, ctx->values);
		for (row = 1; row < ctx->nr_rows; row++)
			if (cpu_possible(row - 1))
				syncsock_stats_cpu(lsn->stats, row - 1,
						   ctx->values + row * SYNCSOCK_STAT_MAX);
	}
	return 1;
}

static long syncsock_ioc_get(struct net *net, void __user *arg)
{
	struct syncsock_listener_info info;
	struct syncsock_get_ctx ctx = { .info = &info };
	struct syncsock_visit v = { syncsock_get_one, &ctx };

	if (get_user(ctx.id, (u32 __user *)arg))
		return -EFAULT;
	if (!syncsock_visit_listeners(syncsock_pernet(net), &v))
		return -ENOENT;
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long syncsock_ioc_list(struct net *net, void __user *arg)
{
	struct syncsock_listener_list req;
	struct syncsock_snap snap = { .size = sizeof(struct syncsock_listener_info) };
	struct syncsock_visit v = { syncsock_list_one, &snap };
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!syncsock_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	ret = syncsock_snap_take(syncsock_pernet(net), &v, &snap, req.count);
	if (ret)
		return ret;
	req.count = min(snap.total, snap.room);
	req.total = snap.total;
	ret = syncsock_snap_put(&snap, req.entries, req.count, arg, &req, sizeof(req));
	kvfree(snap.entries);
	return ret;
}

static long syncsock_ioc_stats(struct net *net, void __user *arg)
{
	struct syncsock_stats_get req;
	struct syncsock_get_ctx ctx = {};
	u32 rows, row, i;
	u64 __user *out;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!syncsock_zero(req.reserved, sizeof(req.reserved)) ||
	    (req.flags & ~SYNCSOCK_STATS_F_ALL) || !req.nr_stats)
		return -EINVAL;
	rows = 1 + ((req.flags & SYNCSOCK_STATS_F_PER_CPU) ? nr_cpu_ids : 0);
	if (req.nr_rows < rows) {
		req.nr_rows = rows;
		return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : -ENOSPC;
	}

	ctx.values = kvcalloc(rows, sizeof(u64) * SYNCSOCK_STAT_MAX, GFP_KERNEL_ACCOUNT);
	if (!ctx.values)
		return -ENOMEM;
	ctx.nr_rows = rows;
	if (req.id) {
		struct syncsock_visit v = { syncsock_get_one, &ctx };

		ctx.id = req.id;
		if (!syncsock_visit_listeners(syncsock_pernet(net), &v)) {
			ret = -ENOENT;
			goto out;
		}
	} else if (syncsock_sees_all(net)) {
		syncsock_stats_module(-1, ctx.values);
		for (row = 1; row < rows; row++)
			if (cpu_possible(row - 1))
				syncsock_stats_module(row - 1,
						      ctx.values + row * SYNCSOCK_STAT_MAX);
	} else {
		syncsock_stats_net(net, -1, ctx.values);
		for (row = 1; row < rows; row++)
			if (cpu_possible(row - 1))
				syncsock_stats_net(net, row - 1,
						   ctx.values + row * SYNCSOCK_STAT_MAX);
	}

	/* The caller's rows may be shorter or longer than ours. */
	req.nr_stats = min_t(u32, req.nr_stats, SYNCSOCK_STAT_MAX);
	out = u64_to_user_ptr(req.values);
	for (row = 0; row < rows && !ret; row++)
		for (i = 0; i < req.nr_stats; i++)
			if (put_user(ctx.values[row * SYNCSOCK_STAT_MAX + i],
				     out + (u64)row * req.nr_stats + i)) {
				ret = -EFAULT;
				break;
			}
	req.nr_rows = rows;
	if (!ret && copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	kvfree(ctx.values);
	return ret;
}

static long syncsock_ioc_handlers(struct net *net, void __user *arg)
{
	struct syncsock_handler_list req;
	struct syncsock_handler_info *infos = NULL;
	u32 room, total;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!syncsock_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	room = min_t(u32, req.count, 1024);
	if (room) {
		infos = kvcalloc(room, sizeof(*infos), GFP_KERNEL_ACCOUNT);
		if (!infos)
			return -ENOMEM;
	}
	total = syncsock_handler_snapshot(infos, room, syncsock_sees_all(net) ? NULL : net);
	req.count = min(total, room);
	req.total = total;
	if (req.count && copy_to_user(u64_to_user_ptr(req.entries), infos,
				      req.count * sizeof(*infos)))
		ret = -EFAULT;
	else if (copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
	else if (total > room)
		ret = -ENOSPC;
	kvfree(infos);
	return ret;
}

struct syncsock_pairs_ctx {
	struct syncsock_snap snap;
	u32 id;			/* 0: every listener */
	bool found;		/* the listener @id exists */
};

static void syncsock_sk_to_user(const struct sock *sk, bool peer, struct syncsock_addr *out)
{
	struct sockaddr_storage ss;

	syncsock_sk_addr(sk, peer, &ss);
	syncsock_addr_to_user(&ss, out);
}

static int syncsock_pairs_one(struct syncsock_listener *lsn, void *data)
{
	struct syncsock_pairs_ctx *ctx = data;
	struct syncsock_conn *c, *p;

	if (ctx->id && lsn->id != ctx->id)
		return 0;
	ctx->found = true;
	spin_lock_bh(&lsn->conns_lock);
	list_for_each_entry(c, &lsn->conns, node) {
		struct syncsock_pair_info *info;
		bool c_out, p_out;

		/* Stable under the lock: a release unlinks under it first. */
		p = rcu_dereference_protected(c->pair, lockdep_is_held(&lsn->conns_lock));
		if (!p)
			continue;
		/* Each pair once: from its accepted side, else its first. */
		c_out = test_bit(SYNCSOCK_CONN_OUTBOUND, &c->flags);
		p_out = test_bit(SYNCSOCK_CONN_OUTBOUND, &p->flags);
		if (c_out && (!p_out || (uintptr_t)c > (uintptr_t)p))
			continue;
		info = syncsock_snap_next(&ctx->snap);
		if (!info)
			continue;
		info->listener = lsn->id;	/* kvcalloc()ed: the rest is zero */
		if (test_bit(SYNCSOCK_CONN_CONNECTING, &p->flags))
			info->flags |= SYNCSOCK_PAIR_F_CONNECTING;
		if (test_bit(SYNCSOCK_CONN_RX_PAUSED, &c->flags))
			info->flags |= SYNCSOCK_PAIR_F_PAUSED;
		if (test_bit(SYNCSOCK_CONN_CLOSING, &c->flags) ||
		    test_bit(SYNCSOCK_CONN_CLOSING, &p->flags))
			info->flags |= SYNCSOCK_PAIR_F_CLOSING;
		syncsock_sk_to_user(c->sk, true, &info->client);
		syncsock_sk_to_user(c->sk, false, &info->local);
		syncsock_sk_to_user(p->sk, false, &info->source);
		syncsock_sk_to_user(p->sk, true, &info->backend);
		info->up_queued = READ_ONCE(p->txq.bytes);
		info->down_queued = READ_ONCE(c->txq.bytes);
	}
	spin_unlock_bh(&lsn->conns_lock);
	return ctx->id ? 1 : 0;
}

static long syncsock_ioc_pairs(struct net *net, void __user *arg)
{
	struct syncsock_pair_list req;
	struct syncsock_pairs_ctx ctx = { .snap.size = sizeof(struct syncsock_pair_info) };
	struct syncsock_visit v = { syncsock_pairs_one, &ctx };
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved0 || !syncsock_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	ctx.id = req.id;
	ret = syncsock_snap_take(syncsock_pernet(net), &v, &ctx.snap, req.count);
	if (!ret && ctx.id && !ctx.found)
		ret = -ENOENT;
	if (!ret) {
		req.count = min(ctx.snap.total, ctx.snap.room);
		req.total = ctx.snap.total;
		ret = syncsock_snap_put(&ctx.snap, req.entries, req.count, arg, &req,
					sizeof(req));
	}
	kvfree(ctx.snap.entries);
	return ret;
}

static long syncsock_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	void __user *arg = (void __user *)uarg;
	struct net *net = current->nsproxy->net_ns;
	unsigned int size;

	if (_IOC_TYPE(cmd) != SYNCSOCK_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(SYNCSOCK_IOC_VERSION):
		size = sizeof(struct syncsock_version);
		break;
	case _IOC_NR(SYNCSOCK_IOC_LISTENER_ADD):
		size = sizeof(struct syncsock_listener_add);
		break;
	case _IOC_NR(SYNCSOCK_IOC_LISTENER_DEL):
		size = sizeof(struct syncsock_listener_del);
		break;
	case _IOC_NR(SYNCSOCK_IOC_LISTENER_GET):
		size = sizeof(struct syncsock_listener_info);
		break;
	case _IOC_NR(SYNCSOCK_IOC_LISTENER_LIST):
		size = sizeof(struct syncsock_listener_list);
		break;
	case _IOC_NR(SYNCSOCK_IOC_STATS_GET):
		size = sizeof(struct syncsock_stats_get);
		break;
	case _IOC_NR(SYNCSOCK_IOC_HANDLER_LIST):
		size = sizeof(struct syncsock_handler_list);
		break;
	case _IOC_NR(SYNCSOCK_IOC_PAIR_LIST):
		size = sizeof(struct syncsock_pair_list);
		break;
	default:
		return -ENOTTY;
	}
	/* A known command with another size or direction is malformed. */
	if (_IOC_SIZE(cmd) != size)
		return -EINVAL;

	switch (cmd) {
	case SYNCSOCK_IOC_VERSION:
		return syncsock_ioc_version(arg);
	case SYNCSOCK_IOC_LISTENER_ADD:
		return syncsock_ioc_add(net, arg);
	case SYNCSOCK_IOC_LISTENER_DEL:
		return syncsock_ioc_del(net, arg);
	case SYNCSOCK_IOC_LISTENER_GET:
		return syncsock_ioc_get(net, arg);
	case SYNCSOCK_IOC_LISTENER_LIST:
		return syncsock_ioc_list(net, arg);
	case SYNCSOCK_IOC_STATS_GET:
		return syncsock_ioc_stats(net, arg);
	case SYNCSOCK_IOC_HANDLER_LIST:
		return syncsock_ioc_handlers(net, arg);
	case SYNCSOCK_IOC_PAIR_LIST:
		return syncsock_ioc_pairs(net, arg);
	default:
		return -EINVAL;
	}
}

static const struct file_operations syncsock_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = syncsock_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice syncsock_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "syncsock",
	.fops = &syncsock_fops,
	.mode = 0600,
};

int syncsock_control_init(void)
{
	return misc_register(&syncsock_miscdev);
}

void syncsock_control_exit(void)
{
	misc_deregister(&syncsock_miscdev);
}
