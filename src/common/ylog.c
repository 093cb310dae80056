/* ylog.c: see ylog.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "common/ylog.h"

struct yg_log {
	pthread_mutex_t mu;
	bool journal;
	bool also_stderr;
	FILE *f;
	char *path;
	char *ident;
	uint64_t max_bytes;
	uint64_t size; /* of the open file, as far as we wrote it */
	dev_t dev;     /* identity of the open file, to notice a rename */
	ino_t ino;
	long long last_check; /* s, the last stat of the path */
};

/* True when stderr is the stream systemd named in JOURNAL_STREAM
 * ("DEV:INO"): only then did the journal start us, rather than a shell
 * that inherited the variable. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	if (!js || !*js)
		return false;
	unsigned long long dev = 0, ino = 0;
	if (sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* (Re)opens l->path for appending; false with errno set. */
static bool open_file(yg_log *l)
{
	int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return false;
	FILE *f = fdopen(fd, "a");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
		return false;
	}
	struct stat st;
	if (fstat(fd, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
		l->size = (uint64_t)st.st_size;
	}
	if (l->f)
		fclose(l->f);
	l->f = f;
	return true;
}

yg_err yg_log_open(const char *path, const char *ident, uint64_t max_bytes, bool also_stderr,
                   yg_log **out)
{
	*out = NULL;
	yg_log *l = calloc(1, sizeof(*l));
	if (!l)
		return YG_ENOMEM;
	pthread_mutex_init(&l->mu, NULL);
	l->journal = stderr_is_journal();
	l->also_stderr = also_stderr && !l->journal;
	l->max_bytes = max_bytes ? max_bytes : YG_LOG_MAX_BYTES;
	l->path = strdup(path);
	l->ident = strdup(ident);
	if (!l->path || !l->ident) {
		yg_log_close(l);
		return YG_ENOMEM;
	}
	if (!l->journal && !open_file(l)) {
		int e = errno;
		yg_log_close(l);
		errno = e;
		return YG_EIO;
	}
	*out = l;
	return YG_OK;
}

void yg_log_close(yg_log *l)
{
	if (!l)
		return;
	if (l->f)
		fclose(l->f);
	free(l->path);
	free(l->ident);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

bool yg_log_to_journal(const yg_log *l)
{
	return l && l->journal;
}

yg_log_prio yg_log_prio_of(const char *level)
{
	if (!strcmp(level, "ERROR") || !strcmp(level, "CRITICAL"))
		return YG_LOG_ERROR;
	if (!strcmp(level, "WARNING"))
		return YG_LOG_WARNING;
	if (!strcmp(level, "DEBUG"))
		return YG_LOG_DEBUG;
	return YG_LOG_INFO;
}

/* Before a write: rotate at the size bound, and reopen when the path no
 * longer names our file (logrotate moved it). The path is looked at once a
 * second at most. Failures keep the old stream: a message is never dropped
 * for a rotation problem. */
static void maintain(yg_log *l)
{
	if (l->size >= l->max_bytes) {
		char old[4096];
		int w = snprintf(old, sizeof(old), "%s.1", l->path);
		if (w > 0 && (size_t)w < sizeof(old) && rename(l->path, old) == 0)
			open_file(l);
		return;
	}
	time_t now = time(NULL);
	if (now == l->last_check)
		return;
	l->last_check = now;
	struct stat st;
	if (stat(l->path, &st) != 0 || st.st_dev != l->dev || st.st_ino != l->ino)
		open_file(l);
}

void yg_log_write(yg_log *l, yg_log_prio prio, const char *level, int id, const char *msg)
{
	if (l && l->journal) {
		sd_journal_send("MESSAGE=YG-%d %s", id, msg, "PRIORITY=%d", (int)prio,
		                "SYSLOG_IDENTIFIER=%s", l->ident, "YAGURA_MSG_ID=%d", id, NULL);
		return;
	}
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
	const char *ident = l ? l->ident : "yagura";
	if (l) {
		pthread_mutex_lock(&l->mu);
		maintain(l);
		int n = fprintf(l->f, "%s %s: %s: YG-%d %s\n", ts, ident, level, id, msg);
		fflush(l->f);
		if (n > 0)
			l->size += (uint64_t)n;
		pthread_mutex_unlock(&l->mu);
	}
	if (!l || l->also_stderr)
		fprintf(stderr, "%s %s: %s: YG-%d %s\n", ts, ident, level, id, msg);
}

/* ---- systemd ---- */

void yg_sd_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
}

void yg_sd_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long us =
	        (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", us);
}

void yg_sd_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

long long yg_sd_watchdog_interval_ms(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	long long ms = (long long)(usec / 2000);
	return ms > 0 ? ms : 1;
}

void yg_sd_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}
