/* ytime.h: the timestamps yagura reads and writes in more than one place.
 *
 * Wazuh's alert timestamp, "2024-05-01T12:00:00.000+0200": written by the
 * engine in local time, read back by the alert consumers (tickets, the
 * alert store). And the UTC form "2024-05-01T10:00:00Z" of ctl's and the
 * API's output. */
#ifndef YAGURA_YTIME_H
#define YAGURA_YTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Wazuh's alert time of t in local time, milliseconds always .000 and the
 * numeric zone. n >= 32 is always enough. */
void yg_time_format_alert(time_t t, char *out, size_t n);
/* "YYYY-MM-DDTHH:MM:SSZ" of t in UTC; "?" when t cannot be shown. */
void yg_time_format_utc(time_t t, char *out, size_t n);
/* Reads "YYYY-MM-DD[T ]HH:MM:SS[.fff...][Z|+hhmm|+hh:mm|-...]" (what
 * follows is ignored) into milliseconds since the epoch. Years from 1970;
 * false when t is not of that form. */
bool yg_time_parse_alert(const char *t, int64_t *ms);

#endif
