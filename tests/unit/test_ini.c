/* test_ini.c: the compat runner's .ini parser against configparser behaviour.
 *
 * Expected values below were checked with Python 3.11's
 * configparser.RawConfigParser(dict_type=MultiOrderedDict, strict=False), the
 * reader Wazuh's runtests.py uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/ybuf.h"

/* The parser lives with the compat runner; it is compiled into this test. */
#include "../compat/ini.c"

static yg_ini *parse(const char *text, yg_err want, size_t want_errors)
{
	yg_diag *diag = yg_diag_create();
	yg_ini *ini = NULL;
	assert_int_equal(yg_ini_parse(text, strlen(text), "t.ini", diag, &ini), want);
	assert_non_null(ini);
	assert_int_equal(yg_diag_errors(diag), want_errors);
	yg_diag_destroy(diag);
	return ini;
}

static const char *get(const yg_ini *ini, size_t sec, const char *key)
{
	const yg_ini_section *s = yg_ini_section_at(ini, sec);
	assert_non_null(s);
	const yg_ini_item *it = yg_ini_get(s, key);
	return it ? it->value : NULL;
}

static void test_basic(void **state)
{
	(void)state;
	yg_ini *ini = parse("; comment\n"
	                    "[ssh reset]\n"
	                    "log 1 pass = Feb 10 23:21:05 host sshd[1]: Read error\n"
	                    "Rule = 5740\n"
	                    "alert:4\n"
	                    "decoder   =   sshd  \n"
	                    "\n"
	                    "[second]\n"
	                    "log 1 fail = x = y : z\n"
	                    "k: a = b\n",
	                    YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 2);
	const yg_ini_section *s = yg_ini_section_at(ini, 0);
	assert_string_equal(s->name, "ssh reset");
	assert_int_equal(s->line, 2);
	assert_int_equal(s->nitems, 4);
	assert_string_equal(s->items[0].name, "log 1 pass");
	assert_int_equal(s->items[0].line, 3);
	assert_string_equal(s->items[0].value, "Feb 10 23:21:05 host sshd[1]: Read error");
	assert_string_equal(get(ini, 0, "rule"), "5740");
	assert_string_equal(get(ini, 0, "alert"), "4");
	assert_string_equal(get(ini, 0, "decoder"), "sshd");
	assert_null(get(ini, 0, "missing"));
	assert_string_equal(get(ini, 1, "log 1 fail"), "x = y : z");
	assert_string_equal(get(ini, 1, "k"), "a = b");
	assert_null(yg_ini_section_at(ini, 2));
	yg_ini_destroy(ini);
}

static void test_repeated_keys_accumulate(void **state)
{
	(void)state;
	yg_ini *ini = parse("[freq]\n"
	                    "log 1 pass = one\n"
	                    "log 1 pass = two\n"
	                    "log 1 fail = other\n"
	                    "log 1 pass = three\n"
	                    "rule = 1\n",
	                    YG_OK, 0);
	const yg_ini_section *s = yg_ini_section_at(ini, 0);
	assert_int_equal(s->nitems, 3);
	assert_string_equal(s->items[0].name, "log 1 pass");
	assert_string_equal(s->items[0].value, "one\ntwo\nthree");
	assert_string_equal(s->items[1].name, "log 1 fail");
	assert_string_equal(s->items[1].value, "other");
	yg_ini_destroy(ini);
}

/* A repeated section continues the first one (strict=False), and empty lines
 * inside values are kept: this is firewalld.ini's duplicated section. */
static void test_duplicate_sections_merge(void **state)
{
	(void)state;
	yg_ini *ini = parse("[dup]\n"
	                    "log 3 fail = first\n"
	                    "\n"
	                    "rule = 40902\n"
	                    "alert = 3\n"
	                    "decoder =\n"
	                    "\n"
	                    "[other]\n"
	                    "rule = 1\n"
	                    "[dup]\n"
	                    "log 3 fail = second\n"
	                    "\n"
	                    "rule = 40902\n"
	                    "alert = 3\n"
	                    "decoder =\n",
	                    YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 2);
	assert_string_equal(yg_ini_section_at(ini, 0)->name, "dup");
	assert_string_equal(get(ini, 0, "log 3 fail"), "first\n\nsecond");
	assert_string_equal(get(ini, 0, "rule"), "40902\n40902");
	assert_string_equal(get(ini, 0, "alert"), "3\n3");
	assert_string_equal(get(ini, 0, "decoder"), "");
	assert_string_equal(get(ini, 1, "rule"), "1");
	yg_ini_destroy(ini);
}

static void test_comments(void **state)
{
	(void)state;
	yg_ini *ini = parse("# top\n"
	                    "[s]\n"
	                    "   ; indented comment\n"
	                    "a = value ; not a comment # either\n"
	                    "  # comment inside a value does not end it\n"
	                    "  more\n"
	                    "#x = 1\n"
	                    "b = 2\n",
	                    YG_OK, 0);
	assert_string_equal(get(ini, 0, "a"), "value ; not a comment # either\nmore");
	assert_null(get(ini, 0, "#x"));
	assert_string_equal(get(ini, 0, "b"), "2");
	yg_ini_destroy(ini);
}

static void test_continuation_and_empty_lines(void **state)
{
	(void)state;
	yg_ini *ini = parse("[s]\n"
	                    "a = one\n"
	                    "\ttwo\n"
	                    "\n"
	                    "   three  \n"
	                    "\n"
	                    "\n"
	                    "b = x\n"
	                    "  c = not a key\n"
	                    "  [not a section]\n"
	                    "d =\n"
	                    "e = last\n"
	                    "\n",
	                    YG_OK, 0);
	assert_string_equal(get(ini, 0, "a"), "one\ntwo\n\nthree");
	assert_string_equal(get(ini, 0, "b"), "x\nc = not a key\n[not a section]");
	assert_null(get(ini, 0, "c"));
	assert_string_equal(get(ini, 0, "d"), "");
	assert_string_equal(get(ini, 0, "e"), "last");
	assert_int_equal(yg_ini_nsections(ini), 1);
	yg_ini_destroy(ini);
}

/* Indentation is relative to the key line; lines right after a header are
 * never continuations. */
static void test_indented_keys(void **state)
{
	(void)state;
	yg_ini *ini = parse("  [s]\n"
	                    "    a = 1\n"
	                    "    b = 2\n"
	                    "      cont\n"
	                    "  c = 3\n",
	                    YG_OK, 0);
	assert_string_equal(get(ini, 0, "a"), "1");
	assert_string_equal(get(ini, 0, "b"), "2\ncont");
	assert_string_equal(get(ini, 0, "c"), "3");
	yg_ini_destroy(ini);
}

static void test_line_endings(void **state)
{
	(void)state;
	yg_ini *ini = parse("[s]\r\na = 1\r\nb = 2\rc = 3\n\r\n[t]\r", YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 2);
	assert_string_equal(get(ini, 0, "a"), "1");
	assert_string_equal(get(ini, 0, "b"), "2");
	assert_string_equal(get(ini, 0, "c"), "3");
	assert_int_equal(yg_ini_section_at(ini, 0)->items[2].line, 4);
	assert_int_equal(yg_ini_section_at(ini, 1)->line, 6);
	yg_ini_destroy(ini);
}

static void test_section_headers(void **state)
{
	(void)state;
	yg_ini *ini = parse("[a]b] trailing\n"
	                    "k = 1\n"
	                    "[$(app) has [x] permission]\n"
	                    "k = 2\n"
	                    "[ spaced ]\n"
	                    "k = 3\n"
	                    "[s]\n"
	                    "[] = empty header is a key\n",
	                    YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 4);
	assert_string_equal(yg_ini_section_at(ini, 0)->name, "a]b");
	assert_string_equal(yg_ini_section_at(ini, 1)->name, "$(app) has [x] permission");
	assert_string_equal(yg_ini_section_at(ini, 2)->name, " spaced ");
	assert_string_equal(get(ini, 3, "[]"), "empty header is a key");
	yg_ini_destroy(ini);
}

static void test_default_section(void **state)
{
	(void)state;
	yg_ini *ini = parse("[DEFAULT]\n"
	                    "alert = 0\n"
	                    "decoder = def\n"
	                    "[s]\n"
	                    "rule = 5\n"
	                    "decoder = own\n"
	                    "[t]\n",
	                    YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 2);
	const yg_ini_section *s = yg_ini_section_at(ini, 0);
	assert_int_equal(s->nitems, 3);
	assert_string_equal(s->items[0].name, "alert");
	assert_string_equal(s->items[0].value, "0");
	assert_string_equal(s->items[1].name, "decoder");
	assert_string_equal(s->items[1].value, "own");
	assert_int_equal(s->items[1].line, 6);
	assert_string_equal(s->items[2].name, "rule");
	assert_string_equal(get(ini, 1, "decoder"), "def");
	assert_null(get(ini, 1, "rule"));
	yg_ini_destroy(ini);
}

static void test_unicode_whitespace(void **state)
{
	(void)state;
	/* U+00A0 and U+3000 are whitespace to Python's str.strip(). */
	yg_ini *ini = parse("[s]\n"
	                    "\xc2\xa0key\xe3\x80\x80= \xe2\x80\x83value\xc2\xa0\n"
	                    "utf8 = caf\xc3\xa9\n",
	                    YG_OK, 0);
	assert_string_equal(get(ini, 0, "key"), "value");
	assert_string_equal(get(ini, 0, "utf8"), "caf\xc3\xa9");
	yg_ini_destroy(ini);
}

static void test_malformed(void **state)
{
	(void)state;
	yg_diag *diag = yg_diag_create();
	yg_ini *ini = NULL;
	const char text[] = "key = before section\n"
	                    "[s]\n"
	                    "a = 1\n"
	                    "no delimiter here\n"
	                    "  still continues a\n"
	                    "= empty key\n"
	                    "  not a continuation of the empty key\n"
	                    "b = x\0y\n"
	                    "c = 3\n";
	assert_int_equal(yg_ini_parse(text, sizeof(text) - 1, "bad.ini", diag, &ini), YG_EPARSE);
	assert_non_null(ini);
	assert_int_equal(yg_diag_errors(diag), 5);
	int lines[] = {1, 4, 6, 7, 8};
	for (size_t i = 0; i < 5; i++) {
		const yg_diag_entry *e = yg_diag_get(diag, i);
		assert_string_equal(e->file, "bad.ini");
		assert_int_equal(e->line, lines[i]);
	}
	assert_int_equal(yg_ini_nsections(ini), 1);
	assert_string_equal(get(ini, 0, "a"), "1\nstill continues a");
	assert_string_equal(get(ini, 0, ""), "empty key");
	assert_null(get(ini, 0, "b"));
	assert_string_equal(get(ini, 0, "c"), "3");
	yg_ini_destroy(ini);
	yg_diag_destroy(diag);
}

static void test_empty_and_bad_args(void **state)
{
	(void)state;
	yg_ini *ini = parse("", YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 0);
	yg_ini_destroy(ini);
	ini = parse("\n\n  \n; only comments\n", YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 0);
	yg_ini_destroy(ini);
	assert_int_equal(yg_ini_parse(NULL, 3, NULL, NULL, &ini), YG_EINVAL);
	assert_int_equal(yg_ini_parse("", 0, NULL, NULL, NULL), YG_EINVAL);
	assert_int_equal(yg_ini_nsections(NULL), 0);
	assert_null(yg_ini_section_at(NULL, 0));
	assert_null(yg_ini_get(NULL, "x"));
	yg_ini_destroy(NULL);

	yg_diag *diag = yg_diag_create();
	assert_int_equal(yg_ini_load("/nonexistent/yagura/x.ini", diag, &ini), YG_EIO);
	assert_null(ini);
	assert_int_equal(yg_diag_errors(diag), 1);
	yg_diag_destroy(diag);
}

/* Many sections and keys: exercises the map's growth. */
static void test_many(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 1u << 24);
	for (int s = 0; s < 300; s++) {
		assert_int_equal(yg_buf_printf(&b, "[sec %d]\n", s), YG_OK);
		for (int k = 0; k < 20; k++)
			assert_int_equal(yg_buf_printf(&b, "Key%d = %d\n", k, s * 100 + k), YG_OK);
	}
	assert_int_equal(yg_buf_printf(&b, "[sec 7]\nkey3 = again\n"), YG_OK);
	yg_ini *ini = parse(b.data, YG_OK, 0);
	assert_int_equal(yg_ini_nsections(ini), 300);
	assert_string_equal(get(ini, 299, "key19"), "29919");
	assert_string_equal(get(ini, 7, "key3"), "703\nagain");
	yg_ini_destroy(ini);
	yg_buf_free(&b);
}

/* Arbitrary bytes must never crash or leak (run under ASan). */
static void test_garbage(void **state)
{
	(void)state;
	static const char alphabet[] = "[]=:;# \t\r\n\0ab\xc2\xa0\xe2\x80\x83";
	uint32_t seed = 12345;
	char text[512];
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(round % (int)sizeof(text));
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		yg_diag *diag = yg_diag_create();
		yg_ini *ini = NULL;
		yg_err err = yg_ini_parse(text, n, "g.ini", diag, &ini);
		assert_true(err == YG_OK || err == YG_EPARSE);
		for (size_t s = 0; s < yg_ini_nsections(ini); s++) {
			const yg_ini_section *sec = yg_ini_section_at(ini, s);
			for (size_t i = 0; i < sec->nitems; i++)
				assert_non_null(sec->items[i].value);
		}
		yg_ini_destroy(ini);
		yg_diag_destroy(diag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_repeated_keys_accumulate),
	        cmocka_unit_test(test_duplicate_sections_merge),
	        cmocka_unit_test(test_comments),
	        cmocka_unit_test(test_continuation_and_empty_lines),
	        cmocka_unit_test(test_indented_keys),
	        cmocka_unit_test(test_line_endings),
	        cmocka_unit_test(test_section_headers),
	        cmocka_unit_test(test_default_section),
	        cmocka_unit_test(test_unicode_whitespace),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_empty_and_bad_args),
	        cmocka_unit_test(test_many),
	        cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
