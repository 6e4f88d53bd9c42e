/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_LOCK_H_
#define _SCOUTFS_CLUSTER_LOCK_H_

#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "format/wire.h"
#include "items/item.h"

struct scoutfs_client;
struct scoutfs_lock_client;
struct scoutfs_net_conn;

/*
 * A mount's cluster locks (docs/wire.md, LOCK).  A lock covers a fixed
 * range of keys; once granted it stays cached in its mode until the
 * server asks the mount to give way, so uncontended use costs nothing
 * after the first request.  Users hold a lock in a mode between
 * scoutfs_lock() and scoutfs_unlock(); giving way waits for the users
 * of the modes being given up.
 *
 * il is what item operations check (range, mode, version).
 * refresh_gen is new with every grant, and no two grants of a mount's
 * locks share one: state cached from the items under another
 * generation (inodes, dentries) must be read again.  sole: no other
 * mount was mounted when the current grant was made (wire.h,
 * SCOUTFS_NET_LOCK_GRANT_SOLE).
 */
struct scoutfs_lock {
	struct scoutfs_item_lock il;
	u64 refresh_gen;
	bool sole;
	/* private to lock.c */
	struct rb_node node;
	struct scoutfs_lock_client *lc;
	unsigned int users[SCOUTFS_LOCK_NR_MODES];
	bool requesting;
	bool giving_way;
	u8 keep_mode;
	struct scoutfs_net_conn *gw_conn;	/* the request being answered */
	u64 gw_id;
	struct scoutfs_net_conn *gw_prev_conn;	/* an earlier one, asked again */
	u64 gw_prev_id;
	struct work_struct gw_work;
};

/*
 * What giving way needs from above: write back what was written under
 * the lock (commit) before a WRITE or WRITE_ONLY mode is given up, drop
 * what was cached from reading under it before a mode that reads is
 * given up (give_way is called for every lowering of the mode, with
 * the users of the modes given up drained), and switch readers to the
 * trees a grant names.
 */
struct scoutfs_lock_ops {
	int (*give_way)(void *arg, struct scoutfs_lock *lock, u8 old_mode, u8 new_mode);
	void (*granted)(void *arg, const struct scoutfs_net_lock_grant *grant);
};

/* created before the client (its handlers need it), then given the client */
struct scoutfs_lock_client *scoutfs_lock_client_create(u64 fsid);
void scoutfs_lock_client_set_client(struct scoutfs_lock_client *lc,
				    struct scoutfs_client *client);
void scoutfs_lock_client_set_ops(struct scoutfs_lock_client *lc,
				 const struct scoutfs_lock_ops *ops, void *arg);
/* no more calls to the ops once this returns (unmount, before the trans goes) */
void scoutfs_lock_client_stop_ops(struct scoutfs_lock_client *lc);
void scoutfs_lock_client_destroy(struct scoutfs_lock_client *lc);

/* lock [start, end] in mode, waiting for the grant */
int scoutfs_lock(struct scoutfs_lock_client *lc, u8 mode, const struct scoutfs_key *start,
		 const struct scoutfs_key *end, struct scoutfs_lock **lock_ret);
void scoutfs_unlock(struct scoutfs_lock *lock, u8 mode);
/*
 * Without blocking (RCU path walks too): whether the lock starting at
 * start could be used in mode right now, and its refresh_gen.
 */
bool scoutfs_lock_cached(struct scoutfs_lock_client *lc, u8 mode,
			 const struct scoutfs_key *start, u64 *refresh_gen);

/* the server's request to give way: the client's LOCK handler (net.h) */
int scoutfs_lock_client_give_way(struct scoutfs_lock_client *lc, struct scoutfs_net_conn *conn,
				 u8 cmd, u64 id, void *data, u32 data_len);
/*
 * greeted a (new) server on connection gen: tell it in the background
 * which locks we hold, then that we're done
 */
void scoutfs_lock_client_greeted(struct scoutfs_lock_client *lc, u64 gen);

#endif
