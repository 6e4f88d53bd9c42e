// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write btrees: searching and modifying trees of btree blocks.
 *
 * Blocks come from the caller's ops (btree_cow.h); this file only moves
 * items around in memory, so the kernel and the utilities run the same
 * code.
 *
 * Modifications walk down from the root once, dirtying every block on
 * the path and fixing the structure before descending, so that nothing
 * ever has to go back up:
 *
 *  - a walk that may insert splits any block that might not have room
 *    for what will be added to it: a leaf the new item (header and the
 *    whole value), a parent one more child item.  A root that needs a
 *    split first grows the tree by a new root parent above it.  The
 *    lower keys move to a new left sibling whose parent item key is its
 *    last key, at the point that best balances the used bytes; a sorted
 *    batch (scoutfs_btree_cow_force_sorted()) splits at its key instead,
 *    so the blocks it leaves behind are full.
 *  - a walk that deletes looks at every child whose used bytes are
 *    below SCOUTFS_BTREE_JOIN_LOW, and picks its left sibling (the
 *    right one for a first child).  If the two fit in 3/4 of a block,
 *    the left one's items move into the right one and the left one is
 *    freed (a left sibling that goes away is only read, not copied);
 *    otherwise items move from the bigger one until the two are
 *    balanced and the left one's parent key becomes its new last key.
 *    A root parent left with a single child is replaced by that child,
 *    and a root leaf left empty empties the tree.  Since every small
 *    block on the path is joined, a non-root leaf is never empty and a
 *    non-root parent always has two children, so deleting the last item
 *    always leaves an empty tree without blocks.
 *  - values are only ever placed in contiguous free space: a block whose
 *    free space is fragmented by removed values is compacted first
 *    (scoutfs_btree_cow_compact(), with the caller's scratch block).
 *
 * A parent item's key is the greatest key its child may hold and the
 * right-most path carries the all-ones key.  The structure changes keep
 * a parent block's last item key equal to its own parent item's key, so
 * a search always finds a child.  Leaves may lag: their last item can
 * be below their parent key once items are deleted.
 *
 * Every step leaves a valid tree, so an error from the ops part way
 * down leaves a consistent (if restructured) tree behind.
 */
#include "btree_cow.h"
#include "btree_block.h"
#include "block.h"
#include "key.h"

#define ITEM_SIZE	((unsigned int)sizeof(struct scoutfs_btree_item))
#define HDR_SIZE	((unsigned int)sizeof(struct scoutfs_btree_block))
#define BLOCK_SIZE	SCOUTFS_META_BLOCK_SIZE
#define REF_SIZE	((unsigned int)sizeof(struct scoutfs_block_ref))
/* a parent item with its ref value */
#define PARENT_ITEM_SIZE (ITEM_SIZE + REF_SIZE)
/* a child and a sibling are merged when both fit in this */
#define JOIN_MERGE_MAX	(SCOUTFS_BTREE_SPACE * 3 / 4)

static unsigned int nr_items(const struct scoutfs_btree_block *bt)
{
	return le16_to_cpu(bt->nr_items);
}

static unsigned int item_bytes(const struct scoutfs_btree_item *item)
{
	return ITEM_SIZE + scoutfs_btree_val_space(le16_to_cpu(item->val_len));
}

static struct scoutfs_block_ref *item_ref(struct scoutfs_btree_block *bt,
					  unsigned int pos)
{
	return (struct scoutfs_block_ref *)((char *)bt +
					    le16_to_cpu(bt->items[pos].val_off));
}

static unsigned int items_end(const struct scoutfs_btree_block *bt)
{
	return HDR_SIZE + nr_items(bt) * ITEM_SIZE;
}

/* set mid_free_len from the lowest value after items or values went away */
static void reset_mid_free(struct scoutfs_btree_block *bt)
{
	unsigned int lowest = BLOCK_SIZE;
	unsigned int nr = nr_items(bt);
	unsigned int off;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (bt->items[i].val_len != 0) {
			off = le16_to_cpu(bt->items[i].val_off);
			if (off < lowest)
				lowest = off;
		}
	}
	bt->mid_free_len = cpu_to_le16(lowest - items_end(bt));
}

void scoutfs_btree_cow_compact(struct scoutfs_btree_block *bt, void *scratch)
{
	struct scoutfs_btree_item *item;
	unsigned int nr = nr_items(bt);
	unsigned int off = BLOCK_SIZE;
	unsigned int space;
	unsigned int end;
	unsigned int i;

	if (bt->mid_free_len == bt->total_free_len)
		return;

	memcpy(scratch, bt, BLOCK_SIZE);
	for (i = 0; i < nr; i++) {
		item = &bt->items[i];
		if (item->val_len == 0)
			continue;
		space = scoutfs_btree_val_space(le16_to_cpu(item->val_len));
		off -= space;
		memcpy((char *)bt + off,
		       (char *)scratch + le16_to_cpu(item->val_off), space);
		item->val_off = cpu_to_le16(off);
	}
	end = items_end(bt);
	memset((char *)bt + end, 0, off - end);
	bt->mid_free_len = cpu_to_le16(off - end);
}

/* make bytes of contiguous free space, which total free space must allow */
static int make_room(struct scoutfs_btree_block *bt, unsigned int bytes,
		     void *scratch)
{
	if (le16_to_cpu(bt->total_free_len) < bytes)
		return -ENOSPC;
	if (le16_to_cpu(bt->mid_free_len) < bytes)
		scoutfs_btree_cow_compact(bt, scratch);
	return 0;
}

/* remove items [pos, pos + nr), their values become free space */
static void remove_items(struct scoutfs_btree_block *bt, unsigned int pos,
			 unsigned int nr)
{
	struct scoutfs_btree_item *item;
	unsigned int total = nr_items(bt);
	unsigned int freed = 0;
	unsigned int i;

	if (nr == 0)
		return;

	for (i = pos; i < pos + nr; i++) {
		item = &bt->items[i];
		if (item->val_len != 0)
			memset((char *)bt + le16_to_cpu(item->val_off), 0,
			       scoutfs_btree_val_space(le16_to_cpu(item->val_len)));
		freed += item_bytes(item);
	}

	memmove(&bt->items[pos], &bt->items[pos + nr],
		(total - pos - nr) * ITEM_SIZE);
	memset(&bt->items[total - nr], 0, nr * ITEM_SIZE);
	bt->nr_items = cpu_to_le16(total - nr);
	bt->total_free_len = cpu_to_le16(le16_to_cpu(bt->total_free_len) + freed);
	reset_mid_free(bt);
}

/*
 * Copy src's items [spos, spos + nr) to dst, in front of dst's item
 * dpos.  The caller makes sure that the keys stay sorted; -ENOSPC if dst
 * doesn't have the room.
 */
static int copy_items(struct scoutfs_btree_block *dst, unsigned int dpos,
		      const struct scoutfs_btree_block *src, unsigned int spos,
		      unsigned int nr, void *scratch)
{
	const struct scoutfs_btree_item *sitem;
	struct scoutfs_btree_item *ditem;
	unsigned int dnr = nr_items(dst);
	unsigned int bytes = 0;
	unsigned int val_pos;
	unsigned int space;
	unsigned int i;
	int ret;

	if (nr == 0)
		return 0;

	for (i = spos; i < spos + nr; i++)
		bytes += item_bytes(&src->items[i]);
	ret = make_room(dst, bytes, scratch);
	if (ret)
		return ret;

	/* values go below the lowest value, as insertion puts them */
	val_pos = items_end(dst) + le16_to_cpu(dst->mid_free_len);
	memmove(&dst->items[dpos + nr], &dst->items[dpos],
		(dnr - dpos) * ITEM_SIZE);
	for (i = 0; i < nr; i++) {
		sitem = &src->items[spos + i];
		ditem = &dst->items[dpos + i];
		*ditem = *sitem;
		if (sitem->val_len != 0) {
			space = scoutfs_btree_val_space(le16_to_cpu(sitem->val_len));
			val_pos -= space;
			memcpy((char *)dst + val_pos,
			       (const char *)src + le16_to_cpu(sitem->val_off),
			       space);
			ditem->val_off = cpu_to_le16(val_pos);
		}
	}
	dst->nr_items = cpu_to_le16(dnr + nr);
	dst->mid_free_len = cpu_to_le16(le16_to_cpu(dst->mid_free_len) - bytes);
	dst->total_free_len = cpu_to_le16(le16_to_cpu(dst->total_free_len) - bytes);
	return 0;
}

/* copy_items(), then remove the items from src */
static int move_items(struct scoutfs_btree_block *dst, unsigned int dpos,
		      struct scoutfs_btree_block *src, unsigned int spos,
		      unsigned int nr, void *scratch)
{
	int ret;

	ret = copy_items(dst, dpos, src, spos, nr, scratch);
	if (ret == 0)
		remove_items(src, spos, nr);
	return ret;
}

/* insert an item where scoutfs_btree_block_find() placed its absent key */
static int insert_item_at(struct scoutfs_btree_block *bt, unsigned int pos,
			  const struct scoutfs_key *key, __u64 seq, __u8 flags,
			  const void *val, unsigned int val_len, void *scratch)
{
	int ret;

	/* compacting moves values only: pos stays right */
	ret = make_room(bt, ITEM_SIZE + scoutfs_btree_val_space(val_len),
			scratch);
	if (ret)
		return ret;
	return scoutfs_btree_block_insert_at(bt, pos, key, seq, flags, val, val_len);
}

/* add a parent item for a child block */
static int insert_parent_item(struct scoutfs_btree_block *par,
			      const struct scoutfs_key *key,
			      const struct scoutfs_block_ref *ref,
			      void *scratch)
{
	struct scoutfs_block_ref copy = *ref;
	unsigned int pos;

	if (scoutfs_btree_block_find(par, key, &pos) == 0)
		return -EEXIST;
	return insert_item_at(par, pos, key, 0, 0, &copy, REF_SIZE, scratch);
}

static const struct scoutfs_key *last_key(const struct scoutfs_btree_block *bt)
{
	return &bt->items[nr_items(bt) - 1].key;
}

static bool is_ones(const struct scoutfs_key *key)
{
	struct scoutfs_key ones;

	scoutfs_key_set_ones(&ones);
	return scoutfs_key_compare(key, &ones) == 0;
}

/* the child to descend into for key: the first item with a key >= key */
static int child_pos(const struct scoutfs_btree_block *bt,
		     const struct scoutfs_key *key, unsigned int *pos)
{
	scoutfs_btree_block_find(bt, key, pos);
	if (*pos >= nr_items(bt))
		return -EIO;
	return 0;
}

/* ---------------------------------------------------------- searching */

enum search_dir {
	SEARCH_EXACT,
	SEARCH_NEXT,
	SEARCH_PREV,
};

static void copy_found(const struct scoutfs_btree_block *bt, unsigned int pos,
		       void *val, unsigned int val_size,
		       struct scoutfs_btree_cow_item *found)
{
	const struct scoutfs_btree_item *item = &bt->items[pos];
	unsigned int len = le16_to_cpu(item->val_len);

	if (val && len)
		memcpy(val, scoutfs_btree_item_val(bt, item),
		       len < val_size ? len : val_size);
	if (found) {
		found->key = item->key;
		found->seq = le64_to_cpu(item->seq);
		found->val_len = len;
		found->flags = item->flags;
	}
}

/*
 * One descent.  Returns 0 with the item copied, -ENOENT when nothing
 * matches in the whole tree, an error from the ops, or SEARCH_AGAIN with
 * *key set to where the search must continue from (the neighbouring
 * leaf's range).
 */
#define SEARCH_AGAIN	1

static int search_once(struct scoutfs_btree_cow *bc,
		       const struct scoutfs_btree_root *root,
		       struct scoutfs_key *key, enum search_dir dir,
		       void *val, unsigned int val_size,
		       struct scoutfs_btree_cow_item *found)
{
	struct scoutfs_btree_block *bt;
	struct scoutfs_block_ref ref = root->ref;
	struct scoutfs_key upper;
	struct scoutfs_key lower;
	bool have_upper = false;
	bool have_lower = false;
	unsigned int pos;
	void *handle;
	int level;
	int ret;

	if (root->height == 0)
		return -ENOENT;
	if (root->height > SCOUTFS_BTREE_MAX_HEIGHT)
		return -EIO;

	for (level = root->height - 1; ; level--) {
		ret = bc->ops->read(bc->arg, &ref, level, &bt, &handle);
		if (ret)
			return ret;

		if (level > 0) {
			ret = child_pos(bt, key, &pos);
			if (ret == 0) {
				upper = bt->items[pos].key;
				have_upper = true;
				if (pos > 0) {
					lower = bt->items[pos - 1].key;
					have_lower = true;
				}
				ref = *item_ref(bt, pos);
			}
			bc->ops->put(bc->arg, handle);
			if (ret)
				return ret;
			continue;
		}

		ret = scoutfs_btree_block_find(bt, key, &pos);
		if (dir == SEARCH_EXACT) {
			if (ret == 0)
				copy_found(bt, pos, val, val_size, found);
		} else if (dir == SEARCH_NEXT) {
			if (pos < nr_items(bt)) {
				copy_found(bt, pos, val, val_size, found);
				ret = 0;
			} else if (have_upper && !is_ones(&upper)) {
				*key = upper;
				scoutfs_key_inc(key);
				ret = SEARCH_AGAIN;
			} else {
				ret = -ENOENT;
			}
		} else {
			if (ret == 0) {
				copy_found(bt, pos, val, val_size, found);
			} else if (pos > 0) {
				copy_found(bt, pos - 1, val, val_size, found);
				ret = 0;
			} else if (have_lower) {
				*key = lower;
				ret = SEARCH_AGAIN;
			} else {
				ret = -ENOENT;
			}
		}
		bc->ops->put(bc->arg, handle);
		return ret;
	}
}

static int search(struct scoutfs_btree_cow *bc,
		  const struct scoutfs_btree_root *root,
		  const struct scoutfs_key *key, enum search_dir dir,
		  void *val, unsigned int val_size,
		  struct scoutfs_btree_cow_item *found)
{
	struct scoutfs_key pos = *key;
	int ret;

	do {
		ret = search_once(bc, root, &pos, dir, val, val_size, found);
	} while (ret == SEARCH_AGAIN);

	return ret;
}

int scoutfs_btree_cow_lookup(struct scoutfs_btree_cow *bc,
			     const struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, void *val,
			     unsigned int val_size,
			     struct scoutfs_btree_cow_item *found)
{
	return search(bc, root, key, SEARCH_EXACT, val, val_size, found);
}

int scoutfs_btree_cow_next(struct scoutfs_btree_cow *bc,
			   const struct scoutfs_btree_root *root,
			   const struct scoutfs_key *key, void *val,
			   unsigned int val_size,
			   struct scoutfs_btree_cow_item *found)
{
	return search(bc, root, key, SEARCH_NEXT, val, val_size, found);
}

int scoutfs_btree_cow_prev(struct scoutfs_btree_cow *bc,
			   const struct scoutfs_btree_root *root,
			   const struct scoutfs_key *key, void *val,
			   unsigned int val_size,
			   struct scoutfs_btree_cow_item *found)
{
	return search(bc, root, key, SEARCH_PREV, val, val_size, found);
}

/* -------------------------------------------------------- modification */

/* a dirty block held during a walk */
struct held {
	struct scoutfs_btree_block *bt;
	void *handle;
};

static void put_held(struct scoutfs_btree_cow *bc, struct held *h)
{
	if (h->handle)
		bc->ops->put(bc->arg, h->handle);
	h->bt = NULL;
	h->handle = NULL;
}

/* the bytes a block must have free before the walk may descend into it */
static unsigned int needed_bytes(int level, unsigned int val_len)
{
	if (level > 0)
		return PARENT_ITEM_SIZE;
	return ITEM_SIZE + scoutfs_btree_val_space(val_len);
}

/*
 * Where an ascending walk splits bt for key: the items below key move
 * left, so the left block keeps everything the stream put there and the
 * items above key (older ones the stream goes on inserting in front of)
 * stay right, with room for what comes next.  0 when that wouldn't
 * leave both sides an item and the right one room for needed bytes.
 */
static unsigned int ascending_split(const struct scoutfs_btree_block *bt,
				    const struct scoutfs_key *key, unsigned int needed)
{
	unsigned int right = 0;
	unsigned int pos;
	unsigned int i;

	scoutfs_btree_block_find(bt, key, &pos);
	if (pos == 0 || pos >= nr_items(bt))
		return 0;
	for (i = pos; i < nr_items(bt); i++)
		right += item_bytes(&bt->items[i]);
	return right + needed <= SCOUTFS_BTREE_SPACE ? pos : 0;
}

/*
 * Split the child at pos of par: its lower items move to a new left
 * sibling.  *child is left holding the one of the two that key belongs
 * in, and *pos its position in par.  An ascending walk (a sorted batch,
 * needing needed bytes for key) splits at key rather than in the middle.
 */
static int split_child(struct scoutfs_btree_cow *bc,
		       struct scoutfs_btree_block *par, unsigned int *pos,
		       struct held *child, int level,
		       const struct scoutfs_key *key, bool ascending,
		       unsigned int needed)
{
	struct scoutfs_btree_block *bt = child->bt;
	struct scoutfs_block_ref ref;
	struct held left = { NULL, NULL };
	unsigned int nr = nr_items(bt);
	unsigned int used = scoutfs_btree_block_used(bt);
	unsigned int sum = 0;
	unsigned int split = 0;
	int ret;

	/* a block that needs a split holds far more than two items */
	if (nr < 2)
		return -EIO;

	if (scoutfs_key_compare(key, last_key(bt)) > 0) {
		/*
		 * Appending past the block's last item, as ascending keys
		 * (new inode numbers, seq indexes, readdir positions) do:
		 * everything but the last item moves left, so the left block
		 * stays full and the appends fill the right one.
		 */
		split = nr - 1;
	} else if (ascending) {
		split = ascending_split(bt, key, needed);
	}
	if (split == 0) {
		/* the lower items up to about half the used bytes, at least one */
		for (split = 0; split < nr - 1; split++) {
			if (split > 0 && sum + item_bytes(&bt->items[split]) / 2 > used / 2)
				break;
			sum += item_bytes(&bt->items[split]);
		}
	}

	ret = bc->ops->alloc(bc->arg, &ref, level, &left.bt, &left.handle);
	if (ret)
		return ret;

	/* the parent had room for an item checked on the way down */
	ret = insert_parent_item(par, &bt->items[split - 1].key, &ref,
				 bc->scratch);
	if (ret) {
		put_held(bc, &left);
		bc->ops->free(bc->arg, &ref);
		return -EIO;
	}
	/* half a block always fits in an empty one */
	ret = move_items(left.bt, 0, bt, 0, split, bc->scratch);
	if (ret) {
		put_held(bc, &left);
		return -EIO;
	}

	/* the new left's item went in at pos, pushing the child's right */
	if (scoutfs_key_compare(key, last_key(left.bt)) <= 0) {
		put_held(bc, child);
		*child = left;
	} else {
		put_held(bc, &left);
		(*pos)++;
	}
	return 0;
}

/*
 * The child at pos of par has become small: merge it with a sibling or
 * take items from one.  *child and *pos are left at the block that key
 * belongs in.
 */
static int join_child(struct scoutfs_btree_cow *bc,
		      struct scoutfs_btree_block *par, unsigned int *pos,
		      struct held *child, int level,
		      const struct scoutfs_key *key)
{
	struct held sib = { NULL, NULL };
	struct held *lh;
	struct held *rh;
	struct scoutfs_block_ref old;
	struct scoutfs_btree_block *l;
	struct scoutfs_btree_block *r;
	unsigned int lpos;
	unsigned int sib_pos;
	unsigned int used;
	unsigned int target;
	unsigned int moved;
	unsigned int n;
	int ret;

	sib_pos = *pos > 0 ? *pos - 1 : *pos + 1;

	/*
	 * The usual case, a left sibling that is merged into the child,
	 * only reads the sibling: there's no point in copying a block that
	 * is about to be freed.
	 */
	if (sib_pos < *pos) {
		ret = bc->ops->read(bc->arg, item_ref(par, sib_pos), level,
				    &sib.bt, &sib.handle);
		if (ret)
			return ret;
		used = scoutfs_btree_block_used(sib.bt) +
		       scoutfs_btree_block_used(child->bt);
		if (used <= JOIN_MERGE_MAX) {
			ret = copy_items(child->bt, 0, sib.bt, 0,
					 nr_items(sib.bt), bc->scratch);
			put_held(bc, &sib);
			if (ret)
				return ret;
			old = *item_ref(par, sib_pos);
			remove_items(par, sib_pos, 1);
			bc->ops->free(bc->arg, &old);
			*pos = sib_pos;
			return 0;
		}
		put_held(bc, &sib);
	}

	ret = bc->ops->dirty(bc->arg, item_ref(par, sib_pos), level, &sib.bt,
			     &sib.handle);
	if (ret)
		return ret;

	if (sib_pos < *pos) {
		lh = &sib;
		rh = child;
		lpos = sib_pos;
	} else {
		lh = child;
		rh = &sib;
		lpos = *pos;
	}
	l = lh->bt;
	r = rh->bt;
	used = scoutfs_btree_block_used(l) + scoutfs_btree_block_used(r);

	if (used <= JOIN_MERGE_MAX) {
		/* everything into the right block, the left one goes away */
		ret = move_items(r, 0, l, 0, nr_items(l), bc->scratch);
		if (ret)
			goto out;
		old = *item_ref(par, lpos);
		remove_items(par, lpos, 1);
		put_held(bc, lh);
		bc->ops->free(bc->arg, &old);
		if (lh == child) {
			*child = sib;
			sib.bt = NULL;
			sib.handle = NULL;
		}
		*pos = lpos;
		ret = 0;
		goto out;
	}

	/* move items from the bigger one until the two are balanced */
	target = used / 2;
	moved = 0;
	if (scoutfs_btree_block_used(l) < scoutfs_btree_block_used(r)) {
		/* from the head of the right to the tail of the left */
		for (n = 0; n < nr_items(r) - 1; n++) {
			if (scoutfs_btree_block_used(l) + moved >= target)
				break;
			moved += item_bytes(&r->items[n]);
		}
		ret = move_items(l, nr_items(l), r, 0, n, bc->scratch);
	} else {
		/* from the tail of the left to the head of the right */
		for (n = 0; n < nr_items(l) - 1; n++) {
			if (scoutfs_btree_block_used(r) + moved >= target)
				break;
			moved += item_bytes(&l->items[nr_items(l) - 1 - n]);
		}
		ret = move_items(r, 0, l, nr_items(l) - n, n, bc->scratch);
	}
	if (ret)
		goto out;
	if (nr_items(l) == 0) {
		/* can't happen: the donor keeps an item, a receiver gets one */
		ret = -EIO;
		goto out;
	}
	par->items[lpos].key = *last_key(l);

	if (scoutfs_key_compare(key, &par->items[lpos].key) <= 0) {
		if (lh != child) {
			put_held(bc, child);
			*child = sib;
			sib.bt = NULL;
			sib.handle = NULL;
		}
		*pos = lpos;
	} else {
		if (rh != child) {
			put_held(bc, child);
			*child = sib;
			sib.bt = NULL;
			sib.handle = NULL;
		}
		*pos = lpos + 1;
	}
	ret = 0;
out:
	put_held(bc, &sib);
	return ret;
}

/* replace a root parent with a single child by that child */
static void collapse_root(struct scoutfs_btree_cow *bc,
			  struct scoutfs_btree_root *root, struct held *rt)
{
	struct scoutfs_block_ref old = root->ref;

	root->ref = *item_ref(rt->bt, 0);
	root->height--;
	put_held(bc, rt);
	bc->ops->free(bc->arg, &old);
}

enum walk_op {
	WALK_INSERT,
	WALK_INSERT_ASCENDING,	/* an insert of a sorted batch: see split_child() */
	WALK_DELETE,
};

/*
 * Dirty the path from the root to the leaf that holds key, fixing the
 * structure on the way, and return the dirty leaf in *leaf.
 */
static int walk_dirty(struct scoutfs_btree_cow *bc,
		      struct scoutfs_btree_root *root,
		      const struct scoutfs_key *key, enum walk_op op,
		      unsigned int val_len, struct held *leaf,
		      struct scoutfs_key *leaf_last)
{
	struct held par = { NULL, NULL };
	struct held cur = { NULL, NULL };
	struct scoutfs_block_ref ref;
	struct scoutfs_key ones;
	unsigned int pos = 0;
	int level;
	int ret;

	if (root->height > SCOUTFS_BTREE_MAX_HEIGHT)
		return -EIO;

	if (root->height == 0) {
		if (op == WALK_DELETE)
			return -ENOENT;
		ret = bc->ops->alloc(bc->arg, &root->ref, 0, &cur.bt,
				     &cur.handle);
		if (ret)
			return ret;
		root->height = 1;
	} else {
		ret = bc->ops->dirty(bc->arg, &root->ref, root->height - 1,
				     &cur.bt, &cur.handle);
		if (ret)
			return ret;
	}
	level = root->height - 1;

	for (;;) {
		/*
		 * cur is dirty at level, par its dirty parent or none at the
		 * root.  A root parent with a single child isn't left by
		 * this code, but may be by a failed call or another writer.
		 */
		if (!par.bt && op == WALK_DELETE) {
			while (level > 0 && nr_items(cur.bt) == 1) {
				collapse_root(bc, root, &cur);
				level--;
				ret = bc->ops->dirty(bc->arg, &root->ref, level,
						     &cur.bt, &cur.handle);
				if (ret)
					goto out;
			}
		}

		if (op != WALK_DELETE &&
		    le16_to_cpu(cur.bt->total_free_len) < needed_bytes(level, val_len)) {
			if (!par.bt) {
				/* grow: a new root parent over the old root */
				if (root->height >= SCOUTFS_BTREE_MAX_HEIGHT) {
					ret = -ENOSPC;
					goto out;
				}
				ret = bc->ops->alloc(bc->arg, &ref, level + 1,
						     &par.bt, &par.handle);
				if (ret)
					goto out;
				scoutfs_key_set_ones(&ones);
				ret = insert_parent_item(par.bt, &ones,
							 &root->ref, bc->scratch);
				if (ret) {
					/* can't fail in an empty block */
					put_held(bc, &par);
					bc->ops->free(bc->arg, &ref);
					ret = -EIO;
					goto out;
				}
				root->ref = ref;
				root->height++;
				pos = 0;
			}
			ret = split_child(bc, par.bt, &pos, &cur, level, key,
					  op == WALK_INSERT_ASCENDING,
					  needed_bytes(level, val_len));
			if (ret)
				goto out;
		} else if (op == WALK_DELETE && par.bt && nr_items(par.bt) > 1 &&
			   scoutfs_btree_block_used(cur.bt) < SCOUTFS_BTREE_JOIN_LOW) {
			ret = join_child(bc, par.bt, &pos, &cur, level, key);
			if (ret)
				goto out;
			/* a root parent left with one child is replaced by it */
			if (level + 2 == root->height && nr_items(par.bt) == 1)
				collapse_root(bc, root, &par);
		}

		if (level == 0)
			break;

		ret = child_pos(cur.bt, key, &pos);
		if (ret)
			goto out;
		put_held(bc, &par);
		par = cur;
		cur.bt = NULL;
		cur.handle = NULL;
		level--;
		ret = bc->ops->dirty(bc->arg, item_ref(par.bt, pos), level,
				     &cur.bt, &cur.handle);
		if (ret)
			goto out;
	}

	/* the greatest key the leaf may hold: its parent item's */
	if (leaf_last) {
		if (par.bt)
			*leaf_last = par.bt->items[pos].key;
		else
			scoutfs_key_set_ones(leaf_last);
	}
	*leaf = cur;
	cur.bt = NULL;
	cur.handle = NULL;
	ret = 0;
out:
	put_held(bc, &cur);
	put_held(bc, &par);
	return ret;
}

static int check_item_args(const struct scoutfs_key *key, __u8 flags,
			   const void *val, unsigned int val_len)
{
	if (!scoutfs_key_is_valid(key) || (flags & ~SCOUTFS_ITEM_FLAGS_KNOWN) ||
	    val_len > SCOUTFS_BTREE_MAX_VAL_LEN || (val_len != 0 && !val) ||
	    ((flags & SCOUTFS_ITEM_FLAG_DELETION) && val_len != 0))
		return -EINVAL;
	return 0;
}

enum set_mode {
	SET_INSERT,
	SET_UPDATE,
	SET_FORCE,
};

/* replace the item at pos; the walk made room for the whole new value */
static int replace_item(struct scoutfs_btree_block *bt, unsigned int pos,
			__u64 seq, __u8 flags, const void *val,
			unsigned int val_len, void *scratch)
{
	struct scoutfs_btree_item *item = &bt->items[pos];
	unsigned int old_space = scoutfs_btree_val_space(le16_to_cpu(item->val_len));
	unsigned int space = scoutfs_btree_val_space(val_len);
	struct scoutfs_key key;
	char *dst;

	if (old_space == space) {
		if (val_len != 0) {
			dst = (char *)bt + le16_to_cpu(item->val_off);
			memcpy(dst, val, val_len);
			memset(dst + val_len, 0, space - val_len);
		} else {
			item->val_off = 0;
		}
		item->val_len = cpu_to_le16(val_len);
		item->seq = cpu_to_le64(seq);
		item->flags = flags;
		return 0;
	}

	key = item->key;
	remove_items(bt, pos, 1);
	return insert_item_at(bt, pos, &key, seq, flags, val, val_len, scratch);
}

/*
 * Set an item in the dirty leaf that the walk found for it.  A sorted
 * batch passes the position after its last item in the leaf as *hint,
 * and gets the next one back.
 */
static int set_in_leaf(struct scoutfs_btree_cow *bc, struct scoutfs_btree_block *bt,
		       const struct scoutfs_key *key, __u64 seq, __u8 flags,
		       const void *val, unsigned int val_len, enum set_mode mode,
		       unsigned int *hint)
{
	unsigned int pos;
	int ret;

	if ((hint ? scoutfs_btree_block_find_from(bt, key, *hint, &pos) :
		    scoutfs_btree_block_find(bt, key, &pos)) == 0) {
		if (mode == SET_INSERT)
			ret = -EEXIST;
		else
			ret = replace_item(bt, pos, seq, flags, val, val_len, bc->scratch);
	} else {
		if (mode == SET_UPDATE)
			ret = -ENOENT;
		else
			ret = insert_item_at(bt, pos, key, seq, flags, val, val_len, bc->scratch);
	}
	if (hint)
		*hint = pos + 1;
	/* the walk split for the whole item, so there is always room */
	if (ret == -ENOSPC)
		ret = -EIO;
	return ret;
}

static int set_item(struct scoutfs_btree_cow *bc,
		    struct scoutfs_btree_root *root,
		    const struct scoutfs_key *key, __u64 seq, __u8 flags,
		    const void *val, unsigned int val_len, enum set_mode mode)
{
	struct held leaf = { NULL, NULL };
	int ret;

	ret = check_item_args(key, flags, val, val_len);
	if (ret)
		return ret;

	if (mode == SET_UPDATE && root->height == 0)
		return -ENOENT;

	ret = walk_dirty(bc, root, key, WALK_INSERT, val_len, &leaf, NULL);
	if (ret)
		return ret;

	ret = set_in_leaf(bc, leaf.bt, key, seq, flags, val, val_len, mode, NULL);
	put_held(bc, &leaf);
	return ret;
}

int scoutfs_btree_cow_insert(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, __u64 seq,
			     __u8 flags, const void *val,
			     unsigned int val_len)
{
	return set_item(bc, root, key, seq, flags, val, val_len, SET_INSERT);
}

int scoutfs_btree_cow_update(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, __u64 seq,
			     __u8 flags, const void *val,
			     unsigned int val_len)
{
	return set_item(bc, root, key, seq, flags, val, val_len, SET_UPDATE);
}

int scoutfs_btree_cow_force(struct scoutfs_btree_cow *bc,
			    struct scoutfs_btree_root *root,
			    const struct scoutfs_key *key, __u64 seq,
			    __u8 flags, const void *val,
			    unsigned int val_len)
{
	return set_item(bc, root, key, seq, flags, val, val_len, SET_FORCE);
}

int scoutfs_btree_cow_force_sorted(struct scoutfs_btree_cow *bc,
				   struct scoutfs_btree_root *root,
				   int (*next)(void *arg, struct scoutfs_btree_cow_src *src),
				   void *arg)
{
	struct held leaf = { NULL, NULL };
	struct scoutfs_btree_cow_src src;
	struct scoutfs_key leaf_last;
	unsigned int hint = 0;
	int ret;

	while ((ret = next(arg, &src)) == 0) {
		ret = check_item_args(src.key, src.flags, src.val, src.val_len);
		if (ret)
			break;
		/* the held leaf takes it if the walk would end there without a split */
		if (!leaf.bt || scoutfs_key_compare(src.key, &leaf_last) > 0 ||
		    le16_to_cpu(leaf.bt->total_free_len) < needed_bytes(0, src.val_len)) {
			put_held(bc, &leaf);
			ret = walk_dirty(bc, root, src.key, WALK_INSERT_ASCENDING, src.val_len,
					 &leaf, &leaf_last);
			if (ret)
				break;
			hint = 0;
		}
		ret = set_in_leaf(bc, leaf.bt, src.key, src.seq, src.flags, src.val,
				  src.val_len, SET_FORCE, &hint);
		if (ret)
			break;
	}
	put_held(bc, &leaf);
	return ret == -ENOENT ? 0 : ret;
}

int scoutfs_btree_cow_delete(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key)
{
	struct held leaf = { NULL, NULL };
	struct scoutfs_block_ref old;
	unsigned int pos;
	int ret;

	if (!scoutfs_key_is_valid(key))
		return -EINVAL;

	ret = walk_dirty(bc, root, key, WALK_DELETE, 0, &leaf, NULL);
	if (ret)
		return ret;

	ret = scoutfs_btree_block_find(leaf.bt, key, &pos);
	if (ret == 0)
		remove_items(leaf.bt, pos, 1);

	/* an empty root leaf empties the tree */
	if (root->height == 1 && nr_items(leaf.bt) == 0) {
		old = root->ref;
		put_held(bc, &leaf);
		bc->ops->free(bc->arg, &old);
		memset(root, 0, sizeof(*root));
	}

	put_held(bc, &leaf);
	return ret;
}
