// SPDX-License-Identifier: GPL-2.0
/*
 * KC_MNT_IDMAP: inode operations take a struct mnt_idmap * (6.3+) instead
 * of the struct user_namespace * of older kernels.
 */
#include <linux/fs.h>
#include <linux/mnt_idmapping.h>

static int probe_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask,
			 unsigned int query_flags)
{
	return 0;
}

const struct inode_operations probe_iops = {
	.getattr = probe_getattr,
};

struct mnt_idmap *probe_nop_idmap(void)
{
	return &nop_mnt_idmap;
}
