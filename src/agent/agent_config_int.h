/* agent_config_int.h: the option tables of the agent's own blocks
 * (agent_config.c), for the table-driven test and `-t --print`. Each reads
 * into a yg_agent_config, except <server> (a yg_agent_server). */
#ifndef YAGURA_AGENT_CONFIG_INT_H
#define YAGURA_AGENT_CONFIG_INT_H

#include "agent/agent.h"
#include "common/yopt.h"

extern const yg_opt_block yg_agent_client_block, yg_agent_server_block, yg_agent_buffer_block,
        yg_agent_ar_block, yg_agent_labels_block;

/* Sets the defaults of those tables; YG_ENOMEM. */
yg_err yg_agent_config_defaults(yg_agent_config *cfg);

#endif
