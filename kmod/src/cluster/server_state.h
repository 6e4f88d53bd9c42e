/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_SERVER_STATE_H_
#define _SCOUTFS_CLUSTER_SERVER_STATE_H_

#include <linux/types.h>

#include "format/wire.h"

struct block_device;
struct scoutfs_block_cache;
struct scoutfs_server_state;

/*
 * The server's persistent state: the superblock it alone writes, the
 * allocators, the log tree records and the mounted clients.  Operations
 * are serialized and commit atomically in groups: an operation's changes
 * are durable (the superblock written after the blocks) before it
 * returns 0, and on an error none of them happened.
 *
 * Requests may be resent after a reconnect, so every operation is
 * idempotent for the same input.
 */
struct scoutfs_server_state *scoutfs_server_state_create(struct block_device *meta_bdev,
							 struct scoutfs_block_cache *bc,
							 u64 fsid);
void scoutfs_server_state_destroy(struct scoutfs_server_state *ss);

/* record a mount as a member (again); flags SCOUTFS_MOUNTED_CLIENT_* */
int scoutfs_server_mount_client(struct scoutfs_server_state *ss, u64 rid, u64 flags,
				const struct scoutfs_inet_addr *addr);
/* forget a member that said farewell (its log trees stay to be merged) */
int scoutfs_server_unmount_client(struct scoutfs_server_state *ss, u64 rid);

/*
 * Call fn for every recorded mounted client, in rid order, with the
 * server's state locked (fn mustn't call the server state); stops at
 * and returns fn's first error.
 */
int scoutfs_server_for_each_mounted(struct scoutfs_server_state *ss,
				    int (*fn)(void *arg, const struct scoutfs_mounted_client *mc),
				    void *arg);

/* a range of never used inode numbers: *first .. *first + *nr - 1 */
int scoutfs_server_alloc_inodes(struct scoutfs_server_state *ss, u64 want,
				u64 *first, u64 *nr);

/*
 * The mount's open log tree (created if it has none) with its metadata
 * allocator topped up, and the seq its next transaction writes items
 * with.
 */
int scoutfs_server_get_log_trees(struct scoutfs_server_state *ss, u64 rid,
				 struct scoutfs_log_trees *lt, u64 *trans_seq);

/*
 * Record a mount's committed log tree.  Its freed blocks are taken by
 * the server and its allocator topped up: *next is what the mount's
 * next transaction starts from, written with *trans_seq.  Every so many
 * commits the tree is finalized instead (*next is a new, empty tree) and
 * *finalized is set: the caller then merges (scoutfs_log_merge()).
 */
int scoutfs_server_commit_log_trees(struct scoutfs_server_state *ss, u64 rid,
				    const struct scoutfs_log_trees *lt,
				    struct scoutfs_log_trees *next, u64 *trans_seq,
				    bool *finalized);

/* finalize a mount's open tree without a commit from it (farewell) */
int scoutfs_server_finalize_log_trees(struct scoutfs_server_state *ss, u64 rid);

/*
 * One server transaction, for the server's own subsystems (log merging):
 * changes to txn->super's trees use txn->alloc and become durable
 * together at scoutfs_server_txn_end(), or not at all if ret is an error
 * (which it returns, or the commit's error).  Serialized with every
 * other server operation.
 */
struct scoutfs_meta_alloc;

struct scoutfs_server_txn {
	struct scoutfs_super_block *super;
	struct scoutfs_meta_alloc *alloc;
	struct scoutfs_block_cache *bc;
	u64 seq;
};

int scoutfs_server_txn_begin(struct scoutfs_server_state *ss, struct scoutfs_server_txn *txn);
int scoutfs_server_txn_end(struct scoutfs_server_state *ss, int ret);
/* the metadata block cache the server reads through */
struct scoutfs_block_cache *scoutfs_server_block_cache(struct scoutfs_server_state *ss);

/* blocks left for the rest of the transaction's changes */
u32 scoutfs_server_txn_avail(struct scoutfs_server_state *ss);

/*
 * Take a version for a lock grant: greater than every seq handed out so
 * far and than every item version a mount has committed, and below
 * every seq handed out after it, so that items written under the lock
 * order after what others wrote before and before the writer's own
 * later transactions (docs/format.md 10).
 */
u64 scoutfs_server_take_seq(struct scoutfs_server_state *ss);

/* successful commits and the operations they carried, since the server started */
void scoutfs_server_state_commit_stats(struct scoutfs_server_state *ss, u64 *commits, u64 *ops);

/* the trees readers merge: the fs tree and the log trees' records */
void scoutfs_server_get_roots(struct scoutfs_server_state *ss, struct scoutfs_net_roots *roots);

#endif
