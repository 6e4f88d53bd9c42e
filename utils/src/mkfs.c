/*
 * Making a new filesystem.
 *
 * mkfs checks everything it can before it writes anything.  Then it
 * zeroes the reserved region of both devices (which clears the quorum
 * blocks: zero blocks read as "no history"), writes the initial
 * metadata blocks, and writes the superblocks last, the metadata
 * device's very last: until that write lands the devices don't hold a
 * filesystem, so an interrupted mkfs leaves nothing that mounts.
 *
 * The initial metadata blocks, all with seq 1:
 *
 *   fs tree       one leaf: the root directory's inode and its
 *                 META_SEQ and DATA_SEQ index items
 *   meta_alloc[0] one leaf: the free metadata extent after the blocks
 *                 mkfs used
 *   data_alloc    one leaf: the whole data device after its reserved region
 *   server_meta_avail[0]  one list block of metadata blocks that the
 *                 server's first commits allocate from
 *
 * Every other root and list is empty.
 */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uuid/uuid.h>

#include "device.h"
#include "format/block.h"
#include "format/btree_block.h"
#include "format/format.h"
#include "format/key.h"
#include "mkfs.h"

struct mkfs {
	const struct scoutfs_mkfs_opts *opts;
	struct scoutfs_dev meta;
	struct scoutfs_dev data;
	char *err;
	size_t errlen;

	uint64_t fsid;
	unsigned char uuid[16];
	struct scoutfs_timespec now;
	uint64_t total_meta_blocks;
	uint64_t total_data_blocks;
	uint64_t next_meta_blkno;	/* mkfs allocates its blocks in order */
	void *block;			/* one metadata block being built */
};

static int fail(struct mkfs *m, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mkfs *m, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, m->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %ciB", v, units[u]);
}

static int check_slots(struct mkfs *m)
{
	const struct scoutfs_mkfs_opts *o = m->opts;
	char a[SCOUTFS_INET_STRLEN];
	unsigned int i, j;

	if (o->nr_slots == 0)
		return fail(m, -EINVAL, "at least one quorum slot (-Q NR,ADDR,PORT) is required");

	for (i = 0; i < o->nr_slots; i++) {
		for (j = 0; j < i; j++) {
			if (o->slots[i].nr == o->slots[j].nr)
				return fail(m, -EINVAL, "quorum slot %u is given more than once",
					    o->slots[i].nr);
			if (o->slots[i].inet.family == o->slots[j].inet.family &&
			    o->slots[i].inet.port == o->slots[j].inet.port &&
			    memcmp(o->slots[i].inet.addr, o->slots[j].inet.addr, 16) == 0)
				return fail(m, -EINVAL, "quorum slots %u and %u both use %s",
					    o->slots[j].nr, o->slots[i].nr,
					    scoutfs_inet_str(&o->slots[i].inet, a));
		}
	}
	return 0;
}

static int open_devices(struct mkfs *m)
{
	const char *why;
	int ret;

	ret = scoutfs_dev_open(&m->meta, m->opts->meta_path, true, &why);
	if (ret < 0)
		return fail(m, ret, "%s: %s", m->opts->meta_path, why);
	ret = scoutfs_dev_open(&m->data, m->opts->data_path, true, &why);
	if (ret < 0)
		return fail(m, ret, "%s: %s", m->opts->data_path, why);
	if (scoutfs_dev_same(&m->meta, &m->data))
		return fail(m, -EINVAL, "%s and %s are the same device; metadata and data need their own",
			    m->opts->meta_path, m->opts->data_path);
	return 0;
}

/* the size to use: the device, or less with -m/-d */
static int pick_size(struct mkfs *m, const struct scoutfs_dev *dev,
		     uint64_t max, const char *opt, uint64_t *size)
{
	char a[32], b[32];

	*size = dev->size;
	if (max) {
		if (max > dev->size) {
			human_size(max, a, sizeof(a));
			human_size(dev->size, b, sizeof(b));
			return fail(m, -EINVAL, "%s: %s %s is larger than the device (%s)",
				    dev->path, opt, a, b);
		}
		*size = max;
	}
	return 0;
}

static int check_sizes(struct mkfs *m, struct scoutfs_mkfs_result *res)
{
	const struct scoutfs_mkfs_opts *o = m->opts;
	uint64_t meta_size = 0, data_size = 0;
	char a[32], b[32];
	int ret;

	ret = pick_size(m, &m->meta, o->max_meta_size, "-m", &meta_size);
	if (ret == 0)
		ret = pick_size(m, &m->data, o->max_data_size, "-d", &data_size);
	if (ret < 0)
		return ret;

	if (meta_size < SCOUTFS_MKFS_FLOOR_META_SIZE) {
		human_size(meta_size, a, sizeof(a));
		human_size(SCOUTFS_MKFS_FLOOR_META_SIZE, b, sizeof(b));
		return fail(m, -ENOSPC, "%s: %s is too small for metadata, the least possible is %s",
			    m->meta.path, a, b);
	}
	if (data_size < SCOUTFS_MKFS_FLOOR_DATA_SIZE) {
		human_size(data_size, a, sizeof(a));
		human_size(SCOUTFS_MKFS_FLOOR_DATA_SIZE, b, sizeof(b));
		return fail(m, -ENOSPC, "%s: %s is too small for data, the least possible is %s",
			    m->data.path, a, b);
	}
	if (meta_size < SCOUTFS_MKFS_MIN_META_SIZE && !o->allow_small) {
		human_size(meta_size, a, sizeof(a));
		human_size(SCOUTFS_MKFS_MIN_META_SIZE, b, sizeof(b));
		return fail(m, -ENOSPC, "%s: %s is under the %s minimum for metadata (-A allows it, for testing)",
			    m->meta.path, a, b);
	}
	if (data_size < SCOUTFS_MKFS_MIN_DATA_SIZE && !o->allow_small) {
		human_size(data_size, a, sizeof(a));
		human_size(SCOUTFS_MKFS_MIN_DATA_SIZE, b, sizeof(b));
		return fail(m, -ENOSPC, "%s: %s is under the %s minimum for data (-A allows it, for testing)",
			    m->data.path, a, b);
	}
	res->small = meta_size < SCOUTFS_MKFS_MIN_META_SIZE ||
		     data_size < SCOUTFS_MKFS_MIN_DATA_SIZE;

	m->total_meta_blocks = meta_size >> SCOUTFS_META_BLOCK_SHIFT;
	m->total_data_blocks = data_size >> SCOUTFS_DATA_BLOCK_SHIFT;
	return 0;
}

/* Refuse to overwrite a scoutfs filesystem or anything blkid recognizes. */
static int check_existing(struct mkfs *m, const struct scoutfs_dev *dev)
{
	struct scoutfs_super_block *super;
	const char *type = NULL;
	char buf[SCOUTFS_SUPER_SIZE];
	blkid_probe pr;
	int ret;

	if (m->opts->force)
		return 0;

	if (dev->size >= SCOUTFS_SUPER_OFFSET + SCOUTFS_SUPER_SIZE) {
		ret = scoutfs_dev_read(dev, buf, sizeof(buf), SCOUTFS_SUPER_OFFSET);
		if (ret < 0)
			return fail(m, ret, "%s: reading the superblock: %s", dev->path,
				    strerror(-ret));
		super = (void *)buf;
		if (le32_to_cpu(super->hdr.magic) == SCOUTFS_BLOCK_MAGIC_SUPER)
			return fail(m, -EEXIST, "%s: already holds a scoutfs filesystem (fsid %016llx); -f overwrites it",
				    dev->path,
				    (unsigned long long)le64_to_cpu(super->hdr.fsid));
	}

	pr = blkid_new_probe();
	if (!pr)
		return fail(m, -ENOMEM, "%s: cannot probe for existing filesystems", dev->path);
	ret = blkid_probe_set_device(pr, dev->fd, 0, 0);
	if (ret == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
		ret = blkid_do_safeprobe(pr);
		if (ret == 0 &&
		    blkid_probe_lookup_value(pr, "TYPE", &type, NULL) < 0 &&
		    blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) < 0)
			type = "unknown";
	}
	if (ret == 0 && type) {
		ret = fail(m, -EEXIST, "%s: already holds %s signature; -f overwrites it",
			   dev->path, type);
	} else if (ret == -2) {
		ret = fail(m, -EEXIST, "%s: holds several conflicting signatures; -f overwrites them",
			   dev->path);
	} else {
		ret = 0;
	}
	blkid_free_probe(pr);
	return ret;
}

static uint64_t alloc_meta_blkno(struct mkfs *m)
{
	return m->next_meta_blkno++;
}

static int write_meta_block(struct mkfs *m, uint64_t blkno)
{
	int ret;

	scoutfs_block_set_crc(m->block, SCOUTFS_META_BLOCK_SIZE);
	ret = scoutfs_dev_write(&m->meta, m->block, SCOUTFS_META_BLOCK_SIZE,
				blkno << SCOUTFS_META_BLOCK_SHIFT);
	if (ret < 0)
		return fail(m, ret, "%s: writing metadata block %llu: %s", m->meta.path,
			    (unsigned long long)blkno, strerror(-ret));
	return 0;
}

static struct scoutfs_btree_block *new_leaf(struct mkfs *m, uint64_t blkno)
{
	scoutfs_btree_block_init(m->block, m->fsid, blkno, 1, 0);
	return m->block;
}

static void set_root(struct scoutfs_btree_root *root, uint64_t blkno)
{
	root->ref.blkno = cpu_to_le64(blkno);
	root->ref.seq = cpu_to_le64(1);
	root->height = 1;
}

static int insert(struct mkfs *m, struct scoutfs_btree_block *bt,
		  const struct scoutfs_key *key, const void *val, unsigned int len)
{
	int ret = scoutfs_btree_block_insert(bt, key, 1, 0, val, len);

	if (ret < 0)
		return fail(m, ret, "building the initial metadata failed: %s",
			    strerror(-ret));
	return 0;
}

/* a one-leaf allocator tree holding the single free extent [start, end) */
static int write_alloc_tree(struct mkfs *m, struct scoutfs_alloc_root *ar,
			    uint64_t flags, uint64_t blkno, uint64_t start,
			    uint64_t end)
{
	struct scoutfs_btree_block *bt = new_leaf(m, blkno);
	uint64_t len = end - start;
	struct scoutfs_key key;
	int ret;

	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
			end - 1, len, 0);
	ret = insert(m, bt, &key, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE,
			len, end - 1, 0);
	if (ret == 0)
		ret = insert(m, bt, &key, NULL, 0);
	if (ret == 0)
		ret = write_meta_block(m, blkno);
	if (ret < 0)
		return ret;

	ar->total_len = cpu_to_le64(len);
	set_root(&ar->root, blkno);
	ar->flags = cpu_to_le64(flags);
	return 0;
}

static int write_fs_tree(struct mkfs *m, struct scoutfs_btree_root *root,
			 uint64_t blkno)
{
	struct scoutfs_btree_block *bt = new_leaf(m, blkno);
	struct scoutfs_inode inode;
	struct scoutfs_key key;
	int ret;

	memset(&inode, 0, sizeof(inode));
	inode.meta_seq = cpu_to_le64(1);
	inode.data_seq = cpu_to_le64(1);
	inode.next_readdir_pos = cpu_to_le64(SCOUTFS_FIRST_READDIR_POS);
	inode.next_xattr_id = cpu_to_le64(1);
	inode.nlink = cpu_to_le32(2);
	inode.mode = cpu_to_le32(S_IFDIR | 0755);
	inode.atime = m->now;
	inode.mtime = m->now;
	inode.ctime = m->now;
	inode.crtime = m->now;

	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0,
			SCOUTFS_INODE_INDEX_META_SEQ_TYPE, 1, SCOUTFS_ROOT_INO, 0);
	ret = insert(m, bt, &key, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0,
			SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, 1, SCOUTFS_ROOT_INO, 0);
	if (ret == 0)
		ret = insert(m, bt, &key, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE,
			0, 0, 0);
	if (ret == 0)
		ret = insert(m, bt, &key, &inode, sizeof(inode));
	if (ret == 0)
		ret = write_meta_block(m, blkno);
	if (ret == 0)
		set_root(root, blkno);
	return ret;
}

/* a list block of nr metadata blocks starting at first */
static int write_avail_list(struct mkfs *m, struct scoutfs_alloc_list_head *head,
			    uint64_t blkno, uint64_t first, uint32_t nr)
{
	struct scoutfs_alloc_list_block *lb = m->block;
	uint32_t i;
	int ret;

	memset(lb, 0, SCOUTFS_META_BLOCK_SIZE);
	scoutfs_block_hdr_init(&lb->hdr, SCOUTFS_BLOCK_MAGIC_ALLOC_LIST, m->fsid,
			       blkno, 1);
	lb->start = 0;
	lb->nr = cpu_to_le32(nr);
	for (i = 0; i < nr; i++)
		lb->blknos[i] = cpu_to_le64(first + i);
	ret = write_meta_block(m, blkno);
	if (ret < 0)
		return ret;

	head->ref.blkno = cpu_to_le64(blkno);
	head->ref.seq = cpu_to_le64(1);
	head->total_nr = cpu_to_le64(nr);
	head->first_nr = cpu_to_le32(nr);
	return 0;
}

static void set_quorum(struct mkfs *m, struct scoutfs_quorum_config *qc)
{
	const struct scoutfs_mkfs_opts *o = m->opts;
	struct scoutfs_quorum_slot *slot;
	unsigned int i;

	qc->version = cpu_to_le64(1);
	for (i = 0; i < o->nr_slots; i++) {
		slot = &qc->slots[o->slots[i].nr];
		slot->addr.family = cpu_to_le16(o->slots[i].inet.family == AF_INET6 ?
						SCOUTFS_AF_IPV6 : SCOUTFS_AF_IPV4);
		slot->addr.port = cpu_to_le16(o->slots[i].inet.port);
		memcpy(slot->addr.addr, o->slots[i].inet.addr,
		       o->slots[i].inet.family == AF_INET6 ? 16 : 4);
		slot->flags = cpu_to_le64(SCOUTFS_QUORUM_SLOT_IN_USE);
	}
}

static int zero_reserved(struct mkfs *m, const struct scoutfs_dev *dev)
{
	uint64_t off;
	int ret;

	memset(m->block, 0, SCOUTFS_META_BLOCK_SIZE);
	for (off = 0; off < SCOUTFS_RESERVED_BYTES; off += SCOUTFS_META_BLOCK_SIZE) {
		ret = scoutfs_dev_write(dev, m->block, SCOUTFS_META_BLOCK_SIZE, off);
		if (ret < 0)
			return fail(m, ret, "%s: zeroing the reserved region: %s",
				    dev->path, strerror(-ret));
	}
	return 0;
}

static int write_super(struct mkfs *m, const struct scoutfs_dev *dev,
		       const struct scoutfs_super_block *super)
{
	char buf[SCOUTFS_SUPER_SIZE];
	int ret;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, super, sizeof(*super));
	scoutfs_block_set_crc(buf, sizeof(buf));
	ret = scoutfs_dev_write(dev, buf, sizeof(buf), SCOUTFS_SUPER_OFFSET);
	if (ret == 0)
		ret = scoutfs_dev_sync(dev);
	if (ret < 0)
		return fail(m, ret, "%s: writing the superblock: %s", dev->path,
			    strerror(-ret));
	return 0;
}

static int sync_dev(struct mkfs *m, const struct scoutfs_dev *dev)
{
	int ret = scoutfs_dev_sync(dev);

	if (ret < 0)
		return fail(m, ret, "%s: sync: %s", dev->path, strerror(-ret));
	return 0;
}

static void pick_identity(struct mkfs *m)
{
	struct timespec ts;

	uuid_generate(m->uuid);
	if (m->opts->has_fsid) {
		m->fsid = m->opts->fsid;
	} else {
		/* the first 8 random bytes of the uuid, never 0 */
		memcpy(&m->fsid, m->uuid, sizeof(m->fsid));
		if (m->fsid == 0)
			m->fsid = 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	m->now.sec = cpu_to_le64((uint64_t)ts.tv_sec);
	m->now.nsec = cpu_to_le32((uint32_t)ts.tv_nsec);
}

static int write_filesystem(struct mkfs *m, struct scoutfs_mkfs_result *res)
{
	struct scoutfs_super_block super;
	struct scoutfs_super_block dsuper;
	uint64_t fs_blkno, meta_alloc_blkno, data_alloc_blkno, list_blkno;
	uint64_t avail_first, first_free;
	uint32_t avail_nr;
	int ret;

	memset(&super, 0, sizeof(super));
	m->next_meta_blkno = SCOUTFS_META_FIRST_BLKNO;
	fs_blkno = alloc_meta_blkno(m);
	meta_alloc_blkno = alloc_meta_blkno(m);
	data_alloc_blkno = alloc_meta_blkno(m);
	list_blkno = alloc_meta_blkno(m);

	/* give the server a start, leaving most blocks in the tree */
	avail_first = m->next_meta_blkno;
	avail_nr = SCOUTFS_MKFS_SERVER_AVAIL_BLOCKS;
	if (avail_nr > (m->total_meta_blocks - avail_first) / 4)
		avail_nr = (uint32_t)((m->total_meta_blocks - avail_first) / 4);
	first_free = avail_first + avail_nr;

	if ((ret = zero_reserved(m, &m->meta)) < 0 ||
	    (ret = zero_reserved(m, &m->data)) < 0 ||
	    (ret = write_fs_tree(m, &super.fs_root, fs_blkno)) < 0 ||
	    (ret = write_alloc_tree(m, &super.meta_alloc[0], SCOUTFS_ALLOC_FLAG_META,
				    meta_alloc_blkno, first_free,
				    m->total_meta_blocks)) < 0 ||
	    (ret = write_alloc_tree(m, &super.data_alloc, SCOUTFS_ALLOC_FLAG_DATA,
				    data_alloc_blkno, SCOUTFS_DATA_FIRST_BLKNO,
				    m->total_data_blocks)) < 0 ||
	    (ret = write_avail_list(m, &super.server_meta_avail[0], list_blkno,
				    avail_first, avail_nr)) < 0 ||
	    (ret = sync_dev(m, &m->meta)) < 0 ||
	    (ret = sync_dev(m, &m->data)) < 0)
		return ret;
	super.meta_alloc[1].flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_META);

	scoutfs_block_hdr_init(&super.hdr, SCOUTFS_BLOCK_MAGIC_SUPER, m->fsid,
			       SCOUTFS_SUPER_BLKNO, 1);
	super.fmt_vers = cpu_to_le64(SCOUTFS_FORMAT_VERSION);
	memcpy(super.uuid, m->uuid, sizeof(super.uuid));
	super.total_meta_blocks = cpu_to_le64(m->total_meta_blocks);
	super.total_data_blocks = cpu_to_le64(m->total_data_blocks);
	super.next_ino = cpu_to_le64(SCOUTFS_FIRST_INO);
	super.next_seq = cpu_to_le64(2);
	super.mkfs_time = m->now;
	set_quorum(m, &super.quorum);

	/* the data device's copy of the identity, then the metadata super */
	memset(&dsuper, 0, sizeof(dsuper));
	scoutfs_block_hdr_init(&dsuper.hdr, SCOUTFS_BLOCK_MAGIC_SUPER, m->fsid,
			       SCOUTFS_SUPER_BLKNO, 0);
	dsuper.fmt_vers = super.fmt_vers;
	memcpy(dsuper.uuid, super.uuid, sizeof(dsuper.uuid));
	dsuper.flags = cpu_to_le64(SCOUTFS_SUPER_FLAG_DATA_DEV);
	dsuper.total_meta_blocks = super.total_meta_blocks;
	dsuper.total_data_blocks = super.total_data_blocks;
	dsuper.mkfs_time = super.mkfs_time;
	super.flags = cpu_to_le64(SCOUTFS_SUPER_FLAG_META_DEV);

	ret = write_super(m, &m->data, &dsuper);
	if (ret == 0)
		ret = write_super(m, &m->meta, &super);
	if (ret < 0)
		return ret;

	res->fsid = m->fsid;
	memcpy(res->uuid, m->uuid, sizeof(res->uuid));
	res->total_meta_blocks = m->total_meta_blocks;
	res->total_data_blocks = m->total_data_blocks;
	res->free_meta_blocks = m->total_meta_blocks - first_free + avail_nr;
	res->free_data_blocks = m->total_data_blocks - SCOUTFS_DATA_FIRST_BLKNO;
	return 0;
}

int scoutfs_mkfs(const struct scoutfs_mkfs_opts *opts,
		 struct scoutfs_mkfs_result *res, char *err, size_t errlen)
{
	struct mkfs m = {
		.opts = opts,
		.meta = { .fd = -1 },
		.data = { .fd = -1 },
		.err = err,
		.errlen = errlen,
	};
	int ret;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';

	if ((ret = check_slots(&m)) < 0 ||
	    (ret = open_devices(&m)) < 0 ||
	    (ret = check_sizes(&m, res)) < 0 ||
	    (ret = check_existing(&m, &m.meta)) < 0 ||
	    (ret = check_existing(&m, &m.data)) < 0)
		goto out;

	/* 64 KiB aligned, for O_DIRECT-capable writes later */
	if (posix_memalign(&m.block, SCOUTFS_META_BLOCK_SIZE, SCOUTFS_META_BLOCK_SIZE)) {
		ret = fail(&m, -ENOMEM, "out of memory");
		goto out;
	}
	pick_identity(&m);
	ret = write_filesystem(&m, res);
out:
	free(m.block);
	scoutfs_dev_close(&m.meta);
	scoutfs_dev_close(&m.data);
	return ret;
}
