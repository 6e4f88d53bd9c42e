/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_ITEMS_ITEM_H_
#define _SCOUTFS_ITEMS_ITEM_H_

#include <linux/types.h>

#include "format/format.h"

struct scoutfs_forest;
struct scoutfs_item_cache;
struct scoutfs_meta_alloc;

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
void scoutfs_item_cache_destroy(struct scoutfs_item_cache *ic);

int scoutfs_item_lookup(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			void *val, unsigned int *val_len);
/* the first item in [*key, *last], its key returned in *key */
int scoutfs_item_next(struct scoutfs_item_cache *ic, struct scoutfs_key *key,
		      const struct scoutfs_key *last, void *val, unsigned int *val_len);

/* -EEXIST if the key exists */
int scoutfs_item_create(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len);
/* create or replace, without looking */
int scoutfs_item_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
		       const void *val, unsigned int val_len);
/* -ENOENT if the key doesn't exist */
int scoutfs_item_update(struct scoutfs_item_cache *ic, const struct scoutfs_key *key,
			const void *val, unsigned int val_len);
int scoutfs_item_delete(struct scoutfs_item_cache *ic, const struct scoutfs_key *key);
/* delete without looking: the caller knows the key exists */
int scoutfs_item_delete_force(struct scoutfs_item_cache *ic, const struct scoutfs_key *key);

/* bytes of changes held, for the transaction's commit triggers */
u64 scoutfs_item_dirty_bytes(struct scoutfs_item_cache *ic);

/*
 * Commit support, called with changes excluded: write every change into
 * root with seq (deletions as deletion items); the greatest seq written
 * is returned in *max_seq.  After the commit is durable the changes are
 * dropped with scoutfs_item_commit_done(), once the forest reads them.
 */
int scoutfs_item_write_dirty(struct scoutfs_item_cache *ic, struct scoutfs_meta_alloc *alloc,
			     struct scoutfs_btree_root *root, u64 seq);
void scoutfs_item_commit_done(struct scoutfs_item_cache *ic);

#endif
