// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: the VFS inode cache backed by INODE items.
 *
 * An inode is read from its item the first time it is wanted and stays
 * cached until the VFS evicts it.  (Without cluster locks yet, nothing
 * invalidates a cached inode; mounts are read-only until they exist.)
 */
#include <linux/fs.h>
#include <linux/slab.h>

#include "kcompat.h"
#include "format/key.h"
#include "items/forest.h"
#include "vfs/dir.h"
#include "vfs/inode.h"
#include "vfs/mount.h"

static struct kmem_cache *scoutfs_inode_cachep;

static void init_once(void *arg)
{
	struct scoutfs_inode_info *si = arg;

	inode_init_once(&si->vfs_inode);
}

int scoutfs_inode_init(void)
{
	scoutfs_inode_cachep = kmem_cache_create("scoutfs_inode_info",
						 sizeof(struct scoutfs_inode_info), 0,
						 SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
						 init_once);
	return scoutfs_inode_cachep ? 0 : -ENOMEM;
}

void scoutfs_inode_exit(void)
{
	/* inodes are freed after an RCU grace period */
	rcu_barrier();
	kmem_cache_destroy(scoutfs_inode_cachep);
}

struct inode *scoutfs_alloc_inode(struct super_block *sb)
{
	struct scoutfs_inode_info *si;

	si = alloc_inode_sb(sb, scoutfs_inode_cachep, GFP_NOFS);
	return si ? &si->vfs_inode : NULL;
}

void scoutfs_free_inode(struct inode *inode)
{
	kmem_cache_free(scoutfs_inode_cachep, SCOUTFS_I(inode));
}

static void set_ops(struct inode *inode)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &scoutfs_dir_iops;
		inode->i_fop = &scoutfs_dir_fops;
		break;
	case S_IFREG:
	case S_IFLNK:
		/* file data and symlink targets arrive with the write path */
		break;
	default:
		init_special_inode(inode, inode->i_mode, inode->i_rdev);
		break;
	}
}

static int valid_inode(const struct scoutfs_inode *sinode)
{
	umode_t mode = le32_to_cpu(sinode->mode);

	if (!(S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode) || S_ISCHR(mode) ||
	      S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)))
		return -EIO;
	if (le32_to_cpu(sinode->atime.nsec) >= NSEC_PER_SEC ||
	    le32_to_cpu(sinode->mtime.nsec) >= NSEC_PER_SEC ||
	    le32_to_cpu(sinode->ctime.nsec) >= NSEC_PER_SEC)
		return -EIO;
	return 0;
}

static void load_inode(struct inode *inode, const struct scoutfs_inode *sinode)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	inode->i_mode = le32_to_cpu(sinode->mode);
	set_nlink(inode, le32_to_cpu(sinode->nlink));
	i_uid_write(inode, le32_to_cpu(sinode->uid));
	i_gid_write(inode, le32_to_cpu(sinode->gid));
	inode->i_rdev = huge_decode_dev(le64_to_cpu(sinode->rdev));
	i_size_write(inode, le64_to_cpu(sinode->size));
	inode_set_atime(inode, le64_to_cpu(sinode->atime.sec), le32_to_cpu(sinode->atime.nsec));
	inode_set_mtime(inode, le64_to_cpu(sinode->mtime.sec), le32_to_cpu(sinode->mtime.nsec));
	inode_set_ctime(inode, le64_to_cpu(sinode->ctime.sec), le32_to_cpu(sinode->ctime.nsec));
	inode->i_blocks = le64_to_cpu(sinode->online_blocks) << (SCOUTFS_DATA_BLOCK_SHIFT - 9);

	si->meta_seq = le64_to_cpu(sinode->meta_seq);
	si->data_seq = le64_to_cpu(sinode->data_seq);
	si->data_version = le64_to_cpu(sinode->data_version);
	si->online_blocks = le64_to_cpu(sinode->online_blocks);
	si->offline_blocks = le64_to_cpu(sinode->offline_blocks);
	si->next_readdir_pos = le64_to_cpu(sinode->next_readdir_pos);
	si->next_xattr_id = le64_to_cpu(sinode->next_xattr_id);
	si->flags = le64_to_cpu(sinode->flags);
	set_ops(inode);
}

struct inode *scoutfs_iget(struct super_block *sb, u64 ino)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_inode *sinode;
	unsigned int len = sizeof(*sinode);
	struct scoutfs_key key;
	struct inode *inode;
	int ret;

	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;

	sinode = kmalloc(sizeof(*sinode), GFP_NOFS);
	if (!sinode) {
		ret = -ENOMEM;
		goto fail;
	}
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	ret = scoutfs_forest_lookup(&mnt->forest, &key, sinode, &len);
	if (ret == 0 && len != sizeof(*sinode))
		ret = -EIO;
	if (ret == 0)
		ret = valid_inode(sinode);
	if (ret == -EIO)
		pr_err_ratelimited("scoutfs %016llx: inode %llu: damaged inode item\n",
				   le64_to_cpu(mnt->super->hdr.fsid), ino);
	if (ret == 0)
		load_inode(inode, sinode);
	kfree(sinode);
	if (ret)
		goto fail;

	unlock_new_inode(inode);
	return inode;
fail:
	iget_failed(inode);
	return ERR_PTR(ret);
}
