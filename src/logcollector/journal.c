/* journal.c: the systemd journal through sd_journal (see journal.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "common/ydl.h"
#include "logcollector/journal.h"

/* libsystemd is loaded when a journal is first opened (common/ydl.h): a
 * daemon without a journald <localfile> does not map it and its
 * dependency tree (gcrypt, zstd, lzma, lz4, cap), about 1 MB of an idle
 * agent's RSS. The headers give the types. */
static struct {
	__typeof__(sd_id128_get_machine) *sd_id128_get_machine;
	__typeof__(sd_id128_to_string) *sd_id128_to_string;
	__typeof__(sd_journal_close) *sd_journal_close;
	__typeof__(sd_journal_get_cursor) *sd_journal_get_cursor;
	__typeof__(sd_journal_get_data) *sd_journal_get_data;
	__typeof__(sd_journal_get_fd) *sd_journal_get_fd;
	__typeof__(sd_journal_get_realtime_usec) *sd_journal_get_realtime_usec;
	__typeof__(sd_journal_next) *sd_journal_next;
	__typeof__(sd_journal_open) *sd_journal_open;
	__typeof__(sd_journal_open_directory) *sd_journal_open_directory;
	__typeof__(sd_journal_open_files) *sd_journal_open_files;
	__typeof__(sd_journal_previous) *sd_journal_previous;
	__typeof__(sd_journal_process) *sd_journal_process;
	__typeof__(sd_journal_seek_cursor) *sd_journal_seek_cursor;
	__typeof__(sd_journal_seek_head) *sd_journal_seek_head;
	__typeof__(sd_journal_seek_tail) *sd_journal_seek_tail;
	__typeof__(sd_journal_test_cursor) *sd_journal_test_cursor;
} sdj;

static const yg_dl_sym sdj_syms[] = {
        {"sd_id128_get_machine", &sdj.sd_id128_get_machine},
        {"sd_id128_to_string", &sdj.sd_id128_to_string},
        {"sd_journal_close", &sdj.sd_journal_close},
        {"sd_journal_get_cursor", &sdj.sd_journal_get_cursor},
        {"sd_journal_get_data", &sdj.sd_journal_get_data},
        {"sd_journal_get_fd", &sdj.sd_journal_get_fd},
        {"sd_journal_get_realtime_usec", &sdj.sd_journal_get_realtime_usec},
        {"sd_journal_next", &sdj.sd_journal_next},
        {"sd_journal_open", &sdj.sd_journal_open},
        {"sd_journal_open_directory", &sdj.sd_journal_open_directory},
        {"sd_journal_open_files", &sdj.sd_journal_open_files},
        {"sd_journal_previous", &sdj.sd_journal_previous},
        {"sd_journal_process", &sdj.sd_journal_process},
        {"sd_journal_seek_cursor", &sdj.sd_journal_seek_cursor},
        {"sd_journal_seek_head", &sdj.sd_journal_seek_head},
        {"sd_journal_seek_tail", &sdj.sd_journal_seek_tail},
        {"sd_journal_test_cursor", &sdj.sd_journal_test_cursor},
};

static yg_dl_lib sdj_lib = {.soname = "libsystemd.so.0",
                            .syms = sdj_syms,
                            .nsyms = sizeof(sdj_syms) / sizeof(sdj_syms[0])};

/* False, with the reason in err, when libsystemd cannot be loaded. */
static bool load_sd(char *err, size_t errlen)
{
	if (yg_dl_load(&sdj_lib))
		return true;
	snprintf(err, errlen, "cannot read the journal without libsystemd: %s", sdj_lib.error);
	return false;
}

struct yg_journal {
	sd_journal *j;
	char *dir;    /* the directory opened, NULL for the system journal or files */
	bool files;   /* opened from a list of files */
	bool peeked;  /* the reader already stands on an entry next() must return */
	bool have;    /* it stands on an entry */
	bool watched; /* sd_journal_get_fd was called: process() sees new files */
};

static yg_journal *finish_open(sd_journal *sj, int r, const char *what, char *err, size_t errlen)
{
	if (r < 0) {
		snprintf(err, errlen, "cannot open the journal %s: %s", what, strerror(-r));
		return NULL;
	}
	yg_journal *j = calloc(1, sizeof(*j));
	if (!j) {
		sdj.sd_journal_close(sj);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->j = sj;
	/* the inotify descriptor must exist before sd_journal_process can tell
	 * about files added later; a failure only costs that */
	j->watched = sdj.sd_journal_get_fd(sj) >= 0;
	return j;
}

yg_journal *yg_journal_open(const char *dir, char *err, size_t errlen)
{
	if (!load_sd(err, errlen))
		return NULL;
	sd_journal *sj = NULL;
	int r = dir ? sdj.sd_journal_open_directory(&sj, dir, 0)
	            : sdj.sd_journal_open(&sj, SD_JOURNAL_LOCAL_ONLY);
	yg_journal *j = finish_open(sj, r, dir ? dir : "(system)", err, errlen);
	if (j && dir && !(j->dir = strdup(dir))) {
		yg_journal_close(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return j;
}

yg_journal *yg_journal_open_files(const char *const *paths, size_t n, char *err, size_t errlen)
{
	if (!load_sd(err, errlen))
		return NULL;
	const char **v = calloc(n + 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = paths[i];
	sd_journal *sj = NULL;
	int r = sdj.sd_journal_open_files(&sj, v, 0);
	free(v);
	yg_journal *j = finish_open(sj, r, n ? paths[0] : "", err, errlen);
	if (j)
		j->files = true;
	return j;
}

void yg_journal_close(yg_journal *j)
{
	if (!j)
		return;
	sdj.sd_journal_close(j->j);
	free(j->dir);
	free(j);
}

int yg_journal_seek(yg_journal *j, const char *cursor, bool tail)
{
	j->peeked = j->have = false;
	int r;
	if (cursor) {
		if ((r = sdj.sd_journal_seek_cursor(j->j, cursor)) < 0)
			return r;
		if ((r = sdj.sd_journal_next(j->j)) <= 0)
			return r; /* nothing at or after it yet */
		j->have = true;
		/* the entry itself was accepted: skip it. A different entry
		 * means the cursor's is gone and this one comes after it. */
		if (sdj.sd_journal_test_cursor(j->j, cursor) <= 0)
			j->peeked = true;
		return 0;
	}
	if (!tail)
		return sdj.sd_journal_seek_head(j->j);
	if ((r = sdj.sd_journal_seek_tail(j->j)) < 0)
		return r;
	/* stand on the last entry, so next() gives the first new one; the
	 * end of an empty journal is its start (from the tail, libsystemd
	 * would miss the first entries of files that appear later) */
	r = sdj.sd_journal_previous(j->j);
	if (r > 0)
		j->have = true;
	if (r == 0)
		return sdj.sd_journal_seek_head(j->j);
	return r < 0 ? r : 0;
}

int yg_journal_next(yg_journal *j)
{
	if (j->peeked) {
		j->peeked = false;
		return 1;
	}
	if (j->watched)
		(void)sdj.sd_journal_process(j->j);
	int r = sdj.sd_journal_next(j->j);
	if (r > 0)
		j->have = true;
	return r;
}

bool yg_journal_field(yg_journal *j, const char *name, const char **val, size_t *len)
{
	const void *d;
	size_t n;
	if (sdj.sd_journal_get_data(j->j, name, &d, &n) < 0)
		return false;
	size_t k = strlen(name) + 1; /* "NAME=" */
	if (n < k)
		return false;
	*val = (const char *)d + k;
	*len = n - k;
	return true;
}

char *yg_journal_cursor(yg_journal *j)
{
	char *c = NULL;
	if (!j->have || sdj.sd_journal_get_cursor(j->j, &c) < 0)
		return NULL;
	return c;
}

/* Appends what fits of data to out (a line longer than its bound is cut,
 * as the collector cuts long lines); YG_ELIMIT when something was cut. */
static yg_err put(yg_buf *out, const void *data, size_t len)
{
	size_t room = out->max > out->len ? out->max - out->len : 0;
	yg_err err = yg_buf_append(out, data, len < room ? len : room);
	return err ? err : len > room ? YG_ELIMIT : YG_OK;
}

/* Appends field `name` (else `alt`, else `def`) to out. */
static yg_err put_field(yg_journal *j, yg_buf *out, const char *name, const char *alt,
                        const char *def)
{
	const char *v;
	size_t n;
	if (yg_journal_field(j, name, &v, &n) || (alt && yg_journal_field(j, alt, &v, &n)))
		return put(out, v, n);
	return put(out, def, strlen(def));
}

yg_err yg_journal_format(yg_journal *j, yg_buf *out)
{
	const char *msg, *pid;
	size_t msglen, pidlen;
	if (!yg_journal_field(j, "MESSAGE", &msg, &msglen))
		return YG_ENOTFOUND;
	uint64_t usec = 0;
	if (sdj.sd_journal_get_realtime_usec(j->j, &usec) < 0)
		return YG_ENOTFOUND;
	time_t t = (time_t)(usec / 1000000u);
	struct tm tm;
	char ts[32];
	/* Wazuh: "%b %d %T" of the entry's time in UTC */
	if (!gmtime_r(&t, &tm) || strftime(ts, sizeof(ts), "%b %d %T ", &tm) == 0)
		return YG_ENOTFOUND;
	char host[256] = "localhost";
	const char *hv;
	size_t hl;
	if (!yg_journal_field(j, "_HOSTNAME", &hv, &hl))
		gethostname(host, sizeof(host) - 1);
	yg_err err = put(out, ts, strlen(ts));
	if (!err)
		err = put_field(j, out, "_HOSTNAME", NULL, host);
	if (!err)
		err = put(out, " ", 1);
	if (!err)
		err = put_field(j, out, "SYSLOG_IDENTIFIER", "_COMM", "unknown");
	if (!err && (yg_journal_field(j, "SYSLOG_PID", &pid, &pidlen) ||
	             yg_journal_field(j, "_PID", &pid, &pidlen))) {
		err = put(out, "[", 1);
		if (!err)
			err = put(out, pid, pidlen);
		if (!err)
			err = put(out, "]", 1);
	}
	if (!err)
		err = put(out, ": ", 2);
	if (!err)
		err = put(out, msg, msglen);
	return err;
}

size_t yg_journal_dirs(const yg_journal *j, char (*out)[4096], size_t max)
{
	size_t n = 0;
	if (j->files || max == 0)
		return 0;
	if (j->dir) {
		snprintf(out[n++], 4096, "%s", j->dir);
		return n;
	}
	sd_id128_t id;
	char s[SD_ID128_STRING_MAX];
	if (sdj.sd_id128_get_machine(&id) < 0)
		return 0;
	sdj.sd_id128_to_string(id, s);
	static const char *const roots[] = {"/run/log/journal", "/var/log/journal"};
	for (size_t i = 0; i < 2 && n < max; i++)
		snprintf(out[n++], 4096, "%s/%s", roots[i], s);
	return n;
}
