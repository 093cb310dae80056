/* plugins.c: the PF, SymantecWS, SonicWall and OSSECAlert decoder plugins.
 *
 * Written from the behaviour of Wazuh 4.x's plugins (see plugins.h); each
 * function's comment gives the format it reads. Fields are copied into the
 * event's arena; nothing here keeps state between events, so the functions
 * are reentrant (the SonicWall patterns are compiled once and immutable). */
#include "engine/plugins.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_sf(yg_event *ev, yg_sfield f, const char *s, size_t len)
{
	char *v = yg_arena_strndup(ev->arena, s, len);
	if (v)
		ev->sfields[f] = v;
}

static void set_sf_str(yg_event *ev, yg_sfield f, const char *s)
{
	set_sf(ev, f, s, strlen(s));
}

/* ---- PF_Decoder ---- */

/* "a.b.c.d.port": the address ends at the fourth dot, the port follows. */
static void pf_address(yg_event *ev, yg_sfield ip, yg_sfield port, const char *s, size_t len)
{
	int dots = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && ++dots == 4) {
			set_sf(ev, ip, s, i);
			set_sf(ev, port, s + i + 1, len - i - 1);
			return;
		}
	}
	set_sf(ev, ip, s, len);
}

/* "<time> rule 2/(match) pass in on xl0: 140.211.166.3.6667 > 192.168.2.10.16290: P ..."
 * The action is the word after the first ')': "pass" or "block" from its
 * first letter; the source runs from after the next ": " to a space, then
 * "> " and the destination up to the next ':'; the protocol is UDP or ICMP
 * when the first word after it starts with 'u' or 'i', TCP otherwise. */
void yg_plugin_pf(yg_event *ev)
{
	const char *p = strchr(ev->log, ')');
	if (!p || p[1] != ' ')
		return;
	p += 2;
	if (*p == 'p')
		set_sf_str(ev, YG_SF_ACTION, "pass");
	else if (*p == 'b')
		set_sf_str(ev, YG_SF_ACTION, "block");
	else
		return;
	p = strchr(p, ':');
	if (!p || p[1] != ' ')
		return;
	p += 2;
	const char *sp = strchr(p, ' ');
	if (!sp)
		return;
	pf_address(ev, YG_SF_SRCIP, YG_SF_SRCPORT, p, (size_t)(sp - p));
	if (sp[1] != '>' || sp[2] != ' ')
		return;
	const char *dst = sp + 3;
	const char *colon = strchr(dst, ':');
	if (!colon)
		return;
	pf_address(ev, YG_SF_DSTIP, YG_SF_DSTPORT, dst, (size_t)(colon - dst));
	for (p = colon + 1; *p == ' '; p++)
		;
	if (*p == 'u')
		set_sf_str(ev, YG_SF_PROTOCOL, "UDP");
	else if (*p == 'i')
		set_sf_str(ev, YG_SF_PROTOCOL, "ICMP");
	else if (*p)
		set_sf_str(ev, YG_SF_PROTOCOL, "TCP");
}

/* ---- SymantecWS_Decoder ---- */

/* Sets f to the value after "NN=" (up to a ',' or max bytes) unless the
 * event already has one; returns where the value ends. */
static const char *sws_value(yg_event *ev, yg_sfield f, const char *v, size_t max)
{
	size_t n = 0;
	while (v[n] && v[n] != ',' && n < max)
		n++;
	if (!ev->sfields[f])
		set_sf(ev, f, v, n);
	return v + n;
}

/* "20070717,73614,1=5,11=1.2.3.4,1106=News,60=http://news.bbc.co.uk/,10=userX,2=27"
 * Entries after the first comma: 10= is the user, 11= the source address,
 * 60= the URL (the first of each counts). The id is the first entry that
 * starts "3=" or "2=", *with* its key and whatever follows, up to 9 bytes
 * ("3=1,2=1"), which is what the rules test (<id>^3=1,2=1</id>). */
void yg_plugin_symantecws(yg_event *ev)
{
	const char *p = strchr(ev->log, ',');
	if (!p)
		return;
	for (p++; p;) {
		if (!strncmp(p, "10=", 3)) {
			p = sws_value(ev, YG_SF_DSTUSER, p + 3, 128);
		} else if (!strncmp(p, "11=", 3)) {
			p = sws_value(ev, YG_SF_SRCIP, p + 3, 128);
		} else if (!strncmp(p, "60=", 3)) {
			p = sws_value(ev, YG_SF_URL, p + 3, 1024);
		} else if (!strncmp(p, "3=", 2) || !strncmp(p, "2=", 2)) {
			size_t n = 0;
			while (p[n] && n < 9)
				n++;
			if (!ev->sfields[YG_SF_ID])
				set_sf(ev, YG_SF_ID, p, n);
			p += n;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
}

/* ---- SonicWall_Decoder ---- */

enum { SW_PRID, SW_ADDRS, SW_PROXY, SW_NRE };

/* The plugin's three patterns, in Wazuh's OS_Regex language; '.' is a
 * literal dot there. */
static const char *const sw_src[SW_NRE] = {
        [SW_PRID] = "pri=(\\d) c=(\\d+) m=(\\d+) ",
        [SW_ADDRS] = "src=(\\d+.\\d+.\\d+.\\d+):(\\d+):\\S+ dst=(\\d+.\\d+.\\d+.\\d+):(\\d+):",
        [SW_PROXY] = "result=(\\d+) dstname=(\\S+) arg=(\\S+)$",
};
static yg_osregex *sw_re[SW_NRE];
static pthread_once_t sw_once = PTHREAD_ONCE_INIT;

static void sw_compile(void)
{
	char err[128];
	for (int i = 0; i < SW_NRE; i++)
		if (yg_osregex_compile(sw_src[i], &sw_re[i], err, sizeof(err)) != YG_OK)
			sw_re[i] = NULL;
}

/* Runs pattern i over s; true when all `want` captures are there. */
static bool sw_exec(int i, const char *s, yg_span *caps, int want, const char **end)
{
	int n = 0;
	if (!sw_re[i] || !yg_osregex_exec(sw_re[i], s, caps, want, &n, end))
		return false;
	return n >= want;
}

/* "proto=tcp/50000" after the space that follows the addresses: up to 6
 * bytes, stopping at '/' only (Wazuh's isValidChar admits every byte but NUL
 * and 0x01), so "proto=icmp note=.." gives "icmp n", as in Wazuh. Returns
 * where the proxy fields are looked for: after the space (and the protocol),
 * or NULL without a space. */
static const char *sw_protocol(yg_event *ev, const char *after)
{
	const char *p = strchr(after, ' ');
	if (!p)
		return NULL;
	p++;
	if (strncmp(p, "proto=", 6) != 0)
		return p;
	p += 6;
	size_t n = 0;
	while (n < 6 && (unsigned char)p[n] > 1 && p[n] != '/')
		n++;
	set_sf(ev, YG_SF_PROTOCOL, p, n);
	return p + n;
}

static bool sw_id_is(const yg_event *ev, const char *const *ids)
{
	for (; *ids; ids++)
		if (!strcmp(ev->sfields[YG_SF_ID], *ids))
			return true;
	return false;
}

/* m=97 is a web proxy message: the id becomes the HTTP result and the URL
 * is dstname followed by arg. */
static void sw_proxy(yg_event *ev, const char *from)
{
	yg_span c[3];
	if (!sw_exec(SW_PROXY, from, c, 3, NULL))
		return;
	set_sf(ev, YG_SF_ID, c[0].ptr, c[0].len);
	char *url = yg_arena_alloc(ev->arena, c[1].len + c[2].len + 1);
	if (!url)
		return;
	memcpy(url, c[1].ptr, c[1].len);
	memcpy(url + c[1].len, c[2].ptr, c[2].len);
	url[c[1].len + c[2].len] = '\0';
	ev->sfields[YG_SF_URL] = url;
}

/* "... pri=6 c=262144 m=98 msg=".." n=23419 src=2.2.2.2:36701:WAN dst=1.1.1.1:50000:WAN
 * proto=tcp/50000" pri is the status, m the id, c the category. The event's type is syslog unless
 * both addresses parse; then category 32 makes it an IDS event, and the ids below a firewall event
 * with an action, or (97) a proxy event. */
void yg_plugin_sonicwall(yg_event *ev)
{
	static const char *const opened[] = {"98", "597", "598", NULL};
	static const char *const dropped[] = {"38", "36", "173", "174", "37", NULL};
	pthread_once(&sw_once, sw_compile);
	ev->type = YG_DT_SYSLOG;
	yg_span c[4];
	const char *end = NULL;
	if (!sw_exec(SW_PRID, ev->log, c, 3, &end))
		return;
	set_sf(ev, YG_SF_STATUS, c[0].ptr, c[0].len);
	set_sf(ev, YG_SF_ID, c[2].ptr, c[2].len);
	char category[8];
	size_t cl = c[1].len < 7 ? c[1].len : 7;
	memcpy(category, c[1].ptr, cl);
	category[cl] = '\0';
	if (!ev->sfields[YG_SF_ID])
		return;
	/* Wazuh goes on from the last byte each pattern matched (a space, then
	 * the ':' after the destination port); `end` is one past it */
	if (!sw_exec(SW_ADDRS, end - 1, c, 4, &end))
		return;
	set_sf(ev, YG_SF_SRCIP, c[0].ptr, c[0].len);
	set_sf(ev, YG_SF_SRCPORT, c[1].ptr, c[1].len);
	set_sf(ev, YG_SF_DSTIP, c[2].ptr, c[2].len);
	set_sf(ev, YG_SF_DSTPORT, c[3].ptr, c[3].len);
	const char *rest = sw_protocol(ev, end - 1);
	if (!strcmp(category, "32")) {
		ev->type = YG_DT_IDS;
	} else if (sw_id_is(ev, opened)) {
		ev->type = YG_DT_FIREWALL;
		set_sf_str(ev, YG_SF_ACTION, "pass");
	} else if (sw_id_is(ev, dropped)) {
		ev->type = YG_DT_FIREWALL;
		set_sf_str(ev, YG_SF_ACTION, "drop");
	} else if (!strcmp(ev->sfields[YG_SF_ID], "537")) {
		ev->type = YG_DT_FIREWALL;
		set_sf_str(ev, YG_SF_ACTION, "close");
	} else if (!strcmp(ev->sfields[YG_SF_ID], "97")) {
		ev->type = YG_DT_SQUID;
		if (rest)
			sw_proxy(ev, rest);
	}
}

/* ---- OSSECAlert_Decoder ---- */

#define OA_LOCATION_MAX 254 /* Wazuh builds it in 256 bytes with snprintf(.., 255, ..) */
#define OA_LOG_MAX 4094

/* The rule an alert names: decimal as Wazuh prints rule ids (no sign, no
 * leading zero), so "05715" names no rule, as in Wazuh's hash by "%d". */
static const yg_rule *oa_rule(const yg_ruleset *rs, const char *id, size_t len)
{
	if (len == 0 || len > 10 || (id[0] == '0' && len > 1))
		return NULL;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			return NULL;
		v = v * 10 + (unsigned long)(id[i] - '0');
	}
	if (v > 0x7fffffffUL)
		return NULL;
	return yg_rule_by_sid(rs, (unsigned)v);
}

/* "; srcip: 1.2.3.4; user: root;" entries, each after one space, until the
 * double space that starts the original log. Returns that log, or NULL
 * when an entry has no ';' (the event then keeps no rule, as in Wazuh). */
static const char *oa_entries(yg_event *ev, const char *p)
{
	while (p[0] == ' ' && p[1] != ' ') {
		const char *v = p + 1;
		const char *semi = strchr(v, ';');
		if (!semi)
			return NULL;
		size_t n = (size_t)(semi - v);
		if (n >= 7 && !strncmp(v, "srcip: ", 7))
			set_sf(ev, YG_SF_SRCIP, v + 7, n - 7);
		if (n >= 6 && !strncmp(v, "user: ", 6))
			set_sf(ev, YG_SF_DSTUSER, v + 6, n - 6);
		p = semi + 1;
	}
	while (*p == ' ')
		p++;
	return p;
}

/* "Alert Level: 3; Rule: 5715 - SSHD authentication success.; Location:
 * (a) 10.0.0.1->/var/log/secure; srcip: 1.2.3.4; user: root;  <original log>" (also with "ossec: "
 * before "Alert Level"). The location becomes
 * "<location>|<alert's location>", which is also the hostname; the log and
 * full log become the original log. The type is ossec_alert even when the
 * alert does not parse (then there is no rule). */
void yg_plugin_ossec_alert(const yg_ruleset *rs, yg_event *ev)
{
	ev->type = YG_DT_OSSEC_ALERT;
	const char *log = ev->log;
	/* Wazuh compares 12 and 18 bytes: "Alert Level:", "ossec: Alert Level" */
	if (strncmp(log, "Alert Level:", 12) != 0 && strncmp(log, "ossec: Alert Level", 18) != 0)
		return;
	const char *p = strchr(log, ';');
	if (!p || !(p = strchr(p + 1, ':')) || p[1] != ' ')
		return;
	const char *id = p + 2;
	const char *sp = strchr(id, ' ');
	if (!sp)
		return;
	const yg_rule *r = oa_rule(rs, id, (size_t)(sp - id));
	if (!r || !(p = strchr(sp, ';')) || strncmp(p + 1, " Location: ", 11) != 0)
		return;
	const char *loc = p + 12;
	const char *semi = strchr(loc, ';');
	if (!semi)
		return;
	char nl[OA_LOCATION_MAX + 1];
	snprintf(nl, sizeof(nl), "%s|%.*s", ev->location ? ev->location : "", (int)(semi - loc),
	         loc);
	char *newloc = yg_arena_strndup(ev->arena, nl, strlen(nl));
	if (!newloc)
		return;
	ev->location = newloc;
	ev->hostname = newloc;
	const char *orig = oa_entries(ev, semi + 1);
	if (!orig)
		return;
	size_t n = strlen(orig);
	char *full = yg_arena_strndup(ev->arena, orig, n < OA_LOG_MAX ? n : OA_LOG_MAX);
	if (!full)
		return;
	ev->full_log = full;
	ev->log = full;
	ev->plugin_rule = r;
}
