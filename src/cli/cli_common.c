#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

const char *cli_default_conf(const char *home, char *buf, size_t n)
{
	int w = snprintf(buf, n, "%s/etc/ossec.conf", home);
	if (w <= 0 || (size_t)w >= n || access(buf, R_OK) != 0)
		return NULL;
	return buf;
}

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
		/* as the manager: an ossec.conf without <ruleset> means Wazuh's
		 * default one, local_decoder.xml and local_rules.xml included */
		if (yg_ruleset_config_count(cfg) == 0 && yg_ruleset_config_add_defaults(cfg)) {
			fprintf(stderr, "yagura: out of memory\n");
			goto out;
		}
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
		fprintf(stderr,
		        "yagura: %zu decoders, %zu rules, %zu lists loaded; %zu errors, %zu "
		        "warnings\n",
		        yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs), yg_ruleset_nlists(rs),
		        nerr, nwarn);
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

/* Levenshtein distance of a and b, capped: at most 32 bytes of b count. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *cli_nearest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, names[i]);
		if (d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	for (size_t i = 0; !best && wl >= 2 && i < n; i++)
		if (!strncmp(names[i], word, wl))
			best = names[i];
	return best;
}
