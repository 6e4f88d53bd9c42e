// SPDX-License-Identifier: GPL-2.0
/*
 * fsx: random operations on one file, every result checked against an
 * in-memory model of what the file must contain.
 *
 * The model is a byte array and a size.  Each operation is picked by a
 * seeded generator, done on the file, and done on the model; every read
 * of the file (pread, mmap, O_DIRECT, the copy in a temporary file, the
 * periodic full pass) is compared byte for byte with the model, and the
 * size is compared after every operation.  The same seed and options give
 * the same operations, so a failure can be replayed.
 *
 * On the first difference it prints the seed, the operation, the offset,
 * the expected and found bytes and the last operations, and exits 1.
 * Usage errors exit 2.  Run with -h for the options.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIO_ALIGN 4096u
#define LOG_SIZE 20
#define VERIFY_CHUNK (1u << 20)

enum op {
	OP_WRITE, OP_READ, OP_APPEND, OP_TRUNCATE,
	OP_MAPREAD, OP_MAPWRITE, OP_MAPPRIVATE,
	OP_FALLOC, OP_FALLOC_KEEP, OP_PUNCH, OP_ZERO, OP_ZERO_KEEP,
	OP_DWRITE, OP_DREAD,
	OP_FSYNC, OP_FDATASYNC, OP_REOPEN,
	OP_COPY, OP_COPY_TMP,
	OP_VERIFY,		/* never picked at random: every -c ops and at the end */
	NR_OPS
};

/* name, weight among the random picks, the option that disables it */
static const struct {
	const char *name;
	unsigned weight;
	char flag;
} op_info[NR_OPS] = {
	[OP_WRITE]	= { "write",      20, 0 },
	[OP_READ]	= { "read",       14, 0 },
	[OP_APPEND]	= { "append",      5, 0 },
	[OP_TRUNCATE]	= { "truncate",    6, 0 },
	[OP_MAPREAD]	= { "mapread",     6, 'M' },
	[OP_MAPWRITE]	= { "mapwrite",    6, 'M' },
	[OP_MAPPRIVATE]	= { "mapprivate",  3, 'M' },
	[OP_FALLOC]	= { "falloc",      3, 'F' },
	[OP_FALLOC_KEEP] = { "falloc_keep", 3, 'F' },
	[OP_PUNCH]	= { "punch",       4, 'H' },
	[OP_ZERO]	= { "zero",        3, 'Z' },
	[OP_ZERO_KEEP]	= { "zero_keep",   2, 'Z' },
	[OP_DWRITE]	= { "dwrite",      4, 'D' },
	[OP_DREAD]	= { "dread",       4, 'D' },
	[OP_FSYNC]	= { "fsync",       2, 0 },
	[OP_FDATASYNC]	= { "fdatasync",   2, 0 },
	[OP_REOPEN]	= { "reopen",      2, 0 },
	[OP_COPY]	= { "copy",        3, 'C' },
	[OP_COPY_TMP]	= { "copy_tmp",    3, 'C' },
	[OP_VERIFY]	= { "verify",      0, 0 },
};

struct log_entry {
	uint64_t nr;
	enum op op;
	uint64_t off;
	uint64_t len;
	uint64_t aux;		/* the copy source, the msync kind */
	uint64_t size;		/* the model's size after the op */
	bool done;
};

static struct {
	const char *path;
	char *tmp_path;
	char *replay;		/* the command line, to print on failure */
	const char *model_out;	/* -m: where the model goes at the end */
	int fd, dfd, afd, tfd;
	uint8_t *model;
	uint64_t size;
	uint64_t maxlen;
	uint64_t maxop;
	uint8_t *buf;		/* DIO_ALIGN aligned, maxop rounded up */
	uint8_t *buf2;
	uint8_t *vbuf;		/* VERIFY_CHUNK */
	size_t buflen;
	long pagesz;
	uint64_t seed;
	uint64_t rng;
	uint64_t nr;		/* the op being done, from 1 */
	bool disabled[NR_OPS];
	bool verbose;
	struct log_entry log[LOG_SIZE];
	uint64_t logged;
	struct log_entry *cur;
	volatile sig_atomic_t in_map;
	sigjmp_buf map_jmp;
} st = { .fd = -1, .dfd = -1, .afd = -1, .tfd = -1 };

/* --- the generator: splitmix64 ------------------------------------- */

static uint64_t rnd(void)
{
	uint64_t z = (st.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* uniform in [lo, hi] */
static uint64_t rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd_below(hi - lo + 1);
}

static void rnd_fill(uint8_t *p, uint64_t len)
{
	uint64_t v = 0;

	for (uint64_t i = 0; i < len; i++) {
		if ((i & 7) == 0)
			v = rnd();
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* --- the log of recent ops and failing ------------------------------ */

static void log_line(FILE *f, const struct log_entry *e, const char *mark)
{
	fprintf(f, "%8" PRIu64 " %-11s off 0x%" PRIx64 " len 0x%" PRIx64,
		e->nr, op_info[e->op].name, e->off, e->len);
	if (e->op == OP_COPY || e->op == OP_COPY_TMP)
		fprintf(f, " from 0x%" PRIx64, e->aux);
	else if (e->op == OP_MAPWRITE)
		fprintf(f, " msync %s", e->aux == 1 ? "sync" : e->aux == 2 ? "async" : "none");
	if (e->done)
		fprintf(f, " -> size 0x%" PRIx64, e->size);
	else
		fprintf(f, " (failed here)");
	fprintf(f, "%s\n", mark);
}

static bool covers(const struct log_entry *e, uint64_t off)
{
	switch (e->op) {
	case OP_FSYNC: case OP_FDATASYNC: case OP_REOPEN: case OP_VERIFY:
		return false;
	case OP_TRUNCATE:
		return off >= e->off;
	default:
		return off >= e->off && off - e->off < e->len;
	}
}

static void dump_log(FILE *f, bool have_off, uint64_t bad_off)
{
	uint64_t first = st.logged > LOG_SIZE ? st.logged - LOG_SIZE : 0;

	fprintf(f, "fsx: the last %" PRIu64 " operations%s:\n", st.logged - first,
		have_off ? " (* = range covers the bad offset)" : "");
	for (uint64_t i = first; i < st.logged; i++) {
		const struct log_entry *e = &st.log[i % LOG_SIZE];

		log_line(f, e, have_off && covers(e, bad_off) ? " *" : "");
	}
}

static void __attribute__((noreturn, format(printf, 3, 4)))
fail_at(bool have_off, uint64_t bad_off, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "fsx: FAIL at op %" PRIu64 " (%s), seed %" PRIu64 ": ", st.nr,
		st.cur ? op_info[st.cur->op].name : "setup", st.seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	dump_log(stderr, have_off, bad_off);
	fprintf(stderr, "fsx: model size 0x%" PRIx64 "; replay: %s -S %" PRIu64 "\n",
		st.size, st.replay, st.seed);
	exit(1);
}

#define fail(...) fail_at(false, 0, __VA_ARGS__)

/* a failed call: its errno, and which option avoids it when that is the point */
static void __attribute__((noreturn)) sys_fail(const char *what, const char *hint)
{
	int err = errno;

	fail("%s: %s%s%s", what, strerror(err), hint ? " " : "", hint ? hint : "");
}

static void sigbus(int sig)
{
	(void)sig;
	if (st.in_map)
		siglongjmp(st.map_jmp, 1);
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

/* --- checks against the model ------------------------------------- */

static void hex(FILE *f, const char *label, const uint8_t *p, uint64_t n)
{
	fprintf(f, "  %s", label);
	for (uint64_t i = 0; i < n; i++)
		fprintf(f, " %02x", p[i]);
	fprintf(f, "\n");
}

/* got holds what the file has at [off, off + len) by way of 'how' */
static void check_bytes(const uint8_t *got, uint64_t off, uint64_t len, const char *how)
{
	const uint8_t *want = st.model + off;
	uint64_t i, n, diff = 0, last = 0;

	for (i = 0; i < len && got[i] == want[i]; i++)
		;
	if (i == len)
		return;
	for (uint64_t j = i; j < len; j++) {
		if (got[j] != want[j]) {
			diff++;
			last = j;
		}
	}
	n = len - i < 16 ? len - i : 16;
	fflush(stdout);
	fprintf(stderr, "fsx: %s of 0x%" PRIx64 "+0x%" PRIx64 ": %" PRIu64
		" bytes differ, first at 0x%" PRIx64 ", last at 0x%" PRIx64 "\n",
		how, off, len, diff, off + i, off + last);
	fprintf(stderr, "  bytes from offset 0x%" PRIx64 ":\n", off + i);
	hex(stderr, "expected:", want + i, n);
	hex(stderr, "found:   ", got + i, n);
	fail_at(true, off + i, "%s: data mismatch at offset 0x%" PRIx64
		" (expected 0x%02x, found 0x%02x)", how, off + i, want[i], got[i]);
}

static void check_zero_model(uint64_t off, uint64_t end, const char *how)
{
	for (uint64_t i = off; i < end; i++)
		if (st.model[i])
			fail_at(true, i, "%s: 0x%" PRIx64 "-0x%" PRIx64 " reported as a hole "
				"but holds data at 0x%" PRIx64 " (expected 0x%02x)",
				how, off, end, i, st.model[i]);
}

static void check_size(const char *how)
{
	struct stat sb;

	if (fstat(st.fd, &sb))
		sys_fail("fstat", NULL);
	if ((uint64_t)sb.st_size != st.size)
		fail("%s: file size 0x%" PRIx64 ", expected 0x%" PRIx64, how,
		     (uint64_t)sb.st_size, st.size);
}

/* --- I/O helpers ---------------------------------------------------- */

static void full_pwrite(int fd, const uint8_t *p, uint64_t len, uint64_t off, const char *what)
{
	while (len) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);

		if (r < 0)
			sys_fail(what, NULL);
		if (r == 0)
			fail("%s: wrote nothing at 0x%" PRIx64, what, off);
		p += r;
		off += r;
		len -= r;
	}
}

/* reads until len or end of file; returns the bytes read */
static uint64_t full_pread(int fd, uint8_t *p, uint64_t len, uint64_t off, const char *what)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, p + done, len - done, (off_t)(off + done));

		if (r < 0)
			sys_fail(what, NULL);
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

/* the count a read of [off, off + len) must return */
static uint64_t expect_count(uint64_t off, uint64_t len)
{
	if (off >= st.size)
		return 0;
	return st.size - off < len ? st.size - off : len;
}

static void open_main(int flags)
{
	st.fd = open(st.path, O_RDWR | flags, 0644);
	if (st.fd < 0)
		sys_fail(st.path, NULL);
}

static int direct_fd(void)
{
	if (st.dfd < 0) {
		st.dfd = open(st.path, O_RDWR | O_DIRECT);
		if (st.dfd < 0)
			sys_fail("open O_DIRECT", "(-D leaves O_DIRECT out)");
	}
	return st.dfd;
}

static int append_fd(void)
{
	if (st.afd < 0) {
		st.afd = open(st.path, O_WRONLY | O_APPEND);
		if (st.afd < 0)
			sys_fail("open O_APPEND", NULL);
	}
	return st.afd;
}

static int tmp_fd(void)
{
	if (st.tfd < 0) {
		st.tfd = open(st.tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (st.tfd < 0)
			sys_fail(st.tmp_path, NULL);
	}
	return st.tfd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0 && close(*fd))
		sys_fail("close", NULL);
	*fd = -1;
}

/* --- picking offsets and lengths ------------------------------------ */

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* somewhere in [0, maxlen): anywhere, inside the data, near the end, page aligned */
static uint64_t pick_off(void)
{
	uint64_t off;

	switch (rnd_below(8)) {
	case 0: case 1: case 2:
		off = rnd_below(st.maxlen);
		break;
	case 3: case 4:
		off = rnd_below(st.size + 1);
		break;
	case 5: case 6:
		off = st.size + rnd_below(0x12000);
		off = off > 0x2000 ? off - 0x2000 : 0;
		break;
	default:
		off = rnd_below(st.maxlen) & ~(uint64_t)(st.pagesz - 1);
		break;
	}
	return min64(off, st.maxlen - 1);
}

/* in [0, size) */
static uint64_t pick_data_off(void)
{
	uint64_t off = rnd_below(st.size);

	if (rnd_below(4) == 0)
		off &= ~(uint64_t)(st.pagesz - 1);
	return off;
}

/* 1 to maxop bytes: tiny, around a page, page multiples, anything */
static uint64_t pick_len(void)
{
	uint64_t len;

	switch (rnd_below(10)) {
	case 0: case 1: case 2:
		len = rnd_range(1, 64);
		break;
	case 3: case 4:
		len = rnd_range(1, 2 * (uint64_t)st.pagesz);
		break;
	case 5: case 6:
		len = st.pagesz * rnd_range(1, max64(1, st.maxop / st.pagesz));
		break;
	default:
		len = rnd_range(1, st.maxop);
		break;
	}
	return min64(len, st.maxop);
}

/* --- the operations -------------------------------------------------- */

static void set_size(uint64_t size)
{
	/* past the size the model is always zero */
	if (size < st.size)
		memset(st.model + size, 0, st.size - size);
	st.size = size;
}

static void do_write(struct log_entry *e)
{
	e->off = pick_off();
	e->len = min64(pick_len(), st.maxlen - e->off);
	rnd_fill(st.buf, e->len);
	full_pwrite(st.fd, st.buf, e->len, e->off, "pwrite");
	memcpy(st.model + e->off, st.buf, e->len);
	set_size(max64(st.size, e->off + e->len));
}

static void read_check(int fd, uint64_t off, uint64_t len, const char *how)
{
	uint64_t want = expect_count(off, len), got;

	got = full_pread(fd, st.buf, len, off, how);
	if (got != want)
		fail("%s of 0x%" PRIx64 "+0x%" PRIx64 " returned 0x%" PRIx64
		     " bytes, expected 0x%" PRIx64, how, off, len, got, want);
	check_bytes(st.buf, off, got, how);
}

static void do_read(struct log_entry *e)
{
	/* mostly inside the file, sometimes across or past its end */
	e->off = rnd_below(4) && st.size ? pick_data_off() : pick_off();
	e->len = pick_len();
	read_check(st.fd, e->off, e->len, "pread");
}

static void do_truncate(struct log_entry *e)
{
	uint64_t size;

	switch (rnd_below(6)) {
	case 0: case 1: case 2:
		size = rnd_below(st.size + 1);
		break;
	case 3:
		size = rnd_below(st.maxlen + 1) & ~(uint64_t)(st.pagesz - 1);
		break;
	default:
		size = rnd_range(st.size, st.maxlen);
		break;
	}
	e->off = size;
	e->len = 0;
	if (ftruncate(st.fd, (off_t)size))
		sys_fail("ftruncate", NULL);
	set_size(size);
}

static void do_append(struct log_entry *e)
{
	int fd = append_fd();
	off_t pos;

	e->off = st.size;
	e->len = min64(pick_len(), st.maxlen - st.size);
	rnd_fill(st.buf, e->len);
	for (uint64_t done = 0; done < e->len; ) {
		ssize_t r = write(fd, st.buf + done, e->len - done);

		if (r <= 0)
			sys_fail("write O_APPEND", NULL);
		done += r;
	}
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		sys_fail("lseek SEEK_CUR", NULL);
	if ((uint64_t)pos != st.size + e->len)
		fail("O_APPEND write of 0x%" PRIx64 " bytes at size 0x%" PRIx64
		     " left the position at 0x%" PRIx64, e->len, st.size, (uint64_t)pos);
	memcpy(st.model + st.size, st.buf, e->len);
	set_size(st.size + e->len);
}

/* maps [off, off + len) rounded out to pages; returns the byte at off */
static uint8_t *map_range(uint64_t off, uint64_t len, int prot, int flags,
			  void **base, size_t *maplen, const char *what)
{
	uint64_t start = off & ~(uint64_t)(st.pagesz - 1);
	uint64_t end = (off + len + st.pagesz - 1) & ~(uint64_t)(st.pagesz - 1);
	void *p;

	*maplen = end - start;
	p = mmap(NULL, *maplen, prot, flags, st.fd, (off_t)start);
	if (p == MAP_FAILED)
		sys_fail(what, "(-M leaves mmap out)");
	*base = p;
	return (uint8_t *)p + (off - start);
}

static void unmap(void *base, size_t len)
{
	if (munmap(base, len))
		sys_fail("munmap", NULL);
}

/* the faults of a mapping are the file system's reads and writes */
#define MAP_GUARD(what)							\
	do {								\
		if (sigsetjmp(st.map_jmp, 1)) {				\
			st.in_map = 0;					\
			fail("SIGBUS touching the mapping (%s)", what);	\
		}							\
		st.in_map = 1;						\
	} while (0)

static void do_mapread(struct log_entry *e)
{
	uint64_t end;
	size_t maplen;
	void *base;
	uint8_t *p;

	e->off = pick_data_off();
	e->len = min64(pick_len(), st.size - e->off);
	p = map_range(e->off, e->len, PROT_READ, MAP_SHARED, &base, &maplen, "mmap");
	MAP_GUARD("mapread");
	memcpy(st.buf, p, e->len);
	/* the rest of the page holding the end of file reads as zeroes */
	end = (e->off & ~(uint64_t)(st.pagesz - 1)) + maplen;
	if (end > st.size) {
		uint64_t tail = end - st.size;
		const uint8_t *t = p + (st.size - e->off);

		for (uint64_t i = 0; i < tail; i++)
			if (t[i])
				fail_at(true, st.size + i, "mapread: byte 0x%02x past the end of "
					"file at 0x%" PRIx64 " in its last page, expected zero",
					t[i], st.size + i);
	}
	st.in_map = 0;
	unmap(base, maplen);
	check_bytes(st.buf, e->off, e->len, "mmap read");
}

static void do_mapwrite(struct log_entry *e)
{
	size_t maplen;
	void *base;
	uint8_t *p;

	e->off = pick_off();
	e->len = min64(pick_len(), st.maxlen - e->off);
	e->aux = rnd_below(3);
	rnd_fill(st.buf, e->len);
	/* a mapping can't grow a file: extend it first */
	if (e->off + e->len > st.size) {
		if (ftruncate(st.fd, (off_t)(e->off + e->len)))
			sys_fail("ftruncate before mmap write", NULL);
		set_size(e->off + e->len);
	}
	p = map_range(e->off, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, &base, &maplen,
		      "mmap shared");
	MAP_GUARD("mapwrite");
	memcpy(p, st.buf, e->len);
	st.in_map = 0;
	if (e->aux && msync(base, maplen, e->aux == 1 ? MS_SYNC : MS_ASYNC))
		sys_fail("msync", NULL);
	unmap(base, maplen);
	memcpy(st.model + e->off, st.buf, e->len);
}

static void do_mapprivate(struct log_entry *e)
{
	size_t maplen;
	void *base;
	uint8_t *p;

	e->off = pick_data_off();
	e->len = min64(pick_len(), st.size - e->off);
	rnd_fill(st.buf2, e->len);
	p = map_range(e->off, e->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, &base, &maplen,
		      "mmap private");
	MAP_GUARD("mapprivate");
	memcpy(st.buf, p, e->len);
	memcpy(p, st.buf2, e->len);
	st.in_map = 0;
	check_bytes(st.buf, e->off, e->len, "private mmap read");
	if (memcmp(p, st.buf2, e->len))
		fail("a private mapping doesn't hold what was written to it");
	unmap(base, maplen);
	/* and the file is as it was */
	read_check(st.fd, e->off, e->len, "pread after private mmap write");
}

static void do_fallocate(struct log_entry *e)
{
	static const char hint[] = "(-F leaves fallocate out, -H punching holes, "
		"-Z zeroing ranges)";
	uint64_t end;
	int mode = 0;

	e->off = pick_off();
	e->len = min64(pick_len(), st.maxlen - e->off);
	end = e->off + e->len;
	switch (e->op) {
	case OP_FALLOC_KEEP:
		mode = FALLOC_FL_KEEP_SIZE;
		break;
	case OP_PUNCH:
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		break;
	case OP_ZERO:
		mode = FALLOC_FL_ZERO_RANGE;
		break;
	case OP_ZERO_KEEP:
		mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		break;
	default:
		break;
	}
	if (fallocate(st.fd, mode, (off_t)e->off, (off_t)e->len))
		sys_fail("fallocate", hint);
	if (!(mode & FALLOC_FL_KEEP_SIZE))
		set_size(max64(st.size, end));
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		end = min64(end, st.size);
		if (e->off < end)
			memset(st.model + e->off, 0, end - e->off);
	}
}

/* a multiple of DIO_ALIGN, at least one block and at most maxop (or one block) */
static uint64_t pick_dio_len(void)
{
	uint64_t blocks = max64(1, min64(st.maxop, st.maxlen) / DIO_ALIGN);

	return DIO_ALIGN * (rnd_below(3) ? rnd_range(1, min64(blocks, 4)) : rnd_range(1, blocks));
}

static void do_dwrite(struct log_entry *e)
{
	int fd = direct_fd();
	uint64_t blocks;

	e->len = pick_dio_len();
	blocks = (st.maxlen - e->len) / DIO_ALIGN + 1;
	if (rnd_below(2) && st.size)
		e->off = min64(rnd_below(st.size), st.maxlen - e->len) / DIO_ALIGN * DIO_ALIGN;
	else
		e->off = rnd_below(blocks) * DIO_ALIGN;
	rnd_fill(st.buf, e->len);
	full_pwrite(fd, st.buf, e->len, e->off, "pwrite O_DIRECT");
	memcpy(st.model + e->off, st.buf, e->len);
	set_size(max64(st.size, e->off + e->len));
}

static void do_dread(struct log_entry *e)
{
	int fd = direct_fd();
	uint64_t want, done = 0;

	e->len = pick_dio_len();
	if (rnd_below(4) && st.size)
		e->off = rnd_below(st.size) / DIO_ALIGN * DIO_ALIGN;
	else
		e->off = rnd_below(st.maxlen / DIO_ALIGN) * DIO_ALIGN;
	want = expect_count(e->off, e->len);
	/* a direct read ends at the end of file; another would be unaligned */
	while (done < e->len) {
		ssize_t r = pread(fd, st.buf + done, e->len - done, (off_t)(e->off + done));

		if (r < 0)
			sys_fail("pread O_DIRECT", NULL);
		if (r == 0)
			break;
		done += r;
		if (done % DIO_ALIGN)
			break;
	}
	if (done != want)
		fail("O_DIRECT read of 0x%" PRIx64 "+0x%" PRIx64 " returned 0x%" PRIx64
		     " bytes, expected 0x%" PRIx64, e->off, e->len, done, want);
	check_bytes(st.buf, e->off, done, "O_DIRECT read");
}

static void do_sync(struct log_entry *e)
{
	e->off = e->len = 0;
	if (e->op == OP_FSYNC ? fsync(st.fd) : fdatasync(st.fd))
		sys_fail(op_info[e->op].name, NULL);
}

static void do_reopen(struct log_entry *e)
{
	e->off = e->len = 0;
	close_fd(&st.fd);
	close_fd(&st.dfd);
	close_fd(&st.afd);
	open_main(0);
}

static void copy_range(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len,
		       const char *what)
{
	loff_t ip = (loff_t)in_off, op = (loff_t)out_off;

	while (len) {
		ssize_t r = copy_file_range(in, &ip, out, &op, len, 0);

		if (r < 0)
			sys_fail(what, "(-C leaves copy_file_range out)");
		if (r == 0)
			fail("%s: copied nothing with 0x%" PRIx64 " bytes to go at 0x%" PRIx64,
			     what, len, (uint64_t)ip);
		len -= r;
	}
}

/* a source range inside the file; at most maxop bytes */
static void pick_copy_src(struct log_entry *e)
{
	e->aux = pick_data_off();
	e->len = min64(pick_len(), st.size - e->aux);
}

static void do_copy(struct log_entry *e)
{
	uint64_t src, before, after;

	pick_copy_src(e);
	src = e->aux;
	/* ranges in one file must not overlap: pick among the places that don't */
	for (;;) {
		before = src >= e->len ? src - e->len + 1 : 0;
		after = st.maxlen - e->len >= src + e->len ? st.maxlen - e->len - (src + e->len) + 1 : 0;
		if (before + after)
			break;
		e->len = max64(1, e->len / 2);
	}
	e->off = rnd_below(before + after);
	if (e->off >= before)
		e->off = src + e->len + (e->off - before);
	copy_range(st.fd, src, st.fd, e->off, e->len, "copy_file_range in the file");
	memmove(st.model + e->off, st.model + src, e->len);
	set_size(max64(st.size, e->off + e->len));
}

/* through a temporary file beside it, at an unaligned place there */
static void do_copy_tmp(struct log_entry *e)
{
	int tfd = tmp_fd();
	uint64_t toff = rnd_below(2 * DIO_ALIGN), got;

	pick_copy_src(e);
	e->off = pick_off();
	e->len = min64(e->len, st.maxlen - e->off);
	if (ftruncate(tfd, 0))
		sys_fail("ftruncate temp file", NULL);
	copy_range(st.fd, e->aux, tfd, toff, e->len, "copy_file_range to the temp file");
	got = full_pread(tfd, st.buf, e->len, toff, "pread temp file");
	if (got != e->len)
		fail("the temp file holds 0x%" PRIx64 " bytes of 0x%" PRIx64, got, e->len);
	check_bytes(st.buf, e->aux, e->len, "copy in the temp file");
	copy_range(tfd, toff, st.fd, e->off, e->len, "copy_file_range from the temp file");
	memmove(st.model + e->off, st.model + e->aux, e->len);
	set_size(max64(st.size, e->off + e->len));
}

/* the size, every byte, and that no hole hides data */
static void do_verify(struct log_entry *e)
{
	uint64_t pos, got;
	off_t d, h;

	e->off = 0;
	e->len = st.size;
	check_size("verify");
	for (pos = 0; pos < st.size; pos += got) {
		uint64_t n = min64(VERIFY_CHUNK, st.size - pos);

		got = full_pread(st.fd, st.vbuf, n, pos, "verify pread");
		if (got != n)
			fail("verify: read at 0x%" PRIx64 " returned 0x%" PRIx64 " of 0x%" PRIx64
			     " bytes", pos, got, n);
		check_bytes(st.vbuf, pos, n, "verify");
	}
	if (full_pread(st.fd, st.vbuf, 1, st.size, "verify pread at the end") != 0)
		fail("verify: a read at the end of file 0x%" PRIx64 " returned data", st.size);

	/* walk the file by SEEK_DATA / SEEK_HOLE: every hole must be zero in the model */
	for (pos = 0; pos < st.size; pos = (uint64_t)h) {
		d = lseek(st.fd, (off_t)pos, SEEK_DATA);
		if (d < 0 && errno != ENXIO)
			sys_fail("lseek SEEK_DATA", NULL);
		if (d >= 0 && (uint64_t)d >= st.size)
			fail("SEEK_DATA from 0x%" PRIx64 " returned 0x%" PRIx64 ", at or past "
			     "the end of file 0x%" PRIx64, pos, (uint64_t)d, st.size);
		if (d < 0)
			d = (off_t)st.size;
		if ((uint64_t)d < pos)
			fail("SEEK_DATA from 0x%" PRIx64 " went back to 0x%" PRIx64, pos,
			     (uint64_t)d);
		check_zero_model(pos, (uint64_t)d, "SEEK_DATA");
		if ((uint64_t)d == st.size)
			break;
		h = lseek(st.fd, d, SEEK_HOLE);
		if (h < 0)
			sys_fail("lseek SEEK_HOLE", NULL);
		if (h <= d || (uint64_t)h > st.size)
			fail("SEEK_HOLE from data at 0x%" PRIx64 " returned 0x%" PRIx64
			     " (size 0x%" PRIx64 ")", (uint64_t)d, (uint64_t)h, st.size);
	}
	if (lseek(st.fd, (off_t)st.size, SEEK_DATA) >= 0 || errno != ENXIO)
		fail("SEEK_DATA at the end of file 0x%" PRIx64 " didn't fail with ENXIO", st.size);
}

/* an op that can't be done on the file as it is becomes one that can */
static enum op applicable(enum op op)
{
	switch (op) {
	case OP_MAPREAD: case OP_MAPPRIVATE: case OP_COPY: case OP_COPY_TMP:
		if (st.size == 0)
			return OP_WRITE;
		break;
	case OP_APPEND:
		if (st.size == st.maxlen)
			return OP_TRUNCATE;
		break;
	default:
		break;
	}
	return op;
}

static enum op pick_op(void)
{
	unsigned total = 0, r;
	int op;

	for (op = 0; op < NR_OPS; op++)
		if (!st.disabled[op])
			total += op_info[op].weight;
	r = (unsigned)rnd_below(total);
	for (op = 0; op < NR_OPS; op++) {
		if (st.disabled[op])
			continue;
		if (r < op_info[op].weight)
			break;
		r -= op_info[op].weight;
	}
	return applicable((enum op)op);
}

static void run_op(enum op op)
{
	struct log_entry *e = &st.log[st.logged++ % LOG_SIZE];

	memset(e, 0, sizeof(*e));
	e->nr = st.nr;
	e->op = op;
	st.cur = e;
	switch (op) {
	case OP_WRITE:		do_write(e); break;
	case OP_READ:		do_read(e); break;
	case OP_APPEND:		do_append(e); break;
	case OP_TRUNCATE:	do_truncate(e); break;
	case OP_MAPREAD:	do_mapread(e); break;
	case OP_MAPWRITE:	do_mapwrite(e); break;
	case OP_MAPPRIVATE:	do_mapprivate(e); break;
	case OP_FALLOC: case OP_FALLOC_KEEP: case OP_PUNCH: case OP_ZERO: case OP_ZERO_KEEP:
				do_fallocate(e); break;
	case OP_DWRITE:		do_dwrite(e); break;
	case OP_DREAD:		do_dread(e); break;
	case OP_FSYNC: case OP_FDATASYNC:
				do_sync(e); break;
	case OP_REOPEN:		do_reopen(e); break;
	case OP_COPY:		do_copy(e); break;
	case OP_COPY_TMP:	do_copy_tmp(e); break;
	case OP_VERIFY:		do_verify(e); break;
	case NR_OPS:		break;
	}
	e->size = st.size;
	e->done = true;
	if (st.verbose)
		log_line(stdout, e, "");
	check_size("after the op");
}

/* what the file holds: for a check after fsx is gone (a remount, say) */
static void save_model(void)
{
	int fd = open(st.model_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		sys_fail(st.model_out, NULL);
	full_pwrite(fd, st.model, st.size, 0, "writing the model");
	if (close(fd))
		sys_fail("close the model", NULL);
}

/* --- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: fsx [options] FILE\n"
"  -S SEED   seed of the operations (default: from the clock; printed)\n"
"  -N OPS    number of random operations (default 10000)\n"
"  -l LEN    largest file size (default 8m; at least 4096)\n"
"  -o LEN    largest length of one operation (default 256k)\n"
"  -c OPS    verify the whole file every OPS operations (default 100, 0: only at the end)\n"
"  -M        no mmap           -F  no fallocate (any mode)\n"
"  -H        no punching holes -Z  no zeroing ranges\n"
"  -D        no O_DIRECT       -C  no copy_file_range\n"
"  -x NAME   leave out the operation NAME (may repeat); NAME is one of\n"
"           ");
	for (int op = 0; op < OP_VERIFY; op++)
		fprintf(f, " %s", op_info[op].name);
	fprintf(f, "\n"
"  -m MFILE  at the end, write what FILE must hold to MFILE (to compare after a remount)\n"
"  -X OP     debug: corrupt the model after operation OP; the run must fail\n"
"  -v        print every operation\n"
"LEN takes a k, m or g suffix.  Exit status: 0 all ok, 1 a failure, 2 usage.\n");
}

static uint64_t parse_num(const char *s, bool suffix, char opt)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (suffix && end != s) {
		unsigned shift = 0;

		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: break;
		}
		if (shift) {
			if (v > (UINT64_MAX >> shift))
				errno = ERANGE;
			v <<= shift;
			end++;
		}
	}
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "fsx: -%c: bad number '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

/* the command line without its seed, for the replay hint */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s) {
		perror("fsx");
		exit(2);
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-S")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "-S", 2))
			continue;
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void disable_flag(char flag)
{
	for (int op = 0; op < NR_OPS; op++)
		if (op_info[op].flag == flag ||
		    (flag == 'F' && (op_info[op].flag == 'H' || op_info[op].flag == 'Z')))
			st.disabled[op] = true;
}

int main(int argc, char **argv)
{
	uint64_t nops = 10000, every = 100, corrupt = 0;
	bool have_seed = false, corrupted = false;
	struct sigaction sa;
	struct timespec ts;
	int c;

	st.maxlen = 8u << 20;
	st.maxop = 256u << 10;
	st.disabled[OP_VERIFY] = true;
	while ((c = getopt(argc, argv, "S:N:l:o:c:m:x:X:MFHZDCvh")) != -1) {
		switch (c) {
		case 'S': st.seed = parse_num(optarg, false, c); have_seed = true; break;
		case 'N': nops = parse_num(optarg, false, c); break;
		case 'l': st.maxlen = parse_num(optarg, true, c); break;
		case 'o': st.maxop = parse_num(optarg, true, c); break;
		case 'c': every = parse_num(optarg, false, c); break;
		case 'X': corrupt = parse_num(optarg, false, c); break;
		case 'm': st.model_out = optarg; break;
		case 'M': case 'F': case 'H': case 'Z': case 'D': case 'C':
			disable_flag((char)c);
			break;
		case 'x': {
			int op;

			for (op = 0; op < OP_VERIFY; op++)
				if (!strcmp(optarg, op_info[op].name))
					break;
			if (op == OP_VERIFY) {
				fprintf(stderr, "fsx: -x: no operation '%s'\n", optarg);
				return 2;
			}
			st.disabled[op] = true;
			break;
		}
		case 'v': st.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (st.maxlen < DIO_ALIGN || st.maxlen > ((uint64_t)1 << 40)) {
		fprintf(stderr, "fsx: -l must be from 4096 to 1t\n");
		return 2;
	}
	if (st.maxop < 1) {
		fprintf(stderr, "fsx: -o must be at least 1\n");
		return 2;
	}
	st.maxop = min64(st.maxop, st.maxlen);
	{
		unsigned total = 0;

		for (int op = 0; op < NR_OPS; op++)
			if (!st.disabled[op])
				total += op_info[op].weight;
		/* writes are what every other op needs */
		if (!total || st.disabled[OP_WRITE]) {
			fprintf(stderr, "fsx: write can't be left out\n");
			return 2;
		}
	}

	st.path = argv[optind];
	st.replay = join_args(argc, argv);
	if (asprintf(&st.tmp_path, "%s.fsxtmp", st.path) < 0) {
		perror("fsx");
		return 2;
	}
	if (!have_seed) {
		clock_gettime(CLOCK_REALTIME, &ts);
		st.rng = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		st.rng ^= (uint64_t)getpid() << 32;
		st.seed = rnd() % 1000000000000ULL;	/* short enough to type */
	}
	st.rng = st.seed;
	st.pagesz = sysconf(_SC_PAGESIZE);
	st.model = calloc(1, st.maxlen);
	st.buflen = (st.maxop + DIO_ALIGN - 1) / DIO_ALIGN * DIO_ALIGN;
	st.buf = aligned_alloc(DIO_ALIGN, st.buflen);
	st.buf2 = malloc(st.buflen);
	st.vbuf = malloc(VERIFY_CHUNK);
	if (!st.model || !st.buf || !st.buf2 || !st.vbuf) {
		perror("fsx: allocating the model");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigbus;
	sigaction(SIGBUS, &sa, NULL);

	printf("fsx: %s seed %" PRIu64 " ops %" PRIu64 " maxlen %" PRIu64 " maxop %" PRIu64 "\n",
	       st.path, st.seed, nops, st.maxlen, st.maxop);
	fflush(stdout);

	open_main(O_CREAT | O_TRUNC);
	for (st.nr = 1; st.nr <= nops; st.nr++) {
		run_op(pick_op());
		if (corrupt && st.nr >= corrupt && !corrupted && st.size) {
			uint64_t off = st.size / 2;

			st.model[off] ^= 0x5a;
			corrupted = true;
			fprintf(stderr, "fsx: debug: changed the model's byte at 0x%" PRIx64
				" after op %" PRIu64 "\n", off, st.nr);
			run_op(OP_VERIFY);
		}
		if (every && st.nr % every == 0)
			run_op(OP_VERIFY);
	}
	st.nr = nops;
	run_op(OP_VERIFY);
	close_fd(&st.fd);
	close_fd(&st.dfd);
	close_fd(&st.afd);
	if (st.tfd >= 0) {
		close_fd(&st.tfd);
		if (unlink(st.tmp_path))
			sys_fail("unlink temp file", NULL);
	}
	/* reopened from scratch: the size and every byte once more */
	open_main(0);
	run_op(OP_VERIFY);
	close_fd(&st.fd);
	if (corrupt) {
		fprintf(stderr, "fsx: -X %" PRIu64 ": the corruption was not detected\n", corrupt);
		return 1;
	}
	if (st.model_out)
		save_model();
	printf("fsx: %" PRIu64 " ops ok, seed %" PRIu64 "\n", nops, st.seed);
	free(st.model);
	free(st.buf);
	free(st.buf2);
	free(st.vbuf);
	free(st.replay);
	free(st.tmp_path);
	return 0;
}
