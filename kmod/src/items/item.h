/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_ITEMS_ITEM_H_
#define _SCOUTFS_ITEMS_ITEM_H_

#include <linux/types.h>

#include "format/format.h"
#include "format/wire.h"

struct scoutfs_forest;
struct scoutfs_item_cache;
struct scoutfs_meta_alloc;

/*
 * What an item operation needs to know about the cluster lock covering
 * it (cluster/lock.h embeds this): its key range, the mode held
 * (SCOUTFS_LOCK_* in format/wire.h) and the version the grant carries.
 * Reads need READ or WRITE; changes that look at the current item
 * (create, update, delete) need WRITE; blind changes (force,
 * delete_force) need WRITE or WRITE_ONLY.  Items changed under a lock
 * get max(transaction seq, write_seq) as their version.
 */
struct scoutfs_item_lock {
	struct scoutfs_key start;
	struct scoutfs_key end;
	u8 mode;
	u64 write_seq;
};

/*
 * A mount's items: the changes of its open transaction, held in memory,
 * over the persistent items of the forest.  Reads see the changes;
 * changes must be made while holding the transaction (items/trans.h),
 * which writes them into the mount's log tree at commit.
 *
 * Values are at most SCOUTFS_BTREE_MAX_VAL_LEN bytes.  Lookups copy up
 * to *val_len bytes and set *val_len to the value's length.
 */
struct scoutfs_item_cache *scoutfs_item_cache_create(struct scoutfs_forest *forest);
/* the open transaction's version (set by the transaction as it opens) */
void scoutfs_item_set_trans_seq(struct scoutfs_item_cache *ic, u64 seq);
void scoutfs_item_cache_destroy(struct scoutfs_item_cache *ic);

int scoutfs_item_lookup(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			void *val, unsigned int *val_len, const struct scoutfs_item_lock *lock);
/* the first item in [*key, *last] (last within the lock), its key returned in *key */
int scoutfs_item_next(struct scoutfs_item_cache *ic, struct scoutfs_key *key,
		      const struct scoutfs_key *last, void *val, unsigned int *val_len,
		      const struct scoutfs_item_lock *lock);

/* -EEXIST if the key exists */
int scoutfs_item_create(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len,
			const struct scoutfs_item_lock *lock);
/* create or replace, without looking */
int scoutfs_item_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
		       const void *val, unsigned int val_len,
		       const struct scoutfs_item_lock *lock);
/* -ENOENT if the key doesn't exist */
int scoutfs_item_update(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len,
			const struct scoutfs_item_lock *lock);
int scoutfs_item_delete(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const struct scoutfs_item_lock *lock);
/* delete without looking: the caller knows the key exists */
int scoutfs_item_delete_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			      const struct scoutfs_item_lock *lock);

/* bytes of changes held, for the transaction's commit triggers */
u64 scoutfs_item_dirty_bytes(struct scoutfs_item_cache *ic);

/*
 * Commit support, called with changes excluded: write every change into
 * root with its version (deletions as deletion items); the greatest
 * version written is returned in *max_seq.  After the commit is durable
 * the changes are dropped with scoutfs_item_commit_done(), once the
 * forest reads them, and their memory freed by
 * scoutfs_item_free_committed() once changes are allowed again.
 */
int scoutfs_item_write_dirty(struct scoutfs_item_cache *ic, struct scoutfs_meta_alloc *alloc,
			     struct scoutfs_btree_root *root, u64 *max_seq);
void scoutfs_item_commit_done(struct scoutfs_item_cache *ic);
void scoutfs_item_free_committed(struct scoutfs_item_cache *ic);

#endif
