/*
 * Tests of command line value parsing (sizes, addresses, quorum slots)
 * and of device opening and IO on image files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "parse.h"
#include "tap.h"

static void test_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t want;
	} good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "1K", 1024 }, { "1k", 1024 },
		{ "64G", 64ULL << 30 }, { "2T", 2ULL << 40 }, { "3P", 3ULL << 50 },
		{ "18446744073709551615", UINT64_MAX }, { "16383P", 16383ULL << 50 },
	};
	static const char *const bad[] = {
		"", "K", "-1", "+1", " 1", "1 ", "1KB", "1X", "1.5G", "0x10",
		"18446744073709551616", "16384P", "99999999999999999999K",
	};
	const char *why;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		tap_ok(scoutfs_parse_size(good[i].s, &v, &why) == 0 && v == good[i].want,
		       "size '%s' is %llu", good[i].s, (unsigned long long)good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(scoutfs_parse_size(bad[i], &v, &why) < 0 && why && why[0],
		       "size '%s' is refused", bad[i]);
}

static void test_quorum_slots(void)
{
	static const struct {
		const char *arg;
		unsigned int nr;
		const char *str;
	} good[] = {
		{ "0,127.0.0.1,12345", 0, "127.0.0.1:12345" },
		{ "14,10.1.2.3,1", 14, "10.1.2.3:1" },
		{ "3,::1,65535", 3, "[::1]:65535" },
		{ "2,[fd00::5],11111", 2, "[fd00::5]:11111" },
		{ "7,2001:db8::1:2,80", 7, "[2001:db8::1:2]:80" },
	};
	static const struct {
		const char *arg;
		const char *why;
	} bad[] = {
		{ "", "expected NR,ADDR,PORT" },
		{ "0,127.0.0.1", "expected NR,ADDR,PORT" },
		{ "127.0.0.1:12345", "expected NR,ADDR,PORT" },
		{ "15,127.0.0.1,1", "slot number must be a number from 0 to 14" },
		{ "-1,127.0.0.1,1", "slot number must be a number from 0 to 14" },
		{ "a,127.0.0.1,1", "slot number must be a number from 0 to 14" },
		{ ",127.0.0.1,1", "slot number must be a number from 0 to 14" },
		{ "0,,1", "not a numeric IPv4 or IPv6 address" },
		{ "0,localhost,1", "not a numeric IPv4 or IPv6 address" },
		{ "0,256.1.1.1,1", "not a numeric IPv4 or IPv6 address" },
		{ "0,1.2.3,1", "not a numeric IPv4 or IPv6 address" },
		{ "0,[1.2.3.4],1", "not a numeric IPv6 address" },
		{ "0,fe80::1%eth0,1", "not a numeric IPv4 or IPv6 address" },
		{ "0,0.0.0.0,1", "not a unicast address other nodes can reach" },
		{ "0,::,1", "not a unicast address other nodes can reach" },
		{ "0,224.0.0.1,1", "not a unicast address other nodes can reach" },
		{ "0,ff02::1,1", "not a unicast address other nodes can reach" },
		{ "0,127.0.0.1,0", "port must be a number from 1 to 65535" },
		{ "0,127.0.0.1,65536", "port must be a number from 1 to 65535" },
		{ "0,127.0.0.1,", "port must be a number from 1 to 65535" },
		{ "0,127.0.0.1,12a", "port must be a number from 1 to 65535" },
		{ "0,1.1.1.1,2,3", "not a numeric IPv4 or IPv6 address" },
	};
	struct scoutfs_quorum_slot_arg slot;
	char buf[SCOUTFS_INET_STRLEN];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ret = scoutfs_parse_quorum_slot(good[i].arg, &slot, &why);

		tap_ok(ret == 0 && slot.nr == good[i].nr, "slot '%s' parses", good[i].arg);
		if (ret == 0)
			tap_is_str(scoutfs_inet_str(&slot.inet, buf), good[i].str,
				   "slot '%s' prints back", good[i].arg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		tap_ok(scoutfs_parse_quorum_slot(bad[i].arg, &slot, &why) < 0,
		       "slot '%s' is refused", bad[i].arg);
		tap_is_str(why, bad[i].why, "slot '%s' says why", bad[i].arg);
	}
}

static void test_devices(void)
{
	char dir[] = "/tmp/scoutfs-test-dev.XXXXXX";
	char a[64], b[64], link_a[64];
	struct scoutfs_dev da, db, dl;
	char buf[8192], back[8192];
	const char *why;
	int fd;

	if (!mkdtemp(dir))
		tap_bail("mkdtemp failed");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(link_a, sizeof(link_a), "%s/link", dir);

	fd = open(a, O_CREAT | O_RDWR, 0600);
	tap_ok(fd >= 0 && ftruncate(fd, 64LL << 30) == 0, "64 GiB sparse image made");
	close(fd);
	fd = open(b, O_CREAT | O_RDWR, 0600);
	close(fd);
	tap_ok(symlink(a, link_a) == 0, "symlink made");

	tap_ok(scoutfs_dev_open(&da, a, true, &why) == 0, "image opens for writing");
	tap_is_int((long long)da.size, 64LL << 30, "image size is read");
	tap_ok(!da.is_blkdev, "image is not a block device");
	tap_ok(scoutfs_dev_open(&db, b, false, &why) == 0, "second image opens");
	tap_ok(scoutfs_dev_open(&dl, link_a, false, &why) == 0, "symlink opens");
	tap_ok(scoutfs_dev_same(&da, &dl), "image and symlink to it are the same device");
	tap_ok(!scoutfs_dev_same(&da, &db), "two images are different devices");

	memset(buf, 0xa5, sizeof(buf));
	tap_ok(scoutfs_dev_write(&da, buf, sizeof(buf), (64ULL << 30) - sizeof(buf)) == 0,
	       "write at the end of the image");
	tap_ok(scoutfs_dev_read(&dl, back, sizeof(back), (64ULL << 30) - sizeof(back)) == 0 &&
	       memcmp(buf, back, sizeof(buf)) == 0, "read back through the other open");
	tap_is_int(scoutfs_dev_read(&da, back, 2, 64ULL << 30), -EIO, "read past the end is EIO");
	tap_is_int(scoutfs_dev_read(&db, back, 1, 0), -EIO, "read of an empty image is EIO");
	tap_ok(scoutfs_dev_sync(&da) == 0, "sync");

	scoutfs_dev_close(&da);
	scoutfs_dev_close(&db);
	scoutfs_dev_close(&dl);

	tap_is_int(scoutfs_dev_open(&da, "/nonexistent/dev", false, &why), -ENOENT,
		   "missing device is ENOENT");
	tap_is_int(scoutfs_dev_open(&da, dir, false, &why), -ENODEV,
		   "a directory is refused");
	tap_is_str(why, "not a block device or regular file", "and says why");

	unlink(link_a);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

int main(void)
{
	test_sizes();
	test_quorum_slots();
	test_devices();
	return tap_done();
}
