/* cmd_ctl.c: `yagura ctl`, the administrator's command line: argument
 * parsing, dispatch to the groups (cmd_ctl_<group>.c) and the helpers they
 * share (cmd_ctl_int.h). docs/ctl.md describes every verb. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_ctl_int.h"
#include "common/ydaemon.h"
#include "common/yopt.h"
#include "common/ytime.h"

static const char usage_text[] =
        "usage: yagura ctl [-D HOME] [-c ossec.conf] [--json] <group> <verb> [args]\n"
        "\n"
        "  agents list | show ID | remove ID | revoke ID\n"
        "  token create [--ttl 1h]\n"
        "  password set [--stdin]\n"
        "  ca fingerprint\n"
        "  bans list [--all] [--limit N]\n"
        "  bans add ADDR [--timeout SECONDS] [--reason TEXT] [--agent ID]\n"
        "  bans lift ADDR | extend ADDR SECONDS\n"
        "  outbox list [--state pending|in_flight|delivered|dead] [--integration KEY]"
        " [--limit N]\n"
        "  outbox retry ID\n"
        "  tickets list [--status open|in_progress|closed] [--text T] [--limit N]\n"
        "  tickets show ID | close ID --resolution TEXT | comment ID TEXT\n"
        "  users list | add NAME [--role admin|analyst|read-only] [--stdin]\n"
        "  users passwd NAME [--stdin] | remove NAME\n"
        "  users token NAME [--ttl 30d] [--label TEXT]   (an API token, shown once)\n"
        "  alerts search [--rule ID] [--level N] [--srcip IP] [--agent ID] [--text T]\n"
        "                [--since TIME] [--limit N]\n"
        "  status\n"
        "  reload | stop [--timeout 60s]   (signal the running manager)\n"
        "\n"
        "  -D HOME    the manager's home (var/db/, var/run/, etc/ under it);\n"
        "             default $YAGURA_HOME, else /var/ossec\n"
        "  -c FILE    the manager's configuration (default HOME/etc/ossec.conf), read\n"
        "             for the WAF allow-list and tickets' close_lifts_bans\n"
        "  --json     machine output (one JSON value on stdout)\n"
        "Exit status: 0 done, 1 error (message on stderr), 2 usage.\n";

static const struct {
	const char *name;
	int (*fn)(ctl *c);
} groups[] = {
        {"agents", ctl_agents}, {"token", ctl_token},     {"password", ctl_password},
        {"ca", ctl_ca},         {"bans", ctl_bans},       {"outbox", ctl_outbox},
        {"users", ctl_users},   {"tickets", ctl_tickets}, {"alerts", ctl_alerts},
        {"status", ctl_status}, {"reload", ctl_reload},   {"stop", ctl_stop},
};

/* Options that take a value; every other "--x" is a flag. */
static const char *const valued[] = {
        "-D",       "--home",        "-c",       "--ttl",        "--timeout",
        "--reason", "--state",       "--status", "--resolution", "--rule",
        "--level",  "--srcip",       "--agent",  "--text",       "--since",
        "--limit",  "--integration", "--role",   "--label"};
static const char *const flags[] = {"--json", "--all", "--stdin", "-h", "--help"};

void ctl_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("yagura ctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- arguments ---- */

static bool is_valued(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (strlen(valued[i]) == len && !strncmp(valued[i], name, len))
			return true;
	return false;
}

static bool is_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(flags[i], name))
			return true;
	return false;
}

/* An option word: "-x" or "--x", but not "-" or a negative number (which
 * the verbs refuse with a better message). */
static bool looks_like_option(const char *s)
{
	return s[0] == '-' && s[1] && !isdigit((unsigned char)s[1]);
}

/* Splits argv into positional words and options. CTL_USAGE (printed) on an
 * unknown option, a missing value or too many words. */
static int parse_args(ctl *c, int argc, char **argv)
{
	bool words_only = false;
	const char *words[CTL_MAXPOS + 2];
	size_t nwords = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!words_only && !strcmp(a, "--")) {
			words_only = true;
			continue;
		}
		if (words_only || !looks_like_option(a)) {
			if (nwords == CTL_MAXPOS + 2) {
				ctl_err("too many arguments");
				return CTL_USAGE;
			}
			words[nwords++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const char *value = NULL;
		if (is_valued(a, nlen)) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				ctl_err("%s needs a value", a);
				return CTL_USAGE;
			}
		} else if (eq || !is_flag(a)) {
			ctl_err("unknown option '%.64s'", a);
			return CTL_USAGE;
		}
		if (c->nopt == CTL_MAXOPT) {
			ctl_err("too many options");
			return CTL_USAGE;
		}
		for (size_t j = 0; j < c->nopt; j++)
			if (strlen(c->opt[j].name) == nlen && !strncmp(c->opt[j].name, a, nlen)) {
				ctl_err("option '%.*s' given twice", (int)nlen, a);
				return CTL_USAGE;
			}
		/* the name without "=value": point into a static copy */
		static char names[CTL_MAXOPT][24];
		snprintf(names[c->nopt], sizeof(names[0]), "%.*s", (int)(nlen < 23 ? nlen : 23), a);
		c->opt[c->nopt] = (ctl_opt){.name = names[c->nopt], .value = value};
		c->nopt++;
	}
	if (nwords < 1)
		return CTL_USAGE;
	c->group = words[0];
	c->verb = nwords > 1 ? words[1] : NULL;
	for (size_t i = 2; i < nwords; i++)
		c->pos[c->npos++] = words[i];
	return CTL_OK;
}

static ctl_opt *find_opt(ctl *c, const char *name)
{
	for (size_t i = 0; i < c->nopt; i++)
		if (!strcmp(c->opt[i].name, name))
			return &c->opt[i];
	return NULL;
}

const char *ctl_opt_value(ctl *c, const char *name)
{
	ctl_opt *o = find_opt(c, name);
	if (!o)
		return NULL;
	o->used = true;
	return o->value;
}

bool ctl_flag(ctl *c, const char *name)
{
	ctl_opt *o = find_opt(c, name);
	if (o)
		o->used = true;
	return o != NULL;
}

int ctl_done(ctl *c, size_t min, size_t max)
{
	for (size_t i = 0; i < c->nopt; i++)
		if (!c->opt[i].used) {
			ctl_err("'%s %s' has no option %s", c->group, c->verb ? c->verb : "",
			        c->opt[i].name);
			return CTL_USAGE;
		}
	if (c->npos < min) {
		ctl_err("'%s %s' needs more arguments", c->group, c->verb ? c->verb : "");
		return CTL_USAGE;
	}
	if (c->npos > max) {
		ctl_err("'%s %s' takes %zu argument%s", c->group, c->verb ? c->verb : "", max,
		        max == 1 ? "" : "s");
		return CTL_USAGE;
	}
	return CTL_OK;
}

bool ctl_parse_long(const char *s, long lo, long hi, const char *what, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = s && *s && (isdigit((unsigned char)*s) || *s == '-') ? strtol(s, &end, 10) : 0;
	if (!s || !end || *end || errno || v < lo || v > hi) {
		ctl_err("%s: expected a whole number from %ld to %ld, got '%.64s'", what, lo, hi,
		        s ? s : "");
		return false;
	}
	*out = v;
	return true;
}

bool ctl_parse_duration(const char *s, long lo, long hi, const char *what, long *out)
{
	uint64_t v;
	if (!s || lo < 0 || !yg_opt_parse_seconds(s, (uint64_t)lo, (uint64_t)hi, &v)) {
		ctl_err("%s: expected a duration (90, 90s, 15m, 2h, 7d) from %lds to %lds, got "
		        "'%.64s'",
		        what, lo, hi, s ? s : "");
		return false;
	}
	*out = (long)v;
	return true;
}

/* Reads exactly n digits at *p into *v. */
static bool digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

bool ctl_parse_since(const char *s, time_t *out)
{
	long secs;
	size_t len = strlen(s);
	if (len && len < 16 && strchr("smhd", s[len - 1]) && !strchr(s, '-')) {
		if (!ctl_parse_duration(s, 0, 3650L * 86400, "--since", &secs))
			return false;
		*out = time(NULL) - secs;
		return true;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0;
	bool utc = false;
	long off = 0;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		goto bad;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &se))
				goto bad;
		}
		if (*p == 'Z') {
			utc = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (!digits(&p, 2, &oh))
				goto bad;
			if (*p == ':')
				p++;
			if (*p && !digits(&p, 2, &om))
				goto bad;
			utc = true;
			off = sign * (oh * 3600L + om * 60L);
		}
	}
	if (*p || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	time_t t = utc ? timegm(&tm) - off : mktime(&tm);
	if (t == (time_t)-1)
		goto bad;
	*out = t;
	return true;
bad:
	ctl_err("--since: expected 2024-05-01, 2024-05-01T10:00:00[Z|+hh:mm] or a duration "
	        "back from now (2h, 7d), got '%.64s'",
	        s);
	return false;
}

bool ctl_read_secret(const char *what, char *out, size_t n, size_t min)
{
	if (!fgets(out, (int)n, stdin)) {
		ctl_err("%s: nothing on stdin", what);
		return false;
	}
	size_t len = strlen(out);
	if (len == n - 1 && out[len - 1] != '\n') {
		ctl_err("%s: the secret is longer than %zu bytes", what, n - 2);
		return false;
	}
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' ' ||
	               out[len - 1] == '\t'))
		out[--len] = '\0';
	if (len < min) {
		ctl_err("%s: it must have at least %zu characters", what, min);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			ctl_err("%s: it holds a control character", what);
			return false;
		}
	return true;
}

bool ctl_random_secret(char *out, size_t n)
{
	unsigned char r[16];
	if (n < 2 * sizeof(r) + 1 || RAND_bytes(r, sizeof(r)) != 1) {
		ctl_err("no random bytes for a secret");
		return false;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	OPENSSL_cleanse(r, sizeof(r));
	return true;
}

bool ctl_check_text(const char *s, size_t max, const char *what)
{
	size_t n = strlen(s);
	if (n == 0) {
		ctl_err("%s is empty", what);
		return false;
	}
	if (n > max) {
		ctl_err("%s is too long (%zu bytes, at most %zu)", what, n, max);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			ctl_err("%s holds a control character", what);
			return false;
		}
	}
	return true;
}

bool ctl_agent_id(const char *s, char out[16])
{
	size_t n = strlen(s);
	bool ok = n >= 1 && n <= 11;
	for (size_t i = 0; ok && i < n; i++)
		ok = isdigit((unsigned char)s[i]);
	if (!ok) {
		ctl_err("'%.64s' is not an agent id (digits, e.g. 001)", s);
		return false;
	}
	snprintf(out, 16, "%s%s", n >= 3 ? "" : n == 2 ? "0" : "00", s);
	return true;
}

/* ---- home ---- */

bool ctl_path(const ctl *c, char *buf, size_t n, const char *rel)
{
	int k = snprintf(buf, n, "%s/%s", c->home, rel);
	if (k < 0 || (size_t)k >= n) {
		ctl_err("path too long under %s", c->home);
		return false;
	}
	return true;
}

bool ctl_exists(const ctl *c, const char *rel)
{
	char p[PATH_MAX + 64];
	return ctl_path(c, p, sizeof(p), rel) && access(p, F_OK) == 0;
}

bool ctl_make_db_dir(const ctl *c)
{
	char p[PATH_MAX + 64];
	if (!ctl_path(c, p, sizeof(p), "var/db"))
		return false;
	if (mkdir(p, 0750) != 0 && errno != EEXIST) {
		ctl_err("cannot create %s: %s", p, strerror(errno));
		return false;
	}
	return true;
}

int ctl_config(ctl *c, bool *loaded)
{
	if (c->cfg_read) {
		*loaded = c->cfg_loaded;
		return CTL_OK;
	}
	c->cfg_read = true;
	*loaded = false;
	char def[PATH_MAX + 64];
	const char *path = c->conf;
	if (!path) {
		if (!ctl_path(c, def, sizeof(def), "etc/ossec.conf"))
			return CTL_FAIL;
		if (access(def, F_OK) != 0)
			return CTL_OK;
		path = def;
	}
	yg_diag *d = yg_diag_create();
	if (!d) {
		ctl_err("out of memory");
		return CTL_FAIL;
	}
	const char *files[1] = {path};
	yg_err err = yg_manager_config_read(&c->cfg, files, 1, c->home, d);
	c->cfg_loaded = true;
	if (err) {
		yg_diag_print(d, stderr);
		ctl_err("the configuration %s has errors (fix them, or give another with -c)",
		        path);
		yg_diag_destroy(d);
		return CTL_FAIL;
	}
	yg_diag_destroy(d);
	*loaded = true;
	return CTL_OK;
}

const char *ctl_actor(void)
{
	static char who[72];
	if (!who[0]) {
		struct passwd *pw = getpwuid(geteuid());
		char name[48] = "";
		if (pw && pw->pw_name)
			snprintf(name, sizeof(name), "%s", pw->pw_name);
		/* keep it to what every store accepts */
		for (char *p = name; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
				*p = '_';
		snprintf(who, sizeof(who), "ctl:%s", name[0] ? name : "unknown");
	}
	return who;
}

/* ---- the running manager ---- */

bool ctl_manager_running(const ctl *c, long *pid)
{
	long v = yg_pidfile_holder(c->home, "var/run/yagura.pid");
	*pid = v > 0 ? v : 0;
	return v > 0;
}

/* Whether process pid has a handler for sig (SigCgt of /proc/PID/status). */
static bool catches(long pid, int sig)
{
	char p[64], line[256];
	snprintf(p, sizeof(p), "/proc/%ld/status", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return false;
	bool yes = false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "SigCgt:", 7))
			continue;
		unsigned long long mask = strtoull(line + 7, NULL, 16);
		yes = (mask >> (sig - 1)) & 1u;
		break;
	}
	fclose(f);
	return yes;
}

void ctl_notify_manager(ctl *c, json_object *o)
{
	long pid;
	bool running = ctl_manager_running(c, &pid);
	bool handles = running && catches(pid, SIGUSR1);
	bool sent = handles && kill((pid_t)pid, SIGUSR1) == 0;
	if (o) {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "running", json_object_new_boolean(running));
		json_object_object_add(m, "pid", running ? json_object_new_int64(pid) : NULL);
		json_object_object_add(m, "notified", json_object_new_boolean(sent));
		json_object_object_add(o, "manager", m);
	}
	if (c->json)
		return;
	if (!running)
		printf("The manager is not running: it reads the change when it starts.\n");
	else if (sent)
		printf("The manager (pid %ld) was told to re-read it (SIGUSR1).\n", pid);
	else
		printf("The manager (pid %ld) does not take SIGUSR1: it reads the change at its "
		       "next periodic check (a few seconds).\n",
		       pid);
}

/* ---- output ---- */

void ctl_print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                               JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

json_object *ctl_jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static void iso(int64_t t, char *buf, size_t n)
{
	yg_time_format_utc((time_t)t, buf, n);
}

void ctl_jtime(json_object *o, const char *key, int64_t t)
{
	char k[64], v[40];
	snprintf(k, sizeof(k), "%s_iso", key);
	iso(t, v, sizeof(v));
	json_object_object_add(o, key, t ? json_object_new_int64(t) : NULL);
	json_object_object_add(o, k, t ? json_object_new_string(v) : NULL);
}

const char *ctl_fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "-");
	return buf;
}

/* "45s", "3m", "2h", "5d". */
static void span(int64_t s, char *buf, size_t n)
{
	if (s < 120)
		snprintf(buf, n, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, n, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, n, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, n, "%lldd", (long long)(s / 86400));
}

const char *ctl_fmt_age(int64_t t, char *buf, size_t n)
{
	if (!t) {
		snprintf(buf, n, "never");
		return buf;
	}
	int64_t d = (int64_t)time(NULL) - t;
	char s[32];
	span(d < 0 ? 0 : d, s, sizeof(s));
	snprintf(buf, n, "%s ago", s);
	return buf;
}

const char *ctl_fmt_in(int64_t t, char *buf, size_t n)
{
	if (!t) {
		snprintf(buf, n, "permanent");
		return buf;
	}
	int64_t d = t - (int64_t)time(NULL);
	char s[32];
	if (d <= 0) {
		snprintf(buf, n, "due");
		return buf;
	}
	span(d, s, sizeof(s));
	snprintf(buf, n, "in %s", s);
	return buf;
}

#define CELL_MAX 60

struct ctl_table {
	size_t ncols;
	const char *const *head;
	char **cells; /* nrows * ncols */
	size_t nrows, cap;
};

ctl_table *ctl_table_new(size_t ncols, const char *const *head)
{
	ctl_table *t = calloc(1, sizeof(*t));
	if (t) {
		t->ncols = ncols;
		t->head = head;
	}
	return t;
}

/* A copy of s with control bytes as '?', cut at max bytes (on a UTF-8
 * boundary) with "..." when longer; max 0 = uncut. */
static char *sanitize(const char *s, size_t max)
{
	size_t n = strlen(s), cut = n;
	if (max && n > max) {
		cut = max - 3;
		while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	char *o = malloc(cut + 4);
	if (!o)
		return NULL;
	for (size_t i = 0; i < cut; i++) {
		unsigned char ch = (unsigned char)s[i];
		o[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (cut < n) {
		memcpy(o + cut, "...", 3);
		cut += 3;
	}
	o[cut] = '\0';
	return o;
}

void ctl_table_row(ctl_table *t, const char *const *cells)
{
	if (!t)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **v = realloc(t->cells, cap * t->ncols * sizeof(*v));
		if (!v)
			return;
		t->cells = v;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = sanitize(cells[i] ? cells[i] : "-", CELL_MAX);
	t->nrows++;
}

/* Display width of UTF-8 text: code points (good enough for a table). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

void ctl_table_print(ctl_table *t)
{
	if (!t) {
		ctl_err("out of memory");
		return;
	}
	if (!t->nrows) {
		printf("(none)\n");
	} else {
		size_t w[16] = {0};
		for (size_t i = 0; i < t->ncols && i < 16; i++) {
			w[i] = width(t->head[i]);
			for (size_t r = 0; r < t->nrows; r++) {
				size_t x = width(t->cells[r * t->ncols + i]);
				if (x > w[i])
					w[i] = x;
			}
		}
		for (size_t r = 0; r <= t->nrows; r++) {
			for (size_t i = 0; i < t->ncols; i++) {
				const char *s = r ? t->cells[(r - 1) * t->ncols + i] : t->head[i];
				if (!s)
					s = "?";
				bool last = i + 1 == t->ncols;
				fputs(s, stdout);
				if (!last)
					for (size_t k = width(s); k < w[i] + 2; k++)
						putchar(' ');
			}
			putchar('\n');
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void ctl_kv(const char *label, const char *value)
{
	char *v = sanitize(value ? value : "-", 0);
	printf("%-14s %s\n", label, v ? v : "?");
	free(v);
}

/* ---- entry ---- */

/* On a usage error: the synopsis and where the rest is, not all of it. */
static void short_usage(void)
{
	fprintf(stderr, "%.*s", (int)strcspn(usage_text, "\n") + 1, usage_text);
	fprintf(stderr, "Try 'yagura ctl --help' for the groups and verbs.\n");
}

int cmd_ctl(int argc, char **argv)
{
	static ctl c;
	memset(&c, 0, sizeof(c));
	int rc = parse_args(&c, argc, argv);
	bool help = ctl_flag(&c, "-h") || ctl_flag(&c, "--help") ||
	            (c.group && !strcmp(c.group, "help"));
	if (help) {
		fputs(usage_text, stdout);
		return CTL_OK;
	}
	if (rc != CTL_OK || !c.group) {
		short_usage();
		return CTL_USAGE;
	}
	size_t g = 0, ngroups = sizeof(groups) / sizeof(groups[0]);
	while (g < ngroups && strcmp(c.group, groups[g].name))
		g++;
	if (g == ngroups) {
		const char *names[sizeof(groups) / sizeof(groups[0])];
		for (size_t i = 0; i < ngroups; i++)
			names[i] = groups[i].name;
		const char *near = cli_nearest(c.group, names, ngroups);
		if (near)
			ctl_err("unknown group '%.64s'; did you mean '%s'?", c.group, near);
		else
			ctl_err("unknown group '%.64s'", c.group);
		short_usage();
		return CTL_USAGE;
	}
	const char *home = ctl_opt_value(&c, "-D");
	const char *home2 = ctl_opt_value(&c, "--home");
	if (home && home2) {
		ctl_err("give -D or --home, not both");
		return CTL_USAGE;
	}
	home = home ? home : home2;
	c.conf = ctl_opt_value(&c, "-c");
	c.json = ctl_flag(&c, "--json");
	home = yg_home_choose(home);
	if (!realpath(home, c.home)) {
		ctl_err("home directory '%.200s' not found", home);
		return CTL_FAIL;
	}
	struct stat st;
	char var[PATH_MAX + 64];
	if (!ctl_path(&c, var, sizeof(var), "var") || stat(var, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ctl_err("%s is not a yagura home (no var/ directory): start the manager on it "
		        "once, or check -D",
		        c.home);
		return CTL_FAIL;
	}
	if (c.conf && access(c.conf, R_OK) != 0) {
		ctl_err("cannot read configuration file '%.200s'", c.conf);
		return CTL_FAIL;
	}
	rc = groups[g].fn(&c);
	if (rc == CTL_USAGE)
		short_usage();
	if (c.cfg_read)
		yg_manager_config_free(&c.cfg);
	fflush(stdout);
	return rc;
}
