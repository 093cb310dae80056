/* geoip.h: IP address -> place, from a MaxMind DB (.mmdb) read with
 * libmaxminddb, for what Wazuh does with GeoIP:
 *
 *   - srcgeoip / dstgeoip, the fields <srcgeoip>, <dstgeoip>, same_srcgeoip
 *     ... test: "CC / Region" (country ISO code, first subdivision's English
 *     name) or "CC", as analysisd's GetGeoInfobyIP writes them;
 *   - the alert's GeoLocation object for srcip (country_name, region_name,
 *     city_name, location.lat/lon), as Wazuh's indexer pipeline adds it.
 *
 * The database is memory-mapped and only read after opening, so one handle
 * serves every thread. Addresses are parsed as numbers only (no DNS). */
#ifndef YAGURA_GEOIP_H
#define YAGURA_GEOIP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ybuf.h"
#include "common/yerr.h"

typedef struct yg_geoip yg_geoip;
struct yg_event;

/* Opens the database at path. On failure returns YG_EIO (or YG_ENOMEM)
 * with the reason in err. */
yg_err yg_geoip_open(const char *path, yg_geoip **out, char *err, size_t errlen);
void yg_geoip_close(yg_geoip *g);

/* Wazuh's srcgeoip text for ip into out; false when the address is not in
 * the database or has no two-letter country code. */
bool yg_geoip_code(const yg_geoip *g, const char *ip, char *out, size_t outlen);

/* Sets the event's srcgeoip and dstgeoip from its srcip and dstip, unless
 * already set (Wazuh looks each up once, when the address is decoded). */
void yg_geoip_fill(const yg_geoip *g, struct yg_event *ev);

/* Appends the GeoLocation object for ip ({"country_name":...}) to b; false,
 * with nothing appended, when the database knows nothing of it. */
bool yg_geoip_location_json(const yg_geoip *g, const char *ip, yg_buf *b);

#endif
