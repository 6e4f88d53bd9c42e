// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: lookup by name through DIRENT items (keyed by the name's
 * hash) and readdir through READDIR items (keyed by a position that is
 * stable while other entries come and go).
 */
#include <linux/fs.h>
#include <linux/slab.h>

#include "format/key.h"
#include "items/forest.h"
#include "vfs/dir.h"
#include "vfs/inode.h"
#include "vfs/mount.h"

#define DIRENT_MAX_LEN (sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN)

static unsigned int dirent_name_len(unsigned int val_len)
{
	return val_len > sizeof(struct scoutfs_dirent) ?
	       val_len - sizeof(struct scoutfs_dirent) : 0;
}

static struct dentry *scoutfs_lookup(struct inode *dir, struct dentry *dentry,
				     unsigned int flags)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	const struct qstr *name = &dentry->d_name;
	struct inode *inode = NULL;
	struct scoutfs_dirent *dent;
	struct scoutfs_key key, last;
	unsigned int len;
	u64 hash;
	int ret;

	if (name->len > SCOUTFS_NAME_LEN)
		return ERR_PTR(-ENAMETOOLONG);

	dent = kmalloc(DIRENT_MAX_LEN, GFP_NOFS);
	if (!dent)
		return ERR_PTR(-ENOMEM);

	/* every entry whose name has this hash, in position order */
	hash = scoutfs_name_hash(name->name, name->len);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_DIRENT_TYPE, hash, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_DIRENT_TYPE, hash,
			U64_MAX, U8_MAX);
	for (;;) {
		len = DIRENT_MAX_LEN;
		ret = scoutfs_forest_next(&mnt->forest, &key, &last, dent, &len);
		if (ret)
			break;
		if (dirent_name_len(len) == name->len &&
		    memcmp(dent->name, name->name, name->len) == 0) {
			inode = scoutfs_iget(dir->i_sb, le64_to_cpu(dent->ino));
			break;
		}
		if (!scoutfs_key_inc(&key)) {
			ret = -ENOENT;
			break;
		}
	}
	kfree(dent);

	if (ret && ret != -ENOENT)
		return ERR_PTR(ret);
	return d_splice_alias(inode, dentry);
}

static int scoutfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct scoutfs_dirent *dent;
	struct scoutfs_key key, last;
	unsigned int len;
	u64 pos;
	int ret;

	if (!dir_emit_dots(file, ctx))
		return 0;

	dent = kmalloc(DIRENT_MAX_LEN, GFP_NOFS);
	if (!dent)
		return -ENOMEM;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_READDIR_TYPE, ctx->pos, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_READDIR_TYPE,
			U64_MAX, U64_MAX, U8_MAX);
	for (;;) {
		len = DIRENT_MAX_LEN;
		ret = scoutfs_forest_next(&mnt->forest, &key, &last, dent, &len);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		pos = le64_to_cpu(key.sk_second);
		if (!dir_emit(ctx, dent->name, dirent_name_len(len), le64_to_cpu(dent->ino),
			      dent->type))
			break;
		ctx->pos = pos + 1;
		if (!scoutfs_key_inc(&key))
			break;
	}
	kfree(dent);
	return ret;
}

const struct inode_operations scoutfs_dir_iops = {
	.lookup = scoutfs_lookup,
};

const struct file_operations scoutfs_dir_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = scoutfs_readdir,
};
