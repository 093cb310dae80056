/* ar_dispatch.c: which responses an alert fires, and their messages.
 * The decisions are analysisd's (rules.c binding ARs to rules, analysisd.c's
 * crafted srcip/dstuser check, alerts/exec.c's OS_Exec targets and white
 * list); the repeated-offenders arithmetic is execd's. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ar/ar_dispatch.h"
#include "ar/ar_int.h"
#include "common/ybuf.h"
#include "common/yhash.h"
#include "common/yhtab.h"

#define GROUPS_MAX (64 * 1024)
#define EXTRA_ARGS_MAX 2047 /* Wazuh copies extra_args into 2048 bytes */
#define KEY_MAX 512

/* The repeated-offender counter of one (command, ip): the table's value,
 * its key is command '\x1f' ip. */
typedef struct offender {
	unsigned ntimes;
	int64_t last_ms;
} offender;

struct yg_ar_dispatch {
	const yg_ar_config *cfg;
	char *node;
	size_t max_message;
	yg_ar_clock_fn clock;
	void *clock_ctx;
	uint64_t forget_ms;
	size_t max_off;
	yg_htab *off;    /* key -> offender, at most max_off */
	char **keynames; /* per response: its name, "#n" added to repeats */
};

static int64_t real_clock(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

yg_ar_dispatch *yg_ar_dispatch_create(const yg_ar_config *cfg, const yg_ar_dispatch_opts *opts)
{
	yg_ar_dispatch *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = cfg;
	d->node = strdup(opts && opts->node_name ? opts->node_name : "node01");
	d->max_message = opts && opts->max_message ? opts->max_message : YG_AR_DEFAULT_MAX_MESSAGE;
	d->clock = opts && opts->clock ? opts->clock : real_clock;
	d->clock_ctx = opts ? opts->clock_ctx : NULL;
	d->forget_ms = opts ? opts->forget_after_s * 1000 : 0;
	d->max_off = opts && opts->max_offenders ? opts->max_offenders : 65536;
	d->keynames = calloc(cfg->nresps + 1, sizeof(char *));
	d->off = yg_htab_create(sizeof(offender), 0);
	if (!d->node || !d->keynames || !d->off) {
		yg_ar_dispatch_destroy(d);
		return NULL;
	}
	for (size_t i = 0; i < cfg->nresps; i++) {
		unsigned dup = 1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->resps[j].name, cfg->resps[i].name) == 0)
				dup++;
		size_t len = strlen(cfg->resps[i].name) + 16;
		d->keynames[i] = malloc(len);
		if (!d->keynames[i]) {
			yg_ar_dispatch_destroy(d);
			return NULL;
		}
		if (dup == 1)
			snprintf(d->keynames[i], len, "%s", cfg->resps[i].name);
		else
			snprintf(d->keynames[i], len, "%s#%u", cfg->resps[i].name, dup);
	}
	return d;
}

void yg_ar_dispatch_destroy(yg_ar_dispatch *d)
{
	if (!d)
		return;
	yg_htab_destroy(d->off);
	if (d->keynames)
		for (size_t i = 0; i < d->cfg->nresps; i++)
			free(d->keynames[i]);
	free(d->keynames);
	free(d->node);
	free(d);
}

size_t yg_ar_dispatch_noffenders(const yg_ar_dispatch *d)
{
	return yg_htab_count(d->off);
}

/* ---- repeated offenders ---- */

/* Drops the least recently seen counter (the table is full). */
static void evict_oldest(yg_ar_dispatch *d)
{
	size_t it = 0, victim = 0;
	int64_t oldest = 0;
	const offender *o;
	while ((o = yg_htab_next(d->off, &it, NULL))) {
		if (!victim || o->last_ms < oldest) {
			victim = it;
			oldest = o->last_ms;
		}
	}
	if (victim)
		yg_htab_remove_at(d->off, victim);
}

/* The timeout for this offence of (command, ip), counting it: execd's
 * ExecdRun arithmetic over the configured minutes. */
static unsigned offence_timeout(yg_ar_dispatch *d, const char *command, const char *ip,
                                unsigned base, bool count)
{
	const unsigned *ro;
	size_t nro = yg_ar_config_repeated_offenders(d->cfg, &ro);
	if (nro == 0 || base == 0 || !ip || !*ip)
		return base;
	char key[KEY_MAX];
	int kl = snprintf(key, sizeof(key), "%s\x1f%s", command, ip);
	if (kl < 0 || (size_t)kl >= sizeof(key))
		return base;
	int64_t now = d->clock(d->clock_ctx);
	offender *o = yg_htab_find(d->off, key);
	if (o) {
		if (!count) /* a re-delivery: the timeout the offence got */
			return o->ntimes == 0 ? base
			                      : ro[(o->ntimes < nro ? o->ntimes : nro) - 1] * 60u;
		if (d->forget_ms && now - o->last_ms > (int64_t)d->forget_ms) {
			o->ntimes = 0;
			o->last_ms = now;
			return base; /* forgotten: a first offence again */
		}
		o->last_ms = now;
		unsigned minutes;
		if (o->ntimes >= nro) {
			minutes = ro[nro - 1];
		} else {
			minutes = ro[o->ntimes];
			o->ntimes++;
		}
		return minutes * 60u;
	}
	if (!count)
		return base;
	if (yg_htab_count(d->off) >= d->max_off)
		evict_oldest(d);
	/* out of memory: this offence is simply not counted */
	if (yg_htab_insert(d->off, key, (void **)&o, NULL) == YG_OK)
		o->last_ms = now;
	return base;
}

/* ---- reading the alert ---- */

static json_object *get_path(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL;
	if (!json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	if (!json_object_is_type(x, json_type_object))
		return NULL;
	json_object *y = NULL;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static const char *get_str(json_object *o, const char *a, const char *b)
{
	json_object *x = get_path(o, a, b);
	return x && json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
}

/* The integer value of a number or all-digits string; false otherwise. */
static bool get_long(json_object *x, long *out)
{
	if (!x)
		return false;
	if (json_object_is_type(x, json_type_int)) {
		*out = (long)json_object_get_int64(x);
		return true;
	}
	if (!json_object_is_type(x, json_type_string))
		return false;
	const char *s = json_object_get_string(x);
	long v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000000L)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Appends each string of array rule.<field> as "<prefix><item>,". */
static yg_err add_groups(yg_buf *g, json_object *rule, const char *field, const char *prefix)
{
	json_object *arr = NULL;
	if (!json_object_object_get_ex(rule, field, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return YG_OK;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(it, json_type_string))
			continue;
		yg_err e = yg_buf_puts(g, prefix);
		if (!e)
			e = yg_buf_puts(g, json_object_get_string(it));
		if (!e)
			e = yg_buf_putc(g, ',');
		if (e)
			return e;
	}
	return YG_OK;
}

/* analysisd's OS_PRegex checks, by hand. */
static bool all_in(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || strchr(extra, c);
		if (!ok)
			return false;
	}
	return true;
}

static bool response_matches(const ar_response *r, long level, long id, const char *groups)
{
	bool mark = false;
	if (r->level && r->group_re) {
		mark = level >= (long)r->level &&
		       yg_osregex_exec(r->group_re, groups, NULL, 0, NULL, NULL);
	} else {
		if (r->level && level >= (long)r->level)
			mark = true;
		if (r->group_re && yg_osregex_exec(r->group_re, groups, NULL, 0, NULL, NULL))
			mark = true;
	}
	for (size_t i = 0; i < r->nids && !mark; i++)
		if (r->ids[i] == id)
			mark = true;
	return mark;
}

yg_err yg_ar_dedupe_key(const char *alert_id, const char *response, const char *agent_id, char *out,
                        size_t outlen)
{
	if (!alert_id || !response || !agent_id || !out || outlen == 0)
		return YG_EINVAL;
	int n = snprintf(out, outlen, "%s|%s|%s", alert_id, response, agent_id);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return YG_ELIMIT;
	}
	return YG_OK;
}

void yg_ar_actions_free(yg_ar_actions *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].message);
		free(a->v[i].key);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* Builds the message of response r around the alert text. */
static yg_err build_message(const yg_ar_dispatch *d, const ar_response *r, const char *alert,
                            size_t alen, yg_buf *m)
{
	yg_err e = yg_buf_puts(m, "{\"version\":1,\"origin\":{\"name\":");
	if (!e)
		e = yg_buf_json_str(m, d->node);
	if (!e)
		e = yg_buf_puts(m, ",\"module\":\"wazuh-analysisd\"},\"command\":\"add\","
		                   "\"parameters\":{\"extra_args\":[");
	const char *xa = r->cmd->extra_args;
	if (xa) {
		size_t xl = strnlen(xa, EXTRA_ARGS_MAX);
		bool first = true;
		for (size_t i = 0; i < xl && !e;) {
			while (i < xl && xa[i] == ' ')
				i++;
			size_t j = i;
			while (j < xl && xa[j] != ' ')
				j++;
			if (j > i) {
				if (!first)
					e = yg_buf_putc(m, ',');
				first = false;
				if (!e)
					e = yg_buf_putc(m, '"');
				if (!e)
					e = yg_buf_json_escape(m, xa + i, j - i);
				if (!e)
					e = yg_buf_putc(m, '"');
			}
			i = j;
		}
	}
	if (!e)
		e = yg_buf_puts(m, "],\"alert\":");
	if (!e)
		e = yg_buf_append(m, alert, alen);
	if (!e)
		e = yg_buf_puts(m, ",\"program\":");
	if (!e) {
		yg_buf p;
		yg_buf_init(&p, 8192);
		e = yg_buf_printf(&p, "active-response/bin/%s", r->cmd->executable);
		if (!e)
			e = yg_buf_json_str(m, p.data);
		yg_buf_free(&p);
	}
	if (!e)
		e = yg_buf_puts(m, "}}");
	return e;
}

/* ---- alerts too large for a message ---- */

/* The keys a response script reads to act (addresses, users, ids) are never
 * cut, only the bulky text around them. */
static bool keep_whole(const char *key)
{
	static const char *const keep[] = {"srcip",   "dstip",   "srcuser", "dstuser",   "srcport",
	                                   "dstport", "id",      "level",   "timestamp", "name",
	                                   "ip",      "command", "program"};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (!strcmp(key, keep[i]))
			return true;
	return false;
}

#define TRUNC_MARK "...[truncated by yagura]"

/* Cuts every string of o longer than cap bytes (only those named `only`
 * when it is not NULL) to cap bytes, on a UTF-8 boundary, plus TRUNC_MARK. */
static void cut_strings(json_object *o, size_t cap, const char *only)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			cut_strings(json_object_array_get_idx(o, i), cap, only);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_string)) {
			cut_strings(v, cap, only);
			continue;
		}
		size_t n = (size_t)json_object_get_string_len(v);
		if (n <= cap || keep_whole(k) || (only && strcmp(k, only)))
			continue;
		const char *str = json_object_get_string(v);
		size_t cut = cap;
		while (cut > 0 && ((unsigned char)str[cut] & 0xC0) == 0x80)
			cut--;
		char *t = malloc(cut + sizeof(TRUNC_MARK));
		if (!t)
			continue;
		memcpy(t, str, cut);
		memcpy(t + cut, TRUNC_MARK, sizeof(TRUNC_MARK));
		json_object_set_string(v, t);
		free(t);
	}
}

/* The alert re-serialised in at most budget bytes: previous_output and
 * full_log cut first, then any long string, by steps; NULL when even that
 * does not fit (or ENOMEM). Wazuh bounds its messages the same way rather
 * than dropping the response. */
static char *shrink_alert(json_object *root, size_t budget)
{
	static const struct {
		size_t cap;
		const char *only;
	} steps[] = {{4096, "previous_output"},
	             {4096, "full_log"},
	             {1024, "previous_output"},
	             {1024, "full_log"},
	             {2048, NULL},
	             {256, NULL},
	             {64, NULL}};
	json_object *copy = NULL;
	if (json_object_deep_copy(root, &copy, NULL) != 0)
		return NULL;
	char *res = NULL;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !res; i++) {
		cut_strings(copy, steps[i].cap, steps[i].only);
		const char *s = json_object_to_json_string_ext(
		        copy, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s && strlen(s) <= budget)
			res = strdup(s);
	}
	json_object_put(copy);
	return res;
}

/* Builds r's message for the alert into m; an alert too large for
 * max_message is shrunk (shrink_alert) and *truncated set. */
static yg_err message_for(const yg_ar_dispatch *d, const ar_response *r, json_object *root,
                          const char *text, size_t tlen, yg_buf *m, bool *truncated)
{
	yg_err e = build_message(d, r, text, tlen, m);
	if (e != YG_ELIMIT || !root)
		return e;
	yg_buf env;
	yg_buf_init(&env, d->max_message);
	e = build_message(d, r, "{}", 2, &env);
	size_t envlen = env.len;
	yg_buf_free(&env);
	if (e || envlen + 2 >= d->max_message)
		return YG_ELIMIT;
	char *small = shrink_alert(root, d->max_message - envlen - 1);
	if (!small)
		return YG_ELIMIT;
	yg_buf_free(m);
	yg_buf_init(m, d->max_message);
	e = build_message(d, r, small, strlen(small), m);
	free(small);
	if (!e)
		*truncated = true;
	return e;
}

/* Normalises an agent id to Wazuh's "%03d" form; false when not a number. */
static bool norm_agent(const char *s, char out[16])
{
	long v = 0;
	if (!s || !*s || strlen(s) > 9)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	snprintf(out, 16, "%03d", (int)v); /* at most 9 digits */
	return true;
}

static yg_err push_action(yg_ar_actions *out, const yg_ar_action *a)
{
	yg_ar_action *n = realloc(out->v, (out->n + 1) * sizeof(*n));
	if (!n)
		return YG_ENOMEM;
	out->v = n;
	n[out->n++] = *a;
	return YG_OK;
}

/* The actions of response i for one alert (targets already known). */
static yg_err fire(yg_ar_dispatch *d, size_t i, const char *alert_id, json_object *root,
                   const char *text, size_t tlen, const char *ip, char (*targets)[16],
                   size_t ntargets, yg_ar_seen_fn seen, void *seen_ctx, yg_ar_actions *out,
                   bool *any_seen, bool *too_big)
{
	const ar_response *r = &d->cfg->resps[i];
	if (ntargets == 0)
		return YG_OK;
	char(*keys)[KEY_MAX] = malloc(ntargets * sizeof(*keys));
	bool *fresh = calloc(ntargets, sizeof(*fresh));
	size_t nfresh = 0;
	yg_err e = YG_OK;
	if (!keys || !fresh) {
		e = YG_ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < ntargets; t++) {
		fresh[t] = false;
		if (yg_ar_dedupe_key(alert_id, d->keynames[i], targets[t], keys[t], KEY_MAX))
			continue;
		if (seen && seen(seen_ctx, keys[t])) {
			*any_seen = true;
			continue;
		}
		fresh[t] = true;
		nfresh++;
	}
	if (nfresh == 0)
		goto out;

	yg_buf m;
	yg_buf_init(&m, d->max_message);
	e = message_for(d, r, root, text, tlen, &m, &out->truncated);
	if (e == YG_ELIMIT) {
		*too_big = true;
		yg_buf_free(&m);
		e = YG_OK;
		goto out;
	}
	if (e) {
		yg_buf_free(&m);
		goto out;
	}
	/* Targets already served mean this alert was counted before. */
	unsigned timeout = offence_timeout(d, r->command, ip, r->timeout, nfresh == ntargets);
	for (size_t t = 0; t < ntargets && !e; t++) {
		if (!fresh[t])
			continue;
		yg_ar_action a = {
		        .response = r->name,
		        .command = r->command,
		        .executable = r->cmd->executable,
		        .timeout = timeout,
		};
		memcpy(a.agent_id, targets[t], 16);
		a.message = strdup(m.data);
		a.key = strdup(keys[t]);
		if (!a.message || !a.key) {
			free(a.message);
			free(a.key);
			e = YG_ENOMEM;
		} else if ((e = push_action(out, &a)) != YG_OK) {
			free(a.message);
			free(a.key);
		}
	}
	yg_buf_free(&m);
out:
	free(keys);
	free(fresh);
	return e;
}

/* Fills targets for response r; returns how many (at most cap). */
static size_t targets_of(const ar_response *r, const char *alert_agent, const char *const *agents,
                         size_t nagents, char (*targets)[16], size_t cap)
{
	size_t n = 0;
	if ((r->location & YG_AR_LOC_SERVER) ||
	    ((r->location & YG_AR_LOC_LOCAL) && strcmp(alert_agent, "000") == 0)) {
		memcpy(targets[n++], "000", 4);
	} else if (r->location & YG_AR_LOC_ALL) {
		for (size_t k = 0; k < nagents && n < cap; k++) {
			char id[16];
			if (!norm_agent(agents[k], id))
				continue;
			bool dup = false;
			for (size_t j = 0; j < n; j++)
				dup |= strcmp(targets[j], id) == 0;
			if (!dup)
				memcpy(targets[n++], id, 16);
		}
	} else if (r->location & YG_AR_LOC_DEFINED) {
		snprintf(targets[n++], 16, "%s", r->target_id);
	} else if (r->location & YG_AR_LOC_LOCAL) {
		snprintf(targets[n++], 16, "%s", alert_agent);
	}
	return n;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses the alert, which must be exactly one JSON object once trimmed of
 * blanks, with a rule.level. */
static yg_err parse_alert(const char *alert, size_t len, json_object **root, long *level, long *rid)
{
	if (len == 0 || len > (size_t)INT32_MAX || memchr(alert, '\0', len))
		return YG_EPARSE;
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return YG_ENOMEM;
	*root = json_tokener_parse_ex(tok, alert, (int)len);
	bool whole = *root && json_tokener_get_error(tok) == json_tokener_success &&
	             json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!whole || !json_object_is_type(*root, json_type_object))
		return YG_EPARSE;
	json_object *rule = get_path(*root, "rule", NULL);
	if (!rule || !json_object_is_type(rule, json_type_object) ||
	    !get_long(get_path(rule, "level", NULL), level))
		return YG_EPARSE;
	get_long(get_path(rule, "id", NULL), rid);
	return YG_OK;
}

/* The rule's group string as analysisd has it: its groups, then the
 * compliance lists with their prefixes. */
static yg_err rule_groups(json_object *root, yg_buf *groups)
{
	json_object *rule = get_path(root, "rule", NULL);
	yg_err rc = add_groups(groups, rule, "groups", "");
	static const char *const comp[][2] = {
	        {"pci_dss", "pci_dss_"},         {"gdpr", "gdpr_"}, {"hipaa", "hipaa_"},
	        {"nist_800_53", "nist_800_53_"}, {"tsc", "tsc_"},   {"gpg13", "gpg13_"},
	};
	for (size_t k = 0; k < sizeof(comp) / sizeof(comp[0]) && rc == YG_OK; k++)
		rc = add_groups(groups, rule, comp[k][0], comp[k][1]);
	if (rc == YG_ELIMIT)
		rc = YG_OK; /* absurdly many groups: match on what fits */
	return rc;
}

/* The fields a response may put on a command line must look like what
 * they claim to be, and a white-listed source is never acted on. *ip gets
 * the source address without an IPv4-mapped prefix. */
static yg_ar_skip check_fields(const yg_ar_dispatch *d, json_object *root, const char **ip)
{
	const char *srcip = get_str(root, "data", "srcip");
	const char *dstuser = get_str(root, "data", "dstuser");
	*ip = NULL;
	if ((srcip && !all_in(srcip, ".:_-")) || (dstuser && !all_in(dstuser, "._@?-")))
		return YG_AR_SKIP_CRAFTED;
	if (srcip) {
		*ip = strncmp(srcip, "::ffff:", 7) == 0 ? srcip + 7 : srcip;
		if (yg_ar_config_white_listed(d->cfg, *ip))
			return YG_AR_SKIP_WHITE_LIST;
	}
	return YG_AR_SKIP_NONE;
}

/* The alert's id (a hash of its text when it has none or an absurd one)
 * and its agent (000 when it names none). */
static const char *alert_ident(json_object *root, const char *alert, size_t len, char idbuf[32],
                               char alert_agent[16])
{
	const char *alert_id = get_str(root, "id", NULL);
	if (!alert_id || !*alert_id || strlen(alert_id) > 128) {
		snprintf(idbuf, 32, "h%016llx", (unsigned long long)yg_hash64(alert, len));
		alert_id = idbuf;
	}
	if (!norm_agent(get_str(root, "agent", "id"), alert_agent))
		memcpy(alert_agent, "000", 4);
	return alert_id;
}

/* The alert as one line: responses pass it on a single line, so an alert
 * with line breaks is written again compactly (*compact owns that copy). */
static yg_err one_line(json_object *root, const char *alert, size_t len, char **compact,
                       const char **text, size_t *tlen)
{
	*text = alert;
	*tlen = len;
	if (!memchr(alert, '\n', len) && !memchr(alert, '\r', len))
		return YG_OK;
	const char *s = json_object_to_json_string_ext(
	        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*compact = s ? strdup(s) : NULL;
	if (!*compact)
		return YG_ENOMEM;
	*text = *compact;
	*tlen = strlen(*compact);
	return YG_OK;
}

/* Fires every matched response at its targets. When none fired, *skip
 * says why (already seen, or no target), or the return is YG_ELIMIT when
 * the message would not fit. */
static yg_err fire_all(yg_ar_dispatch *d, const bool *matched, const char *alert_id,
                       const char *alert_agent, json_object *root, const char *text, size_t tlen,
                       const char *ip, const char *const *agents, size_t nagents,
                       yg_ar_seen_fn seen, void *seen_ctx, yg_ar_actions *out, yg_ar_skip *skip)
{
	yg_err rc = YG_OK;
	size_t cap = nagents > 0 ? nagents : 1;
	char(*targets)[16] = calloc(cap, sizeof(*targets));
	if (!targets)
		return YG_ENOMEM;
	bool any_seen = false, too_big = false;
	for (size_t i = 0; i < d->cfg->nresps && rc == YG_OK; i++) {
		if (!matched[i])
			continue;
		size_t nt =
		        targets_of(&d->cfg->resps[i], alert_agent, agents, nagents, targets, cap);
		rc = fire(d, i, alert_id, root, text, tlen, ip, targets, nt, seen, seen_ctx, out,
		          &any_seen, &too_big);
	}
	if (rc == YG_OK && out->n == 0) {
		if (too_big)
			rc = YG_ELIMIT;
		else if (any_seen)
			*skip = YG_AR_SKIP_SEEN;
		else
			*skip = YG_AR_SKIP_NO_MATCH; /* e.g. location all with no agents */
	}
	free(targets);
	return rc;
}

yg_err yg_ar_dispatch_alert(yg_ar_dispatch *d, const char *alert, size_t len,
                            const char *const *agents, size_t nagents, yg_ar_seen_fn seen,
                            void *seen_ctx, yg_ar_actions *out, yg_ar_skip *why)
{
	yg_err rc = YG_OK;
	yg_ar_skip skip = YG_AR_SKIP_NONE;
	json_object *root = NULL;
	char *compact = NULL;
	bool *matched = NULL;
	yg_buf groups;
	yg_buf_init(&groups, GROUPS_MAX);
	out->v = NULL;
	out->n = 0;
	out->truncated = false;

	while (len > 0 && is_blank(alert[0])) {
		alert++;
		len--;
	}
	while (len > 0 && is_blank(alert[len - 1]))
		len--;
	long level = 0, rid = -1;
	if ((rc = parse_alert(alert, len, &root, &level, &rid)) != YG_OK ||
	    (rc = rule_groups(root, &groups)) != YG_OK)
		goto done;
	const char *gstr = groups.data ? groups.data : "";

	matched = calloc(d->cfg->nresps + 1, sizeof(*matched));
	if (!matched) {
		rc = YG_ENOMEM;
		goto done;
	}
	size_t nmatched = 0;
	for (size_t i = 0; i < d->cfg->nresps; i++) {
		matched[i] = level > 0 && response_matches(&d->cfg->resps[i], level, rid, gstr);
		nmatched += matched[i];
	}
	if (nmatched == 0) {
		skip = YG_AR_SKIP_NO_MATCH;
		goto done;
	}
	const char *ip;
	if ((skip = check_fields(d, root, &ip)) != YG_AR_SKIP_NONE)
		goto done;
	char idbuf[32], alert_agent[16];
	const char *alert_id = alert_ident(root, alert, len, idbuf, alert_agent);
	const char *text;
	size_t tlen;
	if ((rc = one_line(root, alert, len, &compact, &text, &tlen)) != YG_OK)
		goto done;

	rc = fire_all(d, matched, alert_id, alert_agent, root, text, tlen, ip, agents, nagents,
	              seen, seen_ctx, out, &skip);
done:
	if (rc && rc != YG_ELIMIT)
		yg_ar_actions_free(out);
	if (why)
		*why = skip;
	free(matched);
	free(compact);
	yg_buf_free(&groups);
	json_object_put(root);
	return rc;
}
