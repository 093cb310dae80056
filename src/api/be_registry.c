/* be_registry.c: the agents group of the API backend over the registry. */
#include <stdio.h>

#include "api/api_backend.h"
#include "transport/registry.h"

static bool agent_cb(void *ctx, const yg_agent_info *a)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "name", json_object_new_string(a->name));
	json_object_object_add(o, "ip", json_object_new_string(a->ip));
	json_object_object_add(o, "status",
	                       json_object_new_string(yg_agent_status_name(a->status)));
	json_object_object_add(o, "version", json_object_new_string(a->version));
	json_object_object_add(o, "last_keepalive",
	                       json_object_new_int64((int64_t)a->last_keepalive));
	json_object_object_add(o, "date_add", json_object_new_int64((int64_t)a->date_add));
	json_object_object_add(o, "revoked", json_object_new_boolean(a->revoked));
	return json_object_array_add(ctx, o) == 0;
}

static yg_err r_list(void *ctx, json_object **out, char *msg, size_t msgsz)
{
	json_object *a = json_object_new_array();
	if (!a)
		return YG_ENOMEM;
	yg_err err = yg_registry_list(ctx, agent_cb, a);
	if (err) {
		json_object_put(a);
		snprintf(msg, msgsz, "the agents registry cannot be read now");
		return err;
	}
	*out = a;
	return YG_OK;
}

static yg_err r_get(void *ctx, const char *id, json_object **out, char *msg, size_t msgsz)
{
	yg_agent_info info;
	yg_err err = yg_registry_get(ctx, id, &info);
	if (err) {
		if (err != YG_ENOTFOUND)
			snprintf(msg, msgsz, "the agents registry cannot be read now");
		return err;
	}
	json_object *a = json_object_new_array();
	if (!a || !agent_cb(a, &info)) {
		json_object_put(a);
		return YG_ENOMEM;
	}
	*out = json_object_get(json_object_array_get_idx(a, 0));
	json_object_put(a);
	return YG_OK;
}

yg_err yg_api_backend_registry(yg_api_backend *be, yg_registry *reg)
{
	if (!be || !reg)
		return YG_EINVAL;
	be->agents = (yg_api_agents_ops){.ctx = reg, .list = r_list, .get = r_get};
	return YG_OK;
}
