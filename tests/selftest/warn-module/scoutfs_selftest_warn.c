// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test only: a module whose load prints a kernel WARNING, so
 * the self-test can prove that any such console line fails a test run.
 * Never shipped, never loaded outside tests/selftest.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init selftest_warn_init(void)
{
	WARN(1, "scoutfs harness self-test: deliberate warning\n");
	return 0;
}

static void __exit selftest_warn_exit(void)
{
}

module_init(selftest_warn_init);
module_exit(selftest_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("scoutfs test harness self-test: emits one WARNING at load");
