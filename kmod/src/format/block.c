// SPDX-License-Identifier: GPL-2.0
/*
 * Checksums and header checks of metadata, super and quorum blocks.
 */
#include "block.h"
#include "crc32c.h"

void scoutfs_block_hdr_init(struct scoutfs_block_header *hdr, __u32 magic,
			    __u64 fsid, __u64 blkno, __u64 seq)
{
	hdr->crc = 0;
	hdr->magic = cpu_to_le32(magic);
	hdr->fsid = cpu_to_le64(fsid);
	hdr->seq = cpu_to_le64(seq);
	hdr->blkno = cpu_to_le64(blkno);
}

/* the crc covers everything after the crc field itself */
__u32 scoutfs_block_calc_crc(const void *blk, size_t size)
{
	const size_t skip = offsetof(struct scoutfs_block_header, magic);

	return scoutfs_crc32c((const char *)blk + skip, size - skip);
}

void scoutfs_block_set_crc(void *blk, size_t size)
{
	struct scoutfs_block_header *hdr = blk;

	hdr->crc = cpu_to_le32(scoutfs_block_calc_crc(blk, size));
}

int scoutfs_block_verify(const void *blk, size_t size, __u32 magic,
			 __u64 fsid, __u64 blkno, __u64 seq)
{
	const struct scoutfs_block_header *hdr = blk;

	if (size < sizeof(struct scoutfs_block_header))
		return SCOUTFS_BLOCK_ERR_SIZE;
	if (le32_to_cpu(hdr->crc) != scoutfs_block_calc_crc(blk, size))
		return SCOUTFS_BLOCK_ERR_CRC;
	if (le32_to_cpu(hdr->magic) != magic)
		return SCOUTFS_BLOCK_ERR_MAGIC;
	if (fsid != 0 && le64_to_cpu(hdr->fsid) != fsid)
		return SCOUTFS_BLOCK_ERR_FSID;
	if (le64_to_cpu(hdr->blkno) != blkno)
		return SCOUTFS_BLOCK_ERR_BLKNO;
	if (seq != 0 && le64_to_cpu(hdr->seq) != seq)
		return SCOUTFS_BLOCK_ERR_SEQ;

	return SCOUTFS_BLOCK_OK;
}

int scoutfs_block_verify_ref(const void *blk, __u32 magic, __u64 fsid,
			     const struct scoutfs_block_ref *ref)
{
	return scoutfs_block_verify(blk, SCOUTFS_META_BLOCK_SIZE, magic, fsid,
				    le64_to_cpu(ref->blkno),
				    le64_to_cpu(ref->seq));
}

const char *scoutfs_block_result_str(int result)
{
	static const char * const strs[] = {
		[SCOUTFS_BLOCK_OK] = "ok",
		[SCOUTFS_BLOCK_ERR_SIZE] = "block smaller than its header",
		[SCOUTFS_BLOCK_ERR_CRC] = "checksum mismatch",
		[SCOUTFS_BLOCK_ERR_MAGIC] = "wrong block magic",
		[SCOUTFS_BLOCK_ERR_FSID] = "wrong fsid",
		[SCOUTFS_BLOCK_ERR_BLKNO] = "wrong block number",
		[SCOUTFS_BLOCK_ERR_SEQ] = "wrong sequence number",
	};

	if (result < 0 || result >= SCOUTFS_BLOCK_NR_RESULTS)
		return "unknown block check result";
	return strs[result];
}

int scoutfs_block_result_errno(int result)
{
	switch (result) {
	case SCOUTFS_BLOCK_OK:
		return 0;
	case SCOUTFS_BLOCK_ERR_SEQ:
		return -ESTALE;
	default:
		return -EIO;
	}
}
