/*
 * Making a new filesystem on a pair of devices.  All checks come before
 * the first write: a refused mkfs leaves both devices untouched.
 */
#ifndef SCOUTFS_UTILS_MKFS_H
#define SCOUTFS_UTILS_MKFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* device sizes below these need -A (allow small) */
#define SCOUTFS_MKFS_MIN_META_SIZE	(16ULL << 30)
#define SCOUTFS_MKFS_MIN_DATA_SIZE	(8ULL << 30)
/* and nothing works below these */
#define SCOUTFS_MKFS_FLOOR_META_SIZE	(64ULL << 20)
#define SCOUTFS_MKFS_FLOOR_DATA_SIZE	(16ULL << 20)

/* metadata blocks handed to the server's first commits */
#define SCOUTFS_MKFS_SERVER_AVAIL_BLOCKS 1024

struct scoutfs_mkfs_opts {
	const char *meta_path;
	const char *data_path;
	struct scoutfs_quorum_slot_arg slots[SCOUTFS_PARSE_MAX_QUORUM_SLOTS];
	unsigned int nr_slots;
	uint64_t max_meta_size;		/* bytes, 0: the whole device */
	uint64_t max_data_size;
	bool force;			/* overwrite existing filesystems */
	bool allow_small;		/* allow devices under the minimum sizes */
	bool has_fsid;			/* use fsid instead of a random one */
	uint64_t fsid;
};

struct scoutfs_mkfs_result {
	uint64_t fsid;
	unsigned char uuid[16];
	uint64_t total_meta_blocks;
	uint64_t total_data_blocks;
	uint64_t free_meta_blocks;
	uint64_t free_data_blocks;
	bool small;			/* under the minimum sizes, allowed by -A */
};

/*
 * Returns 0, or -errno with a one-line reason in err (without the
 * command prefix), e.g. "/dev/sdb: already holds a scoutfs filesystem".
 */
int scoutfs_mkfs(const struct scoutfs_mkfs_opts *opts,
		 struct scoutfs_mkfs_result *res, char *err, size_t errlen);

#endif
