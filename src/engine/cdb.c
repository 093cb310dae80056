/* cdb.c: Wazuh CDB lists, read from their text form into a hash table.
 *
 * Wazuh compiles each list's text into a CDB file (lists_make.c) and looks
 * keys up there. Both steps are reproduced: the text is read line by line
 * with the same splitting rules (quoted keys and values, '\r', the fgets
 * chunk size), and a lookup finds what cdb_find would, which for a repeated
 * key is its first line. The table is open-addressed over one arena of
 * "key\0value\0" records, so a lookup is a hash and usually one compare. */
#include "engine/cdb.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Wazuh reads lines with fgets(str, OS_MAXSTR - 1): at most this many bytes
 * at once; a longer line is handled as several. */
#define LINE_CHUNK (65536 - 2)
/* Offsets into the arena are 32-bit. */
#define MAX_FILE ((size_t)1 << 30)

typedef struct slot {
	uint64_t hash;
	uint32_t key; /* arena offset + 1; 0: empty slot */
	uint32_t klen;
	uint32_t val; /* arena offset of the NUL-terminated value */
} slot;

struct yg_list {
	char *arena;
	size_t alen, acap;
	slot *tab;
	size_t mask; /* table size - 1, a power of two */
	size_t count;
};

/* A 64-bit hash, eight bytes at a time; lists are trusted input, so no
 * keyed hash is needed. */
static uint64_t hash_key(const char *s, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	uint64_t v = 0;
	memcpy(&v, s, n);
	h = (h ^ v) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 29;
	h *= 0x94D049BB133111EBull;
	h ^= h >> 32;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static slot *find_slot(const yg_list *l, const char *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & l->mask;
	for (;;) {
		slot *s = &l->tab[i];
		if (!s->key)
			return s;
		if (s->hash == h && s->klen == klen && !memcmp(l->arena + s->key - 1, key, klen))
			return s;
		i = (i + 1) & l->mask;
	}
}

static yg_err grow_table(yg_list *l)
{
	size_t n = l->tab ? (l->mask + 1) * 2 : 64;
	slot *tab = calloc(n, sizeof(*tab));
	if (!tab)
		return YG_ENOMEM;
	slot *old = l->tab;
	size_t oldn = old ? l->mask + 1 : 0;
	l->tab = tab;
	l->mask = n - 1;
	for (size_t i = 0; i < oldn; i++) {
		if (!old[i].key)
			continue;
		size_t j = (size_t)old[i].hash & l->mask;
		while (tab[j].key)
			j = (j + 1) & l->mask;
		tab[j] = old[i];
	}
	free(old);
	return YG_OK;
}

static yg_err arena_put(yg_list *l, const char *s, size_t n, uint32_t *off)
{
	if (l->alen + n + 1 > l->acap) {
		size_t cap = l->acap ? l->acap : 4096;
		while (cap < l->alen + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return YG_ELIMIT;
		char *a = realloc(l->arena, cap);
		if (!a)
			return YG_ENOMEM;
		l->arena = a;
		l->acap = cap;
	}
	*off = (uint32_t)l->alen;
	memcpy(l->arena + l->alen, s, n);
	l->arena[l->alen + n] = '\0';
	l->alen += n + 1;
	return YG_OK;
}

/* Adds a record; a key already present keeps its first value, as
 * cdb_find returns the first record made for a key. */
static yg_err add(yg_list *l, const char *key, size_t klen, const char *val, size_t vlen)
{
	yg_err err;
	if ((l->count + 1) * 2 > (l->tab ? l->mask + 1 : 0) && (err = grow_table(l)) != 0)
		return err;
	uint64_t h = hash_key(key, klen);
	slot *s = find_slot(l, key, klen, h);
	if (s->key)
		return YG_OK;
	uint32_t koff, voff;
	if ((err = arena_put(l, key, klen, &koff)) != 0 ||
	    (err = arena_put(l, val, vlen, &voff)) != 0)
		return err;
	/* the arena may have moved, but slots hold offsets */
	*s = (slot){.hash = h, .key = koff + 1, .klen = (uint32_t)klen, .val = voff};
	l->count++;
	return YG_OK;
}

/* One line as Wazuh's Lists_OP_MakeCDB splits it: `s` is what fgets gave,
 * read as a C string. Malformed lines (which Wazuh skips silently) are
 * reported. */
static yg_err parse_line(yg_list *l, const char *s, size_t n, const char *path, int lineno,
                         yg_diag *diag)
{
	size_t len = strnlen(s, n);
	if (len < n)
		yg_diag_add(diag, YG_SEV_WARNING, path, lineno, "list",
		            "NUL byte in line: the rest of the line is ignored");
	const char *cr = memchr(s, '\r', len);
	if (cr)
		len = (size_t)(cr - s);
	const char *nl = memchr(s, '\n', len);
	if (nl)
		len = (size_t)(nl - s);
	const char *end = s + len;
	if (!len)
		return YG_OK;

	/* A key in double quotes may hold ':'; it is quoted only when the first
	 * ':' of the line comes after the first '"'. Text around the quotes is
	 * dropped. */
	const char *key = s, *key_end = NULL, *from = s;
	const char *q = memchr(s, '"', len);
	if (q) {
		const char *colon = memchr(s, ':', len);
		if (colon && colon > q) {
			key = q + 1;
			key_end = memchr(key, '"', (size_t)(end - key));
			if (!key_end) {
				yg_diag_add(diag, YG_SEV_WARNING, path, lineno, "list",
				            "unterminated quoted key: line skipped");
				return YG_OK;
			}
			from = key_end + 1;
		}
	}
	const char *colon = memchr(from, ':', (size_t)(end - from));
	if (!colon) {
		yg_diag_add(diag, YG_SEV_WARNING, path, lineno, "list",
		            "no ':' after the key: line skipped");
		return YG_OK;
	}
	if (!key_end)
		key_end = colon;
	/* The value may be quoted too; then only what is inside counts. */
	const char *val = colon + 1, *val_end = end;
	q = memchr(val, '"', (size_t)(end - val));
	if (q) {
		val = q + 1;
		val_end = memchr(val, '"', (size_t)(end - val));
		if (!val_end) {
			yg_diag_add(diag, YG_SEV_WARNING, path, lineno, "list",
			            "unterminated quoted value: line skipped");
			return YG_OK;
		}
	}
	return add(l, key, (size_t)(key_end - key), val, (size_t)(val_end - val));
}

/* Reads the whole file; returns YG_EIO, YG_ELIMIT or YG_ENOMEM on failure. */
static yg_err read_file(const char *path, char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return YG_EIO;
	/* A FIFO or a device (/dev/zero) would be read until the memory limit:
	 * only a regular file of at most MAX_FILE bytes is a list. */
	struct stat st;
	yg_err why = YG_OK;
	if (fstat(fileno(f), &st) != 0)
		why = YG_EIO;
	else if (!S_ISREG(st.st_mode))
		why = YG_EINVAL;
	else if ((uint64_t)st.st_size > MAX_FILE)
		why = YG_ELIMIT;
	if (why) {
		int saved = errno;
		fclose(f);
		errno = saved;
		return why;
	}
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	yg_err err = buf ? YG_OK : YG_ENOMEM;
	while (!err && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len < cap)
			continue;
		if (cap >= MAX_FILE) {
			err = YG_ELIMIT;
			break;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb)
			err = YG_ENOMEM;
		else
			buf = nb, cap *= 2;
	}
	int saved = errno; /* for the caller's message; fclose may change it */
	if (!err && ferror(f))
		err = YG_EIO;
	fclose(f);
	errno = saved;
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*size = len;
	return YG_OK;
}

yg_err yg_list_load_mem(const char *data, size_t size, const char *name, yg_diag *diag,
                        yg_list **out)
{
	*out = NULL;
	if (size > MAX_FILE) {
		yg_diag_add(diag, YG_SEV_ERROR, name, 0, "list", "list too large");
		return YG_ELIMIT;
	}
	yg_list *l = calloc(1, sizeof(*l));
	if (!l)
		return YG_ENOMEM;
	yg_err err = grow_table(l);
	int lineno = 1;
	bool split = false; /* the previous piece ended inside a line */
	for (size_t pos = 0; !err && pos < size;) {
		size_t lim = size - pos < LINE_CHUNK ? size - pos : LINE_CHUNK;
		const char *s = data + pos;
		const char *nl = memchr(s, '\n', lim);
		size_t n = nl ? (size_t)(nl - s) + 1 : lim;
		if (!nl && n == LINE_CHUNK && pos + n < size && !split)
			yg_diag_add(diag, YG_SEV_WARNING, name, lineno, "list",
			            "line longer than %d bytes: read in pieces, as Wazuh does",
			            LINE_CHUNK);
		err = parse_line(l, s, n, name, lineno, diag);
		split = !nl;
		if (nl)
			lineno++;
		pos += n;
	}
	if (err) {
		yg_diag_add(diag, YG_SEV_ERROR, name, lineno, "list", "cannot load list: %s",
		            yg_strerror(err));
		yg_list_destroy(l);
		return err;
	}
	*out = l;
	return YG_OK;
}

yg_err yg_list_load(const char *path, yg_diag *diag, yg_list **out)
{
	char *data;
	size_t size;
	*out = NULL;
	yg_err err = read_file(path, &data, &size);
	if (err) {
		/* Wazuh only warns about a list it cannot open, and goes on */
		yg_diag_add(diag, err == YG_EIO ? YG_SEV_WARNING : YG_SEV_ERROR, path, 0, "list",
		            "cannot read list: %s",
		            err == YG_EIO      ? strerror(errno)
		            : err == YG_EINVAL ? "not a regular file"
		            : err == YG_ELIMIT ? "larger than 1 GiB"
		                               : yg_strerror(err));
		return err;
	}
	err = yg_list_load_mem(data, size, path, diag, out);
	free(data);
	return err;
}

void yg_list_destroy(yg_list *list)
{
	if (!list)
		return;
	free(list->arena);
	free(list->tab);
	free(list);
}

/* Looks up the first n bytes of key. */
static bool lookup(const yg_list *l, const char *key, size_t n, const char **value)
{
	const slot *s = find_slot(l, key, n, hash_key(key, n));
	if (!s->key)
		return false;
	if (value)
		*value = l->arena + s->val;
	return true;
}

bool yg_list_get(const yg_list *list, const char *key, const char **value)
{
	if (!list || !key)
		return false;
	return lookup(list, key, strlen(key), value);
}

/* Wazuh's OS_DBSeachKeyAddress: the whole key, then each prefix of it that
 * ends in '.', longest first ("10.1.2.3", "10.1.2.", "10.1.", "10."). A
 * prefix without its dot ("10.1") is never tried. */
bool yg_list_get_address(const yg_list *list, const char *ip, const char **value)
{
	if (!list || !ip)
		return false;
	size_t n = strlen(ip);
	if (lookup(list, ip, n, value))
		return true;
	for (; n > 0; n--)
		if (ip[n - 1] == '.' && lookup(list, ip, n, value))
			return true;
	return false;
}

size_t yg_list_size(const yg_list *list)
{
	return list ? list->count : 0;
}
