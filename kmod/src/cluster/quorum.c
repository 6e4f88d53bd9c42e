// SPDX-License-Identifier: GPL-2.0
/*
 * Leader election (cluster/quorum.h).  Placeholder being replaced by the
 * real election; it only keeps the mount wiring buildable.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "cluster/quorum.h"

struct scoutfs_quorum {
	int slot;
};

int scoutfs_quorum_start(struct scoutfs_quorum **q_ret,
			 const struct scoutfs_quorum_args *args,
			 const struct scoutfs_quorum_ops *ops, void *arg)
{
	struct scoutfs_quorum *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return -ENOMEM;
	q->slot = args->slot;
	*q_ret = q;
	return 0;
}

void scoutfs_quorum_stop(struct scoutfs_quorum *q)
{
	kfree(q);
}

int scoutfs_quorum_find_leader(struct scoutfs_quorum *q,
			       struct scoutfs_inet_addr *addr, u64 *term)
{
	return -ENOENT;
}

bool scoutfs_quorum_is_leader(struct scoutfs_quorum *q)
{
	return false;
}

ssize_t scoutfs_quorum_status(struct scoutfs_quorum *q, char *buf, size_t size)
{
	return scnprintf(buf, size, "slot %d\n", q->slot);
}
