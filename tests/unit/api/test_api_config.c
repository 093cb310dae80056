/* test_api_config.c: the <api> block, with file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"

static yg_err parse(const char *xml, yg_api_config *cfg, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	assert_int_equal(yg_wxml_parse_buffer(xml, strlen(xml), "ossec.conf", d, &doc), YG_OK);
	yg_err err = yg_api_config_add_api(cfg, yg_wxml_doc_root(doc, 0), "ossec.conf", d);
	yg_wxml_doc_destroy(doc);
	return err;
}

static void test_defaults_and_values(void **state)
{
	(void)state;
	yg_api_config *cfg = yg_api_config_create();
	yg_diag *d = yg_diag_create();
	yg_api_options o;
	yg_api_config_options(cfg, &o);
	assert_string_equal(o.listen, "127.0.0.1");
	assert_int_equal(o.port, 55000);
	assert_true(o.ui);
	assert_null(o.tls_cert);
	assert_int_equal(parse("<api><listen>::1</listen><port>8443</port><ui>no</ui>"
	                       "<tls><cert>/etc/y/c.pem</cert><key>/etc/y/k.pem</key></tls>"
	                       "<users_db>/var/y/users.db</users_db><threads>8</threads></api>",
	                       cfg, d),
	                 YG_OK);
	yg_api_config_options(cfg, &o);
	assert_string_equal(o.listen, "::1");
	assert_int_equal(o.port, 8443);
	assert_false(o.ui);
	assert_string_equal(o.tls_cert, "/etc/y/c.pem");
	assert_string_equal(o.tls_key, "/etc/y/k.pem");
	assert_string_equal(o.users_db, "/var/y/users.db");
	assert_int_equal(o.threads, 8);
	assert_false(o.metrics_open); /* a token by default */
	assert_int_equal(parse("<api><metrics_auth>none</metrics_auth></api>", cfg, d), YG_OK);
	yg_api_config_options(cfg, &o);
	assert_true(o.metrics_open);
	assert_int_equal(parse("<api><metrics_auth>token</metrics_auth></api>", cfg, d), YG_OK);
	yg_api_config_options(cfg, &o);
	assert_false(o.metrics_open);
	assert_true(yg_api_config_enabled(cfg));
	assert_int_equal(yg_diag_count(d), 0);
	yg_diag_destroy(d);
	yg_api_config_destroy(cfg);
}

static void test_errors(void **state)
{
	(void)state;
	yg_api_config *cfg = yg_api_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(parse("<api>\n<listen>localhost</listen>\n<port>70000</port>\n"
	                       "<tls><cert>rel.pem</cert></tls>\n<bogus>1</bogus>\n"
	                       "<enabled>maybe</enabled></api>",
	                       cfg, d),
	                 YG_EPARSE);
	assert_int_equal(yg_diag_errors(d), 5); /* the bad cert path leaves no half pair */
	const yg_diag_entry *e = yg_diag_get(d, 0);
	assert_string_equal(e->file, "ossec.conf");
	assert_int_equal(e->line, 2);
	assert_string_equal(e->element, "listen");
	assert_int_equal(yg_diag_get(d, 1)->line, 3);
	yg_diag *d2 = yg_diag_create();
	assert_int_equal(parse("<api>\n<metrics_auth>open</metrics_auth></api>", cfg, d2),
	                 YG_EPARSE);
	assert_int_equal(yg_diag_get(d2, 0)->line, 2);
	assert_string_equal(yg_diag_get(d2, 0)->element, "metrics_auth");
	yg_diag_destroy(d2);
	/* What was valid is kept. */
	yg_api_options o;
	yg_api_config_options(cfg, &o);
	assert_string_equal(o.listen, "127.0.0.1");
	assert_int_equal(o.port, 55000);
	yg_diag_destroy(d);
	yg_api_config_destroy(cfg);
}

/* The limits: defaults, values, out-of-range and unknown names. */
static void test_limits(void **state)
{
	(void)state;
	yg_api_config *cfg = yg_api_config_create();
	yg_diag *d = yg_diag_create();
	yg_api_options o;
	yg_api_config_options(cfg, &o);
	assert_int_equal(o.limits.signin_fails, 5);
	assert_int_equal(o.limits.signin_account_fails, 10);
	assert_int_equal(o.limits.signin_window, 300);
	assert_int_equal(o.limits.token_max_ttl, 90 * 86400);
	assert_int_equal(o.limits.max_connections, 256);
	assert_int_equal(o.limits.header_timeout, 10);
	assert_int_equal(parse("<api><signin_fails>3</signin_fails>"
	                       "<signin_account_fails>7</signin_account_fails>"
	                       "<token_max_ttl>3600</token_max_ttl>"
	                       "<header_timeout>4</header_timeout></api>",
	                       cfg, d),
	                 YG_OK);
	yg_api_config_options(cfg, &o);
	assert_int_equal(o.limits.signin_fails, 3);
	assert_int_equal(o.limits.signin_account_fails, 7);
	assert_int_equal(o.limits.token_max_ttl, 3600);
	assert_int_equal(o.limits.header_timeout, 4);
	assert_int_equal(o.limits.request_timeout, 60);
	assert_int_equal(parse("<api>\n<header_timeout>0</header_timeout>\n"
	                       "<max_connections>1000000</max_connections>\n"
	                       "<signin_fails>x</signin_fails>\n<bogus>1</bogus></api>",
	                       cfg, d),
	                 YG_EPARSE);
	assert_int_equal(yg_diag_errors(d), 4);
	assert_string_equal(yg_diag_get(d, 0)->element, "header_timeout");
	assert_int_equal(yg_diag_get(d, 0)->line, 2);
	assert_string_equal(yg_diag_get(d, 3)->element, "bogus");
	yg_api_config_options(cfg, &o);
	assert_int_equal(o.limits.header_timeout, 4); /* the bad value left it */
	yg_diag_destroy(d);
	yg_api_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults_and_values),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
