// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: debugfs, /sys/kernel/debug/syncsock/.
 *
 *   control    (write, root)  "add addr=A port=P handler=H [backlog=N]
 *                             [max_conns=N] [txq_limit=N] [close_timeout_ms=N]
 *                             [config=REST OF LINE]"
 *                             "del id=N [abort]"
 *   listeners  (read)         one line per listener of the reader's netns
 *   stats      (read)         counters per listener (summed and per CPU) and
 *                             for the whole module
 *   handlers   (read)         registered handlers
 *
 * Every command acts in the network namespace of the writing process.  This
 * is the stop-gap control plane until /dev/syncsock; failures return the
 * errno to write() and log the reason.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "internal.h"

static struct dentry *syncsock_debugfs_dir;

static int syncsock_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (in4_pton(s, -1, (u8 *)&sin->sin_addr, '\0', NULL)) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (in6_pton(s, -1, (u8 *)&sin6->sin6_addr, '\0', NULL)) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int syncsock_cmd_add(struct net *net, char *args)
{
	struct syncsock_listener_cfg *cfg;
	char err[128] = "";
	u16 port = 0;
	char *tok;
	u32 id;
	int ret;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	cfg->backlog = SYNCSOCK_DEFAULT_BACKLOG;
	cfg->max_conns = SYNCSOCK_DEFAULT_MAX_CONNS;
	cfg->txq_limit = SYNCSOCK_DEFAULT_TXQ_BYTES;
	cfg->close_timeout_ms = SYNCSOCK_DEFAULT_CLOSE_TIMEOUT_MS;

	ret = -EINVAL;
	while ((tok = strsep(&args, " \t")) != NULL) {
		char *val = strchr(tok, '=');

		if (!*tok)
			continue;
		if (!val)
			goto bad;
		*val++ = '\0';
		if (!strcmp(tok, "config")) {
			/* The rest of the line, spaces included. */
			if (args)
				val[strlen(val)] = ' ';
			if (strscpy(cfg->config, val, sizeof(cfg->config)) < 0)
				goto bad;
			break;
		} else if (!strcmp(tok, "addr")) {
			if (syncsock_parse_addr(val, &cfg->addr))
				goto bad;
		} else if (!strcmp(tok, "port")) {
			if (kstrtou16(val, 0, &port))
				goto bad;
		} else if (!strcmp(tok, "handler")) {
			if (strscpy(cfg->handler, val, sizeof(cfg->handler)) < 0)
				goto bad;
		} else if (!strcmp(tok, "backlog")) {
			if (kstrtou32(val, 0, &cfg->backlog))
				goto bad;
		} else if (!strcmp(tok, "max_conns")) {
			if (kstrtou32(val, 0, &cfg->max_conns))
				goto bad;
		} else if (!strcmp(tok, "txq_limit")) {
			if (kstrtou32(val, 0, &cfg->txq_limit))
				goto bad;
		} else if (!strcmp(tok, "close_timeout_ms")) {
			if (kstrtou32(val, 0, &cfg->close_timeout_ms))
				goto bad;
		} else {
			goto bad;
		}
	}
	if (cfg->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&cfg->addr)->sin_port = htons(port);
	else if (cfg->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&cfg->addr)->sin6_port = htons(port);

	ret = syncsock_listener_add(net, cfg, &id, err, sizeof(err));
	if (ret)
		pr_info("listener add failed (%d): %s\n", ret, err);
	else
		pr_debug("listener %u added\n", id);
	kfree(cfg);
	return ret;
bad:
	pr_info("control: bad argument '%s'\n", tok);
	kfree(cfg);
	return ret;
}

static int syncsock_cmd_del(struct net *net, char *args)
{
	bool abort = false;
	bool have_id = false;
	char *tok;
	u32 id = 0;

	while ((tok = strsep(&args, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (!strncmp(tok, "id=", 3)) {
			if (kstrtou32(tok + 3, 0, &id))
				return -EINVAL;
			have_id = true;
		} else if (!strcmp(tok, "abort")) {
			abort = true;
		} else if (strcmp(tok, "graceful")) {
			return -EINVAL;
		}
	}
	if (!have_id)
		return -EINVAL;
	return syncsock_listener_del(net, id, abort);
}

static ssize_t syncsock_control_write(struct file *file, const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct net *net = current->nsproxy->net_ns;
	char *buf, *args, *cmd;
	int ret;

	if (len > PAGE_SIZE)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " \t");
	if (!strcmp(cmd, "add"))
		ret = syncsock_cmd_add(net, args ? args : "");
	else if (!strcmp(cmd, "del"))
		ret = syncsock_cmd_del(net, args ? args : "");
	else
		ret = -EINVAL;
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations syncsock_control_fops = {
	.owner = THIS_MODULE,
	.write = syncsock_control_write,
	.llseek = noop_llseek,
};

static void syncsock_show_addr(struct seq_file *m, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		seq_printf(m, "family=inet addr=%pI4 port=%u", &sin->sin_addr,
			   ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		seq_printf(m, "family=inet6 addr=%pI6c port=%u", &sin6->sin6_addr,
			   ntohs(sin6->sin6_port));
	}
}

static void syncsock_show_listener(struct seq_file *m, struct syncsock_listener *lsn)
{
	u32 nconns;

	spin_lock_bh(&lsn->conns_lock);
	nconns = lsn->nconns;
	spin_unlock_bh(&lsn->conns_lock);
	seq_printf(m, "id=%u state=%s ", lsn->id, lsn->deleted ? "draining" : "listening");
	syncsock_show_addr(m, &lsn->cfg.addr);
	seq_printf(m, " handler=%s conns=%u backlog=%u max_conns=%u txq_limit=%u close_timeout_ms=%u\n",
		   lsn->handler->name, nconns, lsn->cfg.backlog, lsn->cfg.max_conns,
		   lsn->cfg.txq_limit, lsn->cfg.close_timeout_ms);
}

static int syncsock_listeners_show(struct seq_file *m, void *v)
{
	struct syncsock_net *sn = syncsock_pernet(current->nsproxy->net_ns);
	struct syncsock_listener *lsn;

	mutex_lock(&sn->lock);
	list_for_each_entry(lsn, &sn->listeners, node)
		syncsock_show_listener(m, lsn);
	spin_lock_bh(&sn->draining_lock);
	list_for_each_entry(lsn, &sn->draining, node)
		syncsock_show_listener(m, lsn);
	spin_unlock_bh(&sn->draining_lock);
	mutex_unlock(&sn->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(syncsock_listeners);

static void syncsock_show_counters(struct seq_file *m, const char *scope,
				   const char *cpu, const u64 *v)
{
	char name[32];
	int i;

	seq_printf(m, "%s cpu=%s", scope, cpu);
	for (i = 0; i < SYNCSOCK_STAT_MAX; i++)
		seq_printf(m, " %s=%llu", syncsock_stat_name(i, name, sizeof(name)), v[i]);
	seq_putc(m, '\n');
}

static void syncsock_show_stats(struct seq_file *m, struct syncsock_listener *lsn)
{
	u64 v[SYNCSOCK_STAT_MAX];
	char scope[24], cpustr[12];
	int cpu;

	snprintf(scope, sizeof(scope), "listener=%u", lsn->id);
	syncsock_stats_sum(lsn->stats, v);
	syncsock_show_counters(m, scope, "all", v);
	for_each_possible_cpu(cpu) {
		syncsock_stats_cpu(lsn->stats, cpu, v);
		snprintf(cpustr, sizeof(cpustr), "%d", cpu);
		syncsock_show_counters(m, scope, cpustr, v);
	}
}

static int syncsock_stats_show(struct seq_file *m, void *v)
{
	struct syncsock_net *sn = syncsock_pernet(current->nsproxy->net_ns);
	struct syncsock_listener *lsn;
	u64 vals[SYNCSOCK_STAT_MAX];

	mutex_lock(&sn->lock);
	list_for_each_entry(lsn, &sn->listeners, node)
		syncsock_show_stats(m, lsn);
	spin_lock_bh(&sn->draining_lock);
	list_for_each_entry(lsn, &sn->draining, node)
		syncsock_show_stats(m, lsn);
	spin_unlock_bh(&sn->draining_lock);
	mutex_unlock(&sn->lock);

	syncsock_stats_module(-1, vals);
	syncsock_show_counters(m, "module", "all", vals);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(syncsock_stats);

static int syncsock_handlers_show(struct seq_file *m, void *v)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	syncsock_handler_list(buf, PAGE_SIZE);
	seq_puts(m, buf);
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(syncsock_handlers);

int syncsock_debugfs_init(void)
{
	syncsock_debugfs_dir = debugfs_create_dir("syncsock", NULL);
	debugfs_create_file("control", 0200, syncsock_debugfs_dir, NULL,
			    &syncsock_control_fops);
	debugfs_create_file("listeners", 0444, syncsock_debugfs_dir, NULL,
			    &syncsock_listeners_fops);
	debugfs_create_file("stats", 0444, syncsock_debugfs_dir, NULL,
			    &syncsock_stats_fops);
	debugfs_create_file("handlers", 0444, syncsock_debugfs_dir, NULL,
			    &syncsock_handlers_fops);
	return 0;
}

void syncsock_debugfs_exit(void)
{
	debugfs_remove_recursive(syncsock_debugfs_dir);
}
