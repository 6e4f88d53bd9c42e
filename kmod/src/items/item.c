// SPDX-License-Identifier: GPL-2.0
/*
 * The changes of a mount's open transaction (items/item.h).
 *
 * Changed items live in an rbtree ordered by key, each with its new
 * value or marked deleted.  Readers look there first and fall back to
 * the forest; iteration merges the two, a deleted change hiding the
 * forest's item.  A spinlock would do for the tree, but lookups copy
 * values while the commit walks the tree, so a rwlock-like rwsem keeps
 * the commit's walk and readers concurrent while changes are excluded
 * by the transaction.
 */
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/btree_cow.h"
#include "format/key.h"
#include "items/forest.h"
#include "items/item.h"
#include "storage/btree.h"

struct scoutfs_item_cache {
	struct scoutfs_forest *forest;
	u64 trans_seq;
	struct rw_semaphore rwsem;
	struct rb_root dirty;
	u64 dirty_bytes;
	struct rb_root committed;	/* dropped changes, to be freed */
};

struct dirty_item {
	struct rb_node node;
	struct scoutfs_key key;
	u64 seq;
	bool deleted;
	bool fresh;		/* no committed version beneath: a deletion needs no item */
	unsigned int val_len;
	u8 val[];
};

enum access { READ_ACCESS, CHANGE_ACCESS, BLIND_ACCESS };

/* a key outside its lock or a mode that doesn't allow the access is a bug */
static int covered(const struct scoutfs_item_lock *lock, const struct scoutfs_key *key,
		   enum access access)
{
	bool ok;

	if (WARN_ON_ONCE(!lock))
		return -EINVAL;
	switch (access) {
	case READ_ACCESS:
		ok = lock->mode == SCOUTFS_LOCK_READ || lock->mode == SCOUTFS_LOCK_WRITE;
		break;
	case CHANGE_ACCESS:
		ok = lock->mode == SCOUTFS_LOCK_WRITE;
		break;
	default:
		ok = lock->mode == SCOUTFS_LOCK_WRITE || lock->mode == SCOUTFS_LOCK_WRITE_ONLY;
		break;
	}
	if (WARN_ON_ONCE(!ok || scoutfs_key_compare(key, &lock->start) < 0 ||
			 scoutfs_key_compare(key, &lock->end) > 0))
		return -EINVAL;
	return 0;
}

static unsigned int item_bytes(unsigned int val_len)
{
	return sizeof(struct dirty_item) + val_len;
}

void scoutfs_item_set_trans_seq(struct scoutfs_item_cache *ic, u64 seq)
{
	WRITE_ONCE(ic->trans_seq, seq);
}

struct scoutfs_item_cache *scoutfs_item_cache_create(struct scoutfs_forest *forest)
{
	struct scoutfs_item_cache *ic;

	ic = kzalloc(sizeof(*ic), GFP_KERNEL);
	if (!ic)
		return NULL;
	ic->forest = forest;
	init_rwsem(&ic->rwsem);
	ic->dirty = RB_ROOT;
	ic->committed = RB_ROOT;
	return ic;
}

static void free_tree(struct rb_root *root)
{
	struct dirty_item *di;
	struct dirty_item *tmp;

	rbtree_postorder_for_each_entry_safe(di, tmp, root, node)
		kfree(di);
	*root = RB_ROOT;
}

void scoutfs_item_cache_destroy(struct scoutfs_item_cache *ic)
{
	if (!ic)
		return;
	free_tree(&ic->dirty);
	free_tree(&ic->committed);
	kfree(ic);
}

/* the change for key, or with next set the first change at or after key */
static struct dirty_item *find(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			       bool next)
{
	struct rb_node *n = ic->dirty.rb_node;
	struct dirty_item *after = NULL;
	struct dirty_item *di;
	int cmp;

	while (n) {
		di = rb_entry(n, struct dirty_item, node);
		cmp = scoutfs_key_compare(key, &di->key);
		if (cmp < 0) {
			after = di;
			n = n->rb_left;
		} else if (cmp > 0) {
			n = n->rb_right;
		} else {
			return di;
		}
	}
	return next ? after : NULL;
}

static int copy_val(const struct dirty_item *di, void *val, unsigned int *val_len)
{
	if (val && *val_len)
		memcpy(val, di->val, min(*val_len, di->val_len));
	if (val_len)
		*val_len = di->val_len;
	return 0;
}

int scoutfs_item_lookup(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			void *val, unsigned int *val_len, const struct scoutfs_item_lock *lock)
{
	struct dirty_item *di;
	int ret;

	ret = covered(lock, key, READ_ACCESS);
	if (ret)
		return ret;

	down_read(&ic->rwsem);
	di = find(ic, key, false);
	if (di)
		ret = di->deleted ? -ENOENT : copy_val(di, val, val_len);
	else
		ret = scoutfs_forest_lookup(ic->forest, key, val, val_len);
	up_read(&ic->rwsem);
	return ret;
}

int scoutfs_item_next(struct scoutfs_item_cache *ic, struct scoutfs_key *key,
		      const struct scoutfs_key *last, void *val, unsigned int *val_len,
		      const struct scoutfs_item_lock *lock)
{
	unsigned int size = val_len ? *val_len : 0;
	struct scoutfs_key fkey;
	struct dirty_item *di;
	int fret;
	int ret;

	ret = covered(lock, key, READ_ACCESS) ?: covered(lock, last, READ_ACCESS);
	if (ret)
		return ret;

	down_read(&ic->rwsem);
	for (;;) {
		di = find(ic, key, true);
		if (di && scoutfs_key_compare(&di->key, last) > 0)
			di = NULL;

		/* the forest's next item before the next change, if any */
		fkey = *key;
		if (val_len)
			*val_len = size;
		fret = scoutfs_forest_next(ic->forest, &fkey,
					   di ? &di->key : last, val, val_len);
		if (fret && fret != -ENOENT) {
			ret = fret;
			break;
		}
		if (fret == 0 && (!di || scoutfs_key_compare(&fkey, &di->key) < 0)) {
			*key = fkey;
			ret = 0;
			break;
		}
		if (!di) {
			ret = -ENOENT;
			break;
		}
		/* the change at di's key wins over the forest's version */
		if (!di->deleted) {
			*key = di->key;
			if (val_len)
				*val_len = size;
			ret = copy_val(di, val, val_len);
			break;
		}
		*key = di->key;
		if (!scoutfs_key_inc(key) || scoutfs_key_compare(key, last) > 0) {
			ret = -ENOENT;
			break;
		}
	}
	up_read(&ic->rwsem);
	return ret;
}

/*
 * Record a change, replacing any earlier change of the key.  fresh says
 * whether the forest has no version of a key without an earlier change.
 * Deleting a key that only this transaction created leaves nothing to
 * hide, so the change just goes: a file growing one block at a time
 * renames its extent's item (keyed by its last block) at every block,
 * and deletion items for all the names in between would be written
 * and then skipped by every read until a merge.
 */
static int change(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
		  bool deleted, const void *val, unsigned int val_len, u64 seq, bool fresh)
{
	struct rb_node **p = &ic->dirty.rb_node;
	struct rb_node *parent = NULL;
	struct dirty_item *di;
	struct dirty_item *old;
	int cmp;

	if (WARN_ON_ONCE(val_len > SCOUTFS_BTREE_MAX_VAL_LEN))
		return -EINVAL;
	di = kmalloc(item_bytes(val_len), GFP_NOFS);
	if (!di)
		return -ENOMEM;
	di->key = *key;
	di->seq = seq;
	di->deleted = deleted;
	di->fresh = fresh;
	di->val_len = val_len;
	if (val_len)
		memcpy(di->val, val, val_len);

	while (*p) {
		parent = *p;
		old = rb_entry(parent, struct dirty_item, node);
		cmp = scoutfs_key_compare(key, &old->key);
		if (cmp < 0) {
			p = &parent->rb_left;
		} else if (cmp > 0) {
			p = &parent->rb_right;
		} else {
			ic->dirty_bytes -= item_bytes(old->val_len);
			if (deleted && old->fresh) {
				rb_erase(&old->node, &ic->dirty);
				kfree(di);
			} else {
				di->fresh = old->fresh;
				rb_replace_node(&old->node, &di->node, &ic->dirty);
				ic->dirty_bytes += item_bytes(val_len);
			}
			kfree(old);
			return 0;
		}
	}
	rb_link_node(&di->node, parent, p);
	rb_insert_color(&di->node, &ic->dirty);
	ic->dirty_bytes += item_bytes(val_len);
	return 0;
}

static int exists(struct scoutfs_item_cache *ic, const struct scoutfs_key *key)
{
	struct dirty_item *di = find(ic, key, false);
	unsigned int len = 0;
	int ret;

	if (di)
		return !di->deleted;
	ret = scoutfs_forest_lookup(ic->forest, key, NULL, &len);
	if (ret == -ENOENT)
		return 0;
	return ret ? ret : 1;
}

static int change_if(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
		     int want_exists, int err, bool deleted, const void *val,
		     unsigned int val_len, const struct scoutfs_item_lock *lock)
{
	u64 seq;
	int ret;

	ret = covered(lock, key, want_exists < 0 ? BLIND_ACCESS : CHANGE_ACCESS);
	if (ret)
		return ret;
	/* newer than anything written under earlier grants of the lock */
	seq = max(READ_ONCE(ic->trans_seq), lock->write_seq);

	down_write(&ic->rwsem);
	ret = want_exists < 0 ? 1 : exists(ic, key);
	if (ret >= 0) {
		if (want_exists >= 0 && ret != want_exists)
			ret = err;
		else
			/* a create found no version: none is beneath it */
			ret = change(ic, key, deleted, val, val_len, seq, want_exists == 0);
	}
	up_write(&ic->rwsem);
	return ret;
}

int scoutfs_item_create(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len,
			const struct scoutfs_item_lock *lock)
{
	return change_if(ic, key, 0, -EEXIST, false, val, val_len, lock);
}

int scoutfs_item_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
		       const void *val, unsigned int val_len,
		       const struct scoutfs_item_lock *lock)
{
	return change_if(ic, key, -1, 0, false, val, val_len, lock);
}

int scoutfs_item_update(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len,
			const struct scoutfs_item_lock *lock)
{
	return change_if(ic, key, 1, -ENOENT, false, val, val_len, lock);
}

int scoutfs_item_delete(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const struct scoutfs_item_lock *lock)
{
	return change_if(ic, key, 1, -ENOENT, true, NULL, 0, lock);
}

int scoutfs_item_delete_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			      const struct scoutfs_item_lock *lock)
{
	return change_if(ic, key, -1, 0, true, NULL, 0, lock);
}

u64 scoutfs_item_dirty_bytes(struct scoutfs_item_cache *ic)
{
	return READ_ONCE(ic->dirty_bytes);
}

/* the dirty items in key order, for the sorted force of a commit */
struct dirty_walk {
	struct rb_node *next;
	u64 max_seq;
};

static int next_dirty(void *arg, struct scoutfs_btree_cow_src *src)
{
	struct dirty_walk *dw = arg;
	struct dirty_item *di;

	if (!dw->next)
		return -ENOENT;
	di = rb_entry(dw->next, struct dirty_item, node);
	dw->next = rb_next(dw->next);
	dw->max_seq = max(dw->max_seq, di->seq);
	src->key = &di->key;
	src->seq = di->seq;
	src->flags = di->deleted ? SCOUTFS_ITEM_FLAG_DELETION : 0;
	src->val = di->deleted ? NULL : di->val;
	src->val_len = di->deleted ? 0 : di->val_len;
	return 0;
}

int scoutfs_item_write_dirty(struct scoutfs_item_cache *ic, struct scoutfs_meta_alloc *alloc,
			     struct scoutfs_btree_root *root, u64 *max_seq)
{
	struct dirty_walk dw = { .max_seq = *max_seq };
	int ret;

	down_read(&ic->rwsem);
	dw.next = rb_first(&ic->dirty);
	ret = scoutfs_btree_force_sorted(alloc, root, next_dirty, &dw);
	up_read(&ic->rwsem);
	*max_seq = dw.max_seq;
	return ret;
}

void scoutfs_item_commit_done(struct scoutfs_item_cache *ic)
{
	down_write(&ic->rwsem);
	/* a commit's changes are many: freed once holders are going again */
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&ic->committed));
	ic->committed = ic->dirty;
	ic->dirty = RB_ROOT;
	ic->dirty_bytes = 0;
	up_write(&ic->rwsem);
}

void scoutfs_item_free_committed(struct scoutfs_item_cache *ic)
{
	struct rb_root committed;

	down_write(&ic->rwsem);
	committed = ic->committed;
	ic->committed = RB_ROOT;
	up_write(&ic->rwsem);
	free_tree(&committed);
}
