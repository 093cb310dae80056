/* rsconfig_int.h: the ruleset configuration's entries, for ruleset.c. */
#ifndef YAGURA_RSCONFIG_INT_H
#define YAGURA_RSCONFIG_INT_H

#include "engine/engine.h"

typedef struct yg_rs_entry {
	yg_rs_kind kind;
	char *value;
	char *pattern;
} yg_rs_entry;

struct yg_ruleset_config {
	char *home;
	yg_rs_entry *entries;
	size_t n;
	/* GeoIP: the database (<global><geoipdb>) and whether alerts get a
	 * GeoLocation (<alerts><use_geoip>), with where each was set */
	char *geoip_db;
	char *geoip_file;
	int geoip_line;
	char geoip_elem[16]; /* geoipdb or geoip_db_path */
	bool geolocation;
	char *geolocation_file;
	int geolocation_line;
};

#endif
