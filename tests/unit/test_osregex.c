/* test_osregex.c: OS_Regex, checked against Wazuh 4.14.7's results.
 *
 * The bulk of the cases (osregex_cases.inc) are Wazuh's own os_regex unit
 * test inputs plus random differential cases, with the values Wazuh's
 * implementation actually returns. The rest spell out the semantics one
 * feature at a time, as docs/patterns.md describes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/osregex.h"

/* ---- the recorded cases ---- */

#define RXC_NOMATCH (-1)
#define RXC_BADPAT (-2)
#define RXC_CRASH (-3)

struct rx_case {
	const char *pattern;
	const char *subject;
	int end_caps;  /* match_end offset with caps (OS_RETURN_SUBSTRING) */
	int end_plain; /* match_end offset without caps */
	int ncaps;
	const char *caps[40];
};

static const struct rx_case rx_cases[] = {
#include "osregex_cases.inc"
};
#define NCASES (sizeof(rx_cases) / sizeof(rx_cases[0]))

/* Runs one case in both modes; returns the number of mismatches and prints
 * them (cmocka stops at the first failed assert, this shows them all). */
static int run_case(const struct rx_case *c, bool verbose)
{
	yg_osregex *re = NULL;
	char err[128];
	int bad = 0;
	yg_err rc = yg_osregex_compile(c->pattern, &re, err, sizeof(err));
	if (c->end_caps == RXC_BADPAT) {
		if (rc != YG_EPARSE || re || !err[0]) {
			if (verbose)
				printf("pattern '%s' should not compile\n", c->pattern);
			bad++;
		}
		yg_osregex_destroy(re);
		return bad;
	}
	if (rc != YG_OK) {
		if (verbose)
			printf("pattern '%s' does not compile: %s\n", c->pattern, err);
		return 1;
	}
	/* capturing mode */
	yg_span caps[YG_OSREGEX_MAX_CAPTURES];
	int ncaps = -1;
	const char *end = NULL;
	bool m = yg_osregex_exec(re, c->subject, caps, YG_OSREGEX_MAX_CAPTURES, &ncaps, &end);
	bool want = c->end_caps >= 0;
	if (m != want || (m && end != c->subject + c->end_caps) || (m && ncaps != c->ncaps) ||
	    (!m && ncaps != 0)) {
		if (verbose)
			printf("'%s' on '%s' (caps): got %d end %td ncaps %d, want end %d ncaps "
			       "%d\n",
			       c->pattern, c->subject, m, m ? end - c->subject : -1, ncaps,
			       c->end_caps, c->ncaps);
		bad++;
	} else if (m) {
		for (int i = 0; i < ncaps; i++) {
			if (caps[i].len != strlen(c->caps[i]) ||
			    memcmp(caps[i].ptr, c->caps[i], caps[i].len) != 0) {
				if (verbose)
					printf("'%s' on '%s': capture %d is '%.*s', want '%s'\n",
					       c->pattern, c->subject, i, (int)caps[i].len,
					       caps[i].ptr, c->caps[i]);
				bad++;
			}
		}
	}
	/* plain mode */
	end = NULL;
	m = yg_osregex_exec(re, c->subject, NULL, 0, NULL, &end);
	want = c->end_plain >= 0;
	if (m != want || (m && end != c->subject + c->end_plain)) {
		if (verbose)
			printf("'%s' on '%s' (plain): got %d end %td, want end %d\n", c->pattern,
			       c->subject, m, m ? end - c->subject : -1, c->end_plain);
		bad++;
	}
	/* the boolean alone */
	if (yg_osregex_exec(re, c->subject, NULL, 0, NULL, NULL) != want)
		bad++;
	yg_osregex_destroy(re);
	return bad;
}

static void test_recorded_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NCASES; i++)
		bad += run_case(&rx_cases[i], true);
	assert_true(NCASES > 900);
	assert_int_equal(bad, 0);
}

/* ---- helpers for the hand-written cases ---- */

/* Compiles p or fails the test. */
static yg_osregex *rx(const char *p)
{
	yg_osregex *re = NULL;
	char err[128] = "";
	yg_err rc = yg_osregex_compile(p, &re, err, sizeof(err));
	if (rc != YG_OK)
		printf("compile '%s': %s\n", p, err);
	assert_int_equal(rc, YG_OK);
	assert_non_null(re);
	return re;
}

/* Matches without captures (rule mode). */
static bool rx_test(const char *p, const char *s)
{
	yg_osregex *re = rx(p);
	bool m = yg_osregex_exec(re, s, NULL, 0, NULL, NULL);
	yg_osregex_destroy(re);
	return m;
}

/* Matches in decoder mode; returns the match_end offset or -1, and the
 * captures joined with '|' into out. */
static long rx_caps(const char *p, const char *s, char *out, size_t outlen)
{
	yg_osregex *re = rx(p);
	yg_span caps[YG_OSREGEX_MAX_CAPTURES];
	int n = 0;
	const char *end = NULL;
	out[0] = '\0';
	bool m = yg_osregex_exec(re, s, caps, YG_OSREGEX_MAX_CAPTURES, &n, &end);
	yg_osregex_destroy(re);
	if (!m)
		return -1;
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + o, outlen - o, "%s%.*s", i ? "|" : "", (int)caps[i].len,
		                 caps[i].ptr);
		assert_true(w >= 0 && (size_t)w < outlen - o);
		o += (size_t)w;
	}
	return end - s;
}

/* Compiles p expecting failure with a reason mentioning `why`. */
static void rx_bad(const char *p, const char *why)
{
	yg_osregex *re = (yg_osregex *)&re; /* must be reset to NULL */
	char err[128] = "";
	assert_int_equal(yg_osregex_compile(p, &re, err, sizeof(err)), YG_EPARSE);
	assert_null(re);
	if (!strstr(err, why))
		printf("'%s': reason '%s' lacks '%s'\n", p, err, why);
	assert_non_null(strstr(err, why));
}

/* ---- classes ---- */

static bool in_w(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '@' || c == '_';
}

static bool in_p(int c)
{
	return c && strchr("!\"#$%&'()*+,-.:;<=>?[]{|}", c) != NULL;
}

/* Each escape, tested against every byte value as a one-byte subject. */
static void test_classes(void **state)
{
	(void)state;
	static const struct {
		const char *pat;
		int kind;
	} cls[] = {
	        {"^\\d$", 'd'}, {"^\\w$", 'w'},   {"^\\s$", 's'}, {"^\\p$", 'p'}, {"^\\($", '('},
	        {"^\\)$", ')'}, {"^\\\\$", '\\'}, {"^\\D$", 'D'}, {"^\\W$", 'W'}, {"^\\S$", 'S'},
	        {"^\\.$", '.'}, {"^\\t$", 't'},   {"^\\$$", '$'}, {"^\\|$", '|'}, {"^\\<$", '<'},
	};
	for (size_t k = 0; k < sizeof(cls) / sizeof(cls[0]); k++) {
		yg_osregex *re = rx(cls[k].pat);
		for (int c = 1; c < 256; c++) {
			char s[2] = {(char)c, 0};
			bool want;
			switch (cls[k].kind) {
			case 'd': want = c >= '0' && c <= '9'; break;
			case 'w': want = in_w(c); break;
			case 's': want = c == ' '; break; /* not tab, not newline */
			case 'p': want = in_p(c); break;
			case 'D': want = !(c >= '0' && c <= '9'); break;
			case 'W': want = !in_w(c); break;
			case 'S': want = c != ' '; break;
			case '.': want = true; break;
			case 't': want = c == '\t'; break;
			default: want = c == cls[k].kind; break;
			}
			if (yg_osregex_exec(re, s, NULL, 0, NULL, NULL) != want)
				printf("%s on byte %d: want %d\n", cls[k].pat, c, want);
			assert_int_equal(yg_osregex_exec(re, s, NULL, 0, NULL, NULL), want);
		}
		yg_osregex_destroy(re);
	}
}

/* Literals ignore ASCII case both ways; \w has both cases anyway. */
static void test_case_insensitive(void **state)
{
	(void)state;
	assert_true(rx_test("ABC", "abc"));
	assert_true(rx_test("abc", "xABCx"));
	assert_true(rx_test("^Failed PASSWORD", "failed password for root"));
	assert_true(rx_test("\\w+Z", "abcz"));
	assert_false(rx_test("abc", "ab"));
}

/* Wazuh compares pattern bytes as signed chars: on x86-64 a literal byte
 * >= 0x80 never matches, while classes do match such bytes. */
static void test_high_bytes(void **state)
{
	(void)state;
	assert_false(rx_test("\xc3\xa9", "\xc3\xa9"));
	assert_false(rx_test("caf\xc3\xa9", "caf\xc3\xa9"));
	assert_false(rx_test("^\xc3", "\xc3"));
	assert_true(rx_test("\\S+", "\xc3\xa9"));
	assert_true(rx_test("^caf\\S\\S$", "caf\xc3\xa9"));
	assert_true(rx_test("\\W", "\xff"));
	assert_true(rx_test("\\D", "\x80"));
	/* the alternative that cannot match does not hide the next one */
	assert_true(rx_test("\xc3|caf", "caf\xc3\xa9"));
}

/* ---- anchors and alternatives ---- */

static void test_anchors(void **state)
{
	(void)state;
	assert_true(rx_test("^abc", "abcdef"));
	assert_false(rx_test("^abc", "xabc"));
	assert_true(rx_test("def$", "abcdef"));
	assert_false(rx_test("def$", "defx"));
	assert_true(rx_test("^abc$", "abc"));
	assert_false(rx_test("^abc$", "abcabc"));
	/* empty patterns */
	assert_true(rx_test("", ""));
	assert_true(rx_test("", "x"));
	assert_true(rx_test("^", ""));
	assert_true(rx_test("^", "x"));
	assert_true(rx_test("$", ""));
	assert_false(rx_test("$", "a"));
	assert_true(rx_test("^$", ""));
	assert_false(rx_test("^$", "a"));
	/* ^ only first, $ only last: elsewhere they are literal */
	assert_true(rx_test("a$b", "a$b"));
	assert_true(rx_test("a^b", "xa^by"));
	assert_false(rx_test("a^b", "ab"));
	/* an escaped \$ is not an anchor; \$$ is a '$' at the end */
	assert_true(rx_test("a\\$", "a$"));
	assert_true(rx_test("cost \\$", "cost $ 5"));
	assert_true(rx_test("\\$$", "cost $"));
	assert_false(rx_test("\\$$", "$ cost"));
	/* a literal backslash then the anchor */
	assert_true(rx_test("a\\\\$", "xa\\"));
	assert_false(rx_test("a\\\\$", "a\\x"));
}

static void test_alternatives(void **state)
{
	(void)state;
	char caps[256];
	assert_true(rx_test("abc|def", "xdefx"));
	assert_true(rx_test("^abc|^def", "def"));
	assert_false(rx_test("^abc|^def", "xdef"));
	/* each alternative has its own anchors */
	assert_true(rx_test("^bin$|^shell$|^ftp$", "ftp"));
	assert_false(rx_test("^bin$|^shell$|^ftp$", "ftpx"));
	/* an empty alternative matches everything */
	assert_true(rx_test("abc|", "zzz"));
	assert_true(rx_test("|abc", "zzz"));
	/* \| is a literal bar */
	assert_true(rx_test("a\\|b", "a|b"));
	assert_false(rx_test("a\\|b", "b"));
	/* captures come from the first alternative that matches, numbered
	 * from 0 in that alternative */
	assert_int_equal(rx_caps("x|(\\d+)", "abc 42", caps, sizeof(caps)), 5);
	assert_string_equal(caps, "42");
	assert_int_equal(rx_caps("(\\d+)|(\\w+)", "abc 42", caps, sizeof(caps)), 5);
	assert_string_equal(caps, "42");
	/* many alternatives */
	char big[8192] = "";
	size_t o = 0;
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sw%d", i ? "|" : "", i);
	assert_true(rx_test(big, "xx w999 yy"));
	assert_false(rx_test(big, "xx yy"));
}

/* ---- repetition and captures ---- */

/* Wazuh's scanner is not a backtracking regex: `+` and `*` repeat until the
 * next token also fits the current byte, with little going back. These are
 * its actual results. */
static void test_repetition(void **state)
{
	(void)state;
	char caps[256];
	/* after a literal, + and * are literal bytes */
	assert_true(rx_test("a+", "a+"));
	assert_false(rx_test("a+", "aaa"));
	assert_true(rx_test("a*b", "xa*b"));
	/* \. is any byte; a plain '.' is a literal dot */
	assert_true(rx_test("a.c", "a.c"));
	assert_false(rx_test("a.c", "abc"));
	assert_true(rx_test("a\\.c", "abc"));
	assert_int_equal(rx_caps("(\\d+)\\.(\\d+)", "12.34", caps, sizeof(caps)), 2);
	assert_string_equal(caps, "1|");
	assert_int_equal(rx_caps("(\\d+).(\\d+)", "12.34", caps, sizeof(caps)), 4);
	assert_string_equal(caps, "12|34");
	/* a repetition leaves as soon as the next token fits; match_end is
	 * one past the last byte the scanner matched, which for a repetition
	 * ending the pattern is not always the end of the repetition */
	assert_int_equal(rx_caps("(\\w+)\\d", "abc12", caps, sizeof(caps)), 4);
	assert_string_equal(caps, "abc");
	assert_int_equal(rx_caps("(\\S+) (\\S+)", "one two three", caps, sizeof(caps)), 5);
	assert_string_equal(caps, "one|two");
	assert_int_equal(rx_caps("user (\\S+) from (\\S+)",
	                         "Failed password for user root from 10.0.0.1 port 22", caps,
	                         sizeof(caps)),
	                 36);
	assert_string_equal(caps, "root|10.0.0.1");
	assert_int_equal(rx_caps("^\\s*(\\w+)", "   word", caps, sizeof(caps)), 4);
	assert_string_equal(caps, "word");
	assert_int_equal(rx_caps("(\\d+)$", "port 22", caps, sizeof(caps)), 6);
	assert_string_equal(caps, "22");
	/* * may match nothing, even before the subject */
	assert_true(rx_test("\\d*", "abc"));
	assert_true(rx_test("\\d*", ""));
	assert_true(rx_test("^\\s*\\w", "x"));
	/* two groups back to back: the second boundary is compared as a
	 * literal '(' */
	assert_false(rx_test("(\\w+)(\\d+)", "ab12"));
	assert_int_equal(rx_caps("(\\w+)(\\d+)", "ab(12", caps, sizeof(caps)), 4);
	assert_string_equal(caps, "ab");
	assert_int_equal(rx_caps("(a)(b)", "a(b", caps, sizeof(caps)), 3);
	assert_string_equal(caps, "a");
	/* word/space details */
	assert_true(rx_test("\\w+@\\w+", "mail user@host"));
	assert_false(rx_test("\\W+", "a-b")); /* '-' is a word byte */
	assert_false(rx_test("\\s", "\t"));   /* \s is the space only */
	assert_true(rx_test("\\t", "\t"));
}

/* caps != NULL selects OS_RETURN_SUBSTRING, which Wazuh matches slightly
 * differently: trailing `*` classes before a final group boundary. */
static void test_capture_mode(void **state)
{
	(void)state;
	yg_osregex *re = rx("(a\\w*\\d*)");
	yg_span caps[4];
	int n = -1;
	const char *end = NULL;
	assert_true(yg_osregex_exec(re, "a", caps, 4, &n, &end));
	assert_int_equal(n, 1);
	assert_int_equal(caps[0].len, 1);
	assert_false(yg_osregex_exec(re, "a", NULL, 0, NULL, NULL));
	/* maxcaps 0 with a caps array is still the capturing mode */
	n = -1;
	assert_true(yg_osregex_exec(re, "a", caps, 0, &n, NULL));
	assert_int_equal(n, 0);
	yg_osregex_destroy(re);

	/* without any group both modes are the same */
	re = rx("a\\w*\\d*");
	assert_false(yg_osregex_exec(re, "a", caps, 4, &n, NULL));
	assert_false(yg_osregex_exec(re, "a", NULL, 0, NULL, NULL));
	yg_osregex_destroy(re);
}

/* Wazuh keeps group boundaries of failed attempts; when a kept end lies
 * before a new start, its copy fails (or, one byte off, crashes). yagura
 * reports no match for such a match, in the capturing mode only. */
static void test_inverted_capture(void **state)
{
	(void)state;
	yg_osregex *re = rx(" (\\S*)$");
	yg_span caps[4];
	int n = -1;
	const char *end = NULL;
	assert_false(yg_osregex_exec(re, "query denied ", caps, 4, &n, &end));
	assert_int_equal(n, 0);
	assert_true(yg_osregex_exec(re, "query denied ", NULL, 0, NULL, &end));
	assert_true(yg_osregex_exec(re, "x RESULT=success", caps, 4, &n, &end));
	assert_int_equal(n, 1);
	assert_int_equal(caps[0].len, strlen("RESULT=success"));
	yg_osregex_destroy(re);
}

static void test_match_end(void **state)
{
	(void)state;
	const char *s = "abc def";
	const char *end = NULL;
	yg_osregex *re = rx("abc");
	assert_true(yg_osregex_exec(re, s, NULL, 0, NULL, &end));
	assert_ptr_equal(end, s + 3); /* just past the match */
	yg_osregex_destroy(re);

	re = rx("def");
	assert_true(yg_osregex_exec(re, s, NULL, 0, NULL, &end));
	assert_ptr_equal(end, s + 7); /* at the NUL */
	yg_osregex_destroy(re);

	/* Wazuh's result is one byte before the subject here; analysisd then
	 * continues at the subject's start */
	re = rx("\\d*");
	end = NULL;
	assert_true(yg_osregex_exec(re, s, NULL, 0, NULL, &end));
	assert_ptr_equal(end, s);
	assert_true(yg_osregex_exec(re, "", NULL, 0, NULL, &end));
	yg_osregex_destroy(re);

	/* no match leaves match_end and caps alone */
	re = rx("zzz");
	end = s;
	int n = 5;
	yg_span caps[1] = {{s, 99}};
	assert_false(yg_osregex_exec(re, s, caps, 1, &n, &end));
	assert_ptr_equal(end, s);
	assert_int_equal(n, 0);
	assert_int_equal(caps[0].len, 99);
	yg_osregex_destroy(re);
}

static void test_maxcaps(void **state)
{
	(void)state;
	yg_osregex *re = rx("(\\w+) (\\w+) (\\w+)");
	assert_int_equal(yg_osregex_ncaptures(re), 3);
	yg_span caps[3];
	int n = 0;
	assert_true(yg_osregex_exec(re, "one two three", caps, 1, &n, NULL));
	assert_int_equal(n, 1);
	assert_int_equal(caps[0].len, 3);
	assert_true(yg_osregex_exec(re, "one two three", caps, 3, &n, NULL));
	assert_int_equal(n, 3);
	assert_int_equal(caps[2].len, 5);
	yg_osregex_destroy(re);

	/* the largest alternative counts */
	re = rx("(a)|(b) (c)|d");
	assert_int_equal(yg_osregex_ncaptures(re), 2);
	yg_osregex_destroy(re);
	re = rx("abc");
	assert_int_equal(yg_osregex_ncaptures(re), 0);
	yg_osregex_destroy(re);

	/* more groups than YG_OSREGEX_MAX_CAPTURES: compiles, the first
	 * YG_OSREGEX_MAX_CAPTURES are reported */
	char pat[1024] = "", subj[1024] = "";
	size_t po = 0, so = 0;
	for (int i = 0; i < YG_OSREGEX_MAX_CAPTURES + 6; i++) {
		po += (size_t)snprintf(pat + po, sizeof(pat) - po, "(\\d) ");
		so += (size_t)snprintf(subj + so, sizeof(subj) - so, "%d ", i % 10);
	}
	re = rx(pat);
	assert_int_equal(yg_osregex_ncaptures(re), YG_OSREGEX_MAX_CAPTURES + 6);
	yg_span many[YG_OSREGEX_MAX_CAPTURES];
	assert_true(yg_osregex_exec(re, subj, many, YG_OSREGEX_MAX_CAPTURES, &n, NULL));
	assert_int_equal(n, YG_OSREGEX_MAX_CAPTURES);
	assert_int_equal(many[YG_OSREGEX_MAX_CAPTURES - 1].ptr[0],
	                 '0' + (YG_OSREGEX_MAX_CAPTURES - 1) % 10);
	yg_osregex_destroy(re);
}

/* ---- compile errors ---- */

static void test_compile_errors(void **state)
{
	(void)state;
	rx_bad("\\", "lone");
	rx_bad("abc\\", "lone");
	rx_bad("\\q", "unknown escape");
	rx_bad("a\\n", "unknown escape"); /* no \n in Wazuh's compiler */
	rx_bad("\\+", "unknown escape");
	rx_bad("\\*", "unknown escape");
	rx_bad("\\^", "unknown escape");
	rx_bad("((a))", "nested");
	rx_bad("(a", "never closed");
	rx_bad("(lalala", "never closed");
	rx_bad("a)", "unbalanced ')'");
	rx_bad(")(", "unbalanced ')'");
	rx_bad("(a|b)", "inside a group");
	rx_bad("(\\w|(\\w)", "inside a group");

	char *big = malloc(20482);
	assert_non_null(big);
	memset(big, 'a', 20481);
	big[20481] = '\0';
	rx_bad(big, "20480");
	big[20480] = '\0'; /* exactly the limit is fine */
	yg_osregex *re = rx(big);
	yg_osregex_destroy(re);
	free(big);

	/* escapes of parentheses do not count as groups */
	re = rx("\\(test\\)");
	yg_osregex_destroy(re);
	rx_bad("\\(test)", "unbalanced ')'");

	/* a small error buffer is fine, and so is none */
	char tiny[4];
	re = NULL;
	assert_int_equal(yg_osregex_compile("(", &re, tiny, sizeof(tiny)), YG_EPARSE);
	assert_int_equal(strlen(tiny), 3);
	assert_int_equal(yg_osregex_compile("(", &re, NULL, 0), YG_EPARSE);
	assert_null(re);
}

static void test_null_args(void **state)
{
	(void)state;
	yg_osregex *re = NULL;
	char err[64];
	assert_int_equal(yg_osregex_compile(NULL, &re, err, sizeof(err)), YG_EINVAL);
	assert_null(re);
	assert_int_equal(yg_osregex_compile("a", NULL, err, sizeof(err)), YG_EINVAL);
	int n = 7;
	assert_false(yg_osregex_exec(NULL, "a", NULL, 0, &n, NULL));
	assert_int_equal(n, 0);
	re = rx("a");
	assert_false(yg_osregex_exec(re, NULL, NULL, 0, NULL, NULL));
	yg_osregex_destroy(re);
	yg_osregex_destroy(NULL);
	assert_int_equal(yg_osregex_ncaptures(NULL), 0);
}

/* ---- work bounds and sizes ---- */

/* A pattern on which Wazuh's scanner is cubic: yagura gives up after its
 * step budget (reporting no match) instead of running for minutes. */
static void test_pathological(void **state)
{
	(void)state;
	size_t n = 20000;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, ' ', n);
	s[n - 1] = 'x';
	s[n] = '\0';
	yg_osregex *re = rx("\\s*\\s*\\s+\\d*\\d+\\.a");
	clock_t t0 = clock();
	assert_false(yg_osregex_exec(re, s, NULL, 0, NULL, NULL));
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(secs < 30.0);
	yg_osregex_destroy(re);
	free(s);
}

static void test_long_subject(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	memcpy(s + n - 9, "sshd[42]:", 9);
	s[n] = '\0';
	char caps[64];
	assert_int_equal(rx_caps("sshd[(\\d+)]:", s, caps, sizeof(caps)), (long)n);
	assert_string_equal(caps, "42");
	assert_false(rx_test("sshd[(\\d+)]:x", s));
	assert_true(rx_test("\\w+\\p", s));
	free(s);
}

/* ---- reentrancy ---- */

struct thr_arg {
	int bad;
};

static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < NCASES; i++)
			a->bad += run_case(&rx_cases[i], false);
	}
	return NULL;
}

/* One compiled pattern used from several threads at once. */
static void test_threads(void **state)
{
	(void)state;
	yg_osregex *re = rx("^(\\S+) (\\S+) \\S+ (\\d+)");
	pthread_t t[4];
	struct thr_arg args[4] = {{0}};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thr_main, &args[i]), 0);
	for (int k = 0; k < 2000; k++) {
		yg_span caps[3];
		int n;
		assert_true(yg_osregex_exec(re, "alpha beta gamma 42 rest", caps, 3, &n, NULL));
		assert_int_equal(n, 3);
		assert_int_equal(caps[2].len, 2);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
	yg_osregex_destroy(re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_recorded_cases),   cmocka_unit_test(test_classes),
	        cmocka_unit_test(test_case_insensitive), cmocka_unit_test(test_high_bytes),
	        cmocka_unit_test(test_anchors),          cmocka_unit_test(test_alternatives),
	        cmocka_unit_test(test_repetition),       cmocka_unit_test(test_capture_mode),
	        cmocka_unit_test(test_inverted_capture), cmocka_unit_test(test_match_end),
	        cmocka_unit_test(test_maxcaps),          cmocka_unit_test(test_compile_errors),
	        cmocka_unit_test(test_null_args),        cmocka_unit_test(test_pathological),
	        cmocka_unit_test(test_long_subject),     cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
