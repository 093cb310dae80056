/* ylog.c: see ylog.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/ydaemon.h"
#include "common/ylog.h"
#include "common/ylogfmt.h"

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
	int jfd;              /* datagram socket to the journal, journal mode */
	yg_logrl *rl;         /* yg_log_msg's rate limiter */
};

/* Where journald reads its native protocol (systemd.journal-fields(7),
 * "Native Journal Protocol"). */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Sends one datagram to the AF_UNIX socket `path` ('@' first: abstract),
 * on fd when it is >= 0, else on a socket of its own. The protocols of
 * systemd are a few datagrams: written here rather than linking
 * libsystemd, whose dependency tree (gcrypt, zstd, lzma, lz4, cap) is
 * about 1 MB of an idle agent's RSS (BENCHMARKS.md). */
static bool send_dgram(int fd, const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n < 2 || n >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return false;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int s = fd >= 0 ? fd : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	ssize_t w;
	do
		w = sendto(s, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	while (w < 0 && errno == EINTR);
	if (fd < 0)
		close(s);
	return w == (ssize_t)len;
}

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
	l->jfd = -1;
	l->journal = stderr_is_journal();
	if (l->journal)
		l->jfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l->also_stderr = also_stderr && !l->journal;
	l->max_bytes = max_bytes ? max_bytes : YG_LOG_MAX_BYTES;
	l->path = strdup(path);
	l->ident = strdup(ident);
	l->rl = yg_logrl_create(YG_LOGRL_BURST, YG_LOGRL_WINDOW);
	if (!l->path || !l->ident || !l->rl) {
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
	if (l->jfd >= 0)
		close(l->jfd);
	yg_logrl_destroy(l->rl);
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

/* Appends the journal field KEY=VALUE to b (at most n bytes) in the
 * native protocol: "KEY=VALUE\n", or, when the value holds a newline,
 * "KEY\n", its length as 64-bit little endian, the value and "\n".
 * Returns the new length, or 0 when it does not fit. */
static size_t put_jfield(char *b, size_t at, size_t n, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);
	bool binary = memchr(val, '\n', vl) != NULL;
	size_t need = kl + 1 + (binary ? 8 : 0) + vl + 1;
	if (at + need > n)
		return 0;
	memcpy(b + at, key, kl);
	at += kl;
	b[at++] = binary ? '\n' : '=';
	if (binary)
		for (int i = 0; i < 8; i++)
			b[at++] = (char)((uint64_t)vl >> (8 * i) & 0xff);
	memcpy(b + at, val, vl);
	at += vl;
	b[at++] = '\n';
	return at;
}

/* One entry to the journal: MESSAGE "YG-ID MSG", PRIORITY,
 * SYSLOG_IDENTIFIER and YAGURA_MSG_ID. A message that does not fit the
 * datagram (our messages are bounded far below) goes to stderr, which is
 * the journal's stream too. */
static void journal_write(yg_log *l, yg_log_prio prio, int id, const char *msg)
{
	char m[4096], num[16], pr[4], d[8192];
	snprintf(m, sizeof(m), "YG-%d %s", id, msg);
	snprintf(num, sizeof(num), "%d", id);
	snprintf(pr, sizeof(pr), "%d", (int)prio);
	size_t at = put_jfield(d, 0, sizeof(d), "MESSAGE", m);
	at = at ? put_jfield(d, at, sizeof(d), "PRIORITY", pr) : 0;
	at = at ? put_jfield(d, at, sizeof(d), "SYSLOG_IDENTIFIER", l->ident) : 0;
	at = at ? put_jfield(d, at, sizeof(d), "YAGURA_MSG_ID", num) : 0;
	if (!at || !send_dgram(l->jfd, JOURNAL_SOCKET, d, at))
		fprintf(stderr, "<%d>%s\n", (int)prio, m);
}

void yg_log_write(yg_log *l, yg_log_prio prio, const char *level, int id, const char *msg)
{
	if (l && l->journal) {
		journal_write(l, prio, id, msg);
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

/* ---- numbered messages ---- */

static void log_suppressed(void *ctx, int id, const char *fmt, unsigned long n)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "%lu %s suppressed in the last %d s", n,
	         fmt ? "similar messages" : "messages over the log's rate limit", YG_LOGRL_WINDOW);
	yg_log_write(ctx, YG_LOG_WARNING, "WARNING", id, msg);
}

void yg_log_vmsg(yg_log *l, bool limited, const char *level, int id, const char *fmt, va_list ap)
{
	char msg[2048];
	yg_log_vformat(msg, sizeof(msg), fmt, ap);
	if (limited && l &&
	    !yg_logrl_allow(l->rl, id, fmt, msg, (int64_t)yg_now_ms() / 1000, log_suppressed, l))
		return;
	yg_log_write(l, yg_log_prio_of(level), level, id, msg);
}

void yg_log_msg(yg_log *l, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yg_log_vmsg(l, true, level, id, fmt, ap);
	va_end(ap);
}

static void log_unlimited(yg_log *l, const char *level, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void log_unlimited(yg_log *l, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yg_log_vmsg(l, false, level, id, fmt, ap);
	va_end(ap);
}

void yg_log_diag(yg_log *l, int id, const yg_diag *d)
{
	for (size_t i = 0; d && i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		log_unlimited(l, e->severity == YG_SEV_ERROR ? "ERROR" : "WARNING", id,
		              "%s:%d: %s: %s", e->file ? e->file : "-", e->line,
		              e->element ? e->element : "-", e->message);
	}
}

void yg_log_module(yg_log *l, const char *level, int id, const char *module, const char *msg)
{
	if (!strcmp(level, "DEBUG"))
		return;
	char prefix[24];
	int n = snprintf(prefix, sizeof(prefix), "(%d): ", id);
	if (n > 0 && !strncmp(msg, prefix, (size_t)n))
		msg += n;
	yg_log_msg(l, level, id, "%s: %s", module, msg);
}

/* ---- systemd ---- */

/* sd_notify(3) by hand: the state lines as one datagram to
 * $NOTIFY_SOCKET; nothing without it (not started by systemd). */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path && *path)
		(void)send_dgram(-1, path, state, strlen(state));
}

void yg_sd_ready(const char *status)
{
	char b[512];
	snprintf(b, sizeof(b), "READY=1\nSTATUS=%s", status ? status : "running");
	notify(b);
}

void yg_sd_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long us =
	        (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
	char b[96];
	snprintf(b, sizeof(b), "RELOADING=1\nMONOTONIC_USEC=%llu", us);
	notify(b);
}

void yg_sd_stopping(void)
{
	notify("STOPPING=1");
}

/* sd_watchdog_enabled(3): $WATCHDOG_USEC, for us when $WATCHDOG_PID is
 * unset or our pid. */
long long yg_sd_watchdog_interval_ms(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (!us || !*us)
		return 0;
	char *end = NULL;
	if (pid && *pid) {
		errno = 0;
		long p = strtol(pid, &end, 10);
		if (errno || *end || p != (long)getpid())
			return 0;
	}
	errno = 0;
	unsigned long long usec = strtoull(us, &end, 10);
	if (errno || *end || usec == 0)
		return 0;
	long long ms = (long long)(usec / 2000);
	return ms > 0 ? ms : 1;
}

void yg_sd_watchdog(void)
{
	notify("WATCHDOG=1");
}
