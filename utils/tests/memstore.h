/*
 * An in-memory metadata block store for the tests of the shared btree
 * code: it implements the btree_cow block operations with real
 * copy-on-write transactions.  Every block has its own mmap() and turns
 * read-only once its transaction commits, so code that wrote a committed
 * block in place crashes here; freed blocks are reused only after the
 * next commit, as on disk; fail_countdown makes the Nth allocation fail
 * with fail_err.  walk_block() checks a subtree after a commit.
 */
#ifndef SCOUTFS_TESTS_MEMSTORE_H
#define SCOUTFS_TESTS_MEMSTORE_H

#include <stdbool.h>

#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/format.h"

#define FSID		0x0123456789abcdefULL
#define MAX_BLOCKS	8192
#define BLOCK_SIZE	SCOUTFS_META_BLOCK_SIZE

struct store_block {
	void *data;
	bool pending;		/* freed, reusable after the next commit */
	bool checked;		/* committed and verified once */
	bool crc_set;		/* committed with a crc */
	int handles;
};

struct store {
	struct store_block blocks[MAX_BLOCKS];
	unsigned int reuse[MAX_BLOCKS];
	unsigned int nr_reuse;
	unsigned int high;	/* blocks[0..high) have been used */
	__u64 seq;		/* the current transaction */
	long allocated;		/* blocks that exist now */
	long allocs;
	long frees;
	long handles;
	long cow_copies;
	long errors;		/* problems the store noticed */
	int fail_err;		/* what a failed alloc returns */
	long fail_countdown;	/* >0: fail the alloc that takes it to 0 */
	bool no_crc;		/* commit without crcs (they're slow) */
	struct scoutfs_btree_verify_scratch vscratch;
};

struct walk_state {
	unsigned char *seen;
	long blocks;
	long items;
	long leaves;
	long leaf_used;		/* bytes of items and values in the leaves */
	long problems;
	bool check_crc;
	int max_level_seen;
};

extern struct store *st;
extern const struct scoutfs_btree_cow_ops store_ops;

__u64 idx_blkno(unsigned int idx);
void store_init(struct store *s);
void store_commit(struct store *s);
void store_destroy(struct store *s);
int store_alloc(void *arg, struct scoutfs_block_ref *ref, int level,
		struct scoutfs_btree_block **bt, void **handle);
void store_put(void *arg, void *handle);
/* after walking every tree: report allocated blocks none of them reached,
 * handles still held and bad calls the store saw */
void walk_finish(struct store *s, struct walk_state *w);
void walk_problem(struct walk_state *w, const char *what, __u64 blkno);
void walk_block(struct store *s, struct walk_state *w,
		       const struct scoutfs_block_ref *ref, int level,
		       const struct scoutfs_key *lower,
		       const struct scoutfs_key *upper);

#endif
