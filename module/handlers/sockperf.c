// SPDX-License-Identifier: GPL-2.0
/*
 * syncsock: the sockperf handler.  Speaks the protocol of the sockperf tool,
 * so that "sockperf ping-pong", "under-load" and "throughput" run against a
 * syncsock listener unchanged.
 *
 * Every message starts with a 14-byte header in network byte order: a 64-bit
 * sequence number at offset 0, 16-bit flags at 8 and the 32-bit total length
 * (header included) at 10.  Flags: CLIENT 1, PONG_REQUEST 2, WARMUP 4.  A
 * message with PONG_REQUEST is sent back with CLIENT cleared; others are only
 * counted (throughput mode).  Messages are framed by length; the payload is
 * sent back from where it lies, the header from the stack.
 *
 * Counters: app0 messages answered, app1 messages only counted.
 */
#include "../internal.h"

#define SOCKPERF_HDR		14
#define SOCKPERF_MAX_MSG	(65536 + SOCKPERF_HDR)
#define SOCKPERF_CLIENT		0x1
#define SOCKPERF_PONG_REQUEST	0x2

static int sockperf_setup(struct syncsock_listener *lsn, const char *config, void **priv,
			  char *err, size_t err_len)
{
	static const struct syncsock_framer_cfg framer = {
		.type = SYNCSOCK_FRAMER_LENGTH,
		.max_msg = SOCKPERF_MAX_MSG,
		.len_offset = 10,
		.len_width = 4,
		.len_big_endian = true,
		.len_includes_header = true,
		.hdr_len = SOCKPERF_HDR,
	};

	if (config[0]) {
		snprintf(err, err_len, "sockperf: takes no configuration");
		return -EINVAL;
	}
	return syncsock_listener_set_framer(lsn, &framer);
}

static int sockperf_msg(struct syncsock_conn *conn, const void *msg, size_t len)
{
	u8 hdr[SOCKPERF_HDR];
	struct kvec vec[2];
	u16 flags;
	int ret;

	flags = get_unaligned_be16(msg + 8);
	if (!(flags & SOCKPERF_PONG_REQUEST)) {
		syncsock_count(conn, 1, 1);
		return 0;
	}
	memcpy(hdr, msg, SOCKPERF_HDR);
	put_unaligned_be16(flags & ~SOCKPERF_CLIENT, hdr + 8);
	vec[0].iov_base = hdr;
	vec[0].iov_len = SOCKPERF_HDR;
	vec[1].iov_base = (void *)msg + SOCKPERF_HDR;
	vec[1].iov_len = len - SOCKPERF_HDR;
	ret = syncsock_sendv(conn, vec, 2);
	if (ret == -ENOBUFS || ret == -ENOMEM)
		return -EAGAIN;	/* offered again once the queue drains */
	if (!ret)
		syncsock_count(conn, 0, 1);
	return ret;
}

struct syncsock_handler syncsock_sockperf_handler = {
	.name = "sockperf",
	.owner = NULL,	/* built in: pinning ourselves would block rmmod */
	.setup = sockperf_setup,
	.msg = sockperf_msg,
};
