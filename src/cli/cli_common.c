#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

const char *cli_hostname(void)
{
	static char name[256];
	if (!name[0]) {
		if (gethostname(name, sizeof(name) - 1) != 0)
			strcpy(name, "localhost");
		char *dot = strchr(name, '.');
		if (dot)
			*dot = '\0';
	}
	return name;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_load_ruleset(const char *conf, const char *home, bool check_only, bool quiet,
		     yg_ruleset **out, double *load_seconds)
{
	int rc = 1;
	double t0 = now_seconds();
	*out = NULL;
	yg_diag *diag = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(home);
	if (!diag || !cfg) {
		fprintf(stderr, "yagura: out of memory\n");
		goto out;
	}
	if (conf) {
		if (access(conf, R_OK) != 0) {
			fprintf(stderr, "yagura: cannot read configuration file '%s'\n", conf);
			goto out;
		}
		yg_ruleset_config_read(cfg, conf, diag);
	}
	yg_ruleset *rs = NULL;
	yg_err err = yg_ruleset_load(cfg, diag, &rs);
	if (load_seconds)
		*load_seconds = now_seconds() - t0;
	size_t nerr = yg_diag_errors(diag), nwarn = yg_diag_warnings(diag);
	if (check_only || nerr || !quiet)
		yg_diag_print(diag, stderr);
	if (err == YG_ENOMEM || !rs) {
		fprintf(stderr, "yagura: the ruleset could not be loaded\n");
		goto out;
	}
	if (check_only || !quiet)
		fprintf(stderr, "yagura: %zu decoders, %zu rules, %zu lists loaded; %zu errors, %zu warnings\n",
			yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs), yg_ruleset_nlists(rs), nerr,
			nwarn);
	if (yg_ruleset_nrules(rs) == 0 && !check_only) {
		fprintf(stderr, "yagura: no rules loaded; check -c and -D\n");
		yg_ruleset_destroy(rs);
		goto out;
	}
	*out = rs;
	rc = nerr ? 2 : 0;
out:
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(diag);
	return rc;
}
