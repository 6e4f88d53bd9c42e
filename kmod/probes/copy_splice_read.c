// SPDX-License-Identifier: GPL-2.0
/*
 * KC_COPY_SPLICE_READ: copy_splice_read() splices through ->read_iter()
 * (6.5+).  Older kernels' generic_file_splice_read() does the same.
 */
#include <linux/fs.h>

ssize_t (*probe_splice)(struct file *, loff_t *, struct pipe_inode_info *, size_t,
			unsigned int) = copy_splice_read;
