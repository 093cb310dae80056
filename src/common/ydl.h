/* ydl.h: a shared library loaded when a feature is first used.
 *
 * An idle agent's memory is mostly the pages of the libraries it maps
 * (BENCHMARKS.md), so libraries needed only by an optional feature (libyara
 * for <yara>, libsystemd for a journald <localfile>) are not linked: the
 * module that needs one describes the functions it calls in a table, and
 * loads it on first use. The table is filled once per process (any thread;
 * a failure is remembered and reported again the same way). */
#ifndef YAGURA_COMMON_YDL_H
#define YAGURA_COMMON_YDL_H

#include <stdbool.h>
#include <stddef.h>

/* One function of the library: its name and where its address goes (the
 * address of a function pointer of the right type, as void *). */
typedef struct yg_dl_sym {
	const char *name;
	void *slot;
} yg_dl_sym;

/* A library and its functions; `once` and the result are the loader's. */
typedef struct yg_dl_lib {
	const char *soname; /* "libyara.so.9": the soname linked against */
	const yg_dl_sym *syms;
	size_t nsyms;
	int state;       /* 0 not tried, 1 loaded, -1 failed */
	char error[256]; /* why it failed */
} yg_dl_lib;

/* Loads lib (once; later calls return the first result). True when every
 * function was found; false with the reason in lib->error ("libyara.so.9:
 * cannot open shared object file..."). The library stays loaded. */
bool yg_dl_load(yg_dl_lib *lib);

#endif
