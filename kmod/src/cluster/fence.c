// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's fence requests (cluster/fence.h, docs/fencing.md).
 *
 * Locking: the mutex serializes adding and removing requests with the
 * observer's calls, which may sleep (sysfs directories are made and
 * removed there).  The spinlock protects the list for lookups and each
 * request's state, so that the agent's answers (written from sysfs
 * attribute handlers, which removing a directory waits for) never wait
 * for the mutex.  The list is changed with both held.  Waiters sleep on
 * the wait queue and look their request up again every time they wake,
 * so a request may be removed under them.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "cluster/fence.h"

struct scoutfs_fences {
	u64 fsid;
	struct mutex mutex;
	spinlock_t lock;
	wait_queue_head_t waitq;
	struct list_head reqs;
	bool shutdown;
	const struct scoutfs_fence_observer *obs;
	void *obs_arg;
};

struct scoutfs_fence_req {
	struct list_head entry;
	struct scoutfs_fences *fences;
	u64 rid;
	struct scoutfs_inet_addr addr;
	enum scoutfs_fence_reason reason;
	ktime_t start;
	enum scoutfs_fence_state state;	/* under the spinlock */
	void *obs_private;
};

static const char * const reason_names[] = {
	[SCOUTFS_FENCE_CLIENT_RECOVERY] = "client_recovery",
	[SCOUTFS_FENCE_CLIENT_RECONNECT] = "client_reconnect",
	[SCOUTFS_FENCE_QUORUM_BLOCK_LEADER] = "quorum_block_leader",
};

/* under either lock */
static struct scoutfs_fence_req *find_req(struct scoutfs_fences *fences, u64 rid)
{
	struct scoutfs_fence_req *req;

	list_for_each_entry(req, &fences->reqs, entry) {
		if (req->rid == rid)
			return req;
	}
	return NULL;
}

struct scoutfs_fences *scoutfs_fences_create(u64 fsid)
{
	struct scoutfs_fences *fences;

	fences = kzalloc(sizeof(*fences), GFP_KERNEL);
	if (!fences)
		return NULL;
	fences->fsid = fsid;
	mutex_init(&fences->mutex);
	spin_lock_init(&fences->lock);
	init_waitqueue_head(&fences->waitq);
	INIT_LIST_HEAD(&fences->reqs);
	return fences;
}

/* under the mutex: off the list, out of the observer's sight, freed */
static void remove_req(struct scoutfs_fences *fences, struct scoutfs_fence_req *req)
{
	spin_lock(&fences->lock);
	list_del(&req->entry);
	spin_unlock(&fences->lock);
	if (fences->obs)
		fences->obs->removed(fences->obs_arg, req);
	kfree(req);
	/* waiters for it see that it's gone */
	wake_up_all(&fences->waitq);
}

void scoutfs_fences_destroy(struct scoutfs_fences *fences)
{
	struct scoutfs_fence_req *req;
	struct scoutfs_fence_req *tmp;

	if (!fences)
		return;
	scoutfs_fences_shutdown(fences);
	mutex_lock(&fences->mutex);
	list_for_each_entry_safe(req, tmp, &fences->reqs, entry)
		remove_req(fences, req);
	mutex_unlock(&fences->mutex);
	kfree(fences);
}

void scoutfs_fences_shutdown(struct scoutfs_fences *fences)
{
	spin_lock(&fences->lock);
	fences->shutdown = true;
	spin_unlock(&fences->lock);
	wake_up_all(&fences->waitq);
}

int scoutfs_fence_request(struct scoutfs_fences *fences, u64 rid,
			  const struct scoutfs_inet_addr *addr,
			  enum scoutfs_fence_reason reason)
{
	struct scoutfs_fence_req *req;
	int ret;

	if (WARN_ON_ONCE(reason >= SCOUTFS_FENCE_REASON_NR))
		return -EINVAL;

	mutex_lock(&fences->mutex);
	if (READ_ONCE(fences->shutdown)) {
		ret = -ESHUTDOWN;
		goto out;
	}
	if (find_req(fences, rid)) {
		ret = 0;
		goto out;
	}
	req = kzalloc(sizeof(*req), GFP_NOFS);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	req->fences = fences;
	req->rid = rid;
	req->addr = *addr;
	req->addr.port = 0;
	req->reason = reason;
	req->start = ktime_get();
	req->state = SCOUTFS_FENCE_PENDING;

	spin_lock(&fences->lock);
	list_add_tail(&req->entry, &fences->reqs);
	spin_unlock(&fences->lock);

	pr_info("scoutfs %016llx: requesting that rid %016llx be fenced (%s)\n",
		fences->fsid, rid, reason_names[reason]);
	if (fences->obs) {
		ret = fences->obs->added(fences->obs_arg, req);
		if (ret)
			pr_err("scoutfs %016llx: showing the fence request for rid %016llx failed (%d)\n",
			       fences->fsid, rid, ret);
	}
	ret = 0;
out:
	mutex_unlock(&fences->mutex);
	return ret;
}

int scoutfs_fence_state(struct scoutfs_fences *fences, u64 rid)
{
	struct scoutfs_fence_req *req;
	int ret;

	spin_lock(&fences->lock);
	req = find_req(fences, rid);
	ret = req ? req->state : -ENOENT;
	spin_unlock(&fences->lock);
	return ret;
}

/* the wait's outcome, or 1 while there is none yet */
static int wait_result(struct scoutfs_fences *fences, u64 rid)
{
	struct scoutfs_fence_req *req;
	int ret;

	spin_lock(&fences->lock);
	req = find_req(fences, rid);
	if (fences->shutdown)
		ret = -ESHUTDOWN;
	else if (!req)
		ret = -ENOENT;
	else if (req->state == SCOUTFS_FENCE_FENCED)
		ret = 0;
	else if (req->state == SCOUTFS_FENCE_ERROR)
		ret = -EIO;
	else
		ret = 1;
	spin_unlock(&fences->lock);
	return ret;
}

int scoutfs_fence_wait(struct scoutfs_fences *fences, u64 rid, long timeout)
{
	int ret = 1;

	wait_event_timeout(fences->waitq, (ret = wait_result(fences, rid)) <= 0, timeout);
	if (ret > 0)
		ret = wait_result(fences, rid);
	return ret > 0 ? -EAGAIN : ret;
}

int scoutfs_fence_cancel(struct scoutfs_fences *fences, u64 rid)
{
	struct scoutfs_fence_req *req;
	int ret = 0;

	mutex_lock(&fences->mutex);
	req = find_req(fences, rid);
	if (req) {
		/* the state can't change back from fenced: no race with the agent */
		if (scoutfs_fence_req_state(req) == SCOUTFS_FENCE_FENCED) {
			ret = -ESTALE;
		} else {
			pr_info("scoutfs %016llx: rid %016llx came back, its fence request is withdrawn\n",
				fences->fsid, rid);
			remove_req(fences, req);
		}
	}
	mutex_unlock(&fences->mutex);
	return ret;
}

void scoutfs_fence_remove(struct scoutfs_fences *fences, u64 rid)
{
	struct scoutfs_fence_req *req;

	mutex_lock(&fences->mutex);
	req = find_req(fences, rid);
	if (req)
		remove_req(fences, req);
	mutex_unlock(&fences->mutex);
}

void scoutfs_fence_prune(struct scoutfs_fences *fences,
			 bool (*keep)(void *arg, u64 rid), void *arg)
{
	struct scoutfs_fence_req *req;
	struct scoutfs_fence_req *tmp;

	mutex_lock(&fences->mutex);
	list_for_each_entry_safe(req, tmp, &fences->reqs, entry) {
		if (!keep(arg, req->rid))
			remove_req(fences, req);
	}
	mutex_unlock(&fences->mutex);
}

void scoutfs_fences_observe(struct scoutfs_fences *fences,
			    const struct scoutfs_fence_observer *obs, void *arg)
{
	struct scoutfs_fence_req *req;
	int ret;

	mutex_lock(&fences->mutex);
	fences->obs = obs;
	fences->obs_arg = arg;
	list_for_each_entry(req, &fences->reqs, entry) {
		ret = obs->added(arg, req);
		if (ret)
			pr_err("scoutfs %016llx: showing the fence request for rid %016llx failed (%d)\n",
			       fences->fsid, req->rid, ret);
	}
	mutex_unlock(&fences->mutex);
}

void scoutfs_fences_unobserve(struct scoutfs_fences *fences)
{
	struct scoutfs_fence_req *req;

	mutex_lock(&fences->mutex);
	if (fences->obs) {
		list_for_each_entry(req, &fences->reqs, entry)
			fences->obs->removed(fences->obs_arg, req);
	}
	fences->obs = NULL;
	fences->obs_arg = NULL;
	mutex_unlock(&fences->mutex);
}

u64 scoutfs_fence_req_rid(const struct scoutfs_fence_req *req)
{
	return req->rid;
}

const char *scoutfs_fence_req_reason(const struct scoutfs_fence_req *req)
{
	return reason_names[req->reason];
}

const struct scoutfs_inet_addr *scoutfs_fence_req_addr(const struct scoutfs_fence_req *req)
{
	return &req->addr;
}

u64 scoutfs_fence_req_elapsed_secs(const struct scoutfs_fence_req *req)
{
	s64 ns = ktime_to_ns(ktime_sub(ktime_get(), req->start));

	return ns > 0 ? div_u64(ns, NSEC_PER_SEC) : 0;
}

int scoutfs_fence_req_state(struct scoutfs_fence_req *req)
{
	struct scoutfs_fences *fences = req->fences;
	int state;

	spin_lock(&fences->lock);
	state = req->state;
	spin_unlock(&fences->lock);
	return state;
}

static void decide(struct scoutfs_fence_req *req, enum scoutfs_fence_state state)
{
	struct scoutfs_fences *fences = req->fences;
	bool changed = false;

	spin_lock(&fences->lock);
	if (req->state == SCOUTFS_FENCE_PENDING) {
		req->state = state;
		changed = true;
	}
	spin_unlock(&fences->lock);

	if (!changed)
		return;
	if (state == SCOUTFS_FENCE_FENCED)
		pr_info("scoutfs %016llx: rid %016llx was fenced (%s)\n",
			fences->fsid, req->rid, reason_names[req->reason]);
	else
		pr_err("scoutfs %016llx: the fence agent failed to fence rid %016llx (%s)\n",
		       fences->fsid, req->rid, reason_names[req->reason]);
	wake_up_all(&fences->waitq);
}

void scoutfs_fence_req_fenced(struct scoutfs_fence_req *req)
{
	decide(req, SCOUTFS_FENCE_FENCED);
}

void scoutfs_fence_req_error(struct scoutfs_fence_req *req)
{
	decide(req, SCOUTFS_FENCE_ERROR);
}

void scoutfs_fence_req_set_private(struct scoutfs_fence_req *req, void *priv)
{
	req->obs_private = priv;
}

void *scoutfs_fence_req_private(const struct scoutfs_fence_req *req)
{
	return req->obs_private;
}
