/* tutil.c: helpers shared by the transport modules. */
#include "transport/tutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void yg_tlog(yg_tlog_fn fn, void *ctx, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fn)
		fn(ctx, level, msg);
	else if (level >= YG_TLOG_WARN)
		fprintf(stderr, "yagura transport: %s\n", msg);
}

uint64_t yg_tnow_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void yg_tput_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void yg_tput_u64(uint8_t *p, uint64_t v)
{
	yg_tput_u32(p, (uint32_t)(v >> 32));
	yg_tput_u32(p + 4, (uint32_t)v);
}

uint32_t yg_tget_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t yg_tget_u64(const uint8_t *p)
{
	return (uint64_t)yg_tget_u32(p) << 32 | yg_tget_u32(p + 4);
}

void yg_thex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

char *yg_tread_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(max + 1);
	size_t have = 0;
	while (buf && have <= max) {
		ssize_t n = read(fd, buf + have, max + 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (!buf)
		return NULL;
	if (have > max) { /* too big: refuse rather than truncate */
		free(buf);
		return NULL;
	}
	buf[have] = '\0';
	if (len)
		*len = have;
	return buf;
}

int yg_twrite_file(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	int rc = fchmod(fd, (mode_t)mode);
	const uint8_t *p = data;
	size_t off = 0;
	while (rc == 0 && off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = -1;
		else
			off += (size_t)w;
	}
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc != 0)
		unlink(tmp);
	return rc;
}
