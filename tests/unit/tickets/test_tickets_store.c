/* test_tickets_store.c: routing, folding, idempotence, persistence,
 * updates and searches of the ticket store, on a real SQLite file. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tickets/tickets.h"

typedef struct fx {
	char dir[64];
	char db[128];
	yg_tickets_config *cfg;
	yg_tickets *t;
} fx;

static yg_tickets_config *config_of(const char *xml)
{
	yg_diag *d = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(xml, strlen(xml), "t.conf", YG_WXML_NO_VARS, d, &doc),
	        YG_OK);
	yg_tickets_config *cfg = yg_tickets_config_create();
	assert_int_equal(yg_tickets_config_add_tickets(cfg, yg_wxml_doc_root(doc, 0), "t.conf", d),
	                 YG_OK);
	yg_wxml_doc_destroy(doc);
	yg_diag_destroy(d);
	return cfg;
}

static void fx_open(fx *f)
{
	assert_int_equal(yg_tickets_create(f->db, f->cfg, NULL, &f->t), YG_OK);
}

static fx *fx_new(const char *xml)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg-tickets-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/tickets.db", f->dir);
	f->cfg = xml ? config_of(xml) : NULL;
	fx_open(f);
	return f;
}

static void fx_free(fx *f)
{
	char p[160];
	yg_tickets_destroy(f->t);
	yg_tickets_config_destroy(f->cfg);
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", f->db, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
}

/* A Wazuh alert. groups is a JSON array body ("\"a\",\"b\""); srcip and
 * extra (more members, starting with ',') may be NULL. time is seconds. */
static char *alert(const char *id, const char *rule, int level, const char *groups,
                   const char *agent, const char *srcip, long time, const char *extra)
{
	static _Thread_local char buf[8192];
	char ts[64], data[128] = "";
	time_t tt = (time_t)time;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
	if (srcip)
		snprintf(data, sizeof(data), ",\"data\":{\"srcip\":\"%s\"}", srcip);
	snprintf(buf, sizeof(buf),
	         "{\"timestamp\":\"%s\",\"rule\":{\"level\":%d,\"description\":\"Rule %s fired\","
	         "\"id\":\"%s\",\"groups\":[%s]},\"agent\":{\"id\":\"%s\",\"name\":\"web\"},"
	         "\"manager\":{\"name\":\"m\"},\"id\":\"%s\",\"full_log\":\"log line %s\","
	         "\"decoder\":{\"name\":\"json\"},\"location\":\"x\"%s%s}",
	         ts, level, rule, rule, groups, agent, id, id, data, extra ? extra : "");
	return buf;
}

static yg_tickets_outcome offer(fx *f, const char *json, int64_t *id)
{
	yg_tickets_outcome oc;
	int64_t tid;
	assert_int_equal(yg_tickets_offer(f->t, json, strlen(json), &oc, &tid), YG_OK);
	if (id)
		*id = tid;
	return oc;
}

static uint64_t count(fx *f, const yg_tickets_filter *flt)
{
	uint64_t n = 99999;
	assert_int_equal(yg_tickets_count(f->t, flt, &n), YG_OK);
	return n;
}

#define T0 1700000000L

/* ---- routing ---- */

static void test_default_route(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	int64_t id;
	assert_int_equal(
	        offer(f, alert("1.1", "100", 6, "\"malware\"", "001", NULL, T0, NULL), &id),
	        YG_TICKETS_NOT_ROUTED);
	assert_int_equal(id, 0);
	assert_int_equal(offer(f, alert("1.2", "100", 10, "\"web\"", "001", NULL, T0, NULL), NULL),
	                 YG_TICKETS_NOT_ROUTED);
	assert_int_equal(
	        offer(f, alert("1.3", "100", 7, "\"web\",\"attack\"", "001", NULL, T0, NULL), &id),
	        YG_TICKETS_OPENED);
	assert_true(id > 0);
	/* "attacks" is a group of its own, "attack_x" is not "attack" */
	assert_int_equal(
	        offer(f, alert("1.4", "101", 9, "\"attacks\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_OPENED);
	assert_int_equal(
	        offer(f, alert("1.5", "102", 9, "\"attack_x\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_NOT_ROUTED);
	assert_int_equal(count(f, NULL), 2);
	fx_free(f);
}

static void test_configured_routes(void **state)
{
	(void)state;
	fx *f = fx_new("<tickets>"
	               "<route><level>10</level><group>ids</group></route>"
	               "<route><rule_id>550,554</rule_id></route>"
	               "<route><agent_id>007</agent_id><level>3</level></route>"
	               "</tickets>");
	/* level and group: both needed */
	assert_int_equal(offer(f, alert("2.1", "86601", 9, "\"ids\"", "001", NULL, T0, NULL), NULL),
	                 YG_TICKETS_NOT_ROUTED);
	assert_int_equal(
	        offer(f, alert("2.2", "86611", 10, "\"ids\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_OPENED);
	assert_int_equal(
	        offer(f, alert("2.3", "86611", 12, "\"web\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_NOT_ROUTED);
	/* rule id, any level */
	assert_int_equal(
	        offer(f, alert("2.4", "550", 1, "\"syscheck\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_OPENED);
	assert_int_equal(
	        offer(f, alert("2.5", "553", 7, "\"syscheck\"", "001", NULL, T0, NULL), NULL),
	        YG_TICKETS_NOT_ROUTED);
	/* agent id with a level */
	assert_int_equal(offer(f, alert("2.6", "5", 2, "\"x\"", "007", NULL, T0, NULL), NULL),
	                 YG_TICKETS_NOT_ROUTED);
	assert_int_equal(offer(f, alert("2.7", "5", 3, "\"x\"", "007", NULL, T0, NULL), NULL),
	                 YG_TICKETS_OPENED);
	assert_int_equal(offer(f, alert("2.8", "5", 3, "\"x\"", "008", NULL, T0, NULL), NULL),
	                 YG_TICKETS_NOT_ROUTED);
	fx_free(f);
}

/* ---- type and severity ---- */

static void check_ticket(fx *f, int64_t id, const char *type, int sev)
{
	yg_ticket *tk = NULL;
	assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
	assert_string_equal(tk->type, type);
	assert_int_equal(tk->severity, sev);
	assert_string_equal(tk->status, "open");
	yg_ticket_free(tk);
}

static void test_type_severity(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	static const struct {
		int level, sev;
	} m[] = {{7, 1}, {8, 2}, {12, 2}, {13, 3}};
	for (size_t i = 0; i < 4; i++) {
		char aid[16], rid[16];
		int64_t id;
		snprintf(aid, sizeof(aid), "3.%zu", i);
		snprintf(rid, sizeof(rid), "30%zu", i);
		assert_int_equal(
		        offer(f, alert(aid, rid, m[i].level, "\"attack\"", "001", NULL, T0, NULL),
		              &id),
		        YG_TICKETS_OPENED);
		check_ticket(f, id, "alert", m[i].sev);
		snprintf(aid, sizeof(aid), "4.%zu", i);
		snprintf(rid, sizeof(rid), "40%zu", i);
		assert_int_equal(
		        offer(f,
		              alert(aid, rid, m[i].level, "\"yara\",\"malware\",\"incident\"",
		                    "001", NULL, T0, NULL),
		              &id),
		        YG_TICKETS_OPENED);
		check_ticket(f, id, "incident", m[i].sev);
	}
	assert_string_equal(yg_tickets_severity_name(1), "Medium");
	assert_string_equal(yg_tickets_severity_name(2), "High");
	assert_string_equal(yg_tickets_severity_name(3), "Critical");
	yg_tickets_filter flt = {.type = "incident"};
	assert_int_equal(count(f, &flt), 4);
	flt = (yg_tickets_filter){.severity = 2};
	assert_int_equal(count(f, &flt), 4);
	yg_tickets_stats st;
	assert_int_equal(yg_tickets_get_stats(f->t, &st), YG_OK);
	assert_int_equal(st.open, 8);
	assert_int_equal(st.unresolved_by_severity[1], 2);
	assert_int_equal(st.unresolved_by_severity[2], 4);
	assert_int_equal(st.unresolved_by_severity[3], 2);
	fx_free(f);
}

/* ---- folding ---- */

static int count_kind(void *ctx, const yg_tickets_entry *e)
{
	size_t *n = ctx;
	if (!strcmp(e->kind, "alert"))
		(*n)++;
	return 0;
}

static void test_fold_brute_force(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	int64_t first = 0, id;
	for (int i = 0; i < 10; i++) {
		char aid[16];
		snprintf(aid, sizeof(aid), "%ld.%d", T0 + i, i);
		yg_tickets_outcome oc = offer(
		        f,
		        alert(aid, "100403", 7, "\"authentication_failures\",\"attack\",\"alert\"",
		              "001", "192.0.2.10", T0 + i, NULL),
		        &id);
		assert_int_equal(oc, i == 0 ? YG_TICKETS_OPENED : YG_TICKETS_FOLDED);
		if (i == 0)
			first = id;
		assert_int_equal(id, first);
	}
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, first, &tk), YG_OK);
	assert_int_equal(tk->alert_count, 10);
	assert_int_equal(tk->first_alert_ms, (int64_t)T0 * 1000);
	assert_int_equal(tk->last_alert_ms, (int64_t)(T0 + 9) * 1000);
	assert_string_equal(tk->rule_id, "100403");
	assert_non_null(strstr(tk->description, "192.0.2.10"));
	yg_ticket_free(tk);
	size_t n = 0;
	assert_int_equal(yg_tickets_timeline(f->t, first, 0, 0, count_kind, &n), YG_OK);
	assert_int_equal(n, 10);
	yg_tickets_strv ids;
	assert_int_equal(yg_tickets_alert_ids(f->t, first, &ids), YG_OK);
	assert_int_equal(ids.n, 10);
	yg_tickets_strv_free(&ids);
	/* another source IP: a second ticket */
	assert_int_equal(
	        offer(f,
	              alert("9.1", "100403", 7, "\"attack\"", "001", "192.0.2.11", T0 + 20, NULL),
	              &id),
	        YG_TICKETS_OPENED);
	assert_true(id != first);
	assert_int_equal(count(f, NULL), 2);
	/* same IP, another rule: another ticket */
	assert_int_equal(
	        offer(f,
	              alert("9.2", "100404", 7, "\"attack\"", "001", "192.0.2.10", T0 + 20, NULL),
	              NULL),
	        YG_TICKETS_OPENED);
	/* a higher level folded in raises the severity and makes an incident */
	assert_int_equal(offer(f,
	                       alert("9.3", "100403", 13, "\"attack\",\"incident\"", "002",
	                             "192.0.2.10", T0 + 30, NULL),
	                       &id),
	                 YG_TICKETS_FOLDED);
	assert_int_equal(id, first);
	check_ticket(f, first, "incident", 3);
	fx_free(f);
}

static void test_fold_window_and_closed(void **state)
{
	(void)state;
	fx *f = fx_new("<tickets><route><level>5</level></route>"
	               "<fold_window>3600</fold_window></tickets>");
	int64_t a, b, c;
	offer(f,
	      alert("5.1", "550", 7, "\"syscheck\"", "001", NULL, T0,
	            ",\"syscheck\":{\"path\":\"/var/www/html/index.php\",\"event\":\"modified\"}"),
	      &a);
	/* same agent, another path: not folded */
	assert_int_equal(offer(f,
	                       alert("5.2", "550", 7, "\"syscheck\"", "001", NULL, T0 + 1,
	                             ",\"syscheck\":{\"path\":\"/var/www/html/a.php\"}"),
	                       &b),
	                 YG_TICKETS_OPENED);
	assert_true(a != b);
	/* same path within the window: folded */
	assert_int_equal(offer(f,
	                       alert("5.3", "550", 7, "\"syscheck\"", "001", NULL, T0 + 3600,
	                             ",\"syscheck\":{\"path\":\"/var/www/html/index.php\"}"),
	                       &c),
	                 YG_TICKETS_FOLDED);
	assert_int_equal(c, a);
	/* beyond the window of the last alert: a new ticket */
	assert_int_equal(offer(f,
	                       alert("5.4", "550", 7, "\"syscheck\"", "001", NULL, T0 + 7201,
	                             ",\"syscheck\":{\"path\":\"/var/www/html/index.php\"}"),
	                       &c),
	                 YG_TICKETS_OPENED);
	assert_true(c != a);
	/* closed: a repeat opens a new ticket */
	char msg[128];
	yg_tickets_change u = {.status = "closed", .resolution = "restored from backup"};
	assert_int_equal(yg_tickets_update(f->t, c, &u, NULL, msg, sizeof(msg)), YG_OK);
	int64_t d;
	assert_int_equal(offer(f,
	                       alert("5.5", "550", 7, "\"syscheck\"", "001", NULL, T0 + 7202,
	                             ",\"syscheck\":{\"path\":\"/var/www/html/index.php\"}"),
	                       &d),
	                 YG_TICKETS_OPENED);
	assert_true(d != c);
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, c, &tk), YG_OK);
	assert_int_equal(tk->alert_count, 1);
	assert_string_equal(tk->status, "closed");
	yg_ticket_free(tk);
	fx_free(f);
}

/* ---- idempotence and restart ---- */

static void test_idempotent_and_restart(void **state)
{
	(void)state;
	fx *f = fx_new("<tickets><close_lifts_bans>yes</close_lifts_bans></tickets>");
	char *j = strdup(alert("6.1", "100403", 7, "\"attack\"", "001", "198.51.100.7", T0, NULL));
	int64_t id, id2;
	assert_int_equal(offer(f, j, &id), YG_TICKETS_OPENED);
	assert_int_equal(offer(f, j, &id2), YG_TICKETS_DUPLICATE);
	assert_int_equal(id2, id);
	assert_int_equal(yg_tickets_comment(f->t, id, "alice", "looking at it\nline 2"), YG_OK);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "198.51.100.7"), YG_OK);
	assert_int_equal(yg_tickets_timeline_add(f->t, id, YG_TL_RESPONSE,
	                                         "{\"command\":\"firewall-drop\"}"),
	                 YG_OK);
	yg_tickets_change u = {.status = "in_progress", .assignee = "alice", .actor = "alice"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, NULL, NULL, 0), YG_OK);

	/* restart */
	yg_tickets_destroy(f->t);
	fx_open(f);
	assert_int_equal(offer(f, j, &id2), YG_TICKETS_DUPLICATE);
	assert_int_equal(id2, id);
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
	assert_int_equal(tk->alert_count, 1);
	assert_string_equal(tk->status, "in_progress");
	assert_string_equal(tk->assignee, "alice");
	yg_ticket_free(tk);
	yg_tickets_strv bans;
	assert_int_equal(yg_tickets_bans(f->t, id, &bans), YG_OK);
	assert_int_equal(bans.n, 1);
	assert_string_equal(bans.v[0], "198.51.100.7");
	yg_tickets_strv_free(&bans);
	/* a fold after the restart still lands in the same ticket */
	assert_int_equal(
	        offer(f,
	              alert("6.2", "100403", 7, "\"attack\"", "001", "198.51.100.7", T0 + 5, NULL),
	              &id2),
	        YG_TICKETS_FOLDED);
	assert_int_equal(id2, id);
	free(j);
	fx_free(f);
}

/* ---- comments, timeline, status ---- */

typedef struct seen {
	char kinds[16][16];
	size_t n;
	char last_text[512];
} seen;

static int collect(void *ctx, const yg_tickets_entry *e)
{
	seen *s = ctx;
	if (s->n < 16)
		snprintf(s->kinds[s->n], sizeof(s->kinds[0]), "%s", e->kind);
	s->n++;
	snprintf(s->last_text, sizeof(s->last_text), "%s", e->text);
	return 0;
}

static void test_status_transitions(void **state)
{
	(void)state;
	fx *f = fx_new("<tickets><close_lifts_bans>yes</close_lifts_bans></tickets>");
	int64_t id;
	char msg[128];
	yg_tickets_strv lift;
	offer(f, alert("7.1", "100403", 7, "\"attack\"", "001", "203.0.113.5", T0, NULL), &id);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "203.0.113.5"), YG_OK);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "203.0.113.5"), YG_OK); /* no-op */
	assert_int_equal(yg_tickets_link_ban(f->t, id, "2001:db8:0::1"), YG_OK);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "10.0.0.0/8"), YG_OK);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "1.2.3.4; rm -rf /"), YG_EINVAL);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "10.0.0.0/33"), YG_EINVAL);
	assert_int_equal(yg_tickets_link_ban(f->t, id, ""), YG_EINVAL);
	assert_int_equal(yg_tickets_link_ban(f->t, 999, "10.0.0.1"), YG_ENOTFOUND);

	/* refused moves, each with a message */
	yg_tickets_change u = {.status = "open"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_string_equal(msg, "the ticket is already open");
	u = (yg_tickets_change){.status = "closed"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_string_equal(msg, "closing a ticket needs a resolution");
	u = (yg_tickets_change){.status = "done"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_non_null(strstr(msg, "status must be"));
	u = (yg_tickets_change){.status = "in_progress", .resolution = "x"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	u = (yg_tickets_change){0};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_string_equal(msg, "nothing to change");
	u = (yg_tickets_change){.assignee = "bob\r\nX-Injected: 1"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	u = (yg_tickets_change){.status = "in_progress"};
	assert_int_equal(yg_tickets_update(f->t, 4242, &u, &lift, msg, sizeof(msg)), YG_ENOTFOUND);

	/* open -> in_progress -> closed: the bans come back to be lifted */
	u = (yg_tickets_change){.status = "in_progress", .actor = "bob"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_OK);
	assert_int_equal(lift.n, 0);
	u = (yg_tickets_change){.status = "closed", .resolution = "false positive", .actor = "bob"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_OK);
	assert_int_equal(lift.n, 3);
	assert_string_equal(lift.v[0], "203.0.113.5");
	assert_string_equal(lift.v[1], "2001:db8::1");
	assert_string_equal(lift.v[2], "10.0.0.0/8");
	yg_tickets_strv_free(&lift);
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
	assert_string_equal(tk->resolution, "false positive");
	yg_ticket_free(tk);

	/* closed -> in_progress is refused; closed -> open reopens */
	u = (yg_tickets_change){.status = "in_progress"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_non_null(strstr(msg, "reopened"));
	u = (yg_tickets_change){.status = "closed", .resolution = "again"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_EINVAL);
	assert_string_equal(msg, "the ticket is already closed");
	u = (yg_tickets_change){.status = "open"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, msg, sizeof(msg)), YG_OK);
	assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
	assert_string_equal(tk->status, "open");
	assert_string_equal(tk->resolution, "");
	yg_ticket_free(tk);

	/* comments */
	assert_int_equal(yg_tickets_comment(f->t, id, "carol", "blocked at the WAF"), YG_OK);
	assert_int_equal(yg_tickets_comment(f->t, id, "", "x"), YG_EINVAL);
	assert_int_equal(yg_tickets_comment(f->t, id, "carol", ""), YG_EINVAL);
	assert_int_equal(yg_tickets_comment(f->t, id, "carol", "bell\a"), YG_EINVAL);
	assert_int_equal(yg_tickets_comment(f->t, 999, "carol", "x"), YG_ENOTFOUND);
	seen s = {0};
	assert_int_equal(yg_tickets_comments(f->t, id, 0, 0, collect, &s), YG_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.last_text, "blocked at the WAF");

	/* the timeline, in order */
	memset(&s, 0, sizeof(s));
	assert_int_equal(yg_tickets_timeline(f->t, id, 0, 0, collect, &s), YG_OK);
	static const char *const want[] = {"alert",  "ban",    "ban",    "ban",
	                                   "status", "status", "status", "comment"};
	assert_int_equal(s.n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(s.kinds[i], want[i]);
	assert_non_null(strstr(s.last_text, "\"author\":\"carol\""));
	/* paging */
	memset(&s, 0, sizeof(s));
	assert_int_equal(yg_tickets_timeline(f->t, id, 2, 1, collect, &s), YG_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.kinds[0], "ban");
	assert_int_equal(yg_tickets_timeline(f->t, 999, 0, 0, collect, &s), YG_ENOTFOUND);
	assert_int_equal(yg_tickets_timeline_add(f->t, id, (yg_tickets_kind)42, "x"), YG_EINVAL);
	fx_free(f);
}

static void test_close_without_lifting(void **state)
{
	(void)state;
	fx *f = fx_new(NULL); /* close_lifts_bans defaults to no */
	int64_t id;
	yg_tickets_strv lift;
	offer(f, alert("8.1", "100403", 7, "\"attack\"", "001", "203.0.113.9", T0, NULL), &id);
	assert_int_equal(yg_tickets_link_ban(f->t, id, "203.0.113.9"), YG_OK);
	yg_tickets_change u = {.status = "closed", .resolution = "done"};
	assert_int_equal(yg_tickets_update(f->t, id, &u, &lift, NULL, 0), YG_OK);
	assert_int_equal(lift.n, 0);
	fx_free(f);
}

/* ---- FIM and YARA entries ---- */

static void test_fim_and_yara_entries(void **state)
{
	(void)state;
	fx *f = fx_new("<tickets><route><level>1</level></route></tickets>");
	int64_t id;
	seen s = {0};
	offer(f,
	      alert("10.1", "550", 7, "\"ossec\",\"syscheck\"", "001", NULL, T0,
	            ",\"syscheck\":{\"path\":\"/var/www/html/index.php\",\"event\":\"modified\","
	            "\"md5_before\":\"aa\",\"md5_after\":\"bb\",\"diff\":\"1c1\\n< old\\n---\\n> "
	            "new\\n\"}"),
	      &id);
	assert_int_equal(yg_tickets_timeline(f->t, id, 0, 0, collect, &s), YG_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.kinds[0], "fim_diff");
	assert_non_null(strstr(s.last_text, "> new"));
	assert_non_null(strstr(s.last_text, "\"md5_after\":\"bb\""));
	memset(&s, 0, sizeof(s));
	offer(f,
	      alert("10.2", "108001", 12, "\"yara\",\"malware\",\"incident\"", "001", NULL, T0,
	            ",\"data\":{\"yara_rule\":\"webshell_php\","
	            "\"yara_scanned_file\":\"/var/www/html/x.php\"}"),
	      &id);
	assert_int_equal(yg_tickets_timeline(f->t, id, 0, 0, collect, &s), YG_OK);
	assert_string_equal(s.kinds[0], "yara_hit");
	assert_non_null(strstr(s.last_text, "webshell_php"));
	fx_free(f);
}

/* ---- searching with hostile input ---- */

static int count_cb(void *ctx, const yg_ticket *tk)
{
	(void)tk;
	(*(size_t *)ctx)++;
	return 0;
}

static void test_filter_metacharacters(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	offer(f, alert("11.1", "100403", 7, "\"attack\"", "001", "192.0.2.1", T0, NULL), NULL);
	offer(f, alert("11.2", "100404", 9, "\"attack\"", "001", "192.0.2.2", T0 + 1, NULL), NULL);
	offer(f, alert("11.3", "100405", 13, "\"ids\"", "001", "192.0.2.3", T0 + 2, NULL), NULL);
	static const char *const evil[] = {
	        "' OR 1=1 --", "%", "_", "%%", "\" OR \"\"=\"", "'; DROP TABLE tickets; --", "*"};
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		yg_tickets_filter flt = {.text = evil[i]};
		size_t n = 0;
		assert_int_equal(yg_tickets_list(f->t, &flt, count_cb, &n), YG_OK);
		assert_int_equal(n, 0);
		assert_int_equal(count(f, &flt), 0);
		flt = (yg_tickets_filter){.assignee = evil[i]};
		assert_int_equal(count(f, &flt), 0);
		flt = (yg_tickets_filter){.rule_id = evil[i]};
		assert_int_equal(count(f, &flt), 0);
		flt = (yg_tickets_filter){.status = evil[i]};
		assert_int_equal(yg_tickets_count(f->t, &flt, &(uint64_t){0}), YG_EINVAL);
		flt = (yg_tickets_filter){.type = evil[i]};
		assert_int_equal(yg_tickets_count(f->t, &flt, &(uint64_t){0}), YG_EINVAL);
	}
	/* everything is still there, and plain searches work */
	assert_int_equal(count(f, NULL), 3);
	yg_tickets_filter flt = {.text = "RULE 100404"};
	assert_int_equal(count(f, &flt), 1);
	flt = (yg_tickets_filter){.text = "192.0.2.3"}; /* in the description */
	assert_int_equal(count(f, &flt), 1);
	flt = (yg_tickets_filter){.rule_id = "100403", .status = "open"};
	assert_int_equal(count(f, &flt), 1);
	flt = (yg_tickets_filter){.severity = 4};
	assert_int_equal(yg_tickets_count(f->t, &flt, &(uint64_t){0}), YG_EINVAL);
	/* paging, newest activity first */
	size_t n = 0;
	flt = (yg_tickets_filter){.limit = 2};
	assert_int_equal(yg_tickets_list(f->t, &flt, count_cb, &n), YG_OK);
	assert_int_equal(n, 2);
	n = 0;
	flt = (yg_tickets_filter){.limit = 2, .offset = 2};
	assert_int_equal(yg_tickets_list(f->t, &flt, count_cb, &n), YG_OK);
	assert_int_equal(n, 1);
	/* a % in a ticket's title is found literally */
	offer(f, alert("11.4", "100%_x", 9, "\"attack\"", "001", NULL, T0 + 3, NULL), NULL);
	flt = (yg_tickets_filter){.text = "%_"};
	assert_int_equal(count(f, &flt), 1);
	fx_free(f);
}

/* ---- bad input ---- */

static void test_bad_alerts(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	static const char *const bad[] = {
	        "",
	        "not json",
	        "[1,2]",
	        "{\"rule\":{\"id\":\"1\",\"level\":9}}",
	        "{\"id\":\"1.1\",\"rule\":{\"level\":9,\"groups\":[\"attack\"]}}",
	        "{\"id\":",
	        "{\"id\":\"1\",\"rule\":{\"id\":\"1\",\"level\":9,\"groups\":[\"attack\"]}}"
	        "trailing"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(yg_tickets_offer(f->t, bad[i], strlen(bad[i]), NULL, NULL),
		                 YG_EPARSE);
	/* deep nesting is refused, not recursed into */
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 64);
	size_t k = 0;
	k += (size_t)snprintf(deep, 64, "{\"id\":\"1\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[k++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[k++] = ']';
	deep[k++] = '}';
	assert_int_equal(yg_tickets_offer(f->t, deep, k, NULL, NULL), YG_EPARSE);
	free(deep);
	/* odd but valid: numeric rule id and level as a string, no timestamp */
	const char *odd = "{\"id\":\"1700000000.1\",\"rule\":{\"id\":100403,\"level\":\"9\","
	                  "\"groups\":[\"attack\"]}}";
	int64_t id;
	assert_int_equal(offer(f, odd, &id), YG_TICKETS_OPENED);
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
	assert_string_equal(tk->rule_id, "100403");
	assert_int_equal(tk->severity, 2);
	assert_int_equal(tk->first_alert_ms, 1700000000000LL);
	assert_string_equal(tk->title, "Rule 100403");
	yg_ticket_free(tk);
	assert_int_equal(yg_tickets_get(f->t, 12345, &tk), YG_ENOTFOUND);
	fx_free(f);
}

/* ---- threads ---- */

typedef struct worker {
	yg_tickets *t;
	int n;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 40; i++) {
		char id[32], ip[32];
		snprintf(id, sizeof(id), "%ld.%d.%d", T0, w->n, i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i % 4);
		const char *j = alert(id, "100403", 7, "\"attack\"", "001", ip, T0 + i, NULL);
		char *copy = strdup(j);
		if (yg_tickets_offer(w->t, copy, strlen(copy), NULL, NULL) != YG_OK)
			abort();
		free(copy);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	fx *f = fx_new(NULL);
	pthread_t th[4];
	worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){f->t, i};
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(count(f, NULL), 4);
	int64_t total = 0;
	for (int64_t id = 1; id <= 4; id++) {
		yg_ticket *tk;
		assert_int_equal(yg_tickets_get(f->t, id, &tk), YG_OK);
		total += tk->alert_count;
		yg_ticket_free(tk);
	}
	assert_int_equal(total, 160);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_default_route),
	        cmocka_unit_test(test_configured_routes),
	        cmocka_unit_test(test_type_severity),
	        cmocka_unit_test(test_fold_brute_force),
	        cmocka_unit_test(test_fold_window_and_closed),
	        cmocka_unit_test(test_idempotent_and_restart),
	        cmocka_unit_test(test_status_transitions),
	        cmocka_unit_test(test_close_without_lifting),
	        cmocka_unit_test(test_fim_and_yara_entries),
	        cmocka_unit_test(test_filter_metacharacters),
	        cmocka_unit_test(test_bad_alerts),
	        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
