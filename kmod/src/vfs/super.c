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
 * Mounting reads the superblocks, joins the cluster (quorum, server,
 * client), and sets up the mount's items and transactions over the
 * forest of btrees.  Unmounting commits, says farewell and tears down
 * in reverse.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/statfs.h>
#include <linux/slab.h>

#include "kcompat.h"
#include "cluster/cluster.h"
#include "cluster/lock.h"
#include "format/format.h"
#include "items/item.h"
#include "items/trans.h"
#include "format/key.h"
#include "storage/block.h"
#include "storage/btree.h"
#include "storage/data_alloc.h"
#include "storage/superblock.h"
#include "vfs/data.h"
#include "vfs/dir.h"
#include "vfs/export.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/options.h"
#include "vfs/orphan.h"
#include "vfs/super.h"
#include "vfs/xattr.h"

static const struct scoutfs_mount_observer *mount_observer;

void scoutfs_super_set_observer(const struct scoutfs_mount_observer *obs)
{
	mount_observer = obs;
}

struct scoutfs_fs_context {
	struct scoutfs_mount_options opts;
};

static void scoutfs_mount_free(struct scoutfs_mount *mnt)
{
	if (!mnt)
		return;
	scoutfs_trans_destroy(mnt->trans);
	scoutfs_data_mount_destroy(mnt);
	scoutfs_item_cache_destroy(mnt->items);
	scoutfs_cluster_leave(mnt->cluster);
	scoutfs_forest_destroy(&mnt->forest);
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
 * Free space as of the server's last commit: the superblock on the
 * metadata device, which only the server writes, holds the allocators.
 * Blocks handed to mounts for their transactions count as used.
 */
/*
 * Free data blocks: the server's, plus those it gave to mounts'
 * transactions (data_avail) or got back and hasn't taken yet
 * (data_freed), as of the last commit; this mount's open transaction's
 * allocations and frees are counted at once.
 */
static int data_free(struct scoutfs_mount *mnt, const struct scoutfs_super_block *super,
		     u64 *free)
{
	struct scoutfs_log_trees lt;
	struct scoutfs_key key;
	struct scoutfs_key last;
	u64 avail, allocated, freed;
	unsigned int len;
	int ret;

	*free = le64_to_cpu(super->data_alloc.total_len);
	scoutfs_key_set(&key, SCOUTFS_LOG_TREES_ZONE, 0, SCOUTFS_LOG_TREES_TYPE, 0, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_LOG_TREES_ZONE, U64_MAX, SCOUTFS_LOG_TREES_TYPE,
			U64_MAX, U64_MAX, U8_MAX);
	for (;;) {
		len = sizeof(lt);
		ret = scoutfs_btree_next(mnt->blocks, &super->logs_root, &key, &last, &lt, &len,
					 NULL, NULL);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		if (len == sizeof(lt))
			*free += le64_to_cpu(lt.data_avail.total_len) +
				 le64_to_cpu(lt.data_freed.total_len);
		if (!scoutfs_key_inc(&key))
			break;
	}
	if (mnt->trans) {
		scoutfs_data_alloc_counts(scoutfs_trans_data_alloc(mnt->trans), &avail,
					  &allocated, &freed);
		*free = *free + freed - min(*free, allocated);
	}
	return 0;
}

static int scoutfs_statfs(struct dentry *dentry, struct kstatfs *kst)
{
	struct super_block *sb = dentry->d_sb;
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	u64 fsid = le64_to_cpu(mnt->super->hdr.fsid);
	struct scoutfs_super_block *super;
	u64 free_data = 0;
	u64 free_meta;
	int tries;
	int ret;

	super = kmalloc(sizeof(*super), GFP_NOFS);
	if (!super)
		return -ENOMEM;
	/* the trees of a superblock just replaced may be gone: read it again */
	for (tries = 0; ; tries++) {
		ret = scoutfs_read_meta_super(mnt->meta_bdev.bdev, fsid, super);
		if (ret == 0)
			ret = data_free(mnt, super, &free_data);
		if (ret != -ESTALE || tries == 3)
			break;
	}
	if (ret)
		goto out;

	free_meta = le64_to_cpu(super->meta_alloc[0].total_len) +
		    le64_to_cpu(super->meta_alloc[1].total_len) +
		    le64_to_cpu(super->server_meta_avail[0].total_nr) +
		    le64_to_cpu(super->server_meta_avail[1].total_nr);
	kst->f_type = SCOUTFS_BLOCK_MAGIC_SUPER;
	kst->f_bsize = SCOUTFS_DATA_BLOCK_SIZE;
	kst->f_frsize = SCOUTFS_DATA_BLOCK_SIZE;
	kst->f_blocks = le64_to_cpu(super->total_data_blocks) - SCOUTFS_DATA_FIRST_BLKNO;
	kst->f_bfree = free_data;
	kst->f_bavail = kst->f_bfree;
	/* inodes are items: estimate how many more the free metadata could hold */
	kst->f_ffree = free_meta * (SCOUTFS_META_BLOCK_SIZE / 256);
	kst->f_files = kst->f_ffree + le64_to_cpu(super->next_ino) - SCOUTFS_FIRST_INO + 1;
	kst->f_namelen = SCOUTFS_NAME_LEN;
	kst->f_fsid.val[0] = lower_32_bits(fsid);
	kst->f_fsid.val[1] = upper_32_bits(fsid);
out:
	kfree(super);
	return ret;
}

static int scoutfs_show_options(struct seq_file *seq, struct dentry *root)
{
	scoutfs_options_show(seq, &SCOUTFS_MNT(root->d_sb)->opts);
	return 0;
}

/* with wait, the VFS has written and waited for every dirty page first */
static int scoutfs_sync_fs(struct super_block *sb, int wait)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	u64 mark;
	int ret;

	if (!mnt->trans)
		return 0;
	if (!wait)
		return scoutfs_trans_sync(mnt->trans, false);
	mark = scoutfs_data_flush_mark(sb);
	ret = scoutfs_trans_sync(mnt->trans, true);
	if (ret == 0 && !sb_rdonly(sb))
		ret = scoutfs_data_flush_since(sb, mark);
	scoutfs_data_sync_done(sb);
	return ret;
}

/* after the VFS evicted every inode: the last changes are committed */
static void scoutfs_put_super(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);

	/* commit, then no lock gives way into a transaction that's going */
	scoutfs_trans_sync(mnt->trans, true);
	scoutfs_lock_client_stop_ops(scoutfs_cluster_locks(mnt->cluster));
	scoutfs_trans_destroy(mnt->trans);
	mnt->trans = NULL;
}

/*
 * Before giving up a write lock, what was written under it is committed.
 * Giving up reading an inode group, its cached pages go: the next
 * reader reads what the other mount writes.
 */
static int lock_give_way(void *arg, struct scoutfs_lock *lock, u8 old_mode, u8 new_mode)
{
	struct scoutfs_mount *mnt = arg;
	const struct scoutfs_key *start = &lock->il.start;
	int ret = 0;

	if (old_mode == SCOUTFS_LOCK_WRITE || old_mode == SCOUTFS_LOCK_WRITE_ONLY)
		ret = scoutfs_trans_sync(mnt->trans, true);
	if (ret == 0 && start->sk_zone == SCOUTFS_FS_ZONE &&
	    (old_mode == SCOUTFS_LOCK_READ || old_mode == SCOUTFS_LOCK_WRITE) &&
	    new_mode != SCOUTFS_LOCK_READ && new_mode != SCOUTFS_LOCK_WRITE)
		scoutfs_data_drop_group_pages(mnt->sb, le64_to_cpu(start->sk_first),
					      le64_to_cpu(lock->il.end.sk_first));
	return ret;
}

/* a grant names the trees that hold what other mounts committed */
static void lock_granted(void *arg, const struct scoutfs_net_lock_grant *grant)
{
	struct scoutfs_mount *mnt = arg;
	int ret;

	ret = scoutfs_forest_set_roots(&mnt->forest, &grant->roots, 0, NULL);
	if (ret)
		pr_err_ratelimited("scoutfs %016llx: reading the roots of a lock grant failed (%d)\n",
				   le64_to_cpu(mnt->super->hdr.fsid), ret);
}

static const struct scoutfs_lock_ops lock_ops = {
	.give_way = lock_give_way,
	.granted = lock_granted,
};

static const struct super_operations scoutfs_super_ops = {
	.alloc_inode = scoutfs_alloc_inode,
	.free_inode = scoutfs_free_inode,
	.drop_inode = scoutfs_drop_inode,
	.evict_inode = scoutfs_evict_inode,
	.dirty_inode = scoutfs_dirty_inode,
	.write_inode = scoutfs_write_inode,
	.sync_fs = scoutfs_sync_fs,
	.put_super = scoutfs_put_super,
	.statfs = scoutfs_statfs,
	.show_options = scoutfs_show_options,
};

static int join_cluster(struct fs_context *fc, struct scoutfs_mount *mnt)
{
	struct scoutfs_cluster_args args = {
		.meta_bdev = mnt->meta_bdev.bdev,
		.blocks = mnt->blocks,
		.super = mnt->super,
		.fsid = le64_to_cpu(mnt->super->hdr.fsid),
		.rid = mnt->rid,
		.quorum_slot = mnt->opts.quorum_slot_nr,
		.quorum_heartbeat_timeout_ms = mnt->opts.quorum_heartbeat_timeout_ms,
		.tcp_keepalive_timeout_ms = mnt->opts.tcp_keepalive_timeout_ms,
	};
	int ret;

	ret = scoutfs_cluster_join(&mnt->cluster, &args);
	if (ret)
		errorfc(fc, "joining the cluster failed (%d)", ret);
	return ret;
}

/* the root dentry, from the root directory's inode */
static int make_root(struct fs_context *fc, struct super_block *sb)
{
	struct inode *inode;

	inode = scoutfs_iget_unlocked(sb, SCOUTFS_ROOT_INO);
	if (IS_ERR(inode)) {
		if (PTR_ERR(inode) == -ENOENT) {
			errorfc(fc, "the root directory's inode is missing");
			return -EIO;
		}
		errorfc(fc, "reading the root directory's inode failed (%ld)", PTR_ERR(inode));
		return PTR_ERR(inode);
	}
	if (!S_ISDIR(inode->i_mode)) {
		errorfc(fc, "the root inode is not a directory (mode 0%o)", inode->i_mode);
		iput(inode);
		return -EIO;
	}
	sb->s_root = d_make_root(inode);
	return sb->s_root ? 0 : -ENOMEM;
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
	mnt->sb = sb;
	do {
		mnt->rid = get_random_u64();
	} while (mnt->rid == 0);
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
	ret = scoutfs_forest_init(&mnt->forest, mnt->blocks, mnt->rid, mnt->super);
	if (ret) {
		errorfc(fc, "reading the log tree records failed (%d)", ret);
		goto out;
	}

	ret = join_cluster(fc, mnt);
	if (ret)
		goto out;

	mutex_init(&mnt->ino_mutex);
	mnt->items = scoutfs_item_cache_create(&mnt->forest);
	if (mnt->items)
		mnt->trans = scoutfs_trans_create(mnt->blocks, &mnt->forest, mnt->items,
						  &scoutfs_cluster_trans_ops, mnt->cluster,
						  le64_to_cpu(mnt->super->hdr.fsid));
	if (!mnt->items || !mnt->trans) {
		ret = -ENOMEM;
		goto out;
	}
	ret = scoutfs_data_mount_init(sb);
	if (ret)
		goto out;
	scoutfs_lock_client_set_ops(scoutfs_cluster_locks(mnt->cluster), &lock_ops, mnt);

	/* file data is in blocks of the data device, through buffer heads */
	if (!sb_set_blocksize(sb, SCOUTFS_DATA_BLOCK_SIZE)) {
		errorfc(fc, "the data device can't use %u byte blocks", SCOUTFS_DATA_BLOCK_SIZE);
		ret = -EINVAL;
		goto out;
	}
	sb->s_magic = SCOUTFS_BLOCK_MAGIC_SUPER;
	sb->s_op = &scoutfs_super_ops;
	sb->s_d_op = &scoutfs_dentry_ops;
	sb->s_xattr = scoutfs_xattr_handlers;
	if (mnt->opts.acl)
		sb->s_flags |= SB_POSIXACL;
	sb->s_export_op = &scoutfs_export_ops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	sb->s_max_links = SCOUTFS_LINK_MAX;
	ret = make_root(fc, sb);
	if (ret)
		goto out;
	/*
	 * From now on a reader that finds a tree freed under it asks the
	 * server for newer roots; at mount a stale block is damage.
	 */
	scoutfs_forest_set_ops(&mnt->forest, &scoutfs_cluster_forest_ops, mnt->cluster);
	ret = scoutfs_orphan_scan_start(sb);
	if (ret)
		goto out;

	if (mount_observer) {
		ret = mount_observer->mounted(sb);
		if (ret) {
			errorfc(fc, "setting up the mount's sysfs and interfaces failed (%d)", ret);
			goto out;
		}
		mnt->observed = true;
	}

	pr_info("scoutfs %016llx: mounted %s as rid %016llx, metadata %pg, data %pg\n",
		le64_to_cpu(mnt->super->hdr.fsid), sb_rdonly(sb) ? "read-only" : "read-write",
		mnt->rid, mnt->meta_bdev.bdev, sb->s_bdev);
out:
	kfree(why);
	return ret;
}

/* also runs when fill_super fails after setting s_fs_info */
static void scoutfs_kill_sb(struct super_block *sb)
{
	struct scoutfs_mount *mnt = sb->s_fs_info;

	if (mnt && mnt->observed)
		mount_observer->unmounting(sb);
	/* the scan's inodes are let go before the VFS evicts the rest */
	if (mnt) {
		scoutfs_orphan_scan_stop(sb);
		scoutfs_data_stop_drops(sb);
	}
	kill_block_super(sb);
	scoutfs_mount_free(mnt);
}

static int scoutfs_fc_parse_param(struct fs_context *fc,
				  struct fs_parameter *param)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;

	return scoutfs_options_parse_param(fc, &ctx->opts, param);
}

static struct file_system_type scoutfs_fs_type;

/* a mount on this node of the devices we were asked to mount */
struct mounted_here {
	dev_t data;
	dev_t meta;
	bool found;
	int slot;
};

static void find_mounted_here(struct super_block *sb, void *arg)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct mounted_here *mh = arg;

	if (mnt && (sb->s_bdev->bd_dev == mh->data ||
		    (mnt->meta_bdev.bdev && mnt->meta_bdev.bdev->bd_dev == mh->meta))) {
		mh->found = true;
		mh->slot = mnt->opts.quorum_slot_nr;
	}
}

/*
 * A node is one member of a filesystem's cluster: a second mount of the
 * same devices would otherwise share the first one's super block
 * whatever its options said (or, through another device node, find
 * the metadata device in use).  Refuse it, saying so.
 */
static int check_mounted_here(struct fs_context *fc, const struct scoutfs_mount_options *opts)
{
	struct mounted_here mh = { .found = false };

	if (lookup_bdev(fc->source, &mh.data) || lookup_bdev(opts->metadev_path, &mh.meta))
		return 0;	/* fill_super says why */
	iterate_supers_type(&scoutfs_fs_type, find_mounted_here, &mh);
	if (!mh.found)
		return 0;
	if (mh.slot >= 0 && mh.slot == opts->quorum_slot_nr)
		errorfc(fc, "quorum_slot_nr=%d of this filesystem is already mounted on this node",
			mh.slot);
	else if (mh.slot >= 0)
		errorfc(fc, "this filesystem is already mounted on this node, in quorum_slot_nr=%d; a node mounts it once",
			mh.slot);
	else
		errorfc(fc, "this filesystem is already mounted on this node, without a quorum slot; a node mounts it once");
	return -EBUSY;
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
	ret = check_mounted_here(fc, &ctx->opts);
	if (ret)
		return ret;

	return get_tree_bdev(fc, scoutfs_fill_super);
}

/* remounts switch between read-only and read-write; going read-only commits */
static int scoutfs_fc_reconfigure(struct fs_context *fc)
{
	return sync_filesystem(fc->root->d_sb);
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
	.reconfigure = scoutfs_fc_reconfigure,
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
