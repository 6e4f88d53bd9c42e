/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_XATTR_H_
#define _SCOUTFS_VFS_XATTR_H_

#include <linux/fs.h>
#include <linux/xattr.h>

struct scoutfs_op_locks;

/* sb->s_xattr: user., trusted., security., the reserved scoutfs. */
extern const struct xattr_handler *scoutfs_xattr_handlers[];

/* the ->listxattr inode operation */
ssize_t scoutfs_listxattr(struct dentry *dentry, char *buf, size_t size);

/*
 * An xattr by its full name ("system.posix_acl_access"), for callers
 * that hold the inode's lock in ol: READ for get, WRITE and the
 * transaction for set.
 *
 * get returns the value's length, and copies it when size is not 0
 * (-ERANGE if it doesn't fit); -ENODATA if there is no such xattr.
 *
 * set stores value (NULL removes the xattr) with the XATTR_CREATE and
 * XATTR_REPLACE flags of setxattr(2).  It may advance the inode's
 * next_xattr_id: the caller writes the inode afterwards.
 */
int scoutfs_xattr_get_locked(struct inode *inode, const char *name, void *buf, size_t size,
			     const struct scoutfs_op_locks *ol);
int scoutfs_xattr_set_locked(struct inode *inode, const char *name, const void *value,
			     size_t size, int flags, const struct scoutfs_op_locks *ol);

#endif
