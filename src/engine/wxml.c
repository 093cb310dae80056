/* wxml.c: reader for the XML dialect of Wazuh's ossec.conf, rule and decoder
 * files, with the semantics of Wazuh 4.x os_xml (see wxml.h).
 *
 * Reading happens in three steps, each linear in the input:
 *
 *  1. A character-level state machine turns the text into a flat list of
 *     items (elements, attributes, variable definitions) with their nesting
 *     level, the way os_xml records them. It is iterative (an explicit stack
 *     of open elements), so hostile nesting cannot exhaust the C stack.
 *  2. `$NAME` references are replaced in document order, as
 *     OS_ApplyVariables does, including its corner cases (see wx_subst()).
 *  3. The list becomes the public tree following OS_GetElementsbyNode: an
 *     element's children are the elements one level deeper that follow it
 *     before the next element at its level or above; variable definitions
 *     are not elements.
 *
 * os_xml behaviours kept on purpose, because rule files can depend on them:
 *  - text outside elements is ignored; comments are `<!` ... `!>` or `-->`
 *    and may appear anywhere, even inside names and closing tags;
 *  - `\<` in text is not a tag (the backslash stays in the content), and a
 *    backslash right before `</x>` therefore hides the closing tag;
 *  - content is only the text after the last child element;
 *  - `<x a="1"/>` ends at the `/`: the `>` is read as text of the parent;
 *  - closing tags must match byte for byte (`</x >` does not close <x>);
 *  - an attribute named `var` (any case) is taken for a variable definition,
 *    so it and the attributes after it are not shown on the element;
 *  - `<?xml ... ?>` is read as an element named `?xml`, so a declaration
 *    with attributes is an error in Wazuh too.
 * One deliberate difference: a 0xFF byte right after `<` ends the input for
 * os_xml on signed-char platforms (x86); here it is an ordinary byte, as on
 * aarch64. */
#include "engine/wxml.h"
#include "common/yhash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ybuf.h"

#define WX_EOF (-1)
/* os_xml's XML_MAXSIZE: a name, text run or attribute value reaching this
 * many bytes is an error ("String overflow"). */
#define WX_MAXSIZE 20480
/* os_xml stops after this many attribute-reading recursions. */
#define WX_MAX_ATTR_DEPTH 48
/* os_xml's recursion limit: elements may nest this many levels. */
#define WX_MAX_DEPTH 1024
/* Variable names must be shorter than this (XML_VARIABLE_MAXSIZE). */
#define WX_VAR_MAXSIZE 256
/* yagura's own bounds against hostile input. */
#define WX_MAX_INPUT ((size_t)64 << 20)
#define WX_MAX_EXPANSION ((size_t)64 << 20)
#define WX_MAX_ITEMS ((size_t)1 << 22)
#define WX_NONE UINT32_MAX

enum wx_kind {
	WX_ELEM, /* an element */
	WX_ATTR, /* an attribute of the element before it */
	WX_VAR,  /* an element or attribute named "var": a variable definition */
};

/* One entry of the flat list. Strings are offsets into the string table,
 * which moves while it grows. */
struct wx_item {
	uint32_t name;
	uint32_t content; /* element text or attribute value */
	/* WX_VAR: the item holding its name, then (once defined) the string
	 * offset of that name; WX_ELEM: node index in the tree. */
	uint32_t aux;
	int32_t line;
	uint16_t level; /* nesting depth; an attribute has its element's */
	uint8_t kind;
};

struct wx_parser {
	const unsigned char *p, *end;
	int line;
	/* os_xml reads through a two-character push-back stash, and its comment
	 * reader pushes one character back twice; the stash reproduces that. */
	int stash[2];
	int nstash;

	const char *name;
	yg_diag *diag;

	struct wx_item *items;
	size_t nitems, capitems;

	char *str; /* string table: NUL-terminated strings, "" at offset 0 */
	size_t strused, strcap;

	uint32_t stack[WX_MAX_DEPTH];        /* open ancestors of the current element */
	unsigned char text[WX_MAXSIZE + 1];  /* name, text run or closing name */
	unsigned char aname[WX_MAXSIZE + 1]; /* attribute name being read */
	unsigned char aval[WX_MAXSIZE + 1];  /* attribute value being read */
};

struct yg_wxml_doc {
	char *name;
	char *strings;
	yg_wxml_node *nodes;
	yg_wxml_node **ptrs; /* the roots, then every children list */
	yg_wxml_attr *attrs;
	size_t nroots;
};

/* ---- diagnostics ---- */

/* os_xml reads `<?xml version="1.0"?>` as an element named "?xml" whose tag
 * ends badly, so Wazuh rejects files with a declaration (wazuh#8050); its
 * message does not say so, ours adds a hint. */
static const char *wx_hint(const char *elem)
{
	return elem && elem[0] == '?' ? " (Wazuh cannot read <?xml ...?> declarations)" : "";
}

/* Reports an error at `line` and returns `err`. */
static yg_err wx_fail(struct wx_parser *P, yg_err err, int line, const char *elem, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

static yg_err wx_fail(struct wx_parser *P, yg_err err, int line, const char *elem, const char *fmt,
                      ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	yg_diag_add(P->diag, YG_SEV_ERROR, P->name, line, elem, "%s%s", msg, wx_hint(elem));
	return err;
}

/* ---- input ---- */

static bool wx_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Next character (0..255) or WX_EOF; counts lines like os_xml. */
static int wx_getc(struct wx_parser *P)
{
	int c;
	if (P->nstash > 0)
		c = P->stash[--P->nstash];
	else if (P->p < P->end)
		c = *P->p++;
	else
		return WX_EOF;
	if (c == '\n')
		P->line++;
	return c;
}

/* Pushes `c` back (WX_EOF included). Like os_xml, a full stash drops it; the
 * state machine never needs more than two places. */
static void wx_ungetc(struct wx_parser *P, int c)
{
	if (P->nstash >= 2)
		return;
	if (c == '\n')
		P->line--;
	P->stash[P->nstash++] = c;
}

/* Called after a '<'. Returns 1 when a comment was skipped (it starts with
 * `<!` and ends at `!>` or `-->`), 0 when the '<' starts none (nothing is
 * consumed), -1 when the input ends inside the comment. */
static int wx_comment(struct wx_parser *P)
{
	int c = wx_getc(P);
	if (c != '!') {
		wx_ungetc(P, c);
		return 0;
	}
	for (;;) {
		/* Skip plain comment text quickly. */
		if (P->nstash == 0) {
			while (P->p < P->end && *P->p != '!' && *P->p != '-') {
				if (*P->p == '\n')
					P->line++;
				P->p++;
			}
		}
		if ((c = wx_getc(P)) == WX_EOF)
			break;
		if (c == '!') {
			c = wx_getc(P);
			if (c == '>')
				return 1;
			wx_ungetc(P, c);
		} else if (c == '-') {
			c = wx_getc(P);
			if (c == '-') {
				c = wx_getc(P);
				if (c == '>')
					return 1;
				/* os_xml pushes this one back twice: "--->"
				 * closes a comment thanks to it. */
				wx_ungetc(P, c);
			}
			wx_ungetc(P, c);
		}
	}
	return -1;
}

/* ---- the flat list ---- */

/* Appends `len` bytes and a NUL to the string table; *off gets the start. */
static yg_err wx_str_add(struct wx_parser *P, const void *s, size_t len, uint32_t *off)
{
	size_t need = P->strused + len + 1;
	/* Offsets are 32-bit; the input and expansion bounds keep far below. */
	if (need > UINT32_MAX)
		return wx_fail(P, YG_ELIMIT, P->line, NULL, "document too large");
	if (need > P->strcap) {
		size_t cap = P->strcap ? P->strcap : 4096;
		while (cap < need)
			cap *= 2;
		char *n = realloc(P->str, cap);
		if (!n)
			return YG_ENOMEM;
		P->str = n;
		P->strcap = cap;
	}
	if (len)
		memcpy(P->str + P->strused, s, len);
	P->str[P->strused + len] = '\0';
	*off = (uint32_t)P->strused;
	P->strused = need;
	return YG_OK;
}

static const char *wx_s(const struct wx_parser *P, uint32_t off)
{
	return P->str + off;
}

/* Adds an item named by the first `len` bytes of `name` (a C string view of
 * them, as os_xml keeps); `*idx` gets its index. The kind becomes WX_VAR for
 * the name "var" in any case, for attributes too, as in os_xml. */
static yg_err wx_item_add(struct wx_parser *P, enum wx_kind kind, const unsigned char *name,
                          size_t len, unsigned level, int line, size_t *idx)
{
	if (P->nitems >= WX_MAX_ITEMS)
		return wx_fail(P, YG_ELIMIT, line, NULL,
		               "too many elements and attributes (max %zu)", (size_t)WX_MAX_ITEMS);
	if (P->nitems == P->capitems) {
		size_t cap = P->capitems ? P->capitems * 2 : 256;
		struct wx_item *n = realloc(P->items, cap * sizeof(*n));
		if (!n)
			return YG_ENOMEM;
		P->items = n;
		P->capitems = cap;
	}
	struct wx_item *it = &P->items[P->nitems];
	yg_err err = wx_str_add(P, name, len, &it->name);
	if (err)
		return err;
	const char *s = wx_s(P, it->name);
	if ((s[0] | 0x20) == 'v' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'r' && s[3] == '\0')
		kind = WX_VAR;
	it->kind = (uint8_t)kind;
	it->content = 0;
	it->aux = WX_NONE;
	it->line = line;
	it->level = (uint16_t)level;
	*idx = P->nitems++;
	return YG_OK;
}

/* ---- step 1: the state machine ---- */

/* Whether P->aname repeats a name among the element's attributes read so
 * far (they are the items just before, at the element's level). */
static bool wx_attr_repeated(const struct wx_parser *P, unsigned level)
{
	for (size_t i = P->nitems; i-- > 0;) {
		const struct wx_item *it = &P->items[i];
		if (it->level != level || it->kind != WX_ATTR)
			break;
		if (strcmp(wx_s(P, it->name), (const char *)P->aname) == 0)
			return true;
	}
	return false;
}

/* The quote that opens a value after '=' (os_xml allows blanks before it),
 * or 0 when something else comes. */
static int wx_attr_quote(struct wx_parser *P)
{
	int c = wx_getc(P);
	if (c == '"' || c == '\'')
		return c;
	if (!wx_isspace(c))
		return 0;
	while ((c = wx_getc(P)) != WX_EOF && wx_isspace(c))
		;
	return c == '"' || c == '\'' ? c : 0;
}

/* Stores the attribute in P->aname/P->aval[0..vlen) once its closing quote
 * is read, then reads what follows: a blank (*more: another attribute may
 * come) or the end of the tag. */
static yg_err wx_attr_store(struct wx_parser *P, size_t elem, size_t vlen, bool *more, bool *slash)
{
	size_t idx;
	yg_err err = wx_item_add(P, WX_ATTR, P->aname, strlen((char *)P->aname),
	                         P->items[elem].level, P->line, &idx);
	if (!err)
		err = wx_str_add(P, P->aval, vlen, &P->items[idx].content);
	if (err)
		return err;
	int c = wx_getc(P);
	if (wx_isspace(c)) {
		*more = true;
		return YG_OK;
	}
	if (c == '>' || c == '/') {
		*slash = c == '/';
		return YG_OK;
	}
	P->aval[vlen] = '\0';
	const char *en = wx_s(P, P->items[elem].name);
	return wx_fail(P, YG_EPARSE, P->line, en, "Bad attribute closing for '%.100s'='%.100s'.",
	               (const char *)P->aname, (const char *)P->aval);
}

/* Reads one attribute of the element (blanks before it skipped). *more is
 * set when another one may follow; otherwise the tag ended, with *slash set
 * when it ended with '/'. */
static yg_err wx_attribute(struct wx_parser *P, size_t elem, bool *more, bool *slash)
{
	size_t nlen = 0, vlen = 0;
	bool in_value = false;
	int quote = 0;
	*more = false;
	for (;;) {
		int c = wx_getc(P);
		if (c == WX_EOF)
			return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
			               "End of file while reading an attribute.");
		if ((in_value ? vlen : nlen) >= WX_MAXSIZE) {
			P->aname[nlen < WX_MAXSIZE ? nlen : WX_MAXSIZE - 1] = '\0';
			return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
			               "Overflow attempt at attribute '%.20s'.",
			               (const char *)P->aname);
		}
		P->aname[nlen] = '\0';
		if (c == '>' || (!in_value && c == '/')) {
			if (in_value || nlen > 0)
				return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
				               in_value ? "Attribute '%.100s' not closed."
				                        : "Attribute '%.100s' has no value.",
				               (const char *)P->aname);
			*slash = c == '/';
			return YG_OK;
		}
		if (!in_value && c == '=') {
			if (wx_attr_repeated(P, P->items[elem].level))
				return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
				               "Attribute '%.100s' already defined.",
				               (const char *)P->aname);
			if (!(quote = wx_attr_quote(P)))
				return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
				               "Attribute '%.100s' not followed by a \" or '.",
				               (const char *)P->aname);
			in_value = true;
			continue;
		}
		if (!in_value && wx_isspace(c)) {
			if (nlen == 0)
				continue;
			return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
			               "Attribute '%.100s' has no value.", (const char *)P->aname);
		}
		if (in_value && c == quote)
			return wx_attr_store(P, elem, vlen, more, slash);
		if (in_value)
			P->aval[vlen++] = (unsigned char)c;
		else
			P->aname[nlen++] = (unsigned char)c;
	}
}

/* Reads the attributes after an element name and the whitespace that ended
 * it, up to the end of the tag. *slash is set when the tag ended with '/'
 * (which os_xml consumes without the '>' after it). */
static yg_err wx_attributes(struct wx_parser *P, size_t elem, bool *slash)
{
	for (unsigned n = 0;; n++) {
		if (n > WX_MAX_ATTR_DEPTH)
			return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[elem].name),
			               "Too many attributes.");
		bool more;
		yg_err err = wx_attribute(P, elem, &more, slash);
		if (err || !more)
			return err;
	}
}

enum wx_state {
	WX_OUT,   /* between top-level elements */
	WX_NAME,  /* in an opening tag's name */
	WX_TEXT,  /* in an element's content */
	WX_CLOSE, /* in a closing tag's name */
};

/* Where wx_read is in the input. */
struct wx_rd {
	enum wx_state st;
	bool escaped;   /* an odd run of backslashes came just before */
	size_t count;   /* bytes in P->text */
	unsigned depth; /* open ancestors of `cur` */
	size_t cur;     /* item of the innermost open element */
	int open_line;  /* where the tag being read opened */
};

/* Fast path for plain text and for what lies between top-level elements:
 * the same steps as wx_read's for bytes that are neither '<' nor '\\'. */
static void wx_plain_run(struct wx_parser *P, struct wx_rd *R)
{
	while (P->p < P->end && R->count < WX_MAXSIZE) {
		unsigned char b = *P->p;
		if (b == '<' || b == '\\')
			break;
		P->p++;
		if (b == '\n')
			P->line++;
		if (R->st == WX_TEXT)
			P->text[R->count++] = b;
		R->escaped = false;
	}
}

/* An element ended: back into the parent's text, or out of the top. */
static void wx_pop(const struct wx_parser *P, struct wx_rd *R)
{
	if (R->depth > 0) {
		R->cur = P->stack[--R->depth];
		R->st = WX_TEXT;
	} else {
		R->st = WX_OUT;
	}
}

/* The name of an opening tag ended with c ('>' or a blank): adds the
 * element, then its attributes. */
static yg_err wx_name_end(struct wx_parser *P, struct wx_rd *R, int c)
{
	bool selfclose = R->count > 0 && P->text[R->count - 1] == '/';
	if (selfclose)
		R->count--;
	P->text[R->count] = '\0';
	yg_err err = wx_item_add(P, WX_ELEM, P->text, strlen((char *)P->text), R->depth,
	                         R->open_line, &R->cur);
	if (err)
		return err;
	R->count = 0;
	bool slash = false;
	if (wx_isspace(c)) {
		err = wx_attributes(P, R->cur, &slash);
		if (err)
			return err;
	}
	if (selfclose || slash) {
		P->items[R->cur].content = 0; /* "" */
		wx_pop(P, R);
	} else {
		R->st = WX_TEXT;
	}
	return YG_OK;
}

/* The '>' of a closing tag, whose name must match byte for byte. */
static yg_err wx_close_end(struct wx_parser *P, struct wx_rd *R)
{
	P->text[R->count] = '\0';
	const char *name = wx_s(P, P->items[R->cur].name);
	if (strcmp((char *)P->text, name) != 0)
		return wx_fail(P, YG_EPARSE, P->line, name, "Element '%.100s' not closed.", name);
	R->count = 0;
	wx_pop(P, R);
	return YG_OK;
}

/* An unescaped '<' in an element's text: its closing tag or a child. */
static yg_err wx_text_tag(struct wx_parser *P, struct wx_rd *R)
{
	int c2 = wx_getc(P);
	if (c2 == '/') {
		/* The content is the text since the last child. */
		yg_err err = wx_str_add(P, P->text, R->count, &P->items[R->cur].content);
		if (err)
			return err;
		R->count = 0;
		R->st = WX_CLOSE;
		return YG_OK;
	}
	wx_ungetc(P, c2);
	if (R->depth + 1 >= WX_MAX_DEPTH)
		return wx_fail(P, YG_EPARSE, P->line, wx_s(P, P->items[R->cur].name),
		               "Max recursion level reached");
	P->stack[R->depth++] = (uint32_t)R->cur;
	R->count = 0; /* the parent's text so far is dropped */
	R->st = WX_NAME;
	R->open_line = P->line;
	return YG_OK;
}

/* One byte outside comments, by state. */
static yg_err wx_step(struct wx_parser *P, struct wx_rd *R, int c)
{
	if (R->st == WX_OUT && !R->escaped) {
		if (c == '<') {
			int c2 = wx_getc(P);
			if (c2 == '/')
				return wx_fail(P, YG_EPARSE, P->line, NULL, "Element not opened.");
			wx_ungetc(P, c2);
			R->st = WX_NAME;
			R->open_line = P->line;
		}
		return YG_OK;
	}
	if (R->st == WX_NAME && (c == '>' || wx_isspace(c)))
		return wx_name_end(P, R, c);
	if (R->st == WX_CLOSE && c == '>')
		return wx_close_end(P, R);
	if (R->st == WX_TEXT && c == '<' && !R->escaped)
		return wx_text_tag(P, R);
	if (R->st != WX_OUT)
		P->text[R->count++] = (unsigned char)c;
	if (c == '<')
		R->escaped = false;
	return YG_OK;
}

/* Reads the whole input into the flat list. */
static yg_err wx_read(struct wx_parser *P)
{
	struct wx_rd R = {.st = WX_OUT};
	int c;
	for (;;) {
		if ((R.st == WX_TEXT || R.st == WX_OUT) && P->nstash == 0)
			wx_plain_run(P, &R);
		if ((c = wx_getc(P)) == WX_EOF)
			break;
		if (c == '\\')
			R.escaped = !R.escaped;
		else if (c != '<')
			R.escaped = false;

		if (R.count >= WX_MAXSIZE)
			return wx_fail(P, YG_EPARSE, P->line, NULL, "String overflow.");

		if (c == '<') {
			int r = wx_comment(P);
			if (r < 0)
				return wx_fail(P, YG_EPARSE, P->line, NULL, "Comment not closed.");
			if (r > 0)
				continue;
		}
		yg_err err = wx_step(P, &R, c);
		if (err)
			return err;
	}
	if (R.st != WX_OUT) { /* Name the outermost open element. */
		const char *top = R.depth > 0       ? wx_s(P, P->items[P->stack[0]].name)
		                  : R.st == WX_NAME ? NULL
		                                    : wx_s(P, P->items[R.cur].name);
		return wx_fail(P, YG_EPARSE, P->line, top,
		               "End of file and some elements were not closed.");
	}
	return YG_OK;
}

/* ---- step 2: variables ---- */

struct wx_vars {
	uint32_t *slot; /* item index of the definition, WX_NONE when empty */
	size_t cap, n;
};

static unsigned char wx_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint32_t wx_hash(const char *s, size_t len)
{
	uint32_t h = YG_HASH32_INIT;
	for (size_t i = 0; i < len; i++)
		h = yg_hash32_byte(h, (unsigned char)wx_lower((unsigned char)s[i]));
	return h;
}

/* strcasecmp() equality of s[0..len) and the C string t. */
static bool wx_caseeq(const char *s, size_t len, const char *t)
{
	for (size_t i = 0; i < len; i++)
		if (t[i] == '\0' || wx_lower((unsigned char)s[i]) != wx_lower((unsigned char)t[i]))
			return false;
	return t[len] == '\0';
}

/* The item defining the variable named s[0..len) (the first definition wins,
 * as in os_xml), or WX_NONE. */
static uint32_t wx_var_find(const struct wx_parser *P, const struct wx_vars *V, const char *s,
                            size_t len)
{
	if (V->n == 0)
		return WX_NONE;
	for (size_t i = wx_hash(s, len) & (V->cap - 1);; i = (i + 1) & (V->cap - 1)) {
		uint32_t def = V->slot[i];
		if (def == WX_NONE)
			return WX_NONE;
		if (wx_caseeq(s, len, wx_s(P, P->items[def].aux)))
			return def;
	}
}

/* Defines the variable of item `def`, whose aux is its name's offset. */
static yg_err wx_var_add(const struct wx_parser *P, struct wx_vars *V, uint32_t def)
{
	const char *name = wx_s(P, P->items[def].aux);
	size_t len = strlen(name);
	if (wx_var_find(P, V, name, len) != WX_NONE)
		return YG_OK;
	if ((V->n + 1) * 2 > V->cap) {
		size_t cap = V->cap ? V->cap * 2 : 16;
		uint32_t *slot = malloc(cap * sizeof(*slot));
		if (!slot)
			return YG_ENOMEM;
		for (size_t i = 0; i < cap; i++)
			slot[i] = WX_NONE;
		for (size_t i = 0; i < V->cap; i++) {
			uint32_t d = V->slot[i];
			if (d == WX_NONE)
				continue;
			const char *dn = wx_s(P, P->items[d].aux);
			size_t j = wx_hash(dn, strlen(dn)) & (cap - 1);
			while (slot[j] != WX_NONE)
				j = (j + 1) & (cap - 1);
			slot[j] = d;
		}
		free(V->slot);
		V->slot = slot;
		V->cap = cap;
	}
	size_t j = wx_hash(name, len) & (V->cap - 1);
	while (V->slot[j] != WX_NONE)
		j = (j + 1) & (V->cap - 1);
	V->slot[j] = def;
	V->n++;
	return YG_OK;
}

/* Finds, for every variable definition, the item that names it: like
 * os_xml, the first attribute after it, unless an item at a lower level
 * comes first (so `<var>v</var>` without a name takes a later element's
 * attribute). A stack of pending definitions keeps this linear. */
static yg_err wx_var_names(struct wx_parser *P)
{
	uint32_t *pend = NULL;
	size_t npend = 0, cap = 0;
	for (size_t j = 0; j < P->nitems; j++) {
		struct wx_item *it = &P->items[j];
		while (npend > 0 && P->items[pend[npend - 1]].level > it->level)
			npend--; /* aux stays WX_NONE: no name */
		if (it->kind == WX_ATTR) {
			for (size_t k = 0; k < npend; k++)
				P->items[pend[k]].aux = (uint32_t)j;
			npend = 0;
		} else if (it->kind == WX_VAR) {
			if (npend == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint32_t *n = realloc(pend, ncap * sizeof(*n));
				if (!n) {
					free(pend);
					return YG_ENOMEM;
				}
				pend = n;
				cap = ncap;
			}
			pend[npend++] = (uint32_t)j;
		}
	}
	free(pend);
	return YG_OK;
}

static bool wx_var_end(char c)
{
	return c == '$' || c == '\0' || c == '.' || c == '|' || c == ',' || c == ' ';
}

/* Replaces the `$NAME` references in one item's text as OS_ApplyVariables
 * does: a name runs up to `$ . | ,`, a space or the end; names are
 * case-insensitive; `$` followed by a terminator stays; `$(...)` (Wazuh's
 * field references) stays; any other unknown name is an error. Texts of two
 * bytes or less are left alone. A replacement keeps the text before it up to
 * os_xml's running position, which lags behind after a `$(...)`: so, like
 * Wazuh, "$(x) $A" gives "$" followed by A's value. The new text goes to the
 * string table; `*budget` bounds the bytes written. */
static yg_err wx_subst(struct wx_parser *P, const struct wx_vars *V, size_t idx, yg_buf *out,
                       size_t *budget)
{
	const char *s = wx_s(P, P->items[idx].content);
	size_t n = strlen(s);
	if (n <= 2)
		return YG_OK;

	yg_buf_reset(out);
	out->max = *budget;
	size_t p = 0, init = 0, raw = 0; /* result = out + s[raw..] */
	bool replaced = false;
	yg_err err;

	while (p < n) {
		if (s[p] != '$') {
			p++;
			init++;
			continue;
		}
		size_t start = ++p;
		while (!wx_var_end(s[p])) {
			if (p - start >= WX_VAR_MAXSIZE - 1)
				return wx_fail(P, YG_EPARSE, P->items[idx].line, NULL,
				               "Invalid variable name size: '%u'.",
				               (unsigned)(WX_VAR_MAXSIZE - 1));
			p++;
		}
		size_t len = p - start;
		uint32_t def = wx_var_find(P, V, s + start, len);
		if (def != WX_NONE) {
			/* os_xml keeps its text up to `init`, then the value,
			 * then the rest of the original text. */
			if (init <= out->len) {
				out->len = init;
			} else {
				size_t more = init - out->len;
				if (more > n - raw)
					more = n - raw;
				err = yg_buf_append(out, s + raw, more);
				if (err)
					goto fail;
			}
			const char *val = wx_s(P, P->items[def].content);
			err = yg_buf_append(out, val, strlen(val));
			if (err)
				goto fail;
			raw = p;
			init = out->len;
			replaced = true;
		}
		if (len > 0 && s[start] == '(')
			continue;
		if (def == WX_NONE && len > 0)
			return wx_fail(P, YG_EPARSE, P->items[idx].line, NULL,
			               "Unknown variable: '%.*s'.", (int)(len < 95 ? len : 95),
			               s + start);
		if (def == WX_NONE)
			init++;
	}
	if (!replaced)
		return YG_OK;
	err = yg_buf_append(out, s + raw, n - raw);
	if (err)
		goto fail;
	*budget -= out->len;
	return wx_str_add(P, out->data, out->len, &P->items[idx].content);
fail:
	if (err == YG_ELIMIT)
		return wx_fail(P, YG_ELIMIT, P->items[idx].line, NULL,
		               "variable expansion too large (max %zu bytes in all)",
		               (size_t)WX_MAX_EXPANSION);
	return err;
}

/* Step 2 as a whole: definitions and references in document order. */
static yg_err wx_apply_vars(struct wx_parser *P)
{
	struct wx_vars V = {0};
	yg_buf out;
	size_t budget = WX_MAX_EXPANSION;
	yg_err err = wx_var_names(P);
	if (err)
		return err;
	yg_buf_init(&out, budget);
	for (size_t i = 0; i < P->nitems && !err; i++) {
		struct wx_item *it = &P->items[i];
		if (it->kind == WX_VAR) {
			if (it->aux == WX_NONE) {
				err = wx_fail(P, YG_EPARSE, it->line, NULL,
				              "No value set for variable.");
				break;
			}
			const struct wx_item *na = &P->items[it->aux];
			if (!wx_caseeq("name", 4, wx_s(P, na->name))) {
				err = wx_fail(P, YG_EPARSE, na->line, NULL,
				              "Only \"name\" is allowed as an attribute for a "
				              "variable.");
				break;
			}
			if (strlen(wx_s(P, na->content)) >= WX_VAR_MAXSIZE) {
				err = wx_fail(P, YG_EPARSE, na->line, NULL,
				              "Invalid variable name size.");
				break;
			}
			/* Keep the name as it is now: os_xml holds on to the
			 * attribute's text before any substitution in it. */
			it->aux = na->content;
			err = wx_var_add(P, &V, (uint32_t)i);
		} else if (V.n > 0) {
			err = wx_subst(P, &V, i, &out, &budget);
		}
	}
	yg_buf_free(&out);
	free(V.slot);
	return err;
}

/* ---- step 3: the tree ---- */

/* Work arrays of wx_build, one entry per element. */
struct wx_tree {
	uint32_t *parent; /* node index of the parent, WX_NONE for none */
	uint32_t *nkids;  /* number of child elements */
	uint32_t *stack;  /* items of the open ancestors, levels increasing */
	size_t nnodes, nattrs, nlinks;
};

/* Shrinks the string table and hands it to the document: every pointer of
 * the tree goes into it, so it must not move afterwards. */
static void wx_give_strings(struct wx_parser *P, yg_wxml_doc *doc)
{
	if (P->strused > 0 && P->strused < P->strcap) {
		char *s = realloc(P->str, P->strused);
		if (s) {
			P->str = s;
			P->strcap = P->strused;
		}
	}
	doc->strings = P->str;
	P->str = NULL;
}

/* First pass: each element's parent (the open element one level up, as
 * OS_GetElementsbyNode finds it), the counts of children, roots and
 * attributes, and the node's own fields. */
static void wx_find_parents(const struct wx_parser *P, yg_wxml_doc *doc, struct wx_tree *T)
{
	size_t top = 0;
	for (size_t i = 0; i < P->nitems; i++) {
		const struct wx_item *it = &P->items[i];
		if (it->kind != WX_ELEM)
			continue;
		uint32_t k = it->aux;
		while (top > 0 && P->items[T->stack[top - 1]].level >= it->level)
			top--;
		T->parent[k] = WX_NONE;
		if (top > 0 && P->items[T->stack[top - 1]].level + 1 == it->level)
			T->parent[k] = P->items[T->stack[top - 1]].aux;
		T->stack[top++] = (uint32_t)i;
		if (T->parent[k] != WX_NONE) {
			T->nkids[T->parent[k]]++;
			T->nlinks++;
		} else if (it->level == 0) {
			doc->nroots++;
			T->nlinks++;
		}
		yg_wxml_node *nd = &doc->nodes[k];
		nd->name = doc->strings + it->name;
		nd->content = doc->strings + it->content;
		nd->line = it->line;
		for (size_t j = i + 1;
		     j < P->nitems && P->items[j].kind == WX_ATTR && P->items[j].level == it->level;
		     j++)
			nd->nattrs++;
		T->nattrs += nd->nattrs;
	}
}

/* Allocates the pointer and attribute arrays and lays the lists out in
 * them: roots first, then each node's children. */
static yg_err wx_layout(yg_wxml_doc *doc, const struct wx_tree *T)
{
	if (T->nlinks && !(doc->ptrs = malloc(T->nlinks * sizeof(*doc->ptrs))))
		return YG_ENOMEM;
	if (T->nattrs && !(doc->attrs = malloc(T->nattrs * sizeof(*doc->attrs))))
		return YG_ENOMEM;
	size_t at = doc->nroots, aat = 0;
	for (size_t k = 0; k < T->nnodes; k++) {
		yg_wxml_node *nd = &doc->nodes[k];
		if (T->nkids[k]) {
			nd->children = doc->ptrs + at;
			at += T->nkids[k];
		}
		if (nd->nattrs) {
			nd->attrs = doc->attrs + aat;
			aat += nd->nattrs;
		}
	}
	return YG_OK;
}

/* Second pass: fills the children, roots and attributes in document order. */
static void wx_fill(const struct wx_parser *P, yg_wxml_doc *doc, const struct wx_tree *T)
{
	size_t nroot = 0;
	for (size_t i = 0; i < P->nitems; i++) {
		const struct wx_item *it = &P->items[i];
		if (it->kind != WX_ELEM)
			continue;
		uint32_t k = it->aux;
		yg_wxml_node *nd = &doc->nodes[k];
		if (T->parent[k] != WX_NONE) {
			yg_wxml_node *pn = &doc->nodes[T->parent[k]];
			pn->children[pn->nchildren++] = nd;
		} else if (it->level == 0) {
			doc->ptrs[nroot++] = nd;
		}
		for (size_t j = 0; j < nd->nattrs; j++) {
			const struct wx_item *a = &P->items[i + 1 + j];
			nd->attrs[j].name = doc->strings + a->name;
			nd->attrs[j].value = doc->strings + a->content;
		}
	}
}

/* Builds the public tree from the flat list into `doc`, taking the string
 * table. Elements get the attributes that directly follow them, and the
 * elements one level deeper up to the next element at their level or above
 * (a monotonic stack finds each element's parent in one pass). */
static yg_err wx_build(struct wx_parser *P, yg_wxml_doc *doc)
{
	struct wx_tree T = {0};
	yg_err err = YG_ENOMEM;

	for (size_t i = 0; i < P->nitems; i++)
		if (P->items[i].kind == WX_ELEM)
			P->items[i].aux = (uint32_t)T.nnodes++;
	wx_give_strings(P, doc);
	if (T.nnodes == 0)
		return YG_OK;

	T.parent = malloc(T.nnodes * sizeof(*T.parent));
	T.nkids = calloc(T.nnodes, sizeof(*T.nkids));
	T.stack = malloc(WX_MAX_DEPTH * sizeof(*T.stack));
	doc->nodes = calloc(T.nnodes, sizeof(*doc->nodes));
	if (!T.parent || !T.nkids || !T.stack || !doc->nodes)
		goto out;
	wx_find_parents(P, doc, &T);
	err = wx_layout(doc, &T);
	if (!err)
		wx_fill(P, doc, &T);
out:
	free(T.parent);
	free(T.nkids);
	free(T.stack);
	return err;
}

/* ---- public interface ---- */

void yg_wxml_doc_destroy(yg_wxml_doc *doc)
{
	if (!doc)
		return;
	free(doc->name);
	free(doc->strings);
	free(doc->nodes);
	free(doc->ptrs);
	free(doc->attrs);
	free(doc);
}

yg_err yg_wxml_parse_buffer_ex(const char *text, size_t len, const char *name, unsigned flags,
                               yg_diag *diag, yg_wxml_doc **out)
{
	if (!out || (!text && len))
		return YG_EINVAL;
	*out = NULL;
	if (!name)
		name = "(buffer)";
	if (len > WX_MAX_INPUT) {
		yg_diag_add(diag, YG_SEV_ERROR, name, 0, NULL,
		            "file too large (%zu bytes, max %zu)", len, WX_MAX_INPUT);
		return YG_ELIMIT;
	}

	struct wx_parser *P = malloc(sizeof(*P));
	yg_wxml_doc *doc = calloc(1, sizeof(*doc));
	yg_err err = YG_ENOMEM;
	if (!P || !doc)
		goto out;
	P->p = (const unsigned char *)text;
	P->end = P->p + len;
	P->line = 1;
	P->nstash = 0;
	P->name = name;
	P->diag = diag;
	P->items = NULL;
	P->nitems = P->capitems = 0;
	P->str = NULL;
	P->strused = P->strcap = 0;
	doc->name = strdup(name);
	uint32_t empty;
	if (!doc->name || (err = wx_str_add(P, "", 0, &empty)) != YG_OK)
		goto out;

	err = wx_read(P);
	if (!err && !(flags & YG_WXML_NO_VARS))
		err = wx_apply_vars(P);
	if (!err)
		err = wx_build(P, doc);
out:
	if (err == YG_ENOMEM)
		yg_diag_add(diag, YG_SEV_ERROR, name, 0, NULL, "out of memory");
	if (P) {
		free(P->items);
		free(P->str);
		free(P);
	}
	if (err) {
		yg_wxml_doc_destroy(doc);
		return err;
	}
	*out = doc;
	return YG_OK;
}

yg_err yg_wxml_parse_buffer(const char *text, size_t len, const char *name, yg_diag *diag,
                            yg_wxml_doc **out)
{
	return yg_wxml_parse_buffer_ex(text, len, name, 0, diag, out);
}

/* Reads the whole file at `path` (at most WX_MAX_INPUT bytes) into *buf. */
static yg_err wx_slurp(const char *path, yg_diag *diag, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "cannot open: %s", strerror(errno));
		return YG_EIO;
	}
	struct stat sb;
	size_t cap = 1 << 16;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0) {
		if ((unsigned long long)sb.st_size > WX_MAX_INPUT) {
			fclose(f);
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL,
			            "file too large (%lld bytes, max %zu)", (long long)sb.st_size,
			            WX_MAX_INPUT);
			return YG_ELIMIT;
		}
		cap = (size_t)sb.st_size + 1;
	}
	char *b = malloc(cap);
	size_t n = 0;
	yg_err err = YG_OK;
	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f))
				err = YG_EIO;
			break;
		}
		if (cap > WX_MAX_INPUT) {
			err = YG_ELIMIT;
			break;
		}
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	if (!b)
		err = YG_ENOMEM;
	if (err) {
		if (err == YG_EIO)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "read error");
		else if (err == YG_ELIMIT)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "file too large (max %zu)",
			            WX_MAX_INPUT);
		else
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "out of memory");
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return YG_OK;
}

yg_err yg_wxml_parse_file_ex(const char *path, unsigned flags, yg_diag *diag, yg_wxml_doc **out)
{
	if (!out || !path)
		return YG_EINVAL;
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	yg_err err = wx_slurp(path, diag, &buf, &len);
	if (err)
		return err;
	err = yg_wxml_parse_buffer_ex(buf, len, path, flags, diag, out);
	free(buf);
	return err;
}

yg_err yg_wxml_parse_file(const char *path, yg_diag *diag, yg_wxml_doc **out)
{
	return yg_wxml_parse_file_ex(path, 0, diag, out);
}

size_t yg_wxml_doc_nroots(const yg_wxml_doc *doc)
{
	return doc ? doc->nroots : 0;
}

const yg_wxml_node *yg_wxml_doc_root(const yg_wxml_doc *doc, size_t i)
{
	return (doc && i < doc->nroots) ? doc->ptrs[i] : NULL;
}

const char *yg_wxml_doc_name(const yg_wxml_doc *doc)
{
	return doc ? doc->name : NULL;
}

const char *yg_wxml_attr_get(const yg_wxml_node *node, const char *name)
{
	if (!node || !name)
		return NULL;
	for (size_t i = 0; i < node->nattrs; i++)
		if (strcmp(node->attrs[i].name, name) == 0)
			return node->attrs[i].value;
	return NULL;
}
