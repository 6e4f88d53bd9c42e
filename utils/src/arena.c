#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK_SIZE (64 * 1024)
#define ARENA_ALIGN alignof(max_align_t)

struct arena_block {
	struct arena_block *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char data[];
};

#ifndef SCOUTFS_ARENA_DEBUG
static size_t round_up(size_t size)
{
	return (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}
#endif

static struct arena_block *new_block(size_t size)
{
	struct arena_block *blk;

	if (size > SIZE_MAX - sizeof(*blk))
		return NULL;
	blk = malloc(sizeof(*blk) + size);
	if (blk) {
		blk->next = NULL;
		blk->used = 0;
		blk->size = size;
	}
	return blk;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *blk;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;

#ifdef SCOUTFS_ARENA_DEBUG
	/* exact sized blocks so ASan redzones surround every object */
	blk = new_block(size);
	if (!blk)
		return NULL;
	blk->used = size;
	blk->next = a->head;
	a->head = blk;
	memset(blk->data, 0, size);
	return blk->data;
#else
	size_t need = round_up(size);
	void *ptr;


	blk = a->head;
	if (!blk || blk->size - blk->used < need) {
		blk = new_block(need > ARENA_CHUNK_SIZE ? need : ARENA_CHUNK_SIZE);
		if (!blk)
			return NULL;
		if (need > ARENA_CHUNK_SIZE && a->head) {
			/* keep bumping in the current partial block */
			blk->next = a->head->next;
			a->head->next = blk;
		} else {
			blk->next = a->head;
			a->head = blk;
		}
	}
	ptr = blk->data + blk->used;
	blk->used += need;
	memset(ptr, 0, size);
	return ptr;
#endif
}

void *arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, nmemb * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, len + 1);
	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct arena_block *blk;
	struct arena_block *next;

	for (blk = a->head; blk; blk = next) {
		next = blk->next;
		free(blk);
	}
	a->head = NULL;
}
