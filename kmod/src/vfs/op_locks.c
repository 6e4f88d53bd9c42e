// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster locks of a VFS operation (vfs/op_locks.h).
 */
#include <linux/kernel.h>
#include <linux/sort.h>

#include "cluster/cluster.h"
#include "cluster/lock.h"
#include "format/key.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"

#define INODE_GROUP_SHIFT 10

static void add(struct scoutfs_op_locks *ol, const struct scoutfs_key *start,
		const struct scoutfs_key *end, u8 mode)
{
	unsigned int i;

	for (i = 0; i < ol->nr; i++) {
		if (scoutfs_key_compare(&ol->start[i], start) == 0) {
			/* the same lock twice: the stronger mode covers both */
			if (ol->mode[i] != mode)
				ol->mode[i] = SCOUTFS_LOCK_WRITE;
			return;
		}
	}
	if (WARN_ON_ONCE(ol->nr >= SCOUTFS_OP_LOCKS_MAX))
		return;
	ol->start[ol->nr] = *start;
	ol->end[ol->nr] = *end;
	ol->mode[ol->nr] = mode;
	ol->lock[ol->nr] = NULL;
	ol->nr++;
}

static void inode_range(u64 ino, struct scoutfs_key *start, struct scoutfs_key *end)
{
	u64 first = ino & ~((1ULL << INODE_GROUP_SHIFT) - 1);
	u64 last = first + (1ULL << INODE_GROUP_SHIFT) - 1;

	scoutfs_key_set(start, SCOUTFS_FS_ZONE, first, 0, 0, 0, 0);
	scoutfs_key_set(end, SCOUTFS_FS_ZONE, last, U8_MAX, U64_MAX, U64_MAX, U8_MAX);
}

void scoutfs_op_locks_add_inode(struct scoutfs_op_locks *ol, u64 ino, u8 mode)
{
	struct scoutfs_key start;
	struct scoutfs_key end;

	inode_range(ino, &start, &end);
	add(ol, &start, &end, mode);
}

bool scoutfs_op_lock_inode_cached(struct super_block *sb, u64 ino, u8 mode, u64 *refresh_gen)
{
	struct scoutfs_lock_client *lc = scoutfs_cluster_locks(SCOUTFS_MNT(sb)->cluster);
	struct scoutfs_key start;
	struct scoutfs_key end;

	inode_range(ino, &start, &end);
	return scoutfs_lock_cached(lc, mode, &start, refresh_gen);
}

void scoutfs_op_locks_add_zone(struct scoutfs_op_locks *ol, u8 zone, u8 mode)
{
	struct scoutfs_key start;
	struct scoutfs_key end;

	scoutfs_key_set(&start, zone, 0, 0, 0, 0, 0);
	scoutfs_key_set(&end, zone, U64_MAX, U8_MAX, U64_MAX, U64_MAX, U8_MAX);
	add(ol, &start, &end, mode);
}

int scoutfs_op_locks_take(struct super_block *sb, struct scoutfs_op_locks *ol)
{
	struct scoutfs_lock_client *lc = scoutfs_cluster_locks(SCOUTFS_MNT(sb)->cluster);
	unsigned int i, j;
	u64 write_seq = 0;
	int ret = 0;

	/* key order: a few entries, insertion sort */
	for (i = 1; i < ol->nr; i++) {
		for (j = i; j > 0 && scoutfs_key_compare(&ol->start[j], &ol->start[j - 1]) < 0; j--) {
			swap(ol->start[j], ol->start[j - 1]);
			swap(ol->end[j], ol->end[j - 1]);
			swap(ol->mode[j], ol->mode[j - 1]);
		}
	}
	for (i = 0; i < ol->nr; i++) {
		ret = scoutfs_lock(lc, ol->mode[i], &ol->start[i], &ol->end[i], &ol->lock[i]);
		if (ret) {
			ol->lock[i] = NULL;
			for (j = 0; j < i; j++) {
				scoutfs_unlock(ol->lock[j], ol->mode[j]);
				ol->lock[j] = NULL;
			}
			return ret;
		}
	}
	/* held: their grants can't change until dropped (see op_locks.h) */
	for (i = 0; i < ol->nr; i++)
		write_seq = max(write_seq, ol->lock[i]->il.write_seq);
	for (i = 0; i < ol->nr; i++) {
		ol->il[i] = ol->lock[i]->il;
		ol->il[i].write_seq = write_seq;
	}
	return 0;
}

void scoutfs_op_locks_drop(struct scoutfs_op_locks *ol)
{
	unsigned int i;

	for (i = 0; i < ol->nr; i++) {
		if (ol->lock[i])
			scoutfs_unlock(ol->lock[i], ol->mode[i]);
		ol->lock[i] = NULL;
	}
	ol->nr = 0;
}

const struct scoutfs_item_lock *scoutfs_op_lock_for(const struct scoutfs_op_locks *ol,
						    const struct scoutfs_key *key)
{
	unsigned int i;

	for (i = 0; i < ol->nr; i++) {
		if (ol->lock[i] && scoutfs_key_compare(key, &ol->start[i]) >= 0 &&
		    scoutfs_key_compare(key, &ol->end[i]) <= 0)
			return &ol->il[i];
	}
	return NULL;
}

struct scoutfs_lock *scoutfs_op_lock_inode(const struct scoutfs_op_locks *ol, u64 ino)
{
	struct scoutfs_key key;
	unsigned int i;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	for (i = 0; i < ol->nr; i++) {
		if (ol->lock[i] && scoutfs_key_compare(&key, &ol->start[i]) >= 0 &&
		    scoutfs_key_compare(&key, &ol->end[i]) <= 0)
			return ol->lock[i];
	}
	return NULL;
}
