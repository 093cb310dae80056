/* ar_config.h: Wazuh's active-response configuration (<command>,
 * <active-response>, <global><white_list>).
 *
 * A yg_ar_config holds what the manager's ossec.conf says about active
 * responses, read with Wazuh 4.x's rules (config/active-response.c):
 *   - <command>: name (must not start with '!'), executable, extra_args,
 *     timeout_allowed yes|no; <expect> is accepted and ignored (deprecated
 *     since 4.2.0); any other element is an error.
 *   - <active-response>: disabled, command, location, agent_id, rules_id,
 *     rules_group, level (0..20), timeout, repeated_offenders, ca_store
 *     (ignored). disabled=yes skips the block. A block without command or
 *     location is an error unless it only carries repeated_offenders (the
 *     agent-side form). location is matched like Wazuh (OS_Regex, so
 *     substrings and any case): "AS|analysisd|analysis-server|server",
 *     "local", "defined-agent", "all|any"; several may combine.
 *     defined-agent needs agent_id; agent_id 0 is skipped with a warning.
 *   - <white_list>: IPv4 address, IPv4/CIDR or IPv4/netmask (optionally
 *     with Wazuh's '!' prefix) -> IP list; IPv6 address or IPv6/prefix ->
 *     IP list too (a yagura extension: Wazuh turns them into hostname
 *     patterns); anything else -> a hostname OS_Match pattern.
 *
 * Commands are resolved by yg_ar_config_check(), after every block is read,
 * so a <command> may come after the <active-response> naming it (Wazuh
 * requires it before). The config is immutable once checked and may then be
 * shared by readers. */
#ifndef YAGURA_AR_CONFIG_H
#define YAGURA_AR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/wxml.h"

/* Location bits (Wazuh's ar.h values). */
enum {
	YG_AR_LOC_ALL = 01,     /* all|any: every agent */
	YG_AR_LOC_LOCAL = 02,   /* local: the agent that generated the alert */
	YG_AR_LOC_DEFINED = 04, /* defined-agent: agent_id */
	YG_AR_LOC_SERVER = 010, /* server: the manager */
};

/* Most values of <repeated_offenders> kept (Wazuh keeps at most 5 pieces). */
#define YG_AR_MAX_REPEATED 5

typedef struct yg_ar_config yg_ar_config;

typedef struct yg_ar_command_info {
	const char *name;
	const char *executable;
	const char *extra_args; /* NULL when not given */
	bool timeout_allowed;
} yg_ar_command_info;

typedef struct yg_ar_response_info {
	const char *name;        /* Wazuh's unique name: command + timeout ("ip_block0") */
	const char *command;     /* the <command> it names */
	unsigned location;       /* YG_AR_LOC_* bits */
	const char *agent_id;    /* defined-agent target, NULL otherwise */
	const char *rules_id;    /* as written, NULL when absent */
	const char *rules_group; /* as written, NULL when absent */
	unsigned level;          /* 0: not set */
	unsigned timeout;        /* seconds; 0 when none or not allowed */
	const char *file;        /* where the block was read (may be NULL) */
	int line;
} yg_ar_response_info;

yg_ar_config *yg_ar_config_create(void);
void yg_ar_config_destroy(yg_ar_config *cfg);

/* Adds one <command> element. `file` names the configuration file in
 * messages (may be NULL). Problems go to diag as file:line: element; returns
 * YG_EPARSE when the block is rejected (nothing is added), YG_ENOMEM. */
yg_err yg_ar_config_add_command(yg_ar_config *cfg, const yg_wxml_node *node, const char *file,
                                yg_diag *diag);

/* Adds one <active-response> element, same conventions. A disabled block,
 * a repeated_offenders-only block and a defined-agent block for agent 0 are
 * accepted without adding a response (YG_OK). The first repeated_offenders
 * seen becomes the global list, as in Wazuh's execd. */
yg_err yg_ar_config_add_active_response(yg_ar_config *cfg, const yg_wxml_node *node,
                                        const char *file, yg_diag *diag);

/* Adds one <white_list> entry (surrounding blanks ignored). YG_EINVAL for
 * an empty entry, an invalid address/prefix or an invalid pattern. */
yg_err yg_ar_config_add_white_list(yg_ar_config *cfg, const char *entry);

/* Resolves each active response's command: an unknown command is an error
 * naming the block's file:line (Wazuh: "Invalid command"). A timeout on a
 * command with timeout_allowed=no becomes 0 with a warning. Returns
 * YG_EPARSE when any response names an unknown command (those responses
 * are dropped), else YG_OK. Call once, after the last add. */
yg_err yg_ar_config_check(yg_ar_config *cfg, yg_diag *diag);

size_t yg_ar_config_ncommands(const yg_ar_config *cfg);
void yg_ar_config_command(const yg_ar_config *cfg, size_t i, yg_ar_command_info *out);
/* The command named `name`, or false. */
bool yg_ar_config_find_command(const yg_ar_config *cfg, const char *name, yg_ar_command_info *out);

size_t yg_ar_config_nresponses(const yg_ar_config *cfg);
void yg_ar_config_response(const yg_ar_config *cfg, size_t i, yg_ar_response_info *out);

/* The global repeated_offenders list, in minutes; returns how many. */
size_t yg_ar_config_repeated_offenders(const yg_ar_config *cfg, const unsigned **out);

size_t yg_ar_config_nwhite_list(const yg_ar_config *cfg);
/* White-list entry i (< nwhite_list) as written. */
const char *yg_ar_config_white_list(const yg_ar_config *cfg, size_t i);

/* The option tables (common/yopt.h) of <command> (over the module's
 * command record) and <active-response> (over its block record), for the
 * table-driven test. */
struct yg_opt_block;
extern const struct yg_opt_block yg_ar_command_block, yg_ar_response_block;

/* Prints every <command> and <active-response> as ossec.conf XML
 * (the repeated_offenders list as a block of its own). */
void yg_ar_config_print(const yg_ar_config *cfg, FILE *out);

/* True when `ip` (an address as found in an alert's srcip, "::ffff:"
 * prefix already removed) is white-listed: in an IP/CIDR entry or matching
 * a hostname pattern, with Wazuh's '!' semantics. */
bool yg_ar_config_white_listed(const yg_ar_config *cfg, const char *ip);

#endif
