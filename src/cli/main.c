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
	fprintf(out, "\n'yagura <command> -h' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("yagura 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "yagura: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
