/* archive_in.c: archives.json lines back into engine input; see
 * archive_in.h. The line is outside input: json-c with a depth limit, and
 * every field checked for its type. */
#include "engine/archive_in.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 32

struct yg_archived {
	json_tokener *tok;
	json_object *obj; /* the last line's, owning *in's strings */
};

yg_archived *yg_archived_create(void)
{
	yg_archived *a = calloc(1, sizeof(*a));
	if (a && !(a->tok = json_tokener_new_ex(DEPTH_MAX))) {
		free(a);
		return NULL;
	}
	return a;
}

void yg_archived_destroy(yg_archived *a)
{
	if (!a)
		return;
	json_object_put(a->obj);
	json_tokener_free(a->tok);
	free(a);
}

static bool two(const char *p, int *v)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return false;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

time_t yg_archived_time(const char *ts)
{
	int y, mo, d, h, mi, s, oh, om;
	int n = 0;
	if (!ts || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
		return 0;
	const char *z = ts + n;
	if (*z == '.')
		for (z++; isdigit((unsigned char)*z); z++)
			;
	if ((*z != '+' && *z != '-') || !two(z + 1, &oh) || !two(z + 3, &om) || z[5])
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = s};
	long off = oh * 3600L + om * 60L;
	return timegm(&tm) - (*z == '+' ? off : -off);
}

/* The string at key (NULL when absent); false when it is not a string. */
static bool str_at(json_object *o, const char *key, const char **out)
{
	json_object *v;
	*out = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	*out = json_object_get_string(v);
	return true;
}

static bool obj_at(json_object *o, const char *key, json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, out))
		return true;
	return json_object_is_type(*out, json_type_object);
}

static yg_err fill(json_object *o, yg_input *in)
{
	json_object *agent, *mgr, *syscheck;
	const char *ts = NULL, *ats = NULL;
	if (!obj_at(o, "agent", &agent) || !obj_at(o, "manager", &mgr) ||
	    !str_at(o, "full_log", &in->log) || !str_at(o, "location", &in->location) ||
	    !str_at(o, "timestamp", &ts) || !str_at(o, "agent_time", &ats) ||
	    !str_at(agent, "id", &in->agent_id) || !str_at(agent, "name", &in->agent_name) ||
	    !str_at(agent, "ip", &in->agent_ip) || !str_at(mgr, "name", &in->manager_name))
		return YG_EPARSE;
	if (!in->log || json_object_object_get_ex(o, "syscheck", &syscheck))
		return YG_ENOTFOUND;
	in->now = yg_archived_time(ts);
	in->origin_time = yg_archived_time(ats);
	if (in->agent_id && !strcmp(in->agent_id, "000")) {
		/* the manager's own: its name is the manager's, as it was */
		in->agent_id = NULL;
		in->agent_name = NULL;
	}
	return YG_OK;
}

yg_err yg_archived_parse(yg_archived *a, const char *line, size_t len, yg_input *in)
{
	memset(in, 0, sizeof(*in));
	json_object_put(a->obj);
	a->obj = NULL;
	if (len > (size_t)INT32_MAX)
		return YG_ELIMIT;
	json_tokener_reset(a->tok);
	json_object *o = json_tokener_parse_ex(a->tok, line, (int)len);
	if (!o || json_tokener_get_error(a->tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return YG_EPARSE;
	}
	a->obj = o;
	for (size_t i = json_tokener_get_parse_end(a->tok); i < len; i++)
		if (!isspace((unsigned char)line[i]))
			return YG_EPARSE; /* one object per line */
	yg_err err = fill(o, in);
	if (err)
		memset(in, 0, sizeof(*in));
	return err;
}
