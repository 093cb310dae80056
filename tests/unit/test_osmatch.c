/* test_osmatch.c: OS_Match, checked against Wazuh 4.14.7's results.
 *
 * osmatch_cases.inc holds Wazuh's own OS_Match test inputs plus random
 * differential cases with Wazuh's actual results; the rest spells out the
 * semantics feature by feature (docs/patterns.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/osmatch.h"

struct om_case {
	const char *pattern;
	const char *subject;
	bool match;
};

static const struct om_case om_cases[] = {
#include "osmatch_cases.inc"
};
#define NCASES (sizeof(om_cases) / sizeof(om_cases[0]))

static bool om(const char *p, const char *s)
{
	yg_osmatch *m = NULL;
	char err[128] = "";
	yg_err rc = yg_osmatch_compile(p, &m, err, sizeof(err));
	if (rc != YG_OK)
		printf("compile '%s': %s\n", p, err);
	assert_int_equal(rc, YG_OK);
	assert_non_null(m);
	bool r = yg_osmatch_exec(m, s);
	yg_osmatch_destroy(m);
	return r;
}

static void test_recorded_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NCASES; i++) {
		const struct om_case *c = &om_cases[i];
		if (om(c->pattern, c->subject) != c->match) {
			printf("'%s' on '%s': want %d\n", c->pattern, c->subject, c->match);
			bad++;
		}
	}
	assert_true(NCASES > 500);
	assert_int_equal(bad, 0);
}

static void test_substring(void **state)
{
	(void)state;
	assert_true(om("test", "this is a test"));
	assert_true(om("test", "thistestiswithoutspaces"));
	assert_true(om("abc", "abc"));
	assert_false(om("abcd", "abc"));
	assert_false(om("abc", ""));
	/* case-insensitive both ways, ASCII only */
	assert_true(om("ERROR", "an error occurred"));
	assert_true(om("error", "AN ERROR OCCURRED"));
	assert_true(om("sshd[", "Jan 1 host SSHD[42]: x"));
	/* matches near the end of the subject */
	assert_true(om("xyz", "abcxyz"));
	assert_false(om("xyz", "abcxy"));
	/* no special characters besides ^ $ | and a leading ! */
	assert_true(om("a.c", "xa.cx"));
	assert_false(om("a.c", "abc"));
	assert_true(om("\\w+", "x\\w+x"));
	assert_true(om("(a)", "(a)"));
	assert_true(om("*?[]", "*?[]"));
}

static void test_anchors(void **state)
{
	(void)state;
	assert_true(om("^abc", "abcdef"));
	assert_false(om("^abc", "xabc"));
	assert_false(om("^abc", "ab"));
	assert_true(om("def$", "abcdef"));
	assert_false(om("def$", "defx"));
	assert_false(om("zzzz$", "zzz"));
	assert_true(om("^abc$", "ABC"));
	assert_false(om("^abc$", "abcabc"));
	assert_false(om("^ab$", "abc"));
	/* anchors elsewhere are literal */
	assert_true(om("a^b", "xa^by"));
	assert_true(om("a$b", "xa$by"));
	assert_true(om("^$x", "$x")); /* begins with "$x" */
	assert_true(om("^^", "^x"));
	assert_true(om("$$", "x$"));
	/* empty anchored texts */
	assert_true(om("^", ""));
	assert_true(om("^", "anything"));
	assert_true(om("$", "anything"));
	assert_true(om("^$", ""));
	assert_false(om("^$", "a"));
}

static void test_alternatives(void **state)
{
	(void)state;
	assert_true(om("abc|cde", "cde"));
	assert_true(om("^aa|ee|ii|oo|uu", "dfgdsii"));
	assert_false(om("a|b|c| ", "def"));
	assert_true(om("^bin$|^shell$|^ftp$", "shell"));
	assert_false(om("^bin$|^shell$", "ashell"));
	/* an empty alternative matches everything */
	assert_true(om("abc|", "zzz"));
	assert_true(om("|abc", "zzz"));
	assert_true(om("a||b", "zzz"));
	assert_true(om("", ""));
	assert_true(om("", "x"));
	/* many floating alternatives (searched in one pass) */
	const char *many = "failure|denied|refused|invalid|illegal|rejected|blocked|error";
	assert_true(om(many, "Connection REFUSED by peer"));
	assert_true(om(many, "error"));
	assert_true(om(many, "xxblocked"));
	assert_false(om(many, "all good"));
	assert_false(om(many, "erro"));
	/* with anchored ones among them */
	const char *mixed = "^start|end$|one|two|three|four|five";
	assert_true(om(mixed, "start here"));
	assert_true(om(mixed, "the end"));
	assert_true(om(mixed, "it is FIVE"));
	assert_false(om(mixed, "the start end."));
	/* one thousand alternatives */
	char *big = malloc(10000);
	assert_non_null(big);
	size_t o = 0;
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(big + o, 10000 - o, "%sword%04d", i ? "|" : "", i);
	assert_true(om(big, "a WORD0999 here"));
	assert_true(om(big, "word0000"));
	assert_false(om(big, "wordx"));
	free(big);
}

static void test_negation(void **state)
{
	(void)state;
	assert_true(om("!test1", "test2"));
	assert_false(om("!test1", "test1"));
	assert_false(om("!test1", "a TEST1 b"));
	assert_true(om("!^abc|def$", "xabc"));
	assert_false(om("!^abc|def$", "abcx"));
	assert_false(om("!^abc|def$", "xdef"));
	/* "!" alone: the empty pattern negated never matches */
	assert_false(om("!", ""));
	assert_false(om("!", "x"));
	/* only a leading ! negates */
	assert_true(om("a!b", "xa!bx"));
	assert_true(om("!!a", "b")); /* negated "!a" */
	assert_false(om("!!a", "!a"));
}

/* Wazuh's floating search compares pattern bytes as signed chars, so on
 * x86-64 an alternative with a byte >= 0x80 never matches anywhere; the
 * anchored forms (strcasecmp) do match. */
static void test_high_bytes(void **state)
{
	(void)state;
	assert_false(om("caf\xc3\xa9", "un caf\xc3\xa9"));
	assert_false(om("\xc3", "\xc3"));
	assert_true(om("^caf\xc3\xa9", "caf\xc3\xa9 noir"));
	assert_true(om("caf\xc3\xa9$", "un caf\xc3\xa9"));
	assert_true(om("^caf\xc3\xa9$", "caf\xc3\xa9"));
	assert_true(om("!caf\xc3\xa9", "caf\xc3\xa9"));
	assert_true(om("\xc3|caf", "caf"));
	/* high bytes in the subject are fine */
	assert_true(om("abc", "\xc3\xa9 abc \xff"));
	/* only ASCII letters fold: 0xC9 is not 0xE9 */
	assert_false(om("^\xe9", "\xc9"));
}

static void test_long_subject(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	memcpy(s + n - 6, "NEEDLE", 6);
	s[n] = '\0';
	assert_true(om("needle", s));
	assert_true(om("needle$", s));
	assert_false(om("^needle", s));
	assert_true(om("x|y|z|w|v|needle", s));
	assert_false(om("aab", s));
	assert_true(om("aaaan", s));
	free(s);
}

static void test_compile(void **state)
{
	(void)state;
	yg_osmatch *m = (yg_osmatch *)&m;
	char err[64] = "";
	assert_int_equal(yg_osmatch_compile(NULL, &m, err, sizeof(err)), YG_EINVAL);
	assert_null(m);
	assert_int_equal(yg_osmatch_compile("a", NULL, err, sizeof(err)), YG_EINVAL);

	char *big = malloc(20482);
	assert_non_null(big);
	memset(big, 'a', 20481);
	big[20481] = '\0';
	assert_int_equal(yg_osmatch_compile(big, &m, err, sizeof(err)), YG_EPARSE);
	assert_null(m);
	assert_non_null(strstr(err, "20480"));
	/* the limit counts a leading '!' too */
	big[0] = '!';
	assert_int_equal(yg_osmatch_compile(big, &m, NULL, 0), YG_EPARSE);
	big[20480] = '\0';
	assert_int_equal(yg_osmatch_compile(big, &m, err, sizeof(err)), YG_OK);
	yg_osmatch_destroy(m);
	free(big);

	/* every other pattern compiles */
	static const char *ok[] = {"", "|", "||||", "^", "$", "^$", "!", "!^$", "\\", "(", "a|^|b"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(yg_osmatch_compile(ok[i], &m, err, sizeof(err)), YG_OK);
		yg_osmatch_destroy(m);
	}
	assert_false(yg_osmatch_exec(NULL, "x"));
	assert_int_equal(yg_osmatch_compile("x", &m, err, sizeof(err)), YG_OK);
	assert_false(yg_osmatch_exec(m, NULL));
	yg_osmatch_destroy(m);
	yg_osmatch_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_recorded_cases), cmocka_unit_test(test_substring),
	        cmocka_unit_test(test_anchors),        cmocka_unit_test(test_alternatives),
	        cmocka_unit_test(test_negation),       cmocka_unit_test(test_high_bytes),
	        cmocka_unit_test(test_long_subject),   cmocka_unit_test(test_compile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
