/*
 * Space accounting: every metadata block from SCOUTFS_META_FIRST_BLKNO
 * and every data block from SCOUTFS_DATA_FIRST_BLKNO must be in exactly
 * one place (docs/format.md, section 13).
 *
 * Metadata blocks are marked in a bitmap as the walk finds them (one
 * bit per 64 KiB block: 128 KiB of bits for 64 GiB), so a second use is
 * seen at once and the walk needn't enter a subtree twice.  Data space
 * can be far larger than metadata (a bitmap for a 1 PiB device would be
 * 32 GiB), so data is accounted as a list of extents that is sorted and
 * swept once everything is known; its size follows the number of
 * extents, not the size of the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

#define U(x) ((unsigned long long)(x))
/* beyond this many leaked or doubly used ranges only a count is reported */
#define MAX_RANGE_REPORTS 100

/* "meta block 16" or "meta blocks 20-30" */
static const char *blocks_str(char *buf, size_t size, const char *kind,
			      __u64 start, __u64 len)
{
	char range[48];

	snprintf(buf, size, "%s block%s %s", kind, len == 1 ? "" : "s",
		 check_range_str(range, start, len));
	return buf;
}

/* start + len, saturated: lengths come from disk */
static __u64 end_of(__u64 start, __u64 len)
{
	return len > ~0ULL - start ? ~0ULL : start + len;
}

int check_space_init(struct check *c)
{
	__u64 total = le64_to_cpu(c->super->total_meta_blocks);

	/* blocks past the device can't be read, and total is reported */
	c->meta_end = total < c->m.meta_dev_blocks ? total : c->m.meta_dev_blocks;
	if (c->meta_end < SCOUTFS_META_FIRST_BLKNO)
		c->meta_end = SCOUTFS_META_FIRST_BLKNO;
	c->data_end = le64_to_cpu(c->super->total_data_blocks);
	if (c->data_end < SCOUTFS_DATA_FIRST_BLKNO)
		c->data_end = SCOUTFS_DATA_FIRST_BLKNO;

	check_vec_init(&c->data_exts, sizeof(struct check_data_ext));
	check_vec_init(&c->owners, sizeof(char *));
	return scoutfs_meta_bitmap_init(&c->meta_used, c->meta_end);
}

void check_space_free(struct check *c)
{
	size_t i;

	scoutfs_meta_bitmap_free(&c->meta_used);
	check_vec_free(&c->data_exts);
	for (i = 0; i < c->owners.nr; i++)
		free(*(char **)check_vec_at(&c->owners, i));
	check_vec_free(&c->owners);
}

/* ----------------------------------------------------------- metadata */

bool check_meta_use_block(struct check *c, const char *where, const char *what,
			  __u64 blkno)
{
	/* references outside were reported as they were read */
	if (blkno < SCOUTFS_META_FIRST_BLKNO || blkno >= c->meta_end)
		return false;
	if (!scoutfs_meta_bitmap_test_set(&c->meta_used, blkno))
		return false;
	check_problem(c, where, "meta block %llu doubly used: a %s here, but already referenced, free or listed elsewhere",
		      U(blkno), what);
	return true;
}

void check_meta_use_range(struct check *c, const char *where, const char *what,
			  __u64 start, __u64 len)
{
	__u64 total = le64_to_cpu(c->super->total_meta_blocks);
	__u64 end = end_of(start, len);
	char buf[96];
	__u64 a, b;

	if (start < SCOUTFS_META_FIRST_BLKNO || end > total)
		check_problem(c, where, "%s of %s outside the metadata blocks, expected %llu to %llu",
			      what, blocks_str(buf, sizeof(buf), "meta", start, end - start),
			      U(SCOUTFS_META_FIRST_BLKNO), U(total ? total - 1 : 0));

	if (start < SCOUTFS_META_FIRST_BLKNO)
		start = SCOUTFS_META_FIRST_BLKNO;
	if (end > c->meta_end)
		end = c->meta_end;
	if (start >= end)
		return;

	for (a = start; (a = scoutfs_meta_bitmap_next(&c->meta_used, a, true)) < end; a = b) {
		b = scoutfs_meta_bitmap_next(&c->meta_used, a, false);
		if (b > end)
			b = end;
		check_problem(c, where, "%s doubly used: %s here, but already referenced, free or listed elsewhere",
			      blocks_str(buf, sizeof(buf), "meta", a, b - a), what);
	}
	scoutfs_meta_bitmap_set_range(&c->meta_used, start, end - start);
}

void check_meta_leaks(struct check *c)
{
	unsigned long reported = 0;
	__u64 more_ranges = 0;
	__u64 more_blocks = 0;
	char buf[96];
	__u64 a, b;

	for (a = SCOUTFS_META_FIRST_BLKNO;
	     (a = scoutfs_meta_bitmap_next(&c->meta_used, a, false)) < c->meta_end; a = b) {
		b = scoutfs_meta_bitmap_next(&c->meta_used, a, true);
		if (reported++ < MAX_RANGE_REPORTS) {
			check_problem(c, "metadata space", "%s leaked: not referenced, free or listed",
				      blocks_str(buf, sizeof(buf), "meta", a, b - a));
		} else {
			more_ranges++;
			more_blocks += b - a;
		}
	}
	if (more_ranges)
		check_problem(c, "metadata space", "%llu more ranges of %llu blocks leaked",
			      U(more_ranges), U(more_blocks));
}

/* --------------------------------------------------------------- data */

int check_data_owner(struct check *c, const char *name)
{
	char **slot;
	char *dup = strdup(name);

	slot = dup ? check_vec_push(&c->owners) : NULL;
	if (!slot) {
		free(dup);
		c->err = -ENOMEM;
		return -1;
	}
	*slot = dup;
	return (int)(c->owners.nr - 1);
}

/* "free extent 256-1000 of data_alloc" or "extent of inode 17 at logical 0-9" */
static const char *ext_str(struct check *c, char *buf, size_t size,
			   const struct check_data_ext *ext)
{
	char a[48], b[48];

	if (ext->file)
		snprintf(buf, size, "extent of inode %llu at logical %s (data %s)",
			 U(ext->ino), check_range_str(a, ext->logical, ext->len),
			 check_range_str(b, ext->start, ext->len));
	else
		snprintf(buf, size, "free extent %s of %s",
			 check_range_str(a, ext->start, ext->len),
			 *(char **)check_vec_at(&c->owners, ext->owner));
	return buf;
}

void check_data_use(struct check *c, const struct check_data_ext *ext)
{
	__u64 total = le64_to_cpu(c->super->total_data_blocks);
	__u64 end = end_of(ext->start, ext->len);
	struct check_data_ext *e;
	char desc[256];

	if (ext->len == 0)
		return;
	if (ext->start < SCOUTFS_DATA_FIRST_BLKNO || end > total)
		check_problem(c, "data space", "%s lies outside the data device, expected blocks %llu to %llu",
			      ext_str(c, desc, sizeof(desc), ext),
			      U(SCOUTFS_DATA_FIRST_BLKNO), U(total ? total - 1 : 0));

	e = check_vec_push(&c->data_exts);
	if (!e) {
		c->err = -ENOMEM;
		return;
	}
	*e = *ext;
	/* only what lies on the device is accounted */
	if (e->start < SCOUTFS_DATA_FIRST_BLKNO) {
		e->logical += SCOUTFS_DATA_FIRST_BLKNO - e->start;
		e->start = SCOUTFS_DATA_FIRST_BLKNO;
	}
	if (end > c->data_end)
		end = c->data_end;
	e->len = end > e->start ? end - e->start : 0;
	if (e->len == 0)
		c->data_exts.nr--;
}

static int cmp_data_ext(const void *A, const void *B)
{
	const struct check_data_ext *a = A, *b = B;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

struct sweep {
	unsigned long leaks;
	unsigned long doubles;
	__u64 more_leaked;
	__u64 more_double;
};

static void data_leak(struct check *c, struct sweep *s, __u64 start, __u64 end)
{
	char buf[96];

	if (s->leaks++ < MAX_RANGE_REPORTS)
		check_problem(c, "data space", "%s leaked: neither free nor used by a file",
			      blocks_str(buf, sizeof(buf), "data", start, end - start));
	else
		s->more_leaked += end - start;
}

static void data_double(struct check *c, struct sweep *s, __u64 start, __u64 end,
			const struct check_data_ext *a, const struct check_data_ext *b)
{
	char buf[96], da[256], db[256];

	if (s->doubles++ < MAX_RANGE_REPORTS)
		check_problem(c, "data space", "%s doubly used: by the %s and by the %s",
			      blocks_str(buf, sizeof(buf), "data", start, end - start),
			      ext_str(c, da, sizeof(da), a), ext_str(c, db, sizeof(db), b));
	else
		s->more_double += end - start;
}

/*
 * In start order, a gap before an extent is leaked and an extent that
 * starts below the furthest end so far overlaps the extent that reached
 * it.
 */
void check_data_sweep(struct check *c)
{
	const struct check_data_ext *e, *furthest = NULL;
	__u64 covered = SCOUTFS_DATA_FIRST_BLKNO;
	struct sweep s = { 0 };
	__u64 end;
	size_t i;

	check_vec_sort(&c->data_exts, cmp_data_ext);
	for (i = 0; i < c->data_exts.nr; i++) {
		e = check_vec_at(&c->data_exts, i);
		end = e->start + e->len;
		if (e->start > covered)
			data_leak(c, &s, covered, e->start);
		else if (e->start < covered && furthest)
			data_double(c, &s, e->start, end < covered ? end : covered, furthest, e);
		if (end > covered) {
			covered = end;
			furthest = e;
		}
	}
	if (covered < c->data_end)
		data_leak(c, &s, covered, c->data_end);

	if (s.leaks > MAX_RANGE_REPORTS)
		check_problem(c, "data space", "%lu more ranges of %llu blocks leaked",
			      s.leaks - MAX_RANGE_REPORTS, U(s.more_leaked));
	if (s.doubles > MAX_RANGE_REPORTS)
		check_problem(c, "data space", "%lu more ranges of %llu blocks doubly used",
			      s.doubles - MAX_RANGE_REPORTS, U(s.more_double));
}
