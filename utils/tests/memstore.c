/* the in-memory block store of the btree tests: see memstore.h */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/format.h"
#include "format/key.h"
#include "memstore.h"
#include "tap.h"

/* ------------------------------------------------------- block store */

struct store *st;

__u64 idx_blkno(unsigned int idx)
{
	return SCOUTFS_META_FIRST_BLKNO + idx;
}

static struct store_block *ref_block(struct store *s,
				     const struct scoutfs_block_ref *ref,
				     unsigned int *idx_ret)
{
	__u64 blkno = le64_to_cpu(ref->blkno);
	unsigned int idx;

	if (blkno < SCOUTFS_META_FIRST_BLKNO ||
	    blkno - SCOUTFS_META_FIRST_BLKNO >= s->high)
		return NULL;
	idx = blkno - SCOUTFS_META_FIRST_BLKNO;
	if (!s->blocks[idx].data)
		return NULL;
	if (idx_ret)
		*idx_ret = idx;
	return &s->blocks[idx];
}

static int take_block(struct store *s, unsigned int *idx_ret)
{
	unsigned int idx;
	void *p;

	if (s->fail_countdown > 0 && --s->fail_countdown == 0)
		return s->fail_err;

	if (s->nr_reuse)
		idx = s->reuse[--s->nr_reuse];
	else if (s->high < MAX_BLOCKS)
		idx = s->high++;
	else
		return -ENOSPC;

	p = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tap_bail("mmap failed");
	s->blocks[idx].data = p;
	s->blocks[idx].checked = false;
	s->blocks[idx].crc_set = false;
	s->blocks[idx].handles = 0;
	s->allocated++;
	s->allocs++;
	*idx_ret = idx;
	return 0;
}

static void release_block(struct store *s, unsigned int idx)
{
	munmap(s->blocks[idx].data, BLOCK_SIZE);
	s->blocks[idx].data = NULL;
	s->blocks[idx].pending = true;
	s->allocated--;
	s->frees++;
}

static int check_block(struct store *s, struct store_block *b,
		       const struct scoutfs_block_ref *ref, int level)
{
	struct scoutfs_btree_block *bt = b->data;
	int bad;

	if (le32_to_cpu(bt->hdr.magic) != SCOUTFS_BLOCK_MAGIC_BTREE ||
	    le64_to_cpu(bt->hdr.fsid) != FSID ||
	    bt->hdr.blkno != ref->blkno || bt->hdr.seq != ref->seq) {
		s->errors++;
		return -EIO;
	}
	if (b->checked)
		return 0;
	if (scoutfs_btree_block_verify(bt, level, &s->vscratch, &bad) !=
	    SCOUTFS_BTREE_OK) {
		s->errors++;
		return -EIO;
	}
	if (le64_to_cpu(bt->hdr.seq) < s->seq)
		b->checked = true;
	return 0;
}

static int store_read(void *arg, const struct scoutfs_block_ref *ref,
		      int level, struct scoutfs_btree_block **bt, void **handle)
{
	struct store *s = arg;
	struct store_block *b = ref_block(s, ref, NULL);
	int ret;

	if (!b) {
		s->errors++;
		return -EIO;
	}
	ret = check_block(s, b, ref, level);
	if (ret)
		return ret;
	b->handles++;
	s->handles++;
	*bt = b->data;
	*handle = b;
	return 0;
}

static int store_dirty(void *arg, struct scoutfs_block_ref *ref, int level,
		       struct scoutfs_btree_block **bt, void **handle)
{
	struct store *s = arg;
	struct store_block *b;
	struct scoutfs_btree_block *nbt;
	unsigned int old_idx;
	unsigned int idx;
	int ret;

	b = ref_block(s, ref, &old_idx);
	if (!b) {
		s->errors++;
		return -EIO;
	}
	ret = check_block(s, b, ref, level);
	if (ret)
		return ret;

	if (le64_to_cpu(ref->seq) != s->seq) {
		ret = take_block(s, &idx);
		if (ret)
			return ret;
		b = &s->blocks[old_idx];	/* after take_block */
		nbt = s->blocks[idx].data;
		memcpy(nbt, b->data, BLOCK_SIZE);
		nbt->hdr.blkno = cpu_to_le64(idx_blkno(idx));
		nbt->hdr.seq = cpu_to_le64(s->seq);
		nbt->hdr.crc = 0;
		if (b->handles)
			s->errors++;
		release_block(s, old_idx);
		ref->blkno = nbt->hdr.blkno;
		ref->seq = nbt->hdr.seq;
		b = &s->blocks[idx];
		s->cow_copies++;
	}

	b->handles++;
	s->handles++;
	*bt = b->data;
	*handle = b;
	return 0;
}

int store_alloc(void *arg, struct scoutfs_block_ref *ref, int level,
		       struct scoutfs_btree_block **bt, void **handle)
{
	struct store *s = arg;
	unsigned int idx;
	int ret;

	ret = take_block(s, &idx);
	if (ret)
		return ret;
	scoutfs_btree_block_init(s->blocks[idx].data, FSID, idx_blkno(idx),
				 s->seq, level);
	ref->blkno = cpu_to_le64(idx_blkno(idx));
	ref->seq = cpu_to_le64(s->seq);
	s->blocks[idx].handles++;
	s->handles++;
	*bt = s->blocks[idx].data;
	*handle = &s->blocks[idx];
	return 0;
}

static void store_free(void *arg, const struct scoutfs_block_ref *ref)
{
	struct store *s = arg;
	unsigned int idx;
	struct store_block *b = ref_block(s, ref, &idx);

	if (!b || b->handles) {
		s->errors++;
		return;
	}
	release_block(s, idx);
}

void store_put(void *arg, void *handle)
{
	struct store *s = arg;
	struct store_block *b = handle;

	if (b->handles <= 0)
		s->errors++;
	b->handles--;
	s->handles--;
}

const struct scoutfs_btree_cow_ops store_ops = {
	.read = store_read,
	.dirty = store_dirty,
	.alloc = store_alloc,
	.free = store_free,
	.put = store_put,
};

/*
 * Checksum and write protect this transaction's blocks, start the next.
 * The write protection is what catches a block changed after its commit;
 * the crcs are an extra check that can be skipped to save time.
 */
void store_commit(struct store *s)
{
	struct scoutfs_btree_block *bt;
	unsigned int i;

	for (i = 0; i < s->high; i++) {
		if (s->blocks[i].data) {
			bt = s->blocks[i].data;
			if (le64_to_cpu(bt->hdr.seq) == s->seq) {
				if (!s->no_crc) {
					scoutfs_block_set_crc(bt, BLOCK_SIZE);
					s->blocks[i].crc_set = true;
				}
				mprotect(bt, BLOCK_SIZE, PROT_READ);
			}
		} else if (s->blocks[i].pending) {
			s->blocks[i].pending = false;
			s->reuse[s->nr_reuse++] = i;
		}
	}
	s->seq++;
}

void store_init(struct store *s)
{
	memset(s, 0, sizeof(*s));
	s->seq = 1;
	s->fail_err = -ENOSPC;
}

void store_destroy(struct store *s)
{
	unsigned int i;

	for (i = 0; i < s->high; i++) {
		if (s->blocks[i].data)
			munmap(s->blocks[i].data, BLOCK_SIZE);
	}
}

/* ------------------------------------------------------- tree checks */

void walk_problem(struct walk_state *w, const char *what, __u64 blkno)
{
	if (w->problems++ < 10)
		tap_diag("tree walk: block %llu: %s", (unsigned long long)blkno, what);
}

/*
 * Check a subtree: every block verifies, is at its level, is referenced
 * once, is no newer than its parent, and holds keys within (lower,
 * upper]; a parent's last key is its upper bound.
 */
void walk_block(struct store *s, struct walk_state *w,
		       const struct scoutfs_block_ref *ref, int level,
		       const struct scoutfs_key *lower,
		       const struct scoutfs_key *upper)
{
	struct scoutfs_btree_block *bt;
	struct store_block *b;
	unsigned int idx;
	unsigned int nr;
	unsigned int i;
	int bad;
	int ret;

	b = ref_block(s, ref, &idx);
	if (!b) {
		walk_problem(w, "reference to a block that isn't allocated",
			     le64_to_cpu(ref->blkno));
		return;
	}
	if (w->seen[idx]) {
		walk_problem(w, "referenced twice", le64_to_cpu(ref->blkno));
		return;
	}
	w->seen[idx] = 1;
	w->blocks++;
	bt = b->data;

	if (w->check_crc && b->crc_set &&
	    scoutfs_block_verify_ref(bt, SCOUTFS_BLOCK_MAGIC_BTREE, FSID, ref) !=
	    SCOUTFS_BLOCK_OK)
		walk_problem(w, "block header or crc", le64_to_cpu(ref->blkno));
	ret = scoutfs_btree_block_verify(bt, level, &s->vscratch, &bad);
	if (ret != SCOUTFS_BTREE_OK) {
		walk_problem(w, scoutfs_btree_result_str(ret),
			     le64_to_cpu(ref->blkno));
		return;
	}

	nr = le16_to_cpu(bt->nr_items);
	if (nr > 0) {
		if (lower && scoutfs_key_compare(&bt->items[0].key, lower) <= 0)
			walk_problem(w, "first key not above the lower bound",
				     le64_to_cpu(ref->blkno));
		if (scoutfs_key_compare(&bt->items[nr - 1].key, upper) > 0)
			walk_problem(w, "last key above the upper bound",
				     le64_to_cpu(ref->blkno));
	}
	if (level > 0 && scoutfs_key_compare(&bt->items[nr - 1].key, upper) != 0)
		walk_problem(w, "parent's last key isn't its upper bound",
			     le64_to_cpu(ref->blkno));

	if (level == 0) {
		w->items += nr;
		w->leaves++;
		w->leaf_used += scoutfs_btree_block_used(bt);
		return;
	}

	for (i = 0; i < nr; i++) {
		struct scoutfs_block_ref child;

		memcpy(&child, scoutfs_btree_item_val(bt, &bt->items[i]),
		       sizeof(child));
		if (le64_to_cpu(child.seq) > le64_to_cpu(bt->hdr.seq))
			walk_problem(w, "child newer than its parent",
				     le64_to_cpu(ref->blkno));
		walk_block(s, w, &child, level - 1,
			   i ? &bt->items[i - 1].key : lower,
			   &bt->items[i].key);
	}
}

void walk_finish(struct store *s, struct walk_state *w)
{
	unsigned int i;

	for (i = 0; i < s->high; i++) {
		if (s->blocks[i].data && !w->seen[i])
			walk_problem(w, "allocated but not reachable (leak)",
				     idx_blkno(i));
	}
	if (s->handles != 0)
		walk_problem(w, "handles not put", 0);
	if (s->errors != 0)
		walk_problem(w, "the store saw bad calls", 0);
}
