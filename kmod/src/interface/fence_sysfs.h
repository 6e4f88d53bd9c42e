/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_INTERFACE_FENCE_SYSFS_H_
#define _SCOUTFS_INTERFACE_FENCE_SYSFS_H_

struct scoutfs_fences;
struct scoutfs_sysfs_dir;
struct fence_sysfs;

/*
 * parent/fence/ with a directory per fence request of fences, until
 * scoutfs_fence_sysfs_del().  Returns an ERR_PTR on failure.
 */
struct fence_sysfs *scoutfs_fence_sysfs_add(struct scoutfs_sysfs_dir *parent,
					    struct scoutfs_fences *fences);
/* removes every request's directory and fence/; NULL is ignored */
void scoutfs_fence_sysfs_del(struct fence_sysfs *fs);

#endif
