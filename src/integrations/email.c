/* email.c: the e-mail options and blocks (see email.h) and Wazuh's mail
 * text. The sending is deliver.c's (libcurl SMTP). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/yopt.h"
#include "integrations/email.h"
#include "integrations/syslog_out.h"

#define EMAIL_TO_MAX 64 /* recipients of one block */

/* One <email_alerts> block as read. */
typedef struct email_block {
	char *to[EMAIL_TO_MAX];
	size_t nto;
	unsigned level;
	yg_osmatch *group, *location;
	unsigned *rule_ids;
	size_t nrule_ids;
	bool do_not_group;
	char *file;
	int line;
} email_block;

struct yg_email_config {
	bool notification;
	char *smtp, *from, *reply_to, *idsname;
	char *to[EMAIL_TO_MAX];
	size_t nto;
	unsigned maxperhour;
	unsigned alert_level;
	email_block **blocks;
	size_t nblocks;
	char *file; /* where <email_notification> was read, for messages */
	int line;
};

yg_email_config *yg_email_config_create(void)
{
	yg_email_config *ec = calloc(1, sizeof(*ec));
	if (ec) {
		ec->maxperhour = 12; /* as email_maxperhour's default */
		ec->alert_level = 12;
	}
	return ec;
}

static void block_free(email_block *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nto; i++)
		free(b->to[i]);
	yg_osmatch_destroy(b->group);
	yg_osmatch_destroy(b->location);
	free(b->rule_ids);
	free(b->file);
	free(b);
}

void yg_email_config_destroy(yg_email_config *ec)
{
	if (!ec)
		return;
	free(ec->smtp);
	free(ec->from);
	free(ec->reply_to);
	free(ec->idsname);
	for (size_t i = 0; i < ec->nto; i++)
		free(ec->to[i]);
	for (size_t i = 0; i < ec->nblocks; i++)
		block_free(ec->blocks[i]);
	free(ec->blocks);
	free(ec->file);
	free(ec);
}

bool yg_email_config_enabled(const yg_email_config *ec)
{
	return ec && ec->notification;
}

/* ---- values ---- */

/* An address for SMTP and a header: local@domain, printable, none of the
 * characters that would end a header or an address list. */
static bool addr_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strlen(s) > 254)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7F ||
		    strchr("<>,;\"()[]\\", *s))
			return false;
	return true;
}

/* smtp_server: "host", "host:port" or an smtp:// / smtps:// URL; the URL
 * libcurl gets is made here. */
static char *smtp_url(const char *v)
{
	if (!*v || strlen(v) > 512)
		return NULL;
	bool url = !strncmp(v, "smtp://", 7) || !strncmp(v, "smtps://", 8);
	const char *host = url ? strstr(v, "://") + 3 : v;
	if (!*host)
		return NULL;
	for (const char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:[]", *p))
			return NULL;
	size_t n = strlen(v) + 16;
	char *u = malloc(n);
	if (!u)
		return NULL;
	const char *colon = strrchr(host, ':');
	bool port = colon && !strchr(colon, ']');
	if (url)
		snprintf(u, n, "%s", v);
	else
		snprintf(u, n, "smtp://%s%s", v, port ? "" : ":25");
	return u;
}

static bool level_in(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t n;
	if (!yg_opt_parse_uint(v, lo, hi, &n))
		return false;
	*out = (unsigned)n;
	return true;
}

static bool bad(yg_diag *d, const char *file, const yg_wxml_node *c, const char *what)
{
	yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name, "invalid value '%s' (%s)",
	            c->content ? c->content : "", what);
	return false;
}

static bool add_to(char **list, size_t *n, const char *v, const char *file, const yg_wxml_node *c,
                   yg_diag *d)
{
	if (!addr_ok(v))
		return bad(d, file, c, "an e-mail address");
	if (*n == EMAIL_TO_MAX) {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name, "more than %d recipients",
		            EMAIL_TO_MAX);
		return false;
	}
	return (list[(*n)++] = strdup(v)) != NULL;
}

static bool set_str(char **dst, const char *v)
{
	free(*dst);
	return (*dst = strdup(v)) != NULL;
}

/* ---- the e-mail options of <global>: an option table over
 * yg_email_config ---- */

typedef yg_email_config G;

static yg_err global_bad(const yg_opt_ctx *ctx, const yg_wxml_node *e, const char *v,
                         const char *what)
{
	yg_opt_bad(ctx, e, "invalid value '%.200s' (%s)", v, what);
	return YG_EPARSE;
}

static yg_err g_notification(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	G *ec = obj;
	if (!yg_opt_parse_bool(v, &ec->notification))
		return global_bad(ctx, e, v, "yes or no");
	free(ec->file);
	ec->line = e->line;
	return (ec->file = strdup(ctx->file ? ctx->file : "")) ? YG_OK : YG_ENOMEM;
}

static yg_err g_smtp(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	G *ec = obj;
	char *u = smtp_url(v);
	if (!u)
		return global_bad(ctx, e, v, "a host name, host:port or an smtp:// URL");
	free(ec->smtp);
	ec->smtp = u;
	return YG_OK;
}

static yg_err g_address(char **dst, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	if (!addr_ok(v))
		return global_bad(ctx, e, v, "an e-mail address");
	return set_str(dst, v) ? YG_OK : YG_ENOMEM;
}

static yg_err g_from(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return g_address(&((G *)obj)->from, v, e, ctx);
}

static yg_err g_reply_to(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return g_address(&((G *)obj)->reply_to, v, e, ctx);
}

static yg_err g_to(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	G *ec = obj;
	return add_to(ec->to, &ec->nto, v, ctx->file, e, ctx->diag) ? YG_OK : YG_EPARSE;
}

static yg_err g_log_source(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)obj;
	if (strcmp(v, "alerts.log") && strcmp(v, "alerts.json"))
		return global_bad(ctx, e, v, "alerts.log or alerts.json");
	return YG_OK;
}

static yg_err g_idsname(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	bool printable = strlen(v) <= 64;
	for (const char *p = v; *p; p++)
		printable &= (unsigned char)*p >= ' ' && *p != 0x7F;
	if (!printable)
		return global_bad(ctx, e, v, "printable text");
	return set_str(&((G *)obj)->idsname, v) ? YG_OK : YG_ENOMEM;
}

static void print_str(const char *name, const char *v, FILE *out)
{
	if (v)
		fprintf(out, "    <%s>%s</%s>\n", name, v, name);
}

static void p_notification(const void *obj, const yg_opt *o, FILE *out)
{
	print_str(o->name, ((const G *)obj)->notification ? "yes" : "no", out);
}

static void p_smtp(const void *obj, const yg_opt *o, FILE *out)
{
	print_str(o->name, ((const G *)obj)->smtp, out);
}

static void p_from(const void *obj, const yg_opt *o, FILE *out)
{
	print_str(o->name, ((const G *)obj)->from, out);
}

static void p_reply_to(const void *obj, const yg_opt *o, FILE *out)
{
	print_str(o->name, ((const G *)obj)->reply_to, out);
}

static void p_to(const void *obj, const yg_opt *o, FILE *out)
{
	const G *ec = obj;
	for (size_t i = 0; i < ec->nto; i++)
		print_str(o->name, ec->to[i], out);
}

static void p_idsname(const void *obj, const yg_opt *o, FILE *out)
{
	print_str(o->name, ((const G *)obj)->idsname, out);
}

static const yg_opt global_opts[] = {
        {"email_notification", YG_OPT_CUSTOM, .parse = g_notification, .print = p_notification,
         .help = "send alerts by e-mail"},
        {"smtp_server", YG_OPT_CUSTOM, .parse = g_smtp, .print = p_smtp,
         .help = "host, host:port or smtp(s)://"},
        {"email_from", YG_OPT_CUSTOM, .parse = g_from, .print = p_from, .help = "the sender"},
        {"email_reply_to", YG_OPT_CUSTOM, .parse = g_reply_to, .print = p_reply_to,
         .help = "the Reply-To"},
        {"email_to", YG_OPT_CUSTOM, .parse = g_to, .print = p_to,
         .help = "a recipient (repeatable)"},
        {"email_maxperhour", YG_OPT_UINT, YG_OPT_AT(G, maxperhour), 1, 9999, "12",
         .help = "mails per clock hour"},
        {"email_log_source", YG_OPT_CUSTOM, .parse = g_log_source,
         .help = "alerts.log or alerts.json (both read as alerts.json)"},
        {"email_idsname", YG_OPT_CUSTOM, .parse = g_idsname, .print = p_idsname,
         .help = "the name in the subject"},
        {0},
};

static void *global_create(void)
{
	return yg_email_config_create();
}

static void global_destroy(void *obj)
{
	yg_email_config_destroy(obj);
}

const yg_opt_block yg_email_global_block = {"global", global_opts,   sizeof(yg_email_config),
                                            false,    global_create, global_destroy};

bool yg_email_config_global(yg_email_config *ec, const yg_wxml_node *c, const char *file,
                            yg_diag *diag, yg_err *err)
{
	bool known;
	*err = yg_opt_read_one(&yg_email_global_block, ec, c, file, diag, &known);
	return known;
}

void yg_email_config_print_global(const yg_email_config *ec, FILE *out)
{
	yg_opt_print_rows(&yg_email_global_block, ec, 4, out);
}

yg_err yg_email_config_alert_level(yg_email_config *ec, const yg_wxml_node *c, const char *file,
                                   yg_diag *diag)
{
	if (!level_in(c->content ? c->content : "", 0, 16, &ec->alert_level))
		return bad(diag, file, c, "0-16"), YG_EPARSE;
	return YG_OK;
}

/* ---- <email_alerts>: an option table (src/common/yopt.h) ---- */

typedef email_block B;

static yg_err opt_to(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	B *b = obj;
	if (!addr_ok(v)) {
		yg_opt_bad(ctx, e, "invalid value '%s' (an e-mail address)", v);
		return YG_EPARSE;
	}
	if (b->nto == EMAIL_TO_MAX) {
		yg_opt_bad(ctx, e, "more than %d recipients", EMAIL_TO_MAX);
		return YG_EPARSE;
	}
	return (b->to[b->nto] = strdup(v)) ? (b->nto++, YG_OK) : YG_ENOMEM;
}

static yg_err pattern(yg_osmatch **dst, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	char err[200] = "";
	yg_osmatch *m = NULL;
	if (!*v || yg_osmatch_compile(v, &m, err, sizeof(err))) {
		yg_opt_bad(ctx, e, "invalid value '%s' (%s)", v,
		           err[0] ? err : "an OS_Match pattern");
		return YG_EPARSE;
	}
	yg_osmatch_destroy(*dst);
	*dst = m;
	return YG_OK;
}

static yg_err opt_group(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return pattern(&((B *)obj)->group, v, e, ctx);
}

static yg_err opt_location(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return pattern(&((B *)obj)->location, v, e, ctx);
}

static yg_err opt_rules(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	B *b = obj;
	unsigned *ids = NULL;
	size_t n = 0;
	if (!yg_intg_parse_rule_ids(v, &ids, &n)) {
		yg_opt_bad(ctx, e, "invalid value '%s' (rule numbers separated by commas)", v);
		return YG_EPARSE;
	}
	free(b->rule_ids);
	b->rule_ids = ids;
	b->nrule_ids = n;
	return YG_OK;
}

/* <do_not_group/>, <do_not_delay/>: empty elements (Wazuh's flags). */
static yg_err opt_flag(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	if (*v) {
		yg_opt_bad(ctx, e, "takes no value (write <%s/>)", e->name);
		return YG_EPARSE;
	}
	/* do_not_delay: every mail leaves at once anyway (docs/integrations.md) */
	if (!strcmp(e->name, "do_not_group"))
		((B *)obj)->do_not_group = true;
	return YG_OK;
}

static yg_err opt_format(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)obj;
	if (!strcmp(v, "sms")) {
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, e->line, e->name,
		            "the sms format is not written; the full message is sent");
		return YG_OK;
	}
	if (strcmp(v, "full") && strcmp(v, "default")) {
		yg_opt_bad(ctx, e, "invalid value '%s' (full, default or sms)", v);
		return YG_EPARSE;
	}
	return YG_OK;
}

static void print_block_to(const void *obj, const yg_opt *o, FILE *out)
{
	const B *b = obj;
	for (size_t i = 0; i < b->nto; i++)
		fprintf(out, "    <%s>%s</%s>\n", o->name, b->to[i], o->name);
}

static void print_block_rules(const void *obj, const yg_opt *o, FILE *out)
{
	const B *b = obj;
	if (!b->nrule_ids)
		return;
	fprintf(out, "    <%s>", o->name);
	for (size_t i = 0; i < b->nrule_ids; i++)
		fprintf(out, "%s%u", i ? "," : "", b->rule_ids[i]);
	fprintf(out, "</%s>\n", o->name);
}

static void print_block_flag(const void *obj, const yg_opt *o, FILE *out)
{
	if (((const B *)obj)->do_not_group)
		fprintf(out, "    <%s/>\n", o->name);
}

static const yg_opt email_alerts_opts[] = {
        {"email_to", YG_OPT_CUSTOM, .parse = opt_to, .print = print_block_to,
         .help = "a recipient (repeatable; at least one)"},
        {"level", YG_OPT_UINT, YG_OPT_AT(B, level), 0, 16, "0",
         .help = "the lowest rule level (never below email_alert_level)"},
        {"group", YG_OPT_CUSTOM, .parse = opt_group,
         .help = "an OS_Match pattern on the alert's groups written as g1,g2,"},
        {"event_location", YG_OPT_CUSTOM, .parse = opt_location,
         .help = "an OS_Match pattern on the alert's location"},
        {"rule_id", YG_OPT_CUSTOM, .parse = opt_rules, .print = print_block_rules,
         .help = "only these rule ids (comma-separated)"},
        {"do_not_delay", YG_OPT_CUSTOM, .parse = opt_flag,
         .help = "accepted: every mail is sent at once"},
        {"do_not_group", YG_OPT_CUSTOM, .parse = opt_flag, .print = print_block_flag,
         .help = "never in a digest of mails held back by email_maxperhour"},
        {"format", YG_OPT_CUSTOM, .parse = opt_format,
         .help = "full or default (sms is sent in full)"},
        {0},
};

static void *block_create(void);
static void block_destroy(void *obj);

const yg_opt_block yg_email_alerts_block = {"email_alerts", email_alerts_opts, sizeof(email_block),
                                            false,          block_create,      block_destroy};

/* A block with its defaults; NULL on ENOMEM. */
static void *block_create(void)
{
	email_block *b = calloc(1, sizeof(*b));
	if (b && yg_opt_defaults(&yg_email_alerts_block, b)) {
		block_free(b);
		return NULL;
	}
	return b;
}

static void block_destroy(void *obj)
{
	block_free(obj);
}

yg_err yg_email_config_add_alerts(yg_email_config *ec, const yg_wxml_node *node, const char *file,
                                  yg_diag *diag)
{
	email_block *b = block_create();
	if (!b)
		return YG_ENOMEM;
	b->line = node->line;
	yg_err rc = yg_opt_read(&yg_email_alerts_block, b, node, file, diag);
	if (!rc && !b->nto) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "email_alerts",
		            "<email_to> is required");
		rc = YG_EPARSE;
	}
	b->file = strdup(file ? file : "");
	email_block **v = rc ? NULL : realloc(ec->blocks, (ec->nblocks + 1) * sizeof(*v));
	if (!rc && (!b->file || !v))
		rc = YG_ENOMEM;
	if (rc) {
		block_free(b);
		return rc;
	}
	ec->blocks = v;
	ec->blocks[ec->nblocks++] = b;
	return YG_OK;
}

/* ---- the outbox blocks ---- */

static yg_err new_def(const yg_email_config *ec, char *const *to, size_t nto, yg_intg_def **out)
{
	yg_intg_def *def = yg_intg_def_new();
	if (!def)
		return YG_ENOMEM;
	def->kind = YG_INTG_EMAIL;
	def->name = strdup("email");
	def->smtp_url = strdup(ec->smtp);
	def->mail_from = strdup(ec->from);
	def->mail_reply_to = ec->reply_to ? strdup(ec->reply_to) : NULL;
	def->mail_idsname = ec->idsname ? strdup(ec->idsname) : NULL;
	def->mail_to = calloc(nto, sizeof(char *));
	def->maxperhour = ec->maxperhour;
	def->level = ec->alert_level;
	def->timeout = 30;
	bool ok = def->name && def->smtp_url && def->mail_from && def->mail_to &&
	          (!ec->reply_to || def->mail_reply_to) && (!ec->idsname || def->mail_idsname);
	for (size_t i = 0; ok && i < nto; i++)
		ok = (def->mail_to[def->nmail_to++] = strdup(to[i])) != NULL;
	if (!ok) {
		yg_intg_def_free(def);
		return YG_ENOMEM;
	}
	*out = def;
	return YG_OK;
}

/* The block's patterns move into the def; its rule ids are copied (the
 * block keeps them for -t --print). False on ENOMEM. */
static bool take_filters(yg_intg_def *def, email_block *b, const yg_email_config *ec)
{
	if (b->nrule_ids) {
		def->rule_ids = malloc(b->nrule_ids * sizeof(*def->rule_ids));
		if (!def->rule_ids)
			return false;
		memcpy(def->rule_ids, b->rule_ids, b->nrule_ids * sizeof(*def->rule_ids));
	}
	def->nrule_ids = b->nrule_ids;
	def->level = b->level > ec->alert_level ? b->level : ec->alert_level;
	def->group_re = b->group;
	def->location = b->location;
	def->do_not_group = b->do_not_group;
	b->group = b->location = NULL;
	def->line = b->line;
	return (def->file = strdup(b->file)) != NULL;
}

yg_err yg_email_config_finish(yg_email_config *ec, yg_intg_config *intg, yg_diag *diag)
{
	if (!ec->notification) {
		if (ec->nblocks)
			yg_diag_add(diag, YG_SEV_WARNING, ec->blocks[0]->file, ec->blocks[0]->line,
			            "email_alerts",
			            "<email_notification> is not yes: no e-mail is sent");
		return YG_OK;
	}
	static const char *const need[] = {"smtp_server", "email_from"};
	const char *have[] = {ec->smtp, ec->from};
	yg_err rc = YG_OK;
	for (size_t i = 0; i < 2; i++) {
		if (!have[i]) {
			yg_diag_add(diag, YG_SEV_ERROR, ec->file, ec->line, need[i],
			            "e-mail notification needs <%s> in <global>", need[i]);
			rc = YG_EPARSE;
		}
	}
	if (!ec->nto && !ec->nblocks) {
		yg_diag_add(
		        diag, YG_SEV_ERROR, ec->file, ec->line, "email_to",
		        "e-mail notification needs an <email_to> (in <global> or <email_alerts>)");
		rc = YG_EPARSE;
	}
	if (rc)
		return rc;
	yg_intg_def *def = NULL;
	if (ec->nto) {
		if ((rc = new_def(ec, ec->to, ec->nto, &def)))
			return rc;
		def->line = ec->line;
		def->file = strdup(ec->file);
		if ((rc = yg_intg_config_push(intg, def)))
			return rc;
	}
	for (size_t i = 0; i < ec->nblocks; i++) {
		if ((rc = new_def(ec, ec->blocks[i]->to, ec->blocks[i]->nto, &def)))
			return rc;
		if (!take_filters(def, ec->blocks[i], ec)) {
			yg_intg_def_free(def);
			return YG_ENOMEM;
		}
		if ((rc = yg_intg_config_push(intg, def)))
			return rc;
	}
	return YG_OK;
}

/* ---- the message ---- */

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v)
	               ? v
	               : NULL;
}

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

/* Text with every line break as CRLF and other control characters as
 * blanks (header_line: no line break at all). */
static void put_text(yg_buf *b, const char *s, bool header_line)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			yg_buf_append(b, header_line ? " " : "\r\n", header_line ? 1 : 2);
		else if (c == '\r')
			continue;
		else
			yg_buf_putc(b, c < ' ' || c == 0x7F ? ' ' : (char)c);
	}
}

/* Wazuh's alert date, "2024 Mar 05 09:04:04". */
static void alert_date(json_object *alert, char *out, size_t n)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	const char *t = str_at(alert, "timestamp", NULL);
	int y, mo, d, h, mi, s;
	if (t && sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6 && mo >= 1 &&
	    mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 &&
	    s < 61) {
		snprintf(out, n, "%04d %s %02d %02d:%02d:%02d", y, mon[mo - 1], d, h, mi, s);
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, n, "%Y %b %d %H:%M:%S", &tm);
}

yg_err yg_email_format(const yg_intg_def *def, json_object *alert, yg_buf *out)
{
	yg_buf loc;
	yg_buf_init(&loc, 8192);
	yg_alert_location_line(alert, &loc);
	const char *l = loc.data ? loc.data : "";
	const char *arrow = strstr(l, "->");
	json_object *lv = get(get(alert, "rule"), "level");
	long level = lv ? (long)json_object_get_int64(lv) : 0;
	const char *rid = str_at(alert, "rule", "id"), *desc = str_at(alert, "rule", "description");
	char date[64];
	alert_date(alert, date, sizeof(date));
	yg_buf_printf(out, "Subject: ");
	if (def && def->mail_idsname) {
		put_text(out, def->mail_idsname, true);
		yg_buf_printf(out, " - ");
	}
	yg_buf_printf(out, "Wazuh notification - %.*s - Alert level %ld\r\n\r\n",
	              (int)(arrow ? (size_t)(arrow - l) : strlen(l)), l, level);
	yg_buf_printf(out, "\r\nWazuh Notification.\r\n%s\r\n\r\nReceived From: ", date);
	put_text(out, l, true);
	yg_buf_printf(out, "\r\nRule: %s fired (level %ld) -> \"", rid ? rid : "0", level);
	put_text(out, desc ? desc : "", true);
	yg_buf_printf(out, "\"\r\n");
	const char *sip = str_at(alert, "data", "srcip"), *user = str_at(alert, "data", "dstuser");
	if (sip)
		yg_buf_printf(out, "Src IP: %s\r\n", sip);
	if (user) {
		yg_buf_printf(out, "User: ");
		put_text(out, user, true);
		yg_buf_printf(out, "\r\n");
	}
	yg_buf_printf(out, "Portion of the log(s):\r\n\r\n");
	put_text(out, str_at(alert, "full_log", NULL), false);
	yg_err e = yg_buf_printf(out, "\r\n\r\n\r\n --END OF NOTIFICATION\r\n\r\n\r\n");
	yg_buf_free(&loc);
	return e;
}

/* The subject line of a stored message (without "Subject: " and CRLF),
 * and its level (the number after "Alert level"). */
static size_t subject_of(const char *m, size_t len, const char **subj, long *level)
{
	*subj = "";
	*level = -1;
	if (len < 9 || strncmp(m, "Subject: ", 9) != 0)
		return 0;
	const char *end = memchr(m, '\r', len);
	if (!end)
		return 0;
	*subj = m + 9;
	size_t n = (size_t)(end - *subj);
	const char *lv = NULL;
	for (const char *p = *subj; p + 11 <= end; p++)
		if (!strncmp(p, "Alert level", 11))
			lv = p + 11;
	if (lv)
		*level = strtol(lv, NULL, 10);
	return n;
}

yg_err yg_email_message(const yg_intg_def *def, const char *const *stored, const size_t *lens,
                        size_t n, const char *msg_id, yg_buf *out)
{
	if (!n)
		return YG_EINVAL;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	yg_buf_printf(out, "Date: %s\r\nFrom: Wazuh <%s>\r\nTo: ", date, def->mail_from);
	for (size_t i = 0; i < def->nmail_to; i++)
		yg_buf_printf(out, "%s<%s>", i ? ", " : "", def->mail_to[i]);
	if (def->mail_reply_to)
		yg_buf_printf(out, "\r\nReply-To: <%s>", def->mail_reply_to);
	yg_buf_printf(out,
	              "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
	              "Content-Type: text/plain; charset=UTF-8\r\n"
	              "Content-Transfer-Encoding: 8bit\r\n",
	              msg_id);
	/* the subject: the one of the highest level (Wazuh's grouped mails) */
	size_t best = 0;
	long best_level = -2;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		long lv;
		subject_of(stored[i], lens[i], &s, &lv);
		if (lv > best_level) {
			best_level = lv;
			best = i;
		}
	}
	const char *subj;
	long lv;
	size_t sn = subject_of(stored[best], lens[best], &subj, &lv);
	yg_buf_printf(out, "Subject: %.*s\r\n\r\n", (int)sn, subj);
	yg_err e = YG_OK;
	for (size_t i = 0; i < n && !e; i++) {
		const char *body = strstr(stored[i], "\r\n\r\n");
		body = body ? body + 4 : stored[i];
		e = yg_buf_append(out, body, lens[i] - (size_t)(body - stored[i]));
	}
	return e;
}

void yg_email_config_print(const yg_email_config *ec, FILE *out)
{
	for (size_t i = 0; i < ec->nblocks; i++)
		yg_opt_print(&yg_email_alerts_block, ec->blocks[i], 2, out);
}
