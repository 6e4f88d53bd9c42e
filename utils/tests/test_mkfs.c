/*
 * Tests of scoutfs mkfs through the command: a filesystem on 64 GiB
 * sparse images with the structures docs/format.md promises, --config,
 * and every refused input with its one-line error, exit status and
 * untouched devices.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "format/block.h"
#include "format/btree_block.h"
#include "format/format.h"
#include "tap.h"
#include "testutil.h"

static char dir[] = "/tmp/scoutfs-test-mkfs.XXXXXX";
static char meta[128], data[128], small[128], other[128];

static void make_image(const char *path, uint64_t size)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		tap_bail("making %s: %s", path, strerror(errno));
	close(fd);
}

/*
 * A fingerprint of an image's contents that is cheap on huge sparse
 * files: its size and every non-zero 64 KiB chunk with its offset.
 * Zero chunks are skipped wherever they are, so that the host's choice
 * between holes and written zeros (which can change as it writes back)
 * doesn't matter.
 */
static uint64_t fingerprint(const char *path)
{
	static char buf[1 << 16], zero[1 << 16];
	uint64_t h = 1469598103934665603ULL;
	off_t off = 0, end, pos;
	struct stat st;
	ssize_t r, i;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		tap_bail("fingerprint %s: %s", path, strerror(errno));
	h ^= (uint64_t)st.st_size;
	for (;;) {
		off = lseek(fd, off, SEEK_DATA);
		if (off < 0)
			break;
		end = lseek(fd, off, SEEK_HOLE);
		off &= ~(off_t)(sizeof(buf) - 1);
		for (pos = off; pos < end; pos += (off_t)sizeof(buf)) {
			r = pread(fd, buf, sizeof(buf), pos);
			if (r < 0)
				tap_bail("reading %s", path);
			if (r == 0 || memcmp(buf, zero, (size_t)r) == 0)
				continue;
			h = (h ^ (uint64_t)pos) * 1099511628211ULL;
			for (i = 0; i < r; i++)
				h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
		}
		off = pos;
	}
	close(fd);
	return h;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* run mkfs expecting a refusal that says `why` and writes nothing */
static void refused(const char *desc, int status, const char *why, const char *const *args)
{
	uint64_t fm = fingerprint(meta), fd = fingerprint(data);
	struct run_result r;

	run_scoutfs(&r, NULL, args);
	tap_is_int(r.status, status, "%s: exit status %d", desc, status);
	tap_contains(r.err, why, "%s: says why", desc);
	tap_is_int((long long)count_lines(r.err), 1, "%s: in one line", desc);
	tap_ok(fingerprint(meta) == fm && fingerprint(data) == fd,
	       "%s: devices untouched", desc);
	run_result_free(&r);
}

static void read_super(const char *path, struct scoutfs_super_block *super, int *result)
{
	char buf[SCOUTFS_SUPER_SIZE];
	struct scoutfs_dev dev;
	const char *why;

	if (scoutfs_dev_open(&dev, path, false, &why) < 0 ||
	    scoutfs_dev_read(&dev, buf, sizeof(buf), SCOUTFS_SUPER_OFFSET) < 0)
		tap_bail("reading the superblock of %s", path);
	*result = scoutfs_block_verify(buf, sizeof(buf), SCOUTFS_BLOCK_MAGIC_SUPER, 0,
				       SCOUTFS_SUPER_BLKNO, 0);
	memcpy(super, buf, sizeof(*super));
	scoutfs_dev_close(&dev);
}

static void test_fresh_filesystem(void)
{
	struct scoutfs_super_block ms, ds;
	static char blk[SCOUTFS_META_BLOCK_SIZE] __attribute__((aligned(8)));
	struct scoutfs_btree_verify_scratch scratch;
	struct scoutfs_dev dev;
	struct run_result r;
	const char *why;
	int res, bad;

	run_scoutfs(&r, NULL, ARGS("mkfs", meta, data, "-Q", "0,127.0.0.1,12345",
				   "-Q", "2,::1,12346"));
	tap_is_int(r.status, 0, "mkfs on 64 GiB images succeeds");
	tap_contains(r.out, "Created scoutfs filesystem", "and says so");
	tap_contains(r.out, "quorum slot 2    [::1]:12346", "and lists the IPv6 slot");
	run_result_free(&r);

	read_super(meta, &ms, &res);
	tap_is_int(res, SCOUTFS_BLOCK_OK, "metadata superblock verifies");
	tap_is_int((long long)le64_to_cpu(ms.flags), SCOUTFS_SUPER_FLAG_META_DEV, "marked metadata");
	tap_is_int((long long)le64_to_cpu(ms.total_meta_blocks), (64LL << 30) >> 16,
		   "metadata blocks cover the device");
	tap_is_int((long long)le64_to_cpu(ms.next_ino), SCOUTFS_FIRST_INO, "next_ino");
	tap_is_int((long long)le64_to_cpu(ms.fmt_vers), SCOUTFS_FORMAT_VERSION, "format version");
	tap_ok(le64_to_cpu(ms.quorum.slots[0].flags) == SCOUTFS_QUORUM_SLOT_IN_USE &&
	       le64_to_cpu(ms.quorum.slots[1].flags) == 0 &&
	       le64_to_cpu(ms.quorum.slots[2].flags) == SCOUTFS_QUORUM_SLOT_IN_USE,
	       "slots 0 and 2 in use, 1 not");
	tap_ok(le16_to_cpu(ms.quorum.slots[2].addr.family) == SCOUTFS_AF_IPV6 &&
	       ms.quorum.slots[2].addr.addr[15] == 1 &&
	       le16_to_cpu(ms.quorum.slots[2].addr.port) == 12346, "slot 2 is [::1]:12346");
	tap_ok(le64_to_cpu(ms.meta_alloc[0].total_len) > 1000000, "metadata free extent recorded");
	tap_is_int((long long)le64_to_cpu(ms.data_alloc.total_len),
		   ((64LL << 30) >> 12) - SCOUTFS_DATA_FIRST_BLKNO, "all data blocks free");

	read_super(data, &ds, &res);
	tap_is_int(res, SCOUTFS_BLOCK_OK, "data superblock verifies");
	tap_is_int((long long)le64_to_cpu(ds.flags), SCOUTFS_SUPER_FLAG_DATA_DEV, "marked data");
	tap_ok(ds.hdr.fsid == ms.hdr.fsid && memcmp(ds.uuid, ms.uuid, 16) == 0,
	       "data device carries the same fsid and uuid");
	tap_ok(ds.fs_root.ref.blkno == 0 && ds.next_ino == 0, "and nothing else");

	/* the fs tree leaf holds the root directory */
	if (scoutfs_dev_open(&dev, meta, false, &why) < 0 ||
	    scoutfs_dev_read(&dev, blk, sizeof(blk),
			     le64_to_cpu(ms.fs_root.ref.blkno) << SCOUTFS_META_BLOCK_SHIFT) < 0)
		tap_bail("reading the fs root");
	scoutfs_dev_close(&dev);
	tap_is_int(scoutfs_block_verify_ref(blk, SCOUTFS_BLOCK_MAGIC_BTREE, le64_to_cpu(ms.hdr.fsid),
					    &ms.fs_root.ref), SCOUTFS_BLOCK_OK, "fs root block verifies");
	tap_is_int(scoutfs_btree_block_verify((void *)blk, 0, &scratch, &bad), SCOUTFS_BTREE_OK,
		   "fs root is a valid leaf");
	{
		struct scoutfs_btree_block *bt = (void *)blk;
		const struct scoutfs_inode *ino;

		tap_is_int(le16_to_cpu(bt->nr_items), 3, "root inode and its two index items");
		ino = scoutfs_btree_item_val(bt, &bt->items[2]);
		tap_ok(ino && le64_to_cpu(bt->items[2].key.sk_first) == SCOUTFS_ROOT_INO &&
		       (le32_to_cpu(ino->mode) & S_IFMT) == S_IFDIR &&
		       le32_to_cpu(ino->nlink) == 2, "root inode is a directory with 2 links");
	}
}

static void test_refusals(void)
{
	char link[160], cfg_path[160];

	refused("existing scoutfs filesystem", 1, "already holds a scoutfs filesystem",
		ARGS("mkfs", meta, data, "-Q", "0,127.0.0.1,12345"));
	refused("missing metadata device", 1, "/nonexistent/meta: No such file or directory",
		ARGS("mkfs", "/nonexistent/meta", data, "-Q", "0,127.0.0.1,12345", "-f"));
	refused("missing data device", 1, "/nonexistent/data: No such file or directory",
		ARGS("mkfs", meta, "/nonexistent/data", "-Q", "0,127.0.0.1,12345", "-f"));
	refused("a directory as device", 1, "not a block device or regular file",
		ARGS("mkfs", meta, dir, "-Q", "0,127.0.0.1,12345", "-f"));
	refused("same device for both", 1, "are the same device",
		ARGS("mkfs", meta, meta, "-Q", "0,127.0.0.1,12345", "-f"));
	snprintf(link, sizeof(link), "%s/link", dir);
	if (symlink(meta, link) < 0)
		tap_bail("symlink");
	refused("same device through a symlink", 1, "are the same device",
		ARGS("mkfs", meta, link, "-Q", "0,127.0.0.1,12345", "-f"));
	unlink(link);
	refused("small data device", 1, "is under the 8.0 GiB minimum for data",
		ARGS("mkfs", meta, small, "-Q", "0,127.0.0.1,12345", "-f"));
	refused("small metadata device", 1, "is under the 16.0 GiB minimum for metadata",
		ARGS("mkfs", small, data, "-Q", "0,127.0.0.1,12345", "-f"));
	refused("-m larger than the device", 1, "-m 128.0 GiB is larger than the device",
		ARGS("mkfs", meta, data, "-Q", "0,127.0.0.1,12345", "-f", "-m", "128G"));
	refused("-A below the floor", 1, "the least possible is",
		ARGS("mkfs", meta, data, "-Q", "0,127.0.0.1,12345", "-f", "-A", "-d", "1M"));
	refused("no quorum slot", 1, "at least one quorum slot",
		ARGS("mkfs", meta, data, "-f"));
	refused("duplicate slot number", 1, "quorum slot 1 is given more than once",
		ARGS("mkfs", meta, data, "-f", "-Q", "1,127.0.0.1,1", "-Q", "1,127.0.0.2,1"));
	refused("duplicate address", 1, "quorum slots 0 and 3 both use [::1]:500",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,::1,500", "-Q", "3,[::1],500"));
	refused("malformed address", 2, "invalid -Q '0,10.0.0,1': not a numeric IPv4",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,10.0.0,1"));
	refused("malformed IPv6 address", 2, "not a numeric IPv4 or IPv6 address",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,fe80:::1,1"));
	refused("bad port", 2, "port must be a number from 1 to 65535",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,127.0.0.1,70000"));
	refused("slot out of range", 2, "slot number must be a number from 0 to 14",
		ARGS("mkfs", meta, data, "-f", "-Q", "15,127.0.0.1,1"));
	refused("bad size", 2, "invalid -m '12Q'",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,127.0.0.1,1", "-m", "12Q"));
	refused("unsupported format version", 2, "supported format versions are 1 to 1",
		ARGS("mkfs", meta, data, "-f", "-Q", "0,127.0.0.1,1", "-V", "2"));
	refused("missing devices", 2, "needs META-DEVICE and DATA-DEVICE",
		ARGS("mkfs", meta, "-Q", "0,127.0.0.1,1"));
	refused("devices twice", 2, "not both",
		ARGS("mkfs", meta, data, "--config", "/nonexistent.yaml"));
	snprintf(cfg_path, sizeof(cfg_path), "%s/bad.yaml", dir);
	{
		FILE *f = fopen(cfg_path, "w");

		fputs("cluster:\n  name: c\nnodes:\n  - name: a\n    address: 1.2.3\n", f);
		fclose(f);
	}
	refused("malformed config", 1, "bad.yaml:", ARGS("mkfs", "--config", cfg_path));
	unlink(cfg_path);
}

static void test_existing_other_filesystem(void)
{
	char cmd[300];
	uint64_t fp;
	struct run_result r;

	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", other);
	if (system(cmd) != 0)
		tap_bail("mkfs.ext4 is needed (e2fsprogs)");
	fp = fingerprint(other);
	run_scoutfs(&r, NULL, ARGS("mkfs", meta, other, "-f", "-Q", "0,127.0.0.1,1"));
	tap_is_int(r.status, 0, "-f overwrites anything");
	run_result_free(&r);

	/* make it ext4 again and see it refused without -f */
	if (system(cmd) != 0)
		tap_bail("mkfs.ext4 failed");
	fp = fingerprint(other);
	run_scoutfs(&r, NULL, ARGS("mkfs", small, other, "-A", "-Q", "0,127.0.0.1,1"));
	tap_is_int(r.status, 1, "an ext4 data device is refused without -f");
	tap_contains(r.err, "already holds ext4 signature", "naming what is there");
	tap_ok(fingerprint(other) == fp, "and left alone");
	run_result_free(&r);
}

static void test_small_and_config(void)
{
	char cfg_path[160], yaml[1024];
	struct scoutfs_super_block ms, ds;
	struct run_result r;
	int res;
	FILE *f;

	/* a 2 GiB data device with -A, for the ENOSPC tests of later issues */
	run_scoutfs(&r, NULL, ARGS("mkfs", meta, small, "-f", "-A", "-Q", "0,127.0.0.1,1"));
	tap_is_int(r.status, 0, "-A allows a 2 GiB data device");
	tap_contains(r.out, "warning: devices are under the minimum sizes", "with a warning");
	run_result_free(&r);

	run_scoutfs(&r, NULL, ARGS("mkfs", meta, data, "-f", "-m", "20G", "-d", "10G",
				   "-Q", "0,127.0.0.1,1"));
	tap_is_int(r.status, 0, "-m and -d limit the sizes");
	run_result_free(&r);
	read_super(meta, &ms, &res);
	tap_ok(le64_to_cpu(ms.total_meta_blocks) == (20ULL << 30) >> 16 &&
	       le64_to_cpu(ms.total_data_blocks) == (10ULL << 30) >> 12, "to 20 GiB and 10 GiB");

	snprintf(cfg_path, sizeof(cfg_path), "%s/cluster.yaml", dir);
	snprintf(yaml, sizeof(yaml),
		 "cluster:\n  name: test\n  fsid: 00c0ffee12345678\n"
		 "devices:\n  metadata: %s\n  data: %s\n"
		 "nodes:\n"
		 "  - name: n1\n    address: 10.1.0.1\n    quorum_slot: 1\n"
		 "  - name: n2\n    address: fd00::2\n    port: 2222\n    quorum_slot: 0\n"
		 "  - name: n3\n    address: 10.1.0.3\n",
		 meta, data);
	f = fopen(cfg_path, "w");
	fputs(yaml, f);
	fclose(f);
	run_scoutfs(&r, NULL, ARGS("mkfs", "-f", "--config", cfg_path, "--node", "n3"));
	tap_is_int(r.status, 0, "mkfs --config");
	tap_contains(r.out, "fsid:            00c0ffee12345678", "uses the configured fsid");
	run_result_free(&r);
	read_super(meta, &ms, &res);
	read_super(data, &ds, &res);
	tap_ok(le64_to_cpu(ms.hdr.fsid) == 0x00c0ffee12345678ULL &&
	       le64_to_cpu(ds.hdr.fsid) == 0x00c0ffee12345678ULL, "on both devices");
	tap_ok(le16_to_cpu(ms.quorum.slots[0].addr.port) == 2222 &&
	       le16_to_cpu(ms.quorum.slots[0].addr.family) == SCOUTFS_AF_IPV6 &&
	       le16_to_cpu(ms.quorum.slots[1].addr.port) == 11111 &&
	       ms.quorum.slots[1].addr.addr[3] == 1 &&
	       le64_to_cpu(ms.quorum.slots[2].flags) == 0,
	       "quorum slots from the nodes, client node without one");

	run_scoutfs(&r, NULL, ARGS("mkfs", "-f", "--config", cfg_path, "--node", "nope"));
	tap_is_int(r.status, 1, "--node with an unknown name fails");
	tap_contains(r.err, "no node named 'nope'", "and says so");
	run_result_free(&r);
	unlink(cfg_path);
}

int main(void)
{
	if (!mkdtemp(dir))
		tap_bail("mkdtemp: %s", strerror(errno));
	snprintf(meta, sizeof(meta), "%s/meta.img", dir);
	snprintf(data, sizeof(data), "%s/data.img", dir);
	snprintf(small, sizeof(small), "%s/small.img", dir);
	snprintf(other, sizeof(other), "%s/other.img", dir);
	make_image(meta, 64ULL << 30);
	make_image(data, 64ULL << 30);
	make_image(small, 2ULL << 30);
	make_image(other, 9ULL << 30);

	test_fresh_filesystem();
	test_refusals();
	test_existing_other_filesystem();
	test_small_and_config();

	unlink(meta);
	unlink(data);
	unlink(small);
	unlink(other);
	rmdir(dir);
	return tap_done();
}
