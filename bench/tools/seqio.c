// SPDX-License-Identifier: GPL-2.0
/*
 * seqio write FILE MIB
 * seqio read FILE MIB
 *
 * Sequential I/O from this one process, 1 MiB per call, and print MiB/s.
 *
 * write: create (or truncate) FILE, write MIB MiB and fsync(2) it; the
 * time runs from the open to the end of the fsync, so the figure is of
 * data on the device, not in the page cache.
 *
 * read: read FILE to its end; it must hold exactly MIB MiB of what write
 * wrote.  Every 4 KiB block starts with a stamp of its own offset, so a
 * block read from the wrong place, a hole or a lost write fails the run
 * instead of counting as throughput; only the stamps are compared, so the
 * check costs little next to the I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"

#define CHUNK (1 << 20)
#define BLOCK 4096
#define MAGIC 0x68636e6274756f63ULL	/* the stamp's magic */

struct stamp {
	uint64_t magic;
	uint64_t offset;
};

static void fill(char *buf, uint64_t offset)
{
	struct stamp st = { .magic = MAGIC };
	size_t i;

	for (i = 0; i < CHUNK; i += BLOCK) {
		st.offset = offset + i;
		memcpy(buf + i, &st, sizeof(st));
	}
}

static int check(const char *file, const char *buf, size_t len, uint64_t offset)
{
	struct stamp st;
	size_t i;

	for (i = 0; i < len; i += BLOCK) {
		memcpy(&st, buf + i, sizeof(st));
		if (st.magic != MAGIC || st.offset != offset + i) {
			fprintf(stderr, "%s: block at %llu holds the stamp of %llu (magic %llx)\n",
				file, (unsigned long long)(offset + i),
				(unsigned long long)st.offset, (unsigned long long)st.magic);
			return -1;
		}
	}
	return 0;
}

static int do_write(const char *file, uint64_t total, char *buf)
{
	uint64_t off = 0;
	double start;
	ssize_t ret;
	size_t done;
	int fd;

	sync();
	start = now();
	fd = open(file, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	for (off = 0; off < total; off += CHUNK) {
		fill(buf, off);
		for (done = 0; done < CHUNK; done += ret) {
			ret = write(fd, buf + done, CHUNK - done);
			if (ret <= 0) {
				fprintf(stderr, "%s: write at %llu: %s\n", file,
					(unsigned long long)(off + done),
					ret ? strerror(errno) : "wrote nothing");
				return 1;
			}
		}
	}
	if (fsync(fd)) {
		perror("fsync");
		return 1;
	}
	if (close(fd)) {
		perror("close");
		return 1;
	}
	printf("%.1f\n", total / (double)CHUNK / (now() - start));
	return 0;
}

static int do_read(const char *file, uint64_t total, char *buf)
{
	uint64_t off = 0;
	double start;
	ssize_t ret;
	int fd;

	start = now();
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	for (;;) {
		ret = read(fd, buf, CHUNK);
		if (ret < 0) {
			fprintf(stderr, "%s: read at %llu: %s\n", file,
				(unsigned long long)off, strerror(errno));
			return 1;
		}
		if (ret == 0)
			break;
		/* Files here are whole blocks: a read never ends mid-block. */
		if (ret % BLOCK) {
			fprintf(stderr, "%s: read of %zd bytes at %llu\n", file,
				ret, (unsigned long long)off);
			return 1;
		}
		if (check(file, buf, ret, off))
			return 1;
		off += ret;
	}
	close(fd);
	if (off != total) {
		fprintf(stderr, "%s: read %llu bytes, expected %llu\n", file,
			(unsigned long long)off, (unsigned long long)total);
		return 1;
	}
	printf("%.1f\n", total / (double)CHUNK / (now() - start));
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t total;
	char *buf;

	if (argc != 4 || (strcmp(argv[1], "write") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: seqio write|read FILE MIB\n");
		return 2;
	}
	total = strtoull(argv[3], NULL, 0) * CHUNK;
	buf = aligned_alloc(BLOCK, CHUNK);
	if (!buf) {
		perror("aligned_alloc");
		return 1;
	}
	memset(buf, 0xa5, CHUNK);
	if (!strcmp(argv[1], "write"))
		return do_write(argv[2], total, buf);
	return do_read(argv[2], total, buf);
}
