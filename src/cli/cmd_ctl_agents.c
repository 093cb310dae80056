/* cmd_ctl_agents.c: `yagura ctl agents|token|password|ca`: the agent
 * registry (in HOME/var/db/manager.db), enrolment tokens and password, and
 * the CA's fingerprint. Everything goes through transport/registry.h and
 * transport/ca.h. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_ctl_int.h"
#include "store/registry.h"
#include "transport/ca.h"

#define TOKEN_TTL_MAX (30L * 86400)
#define PASS_MIN 8
#define PASS_MAX 256

/* Opens the registry; when `create` is false and manager.db does not exist
 * yet, *reg is NULL and the result CTL_OK (nothing registered). */
static int open_registry(ctl *c, bool create, yg_registry **reg)
{
	char p[PATH_MAX + 64];
	*reg = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/manager.db"))
		return CTL_FAIL;
	if (access(p, F_OK) != 0) {
		if (!create)
			return CTL_OK;
		if (!ctl_make_db_dir(c))
			return CTL_FAIL;
	}
	yg_diag *d = yg_diag_create();
	yg_err err = d ? yg_registry_open(p, d, reg) : YG_ENOMEM;
	if (err) {
		if (d)
			yg_diag_print(d, stderr);
		ctl_err("cannot open the agent registry in %s: %s", p, yg_strerror(err));
	}
	yg_diag_destroy(d);
	return err ? CTL_FAIL : CTL_OK;
}

static json_object *agent_json(const yg_agent_info *a, bool full)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", ctl_jstr(a->id));
	json_object_object_add(o, "name", ctl_jstr(a->name));
	json_object_object_add(o, "ip", ctl_jstr(a->ip));
	json_object_object_add(o, "status",
	                       ctl_jstr(a->revoked ? "revoked" : yg_agent_status_name(a->status)));
	json_object_object_add(o, "version", ctl_jstr(a->version));
	ctl_jtime(o, "last_keepalive", a->last_keepalive);
	json_object_object_add(
	        o, "last_keepalive_age",
	        a->last_keepalive ? json_object_new_int64((int64_t)(time(NULL) - a->last_keepalive))
	                          : NULL);
	json_object_object_add(o, "revoked", json_object_new_boolean(a->revoked));
	if (full) {
		ctl_jtime(o, "date_add", a->date_add);
		json_object_object_add(o, "cert_serial", ctl_jstr(a->cert_serial));
		json_object_object_add(o, "last_committed_seq",
		                       json_object_new_int64((int64_t)a->last_committed_seq));
	}
	return o;
}

typedef struct list_ctx {
	ctl *c;
	json_object *arr;
	ctl_table *t;
	size_t by_status[4]; /* never_connected, active, disconnected, revoked */
} list_ctx;

static bool list_one(void *ctx, const yg_agent_info *a)
{
	list_ctx *l = ctx;
	if (a->revoked)
		l->by_status[3]++;
	else if ((unsigned)a->status < 3)
		l->by_status[a->status]++;
	if (l->arr)
		json_object_array_add(l->arr, agent_json(a, false));
	if (l->t) {
		char age[32];
		const char *row[] = {a->id,
		                     a->name,
		                     a->ip[0] ? a->ip : "any",
		                     a->revoked ? "revoked" : yg_agent_status_name(a->status),
		                     a->version[0] ? a->version : "-",
		                     ctl_fmt_age(a->last_keepalive, age, sizeof(age))};
		ctl_table_row(l->t, row);
	}
	return true;
}

static int agents_list(ctl *c, yg_registry *reg)
{
	static const char *const head[] = {"ID", "NAME", "IP", "STATUS", "VERSION", "KEEPALIVE"};
	list_ctx l = {.c = c};
	if (c->json)
		l.arr = json_object_new_array();
	else
		l.t = ctl_table_new(6, head);
	if (reg && yg_registry_list(reg, list_one, &l)) {
		ctl_err("cannot read the agent registry");
		json_object_put(l.arr);
		if (l.t)
			ctl_table_print(l.t);
		return CTL_FAIL;
	}
	if (c->json)
		ctl_print_json(l.arr);
	else
		ctl_table_print(l.t);
	return CTL_OK;
}

static int agents_show(ctl *c, yg_registry *reg, const char *id)
{
	yg_agent_info a;
	yg_err err = reg ? yg_registry_get(reg, id, &a) : YG_ENOTFOUND;
	if (err == YG_ENOTFOUND) {
		ctl_err("no agent %s", id);
		return CTL_FAIL;
	} else if (err) {
		ctl_err("cannot read the agent registry: %s", yg_strerror(err));
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(agent_json(&a, true));
		return CTL_OK;
	}
	char t[32], age[32], seq[32];
	ctl_kv("id:", a.id);
	ctl_kv("name:", a.name);
	ctl_kv("ip:", a.ip[0] ? a.ip : "any");
	ctl_kv("status:", a.revoked ? "revoked" : yg_agent_status_name(a.status));
	ctl_kv("version:", a.version[0] ? a.version : "-");
	ctl_kv("keepalive:", ctl_fmt_age(a.last_keepalive, age, sizeof(age)));
	ctl_kv("added:", ctl_fmt_time(a.date_add, t, sizeof(t)));
	ctl_kv("certificate:", a.cert_serial[0] ? a.cert_serial : "-");
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)a.last_committed_seq);
	ctl_kv("committed seq:", seq);
	return CTL_OK;
}

/* remove / revoke: the certificate is refused from the next connection. */
static int agents_change(ctl *c, yg_registry *reg, const char *id, bool remove)
{
	if (!strcmp(id, "000")) {
		ctl_err("000 is the manager itself, not an agent");
		return CTL_FAIL;
	}
	yg_agent_info a;
	yg_err err = reg ? yg_registry_get(reg, id, &a) : YG_ENOTFOUND;
	if (!err)
		err = remove ? yg_registry_remove(reg, id) : yg_registry_revoke(reg, id);
	if (err == YG_ENOTFOUND) {
		ctl_err("no agent %s", id);
		return CTL_FAIL;
	} else if (err) {
		ctl_err("cannot %s agent %s: %s", remove ? "remove" : "revoke", id,
		        yg_strerror(err));
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "id", ctl_jstr(a.id));
		json_object_object_add(o, "name", ctl_jstr(a.name));
		json_object_object_add(o, remove ? "removed" : "revoked",
		                       json_object_new_boolean(true));
	} else {
		printf("Agent %s (%s) %s: its certificate is refused from its next connection, "
		       "forever.%s\n",
		       a.id, a.name, remove ? "removed" : "revoked",
		       remove ? " Its name is free for a new enrolment." : "");
	}
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

int ctl_agents(ctl *c)
{
	const char *verb = c->verb ? c->verb : "";
	bool list = !strcmp(verb, "list"), show = !strcmp(verb, "show"),
	     rm = !strcmp(verb, "remove"), rv = !strcmp(verb, "revoke");
	if (!list && !show && !rm && !rv) {
		ctl_err("agents: unknown verb '%.32s' (list, show, remove, revoke)", verb);
		return CTL_USAGE;
	}
	int rc = ctl_done(c, list ? 0 : 1, list ? 0 : 1);
	if (rc)
		return rc;
	char id[16] = "";
	if (!list && !ctl_agent_id(c->pos[0], id))
		return CTL_FAIL;
	yg_registry *reg;
	if ((rc = open_registry(c, false, &reg)))
		return rc;
	if (list)
		rc = agents_list(c, reg);
	else if (show)
		rc = agents_show(c, reg, id);
	else
		rc = agents_change(c, reg, id, rm);
	yg_registry_close(reg);
	return rc;
}

void ctl_status_agents(ctl *c, json_object *o)
{
	yg_registry *reg;
	list_ctx l = {.c = c};
	bool ok = open_registry(c, false, &reg) == CTL_OK &&
	          (!reg || yg_registry_list(reg, list_one, &l) == YG_OK);
	yg_registry_close(reg);
	if (!ok) {
		json_object_object_add(o, "agents", NULL);
		if (!c->json)
			printf("agents:        unreadable\n");
		return;
	}
	json_object *a = json_object_new_object();
	static const char *const names[] = {"never_connected", "active", "disconnected", "revoked"};
	size_t total = 0;
	for (int i = 0; i < 4; i++) {
		json_object_object_add(a, names[i], json_object_new_int64((int64_t)l.by_status[i]));
		total += l.by_status[i];
	}
	json_object_object_add(a, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "agents", a);
	if (!c->json)
		printf("agents:        %zu (%zu active, %zu disconnected, %zu never connected, %zu "
		       "revoked)\n",
		       total, l.by_status[1], l.by_status[2], l.by_status[0], l.by_status[3]);
}

/* ---- token ---- */

int ctl_token(ctl *c)
{
	if (!c->verb || strcmp(c->verb, "create")) {
		ctl_err("token: unknown verb '%.32s' (create)", c->verb ? c->verb : "");
		return CTL_USAGE;
	}
	const char *ttl_s = ctl_opt_value(c, "--ttl");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	long ttl = 3600;
	if (ttl_s && !ctl_parse_duration(ttl_s, 60, TOKEN_TTL_MAX, "--ttl", &ttl))
		return CTL_FAIL;
	yg_registry *reg;
	if ((rc = open_registry(c, true, &reg)))
		return rc;
	char token[YG_TOKEN_LEN];
	time_t now = time(NULL);
	yg_err err = yg_registry_token_create(reg, ttl, now, token);
	yg_registry_close(reg);
	if (err) {
		ctl_err("cannot create a token: %s", yg_strerror(err));
		return CTL_FAIL;
	}
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "token", ctl_jstr(token));
		ctl_jtime(o, "expires", (int64_t)(now + ttl));
		ctl_print_json(o);
	} else {
		char t[32];
		/* the token alone on stdout, for scripts; the rest for people */
		printf("%s\n", token);
		fprintf(stderr,
		        "One-time enrolment token, valid until %s; shown only this once. Use it "
		        "with: yagura enroll --token TOKEN ...\n",
		        ctl_fmt_time((int64_t)(now + ttl), t, sizeof(t)));
	}
	OPENSSL_cleanse(token, sizeof(token));
	return CTL_OK;
}

/* ---- password ---- */

/* Writes HOME/etc/authd.pass (0600) atomically: a temporary file beside
 * it, synced, then renamed over it. */
static bool write_password(ctl *c, const char *pw)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
	if (!ctl_path(c, dir, sizeof(dir), "etc") ||
	    !ctl_path(c, path, sizeof(path), "etc/authd.pass"))
		return false;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		ctl_err("cannot create %s: %s", dir, strerror(errno));
		return false;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ctl_err("cannot write %s: %s", tmp, strerror(errno));
		return false;
	}
	size_t len = strlen(pw);
	bool ok = write(fd, pw, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		ctl_err("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

/* `password set`: HOME/etc/authd.pass, read by the manager as its first
 * line without trailing blanks. */
int ctl_password(ctl *c)
{
	if (!c->verb || strcmp(c->verb, "set")) {
		ctl_err("password: unknown verb '%.32s' (set)", c->verb ? c->verb : "");
		return CTL_USAGE;
	}
	bool from_stdin = ctl_flag(c, "--stdin");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	char pw[PASS_MAX + 2];
	if (!(from_stdin ? ctl_read_secret("password set --stdin", pw, sizeof(pw), PASS_MIN)
	                 : ctl_random_secret(pw, sizeof(pw))))
		return CTL_FAIL;
	bool ok = write_password(c, pw);
	if (ok) {
		char path[PATH_MAX + 64];
		ctl_path(c, path, sizeof(path), "etc/authd.pass");
		if (c->json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "file", ctl_jstr(path));
			json_object_object_add(o, "password", from_stdin ? NULL : ctl_jstr(pw));
			ctl_print_json(o);
		} else {
			if (!from_stdin)
				printf("%s\n", pw);
			fprintf(stderr,
			        "Enrolment password written to %s (0600)%s. The manager reads it "
			        "when it starts: restart it.\n",
			        path, from_stdin ? "" : "; shown only this once");
		}
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return ok ? CTL_OK : CTL_FAIL;
}

/* ---- ca ---- */

int ctl_ca(ctl *c)
{
	if (!c->verb || strcmp(c->verb, "fingerprint")) {
		ctl_err("ca: unknown verb '%.32s' (fingerprint)", c->verb ? c->verb : "");
		return CTL_USAGE;
	}
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	char path[PATH_MAX + 64], fp[YG_CA_FP_LEN];
	if (!ctl_path(c, path, sizeof(path), "etc/ca/ca.crt"))
		return CTL_FAIL;
	if (access(path, F_OK) != 0) {
		ctl_err("no CA yet (%s): the manager creates it when it starts with <remote> "
		        "configured",
		        path);
		return CTL_FAIL;
	}
	yg_err err = yg_ca_fingerprint_file(path, fp);
	if (err) {
		ctl_err("cannot read %s: %s", path, yg_strerror(err));
		return CTL_FAIL;
	}
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "sha256", ctl_jstr(fp));
		json_object_object_add(o, "file", ctl_jstr(path));
		ctl_print_json(o);
	} else {
		printf("%s\n", fp);
	}
	return CTL_OK;
}
