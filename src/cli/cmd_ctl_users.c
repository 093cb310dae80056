/* cmd_ctl_users.c: `yagura ctl users`: the REST API's users and tokens
 * (HOME/api/users.db, the database the manager's API reads; see
 * src/api/api_users.h). A new user's password is read from stdin with
 * --stdin, else generated and shown once. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api_users.h"
#include "cli/cmd_ctl_int.h"

#define PW_MIN 8
#define PW_MAX 1024

static yg_api_users *open_users(ctl *c)
{
	char path[PATH_MAX + 32];
	if (!ctl_path(c, path, sizeof(path), "api") ||
	    (mkdir(path, 0700) != 0 && !ctl_exists(c, "api")) ||
	    !ctl_path(c, path, sizeof(path), "api/users.db"))
		return NULL;
	yg_api_users *u = NULL;
	if (yg_api_users_open(path, NULL, &u)) {
		ctl_err("cannot open %s", path);
		return NULL;
	}
	return u;
}

static int list_one(void *ctx, const char *name, yg_api_role role, int64_t created)
{
	json_object *a = ((void **)ctx)[0];
	ctl_table *t = ((void **)ctx)[1];
	if (a) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", ctl_jstr(name));
		json_object_object_add(o, "role", ctl_jstr(yg_api_role_name(role)));
		ctl_jtime(o, "created", created);
		json_object_array_add(a, o);
	} else {
		char tb[32];
		const char *cells[] = {name, yg_api_role_name(role),
		                       ctl_fmt_time(created, tb, sizeof(tb))};
		ctl_table_row(t, cells);
	}
	return 0;
}

static int users_list(ctl *c, yg_api_users *u)
{
	static const char *const head[] = {"NAME", "ROLE", "CREATED"};
	void *ctx[2] = {c->json ? json_object_new_array() : NULL,
	                c->json ? NULL : ctl_table_new(3, head)};
	yg_err err = yg_api_user_list(u, list_one, ctx);
	if (c->json)
		ctl_print_json(ctx[0]);
	else
		ctl_table_print(ctx[1]);
	return err ? CTL_FAIL : CTL_OK;
}

/* The password for add/passwd: --stdin, or a generated one (shown). */
static bool get_password(bool from_stdin, char *pw, size_t n)
{
	return from_stdin ? ctl_read_secret("users --stdin", pw, n, PW_MIN)
	                  : ctl_random_secret(pw, n);
}

static void print_secret(ctl *c, const char *user, const char *key, const char *secret,
                         const char *what)
{
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", ctl_jstr(user));
		if (secret)
			json_object_object_add(o, key, ctl_jstr(secret));
		ctl_print_json(o);
	} else if (secret) {
		printf("%s for %s (shown only this once):\n%s\n", what, user, secret);
	} else {
		printf("%s for %s set\n", what, user);
	}
}

/* users add / users passwd: the password from the terminal or stdin. */
static int users_set_password(ctl *c, yg_api_users *u, const char *v, const char *name,
                              yg_api_role role, bool from_stdin)
{
	char pw[PW_MAX + 2];
	int rc = CTL_OK;
	bool add = !strcmp(v, "add");
	if (!get_password(from_stdin, pw, sizeof(pw))) {
		rc = CTL_FAIL;
	} else {
		yg_err err =
		        add ? yg_api_user_add(u, name, pw, role) : yg_api_user_passwd(u, name, pw);
		if (err) {
			ctl_err("users %s %s: %s", v, name,
			        err == YG_ENOTFOUND ? "no such user"
			        : add               ? "the name is taken or the password is not "
			                              "allowed (8-1024 characters)"
			                            : yg_strerror(err));
			rc = CTL_FAIL;
		} else {
			print_secret(c, name, "password", from_stdin ? NULL : pw, "password");
		}
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}

/* users remove, with a note when no admin is left to log in. */
static int users_remove(ctl *c, yg_api_users *u, const char *name)
{
	uint64_t admins = 0;
	yg_err err = yg_api_user_remove(u, name);
	if (err) {
		ctl_err("users remove %s: %s", name,
		        err == YG_ENOTFOUND ? "no such user" : yg_strerror(err));
		return CTL_FAIL;
	}
	if (!c->json) {
		printf("user %s removed, with their tokens\n", name);
	} else {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "removed", ctl_jstr(name));
		ctl_print_json(o);
	}
	if (yg_api_user_count_admins(u, &admins) == YG_OK && admins == 0 && !c->json)
		printf("note: no admin user is left; add one with `users add NAME --role "
		       "admin`\n");
	return CTL_OK;
}

/* users token: a new API token, shown once and then wiped from memory. */
static int users_token(ctl *c, yg_api_users *u, const char *name, long ttl, const char *label)
{
	char tok[YG_API_TOKEN_LEN];
	int64_t id = 0;
	time_t exp = 0;
	int rc = CTL_OK;
	yg_err err = yg_api_token_create(u, name, ttl, false, label, tok, &id, &exp);
	if (err) {
		ctl_err("users token %s: %s", name,
		        err == YG_ENOTFOUND ? "no such user" : yg_strerror(err));
		rc = CTL_FAIL;
	} else if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", ctl_jstr(name));
		json_object_object_add(o, "id", json_object_new_int64(id));
		json_object_object_add(o, "token", ctl_jstr(tok));
		ctl_jtime(o, "expires", exp);
		ctl_print_json(o);
	} else {
		char tb[32];
		printf("API token %lld for %s, valid until %s (shown only this "
		       "once):\n%s\n",
		       (long long)id, name, ctl_fmt_time(exp, tb, sizeof(tb)), tok);
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

int ctl_users(ctl *c)
{
	const char *v = c->verb ? c->verb : "";
	const char *role_s = ctl_opt_value(c, "--role");
	const char *ttl_s = ctl_opt_value(c, "--ttl");
	const char *label = ctl_opt_value(c, "--label");
	bool from_stdin = ctl_flag(c, "--stdin");
	bool list = !strcmp(v, "list");
	int rc = ctl_done(c, list ? 0 : 1, list ? 0 : 1);
	if (rc)
		return rc;
	if (!list && strcmp(v, "add") && strcmp(v, "passwd") && strcmp(v, "remove") &&
	    strcmp(v, "token")) {
		ctl_err("users: unknown verb '%.32s' (list, add, passwd, remove, token)", v);
		return CTL_USAGE;
	}
	const char *name = list ? NULL : c->pos[0];
	if (name && !yg_api_user_name_valid(name)) {
		ctl_err("users: '%.64s' is not a valid user name (1-64 of A-Z a-z 0-9 . _ @ -)",
		        name);
		return CTL_FAIL;
	}
	yg_api_role role = YG_API_ROLE_READ_ONLY;
	if (role_s && (role = yg_api_role_parse(role_s)) == YG_API_ROLE_NONE) {
		ctl_err("users: --role must be admin, analyst or read-only");
		return CTL_USAGE;
	}
	long ttl = 30L * 86400;
	if (ttl_s && !ctl_parse_duration(ttl_s, 60, 10L * 365 * 86400, "--ttl", &ttl))
		return CTL_USAGE;
	if (label && !ctl_check_text(label, 128, "--label"))
		return CTL_USAGE;
	yg_api_users *u = open_users(c);
	if (!u)
		return CTL_FAIL;
	if (list)
		rc = users_list(c, u);
	else if (!strcmp(v, "add") || !strcmp(v, "passwd"))
		rc = users_set_password(c, u, v, name, role, from_stdin);
	else if (!strcmp(v, "remove"))
		rc = users_remove(c, u, name);
	else
		rc = users_token(c, u, name, ttl, label);
	yg_api_users_close(u);
	return rc;
}
