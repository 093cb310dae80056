/* engine.h: the analysis engine: log line -> decoders -> rules -> alert.
 *
 * The public face of the engine for the rest of yagura (logtest, replay, the
 * manager). It does no I/O beyond loading its ruleset.
 *
 *   yg_ruleset_config  which decoder/rule/list files to load (a <ruleset>)
 *   yg_ruleset         the loaded, immutable ruleset; share it between threads
 *   yg_session         correlation state (frequency, if_matched_*, same_*);
 *                      one per thread or per logtest session
 *
 * Semantics follow Wazuh 4.x analysisd exactly; docs/engine.md says where
 * and why the implementation differs in form. */
#ifndef YAGURA_ENGINE_H
#define YAGURA_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"

/* ---- which files make a ruleset ---- */

typedef struct yg_ruleset_config yg_ruleset_config;

typedef enum yg_rs_kind {
	YG_RS_DECODER_DIR,
	YG_RS_RULE_DIR,
	YG_RS_DECODER_INCLUDE,
	YG_RS_RULE_INCLUDE,
	YG_RS_DECODER_EXCLUDE,
	YG_RS_RULE_EXCLUDE,
	YG_RS_LIST,
} yg_rs_kind;

/* `home` is the directory relative paths resolve against (Wazuh's
 * /var/ossec); NULL means the current directory. */
yg_ruleset_config *yg_ruleset_config_create(const char *home);
void yg_ruleset_config_destroy(yg_ruleset_config *cfg);

/* Adds one entry, in order. For directories, `pattern` is the optional
 * pattern attribute (Wazuh's default is files ending in ".xml"). */
yg_err yg_ruleset_config_add(yg_ruleset_config *cfg, yg_rs_kind kind, const char *value,
                             const char *pattern);

/* Reads the <ruleset> block(s) of an ossec.conf-format file and adds its
 * entries. Problems are reported into diag with file and line. */
yg_err yg_ruleset_config_read(yg_ruleset_config *cfg, const char *conf_path, yg_diag *diag);

const char *yg_ruleset_config_home(const yg_ruleset_config *cfg);
/* How many entries the config holds (0: no <ruleset> was read). */
size_t yg_ruleset_config_count(const yg_ruleset_config *cfg);
/* Adds what Wazuh's default <ruleset> loads and ossec.conf files without a
 * <ruleset> rely on: ruleset/decoders, ruleset/rules, etc/decoders and
 * etc/rules (local_decoder.xml, local_rules.xml), all under the home. */
yg_err yg_ruleset_config_add_defaults(yg_ruleset_config *cfg);

/* GeoIP, as Wazuh configures it: <global><geoipdb> (or <geoip_db_path>)
 * names a MaxMind database (.mmdb; relative paths resolve against home)
 * that gives rules srcgeoip and dstgeoip; <alerts><use_geoip>yes adds the
 * GeoLocation object of srcip to alerts. yg_ruleset_config_read reads these
 * options too; yg_ruleset_config_read_geoip reads only them, for a file
 * without a <ruleset>. mmdb NULL: no GeoIP. A database that cannot be opened
 * is a warning at load time, and the ruleset loads without GeoIP. */
yg_err yg_ruleset_config_set_geoip(yg_ruleset_config *cfg, const char *mmdb, bool geolocation);
yg_err yg_ruleset_config_read_geoip(yg_ruleset_config *cfg, const char *conf_path, yg_diag *diag);

/* ---- the loaded ruleset ---- */

typedef struct yg_ruleset yg_ruleset;

/* Loads everything the config names, in Wazuh's order. Every problem goes
 * into diag with file, line and element. Returns YG_OK with a usable ruleset
 * when there were only warnings; with errors, *out is still set to the part
 * that loaded (so `-t` can list all errors) and YG_EPARSE is returned. */
yg_err yg_ruleset_load(const yg_ruleset_config *cfg, yg_diag *diag, yg_ruleset **out);
void yg_ruleset_destroy(yg_ruleset *rs);

size_t yg_ruleset_ndecoders(const yg_ruleset *rs);
size_t yg_ruleset_nrules(const yg_ruleset *rs);
size_t yg_ruleset_nlists(const yg_ruleset *rs);
/* Rule i (0..nrules-1): its id, level and own <description> (as written,
 * with no field filled in); false past the end. For the API's tables. */
bool yg_ruleset_rule_at(const yg_ruleset *rs, size_t i, unsigned *id, int *level,
                        const char **description);
/* The configured GeoIP database's path (resolved against home); false
 * when none is configured. */
bool yg_ruleset_config_geoip_path(const yg_ruleset_config *cfg, char *out, size_t outlen);

/* ---- sessions: processing events ---- */

typedef enum yg_clock {
	YG_CLOCK_WALL,  /* correlation windows use the wall clock (Wazuh) */
	YG_CLOCK_EVENT, /* they use the event's own timestamp (replay) */
} yg_clock;

/* The event times the engine accepts (yg_input.now, an event's own
 * timestamp): after 1970-01-02 and up to the end of 9999, what an alert's
 * "timestamp" can say. Others are replaced by the wall clock. */
#define YG_TIME_MIN ((time_t)86400)
#define YG_TIME_MAX ((time_t)253402300799)

typedef struct yg_session yg_session;

yg_session *yg_session_create(const yg_ruleset *rs, yg_clock clock);

/* Per-rule state Wazuh keeps for the whole manager, not per source: how
 * often each rule fired (firedtimes) and when its `ignore` window began.
 * Sessions that run side by side on one ruleset share it (a runner gives
 * them a turn so that it sees events in input order: engine/runner.h). */
typedef struct yg_rule_state yg_rule_state;
yg_rule_state *yg_rule_state_create(const yg_ruleset *rs);
void yg_rule_state_destroy(yg_rule_state *st);
/* A session using st (which must outlive it and belong to rs). */
yg_session *yg_session_create_shared(const yg_ruleset *rs, yg_clock clock, yg_rule_state *st);
void yg_session_destroy(yg_session *s);

/* ---- <check_diff>: the last output per (host, rule) ----
 *
 * A rule with <check_diff/> matches only when the event's log (a command's
 * output, from <localfile> full_command) differs from the last one seen for
 * the same host and rule; the first one is only remembered. The host is the
 * agent for agents' events ("[001]", by id, where Wazuh uses the agent's
 * name) and the hostname for local ones. A session keeps its own store in
 * memory (logtest, replay) unless given a shared one: the manager shares one
 * between its sessions and saves it with each batch, so it survives
 * restarts. Thread-safe; at most max_bytes of outputs and host names (0: the
 * default): beyond that a new (host, rule) is not remembered and a changed
 * output keeps the old one, so the change alerts again rather than never. */
#define YG_DIFF_STORE_DEFAULT_BYTES (64u << 20)
/* Wazuh compares outputs shorter than this only. */
#define YG_DIFF_MAX_OUTPUT 65536
typedef struct yg_diff_store yg_diff_store;
yg_diff_store *yg_diff_store_create(size_t max_bytes);
void yg_diff_store_destroy(yg_diff_store *d);
/* Sets an entry as saved (at start-up): it is not reported as a change.
 * YG_ELIMIT over the budget. */
yg_err yg_diff_store_load(yg_diff_store *d, const char *host, unsigned rule, const char *output);
/* Calls fn for every entry changed since the last yg_diff_store_clean (the
 * first error stops it and is returned); call clean once they are saved. */
typedef yg_err (*yg_diff_store_fn)(void *ctx, const char *host, unsigned rule, const char *output);
yg_err yg_diff_store_changes(yg_diff_store *d, yg_diff_store_fn fn, void *ctx);
void yg_diff_store_clean(yg_diff_store *d);
/* Outputs not remembered for lack of room, since creation. */
uint64_t yg_diff_store_refused(yg_diff_store *d);
/* Makes s use d (which must outlive it) instead of its own store. */
void yg_session_set_diff_store(yg_session *s, yg_diff_store *d);

typedef struct yg_kv {
	const char *key;
	const char *value;
} yg_kv;

/* An agent's <labels> entry: shown in its alerts as agent.labels (the key's
 * dots nest, as Wazuh's alerts do), unless hidden. */
typedef struct yg_label {
	const char *key;
	const char *value;
	bool hidden;
} yg_label;

typedef struct yg_input {
	const char *log;        /* one event, NUL-terminated */
	const char *location;   /* e.g. "stdin", "/var/log/auth.log" */
	const char *agent_id;   /* NULL: the manager itself, "000" */
	const char *agent_name; /* NULL: the manager's host name */
	const char *agent_ip;   /* may be NULL */
	const yg_label *labels; /* the agent's <labels>: for its alerts only */
	size_t nlabels;
	const char *manager_name; /* NULL: this host's name */
	bool no_predecode;        /* skip the syslog header (e.g. JSON input) */
	time_t now;               /* 0: take it from the session's clock */
	/* The time the source itself claims for the event (an agent's clock):
	 * reported as the alert's "agent_time", never used for correlation or
	 * the alert's timestamp. 0: none. */
	time_t origin_time;
	/* A pre-decoded event, as Wazuh's built-in decoders make for FIM:
	 * no syslog header and no XML decoders; the event is decoded as
	 * `decoded_as` ("syscheck_integrity_changed", "syscheck_new_entry",
	 * "syscheck_deleted", ...) with these fields (Wazuh's names: file,
	 * size, size_before, perm, md5_before, changed_fields, ...) and `log`
	 * as its full_log. */
	const char *decoded_as;
	const yg_kv *fields;
	size_t nfields;
	/* The number after the dot of the alert's "id" ("<time>.<n>"); 0: the
	 * session's own event count. A daemon with several sessions, or one
	 * that restarts, passes its own counter so ids stay unique. */
	unsigned long long alert_seq;
} yg_input;

/* What happened to one event. Strings point into the session and stay
 * valid until the next yg_session_process call on that session. */
typedef struct yg_verdict {
	const char *decoder_name; /* as wazuh-logtest reports it; NULL if none */
	unsigned rule_id;         /* 0 when no rule matched */
	int level;
	bool alert; /* would be written as an alert */
} yg_verdict;

/* Several sessions side by side with the results of one: engine/runner.h
 * (events partitioned by agent). */

/* Runs one event through decoders and rules. */
yg_err yg_session_process(yg_session *s, const yg_input *in, yg_verdict *out);

/* Appends the last processed event as Wazuh alert JSON (one line, no
 * newline). Without a matched rule there is no "rule" key. */
yg_err yg_session_alert_json(yg_session *s, yg_buf *out);

/* Appends the Wazuh-logtest style phase 1/2/3 text for the last event. */
yg_err yg_session_explain(yg_session *s, yg_buf *out);

#endif
