/*
 * Tests of the free extent allocator operations shared with the kernel
 * (kmod/src/format/alloc_extent.c), over the copy-on-write btree and
 * the in-memory block store of test_btree_cow.c: the calls' results and
 * errors on small allocators, then a seeded random test of
 * allocations, frees, exact removals and moves between two allocators
 * over 2^20 blocks, compared with a sorted interval list.  After each
 * batch both indexes of both allocators are read back: FREE_BLKNO and
 * FREE_LEN must describe the same extents, which neither overlap nor
 * touch and add up to total_len, and the trees' blocks are walked.  The
 * same random test then runs with block allocations failing part way
 * through, where a failed call must leave the allocators unchanged,
 * and sweeps fail each block allocation of one call in turn on trees of
 * several leaves, so that failures land between the item changes of
 * different extents.  Items that disagree must give -EIO.
 *
 * ALLOC_EXTENT_SEED=n in the environment picks another random seed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "format/alloc_extent.h"
#include "format/block.h"
#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/format.h"
#include "format/key.h"
#include "tap.h"
#include "testutil.h"

#include "memstore.h"

#define INJECTED_ERR	(-ENOMEM)	/* not an error the allocator returns itself */

/* returns the number of problems; every allocated block must be reachable */

/* walk the trees of allocators; every allocated block must be reachable */
static long walk_trees(struct store *s, struct scoutfs_alloc_root **ars,
		       int nr, bool check_crc)
{
	struct walk_state w;
	struct scoutfs_key ones;
	const struct scoutfs_btree_root *root;
	int r;

	memset(&w, 0, sizeof(w));
	w.seen = calloc(MAX_BLOCKS, 1);
	if (!w.seen)
		tap_bail("out of memory");
	w.check_crc = check_crc;
	scoutfs_key_set_ones(&ones);

	for (r = 0; r < nr; r++) {
		root = &ars[r]->root;
		if (root->height > 0)
			walk_block(s, &w, &root->ref, root->height - 1, NULL, &ones);
		else if (root->ref.blkno != 0)
			walk_problem(&w, "empty root with a ref",
				     le64_to_cpu(root->ref.blkno));
	}
	walk_finish(s, &w);
	free(w.seen);
	return w.problems;
}

/* ------------------------------------------------------------ helpers */

static __u64 rnd(__u64 n)
{
	return n ? test_rng() % n : 0;
}

struct ext {
	__u64 start;
	__u64 len;
};

#define MAX_EXTS	65536

static struct scoutfs_btree_cow bc;
static void *scratch;

static void fresh_store(void)
{
	if (!st) {
		st = malloc(sizeof(*st));
		scratch = aligned_alloc(8, BLOCK_SIZE);
		if (!st || !scratch)
			tap_bail("out of memory");
	} else {
		store_destroy(st);
	}
	store_init(st);
	st->fail_err = INJECTED_ERR;
	st->no_crc = true;
	bc.ops = &store_ops;
	bc.arg = st;
	bc.scratch = scratch;
}

static void init_alloc(struct scoutfs_alloc_root *ar, __u64 flags)
{
	memset(ar, 0, sizeof(*ar));
	ar->flags = cpu_to_le64(flags);
}

/*
 * Read an allocator's extents from one index into exts, sorted by
 * start.  Returns the number of extents or -1 after a diagnostic.
 */
static int read_index(struct scoutfs_alloc_root *ar, __u8 type,
		      struct ext *exts, int max)
{
	struct scoutfs_btree_cow_item it;
	struct scoutfs_key key;
	__u64 a, b, last, len;
	int nr = 0;
	int ret;

	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, type, 0, 0, 0);
	for (;;) {
		ret = scoutfs_btree_cow_next(&bc, &ar->root, &key, NULL, 0, &it);
		if (ret == -ENOENT)
			break;
		if (ret) {
			tap_diag("next returned %d", ret);
			return -1;
		}
		if (it.key.sk_zone != SCOUTFS_FREE_EXTENT_ZONE ||
		    it.key.sk_type < type)  {
			tap_diag("unexpected key type %u", it.key.sk_type);
			return -1;
		}
		if (it.key.sk_type != type)
			break;
		a = le64_to_cpu(it.key.sk_second);
		b = le64_to_cpu(it.key.sk_third);
		last = type == SCOUTFS_FREE_BLKNO_TYPE ? a : b;
		len = type == SCOUTFS_FREE_BLKNO_TYPE ? b : a;
		if (len == 0 || len - 1 > last || it.val_len != 0 ||
		    it.key.sk_first != 0 || it.key.sk_fourth != 0) {
			tap_diag("bad item in type %u: last %llu len %llu", type,
				 (unsigned long long)last, (unsigned long long)len);
			return -1;
		}
		if (nr == max) {
			tap_diag("too many extents");
			return -1;
		}
		exts[nr].start = last - (len - 1);
		exts[nr].len = len;
		nr++;
		key = it.key;
		if (!scoutfs_key_inc(&key))
			break;
	}
	return nr;
}

static int cmp_ext(const void *a, const void *b)
{
	const struct ext *x = a;
	const struct ext *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static struct ext by_blkno[MAX_EXTS];
static struct ext by_len[MAX_EXTS];

/*
 * Check an allocator: both indexes hold the same extents, in order,
 * which don't overlap or touch and add up to total_len, and equal the
 * expected extents (sorted by start) when want is not NULL.  Returns
 * true when all is well, with diagnostics otherwise.
 */
static bool check_alloc(struct scoutfs_alloc_root *ar, const struct ext *want,
			int want_nr, const char *what)
{
	int nb, nl, i;
	__u64 sum = 0;

	nb = read_index(ar, SCOUTFS_FREE_BLKNO_TYPE, by_blkno, MAX_EXTS);
	nl = read_index(ar, SCOUTFS_FREE_LEN_TYPE, by_len, MAX_EXTS);
	if (nb < 0 || nl < 0)
		goto bad;
	for (i = 1; i < nl; i++) {
		if (by_len[i].len < by_len[i - 1].len) {
			tap_diag("FREE_LEN items out of length order");
			goto bad;
		}
	}
	qsort(by_len, nl, sizeof(by_len[0]), cmp_ext);
	if (nb != nl) {
		tap_diag("%d FREE_BLKNO items but %d FREE_LEN items", nb, nl);
		goto bad;
	}
	for (i = 0; i < nb; i++) {
		if (by_blkno[i].start != by_len[i].start ||
		    by_blkno[i].len != by_len[i].len) {
			tap_diag("index mismatch at extent %d", i);
			goto bad;
		}
		if (i > 0 && by_blkno[i].start <=
			     by_blkno[i - 1].start + by_blkno[i - 1].len) {
			tap_diag("extents %llu+%llu and %llu+%llu overlap or touch",
				 (unsigned long long)by_blkno[i - 1].start,
				 (unsigned long long)by_blkno[i - 1].len,
				 (unsigned long long)by_blkno[i].start,
				 (unsigned long long)by_blkno[i].len);
			goto bad;
		}
		sum += by_blkno[i].len;
	}
	if (sum != le64_to_cpu(ar->total_len)) {
		tap_diag("total_len %llu but extents add up to %llu",
			 (unsigned long long)le64_to_cpu(ar->total_len),
			 (unsigned long long)sum);
		goto bad;
	}
	if (want) {
		if (want_nr != nb) {
			tap_diag("%d extents, expected %d", nb, want_nr);
			goto bad;
		}
		for (i = 0; i < nb; i++) {
			if (by_blkno[i].start != want[i].start ||
			    by_blkno[i].len != want[i].len) {
				tap_diag("extent %d is %llu+%llu, expected %llu+%llu",
					 i, (unsigned long long)by_blkno[i].start,
					 (unsigned long long)by_blkno[i].len,
					 (unsigned long long)want[i].start,
					 (unsigned long long)want[i].len);
				goto bad;
			}
		}
	}
	return true;
bad:
	tap_diag("(%s)", what);
	return false;
}

/* check an allocator against a list of start, len pairs */
#define CHECK_EXTS(ar, what, ...) do {					\
	static const struct ext _w[] = { __VA_ARGS__ };			\
	tap_ok(check_alloc(ar, _w, sizeof(_w) / sizeof(_w[0]), what),	\
	       "%s", what);						\
} while (0)

static void check_empty(struct scoutfs_alloc_root *ar, const char *what)
{
	tap_ok(check_alloc(ar, NULL, 0, what) &&
	       le64_to_cpu(ar->total_len) == 0 && ar->root.height == 0,
	       "%s", what);
}

static void ins(struct scoutfs_alloc_root *ar, __u64 blkno, __u64 len)
{
	int ret = scoutfs_alloc_extent_insert(&bc, ar, st->seq, blkno, len);

	if (ret)
		tap_bail("insert %llu+%llu: %d", (unsigned long long)blkno,
			 (unsigned long long)len, ret);
}

static bool tap_rem(struct scoutfs_alloc_root *ar, __u64 want, __u64 min,
		    int want_ret, __u64 want_blkno, __u64 want_len)
{
	__u64 blkno = 0xdead, len = 0xdead;
	int ret = scoutfs_alloc_extent_remove(&bc, ar, st->seq, want, min,
					      &blkno, &len);

	if (want_ret)
		return tap_is_int(ret, want_ret, "remove(%llu, %llu) returns %d",
				  (unsigned long long)want,
				  (unsigned long long)min, want_ret);
	return tap_ok(ret == 0 && blkno == want_blkno && len == want_len,
		      "remove(%llu, %llu) gives %llu+%llu (got %d %llu+%llu)",
		      (unsigned long long)want, (unsigned long long)min,
		      (unsigned long long)want_blkno,
		      (unsigned long long)want_len, ret,
		      (unsigned long long)blkno, (unsigned long long)len);
}

/* ------------------------------------------------------- basic tests */

static void test_args_and_edges(void)
{
	struct scoutfs_alloc_root ar;
	__u64 b, l;
	const __u64 max = ~(__u64)0;

	fresh_store();
	init_alloc(&ar, SCOUTFS_ALLOC_FLAG_DATA);

	tap_rem(&ar, 1, 1, -ENOSPC, 0, 0);
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 10, 1), -ENOENT,
		   "remove_at from an empty allocator");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 10, 0), -EINVAL,
		   "insert of length 0 refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, max, 2), -EINVAL,
		   "insert that wraps refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 2, max), -EINVAL,
		   "insert of a huge length that wraps refused");
	tap_is_int(scoutfs_alloc_extent_remove(&bc, &ar, 1, 0, 0, &b, &l),
		   -EINVAL, "remove of length 0 refused");
	tap_is_int(scoutfs_alloc_extent_remove(&bc, &ar, 1, 4, 5, &b, &l),
		   -EINVAL, "remove with min_len > want_len refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 5, 0), -EINVAL,
		   "remove_at of length 0 refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, max, 2), -EINVAL,
		   "remove_at that wraps refused");
	check_empty(&ar, "argument errors left the allocator empty");

	/* the ends of the block number space */
	ins(&ar, max, 1);
	ins(&ar, 0, 1);
	CHECK_EXTS(&ar, "blocks 0 and max", { 0, 1 }, { max, 1 });
	ins(&ar, max - 9, 9);
	ins(&ar, 1, 4);
	CHECK_EXTS(&ar, "merged at both ends", { 0, 5 }, { max - 9, 10 });
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, max - 3, 1), -EINVAL,
		   "double free at the end refused");
	tap_rem(&ar, 10, 1, 0, max - 9, 10);
	tap_rem(&ar, 10, 1, 0, 0, 5);
	check_empty(&ar, "empty again");
	ins(&ar, 0, max);
	tap_is_int(le64_to_cpu(ar.total_len) == max, 1,
		   "the whole space but one block is one extent");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, max, 1), -EINVAL,
		   "a free making 2^64 blocks (total_len overflow) refused");
	CHECK_EXTS(&ar, "whole space", { 0, max });
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 0, max), 0,
		   "remove_at of the whole space");
	check_empty(&ar, "empty after removing everything");
	tap_ok(walk_trees(st, (struct scoutfs_alloc_root *[]){ &ar }, 1, false) == 0,
	       "tree blocks all accounted for");
}

static void test_merges(void)
{
	struct scoutfs_alloc_root ar;

	fresh_store();
	init_alloc(&ar, SCOUTFS_ALLOC_FLAG_DATA);

	ins(&ar, 100, 10);
	ins(&ar, 120, 10);
	CHECK_EXTS(&ar, "two separate extents", { 100, 10 }, { 120, 10 });
	ins(&ar, 110, 5);
	CHECK_EXTS(&ar, "merged with the left", { 100, 15 }, { 120, 10 });
	ins(&ar, 118, 2);
	CHECK_EXTS(&ar, "merged with the right", { 100, 15 }, { 118, 12 });
	ins(&ar, 115, 3);
	CHECK_EXTS(&ar, "merged with both", { 100, 30 });
	ins(&ar, 131, 1);
	ins(&ar, 98, 1);
	CHECK_EXTS(&ar, "a gap of one keeps them apart",
		   { 98, 1 }, { 100, 30 }, { 131, 1 });
	ins(&ar, 130, 1);
	ins(&ar, 99, 1);
	CHECK_EXTS(&ar, "filled gaps of one", { 98, 34 });

	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 90, 9), -EINVAL,
		   "free overlapping the start refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 131, 5), -EINVAL,
		   "free overlapping the end refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 110, 2), -EINVAL,
		   "free inside free space refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 50, 200), -EINVAL,
		   "free covering free space refused");
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 98, 34), -EINVAL,
		   "freeing the same extent twice refused");
	CHECK_EXTS(&ar, "refused frees changed nothing", { 98, 34 });
	tap_is_int(le64_to_cpu(ar.total_len), 34, "total_len");
}

static void test_fits(void)
{
	struct scoutfs_alloc_root ar;

	fresh_store();
	init_alloc(&ar, SCOUTFS_ALLOC_FLAG_DATA);

	ins(&ar, 5000, 20);
	ins(&ar, 4000, 8);
	ins(&ar, 3000, 3);
	ins(&ar, 2000, 8);
	ins(&ar, 1000, 5);

	tap_rem(&ar, 8, 8, 0, 2000, 8);		/* exact, lowest of two */
	tap_rem(&ar, 8, 1, 0, 4000, 8);		/* exact again */
	tap_rem(&ar, 4, 4, 0, 1000, 4);		/* best fit: 5, from the start */
	CHECK_EXTS(&ar, "the tail of a split extent stays free",
		   { 1004, 1 }, { 3000, 3 }, { 5000, 20 });
	tap_rem(&ar, 2, 2, 0, 3000, 2);		/* 3 fits better than 20 */
	tap_rem(&ar, 6, 6, 0, 5000, 6);
	tap_rem(&ar, 6, 6, 0, 5006, 6);		/* successive allocations ascend */
	CHECK_EXTS(&ar, "after best fits", { 1004, 1 }, { 3002, 1 }, { 5012, 8 });

	tap_rem(&ar, 100, 9, -ENOSPC, 0, 0);	/* largest is 8 */
	CHECK_EXTS(&ar, "ENOSPC changed nothing",
		   { 1004, 1 }, { 3002, 1 }, { 5012, 8 });
	tap_rem(&ar, 100, 8, 0, 5012, 8);	/* largest fallback */
	tap_rem(&ar, 100, 0, 0, 1004, 1);	/* longest ties: the lowest */
	tap_rem(&ar, 100, 0, 0, 3002, 1);
	tap_rem(&ar, 1, 0, -ENOSPC, 0, 0);
	check_empty(&ar, "allocated everything");

	/* longest ties prefer the lowest block */
	ins(&ar, 900, 7);
	ins(&ar, 100, 7);
	ins(&ar, 500, 7);
	tap_rem(&ar, 50, 1, 0, 100, 7);
	tap_rem(&ar, 50, 1, 0, 500, 7);
	tap_rem(&ar, 7, 7, 0, 900, 7);
	check_empty(&ar, "empty");
}

static void test_remove_at(void)
{
	struct scoutfs_alloc_root ar;

	fresh_store();
	init_alloc(&ar, SCOUTFS_ALLOC_FLAG_DATA);
	ins(&ar, 1000, 100);
	ins(&ar, 2000, 10);

	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1050, 10), 0,
		   "remove_at in the middle");
	CHECK_EXTS(&ar, "split in two", { 1000, 50 }, { 1060, 40 }, { 2000, 10 });
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1055, 10), -ENOENT,
		   "remove_at over an allocated start refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1045, 10), -ENOENT,
		   "remove_at over an allocated end refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1040, 30), -ENOENT,
		   "remove_at across two extents refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 500, 1), -ENOENT,
		   "remove_at before all extents refused");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 3000, 1), -ENOENT,
		   "remove_at after all extents refused");
	CHECK_EXTS(&ar, "refused remove_at changed nothing",
		   { 1000, 50 }, { 1060, 40 }, { 2000, 10 });
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1000, 10), 0,
		   "remove_at at the start");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 1090, 10), 0,
		   "remove_at at the end");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 2000, 10), 0,
		   "remove_at of a whole extent");
	CHECK_EXTS(&ar, "after remove_at", { 1010, 40 }, { 1060, 30 });
	tap_is_int(le64_to_cpu(ar.total_len), 70, "total_len");
}

static void test_move(void)
{
	struct scoutfs_alloc_root src, dst, meta;
	__u64 moved = 99;

	fresh_store();
	init_alloc(&src, SCOUTFS_ALLOC_FLAG_DATA);
	init_alloc(&dst, SCOUTFS_ALLOC_FLAG_DATA);
	init_alloc(&meta, SCOUTFS_ALLOC_FLAG_META);

	ins(&src, 100, 10);
	ins(&src, 200, 4);
	ins(&src, 300, 30);
	ins(&src, 400, 2);

	tap_is_int(scoutfs_alloc_extent_move(&bc, &src, &src, 1, 10, 1, &moved),
		   -EINVAL, "move to itself refused");
	tap_is_int(scoutfs_alloc_extent_move(&bc, &meta, &src, 1, 10, 1, &moved),
		   -EINVAL, "move between data and meta refused");
	tap_is_int(moved, 0, "nothing moved");

	/* 12: best fit takes 12 of the 30 */
	tap_is_int(scoutfs_alloc_extent_move(&bc, &dst, &src, 1, 12, 1, &moved),
		   0, "move 12");
	tap_is_int(moved, 12, "moved 12");
	CHECK_EXTS(&dst, "dst after moving 12", { 300, 12 });
	CHECK_EXTS(&src, "src after moving 12",
		   { 100, 10 }, { 200, 4 }, { 312, 18 }, { 400, 2 });

	/* 40: the 18, then the 10, the 4, the 2 (largest each time) */
	tap_is_int(scoutfs_alloc_extent_move(&bc, &dst, &src, 1, 40, 3, &moved),
		   0, "move 40 with min_len 3");
	tap_is_int(moved, 32, "moved 32: the extent of 2 is below min_len");
	CHECK_EXTS(&dst, "dst merged", { 100, 10 }, { 200, 4 }, { 300, 30 });
	CHECK_EXTS(&src, "src keeps the short extent", { 400, 2 });

	/* a remaining count below min_len still moves an extent that fits */
	ins(&src, 500, 20);
	tap_is_int(scoutfs_alloc_extent_move(&bc, &dst, &src, 1, 3, 10, &moved),
		   0, "move 3 with min_len 10");
	tap_is_int(moved, 3, "moved 3");
	CHECK_EXTS(&src, "src", { 400, 2 }, { 503, 17 });

	/* the same blocks free in dst: refused, the extent goes back */
	ins(&dst, 510, 1);
	tap_is_int(scoutfs_alloc_extent_move(&bc, &dst, &src, 1, 100, 1, &moved),
		   -EINVAL, "move into overlapping free space refused");
	tap_is_int(moved, 0, "nothing moved");
	CHECK_EXTS(&src, "src unchanged", { 400, 2 }, { 503, 17 });
	CHECK_EXTS(&dst, "dst unchanged",
		   { 100, 10 }, { 200, 4 }, { 300, 30 }, { 500, 3 }, { 510, 1 });

	tap_ok(walk_trees(st, (struct scoutfs_alloc_root *[]){ &src, &dst }, 2,
			  false) == 0, "tree blocks all accounted for");
}

/* ------------------------------------------------------- model test */

/* free extents sorted by start, never touching */
struct model {
	struct ext e[MAX_EXTS];
	int nr;
	__u64 total;
};

/* the index of the first extent ending at or after blkno (nr if none) */
static int model_find(const struct model *m, __u64 blkno)
{
	int lo = 0, hi = m->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->e[mid].start + m->e[mid].len - 1 < blkno)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool model_overlaps(const struct model *m, __u64 start, __u64 len)
{
	int i = model_find(m, start);

	return i < m->nr && m->e[i].start <= start + len - 1;
}

static bool model_contains(const struct model *m, __u64 start, __u64 len)
{
	int i = model_find(m, start);

	return i < m->nr && m->e[i].start <= start &&
	       m->e[i].start + m->e[i].len >= start + len;
}

static void model_insert(struct model *m, __u64 start, __u64 len)
{
	int i = model_find(m, start);
	bool left = i > 0 && m->e[i - 1].start + m->e[i - 1].len == start;
	bool right = i < m->nr && m->e[i].start == start + len;

	m->total += len;
	if (left && right) {
		m->e[i - 1].len += len + m->e[i].len;
		memmove(&m->e[i], &m->e[i + 1], (m->nr - i - 1) * sizeof(m->e[0]));
		m->nr--;
	} else if (left) {
		m->e[i - 1].len += len;
	} else if (right) {
		m->e[i].start = start;
		m->e[i].len += len;
	} else {
		if (m->nr == MAX_EXTS)
			tap_bail("model full");
		memmove(&m->e[i + 1], &m->e[i], (m->nr - i) * sizeof(m->e[0]));
		m->e[i].start = start;
		m->e[i].len = len;
		m->nr++;
	}
}

/* remove a range that is inside one extent */
static void model_remove_at(struct model *m, __u64 start, __u64 len)
{
	int i = model_find(m, start);
	struct ext e = m->e[i];
	__u64 before = start - e.start;
	__u64 after = e.start + e.len - (start + len);

	m->total -= len;
	if (before && after) {
		if (m->nr == MAX_EXTS)
			tap_bail("model full");
		memmove(&m->e[i + 1], &m->e[i], (m->nr - i) * sizeof(m->e[0]));
		m->nr++;
		m->e[i].len = before;
		m->e[i + 1].start = start + len;
		m->e[i + 1].len = after;
	} else if (before) {
		m->e[i].len = before;
	} else if (after) {
		m->e[i].start = start + len;
		m->e[i].len = after;
	} else {
		memmove(&m->e[i], &m->e[i + 1], (m->nr - i - 1) * sizeof(m->e[0]));
		m->nr--;
	}
}

/* the documented policy, the slow way */
static int model_alloc(struct model *m, __u64 want, __u64 min,
		       __u64 *start, __u64 *len)
{
	int best = -1, longest = -1, i;

	if (min == 0)
		min = 1;
	for (i = 0; i < m->nr; i++) {
		if (m->e[i].len >= want &&
		    (best < 0 || m->e[i].len < m->e[best].len))
			best = i;
		if (longest < 0 || m->e[i].len > m->e[longest].len)
			longest = i;
	}
	if (best >= 0) {
		*start = m->e[best].start;
		*len = want;
	} else if (longest >= 0 && m->e[longest].len >= min) {
		*start = m->e[longest].start;
		*len = m->e[longest].len;
	} else {
		return -ENOSPC;
	}
	model_remove_at(m, *start, *len);
	return 0;
}

/* move as scoutfs_alloc_extent_move() does, stopping after limit blocks */
static __u64 model_move(struct model *dst, struct model *src, __u64 total,
			__u64 min, __u64 limit)
{
	__u64 moved = 0, want, start, len;

	while (moved < total && moved < limit) {
		want = total - moved;
		if (model_alloc(src, want, min < want ? min : want, &start, &len))
			break;
		model_insert(dst, start, len);
		moved += len;
	}
	return moved;
}

#define SPACE_START	(1ULL << 20)
#define SPACE_LEN	(1ULL << 20)
#define MAX_USED	65536

static struct model models[2];
static struct ext used[MAX_USED];
static int nr_used;

struct model_stats {
	long ops[6];
	long mismatches;
	long injected;
	long max_extents;
};

static void mismatch(struct model_stats *ms, const char *fmt, long long a,
		     long long b)
{
	if (ms->mismatches++ < 10)
		tap_diag(fmt, a, b);
}

static void add_used(__u64 start, __u64 len)
{
	if (nr_used == MAX_USED)
		tap_bail("too many used extents");
	used[nr_used].start = start;
	used[nr_used].len = len;
	nr_used++;
}

/* one random operation on the allocators and the model */
static void random_op(struct scoutfs_alloc_root **ars, struct model_stats *ms,
		      bool inject)
{
	unsigned int op = rnd(100);
	int a = rnd(4) == 0 ? 1 : 0;
	struct model *m = &models[a];
	__u64 want, min, start, len, mstart, mlen, moved, total;
	struct ext *e;
	int ret, mret, i;

	if (inject && rnd(3) == 0)
		st->fail_countdown = 1 + rnd(6);

	/* keep about half the space allocated */
	if (op < 40 && models[0].total + models[1].total < SPACE_LEN / 4)
		op = 50;
	if (op >= 40 && op < 80 && nr_used == 0)
		op = 0;

	if (op < 40) {
		ms->ops[0]++;
		want = 1 + rnd(1ULL << rnd(13));
		min = rnd(want + 1);
		ret = scoutfs_alloc_extent_remove(&bc, ars[a], st->seq, want, min,
						  &start, &len);
		if (ret == INJECTED_ERR) {
			ms->injected++;
		} else {
			mret = model_alloc(m, want, min, &mstart, &mlen);
			if (ret != mret)
				mismatch(ms, "remove returned %lld, model %lld",
					 ret, mret);
			else if (ret == 0 && (start != mstart || len != mlen))
				mismatch(ms, "remove gave start %lld, model %lld",
					 start, mstart);
			if (ret == 0)
				add_used(start, len);
		}
	} else if (op < 80) {
		ms->ops[1]++;
		i = rnd(nr_used);
		e = &used[i];
		start = e->start;
		len = e->len;
		switch (rnd(3)) {
		case 1:	/* a prefix */
			len = 1 + rnd(e->len);
			break;
		case 2:	/* a suffix */
			len = 1 + rnd(e->len);
			start = e->start + e->len - len;
			break;
		}
		ret = scoutfs_alloc_extent_insert(&bc, ars[a], st->seq, start, len);
		if (ret == INJECTED_ERR) {
			ms->injected++;
		} else if (ret) {
			mismatch(ms, "free returned %lld (len %lld)", ret, len);
		} else {
			model_insert(m, start, len);
			if (len == e->len) {
				used[i] = used[--nr_used];
			} else {
				if (start == e->start)
					e->start += len;
				e->len -= len;
			}
		}
	} else if (op < 86) {
		ms->ops[2]++;
		if (m->nr == 0)
			return;
		e = &m->e[rnd(m->nr)];
		start = e->start + rnd(e->len);
		start -= rnd(start < 8 ? start : 8);
		len = 1 + rnd(rnd(2) ? 16 : e->len + 16);
		if (!model_overlaps(m, start, len))
			return;
		ret = scoutfs_alloc_extent_insert(&bc, ars[a], st->seq, start, len);
		if (ret != -EINVAL && ret != INJECTED_ERR)
			mismatch(ms, "double free returned %lld (len %lld)", ret, len);
	} else if (op < 93) {
		ms->ops[3]++;
		if (m->nr == 0)
			return;
		e = &m->e[rnd(m->nr)];
		start = e->start + rnd(e->len);
		len = 1 + rnd(e->start + e->len - start);
		if (rnd(4) == 0)
			len += 1 + rnd(5);	/* past the end: not all free */
		ret = scoutfs_alloc_extent_remove_at(&bc, ars[a], st->seq, start,
						     len);
		if (ret == INJECTED_ERR) {
			ms->injected++;
		} else if (ret != (model_contains(m, start, len) ? 0 : -ENOENT)) {
			mismatch(ms, "remove_at returned %lld (len %lld)", ret, len);
		} else if (ret == 0) {
			model_remove_at(m, start, len);
			add_used(start, len);
		}
	} else {
		ms->ops[4]++;
		total = rnd(1ULL << rnd(17));
		min = rnd(64);
		ret = scoutfs_alloc_extent_move(&bc, ars[1 - a], ars[a], st->seq,
						total, min, &moved);
		if (ret == INJECTED_ERR)
			ms->injected++;
		else if (ret)
			mismatch(ms, "move returned %lld (total %lld)", ret, total);
		mlen = model_move(&models[1 - a], m, total, min, moved);
		if (mlen != moved)
			mismatch(ms, "move moved %lld, model %lld", moved, mlen);
	}
	st->fail_countdown = 0;
}

static bool check_batch(struct scoutfs_alloc_root **ars, bool crc,
			const char *what)
{
	__u64 sum = models[0].total + models[1].total;
	bool ok = true;
	int i;

	for (i = 0; i < nr_used; i++)
		sum += used[i].len;
	if (sum != SPACE_LEN) {
		tap_diag("model lost blocks: %llu", (unsigned long long)sum);
		ok = false;
	}
	for (i = 0; i < 2; i++) {
		if (!check_alloc(ars[i], models[i].e, models[i].nr, what))
			ok = false;
		if (le64_to_cpu(ars[i]->total_len) != models[i].total) {
			tap_diag("total_len differs from the model");
			ok = false;
		}
	}
	if (walk_trees(st, ars, 2, crc) != 0)
		ok = false;
	return ok;
}

static void run_model(int nr_ops, int batch, bool inject, const char *name)
{
	struct scoutfs_alloc_root ar0, ar1;
	struct scoutfs_alloc_root *ars[2] = { &ar0, &ar1 };
	struct model_stats ms;
	long bad_batches = 0;
	__u64 moved;
	int op, ret, i;

	fresh_store();
	init_alloc(&ar0, SCOUTFS_ALLOC_FLAG_DATA);
	init_alloc(&ar1, SCOUTFS_ALLOC_FLAG_DATA);
	memset(&ms, 0, sizeof(ms));
	memset(models, 0, sizeof(models));
	nr_used = 0;

	ins(&ar0, SPACE_START, SPACE_LEN);
	model_insert(&models[0], SPACE_START, SPACE_LEN);

	for (op = 0; op < nr_ops; op++) {
		random_op(ars, &ms, inject);
		for (i = 0; i < 2; i++) {
			if (models[i].nr > ms.max_extents)
				ms.max_extents = models[i].nr;
		}
		if ((op + 1) % batch == 0) {
			if (!check_batch(ars, (op / batch) % 8 == 0, name))
				bad_batches++;
			store_commit(st);
		} else if (inject) {
			/* every modification copies blocks: failures at any step */
			store_commit(st);
		}
	}
	tap_is_int(ms.mismatches, 0, "%s: results match the model", name);
	tap_is_int(bad_batches, 0, "%s: allocators match the model after every batch",
		   name);
	tap_diag("%s: %ld allocs, %ld frees, %ld double frees, %ld remove_at, "
		 "%ld moves, %ld injected failures, up to %ld extents, %ld blocks",
		 name, ms.ops[0], ms.ops[1], ms.ops[2], ms.ops[3], ms.ops[4],
		 ms.injected, ms.max_extents, st->allocated);
	if (inject)
		tap_ok(ms.injected > 100, "%s: failures were injected", name);
	else
		tap_ok(ms.max_extents > 1000, "%s: thousands of extents", name);

	/* free everything into ar0 */
	ret = 0;
	for (i = 0; i < nr_used && ret == 0; i++)
		ret = scoutfs_alloc_extent_insert(&bc, &ar0, st->seq, used[i].start,
						  used[i].len);
	tap_is_int(ret, 0, "%s: freed every allocated extent", name);
	ret = scoutfs_alloc_extent_move(&bc, &ar0, &ar1, st->seq, ~(__u64)0, 1,
					&moved);
	tap_ok(ret == 0 && moved == models[1].total,
	       "%s: moved all of the second allocator back (%d, %llu)", name,
	       ret, (unsigned long long)moved);
	{
		static const struct ext whole[] = { { SPACE_START, SPACE_LEN } };

		tap_ok(check_alloc(&ar0, whole, 1, name),
		       "%s: one extent of the whole space", name);
	}
	check_empty(&ar1, "second allocator empty");
	store_commit(st);
	tap_is_int(walk_trees(st, ars, 2, true), 0, "%s: tree blocks accounted for",
		   name);
}


/* items that don't agree are reported as corruption, not trusted */
static void test_corruption(void)
{
	struct scoutfs_alloc_root ar;
	struct scoutfs_key key;
	__u64 b, l;

	fresh_store();
	init_alloc(&ar, SCOUTFS_ALLOC_FLAG_DATA);
	ins(&ar, 100, 10);

	/* a FREE_BLKNO item without its FREE_LEN item */
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
			209, 10, 0);
	tap_is_int(scoutfs_btree_cow_insert(&bc, &ar.root, &key, 1, 0, NULL, 0),
		   0, "inserted a lone FREE_BLKNO item");
	tap_is_int(scoutfs_alloc_extent_remove_at(&bc, &ar, 1, 200, 10), -EIO,
		   "remove_at of an extent without FREE_LEN gives -EIO");
	tap_is_int(scoutfs_btree_cow_lookup(&bc, &ar.root, &key, NULL, 0, NULL),
		   0, "and leaves its FREE_BLKNO item");
	tap_is_int(scoutfs_btree_cow_delete(&bc, &ar.root, &key), 0,
		   "removed the lone item");

	/* a FREE_LEN item longer than its last block allows */
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE,
			20, 5, 0);
	scoutfs_btree_cow_insert(&bc, &ar.root, &key, 1, 0, NULL, 0);
	tap_is_int(scoutfs_alloc_extent_remove(&bc, &ar, 1, 15, 1, &b, &l), -EIO,
		   "a FREE_LEN item starting below block 0 gives -EIO");
	scoutfs_btree_cow_delete(&bc, &ar.root, &key);

	/* a FREE_BLKNO item whose extent would start below block 0 */
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
			3, 5, 0);
	scoutfs_btree_cow_insert(&bc, &ar.root, &key, 1, 0, NULL, 0);
	tap_is_int(scoutfs_alloc_extent_insert(&bc, &ar, 1, 4, 1), -EIO,
		   "an extent starting below 0 gives -EIO");
	scoutfs_btree_cow_delete(&bc, &ar.root, &key);
	CHECK_EXTS(&ar, "the good extent is untouched", { 100, 10 });
}

/* ------------------------------------------------- failure sweeps */

/*
 * Fail the 1st, 2nd, 3rd ... block allocation of one operation on
 * allocators big enough that their two indexes span several leaves, so
 * that the failures land between the item changes of different
 * extents.  Every failed call must leave both allocators as they were;
 * the call that finally succeeds must give the expected extents.
 */
#define SWEEP_NR	4000
#define SWEEP_START	100000ULL
#define SWEEP_STRIDE	8192ULL
#define SWEEP_BIG	(SWEEP_START + SWEEP_NR * SWEEP_STRIDE)

static struct model sweep_want;

static void sweep_add(struct scoutfs_alloc_root *ar, struct model *m,
		      __u64 start, __u64 len)
{
	ins(ar, start, len);
	model_insert(m, start, len);
}

static void sweep(int op, const char *name)
{
	struct scoutfs_alloc_root src, dst;
	struct scoutfs_alloc_root *ars[2] = { &src, &dst };
	__u64 blkno = 0, len = 0, moved = 0, want_start = 0, want_len = 0;
	int failures = 0, bad = 0, ret = 0, k, i;

	fresh_store();
	init_alloc(&src, SCOUTFS_ALLOC_FLAG_DATA);
	init_alloc(&dst, SCOUTFS_ALLOC_FLAG_DATA);
	memset(models, 0, sizeof(models));
	/* lengths 1..SWEEP_NR: FREE_LEN order is FREE_BLKNO order */
	for (i = 0; i < SWEEP_NR; i++)
		sweep_add(&src, &models[0], SWEEP_START + i * SWEEP_STRIDE, 1 + i);
	/* a long extent just after the first one (of length 1) */
	sweep_add(&src, &models[0], SWEEP_START + 2, 3500);
	/* a longest extent at the end */
	sweep_add(&src, &models[0], SWEEP_BIG, 10000);
	for (i = 0; i < 50; i++)
		sweep_add(&dst, &models[1], 1000 + i * 10, 1 + i % 5);
	store_commit(st);

	sweep_want = models[0];
	switch (op) {
	case 0:	/* free the block between extents of length 1 and 3500 */
		model_insert(&sweep_want, SWEEP_START + 1, 1);
		break;
	case 1:	/* split the longest, the tail's FREE_LEN in another leaf */
		model_alloc(&sweep_want, 8000, 1, &want_start, &want_len);
		break;
	case 2:	/* two pieces left whose FREE_LEN are in another leaf */
		model_remove_at(&sweep_want, SWEEP_BIG + 1000, 6000);
		break;
	case 3:	/* an exact fit moved to dst */
		model_alloc(&sweep_want, 7, 1, &want_start, &want_len);
		break;
	}

	for (k = 1; k < 100; k++) {
		st->fail_countdown = k;
		switch (op) {
		case 0:
			ret = scoutfs_alloc_extent_insert(&bc, &src, st->seq,
							  SWEEP_START + 1, 1);
			break;
		case 1:
			ret = scoutfs_alloc_extent_remove(&bc, &src, st->seq, 8000,
							  1, &blkno, &len);
			break;
		case 2:
			ret = scoutfs_alloc_extent_remove_at(&bc, &src, st->seq,
							     SWEEP_BIG + 1000, 6000);
			break;
		case 3:
			ret = scoutfs_alloc_extent_move(&bc, &dst, &src, st->seq,
							7, 1, &moved);
			break;
		}
		st->fail_countdown = 0;
		if (ret != INJECTED_ERR)
			break;
		failures++;
		if (!check_alloc(&src, models[0].e, models[0].nr, name) ||
		    !check_alloc(&dst, models[1].e, models[1].nr, name) ||
		    walk_trees(st, ars, 2, false) != 0) {
			tap_diag("%s: failing allocation %d changed things", name, k);
			bad++;
		}
		store_commit(st);
	}

	tap_ok(bad == 0 && failures >= 3,
	       "%s: %d failure points each left the allocators unchanged",
	       name, failures);
	if (op == 3)
		model_insert(&models[1], want_start, want_len);
	tap_ok(ret == 0 && check_alloc(&src, sweep_want.e, sweep_want.nr, name) &&
	       check_alloc(&dst, models[1].e, models[1].nr, name) &&
	       (op != 1 || (blkno == want_start && len == want_len)) &&
	       (op != 3 || moved == 7),
	       "%s: then succeeds (%d)", name, ret);
}

int main(void)
{
	test_rng_seed(0x9d2c5680a1b3e7f1ULL, "ALLOC_EXTENT_SEED");

	test_args_and_edges();
	test_merges();
	test_fits();
	test_remove_at();
	test_move();
	test_corruption();
	sweep(0, "sweep: free merging both sides");
	sweep(1, "sweep: best fit split");
	sweep(2, "sweep: remove_at in the middle");
	sweep(3, "sweep: move");
	run_model(25000, 500, false, "model");
	run_model(10000, 500, true, "model with failures");

	if (st) {
		store_destroy(st);
		free(st);
		free(scratch);
	}
	return tap_done();
}
