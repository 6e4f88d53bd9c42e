/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_SERVER_STATE_H_
#define _SCOUTFS_CLUSTER_SERVER_STATE_H_

#include <linux/types.h>

#include "format/format.h"

struct block_device;
struct scoutfs_block_cache;
struct scoutfs_server_state;

/*
 * The server's persistent state: the superblock it alone writes, the
 * allocators, the log tree records and the mounted clients.  Every
 * operation is one atomic server commit: its changes are durable (the
 * superblock written after the blocks) before it returns 0, and on an
 * error none of them happened.  Operations are serialized.
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
 * next transaction starts from, written with *trans_seq.
 */
int scoutfs_server_commit_log_trees(struct scoutfs_server_state *ss, u64 rid,
				    const struct scoutfs_log_trees *lt,
				    struct scoutfs_log_trees *next, u64 *trans_seq);

/* the trees readers merge: the fs tree and the log trees' records */
void scoutfs_server_get_roots(struct scoutfs_server_state *ss,
			      struct scoutfs_btree_root *fs_root,
			      struct scoutfs_btree_root *logs_root);

#endif
