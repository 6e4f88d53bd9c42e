// SPDX-License-Identifier: GPL-2.0
/*
 * KC_POSIX_ACL_CHMOD_DENTRY: posix_acl_chmod() is given the dentry (6.2+)
 * instead of the inode.  The idmap argument is passed as NULL so that this
 * probe is independent of KC_MNT_IDMAP.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>

int probe_chmod(struct dentry *dentry)
{
	return posix_acl_chmod(NULL, dentry, 0644);
}
