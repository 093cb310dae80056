/* yhash.h: the one string hash of yagura (FNV-1a, 32 and 64 bits).
 *
 * Used for in-memory tables (rule and agent indexes, memo caches, watch
 * lists) and for values kept on disk (a log file's head hash in the log
 * collector's positions), so the functions must never change their output.
 * FNV-1a is not keyed: tables that hold keys chosen from outside (event
 * fields) must bound their chains or their size, not rely on the hash. */
#ifndef YAGURA_YHASH_H
#define YAGURA_YHASH_H

#include <stddef.h>
#include <stdint.h>

#define YG_HASH32_INIT 2166136261u
/* Not FNV's published 64-bit basis (14695981039346656037): the first copies
 * of this hash dropped its last digit, and values made with it are on disk
 * (log positions, response ids), so it stays. */
#define YG_HASH64_INIT 1469598103934665603ull

/* One more byte into a running 32-bit hash started at YG_HASH32_INIT. */
static inline uint32_t yg_hash32_byte(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}

static inline uint32_t yg_hash32(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint32_t h = YG_HASH32_INIT;
	for (size_t i = 0; i < len; i++)
		h = yg_hash32_byte(h, s[i]);
	return h;
}

static inline uint32_t yg_hash32_str(const char *s)
{
	uint32_t h = YG_HASH32_INIT;
	for (; *s; s++)
		h = yg_hash32_byte(h, (unsigned char)*s);
	return h;
}

static inline uint64_t yg_hash64(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = YG_HASH64_INIT;
	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static inline uint64_t yg_hash64_str(const char *s)
{
	return yg_hash64(s, __builtin_strlen(s));
}

#endif
