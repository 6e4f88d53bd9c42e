/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_OPTIONS_H_
#define _SCOUTFS_VFS_OPTIONS_H_

#include <linux/fs_parser.h>
#include <linux/types.h>

struct seq_file;

/*
 * Quorum slots that a mount can be given with quorum_slot_nr.  This will
 * come from the on-disk format once the format headers exist.
 */
#define SCOUTFS_OPTS_QUORUM_SLOTS 15

/*
 * The mount options of one mount.  Parsed into the fs_context and later
 * handed to the super block.
 */
struct scoutfs_mount_options {
	char *metadev_path;		/* required: metadata block device */
	int quorum_slot_nr;		/* -1 when not a quorum member */
	u32 orphan_scan_delay_ms;
	u32 data_prealloc_blocks;
	bool data_prealloc_contig_only;
	u32 log_merge_wait_timeout_ms;
	u32 tcp_keepalive_timeout_ms;
	u32 quorum_heartbeat_timeout_ms;
	bool acl;
};

extern const struct fs_parameter_spec scoutfs_mount_param_spec[];

void scoutfs_options_init(struct scoutfs_mount_options *opts);
int scoutfs_options_parse_param(struct fs_context *fc,
				struct scoutfs_mount_options *opts,
				struct fs_parameter *param);
int scoutfs_options_validate(struct fs_context *fc,
			     const struct scoutfs_mount_options *opts);
void scoutfs_options_show(struct seq_file *seq,
			  const struct scoutfs_mount_options *opts);
void scoutfs_options_free(struct scoutfs_mount_options *opts);

#endif
