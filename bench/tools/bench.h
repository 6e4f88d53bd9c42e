/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark drivers share: a monotonic clock in seconds and the
 * names mkfiles gives its files, so that statfiles and rmfiles find them.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* DIR/file-<i>: the name of mkfiles' i-th file. */
static inline void file_name(char *buf, size_t size, const char *dir, long i)
{
	snprintf(buf, size, "%s/file-%08ld", dir, i);
}

#endif
