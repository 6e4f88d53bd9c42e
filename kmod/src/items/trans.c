// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's transactions (items/trans.h).
 *
 * Holders take the hold rwsem for reading; the commit takes it for
 * writing, so it runs between holders and new holders wait for it.
 * Commits run in one work item.  A sync waits for the first commit
 * that takes the hold after it was called (queueing one if none is
 * waiting for the hold or holding it), so concurrent syncs share a
 * commit.
 */
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "items/forest.h"
#include "items/item.h"
#include "items/trans.h"
#include "storage/alloc.h"
#include "storage/block.h"
#include "storage/data_alloc.h"

/* commit at least this often while there are changes */
#define COMMIT_SECS		10
/* commit when the held changes reach this many bytes */
#define DIRTY_BYTES_LIMIT	(32ULL << 20)

struct scoutfs_trans {
	struct scoutfs_block_cache *bc;
	struct scoutfs_forest *forest;
	struct scoutfs_item_cache *items;
	const struct scoutfs_trans_ops *ops;
	void *arg;
	u64 fsid;

	struct rw_semaphore hold_rwsem;
	struct mutex open_mutex;	/* getting the first log tree */
	bool open;
	struct scoutfs_log_trees lt;	/* the log tree of this transaction */
	u64 seq;			/* its items' version */
	u32 avail_blocks;		/* meta blocks the server gave it */
	struct scoutfs_data_alloc *da;	/* its data blocks */
	const struct scoutfs_trans_data_ops *data_ops;
	void *data_arg;

	struct workqueue_struct *wq;
	struct delayed_work commit_work;
	spinlock_t lock;
	u64 commits_started;
	u64 commits_covering;	/* started and not yet past its holders: 0 or its number */
	u64 commits_done;
	int commit_err;		/* of the last commit */
	bool failed;		/* a commit failed: no more changes */
	bool want_blocks;	/* commit even without changes: for more blocks */
	wait_queue_head_t waitq;
};

static int open_log_trees(struct scoutfs_trans *tr)
{
	int ret = 0;

	mutex_lock(&tr->open_mutex);
	if (!tr->open) {
		ret = tr->ops->get_log_trees(tr->arg, &tr->lt, &tr->seq);
		if (ret == 0)
			ret = scoutfs_data_alloc_load(tr->da, tr->bc, &tr->lt.data_avail);
		if (ret == 0) {
			scoutfs_item_set_trans_seq(tr->items, tr->seq);
			tr->avail_blocks = le64_to_cpu(tr->lt.meta_avail.total_nr);
			scoutfs_forest_set_own(tr->forest, le64_to_cpu(tr->lt.nr),
					       &tr->lt.item_root);
			tr->open = true;
		} else {
			pr_err_ratelimited("scoutfs %016llx: getting the mount's log tree from the server failed (%d)\n",
					   tr->fsid, ret);
		}
	}
	mutex_unlock(&tr->open_mutex);
	return ret;
}

/* what even a commit of next to nothing can need: paths, lists */
#define EMPTY_COMMIT_BLOCKS	64

/* blocks a commit of the held changes could need, generously */
static u64 blocks_needed(struct scoutfs_trans *tr)
{
	u64 bytes = scoutfs_item_dirty_bytes(tr->items);

	/* leaves half full after splits, their parents, the lists */
	return (bytes * 2) / SCOUTFS_META_BLOCK_SIZE * 2 + EMPTY_COMMIT_BLOCKS;
}

/*
 * Metadata blocks a hold that doesn't free space leaves for those that
 * do: enough to commit the removal of names, inodes and extents in the
 * batches their operations use.
 */
#define FREEING_RESERVE_BLOCKS	256

/* the blocks a hold must leave for a commit, and for freeing holds */
static u64 kept(bool freeing)
{
	return EMPTY_COMMIT_BLOCKS + (freeing ? 0 : FREEING_RESERVE_BLOCKS);
}

static bool over_limits(struct scoutfs_trans *tr, bool freeing)
{
	return scoutfs_item_dirty_bytes(tr->items) >= DIRTY_BYTES_LIMIT ||
	       blocks_needed(tr) - EMPTY_COMMIT_BLOCKS + kept(freeing) >=
	       READ_ONCE(tr->avail_blocks);
}

static int hold(struct scoutfs_trans *tr, bool freeing)
{
	int tries = 0;
	int ret;

	if (!READ_ONCE(tr->open)) {
		ret = open_log_trees(tr);
		if (ret)
			return ret;
	}
	while (over_limits(tr, freeing)) {
		/* the commit returns freed blocks and brings what the server has */
		WRITE_ONCE(tr->want_blocks, true);
		ret = scoutfs_trans_sync(tr, true);
		if (ret)
			return ret;
		/* not even an empty transaction has room: out of space */
		if (kept(freeing) >= READ_ONCE(tr->avail_blocks))
			return -ENOSPC;
		/* others' changes since may keep it over: commit them too, a few times */
		if (++tries >= 3)
			break;
	}
	down_read(&tr->hold_rwsem);
	if (READ_ONCE(tr->failed)) {
		up_read(&tr->hold_rwsem);
		return -EIO;
	}
	return 0;
}

int scoutfs_trans_hold(struct scoutfs_trans *tr)
{
	return hold(tr, false);
}

int scoutfs_trans_hold_freeing(struct scoutfs_trans *tr)
{
	return hold(tr, true);
}

struct scoutfs_data_alloc *scoutfs_trans_data_alloc(struct scoutfs_trans *tr)
{
	return tr->da;
}

void scoutfs_trans_set_data_ops(struct scoutfs_trans *tr, const struct scoutfs_trans_data_ops *ops,
				void *arg)
{
	tr->data_arg = arg;
	tr->data_ops = ops;
}

u64 scoutfs_trans_seq(struct scoutfs_trans *tr)
{
	return tr->seq;
}

void scoutfs_trans_release(struct scoutfs_trans *tr)
{
	up_read(&tr->hold_rwsem);
}

static int commit(struct scoutfs_trans *tr)
{
	struct scoutfs_block_writer wri;
	struct scoutfs_meta_alloc alloc;
	struct scoutfs_log_trees lt = tr->lt;
	struct scoutfs_trans_commit_result *res;
	u64 max_seq;
	int ret;

	scoutfs_block_writer_init(&wri);
	ret = scoutfs_meta_alloc_init(&alloc, tr->bc, &wri, tr->seq, &lt.meta_avail,
				      &lt.meta_freed);
	if (ret)
		return ret;
	max_seq = le64_to_cpu(lt.max_item_seq);
	ret = scoutfs_data_alloc_commit(tr->da, &alloc, tr->seq, &lt.data_avail,
					&lt.data_freed) ?:
	      scoutfs_item_write_dirty(tr->items, &alloc, &lt.item_root, &max_seq) ?:
	      scoutfs_meta_alloc_write_lists(&alloc, &lt.meta_avail, &lt.meta_freed) ?:
	      scoutfs_block_writer_write(tr->bc, &wri);
	scoutfs_meta_alloc_destroy(&alloc);
	if (ret) {
		scoutfs_block_writer_forget_all(tr->bc, &wri);
		return ret;
	}

	lt.trans_seq = cpu_to_le64(tr->seq);
	lt.max_item_seq = cpu_to_le64(max_seq);
	res = kmalloc(sizeof(*res), GFP_NOFS);
	if (!res)
		return -ENOMEM;
	ret = tr->ops->commit_log_trees(tr->arg, &lt, res);
	if (ret)
		goto out;

	/*
	 * Readers find the changes in the trees before they leave memory:
	 * in the new own tree, or in the tree it was finalized into, which
	 * is either still listed in logs_root or merged into fs_root.
	 */
	ret = scoutfs_forest_set_roots(tr->forest, &res->roots, le64_to_cpu(res->next.nr),
				       &res->next.item_root);
	if (ret)
		goto out;
	scoutfs_item_commit_done(tr->items);
	ret = scoutfs_data_alloc_load(tr->da, tr->bc, &res->next.data_avail);
	if (ret)
		goto out;
	tr->lt = res->next;
	tr->seq = res->seq;
	scoutfs_item_set_trans_seq(tr->items, tr->seq);
	tr->avail_blocks = le64_to_cpu(res->next.meta_avail.total_nr);
out:
	kfree(res);
	return ret;
}

static void commit_worker(struct work_struct *work)
{
	struct scoutfs_trans *tr = container_of(to_delayed_work(work), struct scoutfs_trans,
						commit_work);
	u64 started;
	int ret = 0;

	spin_lock(&tr->lock);
	started = ++tr->commits_started;
	tr->commits_covering = started;
	spin_unlock(&tr->lock);

	down_write(&tr->hold_rwsem);
	if (tr->failed) {
		ret = -EIO;
	} else if (tr->open && (scoutfs_item_dirty_bytes(tr->items) > 0 ||
				READ_ONCE(tr->want_blocks))) {
		WRITE_ONCE(tr->want_blocks, false);
		/* ordered data: what the new extents point to is written first */
		if (tr->data_ops)
			ret = tr->data_ops->write_data(tr->data_arg);
		if (ret == 0)
			ret = commit(tr);
	}
	if (ret && !tr->failed) {
		pr_err("scoutfs %016llx: committing the transaction failed (%d); the filesystem keeps its last commit and refuses changes\n",
		       tr->fsid, ret);
		tr->failed = true;
	}
	spin_lock(&tr->lock);
	tr->commits_covering = 0;
	spin_unlock(&tr->lock);
	up_write(&tr->hold_rwsem);
	if (tr->data_ops)
		tr->data_ops->committed(tr->data_arg);

	spin_lock(&tr->lock);
	tr->commits_done = started;
	tr->commit_err = ret;
	spin_unlock(&tr->lock);
	wake_up(&tr->waitq);
	scoutfs_item_free_committed(tr->items);

	/* the periodic commit */
	if (!tr->failed)
		queue_delayed_work(tr->wq, &tr->commit_work, COMMIT_SECS * HZ);
}

static bool commit_done(struct scoutfs_trans *tr, u64 nr, int *err)
{
	bool done;

	spin_lock(&tr->lock);
	done = tr->commits_done >= nr;
	*err = tr->commit_err;
	spin_unlock(&tr->lock);
	return done;
}

int scoutfs_trans_sync(struct scoutfs_trans *tr, bool wait)
{
	bool queue;
	u64 nr;
	int err = 0;

	/*
	 * A commit that hasn't let holders go again covers every change
	 * finished before now: it has them or waits for their holders (as
	 * sync(2) finds the commit its non-waiting ->sync_fs() started).
	 * One that has may have missed some: the next commit it is.
	 */
	spin_lock(&tr->lock);
	queue = tr->commits_covering == 0;
	nr = queue ? tr->commits_started + 1 : tr->commits_covering;
	spin_unlock(&tr->lock);

	if (queue)
		mod_delayed_work(tr->wq, &tr->commit_work, 0);
	if (wait)
		wait_event(tr->waitq, commit_done(tr, nr, &err));
	return wait ? err : 0;
}

struct scoutfs_trans *scoutfs_trans_create(struct scoutfs_block_cache *bc,
					   struct scoutfs_forest *forest,
					   struct scoutfs_item_cache *items,
					   const struct scoutfs_trans_ops *ops, void *arg,
					   u64 fsid)
{
	struct scoutfs_trans *tr;

	tr = kzalloc(sizeof(*tr), GFP_KERNEL);
	if (!tr)
		return NULL;
	tr->bc = bc;
	tr->forest = forest;
	tr->items = items;
	tr->ops = ops;
	tr->arg = arg;
	tr->fsid = fsid;
	init_rwsem(&tr->hold_rwsem);
	mutex_init(&tr->open_mutex);
	spin_lock_init(&tr->lock);
	init_waitqueue_head(&tr->waitq);
	INIT_DELAYED_WORK(&tr->commit_work, commit_worker);
	tr->da = scoutfs_data_alloc_create();
	tr->wq = alloc_ordered_workqueue("scoutfs_trans", WQ_MEM_RECLAIM);
	if (!tr->wq || !tr->da) {
		if (tr->wq)
			destroy_workqueue(tr->wq);
		scoutfs_data_alloc_destroy(tr->da);
		kfree(tr);
		return NULL;
	}
	queue_delayed_work(tr->wq, &tr->commit_work, COMMIT_SECS * HZ);
	return tr;
}

void scoutfs_trans_destroy(struct scoutfs_trans *tr)
{
	if (!tr)
		return;
	scoutfs_trans_sync(tr, true);
	cancel_delayed_work_sync(&tr->commit_work);
	destroy_workqueue(tr->wq);
	scoutfs_data_alloc_destroy(tr->da);
	kfree(tr);
}
