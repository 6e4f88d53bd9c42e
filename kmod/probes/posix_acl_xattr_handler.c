// SPDX-License-Identifier: GPL-2.0
/*
 * KC_POSIX_ACL_XATTR_HANDLER: the system.posix_acl_* xattrs reach the
 * filesystem's ACL inode operations through handlers that it lists in
 * sb->s_xattr (up to 6.1).  Newer kernels route them to the inode
 * operations themselves and no longer have these handlers.
 */
#include <linux/fs.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

const struct xattr_handler *probe_handlers[] = {
	&posix_acl_access_xattr_handler,
	&posix_acl_default_xattr_handler,
	NULL,
};
