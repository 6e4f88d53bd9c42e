// SPDX-License-Identifier: GPL-2.0
/*
 * KC_GENERIC_FILLATTR_REQUEST_MASK: generic_fillattr() takes the statx
 * request mask as its second argument (6.6+).  The idmap argument is
 * passed as NULL so that this probe is independent of KC_MNT_IDMAP.
 */
#include <linux/fs.h>
#include <linux/stat.h>

void probe_fillattr(struct inode *inode, struct kstat *stat)
{
	generic_fillattr(NULL, STATX_BASIC_STATS, inode, stat);
}
