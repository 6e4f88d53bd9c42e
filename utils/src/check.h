/*
 * Offline checking of a scoutfs filesystem (docs/format.md, section 15).
 *
 * The check only reads the devices.  Each problem it finds is passed to
 * the caller as one line, "WHERE: WHAT[, expected X, found Y]", for
 * example "fs tree: block 16: checksum mismatch".  Nothing is repaired.
 */
#ifndef SCOUTFS_UTILS_CHECK_H
#define SCOUTFS_UTILS_CHECK_H

#include <stdbool.h>

/* fsck-style exit status bits, combined with | */
enum {
	SCOUTFS_CHECK_CLEAN = 0,
	SCOUTFS_CHECK_ERRORS = 4,	/* problems were found and left uncorrected */
	SCOUTFS_CHECK_OPERATIONAL = 8,	/* a device couldn't be opened or read */
	SCOUTFS_CHECK_USAGE = 16,	/* bad command line */
};

struct scoutfs_check_opts {
	const char *meta_path;
	const char *data_path;
	/* called with each problem line, without a trailing newline */
	void (*report)(void *arg, const char *line);
	void *arg;
};

struct scoutfs_check_result {
	unsigned long problems;
	/* what stopped the check from reading something, or "" */
	char operational[512];
};

/*
 * Check the filesystem on the two devices.  Returns the exit status:
 * SCOUTFS_CHECK_CLEAN, or SCOUTFS_CHECK_ERRORS and/or
 * SCOUTFS_CHECK_OPERATIONAL.
 */
int scoutfs_check(const struct scoutfs_check_opts *opts,
		  struct scoutfs_check_result *res);

#endif
