// SPDX-License-Identifier: GPL-2.0
/*
 * mkfiles DIR COUNT [sync]
 *
 * Create COUNT empty files in DIR (which it creates) from this one
 * process and print "<files per second> <seconds to sync>": the time for
 * the creates alone, then, with "sync", the time a following sync(2)
 * takes (0 without).  One process, so that process start-up under
 * emulation doesn't hide the filesystem's cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	char name[4096];
	double start, created, synced = 0;
	long count, i;
	int fd;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "sync"))) {
		fprintf(stderr, "usage: mkfiles DIR COUNT [sync]\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 0);
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	sync();

	start = now();
	for (i = 0; i < count; i++) {
		file_name(name, sizeof(name), argv[1], i);
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || close(fd)) {
			perror(name);
			return 1;
		}
	}
	created = now();
	if (argc == 4) {
		sync();
		synced = now() - created;
	}
	printf("%.1f %.4f\n", count / (created - start), synced);
	return 0;
}
