// SPDX-License-Identifier: GPL-2.0
/*
 * statfiles DIR COUNT
 *
 * stat(2) the COUNT files mkfiles made in DIR, by name in the order they
 * were created, from this one process, and print the files stat'ed per
 * second.  Every one must be an empty regular file.  The benchmark
 * remounts first, so each stat looks up the name and reads the inode from
 * the device.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "bench.h"

int main(int argc, char **argv)
{
	char name[4096];
	struct stat st;
	double start, elapsed;
	long count, i;

	if (argc != 3) {
		fprintf(stderr, "usage: statfiles DIR COUNT\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 0);

	start = now();
	for (i = 0; i < count; i++) {
		file_name(name, sizeof(name), argv[1], i);
		if (stat(name, &st)) {
			perror(name);
			return 1;
		}
		if (!S_ISREG(st.st_mode) || st.st_size != 0) {
			fprintf(stderr, "%s: not an empty regular file (mode 0%o, size %lld)\n",
				name, st.st_mode, (long long)st.st_size);
			return 1;
		}
	}
	elapsed = now() - start;
	printf("%.1f\n", count / elapsed);
	return 0;
}
