// SPDX-License-Identifier: GPL-2.0
/*
 * Reading items across the forest of btrees (items/forest.h).
 *
 * A lookup asks every tree for the key and keeps the version with the
 * greatest seq.  An iteration finds the smallest next key among the
 * trees, resolves its newest version the same way, and steps past keys
 * whose newest version is a deletion.  The forest holds few trees (the
 * fs tree and one log tree per mount not yet merged), so asking each one
 * is cheaper than keeping a merged index.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/key.h"
#include "items/forest.h"
#include "storage/block.h"
#include "storage/btree.h"

int scoutfs_forest_init(struct scoutfs_forest *forest,
			struct scoutfs_block_cache *blocks, u64 own_rid,
			const struct scoutfs_super_block *super)
{
	struct scoutfs_net_roots roots = {
		.fs_root = super->fs_root,
		.logs_root = super->logs_root,
		.seq = super->hdr.seq,
	};

	memset(forest, 0, sizeof(*forest));
	forest->blocks = blocks;
	forest->own_rid = own_rid;
	init_rwsem(&forest->rwsem);
	return scoutfs_forest_set_roots(forest, &roots, 0, NULL);
}

void scoutfs_forest_destroy(struct scoutfs_forest *forest)
{
	kfree(forest->log_roots);
	forest->log_roots = NULL;
	forest->nr_log_roots = 0;
}

void scoutfs_forest_set_ops(struct scoutfs_forest *forest,
			    const struct scoutfs_forest_ops *ops, void *arg)
{
	forest->ops = ops;
	forest->ops_arg = arg;
}

static void log_trees_key(struct scoutfs_key *key, u64 rid, u64 nr)
{
	memset(key, 0, sizeof(*key));
	key->sk_zone = SCOUTFS_LOG_TREES_ZONE;
	key->sk_type = SCOUTFS_LOG_TREES_TYPE;
	key->sk_first = cpu_to_le64(rid);
	key->sk_second = cpu_to_le64(nr);
}

/* the other mounts' non-empty log trees listed in logs_root, skipping (own_rid, own_nr) */
static int read_log_roots(struct scoutfs_forest *forest,
			  const struct scoutfs_btree_root *logs_root, u64 own_nr,
			  struct scoutfs_btree_root **roots_ret, unsigned int *nr_ret)
{
	struct scoutfs_btree_root *roots = NULL;
	struct scoutfs_btree_root *tmp;
	struct scoutfs_log_trees lt;
	struct scoutfs_key key;
	struct scoutfs_key last;
	unsigned int nr = 0;
	unsigned int len;
	int ret;

	log_trees_key(&key, 0, 0);
	log_trees_key(&last, U64_MAX, U64_MAX);
	for (;;) {
		len = sizeof(lt);
		ret = scoutfs_btree_next(forest->blocks, logs_root, &key, &last, &lt, &len,
					 NULL, NULL);
		if (ret == -ENOENT)
			break;
		if (ret == 0 && len != sizeof(lt))
			ret = -EIO;
		if (ret) {
			kfree(roots);
			return ret;
		}
		if (lt.item_root.height > 0 &&
		    !(le64_to_cpu(lt.rid) == forest->own_rid && le64_to_cpu(lt.nr) == own_nr)) {
			tmp = krealloc(roots, (nr + 1) * sizeof(*roots), GFP_NOFS);
			if (!tmp) {
				kfree(roots);
				return -ENOMEM;
			}
			roots = tmp;
			roots[nr++] = lt.item_root;
		}
		if (!scoutfs_key_inc(&key))
			break;
	}
	*roots_ret = roots;
	*nr_ret = nr;
	return 0;
}

/*
 * Roots older than the ones in use (an answer that was overtaken by a
 * newer one) would hide what readers have already seen: the newer roots
 * are read again instead, which a new own tree may need (its finalized
 * predecessor was skipped in the list).  The list is read outside the
 * rwsem, so it is read again if the roots or the own tree changed
 * meanwhile.
 */
static int set_roots_once(struct scoutfs_forest *forest, const struct scoutfs_net_roots *given,
			  u64 own_nr, const struct scoutfs_btree_root *own_root)
{
	struct scoutfs_net_roots roots = *given;
	struct scoutfs_btree_root *list;
	unsigned int nr;
	u64 skip_nr;
	int ret;

	for (;;) {
		down_read(&forest->rwsem);
		if (forest->have_roots &&
		    le64_to_cpu(roots.seq) < le64_to_cpu(forest->roots.seq))
			roots = forest->roots;
		skip_nr = own_root ? own_nr : forest->own_nr;
		up_read(&forest->rwsem);

		ret = read_log_roots(forest, &roots.logs_root, skip_nr, &list, &nr);
		if (ret)
			return ret;

		down_write(&forest->rwsem);
		if ((forest->have_roots &&
		     le64_to_cpu(roots.seq) < le64_to_cpu(forest->roots.seq)) ||
		    (!own_root && forest->own_nr != skip_nr)) {
			up_write(&forest->rwsem);
			kfree(list);
			continue;
		}
		forest->roots = roots;
		forest->have_roots = true;
		swap(forest->log_roots, list);
		forest->nr_log_roots = nr;
		if (own_root) {
			forest->own_nr = own_nr;
			forest->own_root = *own_root;
		}
		up_write(&forest->rwsem);
		kfree(list);
		return 0;
	}
}

int scoutfs_forest_set_roots(struct scoutfs_forest *forest, const struct scoutfs_net_roots *roots,
			     u64 own_nr, const struct scoutfs_btree_root *own_root)
{
	struct scoutfs_net_roots newer;
	int tries = 0;
	int ret;

	for (;;) {
		ret = set_roots_once(forest, roots, own_nr, own_root);
		if (ret != -ESTALE || !forest->ops || tries++ >= 10)
			return ret;
		/* the records were merged and freed meanwhile: newer ones */
		ret = forest->ops->get_roots(forest->ops_arg, &newer);
		if (ret)
			return ret;
		roots = &newer;
	}
}

void scoutfs_forest_set_own(struct scoutfs_forest *forest, u64 nr,
			    const struct scoutfs_btree_root *root)
{
	down_write(&forest->rwsem);
	forest->own_nr = nr;
	forest->own_root = *root;
	up_write(&forest->rwsem);
}

/* the roots to read, under the rwsem: fs tree, other log trees, own tree */
static unsigned int nr_roots(struct scoutfs_forest *forest)
{
	return 2 + forest->nr_log_roots;
}

static const struct scoutfs_btree_root *root_at(struct scoutfs_forest *forest, unsigned int i)
{
	if (i == 0)
		return &forest->roots.fs_root;
	if (i == 1)
		return &forest->own_root;
	return &forest->log_roots[i - 2];
}

/*
 * The tree holding the newest version of key: -ENOENT if no tree has
 * it or the newest is a deletion.
 */
static int newest(struct scoutfs_forest *forest, const struct scoutfs_key *key,
		  const struct scoutfs_btree_root **root_ret)
{
	const struct scoutfs_btree_root *root;
	u64 best_seq = 0;
	bool found = false;
	bool deleted = false;
	unsigned int i;
	u8 flags;
	u64 seq;
	int ret;

	for (i = 0; i < nr_roots(forest); i++) {
		root = root_at(forest, i);
		if (root->height == 0)
			continue;
		ret = scoutfs_btree_lookup(forest->blocks, root, key, NULL, NULL, &seq, &flags);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		if (!found || seq > best_seq) {
			found = true;
			best_seq = seq;
			deleted = flags & SCOUTFS_ITEM_FLAG_DELETION;
			*root_ret = root;
		}
	}
	return found && !deleted ? 0 : -ENOENT;
}

static int lookup_once(struct scoutfs_forest *forest,
		       const struct scoutfs_key *key, void *val,
		       unsigned int *val_len)
{
	const struct scoutfs_btree_root *root;
	int ret;

	down_read(&forest->rwsem);
	ret = newest(forest, key, &root);
	if (ret == 0)
		ret = scoutfs_btree_lookup(forest->blocks, root, key, val, val_len, NULL, NULL);
	up_read(&forest->rwsem);
	return ret;
}

static int next_once(struct scoutfs_forest *forest, struct scoutfs_key *key,
		     const struct scoutfs_key *last, void *val,
		     unsigned int *val_len)
{
	const struct scoutfs_btree_root *root;
	struct scoutfs_key least;
	struct scoutfs_key found;
	bool have;
	unsigned int i;
	int ret;

	down_read(&forest->rwsem);
	for (;;) {
		have = false;
		for (i = 0; i < nr_roots(forest); i++) {
			root = root_at(forest, i);
			if (root->height == 0)
				continue;
			found = *key;
			ret = scoutfs_btree_next(forest->blocks, root, &found, last, NULL, NULL,
						 NULL, NULL);
			if (ret == -ENOENT)
				continue;
			if (ret)
				goto out;
			if (!have || scoutfs_key_compare(&found, &least) < 0) {
				least = found;
				have = true;
			}
		}
		if (!have) {
			ret = -ENOENT;
			goto out;
		}
		ret = newest(forest, &least, &root);
		if (ret == 0) {
			*key = least;
			ret = scoutfs_btree_lookup(forest->blocks, root, key, val, val_len,
						   NULL, NULL);
			goto out;
		}
		if (ret != -ENOENT)
			goto out;
		/* deleted: look past it */
		*key = least;
		if (!scoutfs_key_inc(key) || scoutfs_key_compare(key, last) > 0) {
			ret = -ENOENT;
			goto out;
		}
	}
out:
	up_read(&forest->rwsem);
	return ret;
}

/* readers retry this often with newer roots before calling a tree damaged */
#define STALE_RETRIES 10

/* a tree was freed and reused under us: read the server's current roots */
static int refresh(struct scoutfs_forest *forest, int tries)
{
	struct scoutfs_net_roots roots;
	int ret;

	/* nobody to ask (mounting): the stale block is what it is */
	if (!forest->ops)
		return -ESTALE;
	if (tries >= STALE_RETRIES) {
		pr_err_ratelimited("scoutfs %016llx: metadata stayed stale after %d tries with new roots\n",
				   scoutfs_block_cache_fsid(forest->blocks), tries);
		return -EIO;
	}
	ret = forest->ops->get_roots(forest->ops_arg, &roots);
	if (ret == 0)
		ret = set_roots_once(forest, &roots, 0, NULL);
	return ret;
}

int scoutfs_forest_lookup(struct scoutfs_forest *forest,
			  const struct scoutfs_key *key, void *val,
			  unsigned int *val_len)
{
	unsigned int size = val_len ? *val_len : 0;
	int tries = 0;
	int ret;

	for (;;) {
		ret = lookup_once(forest, key, val, val_len);
		if (ret != -ESTALE)
			return ret;
		ret = refresh(forest, tries++);
		if (ret == -ESTALE && !forest->ops)
			return ret;
		if (ret && ret != -ESTALE)
			return ret;
		if (val_len)
			*val_len = size;
	}
}

int scoutfs_forest_next(struct scoutfs_forest *forest, struct scoutfs_key *key,
			const struct scoutfs_key *last, void *val,
			unsigned int *val_len)
{
	unsigned int size = val_len ? *val_len : 0;
	struct scoutfs_key start = *key;
	int tries = 0;
	int ret;

	for (;;) {
		ret = next_once(forest, key, last, val, val_len);
		if (ret != -ESTALE)
			return ret;
		ret = refresh(forest, tries++);
		if (ret == -ESTALE && !forest->ops)
			return ret;
		if (ret && ret != -ESTALE)
			return ret;
		*key = start;
		if (val_len)
			*val_len = size;
	}
}
