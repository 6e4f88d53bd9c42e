// SPDX-License-Identifier: GPL-2.0
/*
 * The server's persistent state and its commits (cluster/server_state.h).
 *
 * Operations are applied to an open server transaction one at a time,
 * under the mutex, and commit in groups:
 *
 *  1. open (by the first operation of a group): take the next seq, load
 *     the server's own block lists, put the blocks the previous commit
 *     freed (durable now) back into the metadata allocator tree, and top
 *     up the server's avail list;
 *  2. each operation changes trees in the in-memory superblock, copying
 *     blocks on write from the server's avail list, and waits;
 *  3. commit (by the last operation that joined, so everything that
 *     arrived while the previous commit was writing goes together):
 *     write the server's lists, write the dirty blocks and flush, then
 *     write the superblock.  On any failure the dirty blocks are dropped
 *     and the superblock copy from before the transaction is restored:
 *     the devices still hold the previous commit, and every operation of
 *     the group fails.  None of them has answered yet, so no mount has
 *     seen a change that wasn't durable.
 *
 * Readers of the roots (lock grants, GET_ROOTS) get the last committed
 * superblock, never the open transaction's blocks.
 *
 * Only meta_alloc[0], server_meta_avail[0] and server_meta_freed[0] are
 * used; freed blocks wait on the freed list for one commit, so the
 * allocator tree is never both the source of the blocks that change it
 * and the destination of blocks still in use.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "cluster/server_state.h"
#include "format/alloc_extent.h"
#include "format/btree_cow.h"
#include "format/key.h"
#include "storage/alloc.h"
#include "storage/block.h"
#include "storage/btree.h"
#include "storage/superblock.h"

/* blocks the server keeps for its own commits, and when it tops them up */
#define SERVER_AVAIL_TARGET	1024
#define SERVER_AVAIL_LOW	512
/* blocks each mount gets for a transaction */
#define CLIENT_AVAIL_TARGET	2048
/* data blocks each mount's transactions get, topped up below half */
#define CLIENT_DATA_TARGET	32768
/* inode numbers per request, at most */
#define INODES_MAX		4096
/* a mount's log tree is finalized (and merged) after this many commits */
#define FINALIZE_COMMITS	16
/* operations in one commit, at most, so a busy server still commits */
#define GROUP_MAX_OPS		64

struct scoutfs_server_state {
	struct block_device *meta_bdev;
	struct scoutfs_block_cache *bc;
	u64 fsid;
	/* the in-memory superblock and the open transaction */
	struct mutex mutex;
	struct scoutfs_super_block super;
	/* the last committed superblock: what readers are given */
	struct scoutfs_super_block stable;
	/* the open transaction, under the mutex */
	bool open;
	bool committing;		/* its blocks are being written */
	unsigned int joining;		/* operations started, not yet applied */
	unsigned int applied;		/* operations applied to it */
	int txn_err;			/* an operation failed in it: roll back */
	struct list_head waiters;	/* struct ss_waiter, waiting for it */
	wait_queue_head_t waitq;
	struct scoutfs_super_block before;
	struct scoutfs_block_writer wri;
	struct scoutfs_meta_alloc alloc;
	u64 seq;
	u64 nr_commits;			/* successful commits, and their operations */
	u64 nr_ops;
	/* commits into each mount's open log tree, by rid (not persistent) */
	struct xarray commits;
};

/* an operation waiting for its transaction's commit */
struct ss_waiter {
	struct list_head entry;
	int ret;
	bool done;
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a;
	u64 y = *(const u64 *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static void log_err(struct scoutfs_server_state *ss, const char *what, int ret)
{
	pr_err_ratelimited("scoutfs %016llx: server: %s failed (%d)\n", ss->fsid, what, ret);
}

/* free sorted blknos into the allocator tree, a run of adjacent ones at a time */
static int free_runs(struct scoutfs_server_state *ss, u64 *blknos, u32 nr)
{
	struct scoutfs_btree_cow cow;
	u32 i, j;
	int ret;

	sort(blknos, nr, sizeof(u64), cmp_u64, NULL);
	scoutfs_btree_txn_cow(&cow, &ss->alloc);
	for (i = 0; i < nr; i = j) {
		for (j = i + 1; j < nr && blknos[j] == blknos[j - 1] + 1; j++)
			;
		ret = scoutfs_alloc_extent_insert(&cow, &ss->super.meta_alloc[0], ss->seq,
						  blknos[i], j - i);
		if (ret) {
			pr_err("scoutfs %016llx: server: freeing metadata blocks %llu..%llu failed (%d)\n",
			       ss->fsid, blknos[i], blknos[j - 1], ret);
			return ret;
		}
	}
	return 0;
}

/* take up to want blocks from the allocator tree, calling add for each extent */
static int alloc_from_tree(struct scoutfs_server_state *ss, u64 want,
			   int (*add)(void *arg, u64 blkno, u64 len), void *arg)
{
	struct scoutfs_btree_cow cow;
	u64 blkno, len;
	int ret;

	scoutfs_btree_txn_cow(&cow, &ss->alloc);
	while (want > 0) {
		ret = scoutfs_alloc_extent_remove(&cow, &ss->super.meta_alloc[0], ss->seq,
						  want, 1, &blkno, &len);
		if (ret)
			return ret;
		ret = add(arg, blkno, len);
		if (ret)
			return ret;
		want -= len;
	}
	return 0;
}

static int add_server_avail(void *arg, u64 blkno, u64 len)
{
	return scoutfs_meta_alloc_add_avail(arg, blkno, len);
}

/*
 * Back to the superblock before the transaction, except next_seq: seqs
 * handed out meanwhile (lock grants) must never be handed out again.
 */
static void rollback_super(struct scoutfs_server_state *ss)
{
	__le64 next_seq = ss->super.next_seq;

	ss->super = ss->before;
	ss->super.next_seq = next_seq;
}

/* drop an open transaction that nothing was applied to */
static void txn_abandon(struct scoutfs_server_state *ss)
{
	scoutfs_block_writer_forget_all(ss->bc, &ss->wri);
	scoutfs_meta_alloc_destroy(&ss->alloc);
	rollback_super(ss);
	ss->open = false;
}

/* open the group's transaction: called by its first operation, under the mutex */
static int txn_open(struct scoutfs_server_state *ss)
{
	static const struct scoutfs_alloc_list_head empty;
	u64 *durable = NULL;
	u32 nr_durable = 0;
	u32 avail;
	int ret;

	ss->before = ss->super;
	ss->seq = le64_to_cpu(ss->super.next_seq);
	le64_add_cpu(&ss->super.next_seq, 1);
	scoutfs_block_writer_init(&ss->wri);

	ret = scoutfs_meta_alloc_init(&ss->alloc, ss->bc, &ss->wri, ss->seq,
				      &ss->super.server_meta_avail[0], &empty);
	if (ret)
		goto out;
	/* what the last commit freed is no longer referenced: reusable */
	ret = scoutfs_meta_alloc_read_list(&ss->alloc, &ss->super.server_meta_freed[0],
					   &durable, &nr_durable);
	if (ret == 0 && nr_durable)
		ret = free_runs(ss, durable, nr_durable);
	kvfree(durable);
	if (ret)
		goto out;

	avail = scoutfs_meta_alloc_nr_avail(&ss->alloc);
	if (avail < SERVER_AVAIL_LOW) {
		ret = alloc_from_tree(ss, SERVER_AVAIL_TARGET - avail, add_server_avail, &ss->alloc);
		/* running on what's left is fine until it's gone */
		if (ret == -ENOSPC && scoutfs_meta_alloc_nr_avail(&ss->alloc) > 0)
			ret = 0;
	}
out:
	if (ret) {
		log_err(ss, "starting a commit", ret);
		txn_abandon(ss);
	} else {
		ss->open = true;
		ss->applied = 0;
		ss->txn_err = 0;
	}
	return ret;
}

/*
 * Write the open transaction: its lists, its blocks (flushed), then the
 * superblock.  New operations wait while the mutex is dropped for the
 * writes; a failed or doomed transaction is rolled back whole.  Every
 * operation that joined it gets the result.
 */
static void txn_commit(struct scoutfs_server_state *ss)
{
	struct ss_waiter *w;
	struct ss_waiter *tmp;
	int ret = ss->txn_err;

	if (ret == 0)
		ret = scoutfs_meta_alloc_write_lists(&ss->alloc, &ss->super.server_meta_avail[0],
						     &ss->super.server_meta_freed[0]);
	if (ret == 0) {
		ss->committing = true;
		mutex_unlock(&ss->mutex);
		ret = scoutfs_block_writer_write(ss->bc, &ss->wri);
		if (ret == 0)
			ret = scoutfs_write_super(ss->meta_bdev, &ss->super);
		mutex_lock(&ss->mutex);
		ss->committing = false;
	}
	if (ret) {
		scoutfs_block_writer_forget_all(ss->bc, &ss->wri);
		rollback_super(ss);
	} else {
		ss->stable = ss->super;
		ss->nr_commits++;
		ss->nr_ops += ss->applied;
	}
	scoutfs_meta_alloc_destroy(&ss->alloc);
	ss->open = false;

	list_for_each_entry_safe(w, tmp, &ss->waiters, entry) {
		list_del(&w->entry);
		w->ret = ret;
		/* the waiter's stack frame may go as soon as it sees done */
		smp_store_release(&w->done, true);
	}
	wake_up_all(&ss->waitq);
}

/*
 * An operation joins the open transaction (opening it if there is
 * none), returning with the mutex held.  It waits while a commit writes:
 * those that arrive during a commit make the next one together.
 */
static int op_start(struct scoutfs_server_state *ss)
{
	int ret = 0;

	mutex_lock(&ss->mutex);
	ss->joining++;
	while (ss->committing) {
		mutex_unlock(&ss->mutex);
		wait_event(ss->waitq, !READ_ONCE(ss->committing));
		mutex_lock(&ss->mutex);
	}
	if (!ss->open)
		ret = txn_open(ss);
	if (ret) {
		ss->joining--;
		mutex_unlock(&ss->mutex);
	}
	return ret;
}

/*
 * The operation's changes are made: wait for them to be durable.  ret
 * is its error; dirty says whether it may have changed anything before
 * failing, which dooms the whole transaction, as it can't be undone
 * alone.  An error before any change leaves the others' changes be.
 * The last operation to join commits for everyone, or the one that
 * fills the group or its allocator.
 */
static int op_finish(struct scoutfs_server_state *ss, int ret, bool dirty)
{
	struct ss_waiter w = { .done = false };

	ss->joining--;
	if (ret && !dirty) {
		/* the last to join still commits the others' changes */
		if (ss->joining == 0) {
			if (ss->applied)
				txn_commit(ss);
			else
				txn_abandon(ss);
		}
		mutex_unlock(&ss->mutex);
		return ret;
	}
	if (ret)
		ss->txn_err = ret;
	ss->applied++;
	list_add_tail(&w.entry, &ss->waiters);
	if (ss->joining == 0 || ss->txn_err || ss->applied >= GROUP_MAX_OPS ||
	    scoutfs_meta_alloc_nr_avail(&ss->alloc) < SERVER_AVAIL_LOW / 2)
		txn_commit(ss);
	mutex_unlock(&ss->mutex);
	wait_event(ss->waitq, smp_load_acquire(&w.done));
	return ret ?: w.ret;
}

int scoutfs_server_txn_begin(struct scoutfs_server_state *ss, struct scoutfs_server_txn *txn)
{
	int ret = op_start(ss);

	if (ret == 0) {
		txn->super = &ss->super;
		txn->alloc = &ss->alloc;
		txn->bc = ss->bc;
		txn->seq = ss->seq;
	}
	return ret;
}

int scoutfs_server_txn_end(struct scoutfs_server_state *ss, int ret)
{
	return op_finish(ss, ret, true);
}

void scoutfs_server_state_commit_stats(struct scoutfs_server_state *ss, u64 *commits, u64 *ops)
{
	mutex_lock(&ss->mutex);
	*commits = ss->nr_commits;
	*ops = ss->nr_ops;
	mutex_unlock(&ss->mutex);
}

struct scoutfs_block_cache *scoutfs_server_block_cache(struct scoutfs_server_state *ss)
{
	return ss->bc;
}

u32 scoutfs_server_txn_avail(struct scoutfs_server_state *ss)
{
	return scoutfs_meta_alloc_nr_avail(&ss->alloc);
}

static void mounted_key(struct scoutfs_key *key, u64 rid)
{
	memset(key, 0, sizeof(*key));
	key->sk_zone = SCOUTFS_MOUNTED_CLIENT_ZONE;
	key->sk_type = SCOUTFS_MOUNTED_CLIENT_TYPE;
	key->sk_first = cpu_to_le64(rid);
}

static void log_trees_key(struct scoutfs_key *key, u64 rid, u64 nr)
{
	memset(key, 0, sizeof(*key));
	key->sk_zone = SCOUTFS_LOG_TREES_ZONE;
	key->sk_type = SCOUTFS_LOG_TREES_TYPE;
	key->sk_first = cpu_to_le64(rid);
	key->sk_second = cpu_to_le64(nr);
}

int scoutfs_server_mount_client(struct scoutfs_server_state *ss, u64 rid, u64 flags,
				const struct scoutfs_inet_addr *addr)
{
	struct scoutfs_mounted_client mc = {
		.rid = cpu_to_le64(rid),
		.flags = cpu_to_le64(flags),
		.addr = *addr,
	};
	struct scoutfs_key key;
	int ret;

	memset(mc.addr.__pad, 0, sizeof(mc.addr.__pad));
	ret = op_start(ss);
	if (ret == 0) {
		mounted_key(&key, rid);
		ret = scoutfs_btree_force(&ss->alloc, &ss->super.mounted_clients_root, &key,
					  ss->seq, 0, &mc, sizeof(mc));
		ret = op_finish(ss, ret, true);
	}
	if (ret)
		log_err(ss, "recording a mounted client", ret);
	return ret;
}

int scoutfs_server_unmount_client(struct scoutfs_server_state *ss, u64 rid)
{
	struct scoutfs_key key;
	int ret;

	ret = op_start(ss);
	if (ret == 0) {
		mounted_key(&key, rid);
		ret = scoutfs_btree_delete(&ss->alloc, &ss->super.mounted_clients_root, &key);
		if (ret == -ENOENT)
			ret = 0;
		ret = op_finish(ss, ret, true);
	}
	if (ret)
		log_err(ss, "removing a mounted client", ret);
	return ret;
}

int scoutfs_server_for_each_mounted(struct scoutfs_server_state *ss,
				    int (*fn)(void *arg, const struct scoutfs_mounted_client *mc),
				    void *arg)
{
	struct scoutfs_mounted_client mc;
	struct scoutfs_key key;
	struct scoutfs_key last;
	unsigned int len;
	int ret;

	mounted_key(&key, 0);
	mounted_key(&last, U64_MAX);
	mutex_lock(&ss->mutex);
	for (;;) {
		len = sizeof(mc);
		ret = scoutfs_btree_next(ss->bc, &ss->super.mounted_clients_root, &key, &last,
					 &mc, &len, NULL, NULL);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret == 0 && len != sizeof(mc))
			ret = -EIO;
		if (ret == 0)
			ret = fn(arg, &mc);
		if (ret || !scoutfs_key_inc(&key))
			break;
	}
	mutex_unlock(&ss->mutex);
	if (ret)
		log_err(ss, "reading the mounted clients", ret);
	return ret;
}

int scoutfs_server_alloc_inodes(struct scoutfs_server_state *ss, u64 want,
				u64 *first, u64 *nr)
{
	u64 next;
	int ret;

	want = clamp_t(u64, want, 1, INODES_MAX);
	ret = op_start(ss);
	if (ret == 0) {
		next = le64_to_cpu(ss->super.next_ino);
		if (next > U64_MAX - want) {
			ret = -ENOSPC;
		} else {
			*first = next;
			*nr = want;
			ss->super.next_ino = cpu_to_le64(next + want);
		}
		ret = op_finish(ss, ret, false);
	}
	if (ret && ret != -ENOSPC)
		log_err(ss, "allocating inode numbers", ret);
	return ret;
}

/* the mount's newest log tree record, -ENOENT if it has none */
static int find_log_trees(struct scoutfs_server_state *ss, u64 rid,
			  struct scoutfs_log_trees *lt)
{
	struct scoutfs_key key;
	struct scoutfs_key last;
	unsigned int len;
	int ret;

	/* the last record of the rid: walk its few records, keep the last */
	log_trees_key(&key, rid, 0);
	log_trees_key(&last, rid, U64_MAX);
	ret = -ENOENT;
	for (;;) {
		struct scoutfs_log_trees found;
		int err;

		len = sizeof(found);
		err = scoutfs_btree_next(ss->bc, &ss->super.logs_root, &key, &last,
					 &found, &len, NULL, NULL);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		if (len != sizeof(found))
			return -EIO;
		*lt = found;
		ret = 0;
		if (!scoutfs_key_inc(&key))
			break;
	}
	return ret;
}

struct avail_fill {
	u64 *blknos;
	u32 nr;
};

static int add_client_avail(void *arg, u64 blkno, u64 len)
{
	struct avail_fill *af = arg;

	while (len-- > 0)
		af->blknos[af->nr++] = blkno++;
	return 0;
}

/*
 * Free metadata blocks that mounts' avail lists never take: the server's
 * own commits and the merges draw on them.  A merge writes a finalized
 * log tree's items into the fs tree before it frees the log tree, so
 * it needs room for about one tree's growth; trees are finalized
 * before they grow past half of this (commit_log_trees).
 */
static u64 meta_floor(struct scoutfs_server_state *ss)
{
	return max_t(u64, SERVER_AVAIL_TARGET, le64_to_cpu(ss->super.total_meta_blocks) / 8);
}

/*
 * Top a mount's avail list up to CLIENT_AVAIL_TARGET blocks, from what
 * the allocator has above the floor.  Less, or none, isn't an error:
 * the mount's transactions then refuse changes that need more with
 * ENOSPC (items/trans.c) but can still commit and remove files.
 */
static int fill_client_avail(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt)
{
	u64 tree_free = le64_to_cpu(ss->super.meta_alloc[0].total_len);
	u64 floor = meta_floor(ss);
	u64 want;
	struct avail_fill af = { NULL, 0 };
	u64 *old = NULL;
	u32 nr_old = 0;
	int ret;

	if (le64_to_cpu(lt->meta_avail.total_nr) >= CLIENT_AVAIL_TARGET / 2)
		return 0;

	ret = scoutfs_meta_alloc_read_list(&ss->alloc, &lt->meta_avail, &old, &nr_old);
	if (ret)
		return ret;
	af.blknos = kvmalloc_array(max_t(u32, nr_old, CLIENT_AVAIL_TARGET), sizeof(u64),
				   GFP_NOFS);
	if (!af.blknos) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(af.blknos, old, (size_t)nr_old * sizeof(u64));
	af.nr = nr_old;
	want = min_t(u64, CLIENT_AVAIL_TARGET - af.nr, tree_free > floor ? tree_free - floor : 0);
	if (want > 0) {
		ret = alloc_from_tree(ss, want, add_client_avail, &af);
		/* the tree's count said there was enough; a mount works with less */
		if (ret == -ENOSPC)
			ret = 0;
	}
	if (ret == 0)
		ret = scoutfs_meta_alloc_write_list(&ss->alloc, af.blknos, af.nr,
						    &lt->meta_avail);
out:
	kvfree(af.blknos);
	kvfree(old);
	return ret;
}

/* the server takes the blocks a mount freed; they're reusable after this commit */
static int take_client_freed(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt)
{
	int ret;

	ret = scoutfs_meta_alloc_take_list(&ss->alloc, &lt->meta_freed);
	if (ret == 0)
		memset(&lt->meta_freed, 0, sizeof(lt->meta_freed));
	return ret;
}

/* a mount's freed data blocks join the server's free data blocks */
static int take_client_data_freed(struct scoutfs_server_state *ss, struct scoutfs_alloc_root *ar)
{
	struct scoutfs_btree_cow cow;
	u64 moved;

	if (ar->total_len == 0)
		return 0;
	scoutfs_btree_txn_cow(&cow, &ss->alloc);
	return scoutfs_alloc_extent_move(&cow, &ss->super.data_alloc, ar, ss->seq, U64_MAX, 1,
					 &moved);
}

/* top up a mount's free data blocks; with less left, it gets what there is */
static int fill_client_data(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt)
{
	u64 have = le64_to_cpu(lt->data_avail.total_len);
	struct scoutfs_btree_cow cow;
	u64 moved;

	if (have >= CLIENT_DATA_TARGET / 2 || ss->super.data_alloc.total_len == 0)
		return 0;
	scoutfs_btree_txn_cow(&cow, &ss->alloc);
	return scoutfs_alloc_extent_move(&cow, &lt->data_avail, &ss->super.data_alloc, ss->seq,
					 CLIENT_DATA_TARGET - have, 1, &moved);
}

static int store_log_trees(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt)
{
	struct scoutfs_key key;

	log_trees_key(&key, le64_to_cpu(lt->rid), le64_to_cpu(lt->nr));
	return scoutfs_btree_force(&ss->alloc, &ss->super.logs_root, &key, ss->seq, 0,
				   lt, sizeof(*lt));
}

int scoutfs_server_get_log_trees(struct scoutfs_server_state *ss, u64 rid,
				 struct scoutfs_log_trees *lt, u64 *trans_seq)
{
	bool dirty = false;
	int ret;

	ret = op_start(ss);
	if (ret)
		goto out;
	ret = find_log_trees(ss, rid, lt);
	if (ret == 0 && (le64_to_cpu(lt->flags) & SCOUTFS_LOG_TREES_FINALIZED)) {
		u64 nr = le64_to_cpu(lt->nr) + 1;

		memset(lt, 0, sizeof(*lt));
		lt->nr = cpu_to_le64(nr);
	} else if (ret == -ENOENT) {
		memset(lt, 0, sizeof(*lt));
		lt->nr = cpu_to_le64(1);
		ret = 0;
	}
	if (ret == 0) {
		dirty = true;
		lt->rid = cpu_to_le64(rid);
		lt->data_avail.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
		lt->data_freed.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
		ret = take_client_freed(ss, lt) ?:
		      fill_client_avail(ss, lt) ?:
		      take_client_data_freed(ss, &lt->data_freed) ?:
		      fill_client_data(ss, lt) ?:
		      store_log_trees(ss, lt);
		*trans_seq = ss->seq;
	}
	ret = op_finish(ss, ret, dirty);
out:
	if (ret)
		log_err(ss, "opening a log tree", ret);
	return ret;
}

/*
 * Count a commit into rid's open tree, and the blocks the tree grew by
 * (taken from its avail list, less those it freed); true when it's time
 * to finalize it: after FINALIZE_COMMITS commits, once it has grown by
 * half the floor that merging it draws on, or at every commit while free
 * metadata is short, since only merges return the blocks of what was
 * removed.  Kept in memory: a new server counts from its start.
 */
#define COMMITS_BITS	8
static bool count_commit(struct scoutfs_server_state *ss, u64 rid,
			 const struct scoutfs_log_trees *was, const struct scoutfs_log_trees *now)
{
	void *entry = xa_load(&ss->commits, rid);
	unsigned long v = entry ? xa_to_value(entry) : 0;
	unsigned long n = (v & ((1UL << COMMITS_BITS) - 1)) + 1;
	unsigned long grown = v >> COMMITS_BITS;
	u64 used = le64_to_cpu(was->meta_avail.total_nr) -
		   min(le64_to_cpu(was->meta_avail.total_nr), le64_to_cpu(now->meta_avail.total_nr));
	u64 freed = le64_to_cpu(now->meta_freed.total_nr);

	if (used > freed)
		grown += used - freed;
	if (n >= FINALIZE_COMMITS || grown >= meta_floor(ss) / 2 ||
	    le64_to_cpu(ss->super.meta_alloc[0].total_len) < 2 * meta_floor(ss)) {
		xa_erase(&ss->commits, rid);
		return true;
	}
	grown = min_t(unsigned long, grown, ULONG_MAX >> (COMMITS_BITS + 2));
	xa_store(&ss->commits, rid, xa_mk_value((grown << COMMITS_BITS) | n), GFP_NOFS);
	return false;
}

/*
 * Finalize lt: store it finalized (its lists move to the next tree) and
 * make *next the mount's new empty open tree.
 */
static int finalize(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt,
		    struct scoutfs_log_trees *next)
{
	memset(next, 0, sizeof(*next));
	next->meta_avail = lt->meta_avail;
	next->meta_freed = lt->meta_freed;
	next->data_avail = lt->data_avail;
	next->data_freed = lt->data_freed;
	next->rid = lt->rid;
	next->nr = cpu_to_le64(le64_to_cpu(lt->nr) + 1);

	memset(&lt->meta_avail, 0, sizeof(lt->meta_avail));
	memset(&lt->meta_freed, 0, sizeof(lt->meta_freed));
	memset(&lt->data_avail.root, 0, sizeof(lt->data_avail.root));
	lt->data_avail.total_len = 0;
	memset(&lt->data_freed.root, 0, sizeof(lt->data_freed.root));
	lt->data_freed.total_len = 0;
	lt->flags = cpu_to_le64(le64_to_cpu(lt->flags) | SCOUTFS_LOG_TREES_FINALIZED);
	return store_log_trees(ss, lt);
}

/*
 * Whether lt was recorded and then finalized: its record is finalized
 * with lt's root, or it's gone because the merge already took it (a
 * mount only ever commits its newest tree, so a missing older record
 * can only have been merged).
 */
static bool finalized_matches(struct scoutfs_server_state *ss,
			      const struct scoutfs_log_trees *lt)
{
	struct scoutfs_log_trees rec;
	struct scoutfs_key key;
	unsigned int len = sizeof(rec);
	int ret;

	log_trees_key(&key, le64_to_cpu(lt->rid), le64_to_cpu(lt->nr));
	ret = scoutfs_btree_lookup(ss->bc, &ss->super.logs_root, &key, &rec, &len, NULL, NULL);
	if (ret == -ENOENT)
		return true;
	return ret == 0 && len == sizeof(rec) &&
	       (le64_to_cpu(rec.flags) & SCOUTFS_LOG_TREES_FINALIZED) &&
	       !memcmp(&rec.item_root, &lt->item_root, sizeof(rec.item_root));
}

int scoutfs_server_commit_log_trees(struct scoutfs_server_state *ss, u64 rid,
				    const struct scoutfs_log_trees *lt,
				    struct scoutfs_log_trees *next, u64 *trans_seq,
				    bool *finalized)
{
	struct scoutfs_log_trees committed = *lt;
	struct scoutfs_log_trees cur;
	bool dirty = false;
	int ret;

	*finalized = false;
	if (le64_to_cpu(lt->rid) != rid)
		return -EINVAL;

	ret = op_start(ss);
	if (ret)
		goto out;
	ret = find_log_trees(ss, rid, &cur);
	if (ret == -ENOENT)
		ret = -ESTALE;
	if (ret)
		goto finish;
	if (cur.nr == lt->nr && cur.trans_seq == lt->trans_seq &&
	    !memcmp(&cur.item_root, &lt->item_root, sizeof(cur.item_root))) {
		/* a resent commit that was already recorded */
		*next = cur;
		*trans_seq = ss->seq;
		goto finish;
	}
	if (le64_to_cpu(cur.nr) == le64_to_cpu(lt->nr) + 1 && cur.trans_seq == 0 &&
	    finalized_matches(ss, lt)) {
		/* a resent commit that finalized the tree: the new tree is the answer */
		*next = cur;
		*trans_seq = ss->seq;
		goto finish;
	}
	if (cur.nr != lt->nr || (le64_to_cpu(cur.flags) & SCOUTFS_LOG_TREES_FINALIZED) ||
	    le64_to_cpu(lt->trans_seq) > ss->seq) {
		ret = -ESTALE;
		goto finish;
	}

	dirty = true;
	committed.flags = cur.flags;
	/* versions given later must be above every version it wrote */
	if (le64_to_cpu(lt->max_item_seq) >= le64_to_cpu(ss->super.next_seq))
		ss->super.next_seq = cpu_to_le64(le64_to_cpu(lt->max_item_seq) + 1);
	if (count_commit(ss, rid, &cur, lt)) {
		ret = finalize(ss, &committed, next);
		*finalized = ret == 0;
	} else {
		*next = committed;
	}
	if (ret == 0)
		ret = take_client_freed(ss, next) ?:
		      fill_client_avail(ss, next) ?:
		      take_client_data_freed(ss, &next->data_freed) ?:
		      fill_client_data(ss, next) ?:
		      store_log_trees(ss, next);
	*trans_seq = ss->seq;
finish:
	ret = op_finish(ss, ret, dirty);
out:
	if (ret && ret != -ESTALE)
		log_err(ss, "recording a committed log tree", ret);
	return ret;
}

int scoutfs_server_finalize_log_trees(struct scoutfs_server_state *ss, u64 rid)
{
	struct scoutfs_log_trees cur;
	struct scoutfs_log_trees next;
	struct scoutfs_key key;
	bool dirty = false;
	int ret;

	ret = op_start(ss);
	if (ret)
		goto out;
	ret = find_log_trees(ss, rid, &cur);
	if (ret || (le64_to_cpu(cur.flags) & SCOUTFS_LOG_TREES_FINALIZED))
		goto finish;

	dirty = true;
	if (cur.item_root.height > 0) {
		/* its items wait to be merged; its lists come back below */
		ret = finalize(ss, &cur, &next);
	} else {
		/* nothing to merge: the record goes */
		next = cur;
		log_trees_key(&key, rid, le64_to_cpu(cur.nr));
		ret = scoutfs_btree_delete(&ss->alloc, &ss->super.logs_root, &key);
	}
	/* the mount is gone: its unused and freed blocks return to the server */
	if (ret == 0)
		ret = scoutfs_meta_alloc_take_list(&ss->alloc, &next.meta_avail) ?:
		      scoutfs_meta_alloc_take_list(&ss->alloc, &next.meta_freed) ?:
		      take_client_data_freed(ss, &next.data_avail) ?:
		      take_client_data_freed(ss, &next.data_freed);
finish:
	if (ret == -ENOENT)
		ret = 0;
	xa_erase(&ss->commits, rid);
	ret = op_finish(ss, ret, dirty);
out:
	if (ret)
		log_err(ss, "finalizing a log tree", ret);
	return ret;
}

u64 scoutfs_server_take_seq(struct scoutfs_server_state *ss)
{
	u64 seq;

	mutex_lock(&ss->mutex);
	seq = le64_to_cpu(ss->super.next_seq);
	le64_add_cpu(&ss->super.next_seq, 1);
	mutex_unlock(&ss->mutex);
	return seq;
}

void scoutfs_server_get_roots(struct scoutfs_server_state *ss, struct scoutfs_net_roots *roots)
{
	mutex_lock(&ss->mutex);
	roots->fs_root = ss->stable.fs_root;
	roots->logs_root = ss->stable.logs_root;
	roots->seq = ss->stable.hdr.seq;
	mutex_unlock(&ss->mutex);
}

struct scoutfs_server_state *scoutfs_server_state_create(struct block_device *meta_bdev,
							 struct scoutfs_block_cache *bc,
							 u64 fsid)
{
	struct scoutfs_server_state *ss;
	int ret;

	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	if (!ss)
		return ERR_PTR(-ENOMEM);
	ss->meta_bdev = meta_bdev;
	ss->bc = bc;
	ss->fsid = fsid;
	mutex_init(&ss->mutex);
	INIT_LIST_HEAD(&ss->waiters);
	init_waitqueue_head(&ss->waitq);
	xa_init(&ss->commits);
	/* the leader reads the newest superblock: the last server may have moved on */
	ret = scoutfs_read_meta_super(meta_bdev, fsid, &ss->super);
	if (ret) {
		kfree(ss);
		return ERR_PTR(ret);
	}
	ss->stable = ss->super;
	return ss;
}

void scoutfs_server_state_destroy(struct scoutfs_server_state *ss)
{
	if (!ss)
		return;
	xa_destroy(&ss->commits);
	kfree(ss);
}
