/* helpers shared by the unit tests */
#ifndef SCOUTFS_TESTS_TESTUTIL_H
#define SCOUTFS_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run_result {
	int status;	/* exit code, or 128 + signal number */
	char *out;	/* everything written to stdout, NUL terminated */
	char *err;
};

/*
 * Run the scoutfs binary named by $SCOUTFS_BIN with the given
 * arguments (NULL terminated, not including argv[0]) and stdin from
 * the string input (or /dev/null when NULL).  Records one TAP result
 * that it exited normally without sanitizer reports.
 */
void run_scoutfs(struct run_result *res, const char *input, const char *const *args);
void run_result_free(struct run_result *res);

/* the utils directory: $SCOUTFS_UTILS_DIR or "." */
const char *utils_dir(void);
/* malloc()ed "utils_dir()/rel" */
char *utils_path(const char *rel);

/* the whole file, NUL terminated; NULL with errno on failure */
char *read_file(const char *path, size_t *len);

/* write data to a new temporary file; returns its malloc()ed path */
char *write_temp(const void *data, size_t len);
/* remove and free a path from write_temp() */
void remove_temp(char *path);

/* count lines ending in '\n' */
size_t count_lines(const char *s);

/*
 * A seeded xorshift generator for the randomized tests: the seed is
 * dflt, or derived from the environment variable env when it is set,
 * and is reported as a TAP diagnostic so that a failing run can be
 * repeated.
 */
void test_rng_seed(uint64_t dflt, const char *env);
uint64_t test_rng(void);

#endif
