/* GeoIP lookups (src/engine/geoip.c) on the test database that
 * tests/compat/geoip/make-test-mmdb.pl writes (its path is argv[1]), and
 * every way a database can be unusable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/geoip.h"

static const char *db_path;

static void test_unusable(void **state)
{
	(void)state;
	char dir[] = "/tmp/yg-geoip-XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	yg_geoip *g = (yg_geoip *)1;
	snprintf(path, sizeof(path), "%s/missing.mmdb", dir);
	assert_int_equal(yg_geoip_open(path, &g, err, sizeof(err)), YG_EIO);
	assert_null(g);
	assert_string_equal(err, "No such file or directory");
	assert_int_equal(yg_geoip_open(dir, &g, err, sizeof(err)), YG_EIO);
	assert_string_equal(err, "not a regular file");
	snprintf(path, sizeof(path), "%s/x.mmdb", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(yg_geoip_open(path, &g, err, sizeof(err)), YG_EIO);
	assert_string_equal(err, "empty file");
	f = fopen(path, "w");
	for (int i = 0; i < 100; i++)
		fputs("not a MaxMind database\n", f);
	fclose(f);
	assert_int_equal(yg_geoip_open(path, &g, err, sizeof(err)), YG_EIO);
	assert_non_null(strstr(err, "metadata"));
	unlink(path);
	rmdir(dir);
	yg_geoip_close(NULL);
}

static void test_codes(void **state)
{
	(void)state;
	yg_geoip *g;
	char err[256], out[600];
	assert_int_equal(yg_geoip_open(db_path, &g, err, sizeof(err)), YG_OK);
	assert_true(yg_geoip_code(g, "8.8.8.8", out, sizeof(out)));
	assert_string_equal(out, "US / California");
	assert_true(yg_geoip_code(g, "41.78.120.9", out, sizeof(out)));
	assert_string_equal(out, "CF / Haut-Mbomou");
	assert_true(yg_geoip_code(g, "198.51.100.1", out, sizeof(out))); /* no region */
	assert_string_equal(out, "DE");
	assert_true(yg_geoip_code(g, "2001:db8::1", out, sizeof(out)));
	assert_string_equal(out, "FR / \xc3\x8ele-de-France");
	assert_true(yg_geoip_code(g, "::ffff:8.8.8.8", out, sizeof(out)));
	assert_string_equal(out, "US / California");
	/* not in the database, not an address, or a name (never resolved) */
	static const char *const none[] = {"192.0.2.1", "",           "8.8.8",     "8.8.8.8 ",
	                                   "localhost", "dns.google", "300.1.1.1", "8.8.8.8/24",
	                                   "134744072", "0x08080808", "010.8.8.8"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_false(yg_geoip_code(g, none[i], out, sizeof(out)));
	assert_false(yg_geoip_code(g, NULL, out, sizeof(out)));
	assert_false(yg_geoip_code(NULL, "8.8.8.8", out, sizeof(out)));
	/* a short buffer is cut, not overrun */
	char small[5];
	assert_true(yg_geoip_code(g, "8.8.8.8", small, sizeof(small)));
	assert_string_equal(small, "US /");
	yg_geoip_close(g);
}

static void test_location(void **state)
{
	(void)state;
	yg_geoip *g;
	char err[256];
	assert_int_equal(yg_geoip_open(db_path, &g, err, sizeof(err)), YG_OK);
	yg_buf b;
	yg_buf_init(&b, 1 << 16);
	assert_true(yg_geoip_location_json(g, "8.8.8.8", &b));
	assert_string_equal(b.data, "{\"country_name\":\"United States\",\"region_name\":"
	                            "\"California\",\"city_name\":\"Mountain View\","
	                            "\"location\":{\"lat\":37.386,\"lon\":-122.0838}}");
	yg_buf_reset(&b);
	assert_true(yg_geoip_location_json(g, "198.51.100.200", &b));
	assert_string_equal(b.data, "{\"country_name\":\"Germany\"}");
	yg_buf_reset(&b);
	assert_false(yg_geoip_location_json(g, "192.0.2.200", &b));
	assert_int_equal(b.len, 0);
	yg_buf_free(&b);
	yg_geoip_close(g);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_geoip TEST.mmdb\n");
		return 2;
	}
	db_path = argv[1];
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_unusable),
	        cmocka_unit_test(test_codes),
	        cmocka_unit_test(test_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
