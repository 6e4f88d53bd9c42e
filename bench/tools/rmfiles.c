// SPDX-License-Identifier: GPL-2.0
/*
 * rmfiles DIR COUNT [sync]
 *
 * Unlink the COUNT files mkfiles made in DIR, in the order they were
 * created, then remove DIR, all from this one process, and print
 * "<files per second> <seconds to sync>": the time for the unlinks and the
 * rmdir, then, with "sync", the time a following sync(2) takes (0
 * without).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	char name[4096];
	double start, removed, synced = 0;
	long count, i;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "sync"))) {
		fprintf(stderr, "usage: rmfiles DIR COUNT [sync]\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 0);
	sync();

	start = now();
	for (i = 0; i < count; i++) {
		file_name(name, sizeof(name), argv[1], i);
		if (unlink(name)) {
			perror(name);
			return 1;
		}
	}
	if (rmdir(argv[1])) {
		perror(argv[1]);
		return 1;
	}
	removed = now();
	if (argc == 4) {
		sync();
		synced = now() - removed;
	}
	printf("%.1f %.4f\n", count / (removed - start), synced);
	return 0;
}
