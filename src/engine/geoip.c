/* geoip.c: MaxMind DB lookups (see geoip.h). Every string read from the
 * database is bounded and JSON-escaped: the file is outside input too. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/event.h"
#include "engine/geoip.h"

/* Wazuh's srcgeoip buffer is 256 bytes; names are cut at this length. */
#define GEO_TEXT_MAX 255

struct yg_geoip {
	MMDB_s db;
};

yg_err yg_geoip_open(const char *path, yg_geoip **out, char *err, size_t errlen)
{
	*out = NULL;
	yg_geoip *g = calloc(1, sizeof(*g));
	if (!g)
		return YG_ENOMEM;
	/* mmap's own errors (ENODEV, EINVAL) would say little */
	struct stat sb;
	if (stat(path, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_size == 0)) {
		snprintf(err, errlen, "%s",
		         S_ISREG(sb.st_mode) ? "empty file" : "not a regular file");
		free(g);
		return YG_EIO;
	}
	errno = 0;
	int st = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
	if (st != MMDB_SUCCESS) {
		if ((st == MMDB_FILE_OPEN_ERROR || st == MMDB_IO_ERROR) && errno)
			snprintf(err, errlen, "%s", strerror(errno));
		else
			snprintf(err, errlen, "%s", MMDB_strerror(st));
		free(g);
		return st == MMDB_OUT_OF_MEMORY_ERROR ? YG_ENOMEM : YG_EIO;
	}
	*out = g;
	return YG_OK;
}

void yg_geoip_close(yg_geoip *g)
{
	if (!g)
		return;
	MMDB_close(&g->db);
	free(g);
}

static bool lookup(const yg_geoip *g, const char *ip, MMDB_lookup_result_s *r)
{
	int gai = 0, mmerr = MMDB_SUCCESS;
	unsigned char addr[sizeof(struct in6_addr)];
	if (!g || !ip || !*ip)
		return false;
	/* Only the strict forms: getaddrinfo would also take "134744072" or
	 * "8.8.8" for an address. MMDB_lookup_string then parses with
	 * AI_NUMERICHOST: never a DNS query. */
	if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
		return false;
	*r = MMDB_lookup_string((MMDB_s *)&g->db, ip, &gai, &mmerr);
	return gai == 0 && mmerr == MMDB_SUCCESS && r->found_entry;
}

/* A UTF-8 string at the path (NULL-terminated list), or NULL; *len gets its
 * length, bounded by GEO_TEXT_MAX. */
static const char *get_str(MMDB_entry_s *e, size_t *len, ...)
{
	MMDB_entry_data_s d;
	va_list ap;
	va_start(ap, len);
	int st = MMDB_vget_value(e, &d, ap);
	va_end(ap);
	if (st != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    !d.data_size)
		return NULL;
	*len = d.data_size > GEO_TEXT_MAX ? GEO_TEXT_MAX : d.data_size;
	return d.utf8_string;
}

static bool get_double(MMDB_entry_s *e, const char *key, double *v)
{
	MMDB_entry_data_s d;
	if (MMDB_get_value(e, &d, "location", key, NULL) != MMDB_SUCCESS || !d.has_data)
		return false;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		*v = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		*v = d.float_value;
	else
		return false;
	return true;
}

bool yg_geoip_code(const yg_geoip *g, const char *ip, char *out, size_t outlen)
{
	MMDB_lookup_result_s r;
	if (!outlen || !lookup(g, ip, &r))
		return false;
	size_t clen = 0, rlen = 0;
	const char *cc = get_str(&r.entry, &clen, "country", "iso_code", NULL);
	if (!cc || clen < 2)
		return false;
	const char *region = get_str(&r.entry, &rlen, "subdivisions", "0", "names", "en", NULL);
	if (region)
		snprintf(out, outlen, "%.*s / %.*s", (int)clen, cc, (int)rlen, region);
	else
		snprintf(out, outlen, "%.*s", (int)clen, cc);
	return true;
}

static void fill_one(const yg_geoip *g, yg_event *ev, int ipf, int geof)
{
	char text[2 * GEO_TEXT_MAX + 4];
	if (ev->sfields[geof] || !ev->sfields[ipf])
		return;
	if (yg_geoip_code(g, ev->sfields[ipf], text, sizeof(text)))
		ev->sfields[geof] = yg_arena_strndup(ev->arena, text, strlen(text));
}

void yg_geoip_fill(const yg_geoip *g, yg_event *ev)
{
	if (!g)
		return;
	fill_one(g, ev, YG_SF_SRCIP, YG_SF_SRCGEOIP);
	fill_one(g, ev, YG_SF_DSTIP, YG_SF_DSTGEOIP);
}

static void put_name(yg_buf *b, bool *first, const char *key, const char *v, size_t len)
{
	if (!v)
		return;
	yg_buf_printf(b, "%s\"%s\":\"", *first ? "" : ",", key);
	yg_buf_json_escape(b, v, len);
	yg_buf_putc(b, '"');
	*first = false;
}

bool yg_geoip_location_json(const yg_geoip *g, const char *ip, yg_buf *b)
{
	MMDB_lookup_result_s r;
	if (!lookup(g, ip, &r))
		return false;
	size_t clen = 0, rlen = 0, tlen = 0;
	const char *country = get_str(&r.entry, &clen, "country", "names", "en", NULL);
	const char *region = get_str(&r.entry, &rlen, "subdivisions", "0", "names", "en", NULL);
	const char *city = get_str(&r.entry, &tlen, "city", "names", "en", NULL);
	double lat = 0, lon = 0;
	bool loc = get_double(&r.entry, "latitude", &lat) &&
	           get_double(&r.entry, "longitude", &lon) && isfinite(lat) && isfinite(lon);
	if (!country && !region && !city && !loc)
		return false;
	bool first = true;
	yg_buf_putc(b, '{');
	put_name(b, &first, "country_name", country, clen);
	put_name(b, &first, "region_name", region, rlen);
	put_name(b, &first, "city_name", city, tlen);
	if (loc)
		yg_buf_printf(b, "%s\"location\":{\"lat\":%.10g,\"lon\":%.10g}", first ? "" : ",",
		              lat, lon);
	yg_buf_putc(b, '}');
	return true;
}
