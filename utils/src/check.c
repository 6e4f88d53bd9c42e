/*
 * The offline check: open the devices, check the superblocks, then walk
 * everything they reference once, handing each block and item to the
 * part of the check that knows about it, and finally look at what was
 * collected on the way: unaccounted space and the filesystem items as
 * a whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "format/key.h"

/* ------------------------------------------------------------ vectors */

void check_vec_init(struct check_vec *v, size_t size)
{
	memset(v, 0, sizeof(*v));
	v->size = size;
}

void check_vec_free(struct check_vec *v)
{
	free(v->data);
	v->data = NULL;
	v->nr = 0;
	v->alloc = 0;
}

void *check_vec_push(struct check_vec *v)
{
	size_t alloc;
	void *data;
	void *el;

	if (v->nr == v->alloc) {
		alloc = v->alloc ? v->alloc * 2 : 64;
		data = realloc(v->data, alloc * v->size);
		if (!data)
			return NULL;
		v->data = data;
		v->alloc = alloc;
	}
	el = check_vec_at(v, v->nr++);
	memset(el, 0, v->size);
	return el;
}

void check_vec_sort(struct check_vec *v, int (*cmp)(const void *, const void *))
{
	if (v->nr > 1)
		qsort(v->data, v->nr, v->size, cmp);
}

/* ----------------------------------------------------------- reports */

void check_problem(struct check *c, const char *where, const char *fmt, ...)
{
	char what[768];
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", where, what);
	c->res->problems++;
	if (c->opts->report)
		c->opts->report(c->opts->arg, line);
}

void check_operational(struct check *c, const char *fmt, ...)
{
	va_list ap;

	/* the first one is what the caller hears about */
	if (c->res->operational[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->res->operational, sizeof(c->res->operational), fmt, ap);
	va_end(ap);
}

const char *check_where(struct check *c)
{
	return c->st ? c->st->name : "filesystem";
}

const char *check_range_str(char *buf, __u64 start, __u64 len)
{
	if (len == 1)
		snprintf(buf, 48, "%llu", (unsigned long long)start);
	else
		snprintf(buf, 48, "%llu-%llu", (unsigned long long)start,
			 (unsigned long long)(start + len - 1));
	return buf;
}

void check_seq(struct check *c, const char *where, const char *what, __u64 seq)
{
	if (seq >= c->next_seq)
		check_problem(c, where, "%s: seq not below the superblock's next_seq, expected less than %llu, found %llu",
			      what, (unsigned long long)c->next_seq,
			      (unsigned long long)seq);
}

/* ------------------------------------------------------- walk events */

/* part of the structure being walked won't be seen: counts can't add up */
static void incomplete(struct check *c)
{
	c->st_incomplete = true;
	if (c->st->kind == SCOUTFS_META_FS_TREE || c->st->kind == SCOUTFS_META_LOG_ITEM_TREE)
		c->fs_incomplete = true;
}

static int walk_begin(void *arg, const struct scoutfs_meta_struct *st)
{
	struct check *c = arg;

	if (c->depth >= (int)(sizeof(c->outer_st) / sizeof(c->outer_st[0])))
		return -EINVAL;
	c->outer_st[c->depth] = c->st;
	c->outer_incomplete[c->depth] = c->st_incomplete;
	c->depth++;
	c->st = st;
	c->st_incomplete = false;
	if (st->kind == SCOUTFS_META_ALLOC_TREE)
		check_alloc_begin(c);
	return c->err;
}

static int walk_end(void *arg, const struct scoutfs_meta_struct *st)
{
	struct check *c = arg;

	if (st->kind == SCOUTFS_META_ALLOC_TREE)
		check_alloc_end(c);
	c->depth--;
	c->st = c->outer_st[c->depth];
	c->st_incomplete = c->outer_incomplete[c->depth];
	return c->err;
}

static int walk_btree_block(void *arg, const struct scoutfs_meta_btree_block *blk)
{
	struct check *c = arg;
	char what[48];

	snprintf(what, sizeof(what), "block %llu", (unsigned long long)blk->blkno);
	/* out of range references were reported by the walk */
	if (blk->result != SCOUTFS_META_ERR_RANGE &&
	    check_meta_use_block(c, check_where(c), "btree block", blk->blkno)) {
		incomplete(c);
		return SCOUTFS_META_WALK_SKIP;
	}
	if (blk->bt)
		check_seq(c, check_where(c), what, le64_to_cpu(blk->bt->hdr.seq));
	return c->err;
}

static int walk_btree_item(void *arg, const struct scoutfs_meta_btree_item *item)
{
	struct check *c = arg;

	if (item->blk->level == 0)
		check_item(c, item);
	return c->err;
}

static int walk_list_block(void *arg, const struct scoutfs_meta_list_block *lb)
{
	struct check *c = arg;
	const __le64 *blknos;
	char what[48];
	__u64 first;
	unsigned int i, n;

	snprintf(what, sizeof(what), "list block %llu", (unsigned long long)lb->blkno);
	if (lb->result != SCOUTFS_META_ERR_RANGE &&
	    check_meta_use_block(c, check_where(c), "list block", lb->blkno)) {
		incomplete(c);
		return SCOUTFS_META_WALK_SKIP;
	}
	if (!lb->lb)
		return c->err;
	check_seq(c, check_where(c), what, le64_to_cpu(lb->lb->hdr.seq));

	/* runs of consecutive entries are accounted, and reported, together */
	blknos = lb->lb->blknos + lb->start;
	for (i = 0; i < lb->nr; i += n) {
		n = scoutfs_meta_blknos_run(blknos + i, lb->nr - i, &first);
		check_meta_use_range(c, check_where(c), "list entries", first, n);
	}
	return c->err;
}

static void walk_problem(void *arg, const struct scoutfs_meta_problem *prob)
{
	struct check *c = arg;
	char buf[512];

	scoutfs_meta_problem_str(buf, sizeof(buf), prob);
	check_problem(c, prob->st->name, "%s", buf);
	switch (prob->type) {
	case SCOUTFS_META_PROB_READ:
	case SCOUTFS_META_PROB_BTREE:
	case SCOUTFS_META_PROB_HEIGHT:
	case SCOUTFS_META_PROB_LIST_NR:
	case SCOUTFS_META_PROB_LIST_LOOP:
		incomplete(c);
		break;
	default:
		break;
	}
	if (prob->type == SCOUTFS_META_PROB_READ && prob->result < 0)
		check_operational(c, "%s: reading block %llu: %s", c->m.meta_dev.path,
				  (unsigned long long)prob->blkno, strerror(-prob->result));
}

static void check_free(struct check *c)
{
	check_space_free(c);
	check_vec_free(&c->alloc_blkno);
	check_vec_free(&c->alloc_len);
	check_fs_free(c);
	scoutfs_meta_close(&c->m);
}

int scoutfs_check(const struct scoutfs_check_opts *opts,
		  struct scoutfs_check_result *res)
{
	struct check *c;
	char err[sizeof(res->operational)];
	int status = SCOUTFS_CHECK_CLEAN;
	int ret;

	memset(res, 0, sizeof(*res));
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(res->operational, sizeof(res->operational), "out of memory");
		return SCOUTFS_CHECK_OPERATIONAL;
	}
	c->opts = opts;
	c->res = res;
	check_vec_init(&c->alloc_blkno, sizeof(struct check_alloc_ext));
	check_vec_init(&c->alloc_len, sizeof(struct check_alloc_ext));

	ret = scoutfs_meta_open(&c->m, opts->meta_path, opts->data_path, err, sizeof(err));
	if (ret < 0) {
		snprintf(res->operational, sizeof(res->operational), "%s", err);
		free(c);
		return SCOUTFS_CHECK_OPERATIONAL;
	}
	c->super = &c->m.super.super;

	if (check_supers(c)) {
		const struct scoutfs_meta_walk_ops ops = {
			.begin = walk_begin,
			.end = walk_end,
			.btree_block = walk_btree_block,
			.btree_item = walk_btree_item,
			.list_block = walk_list_block,
			.problem = walk_problem,
			.arg = c,
		};

		check_quorum(c);
		ret = check_space_init(c);
		if (ret == 0)
			ret = scoutfs_meta_walk_all(&c->m, &ops);
		if (ret == 0 && c->err == 0) {
			check_meta_leaks(c);
			check_fs(c);
			check_data_sweep(c);
		}
		if (ret == 0)
			ret = c->err;
		if (ret < 0)
			check_operational(c, "checking stopped: %s", strerror(-ret));
	}

	check_free(c);
	free(c);

	if (res->problems)
		status |= SCOUTFS_CHECK_ERRORS;
	if (res->operational[0])
		status |= SCOUTFS_CHECK_OPERATIONAL;
	return status;
}
