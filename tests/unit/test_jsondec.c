/* test_jsondec.c: Wazuh's JSON_Decoder flattening.
 *
 * The expected fields of each document below are what Wazuh 4.14.7's
 * readJSON gives over cJSON 1.7.18 (checked by running that code on the
 * same input), written as "key=value" each followed by \x1e; NULL means
 * cJSON does not parse the document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/ybuf.h"
#include "engine/jsondec.h"

enum { DEF, CSV, DISCARD };

typedef struct jd_case {
	int opts;
	const char *in;
	const char *want;
} jd_case;

static const jd_case cases[] = {
        {DEF, "{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":{\"g\":\"h\"}}}",
         "a=b\x1e"
         "c.d=e\x1e"
         "c.f.g=h\x1e"},
        {DEF,
         "{\"int\":42,\"neg\":-7,\"zero\":0,\"negzero\":-0.0,\"float\":1.5,\"small\":0.1,\"tiny\":"
         "1e-7,\"exp\":1e2,\"big\":2147483647,\"bigger\":2147483648,\"min\":-2147483648,\"less\":-"
         "2147483649,\"huge\":1e300,\"inf\":1e400}",
         "int=42\x1eneg=-7\x1ezero=0\x1enegzero=0\x1e"
         "float=1.500000\x1esmall=0.100000\x1etiny=0.000000\x1e"
         "exp=100\x1e"
         "big=2147483647\x1e"
         "bigger=2147483648.000000\x1emin=-2147483648\x1eless=-2147483649.000000\x1ehuge="
         "100000000000000005250476025520442024870446858110815915491585411\x1einf=inf\x1e"},
        {DEF, "{\"t\":true,\"f\":false,\"n\":null}",
         "t=true\x1e"
         "f=false\x1en=null\x1e"},
        {DISCARD, "{\"t\":true,\"f\":false,\"n\":null}",
         "t=true\x1e"
         "f=false\x1e"},
        {DEF,
         "{\"arr\":[\"a\",\"b\"],\"nums\":[1,2.5,-3],\"mixed\":[1,\"x\",true,false,null],\"empty\":"
         "[]}",
         "arr=[\"a\", \"b\"]\x1enums=[1, 2.5, -3]\x1emixed=[1, \"x\", true, false, null]\x1e"
         "empty=[]\x1e"},
        {CSV,
         "{\"arr\":[\"a\",\"b\"],\"nums\":[1,2.5,-3],\"mixed\":[1,\"x\",true,false,null],\"empty\":"
         "[]}",
         "arr=a,b\x1enums=1,2.500000,-3\x1emixed=1,x,true,false,null\x1e"},
        {DEF, "{\"objs\":[{\"a\":1,\"b\":[2,3]},{}],\"nested\":[[1,[2]],[]]}",
         "objs=[{\n\t\t\"a\":\t1,\n\t\t\"b\":\t[2, 3]\n\t}, {\n\t}]\x1enested=[[1, [2]], []]\x1e"},
        {CSV,
         "{\"objs\":[{\"a\":1},\"x\"],\"tail\":[\"x\",{\"a\":1}],\"head\":[{\"a\":1},\"x\"],"
         "\"blanks\":[\"\",\"\"],\"blank\":[\"\"]}",
         "objs=x\x1etail=x,\x1ehead=x\x1e"
         "blanks=,\x1e"},
        {DEF, "{\"e\":{},\"a\":{\"b\":{}}}", ""},
        {DEF, "{\"\":\"root-empty\",\"\":{\"\":1},\"k\":{\"\":2}}",
         "=root-empty\x1e.=1\x1ek.=2\x1e"},
        {DEF, "{\"a\":1,\"a\":2}",
         "a=1\x1e"
         "a=2\x1e"},
        {DEF,
         "{\"dotted.key\":1,\"sp "
         "ace\":2,\"uni\\u00e9\":\"\\u00e9\\u4e2d\\ud83d\\ude00\",\"esc\":\"a\\\"b\\\\c\\/"
         "d\\b\\f\\n\\r\\t\"}",
         "dotted.key=1\x1esp ace=2\x1euni\xc3\xa9=\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\x1e"
         "esc=a\"b\\c/d\x08\x0c\n\r\t\x1e"},
        {DEF,
         "{\"arr\":[\"q\\\"uote\",\"back\\\\slash\",\"\\u0001ctl\",\"tab\\t\",\"nl\\n\","
         "\"\\u00e9\",1e400,0.1,1e21,123456789.123]}",
         "arr=[\"q\\\"uote\", \"back\\\\slash\", \"\\u0001ctl\", \"tab\\t\", \"nl\\n\", "
         "\"\xc3\xa9\", null, 0.1, 1e+21, 123456789.123]\x1e"},
        {DEF, "{\"a\":\"x\\u0000y\",\"b\\u0000c\":{\"d\":1}}",
         "a=x\x1e"
         "b.d=1\x1e"},
        {DEF, "{\"a\":\"\\uZZZZ\"}", "a=\x1e"},
        {DEF, "{\"a\":1} trailing garbage", "a=1\x1e"},
        {DEF, "{\"a\":1}{\"b\":2}", "a=1\x1e"},
        {DEF, "  \r\n\t{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }  ",
         "a=1\x1e"
         "b=[1, 2]\x1e"},
        {DEF, "\xef\xbb\xbf{\"bom\":1}", "bom=1\x1e"},
        {DEF, "{\"a\":01,\"b\":1.,\"c\":-.5,\"d\":1E+2}",
         "a=1\x1e"
         "b=1\x1e"
         "c=-0.500000\x1e"
         "d=100\x1e"},
        {DEF, "[{\"a\":1}]", ""},
        {DEF, "\"just a string\"", ""},
        {DEF, "123", ""},
        {DEF, "null", ""},
        {DEF, "", NULL},
        {DEF, "   ", NULL},
        {DEF, "{", NULL},
        {DEF, "{\"a\":1,}", NULL},
        {DEF, "{\"a\":1 \"b\":2}", NULL},
        {DEF, "{\"a\"}", NULL},
        {DEF, "{a:1}", NULL},
        {DEF, "{'a':1}", NULL},
        {DEF, "{\"a\":+1}", NULL},
        {DEF, "{\"a\":1e}", NULL},
        {DEF, "{\"a\":1-2}", NULL},
        {DEF, "{\"a\":\"\\x\"}", NULL},
        {DEF, "{\"a\":\"\\ud800\"}", NULL},
        {DEF, "{\"a\":\"\\udc00\"}", NULL},
        {DEF, "{\"a\":\"\\u12\"}", NULL},
        {DEF, "{\"a\":\"unterminated}", NULL},
        {DEF, "{\"a\":nul}", NULL},
        {DEF, "{\"a\":[1,]}", NULL},
        {DEF, "{\"a\":[1 2]}", NULL},
        {DEF, "{\"a\":-}", NULL},
        {DEF, "{\"a\":NaN}", NULL},
        {DEF, "{\"a\":9999999999999999999999999999999999999999999999999999999999999999}", NULL},
        {DEF, "\xef\xbb\xbf", NULL},
};

static int collect(void *ctx, const char *key, const char *value)
{
	yg_buf *b = ctx;
	assert_int_equal(yg_buf_puts(b, key), YG_OK);
	assert_int_equal(yg_buf_putc(b, '='), YG_OK);
	assert_int_equal(yg_buf_puts(b, value), YG_OK);
	assert_int_equal(yg_buf_putc(b, '\x1e'), YG_OK);
	return 0;
}

static yg_json_opts opts_for(int which)
{
	yg_json_opts o = {.null_mode = YG_JSON_NULL_STRING, .array_structure = true};
	if (which == CSV)
		o.array_structure = false;
	if (which == DISCARD)
		o.null_mode = YG_JSON_NULL_DISCARD;
	return o;
}

/* Decodes `in`; returns the fields as one string (caller frees) or NULL
 * when it does not parse. */
static char *decode(const char *in, const yg_json_opts *o)
{
	yg_buf b;
	yg_buf_init(&b, (size_t)1 << 24);
	yg_err err = yg_json_decode(in, o, collect, &b);
	if (err == YG_EPARSE) {
		assert_int_equal(b.len, 0);
		yg_buf_free(&b);
		return NULL;
	}
	assert_int_equal(err, YG_OK);
	char *s = yg_buf_steal(&b);
	return s ? s : strdup("");
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yg_json_opts o = opts_for(cases[i].opts);
		char *got = decode(cases[i].in, &o);
		if (!cases[i].want && got)
			fail_msg("case %zu '%s': want a parse failure, got '%s'", i, cases[i].in,
			         got);
		if (cases[i].want && !got)
			fail_msg("case %zu '%s': want '%s', got a parse failure", i, cases[i].in,
			         cases[i].want);
		if (got && strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu '%s':\nwant '%s'\n got '%s'", i, cases[i].in,
			         cases[i].want, got);
		free(got);
	}
}

/* NULL options are Wazuh's defaults; "empty" is treated as the default. */
static void test_defaults(void **state)
{
	(void)state;
	const char *in = "{\"n\":null,\"a\":[1,\"x\"]}";
	char *got = decode(in, NULL);
	assert_string_equal(got, "n=null\x1e"
	                         "a=[1, \"x\"]\x1e");
	free(got);
	yg_json_opts o = {.null_mode = YG_JSON_NULL_EMPTY, .array_structure = true};
	got = decode(in, &o);
	assert_string_equal(got, "n=null\x1e"
	                         "a=[1, \"x\"]\x1e");
	free(got);
}

/* Builds {"a": <depth nested arrays or objects> }. */
static char *nested(size_t depth, bool objects)
{
	size_t n = 16 + depth * 8;
	char *s = malloc(n), *p = s;
	assert_non_null(s);
	p += snprintf(p, n, "{\"a\":");
	for (size_t i = 0; i < depth; i++)
		p += snprintf(p, n - (size_t)(p - s), "%s", objects ? "{\"b\":" : "[");
	p += snprintf(p, n - (size_t)(p - s), "%s", objects ? "1" : "");
	for (size_t i = 0; i < depth; i++)
		*p++ = objects ? '}' : ']';
	*p++ = '}';
	*p = '\0';
	return s;
}

/* cJSON takes at most 1000 containers open at once, the root included. */
static void test_nesting_limit(void **state)
{
	(void)state;
	yg_json_opts o = opts_for(DEF);
	char *s = nested(999, true);
	char *got = decode(s, &o);
	assert_non_null(got);
	assert_int_equal(strncmp(got, "a.b.b.b", 7), 0);
	assert_string_equal(got + strlen(got) - 5, ".b=1\x1e");
	free(got);
	free(s);
	s = nested(1000, true);
	assert_null(decode(s, &o));
	free(s);
	s = nested(999, false);
	got = decode(s, &o);
	assert_non_null(got);
	free(got);
	free(s);
	s = nested(1000, false);
	assert_null(decode(s, &o));
	free(s);
	/* far deeper input is rejected without recursion */
	s = nested(200000, false);
	assert_null(decode(s, &o));
	free(s);
}

/* Wazuh's CSV value must stay below 65536 bytes, separators included;
 * past that it is emptied and no field is made. */
static void test_csv_limit(void **state)
{
	(void)state;
	yg_json_opts o = opts_for(CSV);
	size_t n = 70000;
	char *s = malloc(n);
	assert_non_null(s);
	for (size_t fill = 65533; fill <= 65536; fill++) {
		/* ["<fill x>"]: a single element, no comma */
		int k = snprintf(s, n, "{\"a\":[\"%0*d\"],\"b\":1}", (int)fill, 0);
		assert_true(k > 0 && (size_t)k < n);
		char *got = decode(s, &o);
		if (fill <= 65534) {
			assert_int_equal(strlen(got), 2 + fill + 1 + 4);
		} else {
			/* 65535 + the check for a comma reaches the limit */
			assert_string_equal(got, "b=1\x1e");
		}
		free(got);
	}
	free(s);
}

static int stop_after_two(void *ctx, const char *key, const char *value)
{
	int *n = ctx;
	(void)key;
	(void)value;
	return ++*n == 2;
}

static void test_stop(void **state)
{
	(void)state;
	int n = 0;
	assert_int_equal(yg_json_decode("{\"a\":1,\"b\":2,\"c\":3}", NULL, stop_after_two, &n),
	                 YG_OK);
	assert_int_equal(n, 2);
	/* a document that fails late gives no field at all */
	n = 0;
	assert_int_equal(yg_json_decode("{\"a\":1,\"b\":2,\"c\":}", NULL, stop_after_two, &n),
	                 YG_EPARSE);
	assert_int_equal(n, 0);
}

/* Long keys and values go past the inline buffers. */
static void test_long(void **state)
{
	(void)state;
	size_t n = 20000;
	char *s = malloc(n);
	assert_non_null(s);
	int k = snprintf(s, n, "{\"%03000d\":{\"%03000d\":[\"%05000d\",{\"x\":\"%04000d\"}]}}", 1,
	                 2, 3, 4);
	assert_true(k > 0 && (size_t)k < n);
	char *got = decode(s, NULL);
	assert_non_null(got);
	/* as Wazuh gives it: key "<3000>.<3000>", the array printed whole */
	assert_int_equal(strlen(got), 15023);
	assert_string_equal(got + strlen(got) - 7, "4\"\n\t}]\x1e");
	free(got);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),         cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_nesting_limit), cmocka_unit_test(test_csv_limit),
	        cmocka_unit_test(test_stop),          cmocka_unit_test(test_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
