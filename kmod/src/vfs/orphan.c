// SPDX-License-Identifier: GPL-2.0
/*
 * Deleting inodes without links (vfs/orphan.h).
 *
 * The operation that drops an inode's last link (or makes an O_TMPFILE)
 * writes an ORPHAN item in the same transaction.  The inode lives on,
 * here and on every mount that has it in use, until the last of them
 * lets it go; that one deletes its items, the orphan item last, in one
 * transaction after the data extents are freed (in as many as it
 * takes, so a crash in between leaves the orphan item and a rescan
 * finishes the job).
 *
 * Eviction decides under the inode's WRITE lock, which keeps every
 * other mount from reading the inode into its cache meanwhile: a grant
 * that was SOLE (no other mount was mounted) needs nothing more, else
 * the server asks the other mounts for their open maps (cluster/omap.h)
 * and the inode is left alone if any has it.
 *
 * Orphans can outlive that: their mount crashed with them open, two
 * mounts let go at once and each saw the other's, or there was no
 * server to ask.  Every read-write mount scans the orphan zone at mount
 * and every orphan_scan_delay_ms and has the inodes nobody uses evicted
 * the same way.  The scan reads the items without a lock: what it finds
 * are candidates, decided under the inode's lock.  Its requests to the
 * server never wait for one (cluster.h), so an unmount never waits for
 * a scan that waits for a server.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cluster/cluster.h"
#include "cluster/lock.h"
#include "cluster/omap.h"
#include "format/key.h"
#include "items/item.h"
#include "items/trans.h"
#include "vfs/data.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"
#include "vfs/orphan.h"

struct scoutfs_orphans {
	struct super_block *sb;
	struct delayed_work scan_work;
	bool stopping;
	struct scoutfs_net_open_map *om;	/* the last group the scan asked about */
	bool om_valid;
};

void scoutfs_orphan_key(struct scoutfs_key *key, u64 ino)
{
	scoutfs_key_set(key, SCOUTFS_ORPHAN_ZONE, ino, SCOUTFS_ORPHAN_TYPE, 0, 0, 0);
}

static u64 fsid(struct super_block *sb)
{
	return le64_to_cpu(SCOUTFS_MNT(sb)->super->hdr.fsid);
}

/* every item of an unused inode without links; locks and transaction held */
static int delete_items(struct inode *inode, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_key key;
	struct scoutfs_key last;
	int ret = 0;

	/* the data blocks go back (in as many commits as it takes) */
	if (S_ISREG(inode->i_mode))
		ret = scoutfs_data_free_range(inode, 0, U64_MAX, ol);
	if (ret)
		return ret;

	ret = scoutfs_inode_delete_index_items(inode, ol);
	scoutfs_orphan_key(&key, inode->i_ino);
	if (ret == 0)
		ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(ol, &key));

	/* the inode's own items: the inode, symlink parts, xattrs, ... */
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, inode->i_ino, 0, 0, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, inode->i_ino, U8_MAX, U64_MAX, U64_MAX, U8_MAX);
	while (ret == 0) {
		ret = scoutfs_item_next(mnt->items, &key, &last, NULL, NULL,
					scoutfs_op_lock_for(ol, &key));
		if (ret == 0)
			ret = scoutfs_item_delete_force(mnt->items, &key,
							scoutfs_op_lock_for(ol, &key));
	}
	return ret == -ENOENT ? 0 : ret;
}

static void add_delete_locks(struct scoutfs_op_locks *ol, u64 ino)
{
	scoutfs_op_locks_init(ol);
	ol->freeing = true;
	scoutfs_op_locks_add_inode(ol, ino, SCOUTFS_LOCK_WRITE);
	scoutfs_op_locks_add_zone(ol, SCOUTFS_INODE_INDEX_ZONE, SCOUTFS_LOCK_WRITE_ONLY);
	scoutfs_op_locks_add_zone(ol, SCOUTFS_ORPHAN_ZONE, SCOUTFS_LOCK_WRITE_ONLY);
}

/* whether a mount other than this one has ino in use, under its WRITE lock */
static int in_use_elsewhere(struct super_block *sb, struct scoutfs_lock *lock, u64 ino,
			    bool *in_use)
{
	struct scoutfs_net_open_map *om;
	int ret;

	*in_use = false;
	if (lock->sole)
		return 0;
	om = kmalloc(sizeof(*om), GFP_NOFS);
	if (!om)
		return -ENOMEM;
	ret = scoutfs_cluster_open_map(SCOUTFS_MNT(sb)->cluster, ino / SCOUTFS_OPEN_MAP_INODES,
				       om);
	if (ret == 0)
		*in_use = scoutfs_omap_in_use(om, ino);
	kfree(om);
	return ret;
}

/* whether a cached inode that had links still has them, read under READ */
static int still_linked(struct inode *inode)
{
	struct scoutfs_op_locks ol;
	int ret;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(inode->i_sb, &ol);
	if (ret)
		return ret;
	ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(&ol, inode->i_ino));
	scoutfs_op_locks_drop(&ol);
	if (ret)
		return ret;
	return inode->i_nlink > 0;
}

static int delete_if_unused(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_op_locks ol;
	bool in_use = false;
	int ret;

	/* a name removed on another mount: most likely it still has others */
	if (inode->i_nlink) {
		ret = still_linked(inode);
		/* or it's gone already: deleted by another mount */
		if (ret)
			return ret > 0 || ret == -ENOENT ? 0 : ret;
	}

	add_delete_locks(&ol, inode->i_ino);
	ret = scoutfs_op_locks_take(sb, &ol);
	if (ret)
		return ret;
	/* another mount may have deleted it meanwhile */
	ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(&ol, inode->i_ino));
	if (ret == 0 && inode->i_nlink == 0)
		ret = in_use_elsewhere(sb, scoutfs_op_lock_inode(&ol, inode->i_ino),
				       inode->i_ino, &in_use);
	if (ret == 0 && inode->i_nlink == 0 && !in_use) {
		ret = scoutfs_trans_hold_freeing(mnt->trans);
		if (ret == 0) {
			ret = delete_items(inode, &ol);
			scoutfs_trans_release(mnt->trans);
		}
	}
	scoutfs_op_locks_drop(&ol);
	return ret == -ENOENT ? 0 : ret;
}

void scoutfs_orphan_evict(struct inode *inode)
{
	int ret;

	/* a read-only mount leaves it to a read-write one */
	if (sb_rdonly(inode->i_sb))
		return;
	/*
	 * Unmounting (the scan is stopped): a linked inode that may have
	 * lost its links elsewhere isn't asked about, which could wait
	 * for a server that is gone.  If it did lose them, its orphan
	 * item is there for the scans of the mounts that remain.
	 */
	if (inode->i_nlink && !SCOUTFS_MNT(inode->i_sb)->orphans)
		return;
	ret = delete_if_unused(inode);
	/* without a server the orphan scan deletes it later */
	if (ret && ret != -ENOTCONN)
		pr_err_ratelimited("scoutfs %016llx: inode %lu: deleting its items failed (%d); its orphan item keeps it for a later scan\n",
				   fsid(inode->i_sb), inode->i_ino, ret);
}

/* an orphan item whose inode is gone or has links again: only the item goes */
static int delete_orphan_item(struct super_block *sb, u64 ino)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_op_locks ol;
	struct scoutfs_key key;
	int ret;

	add_delete_locks(&ol, ino);
	ret = scoutfs_op_locks_take(sb, &ol);
	if (ret)
		return ret;
	ret = scoutfs_trans_hold_freeing(mnt->trans);
	if (ret == 0) {
		scoutfs_orphan_key(&key, ino);
		ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(&ol, &key));
		scoutfs_trans_release(mnt->trans);
	}
	scoutfs_op_locks_drop(&ol);
	return ret;
}

/* without a lock: the scan's candidates are decided under the inode's */
static bool used_elsewhere_hint(struct scoutfs_orphans *orph, u64 ino)
{
	u64 group_nr = ino / SCOUTFS_OPEN_MAP_INODES;
	int ret;

	if (!orph->om_valid || le64_to_cpu(orph->om->group_nr) != group_nr) {
		ret = scoutfs_cluster_open_map(SCOUTFS_MNT(orph->sb)->cluster, group_nr, orph->om);
		orph->om_valid = ret == 0;
		if (ret)
			return true;
	}
	return scoutfs_omap_in_use(orph->om, ino);
}

static void scan_one(struct scoutfs_orphans *orph, u64 ino)
{
	struct super_block *sb = orph->sb;
	struct inode *inode;
	int ret = 0;

	/* in our cache: its eviction here decides */
	if (scoutfs_omap_test(scoutfs_cluster_omap(SCOUTFS_MNT(sb)->cluster), ino) ||
	    used_elsewhere_hint(orph, ino))
		return;

	inode = scoutfs_iget(sb, ino);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		if (ret == -ENOENT)
			ret = delete_orphan_item(sb, ino);
	} else {
		if (inode->i_nlink) {
			pr_warn_ratelimited("scoutfs %016llx: inode %llu has %u links and an orphan item; removing the item\n",
					    fsid(sb), ino, inode->i_nlink);
			ret = delete_orphan_item(sb, ino);
		}
		/* without links, letting it go deletes it (scoutfs_orphan_evict()) */
		iput(inode);
	}
	if (ret)
		pr_err_ratelimited("scoutfs %016llx: orphan scan: inode %llu: %d\n",
				   fsid(sb), ino, ret);
}

static int scan(struct scoutfs_orphans *orph)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(orph->sb);
	struct scoutfs_item_lock il = { .mode = SCOUTFS_LOCK_READ };
	struct scoutfs_net_roots roots;
	struct scoutfs_key key;
	int ret;

	scoutfs_orphan_key(&il.start, 0);
	scoutfs_key_set(&il.end, SCOUTFS_ORPHAN_ZONE, U64_MAX, U8_MAX, U64_MAX, U64_MAX,
			U8_MAX);
	orph->om_valid = false;

	/* orphans of mounts reclaimed since our roots were read */
	ret = scoutfs_cluster_get_roots_now(mnt->cluster, &roots) ?:
	      scoutfs_forest_set_roots(&mnt->forest, &roots, 0, NULL);
	if (ret)
		return ret;

	key = il.start;
	while (!READ_ONCE(orph->stopping) && !sb_rdonly(orph->sb)) {
		ret = scoutfs_item_next(mnt->items, &key, &il.end, NULL, NULL, &il);
		if (ret == -ENOENT)
			return 0;
		if (ret)
			return ret;
		if (key.sk_type == SCOUTFS_ORPHAN_TYPE)
			scan_one(orph, le64_to_cpu(key.sk_first));
		if (!scoutfs_key_inc(&key))
			return 0;
		cond_resched();
	}
	return 0;
}

static void scan_worker(struct work_struct *work)
{
	struct scoutfs_orphans *orph = container_of(to_delayed_work(work),
						    struct scoutfs_orphans, scan_work);
	struct scoutfs_mount *mnt = SCOUTFS_MNT(orph->sb);
	int ret = 0;

	if (!sb_rdonly(orph->sb))
		ret = scan(orph);
	/* without a server it waits for the next round */
	if (ret && ret != -ENOTCONN && ret != -ESHUTDOWN)
		pr_err_ratelimited("scoutfs %016llx: orphan scan failed (%d), trying again later\n",
				   fsid(orph->sb), ret);
	if (!READ_ONCE(orph->stopping))
		queue_delayed_work(system_unbound_wq, &orph->scan_work,
				   msecs_to_jiffies(mnt->opts.orphan_scan_delay_ms));
}

int scoutfs_orphan_scan_start(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_orphans *orph;

	orph = kzalloc(sizeof(*orph), GFP_KERNEL);
	if (orph)
		orph->om = kmalloc(sizeof(*orph->om), GFP_KERNEL);
	if (!orph || !orph->om) {
		kfree(orph);
		return -ENOMEM;
	}
	orph->sb = sb;
	INIT_DELAYED_WORK(&orph->scan_work, scan_worker);
	mnt->orphans = orph;
	/* the first scan right away: orphans of a crash are freed at the next mount */
	queue_delayed_work(system_unbound_wq, &orph->scan_work, 0);
	return 0;
}

void scoutfs_orphan_scan_stop(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct scoutfs_orphans *orph = mnt->orphans;

	if (!orph)
		return;
	WRITE_ONCE(orph->stopping, true);
	cancel_delayed_work_sync(&orph->scan_work);
	kfree(orph->om);
	kfree(orph);
	mnt->orphans = NULL;
}
