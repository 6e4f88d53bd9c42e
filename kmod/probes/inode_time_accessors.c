// SPDX-License-Identifier: GPL-2.0
/*
 * KC_INODE_TIME_ACCESSORS: atime and mtime are private to struct inode and
 * reached through inode_{get,set}_{a,m}time*() helpers, and the seconds
 * and nanoseconds of every timestamp can be read separately (6.7+).
 */
#include <linux/fs.h>

time64_t probe_times(struct inode *inode)
{
	struct timespec64 ts = inode_get_mtime(inode);

	inode_set_mtime_to_ts(inode, ts);
	ts = inode_get_atime(inode);
	inode_set_atime(inode, ts.tv_sec, ts.tv_nsec);
	return inode_get_atime_sec(inode) + inode_get_mtime_nsec(inode) +
	       inode_get_ctime_sec(inode);
}
