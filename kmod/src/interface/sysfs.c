// SPDX-License-Identifier: GPL-2.0
/*
 * The scoutfs sysfs tree.
 *
 * /sys/fs/scoutfs/ exists while the module is loaded.  Directories below
 * it (one per mount, and whatever those need below them) are added and
 * removed with the scoutfs_sysfs_dir calls.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/stdarg.h>

#include "interface/sysfs.h"

static struct kobject *scoutfs_sysfs_root;

/*
 * The last reference to a directory can outlive its removal, e.g. while
 * an attribute file is still open.  The directory's memory belongs to the
 * caller, so removal waits for the release before the caller may free it.
 */
static void scoutfs_sysfs_dir_release(struct kobject *kobj)
{
	struct scoutfs_sysfs_dir *dir = scoutfs_sysfs_dir_from_kobj(kobj);

	complete(&dir->released);
}

static const struct kobj_type scoutfs_sysfs_dir_ktype = {
	.sysfs_ops = &kobj_sysfs_ops,
	.release = scoutfs_sysfs_dir_release,
};

static void scoutfs_sysfs_dir_put(struct scoutfs_sysfs_dir *dir)
{
	kobject_put(&dir->kobj);
	wait_for_completion(&dir->released);
}

/*
 * Create the directory named by fmt under parent, or under
 * /sys/fs/scoutfs/ when parent is NULL, holding the attributes of the
 * NULL terminated groups array (which may itself be NULL).  The groups
 * must stay valid until the directory is deleted.
 */
int scoutfs_sysfs_dir_add(struct scoutfs_sysfs_dir *dir,
			  struct scoutfs_sysfs_dir *parent,
			  const struct attribute_group **groups,
			  const char *fmt, ...)
{
	struct kobject *parent_kobj;
	va_list args;
	char *name;
	int ret;

	if (WARN_ON_ONCE(!scoutfs_sysfs_root))
		return -ENOENT;

	va_start(args, fmt);
	name = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	if (!name)
		return -ENOMEM;

	parent_kobj = parent ? &parent->kobj : scoutfs_sysfs_root;
	dir->groups = groups;
	init_completion(&dir->released);
	kobject_init(&dir->kobj, &scoutfs_sysfs_dir_ktype);

	ret = kobject_add(&dir->kobj, parent_kobj, "%s", name);
	kfree(name);
	if (ret) {
		scoutfs_sysfs_dir_put(dir);
		return ret;
	}

	if (groups) {
		ret = sysfs_create_groups(&dir->kobj, groups);
		if (ret) {
			kobject_del(&dir->kobj);
			scoutfs_sysfs_dir_put(dir);
			return ret;
		}
	}

	return 0;
}

/*
 * Remove the directory and wait until nothing references it.  Its
 * subdirectories must have been deleted first.
 */
void scoutfs_sysfs_dir_del(struct scoutfs_sysfs_dir *dir)
{
	if (dir->groups)
		sysfs_remove_groups(&dir->kobj, dir->groups);
	kobject_del(&dir->kobj);
	scoutfs_sysfs_dir_put(dir);
}

int scoutfs_sysfs_init(void)
{
	scoutfs_sysfs_root = kobject_create_and_add("scoutfs", fs_kobj);
	if (!scoutfs_sysfs_root)
		return -ENOMEM;

	return 0;
}

void scoutfs_sysfs_exit(void)
{
	kobject_put(scoutfs_sysfs_root);
	scoutfs_sysfs_root = NULL;
}
