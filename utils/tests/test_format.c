/*
 * Tests of the on-disk format code shared with the kernel module
 * (kmod/src/format/): struct sizes and offsets as docs/format.md
 * documents them, crc32c, block header checks, key order and stepping,
 * and building, verifying and corrupting btree blocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/crc32c.h"
#include "format/format.h"
#include "format/key.h"
#include "tap.h"

#define FSID	0x0123456789abcdefULL

#define IS_SIZE(type, size) tap_is_int(sizeof(type), size, "sizeof(" #type ") is " #size)
#define IS_OFF(type, field, off) \
	tap_is_int(offsetof(type, field), off, #type "." #field " is at " #off)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic, so failures reproduce */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void *alloc_block(size_t size)
{
	void *p = aligned_alloc(64, size);

	if (!p)
		tap_bail("out of memory");
	memset(p, 0, size);
	return p;
}

/* ------------------------------------------------------------------ */

static void test_sizes(void)
{
	IS_SIZE(struct scoutfs_block_header, 32);
	IS_OFF(struct scoutfs_block_header, crc, 0);
	IS_OFF(struct scoutfs_block_header, magic, 4);
	IS_OFF(struct scoutfs_block_header, fsid, 8);
	IS_OFF(struct scoutfs_block_header, seq, 16);
	IS_OFF(struct scoutfs_block_header, blkno, 24);
	IS_SIZE(struct scoutfs_block_ref, 16);
	IS_OFF(struct scoutfs_block_ref, seq, 8);
	IS_SIZE(struct scoutfs_btree_root, 24);
	IS_OFF(struct scoutfs_btree_root, height, 16);
	IS_SIZE(struct scoutfs_timespec, 16);
	IS_OFF(struct scoutfs_timespec, nsec, 8);
	IS_SIZE(struct scoutfs_inet_addr, 24);
	IS_OFF(struct scoutfs_inet_addr, port, 2);
	IS_OFF(struct scoutfs_inet_addr, addr, 8);

	IS_SIZE(struct scoutfs_key, 32);
	IS_OFF(struct scoutfs_key, sk_zone, 0);
	IS_OFF(struct scoutfs_key, sk_type, 1);
	IS_OFF(struct scoutfs_key, sk_fourth, 2);
	IS_OFF(struct scoutfs_key, __sk_pad, 3);
	IS_OFF(struct scoutfs_key, sk_first, 8);
	IS_OFF(struct scoutfs_key, sk_second, 16);
	IS_OFF(struct scoutfs_key, sk_third, 24);

	IS_SIZE(struct scoutfs_btree_item, 48);
	IS_OFF(struct scoutfs_btree_item, key, 0);
	IS_OFF(struct scoutfs_btree_item, seq, 32);
	IS_OFF(struct scoutfs_btree_item, val_off, 40);
	IS_OFF(struct scoutfs_btree_item, val_len, 42);
	IS_OFF(struct scoutfs_btree_item, flags, 44);
	IS_SIZE(struct scoutfs_btree_block, 40);
	IS_OFF(struct scoutfs_btree_block, nr_items, 32);
	IS_OFF(struct scoutfs_btree_block, mid_free_len, 34);
	IS_OFF(struct scoutfs_btree_block, total_free_len, 36);
	IS_OFF(struct scoutfs_btree_block, level, 38);
	IS_OFF(struct scoutfs_btree_block, items, 40);

	IS_SIZE(struct scoutfs_alloc_root, 40);
	IS_OFF(struct scoutfs_alloc_root, root, 8);
	IS_OFF(struct scoutfs_alloc_root, flags, 32);
	IS_SIZE(struct scoutfs_alloc_list_head, 32);
	IS_OFF(struct scoutfs_alloc_list_head, total_nr, 16);
	IS_OFF(struct scoutfs_alloc_list_head, first_nr, 24);
	IS_SIZE(struct scoutfs_alloc_list_block, 56);
	IS_OFF(struct scoutfs_alloc_list_block, next, 32);
	IS_OFF(struct scoutfs_alloc_list_block, start, 48);
	IS_OFF(struct scoutfs_alloc_list_block, blknos, 56);
	tap_is_int(SCOUTFS_ALLOC_LIST_MAX_BLKNOS, 8185, "a list block holds 8185 blknos");

	IS_SIZE(struct scoutfs_quorum_slot, 32);
	IS_OFF(struct scoutfs_quorum_slot, flags, 24);
	IS_SIZE(struct scoutfs_quorum_config, 488);
	IS_OFF(struct scoutfs_quorum_config, slots, 8);

	IS_SIZE(struct scoutfs_super_block, 968);
	IS_OFF(struct scoutfs_super_block, fmt_vers, 32);
	IS_OFF(struct scoutfs_super_block, feat_compat, 40);
	IS_OFF(struct scoutfs_super_block, feat_ro_compat, 48);
	IS_OFF(struct scoutfs_super_block, feat_incompat, 56);
	IS_OFF(struct scoutfs_super_block, uuid, 64);
	IS_OFF(struct scoutfs_super_block, flags, 80);
	IS_OFF(struct scoutfs_super_block, total_meta_blocks, 88);
	IS_OFF(struct scoutfs_super_block, total_data_blocks, 96);
	IS_OFF(struct scoutfs_super_block, next_ino, 104);
	IS_OFF(struct scoutfs_super_block, next_seq, 112);
	IS_OFF(struct scoutfs_super_block, mkfs_time, 120);
	IS_OFF(struct scoutfs_super_block, quorum, 136);
	IS_OFF(struct scoutfs_super_block, fs_root, 624);
	IS_OFF(struct scoutfs_super_block, logs_root, 648);
	IS_OFF(struct scoutfs_super_block, mounted_clients_root, 672);
	IS_OFF(struct scoutfs_super_block, srch_root, 696);
	IS_OFF(struct scoutfs_super_block, meta_alloc, 720);
	IS_OFF(struct scoutfs_super_block, data_alloc, 800);
	IS_OFF(struct scoutfs_super_block, server_meta_avail, 840);
	IS_OFF(struct scoutfs_super_block, server_meta_freed, 904);
	tap_is_int(sizeof(uuid_t), sizeof(((struct scoutfs_super_block *)NULL)->uuid),
		   "the superblock uuid holds a libuuid uuid_t");

	IS_SIZE(struct scoutfs_quorum_event, 40);
	IS_OFF(struct scoutfs_quorum_event, term, 8);
	IS_OFF(struct scoutfs_quorum_event, arg, 16);
	IS_OFF(struct scoutfs_quorum_event, ts, 24);
	IS_SIZE(struct scoutfs_quorum_block, 320);
	IS_OFF(struct scoutfs_quorum_block, term, 32);
	IS_OFF(struct scoutfs_quorum_block, events, 40);

	IS_SIZE(struct scoutfs_log_trees, 208);
	IS_OFF(struct scoutfs_log_trees, meta_avail, 0);
	IS_OFF(struct scoutfs_log_trees, meta_freed, 32);
	IS_OFF(struct scoutfs_log_trees, item_root, 64);
	IS_OFF(struct scoutfs_log_trees, data_avail, 88);
	IS_OFF(struct scoutfs_log_trees, data_freed, 128);
	IS_OFF(struct scoutfs_log_trees, rid, 168);
	IS_OFF(struct scoutfs_log_trees, nr, 176);
	IS_OFF(struct scoutfs_log_trees, trans_seq, 184);
	IS_OFF(struct scoutfs_log_trees, max_item_seq, 192);
	IS_OFF(struct scoutfs_log_trees, flags, 200);
	IS_SIZE(struct scoutfs_mounted_client, 40);
	IS_OFF(struct scoutfs_mounted_client, addr, 16);

	IS_SIZE(struct scoutfs_inode, 168);
	IS_OFF(struct scoutfs_inode, size, 0);
	IS_OFF(struct scoutfs_inode, meta_seq, 8);
	IS_OFF(struct scoutfs_inode, data_seq, 16);
	IS_OFF(struct scoutfs_inode, data_version, 24);
	IS_OFF(struct scoutfs_inode, online_blocks, 32);
	IS_OFF(struct scoutfs_inode, offline_blocks, 40);
	IS_OFF(struct scoutfs_inode, next_readdir_pos, 48);
	IS_OFF(struct scoutfs_inode, next_xattr_id, 56);
	IS_OFF(struct scoutfs_inode, flags, 64);
	IS_OFF(struct scoutfs_inode, nlink, 72);
	IS_OFF(struct scoutfs_inode, uid, 76);
	IS_OFF(struct scoutfs_inode, gid, 80);
	IS_OFF(struct scoutfs_inode, mode, 84);
	IS_OFF(struct scoutfs_inode, rdev, 88);
	IS_OFF(struct scoutfs_inode, atime, 96);
	IS_OFF(struct scoutfs_inode, mtime, 112);
	IS_OFF(struct scoutfs_inode, ctime, 128);
	IS_OFF(struct scoutfs_inode, crtime, 144);
	IS_OFF(struct scoutfs_inode, proj, 160);
	IS_SIZE(struct scoutfs_dirent, 32);
	IS_OFF(struct scoutfs_dirent, hash, 8);
	IS_OFF(struct scoutfs_dirent, pos, 16);
	IS_OFF(struct scoutfs_dirent, type, 24);
	IS_OFF(struct scoutfs_dirent, name, 32);
	IS_SIZE(struct scoutfs_xattr, 8);
	IS_OFF(struct scoutfs_xattr, name_len, 4);
	IS_OFF(struct scoutfs_xattr, name, 8);
	tap_is_int(SCOUTFS_XATTR_MAX_PARTS, 17, "the largest xattr takes 17 parts");
	IS_SIZE(struct scoutfs_xattr_totl_val, 16);
	IS_SIZE(struct scoutfs_data_extent, 24);
	IS_OFF(struct scoutfs_data_extent, blkno, 8);
	IS_OFF(struct scoutfs_data_extent, flags, 16);
}

static void test_layout(void)
{
	tap_is_int(SCOUTFS_META_BLOCK_SIZE, 65536, "metadata blocks are 64 KiB");
	tap_is_int(SCOUTFS_DATA_BLOCK_SIZE, 4096, "data blocks are 4 KiB");
	tap_is_int(SCOUTFS_SUPER_OFFSET, 65536, "the superblock is at 64 KiB");
	tap_is_int(SCOUTFS_SUPER_BLKNO, 16, "the superblock is small block 16");
	tap_is_int(SCOUTFS_QUORUM_OFFSET, 131072, "the quorum blocks start at 128 KiB");
	tap_is_int(SCOUTFS_QUORUM_SLOT_BLKNO(0), 32, "slot 0's quorum block is small block 32");
	tap_is_int(SCOUTFS_QUORUM_SLOT_BLKNO(14), 46, "slot 14's quorum block is small block 46");
	tap_is_int(SCOUTFS_META_FIRST_BLKNO, 16, "metadata blocks start at 64 KiB block 16 (1 MiB)");
	tap_is_int(SCOUTFS_DATA_FIRST_BLKNO, 256, "data blocks start at 4 KiB block 256 (1 MiB)");
	tap_is_int(SCOUTFS_BTREE_SPACE, 65496, "a btree block has 65496 bytes for items");
	tap_ok(SCOUTFS_BLOCK_MAGIC_SUPER != SCOUTFS_BLOCK_MAGIC_QUORUM &&
	       SCOUTFS_BLOCK_MAGIC_SUPER != SCOUTFS_BLOCK_MAGIC_BTREE &&
	       SCOUTFS_BLOCK_MAGIC_SUPER != SCOUTFS_BLOCK_MAGIC_ALLOC_LIST &&
	       SCOUTFS_BLOCK_MAGIC_QUORUM != SCOUTFS_BLOCK_MAGIC_BTREE &&
	       SCOUTFS_BLOCK_MAGIC_QUORUM != SCOUTFS_BLOCK_MAGIC_ALLOC_LIST &&
	       SCOUTFS_BLOCK_MAGIC_BTREE != SCOUTFS_BLOCK_MAGIC_ALLOC_LIST,
	       "block magics are distinct");
}

/* the on-disk bytes really are little endian, whatever the host is */
static void test_endian(void)
{
	static const unsigned char want[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	struct scoutfs_key key;
	unsigned char *p = (unsigned char *)&key;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, 0x0102030405060708ULL,
			SCOUTFS_INODE_TYPE, 0, 0, 9);
	tap_ok(memcmp(p + 8, want, 8) == 0, "key.sk_first is stored little endian");
	tap_ok(p[0] == SCOUTFS_FS_ZONE && p[1] == SCOUTFS_INODE_TYPE && p[2] == 9 &&
	       memcmp(p + 3, "\0\0\0\0\0", 5) == 0,
	       "key zone, type, fourth and zeroed padding are bytes 0-7");
}

/* ------------------------------------------------------------------ */

static void test_crc32c(void)
{
	unsigned char buf[32];
	int i;

	tap_is_int(scoutfs_crc32c("123456789", 9), 0xe3069283, "crc32c(\"123456789\")");
	tap_is_int(scoutfs_crc32c("", 0), 0, "crc32c of nothing is 0");
	memset(buf, 0, sizeof(buf));
	tap_is_int(scoutfs_crc32c(buf, 32), 0x8a9136aa, "crc32c of 32 zero bytes");
	memset(buf, 0xff, sizeof(buf));
	tap_is_int(scoutfs_crc32c(buf, 32), 0x62a8ab43, "crc32c of 32 0xff bytes");
	for (i = 0; i < 32; i++)
		buf[i] = i;
	tap_is_int(scoutfs_crc32c(buf, 32), 0x46dd794e, "crc32c of bytes 0..31");
	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	tap_is_int(scoutfs_crc32c(buf, 32), 0x113fdb5c, "crc32c of bytes 31..0");
	tap_is_int(~scoutfs_crc32c_update(scoutfs_crc32c_update(~0U, "1234", 4), "56789", 5),
		   0xe3069283, "crc32c_update continues a crc");
}

/* ------------------------------------------------------------------ */

static void make_super(struct scoutfs_super_block *super)
{
	memset(super, 0, SCOUTFS_SUPER_SIZE);
	scoutfs_block_hdr_init(&super->hdr, SCOUTFS_BLOCK_MAGIC_SUPER, FSID,
			       SCOUTFS_SUPER_BLKNO, 7);
	super->fmt_vers = cpu_to_le64(SCOUTFS_FORMAT_VERSION);
	uuid_generate(super->uuid);
	super->flags = cpu_to_le64(SCOUTFS_SUPER_FLAG_META_DEV);
	super->total_meta_blocks = cpu_to_le64(1024);
	super->total_data_blocks = cpu_to_le64(1 << 20);
	super->next_ino = cpu_to_le64(SCOUTFS_FIRST_INO);
	super->next_seq = cpu_to_le64(2);
	super->quorum.version = cpu_to_le64(1);
	super->quorum.slots[0].addr.family = cpu_to_le16(SCOUTFS_AF_IPV4);
	super->quorum.slots[0].addr.port = cpu_to_le16(11112);
	memcpy(super->quorum.slots[0].addr.addr, "\x0a\x00\x00\x01", 4);
	super->quorum.slots[0].flags = cpu_to_le64(SCOUTFS_QUORUM_SLOT_IN_USE);
	scoutfs_block_set_crc(super, SCOUTFS_SUPER_SIZE);
}

static int verify_super(const void *blk)
{
	return scoutfs_block_verify(blk, SCOUTFS_SUPER_SIZE, SCOUTFS_BLOCK_MAGIC_SUPER,
				    FSID, SCOUTFS_SUPER_BLKNO, 7);
}

static void test_block(void)
{
	struct scoutfs_super_block *super = alloc_block(SCOUTFS_SUPER_SIZE);
	struct scoutfs_btree_block *bt = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	struct scoutfs_block_ref ref;
	unsigned char *p = (unsigned char *)super;
	const char *strs[SCOUTFS_BLOCK_NR_RESULTS];
	bool distinct = true;
	int i;
	int j;

	make_super(super);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_OK, "a sealed superblock verifies");
	tap_is_int(le32_to_cpu(super->hdr.crc),
		   scoutfs_crc32c(p + 4, SCOUTFS_SUPER_SIZE - 4),
		   "the crc is the crc32c of the bytes after the crc field");

	p[4000] ^= 0x01;
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_CRC, "a flipped bit in the tail is a crc error");
	p[4000] ^= 0x01;
	p[100] ^= 0x80;
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_CRC, "a flipped bit in the fields is a crc error");
	p[100] ^= 0x80;
	p[0] ^= 0xff;
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_CRC, "a damaged crc field is a crc error");
	p[0] ^= 0xff;
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_OK, "the repaired block verifies again");

	/* intact blocks that aren't the block asked for: resealed after the change */
	super->hdr.magic = cpu_to_le32(SCOUTFS_BLOCK_MAGIC_QUORUM);
	scoutfs_block_set_crc(super, SCOUTFS_SUPER_SIZE);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_MAGIC, "another block type is a magic error");
	make_super(super);
	super->hdr.fsid = cpu_to_le64(FSID + 1);
	scoutfs_block_set_crc(super, SCOUTFS_SUPER_SIZE);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_FSID, "another filesystem's block is an fsid error");
	tap_is_int(scoutfs_block_verify(super, SCOUTFS_SUPER_SIZE, SCOUTFS_BLOCK_MAGIC_SUPER,
					0, SCOUTFS_SUPER_BLKNO, 7),
		   SCOUTFS_BLOCK_OK, "fsid 0 is not checked");
	make_super(super);
	super->hdr.blkno = cpu_to_le64(SCOUTFS_SUPER_BLKNO + 1);
	scoutfs_block_set_crc(super, SCOUTFS_SUPER_SIZE);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_BLKNO, "a misdirected block is a blkno error");
	make_super(super);
	super->hdr.seq = cpu_to_le64(6);
	scoutfs_block_set_crc(super, SCOUTFS_SUPER_SIZE);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_SEQ, "an older version is a seq error");
	tap_is_int(scoutfs_block_verify(super, SCOUTFS_SUPER_SIZE, SCOUTFS_BLOCK_MAGIC_SUPER,
					FSID, SCOUTFS_SUPER_BLKNO, 0),
		   SCOUTFS_BLOCK_OK, "seq 0 is not checked");
	tap_is_int(scoutfs_block_verify(super, 16, SCOUTFS_BLOCK_MAGIC_SUPER, FSID,
					SCOUTFS_SUPER_BLKNO, 0),
		   SCOUTFS_BLOCK_ERR_SIZE, "a buffer smaller than a header is a size error");

	/* damage is reported as crc even when the magic is also wrong */
	make_super(super);
	super->hdr.magic = 0;
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_CRC, "the crc is checked before the magic");
	memset(super, 0, SCOUTFS_SUPER_SIZE);
	tap_is_int(verify_super(super), SCOUTFS_BLOCK_ERR_CRC, "a zeroed (never written) block is a crc error");

	/* through a reference */
	scoutfs_btree_block_init(bt, FSID, 1234, 99, 0);
	scoutfs_block_set_crc(bt, SCOUTFS_META_BLOCK_SIZE);
	ref.blkno = cpu_to_le64(1234);
	ref.seq = cpu_to_le64(99);
	tap_is_int(scoutfs_block_verify_ref(bt, SCOUTFS_BLOCK_MAGIC_BTREE, FSID, &ref),
		   SCOUTFS_BLOCK_OK, "a block verifies through its reference");
	ref.seq = cpu_to_le64(98);
	tap_is_int(scoutfs_block_verify_ref(bt, SCOUTFS_BLOCK_MAGIC_BTREE, FSID, &ref),
		   SCOUTFS_BLOCK_ERR_SEQ, "a reference with another seq finds a stale block");
	ref.seq = cpu_to_le64(99);
	ref.blkno = cpu_to_le64(1235);
	tap_is_int(scoutfs_block_verify_ref(bt, SCOUTFS_BLOCK_MAGIC_BTREE, FSID, &ref),
		   SCOUTFS_BLOCK_ERR_BLKNO, "a reference to another blkno finds a misdirected block");

	tap_is_int(scoutfs_block_result_errno(SCOUTFS_BLOCK_OK), 0, "ok is errno 0");
	tap_is_int(scoutfs_block_result_errno(SCOUTFS_BLOCK_ERR_SEQ), -ESTALE, "a seq error is -ESTALE");
	tap_is_int(scoutfs_block_result_errno(SCOUTFS_BLOCK_ERR_CRC), -EIO, "a crc error is -EIO");
	for (i = 0; i < SCOUTFS_BLOCK_NR_RESULTS; i++) {
		strs[i] = scoutfs_block_result_str(i);
		for (j = 0; j < i; j++)
			distinct &= strcmp(strs[i], strs[j]) != 0;
	}
	tap_ok(distinct, "every block result has its own description");
	tap_is_str(scoutfs_block_result_str(-1), "unknown block check result", "unknown results are described");

	free(super);
	free(bt);
}

/* ------------------------------------------------------------------ */

static struct scoutfs_key mk(uint8_t zone, uint64_t first, uint8_t type, uint64_t second,
			     uint64_t third, uint8_t fourth)
{
	struct scoutfs_key key;

	scoutfs_key_set(&key, zone, first, type, second, third, fourth);
	return key;
}

static int qsort_keys(const void *a, const void *b)
{
	return scoutfs_key_compare(a, b);
}

static char *fmt_key(const struct scoutfs_key *key)
{
	static char bufs[4][SCOUTFS_KEY_FORMAT_LEN];
	static int which;
	char *buf = bufs[which++ % 4];

	scoutfs_key_format(buf, SCOUTFS_KEY_FORMAT_LEN, key);
	return buf;
}

static void test_key_order(void)
{
	/* the order they must sort in */
	const struct scoutfs_key want[] = {
		mk(SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, 5, 300, 0),
		mk(SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, 9, 100, 0),
		mk(SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, 1, 300, 0),
		mk(SCOUTFS_XATTR_TOTL_ZONE, 1, SCOUTFS_XATTR_TOTL_TYPE, 2, 3, 0),
		mk(SCOUTFS_ORPHAN_ZONE, 300, SCOUTFS_ORPHAN_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 1, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 1, SCOUTFS_DIRENT_TYPE, 0xfedcba, 2, 0),
		mk(SCOUTFS_FS_ZONE, 1, SCOUTFS_READDIR_TYPE, 2, 0, 0),
		mk(SCOUTFS_FS_ZONE, 255, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 256, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_XATTR_TYPE, 77, 1, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_XATTR_TYPE, 77, 1, 1),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_XATTR_TYPE, 77, 2, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_XATTR_TYPE, 78, 0, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_SYMLINK_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_LINK_BACKREF_TYPE, 1, 2, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_DATA_EXTENT_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_DATA_EXTENT_TYPE, 0x100, 0, 0),
		mk(SCOUTFS_FS_ZONE, 301, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_FS_ZONE, ~0ULL, SCOUTFS_INODE_TYPE, 0, 0, 0),
		mk(SCOUTFS_SRCH_ZONE, 5, SCOUTFS_SRCH_TYPE, 300, 1, 0),
		mk(SCOUTFS_LOG_TREES_ZONE, 0xabc, SCOUTFS_LOG_TREES_TYPE, 1, 0, 0),
		mk(SCOUTFS_MOUNTED_CLIENT_ZONE, 0xabc, SCOUTFS_MOUNTED_CLIENT_TYPE, 0, 0, 0),
		mk(SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE, 100, 50, 0),
		mk(SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE, 50, 100, 0),
	};
	const size_t nr = sizeof(want) / sizeof(want[0]);
	struct scoutfs_key keys[sizeof(want) / sizeof(want[0])];
	struct scoutfs_key a;
	struct scoutfs_key b;
	bool sorted = true;
	bool adjacent = true;
	size_t i;
	size_t j;

	/* shuffle, sort, compare with the expected order */
	memcpy(keys, want, sizeof(keys));
	for (i = nr - 1; i > 0; i--) {
		j = rng() % (i + 1);
		a = keys[i];
		keys[i] = keys[j];
		keys[j] = a;
	}
	qsort(keys, nr, sizeof(keys[0]), qsort_keys);
	for (i = 0; i < nr; i++) {
		if (memcmp(&keys[i], &want[i], sizeof(keys[i])) != 0) {
			sorted = false;
			tap_diag("position %zu: got %s want %s", i, fmt_key(&keys[i]),
				 fmt_key(&want[i]));
		}
	}
	tap_ok(sorted, "keys sort by zone, first, type, second, third, fourth");

	/* every FS item of inode 300 is between its inode and the next inode */
	a = mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_INODE_TYPE, 0, 0, 0);
	b = mk(SCOUTFS_FS_ZONE, 301, 0, 0, 0, 0);
	for (i = 0; i < nr; i++) {
		bool in_range = scoutfs_key_compare(&want[i], &a) >= 0 &&
				scoutfs_key_compare(&want[i], &b) < 0;
		bool is_300 = want[i].sk_zone == SCOUTFS_FS_ZONE &&
			      le64_to_cpu(want[i].sk_first) == 300;

		adjacent &= in_range == is_300;
	}
	tap_ok(adjacent, "all of an inode's items sort together, its inode item first");

	/* each field is more significant than all the later ones */
	a = mk(1, 0, 0xff, ~0ULL, ~0ULL, 0xff);
	b = mk(1, 1, 0, 0, 0, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1, "first outranks type, second, third, fourth");
	a = mk(1, ~0ULL, 0xff, ~0ULL, ~0ULL, 0xff);
	b = mk(2, 0, 0, 0, 0, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1, "zone outranks every other field");
	a = mk(1, 5, 1, ~0ULL, ~0ULL, 0xff);
	b = mk(1, 5, 2, 0, 0, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1, "type outranks second, third, fourth");
	a = mk(1, 5, 1, 1, ~0ULL, 0xff);
	b = mk(1, 5, 1, 2, 0, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1, "second outranks third and fourth");
	a = mk(1, 5, 1, 1, 1, 0xff);
	b = mk(1, 5, 1, 1, 2, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1, "third outranks fourth");
	tap_is_int(scoutfs_key_compare(&b, &a), 1, "compare is antisymmetric");
	tap_is_int(scoutfs_key_compare(&a, &a), 0, "a key equals itself");
	a = mk(1, 0xff, 1, 0, 0, 0);
	b = mk(1, 0x100, 1, 0, 0, 0);
	tap_is_int(scoutfs_key_compare(&a, &b), -1,
		   "fields compare as numbers, not little endian bytes");
	b = a;
	b.__sk_pad[2] = 1;
	tap_is_int(scoutfs_key_compare(&a, &b), 0, "padding is not compared");
	tap_ok(scoutfs_key_is_valid(&a) && !scoutfs_key_is_valid(&b),
	       "keys with non-zero padding are invalid");
	a = mk(0, 1, 1, 0, 0, 0);
	b = mk(1, 1, 0, 0, 0, 0);
	tap_ok(!scoutfs_key_is_valid(&a) && !scoutfs_key_is_valid(&b),
	       "keys with zone or type 0 are invalid");
}

static bool key_eq(const struct scoutfs_key *a, const struct scoutfs_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void test_key_step(void)
{
	struct scoutfs_key key;
	struct scoutfs_key want;
	struct scoutfs_key orig;
	bool ok = true;
	bool ret;
	int i;

	key = mk(3, 5, 7, 9, 11, 13);
	want = mk(3, 5, 7, 9, 11, 14);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc steps fourth");
	key = mk(3, 5, 7, 9, 11, 0xff);
	want = mk(3, 5, 7, 9, 12, 0);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc carries fourth into third");
	key = mk(3, 5, 7, 9, ~0ULL, 0xff);
	want = mk(3, 5, 7, 10, 0, 0);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc carries third into second");
	key = mk(3, 5, 7, ~0ULL, ~0ULL, 0xff);
	want = mk(3, 5, 8, 0, 0, 0);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc carries second into type");
	key = mk(3, 5, 0xff, ~0ULL, ~0ULL, 0xff);
	want = mk(3, 6, 0, 0, 0, 0);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc carries type into first");
	key = mk(3, ~0ULL, 0xff, ~0ULL, ~0ULL, 0xff);
	want = mk(4, 0, 0, 0, 0, 0);
	tap_ok(scoutfs_key_inc(&key) && key_eq(&key, &want), "inc carries first into zone");
	scoutfs_key_set_ones(&key);
	scoutfs_key_set_zeros(&want);
	ret = scoutfs_key_inc(&key);
	tap_ok(!ret && key_eq(&key, &want), "inc of the greatest key wraps to zeros and says so");

	key = mk(3, 5, 7, 9, 11, 13);
	want = mk(3, 5, 7, 9, 11, 12);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec steps fourth");
	key = mk(3, 5, 7, 9, 11, 0);
	want = mk(3, 5, 7, 9, 10, 0xff);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec borrows from third");
	key = mk(3, 5, 7, 9, 0, 0);
	want = mk(3, 5, 7, 8, ~0ULL, 0xff);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec borrows from second");
	key = mk(3, 5, 7, 0, 0, 0);
	want = mk(3, 5, 6, ~0ULL, ~0ULL, 0xff);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec borrows from type");
	key = mk(3, 5, 0, 0, 0, 0);
	want = mk(3, 4, 0xff, ~0ULL, ~0ULL, 0xff);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec borrows from first");
	key = mk(3, 0, 0, 0, 0, 0);
	want = mk(2, ~0ULL, 0xff, ~0ULL, ~0ULL, 0xff);
	tap_ok(scoutfs_key_dec(&key) && key_eq(&key, &want), "dec borrows from zone");
	scoutfs_key_set_zeros(&key);
	scoutfs_key_set_ones(&want);
	ret = scoutfs_key_dec(&key);
	tap_ok(!ret && key_eq(&key, &want), "dec of the smallest key wraps to ones and says so");

	/* random keys with fields near their limits */
	for (i = 0; i < 10000; i++) {
		uint64_t r = rng();

		key = mk(r & 1 ? 0xff : rng(), r & 2 ? ~0ULL : rng(), r & 4 ? 0xff : rng(),
			 r & 8 ? ~0ULL : rng(), r & 16 ? ~0ULL : rng(), r & 32 ? 0xff : rng());
		orig = key;
		if (scoutfs_key_inc(&key)) {
			ok &= scoutfs_key_compare(&orig, &key) < 0;
			ok &= scoutfs_key_dec(&key) && key_eq(&key, &orig);
		}
		key = orig;
		if (scoutfs_key_dec(&key)) {
			ok &= scoutfs_key_compare(&key, &orig) < 0;
			ok &= scoutfs_key_inc(&key) && key_eq(&key, &orig);
		}
	}
	tap_ok(ok, "inc and dec of 10000 random keys move in order and undo each other");
}

static void test_key_format(void)
{
	char buf[SCOUTFS_KEY_FORMAT_LEN];
	struct scoutfs_key key;
	int len;

	key = mk(SCOUTFS_FS_ZONE, 1, SCOUTFS_INODE_TYPE, 0, 0, 0);
	tap_is_str(fmt_key(&key), "fs.1.inode.0.0.0", "an inode key prints by name");
	key = mk(SCOUTFS_FS_ZONE, 300, SCOUTFS_XATTR_TYPE, 77, 2, 3);
	tap_is_str(fmt_key(&key), "fs.300.xattr.77.2.3", "an xattr part key prints all fields");
	key = mk(7, 1, 9, 2, 3, 4);
	tap_is_str(fmt_key(&key), "z7.1.t9.2.3.4", "unknown zones and types print as numbers");
	scoutfs_key_set_ones(&key);
	len = scoutfs_key_format(buf, sizeof(buf), &key);
	tap_ok(len > 0 && len < (int)sizeof(buf) &&
	       strcmp(buf, "z255.18446744073709551615.t255.18446744073709551615."
			   "18446744073709551615.255") == 0,
	       "the longest key fits SCOUTFS_KEY_FORMAT_LEN: %s", buf);
	len = scoutfs_key_format(buf, 8, &key);
	tap_ok(len > 8 && strlen(buf) == 7, "a short buffer is truncated and terminated");

	tap_is_int((long long)scoutfs_name_hash("", 0), (long long)0xf52a15e9a9b5e89bULL,
		   "name hash of nothing");
	tap_is_int((long long)scoutfs_name_hash("a", 1), (long long)0x02c0bdbf481420f8ULL,
		   "name hash of \"a\"");
	tap_is_int((long long)scoutfs_name_hash("hello", 5), (long long)0x16fe05a1c75bcd0fULL,
		   "name hash of \"hello\"");
}

/* ------------------------------------------------------------------ */

static struct scoutfs_btree_verify_scratch scratch;

static int verify_bt(const struct scoutfs_btree_block *bt, int level, int *bad)
{
	return scoutfs_btree_block_verify(bt, level, &scratch, bad);
}

/* a leaf of nr items with keys 10, 20, ... inserted in a random order */
static void build_leaf(struct scoutfs_btree_block *bt, int nr)
{
	unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN];
	struct scoutfs_key key;
	int order[512];
	int i;
	int j;
	int t;

	scoutfs_btree_block_init(bt, FSID, 100, 5, 0);
	for (i = 0; i < nr; i++)
		order[i] = i;
	for (i = nr - 1; i > 0; i--) {
		j = rng() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < nr; i++) {
		/* value lengths 0..99, the length a function of the key */
		int len = (order[i] * 37) % 100;

		memset(val, order[i], len);
		key = mk(SCOUTFS_FS_ZONE, 1000, SCOUTFS_XATTR_TYPE, (order[i] + 1) * 10, 0, 0);
		if (scoutfs_btree_block_insert(bt, &key, order[i] + 1, 0, val, len) != 0)
			tap_bail("building a leaf failed");
	}
}

static void test_btree_build(void)
{
	struct scoutfs_btree_block *bt = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN];
	const struct scoutfs_btree_item *item;
	struct scoutfs_block_ref ref;
	struct scoutfs_key key;
	unsigned int pos;
	unsigned int used;
	bool ok = true;
	int bad;
	int ret;
	int nr;
	int i;

	scoutfs_btree_block_init(bt, FSID, 100, 5, 0);
	tap_is_int(verify_bt(bt, 0, &bad), SCOUTFS_BTREE_OK, "an empty leaf verifies");
	tap_is_int(le16_to_cpu(bt->mid_free_len), SCOUTFS_BTREE_SPACE, "an empty leaf is all free");

	build_leaf(bt, 200);
	scoutfs_block_set_crc(bt, SCOUTFS_META_BLOCK_SIZE);
	tap_is_int(scoutfs_block_verify(bt, SCOUTFS_META_BLOCK_SIZE, SCOUTFS_BLOCK_MAGIC_BTREE,
					FSID, 100, 5),
		   SCOUTFS_BLOCK_OK, "a built leaf's header verifies");
	ret = verify_bt(bt, 0, &bad);
	tap_is_int(ret, SCOUTFS_BTREE_OK, "a leaf built from 200 random inserts verifies");
	tap_is_int(bad, -1, "no item is blamed");
	tap_is_int(verify_bt(bt, -1, &bad), SCOUTFS_BTREE_OK, "level -1 accepts any level");

	/* items come back in key order with their values */
	for (i = 0; i < 200; i++) {
		const unsigned char *v;
		int len = (i * 37) % 100;
		int j;

		item = &bt->items[i];
		v = scoutfs_btree_item_val(bt, item);
		ok &= le64_to_cpu(item->key.sk_second) == (uint64_t)(i + 1) * 10;
		ok &= le64_to_cpu(item->seq) == (uint64_t)i + 1;
		ok &= le16_to_cpu(item->val_len) == len;
		ok &= (len == 0) == (v == NULL);
		for (j = 0; j < len; j++)
			ok &= v[j] == i;
	}
	tap_ok(ok, "iterating returns the items in key order with their seqs and values");

	key = mk(SCOUTFS_FS_ZONE, 1000, SCOUTFS_XATTR_TYPE, 770, 0, 0);
	tap_ok(scoutfs_btree_block_find(bt, &key, &pos) == 0 && pos == 76, "find finds a key");
	key = mk(SCOUTFS_FS_ZONE, 1000, SCOUTFS_XATTR_TYPE, 775, 0, 0);
	tap_ok(scoutfs_btree_block_find(bt, &key, &pos) == -ENOENT && pos == 77,
	       "find of a missing key gives its insert position");
	key = mk(SCOUTFS_FS_ZONE, 1, 1, 0, 0, 0);
	tap_ok(scoutfs_btree_block_find(bt, &key, &pos) == -ENOENT && pos == 0,
	       "a key before all items inserts at 0");
	key = mk(SCOUTFS_FS_ZONE, 1000, SCOUTFS_XATTR_TYPE, 10, 0, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0), -EEXIST,
		   "inserting an existing key is -EEXIST");
	key = mk(SCOUTFS_FS_ZONE, 1000, SCOUTFS_XATTR_TYPE, 11, 0, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, val, SCOUTFS_BTREE_MAX_VAL_LEN + 1),
		   -EINVAL, "a value over the maximum is -EINVAL");
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, SCOUTFS_ITEM_FLAG_DELETION, val, 1),
		   -EINVAL, "a deletion item with a value is -EINVAL");
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0x80, NULL, 0), -EINVAL,
		   "unknown item flags are -EINVAL");
	key.__sk_pad[0] = 1;
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0), -EINVAL,
		   "an invalid key is -EINVAL");
	key.__sk_pad[0] = 0;
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 9, SCOUTFS_ITEM_FLAG_DELETION, NULL, 0),
		   0, "a deletion item inserts");
	tap_is_int(verify_bt(bt, 0, &bad), SCOUTFS_BTREE_OK, "a leaf with a deletion item verifies");
	used = scoutfs_btree_block_used(bt);
	tap_is_int(used + le16_to_cpu(bt->total_free_len), SCOUTFS_BTREE_SPACE,
		   "used plus free is the whole item space");

	/* fill a block with maximal values until it's full */
	scoutfs_btree_block_init(bt, FSID, 100, 5, 0);
	memset(val, 0xaa, sizeof(val));
	for (nr = 0;; nr++) {
		key = mk(SCOUTFS_FS_ZONE, 5, SCOUTFS_XATTR_TYPE, 1, 1, nr);
		ret = scoutfs_btree_block_insert(bt, &key, 1, 0, val, sizeof(val));
		if (ret)
			break;
	}
	tap_is_int(ret, -ENOSPC, "a full block refuses an insert with -ENOSPC");
	tap_is_int(nr, SCOUTFS_BTREE_SPACE / (48 + SCOUTFS_BTREE_MAX_VAL_LEN),
		   "a block holds 15 maximal items");
	tap_is_int(verify_bt(bt, 0, &bad), SCOUTFS_BTREE_OK, "a full block verifies");
	/* fill the rest with value-less items */
	for (;; nr++) {
		key = mk(SCOUTFS_FS_ZONE, 6, SCOUTFS_ORPHAN_TYPE, nr, 0, 0);
		if (scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0))
			break;
	}
	tap_ok(le16_to_cpu(bt->mid_free_len) < sizeof(struct scoutfs_btree_item) &&
	       verify_bt(bt, 0, &bad) == SCOUTFS_BTREE_OK,
	       "a block packed to the last byte verifies (%d items)", nr);

	/* the most items a block can hold */
	scoutfs_btree_block_init(bt, FSID, 100, 5, 0);
	for (nr = 0;; nr++) {
		key = mk(SCOUTFS_FS_ZONE, 6, SCOUTFS_ORPHAN_TYPE, nr, 0, 0);
		if (scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0))
			break;
	}
	tap_is_int(nr, SCOUTFS_BTREE_SPACE / 48, "a block holds 1364 value-less items");
	tap_is_int(verify_bt(bt, 0, &bad), SCOUTFS_BTREE_OK, "a block of only item headers verifies");

	/* a parent block */
	scoutfs_btree_block_init(bt, FSID, 101, 5, 1);
	for (i = 0; i < 10; i++) {
		key = mk(SCOUTFS_FS_ZONE, (i + 1) * 1000, 0xff, ~0ULL, ~0ULL, 0xff);
		ref.blkno = cpu_to_le64(200 + i);
		ref.seq = cpu_to_le64(4);
		scoutfs_btree_block_insert(bt, &key, 0, 0, &ref, sizeof(ref));
	}
	tap_is_int(verify_bt(bt, 1, &bad), SCOUTFS_BTREE_OK, "a parent of block refs verifies");

	free(bt);
}

struct corruption {
	const char *what;
	int result;
	int bad_item;		/* -2: don't care */
};

static void check_corrupt(struct scoutfs_btree_block *bt, int level, const struct corruption *c)
{
	int bad = -3;
	int ret = verify_bt(bt, level, &bad);

	if (tap_is_int(ret, c->result, "%s: %s", c->what, scoutfs_btree_result_str(c->result)) &&
	    c->bad_item != -2)
		tap_is_int(bad, c->bad_item, "%s: blames item %d", c->what, c->bad_item);
}

static void test_btree_corrupt(void)
{
	struct scoutfs_btree_block *bt = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	struct scoutfs_btree_block *good = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	struct scoutfs_btree_item *items = bt->items;
	struct scoutfs_block_ref ref;
	struct scoutfs_key key;
	struct scoutfs_key tmp;
	const char *strs[SCOUTFS_BTREE_NR_RESULTS];
	bool distinct = true;
	int nr = 50;
	int i;
	int j;

	build_leaf(good, nr);

#define RESET() memcpy(bt, good, SCOUTFS_META_BLOCK_SIZE)
#define CHECK(what, result, item) do {					\
		const struct corruption c_ = { what, result, item };	\
		check_corrupt(bt, 0, &c_);				\
	} while (0)

	RESET();
	tmp = items[10].key;
	items[10].key = items[11].key;
	items[11].key = tmp;
	CHECK("two swapped keys", SCOUTFS_BTREE_ERR_KEY_ORDER, 11);

	RESET();
	items[20].key = items[19].key;
	CHECK("a duplicate key", SCOUTFS_BTREE_ERR_KEY_ORDER, 20);

	RESET();
	items[30].key.sk_first = cpu_to_le64(1);
	CHECK("a key smaller than its predecessor", SCOUTFS_BTREE_ERR_KEY_ORDER, 30);

	RESET();
	items[5].key.sk_zone = 0;
	CHECK("a zero zone", SCOUTFS_BTREE_ERR_KEY, 5);

	RESET();
	items[6].key.__sk_pad[4] = 0x10;
	CHECK("non-zero key padding", SCOUTFS_BTREE_ERR_KEY, 6);

	/* item 1 has a 37 byte value */
	RESET();
	items[1].val_off = cpu_to_le16(SCOUTFS_META_BLOCK_SIZE - 32);
	CHECK("a value past the end of the block", SCOUTFS_BTREE_ERR_VAL_OFF, 1);

	RESET();
	le16_add_cpu(&items[1].val_off, 4);
	CHECK("a misaligned value", SCOUTFS_BTREE_ERR_VAL_OFF, 1);

	RESET();
	items[1].val_off = cpu_to_le16(sizeof(*bt) + 8);
	CHECK("a value inside the item array", SCOUTFS_BTREE_ERR_VAL_OFF, 1);

	RESET();
	items[1].val_off = cpu_to_le16(sizeof(*bt) + nr * sizeof(*items) + 8);
	CHECK("a value in the free space", SCOUTFS_BTREE_ERR_VAL_OFF, 1);

	RESET();
	items[0].val_off = cpu_to_le16(8);
	CHECK("an offset on an item without a value", SCOUTFS_BTREE_ERR_VAL_OFF, 0);

	RESET();
	items[3].val_off = items[2].val_off;
	CHECK("two items sharing a value", SCOUTFS_BTREE_ERR_VAL_OVERLAP, 3);

	/* move a value that isn't the last in the block up by 8 bytes */
	RESET();
	for (i = 0; i < nr; i++) {
		if (items[i].val_len != 0 &&
		    le16_to_cpu(items[i].val_off) +
		    scoutfs_btree_val_space(le16_to_cpu(items[i].val_len)) <
		    SCOUTFS_META_BLOCK_SIZE)
			break;
	}
	le16_add_cpu(&items[i].val_off, 8);
	CHECK("a value overlapping the next value", SCOUTFS_BTREE_ERR_VAL_OVERLAP, -2);

	RESET();
	items[2].val_len = cpu_to_le16(SCOUTFS_BTREE_MAX_VAL_LEN + 8);
	CHECK("a value over the maximum length", SCOUTFS_BTREE_ERR_VAL_LEN, 2);

	RESET();
	items[2].flags = SCOUTFS_ITEM_FLAG_DELETION;
	CHECK("a deletion item with a value", SCOUTFS_BTREE_ERR_VAL_LEN, 2);

	RESET();
	items[7].flags = 0x40;
	CHECK("unknown item flags", SCOUTFS_BTREE_ERR_ITEM_FLAGS, 7);

	RESET();
	items[8].__pad[1] = 1;
	CHECK("non-zero item padding", SCOUTFS_BTREE_ERR_ITEM_FLAGS, 8);

	RESET();
	bt->nr_items = cpu_to_le16(2000);
	CHECK("a count too large for the block", SCOUTFS_BTREE_ERR_NR_ITEMS, -1);

	RESET();
	bt->nr_items = cpu_to_le16(nr - 1);
	CHECK("a count one too small", SCOUTFS_BTREE_ERR_FREE, -1);

	/* the free counts agree, but the extra item is zeros */
	RESET();
	bt->nr_items = cpu_to_le16(nr + 1);
	le16_add_cpu(&bt->mid_free_len, -(int)sizeof(*items));
	le16_add_cpu(&bt->total_free_len, -(int)sizeof(*items));
	CHECK("a count one too large", SCOUTFS_BTREE_ERR_KEY, nr);

	RESET();
	bt->nr_items = cpu_to_le16(nr + 1);
	CHECK("a count one too large, free counts unchanged", SCOUTFS_BTREE_ERR_VAL_OFF, -2);

	RESET();
	le16_add_cpu(&bt->total_free_len, 8);
	CHECK("a wrong total free count", SCOUTFS_BTREE_ERR_FREE, -1);

	RESET();
	le16_add_cpu(&bt->mid_free_len, -8);
	CHECK("a wrong contiguous free count", SCOUTFS_BTREE_ERR_FREE, -1);

	RESET();
	bt->mid_free_len = cpu_to_le16(0xffff);
	CHECK("a contiguous free count past the block", SCOUTFS_BTREE_ERR_FREE, -1);

	RESET();
	bt->__pad[0] = 1;
	CHECK("non-zero header padding", SCOUTFS_BTREE_ERR_PAD, -1);

	RESET();
	bt->level = SCOUTFS_BTREE_MAX_HEIGHT;
	CHECK("a level above the maximum height", SCOUTFS_BTREE_ERR_LEVEL, -1);

	RESET();
	{
		const struct corruption c = { "a leaf where a parent was expected",
					      SCOUTFS_BTREE_ERR_LEVEL, -1 };

		check_corrupt(bt, 1, &c);
	}

	/* a leaf item in a parent block */
	RESET();
	bt->level = 1;
	{
		const struct corruption c = { "a leaf claiming to be a parent",
					      SCOUTFS_BTREE_ERR_PARENT, 0 };

		check_corrupt(bt, 1, &c);
	}

	/* parents */
	scoutfs_btree_block_init(good, FSID, 101, 5, 1);
	for (i = 0; i < 4; i++) {
		key = mk(SCOUTFS_FS_ZONE, (i + 1) * 1000, 0xff, ~0ULL, ~0ULL, 0xff);
		ref.blkno = cpu_to_le64(200 + i);
		ref.seq = cpu_to_le64(4);
		scoutfs_btree_block_insert(good, &key, 0, 0, &ref, sizeof(ref));
	}

#undef CHECK
#define CHECK(what, result, item) do {					\
		const struct corruption c_ = { what, result, item };	\
		check_corrupt(bt, 1, &c_);				\
	} while (0)

	RESET();
	CHECK("the parent as built", SCOUTFS_BTREE_OK, -1);
	RESET();
	memset((char *)bt + le16_to_cpu(items[2].val_off), 0, sizeof(ref));
	CHECK("a parent item with a null ref", SCOUTFS_BTREE_ERR_PARENT, 2);
	RESET();
	items[1].seq = cpu_to_le64(3);
	CHECK("a parent item with a seq", SCOUTFS_BTREE_ERR_PARENT, 1);
	RESET();
	items[3].flags = SCOUTFS_ITEM_FLAG_DELETION;
	CHECK("a parent deletion item", SCOUTFS_BTREE_ERR_VAL_LEN, 3);
	scoutfs_btree_block_init(bt, FSID, 101, 5, 1);
	CHECK("an empty parent", SCOUTFS_BTREE_ERR_NR_ITEMS, -1);

	for (i = 0; i < SCOUTFS_BTREE_NR_RESULTS; i++) {
		strs[i] = scoutfs_btree_result_str(i);
		for (j = 0; j < i; j++)
			distinct &= strcmp(strs[i], strs[j]) != 0;
	}
	tap_ok(distinct, "every btree result has its own description");

#undef CHECK
#undef RESET
	free(bt);
	free(good);
}

/*
 * Random damage to a valid leaf: verify must never crash or read out of
 * bounds (ASan and UBSan watch), and whatever it accepts must really be
 * safe to use: sorted keys and values inside the block.
 */
static void test_btree_fuzz(void)
{
	struct scoutfs_btree_block *good = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	struct scoutfs_btree_block *bt = alloc_block(SCOUTFS_META_BLOCK_SIZE);
	unsigned char *p = (unsigned char *)bt;
	unsigned int region;
	int accepted = 0;
	bool safe = true;
	int bad;
	int i;
	int j;
	int n;

	build_leaf(good, 100);
	region = sizeof(*bt) + 100 * sizeof(struct scoutfs_btree_item);

	for (i = 0; i < 20000; i++) {
		memcpy(bt, good, SCOUTFS_META_BLOCK_SIZE);
		n = 1 + rng() % 4;
		for (j = 0; j < n; j++) {
			/* mostly the header and item array, where damage matters */
			unsigned int off = rng() % 8 ? 32 + rng() % (region - 32) :
						       rng() % SCOUTFS_META_BLOCK_SIZE;
			p[off] ^= 1 << (rng() % 8);
		}
		if (verify_bt(bt, -1, &bad) != SCOUTFS_BTREE_OK) {
			safe &= bad >= -1 && bad < le16_to_cpu(bt->nr_items);
			continue;
		}
		accepted++;
		for (j = 0; j < le16_to_cpu(bt->nr_items); j++) {
			const struct scoutfs_btree_item *item = &bt->items[j];

			safe &= le16_to_cpu(item->val_off) + le16_to_cpu(item->val_len) <=
				SCOUTFS_META_BLOCK_SIZE;
			if (j > 0)
				safe &= scoutfs_key_compare(&bt->items[j - 1].key, &item->key) < 0;
		}
	}
	tap_ok(safe, "20000 randomly damaged blocks: rejected with a sane item index, "
		     "or accepted and safe (%d accepted)", accepted);

	free(good);
	free(bt);
}

int main(void)
{
	test_sizes();
	test_layout();
	test_endian();
	test_crc32c();
	test_block();
	test_key_order();
	test_key_step();
	test_key_format();
	test_btree_build();
	test_btree_corrupt();
	test_btree_fuzz();
	return tap_done();
}
