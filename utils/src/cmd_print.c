/*
 * scoutfs print: dump everything reachable from the superblocks in a
 * readable form, for debugging and for looking at damaged devices.  The
 * devices are only read.  Problems are printed where they are found and
 * the dump carries on with whatever else can be read.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "format/block.h"
#include "format/btree_block.h"
#include "format/key.h"
#include "meta.h"
#include "print_format.h"

#define PRINT_USAGE								\
	"usage: scoutfs print META-DEVICE [DATA-DEVICE]\n"			\
	"\n"									\
	"Print a scoutfs filesystem without mounting it: both superblocks,\n"	\
	"the quorum configuration and each slot's quorum block, and every\n"	\
	"btree and allocator list reachable from the metadata superblock,\n"	\
	"with each block's header and each item's key, version, flags and\n"	\
	"decoded value.  Blocks that can't be read or don't verify are shown\n"	\
	"with the reason and the rest is still printed.\n"			\
	"\n"									\
	"Exit status: 0 when everything was printed, 1 when something\n"	\
	"couldn't be read or didn't verify, 2 for a usage error.\n"

struct printer {
	FILE *f;
	struct scoutfs_meta *m;
	struct scoutfs_meta_bitmap seen;	/* blocks printed, against loops */
	unsigned long problems;
};

static void indent(FILE *f, int n)
{
	fprintf(f, "%*s", n, "");
}

static int print_begin(void *arg, const struct scoutfs_meta_struct *st)
{
	const struct scoutfs_btree_root *root = st->alloc ? &st->alloc->root : st->root;
	struct printer *p = arg;

	if (st->kind == SCOUTFS_META_ALLOC_LIST)
		fprintf(p->f, "\n%s: ref %llu.%llu total_nr %llu first_nr %u\n", st->name,
			(unsigned long long)le64_to_cpu(st->list->ref.blkno),
			(unsigned long long)le64_to_cpu(st->list->ref.seq),
			(unsigned long long)le64_to_cpu(st->list->total_nr),
			le32_to_cpu(st->list->first_nr));
	else
		fprintf(p->f, "\n%s: ref %llu.%llu height %u\n", st->name,
			(unsigned long long)le64_to_cpu(root->ref.blkno),
			(unsigned long long)le64_to_cpu(root->ref.seq), root->height);
	return 0;
}

/* a block seen before isn't printed again: shared blocks, or a loop */
static bool seen_before(struct printer *p, __u64 blkno, int ind)
{
	if (!scoutfs_meta_bitmap_test_set(&p->seen, blkno))
		return false;
	indent(p->f, ind);
	fprintf(p->f, "block %llu: referenced again, printed above\n",
		(unsigned long long)blkno);
	p->problems++;
	return true;
}

static int print_btree_block(void *arg, const struct scoutfs_meta_btree_block *blk)
{
	struct printer *p = arg;
	int ind = 2 + 2 * blk->depth;
	const struct scoutfs_btree_block *bt = blk->bt;

	if (!bt)
		return 0;
	if (seen_before(p, blk->blkno, ind))
		return SCOUTFS_META_WALK_SKIP;

	indent(p->f, ind);
	fprintf(p->f, "block %llu level %u: nr_items %u mid_free_len %u total_free_len %u\n",
		(unsigned long long)blk->blkno, bt->level, le16_to_cpu(bt->nr_items),
		le16_to_cpu(bt->mid_free_len), le16_to_cpu(bt->total_free_len));
	indent(p->f, ind + 2);
	scoutfs_print_block_header(p->f, "", &bt->hdr);
	return 0;
}

static int print_btree_item(void *arg, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_block_ref *ref = item->val;
	struct printer *p = arg;
	int ind = 4 + 2 * item->blk->depth;
	char key[SCOUTFS_KEY_FORMAT_LEN];
	char val_indent[48];

	scoutfs_key_format(key, sizeof(key), item->key);
	indent(p->f, ind);
	if (item->blk->level > 0) {
		fprintf(p->f, "%s -> child %llu.%llu\n", key,
			(unsigned long long)le64_to_cpu(ref->blkno),
			(unsigned long long)le64_to_cpu(ref->seq));
		return 0;
	}

	fprintf(p->f, "%s seq %llu flags 0x%x%s val_len %u\n", key,
		(unsigned long long)item->seq, item->flags,
		item->flags & SCOUTFS_ITEM_FLAG_DELETION ? " (deletion)" : "",
		item->val_len);
	snprintf(val_indent, sizeof(val_indent), "%*s", ind + 2, "");
	scoutfs_print_item_value(p->f, val_indent, item->key, item->val, item->val_len);
	return 0;
}

static int print_list_block(void *arg, const struct scoutfs_meta_list_block *lb)
{
	struct printer *p = arg;

	if (!lb->lb)
		return 0;
	if (seen_before(p, lb->blkno, 2))
		return SCOUTFS_META_WALK_SKIP;

	fprintf(p->f, "  list block %llu: start %u nr %u next %llu.%llu\n",
		(unsigned long long)lb->blkno, le32_to_cpu(lb->lb->start),
		le32_to_cpu(lb->lb->nr),
		(unsigned long long)le64_to_cpu(lb->lb->next.blkno),
		(unsigned long long)le64_to_cpu(lb->lb->next.seq));
	fputs("    ", p->f);
	scoutfs_print_block_header(p->f, "", &lb->lb->hdr);
	scoutfs_print_blknos(p->f, "    ", lb->lb->blknos + lb->start, lb->nr);
	return 0;
}

static void print_problem(void *arg, const struct scoutfs_meta_problem *prob)
{
	struct printer *p = arg;
	char buf[512];

	scoutfs_meta_problem_str(buf, sizeof(buf), prob);
	fprintf(p->f, "  PROBLEM: %s: %s\n", prob->st->name, buf);
	p->problems++;
}

static void print_supers(struct printer *p, const char *meta_path,
			 const char *data_path)
{
	struct scoutfs_meta *m = p->m;

	fprintf(p->f, "metadata device superblock (%s, small block %llu): %s\n",
		meta_path, (unsigned long long)SCOUTFS_SUPER_BLKNO,
		m->super_result ? scoutfs_meta_result_str(m->super_result) : "ok");
	if (m->super_result)
		p->problems++;
	if (m->super_result != SCOUTFS_META_ERR_EOF)
		scoutfs_print_super(p->f, "  ", &m->super.super);

	if (!data_path)
		return;
	fprintf(p->f, "\ndata device superblock (%s, small block %llu): %s\n",
		data_path, (unsigned long long)SCOUTFS_SUPER_BLKNO,
		m->dsuper_result ? scoutfs_meta_result_str(m->dsuper_result) : "ok");
	if (m->dsuper_result)
		p->problems++;
	if (m->dsuper_result != SCOUTFS_META_ERR_EOF)
		scoutfs_print_super(p->f, "  ", &m->dsuper.super);

	if (m->super_result == 0 && m->dsuper_result == 0 &&
	    scoutfs_meta_check_pair(m) != SCOUTFS_META_PAIR_OK) {
		fprintf(p->f, "  PROBLEM: %s\n", scoutfs_meta_pair_str(scoutfs_meta_check_pair(m)));
		p->problems++;
	}
}

/* the quorum blocks of the slots in use, and of any other slot that was written */
static int print_quorum_blocks(struct printer *p)
{
	const struct scoutfs_quorum_config *qc = &p->m->super.super.quorum;
	union scoutfs_meta_small_block blk;
	unsigned int i;
	bool in_use;
	int result;
	int ret;

	fprintf(p->f, "\nquorum blocks:\n");
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		ret = scoutfs_meta_read_quorum(p->m, i, &blk, &result);
		if (ret < 0)
			return ret;
		in_use = le64_to_cpu(qc->slots[i].flags) & SCOUTFS_QUORUM_SLOT_IN_USE;
		if (!in_use && result == SCOUTFS_META_QUORUM_NEVER_WRITTEN)
			continue;

		fprintf(p->f, "  slot %u (small block %llu)%s: %s\n", i,
			(unsigned long long)SCOUTFS_QUORUM_SLOT_BLKNO(i),
			in_use ? "" : " not in use",
			result == SCOUTFS_META_QUORUM_NEVER_WRITTEN ? "never written" :
			result ? scoutfs_meta_result_str(result) : "ok");
		if (result == SCOUTFS_META_QUORUM_NEVER_WRITTEN ||
		    result == SCOUTFS_META_ERR_EOF)
			continue;
		if (result != SCOUTFS_BLOCK_OK)
			p->problems++;
		scoutfs_print_quorum_block(p->f, "    ", &blk.quorum);
	}
	return 0;
}

static int print_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scoutfs_meta m;
	struct printer p = { .f = stdout, .m = &m };
	const struct scoutfs_meta_walk_ops ops = {
		.begin = print_begin,
		.btree_block = print_btree_block,
		.btree_item = print_btree_item,
		.list_block = print_list_block,
		.problem = print_problem,
		.arg = &p,
	};
	const char *meta_path, *data_path = NULL;
	char err[512];
	int ret;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(PRINT_USAGE, stdout);
			return SCOUTFS_EXIT_OK;
		default:
			return scoutfs_getopt_error(argv[0], argv, c);
		}
	}
	if (argc - optind < 1)
		return scoutfs_usage_error(argv[0], "needs META-DEVICE");
	if (argc - optind > 2)
		return scoutfs_usage_error(argv[0], "unexpected argument '%s'",
					   argv[optind + 2]);
	meta_path = argv[optind];
	if (argc - optind == 2)
		data_path = argv[optind + 1];

	ret = scoutfs_meta_open(&m, meta_path, data_path, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return SCOUTFS_EXIT_FAIL;
	}

	print_supers(&p, meta_path, data_path);
	/* a superblock with a damaged crc may still lead somewhere useful */
	if (le32_to_cpu(m.super.super.hdr.magic) != SCOUTFS_BLOCK_MAGIC_SUPER)
		goto out;

	ret = print_quorum_blocks(&p);
	if (ret == 0)
		ret = scoutfs_meta_bitmap_init(&p.seen, m.meta_dev_blocks);
	if (ret == 0)
		ret = scoutfs_meta_walk_all(&m, &ops);
	if (ret < 0) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-ret));
		p.problems++;
	}
out:
	scoutfs_meta_bitmap_free(&p.seen);
	scoutfs_meta_close(&m);
	if (p.problems) {
		fflush(stdout);
		fprintf(stderr, "%s: %lu problem%s found, see PROBLEM lines\n", argv[0],
			p.problems, p.problems == 1 ? "" : "s");
		return SCOUTFS_EXIT_FAIL;
	}
	return SCOUTFS_EXIT_OK;
}

static const struct scoutfs_cmd print_cmd = {
	.name = "print",
	.summary = "print the metadata of a filesystem",
	.usage = PRINT_USAGE,
	.func = print_func,
};

SCOUTFS_CMD_REGISTER(print_cmd);
