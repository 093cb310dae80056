/* fuzz_apiquery.c: the query parameters of the analyst's console (issue
 * 14) called directly (no HTTP): the first input byte picks the handler,
 * the rest is a query string split on & and = as libmicrohttpd hands it
 * over (already decoded). The filters (relative times, repeated and
 * comma-separated values, levels, addresses), sort, limits and formats are
 * parsed; with no backend each handler then answers 501. Also the time
 * parser on the whole text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const api_handler handlers[] = {
        api_h_alerts,      api_h_alerts_histogram, api_h_alerts_export,
        api_h_stats_rules, api_h_stats_mitre,      api_h_stats_sources,
        api_h_fim_stats,   api_h_alerts_stream,    api_h_tickets,
        api_h_agent,
};

/* Splits text (modified) into r's arguments. */
static void split_args(api_req *r, char *text)
{
	for (char *p = text; p && *p && r->nargs < API_ARGS_MAX;) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		r->args[r->nargs].key = p;
		r->args[r->nargs].val = eq ? eq + 1 : "";
		r->args[r->nargs].len = eq ? strlen(eq + 1) : 0;
		r->nargs++;
		p = amp ? amp + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 4096)
		return 0;
	static yg_api api; /* no backend, no hub */
	char *text = malloc(size);
	api_req *r = calloc(1, sizeof(*r));
	if (text && r) {
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		int64_t ms;
		(void)api_parse_time_at(text, 1700000000000LL, &ms);
		r->api = &api;
		r->method = "GET";
		r->seg[0] = "x";
		r->seg[1] = "001";
		r->nseg = 2;
		snprintf(r->user, sizeof(r->user), "admin");
		r->role = YG_API_ROLE_ADMIN;
		split_args(r, text);
		handlers[data[0] % (sizeof(handlers) / sizeof(handlers[0]))](r);
		json_object_put(r->out);
	}
	free(text);
	free(r);
	return 0;
}
