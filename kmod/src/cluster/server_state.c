// SPDX-License-Identifier: GPL-2.0
/*
 * The server's persistent state and its commits (cluster/server_state.h).
 *
 * Each operation runs as one server transaction:
 *
 *  1. begin: take the next seq, load the server's own block lists, put
 *     the blocks the previous commit freed (durable now) back into the
 *     metadata allocator tree, and top up the server's avail list;
 *  2. the operation changes trees in the in-memory superblock, copying
 *     blocks on write from the server's avail list;
 *  3. end: write the server's lists, write the dirty blocks and flush,
 *     then write the superblock.  On any failure the dirty blocks are
 *     dropped and the superblock copy from before the transaction is
 *     restored: the devices still hold the previous commit.
 *
 * Only meta_alloc[0], server_meta_avail[0] and server_meta_freed[0] are
 * used; freed blocks wait on the freed list for one commit, so the
 * allocator tree is never both the source of the blocks that change it
 * and the destination of blocks still in use.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
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
/* inode numbers per request, at most */
#define INODES_MAX		4096
/* a mount's log tree is finalized (and merged) after this many commits */
#define FINALIZE_COMMITS	16

struct scoutfs_server_state {
	struct block_device *meta_bdev;
	struct scoutfs_block_cache *bc;
	u64 fsid;
	struct mutex mutex;
	struct scoutfs_super_block super;
	/* the current transaction, under the mutex */
	struct scoutfs_super_block before;
	struct scoutfs_block_writer wri;
	struct scoutfs_meta_alloc alloc;
	u64 seq;
	/* commits into each mount's open log tree, by rid (not persistent) */
	struct xarray commits;
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

static int commit_begin(struct scoutfs_server_state *ss)
{
	static const struct scoutfs_alloc_list_head empty;
	u64 *durable = NULL;
	u32 nr_durable = 0;
	u32 avail;
	int ret;

	mutex_lock(&ss->mutex);
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
	if (ret)
		log_err(ss, "starting a commit", ret);
	return ret;
}

static int commit_end(struct scoutfs_server_state *ss, int ret)
{
	if (ret == 0)
		ret = scoutfs_meta_alloc_write_lists(&ss->alloc, &ss->super.server_meta_avail[0],
						     &ss->super.server_meta_freed[0]);
	if (ret == 0)
		ret = scoutfs_block_writer_write(ss->bc, &ss->wri);
	if (ret == 0)
		ret = scoutfs_write_super(ss->meta_bdev, &ss->super);
	if (ret) {
		scoutfs_block_writer_forget_all(ss->bc, &ss->wri);
		ss->super = ss->before;
	}
	scoutfs_meta_alloc_destroy(&ss->alloc);
	mutex_unlock(&ss->mutex);
	return ret;
}

int scoutfs_server_txn_begin(struct scoutfs_server_state *ss, struct scoutfs_server_txn *txn)
{
	int ret = commit_begin(ss);

	txn->super = &ss->super;
	txn->alloc = &ss->alloc;
	txn->bc = ss->bc;
	txn->seq = ss->seq;
	if (ret)
		commit_end(ss, ret);
	return ret;
}

int scoutfs_server_txn_end(struct scoutfs_server_state *ss, int ret)
{
	return commit_end(ss, ret);
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
	ret = commit_begin(ss);
	if (ret == 0) {
		mounted_key(&key, rid);
		ret = scoutfs_btree_force(&ss->alloc, &ss->super.mounted_clients_root, &key,
					  ss->seq, 0, &mc, sizeof(mc));
	}
	ret = commit_end(ss, ret);
	if (ret)
		log_err(ss, "recording a mounted client", ret);
	return ret;
}

int scoutfs_server_unmount_client(struct scoutfs_server_state *ss, u64 rid)
{
	struct scoutfs_key key;
	int ret;

	ret = commit_begin(ss);
	if (ret == 0) {
		mounted_key(&key, rid);
		ret = scoutfs_btree_delete(&ss->alloc, &ss->super.mounted_clients_root, &key);
		if (ret == -ENOENT)
			ret = 0;
	}
	ret = commit_end(ss, ret);
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
	ret = commit_begin(ss);
	if (ret == 0) {
		next = le64_to_cpu(ss->super.next_ino);
		if (next > U64_MAX - want) {
			ret = -ENOSPC;
		} else {
			*first = next;
			*nr = want;
			ss->super.next_ino = cpu_to_le64(next + want);
		}
	}
	ret = commit_end(ss, ret);
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

/* rewrite a mount's avail list with at least CLIENT_AVAIL_TARGET blocks */
static int fill_client_avail(struct scoutfs_server_state *ss, struct scoutfs_log_trees *lt)
{
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
	if (af.nr < CLIENT_AVAIL_TARGET) {
		ret = alloc_from_tree(ss, CLIENT_AVAIL_TARGET - af.nr, add_client_avail, &af);
		/* a mount can work with less; only nothing at all is out of space */
		if (ret == -ENOSPC && af.nr > 0)
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
	int ret;

	ret = commit_begin(ss);
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
	if (ret)
		goto out;
	lt->rid = cpu_to_le64(rid);
	lt->data_avail.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
	lt->data_freed.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
	ret = take_client_freed(ss, lt) ?:
	      fill_client_avail(ss, lt) ?:
	      store_log_trees(ss, lt);
	*trans_seq = ss->seq;
out:
	ret = commit_end(ss, ret);
	if (ret)
		log_err(ss, "opening a log tree", ret);
	return ret;
}

/* count a commit into rid's open tree; true when it's time to finalize it */
static bool count_commit(struct scoutfs_server_state *ss, u64 rid)
{
	void *entry = xa_load(&ss->commits, rid);
	unsigned long n = entry ? xa_to_value(entry) + 1 : 1;

	if (n >= FINALIZE_COMMITS) {
		xa_erase(&ss->commits, rid);
		return true;
	}
	xa_store(&ss->commits, rid, xa_mk_value(n), GFP_NOFS);
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
	int ret;

	*finalized = false;
	if (le64_to_cpu(lt->rid) != rid)
		return -EINVAL;

	ret = commit_begin(ss);
	if (ret)
		goto out;
	ret = find_log_trees(ss, rid, &cur);
	if (ret == -ENOENT)
		ret = -ESTALE;
	if (ret)
		goto out;
	if (cur.nr == lt->nr && cur.trans_seq == lt->trans_seq &&
	    !memcmp(&cur.item_root, &lt->item_root, sizeof(cur.item_root))) {
		/* a resent commit that was already recorded */
		*next = cur;
		*trans_seq = ss->seq;
		goto out;
	}
	if (le64_to_cpu(cur.nr) == le64_to_cpu(lt->nr) + 1 && cur.trans_seq == 0 &&
	    finalized_matches(ss, lt)) {
		/* a resent commit that finalized the tree: the new tree is the answer */
		*next = cur;
		*trans_seq = ss->seq;
		goto out;
	}
	if (cur.nr != lt->nr || (le64_to_cpu(cur.flags) & SCOUTFS_LOG_TREES_FINALIZED) ||
	    le64_to_cpu(lt->trans_seq) > ss->seq) {
		ret = -ESTALE;
		goto out;
	}

	committed.flags = cur.flags;
	if (count_commit(ss, rid)) {
		ret = finalize(ss, &committed, next);
		*finalized = ret == 0;
	} else {
		*next = committed;
	}
	if (ret == 0)
		ret = take_client_freed(ss, next) ?:
		      fill_client_avail(ss, next) ?:
		      store_log_trees(ss, next);
	*trans_seq = ss->seq;
out:
	ret = commit_end(ss, ret);
	if (ret && ret != -ESTALE)
		log_err(ss, "recording a committed log tree", ret);
	return ret;
}

int scoutfs_server_finalize_log_trees(struct scoutfs_server_state *ss, u64 rid)
{
	struct scoutfs_log_trees cur;
	struct scoutfs_log_trees next;
	struct scoutfs_key key;
	int ret;

	ret = commit_begin(ss);
	if (ret == 0)
		ret = find_log_trees(ss, rid, &cur);
	if (ret || (le64_to_cpu(cur.flags) & SCOUTFS_LOG_TREES_FINALIZED))
		goto out;

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
		      scoutfs_meta_alloc_take_list(&ss->alloc, &next.meta_freed);
out:
	if (ret == -ENOENT)
		ret = 0;
	xa_erase(&ss->commits, rid);
	ret = commit_end(ss, ret);
	if (ret)
		log_err(ss, "finalizing a log tree", ret);
	return ret;
}

u64 scoutfs_server_next_seq(struct scoutfs_server_state *ss)
{
	u64 seq;

	mutex_lock(&ss->mutex);
	seq = le64_to_cpu(ss->super.next_seq);
	mutex_unlock(&ss->mutex);
	return seq;
}

void scoutfs_server_get_roots(struct scoutfs_server_state *ss,
			      struct scoutfs_btree_root *fs_root,
			      struct scoutfs_btree_root *logs_root)
{
	mutex_lock(&ss->mutex);
	*fs_root = ss->super.fs_root;
	*logs_root = ss->super.logs_root;
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
	xa_init(&ss->commits);
	/* the leader reads the newest superblock: the last server may have moved on */
	ret = scoutfs_read_meta_super(meta_bdev, fsid, &ss->super);
	if (ret) {
		kfree(ss);
		return ERR_PTR(ret);
	}
	return ss;
}

void scoutfs_server_state_destroy(struct scoutfs_server_state *ss)
{
	if (!ss)
		return;
	xa_destroy(&ss->commits);
	kfree(ss);
}
