// SPDX-License-Identifier: GPL-2.0
/*
 * Each mount's directory in sysfs, named as upstream scoutfs users know
 * it: /sys/fs/scoutfs/f.<fsid>.r.<rid>/ with the top 24 bits of each in
 * hex, holding the full ids in the files fsid and rid.  The directory
 * exists from the end of a successful mount to the start of unmount;
 * later subsystems (fencing, counters) add their files here.
 *
 * quorum/ holds upstream's is_leader (1 while this mount leads and runs
 * the server, else 0) and status (the election state, one "name value"
 * per line).
 *
 * counters/ holds this mount's server's server_commits and
 * server_commit_ops: the commits since it started leading and the
 * requests they carried (0 while not leading), so batching is visible.
 *
 * fence/ (quorum members only, as upstream) holds the fence requests
 * this mount makes while it leads (interface/fence_sysfs.c).
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "cluster/cluster.h"
#include "cluster/quorum.h"
#include "interface/fence_sysfs.h"
#include "interface/mount_sysfs.h"
#include "interface/sysfs.h"
#include "vfs/mount.h"
#include "vfs/super.h"

struct mount_sysfs {
	struct scoutfs_sysfs_dir dir;
	struct scoutfs_sysfs_dir quorum_dir;
	struct scoutfs_sysfs_dir counters_dir;
	struct fence_sysfs *fence;		/* NULL without a quorum slot */
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

static struct scoutfs_quorum *kobj_quorum(struct kobject *kobj)
{
	struct mount_sysfs *ms = container_of(scoutfs_sysfs_dir_from_kobj(kobj),
					      struct mount_sysfs, quorum_dir);

	return scoutfs_cluster_quorum(SCOUTFS_MNT(ms->sb)->cluster);
}

static ssize_t is_leader_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", scoutfs_quorum_is_leader(kobj_quorum(kobj)) ? 1 : 0);
}

static ssize_t status_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return scoutfs_quorum_status(kobj_quorum(kobj), buf, PAGE_SIZE);
}

static struct kobj_attribute is_leader_attr = __ATTR_RO(is_leader);
static struct kobj_attribute status_attr = __ATTR_RO(status);

static struct attribute *quorum_attrs[] = {
	&is_leader_attr.attr,
	&status_attr.attr,
	NULL,
};

static const struct attribute_group quorum_group = {
	.attrs = quorum_attrs,
};

static const struct attribute_group *quorum_groups[] = {
	&quorum_group,
	NULL,
};

static struct scoutfs_cluster *kobj_counters_cluster(struct kobject *kobj)
{
	struct mount_sysfs *ms = container_of(scoutfs_sysfs_dir_from_kobj(kobj),
					      struct mount_sysfs, counters_dir);

	return SCOUTFS_MNT(ms->sb)->cluster;
}

static ssize_t server_commits_show(struct kobject *kobj, struct kobj_attribute *attr,
				   char *buf)
{
	u64 commits, ops;

	scoutfs_cluster_server_commit_stats(kobj_counters_cluster(kobj), &commits, &ops);
	return sysfs_emit(buf, "%llu\n", commits);
}

static ssize_t server_commit_ops_show(struct kobject *kobj, struct kobj_attribute *attr,
				      char *buf)
{
	u64 commits, ops;

	scoutfs_cluster_server_commit_stats(kobj_counters_cluster(kobj), &commits, &ops);
	return sysfs_emit(buf, "%llu\n", ops);
}

static struct kobj_attribute server_commits_attr = __ATTR_RO(server_commits);
static struct kobj_attribute server_commit_ops_attr = __ATTR_RO(server_commit_ops);

static struct attribute *counters_attrs[] = {
	&server_commits_attr.attr,
	&server_commit_ops_attr.attr,
	NULL,
};

static const struct attribute_group counters_group = {
	.attrs = counters_attrs,
};

static const struct attribute_group *counters_groups[] = {
	&counters_group,
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
	ret = scoutfs_sysfs_dir_add(&ms->quorum_dir, &ms->dir, quorum_groups, "quorum");
	if (ret)
		goto del_dir;
	ret = scoutfs_sysfs_dir_add(&ms->counters_dir, &ms->dir, counters_groups, "counters");
	if (ret)
		goto del_quorum;
	if (mnt->opts.quorum_slot_nr >= 0) {
		ms->fence = scoutfs_fence_sysfs_add(&ms->dir, scoutfs_cluster_fences(mnt->cluster));
		if (IS_ERR(ms->fence)) {
			ret = PTR_ERR(ms->fence);
			goto del_counters;
		}
	}
	mnt->observer_private = ms;
	return 0;

del_counters:
	scoutfs_sysfs_dir_del(&ms->counters_dir);
del_quorum:
	scoutfs_sysfs_dir_del(&ms->quorum_dir);
del_dir:
	scoutfs_sysfs_dir_del(&ms->dir);
	kfree(ms);
	return ret;
}

static void mount_sysfs_unmounting(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct mount_sysfs *ms = mnt->observer_private;

	scoutfs_fence_sysfs_del(ms->fence);
	scoutfs_sysfs_dir_del(&ms->counters_dir);
	scoutfs_sysfs_dir_del(&ms->quorum_dir);
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
