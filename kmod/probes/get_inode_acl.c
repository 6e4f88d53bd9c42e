// SPDX-License-Identifier: GPL-2.0
/*
 * KC_GET_INODE_ACL: the cached-acl getter used by permission checks is
 * ->get_inode_acl() and ->set_acl() is given a dentry (6.2+).  Older
 * kernels call the getter ->get_acl() and hand ->set_acl() an inode.  The
 * first ->set_acl() argument (namespace or idmap) is passed as NULL so that
 * this probe is independent of KC_MNT_IDMAP.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>

static struct posix_acl *probe_get(struct inode *inode, int type, bool rcu)
{
	return NULL;
}

const struct inode_operations probe_acl_iops = {
	.get_inode_acl = probe_get,
};

int probe_set_acl(const struct inode_operations *iops, struct dentry *dentry)
{
	return iops->set_acl(NULL, dentry, NULL, ACL_TYPE_ACCESS);
}
