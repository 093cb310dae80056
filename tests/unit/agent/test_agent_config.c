/* test_agent_config.c: the agent's <client> (several <server>s),
 * <client_buffer> and <labels> options: values, defaults, and every bad
 * value reported as file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"

#define SERVER "<client><server><address>127.0.0.1</address></server></client>\n"

static char path[64];

/* Writes an <ossec_config> with body to a temporary file and reads it:
 * returns yg_agent_config_read's result; the messages go to *out (one per
 * line, "file:line: severity: element: text"). */
static yg_err read_conf(const char *body, yg_agent_config *cfg, char *out, size_t outsz)
{
	snprintf(path, sizeof(path), "/tmp/yg-agentcfg-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "<ossec_config>\n%s</ossec_config>\n", body);
	fclose(f);
	yg_diag *d = yg_diag_create();
	const char *files[] = {path};
	yg_err rc = yg_agent_config_read(cfg, files, 1, d);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < yg_diag_count(d) && used < outsz; i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		used += (size_t)snprintf(out + used, outsz - used, "%s:%d: %s: <%s>: %s\n",
		                         e->file ? e->file : "", e->line,
		                         e->severity == YG_SEV_ERROR ? "error" : "warning",
		                         e->element ? e->element : "", e->message);
	}
	yg_diag_destroy(d);
	unlink(path);
	return rc;
}

/* Whether msgs has a line starting "<path>:<line>: <sev>" that contains
 * text. */
static bool has_msg(const char *msgs, int line, const char *sev, const char *text)
{
	char want[128];
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, sev);
	for (const char *p = msgs; (p = strstr(p, want)); p++) {
		const char *eol = strchr(p, '\n');
		const char *t = strstr(p, text);
		if (t && (!eol || t < eol))
			return true;
	}
	return false;
}

static void test_defaults(void **state)
{
	(void)state;
	yg_agent_config cfg;
	char msgs[4096];
	assert_int_equal(read_conf(SERVER, &cfg, msgs, sizeof(msgs)), YG_OK);
	assert_string_equal(msgs, "");
	assert_int_equal(cfg.nservers, 1);
	assert_string_equal(cfg.servers[0].address, "127.0.0.1");
	assert_int_equal(cfg.servers[0].port, 1514);
	assert_int_equal(cfg.servers[0].max_retries, 5);
	assert_int_equal(cfg.servers[0].retry_interval, 10);
	assert_false(cfg.has_buffer);
	assert_int_equal(cfg.queue_size, 5000);
	assert_int_equal(cfg.events_per_second, 500);
	assert_int_equal(cfg.nlabels, 0);
	yg_agent_config_free(&cfg);
}

static void test_servers(void **state)
{
	(void)state;
	yg_agent_config cfg;
	char msgs[4096];
	const char *conf = "<client>\n"
	                   "<server><address>m1.example</address><port>1600</port>\n"
	                   "  <max_retries>2</max_retries><retry_interval>3</retry_interval>\n"
	                   "</server>\n"
	                   "<server><address>10.0.0.2</address><protocol>tcp</protocol></server>\n"
	                   "</client>\n";
	assert_int_equal(read_conf(conf, &cfg, msgs, sizeof(msgs)), YG_OK);
	assert_string_equal(msgs, "");
	assert_int_equal(cfg.nservers, 2);
	assert_string_equal(cfg.servers[0].address, "m1.example");
	assert_int_equal(cfg.servers[0].port, 1600);
	assert_int_equal(cfg.servers[0].max_retries, 2);
	assert_int_equal(cfg.servers[0].retry_interval, 3);
	assert_string_equal(cfg.servers[1].address, "10.0.0.2");
	assert_int_equal(cfg.servers[1].port, 1514);
	assert_int_equal(cfg.servers[1].max_retries, 5);
	yg_agent_config_free(&cfg);

	const char *bad = "<client>\n"
	                  "<server><address>m1</address><max_retries>0</max_retries></server>\n"
	                  "<server><address>m2</address><retry_interval>x</retry_interval>"
	                  "</server>\n"
	                  "<server><port>1514</port></server>\n"
	                  "<server><address>a b</address></server>\n"
	                  "</client>\n";
	assert_int_equal(read_conf(bad, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(
	        has_msg(msgs, 3, "error", "invalid value '0': must be a number in range (1-1000)"));
	assert_true(
	        has_msg(msgs, 4, "error", "invalid value 'x': must be a number in range (1-3600)"));
	assert_true(has_msg(msgs, 5, "error", "<server> without <address>"));
	assert_true(has_msg(msgs, 6, "error", "invalid manager address 'a b'"));
	assert_int_equal(cfg.nservers, 2); /* what was valid is kept */
	yg_agent_config_free(&cfg);

	/* at most 16 */
	char many[4096] = "<client>\n";
	for (int i = 0; i < 17; i++)
		strcat(many, "<server><address>m</address></server>\n");
	strcat(many, "</client>\n");
	assert_int_equal(read_conf(many, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 19, "error", "more than 16 <server> blocks"));
	assert_int_equal(cfg.nservers, 16);
	yg_agent_config_free(&cfg);
}

static void test_client_buffer(void **state)
{
	(void)state;
	yg_agent_config cfg;
	char msgs[4096];
	const char *conf = SERVER "<client_buffer>\n"
	                          "<disabled>yes</disabled>\n"
	                          "<queue_size>100</queue_size>\n"
	                          "<events_per_second>1000</events_per_second>\n"
	                          "</client_buffer>\n";
	assert_int_equal(read_conf(conf, &cfg, msgs, sizeof(msgs)), YG_OK);
	assert_string_equal(msgs, "");
	assert_true(cfg.has_buffer);
	assert_true(cfg.buffer_disabled);
	assert_int_equal(cfg.queue_size, 100);
	assert_int_equal(cfg.events_per_second, 1000);
	yg_agent_config_free(&cfg);

	/* Wazuh's agent.min_eps: 10 becomes 50; the old names are deprecated */
	const char *low = SERVER "<client_buffer>\n"
	                         "<events_per_second>10</events_per_second>\n"
	                         "<length>300</length>\n"
	                         "<disable>no</disable>\n"
	                         "</client_buffer>\n";
	assert_int_equal(read_conf(low, &cfg, msgs, sizeof(msgs)), YG_OK);
	assert_true(has_msg(msgs, 4, "warning", "throughput too low: set to 50 eps"));
	assert_true(has_msg(msgs, 5, "warning", "deprecated: use <queue_size>"));
	assert_true(has_msg(msgs, 6, "warning", "deprecated: use <disabled>"));
	assert_int_equal(cfg.events_per_second, 50);
	assert_int_equal(cfg.queue_size, 300);
	assert_false(cfg.buffer_disabled);
	yg_agent_config_free(&cfg);

	const char *bad = SERVER "<client_buffer>\n"
	                         "<disabled>maybe</disabled>\n"
	                         "<queue_size>0</queue_size>\n"
	                         "<queue_size>100001</queue_size>\n"
	                         "<events_per_second>0</events_per_second>\n"
	                         "<events_per_second>1001</events_per_second>\n"
	                         "<events_per_second>5x</events_per_second>\n"
	                         "</client_buffer>\n";
	assert_int_equal(read_conf(bad, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 4, "error", "invalid value 'maybe': must be yes or no"));
	assert_true(has_msg(msgs, 5, "error",
	                    "invalid value '0': must be a number in range (1-100000)"));
	assert_true(has_msg(msgs, 6, "error",
	                    "invalid value '100001': must be a number in range (1-100000)"));
	assert_true(
	        has_msg(msgs, 7, "error", "invalid value '0': must be a number in range (1-1000)"));
	assert_true(has_msg(msgs, 8, "error",
	                    "invalid value '1001': must be a number in range (1-1000)"));
	assert_true(has_msg(msgs, 9, "error",
	                    "invalid value '5x': must be a number in range (1-1000)"));
	yg_agent_config_free(&cfg);
}

static void test_labels(void **state)
{
	(void)state;
	yg_agent_config cfg;
	char msgs[4096];
	const char *conf = SERVER "<labels>\n"
	                          "<label key=\"aws.instance-id\">i-052a1838c</label>\n"
	                          "<label key=\"network.ip\">172.17.0.0</label>\n"
	                          "<label key=\"installation\" hidden=\"yes\">Jan 1st</label>\n"
	                          "<label key=\"aws.instance-id\">i-2</label>\n"
	                          "<label key=\"_internal\">x</label>\n"
	                          "<label key=\"empty\"></label>\n"
	                          "<label key=\"shown\" hidden=\"no\" color=\"red\">v</label>\n"
	                          "</labels>\n";
	assert_int_equal(read_conf(conf, &cfg, msgs, sizeof(msgs)), YG_OK);
	assert_true(has_msg(msgs, 8, "warning", "reserved; skipping '_internal'"));
	assert_true(has_msg(msgs, 9, "warning", "label 'empty' is empty"));
	assert_true(has_msg(msgs, 10, "warning", "unknown attribute 'color'"));
	assert_int_equal(cfg.nlabels, 5);
	/* a repeated key takes the new value in its first place (Wazuh's
	 * labels_add with overwrite) */
	assert_string_equal(cfg.labels[0].key, "aws.instance-id");
	assert_string_equal(cfg.labels[0].value, "i-2");
	assert_string_equal(cfg.labels[1].key, "network.ip");
	assert_string_equal(cfg.labels[2].key, "installation");
	assert_true(cfg.labels[2].hidden);
	assert_false(cfg.labels[0].hidden);
	assert_string_equal(cfg.labels[3].key, "empty");
	assert_string_equal(cfg.labels[3].value, "");
	assert_string_equal(cfg.labels[4].key, "shown");
	assert_false(cfg.labels[4].hidden);
	yg_agent_config_free(&cfg);

	const char *bad = SERVER "<labels>\n"
	                         "<label>no key</label>\n"
	                         "<label key=\"\">empty key</label>\n"
	                         "<label key=\"k\" hidden=\"sometimes\">v</label>\n"
	                         "<label key=\"a..b\">v</label>\n"
	                         "<label key=\".a\">v</label>\n"
	                         "<label key=\"a.\">v</label>\n"
	                         "<tag key=\"k\">v</tag>\n"
	                         "</labels>\n";
	assert_int_equal(read_conf(bad, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 4, "error", "expected 'key' attribute for label"));
	assert_true(has_msg(msgs, 5, "error", "label with empty key"));
	assert_true(has_msg(msgs, 6, "error", "invalid value 'sometimes' for attribute 'hidden'"));
	assert_true(has_msg(msgs, 7, "error", "invalid label key 'a..b'"));
	assert_true(has_msg(msgs, 8, "error", "invalid label key '.a'"));
	assert_true(has_msg(msgs, 9, "error", "invalid label key 'a.'"));
	assert_true(has_msg(msgs, 10, "error", "unknown option of <labels>"));
	assert_int_equal(cfg.nlabels, 0);
	yg_agent_config_free(&cfg);
}

static void test_labels_bounds(void **state)
{
	(void)state;
	yg_agent_config cfg;
	char msgs[8192];
	/* 65 labels: the 65th (line 3 + 64) is refused */
	size_t cap = 65 * 64 + 256;
	char *conf = malloc(cap);
	size_t n = (size_t)snprintf(conf, cap, "%s<labels>\n", SERVER);
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(conf + n, cap - n, "<label key=\"k%d\">v</label>\n", i);
	snprintf(conf + n, cap - n, "</labels>\n");
	assert_int_equal(read_conf(conf, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 68, "error", "too many labels: at most 64"));
	yg_agent_config_free(&cfg);
	free(conf);

	/* more than 8 KiB of keys and values */
	cap = 3 * 5000 + 512;
	conf = malloc(cap);
	n = (size_t)snprintf(conf, cap, "%s<labels>\n", SERVER);
	for (int i = 0; i < 2; i++) {
		n += (size_t)snprintf(conf + n, cap - n, "<label key=\"k%d\">", i);
		memset(conf + n, 'v', 4500);
		n += 4500;
		n += (size_t)snprintf(conf + n, cap - n, "</label>\n");
	}
	snprintf(conf + n, cap - n, "</labels>\n");
	assert_int_equal(read_conf(conf, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 5, "error", "8192 bytes of keys and values"));
	yg_agent_config_free(&cfg);
	free(conf);

	/* a key of 257 bytes */
	char key[300];
	memset(key, 'k', 257);
	key[257] = '\0';
	char one[600];
	snprintf(one, sizeof(one), "%s<labels>\n<label key=\"%s\">v</label>\n</labels>\n", SERVER,
	         key);
	assert_int_equal(read_conf(one, &cfg, msgs, sizeof(msgs)), YG_EPARSE);
	assert_true(has_msg(msgs, 4, "error", "invalid label key"));
	yg_agent_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_servers),
	        cmocka_unit_test(test_client_buffer), cmocka_unit_test(test_labels),
	        cmocka_unit_test(test_labels_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
