/* predecode.c: Wazuh's syslog header pre-decoding (OS_CleanMSG), as spans.
 *
 * Wazuh recognises a header by testing fixed byte positions of the line
 * against each known timestamp layout, in a fixed order, then walks the
 * hostname and program name with a character class. It writes NULs into a
 * copy of the line to end each piece; here the same cuts are recorded as
 * span ends instead, so nothing is copied or allocated. Where Wazuh's cuts
 * shorten the message itself, message_len says so. */
#include "engine/predecode.h"

#include <string.h>

/* Wazuh's hostname_map: what a hostname or a program name may contain. */
static inline bool name_char(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
	       u == '-' || u == '_' || u == '.' || u == '@' || u == '/' || u == '(' || u == ')';
}

/* The C-locale isdigit/islower/isalnum Wazuh uses. */
static inline bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool alnum(char c)
{
	return digit(c) || lower(c) || (c >= 'A' && c <= 'Z');
}

/* The bytes Wazuh tests the timestamp layouts on. Normally the line itself;
 * when the second and third bytes are the UTF-8 "ä" (as in the German
 * "Mär"), Wazuh rewrites them so the month reads "Mar" and tests the line
 * shifted by one byte, while the offsets it then applies still count bytes
 * of the unshifted line. */
typedef struct view {
	const char *s;
	bool shifted;
} view;

static inline char at(const view *v, size_t i)
{
	if (!v->shifted)
		return v->s[i];
	if (i == 0)
		return 'M';
	if (i == 1)
		return 'a';
	return v->s[i + 1];
}

typedef enum hdr_kind {
	HDR_NONE,
	HDR_SYSLOG,   /* timestamp, then hostname and program name */
	HDR_XFERLOG,  /* Mon Apr 17 18:27:14 2006 */
	HDR_SNORT,    /* 01/28-09:13:16.240702 */
	HDR_SURICATA, /* 01/28/1979-09:13:16.240702 */
	HDR_APACHE,   /* [Fri Feb 11 18:06:35 2004] */
	HDR_ASL,      /* [Time 2006.12.28 15:53:55 UTC] [Sender ...] ... */
	HDR_SQUID,    /* 1140804070.368  11623 */
} hdr_kind;

/* The syslog-style layouts, tried in Wazuh's order. `len` is strlen of the
 * line; every index tested is below the length the layout requires, so no
 * test reads past the NUL. Returns how many bytes the timestamp (and the
 * separator after it) take, 0 for no match. */
static size_t syslog_stamp(const view *v, size_t len)
{
	/* Dec 29 10:00:01 */
	if (len >= 17 && at(v, 3) == ' ' && at(v, 6) == ' ' && at(v, 9) == ':' &&
	    at(v, 12) == ':' && at(v, 15) == ' ')
		return 16;
	/* 2015-04-16 21:51:02,805 (proftpd) */
	if (len >= 24 && at(v, 4) == '-' && at(v, 7) == '-' && at(v, 10) == ' ' &&
	    at(v, 13) == ':' && at(v, 16) == ':' && at(v, 19) == ',')
		return 24;
	/* ISO 8601: 2007-06-14T15:48:55-04:00, 2022-12-19T15:02:53.288+00:00,
	 * 2009-05-22T09:36:46.214994-07:00; any other fraction takes 32. */
	if (len >= 33 && at(v, 4) == '-' && at(v, 7) == '-' && at(v, 10) == 'T' &&
	    at(v, 13) == ':' && at(v, 16) == ':') {
		if (at(v, 22) == ':' && at(v, 25) == ' ')
			return 26;
		if (at(v, 19) == '.') {
			if (at(v, 26) == ':')
				return 30;
			if (at(v, 29) == ':')
				return 33;
			return 32;
		}
	}
	/* 2015 Dec 29 10:00:01 */
	if (len >= 21 && digit(at(v, 0)) && at(v, 4) == ' ' && at(v, 8) == ' ' &&
	    at(v, 11) == ' ' && at(v, 14) == ':' && at(v, 17) == ':' && at(v, 20) == ' ')
		return 21;
	/* 2021-04-21 10:16:09.404756-0700 (macOS unified logging) */
	if (len >= 33 && digit(at(v, 0)) && at(v, 4) == '-' && at(v, 7) == '-' &&
	    at(v, 10) == ' ' && at(v, 13) == ':' && at(v, 16) == ':' && at(v, 19) == '.' &&
	    (at(v, 26) == '-' || at(v, 26) == '+') && at(v, 31) == ' ')
		return 32;
	return 0;
}

/* Which layout the line starts with, and the offset of what follows it. */
static hdr_kind find_header(const view *v, size_t len, size_t *off)
{
	if ((*off = syslog_stamp(v, len)) != 0)
		return HDR_SYSLOG;
	if (len >= 28 && at(v, 3) == ' ' && at(v, 7) == ' ' && at(v, 10) == ' ' &&
	    at(v, 13) == ':' && at(v, 16) == ':' && at(v, 19) == ' ' && at(v, 24) == ' ' &&
	    at(v, 26) == ' ') {
		*off = 25;
		return HDR_XFERLOG;
	}
	if (len >= 24 && at(v, 2) == '/' && at(v, 5) == '-' && at(v, 8) == ':' &&
	    at(v, 11) == ':' && at(v, 14) == '.' && at(v, 21) == ' ') {
		*off = 23;
		return HDR_SNORT;
	}
	if (len >= 28 && at(v, 2) == '/' && at(v, 5) == '/' && at(v, 10) == '-' &&
	    at(v, 13) == ':' && at(v, 16) == ':' && at(v, 19) == '.' && at(v, 26) == ' ') {
		*off = 28;
		return HDR_SURICATA;
	}
	if (len >= 27 && at(v, 0) == '[' && at(v, 4) == ' ' && at(v, 8) == ' ' &&
	    at(v, 11) == ' ' && at(v, 14) == ':' && at(v, 17) == ':' && at(v, 20) == ' ' &&
	    at(v, 25) == ']') {
		*off = 27;
		return HDR_APACHE;
	}
	if (len >= 26 && at(v, 0) == '[' && at(v, 1) == 'T' && at(v, 5) == ' ' &&
	    at(v, 10) == '.' && at(v, 13) == '.' && at(v, 16) == ' ' && at(v, 19) == ':') {
		*off = 25;
		return HDR_ASL;
	}
	if (len >= 32 && at(v, 0) == '1' && digit(at(v, 1)) && digit(at(v, 2)) && digit(at(v, 3)) &&
	    at(v, 10) == '.' && digit(at(v, 13)) && at(v, 14) == ' ' &&
	    (at(v, 21) == ' ' || at(v, 22) == ' ')) {
		*off = 14;
		return HDR_SQUID;
	}
	return HDR_NONE;
}

static inline yg_span span(const char *from, const char *to)
{
	return (yg_span){from, (size_t)(to - from)};
}

/* The part after an AIX hostname: `facility:severity program...`, starting
 * at the byte after '|'. Sets the program name (and pid) and returns where
 * the message starts, or NULL when Wazuh leaves the message after the
 * hostname; *cut is set where Wazuh's NUL then shortens that message. */
static const char *aix_program(const char *p, yg_predecoded *out, const char **cut)
{
	while (alnum(*p))
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (alnum(*p))
		p++;
	if (*p != ' ')
		return NULL;
	const char *name = ++p;
	while (name_char(*p))
		p++;
	if (p[0] == ':' && p[1] == ' ') {
		out->program_name = span(name, p);
		return p + 2;
	}
	if (p[0] == '[' && digit(p[1])) {
		/* Wazuh ends the name here for good, even when the rest fails. */
		out->program_name = span(name, p);
		const char *d = p + 1;
		while (digit(*d))
			d++;
		if (d[0] == ']' && d[1] == ':' && d[2] == ' ') {
			out->pid = span(p + 1, d);
			return d + 3;
		}
		*cut = p;
		return NULL;
	}
	/* No terminator: Wazuh keeps the name unterminated, so it runs to the
	 * end of the line, and the message starts where the walk stopped. */
	out->program_name = span(name, name + strlen(name));
	return p;
}

/* Hostname, program name and message after a syslog-style timestamp;
 * `log` is just past the timestamp. */
static void syslog_rest(const char *log, yg_predecoded *out, const char **cut)
{
	const char *p = log;
	const char *rest = NULL;

	while (name_char(*p))
		p++;
	if (p[0] == ':' && p[1] == ' ') {
		/* No hostname (Solaris 8/9): what was read is the program. */
		out->program_name = span(log, p);
		rest = p + 2;
	} else if (*p != ' ') {
		/* Not a hostname: decoders see the line after the timestamp. */
		out->message = log;
		return;
	} else {
		out->hostname = span(log, p);
		const char *name = ++p;
		out->message = name;
		while (name_char(*p))
			p++;
		if (*p == ':') {
			/* prog: with the space after ':' optional */
			out->program_name = span(name, p);
			rest = p + 1;
			if (*rest == ' ')
				rest++;
		} else if (p[0] == '[' && digit(p[1])) {
			const char *d = p + 1;
			while (digit(*d))
				d++;
			if (d[0] == ']' && (d[1] == ':' || d[1] == ' ')) {
				/* prog[pid]: (space optional) or prog[pid] */
				out->program_name = span(name, p);
				out->pid = span(p + 1, d);
				rest = d + 2;
				if (d[1] == ':' && *rest == ' ')
					rest++;
			}
		} else if (p[0] == '|' && lower(p[1])) {
			/* AIX: host auth|security:info prog: */
			rest = aix_program(p + 2, out, cut);
		}
	}
	if (!rest)
		return;
	out->message = rest;
	/* Solaris' [ID 123456 facility.severity] tag is skipped, along with the
	 * byte after its ']'. Wazuh would step past the NUL when the ']' ends
	 * the line; here the message is then empty. */
	if (rest[0] == '[' && rest[1] == 'I' && rest[2] == 'D' && rest[3] == ' ') {
		const char *q = strchr(rest + 4, ']');
		if (q)
			out->message = q[1] ? q + 2 : q + 1;
	}
}

/* OS X ASL: `[Time ...] [Facility f] [Sender prog] [PID n] [Message m]
 * ... [Host h]`, read entry by entry from `log`. Wazuh ends each value it
 * takes at its ']', which also ends a message that started before it. */
static void asl_entries(const char *log, yg_predecoded *out, const char **cut)
{
	bool have_message = false;
	const char *p = strchr(log, '[');

	out->message = log;
	while (p) {
		p++;
		if (!out->program_name.ptr && strncmp(p, "Sender ", 7) == 0) {
			const char *q = strchr(p + 7, ']');
			if (!q)
				break;
			out->program_name = span(p + 7, q);
			if (!*cut)
				*cut = q;
			p = q + 1;
		} else if (!have_message && strncmp(p, "Message ", 8) == 0) {
			have_message = true;
			out->message = p + 8;
			const char *q = strchr(p + 8, ']');
			*cut = q;
			if (!q)
				break;
			p = q + 1;
		} else if (strncmp(p, "Host ", 5) == 0) {
			const char *q = strchr(p + 5, ']');
			if (q) {
				out->hostname = span(p + 5, q);
				if (!*cut)
					*cut = q;
			}
			break;
		}
		p = strchr(p, '[');
	}
}

bool yg_syslog_predecode(const char *line, yg_predecoded *out)
{
	size_t len = strlen(line);
	const char *cut = NULL; /* where Wazuh's NULs end the message */
	size_t off;

	*out = (yg_predecoded){.message = line, .message_len = len};
	view v = {line,
	          len >= 2 && (unsigned char)line[1] == 0xC3 && (unsigned char)line[2] == 0xA4};
	hdr_kind kind = find_header(&v, len, &off);
	const char *log = line + off;

	switch (kind) {
	case HDR_NONE: return false;
	case HDR_SYSLOG:
		out->timestamp = span(line, log - 1);
		if (*log == ' ')
			log++;
		out->message = log;
		syslog_rest(log, out, &cut);
		break;
	case HDR_XFERLOG:
		out->timestamp = span(line, log - 1);
		out->message = log;
		break;
	case HDR_SNORT:
	case HDR_SURICATA:
		out->timestamp = span(line, log - 2);
		out->message = log;
		break;
	case HDR_APACHE:
		out->timestamp = span(line + 1, log - 2);
		out->message = log;
		break;
	case HDR_ASL: asl_entries(log, out, &cut); break;
	case HDR_SQUID:
		while (*log == ' ')
			log++;
		out->timestamp = span(line, log - 1);
		out->message = log;
		break;
	}
	const char *end = line + len;
	if (cut && cut >= out->message && cut < end)
		end = cut;
	out->message_len = (size_t)(end - out->message);
	return true;
}
