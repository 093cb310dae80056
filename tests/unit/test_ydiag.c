/* test_ydiag.c: diagnostics with file and line (src/common/ydiag.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/ydiag.h"

static void counts_by_severity(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	assert_non_null(d);
	yg_diag_add(d, YG_SEV_WARNING, "a.xml", 3, "rule", "unused %s", "x");
	yg_diag_add(d, YG_SEV_ERROR, "b.xml", 7, "regex", "bad pattern");
	yg_diag_add(d, YG_SEV_ERROR, NULL, 0, NULL, "no file");
	assert_int_equal(yg_diag_count(d), 3);
	assert_int_equal(yg_diag_errors(d), 2);
	assert_int_equal(yg_diag_warnings(d), 1);
	const yg_diag_entry *e = yg_diag_get(d, 1);
	assert_non_null(e);
	assert_int_equal(e->severity, YG_SEV_ERROR);
	assert_string_equal(e->file, "b.xml");
	assert_int_equal(e->line, 7);
	assert_string_equal(e->element, "regex");
	assert_string_equal(e->message, "bad pattern");
	assert_null(yg_diag_get(d, 3));
	yg_diag_destroy(d);
	yg_diag_destroy(NULL);
}

/* Every entry prints as "file:line: severity: <element>: message"; without
 * a line number as "file: severity: message". */
static void prints_file_and_line(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_diag_add(d, YG_SEV_ERROR, "local_rules.xml", 12, "if_sid", "unknown rule %d", 99);
	yg_diag_add(d, YG_SEV_WARNING, "x.conf", 0, NULL, "plain");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	yg_diag_print(d, f);
	fclose(f);
	assert_non_null(strstr(text, "local_rules.xml:12: error: <if_sid>: unknown rule 99"));
	assert_non_null(strstr(text, "x.conf: warning: plain\n"));
	assert_non_null(strstr(text, "warning"));
	assert_non_null(strstr(text, "plain"));
	free(text);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(counts_by_severity),
	        cmocka_unit_test(prints_file_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
