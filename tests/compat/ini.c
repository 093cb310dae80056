/* ini.c: Wazuh test-case .ini files, parsed as Python's configparser does.
 *
 * The rules are Python 3's RawConfigParser._read with Wazuh's settings
 * (see ini.h); this is an independent implementation of that behaviour.
 * The parser keeps every value as a list of line slices of the input while
 * reading (so repeated keys and continuation lines simply append) and joins
 * them once the whole file is read, as configparser does. */
#include "ini.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* One value line: a slice of the input text. */
struct part {
	size_t off, len;
};

struct opt {
	char *name; /* lower-cased, NUL-terminated */
	size_t nlen;
	size_t sec; /* index into yg_ini.secs */
	int line;
	struct part *parts;
	size_t nparts, cap;
	char *value; /* the joined parts, built at the end */
};

struct sec {
	char *name;
	size_t nlen;
	int line;
	size_t *opts; /* indices into yg_ini.opts, in order of first appearance */
	size_t nopts, cap;
	yg_ini_item *items;
};

/* Hash map slot: (sec, name) -> option index, or (NONE, name) -> section. */
struct slot {
	uint64_t hash;
	size_t sec;
	size_t idx; /* NONE: empty slot */
};

struct yg_ini {
	struct sec *secs; /* secs[0] is DEFAULT */
	size_t nsecs, seccap;
	struct opt *opts;
	size_t nopts, optcap;
	struct slot *map;
	size_t mapcap, mapn;
	yg_ini_section *pub; /* secs[1..] as the public view */
};

struct parser {
	yg_ini *ini;
	const char *text;
	const char *fname;
	yg_diag *diag;
	size_t cur;    /* current section, NONE before the first header */
	size_t opt;    /* option that continuation lines extend, or NONE */
	size_t indent; /* indentation (in characters) of the last key/header line */
	bool malformed;
};

/* Grows *arr (elements of `size` bytes, *cap allocated) to hold one more. */
static yg_err grow(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return YG_OK;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		return YG_ENOMEM;
	void *p = realloc(*(void **)arr, ncap * size);
	if (!p)
		return YG_ENOMEM;
	*(void **)arr = p;
	*cap = ncap;
	return YG_OK;
}

/* ---- Python's notion of whitespace (str.isspace / regex \s) ---- */

/* Byte length of the whitespace character starting at s (n bytes left), or
 * 0. Python reads the file as UTF-8 text, so besides ASCII white space the
 * separators U+001C..U+001F and the Unicode spaces count. */
static size_t space_at(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))
		return 1;
	if (n >= 2 && c == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (c == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
		return 3;
	if (c == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;                              /* U+2000..200A, 2028, 2029, 202F */
	if (c == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return 3;
	if (c == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

/* Byte length of the whitespace character ending at s + n, or 0. */
static size_t space_before(const unsigned char *s, size_t n)
{
	if (n >= 1 && space_at(s + n - 1, 1) == 1)
		return 1;
	if (n >= 2 && s[n - 2] == 0xc2 && space_at(s + n - 2, 2) == 2)
		return 2;
	if (n >= 3 && s[n - 3] >= 0xe1 && s[n - 3] <= 0xe3 && space_at(s + n - 3, 3) == 3)
		return 3;
	return 0;
}

/* Narrows [*b, *e) of text to drop leading and trailing whitespace; returns
 * how many whitespace characters were dropped in front (the indentation). */
static size_t strip(const char *text, size_t *b, size_t *e)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t indent = 0, k;
	while (*b < *e && (k = space_at(t + *b, *e - *b)) > 0) {
		*b += k;
		indent++;
	}
	while (*e > *b && (k = space_before(t + *b, *e - *b)) > 0)
		*e -= k;
	return indent;
}

/* ---- the (section, name) map ---- */

static uint64_t hash_key(size_t sec, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < sizeof(sec); i++) {
		h ^= (sec >> (8 * i)) & 0xff;
		h *= 1099511628211ull;
	}
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static bool slot_is(const yg_ini *ini, const struct slot *sl, uint64_t h, size_t sec, const char *s,
                    size_t n)
{
	if (sl->hash != h || sl->sec != sec)
		return false;
	if (sec == NONE) {
		const struct sec *x = &ini->secs[sl->idx];
		return x->nlen == n && memcmp(x->name, s, n) == 0;
	}
	const struct opt *o = &ini->opts[sl->idx];
	return o->nlen == n && memcmp(o->name, s, n) == 0;
}

/* Index stored for (sec, s[0..n)), or NONE. */
static size_t map_find(const yg_ini *ini, size_t sec, const char *s, size_t n)
{
	if (!ini->mapcap)
		return NONE;
	uint64_t h = hash_key(sec, s, n);
	size_t mask = ini->mapcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct slot *sl = &ini->map[i];
		if (sl->idx == NONE)
			return NONE;
		if (slot_is(ini, sl, h, sec, s, n))
			return sl->idx;
	}
}

static void map_place(struct slot *map, size_t cap, struct slot sl)
{
	size_t mask = cap - 1;
	size_t i = sl.hash & mask;
	while (map[i].idx != NONE)
		i = (i + 1) & mask;
	map[i] = sl;
}

/* Adds (sec, s) -> idx; the key must not be present yet. */
static yg_err map_add(yg_ini *ini, size_t sec, const char *s, size_t n, size_t idx)
{
	if ((ini->mapn + 1) * 2 > ini->mapcap) {
		size_t cap = ini->mapcap ? ini->mapcap * 2 : 64;
		if (cap < ini->mapcap || cap > SIZE_MAX / sizeof(struct slot))
			return YG_ENOMEM;
		struct slot *map = malloc(cap * sizeof(*map));
		if (!map)
			return YG_ENOMEM;
		for (size_t i = 0; i < cap; i++)
			map[i].idx = NONE;
		for (size_t i = 0; i < ini->mapcap; i++)
			if (ini->map[i].idx != NONE)
				map_place(map, cap, ini->map[i]);
		free(ini->map);
		ini->map = map;
		ini->mapcap = cap;
	}
	struct slot sl = {.hash = hash_key(sec, s, n), .sec = sec, .idx = idx};
	map_place(ini->map, ini->mapcap, sl);
	ini->mapn++;
	return YG_OK;
}

/* ---- building ---- */

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Appends a section named s[0..n); `mapped` puts it in the name map. */
static yg_err section_new(yg_ini *ini, const char *s, size_t n, int line, bool mapped, size_t *out)
{
	if (grow(&ini->secs, &ini->seccap, ini->nsecs, sizeof(struct sec)))
		return YG_ENOMEM;
	struct sec *x = &ini->secs[ini->nsecs];
	memset(x, 0, sizeof(*x));
	x->name = dup_n(s, n);
	if (!x->name)
		return YG_ENOMEM;
	x->nlen = n;
	x->line = line;
	size_t idx = ini->nsecs++;
	if (mapped && map_add(ini, NONE, s, n, idx))
		return YG_ENOMEM;
	*out = idx;
	return YG_OK;
}

/* Finds or creates the section named s[0..n); DEFAULT is always index 0. */
static yg_err section_open(yg_ini *ini, const char *s, size_t n, int line, size_t *out)
{
	if (n == 7 && memcmp(s, "DEFAULT", 7) == 0) {
		*out = 0;
		return YG_OK;
	}
	size_t idx = map_find(ini, NONE, s, n);
	if (idx != NONE) {
		*out = idx;
		return YG_OK;
	}
	return section_new(ini, s, n, line, true, out);
}

/* Finds or creates option `name` (already lower-cased) in section sec. */
static yg_err option_open(yg_ini *ini, size_t sec, const char *name, size_t n, int line,
                          size_t *out)
{
	size_t idx = map_find(ini, sec, name, n);
	if (idx != NONE) {
		*out = idx;
		return YG_OK;
	}
	struct sec *x = &ini->secs[sec];
	if (grow(&x->opts, &x->cap, x->nopts, sizeof(size_t)) ||
	    grow(&ini->opts, &ini->optcap, ini->nopts, sizeof(struct opt)))
		return YG_ENOMEM;
	struct opt *o = &ini->opts[ini->nopts];
	memset(o, 0, sizeof(*o));
	o->name = dup_n(name, n);
	if (!o->name)
		return YG_ENOMEM;
	o->nlen = n;
	o->sec = sec;
	o->line = line;
	idx = ini->nopts++;
	x->opts[x->nopts++] = idx;
	if (map_add(ini, sec, o->name, n, idx))
		return YG_ENOMEM;
	*out = idx;
	return YG_OK;
}

static yg_err part_add(yg_ini *ini, size_t opt, size_t off, size_t len)
{
	struct opt *o = &ini->opts[opt];
	if (grow(&o->parts, &o->cap, o->nparts, sizeof(struct part)))
		return YG_ENOMEM;
	o->parts[o->nparts].off = off;
	o->parts[o->nparts].len = len;
	o->nparts++;
	return YG_OK;
}

static void report(struct parser *p, int line, const char *what)
{
	p->malformed = true;
	yg_diag_add(p->diag, YG_SEV_ERROR, p->fname, line, NULL, "%s", what);
}

/* Handles one line (without its terminator) at offset off, length n. */
static yg_err parse_line(struct parser *p, size_t off, size_t n, int line)
{
	yg_ini *ini = p->ini;
	const char *t = p->text;
	if (memchr(t + off, '\0', n)) {
		report(p, line, "NUL byte in line; line ignored");
		return YG_OK;
	}
	size_t b = off, e = off + n;
	size_t indent = strip(t, &b, &e);
	if (b == e) {
		/* An empty line is part of the value being read (if any). */
		if (p->cur != NONE && p->opt != NONE)
			return part_add(ini, p->opt, b, 0);
		return YG_OK;
	}
	if (t[b] == '#' || t[b] == ';')
		return YG_OK; /* full-line comment: changes nothing */
	if (p->cur != NONE && p->opt != NONE && indent > p->indent)
		return part_add(ini, p->opt, b, e - b); /* continuation line */
	p->indent = indent;

	if (t[b] == '[') {
		/* Section header: the name runs to the last ']' (at least one
		 * character); anything after that is ignored, as in Python. */
		size_t r = e - 1; /* index of the last ']' */
		while (r > b && t[r] != ']')
			r--;
		if (r >= b + 2) {
			p->opt = NONE;
			return section_open(ini, t + b + 1, r - (b + 1), line, &p->cur);
		}
	}
	if (p->cur == NONE) {
		report(p, line, "key before any [section] header; line ignored");
		return YG_OK;
	}
	size_t d = b;
	while (d < e && t[d] != '=' && t[d] != ':')
		d++;
	if (d == e) {
		report(p, line,
		       "expected 'key = value', 'key: value' or '[section]'; line ignored");
		return YG_OK;
	}
	size_t kb = b, ke = d, vb = d + 1, ve = e;
	strip(t, &kb, &ke);
	strip(t, &vb, &ve);
	char name[256];
	char *nm = ke - kb < sizeof(name) ? name : malloc(ke - kb + 1);
	if (!nm)
		return YG_ENOMEM;
	for (size_t i = kb; i < ke; i++) {
		char c = t[i];
		nm[i - kb] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	size_t opt;
	yg_err err = option_open(ini, p->cur, nm, ke - kb, line, &opt);
	if (nm != name)
		free(nm);
	if (err)
		return err;
	/* configparser flags an empty key but keeps it; it then has no
	 * continuation lines. */
	if (ke == kb) {
		report(p, line, "empty key");
		p->opt = NONE;
	} else {
		p->opt = opt;
	}
	return part_add(ini, opt, vb, ve - vb);
}

/* Joins the value lines of every option (dropping trailing empty lines, as
 * configparser's rstrip does: the lines themselves are already stripped). */
static yg_err join_values(yg_ini *ini, const char *text)
{
	for (size_t i = 0; i < ini->nopts; i++) {
		struct opt *o = &ini->opts[i];
		size_t np = o->nparts;
		while (np > 0 && o->parts[np - 1].len == 0)
			np--;
		size_t total = 1;
		for (size_t k = 0; k < np; k++)
			total += o->parts[k].len + 1;
		o->value = malloc(total);
		if (!o->value)
			return YG_ENOMEM;
		size_t w = 0;
		for (size_t k = 0; k < np; k++) {
			if (k)
				o->value[w++] = '\n';
			memcpy(o->value + w, text + o->parts[k].off, o->parts[k].len);
			w += o->parts[k].len;
		}
		o->value[w] = '\0';
		free(o->parts);
		o->parts = NULL;
		o->nparts = o->cap = 0;
	}
	return YG_OK;
}

static yg_ini_item item_of(const struct opt *o)
{
	yg_ini_item it = {.name = o->name, .value = o->value, .line = o->line};
	return it;
}

/* Builds every section's items() view and the public section array. */
static yg_err build_views(yg_ini *ini)
{
	const struct sec *def = &ini->secs[0];
	ini->pub = calloc(ini->nsecs, sizeof(*ini->pub));
	if (!ini->pub)
		return YG_ENOMEM;
	for (size_t s = 1; s < ini->nsecs; s++) {
		struct sec *x = &ini->secs[s];
		x->items = calloc(def->nopts + x->nopts + 1, sizeof(*x->items));
		if (!x->items)
			return YG_ENOMEM;
		size_t n = 0;
		for (size_t k = 0; k < def->nopts; k++) {
			const struct opt *d = &ini->opts[def->opts[k]];
			size_t own = map_find(ini, s, d->name, d->nlen);
			x->items[n] = item_of(d);
			if (own != NONE) {
				x->items[n].value = ini->opts[own].value;
				x->items[n].line = ini->opts[own].line;
			}
			n++;
		}
		for (size_t k = 0; k < x->nopts; k++) {
			const struct opt *o = &ini->opts[x->opts[k]];
			if (map_find(ini, 0, o->name, o->nlen) == NONE)
				x->items[n++] = item_of(o);
		}
		yg_ini_section *ps = &ini->pub[s - 1];
		ps->name = x->name;
		ps->line = x->line;
		ps->nitems = n;
		ps->items = x->items;
	}
	return YG_OK;
}

void yg_ini_destroy(yg_ini *ini)
{
	if (!ini)
		return;
	for (size_t i = 0; i < ini->nopts; i++) {
		free(ini->opts[i].name);
		free(ini->opts[i].parts);
		free(ini->opts[i].value);
	}
	for (size_t i = 0; i < ini->nsecs; i++) {
		free(ini->secs[i].name);
		free(ini->secs[i].opts);
		free(ini->secs[i].items);
	}
	free(ini->opts);
	free(ini->secs);
	free(ini->map);
	free(ini->pub);
	free(ini);
}

yg_err yg_ini_parse(const char *text, size_t len, const char *fname, yg_diag *diag, yg_ini **out)
{
	if (!out || (!text && len))
		return YG_EINVAL;
	*out = NULL;
	yg_ini *ini = calloc(1, sizeof(*ini));
	if (!ini)
		return YG_ENOMEM;
	size_t def;
	yg_err err = section_new(ini, "DEFAULT", 7, 0, false, &def); /* index 0 */
	struct parser p = {
	        .ini = ini, .text = text, .fname = fname, .diag = diag, .cur = NONE, .opt = NONE};
	int line = 0;
	for (size_t i = 0; !err && i < len;) {
		size_t start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		size_t end = i;
		if (i < len)
			i += (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') ? 2 : 1;
		if (line < INT_MAX)
			line++;
		err = parse_line(&p, start, end - start, line);
	}
	if (!err)
		err = join_values(ini, text);
	if (!err)
		err = build_views(ini);
	if (err) {
		yg_ini_destroy(ini);
		return err;
	}
	*out = ini;
	return p.malformed ? YG_EPARSE : YG_OK;
}

yg_err yg_ini_load(const char *path, yg_diag *diag, yg_ini **out)
{
	if (!path || !out)
		return YG_EINVAL;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "cannot open file");
		return YG_EIO;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	yg_err err = YG_OK;
	for (;;) {
		if (len == cap) {
			if (cap > YG_INI_MAX_FILE) {
				err = YG_ELIMIT;
				yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL,
				            "file larger than %u bytes", YG_INI_MAX_FILE);
				break;
			}
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				err = YG_ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				err = YG_EIO;
				yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "read error");
			}
			break;
		}
	}
	fclose(f);
	if (!err && len > YG_INI_MAX_FILE) {
		err = YG_ELIMIT;
		yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "file larger than %u bytes",
		            YG_INI_MAX_FILE);
	}
	if (!err)
		err = yg_ini_parse(buf, len, path, diag, out);
	free(buf);
	return err;
}

size_t yg_ini_nsections(const yg_ini *ini)
{
	return ini ? ini->nsecs - 1 : 0;
}

const yg_ini_section *yg_ini_section_at(const yg_ini *ini, size_t i)
{
	if (!ini || i + 1 >= ini->nsecs)
		return NULL;
	return &ini->pub[i];
}

const yg_ini_item *yg_ini_get(const yg_ini_section *sec, const char *name)
{
	if (!sec || !name)
		return NULL;
	for (size_t i = 0; i < sec->nitems; i++)
		if (strcmp(sec->items[i].name, name) == 0)
			return &sec->items[i];
	return NULL;
}
