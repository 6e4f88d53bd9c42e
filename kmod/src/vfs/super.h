/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_SUPER_H_
#define _SCOUTFS_VFS_SUPER_H_

struct super_block;

/*
 * Layers above the vfs (sysfs, ioctls) that keep per-mount state learn
 * of mounts through this: mounted() runs once a mount is complete (an
 * error fails the mount), unmounting() before it is torn down.
 */
struct scoutfs_mount_observer {
	int (*mounted)(struct super_block *sb);
	void (*unmounting)(struct super_block *sb);
};

void scoutfs_super_set_observer(const struct scoutfs_mount_observer *obs);

int scoutfs_super_init(void);
void scoutfs_super_exit(void);

#endif
