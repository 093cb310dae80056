/* alert.c: the last event as Wazuh alert JSON.
 *
 * Key order and content follow Wazuh's Eventinfo_to_jsonstr: timestamp,
 * rule{level, description, id, mitre, cve, info, frequency, firedtimes,
 * mail, groups, pci_dss...}, agent, manager, id, full_log, predecoder,
 * decoder, data, location. Dynamic field names with dots become nested
 * objects, as Wazuh's W_JSON_AddField does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ytime.h"
#include "engine/geoip.h"
#include "engine/session_int.h"

static void kv_str(yg_buf *b, bool *first, const char *k, const char *v)
{
	if (!*first)
		yg_buf_putc(b, ',');
	*first = false;
	yg_buf_json_str(b, k);
	yg_buf_putc(b, ':');
	yg_buf_json_str(b, v);
}

static void key(yg_buf *b, bool *first, const char *k)
{
	if (!*first)
		yg_buf_putc(b, ',');
	*first = false;
	yg_buf_json_str(b, k);
	yg_buf_putc(b, ':');
}

static void str_array(yg_buf *b, const char *const *v, size_t n)
{
	yg_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			yg_buf_putc(b, ',');
		yg_buf_json_str(b, v[i]);
	}
	yg_buf_putc(b, ']');
}

/* Groups split by ',' into "groups" and the compliance arrays Wazuh derives
 * from prefixes. */
static void groups_json(yg_buf *b, bool *first, const char *group)
{
	static const struct {
		const char *prefix;
		const char *key;
	} comp[] = {{"pci_dss_", "pci_dss"}, {"cis_", "cis"},     {"gdpr_", "gdpr"},
	            {"gpg13_", "gpg13"},     {"hipaa_", "hipaa"}, {"nist_800_53_", "nist_800_53"},
	            {"tsc_", "tsc"}};
	enum { NC = sizeof(comp) / sizeof(comp[0]) };
	for (int pass = -1; pass < NC; pass++) {
		bool any = false;
		const char *p = group;
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			const char *w = p;
			while (len && *w == ' ')
				w++, len--;
			int which = -1;
			for (int c = 0; c < NC; c++) {
				size_t pl = strlen(comp[c].prefix);
				if (len > pl && !strncmp(w, comp[c].prefix, pl)) {
					which = c;
					break;
				}
			}
			if (len && which == pass) {
				if (!any) {
					key(b, first, pass < 0 ? "groups" : comp[pass].key);
					yg_buf_putc(b, '[');
				} else {
					yg_buf_putc(b, ',');
				}
				any = true;
				size_t skip = pass < 0 ? 0 : strlen(comp[pass].prefix);
				yg_buf_putc(b, '"');
				yg_buf_json_escape(b, w + skip, len - skip);
				yg_buf_putc(b, '"');
			}
			p = comma ? comma + 1 : NULL;
		}
		if (any)
			yg_buf_putc(b, ']');
	}
}

/* Writes the dynamic fields as nested objects. Fields are emitted in their
 * order, grouped under shared dotted prefixes (a simple tree merge). */
typedef struct jnode {
	const char *name;
	size_t nlen;
	const char *value; /* leaf when non-NULL */
	int first_child, next;
} jnode;

#define YG_ALERT_MAX_NODES 1024

static int child_named(jnode *nodes, int parent, const char *name, size_t nlen)
{
	for (int c = nodes[parent].first_child; c >= 0; c = nodes[c].next)
		if (nodes[c].nlen == nlen && !strncmp(nodes[c].name, name, nlen))
			return c;
	return -1;
}

static void emit(yg_buf *b, jnode *nodes, int n)
{
	bool first = true;
	yg_buf_putc(b, '{');
	for (int c = nodes[n].first_child; c >= 0; c = nodes[c].next) {
		if (!first)
			yg_buf_putc(b, ',');
		first = false;
		yg_buf_putc(b, '"');
		yg_buf_json_escape(b, nodes[c].name, nodes[c].nlen);
		yg_buf_puts(b, "\":");
		if (nodes[c].value)
			yg_buf_json_str(b, nodes[c].value);
		else
			emit(b, nodes, c);
	}
	yg_buf_putc(b, '}');
}

static int add_node(jnode *nodes, int *count, int parent, const char *name, size_t nlen,
                    const char *value)
{
	if (*count >= YG_ALERT_MAX_NODES)
		return -1;
	int id = (*count)++;
	nodes[id] = (jnode){name, nlen, value, -1, -1};
	int *pp = &nodes[parent].first_child;
	while (*pp >= 0)
		pp = &nodes[*pp].next;
	*pp = id;
	return id;
}

/* Adds k = v under node 0, a dotted k nesting; a name already there wins
 * (as Wazuh's W_JSON_AddField: the first value stays, a leaf is not turned
 * into an object). */
static void tree_add(jnode *nodes, int *count, const char *k, const char *v)
{
	int parent = 0;
	for (;;) {
		const char *dot = strchr(k, '.');
		size_t nlen = dot ? (size_t)(dot - k) : strlen(k);
		int c = child_named(nodes, parent, k, nlen);
		if (!dot) {
			if (c < 0)
				add_node(nodes, count, parent, k, nlen, v);
			return;
		}
		if (c >= 0 && nodes[c].value)
			return; /* a leaf already holds this name */
		if (c < 0)
			c = add_node(nodes, count, parent, k, nlen, NULL);
		if (c < 0)
			return;
		parent = c;
		k = dot + 1;
	}
}

/* agent.labels, as analysisd writes it with show_hidden_labels off: the
 * object is there when the agent has any label, hidden ones are left out,
 * dotted keys nest. */
static void labels_json(yg_buf *b, bool *first, const yg_event *ev)
{
	if (!ev->nlabels)
		return;
	jnode nodes[YG_ALERT_MAX_NODES];
	int count = 1;
	nodes[0] = (jnode){"", 0, NULL, -1, -1};
	for (size_t i = 0; i < ev->nlabels; i++)
		if (!ev->labels[i].hidden && ev->labels[i].key && ev->labels[i].value)
			tree_add(nodes, &count, ev->labels[i].key, ev->labels[i].value);
	key(b, first, "labels");
	emit(b, nodes, 0);
}

static void data_json(yg_buf *b, bool *first, const yg_event *ev)
{
	static jnode nodes_static[1]; /* silence unused warnings on some compilers */
	(void)nodes_static;
	jnode nodes[YG_ALERT_MAX_NODES];
	int count = 1;
	nodes[0] = (jnode){"", 0, NULL, -1, -1};
	static const int order[] = {YG_SF_PROTOCOL,   YG_SF_ACTION,    YG_SF_SRCIP,   YG_SF_SRCPORT,
	                            YG_SF_SRCUSER,    YG_SF_DSTIP,     YG_SF_DSTPORT, YG_SF_DSTUSER,
	                            YG_SF_ID,         YG_SF_STATUS,    YG_SF_URL,     YG_SF_DATA,
	                            YG_SF_EXTRA_DATA, YG_SF_SYSTEMNAME};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *v = ev->sfields[order[i]];
		if (v) {
			const char *nm = yg_sfield_name(order[i]);
			add_node(nodes, &count, 0, nm, strlen(nm), v);
		}
	}
	bool syscheck = ev->decoder && ev->decoder->report_name &&
	                !strncmp(ev->decoder->report_name, "syscheck_", 9);
	for (int i = 0; !syscheck && i < ev->nfields; i++) {
		const char *k = ev->fields[i].key, *v = ev->fields[i].value;
		if (!v || !*v)
			continue;
		tree_add(nodes, &count, k, v);
	}
	if (nodes[0].first_child < 0)
		return;
	key(b, first, "data");
	emit(b, nodes, 0);
}

/* Wazuh prints a "_before" value only when it differs from the new one. */
static const char *before_value(const yg_event *ev, const char *before, const char *after)
{
	const char *b = yg_event_find(ev, before), *a = yg_event_find(ev, after);
	if (!b || !*b)
		return NULL;
	return (a && !strcmp(a, b)) ? NULL : b;
}

static void mtime_str(const char *v, char *out, size_t n)
{
	long t = strtol(v, NULL, 10);
	time_t tt = (time_t)t;
	struct tm tm;
	if (t > 0 && localtime_r(&tt, &tm))
		strftime(out, n, "%Y-%m-%dT%H:%M:%S%z", &tm);
	else
		snprintf(out, n, "Invalid: '%s'", v);
}

/* The "syscheck" object of a FIM alert, from Wazuh's field names. */
static void syscheck_json(yg_buf *b, bool *first, const yg_event *ev)
{
	static const struct {
		const char *before, *after, *key;
	} pairs[] = {
	        {"size_before", "size", "size"},       {"perm_before", "perm", "perm"},
	        {"uid_before", "uid", "uid"},          {"gid_before", "gid", "gid"},
	        {"md5_before", "md5", "md5"},          {"sha1_before", "sha1", "sha1"},
	        {"sha256_before", "sha256", "sha256"}, {"uname_before", "uname", "uname"},
	        {"gname_before", "gname", "gname"},
	};
	bool f = true;
	char k[64], tbuf[64];
	key(b, first, "syscheck");
	yg_buf_putc(b, '{');
	const char *v = yg_event_find(ev, "file");
	kv_str(b, &f, "path", v ? v : "");
	if ((v = yg_event_find(ev, "mode")))
		kv_str(b, &f, "mode", v);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *bv = before_value(ev, pairs[i].before, pairs[i].after);
		if (bv) {
			snprintf(k, sizeof(k), "%s_before", pairs[i].key);
			kv_str(b, &f, k, bv);
		}
		const char *av = yg_event_find(ev, pairs[i].after);
		if (av && *av) {
			snprintf(k, sizeof(k), "%s_after", pairs[i].key);
			kv_str(b, &f, k, av);
		}
	}
	const char *mb = before_value(ev, "mtime_before", "mtime");
	if (mb) {
		mtime_str(mb, tbuf, sizeof(tbuf));
		kv_str(b, &f, "mtime_before", tbuf);
	}
	if ((v = yg_event_find(ev, "mtime")) && *v) {
		mtime_str(v, tbuf, sizeof(tbuf));
		kv_str(b, &f, "mtime_after", tbuf);
	}
	const char *ib = before_value(ev, "inode_before", "inode");
	if (ib) {
		key(b, &f, "inode_before");
		yg_buf_printf(b, "%ld", strtol(ib, NULL, 10));
	}
	if ((v = yg_event_find(ev, "inode")) && strtol(v, NULL, 10)) {
		key(b, &f, "inode_after");
		yg_buf_printf(b, "%ld", strtol(v, NULL, 10));
	}
	if ((v = yg_event_find(ev, "changed_content")) && strcmp(v, "0") != 0)
		kv_str(b, &f, "diff", v);
	if ((v = yg_event_find(ev, "tag")) && *v)
		kv_str(b, &f, "tags", v);
	if ((v = yg_event_find(ev, "changed_fields")) && *v) {
		key(b, &f, "changed_attributes");
		yg_buf_putc(b, '[');
		bool af = true;
		for (const char *p = v; *p;) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			if (n) {
				if (!af)
					yg_buf_putc(b, ',');
				af = false;
				yg_buf_putc(b, '"');
				yg_buf_json_escape(b, p, n);
				yg_buf_putc(b, '"');
			}
			p = c ? c + 1 : p + n;
		}
		yg_buf_putc(b, ']');
	}
	if ((v = yg_event_find(ev, "event_type")))
		kv_str(b, &f, "event", v);
	yg_buf_putc(b, '}');
}

/* The GeoLocation object Wazuh's indexer pipeline adds for data.srcip
 * (<alerts><use_geoip>), when the database knows the address. */
static void geolocation_json(yg_buf *b, bool *first, const yg_geoip *g, const char *srcip)
{
	yg_buf geo;
	yg_buf_init(&geo, 16384); /* 3 names of <= 255 bytes, escaped */
	if (srcip && yg_geoip_location_json(g, srcip, &geo) && geo.data) {
		key(b, first, "GeoLocation");
		yg_buf_append(b, geo.data, geo.len);
	}
	yg_buf_free(&geo);
}

/* The "rule" object: what fired, its MITRE names, counters and groups. */
static void rule_json(yg_buf *b, bool *first, const yg_session *s, const yg_rule *r)
{
	bool rf = true;
	key(b, first, "rule");
	yg_buf_putc(b, '{');
	key(b, &rf, "level");
	yg_buf_printf(b, "%d", r->level);
	kv_str(b, &rf, "description", s->comment ? s->comment : "");
	char id[16];
	snprintf(id, sizeof(id), "%u", r->sigid);
	kv_str(b, &rf, "id", id);
	if (r->mitre.nshown_tactics) {
		/* Wazuh's names for the rule's ids (mitre.c) */
		const yg_mitre *m = &r->mitre;
		key(b, &rf, "mitre");
		yg_buf_puts(b, "{\"id\":");
		str_array(b, m->shown_ids, m->nshown_ids);
		yg_buf_puts(b, ",\"tactic\":");
		str_array(b, m->shown_tactics, m->nshown_tactics);
		yg_buf_puts(b, ",\"technique\":");
		str_array(b, m->shown_techniques, m->nshown_techniques);
		yg_buf_putc(b, '}');
	}
	if (r->cve)
		kv_str(b, &rf, "cve", r->cve);
	if (r->info)
		kv_str(b, &rf, "info", r->info);
	if (r->frequency) {
		key(b, &rf, "frequency");
		yg_buf_printf(b, "%d", r->frequency + 2);
	}
	if (!(r->opts & YG_RO_NO_COUNTER)) {
		key(b, &rf, "firedtimes");
		if (!s->defer_fired) /* else the caller writes the count */
			yg_buf_printf(b, "%u", s->fired);
	}
	key(b, &rf, "mail");
	yg_buf_puts(b, (r->opts & YG_RO_MAIL) ? "true" : "false");
	if (r->group)
		groups_json(b, &rf, r->group);
	yg_buf_putc(b, '}');
}

/* The "agent" and "manager" objects; events of the manager itself are
 * agent 000, named after the manager. */
static void agent_json(yg_buf *b, bool *first, const yg_event *ev)
{
	bool af = true;
	key(b, first, "agent");
	yg_buf_putc(b, '{');
	kv_str(b, &af, "id", ev->agent_id ? ev->agent_id : "000");
	const char *an = ev->agent_name ? ev->agent_name : ev->manager_name;
	if (an)
		kv_str(b, &af, "name", an);
	if (ev->agent_ip)
		kv_str(b, &af, "ip", ev->agent_ip);
	labels_json(b, &af, ev);
	yg_buf_putc(b, '}');
	key(b, first, "manager");
	yg_buf_putc(b, '{');
	if (ev->manager_name) {
		bool mf = true;
		kv_str(b, &mf, "name", ev->manager_name);
	}
	yg_buf_putc(b, '}');
}

/* A correlation rule's matched events, one per line, as Wazuh's
 * "previous_output" (bounded: 1 MiB). */
static void previous_output_json(yg_buf *b, bool *first, const yg_session *s)
{
	yg_buf plog;
	yg_buf_init(&plog, 1 << 20);
	for (size_t i = 0; i < s->nlast_events; i++) {
		if (i)
			yg_buf_putc(&plog, '\n');
		yg_buf_puts(&plog, s->last_events[i]);
	}
	if (plog.data)
		kv_str(b, first, "previous_output", plog.data);
	yg_buf_free(&plog);
}

/* The "predecoder" (syslog header fields) and "decoder" objects. */
static void decoders_json(yg_buf *b, bool *first, const yg_event *ev)
{
	if (ev->program_name || ev->dec_timestamp || ev->hostname) {
		bool pf = true;
		key(b, first, "predecoder");
		yg_buf_putc(b, '{');
		if (ev->program_name)
			kv_str(b, &pf, "program_name", ev->program_name);
		if (ev->dec_timestamp)
			kv_str(b, &pf, "timestamp", ev->dec_timestamp);
		if (ev->hostname)
			kv_str(b, &pf, "hostname", ev->hostname);
		yg_buf_putc(b, '}');
	}
	if (ev->decoder && ev->decoder->report_name) {
		bool df = true;
		key(b, first, "decoder");
		yg_buf_putc(b, '{');
		if (ev->decoder->parent)
			kv_str(b, &df, "parent", ev->decoder->parent);
		kv_str(b, &df, "name", ev->decoder->report_name);
		if (ev->decoder->ftscomment)
			kv_str(b, &df, "ftscomment", ev->decoder->ftscomment);
		yg_buf_putc(b, '}');
	}
}

yg_err yg_session_alert_json(yg_session *s, yg_buf *b)
{
	const yg_event *ev = &s->ev;
	const yg_rule *r = s->rule;
	bool first = true;
	char tsbuf[128];
	time_t t = ev->time ? ev->time : time(NULL);
	yg_time_format_alert(t, tsbuf, sizeof(tsbuf));

	yg_buf_putc(b, '{');
	kv_str(b, &first, "timestamp", tsbuf);
	if (r)
		rule_json(b, &first, s, r);
	agent_json(b, &first, ev);
	{
		char idbuf[48];
		snprintf(idbuf, sizeof(idbuf), "%lld.%llu", (long long)t, s->alert_seq);
		kv_str(b, &first, "id", idbuf);
	}
	if (s->nlast_events > 1)
		previous_output_json(b, &first, s);
	if (ev->full_log && !(r && (r->opts & YG_RO_NO_FULL_LOG)))
		kv_str(b, &first, "full_log", ev->full_log);
	decoders_json(b, &first, ev);
	if (s->previous) /* check_diff: the output before this one */
		kv_str(b, &first, "previous_log", s->previous);
	if (ev->decoder && ev->decoder->report_name &&
	    !strncmp(ev->decoder->report_name, "syscheck_", 9))
		syscheck_json(b, &first, ev);
	data_json(b, &first, ev);
	if (ev->location)
		kv_str(b, &first, "location", ev->location);
	if (s->rs->geolocation)
		geolocation_json(b, &first, s->rs->geoip, ev->sfields[YG_SF_SRCIP]);
	if (ev->origin_time) {
		/* the agent's own clock, kept for the record: the timestamp above
		 * is the manager's */
		yg_time_format_alert(ev->origin_time, tsbuf, sizeof(tsbuf));
		kv_str(b, &first, "agent_time", tsbuf);
	}
	yg_buf_putc(b, '}');
	return YG_OK;
}
