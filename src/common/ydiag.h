/* ydiag.h: diagnostics for people.
 *
 * A yg_diag collects messages about configuration, rules and decoders, each
 * naming the file, the line and the element it is about, so that `-t` modes can
 * print every problem at once instead of stopping at the first. Loading code
 * reports into a diag and keeps going where it safely can. */
#ifndef YAGURA_YDIAG_H
#define YAGURA_YDIAG_H

#include <stddef.h>
#include <stdio.h>

typedef enum yg_severity {
	YG_SEV_WARNING,
	YG_SEV_ERROR,
} yg_severity;

typedef struct yg_diag yg_diag;

typedef struct yg_diag_entry {
	yg_severity severity;
	const char *file;    /* may be NULL */
	int line;            /* 0 when unknown */
	const char *element; /* XML element or option name, may be NULL */
	const char *message;
} yg_diag_entry;

yg_diag *yg_diag_create(void);
void yg_diag_destroy(yg_diag *diag);

/* Records a message; file/element may be NULL, line may be 0. Never fails
 * visibly: if memory runs out the message is counted but not kept. */
void yg_diag_add(yg_diag *diag, yg_severity sev, const char *file, int line, const char *element,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

size_t yg_diag_count(const yg_diag *diag);
size_t yg_diag_errors(const yg_diag *diag);
size_t yg_diag_warnings(const yg_diag *diag);
const yg_diag_entry *yg_diag_get(const yg_diag *diag, size_t i);

/* Prints every entry as "file:line: error: <element>: message". */
void yg_diag_print(const yg_diag *diag, FILE *out);

#endif
