// SPDX-License-Identifier: GPL-2.0
/*
 * KC_INODE_CTIME_ACCESSORS: the inode ctime is reached through
 * inode_get_ctime()/inode_set_ctime_to_ts()/inode_set_ctime_current()
 * (6.6 upstream, but also backported to some stable kernels, which is why
 * this is probed instead of inferred from the version).
 */
#include <linux/fs.h>

struct timespec64 probe_ctime(struct inode *inode)
{
	struct timespec64 ts = inode_get_ctime(inode);

	inode_set_ctime_to_ts(inode, ts);
	return inode_set_ctime_current(inode);
}
