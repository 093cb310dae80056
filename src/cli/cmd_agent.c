/* cmd_agent.c: `yagura agent`: option parsing; the daemon itself is
 * src/agent/. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "common/ydaemon.h"

#define MAX_CONF YG_DAEMON_MAX_CONF

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura agent [-D HOME] [-c ossec.conf]... [-f] [-t]\n"
	             "  -D HOME  agent home (etc/, var/, queue/spool/, logs/ under it);\n"
	             "           default $YAGURA_HOME, else /var/ossec\n"
	             "  -c FILE  configuration in ossec.conf format (repeatable;\n"
	             "           default HOME/etc/ossec.conf)\n"
	             "  -f       stay in the foreground, messages also on stderr\n"
	             "  -t       check the configuration, then exit\n"
	             "Enrol first with `yagura enroll`.\n");
}

static void short_usage(void)
{
	fprintf(stderr, "usage: yagura agent [-D HOME] [-c ossec.conf]... [-f] [-t]\n"
	                "Try 'yagura agent --help' for more.\n");
}

int cmd_agent(int argc, char **argv)
{
	const char *conf[MAX_CONF];
	size_t nconf = 0;
	const char *home = NULL;
	bool fg = false, test = false;
	int c;
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"home", required_argument, NULL, 'D'},
	                                         {NULL, 0, NULL, 0}};
	while ((c = getopt_long(argc, argv, "c:D:fth", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (nconf == MAX_CONF) {
				fprintf(stderr, "yagura agent: at most %d -c files\n", MAX_CONF);
				return 2;
			}
			conf[nconf++] = optarg;
			break;
		case 'D': home = optarg; break;
		case 'f': fg = true; break;
		case 't': test = true; break;
		case 'h': usage(stdout); return 0;
		default: short_usage(); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "yagura agent: unexpected argument '%s'\n", argv[optind]);
		short_usage();
		return 2;
	}
	yg_daemon_files f;
	if (yg_daemon_files_get(&f, "yagura agent", home, conf, nconf,
	                        " (give -D or set YAGURA_HOME; `yagura enroll` makes it)"))
		return 1;
	yg_agent_opts o = {
	        .conf = (const char *const *)f.conf,
	        .nconf = f.nconf,
	        .home = f.home,
	        .foreground = fg,
	        .test_only = test,
	};
	int rc = yg_agent_run(&o);
	yg_daemon_files_free(&f);
	return rc;
}
