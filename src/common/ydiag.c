#include "common/ydiag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Past this many entries a runaway ruleset would only bury the first, most
 * useful messages; the rest are counted. */
#define YG_DIAG_MAX_ENTRIES 10000

struct yg_diag {
	yg_diag_entry *entries;
	size_t n, cap;
	size_t errors, warnings;
};

yg_diag *yg_diag_create(void)
{
	return calloc(1, sizeof(yg_diag));
}

void yg_diag_destroy(yg_diag *diag)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->n; i++) {
		free((char *)diag->entries[i].file);
		free((char *)diag->entries[i].element);
		free((char *)diag->entries[i].message);
	}
	free(diag->entries);
	free(diag);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void yg_diag_add(yg_diag *diag, yg_severity sev, const char *file, int line, const char *element,
                 const char *fmt, ...)
{
	if (!diag)
		return;
	if (sev == YG_SEV_ERROR)
		diag->errors++;
	else
		diag->warnings++;
	if (diag->n >= YG_DIAG_MAX_ENTRIES)
		return;
	if (diag->n == diag->cap) {
		size_t cap = diag->cap ? diag->cap * 2 : 16;
		yg_diag_entry *e = realloc(diag->entries, cap * sizeof(*e));
		if (!e)
			return;
		diag->entries = e;
		diag->cap = cap;
	}
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	yg_diag_entry *e = &diag->entries[diag->n];
	e->severity = sev;
	e->file = dup_or_null(file);
	e->line = line;
	e->element = dup_or_null(element);
	e->message = strdup(buf);
	if (!e->message) {
		free((char *)e->file);
		free((char *)e->element);
		return;
	}
	diag->n++;
}

size_t yg_diag_count(const yg_diag *diag)
{
	return diag ? diag->n : 0;
}

size_t yg_diag_errors(const yg_diag *diag)
{
	return diag ? diag->errors : 0;
}

size_t yg_diag_warnings(const yg_diag *diag)
{
	return diag ? diag->warnings : 0;
}

const yg_diag_entry *yg_diag_get(const yg_diag *diag, size_t i)
{
	return (diag && i < diag->n) ? &diag->entries[i] : NULL;
}

void yg_diag_print(const yg_diag *diag, FILE *out)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->n; i++) {
		const yg_diag_entry *e = &diag->entries[i];
		if (e->file && e->line)
			fprintf(out, "%s:%d: ", e->file, e->line);
		else if (e->file)
			fprintf(out, "%s: ", e->file);
		fprintf(out, "%s: ", e->severity == YG_SEV_ERROR ? "error" : "warning");
		if (e->element)
			fprintf(out, "<%s>: ", e->element);
		fprintf(out, "%s\n", e->message);
	}
	size_t kept = diag->n, total = diag->errors + diag->warnings;
	if (total > kept)
		fprintf(out, "(%zu more messages not shown)\n", total - kept);
}
