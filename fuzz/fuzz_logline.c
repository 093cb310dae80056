/* fuzz_logline: arbitrary log lines through a fixed ruleset that uses every
 * kind of decoder step (program name, prematch, offsets, chained regexes,
 * PCRE2, JSON and the other plugins, accumulate) and correlation and
 * check_diff. Each input line is one event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ruleset_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char decoders[] =
        "<decoder name=\"sshd\"><program_name>^sshd</program_name></decoder>"
        "<decoder name=\"sshd-f\"><parent>sshd</parent><prematch>^Failed \\S+ </prematch>"
        "<regex offset=\"after_prematch\">^for (\\S+) from (\\S+) port (\\d+)</regex>"
        "<order>srcuser, srcip, srcport</order></decoder>"
        "<decoder name=\"sshd-f\"><parent>sshd</parent>"
        "<regex offset=\"after_regex\">(\\S+)$</regex><order>proto</order></decoder>"
        "<decoder name=\"kv\"><prematch>^KV </prematch>"
        "<regex offset=\"after_prematch\" type=\"pcre2\">(\\w+)=(\\S*)</regex>"
        "<order>key, value</order></decoder>"
        "<decoder name=\"json\"><prematch>^{\\s*\"</prematch>"
        "<plugin_decoder>JSON_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"pf\"><program_name>^pf$</program_name>"
        "<plugin_decoder>PF_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"sw\"><prematch>^id=\\w+ sn=\\w+ </prematch>"
        "<plugin_decoder>SonicWall_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"sws\"><prematch>^\\d\\d\\d\\d\\d\\d\\d\\d,</prematch>"
        "<plugin_decoder>SymantecWS_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"oa\"><program_name>^ossec$</program_name>"
        "<plugin_decoder>OSSECAlert_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"oa2\"><prematch>^ossec: Alert</prematch>"
        "<plugin_decoder>OSSECAlert_Decoder</plugin_decoder></decoder>"
        "<decoder name=\"ldap\"><program_name>^slapd</program_name><accumulate/></decoder>"
        "<decoder name=\"ldap-c\"><parent>ldap</parent>"
        "<regex>^conn=(\\d+) (\\S+) (\\S+)</regex><order>id, srcip, dstuser</order>"
        "<accumulate/></decoder>"
        "<decoder name=\"out\"><prematch>^ossec: output: </prematch></decoder>";

static const char rules[] =
        "<group name=\"base,\"><rule id=\"1\" level=\"0\" noalert=\"1\">"
        "<category>syslog</category><description>base</description></rule>"
        "<rule id=\"2\" level=\"0\" noalert=\"1\"><category>firewall</category>"
        "<description>fw</description></rule>"
        "<rule id=\"3\" level=\"0\" noalert=\"1\"><category>ids</category>"
        "<description>ids</description></rule>"
        "<rule id=\"5\" level=\"0\" noalert=\"1\"><category>squid</category>"
        "<description>squid</description></rule></group>"
        "<group name=\"t,\">"
        "<rule id=\"100\" "
        "level=\"0\"><decoded_as>sshd</decoded_as><description>s</description></rule>"
        "<rule id=\"101\" level=\"5\"><if_sid>100</if_sid><match>^Failed</match>"
        "<description>f $(srcuser) "
        "$(srcip)</description><group>authentication_failed,</group></rule>"
        "<rule id=\"102\" level=\"10\" frequency=\"3\" "
        "timeframe=\"60\"><if_matched_sid>101</if_matched_sid>"
        "<same_srcip /><description>bf</description></rule>"
        "<rule id=\"103\" level=\"12\" frequency=\"4\" timeframe=\"60\">"
        "<if_matched_group>authentication_failed</if_matched_group><different_srcip />"
        "<description>many</description></rule>"
        "<rule id=\"104\" level=\"3\"><decoded_as>kv</decoded_as><field name=\"key\">^a|^b</field>"
        "<srcip>!10.0.0.0/8</srcip><description>kv $(value)</description></rule>"
        "<rule id=\"105\" level=\"4\"><decoded_as>json</decoded_as>"
        "<field name=\"a.b\" type=\"pcre2\">x+</field><description>j $(a.b)</description></rule>"
        "<rule id=\"106\" "
        "level=\"2\"><regex>\\d\\d\\d\\d+</regex><description>digits</description></rule>"
        "<rule id=\"107\" level=\"3\"><decoded_as>out</decoded_as><check_diff />"
        "<description>changed</description></rule>"
        "<rule id=\"108\" level=\"4\"><decoded_as>ldap</decoded_as><srcip>0.0.0.0/0</srcip>"
        "<description>ldap $(srcip) $(dstuser)</description></rule>"
        "<rule id=\"109\" level=\"3\"><category>firewall</category><action>pass</action>"
        "<description>fw $(srcip)</description></rule>"
        "</group>";

static yg_ruleset *rs;
static yg_session *session;

static void init(void)
{
	yg_diag *d = yg_diag_create();
	rs = yg_ruleset_new();
	yg_ruleset_add_buffer(rs, YG_XML_DECODERS, decoders, sizeof(decoders) - 1, "decoders.xml",
	                      d);
	yg_decoders_finish(rs, d);
	yg_ruleset_add_buffer(rs, YG_XML_RULES, rules, sizeof(rules) - 1, "rules.xml", d);
	yg_ruleset_seal(rs, d);
	yg_diag_destroy(d);
	session = yg_session_create(rs, YG_CLOCK_EVENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rs)
		init();
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *save = NULL;
	yg_buf out;
	yg_buf_init(&out, 1 << 20);
	for (char *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		yg_input in = {.log = ln, .location = "fuzz"};
		yg_verdict v;
		yg_session_process(session, &in, &v);
		yg_buf_reset(&out);
		yg_session_alert_json(session, &out);
		yg_buf_reset(&out);
		yg_session_explain(session, &out);
	}
	yg_buf_free(&out);
	free(buf);
	return 0;
}
