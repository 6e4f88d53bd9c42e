/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_FENCE_H_
#define _SCOUTFS_CLUSTER_FENCE_H_

#include <linux/types.h>

#include "format/format.h"

/*
 * Fence requests (docs/fencing.md).
 *
 * Before the leader may give away what a mount that stopped responding
 * held (its server, its log tree, its blocks), that mount must be known
 * to be unable to write to the devices any more.  Only something outside
 * the kernel (a fence agent: power off the node, cut it from the
 * storage) can make sure of that, so the leader's mount publishes a
 * request per mount to fence, identified by that mount's rid, and waits
 * until the agent confirms that it is fenced or reports that it failed.
 *
 * Each mount has one set of requests; only the mount that leads (its
 * quorum and its server) makes requests.  There is at most one request
 * per rid: asking again for a rid that has one returns that one.
 *
 * The cluster layer doesn't know how requests are shown to agents: the
 * interface layer registers an observer (sysfs directories) that is told
 * of every request that exists while it is registered.
 */

enum scoutfs_fence_reason {
	SCOUTFS_FENCE_CLIENT_RECOVERY = 0,	/* didn't come back to a new server */
	SCOUTFS_FENCE_CLIENT_RECONNECT,		/* its connection dropped for good */
	SCOUTFS_FENCE_QUORUM_BLOCK_LEADER,	/* an earlier leader never stopped */
	SCOUTFS_FENCE_REASON_NR,
};

enum scoutfs_fence_state {
	SCOUTFS_FENCE_PENDING = 0,
	SCOUTFS_FENCE_FENCED,			/* the agent confirmed */
	SCOUTFS_FENCE_ERROR,			/* the agent gave up */
};

struct scoutfs_fences;
struct scoutfs_fence_req;

struct scoutfs_fences *scoutfs_fences_create(u64 fsid);
/* removes every request (telling the observer), frees; NULL is ignored */
void scoutfs_fences_destroy(struct scoutfs_fences *fences);
/* wake and fail every waiter, and refuse new requests, from now on */
void scoutfs_fences_shutdown(struct scoutfs_fences *fences);

/*
 * Ask for rid to be fenced: 0 once a request for it exists (a new one,
 * or the one rid already had, whatever its reason and state), -ENOMEM,
 * or -ESHUTDOWN after shutdown.  addr is where the mount was (its port
 * is ignored).
 */
int scoutfs_fence_request(struct scoutfs_fences *fences, u64 rid,
			  const struct scoutfs_inet_addr *addr,
			  enum scoutfs_fence_reason reason);
/* the state of rid's request, -ENOENT if it has none */
int scoutfs_fence_state(struct scoutfs_fences *fences, u64 rid);
/*
 * Wait up to timeout jiffies for rid's request to be decided: 0 when it
 * is fenced, -EIO when the agent reported an error, -EAGAIN when the
 * time passed first, -ESHUTDOWN after shutdown, -ENOENT if it has no
 * request (or it was removed meanwhile).
 */
int scoutfs_fence_wait(struct scoutfs_fences *fences, u64 rid, long timeout);
/*
 * The mount came back before it was fenced: remove a pending request
 * (0, also when there is none), or -ESTALE if it is already fenced (it
 * must stay away; the request stays).
 */
int scoutfs_fence_cancel(struct scoutfs_fences *fences, u64 rid);
/* forget rid's request, if it has one */
void scoutfs_fence_remove(struct scoutfs_fences *fences, u64 rid);
/* forget the requests for which keep(arg, rid) is false (keep mustn't sleep) */
void scoutfs_fence_prune(struct scoutfs_fences *fences,
			 bool (*keep)(void *arg, u64 rid), void *arg);

/*
 * Told of requests: added() for every request that exists when the
 * observer registers and for each made later, removed() before a
 * request is freed and for every request left when the observer
 * unregisters.  Called in process context with the set's mutex held
 * (they may sleep; they mustn't call the functions above).  A failed
 * added() is logged; the request works without being shown.
 */
struct scoutfs_fence_observer {
	int (*added)(void *arg, struct scoutfs_fence_req *req);
	void (*removed)(void *arg, struct scoutfs_fence_req *req);
};

void scoutfs_fences_observe(struct scoutfs_fences *fences,
			    const struct scoutfs_fence_observer *obs, void *arg);
void scoutfs_fences_unobserve(struct scoutfs_fences *fences);

/* for the observer: what a request is, and the agent's answers */
u64 scoutfs_fence_req_rid(const struct scoutfs_fence_req *req);
const char *scoutfs_fence_req_reason(const struct scoutfs_fence_req *req);
const struct scoutfs_inet_addr *scoutfs_fence_req_addr(const struct scoutfs_fence_req *req);
u64 scoutfs_fence_req_elapsed_secs(const struct scoutfs_fence_req *req);
int scoutfs_fence_req_state(struct scoutfs_fence_req *req);
/* the agent fenced the mount, or failed to; a decided request stays decided */
void scoutfs_fence_req_fenced(struct scoutfs_fence_req *req);
void scoutfs_fence_req_error(struct scoutfs_fence_req *req);
/* one pointer for the observer's own state of the request */
void scoutfs_fence_req_set_private(struct scoutfs_fence_req *req, void *priv);
void *scoutfs_fence_req_private(const struct scoutfs_fence_req *req);

#endif
