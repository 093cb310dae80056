/* cmd_logtest.c: `yagura logtest`, wazuh-logtest for yagura.
 *
 * Reads lines on standard input as one analysis session. For a person at a
 * terminal it prints Wazuh's phase 1/2/3 text; with --json exactly one JSON
 * object per input line; with -U RULE:LEVEL:DECODER it exits as
 * `wazuh-logtest -U` does (0 or the number of empty expected fields when the
 * last line's result matches, 1 otherwise); with -t it only checks the
 * ruleset. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ydaemon.h"

#define YG_LOGTEST_MAX_LINE (1 << 20)

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura logtest [-c FILE] [-D DIR] [--json] [-U RULE:LEVEL:DECODER] [-t] "
	        "[-q]\n"
	        "  -c FILE    ossec.conf-format file (its <ruleset>, else Wazuh's default one);\n"
	        "             default HOME/etc/ossec.conf when it exists\n"
	        "  -D DIR     home directory that relative ruleset paths resolve against;\n"
	        "             default $YAGURA_HOME, else /var/ossec\n"
	        "  --json     one JSON object per input line (Wazuh alert format)\n"
	        "  -U R:L:D   unit test: exit status as wazuh-logtest -U\n"
	        "  -t         check the configuration and ruleset, print every problem, exit\n"
	        "  -q         quiet: no banner or load summary\n");
}

/* A -U RULE:LEVEL:DECODER expectation, or the last line's result in the
 * same form (empty fields: no rule, no decoder). */
typedef struct lt_result {
	char rule[64], level[16], dec[256];
} lt_result;

/* Splits -U's argument at its two colons. */
static bool parse_ut(const char *ut, lt_result *want)
{
	const char *a = strchr(ut, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b || strchr(b + 1, ':') || (size_t)(a - ut) >= sizeof(want->rule) ||
	    (size_t)(b - a - 1) >= sizeof(want->level) || strlen(b + 1) >= sizeof(want->dec)) {
		fprintf(stderr, "yagura logtest: unit test configuration wrong syntax: %s\n", ut);
		return false;
	}
	memcpy(want->rule, ut, (size_t)(a - ut));
	memcpy(want->level, a + 1, (size_t)(b - a - 1));
	memcpy(want->dec, b + 1, strlen(b + 1) + 1);
	return true;
}

/* One line of standard input into line (YG_LOGTEST_MAX_LINE bytes), its
 * end of line removed; the rest of an over-long line is dropped. Returns
 * the length, or -1 at the end of input. */
static long read_line(char *line)
{
	if (!fgets(line, YG_LOGTEST_MAX_LINE, stdin))
		return -1;
	size_t len = strlen(line);
	bool truncated = len == YG_LOGTEST_MAX_LINE - 1 && line[len - 1] != '\n';
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (truncated) {
		int ch;
		while ((ch = getchar()) != EOF && ch != '\n')
			;
	}
	return (long)len;
}

/* Runs every line of standard input through the session and prints what
 * the mode asks for; *last gets the last line's result. False when no line
 * was analysed. */
static bool run_lines(yg_session *s, bool json, bool ut, lt_result *last)
{
	char *line = malloc(YG_LOGTEST_MAX_LINE);
	yg_buf out;
	yg_buf_init(&out, 64u << 20);
	yg_verdict v = {0};
	bool any = false;
	long len;
	while (line && (len = read_line(line)) >= 0) {
		if (len == 0 && !json)
			continue;
		yg_input in = {.log = line, .location = "stdin", .manager_name = cli_hostname()};
		if (yg_session_process(s, &in, &v))
			continue;
		any = true;
		last->rule[0] = last->level[0] = '\0';
		if (v.rule_id) {
			snprintf(last->rule, sizeof(last->rule), "%u", v.rule_id);
			snprintf(last->level, sizeof(last->level), "%d", v.level);
		}
		snprintf(last->dec, sizeof(last->dec), "%s", v.decoder_name ? v.decoder_name : "");
		yg_buf_reset(&out);
		if (json) {
			yg_session_alert_json(s, &out);
			yg_buf_putc(&out, '\n');
		} else if (!ut) {
			yg_session_explain(s, &out);
		}
		if (out.len)
			fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
	free(line);
	yg_buf_free(&out);
	return any;
}

int cmd_logtest(int argc, char **argv)
{
	const char *conf = NULL, *home = NULL, *ut = NULL;
	bool json = false, check = false, quiet = false;
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:D:U:tqjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'D': home = optarg; break;
		case 'U': ut = optarg; break;
		case 't': check = true; break;
		case 'q': quiet = true; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "Try 'yagura logtest --help' for the options.\n");
			return 2;
		}
	}
	home = yg_home_choose(home);
	char defconf[PATH_MAX];
	if (!conf)
		conf = cli_default_conf(home, defconf, sizeof(defconf));
	lt_result want = {0}, last = {0};
	if (ut && !parse_ut(ut, &want))
		return 1;

	yg_ruleset *rs = NULL;
	bool interactive = isatty(STDIN_FILENO) && !json && !ut;
	int lrc = cli_load_ruleset(conf, home, check, quiet || json || ut, &rs, NULL);
	if (check) {
		yg_ruleset_destroy(rs);
		return lrc ? 1 : 0;
	}
	if (!rs)
		return 1;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	if (!s) {
		yg_ruleset_destroy(rs);
		fprintf(stderr, "yagura logtest: out of memory\n");
		return 1;
	}
	if (interactive && !quiet)
		fprintf(stderr, "Type one log per line\n\n");
	bool any = run_lines(s, json, ut != NULL, &last);
	yg_session_destroy(s);
	yg_ruleset_destroy(rs);
	if (!ut)
		return 0;
	/* wazuh-logtest -U: 0, or the number of fields expected empty */
	if (any && !strcmp(want.rule, last.rule) && !strcmp(want.level, last.level) &&
	    !strcmp(want.dec, last.dec))
		return (!*want.rule) + (!*want.level) + (!*want.dec);
	return 1;
}
