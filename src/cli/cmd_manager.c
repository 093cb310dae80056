/* cmd_manager.c: `yagura manager`: option parsing; the daemon itself is
 * src/manager/. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ydaemon.h"
#include "manager/manager.h"

#define MAX_CONF YG_DAEMON_MAX_CONF

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura manager [-D HOME] [-c ossec.conf]... [-f] [-t] [-j N] "
	             "[--recover-db]\n"
	             "  -D HOME  home directory (logs/, var/db/, var/run/ under it);\n"
	             "           default $YAGURA_HOME, else /var/ossec\n"
	             "  -c FILE  configuration in ossec.conf format (repeatable;\n"
	             "           default HOME/etc/ossec.conf)\n"
	             "  -f       stay in the foreground, messages also on stderr\n"
	             "  -t       check the configuration and ruleset, then exit\n"
	             "  -j N     analysis workers (default: one per CPU, at most 8)\n"
	             "  --recover-db  a damaged HOME/var/db/*.db is renamed to *.corrupt-TIME\n"
	             "           and what can be read of it kept in a new one, then the start\n"
	             "           goes on (docs/manager.md)\n");
}

static void short_usage(void)
{
	fprintf(stderr, "usage: yagura manager [-D HOME] [-c ossec.conf]... [-f] [-t] [-j N]\n"
	                "Try 'yagura manager --help' for more.\n");
}

int cmd_manager(int argc, char **argv)
{
	const char *conf[MAX_CONF];
	size_t nconf = 0;
	const char *home = NULL;
	bool fg = false, test = false, recover = false;
	unsigned workers = 0;
	int c;
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"home", required_argument, NULL, 'D'},
	                                         {"recover-db", no_argument, NULL, 'R'},
	                                         {NULL, 0, NULL, 0}};
	while ((c = getopt_long(argc, argv, "c:D:fthj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (nconf == MAX_CONF) {
				fprintf(stderr, "yagura manager: at most %d -c files\n", MAX_CONF);
				return 2;
			}
			conf[nconf++] = optarg;
			break;
		case 'D': home = optarg; break;
		case 'f': fg = true; break;
		case 'R': recover = true; break;
		case 't': test = true; break;
		case 'j': {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!end || *end || n < 1 || n > 64) {
				fprintf(stderr, "yagura manager: -j wants a number from 1 to 64\n");
				return 2;
			}
			workers = (unsigned)n;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: short_usage(); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "yagura manager: unexpected argument '%s'\n", argv[optind]);
		short_usage();
		return 2;
	}
	yg_daemon_files f;
	if (yg_daemon_files_get(&f, "yagura manager", home, conf, nconf,
	                        " (give -D or set YAGURA_HOME)"))
		return 1;
	yg_manager_opts o = {
	        .conf = (const char *const *)f.conf,
	        .nconf = f.nconf,
	        .home = f.home,
	        .foreground = fg,
	        .test_only = test,
	        .workers = workers,
	        .recover_db = recover,
	};
	int rc = yg_manager_run(&o);
	yg_daemon_files_free(&f);
	return rc;
}
