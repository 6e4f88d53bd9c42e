// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting: file handles for NFS servers and open_by_handle_at().
 *
 * Inode numbers are 64 bits and never reused (docs/format.md), so an
 * inode number alone names one inode forever: a handle is the inode
 * number, plus the parent directory's when the caller wants to be able
 * to reconnect the handle to its directory.  Numbers are stored little
 * endian, so handles mean the same on every host.  A handle whose inode
 * is gone gives ESTALE.
 *
 * Finding a directory's parent and a child's name uses the child's
 * LINK_BACKREF items (docs/format.md section 11): one per name, keyed
 * by the directory and readdir position, holding the entry with its
 * name.  Directories have exactly one.
 */
#include <linux/dcache.h>
#include <linux/exportfs.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "format/key.h"
#include "items/item.h"
#include "items/trans.h"
#include "vfs/export.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"

/* handle lengths in 32-bit words */
#define FH_INO_WORDS		2
#define FH_INO_PARENT_WORDS	4

#define BACKREF_MAX_LEN (sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN)

/* handle words are only 32-bit aligned */
static void put_ino(__u32 *words, u64 ino)
{
	__le64 le = cpu_to_le64(ino);

	memcpy(words, &le, sizeof(le));
}

static u64 get_ino(const __u32 *words)
{
	__le64 le;

	memcpy(&le, words, sizeof(le));
	return le64_to_cpu(le);
}

static int scoutfs_encode_fh(struct inode *inode, __u32 *fh, int *max_len,
			     struct inode *parent)
{
	int words = parent ? FH_INO_PARENT_WORDS : FH_INO_WORDS;

	if (*max_len < words) {
		*max_len = words;
		return FILEID_INVALID;
	}
	*max_len = words;
	put_ino(fh, inode->i_ino);
	if (!parent)
		return SCOUTFS_FILEID_INO;
	put_ino(fh + 2, parent->i_ino);
	return SCOUTFS_FILEID_INO_PARENT;
}

/*
 * Whether something uses an inode through one of its dentries: an open
 * file, a cwd.  Unused dentries and our own references (a commit holds
 * inodes with dirty data) don't count.  i_lock keeps dying dentries off
 * the list while we look.
 */
static bool dentry_in_use(struct inode *inode)
{
	struct dentry *alias;
	bool used = false;

	spin_lock(&inode->i_lock);
	hlist_for_each_entry(alias, &inode->i_dentry, d_u.d_alias) {
		if ((int)d_count(alias) > 0) {
			used = true;
			break;
		}
	}
	spin_unlock(&inode->i_lock);
	return used;
}

/*
 * The inode a handle names, or ESTALE when it no longer exists.  A
 * cached inode is read again under its lock, since another mount may
 * have deleted it.  An inode without links is still a file while it is
 * in use, and gone once it isn't, even if it waits in the cache for
 * its eviction.
 */
static struct inode *handle_inode(struct super_block *sb, u64 ino)
{
	struct scoutfs_op_locks ol;
	struct inode *inode;
	int ret;

	if (ino < SCOUTFS_ROOT_INO || ino != (unsigned long)ino)
		return ERR_PTR(-ESTALE);

	inode = scoutfs_iget(sb, ino);
	if (IS_ERR(inode))
		return PTR_ERR(inode) == -ENOENT ? ERR_PTR(-ESTALE) : inode;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(sb, &ol);
	if (ret == 0) {
		ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(&ol, ino));
		scoutfs_op_locks_drop(&ol);
	}
	if (ret == 0 && inode->i_nlink == 0 && !dentry_in_use(inode))
		ret = -ESTALE;
	if (ret) {
		iput(inode);
		return ERR_PTR(ret == -ENOENT ? -ESTALE : ret);
	}
	return inode;
}

static struct dentry *scoutfs_fh_to_dentry(struct super_block *sb, struct fid *fid,
					   int fh_len, int fh_type)
{
	if ((fh_type != SCOUTFS_FILEID_INO || fh_len < FH_INO_WORDS) &&
	    (fh_type != SCOUTFS_FILEID_INO_PARENT || fh_len < FH_INO_PARENT_WORDS))
		return ERR_PTR(-ESTALE);
	return d_obtain_alias(handle_inode(sb, get_ino(fid->raw)));
}

static struct dentry *scoutfs_fh_to_parent(struct super_block *sb, struct fid *fid,
					   int fh_len, int fh_type)
{
	if (fh_type != SCOUTFS_FILEID_INO_PARENT || fh_len < FH_INO_PARENT_WORDS)
		return ERR_PTR(-ESTALE);
	return d_obtain_alias(handle_inode(sb, get_ino(fid->raw + 2)));
}

/*
 * The first LINK_BACKREF of ino in dir (or in any directory when dir is
 * 0): the directory in *parent and the entry, with its name, in dent.
 */
static int find_backref(struct super_block *sb, u64 ino, u64 dir, u64 *parent,
			struct scoutfs_dirent *dent, unsigned int *len)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_key key, last;
	struct scoutfs_op_locks ol;
	int ret;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(sb, &ol);
	if (ret)
		return ret;
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_LINK_BACKREF_TYPE, dir, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, ino, SCOUTFS_LINK_BACKREF_TYPE,
			dir ?: U64_MAX, U64_MAX, U8_MAX);
	*len = BACKREF_MAX_LEN;
	ret = scoutfs_item_next(mnt->items, &key, &last, dent, len,
				scoutfs_op_lock_for(&ol, &key));
	scoutfs_op_locks_drop(&ol);
	if (ret == 0 && (*len <= sizeof(*dent) || *len > BACKREF_MAX_LEN ||
			 le64_to_cpu(dent->ino) != ino)) {
		pr_err_ratelimited("scoutfs %016llx: inode %llu: damaged link backref item\n",
				   le64_to_cpu(mnt->super->hdr.fsid), ino);
		ret = -EIO;
	}
	if (ret == 0)
		*parent = le64_to_cpu(key.sk_second);
	return ret;
}

/* a directory's parent, for reconnecting a dentry found by handle */
static struct dentry *scoutfs_get_parent(struct dentry *child)
{
	struct super_block *sb = child->d_sb;
	struct inode *inode = d_inode(child);
	struct scoutfs_dirent *dent;
	unsigned int len;
	u64 parent;
	int ret;

	/* the root is its own parent, as ".." says */
	if (inode->i_ino == SCOUTFS_ROOT_INO)
		return d_obtain_alias(handle_inode(sb, SCOUTFS_ROOT_INO));

	dent = kmalloc(BACKREF_MAX_LEN, GFP_NOFS);
	if (!dent)
		return ERR_PTR(-ENOMEM);
	/* the child's lock is dropped before iget takes the parent's */
	ret = find_backref(sb, inode->i_ino, 0, &parent, dent, &len);
	kfree(dent);
	/* no name: the directory was removed */
	if (ret)
		return ERR_PTR(ret == -ENOENT ? -ESTALE : ret);
	return d_obtain_alias(handle_inode(sb, parent));
}

/* child's name in parent (NAME_MAX + 1 bytes), without reading the directory */
static int scoutfs_get_name(struct dentry *parent, char *name, struct dentry *child)
{
	struct scoutfs_dirent *dent;
	unsigned int len;
	u64 dir;
	int ret;

	dent = kmalloc(BACKREF_MAX_LEN, GFP_NOFS);
	if (!dent)
		return -ENOMEM;
	ret = find_backref(child->d_sb, d_inode(child)->i_ino, d_inode(parent)->i_ino,
			   &dir, dent, &len);
	if (ret == 0) {
		len -= sizeof(*dent);
		memcpy(name, dent->name, len);
		name[len] = '\0';
	}
	kfree(dent);
	return ret;
}

/* NFS servers make changes durable before replying, with a commit */
static int scoutfs_commit_metadata(struct inode *inode)
{
	return scoutfs_trans_sync(SCOUTFS_MNT(inode->i_sb)->trans, true);
}

const struct export_operations scoutfs_export_ops = {
	.encode_fh = scoutfs_encode_fh,
	.fh_to_dentry = scoutfs_fh_to_dentry,
	.fh_to_parent = scoutfs_fh_to_parent,
	.get_parent = scoutfs_get_parent,
	.get_name = scoutfs_get_name,
	.commit_metadata = scoutfs_commit_metadata,
};
