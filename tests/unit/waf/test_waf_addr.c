/* test_waf_addr.c: strict address/CIDR parsing, containment, allow-lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "waf/addr.h"

/* Parses s with the defaults and returns its canonical text ("" if refused). */
static const char *canon(const char *s)
{
	static char out[YG_WAF_ADDR_TEXT_MAX];
	yg_waf_addr a;
	if (yg_waf_addr_parse(s, &a) != YG_OK)
		return "";
	yg_waf_addr_format(&a, out);
	return out;
}

static void test_valid(void **state)
{
	(void)state;
	assert_string_equal(canon("127.0.0.2"), "127.0.0.2");
	assert_string_equal(canon("0.0.0.0"), "0.0.0.0");
	assert_string_equal(canon("255.255.255.255"), "255.255.255.255");
	assert_string_equal(canon("10.0.0.0/8"), "10.0.0.0/8");
	assert_string_equal(canon("192.168.1.0/24"), "192.168.1.0/24");
	assert_string_equal(canon("1.2.3.4/32"), "1.2.3.4");
	assert_string_equal(canon("2001:DB8::1"), "2001:db8::1");
	assert_string_equal(canon("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
	assert_string_equal(canon("2001:db8::/32"), "2001:db8::/32");
	assert_string_equal(canon("::1"), "::1");
	assert_string_equal(canon("::1/128"), "::1");
	assert_string_equal(canon("::ffff:1.2.3.4"), "1.2.3.4");
	assert_string_equal(canon("::ffff:10.0.0.0/104"), "10.0.0.0/8");
	assert_string_equal(canon("1.2.3.0/24"), "1.2.3.0/24");
}

static void test_refused(void **state)
{
	static const char *bad[] = {
	        "",
	        " ",
	        "1.2.3.4 ",
	        " 1.2.3.4",
	        "1.2.3.4\n",
	        "1.2.3.4;",
	        "1.2.3.4; touch /tmp/x",
	        "$(id)",
	        "`id`",
	        "../../etc/passwd",
	        "1.2.3",
	        "1.2.3.4.5",
	        "256.1.1.1",
	        "01.2.3.4",
	        "1.02.3.4",
	        "1.2.3.04",
	        "1.2.3.00",
	        "::ffff:01.2.3.4",
	        "0x7f.0.0.1",
	        "1.2.3.4/",
	        "1.2.3.4/33",
	        "1.2.3.4/-1",
	        "1.2.3.4/+8",
	        "1.2.3.0/024",
	        "1.2.3.4/24",
	        /* host bits */ "0.0.0.0/0",
	        "::/0",
	        "2.0.0.0/7",
	        "128.0.0.0/1",
	        "2001:db8::/31",
	        "::ffff:0.0.0.0/96",
	        "fe80::1%lo",
	        "fe80::1%25eth0",
	        "1.2.3.4/8/8",
	        "::g",
	        ":::",
	        "1::2::3",
	        "localhost",
	        "1.2.3.4:80",
	        "[::1]",
	        "2001:db8::1/129",
	        "1.2.3.4/ 8",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		yg_waf_addr a;
		if (yg_waf_addr_parse(bad[i], &a) == YG_OK)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(yg_waf_addr_parse(NULL, NULL), YG_EINVAL);
}

static void test_long_and_nul(void **state)
{
	char big[10240];
	yg_waf_addr a;
	(void)state;
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(yg_waf_addr_parse(big, &a), YG_EINVAL);
	/* 65 bytes: a valid address padded with leading hex zeros is too long */
	assert_int_equal(yg_waf_addr_parse_ex("1.2.3.4\0junk", 12, 8, 32, &a), YG_EINVAL);
	assert_int_equal(yg_waf_addr_parse_ex("1.2.3.4junk", 7, 8, 32, &a), YG_OK);
	assert_string_equal(canon("0000:0000:0000:0000:0000:0000:0000:0001/128"), "::1");
	assert_string_equal(
	        canon("0000:0000:0000:0000:0000:0000:0000:0001/128aaaaaaaaaaaaaaaaaaaaaaa"), "");
}

static void test_min_prefix(void **state)
{
	yg_waf_addr a;
	(void)state;
	assert_int_equal(yg_waf_addr_parse_ex("2.0.0.0/7", 9, 1, 1, &a), YG_OK);
	assert_int_equal(a.prefix, 7);
	assert_int_equal(yg_waf_addr_parse_ex("0.0.0.0/0", 9, 0, 0, &a), YG_EINVAL);
	assert_int_equal(yg_waf_addr_parse_ex("::/0", 4, 0, 0, &a), YG_EINVAL);
	assert_int_equal(yg_waf_addr_parse_ex("10.0.0.0/16", 11, 24, 32, &a), YG_EINVAL);
}

static yg_waf_addr A(const char *s)
{
	yg_waf_addr a;
	assert_int_equal(yg_waf_addr_parse_ex(s, strlen(s), 1, 1, &a), YG_OK);
	return a;
}

static void test_contains(void **state)
{
	(void)state;
	yg_waf_addr n8 = A("10.0.0.0/8"), h = A("10.2.3.4"), o = A("11.0.0.1");
	assert_true(yg_waf_addr_contains(&n8, &h));
	assert_false(yg_waf_addr_contains(&n8, &o));
	assert_false(yg_waf_addr_contains(&h, &n8));
	assert_true(yg_waf_addr_overlaps(&h, &n8));
	yg_waf_addr n6 = A("2001:db8::/32"), h6 = A("2001:db8:1::5"), o6 = A("2001:db9::1");
	assert_true(yg_waf_addr_contains(&n6, &h6));
	assert_false(yg_waf_addr_contains(&n6, &o6));
	assert_false(yg_waf_addr_contains(&n6, &h));
	/* a v6 network covering the v4-mapped range contains v4 addresses */
	yg_waf_addr z64 = A("::/64");
	assert_true(yg_waf_addr_contains(&z64, &h));
	assert_false(yg_waf_addr_contains(&h, &z64));
	yg_waf_addr odd = A("10.128.0.0/9"), in = A("10.200.0.1"), out = A("10.127.0.1");
	assert_true(yg_waf_addr_contains(&odd, &in));
	assert_false(yg_waf_addr_contains(&odd, &out));
}

static void test_allow(void **state)
{
	yg_waf_allow *l = yg_waf_allow_create(), *m = yg_waf_allow_create();
	yg_waf_addr a;
	(void)state;
	assert_int_equal(yg_waf_allow_add(l, "127.0.0.3"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l, "10.0.0.0/8"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l, "192.168.0.0/255.255.0.0"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l, "2001:db8::/48"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l, "1.0.0.0/255.0.255.0"), YG_EINVAL);
	assert_int_equal(yg_waf_allow_add(l, "0.0.0.0/0"), YG_EINVAL);
	assert_int_equal(yg_waf_allow_add(l, "bad"), YG_EINVAL);
	assert_int_equal(yg_waf_allow_count(l), 4);
	assert_int_equal(yg_waf_addr_parse("127.0.0.3", &a), YG_OK);
	assert_true(yg_waf_allowed(l, &a));
	assert_int_equal(yg_waf_addr_parse("::ffff:127.0.0.3", &a), YG_OK);
	assert_true(yg_waf_allowed(l, &a));
	assert_int_equal(yg_waf_addr_parse("127.0.0.2", &a), YG_OK);
	assert_false(yg_waf_allowed(l, &a));
	assert_int_equal(yg_waf_addr_parse("127.0.0.0/24", &a), YG_OK);
	assert_true(yg_waf_allowed(l, &a)); /* would ban 127.0.0.3 */
	assert_int_equal(yg_waf_addr_parse("192.168.4.5", &a), YG_OK);
	assert_true(yg_waf_allowed(l, &a));
	assert_int_equal(yg_waf_addr_parse("2001:db8:0:1::1", &a), YG_OK);
	assert_true(yg_waf_allowed(l, &a));
	assert_int_equal(yg_waf_addr_parse("2001:db8:1::1", &a), YG_OK);
	assert_false(yg_waf_allowed(l, &a));
	assert_false(yg_waf_allowed(NULL, &a));
	assert_int_equal(yg_waf_allow_merge(m, l), YG_OK);
	assert_int_equal(yg_waf_allow_count(m), 4);
	yg_waf_allow_destroy(l);
	yg_waf_allow_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid),        cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_long_and_nul), cmocka_unit_test(test_min_prefix),
	        cmocka_unit_test(test_contains),     cmocka_unit_test(test_allow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
