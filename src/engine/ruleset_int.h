/* ruleset_int.h: the loaded ruleset's internal structures.
 *
 * Shared by the loaders (decoder_load.c, rule_load.c, ruleset.c) and the
 * per-event code (decode.c, rule_eval.c, session.c, alert.c). Nothing here is
 * mutated after yg_ruleset_load returns: per-event and correlation state lives
 * in yg_session. */
#ifndef YAGURA_RULESET_INT_H
#define YAGURA_RULESET_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/cdb.h"
#include "engine/compiled.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "engine/jsondec.h"
#include "engine/pattern.h"

/* Decoder types (Wazuh's numbering); also rule categories. */
enum {
	YG_DT_UNKNOWN = 0,
	YG_DT_SYSLOG = 1,
	YG_DT_IDS = 2,
	YG_DT_FIREWALL = 3,
	YG_DT_WEBLOG = 7,
	YG_DT_SQUID = 8,
	YG_DT_WINDOWS = 9,
	YG_DT_HOSTINFO = 10,
	YG_DT_OSSEC = 11,
	YG_DT_OSSEC_ALERT = 12,
};

/* Offsets for <prematch>, <regex>, <plugin_decoder>. */
enum {
	YG_OFF_NONE = 0,
	YG_OFF_AFTER_PARENT = 1,
	YG_OFF_AFTER_PREMATCH = 2,
	YG_OFF_AFTER_REGEX = 4,
};

/* FTS and ignore field bits (Wazuh's values). */
enum {
	YG_FTS_ID = 010,
	YG_FTS_DATA = 020,
	YG_FTS_SYSTEMNAME = 040,
	YG_FTS_SRCIP = 0100,
	YG_FTS_DSTIP = 0200,
	YG_FTS_LOCATION = 0400,
	YG_FTS_NAME = 01000,
	YG_FTS_SRCUSER = 02000,
	YG_FTS_DSTUSER = 04000,
	YG_FTS_DYNAMIC = 020000,
};

typedef enum yg_plugin {
	YG_PLUGIN_NONE,
	YG_PLUGIN_JSON,
	YG_PLUGIN_OSSEC_ALERT,
	YG_PLUGIN_PF,
	YG_PLUGIN_SONICWALL,
	YG_PLUGIN_SYMANTECWS,
} yg_plugin;

#define YG_DECODER_MAX_ORDER 64

typedef struct yg_order {
	int sfield;       /* >= 0: static field; -1: dynamic */
	const char *name; /* dynamic field name */
} yg_order;

typedef struct yg_decoder {
	char *name;              /* its own name */
	char *parent;            /* parent name or NULL */
	const char *report_name; /* what logtest/alerts call it */
	int id;                  /* shared with parent unless use_own_name */
	const char *file;
	int line;

	yg_pattern *program_name;
	yg_pattern *prematch;
	yg_pattern *regex;
	int prematch_offset;
	int regex_offset;
	int plugin_offset;
	yg_plugin plugin;
	yg_json_opts json;
	int type;

	yg_order order[YG_DECODER_MAX_ORDER];
	int norder;
	unsigned fts;
	bool fts_fields[YG_DECODER_MAX_ORDER];
	char *ftscomment;
	bool accumulate;
	bool use_own_name;
	bool get_next; /* another sibling with the same name continues it */
} yg_decoder;

/* The decoder tree: root nodes in a list, each with its children. */
typedef struct yg_dnode {
	yg_decoder *dec;
	struct yg_dnode *next;
	struct yg_dnode *child;
} yg_dnode;

/* ---- rules ---- */

enum {
	YG_LR_MATCH_KEY,
	YG_LR_NOT_MATCH_KEY,
	YG_LR_MATCH_KEY_VALUE,
	YG_LR_ADDRESS_MATCH_KEY,
	YG_LR_NOT_ADDRESS_MATCH_KEY,
	YG_LR_ADDRESS_MATCH_KEY_VALUE,
};

typedef struct yg_rule_list {
	int lookup;
	int field;          /* yg_sfield, or -1 dynamic, or special below */
	const char *dfield; /* dynamic name */
	const yg_list *list;
	yg_pattern *check_value; /* OS_Match on the value, may be NULL */
	struct yg_rule_list *next;
} yg_rule_list;

/* Special list fields beyond the static ones. */
enum { YG_LF_USER = 100, YG_LF_HOSTNAME, YG_LF_PROGRAM_NAME, YG_LF_DYNAMIC };

typedef struct yg_rule_field {
	char *name;
	yg_pattern *pat;
} yg_rule_field;

typedef struct yg_mitre {
	char **ids; /* technique ids (deprecated <id> form) */
	size_t nids;
	char **tactics; /* parallel tactic/technique pairs (new form) */
	char **techniques;
	size_t npairs;
	/* rule.mitre as alerts show it, filled by yg_mitre_resolve (mitre.h):
	 * ids, tactic names, technique names; no tactic means no "mitre" */
	const char **shown_ids;
	size_t nshown_ids;
	const char **shown_tactics;
	size_t nshown_tactics;
	const char **shown_techniques;
	size_t nshown_techniques;
} yg_mitre;

typedef struct yg_info {
	int type; /* 0 text, 1 link, 2 cve, 3 osvdb */
	char *data;
} yg_info;

/* Alert options. */
enum {
	YG_RO_NO_ALERT = 1 << 0,
	YG_RO_MAIL = 1 << 1,
	YG_RO_LOG = 1 << 2,
	YG_RO_NO_AR = 1 << 3,
	YG_RO_NO_FULL_LOG = 1 << 4,
	YG_RO_NO_COUNTER = 1 << 5,
	YG_RO_OVERWRITE = 1 << 6,
	YG_RO_FTS = 1 << 7,
	YG_RO_PACKETINFO = 1 << 8,
	YG_RO_EXTRAINFO = 1 << 9,
	YG_RO_SAME_EXTRAINFO = 1 << 10,
};

#define YG_RULE_MAX_FIELDS 256

typedef struct yg_rule {
	unsigned sigid;
	int level; /* during loading: sort key; after: 0..16 */
	int maxsize;
	int frequency; /* Wazuh's stored form: attribute - 2 */
	int timeframe;
	int ignore_time;
	int category;
	int decoded_as; /* decoder id, 0 none */
	unsigned opts;  /* YG_RO_* */
	bool context;
	bool check_diff;
	bool global_frequency;
	bool noalert;

	char *group; /* "a,b," as Wazuh builds it */
	char *comment;
	char *info;
	char *cve;
	yg_info *infos;
	size_t ninfos;
	yg_mitre mitre;
	const char *file;
	int line;

	char *if_sid;
	char *if_group;
	char *if_level;
	unsigned if_matched_sid;
	yg_pattern *if_matched_group; /* OS_Match on groups */
	yg_pattern *if_matched_regex; /* OS_Regex on previous logs */

	yg_pattern *match, *regex, *srcip, *dstip, *srcport, *dstport, *user, *url, *id, *status,
	        *hostname, *program_name, *data, *extra_data, *location, *system_name, *protocol,
	        *action, *srcgeoip, *dstgeoip;
	yg_rule_field *fields;
	size_t nfields;
	yg_rule_list *lists;
	yg_compiled_fn compiled;

	/* <time> and <weekday> */
	bool has_time;
	int time_start, time_end; /* minutes since midnight */
	bool time_negate;
	unsigned weekdays; /* bit per day, 0 = Sunday; 0 = not set */

	unsigned same_field; /* bit per yg_sfield */
	unsigned different_field;
	char **same_fields; /* dynamic */
	size_t nsame_fields;
	char **not_same_fields;
	size_t nnot_same_fields;
	unsigned ignore; /* YG_FTS_* bits */
	char **ignore_fields;
	size_t nignore_fields;
	unsigned ckignore;
	char **ckignore_fields;
	size_t nckignore_fields;

	/* correlation wiring, fixed at load time: */
	int search;        /* YG_SEARCH_* */
	int sid_list;      /* list index this rule searches (if_matched_sid) */
	int group_list;    /* list index this rule searches (if_matched_group) */
	int own_sid_list;  /* list fed when this rule fires, -1 none */
	int *feeds_groups; /* group list indexes fed when it fires */
	size_t nfeeds_groups;
	int index; /* position in ruleset->rules */
	/* tree position, for fast if_sid attachment while loading */
	struct yg_rnode *node0; /* first node made for it */
	int nnodes;
} yg_rule;

enum {
	YG_SEARCH_NONE,
	YG_SEARCH_SIDS,   /* if_matched_sid */
	YG_SEARCH_GROUPS, /* if_matched_group */
	YG_SEARCH_EVENTS, /* frequency/same_* without if_matched_* */
};

/* Children of a node with many children, pre-filtered by decoder: the
 * children a given decoder id can match (decoded_as 0 or that id), in the
 * original order. Built once after loading; see rule_dispatch.c. */
typedef struct yg_dispatch {
	int *ids;                 /* decoder ids with their own list, sorted */
	struct yg_rnode ***lists; /* NULL-terminated child lists, per id */
	size_t nids;
	struct yg_rnode **generic; /* for any other decoder id */
} yg_dispatch;

typedef struct yg_rnode {
	yg_rule *rule;
	struct yg_rnode *next;
	struct yg_rnode *child;
	yg_dispatch *dispatch; /* NULL for nodes with few children */
} yg_rnode;

typedef struct yg_named_list {
	char *name; /* as written in <list> (e.g. "etc/lists/audit-keys") */
	yg_list *list;
} yg_named_list;

struct yg_ruleset {
	yg_dnode *dec_pn;   /* root decoders with <program_name> */
	yg_dnode *dec_nopn; /* root decoders without */
	yg_decoder **decoders;
	size_t ndecoders;
	char **decoder_names; /* id - 1 -> name, for decoded_as */
	size_t ndecoder_names;

	yg_rnode *rules_root;
	yg_rule **rules;
	size_t nrules;
	/* sigid -> rule, open addressing (load-time lookups) */
	yg_rule **by_sid;
	size_t by_sid_cap;

	yg_named_list *lists;
	size_t nlists;

	int nsid_lists;   /* number of if_matched_sid lists */
	int ngroup_lists; /* number of if_matched_group lists */
	int max_frequency;

	char **files; /* every file loaded, for messages */
	size_t nfiles;

	struct yg_geoip *geoip; /* NULL: no GeoIP (geoip.h) */
	bool geolocation;       /* alerts get GeoLocation (<use_geoip>) */
};

/* decoder_load.c */
struct yg_wxml_doc;
/* Adds the decoders of a parsed file; takes ownership of doc. */
yg_err yg_decoders_load_doc(yg_ruleset *rs, struct yg_wxml_doc *doc, const char *path,
                            yg_diag *diag);
yg_err yg_decoders_finish(yg_ruleset *rs, yg_diag *diag);
int yg_decoder_id_by_name(const yg_ruleset *rs, const char *name);
void yg_decoders_free(yg_ruleset *rs);

/* rule_load.c */
/* Adds the rules of a parsed file; takes ownership of doc. */
yg_err yg_rules_load_doc(yg_ruleset *rs, struct yg_wxml_doc *doc, const char *path, yg_diag *diag);
yg_err yg_rules_finish(yg_ruleset *rs, yg_diag *diag);
void yg_rules_free(yg_ruleset *rs);
const yg_list *yg_ruleset_find_list(const yg_ruleset *rs, const char *name);
/* The rule with that id, NULL when none (Wazuh's rules hash). */
const yg_rule *yg_rule_by_sid(const yg_ruleset *rs, unsigned sid);

/* rule_dispatch.c */
yg_err yg_dispatch_build(yg_ruleset *rs);
void yg_dispatch_free(yg_rnode *n);
const yg_rnode *const *yg_dispatch_children(const yg_dispatch *d, int decoder_id);

/* ruleset.c: an empty ruleset to fill with the loaders above, and
 * yg_ruleset_seal to finish it (ids, levels, dispatch tables). */
yg_ruleset *yg_ruleset_new(void);
typedef enum yg_xml_kind { YG_XML_DECODERS, YG_XML_RULES } yg_xml_kind;
/* Reads a decoder or rule file (from disk, or `len` bytes of text named
 * `name`) into the ruleset. */
yg_err yg_ruleset_add_file(yg_ruleset *rs, yg_xml_kind kind, const char *path, yg_diag *diag);
yg_err yg_ruleset_add_buffer(yg_ruleset *rs, yg_xml_kind kind, const char *text, size_t len,
                             const char *name, yg_diag *diag);
yg_err yg_ruleset_seal(yg_ruleset *rs, yg_diag *diag);

/* ruleset.c: keeps a string alive as long as the ruleset */
const char *yg_ruleset_intern_file(yg_ruleset *rs, const char *path);

#endif
