/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_LOCK_SERVER_H_
#define _SCOUTFS_CLUSTER_LOCK_SERVER_H_

#include <linux/types.h>

#include "format/wire.h"

struct scoutfs_lock_server;
struct scoutfs_net_conn;

/*
 * The server's lock service (docs/wire.md, LOCK).  It records which
 * mount holds each lock in which mode, grants compatible requests at
 * once, and for a conflicting one asks the holders to give way first.
 * Grants go out as responses on the requester's connection; requests
 * to holders go out on their current connections.
 *
 * A server that starts with mounts to recover creates it recovering:
 * it records the locks those mounts resend (SCOUTFS_NET_LOCK_RECOVER)
 * and queues every other request until the server ends recovery, once
 * each of those mounts has said it resent all (LOCK_RECOVERED) or was
 * fenced and forgotten.
 *
 * What it needs from the server: the roots, version and flags of a
 * grant to rid.
 */
struct scoutfs_lock_server_ops {
	void (*grant_info)(void *arg, u64 rid, struct scoutfs_net_lock_grant *grant);
};

struct scoutfs_lock_server *scoutfs_lock_server_create(const struct scoutfs_lock_server_ops *ops,
						       void *arg, u64 fsid, bool recovering);
void scoutfs_lock_server_destroy(struct scoutfs_lock_server *ls);

/* a LOCK request from rid on conn, answered when granted */
int scoutfs_lock_server_request(struct scoutfs_lock_server *ls, u64 rid,
				struct scoutfs_net_conn *conn, u64 id,
				const struct scoutfs_net_lock *nl);

/* rid greeted on conn: requests to it (again) go there */
void scoutfs_lock_server_greeted(struct scoutfs_lock_server *ls, u64 rid,
				 struct scoutfs_net_conn *conn);
/* conn ended: forget it (its requests will be resent on the next one) */
void scoutfs_lock_server_conn_down(struct scoutfs_lock_server *ls,
				   struct scoutfs_net_conn *conn);
/* rid is gone for good (farewell, fenced): it holds nothing anymore */
void scoutfs_lock_server_forget(struct scoutfs_lock_server *ls, u64 rid);
/* every lock that survived the last server is recorded: grant from now on */
void scoutfs_lock_server_end_recovery(struct scoutfs_lock_server *ls);

#endif
