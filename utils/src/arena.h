/*
 * A small allocation arena: many allocations, one free.
 *
 * Used for parse trees and for the parsed configuration so that the
 * error paths don't have to unwind individual allocations.  When built
 * with SCOUTFS_ARENA_DEBUG every allocation gets its own malloc() block
 * so that AddressSanitizer can see overflows between objects.
 */
#ifndef SCOUTFS_UTILS_ARENA_H
#define SCOUTFS_UTILS_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

#define ARENA_INIT { .head = NULL }

/* Returns zeroed memory aligned for any type, or NULL on ENOMEM. */
void *arena_alloc(struct arena *a, size_t size);
/* Array allocation with overflow checking; zeroed. */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
/* Copies len bytes and appends a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
