// SPDX-License-Identifier: GPL-2.0
/*
 * Inode attribute flags (vfs/flags.h).
 */
#include <linux/fs.h>
#include <linux/fileattr.h>

#include "format/format.h"
#include "vfs/flags.h"
#include "vfs/inode.h"
#include "vfs/op_locks.h"

static const struct {
	u64 ino_flag;
	u32 fs_flag;
	unsigned int s_flag;
} flag_map[] = {
	{ SCOUTFS_INO_FLAG_APPEND, FS_APPEND_FL, S_APPEND },
	{ SCOUTFS_INO_FLAG_IMMUTABLE, FS_IMMUTABLE_FL, S_IMMUTABLE },
	{ SCOUTFS_INO_FLAG_NOATIME, FS_NOATIME_FL, S_NOATIME },
	{ SCOUTFS_INO_FLAG_SYNC, FS_SYNC_FL, S_SYNC },
	{ SCOUTFS_INO_FLAG_NODUMP, FS_NODUMP_FL, 0 },
};

void scoutfs_flags_to_vfs(struct inode *inode)
{
	u64 flags = SCOUTFS_I(inode)->flags;
	unsigned int set = 0;
	unsigned int mask = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flag_map); i++) {
		mask |= flag_map[i].s_flag;
		if (flags & flag_map[i].ino_flag)
			set |= flag_map[i].s_flag;
	}
	inode_set_flags(inode, set, mask);
}

int scoutfs_fileattr_get(struct dentry *dentry, struct fileattr *fa)
{
	u64 flags = SCOUTFS_I(d_inode(dentry))->flags;
	u32 fs_flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flag_map); i++) {
		if (flags & flag_map[i].ino_flag)
			fs_flags |= flag_map[i].fs_flag;
	}
	fileattr_fill_flags(fa, fs_flags);
	return 0;
}

int scoutfs_fileattr_set(KC_VFS_IDMAP *idmap, struct dentry *dentry, struct fileattr *fa)
{
	struct inode *inode = d_inode(dentry);
	struct scoutfs_op_locks ol;
	u32 known = 0;
	u64 flags = 0;
	unsigned int i;
	int ret;

	/* the VFS checked the capabilities for append and immutable */
	if (fileattr_has_fsx(fa))
		return -EOPNOTSUPP;
	for (i = 0; i < ARRAY_SIZE(flag_map); i++) {
		known |= flag_map[i].fs_flag;
		if (fa->flags & flag_map[i].fs_flag)
			flags |= flag_map[i].ino_flag;
	}
	if (fa->flags & ~known)
		return -EOPNOTSUPP;

	ret = scoutfs_inode_op_begin(inode, NULL, &ol);
	if (ret)
		return ret;
	SCOUTFS_I(inode)->flags = (SCOUTFS_I(inode)->flags & ~SCOUTFS_INO_FLAGS_KNOWN) | flags;
	scoutfs_flags_to_vfs(inode);
	inode_set_ctime_current(inode);
	ret = scoutfs_inode_write(inode, &ol);
	scoutfs_inode_op_end(inode, &ol);
	return ret;
}
