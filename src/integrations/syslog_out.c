/* syslog_out.c: <syslog_output> (see syslog_out.h): the blocks, csyslogd's
 * message formats, the UDP sender. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/yopt.h"
#include "integrations/config.h"
#include "integrations/syslog_out.h"

struct yg_syslog_config {
	yg_syslog_def **defs;
	size_t n;
};

yg_syslog_config *yg_syslog_config_create(void)
{
	return calloc(1, sizeof(yg_syslog_config));
}

static void def_free(yg_syslog_def *d)
{
	if (!d)
		return;
	free(d->server);
	yg_osmatch_destroy(d->group);
	free(d->rule_ids);
	yg_osmatch_destroy(d->location);
	yg_opt_free(&yg_syslog_block, d);
	free(d->file);
	free(d);
}

void yg_syslog_config_destroy(yg_syslog_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		def_free(cfg->defs[i]);
	free(cfg->defs);
	free(cfg);
}

size_t yg_syslog_config_count(const yg_syslog_config *cfg)
{
	return cfg ? cfg->n : 0;
}

const yg_syslog_def *yg_syslog_config_get(const yg_syslog_config *cfg, size_t i)
{
	return i < cfg->n ? cfg->defs[i] : NULL;
}

/* ---- reading a block ---- */

static bool host_ok(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:_", *s))
			return false;
	return true;
}

typedef yg_syslog_def C;

static yg_err parse_server(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	C *def = obj;
	if (!host_ok(v)) {
		yg_opt_bad(ctx, e, "invalid server '%s' (an address or a host name)", v);
		return YG_EPARSE;
	}
	char *dup = strdup(v);
	if (!dup)
		return YG_ENOMEM;
	free(def->server);
	def->server = dup;
	return YG_OK;
}

static yg_err compile(yg_osmatch **dst, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	char err[200] = "";
	yg_osmatch *m = NULL;
	if (!*v || yg_osmatch_compile(v, &m, err, sizeof(err))) {
		yg_opt_bad(ctx, e, "invalid pattern '%s'%s%s", v, err[0] ? ": " : "", err);
		return YG_EPARSE;
	}
	yg_osmatch_destroy(*dst);
	*dst = m;
	return YG_OK;
}

static yg_err parse_group(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return compile(&((C *)obj)->group, v, e, ctx);
}

static yg_err parse_location(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return compile(&((C *)obj)->location, v, e, ctx);
}

static yg_err parse_rules(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	C *def = obj;
	unsigned *ids = NULL;
	size_t n = 0;
	if (!yg_intg_parse_rule_ids(v, &ids, &n)) {
		yg_opt_bad(ctx, e, "invalid rule_id list '%s' (rule numbers separated by commas)",
		           v);
		return YG_EPARSE;
	}
	free(def->rule_ids);
	def->rule_ids = ids;
	def->nrule_ids = n;
	return YG_OK;
}

static void print_server(const void *obj, const yg_opt *o, FILE *out)
{
	const C *def = obj;
	if (def->server)
		fprintf(out, "    <%s>%s</%s>\n", o->name, def->server, o->name);
}

static void print_rules(const void *obj, const yg_opt *o, FILE *out)
{
	const C *def = obj;
	if (!def->nrule_ids)
		return;
	fprintf(out, "    <%s>", o->name);
	for (size_t i = 0; i < def->nrule_ids; i++)
		fprintf(out, "%s%u", i ? "," : "", def->rule_ids[i]);
	fprintf(out, "</%s>\n", o->name);
}

static const char *const formats[] = {"default", "json", "cef", "splunk", NULL};

static const yg_opt syslog_opts[] = {
        {"server", YG_OPT_CUSTOM, .parse = parse_server, .print = print_server,
         .help = "the syslog server: an address or a host name (required)"},
        {"port", YG_OPT_UINT, YG_OPT_AT(C, port), 1, 65535, "514", .help = "its UDP port"},
        {"level", YG_OPT_UINT, YG_OPT_AT(C, level), 0, 16, "0",
         .help = "the lowest rule level sent (0: all)"},
        {"group", YG_OPT_CUSTOM, .parse = parse_group,
         .help = "an OS_Match pattern on the alert's groups written as g1,g2,"},
        {"rule_id", YG_OPT_CUSTOM, .parse = parse_rules, .print = print_rules,
         .help = "only these rule ids (comma-separated)"},
        {"location", YG_OPT_CUSTOM, .parse = parse_location,
         .help = "an OS_Match pattern on the alert's location"},
        {"use_fqdn", YG_OPT_BOOL, YG_OPT_AT(C, use_fqdn), .def = "no",
         .help = "the full host name rather than its part before the first dot"},
        {"format", YG_OPT_ENUM, YG_OPT_AT(C, format), .def = "default", .choices = formats,
         .help = "csyslogd's message format"},
        {0},
};

static void *block_create(void);
static void block_destroy(void *obj);

const yg_opt_block yg_syslog_block = {"syslog_output", syslog_opts,  sizeof(yg_syslog_def),
                                      false,           block_create, block_destroy};

/* A block with its defaults; NULL on ENOMEM. */
static void *block_create(void)
{
	yg_syslog_def *def = calloc(1, sizeof(*def));
	if (def && yg_opt_defaults(&yg_syslog_block, def)) {
		def_free(def);
		return NULL;
	}
	return def;
}

static void block_destroy(void *obj)
{
	def_free(obj);
}

yg_err yg_syslog_config_add(yg_syslog_config *cfg, const yg_wxml_node *node, const char *file,
                            yg_diag *diag)
{
	yg_syslog_def *def = block_create();
	if (!def)
		return YG_ENOMEM;
	def->line = node->line;
	yg_err rc = yg_opt_read(&yg_syslog_block, def, node, file, diag);
	if (!rc && !def->server) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "syslog_output",
		            "<server> is required");
		rc = YG_EPARSE;
	}
	def->file = strdup(file ? file : "");
	yg_syslog_def **v = rc ? NULL : realloc(cfg->defs, (cfg->n + 1) * sizeof(*v));
	if (!rc && (!def->file || !v))
		rc = YG_ENOMEM;
	if (rc) {
		def_free(def);
		return rc;
	}
	cfg->defs = v;
	cfg->defs[cfg->n++] = def;
	return YG_OK;
}

/* ---- reading the alert ---- */

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v)
	               ? v
	               : NULL;
}

/* A string (or number) member at a dotted path, or NULL. */
static const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *v = get(o, a);
	if (b)
		v = get(v, b);
	if (!v || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array) || json_object_is_type(v, json_type_null))
		return NULL;
	const char *s = json_object_get_string(v);
	return s && *s ? s : NULL;
}

static long level_of(json_object *alert)
{
	json_object *lv = get(get(alert, "rule"), "level");
	return lv ? (long)json_object_get_int64(lv) : 0;
}

/* "g1,g2," as alerts.log writes an alert's groups. */
static void groups_line(json_object *alert, yg_buf *out)
{
	json_object *g = get(get(alert, "rule"), "groups");
	if (!g || !json_object_is_type(g, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(g); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(g, i));
		yg_buf_printf(out, "%s,", s ? s : "");
	}
}

void yg_alert_location_line(json_object *alert, yg_buf *out)
{
	const char *id = str_at(alert, "agent", "id");
	const char *loc = str_at(alert, "location", NULL);
	if (id && strcmp(id, "000") != 0) {
		const char *ip = str_at(alert, "agent", "ip");
		const char *name = str_at(alert, "agent", "name");
		yg_buf_printf(out, "(%s) %s->%s", name ? name : id, ip ? ip : "any",
		              loc ? loc : "");
	} else {
		const char *host = str_at(alert, "manager", "name");
		if (!host)
			host = str_at(alert, "agent", "name");
		yg_buf_printf(out, "%s->%s", host ? host : "localhost", loc ? loc : "");
	}
}

bool yg_syslog_accepts(const yg_syslog_def *def, json_object *alert)
{
	json_object *rule = get(alert, "rule");
	if (!rule)
		return false;
	if (def->location) {
		const char *loc = str_at(alert, "location", NULL);
		if (!yg_osmatch_exec(def->location, loc ? loc : ""))
			return false;
	}
	if (def->level && level_of(alert) < (long)def->level)
		return false;
	if (def->rule_ids) {
		const char *id = str_at(rule, "id", NULL);
		unsigned long n = id ? strtoul(id, NULL, 10) : 0;
		bool hit = false;
		for (size_t i = 0; i < def->nrule_ids && !hit; i++)
			hit = def->rule_ids[i] == n;
		if (!hit)
			return false;
	}
	if (def->group) {
		yg_buf g;
		yg_buf_init(&g, 1 << 16);
		groups_line(alert, &g);
		bool hit = yg_osmatch_exec(def->group, g.data ? g.data : "");
		yg_buf_free(&g);
		if (!hit)
			return false;
	}
	return true;
}

/* ---- formats ---- */

/* "Mmm dd HH:MM:SS" (day padded with a blank) from the alert's
 * "YYYY-MM-DDTHH:MM:SS..." timestamp, which is local time; now otherwise. */
static void syslog_time(json_object *alert, char out[64])
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	const char *t = str_at(alert, "timestamp", NULL);
	int y, mo, d, h, mi, s;
	if (t && sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6 && mo >= 1 &&
	    mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 61) {
		snprintf(out, 64, "%s %2d %02d:%02d:%02d", mon[mo - 1], d, h, mi, s);
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, 64, "%b %e %H:%M:%S", &tm);
}

/* Appends pre, v, post when v is set (csyslogd's field_add_string). */
static void field(yg_buf *b, const char *pre, const char *v, const char *post)
{
	if (v)
		yg_buf_printf(b, "%s%s%s", pre, v, post);
}

/* s without '"' (csyslogd strips them from the quoted fields). */
static void field_noquote(yg_buf *b, const char *pre, const char *v, const char *post)
{
	if (!v)
		return;
	yg_buf_append(b, pre, strlen(pre));
	for (; *v; v++)
		if (*v != '"')
			yg_buf_putc(b, *v);
	yg_buf_append(b, post, strlen(post));
}

/* The log, cut so the datagram stays within YG_SYSLOG_MAX (with room for
 * `tail` more bytes); newlines become blanks so one alert is one line. */
static void add_log(yg_buf *b, const char *log, size_t tail, bool noquote, bool cef)
{
	if (!log)
		log = "";
	for (; *log && b->len + tail + 2 < YG_SYSLOG_MAX; log++) {
		char c = *log == '\n' || *log == '\r' ? ' ' : *log;
		if (noquote && c == '"')
			continue;
		if (cef && (c == '\\' || c == '='))
			yg_buf_putc(b, '\\');
		yg_buf_putc(b, c);
	}
}

/* A CEF header field: '\' and '|' escaped (the CEF rules). */
static void cef_header(yg_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '|')
			yg_buf_putc(b, '\\');
		yg_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

/* A CEF extension value: '\' and '=' escaped. */
static void cef_field(yg_buf *b, const char *key, const char *s)
{
	if (!s)
		return;
	yg_buf_printf(b, " %s=", key);
	for (; *s; s++) {
		if (*s == '\\' || *s == '=')
			yg_buf_putc(b, '\\');
		yg_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

static void fmt_default(yg_buf *b, json_object *a, const char *loc)
{
	const char *rid = str_at(a, "rule", "id"), *desc = str_at(a, "rule", "description");
	yg_buf_printf(b, "Alert Level: %ld; Rule: %s - %s; Location: %s;", level_of(a),
	              rid ? rid : "0", desc ? desc : "", loc);
	field(b, " srcip: ", str_at(a, "data", "srcip"), ";");
	field(b, " dstip: ", str_at(a, "data", "dstip"), ";");
	field(b, " user: ", str_at(a, "data", "dstuser"), ";");
	field(b, " Previous MD5: ", str_at(a, "syscheck", "md5_before"), ";");
	field(b, " Current MD5: ", str_at(a, "syscheck", "md5_after"), ";");
	field(b, " Previous SHA1: ", str_at(a, "syscheck", "sha1_before"), ";");
	field(b, " Current SHA1: ", str_at(a, "syscheck", "sha1_after"), ";");
	yg_buf_putc(b, ' ');
	add_log(b, str_at(a, "full_log", NULL), 0, false, false);
}

static void fmt_cef(yg_buf *b, json_object *a, const char *loc, const char *host)
{
	long lv = level_of(a);
	yg_buf_printf(b, "CEF:0|Wazuh|Wazuh|%s|", YG_SYSLOG_CEF_VERSION);
	cef_header(b, str_at(a, "rule", "id"));
	yg_buf_putc(b, '|');
	cef_header(b, str_at(a, "rule", "description"));
	yg_buf_printf(b, "|%ld|", lv > 10 ? 10 : lv);
	yg_buf_printf(b, "dvc=%s", host);
	cef_field(b, "cs2", loc);
	yg_buf_printf(b, " cs2Label=Location");
	cef_field(b, "src", str_at(a, "data", "srcip"));
	cef_field(b, "suser", str_at(a, "data", "dstuser"));
	cef_field(b, "dst", str_at(a, "data", "dstip"));
	yg_buf_printf(b, " msg=");
	add_log(b, str_at(a, "full_log", NULL), 0, false, true);
}

static void fmt_splunk(yg_buf *b, json_object *a, const char *loc, const char *groups)
{
	const char *rid = str_at(a, "rule", "id");
	yg_buf_printf(b, "crit=%ld id=%s", level_of(a), rid ? rid : "0");
	field_noquote(b, " description=\"", str_at(a, "rule", "description"), "\"");
	field_noquote(b, " component=\"", loc, "\",");
	field_noquote(b, " classification=\"", groups, "\",");
	const char *sip = str_at(a, "data", "srcip"), *dip = str_at(a, "data", "dstip");
	field_noquote(b, " src_ip=\"", sip, "\",");
	if (sip)
		field(b, " src_port=", str_at(a, "data", "srcport"), ",");
	field_noquote(b, " dst_ip=\"", dip, "\",");
	if (dip)
		field(b, " dst_port=", str_at(a, "data", "dstport"), ",");
	field_noquote(b, " file=\"", str_at(a, "syscheck", "path"), "\",");
	field_noquote(b, " acct=\"", str_at(a, "data", "dstuser"), "\",");
	field_noquote(b, " md5_old=\"", str_at(a, "syscheck", "md5_before"), "\",");
	field_noquote(b, " md5_new=\"", str_at(a, "syscheck", "md5_after"), "\",");
	field_noquote(b, " sha1_old=\"", str_at(a, "syscheck", "sha1_before"), "\",");
	field_noquote(b, " sha1_new=\"", str_at(a, "syscheck", "sha1_after"), "\",");
	yg_buf_printf(b, " message=\"");
	add_log(b, str_at(a, "full_log", NULL), 1, true, false);
	yg_buf_putc(b, '"');
}

yg_err yg_syslog_format_msg(const yg_syslog_def *def, json_object *alert, const char *text,
                            size_t len, const char *host, yg_buf *out)
{
	char ts[64];
	syslog_time(alert, ts);
	yg_buf loc, groups;
	yg_buf_init(&loc, 8192);
	yg_buf_init(&groups, 8192);
	yg_alert_location_line(alert, &loc);
	groups_line(alert, &groups);
	const char *l = loc.data ? loc.data : "", *g = groups.data ? groups.data : "";
	yg_err err = YG_OK;
	if (def->format == YG_SYSLOG_CEF)
		yg_buf_printf(out, "<%d>%s ", YG_SYSLOG_PRIORITY, ts);
	else
		yg_buf_printf(out, "<%d>%s %s ossec: ", YG_SYSLOG_PRIORITY, ts, host);
	switch (def->format) {
	case YG_SYSLOG_DEFAULT: fmt_default(out, alert, l); break;
	case YG_SYSLOG_JSON:
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			len--;
		if (out->len + len > YG_SYSLOG_MAX)
			err = YG_ELIMIT;
		else
			yg_buf_append(out, text, len);
		break;
	case YG_SYSLOG_CEF: fmt_cef(out, alert, l, host); break;
	case YG_SYSLOG_SPLUNK: fmt_splunk(out, alert, l, g); break;
	}
	yg_buf_free(&loc);
	yg_buf_free(&groups);
	return err;
}

/* ---- the sender ---- */

typedef struct dest {
	const yg_syslog_def *def;
	int fd;
	long long tried_ms; /* last resolution attempt, while fd < 0 */
} dest;

struct yg_syslog_out {
	const yg_syslog_config *cfg;
	dest *d;
	size_t n;
	char host[256], fqdn[256];
	yg_syslog_stats st;
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A UDP socket connected to the block's server; -1 when it cannot be
 * resolved or opened (why in err). */
static int open_dest(const yg_syslog_def *def, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", def->port);
	int rc = getaddrinfo(def->server, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s", gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

yg_err yg_syslog_out_create(const yg_syslog_config *cfg, const char *hostname, yg_diag *diag,
                            yg_syslog_out **out)
{
	*out = NULL;
	yg_syslog_out *so = calloc(1, sizeof(*so));
	if (!so)
		return YG_ENOMEM;
	so->cfg = cfg;
	so->n = yg_syslog_config_count(cfg);
	so->d = calloc(so->n + 1, sizeof(*so->d));
	if (!so->d) {
		free(so);
		return YG_ENOMEM;
	}
	if (hostname)
		snprintf(so->fqdn, sizeof(so->fqdn), "%s", hostname);
	else if (gethostname(so->fqdn, sizeof(so->fqdn) - 1) != 0)
		snprintf(so->fqdn, sizeof(so->fqdn), "localhost");
	snprintf(so->host, sizeof(so->host), "%s", so->fqdn);
	char *dot = strchr(so->host, '.');
	if (dot)
		*dot = '\0';
	for (size_t i = 0; i < so->n; i++) {
		char err[200] = "";
		so->d[i].def = yg_syslog_config_get(cfg, i);
		so->d[i].fd = open_dest(so->d[i].def, err, sizeof(err));
		so->d[i].tried_ms = mono_ms();
		if (so->d[i].fd < 0)
			yg_diag_add(diag, YG_SEV_WARNING, so->d[i].def->file, so->d[i].def->line,
			            "syslog_output", "cannot reach %s:%u now (%s); trying again",
			            so->d[i].def->server, so->d[i].def->port, err);
	}
	*out = so;
	return YG_OK;
}

void yg_syslog_out_destroy(yg_syslog_out *so)
{
	if (!so)
		return;
	for (size_t i = 0; i < so->n; i++)
		if (so->d[i].fd >= 0)
			close(so->d[i].fd);
	free(so->d);
	free(so);
}

static void send_one(yg_syslog_out *so, dest *d, json_object *alert, const char *json, size_t len)
{
	if (d->fd < 0) {
		char err[200];
		if (mono_ms() - d->tried_ms < 10000) {
			so->st.errors++;
			return;
		}
		d->tried_ms = mono_ms();
		if ((d->fd = open_dest(d->def, err, sizeof(err))) < 0) {
			so->st.errors++;
			return;
		}
	}
	yg_buf msg;
	yg_buf_init(&msg, YG_SYSLOG_MAX + 4096);
	const char *host = d->def->use_fqdn ? so->fqdn : so->host;
	if (yg_syslog_format_msg(d->def, alert, json, len, host, &msg) || !msg.data ||
	    send(d->fd, msg.data, msg.len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)msg.len)
		so->st.errors++;
	else
		so->st.sent++;
	yg_buf_free(&msg);
}

yg_err yg_syslog_out_offer(yg_syslog_out *so, const char *json, size_t len)
{
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return YG_ENOMEM;
	json_object *alert = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (!alert || !json_object_is_type(alert, json_type_object)) {
		json_object_put(alert);
		return YG_EPARSE;
	}
	for (size_t i = 0; i < so->n; i++) {
		if (yg_syslog_accepts(so->d[i].def, alert))
			send_one(so, &so->d[i], alert, json, len);
		else
			so->st.filtered++;
	}
	json_object_put(alert);
	return YG_OK;
}

void yg_syslog_out_stats(const yg_syslog_out *so, yg_syslog_stats *out)
{
	*out = so ? so->st : (yg_syslog_stats){0};
}

void yg_syslog_config_print(const yg_syslog_config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->n; i++)
		yg_opt_print(&yg_syslog_block, cfg->defs[i], 2, out);
}
