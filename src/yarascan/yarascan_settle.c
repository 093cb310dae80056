/* yarascan_settle.c: one scan per finished file.
 *
 * The article's yara.sh waited in a loop until the file size stopped
 * changing, once per FIM alert, so a file written in chunks was scanned once
 * per chunk. Here each path has one entry: every notification with a new
 * size or mtime restarts its settle period; when the period ends, the file
 * is stat()ed and, if unchanged, handed out once. Entries are kept in a
 * small array searched linearly (the waiting set is the files changing right
 * now, not the whole tree); scanned entries are forgotten after a while. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "yarascan/yarascan.h"

#define SETTLE_DEFAULT_MAX 10000
/* A scanned entry is kept this many settle periods (at least a minute) so a
 * repeated notification for the same content does not scan again. */
#define SCANNED_KEEP_MIN_MS 60000u

typedef struct entry {
	char *path;
	uint64_t size;
	int64_t mtime_ns;
	uint64_t since_ms; /* when size/mtime last changed, or when it was scanned */
	bool scanned;
} entry;

struct yg_yarascan_settle {
	unsigned settle_ms;
	size_t max;
	yg_yarascan_clock clock;
	void *clock_ctx;
	entry *e;
	size_t n, cap;
};

static uint64_t mono_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

yg_yarascan_settle *yg_yarascan_settle_create(unsigned settle_ms, size_t max_paths,
                                              yg_yarascan_clock clock, void *clock_ctx)
{
	yg_yarascan_settle *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->settle_ms = settle_ms;
	st->max = max_paths ? max_paths : SETTLE_DEFAULT_MAX;
	st->clock = clock ? clock : mono_ms;
	st->clock_ctx = clock_ctx;
	return st;
}

void yg_yarascan_settle_destroy(yg_yarascan_settle *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->e[i].path);
	free(st->e);
	free(st);
}

static void entry_remove(yg_yarascan_settle *st, size_t i)
{
	free(st->e[i].path);
	st->e[i] = st->e[--st->n];
}

static uint64_t keep_ms(const yg_yarascan_settle *st)
{
	uint64_t k = (uint64_t)st->settle_ms * 10;
	return k < SCANNED_KEEP_MIN_MS ? SCANNED_KEEP_MIN_MS : k;
}

/* Forgets scanned entries older than keep_ms; returns how many went. */
static size_t gc_scanned(yg_yarascan_settle *st, uint64_t now)
{
	size_t gone = 0;
	for (size_t i = 0; i < st->n;) {
		if (st->e[i].scanned && now - st->e[i].since_ms >= keep_ms(st)) {
			entry_remove(st, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

yg_err yg_yarascan_settle_notify(yg_yarascan_settle *st, const char *path, uint64_t size,
                                 int64_t mtime_ns)
{
	if (!path || path[0] != '/')
		return YG_EINVAL;
	uint64_t now = st->clock(st->clock_ctx);
	for (size_t i = 0; i < st->n; i++) {
		entry *e = &st->e[i];
		if (strcmp(e->path, path) != 0)
			continue;
		if (e->size != size || e->mtime_ns != mtime_ns) {
			e->size = size;
			e->mtime_ns = mtime_ns;
			e->since_ms = now;
			e->scanned = false;
		}
		return YG_OK;
	}
	if (st->n >= st->max && gc_scanned(st, now) == 0) {
		/* make room from scanned entries before refusing */
		for (size_t i = 0; i < st->n; i++) {
			if (st->e[i].scanned) {
				entry_remove(st, i);
				break;
			}
		}
		if (st->n >= st->max)
			return YG_ELIMIT;
	}
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 16;
		entry *p = realloc(st->e, nc * sizeof(*p));
		if (!p)
			return YG_ENOMEM;
		st->e = p;
		st->cap = nc;
	}
	char *copy = strdup(path);
	if (!copy)
		return YG_ENOMEM;
	st->e[st->n++] = (entry){.path = copy, .size = size, .mtime_ns = mtime_ns, .since_ms = now};
	return YG_OK;
}

/* FIM may report mtime in whole seconds (Wazuh's mtime field): such a value
 * matches any time within that second. */
static bool same_mtime(int64_t notified, int64_t actual)
{
	if (notified == actual)
		return true;
	return notified % 1000000000 == 0 && actual / 1000000000 == notified / 1000000000;
}

size_t yg_yarascan_settle_poll(yg_yarascan_settle *st, yg_yarascan_due_cb cb, void *ctx)
{
	uint64_t now = st->clock(st->clock_ctx);
	size_t calls = 0;
	gc_scanned(st, now);
	for (size_t i = 0; i < st->n;) {
		entry *e = &st->e[i];
		if (e->scanned || now - e->since_ms < st->settle_ms) {
			i++;
			continue;
		}
		struct stat s;
		if (stat(e->path, &s) != 0) {
			entry_remove(st, i); /* gone: nothing to scan */
			continue;
		}
		int64_t mt = (int64_t)s.st_mtim.tv_sec * 1000000000 + s.st_mtim.tv_nsec;
		if ((uint64_t)s.st_size != e->size || !same_mtime(e->mtime_ns, mt)) {
			/* changed without a notification: wait for it to settle */
			e->size = (uint64_t)s.st_size;
			e->mtime_ns = mt;
			e->since_ms = now;
			i++;
			continue;
		}
		e->scanned = true;
		e->since_ms = now;
		calls++;
		cb(ctx, e->path);
		i++;
	}
	return calls;
}

int64_t yg_yarascan_settle_next_ms(const yg_yarascan_settle *st)
{
	uint64_t now = st->clock(st->clock_ctx);
	int64_t best = -1;
	for (size_t i = 0; i < st->n; i++) {
		const entry *e = &st->e[i];
		if (e->scanned)
			continue;
		uint64_t age = now - e->since_ms;
		int64_t left = age >= st->settle_ms ? 0 : (int64_t)(st->settle_ms - age);
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}

size_t yg_yarascan_settle_pending(const yg_yarascan_settle *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->n; i++)
		n += !st->e[i].scanned;
	return n;
}
