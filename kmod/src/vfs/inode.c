// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: the VFS inode cache backed by INODE items.
 *
 * An inode is read from its item the first time it is wanted and stays
 * cached until the VFS evicts it.  Every change to an inode is written
 * to its item, in the transaction of the operation that made it, along
 * with the meta_seq index item that archive agents walk.  A cached
 * inode is read again when its lock's grant is newer than the one it
 * was read under.  Every cached inode is in the mount's open map
 * (cluster/omap.h); one without links is deleted by vfs/orphan.c as it
 * leaves the cache.
 */
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "kcompat.h"
#include "format/key.h"
#include "cluster/cluster.h"
#include "cluster/lock.h"
#include "cluster/omap.h"
#include "items/item.h"
#include "items/trans.h"
#include "vfs/op_locks.h"
#include "vfs/data.h"
#include "vfs/acl.h"
#include "vfs/dir.h"
#include "vfs/file.h"
#include "vfs/flags.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/orphan.h"
#include "vfs/xattr.h"

static struct kmem_cache *scoutfs_inode_cachep;

static void init_once(void *arg)
{
	struct scoutfs_inode_info *si = arg;

	spin_lock_init(&si->io_lock);
	INIT_LIST_HEAD(&si->io_list);
	INIT_LIST_HEAD(&si->data_entry);
	si->data_list = 0;	/* DATA_LIST_NONE: inodes are freed off the lists */
	init_rwsem(&si->xattr_rwsem);
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
	if (!si)
		return NULL;
	si->item_stale = false;
	return &si->vfs_inode;
}

void scoutfs_free_inode(struct inode *inode)
{
	kmem_cache_free(scoutfs_inode_cachep, SCOUTFS_I(inode));
}

static const struct inode_operations scoutfs_file_iops;

static void set_ops(struct inode *inode)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &scoutfs_dir_iops;
		inode->i_fop = &scoutfs_dir_fops;
		break;
	case S_IFREG:
		inode->i_op = &scoutfs_file_iops;
		inode->i_fop = &scoutfs_file_fops;
		scoutfs_file_set_aops(inode);
		break;
	case S_IFLNK:
		inode->i_op = &scoutfs_symlink_iops;
		break;
	default:
		inode->i_op = &scoutfs_special_iops;
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
	scoutfs_flags_to_vfs(inode);
	si->crtime.tv_sec = le64_to_cpu(sinode->crtime.sec);
	si->crtime.tv_nsec = le32_to_cpu(sinode->crtime.nsec);
}

/* read an inode's item into the VFS inode, under lock */
static int read_inode(struct inode *inode, struct scoutfs_lock *lock)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_inode *sinode;
	unsigned int len = sizeof(*sinode);
	struct scoutfs_key key;
	int ret;

	sinode = kmalloc(sizeof(*sinode), GFP_NOFS);
	if (!sinode)
		return -ENOMEM;
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, inode->i_ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	ret = scoutfs_item_lookup(mnt->items, &key, sinode, &len, &lock->il);
	if (ret == 0 && len != sizeof(*sinode))
		ret = -EIO;
	if (ret == 0)
		ret = valid_inode(sinode);
	if (ret == 0 && (inode->i_state & I_NEW) == 0 &&
	    (le32_to_cpu(sinode->mode) & S_IFMT) != (inode->i_mode & S_IFMT))
		ret = -EIO;
	if (ret == -EIO)
		pr_err_ratelimited("scoutfs %016llx: inode %lu: damaged inode item\n",
				   le64_to_cpu(mnt->super->hdr.fsid), inode->i_ino);
	if (ret == 0) {
		load_inode(inode, sinode);
		SCOUTFS_I(inode)->refresh_gen = lock->refresh_gen;
	}
	kfree(sinode);
	return ret;
}

int scoutfs_inode_refresh(struct inode *inode, struct scoutfs_lock *lock)
{
	if (SCOUTFS_I(inode)->refresh_gen == lock->refresh_gen)
		return 0;
	/* another mount may have changed them too */
	forget_all_cached_acls(inode);
	return read_inode(inode, lock);
}

/* the cached inode, or a new one read under lock (NULL: its group's READ lock) */
static struct inode *iget_read(struct super_block *sb, u64 ino, struct scoutfs_lock *lock)
{
	struct scoutfs_op_locks ol;
	struct inode *inode;
	int ret;

	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;

	/*
	 * In use from before it is read under the lock, so that no mount
	 * deletes it under us; evicting a failed one removes it again.
	 */
	ret = scoutfs_omap_add(scoutfs_cluster_omap(SCOUTFS_MNT(sb)->cluster), ino);
	if (ret == 0 && lock) {
		ret = read_inode(inode, lock);
	} else if (ret == 0) {
		scoutfs_op_locks_init(&ol);
		scoutfs_op_locks_add_inode(&ol, ino, SCOUTFS_LOCK_READ);
		ret = scoutfs_op_locks_take(sb, &ol);
		if (ret == 0) {
			ret = read_inode(inode, scoutfs_op_lock_inode(&ol, ino));
			scoutfs_op_locks_drop(&ol);
		}
	}
	if (ret) {
		iget_failed(inode);
		return ERR_PTR(ret);
	}
	set_ops(inode);
	unlock_new_inode(inode);
	return inode;
}

/*
 * The root inode at mount, read from the committed trees without a
 * lock, so that mounting doesn't wait for a server.  Its refresh_gen of
 * 0 is older than any grant: the first operation that locks it reads it
 * again.
 */
struct inode *scoutfs_iget_unlocked(struct super_block *sb, u64 ino)
{
	static struct scoutfs_lock unlocked = {
		.il = {
			.start = { .sk_zone = SCOUTFS_FS_ZONE },
			.mode = SCOUTFS_LOCK_READ,
		},
		.refresh_gen = 0,
	};

	if (unlocked.il.end.sk_zone == 0)
		scoutfs_key_set(&unlocked.il.end, SCOUTFS_FS_ZONE, U64_MAX, U8_MAX, U64_MAX,
				U64_MAX, U8_MAX);
	return iget_read(sb, ino, &unlocked);
}

struct inode *scoutfs_iget(struct super_block *sb, u64 ino)
{
	return iget_read(sb, ino, NULL);
}

/*
 * Start a changing operation on inode (and dir, either may be NULL):
 * the locks of their groups WRITE, the index and orphan zones
 * WRITE_ONLY, then the transaction; their cached attributes are read
 * again if another mount changed them since.  More locks can be added
 * by the caller with op_begin(NULL, NULL) + add + op_take.
 */
static int op_begin(struct inode *inode, struct inode *dir, struct scoutfs_op_locks *ol,
		    bool freeing)
{
	scoutfs_op_locks_init(ol);
	ol->freeing = freeing;
	if (!inode && !dir)
		return 0;
	if (inode)
		scoutfs_op_locks_add_inode(ol, inode->i_ino, SCOUTFS_LOCK_WRITE);
	if (dir)
		scoutfs_op_locks_add_inode(ol, dir->i_ino, SCOUTFS_LOCK_WRITE);
	return scoutfs_inode_op_take((inode ?: dir)->i_sb, ol) ?:
	       scoutfs_inode_op_refresh(inode, dir, ol);
}

int scoutfs_inode_op_begin(struct inode *inode, struct inode *dir, struct scoutfs_op_locks *ol)
{
	return op_begin(inode, dir, ol, false);
}

int scoutfs_inode_op_begin_freeing(struct inode *inode, struct inode *dir,
				   struct scoutfs_op_locks *ol)
{
	return op_begin(inode, dir, ol, true);
}

/* after taking the locks: attributes another mount changed are read again */
int scoutfs_inode_op_refresh(struct inode *inode, struct inode *dir, struct scoutfs_op_locks *ol)
{
	int ret = 0;

	if (inode)
		ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(ol, inode->i_ino));
	if (ret == 0 && dir)
		ret = scoutfs_inode_refresh(dir, scoutfs_op_lock_inode(ol, dir->i_ino));
	if (ret)
		scoutfs_inode_op_end(inode ?: dir, ol);
	return ret;
}

/* take ol's locks (plus the index and orphan zones), refresh, hold the transaction */
int scoutfs_inode_op_take(struct super_block *sb, struct scoutfs_op_locks *ol)
{
	int ret;

	scoutfs_op_locks_add_zone(ol, SCOUTFS_INODE_INDEX_ZONE, SCOUTFS_LOCK_WRITE_ONLY);
	scoutfs_op_locks_add_zone(ol, SCOUTFS_ORPHAN_ZONE, SCOUTFS_LOCK_WRITE_ONLY);
	ret = scoutfs_op_locks_take(sb, ol);
	if (ret)
		return ret;
	ret = ol->freeing ? scoutfs_trans_hold_freeing(SCOUTFS_MNT(sb)->trans) :
			    scoutfs_trans_hold(SCOUTFS_MNT(sb)->trans);
	if (ret)
		scoutfs_op_locks_drop(ol);
	return ret;
}

void scoutfs_inode_op_end(struct inode *inode, struct scoutfs_op_locks *ol)
{
	scoutfs_trans_release(SCOUTFS_MNT(inode->i_sb)->trans);
	scoutfs_op_locks_drop(ol);
}

static void store_time(struct scoutfs_timespec *st, struct timespec64 ts)
{
	st->sec = cpu_to_le64(ts.tv_sec);
	st->nsec = cpu_to_le32(ts.tv_nsec);
	memset(st->__pad, 0, sizeof(st->__pad));
}

static void store_inode(struct scoutfs_inode *sinode, struct inode *inode)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	memset(sinode, 0, sizeof(*sinode));
	sinode->size = cpu_to_le64(i_size_read(inode));
	sinode->meta_seq = cpu_to_le64(si->meta_seq);
	sinode->data_seq = cpu_to_le64(si->data_seq);
	sinode->data_version = cpu_to_le64(si->data_version);
	sinode->online_blocks = cpu_to_le64(si->online_blocks);
	sinode->offline_blocks = cpu_to_le64(si->offline_blocks);
	sinode->next_readdir_pos = cpu_to_le64(si->next_readdir_pos);
	sinode->next_xattr_id = cpu_to_le64(si->next_xattr_id);
	sinode->flags = cpu_to_le64(si->flags);
	sinode->nlink = cpu_to_le32(inode->i_nlink);
	sinode->uid = cpu_to_le32(i_uid_read(inode));
	sinode->gid = cpu_to_le32(i_gid_read(inode));
	sinode->mode = cpu_to_le32(inode->i_mode);
	sinode->rdev = cpu_to_le64(huge_encode_dev(inode->i_rdev));
	store_time(&sinode->atime, inode_get_atime(inode));
	store_time(&sinode->mtime, inode_get_mtime(inode));
	store_time(&sinode->ctime, inode_get_ctime(inode));
	store_time(&sinode->crtime, si->crtime);
}

static void index_key(struct scoutfs_key *key, u8 type, u64 seq, u64 ino)
{
	scoutfs_key_set(key, SCOUTFS_INODE_INDEX_ZONE, 0, type, seq, ino, 0);
}

/* move an inode's index item from its old seq to the new one */
static int move_index(struct scoutfs_mount *mnt, const struct scoutfs_op_locks *ol, u8 type,
		      u64 ino, u64 old, u64 new)
{
	struct scoutfs_key key;
	int ret;

	if (old == new)
		return 0;
	index_key(&key, type, new, ino);
	ret = scoutfs_item_force(mnt->items, &key, NULL, 0, scoutfs_op_lock_for(ol, &key));
	if (ret == 0 && old != 0) {
		index_key(&key, type, old, ino);
		ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(ol, &key));
	}
	return ret;
}

int scoutfs_inode_write(struct inode *inode, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);
	u64 seq = scoutfs_trans_seq(mnt->trans);
	struct scoutfs_inode sinode;
	struct scoutfs_key key;
	int ret;

	/* the meta_seq index lists the inodes each transaction changed */
	ret = move_index(mnt, ol, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, inode->i_ino,
			 si->meta_seq, seq);
	if (ret)
		return ret;
	si->meta_seq = seq;
	store_inode(&sinode, inode);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, inode->i_ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	return scoutfs_item_force(mnt->items, &key, &sinode, sizeof(sinode),
				  scoutfs_op_lock_for(ol, &key));
}

int scoutfs_alloc_ino(struct super_block *sb, u64 *ino)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	u64 first, nr;
	int ret = 0;

	mutex_lock(&mnt->ino_mutex);
	if (mnt->next_ino == mnt->end_ino) {
		ret = scoutfs_cluster_alloc_inodes(mnt->cluster, 1024, &first, &nr);
		if (ret == 0) {
			mnt->next_ino = first;
			mnt->end_ino = first + nr;
		}
	}
	if (ret == 0)
		*ino = mnt->next_ino++;
	mutex_unlock(&mnt->ino_mutex);
	return ret;
}

struct inode *scoutfs_new_inode(KC_VFS_IDMAP *idmap, struct inode *dir, umode_t mode,
				dev_t rdev, u64 ino, const struct scoutfs_op_locks *ol)
{
	struct super_block *sb = dir->i_sb;
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_inode_info *si;
	struct inode *inode;
	struct timespec64 now;
	u64 seq = scoutfs_trans_seq(mnt->trans);
	int ret;

	inode = new_inode(sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	si = SCOUTFS_I(inode);
	inode->i_ino = ino;
	inode_init_owner(idmap, inode, dir, mode);
	inode->i_rdev = rdev;
	set_nlink(inode, S_ISDIR(mode) ? 2 : 1);
	now = current_time(inode);
	inode_set_atime_to_ts(inode, now);
	inode_set_mtime_to_ts(inode, now);
	inode_set_ctime_to_ts(inode, now);
	si->crtime = now;
	si->meta_seq = 0;
	si->data_seq = seq;
	si->data_version = 0;
	si->online_blocks = 0;
	si->offline_blocks = 0;
	si->next_readdir_pos = SCOUTFS_FIRST_READDIR_POS;
	si->next_xattr_id = 1;
	si->flags = 0;
	si->refresh_gen = scoutfs_op_lock_inode(ol, ino)->refresh_gen;
	set_ops(inode);

	ret = scoutfs_omap_add(scoutfs_cluster_omap(mnt->cluster), ino) ?:
	      move_index(mnt, ol, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, ino, 0, seq) ?:
	      scoutfs_inode_write(inode, ol);
	if (ret)
		goto fail;
	ret = insert_inode_locked(inode);
	if (ret)
		goto fail;
	return inode;
fail:
	make_bad_inode(inode);
	iput(inode);
	return ERR_PTR(ret);
}

int scoutfs_inode_delete_index_items(struct inode *inode, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);
	struct scoutfs_key key;
	int ret;

	index_key(&key, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, si->meta_seq, inode->i_ino);
	ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(ol, &key));
	index_key(&key, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, si->data_seq, inode->i_ino);
	if (ret == 0)
		ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(ol, &key));
	return ret;
}

/* whether another mount may have changed the inode since it was read */
static bool maybe_stale(struct inode *inode)
{
	u64 gen;

	return !scoutfs_op_lock_inode_cached(inode->i_sb, inode->i_ino, SCOUTFS_LOCK_READ, &gen) ||
	       gen != READ_ONCE(SCOUTFS_I(inode)->refresh_gen);
}

/*
 * The last reference is gone: an inode that another mount may have
 * changed isn't kept, so that one whose last name another mount removed
 * is evicted, and deleted, as soon as nothing here uses it.
 */
int scoutfs_drop_inode(struct inode *inode)
{
	return generic_drop_inode(inode) || maybe_stale(inode);
}

void scoutfs_evict_inode(struct inode *inode)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);

	truncate_inode_pages_final(&inode->i_data);
	/* links it had here may have been removed elsewhere: orphan.c looks */
	if (!is_bad_inode(inode) && (inode->i_nlink == 0 || maybe_stale(inode)))
		scoutfs_orphan_evict(inode);
	/* only now may another mount delete it */
	scoutfs_omap_remove(scoutfs_cluster_omap(mnt->cluster), inode->i_ino);
	clear_inode(inode);
}

static struct timespec64 later(struct timespec64 a, struct timespec64 b)
{
	return timespec64_compare(&a, &b) >= 0 ? a : b;
}

/*
 * Read the item again if another mount changed the inode since we last
 * did, keeping the times the VFS set without our locks: everything else
 * in memory may be older than the item (a size, a directory's next
 * position, the index seq), and writing it back would undo the other
 * mount's changes.
 */
static int refresh_keeping_times(struct inode *inode, struct scoutfs_lock *lock)
{
	struct timespec64 atime = inode_get_atime(inode);
	struct timespec64 mtime = inode_get_mtime(inode);
	struct timespec64 ctime = inode_get_ctime(inode);
	int ret;

	ret = scoutfs_inode_refresh(inode, lock);
	if (ret)
		return ret;
	inode_set_atime_to_ts(inode, later(atime, inode_get_atime(inode)));
	inode_set_mtime_to_ts(inode, later(mtime, inode_get_mtime(inode)));
	inode_set_ctime_to_ts(inode, later(ctime, inode_get_ctime(inode)));
	return 0;
}

/* write the inode's item under its own locks (not inside our operations) */
static int write_inode_locked(struct inode *inode)
{
	struct scoutfs_op_locks ol;
	int ret;

	/* it rewrites an item in place, so a full filesystem keeps it too */
	ret = scoutfs_inode_op_begin_freeing(NULL, NULL, &ol);
	if (ret == 0) {
		scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_WRITE);
		ret = scoutfs_inode_op_take(inode->i_sb, &ol);
	}
	if (ret == 0) {
		ret = refresh_keeping_times(inode, scoutfs_op_lock_inode(&ol, inode->i_ino));
		/* another mount deleted it: nothing left to update */
		if (ret == -ENOENT)
			ret = 0;
		else if (ret == 0)
			ret = scoutfs_inode_write(inode, &ol);
		scoutfs_inode_op_end(inode, &ol);
	}
	if (ret)
		pr_err_ratelimited("scoutfs %016llx: inode %lu: updating its item failed (%d)\n",
				   le64_to_cpu(SCOUTFS_MNT(inode->i_sb)->super->hdr.fsid),
				   inode->i_ino, ret);
	return ret;
}

/*
 * The VFS changed an inode outside our operations (atime, ...).  Inside
 * one of our file operations (a read's atime) the task holds the
 * inode's lock already, perhaps only to read: the item is then written
 * by ->write_inode when writeback gets to the inode.
 */
void scoutfs_dirty_inode(struct inode *inode, int flags)
{
	if (scoutfs_data_io_current(inode)) {
		WRITE_ONCE(SCOUTFS_I(inode)->item_stale, true);
		return;
	}
	write_inode_locked(inode);
}

int scoutfs_write_inode(struct inode *inode, struct writeback_control *wbc)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	if (!READ_ONCE(si->item_stale) || inode->i_nlink == 0)
		return 0;
	WRITE_ONCE(si->item_stale, false);
	return write_inode_locked(inode);
}

/*
 * A size change of a regular file: the partial last block's tail is
 * zeroed, the page cache cut and the blocks past the new size freed.
 * The caller holds the locks and the transaction.
 */
static int set_size(struct inode *inode, loff_t size, const struct scoutfs_op_locks *ol)
{
	unsigned int bits = inode->i_blkbits;
	struct scoutfs_data_io io;
	int ret = 0;

	scoutfs_data_io_enter(inode, &io, ol);
	if (size < i_size_read(inode)) {
		ret = block_truncate_page(inode->i_mapping, size, scoutfs_get_block);
		if (ret == 0) {
			/* the zeroed tail is written before the new size commits */
			scoutfs_data_track_write(inode);
			truncate_setsize(inode, size);
			ret = scoutfs_data_free_range(inode, round_up(size, 1ULL << bits) >> bits,
						      U64_MAX, ol);
		}
	} else {
		truncate_setsize(inode, size);
	}
	scoutfs_data_io_exit(inode, &io);
	return ret;
}

int scoutfs_setattr(KC_VFS_IDMAP *idmap, struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	struct scoutfs_op_locks ol;
	int ret;

	ret = setattr_prepare(idmap, dentry, attr);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) && !S_ISREG(inode->i_mode) &&
	    attr->ia_size != i_size_read(inode))
		return -EINVAL;
	if (attr->ia_valid & ATTR_SIZE)
		inode_dio_wait(inode);

	/* a truncate down frees what it cuts off */
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size < i_size_read(inode))
		ret = scoutfs_inode_op_begin_freeing(inode, NULL, &ol);
	else
		ret = scoutfs_inode_op_begin(inode, NULL, &ol);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != i_size_read(inode)) {
		ret = set_size(inode, attr->ia_size, &ol);
		if (ret == 0)
			SCOUTFS_I(inode)->data_version++;
	}
	if (ret == 0) {
		setattr_copy(idmap, inode, attr);
		ret = scoutfs_inode_write(inode, &ol);
	}
	scoutfs_inode_op_end(inode, &ol);
	if (ret == 0)
		ret = scoutfs_acl_chmod(idmap, dentry, attr);
	return ret;
}

int scoutfs_getattr(KC_VFS_IDMAP *idmap, const struct path *path, struct kstat *stat,
		    u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct scoutfs_op_locks ol;
	int ret;

	/* the attributes as the cluster has them now */
	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret)
		return ret;
	ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(&ol, inode->i_ino));
	scoutfs_op_locks_drop(&ol);
	if (ret)
		return ret;

	kc_generic_fillattr(idmap, request_mask, inode, stat);
	stat->result_mask |= STATX_BTIME;
	stat->btime = SCOUTFS_I(inode)->crtime;
	return 0;
}

static const char *scoutfs_get_link(struct dentry *dentry, struct inode *inode,
				    struct delayed_call *done)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	unsigned int len = SCOUTFS_SYMLINK_MAX_SIZE - 1;
	struct scoutfs_op_locks ol;
	struct scoutfs_key key;
	char *target;
	int ret;

	/* reading items may sleep */
	if (!dentry)
		return ERR_PTR(-ECHILD);
	target = kmalloc(SCOUTFS_SYMLINK_MAX_SIZE, GFP_NOFS);
	if (!target)
		return ERR_PTR(-ENOMEM);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, inode->i_ino, SCOUTFS_SYMLINK_TYPE, 0, 0, 0);
	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret == 0) {
		ret = scoutfs_item_lookup(mnt->items, &key, target, &len,
					  scoutfs_op_lock_for(&ol, &key));
		scoutfs_op_locks_drop(&ol);
	}
	if (ret == 0 && (len != i_size_read(inode) || len >= SCOUTFS_SYMLINK_MAX_SIZE))
		ret = -EIO;
	if (ret) {
		kfree(target);
		if (ret == -ENOENT || ret == -EIO) {
			pr_err_ratelimited("scoutfs %016llx: symlink %lu: target item missing or damaged\n",
					   le64_to_cpu(mnt->super->hdr.fsid), inode->i_ino);
			ret = -EIO;
		}
		return ERR_PTR(ret);
	}
	target[len] = '\0';
	set_delayed_call(done, kfree_link, target);
	return target;
}

/* commit the transaction: a file's changes are the mount's changes */
int scoutfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return scoutfs_trans_sync(SCOUTFS_MNT(file_inode(file)->i_sb)->trans, true);
}

const struct inode_operations scoutfs_symlink_iops = {
	.get_link = scoutfs_get_link,
	.setattr = scoutfs_setattr,
	.getattr = scoutfs_getattr,
	.listxattr = scoutfs_listxattr,
};

const struct inode_operations scoutfs_special_iops = {
	.setattr = scoutfs_setattr,
	.getattr = scoutfs_getattr,
	.listxattr = scoutfs_listxattr,
	.KC_IOP_GET_INODE_ACL = scoutfs_get_acl,
	.set_acl = scoutfs_set_acl,
};

static const struct inode_operations scoutfs_file_iops = {
	.setattr = scoutfs_setattr,
	.getattr = scoutfs_getattr,
	.fiemap = scoutfs_fiemap,
	.listxattr = scoutfs_listxattr,
	.KC_IOP_GET_INODE_ACL = scoutfs_get_acl,
	.set_acl = scoutfs_set_acl,
	.fileattr_get = scoutfs_fileattr_get,
	.fileattr_set = scoutfs_fileattr_set,
};
