// SPDX-License-Identifier: GPL-2.0
/*
 * Leader election among the mounts that have a quorum slot
 * (cluster/quorum.h, docs/quorum.md).
 *
 * Each member runs one thread that owns a UDP socket bound to its
 * slot's address and all of the election state.  The election follows
 * Raft without a log: a follower that hears no heartbeat for the
 * (randomized) election timeout becomes a candidate in a higher term,
 * votes for itself and asks the others for their votes; each member
 * votes at most once per term; a candidate with a majority of the
 * configured slots' votes leads, records ELECT, fences a previous leader
 * that never recorded its STOP, starts the server and sends heartbeats.
 * Every change of term and every vote is written to the member's quorum
 * block (with a cache flush and FUA) before the member acts on it, so
 * that a restarted member never votes twice in a term or reuses a term.
 *
 * Only the thread changes the election state; the status fields that
 * sysfs reads are copied under a spinlock.
 */
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/mm.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "cluster/quorum.h"
#include "format/block.h"
#include "format/quorum_msg.h"
#include "storage/bio.h"

enum quorum_role {
	QUORUM_NONE = 0,	/* not a member */
	QUORUM_FOLLOWER,
	QUORUM_CANDIDATE,
	QUORUM_LEADER,
};

static const char * const role_names[] = {
	[QUORUM_NONE] = "none",
	[QUORUM_FOLLOWER] = "follower",
	[QUORUM_CANDIDATE] = "candidate",
	[QUORUM_LEADER] = "leader",
};

struct scoutfs_quorum {
	/* fixed from start to stop */
	struct block_device *bdev;
	struct scoutfs_quorum_config qconf;
	u64 fsid;
	u64 rid;
	int slot;
	unsigned int nr_members;
	unsigned int majority;
	unsigned long hb_timeout;	/* jiffies */
	unsigned long hb_interval;	/* jiffies */
	const struct scoutfs_quorum_ops *ops;
	void *arg;
	int family;			/* of our slot's address: AF_INET(6) */

	/* only touched by the thread (and by start/stop around it) */
	struct task_struct *task;
	struct socket *sock;
	struct page *page;		/* IO buffer */
	struct scoutfs_quorum_block blk;	/* our block as last written */
	/* our slot's block as an earlier mount of the slot left it */
	struct scoutfs_quorum_block prev_blk;
	bool prev_fenced;		/* its leadership needs no fence (any more) */
	bool stopping;
	bool server_running;
	enum quorum_role role;
	u64 lead_term;			/* the term we were elected in */
	unsigned long votes;		/* bitmap of slots that voted for us */
	unsigned long election_deadline;
	unsigned long next_send;
	unsigned long last_majority;
	unsigned long last_ack[SCOUTFS_QUORUM_MAX_SLOTS];

	/* copies for sysfs */
	spinlock_t lock;
	enum quorum_role st_role;
	u64 st_term;
	int st_leader_slot;
	int st_voted_for;
	u64 st_elections;
};

#define qinfo(q, fmt, ...) \
	pr_info("scoutfs %016llx quorum slot %d: " fmt "\n", (q)->fsid, (q)->slot, ##__VA_ARGS__)
#define qerr(q, fmt, ...) \
	pr_err("scoutfs %016llx quorum slot %d: " fmt "\n", (q)->fsid, (q)->slot, ##__VA_ARGS__)
#define qwarn_rl(q, fmt, ...) \
	pr_warn_ratelimited("scoutfs %016llx quorum slot %d: " fmt "\n", \
			    (q)->fsid, (q)->slot, ##__VA_ARGS__)

static bool slot_in_use(const struct scoutfs_quorum_config *qconf, int slot)
{
	return slot >= 0 && slot < SCOUTFS_QUORUM_MAX_SLOTS &&
	       (le64_to_cpu(qconf->slots[slot].flags) & SCOUTFS_QUORUM_SLOT_IN_USE);
}

static u64 q_term(const struct scoutfs_quorum *q)
{
	return le64_to_cpu(q->blk.term);
}

/* the slot we voted for in our current term, or -1 */
static int q_voted_for(const struct scoutfs_quorum *q)
{
	const struct scoutfs_quorum_event *ev = &q->blk.events[SCOUTFS_QUORUM_EVENT_VOTE];

	if (ev->rid == 0 || le64_to_cpu(ev->term) != q_term(q))
		return -1;
	return le64_to_cpu(ev->arg);
}

/* publish the state that sysfs shows */
static void update_status(struct scoutfs_quorum *q)
{
	spin_lock(&q->lock);
	q->st_role = q->role;
	q->st_term = q_term(q);
	q->st_voted_for = q_voted_for(q);
	spin_unlock(&q->lock);
}

static void set_leader_slot(struct scoutfs_quorum *q, int slot)
{
	spin_lock(&q->lock);
	q->st_leader_slot = slot;
	spin_unlock(&q->lock);
}

/* ------------------------------------------------------------ addresses */

/*
 * The sockaddr for a configured address, in the family of our socket:
 * an IPv6 socket reaches IPv4 members through v4-mapped addresses.
 * Returns the address length or -EAFNOSUPPORT.
 */
static int inet_to_sockaddr(const struct scoutfs_inet_addr *ia, int family,
			    struct sockaddr_storage *ss)
{
	u16 af = le16_to_cpu(ia->family);
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && af == SCOUTFS_AF_IPV4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(le16_to_cpu(ia->port));
		memcpy(&sin->sin_addr, ia->addr, 4);
		return sizeof(*sin);
	}
	if (family == AF_INET6 && (af == SCOUTFS_AF_IPV6 || af == SCOUTFS_AF_IPV4)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(le16_to_cpu(ia->port));
		if (af == SCOUTFS_AF_IPV6) {
			memcpy(&sin6->sin6_addr, ia->addr, 16);
		} else {
			sin6->sin6_addr.s6_addr[10] = 0xff;
			sin6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&sin6->sin6_addr.s6_addr[12], ia->addr, 4);
		}
		return sizeof(*sin6);
	}
	return -EAFNOSUPPORT;
}

/* whether a datagram's source is the configured address of slot */
static bool sender_is_slot(struct scoutfs_quorum *q, const struct sockaddr_storage *from,
			   int slot)
{
	struct sockaddr_storage exp;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)from;
	const struct sockaddr_in6 *e6 = (const struct sockaddr_in6 *)&exp;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)from;
	const struct sockaddr_in *e4 = (const struct sockaddr_in *)&exp;

	if (inet_to_sockaddr(&q->qconf.slots[slot].addr, q->family, &exp) < 0 ||
	    from->ss_family != exp.ss_family)
		return false;
	if (exp.ss_family == AF_INET)
		return a4->sin_port == e4->sin_port &&
		       a4->sin_addr.s_addr == e4->sin_addr.s_addr;
	return a6->sin6_port == e6->sin6_port &&
	       ipv6_addr_equal(&a6->sin6_addr, &e6->sin6_addr);
}

/* ---------------------------------------------------------- quorum blocks */

static u64 slot_pos(int slot)
{
	return (u64)SCOUTFS_QUORUM_SLOT_BLKNO(slot) << SCOUTFS_SMALL_BLOCK_SHIFT;
}

/*
 * Read a slot's quorum block into blk.  Returns 0 for a good block,
 * -ENODATA for a block that was never written (all zero) and -EIO for
 * an unreadable or bad block, which is logged: either way the caller
 * has no information from that slot.
 */
static int read_slot_block(u64 fsid, struct block_device *bdev, struct page *page,
			   int slot, struct scoutfs_quorum_block *blk)
{
	u64 blkno = SCOUTFS_QUORUM_SLOT_BLKNO(slot);
	void *buf = page_address(page);
	int result;
	int ret;

	ret = scoutfs_bio_page(bdev, page, slot_pos(slot), SCOUTFS_SMALL_BLOCK_SIZE,
			       REQ_OP_READ | REQ_SYNC);
	if (ret) {
		pr_warn_ratelimited("scoutfs %016llx: reading quorum slot %d block failed (%d)\n",
				    fsid, slot, ret);
		return -EIO;
	}
	if (!memchr_inv(buf, 0, SCOUTFS_SMALL_BLOCK_SIZE))
		return -ENODATA;
	result = scoutfs_block_verify(buf, SCOUTFS_SMALL_BLOCK_SIZE, SCOUTFS_BLOCK_MAGIC_QUORUM,
				      fsid, blkno, 0);
	if (result != SCOUTFS_BLOCK_OK) {
		pr_warn_ratelimited("scoutfs %016llx: ignoring quorum slot %d block: %s\n",
				    fsid, slot, scoutfs_block_result_str(result));
		return -EIO;
	}
	memcpy(blk, buf, sizeof(*blk));
	return 0;
}

static void set_event(struct scoutfs_quorum *q, struct scoutfs_quorum_block *nb,
		      int type, u64 term, u64 arg)
{
	struct scoutfs_quorum_event *ev = &nb->events[type];
	struct timespec64 ts;

	ktime_get_real_ts64(&ts);
	ev->rid = cpu_to_le64(q->rid);
	ev->term = cpu_to_le64(term);
	ev->arg = cpu_to_le64(arg);
	ev->ts.sec = cpu_to_le64(ts.tv_sec);
	ev->ts.nsec = cpu_to_le32(ts.tv_nsec);
	memset(ev->ts.__pad, 0, sizeof(ev->ts.__pad));
}

/*
 * Make nb our block: write it durably (flush, then FUA) and only then
 * take it as our state.  On failure our state is unchanged and the
 * caller must not act on what it wanted to record.
 */
static int write_block(struct scoutfs_quorum *q, struct scoutfs_quorum_block *nb)
{
	u64 blkno = SCOUTFS_QUORUM_SLOT_BLKNO(q->slot);
	void *buf = page_address(q->page);
	int ret;

	scoutfs_block_hdr_init(&nb->hdr, SCOUTFS_BLOCK_MAGIC_QUORUM, q->fsid, blkno,
			       le64_to_cpu(q->blk.hdr.seq) + 1);
	memset(buf, 0, SCOUTFS_SMALL_BLOCK_SIZE);
	memcpy(buf, nb, sizeof(*nb));
	scoutfs_block_set_crc(buf, SCOUTFS_SMALL_BLOCK_SIZE);
	ret = scoutfs_bio_page(q->bdev, q->page, slot_pos(q->slot), SCOUTFS_SMALL_BLOCK_SIZE,
			       REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA);
	if (ret) {
		qwarn_rl(q, "writing our quorum block failed (%d)", ret);
		return ret;
	}
	memcpy(&q->blk, buf, sizeof(q->blk));
	update_status(q);
	return 0;
}

/* record one event (in our current term unless term says otherwise) */
static int write_event(struct scoutfs_quorum *q, int type, u64 term, u64 arg)
{
	struct scoutfs_quorum_block nb = q->blk;

	set_event(q, &nb, type, term, arg);
	return write_block(q, &nb);
}

/* ---------------------------------------------------------------- UDP */

static void send_msg(struct scoutfs_quorum *q, int to, u8 type)
{
	struct scoutfs_quorum_msg msg;
	struct sockaddr_storage ss;
	struct msghdr mh = { };
	struct kvec kv = { .iov_base = &msg, .iov_len = sizeof(msg) };
	int len;
	int ret;

	len = inet_to_sockaddr(&q->qconf.slots[to].addr, q->family, &ss);
	if (len < 0) {
		qwarn_rl(q, "can't reach slot %d: its address family differs from ours", to);
		return;
	}
	scoutfs_quorum_msg_init(&msg, q->fsid, q_term(q), type, q->slot);
	mh.msg_name = &ss;
	mh.msg_namelen = len;
	mh.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	ret = kernel_sendmsg(q->sock, &mh, &kv, 1, sizeof(msg));
	if (ret < 0 && ret != -EAGAIN)
		qwarn_rl(q, "sending to slot %d failed (%d)", to, ret);
}

static void send_all(struct scoutfs_quorum *q, u8 type)
{
	int i;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (i != q->slot && slot_in_use(&q->qconf, i))
			send_msg(q, i, type);
	}
}

/*
 * Wait up to timeout jiffies for one valid message.  Returns 0 with
 * the message, or -EAGAIN when nothing (valid) arrived.
 */
static int recv_msg(struct scoutfs_quorum *q, struct scoutfs_quorum_msg *msg,
		    unsigned long timeout)
{
	struct sockaddr_storage from;
	u8 buf[sizeof(*msg) + 1] __aligned(8);
	struct kvec kv = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from) };
	int result;
	int ret;

	WRITE_ONCE(q->sock->sk->sk_rcvtimeo, max(timeout, 1UL));
	ret = kernel_recvmsg(q->sock, &mh, &kv, 1, sizeof(buf), 0);
	if (ret <= 0) {
		if (ret < 0 && ret != -EAGAIN && ret != -EINTR)
			qwarn_rl(q, "receiving failed (%d)", ret);
		return -EAGAIN;
	}

	result = scoutfs_quorum_msg_check(buf, (mh.msg_flags & MSG_TRUNC) ? 0 : ret, q->fsid);
	if (result != SCOUTFS_QUORUM_MSG_OK) {
		qwarn_rl(q, "dropped a %d byte datagram from %pISpc: %s", ret, &from,
			 scoutfs_quorum_msg_result_str(result));
		return -EAGAIN;
	}
	memcpy(msg, buf, sizeof(*msg));
	if (!slot_in_use(&q->qconf, msg->from_slot) || msg->from_slot == q->slot ||
	    !sender_is_slot(q, &from, msg->from_slot)) {
		qwarn_rl(q, "dropped a message claiming slot %u from %pISpc: not that slot's configured address",
			 msg->from_slot, &from);
		return -EAGAIN;
	}
	return 0;
}

/* -------------------------------------------------------------- election */

static unsigned long election_timeout(struct scoutfs_quorum *q)
{
	return q->hb_timeout + get_random_u32_below(q->hb_timeout / 2 + 1);
}

static void become_follower(struct scoutfs_quorum *q, int leader_slot)
{
	q->role = QUORUM_FOLLOWER;
	q->votes = 0;
	q->election_deadline = jiffies + election_timeout(q);
	set_leader_slot(q, leader_slot);
	update_status(q);
}

/* stop leading: the server first, then the STOP event */
static void step_down(struct scoutfs_quorum *q, const char *why)
{
	if (q->server_running) {
		q->ops->stop_server(q->arg);
		q->server_running = false;
	}
	qinfo(q, "stopped leading term %llu: %s", q->lead_term, why);
	write_event(q, SCOUTFS_QUORUM_EVENT_STOP, q->lead_term, 0);
	become_follower(q, -1);
}

/* a message showed a higher term: leave ours, persisted before acting */
static int adopt_term(struct scoutfs_quorum *q, u64 term)
{
	struct scoutfs_quorum_block nb;

	if (q->role == QUORUM_LEADER)
		step_down(q, "a higher term exists");

	nb = q->blk;
	nb.term = cpu_to_le64(term);
	set_event(q, &nb, SCOUTFS_QUORUM_EVENT_TERM, term, 0);
	if (write_block(q, &nb))
		return -EIO;
	if (q->role != QUORUM_FOLLOWER)
		become_follower(q, -1);
	return 0;
}

/*
 * Whether some slot's block records fencing slot's leadership of term
 * (only the latest FENCE of each slot is kept, so an older fence may be
 * repeated; that is harmless).
 */
static bool already_fenced(const struct scoutfs_quorum_block *blks, const bool *valid,
			   int slot, u64 term)
{
	const struct scoutfs_quorum_event *ev;
	int i;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		ev = &blks[i].events[SCOUTFS_QUORUM_EVENT_FENCE];
		if (valid[i] && ev->rid != 0 && le64_to_cpu(ev->arg) == slot &&
		    le64_to_cpu(ev->term) == term)
			return true;
	}
	return false;
}

static bool should_stop(struct scoutfs_quorum *q)
{
	return READ_ONCE(q->stopping) || kthread_should_stop();
}

/*
 * Wait for the cluster to fence one earlier leader.  We have been
 * elected but don't lead yet: keep the other members from starting
 * elections meanwhile with heartbeats of our term (their acks and any
 * other messages wait in the socket until we're done).
 */
static int fence_one(struct scoutfs_quorum *q, int slot, u64 rid, u64 term)
{
	int ret;

	qinfo(q, "fencing the leader of term %llu (slot %d, rid %016llx) before starting",
	      term, slot, rid);
	for (;;) {
		ret = q->ops->fence_previous(q->arg, slot, rid, term, q->hb_interval);
		if (ret != -EAGAIN)
			break;
		if (should_stop(q)) {
			ret = -ESHUTDOWN;
			break;
		}
		send_all(q, SCOUTFS_QUORUM_MSG_HEARTBEAT);
	}
	if (ret)
		qinfo(q, "fencing slot %d failed (%d)", slot, ret);
	return ret;
}

/* whether an ELECT in blk still needs a fence: no STOP of its term or later */
static bool leader_unstopped(const struct scoutfs_quorum_block *blk, u64 *rid, u64 *term)
{
	const struct scoutfs_quorum_event *elect = &blk->events[SCOUTFS_QUORUM_EVENT_ELECT];

	*rid = le64_to_cpu(elect->rid);
	*term = le64_to_cpu(elect->term);
	return *rid != 0 && *term != 0 &&
	       le64_to_cpu(blk->events[SCOUTFS_QUORUM_EVENT_STOP].term) < *term;
}

/*
 * Before our server starts, every earlier leader that may still run
 * its server (an ELECT without a later STOP) must be fenced.  That
 * includes the mount that used our slot before us: its events were in
 * our block when we started.
 */
static int fence_previous_leaders(struct scoutfs_quorum *q)
{
	struct scoutfs_quorum_block *blks;
	bool valid[SCOUTFS_QUORUM_MAX_SLOTS] = { };
	u64 rid, term;
	int ret = 0;
	int i;

	blks = kcalloc(SCOUTFS_QUORUM_MAX_SLOTS, sizeof(*blks), GFP_KERNEL);
	if (!blks)
		return -ENOMEM;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (i == q->slot) {
			blks[i] = q->blk;
			valid[i] = true;
		} else if (slot_in_use(&q->qconf, i)) {
			valid[i] = read_slot_block(q->fsid, q->bdev, q->page, i, &blks[i]) == 0;
		}
	}

	if (!q->prev_fenced && leader_unstopped(&q->prev_blk, &rid, &term) &&
	    rid != q->rid && !already_fenced(blks, valid, q->slot, term)) {
		ret = fence_one(q, q->slot, rid, term) ?:
		      write_event(q, SCOUTFS_QUORUM_EVENT_FENCE, term, q->slot);
		if (ret)
			goto out;
	}
	/* a FENCE of another slot may replace that one: don't ask twice */
	q->prev_fenced = true;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (!valid[i] || !leader_unstopped(&blks[i], &rid, &term) ||
		    (i == q->slot && rid == q->rid) ||
		    already_fenced(blks, valid, i, term))
			continue;

		ret = fence_one(q, i, rid, term) ?:
		      write_event(q, SCOUTFS_QUORUM_EVENT_FENCE, term, i);
		if (ret)
			break;
	}
out:
	kfree(blks);
	return ret;
}

static void become_leader(struct scoutfs_quorum *q)
{
	u64 term = q_term(q);
	int ret;
	int i;

	ret = write_event(q, SCOUTFS_QUORUM_EVENT_ELECT, term, 0);
	if (ret) {
		become_follower(q, -1);
		return;
	}
	q->lead_term = term;
	spin_lock(&q->lock);
	q->st_elections++;
	spin_unlock(&q->lock);

	ret = fence_previous_leaders(q);
	if (ret) {
		step_down(q, "fencing the previous leader failed");
		return;
	}

	ret = q->ops->start_server(q->arg, term, &q->qconf.slots[q->slot].addr);
	if (ret) {
		qinfo(q, "starting the server failed (%d)", ret);
		step_down(q, "the server didn't start");
		return;
	}
	q->server_running = true;

	q->role = QUORUM_LEADER;
	q->last_majority = jiffies;
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++)
		q->last_ack[i] = jiffies - q->hb_timeout - 1;
	set_leader_slot(q, q->slot);
	update_status(q);
	qinfo(q, "leading term %llu with %lu of %u votes", term,
	      hweight_long(q->votes), q->nr_members);

	send_all(q, SCOUTFS_QUORUM_MSG_HEARTBEAT);
	q->next_send = jiffies + q->hb_interval;
}

/* raise our term, vote for ourselves, and ask the others */
static void start_election(struct scoutfs_quorum *q)
{
	struct scoutfs_quorum_block nb = q->blk;
	u64 term = q_term(q) + 1;

	nb.term = cpu_to_le64(term);
	set_event(q, &nb, SCOUTFS_QUORUM_EVENT_TERM, term, 0);
	set_event(q, &nb, SCOUTFS_QUORUM_EVENT_VOTE, term, q->slot);
	q->election_deadline = jiffies + election_timeout(q);
	if (write_block(q, &nb))
		return;

	q->role = QUORUM_CANDIDATE;
	q->votes = BIT(q->slot);
	set_leader_slot(q, -1);
	update_status(q);

	if (hweight_long(q->votes) >= q->majority) {
		become_leader(q);
		return;
	}
	send_all(q, SCOUTFS_QUORUM_MSG_REQUEST_VOTE);
	q->next_send = jiffies + q->hb_interval;
}

/* a leader that hasn't heard from a majority for the timeout stops */
static void check_majority(struct scoutfs_quorum *q)
{
	unsigned int nr = 1;
	int i;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (i != q->slot && slot_in_use(&q->qconf, i) &&
		    time_before(jiffies, q->last_ack[i] + q->hb_timeout))
			nr++;
	}
	if (nr >= q->majority)
		q->last_majority = jiffies;
	else if (time_after(jiffies, q->last_majority + q->hb_timeout))
		step_down(q, "lost contact with a majority of the quorum");
}

static void handle_msg(struct scoutfs_quorum *q, const struct scoutfs_quorum_msg *msg)
{
	u64 term = le64_to_cpu(msg->term);
	int from = msg->from_slot;
	int voted;

	if (term > q_term(q) && adopt_term(q, term))
		return;

	if (term < q_term(q)) {
		/* a stale leader learns the new term from our answer */
		if (msg->type == SCOUTFS_QUORUM_MSG_HEARTBEAT)
			send_msg(q, from, SCOUTFS_QUORUM_MSG_HEARTBEAT_ACK);
		return;
	}

	switch (msg->type) {
	case SCOUTFS_QUORUM_MSG_REQUEST_VOTE:
		if (q->role != QUORUM_FOLLOWER)
			break;
		voted = q_voted_for(q);
		if (voted < 0) {
			if (write_event(q, SCOUTFS_QUORUM_EVENT_VOTE, term, from))
				break;
			voted = from;
		}
		if (voted == from) {
			send_msg(q, from, SCOUTFS_QUORUM_MSG_VOTE);
			q->election_deadline = jiffies + election_timeout(q);
		}
		break;

	case SCOUTFS_QUORUM_MSG_VOTE:
		if (q->role != QUORUM_CANDIDATE)
			break;
		q->votes |= BIT(from);
		if (hweight_long(q->votes) >= q->majority)
			become_leader(q);
		break;

	case SCOUTFS_QUORUM_MSG_HEARTBEAT:
		if (q->role == QUORUM_LEADER) {
			qwarn_rl(q, "slot %d also claims to lead term %llu", from, term);
			break;
		}
		if (q->role != QUORUM_FOLLOWER)
			become_follower(q, from);
		set_leader_slot(q, from);
		q->election_deadline = jiffies + election_timeout(q);
		send_msg(q, from, SCOUTFS_QUORUM_MSG_HEARTBEAT_ACK);
		break;

	case SCOUTFS_QUORUM_MSG_HEARTBEAT_ACK:
		if (q->role == QUORUM_LEADER)
			q->last_ack[from] = jiffies;
		break;
	}
}

static int quorum_thread(void *data)
{
	struct scoutfs_quorum *q = data;
	struct scoutfs_quorum_msg msg;
	unsigned long timeout;
	unsigned long until;

	while (!should_stop(q)) {
		if (q->role != QUORUM_LEADER &&
		    time_after_eq(jiffies, q->election_deadline))
			start_election(q);

		if (q->role == QUORUM_LEADER)
			check_majority(q);

		if (q->role != QUORUM_FOLLOWER && time_after_eq(jiffies, q->next_send)) {
			send_all(q, q->role == QUORUM_LEADER ? SCOUTFS_QUORUM_MSG_HEARTBEAT :
							       SCOUTFS_QUORUM_MSG_REQUEST_VOTE);
			q->next_send = jiffies + q->hb_interval;
		}

		until = q->role == QUORUM_LEADER ? q->next_send : q->election_deadline;
		if (q->role == QUORUM_CANDIDATE && time_before(q->next_send, until))
			until = q->next_send;
		timeout = time_after(until, jiffies) ? until - jiffies : 1;
		timeout = min(timeout, q->hb_interval);

		if (recv_msg(q, &msg, timeout) == 0)
			handle_msg(q, &msg);
		cond_resched();
	}

	if (q->role == QUORUM_LEADER || q->server_running)
		step_down(q, "unmounting");
	q->role = QUORUM_NONE;
	set_leader_slot(q, -1);
	write_event(q, SCOUTFS_QUORUM_EVENT_END, q_term(q), 0);

	/* kthread_stop() must find us */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* ----------------------------------------------------------------- setup */

/*
 * Our block's history and the highest term any slot has recorded: we
 * start in that term, so our next candidacy is above every term seen.
 */
static int load_blocks(struct scoutfs_quorum *q)
{
	struct scoutfs_quorum_block *other;
	u64 term = 0;
	int ret;
	int i;

	other = kmalloc(sizeof(*other), GFP_KERNEL);
	if (!other)
		return -ENOMEM;

	memset(&q->blk, 0, sizeof(q->blk));
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (!slot_in_use(&q->qconf, i))
			continue;
		ret = read_slot_block(q->fsid, q->bdev, q->page, i, other);
		if (ret)
			continue;
		term = max(term, le64_to_cpu(other->term));
		if (i == q->slot)
			q->blk = *other;
	}
	kfree(other);
	/* our own writes overwrite its events: remember who led from here */
	q->prev_blk = q->blk;

	q->blk.term = cpu_to_le64(term);
	return 0;
}

static int create_socket(struct scoutfs_quorum *q)
{
	const struct scoutfs_inet_addr *ia = &q->qconf.slots[q->slot].addr;
	struct sockaddr_storage ss;
	int len;
	int ret;

	switch (le16_to_cpu(ia->family)) {
	case SCOUTFS_AF_IPV4:
		q->family = AF_INET;
		break;
	case SCOUTFS_AF_IPV6:
		q->family = AF_INET6;
		break;
	default:
		qinfo(q, "the slot's address family %u is unknown", le16_to_cpu(ia->family));
		return -EINVAL;
	}
	len = inet_to_sockaddr(ia, q->family, &ss);
	if (len < 0)
		return len;

	ret = sock_create_kern(&init_net, q->family, SOCK_DGRAM, IPPROTO_UDP, &q->sock);
	if (ret) {
		qinfo(q, "creating the UDP socket failed (%d)", ret);
		return ret;
	}
	q->sock->sk->sk_allocation = GFP_NOFS;
	ret = kernel_bind(q->sock, (struct sockaddr *)&ss, len);
	if (ret == -EADDRNOTAVAIL)
		qerr(q, "the slot's address %pISpc isn't this node's: the slot belongs to another node (%d)",
		     &ss, ret);
	else if (ret == -EADDRINUSE)
		qerr(q, "the slot's address %pISpc is in use: is the slot mounted already? (%d)",
		     &ss, ret);
	else if (ret)
		qerr(q, "binding UDP %pISpc failed (%d)", &ss, ret);
	if (ret) {
		sock_release(q->sock);
		q->sock = NULL;
	}
	return ret;
}

static void quorum_free(struct scoutfs_quorum *q)
{
	if (q->sock)
		sock_release(q->sock);
	if (q->page)
		__free_page(q->page);
	kfree(q);
}

int scoutfs_quorum_start(struct scoutfs_quorum **q_ret,
			 const struct scoutfs_quorum_args *args,
			 const struct scoutfs_quorum_ops *ops, void *arg)
{
	struct scoutfs_quorum *q;
	int ret;
	int i;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	spin_lock_init(&q->lock);
	q->bdev = args->meta_bdev;
	q->qconf = args->super->quorum;
	q->fsid = args->fsid;
	q->rid = args->rid;
	q->slot = args->slot;
	q->ops = ops;
	q->arg = arg;
	q->hb_timeout = max(msecs_to_jiffies(args->heartbeat_timeout_ms), 10UL);
	q->hb_interval = max(q->hb_timeout / 5, 1UL);
	q->st_leader_slot = -1;
	q->st_voted_for = -1;
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (slot_in_use(&q->qconf, i))
			q->nr_members++;
	}
	q->majority = q->nr_members < 3 ? 1 : q->nr_members / 2 + 1;

	q->page = alloc_page(GFP_KERNEL);
	if (!q->page) {
		ret = -ENOMEM;
		goto fail;
	}

	/* without a slot we only find leaders in the blocks */
	if (q->slot < 0) {
		*q_ret = q;
		return 0;
	}
	if (!slot_in_use(&q->qconf, q->slot)) {
		ret = -EINVAL;
		goto fail;
	}

	ret = load_blocks(q) ?:
	      create_socket(q) ?:
	      write_event(q, SCOUTFS_QUORUM_EVENT_BEGIN, q_term(q), 0);
	if (ret)
		goto fail;

	q->role = QUORUM_FOLLOWER;
	/* a lone member needn't wait for a leader's heartbeats */
	q->election_deadline = jiffies +
			       (q->nr_members == 1 ? 0 : election_timeout(q));
	update_status(q);

	q->task = kthread_run(quorum_thread, q, "scoutfs_quorum%d", q->slot);
	if (IS_ERR(q->task)) {
		ret = PTR_ERR(q->task);
		q->task = NULL;
		write_event(q, SCOUTFS_QUORUM_EVENT_END, q_term(q), 0);
		goto fail;
	}

	qinfo(q, "taking part in elections from term %llu, %u members, majority %u",
	      q_term(q), q->nr_members, q->majority);
	*q_ret = q;
	return 0;

fail:
	quorum_free(q);
	return ret;
}

void scoutfs_quorum_stop(struct scoutfs_quorum *q)
{
	if (!q)
		return;
	if (q->task) {
		WRITE_ONCE(q->stopping, true);
		/* wakes the thread from its receive */
		kernel_sock_shutdown(q->sock, SHUT_RDWR);
		kthread_stop(q->task);
	}
	quorum_free(q);
}

/*
 * The leader according to the quorum blocks: the slot with the greatest
 * term whose ELECT isn't followed by a STOP of that term.
 */
int scoutfs_quorum_find_leader(struct scoutfs_quorum *q,
			       struct scoutfs_inet_addr *addr, u64 *term)
{
	const struct scoutfs_quorum_event *elect;
	struct scoutfs_quorum_block *blk;
	struct page *page;
	u64 best = 0;
	u64 t;
	int ret;
	int i;

	blk = kmalloc(sizeof(*blk), GFP_NOFS);
	page = alloc_page(GFP_NOFS);
	if (!blk || !page) {
		ret = -ENOMEM;
		goto out;
	}

	ret = -ENOENT;
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		if (!slot_in_use(&q->qconf, i) ||
		    read_slot_block(q->fsid, q->bdev, page, i, blk))
			continue;
		elect = &blk->events[SCOUTFS_QUORUM_EVENT_ELECT];
		t = le64_to_cpu(elect->term);
		if (elect->rid == 0 || t == 0 || t <= best ||
		    le64_to_cpu(blk->events[SCOUTFS_QUORUM_EVENT_STOP].term) >= t)
			continue;
		best = t;
		*addr = q->qconf.slots[i].addr;
		*term = t;
		ret = 0;
	}
out:
	if (page)
		__free_page(page);
	kfree(blk);
	return ret;
}

bool scoutfs_quorum_is_leader(struct scoutfs_quorum *q)
{
	bool ret;

	spin_lock(&q->lock);
	ret = q->st_role == QUORUM_LEADER;
	spin_unlock(&q->lock);
	return ret;
}

ssize_t scoutfs_quorum_status(struct scoutfs_quorum *q, char *buf, size_t size)
{
	enum quorum_role role;
	int leader, voted;
	u64 term, elections;

	spin_lock(&q->lock);
	role = q->st_role;
	term = q->st_term;
	leader = q->st_leader_slot;
	voted = q->st_voted_for;
	elections = q->st_elections;
	spin_unlock(&q->lock);

	return scnprintf(buf, size,
			 "slot %d\nrole %s\nterm %llu\nleader_slot %d\nvoted_for %d\n"
			 "members %u\nmajority %u\nelections_won %llu\n"
			 "heartbeat_timeout_ms %u\n",
			 q->slot, role_names[role], term, leader, voted,
			 q->nr_members, q->majority, elections,
			 jiffies_to_msecs(q->hb_timeout));
}
