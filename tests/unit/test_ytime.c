/* test_ytime.c: the shared timestamps (src/common/ytime.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ytime.h"

static void parse_alert_forms(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_true(yg_time_parse_alert("1970-01-01T00:00:00Z", &ms));
	assert_true(ms == 0);
	assert_true(yg_time_parse_alert("2024-05-01T12:00:00.000+0200", &ms));
	assert_true(ms == 1714557600000LL);
	assert_true(yg_time_parse_alert("2024-05-01T12:00:00.5+02:00", &ms));
	assert_true(ms == 1714557600500LL);
	assert_true(yg_time_parse_alert("2024-05-01 10:00:00.123456", &ms));
	assert_true(ms == 1714557600123LL);
	assert_true(yg_time_parse_alert("2024-05-01T08:30:00-01:30", &ms));
	assert_true(ms == 1714557600000LL);
	/* what follows the zone is not read */
	assert_true(yg_time_parse_alert("2024-05-01T10:00:00Z trailing", &ms));
}

static void parse_alert_refuses(void **state)
{
	(void)state;
	int64_t ms = 42;
	const char *bad[] = {
	        "",
	        "2024-05-01",
	        "2024-05-01T10:00",
	        "2024/05/01T10:00:00",
	        "1969-12-31T23:59:59Z",
	        "2024-13-01T10:00:00",
	        "2024-05-32T10:00:00",
	        "2024-05-01T24:00:00",
	        "2024-05-01T10:60:00",
	        "2024-05-01T10:00:61",
	        "2024-05-01T10:00:00+2",
	        "2024-05-01T10:00:00+24:00",
	        "2024-05-01T10:00:00+01:60",
	        "2024-05-01x10:00:00",
	        "2024-0a-01T10:00:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(yg_time_parse_alert(bad[i], &ms));
	assert_true(ms == 42);
}

/* What the engine writes, the consumers read back. */
static void format_round_trip(void **state)
{
	(void)state;
	setenv("TZ", "JST-9", 1); /* POSIX form: no tzdata needed */
	tzset();
	char buf[64];
	yg_time_format_alert(1714557600, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T19:00:00.000+0900");
	int64_t ms;
	assert_true(yg_time_parse_alert(buf, &ms));
	assert_true(ms == 1714557600000LL);
	yg_time_format_utc(1714557600, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
	yg_time_format_utc(0, buf, 4); /* too small */
	assert_string_equal(buf, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_alert_forms),
	        cmocka_unit_test(parse_alert_refuses),
	        cmocka_unit_test(format_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
