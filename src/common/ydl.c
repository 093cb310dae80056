/* ydl.c: see ydl.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/ydl.h"

static pthread_mutex_t dl_mu = PTHREAD_MUTEX_INITIALIZER;

static bool load_locked(yg_dl_lib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(lib->error, sizeof(lib->error), "%s", e ? e : lib->soname);
		return false;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *f = dlsym(h, lib->syms[i].name);
		if (!f) {
			snprintf(lib->error, sizeof(lib->error), "%s: no function %s", lib->soname,
			         lib->syms[i].name);
			dlclose(h);
			return false;
		}
		/* POSIX: a function's address comes as a void *; copied, not
		 * cast, into the function pointer */
		memcpy(lib->syms[i].slot, &f, sizeof(f));
	}
	return true;
}

bool yg_dl_load(yg_dl_lib *lib)
{
	pthread_mutex_lock(&dl_mu);
	if (lib->state == 0)
		lib->state = load_locked(lib) ? 1 : -1;
	bool ok = lib->state == 1;
	pthread_mutex_unlock(&dl_mu);
	return ok;
}
