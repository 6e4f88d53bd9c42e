/*
 * Tests of the copy-on-write btree algorithm shared with the kernel
 * (kmod/src/format/btree_cow.c), run against an in-memory block store
 * with copy-on-write transactions: the calls and their errors on small
 * trees, compaction, keys at the ends of the key space, sequential
 * runs, a seeded random test against a simple model that grows a tree
 * to height 3 and deletes it back to nothing, and the same with block
 * allocations failing part way through modifications.  After every
 * commit the whole tree is walked: every block verifies, has its level,
 * holds keys within its parent's range and is referenced exactly once,
 * and the reachable blocks are exactly the allocated ones.
 *
 * BTREE_COW_SEED=n in the environment picks another random seed.
 *
 * The store maps every block with its own mmap() and makes blocks
 * read-only once their transaction commits, so an algorithm that wrote
 * a committed block in place would crash here.  Freed blocks are only
 * reused after the next commit, as on disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/format.h"
#include "format/key.h"
#include "tap.h"
#include "testutil.h"

#include "memstore.h"

/* returns the number of problems; every allocated block must be reachable */
static long walk_tree(struct store *s, const struct scoutfs_btree_root *root,
		      bool check_crc, long *items_ret, long *blocks_ret)
{
	struct walk_state w;
	struct scoutfs_key ones;

	memset(&w, 0, sizeof(w));
	w.seen = calloc(MAX_BLOCKS, 1);
	if (!w.seen)
		tap_bail("out of memory");
	w.check_crc = check_crc;
	scoutfs_key_set_ones(&ones);

	if (root->height > 0)
		walk_block(s, &w, &root->ref, root->height - 1, NULL, &ones);
	else if (root->ref.blkno != 0)
		walk_problem(&w, "empty root with a ref", le64_to_cpu(root->ref.blkno));

	walk_finish(s, &w);

	free(w.seen);
	if (items_ret)
		*items_ret = w.items;
	if (blocks_ret)
		*blocks_ret = w.blocks;
	return w.problems;
}

/* ------------------------------------------------------------ helpers */

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(test_rng() % n);
}

/* item number id's key; id's probe key sorts between id and id + 1 */
static void id_key(struct scoutfs_key *key, unsigned int id)
{
	scoutfs_key_set(key, SCOUTFS_FS_ZONE, 1000 + id, SCOUTFS_XATTR_TYPE,
			0, 0, 0);
}

static void probe_key(struct scoutfs_key *key, unsigned int id)
{
	scoutfs_key_set(key, SCOUTFS_FS_ZONE, 1000 + id, SCOUTFS_XATTR_TYPE,
			5, 0, 0);
}

static long key_id(const struct scoutfs_key *key)
{
	return (long)le64_to_cpu(key->sk_first) - 1000;
}

static void fill_val(unsigned char *buf, unsigned int id, __u64 seq,
		     unsigned int len)
{
	unsigned int i;
	__u32 x = id * 2654435761U ^ (__u32)seq * 40503U;

	for (i = 0; i < len; i++) {
		x = x * 1103515245U + 12345U;
		buf[i] = x >> 24;
	}
}

static struct scoutfs_btree_cow bc;
static unsigned char scratch_block[BLOCK_SIZE] __attribute__((aligned(8)));

static void setup(struct scoutfs_btree_root *root)
{
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			tap_bail("out of memory");
	} else {
		store_destroy(st);
	}
	store_init(st);
	bc.ops = &store_ops;
	bc.arg = st;
	bc.scratch = scratch_block;
	memset(root, 0, sizeof(*root));
}

/* ------------------------------------------------------- basic tests */

static void test_basic(void)
{
	struct scoutfs_btree_root root;
	struct scoutfs_btree_cow_item found;
	struct scoutfs_key key;
	struct scoutfs_key bad;
	unsigned char val[64];
	unsigned char big[SCOUTFS_BTREE_MAX_VAL_LEN + 8];
	long items;
	int ret;

	setup(&root);
	id_key(&key, 10);

	tap_is_int(scoutfs_btree_cow_lookup(&bc, &root, &key, NULL, 0, &found),
		   -ENOENT, "lookup in an empty tree: -ENOENT");
	tap_is_int(scoutfs_btree_cow_next(&bc, &root, &key, NULL, 0, &found),
		   -ENOENT, "next in an empty tree: -ENOENT");
	tap_is_int(scoutfs_btree_cow_prev(&bc, &root, &key, NULL, 0, &found),
		   -ENOENT, "prev in an empty tree: -ENOENT");
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &key), -ENOENT,
		   "delete in an empty tree: -ENOENT");
	tap_is_int(scoutfs_btree_cow_update(&bc, &root, &key, 1, 0, "x", 1),
		   -ENOENT, "update in an empty tree: -ENOENT");
	tap_ok(root.height == 0 && st->allocated == 0,
	       "failed calls leave the tree empty without blocks");

	scoutfs_key_set_zeros(&bad);
	tap_is_int(scoutfs_btree_cow_insert(&bc, &root, &bad, 1, 0, NULL, 0),
		   -EINVAL, "insert of an invalid key: -EINVAL");
	tap_is_int(scoutfs_btree_cow_insert(&bc, &root, &key, 1, 0x80, NULL, 0),
		   -EINVAL, "insert with unknown flags: -EINVAL");
	memset(big, 0, sizeof(big));
	tap_is_int(scoutfs_btree_cow_insert(&bc, &root, &key, 1, 0, big,
					    SCOUTFS_BTREE_MAX_VAL_LEN + 1),
		   -EINVAL, "insert of an oversized value: -EINVAL");
	tap_is_int(scoutfs_btree_cow_insert(&bc, &root, &key, 1,
					    SCOUTFS_ITEM_FLAG_DELETION, "x", 1),
		   -EINVAL, "insert of a deletion item with a value: -EINVAL");
	tap_ok(root.height == 0 && st->allocated == 0,
	       "invalid arguments change nothing");

	ret = scoutfs_btree_cow_insert(&bc, &root, &key, 7, 0, "hello", 5);
	tap_ok(ret == 0 && root.height == 1 && st->allocated == 1,
	       "first insert makes a root leaf (ret %d height %u)", ret, root.height);
	tap_is_int(scoutfs_btree_cow_insert(&bc, &root, &key, 8, 0, "x", 1),
		   -EEXIST, "insert of a present key: -EEXIST");
	memset(val, 0, sizeof(val));
	ret = scoutfs_btree_cow_lookup(&bc, &root, &key, val, sizeof(val), &found);
	tap_ok(ret == 0 && found.seq == 7 && found.flags == 0 &&
	       found.val_len == 5 && memcmp(val, "hello", 5) == 0 &&
	       scoutfs_key_compare(&found.key, &key) == 0,
	       "lookup finds the item, its seq and value");
	ret = scoutfs_btree_cow_lookup(&bc, &root, &key, val, 2, &found);
	tap_ok(ret == 0 && found.val_len == 5,
	       "lookup with a short buffer reports the full length");

	tap_is_int(scoutfs_btree_cow_update(&bc, &root, &key, 9, 0,
					    "a longer value", 14), 0, "update");
	ret = scoutfs_btree_cow_lookup(&bc, &root, &key, val, sizeof(val), &found);
	tap_ok(ret == 0 && found.seq == 9 && found.val_len == 14 &&
	       memcmp(val, "a longer value", 14) == 0, "update replaced the value");
	id_key(&bad, 11);
	tap_is_int(scoutfs_btree_cow_update(&bc, &root, &bad, 9, 0, "x", 1),
		   -ENOENT, "update of an absent key: -ENOENT");
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &bad), -ENOENT,
		   "delete of an absent key: -ENOENT");

	tap_is_int(scoutfs_btree_cow_force(&bc, &root, &key, 10,
					   SCOUTFS_ITEM_FLAG_DELETION, NULL, 0),
		   0, "force replaces with a deletion item");
	ret = scoutfs_btree_cow_lookup(&bc, &root, &key, val, sizeof(val), &found);
	tap_ok(ret == 0 && found.seq == 10 &&
	       found.flags == SCOUTFS_ITEM_FLAG_DELETION && found.val_len == 0,
	       "lookup sees the deletion item");
	tap_is_int(scoutfs_btree_cow_force(&bc, &root, &bad, 11, 0, "new", 3),
		   0, "force inserts an absent key");

	/* items 10 and 11 now; probes sort just after each */
	probe_key(&bad, 9);
	ret = scoutfs_btree_cow_next(&bc, &root, &bad, NULL, 0, &found);
	tap_ok(ret == 0 && key_id(&found.key) == 10, "next from below finds 10");
	probe_key(&bad, 10);
	ret = scoutfs_btree_cow_next(&bc, &root, &bad, NULL, 0, &found);
	tap_ok(ret == 0 && key_id(&found.key) == 11, "next between finds 11");
	probe_key(&bad, 11);
	tap_is_int(scoutfs_btree_cow_next(&bc, &root, &bad, NULL, 0, &found),
		   -ENOENT, "next past the last item: -ENOENT");
	ret = scoutfs_btree_cow_prev(&bc, &root, &bad, val, sizeof(val), &found);
	tap_ok(ret == 0 && key_id(&found.key) == 11 && found.val_len == 3 &&
	       memcmp(val, "new", 3) == 0, "prev from above finds 11 and its value");
	probe_key(&bad, 10);
	ret = scoutfs_btree_cow_prev(&bc, &root, &bad, NULL, 0, &found);
	tap_ok(ret == 0 && key_id(&found.key) == 10, "prev between finds 10");
	id_key(&bad, 10);
	ret = scoutfs_btree_cow_prev(&bc, &root, &bad, NULL, 0, &found);
	tap_ok(ret == 0 && key_id(&found.key) == 10, "prev of an exact key finds it");
	probe_key(&bad, 9);
	tap_is_int(scoutfs_btree_cow_prev(&bc, &root, &bad, NULL, 0, &found),
		   -ENOENT, "prev before the first item: -ENOENT");

	store_commit(st);
	tap_ok(walk_tree(st, &root, true, &items, NULL) == 0 && items == 2,
	       "the committed tree verifies and holds 2 items");
	id_key(&bad, 11);
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &bad), 0, "delete 11");
	tap_ok(st->cow_copies == 1 && st->allocated == 1,
	       "the first change after a commit copies the leaf");
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &key), 0, "delete 10");
	tap_ok(root.height == 0 && root.ref.blkno == 0 && st->allocated == 0 &&
	       st->handles == 0 && st->errors == 0,
	       "deleting the last item empties the tree and frees its block");
}

/*
 * A leaf whose free space is all in holes must be compacted, not split.
 */
static void test_compact(void)
{
	struct scoutfs_btree_root root;
	struct scoutfs_btree_cow_item found;
	struct scoutfs_key key;
	static unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN];
	static unsigned char got[SCOUTFS_BTREE_MAX_VAL_LEN];
	struct scoutfs_btree_block *bt;
	unsigned int i;
	bool ok = true;
	int ret;

	setup(&root);
	/* 15 items of 4000 bytes: about 60 KiB, one leaf */
	for (i = 0; i < 15; i++) {
		id_key(&key, i);
		fill_val(val, i, 1, 4000);
		ret = scoutfs_btree_cow_insert(&bc, &root, &key, 1, 0, val, 4000);
		ok &= ret == 0;
	}
	tap_ok(ok && root.height == 1, "15 large items fit in one leaf");
	/* free every other value but the lowest one: holes */
	for (i = 0; i < 14; i += 2) {
		id_key(&key, i);
		ok &= scoutfs_btree_cow_delete(&bc, &root, &key) == 0;
	}
	bt = st->blocks[le64_to_cpu(root.ref.blkno) - SCOUTFS_META_FIRST_BLKNO].data;
	tap_ok(ok && le16_to_cpu(bt->mid_free_len) < 2 * (4000 + 48) &&
	       le16_to_cpu(bt->total_free_len) > 4 * (4000 + 48),
	       "deletions leave holes (mid free %u, total free %u)",
	       le16_to_cpu(bt->mid_free_len), le16_to_cpu(bt->total_free_len));
	for (i = 0; i < 14; i += 2) {
		id_key(&key, i);
		fill_val(val, i, 2, 4000);
		ok &= scoutfs_btree_cow_insert(&bc, &root, &key, 2, 0, val, 4000) == 0;
	}
	tap_ok(ok && root.height == 1 && st->allocated == 1,
	       "refilling the holes compacts instead of splitting");
	for (i = 0; i < 15; i++) {
		id_key(&key, i);
		fill_val(val, i, (i % 2 || i == 14) ? 1 : 2, 4000);
		ret = scoutfs_btree_cow_lookup(&bc, &root, &key, got, sizeof(got),
					       &found);
		ok &= ret == 0 && found.val_len == 4000 && memcmp(got, val, 4000) == 0;
	}
	store_commit(st);
	tap_ok(ok && walk_tree(st, &root, true, NULL, NULL) == 0,
	       "values survive compaction and the leaf verifies");

	/* one more item still fits, the next one splits under a new root */
	id_key(&key, 100);
	ret = scoutfs_btree_cow_insert(&bc, &root, &key, 3, 0, val, 4000);
	ok &= ret == 0 && root.height == 1;
	id_key(&key, 101);
	ret = scoutfs_btree_cow_insert(&bc, &root, &key, 3, 0, val, 4000);
	store_commit(st);
	tap_ok(ok && ret == 0 && root.height == 2 && st->allocated == 3 &&
	       walk_tree(st, &root, true, NULL, NULL) == 0,
	       "a full root leaf splits under a new root (height %u, %ld blocks)",
	       root.height, st->allocated);
	for (i = 0; i < 15; i++) {
		id_key(&key, i);
		ok &= scoutfs_btree_cow_delete(&bc, &root, &key) == 0;
	}
	tap_ok(ok && root.height == 1 && st->allocated == 1,
	       "deleting shrinks the tree back to a root leaf (height %u)",
	       root.height);
	id_key(&key, 100);
	ok &= scoutfs_btree_cow_delete(&bc, &root, &key) == 0;
	id_key(&key, 101);
	ok &= scoutfs_btree_cow_delete(&bc, &root, &key) == 0;
	store_commit(st);
	tap_ok(ok && root.height == 0 && st->allocated == 0,
	       "and deleting the rest empties it");
}

/*
 * Ascending and descending runs, the usual pattern of new inodes and
 * log items: always inserting at one edge of the tree.
 */
static void test_sequential(void)
{
	struct scoutfs_btree_root root;
	struct scoutfs_btree_cow_item found;
	static unsigned char val[512];
	static unsigned char got[512];
	struct scoutfs_key key;
	long items;
	long blocks;
	long problems = 0;
	unsigned int i;
	unsigned int id;
	int dir;
	bool ok;

	for (dir = 0; dir < 2; dir++) {
		setup(&root);
		ok = true;
		for (i = 0; i < 12000; i++) {
			id = dir ? 11999 - i : i;
			id_key(&key, id);
			fill_val(val, id, 1, 300);
			ok &= scoutfs_btree_cow_insert(&bc, &root, &key, 1, 0, val,
						       300) == 0;
			if (i % 3000 == 2999) {
				store_commit(st);
				problems += walk_tree(st, &root, false, NULL, NULL);
			}
		}
		store_commit(st);
		problems += walk_tree(st, &root, true, &items, &blocks);
		for (i = 0; i < 12000; i += 7) {
			id_key(&key, i);
			fill_val(val, i, 1, 300);
			ok &= scoutfs_btree_cow_lookup(&bc, &root, &key, got,
						       sizeof(got), &found) == 0 &&
			      found.val_len == 300 && memcmp(got, val, 300) == 0;
		}
		tap_ok(ok && problems == 0 && items == 12000 && root.height == 2,
		       "%s inserts: %ld items in %ld blocks, height %u",
		       dir ? "descending" : "ascending", items, blocks, root.height);

		for (i = 0; i < 12000; i++) {
			id = dir ? i : 11999 - i;
			id_key(&key, id);
			ok &= scoutfs_btree_cow_delete(&bc, &root, &key) == 0;
			if (i % 3000 == 2999) {
				store_commit(st);
				problems += walk_tree(st, &root, false, NULL, NULL);
			}
		}
		store_commit(st);
		tap_ok(ok && problems == 0 && root.height == 0 && st->allocated == 0,
		       "%s deletes empty the tree", dir ? "ascending" : "descending");
	}
}

/* a leaf or parent block built by hand, as another writer might leave it */
static struct scoutfs_btree_block *hand_block(struct scoutfs_block_ref *ref,
					      int level)
{
	struct scoutfs_btree_block *bt;
	void *handle;

	if (store_alloc(st, ref, level, &bt, &handle))
		tap_bail("store alloc failed");
	store_put(st, handle);
	return bt;
}

/*
 * Keys at the ends of the key space, and a chain of root parents with
 * single children, which this code never leaves but must cope with.
 */
static void test_edges(void)
{
	struct scoutfs_btree_root root;
	struct scoutfs_btree_cow_item found;
	struct scoutfs_btree_block *bt;
	struct scoutfs_block_ref ref;
	struct scoutfs_key ones;
	struct scoutfs_key zeros;
	struct scoutfs_key key;
	long items;
	unsigned int i;
	bool ok = true;
	int ret;

	setup(&root);
	scoutfs_key_set_ones(&ones);
	scoutfs_key_set_zeros(&zeros);
	ret = scoutfs_btree_cow_insert(&bc, &root, &ones, 1, 0, "max", 3);
	tap_is_int(ret, 0, "the all-ones key can be stored");
	ret = scoutfs_btree_cow_next(&bc, &root, &zeros, NULL, 0, &found);
	tap_ok(ret == 0 && scoutfs_key_compare(&found.key, &ones) == 0,
	       "next from the zero key finds it");
	ret = scoutfs_btree_cow_prev(&bc, &root, &ones, NULL, 0, &found);
	tap_ok(ret == 0 && found.val_len == 3, "prev from the all-ones key finds it");
	tap_is_int(scoutfs_btree_cow_prev(&bc, &root, &zeros, NULL, 0, &found),
		   -ENOENT, "prev from the zero key: -ENOENT");
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &ones), 0,
		   "delete of the all-ones key");

	/* root (level 2) -> parent (level 1) -> leaf with 3 items */
	setup(&root);
	bt = hand_block(&ref, 0);
	for (i = 0; i < 3; i++) {
		id_key(&key, i);
		ok &= scoutfs_btree_block_insert(bt, &key, 1, 0, "abc", 3) == 0;
	}
	bt = hand_block(&root.ref, 1);
	ok &= scoutfs_btree_block_insert(bt, &ones, 0, 0, &ref, sizeof(ref)) == 0;
	ref = root.ref;
	bt = hand_block(&root.ref, 2);
	ok &= scoutfs_btree_block_insert(bt, &ones, 0, 0, &ref, sizeof(ref)) == 0;
	root.height = 3;
	store_commit(st);
	tap_ok(ok && walk_tree(st, &root, true, &items, NULL) == 0 && items == 3,
	       "a hand built chain of single child parents verifies");
	id_key(&key, 1);
	ret = scoutfs_btree_cow_lookup(&bc, &root, &key, NULL, 0, &found);
	tap_ok(ret == 0 && found.val_len == 3, "and can be searched");
	ret = scoutfs_btree_cow_delete(&bc, &root, &key);
	store_commit(st);
	tap_ok(ret == 0 && root.height == 1 && st->allocated == 1 &&
	       walk_tree(st, &root, true, &items, NULL) == 0 && items == 2,
	       "a delete collapses the chain to a root leaf (height %u, %ld blocks)",
	       root.height, st->allocated);
}

/* ------------------------------------------------------- model test */

#define NR_IDS		26000

struct model_item {
	bool present;
	__u8 flags;
	unsigned short len;
	__u64 seq;
};

static struct model_item model[NR_IDS];
static long model_count;

struct fuzz_stats {
	long ops;
	long mismatches;
	long commits;
	long walk_problems;
	long injected;		/* modifications failed by the store */
	unsigned int inject;	/* fail one of the first n block allocations */
	long op_counts[8];
	int max_height;
	long max_blocks;
};

static bool mism(struct fuzz_stats *fs, const char *what, unsigned int id,
		 int ret)
{
	if (fs->mismatches++ < 10)
		tap_diag("op %ld: %s, id %u, ret %d", fs->ops, what, id, ret);
	return false;
}

/* compare a found item with the model's item id */
static bool same_item(struct fuzz_stats *fs, const char *what, long id,
		      const struct scoutfs_btree_cow_item *found,
		      const unsigned char *val)
{
	static unsigned char want[SCOUTFS_BTREE_MAX_VAL_LEN];
	struct model_item *m;

	if (id < 0 || id >= NR_IDS || !model[id].present)
		return mism(fs, what, (unsigned int)id, -1);
	m = &model[id];
	if (key_id(&found->key) != id || found->seq != m->seq ||
	    found->flags != m->flags || found->val_len != m->len)
		return mism(fs, what, (unsigned int)id, -2);
	if (val) {
		fill_val(want, (unsigned int)id, m->seq, m->len);
		if (memcmp(want, val, m->len) != 0)
			return mism(fs, what, (unsigned int)id, -3);
	}
	return true;
}

/* every item in order, with next() from the smallest key */
static void full_compare(struct fuzz_stats *fs, struct scoutfs_btree_root *root)
{
	static unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN];
	struct scoutfs_btree_cow_item found;
	struct scoutfs_key key;
	long id = 0;
	int ret;

	scoutfs_key_set_zeros(&key);
	for (;;) {
		ret = scoutfs_btree_cow_next(&bc, root, &key, val, sizeof(val), &found);
		while (id < NR_IDS && !model[id].present)
			id++;
		if (ret == -ENOENT) {
			if (id != NR_IDS)
				mism(fs, "full scan ended early", (unsigned int)id, ret);
			return;
		}
		if (ret != 0 || !same_item(fs, "full scan", id, &found, val))
			return;
		id++;
		key = found.key;
		scoutfs_key_inc(&key);
	}
}

static unsigned int rand_len(int phase)
{
	unsigned int r = rnd(100);

	if (phase == 0)		/* growing: mostly big values */
		return r < 10 ? rnd(64) : 2048 + rnd(2049);
	if (r < 20)
		return 0;
	if (r < 50)
		return rnd(128);
	return rnd(SCOUTFS_BTREE_MAX_VAL_LEN + 1);
}

static void one_op(struct fuzz_stats *fs, struct scoutfs_btree_root *root,
		   int phase)
{
	static unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN];
	static unsigned char got[SCOUTFS_BTREE_MAX_VAL_LEN];
	struct scoutfs_btree_cow_item found;
	struct scoutfs_key key;
	unsigned int id = rnd(NR_IDS);
	unsigned int r = rnd(100);
	unsigned int len;
	__u64 seq = st->seq * 1000 + rnd(1000);
	__u8 flags;
	long want;
	int op;
	int ret;

	/* phase 0 grows, 1 churns, 2 shrinks */
	if (phase == 0)
		op = r < 70 ? 0 : r < 78 ? 1 : r < 82 ? 2 : r < 86 ? 3 : r < 93 ? 4 : 5;
	else if (phase == 1)
		op = r < 25 ? 0 : r < 40 ? 1 : r < 50 ? 2 : r < 75 ? 3 : r < 88 ? 4 : 5;
	else
		op = r < 10 ? 0 : r < 15 ? 1 : r < 20 ? 2 : r < 80 ? 3 : r < 90 ? 4 : 5;

	/* deletes in the shrink phase pick present keys from a random start */
	if (op == 3 && phase == 2 && model_count > 0) {
		while (!model[id].present)
			id = (id + 1) % NR_IDS;
	}

	len = rand_len(phase);
	flags = 0;
	if (rnd(10) == 0) {
		flags = SCOUTFS_ITEM_FLAG_DELETION;
		len = 0;
	}
	fill_val(val, id, seq, len);
	id_key(&key, id);
	fs->op_counts[op]++;
	st->fail_countdown = fs->inject && op <= 3 ? 1 + rnd(fs->inject) : 0;

	switch (op) {
	case 0:	/* insert */
	case 1:	/* force */
	case 2:	/* update */
		if (op == 0)
			ret = scoutfs_btree_cow_insert(&bc, root, &key, seq, flags, val, len);
		else if (op == 1)
			ret = scoutfs_btree_cow_force(&bc, root, &key, seq, flags, val, len);
		else
			ret = scoutfs_btree_cow_update(&bc, root, &key, seq, flags, val, len);
		if (fs->inject && st->fail_countdown == 0 && ret == -ENOSPC) {
			fs->injected++;	/* failed part way: nothing changed */
			break;
		}
		if (op == 0 && model[id].present)
			want = -EEXIST;
		else if (op == 2 && !model[id].present)
			want = -ENOENT;
		else
			want = 0;
		if (ret != want) {
			mism(fs, op == 0 ? "insert" : op == 1 ? "force" : "update", id, ret);
			break;
		}
		if (ret == 0) {
			if (!model[id].present)
				model_count++;
			model[id].present = true;
			model[id].seq = seq;
			model[id].flags = flags;
			model[id].len = len;
		}
		break;
	case 3:	/* delete */
		ret = scoutfs_btree_cow_delete(&bc, root, &key);
		if (fs->inject && st->fail_countdown == 0 && ret == -ENOSPC) {
			fs->injected++;
			break;
		}
		if (ret != (model[id].present ? 0 : -ENOENT)) {
			mism(fs, "delete", id, ret);
			break;
		}
		if (ret == 0) {
			model[id].present = false;
			model_count--;
		}
		break;
	case 4:	/* lookup */
		ret = scoutfs_btree_cow_lookup(&bc, root, &key, got, sizeof(got), &found);
		if (ret != (model[id].present ? 0 : -ENOENT))
			mism(fs, "lookup", id, ret);
		else if (ret == 0)
			same_item(fs, "lookup", id, &found, got);
		break;
	default: /* next or prev from an exact or in-between key */
		if (rnd(2))
			probe_key(&key, id);
		if (rnd(2)) {
			long i = key.sk_second ? id + 1 : id;

			while (i < NR_IDS && !model[i].present)
				i++;
			ret = scoutfs_btree_cow_next(&bc, root, &key, got, sizeof(got),
						     &found);
			if (i >= NR_IDS) {
				if (ret != -ENOENT)
					mism(fs, "next past the end", id, ret);
			} else if (ret != 0) {
				mism(fs, "next", id, ret);
			} else {
				same_item(fs, "next", i, &found, got);
			}
		} else {
			long i = id;

			while (i >= 0 && !model[i].present)
				i--;
			ret = scoutfs_btree_cow_prev(&bc, root, &key, got, sizeof(got),
						     &found);
			if (i < 0) {
				if (ret != -ENOENT)
					mism(fs, "prev before the start", id, ret);
			} else if (ret != 0) {
				mism(fs, "prev", id, ret);
			} else {
				same_item(fs, "prev", i, &found, got);
			}
		}
		break;
	}
	st->fail_countdown = 0;
	fs->ops++;
	if (root->height > fs->max_height)
		fs->max_height = root->height;
	if (st->allocated > fs->max_blocks)
		fs->max_blocks = st->allocated;
}

static void commit_and_walk(struct fuzz_stats *fs, struct scoutfs_btree_root *root)
{
	long items;
	long problems;

	st->no_crc = fs->commits % 4 != 0;
	store_commit(st);
	fs->commits++;
	problems = walk_tree(st, root, fs->commits % 8 == 0, &items, NULL);
	if (items != model_count) {
		tap_diag("commit %ld: tree has %ld items, model %ld", fs->commits,
			 items, model_count);
		problems++;
	}
	fs->walk_problems += problems;
}

static void test_model(void)
{
	struct scoutfs_btree_root root;
	struct fuzz_stats fs;
	struct scoutfs_key key;
	long ops_at_start;
	clock_t start = clock();
	int phase;

	setup(&root);
	memset(&fs, 0, sizeof(fs));
	memset(model, 0, sizeof(model));
	model_count = 0;

	/* grow until height 3 and past, churn, then shrink to nothing */
	for (phase = 0; phase < 3; phase++) {
		ops_at_start = fs.ops;
		for (;;) {
			if (phase == 0 && (root.height >= 3 && fs.ops - ops_at_start > 20000))
				break;
			if (phase == 0 && fs.ops - ops_at_start > 60000)
				break;
			if (phase == 1 && fs.ops - ops_at_start >= 15000)
				break;
			if (phase == 2 && (model_count == 0 ||
					   fs.ops - ops_at_start > 80000))
				break;
			one_op(&fs, &root, phase);
			if (fs.ops % 1999 == 0)
				commit_and_walk(&fs, &root);
			if (fs.ops % 19997 == 0)
				full_compare(&fs, &root);
			if (fs.mismatches > 20 || fs.walk_problems > 20)
				break;
		}
		commit_and_walk(&fs, &root);
		full_compare(&fs, &root);
		if (phase == 0)
			tap_ok(fs.max_height >= 3 && fs.mismatches == 0 &&
			       fs.walk_problems == 0,
			       "grow: %ld ops, %ld items, height %u, %ld blocks",
			       fs.ops - ops_at_start, model_count, root.height,
			       st->allocated);
		else if (phase == 1)
			tap_ok(fs.mismatches == 0 && fs.walk_problems == 0,
			       "churn: %ld ops, %ld items, height %u, %ld blocks",
			       fs.ops - ops_at_start, model_count, root.height,
			       st->allocated);
		if (fs.mismatches > 20 || fs.walk_problems > 20)
			break;
	}

	tap_ok(fs.mismatches == 0, "%ld random ops agree with the model "
	       "(%ld insert, %ld force, %ld update, %ld delete, %ld lookup, %ld next/prev)",
	       fs.ops, fs.op_counts[0], fs.op_counts[1], fs.op_counts[2],
	       fs.op_counts[3], fs.op_counts[4], fs.op_counts[5]);
	tap_ok(fs.walk_problems == 0,
	       "%ld commits: every block verifies, keys in range, no leaks "
	       "(max height %d, max %ld blocks, %ld copies)", fs.commits,
	       fs.max_height, fs.max_blocks, st->cow_copies);
	tap_ok(model_count == 0 && root.height == 0 && root.ref.blkno == 0 &&
	       st->allocated == 0 && st->allocs == st->frees,
	       "deleting everything empties the tree: height %u, %ld blocks, "
	       "%ld allocs, %ld frees", root.height, st->allocated, st->allocs,
	       st->frees);

	id_key(&key, 0);
	tap_is_int(scoutfs_btree_cow_delete(&bc, &root, &key), -ENOENT,
		   "delete after everything is gone: -ENOENT");
	tap_diag("model test took %.1f s", (double)(clock() - start) / CLOCKS_PER_SEC);
}

/*
 * The same random operations with every modification failing at one of
 * its first block allocations (a copy or a new block) about half of the
 * time: a failed call must change no items and leave a valid tree.
 */
static void test_alloc_failures(void)
{
	struct scoutfs_btree_root root;
	struct fuzz_stats fs;
	long ops_at_start;
	int phase;

	setup(&root);
	memset(&fs, 0, sizeof(fs));
	memset(model, 0, sizeof(model));
	model_count = 0;
	fs.inject = 8;

	for (phase = 0; phase < 3; phase++) {
		ops_at_start = fs.ops;
		for (;;) {
			if (phase == 0 && (model_count >= 3000 ||
					   fs.ops - ops_at_start > 20000))
				break;
			if (phase == 1 && fs.ops - ops_at_start >= 6000)
				break;
			if (phase == 2 && (model_count == 0 ||
					   fs.ops - ops_at_start > 40000))
				break;
			one_op(&fs, &root, phase);
			if (fs.ops % 97 == 0)
				commit_and_walk(&fs, &root);
			if (fs.mismatches > 20 || fs.walk_problems > 20)
				break;
		}
		commit_and_walk(&fs, &root);
		full_compare(&fs, &root);
	}

	tap_ok(fs.mismatches == 0 && fs.walk_problems == 0 && fs.injected > 1000,
	       "%ld ops of which %ld failed part way: items, blocks and "
	       "structure stay right (max height %d, %ld commits)", fs.ops,
	       fs.injected, fs.max_height, fs.commits);
	tap_ok(model_count == 0 && root.height == 0 && st->allocated == 0,
	       "and deleting everything still empties the tree");
}

/* a sorted batch of forces for scoutfs_btree_cow_force_sorted() */
struct sorted_batch {
	unsigned int nr;
	unsigned int at;
	unsigned int ids[NR_IDS];
	__u64 seqs[NR_IDS];
	__u8 flags[NR_IDS];
	unsigned short lens[NR_IDS];
	struct scoutfs_key key;
	unsigned char val[SCOUTFS_BTREE_MAX_VAL_LEN + 1];	/* room for one too long */
};

static int batch_next(void *arg, struct scoutfs_btree_cow_src *src)
{
	struct sorted_batch *b = arg;
	unsigned int i = b->at;

	if (i == b->nr)
		return -ENOENT;
	b->at++;
	id_key(&b->key, b->ids[i]);
	fill_val(b->val, b->ids[i], b->seqs[i], b->lens[i]);
	src->key = &b->key;
	src->seq = b->seqs[i];
	src->flags = b->flags[i];
	src->val = b->lens[i] ? b->val : NULL;
	src->val_len = b->lens[i];
	return 0;
}

/*
 * Commits as a mount writes them: batches of random ascending keys,
 * dense runs and sparse ones, new and already present, with values of
 * every size, forced in one sorted pass; the tree matches the model
 * after each and every block checks.
 */
static void test_force_sorted(void)
{
	static struct sorted_batch b;
	struct scoutfs_btree_root root;
	struct fuzz_stats fs;
	unsigned int round;
	unsigned int id;
	unsigned int step;
	long items;
	long problems = 0;
	bool ok = true;

	memset(&fs, 0, sizeof(fs));
	memset(model, 0, sizeof(model));
	model_count = 0;
	setup(&root);
	for (round = 0; round < 60; round++) {
		b.nr = 0;
		b.at = 0;
		step = 1 + rnd(round % 3 == 0 ? 3 : 60);
		for (id = rnd(step); id < NR_IDS; id += 1 + rnd(step)) {
			b.ids[b.nr] = id;
			b.seqs[b.nr] = st->seq * 1000 + rnd(1000);
			b.flags[b.nr] = rnd(10) == 0 ? SCOUTFS_ITEM_FLAG_DELETION : 0;
			b.lens[b.nr] = b.flags[b.nr] ? 0 : rand_len(round < 20 ? 0 : 1);
			b.nr++;
		}
		ok &= scoutfs_btree_cow_force_sorted(&bc, &root, batch_next, &b) == 0 &&
		      b.at == b.nr;
		for (id = 0; id < b.nr; id++) {
			struct model_item *m = &model[b.ids[id]];

			if (!m->present)
				model_count++;
			m->present = true;
			m->seq = b.seqs[id];
			m->flags = b.flags[id];
			m->len = b.lens[id];
		}
		store_commit(st);
		problems += walk_tree(st, &root, round % 10 == 9, &items, NULL);
		ok &= items == model_count;
		full_compare(&fs, &root);
	}
	tap_ok(ok && problems == 0 && fs.mismatches == 0 && st->errors == 0,
	       "60 sorted batches forced in one pass each match the model (height %u, %ld items)",
	       root.height, model_count);

	/* an empty batch changes nothing; an invalid key stops the pass */
	b.nr = 0;
	b.at = 0;
	tap_is_int(scoutfs_btree_cow_force_sorted(&bc, &root, batch_next, &b), 0,
		   "an empty sorted batch");
	b.nr = 1;
	b.at = 0;
	b.ids[0] = 5;
	b.lens[0] = SCOUTFS_BTREE_MAX_VAL_LEN + 1;
	b.flags[0] = 0;
	tap_is_int(scoutfs_btree_cow_force_sorted(&bc, &root, batch_next, &b), -EINVAL,
		   "an oversized value in a sorted batch is refused");
	store_commit(st);
}

/*
 * A commit of ascending new keys in front of items the tree already
 * has (a directory's new entries before the inodes after them) leaves
 * full leaves behind: splitting in the middle would leave each about
 * half full.
 */
static void test_force_sorted_fill(void)
{
	static struct sorted_batch b;
	struct scoutfs_btree_root root;
	struct walk_state w;
	struct scoutfs_key ones;
	unsigned int i;
	bool ok;

	setup(&root);
	b.nr = 10;
	b.at = 0;
	for (i = 0; i < b.nr; i++) {
		b.ids[i] = NR_IDS - 10 + i;
		b.seqs[i] = 1;
		b.flags[i] = 0;
		b.lens[i] = 100;
	}
	ok = scoutfs_btree_cow_force_sorted(&bc, &root, batch_next, &b) == 0;
	store_commit(st);

	b.nr = NR_IDS - 10;
	b.at = 0;
	for (i = 0; i < b.nr; i++) {
		b.ids[i] = i;
		b.seqs[i] = 2;
		b.flags[i] = 0;
		b.lens[i] = 100;
	}
	ok &= scoutfs_btree_cow_force_sorted(&bc, &root, batch_next, &b) == 0;
	store_commit(st);

	memset(&w, 0, sizeof(w));
	w.seen = calloc(MAX_BLOCKS, 1);
	if (!w.seen)
		tap_bail("out of memory");
	scoutfs_key_set_ones(&ones);
	walk_block(st, &w, &root.ref, root.height - 1, NULL, &ones);
	walk_finish(st, &w);
	free(w.seen);
	tap_ok(ok && w.problems == 0 && w.items == NR_IDS && st->errors == 0 &&
	       w.leaf_used * 100 / (w.leaves * (long)SCOUTFS_BTREE_SPACE) >= 95,
	       "ascending keys forced in front of older ones fill their leaves (%ld leaves, %ld%% used)",
	       w.leaves, w.leaves ? w.leaf_used * 100 / (w.leaves * (long)SCOUTFS_BTREE_SPACE) : 0);
}

int main(void)
{
	test_rng_seed(0x2545f4914f6cdd1dULL, "BTREE_COW_SEED");
	test_basic();
	test_compact();
	test_edges();
	test_sequential();
	test_model();
	test_force_sorted();
	test_force_sorted_fill();
	test_alloc_failures();
	if (st) {
		store_destroy(st);
		free(st);
	}
	return tap_done();
}
