/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_INTERFACE_SYSFS_H_
#define _SCOUTFS_INTERFACE_SYSFS_H_

#include <linux/kobject.h>
#include <linux/completion.h>
#include <linux/sysfs.h>

/*
 * A directory under /sys/fs/scoutfs/, e.g. the /sys/fs/scoutfs/<fsid>/
 * of a mount.  The caller embeds it in its own structure, finds that
 * structure again from attribute callbacks with
 * scoutfs_sysfs_dir_from_kobj() and container_of(), and must call
 * scoutfs_sysfs_dir_del() before freeing it.  Attributes are struct
 * kobj_attribute, gathered in attribute groups.
 */
struct scoutfs_sysfs_dir {
	struct kobject kobj;
	const struct attribute_group **groups;
	struct completion released;
};

static inline struct scoutfs_sysfs_dir *
scoutfs_sysfs_dir_from_kobj(struct kobject *kobj)
{
	return container_of(kobj, struct scoutfs_sysfs_dir, kobj);
}

__printf(4, 5)
int scoutfs_sysfs_dir_add(struct scoutfs_sysfs_dir *dir,
			  struct scoutfs_sysfs_dir *parent,
			  const struct attribute_group **groups,
			  const char *fmt, ...);
void scoutfs_sysfs_dir_del(struct scoutfs_sysfs_dir *dir);

int scoutfs_sysfs_init(void);
void scoutfs_sysfs_exit(void);

#endif
