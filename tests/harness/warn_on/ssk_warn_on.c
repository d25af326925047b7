// SPDX-License-Identifier: GPL-2.0
/*
 * A module that warns on load and does nothing else.  The harness must fail a
 * guest run in which this happens, even though the test that loads it passes.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init ssk_warn_on_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit ssk_warn_on_exit(void)
{
}

module_init(ssk_warn_on_init);
module_exit(ssk_warn_on_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("syncsock harness self-test: WARN_ON(1) on load");
