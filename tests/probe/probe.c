// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock_probe: a handler that misbehaves on request, for the in-guest
 * tests of what the core does with handlers at the edges of the API.  It is
 * built as any third-party handler is, against syncsock's public header.
 *
 * Configuration ("listener add ... handler probe config ..."):
 *   take=N	the data callback consumes at most N bytes per call (0: all)
 *		and returns short; the core must not offer it the rest
 *		within the same receive pass
 *   keep=N	the data callback leaves the last N bytes it is offered
 *		(a partial request that waits for more), with its queue
 *		empty: after the peer's FIN they can never be taken (it
 *		overrides take=)
 *   refuse=N	with frame=line, the msg callback refuses each message
 *		(-EAGAIN) the first N times it is offered, with its queue
 *		empty
 *   accept=MODE	what the accept callback does:
 *		close		syncsock_close(), graceful, then 0
 *		abort		syncsock_close(), abort, then 0
 *		send-close	sends "hello\n", closes gracefully, then 0
 *		send-fail	queues 64 KiB, then fails (-EPERM)
 *		close-fail	closes, then fails (-EPERM)
 *   timer=hard|soft	an hrtimer per connection, every timer_us (200), in hard
 *		interrupt context or in softirq, sends a record (below) and
 *		counts sends refused with -EINVAL (hard: all of them)
 *   timer_us=N	the timer's period in microseconds (10 to 1000000)
 *   frame=line	messages end with '\n': the msg callback answers each with
 *		a record (below), returning -EAGAIN when the queue is full,
 *		so that the framer offers it again
 *   record=N	each data callback answers with one record of N bytes
 *		(instead of consuming quietly): 'R', a 4-byte big-endian
 *		length, a tag ('D' data callback, 'T' timer), a 2-byte
 *		sequence number and filler bytes that repeat the tag; the
 *		client checks that no record lands inside another; the
 *		write_space callback warns if the core calls it from within
 *		the data callback's own send (TCP calls sk_write_space from
 *		its transmit: a flush there would put queued bytes inside
 *		the send in progress)
 *
 * Counters: app0 data callbacks, app1 bytes consumed, app2 close callbacks
 * (exactly one per connection accepted), app3 sends and closes refused with
 * -EINVAL (the timer's in hard interrupt context).
 *
 * At load it also registers a handler without an owner module, which the
 * core must refuse (a third-party handler must be pinned while in use): the
 * result is the read-only parameter null_owner_register.
 */
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <syncsock/syncsock.h>

enum probe_accept {
	PROBE_ACCEPT_NONE,
	PROBE_ACCEPT_CLOSE,
	PROBE_ACCEPT_ABORT,
	PROBE_ACCEPT_SEND_CLOSE,
	PROBE_ACCEPT_SEND_FAIL,
	PROBE_ACCEPT_CLOSE_FAIL,
};

static const char *const probe_accept_names[] = {
	[PROBE_ACCEPT_NONE] = "none",
	[PROBE_ACCEPT_CLOSE] = "close",
	[PROBE_ACCEPT_ABORT] = "abort",
	[PROBE_ACCEPT_SEND_CLOSE] = "send-close",
	[PROBE_ACCEPT_SEND_FAIL] = "send-fail",
	[PROBE_ACCEPT_CLOSE_FAIL] = "close-fail",
};

enum probe_timer {
	PROBE_TIMER_NONE,
	PROBE_TIMER_HARD,
	PROBE_TIMER_SOFT,
};

static const char *const probe_timer_names[] = {
	[PROBE_TIMER_NONE] = "none",
	[PROBE_TIMER_HARD] = "hard",
	[PROBE_TIMER_SOFT] = "soft",
};

#define PROBE_TIMER_US		200
#define PROBE_RECORD_MAX	(64 * 1024)
#define PROBE_TIMER_RECORD	64

struct probe_cfg {
	u32 take;
	u32 keep;
	u32 refuse;
	u32 timer_us;
	bool frame;
	u32 record;
	enum probe_accept accept;
	enum probe_timer timer;
};

/* Per connection (kmemleak reports it if the close callback never came). */
struct probe_conn {
	struct syncsock_conn *conn;
	struct hrtimer timer;
	u64 bytes;
	u16 seq_data;
	u16 seq_timer;
	u32 refused;		/* refuse=: times the message was refused */
	bool timer_on;
	bool sending;		/* the data callback is in syncsock_sendv() */
};

/* Send one record tagged @tag; its filler repeats the tag. */
static int probe_send_record(struct syncsock_conn *conn, u8 tag, u16 seq, u32 len)
{
	static const u8 filler_d[4096] = { [0 ... 4095] = 'D' };
	static const u8 filler_t[4096] = { [0 ... 4095] = 'T' };
	const u8 *filler = tag == 'D' ? filler_d : filler_t;
	struct kvec vec[1 + PROBE_RECORD_MAX / sizeof(filler_d)];
	u8 hdr[8];
	u32 left = len - sizeof(hdr);
	size_t nr = 0;

	hdr[0] = 'R';
	hdr[1] = len >> 24;
	hdr[2] = len >> 16;
	hdr[3] = len >> 8;
	hdr[4] = len;
	hdr[5] = tag;
	hdr[6] = seq >> 8;
	hdr[7] = seq;
	vec[nr].iov_base = hdr;
	vec[nr++].iov_len = sizeof(hdr);
	while (left) {
		u32 k = min_t(u32, left, sizeof(filler_d));

		vec[nr].iov_base = (void *)filler;
		vec[nr++].iov_len = k;
		left -= k;
	}
	return syncsock_sendv(conn, vec, nr);
}

static enum hrtimer_restart probe_timer_fn(struct hrtimer *t)
{
	struct probe_conn *pc = container_of(t, struct probe_conn, timer);
	const struct probe_cfg *cfg = syncsock_conn_listener_priv(pc->conn);
	int err = probe_send_record(pc->conn, 'T', pc->seq_timer, PROBE_TIMER_RECORD);

	if (!err)
		pc->seq_timer++;
	else if (err == -EINVAL)
		syncsock_count(pc->conn, 3, 1);
	if (err == -EPIPE)
		return HRTIMER_NORESTART;	/* closing */
	hrtimer_forward_now(t, ns_to_ktime((u64)cfg->timer_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int null_owner_register = 1;
module_param(null_owner_register, int, 0444);
MODULE_PARM_DESC(null_owner_register,
		 "what syncsock_handler_register() said to a handler without an owner (-22 expected)");

static int probe_setup(struct syncsock_listener *lsn, const char *config, void **priv,
		       char *err, size_t err_len)
{
	struct probe_cfg *cfg;
	char *copy, *p, *tok;
	int ret = 0, i;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	copy = kstrdup(config, GFP_KERNEL);
	if (!cfg || !copy) {
		ret = -ENOMEM;
		goto out;
	}
	cfg->timer_us = PROBE_TIMER_US;
	p = copy;
	while (!ret && (tok = strsep(&p, " ")) != NULL) {
		char *val = strchr(tok, '=');

		if (!*tok)
			continue;
		if (!val) {
			ret = -EINVAL;
			break;
		}
		*val++ = '\0';
		if (!strcmp(tok, "take")) {
			ret = kstrtou32(val, 0, &cfg->take);
		} else if (!strcmp(tok, "keep")) {
			ret = kstrtou32(val, 0, &cfg->keep);
		} else if (!strcmp(tok, "refuse")) {
			ret = kstrtou32(val, 0, &cfg->refuse);
		} else if (!strcmp(tok, "record")) {
			ret = kstrtou32(val, 0, &cfg->record);
			if (!ret && cfg->record &&
			    (cfg->record < 8 || cfg->record > PROBE_RECORD_MAX))
				ret = -EINVAL;
		} else if (!strcmp(tok, "frame")) {
			if (strcmp(val, "line"))
				ret = -EINVAL;
			else
				cfg->frame = true;
		} else if (!strcmp(tok, "timer_us")) {
			ret = kstrtou32(val, 0, &cfg->timer_us);
			if (!ret && (cfg->timer_us < 10 || cfg->timer_us > USEC_PER_SEC))
				ret = -EINVAL;
		} else if (!strcmp(tok, "timer")) {
			i = match_string(probe_timer_names, ARRAY_SIZE(probe_timer_names), val);
			if (i < 0)
				ret = -EINVAL;
			else
				cfg->timer = i;
		} else if (!strcmp(tok, "accept")) {
			i = match_string(probe_accept_names, ARRAY_SIZE(probe_accept_names), val);
			if (i < 0)
				ret = -EINVAL;
			else
				cfg->accept = i;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			snprintf(err, err_len, "probe: bad option '%s=%s'", tok, val);
	}
	if (!ret && cfg->frame) {
		static const struct syncsock_framer_cfg line = {
			.type = SYNCSOCK_FRAMER_DELIM,
			.max_msg = 4096,
			.delim = "\n",
			.delim_len = 1,
		};

		ret = syncsock_listener_set_framer(lsn, &line);
	}
out:
	kfree(copy);
	if (ret)
		kfree(cfg);
	else
		*priv = cfg;
	return ret;
}

static void probe_teardown(void *priv)
{
	kfree(priv);
}

static int probe_accept(struct syncsock_conn *conn)
{
	const struct probe_cfg *cfg = syncsock_conn_listener_priv(conn);
	struct probe_conn *pc;
	void *junk;
	int err;

	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	pc->conn = conn;
	syncsock_conn_set_priv(conn, pc);

	switch (cfg->accept) {
	case PROBE_ACCEPT_NONE:
		if (cfg->timer != PROBE_TIMER_NONE) {
			hrtimer_init(&pc->timer, CLOCK_MONOTONIC,
				     cfg->timer == PROBE_TIMER_HARD ? HRTIMER_MODE_REL_HARD :
								      HRTIMER_MODE_REL_SOFT);
			pc->timer.function = probe_timer_fn;
			pc->timer_on = true;
			hrtimer_start(&pc->timer, ns_to_ktime((u64)cfg->timer_us * NSEC_PER_USEC),
				      cfg->timer == PROBE_TIMER_HARD ? HRTIMER_MODE_REL_HARD :
								       HRTIMER_MODE_REL_SOFT);
		}
		return 0;
	case PROBE_ACCEPT_CLOSE:
	case PROBE_ACCEPT_ABORT:
		syncsock_close(conn, cfg->accept == PROBE_ACCEPT_ABORT);
		return 0;
	case PROBE_ACCEPT_SEND_CLOSE:
		err = syncsock_send(conn, "hello\n", 6);
		syncsock_close(conn, false);
		return err;
	case PROBE_ACCEPT_SEND_FAIL:
		junk = kzalloc(SZ_64K, GFP_KERNEL);
		if (junk) {
			syncsock_send(conn, junk, SZ_64K);
			kfree(junk);
		}
		break;
	case PROBE_ACCEPT_CLOSE_FAIL:
		syncsock_close(conn, false);
		break;
	}
	/* Refused: no close callback will come. */
	kfree(pc);
	return -EPERM;
}

static int probe_data(struct syncsock_conn *conn, const struct sk_buff *skb,
		      unsigned int offset, size_t len)
{
	const struct probe_cfg *cfg = syncsock_conn_listener_priv(conn);
	size_t n = cfg->take ? min_t(size_t, len, cfg->take) : len;
	struct probe_conn *pc = syncsock_conn_priv(conn);

	if (cfg->keep)
		n = len > cfg->keep ? len - cfg->keep : 0;

	if (cfg->record) {
		/* One record per call, whatever came; all of it consumed. */
		int err;

		pc->sending = true;
		err = probe_send_record(conn, 'D', pc->seq_data, cfg->record);
		pc->sending = false;

		if (err == -ENOBUFS || err == -ENOMEM)
			return 0;	/* offered again once the queue drains */
		if (err)
			return err;
		pc->seq_data++;
		n = len;
	}
	pc->bytes += n;
	syncsock_count(conn, 0, 1);
	syncsock_count(conn, 1, n);
	return n;
}

/* frame=line: one record per message; a full queue offers it again. */
static int probe_msg(struct syncsock_conn *conn, const void *msg, size_t len)
{
	const struct probe_cfg *cfg = syncsock_conn_listener_priv(conn);
	struct probe_conn *pc = syncsock_conn_priv(conn);
	int err;

	if (pc->refused < cfg->refuse) {
		pc->refused++;
		return -EAGAIN;
	}
	pc->refused = 0;
	if (!cfg->record)
		return 0;
	pc->sending = true;
	err = probe_send_record(conn, 'D', pc->seq_data, cfg->record);
	pc->sending = false;
	if (err == -ENOBUFS || err == -ENOMEM)
		return -EAGAIN;
	if (err)
		return err;
	pc->seq_data++;
	syncsock_count(conn, 0, 1);
	syncsock_count(conn, 1, len);
	return 0;
}

/* The queue drained after a refusal: never from within a send of ours. */
static void probe_write_space(struct syncsock_conn *conn)
{
	struct probe_conn *pc = syncsock_conn_priv(conn);

	WARN_ONCE(pc && pc->sending,
		  "syncsock_probe: write_space called within the data callback's own send");
}

static void probe_close(struct syncsock_conn *conn, enum syncsock_close_reason why)
{
	struct probe_conn *pc = syncsock_conn_priv(conn);

	syncsock_count(conn, 2, 1);
	if (pc && pc->timer_on)
		hrtimer_cancel(&pc->timer);
	kfree(pc);
}

static struct syncsock_handler probe_handler = {
	.name = "probe",
	.owner = THIS_MODULE,
	.setup = probe_setup,
	.teardown = probe_teardown,
	.accept = probe_accept,
	.data = probe_data,
	.msg = probe_msg,
	.write_space = probe_write_space,
	.close = probe_close,
};

/* The same, without an owner: the core must refuse it. */
static struct syncsock_handler probe_unowned = {
	.name = "probe-unowned",
	.data = probe_data,
};

static int __init probe_init(void)
{
	null_owner_register = syncsock_handler_register(&probe_unowned);
	if (!null_owner_register)
		syncsock_handler_unregister(&probe_unowned);
	return syncsock_handler_register(&probe_handler);
}

static void __exit probe_exit(void)
{
	syncsock_handler_unregister(&probe_handler);
}

module_init(probe_init);
module_exit(probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("syncsock: a handler that misbehaves on request, for tests");
