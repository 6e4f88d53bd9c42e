// SPDX-License-Identifier: GPL-2.0
/*
 * The scoutfs filesystem type and mounting.
 *
 * Mounts are set up through the fs_context API: options are parsed into a
 * struct scoutfs_fs_context as they arrive and ->get_tree() builds the
 * super block from them.  The data device is the mount's source (the
 * super block's s_bdev); the metadata device is opened from the
 * metadev_path option, exclusively, for as long as the super block lives.
 *
 * Mounting gets as far as checking both devices' superblocks and the
 * quorum slot and reading the root directory's inode through the block
 * cache.  The rest of the engine does not exist yet, so a mount of good
 * devices is then refused with EOPNOTSUPP.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kcompat.h"
#include "format/format.h"
#include "format/key.h"
#include "storage/block.h"
#include "storage/btree.h"
#include "storage/superblock.h"
#include "vfs/options.h"
#include "vfs/super.h"

struct scoutfs_fs_context {
	struct scoutfs_mount_options opts;
};

/* what one mount holds: sb->s_fs_info */
struct scoutfs_mount {
	struct scoutfs_mount_options opts;
	struct kc_bdev meta_bdev;
	struct scoutfs_super_block *super;	/* as read at mount */
	struct scoutfs_block_cache *blocks;	/* metadata blocks */
};

static void scoutfs_mount_free(struct scoutfs_mount *mnt)
{
	if (!mnt)
		return;
	scoutfs_block_cache_destroy(mnt->blocks);
	kc_bdev_close(&mnt->meta_bdev);
	kfree(mnt->super);
	scoutfs_options_free(&mnt->opts);
	kfree(mnt);
}

static int check_quorum_slot(struct fs_context *fc, const struct scoutfs_mount *mnt)
{
	int nr = mnt->opts.quorum_slot_nr;
	const struct scoutfs_quorum_slot *slot;

	if (nr < 0)
		return 0;
	slot = &mnt->super->quorum.slots[nr];
	if (!(le64_to_cpu(slot->flags) & SCOUTFS_QUORUM_SLOT_IN_USE))
		return invalfc(fc, "quorum_slot_nr=%d is not configured in this filesystem's quorum slots",
			       nr);
	return 0;
}

/*
 * The root directory's inode, straight from the fs tree: until log trees
 * exist the fs tree holds every item.
 */
static int read_root_inode(struct fs_context *fc, struct scoutfs_mount *mnt)
{
	struct scoutfs_inode inode;
	unsigned int len = sizeof(inode);
	struct scoutfs_key key;
	u8 flags;
	int ret;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
	ret = scoutfs_btree_lookup(mnt->blocks, &mnt->super->fs_root, &key, &inode, &len,
				   NULL, &flags);
	if (ret == 0 && (len != sizeof(inode) || (flags & SCOUTFS_ITEM_FLAG_DELETION)))
		ret = -EIO;
	if (ret == -ENOENT) {
		errorfc(fc, "the root directory's inode is missing");
		return -EIO;
	}
	if (ret) {
		errorfc(fc, "reading the root directory's inode failed (%d)", ret);
		return ret;
	}
	if (!S_ISDIR(le32_to_cpu(inode.mode))) {
		errorfc(fc, "the root inode is not a directory (mode 0%o)", le32_to_cpu(inode.mode));
		return -EIO;
	}
	return 0;
}

static int scoutfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;
	char *why = NULL;
	struct scoutfs_mount *mnt;
	dev_t meta_dev;
	int ret;

	mnt = kzalloc(sizeof(*mnt), GFP_KERNEL);
	if (!mnt)
		return -ENOMEM;
	sb->s_fs_info = mnt;
	/* the mount owns the options from here on */
	mnt->opts = ctx->opts;
	scoutfs_options_init(&ctx->opts);

	/*
	 * Catch metadata == data before the exclusive open, which would
	 * otherwise be a second claim of the data device.
	 */
	ret = lookup_bdev(mnt->opts.metadev_path, &meta_dev);
	if (ret) {
		errorfc(fc, "metadev_path=%s can't be opened as a block device (%d)",
			mnt->opts.metadev_path, ret);
		return ret;
	}
	if (meta_dev == sb->s_bdev->bd_dev)
		return invalfc(fc, "metadev_path=%s is the data device; metadata needs its own device",
			       mnt->opts.metadev_path);

	ret = kc_bdev_open_excl(&mnt->meta_bdev, mnt->opts.metadev_path, true, mnt);
	if (ret == -EBUSY) {
		errorfc(fc, "metadev_path=%s is in use (mounted?)", mnt->opts.metadev_path);
		return ret;
	}
	if (ret) {
		errorfc(fc, "metadev_path=%s can't be opened as a block device (%d)",
			mnt->opts.metadev_path, ret);
		return ret;
	}

	mnt->super = kmalloc(sizeof(*mnt->super), GFP_KERNEL);
	why = kmalloc(SCOUTFS_SUPER_WHY_LEN, GFP_KERNEL);
	if (!mnt->super || !why) {
		ret = -ENOMEM;
		goto out;
	}
	ret = scoutfs_read_supers(mnt->meta_bdev.bdev, sb->s_bdev, mnt->super, why);
	if (ret) {
		errorfc(fc, "%s", why);
		goto out;
	}
	ret = check_quorum_slot(fc, mnt);
	if (ret)
		goto out;

	mnt->blocks = scoutfs_block_cache_create(mnt->meta_bdev.bdev,
						 le64_to_cpu(mnt->super->hdr.fsid));
	if (!mnt->blocks) {
		ret = -ENOMEM;
		goto out;
	}
	ret = read_root_inode(fc, mnt);
	if (ret)
		goto out;

	errorfc(fc, "fsid %016llx: superblocks and root directory verified, but mounting is not implemented yet",
		le64_to_cpu(mnt->super->hdr.fsid));
	ret = -EOPNOTSUPP;
out:
	kfree(why);
	return ret;
}

/* also runs when fill_super fails after setting s_fs_info */
static void scoutfs_kill_sb(struct super_block *sb)
{
	struct scoutfs_mount *mnt = sb->s_fs_info;

	kill_block_super(sb);
	scoutfs_mount_free(mnt);
}

static int scoutfs_fc_parse_param(struct fs_context *fc,
				  struct fs_parameter *param)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;

	return scoutfs_options_parse_param(fc, &ctx->opts, param);
}

static int scoutfs_fc_get_tree(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;
	int ret;

	ret = scoutfs_options_validate(fc, &ctx->opts);
	if (ret)
		return ret;

	if (!fc->source)
		return invalfc(fc, "no data device was given to mount");

	return get_tree_bdev(fc, scoutfs_fill_super);
}

static void scoutfs_fc_free(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;

	if (ctx) {
		scoutfs_options_free(&ctx->opts);
		kfree(ctx);
	}
}

static const struct fs_context_operations scoutfs_context_ops = {
	.parse_param = scoutfs_fc_parse_param,
	.get_tree = scoutfs_fc_get_tree,
	.free = scoutfs_fc_free,
};

static int scoutfs_init_fs_context(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;

	scoutfs_options_init(&ctx->opts);
	fc->fs_private = ctx;
	fc->ops = &scoutfs_context_ops;
	return 0;
}

static struct file_system_type scoutfs_fs_type = {
	.owner = THIS_MODULE,
	.name = "scoutfs",
	.init_fs_context = scoutfs_init_fs_context,
	.parameters = scoutfs_mount_param_spec,
	.kill_sb = scoutfs_kill_sb,
	.fs_flags = FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("scoutfs");

int scoutfs_super_init(void)
{
	return register_filesystem(&scoutfs_fs_type);
}

void scoutfs_super_exit(void)
{
	unregister_filesystem(&scoutfs_fs_type);
}
