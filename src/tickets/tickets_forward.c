/* tickets_forward.c: the HTTP requests that create a ticket in Catalyst or
 * an alert in TheHive. Only built here; the manager's integrations outbox
 * sends them (with retries), so a slow ticket system never holds up the
 * pipeline.
 *
 * Catalyst (SecurityBrewery, REST API, OAuth2 bearer): POST /api/tickets
 * with a NewTicket {type, name, description, open, owner, resolution,
 * schema, state}; the article's catalyst-reaction.py sets the same fields
 * (state.severity "Medium"/"High", type incident/alert, open true).
 * TheHive 5: POST /api/v1/alert {type, source, sourceRef, title,
 * description, severity, date, tags} with "Authorization: Bearer <key>". */
#include <stdlib.h>
#include <string.h>

#include "tickets/tickets_int.h"

#define BODY_MAX (256 * 1024)

void yg_tickets_request_free(yg_tickets_request *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->url);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* "<key>":<json string of v>, with a leading comma unless first. */
static yg_err put_str(yg_buf *b, const char *key, const char *v, bool first)
{
	yg_err e = yg_buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
	return e ? e : yg_buf_json_str(b, v);
}

static yg_err catalyst_body(const yg_ticket *tk, yg_buf *b)
{
	yg_err e = yg_buf_putc(b, '{');
	if (!e)
		e = put_str(b, "type", tk->type, true);
	if (!e)
		e = put_str(b, "name", tk->title, false);
	if (!e)
		e = put_str(b, "description", tk->description, false);
	if (!e)
		e = yg_buf_printf(b, ",\"open\":%s",
		                  strcmp(tk->status, "closed") ? "true" : "false");
	/* Catalyst's owner is one of its user ids, which yagura's assignee
	 * names are not: the ticket is created unassigned. */
	if (!e)
		e = put_str(b, "owner", "", false);
	if (!e)
		e = put_str(b, "resolution", tk->resolution, false);
	if (!e)
		e = yg_buf_printf(b, ",\"schema\":{},\"state\":{\"severity\":\"%s\"}}",
		                  yg_tickets_severity_name(tk->severity));
	return e;
}

static yg_err thehive_body(const yg_ticket *tk, yg_buf *b)
{
	yg_err e = yg_buf_putc(b, '{');
	if (!e)
		e = put_str(b, "type", "yagura", true);
	if (!e)
		e = put_str(b, "source", "yagura", false);
	/* the first alert's id: unique across yagura's databases, so TheHive's
	 * (type, source, sourceRef) de-duplication refuses a re-send */
	if (!e)
		e = put_str(b, "sourceRef", tk->first_alert_id, false);
	if (!e)
		e = put_str(b, "title", tk->title, false);
	if (!e)
		e = put_str(b, "description", tk->description, false);
	if (!e)
		e = yg_buf_printf(b, ",\"severity\":%d,\"date\":%lld,\"tags\":[\"yagura\",",
		                  tk->severity, (long long)tk->first_alert_ms);
	if (!e)
		e = yg_buf_json_str(b, tk->type);
	if (!e)
		e = yg_buf_puts(b, ",\"rule:");
	if (!e)
		e = yg_buf_json_escape(b, tk->rule_id, strlen(tk->rule_id));
	if (!e)
		e = yg_buf_puts(b, "\"]}");
	return e;
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

yg_err yg_tickets_forward_request(yg_tickets *t, int64_t id, size_t i, yg_tickets_request *out)
{
	memset(out, 0, sizeof(*out));
	const tk_forward *f = yg_tk_config_forward(yg_tk_store_config(t), i);
	if (!f)
		return YG_EINVAL;
	yg_ticket *tk = NULL;
	yg_err e = yg_tickets_get(t, id, &tk);
	if (e)
		return e;
	yg_buf body;
	yg_buf_init(&body, BODY_MAX);
	e = f->type == TK_FWD_CATALYST ? catalyst_body(tk, &body) : thehive_body(tk, &body);
	yg_ticket_free(tk);
	if (e) {
		yg_buf_free(&body);
		return e == YG_ELIMIT ? YG_ENOMEM : e;
	}
	out->body = yg_buf_steal(&body);
	out->method = strdup("POST");
	out->url = join(f->url, f->type == TK_FWD_CATALYST ? "/api/tickets" : "/api/v1/alert");
	out->headers = calloc(3, sizeof(*out->headers));
	if (out->headers) {
		out->nheaders = 3;
		out->headers[0] = join("Authorization: Bearer ", f->token);
		out->headers[1] = strdup("Content-Type: application/json");
		out->headers[2] = strdup("Accept: application/json");
	}
	if (!out->body || !out->method || !out->url || !out->headers || !out->headers[0] ||
	    !out->headers[1] || !out->headers[2]) {
		yg_tickets_request_free(out);
		return YG_ENOMEM;
	}
	return YG_OK;
}

yg_err yg_ticket_to_json(const yg_ticket *tk, yg_buf *b)
{
	yg_err e = yg_buf_printf(b, "{\"id\":%lld", (long long)tk->id);
	if (!e)
		e = put_str(b, "title", tk->title, false);
	if (!e)
		e = put_str(b, "type", tk->type, false);
	if (!e)
		e = yg_buf_printf(b, ",\"severity\":%d,\"severity_name\":\"%s\"", tk->severity,
		                  yg_tickets_severity_name(tk->severity));
	if (!e)
		e = put_str(b, "status", tk->status, false);
	if (!e)
		e = put_str(b, "resolution", tk->resolution, false);
	if (!e)
		e = put_str(b, "assignee", tk->assignee, false);
	if (!e)
		e = put_str(b, "description", tk->description, false);
	if (!e)
		e = put_str(b, "rule_id", tk->rule_id, false);
	if (!e)
		e = put_str(b, "fold_key", tk->fold_key, false);
	if (!e)
		e = put_str(b, "first_alert_id", tk->first_alert_id, false);
	if (!e)
		e = yg_buf_printf(b,
		                  ",\"level\":%d,\"created\":%lld,\"updated\":%lld,"
		                  "\"alert_count\":%lld,\"first_alert\":%lld,\"last_alert\":%lld}",
		                  tk->level, (long long)tk->created_ms, (long long)tk->updated_ms,
		                  (long long)tk->alert_count, (long long)tk->first_alert_ms,
		                  (long long)tk->last_alert_ms);
	return e;
}
