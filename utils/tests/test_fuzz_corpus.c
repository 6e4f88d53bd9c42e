/*
 * Every input in tests/fuzz/config/ is parsed under the sanitizers and
 * must give either a valid configuration or a list of errors; never a
 * crash, a leak or undefined behaviour.  Files named ok-* must be
 * valid and bad-* must be rejected.  Inputs too large or too regular to
 * keep as files are generated here.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz/fuzz_config.h"
#include "tap.h"
#include "testutil.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check(const char *name, const void *buf, size_t len, int want)
{
	const char *why;
	int ret;

	ret = fuzz_config_check(buf, len, &why);
	if (!tap_ok(!why && (want == 1 || ret == want), "%s: %s", name,
		    ret == 0 ? "valid" : ret == -EINVAL ? "rejected" : "refused"))
		tap_diag("ret %d, wanted %d, invariant: %s", ret, want, why ? why : "held");
}

static void test_corpus(void)
{
	char *dir = utils_path("tests/fuzz/config");
	char **names = NULL;
	size_t nr = 0;
	size_t alloc = 0;
	struct dirent *de;
	DIR *d;
	size_t i;

	d = opendir(dir);
	if (!d)
		tap_bail("can't open %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			names = realloc(names, alloc * sizeof(*names));
			if (!names)
				tap_bail("out of memory");
		}
		names[nr] = strdup(de->d_name);
		if (!names[nr])
			tap_bail("out of memory");
		nr++;
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), name_cmp);
	tap_ok(nr >= 30, "the corpus has %zu inputs", nr);

	for (i = 0; i < nr; i++) {
		char *path;
		char *buf;
		size_t len;
		int want = 1;

		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			tap_bail("out of memory");
		buf = read_file(path, &len);
		if (!buf)
			tap_bail("can't read %s: %s", path, strerror(errno));
		if (!strncmp(names[i], "ok-", 3))
			want = 0;
		else if (!strncmp(names[i], "bad-", 4))
			want = -EINVAL;
		check(names[i], buf, len, want);
		free(buf);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* append to a growing buffer */
struct gen {
	char *buf;
	size_t len;
	FILE *f;
};

static void gen_start(struct gen *g)
{
	g->buf = NULL;
	g->len = 0;
	g->f = open_memstream(&g->buf, &g->len);
	if (!g->f)
		tap_bail("open_memstream failed");
}

static void gen_end(struct gen *g)
{
	fclose(g->f);
}

static void repeat(struct gen *g, const char *s, size_t n)
{
	while (n--)
		fputs(s, g->f);
}

#define VALID_HEAD "cluster: { name: c1 }\ndevices: { metadata: /dev/m, data: /dev/d }\n"

static void test_generated(void)
{
	struct gen g;
	size_t i;
	char *buf;

	/* a scalar just under the size limit */
	gen_start(&g);
	fputs("cluster:\n  name: ", g.f);
	repeat(&g, "a", SCOUTFS_CONFIG_MAX_FILE_SIZE - 64);
	fputs("\nnodes: []\n", g.f);
	gen_end(&g);
	check("huge plain scalar", g.buf, g.len, -EINVAL);
	free(g.buf);

	gen_start(&g);
	fputs("cluster:\n  name: \"", g.f);
	repeat(&g, "\\x41", (SCOUTFS_CONFIG_MAX_FILE_SIZE - 64) / 4);
	fputs("\"\n", g.f);
	gen_end(&g);
	check("huge escaped scalar", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* deep flow nesting, far past the limit */
	gen_start(&g);
	fputs("cluster: ", g.f);
	repeat(&g, "[", 100000);
	gen_end(&g);
	check("100000 open brackets", g.buf, g.len, -EINVAL);
	free(g.buf);

	gen_start(&g);
	repeat(&g, "{a: ", 20000);
	repeat(&g, "}", 20000);
	gen_end(&g);
	check("20000 nested flow mappings", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* deep block nesting */
	gen_start(&g);
	for (i = 0; i < 500; i++) {
		repeat(&g, " ", i);
		fputs("k:\n", g.f);
	}
	gen_end(&g);
	check("500 nested block mappings", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* exactly at the nesting limit is still parsed */
	gen_start(&g);
	fputs(VALID_HEAD "nodes: [{ name: n1, address: 10.0.0.1, quorum_slot: 0 }]\nx: ", g.f);
	repeat(&g, "[", SCOUTFS_CONFIG_MAX_DEPTH - 1);
	repeat(&g, "]", SCOUTFS_CONFIG_MAX_DEPTH - 1);
	fputs("\n", g.f);
	gen_end(&g);
	check("nesting at the limit", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* a billion laughs: each level references the previous ten times */
	gen_start(&g);
	fputs("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n", g.f);
	for (i = 1; i < 30; i++) {
		size_t j;

		fprintf(g.f, "a%zu: &a%zu [", i, i);
		for (j = 0; j < 10; j++)
			fprintf(g.f, "%s*a%zu", j ? ", " : "", i - 1);
		fputs("]\n", g.f);
	}
	fputs("nodes: *a29\n", g.f);
	gen_end(&g);
	check("billion laughs", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* aliases of a valid node many times: duplicate names, capped */
	gen_start(&g);
	fputs(VALID_HEAD "nodes:\n  - &n { name: n1, address: 10.0.0.1, quorum_slot: 0 }\n", g.f);
	repeat(&g, "  - *n\n", 100000);
	gen_end(&g);
	check("100000 aliases of one node", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* many distinct valid nodes */
	gen_start(&g);
	fputs(VALID_HEAD "nodes:\n", g.f);
	for (i = 0; i < 5000; i++)
		fprintf(g.f, "  - { name: n%zu, address: 10.%zu.%zu.1%s }\n", i, i / 256, i % 256,
			i < 15 ? ", quorum_slot: 0" : "");
	gen_end(&g);
	check("5000 nodes, 15 in slot 0", g.buf, g.len, -EINVAL);
	free(g.buf);

	gen_start(&g);
	fputs(VALID_HEAD "nodes:\n", g.f);
	for (i = 0; i < 5000; i++) {
		if (i < 15)
			fprintf(g.f, "  - { name: n%zu, address: 'fd00::%zx', quorum_slot: %zu }\n", i, i + 1, i);
		else
			fprintf(g.f, "  - { name: n%zu, address: 'fd00::%zx' }\n", i, i + 1);
	}
	gen_end(&g);
	check("5000 valid nodes", g.buf, g.len, 0);
	free(g.buf);

	/* many anchors */
	gen_start(&g);
	for (i = 0; i < 30000; i++)
		fprintf(g.f, "k%zu: &a%zu v\n", i, i);
	for (i = 0; i < 30000; i++)
		fprintf(g.f, "r%zu: *a%zu\n", i, 29999 - i);
	gen_end(&g);
	check("30000 anchors and aliases", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* many keys in one mapping, all duplicates */
	gen_start(&g);
	repeat(&g, "k: v\n", 100000);
	gen_end(&g);
	check("100000 duplicate keys", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* a long flow sequence of options */
	gen_start(&g);
	fputs(VALID_HEAD "nodes: [{ name: n1, address: 10.0.0.1, quorum_slot: 0 }]\nmount:\n  options: [", g.f);
	for (i = 0; i < 50000; i++)
		fprintf(g.f, "%so%zu", i ? "," : "", i);
	fputs("]\n", g.f);
	gen_end(&g);
	check("50000 mount options", g.buf, g.len, -EINVAL);
	free(g.buf);

	/* every single byte, alone and after a valid prefix */
	buf = malloc(256);
	if (!buf)
		tap_bail("out of memory");
	{
		const char *why;
		size_t bad = 0;

		for (i = 0; i < 256; i++) {
			buf[0] = (char)i;
			fuzz_config_check((const uint8_t *)buf, 1, &why);
			bad += why != NULL;
		}
		tap_is_int((long long)bad, 0, "all single byte inputs");
	}
	free(buf);

	/* NUL bytes in the middle of an otherwise valid file */
	{
		static const char nul[] = VALID_HEAD "nodes:\n  - { name: n1\0, address: 10.0.0.1 }\n";

		check("embedded NUL byte", nul, sizeof(nul) - 1, -EINVAL);
	}

	/* pseudo-random bytes */
	{
		unsigned long long s = 42;
		const char *why;
		size_t bad = 0;
		static const char punct[] = ":- \n[]{},'\"&*!#|>?abc01";
		unsigned char rnd[512];
		size_t n;

		for (n = 0; n < 2000; n++) {
			size_t len = n % sizeof(rnd);

			for (i = 0; i < len; i++) {
				s = s * 6364136223846793005ULL + 1442695040888963407ULL;
				rnd[i] = (unsigned char)(s >> 56);
				/* bias towards YAML punctuation and text */
				if (rnd[i] & 0x80)
					rnd[i] = (unsigned char)punct[rnd[i] % (sizeof(punct) - 1)];
			}
			fuzz_config_check(rnd, len, &why);
			bad += why != NULL;
		}
		tap_is_int((long long)bad, 0, "2000 random inputs");
	}

	/* over the size limit */
	gen_start(&g);
	repeat(&g, "#", SCOUTFS_CONFIG_MAX_FILE_SIZE + 1);
	gen_end(&g);
	check("input one byte over the limit", g.buf, g.len, -EFBIG);
	free(g.buf);
}

int main(void)
{
	test_corpus();
	test_generated();
	return tap_done();
}
