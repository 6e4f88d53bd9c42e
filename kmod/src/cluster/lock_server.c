// SPDX-License-Identifier: GPL-2.0
/*
 * The server's lock service (cluster/lock_server.h).
 *
 * Each lock has its holders (a rid and a mode) and a queue of waiting
 * requests, served in order.  The request at the head is granted when
 * no other holder's mode conflicts with it; otherwise each conflicting
 * holder is asked once to give way to the mode that is compatible
 * (WRITE gives way to READ for a reader, everything else to NULL), and
 * the head waits for their answers.  A holder whose connection drops is
 * asked again when it greets again.
 *
 * A new server starts recovering when mounts were recorded as mounted:
 * they resend the locks they hold, which are recorded at once, while
 * other requests wait in their queues, with no holder asked to give
 * way, until the server ends recovery.  Only then do the holders
 * recorded meanwhile take part in granting.
 *
 * Locks that nobody holds or waits for are freed.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "cluster/lock_server.h"
#include "cluster/net.h"
#include "format/key.h"

struct holder {
	struct list_head entry;
	u64 rid;
	u8 mode;
	bool asked;		/* a request to give way is outstanding */
	u8 keep_mode;		/* what it was asked to keep */
};

struct waiter {
	struct list_head entry;
	u64 rid;
	struct scoutfs_net_conn *conn;
	u64 id;
	struct scoutfs_net_lock nl;
};

struct slock {
	struct rb_node node;
	struct scoutfs_key start;
	struct scoutfs_key end;
	struct list_head holders;
	struct list_head waiters;
};

/* a mount's current connection */
struct client_conn {
	struct list_head entry;
	u64 rid;
	struct scoutfs_net_conn *conn;
};

struct scoutfs_lock_server {
	const struct scoutfs_lock_server_ops *ops;
	void *arg;
	u64 fsid;
	struct mutex mutex;
	struct rb_root locks;
	struct list_head conns;
	bool recovering;	/* grant nothing until told otherwise */
};

/* the answer to a request to give way names the lock and the holder */
struct giveway {
	struct scoutfs_lock_server *ls;
	struct scoutfs_key start;
	u64 rid;
};

static bool compatible(u8 a, u8 b)
{
	return a == SCOUTFS_LOCK_NULL || b == SCOUTFS_LOCK_NULL ||
	       (a == SCOUTFS_LOCK_READ && b == SCOUTFS_LOCK_READ) ||
	       (a == SCOUTFS_LOCK_WRITE_ONLY && b == SCOUTFS_LOCK_WRITE_ONLY);
}

static struct slock *find_lock(struct scoutfs_lock_server *ls, const struct scoutfs_key *start,
			       struct slock *ins)
{
	struct rb_node **p = &ls->locks.rb_node;
	struct rb_node *parent = NULL;
	struct slock *sl;
	int cmp;

	while (*p) {
		parent = *p;
		sl = rb_entry(parent, struct slock, node);
		cmp = scoutfs_key_compare(start, &sl->start);
		if (cmp < 0)
			p = &parent->rb_left;
		else if (cmp > 0)
			p = &parent->rb_right;
		else
			return sl;
	}
	if (ins) {
		rb_link_node(&ins->node, parent, p);
		rb_insert_color(&ins->node, &ls->locks);
	}
	return ins;
}

static struct holder *find_holder(struct slock *sl, u64 rid)
{
	struct holder *h;

	list_for_each_entry(h, &sl->holders, entry) {
		if (h->rid == rid)
			return h;
	}
	return NULL;
}

static struct scoutfs_net_conn *rid_conn(struct scoutfs_lock_server *ls, u64 rid)
{
	struct client_conn *cc;

	list_for_each_entry(cc, &ls->conns, entry) {
		if (cc->rid == rid)
			return cc->conn;
	}
	return NULL;
}

static void free_if_unused(struct scoutfs_lock_server *ls, struct slock *sl)
{
	if (list_empty(&sl->holders) && list_empty(&sl->waiters)) {
		rb_erase(&sl->node, &ls->locks);
		kfree(sl);
	}
}

static void giveway_resp(struct scoutfs_net_conn *conn, void *data, u32 data_len,
			 int err, void *arg);

/* ask a holder to give way; a holder without a connection is asked on greeting */
static void ask(struct scoutfs_lock_server *ls, struct slock *sl, struct holder *h, u8 keep)
{
	struct scoutfs_net_conn *conn = rid_conn(ls, h->rid);
	struct scoutfs_net_lock nl;
	struct giveway *gw;

	h->asked = true;
	h->keep_mode = keep;
	if (!conn)
		return;
	gw = kmalloc(sizeof(*gw), GFP_NOFS);
	if (!gw)
		goto retry_later;
	gw->ls = ls;
	gw->start = sl->start;
	gw->rid = h->rid;
	memset(&nl, 0, sizeof(nl));
	nl.start = sl->start;
	nl.end = sl->end;
	nl.mode = keep;
	nl.old_mode = h->mode;
	if (scoutfs_net_submit_request(conn, SCOUTFS_NET_CMD_LOCK, &nl, sizeof(nl),
				       giveway_resp, gw) == 0)
		return;
	kfree(gw);
retry_later:
	/* asked again when it next greets */
	h->asked = false;
}

static void send_grant(struct scoutfs_lock_server *ls, struct slock *sl, struct waiter *w)
{
	struct scoutfs_net_lock_grant grant;

	memset(&grant, 0, sizeof(grant));
	ls->ops->grant_info(ls->arg, w->rid, &grant);
	grant.start = sl->start;
	grant.mode = w->nl.mode;
	/* a lost answer is resent by the mount on its next connection */
	scoutfs_net_response(w->conn, SCOUTFS_NET_CMD_LOCK, w->id, SCOUTFS_NET_ERR_NONE,
			     &grant, sizeof(grant));
}

/* grant what can be granted, ask holders to give way for the rest */
static void process(struct scoutfs_lock_server *ls, struct slock *sl)
{
	struct waiter *w;
	struct holder *h;
	struct holder *tmp;
	bool conflict;
	u8 keep;

	if (ls->recovering)
		return;

	while (!list_empty(&sl->waiters)) {
		w = list_first_entry(&sl->waiters, struct waiter, entry);
		keep = w->nl.mode == SCOUTFS_LOCK_READ ? SCOUTFS_LOCK_READ : SCOUTFS_LOCK_NULL;
		conflict = false;
		list_for_each_entry(h, &sl->holders, entry) {
			if (h->rid == w->rid || compatible(h->mode, w->nl.mode))
				continue;
			conflict = true;
			if (!h->asked)
				ask(ls, sl, h, keep);
		}
		if (conflict)
			return;

		h = find_holder(sl, w->rid);
		if (!h && w->nl.mode != SCOUTFS_LOCK_NULL) {
			h = kzalloc(sizeof(*h), GFP_NOFS);
			if (!h)
				return;	/* tried again with the next change */
			h->rid = w->rid;
			list_add_tail(&h->entry, &sl->holders);
		}
		if (h)
			h->mode = w->nl.mode;
		send_grant(ls, sl, w);
		list_del(&w->entry);
		kfree(w);
	}

	list_for_each_entry_safe(h, tmp, &sl->holders, entry) {
		if (h->mode == SCOUTFS_LOCK_NULL && !h->asked) {
			list_del(&h->entry);
			kfree(h);
		}
	}
}

static void giveway_resp(struct scoutfs_net_conn *conn, void *data, u32 data_len,
			 int err, void *arg)
{
	struct giveway *gw = arg;
	struct scoutfs_lock_server *ls = gw->ls;
	struct slock *sl;
	struct holder *h;

	mutex_lock(&ls->mutex);
	sl = find_lock(ls, &gw->start, NULL);
	h = sl ? find_holder(sl, gw->rid) : NULL;
	if (h && h->asked) {
		h->asked = false;
		/* not answered (connection gone): asked again when it greets */
		if (err == 0)
			h->mode = h->keep_mode;
		process(ls, sl);
		free_if_unused(ls, sl);
	}
	mutex_unlock(&ls->mutex);
	kfree(gw);
}

static bool valid_mode(u8 mode)
{
	return mode < SCOUTFS_LOCK_NR_MODES;
}

int scoutfs_lock_server_request(struct scoutfs_lock_server *ls, u64 rid,
				struct scoutfs_net_conn *conn, u64 id,
				const struct scoutfs_net_lock *nl)
{
	struct slock *sl;
	struct slock *new;
	struct holder *h;
	struct waiter *w;

	if (!valid_mode(nl->mode) || !valid_mode(nl->old_mode) ||
	    (nl->flags & ~SCOUTFS_NET_LOCK_RECOVER) ||
	    scoutfs_key_compare(&nl->start, &nl->end) > 0)
		return -EINVAL;

	new = kzalloc(sizeof(*new), GFP_NOFS);
	w = kzalloc(sizeof(*w), GFP_NOFS);
	if (!new || !w) {
		kfree(new);
		kfree(w);
		return -ENOMEM;
	}
	new->start = nl->start;
	new->end = nl->end;
	INIT_LIST_HEAD(&new->holders);
	INIT_LIST_HEAD(&new->waiters);
	w->rid = rid;
	w->conn = conn;
	w->id = id;
	w->nl = *nl;

	mutex_lock(&ls->mutex);
	sl = find_lock(ls, &nl->start, new);
	if (sl != new)
		kfree(new);
	if (scoutfs_key_compare(&sl->end, &nl->end) != 0) {
		mutex_unlock(&ls->mutex);
		kfree(w);
		pr_warn_ratelimited("scoutfs %016llx: lock server: rid %016llx asked for a lock with another range\n",
				    ls->fsid, rid);
		return -EINVAL;
	}

	if (nl->flags & SCOUTFS_NET_LOCK_RECOVER) {
		/* a lock the mount held under the previous server */
		h = find_holder(sl, rid);
		if (!h && nl->mode != SCOUTFS_LOCK_NULL) {
			h = kzalloc(sizeof(*h), GFP_NOFS);
			if (!h) {
				/* unrecorded: it must not think we know */
				free_if_unused(ls, sl);
				mutex_unlock(&ls->mutex);
				kfree(w);
				return -ENOMEM;
			}
			h->rid = rid;
			list_add_tail(&h->entry, &sl->holders);
		}
		if (h)
			h->mode = nl->mode;
		send_grant(ls, sl, w);
		kfree(w);
	} else {
		list_add_tail(&w->entry, &sl->waiters);
		process(ls, sl);
	}
	free_if_unused(ls, sl);
	mutex_unlock(&ls->mutex);
	return 0;
}

void scoutfs_lock_server_greeted(struct scoutfs_lock_server *ls, u64 rid,
				 struct scoutfs_net_conn *conn)
{
	struct client_conn *cc;
	struct rb_node *node;
	struct slock *sl;
	struct holder *h;

	mutex_lock(&ls->mutex);
	list_for_each_entry(cc, &ls->conns, entry) {
		if (cc->rid == rid)
			break;
	}
	if (&cc->entry == &ls->conns) {
		cc = kzalloc(sizeof(*cc), GFP_NOFS);
		if (cc) {
			cc->rid = rid;
			list_add_tail(&cc->entry, &ls->conns);
		}
	}
	if (cc)
		cc->conn = conn;

	/* requests to give way that never reached it */
	for (node = rb_first(&ls->locks); node; node = rb_next(node)) {
		sl = rb_entry(node, struct slock, node);
		h = find_holder(sl, rid);
		if (h && h->asked)
			h->asked = false;
		process(ls, sl);
	}
	mutex_unlock(&ls->mutex);
}

void scoutfs_lock_server_conn_down(struct scoutfs_lock_server *ls,
				   struct scoutfs_net_conn *conn)
{
	struct client_conn *cc;
	struct rb_node *node;
	struct slock *sl;
	struct waiter *w;
	struct waiter *tmp;

	mutex_lock(&ls->mutex);
	list_for_each_entry(cc, &ls->conns, entry) {
		if (cc->conn == conn)
			cc->conn = NULL;
	}
	for (node = rb_first(&ls->locks); node; node = rb_next(node)) {
		sl = rb_entry(node, struct slock, node);
		list_for_each_entry_safe(w, tmp, &sl->waiters, entry) {
			if (w->conn == conn) {
				list_del(&w->entry);
				kfree(w);
			}
		}
	}
	mutex_unlock(&ls->mutex);
}

void scoutfs_lock_server_forget(struct scoutfs_lock_server *ls, u64 rid)
{
	struct client_conn *cc;
	struct client_conn *ctmp;
	struct rb_node *node;
	struct rb_node *next;
	struct slock *sl;
	struct holder *h;
	struct waiter *w;
	struct waiter *tmp;

	mutex_lock(&ls->mutex);
	list_for_each_entry_safe(cc, ctmp, &ls->conns, entry) {
		if (cc->rid == rid) {
			list_del(&cc->entry);
			kfree(cc);
		}
	}
	for (node = rb_first(&ls->locks); node; node = next) {
		next = rb_next(node);
		sl = rb_entry(node, struct slock, node);
		h = find_holder(sl, rid);
		if (h) {
			list_del(&h->entry);
			kfree(h);
		}
		list_for_each_entry_safe(w, tmp, &sl->waiters, entry) {
			if (w->rid == rid) {
				list_del(&w->entry);
				kfree(w);
			}
		}
		process(ls, sl);
		free_if_unused(ls, sl);
	}
	mutex_unlock(&ls->mutex);
}

void scoutfs_lock_server_end_recovery(struct scoutfs_lock_server *ls)
{
	struct rb_node *node;
	struct rb_node *next;
	struct slock *sl;

	mutex_lock(&ls->mutex);
	if (ls->recovering) {
		ls->recovering = false;
		for (node = rb_first(&ls->locks); node; node = next) {
			next = rb_next(node);
			sl = rb_entry(node, struct slock, node);
			process(ls, sl);
			free_if_unused(ls, sl);
		}
	}
	mutex_unlock(&ls->mutex);
}

struct scoutfs_lock_server *scoutfs_lock_server_create(const struct scoutfs_lock_server_ops *ops,
						       void *arg, u64 fsid, bool recovering)
{
	struct scoutfs_lock_server *ls;

	ls = kzalloc(sizeof(*ls), GFP_KERNEL);
	if (!ls)
		return NULL;
	ls->ops = ops;
	ls->arg = arg;
	ls->fsid = fsid;
	ls->recovering = recovering;
	mutex_init(&ls->mutex);
	ls->locks = RB_ROOT;
	INIT_LIST_HEAD(&ls->conns);
	return ls;
}

/* after every connection has ended: nothing refers to the locks anymore */
void scoutfs_lock_server_destroy(struct scoutfs_lock_server *ls)
{
	struct client_conn *cc;
	struct client_conn *ctmp;
	struct rb_node *node;
	struct slock *sl;
	struct holder *h;
	struct holder *htmp;
	struct waiter *w;
	struct waiter *wtmp;

	if (!ls)
		return;
	while ((node = rb_first(&ls->locks))) {
		sl = rb_entry(node, struct slock, node);
		list_for_each_entry_safe(h, htmp, &sl->holders, entry)
			kfree(h);
		list_for_each_entry_safe(w, wtmp, &sl->waiters, entry)
			kfree(w);
		rb_erase(node, &ls->locks);
		kfree(sl);
	}
	list_for_each_entry_safe(cc, ctmp, &ls->conns, entry)
		kfree(cc);
	kfree(ls);
}
