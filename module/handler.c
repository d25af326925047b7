// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the handler registry.  Handlers are found by name; a listener
 * that uses one pins the module that provides it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "internal.h"

static DEFINE_MUTEX(syncsock_handlers_lock);
static LIST_HEAD(syncsock_handlers);

struct syncsock_handler_entry {
	struct list_head node;
	struct syncsock_handler *h;
	u32 users;		/* listeners using it */
};

static struct syncsock_handler_entry *syncsock_handler_find(const char *name)
{
	struct syncsock_handler_entry *e;

	list_for_each_entry(e, &syncsock_handlers, node)
		if (!strcmp(e->h->name, name))
			return e;
	return NULL;
}

static bool syncsock_handler_name_ok(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strnlen(name, SYNCSOCK_NAME_MAX);
	if (!n || n == SYNCSOCK_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static int __syncsock_handler_register(struct syncsock_handler *h, bool builtin)
{
	struct syncsock_handler_entry *e;
	int err = 0;

	if (!h || !syncsock_handler_name_ok(h->name) || (!h->data && !h->msg))
		return -EINVAL;
	/* Another module's handler must be pinned while a listener uses it:
	 * without an owner, its module could unload under the listener.
	 */
	if (!builtin && !h->owner)
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->h = h;

	mutex_lock(&syncsock_handlers_lock);
	if (syncsock_handler_find(h->name)) {
		err = -EEXIST;
		kfree(e);
	} else {
		list_add_tail(&e->node, &syncsock_handlers);
	}
	mutex_unlock(&syncsock_handlers_lock);
	return err;
}

int syncsock_handler_register(struct syncsock_handler *h)
{
	return __syncsock_handler_register(h, false);
}
EXPORT_SYMBOL_GPL(syncsock_handler_register);

void syncsock_handler_unregister(struct syncsock_handler *h)
{
	struct syncsock_handler_entry *e;

	mutex_lock(&syncsock_handlers_lock);
	e = syncsock_handler_find(h->name);
	if (e && e->h == h) {
		list_del(&e->node);
		kfree(e);
	}
	mutex_unlock(&syncsock_handlers_lock);
}
EXPORT_SYMBOL_GPL(syncsock_handler_unregister);

/**
 * syncsock_handler_get() - find a handler and pin its module
 * @name: the handler's name
 *
 * Context: process context, may sleep.
 * Return: the handler, or NULL if there is none by that name (or its module
 * is going away).
 */
struct syncsock_handler *syncsock_handler_get(const char *name)
{
	struct syncsock_handler_entry *e;
	struct syncsock_handler *h = NULL;

	mutex_lock(&syncsock_handlers_lock);
	e = syncsock_handler_find(name);
	if (e && try_module_get(e->h->owner)) {
		h = e->h;
		e->users++;
	}
	mutex_unlock(&syncsock_handlers_lock);
	return h;
}

/**
 * syncsock_handler_put() - release what syncsock_handler_get() took
 * @h: the handler
 *
 * Context: process context, may sleep.
 */
void syncsock_handler_put(struct syncsock_handler *h)
{
	struct syncsock_handler_entry *e;

	mutex_lock(&syncsock_handlers_lock);
	e = syncsock_handler_find(h->name);
	if (!WARN_ON_ONCE(!e || e->h != h || !e->users))
		e->users--;
	mutex_unlock(&syncsock_handlers_lock);
	module_put(h->owner);
}

/**
 * syncsock_handler_snapshot() - describe the registered handlers
 * @infos: where to write them (zeroed by the caller)
 * @room: entries @infos has room for
 * @net: count only this namespace's listeners; NULL for all
 *
 * Context: process context, may sleep.
 * Return: how many handlers there are (maybe more than @room).
 */
u32 syncsock_handler_snapshot(struct syncsock_handler_info *infos, u32 room,
			      struct net *net)
{
	struct syncsock_handler_entry *e;
	u32 n = 0;

	mutex_lock(&syncsock_handlers_lock);
	list_for_each_entry(e, &syncsock_handlers, node) {
		if (n < room) {
			strscpy(infos[n].name, e->h->name, sizeof(infos[n].name));
			strscpy(infos[n].module, e->h->owner ? module_name(e->h->owner) :
				KBUILD_MODNAME, sizeof(infos[n].module));
			infos[n].nr_listeners = net ? syncsock_listeners_using(net, e->h) :
						      e->users;
		}
		n++;
	}
	mutex_unlock(&syncsock_handlers_lock);
	return n;
}

/**
 * syncsock_handler_list() - the names of the registered handlers
 * @buf: where to write them, one a line
 * @len: size of @buf
 *
 * Context: process context, may sleep.
 * Return: bytes written.
 */
int syncsock_handler_list(char *buf, size_t len)
{
	struct syncsock_handler_entry *e;
	int n = 0;

	mutex_lock(&syncsock_handlers_lock);
	list_for_each_entry(e, &syncsock_handlers, node)
		n += scnprintf(buf + n, len - n, "%s %s\n", e->h->name,
			       e->h->owner ? module_name(e->h->owner) : "syncsock");
	mutex_unlock(&syncsock_handlers_lock);
	return n;
}

static struct syncsock_handler *syncsock_builtins[] = {
	&syncsock_echo_handler,
	&syncsock_discard_handler,
	&syncsock_http_handler,
	&syncsock_sockperf_handler,
	&syncsock_proxy_handler,
};

int syncsock_builtin_handlers_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(syncsock_builtins); i++) {
		err = __syncsock_handler_register(syncsock_builtins[i], true);
		if (err) {
			while (i--)
				syncsock_handler_unregister(syncsock_builtins[i]);
			return err;
		}
	}
	return 0;
}

void syncsock_builtin_handlers_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(syncsock_builtins); i++)
		syncsock_handler_unregister(syncsock_builtins[i]);
}
