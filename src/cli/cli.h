/* cli.h: the yagura command line: one binary, one function per subcommand. */
#ifndef YAGURA_CLI_H
#define YAGURA_CLI_H

#include "engine/engine.h"

int cmd_logtest(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_manager(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
/* `yagura ctl`: the administrator's command line (cmd_ctl*.c). */
int cmd_ctl(int argc, char **argv);

/* Loads the ruleset named by an ossec.conf-format file (conf may be NULL:
 * Wazuh's default directories) relative to `home`. Prints problems to
 * stderr; with check_only every problem is printed and a non-zero result
 * means errors were found. On success *out is the ruleset. */
int cli_load_ruleset(const char *conf, const char *home, bool check_only, bool quiet,
                     yg_ruleset **out, double *load_seconds);

/* HOME/etc/ossec.conf into buf when it is readable, else NULL: the
 * configuration a command reads when it is given no -c. */
const char *cli_default_conf(const char *home, char *buf, size_t n);

/* The name in names[0..n) closest to `word` (at most two edits away, or
 * `word` is a prefix of it); NULL when none is close. For "did you mean". */
const char *cli_nearest(const char *word, const char *const *names, size_t n);

/* The host name Wazuh puts in alerts (up to the first dot). */
const char *cli_hostname(void);

#endif
