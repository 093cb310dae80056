/* be_outbox.c: the outbox group of the API backend over the integrations. */
#include <stdio.h>

#include "api/api_backend.h"
#include "integrations/integrations.h"

static int row_cb(void *ctx, const yg_outbox_row *r)
{
	static const char *const states[] = {"pending", "in_flight", "delivered", "dead"};
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "integration", json_object_new_string(r->integration));
	json_object_object_add(o, "alert_id", json_object_new_string(r->alert_id));
	json_object_object_add(
	        o, "state",
	        json_object_new_string((unsigned)r->state < 4 ? states[r->state] : "?"));
	json_object_object_add(o, "attempts", json_object_new_int64(r->attempts));
	json_object_object_add(o, "created_ms", json_object_new_int64(r->created_ms));
	json_object_object_add(o, "next_ms", json_object_new_int64(r->next_ms));
	json_object_object_add(o, "updated_ms", json_object_new_int64(r->updated_ms));
	json_object_object_add(o, "last_error",
	                       r->last_error ? json_object_new_string(r->last_error) : NULL);
	return json_object_array_add(ctx, o) != 0;
}

static yg_err o_list(void *ctx, const char *integration, int state, int64_t after_id, size_t limit,
                     json_object **out, char *msg, size_t msgsz)
{
	json_object *a = json_object_new_array();
	if (!a)
		return YG_ENOMEM;
	yg_err err = yg_integrations_list(ctx, integration, state, after_id, limit, row_cb, a);
	if (err) {
		json_object_put(a);
		snprintf(msg, msgsz, "the outbox cannot be read now");
		return err;
	}
	*out = a;
	return YG_OK;
}

static yg_err o_retry(void *ctx, int64_t id, char *msg, size_t msgsz)
{
	(void)msg;
	(void)msgsz;
	return yg_integrations_retry_dead(ctx, id);
}

yg_err yg_api_backend_integrations(yg_api_backend *be, yg_integrations *ig)
{
	if (!be || !ig)
		return YG_EINVAL;
	be->outbox = (yg_api_outbox_ops){.ctx = ig, .list = o_list, .retry = o_retry};
	return YG_OK;
}
