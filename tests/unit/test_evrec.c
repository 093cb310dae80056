/* test_evrec.c: the event record codec: round trips and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/evrec.h"

static void test_roundtrip_log(void **state)
{
	(void)state;
	yg_input in = {.log = "Nov 28 06:00:00 web sshd[1]: Failed password for root",
	               .location = "/var/log/auth.log",
	               .now = 1764309600};
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_evrec_encode(&in, &b), YG_OK);
	yg_evrec r;
	yg_evrec_init(&r);
	yg_input out;
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_OK);
	assert_string_equal(out.log, in.log);
	assert_string_equal(out.location, in.location);
	assert_int_equal(out.now, in.now);
	assert_false(out.no_predecode);
	assert_null(out.decoded_as);
	assert_int_equal(out.nfields, 0);
	assert_null(out.agent_id);
	yg_evrec_free(&r);
	yg_buf_free(&b);
}

static void test_roundtrip_fim(void **state)
{
	(void)state;
	yg_kv kv[] = {{"file", "/var/www/html/index.php"}, {"md5", "abc"}, {"diff", ""}};
	yg_input in = {.log = "File '/var/www/html/index.php' modified\nMode: realtime\n",
	               .location = "syscheck",
	               .no_predecode = true,
	               .now = -5,
	               .decoded_as = "syscheck_integrity_changed",
	               .fields = kv,
	               .nfields = 3};
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_evrec_encode(&in, &b), YG_OK);
	yg_evrec r;
	yg_evrec_init(&r);
	yg_input out;
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_OK);
	assert_true(out.no_predecode);
	assert_int_equal(out.now, -5);
	assert_string_equal(out.decoded_as, "syscheck_integrity_changed");
	assert_int_equal(out.nfields, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(out.fields[i].key, kv[i].key);
		assert_string_equal(out.fields[i].value, kv[i].value);
	}
	assert_string_equal(out.log, in.log);
	/* every proper prefix, and any trailing byte, is refused */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(yg_evrec_decode(&r, b.data, n, &out), YG_EPARSE);
	assert_int_equal(yg_buf_putc(&b, 'x'), YG_OK);
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_EPARSE);
	yg_evrec_free(&r);
	yg_buf_free(&b);
}

static void test_labels(void **state)
{
	(void)state;
	yg_input in = {.log = "x", .location = "l", .now = 7};
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	/* without labels the record is what it was before labels existed */
	assert_int_equal(yg_evrec_encode(&in, &b), YG_OK);
	assert_int_equal(b.len, 10 + 5 + 5 + 4 + 2);
	assert_int_equal(((unsigned char *)b.data)[1], 0);
	const yg_label l[] = {{"aws.instance-id", "i-1", false}, {"installation", "", true}};
	in.labels = l;
	in.nlabels = 2;
	yg_buf_reset(&b);
	assert_int_equal(yg_evrec_encode(&in, &b), YG_OK);
	yg_evrec r;
	yg_evrec_init(&r);
	yg_input out;
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_OK);
	assert_int_equal(out.nlabels, 2);
	assert_string_equal(out.labels[0].key, "aws.instance-id");
	assert_string_equal(out.labels[0].value, "i-1");
	assert_false(out.labels[0].hidden);
	assert_string_equal(out.labels[1].key, "installation");
	assert_string_equal(out.labels[1].value, "");
	assert_true(out.labels[1].hidden);
	assert_string_equal(out.log, "x");
	/* every proper prefix is refused */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(yg_evrec_decode(&r, b.data, n, &out), YG_EPARSE);
	/* a label flag byte other than 0/1 */
	unsigned char *p = (unsigned char *)b.data;
	size_t first_label = 10 + 5 + 5 + 4 + 2 + 2;
	p[first_label] = 2;
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_EPARSE);
	p[first_label] = 0;
	/* the labels flag with a count of 0, or over 64 */
	unsigned char zero[] = {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(yg_evrec_decode(&r, zero, sizeof(zero), &out), YG_EPARSE);
	zero[sizeof(zero) - 1] = 65;
	assert_int_equal(yg_evrec_decode(&r, zero, sizeof(zero), &out), YG_EPARSE);
	/* an empty key */
	const yg_label empty[] = {{"", "v", false}};
	in.labels = empty;
	in.nlabels = 1;
	yg_buf_reset(&b);
	assert_int_equal(yg_evrec_encode(&in, &b), YG_OK);
	assert_int_equal(yg_evrec_decode(&r, b.data, b.len, &out), YG_EPARSE);
	/* too many to encode */
	in.nlabels = YG_EVREC_MAX_LABELS + 1;
	assert_int_equal(yg_evrec_encode(&in, &b), YG_EINVAL);
	yg_evrec_free(&r);
	yg_buf_free(&b);
}

static void test_malformed(void **state)
{
	(void)state;
	yg_evrec r;
	yg_evrec_init(&r);
	yg_input out;
	/* version 2 */
	unsigned char v2[32] = {2};
	assert_int_equal(yg_evrec_decode(&r, v2, sizeof(v2), &out), YG_EPARSE);
	/* a NUL inside the log */
	unsigned char nul[] = {1,   0, 0, 0, 0, 0,   0, 0,   0, 0, 0, 0, 0, 1,
	                       'l', 0, 0, 0, 3, 'a', 0, 'b', 0, 0, 0, 0, 0, 0};
	assert_int_equal(yg_evrec_decode(&r, nul, sizeof(nul), &out), YG_EPARSE);
	/* a length far past the end */
	unsigned char big[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 'x'};
	assert_int_equal(yg_evrec_decode(&r, big, sizeof(big), &out), YG_EPARSE);
	/* too many fields */
	unsigned char many[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    0,
	                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0};
	assert_int_equal(yg_evrec_decode(&r, many, sizeof(many), &out), YG_EPARSE);
	yg_evrec_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_log),
	        cmocka_unit_test(test_roundtrip_fim),
	        cmocka_unit_test(test_labels),
	        cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
