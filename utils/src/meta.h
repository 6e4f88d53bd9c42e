/*
 * Reading a scoutfs filesystem offline, for print, check and other
 * tools that look at the devices without mounting them.
 *
 * Everything read is verified: superblocks and quorum blocks with
 * scoutfs_block_verify(), metadata blocks against the reference that
 * led to them, btree blocks with scoutfs_btree_block_verify() and their
 * place in the tree.  The walkers report each problem through a
 * callback and carry on with the rest of the structure, so that a tool
 * sees as much as can be trusted.  Nothing here prints.
 */
#ifndef SCOUTFS_UTILS_META_H
#define SCOUTFS_UTILS_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "format/block.h"
#include "format/format.h"

/* a superblock or quorum block, as read */
union scoutfs_meta_small_block {
	struct scoutfs_super_block super;
	struct scoutfs_quorum_block quorum;
	__u8 bytes[SCOUTFS_SMALL_BLOCK_SIZE];
};

/*
 * Block read results beyond those of scoutfs_block_verify(): a
 * reference outside the metadata blocks, or a block past the end of the
 * device.  Reads return these, a SCOUTFS_BLOCK_ result, or -errno when
 * the device itself failed.
 */
enum {
	SCOUTFS_META_ERR_RANGE = SCOUTFS_BLOCK_NR_RESULTS,
	SCOUTFS_META_ERR_EOF,
	SCOUTFS_META_NR_RESULTS,
};

/* a short description of a read result, including -errno; never NULL */
const char *scoutfs_meta_result_str(int result);

struct scoutfs_meta {
	struct scoutfs_dev meta_dev;
	struct scoutfs_dev data_dev;	/* fd < 0 when no data device was given */
	union scoutfs_meta_small_block super;	/* of the metadata device */
	union scoutfs_meta_small_block dsuper;	/* of the data device */
	int super_result;		/* read result of each superblock */
	int dsuper_result;
	__u64 fsid;			/* every block must have the metadata super's */
	__u64 total_meta_blocks;	/* what block numbers are checked against */
	__u64 meta_dev_blocks;		/* whole 64 KiB blocks on the device */
};

/*
 * Open the devices read-only (data_path may be NULL) and read their
 * superblocks.  A superblock that doesn't verify is not an error here:
 * its result is in super_result or dsuper_result for the caller to
 * report.  Returns 0, or -errno with a one-line reason in err when a
 * device can't be opened or read.
 */
int scoutfs_meta_open(struct scoutfs_meta *m, const char *meta_path,
		      const char *data_path, char *err, size_t errlen);
void scoutfs_meta_close(struct scoutfs_meta *m);

/*
 * How the two superblocks relate, once both verified.  The first
 * mismatch found, in this order, is returned.
 */
enum scoutfs_meta_pair {
	SCOUTFS_META_PAIR_OK = 0,
	SCOUTFS_META_PAIR_SWAPPED,	/* each device has the other's flag */
	SCOUTFS_META_PAIR_FSID,		/* superblocks of different filesystems */
	SCOUTFS_META_PAIR_UUID,
	SCOUTFS_META_PAIR_NOT_META,	/* metadata super lacks the META_DEV flag */
	SCOUTFS_META_PAIR_NOT_DATA,	/* data super lacks the DATA_DEV flag */
};
int scoutfs_meta_check_pair(const struct scoutfs_meta *m);
const char *scoutfs_meta_pair_str(int pair);

/*
 * Read the quorum block of a slot.  *result is SCOUTFS_BLOCK_OK,
 * SCOUTFS_META_ERR_EOF, a verify result, or -1 when the block is all
 * zero: never written.  Returns 0 or -errno.
 */
#define SCOUTFS_META_QUORUM_NEVER_WRITTEN (-1)
int scoutfs_meta_read_quorum(struct scoutfs_meta *m, unsigned int slot,
			     union scoutfs_meta_small_block *blk, int *result);

/*
 * Read the 64 KiB metadata block that a reference names into buf (8
 * byte aligned) and verify it with the given magic.  Returns the read
 * result: SCOUTFS_BLOCK_OK, another verify result, a SCOUTFS_META_ERR_
 * value, or -errno.  buf holds what was read whenever the read itself
 * worked.
 */
int scoutfs_meta_read_block(struct scoutfs_meta *m,
			    const struct scoutfs_block_ref *ref, __u32 magic,
			    void *buf);

bool scoutfs_meta_is_zero(const void *buf, size_t len);

/*
 * The length of the run of consecutive block numbers at the start of
 * blknos (nr > 0), whose first is returned in *first: alloc lists are
 * mostly runs, which are printed and accounted as ranges.
 */
unsigned int scoutfs_meta_blknos_run(const __le64 *blknos, unsigned int nr,
				     __u64 *first);

/* ------------------------------------------------------------ walking */

/* the structures that are reachable from the superblock */
enum scoutfs_meta_kind {
	SCOUTFS_META_FS_TREE,		/* super.fs_root */
	SCOUTFS_META_LOGS_TREE,		/* super.logs_root: LOG_TREES items */
	SCOUTFS_META_MOUNTED_TREE,	/* super.mounted_clients_root */
	SCOUTFS_META_SRCH_TREE,		/* super.srch_root */
	SCOUTFS_META_LOG_ITEM_TREE,	/* a log tree's item_root */
	SCOUTFS_META_ALLOC_TREE,	/* free extents: meta or data by flags */
	SCOUTFS_META_ALLOC_LIST,	/* a chain of alloc list blocks */
};

/* one structure being walked */
struct scoutfs_meta_struct {
	enum scoutfs_meta_kind kind;
	char name[96];			/* "fs tree", "meta_alloc[0]", ... */
	const struct scoutfs_btree_root *root;		/* trees */
	const struct scoutfs_alloc_root *alloc;		/* allocator trees */
	const struct scoutfs_alloc_list_head *list;	/* lists */
	/* the LOG_TREES value a log tree's structure belongs to, or NULL */
	const struct scoutfs_log_trees *log_trees;
};

/* the kinds of problems the walkers find */
enum scoutfs_meta_prob_type {
	SCOUTFS_META_PROB_READ,		/* result: the read result */
	SCOUTFS_META_PROB_BTREE,	/* result: scoutfs_btree_block_verify() */
	SCOUTFS_META_PROB_HEIGHT,	/* root height too large or not matching its ref */
	SCOUTFS_META_PROB_KEY_RANGE,	/* item key outside the range the parent gives */
	SCOUTFS_META_PROB_RIGHT_EDGE,	/* right-most parent's last key isn't the greatest */
	SCOUTFS_META_PROB_SEQ,		/* child block newer than its parent */
	SCOUTFS_META_PROB_LIST_NR,	/* list block start + nr past its end */
	SCOUTFS_META_PROB_LIST_FIRST_NR, /* head first_nr vs the first block's nr */
	SCOUTFS_META_PROB_LIST_TOTAL_NR, /* head total_nr vs the chain */
	SCOUTFS_META_PROB_LIST_FLAGS,	/* head flags not zero */
	SCOUTFS_META_PROB_LIST_LOOP,	/* chain longer than the device: a loop */
	SCOUTFS_META_PROB_ROOT_PAD,	/* btree root padding not zero */
};

struct scoutfs_meta_problem {
	enum scoutfs_meta_prob_type type;
	const struct scoutfs_meta_struct *st;
	__u64 blkno;			/* the block, 0 for the root or head itself */
	int result;			/* READ and BTREE */
	int item;			/* item index or -1 */
	struct scoutfs_key key;		/* the item's key when item >= 0 */
	__u64 expected;			/* the values compared, where they apply */
	__u64 found;
	/* KEY_RANGE: the range the parent gives, (lo, hi]; has_lo false for none */
	bool has_lo;
	struct scoutfs_key lo;
	struct scoutfs_key hi;
};

/*
 * "block 17: checksum mismatch", "block 20 item 3 (fs.1.inode.0.0.0):
 * key outside the range its parent gives" ...: the problem without the
 * structure's name.
 */
void scoutfs_meta_problem_str(char *buf, size_t len,
			      const struct scoutfs_meta_problem *p);

/* a btree block as a walk reaches it */
struct scoutfs_meta_btree_block {
	const struct scoutfs_meta_struct *st;
	__u64 blkno;			/* from the reference */
	__u64 seq;
	int depth;			/* 0 for the root block */
	int level;			/* the level the block must have */
	int result;			/* the read result */
	/* the block when its header verified, else NULL */
	const struct scoutfs_btree_block *bt;
	int btree_result;		/* scoutfs_btree_block_verify(), when bt */
	/* the keys it may hold: (lo, hi], lo NULL for no lower bound */
	const struct scoutfs_key *lo;
	const struct scoutfs_key *hi;
	bool right_most;
};

/* an item of a block that verified: leaf items and parent items */
struct scoutfs_meta_btree_item {
	const struct scoutfs_meta_btree_block *blk;
	int index;
	const struct scoutfs_key *key;
	__u64 seq;
	__u8 flags;
	const void *val;		/* NULL when val_len is 0 */
	unsigned int val_len;
};

/* an alloc list block as a walk reaches it */
struct scoutfs_meta_list_block {
	const struct scoutfs_meta_struct *st;
	__u64 blkno;
	__u64 seq;
	unsigned int index;		/* position in the chain from 0 */
	int result;			/* the read result */
	/* the block when its header verified, else NULL */
	const struct scoutfs_alloc_list_block *lb;
	/* the entries that can be trusted: lb->blknos[start .. start + nr - 1] */
	unsigned int start;
	unsigned int nr;
};

/* what a block callback returns to not look inside the block */
#define SCOUTFS_META_WALK_SKIP 1

/*
 * Callbacks of a walk; any may be NULL.  The block callbacks are called
 * for every referenced block, including those that can't be read, and
 * may return SCOUTFS_META_WALK_SKIP to not visit the block's items or
 * children (for example when the block was seen before, which also
 * stops loops).  A negative return stops the walk and is returned.
 */
struct scoutfs_meta_walk_ops {
	/*
	 * A structure starts, and ends after all its blocks.  begin may
	 * return SCOUTFS_META_WALK_SKIP to pass over the structure, and
	 * then end isn't called.
	 */
	int (*begin)(void *arg, const struct scoutfs_meta_struct *st);
	int (*end)(void *arg, const struct scoutfs_meta_struct *st);
	int (*btree_block)(void *arg, const struct scoutfs_meta_btree_block *blk);
	int (*btree_item)(void *arg, const struct scoutfs_meta_btree_item *item);
	int (*list_block)(void *arg, const struct scoutfs_meta_list_block *lb);
	void (*problem)(void *arg, const struct scoutfs_meta_problem *prob);
	void *arg;
};

/*
 * Walk one btree depth first in key order: for each block its callback,
 * then its items in order, and after each parent item the subtree it
 * references.  Returns 0, -ENOMEM or a callback's negative return;
 * problems in the tree are reported, not returned.
 */
int scoutfs_meta_walk_btree(struct scoutfs_meta *m,
			    const struct scoutfs_meta_struct *st,
			    const struct scoutfs_meta_walk_ops *ops);

/* walk the chain of an alloc list head, checking its counts */
int scoutfs_meta_walk_list(struct scoutfs_meta *m,
			   const struct scoutfs_meta_struct *st,
			   const struct scoutfs_meta_walk_ops *ops);

/*
 * Walk every structure the metadata superblock references, in this
 * order: fs tree, logs tree (after each LOG_TREES item: its item_root,
 * meta_avail, meta_freed, data_avail and data_freed), mounted clients,
 * srch, meta_alloc[0], meta_alloc[1], data_alloc, server_meta_avail[0..1]
 * and server_meta_freed[0..1].  Each structure gets begin and end.
 */
int scoutfs_meta_walk_all(struct scoutfs_meta *m,
			  const struct scoutfs_meta_walk_ops *ops);

/* ------------------------------------------------------------- bitmap */

/* a set of block numbers, for finding blocks seen twice */
struct scoutfs_meta_bitmap {
	__u64 nbits;
	__u64 *words;
};

int scoutfs_meta_bitmap_init(struct scoutfs_meta_bitmap *bm, __u64 nbits);
void scoutfs_meta_bitmap_free(struct scoutfs_meta_bitmap *bm);
/* set a bit, returning whether it was set already; bits past the end are ignored */
bool scoutfs_meta_bitmap_test_set(struct scoutfs_meta_bitmap *bm, __u64 bit);
/* set [start, start + len), which must lie within the bitmap */
void scoutfs_meta_bitmap_set_range(struct scoutfs_meta_bitmap *bm, __u64 start,
				   __u64 len);
/* the first bit >= start that is set (or clear), nbits if none */
__u64 scoutfs_meta_bitmap_next(const struct scoutfs_meta_bitmap *bm, __u64 start,
			       bool set);

#endif
