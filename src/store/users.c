/* users.c (store): the API's users and tokens (store/users.h). */
#include "store/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS api_users("
         " name TEXT PRIMARY KEY, role INTEGER NOT NULL, salt BLOB NOT NULL,"
         " iterations INTEGER NOT NULL, hash BLOB NOT NULL,"
         " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
         "CREATE TABLE IF NOT EXISTS api_tokens("
         " id INTEGER PRIMARY KEY AUTOINCREMENT, hash BLOB NOT NULL UNIQUE,"
         " user TEXT NOT NULL, session INTEGER NOT NULL, label TEXT NOT NULL,"
         " created INTEGER NOT NULL, expires INTEGER NOT NULL);"
         "CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user);",
         NULL},
};

struct yg_users_db {
	yg_db *h;
	sqlite3 *db; /* h's connection */
};

yg_err yg_users_db_open(const char *path, yg_users_db **out, char *err, size_t errlen)
{
	*out = NULL;
	yg_users_db *u = calloc(1, sizeof(*u));
	if (!u)
		return YG_ENOMEM;
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	cfg.create = false; /* made by the caller, with its mode */
	yg_err e = yg_db_open(&cfg, NULL, &u->h);
	if (!e)
		e = yg_db_migrate(u->h, "users", schema, sizeof(schema) / sizeof(schema[0]));
	if (e) {
		snprintf(err, errlen, "%s", u->h ? yg_db_errmsg(u->h) : "out of memory");
		yg_users_db_close(u);
		return YG_EIO;
	}
	u->db = yg_db_sqlite(u->h);
	*out = u;
	return YG_OK;
}

void yg_users_db_close(yg_users_db *u)
{
	if (!u)
		return;
	yg_db_close(u->h);
	free(u);
}

/* Steps a statement without results: YG_OK, YG_EINVAL for a constraint,
 * YG_EIO. *changes (may be NULL) gets the rows changed. */
static yg_err step(yg_users_db *u, sqlite3_stmt *st, int *changes)
{
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (changes)
		*changes = sqlite3_changes(u->db);
	return rc == SQLITE_DONE ? YG_OK : rc == SQLITE_CONSTRAINT ? YG_EINVAL : YG_EIO;
}

static yg_err delete_tokens(yg_users_db *u, const char *name)
{
	sqlite3_stmt *st = yg_db_stmt(u->h, "DELETE FROM api_tokens WHERE user = ?1");
	if (st)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return step(u, st, NULL) ? YG_EIO : YG_OK;
}

static yg_err put_locked(yg_users_db *u, const char *name, const yg_users_secret *s, int64_t now,
                         bool insert)
{
	sqlite3_stmt *st = yg_db_stmt(u->h, insert ? "INSERT INTO api_users(name, role, salt,"
	                                             " iterations, hash, created, updated)"
	                                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
	                                           : "UPDATE api_users SET salt = ?3,"
	                                             " iterations = ?4, hash = ?5, updated = ?6"
	                                             " WHERE name = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (insert)
		sqlite3_bind_int(st, 2, s->role);
	sqlite3_bind_blob(st, 3, s->salt, YG_USERS_SALT_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, s->iterations);
	sqlite3_bind_blob(st, 5, s->hash, YG_USERS_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	int n = 0;
	yg_err err = step(u, st, &n); /* a constraint: the name is taken */
	if (!err && !insert && n == 0)
		err = YG_ENOTFOUND;
	/* Every token goes, API tokens too: whoever knew the old password may
	 * have minted one, and it must not outlive the change. */
	if (!err && !insert)
		err = delete_tokens(u, name);
	return err;
}

yg_err yg_users_db_put(yg_users_db *u, const char *name, const yg_users_secret *s, int64_t now,
                       bool insert)
{
	yg_db_txn *txn = NULL;
	if (yg_db_begin(u->h, &txn))
		return YG_EIO;
	yg_err err = put_locked(u, name, s, now, insert);
	yg_err end = yg_db_end(txn, err);
	return err ? err : end ? YG_EIO : YG_OK;
}

yg_err yg_users_db_get(yg_users_db *u, const char *name, yg_users_secret *out)
{
	sqlite3_stmt *st = yg_db_stmt(
	        u->h, "SELECT role, salt, iterations, hash FROM api_users WHERE name = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	yg_err err = YG_ENOTFOUND;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == YG_USERS_SALT_LEN &&
	    sqlite3_column_bytes(st, 3) == YG_USERS_HASH_LEN) {
		out->role = sqlite3_column_int(st, 0);
		memcpy(out->salt, sqlite3_column_blob(st, 1), YG_USERS_SALT_LEN);
		out->iterations = sqlite3_column_int(st, 2);
		memcpy(out->hash, sqlite3_column_blob(st, 3), YG_USERS_HASH_LEN);
		err = YG_OK;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = YG_EIO;
	}
	sqlite3_reset(st);
	return err;
}

yg_err yg_users_db_set_role(yg_users_db *u, const char *name, int role)
{
	sqlite3_stmt *st = yg_db_stmt(u->h, "UPDATE api_users SET role = ?2 WHERE name = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, role);
	int n = 0;
	yg_err err = step(u, st, &n) ? YG_EIO : YG_OK;
	return !err && n == 0 ? YG_ENOTFOUND : err;
}

yg_err yg_users_db_remove(yg_users_db *u, const char *name)
{
	yg_db_txn *txn = NULL;
	if (yg_db_begin(u->h, &txn))
		return YG_EIO;
	sqlite3_stmt *st = yg_db_stmt(u->h, "DELETE FROM api_users WHERE name = ?1");
	if (st)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int n = 0;
	yg_err err = step(u, st, &n) ? YG_EIO : YG_OK;
	if (!err && n == 0)
		err = YG_ENOTFOUND;
	if (!err)
		err = delete_tokens(u, name);
	yg_err end = yg_db_end(txn, err);
	return err ? err : end ? YG_EIO : YG_OK;
}

yg_err yg_users_db_list(yg_users_db *u,
                        int (*fn)(void *ctx, const char *name, int role, int64_t created),
                        void *ctx)
{
	sqlite3_stmt *st =
	        yg_db_stmt(u->h, "SELECT name, role, created FROM api_users ORDER BY name");
	if (!st)
		return YG_EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, yg_db_text(st, 0), sqlite3_column_int(st, 1),
		       sqlite3_column_int64(st, 2)))
			break;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* A count(*) query, already bound. */
static yg_err count(sqlite3_stmt *st, uint64_t *n)
{
	*n = 0;
	if (!st)
		return YG_EIO;
	yg_err err = YG_EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		err = YG_OK;
	}
	sqlite3_reset(st);
	return err;
}

yg_err yg_users_db_count_role(yg_users_db *u, int role, uint64_t *n)
{
	sqlite3_stmt *st = yg_db_stmt(u->h, "SELECT count(*) FROM api_users WHERE role = ?1");
	if (st)
		sqlite3_bind_int(st, 1, role);
	return count(st, n);
}

yg_err yg_users_db_token_count(yg_users_db *u, const char *name, int64_t now, uint64_t *n)
{
	sqlite3_stmt *st = yg_db_stmt(u->h, "SELECT count(*) FROM api_tokens WHERE user = ?1"
	                                    " AND session = 0 AND expires > ?2");
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
	}
	return count(st, n);
}

yg_err yg_users_db_token_put(yg_users_db *u, const unsigned char hash[YG_USERS_HASH_LEN],
                             const yg_users_token *t, int64_t *id)
{
	/* Forget expired tokens while we are here. */
	sqlite3_stmt *gc = yg_db_stmt(u->h, "DELETE FROM api_tokens WHERE expires <= ?1");
	if (gc) {
		sqlite3_bind_int64(gc, 1, t->created);
		(void)step(u, gc, NULL);
	}
	sqlite3_stmt *st =
	        yg_db_stmt(u->h, "INSERT INTO api_tokens(hash, user, session, label, created,"
	                         " expires) SELECT ?1, name, ?3, ?4, ?5, ?6 FROM api_users"
	                         " WHERE name = ?2");
	if (!st)
		return YG_EIO;
	sqlite3_bind_blob(st, 1, hash, YG_USERS_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->user, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, t->session ? 1 : 0);
	sqlite3_bind_text(st, 4, t->label ? t->label : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, t->created);
	sqlite3_bind_int64(st, 6, t->expires);
	int n = 0;
	yg_err err = step(u, st, &n) ? YG_EIO : YG_OK;
	if (!err && n == 0)
		err = YG_ENOTFOUND;
	if (!err && id)
		*id = sqlite3_last_insert_rowid(u->db);
	return err;
}

yg_err yg_users_db_token_revoke(yg_users_db *u, int64_t id, const char *owner)
{
	sqlite3_stmt *st = yg_db_stmt(
	        u->h, "DELETE FROM api_tokens WHERE id = ?1 AND (?2 IS NULL OR user = ?2)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	if (owner)
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	int n = 0;
	yg_err err = step(u, st, &n) ? YG_EIO : YG_OK;
	return !err && n == 0 ? YG_ENOTFOUND : err;
}

yg_err yg_users_db_token_find(yg_users_db *u, const unsigned char hash[YG_USERS_HASH_LEN],
                              int64_t now, char *name, size_t cap, int *role, int64_t *id,
                              bool *session)
{
	sqlite3_stmt *st = yg_db_stmt(
	        u->h, "SELECT t.id, u.name, u.role, t.session FROM api_tokens t JOIN api_users u"
	              " ON u.name = t.user WHERE t.hash = ?1 AND t.expires > ?2");
	if (!st)
		return YG_EIO;
	sqlite3_bind_blob(st, 1, hash, YG_USERS_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	yg_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
	const char *n = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
	if (n && strlen(n) < cap) {
		memcpy(name, n, strlen(n) + 1);
		*role = sqlite3_column_int(st, 2);
		*id = sqlite3_column_int64(st, 0);
		*session = sqlite3_column_int(st, 3) != 0;
		err = YG_OK;
	}
	sqlite3_reset(st);
	return err;
}

yg_err yg_users_db_token_list(yg_users_db *u, const char *name, int64_t now,
                              int (*fn)(void *ctx, const yg_users_token *t), void *ctx)
{
	sqlite3_stmt *st =
	        yg_db_stmt(u->h, "SELECT id, user, label, session, created, expires FROM api_tokens"
	                         " WHERE expires > ?1 AND (?2 IS NULL OR user = ?2) ORDER BY id");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, now);
	if (name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		yg_users_token t = {
		        .id = sqlite3_column_int64(st, 0),
		        .user = (const char *)sqlite3_column_text(st, 1),
		        .label = (const char *)sqlite3_column_text(st, 2),
		        .session = sqlite3_column_int(st, 3) != 0,
		        .created = sqlite3_column_int64(st, 4),
		        .expires = sqlite3_column_int64(st, 5),
		};
		if (fn(ctx, &t))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
}
