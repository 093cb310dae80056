/* yarena.h: the one bump allocator of yagura.
 *
 * For memory that lives exactly as long as one unit of work (an event in
 * the engine, a batch in the manager's pipeline): allocations are never
 * freed one by one; yg_arena_reset() makes all of them free at once and
 * keeps the blocks, so a steady state allocates nothing.
 *
 * Every allocation is aligned for any type (max_align_t). A request larger
 * than the block size gets a block of its own. Not thread-safe: one arena
 * per thread or per object. */
#ifndef YAGURA_YARENA_H
#define YAGURA_YARENA_H

#include <stddef.h>

typedef struct yg_arena yg_arena;

/* block: the usual block size in bytes (0: 16 KiB). NULL when out of
 * memory. */
yg_arena *yg_arena_create(size_t block);
/* Frees every block; accepts NULL. */
void yg_arena_destroy(yg_arena *a);
/* Makes the whole arena free again; what it handed out must not be used
 * any more. */
void yg_arena_reset(yg_arena *a);
/* size bytes (0 is allowed), or NULL when out of memory. */
void *yg_arena_alloc(yg_arena *a, size_t size);
/* Copies len bytes of s plus a NUL into the arena. NULL when out of memory. */
char *yg_arena_strndup(yg_arena *a, const char *s, size_t len);
/* Copies the string s; NULL for a NULL s or when out of memory. */
char *yg_arena_strdup(yg_arena *a, const char *s);
/* Bytes of the blocks the arena holds (used or not). */
size_t yg_arena_capacity(const yg_arena *a);

#endif
