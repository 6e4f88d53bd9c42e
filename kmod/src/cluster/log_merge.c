// SPDX-License-Identifier: GPL-2.0
/*
 * Merging finalized log trees into the fs tree (cluster/log_merge.h).
 *
 * Each item of each finalized tree is written into the fs tree unless
 * the fs tree already holds a newer version of its key.  Deletions are
 * written as deletion items (tombstones), because another finalized tree
 * may hold an older version that must stay hidden.  When no tree outside
 * the merge holds items, nothing older can be left anywhere once the
 * merge is done: the tombstones this merge wrote are then removed.
 * Finally the trees' records are deleted and their blocks freed.
 *
 * Every step is idempotent (writing an item that is already merged
 * changes nothing), so a merge interrupted by a crash or a failed commit
 * is simply done again later.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cluster/log_merge.h"
#include "cluster/server_state.h"
#include "format/key.h"
#include "storage/btree.h"

/* items per server commit, and the blocks kept back for the commit's end */
#define ITEMS_PER_COMMIT	4096
#define AVAIL_RESERVE		64

static DEFINE_MUTEX(merge_mutex);

struct merge_tree {
	struct scoutfs_log_trees lt;
};

struct merge {
	struct scoutfs_server_state *ss;
	bool (*should_stop)(void *arg);
	void *stop_arg;
	struct merge_tree *trees;
	unsigned int nr_trees;
	bool others_have_items;
	/* one tree and nothing else to hide: deletions delete */
	bool direct_deletes;
	void *val;
};

static void logs_key(struct scoutfs_key *key, u64 rid, u64 nr)
{
	scoutfs_key_set(key, SCOUTFS_LOG_TREES_ZONE, rid, SCOUTFS_LOG_TREES_TYPE, nr, 0, 0);
}

/* the finalized trees, and whether any other tree has items */
static int find_trees(struct merge *m, struct scoutfs_block_cache *bc,
		      const struct scoutfs_btree_root *logs_root)
{
	struct scoutfs_log_trees lt;
	struct merge_tree *tmp;
	struct scoutfs_key key;
	struct scoutfs_key last;
	unsigned int len;
	int ret;

	logs_key(&key, 0, 0);
	logs_key(&last, U64_MAX, U64_MAX);
	for (;;) {
		len = sizeof(lt);
		ret = scoutfs_btree_next(bc, logs_root, &key, &last, &lt, &len, NULL, NULL);
		if (ret == -ENOENT)
			return 0;
		if (ret == 0 && len != sizeof(lt))
			ret = -EIO;
		if (ret)
			return ret;
		if (le64_to_cpu(lt.flags) & SCOUTFS_LOG_TREES_FINALIZED) {
			tmp = krealloc(m->trees, (m->nr_trees + 1) * sizeof(*tmp), GFP_NOFS);
			if (!tmp)
				return -ENOMEM;
			m->trees = tmp;
			m->trees[m->nr_trees++].lt = lt;
		} else if (lt.item_root.height > 0) {
			m->others_have_items = true;
		}
		if (!scoutfs_key_inc(&key))
			return 0;
	}
}

/* the tree a merged item belongs in */
static struct scoutfs_btree_root *dest_root(struct scoutfs_super_block *super,
					    const struct scoutfs_key *key)
{
	return key->sk_zone == SCOUTFS_SRCH_ZONE ? &super->srch_root : &super->fs_root;
}

/* write one log tree item into its tree unless something newer is there */
static int merge_item(struct merge *m, struct scoutfs_server_txn *txn,
		      const struct scoutfs_key *key, u64 seq, u8 flags, unsigned int len)
{
	struct scoutfs_btree_root *root = dest_root(txn->super, key);
	u64 have_seq;
	int ret;

	ret = scoutfs_btree_lookup(txn->bc, root, key, NULL, NULL, &have_seq, NULL);
	if (ret == 0 && have_seq >= seq)
		return 0;
	if (ret && ret != -ENOENT)
		return ret;
	if (m->direct_deletes && (flags & SCOUTFS_ITEM_FLAG_DELETION))
		return ret == -ENOENT ? 0 : scoutfs_btree_delete(txn->alloc, root, key);
	return scoutfs_btree_force(txn->alloc, root, key, seq, flags,
				   (flags & SCOUTFS_ITEM_FLAG_DELETION) ? NULL : m->val, len);
}

/* remove the tombstone this tree's deletion item left, if it's still that one */
static int drop_tombstone(struct merge *m, struct scoutfs_server_txn *txn,
			  const struct scoutfs_key *key, u64 seq, u8 flags, unsigned int len)
{
	struct scoutfs_btree_root *root = dest_root(txn->super, key);
	u64 have_seq;
	u8 have_flags;
	int ret;

	if (!(flags & SCOUTFS_ITEM_FLAG_DELETION))
		return 0;
	ret = scoutfs_btree_lookup(txn->bc, root, key, NULL, NULL, &have_seq, &have_flags);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (have_seq != seq || !(have_flags & SCOUTFS_ITEM_FLAG_DELETION))
		return 0;
	return scoutfs_btree_delete(txn->alloc, root, key);
}

typedef int (*item_fn)(struct merge *m, struct scoutfs_server_txn *txn,
		       const struct scoutfs_key *key, u64 seq, u8 flags, unsigned int len);

/* call fn for every item of a tree, in as many commits as it takes */
static int for_each_item(struct merge *m, const struct scoutfs_btree_root *root, item_fn fn)
{
	struct scoutfs_server_txn txn;
	struct scoutfs_key key;
	struct scoutfs_key last;
	unsigned int len;
	unsigned int n;
	bool done = false;
	u64 seq;
	u8 flags;
	int ret;

	scoutfs_key_set_zeros(&key);
	scoutfs_key_set_ones(&last);
	while (!done) {
		if (m->should_stop && m->should_stop(m->stop_arg))
			return -EINTR;
		ret = scoutfs_server_txn_begin(m->ss, &txn);
		if (ret)
			return ret;
		for (n = 0; n < ITEMS_PER_COMMIT; n++) {
			if (scoutfs_server_txn_avail(m->ss) < AVAIL_RESERVE) {
				/* a commit that can't move forward: out of space */
				if (n == 0)
					ret = -ENOSPC;
				break;
			}
			len = SCOUTFS_BTREE_MAX_VAL_LEN;
			ret = scoutfs_btree_next(txn.bc, root, &key, &last, m->val, &len,
						 &seq, &flags);
			if (ret == -ENOENT) {
				ret = 0;
				done = true;
				break;
			}
			if (ret == 0 && len > SCOUTFS_BTREE_MAX_VAL_LEN)
				ret = -EIO;
			if (ret == 0)
				ret = fn(m, &txn, &key, seq, flags, len);
			if (ret)
				break;
			if (!scoutfs_key_inc(&key)) {
				done = true;
				break;
			}
		}
		ret = scoutfs_server_txn_end(m->ss, ret);
		if (ret)
			return ret;
	}
	return 0;
}

/* delete the merged trees' records and free their blocks */
static int remove_trees(struct merge *m)
{
	struct scoutfs_server_txn txn;
	struct scoutfs_log_trees *lt;
	struct scoutfs_key key;
	unsigned int i;
	int ret;

	ret = scoutfs_server_txn_begin(m->ss, &txn);
	if (ret)
		return ret;
	for (i = 0; i < m->nr_trees && ret == 0; i++) {
		lt = &m->trees[i].lt;
		logs_key(&key, le64_to_cpu(lt->rid), le64_to_cpu(lt->nr));
		ret = scoutfs_btree_delete(txn.alloc, &txn.super->logs_root, &key) ?:
		      scoutfs_btree_free_blocks(txn.alloc, &lt->item_root);
	}
	return scoutfs_server_txn_end(m->ss, ret);
}

int scoutfs_log_merge(struct scoutfs_server_state *ss,
		      bool (*should_stop)(void *arg), void *arg)
{
	struct scoutfs_net_roots roots;
	struct merge m = { .ss = ss, .should_stop = should_stop, .stop_arg = arg };
	unsigned int i;
	int ret;

	mutex_lock(&merge_mutex);
	m.val = kmalloc(SCOUTFS_BTREE_MAX_VAL_LEN, GFP_NOFS);
	if (!m.val) {
		ret = -ENOMEM;
		goto out;
	}

	/*
	 * Commits may change the records while we read them; their blocks
	 * are only reused two commits later, and a read that comes too late
	 * fails (-ESTALE) and the merge is tried again.
	 */
	scoutfs_server_get_roots(ss, &roots);
	ret = find_trees(&m, scoutfs_server_block_cache(ss), &roots.logs_root);
	if (ret || m.nr_trees == 0)
		goto out;

	m.direct_deletes = m.nr_trees == 1 && !m.others_have_items;
	for (i = 0; i < m.nr_trees && ret == 0; i++)
		ret = for_each_item(&m, &m.trees[i].lt.item_root, merge_item);
	for (i = 0; i < m.nr_trees && ret == 0 && !m.others_have_items && !m.direct_deletes; i++)
		ret = for_each_item(&m, &m.trees[i].lt.item_root, drop_tombstone);
	if (ret == 0)
		ret = remove_trees(&m);
out:
	if (ret && ret != -EINTR)
		pr_err_ratelimited("scoutfs: server: merging %u log trees failed (%d); it will be tried again\n",
				   m.nr_trees, ret);
	kfree(m.val);
	kfree(m.trees);
	mutex_unlock(&merge_mutex);
	return ret;
}
