/* compiled.c: Wazuh's "compiled rules", C predicates named by
 * <compiled_rule>. Same names and meaning as Wazuh's built-in set. */
#include "engine/compiled.h"

#include <string.h>

/* True when srcuser equals dstuser (or either is missing). */
static bool same_srcuser_dstuser(const yg_event *ev)
{
	const char *s = ev->sfields[YG_SF_SRCUSER], *d = ev->sfields[YG_SF_DSTUSER];
	return !s || !d || strcmp(s, d) == 0;
}

static bool id_size(const yg_event *ev)
{
	const char *id = ev->sfields[YG_SF_ID];
	return id && strlen(id) >= 10;
}

/* Old Windows logs: true when "Target Account Name" and "Caller User Name"
 * differ (compared up to a tab or a double space). */
static bool mswin_users_differ(const yg_event *ev)
{
	const char *t = strstr(ev->log, "Target Account Name");
	const char *c = strstr(ev->log, "Caller User Name");
	if (!t || !c || !(t = strchr(t, ':')) || !(c = strchr(c, ':')))
		return false;
	for (t++, c++; *t; t++, c++) {
		if (*t != *c)
			return true;
		if (*t == '\t' || (*t == ' ' && t[1] == ' '))
			break;
	}
	return false;
}

static bool simple_http_request(const yg_event *ev)
{
	const char *url = ev->sfields[YG_SF_URL];
	return url && (strcmp(url, "/") == 0 || !strchr(url, '?'));
}

static bool valid_crawler(const yg_event *ev)
{
	static const char *const prefixes[] = {"66.249.", "72.14.", "209.85.", "65.55.",
	                                       "207.46.", "74.6.",  "72.30.",  "67.195."};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(ev->log, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static const struct {
	const char *name;
	yg_compiled_fn fn;
} table[] = {
        {"comp_srcuser_dstuser", same_srcuser_dstuser},
        {"check_id_size", id_size},
        {"comp_mswin_targetuser_calleruser_diff", mswin_users_differ},
        {"is_simple_http_request", simple_http_request},
        {"is_valid_crawler", valid_crawler},
};

yg_compiled_fn yg_compiled_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].fn;
	return NULL;
}
