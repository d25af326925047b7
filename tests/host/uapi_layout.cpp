// SPDX-License-Identifier: GPL-2.0
//
// The layout of every structure of uapi/linux/syncsock.h, checked at compile
// time: offsets, sizes, no hidden padding (each field ends where the next
// begins), sizes a multiple of 8, __u64 fields 8-aligned, and the ioctl
// numbers.  Compiled into host_tests and, when the compiler can build
// 32-bit code (g++-multilib), once more with -m32: a 32-bit caller must see
// the very same layout, as compat_ptr_ioctl assumes.
#include <cstddef>

#include <linux/syncsock.h>

#define FIELD(s, f, off, size)                                                 \
	static_assert(offsetof(struct s, f) == (off), #s "." #f " offset");   \
	static_assert(sizeof(((struct s *)nullptr)->f) == (size), #s "." #f " size")

#define U64_ALIGNED(s, f) static_assert(offsetof(struct s, f) % 8 == 0, #s "." #f " alignment")

/* struct syncsock_version: 64 bytes */
static_assert(sizeof(struct syncsock_version) == 64);
static_assert(sizeof(struct syncsock_version) % 8 == 0);
FIELD(syncsock_version, abi_version, 0, 4);
FIELD(syncsock_version, nr_stats, 4, 4);
FIELD(syncsock_version, nr_close_reasons, 8, 4);
FIELD(syncsock_version, nr_cpu_ids, 12, 4);
FIELD(syncsock_version, module_version, 16, 32);
FIELD(syncsock_version, close_base, 48, 4);
FIELD(syncsock_version, reserved, 52, 12);

/* struct syncsock_addr: 24 bytes */
static_assert(sizeof(struct syncsock_addr) == 24);
static_assert(sizeof(struct syncsock_addr) % 8 == 0);
FIELD(syncsock_addr, family, 0, 2);
FIELD(syncsock_addr, port, 2, 2);
FIELD(syncsock_addr, scope_id, 4, 4);
FIELD(syncsock_addr, addr, 8, 16);

/* struct syncsock_listener_add: 120 bytes */
static_assert(sizeof(struct syncsock_listener_add) == 120);
static_assert(sizeof(struct syncsock_listener_add) % 8 == 0);
FIELD(syncsock_listener_add, addr, 0, 24);
FIELD(syncsock_listener_add, flags, 24, 4);
FIELD(syncsock_listener_add, backlog, 28, 4);
FIELD(syncsock_listener_add, max_conns, 32, 4);
FIELD(syncsock_listener_add, txq_limit, 36, 4);
FIELD(syncsock_listener_add, close_timeout_ms, 40, 4);
FIELD(syncsock_listener_add, id, 44, 4);
FIELD(syncsock_listener_add, handler, 48, 32);
FIELD(syncsock_listener_add, config, 80, 8);
FIELD(syncsock_listener_add, err, 88, 8);
FIELD(syncsock_listener_add, err_len, 96, 4);
FIELD(syncsock_listener_add, idle_timeout_ms, 100, 4);
FIELD(syncsock_listener_add, msg_timeout_ms, 104, 4);
FIELD(syncsock_listener_add, user_timeout_ms, 108, 4);
FIELD(syncsock_listener_add, reserved, 112, 8);

/* struct syncsock_listener_del: 16 bytes */
static_assert(sizeof(struct syncsock_listener_del) == 16);
static_assert(sizeof(struct syncsock_listener_del) % 8 == 0);
FIELD(syncsock_listener_del, id, 0, 4);
FIELD(syncsock_listener_del, flags, 4, 4);
FIELD(syncsock_listener_del, reserved, 8, 8);

/* struct syncsock_listener_info: 104 bytes */
static_assert(sizeof(struct syncsock_listener_info) == 104);
static_assert(sizeof(struct syncsock_listener_info) % 8 == 0);
FIELD(syncsock_listener_info, id, 0, 4);
FIELD(syncsock_listener_info, state, 4, 4);
FIELD(syncsock_listener_info, addr, 8, 24);
FIELD(syncsock_listener_info, flags, 32, 4);
FIELD(syncsock_listener_info, backlog, 36, 4);
FIELD(syncsock_listener_info, max_conns, 40, 4);
FIELD(syncsock_listener_info, txq_limit, 44, 4);
FIELD(syncsock_listener_info, close_timeout_ms, 48, 4);
FIELD(syncsock_listener_info, nr_conns, 52, 4);
FIELD(syncsock_listener_info, handler, 56, 32);
FIELD(syncsock_listener_info, idle_timeout_ms, 88, 4);
FIELD(syncsock_listener_info, msg_timeout_ms, 92, 4);
FIELD(syncsock_listener_info, user_timeout_ms, 96, 4);
FIELD(syncsock_listener_info, reserved, 100, 4);

/* struct syncsock_listener_list: 24 bytes */
static_assert(sizeof(struct syncsock_listener_list) == 24);
static_assert(sizeof(struct syncsock_listener_list) % 8 == 0);
FIELD(syncsock_listener_list, entries, 0, 8);
FIELD(syncsock_listener_list, count, 8, 4);
FIELD(syncsock_listener_list, total, 12, 4);
FIELD(syncsock_listener_list, reserved, 16, 8);

/* struct syncsock_stats_get: 32 bytes */
static_assert(sizeof(struct syncsock_stats_get) == 32);
static_assert(sizeof(struct syncsock_stats_get) % 8 == 0);
FIELD(syncsock_stats_get, id, 0, 4);
FIELD(syncsock_stats_get, flags, 4, 4);
FIELD(syncsock_stats_get, nr_stats, 8, 4);
FIELD(syncsock_stats_get, nr_rows, 12, 4);
FIELD(syncsock_stats_get, values, 16, 8);
FIELD(syncsock_stats_get, reserved, 24, 8);

/* struct syncsock_handler_info: 96 bytes */
static_assert(sizeof(struct syncsock_handler_info) == 96);
static_assert(sizeof(struct syncsock_handler_info) % 8 == 0);
FIELD(syncsock_handler_info, name, 0, 32);
FIELD(syncsock_handler_info, module, 32, 56);
FIELD(syncsock_handler_info, nr_listeners, 88, 4);
FIELD(syncsock_handler_info, reserved, 92, 4);

/* struct syncsock_handler_list: 24 bytes */
static_assert(sizeof(struct syncsock_handler_list) == 24);
static_assert(sizeof(struct syncsock_handler_list) % 8 == 0);
FIELD(syncsock_handler_list, entries, 0, 8);
FIELD(syncsock_handler_list, count, 8, 4);
FIELD(syncsock_handler_list, total, 12, 4);
FIELD(syncsock_handler_list, reserved, 16, 8);

/* struct syncsock_pair_info: 120 bytes */
static_assert(sizeof(struct syncsock_pair_info) == 120);
static_assert(sizeof(struct syncsock_pair_info) % 8 == 0);
FIELD(syncsock_pair_info, listener, 0, 4);
FIELD(syncsock_pair_info, flags, 4, 4);
FIELD(syncsock_pair_info, client, 8, 24);
FIELD(syncsock_pair_info, local, 32, 24);
FIELD(syncsock_pair_info, source, 56, 24);
FIELD(syncsock_pair_info, backend, 80, 24);
FIELD(syncsock_pair_info, up_queued, 104, 4);
FIELD(syncsock_pair_info, down_queued, 108, 4);
FIELD(syncsock_pair_info, reserved, 112, 8);

/* struct syncsock_pair_list: 32 bytes */
static_assert(sizeof(struct syncsock_pair_list) == 32);
static_assert(sizeof(struct syncsock_pair_list) % 8 == 0);
FIELD(syncsock_pair_list, id, 0, 4);
FIELD(syncsock_pair_list, count, 4, 4);
FIELD(syncsock_pair_list, total, 8, 4);
FIELD(syncsock_pair_list, reserved0, 12, 4);
FIELD(syncsock_pair_list, entries, 16, 8);
FIELD(syncsock_pair_list, reserved, 24, 8);
/* Pointers travel as __u64, on an 8-byte boundary for 32-bit callers too. */
U64_ALIGNED(syncsock_listener_add, config);
U64_ALIGNED(syncsock_listener_add, err);
U64_ALIGNED(syncsock_listener_list, entries);
U64_ALIGNED(syncsock_stats_get, values);
U64_ALIGNED(syncsock_handler_list, entries);
U64_ALIGNED(syncsock_pair_list, entries);

/* Fields sized by the header's own constants. */
FIELD(syncsock_listener_add, handler, 48, SYNCSOCK_NAME_MAX);
FIELD(syncsock_listener_info, handler, 56, SYNCSOCK_NAME_MAX);
FIELD(syncsock_handler_info, name, 0, SYNCSOCK_NAME_MAX);
FIELD(syncsock_handler_info, module, 32, SYNCSOCK_MODULE_NAME_MAX);

/* The ioctl numbers: magic, number, direction and size. */
static_assert(SYNCSOCK_IOC_VERSION == 0x8040e700);
static_assert(SYNCSOCK_IOC_LISTENER_ADD == 0xc078e701);
static_assert(SYNCSOCK_IOC_LISTENER_DEL == 0x4010e702);
static_assert(SYNCSOCK_IOC_LISTENER_GET == 0xc068e703);
static_assert(SYNCSOCK_IOC_LISTENER_LIST == 0xc018e704);
static_assert(SYNCSOCK_IOC_STATS_GET == 0xc020e705);
static_assert(SYNCSOCK_IOC_HANDLER_LIST == 0xc018e706);
static_assert(SYNCSOCK_IOC_PAIR_LIST == 0xc020e707);

/* Numbers that are only ever appended to.  A new counter goes before the
 * close block, whose start the module reports (close_base in VERSION), so
 * user space built against an older header still finds both.
 */
static_assert(SYNCSOCK_ABI_VERSION == 1);
static_assert(SYNCSOCK_STAT_APP3 == 22 && SYNCSOCK_STAT_NOMEM_RETRIES == 23);
static_assert(SYNCSOCK_STAT_RX_URGENT == 24 && SYNCSOCK_STAT_ACCEPT_BUSY == 25);
static_assert(SYNCSOCK_STAT_MEM_CHARGED == 26 && SYNCSOCK_STAT_MEM_REFUSED == 28);
static_assert(SYNCSOCK_STAT_CONNECTS == 29 && SYNCSOCK_STAT_CONNECT_ERRORS == 34);
static_assert(SYNCSOCK_STAT_FWD_UP_BYTES == 35 && SYNCSOCK_STAT_FWD_PAUSED == 41);
static_assert(SYNCSOCK_STAT_CLOSE_BASE == 42);
static_assert(SYNCSOCK_CLOSE_BAD_FRAME == 12 && SYNCSOCK_CLOSE_IDLE == 13 &&
	      SYNCSOCK_CLOSE_MSG_TIMEOUT == 14);
static_assert(SYNCSOCK_CLOSE_CONNECT_FAILED == 15 && SYNCSOCK_CLOSE_PAIR == 16);
static_assert(SYNCSOCK_CLOSE_REASONS == 17);
static_assert(SYNCSOCK_STAT_MAX == 59);
static_assert(SYNCSOCK_STAT_CLOSED(SYNCSOCK_CLOSE_PEER_FIN) == 42);
static_assert(SYNCSOCK_STATE_LISTENING == 1 && SYNCSOCK_STATE_DRAINING == 2);
static_assert(SYNCSOCK_LISTENER_F_ALL == 3 && SYNCSOCK_DEL_F_ALL == 1 &&
	      SYNCSOCK_STATS_F_ALL == 1);
static_assert(SYNCSOCK_PAIR_F_CONNECTING == 1 && SYNCSOCK_PAIR_F_PAUSED == 2 &&
	      SYNCSOCK_PAIR_F_CLOSING == 4);
static_assert(SYNCSOCK_TIMEOUT_OFF == 0xffffffffU && SYNCSOCK_TIMEOUT_MAX_MS == 86400000U);
