/* fuzz_rules: decoder and rule XML through the loaders, then a few events
 * through the result. Input: decoders XML, a NUL byte, rules XML, a NUL
 * byte, log lines. Any part may be missing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ruleset_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_rules[] =
        "<group name=\"base,\"><rule id=\"1\" level=\"0\" noalert=\"1\">"
        "<category>syslog</category><description>base</description></rule>"
        "<rule id=\"2\" level=\"0\" noalert=\"1\"><category>firewall</category>"
        "<description>fw</description></rule></group>";

static size_t part(const uint8_t **p, size_t *left)
{
	const uint8_t *nul = memchr(*p, 0, *left);
	size_t n = nul ? (size_t)(nul - *p) : *left;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size;
	size_t n1 = part(&p, &left);
	const char *dec = (const char *)p;
	p += n1 < left ? n1 + 1 : n1;
	left -= n1 < left ? n1 + 1 : n1;
	size_t n2 = part(&p, &left);
	const char *rul = (const char *)p;
	p += n2 < left ? n2 + 1 : n2;
	left -= n2 < left ? n2 + 1 : n2;

	yg_diag *d = yg_diag_create();
	yg_ruleset *rs = yg_ruleset_new();
	if (!d || !rs)
		goto out;
	yg_ruleset_add_buffer(rs, YG_XML_DECODERS, dec, n1, "fuzz_decoders.xml", d);
	yg_decoders_finish(rs, d);
	yg_ruleset_add_buffer(rs, YG_XML_RULES, base_rules, sizeof(base_rules) - 1, "base.xml", d);
	yg_ruleset_add_buffer(rs, YG_XML_RULES, rul, n2, "fuzz_rules.xml", d);
	yg_ruleset_seal(rs, d);

	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	char *lines = malloc(left + 1);
	if (s && lines) {
		memcpy(lines, p, left);
		lines[left] = '\0';
		char *save = NULL;
		int count = 0;
		for (char *ln = strtok_r(lines, "\n", &save); ln && count < 32;
		     ln = strtok_r(NULL, "\n", &save), count++) {
			yg_input in = {.log = ln, .location = "fuzz", .now = 1700000000 + count};
			yg_verdict v;
			yg_session_process(s, &in, &v);
			yg_buf b;
			yg_buf_init(&b, 1 << 20);
			yg_session_alert_json(s, &b);
			yg_buf_free(&b);
		}
	}
	free(lines);
	yg_session_destroy(s);
out:
	yg_ruleset_destroy(rs);
	yg_diag_destroy(d);
	return 0;
}
