/*
 * Checks of each leaf item on its own: its zone belongs in the tree
 * that holds it, its type in its zone, the key fields the type doesn't
 * use are zero, the value's length fits the type, and the fields of the
 * values that have structure hold valid values.  Filesystem items are
 * also handed to check_fs.c and free extents to check_alloc.c, which
 * look at items together.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check_internal.h"
#include "format/key.h"

#define U(x) ((unsigned long long)(x))

/* key fields a type leaves zero */
#define Z_FIRST		0x1
#define Z_SECOND	0x2
#define Z_THIRD		0x4
#define Z_FOURTH	0x8

struct type_info {
	__u8 type;
	__u8 zone;
	__u8 zero;		/* Z_ fields */
	unsigned int min_len;
	unsigned int max_len;
};

static const struct type_info types[] = {
	{ SCOUTFS_INODE_INDEX_META_SEQ_TYPE, SCOUTFS_INODE_INDEX_ZONE, Z_FIRST | Z_FOURTH, 0, 0 },
	{ SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, SCOUTFS_INODE_INDEX_ZONE, Z_FIRST | Z_FOURTH, 0, 0 },
	{ SCOUTFS_XATTR_TOTL_TYPE, SCOUTFS_XATTR_TOTL_ZONE, Z_FOURTH,
	  sizeof(struct scoutfs_xattr_totl_val), sizeof(struct scoutfs_xattr_totl_val) },
	{ SCOUTFS_ORPHAN_TYPE, SCOUTFS_ORPHAN_ZONE, Z_SECOND | Z_THIRD | Z_FOURTH, 0, 0 },
	{ SCOUTFS_INODE_TYPE, SCOUTFS_FS_ZONE, Z_SECOND | Z_THIRD | Z_FOURTH,
	  sizeof(struct scoutfs_inode), sizeof(struct scoutfs_inode) },
	{ SCOUTFS_XATTR_TYPE, SCOUTFS_FS_ZONE, 0, 1, SCOUTFS_BTREE_MAX_VAL_LEN },
	{ SCOUTFS_SYMLINK_TYPE, SCOUTFS_FS_ZONE, Z_SECOND | Z_THIRD, 1,
	  SCOUTFS_SYMLINK_MAX_SIZE - 1 },
	{ SCOUTFS_DIRENT_TYPE, SCOUTFS_FS_ZONE, Z_FOURTH, sizeof(struct scoutfs_dirent) + 1,
	  sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN },
	{ SCOUTFS_READDIR_TYPE, SCOUTFS_FS_ZONE, Z_THIRD | Z_FOURTH,
	  sizeof(struct scoutfs_dirent) + 1, sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN },
	{ SCOUTFS_LINK_BACKREF_TYPE, SCOUTFS_FS_ZONE, Z_FOURTH,
	  sizeof(struct scoutfs_dirent) + 1, sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN },
	{ SCOUTFS_DATA_EXTENT_TYPE, SCOUTFS_FS_ZONE, Z_THIRD | Z_FOURTH,
	  sizeof(struct scoutfs_data_extent), sizeof(struct scoutfs_data_extent) },
	{ SCOUTFS_SRCH_TYPE, SCOUTFS_SRCH_ZONE, Z_FOURTH, 0, 0 },
	{ SCOUTFS_LOG_TREES_TYPE, SCOUTFS_LOG_TREES_ZONE, Z_THIRD | Z_FOURTH,
	  sizeof(struct scoutfs_log_trees), sizeof(struct scoutfs_log_trees) },
	{ SCOUTFS_MOUNTED_CLIENT_TYPE, SCOUTFS_MOUNTED_CLIENT_ZONE,
	  Z_SECOND | Z_THIRD | Z_FOURTH,
	  sizeof(struct scoutfs_mounted_client), sizeof(struct scoutfs_mounted_client) },
	{ SCOUTFS_FREE_BLKNO_TYPE, SCOUTFS_FREE_EXTENT_ZONE, Z_FIRST | Z_FOURTH, 0, 0 },
	{ SCOUTFS_FREE_LEN_TYPE, SCOUTFS_FREE_EXTENT_ZONE, Z_FIRST | Z_FOURTH, 0, 0 },
};

static const struct type_info *find_type(__u8 type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].type == type)
			return &types[i];
	}
	return NULL;
}

/* the zones each kind of tree holds (the zone table of docs/format.md) */
static bool zone_in_tree(enum scoutfs_meta_kind kind, __u8 zone)
{
	switch (kind) {
	case SCOUTFS_META_FS_TREE:
		return zone == SCOUTFS_INODE_INDEX_ZONE || zone == SCOUTFS_XATTR_TOTL_ZONE ||
		       zone == SCOUTFS_ORPHAN_ZONE || zone == SCOUTFS_FS_ZONE;
	case SCOUTFS_META_LOG_ITEM_TREE:
		return zone == SCOUTFS_INODE_INDEX_ZONE || zone == SCOUTFS_XATTR_TOTL_ZONE ||
		       zone == SCOUTFS_ORPHAN_ZONE || zone == SCOUTFS_FS_ZONE ||
		       zone == SCOUTFS_SRCH_ZONE;
	case SCOUTFS_META_SRCH_TREE:
		return zone == SCOUTFS_SRCH_ZONE;
	case SCOUTFS_META_LOGS_TREE:
		return zone == SCOUTFS_LOG_TREES_ZONE;
	case SCOUTFS_META_MOUNTED_TREE:
		return zone == SCOUTFS_MOUNTED_CLIENT_ZONE;
	case SCOUTFS_META_ALLOC_TREE:
		return zone == SCOUTFS_FREE_EXTENT_ZONE;
	case SCOUTFS_META_ALLOC_LIST:
		break;
	}
	return false;
}

/* only trees whose items are merged may hold deletion items */
static bool merged_tree(enum scoutfs_meta_kind kind)
{
	return kind == SCOUTFS_META_FS_TREE || kind == SCOUTFS_META_SRCH_TREE ||
	       kind == SCOUTFS_META_LOG_ITEM_TREE;
}

static void item_problem(struct check *c, const struct scoutfs_meta_btree_item *item,
			 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void item_problem(struct check *c, const struct scoutfs_meta_btree_item *item,
			 const char *fmt, ...)
{
	char key[SCOUTFS_KEY_FORMAT_LEN];
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	scoutfs_key_format(key, sizeof(key), item->key);
	check_problem(c, check_where(c), "block %llu item %s: %s",
		      U(item->blk->blkno), key, what);
}

static void check_key_zero(struct check *c, const struct scoutfs_meta_btree_item *item,
			   __u8 zero)
{
	const struct scoutfs_key *k = item->key;

	if ((zero & Z_FIRST) && k->sk_first)
		item_problem(c, item, "key field first, expected 0, found %llu",
			     U(le64_to_cpu(k->sk_first)));
	if ((zero & Z_SECOND) && k->sk_second)
		item_problem(c, item, "key field second, expected 0, found %llu",
			     U(le64_to_cpu(k->sk_second)));
	if ((zero & Z_THIRD) && k->sk_third)
		item_problem(c, item, "key field third, expected 0, found %llu",
			     U(le64_to_cpu(k->sk_third)));
	if ((zero & Z_FOURTH) && k->sk_fourth)
		item_problem(c, item, "key field fourth, expected 0, found %u", k->sk_fourth);
}

static void check_time(struct check *c, const struct scoutfs_meta_btree_item *item,
		       const char *name, const struct scoutfs_timespec *ts)
{
	if (le32_to_cpu(ts->nsec) >= 1000000000U)
		item_problem(c, item, "%s nanoseconds, expected less than 1000000000, found %u",
			     name, le32_to_cpu(ts->nsec));
	if (!scoutfs_meta_is_zero(ts->__pad, sizeof(ts->__pad)))
		item_problem(c, item, "%s padding not zero", name);
}

static void check_ino(struct check *c, const struct scoutfs_meta_btree_item *item,
		      __u64 ino)
{
	if (ino == 0)
		item_problem(c, item, "inode number 0, expected a valid inode number");
	else if (ino > SCOUTFS_ROOT_INO && ino < SCOUTFS_FIRST_INO)
		item_problem(c, item, "inode number %llu is reserved, expected %llu or at least %llu",
			     U(ino), U(SCOUTFS_ROOT_INO), U(SCOUTFS_FIRST_INO));
	else if (ino >= c->next_ino)
		item_problem(c, item, "inode number not below the superblock's next_ino, expected less than %llu, found %llu",
			     U(c->next_ino), U(ino));
}

static void check_inode(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_inode *ino = item->val;
	__u32 mode = le32_to_cpu(ino->mode);
	char what[96];

	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		item_problem(c, item, "mode has no valid file type, found 0%o", mode);
	}
	if (le64_to_cpu(ino->flags) & ~SCOUTFS_INO_FLAGS_KNOWN)
		item_problem(c, item, "unknown inode flags 0x%llx",
			     U(le64_to_cpu(ino->flags) & ~SCOUTFS_INO_FLAGS_KNOWN));
	check_time(c, item, "atime", &ino->atime);
	check_time(c, item, "mtime", &ino->mtime);
	check_time(c, item, "ctime", &ino->ctime);
	check_time(c, item, "crtime", &ino->crtime);
	if (S_ISDIR(mode) && le64_to_cpu(ino->next_readdir_pos) < SCOUTFS_FIRST_READDIR_POS)
		item_problem(c, item, "directory next_readdir_pos, expected at least %llu, found %llu",
			     U(SCOUTFS_FIRST_READDIR_POS), U(le64_to_cpu(ino->next_readdir_pos)));
	if (ino->next_xattr_id == 0)
		item_problem(c, item, "next_xattr_id, expected at least 1, found 0");
	if (S_ISLNK(mode) && le64_to_cpu(ino->size) >= SCOUTFS_SYMLINK_MAX_SIZE)
		item_problem(c, item, "symlink size, expected less than %u, found %llu",
			     SCOUTFS_SYMLINK_MAX_SIZE, U(le64_to_cpu(ino->size)));

	check_ino(c, item, le64_to_cpu(item->key->sk_first));
	snprintf(what, sizeof(what), "inode %llu meta_seq", U(le64_to_cpu(item->key->sk_first)));
	check_seq(c, check_where(c), what, le64_to_cpu(ino->meta_seq));
	snprintf(what, sizeof(what), "inode %llu data_seq", U(le64_to_cpu(item->key->sk_first)));
	check_seq(c, check_where(c), what, le64_to_cpu(ino->data_seq));
}

static void check_dirent(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_dirent *d = item->val;
	const struct scoutfs_key *k = item->key;
	unsigned int len = item->val_len - sizeof(*d);
	__u64 hash = scoutfs_name_hash(d->name, len);
	__u64 pos = le64_to_cpu(d->pos);

	if (memchr(d->name, '/', len) || memchr(d->name, '\0', len))
		item_problem(c, item, "name contains '/' or NUL");
	if (le64_to_cpu(d->hash) != hash)
		item_problem(c, item, "dirent hash is not the name's hash, expected 0x%016llx, found 0x%016llx",
			     U(hash), U(le64_to_cpu(d->hash)));
	switch (d->type) {
	case SCOUTFS_DT_FIFO: case SCOUTFS_DT_CHR: case SCOUTFS_DT_DIR: case SCOUTFS_DT_BLK:
	case SCOUTFS_DT_REG: case SCOUTFS_DT_LNK: case SCOUTFS_DT_SOCK:
		break;
	default:
		item_problem(c, item, "unknown dirent type %u", d->type);
	}
	if (!scoutfs_meta_is_zero(d->__pad, sizeof(d->__pad)))
		item_problem(c, item, "dirent padding not zero");
	if (pos < SCOUTFS_FIRST_READDIR_POS)
		item_problem(c, item, "readdir pos, expected at least %llu, found %llu",
			     U(SCOUTFS_FIRST_READDIR_POS), U(pos));

	/* the key repeats what the value says */
	if (k->sk_type == SCOUTFS_DIRENT_TYPE &&
	    (le64_to_cpu(k->sk_second) != hash || le64_to_cpu(k->sk_third) != pos))
		item_problem(c, item, "key does not match the entry, expected hash 0x%016llx pos %llu",
			     U(hash), U(pos));
	if (k->sk_type == SCOUTFS_READDIR_TYPE && le64_to_cpu(k->sk_second) != pos)
		item_problem(c, item, "key does not match the entry, expected pos %llu", U(pos));
	if (k->sk_type == SCOUTFS_LINK_BACKREF_TYPE &&
	    (k->sk_first != d->ino || le64_to_cpu(k->sk_third) != pos))
		item_problem(c, item, "key does not match the entry, expected ino %llu pos %llu",
			     U(le64_to_cpu(d->ino)), U(pos));
}

static void check_extent(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_data_extent *ext = item->val;
	__u64 last = le64_to_cpu(item->key->sk_second);
	__u64 len = le64_to_cpu(ext->len);

	if (len == 0 || len - 1 > last)
		item_problem(c, item, "extent length, expected 1 to %llu, found %llu",
			     U(last + 1), U(len));
	if (ext->flags & ~SCOUTFS_EXTENT_FLAGS_KNOWN)
		item_problem(c, item, "unknown extent flags, expected at most 0x%x, found 0x%x",
			     SCOUTFS_EXTENT_FLAGS_KNOWN, ext->flags);
	if (!scoutfs_meta_is_zero(ext->__pad, sizeof(ext->__pad)))
		item_problem(c, item, "extent padding not zero");
	if ((ext->flags & SCOUTFS_EXTENT_FLAG_OFFLINE) && ext->blkno)
		item_problem(c, item, "offline extent with data blocks, expected blkno 0, found %llu",
			     U(le64_to_cpu(ext->blkno)));
	if (!(ext->flags & SCOUTFS_EXTENT_FLAG_OFFLINE) && !ext->blkno)
		item_problem(c, item, "online extent without data blocks, found blkno 0");
}

static void check_log_trees(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_log_trees *lt = item->val;

	if (lt->rid != item->key->sk_first)
		item_problem(c, item, "rid differs from the key's, expected %016llx, found %016llx",
			     U(le64_to_cpu(item->key->sk_first)), U(le64_to_cpu(lt->rid)));
	if (lt->nr != item->key->sk_second)
		item_problem(c, item, "nr differs from the key's, expected %llu, found %llu",
			     U(le64_to_cpu(item->key->sk_second)), U(le64_to_cpu(lt->nr)));
	if (le64_to_cpu(lt->flags) & ~SCOUTFS_LOG_TREES_FINALIZED)
		item_problem(c, item, "unknown log trees flags, expected at most 0x%llx, found 0x%llx",
			     U(SCOUTFS_LOG_TREES_FINALIZED), U(le64_to_cpu(lt->flags)));
	check_seq(c, check_where(c), "log trees trans_seq", le64_to_cpu(lt->trans_seq));
	check_seq(c, check_where(c), "log trees max_item_seq", le64_to_cpu(lt->max_item_seq));
}

static void check_mounted(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_mounted_client *mc = item->val;
	__u16 family = le16_to_cpu(mc->addr.family);

	if (mc->rid != item->key->sk_first)
		item_problem(c, item, "rid differs from the key's, expected %016llx, found %016llx",
			     U(le64_to_cpu(item->key->sk_first)), U(le64_to_cpu(mc->rid)));
	if (le64_to_cpu(mc->flags) & ~SCOUTFS_MOUNTED_CLIENT_QUORUM)
		item_problem(c, item, "unknown mounted client flags, expected at most 0x%llx, found 0x%llx",
			     U(SCOUTFS_MOUNTED_CLIENT_QUORUM), U(le64_to_cpu(mc->flags)));
	if (family != SCOUTFS_AF_IPV4 && family != SCOUTFS_AF_IPV6)
		item_problem(c, item, "address family, expected %u (IPv4) or %u (IPv6), found %u",
			     SCOUTFS_AF_IPV4, SCOUTFS_AF_IPV6, family);
	if (!scoutfs_meta_is_zero(mc->addr.__pad, sizeof(mc->addr.__pad)))
		item_problem(c, item, "address padding not zero");
}

static void check_xattr(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_xattr *xa = item->val;

	if (item->key->sk_fourth >= SCOUTFS_XATTR_MAX_PARTS)
		item_problem(c, item, "xattr part number, expected less than %u, found %u",
			     (unsigned int)SCOUTFS_XATTR_MAX_PARTS, item->key->sk_fourth);
	if (item->key->sk_fourth != 0)
		return;
	if (item->val_len < sizeof(*xa) || xa->name_len == 0 ||
	    le32_to_cpu(xa->val_len) > SCOUTFS_XATTR_MAX_VAL_LEN)
		item_problem(c, item, "xattr header with an impossible name or value length");
	else if (!scoutfs_meta_is_zero(xa->__pad, sizeof(xa->__pad)))
		item_problem(c, item, "xattr header padding not zero");
}

/* the value's fields, once its length is known to fit the type */
static void check_value(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	switch (item->key->sk_type) {
	case SCOUTFS_INODE_TYPE:
		check_inode(c, item);
		break;
	case SCOUTFS_DIRENT_TYPE:
	case SCOUTFS_READDIR_TYPE:
	case SCOUTFS_LINK_BACKREF_TYPE:
		check_dirent(c, item);
		break;
	case SCOUTFS_DATA_EXTENT_TYPE:
		check_extent(c, item);
		break;
	case SCOUTFS_XATTR_TYPE:
		check_xattr(c, item);
		break;
	case SCOUTFS_LOG_TREES_TYPE:
		check_log_trees(c, item);
		break;
	case SCOUTFS_MOUNTED_CLIENT_TYPE:
		check_mounted(c, item);
		break;
	}
}

/* items that other parts of the check look at together */
static void collect(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	enum scoutfs_meta_kind kind = c->st->kind;
	bool fs = kind == SCOUTFS_META_FS_TREE || kind == SCOUTFS_META_LOG_ITEM_TREE;

	switch (item->key->sk_type) {
	case SCOUTFS_FREE_BLKNO_TYPE:
	case SCOUTFS_FREE_LEN_TYPE:
		if (kind == SCOUTFS_META_ALLOC_TREE &&
		    !(item->flags & SCOUTFS_ITEM_FLAG_DELETION))
			check_alloc_item(c, item);
		break;
	case SCOUTFS_INODE_TYPE:
		if (fs)
			check_fs_add_inode(c, item);
		break;
	case SCOUTFS_INODE_INDEX_META_SEQ_TYPE:
	case SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE:
		if (fs)
			check_fs_add_index(c, item);
		break;
	case SCOUTFS_ORPHAN_TYPE:
		if (fs)
			check_fs_add_orphan(c, item);
		break;
	case SCOUTFS_DIRENT_TYPE:
	case SCOUTFS_READDIR_TYPE:
	case SCOUTFS_LINK_BACKREF_TYPE:
		if (fs)
			check_fs_add_entry(c, item);
		break;
	case SCOUTFS_DATA_EXTENT_TYPE:
		if (fs)
			check_fs_add_extent(c, item);
		break;
	case SCOUTFS_XATTR_TYPE:
		if (fs)
			check_fs_add_xattr(c, item);
		break;
	}
}

void check_item(struct check *c, const struct scoutfs_meta_btree_item *item)
{
	const struct scoutfs_key *k = item->key;
	const struct scoutfs_meta_struct *st = c->st;
	const struct type_info *ti = find_type(k->sk_type);
	bool deletion = item->flags & SCOUTFS_ITEM_FLAG_DELETION;
	char what[64];

	snprintf(what, sizeof(what), "block %llu item", U(item->blk->blkno));
	check_seq(c, check_where(c), what, item->seq);
	if (st->kind == SCOUTFS_META_LOG_ITEM_TREE &&
	    item->seq > le64_to_cpu(st->log_trees->max_item_seq))
		item_problem(c, item, "version above the log tree's max_item_seq, expected at most %llu, found %llu",
			     U(le64_to_cpu(st->log_trees->max_item_seq)), U(item->seq));

	if (!zone_in_tree(st->kind, k->sk_zone)) {
		item_problem(c, item, "zone %u does not belong in this tree", k->sk_zone);
		return;
	}
	if (!ti || ti->zone != k->sk_zone) {
		item_problem(c, item, "type %u does not belong to zone %u", k->sk_type,
			     k->sk_zone);
		return;
	}
	check_key_zero(c, item, ti->zero);
	if (deletion && !merged_tree(st->kind)) {
		item_problem(c, item, "deletion item in a tree that is never merged");
		return;
	}

	if (!deletion && (item->val_len < ti->min_len || item->val_len > ti->max_len)) {
		if (ti->min_len == ti->max_len)
			item_problem(c, item, "value length, expected %u, found %u",
				     ti->min_len, item->val_len);
		else
			item_problem(c, item, "value length, expected %u to %u, found %u",
				     ti->min_len, ti->max_len, item->val_len);
		return;
	}

	if (!deletion)
		check_value(c, item);
	collect(c, item);
}
