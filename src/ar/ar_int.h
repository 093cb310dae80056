/* ar_int.h: internals of the active-response configuration, shared by
 * ar_config.c (which builds them) and ar_dispatch.c (which reads them). */
#ifndef YAGURA_AR_INT_H
#define YAGURA_AR_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ar/ar_config.h"
#include "engine/osmatch.h"
#include "engine/osregex.h"

#define AR_MAX_COMMANDS 4096
#define AR_MAX_RESPONSES 4096
#define AR_MAX_WHITE 4096
#define AR_MAX_RULE_IDS 4096

typedef struct ar_command {
	char *name;
	char *executable;
	char *extra_args; /* NULL when absent */
	bool timeout_allowed;
} ar_command;

typedef struct ar_response {
	char *name;    /* command + timeout, set by check */
	char *command; /* as written */
	unsigned location;
	char *agent_id;  /* as written */
	char *target_id; /* "%.3d" of agent_id, for defined-agent */
	char *rules_id;  /* as written */
	long *ids;       /* parsed rules_id */
	size_t nids;
	char *rules_group;
	yg_osregex *group_re;
	unsigned level;
	unsigned timeout;
	const ar_command *cmd; /* resolved by check */
	char *file;
	int line;
} ar_response;

typedef struct ar_white {
	bool negate;
	int family; /* AF_INET, AF_INET6, or 0 for a hostname pattern */
	uint8_t addr[16];
	uint8_t mask[16];
	yg_osmatch *host;
	char *raw;
} ar_white;

struct yg_ar_config {
	ar_command *cmds;
	size_t ncmds;
	ar_response *resps;
	size_t nresps;
	ar_white *white;
	size_t nwhite;
	unsigned repeated[YG_AR_MAX_REPEATED];
	size_t nrepeated;
	bool repeated_set;
	bool checked;
};

/* Parses an IPv4/IPv6 address (no prefix) into 16 bytes (IPv4 in the
 * first 4); returns the family or 0. */
int ar_parse_ip(const char *s, uint8_t out[16]);

#endif
