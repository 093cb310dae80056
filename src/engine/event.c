#include "engine/event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const sfield_names[YG_SF_COUNT] = {
        [YG_SF_SRCIP] = "srcip",       [YG_SF_ID] = "id",
        [YG_SF_DSTIP] = "dstip",       [YG_SF_SRCPORT] = "srcport",
        [YG_SF_DSTPORT] = "dstport",   [YG_SF_SRCUSER] = "srcuser",
        [YG_SF_DSTUSER] = "dstuser",   [YG_SF_PROTOCOL] = "protocol",
        [YG_SF_ACTION] = "action",     [YG_SF_URL] = "url",
        [YG_SF_DATA] = "data",         [YG_SF_EXTRA_DATA] = "extra_data",
        [YG_SF_STATUS] = "status",     [YG_SF_SYSTEMNAME] = "system_name",
        [YG_SF_SRCGEOIP] = "srcgeoip", [YG_SF_DSTGEOIP] = "dstgeoip",
        [YG_SF_LOCATION] = "location",
};

const char *yg_sfield_name(yg_sfield f)
{
	return (f >= 0 && f < YG_SF_COUNT) ? sfield_names[f] : "?";
}

int yg_sfield_from_order(const char *w)
{
	/* Exactly the words Wazuh's decoder <order> maps to static fields. */
	if (!strcmp(w, "user") || !strcmp(w, "dstuser"))
		return YG_SF_DSTUSER;
	if (!strcmp(w, "srcuser"))
		return YG_SF_SRCUSER;
	if (!strcmp(w, "srcip"))
		return YG_SF_SRCIP;
	if (!strcmp(w, "dstip"))
		return YG_SF_DSTIP;
	if (!strcmp(w, "srcport"))
		return YG_SF_SRCPORT;
	if (!strcmp(w, "dstport"))
		return YG_SF_DSTPORT;
	if (!strcmp(w, "protocol"))
		return YG_SF_PROTOCOL;
	if (!strcmp(w, "action"))
		return YG_SF_ACTION;
	if (!strcmp(w, "id"))
		return YG_SF_ID;
	if (!strcmp(w, "url"))
		return YG_SF_URL;
	if (!strcmp(w, "data"))
		return YG_SF_DATA;
	if (!strcmp(w, "extra_data"))
		return YG_SF_EXTRA_DATA;
	if (!strcmp(w, "status"))
		return YG_SF_STATUS;
	if (!strcmp(w, "system_name"))
		return YG_SF_SYSTEMNAME;
	return -1;
}

void yg_event_reset(yg_event *ev)
{
	yg_arena *a = ev->arena;
	memset(ev, 0, offsetof(yg_event, fields));
	ev->nfields = 0;
	ev->time = 0;
	ev->hour_min = 0;
	ev->wday = 0;
	ev->size = 0;
	ev->arena = a;
	if (a)
		yg_arena_reset(a);
}

yg_err yg_event_set(yg_event *ev, const char *key, bool copy_key, const char *value, size_t len)
{
	char *v = yg_arena_strndup(ev->arena, value, len);
	if (!v)
		return YG_ENOMEM;
	int sf = yg_sfield_from_order(key);
	if (sf >= 0) {
		ev->sfields[sf] = v;
		return YG_OK;
	}
	if (ev->nfields >= YG_EVENT_MAX_FIELDS)
		return YG_ELIMIT;
	const char *k = key;
	if (copy_key) {
		k = yg_arena_strndup(ev->arena, key, strlen(key));
		if (!k)
			return YG_ENOMEM;
	}
	ev->fields[ev->nfields].key = k;
	ev->fields[ev->nfields].value = v;
	ev->nfields++;
	return YG_OK;
}

const char *yg_event_find(const yg_event *ev, const char *key)
{
	for (int i = 0; i < ev->nfields; i++)
		if (strcasecmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].value;
	return NULL;
}

const char *yg_event_lookup(const yg_event *ev, const char *name)
{
	if (!strcmp(name, "user"))
		return ev->sfields[YG_SF_DSTUSER];
	for (int i = 0; i < YG_SF_LOCATION; i++)
		if (!strcmp(name, sfield_names[i]))
			return ev->sfields[i];
	if (!strcmp(name, "program_name"))
		return ev->program_name;
	if (!strcmp(name, "hostname"))
		return ev->hostname;
	return yg_event_find(ev, name);
}
