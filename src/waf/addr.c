/* addr.c: strict address/CIDR parsing and allow-lists (see addr.h).
 *
 * inet_pton does the real parsing; the checks around it exist so that the
 * accepted language does not depend on the C library's leniency (some accept
 * octets with leading zeros, which other tools read as octal). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "waf/addr.h"

#define ALLOW_MAX 65536

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when every dotted component of s[0..len) that is made of digits has
 * no leading zero ("0" itself is fine). Applies to IPv4 text and to the
 * dotted tail of an IPv6 address. */
static bool no_leading_zeros(const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.' && s[i] != ':')
			continue;
		bool dotted = (i < len && s[i] == '.') || (start > 0 && s[start - 1] == '.');
		if (dotted && i - start > 1 && s[start] == '0')
			return false;
		start = i + 1;
	}
	return true;
}

/* Parses a decimal prefix: 1-3 digits, no leading zero, <= max. */
static bool parse_prefix(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* True when no bit at or after `prefix` is set in bytes[0..nbytes). */
static bool host_bits_clear(const unsigned char *b, size_t nbytes, unsigned prefix)
{
	for (size_t i = 0; i < nbytes; i++) {
		unsigned bit0 = (unsigned)i * 8;
		unsigned char mask;
		if (bit0 + 8 <= prefix)
			continue;
		mask = bit0 >= prefix ? 0xff : (unsigned char)(0xffu >> (prefix - bit0));
		if (b[i] & mask)
			return false;
	}
	return true;
}

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

yg_err yg_waf_addr_parse_ex(const char *text, size_t len, unsigned min_v4, unsigned min_v6,
                            yg_waf_addr *out)
{
	char buf[YG_WAF_ADDR_INPUT_MAX + 1];
	const char *slash;
	size_t alen;
	bool v6;
	yg_waf_addr a = {0};

	if (!text || len == 0 || len > YG_WAF_ADDR_INPUT_MAX || memchr(text, '\0', len))
		return YG_EINVAL;
	slash = memchr(text, '/', len);
	alen = slash ? (size_t)(slash - text) : len;
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return YG_EINVAL;
	v6 = memchr(text, ':', alen) != NULL;
	for (size_t i = 0; i < alen; i++) {
		char c = text[i];
		if (!(is_digit(c) || c == '.' || (v6 && (c == ':' || is_hex(c)))))
			return YG_EINVAL;
	}
	if (!no_leading_zeros(text, alen))
		return YG_EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	a.family = v6 ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, buf, a.bytes) != 1)
		return YG_EINVAL;
	a.prefix = v6 ? 128 : 32;
	if (slash && !parse_prefix(slash + 1, len - alen - 1, a.prefix, &a.prefix))
		return YG_EINVAL;
	if (!host_bits_clear(a.bytes, v6 ? 16 : 4, a.prefix))
		return YG_EINVAL;
	if (v6 && a.prefix >= 96 && memcmp(a.bytes, v4mapped, 12) == 0) {
		/* ::ffff:a.b.c.d is the IPv4 client a.b.c.d on a dual-stack socket */
		memmove(a.bytes, a.bytes + 12, 4);
		memset(a.bytes + 4, 0, 12);
		a.family = AF_INET;
		a.prefix -= 96;
	}
	if (a.prefix == 0 || a.prefix < (a.family == AF_INET ? min_v4 : min_v6))
		return YG_EINVAL;
	*out = a;
	return YG_OK;
}

yg_err yg_waf_addr_parse(const char *text, yg_waf_addr *out)
{
	if (!text)
		return YG_EINVAL;
	return yg_waf_addr_parse_ex(text, strnlen(text, YG_WAF_ADDR_INPUT_MAX + 1),
	                            YG_WAF_MIN_PREFIX_V4, YG_WAF_MIN_PREFIX_V6, out);
}

void yg_waf_addr_format(const yg_waf_addr *a, char out[YG_WAF_ADDR_TEXT_MAX])
{
	unsigned host = a->family == AF_INET ? 32 : 128;
	size_t n;
	if (!inet_ntop(a->family, a->bytes, out, YG_WAF_ADDR_TEXT_MAX)) {
		out[0] = '\0';
		return;
	}
	if (a->prefix == host)
		return;
	n = strlen(out);
	/* at most 45 + "/128" + NUL, well inside the buffer */
	out[n++] = '/';
	if (a->prefix >= 100)
		out[n++] = (char)('0' + a->prefix / 100);
	if (a->prefix >= 10)
		out[n++] = (char)('0' + a->prefix / 10 % 10);
	out[n++] = (char)('0' + a->prefix % 10);
	out[n] = '\0';
}

/* An IPv4 value as its v4-mapped IPv6 form; others unchanged. */
static yg_waf_addr as_v6(const yg_waf_addr *a)
{
	yg_waf_addr r = *a;
	if (a->family == AF_INET) {
		memcpy(r.bytes, v4mapped, 12);
		memcpy(r.bytes + 12, a->bytes, 4);
		r.family = AF_INET6;
		r.prefix = a->prefix + 96;
	}
	return r;
}

static bool prefix_equal(const unsigned char *x, const unsigned char *y, unsigned bits)
{
	size_t whole = bits / 8;
	unsigned rest = bits % 8;
	if (memcmp(x, y, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xffu << (8 - rest));
	return (x[whole] & mask) == (y[whole] & mask);
}

bool yg_waf_addr_contains(const yg_waf_addr *net, const yg_waf_addr *a)
{
	yg_waf_addr n = *net, x = *a;
	if (n.family != x.family) {
		n = as_v6(net);
		x = as_v6(a);
	}
	return x.prefix >= n.prefix && prefix_equal(n.bytes, x.bytes, n.prefix);
}

bool yg_waf_addr_overlaps(const yg_waf_addr *x, const yg_waf_addr *y)
{
	return yg_waf_addr_contains(x, y) || yg_waf_addr_contains(y, x);
}

static const struct special {
	const char *text;
	const char *what;
} specials[] = {
        {"127.0.0.0/8", "a loopback address (127.0.0.0/8)"},
        {"0.0.0.0/8", "an unspecified address (0.0.0.0/8)"},
        {"255.255.255.255", "the broadcast address (255.255.255.255)"},
        {"224.0.0.0/4", "a multicast address (224.0.0.0/4)"},
        {"169.254.0.0/16", "a link-local address (169.254.0.0/16)"},
        {"::1", "the loopback address (::1)"},
        {"::", "the unspecified address (::)"},
        {"ff00::/8", "a multicast address (ff00::/8)"},
        {"fe80::/10", "a link-local address (fe80::/10)"},
};

const char *yg_waf_addr_special(const yg_waf_addr *a)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		yg_waf_addr net;
		/* the table is ours and valid; min prefixes 1 so /4 and /8 parse */
		if (yg_waf_addr_parse_ex(specials[i].text, strlen(specials[i].text), 1, 1, &net) ==
		            YG_OK &&
		    yg_waf_addr_overlaps(&net, a))
			return specials[i].what;
	}
	return NULL;
}

/* ---- allow-lists ---- */

struct yg_waf_allow {
	yg_waf_addr *v;
	size_t n, cap;
};

yg_waf_allow *yg_waf_allow_create(void)
{
	return calloc(1, sizeof(yg_waf_allow));
}

void yg_waf_allow_destroy(yg_waf_allow *list)
{
	if (!list)
		return;
	free(list->v);
	free(list);
}

static yg_err allow_push(yg_waf_allow *list, const yg_waf_addr *a)
{
	if (list->n == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 8;
		yg_waf_addr *nv;
		if (list->n >= ALLOW_MAX)
			return YG_ELIMIT;
		nv = realloc(list->v, ncap * sizeof(*nv));
		if (!nv)
			return YG_ENOMEM;
		list->v = nv;
		list->cap = ncap;
	}
	list->v[list->n++] = *a;
	return YG_OK;
}

/* Turns "a.b.c.d/m.m.m.m" into "a.b.c.d/N" in buf; false when the mask is
 * malformed or not contiguous. */
static bool dotted_mask(const char *text, size_t len, char *buf, size_t bufsz)
{
	const char *slash = memchr(text, '/', len);
	char mask_txt[INET_ADDRSTRLEN];
	unsigned char m[4];
	size_t mlen, alen;
	unsigned bits = 0;
	uint32_t v;
	if (!slash)
		return false;
	alen = (size_t)(slash - text);
	mlen = len - alen - 1;
	if (mlen == 0 || mlen >= sizeof(mask_txt) || !no_leading_zeros(slash + 1, mlen))
		return false;
	memcpy(mask_txt, slash + 1, mlen);
	mask_txt[mlen] = '\0';
	if (inet_pton(AF_INET, mask_txt, m) != 1)
		return false;
	v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	while (bits < 32 && (v & (0x80000000u >> bits)))
		bits++;
	if (bits < 32 && (v << bits) != 0)
		return false; /* holes in the mask */
	if (alen + 4 >= bufsz)
		return false;
	memcpy(buf, text, alen);
	buf[alen] = '/';
	alen++;
	if (bits >= 10)
		buf[alen++] = (char)('0' + bits / 10);
	buf[alen++] = (char)('0' + bits % 10);
	buf[alen] = '\0';
	return true;
}

yg_err yg_waf_allow_add(yg_waf_allow *list, const char *text)
{
	yg_waf_addr a;
	char buf[YG_WAF_ADDR_INPUT_MAX + 1];
	size_t len;
	const char *slash;
	if (!list || !text)
		return YG_EINVAL;
	len = strnlen(text, YG_WAF_ADDR_INPUT_MAX + 1);
	slash = memchr(text, '/', len);
	if (slash && memchr(slash, '.', len - (size_t)(slash - text)) && !memchr(text, ':', len)) {
		if (!dotted_mask(text, len, buf, sizeof(buf)))
			return YG_EINVAL;
		text = buf;
		len = strlen(buf);
	}
	if (yg_waf_addr_parse_ex(text, len, 1, 1, &a) != YG_OK)
		return YG_EINVAL;
	return allow_push(list, &a);
}

yg_err yg_waf_allow_merge(yg_waf_allow *list, const yg_waf_allow *from)
{
	if (!from)
		return YG_OK;
	for (size_t i = 0; i < from->n; i++) {
		yg_err e = allow_push(list, &from->v[i]);
		if (e)
			return e;
	}
	return YG_OK;
}

size_t yg_waf_allow_count(const yg_waf_allow *list)
{
	return list ? list->n : 0;
}

bool yg_waf_allowed(const yg_waf_allow *list, const yg_waf_addr *addr)
{
	if (!list)
		return false;
	for (size_t i = 0; i < list->n; i++)
		if (yg_waf_addr_overlaps(&list->v[i], addr))
			return true;
	return false;
}
