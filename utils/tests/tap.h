/*
 * A tiny TAP (Test Anything Protocol) producer.
 *
 * Each assertion prints "ok N - description" or "not ok N - description"
 * with diagnostics as "# ..." lines.  tap_done() prints the "1..N" plan
 * and returns the exit status for main().
 */
#ifndef SCOUTFS_TESTS_TAP_H
#define SCOUTFS_TESTS_TAP_H

#include <stdbool.h>

#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))

bool tap_ok(bool cond, const char *fmt, ...) TAP_PRINTF(2, 3);
bool tap_is_int(long long got, long long want, const char *fmt, ...) TAP_PRINTF(3, 4);
/* NULL is a distinct value: equal only to NULL */
bool tap_is_str(const char *got, const char *want, const char *fmt, ...) TAP_PRINTF(3, 4);
bool tap_contains(const char *haystack, const char *needle, const char *fmt, ...)
	TAP_PRINTF(3, 4);
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);
/* a failure that stops the program, e.g. a missing fixture */
void tap_bail(const char *fmt, ...) TAP_PRINTF(1, 2) __attribute__((noreturn));
int tap_failures(void);
int tap_done(void);

#endif
