/* enroll_req.c: reading one enrolment request. */
#include <json-c/json.h>
#include <string.h>

#include "store/registry.h"
#include "transport/enroll_req.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	/* a NUL inside would make what is checked differ from what is stored */
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

const char *yg_enroll_req_parse(const uint8_t *p, size_t len, yg_enroll_req *out)
{
	memset(out, 0, sizeof(*out));
	if (len > (size_t)INT32_MAX)
		return "the request is too large";
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *req = tok ? json_tokener_parse_ex(tok, (const char *)p, (int)len) : NULL;
	bool ok = req && json_tokener_get_error(tok) == json_tokener_success &&
	          json_object_is_type(req, json_type_object);
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(req);
		return "the request is not a JSON object";
	}
	out->obj = req;
	const char *name = jstr(req, "name");
	if (!yg_registry_valid_name(name))
		return "invalid agent name (1-128 of A-Z a-z 0-9 . _ -)";
	out->name = name;
	out->csr = jstr(req, "csr");
	if (!out->csr)
		return "no CSR";
	out->password = jstr(req, "password");
	out->token = jstr(req, "token");
	return NULL;
}

void yg_enroll_req_free(yg_enroll_req *r)
{
	json_object_put(r->obj);
	memset(r, 0, sizeof(*r));
}
