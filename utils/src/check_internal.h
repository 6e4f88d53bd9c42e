/*
 * What the parts of the offline check share.  check.c drives the walk
 * of everything reachable from the superblock and hands what it finds
 * to the other check_*.c files:
 *
 *   check_super.c  the superblocks, their agreement and the quorum blocks
 *   check_space.c  accounting of every metadata and data block
 *   check_alloc.c  allocator trees: FREE_BLKNO and FREE_LEN agreement
 *   check_items.c  each item: zone, type, value length and value fields
 *   check_fs.c     the filesystem items together: inodes, index items,
 *                  orphans, xattrs and file extents, newest version of
 *                  each key
 */
#ifndef SCOUTFS_UTILS_CHECK_INTERNAL_H
#define SCOUTFS_UTILS_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "format/format.h"
#include "meta.h"

/* a growable array of fixed size elements */
struct check_vec {
	void *data;
	size_t nr;
	size_t alloc;
	size_t size;
};

void check_vec_init(struct check_vec *v, size_t size);
void check_vec_free(struct check_vec *v);
/* a zeroed new element at the end, or NULL when out of memory */
void *check_vec_push(struct check_vec *v);
static inline void *check_vec_at(const struct check_vec *v, size_t i)
{
	return (char *)v->data + i * v->size;
}
void check_vec_sort(struct check_vec *v, int (*cmp)(const void *, const void *));

/* an extent of data blocks that something uses or holds free */
struct check_data_ext {
	__u64 start;
	__u64 len;
	__u64 ino;		/* file extents: the inode, else 0 */
	__u64 logical;		/* file extents: the first logical block */
	__u32 owner;		/* index into check.owners for free extents */
	bool file;
};

/* the extents collected from one allocator tree */
struct check_alloc_ext {
	__u64 last;
	__u64 len;
};

struct check {
	const struct scoutfs_check_opts *opts;
	struct scoutfs_check_result *res;
	struct scoutfs_meta m;
	const struct scoutfs_super_block *super;
	__u64 next_seq;
	__u64 next_ino;

	/* metadata blocks in [META_FIRST, meta_end) are accounted */
	__u64 meta_end;
	struct scoutfs_meta_bitmap meta_used;
	/* data blocks in [DATA_FIRST, data_end) */
	__u64 data_end;
	struct check_vec data_exts;	/* struct check_data_ext */
	struct check_vec owners;	/* char *: names of data extent owners */

	/* the structure being walked, and whether some of it couldn't be read */
	const struct scoutfs_meta_struct *st;
	/* walks nest (a log tree's structures inside the logs tree): the outer ones */
	const struct scoutfs_meta_struct *outer_st[4];
	bool outer_incomplete[4];
	int depth;
	bool st_incomplete;

	/* the allocator tree being walked */
	struct check_vec alloc_blkno;	/* struct check_alloc_ext, FREE_BLKNO */
	struct check_vec alloc_len;	/* FREE_LEN */

	/* filesystem items from the fs tree and every log tree */
	bool fs_incomplete;		/* some of them couldn't be read */
	struct check_vec inodes;
	struct check_vec indexes;
	struct check_vec orphans;
	struct check_vec xattr_parts;	/* every XATTR item */
	struct check_vec xattr_heads;	/* part 0 of each, with its name */
	struct check_vec extents;
	struct check_vec entries;	/* DIRENT, READDIR and LINK_BACKREF items */

	int err;			/* -ENOMEM and the like: stop */
};

/* report "where: what" as a problem */
void check_problem(struct check *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* a device couldn't be read: reported, and the exit status says so */
void check_operational(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the structure's name, for problems found while walking it */
const char *check_where(struct check *c);
/* "A-B" or "A" for [start, start + len) into buf of 48 */
const char *check_range_str(char *buf, __u64 start, __u64 len);
/* report a seq that the superblock's next_seq should be above */
void check_seq(struct check *c, const char *where, const char *what, __u64 seq);

/* check_super.c: returns false when the check can't go on */
bool check_supers(struct check *c);
void check_quorum(struct check *c);

/* check_space.c */
int check_space_init(struct check *c);
void check_space_free(struct check *c);
/* a referenced block: returns true when it was used already */
bool check_meta_use_block(struct check *c, const char *where, const char *what,
			  __u64 blkno);
/* blocks that are free or listed, in units of metadata blocks */
void check_meta_use_range(struct check *c, const char *where, const char *what,
			  __u64 start, __u64 len);
void check_meta_leaks(struct check *c);
/* an owner's name for data extents, or -1 when out of memory */
int check_data_owner(struct check *c, const char *name);
void check_data_use(struct check *c, const struct check_data_ext *ext);
void check_data_sweep(struct check *c);

/* check_alloc.c */
void check_alloc_begin(struct check *c);
void check_alloc_item(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_alloc_end(struct check *c);

/* check_items.c */
void check_item(struct check *c, const struct scoutfs_meta_btree_item *item);

/* check_fs.c */
void check_fs_add_inode(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_fs_add_index(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_fs_add_orphan(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_fs_add_extent(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_fs_add_xattr(struct check *c, const struct scoutfs_meta_btree_item *item);
void check_fs(struct check *c);
void check_fs_free(struct check *c);
/* DIRENT, READDIR and LINK_BACKREF items */
void check_fs_add_entry(struct check *c, const struct scoutfs_meta_btree_item *item);

#endif
