// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's cluster locks (cluster/lock.h).
 *
 * Locks live in an rbtree by start key for the life of the mount.  One
 * task at a time requests a lock from the server; others wanting it
 * wait for that request.  Each request to give way runs in the lock's
 * own work item: it waits until no user holds a mode being given up
 * (new users of those modes wait meanwhile), has the layer above write
 * back, lowers the mode and answers the server.
 *
 * A grant takes effect (the lock's mode) in the connection's receive
 * worker as the answer arrives, before a request to give way that the
 * server sent after it is looked at, and before a reconnect can start
 * recovery; users wait until the requester has also switched readers
 * to the grant's roots.
 */
#include <linux/kernel.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "cluster/client.h"
#include "cluster/lock.h"
#include "cluster/net.h"
#include "format/key.h"

struct scoutfs_lock_client {
	struct scoutfs_client *client;
	const struct scoutfs_lock_ops *ops;
	void *ops_arg;
	u64 fsid;
	spinlock_t lock;
	struct rb_root locks;
	wait_queue_head_t waitq;
	struct workqueue_struct *wq;
	struct work_struct recover_work;
	u64 recover_gen;	/* the connection to recover on */
	u64 last_refresh_gen;	/* refresh_gens are unique across locks */
};

/* whether holding mode lets a user use want */
static bool covers(u8 held, u8 want)
{
	return held == want || (held == SCOUTFS_LOCK_WRITE &&
				(want == SCOUTFS_LOCK_READ || want == SCOUTFS_LOCK_WRITE_ONLY));
}

static struct scoutfs_lock *find_lock(struct scoutfs_lock_client *lc,
				      const struct scoutfs_key *start, struct scoutfs_lock *ins)
{
	struct rb_node **p = &lc->locks.rb_node;
	struct rb_node *parent = NULL;
	struct scoutfs_lock *lock;
	int cmp;

	while (*p) {
		parent = *p;
		lock = rb_entry(parent, struct scoutfs_lock, node);
		cmp = scoutfs_key_compare(start, &lock->il.start);
		if (cmp < 0)
			p = &parent->rb_left;
		else if (cmp > 0)
			p = &parent->rb_right;
		else
			return lock;
	}
	if (ins) {
		rb_link_node(&ins->node, parent, p);
		rb_insert_color(&ins->node, &lc->locks);
	}
	return ins;
}

static void give_way_worker(struct work_struct *work);

static struct scoutfs_lock *get_lock(struct scoutfs_lock_client *lc,
				     const struct scoutfs_key *start,
				     const struct scoutfs_key *end)
{
	struct scoutfs_lock *lock;
	struct scoutfs_lock *new;

	spin_lock(&lc->lock);
	lock = find_lock(lc, start, NULL);
	spin_unlock(&lc->lock);
	if (lock)
		return lock;

	new = kzalloc(sizeof(*new), GFP_NOFS);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->il.start = *start;
	new->il.end = *end;
	new->il.mode = SCOUTFS_LOCK_NULL;
	new->lc = lc;
	INIT_WORK(&new->gw_work, give_way_worker);

	spin_lock(&lc->lock);
	lock = find_lock(lc, start, new);
	spin_unlock(&lc->lock);
	if (lock != new)
		kfree(new);
	return lock;
}

/* under lc->lock: can a user have mode now, or must someone ask the server */
static bool usable(struct scoutfs_lock *lock, u8 mode)
{
	return !lock->requesting && !lock->giving_way && covers(lock->il.mode, mode);
}

/* a request's grant, taking effect as it arrives */
struct pending_grant {
	struct scoutfs_lock *lock;
	u8 mode;
	bool granted;
};

static bool good_grant(struct scoutfs_lock *lock, u8 mode, const void *data, u32 data_len)
{
	const struct scoutfs_net_lock_grant *grant = data;

	return data_len >= sizeof(*grant) && grant->mode == mode &&
	       !scoutfs_key_compare(&grant->start, &lock->il.start);
}

/* in the receive worker: see scoutfs_client_request_answered() */
static void grant_answered(void *arg, const void *data, u32 data_len)
{
	const struct scoutfs_net_lock_grant *grant = data;
	struct pending_grant *pg = arg;
	struct scoutfs_lock *lock = pg->lock;
	struct scoutfs_lock_client *lc = lock->lc;

	if (!good_grant(lock, pg->mode, data, data_len))
		return;
	spin_lock(&lc->lock);
	lock->il.mode = pg->mode;
	lock->il.write_seq = le64_to_cpu(grant->write_seq);
	lock->sole = grant->flags & SCOUTFS_NET_LOCK_GRANT_SOLE;
	lock->refresh_gen = ++lc->last_refresh_gen;
	spin_unlock(&lc->lock);
	pg->granted = true;
}

static void fill_request(struct scoutfs_net_lock *nl, struct scoutfs_lock *lock, u8 mode,
			 u8 old_mode, u8 flags)
{
	memset(nl, 0, sizeof(*nl));
	nl->start = lock->il.start;
	nl->end = lock->il.end;
	nl->mode = mode;
	nl->old_mode = old_mode;
	nl->flags = flags;
}

/* ask for mode; on success the grant is in place and in *grant */
static int request(struct scoutfs_lock_client *lc, struct scoutfs_lock *lock, u8 mode,
		   u8 old_mode, struct scoutfs_net_lock_grant *grant)
{
	struct pending_grant pg = { .lock = lock, .mode = mode };
	struct scoutfs_net_lock nl;
	int ret;

	fill_request(&nl, lock, mode, old_mode, 0);
	ret = scoutfs_client_request_answered(lc->client, SCOUTFS_NET_CMD_LOCK, &nl, sizeof(nl),
					      grant, sizeof(*grant), grant_answered, &pg);
	if (ret >= 0 && !pg.granted)
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

/* tell the server of connection gen that we hold mode */
static int recover_one(struct scoutfs_lock_client *lc, u64 gen, struct scoutfs_lock *lock,
		       u8 mode)
{
	struct scoutfs_net_lock_grant grant;
	struct scoutfs_net_lock nl;
	int ret;

	fill_request(&nl, lock, mode, mode, SCOUTFS_NET_LOCK_RECOVER);
	ret = scoutfs_client_request_on(lc->client, gen, SCOUTFS_NET_CMD_LOCK, &nl, sizeof(nl),
					&grant, sizeof(grant));
	if (ret >= 0 && !good_grant(lock, mode, &grant, ret))
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

int scoutfs_lock(struct scoutfs_lock_client *lc, u8 mode, const struct scoutfs_key *start,
		 const struct scoutfs_key *end, struct scoutfs_lock **lock_ret)
{
	struct scoutfs_net_lock_grant grant;
	struct scoutfs_lock *lock;
	u8 want;
	u8 old;
	int ret;

	if (WARN_ON_ONCE(mode == SCOUTFS_LOCK_NULL || mode >= SCOUTFS_LOCK_NR_MODES))
		return -EINVAL;
	lock = get_lock(lc, start, end);
	if (IS_ERR(lock))
		return PTR_ERR(lock);

	spin_lock(&lc->lock);
	for (;;) {
		if (usable(lock, mode)) {
			lock->users[mode]++;
			spin_unlock(&lc->lock);
			*lock_ret = lock;
			return 0;
		}
		if (lock->requesting || lock->giving_way) {
			spin_unlock(&lc->lock);
			wait_event(lc->waitq, !READ_ONCE(lock->requesting) &&
					      !READ_ONCE(lock->giving_way));
			spin_lock(&lc->lock);
			continue;
		}
		/* a reader holding WRITE_ONLY, or the reverse, needs WRITE */
		old = lock->il.mode;
		want = old == SCOUTFS_LOCK_NULL || old == mode ? mode : SCOUTFS_LOCK_WRITE;
		lock->requesting = true;
		spin_unlock(&lc->lock);

		ret = request(lc, lock, want, old, &grant);
		if (ret == 0 && READ_ONCE(lc->ops))
			lc->ops->granted(lc->ops_arg, &grant);

		spin_lock(&lc->lock);
		lock->requesting = false;
		wake_up_all(&lc->waitq);
		if (ret) {
			spin_unlock(&lc->lock);
			return ret;
		}
	}
}

bool scoutfs_lock_cached(struct scoutfs_lock_client *lc, u8 mode,
			 const struct scoutfs_key *start, u64 *refresh_gen)
{
	struct scoutfs_lock *lock;
	bool ret = false;

	spin_lock(&lc->lock);
	lock = find_lock(lc, start, NULL);
	if (lock && usable(lock, mode)) {
		*refresh_gen = lock->refresh_gen;
		ret = true;
	}
	spin_unlock(&lc->lock);
	return ret;
}

void scoutfs_unlock(struct scoutfs_lock *lock, u8 mode)
{
	struct scoutfs_lock_client *lc;

	if (!lock)
		return;
	lc = lock->lc;
	spin_lock(&lc->lock);
	WARN_ON_ONCE(lock->users[mode] == 0);
	lock->users[mode]--;
	spin_unlock(&lc->lock);
	wake_up_all(&lc->waitq);
}

/* no user holds a mode that keep doesn't cover */
static bool drained(struct scoutfs_lock *lock, u8 keep)
{
	struct scoutfs_lock_client *lc = lock->lc;
	bool ret = true;
	int m;

	spin_lock(&lc->lock);
	for (m = SCOUTFS_LOCK_READ; m < SCOUTFS_LOCK_NR_MODES; m++) {
		if (lock->users[m] && !covers(keep, m))
			ret = false;
	}
	spin_unlock(&lc->lock);
	return ret;
}

static void give_way_worker(struct work_struct *work)
{
	struct scoutfs_lock *lock = container_of(work, struct scoutfs_lock, gw_work);
	struct scoutfs_lock_client *lc = lock->lc;
	u8 old = lock->il.mode;
	u8 keep = lock->keep_mode;
	const struct scoutfs_lock_ops *ops;
	struct scoutfs_net_conn *prev_conn;
	struct scoutfs_net_conn *conn;
	u64 prev_id;
	u64 id;
	u8 err;
	int ret = 0;

	wait_event(lc->waitq, drained(lock, keep));
	spin_lock(&lc->lock);
	ops = lc->ops;
	spin_unlock(&lc->lock);
	if (ops)
		ret = ops->give_way(lc->ops_arg, lock, old, keep);
	if (ret)
		pr_err_ratelimited("scoutfs %016llx: writing back before giving way on a lock failed (%d)\n",
				   lc->fsid, ret);

	/* a failed write back isn't given way: the server asks again later */
	err = ret ? scoutfs_net_errno_to_err(ret) : SCOUTFS_NET_ERR_NONE;
	spin_lock(&lc->lock);
	if (ret == 0)
		lock->il.mode = keep;
	lock->giving_way = false;
	conn = lock->gw_conn;
	id = lock->gw_id;
	prev_conn = lock->gw_prev_conn;
	prev_id = lock->gw_prev_id;
	lock->gw_prev_conn = NULL;
	spin_unlock(&lc->lock);
	wake_up_all(&lc->waitq);
	/* a connection that's gone isn't answered (-ENOTCONN): it asks again */
	if (prev_conn)
		scoutfs_client_respond(lc->client, prev_conn, SCOUTFS_NET_CMD_LOCK, prev_id,
				       err, NULL, 0);
	scoutfs_client_respond(lc->client, conn, SCOUTFS_NET_CMD_LOCK, id, err, NULL, 0);
}

int scoutfs_lock_client_give_way(struct scoutfs_lock_client *lc, struct scoutfs_net_conn *conn,
				 u8 cmd, u64 id, void *data, u32 data_len)
{
	const struct scoutfs_net_lock *nl = data;
	struct scoutfs_lock *lock;
	bool now = false;

	if (data_len < sizeof(*nl) || nl->mode >= SCOUTFS_LOCK_NR_MODES)
		return -EINVAL;

	spin_lock(&lc->lock);
	lock = find_lock(lc, &nl->start, NULL);
	if (!lock || covers(nl->mode, lock->il.mode)) {
		/* already given way (a repeated request) */
		now = true;
	} else if (lock->giving_way) {
		/*
		 * Asked again (after a reconnect) while still giving way: the
		 * newest request is answered when it's done, as is an earlier
		 * one still on a live connection.
		 */
		lock->gw_prev_conn = lock->gw_conn;
		lock->gw_prev_id = lock->gw_id;
		lock->gw_conn = conn;
		lock->gw_id = id;
	} else {
		lock->giving_way = true;
		lock->keep_mode = nl->mode;
		lock->gw_conn = conn;
		lock->gw_id = id;
		queue_work(lc->wq, &lock->gw_work);
	}
	spin_unlock(&lc->lock);

	if (now)
		return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, NULL, 0);
	return 0;
}

/*
 * Tell the server we just greeted which locks we hold, then that we're
 * done: a new server grants nothing before.  Every message goes on that
 * one connection; if it drops, the next greeting starts over, so a
 * server never hears that we're done without having heard every lock.
 * A lock granted after we read its mode was granted by this server.
 */
static void recover_worker(struct work_struct *work)
{
	struct scoutfs_lock_client *lc = container_of(work, struct scoutfs_lock_client,
						      recover_work);
	struct scoutfs_lock *lock;
	struct rb_node *node;
	struct scoutfs_key key;
	u64 gen;
	u8 mode;
	int ret = 0;

	spin_lock(&lc->lock);
	gen = lc->recover_gen;
	spin_unlock(&lc->lock);

	/* one lock at a time, by key: the tree only grows */
	scoutfs_key_set_zeros(&key);
	for (;;) {
		spin_lock(&lc->lock);
		lock = NULL;
		for (node = lc->locks.rb_node; node; ) {
			struct scoutfs_lock *l = rb_entry(node, struct scoutfs_lock, node);

			if (scoutfs_key_compare(&l->il.start, &key) >= 0) {
				lock = l;
				node = node->rb_left;
			} else {
				node = node->rb_right;
			}
		}
		mode = lock ? lock->il.mode : SCOUTFS_LOCK_NULL;
		spin_unlock(&lc->lock);
		if (!lock)
			break;
		if (mode != SCOUTFS_LOCK_NULL) {
			ret = recover_one(lc, gen, lock, mode);
			if (ret)
				break;
		}
		key = lock->il.start;
		if (!scoutfs_key_inc(&key))
			break;
	}
	if (ret == 0)
		ret = scoutfs_client_request_on(lc->client, gen, SCOUTFS_NET_CMD_LOCK_RECOVERED,
						NULL, 0, NULL, 0);
	/* the connection dropped or the client stops: nothing to tell this server */
	if (ret < 0 && ret != -ENOTCONN && ret != -ESHUTDOWN)
		pr_err_ratelimited("scoutfs %016llx: resending held locks to the server failed (%d)\n",
				   lc->fsid, ret);
}

void scoutfs_lock_client_greeted(struct scoutfs_lock_client *lc, u64 gen)
{

	spin_lock(&lc->lock);
	lc->recover_gen = gen;
	spin_unlock(&lc->lock);
	queue_work(lc->wq, &lc->recover_work);
}

struct scoutfs_lock_client *scoutfs_lock_client_create(u64 fsid)
{
	struct scoutfs_lock_client *lc;

	lc = kzalloc(sizeof(*lc), GFP_KERNEL);
	if (!lc)
		return NULL;
	lc->fsid = fsid;
	INIT_WORK(&lc->recover_work, recover_worker);
	spin_lock_init(&lc->lock);
	lc->locks = RB_ROOT;
	init_waitqueue_head(&lc->waitq);
	lc->wq = alloc_workqueue("scoutfs_lock", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!lc->wq) {
		kfree(lc);
		return NULL;
	}
	return lc;
}

void scoutfs_lock_client_set_client(struct scoutfs_lock_client *lc,
				    struct scoutfs_client *client)
{
	lc->client = client;
}

void scoutfs_lock_client_set_ops(struct scoutfs_lock_client *lc,
				 const struct scoutfs_lock_ops *ops, void *arg)
{
	lc->ops_arg = arg;
	lc->ops = ops;
}

void scoutfs_lock_client_stop_ops(struct scoutfs_lock_client *lc)
{
	spin_lock(&lc->lock);
	lc->ops = NULL;
	spin_unlock(&lc->lock);
	flush_workqueue(lc->wq);
}

/* after the client stopped: no more requests to give way can arrive */
void scoutfs_lock_client_destroy(struct scoutfs_lock_client *lc)
{
	struct scoutfs_lock *lock;
	struct rb_node *node;

	if (!lc)
		return;
	destroy_workqueue(lc->wq);
	while ((node = rb_first(&lc->locks))) {
		lock = rb_entry(node, struct scoutfs_lock, node);
		rb_erase(node, &lc->locks);
		kfree(lock);
	}
	kfree(lc);
}
