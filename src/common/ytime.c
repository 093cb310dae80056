/* ytime.c: see ytime.h. */
#include "common/ytime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void yg_time_format_alert(time_t t, char *out, size_t n)
{
	char when[64], tz[16];
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	snprintf(out, n, "%s.000%s", when, tz);
}

void yg_time_format_utc(time_t t, char *out, size_t n)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "?");
}

/* n decimal digits at p as a number, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* The zone offset at p ("+hhmm", "+hh:mm", "-..."; anything else is UTC)
 * in seconds east; false when it is broken. */
static bool zone_offset(const char *p, int *off)
{
	*off = 0;
	if (*p != '+' && *p != '-')
		return true;
	int sign = *p == '-' ? -1 : 1;
	int oh = digits(p + 1, 2);
	if (oh < 0)
		return false;
	const char *q = p + 3;
	if (*q == ':')
		q++;
	int om = digits(q, 2);
	if (om < 0 || oh > 23 || om > 59)
		return false;
	*off = sign * (oh * 3600 + om * 60);
	return true;
}

bool yg_time_parse_alert(const char *t, int64_t *ms)
{
	/* the length check comes first, so digits() never reads past the NUL */
	if (strlen(t) < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
	    t[13] != ':' || t[16] != ':')
		return false;
	int y = digits(t, 4), mo = digits(t + 5, 2), d = digits(t + 8, 2);
	int h = digits(t + 11, 2), mi = digits(t + 14, 2), s = digits(t + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return false;
	const char *p = t + 19;
	int frac = 0, nd = 0;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nd++)
			if (nd < 3)
				frac = frac * 10 + (*p - '0');
		for (; nd < 3; nd++)
			frac *= 10;
	}
	int off;
	if (!zone_offset(p, &off))
		return false;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = s};
	time_t base = timegm(&tm);
	if (base == (time_t)-1)
		return false;
	*ms = ((int64_t)base - off) * 1000 + frac;
	return true;
}
