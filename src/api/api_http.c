/* api_http.c: replies, query parameters and JSON bodies, strictly checked. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"

void api_reply(api_req *r, unsigned status, json_object *o)
{
	if (r->out)
		json_object_put(r->out);
	r->out = o;
	r->status = o ? status : 500;
}

void api_error(api_req *r, unsigned status, const char *code, const char *field, const char *fmt,
               ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object *e = json_object_new_object();
	json_object *o = json_object_new_object();
	if (e && o) {
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message", json_object_new_string(msg));
		if (field)
			json_object_object_add(e, "field", json_object_new_string(field));
		json_object_object_add(o, "error", e);
		api_reply(r, status, o);
		return;
	}
	json_object_put(e);
	json_object_put(o);
	api_reply(r, 500, NULL);
}

void api_unavailable(api_req *r, const char *what)
{
	api_error(r, 501, "not_available", NULL,
	          "%s is not available in this manager (module not configured or not built)", what);
}

void api_backend_error(api_req *r, yg_err err, const char *msg)
{
	const char *m = msg && msg[0] ? msg : NULL;
	switch (err) {
	case YG_EINVAL:
	case YG_EPARSE:
		api_error(r, 400, "invalid", NULL, "%s", m ? m : "the request was refused");
		break;
	case YG_ENOTFOUND:
		api_error(r, 404, "not_found", NULL, "%s", m ? m : "no such item");
		break;
	case YG_ELIMIT:
		api_error(r, 409, "conflict", NULL, "%s", m ? m : "a limit was reached");
		break;
	default: api_error(r, 500, "internal", NULL, "%s", m ? m : yg_strerror(err)); break;
	}
}

/* ---- character sets ---- */

/* Length of the UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned min;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4, min = 0x10000, cp = s[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

bool api_charset_ok(const char *s, size_t len, api_charset cs)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		bool alnum =
		        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		switch (cs) {
		case API_CS_DIGITS:
			if (!(c >= '0' && c <= '9'))
				return false;
			break;
		case API_CS_ID:
			if (!alnum && !strchr("._:-", c))
				return false;
			break;
		case API_CS_NAME:
			if (!alnum && !strchr("._:@/-", c))
				return false;
			break;
		case API_CS_TEXT:
		case API_CS_PROSE: {
			bool ws = cs == API_CS_PROSE && (c == '\n' || c == '\r' || c == '\t');
			if ((c < 0x20 && !ws) || c == 0x7f)
				return false;
			size_t n = utf8_len(p + i, len - i);
			if (n == 0)
				return false;
			i += n;
			continue;
		}
		}
		if (c == 0)
			return false;
		i++;
	}
	return true;
}

/* ---- query parameters ---- */

static const api_arg *arg_get(const api_req *r, const char *key)
{
	for (size_t i = 0; i < r->nargs; i++)
		if (strcmp(r->args[i].key, key) == 0)
			return &r->args[i];
	return NULL;
}

bool api_args_allow(api_req *r, const char *const *allowed)
{
	for (size_t i = 0; i < r->nargs; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, r->args[i].key) == 0;
		if (!ok) {
			char name[64];
			/* The name is the client's: keep it short and printable. */
			size_t n = 0;
			for (const char *k = r->args[i].key; *k && n < sizeof(name) - 1; k++)
				name[n++] = isprint((unsigned char)*k) ? *k : '?';
			name[n] = '\0';
			api_error(r, 400, "unknown_parameter", name, "unknown query parameter");
			return false;
		}
	}
	return true;
}

bool api_arg_str(api_req *r, const char *key, api_charset cs, size_t maxlen, const char **out)
{
	*out = NULL;
	const api_arg *a = arg_get(r, key);
	if (!a)
		return true;
	if (a->len == 0) {
		api_error(r, 400, "invalid_parameter", key, "must not be empty");
		return false;
	}
	if (a->len > maxlen) {
		api_error(r, 400, "invalid_parameter", key, "longer than %zu bytes", maxlen);
		return false;
	}
	if (strlen(a->val) != a->len || !api_charset_ok(a->val, a->len, cs)) {
		static const char *const what[] = {
		        [API_CS_DIGITS] = "digits only",
		        [API_CS_ID] = "letters, digits and . _ : - only",
		        [API_CS_NAME] = "letters, digits and . _ : @ / - only",
		        [API_CS_TEXT] = "printable UTF-8 without control characters",
		        [API_CS_PROSE] = "UTF-8 text",
		};
		api_error(r, 400, "invalid_parameter", key, "must be %s", what[cs]);
		return false;
	}
	*out = a->val;
	return true;
}

bool api_arg_int(api_req *r, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	if (!api_arg_str(r, key, API_CS_TEXT, 20, &s))
		return false;
	if (!s)
		return true;
	const char *p = s;
	bool neg = *p == '-';
	if (neg)
		p++;
	int64_t v = 0;
	bool ok = *p != '\0';
	for (; *p && ok; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			ok = false;
		else
			v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (!ok || v < min || v > max) {
		api_error(r, 400, "invalid_parameter", key, "must be an integer from %lld to %lld",
		          (long long)min, (long long)max);
		return false;
	}
	*out = v;
	return true;
}

static int two(const char *p)
{
	return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])
	               ? (p[0] - '0') * 10 + (p[1] - '0')
	               : -1;
}

/* "now" or "now-<N><unit>" (unit s, m, h, d or w; at most ten years back)
 * into *ms, relative to now_ms. */
static bool parse_relative(const char *s, int64_t now_ms, int64_t *ms)
{
	if (strncmp(s, "now", 3) != 0)
		return false;
	s += 3;
	if (!*s) {
		*ms = now_ms;
		return true;
	}
	if (*s++ != '-' || !isdigit((unsigned char)*s))
		return false;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > 100000000)
			return false;
	}
	static const struct {
		char unit;
		int64_t ms;
	} units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 604800000}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[0] != units[i].unit || s[1] != '\0')
			continue;
		int64_t back = v * units[i].ms;
		if (back > 3660LL * 86400000)
			return false;
		*ms = now_ms - back;
		return *ms >= 0;
	}
	return false;
}

bool api_parse_time_at(const char *s, int64_t now_ms, int64_t *ms)
{
	if (s[0] == 'n')
		return parse_relative(s, now_ms, ms);
	return api_parse_time(s, ms);
}

bool api_parse_time(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	if (n > 0 && n <= 15 && api_charset_ok(s, n, API_CS_DIGITS)) {
		int64_t v = 0;
		for (const char *p = s; *p; p++)
			v = v * 10 + (*p - '0');
		*ms = v;
		return true;
	}
	/* YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+hh:mm|-hh:mm|+hhmm] */
	if (n < 10 || n > 40 || s[4] != '-' || s[7] != '-')
		return false;
	int Y = two(s) * 100 + two(s + 2), M = two(s + 5), D = two(s + 8);
	if (two(s) < 0 || two(s + 2) < 0 || Y < 1970 || Y > 9999 || M < 1 || M > 12 || D < 1 ||
	    D > 31)
		return false;
	int h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	const char *p = s + 10;
	if (*p == 'T' || *p == ' ') {
		h = two(p + 1);
		if (h < 0 || h > 23 || p[3] != ':' || (mi = two(p + 4)) < 0 || mi > 59)
			return false;
		p += 6;
		if (*p == ':') {
			sec = two(p + 1);
			if (sec < 0 || sec > 60)
				return false;
			p += 3;
			if (*p == '.') {
				int nd = 0;
				for (p++; isdigit((unsigned char)*p); p++, nd++)
					if (nd < 3)
						frac = frac * 10 + (*p - '0');
				if (nd == 0)
					return false;
				for (; nd < 3; nd++)
					frac *= 10;
			}
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			int oh = two(p + 1), om;
			if (oh < 0) /* p[3] may be past the end */
				return false;
			const char *q = p + 3;
			if (*q == ':')
				q++;
			om = two(q);
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return false;
			off = sign * (oh * 3600 + om * 60);
			p = q + 2;
		}
	}
	if (*p)
		return false;
	struct tm tm = {.tm_year = Y - 1900,
	                .tm_mon = M - 1,
	                .tm_mday = D,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = sec};
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return *ms >= 0;
}

bool api_arg_time(api_req *r, const char *key, int64_t *out)
{
	const char *s;
	if (!api_arg_str(r, key, API_CS_TEXT, 40, &s))
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (s && !api_parse_time_at(s, now, out)) {
		api_error(r, 400, "invalid_parameter", key,
		          "must be an ISO 8601 time (2024-05-01T10:00:00Z), epoch milliseconds,"
		          " now or now-<N>s|m|h|d|w (now-15m)");
		return false;
	}
	return true;
}

/* Copies n bytes of s into the request's scratch space; NULL when full. */
static char *scratch_dup(api_req *r, const char *s, size_t n)
{
	if (API_SCRATCH - r->scratch_used < n + 1)
		return NULL;
	char *d = r->scratch + r->scratch_used;
	memcpy(d, s, n);
	d[n] = '\0';
	r->scratch_used += n + 1;
	return d;
}

bool api_arg_list(api_req *r, const char *key, api_charset cs, size_t maxlen, const char **out,
                  size_t max, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < r->nargs; i++) {
		const api_arg *a = &r->args[i];
		if (strcmp(a->key, key) != 0)
			continue;
		if (strlen(a->val) != a->len) {
			api_error(r, 400, "invalid_parameter", key, "holds a NUL byte");
			return false;
		}
		for (const char *p = a->val;;) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			if (len == 0 || len > maxlen || !api_charset_ok(p, len, cs)) {
				api_error(r, 400, "invalid_parameter", key,
				          "each value must be 1 to %zu bytes of %s", maxlen,
				          cs == API_CS_DIGITS ? "digits"
				                              : "letters, digits and . _ : -");
				return false;
			}
			if (*n == max) {
				api_error(r, 400, "invalid_parameter", key, "at most %zu values",
				          max);
				return false;
			}
			if (!(out[(*n)++] = scratch_dup(r, p, len))) {
				api_error(r, 400, "invalid_parameter", key, "too many values");
				return false;
			}
			if (!c)
				break;
			p = c + 1;
		}
	}
	return true;
}

bool api_arg_bool(api_req *r, const char *key, bool *out)
{
	const char *s;
	if (!api_arg_str(r, key, API_CS_ID, 5, &s))
		return false;
	if (!s)
		return true;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else {
		api_error(r, 400, "invalid_parameter", key, "must be true or false");
		return false;
	}
	return true;
}

bool api_arg_ip(api_req *r, const char *key, const char **out)
{
	if (!api_arg_str(r, key, API_CS_NAME, 64, out))
		return false;
	unsigned char buf[16];
	if (*out && inet_pton(AF_INET, *out, buf) != 1 && inet_pton(AF_INET6, *out, buf) != 1) {
		api_error(r, 400, "invalid_parameter", key, "must be an IPv4 or IPv6 address");
		*out = NULL;
		return false;
	}
	return true;
}

/* ---- path segments ---- */

bool api_seg_id(api_req *r, size_t i, int64_t *out)
{
	const char *s = i < r->nseg ? r->seg[i] : "";
	size_t n = strlen(s);
	int64_t v = 0;
	bool ok = n > 0 && n <= 18 && api_charset_ok(s, n, API_CS_DIGITS);
	for (const char *p = s; ok && *p; p++)
		v = v * 10 + (*p - '0');
	if (!ok || v <= 0) {
		api_error(r, 400, "invalid_path", "id", "the id must be a positive integer");
		return false;
	}
	*out = v;
	return true;
}

/* ---- bodies ---- */

bool api_body_object(api_req *r, const char *const *allowed)
{
	if (!r->body_text || r->body_len == 0) {
		api_error(r, 400, "invalid_body", NULL, "a JSON object body is required");
		return false;
	}
	json_tokener *tok = json_tokener_new_ex(16);
	if (!tok) {
		api_reply(r, 500, NULL);
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, r->body_text, (int)r->body_len);
	bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	          json_tokener_get_parse_end(tok) == r->body_len;
	json_tokener_free(tok);
	if (!ok || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		api_error(r, 400, "invalid_body", NULL, "the body must be one JSON object");
		return false;
	}
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, k) == 0;
		if (!known) {
			size_t kn = strlen(k);
			bool show = kn <= 64 && api_charset_ok(k, kn, API_CS_ID);
			api_error(r, 400, "unknown_field", show ? k : "?", "unknown member");
			json_object_put(o);
			return false;
		}
	}
	r->body = o;
	return true;
}

bool api_body_str(api_req *r, const char *key, bool required, size_t maxlen, api_charset cs,
                  const char **out)
{
	*out = NULL;
	json_object *v = NULL;
	if (!json_object_object_get_ex(r->body, key, &v)) {
		if (required)
			api_error(r, 400, "missing_field", key, "is required");
		return !required;
	}
	if (!json_object_is_type(v, json_type_string)) {
		api_error(r, 400, "invalid_field", key, "must be a string");
		return false;
	}
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (n > maxlen) {
		api_error(r, 400, "invalid_field", key, "longer than %zu bytes", maxlen);
		return false;
	}
	if (strlen(s) != n || !api_charset_ok(s, n, cs)) {
		api_error(r, 400, "invalid_field", key, "has characters that are not allowed");
		return false;
	}
	*out = s;
	return true;
}

bool api_body_int(api_req *r, const char *key, bool required, int64_t min, int64_t max,
                  int64_t *out)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(r->body, key, &v)) {
		if (required)
			api_error(r, 400, "missing_field", key, "is required");
		return !required;
	}
	int64_t x = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || x < min || x > max) {
		api_error(r, 400, "invalid_field", key, "must be an integer from %lld to %lld",
		          (long long)min, (long long)max);
		return false;
	}
	*out = x;
	return true;
}
