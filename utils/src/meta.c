/*
 * Reading and walking the metadata of a scoutfs filesystem offline.
 *
 * The walkers never trust what they haven't verified: a btree block's
 * items are only looked at after its header verified against the
 * reference and scoutfs_btree_block_verify() accepted them, and a
 * child's expected level comes from its parent, so a walk can't go
 * deeper than SCOUTFS_BTREE_MAX_HEIGHT however the blocks are damaged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/key.h"
#include "meta.h"

/* ----------------------------------------------------------- results */

const char *scoutfs_meta_result_str(int result)
{
	if (result < 0)
		return strerror(-result);
	if (result == SCOUTFS_BLOCK_ERR_SEQ)
		return "stale block: wrong sequence number";
	if (result == SCOUTFS_META_ERR_RANGE)
		return "block number outside the metadata blocks";
	if (result == SCOUTFS_META_ERR_EOF)
		return "past the end of the device";
	return scoutfs_block_result_str(result);
}

bool scoutfs_meta_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	return len == 0;
}

unsigned int scoutfs_meta_blknos_run(const __le64 *blknos, unsigned int nr,
				     __u64 *first)
{
	unsigned int n;

	*first = le64_to_cpu(blknos[0]);
	for (n = 1; n < nr && le64_to_cpu(blknos[n]) == *first + n; n++)
		;
	return n;
}

/* --------------------------------------------------- opening, supers */

static int read_small(const struct scoutfs_dev *dev, __u64 off,
		      union scoutfs_meta_small_block *blk)
{
	memset(blk, 0, sizeof(*blk));
	if (dev->size < off + sizeof(*blk))
		return SCOUTFS_META_ERR_EOF;
	return scoutfs_dev_read(dev, blk, sizeof(*blk), off);
}

static int read_super(const struct scoutfs_dev *dev,
		      union scoutfs_meta_small_block *blk, int *result)
{
	int ret = read_small(dev, SCOUTFS_SUPER_OFFSET, blk);

	if (ret < 0)
		return ret;
	if (ret == 0)
		ret = scoutfs_block_verify(blk, sizeof(*blk), SCOUTFS_BLOCK_MAGIC_SUPER,
					   0, SCOUTFS_SUPER_BLKNO, 0);
	*result = ret;
	return 0;
}

static int open_fail(struct scoutfs_meta *m, int ret, char *err, size_t errlen,
		     const char *path, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s%s", path, what, why);
	scoutfs_meta_close(m);
	return ret;
}

int scoutfs_meta_open(struct scoutfs_meta *m, const char *meta_path,
		      const char *data_path, char *err, size_t errlen)
{
	const char *why;
	int ret;

	memset(m, 0, sizeof(*m));
	m->meta_dev.fd = -1;
	m->data_dev.fd = -1;

	ret = scoutfs_dev_open(&m->meta_dev, meta_path, false, &why);
	if (ret < 0)
		return open_fail(m, ret, err, errlen, meta_path, "", why);
	if (data_path) {
		ret = scoutfs_dev_open(&m->data_dev, data_path, false, &why);
		if (ret < 0)
			return open_fail(m, ret, err, errlen, data_path, "", why);
	}

	ret = read_super(&m->meta_dev, &m->super, &m->super_result);
	if (ret < 0)
		return open_fail(m, ret, err, errlen, meta_path,
				 "reading the superblock: ", strerror(-ret));
	if (data_path) {
		ret = read_super(&m->data_dev, &m->dsuper, &m->dsuper_result);
		if (ret < 0)
			return open_fail(m, ret, err, errlen, data_path,
					 "reading the superblock: ", strerror(-ret));
	}

	/*
	 * Taken from the superblock even when it didn't verify, so that
	 * print can still show what it can; check stops first.
	 */
	m->fsid = le64_to_cpu(m->super.super.hdr.fsid);
	m->total_meta_blocks = le64_to_cpu(m->super.super.total_meta_blocks);
	m->meta_dev_blocks = m->meta_dev.size >> SCOUTFS_META_BLOCK_SHIFT;
	return 0;
}

void scoutfs_meta_close(struct scoutfs_meta *m)
{
	scoutfs_dev_close(&m->meta_dev);
	scoutfs_dev_close(&m->data_dev);
}

int scoutfs_meta_check_pair(const struct scoutfs_meta *m)
{
	const struct scoutfs_super_block *ms = &m->super.super;
	const struct scoutfs_super_block *ds = &m->dsuper.super;
	__u64 mflags = le64_to_cpu(ms->flags);
	__u64 dflags = le64_to_cpu(ds->flags);

	if (mflags == SCOUTFS_SUPER_FLAG_DATA_DEV &&
	    dflags == SCOUTFS_SUPER_FLAG_META_DEV)
		return SCOUTFS_META_PAIR_SWAPPED;
	if (ms->hdr.fsid != ds->hdr.fsid)
		return SCOUTFS_META_PAIR_FSID;
	if (memcmp(ms->uuid, ds->uuid, sizeof(ms->uuid)) != 0)
		return SCOUTFS_META_PAIR_UUID;
	if (mflags != SCOUTFS_SUPER_FLAG_META_DEV)
		return SCOUTFS_META_PAIR_NOT_META;
	if (dflags != SCOUTFS_SUPER_FLAG_DATA_DEV)
		return SCOUTFS_META_PAIR_NOT_DATA;
	return SCOUTFS_META_PAIR_OK;
}

const char *scoutfs_meta_pair_str(int pair)
{
	switch (pair) {
	case SCOUTFS_META_PAIR_OK:
		return "the devices belong together";
	case SCOUTFS_META_PAIR_SWAPPED:
		return "the devices are swapped: the metadata device holds the data device superblock and the data device the metadata one";
	case SCOUTFS_META_PAIR_FSID:
		return "the devices belong to different filesystems: their fsids differ";
	case SCOUTFS_META_PAIR_UUID:
		return "the devices belong to different filesystems: their uuids differ";
	case SCOUTFS_META_PAIR_NOT_META:
		return "the metadata device superblock is not flagged as a metadata device";
	case SCOUTFS_META_PAIR_NOT_DATA:
		return "the data device superblock is not flagged as a data device";
	}
	return "unknown device pairing";
}

int scoutfs_meta_read_quorum(struct scoutfs_meta *m, unsigned int slot,
			     union scoutfs_meta_small_block *blk, int *result)
{
	int ret;

	ret = read_small(&m->meta_dev, SCOUTFS_QUORUM_OFFSET +
			 (__u64)slot * SCOUTFS_SMALL_BLOCK_SIZE, blk);
	if (ret < 0)
		return ret;
	if (ret == 0 && scoutfs_meta_is_zero(blk, sizeof(*blk)))
		ret = SCOUTFS_META_QUORUM_NEVER_WRITTEN;
	else if (ret == 0)
		ret = scoutfs_block_verify(blk, sizeof(*blk), SCOUTFS_BLOCK_MAGIC_QUORUM,
					   m->fsid, SCOUTFS_QUORUM_SLOT_BLKNO(slot), 0);
	*result = ret;
	return 0;
}

int scoutfs_meta_read_block(struct scoutfs_meta *m,
			    const struct scoutfs_block_ref *ref, __u32 magic,
			    void *buf)
{
	__u64 blkno = le64_to_cpu(ref->blkno);
	int ret;

	if (blkno < SCOUTFS_META_FIRST_BLKNO || blkno >= m->total_meta_blocks)
		return SCOUTFS_META_ERR_RANGE;
	if (blkno >= m->meta_dev_blocks)
		return SCOUTFS_META_ERR_EOF;

	ret = scoutfs_dev_read(&m->meta_dev, buf, SCOUTFS_META_BLOCK_SIZE,
			       blkno << SCOUTFS_META_BLOCK_SHIFT);
	if (ret < 0)
		return ret;
	return scoutfs_block_verify_ref(buf, magic, m->fsid, ref);
}

/* ---------------------------------------------------------- problems */

static void read_problem_str(char *buf, size_t len,
			     const struct scoutfs_meta_problem *p)
{
	const char *what = scoutfs_meta_result_str(p->result);
	unsigned long long blk = p->blkno;
	unsigned long long exp = p->expected;
	unsigned long long fnd = p->found;

	switch (p->result) {
	case SCOUTFS_BLOCK_ERR_MAGIC:
		snprintf(buf, len, "block %llu: %s, expected 0x%08llx, found 0x%08llx",
			 blk, what, exp, fnd);
		break;
	case SCOUTFS_BLOCK_ERR_FSID:
		snprintf(buf, len, "block %llu: %s (a block of another filesystem), expected %016llx, found %016llx",
			 blk, what, exp, fnd);
		break;
	case SCOUTFS_BLOCK_ERR_BLKNO:
		snprintf(buf, len, "block %llu: %s (a misdirected write), expected %llu, found %llu",
			 blk, what, exp, fnd);
		break;
	case SCOUTFS_BLOCK_ERR_SEQ:
		snprintf(buf, len, "block %llu: %s, expected %llu, found %llu",
			 blk, what, exp, fnd);
		break;
	case SCOUTFS_META_ERR_RANGE:
		snprintf(buf, len, "block %llu: %s, expected %llu to %llu",
			 blk, what, (unsigned long long)SCOUTFS_META_FIRST_BLKNO,
			 exp ? exp - 1 : 0);
		break;
	default:
		if (p->result < 0)
			snprintf(buf, len, "block %llu: read error: %s", blk, what);
		else
			snprintf(buf, len, "block %llu: %s", blk, what);
		break;
	}
}

void scoutfs_meta_problem_str(char *buf, size_t len,
			      const struct scoutfs_meta_problem *p)
{
	char key[SCOUTFS_KEY_FORMAT_LEN];
	char lo[SCOUTFS_KEY_FORMAT_LEN];
	char hi[SCOUTFS_KEY_FORMAT_LEN];
	unsigned long long blk = p->blkno;
	unsigned long long exp = p->expected;
	unsigned long long fnd = p->found;

	key[0] = '\0';
	if (p->item >= 0)
		scoutfs_key_format(key, sizeof(key), &p->key);

	switch (p->type) {
	case SCOUTFS_META_PROB_READ:
		read_problem_str(buf, len, p);
		break;
	case SCOUTFS_META_PROB_BTREE:
		if (p->result == SCOUTFS_BTREE_ERR_LEVEL)
			snprintf(buf, len, "block %llu: %s, expected level %llu, found %llu",
				 blk, scoutfs_btree_result_str(p->result), exp, fnd);
		else if (p->item >= 0)
			snprintf(buf, len, "block %llu item %d (%s): %s", blk, p->item,
				 key, scoutfs_btree_result_str(p->result));
		else
			snprintf(buf, len, "block %llu: %s", blk,
				 scoutfs_btree_result_str(p->result));
		break;
	case SCOUTFS_META_PROB_HEIGHT:
		if (p->result == 0)
			snprintf(buf, len, "root: height too large, expected at most %llu, found %llu",
				 exp, fnd);
		else if (p->result == 1)
			snprintf(buf, len, "root: height 0 but it references block %llu", blk);
		else
			snprintf(buf, len, "root: height %llu but it references no block", fnd);
		break;
	case SCOUTFS_META_PROB_KEY_RANGE:
		scoutfs_key_format(hi, sizeof(hi), &p->hi);
		if (p->has_lo) {
			scoutfs_key_format(lo, sizeof(lo), &p->lo);
			snprintf(buf, len, "block %llu item %d: key outside the range its parent gives the block, expected above %s and at most %s, found %s",
				 blk, p->item, lo, hi, key);
		} else {
			snprintf(buf, len, "block %llu item %d: key outside the range its parent gives the block, expected at most %s, found %s",
				 blk, p->item, hi, key);
		}
		break;
	case SCOUTFS_META_PROB_RIGHT_EDGE:
		snprintf(buf, len, "block %llu item %d: the last key of a right-most parent is not the greatest key, found %s",
			 blk, p->item, key);
		break;
	case SCOUTFS_META_PROB_SEQ:
		snprintf(buf, len, "block %llu: seq newer than its parent's, expected at most %llu, found %llu",
			 blk, exp, fnd);
		break;
	case SCOUTFS_META_PROB_LIST_NR:
		snprintf(buf, len, "list block %llu: start + nr past the end of the block, expected at most %llu, found %llu",
			 blk, exp, fnd);
		break;
	case SCOUTFS_META_PROB_LIST_FIRST_NR:
		snprintf(buf, len, "head first_nr does not match the first list block, expected %llu, found %llu",
			 exp, fnd);
		break;
	case SCOUTFS_META_PROB_LIST_TOTAL_NR:
		snprintf(buf, len, "head total_nr does not match the chain, expected %llu, found %llu",
			 exp, fnd);
		break;
	case SCOUTFS_META_PROB_LIST_FLAGS:
		snprintf(buf, len, "head flags, expected 0, found 0x%llx", fnd);
		break;
	case SCOUTFS_META_PROB_LIST_LOOP:
		snprintf(buf, len, "list block %llu: the chain is longer than the device has blocks (a loop), expected at most %llu blocks",
			 blk, exp);
		break;
	case SCOUTFS_META_PROB_ROOT_PAD:
		snprintf(buf, len, "root: padding not zero");
		break;
	default:
		snprintf(buf, len, "block %llu: unknown problem %d", blk, p->type);
		break;
	}
}

/* ---------------------------------------------------------- walking */

struct walk;
typedef int (*item_hook_t)(struct walk *w, const struct scoutfs_meta_btree_item *item);

struct walk {
	struct scoutfs_meta *m;
	const struct scoutfs_meta_struct *st;
	const struct scoutfs_meta_walk_ops *ops;
	item_hook_t item_hook;		/* walk_all's: into LOG_TREES items */
	void *bufs[SCOUTFS_BTREE_MAX_HEIGHT];
	struct scoutfs_btree_verify_scratch scratch;
	struct scoutfs_key ones;
};

static void report(struct walk *w, struct scoutfs_meta_problem *p)
{
	p->st = w->st;
	if (w->ops->problem)
		w->ops->problem(w->ops->arg, p);
}

static void init_problem(struct scoutfs_meta_problem *p, int type, __u64 blkno)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->blkno = blkno;
	p->item = -1;
}

/* a failed read, with what the header said where it was intact */
static void report_read(struct walk *w, const struct scoutfs_block_ref *ref,
			__u32 magic, int result, const void *buf)
{
	const struct scoutfs_block_header *hdr = buf;
	struct scoutfs_meta_problem p;

	init_problem(&p, SCOUTFS_META_PROB_READ, le64_to_cpu(ref->blkno));
	p.result = result;
	switch (result) {
	case SCOUTFS_BLOCK_ERR_MAGIC:
		p.expected = magic;
		p.found = le32_to_cpu(hdr->magic);
		break;
	case SCOUTFS_BLOCK_ERR_FSID:
		p.expected = w->m->fsid;
		p.found = le64_to_cpu(hdr->fsid);
		break;
	case SCOUTFS_BLOCK_ERR_BLKNO:
		p.expected = le64_to_cpu(ref->blkno);
		p.found = le64_to_cpu(hdr->blkno);
		break;
	case SCOUTFS_BLOCK_ERR_SEQ:
		p.expected = le64_to_cpu(ref->seq);
		p.found = le64_to_cpu(hdr->seq);
		break;
	case SCOUTFS_META_ERR_RANGE:
		p.expected = w->m->total_meta_blocks;
		break;
	}
	report(w, &p);
}

static void *walk_buf(struct walk *w, int depth)
{
	if (!w->bufs[depth])
		w->bufs[depth] = aligned_alloc(SCOUTFS_BTREE_VAL_ALIGN,
					       SCOUTFS_META_BLOCK_SIZE);
	return w->bufs[depth];
}

static void walk_free(struct walk *w)
{
	int i;

	for (i = 0; i < SCOUTFS_BTREE_MAX_HEIGHT; i++)
		free(w->bufs[i]);
}

static int begin(struct walk *w)
{
	return w->ops->begin ? w->ops->begin(w->ops->arg, w->st) : 0;
}

static int end(struct walk *w)
{
	return w->ops->end ? w->ops->end(w->ops->arg, w->st) : 0;
}

/* the block read and verified, with the problems found reported */
static void read_btree_block(struct walk *w, const struct scoutfs_block_ref *ref,
			     struct scoutfs_meta_btree_block *blk, void *buf,
			     __u64 parent_seq, int *nr_good)
{
	struct scoutfs_meta_problem p;
	const struct scoutfs_btree_block *bt = buf;
	int bad;

	*nr_good = 0;
	blk->result = scoutfs_meta_read_block(w->m, ref, SCOUTFS_BLOCK_MAGIC_BTREE, buf);
	if (blk->result != SCOUTFS_BLOCK_OK) {
		report_read(w, ref, SCOUTFS_BLOCK_MAGIC_BTREE, blk->result, buf);
		return;
	}
	blk->bt = bt;

	if (parent_seq && blk->seq > parent_seq) {
		init_problem(&p, SCOUTFS_META_PROB_SEQ, blk->blkno);
		p.expected = parent_seq;
		p.found = blk->seq;
		report(w, &p);
	}

	blk->btree_result = scoutfs_btree_block_verify(bt, blk->level, &w->scratch, &bad);
	if (blk->btree_result == SCOUTFS_BTREE_OK) {
		*nr_good = le16_to_cpu(bt->nr_items);
		return;
	}

	init_problem(&p, SCOUTFS_META_PROB_BTREE, blk->blkno);
	p.result = blk->btree_result;
	p.expected = (__u64)blk->level;
	p.found = bt->level;
	if (bad >= 0) {
		p.item = bad;
		p.key = bt->items[bad].key;
	}
	report(w, &p);

	/* the items before the first bad one each verified, in order */
	if (bad > 0)
		*nr_good = bad;
}

static int walk_btree_block(struct walk *w, const struct scoutfs_block_ref *ref,
			    int depth, int level, const struct scoutfs_key *lo,
			    const struct scoutfs_key *hi, bool right_most,
			    __u64 parent_seq)
{
	struct scoutfs_meta_btree_block blk = {
		.st = w->st,
		.blkno = le64_to_cpu(ref->blkno),
		.seq = le64_to_cpu(ref->seq),
		.depth = depth,
		.level = level,
		.lo = lo,
		.hi = hi,
		.right_most = right_most,
	};
	struct scoutfs_meta_btree_item it;
	struct scoutfs_meta_problem p;
	const struct scoutfs_btree_block *bt;
	const struct scoutfs_btree_item *item;
	unsigned int nr;
	void *buf;
	int nr_good;
	int ret;
	int i;

	buf = walk_buf(w, depth);
	if (!buf)
		return -ENOMEM;

	read_btree_block(w, ref, &blk, buf, parent_seq, &nr_good);
	ret = w->ops->btree_block ? w->ops->btree_block(w->ops->arg, &blk) : 0;
	if (ret < 0 || ret == SCOUTFS_META_WALK_SKIP || !blk.bt)
		return ret < 0 ? ret : 0;

	bt = blk.bt;
	nr = le16_to_cpu(bt->nr_items);
	for (i = 0; i < nr_good; i++) {
		item = &bt->items[i];

		if ((lo && scoutfs_key_compare(&item->key, lo) <= 0) ||
		    scoutfs_key_compare(&item->key, hi) > 0) {
			init_problem(&p, SCOUTFS_META_PROB_KEY_RANGE, blk.blkno);
			p.item = i;
			p.key = item->key;
			p.has_lo = lo != NULL;
			if (lo)
				p.lo = *lo;
			p.hi = *hi;
			report(w, &p);
		}

		it = (struct scoutfs_meta_btree_item) {
			.blk = &blk,
			.index = i,
			.key = &item->key,
			.seq = le64_to_cpu(item->seq),
			.flags = item->flags,
			.val = scoutfs_btree_item_val(bt, item),
			.val_len = le16_to_cpu(item->val_len),
		};
		ret = w->ops->btree_item ? w->ops->btree_item(w->ops->arg, &it) : 0;
		if (ret == 0 && w->item_hook && level == 0)
			ret = w->item_hook(w, &it);
		if (ret < 0)
			return ret;

		if (level > 0) {
			ret = walk_btree_block(w, it.val, depth + 1, level - 1,
					       i > 0 ? &bt->items[i - 1].key : lo,
					       &item->key,
					       right_most && (unsigned int)i == nr - 1,
					       le64_to_cpu(bt->hdr.seq));
			if (ret < 0)
				return ret;
		}
	}

	/* every key must have a path: the right edge ends in the greatest key */
	if (level > 0 && right_most && (unsigned int)nr_good == nr &&
	    scoutfs_key_compare(&bt->items[nr - 1].key, &w->ones) != 0) {
		init_problem(&p, SCOUTFS_META_PROB_RIGHT_EDGE, blk.blkno);
		p.item = nr - 1;
		p.key = bt->items[nr - 1].key;
		report(w, &p);
	}

	return 0;
}

static const struct scoutfs_btree_root *struct_root(const struct scoutfs_meta_struct *st)
{
	return st->alloc ? &st->alloc->root : st->root;
}

static int walk_btree(struct walk *w)
{
	const struct scoutfs_btree_root *root = struct_root(w->st);
	struct scoutfs_meta_problem p;
	int ret;

	scoutfs_key_set_ones(&w->ones);

	ret = begin(w);
	if (ret != 0)
		return ret < 0 ? ret : 0;

	if (!scoutfs_meta_is_zero(root->__pad, sizeof(root->__pad))) {
		init_problem(&p, SCOUTFS_META_PROB_ROOT_PAD, 0);
		report(w, &p);
	}

	init_problem(&p, SCOUTFS_META_PROB_HEIGHT, le64_to_cpu(root->ref.blkno));
	p.found = root->height;
	p.expected = SCOUTFS_BTREE_MAX_HEIGHT;
	if (root->height > SCOUTFS_BTREE_MAX_HEIGHT) {
		p.result = 0;
		report(w, &p);
	} else if (root->height == 0 && (root->ref.blkno || root->ref.seq)) {
		p.result = 1;
		report(w, &p);
	} else if (root->height > 0 && root->ref.blkno == 0) {
		p.result = 2;
		report(w, &p);
	} else if (root->height > 0) {
		ret = walk_btree_block(w, &root->ref, 0, root->height - 1, NULL,
				       &w->ones, true, 0);
		if (ret < 0)
			return ret;
	}

	return end(w);
}

static void report_list(struct walk *w, int type, __u64 blkno, __u64 expected,
			__u64 found)
{
	struct scoutfs_meta_problem p;

	init_problem(&p, type, blkno);
	p.expected = expected;
	p.found = found;
	report(w, &p);
}

/*
 * The counts in the head can only be compared with a chain that was
 * read completely.  A chain can't be longer than the device has blocks,
 * which bounds a walk of a chain that loops.
 */
static int walk_list(struct walk *w, void *buf)
{
	const struct scoutfs_alloc_list_head *head = w->st->list;
	const __u64 max_nr = SCOUTFS_ALLOC_LIST_MAX_BLKNOS;
	struct scoutfs_meta_list_block info;
	struct scoutfs_block_ref ref = head->ref;
	const struct scoutfs_alloc_list_block *lb;
	__u64 total = 0;
	bool complete = true;
	unsigned int index;
	int ret;

	if (head->flags)
		report_list(w, SCOUTFS_META_PROB_LIST_FLAGS, 0, 0,
			    le32_to_cpu(head->flags));
	if (ref.blkno == 0 && head->first_nr)
		report_list(w, SCOUTFS_META_PROB_LIST_FIRST_NR, 0, 0,
			    le32_to_cpu(head->first_nr));

	for (index = 0; ref.blkno != 0; index++) {
		if (index > w->m->meta_dev_blocks) {
			report_list(w, SCOUTFS_META_PROB_LIST_LOOP,
				    le64_to_cpu(ref.blkno), w->m->meta_dev_blocks, index);
			complete = false;
			break;
		}

		memset(&info, 0, sizeof(info));
		info.st = w->st;
		info.blkno = le64_to_cpu(ref.blkno);
		info.seq = le64_to_cpu(ref.seq);
		info.index = index;
		info.result = scoutfs_meta_read_block(w->m, &ref,
						      SCOUTFS_BLOCK_MAGIC_ALLOC_LIST, buf);
		lb = buf;
		if (info.result != SCOUTFS_BLOCK_OK) {
			report_read(w, &ref, SCOUTFS_BLOCK_MAGIC_ALLOC_LIST, info.result, buf);
			complete = false;
		} else {
			info.lb = lb;
			info.start = le32_to_cpu(lb->start);
			info.nr = le32_to_cpu(lb->nr);
			if ((__u64)info.start + info.nr > max_nr) {
				report_list(w, SCOUTFS_META_PROB_LIST_NR, info.blkno, max_nr,
					    (__u64)info.start + info.nr);
				info.start = 0;
				info.nr = 0;
				complete = false;
			}
			if (index == 0 && le32_to_cpu(head->first_nr) != le32_to_cpu(lb->nr))
				report_list(w, SCOUTFS_META_PROB_LIST_FIRST_NR, info.blkno,
					    le32_to_cpu(lb->nr), le32_to_cpu(head->first_nr));
			if (lb->next.blkno && le64_to_cpu(lb->next.seq) > info.seq)
				report_list(w, SCOUTFS_META_PROB_SEQ,
					    le64_to_cpu(lb->next.blkno), info.seq,
					    le64_to_cpu(lb->next.seq));
			total += info.nr;
		}

		ret = w->ops->list_block ? w->ops->list_block(w->ops->arg, &info) : 0;
		if (ret < 0)
			return ret;
		if (ret == SCOUTFS_META_WALK_SKIP || !info.lb) {
			complete = false;
			break;
		}
		ref = lb->next;
	}

	if (complete && total != le64_to_cpu(head->total_nr))
		report_list(w, SCOUTFS_META_PROB_LIST_TOTAL_NR, 0, total,
			    le64_to_cpu(head->total_nr));
	return 0;
}

int scoutfs_meta_walk_list(struct scoutfs_meta *m,
			   const struct scoutfs_meta_struct *st,
			   const struct scoutfs_meta_walk_ops *ops)
{
	struct walk w = { .m = m, .st = st, .ops = ops };
	void *buf;
	int ret;

	ret = begin(&w);
	if (ret != 0)
		return ret < 0 ? ret : 0;

	buf = aligned_alloc(SCOUTFS_BTREE_VAL_ALIGN, SCOUTFS_META_BLOCK_SIZE);
	if (!buf)
		return -ENOMEM;
	ret = walk_list(&w, buf);
	free(buf);
	if (ret < 0)
		return ret;
	return end(&w);
}

/* -------------------------------------------------------- walk_all */

static void set_struct(struct scoutfs_meta_struct *st, enum scoutfs_meta_kind kind,
		       const struct scoutfs_log_trees *lt, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_struct(struct scoutfs_meta_struct *st, enum scoutfs_meta_kind kind,
		       const struct scoutfs_log_trees *lt, const char *fmt, ...)
{
	va_list ap;

	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->log_trees = lt;
	va_start(ap, fmt);
	vsnprintf(st->name, sizeof(st->name), fmt, ap);
	va_end(ap);
}

static int walk_tree(struct scoutfs_meta *m, const struct scoutfs_meta_struct *st,
		     const struct scoutfs_meta_walk_ops *ops, item_hook_t hook)
{
	struct walk *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->m = m;
	w->st = st;
	w->ops = ops;
	w->item_hook = hook;
	ret = walk_btree(w);
	walk_free(w);
	free(w);
	return ret;
}

int scoutfs_meta_walk_btree(struct scoutfs_meta *m,
			    const struct scoutfs_meta_struct *st,
			    const struct scoutfs_meta_walk_ops *ops)
{
	return walk_tree(m, st, ops, NULL);
}

/* after each LOG_TREES item, the structures that it references */
static int log_trees_hook(struct walk *w, const struct scoutfs_meta_btree_item *item)
{
	struct scoutfs_meta_struct st;
	struct scoutfs_log_trees lt;
	char name[48];
	int ret;

	if (item->key->sk_zone != SCOUTFS_LOG_TREES_ZONE ||
	    item->key->sk_type != SCOUTFS_LOG_TREES_TYPE ||
	    item->val_len != sizeof(lt))
		return 0;

	/* a copy: the walks below use their own buffers, but be plain about it */
	memcpy(&lt, item->val, sizeof(lt));
	snprintf(name, sizeof(name), "log tree %016llx.%llu",
		 (unsigned long long)le64_to_cpu(item->key->sk_first),
		 (unsigned long long)le64_to_cpu(item->key->sk_second));

	set_struct(&st, SCOUTFS_META_LOG_ITEM_TREE, &lt, "%s item_root", name);
	st.root = &lt.item_root;
	ret = walk_tree(w->m, &st, w->ops, NULL);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_ALLOC_LIST, &lt, "%s meta_avail", name);
	st.list = &lt.meta_avail;
	ret = scoutfs_meta_walk_list(w->m, &st, w->ops);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_ALLOC_LIST, &lt, "%s meta_freed", name);
	st.list = &lt.meta_freed;
	ret = scoutfs_meta_walk_list(w->m, &st, w->ops);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_ALLOC_TREE, &lt, "%s data_avail", name);
	st.alloc = &lt.data_avail;
	ret = walk_tree(w->m, &st, w->ops, NULL);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_ALLOC_TREE, &lt, "%s data_freed", name);
	st.alloc = &lt.data_freed;
	return walk_tree(w->m, &st, w->ops, NULL);
}

int scoutfs_meta_walk_all(struct scoutfs_meta *m,
			  const struct scoutfs_meta_walk_ops *ops)
{
	const struct scoutfs_super_block *super = &m->super.super;
	struct scoutfs_meta_struct st;
	int ret;
	int i;

	set_struct(&st, SCOUTFS_META_FS_TREE, NULL, "fs tree");
	st.root = &super->fs_root;
	ret = walk_tree(m, &st, ops, NULL);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_LOGS_TREE, NULL, "logs tree");
	st.root = &super->logs_root;
	ret = walk_tree(m, &st, ops, log_trees_hook);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_MOUNTED_TREE, NULL, "mounted clients tree");
	st.root = &super->mounted_clients_root;
	ret = walk_tree(m, &st, ops, NULL);
	if (ret < 0)
		return ret;

	set_struct(&st, SCOUTFS_META_SRCH_TREE, NULL, "srch tree");
	st.root = &super->srch_root;
	ret = walk_tree(m, &st, ops, NULL);
	if (ret < 0)
		return ret;

	for (i = 0; i < 2; i++) {
		set_struct(&st, SCOUTFS_META_ALLOC_TREE, NULL, "meta_alloc[%d]", i);
		st.alloc = &super->meta_alloc[i];
		ret = walk_tree(m, &st, ops, NULL);
		if (ret < 0)
			return ret;
	}

	set_struct(&st, SCOUTFS_META_ALLOC_TREE, NULL, "data_alloc");
	st.alloc = &super->data_alloc;
	ret = walk_tree(m, &st, ops, NULL);
	if (ret < 0)
		return ret;

	for (i = 0; i < 4; i++) {
		set_struct(&st, SCOUTFS_META_ALLOC_LIST, NULL, "server_meta_%s[%d]",
			   i < 2 ? "avail" : "freed", i % 2);
		st.list = i < 2 ? &super->server_meta_avail[i] :
				  &super->server_meta_freed[i - 2];
		ret = scoutfs_meta_walk_list(m, &st, ops);
		if (ret < 0)
			return ret;
	}

	return 0;
}

/* ------------------------------------------------------------ bitmap */

int scoutfs_meta_bitmap_init(struct scoutfs_meta_bitmap *bm, __u64 nbits)
{
	bm->nbits = nbits;
	bm->words = calloc(nbits / 64 + 1, sizeof(__u64));
	return bm->words ? 0 : -ENOMEM;
}

void scoutfs_meta_bitmap_free(struct scoutfs_meta_bitmap *bm)
{
	free(bm->words);
	bm->words = NULL;
	bm->nbits = 0;
}

bool scoutfs_meta_bitmap_test_set(struct scoutfs_meta_bitmap *bm, __u64 bit)
{
	__u64 mask = 1ULL << (bit % 64);
	bool was;

	if (bit >= bm->nbits)
		return false;
	was = (bm->words[bit / 64] & mask) != 0;
	bm->words[bit / 64] |= mask;
	return was;
}

void scoutfs_meta_bitmap_set_range(struct scoutfs_meta_bitmap *bm, __u64 start,
				   __u64 len)
{
	__u64 end = start + len;
	__u64 bit;
	__u64 n;

	while (start < end) {
		bit = start % 64;
		n = 64 - bit < end - start ? 64 - bit : end - start;
		bm->words[start / 64] |= n == 64 ? ~0ULL : ((1ULL << n) - 1) << bit;
		start += n;
	}
}

__u64 scoutfs_meta_bitmap_next(const struct scoutfs_meta_bitmap *bm, __u64 start,
			       bool set)
{
	__u64 i;
	__u64 w;

	if (start >= bm->nbits)
		return bm->nbits;

	i = start / 64;
	w = (set ? bm->words[i] : ~bm->words[i]) & (~0ULL << (start % 64));
	while (w == 0) {
		if (++i > (bm->nbits - 1) / 64)
			return bm->nbits;
		w = set ? bm->words[i] : ~bm->words[i];
	}
	start = i * 64 + (__u64)__builtin_ctzll(w);
	return start < bm->nbits ? start : bm->nbits;
}
