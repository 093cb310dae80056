/* main.c: yagura, one binary with subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
        {"logtest", cmd_logtest, "test log lines against the ruleset (like wazuh-logtest)"},
        {"replay", cmd_replay, "run log files through the engine and print alerts"},
        {"manager", cmd_manager, "run the manager: FIM, log collection, analysis, alerts"},
        {"agent", cmd_agent, "run an agent: FIM, log collection, active responses -> manager"},
        {"enroll", cmd_enroll, "enrol this host as an agent of a manager"},
        {"ctl", cmd_ctl, "administer a manager's home: agents, bans, tickets, alerts, status"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'yagura <command> --help' shows a command's options; 'man yagura' tells "
	             "more.\nThe home is -D, else $YAGURA_HOME, else /var/ossec.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* `yagura help CMD` is `yagura CMD --help` */
	if (argc == 3 && !strcmp(argv[1], "help")) {
		char *hv[] = {argv[2], "--help", NULL};
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[2], commands[i].name))
				return commands[i].fn(2, hv);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("yagura %s\n", YAGURA_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	const char *names[sizeof(commands) / sizeof(commands[0])];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	const char *near = cli_nearest(argv[1], names, sizeof(commands) / sizeof(commands[0]));
	if (near)
		fprintf(stderr, "yagura: unknown command '%s'; did you mean '%s'?\n", argv[1],
		        near);
	else
		fprintf(stderr, "yagura: unknown command '%s'\n", argv[1]);
	fprintf(stderr, "Try 'yagura --help' for the commands.\n");
	return 2;
}
