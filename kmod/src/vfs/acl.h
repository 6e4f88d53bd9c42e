/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_ACL_H_
#define _SCOUTFS_VFS_ACL_H_

#include <linux/fs.h>
#include <linux/posix_acl.h>

#include "kcompat.h"

struct scoutfs_op_locks;

/* the ACL inode operations (.KC_IOP_GET_INODE_ACL and .set_acl) */
struct posix_acl *scoutfs_get_acl(struct inode *inode, int type, bool rcu);
int scoutfs_set_acl(KC_VFS_IDMAP *idmap, KC_SET_ACL_TARGET *target, struct posix_acl *acl,
		    int type);

/* the ACLs a new inode inherits from its directory */
struct scoutfs_acl_new {
	struct posix_acl *acl;
	struct posix_acl *default_acl;
};

/*
 * Before a new inode's locks are taken (it reads dir's default ACL):
 * the inherited ACLs, and *mode masked by them or by the umask.
 */
int scoutfs_acl_new_prepare(struct inode *dir, umode_t *mode, struct scoutfs_acl_new *an);
/* store them for the new inode, under ol and the transaction; writes the inode */
int scoutfs_acl_new_store(struct inode *inode, const struct scoutfs_acl_new *an,
			  const struct scoutfs_op_locks *ol);
void scoutfs_acl_new_release(struct scoutfs_acl_new *an);

/* after setattr released its locks: a changed mode changes the access ACL */
int scoutfs_acl_chmod(KC_VFS_IDMAP *idmap, struct dentry *dentry, const struct iattr *attr);

#endif
