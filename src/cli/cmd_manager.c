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

#define MAX_CONF 16

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura manager [-D HOME] [-c ossec.conf]... [-f] [-t [--print]] [-j N] "
	        "[--recover-db]\n"
	        "  -D HOME  home directory (logs/, var/db/, var/run/ under it);\n"
	        "           default $YAGURA_HOME, else /var/ossec\n"
	        "  -c FILE  configuration in ossec.conf format (repeatable;\n"
	        "           default HOME/etc/ossec.conf)\n"
	        "  -f       stay in the foreground, messages also on stderr\n"
	        "  -t       check the configuration and ruleset, then exit\n"
	        "  --print  with -t: also print the effective configuration (every\n"
	        "           option with its value, defaults included) on stdout\n"
	        "  -j N     analysis workers (default: one per CPU, at most 8)\n"
	        "  --recover-db  a damaged HOME/var/db/*.db is renamed to *.corrupt-TIME\n"
	        "           and what can be read of it kept in a new one, then the start\n"
	        "           goes on (docs/manager.md)\n");
}

static void short_usage(void)
{
	fprintf(stderr,
	        "usage: yagura manager [-D HOME] [-c ossec.conf]... [-f] [-t [--print]] [-j N]\n"
	        "Try 'yagura manager --help' for more.\n");
}

/* -t --print: the configuration, checked by yg_manager_run, read again and
 * printed from the option tables on stdout. */
static int print_config(const yg_manager_opts *o)
{
	yg_manager_config cfg = {0};
	yg_diag *d = yg_diag_create();
	yg_err err = d ? yg_manager_config_read(&cfg, o->conf, o->nconf, o->home, d) : YG_ENOMEM;
	if (!err)
		yg_manager_config_print(&cfg, stdout);
	else
		fprintf(stderr, "yagura manager: cannot read the configuration again\n");
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
	return err ? 1 : (fflush(stdout) ? 1 : 0);
}

/* The command line, before the paths are made absolute. */
typedef struct manager_args {
	const char *conf[MAX_CONF];
	size_t nconf;
	const char *home;
	bool fg, test, recover, print;
	unsigned workers;
} manager_args;

/* Reads argv into a; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, manager_args *a)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"home", required_argument, NULL, 'D'},
	                                         {"recover-db", no_argument, NULL, 'R'},
	                                         {"print", no_argument, NULL, 'P'},
	                                         {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "c:D:fthj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (a->nconf == MAX_CONF) {
				fprintf(stderr, "yagura manager: at most %d -c files\n", MAX_CONF);
				return 2;
			}
			a->conf[a->nconf++] = optarg;
			break;
		case 'D': a->home = optarg; break;
		case 'f': a->fg = true; break;
		case 'R': a->recover = true; break;
		case 't': a->test = true; break;
		case 'P': a->print = true; break;
		case 'j': {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!end || *end || n < 1 || n > 64) {
				fprintf(stderr, "yagura manager: -j wants a number from 1 to 64\n");
				return 2;
			}
			a->workers = (unsigned)n;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: short_usage(); return 2;
		}
	}
	if (a->print && !a->test) {
		fprintf(stderr, "yagura manager: --print goes with -t\n");
		short_usage();
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "yagura manager: unexpected argument '%s'\n", argv[optind]);
		short_usage();
		return 2;
	}
	return -1;
}

int cmd_manager(int argc, char **argv)
{
	manager_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	const char *home = yg_home_choose(a.home);
	/* absolute, since a daemon's relative paths would be surprising */
	char abs_home[PATH_MAX];
	if (!realpath(home, abs_home)) {
		fprintf(stderr,
		        "yagura manager: home directory '%s' not found (give -D or set "
		        "YAGURA_HOME)\n",
		        home);
		return 1;
	}
	char defconf[PATH_MAX + 32];
	char *abs_conf[MAX_CONF] = {0};
	if (a.nconf == 0) {
		snprintf(defconf, sizeof(defconf), "%s/etc/ossec.conf", abs_home);
		a.conf[a.nconf++] = defconf;
	}
	for (size_t i = 0; i < a.nconf; i++) {
		abs_conf[i] = realpath(a.conf[i], NULL);
		if (!abs_conf[i]) {
			fprintf(stderr, "yagura manager: cannot read configuration file '%s'\n",
			        a.conf[i]);
			for (size_t j = 0; j < i; j++)
				free(abs_conf[j]);
			return 1;
		}
	}
	yg_manager_opts o = {
	        .conf = (const char *const *)abs_conf,
	        .nconf = a.nconf,
	        .home = abs_home,
	        .foreground = a.fg,
	        .test_only = a.test,
	        .workers = a.workers,
	        .recover_db = a.recover,
	};
	rc = yg_manager_run(&o);
	if (rc == 0 && a.print)
		rc = print_config(&o);
	for (size_t i = 0; i < a.nconf; i++)
		free(abs_conf[i]);
	return rc;
}
