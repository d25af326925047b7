// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit caller of the /dev/syncsock ABI (built with -m32 -static), run on
 * a 64-bit kernel: every command goes through compat_ioctl and must behave
 * exactly as for a 64-bit caller.  Exit 0 on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/syncsock.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "compat32: %s:%d: %s failed (errno %d)\n", __FILE__, __LINE__, \
		#cond, errno); return 1; } } while (0)

int main(void)
{
	struct syncsock_listener_info infos[4];
	struct syncsock_listener_list list;
	struct syncsock_listener_add add;
	struct syncsock_listener_del del;
	struct syncsock_stats_get st;
	struct syncsock_version v;
	unsigned long long vals[SYNCSOCK_STAT_MAX];
	char err[SYNCSOCK_ERR_MAX];
	int fd;

	CHECK(sizeof(void *) == 4);
	fd = open(SYNCSOCK_DEVICE, O_RDWR);
	CHECK(fd >= 0);

	memset(&v, 0, sizeof(v));
	CHECK(ioctl(fd, SYNCSOCK_IOC_VERSION, &v) == 0);
	CHECK(v.abi_version == SYNCSOCK_ABI_VERSION && v.nr_stats == SYNCSOCK_STAT_MAX);

	/* A refused add writes its message through a 32-bit pointer. */
	memset(&add, 0, sizeof(add));
	add.addr.family = AF_INET;
	add.addr.port = 7320;
	inet_pton(AF_INET, "127.0.0.1", add.addr.addr);
	strcpy(add.handler, "no-such-handler");
	add.err = (unsigned long)err;
	add.err_len = sizeof(err);
	err[0] = 0;
	CHECK(ioctl(fd, SYNCSOCK_IOC_LISTENER_ADD, &add) == -1 && errno == ENOENT);
	CHECK(strstr(err, "no-such-handler") != NULL);

	strcpy(add.handler, "echo");
	CHECK(ioctl(fd, SYNCSOCK_IOC_LISTENER_ADD, &add) == 0);
	CHECK(add.id != 0);

	memset(&list, 0, sizeof(list));
	list.entries = (unsigned long)infos;
	list.count = 4;
	CHECK(ioctl(fd, SYNCSOCK_IOC_LISTENER_LIST, &list) == 0);
	CHECK(list.count == 1 && infos[0].id == add.id && infos[0].addr.port == 7320);

	memset(&st, 0, sizeof(st));
	st.id = add.id;
	st.nr_stats = SYNCSOCK_STAT_MAX;
	st.nr_rows = 1;
	st.values = (unsigned long)vals;
	CHECK(ioctl(fd, SYNCSOCK_IOC_STATS_GET, &st) == 0);
	CHECK(vals[SYNCSOCK_STAT_ACCEPTED] == 0);

	memset(&del, 0, sizeof(del));
	del.id = add.id;
	CHECK(ioctl(fd, SYNCSOCK_IOC_LISTENER_DEL, &del) == 0);
	CHECK(ioctl(fd, SYNCSOCK_IOC_LISTENER_DEL, &del) == -1 && errno == ENOENT);
	printf("compat32: every command worked through compat_ioctl\n");
	return 0;
}
