// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX ACLs, stored as the system.posix_acl_access and
 * system.posix_acl_default xattrs in the layout of posix_acl_to_xattr(),
 * with the ids of the initial user namespace.
 *
 * The generic posix_acl code does the rest: permission checks use the
 * ACLs it caches in the inode and it asks scoutfs_get_acl() for one that
 * isn't cached; getfacl/setfacl reach scoutfs_get_acl() and
 * scoutfs_set_acl() through the VFS.  Without SB_POSIXACL (the noacl
 * mount option) the VFS ignores ACLs and applies the umask itself.
 *
 * Cached ACLs are dropped when the inode is read again under a newer
 * lock grant (inode.c), like the rest of the inode's attributes.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "kcompat.h"
#include "vfs/acl.h"
#include "vfs/inode.h"
#include "vfs/op_locks.h"
#include "vfs/xattr.h"

static const char *acl_name(int type)
{
	return type == ACL_TYPE_ACCESS ? XATTR_NAME_POSIX_ACL_ACCESS :
					 XATTR_NAME_POSIX_ACL_DEFAULT;
}

/* the stored ACL, NULL if there is none; under ol's READ or WRITE lock */
static struct posix_acl *read_acl(struct inode *inode, int type,
				  const struct scoutfs_op_locks *ol)
{
	struct posix_acl *acl;
	void *buf;
	int ret;

	do {
		ret = scoutfs_xattr_get_locked(inode, acl_name(type), NULL, 0, ol);
		if (ret == -ENODATA)
			return NULL;
		if (ret < 0)
			return ERR_PTR(ret);
		buf = kvmalloc(ret, GFP_NOFS);
		if (!buf)
			return ERR_PTR(-ENOMEM);
		ret = scoutfs_xattr_get_locked(inode, acl_name(type), buf, ret, ol);
		if (ret >= 0)
			acl = posix_acl_from_xattr(&init_user_ns, buf, ret);
		else
			acl = ret == -ENODATA ? NULL : ERR_PTR(ret);
		kvfree(buf);
		/* grown by a change on this mount between the two reads: again */
	} while (acl == ERR_PTR(-ERANGE));
	return acl;
}

/* store acl, or remove it when NULL; under ol's WRITE lock and the transaction */
static int write_acl(struct inode *inode, struct posix_acl *acl, int type,
		     const struct scoutfs_op_locks *ol)
{
	size_t size;
	void *buf;
	int ret;

	if (!acl) {
		ret = scoutfs_xattr_set_locked(inode, acl_name(type), NULL, 0, 0, ol);
		return ret == -ENODATA ? 0 : ret;
	}

	size = posix_acl_xattr_size(acl->a_count);
	buf = kvmalloc(size, GFP_NOFS);
	if (!buf)
		return -ENOMEM;
	ret = posix_acl_to_xattr(&init_user_ns, acl, buf, size);
	if (ret >= 0)
		ret = scoutfs_xattr_set_locked(inode, acl_name(type), buf, ret, 0, ol);
	kvfree(buf);
	return ret;
}

struct posix_acl *scoutfs_get_acl(struct inode *inode, int type, bool rcu)
{
	struct scoutfs_op_locks ol;
	struct posix_acl *acl;
	int ret;

	/* reading items sleeps */
	if (rcu)
		return ERR_PTR(-ECHILD);

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret)
		return ERR_PTR(ret);
	acl = read_acl(inode, type, &ol);
	scoutfs_op_locks_drop(&ol);
	return acl;
}

int scoutfs_set_acl(KC_VFS_IDMAP *idmap, KC_SET_ACL_TARGET *target, struct posix_acl *acl,
		    int type)
{
	struct inode *inode = kc_set_acl_inode(target);
	struct scoutfs_op_locks ol;
	umode_t mode;
	int ret;

	ret = scoutfs_inode_op_begin(inode, NULL, &ol);
	if (ret)
		return ret;

	/* the mode's bits follow the access ACL; one the mode says all of isn't kept */
	mode = inode->i_mode;
	if (type == ACL_TYPE_ACCESS && acl) {
		ret = posix_acl_update_mode(idmap, inode, &mode, &acl);
		if (ret)
			goto out;
	}
	ret = write_acl(inode, acl, type, &ol);
	if (ret)
		goto out;
	inode->i_mode = mode;
	inode_set_ctime_current(inode);
	ret = scoutfs_inode_write(inode, &ol);
	if (ret == 0)
		set_cached_acl(inode, type, acl);
out:
	scoutfs_inode_op_end(inode, &ol);
	return ret;
}

int scoutfs_acl_new_prepare(struct inode *dir, umode_t *mode, struct scoutfs_acl_new *an)
{
	an->acl = NULL;
	an->default_acl = NULL;
	return posix_acl_create(dir, mode, &an->default_acl, &an->acl);
}

int scoutfs_acl_new_store(struct inode *inode, const struct scoutfs_acl_new *an,
			  const struct scoutfs_op_locks *ol)
{
	int ret = 0;

	if (an->default_acl)
		ret = write_acl(inode, an->default_acl, ACL_TYPE_DEFAULT, ol);
	if (ret == 0 && an->acl)
		ret = write_acl(inode, an->acl, ACL_TYPE_ACCESS, ol);
	if (ret == 0 && (an->acl || an->default_acl))
		ret = scoutfs_inode_write(inode, ol);
	/* a new inode's ACLs are known: no reading them for its first checks */
	if (ret == 0 && IS_POSIXACL(inode)) {
		set_cached_acl(inode, ACL_TYPE_ACCESS, an->acl);
		set_cached_acl(inode, ACL_TYPE_DEFAULT, an->default_acl);
	}
	return ret;
}

void scoutfs_acl_new_release(struct scoutfs_acl_new *an)
{
	posix_acl_release(an->acl);
	posix_acl_release(an->default_acl);
}

int scoutfs_acl_chmod(KC_VFS_IDMAP *idmap, struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);

	/* symlinks have no ACLs (and no ->set_acl) */
	if (!(attr->ia_valid & ATTR_MODE) || S_ISLNK(inode->i_mode))
		return 0;
	return kc_posix_acl_chmod(idmap, dentry, inode->i_mode);
}
