#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int nr_tests;
static int nr_failed;

/* TAP descriptions are one line and '#' would start a directive */
static void print_desc(const char *fmt, va_list ap)
{
	char buf[512];
	const char *p;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (p = buf; *p; p++) {
		if (*p == '\n' || *p == '\r')
			putchar(' ');
		else if (*p == '#')
			fputs("\\#", stdout);
		else
			putchar(*p);
	}
}

static bool vresult(bool cond, const char *fmt, va_list ap)
{
	nr_tests++;
	if (!cond)
		nr_failed++;
	printf("%sok %d - ", cond ? "" : "not ", nr_tests);
	print_desc(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresult(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* print a possibly multi-line value as diagnostics */
static void diag_value(const char *label, const char *val)
{
	const char *nl;

	if (!val) {
		printf("#   %s: (null)\n", label);
		return;
	}
	printf("#   %s:\n", label);
	while (*val) {
		nl = strchr(val, '\n');
		if (!nl)
			nl = val + strlen(val);
		printf("#     |%.*s|\n", (int)(nl - val), val);
		val = *nl ? nl + 1 : nl;
	}
}

bool tap_is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	bool cond = got == want;

	va_start(ap, fmt);
	vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got: %lld\n#   expected: %lld\n", got, want);
	return cond;
}

bool tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool cond = (!got && !want) || (got && want && !strcmp(got, want));

	va_start(ap, fmt);
	vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		diag_value("got", got);
		diag_value("expected", want);
	}
	return cond;
}

bool tap_contains(const char *haystack, const char *needle, const char *fmt, ...)
{
	va_list ap;
	bool cond = haystack && needle && strstr(haystack, needle);

	va_start(ap, fmt);
	vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		diag_value("in", haystack);
		diag_value("expected to find", needle);
	}
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	char *line;
	char *save = NULL;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	print_desc(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

int tap_failures(void)
{
	return nr_failed;
}

int tap_done(void)
{
	printf("1..%d\n", nr_tests);
	if (nr_failed)
		printf("# %d of %d tests failed\n", nr_failed, nr_tests);
	fflush(stdout);
	return nr_failed ? 1 : 0;
}
