/* cmd_enroll.c: `yagura enroll`: enrols this host with a manager (Wazuh's
 * agent-auth) and writes the agent's identity under HOME/etc:
 * agent.key (0600), agent.crt, ca.crt and agent.id ("<id> <name>\n").
 * The files are written under temporary names and renamed only when the
 * manager accepted, so a refused attempt leaves a working identity alone. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ydaemon.h"
#include "transport/enroll.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura enroll -m MANAGER [-p PORT] -A NAME (-P PASSWORD | -T TOKEN)\n"
	        "       (long forms: --manager, --port, --name, --password, --token, --home)\n"
	        "                     (--ca FILE | --ca-fingerprint SHA256 | --tofu) [-D HOME]\n"
	        "  -m MANAGER   the manager's host name or address (checked against its "
	        "certificate)\n"
	        "  -p PORT      enrolment port (default 1515)\n"
	        "  -A NAME      this agent's name (letters, digits, '.', '-', '_')\n"
	        "  -P PASSWORD  the manager's enrolment password (default: HOME/etc/authd.pass)\n"
	        "  -T TOKEN     a one-time token from `yagura ctl token create`\n"
	        "  --ca FILE    trust the manager whose certificate chains to this CA\n"
	        "  --ca-fingerprint SHA256   ... to the CA with this fingerprint\n"
	        "  --tofu       trust the CA the manager presents (trusted networks only)\n"
	        "  -D HOME      agent home: etc/agent.key, agent.crt, ca.crt, agent.id; made\n"
	        "               when missing, with a starter etc/ossec.conf for MANAGER\n"
	        "               (default $YAGURA_HOME, else /var/ossec)\n");
}

static void short_usage(void)
{
	fprintf(stderr,
	        "usage: yagura enroll -m MANAGER -A NAME (-P PASSWORD | -T TOKEN)\n"
	        "       (--ca FILE | --ca-fingerprint SHA256 | --tofu) [-p PORT] [-D HOME]\n"
	        "Try 'yagura enroll --help' for more.\n");
}

/* The agent's home, made (0750) when missing, as an absolute path. */
static bool make_home(const char *home, char abs_home[PATH_MAX])
{
	char want[PATH_MAX], cwd[PATH_MAX];
	int w = home[0] == '/'             ? snprintf(want, sizeof(want), "%s", home)
	        : getcwd(cwd, sizeof(cwd)) ? snprintf(want, sizeof(want), "%s/%s", cwd, home)
	                                   : -1;
	char etc[PATH_MAX + 8];
	if (w <= 0 || (size_t)w >= sizeof(want) || !yg_mkdirs(want) || !realpath(want, abs_home) ||
	    !yg_path_join(etc, sizeof(etc), abs_home, "etc") || !yg_mkdirs(etc)) {
		fprintf(stderr, "yagura enroll: cannot make the home %s/etc: %s\n", home,
		        strerror(errno));
		return false;
	}
	return true;
}

/* Whether `s` can go into XML text as it is (a host name or address). */
static bool plain_host(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(".-_:[]", *s)))
			return false;
	return true;
}

/* HOME/etc/ossec.conf, only when there is none: the manager just enrolled
 * with, on the events port (1514; change <port> if the manager's <remote>
 * says otherwise), and commented examples of what to watch. */
static void write_starter_conf(const char *home, const char *manager)
{
	char p[PATH_MAX];
	if (!yg_path_join(p, sizeof(p), home, "etc/ossec.conf") || access(p, F_OK) == 0)
		return;
	if (!plain_host(manager)) {
		fprintf(stderr, "yagura enroll: no starter %s written: write <client> by hand\n",
		        p);
		return;
	}
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "yagura enroll: cannot write %s: %s\n", p, strerror(errno));
		return;
	}
	fprintf(f,
	        "<!-- Written by `yagura enroll`: this agent's configuration (man ossec.conf).\n"
	        "     Check it with `yagura-agent -t`; `systemctl reload yagura-agent` applies it. "
	        "-->\n"
	        "<ossec_config>\n"
	        "  <client>\n"
	        "    <server>\n"
	        "      <address>%s</address>\n"
	        "      <port>1514</port>\n"
	        "    </server>\n"
	        "  </client>\n"
	        "\n"
	        "  <localfile>\n"
	        "    <log_format>syslog</log_format>\n"
	        "    <location>%s/logs/active-responses.log</location>\n"
	        "  </localfile>\n"
	        "\n"
	        "  <!-- What to watch, for example:\n"
	        "  <syscheck>\n"
	        "    <frequency>43200</frequency>\n"
	        "    <directories>/etc,/usr/bin,/usr/sbin</directories>\n"
	        "    <directories realtime=\"yes\">/var/www/html</directories>\n"
	        "  </syscheck>\n"
	        "  <localfile>\n"
	        "    <log_format>syslog</log_format>\n"
	        "    <location>/var/log/auth.log</location>\n"
	        "  </localfile>\n"
	        "  -->\n"
	        "</ossec_config>\n",
	        manager, home);
	if (fclose(f) != 0)
		fprintf(stderr, "yagura enroll: cannot write %s: %s\n", p, strerror(errno));
	else
		fprintf(stderr, "yagura enroll: wrote a starter %s\n", p);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > YG_AGENT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* The first line of path without trailing blanks into out; false if none. */
static bool read_first_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(out, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	size_t len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' ' ||
	               out[len - 1] == '\t'))
		out[--len] = '\0';
	return len > 0;
}

static void enroll_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level >= YG_TLOG_INFO)
		fprintf(stderr, "yagura enroll: %s\n", msg);
}

static bool path_in(char *out, size_t n, const char *home, const char *rel)
{
	int w = snprintf(out, n, "%s/etc/%s", home, rel);
	return w > 0 && (size_t)w < n;
}

/* Writes "<id> <name>\n" to path (0640). */
static bool write_id(const char *path, const char *id, const char *name)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fprintf(f, "%s %s\n", id, name) > 0;
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	return fclose(f) == 0 && ok;
}

/* The command line of `yagura enroll`. */
typedef struct enroll_args {
	const char *manager, *name, *password, *token;
	const char *ca, *fp, *home;
	bool tofu;
	long port;
} enroll_args;

/* Reads the options into *a. Returns -1 to go on, else the exit status. */
static int enroll_parse(int argc, char **argv, enroll_args *a)
{
	static const struct option longopts[] = {
	        {"ca", required_argument, NULL, 'C'},
	        {"ca-fingerprint", required_argument, NULL, 'F'},
	        {"tofu", no_argument, NULL, 'U'},
	        {"manager", required_argument, NULL, 'm'},
	        {"port", required_argument, NULL, 'p'},
	        {"name", required_argument, NULL, 'A'},
	        {"password", required_argument, NULL, 'P'},
	        {"token", required_argument, NULL, 'T'},
	        {"home", required_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "m:p:A:P:T:D:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': a->manager = optarg; break;
		case 'p': {
			char *end = NULL;
			a->port = strtol(optarg, &end, 10);
			if (!end || *end || a->port < 1 || a->port > 65535) {
				fprintf(stderr, "yagura enroll: -p wants a port number\n");
				return 2;
			}
			break;
		}
		case 'A': a->name = optarg; break;
		case 'P': a->password = optarg; break;
		case 'T': a->token = optarg; break;
		case 'D': a->home = optarg; break;
		case 'C': a->ca = optarg; break;
		case 'F': a->fp = optarg; break;
		case 'U': a->tofu = true; break;
		case 'h': usage(stdout); return 0;
		default: short_usage(); return 2;
		}
	}
	if (optind != argc || !a->manager || !a->name) {
		fprintf(stderr, "%s\n",
		        optind != argc ? "yagura enroll: unexpected argument"
		                       : "yagura enroll: -m MANAGER and -A NAME are "
		                         "required");
		short_usage();
		return 2;
	}
	return -1;
}

/* What the options must satisfy together. Returns -1 or the exit status. */
static int enroll_check(const enroll_args *a)
{
	if ((a->password && a->token) || (!!a->ca + !!a->fp + a->tofu) != 1) {
		fprintf(stderr, "yagura enroll: give one of -P/-T and exactly one of --ca, "
		                "--ca-fingerprint, --tofu\n");
		return 2;
	}
	if (!valid_name(a->name)) {
		fprintf(stderr,
		        "yagura enroll: invalid agent name '%s' (letters, digits, '.', "
		        "'-', '_'; at most %d)\n",
		        a->name, YG_AGENT_NAME_MAX);
		return 2;
	}
	return -1;
}

/* The files enrolment writes: first as NAME.new, renamed into place only
 * once all of them are complete, so a failed enrolment leaves the old
 * identity whole. */
enum { KEY, CRT, CA, ID, NFILES };
typedef struct enroll_files {
	char tmp[NFILES][PATH_MAX], dst[NFILES][PATH_MAX];
} enroll_files;

static bool enroll_paths(const char *abs_home, enroll_files *f)
{
	static const char *const names[NFILES] = {"agent.key", "agent.crt", "ca.crt", "agent.id"};
	for (int i = 0; i < NFILES; i++) {
		char t[64];
		snprintf(t, sizeof(t), "%s.new", names[i]);
		if (!path_in(f->tmp[i], sizeof(f->tmp[i]), abs_home, t) ||
		    !path_in(f->dst[i], sizeof(f->dst[i]), abs_home, names[i])) {
			fprintf(stderr, "yagura enroll: home path too long\n");
			return false;
		}
	}
	return true;
}

/* Asks the manager; on success the key, certificates and id are in the
 * .new files. Returns the exit status. */
static int enroll_ask(const enroll_args *a, const enroll_files *f, char *id)
{
	yg_enroll_request_opts o = {
	        .host = a->manager,
	        .port = (uint16_t)a->port,
	        .name = a->name,
	        .password = a->password,
	        .token = a->token,
	        .ca_file = a->ca,
	        .ca_fingerprint = a->fp,
	        .tofu = a->tofu,
	        .key_out = f->tmp[KEY],
	        .cert_out = f->tmp[CRT],
	        .ca_out = f->tmp[CA],
	        .log = enroll_log,
	};
	yg_diag *d = yg_diag_create();
	if (!d)
		return 1;
	yg_err err = yg_enroll_request(&o, id, d);
	yg_diag_print(d, stderr);
	yg_diag_destroy(d);
	if (err) {
		fprintf(stderr, "yagura enroll: %s\n",
		        err == YG_EINVAL ? "refused by the manager (or bad options): see above"
		                         : "could not enrol: the manager is unreachable or could "
		                           "not be trusted (see above)");
		return 1;
	}
	if (!write_id(f->tmp[ID], id, a->name)) {
		fprintf(stderr, "yagura enroll: cannot write %s\n", f->tmp[ID]);
		return 1;
	}
	return 0;
}

/* Renames the .new files into place after a success (rc 0), removes them
 * after a failure. Returns the exit status. */
static int enroll_install(const enroll_files *f, int rc)
{
	for (int i = 0; i < NFILES; i++) {
		if (rc)
			unlink(f->tmp[i]);
		else if (rename(f->tmp[i], f->dst[i]) != 0) {
			fprintf(stderr, "yagura enroll: cannot write %s: %s\n", f->dst[i],
			        strerror(errno));
			rc = 1;
		}
	}
	return rc;
}

int cmd_enroll(int argc, char **argv)
{
	enroll_args a = {.port = YG_ENROLL_PORT};
	int rc = enroll_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	a.home = yg_home_choose(a.home);
	if ((rc = enroll_check(&a)) >= 0)
		return rc;
	char abs_home[PATH_MAX];
	if (!make_home(a.home, abs_home))
		return 1;
	char pass[512];
	if (!a.password && !a.token) {
		char pf[PATH_MAX];
		if (path_in(pf, sizeof(pf), abs_home, "authd.pass") &&
		    read_first_line(pf, pass, sizeof(pass)))
			a.password = pass;
	}
	enroll_files f;
	if (!enroll_paths(abs_home, &f))
		return 1;
	char id[YG_AGENT_ID_MAX] = "";
	rc = enroll_install(&f, enroll_ask(&a, &f, id));
	if (!rc) {
		printf("%s\n", id);
		write_starter_conf(abs_home, a.manager);
	}
	return rc;
}
