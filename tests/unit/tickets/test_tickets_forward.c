/* test_tickets_forward.c: the Catalyst and TheHive requests, checked by
 * parsing the bodies back with json-c. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tickets/tickets.h"

static const char conf[] =
        "<tickets>"
        "<forward type=\"catalyst\" url=\"http://127.0.0.1:8090/\" token=\"cat-token\"/>"
        "<forward type=\"thehive\" url=\"https://hive.example:9000\" token=\"hive.key\"/>"
        "</tickets>";

static const char alert_json[] =
        "{\"timestamp\":\"2023-11-14T22:13:20.000+0000\",\"rule\":{\"level\":12,"
        "\"description\":\"File \\\"/var/www/html/x.php\\\" is a positive match. Yara rule: "
        "webshell\",\"id\":\"108001\",\"groups\":[\"yara\",\"malware\",\"incident\"]},"
        "\"agent\":{\"id\":\"001\",\"name\":\"web\"},\"id\":\"1700000000.42\","
        "\"full_log\":\"wazuh-yara: INFO - Scan result: webshell /var/www/html/x.php\"}";

typedef struct fx {
	char dir[64], db[128];
	yg_tickets_config *cfg;
	yg_tickets *t;
	int64_t id;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg-tkfwd-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	yg_wxml_doc *doc;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(conf, strlen(conf), "c", YG_WXML_NO_VARS, NULL, &doc),
	        YG_OK);
	f->cfg = yg_tickets_config_create();
	assert_int_equal(yg_tickets_config_add_tickets(f->cfg, yg_wxml_doc_root(doc, 0), "c", NULL),
	                 YG_OK);
	yg_wxml_doc_destroy(doc);
	assert_int_equal(yg_tickets_create(f->db, f->cfg, NULL, &f->t), YG_OK);
	yg_tickets_outcome oc;
	assert_int_equal(yg_tickets_offer(f->t, alert_json, strlen(alert_json), &oc, &f->id),
	                 YG_OK);
	assert_int_equal(oc, YG_TICKETS_OPENED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[160];
	yg_tickets_destroy(f->t);
	yg_tickets_config_destroy(f->cfg);
	static const char *const sfx[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->db, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const char *str_of(json_object *o, const char *k)
{
	json_object *v;
	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static void test_catalyst(void **state)
{
	fx *f = *state;
	yg_tickets_request r;
	assert_int_equal(yg_tickets_nforwarders(f->t), 2);
	assert_string_equal(yg_tickets_forwarder_type(f->t, 0), "catalyst");
	assert_int_equal(yg_tickets_forward_request(f->t, f->id, 0, &r), YG_OK);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.url, "http://127.0.0.1:8090/api/tickets");
	assert_int_equal(r.nheaders, 3);
	assert_string_equal(r.headers[0], "Authorization: Bearer cat-token");
	assert_string_equal(r.headers[1], "Content-Type: application/json");
	json_object *b = json_tokener_parse(r.body);
	assert_non_null(b);
	assert_string_equal(str_of(b, "type"), "incident");
	assert_string_equal(
	        str_of(b, "name"),
	        "File \"/var/www/html/x.php\" is a positive match. Yara rule: webshell");
	assert_non_null(strstr(str_of(b, "description"), "Scan result: webshell"));
	json_object *v;
	assert_true(json_object_object_get_ex(b, "open", &v));
	assert_true(json_object_get_boolean(v));
	assert_string_equal(str_of(b, "owner"), "");
	assert_string_equal(str_of(b, "resolution"), "");
	assert_true(json_object_object_get_ex(b, "schema", &v));
	assert_true(json_object_is_type(v, json_type_object));
	assert_true(json_object_object_get_ex(b, "state", &v));
	assert_string_equal(str_of(v, "severity"), "High");
	json_object_put(b);
	yg_tickets_request_free(&r);
}

static void test_thehive(void **state)
{
	fx *f = *state;
	yg_tickets_request r;
	assert_string_equal(yg_tickets_forwarder_type(f->t, 1), "thehive");
	assert_int_equal(yg_tickets_forward_request(f->t, f->id, 1, &r), YG_OK);
	assert_string_equal(r.url, "https://hive.example:9000/api/v1/alert");
	assert_string_equal(r.headers[0], "Authorization: Bearer hive.key");
	json_object *b = json_tokener_parse(r.body), *v;
	assert_non_null(b);
	assert_string_equal(str_of(b, "type"), "yagura");
	assert_string_equal(str_of(b, "source"), "yagura");
	assert_string_equal(str_of(b, "sourceRef"), "1700000000.42");
	assert_non_null(strstr(str_of(b, "title"), "positive match"));
	assert_true(json_object_object_get_ex(b, "severity", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(b, "date", &v));
	assert_int_equal(json_object_get_int64(v), 1700000000000LL);
	assert_true(json_object_object_get_ex(b, "tags", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 2)), "rule:108001");
	json_object_put(b);
	yg_tickets_request_free(&r);
}

static void test_errors_and_json(void **state)
{
	fx *f = *state;
	yg_tickets_request r;
	assert_int_equal(yg_tickets_forward_request(f->t, f->id, 2, &r), YG_EINVAL);
	assert_null(yg_tickets_forwarder_type(f->t, 2));
	assert_int_equal(yg_tickets_forward_request(f->t, 999, 0, &r), YG_ENOTFOUND);
	/* a closed ticket is sent closed, with its resolution */
	yg_tickets_change u = {.status = "closed", .resolution = "cleaned \"x.php\""};
	assert_int_equal(yg_tickets_update(f->t, f->id, &u, NULL, NULL, 0), YG_OK);
	assert_int_equal(yg_tickets_forward_request(f->t, f->id, 0, &r), YG_OK);
	json_object *b = json_tokener_parse(r.body), *v;
	assert_true(json_object_object_get_ex(b, "open", &v));
	assert_false(json_object_get_boolean(v));
	assert_string_equal(str_of(b, "resolution"), "cleaned \"x.php\"");
	json_object_put(b);
	yg_tickets_request_free(&r);
	/* the REST layer's JSON */
	yg_ticket *tk;
	assert_int_equal(yg_tickets_get(f->t, f->id, &tk), YG_OK);
	yg_buf out;
	yg_buf_init(&out, 1 << 20);
	assert_int_equal(yg_ticket_to_json(tk, &out), YG_OK);
	b = json_tokener_parse(out.data);
	assert_non_null(b);
	assert_string_equal(str_of(b, "severity_name"), "High");
	assert_string_equal(str_of(b, "status"), "closed");
	assert_true(json_object_object_get_ex(b, "alert_count", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(b);
	yg_buf_free(&out);
	yg_ticket_free(tk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_catalyst, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_thehive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_errors_and_json, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
