// SPDX-License-Identifier: GPL-2.0
/*
 * Each mount's directory in sysfs, named as upstream scoutfs users know
 * it: /sys/fs/scoutfs/f.<fsid>.r.<rid>/ with the top 24 bits of each in
 * hex, holding the full ids in the files fsid and rid.  The directory
 * exists from the end of a successful mount to the start of unmount;
 * later subsystems (quorum, fencing, counters) add their files here.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "interface/mount_sysfs.h"
#include "interface/sysfs.h"
#include "vfs/mount.h"
#include "vfs/super.h"

struct mount_sysfs {
	struct scoutfs_sysfs_dir dir;
	struct super_block *sb;
};

static struct scoutfs_mount *kobj_mount(struct kobject *kobj)
{
	struct mount_sysfs *ms = container_of(scoutfs_sysfs_dir_from_kobj(kobj),
					      struct mount_sysfs, dir);

	return SCOUTFS_MNT(ms->sb);
}

static ssize_t fsid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n", le64_to_cpu(kobj_mount(kobj)->super->hdr.fsid));
}

static ssize_t rid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n", kobj_mount(kobj)->rid);
}

static struct kobj_attribute fsid_attr = __ATTR_RO(fsid);
static struct kobj_attribute rid_attr = __ATTR_RO(rid);

static struct attribute *mount_attrs[] = {
	&fsid_attr.attr,
	&rid_attr.attr,
	NULL,
};

static const struct attribute_group mount_group = {
	.attrs = mount_attrs,
};

static const struct attribute_group *mount_groups[] = {
	&mount_group,
	NULL,
};

/* the top 24 bits, as in upstream's directory names and log prefixes */
#define ID_SHORT(id) ((unsigned int)((id) >> 40))

static int mount_sysfs_mounted(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	u64 fsid = le64_to_cpu(mnt->super->hdr.fsid);
	struct mount_sysfs *ms;
	int ret;

	ms = kzalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	ms->sb = sb;
	ret = scoutfs_sysfs_dir_add(&ms->dir, NULL, mount_groups, "f.%06x.r.%06x",
				    ID_SHORT(fsid), ID_SHORT(mnt->rid));
	if (ret) {
		kfree(ms);
		return ret;
	}
	mnt->observer_private = ms;
	return 0;
}

static void mount_sysfs_unmounting(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct mount_sysfs *ms = mnt->observer_private;

	scoutfs_sysfs_dir_del(&ms->dir);
	kfree(ms);
	mnt->observer_private = NULL;
}

static const struct scoutfs_mount_observer mount_sysfs_observer = {
	.mounted = mount_sysfs_mounted,
	.unmounting = mount_sysfs_unmounting,
};

int scoutfs_mount_sysfs_init(void)
{
	scoutfs_super_set_observer(&mount_sysfs_observer);
	return 0;
}

void scoutfs_mount_sysfs_exit(void)
{
	scoutfs_super_set_observer(NULL);
}
