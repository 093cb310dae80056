/* test_cdb.c: CDB lists read from text as Wazuh's Lists_OP_MakeCDB reads
 * them, looked up as cdb_find and OS_DBSeachKeyAddress do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/cdb.h"

/* Writes `len` bytes to a new temporary file; returns its path (free it,
 * unlink it). */
static char *temp_list(const char *data, size_t len)
{
	char *path = strdup("/tmp/yg_test_cdb_XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static yg_list *load_text(const char *data, size_t len, yg_diag *diag)
{
	char *path = temp_list(data, len);
	yg_list *l = NULL;
	assert_int_equal(yg_list_load(path, diag, &l), YG_OK);
	assert_non_null(l);
	unlink(path);
	free(path);
	return l;
}

static void want(const yg_list *l, const char *key, const char *value)
{
	const char *v = NULL;
	if (!value) {
		if (yg_list_get(l, key, &v))
			fail_msg("key '%s': want absent, got '%s'", key, v);
		return;
	}
	if (!yg_list_get(l, key, &v))
		fail_msg("key '%s': want '%s', got absent", key, value);
	assert_string_equal(v, value);
}

/* Has diag a warning at this line? */
static bool warned_at(const yg_diag *diag, int line)
{
	for (size_t i = 0; i < yg_diag_count(diag); i++) {
		const yg_diag_entry *e = yg_diag_get(diag, i);
		if (e->line == line && e->file && !strncmp(e->file, "/tmp/yg_test_cdb_", 17))
			return true;
	}
	return false;
}

static void test_syntax(void **state)
{
	(void)state;
	static const char text[] = "plain:value\n"                  /* 1 */
	                           "novalue:\n"                     /* 2 */
	                           "\"a:b\":quoted key\n"           /* 3 */
	                           "x\"c:d\"y:text around quotes\n" /* 4 */
	                           "\"e:f\"\n"                      /* 5: no ':' after the key */
	                           "k\"ey:v\n"                      /* 6: unterminated key */
	                           "qv:\"quoted: value\"tail\n"     /* 7 */
	                           "bad:va\"l\n"                    /* 8: unterminated value */
	                           "multi:a:b:c\n"                  /* 9 */
	                           " spaced : v \n"                 /* 10 */
	                           "# comment line\n"               /* 11: no ':' */
	                           "\n"                             /* 12 */
	                           "crlf:v1\r\n"                    /* 13 */
	                           "mid:a\rb\n"                     /* 14: '\r' ends the line */
	                           "dup:first\n"                    /* 15 */
	                           "dup:second\n"                   /* 16 */
	                           ":emptykey\n"                    /* 17 */
	                           "key:with \"two\" \"quotes\"\n"  /* 18 */
	                           "\"\":quoted empty key\n"        /* 19 */
	                           "last:no newline";               /* 20 */
	yg_diag *diag = yg_diag_create();
	yg_list *l = load_text(text, sizeof(text) - 1, diag);

	want(l, "plain", "value");
	want(l, "novalue", "");
	want(l, "a:b", "quoted key");
	want(l, "c:d", "text around quotes");
	want(l, "\"e:f\"", NULL);
	want(l, "e:f", NULL);
	want(l, "k\"ey", NULL);
	want(l, "qv", "quoted: value");
	want(l, "bad", NULL);
	want(l, "multi", "a:b:c");
	want(l, " spaced ", " v ");
	want(l, "spaced", NULL);
	want(l, "crlf", "v1");
	want(l, "mid", "a");
	want(l, "dup", "first");
	want(l, "", "emptykey");
	want(l, "key", "two");
	want(l, "last", "no newline");
	/* distinct keys: plain novalue a:b c:d qv multi " spaced " crlf mid
	 * dup "" key last */
	assert_int_equal(yg_list_size(l), 13);

	/* what Wazuh silently skips is reported, with its line */
	assert_true(warned_at(diag, 5));
	assert_true(warned_at(diag, 6));
	assert_true(warned_at(diag, 8));
	assert_true(warned_at(diag, 11));
	assert_false(warned_at(diag, 12));
	assert_false(warned_at(diag, 1));
	assert_int_equal(yg_diag_errors(diag), 0);
	assert_int_equal(yg_diag_warnings(diag), 4);
	yg_list_destroy(l);
	yg_diag_destroy(diag);
}

/* ":emptykey" makes the key "" (the first line with it wins). */
static void test_empty_key(void **state)
{
	(void)state;
	static const char text[] = ":first\n\"\":second\n";
	yg_list *l = load_text(text, sizeof(text) - 1, NULL);
	want(l, "", "first");
	yg_list_destroy(l);
}

/* A NUL byte ends the line for Wazuh's string functions. */
static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "ab:c\0d\ncd:e\n";
	yg_diag *diag = yg_diag_create();
	yg_list *l = load_text(text, sizeof(text) - 1, diag);
	want(l, "ab", "c");
	want(l, "cd", "e");
	assert_true(warned_at(diag, 1));
	yg_list_destroy(l);
	yg_diag_destroy(diag);
}

/* fgets(str, 65535) splits a longer line into pieces, each a line. */
static void test_long_line(void **state)
{
	(void)state;
	size_t n = 65534 + 20;
	char *text = malloc(n);
	assert_non_null(text);
	memset(text, 'k', 65534);
	text[100] = ':';
	memcpy(text + 65534, "tail:end\nnext:1\n", 16);
	yg_diag *diag = yg_diag_create();
	yg_list *l = load_text(text, 65534 + 16, diag);
	want(l, "tail", "end");
	want(l, "next", "1");
	assert_int_equal(yg_list_size(l), 3);
	assert_true(warned_at(diag, 1));
	yg_list_destroy(l);
	yg_diag_destroy(diag);
	free(text);
}

static void test_address(void **state)
{
	(void)state;
	static const char text[] = "10.:net10\n"
	                           "192.168.1.:lan\n"
	                           "192.168.1.7:host7\n"
	                           "172.16:nodot\n"
	                           "172.16.5.4:exact\n";
	yg_list *l = load_text(text, sizeof(text) - 1, NULL);
	const char *v = NULL;
	assert_true(yg_list_get_address(l, "10.1.2.3", &v));
	assert_string_equal(v, "net10");
	assert_true(yg_list_get_address(l, "192.168.1.7", &v));
	assert_string_equal(v, "host7");
	assert_true(yg_list_get_address(l, "192.168.1.8", &v));
	assert_string_equal(v, "lan");
	assert_true(yg_list_get_address(l, "192.168.1.", &v));
	assert_string_equal(v, "lan");
	/* only prefixes that end with '.' are tried */
	assert_false(yg_list_get_address(l, "172.16.1.1", &v));
	assert_true(yg_list_get_address(l, "172.16", &v));
	assert_string_equal(v, "nodot");
	assert_true(yg_list_get_address(l, "172.16.5.4", &v));
	assert_string_equal(v, "exact");
	assert_false(yg_list_get_address(l, "11.0.0.1", &v));
	assert_false(yg_list_get_address(l, "", &v));
	assert_false(yg_list_get_address(l, "fe80::1", &v));
	/* a plain lookup does no prefix matching */
	assert_false(yg_list_get(l, "10.1.2.3", NULL));
	assert_true(yg_list_get_address(l, "10.9", NULL));
	yg_list_destroy(l);
}

static void test_unreadable(void **state)
{
	(void)state;
	yg_diag *diag = yg_diag_create();
	yg_list *l = (yg_list *)1;
	assert_int_equal(yg_list_load("/nonexistent/yagura/list", diag, &l), YG_EIO);
	assert_null(l);
	assert_int_equal(yg_diag_count(diag), 1);
	assert_string_equal(yg_diag_get(diag, 0)->file, "/nonexistent/yagura/list");
	yg_diag_destroy(diag);
}

/* A device is refused at once (read, /dev/zero would fill the memory). */
static void test_not_regular(void **state)
{
	(void)state;
	yg_diag *diag = yg_diag_create();
	yg_list *l = (yg_list *)1;
	assert_int_equal(yg_list_load("/dev/zero", diag, &l), YG_EINVAL);
	assert_null(l);
	assert_int_equal(yg_diag_count(diag), 1);
	assert_non_null(strstr(yg_diag_get(diag, 0)->message, "not a regular file"));
	yg_diag_destroy(diag);
}

/* Many keys: the table grows and every key stays reachable. */
static void test_many(void **state)
{
	(void)state;
	size_t n = 100000, cap = n * 24, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "key%zu:v%zu\n", i, i * 7);
	yg_list *l = load_text(text, len, NULL);
	assert_int_equal(yg_list_size(l), n);
	char k[32], v[32];
	for (size_t i = 0; i < n; i += 997) {
		snprintf(k, sizeof(k), "key%zu", i);
		snprintf(v, sizeof(v), "v%zu", i * 7);
		want(l, k, v);
	}
	want(l, "key100000", NULL);
	yg_list_destroy(l);
	free(text);
}

/* The Wazuh corpus's lists, when the corpus is present. */
static void test_wazuh_lists(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		size_t keys;
		const char *key, *value;
	} lists[] = {
	        {"audit-keys", 5, "audit-wazuh-w", "write"},
	        {"security-eventchannel", 160, "4720", ""},
	        {"amazon/aws-eventnames", 347, "AttachLoadBalancers", "Autoscaling"},
	        {"amazon/aws-sources", 1, "TEMPLATE",
	         "# Filtering by Cloudtrail sources is no longer used."},
	        {"malicious-ioc/malicious-ip", 199, "196.251.85.62", ""},
	        {"malicious-ioc/malicious-domains", 200, "univecontr.pro", ""},
	        /* this hash is listed twice; the first line wins */
	        {"malicious-ioc/malware-hashes", 199,
	         "3ba8a562f78af7776675f128f12777144fc3c73a471d8efb1950728179bb72d9", "SmokeLoader"},
	};
	const char *corpus = getenv("YG_WAZUH_CORPUS");
	char dir[1024];
	if (!corpus) {
		snprintf(dir, sizeof(dir), "%s/../../../../shared/wazuh", YG_TEST_DATA);
		corpus = dir;
	}
	char path[1200];
	snprintf(path, sizeof(path), "%s/etc/lists/audit-keys", corpus);
	if (access(path, R_OK) != 0)
		skip();
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		snprintf(path, sizeof(path), "%s/etc/lists/%s", corpus, lists[i].file);
		yg_diag *diag = yg_diag_create();
		yg_list *l = NULL;
		assert_int_equal(yg_list_load(path, diag, &l), YG_OK);
		assert_int_equal(yg_diag_count(diag), 0);
		assert_int_equal(yg_list_size(l), lists[i].keys);
		want(l, lists[i].key, lists[i].value);
		want(l, "no-such-key-in-any-list", NULL);
		yg_list_destroy(l);
		yg_diag_destroy(diag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_syntax),      cmocka_unit_test(test_empty_key),
	        cmocka_unit_test(test_nul_byte),    cmocka_unit_test(test_long_line),
	        cmocka_unit_test(test_address),     cmocka_unit_test(test_unreadable),
	        cmocka_unit_test(test_not_regular), cmocka_unit_test(test_many),
	        cmocka_unit_test(test_wazuh_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
