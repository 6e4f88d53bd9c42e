// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes, in XATTR items (docs/format.md, section 11).
 *
 * An xattr's bytes, a struct scoutfs_xattr header, the full name and
 * the value, are cut into parts of SCOUTFS_BTREE_MAX_VAL_LEN bytes
 * keyed (ino, XATTR, name hash, id, part).  The id comes from the
 * inode's next_xattr_id and tells apart names with the same hash: a
 * lookup reads part 0 of every id under the name's hash and compares
 * the stored name.  Names are at most 255 bytes, so part 0 always holds
 * the whole name.
 *
 * Namespaces: user., trusted. and security. are stored as they are
 * given; the VFS checks who may use them (xattr_permission() and the
 * security hooks).  acl.c stores system.posix_acl_access and
 * system.posix_acl_default here.  The scoutfs. prefix is reserved for
 * the archive tags of a later release and refused with EOPNOTSUPP
 * until then, as the VFS refuses namespaces that nobody handles.
 *
 * The cluster lock keeps other mounts out, but on this mount readers
 * and writers of one inode share its lock, and readers don't hold
 * i_rwsem (the security hooks read xattrs while holding it): the
 * inode's xattr_rwsem, taken inside the cluster lock, keeps readers
 * from seeing some parts of an xattr before and some after a change.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "kcompat.h"
#include "format/key.h"
#include "items/item.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"
#include "vfs/xattr.h"

#define PART_LEN	SCOUTFS_BTREE_MAX_VAL_LEN
#define HDR_LEN		sizeof(struct scoutfs_xattr)

/*
 * For tests of name hash collisions, which real names practically never
 * have: while not 0, every name hashes to this value.  Xattrs stored
 * under one setting can't be found under another.
 */
static unsigned long long test_hash;
module_param_named(xattr_test_hash, test_hash, ullong, 0644);
MODULE_PARM_DESC(xattr_test_hash,
		 "tests only: when not 0, every xattr name hashes to this value");

static u64 name_hash(const char *name, unsigned int len)
{
	u64 hash = READ_ONCE(test_hash);

	return hash ?: scoutfs_name_hash(name, len);
}

static void xattr_key(struct scoutfs_key *key, u64 ino, u64 hash, u64 id, u8 part)
{
	scoutfs_key_set(key, SCOUTFS_FS_ZONE, ino, SCOUTFS_XATTR_TYPE, hash, id, part);
}

static unsigned int total_len(unsigned int name_len, unsigned int val_len)
{
	return HDR_LEN + name_len + val_len;
}

static unsigned int part_len(unsigned int total, unsigned int part)
{
	return min_t(unsigned int, total - part * PART_LEN, PART_LEN);
}

/* part 0 as read, len bytes: a header with possible lengths, of the right size */
static bool part0_valid(const struct scoutfs_xattr *xa, unsigned int len)
{
	if (len < HDR_LEN || xa->name_len == 0 ||
	    le32_to_cpu(xa->val_len) > SCOUTFS_XATTR_MAX_VAL_LEN)
		return false;
	return len == part_len(total_len(xa->name_len, le32_to_cpu(xa->val_len)), 0);
}

static int damaged(struct inode *inode, const struct scoutfs_key *key)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);

	pr_err_ratelimited("scoutfs %016llx: inode %lu: xattr with hash %016llx id %llu is missing parts or damaged\n",
			   le64_to_cpu(mnt->super->hdr.fsid), inode->i_ino,
			   le64_to_cpu(key->sk_second), le64_to_cpu(key->sk_third));
	return -EIO;
}

/* an xattr found by name */
struct found {
	u64 hash;
	u64 id;
	unsigned int total;	/* header, name and value bytes */
	unsigned int parts;
};

/*
 * Find the xattr called name: 0 with *f and its part 0 in xa (PART_LEN
 * bytes), -ENODATA, or an error.
 */
static int find_xattr(struct inode *inode, const char *name, unsigned int name_len,
		      struct scoutfs_xattr *xa, struct found *f,
		      const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	u64 hash = name_hash(name, name_len);
	struct scoutfs_key key, last;
	unsigned int len;
	int ret;

	xattr_key(&key, inode->i_ino, hash, 0, 0);
	xattr_key(&last, inode->i_ino, hash, U64_MAX, U8_MAX);
	for (;;) {
		len = PART_LEN;
		ret = scoutfs_item_next(mnt->items, &key, &last, xa, &len,
					scoutfs_op_lock_for(ol, &key));
		if (ret == -ENOENT)
			return -ENODATA;
		if (ret)
			return ret;
		/* every id starts with part 0: another part means part 0 is lost */
		if (key.sk_fourth != 0 || !part0_valid(xa, len))
			return damaged(inode, &key);
		if (xa->name_len == name_len && memcmp(xa->name, name, name_len) == 0)
			break;
		/* a collision: on to the next id with this hash */
		key.sk_fourth = U8_MAX;
		if (!scoutfs_key_inc(&key))
			return -ENODATA;
	}

	f->hash = hash;
	f->id = le64_to_cpu(key.sk_third);
	f->total = total_len(name_len, le32_to_cpu(xa->val_len));
	f->parts = DIV_ROUND_UP(f->total, PART_LEN);
	return 0;
}

static int get_locked(struct inode *inode, const char *name, void *buf, size_t size,
		      const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	unsigned int name_len = strlen(name);
	struct scoutfs_xattr *xa;
	struct scoutfs_key key;
	unsigned int val_len;
	unsigned int want;
	unsigned int part;
	unsigned int len;
	unsigned int off;
	struct found f;
	int ret;

	if (name_len == 0 || name_len > SCOUTFS_XATTR_MAX_NAME_LEN)
		return -ENODATA;
	xa = kmalloc(PART_LEN, GFP_NOFS);
	if (!xa)
		return -ENOMEM;
	ret = find_xattr(inode, name, name_len, xa, &f, ol);
	if (ret)
		goto out;
	val_len = le32_to_cpu(xa->val_len);
	if (size == 0) {
		ret = val_len;
		goto out;
	}
	if (size < val_len) {
		ret = -ERANGE;
		goto out;
	}

	/* the value starts after the name in part 0 and continues in order */
	off = min(val_len, PART_LEN - (unsigned int)HDR_LEN - name_len);
	memcpy(buf, xa->name + name_len, off);
	for (part = 1; part < f.parts; part++) {
		xattr_key(&key, inode->i_ino, f.hash, f.id, part);
		want = part_len(f.total, part);
		len = want;
		ret = scoutfs_item_lookup(mnt->items, &key, buf + off, &len,
					  scoutfs_op_lock_for(ol, &key));
		if (ret == -ENOENT || (ret == 0 && len != want))
			ret = damaged(inode, &key);
		if (ret)
			goto out;
		off += want;
	}
	ret = val_len;
out:
	kfree(xa);
	return ret;
}

/* write the parts of an xattr, part 0 built in xa */
static int write_parts(struct inode *inode, const struct found *f, struct scoutfs_xattr *xa,
		       const char *name, unsigned int name_len, const void *value,
		       unsigned int val_len, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_key key;
	unsigned int part;
	unsigned int off;
	int ret;

	memset(xa, 0, HDR_LEN);
	xa->val_len = cpu_to_le32(val_len);
	xa->name_len = name_len;
	memcpy(xa->name, name, name_len);
	off = min(val_len, PART_LEN - (unsigned int)HDR_LEN - name_len);
	memcpy(xa->name + name_len, value, off);

	xattr_key(&key, inode->i_ino, f->hash, f->id, 0);
	ret = scoutfs_item_force(mnt->items, &key, xa, part_len(f->total, 0),
				 scoutfs_op_lock_for(ol, &key));
	for (part = 1; part < f->parts && ret == 0; part++) {
		xattr_key(&key, inode->i_ino, f->hash, f->id, part);
		ret = scoutfs_item_force(mnt->items, &key, value + off,
					 part_len(f->total, part),
					 scoutfs_op_lock_for(ol, &key));
		off += part_len(f->total, part);
	}
	return ret;
}

int scoutfs_xattr_get_locked(struct inode *inode, const char *name, void *buf, size_t size,
			     const struct scoutfs_op_locks *ol)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);
	int ret;

	down_read(&si->xattr_rwsem);
	ret = get_locked(inode, name, buf, size, ol);
	up_read(&si->xattr_rwsem);
	return ret;
}

static int set_locked(struct inode *inode, const char *name, const void *value,
		      size_t size, int flags, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	unsigned int name_len = strlen(name);
	unsigned int old_parts = 0;
	unsigned int new_parts = 0;
	struct scoutfs_xattr *xa;
	struct scoutfs_key key;
	unsigned int part;
	struct found f;
	int ret;

	if (name_len == 0 || name_len > SCOUTFS_XATTR_MAX_NAME_LEN)
		return -ERANGE;
	if (value && size > SCOUTFS_XATTR_MAX_VAL_LEN)
		return -E2BIG;
	xa = kmalloc(PART_LEN, GFP_NOFS);
	if (!xa)
		return -ENOMEM;

	ret = find_xattr(inode, name, name_len, xa, &f, ol);
	if (ret == 0) {
		old_parts = f.parts;
		if (flags & XATTR_CREATE)
			ret = -EEXIST;
	} else if (ret == -ENODATA && value && !(flags & XATTR_REPLACE)) {
		/* a new xattr: a new id under its hash */
		f.hash = name_hash(name, name_len);
		f.id = SCOUTFS_I(inode)->next_xattr_id++;
		ret = 0;
	}
	if (ret)
		goto out;

	/* a changed value keeps its id: parts are replaced, extra ones go */
	if (value) {
		f.total = total_len(name_len, size);
		f.parts = DIV_ROUND_UP(f.total, PART_LEN);
		new_parts = f.parts;
		ret = write_parts(inode, &f, xa, name, name_len, value, size, ol);
	}
	for (part = new_parts; part < old_parts && ret == 0; part++) {
		xattr_key(&key, inode->i_ino, f.hash, f.id, part);
		ret = scoutfs_item_delete(mnt->items, &key, scoutfs_op_lock_for(ol, &key));
		if (ret == -ENOENT)
			ret = damaged(inode, &key);
	}
out:
	kfree(xa);
	return ret;
}

int scoutfs_xattr_set_locked(struct inode *inode, const char *name, const void *value,
			     size_t size, int flags, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);
	int ret;

	down_write(&si->xattr_rwsem);
	ret = set_locked(inode, name, value, size, flags, ol);
	up_write(&si->xattr_rwsem);
	return ret;
}

static int xattr_get(struct inode *inode, const char *name, void *buf, size_t size)
{
	struct scoutfs_op_locks ol;
	int ret;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret)
		return ret;
	ret = scoutfs_xattr_get_locked(inode, name, buf, size, &ol);
	scoutfs_op_locks_drop(&ol);
	return ret;
}

static int xattr_set(struct inode *inode, const char *name, const void *value, size_t size,
		     int flags)
{
	struct scoutfs_op_locks ol;
	int ret;

	/* a removal frees its parts */
	ret = value ? scoutfs_inode_op_begin(inode, NULL, &ol) :
		      scoutfs_inode_op_begin_freeing(inode, NULL, &ol);
	if (ret)
		return ret;
	ret = scoutfs_xattr_set_locked(inode, name, value, size, flags, &ol);
	if (ret == 0) {
		inode_set_ctime_current(inode);
		ret = scoutfs_inode_write(inode, &ol);
	}
	scoutfs_inode_op_end(inode, &ol);
	return ret;
}

/* which names listxattr shows the caller, as other filesystems do */
static bool listable(struct inode *inode, const char *name, unsigned int len)
{
	if (len >= XATTR_TRUSTED_PREFIX_LEN &&
	    !memcmp(name, XATTR_TRUSTED_PREFIX, XATTR_TRUSTED_PREFIX_LEN))
		return capable(CAP_SYS_ADMIN);
	if (len >= XATTR_SYSTEM_PREFIX_LEN &&
	    !memcmp(name, XATTR_SYSTEM_PREFIX, XATTR_SYSTEM_PREFIX_LEN))
		return IS_POSIXACL(inode);
	return true;
}

ssize_t scoutfs_listxattr(struct dentry *dentry, char *buf, size_t size)
{
	struct inode *inode = d_inode(dentry);
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_key key, last;
	struct scoutfs_op_locks ol;
	struct scoutfs_xattr *xa;
	unsigned int len;
	size_t total = 0;
	int ret;

	xa = kmalloc(PART_LEN, GFP_NOFS);
	if (!xa)
		return -ENOMEM;
	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret)
		goto out;

	/* part 0 of every xattr, in hash order */
	down_read(&SCOUTFS_I(inode)->xattr_rwsem);
	xattr_key(&key, inode->i_ino, 0, 0, 0);
	xattr_key(&last, inode->i_ino, U64_MAX, U64_MAX, U8_MAX);
	for (;;) {
		len = PART_LEN;
		ret = scoutfs_item_next(mnt->items, &key, &last, xa, &len,
					scoutfs_op_lock_for(&ol, &key));
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		if (key.sk_fourth != 0 || !part0_valid(xa, len)) {
			ret = damaged(inode, &key);
			break;
		}
		if (listable(inode, xa->name, xa->name_len)) {
			if (size && total + xa->name_len + 1 > size) {
				ret = -ERANGE;
				break;
			}
			if (size) {
				memcpy(buf + total, xa->name, xa->name_len);
				buf[total + xa->name_len] = '\0';
			}
			total += xa->name_len + 1;
		}
		key.sk_fourth = U8_MAX;
		if (!scoutfs_key_inc(&key))
			break;
	}
	up_read(&SCOUTFS_I(inode)->xattr_rwsem);
	scoutfs_op_locks_drop(&ol);
out:
	kfree(xa);
	return ret ?: total;
}

static int handler_get(const struct xattr_handler *handler, struct dentry *dentry,
		       struct inode *inode, const char *name, void *buf, size_t size)
{
	return xattr_get(inode, xattr_full_name(handler, name), buf, size);
}

static int handler_set(const struct xattr_handler *handler, KC_VFS_IDMAP *idmap,
		       struct dentry *dentry, struct inode *inode, const char *name,
		       const void *value, size_t size, int flags)
{
	return xattr_set(inode, xattr_full_name(handler, name), value, size, flags);
}

static const struct xattr_handler user_handler = {
	.prefix = XATTR_USER_PREFIX,
	.get = handler_get,
	.set = handler_set,
};

static const struct xattr_handler trusted_handler = {
	.prefix = XATTR_TRUSTED_PREFIX,
	.get = handler_get,
	.set = handler_set,
};

static const struct xattr_handler security_handler = {
	.prefix = XATTR_SECURITY_PREFIX,
	.get = handler_get,
	.set = handler_set,
};

static int reserved_get(const struct xattr_handler *handler, struct dentry *dentry,
			struct inode *inode, const char *name, void *buf, size_t size)
{
	return -EOPNOTSUPP;
}

static int reserved_set(const struct xattr_handler *handler, KC_VFS_IDMAP *idmap,
			struct dentry *dentry, struct inode *inode, const char *name,
			const void *value, size_t size, int flags)
{
	return -EOPNOTSUPP;
}

/* the archive tags' namespace, refused until they are implemented */
static const struct xattr_handler reserved_handler = {
	.prefix = "scoutfs.",
	.get = reserved_get,
	.set = reserved_set,
};

const struct xattr_handler *scoutfs_xattr_handlers[] = {
	&user_handler,
	&trusted_handler,
	&security_handler,
	&reserved_handler,
	KC_POSIX_ACL_XATTR_HANDLERS
	NULL,
};
