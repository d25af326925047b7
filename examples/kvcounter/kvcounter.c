// SPDX-License-Identifier: GPL-2.0
/*
 * kvcounter: an example syncsock handler, built outside syncsock's tree.
 *
 * A line protocol of named counters, one command per line:
 *   INC key [n]   add n (default 1) to key; answers "key value"
 *   GET key       answers "key value" (0 if the key is unknown)
 *   DEL key       forgets key; answers "OK"
 *   CONN          commands served on this connection; answers "conn n"
 * Anything else answers "ERR <reason>".  Keys are 1-64 characters of
 * [A-Za-z0-9_.-].  Configuration: "max-keys=N" (default 1024).
 *
 * It shows the parts of the handler API: setup parsing a configuration
 * string (and its error message), per-listener state, per-connection state
 * from accept to close, delimiter framing, replies from softirq, refusing a
 * message while the send queue is full, and handler counters (app0 commands
 * served, app1 errors answered).
 */
#include <linux/ctype.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <syncsock/syncsock.h>

#define KV_KEY_MAX	64
#define KV_LINE_MAX	128

struct kv_entry {
	struct hlist_node node;
	u64 value;
	u8 len;
	char key[KV_KEY_MAX];
};

/* Per listener: the table, shared by its connections. */
struct kv_table {
	spinlock_t lock;	/* entries, count; taken in softirq */
	DECLARE_HASHTABLE(entries, 8);
	u32 count;
	u32 max_keys;
};

/* Per connection. */
struct kv_conn {
	u64 commands;
	/* An answer that did not fit in the send queue: the command ran, so
	 * when the line is offered again only the answer is sent.
	 */
	char pending[KV_KEY_MAX + 32];
	int pending_len;
	bool pending_error;
};

static int kv_setup(struct syncsock_listener *lsn, const char *config, void **priv,
		    char *err, size_t err_len)
{
	static const struct syncsock_framer_cfg framer = {
		.type = SYNCSOCK_FRAMER_DELIM,
		.max_msg = KV_LINE_MAX,
		.delim = "\n",
		.delim_len = 1,
	};
	struct kv_table *t;
	u32 max_keys = 1024;
	int ret;

	if (config[0]) {
		if (strncmp(config, "max-keys=", 9) || kstrtou32(config + 9, 10, &max_keys) ||
		    !max_keys || max_keys > 1000000) {
			snprintf(err, err_len,
				 "kvcounter: bad configuration '%s' (want max-keys=1..1000000)",
				 config);
			return -EINVAL;
		}
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->lock);
	hash_init(t->entries);
	t->max_keys = max_keys;
	ret = syncsock_listener_set_framer(lsn, &framer);
	if (ret) {
		kfree(t);
		return ret;
	}
	*priv = t;
	return 0;
}

static void kv_teardown(void *priv)
{
	struct kv_table *t = priv;
	struct hlist_node *tmp;
	struct kv_entry *e;
	int bkt;

	hash_for_each_safe(t->entries, bkt, tmp, e, node)
		kfree(e);
	kfree(t);
}

static int kv_accept(struct syncsock_conn *conn)
{
	struct kv_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	syncsock_conn_set_priv(conn, c);
	return 0;
}

static void kv_close(struct syncsock_conn *conn, enum syncsock_close_reason reason)
{
	kfree(syncsock_conn_priv(conn));
}

static struct kv_entry *kv_find(struct kv_table *t, const char *key, size_t len, u32 hash)
{
	struct kv_entry *e;

	hash_for_each_possible(t->entries, e, node, hash)
		if (e->len == len && !memcmp(e->key, key, len))
			return e;
	return NULL;
}

/* Run one command; write the answer into @out.  Return: its length. */
static int kv_run(struct kv_table *t, struct kv_conn *c, char *line, char *out, size_t size,
		  bool *error)
{
	char *cmd = strsep(&line, " "), *key = strsep(&line, " "), *arg = line;
	struct kv_entry *e, *fresh = NULL;
	size_t klen = key ? strlen(key) : 0;
	u64 n = 1, value = 0;
	u32 hash;
	size_t i;

	*error = false;
	if (!strcmp(cmd, "CONN") && !key)
		return scnprintf(out, size, "conn %llu\n", c->commands);
	*error = true;
	if (!key || !klen || klen > KV_KEY_MAX)
		return scnprintf(out, size, "ERR expected: INC|GET|DEL key\n");
	for (i = 0; i < klen; i++)
		if (!isalnum(key[i]) && !strchr("_.-", key[i]))
			return scnprintf(out, size, "ERR bad key\n");
	hash = jhash(key, klen, 0);

	if (!strcmp(cmd, "INC")) {
		if (arg && kstrtou64(arg, 10, &n))
			return scnprintf(out, size, "ERR bad number\n");
		/* Allocate outside the lock; GFP_ATOMIC: this is softirq. */
		fresh = kzalloc(sizeof(*fresh), GFP_ATOMIC);
		spin_lock_bh(&t->lock);
		e = kv_find(t, key, klen, hash);
		if (!e && fresh && t->count < t->max_keys) {
			e = fresh;
			fresh = NULL;
			e->len = klen;
			memcpy(e->key, key, klen);
			hash_add(t->entries, &e->node, hash);
			t->count++;
		}
		if (e) {
			e->value += n;
			value = e->value;
		}
		spin_unlock_bh(&t->lock);
		kfree(fresh);
		if (!e)
			return scnprintf(out, size, "ERR table full\n");
	} else if (!strcmp(cmd, "GET") && !arg) {
		spin_lock_bh(&t->lock);
		e = kv_find(t, key, klen, hash);
		value = e ? e->value : 0;
		spin_unlock_bh(&t->lock);
	} else if (!strcmp(cmd, "DEL") && !arg) {
		spin_lock_bh(&t->lock);
		e = kv_find(t, key, klen, hash);
		if (e) {
			hash_del(&e->node);
			t->count--;
		}
		spin_unlock_bh(&t->lock);
		kfree(e);
		*error = false;
		return scnprintf(out, size, "OK\n");
	} else {
		return scnprintf(out, size, "ERR unknown command\n");
	}
	*error = false;
	return scnprintf(out, size, "%.*s %llu\n", (int)klen, key, value);
}

/* One line.  Context: softirq or process context, socket locked. */
static int kv_msg(struct syncsock_conn *conn, const void *msg, size_t len)
{
	struct kv_table *t = syncsock_conn_listener_priv(conn);
	struct kv_conn *c = syncsock_conn_priv(conn);
	char line[KV_LINE_MAX + 1];
	int ret;

	if (!c->pending_len) {
		/* The framer delivers the line with its "\n" (maybe "\r\n"). */
		len--;
		if (len && ((const char *)msg)[len - 1] == '\r')
			len--;
		memcpy(line, msg, len);
		line[len] = '\0';
		c->pending_len = kv_run(t, c, line, c->pending, sizeof(c->pending),
					&c->pending_error);
	}
	ret = syncsock_send(conn, c->pending, c->pending_len);
	if (ret == -ENOBUFS || ret == -ENOMEM)
		return -EAGAIN;	/* the same line comes again: queue drained, or 20 ms */
	c->pending_len = 0;
	if (ret)
		return ret;
	c->commands++;
	syncsock_count(conn, c->pending_error ? 1 : 0, 1);
	return 0;
}

static struct syncsock_handler kv_handler = {
	.name = "kvcounter",
	.owner = THIS_MODULE,
	.setup = kv_setup,
	.teardown = kv_teardown,
	.accept = kv_accept,
	.msg = kv_msg,
	.close = kv_close,
};

static int __init kv_init(void)
{
	return syncsock_handler_register(&kv_handler);
}

static void __exit kv_exit(void)
{
	syncsock_handler_unregister(&kv_handler);
}

module_init(kv_init);
module_exit(kv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvcounter: an example syncsock handler");
