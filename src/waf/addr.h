/* addr.h: strict IPv4/IPv6 addresses and CIDR networks, and allow-lists.
 *
 * Everything the WAF action writes into a ban file or passes to a command
 * goes through yg_waf_addr_parse first. The parser accepts only what
 * inet_pton accepts for the address part plus an optional "/prefix", and
 * refuses everything else (blanks, shell metacharacters, zone ids, octets
 * with leading zeros, host bits set below the prefix, text over 64 bytes).
 * It also refuses networks so broad that banning them would lock out a large
 * part of the Internet: 0.0.0.0/0 and ::/0 always, and by default IPv4
 * prefixes shorter than /8 and IPv6 prefixes shorter than /32.
 *
 * A v4-mapped IPv6 address (::ffff:a.b.c.d, prefix >= 96) is stored as the
 * IPv4 address it maps, so "::ffff:1.2.3.4" and "1.2.3.4" are the same ban. */
#ifndef YAGURA_WAF_ADDR_H
#define YAGURA_WAF_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

/* Longest accepted input, in bytes (not counting the NUL). */
#define YG_WAF_ADDR_INPUT_MAX 64
/* Buffer size for the canonical text form, NUL included. */
#define YG_WAF_ADDR_TEXT_MAX 64

/* Default lower bounds on prefix lengths for bans. */
#define YG_WAF_MIN_PREFIX_V4 8
#define YG_WAF_MIN_PREFIX_V6 32

/* An address or network: a plain value, copy it freely. */
typedef struct yg_waf_addr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned prefix;         /* 32/128 for a single host */
	unsigned char bytes[16]; /* network order; IPv4 uses the first 4 */
} yg_waf_addr;

/* Parses `len` bytes of text (no NUL needed; an embedded NUL is refused)
 * as "ADDR" or "ADDR/PREFIX". Prefixes shorter than min_v4 / min_v6 are
 * refused (a /0 always is, whatever the minimum). Returns YG_OK and fills
 * *out, or YG_EINVAL (nothing written to *out). */
yg_err yg_waf_addr_parse_ex(const char *text, size_t len, unsigned min_v4, unsigned min_v6,
                            yg_waf_addr *out);

/* yg_waf_addr_parse_ex on a C string with the default minimum prefixes. */
yg_err yg_waf_addr_parse(const char *text, yg_waf_addr *out);

/* Writes the canonical text: dotted quad or RFC 5952 lowercase IPv6, with
 * "/prefix" only for networks. `out` must hold YG_WAF_ADDR_TEXT_MAX bytes. */
void yg_waf_addr_format(const yg_waf_addr *a, char out[YG_WAF_ADDR_TEXT_MAX]);

/* True when network `net` contains `a` (a host or a smaller network). An IPv4
 * `a` is also tested, as ::ffff:a.b.c.d, against IPv6 networks. */
bool yg_waf_addr_contains(const yg_waf_addr *net, const yg_waf_addr *a);

/* True when the two share at least one address. */
bool yg_waf_addr_overlaps(const yg_waf_addr *x, const yg_waf_addr *y);

/* Why the address or network must never be banned, or NULL when it may
 * be: it is, or covers, a loopback (127.0.0.0/8, ::1), unspecified
 * (0.0.0.0/8, ::), broadcast (255.255.255.255), multicast (224.0.0.0/4,
 * ff00::/8) or link-local (169.254.0.0/16, fe80::/10) address. Banning one
 * locks out the host itself (a local reverse proxy, the manager's own
 * checks) or does nothing but confuse the ban file, whatever a log line or
 * a user asks for. v4-mapped forms are IPv4 once parsed, so they are
 * covered too. The text names the range, for messages. */
const char *yg_waf_addr_special(const yg_waf_addr *a);

/* ---- allow-lists ---- */

typedef struct yg_waf_allow yg_waf_allow;

/* An empty list; NULL on ENOMEM. */
yg_waf_allow *yg_waf_allow_create(void);
void yg_waf_allow_destroy(yg_waf_allow *list);

/* Adds one entry: an address, "ADDR/PREFIX", or Wazuh's "a.b.c.d/m.m.m.m"
 * dotted netmask (contiguous masks only). Any prefix but /0 is accepted, as an
 * allow entry can only make the action do less. Returns YG_EINVAL for bad
 * text, YG_ENOMEM, YG_ELIMIT past 65536 entries. */
yg_err yg_waf_allow_add(yg_waf_allow *list, const char *text);

/* Appends every entry of `from` to `list`. */
yg_err yg_waf_allow_merge(yg_waf_allow *list, const yg_waf_allow *from);

size_t yg_waf_allow_count(const yg_waf_allow *list);

/* True when `addr` (a host or a network) shares any address with an entry of
 * the list, i.e. banning it would ban an allowed address. A NULL list allows
 * nothing. */
bool yg_waf_allowed(const yg_waf_allow *list, const yg_waf_addr *addr);

#endif
