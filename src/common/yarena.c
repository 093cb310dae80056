/* yarena.c: see yarena.h. Blocks form a list; `cur` is the block being
 * filled. After a reset the same blocks are filled again in order, so the
 * arena grows only when one unit of work needs more than any before. */
#include "common/yarena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN _Alignof(max_align_t)

typedef struct yg_arena_block {
	struct yg_arena_block *next;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
} yg_arena_block;

struct yg_arena {
	yg_arena_block *head, *cur;
	size_t block;
};

yg_arena *yg_arena_create(size_t block)
{
	yg_arena *a = calloc(1, sizeof(*a));
	if (a)
		a->block = block ? block : 16384;
	return a;
}

void yg_arena_destroy(yg_arena *a)
{
	if (!a)
		return;
	for (yg_arena_block *b = a->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(a);
}

void yg_arena_reset(yg_arena *a)
{
	for (yg_arena_block *b = a->head; b; b = b->next)
		b->used = 0;
	a->cur = a->head;
}

void *yg_arena_alloc(yg_arena *a, size_t size)
{
	if (size > SIZE_MAX - sizeof(yg_arena_block) - ALIGN)
		return NULL;
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	/* the blocks after cur are free (after a reset): use the first that
	 * fits */
	while (a->cur) {
		if (a->cur->cap - a->cur->used >= size) {
			void *p = a->cur->data + a->cur->used;
			a->cur->used += size;
			return p;
		}
		if (!a->cur->next)
			break;
		a->cur = a->cur->next;
	}
	size_t cap = size > a->block ? size : a->block;
	yg_arena_block *b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->next = NULL;
	b->used = size;
	b->cap = cap;
	if (a->cur)
		a->cur->next = b;
	else
		a->head = b;
	a->cur = b;
	return b->data;
}

char *yg_arena_strndup(yg_arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *d = yg_arena_alloc(a, len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *yg_arena_strdup(yg_arena *a, const char *s)
{
	return s ? yg_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t yg_arena_capacity(const yg_arena *a)
{
	size_t n = 0;
	for (const yg_arena_block *b = a->head; b; b = b->next)
		n += b->cap;
	return n;
}
