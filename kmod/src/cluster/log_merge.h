/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_LOG_MERGE_H_
#define _SCOUTFS_CLUSTER_LOG_MERGE_H_

struct scoutfs_server_state;

/*
 * Merge every finalized log tree into the fs tree, then delete their
 * records and free their blocks.  Runs as a series of server commits,
 * each leaving a state where readers see the same items (a key's newest
 * version is in the fs tree or still in its log tree), so it can stop
 * at any point and be run again.
 */
/* should_stop (if given) is asked between commits: the merge resumes later */
int scoutfs_log_merge(struct scoutfs_server_state *ss,
		      bool (*should_stop)(void *arg), void *arg);

#endif
