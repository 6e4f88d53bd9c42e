// SPDX-License-Identifier: GPL-2.0
/*
 * scoutfs module entry points.
 *
 * Subsystems are initialized in table order and torn down in reverse.
 * Lower layers come first.  The filesystem type is registered last
 * because registering it makes mounts possible, and a mount may use any
 * of the other subsystems.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "kcompat.h"
#include "storage/block.h"
#include "interface/mount_sysfs.h"
#include "interface/sysfs.h"
#include "vfs/inode.h"
#include "vfs/super.h"

#ifndef SCOUTFS_VERSION
#error "the build must define SCOUTFS_VERSION"
#endif

struct scoutfs_subsystem {
	const char *name;
	int (*init)(void);		/* NULL when there is nothing to set up */
	void (*exit)(void);
};

static const struct scoutfs_subsystem scoutfs_subsystems[] = {
	{ "metadata block cache", NULL, scoutfs_block_exit },
	{ "sysfs", scoutfs_sysfs_init, scoutfs_sysfs_exit },
	{ "inode cache", scoutfs_inode_init, scoutfs_inode_exit },
	{ "mount sysfs", scoutfs_mount_sysfs_init, scoutfs_mount_sysfs_exit },
	{ "filesystem type", scoutfs_super_init, scoutfs_super_exit },
};

static void scoutfs_exit_subsystems(unsigned int nr)
{
	while (nr-- > 0)
		scoutfs_subsystems[nr].exit();
}

static int __init scoutfs_module_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(scoutfs_subsystems); i++) {
		ret = scoutfs_subsystems[i].init ? scoutfs_subsystems[i].init() : 0;
		if (ret) {
			pr_err("scoutfs: initializing the %s failed: %d\n",
			       scoutfs_subsystems[i].name, ret);
			scoutfs_exit_subsystems(i);
			return ret;
		}
	}

	pr_info("scoutfs: version %s loaded\n", SCOUTFS_VERSION);
	return 0;
}

static void __exit scoutfs_module_exit(void)
{
	scoutfs_exit_subsystems(ARRAY_SIZE(scoutfs_subsystems));
}

module_init(scoutfs_module_init);
module_exit(scoutfs_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("scoutfs clustered filesystem");
MODULE_VERSION(SCOUTFS_VERSION);
/* block checksums use crc32c(), whose implementation is a crypto module */
MODULE_SOFTDEP("pre: crc32c");
