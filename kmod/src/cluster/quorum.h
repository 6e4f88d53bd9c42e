/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_QUORUM_H_
#define _SCOUTFS_CLUSTER_QUORUM_H_

#include <linux/types.h>

#include "format/format.h"

struct block_device;
struct scoutfs_quorum;

/*
 * Leader election among the mounts that have a quorum slot.
 *
 * A member takes part in elections over UDP on its slot's address and
 * records its term and election events in its slot's quorum block, so
 * a term never goes backwards, even across crashes.  The member that
 * wins an election calls start_server(); when it stops leading (it
 * loses contact with a majority, or the quorum is stopped) it calls
 * stop_server() before anything else can start a server for a later
 * term.  All ops are called from the quorum's own thread, never with
 * its locks held.
 *
 * fence_previous() is called by a member that just won an election,
 * before start_server(), for every earlier leader whose quorum block
 * shows an ELECT without a later STOP: that leader (slot, the rid of
 * its mount, its term) may still be running a server.  It returns 0
 * once that leader is fenced, -EAGAIN if it isn't decided within
 * timeout jiffies (the quorum sends heartbeats and calls again), or
 * another error.  The new leader only starts its server when every
 * earlier leader is fenced; otherwise it steps down and a later
 * election tries again.
 */
struct scoutfs_quorum_ops {
	int (*start_server)(void *arg, u64 term, const struct scoutfs_inet_addr *addr);
	void (*stop_server)(void *arg);
	int (*fence_previous)(void *arg, int slot, u64 rid, u64 term, long timeout);
};

struct scoutfs_quorum_args {
	struct block_device *meta_bdev;
	const struct scoutfs_super_block *super;	/* as read at mount */
	u64 fsid;
	u64 rid;
	int slot;			/* -1: not a member, only finds the leader */
	u32 heartbeat_timeout_ms;	/* quorum_heartbeat_timeout_ms option */
};

/*
 * Start taking part (slot >= 0).  Mounts without a slot get a quorum
 * that only answers scoutfs_quorum_find_leader().
 */
int scoutfs_quorum_start(struct scoutfs_quorum **q_ret,
			 const struct scoutfs_quorum_args *args,
			 const struct scoutfs_quorum_ops *ops, void *arg);
/* stop taking part: stops a running server, records the END event */
void scoutfs_quorum_stop(struct scoutfs_quorum *q);

/*
 * The address of the current leader's server, read from the quorum
 * blocks: the slot with the greatest term whose ELECT event isn't
 * followed by a STOP.  -ENOENT when there is none (yet).
 */
int scoutfs_quorum_find_leader(struct scoutfs_quorum *q,
			       struct scoutfs_inet_addr *addr, u64 *term);

/* for sysfs: whether this mount leads, and a multi-line status report */
bool scoutfs_quorum_is_leader(struct scoutfs_quorum *q);
ssize_t scoutfs_quorum_status(struct scoutfs_quorum *q, char *buf, size_t size);

#endif
