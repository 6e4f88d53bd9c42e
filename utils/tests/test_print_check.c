/*
 * Tests of scoutfs print and scoutfs check on filesystems made by mkfs
 * in sparse image files: what print shows, check finding a fresh
 * filesystem clean, check naming each of a set of deliberate
 * corruptions precisely, and check surviving random damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "format/block.h"
#include "format/btree_block.h"
#include "format/format.h"
#include "format/key.h"
#include "mkfs.h"
#include "parse.h"
#include "tap.h"
#include "testutil.h"

#define META_BLOCK	SCOUTFS_META_BLOCK_SIZE
#define SMALL_BLOCK	SCOUTFS_SMALL_BLOCK_SIZE
#define NR_MKFS_BLOCKS	4	/* fs tree, meta_alloc[0], data_alloc, avail list */
#define NR_SNAP_BLOCKS	10	/* mkfs's and the ones the hand-built trees use */
#define FS_BLKNO	16
#define META_ALLOC_BLKNO 17
#define DATA_ALLOC_BLKNO 18
#define LIST_BLKNO	19
#define FUZZ_ROUNDS	200

static char dir[] = "/tmp/scoutfs-test-pc.XXXXXX";
static char meta_path[64];
static char data_path[64];
static struct scoutfs_mkfs_result mkfs_res;

/* the written parts of the images, to undo each corruption */
struct snapshot {
	unsigned char reserved[2][SCOUTFS_RESERVED_BYTES];
	unsigned char blocks[NR_SNAP_BLOCKS][META_BLOCK];
};

static struct snapshot pristine;	/* what mkfs wrote */
static struct snapshot fuzz_base;	/* what a fuzz round starts from */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* xorshift64*: deterministic, so failures reproduce */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* ------------------------------------------------------- image IO */

static void pio(const char *path, void *buf, size_t len, uint64_t off, bool write)
{
	int fd = open(path, write ? O_WRONLY : O_RDONLY);
	ssize_t r;

	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	r = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);
	if (r != (ssize_t)len)
		tap_bail("%s %s at %llu: %s", write ? "write" : "read", path,
			 (unsigned long long)off, strerror(errno));
	close(fd);
}

static void *meta_block(uint64_t blkno)
{
	void *buf = aligned_alloc(8, META_BLOCK);

	if (!buf)
		tap_bail("out of memory");
	pio(meta_path, buf, META_BLOCK, blkno * META_BLOCK, false);
	return buf;
}

/* write a metadata block back, with a new crc or keeping the damaged one */
static void put_meta_block(uint64_t blkno, void *buf, bool crc)
{
	if (crc)
		scoutfs_block_set_crc(buf, META_BLOCK);
	pio(meta_path, buf, META_BLOCK, blkno * META_BLOCK, true);
	free(buf);
}

typedef union {
	struct scoutfs_super_block s;
	unsigned char b[SMALL_BLOCK];
} super_buf;

static void get_super(const char *path, super_buf *buf)
{
	pio(path, buf, SMALL_BLOCK, SCOUTFS_SUPER_OFFSET, false);
}

static void put_super(const char *path, super_buf *buf, bool crc)
{
	if (crc)
		scoutfs_block_set_crc(buf, SMALL_BLOCK);
	pio(path, buf, SMALL_BLOCK, SCOUTFS_SUPER_OFFSET, true);
}

static void snapshot_io(struct snapshot *snap, bool write)
{
	unsigned int i;

	pio(meta_path, snap->reserved[0], SCOUTFS_RESERVED_BYTES, 0, write);
	pio(data_path, snap->reserved[1], SCOUTFS_RESERVED_BYTES, 0, write);
	for (i = 0; i < NR_SNAP_BLOCKS; i++)
		pio(meta_path, snap->blocks[i], META_BLOCK,
		    (uint64_t)(FS_BLKNO + i) * META_BLOCK, write);
}

static void restore_pristine(void)
{
	snapshot_io(&pristine, true);
}

static void make_image(const char *path, uint64_t size)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		tap_bail("making %s: %s", path, strerror(errno));
	close(fd);
}

static void mkfs_images(uint64_t meta_size, uint64_t data_size, bool small)
{
	struct scoutfs_mkfs_opts o = { 0 };
	const char *why;
	char err[512];
	int ret;

	make_image(meta_path, meta_size);
	make_image(data_path, data_size);
	o.meta_path = meta_path;
	o.data_path = data_path;
	if (scoutfs_parse_quorum_slot("0,127.0.0.1,12345", &o.slots[0], &why) < 0)
		tap_bail("parsing the quorum slot: %s", why);
	o.nr_slots = 1;
	o.allow_small = small;
	o.force = true;
	ret = scoutfs_mkfs(&o, &mkfs_res, err, sizeof(err));
	if (ret < 0)
		tap_bail("mkfs: %s", err);
}

/* ----------------------------------------------------- running check */

struct lines {
	char *s;
	size_t len;
};

static void collect_line(void *arg, const char *line)
{
	struct lines *l = arg;
	size_t n = strlen(line);
	char *s = realloc(l->s, l->len + n + 2);

	if (!s)
		tap_bail("out of memory");
	memcpy(s + l->len, line, n);
	s[l->len + n] = '\n';
	s[l->len + n + 1] = '\0';
	l->s = s;
	l->len += n + 1;
}

static int check_devs(const char *meta, const char *data, struct lines *out,
		      struct scoutfs_check_result *res)
{
	struct scoutfs_check_opts opts = {
		.meta_path = meta,
		.data_path = data,
		.report = collect_line,
		.arg = out,
	};

	out->s = strdup("");
	out->len = 0;
	if (!out->s)
		tap_bail("out of memory");
	return scoutfs_check(&opts, res);
}

/*
 * Check the images as they are now: the status must be 4 and each of
 * the wanted messages must be among the problems.  want is a NULL
 * terminated list.
 */
static void expect_problems(const char *what, const char *const *want)
{
	struct scoutfs_check_result res;
	struct lines out;
	int status;

	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_ERRORS, "%s: check exits 4", what);
	for (; *want; want++)
		tap_contains(out.s, *want, "%s: check reports '%s'", what, *want);
	/* every problem, when asked for, to see what an administrator would */
	if (getenv("SCOUTFS_TEST_VERBOSE"))
		tap_diag("%s:\n%s", what, out.s);
	free(out.s);
	restore_pristine();
}

#define EXPECT(what, ...) \
	expect_problems(what, (const char *const[]){ __VA_ARGS__, NULL })

/* ----------------------------------------------------------- print */

static void test_print(void)
{
	char fsid[32], want[96];
	struct run_result r;

	snprintf(fsid, sizeof(fsid), "fsid %016llx", (unsigned long long)mkfs_res.fsid);
	{
		const char *const args[] = { "print", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "print of a fresh filesystem exits 0");
	tap_is_str(r.err, "", "print writes nothing to stderr");
	tap_contains(r.out, "metadata device superblock", "print shows the metadata superblock");
	tap_contains(r.out, "data device superblock", "print shows the data superblock");
	tap_contains(r.out, fsid, "print shows the fsid in hex");
	tap_contains(r.out, "magic 0xb6d30ec8", "print shows the superblock magic");
	tap_contains(r.out, "fmt_vers: 1\n", "print shows the format version");
	tap_contains(r.out, "feat_incompat: 0x0\n", "print shows the feature masks");
	tap_contains(r.out, "flags: 0x1 (meta_dev)", "print shows the metadata device flag");
	tap_contains(r.out, "flags: 0x2 (data_dev)", "print shows the data device flag");
	tap_contains(r.out, "total_meta_blocks: 1048576 (64.0 GiB)", "print shows the metadata size");
	tap_contains(r.out, "total_data_blocks: 16777216 (64.0 GiB)", "print shows the data size");
	tap_contains(r.out, "next_ino: 16\n", "print shows next_ino");
	tap_contains(r.out, "next_seq: 2\n", "print shows next_seq");
	tap_contains(r.out, "mkfs_time: ", "print shows mkfs_time");
	tap_contains(r.out, "slot 0: 127.0.0.1:12345 flags 0x1 (in_use)", "print shows the quorum slot");
	tap_contains(r.out, "slot 0 (small block 32): never written", "print shows the quorum block");
	tap_contains(r.out, "fs tree: ref 16.1 height 1", "print shows the fs tree root");
	tap_contains(r.out, "fs.1.inode.0.0.0 seq 1", "print shows the root inode's key");
	tap_contains(r.out, "inode: mode 040755 (dir) nlink 2", "print decodes the root inode");
	tap_contains(r.out, "index.0.metaseq.1.1.0", "print shows the meta_seq index item");
	tap_contains(r.out, "free extent: 1044-1048575 (1047532 blocks)", "print shows the free metadata extent");
	tap_contains(r.out, "free extent: 256-16777215 (16776960 blocks)", "print shows the free data extent");
	tap_contains(r.out, "list block 19: start 0 nr 1024", "print shows the avail list block");
	tap_contains(r.out, "    20-1043\n", "print shows the list entries compactly");
	snprintf(want, sizeof(want), "meta_alloc[0]: total_len %llu flags 0x1 (meta) ref 17.1",
		 (unsigned long long)(mkfs_res.total_meta_blocks - 1044));
	tap_contains(r.out, want, "print shows meta_alloc[0]");
	tap_ok(!strstr(r.out, "PROBLEM"), "print of a fresh filesystem finds no problem");
	run_result_free(&r);

	{
		const char *const args[] = { "print", meta_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "print of only the metadata device exits 0");
	tap_ok(!strstr(r.out, "\ndata device superblock"), "and shows no data superblock");
	run_result_free(&r);

	/* a damaged block is shown with its reason, and the rest still printed */
	{
		const char *const args[] = { "print", meta_path, data_path, NULL };
		unsigned char *blk = meta_block(FS_BLKNO);

		blk[1000] ^= 0x40;
		put_meta_block(FS_BLKNO, blk, false);
		run_scoutfs(&r, NULL, args);
		restore_pristine();
	}
	tap_is_int(r.status, 1, "print of a damaged filesystem exits 1");
	tap_contains(r.out, "PROBLEM: fs tree: block 16: checksum mismatch",
		     "print names the damaged block and why");
	tap_contains(r.out, "free extent: 256-16777215", "print goes on after the damage");
	run_result_free(&r);

	{
		const char *const args[] = { "print", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 2, "print without a device is a usage error");
	run_result_free(&r);
}

/* ------------------------------------------------------ clean checks */

static void test_check_clean(void)
{
	struct scoutfs_check_result res;
	struct run_result r;
	struct lines out;
	char want[160];
	int status;

	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN, "check of a fresh filesystem exits 0");
	tap_is_int((long long)res.problems, 0, "and finds no problems");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);

	{
		const char *const args[] = { "check", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	snprintf(want, sizeof(want), "%s %s: clean\n", meta_path, data_path);
	tap_is_int(r.status, 0, "scoutfs check of a fresh filesystem exits 0");
	tap_is_str(r.out, want, "scoutfs check prints only that it is clean");
	run_result_free(&r);
}

static void test_check_small(void)
{
	struct scoutfs_check_result res;
	struct lines out;
	int status;

	mkfs_images(1ULL << 30, 2ULL << 30, true);
	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN, "check of a small (1 GiB meta, 2 GiB data) filesystem exits 0");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);
}

/* ------------------------------------------------------- corruptions */

static void corrupt_crc(void)
{
	unsigned char *blk = meta_block(FS_BLKNO);

	blk[1000] ^= 0x01;
	put_meta_block(FS_BLKNO, blk, false);
	EXPECT("flipped byte in the fs root", "fs tree: block 16: checksum mismatch");
}

static void corrupt_magic(void)
{
	struct scoutfs_block_header *hdr = meta_block(FS_BLKNO);

	hdr->magic = cpu_to_le32(SCOUTFS_BLOCK_MAGIC_ALLOC_LIST);
	put_meta_block(FS_BLKNO, hdr, true);
	EXPECT("wrong magic in the fs root",
	       "fs tree: block 16: wrong block magic, expected 0x9c16be37, found 0x2d7a15d0");
}

static void corrupt_list_double(void)
{
	struct scoutfs_alloc_list_block *lb = meta_block(LIST_BLKNO);

	lb->blknos[0] = cpu_to_le64(FS_BLKNO);
	put_meta_block(LIST_BLKNO, lb, true);
	EXPECT("avail list holding the fs root",
	       "server_meta_avail[0]: meta block 16 doubly used",
	       "metadata space: meta block 20 leaked");
}

static void corrupt_root_double(void)
{
	super_buf sb;

	get_super(meta_path, &sb);
	sb.s.data_alloc.root.ref.blkno = cpu_to_le64(META_ALLOC_BLKNO);
	put_super(meta_path, &sb, true);
	EXPECT("data_alloc pointing at the meta_alloc block",
	       "data_alloc: meta block 17 doubly used",
	       "metadata space: meta block 18 leaked");
}

/* rebuild meta_alloc[0]'s leaf with its extent one block shorter at the end */
static void corrupt_leak(void)
{
	struct scoutfs_btree_block *bt = meta_block(META_ALLOC_BLKNO);
	uint64_t last = mkfs_res.total_meta_blocks - 2;
	uint64_t len = mkfs_res.total_meta_blocks - 1044 - 1;
	struct scoutfs_key key;
	super_buf sb;
	char want[64];

	scoutfs_btree_block_init(bt, mkfs_res.fsid, META_ALLOC_BLKNO, 1, 0);
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE, last, len, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0), 0, "FREE_BLKNO item rebuilt");
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE, len, last, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0), 0, "FREE_LEN item rebuilt");
	put_meta_block(META_ALLOC_BLKNO, bt, true);
	get_super(meta_path, &sb);
	sb.s.meta_alloc[0].total_len = cpu_to_le64(len);
	put_super(meta_path, &sb, true);

	snprintf(want, sizeof(want), "metadata space: meta block %llu leaked",
		 (unsigned long long)mkfs_res.total_meta_blocks - 1);
	EXPECT("free extent shortened by one block", want);
}

/* add a DATA_EXTENT item for the root inode to the fs leaf */
static void insert_extent(uint64_t last, uint64_t len, uint64_t blkno)
{
	struct scoutfs_btree_block *bt = meta_block(FS_BLKNO);
	struct scoutfs_data_extent ext = { 0 };
	struct scoutfs_key key;

	ext.len = cpu_to_le64(len);
	ext.blkno = cpu_to_le64(blkno);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_DATA_EXTENT_TYPE,
			last, 0, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, &ext, sizeof(ext)), 0,
		   "DATA_EXTENT item inserted");
	put_meta_block(FS_BLKNO, bt, true);
}

static void corrupt_extent_outside(void)
{
	char want[160];

	insert_extent(9, 10, mkfs_res.total_data_blocks - 5);
	snprintf(want, sizeof(want), "data space: extent of inode 1 at logical 0-9 (data %llu-%llu) lies outside the data device",
		 (unsigned long long)mkfs_res.total_data_blocks - 5,
		 (unsigned long long)mkfs_res.total_data_blocks + 4);
	EXPECT("data extent past the end of the data device", want);
}

static void corrupt_extent_double(void)
{
	insert_extent(9, 10, 1000);
	EXPECT("data extent in free space",
	       "data space: data blocks 1000-1009 doubly used: by the free extent 256-16777215 of data_alloc and by the extent of inode 1 at logical 0-9",
	       "inode 1: online_blocks does not match the extents, expected 10, found 0");
}

static void corrupt_data_fsid(void)
{
	super_buf sb;

	get_super(data_path, &sb);
	sb.s.hdr.fsid = cpu_to_le64(le64_to_cpu(sb.s.hdr.fsid) ^ 1);
	put_super(data_path, &sb, true);
	EXPECT("data device of another filesystem",
	       "devices: the devices belong to different filesystems: their fsids differ");
}

static void corrupt_swapped(void)
{
	struct scoutfs_check_result res;
	struct lines out;
	int status;

	status = check_devs(data_path, meta_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_ERRORS, "swapped devices: check exits 4");
	tap_contains(out.s, "devices: the devices are swapped", "swapped devices: check says so");
	free(out.s);
}

static void corrupt_stale(void)
{
	super_buf sb;

	get_super(meta_path, &sb);
	sb.s.fs_root.ref.seq = cpu_to_le64(5);
	sb.s.next_seq = cpu_to_le64(6);
	put_super(meta_path, &sb, true);
	EXPECT("stale seq in the fs root ref",
	       "fs tree: block 16: stale block: wrong sequence number, expected 5, found 1");
}

static void corrupt_super(void)
{
	struct scoutfs_check_result res;
	struct run_result r;
	struct lines out;
	super_buf sb;
	int status;

	get_super(meta_path, &sb);
	sb.b[200] ^= 0xff;
	put_super(meta_path, &sb, false);
	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_ERRORS, "damaged superblock: check exits 4");
	tap_contains(out.s, "metadata device superblock: checksum mismatch",
		     "damaged superblock: check says so");
	free(out.s);
	{
		const char *const args[] = { "check", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 4, "damaged superblock: scoutfs check exits 4");
	tap_contains(r.out, "scoutfs check: metadata device superblock: checksum mismatch\n",
		     "damaged superblock: scoutfs check prints the problem");
	tap_contains(r.out, ": 1 problem found\n", "damaged superblock: and the summary");
	run_result_free(&r);
	restore_pristine();

	get_super(meta_path, &sb);
	sb.s.fmt_vers = cpu_to_le64(99);
	put_super(meta_path, &sb, true);
	EXPECT("unsupported format version",
	       "metadata device superblock: format version not supported, expected 1 to 1, found 99");
}

static void corrupt_items(void)
{
	struct scoutfs_btree_block *bt = meta_block(FS_BLKNO);
	struct scoutfs_inode *ino;
	unsigned int pos;
	struct scoutfs_key key;
	super_buf sb;

	/* the root inode's meta_seq no longer matches its index item */
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
	if (scoutfs_btree_block_find(bt, &key, &pos) < 0)
		tap_bail("no root inode item");
	ino = (void *)((char *)bt + le16_to_cpu(bt->items[pos].val_off));
	ino->meta_seq = cpu_to_le64(1);
	ino->data_seq = cpu_to_le64(1);
	ino->mode = cpu_to_le32(0170755);
	ino->mtime.nsec = cpu_to_le32(1000000000);
	/* and an item of another tree's zone */
	scoutfs_key_set(&key, SCOUTFS_MOUNTED_CLIENT_ZONE, 5, SCOUTFS_MOUNTED_CLIENT_TYPE, 0, 0, 0);
	tap_is_int(scoutfs_btree_block_insert(bt, &key, 1, 0, NULL, 0), 0, "mounted client item inserted");
	put_meta_block(FS_BLKNO, bt, true);
	EXPECT("damaged items",
	       "fs tree: block 16 item fs.1.inode.0.0.0: mode has no valid file type, found 0170755",
	       "fs tree: block 16 item fs.1.inode.0.0.0: mtime nanoseconds, expected less than 1000000000, found 1000000000",
	       "fs tree: block 16 item mounted.5.mounted.0.0.0: zone 36 does not belong in this tree",
	       "inode 1: the root inode is not a directory");

	bt = meta_block(FS_BLKNO);
	if (scoutfs_btree_block_find(bt, &key, &pos) == 0)
		tap_bail("unexpected item");
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
	scoutfs_btree_block_find(bt, &key, &pos);
	ino = (void *)((char *)bt + le16_to_cpu(bt->items[pos].val_off));
	ino->meta_seq = cpu_to_le64(7);
	put_meta_block(FS_BLKNO, bt, true);
	get_super(meta_path, &sb);
	sb.s.next_seq = cpu_to_le64(5);
	put_super(meta_path, &sb, true);
	EXPECT("inode and index disagree",
	       "inode 1: meta_seq index item does not match the inode, expected seq 7, found 1",
	       "inode 1: no meta_seq index item for the inode's meta_seq 7",
	       "fs tree: inode 1 meta_seq: seq not below the superblock's next_seq, expected less than 5, found 7");
}

static void corrupt_quorum(void)
{
	unsigned char blk[SMALL_BLOCK];

	memset(blk, 0x5a, sizeof(blk));
	pio(meta_path, blk, sizeof(blk), SCOUTFS_QUORUM_OFFSET, true);
	EXPECT("garbage quorum block", "quorum slot 0 block (small block 32): checksum mismatch");
}

/* ------------------------------------------- trees built by hand */

/*
 * Blocks for new trees come off the front of server_meta_avail[0], so
 * that the space still adds up.  The superblock is changed in sb and
 * written by the caller.
 */
static uint64_t take_avail(super_buf *sb, unsigned int nr)
{
	struct scoutfs_alloc_list_block *lb = meta_block(LIST_BLKNO);
	uint64_t first = le64_to_cpu(lb->blknos[le32_to_cpu(lb->start)]);

	lb->start = cpu_to_le32(le32_to_cpu(lb->start) + nr);
	lb->nr = cpu_to_le32(le32_to_cpu(lb->nr) - nr);
	sb->s.server_meta_avail[0].first_nr = lb->nr;
	sb->s.server_meta_avail[0].total_nr = cpu_to_le64(le32_to_cpu(lb->nr));
	put_meta_block(LIST_BLKNO, lb, true);
	return first;
}

static struct scoutfs_btree_block *new_block(uint64_t blkno, uint64_t seq, int level)
{
	struct scoutfs_btree_block *bt = aligned_alloc(8, META_BLOCK);

	if (!bt)
		tap_bail("out of memory");
	scoutfs_btree_block_init(bt, mkfs_res.fsid, blkno, seq, (__u8)level);
	return bt;
}

static void add_item(struct scoutfs_btree_block *bt, const struct scoutfs_key *key,
		     uint64_t seq, uint8_t flags, const void *val, unsigned int len)
{
	if (scoutfs_btree_block_insert(bt, key, seq, flags, val, len) < 0)
		tap_bail("building a block failed");
}

static void add_parent_item(struct scoutfs_btree_block *bt, const struct scoutfs_key *key,
			    uint64_t blkno, uint64_t seq)
{
	struct scoutfs_block_ref ref = {
		.blkno = cpu_to_le64(blkno),
		.seq = cpu_to_le64(seq),
	};

	add_item(bt, key, 0, 0, &ref, sizeof(ref));
}

static void set_root(struct scoutfs_btree_root *root, uint64_t blkno, uint64_t seq,
		     uint8_t height)
{
	root->ref.blkno = cpu_to_le64(blkno);
	root->ref.seq = cpu_to_le64(seq);
	root->height = height;
}

/* the value of inode ino's item in a leaf */
static struct scoutfs_inode *leaf_inode(struct scoutfs_btree_block *bt, uint64_t ino)
{
	struct scoutfs_key key;
	unsigned int pos;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	if (scoutfs_btree_block_find(bt, &key, &pos) < 0)
		tap_bail("no item for inode %llu", (unsigned long long)ino);
	return (void *)((char *)bt + le16_to_cpu(bt->items[pos].val_off));
}

/* which items of a directory entry add_entry_items() adds */
#define ENTRY_DIRENT	0x1
#define ENTRY_READDIR	0x2
#define ENTRY_BACKREF	0x4
#define ENTRY_ALL	(ENTRY_DIRENT | ENTRY_READDIR | ENTRY_BACKREF)

/* an entry's items, version seq, as the kernel writes them */
static void add_entry_items(struct scoutfs_btree_block *bt, uint64_t seq, uint64_t dir,
			    uint64_t pos, uint64_t ino, uint8_t type, const char *name,
			    unsigned int which)
{
	unsigned char buf[sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN];
	struct scoutfs_dirent *d = (void *)buf;
	size_t len = strlen(name);
	uint64_t hash = scoutfs_name_hash(name, len);
	struct scoutfs_key key;

	memset(buf, 0, sizeof(buf));
	d->ino = cpu_to_le64(ino);
	d->hash = cpu_to_le64(hash);
	d->pos = cpu_to_le64(pos);
	d->type = type;
	memcpy(d->name, name, len);
	len += sizeof(*d);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir, SCOUTFS_DIRENT_TYPE, hash, pos, 0);
	if (which & ENTRY_DIRENT)
		add_item(bt, &key, seq, 0, buf, (unsigned int)len);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir, SCOUTFS_READDIR_TYPE, pos, 0, 0);
	if (which & ENTRY_READDIR)
		add_item(bt, &key, seq, 0, buf, (unsigned int)len);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_LINK_BACKREF_TYPE, dir, pos, 0);
	if (which & ENTRY_BACKREF)
		add_item(bt, &key, seq, 0, buf, (unsigned int)len);
}

struct two_level {
	bool low_first_key;	/* the first parent key below the leaf's keys */
	bool no_right_edge;	/* the last parent key isn't the greatest */
	uint64_t leaf_seq;	/* of the new right leaf, 1 normally */
	int leaf_level;		/* of the new right leaf, 0 normally */
};

/*
 * Make the fs tree two levels: a new parent whose first child is the
 * mkfs leaf (block 16) and whose second is a new leaf holding a symlink
 * part for the root inode (a key after the inode's).
 */
static void make_two_level(const struct two_level *tl)
{
	struct scoutfs_btree_block *parent, *leaf;
	uint64_t pblk, lblk;
	struct scoutfs_key key;
	super_buf sb;

	get_super(meta_path, &sb);
	pblk = take_avail(&sb, 2);
	lblk = pblk + 1;

	parent = new_block(pblk, tl->leaf_seq, 1);
	if (tl->low_first_key)
		scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0,
				SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, 0, 0, 0);
	else
		scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE,
				0, 0, 0);
	add_parent_item(parent, &key, FS_BLKNO, 1);
	if (tl->no_right_edge)
		scoutfs_key_set(&key, SCOUTFS_FS_ZONE, 2, SCOUTFS_INODE_TYPE, 0, 0, 0);
	else
		scoutfs_key_set_ones(&key);
	add_parent_item(parent, &key, lblk, tl->leaf_seq);
	put_meta_block(pblk, parent, true);

	leaf = new_block(lblk, tl->leaf_seq, tl->leaf_level);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_SYMLINK_TYPE, 0, 0, 0);
	add_item(leaf, &key, 1, 0, "target", 6);
	put_meta_block(lblk, leaf, true);

	set_root(&sb.s.fs_root, pblk, tl->leaf_seq, 2);
	if (tl->leaf_seq >= le64_to_cpu(sb.s.next_seq))
		sb.s.next_seq = cpu_to_le64(tl->leaf_seq + 1);
	put_super(meta_path, &sb, true);
}

static void test_two_level(void)
{
	struct scoutfs_check_result res;
	struct two_level tl = { .leaf_seq = 1 };
	struct run_result r;
	struct lines out;
	int status;

	make_two_level(&tl);
	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN, "two level fs tree: check exits 0");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);
	{
		const char *const args[] = { "print", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "two level fs tree: print exits 0");
	tap_contains(r.out, "fs tree: ref 20.1 height 2\n  block 20 level 1: nr_items 2",
		     "two level fs tree: print shows the parent");
	tap_contains(r.out, "    fs.1.inode.0.0.0 -> child 16.1\n    block 16 level 0",
		     "two level fs tree: print shows the parent item, then the child");
	tap_contains(r.out, "symlink target part: 'target'", "two level fs tree: print shows the new leaf's item");
	tap_contains(r.out, "    22-1043\n", "two level fs tree: print shows the shorter list");
	run_result_free(&r);
	restore_pristine();

	tl = (struct two_level){ .leaf_seq = 1, .low_first_key = true };
	make_two_level(&tl);
	EXPECT("parent key below its child's keys",
	       "fs tree: block 16 item 2: key outside the range its parent gives the block, expected at most index.0.dataseq.0.0.0, found fs.1.inode.0.0.0");

	tl = (struct two_level){ .leaf_seq = 1, .no_right_edge = true };
	make_two_level(&tl);
	EXPECT("right-most parent without the greatest key",
	       "fs tree: block 20 item 1: the last key of a right-most parent is not the greatest key, found fs.2.inode.0.0.0");

	tl = (struct two_level){ .leaf_seq = 3 };
	make_two_level(&tl);
	{
		/* the parent keeps seq 1 while its new child has seq 3 */
		struct scoutfs_btree_block *parent = meta_block(20);

		parent->hdr.seq = cpu_to_le64(1);
		put_meta_block(20, parent, true);
		super_buf sb;

		get_super(meta_path, &sb);
		sb.s.fs_root.ref.seq = cpu_to_le64(1);
		put_super(meta_path, &sb, true);
	}
	EXPECT("child newer than its parent",
	       "fs tree: block 21: seq newer than its parent's, expected at most 1, found 3");

	tl = (struct two_level){ .leaf_seq = 1, .leaf_level = 1 };
	make_two_level(&tl);
	EXPECT("leaf at the wrong level",
	       "fs tree: block 21: bad level, expected level 0, found 1");
}

/*
 * A mount's log tree: a LOG_TREES item in the logs tree whose item_root
 * holds a new inode 16 and whose data_avail holds the first 100 data
 * blocks, taken from data_alloc.  With options to break it.
 */
struct log_opts {
	bool keep_data_alloc;	/* leave the data blocks free in data_alloc too */
	bool delete_root;	/* a newer deletion of the root inode */
};

static void make_log_tree(const struct log_opts *lo)
{
	struct scoutfs_btree_block *logs, *items, *avail, *dalloc;
	struct scoutfs_log_trees lt = { 0 };
	struct scoutfs_inode ino = { 0 };
	uint64_t logs_blk, items_blk, avail_blk;
	uint64_t total = mkfs_res.total_data_blocks;
	struct scoutfs_key key;
	super_buf sb;

	get_super(meta_path, &sb);
	logs_blk = take_avail(&sb, 3);
	items_blk = logs_blk + 1;
	avail_blk = logs_blk + 2;
	sb.s.next_seq = cpu_to_le64(3);
	sb.s.next_ino = cpu_to_le64(17);

	items = new_block(items_blk, 2, 0);
	ino.meta_seq = cpu_to_le64(2);
	ino.data_seq = cpu_to_le64(2);
	ino.next_xattr_id = cpu_to_le64(1);
	ino.nlink = cpu_to_le32(1);
	ino.mode = cpu_to_le32(0100644);
	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_META_SEQ_TYPE, 2, 16, 0);
	add_item(items, &key, 2, 0, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE, 2, 16, 0);
	add_item(items, &key, 2, 0, NULL, 0);
	if (lo->delete_root) {
		scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
		add_item(items, &key, 2, SCOUTFS_ITEM_FLAG_DELETION, NULL, 0);
	}
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, 16, SCOUTFS_INODE_TYPE, 0, 0, 0);
	add_item(items, &key, 2, 0, &ino, sizeof(ino));
	/* linked as "f" in the root, whose newer version counts the entry */
	if (!lo->delete_root) {
		struct scoutfs_btree_block *fs = meta_block(FS_BLKNO);
		struct scoutfs_inode root = *leaf_inode(fs, SCOUTFS_ROOT_INO);

		free(fs);
		root.size = cpu_to_le64(1);
		root.next_readdir_pos = cpu_to_le64(3);
		scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
		add_item(items, &key, 2, 0, &root, sizeof(root));
	}
	add_entry_items(items, 2, SCOUTFS_ROOT_INO, 2, 16, SCOUTFS_DT_REG, "f", ENTRY_ALL);
	put_meta_block(items_blk, items, true);

	avail = new_block(avail_blk, 2, 0);
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE, 355, 100, 0);
	add_item(avail, &key, 2, 0, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE, 100, 355, 0);
	add_item(avail, &key, 2, 0, NULL, 0);
	put_meta_block(avail_blk, avail, true);

	lt.rid = cpu_to_le64(0x1234);
	lt.nr = cpu_to_le64(1);
	lt.trans_seq = cpu_to_le64(2);
	lt.max_item_seq = cpu_to_le64(2);
	set_root(&lt.item_root, items_blk, 2, 1);
	lt.data_avail.total_len = cpu_to_le64(100);
	set_root(&lt.data_avail.root, avail_blk, 2, 1);
	lt.data_avail.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
	lt.data_freed.flags = cpu_to_le64(SCOUTFS_ALLOC_FLAG_DATA);
	logs = new_block(logs_blk, 2, 0);
	scoutfs_key_set(&key, SCOUTFS_LOG_TREES_ZONE, 0x1234, SCOUTFS_LOG_TREES_TYPE, 1, 0, 0);
	add_item(logs, &key, 2, 0, &lt, sizeof(lt));
	put_meta_block(logs_blk, logs, true);
	set_root(&sb.s.logs_root, logs_blk, 2, 1);

	if (!lo->keep_data_alloc) {
		dalloc = new_block(DATA_ALLOC_BLKNO, 2, 0);
		scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
				total - 1, total - 356, 0);
		add_item(dalloc, &key, 2, 0, NULL, 0);
		scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE,
				total - 356, total - 1, 0);
		add_item(dalloc, &key, 2, 0, NULL, 0);
		put_meta_block(DATA_ALLOC_BLKNO, dalloc, true);
		set_root(&sb.s.data_alloc.root, DATA_ALLOC_BLKNO, 2, 1);
		sb.s.data_alloc.total_len = cpu_to_le64(total - 356);
	}
	put_super(meta_path, &sb, true);
}

static void test_log_tree(void)
{
	struct scoutfs_check_result res;
	struct log_opts lo = { 0 };
	struct run_result r;
	struct lines out;
	int status;

	make_log_tree(&lo);
	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN, "log tree: check exits 0");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);
	{
		const char *const args[] = { "print", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "log tree: print exits 0");
	tap_contains(r.out, "log_trees: rid 0000000000001234 nr 1 trans_seq 2 max_item_seq 2",
		     "log tree: print decodes the LOG_TREES item");
	tap_contains(r.out, "log tree 0000000000001234.1 item_root: ref 21.2 height 1",
		     "log tree: print shows its item_root");
	tap_contains(r.out, "fs.16.inode.0.0.0 seq 2", "log tree: print shows its items");
	tap_contains(r.out, "log tree 0000000000001234.1 data_avail: ref 22.2 height 1",
		     "log tree: print shows its data_avail");
	tap_contains(r.out, "free extent: 256-355 (100 blocks)", "log tree: print shows its free extent");
	run_result_free(&r);
	restore_pristine();

	lo = (struct log_opts){ .keep_data_alloc = true };
	make_log_tree(&lo);
	EXPECT("log tree data_avail also free in data_alloc",
	       "data space: data blocks 256-355 doubly used: by the free extent 256-355 of log tree 0000000000001234.1 data_avail and by the free extent 256-16777215 of data_alloc");

	lo = (struct log_opts){ .delete_root = true };
	make_log_tree(&lo);
	EXPECT("newer deletion of the root inode in a log tree",
	       "inode 1: the root directory does not exist",
	       "inode 1: meta_seq index item (seq 1) for an inode that doesn't exist");
}

/* ------------------------------------------------------------ xattrs */

#define XATTR_BYTES_MAX (sizeof(struct scoutfs_xattr) + SCOUTFS_XATTR_MAX_NAME_LEN + \
			 SCOUTFS_XATTR_MAX_VAL_LEN)

static void set_root_next_xattr_id(struct scoutfs_btree_block *bt, uint64_t id)
{
	struct scoutfs_inode *ino;
	struct scoutfs_key key;
	unsigned int pos;

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, SCOUTFS_ROOT_INO, SCOUTFS_INODE_TYPE, 0, 0, 0);
	if (scoutfs_btree_block_find(bt, &key, &pos) < 0)
		tap_bail("no root inode item");
	ino = (void *)((char *)bt + le16_to_cpu(bt->items[pos].val_off));
	ino->next_xattr_id = cpu_to_le64(id);
}

/* an xattr's bytes as stored: header, name, then val_len bytes of value */
static unsigned int xattr_bytes(unsigned char *buf, const char *name, unsigned int val_len)
{
	struct scoutfs_xattr *xa = (void *)buf;
	size_t name_len = strlen(name);
	unsigned int i;

	memset(xa, 0, sizeof(*xa));
	xa->val_len = cpu_to_le32(val_len);
	xa->name_len = (__u8)name_len;
	memcpy(xa->name, name, name_len);
	for (i = 0; i < val_len; i++)
		xa->name[name_len + i] = (unsigned char)(i * 7);
	return (unsigned int)(sizeof(*xa) + name_len + val_len);
}

/* part `part` of an xattr's bytes, len bytes of it (0: as many as it has) */
static void insert_xattr_part(struct scoutfs_btree_block *bt, uint64_t ino, uint64_t hash,
			      uint64_t id, unsigned int part, const unsigned char *bytes,
			      unsigned int total, unsigned int len)
{
	unsigned int off = part * SCOUTFS_BTREE_MAX_VAL_LEN;
	struct scoutfs_key key;

	if (!len)
		len = total - off < SCOUTFS_BTREE_MAX_VAL_LEN ? total - off :
							       SCOUTFS_BTREE_MAX_VAL_LEN;
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_XATTR_TYPE, hash, id, (__u8)part);
	add_item(bt, &key, 1, 0, bytes + off, len);
}

/* every part of an xattr, keyed by its name's hash */
static void insert_xattr(struct scoutfs_btree_block *bt, uint64_t ino, uint64_t id,
			 const char *name, unsigned int val_len)
{
	static unsigned char bytes[XATTR_BYTES_MAX];
	unsigned int total = xattr_bytes(bytes, name, val_len);
	unsigned int part;

	for (part = 0; part * SCOUTFS_BTREE_MAX_VAL_LEN < total; part++)
		insert_xattr_part(bt, ino, scoutfs_name_hash(name, strlen(name)), id, part,
				  bytes, total, 0);
}

static void test_xattr_clean(void)
{
	struct scoutfs_btree_block *bt = meta_block(FS_BLKNO);
	struct scoutfs_check_result res;
	struct run_result r;
	struct lines out;
	int status;

	set_root_next_xattr_id(bt, 4);
	insert_xattr(bt, SCOUTFS_ROOT_INO, 1, "user.big", 30000);
	insert_xattr(bt, SCOUTFS_ROOT_INO, 2, "user.small", 3);
	insert_xattr(bt, SCOUTFS_ROOT_INO, 3, "user.empty", 0);
	put_meta_block(FS_BLKNO, bt, true);

	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN, "xattrs of 30000 (8 parts), 3 and 0 bytes: check exits 0");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);
	{
		const char *const args[] = { "print", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_contains(r.out, "xattr: val_len 30000 name_len 8 name 'user.big'\n",
		     "print shows the header of an xattr's part 0");
	tap_contains(r.out, "fs.1.xattr.", "print shows the xattr items");
	run_result_free(&r);
	restore_pristine();
}

static void corrupt_xattrs(void)
{
	static unsigned char bytes[XATTR_BYTES_MAX];
	struct scoutfs_btree_block *bt = meta_block(FS_BLKNO);
	uint64_t lost = scoutfs_name_hash("user.lost", 9);
	char want_hash[160], want_lost[160];
	unsigned int total;

	set_root_next_xattr_id(bt, 10);
	/* only part 0 of two */
	total = xattr_bytes(bytes, "user.missing", 5000);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, scoutfs_name_hash("user.missing", 12), 1, 0,
			  bytes, total, 0);
	/* the last part short: 8 + 10 + 5000 - 4096 = 922 bytes expected */
	total = xattr_bytes(bytes, "user.short", 5000);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, scoutfs_name_hash("user.short", 10), 2, 0,
			  bytes, total, 0);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, scoutfs_name_hash("user.short", 10), 2, 1,
			  bytes, total, 100);
	/* a part after the last */
	total = xattr_bytes(bytes, "user.extra", 10);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, scoutfs_name_hash("user.extra", 10), 3, 0,
			  bytes, total, 0);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, scoutfs_name_hash("user.extra", 10), 3, 1,
			  bytes, XATTR_BYTES_MAX, 50);
	/* keyed by a hash that isn't its name's */
	total = xattr_bytes(bytes, "user.hash", 1);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, 77, 4, 0, bytes, total, 0);
	/* an id the inode never gave out */
	insert_xattr(bt, SCOUTFS_ROOT_INO, 50, "user.id", 1);
	/* an inode that doesn't exist */
	insert_xattr(bt, 5, 1, "user.orphan", 1);
	/* a part without its part 0 */
	total = xattr_bytes(bytes, "user.lost", 5000);
	insert_xattr_part(bt, SCOUTFS_ROOT_INO, lost, 6, 1, bytes, total, 0);
	/* one name twice */
	insert_xattr(bt, SCOUTFS_ROOT_INO, 7, "user.twice", 1);
	insert_xattr(bt, SCOUTFS_ROOT_INO, 8, "user.twice", 2);
	put_meta_block(FS_BLKNO, bt, true);

	snprintf(want_hash, sizeof(want_hash),
		 "inode 1: xattr user.hash is keyed by hash 000000000000004d, its name hashes to %016llx",
		 (unsigned long long)scoutfs_name_hash("user.hash", 9));
	snprintf(want_lost, sizeof(want_lost),
		 "inode 1: xattr part 1 (hash %016llx id 6) without part 0",
		 (unsigned long long)lost);
	EXPECT("damaged xattrs",
	       "inode 1: xattr user.missing (value of 5000 bytes) is missing part 1",
	       "inode 1: xattr user.short part 1 has length 100, expected 922",
	       "inode 1: xattr user.extra has part 1 beyond its last part 0",
	       want_hash,
	       "inode 1: xattr user.id has id 50, expected below the inode's next_xattr_id 10",
	       "inode 5: xattr user.orphan for an inode that doesn't exist",
	       want_lost,
	       "inode 1: xattr user.twice is stored twice, with ids 7 and 8");
}

static void corrupt_alloc(void)
{
	struct scoutfs_btree_block *bt = meta_block(META_ALLOC_BLKNO);
	super_buf sb;
	char want[128];

	/* drop the FREE_LEN item, the block's last */
	bt->nr_items = cpu_to_le16(1);
	bt->mid_free_len = cpu_to_le16(le16_to_cpu(bt->mid_free_len) + 48);
	bt->total_free_len = cpu_to_le16(le16_to_cpu(bt->total_free_len) + 48);
	memset(&bt->items[1], 0, sizeof(bt->items[1]));
	put_meta_block(META_ALLOC_BLKNO, bt, true);
	snprintf(want, sizeof(want), "meta_alloc[0]: free extent 1044-%llu has a FREE_BLKNO item but no FREE_LEN item",
		 (unsigned long long)mkfs_res.total_meta_blocks - 1);
	EXPECT("free extent without its FREE_LEN item", want);

	get_super(meta_path, &sb);
	le64_add_cpu(&sb.s.meta_alloc[0].total_len, 5);
	put_super(meta_path, &sb, true);
	snprintf(want, sizeof(want), "meta_alloc[0]: total_len is not the sum of the free extents, expected %llu, found %llu",
		 (unsigned long long)mkfs_res.total_meta_blocks - 1044,
		 (unsigned long long)mkfs_res.total_meta_blocks - 1044 + 5);
	EXPECT("allocator total_len off by 5", want);
}

/* ------------------------------------- directory entries and file data */

/*
 * A small namespace in the mkfs leaf, all version 1, as a kernel leaves
 * it after a clean unmount:
 *
 *   1   /      nlink 3, entries "f" (pos 2) and "d" (pos 3), size 2
 *   16  /f     nlink 2, also /d/g; data 0-9 at 1000, unwritten 20-24
 *              at 1010, offline 30-39
 *   17  /d     nlink 2, entry "g" (pos 2) for 16, size 1
 *   18         nlink 0 with its orphan item: unlinked while open;
 *              data 0-3 at 1015
 *
 * data_alloc holds every other data block.  ns_damage picks one thing
 * to break.
 */
enum ns_damage {
	NS_CLEAN,
	NS_FILE_NLINK,		/* 16's nlink one too many */
	NS_DIR_NLINK,		/* the root's nlink misses d */
	NS_NO_READDIR,		/* d/g without its READDIR item */
	NS_NO_BACKREF,		/* /f without its LINK_BACKREF item */
	NS_BACKREF_TYPE,	/* d/g's LINK_BACKREF says it names a directory */
	NS_DANGLING,		/* /x names inode 30, which doesn't exist */
	NS_TYPE,		/* /f's items say it names a symlink */
	NS_POS,			/* d/g at d's next_readdir_pos */
	NS_DIR_SIZE,		/* the root's size counts 3 more name bytes */
	NS_IN_FILE,		/* an entry in the regular file 16 */
	NS_DIR_TWICE,		/* d also named /e */
	NS_UNLINKED_NAMED,	/* 18 (nlink 0) named /u */
	NS_NO_ORPHAN,		/* 18 without its orphan item */
	NS_ORPHAN_LINKED,	/* an orphan item for 16 */
	NS_EXT_DIR,		/* 18's extent belongs to the directory 17 */
	NS_EXT_OVERLAP,		/* 16's unwritten extent at 8-12 */
	NS_EXT_COUNTS,		/* 16's counts leave out unwritten and offline */
	NS_EXT_FLAGS,		/* 16's offline extent has a blkno and a new flag */
	NS_DATA_LEAK,		/* 18's extent is gone, its blocks aren't free */
	NS_DATA_SHARED,		/* 18's extent maps 16's blocks */
	NS_DATA_FREE,		/* 16's first blocks are free in data_alloc too */
};

static void add_ns_inode(struct scoutfs_btree_block *bt, uint64_t ino, uint32_t mode,
			 uint32_t nlink, uint64_t size, uint64_t next_pos,
			 uint64_t online, uint64_t offline)
{
	struct scoutfs_inode in = { 0 };
	struct scoutfs_key key;

	in.size = cpu_to_le64(size);
	in.meta_seq = cpu_to_le64(1);
	in.data_seq = cpu_to_le64(1);
	in.online_blocks = cpu_to_le64(online);
	in.offline_blocks = cpu_to_le64(offline);
	in.next_readdir_pos = cpu_to_le64(next_pos);
	in.next_xattr_id = cpu_to_le64(1);
	in.nlink = cpu_to_le32(nlink);
	in.mode = cpu_to_le32(mode);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_INODE_TYPE, 0, 0, 0);
	add_item(bt, &key, 1, 0, &in, sizeof(in));
	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_META_SEQ_TYPE,
			1, ino, 0);
	add_item(bt, &key, 1, 0, NULL, 0);
	scoutfs_key_set(&key, SCOUTFS_INODE_INDEX_ZONE, 0, SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE,
			1, ino, 0);
	add_item(bt, &key, 1, 0, NULL, 0);
}

static void add_ns_extent(struct scoutfs_btree_block *bt, uint64_t ino, uint64_t start,
			  uint64_t len, uint64_t blkno, uint8_t flags)
{
	struct scoutfs_data_extent ext = { 0 };
	struct scoutfs_key key;

	ext.len = cpu_to_le64(len);
	ext.blkno = cpu_to_le64(blkno);
	ext.flags = flags;
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, ino, SCOUTFS_DATA_EXTENT_TYPE,
			start + len - 1, 0, 0);
	add_item(bt, &key, 1, 0, &ext, sizeof(ext));
}

/* rewrite data_alloc's leaf to hold exactly the nr extents [start, len] */
static void set_data_free(super_buf *sb, const uint64_t (*exts)[2], unsigned int nr)
{
	struct scoutfs_btree_block *bt = new_block(DATA_ALLOC_BLKNO, 1, 0);
	struct scoutfs_key key;
	uint64_t total = 0, last;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		last = exts[i][0] + exts[i][1] - 1;
		scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
				last, exts[i][1], 0);
		add_item(bt, &key, 1, 0, NULL, 0);
		scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_LEN_TYPE,
				exts[i][1], last, 0);
		add_item(bt, &key, 1, 0, NULL, 0);
		total += exts[i][1];
	}
	put_meta_block(DATA_ALLOC_BLKNO, bt, true);
	set_root(&sb->s.data_alloc.root, DATA_ALLOC_BLKNO, 1, 1);
	sb->s.data_alloc.total_len = cpu_to_le64(total);
}

static void make_ns(enum ns_damage dmg)
{
	struct scoutfs_btree_block *bt = meta_block(FS_BLKNO);
	uint64_t total = mkfs_res.total_data_blocks;
	uint64_t free_exts[2][2] = { { 256, 1000 - 256 }, { 1019, total - 1019 } };
	struct scoutfs_inode *root = leaf_inode(bt, SCOUTFS_ROOT_INO);
	uint64_t online16 = 15, offline16 = 10;
	uint8_t flags = 0;
	struct scoutfs_key key;
	super_buf sb;

	/* the root, from mkfs, gets its two entries (and damage) */
	root->nlink = cpu_to_le32(dmg == NS_DIR_NLINK ? 2 : dmg == NS_DIR_TWICE ? 4 : 3);
	root->size = cpu_to_le64(dmg == NS_DIR_SIZE ? 5 : 2);
	root->next_readdir_pos = cpu_to_le64(4);
	if (dmg == NS_DANGLING || dmg == NS_DIR_TWICE || dmg == NS_UNLINKED_NAMED) {
		root->size = cpu_to_le64(3);
		root->next_readdir_pos = cpu_to_le64(5);
	}
	add_entry_items(bt, 1, SCOUTFS_ROOT_INO, 2, 16,
			dmg == NS_TYPE ? SCOUTFS_DT_LNK : SCOUTFS_DT_REG, "f",
			dmg == NS_NO_BACKREF ? ENTRY_DIRENT | ENTRY_READDIR : ENTRY_ALL);
	add_entry_items(bt, 1, SCOUTFS_ROOT_INO, 3, 17, SCOUTFS_DT_DIR, "d", ENTRY_ALL);
	if (dmg == NS_DANGLING)
		add_entry_items(bt, 1, SCOUTFS_ROOT_INO, 4, 30, SCOUTFS_DT_REG, "x", ENTRY_ALL);
	if (dmg == NS_DIR_TWICE)
		add_entry_items(bt, 1, SCOUTFS_ROOT_INO, 4, 17, SCOUTFS_DT_DIR, "e", ENTRY_ALL);
	if (dmg == NS_UNLINKED_NAMED)
		add_entry_items(bt, 1, SCOUTFS_ROOT_INO, 4, 18, SCOUTFS_DT_REG, "u", ENTRY_ALL);

	/* 16: /f and /d/g, with data */
	if (dmg == NS_EXT_COUNTS) {
		online16 = 10;
		offline16 = 0;
	}
	add_ns_inode(bt, 16, 0100644, dmg == NS_FILE_NLINK ? 3 : 2, 160 * 1024, 2,
		     online16, offline16);
	add_ns_extent(bt, 16, 0, 10, 1000, 0);
	add_ns_extent(bt, 16, dmg == NS_EXT_OVERLAP ? 8 : 20, 5, 1010,
		      SCOUTFS_EXTENT_FLAG_UNWRITTEN);
	if (dmg == NS_EXT_FLAGS)
		flags = 0x4;
	add_ns_extent(bt, 16, 30, 10, dmg == NS_EXT_FLAGS ? 5 : 0,
		      SCOUTFS_EXTENT_FLAG_OFFLINE | flags);
	if (dmg == NS_IN_FILE)
		add_entry_items(bt, 1, 16, 2, 17, SCOUTFS_DT_DIR, "z", ENTRY_ALL);

	/* 17: /d, holding g */
	add_ns_inode(bt, 17, 040755, 2, 1, 3, dmg == NS_EXT_DIR ? 4 : 0, 0);
	if (dmg == NS_BACKREF_TYPE) {
		add_entry_items(bt, 1, 17, 2, 16, SCOUTFS_DT_REG, "g",
				ENTRY_DIRENT | ENTRY_READDIR);
		add_entry_items(bt, 1, 17, 2, 16, SCOUTFS_DT_DIR, "g", ENTRY_BACKREF);
	} else {
		add_entry_items(bt, 1, 17, dmg == NS_POS ? 3 : 2, 16, SCOUTFS_DT_REG, "g",
				dmg == NS_NO_READDIR ? ENTRY_DIRENT | ENTRY_BACKREF : ENTRY_ALL);
	}

	/* 18: unlinked, still open */
	add_ns_inode(bt, 18, 0100600, 0, 16384, 2,
		     dmg == NS_EXT_DIR || dmg == NS_DATA_LEAK ? 0 : 4, 0);
	if (dmg == NS_EXT_DIR)
		add_ns_extent(bt, 17, 0, 4, 1015, 0);
	else if (dmg != NS_DATA_LEAK)
		add_ns_extent(bt, 18, 0, 4, dmg == NS_DATA_SHARED ? 1000 : 1015, 0);
	if (dmg != NS_NO_ORPHAN) {
		scoutfs_key_set(&key, SCOUTFS_ORPHAN_ZONE, 18, SCOUTFS_ORPHAN_TYPE, 0, 0, 0);
		add_item(bt, &key, 1, 0, NULL, 0);
	}
	if (dmg == NS_ORPHAN_LINKED) {
		scoutfs_key_set(&key, SCOUTFS_ORPHAN_ZONE, 16, SCOUTFS_ORPHAN_TYPE, 0, 0, 0);
		add_item(bt, &key, 1, 0, NULL, 0);
	}
	put_meta_block(FS_BLKNO, bt, true);

	get_super(meta_path, &sb);
	sb.s.next_ino = cpu_to_le64(32);
	if (dmg == NS_DATA_FREE)
		free_exts[0][1] += 2;	/* 256-1001 */
	set_data_free(&sb, (const uint64_t (*)[2])free_exts, 2);
	put_super(meta_path, &sb, true);
}

static void test_namespace(void)
{
	struct scoutfs_check_result res;
	struct lines out;
	int status;

	make_ns(NS_CLEAN);
	status = check_devs(meta_path, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_CLEAN,
		   "namespace with links, subdirectory, unlinked open file and data: check exits 0");
	if (out.len)
		tap_diag("problems:\n%s", out.s);
	free(out.s);
	restore_pristine();

	make_ns(NS_FILE_NLINK);
	EXPECT("file nlink one too many",
	       "inode 16: nlink is not the number of directory entries that name the inode, expected 2, found 3");
	make_ns(NS_DIR_NLINK);
	EXPECT("directory nlink without its subdirectory",
	       "inode 1: directory nlink is not 2 plus its subdirectories, expected 3, found 2");
	make_ns(NS_NO_READDIR);
	EXPECT("entry without its READDIR item",
	       "directory 17: entry at pos 2 for inode 16 has no READDIR item");
	make_ns(NS_NO_BACKREF);
	EXPECT("entry without its LINK_BACKREF item",
	       "directory 1: entry at pos 2 for inode 16 has no LINK_BACKREF item");
	make_ns(NS_BACKREF_TYPE);
	EXPECT("LINK_BACKREF differing from its DIRENT",
	       "directory 17: entry at pos 2: the LINK_BACKREF item differs from the DIRENT item, expected ino 16 hash 0x");
	make_ns(NS_DANGLING);
	EXPECT("entry for a missing inode",
	       "directory 1: entry at pos 4 names inode 30, which doesn't exist");
	make_ns(NS_TYPE);
	EXPECT("entry type not the inode's",
	       "directory 1: entry at pos 2 has type 10, but inode 16 has mode 0100644, expected type 8");
	make_ns(NS_POS);
	EXPECT("entry pos not given out",
	       "directory 17: entry at pos 3 not below the directory's next_readdir_pos 3");
	make_ns(NS_DIR_SIZE);
	EXPECT("directory size off",
	       "inode 1: directory size is not the total length of its entries' names, expected 2, found 5");
	make_ns(NS_IN_FILE);
	EXPECT("entry in a regular file",
	       "directory 16: entry at pos 2 for inode 17 in an inode that is not a directory, found mode 0100644");
	make_ns(NS_DIR_TWICE);
	EXPECT("directory with two names",
	       "inode 17: directory named by 2 entries, expected 1");
	make_ns(NS_UNLINKED_NAMED);
	EXPECT("unlinked inode with a name",
	       "inode 18: nlink 0, but directory entries name the inode, expected 0, found 1");
	make_ns(NS_NO_ORPHAN);
	EXPECT("unlinked inode without an orphan item",
	       "inode 18: nlink 0 without an orphan item: the inode and its space would never be freed");
	make_ns(NS_ORPHAN_LINKED);
	EXPECT("orphan item for a linked inode",
	       "inode 16: orphan item for a linked inode, expected nlink 0, found 2");
	make_ns(NS_EXT_DIR);
	EXPECT("data extent in a directory",
	       "inode 17: data extents in an inode that is not a regular file, found mode 040755");
	make_ns(NS_EXT_OVERLAP);
	EXPECT("overlapping extents of a file",
	       "inode 16: data extents at logical 0-9 and 8-12 overlap");
	make_ns(NS_EXT_COUNTS);
	EXPECT("block counts without unwritten and offline extents",
	       "inode 16: online_blocks does not match the extents, expected 15, found 10",
	       "inode 16: offline_blocks does not match the extents, expected 10, found 0");
	make_ns(NS_EXT_FLAGS);
	EXPECT("offline extent with a blkno and an unknown flag",
	       "item fs.16.extent.39.0.0: unknown extent flags, expected at most 0x3, found 0x6",
	       "item fs.16.extent.39.0.0: offline extent with data blocks, expected blkno 0, found 5");
	make_ns(NS_DATA_LEAK);
	EXPECT("data blocks of no file and not free",
	       "data space: data blocks 1015-1018 leaked: neither free nor used by a file");
	make_ns(NS_DATA_SHARED);
	EXPECT("data blocks of two files",
	       "data space: data blocks 1000-1003 doubly used: by the extent of inode 18 at logical 0-3 (data 1000-1003) and by the extent of inode 16 at logical 0-9 (data 1000-1009)",
	       "data space: data blocks 1015-1018 leaked");
	make_ns(NS_DATA_FREE);
	EXPECT("data blocks of a file also free",
	       "data space: data blocks 1000-1001 doubly used: by the free extent 256-1001 of data_alloc and by the extent of inode 16 at logical 0-9 (data 1000-1009)");
}

static void test_operational(void)
{
	struct scoutfs_check_result res;
	struct run_result r;
	struct lines out;
	char missing[96];
	int status;

	snprintf(missing, sizeof(missing), "%s/missing", dir);
	status = check_devs(missing, data_path, &out, &res);
	tap_is_int(status, SCOUTFS_CHECK_OPERATIONAL, "missing device: check exits 8");
	tap_contains(res.operational, "No such file or directory", "missing device: says why");
	free(out.s);

	{
		const char *const args[] = { "check", missing, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 8, "missing device: scoutfs check exits 8");
	tap_contains(r.err, "missing: No such file or directory", "missing device: on stderr");
	run_result_free(&r);

	{
		const char *const args[] = { "check", meta_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 16, "one device: scoutfs check exits 16");
	run_result_free(&r);
	{
		const char *const args[] = { "check", "--frob", meta_path, data_path, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 16, "unknown option: scoutfs check exits 16");
	run_result_free(&r);
}

/* ------------------------------------------------------------- fuzz */

/*
 * Random damage to the superblock, the quorum block and the blocks mkfs
 * wrote: a few flipped bytes, often where the structure is (headers,
 * items, values, list entries), and half the time with a new crc so that
 * the damage gets past the checksum to the checks behind it.  Every run
 * must end with status 0 or 4, and the sanitizers see every run.
 */
static void fuzz(const char *what, unsigned int nr_blocks)
{
	static unsigned char buf[META_BLOCK];
	struct scoutfs_check_result res;
	unsigned int bad_status = 0, found = 0, clean = 0;
	unsigned int rounds = FUZZ_ROUNDS;
	unsigned int round, i, nr;
	struct run_result r;
	struct lines out;
	uint64_t off, target;
	size_t size;
	bool crc;
	int status;

	/* more rounds, and another seed, for a longer hunt by hand */
	if (getenv("SCOUTFS_FUZZ_ROUNDS"))
		rounds = (unsigned int)strtoul(getenv("SCOUTFS_FUZZ_ROUNDS"), NULL, 0);
	if (getenv("SCOUTFS_FUZZ_SEED"))
		rng_state = strtoull(getenv("SCOUTFS_FUZZ_SEED"), NULL, 0) | 1;

	for (round = 0; round < rounds; round++) {
		target = rng() % (nr_blocks + 2);
		crc = rng() & 1;
		if (target < nr_blocks) {
			off = (FS_BLKNO + target) * META_BLOCK;
			size = META_BLOCK;
		} else {
			off = target == nr_blocks ? SCOUTFS_SUPER_OFFSET : SCOUTFS_QUORUM_OFFSET;
			size = SMALL_BLOCK;
		}
		pio(meta_path, buf, size, off, false);

		nr = 1 + rng() % 4;
		for (i = 0; i < nr; i++) {
			uint64_t where = rng();

			/* mostly the ends of the block, where its structure is */
			if (size == META_BLOCK && (where & 3) == 0)
				where = META_BLOCK - 1 - (where >> 2) % 512;
			else if (size == META_BLOCK && (where & 3) == 1)
				where = (where >> 2) % 8192;
			else if ((where & 3) == 2)
				where = (where >> 2) % 1024;
			buf[where % size] ^= (unsigned char)(1 + rng() % 255);
		}
		if (crc)
			scoutfs_block_set_crc(buf, size);
		pio(meta_path, buf, size, off, true);

		status = check_devs(meta_path, data_path, &out, &res);
		if (status != SCOUTFS_CHECK_CLEAN && status != SCOUTFS_CHECK_ERRORS) {
			if (bad_status++ == 0)
				tap_diag("%s round %u: status %d: %s\n%s", what, round, status,
					 res.operational, out.s);
		}
		if (status == SCOUTFS_CHECK_ERRORS && res.problems)
			found++;
		if (status == SCOUTFS_CHECK_CLEAN)
			clean++;
		free(out.s);

		/* print must cope with the same damage */
		if (round % 20 == 0 && round < FUZZ_ROUNDS) {
			const char *const args[] = { "print", meta_path, data_path, NULL };

			run_scoutfs(&r, NULL, args);
			tap_ok(r.status == 0 || r.status == 1,
			       "%s round %u: print exits 0 or 1 (%d)", what, round, r.status);
			run_result_free(&r);
		}
		snapshot_io(&fuzz_base, true);
	}
	tap_is_int(bad_status, 0, "%s: %u rounds of random damage: check always exits 0 or 4",
		   what, rounds);
	tap_ok(found > rounds / 2, "%s: most damage is found (%u found, %u clean)", what,
	       found, clean);
}

/* damage to what mkfs wrote, to log and two level trees, and to a namespace */
static void test_fuzz(void)
{
	struct two_level tl = { .leaf_seq = 1 };
	struct log_opts lo = { 0 };

	snapshot_io(&fuzz_base, false);
	fuzz("mkfs", NR_MKFS_BLOCKS);

	make_log_tree(&lo);
	make_two_level(&tl);
	{
		struct scoutfs_check_result res;
		struct lines out;

		tap_is_int(check_devs(meta_path, data_path, &out, &res), SCOUTFS_CHECK_CLEAN,
			   "log and two level trees together: check exits 0");
		free(out.s);
	}
	snapshot_io(&fuzz_base, false);
	fuzz("log and two level trees", NR_SNAP_BLOCKS - 1);
	restore_pristine();

	/* entries, links, orphans and extents, with data_alloc rebuilt */
	make_ns(NS_CLEAN);
	snapshot_io(&fuzz_base, false);
	fuzz("namespace and data", NR_MKFS_BLOCKS);
	restore_pristine();
}

/* the images go even when a test bails out */
static void remove_images(void)
{
	unlink(meta_path);
	unlink(data_path);
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(dir))
		tap_bail("mkdtemp: %s", strerror(errno));
	snprintf(meta_path, sizeof(meta_path), "%s/meta", dir);
	snprintf(data_path, sizeof(data_path), "%s/data", dir);
	atexit(remove_images);

	mkfs_images(64ULL << 30, 64ULL << 30, false);
	snapshot_io(&pristine, false);

	test_print();
	test_check_clean();

	corrupt_crc();
	corrupt_magic();
	corrupt_list_double();
	corrupt_root_double();
	corrupt_leak();
	corrupt_extent_outside();
	corrupt_extent_double();
	corrupt_data_fsid();
	corrupt_swapped();
	corrupt_stale();
	corrupt_super();
	corrupt_items();
	test_xattr_clean();
	corrupt_xattrs();
	corrupt_quorum();
	corrupt_alloc();
	test_two_level();
	test_log_tree();
	test_namespace();
	test_operational();
	test_fuzz();

	test_check_small();
	return tap_done();
}
