/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_BLOCK_H_
#define _SCOUTFS_FORMAT_BLOCK_H_

#include "format.h"

/*
 * Results of scoutfs_block_verify(), in the order the checks are made.
 * The crc is checked first: when it fails nothing else in the block can
 * be trusted.  The remaining checks find intact blocks that are not the
 * block that was asked for.
 */
enum scoutfs_block_result {
	SCOUTFS_BLOCK_OK = 0,
	SCOUTFS_BLOCK_ERR_SIZE,		/* buffer smaller than a header */
	SCOUTFS_BLOCK_ERR_CRC,		/* contents damaged or never written */
	SCOUTFS_BLOCK_ERR_MAGIC,	/* a different type of block */
	SCOUTFS_BLOCK_ERR_FSID,		/* from another filesystem */
	SCOUTFS_BLOCK_ERR_BLKNO,	/* misdirected write or read */
	SCOUTFS_BLOCK_ERR_SEQ,		/* stale: an older or newer version */
	SCOUTFS_BLOCK_NR_RESULTS,
};

/* zero the crc and fill in the other header fields */
void scoutfs_block_hdr_init(struct scoutfs_block_header *hdr, __u32 magic,
			    __u64 fsid, __u64 blkno, __u64 seq);

/* the crc of bytes [4, size) of a block */
__u32 scoutfs_block_calc_crc(const void *blk, size_t size);
void scoutfs_block_set_crc(void *blk, size_t size);

/*
 * Check a block's header against what its reader expected.  An fsid or
 * seq of 0 is not checked: mount doesn't know the fsid before it has
 * read the superblock, and fixed-location blocks have no expected seq.
 * Returns a SCOUTFS_BLOCK_ value.
 */
int scoutfs_block_verify(const void *blk, size_t size, __u32 magic,
			 __u64 fsid, __u64 blkno, __u64 seq);

/* verify a metadata block read through a reference */
int scoutfs_block_verify_ref(const void *blk, __u32 magic, __u64 fsid,
			     const struct scoutfs_block_ref *ref);

/* a short description of a SCOUTFS_BLOCK_ value, never NULL */
const char *scoutfs_block_result_str(int result);

/* the errno for a result: 0, -ESTALE for a stale seq, -EIO otherwise */
int scoutfs_block_result_errno(int result);

#endif
