/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scoutfs on-disk format.
 *
 * This header is the single definition of every persistent structure and
 * constant.  It is shared, unchanged, by the kernel module and the
 * userspace utilities (see types.h).  docs/format.md is the prose
 * contract that goes with it: every struct here has a field table there
 * and the two must change together.
 *
 * Rules for everything in this file:
 *
 *  - all multi-byte integers are little endian (__le16/__le32/__le64),
 *    single bytes are __u8, and nothing depends on the host's layout;
 *  - every field is naturally aligned and every struct is a multiple of
 *    8 bytes, so no struct contains implicit padding: padding is spelled
 *    out as __pad fields, which are written as zero and checked as zero.
 *    -Wpadded is made an error below to enforce this, and every size and
 *    most offsets are checked with SCOUTFS_CHECK_SIZE/OFFSET;
 *  - block numbers, inode numbers, sequence numbers, sizes and counts are
 *    64 bits wide.
 *
 * The network protocol between mounts is defined separately, in wire.h.
 */
#ifndef _SCOUTFS_FORMAT_FORMAT_H_
#define _SCOUTFS_FORMAT_FORMAT_H_

#include "types.h"

/*
 * Version policy (docs/format.md, "Versions and features").  A volume
 * records the format version it was made or last upgraded to.  Software
 * mounts it only when that version lies within the range it supports.
 */
#define SCOUTFS_FORMAT_VERSION		1ULL
#define SCOUTFS_FORMAT_VERSION_MIN	1ULL
#define SCOUTFS_FORMAT_VERSION_MAX	1ULL

/*
 * Optional features, recorded in the superblock's three feature masks.
 * None are defined yet.  The _SUPP masks are the features this software
 * understands: an unknown incompat bit refuses the mount, an unknown
 * ro_compat bit allows only read-only mounts, an unknown compat bit is
 * ignored.
 */
#define SCOUTFS_FEAT_COMPAT_SUPP	0ULL
#define SCOUTFS_FEAT_RO_COMPAT_SUPP	0ULL
#define SCOUTFS_FEAT_INCOMPAT_SUPP	0ULL

/*
 * Block sizes.  Metadata blocks are large so that btrees are shallow
 * and wide and each copy-on-write write is a large sequential IO; data
 * blocks match the page size.  The superblock and the quorum blocks are
 * "small" 4 KiB blocks so that each is written with a single 4 KiB IO
 * and no two quorum members ever write the same sector.
 */
#define SCOUTFS_META_BLOCK_SHIFT	16
#define SCOUTFS_META_BLOCK_SIZE		(1U << SCOUTFS_META_BLOCK_SHIFT)
#define SCOUTFS_DATA_BLOCK_SHIFT	12
#define SCOUTFS_DATA_BLOCK_SIZE		(1U << SCOUTFS_DATA_BLOCK_SHIFT)
#define SCOUTFS_SMALL_BLOCK_SHIFT	12
#define SCOUTFS_SMALL_BLOCK_SIZE	(1U << SCOUTFS_SMALL_BLOCK_SHIFT)

/*
 * Device layout.  Both devices have a superblock at 64 KiB.  The
 * metadata device has a quorum block per slot from 128 KiB and its
 * copy-on-write metadata blocks start at 1 MiB; the data device's data
 * blocks start at 1 MiB.  Everything below the first allocatable block
 * that isn't described here is reserved and zeroed by mkfs.
 */
#define SCOUTFS_SUPER_OFFSET		(64ULL * 1024)
#define SCOUTFS_SUPER_SIZE		SCOUTFS_SMALL_BLOCK_SIZE
#define SCOUTFS_SUPER_BLKNO		(SCOUTFS_SUPER_OFFSET >> SCOUTFS_SMALL_BLOCK_SHIFT)
#define SCOUTFS_QUORUM_OFFSET		(128ULL * 1024)
#define SCOUTFS_QUORUM_BLKNO		(SCOUTFS_QUORUM_OFFSET >> SCOUTFS_SMALL_BLOCK_SHIFT)
#define SCOUTFS_QUORUM_MAX_SLOTS	15
#define SCOUTFS_RESERVED_BYTES		(1024ULL * 1024)
#define SCOUTFS_META_FIRST_BLKNO	(SCOUTFS_RESERVED_BYTES >> SCOUTFS_META_BLOCK_SHIFT)
#define SCOUTFS_DATA_FIRST_BLKNO	(SCOUTFS_RESERVED_BYTES >> SCOUTFS_DATA_BLOCK_SHIFT)

/* quorum block of a slot, in small (4 KiB) block numbers */
#define SCOUTFS_QUORUM_SLOT_BLKNO(slot)	(SCOUTFS_QUORUM_BLKNO + (slot))

/* block header magic values, one per block type */
#define SCOUTFS_BLOCK_MAGIC_SUPER	0xb6d30ec8U
#define SCOUTFS_BLOCK_MAGIC_QUORUM	0x0b1d6a92U
#define SCOUTFS_BLOCK_MAGIC_BTREE	0x9c16be37U
#define SCOUTFS_BLOCK_MAGIC_ALLOC_LIST	0x2d7a15d0U

/* inode numbers */
#define SCOUTFS_ROOT_INO		1ULL
#define SCOUTFS_FIRST_INO		16ULL	/* 2..15 are reserved */

/* readdir positions 0 and 1 are "." and "..", entries start here */
#define SCOUTFS_FIRST_READDIR_POS	2ULL

/* name limits */
#define SCOUTFS_NAME_LEN		255
#define SCOUTFS_XATTR_MAX_NAME_LEN	255
#define SCOUTFS_XATTR_MAX_VAL_LEN	65536
#define SCOUTFS_SYMLINK_MAX_SIZE	4096	/* including the terminating NUL */
#define SCOUTFS_LINK_MAX		0x7fffffffU	/* fits nlink's 32 bits */

/*
 * Every struct from here on must be free of implicit padding.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"

/*
 * The first 32 bytes of every metadata block, superblock and quorum
 * block.  crc is the CRC32C of the block's bytes after the crc field,
 * from offset 4 to the end of the block.  blkno is the block's own
 * number in units of its own size: 64 KiB for metadata blocks, 4 KiB for
 * the superblock and the quorum blocks.
 */
struct scoutfs_block_header {
	__le32 crc;
	__le32 magic;
	__le64 fsid;
	__le64 seq;
	__le64 blkno;
};

/*
 * A reference from one metadata block (or the superblock) to another.
 * The referenced block's header must carry the same blkno and seq;
 * anything else is a stale or misdirected block.  blkno 0 is the null
 * reference.
 */
struct scoutfs_block_ref {
	__le64 blkno;
	__le64 seq;
};

/* the root of a btree; height 0 (and a null ref) is an empty tree */
struct scoutfs_btree_root {
	struct scoutfs_block_ref ref;
	__u8 height;
	__u8 __pad[7];
};

struct scoutfs_timespec {
	__le64 sec;
	__le32 nsec;
	__u8 __pad[4];
};

/*
 * An IPv4 or IPv6 address and port.  The address bytes are in network
 * order, as on the wire: an IPv4 address is in the first 4 bytes and the
 * remaining 12 are zero.  The port is a number, stored little endian.
 */
#define SCOUTFS_AF_NONE			0
#define SCOUTFS_AF_IPV4			1
#define SCOUTFS_AF_IPV6			2

struct scoutfs_inet_addr {
	__le16 family;
	__le16 port;
	__u8 __pad[4];
	__u8 addr[16];
};

/* ---------------------------------------------------------------- keys */

/*
 * Items are sorted by key, comparing these fields as unsigned numbers
 * in this order: zone, first, type, second, third, fourth.  (The struct
 * packs the byte-sized fields together, so the memory order differs from
 * the comparison order and keys can't be compared with memcmp.)
 *
 * The zone says what a key is for and which tree holds it.  first is the
 * owner of the item, usually an inode number, so that all of an inode's
 * items sort together, grouped by type.  Zone-wide indexes leave first 0.
 * The meaning of second, third and fourth depends on the type.
 */
struct scoutfs_key {
	__u8 sk_zone;
	__u8 sk_type;
	__u8 sk_fourth;
	__u8 __sk_pad[5];
	__le64 sk_first;
	__le64 sk_second;
	__le64 sk_third;
};

/* zones, in sort order; 0 is invalid so that a zeroed key is caught */
#define SCOUTFS_INODE_INDEX_ZONE	4
#define SCOUTFS_XATTR_TOTL_ZONE		8
#define SCOUTFS_QUOTA_ZONE		12
#define SCOUTFS_ORPHAN_ZONE		16
#define SCOUTFS_FS_ZONE			20
#define SCOUTFS_SRCH_ZONE		24
#define SCOUTFS_LOG_TREES_ZONE		32
#define SCOUTFS_MOUNTED_CLIENT_ZONE	36
#define SCOUTFS_FREE_EXTENT_ZONE	40

/*
 * Types.  Each type belongs to one zone and type values are unique
 * across zones, so that a key's type alone names it.  0 is invalid.
 */

/* INODE_INDEX zone: (zone, 0, type, seq, ino, 0), no value */
#define SCOUTFS_INODE_INDEX_META_SEQ_TYPE	1
#define SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE	2

/* XATTR_TOTL zone: (zone, a, TOTL, b, c, 0) -> scoutfs_xattr_totl_val */
#define SCOUTFS_XATTR_TOTL_TYPE			8

/* QUOTA zone: reserved, item types will come with a quota feature flag */

/* ORPHAN zone: (zone, ino, ORPHAN, 0, 0, 0), no value */
#define SCOUTFS_ORPHAN_TYPE			16

/*
 * FS zone: (zone, ino, type, second, third, fourth), in the order an
 * inode's items sort.  The comments show second, third, fourth -> value.
 */
#define SCOUTFS_INODE_TYPE			20	/* 0, 0, 0 -> inode */
#define SCOUTFS_XATTR_TYPE			21	/* hash, id, part -> bytes */
#define SCOUTFS_SYMLINK_TYPE			22	/* 0, 0, part -> bytes */
#define SCOUTFS_DIRENT_TYPE			23	/* hash, pos, 0 -> dirent */
#define SCOUTFS_READDIR_TYPE			24	/* pos, 0, 0 -> dirent */
#define SCOUTFS_LINK_BACKREF_TYPE		25	/* dir, pos, 0 -> dirent */
#define SCOUTFS_DATA_EXTENT_TYPE		26	/* last, 0, 0 -> data_extent */

/* SRCH zone: (zone, name hash, SRCH, ino, xattr id, 0), no value */
#define SCOUTFS_SRCH_TYPE			32

/* LOG_TREES zone: (zone, rid, LOG_TREES, nr, 0, 0) -> scoutfs_log_trees */
#define SCOUTFS_LOG_TREES_TYPE			40

/* MOUNTED_CLIENT zone: (zone, rid, MOUNTED_CLIENT, 0, 0, 0) -> mounted_client */
#define SCOUTFS_MOUNTED_CLIENT_TYPE		44

/*
 * FREE_EXTENT zone, no values.  Extents are keyed by their last block so
 * that a forward search from a block finds the extent that contains it.
 */
#define SCOUTFS_FREE_BLKNO_TYPE			48	/* (zone, 0, type, last, len, 0) */
#define SCOUTFS_FREE_LEN_TYPE			49	/* (zone, 0, type, len, last, 0) */

/* -------------------------------------------------------------- btrees */

/*
 * An item.  seq is the item's version: readers merging several trees
 * keep the version of a key with the greatest seq.  A DELETION item
 * has no value and hides all older versions of its key.  In parent
 * blocks the key is the greatest key the child may hold (the last
 * parent item of the right-most path holds the greatest possible key),
 * the value is a struct scoutfs_block_ref to the child, and seq and
 * flags are 0.
 *
 * A value starts at val_off (a multiple of 8) and occupies val_len
 * bytes rounded up to 8.  An item without a value has val_off 0.
 */
struct scoutfs_btree_item {
	struct scoutfs_key key;
	__le64 seq;
	__le16 val_off;
	__le16 val_len;
	__u8 flags;
	__u8 __pad[3];
};

/*
 * A btree block: this header, then the item headers sorted by key and
 * growing towards the end of the block, then free space, then the item
 * values, allocated from the end of the block towards the start.
 *
 *   mid_free_len:   the contiguous free bytes between the end of the item
 *                   header array and the lowest value
 *   total_free_len: all free bytes: mid_free_len plus the holes left in
 *                   the value area by removed or shrunken values
 *   level:          0 for leaves; parents are one more than their children
 */
struct scoutfs_btree_block {
	struct scoutfs_block_header hdr;
	__le16 nr_items;
	__le16 mid_free_len;
	__le16 total_free_len;
	__u8 level;
	__u8 __pad[1];
	struct scoutfs_btree_item items[];
};

#define SCOUTFS_ITEM_FLAG_DELETION	0x01
#define SCOUTFS_ITEM_FLAGS_KNOWN	SCOUTFS_ITEM_FLAG_DELETION

#define SCOUTFS_BTREE_MAX_HEIGHT	16
#define SCOUTFS_BTREE_MAX_VAL_LEN	4096
#define SCOUTFS_BTREE_VAL_ALIGN		8
/* all the space after the block header */
#define SCOUTFS_BTREE_SPACE \
	(SCOUTFS_META_BLOCK_SIZE - sizeof(struct scoutfs_btree_block))
/* used bytes (headers + aligned values) below which a block is joined */
#define SCOUTFS_BTREE_JOIN_LOW		(SCOUTFS_BTREE_SPACE / 4)

/* ---------------------------------------------------------- allocators */

/*
 * A free extent allocator: a btree of FREE_BLKNO and FREE_LEN items for
 * every free extent, and the total number of free blocks in them.
 */
#define SCOUTFS_ALLOC_FLAG_META		0x01	/* 64 KiB metadata blocks */
#define SCOUTFS_ALLOC_FLAG_DATA		0x02	/* 4 KiB data blocks */

struct scoutfs_alloc_root {
	__le64 total_len;
	struct scoutfs_btree_root root;
	__le64 flags;
};

/*
 * A list of single free metadata blocks, in a chain of list blocks.
 * Transactions allocate from and free to lists so that allocating never
 * has to modify an allocator btree.
 */
struct scoutfs_alloc_list_head {
	struct scoutfs_block_ref ref;	/* the first list block */
	__le64 total_nr;		/* blknos in all the list blocks */
	__le32 first_nr;		/* blknos in the first list block */
	__le32 flags;			/* 0 */
};

/* the valid entries are blknos[start] .. blknos[start + nr - 1] */
struct scoutfs_alloc_list_block {
	struct scoutfs_block_header hdr;
	struct scoutfs_block_ref next;
	__le32 start;
	__le32 nr;
	__le64 blknos[];	/* to the end of the block */
};

#define SCOUTFS_ALLOC_LIST_MAX_BLKNOS \
	((SCOUTFS_META_BLOCK_SIZE - sizeof(struct scoutfs_alloc_list_block)) / sizeof(__le64))

/* ---------------------------------------------------------- superblock */

#define SCOUTFS_QUORUM_SLOT_IN_USE	0x01ULL

struct scoutfs_quorum_slot {
	struct scoutfs_inet_addr addr;
	__le64 flags;
};

/* version increases every time the configuration changes */
struct scoutfs_quorum_config {
	__le64 version;
	struct scoutfs_quorum_slot slots[SCOUTFS_QUORUM_MAX_SLOTS];
};

/* exactly one of these is set: which device a superblock is on */
#define SCOUTFS_SUPER_FLAG_META_DEV	0x01ULL
#define SCOUTFS_SUPER_FLAG_DATA_DEV	0x02ULL
#define SCOUTFS_SUPER_FLAGS_KNOWN \
	(SCOUTFS_SUPER_FLAG_META_DEV | SCOUTFS_SUPER_FLAG_DATA_DEV)

/*
 * The superblock, in the first SCOUTFS_SUPER_SIZE bytes at
 * SCOUTFS_SUPER_OFFSET of both devices; the rest of the small block
 * after the struct is zero.  The magic and the fsid are in the header.
 * On the data device only hdr, fmt_vers, the feature masks, uuid,
 * flags, total_meta_blocks, total_data_blocks and mkfs_time are set,
 * equal to the metadata device's; everything else is zero.
 */
struct scoutfs_super_block {
	struct scoutfs_block_header hdr;
	__le64 fmt_vers;
	__le64 feat_compat;
	__le64 feat_ro_compat;
	__le64 feat_incompat;
	__u8 uuid[16];
	__le64 flags;
	__le64 total_meta_blocks;
	__le64 total_data_blocks;
	__le64 next_ino;
	__le64 next_seq;
	struct scoutfs_timespec mkfs_time;
	struct scoutfs_quorum_config quorum;
	struct scoutfs_btree_root fs_root;
	struct scoutfs_btree_root logs_root;
	struct scoutfs_btree_root mounted_clients_root;
	struct scoutfs_btree_root srch_root;
	struct scoutfs_alloc_root meta_alloc[2];
	struct scoutfs_alloc_root data_alloc;
	struct scoutfs_alloc_list_head server_meta_avail[2];
	struct scoutfs_alloc_list_head server_meta_freed[2];
};

/* ------------------------------------------------------- quorum blocks */

/* the most recent event of each type is kept in events[type] */
#define SCOUTFS_QUORUM_EVENT_BEGIN	0	/* started taking part */
#define SCOUTFS_QUORUM_EVENT_TERM	1	/* raised its term */
#define SCOUTFS_QUORUM_EVENT_VOTE	2	/* voted, arg = slot voted for */
#define SCOUTFS_QUORUM_EVENT_ELECT	3	/* won an election */
#define SCOUTFS_QUORUM_EVENT_FENCE	4	/* fenced a leader, arg = its slot */
#define SCOUTFS_QUORUM_EVENT_STOP	5	/* stopped leading */
#define SCOUTFS_QUORUM_EVENT_END	6	/* stopped taking part */
#define SCOUTFS_QUORUM_EVENT_NR		7

struct scoutfs_quorum_event {
	__le64 rid;
	__le64 term;
	__le64 arg;
	struct scoutfs_timespec ts;
};

struct scoutfs_quorum_block {
	struct scoutfs_block_header hdr;
	__le64 term;
	struct scoutfs_quorum_event events[SCOUTFS_QUORUM_EVENT_NR];
};

/* ---------------------------------------------------------- item values */

/* LOG_TREES: one mount's log btree and the allocators it uses */
#define SCOUTFS_LOG_TREES_FINALIZED	0x01ULL

struct scoutfs_log_trees {
	struct scoutfs_alloc_list_head meta_avail;
	struct scoutfs_alloc_list_head meta_freed;
	struct scoutfs_btree_root item_root;
	struct scoutfs_alloc_root data_avail;
	struct scoutfs_alloc_root data_freed;
	__le64 rid;
	__le64 nr;
	__le64 trans_seq;
	__le64 max_item_seq;
	__le64 flags;
};

/* MOUNTED_CLIENT */
#define SCOUTFS_MOUNTED_CLIENT_QUORUM	0x01ULL

struct scoutfs_mounted_client {
	__le64 rid;
	__le64 flags;
	struct scoutfs_inet_addr addr;
};

/* INODE */
/* INODE flags: the attributes FS_IOC_GETFLAGS/SETFLAGS show */
#define SCOUTFS_INO_FLAG_APPEND		(1ULL << 0)	/* writes only append */
#define SCOUTFS_INO_FLAG_IMMUTABLE	(1ULL << 1)	/* no change at all */
#define SCOUTFS_INO_FLAG_NOATIME	(1ULL << 2)	/* reads don't update atime */
#define SCOUTFS_INO_FLAG_SYNC		(1ULL << 3)	/* writes are synchronous */
#define SCOUTFS_INO_FLAG_NODUMP		(1ULL << 4)	/* backup tools skip it */
#define SCOUTFS_INO_FLAGS_KNOWN		((1ULL << 5) - 1)

struct scoutfs_inode {
	__le64 size;
	__le64 meta_seq;
	__le64 data_seq;
	__le64 data_version;
	__le64 online_blocks;
	__le64 offline_blocks;
	__le64 next_readdir_pos;
	__le64 next_xattr_id;
	__le64 flags;
	__le32 nlink;
	__le32 uid;
	__le32 gid;
	__le32 mode;
	__le64 rdev;
	struct scoutfs_timespec atime;
	struct scoutfs_timespec mtime;
	struct scoutfs_timespec ctime;
	struct scoutfs_timespec crtime;
	__le64 proj;
};

/* DIRENT, READDIR and LINK_BACKREF; name_len is val_len - 32 */
#define SCOUTFS_DT_FIFO		1
#define SCOUTFS_DT_CHR		2
#define SCOUTFS_DT_DIR		4
#define SCOUTFS_DT_BLK		6
#define SCOUTFS_DT_REG		8
#define SCOUTFS_DT_LNK		10
#define SCOUTFS_DT_SOCK		12

struct scoutfs_dirent {
	__le64 ino;
	__le64 hash;
	__le64 pos;
	__u8 type;
	__u8 __pad[7];
	__u8 name[];		/* not NUL terminated */
};

/*
 * XATTR: the parts' values concatenated are this header, the name and
 * the value.  Every part but the last is SCOUTFS_BTREE_MAX_VAL_LEN long.
 */
struct scoutfs_xattr {
	__le32 val_len;
	__u8 name_len;
	__u8 __pad[3];
	__u8 name[];		/* name_len bytes, then the value */
};

#define SCOUTFS_XATTR_MAX_PARTS \
	((sizeof(struct scoutfs_xattr) + SCOUTFS_XATTR_MAX_NAME_LEN + \
	  SCOUTFS_XATTR_MAX_VAL_LEN + SCOUTFS_BTREE_MAX_VAL_LEN - 1) / \
	 SCOUTFS_BTREE_MAX_VAL_LEN)

/* XATTR_TOTL: the sum and count of the tagged xattrs; deltas in log trees */
struct scoutfs_xattr_totl_val {
	__le64 total;
	__le64 count;
};

/* DATA_EXTENT: keyed by its last logical block, it starts at last - len + 1 */
#define SCOUTFS_EXTENT_FLAG_UNWRITTEN	0x01	/* allocated, reads zeros */
#define SCOUTFS_EXTENT_FLAG_OFFLINE	0x02	/* archived, blkno is 0 */
#define SCOUTFS_EXTENT_FLAGS_KNOWN \
	(SCOUTFS_EXTENT_FLAG_UNWRITTEN | SCOUTFS_EXTENT_FLAG_OFFLINE)

struct scoutfs_data_extent {
	__le64 len;
	__le64 blkno;
	__u8 flags;
	__u8 __pad[7];
};

#pragma GCC diagnostic pop

/* ------------------------------------------------- compile-time checks */

SCOUTFS_CHECK_SIZE(struct scoutfs_block_header, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_block_header, crc, 0);
SCOUTFS_CHECK_OFFSET(struct scoutfs_block_header, magic, 4);
SCOUTFS_CHECK_OFFSET(struct scoutfs_block_header, fsid, 8);
SCOUTFS_CHECK_OFFSET(struct scoutfs_block_header, seq, 16);
SCOUTFS_CHECK_OFFSET(struct scoutfs_block_header, blkno, 24);

SCOUTFS_CHECK_SIZE(struct scoutfs_block_ref, 16);
SCOUTFS_CHECK_SIZE(struct scoutfs_btree_root, 24);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_root, height, 16);
SCOUTFS_CHECK_SIZE(struct scoutfs_timespec, 16);
SCOUTFS_CHECK_SIZE(struct scoutfs_inet_addr, 24);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inet_addr, addr, 8);

SCOUTFS_CHECK_SIZE(struct scoutfs_key, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_zone, 0);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_type, 1);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_fourth, 2);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_first, 8);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_second, 16);
SCOUTFS_CHECK_OFFSET(struct scoutfs_key, sk_third, 24);

SCOUTFS_CHECK_SIZE(struct scoutfs_btree_block, 40);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_block, nr_items, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_block, mid_free_len, 34);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_block, total_free_len, 36);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_block, level, 38);
SCOUTFS_CHECK_SIZE(struct scoutfs_btree_item, 48);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_item, seq, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_item, val_off, 40);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_item, val_len, 42);
SCOUTFS_CHECK_OFFSET(struct scoutfs_btree_item, flags, 44);
/* the free space counts and value offsets fit in 16 bits */
SCOUTFS_STATIC_ASSERT(SCOUTFS_BTREE_SPACE <= 0xffff);
/* a block holds at least two maximal items, so splits always work */
SCOUTFS_STATIC_ASSERT(2 * (sizeof(struct scoutfs_btree_item) +
			   SCOUTFS_BTREE_MAX_VAL_LEN) <= SCOUTFS_BTREE_SPACE / 4);

SCOUTFS_CHECK_SIZE(struct scoutfs_alloc_root, 40);
SCOUTFS_CHECK_SIZE(struct scoutfs_alloc_list_head, 32);
SCOUTFS_CHECK_SIZE(struct scoutfs_alloc_list_block, 56);
SCOUTFS_STATIC_ASSERT(SCOUTFS_ALLOC_LIST_MAX_BLKNOS == 8185);

SCOUTFS_CHECK_SIZE(struct scoutfs_quorum_slot, 32);
SCOUTFS_CHECK_SIZE(struct scoutfs_quorum_config, 488);

SCOUTFS_CHECK_SIZE(struct scoutfs_super_block, 968);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, fmt_vers, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, feat_compat, 40);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, feat_ro_compat, 48);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, feat_incompat, 56);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, uuid, 64);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, flags, 80);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, total_meta_blocks, 88);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, total_data_blocks, 96);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, next_ino, 104);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, next_seq, 112);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, mkfs_time, 120);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, quorum, 136);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, fs_root, 624);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, logs_root, 648);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, mounted_clients_root, 672);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, srch_root, 696);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, meta_alloc, 720);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, data_alloc, 800);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, server_meta_avail, 840);
SCOUTFS_CHECK_OFFSET(struct scoutfs_super_block, server_meta_freed, 904);
SCOUTFS_STATIC_ASSERT(sizeof(struct scoutfs_super_block) <= SCOUTFS_SUPER_SIZE);

SCOUTFS_CHECK_SIZE(struct scoutfs_quorum_event, 40);
SCOUTFS_CHECK_SIZE(struct scoutfs_quorum_block, 320);
SCOUTFS_STATIC_ASSERT(sizeof(struct scoutfs_quorum_block) <= SCOUTFS_SMALL_BLOCK_SIZE);
/* the quorum blocks fit between the superblock and the first metadata block */
SCOUTFS_STATIC_ASSERT(SCOUTFS_QUORUM_OFFSET >= SCOUTFS_SUPER_OFFSET + SCOUTFS_SUPER_SIZE);
SCOUTFS_STATIC_ASSERT(SCOUTFS_QUORUM_OFFSET + SCOUTFS_QUORUM_MAX_SLOTS *
		      SCOUTFS_SMALL_BLOCK_SIZE <= SCOUTFS_RESERVED_BYTES);

SCOUTFS_CHECK_SIZE(struct scoutfs_log_trees, 208);
SCOUTFS_CHECK_OFFSET(struct scoutfs_log_trees, item_root, 64);
SCOUTFS_CHECK_OFFSET(struct scoutfs_log_trees, data_avail, 88);
SCOUTFS_CHECK_OFFSET(struct scoutfs_log_trees, rid, 168);
SCOUTFS_CHECK_SIZE(struct scoutfs_mounted_client, 40);

SCOUTFS_CHECK_SIZE(struct scoutfs_inode, 168);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, flags, 64);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, nlink, 72);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, rdev, 88);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, atime, 96);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, crtime, 144);
SCOUTFS_CHECK_OFFSET(struct scoutfs_inode, proj, 160);
SCOUTFS_CHECK_SIZE(struct scoutfs_dirent, 32);
SCOUTFS_CHECK_SIZE(struct scoutfs_xattr, 8);
SCOUTFS_STATIC_ASSERT(SCOUTFS_XATTR_MAX_PARTS == 17);
SCOUTFS_CHECK_SIZE(struct scoutfs_xattr_totl_val, 16);
SCOUTFS_CHECK_SIZE(struct scoutfs_data_extent, 24);
SCOUTFS_STATIC_ASSERT(SCOUTFS_NAME_LEN + sizeof(struct scoutfs_dirent) <=
		      SCOUTFS_BTREE_MAX_VAL_LEN);
SCOUTFS_STATIC_ASSERT(SCOUTFS_SYMLINK_MAX_SIZE <= SCOUTFS_BTREE_MAX_VAL_LEN);

#endif
