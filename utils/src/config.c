/*
 * Parsing and validation of the YAML cluster configuration.
 *
 * The input is read with libyaml's event API into a small tree of our
 * own.  Doing that ourselves rather than using libyaml's document
 * loader lets us bound the nesting depth, resolve aliases without ever
 * creating cycles (an anchor only becomes visible once its node is
 * complete), keep the position of every alias use, and find duplicate
 * mapping keys once per mapping.
 *
 * The tree is then walked following the schema.  Values are only ever
 * looked at where the schema expects them so the walk is linear in the
 * size of the input even when aliases reference large subtrees many
 * times: unknown keys and type mismatches are reported without
 * descending, and every report counts towards the error limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "arena.h"
#include "config.h"

/* the kernel copies mount options into a single page */
#define MOUNT_OPTIONS_MAX 4095
#define PATH_LEN_MAX 4095
#define PATH_BUF 112
#define QUOTE_BUF 128
#define NR_QUOTE_BUFS 4

struct scoutfs_config_priv {
	struct arena arena;
};

/* ------------------------------------------------------------------ */
/* parse tree */

enum ytype {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
};

enum ytag {
	YTAG_NONE = 0,	/* no explicit tag */
	YTAG_STR,
	YTAG_INT,
	YTAG_NULL,
	YTAG_SEQ,
	YTAG_MAP,
	YTAG_OTHER,
};

struct ynode {
	enum ytype type;
	enum ytag tag;
	const char *tag_name;	/* for messages about YTAG_OTHER */
	bool plain;		/* plain (unquoted, non-block) scalar */
	bool dup;		/* a key repeated earlier in its mapping */
	unsigned int line;
	unsigned int col;
	const char *str;	/* scalars: NUL terminated, may contain NULs */
	size_t len;
	struct ynode **kids;	/* seq: nr items; map: nr key/value pairs */
	size_t nr;
};

struct anchor {
	const char *name;
	struct ynode *node;
};

struct anchors {
	struct anchor *slots;
	size_t size;		/* power of two, or 0 */
	size_t used;
};

struct frame {
	struct ynode *node;
	const char *anchor;
	struct ynode **kids;
	size_t nr;
	size_t alloc;
};

/* ------------------------------------------------------------------ */
/* validation state */

struct node_state {
	const struct ynode *map;
	const struct ynode *name;
	const struct ynode *addr;
	const struct ynode *slot;
	bool name_ok;
	bool addr_ok;
	bool port_ok;
	bool slot_ok;
	bool meta_seen;		/* per-node devices.metadata present, valid or not */
	bool data_seen;
	int family;
	unsigned char addr_bytes[16];
};

struct devices_target {
	const char **meta;
	const char **data;
	bool *meta_seen;
	bool *data_seen;
};

struct ctx {
	const unsigned char *buf;
	size_t len;

	struct arena tree;
	struct scoutfs_config *cfg;
	struct arena *out;
	struct scoutfs_config_errors *errs;
	size_t errs_alloc;
	bool stop;		/* error limit reached, stop looking */
	bool nomem;

	char quote[NR_QUOTE_BUFS][QUOTE_BUF];
	unsigned int quote_next;

	/* schema walk */
	struct node_state *ns;
	size_t cur_node;
	struct devices_target *dev;
	const struct ynode *nodes_seq;
	bool def_meta_seen;
	bool def_data_seen;
	bool any_slot_seen;	/* some node has a quorum_slot key */
	bool any_node_not_map;	/* some node entry isn't a mapping */
	bool fence_method_ok;
	const struct ynode *fence_command;
};

/* ------------------------------------------------------------------ */
/* errors */

static void __attribute__((format(printf, 4, 5)))
add_error(struct ctx *c, unsigned int line, unsigned int col, const char *fmt, ...)
{
	struct scoutfs_config_errors *errs = c->errs;
	struct scoutfs_config_error *e;
	va_list ap;
	char *msg;
	int ret;

	if (c->stop || c->nomem)
		return;

	if (errs->nr >= SCOUTFS_CONFIG_MAX_ERRORS) {
		errs->truncated = true;
		c->stop = true;
		return;
	}

	if (errs->nr == c->errs_alloc) {
		size_t alloc = c->errs_alloc ? c->errs_alloc * 2 : 8;

		e = realloc(errs->errors, alloc * sizeof(*e));
		if (!e) {
			c->nomem = true;
			return;
		}
		errs->errors = e;
		c->errs_alloc = alloc;
	}

	va_start(ap, fmt);
	ret = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ret < 0) {
		c->nomem = true;
		return;
	}

	e = &errs->errors[errs->nr++];
	e->line = line;
	e->column = col;
	e->message = msg;
}

#define err_at(c, n, ...) add_error(c, (n)->line, (n)->col, __VA_ARGS__)

static bool halted(const struct ctx *c)
{
	return c->stop || c->nomem;
}

/*
 * Format a possibly hostile string for a message: printable ASCII is
 * kept, everything else is escaped, long strings are cut short.  The
 * result lives in one of a few rotating buffers in the context.
 */
static const char *quote(struct ctx *c, const char *s, size_t len)
{
	char *buf = c->quote[c->quote_next++ % NR_QUOTE_BUFS];
	const size_t keep = 48;
	size_t o = 0;
	size_t i;

	for (i = 0; i < len && o < keep; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'') {
			buf[o++] = (char)ch;
		} else {
			snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", ch);
			o += 4;
		}
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static const char *qnode(struct ctx *c, const struct ynode *n)
{
	return quote(c, n->str, n->len);
}

static void free_errors(struct scoutfs_config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->nr; i++)
		free(errs->errors[i].message);
	free(errs->errors);
	errs->errors = NULL;
	errs->nr = 0;
	errs->truncated = false;
}

static bool pos_before(const struct scoutfs_config_error *a,
		       const struct scoutfs_config_error *b)
{
	/* errors without a position go last */
	if ((a->line == 0) != (b->line == 0))
		return a->line != 0;
	if (a->line != b->line)
		return a->line < b->line;
	return a->column < b->column;
}

/* stable: errors at one position keep the order they were found in */
static void sort_errors(struct scoutfs_config_errors *errs)
{
	struct scoutfs_config_error tmp;
	size_t i;
	size_t j;

	for (i = 1; i < errs->nr; i++) {
		tmp = errs->errors[i];
		for (j = i; j > 0 && pos_before(&tmp, &errs->errors[j - 1]); j--)
			errs->errors[j] = errs->errors[j - 1];
		errs->errors[j] = tmp;
	}
}

/* ------------------------------------------------------------------ */
/* anchors: a small open addressing hash table */

static size_t hash_str(const char *s)
{
	size_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static struct ynode *anchor_find(struct anchors *an, const char *name)
{
	size_t i;

	if (!an->size)
		return NULL;
	for (i = hash_str(name) & (an->size - 1); an->slots[i].name;
	     i = (i + 1) & (an->size - 1)) {
		if (!strcmp(an->slots[i].name, name))
			return an->slots[i].node;
	}
	return NULL;
}

static void anchor_insert(struct anchor *slots, size_t size, const char *name,
			  struct ynode *node, size_t *used)
{
	size_t i;

	for (i = hash_str(name) & (size - 1); slots[i].name; i = (i + 1) & (size - 1)) {
		if (!strcmp(slots[i].name, name)) {
			/* YAML lets a later anchor replace an earlier one */
			slots[i].node = node;
			return;
		}
	}
	slots[i].name = name;
	slots[i].node = node;
	(*used)++;
}

static int anchor_put(struct anchors *an, const char *name, struct ynode *node)
{
	if ((an->used + 1) * 2 > an->size) {
		size_t size = an->size ? an->size * 2 : 16;
		struct anchor *slots = calloc(size, sizeof(*slots));
		size_t used = 0;
		size_t i;

		if (!slots)
			return -ENOMEM;
		for (i = 0; i < an->size; i++) {
			if (an->slots[i].name)
				anchor_insert(slots, size, an->slots[i].name,
					      an->slots[i].node, &used);
		}
		free(an->slots);
		an->slots = slots;
		an->size = size;
		an->used = used;
	}
	anchor_insert(an->slots, an->size, name, node, &an->used);
	return 0;
}

/* ------------------------------------------------------------------ */
/* building the tree from libyaml events */

struct builder {
	struct ctx *c;
	struct frame stack[SCOUTFS_CONFIG_MAX_DEPTH];
	size_t depth;
	struct anchors anchors;
	struct ynode *root;
	unsigned int docs;
};

static enum ytag classify_tag(const yaml_char_t *tag)
{
	static const struct {
		const char *name;
		enum ytag tag;
	} tags[] = {
		{ YAML_STR_TAG, YTAG_STR },
		{ YAML_INT_TAG, YTAG_INT },
		{ YAML_NULL_TAG, YTAG_NULL },
		{ YAML_SEQ_TAG, YTAG_SEQ },
		{ YAML_MAP_TAG, YTAG_MAP },
	};
	size_t i;

	if (!tag)
		return YTAG_NONE;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (!strcmp((const char *)tag, tags[i].name))
			return tags[i].tag;
	}
	return YTAG_OTHER;
}

static struct ynode *new_node(struct builder *b, enum ytype type, const yaml_mark_t *mark,
			      const yaml_char_t *tag)
{
	struct ctx *c = b->c;
	struct ynode *n = arena_alloc(&c->tree, sizeof(*n));

	if (!n) {
		c->nomem = true;
		return NULL;
	}
	n->type = type;
	n->line = (unsigned int)mark->line + 1;
	n->col = (unsigned int)mark->column + 1;
	n->tag = classify_tag(tag);
	if (n->tag == YTAG_OTHER) {
		n->tag_name = arena_strdup(&c->tree, (const char *)tag);
		if (!n->tag_name) {
			c->nomem = true;
			return NULL;
		}
	}
	return n;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ynode *ka = *(struct ynode *const *)a;
	const struct ynode *kb = *(struct ynode *const *)b;
	size_t min = ka->len < kb->len ? ka->len : kb->len;
	int cmp;

	cmp = memcmp(ka->str, kb->str, min);
	if (cmp)
		return cmp;
	if (ka->len != kb->len)
		return ka->len < kb->len ? -1 : 1;
	/* equal keys stay in file order: the earliest is the original */
	if (ka->line != kb->line)
		return ka->line < kb->line ? -1 : 1;
	if (ka->col != kb->col)
		return ka->col < kb->col ? -1 : 1;
	return 0;
}

/* mark and report keys that repeat an earlier key of the same mapping */
static void find_duplicate_keys(struct builder *b, struct ynode *map)
{
	struct ctx *c = b->c;
	struct ynode **keys;
	size_t nr = 0;
	size_t i;
	size_t first;

	if (map->nr < 2)
		return;

	keys = malloc(map->nr * sizeof(*keys));
	if (!keys) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < map->nr; i++) {
		if (map->kids[i * 2]->type == Y_SCALAR)
			keys[nr++] = map->kids[i * 2];
	}
	qsort(keys, nr, sizeof(*keys), key_cmp);

	for (first = 0, i = 1; i < nr && !halted(c); i++) {
		if (keys[i]->len == keys[first]->len &&
		    !memcmp(keys[i]->str, keys[first]->str, keys[i]->len)) {
			keys[i]->dup = true;
			err_at(c, keys[i], "duplicate key '%s' (first at line %u, column %u)",
			       qnode(c, keys[i]), keys[first]->line, keys[first]->col);
		} else {
			first = i;
		}
	}
	free(keys);
}

/* a node is complete: name its anchor and hand it to its parent */
static void complete_node(struct builder *b, struct ynode *n, const char *anchor)
{
	struct ctx *c = b->c;
	struct frame *f;

	if (anchor && anchor_put(&b->anchors, anchor, n)) {
		c->nomem = true;
		return;
	}

	if (b->depth == 0) {
		b->root = n;
		return;
	}

	f = &b->stack[b->depth - 1];
	if (f->nr == f->alloc) {
		size_t alloc = f->alloc ? f->alloc * 2 : 8;
		struct ynode **kids = realloc(f->kids, alloc * sizeof(*kids));

		if (!kids) {
			c->nomem = true;
			return;
		}
		f->kids = kids;
		f->alloc = alloc;
	}
	f->kids[f->nr++] = n;
}

static const char *copy_anchor(struct builder *b, const yaml_char_t *anchor)
{
	const char *name;

	if (!anchor)
		return NULL;
	name = arena_strdup(&b->c->tree, (const char *)anchor);
	if (!name)
		b->c->nomem = true;
	return name;
}

static void start_collection(struct builder *b, enum ytype type, const yaml_event_t *ev)
{
	struct ctx *c = b->c;
	const yaml_char_t *anchor;
	const yaml_char_t *tag;
	struct frame *f;

	if (type == Y_SEQ) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	} else {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	}

	if (b->depth == SCOUTFS_CONFIG_MAX_DEPTH) {
		add_error(c, (unsigned int)ev->start_mark.line + 1,
			  (unsigned int)ev->start_mark.column + 1,
			  "nesting deeper than %d levels is not supported",
			  SCOUTFS_CONFIG_MAX_DEPTH);
		c->stop = true;
		return;
	}

	f = &b->stack[b->depth];
	memset(f, 0, sizeof(*f));
	f->node = new_node(b, type, &ev->start_mark, tag);
	f->anchor = copy_anchor(b, anchor);
	if (f->node)
		b->depth++;
}

static void end_collection(struct builder *b)
{
	struct ctx *c = b->c;
	struct frame *f;
	struct ynode *n;

	if (b->depth == 0)
		return;
	f = &b->stack[--b->depth];
	n = f->node;

	if (f->nr) {
		n->kids = arena_calloc(&c->tree, f->nr, sizeof(*n->kids));
		if (!n->kids) {
			c->nomem = true;
			goto out;
		}
		memcpy(n->kids, f->kids, f->nr * sizeof(*n->kids));
	}
	n->nr = n->type == Y_MAP ? f->nr / 2 : f->nr;
	if (n->type == Y_MAP)
		find_duplicate_keys(b, n);
	complete_node(b, n, f->anchor);
out:
	free(f->kids);
	f->kids = NULL;
}

static void add_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct ctx *c = b->c;
	struct ynode *n;

	n = new_node(b, Y_SCALAR, &ev->start_mark, ev->data.scalar.tag);
	if (!n)
		return;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->len = ev->data.scalar.length;
	n->str = arena_strndup(&c->tree, (const char *)ev->data.scalar.value, n->len);
	if (!n->str) {
		c->nomem = true;
		return;
	}
	complete_node(b, n, copy_anchor(b, ev->data.scalar.anchor));
}

static bool add_alias(struct builder *b, const yaml_event_t *ev)
{
	struct ctx *c = b->c;
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *target = anchor_find(&b->anchors, name);
	struct ynode *n;

	if (!target) {
		add_error(c, (unsigned int)ev->start_mark.line + 1,
			  (unsigned int)ev->start_mark.column + 1,
			  "alias '*%s' doesn't refer to a complete anchored node",
			  quote(c, name, strlen(name)));
		return false;
	}

	/*
	 * A shallow copy: the content (and any children) are shared, the
	 * position is that of the alias so reports point at its use.
	 */
	n = arena_alloc(&c->tree, sizeof(*n));
	if (!n) {
		c->nomem = true;
		return false;
	}
	*n = *target;
	n->line = (unsigned int)ev->start_mark.line + 1;
	n->col = (unsigned int)ev->start_mark.column + 1;
	n->dup = false;
	complete_node(b, n, NULL);
	return true;
}

/* translate a byte offset into a line and column for reader errors */
static void offset_pos(const struct ctx *c, size_t offset, unsigned int *line,
		       unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (offset > c->len)
		offset = c->len;
	for (i = 0; i < offset; i++) {
		if (c->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void yaml_problem(struct ctx *c, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	unsigned int line;
	unsigned int col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		c->nomem = true;
		return;
	case YAML_READER_ERROR:
		offset_pos(c, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			add_error(c, line, col, "invalid YAML: %s (#%X at byte offset %zu)",
				  problem, (unsigned int)p->problem_value, p->problem_offset);
		else
			add_error(c, line, col, "invalid YAML: %s (at byte offset %zu)",
				  problem, p->problem_offset);
		return;
	default:
		line = (unsigned int)p->problem_mark.line + 1;
		col = (unsigned int)p->problem_mark.column + 1;
		if (p->context)
			add_error(c, line, col, "invalid YAML: %s (%s at line %u, column %u)",
				  problem, p->context,
				  (unsigned int)p->context_mark.line + 1,
				  (unsigned int)p->context_mark.column + 1);
		else
			add_error(c, line, col, "invalid YAML: %s", problem);
		return;
	}
}

/*
 * Read the whole input into a tree.  Returns the root, or NULL when
 * there is none: either errors were recorded or the stream was empty,
 * in which case *end is where it ended.
 */
static struct ynode *build_tree(struct ctx *c, yaml_mark_t *end)
{
	struct builder *b;
	struct ynode *root = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	bool failed = false;
	size_t i;

	memset(end, 0, sizeof(*end));

	b = calloc(1, sizeof(*b));
	if (!b) {
		c->nomem = true;
		return NULL;
	}
	b->c = c;

	if (!yaml_parser_initialize(&parser)) {
		free(b);
		c->nomem = true;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, c->buf, c->len);

	while (!done && !failed && !halted(c)) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_problem(c, &parser);
			failed = true;
			break;
		}

		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++b->docs > 1) {
				add_error(c, (unsigned int)ev.start_mark.line + 1,
					  (unsigned int)ev.start_mark.column + 1,
					  "multiple YAML documents are not supported");
				failed = true;
			}
			break;
		case YAML_STREAM_END_EVENT:
			*end = ev.start_mark;
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			if (!add_alias(b, &ev))
				failed = true;
			break;
		case YAML_SCALAR_EVENT:
			add_scalar(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			start_collection(b, Y_SEQ, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			start_collection(b, Y_MAP, &ev);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			end_collection(b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}

	if (done && !failed && !halted(c))
		root = b->root;

	for (i = 0; i < b->depth; i++)
		free(b->stack[i].kids);
	free(b->anchors.slots);
	free(b);
	yaml_parser_delete(&parser);
	return root;
}

/* ------------------------------------------------------------------ */
/* typed access to tree values */

static bool is_null(const struct ynode *n)
{
	if (n->type != Y_SCALAR)
		return false;
	if (n->tag == YTAG_NULL)
		return true;
	if (n->tag != YTAG_NONE || !n->plain)
		return false;
	return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

static const char *kind(const struct ynode *n)
{
	switch (n->type) {
	case Y_MAP:
		return "a mapping";
	case Y_SEQ:
		return "a sequence";
	case Y_SCALAR:
		break;
	}
	return is_null(n) ? "null" : "a string";
}

static const char *where(const char *path)
{
	return path[0] ? path : "top level";
}

static bool check_tag(struct ctx *c, const struct ynode *n, const char *path,
		      enum ytag ok1, enum ytag ok2)
{
	if (n->tag == YTAG_NONE || n->tag == ok1 || n->tag == ok2)
		return true;
	if (n->tag == YTAG_OTHER)
		err_at(c, n, "%s: unsupported tag '%s'", where(path),
		       quote(c, n->tag_name, strlen(n->tag_name)));
	else
		err_at(c, n, "%s: tag doesn't match the expected type", where(path));
	return false;
}

static bool want_map(struct ctx *c, const struct ynode *n, const char *path)
{
	if (n->type != Y_MAP) {
		err_at(c, n, "%s: expected a mapping, found %s", where(path), kind(n));
		return false;
	}
	return check_tag(c, n, path, YTAG_MAP, YTAG_MAP);
}

static bool want_seq(struct ctx *c, const struct ynode *n, const char *path)
{
	if (n->type != Y_SEQ) {
		err_at(c, n, "%s: expected a sequence, found %s", where(path), kind(n));
		return false;
	}
	return check_tag(c, n, path, YTAG_SEQ, YTAG_SEQ);
}

static const char *get_str(struct ctx *c, const struct ynode *n, const char *path)
{
	if (n->type != Y_SCALAR) {
		err_at(c, n, "%s: expected a string, found %s", path, kind(n));
		return NULL;
	}
	if (is_null(n)) {
		err_at(c, n, "%s: missing value", path);
		return NULL;
	}
	if (!check_tag(c, n, path, YTAG_STR, YTAG_STR))
		return NULL;
	if (memchr(n->str, '\0', n->len)) {
		err_at(c, n, "%s: contains a NUL character", path);
		return NULL;
	}
	return n->str;
}

static bool get_int(struct ctx *c, const struct ynode *n, const char *path,
		    long long min, long long max, long long *ret)
{
	const char *s;
	bool neg = false;
	bool over = false;
	unsigned long long v = 0;
	long long val = 0;

	if (n->type != Y_SCALAR) {
		err_at(c, n, "%s: expected an integer, found %s", path, kind(n));
		return false;
	}
	if (is_null(n)) {
		err_at(c, n, "%s: missing value", path);
		return false;
	}
	if (!check_tag(c, n, path, YTAG_INT, YTAG_INT))
		return false;
	if (!n->plain && n->tag != YTAG_INT) {
		err_at(c, n, "%s: expected an integer, found the quoted string '%s'", path,
		       qnode(c, n));
		return false;
	}

	s = n->str;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9' || strspn(s, "0123456789") != strlen(s) ||
	    (size_t)(s - n->str) + strlen(s) != n->len) {
		err_at(c, n, "%s: expected an integer, found '%s'", path, qnode(c, n));
		return false;
	}
	if (s[0] == '0' && s[1] != '\0') {
		err_at(c, n, "%s: integers must not have leading zeros, found '%s'", path,
		       qnode(c, n));
		return false;
	}

	/* accumulate the magnitude, stopping before it could overflow */
	for (; *s; s++) {
		if (v > (ULLONG_MAX - 9) / 10) {
			over = true;
			break;
		}
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	if (!over && !neg && v > (unsigned long long)LLONG_MAX)
		over = true;
	if (!over && neg && v > (unsigned long long)LLONG_MAX + 1)
		over = true;
	if (!over) {
		if (neg)
			val = v ? -(long long)(v - 1) - 1 : 0;
		else
			val = (long long)v;
	}
	if (over || val < min || val > max) {
		err_at(c, n, "%s: %s is out of range %lld..%lld", path, qnode(c, n), min, max);
		return false;
	}
	*ret = val;
	return true;
}

static const char *get_path(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_str(c, n, path);
	size_t i;

	if (!s)
		return NULL;
	if (s[0] != '/') {
		err_at(c, n, "%s: '%s' is not an absolute path", path, qnode(c, n));
		return NULL;
	}
	for (i = 0; i < n->len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			err_at(c, n, "%s: path contains control characters", path);
			return NULL;
		}
	}
	if (n->len > PATH_LEN_MAX) {
		err_at(c, n, "%s: path is longer than %d bytes", path, PATH_LEN_MAX);
		return NULL;
	}
	return s;
}

static const char *out_str(struct ctx *c, const char *s)
{
	const char *p = arena_strdup(c->out, s);

	if (!p)
		c->nomem = true;
	return p;
}

/* ------------------------------------------------------------------ */
/* the schema */

struct key_spec {
	const char *name;
	bool required;
	void (*fn)(struct ctx *c, const struct ynode *val, const char *path);
};

#define MAX_KEYS 8

static void walk_map(struct ctx *c, const struct ynode *map, const char *path,
		     const struct key_spec *specs, size_t nr_specs)
{
	bool seen[MAX_KEYS] = { false };
	char vpath[PATH_BUF];
	size_t i;
	size_t s;

	for (i = 0; i < map->nr && !halted(c); i++) {
		const struct ynode *key = map->kids[i * 2];
		const struct ynode *val = map->kids[i * 2 + 1];

		if (key->dup)
			continue;
		if (key->type != Y_SCALAR) {
			err_at(c, key, "%s: mapping keys must be strings, found %s",
			       where(path), kind(key));
			continue;
		}

		for (s = 0; s < nr_specs; s++) {
			if (strlen(specs[s].name) == key->len &&
			    !memcmp(specs[s].name, key->str, key->len))
				break;
		}
		if (s == nr_specs) {
			if (path[0])
				err_at(c, key, "unknown key '%s' in %s", qnode(c, key), path);
			else
				err_at(c, key, "unknown key '%s' at top level", qnode(c, key));
			continue;
		}

		seen[s] = true;
		snprintf(vpath, sizeof(vpath), "%s%s%s", path, path[0] ? "." : "",
			 specs[s].name);
		specs[s].fn(c, val, vpath);
	}

	for (s = 0; s < nr_specs && !halted(c); s++) {
		if (specs[s].required && !seen[s]) {
			if (path[0])
				err_at(c, map, "missing required key '%s' in %s",
				       specs[s].name, path);
			else
				err_at(c, map, "missing required key '%s' at top level",
				       specs[s].name);
		}
	}
}

static bool valid_name(const char *s, size_t max, const char *extra)
{
	size_t len = strlen(s);
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(extra, ch)))
			return false;
	}
	return true;
}

static void cluster_name(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_str(c, n, path);

	if (!s)
		return;
	if (!valid_name(s, SCOUTFS_CONFIG_NAME_MAX, "_-")) {
		err_at(c, n, "%s: invalid cluster name '%s': use 1 to %d letters, digits, '_' or '-'",
		       path, qnode(c, n), SCOUTFS_CONFIG_NAME_MAX);
		return;
	}
	c->cfg->cluster_name = out_str(c, s);
}

static void cluster_fsid(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_str(c, n, path);

	if (!s)
		return;
	if (n->len != 16 || strspn(s, "0123456789abcdefABCDEF") != 16) {
		err_at(c, n, "%s: expected 16 hexadecimal digits, found '%s'", path,
		       qnode(c, n));
		return;
	}
	c->cfg->fsid = strtoull(s, NULL, 16);
	c->cfg->has_fsid = true;
}

static const struct key_spec cluster_keys[] = {
	{ "name", true, cluster_name },
	{ "fsid", false, cluster_fsid },
};

static void top_cluster(struct ctx *c, const struct ynode *n, const char *path)
{
	if (want_map(c, n, path))
		walk_map(c, n, path, cluster_keys, sizeof(cluster_keys) / sizeof(cluster_keys[0]));
}

static void devices_metadata(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s;

	*c->dev->meta_seen = true;
	s = get_path(c, n, path);
	if (s)
		*c->dev->meta = out_str(c, s);
}

static void devices_data(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s;

	*c->dev->data_seen = true;
	s = get_path(c, n, path);
	if (s)
		*c->dev->data = out_str(c, s);
}

static const struct key_spec devices_keys[] = {
	{ "metadata", false, devices_metadata },
	{ "data", false, devices_data },
};

static void walk_devices(struct ctx *c, const struct ynode *n, const char *path,
			 struct devices_target *dev)
{
	if (!want_map(c, n, path)) {
		/* don't also complain that the devices are missing */
		*dev->meta_seen = true;
		*dev->data_seen = true;
		return;
	}
	c->dev = dev;
	walk_map(c, n, path, devices_keys, sizeof(devices_keys) / sizeof(devices_keys[0]));
	c->dev = NULL;
}

static void top_devices(struct ctx *c, const struct ynode *n, const char *path)
{
	struct devices_target dev = {
		.meta = &c->cfg->default_metadata_device,
		.data = &c->cfg->default_data_device,
		.meta_seen = &c->def_meta_seen,
		.data_seen = &c->def_data_seen,
	};

	walk_devices(c, n, path, &dev);
}

static void mount_path(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_path(c, n, path);

	if (s)
		c->cfg->mount_path = out_str(c, s);
}

static bool option_is(const char *opt, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(opt, name, len) && (opt[len] == '\0' || opt[len] == '=');
}


static bool has_control_or_space(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= 0x20 || ch == 0x7f)
			return true;
	}
	return false;
}

/* how long the name part (before any '=') of a mount option is */
static size_t option_name_len(const char *opt)
{
	return strcspn(opt, "=");
}

#define MAX_DUP_CHECKED_OPTIONS 256

static void mount_options(struct ctx *c, const struct ynode *n, const char *path)
{
	struct scoutfs_config *cfg = c->cfg;
	char ipath[PATH_BUF];
	size_t i;
	size_t j;

	if (!want_seq(c, n, path) || n->nr == 0)
		return;

	cfg->mount_options = arena_calloc(c->out, n->nr, sizeof(*cfg->mount_options));
	if (!cfg->mount_options) {
		c->nomem = true;
		return;
	}

	for (i = 0; i < n->nr && !halted(c); i++) {
		const struct ynode *item = n->kids[i];
		const char *s;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		s = get_str(c, item, ipath);
		if (!s)
			continue;

		if (s[0] == '\0' || s[0] == '=') {
			err_at(c, item, "%s: empty mount option name", ipath);
			continue;
		}
		if (strchr(s, ',')) {
			err_at(c, item, "%s: '%s' contains ','; give each option its own entry",
			       ipath, qnode(c, item));
			continue;
		}
		if (has_control_or_space(s)) {
			err_at(c, item, "%s: '%s' contains white space or control characters",
			       ipath, qnode(c, item));
			continue;
		}
		if (option_is(s, "metadev_path")) {
			err_at(c, item, "%s: metadev_path is set from the metadata device, not mount.options",
			       ipath);
			continue;
		}
		if (option_is(s, "quorum_slot_nr")) {
			err_at(c, item, "%s: quorum_slot_nr is set from the node's quorum_slot, not mount.options",
			       ipath);
			continue;
		}

		/* duplicates are cheap to find in any reasonable list */
		if (n->nr <= MAX_DUP_CHECKED_OPTIONS) {
			size_t len = option_name_len(s);

			for (j = 0; j < cfg->nr_mount_options; j++) {
				const char *prev = cfg->mount_options[j];

				if (option_name_len(prev) == len && !strncmp(prev, s, len))
					break;
			}
			if (j < cfg->nr_mount_options) {
				err_at(c, item, "%s: mount option '%s' is given more than once",
				       ipath, quote(c, s, len));
				continue;
			}
		}

		cfg->mount_options[cfg->nr_mount_options] = out_str(c, s);
		cfg->nr_mount_options++;
	}
}

static const struct key_spec mount_keys[] = {
	{ "path", false, mount_path },
	{ "options", false, mount_options },
};

static void top_mount(struct ctx *c, const struct ynode *n, const char *path)
{
	if (want_map(c, n, path))
		walk_map(c, n, path, mount_keys, sizeof(mount_keys) / sizeof(mount_keys[0]));
}

static const struct {
	const char *name;
	enum scoutfs_fence_method method;
} fence_methods[] = {
	{ "none", SCOUTFS_FENCE_NONE },
	{ "sysfs-ack", SCOUTFS_FENCE_SYSFS_ACK },
	{ "command", SCOUTFS_FENCE_COMMAND },
};

static void fencing_method(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_str(c, n, path);
	size_t i;

	if (!s)
		return;
	for (i = 0; i < sizeof(fence_methods) / sizeof(fence_methods[0]); i++) {
		if (!strcmp(s, fence_methods[i].name)) {
			c->cfg->fence_method = fence_methods[i].method;
			c->fence_method_ok = true;
			return;
		}
	}
	err_at(c, n, "%s: unknown fencing method '%s' (use none, sysfs-ack or command)", path,
	       qnode(c, n));
}

static void fencing_command(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s;

	c->fence_command = n;
	s = get_path(c, n, path);
	if (s)
		c->cfg->fence_command = out_str(c, s);
}

static void fencing_timeout(struct ctx *c, const struct ynode *n, const char *path)
{
	long long v;

	if (get_int(c, n, path, 1, SCOUTFS_CONFIG_MAX_FENCE_TIMEOUT_S, &v))
		c->cfg->fence_timeout_s = (unsigned int)v;
}

static const struct key_spec fencing_keys[] = {
	{ "method", true, fencing_method },
	{ "command", false, fencing_command },
	{ "timeout_s", false, fencing_timeout },
};

static void top_fencing(struct ctx *c, const struct ynode *n, const char *path)
{
	if (!want_map(c, n, path))
		return;
	walk_map(c, n, path, fencing_keys, sizeof(fencing_keys) / sizeof(fencing_keys[0]));
	if (!c->fence_method_ok)
		return;

	if (c->cfg->fence_method == SCOUTFS_FENCE_COMMAND && !c->fence_command)
		err_at(c, n, "%s: method 'command' requires a 'command' key", path);
	else if (c->cfg->fence_method != SCOUTFS_FENCE_COMMAND && c->fence_command)
		err_at(c, c->fence_command, "%s.command: only used with method 'command'", path);
}

static struct node_state *cur_ns(struct ctx *c)
{
	return &c->ns[c->cur_node];
}

static struct scoutfs_config_node *cur_node(struct ctx *c)
{
	return &c->cfg->nodes[c->cur_node];
}

static void node_name(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *s = get_str(c, n, path);

	cur_ns(c)->name = n;
	if (!s)
		return;
	if (!valid_name(s, SCOUTFS_CONFIG_NODE_NAME_MAX, "._-")) {
		err_at(c, n, "%s: invalid node name '%s': use 1 to %d letters, digits, '.', '_' or '-'",
		       path, qnode(c, n), SCOUTFS_CONFIG_NODE_NAME_MAX);
		return;
	}
	cur_node(c)->name = out_str(c, s);
	cur_ns(c)->name_ok = true;
}

static void node_address(struct ctx *c, const struct ynode *n, const char *path)
{
	static const unsigned char zeros[16];
	struct node_state *ns = cur_ns(c);
	const char *s = get_str(c, n, path);

	ns->addr = n;
	if (!s)
		return;

	if (inet_pton(AF_INET, s, ns->addr_bytes) == 1) {
		ns->family = AF_INET;
		if (!memcmp(ns->addr_bytes, zeros, 4))
			goto unspecified;
	} else if (inet_pton(AF_INET6, s, ns->addr_bytes) == 1) {
		ns->family = AF_INET6;
		if (!memcmp(ns->addr_bytes, zeros, 16))
			goto unspecified;
	} else {
		err_at(c, n, "%s: '%s' is not an IPv4 or IPv6 address", path, qnode(c, n));
		return;
	}

	cur_node(c)->address = out_str(c, s);
	cur_node(c)->family = ns->family;
	ns->addr_ok = true;
	return;

unspecified:
	err_at(c, n, "%s: the unspecified address '%s' can't be a node's address", path,
	       qnode(c, n));
}

static void node_port(struct ctx *c, const struct ynode *n, const char *path)
{
	long long v;

	cur_ns(c)->port_ok = get_int(c, n, path, 1, 65535, &v);
	if (cur_ns(c)->port_ok)
		cur_node(c)->port = (uint16_t)v;
}

static void node_quorum_slot(struct ctx *c, const struct ynode *n, const char *path)
{
	long long v;

	c->any_slot_seen = true;
	cur_ns(c)->slot = n;
	if (get_int(c, n, path, 0, SCOUTFS_CONFIG_MAX_QUORUM_SLOT, &v)) {
		cur_node(c)->quorum_slot = (int)v;
		cur_ns(c)->slot_ok = true;
	}
}

static void node_devices(struct ctx *c, const struct ynode *n, const char *path)
{
	struct scoutfs_config_node *node = cur_node(c);
	struct node_state *ns = cur_ns(c);
	struct devices_target dev = {
		.meta = &node->metadata_device,
		.data = &node->data_device,
		.meta_seen = &ns->meta_seen,
		.data_seen = &ns->data_seen,
	};

	node->devices_overridden = true;
	walk_devices(c, n, path, &dev);
}

static const struct key_spec node_keys[] = {
	{ "name", true, node_name },
	{ "address", true, node_address },
	{ "port", false, node_port },
	{ "quorum_slot", false, node_quorum_slot },
	{ "devices", false, node_devices },
};

static void top_nodes(struct ctx *c, const struct ynode *n, const char *path)
{
	struct scoutfs_config *cfg = c->cfg;
	char ipath[PATH_BUF];
	size_t i;

	if (!want_seq(c, n, path))
		return;
	c->nodes_seq = n;
	if (n->nr == 0) {
		err_at(c, n, "%s: at least one node is required", path);
		return;
	}

	cfg->nodes = arena_calloc(c->out, n->nr, sizeof(*cfg->nodes));
	c->ns = arena_calloc(&c->tree, n->nr, sizeof(*c->ns));
	if (!cfg->nodes || !c->ns) {
		c->nomem = true;
		return;
	}
	cfg->nr_nodes = n->nr;

	for (i = 0; i < n->nr && !halted(c); i++) {
		const struct ynode *item = n->kids[i];

		cfg->nodes[i].quorum_slot = -1;
		cfg->nodes[i].port = SCOUTFS_CONFIG_DEFAULT_PORT;
		cfg->nodes[i].line = item->line;
		cfg->nodes[i].column = item->col;
		c->ns[i].map = item;
		c->ns[i].port_ok = true;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (!want_map(c, item, ipath)) {
			c->any_node_not_map = true;
			continue;
		}
		c->cur_node = i;
		walk_map(c, item, ipath, node_keys, sizeof(node_keys) / sizeof(node_keys[0]));
	}
}

static const struct key_spec top_keys[] = {
	{ "cluster", true, top_cluster },
	{ "devices", false, top_devices },
	{ "mount", false, top_mount },
	{ "fencing", false, top_fencing },
	{ "nodes", true, top_nodes },
};

/* ------------------------------------------------------------------ */
/* checks across nodes */

static const char *node_label(struct ctx *c, size_t i)
{
	char *buf = c->quote[c->quote_next++ % NR_QUOTE_BUFS];

	if (c->ns[i].name_ok)
		snprintf(buf, QUOTE_BUF, "node '%s' (nodes[%zu])", c->cfg->nodes[i].name, i);
	else
		snprintf(buf, QUOTE_BUF, "nodes[%zu]", i);
	return buf;
}

static void check_node_devices(struct ctx *c, size_t i)
{
	struct scoutfs_config *cfg = c->cfg;
	struct scoutfs_config_node *node = &cfg->nodes[i];
	struct node_state *ns = &c->ns[i];

	if (ns->map->type != Y_MAP)
		return;

	if (!node->metadata_device) {
		node->metadata_device = cfg->default_metadata_device;
		if (!node->metadata_device && !ns->meta_seen && !c->def_meta_seen)
			err_at(c, ns->map,
			       "nodes[%zu]: no metadata device: set devices.metadata or nodes[%zu].devices.metadata",
			       i, i);
	}
	if (!node->data_device) {
		node->data_device = cfg->default_data_device;
		if (!node->data_device && !ns->data_seen && !c->def_data_seen)
			err_at(c, ns->map,
			       "nodes[%zu]: no data device: set devices.data or nodes[%zu].devices.data",
			       i, i);
	}
	if (node->metadata_device && node->data_device &&
	    !strcmp(node->metadata_device, node->data_device))
		err_at(c, ns->map, "nodes[%zu]: the metadata and data devices are both '%s'", i,
		       quote(c, node->data_device, strlen(node->data_device)));
}

static int name_idx_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	size_t ia = *(const size_t *)a;
	size_t ib = *(const size_t *)b;
	int cmp = strcmp(c->cfg->nodes[ia].name, c->cfg->nodes[ib].name);

	if (cmp)
		return cmp;
	return ia < ib ? -1 : ia > ib;
}

static int addr_idx_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	size_t ia = *(const size_t *)a;
	size_t ib = *(const size_t *)b;
	const struct node_state *na = &c->ns[ia];
	const struct node_state *nb = &c->ns[ib];
	unsigned int pa = c->cfg->nodes[ia].port;
	unsigned int pb = c->cfg->nodes[ib].port;
	int cmp;

	if (na->family != nb->family)
		return na->family < nb->family ? -1 : 1;
	cmp = memcmp(na->addr_bytes, nb->addr_bytes, sizeof(na->addr_bytes));
	if (cmp)
		return cmp;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static void check_duplicate_names(struct ctx *c, size_t *idx)
{
	size_t nr = 0;
	size_t first;
	size_t i;

	for (i = 0; i < c->cfg->nr_nodes; i++) {
		if (c->ns[i].name_ok)
			idx[nr++] = i;
	}
	qsort_r(idx, nr, sizeof(*idx), name_idx_cmp, c);

	for (first = 0, i = 1; i < nr && !halted(c); i++) {
		if (!strcmp(c->cfg->nodes[idx[i]].name, c->cfg->nodes[idx[first]].name))
			err_at(c, c->ns[idx[i]].name,
			       "nodes[%zu].name: duplicate node name '%s' (first used by nodes[%zu] at line %u)",
			       idx[i], c->cfg->nodes[idx[i]].name, idx[first],
			       c->ns[idx[first]].name->line);
		else
			first = i;
	}
}

static void check_duplicate_addresses(struct ctx *c, size_t *idx)
{
	size_t nr = 0;
	size_t first;
	size_t i;

	for (i = 0; i < c->cfg->nr_nodes; i++) {
		if (c->ns[i].addr_ok && c->ns[i].port_ok)
			idx[nr++] = i;
	}
	qsort_r(idx, nr, sizeof(*idx), addr_idx_cmp, c);

	for (first = 0, i = 1; i < nr && !halted(c); i++) {
		const struct node_state *a = &c->ns[idx[first]];
		const struct node_state *b = &c->ns[idx[i]];
		const struct scoutfs_config_node *nb = &c->cfg->nodes[idx[i]];

		if (a->family == b->family &&
		    !memcmp(a->addr_bytes, b->addr_bytes, sizeof(a->addr_bytes)) &&
		    c->cfg->nodes[idx[first]].port == nb->port)
			err_at(c, b->addr,
			       "nodes[%zu].address: address %s port %u is already used by %s",
			       idx[i], nb->address, nb->port, node_label(c, idx[first]));
		else
			first = i;
	}
}

static void check_quorum_slots(struct ctx *c)
{
	long slot_owner[SCOUTFS_CONFIG_MAX_QUORUM_SLOT + 1];
	bool any = false;
	size_t i;

	for (i = 0; i <= SCOUTFS_CONFIG_MAX_QUORUM_SLOT; i++)
		slot_owner[i] = -1;

	for (i = 0; i < c->cfg->nr_nodes && !halted(c); i++) {
		int slot = c->cfg->nodes[i].quorum_slot;

		if (!c->ns[i].slot_ok)
			continue;
		any = true;
		if (slot_owner[slot] >= 0)
			err_at(c, c->ns[i].slot,
			       "nodes[%zu].quorum_slot: quorum slot %d is already used by %s", i,
			       slot, node_label(c, (size_t)slot_owner[slot]));
		else
			slot_owner[slot] = (long)i;
	}

	/* only when every node could have said */
	if (!any && !c->any_slot_seen && !c->any_node_not_map)
		err_at(c, c->nodes_seq,
		       "nodes: no node has a quorum_slot; at least one quorum member is required");
}

static void check_nodes(struct ctx *c)
{
	size_t *idx;
	size_t i;

	if (!c->cfg->nr_nodes)
		return;

	for (i = 0; i < c->cfg->nr_nodes && !halted(c); i++)
		check_node_devices(c, i);

	idx = malloc(c->cfg->nr_nodes * sizeof(*idx));
	if (!idx) {
		c->nomem = true;
		return;
	}
	check_duplicate_names(c, idx);
	check_duplicate_addresses(c, idx);
	free(idx);

	check_quorum_slots(c);
}

static size_t mount_options_len(const struct scoutfs_config *cfg,
				const struct scoutfs_config_node *node)
{
	size_t len = strlen("metadev_path=") + strlen(node->metadata_device);
	size_t i;

	if (node->quorum_slot >= 0)
		len += strlen(",quorum_slot_nr=") + (node->quorum_slot >= 10 ? 2 : 1);
	for (i = 0; i < cfg->nr_mount_options; i++)
		len += 1 + strlen(cfg->mount_options[i]);
	return len;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct scoutfs_config_node *na = *(struct scoutfs_config_node *const *)a;
	const struct scoutfs_config_node *nb = *(struct scoutfs_config_node *const *)b;

	return na->quorum_slot - nb->quorum_slot;
}

/* the input was valid: fill in what's derived from it */
static void finish_config(struct ctx *c)
{
	struct scoutfs_config *cfg = c->cfg;
	size_t i;

	cfg->quorum = arena_calloc(c->out, cfg->nr_nodes, sizeof(*cfg->quorum));
	if (!cfg->quorum) {
		c->nomem = true;
		return;
	}

	for (i = 0; i < cfg->nr_nodes; i++) {
		struct scoutfs_config_node *node = &cfg->nodes[i];
		size_t len = mount_options_len(cfg, node);

		if (len > MOUNT_OPTIONS_MAX)
			err_at(c, c->ns[i].map,
			       "nodes[%zu]: the mount options of %s would be %zu bytes, more than %d",
			       i, node_label(c, i), len, MOUNT_OPTIONS_MAX);

		if (node->family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&node->sockaddr;

			sin->sin_family = AF_INET;
			sin->sin_port = htons(node->port);
			memcpy(&sin->sin_addr, c->ns[i].addr_bytes, sizeof(sin->sin_addr));
			node->sockaddr_len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&node->sockaddr;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(node->port);
			memcpy(&sin6->sin6_addr, c->ns[i].addr_bytes, sizeof(sin6->sin6_addr));
			node->sockaddr_len = sizeof(*sin6);
		}

		if (node->quorum_slot >= 0)
			cfg->quorum[cfg->nr_quorum++] = node;
	}

	qsort(cfg->quorum, cfg->nr_quorum, sizeof(*cfg->quorum), slot_cmp);
}

/* ------------------------------------------------------------------ */
/* public interface */

static struct scoutfs_config *alloc_config(void)
{
	struct scoutfs_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->priv = calloc(1, sizeof(*cfg->priv));
	if (!cfg->priv) {
		free(cfg);
		return NULL;
	}
	cfg->fence_method = SCOUTFS_FENCE_NONE;
	cfg->fence_timeout_s = SCOUTFS_CONFIG_DEFAULT_FENCE_TIMEOUT_S;
	return cfg;
}

void scoutfs_config_free(struct scoutfs_config *cfg)
{
	if (!cfg)
		return;
	arena_free(&cfg->priv->arena);
	free(cfg->priv);
	free(cfg);
}

void scoutfs_config_errors_free(struct scoutfs_config_errors *errs)
{
	if (errs)
		free_errors(errs);
}

int scoutfs_config_parse_buffer(const void *buf, size_t len,
				struct scoutfs_config **cfg_ret,
				struct scoutfs_config_errors *errs)
{
	struct scoutfs_config_errors local_errs = { 0 };
	struct ctx *c;
	struct ynode *root;
	yaml_mark_t end;
	int ret;

	*cfg_ret = NULL;
	if (!errs)
		errs = &local_errs;
	memset(errs, 0, sizeof(*errs));

	if (len > SCOUTFS_CONFIG_MAX_FILE_SIZE)
		return -EFBIG;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->buf = buf;
	c->len = len;
	c->errs = errs;
	c->cfg = alloc_config();
	if (!c->cfg) {
		free(c);
		return -ENOMEM;
	}
	c->out = &c->cfg->priv->arena;

	root = build_tree(c, &end);
	if (!root && !halted(c) && errs->nr == 0) {
		add_error(c, (unsigned int)end.line + 1, (unsigned int)end.column + 1,
			  "the configuration is empty");
	} else if (root && is_null(root)) {
		err_at(c, root, "the configuration is empty");
	} else if (root && want_map(c, root, "")) {
		walk_map(c, root, "", top_keys, sizeof(top_keys) / sizeof(top_keys[0]));
		if (!halted(c))
			check_nodes(c);
		if (!halted(c) && errs->nr == 0)
			finish_config(c);
	}

	if (c->nomem) {
		free_errors(errs);
		ret = -ENOMEM;
	} else if (errs->nr || errs->truncated) {
		sort_errors(errs);
		ret = -EINVAL;
	} else {
		*cfg_ret = c->cfg;
		c->cfg = NULL;
		ret = 0;
	}

	scoutfs_config_free(c->cfg);
	arena_free(&c->tree);
	free(c);
	if (errs == &local_errs)
		free_errors(&local_errs);
	return ret;
}

int scoutfs_config_parse_file(const char *path, struct scoutfs_config **cfg_ret,
			      struct scoutfs_config_errors *errs)
{
	size_t cap = SCOUTFS_CONFIG_MAX_FILE_SIZE + 1;
	unsigned char *buf;
	size_t len = 0;
	ssize_t r;
	int fd;
	int ret;

	*cfg_ret = NULL;
	if (errs)
		memset(errs, 0, sizeof(*errs));

	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}

	/* read one byte more than allowed to notice larger inputs */
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (len < cap) {
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}

	ret = scoutfs_config_parse_buffer(buf, len, cfg_ret, errs);
out:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int scoutfs_config_find_node(const struct scoutfs_config *cfg, const char *name,
			     const struct scoutfs_config_node **node_ret)
{
	char host[HOST_NAME_MAX + 1];
	size_t short_len;
	size_t i;

	*node_ret = NULL;

	if (!name) {
		if (gethostname(host, sizeof(host)) < 0)
			return -errno;
		host[sizeof(host) - 1] = '\0';
		name = host;
	}

	for (i = 0; i < cfg->nr_nodes; i++) {
		if (!strcmp(cfg->nodes[i].name, name)) {
			*node_ret = &cfg->nodes[i];
			return 0;
		}
	}

	/* a fully qualified host name can match a node by its first label */
	if (name == host) {
		short_len = strcspn(host, ".");
		if (short_len < strlen(host)) {
			for (i = 0; i < cfg->nr_nodes; i++) {
				if (strlen(cfg->nodes[i].name) == short_len &&
				    !strncmp(cfg->nodes[i].name, host, short_len)) {
					*node_ret = &cfg->nodes[i];
					return 0;
				}
			}
		}
	}

	return -ENOENT;
}

char *scoutfs_config_mount_options(const struct scoutfs_config *cfg,
				   const struct scoutfs_config_node *node)
{
	size_t len = mount_options_len(cfg, node) + 1;
	char *buf = malloc(len);
	size_t o;
	size_t i;

	if (!buf)
		return NULL;

	o = (size_t)snprintf(buf, len, "metadev_path=%s", node->metadata_device);
	if (node->quorum_slot >= 0)
		o += (size_t)snprintf(buf + o, len - o, ",quorum_slot_nr=%d", node->quorum_slot);
	for (i = 0; i < cfg->nr_mount_options; i++)
		o += (size_t)snprintf(buf + o, len - o, ",%s", cfg->mount_options[i]);
	return buf;
}

const char *scoutfs_config_fence_method_name(enum scoutfs_fence_method method)
{
	size_t i;

	for (i = 0; i < sizeof(fence_methods) / sizeof(fence_methods[0]); i++) {
		if (fence_methods[i].method == method)
			return fence_methods[i].name;
	}
	return "unknown";
}
