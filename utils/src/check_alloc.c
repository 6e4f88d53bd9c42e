/*
 * Allocator trees: every free extent has a FREE_BLKNO and a FREE_LEN
 * item, the extents neither overlap nor touch, total_len is their sum,
 * and the extents are accounted as free metadata or data space
 * depending on which allocator holds them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_internal.h"
#include "format/key.h"

#define U(x) ((unsigned long long)(x))

static bool is_meta_alloc(struct check *c)
{
	return c->st->alloc == &c->super->meta_alloc[0] ||
	       c->st->alloc == &c->super->meta_alloc[1];
}

void check_alloc_begin(struct check *c)
{
	__u64 flags = le64_to_cpu(c->st->alloc->flags);

	c->alloc_blkno.nr = 0;
	c->alloc_len.nr = 0;

	/* the superblock's allocators' flags were checked with it */
	if (c->st->log_trees && flags != SCOUTFS_ALLOC_FLAG_DATA)
		check_problem(c, check_where(c), "flags, expected 0x%x (data), found 0x%llx",
			      SCOUTFS_ALLOC_FLAG_DATA, U(flags));
}

void check_alloc_item(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_key *key = item->key;
	struct check_alloc_ext *ext;
	bool by_blkno = key->sk_type == SCOUTFS_FREE_BLKNO_TYPE;

	ext = check_vec_push(by_blkno ? &c->alloc_blkno : &c->alloc_len);
	if (!ext) {
		c->err = -ENOMEM;
		return;
	}
	ext->last = le64_to_cpu(by_blkno ? key->sk_second : key->sk_third);
	ext->len = le64_to_cpu(by_blkno ? key->sk_third : key->sk_second);
}

static int cmp_ext(const void *A, const void *B)
{
	const struct check_alloc_ext *a = A, *b = B;

	if (a->last != b->last)
		return a->last < b->last ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

static const char *ext_str(char *buf, const struct check_alloc_ext *e)
{
	return check_range_str(buf, e->last - e->len + 1, e->len);
}

/* each extent must be in both sets of items */
static void match_items(struct check *c)
{
	const struct check_alloc_ext *a, *b;
	size_t i = 0, j = 0;
	char buf[48];
	int cmp;

	while (i < c->alloc_blkno.nr || j < c->alloc_len.nr) {
		a = i < c->alloc_blkno.nr ? check_vec_at(&c->alloc_blkno, i) : NULL;
		b = j < c->alloc_len.nr ? check_vec_at(&c->alloc_len, j) : NULL;
		cmp = !a ? 1 : !b ? -1 : cmp_ext(a, b);
		if (cmp < 0) {
			check_problem(c, check_where(c), "free extent %s has a FREE_BLKNO item but no FREE_LEN item",
				      ext_str(buf, a));
			i++;
		} else if (cmp > 0) {
			check_problem(c, check_where(c), "free extent %s has a FREE_LEN item but no FREE_BLKNO item",
				      ext_str(buf, b));
			j++;
		} else {
			i++;
			j++;
		}
	}
}

static void account(struct check *c, __u64 start, __u64 len, int owner)
{
	struct check_data_ext ext = { .start = start, .len = len };

	if (is_meta_alloc(c)) {
		check_meta_use_range(c, check_where(c), "free extent", start, len);
	} else if (owner >= 0) {
		ext.owner = (__u32)owner;
		check_data_use(c, &ext);
	}
}

void check_alloc_end(struct check *c)
{
	const struct check_alloc_ext *e, *prev = NULL;
	/* counts can only be compared with a tree that was read whole */
	bool whole = !c->st_incomplete;
	__u64 total = le64_to_cpu(c->st->alloc->total_len);
	__u64 sum = 0;
	__u64 start;
	char a[48], b[48];
	int owner = -1;
	size_t i;

	check_vec_sort(&c->alloc_blkno, cmp_ext);
	check_vec_sort(&c->alloc_len, cmp_ext);
	if (whole)
		match_items(c);
	if (!is_meta_alloc(c))
		owner = check_data_owner(c, check_where(c));

	for (i = 0; i < c->alloc_blkno.nr; i++) {
		e = check_vec_at(&c->alloc_blkno, i);
		if (e->len == 0 || e->len - 1 > e->last) {
			check_problem(c, check_where(c), "free extent ending at %llu has an impossible length, expected 1 to %llu, found %llu",
				      U(e->last), U(e->last + 1), U(e->len));
			continue;
		}
		sum += e->len;
		start = e->last - e->len + 1;

		/* sorted by last, so any overlap includes the previous extent */
		if (prev && start <= prev->last) {
			check_problem(c, check_where(c), "free extents %s and %s overlap",
				      ext_str(a, prev), ext_str(b, e));
			/* account the overlap once, it is reported */
			if (e->last <= prev->last)
				continue;
			account(c, prev->last + 1, e->last - prev->last, owner);
			prev = e;
			continue;
		}
		if (prev && start == prev->last + 1)
			check_problem(c, check_where(c), "free extents %s and %s touch, expected them merged",
				      ext_str(a, prev), ext_str(b, e));
		account(c, start, e->len, owner);
		prev = e;
	}

	if (whole && sum != total)
		check_problem(c, check_where(c), "total_len is not the sum of the free extents, expected %llu, found %llu",
			      U(sum), U(total));
}
