#include "engine/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/osmatch.h"
#include "engine/prefilter.h"

/* Captures beyond this many are dropped (Wazuh's decoders use far fewer). */
#define YG_PCRE2_MAX_PAIRS 64
/* Longest address list one <srcip> may build. */
#define YG_IPLIST_MAX 4096

typedef struct yg_ipnet {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned char mask[16];
	bool any;
} yg_ipnet;

struct yg_pattern {
	yg_pat_type type;
	bool negate;
	char *source;
	union {
		yg_osmatch *osmatch;
		yg_osregex *osregex;
		pcre2_code *pcre2;
	} u;
	/* YG_PAT_IPLIST */
	yg_ipnet *nets;
	size_t nnets;
	bool list_negated; /* some entry started with '!' */
	yg_prefilter *pf;  /* quick "cannot match" test, or NULL */
};

struct yg_match_scratch {
	pcre2_match_data *md;
	yg_bigrams bg;
	bool have_bg;
};

void yg_match_scratch_set_subject(yg_match_scratch *s, const char *subject, size_t len)
{
	if (!s)
		return;
	yg_bigrams_build(&s->bg, subject, len);
	s->have_bg = true;
}

yg_match_scratch *yg_match_scratch_create(void)
{
	yg_match_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->md = pcre2_match_data_create(YG_PCRE2_MAX_PAIRS, NULL);
	if (!s->md) {
		free(s);
		return NULL;
	}
	return s;
}

void yg_match_scratch_destroy(yg_match_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	free(s);
}

bool yg_pat_type_parse(const char *name, yg_pat_type dflt, yg_pat_type *out)
{
	if (!name) {
		*out = dflt;
		return true;
	}
	if (strcasecmp(name, "osmatch") == 0)
		*out = YG_PAT_OSMATCH;
	else if (strcasecmp(name, "osregex") == 0)
		*out = YG_PAT_OSREGEX;
	else if (strcasecmp(name, "pcre2") == 0)
		*out = YG_PAT_PCRE2;
	else
		return false;
	return true;
}

const char *yg_pat_type_name(yg_pat_type t)
{
	switch (t) {
	case YG_PAT_OSMATCH: return "osmatch";
	case YG_PAT_OSREGEX: return "osregex";
	case YG_PAT_PCRE2: return "pcre2";
	case YG_PAT_STRING: return "string";
	case YG_PAT_IPLIST: return "ip";
	}
	return "?";
}

/* Parses "a.b.c.d", "a.b.c.d/nn", "a.b.c.d/m.m.m.m", IPv6 with "/nn", or
 * "any", as Wazuh's OS_IsValidIP accepts them. */
static bool parse_net(const char *text, yg_ipnet *net)
{
	char buf[128];
	size_t len = strlen(text);
	memset(net, 0, sizeof(*net));
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len + 1);
	if (strcmp(buf, "any") == 0) {
		net->any = true;
		return true;
	}
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	const char *v4 = buf;
	if (strncasecmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.'))
		v4 = buf + 7;
	if (inet_pton(AF_INET, v4, net->addr) == 1) {
		net->family = AF_INET;
		int bits = 32;
		if (slash) {
			if (strchr(slash, '.')) {
				if (inet_pton(AF_INET, slash, net->mask) != 1)
					return false;
				goto apply;
			}
			char *end;
			long b = strtol(slash, &end, 10);
			if (*slash == '\0' || *end || b < 0 || b > 32)
				return false;
			bits = (int)b;
		}
		for (int i = 0; i < 4; i++) {
			int take = bits >= 8 ? 8 : (bits > 0 ? bits : 0);
			net->mask[i] = (unsigned char)(take ? (0xFF << (8 - take)) & 0xFF : 0);
			bits -= take;
		}
		goto apply;
	}
	if (inet_pton(AF_INET6, buf, net->addr) == 1) {
		net->family = AF_INET6;
		int bits = 128;
		if (slash) {
			char *end;
			long b = strtol(slash, &end, 10);
			if (*slash == '\0' || *end || b < 0 || b > 128)
				return false;
			bits = (int)b;
		}
		for (int i = 0; i < 16; i++) {
			int take = bits >= 8 ? 8 : (bits > 0 ? bits : 0);
			net->mask[i] = (unsigned char)(take ? (0xFF << (8 - take)) & 0xFF : 0);
			bits -= take;
		}
		goto apply;
	}
	return false;
apply:
	for (int i = 0; i < 16; i++)
		net->addr[i] &= net->mask[i];
	return true;
}

yg_err yg_pattern_add_ip(yg_pattern *p, const char *ip, char *err, size_t errlen)
{
	if (p->type != YG_PAT_IPLIST)
		return YG_EINVAL;
	if (p->nnets >= YG_IPLIST_MAX) {
		snprintf(err, errlen, "too many addresses");
		return YG_ELIMIT;
	}
	const char *text = ip;
	while (*text == ' ')
		text++;
	bool neg = false;
	if (*text == '!') {
		neg = true;
		text++;
	}
	yg_ipnet net;
	if (!parse_net(text, &net)) {
		snprintf(err, errlen, "invalid IP address or network '%s'", ip);
		return YG_EPARSE;
	}
	yg_ipnet *n = realloc(p->nets, (p->nnets + 1) * sizeof(*n));
	if (!n)
		return YG_ENOMEM;
	p->nets = n;
	p->nets[p->nnets++] = net;
	if (neg)
		p->list_negated = true;
	return YG_OK;
}

yg_err yg_pattern_compile(yg_pat_type type, const char *src, bool negate, yg_pattern **out,
                          char *err, size_t errlen)
{
	yg_err rc = YG_OK;
	*out = NULL;
	yg_pattern *p = calloc(1, sizeof(*p));
	if (!p)
		return YG_ENOMEM;
	p->type = type;
	p->negate = negate;
	p->source = strdup(src);
	if (!p->source) {
		rc = YG_ENOMEM;
		goto out;
	}
	switch (type) {
	case YG_PAT_OSMATCH: rc = yg_osmatch_compile(src, &p->u.osmatch, err, errlen); break;
	case YG_PAT_OSREGEX:
		rc = yg_osregex_compile(src, &p->u.osregex, err, errlen);
		if (!rc)
			p->pf = yg_prefilter_osregex(src);
		break;
	case YG_PAT_PCRE2: {
		int errcode;
		PCRE2_SIZE erroff;
		p->u.pcre2 = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0, &errcode,
		                           &erroff, NULL);
		if (!p->u.pcre2) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(errcode, msg, sizeof(msg));
			snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)erroff);
			rc = YG_EPARSE;
		} else {
			(void)pcre2_jit_compile(p->u.pcre2, PCRE2_JIT_COMPLETE);
		}
		break;
	}
	case YG_PAT_STRING: break;
	case YG_PAT_IPLIST: rc = yg_pattern_add_ip(p, src, err, errlen); break;
	}
out:
	if (rc) {
		yg_pattern_destroy(p);
		return rc;
	}
	*out = p;
	return YG_OK;
}

void yg_pattern_destroy(yg_pattern *p)
{
	if (!p)
		return;
	switch (p->type) {
	case YG_PAT_OSMATCH: yg_osmatch_destroy(p->u.osmatch); break;
	case YG_PAT_OSREGEX: yg_osregex_destroy(p->u.osregex); break;
	case YG_PAT_PCRE2: pcre2_code_free(p->u.pcre2); break;
	default: break;
	}
	yg_prefilter_destroy(p->pf);
	free(p->nets);
	free(p->source);
	free(p);
}

yg_pat_type yg_pattern_type(const yg_pattern *p)
{
	return p->type;
}

bool yg_pattern_negated(const yg_pattern *p)
{
	return p->negate;
}

void yg_pattern_set_negate(yg_pattern *p, bool negate)
{
	p->negate = negate;
}

const char *yg_pattern_source(const yg_pattern *p)
{
	return p->source;
}

int yg_pattern_ncaptures(const yg_pattern *p)
{
	if (p->type == YG_PAT_OSREGEX)
		return yg_osregex_ncaptures(p->u.osregex);
	if (p->type == YG_PAT_PCRE2) {
		uint32_t n = 0;
		pcre2_pattern_info(p->u.pcre2, PCRE2_INFO_CAPTURECOUNT, &n);
		return (int)n;
	}
	return 0;
}

/* Wazuh's OS_IPFoundList: with any "!" entry in the list, finding the address
 * means "no match". An unparsable address never matches. */
static bool iplist_match(const yg_pattern *p, const char *str)
{
	unsigned char a[16] = {0};
	int fam;
	const char *v4 = str;
	if (strncasecmp(str, "::ffff:", 7) == 0 && strchr(str + 7, '.'))
		v4 = str + 7;
	if (inet_pton(AF_INET, v4, a) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, str, a) == 1)
		fam = AF_INET6;
	else
		return false;
	bool found = false;
	for (size_t i = 0; i < p->nnets && !found; i++) {
		const yg_ipnet *n = &p->nets[i];
		if (n->any) {
			found = true;
			break;
		}
		if (n->family != fam)
			continue;
		size_t len = fam == AF_INET ? 4 : 16;
		bool ok = true;
		for (size_t k = 0; k < len; k++) {
			if ((a[k] & n->mask[k]) != n->addr[k]) {
				ok = false;
				break;
			}
		}
		found = ok;
	}
	return p->list_negated ? !found : found;
}

bool yg_pattern_exec(const yg_pattern *p, const char *str, yg_match_scratch *scratch, yg_span *caps,
                     int maxcaps, int *ncaps, const char **end)
{
	if (ncaps)
		*ncaps = 0;
	if (!str)
		return false;
	switch (p->type) {
	case YG_PAT_OSMATCH: return yg_osmatch_exec(p->u.osmatch, str);
	case YG_PAT_OSREGEX:
		if (p->pf && !yg_prefilter_may_match(
		                     p->pf, str, scratch && scratch->have_bg ? &scratch->bg : NULL))
			return false;
		return yg_osregex_exec(p->u.osregex, str, caps, maxcaps, ncaps, end);
	case YG_PAT_PCRE2: {
		if (!scratch)
			return false;
		int rc = pcre2_match(p->u.pcre2, (PCRE2_SPTR)str, strlen(str), 0, 0, scratch->md,
		                     NULL);
		if (rc <= 0)
			return false;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(scratch->md);
		if (end)
			*end = str + ov[1];
		if (caps && ncaps) {
			int n = 0;
			for (int i = 1; i < rc && n < maxcaps; i++, n++) {
				if (ov[2 * i] == PCRE2_UNSET) {
					caps[n].ptr = str;
					caps[n].len = 0;
				} else {
					caps[n].ptr = str + ov[2 * i];
					caps[n].len = ov[2 * i + 1] - ov[2 * i];
				}
			}
			*ncaps = n;
		}
		return true;
	}
	case YG_PAT_STRING: return strcmp(p->source, str) == 0;
	case YG_PAT_IPLIST: return iplist_match(p, str);
	}
	return false;
}
