/*
 * The filesystem's items looked at together: inodes and their index
 * items, orphans, xattrs, and the file extents, which are also the
 * data space that files use.
 *
 * A key's items may be in the fs tree and in any log tree that isn't
 * merged yet; what a reader sees is the newest version (the greatest
 * item seq), or nothing when that is a deletion (docs/format.md,
 * section 10).  So the items of the types checked here are collected
 * from every tree with their versions, and each key is resolved to its
 * newest version before they are compared.  The records are small
 * copies of the fields that the checks need; memory grows with the
 * number of inodes and extents, like other offline checkers.
 *
 * Directory entries are checked against each other and against the
 * inodes: each entry's three items agree, every entry names an inode
 * that exists, and the link counts, directory sizes and orphan items of
 * the inodes follow from the entries that name them and that they hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_internal.h"
#include "format/key.h"

#define U(x) ((unsigned long long)(x))

/* every record starts with its version */
struct rec {
	__u64 seq;
	bool del;
};

struct inode_rec {
	struct rec r;
	__u64 ino;
	__u64 meta_seq;
	__u64 data_seq;
	__u64 online;
	__u64 offline;
	__u64 next_xattr_id;
	__u32 mode;
	__u32 nlink;
	__u64 size;
	__u64 next_readdir_pos;
	/* added up from the directory entries */
	__u64 links;		/* entries that name the inode */
	__u64 subdirs;		/* its entries that name directories */
	__u64 names_len;	/* the total length of its entries' names */
};

struct index_rec {
	struct rec r;
	__u8 type;
	__u64 iseq;
	__u64 ino;
};

struct orphan_rec {
	struct rec r;
	__u64 ino;
};

/* every XATTR item */
struct xpart_rec {
	struct rec r;
	__u64 ino;
	__u64 hash;
	__u64 id;
	__u8 part;
	unsigned int len;
};

/* part 0 of an xattr again, with its header and name */
struct xhead_rec {
	struct rec r;
	__u64 ino;
	__u64 hash;
	__u64 id;
	bool bad;		/* impossible header, reported with the item */
	__u8 name_len;
	__u32 val_len;
	char name[SCOUTFS_XATTR_MAX_NAME_LEN];
};

struct extent_rec {
	struct rec r;
	__u64 ino;
	__u64 last;
	__u64 len;
	__u64 blkno;
	__u8 flags;
};

/*
 * A DIRENT, READDIR or LINK_BACKREF item.  All three of an entry have
 * the directory and the readdir pos in their keys; other is what else
 * the key holds: the name's hash in a DIRENT's, the target inode in a
 * LINK_BACKREF's, 0 in a READDIR's.  The name itself isn't kept: each
 * item's hash was checked against its name, so equal hashes and lengths
 * stand for equal names.
 */
struct entry_rec {
	struct rec r;
	__u64 dir;
	__u64 pos;
	__u64 other;
	__u8 kind;		/* the item type */
	/* the value */
	__u8 type;
	__u8 name_len;
	__u64 ino;
	__u64 hash;
};

static void *add_rec(struct check *c, struct check_vec *v, size_t size,
		     const struct scoutfs_meta_btree_item *item)
{
	struct rec *r;

	if (v->size == 0)
		check_vec_init(v, size);
	r = check_vec_push(v);
	if (!r) {
		c->err = -ENOMEM;
		return NULL;
	}
	r->seq = item->seq;
	r->del = item->flags & SCOUTFS_ITEM_FLAG_DELETION;
	return r;
}

void check_fs_add_inode(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_inode *ino = item->val;
	struct inode_rec *r;

	r = add_rec(c, &c->inodes, sizeof(*r), item);
	if (!r)
		return;
	r->ino = le64_to_cpu(item->key->sk_first);
	if (r->r.del)
		return;
	r->meta_seq = le64_to_cpu(ino->meta_seq);
	r->data_seq = le64_to_cpu(ino->data_seq);
	r->online = le64_to_cpu(ino->online_blocks);
	r->offline = le64_to_cpu(ino->offline_blocks);
	r->size = le64_to_cpu(ino->size);
	r->next_readdir_pos = le64_to_cpu(ino->next_readdir_pos);
	r->mode = le32_to_cpu(ino->mode);
	r->nlink = le32_to_cpu(ino->nlink);
	r->next_xattr_id = le64_to_cpu(ino->next_xattr_id);
}

void check_fs_add_xattr(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_xattr *xa = item->val;
	const struct scoutfs_key *k = item->key;
	struct xpart_rec *p;
	struct xhead_rec *h;

	p = add_rec(c, &c->xattr_parts, sizeof(*p), item);
	if (!p)
		return;
	p->ino = le64_to_cpu(k->sk_first);
	p->hash = le64_to_cpu(k->sk_second);
	p->id = le64_to_cpu(k->sk_third);
	p->part = k->sk_fourth;
	p->len = item->val_len;
	if (k->sk_fourth != 0)
		return;

	h = add_rec(c, &c->xattr_heads, sizeof(*h), item);
	if (!h)
		return;
	h->ino = p->ino;
	h->hash = p->hash;
	h->id = p->id;
	if (h->r.del)
		return;
	h->bad = item->val_len < sizeof(*xa) || xa->name_len == 0 ||
		 item->val_len < sizeof(*xa) + xa->name_len ||
		 le32_to_cpu(xa->val_len) > SCOUTFS_XATTR_MAX_VAL_LEN;
	if (h->bad)
		return;
	h->name_len = xa->name_len;
	h->val_len = le32_to_cpu(xa->val_len);
	memcpy(h->name, xa->name, xa->name_len);
}

void check_fs_add_index(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	struct index_rec *r;

	r = add_rec(c, &c->indexes, sizeof(*r), item);
	if (!r)
		return;
	r->type = item->key->sk_type;
	r->iseq = le64_to_cpu(item->key->sk_second);
	r->ino = le64_to_cpu(item->key->sk_third);
}

void check_fs_add_orphan(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	struct orphan_rec *r;

	r = add_rec(c, &c->orphans, sizeof(*r), item);
	if (r)
		r->ino = le64_to_cpu(item->key->sk_first);
}

void check_fs_add_extent(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_data_extent *ext = item->val;
	struct extent_rec *r;
	__u64 last = le64_to_cpu(item->key->sk_second);

	/* impossible lengths were reported with the item */
	if (ext && (ext->len == 0 || le64_to_cpu(ext->len) - 1 > last))
		return;
	r = add_rec(c, &c->extents, sizeof(*r), item);
	if (!r)
		return;
	r->ino = le64_to_cpu(item->key->sk_first);
	r->last = last;
	if (r->r.del)
		return;
	r->len = le64_to_cpu(ext->len);
	r->blkno = le64_to_cpu(ext->blkno);
	r->flags = ext->flags;
}

void check_fs_add_entry(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_dirent *d = item->val;
	const struct scoutfs_key *k = item->key;
	struct entry_rec *r;

	r = add_rec(c, &c->entries, sizeof(*r), item);
	if (!r)
		return;
	r->kind = k->sk_type;
	switch (k->sk_type) {
	case SCOUTFS_DIRENT_TYPE:
		r->dir = le64_to_cpu(k->sk_first);
		r->other = le64_to_cpu(k->sk_second);
		r->pos = le64_to_cpu(k->sk_third);
		break;
	case SCOUTFS_READDIR_TYPE:
		r->dir = le64_to_cpu(k->sk_first);
		r->pos = le64_to_cpu(k->sk_second);
		break;
	default:
		r->other = le64_to_cpu(k->sk_first);
		r->dir = le64_to_cpu(k->sk_second);
		r->pos = le64_to_cpu(k->sk_third);
		break;
	}
	if (r->r.del)
		return;
	r->ino = le64_to_cpu(d->ino);
	r->hash = le64_to_cpu(d->hash);
	r->type = d->type;
	r->name_len = (__u8)(item->val_len - sizeof(*d));
}

void check_fs_free(struct check *c)
{
	check_vec_free(&c->inodes);
	check_vec_free(&c->indexes);
	check_vec_free(&c->orphans);
	check_vec_free(&c->xattr_parts);
	check_vec_free(&c->xattr_heads);
	check_vec_free(&c->extents);
	check_vec_free(&c->entries);
}

/* ---------------------------------------------------------- resolving */

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_inode_key(const void *A, const void *B)
{
	return cmp_u64(((const struct inode_rec *)A)->ino, ((const struct inode_rec *)B)->ino);
}

static int cmp_index_key(const void *A, const void *B)
{
	const struct index_rec *a = A, *b = B;

	if (a->type != b->type)
		return cmp_u64(a->type, b->type);
	if (a->iseq != b->iseq)
		return cmp_u64(a->iseq, b->iseq);
	return cmp_u64(a->ino, b->ino);
}

static int cmp_orphan_key(const void *A, const void *B)
{
	return cmp_u64(((const struct orphan_rec *)A)->ino, ((const struct orphan_rec *)B)->ino);
}

/* xpart_rec and xhead_rec start alike: the key is (ino, hash, id[, part]) */
static int cmp_xattr_id(__u64 ino_a, __u64 hash_a, __u64 id_a,
			__u64 ino_b, __u64 hash_b, __u64 id_b)
{
	if (ino_a != ino_b)
		return cmp_u64(ino_a, ino_b);
	if (hash_a != hash_b)
		return cmp_u64(hash_a, hash_b);
	return cmp_u64(id_a, id_b);
}

static int cmp_xpart_key(const void *A, const void *B)
{
	const struct xpart_rec *a = A, *b = B;
	int cmp = cmp_xattr_id(a->ino, a->hash, a->id, b->ino, b->hash, b->id);

	return cmp ? cmp : cmp_u64(a->part, b->part);
}

static int cmp_xhead_key(const void *A, const void *B)
{
	const struct xhead_rec *a = A, *b = B;

	return cmp_xattr_id(a->ino, a->hash, a->id, b->ino, b->hash, b->id);
}

static int cmp_extent_key(const void *A, const void *B)
{
	const struct extent_rec *a = A, *b = B;

	if (a->ino != b->ino)
		return cmp_u64(a->ino, b->ino);
	return cmp_u64(a->last, b->last);
}

/* the entries of a directory sort together, in pos order, then by kind */
static int cmp_entry_key(const void *A, const void *B)
{
	const struct entry_rec *a = A, *b = B;

	if (a->dir != b->dir)
		return cmp_u64(a->dir, b->dir);
	if (a->pos != b->pos)
		return cmp_u64(a->pos, b->pos);
	if (a->kind != b->kind)
		return cmp_u64(a->kind, b->kind);
	return cmp_u64(a->other, b->other);
}

/* the newest version of a key sorts first */
static int newest_first(const void *A, const void *B)
{
	return cmp_u64(((const struct rec *)B)->seq, ((const struct rec *)A)->seq);
}

static int cmp_inode(const void *a, const void *b)
{
	int cmp = cmp_inode_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_index(const void *a, const void *b)
{
	int cmp = cmp_index_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_orphan(const void *a, const void *b)
{
	int cmp = cmp_orphan_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_xpart(const void *a, const void *b)
{
	int cmp = cmp_xpart_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_xhead(const void *a, const void *b)
{
	int cmp = cmp_xhead_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_extent(const void *a, const void *b)
{
	int cmp = cmp_extent_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

static int cmp_entry(const void *a, const void *b)
{
	int cmp = cmp_entry_key(a, b);

	return cmp ? cmp : newest_first(a, b);
}

/* keep only the newest version of each key, and drop it if it's a deletion */
static void resolve(struct check_vec *v, int (*cmp)(const void *, const void *),
		    int (*cmp_key)(const void *, const void *))
{
	size_t out = 0;
	size_t i;
	void *el;

	check_vec_sort(v, cmp);
	for (i = 0; i < v->nr; i++) {
		el = check_vec_at(v, i);
		if (i > 0 && cmp_key(check_vec_at(v, i - 1), el) == 0)
			continue;
		if (((struct rec *)el)->del)
			continue;
		if (out != i)
			memcpy(check_vec_at(v, out), el, v->size);
		out++;
	}
	v->nr = out;
}

static const struct inode_rec *find_inode(struct check *c, __u64 ino)
{
	struct inode_rec key = { .ino = ino };

	if (c->inodes.nr == 0)
		return NULL;
	return bsearch(&key, c->inodes.data, c->inodes.nr, c->inodes.size, cmp_inode_key);
}

static struct inode_rec *find_inode_mut(struct check *c, __u64 ino)
{
	return (struct inode_rec *)find_inode(c, ino);
}

static bool find_orphan(struct check *c, __u64 ino)
{
	struct orphan_rec key = { .ino = ino };

	return c->orphans.nr &&
	       bsearch(&key, c->orphans.data, c->orphans.nr, c->orphans.size, cmp_orphan_key);
}

static bool find_index(struct check *c, __u8 type, __u64 iseq, __u64 ino)
{
	struct index_rec key = { .type = type, .iseq = iseq, .ino = ino };

	return c->indexes.nr &&
	       bsearch(&key, c->indexes.data, c->indexes.nr, c->indexes.size, cmp_index_key);
}

/* ------------------------------------------------------------- checks */

/* what was missed may be in the blocks that couldn't be read */
static const char *incomplete(struct check *c)
{
	return c->fs_incomplete ? " (among the items that could be read)" : "";
}

static const char *index_name(__u8 type)
{
	return type == SCOUTFS_INODE_INDEX_META_SEQ_TYPE ? "meta_seq" : "data_seq";
}

static void check_indexes(struct check *c)
{
	const struct inode_rec *in;
	const struct index_rec *ix;
	char where[48];
	__u64 want;
	size_t i;

	for (i = 0; i < c->indexes.nr; i++) {
		ix = check_vec_at(&c->indexes, i);
		snprintf(where, sizeof(where), "inode %llu", U(ix->ino));
		in = find_inode(c, ix->ino);
		if (!in) {
			check_problem(c, where, "%s index item (seq %llu) for an inode that doesn't exist%s",
				      index_name(ix->type), U(ix->iseq), incomplete(c));
			continue;
		}
		want = ix->type == SCOUTFS_INODE_INDEX_META_SEQ_TYPE ? in->meta_seq : in->data_seq;
		if (ix->iseq != want)
			check_problem(c, where, "%s index item does not match the inode, expected seq %llu, found %llu",
				      index_name(ix->type), U(want), U(ix->iseq));
	}

	for (i = 0; i < c->inodes.nr; i++) {
		in = check_vec_at(&c->inodes, i);
		snprintf(where, sizeof(where), "inode %llu", U(in->ino));
		if (!find_index(c, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, in->meta_seq, in->ino))
			check_problem(c, where, "no meta_seq index item for the inode's meta_seq %llu%s",
				      U(in->meta_seq), incomplete(c));
		if (!find_index(c, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, in->data_seq, in->ino))
			check_problem(c, where, "no data_seq index item for the inode's data_seq %llu%s",
				      U(in->data_seq), incomplete(c));
	}
}

static void check_orphans(struct check *c)
{
	const struct orphan_rec *o;
	const struct inode_rec *in;
	char where[48];
	size_t i;

	for (i = 0; i < c->orphans.nr; i++) {
		o = check_vec_at(&c->orphans, i);
		snprintf(where, sizeof(where), "inode %llu", U(o->ino));
		in = find_inode(c, o->ino);
		if (!in)
			check_problem(c, where, "orphan item for an inode that doesn't exist%s",
				      incomplete(c));
		else if (in->nlink != 0)
			check_problem(c, where, "orphan item for a linked inode, expected nlink 0, found %u",
				      in->nlink);
	}

	/* nothing would ever delete an unlinked inode without one */
	for (i = 0; i < c->inodes.nr; i++) {
		in = check_vec_at(&c->inodes, i);
		if (in->nlink != 0 || find_orphan(c, in->ino))
			continue;
		snprintf(where, sizeof(where), "inode %llu", U(in->ino));
		check_problem(c, where, "nlink 0 without an orphan item: the inode and its space would never be freed%s",
			      incomplete(c));
	}
}

static void check_block_counts(struct check *c, const struct inode_rec *in,
			       __u64 online, __u64 offline)
{
	char where[48];

	snprintf(where, sizeof(where), "inode %llu", U(in->ino));
	if (in->online != online)
		check_problem(c, where, "online_blocks does not match the extents, expected %llu, found %llu",
			      U(online), U(in->online));
	if (in->offline != offline)
		check_problem(c, where, "offline_blocks does not match the extents, expected %llu, found %llu",
			      U(offline), U(in->offline));
}

/* a name for problems: printable bytes as they are, others as \xNN */
static const char *xattr_name_str(char *buf, size_t size, const struct xhead_rec *h)
{
	size_t out = 0;
	unsigned int i;
	unsigned char ch;

	for (i = 0; i < h->name_len && out + 5 < size; i++) {
		ch = (unsigned char)h->name[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[out++] = (char)ch;
		else
			out += (size_t)snprintf(buf + out, size - out, "\\x%02x", ch);
	}
	buf[out] = '\0';
	return buf;
}

/* the parts of one xattr, parts[0 .. nr): numbered from 0, of the lengths its header gives */
static void check_xattr_parts(struct check *c, const struct xhead_rec *h, const char *where,
			      const char *name, const struct xpart_rec *parts, size_t nr)
{
	unsigned int total = (unsigned int)sizeof(struct scoutfs_xattr) + h->name_len + h->val_len;
	unsigned int want_nr = (total + SCOUTFS_BTREE_MAX_VAL_LEN - 1) / SCOUTFS_BTREE_MAX_VAL_LEN;
	unsigned int part, want;
	size_t i = 0;

	for (part = 0; part < want_nr; part++) {
		want = total - part * SCOUTFS_BTREE_MAX_VAL_LEN;
		if (want > SCOUTFS_BTREE_MAX_VAL_LEN)
			want = SCOUTFS_BTREE_MAX_VAL_LEN;
		if (i < nr && parts[i].part == part) {
			if (parts[i].len != want)
				check_problem(c, where, "xattr %s part %u has length %u, expected %u",
					      name, part, parts[i].len, want);
			i++;
		} else {
			check_problem(c, where, "xattr %s (value of %u bytes) is missing part %u%s",
				      name, h->val_len, part, incomplete(c));
		}
	}
	for (; i < nr; i++)
		check_problem(c, where, "xattr %s has part %u beyond its last part %u",
			      name, parts[i].part, want_nr - 1);
}

/*
 * Each xattr: its inode exists and gave out its id, its name hashes to
 * the key's hash, its parts are complete, and no other xattr of the
 * inode has the same name.  Heads and parts are both sorted by
 * (ino, hash, id): walk them together.
 */
static void check_xattrs(struct check *c)
{
	const struct xpart_rec *parts = c->xattr_parts.data;
	const struct xhead_rec *h, *o;
	const struct inode_rec *in;
	char name[4 * SCOUTFS_XATTR_MAX_NAME_LEN + 1];
	char where[48];
	size_t i, j = 0, start, k;
	__u64 hash;

	for (i = 0; i < c->xattr_heads.nr; i++) {
		h = check_vec_at(&c->xattr_heads, i);
		snprintf(where, sizeof(where), "inode %llu", U(h->ino));

		/* parts of ids without a part 0 */
		for (; j < c->xattr_parts.nr &&
		       cmp_xattr_id(parts[j].ino, parts[j].hash, parts[j].id,
				    h->ino, h->hash, h->id) < 0; j++) {
			snprintf(where, sizeof(where), "inode %llu", U(parts[j].ino));
			check_problem(c, where, "xattr part %u (hash %016llx id %llu) without part 0%s",
				      parts[j].part, U(parts[j].hash), U(parts[j].id), incomplete(c));
		}
		snprintf(where, sizeof(where), "inode %llu", U(h->ino));
		start = j;
		while (j < c->xattr_parts.nr &&
		       cmp_xattr_id(parts[j].ino, parts[j].hash, parts[j].id,
				    h->ino, h->hash, h->id) == 0)
			j++;

		if (h->bad)
			snprintf(name, sizeof(name), "(hash %016llx id %llu)", U(h->hash), U(h->id));
		else
			xattr_name_str(name, sizeof(name), h);
		in = find_inode(c, h->ino);
		if (!in) {
			check_problem(c, where, "xattr %s for an inode that doesn't exist%s",
				      name, incomplete(c));
			continue;
		}
		if (h->bad)
			continue;
		if (h->id >= in->next_xattr_id)
			check_problem(c, where, "xattr %s has id %llu, expected below the inode's next_xattr_id %llu",
				      name, U(h->id), U(in->next_xattr_id));
		hash = scoutfs_name_hash(h->name, h->name_len);
		if (hash != h->hash)
			check_problem(c, where, "xattr %s is keyed by hash %016llx, its name hashes to %016llx",
				      name, U(h->hash), U(hash));
		check_xattr_parts(c, h, where, name, parts + start, j - start);

		/* the same name twice: only among the ids with this hash */
		for (k = i + 1; k < c->xattr_heads.nr; k++) {
			o = check_vec_at(&c->xattr_heads, k);
			if (o->ino != h->ino || o->hash != h->hash)
				break;
			if (!o->bad && o->name_len == h->name_len &&
			    memcmp(o->name, h->name, h->name_len) == 0)
				check_problem(c, where, "xattr %s is stored twice, with ids %llu and %llu",
					      name, U(h->id), U(o->id));
		}
	}
	for (; j < c->xattr_parts.nr; j++) {
		snprintf(where, sizeof(where), "inode %llu", U(parts[j].ino));
		check_problem(c, where, "xattr part %u (hash %016llx id %llu) without part 0%s",
			      parts[j].part, U(parts[j].hash), U(parts[j].id), incomplete(c));
	}
}

/*
 * Extents and inodes are both sorted by inode number: walk them
 * together to add up each file's blocks, find overlapping extents of a
 * file, and account the data blocks that files use.
 */
static void check_extents(struct check *c)
{
	const struct extent_rec *e, *prev = NULL;
	const struct inode_rec *in;
	struct check_data_ext de;
	__u64 online, offline;
	char where[48];
	char a[48], b[48];
	size_t i = 0, j = 0;

	while (i < c->inodes.nr || j < c->extents.nr) {
		in = i < c->inodes.nr ? check_vec_at(&c->inodes, i) : NULL;
		e = j < c->extents.nr ? check_vec_at(&c->extents, j) : NULL;

		if (e && (!in || e->ino < in->ino)) {
			snprintf(where, sizeof(where), "inode %llu", U(e->ino));
			check_problem(c, where, "data extent at logical %s for an inode that doesn't exist%s",
				      check_range_str(a, e->last - e->len + 1, e->len), incomplete(c));
			j++;
			continue;
		}

		online = 0;
		offline = 0;
		prev = NULL;
		snprintf(where, sizeof(where), "inode %llu", U(in->ino));
		if (e && e->ino == in->ino && !S_ISREG(in->mode))
			check_problem(c, where, "data extents in an inode that is not a regular file, found mode 0%o",
				      in->mode);
		for (; j < c->extents.nr; j++) {
			e = check_vec_at(&c->extents, j);
			if (e->ino != in->ino)
				break;
			if (prev && e->last - e->len + 1 <= prev->last)
				check_problem(c, where, "data extents at logical %s and %s overlap",
					      check_range_str(a, prev->last - prev->len + 1, prev->len),
					      check_range_str(b, e->last - e->len + 1, e->len));
			prev = e;
			if (e->flags & SCOUTFS_EXTENT_FLAG_OFFLINE) {
				offline += e->len;
				continue;
			}
			online += e->len;
			if (!e->blkno)
				continue;
			de = (struct check_data_ext) {
				.start = e->blkno, .len = e->len, .ino = e->ino,
				.logical = e->last - e->len + 1, .file = true,
			};
			check_data_use(c, &de);
		}
		check_block_counts(c, in, online, offline);
		i++;
	}
}

/* ------------------------------------------------ directory entries */

static const char *kind_name(__u8 kind)
{
	switch (kind) {
	case SCOUTFS_DIRENT_TYPE:
		return "DIRENT";
	case SCOUTFS_READDIR_TYPE:
		return "READDIR";
	default:
		return "LINK_BACKREF";
	}
}

/* the dirent type of a mode, as the kernel stores it */
static __u8 mode_dt(__u32 mode)
{
	return (__u8)((mode & S_IFMT) >> 12);
}

/* the items of one entry: [DIRENT, READDIR, LINK_BACKREF] or NULL */
static void check_entry_items(struct check *c, const char *where,
			      const struct entry_rec *const items[3])
{
	const struct entry_rec *ref = NULL;
	const struct entry_rec *e;
	int i;

	for (i = 0; i < 3; i++) {
		e = items[i];
		if (!e)
			continue;
		if (!ref) {
			ref = e;
			continue;
		}
		if (e->ino != ref->ino || e->hash != ref->hash || e->type != ref->type ||
		    e->name_len != ref->name_len)
			check_problem(c, where, "entry at pos %llu: the %s item differs from the %s item, expected ino %llu hash 0x%016llx type %u name length %u, found ino %llu hash 0x%016llx type %u name length %u",
				      U(e->pos), kind_name(e->kind), kind_name(ref->kind),
				      U(ref->ino), U(ref->hash), ref->type, ref->name_len,
				      U(e->ino), U(e->hash), e->type, e->name_len);
	}
	for (i = 0; i < 3; i++) {
		if (!items[i])
			check_problem(c, where, "entry at pos %llu for inode %llu has no %s item%s",
				      U(ref->pos), U(ref->ino),
				      kind_name(i == 0 ? SCOUTFS_DIRENT_TYPE :
						i == 1 ? SCOUTFS_READDIR_TYPE :
						SCOUTFS_LINK_BACKREF_TYPE),
				      incomplete(c));
	}
}

/*
 * One entry, from its items' values (the DIRENT's first): its
 * directory exists, is a directory and gave out its pos, and it names
 * an inode that exists, with its type.  The entry is counted for the
 * link count checks.
 */
static void check_entry(struct check *c, const char *where, const struct entry_rec *e)
{
	struct inode_rec *dir = find_inode_mut(c, e->dir);
	struct inode_rec *in = find_inode_mut(c, e->ino);

	if (!dir) {
		check_problem(c, where, "entry at pos %llu for inode %llu in a directory that doesn't exist%s",
			      U(e->pos), U(e->ino), incomplete(c));
	} else if (!S_ISDIR(dir->mode)) {
		check_problem(c, where, "entry at pos %llu for inode %llu in an inode that is not a directory, found mode 0%o",
			      U(e->pos), U(e->ino), dir->mode);
	} else {
		if (e->pos >= dir->next_readdir_pos)
			check_problem(c, where, "entry at pos %llu not below the directory's next_readdir_pos %llu",
				      U(e->pos), U(dir->next_readdir_pos));
		dir->names_len += e->name_len;
	}

	if (!in) {
		check_problem(c, where, "entry at pos %llu names inode %llu, which doesn't exist%s",
			      U(e->pos), U(e->ino), incomplete(c));
		return;
	}
	if (e->type != mode_dt(in->mode))
		check_problem(c, where, "entry at pos %llu has type %u, but inode %llu has mode 0%o, expected type %u",
			      U(e->pos), e->type, U(e->ino), in->mode, mode_dt(in->mode));
	in->links++;
	if (dir && S_ISDIR(dir->mode) && S_ISDIR(in->mode))
		dir->subdirs++;
}

/*
 * Entries sort by directory and pos, and each entry's three items
 * together: DIRENT, READDIR, LINK_BACKREF.  The key of each says the
 * entry's directory and pos, so an item that is missing or twice at a
 * pos shows in the group of that pos.
 */
static void check_entries(struct check *c)
{
	const struct entry_rec *items[3];
	const struct entry_rec *e, *ref;
	char where[48];
	size_t i = 0, j;
	int k;

	while (i < c->entries.nr) {
		e = check_vec_at(&c->entries, i);
		snprintf(where, sizeof(where), "directory %llu", U(e->dir));
		items[0] = items[1] = items[2] = NULL;
		for (j = i; j < c->entries.nr; j++) {
			const struct entry_rec *o = check_vec_at(&c->entries, j);

			if (o->dir != e->dir || o->pos != e->pos)
				break;
			k = o->kind == SCOUTFS_DIRENT_TYPE ? 0 :
			    o->kind == SCOUTFS_READDIR_TYPE ? 1 : 2;
			if (items[k])
				check_problem(c, where, "entry at pos %llu has two %s items, for inodes %llu and %llu",
					      U(o->pos), kind_name(o->kind), U(items[k]->ino),
					      U(o->ino));
			else
				items[k] = o;
		}
		i = j;

		check_entry_items(c, where, items);
		ref = items[0] ? items[0] : items[1] ? items[1] : items[2];
		check_entry(c, where, ref);
	}
}

/*
 * What each inode's entries add up to (check_entries() counted them):
 * a linked inode other than a directory is named by nlink entries; a
 * directory by one entry (the root by none) and its nlink is 2 plus its
 * subdirectories; an unlinked inode is named by none, and an unlinked
 * directory holds none.  A directory's size is the total length of its
 * entries' names, which is how the kernel tells that it is empty.
 */
static void check_links(struct check *c)
{
	const struct inode_rec *in;
	char where[48];
	__u64 want;
	size_t i;

	for (i = 0; i < c->inodes.nr; i++) {
		in = check_vec_at(&c->inodes, i);
		snprintf(where, sizeof(where), "inode %llu", U(in->ino));

		if (in->nlink == 0) {
			if (in->links)
				check_problem(c, where, "nlink 0, but directory entries name the inode, expected 0, found %llu",
					      U(in->links));
			if (S_ISDIR(in->mode) && in->names_len)
				check_problem(c, where, "unlinked directory (nlink 0) still holds entries");
		} else if (S_ISDIR(in->mode)) {
			want = in->ino == SCOUTFS_ROOT_INO ? 0 : 1;
			if (in->links != want)
				check_problem(c, where, "directory named by %llu entries, expected %llu%s",
					      U(in->links), U(want), incomplete(c));
			if (in->nlink != 2 + in->subdirs)
				check_problem(c, where, "directory nlink is not 2 plus its subdirectories, expected %llu, found %u%s",
					      U(2 + in->subdirs), in->nlink, incomplete(c));
		} else if (in->nlink != in->links) {
			check_problem(c, where, "nlink is not the number of directory entries that name the inode, expected %llu, found %u%s",
				      U(in->links), in->nlink, incomplete(c));
		}

		if (S_ISDIR(in->mode) && in->size != in->names_len)
			check_problem(c, where, "directory size is not the total length of its entries' names, expected %llu, found %llu%s",
				      U(in->names_len), U(in->size), incomplete(c));
	}
}

void check_fs(struct check *c)
{
	const struct inode_rec *root;

	resolve(&c->inodes, cmp_inode, cmp_inode_key);
	resolve(&c->indexes, cmp_index, cmp_index_key);
	resolve(&c->orphans, cmp_orphan, cmp_orphan_key);
	resolve(&c->xattr_parts, cmp_xpart, cmp_xpart_key);
	resolve(&c->xattr_heads, cmp_xhead, cmp_xhead_key);
	resolve(&c->extents, cmp_extent, cmp_extent_key);
	resolve(&c->entries, cmp_entry, cmp_entry_key);

	root = find_inode(c, SCOUTFS_ROOT_INO);
	if (!root)
		check_problem(c, "inode 1", "the root directory does not exist%s", incomplete(c));
	else if (!S_ISDIR(root->mode))
		check_problem(c, "inode 1", "the root inode is not a directory, found mode 0%o",
			      root->mode);

	check_indexes(c);
	check_orphans(c);
	check_xattrs(c);
	check_extents(c);
	check_entries(c);
	check_links(c);
}
