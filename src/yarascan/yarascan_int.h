/* yarascan_int.h: what the parts of the YARA scanner share. */
#ifndef YAGURA_YARASCAN_INT_H
#define YAGURA_YARASCAN_INT_H

#include "yarascan/yarascan.h"

/* A configured rules path and where it was configured (file NULL, line 0
 * when set programmatically), for messages. */
typedef struct ys_rules_path {
	char *path;
	char *file;
	int line;
} ys_rules_path;

struct yg_yarascan_config {
	bool disabled;
	unsigned settle_ms;
	uint64_t max_file_size;
	unsigned timeout_s;
	ys_rules_path *rules;
	size_t nrules;
	char **dirs;
	size_t ndirs;
};

#endif
