/* agent_main.c: `yagura-agent`, the agent alone (the yagura-agent package).
 *
 * The same daemon as `yagura agent` and the same `enroll`, in a binary that
 * links only what the agent uses: no REST API (libmicrohttpd), no
 * integrations (libcurl), no analysis workers. On an agent host that is the
 * difference between mapping the manager's whole library tree and the few
 * libraries the agent needs (docs/agent.md, BENCHMARKS.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "enroll"))
		return cmd_enroll(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("yagura-agent %s\n", YAGURA_VERSION);
		return 0;
	}
	return cmd_agent(argc, argv);
}
